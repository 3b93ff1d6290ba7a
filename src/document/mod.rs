//! The document tree: what the template produces and the only thing the PDF and DOCX writers
//! read. Small and already decided: title lines, headings, paragraphs of runs with font roles,
//! tables resolved to a dense grid, and the 落款. Described for template authors in
//! `docs/templates.md`.

mod table;

use serde::Serialize;

use crate::model::Date;
use crate::style::Style;
pub use table::{Cell, CellSpec, Slot, Table, TableError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub meta: Meta,
    pub style: Style,
    pub blocks: Vec<Block>,
}

/// Document properties, written into the PDF info/XMP and the DOCX core properties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: String,
    pub language: String,
    /// The date the report is dated (its 成文日期); never the clock.
    #[serde(serialize_with = "iso_date")]
    pub date: Option<Date>,
}

fn iso_date<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.serialize_str(&d.iso()),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// One line of the title (a title is split over lines at sensible points by the template).
    Title {
        text: String,
    },
    /// `level` 1: 一、 headings (黑体); 2: （一） headings (楷体). A heading keeps with what follows.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(Paragraph),
    Table(Table),
    Signature(Signature),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    /// First-line indent of `style.body.first_line_indent_chars` characters.
    pub indent: bool,
    pub align: Align,
}

impl Paragraph {
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// A stretch of text in one font role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub text: String,
    pub role: Role,
}

/// The font roles of the style file. The fonts themselves are resolved later, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 小标宋
    Title,
    /// 黑体
    Heading,
    /// 楷体
    Subheading,
    /// 仿宋
    Body,
    /// 宋体
    PageNumber,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Title,
        Role::Heading,
        Role::Subheading,
        Role::Body,
        Role::PageNumber,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Title => "title",
            Role::Heading => "heading",
            Role::Subheading => "subheading",
            Role::Body => "body",
            Role::PageNumber => "page_number",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// This role's text size in the style file, in points.
    pub fn size(self, style: &Style) -> f32 {
        let s = &style.sizes;
        match self {
            Role::Title => s.title,
            Role::Heading => s.heading,
            Role::Subheading => s.subheading,
            Role::Body => s.body,
            Role::PageNumber => s.page_number,
        }
    }

    /// This role's fallback chain in the style file.
    pub fn families(self, style: &Style) -> &[String] {
        let f = &style.fonts;
        match self {
            Role::Title => &f.title,
            Role::Heading => &f.heading,
            Role::Subheading => &f.subheading,
            Role::Body => &f.body,
            Role::PageNumber => &f.page_number,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Justify,
    Left,
    Center,
    Right,
}

impl Align {
    pub fn parse(name: &str) -> Option<Align> {
        match name {
            "justify" => Some(Align::Justify),
            "left" => Some(Align::Left),
            "center" => Some(Align::Center),
            "right" => Some(Align::Right),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VAlign {
    Top,
    #[default]
    Middle,
    Bottom,
}

impl VAlign {
    pub fn parse(name: &str) -> Option<VAlign> {
        match name {
            "top" => Some(VAlign::Top),
            "middle" => Some(VAlign::Middle),
            "bottom" => Some(VAlign::Bottom),
            _ => None,
        }
    }
}

/// The 落款: signing organ, date, and an optional seal image over both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    pub organ: String,
    pub date: Option<String>,
    pub seal: Option<Image>,
}

/// An image the document shows. The template names it; the pipeline reads its bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    /// As the data file wrote it (relative to the data file).
    pub path: String,
    /// PNG bytes, once read.
    #[serde(skip)]
    pub data: Option<std::sync::Arc<Vec<u8>>>,
}

impl Image {
    /// Width and height in pixels, from a PNG's header.
    pub fn pixel_size(&self) -> Option<(u32, u32)> {
        let data = self.data.as_deref()?;
        if data.len() < 24 || &data[..8] != b"\x89PNG\r\n\x1a\n" || &data[12..16] != b"IHDR" {
            return None;
        }
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        Some((be(&data[16..20]), be(&data[20..24]))).filter(|(w, h)| *w > 0 && *h > 0)
    }
}

impl Document {
    /// All text of the document in reading order, one block per line (for tests and checks).
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Title { text } | Block::Heading { text, .. } => out.push_str(text),
                Block::Paragraph(p) => out.push_str(&p.text()),
                Block::Table(t) => {
                    let cells: Vec<&str> = t.cells().iter().map(|c| c.text.as_str()).collect();
                    out.push_str(&cells.join(" "));
                }
                Block::Signature(s) => {
                    out.push_str(&s.organ);
                    if let Some(d) = &s.date {
                        out.push(' ');
                        out.push_str(d);
                    }
                }
            }
            out.push('\n');
        }
        out
    }
}
