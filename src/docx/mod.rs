//! The DOCX writer: the document tree → an editable Word file, with docx-rs.
//!
//! The tree is translated element by element into Word's model: A4 page and margins from the
//! style, every run naming its role's official East-Asian font with Times New Roman for Latin,
//! exact line spacing, the 2-character indent, tables with gridSpan/vMerge, tbRlV vertical cells,
//! repeated header rows, page numbers outside, the 落款 placed by the same geometry as the PDF.
//! docx-rs's gaps are mended in one place, [`fixup`]. docx-rs is used here and nowhere else.

mod archive;
mod fixup;
mod table;

pub use archive::read_attachments;

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing, LineSpacingType,
    PageMargin, Paragraph, Pic, RelativeFromHType, RelativeFromVType, Run, RunFonts,
    SpecialIndentType,
};

use crate::diag::{Diagnostic, Rule};
use crate::document::{Align, Attachment, Block, Document, Keep, Role, Signature};
use crate::layout::{place_signature, seal_rect};
use crate::style::{PageNumberPosition, Style, mm_to_pt};

/// Twentieths of a point.
fn twips(pt: f32) -> i32 {
    (pt * 20.0).round() as i32
}

/// English metric units (12 700 per point).
fn emu(pt: f32) -> i32 {
    (pt * 12_700.0).round() as i32
}

/// Half points, Word's unit of font size.
fn half_points(pt: f32) -> usize {
    (pt * 2.0).round() as usize
}

/// The name a role's runs carry: the first (official) family of its chain.
fn official(style: &Style, role: Role) -> &str {
    role.families(style).first().map_or("", String::as_str)
}

fn latin(style: &Style) -> &str {
    style
        .fonts
        .latin
        .first()
        .map_or("Times New Roman", String::as_str)
}

fn fonts(style: &Style, role: Role) -> RunFonts {
    RunFonts::new()
        .east_asia(official(style, role))
        .ascii(latin(style))
        .hi_ansi(latin(style))
        .cs(latin(style))
        .hint("eastAsia")
}

/// A run of text in a role, at a size, with the grid's character spacing when on the grid.
fn run(style: &Style, text: &str, role: Role, size: f32, grid: bool) -> Run {
    let mut r = Run::new()
        .add_text(text)
        .fonts(fonts(style, role))
        .size(half_points(size));
    if grid {
        r = r.character_spacing(grid_spacing(style, size));
    }
    r
}

/// Word has no character grid without `w:docGrid`, which would also snap the line pitch; the
/// same 28 characters per line come from tightening each character by the difference between
/// the size and the grid's pitch (16 pt characters at a 15.79 pt pitch). Rounded away from zero
/// so that a full line never spills.
fn grid_spacing(style: &Style, size: f32) -> i32 {
    let pitch = style.char_pitch_pt();
    ((pitch - size) * 20.0).floor() as i32
}

fn exact(pt: f32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(twips(pt))
        .before(0)
        .after(0)
}

fn align(a: Align) -> AlignmentType {
    match a {
        Align::Justify => AlignmentType::Both,
        Align::Left => AlignmentType::Left,
        Align::Center => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
    }
}

/// A paragraph on the body grid: exact line pitch, first line indented, justified.
fn grid_paragraph(style: &Style, indent: bool) -> Paragraph {
    let mut p = Paragraph::new()
        .line_spacing(exact(style.line_pitch_pt()))
        .snap_to_grid(false);
    if indent {
        let chars = style.body.first_line_indent_chars;
        // Twips here; the fixup adds w:firstLineChars, which Word prefers.
        let first = twips(chars as f32 * style.char_pitch_pt());
        p = p.indent(None, Some(SpecialIndentType::FirstLine(first)), None, None);
    }
    p
}

fn empty_line(style: &Style) -> Paragraph {
    grid_paragraph(style, false).add_run(Run::new().size(half_points(style.sizes.body)))
}

/// A paragraph as its block meets a page break ([`Keep`]): Word's keep-with-next; lines kept
/// together when the block is never broken; widow control (Word's is two lines at either end)
/// when the block asks for at least two.
fn paginated(p: Paragraph, keep: Keep) -> Paragraph {
    p.keep_next(keep.with_next)
        .keep_lines(keep.whole())
        .widow_control(keep.orphans >= 2 && keep.widows >= 2)
}

/// Options for a .docx.
#[derive(Debug, Clone, Default)]
pub struct DocxOptions {
    /// The creation moment when the report has no date of its own (`SOURCE_DATE_EPOCH`).
    pub created: Option<crate::document::Timestamp>,
}

/// Writes the document as a .docx (deflated, the same bytes for the same input).
pub fn write(
    doc: &Document,
    attachments: &[Attachment],
    options: &DocxOptions,
) -> Result<Vec<u8>, Diagnostic> {
    let style = &doc.style;
    let page = &style.page;
    let mut docx = Docx::new()
        .page_size(
            twips(mm_to_pt(page.width_mm)) as u32,
            twips(mm_to_pt(page.height_mm)) as u32,
        )
        .page_margin(
            PageMargin::new()
                .top(twips(mm_to_pt(page.margin_top_mm)))
                .bottom(twips(mm_to_pt(page.margin_bottom_mm)))
                .left(twips(mm_to_pt(page.margin_left_mm)))
                .right(twips(mm_to_pt(page.margin_right_mm)))
                .header(twips(mm_to_pt(15.0)))
                .footer(twips(footer_distance(style)))
                .gutter(0),
        )
        .default_fonts(fonts(style, Role::Body))
        .default_size(half_points(style.sizes.body));
    let (odd, even) = footers(style);
    docx = docx.footer(odd);
    if let Some(even) = even {
        docx = docx.even_footer(even);
    }
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Title { text, keep } => {
                let p = paginated(grid_paragraph(style, false), *keep)
                    .align(AlignmentType::Center)
                    .add_run(run(style, text, Role::Title, style.sizes.title, false));
                docx = docx.add_paragraph(p);
                let last_title = !matches!(doc.blocks.get(i + 1), Some(Block::Title { .. }));
                if last_title {
                    for _ in 0..style.body.blank_lines_after_title {
                        docx = docx.add_paragraph(empty_line(style));
                    }
                }
            }
            Block::Heading { level, text, keep } => {
                let role = if *level == 1 {
                    Role::Heading
                } else {
                    Role::Subheading
                };
                let p = paginated(grid_paragraph(style, true), *keep)
                    .align(AlignmentType::Both)
                    .outline_lvl(*level as usize - 1)
                    .add_run(run(style, text, role, role.size(style), true));
                docx = docx.add_paragraph(p);
            }
            Block::Paragraph(p) => {
                let mut para =
                    paginated(grid_paragraph(style, p.indent), p.keep).align(align(p.align));
                for r in &p.runs {
                    para = para.add_run(run(style, &r.text, r.role, style.sizes.body, true));
                }
                docx = docx.add_paragraph(para);
            }
            Block::Table(t) => {
                // Keeps with the table, so a heading above stays with its first rows.
                docx = docx.add_paragraph(table::spacer(style).keep_next(true));
                docx = docx.add_table(table::table(style, t));
                docx = docx.add_paragraph(table::spacer(style).keep_next(t.keep().with_next));
            }
            Block::Signature(s) => {
                for p in signature(style, s)? {
                    docx = docx.add_paragraph(p);
                }
            }
        }
    }
    let mut xml = docx.build();
    let created = doc.meta.created(options.created);
    fixup::apply(&mut xml, doc, created, !attachments.is_empty())?;
    let extra = if attachments.is_empty() {
        Vec::new()
    } else {
        archive::parts(attachments)
    };
    fixup::pack(xml, &extra)
        .map_err(|e| Diagnostic::error(Rule::Output, format!("无法生成 DOCX（{e}）")))
}

/// From the page's bottom edge to the page number, so that its dash line sits the style's
/// distance below the text block (GB/T 9704 7.5: 7 mm).
fn footer_distance(style: &Style) -> f32 {
    let pn = &style.page_number;
    let below_block = mm_to_pt(style.page.margin_bottom_mm) - mm_to_pt(pn.distance_mm);
    // The dash sits about a third of the line above the footer paragraph's bottom edge.
    below_block - 0.62 * style.sizes.page_number
}

/// Footers with `— PAGE —`: one for odd pages, and one for even pages when numbers sit outside.
fn footers(style: &Style) -> (Footer, Option<Footer>) {
    let pn = &style.page_number;
    let size = style.sizes.page_number;
    let number = |alignment: AlignmentType, left: i32, right: i32| {
        let dash = |t: &str| run(style, t, Role::PageNumber, size, false);
        let field = Run::new()
            .fonts(fonts(style, Role::PageNumber))
            .size(half_points(size))
            .add_field_char(FieldCharType::Begin, false)
            .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
            .add_field_char(FieldCharType::Separate, false)
            .add_text("1")
            .add_field_char(FieldCharType::End, false);
        Paragraph::new()
            .align(alignment)
            .indent(Some(left), None, Some(right), None)
            .line_spacing(LineSpacing::new().before(0).after(0))
            .add_run(dash(&format!("{} ", pn.dash)))
            .add_run(field)
            .add_run(dash(&format!(" {}", pn.dash)))
    };
    let one_char = twips(size);
    match pn.position {
        PageNumberPosition::Center => (
            Footer::new().add_paragraph(number(AlignmentType::Center, 0, 0)),
            None,
        ),
        PageNumberPosition::Outside => (
            Footer::new().add_paragraph(number(AlignmentType::Right, 0, one_char)),
            Some(Footer::new().add_paragraph(number(AlignmentType::Left, one_char, 0))),
        ),
    }
}

/// A string's width as Word sets it on the grid: full-width characters at the grid pitch,
/// others (Times New Roman digits) half an em.
fn grid_width(style: &Style, text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| {
            if crate::layout::is_wide(c) {
                style.char_pitch_pt()
            } else {
                size / 2.0
            }
        })
        .sum()
}

/// The 落款: blank lines, the 署名 and the date placed as in the PDF (right indents from the
/// same geometry), the seal anchored to the 署名's paragraph.
fn signature(style: &Style, s: &Signature) -> Result<Vec<Paragraph>, Diagnostic> {
    let size = style.sizes.body;
    let date = s.date.clone().unwrap_or_default();
    let (w_organ, w_date) = (
        grid_width(style, &s.organ, size),
        grid_width(style, &date, size),
    );
    let seal = s
        .seal
        .as_ref()
        .and_then(|img| img.data.clone().zip(img.pixel_size()));
    let place = place_signature(style, w_organ, w_date, seal.is_some());
    let width = mm_to_pt(style.page.text_width_mm());
    let line = |text: &str, x: f32, w: f32| {
        grid_paragraph(style, false)
            .align(AlignmentType::Right)
            .indent(None, None, Some(twips(width - x - w).max(0)), None)
            .keep_next(true)
            .add_run(run(style, text, Role::Body, size, true))
    };
    let mut out: Vec<Paragraph> = (0..place.blank_lines)
        .map(|_| empty_line(style).keep_next(true))
        .collect();
    let mut organ = line(&s.organ, place.organ_x, w_organ);
    if let Some((png, (w, h))) = seal {
        let (x, y, sw, sh) =
            seal_rect(style, &place, w_date, !date.is_empty(), w as f32 / h as f32);
        let pic = Pic::new_with_dimensions(png.to_vec(), w, h)
            .id("rIdImageSeal")
            .size(emu(sw) as u32, emu(sh) as u32)
            .floating()
            .overlapping()
            .relative_from_h(RelativeFromHType::Margin)
            .relative_from_v(RelativeFromVType::Paragraph)
            .offset_x(emu(x))
            .offset_y(emu(y));
        organ = organ.add_run(Run::new().add_image(pic));
    }
    out.push(organ);
    if !date.is_empty() {
        out.push(line(&date, place.date_x, w_date).keep_next(false));
    }
    Ok(out)
}
