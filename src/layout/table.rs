//! Tables: measured once, then placed row by row; pages break only between rows.
//!
//! Columns start from the template's proportions; a column whose content cannot fit (a figure,
//! which is never broken; a vertical label; a three-character label such as 自然人) takes the
//! width it needs from columns that have room to spare, and a figure that still does not fit is
//! set smaller. Labels are balanced over their lines ([`linebreak::balanced_lines`]); row heights
//! grow to fit every cell, vertical text in one upright column. Pages break between rows where
//! the table's [`Keep`] and row groups allow; the header rows are repeated, and a spanning cell
//! cut by the break is drawn again in its part on the new page.
//!
//! [`Keep`]: crate::document::Keep

use std::collections::HashSet;

use super::linebreak::{self, Justify, Line, Phrases};
use super::steps::step;
use super::text::{self, Piece};
use super::{Flow, Item, Segment, TextRun};
use crate::diag::{Diagnostic, Rule as DiagRule};
use crate::document::{Align, Cell, GroupKeep, Table, VAlign};
use crate::style::mm_to_pt;

/// A table's measurements, computed once per table.
pub(super) struct Measured {
    /// Column edges relative to the table's left, `columns + 1` of them.
    col_x: Vec<f32>,
    row_h: Vec<f32>,
    /// Parallel to `table.cells()`.
    contents: Vec<Content>,
    padding: f32,
}

enum Content {
    Lines {
        text: String,
        pieces: Vec<Piece>,
        lines: Vec<Line>,
        size: f32,
        line_height: f32,
    },
    Vertical {
        text: String,
        pieces: Vec<Piece>,
        /// Distance between character boxes down a column.
        pitch: f32,
        size: f32,
    },
}

impl Content {
    /// The height the content needs, padding aside (vertical text in one column).
    fn height(&self) -> f32 {
        match self {
            Content::Lines {
                lines, line_height, ..
            } => lines.len() as f32 * line_height,
            Content::Vertical { pieces, size, .. } => vertical_extent(pieces.len(), *size),
        }
    }
}

/// Vertical characters stand this far apart, in em.
const VERTICAL_PITCH: f32 = 1.08;

/// The height `chars` characters of vertical text take in one column at `size`.
pub fn vertical_extent(chars: usize, size: f32) -> f32 {
    chars as f32 * size * VERTICAL_PITCH
}
/// Columns of multi-column vertical text stand this far apart, in em.
const VERTICAL_COLUMN: f32 = 1.25;

/// A cell shaped at its size, before the columns are known.
struct Shaped {
    pieces: Vec<Piece>,
    size: f32,
    figure: bool,
    /// The narrowest the content can be set: a figure whole, vertical text one character
    /// wide, a label broken into lines of at least two characters.
    min_width: f32,
}

pub(super) fn measure(flow: &mut Flow, table: &Table) -> Measured {
    let style = flow.style;
    let width = flow.g.width;
    let padding = mm_to_pt(style.table.padding_mm);
    let base_size = table.size().unwrap_or(style.sizes.table);
    let shaped: Vec<Shaped> = table
        .cells()
        .iter()
        .map(|cell| shape_cell(flow, cell, base_size))
        .collect();
    let floor = style.table.figure_min_size.min(base_size);
    let (widths, figure_scale) = column_widths(table, &shaped, width, padding, floor / base_size);
    if figure_scale * base_size < floor - 0.01 {
        flow.notes.push(
            Diagnostic::warning(
                DiagRule::Layout,
                format!(
                    "表格里的数字太长，缩小到 {:.1} 磅才放得下（下限 {floor} 磅）",
                    figure_scale * base_size
                ),
            )
            .hint("检查这些数字是否填错；确实如此时可以减小样式文件的 sizes.table"),
        );
    }
    let mut col_x = vec![0.0];
    for w in &widths {
        col_x.push(col_x.last().copied().unwrap_or(0.0) + w);
    }
    let line_factor = style.table.line_height;
    let contents: Vec<Content> = table
        .cells()
        .iter()
        .zip(shaped)
        .map(|(cell, shaped)| {
            let inner = col_x[cell.last_col() + 1] - col_x[cell.col] - 2.0 * padding;
            content(flow, cell, shaped, inner, line_factor)
        })
        .collect();
    let min_row = base_size * line_factor + 2.0 * padding;
    let mut row_h = vec![min_row; table.rows()];
    for (cell, content) in table.cells().iter().zip(&contents) {
        if cell.rowspan.get() == 1 {
            row_h[cell.row] = row_h[cell.row].max(content.height() + 2.0 * padding);
        }
    }
    let mut spanning: Vec<(&Cell, &Content)> = table
        .cells()
        .iter()
        .zip(&contents)
        .filter(|(c, _)| c.rowspan.get() > 1)
        .collect();
    spanning.sort_by_key(|(c, _)| c.rowspan.get());
    for (cell, content) in spanning {
        let rows = cell.row..=cell.last_row();
        let have: f32 = row_h[rows.clone()].iter().sum();
        let needed = content.height() + 2.0 * padding;
        if needed > have {
            let extra = (needed - have) / cell.rowspan.get() as f32;
            for r in rows {
                row_h[r] += extra;
            }
        }
    }
    Measured {
        col_x,
        row_h,
        contents,
        padding,
    }
}

fn shape_cell(flow: &mut Flow, cell: &Cell, base_size: f32) -> Shaped {
    let size = cell.size.unwrap_or(base_size);
    let fonts = flow.fonts;
    if cell.vertical {
        let pieces: Vec<Piece> = cell
            .text
            .char_indices()
            .map(|(i, ch)| text::vertical_piece(i, ch, cell.role, size, fonts))
            .collect();
        flow.missing.add(&pieces);
        let min_width = pieces.iter().map(|p| p.width).fold(0.0, f32::max);
        return Shaped {
            pieces,
            size,
            figure: false,
            min_width,
        };
    }
    let role = cell.role;
    let pieces = text::shape(&cell.text, |_| role, size, size, fonts);
    flow.missing.add(&pieces);
    let figure = cell.is_figure();
    let min_width = if figure {
        pieces.iter().map(|p| p.width).sum()
    } else {
        linebreak::narrowest_width(&cell.text, &pieces)
    };
    Shaped {
        pieces,
        size,
        figure,
        min_width,
    }
}

/// Column widths that add up to `width`: the template's proportions, except that a column
/// whose content needs more takes it from the columns with room to spare, in proportion to
/// their room. When even that is not enough, figures are set smaller: the second value is the
/// scale of their size (1 when they fit as they are; below `floor` only when nothing else fits).
fn column_widths(
    table: &Table,
    shaped: &[Shaped],
    width: f32,
    padding: f32,
    floor: f32,
) -> (Vec<f32>, f32) {
    let wanted: Vec<f32> = table.columns().iter().map(|f| f * width).collect();
    let mins = |scale: f32| -> Vec<f32> {
        let mut min = vec![2.0 * padding; wanted.len()];
        let need = |s: &Shaped| {
            let content = if s.figure {
                s.min_width * scale
            } else {
                s.min_width
            };
            content + 2.0 * padding
        };
        let cells = table.cells().iter().zip(shaped);
        for (cell, s) in cells.clone().filter(|(c, _)| c.colspan.get() == 1) {
            min[cell.col] = min[cell.col].max(need(s));
        }
        for (cell, s) in cells.filter(|(c, _)| c.colspan.get() > 1) {
            let cols = cell.col..=cell.last_col();
            let have: f32 = min[cols.clone()].iter().sum();
            let short = need(s) - have;
            if short > 0.0 {
                let share: f32 = wanted[cols.clone()].iter().sum();
                for c in cols {
                    min[c] += short * wanted[c] / share;
                }
            }
        }
        min
    };
    let fits = |scale: f32| mins(scale).iter().sum::<f32>() <= width + 0.01;
    let mut scale = 1.0;
    if !fits(1.0) {
        // The largest scale that fits, at or above the floor if one does.
        let (mut lo, mut hi) = if fits(floor) {
            (floor, 1.0)
        } else {
            (0.05, floor)
        };
        for _ in 0..20 {
            let mid = (lo + hi) / 2.0;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        scale = lo;
    }
    let min = mins(scale);
    let deficit: f32 = wanted.iter().zip(&min).map(|(w, m)| (m - w).max(0.0)).sum();
    if deficit <= 0.0 {
        return (wanted, scale);
    }
    let room: f32 = wanted.iter().zip(&min).map(|(w, m)| (w - m).max(0.0)).sum();
    let take = deficit.min(room);
    let widths = wanted
        .iter()
        .zip(&min)
        .map(|(w, m)| {
            if m >= w {
                *m
            } else if room > 0.0 {
                w - take * (w - m) / room
            } else {
                *w
            }
        })
        .collect();
    (widths, scale)
}

/// A shaped cell set in its final width: figures smaller when they must, labels balanced.
fn content(flow: &Flow, cell: &Cell, shaped: Shaped, inner: f32, line_factor: f32) -> Content {
    let Shaped {
        mut pieces,
        mut size,
        figure,
        ..
    } = shaped;
    if cell.vertical {
        return Content::Vertical {
            text: cell.text.clone(),
            pieces,
            pitch: size * VERTICAL_PITCH,
            size,
        };
    }
    if figure {
        let natural: f32 = pieces.iter().map(|p| p.width).sum();
        if natural > inner + 0.01 {
            size *= inner / natural;
            let role = cell.role;
            pieces = text::shape(&cell.text, |_| role, size, size, flow.fonts);
        }
    }
    let justify = match cell.align {
        Align::Justify => Justify::Full,
        Align::Left => Justify::Left,
        Align::Center => Justify::Center,
        Align::Right => Justify::Right,
    };
    let marks: HashSet<usize> = cell.breaks.iter().copied().collect();
    let marked: Vec<usize> = pieces
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            step(1);
            marks.contains(&p.range.start)
        })
        .map(|(i, _)| i)
        .collect();
    let phrases = Phrases::Label(&marked);
    let lines = linebreak::balanced_lines(&cell.text, &pieces, inner, justify, phrases);
    Content::Lines {
        text: cell.text.clone(),
        pieces,
        lines,
        size,
        line_height: size * line_factor,
    }
}

impl Measured {
    /// What the .docx needs of the measurements: columns, rows, cells' sizes and lines.
    pub(super) fn measure(
        &self,
        table: &Table,
        breaks: Vec<usize>,
        space_below: f32,
    ) -> super::TableMeasure {
        let columns = self.col_x.windows(2).map(|w| w[1] - w[0]).collect();
        let cells = table
            .cells()
            .iter()
            .zip(&self.contents)
            .map(|(_, content)| match content {
                Content::Lines {
                    pieces,
                    lines,
                    size,
                    ..
                } => super::CellMeasure {
                    size: *size,
                    line_ends: lines
                        .iter()
                        .take(lines.len().saturating_sub(1))
                        .filter(|l| !l.pieces.is_empty())
                        .map(|l| pieces[l.pieces.end - 1].range.end)
                        .collect(),
                },
                Content::Vertical { size, .. } => super::CellMeasure {
                    size: *size,
                    line_ends: Vec::new(),
                },
            })
            .collect();
        let keeps = self.keeps(table, &breaks);
        super::TableMeasure {
            columns,
            rows: self.row_h.clone(),
            cells,
            breaks,
            keep_with_next: keeps,
            space_below,
        }
    }

    /// Which rows stay on the page with the next, for a writer that breaks pages itself (Word):
    /// header rows with each other and the first body row; body rows wherever this layout would
    /// never end a page between them (orphans and widows, groups, a spanning cell too short to
    /// hold its text in two parts), and an `if-room` group unless this layout did split it; the
    /// last row when the table keeps with what follows.
    fn keeps(&self, table: &Table, breaks: &[usize]) -> Vec<bool> {
        let h = table.header_rows();
        let rows = table.rows();
        let cuts = Cuts {
            table,
            m: self,
            start: h,
            first_piece: true,
            room: None,
            group_gap: 0.0,
        };
        (0..rows)
            .map(|r| {
                let c = r + 1;
                if c == rows {
                    return table.keep().with_next;
                }
                if c <= h {
                    return true;
                }
                if breaks.contains(&c) {
                    return false;
                }
                let in_room_group = table
                    .groups()
                    .iter()
                    .any(|g| g.keep == GroupKeep::IfRoom && g.cut_by(c));
                in_room_group || !cuts.allowed(c)
            })
            .collect()
    }

    /// The least height a part of cell `i` may have on a page, padding included: its lines, or
    /// its vertical text in one column.
    fn min_part(&self, i: usize) -> f32 {
        self.contents[i].height() + 2.0 * self.padding
    }

    fn height(&self, rows: std::ops::Range<usize>) -> f32 {
        self.row_h[rows].iter().sum()
    }
}

/// Where a table may break, for one page: the body rows placed so far on it begin at `start`.
struct Cuts<'a> {
    table: &'a Table,
    m: &'a Measured,
    start: usize,
    /// The table began on this page: its `orphans` rows must stand on it.
    first_piece: bool,
    /// The space for body rows on this page (below the header), when the placement is known.
    room: Option<f32>,
    group_gap: f32,
}

impl Cuts<'_> {
    /// Whether the page may end before body row `c`.
    fn allowed(&self, c: usize) -> bool {
        let (table, m) = (self.table, self.m);
        let keep = table.keep();
        let at_least = if self.first_piece {
            (keep.orphans as usize).max(1)
        } else {
            1
        };
        if c < self.start + at_least || table.rows() - c < (keep.widows as usize).max(1) {
            return false;
        }
        for g in table.groups().iter().filter(|g| g.cut_by(c)) {
            match g.keep {
                GroupKeep::Always => return false,
                // Split only where the page may end before the group and moving the whole
                // group there would leave too little of the page empty.
                GroupKeep::IfRoom => {
                    if let Some(room) = self.room
                        && g.first > self.start
                        && room - m.height(self.start..g.first) <= self.group_gap
                        && self.allowed(g.first)
                    {
                        return false;
                    }
                }
            }
        }
        // A spanning cell cut by the break must hold its text in both parts.
        table.cells().iter().enumerate().all(|(i, cell)| {
            if cell.rowspan.get() == 1 || cell.row >= c || cell.last_row() < c {
                return true;
            }
            let need = m.min_part(i);
            m.height(cell.row.max(self.start)..c) >= need - 0.01
                && m.height(c..cell.last_row() + 1) >= need - 0.01
        })
    }

    /// The last row the page may end before, at or below `limit`.
    fn last(&self, limit: usize) -> Option<usize> {
        (self.start + 1..=limit.min(self.table.rows() - 1))
            .rev()
            .find(|&c| self.allowed(c))
    }
}

pub(super) fn space(flow: &Flow) -> f32 {
    flow.style.table.space_lines * flow.g.pitch
}

/// The room a table needs where it begins: its spacing, header and first rows as far as the
/// first place it may break (all of it when it may not).
pub(super) fn lead(flow: &Flow, table: &Table, m: &Measured) -> f32 {
    let h = table.header_rows();
    let cuts = Cuts {
        table,
        m,
        start: h,
        first_piece: true,
        room: None,
        group_gap: 0.0,
    };
    let end = (h + 1..table.rows())
        .find(|&c| cuts.allowed(c))
        .unwrap_or(table.rows());
    space(flow) + m.height(0..end)
}

/// Places a measured table at the flow's position, breaking pages between rows; with `tail`,
/// its last rows stay on the page with that much of what follows. Returns the body rows new
/// pages begin with.
pub(super) fn place(flow: &mut Flow, table: &Table, m: &Measured, tail: f32) -> Vec<usize> {
    let h = table.header_rows();
    let header: Vec<usize> = (0..h).collect();
    let header_h = m.height(0..h);
    let rows = table.rows();
    let group_gap = flow.style.pagination.group_gap * (flow.g.bottom - flow.g.top);
    let mut start = h;
    let mut first_piece = true;
    let mut breaks = Vec::new();
    loop {
        if first_piece && !flow.at_page_top() {
            flow.y += space(flow);
        }
        let top = flow.y;
        let room = flow.g.bottom - top - header_h;
        let mut fit = start;
        while fit < rows && m.height(start..fit + 1) <= room + 0.01 {
            fit += 1;
        }
        let cuts = Cuts {
            table,
            m,
            start,
            first_piece,
            room: Some(room),
            group_gap,
        };
        let end = if fit == rows {
            let after = m.height(start..rows) + space(flow) + tail;
            if tail > 0.0 && after > room + 0.01 {
                cuts.last(rows - 1)
            } else {
                Some(rows)
            }
        } else {
            cuts.last(fit)
        };
        let end = match end {
            Some(end) => end,
            // Nothing may end this page: the table begins on the next one.
            None if !flow.at_page_top() => {
                flow.new_page();
                continue;
            }
            // A page of its own cannot hold it as asked: break where it overflows.
            None => fit.max(start + 1).min(rows),
        };
        let mut part = header.clone();
        part.extend(start..end);
        draw(flow, table, m, &part, top);
        if end == rows {
            flow.y = top + header_h + m.height(start..rows) + space(flow);
            return breaks;
        }
        flow.new_page();
        breaks.push(end);
        start = end;
        first_piece = false;
    }
}

/// Draws the rows of one page's part of a table (header rows first), its top at `top`.
fn draw(flow: &mut Flow, table: &Table, m: &Measured, rows: &[usize], top: f32) {
    let left = flow.g.left;
    let mut row_y = vec![f32::NAN; table.rows()];
    let mut y = top;
    for &r in rows {
        row_y[r] = y;
        y += m.row_h[r];
    }
    let bottom = y;
    let right = left + m.col_x[m.col_x.len() - 1];
    let mut segments: HashSet<[i32; 4]> = HashSet::new();
    let mut items = Vec::new();
    for (cell, content) in table.cells().iter().zip(&m.contents) {
        let covered: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|r| (cell.row..=cell.last_row()).contains(r))
            .collect();
        let (Some(&first), Some(&last)) = (covered.first(), covered.last()) else {
            continue;
        };
        let x0 = left + m.col_x[cell.col];
        let x1 = left + m.col_x[cell.last_col() + 1];
        let y0 = row_y[first];
        let y1 = row_y[last] + m.row_h[last];
        for edge in [
            [x0, y0, x1, y0],
            [x0, y1, x1, y1],
            [x0, y0, x0, y1],
            [x1, y0, x1, y1],
        ] {
            segments.insert(edge.map(|v| (v * 100.0).round() as i32));
        }
        contents(flow, cell, content, m.padding, (x0, y0, x1, y1), &mut items);
    }
    let inner = flow.style.table.inner_border_pt;
    let outer = flow.style.table.outer_border_pt;
    let on_edge = |s: &[i32; 4]| {
        let v = |f: f32| (f * 100.0).round() as i32;
        (s[1] == s[3] && (s[1] == v(top) || s[1] == v(bottom)))
            || (s[0] == s[2] && (s[0] == v(left) || s[0] == v(right)))
    };
    let mut inner_segments: Vec<[i32; 4]> = segments.into_iter().filter(|s| !on_edge(s)).collect();
    inner_segments.sort();
    for s in inner_segments {
        let [x1, y1, x2, y2] = s.map(|v| v as f32 / 100.0);
        items.push(Item::Line(Segment {
            x1,
            y1,
            x2,
            y2,
            width: inner,
        }));
    }
    let h = outer / 2.0;
    for (x1, y1, x2, y2) in [
        (left - h, top, right + h, top),
        (left - h, bottom, right + h, bottom),
        (left, top, left, bottom),
        (right, top, right, bottom),
    ] {
        items.push(Item::Line(Segment {
            x1,
            y1,
            x2,
            y2,
            width: outer,
        }));
    }
    flow.push(items);
}

/// A cell's text inside its rectangle (x0, y0, x1, y1).
fn contents(
    flow: &Flow,
    cell: &Cell,
    content: &Content,
    padding: f32,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    items: &mut Vec<Item>,
) {
    let inner_h = y1 - y0 - 2.0 * padding;
    let valign_offset = |block: f32| match cell.valign {
        VAlign::Top => 0.0,
        VAlign::Middle => (inner_h - block) / 2.0,
        VAlign::Bottom => inner_h - block,
    };
    match content {
        Content::Lines {
            text,
            pieces,
            lines,
            line_height,
            ..
        } => {
            let block = lines.len() as f32 * line_height;
            let start = y0 + padding + valign_offset(block);
            let mut runs = Vec::new();
            for (k, line) in lines.iter().enumerate() {
                if line.pieces.is_empty() {
                    continue;
                }
                let p = &pieces[line.pieces.start];
                let top = start + k as f32 * line_height;
                let baseline = flow.baseline(top, *line_height, p.size, p.face);
                runs.extend(text::runs(text, pieces, line, x0 + padding, baseline));
            }
            push_label(runs, items);
        }
        Content::Vertical {
            text,
            pieces,
            pitch,
            size,
        } => {
            let n = pieces.len();
            if n == 0 {
                return;
            }
            // One column; more, right to left, only in a part too short to hold it (a page of
            // its own could not).
            let columns = ((n as f32 * pitch) / inner_h.max(*pitch) - 0.01)
                .ceil()
                .max(1.0) as usize;
            let per_column = n.div_ceil(columns);
            let column_step = size * VERTICAL_COLUMN;
            let block_w = (columns - 1) as f32 * column_step;
            let centre_x = (x0 + x1) / 2.0;
            let block_h = per_column as f32 * pitch;
            let start = y0 + padding + valign_offset(block_h);
            let mut runs = Vec::new();
            for (i, p) in pieces.iter().enumerate() {
                let column = i / per_column;
                let row = i % per_column;
                let cx = centre_x + block_w / 2.0 - column as f32 * column_step;
                let top = start + row as f32 * pitch;
                let baseline = flow.baseline(top, *pitch, *size, p.face);
                runs.push(Item::Text(TextRun {
                    face: p.face,
                    size: *size,
                    x: cx - p.width / 2.0,
                    y: baseline,
                    text: text[p.range.clone()].to_string(),
                    glyphs: vec![super::Glyph {
                        id: p.glyph,
                        x_advance: p.width,
                        x_offset: 0.0,
                        y_offset: 0.0,
                        range: 0..p.range.len(),
                    }],
                }));
            }
            push_label(runs, items);
        }
    }
}

/// A label's runs, joined into one word when it is set over several lines or down a column
/// (and in one face: a character from a fallback font keeps the runs apart).
fn push_label(runs: Vec<Item>, items: &mut Vec<Item>) {
    let texts: Vec<TextRun> = runs
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let lines = texts.windows(2).any(|w| (w[0].y - w[1].y).abs() > 0.01);
    match TextRun::joined(&texts) {
        Some(word) if lines && texts.len() == runs.len() => items.push(Item::Text(word)),
        _ => items.extend(runs),
    }
}
