//! Reading a .docx written in Word or WPS (or by nianbao) into a [`Scanned`] document: the
//! body's paragraphs and tables in order, each table resolved to its grid from `w:gridSpan`
//! and `w:vMerge`. The main part is read as a stream (quick-xml, which `container` already
//! uses for the same parts), so its size bounds the work and nothing is held but the text.

use quick_xml::events::{BytesStart, Event};

use super::{Place, Scanned, ScannedBlock, ScannedCell, ScannedTable};
use crate::container::{self, PartLimit};
use crate::diag::{Diagnostic, Rule};
use crate::limits;

const DOCUMENT: &str = "word/document.xml";

/// Scans a .docx; `name` is how messages call it.
pub fn scan_docx(bytes: &[u8], name: &str) -> Result<Scanned, Diagnostic> {
    let mut zip = container::open(bytes, ".docx")?;
    let limit = PartLimit {
        bytes: limits::IMPORT_DOCX_DOCUMENT_BYTES,
        zh: ".docx 正文部分的大小",
        key: "import_docx_document_bytes",
    };
    let part = match container::find_loosely(&zip, DOCUMENT) {
        Some(index) => {
            let real = zip.name_for_index(index).unwrap_or(DOCUMENT).to_string();
            container::read_part(&mut zip, &real, limit)?
        }
        None => None,
    };
    let Some(part) = part else {
        return Err(Diagnostic::error(
            Rule::Unreadable,
            format!("{name} 不是 Word 文档：没有 {DOCUMENT}"),
        ));
    };
    Reader::default().read(&part).map_err(|message| {
        Diagnostic::error(
            Rule::Unreadable,
            format!("{name} 的 {DOCUMENT} 无法读取（{message}）"),
        )
    })
}

/// A table being read: its cells, the row and grid column reached, and for each grid column
/// the cell a `w:vMerge` continuation there extends.
#[derive(Default)]
struct OpenTable {
    table: ScannedTable,
    row: usize,
    col: usize,
    /// Per grid column: the index of the cell that began the vertical merge running there.
    merging: Vec<Option<usize>>,
    /// The cell being read: its index in `table.cells`, or `None` inside a continuation (whose
    /// text, if any, joins the cell it continues).
    cell: Option<usize>,
    /// The cell's properties, until its first paragraph: span and merge.
    span: usize,
    merge: Option<bool>,
    in_cell: bool,
}

#[derive(Default)]
struct Reader {
    scanned: Scanned,
    /// Open tables, innermost last: a table inside a cell adds its text to that cell.
    tables: Vec<OpenTable>,
    /// Text of the paragraph being read (outside tables) or of the current cell.
    text: String,
    in_text: bool,
    in_paragraph: bool,
    paragraphs: usize,
    table_count: usize,
    blocks: u64,
}

impl Reader {
    fn read(mut self, xml: &[u8]) -> Result<Scanned, String> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = reader
                .read_event_into(&mut buf)
                .map_err(|e| e.to_string())?;
            match event {
                Event::Start(e) => self.start(&e, false)?,
                Event::Empty(e) => self.start(&e, true)?,
                Event::End(e) => self.end(e.local_name().as_ref().as_bytes())?,
                Event::Text(t) if self.in_text => self.text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) if self.in_text => {
                    if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                        self.text.push(c);
                    } else if let Some(s) = quick_xml::escape::resolve_xml_entity(&r) {
                        self.text.push_str(s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Ok(self.scanned)
    }

    fn count(&mut self) -> Result<(), String> {
        self.blocks += 1;
        if self.blocks > limits::IMPORT_BLOCKS {
            return Err(limits::exceeded(
                "导入的报告中段落与表格单元格的个数",
                "import_blocks",
                format!("{} 个", limits::IMPORT_BLOCKS),
                "更多",
            ));
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart, empty: bool) -> Result<(), String> {
        let val = || {
            e.attributes()
                .with_checks(false)
                .flatten()
                .find(|a| a.key.local_name().as_ref() == "val")
                .map(|a| a.value.into_owned())
        };
        match e.local_name().as_ref().as_bytes() {
            b"t" if !empty => self.in_text = true,
            b"tab" if self.in_paragraph => self.text.push(' '),
            // A line break: joined as the text runs on (join_lines).
            b"br" | b"cr" if self.in_paragraph => self.text.push('\n'),
            b"p" if !empty => {
                self.in_paragraph = true;
                if self.tables.is_empty() {
                    self.text.clear();
                } else {
                    self.open_cell()?;
                    if !self.text.is_empty() {
                        self.text.push('\n');
                    }
                }
            }
            b"tbl" if !empty => {
                if self.tables.is_empty() {
                    self.table_count += 1;
                }
                self.tables.push(OpenTable {
                    table: ScannedTable {
                        at: Place {
                            table: Some(self.table_count),
                            ..Place::default()
                        },
                        cells: Vec::new(),
                    },
                    ..OpenTable::default()
                });
            }
            b"tr" if !empty && self.tables.len() == 1 => {
                let t = self.tables.last_mut().expect("a table");
                t.col = 0;
            }
            b"gridBefore" if self.tables.len() == 1 => {
                let n: usize = val().and_then(|v| v.parse().ok()).unwrap_or(0);
                let t = self.tables.last_mut().expect("a table");
                t.col += n.min(limits::IMPORT_COLSPAN);
            }
            b"tc" if !empty && self.tables.len() == 1 => {
                let t = self.tables.last_mut().expect("a table");
                t.in_cell = true;
                t.cell = None;
                t.span = 1;
                t.merge = None;
                self.text.clear();
            }
            b"gridSpan" if self.tables.len() == 1 => {
                let n: usize = val().and_then(|v| v.parse().ok()).unwrap_or(1);
                let t = self.tables.last_mut().expect("a table");
                t.span = n.clamp(1, limits::IMPORT_COLSPAN);
            }
            // `restart` begins a vertical merge; no value (or `continue`) carries one on.
            b"vMerge" if self.tables.len() == 1 => {
                let restart = val().is_some_and(|v| v == "restart");
                let t = self.tables.last_mut().expect("a table");
                t.merge = Some(restart);
            }
            _ => {}
        }
        Ok(())
    }

    /// Places the current cell on the grid at its first paragraph, when its properties are
    /// known (a table inside a cell adds only its text).
    fn open_cell(&mut self) -> Result<(), String> {
        if self.tables.len() != 1 {
            return Ok(());
        }
        let t = self.tables.last_mut().expect("a table");
        if !t.in_cell || t.cell.is_some() {
            return Ok(());
        }
        let (row, col, span) = (t.row, t.col, t.span);
        if t.merging.len() < col + span {
            t.merging.resize(col + span, None);
        }
        let continued = match t.merge {
            Some(false) => t.merging[col],
            _ => None,
        };
        let index = match continued {
            Some(index) => {
                let cell = &mut t.table.cells[index];
                cell.rowspan = row + 1 - cell.row;
                index
            }
            None => {
                let index = t.table.cells.len();
                let at = Place {
                    row: Some(row + 1),
                    col: Some(col + 1),
                    ..t.table.at
                };
                t.table.cells.push(ScannedCell {
                    row,
                    col,
                    rowspan: 1,
                    colspan: span,
                    text: String::new(),
                    at,
                });
                for slot in &mut t.merging[col..col + span] {
                    *slot = (t.merge == Some(true)).then_some(index);
                }
                index
            }
        };
        t.cell = Some(index);
        // The text of a continuation joins the cell it continues.
        self.text = std::mem::take(&mut t.table.cells[index].text);
        self.count()
    }

    fn end(&mut self, name: &[u8]) -> Result<(), String> {
        match name {
            b"t" => self.in_text = false,
            b"p" => {
                self.in_paragraph = false;
                if self.tables.is_empty() {
                    self.paragraphs += 1;
                    let text = super::join_lines(&self.text);
                    if !text.is_empty() {
                        self.count()?;
                        self.scanned.blocks.push(ScannedBlock::Text {
                            text,
                            at: Place {
                                line: Some(self.paragraphs),
                                ..Place::default()
                            },
                        });
                    }
                    self.text.clear();
                }
            }
            b"tc" if self.tables.len() == 1 => {
                // A cell without a paragraph still takes its place.
                self.open_cell()?;
                let t = self.tables.last_mut().expect("a table");
                if let Some(index) = t.cell.take() {
                    t.table.cells[index].text = super::join_lines(&self.text);
                }
                t.col += t.span;
                t.in_cell = false;
                self.text.clear();
            }
            b"tr" if self.tables.len() == 1 => {
                let t = self.tables.last_mut().expect("a table");
                t.row += 1;
            }
            b"tbl" => {
                if let Some(t) = self.tables.pop()
                    && self.tables.is_empty()
                {
                    self.scanned.blocks.push(ScannedBlock::Table(t.table));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
