//! Layout rules checked on the laid-out pages themselves.

mod common;

use common::{fonts, repo};
use nianbao::document::{Document, Role};
use nianbao::layout::{self, Item, TextRun};
use nianbao::model::{self, Format, Syntax};
use nianbao::style::PageNumberPosition;
use nianbao::template::Template;

const BASE: &str = include_str!("data/base.toml");

fn document(text: &str, template: &Template) -> Document {
    let loaded = model::load("t.toml", text, Syntax::Toml);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    nianbao::document(
        loaded.report.as_ref().unwrap(),
        &loaded.source,
        template,
        &repo("tests/data"),
    )
    .unwrap()
}

fn runs(page: &layout::Page) -> impl Iterator<Item = &TextRun> {
    page.items.iter().filter_map(|i| match i {
        Item::Text(t) => Some(t),
        _ => None,
    })
}

const TEXT_BOTTOM: f32 = (37.0 + 225.0) * 72.0 / 25.4;

#[test]
fn a_heading_is_never_the_last_line_of_a_page() {
    let template = Template::builtin(Format::Y2021);
    let heading_face = fonts().primary(Role::Heading);
    let sentence = "我们认真落实政府信息公开各项工作要求，做好主动公开和依申请公开工作。";
    let mut checked = 0;
    for n in 0..45 {
        let overview = format!("（一）主动公开\n{}", sentence.repeat(n + 1));
        let text = BASE.replace(
            "overview = \"\"\"\n（一）主动公开\n全年主动公开信息{{ applications.new_received.total }}条。\n\"\"\"",
            &format!("overview = \"\"\"\n{overview}\n\"\"\""),
        );
        let doc = document(&text, &template);
        let laid = layout::layout(&doc, fonts());
        for (p, page) in laid.pages.pages.iter().enumerate() {
            let last = runs(page)
                .filter(|t| t.y < TEXT_BOTTOM)
                .max_by(|a, b| a.y.total_cmp(&b.y))
                .expect("text on every page");
            assert!(
                last.face != heading_face,
                "overview of {n} sentences: page {} ends with the heading {}",
                p + 1,
                last.text
            );
            checked += 1;
        }
    }
    assert!(checked > 100);
}

#[test]
fn a_long_title_is_split_into_balanced_centred_lines() {
    let template = Template::builtin(Format::Y2021);
    let organ = "某某省某某市某某区人民政府办公室政务公开和政务服务管理办公室";
    let text = BASE.replace(
        "organ = \"测试镇人民政府\"",
        &format!("organ = \"{organ}\""),
    );
    let doc = document(&text, &template);
    let laid = layout::layout(&doc, fonts());
    let title_face = fonts().primary(Role::Title);
    let mut lines: Vec<(f32, f32, f32, String)> = Vec::new(); // baseline, left, right, text
    for run in runs(&laid.pages.pages[0]).filter(|t| t.face == title_face) {
        let right = run.x + run.glyphs.iter().map(|g| g.x_advance).sum::<f32>();
        match lines.iter_mut().find(|l| (l.0 - run.y).abs() < 0.1) {
            Some(l) => {
                l.1 = l.1.min(run.x);
                l.2 = l.2.max(right);
                l.3.push_str(&run.text);
            }
            None => lines.push((run.y, run.x, right, run.text.clone())),
        }
    }
    assert_eq!(
        lines.len(),
        3,
        "two lines for the organ, one for the year: {lines:?}"
    );
    let joined: String = lines[..2].iter().map(|l| l.3.as_str()).collect();
    assert_eq!(joined, organ);
    let left = 28.0 * 72.0 / 25.4;
    let right = (210.0 - 26.0) * 72.0 / 25.4;
    for l in &lines {
        assert!(
            l.1 >= left - 0.5 && l.2 <= right + 0.5,
            "inside the text block: {l:?}"
        );
        let centre = (l.1 + l.2) / 2.0;
        assert!(
            (centre - (left + right) / 2.0).abs() < 1.0,
            "centred: {l:?}"
        );
    }
    // Nearly equal lines (梯形), split where a word of the name ends, not inside 办公|室.
    let (w1, w2) = (lines[0].2 - lines[0].1, lines[1].2 - lines[1].1);
    assert!(
        (w1 - w2).abs() <= 2.0 * 22.0 + 0.5,
        "within two characters: {w1} vs {w2}"
    );
    assert_eq!(lines[0].3, "某某省某某市某某区人民政府办公室");
}

#[test]
fn page_numbers_can_be_centred() {
    let mut template = Template::builtin(Format::Y2021);
    template.style_mut().page_number.position = PageNumberPosition::Center;
    let doc = document(BASE, &template);
    let laid = layout::layout(&doc, fonts());
    let centre = (28.0 + 156.0 / 2.0) * 72.0 / 25.4;
    for page in &laid.pages.pages {
        let number: Vec<&TextRun> = runs(page).filter(|t| t.y > TEXT_BOTTOM).collect();
        let left = number.iter().map(|t| t.x).fold(f32::MAX, f32::min);
        let right = number
            .iter()
            .map(|t| t.x + t.glyphs.iter().map(|g| g.x_advance).sum::<f32>())
            .fold(f32::MIN, f32::max);
        assert!(
            ((left + right) / 2.0 - centre).abs() < 0.5,
            "{left}..{right}"
        );
    }
}

#[test]
fn body_lines_sit_on_the_grid_of_22_lines() {
    let template = Template::builtin(Format::Y2021);
    let doc = document(BASE, &template);
    let laid = layout::layout(&doc, fonts());
    let top = 37.0 * 72.0 / 25.4;
    let pitch = 225.0 * 72.0 / 25.4 / 22.0;
    let body_face = fonts().primary(Role::Body);
    let first_page = &laid.pages.pages[0];
    let mut baselines: Vec<f32> = runs(first_page)
        .filter(|t| t.face == body_face && t.size == 16.0 && t.y < TEXT_BOTTOM)
        .map(|t| t.y)
        .collect();
    baselines.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    assert!(baselines.len() >= 3);
    // The body face's em box (Zhuque Fangsong's: 0.85 above, 0.15 below the baseline; Noto's
    // is 0.88 / 0.12) is centred in each grid line.
    let em_top = fonts().face(body_face).em_top();
    assert!((em_top - 0.85).abs() < 1e-6, "{em_top}");
    let expected = ((pitch - 16.0) / 2.0 + em_top * 16.0) / pitch;
    for y in baselines {
        let line = (y - top) / pitch;
        let offset = line - line.floor();
        assert!(
            (offset - expected).abs() < 0.001,
            "baseline {y} is {offset} into its line, not {expected}"
        );
    }
}

/// Figures inside the vertical rules of their row: (run, left rule, right rule).
fn figure_cells(page: &layout::Page) -> Vec<(&TextRun, f32, f32)> {
    let rules: Vec<&layout::Segment> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Line(s) if (s.x1 - s.x2).abs() < 0.01 => Some(s),
            _ => None,
        })
        .collect();
    runs(page)
        .filter(|r| nianbao::document::is_figure(&r.text))
        .map(|run| {
            let width: f32 = run.glyphs.iter().map(|g| g.x_advance).sum();
            let beside = |s: &&&layout::Segment| s.y1.min(s.y2) <= run.y && s.y1.max(s.y2) >= run.y;
            let left = rules
                .iter()
                .filter(beside)
                .filter(|s| s.x1 <= run.x)
                .map(|s| s.x1)
                .fold(f32::MIN, f32::max);
            let right = rules
                .iter()
                .filter(beside)
                .filter(|s| s.x1 >= run.x + width)
                .map(|s| s.x1)
                .fold(f32::MAX, f32::min);
            (run, left, right)
        })
        .collect()
}

#[test]
fn figures_too_long_for_any_column_are_set_smaller_never_broken() {
    let template = Template::builtin(Format::Y2021);
    let nine =
        "{ upheld = 123456789, corrected = 234567890, other = 345678901, pending = 456789012 }";
    let text = BASE
        .replace(
            "administrative_review = { upheld = 1, corrected = 0, other = 1, pending = 0, total = 2 }",
            &format!("administrative_review = {nine}"),
        )
        .replace(
            "litigation_direct = { upheld = 0, corrected = 0, other = 0, pending = 1 }",
            &format!("litigation_direct = {nine}"),
        )
        .replace(
            "litigation_after_review = { upheld = 0, corrected = 0, other = 0, pending = 0 }",
            &format!("litigation_after_review = {nine}"),
        );
    let doc = document(&text, &template);
    let laid = layout::layout(&doc, fonts());
    // Fifteen columns of nine and ten digits cannot fit at the 7 pt floor: they go below it,
    // with a warning, and still each fits its cell.
    let warning = laid
        .warnings
        .iter()
        .find(|w| w.rule == nianbao::diag::Rule::Layout)
        .expect("a layout warning");
    assert!(
        warning.message.starts_with("表格里的数字太长，缩小到 "),
        "{}",
        warning.message
    );
    let mut big = 0;
    for page in &laid.pages.pages {
        for (run, left, right) in figure_cells(page) {
            let width: f32 = run.glyphs.iter().map(|g| g.x_advance).sum();
            assert!(
                run.x > left && run.x + width < right,
                "{} overflows {left}..{right}",
                run.text
            );
            if run.text.len() >= 9 {
                big += 1;
                assert!(run.size < 7.0, "{} at {}", run.text, run.size);
            }
        }
    }
    assert_eq!(big, 15);
    // Nine digits in one group only: the columns make room and the floor holds.
    let text = BASE.replace(
        "administrative_review = { upheld = 1, corrected = 0, other = 1, pending = 0, total = 2 }",
        &format!("administrative_review = {nine}"),
    );
    let laid = layout::layout(&document(&text, &template), fonts());
    assert!(laid.warnings.is_empty(), "{:?}", laid.warnings);
    let sizes: Vec<f32> = laid
        .pages
        .pages
        .iter()
        .flat_map(|p| figure_cells(p))
        .filter(|(r, _, _)| r.text.len() >= 9)
        .map(|(r, _, _)| r.size)
        .collect();
    assert_eq!(sizes.len(), 5);
    assert!(sizes.iter().all(|s| *s >= 7.0), "{sizes:?}");
}
