//! Importing published reports: each reader's scan, and the data read back from it.

mod common;

use std::path::Path;

use common::repo;
use nianbao::import::{Scanned, ScannedBlock, map, scan_docx};
use nianbao::model::{Format, Report, Syntax};
use nianbao::template::Template;

fn tables(scanned: &Scanned) -> Vec<&nianbao::import::ScannedTable> {
    scanned
        .blocks
        .iter()
        .filter_map(|b| match b {
            ScannedBlock::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// Renders a data file with the real binary into `out`, as `to`.
fn render(data: &Path, out: &Path, to: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "--to",
        to,
        "-q",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = common::nianbao(out, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let name = data.with_extension(to);
    std::fs::read(out.join(name.file_name().unwrap())).unwrap()
}

fn load(name: &str, text: &str) -> Report {
    let loaded = nianbao::model::load(name, text, Syntax::Toml);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}:\n{}\n{text}", errors.join("\n"));
    loaded.report.unwrap()
}

/// The document text of a report as the built-in template sets it (placeholders filled).
fn text_of(report: &Report, headings: nianbao::style::Headings) -> String {
    let mut template = Template::builtin(Format::Y2021);
    template.style_mut().options.headings = headings;
    let source = nianbao::model::SourceMap::default();
    template.document(report, &source).unwrap().plain_text()
}

/// Imported data is the original: the same figures, and the same text once set.
fn assert_same(original: &Report, imported: &Report, what: &str) {
    assert_eq!(imported.organ, original.organ, "{what}: organ");
    assert_eq!(imported.year, original.year, "{what}: year");
    assert_eq!(
        imported.active_disclosure, original.active_disclosure,
        "{what}: table 二"
    );
    assert_eq!(
        imported.applications, original.applications,
        "{what}: table 三"
    );
    assert_eq!(
        imported.review_litigation, original.review_litigation,
        "{what}: table 四"
    );
    assert_eq!(
        imported.signature.as_ref().map(|s| (&s.organ, s.date)),
        original.signature.as_ref().map(|s| (&s.organ, s.date)),
        "{what}: 落款"
    );
    for headings in [
        nianbao::style::Headings::Short,
        nianbao::style::Headings::Article50,
    ] {
        let (got, want) = (text_of(imported, headings), text_of(original, headings));
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "{what}: line {} of the text as set", i + 1);
        }
        assert_eq!(got.lines().count(), want.lines().count(), "{what}: lines");
    }
}

#[test]
fn a_docx_scans_to_its_tables_on_their_grid() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = render(&repo("samples/huaian-2024.toml"), dir.path(), "docx", &[]);
    let scanned = scan_docx(&bytes, "huaian-2024.docx").unwrap();
    let found = tables(&scanned);
    assert_eq!(found.len(), 3);
    let cell = |t: usize, text: &str| {
        found[t]
            .cells
            .iter()
            .find(|c| c.text == text)
            .map(|c| (c.row, c.col, c.rowspan, c.colspan))
    };
    assert_eq!(cell(0, "第二十条第（一）项"), Some((0, 0, 1, 4)));
    assert_eq!(cell(0, "447228"), Some((6, 1, 1, 3)));
    assert_eq!(cell(1, "申请人情况"), Some((0, 3, 1, 7)));
    assert_eq!(cell(1, "自然人"), Some((1, 3, 2, 1)));
    assert_eq!(cell(1, "3119"), Some((3, 9, 1, 1)));
    assert_eq!(cell(2, "行政诉讼"), Some((0, 5, 1, 10)));
}

#[test]
fn rendered_reports_import_back_to_their_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![
        repo("samples/huaian-2024.toml"),
        repo("samples/yimianpo-2021.toml"),
        repo("tests/data/sealed.toml"),
    ];
    for entry in std::fs::read_dir(repo("tests/data/stress")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    for file in &files {
        let original = load(
            &file.display().to_string(),
            &std::fs::read_to_string(file).unwrap(),
        );
        for headings in ["short", "article50"] {
            let what = format!("{} ({headings}, .docx)", file.display());
            let bytes = render(file, dir.path(), "docx", &["--headings", headings]);
            let scanned = scan_docx(&bytes, "x.docx").unwrap();
            let draft = map(&scanned, "x.docx");
            let notes: Vec<String> = draft.notes.iter().map(|d| d.to_string()).collect();
            assert!(notes.is_empty(), "{what}:\n{}", notes.join("\n"));
            let imported = load(&what, &draft.to_toml("x.docx"));
            assert_same(&original, &imported, &what);
        }
    }
}
