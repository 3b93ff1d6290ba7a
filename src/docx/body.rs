//! `word/document.xml`: the blocks of the tree as paragraphs and tables, the 落款 with its
//! floating seal, and the section: A4, the margins, the footers and the 公文 document grid.

use super::table;
use super::xml::{Xml, attrs};
use super::{Fonts, emu, half_points, twips, twips_down};
use crate::document::{Align, Block, Document, Keep, Role, Run, Signature};
use crate::layout::{Measure, Measures, SignatureMeasure};
use crate::style::{Style, mm_to_pt};

pub(super) const NAMESPACES: &[(&str, &str)] = &[
    (
        "xmlns:w",
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    ),
    (
        "xmlns:r",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        "xmlns:wp",
        "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    ),
    (
        "xmlns:a",
        "http://schemas.openxmlformats.org/drawingml/2006/main",
    ),
    (
        "xmlns:pic",
        "http://schemas.openxmlformats.org/drawingml/2006/picture",
    ),
];

/// Where a paragraph's lines go.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Lines {
    /// On the document grid: each line one grid line, each character one grid cell.
    Grid,
    /// At this exact pitch (in points), off the grid (titles, table cells, spacers).
    Exact(f32),
}

/// A paragraph's properties, written in the schema's order.
#[derive(Clone, Copy)]
pub(super) struct Para<'a> {
    pub keep_next: bool,
    pub keep_lines: bool,
    pub widow_control: bool,
    pub lines: Lines,
    /// First-line indent in characters of the grid (and its width in points).
    pub first_line: Option<(u32, f32)>,
    pub left: f32,
    pub right: f32,
    pub jc: &'a str,
    pub outline: Option<u8>,
}

impl Para<'_> {
    pub fn new(lines: Lines) -> Para<'static> {
        Para {
            keep_next: false,
            keep_lines: false,
            widow_control: false,
            lines,
            first_line: None,
            left: 0.0,
            right: 0.0,
            jc: "both",
            outline: None,
        }
    }

    /// As the block meets a page break ([`Keep`]): Word's keep-with-next; lines kept together
    /// when the block is never broken; widow control (Word's is two lines at either end) when
    /// the block asks for at least two.
    pub fn keep(mut self, keep: Keep) -> Self {
        self.keep_next = keep.with_next;
        self.keep_lines = keep.whole();
        self.widow_control = keep.orphans >= 2 && keep.widows >= 2;
        self
    }

    pub fn write(&self, x: &mut Xml) {
        x.open("w:pPr", &[]);
        if self.keep_next {
            x.empty("w:keepNext", &[]);
        }
        if self.keep_lines {
            x.empty("w:keepLines", &[]);
        }
        x.empty(
            "w:widowControl",
            attrs![("w:val", if self.widow_control { "1" } else { "0" })],
        );
        // No automatic space between Chinese and Latin text or digits (公文 set "2024年"), on
        // every paragraph since LibreOffice does not read it from the defaults.
        x.empty("w:autoSpaceDE", attrs![("w:val", "0")]);
        x.empty("w:autoSpaceDN", attrs![("w:val", "0")]);
        match self.lines {
            Lines::Grid => {
                x.empty(
                    "w:spacing",
                    attrs![
                        ("w:before", 0),
                        ("w:after", 0),
                        ("w:line", 240),
                        ("w:lineRule", "auto")
                    ],
                );
            }
            Lines::Exact(pt) => {
                x.empty("w:snapToGrid", attrs![("w:val", "0")]);
                x.empty(
                    "w:spacing",
                    attrs![
                        ("w:before", 0),
                        ("w:after", 0),
                        ("w:line", twips_down(pt).max(1)),
                        ("w:lineRule", "exact")
                    ],
                );
            }
        }
        let (left, right) = (twips(self.left), twips(self.right));
        match self.first_line {
            // In whole twips per cell, rounded down: LibreOffice reads `firstLineChars` as
            // characters of the font size (wider than the grid's cells) and rounds an indent
            // up to whole cells, so that "two characters" would come out as three.
            Some((chars, width)) => x.empty(
                "w:ind",
                attrs![
                    ("w:left", left),
                    ("w:right", right),
                    (
                        "w:firstLine",
                        chars as i32 * (width * 20.0 / chars.max(1) as f32).floor() as i32
                    )
                ],
            ),
            None if left != 0 || right != 0 => {
                x.empty("w:ind", attrs![("w:left", left), ("w:right", right)])
            }
            None => {}
        }
        x.empty("w:jc", attrs![("w:val", self.jc)]);
        if let Some(level) = self.outline {
            x.empty("w:outlineLvl", attrs![("w:val", u32::from(level))]);
        }
        x.close("w:pPr");
    }
}

/// How a run is set: its role's fonts, its size, and its characters' width (percent).
#[derive(Clone, Copy)]
pub(super) struct Look {
    pub role: Role,
    pub size: f32,
    pub scale: u32,
}

impl Look {
    /// Off the grid: the characters at their own width.
    pub fn plain(role: Role, size: f32) -> Look {
        Look {
            role,
            size,
            scale: 100,
        }
    }

    /// On the grid: characters no wider than its cells. Word fits a wider character into one
    /// cell, but LibreOffice gives it two (16 pt characters on the 15.79 pt grid of 28 to the
    /// line), so they are set a little narrower (98 %) rather than spaced closer.
    pub fn grid(style: &Style, role: Role, size: f32) -> Look {
        Look {
            role,
            size,
            scale: style.grid_scale_percent(size),
        }
    }
}

/// A run's properties: the role's fonts, a size and a width.
pub(super) fn run_properties(x: &mut Xml, fonts: &Fonts, look: Look) {
    let (role, size) = (look.role, look.size);
    let font = fonts.role(role);
    x.open("w:rPr", &[]);
    x.empty(
        "w:rFonts",
        attrs![
            ("w:ascii", fonts.latin(role)),
            ("w:hAnsi", fonts.latin(role)),
            ("w:eastAsia", &font.name),
            ("w:cs", fonts.latin(role)),
            ("w:hint", "eastAsia")
        ],
    );
    if font.bold {
        x.empty("w:b", &[]);
        x.empty("w:bCs", &[]);
    }
    if look.scale != 100 {
        x.empty("w:w", attrs![("w:val", look.scale)]);
    }
    x.empty("w:sz", attrs![("w:val", half_points(size))]);
    x.empty("w:szCs", attrs![("w:val", half_points(size))]);
    x.close("w:rPr");
}

/// A run of text; line ends (byte offsets) become line breaks.
pub(super) fn run(x: &mut Xml, fonts: &Fonts, text: &str, look: Look, breaks: &[usize]) {
    x.open("w:r", &[]);
    run_properties(x, fonts, look);
    let mut start = 0;
    for &end in breaks.iter().chain(std::iter::once(&text.len())) {
        if start > 0 {
            x.empty("w:br", &[]);
        }
        let piece = &text[start..end.clamp(start, text.len())];
        if !piece.is_empty() {
            if piece.starts_with(' ') || piece.ends_with(' ') {
                x.leaf("w:t", attrs![("xml:space", "preserve")], piece);
            } else {
                x.leaf("w:t", &[], piece);
            }
        }
        start = end.clamp(start, text.len());
    }
    x.close("w:r");
}

/// A paragraph of runs, on the grid or off it.
fn paragraph(x: &mut Xml, fonts: &Fonts, style: &Style, para: &Para, runs: &[Run], size: f32) {
    x.open("w:p", &[]);
    para.write(x);
    for r in runs {
        let look = match para.lines {
            Lines::Grid => Look::grid(style, r.role, size),
            Lines::Exact(_) => Look::plain(r.role, size),
        };
        run(x, fonts, &r.text, look, &[]);
    }
    x.close("w:p");
}

/// An empty grid line.
fn empty_line(x: &mut Xml, fonts: &Fonts, style: &Style, para: &Para) {
    x.open("w:p", &[]);
    para.write(x);
    x.open("w:r", &[]);
    run_properties(x, fonts, Look::grid(style, Role::Body, style.sizes.body));
    x.close("w:r");
    x.close("w:p");
}

fn align(a: Align) -> &'static str {
    match a {
        Align::Justify => "both",
        Align::Left => "left",
        Align::Center => "center",
        Align::Right => "right",
    }
}

/// What the body needs besides the tree: fonts, measures, relationship ids.
pub(super) struct Body<'a> {
    pub doc: &'a Document,
    pub measures: &'a Measures,
    pub fonts: &'a Fonts,
    /// The seal image's relationship, when there is one.
    pub seal: Option<&'a str>,
    pub footers: (&'a str, Option<&'a str>),
}

pub(super) fn document(body: &Body) -> String {
    let doc = body.doc;
    let style = &doc.style;
    let fonts = body.fonts;
    let mut x = Xml::new();
    let ns: Vec<(&str, super::xml::Value)> =
        NAMESPACES.iter().map(|(k, v)| (*k, (*v).into())).collect();
    x.open("w:document", &ns);
    x.open("w:body", &[]);
    let indent = (
        style.body.first_line_indent_chars,
        style.body.first_line_indent_chars as f32 * style.char_pitch_pt(),
    );
    let pitch = style.line_pitch_pt();
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Title { text, keep } => {
                // Each title line takes one grid line, whatever the title font's own height.
                let mut para = Para::new(Lines::Exact(grid_pitch(style))).keep(*keep);
                para.jc = "center";
                // Broken where the layout balanced its lines.
                let breaks = match body.measures.blocks.get(i) {
                    Some(Measure::Title { line_ends }) => line_ends.as_slice(),
                    _ => &[],
                };
                x.open("w:p", &[]);
                para.write(&mut x);
                let look = Look::plain(Role::Title, style.sizes.title);
                run(&mut x, fonts, text, look, breaks);
                x.close("w:p");
                if !matches!(doc.blocks.get(i + 1), Some(Block::Title { .. })) {
                    let blank = Para::new(Lines::Grid);
                    for _ in 0..style.body.blank_lines_after_title {
                        empty_line(&mut x, fonts, style, &blank);
                    }
                }
            }
            Block::Heading { level, text, keep } => {
                let role = if *level == 1 {
                    Role::Heading
                } else {
                    Role::Subheading
                };
                let mut para = Para::new(Lines::Grid).keep(*keep);
                para.first_line = Some(indent);
                para.outline = Some(level.saturating_sub(1));
                let runs = [Run {
                    text: text.clone(),
                    role,
                }];
                paragraph(&mut x, fonts, style, &para, &runs, role.size(style));
            }
            Block::Paragraph(p) => {
                let mut para = Para::new(Lines::Grid).keep(p.keep);
                if p.indent {
                    para.first_line = Some(indent);
                }
                para.jc = align(p.align);
                paragraph(&mut x, fonts, style, &para, &p.runs, style.sizes.body);
            }
            Block::Table(t) => {
                let Some(Measure::Table(m)) = body.measures.blocks.get(i) else {
                    continue;
                };
                // The space around a table; the one above keeps with it, so that a heading
                // stays with the table's first rows.
                let space = (style.table.space_lines * pitch).max(1.0);
                let mut above = Para::new(Lines::Exact(space));
                above.keep_next = true;
                spacer(&mut x, fonts, &above);
                table::table(&mut x, fonts, style, t, m);
                // To the grid line the text after it begins on, less a little: an office suite
                // sets the rows a point or so taller than the layout, and that should not push
                // the last line of a page onto the next.
                let below_h = (m.space_below - TABLE_SLACK_PT).max(space.min(m.space_below));
                let mut below = Para::new(Lines::Exact(below_h.max(1.0)));
                below.keep_next = t.keep().with_next;
                spacer(&mut x, fonts, &below);
            }
            Block::Signature(s) => {
                if let Some(Measure::Signature(m)) = body.measures.blocks.get(i) {
                    signature(&mut x, fonts, style, s, m, body.seal);
                }
            }
        }
    }
    section(&mut x, style, body);
    x.close("w:body");
    x.close("w:document");
    x.finish()
}

/// How much shorter than the layout's the space below a table is in the .docx.
const TABLE_SLACK_PT: f32 = 3.0;

/// The grid's line pitch as Word holds it (whole twips, rounded down so that 22 lines fit).
pub(super) fn grid_pitch(style: &Style) -> f32 {
    (style.line_pitch_pt() * 20.0).floor() / 20.0
}

/// An empty paragraph of an exact height.
fn spacer(x: &mut Xml, fonts: &Fonts, para: &Para) {
    x.open("w:p", &[]);
    para.write(x);
    x.open("w:r", &[]);
    run_properties(x, fonts, Look::plain(Role::Body, 1.0));
    x.close("w:r");
    x.close("w:p");
}

/// The 落款 as the layout placed it: blank lines, each line of the 署名 and the date
/// right-aligned at the measured distances from the right edge, the seal floating over them,
/// anchored to the 署名's first line.
fn signature(
    x: &mut Xml,
    fonts: &Fonts,
    style: &Style,
    s: &Signature,
    m: &SignatureMeasure,
    seal: Option<&str>,
) {
    let size = style.sizes.body;
    let width = mm_to_pt(style.page.text_width_mm());
    let mut blank = Para::new(Lines::Grid);
    blank.keep_next = true;
    for _ in 0..m.place.blank_lines {
        empty_line(x, fonts, style, &blank);
    }
    let date = s.date.as_deref().unwrap_or("");
    let line = |x_pos: f32, w: f32, keep_next: bool| {
        let mut para = Para::new(Lines::Grid);
        para.keep_next = keep_next;
        para.jc = "right";
        para.right = (width - x_pos - w).max(0.0);
        para
    };
    let look = Look::grid(style, Role::Body, size);
    // One paragraph for each line of the 署名 as the layout broke it, the seal anchored to the
    // first.
    let count = m.organ_lines.len();
    for (k, organ) in m.organ_lines.iter().enumerate() {
        let last = k + 1 == count;
        x.open("w:p", &[]);
        line(organ.x, organ.width, !last || !date.is_empty()).write(x);
        run(x, fonts, &s.organ[organ.text.clone()], look, &[]);
        if k == 0
            && let (Some((sx, sy, sw, sh)), Some(rel)) = (m.seal, seal)
        {
            x.open("w:r", &[]);
            anchor(x, rel, sx, sy, sw, sh);
            x.close("w:r");
        }
        x.close("w:p");
    }
    if !date.is_empty() {
        x.open("w:p", &[]);
        line(m.place.date_x, m.date_width, false).write(x);
        run(x, fonts, date, look, &[]);
        x.close("w:p");
    }
}

/// The seal, floating in front of the text: x from the text block's left, y from the top of
/// the paragraph it is anchored to.
fn anchor(x: &mut Xml, rel: &str, left: f32, top: f32, width: f32, height: f32) {
    let (cx, cy) = (emu(width), emu(height));
    x.open("w:drawing", &[]);
    x.open(
        "wp:anchor",
        attrs![
            ("distT", 0),
            ("distB", 0),
            ("distL", 0),
            ("distR", 0),
            ("simplePos", "0"),
            ("relativeHeight", 251_659_264),
            ("behindDoc", "0"),
            ("locked", "0"),
            ("layoutInCell", "1"),
            ("allowOverlap", "1")
        ],
    );
    x.empty("wp:simplePos", attrs![("x", 0), ("y", 0)]);
    x.open("wp:positionH", attrs![("relativeFrom", "margin")]);
    x.leaf("wp:posOffset", &[], &emu(left).to_string());
    x.close("wp:positionH");
    x.open("wp:positionV", attrs![("relativeFrom", "paragraph")]);
    x.leaf("wp:posOffset", &[], &emu(top).to_string());
    x.close("wp:positionV");
    x.empty("wp:extent", attrs![("cx", cx), ("cy", cy)]);
    x.empty(
        "wp:effectExtent",
        attrs![("l", 0), ("t", 0), ("r", 0), ("b", 0)],
    );
    x.empty("wp:wrapNone", &[]);
    x.empty("wp:docPr", attrs![("id", 1), ("name", "印章")]);
    x.open("wp:cNvGraphicFramePr", &[]);
    x.empty("a:graphicFrameLocks", attrs![("noChangeAspect", "1")]);
    x.close("wp:cNvGraphicFramePr");
    x.open("a:graphic", &[]);
    x.open(
        "a:graphicData",
        attrs![(
            "uri",
            "http://schemas.openxmlformats.org/drawingml/2006/picture"
        )],
    );
    x.open("pic:pic", &[]);
    x.open("pic:nvPicPr", &[]);
    x.empty("pic:cNvPr", attrs![("id", 0), ("name", "seal.png")]);
    x.empty("pic:cNvPicPr", &[]);
    x.close("pic:nvPicPr");
    x.open("pic:blipFill", &[]);
    x.empty("a:blip", attrs![("r:embed", rel)]);
    x.open("a:stretch", &[]);
    x.empty("a:fillRect", &[]);
    x.close("a:stretch");
    x.close("pic:blipFill");
    x.open("pic:spPr", &[]);
    x.open("a:xfrm", &[]);
    x.empty("a:off", attrs![("x", 0), ("y", 0)]);
    x.empty("a:ext", attrs![("cx", cx), ("cy", cy)]);
    x.close("a:xfrm");
    x.open("a:prstGeom", attrs![("prst", "rect")]);
    x.empty("a:avLst", &[]);
    x.close("a:prstGeom");
    x.close("pic:spPr");
    x.close("pic:pic");
    x.close("a:graphicData");
    x.close("a:graphic");
    x.close("wp:anchor");
    x.close("w:drawing");
}

/// The section: footers (odd pages, and even pages when numbers sit outside), A4, margins, the
/// footer distance that puts the page numbers where the PDF has them, and the document grid of
/// 22 lines × 28 characters (GB/T 9704 5.2.3), as Word's own 公文 templates set it.
fn section(x: &mut Xml, style: &Style, body: &Body) {
    let page = &style.page;
    x.open("w:sectPr", &[]);
    let (odd, even) = body.footers;
    x.empty(
        "w:footerReference",
        attrs![("w:type", "default"), ("r:id", odd)],
    );
    if let Some(even) = even {
        x.empty(
            "w:footerReference",
            attrs![("w:type", "even"), ("r:id", even)],
        );
    }
    x.empty(
        "w:pgSz",
        attrs![
            ("w:w", twips(mm_to_pt(page.width_mm))),
            ("w:h", twips(mm_to_pt(page.height_mm)))
        ],
    );
    let m = body.measures;
    let footer = mm_to_pt(page.height_mm) - m.page_number_baseline - m.page_number_descent;
    x.empty(
        "w:pgMar",
        attrs![
            ("w:top", twips(mm_to_pt(page.margin_top_mm))),
            ("w:right", twips(mm_to_pt(page.margin_right_mm))),
            ("w:bottom", twips(mm_to_pt(page.margin_bottom_mm))),
            ("w:left", twips(mm_to_pt(page.margin_left_mm))),
            ("w:header", twips(mm_to_pt(15.0))),
            ("w:footer", twips(footer.max(0.0))),
            ("w:gutter", 0)
        ],
    );
    x.empty("w:cols", attrs![("w:space", 425)]);
    x.empty(
        "w:docGrid",
        attrs![
            ("w:type", "linesAndChars"),
            ("w:linePitch", twips(grid_pitch(style))),
            ("w:charSpace", char_space(style))
        ],
    );
    x.close("w:sectPr");
}

/// The grid's character pitch as Word holds it: the default font size plus `charSpace`
/// 4096ths of a point, rounded down so that a full line of characters fits.
pub(super) fn char_space(style: &Style) -> i64 {
    ((style.char_pitch_pt() - style.sizes.body) * 4096.0).floor() as i64
}
