//! The stress corpus (`tests/data/stress/`) and both samples, in both heading modes: hard data
//! that broke the first layout (five- to nine-digit figures, the longest organ name, one-line
//! and three-page narratives, with and without a seal). Checked on the PDF itself, read back
//! with `pdftotext -bbox-layout`, and on the laid-out pages the PDF is drawn from.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::{PdfText, TEXT_BOTTOM, TextLine, fonts, render_with, tables};
use nianbao::document::is_figure;
use nianbao::document::{Block, Document};
use nianbao::layout::{self, Item, Pages, TextRun};
use nianbao::model::Format;
use nianbao::style::Headings;
use nianbao::template::Template;

const FILES: [&str; 6] = [
    "tests/data/stress/city.toml",
    "tests/data/stress/six-digit.toml",
    "tests/data/stress/nine-digit.toml",
    "tests/data/stress/one-line.toml",
    "samples/huaian-2024.toml",
    "samples/yimianpo-2021.toml",
];

const LEFT: f32 = 28.0 * 72.0 / 25.4;
const RIGHT: f32 = (210.0 - 26.0) * 72.0 / 25.4;
const TOP: f32 = 37.0 * 72.0 / 25.4;
const CELL: f32 = 156.0 * 72.0 / 25.4 / 28.0;
const PADDING: f32 = 72.0 / 25.4;

struct Case {
    name: String,
    doc: Document,
    pages: Pages,
    text: PdfText,
}

/// Every file in both heading modes, rendered once for all the tests.
fn corpus() -> &'static [Case] {
    static CORPUS: OnceLock<Vec<Case>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut cases = Vec::new();
        for file in FILES {
            for headings in [Headings::Short, Headings::Article50] {
                let mut template = Template::builtin(Format::Y2021);
                template.style_mut().options.headings = headings;
                let r = render_with(file, &template);
                assert!(
                    r.warnings.is_empty(),
                    "{file}: nothing to warn about: {:?}",
                    r.warnings
                );
                let pages = layout::layout(&r.doc, fonts()).pages;
                cases.push(Case {
                    name: format!("{file} ({headings:?})"),
                    text: PdfText::of(&r.pdf),
                    doc: r.doc,
                    pages,
                });
            }
        }
        cases
    })
}

fn runs(page: &layout::Page) -> impl Iterator<Item = &TextRun> {
    page.items.iter().filter_map(|i| match i {
        Item::Text(t) => Some(t),
        _ => None,
    })
}

/// Where each glyph of a run is drawn: (x of its box, baseline).
fn glyph_origins(run: &TextRun) -> Vec<(f32, f32)> {
    let mut pen = run.x;
    run.glyphs
        .iter()
        .map(|g| {
            let at = (pen + g.x_offset, run.y + g.y_offset);
            pen += g.x_advance;
            at
        })
        .collect()
}

/// The texts of the tables' cells, figures and labels apart.
fn cells(doc: &Document) -> (Vec<String>, Vec<String>) {
    let mut figures = Vec::new();
    let mut labels = Vec::new();
    for t in tables(doc) {
        for c in t.cells() {
            if is_figure(&c.text) {
                figures.push(c.text.clone());
            } else if !c.vertical {
                labels.push(c.text.clone());
            }
        }
    }
    (figures, labels)
}

#[test]
fn every_figure_is_whole_on_one_line_inside_its_cell() {
    for case in corpus() {
        let (figures, _) = cells(&case.doc);
        assert!(figures.len() > 190, "{}", case.name);
        // In the PDF: each figure is a word of its own, as often as the tables have it.
        let words: Vec<&str> = (0..case.text.pages.len())
            .flat_map(|p| case.text.words(p).map(|w| w.text.as_str()))
            .collect();
        for figure in figures.iter().collect::<BTreeSet<_>>() {
            let want = figures.iter().filter(|f| *f == figure).count();
            let found = words.iter().filter(|w| *w == figure).count();
            assert!(
                found >= want,
                "{}: {figure} is {want} times in the tables, {found} whole in the PDF",
                case.name
            );
        }
        // On the pages: one run each, between the rules of its cell, clear of them.
        let mut checked = 0;
        for page in &case.pages.pages {
            let rules: Vec<&layout::Segment> = page
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Line(s) if (s.x1 - s.x2).abs() < 0.01 => Some(s),
                    _ => None,
                })
                .collect();
            for run in runs(page).filter(|r| is_figure(&r.text)) {
                let width: f32 = run.glyphs.iter().map(|g| g.x_advance).sum();
                let (x0, x1) = (run.x, run.x + width);
                let beside = |s: &&&layout::Segment| {
                    s.y1.min(s.y2) <= run.y && s.y1.max(s.y2) >= run.y - run.size * 0.5
                };
                let left = rules
                    .iter()
                    .filter(beside)
                    .filter(|s| s.x1 <= x0 + 0.01)
                    .map(|s| s.x1)
                    .fold(f32::MIN, f32::max);
                let right = rules
                    .iter()
                    .filter(beside)
                    .filter(|s| s.x1 >= x1 - 0.01)
                    .map(|s| s.x1)
                    .fold(f32::MAX, f32::min);
                assert!(
                    x0 - left >= PADDING - 0.05 && right - x1 >= PADDING - 0.05,
                    "{}: {} at {x0:.1}..{x1:.1} overflows its cell {left:.1}..{right:.1}",
                    case.name,
                    run.text
                );
                checked += 1;
            }
        }
        assert!(checked >= figures.len(), "{}: {checked} figures", case.name);
    }
}

#[test]
fn vertical_headers_are_one_upright_column_and_found_as_words() {
    for case in corpus() {
        let verticals: Vec<String> = tables(&case.doc)
            .iter()
            .flat_map(|t| t.cells())
            .filter(|c| c.vertical)
            .map(|c| c.text.clone())
            .collect();
        assert_eq!(verticals.len(), 16, "{}", case.name);
        let mut stacks = 0;
        for page in &case.pages.pages {
            for run in runs(page).filter(|r| r.glyphs.iter().any(|g| g.y_offset != 0.0)) {
                if !verticals.contains(&run.text) {
                    continue;
                }
                let at = glyph_origins(run);
                let centre = |(x, _): &(f32, f32), g: &layout::Glyph| x + g.x_advance / 2.0;
                let centres: Vec<f32> = at
                    .iter()
                    .zip(&run.glyphs)
                    .map(|(a, g)| centre(a, g))
                    .collect();
                assert!(
                    centres.iter().all(|c| (c - centres[0]).abs() < 0.5),
                    "{}: {} is not one column: {centres:?}",
                    case.name,
                    run.text
                );
                assert!(
                    at.windows(2).all(|w| w[1].1 > w[0].1 + run.size * 0.9),
                    "{}: {} is not stacked downwards",
                    case.name,
                    run.text
                );
                stacks += 1;
            }
        }
        assert!(stacks >= 16, "{}: {stacks} stacks", case.name);
        let words: BTreeSet<&str> = (0..case.text.pages.len())
            .flat_map(|p| case.text.words(p).map(|w| w.text.as_str()))
            .collect();
        for v in &verticals {
            assert!(words.contains(v.as_str()), "{}: {v} not found", case.name);
        }
    }
}

#[test]
fn labels_never_leave_one_character_alone_and_are_found_as_words() {
    for case in corpus() {
        let (_, labels) = cells(&case.doc);
        let mut multi_line = 0;
        for page in &case.pages.pages {
            for run in runs(page).filter(|r| labels.contains(&r.text)) {
                let mut lines: Vec<(f32, usize)> = Vec::new();
                for (_, y) in glyph_origins(run) {
                    match lines.iter_mut().find(|(ly, _)| (ly - y).abs() < 0.5) {
                        Some(line) => line.1 += 1,
                        None => lines.push((y, 1)),
                    }
                }
                let xs: Vec<f32> = glyph_origins(run).iter().map(|(x, _)| *x).collect();
                if lines.len() == run.glyphs.len() && xs.iter().all(|x| (x - xs[0]).abs() < 1.0) {
                    continue; // a vertical header of the same text
                }
                if lines.len() > 1 {
                    multi_line += 1;
                }
                assert!(
                    run.text.chars().count() < 2 || lines.iter().all(|(_, n)| *n >= 2),
                    "{}: {} has a line of one character: {lines:?}",
                    case.name,
                    run.text
                );
            }
        }
        assert!(
            multi_line >= 8,
            "{}: {multi_line} labels over several lines",
            case.name
        );
        let words: BTreeSet<&str> = (0..case.text.pages.len())
            .flat_map(|p| case.text.words(p).map(|w| w.text.as_str()))
            .collect();
        for label in [
            "自然人",
            "（三）不予公开",
            "（四）无法提供",
            "（五）不予处理",
            "（六）其他处理",
            "三、本年度办理结果",
            "社会公益组织",
            "法律服务机构",
        ] {
            assert!(words.contains(label), "{}: {label} not found", case.name);
        }
    }
}

/// Lines of body text (16 pt) on a page, inside the text block.
fn body_lines(page: &[TextLine]) -> Vec<&TextLine> {
    page.iter()
        .filter(|l| {
            l.words
                .iter()
                .all(|w| w.y1 < TEXT_BOTTOM && w.y0 > TOP - 1.0 && (w.y1 - w.y0 - 16.0).abs() < 1.5)
        })
        .collect()
}

fn full(line: &TextLine) -> bool {
    line.words.last().unwrap().x1 > RIGHT - CELL / 2.0
}

/// A line that carries on a paragraph from the line before: flush with the left edge.
fn continues(line: &TextLine) -> bool {
    line.words[0].x0 < LEFT + 1.0
}

#[test]
fn no_paragraph_leaves_a_single_line_at_a_page_foot_or_top() {
    for case in corpus() {
        let pages: Vec<Vec<&TextLine>> = case.text.pages.iter().map(|p| body_lines(p)).collect();
        let mut breaks = 0;
        for p in 0..pages.len().saturating_sub(1) {
            let (Some(last), Some(first)) = (pages[p].last(), pages[p + 1].first()) else {
                continue;
            };
            // A paragraph runs on from this page to the next: a full last line here, a line
            // flush left at the top of the next.
            if !(full(last) && continues(first)) {
                continue;
            }
            breaks += 1;
            // The paragraph's lines here: those flush left at the foot, and the indented line
            // it begins with (unless it began on an earlier page).
            let trailing = pages[p].iter().rev().take_while(|l| continues(l)).count();
            let here = trailing + usize::from(trailing < pages[p].len());
            assert!(
                here >= 2,
                "{} page {}: orphan at the foot: {}",
                case.name,
                p + 1,
                last.text
            );
            let there = pages[p + 1].iter().take_while(|l| continues(l)).count();
            assert!(
                there >= 2,
                "{} page {}: widow at the top: {}",
                case.name,
                p + 2,
                first.text
            );
        }
        assert!(
            breaks > 0 || case.text.pages.len() < 5,
            "{}: no paragraph crosses a page",
            case.name
        );
    }
}

#[test]
fn headings_keep_with_what_follows() {
    for case in corpus() {
        let headings: Vec<String> = case
            .doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        // Paragraphs that are a single line.
        let one_liners: Vec<String> = case
            .doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) => Some(p.text()),
                _ => None,
            })
            .collect();
        let mut seen = 0;
        for (p, page) in case.text.pages.iter().enumerate() {
            let inside: Vec<&TextLine> = page
                .iter()
                .filter(|l| l.words.iter().all(|w| w.y1 < TEXT_BOTTOM))
                .collect();
            for (i, line) in inside.iter().enumerate() {
                if !headings.contains(&line.text) {
                    continue;
                }
                seen += 1;
                let after = inside.len() - i - 1;
                let whole_paragraph = inside
                    .get(i + 1)
                    .is_some_and(|next| one_liners.contains(&next.text));
                assert!(
                    after >= 2 || (whole_paragraph && after >= 1),
                    "{} page {}: heading {} has {after} lines after it",
                    case.name,
                    p + 1,
                    line.text
                );
            }
        }
        assert!(seen >= 6, "{}: {seen} headings found", case.name);
    }
}

#[test]
fn no_line_starts_with_closing_or_ends_with_opening_punctuation() {
    const NO_START: &str = "，。、；：？！）】》」』”’…";
    const NO_END: &str = "（【《「『“‘";
    for case in corpus() {
        for (p, page) in case.text.pages.iter().enumerate() {
            for line in body_lines(page) {
                let first = line.text.chars().next().unwrap_or(' ');
                let last = line.text.chars().last().unwrap_or(' ');
                assert!(
                    !NO_START.contains(first) && !NO_END.contains(last),
                    "{} page {}: {}",
                    case.name,
                    p + 1,
                    line.text
                );
            }
        }
    }
}

/// The page a word is first found on.
fn page_of(text: &PdfText, word: &str) -> Option<usize> {
    (0..text.pages.len()).find(|&p| text.words(p).any(|w| w.text == word))
}

#[test]
fn tables_break_only_where_the_tree_allows() {
    for case in corpus() {
        let t = &case.text;
        // Table 二: a 第二十条 item is never split from its rows.
        for (title, rows) in [
            ("第二十条第（一）项", &["规章", "行政规范性文件"][..]),
            ("第二十条第（五）项", &["行政许可"][..]),
            ("第二十条第（六）项", &["行政处罚", "行政强制"][..]),
            ("第二十条第（八）项", &["行政事业性收费"][..]),
        ] {
            for row in rows {
                assert_eq!(
                    page_of(t, title),
                    page_of(t, row),
                    "{}: {row} apart from {title}",
                    case.name
                );
            }
        }
        // Table 三 begins with at least three body rows under its header.
        let start = page_of(t, "申请人情况").expect("table 三");
        for row in [
            "一、本年新收政府信息公开申请数量",
            "二、上年结转政府信息公开申请数量",
            "（一）予以公开",
        ] {
            assert_eq!(page_of(t, row), Some(start), "{}: {row}", case.name);
        }
        // Where table 三 continues, its header and the vertical label come again, and the
        // page it leaves is not more than a quarter empty.
        let pages: Vec<usize> = (0..t.pages.len())
            .filter(|&p| t.words(p).any(|w| w.text == "申请人情况"))
            .collect();
        for &p in &pages {
            assert!(
                t.words(p).any(|w| w.text == "三、本年度办理结果")
                    || t.words(p).any(|w| w.text == "四、结转下年度继续办理"),
                "{} page {}: no label",
                case.name,
                p + 1
            );
        }
        for &p in &pages[..pages.len() - 1] {
            let lowest = t
                .words(p)
                .filter(|w| w.y1 < TEXT_BOTTOM)
                .map(|w| w.y1)
                .fold(0.0, f32::max);
            assert!(
                TEXT_BOTTOM - lowest <= 0.25 * (TEXT_BOTTOM - TOP) + 20.0,
                "{} page {}: {:.0} pt left empty",
                case.name,
                p + 1,
                TEXT_BOTTOM - lowest
            );
        }
    }
}
