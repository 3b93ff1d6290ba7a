//! What each fuzz target runs, shared with `tests/fuzz_regressions.rs`, which replays the
//! corpus and every saved reproducer on stable in `cargo test`. Each function must return for
//! any input, without panicking.

use std::sync::OnceLock;

use nianbao::fonts::{FontOptions, Fonts};
use nianbao::model::{Format, Syntax};
use nianbao::template::Template;

/// The shipped fonts only, loaded once per process.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let options = FontOptions {
            system: false,
            dirs: Vec::new(),
            bundled: None,
        };
        Fonts::load(&nianbao::style::Style::default(), &options).expect("bundled fonts load")
    })
}

/// A data file (TOML, JSON or YAML, told by its first byte) through parsing, validation, the
/// built-in template and layout: what `check` and `render` do before writing.
pub fn data_file(data: &[u8]) {
    let Ok(text) = nianbao::disk::decode_text(data) else {
        return;
    };
    let head = text.trim_start();
    let syntax = match head.chars().next() {
        Some('{') => Syntax::Json,
        Some('-') | Some('#') => Syntax::Yaml,
        _ => Syntax::Toml,
    };
    let loaded = nianbao::model::load("fuzz", &text, syntax);
    if let Some(report) = &loaded.report
        && !loaded.has_errors()
    {
        let template = Template::builtin(Format::Y2021);
        if let Ok(doc) = template.document(report, &loaded.source) {
            let laid = nianbao::layout::layout(&doc, fonts());
            let _ = laid.pages.pages.len();
        }
    }
}

/// A batch input: the bytes as an .xlsx, then as a .csv.
pub fn spreadsheet(data: &[u8]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    for name in ["in.xlsx", "in.csv"] {
        let path = dir.path().join(name);
        std::fs::write(&path, data).expect("temporary file");
        let _ = nianbao::batch::input::read(&path, None);
    }
}

/// The embedded files of a PDF, as `extract` and `verify` read them.
pub fn pdf_attachments(data: &[u8]) {
    if let Ok(files) = nianbao::pdf::read_attachments(data) {
        let _ = nianbao::archive::read(files);
    }
}

/// The embedded files of a .docx, as `extract` and `verify` read them.
pub fn docx_attachments(data: &[u8]) {
    if let Ok(files) = nianbao::docx::read_attachments(data) {
        let _ = nianbao::archive::read(files);
    }
}

/// A web page through the reader of published reports (`import`'s HTML reader).
pub fn html_page(data: &[u8]) {
    let _ = nianbao::import::html::scan_html(data, "fuzz.html");
}

/// A published report as PDF, as `import` reads it: text, tables and paragraphs.
pub fn import_pdf(data: &[u8]) {
    let _ = nianbao::import::pdf::scan_pdf(data, "fuzz.pdf");
}
