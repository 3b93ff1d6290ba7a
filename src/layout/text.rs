//! Text: characters to measured pieces, pieces of a line to glyph runs, vertical stacks.
//!
//! CJK characters sit in full-width boxes (on the body's character grid, or one em in tables);
//! Latin letters and digits keep their own advances and are never split. Where lines end, and
//! whether adjacent punctuation is set closer, is [`super::linebreak`]'s.

use std::collections::HashSet;
use std::ops::Range;

use super::linebreak::Line;
use super::steps::step;
use super::{Glyph, Item, TextRun};
use crate::document::Role;
use crate::fonts::{FaceId, Fonts};

/// One character, measured and ready to place.
#[derive(Debug, Clone)]
pub struct Piece {
    pub ch: char,
    /// Byte range of the character in the text it came from.
    pub range: Range<usize>,
    pub face: FaceId,
    pub glyph: u16,
    pub size: f32,
    /// The box the character occupies on the line, in points.
    pub width: f32,
    /// Where the glyph sits inside its box, in points from the box's left edge.
    pub x_offset: f32,
    /// Full-width (CJK) character: justification adds space next to it.
    pub wide: bool,
    /// No font has this character; the first face's .notdef stands in.
    pub missing: bool,
    /// The glyph's own advance, in points (the box may be wider or narrower).
    pub glyph_advance: f32,
    /// Blank before the glyph that belongs to a Latin run's cells (see [`snap_to_cells`]): at
    /// the start of a line it goes after the run instead, so that the line begins flush.
    pub lead: f32,
}

impl Piece {
    /// A character drawn with its own glyph at its own advance (no box to fill).
    fn natural(
        ch: char,
        range: Range<usize>,
        face: FaceId,
        glyph: u16,
        size: f32,
        width: f32,
        wide: bool,
    ) -> Piece {
        Piece {
            ch,
            range,
            face,
            glyph,
            size,
            width,
            x_offset: 0.0,
            wide,
            missing: false,
            glyph_advance: width,
            lead: 0.0,
        }
    }
}

/// Whether a character is set full width in Chinese text.
pub fn is_wide(ch: char) -> bool {
    matches!(ch as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE10..=0xFE19 | 0xFE30..=0xFE6F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD
        | 0x2014 | 0x2015 | 0x2018 | 0x2019 | 0x201C | 0x201D | 0x2026 | 0x2030 | 0x203B
        | 0x2460..=0x24FF | 0x2160..=0x217F)
}

/// Measures the characters of `text`, each in the role `role_at(byte offset)` gives.
/// `cell` is the box of a full-width character (the grid pitch, or the size itself).
pub fn shape(
    text: &str,
    role_at: impl Fn(usize) -> Role,
    size: f32,
    cell: f32,
    fonts: &Fonts,
) -> Vec<Piece> {
    text.char_indices()
        .map(|(i, ch)| {
            let role = role_at(i);
            let range = i..i + ch.len_utf8();
            piece(ch, range, role, size, cell, fonts)
        })
        .collect()
}

/// On the character grid, a run of Latin letters and figures between Chinese characters takes
/// whole cells, its width (at `scale`, the grid's narrowing) rounded up and the run centred in
/// them, as Word and LibreOffice set it on a document grid: "第711号" is two cells for "711",
/// and the characters after it stay on the grid.
pub fn snap_to_cells(pieces: &mut [Piece], cell: f32, scale: f32) {
    let mut i = 0;
    while i < pieces.len() {
        if pieces[i].wide {
            i += 1;
            continue;
        }
        let start = i;
        while i < pieces.len() && !pieces[i].wide {
            i += 1;
        }
        let run = &mut pieces[start..i];
        let width: f32 = run.iter().map(|p| p.width).sum();
        let pad = (width * scale / cell - 0.001).ceil().max(1.0) * cell - width;
        run[0].width += pad / 2.0;
        run[0].x_offset += pad / 2.0;
        run[0].lead = pad / 2.0;
        if let Some(last) = run.last_mut() {
            last.width += pad / 2.0;
        }
    }
}

/// Full-width punctuation whose glyph sits in the left half of its box (the right half blank).
fn closing(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '）'
            | '】'
            | '》'
            | '」'
            | '』'
            | '〉'
            | '〕'
            | '］'
            | '｝'
            | '”'
            | '’'
    )
}

/// Full-width punctuation whose glyph sits in the right half of its box.
fn opening(c: char) -> bool {
    matches!(
        c,
        '（' | '【' | '《' | '「' | '『' | '〈' | '〔' | '［' | '｛' | '“' | '‘'
    )
}

/// How much closer piece `i` may stand to the next one when a line needs the room: where two
/// full-width punctuation marks stand side by side with their blank halves touching (》（  ，“
/// ）。  （“), half an em of blank can go (W3C clreq 3.1.6, JIS X 4051).
pub fn squeezable(pieces: &[Piece], i: usize) -> f32 {
    let full = |p: &Piece| p.wide && !p.missing && p.glyph_advance >= 0.9 * p.size;
    let (Some(a), Some(b)) = (pieces.get(i), pieces.get(i + 1)) else {
        return 0.0;
    };
    let touching =
        (closing(a.ch) && (opening(b.ch) || closing(b.ch))) || (opening(a.ch) && opening(b.ch));
    if touching && full(a) && full(b) {
        a.size / 2.0
    } else {
        0.0
    }
}

fn piece(ch: char, range: Range<usize>, role: Role, size: f32, cell: f32, fonts: &Fonts) -> Piece {
    let Some((face, glyph)) = fonts.glyph(role, ch) else {
        return Piece {
            ch,
            range,
            face: fonts.primary(role),
            glyph: 0,
            size,
            width: if is_wide(ch) { cell } else { size / 2.0 },
            x_offset: 0.0,
            wide: is_wide(ch),
            missing: true,
            glyph_advance: 0.0,
            lead: 0.0,
        };
    };
    let f = fonts.face(face);
    let mut glyph = glyph;
    let mut advance = f.advance(glyph) * size;
    let wide = is_wide(ch) || advance >= 0.9 * size;
    if !wide {
        return Piece::natural(ch, range, face, glyph, size, advance, false);
    }
    // Noto's em dash is 0.89 em, so “——” would show a gap: use the full-width U+2015 glyph.
    if ch == '—'
        && advance < 0.99 * size
        && let Some(bar) = f.glyph('―')
        && f.advance(bar) >= 0.99
    {
        glyph = bar;
        advance = size;
    }
    // Quotes narrower than the box (LXGW WenKai's are 0.35 em) hug the text they enclose.
    let x_offset = match ch {
        '“' | '‘' if advance < 0.6 * size => cell - advance,
        '”' | '’' if advance < 0.6 * size => 0.0,
        _ => (cell - advance) / 2.0,
    };
    Piece {
        ch,
        range,
        face,
        glyph,
        size,
        width: cell,
        x_offset,
        wide: true,
        missing: false,
        glyph_advance: advance,
        lead: 0.0,
    }
}

/// The text runs of a line: consecutive pieces of one face become one run. Pieces set closer
/// than their boxes (squeezed punctuation) become one cluster (the same range for their
/// glyphs), so that text extraction does not take the overlap for a break.
pub fn runs(text: &str, pieces: &[Piece], line: &Line, left: f32, baseline: f32) -> Vec<Item> {
    let mut items = Vec::new();
    let mut x = left + line.x;
    let mut i = line.pieces.start;
    // A Latin run that begins the line is set flush, its leading blank moved after it.
    let lead = pieces.get(i).map_or(0.0, |p| p.lead);
    let lead_end = (i..line.pieces.end)
        .take_while(|&k| !pieces[k].wide)
        .last()
        .unwrap_or(i);
    while i < line.pieces.end {
        let face = pieces[i].face;
        let size = pieces[i].size;
        let run_x = x;
        let mut glyphs = Vec::new();
        let base = pieces[i].range.start;
        let mut end = i;
        while end < line.pieces.end && pieces[end].face == face && pieces[end].size == size {
            end += 1;
        }
        // The chain of joined pieces each one is in is one cluster: `first..=last`, found once
        // for each chain.
        let squeezed = |k: usize| line.gaps[k - line.pieces.start] < -0.01;
        let (mut first, mut last) = (i, i);
        for j in i..end {
            let p = &pieces[j];
            let gap = line.gaps[j - line.pieces.start];
            if j == i || !squeezed(j - 1) {
                first = j;
                last = j;
                while last + 1 < end && squeezed(last) {
                    step(1);
                    last += 1;
                }
            }
            let (shift, extra) = match j {
                _ if lead == 0.0 => (0.0, 0.0),
                j if j == line.pieces.start && j == lead_end => (lead, lead),
                j if j == line.pieces.start => (lead, 0.0),
                j if j == lead_end => (0.0, lead),
                _ => (0.0, 0.0),
            };
            glyphs.push(Glyph {
                id: p.glyph,
                x_advance: p.width + gap - shift + extra,
                x_offset: p.x_offset - shift,
                y_offset: 0.0,
                range: pieces[first].range.start - base..pieces[last].range.end - base,
            });
            x += p.width + gap;
        }
        let j = end;
        let end = pieces[j - 1].range.end;
        items.push(Item::Text(TextRun {
            face,
            size,
            x: run_x,
            y: baseline,
            text: text[base..end].to_string(),
            glyphs,
        }));
        i = j;
    }
    items
}

/// The vertical form of a character, where Unicode has one (U+FE10–FE4F): the fallback for a
/// font without a `vert` substitution for it.
pub fn vertical_form(ch: char) -> Option<char> {
    Some(match ch {
        '，' => '︐',
        '、' => '︑',
        '。' => '︒',
        '：' => '︓',
        '；' => '︔',
        '！' => '︕',
        '？' => '︖',
        '…' => '︙',
        '—' | '―' => '︱',
        '（' => '︵',
        '）' => '︶',
        '｛' => '︷',
        '｝' => '︸',
        '〔' => '︹',
        '〕' => '︺',
        '【' => '︻',
        '】' => '︼',
        '《' => '︽',
        '》' => '︾',
        '〈' => '︿',
        '〉' => '﹀',
        '「' | '‘' => '﹁',
        '」' | '’' => '﹂',
        '『' | '“' => '﹃',
        '』' | '”' => '﹄',
        _ => return None,
    })
}

/// A character of vertical text: the glyph to draw (the font's own vertical form, from its
/// `vert` feature, or else Unicode's presentation form) and its advance, for stacking in a
/// column. Upright characters keep their glyph.
pub fn vertical_piece(i: usize, ch: char, role: Role, size: f32, fonts: &Fonts) -> Piece {
    let range = i..i + ch.len_utf8();
    if let Some((face, glyph)) = fonts.glyph(role, ch)
        && let Some(vertical) = fonts.face(face).vertical_glyph(glyph)
    {
        let advance = fonts.face(face).advance(vertical) * size;
        return Piece::natural(ch, range, face, vertical, size, advance, true);
    }
    if let Some(form) = vertical_form(ch)
        && let Some((face, glyph)) = fonts.glyph(role, form)
    {
        let advance = fonts.face(face).advance(glyph) * size;
        return Piece::natural(ch, range, face, glyph, size, advance, true);
    }
    let mut p = piece(ch, range, role, size, size, fonts);
    if p.wide {
        p.x_offset = 0.0;
        p.width = fonts.face(p.face).advance(p.glyph) * size;
    }
    p
}

/// Characters no font has, each once, in first-seen order.
#[derive(Debug, Default)]
pub struct Missing {
    chars: Vec<char>,
    seen: HashSet<char>,
}

impl Missing {
    /// Notes the characters of `pieces` no font has.
    pub fn add(&mut self, pieces: &[Piece]) {
        for p in pieces.iter().filter(|p| p.missing) {
            step(1);
            if self.seen.insert(p.ch) {
                self.chars.push(p.ch);
            }
        }
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::tests::bundled_only;
    use crate::style::Style;

    fn fonts() -> Fonts {
        Fonts::load(&Style::default(), &bundled_only()).unwrap()
    }

    #[test]
    fn em_dashes_join_and_narrow_quotes_fill_their_box() {
        let fonts = fonts();
        // Noto Serif SC's em dash is 0.89 em (Zhuque Fangsong's, the body's, is a full em).
        let p = shape("——", |_| Role::PageNumber, 16.0, 16.0, &fonts);
        let bar = fonts.face(p[0].face).glyph('―').unwrap();
        assert_eq!((p[0].glyph, p[1].glyph), (bar, bar));
        assert!(
            (p[0].x_offset).abs() < 1e-4,
            "a full-width dash fills its box"
        );
        // LXGW WenKai's quotes are 0.35 em: opening quotes sit right, closing quotes left.
        let q = shape("“甲”", |_| Role::Subheading, 16.0, 16.0, &fonts);
        assert!(
            (q[0].width - 16.0).abs() < 1e-4 && q[0].x_offset > 8.0,
            "{:?}",
            q[0]
        );
        assert!((q[2].x_offset).abs() < 1e-4);
    }

    #[test]
    fn adjacent_punctuation_can_be_squeezed() {
        let fonts = fonts();
        let p = shape("》（一，“二（“三", |_| Role::Body, 16.0, 16.0, &fonts);
        let room: Vec<f32> = (0..p.len()).map(|i| squeezable(&p, i)).collect();
        // 》（ and ，“: the first's blank right half; （“: the second's blank left half.
        assert_eq!(room, [8.0, 0.0, 0.0, 8.0, 0.0, 0.0, 8.0, 0.0, 0.0]);
        assert!(
            p.iter().all(|p| p.width == 16.0),
            "full width until a line needs it"
        );
    }

    #[test]
    fn vertical_text_uses_vertical_forms_but_keeps_the_text() {
        let fonts = fonts();
        let p = vertical_piece(3, '、', Role::Body, 10.0, &fonts);
        let face = fonts.face(p.face);
        let horizontal = face.glyph('、').unwrap();
        assert_ne!(p.glyph, horizontal);
        assert_eq!(Some(p.glyph), face.vertical_glyph(horizontal));
        assert_eq!(p.ch, '、');
        assert_eq!(p.range, 3..6);
    }
}
