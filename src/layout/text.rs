//! Text: characters to placed glyphs, lines broken by the Chinese rules, vertical stacks.
//!
//! CJK characters sit in full-width boxes (on the body's character grid, or one em in tables);
//! Latin letters and digits keep their own advances and are never split. Line breaks come from
//! UAX #14 (unicode-linebreak) with the 禁则 of GB/T 15834 on top: no line starts with closing
//! punctuation and none ends with opening punctuation.

use std::ops::Range;

use super::{Glyph, Item, TextRun};
use crate::document::Role;
use crate::fonts::{FaceId, Fonts};

/// Characters that may not begin a line.
const NO_START: &str = "，。、；：？！）】》」』〉〕］｝”’…—―·%‰℃,.;:?!)]}";
/// Characters that may not end a line.
const NO_END: &str = "（【《「『〈〔［｛“‘([{";

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
    }
}

/// A line of pieces (indices into the shaped text), with the space added after each piece.
#[derive(Debug, Clone)]
pub struct Line {
    pub pieces: Range<usize>,
    /// Extra space after each piece of the line, for justification.
    pub gaps: Vec<f32>,
    /// Left edge of the line relative to the text block.
    pub x: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Justify {
    /// Fill every line but the last (body text).
    Full,
    Left,
    Center,
    Right,
}

/// Breaks shaped text into lines of `width`, the first indented by `indent`.
pub fn break_lines(
    text: &str,
    pieces: &[Piece],
    width: f32,
    indent: f32,
    justify: Justify,
) -> Vec<Line> {
    let allowed = break_opportunities(text, pieces);
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    while start < pieces.len() {
        let avail = if spans.is_empty() {
            width - indent
        } else {
            width
        };
        let mut used = 0.0;
        let mut last_break = None;
        let mut end = pieces.len();
        for i in start..pieces.len() {
            if i > start && allowed[i] {
                last_break = Some(i);
            }
            used += pieces[i].width;
            // Spaces may hang past the edge; they are dropped at the line end.
            if used > avail + 0.01 && i > start && pieces[i].ch != ' ' {
                end = match last_break {
                    Some(b) if !too_loose(&pieces[start..b], &pieces[b..i], avail) => b,
                    // One that would leave the line loose before a long Latin run (a URL, an
                    // e-mail address, a phone number): cut the run, after a separator if it
                    // has one.
                    Some(b) => {
                        separator_point(pieces, b, i).unwrap_or_else(|| cut_point(pieces, start, i))
                    }
                    // No allowed break at all.
                    None => cut_point(pieces, start, i),
                };
                break;
            }
        }
        spans.push(start..end);
        start = end;
        while start < pieces.len() && pieces[start].ch == ' ' {
            start += 1;
        }
    }
    let count = spans.len();
    spans
        .into_iter()
        .enumerate()
        .map(|(n, span)| {
            let first = n == 0;
            let last = n + 1 == count;
            let indent = if first { indent } else { 0.0 };
            let mut trimmed = span.clone();
            while trimmed.end > trimmed.start && pieces[trimmed.end - 1].ch == ' ' {
                trimmed.end -= 1;
            }
            let natural: f32 = pieces[trimmed.clone()].iter().map(|p| p.width).sum();
            let slack = width - indent - natural;
            let mut gaps = vec![0.0; span.len()];
            let x = match justify {
                Justify::Full if !last && slack > 0.0 => {
                    spread(&pieces[trimmed.clone()], slack, &mut gaps);
                    indent
                }
                Justify::Full | Justify::Left => indent,
                Justify::Center => indent + slack.max(0.0) / 2.0,
                Justify::Right => indent + slack.max(0.0),
            };
            Line {
                pieces: trimmed,
                gaps,
                x,
            }
        })
        .collect()
}

/// Characters that end a word of an organ's name (省、市、人民政府、办公室、委员会 …): a title is
/// best split right after one of them.
const NAME_WORD_ENDS: &str = "省市区县旗盟州镇乡村街道局厅府室会院处所站部署社司队心馆团庭";

/// A title line, split over as few lines as the width needs, at word ends where possible and
/// into lines of nearly equal length (GB/T 9704 7.3.1: 梯形 or 菱形), each centred.
pub fn title_lines(text: &str, pieces: &[Piece], width: f32) -> Vec<Line> {
    let count = break_lines(text, pieces, width, 0.0, Justify::Center).len();
    if count <= 1 || pieces.is_empty() {
        return break_lines(text, pieces, width, 0.0, Justify::Center);
    }
    let allowed = break_opportunities(text, pieces);
    let n = pieces.len();
    let mut prefix = vec![0.0f32; n + 1];
    for (i, p) in pieces.iter().enumerate() {
        prefix[i + 1] = prefix[i] + p.width;
    }
    let em = pieces[0].size;
    let share = prefix[n] / count as f32;
    let cost = |a: usize, b: usize| -> Option<f32> {
        let w = prefix[b] - prefix[a];
        if w > width + 0.01 {
            return None;
        }
        let word_end = b == n || NAME_WORD_ENDS.contains(pieces[b - 1].ch);
        let imbalance = (w - share) / em;
        Some(imbalance * imbalance + if word_end { 0.0 } else { 4.0 })
    };
    // best[k][i]: least cost of setting pieces[..i] as k lines; from[k][i]: where line k starts.
    let mut best = vec![vec![f32::INFINITY; n + 1]; count + 1];
    let mut from = vec![vec![0usize; n + 1]; count + 1];
    best[0][0] = 0.0;
    for k in 1..=count {
        for i in 1..=n {
            if i < n && !allowed[i] {
                continue;
            }
            for j in (k - 1)..i {
                if best[k - 1][j].is_finite()
                    && let Some(c) = cost(j, i)
                    && best[k - 1][j] + c < best[k][i]
                {
                    best[k][i] = best[k - 1][j] + c;
                    from[k][i] = j;
                }
            }
        }
    }
    if !best[count][n].is_finite() {
        return break_lines(text, pieces, width, 0.0, Justify::Center);
    }
    let mut ends = vec![n];
    for k in (1..count).rev() {
        let last = *ends.last().expect("at least one end");
        ends.push(from[k + 1][last]);
    }
    ends.reverse();
    let mut start = 0;
    ends.into_iter()
        .map(|end| {
            let w = prefix[end] - prefix[start];
            let line = Line {
                pieces: start..end,
                gaps: vec![0.0; end - start],
                x: (width - w) / 2.0,
            };
            start = end;
            line
        })
        .collect()
}

/// Whether breaking after `line` would leave more than two characters of space to spread, when
/// what follows up to the overflow is one long run of Latin text.
fn too_loose(line: &[Piece], latin_run: &[Piece], avail: f32) -> bool {
    let used: f32 = line.iter().map(|p| p.width).sum();
    let em = line.first().map_or(0.0, |p| p.size);
    avail - used > 2.0 * em
        && latin_run.len() > 8
        && latin_run.iter().all(|p| !p.wide && p.ch != ' ')
}

/// Characters after which a URL, an address or a phone number reads best when cut.
const SEPARATORS: &str = "-/._?&=#@";

/// The last point in the run `run_start..i` just after a separator, so that the cut keeps
/// `0517-` together and starts the next line with the digits that follow. Only among the last
/// few characters: a separator far back would leave the line as loose as not cutting at all.
fn separator_point(pieces: &[Piece], run_start: usize, i: usize) -> Option<usize> {
    const REACH: usize = 8;
    (run_start.max(i.saturating_sub(REACH)) + 1..i)
        .rev()
        .find(|&k| SEPARATORS.contains(pieces[k - 1].ch) && !NO_START.contains(pieces[k].ch))
}

/// A forced break before piece `i`, moved back so the next line does not start with
/// punctuation that may not begin a line.
fn cut_point(pieces: &[Piece], start: usize, mut i: usize) -> usize {
    while i > start + 1 && NO_START.contains(pieces[i].ch) {
        i -= 1;
    }
    i
}

/// Shares `slack` among the gaps next to full-width characters (inside Latin words and
/// numbers there is no extra space); if there are none, among all gaps.
fn spread(line: &[Piece], slack: f32, gaps: &mut [f32]) {
    if line.len() < 2 {
        return;
    }
    let stretchable: Vec<usize> = (0..line.len() - 1)
        .filter(|&i| line[i].wide || line[i + 1].wide || line[i].ch == ' ')
        .collect();
    let targets: Vec<usize> = if stretchable.is_empty() {
        (0..line.len() - 1).collect()
    } else {
        stretchable
    };
    let each = slack / targets.len() as f32;
    for i in targets {
        gaps[i] = each;
    }
}

/// `allowed[i]`: a line may start at piece `i`.
fn break_opportunities(text: &str, pieces: &[Piece]) -> Vec<bool> {
    let mut allowed = vec![false; pieces.len()];
    let mut index_of_byte = std::collections::HashMap::with_capacity(pieces.len());
    for (i, p) in pieces.iter().enumerate() {
        index_of_byte.insert(p.range.start, i);
    }
    for (byte, _) in unicode_linebreak::linebreaks(text) {
        if let Some(&i) = index_of_byte.get(&byte) {
            allowed[i] = true;
        }
    }
    for i in 1..pieces.len() {
        let (before, after) = (&pieces[i - 1], &pieces[i]);
        // UAX #14 keeps quotation marks to both neighbours; between two full-width characters
        // Chinese breaks anywhere the 禁则 allow.
        if before.wide && after.wide {
            allowed[i] = true;
        }
        if NO_START.contains(after.ch) || NO_END.contains(before.ch) {
            allowed[i] = false;
        }
    }
    allowed
}

/// The text runs of a line: consecutive pieces of one face become one run.
pub fn runs(text: &str, pieces: &[Piece], line: &Line, left: f32, baseline: f32) -> Vec<Item> {
    let mut items = Vec::new();
    let mut x = left + line.x;
    let mut i = line.pieces.start;
    while i < line.pieces.end {
        let face = pieces[i].face;
        let size = pieces[i].size;
        let mut j = i;
        let run_x = x;
        let mut glyphs = Vec::new();
        let base = pieces[i].range.start;
        while j < line.pieces.end && pieces[j].face == face && pieces[j].size == size {
            let p = &pieces[j];
            let gap = line.gaps[j - line.pieces.start];
            glyphs.push(Glyph {
                id: p.glyph,
                x_advance: p.width + gap,
                x_offset: p.x_offset,
                range: p.range.start - base..p.range.end - base,
            });
            x += p.width + gap;
            j += 1;
        }
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

/// The vertical form of a character, where Unicode has one (U+FE10–FE4F).
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
        '「' | '“' => '﹁',
        '」' | '”' => '﹂',
        '『' | '‘' => '﹃',
        '』' | '’' => '﹄',
        _ => return None,
    })
}

/// A character of vertical text: the glyph to draw (a vertical form where the font has one)
/// and its advance, for stacking in a column.
pub fn vertical_piece(i: usize, ch: char, role: Role, size: f32, fonts: &Fonts) -> Piece {
    let range = i..i + ch.len_utf8();
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

/// Characters no font has, in first-seen order.
pub fn missing(pieces: &[Piece], out: &mut Vec<char>) {
    for p in pieces.iter().filter(|p| p.missing) {
        if !out.contains(&p.ch) {
            out.push(p.ch);
        }
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

    fn lines_of(text: &str, width_chars: usize, indent_chars: usize) -> Vec<String> {
        let fonts = fonts();
        let pieces = shape(text, |_| Role::Body, 16.0, 16.0, &fonts);
        let lines = break_lines(
            text,
            &pieces,
            width_chars as f32 * 16.0,
            indent_chars as f32 * 16.0,
            Justify::Full,
        );
        lines
            .iter()
            .map(|l| pieces[l.pieces.clone()].iter().map(|p| p.ch).collect())
            .collect()
    }

    #[test]
    fn no_line_starts_with_closing_or_ends_with_opening_punctuation() {
        // Ten characters per line; the natural breaks would put “，” and “（” at the wrong ends.
        let lines = lines_of(
            "一二三四五六七八九十，一二三四五六七八九（十）一二三",
            10,
            0,
        );
        for line in &lines {
            let first = line.chars().next().unwrap();
            let last = line.chars().last().unwrap();
            assert!(!NO_START.contains(first), "{lines:?}");
            assert!(!NO_END.contains(last), "{lines:?}");
        }
        assert_eq!(
            lines.concat(),
            "一二三四五六七八九十，一二三四五六七八九（十）一二三"
        );
    }

    #[test]
    fn numbers_and_latin_words_stay_whole() {
        let lines = lines_of(
            "全年公开信息共计1234567条，网址https://example.gov.cn",
            8,
            0,
        );
        assert!(lines.iter().any(|l| l.contains("1234567")), "{lines:?}");
    }

    #[test]
    fn a_long_url_is_cut_rather_than_leaving_a_loose_line() {
        let text = "本报告的电子版网址为：http://szsxxgk.harbin.gov.cn/col/col12696/index.html。";
        let lines = lines_of(text, 20, 2);
        assert!(lines[0].chars().count() >= 16, "{lines:?}");
        assert!(lines[0].contains("http"), "{lines:?}");
        assert!(!lines[1].starts_with('。'), "{lines:?}");
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_phone_number_is_cut_after_its_hyphen() {
        // The number does not fit at the end of the first line; cutting it leaves the area code
        // there and the number whole on the next line.
        // Set in Noto Serif SC (the page numbers' face), whose digits this was written for:
        // Zhuque Fangsong's are narrower, the overflow comes two digits later and the hyphen
        // is then out of separator_point's reach (the cut falls before the last digit).
        let text = "如有疑问请致电电话号码：0589-84287741。";
        let fonts = fonts();
        let pieces = shape(text, |_| Role::PageNumber, 16.0, 16.0, &fonts);
        let lines: Vec<String> = break_lines(text, &pieces, 18.0 * 16.0, 0.0, Justify::Full)
            .iter()
            .map(|l| pieces[l.pieces.clone()].iter().map(|p| p.ch).collect())
            .collect();
        assert!(lines[0].ends_with("0589-"), "{lines:?}");
        assert!(lines[1].starts_with("84287741"), "{lines:?}");
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn full_lines_land_on_the_grid() {
        let fonts = fonts();
        let text = "一二三四五六七八九十一二三四五六七八九十";
        let pitch = 15.79;
        let pieces = shape(text, |_| Role::Body, 16.0, pitch, &fonts);
        let lines = break_lines(text, &pieces, 10.0 * pitch, 2.0 * pitch, Justify::Full);
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0].pieces.len(),
            8,
            "the first line is indented two characters"
        );
        assert!(
            lines[0].gaps.iter().all(|g| g.abs() < 1e-3),
            "a full grid line needs no stretching"
        );
        assert!((lines[0].x - 2.0 * pitch).abs() < 1e-4);
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
    fn vertical_text_uses_vertical_forms_but_keeps_the_text() {
        let fonts = fonts();
        let p = vertical_piece(3, '、', Role::Body, 10.0, &fonts);
        let form = fonts.face(p.face).glyph('︑').unwrap();
        assert_eq!(p.glyph, form);
        assert_eq!(p.ch, '、');
    }
}
