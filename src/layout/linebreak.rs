//! Line breaking: where lines of shaped text end.
//!
//! Break opportunities come from UAX #14 (unicode-linebreak) with the 禁则 of GB/T 15834 on top:
//! no line starts with closing punctuation and none ends with opening punctuation. Body text is
//! filled line by line ([`break_lines`]); a long run of Latin text (a URL, an e-mail address, a
//! phone number) or a document number is cut inside only where the line would otherwise be
//! loose. Table labels and titles are set in as few lines as their width allows and balanced
//! over them, at phrase boundaries where they can be, never leaving one character alone on a
//! line ([`balanced_lines`]). Every breaker here runs in time linear in the length of the text.

use std::ops::Range;

use super::steps::step;
use super::text::{Piece, squeezable};
use crate::limits::BALANCED_LINE_CHARS;

/// Characters that may not begin a line.
pub fn no_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
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
            | '…'
            | '—'
            | '―'
            | '·'
            | '%'
            | '‰'
            | '℃'
            | ','
            | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
    )
}

/// Characters that may not end a line.
pub fn no_end(c: char) -> bool {
    matches!(
        c,
        '（' | '【'
            | '《'
            | '「'
            | '『'
            | '〈'
            | '〔'
            | '［'
            | '｛'
            | '“'
            | '‘'
            | '('
            | '['
            | '{'
    )
}

/// A line of pieces (indices into the shaped text), with the space added after each piece.
#[derive(Debug, Clone)]
pub struct Line {
    pub pieces: Range<usize>,
    /// Extra space after each piece of the line, for justification.
    pub gaps: Vec<f32>,
    /// Left edge of the line relative to the text block (or the cell).
    pub x: f32,
}

impl Line {
    /// A line of `pieces` set as they are, at `x`.
    pub fn plain(pieces: Range<usize>, x: f32) -> Line {
        Line {
            gaps: vec![0.0; pieces.len()],
            pieces,
            x,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Justify {
    /// Fill every line but the last (body text).
    Full,
    Left,
    Center,
    Right,
}

/// Where a line may begin: `primary[i]` by the Chinese and Unicode rules; `secondary[i]` inside
/// a run that should stay whole unless the line would otherwise be loose.
pub struct Breaks {
    pub primary: Vec<bool>,
    pub secondary: Vec<bool>,
}

impl Breaks {
    pub fn of(text: &str, pieces: &[Piece]) -> Breaks {
        Breaks {
            primary: primary_breaks(text, pieces),
            secondary: secondary_breaks(pieces),
        }
    }
}

/// `allowed[i]`: a line may start at piece `i`.
fn primary_breaks(text: &str, pieces: &[Piece]) -> Vec<bool> {
    let mut allowed = vec![false; pieces.len()];
    // Pieces are in text order: walk both together instead of looking bytes up.
    let mut i = 0;
    for (byte, _) in unicode_linebreak::linebreaks(text) {
        while i < pieces.len() && pieces[i].range.start < byte {
            i += 1;
        }
        if i < pieces.len() && pieces[i].range.start == byte {
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
        if no_start(after.ch) || no_end(before.ch) {
            allowed[i] = false;
        }
        // A figure keeps its measure word or unit: 30号, 2024年, 95个.
        if before.ch.is_ascii_digit() && after.wide && !no_end(after.ch) {
            allowed[i] = false;
        }
    }
    allowed
}

/// Characters after which a URL, a path or a phone number reads best when cut.
fn separator(c: char) -> bool {
    matches!(c, '/' | '.' | '-' | '?' | '&' | '=' | '_' | '#')
}

/// The fewest characters of a cut run on either side of the cut.
const RUN_END: usize = 3;

/// Breaks inside runs that should stay whole when they can: after a separator in a run of Latin
/// text (`http://` / `example.gov.cn/col/` …, never inside the host name, never leaving one or
/// two characters of the run alone), and between a closing bracket and the figure after it
/// (〔2021〕 / 30号).
fn secondary_breaks(pieces: &[Piece]) -> Vec<bool> {
    let mut allowed = vec![false; pieces.len()];
    let mut start = 0;
    while start < pieces.len() {
        let latin = |p: &Piece| !p.wide && p.ch != ' ';
        if !latin(&pieces[start]) {
            start += 1;
            continue;
        }
        if start > 0 && "〕）]".contains(pieces[start - 1].ch) && pieces[start].ch.is_ascii_digit()
        {
            allowed[start] = true;
        }
        let end = (start..pieces.len())
            .find(|&i| !latin(&pieces[i]))
            .unwrap_or(pieces.len());
        let run: String = pieces[start..end].iter().map(|p| p.ch).collect();
        // The host name of a URL: from after "://" to the next "/".
        let host = run.find("://").map(|s| {
            let from = s + 3;
            let to = run[from..].find('/').map_or(run.len(), |t| from + t);
            (from, to)
        });
        let chars: Vec<(usize, char)> = run.char_indices().collect();
        for k in RUN_END..chars.len().saturating_sub(RUN_END - 1) {
            let (byte, _) = chars[k];
            let prev = chars[k - 1].1;
            let in_host = host.is_some_and(|(from, to)| byte > from && byte <= to);
            let after_scheme = host.is_some_and(|(from, _)| byte == from);
            if (separator(prev) && !in_host || after_scheme)
                && !separator(chars[k].1)
                && k + RUN_END <= chars.len()
            {
                allowed[start + k] = true;
            }
        }
        start = end;
    }
    allowed
}

/// Whether a break before piece `i` would cut a run that should stay whole.
fn inside_run(pieces: &[Piece], i: usize) -> bool {
    i > 0 && i < pieces.len() && !pieces[i - 1].wide && !pieces[i].wide && pieces[i].ch != ' '
}

/// More space than this to spread over a line, in em, and a cut inside a run is better.
const LOOSE_EM: f32 = 1.5;

/// Breaks shaped text into lines of `width`, the first indented by `indent`, filling each
/// line as far as it goes.
pub fn break_lines(
    text: &str,
    pieces: &[Piece],
    width: f32,
    indent: f32,
    justify: Justify,
) -> Vec<Line> {
    let breaks = Breaks::of(text, pieces);
    let squeeze: Vec<f32> = (0..pieces.len()).map(|i| squeezable(pieces, i)).collect();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    while start < pieces.len() {
        let avail = if spans.is_empty() {
            width - indent
        } else {
            width
        };
        let end = line_end(pieces, &breaks, &squeeze, start, avail);
        spans.push(start..end);
        start = end;
        while start < pieces.len() && pieces[start].ch == ' ' {
            start += 1;
        }
    }
    // The last line is not one character alone (孤字): the line before gives it another.
    if let [.., before, last] = spans.as_mut_slice()
        && pieces[last.clone()].iter().filter(|p| p.ch != ' ').count() == 1
        && last.start == before.end
        && before.end > before.start + 2
        && breaks.primary[before.end - 1]
    {
        before.end -= 1;
        last.start -= 1;
    }
    let count = spans.len();
    spans
        .into_iter()
        .enumerate()
        .map(|(n, span)| {
            let mut line = set_line(pieces, span, n == 0, n + 1 == count, width, indent, justify);
            squeeze_if_needed(pieces, &squeeze, &mut line, width);
            line
        })
        .collect()
}

/// A line that holds more than its width (its last word came in by squeezing punctuation)
/// has its adjacent punctuation set closer, as much as it needs, and is justified again.
fn squeeze_if_needed(pieces: &[Piece], squeeze: &[f32], line: &mut Line, width: f32) {
    let span = line.pieces.clone();
    let mut natural: f32 = pieces[span.clone()].iter().map(|p| p.width).sum();
    if let Some(p) = pieces[span.clone()].last()
        && hanging(p.ch)
        && natural > width - line.x + 0.01
    {
        natural -= p.width;
    }
    let over = natural - (width - line.x);
    if over <= 0.01 || span.len() < 2 {
        return;
    }
    let room: f32 = (span.start..span.end - 1).map(|k| squeeze[k]).sum();
    if room <= 0.0 {
        return;
    }
    // Every pair takes its share of what must go; nothing is spread as letter-spacing.
    let share = (over / room).min(1.0);
    for (gap, room) in line.gaps.iter_mut().zip(&squeeze[span.start..span.end - 1]) {
        *gap = -room * share;
    }
}

/// Where the line that begins at `start` ends. When the line would be loose, adjacent
/// punctuation it could squeeze counts as room, so that a word that only fits that way comes
/// onto the line rather than the space being spread as letter-spacing.
fn line_end(pieces: &[Piece], breaks: &Breaks, squeeze: &[f32], start: usize, avail: f32) -> usize {
    let end = fill(pieces, breaks, None, start, avail);
    let loose = avail - natural_width(&pieces[start..end]) > LOOSE_SQUEEZE_EM * pieces[start].size;
    if end < pieces.len() && loose {
        return fill(pieces, breaks, Some(squeeze), start, avail).max(end);
    }
    end
}

/// More space than this left on a line, in em, and squeezing punctuation is tried first.
const LOOSE_SQUEEZE_EM: f32 = 0.5;

/// The end of a line filled from `start`, counting squeezable punctuation as room if given.
fn fill(
    pieces: &[Piece],
    breaks: &Breaks,
    squeeze: Option<&[f32]>,
    start: usize,
    avail: f32,
) -> usize {
    let mut used = 0.0;
    let mut room = 0.0;
    let mut last = None;
    let mut last_secondary = None;
    for i in start..pieces.len() {
        step(1);
        if i > start && breaks.primary[i] {
            last = Some(i);
        }
        if i > start && breaks.secondary[i] {
            last_secondary = Some(i);
        }
        if i > start
            && let Some(squeeze) = squeeze
        {
            room += squeeze[i - 1];
        }
        used += pieces[i].width;
        let used = used - room;
        // Spaces may hang past the edge; they are dropped at the line end. So may a comma or a
        // full stop that would begin the next line, as in Word and WPS (行末点号悬挂).
        let hangs = hanging(pieces[i].ch)
            && used > avail + 0.01
            && used - pieces[i].width <= avail + 0.01
            && (i + 1 == pieces.len() || breaks.primary[i + 1]);
        if hangs {
            return i + 1;
        }
        if used > avail + 0.01 && i > start && pieces[i].ch != ' ' {
            let em = pieces[start].size;
            let slack = |end: usize| avail - natural_width(&pieces[start..end]);
            return match (last, last_secondary) {
                // A cut inside the run that follows fills the line better.
                (Some(b), Some(s)) if s > b && slack(b) > LOOSE_EM * em => s,
                (Some(b), _) => b,
                (None, Some(s)) => s,
                // No allowed break at all: cut, keeping closing punctuation on this line.
                (None, None) => cut_point(pieces, start, i),
            };
        }
    }
    pieces.len()
}

/// Punctuation that may hang past the end of a line rather than push a character down with it.
fn hanging(c: char) -> bool {
    matches!(c, '，' | '。' | '、' | '．')
}

fn natural_width(pieces: &[Piece]) -> f32 {
    let mut end = pieces.len();
    while end > 0 && pieces[end - 1].ch == ' ' {
        end -= 1;
    }
    pieces[..end].iter().map(|p| p.width).sum()
}

/// A line of `span`, trailing spaces dropped, aligned or justified in `width`.
fn set_line(
    pieces: &[Piece],
    span: Range<usize>,
    first: bool,
    last: bool,
    width: f32,
    indent: f32,
    justify: Justify,
) -> Line {
    let indent = if first { indent } else { 0.0 };
    let mut trimmed = span;
    while trimmed.end > trimmed.start && pieces[trimmed.end - 1].ch == ' ' {
        trimmed.end -= 1;
    }
    let mut natural: f32 = pieces[trimmed.clone()].iter().map(|p| p.width).sum();
    // A mark hanging past the end takes no room on the line.
    if let Some(p) = pieces[trimmed.clone()].last()
        && hanging(p.ch)
        && natural > width - indent + 0.01
    {
        natural -= p.width;
    }
    let slack = width - indent - natural;
    let mut line = Line::plain(trimmed.clone(), indent);
    match justify {
        Justify::Full if !last && slack > 0.0 => spread(&pieces[trimmed], slack, &mut line.gaps),
        Justify::Full | Justify::Left => {}
        Justify::Center => line.x += slack.max(0.0) / 2.0,
        Justify::Right => line.x += slack.max(0.0),
    }
    line
}

/// A forced break before piece `i`, moved back so the next line does not start with
/// punctuation that may not begin a line; not when the whole line is such punctuation (。。。。),
/// which would leave one character on each line and make a page of every 22 characters.
fn cut_point(pieces: &[Piece], start: usize, i: usize) -> usize {
    let mut cut = i;
    while cut > start + 1 && no_start(pieces[cut].ch) {
        step(1);
        cut -= 1;
    }
    if cut == start + 1 && no_start(pieces[cut].ch) {
        i
    } else {
        cut
    }
}

/// The most space justification adds between two characters, in em: a line that would need
/// more (a long URL that could not be cut) is set flush left instead of spaced out.
const MAX_GAP_EM: f32 = 0.2;

/// Shares `slack` among the gaps next to full-width characters (inside Latin words and
/// numbers there is no extra space); if there are none, among all gaps.
fn spread(line: &[Piece], slack: f32, gaps: &mut [f32]) {
    if line.len() < 2 {
        return;
    }
    let stretchable = |i: usize| line[i].wide || line[i + 1].wide || line[i].ch == ' ';
    let count = (0..line.len() - 1).filter(|&i| stretchable(i)).count();
    let (count, all) = if count == 0 {
        (line.len() - 1, true)
    } else {
        (count, false)
    };
    let each = slack / count as f32;
    if each > MAX_GAP_EM * line[0].size {
        return;
    }
    for (i, gap) in gaps.iter_mut().enumerate().take(line.len() - 1) {
        if all || stretchable(i) {
            *gap = each;
        }
    }
}

/// What a balanced breaking prefers, besides even lines.
pub enum Phrases<'a> {
    /// Table labels: after punctuation and where the template marked phrases meeting (piece
    /// indices, ascending); in unmarked text, at the two-character rhythm of Chinese words. Never one
    /// character alone on a line.
    Label(&'a [usize]),
    /// Titles: right after a word of an organ's name ends (省、市、人民政府、办公室 …).
    Title,
}

/// Characters that end a word of an organ's name: a title is best split right after one.
fn name_word_end(c: char) -> bool {
    matches!(
        c,
        '省' | '市'
            | '区'
            | '县'
            | '旗'
            | '盟'
            | '州'
            | '镇'
            | '乡'
            | '村'
            | '街'
            | '道'
            | '局'
            | '厅'
            | '府'
            | '室'
            | '会'
            | '院'
            | '处'
            | '所'
            | '站'
            | '部'
            | '署'
            | '社'
            | '司'
            | '队'
            | '心'
            | '馆'
            | '团'
            | '庭'
    )
}

/// Closing punctuation after which a phrase ends.
fn phrase_end(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '】'
            | '》'
            | '」'
            | '』'
            | '〉'
            | '〕'
            | '”'
            | '’'
            | '.'
    )
}

/// Sets text in as few lines of `width` as it needs, balanced over them and broken where
/// `phrases` prefers; each line aligned by `justify` (`Full` and `Left` set lines flush left,
/// preferring full lines to even ones).
pub fn balanced_lines(
    text: &str,
    pieces: &[Piece],
    width: f32,
    justify: Justify,
    phrases: Phrases,
) -> Vec<Line> {
    let n = pieces.len();
    let total: f32 = pieces.iter().map(|p| p.width).sum();
    if n == 0 || total <= width + 0.01 {
        return vec![set_line(pieces, 0..n, true, true, width, 0.0, justify)];
    }
    let breaks = Breaks::of(text, pieces);
    let Some(ends) = best_breaks(pieces, &breaks, width, justify, &phrases) else {
        // Nothing fits (a figure wider than its cell): fill greedily.
        return break_lines(text, pieces, width, 0.0, justify);
    };
    let count = ends.len() - 1;
    ends.windows(2)
        .enumerate()
        .map(|(k, w)| {
            let last = k + 1 == count;
            let mut line = set_line(pieces, w[0]..w[1], k == 0, last, width, 0.0, justify);
            if justify == Justify::Full {
                // Labels are not stretched: a balanced line is as long as it needs to be.
                line.gaps.iter_mut().for_each(|g| *g = 0.0);
            }
            line
        })
        .collect()
}

/// The line ends (from 0 to `pieces.len()`) of the best breaking, if any fits: fewest lines
/// first, then the least cost. A dynamic programme over the break positions: a line ending at
/// one looks back over the break positions before it, nearest first, only as far as the line
/// fits and no further than [`BALANCED_LINE_CHARS`] pieces, so the work is linear in the length
/// of the text whatever it holds (hair spaces, zero-width characters).
fn best_breaks(
    pieces: &[Piece],
    breaks: &Breaks,
    width: f32,
    justify: Justify,
    phrases: &Phrases,
) -> Option<Vec<usize>> {
    let n = pieces.len();
    let allowed = |i: usize| i == 0 || i == n || breaks.primary[i] || breaks.secondary[i];
    // Widths are never negative, so the width of a line only grows as it begins further back:
    // once one is too wide, every longer one is.
    debug_assert!(pieces.iter().all(|p| p.width >= 0.0));
    let mut prefix = vec![0.0f32; n + 1];
    for (i, p) in pieces.iter().enumerate() {
        prefix[i + 1] = prefix[i] + p.width;
    }
    let total = prefix[n];
    let em = pieces[0].size.max(1.0);
    // A line holds at most this many pieces: look no further back.
    let narrowest = pieces
        .iter()
        .map(|p| p.width)
        .filter(|w| *w > 0.01)
        .fold(f32::MAX, f32::min);
    let reach = ((width / narrowest.min(em)).ceil() as usize + 1)
        .min(n)
        .min(BALANCED_LINE_CHARS);
    let penalty = penalties(pieces, breaks, phrases);
    // Where lines may begin and end, in order (0 and `n` among them).
    let stops: Vec<usize> = (0..=n).filter(|&i| allowed(i)).collect();
    let lonely = |a: usize, b: usize| b - a == 1 && n > 1;
    let fits = |a: usize, b: usize| prefix[b] - prefix[a] <= width + 0.01;
    // The lines that may end at `b`, the `j`th stop, by where they begin: the stops before it,
    // nearest first, while the line is within reach and fits.
    let starts = |j: usize, b: usize| {
        stops[..j].iter().rev().copied().take_while(move |&a| {
            step(1);
            a + reach >= b && fits(a, b)
        })
    };
    let mut fewest = vec![usize::MAX; n + 1];
    fewest[0] = 0;
    for (j, &b) in stops.iter().enumerate().skip(1) {
        for a in starts(j, b) {
            if fewest[a] != usize::MAX && !lonely(a, b) {
                fewest[b] = fewest[b].min(fewest[a] + 1);
            }
        }
    }
    if fewest[n] == usize::MAX {
        return None;
    }
    let share = total / fewest[n] as f32;
    let flush_left = matches!(justify, Justify::Full | Justify::Left);
    // Fewest lines first: a line costs more than any shape or phrase could.
    const LINE: f32 = 1.0e4;
    const FORBIDDEN: f32 = 1.0e7;
    let cost = |a: usize, b: usize| -> f32 {
        let w = prefix[b] - prefix[a];
        let shape = if flush_left {
            let slack = (width - w) / em;
            if b == n { 0.0 } else { 0.5 * slack * slack }
        } else {
            let off = (w - share) / em;
            off * off
        };
        let lonely = if lonely(a, b) { FORBIDDEN } else { 0.0 };
        shape + lonely + penalty[b]
    };
    let mut best = vec![f32::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = 0.0;
    for (j, &b) in stops.iter().enumerate().skip(1) {
        for a in starts(j, b) {
            if best[a].is_finite() {
                let c = best[a] + LINE + cost(a, b);
                // Nearest first: of equal costs the line beginning furthest back wins.
                if c <= best[b] {
                    best[b] = c;
                    from[b] = a;
                }
            }
        }
    }
    let mut ends = vec![n];
    while let Some(&end) = ends.last() {
        if end == 0 {
            break;
        }
        ends.push(from[end]);
    }
    ends.reverse();
    Some(ends)
}

/// The narrowest width a label can be set in without a line of one character (the narrowest
/// its widest line can be): a dynamic programme over the break positions.
pub fn narrowest_width(text: &str, pieces: &[Piece]) -> f32 {
    let n = pieces.len();
    let mut prefix = vec![0.0f32; n + 1];
    for (i, p) in pieces.iter().enumerate() {
        prefix[i + 1] = prefix[i] + p.width;
    }
    if n <= 3 {
        return prefix[n];
    }
    let breaks = Breaks::of(text, pieces);
    let allowed = |i: usize| i == 0 || i == n || breaks.primary[i] || breaks.secondary[i];
    // widest[b]: the least possible width of the widest line setting pieces[..b]. A line of
    // more than REACH pieces is never the narrowest way (nor is it looked for: linear time).
    const REACH: usize = 64;
    let mut widest = vec![f32::INFINITY; n + 1];
    widest[0] = 0.0;
    for b in (2..=n).filter(|&b| allowed(b)) {
        // Nearest first: once the last line alone is as wide as the best found, beginning it
        // further back cannot do better (widths are never negative).
        for a in (b.saturating_sub(REACH)..b - 1).rev() {
            step(1);
            if prefix[b] - prefix[a] >= widest[b] {
                break;
            }
            if allowed(a) && widest[a].is_finite() {
                let w = widest[a].max(prefix[b] - prefix[a]);
                if w < widest[b] {
                    widest[b] = w;
                }
            }
        }
    }
    widest[n].min(prefix[n])
}

/// What a break before each piece (a line ending there) costs, by the phrase structure: one
/// value for each position from 0 to `pieces.len()`, in one pass.
fn penalties(pieces: &[Piece], breaks: &Breaks, phrases: &Phrases) -> Vec<f32> {
    let ideograph = |p: &Piece| p.wide && !no_start(p.ch) && !no_end(p.ch);
    // Where the run of ideographs that ends before the position begins.
    let mut phrase_start = 0;
    (0..=pieces.len())
        .map(|i| {
            if i > 0 && !ideograph(&pieces[i - 1]) {
                phrase_start = i;
            }
            break_penalty(pieces, breaks, phrases, i, phrase_start)
        })
        .collect()
}

/// What a break before piece `i` costs; the ideographs before it begin at `phrase_start`.
fn break_penalty(
    pieces: &[Piece],
    breaks: &Breaks,
    phrases: &Phrases,
    i: usize,
    phrase_start: usize,
) -> f32 {
    if i == 0 || i >= pieces.len() {
        return 0.0;
    }
    let before = pieces[i - 1].ch;
    match phrases {
        Phrases::Title => {
            if name_word_end(before) {
                0.0
            } else {
                4.0
            }
        }
        Phrases::Label(marked) => {
            step(marked.len().checked_ilog2().map_or(0, |l| l as usize + 1));
            if phrase_end(before) || no_end(pieces[i].ch) || marked.binary_search(&i).is_ok() {
                return 0.0;
            }
            if !breaks.primary[i] || inside_run(pieces, i) {
                // A cut inside a URL or a figure: only where nothing else fits.
                return 3.0;
            }
            let ideograph = |p: &Piece| p.wide && !no_start(p.ch) && !no_end(p.ch);
            if !(ideograph(&pieces[i - 1]) && ideograph(&pieces[i])) {
                return 0.5;
            }
            if !marked.is_empty() {
                // The template marked the phrases: inside one is the last resort.
                return 6.0;
            }
            // Chinese words are mostly two characters: from the start of the phrase, a break
            // at an even count of characters falls between words more often than not.
            if (i - phrase_start).is_multiple_of(2) {
                0.3
            } else {
                3.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Role;
    use crate::fonts::Fonts;
    use crate::fonts::tests::bundled_only;
    use crate::layout::text::shape;
    use crate::style::Style;

    fn fonts() -> &'static Fonts {
        static FONTS: std::sync::OnceLock<Fonts> = std::sync::OnceLock::new();
        FONTS.get_or_init(|| Fonts::load(&Style::default(), &bundled_only()).unwrap())
    }

    fn texts(pieces: &[Piece], lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| pieces[l.pieces.clone()].iter().map(|p| p.ch).collect())
            .collect()
    }

    fn lines_of(text: &str, width_chars: usize, indent_chars: usize) -> Vec<String> {
        let pieces = shape(text, |_| Role::Body, 16.0, 16.0, fonts());
        let lines = break_lines(
            text,
            &pieces,
            width_chars as f32 * 16.0,
            indent_chars as f32 * 16.0,
            Justify::Full,
        );
        texts(&pieces, &lines)
    }

    fn label(text: &str, width_chars: f32, justify: Justify) -> Vec<String> {
        let pieces = shape(text, |_| Role::Body, 10.0, 10.0, fonts());
        let lines = balanced_lines(
            text,
            &pieces,
            width_chars * 10.0,
            justify,
            Phrases::Label(&[]),
        );
        texts(&pieces, &lines)
    }

    #[test]
    fn no_line_starts_with_closing_or_ends_with_opening_punctuation() {
        // Ten characters per line; the natural breaks would put “，” and “（” at the wrong ends.
        let text = "一二三四五六七八九十，一二三四五六七八九（十）一二三";
        let lines = lines_of(text, 10, 0);
        for line in &lines {
            let first = line.chars().next().unwrap();
            let last = line.chars().last().unwrap();
            assert!(!no_start(first), "{lines:?}");
            assert!(!no_end(last), "{lines:?}");
        }
        assert_eq!(lines.concat(), text);
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
    fn a_long_url_is_cut_after_a_separator_but_never_inside_its_host() {
        let text = "本报告的电子版网址为：http://szsxxgk.harbin.gov.cn/col/col12696/index.html。";
        for width in 14..30 {
            let lines = lines_of(text, width, 2);
            assert_eq!(lines.concat(), text);
            for pair in lines.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                assert!(!b.starts_with('。'), "{lines:?}");
                assert!(
                    !a.contains("szsxxgk") || a.contains("harbin.gov.cn"),
                    "the host name is cut at width {width}: {lines:?}"
                );
                // Never one or two characters of the run alone.
                let tail: String = a.chars().rev().take_while(|c| c.is_ascii()).collect();
                let head: String = b.chars().take_while(|c| c.is_ascii()).collect();
                if !tail.is_empty() && !head.is_empty() {
                    assert!(
                        tail.len() >= 3 && head.len() >= 3,
                        "width {width}: {lines:?}"
                    );
                }
            }
        }
        let lines = lines_of(text, 20, 2);
        assert!(lines[0].ends_with("http://"), "{lines:?}");
    }

    #[test]
    fn a_phone_number_is_cut_after_its_hyphen() {
        // The number does not fit at the end of the first line; cutting it leaves the area code
        // there and the number whole on the next line.
        let text = "如有疑问请致电电话号码：0589-84287741。";
        let lines = lines_of(text, 16, 0);
        assert!(lines[0].ends_with("0589-"), "{lines:?}");
        assert!(lines[1].starts_with("84287741"), "{lines:?}");
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_comma_or_a_stop_hangs_past_the_end_rather_than_pushing_a_character_down() {
        let lines = lines_of("一二三四五六七八九十，一二三", 10, 0);
        assert_eq!(lines, ["一二三四五六七八九十，", "一二三"]);
        // Not a closing quote, nor a comma that a quote must follow.
        let lines = lines_of("一二三四五六七八九十，”一二三", 10, 0);
        assert_eq!(lines[0], "一二三四五六七八九");
    }

    #[test]
    fn the_last_line_is_never_one_character_alone() {
        let text = "一二三四五六七八九十一二三四五六七八九十长";
        let lines = lines_of(text, 10, 0);
        assert_eq!(
            lines,
            ["一二三四五六七八九十", "一二三四五六七八九", "十长"]
        );
    }

    #[test]
    fn a_line_of_nothing_but_closing_punctuation_is_cut_full() {
        // No break is allowed anywhere, and none of them may begin a line: the lines are cut
        // where they are full, not after the first character (a page for every 22).
        let text = "。".repeat(25);
        let lines = lines_of(&text, 10, 0);
        assert_eq!(lines, ["。".repeat(10), "。".repeat(10), "。".repeat(5)]);
    }

    #[test]
    fn full_lines_land_on_the_grid() {
        let text = "一二三四五六七八九十一二三四五六七八九十";
        let pitch = 15.79;
        let pieces = shape(text, |_| Role::Body, 16.0, pitch, fonts());
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
    fn labels_break_between_words_and_never_leave_one_character_alone() {
        assert_eq!(
            label("（三）不予公开", 3.0, Justify::Center),
            ["（三）", "不予", "公开"]
        );
        assert_eq!(
            label("（四）无法提供", 4.0, Justify::Center),
            ["（四）", "无法提供"]
        );
        assert_eq!(
            label("社会公益组织", 2.5, Justify::Center),
            ["社会", "公益", "组织"]
        );
        assert_eq!(
            label("法律服务机构", 4.5, Justify::Center),
            ["法律", "服务机构"]
        );
        assert_eq!(label("自然人", 3.0, Justify::Center), ["自然人"]);
        assert_eq!(label("商业企业", 3.5, Justify::Center), ["商业", "企业"]);
        // Flush left: full lines, cut between words.
        assert_eq!(
            label("2.其他法律行政法规禁止公开", 10.5, Justify::Left),
            ["2.其他法律行政法规", "禁止公开"]
        );
        for width in [3.0, 4.0, 5.0, 6.0, 7.0] {
            for text in [
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "结果维持",
                "（七）总计",
            ] {
                let lines = label(text, width, Justify::Center);
                assert_eq!(lines.concat(), text);
                assert!(
                    lines.iter().all(|l| l.chars().count() >= 2),
                    "{width}: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn a_document_number_is_cut_only_to_avoid_a_loose_line() {
        let text = "有关规定的通知（国办公开办函〔2021〕30号，以下简称《通知》）有关规定。";
        let lines = lines_of(text, 19, 0);
        assert_eq!(lines.concat(), text);
        assert!(lines[0].ends_with("〔2021〕"), "{lines:?}");
        // With room to spare the number stays whole.
        let lines = lines_of(text, 24, 0);
        assert!(
            lines.iter().any(|l| l.contains("〔2021〕30号")),
            "{lines:?}"
        );
    }
}
