//! Layout: the document tree and its fonts → pages of positioned glyphs, rules and images.
//!
//! Every measuring and positioning decision is made here; the PDF writer only draws what
//! [`Pages`] holds. Body text sits on the GB/T 9704 character grid (22 lines × 28 characters);
//! tables are measured in points and the grid resumes after them.

mod signature;
mod table;
mod text;

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::diag::{Diagnostic, Rule as DiagRule};
use crate::document::{Align, Block, Document, Paragraph, Role, Signature};
use crate::fonts::{FaceId, Fonts};
use crate::style::{PageNumberPosition, Style, mm_to_pt};
pub use signature::{SignaturePlacement, place_signature, seal_rect};
pub use table::vertical_extent;
pub use text::is_wide;
use text::{Justify, Piece};

/// The laid-out document: what the PDF writer draws. Points, origin top-left, y down.
#[derive(Debug, Clone, Serialize)]
pub struct Pages {
    pub width: f32,
    pub height: f32,
    pub pages: Vec<Page>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Text(TextRun),
    Line(Segment),
    Image(Picture),
}

/// Glyphs of one face and size, drawn from a baseline origin.
#[derive(Debug, Clone, Serialize)]
pub struct TextRun {
    pub face: FaceId,
    pub size: f32,
    /// Origin of the first glyph: left edge and baseline.
    pub x: f32,
    pub y: f32,
    /// The text the glyphs stand for (copy, search and pdftotext read it).
    pub text: String,
    pub glyphs: Vec<Glyph>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Glyph {
    pub id: u16,
    /// From this glyph's origin to the next one's, in points.
    pub x_advance: f32,
    /// Where the outline is drawn relative to the origin, in points.
    pub x_offset: f32,
    /// The bytes of the run's text this glyph stands for.
    pub range: Range<usize>,
}

/// A straight rule (table borders).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Segment {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub width: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Picture {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    #[serde(skip)]
    pub png: Arc<Vec<u8>>,
}

/// Pages plus what the layout had to warn about.
pub struct Laid {
    pub pages: Pages,
    pub warnings: Vec<Diagnostic>,
}

/// The text block and its grid, in points.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    page_width: f32,
    page_height: f32,
    left: f32,
    top: f32,
    width: f32,
    bottom: f32,
    /// Line pitch of the body grid.
    pitch: f32,
    /// Character pitch of the body grid.
    cell: f32,
}

impl Geometry {
    fn of(style: &Style) -> Geometry {
        let p = &style.page;
        let top = mm_to_pt(p.margin_top_mm);
        Geometry {
            page_width: mm_to_pt(p.width_mm),
            page_height: mm_to_pt(p.height_mm),
            left: mm_to_pt(p.margin_left_mm),
            top,
            width: mm_to_pt(p.text_width_mm()),
            bottom: top + mm_to_pt(p.text_height_mm()),
            pitch: style.line_pitch_pt(),
            cell: style.char_pitch_pt(),
        }
    }

    fn right(&self) -> f32 {
        self.left + self.width
    }
}

/// Lays out a document. Never fails: characters no font has are drawn as the font's .notdef
/// and listed in a warning.
pub fn layout(doc: &Document, fonts: &Fonts) -> Laid {
    let mut flow = Flow::new(doc, fonts);
    let blocks = &doc.blocks;
    let measured: Vec<Option<table::Measured>> = blocks
        .iter()
        .map(|b| match b {
            Block::Table(t) => Some(table::measure(&mut flow, t)),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < blocks.len() {
        match &blocks[i] {
            Block::Title { .. } => {
                let start = i;
                while i < blocks.len() && matches!(blocks[i], Block::Title { .. }) {
                    i += 1;
                }
                flow.titles(&blocks[start..i]);
                continue;
            }
            Block::Heading { level, text } => {
                let next = match (blocks.get(i + 1), measured.get(i + 1)) {
                    (Some(Block::Table(t)), Some(Some(m))) => table::first_height(&flow, t, m),
                    (Some(_), _) => flow.g.pitch,
                    (None, _) => 0.0,
                };
                flow.heading(*level, text, next);
            }
            Block::Paragraph(p) => flow.paragraph(p),
            Block::Table(t) => {
                let m = measured[i].as_ref().expect("every table is measured");
                table::place(&mut flow, t, m);
            }
            Block::Signature(s) => flow.signature(s),
        }
        i += 1;
    }
    flow.finish()
}

pub(crate) struct Flow<'a> {
    style: &'a Style,
    fonts: &'a Fonts,
    g: Geometry,
    pages: Vec<Page>,
    items: Vec<Item>,
    /// Top of the next free space on the current page.
    y: f32,
    missing: Vec<char>,
    notes: Vec<Diagnostic>,
}

impl<'a> Flow<'a> {
    fn new(doc: &'a Document, fonts: &'a Fonts) -> Flow<'a> {
        let g = Geometry::of(&doc.style);
        Flow {
            style: &doc.style,
            fonts,
            g,
            pages: Vec::new(),
            items: Vec::new(),
            y: g.top,
            missing: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page {
            items: std::mem::take(&mut self.items),
        });
        self.y = self.g.top;
    }

    fn at_page_top(&self) -> bool {
        self.y <= self.g.top + 0.01
    }

    /// The top of the next whole grid line at or below `y`.
    fn snap(&self) -> f32 {
        let k = ((self.y - self.g.top) / self.g.pitch - 0.01)
            .ceil()
            .max(0.0);
        self.g.top + k * self.g.pitch
    }

    /// Moves to a fresh page unless `height` fits below the current position.
    fn ensure(&mut self, height: f32) {
        if self.y + height > self.g.bottom + 0.01 && !self.at_page_top() {
            self.new_page();
        }
    }

    /// The top of a grid line for the next line of text, starting a page when needed.
    fn next_line(&mut self) -> f32 {
        self.y = self.snap();
        if self.y + self.g.pitch > self.g.bottom + 0.01 {
            self.new_page();
        }
        let top = self.y;
        self.y += self.g.pitch;
        top
    }

    fn baseline(&self, top: f32, height: f32, size: f32, face: FaceId) -> f32 {
        top + (height - size) / 2.0 + self.fonts.face(face).em_top() * size
    }

    fn push(&mut self, items: impl IntoIterator<Item = Item>) {
        self.items.extend(items);
    }

    fn size(&self, role: Role) -> f32 {
        role.size(self.style)
    }

    /// Lays out lines of text on the body grid, one grid line each.
    fn grid_lines(&mut self, text: &str, pieces: &[Piece], indent: f32, justify: Justify) {
        text::missing(pieces, &mut self.missing);
        let lines = text::break_lines(text, pieces, self.g.width, indent, justify);
        for line in &lines {
            if line.pieces.is_empty() {
                continue;
            }
            let top = self.next_line();
            let first = &pieces[line.pieces.start];
            let baseline = self.baseline(top, self.g.pitch, first.size, first.face);
            let runs = text::runs(text, pieces, line, self.g.left, baseline);
            self.push(runs);
        }
    }

    fn titles(&mut self, blocks: &[Block]) {
        let size = self.size(Role::Title);
        for block in blocks {
            let Block::Title { text } = block else {
                continue;
            };
            let pieces = text::shape(text, |_| Role::Title, size, size, self.fonts);
            text::missing(&pieces, &mut self.missing);
            for line in text::title_lines(text, &pieces, self.g.width) {
                let top = self.next_line();
                let first = &pieces[line.pieces.start];
                let baseline = self.baseline(top, self.g.pitch, size, first.face);
                let runs = text::runs(text, &pieces, &line, self.g.left, baseline);
                self.push(runs);
            }
        }
        for _ in 0..self.style.body.blank_lines_after_title {
            self.next_line();
        }
    }

    fn heading(&mut self, level: u8, text: &str, next: f32) {
        let role = if level == 1 {
            Role::Heading
        } else {
            Role::Subheading
        };
        let size = self.size(role);
        let pieces = text::shape(text, |_| role, size, self.g.cell, self.fonts);
        let indent = self.indent();
        let lines = text::break_lines(text, &pieces, self.g.width, indent, Justify::Full).len();
        // Keep the heading with the first line (or rows) of what follows.
        self.y = self.snap();
        self.ensure(lines as f32 * self.g.pitch + next);
        self.grid_lines(text, &pieces, indent, Justify::Full);
    }

    fn indent(&self) -> f32 {
        self.style.body.first_line_indent_chars as f32 * self.g.cell
    }

    fn paragraph(&mut self, p: &Paragraph) {
        let text = p.text();
        if text.is_empty() {
            return;
        }
        let mut bounds = Vec::with_capacity(p.runs.len());
        let mut end = 0;
        for run in &p.runs {
            end += run.text.len();
            bounds.push((end, run.role));
        }
        let role_at = |i: usize| {
            bounds
                .iter()
                .find(|(e, _)| i < *e)
                .map_or(Role::Body, |(_, r)| *r)
        };
        let size = self.size(Role::Body);
        let pieces = text::shape(&text, role_at, size, self.g.cell, self.fonts);
        let indent = if p.indent { self.indent() } else { 0.0 };
        let justify = match p.align {
            Align::Justify => Justify::Full,
            Align::Left => Justify::Left,
            Align::Center => Justify::Center,
            Align::Right => Justify::Right,
        };
        self.grid_lines(&text, &pieces, indent, justify);
    }

    /// The 落款, placed by [`place_signature`]; never alone on its page.
    fn signature(&mut self, s: &Signature) {
        let size = self.size(Role::Body);
        let cell = self.g.cell;
        let organ = text::shape(&s.organ, |_| Role::Body, size, cell, self.fonts);
        let date_text = s.date.clone().unwrap_or_default();
        let date = text::shape(&date_text, |_| Role::Body, size, cell, self.fonts);
        text::missing(&organ, &mut self.missing);
        text::missing(&date, &mut self.missing);
        let width = |p: &[Piece]| p.iter().map(|p| p.width).sum::<f32>();
        let (w_organ, w_date) = (width(&organ), width(&date));
        let seal = s
            .seal
            .as_ref()
            .and_then(|img| img.data.clone().zip(img.pixel_size()));
        let place = place_signature(self.style, w_organ, w_date, seal.is_some());
        let lines = if date.is_empty() { 1 } else { 2 };
        self.y = self.snap();
        let needed = (place.blank_lines + lines) as f32 * self.g.pitch;
        if self.y + needed > self.g.bottom + 0.01 && !self.at_page_top() {
            // The 落款 may not stand alone on a page: the last lines of text come along.
            self.carry_lines_over(2);
        }
        if !self.at_page_top() {
            for _ in 0..place.blank_lines {
                self.next_line();
            }
        }
        let organ_top = self.next_line();
        self.place_line(&s.organ, &organ, self.g.left + place.organ_x, organ_top);
        if !date.is_empty() {
            let date_top = self.next_line();
            self.place_line(&date_text, &date, self.g.left + place.date_x, date_top);
        }
        if let Some((png, (w, h))) = seal {
            let aspect = w as f32 / h as f32;
            let (x, y, width, height) =
                seal_rect(self.style, &place, w_date, !date.is_empty(), aspect);
            self.push([Item::Image(Picture {
                x: self.g.left + x,
                y: organ_top + y,
                width,
                height,
                png,
            })]);
        }
    }

    /// Starts a new page, taking the last `count` grid lines of the current one along when they
    /// hold text only (lines cut from a table stay where they are).
    fn carry_lines_over(&mut self, count: usize) {
        let band_top = self.y - count as f32 * self.g.pitch;
        let in_band = |item: &Item| match item {
            Item::Text(t) => t.y > band_top,
            Item::Line(s) => s.y1.max(s.y2) > band_top,
            Item::Image(p) => p.y + p.height > band_top,
        };
        let only_text = self
            .items
            .iter()
            .filter(|i| in_band(i))
            .all(|i| matches!(i, Item::Text(_)));
        let carried: Vec<Item> = if band_top > self.g.top && only_text {
            let (moved, kept) = std::mem::take(&mut self.items)
                .into_iter()
                .partition(|i| in_band(i));
            self.items = kept;
            moved
        } else {
            Vec::new()
        };
        let shift = if carried.is_empty() {
            0.0
        } else {
            band_top - self.g.top
        };
        self.new_page();
        for mut item in carried {
            if let Item::Text(t) = &mut item {
                t.y -= shift;
            }
            self.items.push(item);
        }
        if shift > 0.0 {
            self.y = self.g.top + count as f32 * self.g.pitch;
        }
    }

    /// One unbroken line of pieces at `x`.
    fn place_line(&mut self, text: &str, pieces: &[Piece], x: f32, top: f32) {
        if pieces.is_empty() {
            return;
        }
        let line = text::Line {
            pieces: 0..pieces.len(),
            gaps: vec![0.0; pieces.len()],
            x: x - self.g.left,
        };
        let baseline = self.baseline(top, self.g.pitch, pieces[0].size, pieces[0].face);
        let runs = text::runs(text, pieces, &line, self.g.left, baseline);
        self.push(runs);
    }

    /// Page numbers `— N —`, 4号, the dash 7 mm below the 版心: odd pages right and even pages
    /// left, one character in from the edge (GB/T 9704 7.5), or centred.
    fn page_numbers(&mut self) {
        let pn = &self.style.page_number;
        let size = self.size(Role::PageNumber);
        let dash_centre = self
            .fonts
            .glyph(Role::PageNumber, pn.dash.chars().next().unwrap_or('—'))
            .and_then(|(f, g)| self.fonts.face(f).bounds(g))
            .map_or(0.3, |(_, y0, _, y1)| (y0 + y1) / 2.0);
        let baseline = self.g.bottom + mm_to_pt(pn.distance_mm) + dash_centre * size;
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = format!("{} {} {}", pn.dash, i + 1, pn.dash);
            let pieces = text::shape(&number, |_| Role::PageNumber, size, size, self.fonts);
            let width: f32 = pieces.iter().map(|p| p.width).sum();
            let x = match pn.position {
                PageNumberPosition::Center => self.g.left + (self.g.width - width) / 2.0,
                PageNumberPosition::Outside if (i + 1) % 2 == 1 => self.g.right() - size - width,
                PageNumberPosition::Outside => self.g.left + size,
            };
            let line = text::Line {
                pieces: 0..pieces.len(),
                gaps: vec![0.0; pieces.len()],
                x: 0.0,
            };
            page.items
                .extend(text::runs(&number, &pieces, &line, x, baseline));
        }
    }

    fn finish(mut self) -> Laid {
        if !self.items.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        self.page_numbers();
        let mut warnings = self.notes;
        if !self.missing.is_empty() {
            let list: String = self
                .missing
                .iter()
                .map(|c| format!("{c}（U+{:04X}）", *c as u32))
                .collect::<Vec<_>>()
                .join("、");
            warnings.push(
                Diagnostic::warning(
                    DiagRule::MissingGlyph,
                    format!("以下字符没有任何字体包含，印出来会是空框：{list}"),
                )
                .hint("安装含有这些字的字体，用 --font-dir 指定；或改用常用字"),
            );
        }
        Laid {
            pages: Pages {
                width: self.g.page_width,
                height: self.g.page_height,
                pages: self.pages,
            },
            warnings,
        }
    }
}
