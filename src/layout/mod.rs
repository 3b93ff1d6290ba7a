//! Layout: the document tree and its fonts → pages of positioned glyphs, rules and images.
//!
//! Measuring and positioning happen here: the PDF writer only draws what [`Pages`] holds. Where
//! pages may break is the document tree's to say (each block's [`Keep`], tables' row groups);
//! this module finds the breaks that honour it. Body text sits on the GB/T 9704 character grid
//! (22 lines × 28 characters); tables are measured in points and the grid resumes after them.

mod linebreak;
mod signature;
mod steps;
mod table;
#[cfg(test)]
mod tests;
mod text;

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::diag::{Diagnostic, Rule as DiagRule};
use crate::document::{Align, Block, Document, Keep, Role, Run, Signature};
use crate::fonts::{FaceId, Fonts};
use crate::style::{PageNumberPosition, Style, mm_to_pt};
use linebreak::{Justify, Line, Phrases};
pub use signature::{
    Rect, SignaturePlacement, organ_line_width, organ_line_x, place_signature, seal_rect,
};
use steps::step;
pub use table::vertical_extent;
use text::Piece;
pub use text::is_wide;

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

impl Item {
    /// The item moved down by `dy`.
    fn shifted(mut self, dy: f32) -> Item {
        match &mut self {
            Item::Text(t) => t.y += dy,
            Item::Line(s) => {
                s.y1 += dy;
                s.y2 += dy;
            }
            Item::Image(p) => p.y += dy,
        }
        self
    }
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
    /// Consecutive glyphs with the same `range` are a cluster: they stand for that text
    /// together, and are copied and found by search as it.
    pub glyphs: Vec<Glyph>,
}

impl TextRun {
    /// Several runs of one face and size as one cluster (a label set over several lines or down
    /// a column, found by search as one word): each glyph keeps its place, as offsets from the
    /// pen of the joined run.
    fn joined(runs: &[TextRun]) -> Option<TextRun> {
        let first = runs.first()?;
        if runs.len() < 2
            || runs
                .iter()
                .any(|r| r.face != first.face || r.size != first.size)
        {
            return None;
        }
        let text: String = runs.iter().map(|r| r.text.as_str()).collect();
        let mut glyphs = Vec::new();
        let mut pen = first.x;
        for run in runs {
            let mut own = run.x;
            for g in &run.glyphs {
                glyphs.push(Glyph {
                    x_offset: own - pen + g.x_offset,
                    y_offset: run.y - first.y + g.y_offset,
                    range: 0..text.len(),
                    ..g.clone()
                });
                own += g.x_advance;
                pen += g.x_advance;
            }
        }
        Some(TextRun {
            text,
            glyphs,
            ..first.clone()
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Glyph {
    pub id: u16,
    /// From this glyph's origin to the next one's, in points.
    pub x_advance: f32,
    /// Where the outline is drawn relative to the origin, in points.
    pub x_offset: f32,
    /// How far below the run's baseline the glyph sits, in points (a word over several lines).
    #[serde(skip_serializing_if = "is_zero")]
    pub y_offset: f32,
    /// The bytes of the run's text this glyph stands for (with the glyphs next to it that have
    /// the same range: a cluster).
    pub range: Range<usize>,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
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

/// Pages, what the layout measured, and what it had to warn about.
pub struct Laid {
    pub pages: Pages,
    pub measures: Measures,
    pub warnings: Vec<Diagnostic>,
}

impl Laid {
    /// Where the 落款 (署名, date and seal) is: the page (from 0) and the block's rectangle, in
    /// points from the page's top-left, as laid out. `None` for a report without a 落款. A
    /// visible signature sits here.
    pub fn signature_area(&self) -> Option<(usize, Rect)> {
        self.measures.blocks.iter().find_map(|m| match m {
            Measure::Signature(s) if s.area.width > 0.0 && s.area.height > 0.0 => {
                Some((s.page, s.area))
            }
            _ => None,
        })
    }
}

/// What the layout measured and decided that the .docx sets the same way: one entry per block
/// of the tree, and the page numbers' place. The .docx writer takes its geometry from here and
/// decides none of it again.
#[derive(Debug, Clone)]
pub struct Measures {
    pub blocks: Vec<Measure>,
    /// The page numbers' baseline, from the page's top, in points.
    pub page_number_baseline: f32,
    /// How far the page numbers' font reaches below the baseline, in points.
    pub page_number_descent: f32,
}

#[derive(Debug, Clone)]
pub enum Measure {
    /// Text on the grid: nothing more to say.
    Text,
    /// A title line, balanced over several lines: where they end (byte offsets into its text,
    /// the last line's end left out).
    Title {
        line_ends: Vec<usize>,
    },
    Table(TableMeasure),
    Signature(SignatureMeasure),
}

/// A table as measured: its columns as negotiated, its rows, each cell's size and lines, and
/// where it went on to a new page.
#[derive(Debug, Clone)]
pub struct TableMeasure {
    /// Column widths in points; they add up to the text block's width.
    pub columns: Vec<f32>,
    /// Row heights in points.
    pub rows: Vec<f32>,
    /// Parallel to the table's cells.
    pub cells: Vec<CellMeasure>,
    /// The body rows a new page begins with, where the table goes on (header rows repeated).
    pub breaks: Vec<usize>,
    /// Per row: stays on the page with the next row (for a writer that breaks pages itself).
    pub keep_with_next: Vec<bool>,
    /// From the last row's foot to where what follows begins: the table's spacing, and for
    /// text the rest of the way to the next grid line.
    pub space_below: f32,
}

#[derive(Debug, Clone)]
pub struct CellMeasure {
    /// The text size: the table's, or smaller for a figure that would not fit.
    pub size: f32,
    /// Where the lines of a label set over several lines end (byte offsets into its text, the
    /// last line's end left out); empty for one line or vertical text.
    pub line_ends: Vec<usize>,
}

/// The 落款 as placed.
#[derive(Debug, Clone)]
pub struct SignatureMeasure {
    pub place: SignaturePlacement,
    /// The widest line of the 署名.
    pub organ_width: f32,
    /// The 署名's lines: one, or several when it is too long for one.
    pub organ_lines: Vec<OrganLine>,
    pub date_width: f32,
    /// The seal's rectangle (x, y, width, height): x from the text block's left, y from the top
    /// of the 署名's line.
    pub seal: Option<(f32, f32, f32, f32)>,
    /// The page it is on (from 0).
    pub page: usize,
    /// The 落款 block on that page: the union of the 署名's lines, the date's line and the seal,
    /// from the page's top-left (the lines as wide as their glyphs, as tall as the grid's line
    /// pitch); empty when it draws nothing.
    pub area: Rect,
}

/// A line of the 署名: its text (a byte range of the organ's name) and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganLine {
    pub text: Range<usize>,
    /// From the text block's left edge.
    pub x: f32,
    pub width: f32,
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
///
/// Every block is measured first (lines broken, tables' columns and rows measured), then placed
/// page by page as its [`Keep`] says, looking ahead to what the next block needs to begin.
pub fn layout(doc: &Document, fonts: &Fonts) -> Laid {
    let mut flow = Flow::new(doc, fonts);
    let blocks = &doc.blocks;
    let measured: Vec<Measured> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| flow.measure(b, blocks.get(i + 1)))
        .collect();
    // What each block needs where it begins, with what it keeps with (from the last block up).
    let mut leads = vec![0.0f32; blocks.len() + 1];
    for i in (0..blocks.len()).rev() {
        let (own, whole) = flow.lead(&blocks[i], &measured[i]);
        leads[i] = own
            + if whole && blocks[i].keep().with_next {
                leads[i + 1]
            } else {
                0.0
            };
    }
    let mut measures = Vec::with_capacity(blocks.len());
    for (i, (block, m)) in blocks.iter().zip(&measured).enumerate() {
        let tail = if block.keep().with_next {
            leads[i + 1]
        } else {
            0.0
        };
        measures.push(match (block, m) {
            (Block::Table(t), Measured::Table(tm)) => {
                let breaks = table::place(&mut flow, t, tm, tail);
                let to_grid = match blocks.get(i + 1) {
                    Some(Block::Table(_)) | None => 0.0,
                    Some(_) => flow.snap() - flow.y,
                };
                let space_below = table::space(&flow) + to_grid;
                Measure::Table(tm.measure(t, breaks, space_below))
            }
            (_, Measured::Lines(lines)) => {
                flow.place_lines(lines, tail);
                match (&lines.signature, block) {
                    (Some(s), _) => {
                        // Placed whole, its last line ends where the flow is now.
                        let rows = lines.lines.len() - lines.leading_blank;
                        let top = flow.y - rows as f32 * flow.g.pitch;
                        Measure::Signature(SignatureMeasure {
                            page: flow.pages.len(),
                            area: Rect {
                                y: s.area.y + top,
                                ..s.area
                            },
                            ..s.clone()
                        })
                    }
                    (None, Block::Title { .. }) => Measure::Title {
                        line_ends: lines.line_ends.clone(),
                    },
                    (None, _) => Measure::Text,
                }
            }
            _ => unreachable!("tables are measured as tables, the rest as lines"),
        });
    }
    flow.finish(measures)
}

/// A block measured, before it is placed.
enum Measured {
    Lines(Lines),
    Table(table::Measured),
}

/// Grid lines of a block, their items placed relative to the line's top.
struct Lines {
    /// The items of each line; an empty line is blank.
    lines: Vec<Vec<Item>>,
    /// Blank lines at the start, left out at the top of a page (before a 落款).
    leading_blank: usize,
    keep: Keep,
    /// For a 落款: how it was placed.
    signature: Option<SignatureMeasure>,
    /// For a title: where its lines end in its text, the last one left out.
    line_ends: Vec<usize>,
}

impl Lines {
    /// The lines the block must begin with on a page: its orphans, or all of it when what
    /// would be left is fewer than its widows.
    fn first_piece(&self) -> usize {
        let n = self.lines.len() - self.leading_blank;
        let orphans = (self.keep.orphans as usize).max(1).min(n);
        let m = if n - orphans >= (self.keep.widows as usize).max(1) {
            orphans
        } else {
            n
        };
        self.leading_blank + m
    }
}

pub(crate) struct Flow<'a> {
    style: &'a Style,
    fonts: &'a Fonts,
    g: Geometry,
    pages: Vec<Page>,
    items: Vec<Item>,
    /// Top of the next free space on the current page.
    y: f32,
    missing: text::Missing,
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
            missing: text::Missing::default(),
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

    /// Whole grid lines left on the page below `y`.
    fn lines_left(&self) -> usize {
        ((self.g.bottom - self.y) / self.g.pitch + 0.01)
            .floor()
            .max(0.0) as usize
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

    fn indent(&self) -> f32 {
        self.style.body.first_line_indent_chars as f32 * self.g.cell
    }

    /// Measures a block: lines broken and their glyphs placed relative to each line, or a
    /// table's columns and rows.
    fn measure(&mut self, block: &Block, next: Option<&Block>) -> Measured {
        let lines = |lines, keep| {
            Measured::Lines(Lines {
                lines,
                leading_blank: 0,
                keep,
                signature: None,
                line_ends: Vec::new(),
            })
        };
        match block {
            Block::Title { text, keep } => {
                let (mut out, line_ends) = self.title_lines(text);
                if !matches!(next, Some(Block::Title { .. })) {
                    out.extend((0..self.style.body.blank_lines_after_title).map(|_| Vec::new()));
                }
                Measured::Lines(Lines {
                    lines: out,
                    leading_blank: 0,
                    keep: *keep,
                    signature: None,
                    line_ends,
                })
            }
            Block::Heading { level, text, keep } => {
                let role = if *level == 1 {
                    Role::Heading
                } else {
                    Role::Subheading
                };
                let runs = [Run {
                    text: text.clone(),
                    role,
                }];
                let out = self.grid_lines(&runs, true, Justify::Full, role.size(self.style));
                lines(out, *keep)
            }
            Block::Paragraph(p) => {
                let justify = match p.align {
                    Align::Justify => Justify::Full,
                    Align::Left => Justify::Left,
                    Align::Center => Justify::Center,
                    Align::Right => Justify::Right,
                };
                let size = self.size(Role::Body);
                let out = self.grid_lines(&p.runs, p.indent, justify, size);
                lines(out, p.keep)
            }
            Block::Table(t) => Measured::Table(table::measure(self, t)),
            Block::Signature(s) => Measured::Lines(self.signature(s)),
        }
    }

    /// What a block needs where it begins, and whether that is all of it.
    fn lead(&self, block: &Block, measured: &Measured) -> (f32, bool) {
        match (block, measured) {
            (Block::Table(t), Measured::Table(m)) => (
                table::lead(self, t, m),
                t.keep().orphans as usize >= t.rows(),
            ),
            (_, Measured::Lines(l)) => {
                let first = l.first_piece();
                (first as f32 * self.g.pitch, first == l.lines.len())
            }
            _ => (0.0, false),
        }
    }

    /// Places lines on the grid, breaking pages between them as the block's [`Keep`] allows;
    /// with `tail`, the last lines stay on the page with that much of what follows.
    fn place_lines(&mut self, block: &Lines, tail: f32) {
        let n = block.lines.len();
        let orphans = (block.keep.orphans as usize).max(1);
        let widows = (block.keep.widows as usize).max(1);
        let pitch = self.g.pitch;
        let mut k = 0;
        while k < n {
            self.y = self.snap();
            if k < block.leading_blank && self.at_page_top() {
                k = block.leading_blank;
                continue;
            }
            let rest = n - k;
            let avail = self.lines_left();
            let mut m = rest.min(avail);
            if m == rest {
                if tail > 0.0 && self.y + rest as f32 * pitch + tail > self.g.bottom + 0.01 {
                    // The last lines go over with what follows.
                    m = rest.saturating_sub(widows);
                }
            } else if rest - m < widows {
                m = rest.saturating_sub(widows);
            }
            // The first lines of the block are not left alone at the foot of the page.
            let printed = k.max(block.leading_blank) - block.leading_blank;
            let placed = (k + m).saturating_sub(block.leading_blank) - printed;
            if m < rest && printed == 0 && placed < orphans {
                m = 0;
            }
            if m == 0 {
                if !self.at_page_top() {
                    self.new_page();
                    continue;
                }
                // A page of its own cannot do as asked: fill it.
                m = avail.clamp(1, rest);
            }
            for line in &block.lines[k..k + m] {
                let top = self.y;
                self.push(line.iter().cloned().map(|item| item.shifted(top)));
                self.y += pitch;
            }
            k += m;
            if k < n {
                self.new_page();
            }
        }
    }

    /// Lines of runs broken on the body grid, each line's items relative to its top.
    fn grid_lines(
        &mut self,
        runs: &[Run],
        indent: bool,
        justify: Justify,
        size: f32,
    ) -> Vec<Vec<Item>> {
        let text: String = runs.iter().map(|r| r.text.as_str()).collect();
        if text.is_empty() {
            return Vec::new();
        }
        let mut bounds = Vec::with_capacity(runs.len());
        let mut end = 0;
        for run in runs {
            end += run.text.len();
            bounds.push((end, run.role));
        }
        // The run a character is in: the first whose end is past it (a binary search, as a
        // paragraph may have a run for every few characters).
        let role_at = |i: usize| {
            step(bounds.len().checked_ilog2().map_or(0, |l| l as usize + 1));
            let k = bounds.partition_point(|(e, _)| *e <= i);
            bounds.get(k).map_or(Role::Body, |(_, r)| *r)
        };
        let mut pieces = text::shape(&text, role_at, size, self.g.cell, self.fonts);
        let scale = self.style.grid_scale_percent(size) as f32 / 100.0;
        text::snap_to_cells(&mut pieces, self.g.cell, scale);
        self.missing.add(&pieces);
        let indent = if indent { self.indent() } else { 0.0 };
        linebreak::break_lines(&text, &pieces, self.g.width, indent, justify)
            .iter()
            .filter(|line| !line.pieces.is_empty())
            .map(|line| self.line_items(&text, &pieces, line))
            .collect()
    }

    /// The glyph runs of a line of pieces, relative to the top of its grid line.
    fn line_items(&self, text: &str, pieces: &[Piece], line: &Line) -> Vec<Item> {
        let first = &pieces[line.pieces.start];
        let baseline = self.baseline(0.0, self.g.pitch, first.size, first.face);
        text::runs(text, pieces, line, self.g.left, baseline)
    }

    /// A title's lines, balanced, and where they end in its text.
    fn title_lines(&mut self, text: &str) -> (Vec<Vec<Item>>, Vec<usize>) {
        let size = self.size(Role::Title);
        let pieces = text::shape(text, |_| Role::Title, size, size, self.fonts);
        self.missing.add(&pieces);
        let lines: Vec<Line> =
            linebreak::balanced_lines(text, &pieces, self.g.width, Justify::Center, Phrases::Title)
                .into_iter()
                .filter(|line| !line.pieces.is_empty())
                .collect();
        let ends = lines[..lines.len().saturating_sub(1)]
            .iter()
            .map(|line| pieces[line.pieces.end - 1].range.end)
            .collect();
        let items = lines
            .iter()
            .map(|line| self.line_items(text, &pieces, line))
            .collect();
        (items, ends)
    }

    /// The 落款, placed by [`place_signature`]: blank lines, the 署名 and the date, the seal over
    /// them. Never broken across pages; the block before it keeps with it. A 署名 wider than its
    /// rule allows ([`organ_line_width`]) is set on as few balanced lines as fit, broken where
    /// a title would be (after 省、市、人民政府 …), each line placed by the same rule.
    fn signature(&mut self, s: &Signature) -> Lines {
        let size = self.size(Role::Body);
        let cell = self.g.cell;
        let organ = text::shape(&s.organ, |_| Role::Body, size, cell, self.fonts);
        let date_text = s.date.clone().unwrap_or_default();
        let date = text::shape(&date_text, |_| Role::Body, size, cell, self.fonts);
        self.missing.add(&organ);
        self.missing.add(&date);
        let width = |p: &[Piece]| p.iter().map(|p| p.width).sum::<f32>();
        let (w_organ, w_date) = (width(&organ), width(&date));
        let seal = s
            .seal
            .as_ref()
            .and_then(|img| img.data.clone().zip(img.pixel_size()));
        let sealed = seal.is_some();
        let room = organ_line_width(self.style, w_date, sealed);
        let spans: Vec<Range<usize>> = if w_organ <= room + 0.01 {
            std::iter::once(0..organ.len()).collect()
        } else {
            let justify = if sealed {
                Justify::Center
            } else {
                Justify::Right
            };
            linebreak::balanced_lines(&s.organ, &organ, room, justify, Phrases::Title)
                .into_iter()
                .map(|line| line.pieces)
                .filter(|span| !span.is_empty())
                .collect()
        };
        let widths: Vec<f32> = spans
            .iter()
            .map(|span| width(&organ[span.clone()]))
            .collect();
        let w_block = widths.iter().copied().fold(0.0f32, f32::max);
        let place = place_signature(self.style, w_block, w_date, sealed);
        let organ_lines: Vec<OrganLine> = spans
            .iter()
            .zip(&widths)
            .map(|(span, &w)| OrganLine {
                text: match organ.get(span.start).zip(span.end.checked_sub(1)) {
                    Some((first, last)) => first.range.start..organ[last].range.end,
                    None => 0..s.organ.len(),
                },
                x: organ_line_x(&place, w_block, w, sealed),
                width: w,
            })
            .collect();
        let mut lines: Vec<Vec<Item>> = (0..place.blank_lines).map(|_| Vec::new()).collect();
        let mut organ_items: Vec<Vec<Item>> = spans
            .iter()
            .zip(&organ_lines)
            .map(|(span, line)| {
                if span.is_empty() {
                    Vec::new()
                } else {
                    self.line_items(&s.organ, &organ, &Line::plain(span.clone(), line.x))
                }
            })
            .collect();
        let mut seal_at = None;
        if let Some((png, (w, h))) = seal {
            let aspect = w as f32 / h as f32;
            let (x, y, width, height) = seal_rect(
                self.style,
                &place,
                w_date,
                organ_items.len(),
                !date.is_empty(),
                aspect,
            );
            seal_at = Some((x, y, width, height));
            if let Some(first) = organ_items.first_mut() {
                first.push(Item::Image(Picture {
                    x: self.g.left + x,
                    y,
                    width,
                    height,
                    png,
                }));
            }
        }
        lines.extend(organ_items);
        if !date.is_empty() {
            lines.push(self.place_line(&date_text, &date, place.date_x));
        }
        // The block's rectangle, y from the top of the 署名's first line (moved to the page
        // when placed): what its lines draw, the seal with them.
        let pitch = self.g.pitch;
        let area = Rect::union(
            lines[place.blank_lines as usize..]
                .iter()
                .enumerate()
                .flat_map(|(i, items)| items.iter().map(move |item| (i as f32 * pitch, item)))
                .filter_map(|(top, item)| self.extent(item, top)),
        )
        .unwrap_or(Rect {
            x: self.g.left + place.organ_x,
            y: 0.0,
            width: 0.0,
            height: 0.0,
        });
        Lines {
            lines,
            leading_blank: place.blank_lines as usize,
            keep: Keep::WHOLE,
            signature: Some(SignatureMeasure {
                place,
                organ_width: w_block,
                organ_lines,
                date_width: w_date,
                seal: seal_at,
                page: 0,
                area,
            }),
            line_ends: Vec::new(),
        }
    }

    /// What an item of a grid line whose top is at `top` covers: a run of text its glyphs'
    /// advances across and the line's height, a picture its rectangle.
    fn extent(&self, item: &Item, top: f32) -> Option<Rect> {
        match item {
            Item::Text(run) => {
                let face = self.fonts.face(run.face);
                let mut pen = run.x;
                let (mut x0, mut x1) = (f32::INFINITY, f32::NEG_INFINITY);
                for g in &run.glyphs {
                    let origin = pen + g.x_offset;
                    x0 = x0.min(origin);
                    x1 = x1.max(origin + face.advance(g.id) * run.size);
                    pen += g.x_advance;
                }
                (x0 <= x1).then_some(Rect {
                    x: x0,
                    y: top,
                    width: x1 - x0,
                    height: self.g.pitch,
                })
            }
            Item::Image(p) => Some(Rect {
                x: p.x,
                y: top + p.y,
                width: p.width,
                height: p.height,
            }),
            Item::Line(_) => None,
        }
    }

    /// One unbroken line of pieces, `x` from the text block's left, relative to its line's top.
    fn place_line(&self, text: &str, pieces: &[Piece], x: f32) -> Vec<Item> {
        if pieces.is_empty() {
            return Vec::new();
        }
        self.line_items(text, pieces, &Line::plain(0..pieces.len(), x))
    }

    /// Page numbers `— N —`, 4号, the dash 7 mm below the 版心: odd pages right and even pages
    /// left, one character in from the edge (GB/T 9704 7.5), or centred.
    fn page_numbers(&mut self) -> (f32, f32) {
        let pn = &self.style.page_number;
        let size = self.size(Role::PageNumber);
        let dash_centre = self
            .fonts
            .glyph(Role::PageNumber, pn.dash.chars().next().unwrap_or('—'))
            .and_then(|(f, g)| self.fonts.face(f).bounds(g))
            .map_or(0.3, |(_, y0, _, y1)| (y0 + y1) / 2.0);
        let baseline = self.g.bottom + mm_to_pt(pn.distance_mm) + dash_centre * size;
        let descent = -self
            .fonts
            .face(self.fonts.primary(Role::PageNumber))
            .em_bottom()
            * size;
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = format!("{} {} {}", pn.dash, i + 1, pn.dash);
            let pieces = text::shape(&number, |_| Role::PageNumber, size, size, self.fonts);
            let width: f32 = pieces.iter().map(|p| p.width).sum();
            let x = match pn.position {
                PageNumberPosition::Center => self.g.left + (self.g.width - width) / 2.0,
                PageNumberPosition::Outside if (i + 1) % 2 == 1 => self.g.right() - size - width,
                PageNumberPosition::Outside => self.g.left + size,
            };
            let line = Line::plain(0..pieces.len(), 0.0);
            page.items
                .extend(text::runs(&number, &pieces, &line, x, baseline));
        }
        (baseline, descent)
    }

    fn finish(mut self, blocks: Vec<Measure>) -> Laid {
        if !self.items.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        let (page_number_baseline, page_number_descent) = self.page_numbers();
        let mut warnings = self.notes;
        if !self.missing.chars().is_empty() {
            let list: String = self
                .missing
                .chars()
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
            measures: Measures {
                blocks,
                page_number_baseline,
                page_number_descent,
            },
            warnings,
        }
    }
}
