//! Reading reports that already exist (.docx, .pdf with a text layer, portal .html) back into
//! data. Two stages, like the rest of nianbao: each reader turns its file into a [`Scanned`]
//! document (text blocks and tables on a grid, each with where it stands in the source), and
//! one mapping turns that into a report by the labels of the 2021 format. A reader knows its
//! file format and nothing of the report's; the mapping knows the report and nothing of files.

mod docx;
pub mod html;
mod map;
pub mod pdf;

use crate::diag::{Diagnostic, Location};
use crate::model::{Loaded, Syntax};

pub use docx::scan_docx;
pub use map::{Draft, map};

/// The kinds of published report nianbao reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Docx,
    Pdf,
    Html,
}

impl Kind {
    /// By the file's extension.
    pub fn of(path: &std::path::Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "docx" => Some(Kind::Docx),
            "pdf" => Some(Kind::Pdf),
            "html" | "htm" => Some(Kind::Html),
            _ => None,
        }
    }
}

/// Scans a published report with the reader for its kind.
pub fn scan(bytes: &[u8], name: &str, kind: Kind) -> Result<Scanned, Diagnostic> {
    match kind {
        Kind::Docx => scan_docx(bytes, name),
        Kind::Html => html::scan_html(bytes, name),
        Kind::Pdf => pdf::scan_pdf(bytes, name),
    }
}

/// The draft with its contact details in place of its preamble, when the preamble is the one
/// the built-in template writes from them: the template, given them, writes the very same.
pub fn contact_from_preamble(draft: Draft) -> Draft {
    let Some(candidate) = draft.with_contact_from_preamble() else {
        return draft;
    };
    // Any figures will do for setting the preamble: it names none. Zeros add up.
    let mut probe = candidate.clone();
    for path in map::figure_paths() {
        probe
            .figures
            .insert(path, ("0".to_string(), Place::default()));
    }
    for key in ["overview", "problems", "other"] {
        probe.text.entry(key).or_insert_with(|| "无。".into());
    }
    let loaded = crate::model::load("probe", &probe.to_toml("probe"), Syntax::Toml);
    let template = crate::template::Template::builtin(crate::model::Format::Y2021);
    let preamble = loaded
        .report
        .filter(|_| !loaded.diagnostics.iter().any(|d| d.is_error()))
        .and_then(|report| template.document(&report, &loaded.source).ok())
        .and_then(|doc| {
            doc.blocks.into_iter().find_map(|b| match b {
                crate::document::Block::Paragraph(p) => Some(p.text()),
                _ => None,
            })
        });
    if preamble.is_some() && preamble == draft.preamble {
        candidate
    } else {
        draft
    }
}

/// The data an imported report gives, loaded and checked like a data file: the import's own
/// findings first. The data file was made here, so its lines and columns mean nothing to the
/// user: every diagnostic is about the report file, by key.
pub fn load(name: &str, draft: &Draft, text: &str) -> Loaded {
    let mut loaded = crate::model::load(name, text, Syntax::Toml);
    for d in &mut loaded.diagnostics {
        d.location = Some(Box::new(Location::file(name)));
    }
    let mut diagnostics = draft.notes.clone();
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    loaded
}

/// Lines of one paragraph or cell joined as the text runs on: nothing between two lines where
/// either side is a Chinese character (the break was only where the line was full), a space
/// between Latin words.
pub fn join_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n').map(str::trim).filter(|l| !l.is_empty());
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        let wide = |c: Option<char>| c.is_some_and(|c| !c.is_ascii());
        if !wide(out.chars().next_back()) && !wide(line.chars().next()) {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// Where something stands in the source file, for messages: as much as the format can say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place {
    /// 1-based page (PDF).
    pub page: Option<usize>,
    /// 1-based table, counted in reading order.
    pub table: Option<usize>,
    /// 1-based row and column of the table's grid.
    pub row: Option<usize>,
    pub col: Option<usize>,
    /// 1-based line of the source text (HTML), or paragraph (.docx).
    pub line: Option<usize>,
}

/// A published report as a reader found it: its blocks in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scanned {
    pub blocks: Vec<ScannedBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScannedBlock {
    /// A paragraph (a title line, a heading, body text, a 落款 line): its text with the
    /// source's line breaks inside it removed, spaces between Chinese characters dropped.
    Text {
        text: String,
        at: Place,
    },
    Table(ScannedTable),
}

/// A table resolved to a grid: each cell once, at its top-left place, with its spans (a
/// merged region is one cell, whatever the source did to draw it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScannedTable {
    pub at: Place,
    pub cells: Vec<ScannedCell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScannedCell {
    /// 0-based top-left place on the grid.
    pub row: usize,
    pub col: usize,
    pub rowspan: usize,
    pub colspan: usize,
    /// The cell's text, its lines joined (no line breaks), trimmed; `&nbsp;` as a space.
    pub text: String,
    pub at: Place,
}
