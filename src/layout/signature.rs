//! Where the 落款 goes (GB/T 9704 7.3.5), as plain geometry: the PDF layout places measured
//! lines with it, and the DOCX writer turns the same numbers into indents and an anchored seal.

use crate::style::{Style, mm_to_pt};

/// A rectangle in points, from the page's top-left (y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Rect {
    /// The smallest rectangle holding all of `rects`; `None` for none.
    pub fn union(rects: impl IntoIterator<Item = Rect>) -> Option<Rect> {
        rects.into_iter().reduce(|a, b| {
            let (x0, y0) = (a.x.min(b.x), a.y.min(b.y));
            let x1 = (a.x + a.width).max(b.x + b.width);
            let y1 = (a.y + a.height).max(b.y + b.height);
            Rect {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
            }
        })
    }
}

/// Horizontal places of a 落款, relative to the text block's left edge: the 署名 (the box of
/// its lines, as wide as the widest) and the date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignaturePlacement {
    pub organ_x: f32,
    pub date_x: f32,
    /// Empty lines between the body and the 署名.
    pub blank_lines: u32,
}

/// Without a seal (7.3.5.2): the 署名 right-aligned two characters in; the date one line below,
/// starting two characters right of the 署名 (or right-aligned two characters in when longer,
/// the 署名 moving left with it). With a seal (7.3.5.1): the date four characters in, the 署名
/// centred over it, and a second empty line so the seal's top stays within a line of the body.
pub fn place_signature(
    style: &Style,
    organ_width: f32,
    date_width: f32,
    sealed: bool,
) -> SignaturePlacement {
    let cell = style.char_pitch_pt();
    let right = mm_to_pt(style.page.text_width_mm());
    let blank = style.body.blank_lines_before_signature;
    if sealed {
        let date_x = right - 4.0 * cell - date_width;
        return SignaturePlacement {
            organ_x: date_x + (date_width - organ_width) / 2.0,
            date_x,
            blank_lines: blank.max(2),
        };
    }
    let mut organ_x = right - 2.0 * cell - organ_width;
    let mut date_x = organ_x + 2.0 * cell;
    if date_x + date_width > right - 2.0 * cell {
        date_x = right - 2.0 * cell - date_width;
        organ_x = date_x - 2.0 * cell;
    }
    SignaturePlacement {
        organ_x,
        date_x,
        blank_lines: blank,
    }
}

/// How wide a line of the 署名 may be by its rule and still stay in the text block: without a
/// seal, all of the block but the two characters it stands in from the right; with one, as wide
/// as it can be centred over the date (which stands four characters in) — the date plus those
/// four characters on either side. A longer 署名 is set on several lines, each placed by the
/// same rule.
pub fn organ_line_width(style: &Style, date_width: f32, sealed: bool) -> f32 {
    let cell = style.char_pitch_pt();
    let right = mm_to_pt(style.page.text_width_mm());
    if sealed {
        let centre = right - 4.0 * cell - date_width / 2.0;
        2.0 * centre.min(right - centre)
    } else {
        right - 2.0 * cell
    }
}

/// Where a line of the 署名 `width` wide starts, in the box [`place_signature`] placed for the
/// widest one: right-aligned in it without a seal (so every line stands two characters in, as
/// one line would), centred with one (so every line is centred over the date).
pub fn organ_line_x(
    placement: &SignaturePlacement,
    organ_width: f32,
    width: f32,
    sealed: bool,
) -> f32 {
    let slack = organ_width - width;
    if sealed {
        placement.organ_x + slack / 2.0
    } else {
        placement.organ_x + slack
    }
}

/// The seal's rectangle (x, y, width, height): x from the text block's left edge, y from the
/// top of the 署名's first line. The 署名 (`organ_lines` lines) and date sit a little below the
/// seal's centre (居印章中心偏下).
pub fn seal_rect(
    style: &Style,
    placement: &SignaturePlacement,
    date_width: f32,
    organ_lines: usize,
    with_date: bool,
    aspect: f32,
) -> (f32, f32, f32, f32) {
    let width = mm_to_pt(style.signature.seal_width_mm);
    let height = width / aspect;
    let lines = organ_lines.max(1) as f32 + if with_date { 1.0 } else { 0.0 };
    let centre_x = placement.date_x + date_width / 2.0;
    let centre_y = lines * style.line_pitch_pt() / 2.0 - 0.1 * height;
    (
        centre_x - width / 2.0,
        centre_y - height / 2.0,
        width,
        height,
    )
}
