//! Reading reports that already exist (.docx, .pdf with a text layer, portal .html) back into
//! data. Two stages, like the rest of nianbao: each reader turns its file into a [`Scanned`]
//! document (text blocks and tables on a grid, each with where it stands in the source), and
//! one mapping turns that into a report by the labels of the 2021 format. A reader knows its
//! file format and nothing of the report's; the mapping knows the report and nothing of files.

mod docx;
mod map;

pub use docx::scan_docx;
pub use map::{Draft, map};

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
