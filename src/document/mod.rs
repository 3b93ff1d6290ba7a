//! The document tree: what the template produces and the only thing the PDF and DOCX writers
//! read. Small and already decided: title lines, headings, paragraphs of runs with font roles,
//! tables resolved to a dense grid, and the 落款. Described for template authors in
//! `docs/templates.md`.

mod table;

use serde::Serialize;

use crate::model::Date;
use crate::style::Style;
pub use table::{Cell, CellSpec, GroupKeep, RowGroup, Slot, Table, TableError, is_figure};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub meta: Meta,
    pub style: Style,
    pub blocks: Vec<Block>,
}

/// The program and version every file names as its maker (`nianbao 0.1.0`): the PDF's creator,
/// and the `generator` of the data a file carries (`archive::Info`).
pub fn generator() -> String {
    format!("nianbao {}", env!("CARGO_PKG_VERSION"))
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
    /// The reporting year.
    pub year: u16,
}

impl Meta {
    /// The moment the document is created at: its 成文日期 at midnight UTC, else `fallback`
    /// (`SOURCE_DATE_EPOCH`), else the first day after the reporting year (PDF/A needs a date,
    /// and the report cannot have been written before then). Never the clock, so the same input
    /// gives the same bytes.
    pub fn created(&self, fallback: Option<Timestamp>) -> Timestamp {
        creation_moment(self.date, self.year, fallback)
    }
}

/// See [`Meta::created`].
pub fn creation_moment(date: Option<Date>, year: u16, fallback: Option<Timestamp>) -> Timestamp {
    date.map(Timestamp::from_date)
        .or(fallback)
        .unwrap_or_else(|| {
            Timestamp::from_date(Date {
                year: year.saturating_add(1),
                month: 1,
                day: 1,
            })
        })
}

/// A moment in UTC, for the document's creation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Timestamp {
    /// Midnight UTC of a date.
    pub fn from_date(d: Date) -> Timestamp {
        Timestamp {
            year: d.year,
            month: d.month,
            day: d.day,
            hour: 0,
            minute: 0,
            second: 0,
        }
    }

    /// `2025-01-20T00:00:00Z`.
    pub fn iso(self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// Reads back [`Timestamp::iso`].
    pub fn parse_iso(text: &str) -> Option<Timestamp> {
        let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
        let date = Date::parse(date)?;
        let mut hms = time.split(':').map(|p| p.parse::<u8>().ok());
        let (hour, minute, second) = (hms.next()??, hms.next()??, hms.next()??);
        (hour < 24 && minute < 60 && second < 60).then_some(Timestamp {
            hour,
            minute,
            second,
            ..Timestamp::from_date(date)
        })
    }

    /// Seconds since 1970-01-01 UTC: the inverse of [`Timestamp::from_unix`].
    pub fn to_unix(self) -> i64 {
        let date = Date {
            year: self.year,
            month: self.month,
            day: self.day,
        };
        date.to_unix_days() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// From seconds since 1970-01-01 UTC (`SOURCE_DATE_EPOCH`).
    pub fn from_unix(seconds: u64) -> Timestamp {
        let date = Date::from_unix_days((seconds / 86_400) as i64).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        });
        let secs = seconds % 86_400;
        Timestamp {
            year: date.year,
            month: date.month,
            day: date.day,
            hour: (secs / 3600) as u8,
            minute: (secs % 3600 / 60) as u8,
            second: (secs % 60) as u8,
        }
    }
}

/// A file a report carries inside itself: the data it was made from, its seal, how it was made.
/// Both writers embed the same list (PDF associated files, a DOCX custom XML part).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub mime: &'static str,
    pub description: String,
    /// The document's source (relationship `Source`) rather than a supplement.
    pub source: bool,
    pub bytes: std::sync::Arc<Vec<u8>>,
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
        keep: Keep,
    },
    /// `level` 1: 一、 headings (黑体); 2: （一） headings (楷体).
    Heading {
        level: u8,
        text: String,
        keep: Keep,
    },
    Paragraph(Paragraph),
    Table(Table),
    /// Never broken; whatever stands before it keeps with it.
    Signature(Signature),
}

impl Block {
    /// How the block meets a page break (a 落款 is never broken and keeps nothing after it).
    pub fn keep(&self) -> Keep {
        match self {
            Block::Title { keep, .. } | Block::Heading { keep, .. } => *keep,
            Block::Paragraph(p) => p.keep,
            Block::Table(t) => t.keep(),
            Block::Signature(_) => Keep::WHOLE,
        }
    }

    pub(crate) fn keep_mut(&mut self) -> Option<&mut Keep> {
        match self {
            Block::Title { keep, .. } | Block::Heading { keep, .. } => Some(keep),
            Block::Paragraph(p) => Some(&mut p.keep),
            Block::Table(t) => Some(t.keep_mut()),
            Block::Signature(_) => None,
        }
    }
}

/// How a block meets the foot of a page: decided once, when the tree is made (the markup's
/// attributes over the style's `[pagination]` defaults). The PDF layout honours it; the DOCX
/// writer translates it into Word's paragraph and row properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Keep {
    /// On the same page as the beginning of the next block (at least that block's `orphans`
    /// lines or rows): headings, the title, and whatever stands before the 落款.
    pub with_next: bool,
    /// The fewest lines (for a table: body rows after its header) left at the foot of a page
    /// where the block breaks; with fewer, the block begins on the next page.
    pub orphans: u8,
    /// The fewest lines (body rows) carried to the top of the next page.
    pub widows: u8,
}

impl Keep {
    /// Never broken over two pages.
    pub const WHOLE: Keep = Keep {
        with_next: false,
        orphans: u8::MAX,
        widows: u8::MAX,
    };

    /// Whether the block is never broken over two pages.
    pub fn whole(self) -> bool {
        self.orphans == u8::MAX && self.widows == u8::MAX
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    /// First-line indent of `style.body.first_line_indent_chars` characters.
    pub indent: bool,
    pub align: Align,
    pub keep: Keep,
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

    /// Whether the PNG can be transparent: a colour type with alpha, or a `tRNS` chunk.
    pub fn has_alpha(&self) -> bool {
        let Some(data) = self.data.as_deref() else {
            return false;
        };
        if data.len() < 26 || self.pixel_size().is_none() {
            return false;
        }
        // Colour types 4 (grey + alpha) and 6 (RGBA).
        if matches!(data[25], 4 | 6) {
            return true;
        }
        let mut at = 8;
        while let Some(header) = data.get(at..at + 8) {
            let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
            match &header[4..8] {
                b"tRNS" => return true,
                b"IDAT" | b"IEND" => return false,
                _ => at += 12 + len,
            }
        }
        false
    }
}

/// The document's seal image, if it has one.
impl Document {
    pub fn seal(&self) -> Option<&Image> {
        self.blocks.iter().find_map(|b| match b {
            Block::Signature(s) => s.seal.as_ref(),
            _ => None,
        })
    }

    /// The document's tables, in order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }
}

impl Document {
    /// All text of the document in reading order, one block per line (for tests and checks).
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Title { text, .. } | Block::Heading { text, .. } => out.push_str(text),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_to_civil_date() {
        let t = Timestamp::from_unix(0);
        assert_eq!((t.year, t.month, t.day, t.hour), (1970, 1, 1, 0));
        // 2025-01-20 09:30:15 UTC
        let t = Timestamp::from_unix(1_737_365_415);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2025, 1, 20, 9, 30, 15)
        );
        let t = Timestamp::from_unix(951_782_400); // 2000-02-29
        assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
        let t = Timestamp::from_unix(1_737_365_415);
        assert_eq!(t.iso(), "2025-01-20T09:30:15Z");
        assert_eq!(Timestamp::parse_iso(&t.iso()), Some(t));
        assert_eq!(Timestamp::parse_iso("2025-01-20T24:00:00Z"), None);
        for seconds in [0, 951_782_400, 1_737_365_415, 4_102_444_800] {
            assert_eq!(Timestamp::from_unix(seconds).to_unix(), seconds as i64);
        }
    }
}
