//! From positioned characters and ruling lines to what a reader sees: tables on a grid, lines,
//! paragraphs, without page numbers and running heads.

use std::collections::HashMap;

use super::content::{Glyph, Page, Rule};
use crate::diag::Diagnostic;
use crate::import::{Place, ScannedBlock, ScannedCell, ScannedTable};
use crate::limits;

/// How close two ruling lines must be to count as one (double borders, pieces drawn cell by
/// cell, a rule drawn as a thin fill beside a stroked one), in points.
const SNAP: f64 = 3.0;

/// Characters that take no space around them when lines are joined: CJK, full-width forms and
/// the punctuation set with them.
fn cjk(c: char) -> bool {
    matches!(c as u32,
        0x2010..=0x206F // dashes, quotes, ellipsis
        | 0x2E80..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFE10..=0xFE4F
        | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Joins two pieces of text: a space only between two non-CJK characters that stood apart,
/// and never beside the @ of an address (nianbao's grid sets the parts of an address apart).
fn join(out: &mut String, next: &str, apart: bool) {
    let (Some(a), Some(b)) = (out.chars().last(), next.chars().next()) else {
        out.push_str(next);
        return;
    };
    if apart && !cjk(a) && !cjk(b) && !a.is_whitespace() && a != '@' && b != '@' {
        out.push(' ');
    }
    out.push_str(next);
}

/// One line of text: characters on one baseline, left to right.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    pub top: f64,
    pub bottom: f64,
    pub base: f64,
    pub size: f64,
}

/// Groups characters into lines by baseline. `split` breaks a line where characters stand
/// further apart than that many ems (two things side by side, not one line).
fn lines(mut glyphs: Vec<&Glyph>, split: Option<f64>) -> Vec<Line> {
    glyphs.sort_by(|a, b| a.base.total_cmp(&b.base).then(a.x0.total_cmp(&b.x0)));
    let mut bands: Vec<Vec<&Glyph>> = Vec::new();
    for g in glyphs {
        match bands.last_mut() {
            // Within a third of the size of the band's first character: the same line (a
            // superscript or a digit of another font sits a little off).
            Some(band) if (g.base - band[0].base).abs() <= 0.35 * band[0].size.max(g.size) => {
                band.push(g)
            }
            _ => bands.push(vec![g]),
        }
    }
    let mut out = Vec::new();
    for mut band in bands {
        band.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        // A justified line spreads all its characters apart alike: a space the text does not
        // print as a character is a gap wider than the line's usual one, not any gap.
        let usual = {
            let mut gaps: Vec<f64> = band
                .windows(2)
                .map(|w| (w[1].x0 - w[0].x1).max(0.0))
                .collect();
            gaps.sort_by(f64::total_cmp);
            gaps.get(gaps.len() / 2).copied().unwrap_or(0.0)
        };
        let mut line: Option<Line> = None;
        let mut last: Option<&Glyph> = None;
        for g in band {
            if let Some(prev) = last {
                // A character printed twice over itself (fake bold) is one character.
                if prev.text == g.text && (g.x0 - prev.x0).abs() < 0.2 * g.size {
                    continue;
                }
            }
            let gap = last.map_or(0.0, |p| g.x0 - p.x1);
            let em = g.size.max(1.0);
            if let (Some(l), Some(limit)) = (&line, split)
                && gap > limit * em
            {
                out.push(l.clone());
                line = None;
            }
            match &mut line {
                Some(l) => {
                    join(&mut l.text, &g.text, gap - usual > 0.2 * em);
                    l.x1 = l.x1.max(g.x1);
                    l.top = l.top.min(g.top);
                    l.bottom = l.bottom.max(g.bottom);
                    l.size = l.size.max(g.size);
                }
                None => {
                    line = Some(Line {
                        text: g.text.clone(),
                        x0: g.x0,
                        x1: g.x1,
                        top: g.top,
                        bottom: g.bottom,
                        base: g.base,
                        size: g.size,
                    })
                }
            }
            last = Some(g);
        }
        out.extend(line);
    }
    out
}

/// A table found on a page: its grid lines and which cell owns each grid square.
struct Grid {
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// `(row, col, rowspan, colspan)`, in reading order.
    cells: Vec<(usize, usize, usize, usize)>,
    /// For each grid square, row-major: its cell.
    owner: Vec<usize>,
}

impl Grid {
    fn contains(&self, x: f64, y: f64) -> bool {
        let (xs, ys) = (&self.xs, &self.ys);
        x >= xs[0] && x <= xs[xs.len() - 1] && y >= ys[0] && y <= ys[ys.len() - 1]
    }

    fn cell_at(&self, x: f64, y: f64) -> usize {
        let cols = self.xs.len() - 1;
        let col = self.xs.partition_point(|v| *v <= x).clamp(1, cols) - 1;
        let row = self
            .ys
            .partition_point(|v| *v <= y)
            .clamp(1, self.ys.len() - 1)
            - 1;
        self.owner[row * cols + col]
    }
}

/// A rule as `(position across, start, end)`: `(y, x0, x1)` or `(x, y0, y1)`.
type Segment = (f64, f64, f64);

/// Merges rules lying on one line and touching or overlapping into one.
fn merge(mut segs: Vec<Segment>) -> Vec<Segment> {
    segs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Group by position first (within a point), then join overlapping extents.
    let mut out: Vec<Segment> = Vec::new();
    let mut i = 0;
    while i < segs.len() {
        let mut j = i + 1;
        while j < segs.len() && segs[j].0 - segs[j - 1].0 <= 1.0 {
            j += 1;
        }
        let mut group: Vec<Segment> = segs[i..j].to_vec();
        let at = group.iter().map(|s| s.0).sum::<f64>() / group.len() as f64;
        group.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut current: Option<(f64, f64)> = None;
        for (_, a, b) in group {
            current = match current {
                Some((s, e)) if a <= e + 1.5 => Some((s, e.max(b))),
                Some((s, e)) => {
                    out.push((at, s, e));
                    Some((a, b))
                }
                None => Some((a, b)),
            };
        }
        if let Some((s, e)) = current {
            out.push((at, s, e));
        }
        i = j;
    }
    out
}

/// Positions within `SNAP` of each other, as one (their mean).
fn snap(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let mut out: Vec<Vec<f64>> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some(group) if v - group[group.len() - 1] <= SNAP => group.push(v),
            _ => out.push(vec![v]),
        }
    }
    out.iter()
        .map(|g| g.iter().sum::<f64>() / g.len() as f64)
        .collect()
}

/// The share of `[a, b]` that segments at `at` (within `SNAP`) cover.
fn covered(segs: &[Segment], at: f64, a: f64, b: f64) -> f64 {
    let mut spans: Vec<(f64, f64)> = segs
        .iter()
        .filter(|s| (s.0 - at).abs() <= SNAP && s.2 > a && s.1 < b)
        .map(|s| (s.1.max(a), s.2.min(b)))
        .collect();
    spans.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut total = 0.0;
    let mut end = a;
    for (s, e) in spans {
        let s = s.max(end);
        if e > s {
            total += e - s;
            end = e;
        }
    }
    total / (b - a).max(1e-6)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The tables a page's ruling lines draw.
fn grids(rules: &[Rule], page: usize) -> Result<Vec<Grid>, Diagnostic> {
    let h = merge(
        rules
            .iter()
            .filter_map(|r| match *r {
                Rule::H(y, x0, x1) => Some((y, x0, x1)),
                _ => None,
            })
            .collect(),
    );
    let v = merge(
        rules
            .iter()
            .filter_map(|r| match *r {
                Rule::V(x, y0, y1) => Some((x, y0, y1)),
                _ => None,
            })
            .collect(),
    );
    if h.len() + v.len() > limits::PDF_PAGE_RULES {
        return Err(limits::error(
            "PDF 一页上的线段数",
            "pdf_page_rules",
            format!("{} 条", limits::PDF_PAGE_RULES),
            format!("第 {page} 页有 {} 条", h.len() + v.len()),
        ));
    }
    // Which lines touch: a table is the lines connected to each other.
    let n = h.len() + v.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for (i, &(y, x0, x1)) in h.iter().enumerate() {
        for (j, &(x, y0, y1)) in v.iter().enumerate() {
            if x >= x0 - SNAP && x <= x1 + SNAP && y >= y0 - SNAP && y <= y1 + SNAP {
                let (a, b) = (find(&mut parent, i), find(&mut parent, h.len() + j));
                parent[a] = b;
            }
        }
    }
    let mut groups: HashMap<usize, (Vec<Segment>, Vec<Segment>)> = HashMap::new();
    for i in 0..n {
        let root = find(&mut parent, i);
        let group = groups.entry(root).or_default();
        if i < h.len() {
            group.0.push(h[i]);
        } else {
            group.1.push(v[i - h.len()]);
        }
    }
    let mut out = Vec::new();
    for (hs, vs) in groups.into_values() {
        if hs.len() < 2 || vs.len() < 2 {
            continue;
        }
        let ys = snap(hs.iter().map(|s| s.0).collect());
        let xs = snap(vs.iter().map(|s| s.0).collect());
        if ys.len() < 2 || xs.len() < 2 || (ys.len() - 1) * (xs.len() - 1) < 2 {
            continue;
        }
        let (rows, cols) = (ys.len() - 1, xs.len() - 1);
        // A rule between two squares: more than half their common side drawn.
        let wall_right = |r: usize, c: usize| covered(&vs, xs[c + 1], ys[r], ys[r + 1]) > 0.5;
        let wall_below = |r: usize, c: usize| covered(&hs, ys[r + 1], xs[c], xs[c + 1]) > 0.5;
        let mut owner = vec![usize::MAX; rows * cols];
        let mut cells = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                if owner[r * cols + c] != usize::MAX {
                    continue;
                }
                let mut w = 1;
                while c + w < cols
                    && !wall_right(r, c + w - 1)
                    && owner[r * cols + c + w] == usize::MAX
                {
                    w += 1;
                }
                let mut hgt = 1;
                while r + hgt < rows
                    && (c..c + w).all(|k| {
                        !wall_below(r + hgt - 1, k) && owner[(r + hgt) * cols + k] == usize::MAX
                    })
                    && (c..c + w - 1).all(|k| !wall_right(r + hgt, k))
                {
                    hgt += 1;
                }
                for rr in r..r + hgt {
                    for cc in c..c + w {
                        owner[rr * cols + cc] = cells.len();
                    }
                }
                cells.push((r, c, hgt, w));
            }
        }
        out.push(Grid {
            xs,
            ys,
            cells,
            owner,
        });
    }
    out.sort_by(|a, b| {
        a.ys[0]
            .total_cmp(&b.ys[0])
            .then(a.xs[0].total_cmp(&b.xs[0]))
    });
    Ok(out)
}

/// A page's content in reading order, before paragraphs are made.
enum Item {
    Line(Line),
    Table(Grid, Vec<String>),
}

fn item_top(item: &Item) -> f64 {
    match item {
        Item::Line(l) => l.top,
        Item::Table(g, _) => g.ys[0],
    }
}

/// The text of a cell: its lines top to bottom, joined (one character a line down a narrow
/// column gives the word).
fn cell_text(glyphs: Vec<&Glyph>) -> String {
    let mut text = String::new();
    for line in lines(glyphs, None) {
        let apart = text.chars().last().is_some_and(|c| c.is_ascii_alphabetic())
            && line.text.starts_with(|c: char| c.is_ascii_alphabetic());
        join(&mut text, &line.text, apart);
    }
    text.trim().to_string()
}

/// A page number as printed in a margin: `— 3 —`, `-3-`, `3`, `第3页`, `第 3 页 共 6 页`, `3/6`.
fn page_number(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let dashes = |c: char| "-—–－─一~～·•".contains(c);
    let core = t.trim_matches(dashes);
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    if digits(core) {
        return true;
    }
    if let Some(rest) = core.strip_prefix('第')
        && let Some((n, rest)) = rest.split_once('页')
    {
        return digits(n)
            && (rest.is_empty()
                || rest
                    .strip_prefix('共')
                    .and_then(|r| r.strip_suffix('页'))
                    .is_some_and(digits));
    }
    if let Some((a, b)) = core.split_once('/') {
        return digits(a) && digits(b);
    }
    false
}

/// A line that begins like a heading: `一、`, `（一）`, `1.`, `（1）`.
fn heading(text: &str) -> bool {
    let numeral = |c: char| "一二三四五六七八九十".contains(c) || c.is_ascii_digit();
    let t = text.trim_start();
    let (open, rest) = match t.strip_prefix('（').or_else(|| t.strip_prefix('(')) {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let digits = rest.chars().take_while(|c| numeral(*c)).count();
    if digits == 0 {
        return false;
    }
    let after = rest.chars().nth(digits);
    if open {
        matches!(after, Some('）' | ')'))
    } else {
        matches!(after, Some('、' | '.' | '．'))
    }
}

/// The text of a running head or foot, the same on every page: digits do not count.
fn running_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// Everything of the pages, in reading order: paragraphs and tables.
pub(super) fn blocks(pages: &[Page]) -> Result<Vec<ScannedBlock>, Diagnostic> {
    // 1. Each page: tables from its rules, characters into their cells, the rest into lines.
    let mut items: Vec<Vec<Item>> = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let grids = grids(&page.rules, p + 1)?;
        let mut free = Vec::new();
        let mut in_cells: Vec<Vec<Vec<&Glyph>>> = grids
            .iter()
            .map(|g| vec![Vec::new(); g.cells.len()])
            .collect();
        for g in &page.glyphs {
            let (x, y) = (g.cx(), g.cy());
            match grids.iter().position(|grid| grid.contains(x, y)) {
                Some(t) => in_cells[t][grids[t].cell_at(x, y)].push(g),
                None => free.push(g),
            }
        }
        let mut page_items: Vec<Item> =
            lines(free, Some(4.0)).into_iter().map(Item::Line).collect();
        for (grid, glyphs) in grids.into_iter().zip(in_cells) {
            let texts = glyphs.into_iter().map(cell_text).collect();
            page_items.push(Item::Table(grid, texts));
        }
        page_items.sort_by(|a, b| item_top(a).total_cmp(&item_top(b)));
        items.push(page_items);
    }

    // 2. Margins: page numbers, and what repeats at the top or foot of the pages.
    let margin = |page: &Page, line: &Line, share: f64| {
        line.bottom < page.height * share || line.top > page.height * (1.0 - share)
    };
    let mut running: HashMap<String, usize> = HashMap::new();
    for (page, page_items) in pages.iter().zip(&items) {
        let mut seen = std::collections::HashSet::new();
        for item in page_items {
            if let Item::Line(line) = item
                && margin(page, line, 0.1)
                && seen.insert(running_key(&line.text))
            {
                *running.entry(running_key(&line.text)).or_default() += 1;
            }
        }
    }
    for (page, page_items) in pages.iter().zip(&mut items) {
        page_items.retain(|item| match item {
            Item::Line(line) => {
                let number = margin(page, line, 0.15) && page_number(&line.text);
                let repeated = pages.len() > 1
                    && margin(page, line, 0.1)
                    && running
                        .get(&running_key(&line.text))
                        .is_some_and(|n| *n > 1);
                !number && !repeated
            }
            Item::Table(..) => true,
        });
    }

    // 3. The text block, from every page's lines: its left edge (where continuation lines
    // start), its right edge (where full lines end), the body size and line pitch.
    let all: Vec<&Line> = items
        .iter()
        .flatten()
        .filter_map(|i| match i {
            Item::Line(l) => Some(l),
            _ => None,
        })
        .collect();
    let mode = |values: Vec<f64>, prefer_low: bool| -> Option<f64> {
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for v in values {
            *counts.entry((v / 2.0).round() as i64).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| {
                a.1.cmp(&b.1).then(if prefer_low {
                    b.0.cmp(&a.0)
                } else {
                    a.0.cmp(&b.0)
                })
            })
            .map(|(k, _)| k as f64 * 2.0)
    };
    let mut sizes: Vec<f64> = all.iter().map(|l| l.size).collect();
    sizes.sort_by(f64::total_cmp);
    let em = sizes.get(sizes.len() / 2).copied().unwrap_or(12.0).max(1.0);
    // The left edge: the leftmost place where at least three lines start.
    let left = {
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for l in &all {
            *counts.entry((l.x0 / 2.0).round() as i64).or_default() += 1;
        }
        let recurring = counts
            .iter()
            .filter(|(_, n)| **n >= 3)
            .map(|(k, _)| *k)
            .min();
        recurring
            .map(|k| k as f64 * 2.0)
            .or_else(|| all.iter().map(|l| l.x0).reduce(f64::min))
            .unwrap_or(0.0)
    };
    let right = mode(
        all.iter()
            .filter(|l| l.x1 - l.x0 > 8.0 * em)
            .map(|l| l.x1)
            .collect(),
        false,
    )
    .or_else(|| all.iter().map(|l| l.x1).reduce(f64::max))
    .unwrap_or(0.0);
    let pitch = {
        let mut steps = Vec::new();
        for page_items in &items {
            let mut prev: Option<&Line> = None;
            for item in page_items {
                match item {
                    Item::Line(l) => {
                        if let Some(p) = prev {
                            let step = l.base - p.base;
                            if step > 0.5 * em && step < 3.0 * em {
                                steps.push(step);
                            }
                        }
                        prev = Some(l);
                    }
                    Item::Table(..) => prev = None,
                }
            }
        }
        steps.sort_by(f64::total_cmp);
        steps.get(steps.len() / 2).copied().unwrap_or(1.5 * em)
    };

    // Whether paragraphs begin with an indent here (GB/T 9704 asks for two characters): then a
    // line that ends short does not by itself end its paragraph, since a line too loose to
    // justify (before a long URL) is set flush left and ends short too.
    let indenting = all
        .iter()
        .filter(|l| l.x0 > left + 1.5 * em && l.x0 < left + 2.5 * em)
        .count()
        >= 3;

    // 4. Paragraphs, across pages; tables in between.
    let mut out = Vec::new();
    let mut tables = 0;
    // The paragraph being read: its text, last line, first page and last line's page.
    let mut open: Option<(String, Line, usize, usize)> = None;
    let close = |open: &mut Option<(String, Line, usize, usize)>, out: &mut Vec<ScannedBlock>| {
        if let Some((text, _, page, _)) = open.take() {
            let text = text.trim().to_string();
            if !text.is_empty() {
                out.push(ScannedBlock::Text {
                    text,
                    at: Place {
                        page: Some(page),
                        ..Place::default()
                    },
                });
            }
        }
    };
    for (p, page_items) in items.into_iter().enumerate() {
        for item in page_items {
            match item {
                Item::Table(grid, texts) => {
                    close(&mut open, &mut out);
                    tables += 1;
                    let at = Place {
                        page: Some(p + 1),
                        table: Some(tables),
                        ..Place::default()
                    };
                    let cells = grid
                        .cells
                        .iter()
                        .zip(texts)
                        .map(|(&(row, col, rowspan, colspan), text)| ScannedCell {
                            row,
                            col,
                            rowspan,
                            colspan,
                            text,
                            at: Place {
                                row: Some(row + 1),
                                col: Some(col + 1),
                                ..at
                            },
                        })
                        .collect();
                    out.push(ScannedBlock::Table(ScannedTable { at, cells }));
                }
                Item::Line(line) => {
                    let starts = match &open {
                        None => true,
                        Some((_, prev, _, prev_page)) => {
                            let indented = line.x0 > left + 0.8 * em;
                            let prev_short = prev.x1 < right - 3.0 * em;
                            let resized =
                                (line.size - prev.size).abs() > 0.15 * line.size.max(prev.size);
                            let gap = *prev_page == p + 1
                                && line.base - prev.base > 1.6 * pitch.max(line.size);
                            let ended = prev_short && (!indenting || heading(&line.text));
                            indented || ended || resized || gap
                        }
                    };
                    if starts {
                        close(&mut open, &mut out);
                        open = Some((line.text.clone(), line, p + 1, p + 1));
                    } else if let Some((text, prev, _, prev_page)) = &mut open {
                        let apart = text.chars().last().is_some_and(|c| c.is_ascii_alphabetic())
                            && line.text.starts_with(|c: char| c.is_ascii_alphabetic());
                        join(text, &line.text, apart);
                        *prev = line;
                        *prev_page = p + 1;
                    }
                }
            }
        }
    }
    close(&mut open, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        for yes in [
            "— 3 —",
            "-3-",
            "- 12 -",
            "3",
            "第3页",
            "第 3 页 共 6 页",
            "3/6",
            "一 3 一",
        ] {
            assert!(page_number(yes), "{yes}");
        }
        for no in ["2024年", "第3条", "3.其他", "12345", ""] {
            assert!(!page_number(no), "{no}");
        }
    }

    #[test]
    fn headings() {
        for yes in [
            "一、总体情况",
            "（三）政府信息管理情况",
            "1.属于国家秘密",
            "(2)其他",
            "十二、附件",
        ] {
            assert!(heading(yes), "{yes}");
        }
        for no in ["2024年，我市", "一是政策", "（本列数据", "3940元"] {
            assert!(!heading(no), "{no}");
        }
    }

    #[test]
    fn joining_keeps_latin_words_apart_and_cjk_together() {
        let mut s = "Times".to_string();
        join(&mut s, "New", true);
        assert_eq!(s, "Times New");
        let mut s = "为".to_string();
        join(&mut s, "100%", true);
        join(&mut s, "。", true);
        assert_eq!(s, "为100%。");
    }

    fn h(y: f64, x0: f64, x1: f64) -> Rule {
        Rule::H(y, x0, x1)
    }
    fn v(x: f64, y0: f64, y1: f64) -> Rule {
        Rule::V(x, y0, y1)
    }

    #[test]
    fn merged_cells_are_regions_without_inner_rules() {
        // A 3 × 3 grid: the first column merged down rows 2–3, the top row merged across.
        let rules = vec![
            h(0.0, 0.0, 90.0),
            h(10.0, 0.0, 90.0),
            h(20.0, 30.0, 90.0),
            h(30.0, 0.0, 90.0),
            v(0.0, 0.0, 30.0),
            v(30.0, 10.0, 30.0),
            // Drawn in two pieces, cell by cell.
            v(60.0, 10.0, 20.0),
            v(60.0, 20.0, 30.0),
            v(90.0, 0.0, 30.0),
        ];
        let grids = grids(&rules, 1).unwrap();
        assert_eq!(grids.len(), 1);
        assert_eq!(
            grids[0].cells,
            vec![
                (0, 0, 1, 3),
                (1, 0, 2, 1),
                (1, 1, 1, 1),
                (1, 2, 1, 1),
                (2, 1, 1, 1),
                (2, 2, 1, 1)
            ]
        );
        assert_eq!(grids[0].cell_at(10.0, 25.0), 1);
    }

    #[test]
    fn a_lone_box_or_underline_is_no_table() {
        let frame = vec![
            h(0.0, 0.0, 90.0),
            h(30.0, 0.0, 90.0),
            v(0.0, 0.0, 30.0),
            v(90.0, 0.0, 30.0),
            h(50.0, 0.0, 90.0),
        ];
        assert!(grids(&frame, 1).unwrap().is_empty());
    }
}
