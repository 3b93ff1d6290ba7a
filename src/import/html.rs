//! Reads a published report as a web page (the portal's article, a page saved from it, or
//! nianbao's own `--to html` page and `--html-fragment`) into a [`Scanned`] document: its text
//! blocks in reading order and its tables resolved to a grid, each with the line of the source
//! where it starts.
//!
//! **Encoding.** A BOM; else UTF-8 if the bytes are valid UTF-8 (Chinese text in GBK is not,
//! but by chance), whatever the page declares; else the page's `<meta charset>` or
//! `http-equiv` declaration (looked for in its first 16 KB), or GB18030 when it has none or
//! declares UTF-8 wrongly (GB18030 is a superset of GBK and GB2312, what portals use). A page
//! that no encoding reads whole is read as declared with its faulty bytes as U+FFFD, as a
//! browser shows it, and the mapping reports the cell or text they fall in. Never an error,
//! except for bytes that are no text at all.
//!
//! **Markup.** A small tokenizer and tree-less builder of our own, written to the parts of the
//! HTML5 parsing rules that decide what text a browser shows where: comments (Word's
//! conditional comments too; the content of the downlevel-revealed `<![if …]>` shows, as in a
//! browser), unquoted attributes, entities, raw-text elements whose text is not shown
//! (`script`, `style`, `title`, `textarea`, `noscript`, `iframe`…), upper-case names, unclosed
//! `<p>`, `<li>`, `<td>`, `<tr>` and `<tbody>` closed where the parser closes them, end tags
//! that do not match closed as the parser would leave the blocks, text in a table outside its
//! cells put before the table (foster parenting). No DOM is built: text goes straight to the
//! block or cell it belongs to.
//!
//! Why not a crate (measured on the two-core VM, 2 December 2026): `html5ever` 0.40 (21 crates,
//! 8 s to build in debug, 18 s in release) and `scraper` 0.29 on top of it (48 crates, 31 s
//! debug) are the spec's parser, but their tree builder checks scopes by walking the stack of
//! open elements, so 100,000 nested `<div>`s took 88 s in a release build (10,000 took 0.5 s):
//! a page built to hang the filing server would, unless a tokenizer of our own bounded the
//! nesting first; and neither gives source lines without a tree sink of our own. `tl` 0.7
//! (fast, 2 s to build) does not close an unclosed `<td>` or `<tr>` (it nests the next cell
//! inside the last), which is how many portal tables are written. What a report page needs of
//! HTML is the text of blocks and cells and the grid of spans, which this module does in one
//! linear pass with every count bounded.
//!
//! **Blocks.** `p`, `div`, headings, list items and the other block elements each end the text
//! before them; a `<br>` ends a line, so the lines of a block are separate Text blocks (a
//! title over two lines is two). Whitespace is collapsed, `&nbsp;` and U+3000 count as spaces,
//! a space between two Chinese characters (or fullwidth punctuation) is dropped, and a source
//! line break next to one is dropped too (Word breaks its HTML source lines inside Chinese text,
//! which a browser shows as stray spaces, and before or after a run of digits).
//!
//! **Tables** are placed as the HTML table model places them: each cell in the first column
//! not covered by a cell above, `colspan` clamped to 1–1000 and `rowspan` to 0–65534 as browsers
//! do, a rowspan clamped at the end of its row group (`thead`, `tbody`; 0 reaches to it). A
//! cell's text is all its paragraphs and lines joined. A table any of whose cells holds a table,
//! or a table of one column, is layout: its content is read as blocks in reading order (a
//! portal's frame around the article, a box around a title). Data tables are numbered in
//! reading order.
//!
//! **Only what a reader sees.** Dropped with their content: `nav`, a page's `header` and
//! `footer` (not an article's or a section's), elements with `role="navigation"`, `banner` or
//! `contentinfo`, `template`, `select`, media fallback, and anything `hidden` or styled
//! `display:none` in its own `style` attribute (style sheets are not applied, so a class that
//! hides is not seen).
//!
//! **Bounded** (docs/limits.md「读取已发布的报告」): the input's size, the number of elements,
//! the nesting of open elements (no recursion anywhere; a scope check costs O(1)), the slots of
//! each table's grid (rows × columns), the text blocks and cells made; spans are clamped before
//! anything is sized by them.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use encoding_rs::Encoding;

use super::{Place, Scanned, ScannedBlock, ScannedCell, ScannedTable};
use crate::diag::{Diagnostic, Location, Rule};
use crate::limits;

/// Reads a web page's bytes as a report. `name` is how messages call the file.
pub fn scan_html(bytes: &[u8], name: &str) -> Result<Scanned, Diagnostic> {
    // `import` checks this on the file before reading it; a caller with bytes in hand, here.
    if bytes.len() as u64 > limits::IMPORT_FILE_BYTES {
        return Err(limits::error(
            "导入的报告文件的大小",
            "import_file_bytes",
            limits::show_bytes(limits::IMPORT_FILE_BYTES),
            format!("有 {}", limits::show_bytes(bytes.len() as u64)),
        )
        .at(Location::file(name)));
    }
    if bytes.is_empty() {
        return Err(Diagnostic::error(Rule::EmptyFile, "网页文件是空的").at(Location::file(name)));
    }
    let text = decode(bytes).map_err(|d| d.at(Location::file(name)))?;
    Builder::new(&text, name).run()
}

// ── Encoding ────────────────────────────────────────────────────────────────────────────────

/// How far into the page a charset declaration is looked for. The spec's prescan reads 1024
/// bytes; Word's pages put theirs after a long `<html xmlns:…>`, portals after comments.
const PRESCAN_BYTES: usize = 16 * 1024;

fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Ok(text.into_owned());
    }
    // A text page has no NUL bytes (UTF-16 without a BOM is not a web page either).
    if bytes[..bytes.len().min(1024)].contains(&0) {
        return Err(
            Diagnostic::error(Rule::Unreadable, "这不是网页：文件开头有二进制数据").hint(
                "应是门户网站上年度报告的网页（.html），或 nianbao render --to html 生成的网页",
            ),
        );
    }
    // Chinese text in GBK is never valid UTF-8 but by chance (its trail bytes are mostly not
    // UTF-8's), so valid UTF-8 is UTF-8 whatever the page declares.
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let declared = prescan(&bytes[..bytes.len().min(PRESCAN_BYTES)]);
    let first = match declared {
        Some(e)
            if e != encoding_rs::UTF_8
                && e != encoding_rs::UTF_16BE
                && e != encoding_rs::UTF_16LE =>
        {
            e
        }
        _ => encoding_rs::GB18030,
    };
    let (text, faulty) = first.decode_without_bom_handling(bytes);
    if !faulty {
        return Ok(text.into_owned());
    }
    if first != encoding_rs::GB18030 {
        let (gb, faulty) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        if !faulty {
            return Ok(gb.into_owned());
        }
    }
    // Nothing reads it whole: as declared, faulty bytes as U+FFFD, as a browser shows it.
    if declared == Some(encoding_rs::UTF_8) {
        return Ok(String::from_utf8_lossy(bytes).into_owned());
    }
    Ok(text.into_owned())
}

/// The encoding a `<meta charset>` or `<meta http-equiv="Content-Type" content="…;
/// charset=…">` in `head` declares.
fn prescan(b: &[u8]) -> Option<&'static Encoding> {
    let mut i = 0;
    while let Some(at) = find_byte(b, b'<', i) {
        i = at + 1;
        if b[i..].starts_with(b"!--") {
            i = find(b, b"-->", i + 1).map_or(b.len(), |e| e + 3);
            continue;
        }
        let name_end = b[i..]
            .iter()
            .position(|&c| is_ws(c) || c == b'/' || c == b'>')
            .map_or(b.len(), |p| i + p);
        let is_meta = b[i..name_end].eq_ignore_ascii_case(b"meta");
        let mut charset: Option<&[u8]> = None;
        let mut content: Option<&[u8]> = None;
        let mut http_equiv = false;
        let end = tag_attributes(b, name_end, |name, value| {
            if name.eq_ignore_ascii_case(b"charset") && charset.is_none() {
                charset = Some(value);
            } else if name.eq_ignore_ascii_case(b"content") && content.is_none() {
                content = Some(value);
            } else if name.eq_ignore_ascii_case(b"http-equiv") {
                http_equiv |= value.eq_ignore_ascii_case(b"content-type");
            }
        });
        if is_meta {
            let label = charset.or(if http_equiv {
                content.and_then(charset_in_content)
            } else {
                None
            });
            if let Some(encoding) = label.and_then(Encoding::for_label) {
                return Some(encoding);
            }
        }
        match end {
            Some(end) => i = end,
            None => break,
        }
    }
    None
}

/// The label after `charset=` in a Content-Type value.
fn charset_in_content(content: &[u8]) -> Option<&[u8]> {
    let lower = content.to_ascii_lowercase();
    let at = find(&lower, b"charset", 0)? + 7;
    let mut i = at;
    while i < content.len() && is_ws(content[i]) {
        i += 1;
    }
    if content.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < content.len() && (is_ws(content[i]) || content[i] == b'"' || content[i] == b'\'') {
        i += 1;
    }
    let end = content[i..]
        .iter()
        .position(|&c| is_ws(c) || c == b';' || c == b'"' || c == b'\'')
        .map_or(content.len(), |p| i + p);
    (end > i).then(|| &content[i..end])
}

// ── Tokens ──────────────────────────────────────────────────────────────────────────────────

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn find_byte(b: &[u8], c: u8, from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&x| x == c)
        .map(|p| from + p)
}

fn find(b: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let hay = b.get(from..)?;
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// Reads the attributes of a tag from `i` (after its name) to its `>`, as the tokenizer's
/// attribute states do (a quote only opens a value right after `=`), giving each to `each`.
/// The position after the `>`, or `None` if the input ends inside the tag (which the parser
/// then drops).
fn tag_attributes<'b>(
    b: &'b [u8],
    mut i: usize,
    mut each: impl FnMut(&'b [u8], &'b [u8]),
) -> Option<usize> {
    loop {
        while i < b.len() && (is_ws(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some(i + 1);
        }
        let start = i;
        i += 1; // a name may begin with `=`
        while i < b.len() && !(is_ws(b[i]) || matches!(b[i], b'/' | b'>' | b'=')) {
            i += 1;
        }
        let name = &b[start..i];
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let mut value: &[u8] = b"";
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            match b.get(i) {
                None => return None,
                Some(&q @ (b'"' | b'\'')) => {
                    let end = find_byte(b, q, i + 1)?;
                    value = &b[i + 1..end];
                    i = end + 1;
                }
                Some(b'>') => {}
                Some(_) => {
                    let start = i;
                    while i < b.len() && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    value = &b[start..i];
                }
            }
        }
        each(name, value);
    }
}

/// What the builder needs of a start tag's attributes.
#[derive(Default)]
struct Attributes<'a> {
    style: Option<&'a [u8]>,
    hidden: bool,
    role: Option<&'a [u8]>,
    colspan: Option<&'a [u8]>,
    rowspan: Option<&'a [u8]>,
}

enum Token {
    /// Text in `[start, end)`.
    Text(usize, usize),
    /// A start tag at `at` (its `<`), its lower-cased name, its attributes in `[from, to)`.
    Start {
        at: usize,
        name: String,
        attributes: (usize, usize),
    },
    End {
        name: String,
    },
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<Token> {
        let b = self.b;
        loop {
            let start = self.pos;
            if start >= b.len() {
                return None;
            }
            if b[start] != b'<' || !opens_markup(b, start) {
                // Text up to the next `<` that begins markup (a `<` that begins nothing is
                // text).
                let mut i = start + 1;
                let end = loop {
                    match find_byte(b, b'<', i) {
                        None => break b.len(),
                        Some(lt) if opens_markup(b, lt) => break lt,
                        Some(lt) => i = lt + 1,
                    }
                };
                self.pos = end;
                return Some(Token::Text(start, end));
            }
            let rest = &b[start + 1..];
            if rest.starts_with(b"!--") {
                // A comment, Word's `<!--[if gte mso 9]>…<![endif]-->` included; `<!-->` and
                // `<!--->` are empty ones. Unclosed, it runs to the end.
                let dashes = find(b, b"-->", start + 2);
                let bang = find(b, b"--!>", start + 4);
                self.pos = match (dashes, bang) {
                    (Some(d), Some(x)) if x < d => x + 4,
                    (Some(d), _) => d + 3,
                    (None, Some(x)) => x + 4,
                    (None, None) => b.len(),
                };
                continue;
            }
            if rest.first().is_some_and(|&c| c == b'!' || c == b'?')
                || (rest.starts_with(b"/") && !rest.get(1).is_some_and(u8::is_ascii_alphabetic))
            {
                // DOCTYPE, `<![if !supportLists]>`, `<![endif]>`, `<?xml:namespace …>`, `</ x>`:
                // bogus comments up to the next `>`.
                self.pos = find_byte(b, b'>', start + 1).map_or(b.len(), |e| e + 1);
                continue;
            }
            let end_tag = rest.first() == Some(&b'/');
            let name_start = start + 1 + usize::from(end_tag);
            let name_end = b[name_start..]
                .iter()
                .position(|&c| is_ws(c) || c == b'/' || c == b'>')
                .map_or(b.len(), |p| name_start + p);
            let name = String::from_utf8_lossy(&b[name_start..name_end]).to_ascii_lowercase();
            let Some(after) = tag_attributes(b, name_end, |_, _| {}) else {
                // The input ends inside the tag: the parser drops it, and nothing follows.
                self.pos = b.len();
                return None;
            };
            self.pos = after;
            if end_tag {
                return Some(Token::End { name });
            }
            if class(&name) == Class::RawText {
                self.pos = raw_text_end(b, after, &name);
                continue;
            }
            return Some(Token::Start {
                at: start,
                name,
                attributes: (name_end, after),
            });
        }
    }
}

/// Whether the `<` at `i` begins a tag, a comment or a bogus comment (else it is text).
fn opens_markup(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some(b'!' | b'?') => true,
        // `</x` is an end tag, `</>` nothing, `</ x…>` a bogus comment; a `</` that ends the
        // input is text.
        Some(b'/') => b.get(i + 2).is_some(),
        _ => false,
    }
}

/// Where a raw-text element that began before `from` ends: after its `</name>`, or the end.
fn raw_text_end(b: &[u8], from: usize, name: &str) -> usize {
    let n = name.len();
    let mut i = from;
    while let Some(lt) = find(b, b"</", i) {
        let after = lt + 2 + n;
        if b.len() >= after
            && b[lt + 2..after].eq_ignore_ascii_case(name.as_bytes())
            && b.get(after)
                .is_none_or(|&c| is_ws(c) || c == b'/' || c == b'>')
        {
            return tag_attributes(b, after, |_, _| {}).unwrap_or(b.len());
        }
        i = lt + 2;
    }
    b.len()
}

/// Lines of the source, counted as positions are asked for in increasing order.
struct Lines<'a> {
    b: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.b.len());
        if pos > self.pos {
            for i in self.pos..pos {
                match self.b[i] {
                    b'\n' => self.line += 1,
                    b'\r' if self.b.get(i + 1) != Some(&b'\n') => self.line += 1,
                    _ => {}
                }
            }
            self.pos = pos;
        }
        self.line
    }
}

// ── Elements ────────────────────────────────────────────────────────────────────────────────

/// What an element is to the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Inline, or unknown (`o:p`, `font`, `span`): its end does not end a block.
    Phrasing,
    /// A block: its start and end end the text before them.
    Block,
    Paragraph,
    Heading,
    /// `li`, `dd`, `dt`: closed by the next one.
    Item,
    /// `ul`, `ol`, `dl`, `menu`: where an item's closing stops.
    List,
    Table,
    /// `tbody`, `thead`, `tfoot`: a row group.
    Section,
    Row,
    Cell,
    Caption,
    /// `button`, `object`, `marquee`, `applet`, `template`: a scope boundary that is no block.
    Boundary,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match class(name) {
            Class::Element(kind) => kind,
            _ => Kind::Phrasing,
        }
    }

    /// Ends the text before it (and after it).
    fn blocky(self) -> bool {
        !matches!(self, Kind::Phrasing | Kind::Boundary)
    }

    /// Stops the search for an element to close (the parser's "scope").
    fn scope(self) -> bool {
        matches!(
            self,
            Kind::Table | Kind::Cell | Kind::Caption | Kind::Boundary
        )
    }
}

/// How the builder takes a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Element(Kind),
    /// Never open: `img`, `meta`, `col`…
    Void,
    /// `br` and `hr`: end a line.
    Break,
    /// Skipped whole by the tokenizer, content and all: text that is not shown (`script`,
    /// `style`, `title`, `textarea`, `noscript`, `iframe`…) or is not markup (`xmp`).
    RawText,
    /// `html`, `head`, `body`, `frameset`, `colgroup`: their content goes where it is.
    Ignored,
}

/// Every tag the builder takes otherwise than as an inline element, sorted by name for a
/// binary search (a `match` on strings compares them one by one).
const TAGS: &[(&str, Class)] = &[
    ("address", Class::Element(Kind::Block)),
    ("applet", Class::Element(Kind::Boundary)),
    ("area", Class::Void),
    ("article", Class::Element(Kind::Block)),
    ("aside", Class::Element(Kind::Block)),
    ("base", Class::Void),
    ("basefont", Class::Void),
    ("bgsound", Class::Void),
    ("blockquote", Class::Element(Kind::Block)),
    ("body", Class::Ignored),
    ("br", Class::Break),
    ("button", Class::Element(Kind::Boundary)),
    ("caption", Class::Element(Kind::Caption)),
    ("center", Class::Element(Kind::Block)),
    ("col", Class::Void),
    ("colgroup", Class::Ignored),
    ("dd", Class::Element(Kind::Item)),
    ("details", Class::Element(Kind::Block)),
    ("dialog", Class::Element(Kind::Block)),
    ("dir", Class::Element(Kind::List)),
    ("div", Class::Element(Kind::Block)),
    ("dl", Class::Element(Kind::List)),
    ("dt", Class::Element(Kind::Item)),
    ("embed", Class::Void),
    ("fieldset", Class::Element(Kind::Block)),
    ("figcaption", Class::Element(Kind::Block)),
    ("figure", Class::Element(Kind::Block)),
    ("footer", Class::Element(Kind::Block)),
    ("form", Class::Element(Kind::Block)),
    ("frame", Class::Void),
    ("frameset", Class::Ignored),
    ("h1", Class::Element(Kind::Heading)),
    ("h2", Class::Element(Kind::Heading)),
    ("h3", Class::Element(Kind::Heading)),
    ("h4", Class::Element(Kind::Heading)),
    ("h5", Class::Element(Kind::Heading)),
    ("h6", Class::Element(Kind::Heading)),
    ("head", Class::Ignored),
    ("header", Class::Element(Kind::Block)),
    ("hgroup", Class::Element(Kind::Block)),
    ("hr", Class::Break),
    ("html", Class::Ignored),
    ("iframe", Class::RawText),
    ("image", Class::Void),
    ("img", Class::Void),
    ("input", Class::Void),
    ("keygen", Class::Void),
    ("legend", Class::Element(Kind::Block)),
    ("li", Class::Element(Kind::Item)),
    ("link", Class::Void),
    ("listing", Class::Element(Kind::Block)),
    ("main", Class::Element(Kind::Block)),
    ("marquee", Class::Element(Kind::Boundary)),
    ("menu", Class::Element(Kind::List)),
    ("meta", Class::Void),
    ("nav", Class::Element(Kind::Block)),
    ("noembed", Class::RawText),
    ("noframes", Class::RawText),
    ("noscript", Class::RawText),
    ("object", Class::Element(Kind::Boundary)),
    ("ol", Class::Element(Kind::List)),
    ("optgroup", Class::Element(Kind::Block)),
    ("option", Class::Element(Kind::Block)),
    ("p", Class::Element(Kind::Paragraph)),
    ("param", Class::Void),
    ("plaintext", Class::Element(Kind::Block)),
    ("pre", Class::Element(Kind::Block)),
    ("script", Class::RawText),
    ("search", Class::Element(Kind::Block)),
    ("section", Class::Element(Kind::Block)),
    ("source", Class::Void),
    ("style", Class::RawText),
    ("summary", Class::Element(Kind::Block)),
    ("table", Class::Element(Kind::Table)),
    ("tbody", Class::Element(Kind::Section)),
    ("td", Class::Element(Kind::Cell)),
    ("template", Class::Element(Kind::Boundary)),
    ("textarea", Class::RawText),
    ("tfoot", Class::Element(Kind::Section)),
    ("th", Class::Element(Kind::Cell)),
    ("thead", Class::Element(Kind::Section)),
    ("title", Class::RawText),
    ("tr", Class::Element(Kind::Row)),
    ("track", Class::Void),
    ("ul", Class::Element(Kind::List)),
    ("wbr", Class::Void),
    ("xmp", Class::RawText),
];

fn class(name: &str) -> Class {
    match TAGS.binary_search_by(|(n, _)| (*n).cmp(name)) {
        Ok(i) => TAGS[i].1,
        Err(_) => Class::Element(Kind::Phrasing),
    }
}

/// The name an element is matched by when closed: every heading closes every heading.
fn key(name: &str) -> &str {
    match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => "h",
        _ => name,
    }
}

/// Whether a `style` attribute says `display: none`.
fn display_none(style: &[u8]) -> bool {
    style.split(|&c| c == b';').any(|declaration| {
        let mut parts = declaration.splitn(2, |&c| c == b':');
        let property = parts.next().unwrap_or_default().trim_ascii();
        let value = parts.next().unwrap_or_default().trim_ascii();
        property.eq_ignore_ascii_case(b"display")
            && value.len() >= 4
            && value[..4].eq_ignore_ascii_case(b"none")
            && value.get(4).is_none_or(|&c| is_ws(c) || c == b'!')
    })
}

/// A span attribute by the spec's rules for non-negative integers: leading whitespace, digits,
/// anything after them ignored; `None` when there are no digits.
fn span_value(value: &[u8]) -> Option<u64> {
    let value = value.trim_ascii_start();
    let value = value.strip_prefix(b"+").unwrap_or(value);
    let digits = value.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    Some(value[..digits].iter().fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

/// The largest `colspan` browsers honour (the HTML spec's limit).
const COLSPAN_MAX: usize = 1000;
/// The largest `rowspan` browsers honour.
const ROWSPAN_MAX: usize = 65534;

// ── Text ────────────────────────────────────────────────────────────────────────────────────

/// Characters a space between is dropped: those East Asian Width calls wide or fullwidth
/// (Chinese characters, CJK punctuation, fullwidth forms, kana, Yi), as CSS drops a source line
/// break between them; not Hangul (Korean spaces its words), and not the quotation marks “ ”
/// ‘ ’, …, —, · that Chinese shares with Latin text (their width is ambiguous): a space a
/// report writes next to one stays (the 一面坡镇 report has `监督” 和“涉密`).
fn wide(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{303E}'
        | '\u{3041}'..='\u{33FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{A000}'..='\u{A4CF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFF}'
    )
}

/// Characters a browser shows nothing for: dropped.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// A block's text as a reader sees it: whitespace collapsed and trimmed, a space between two
/// wide characters dropped, a run of whitespace holding a line break dropped next to one.
fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    // A run of whitespace not yet written: whether it holds a line break.
    let mut pending: Option<bool> = None;
    for c in raw.chars() {
        if c.is_whitespace() {
            let newline = matches!(c, '\n' | '\r');
            pending = Some(pending.unwrap_or(false) || newline);
            continue;
        }
        if invisible(c) {
            continue;
        }
        if let Some(newline) = pending.take()
            && let Some(before) = out.chars().next_back()
        {
            let drop = if newline {
                wide(before) || wide(c)
            } else {
                wide(before) && wide(c)
            };
            if !drop {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

/// A cell's paragraphs and lines as one text: joined like the lines of one block.
fn join_lines(lines: &[String]) -> String {
    normalize(&lines.join("\n"))
}

/// The Latin-1 entities from `&nbsp;` (U+00A0) to `&yuml;` (U+00FF), in order; the spec
/// decodes them without their `;` too.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other named entities that turn up in reports and portal pages (with their `;`).
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200C}'),
    ("zwj", '\u{200D}'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("bull", '•'),
    ("hellip", '…'),
    ("permil", '‰'),
    ("prime", '′'),
    ("Prime", '″'),
    ("lsaquo", '‹'),
    ("rsaquo", '›'),
    ("euro", '€'),
    ("trade", '™'),
    ("larr", '←'),
    ("uarr", '↑'),
    ("rarr", '→'),
    ("darr", '↓'),
    ("harr", '↔'),
    ("minus", '−'),
    ("lowast", '∗'),
    ("radic", '√'),
    ("infin", '∞'),
    ("asymp", '≈'),
    ("ne", '≠'),
    ("le", '≤'),
    ("ge", '≥'),
    ("sum", '∑'),
    ("prod", '∏'),
    ("loz", '◊'),
    ("hearts", '♥'),
    ("OElig", 'Œ'),
    ("oelig", 'œ'),
    ("Scaron", 'Š'),
    ("scaron", 'š'),
    ("Yuml", 'Ÿ'),
    ("fnof", 'ƒ'),
    ("circ", 'ˆ'),
    ("tilde", '˜'),
    ("dagger", '†'),
    ("Dagger", '‡'),
    ("alpha", 'α'),
    ("beta", 'β'),
    ("gamma", 'γ'),
    ("delta", 'δ'),
    ("pi", 'π'),
    ("mu", 'μ'),
    ("sigma", 'σ'),
    ("omega", 'ω'),
    ("Omega", 'Ω'),
];

/// What windows-1252 has at 0x80–0x9F, which `&#128;`–`&#159;` mean (the spec's table).
const C1: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// Appends `text` to `out` with its character references decoded.
fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match reference(after) {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// The character a reference after `&` stands for, and the bytes it took.
fn reference(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if let Some(number) = s.strip_prefix('#') {
        let (hex, digits_at) = match number.as_bytes().first() {
            Some(b'x' | b'X') => (true, 2),
            _ => (false, 1),
        };
        let radix = if hex { 16 } else { 10 };
        let digits = b[digits_at..]
            .iter()
            .take_while(|&&c| (c as char).is_digit(radix))
            .count();
        if digits == 0 {
            return None;
        }
        let value = b[digits_at..digits_at + digits].iter().fold(0u32, |n, &d| {
            n.saturating_mul(radix)
                .saturating_add((d as char).to_digit(radix).unwrap_or(0))
        });
        let mut used = digits_at + digits;
        if b.get(used) == Some(&b';') {
            used += 1;
        }
        let c = match value {
            0 => '\u{FFFD}',
            0x80..=0x9F => C1[(value - 0x80) as usize],
            _ => char::from_u32(value).unwrap_or('\u{FFFD}'),
        };
        return Some((c, used));
    }
    let len = b
        .iter()
        .take(32)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if len == 0 {
        return None;
    }
    let name = &s[..len];
    let semicolon = b.get(len) == Some(&b';');
    let used = len + usize::from(semicolon);
    if let Some(i) = LATIN1.iter().position(|n| *n == name) {
        return char::from_u32(0xA0 + i as u32).map(|c| (c, used));
    }
    // Of the others, the spec decodes `&amp` `&lt` `&gt` `&quot` without a `;` as well.
    let legacy = matches!(name, "amp" | "lt" | "gt" | "quot");
    if !semicolon && !legacy {
        return None;
    }
    NAMED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, c)| (c, used))
}

// ── Building blocks ─────────────────────────────────────────────────────────────────────────

/// Where text goes: the page, a table's cell, or a table outside its cells.
#[derive(Default)]
struct Sink {
    blocks: Vec<ScannedBlock>,
    /// The text of the block being read, as written (references decoded).
    raw: String,
    /// The line of its first character that is not a space.
    line: Option<usize>,
    /// A table ended in here (a cell holding one makes its table layout).
    holds_table: bool,
}

impl Sink {
    /// Ends the block being read: whether it made one.
    fn flush(&mut self) -> bool {
        if self.raw.is_empty() {
            return false;
        }
        let text = normalize(&self.raw);
        self.raw.clear();
        let line = self.line.take();
        if text.is_empty() {
            return false;
        }
        self.blocks.push(ScannedBlock::Text {
            text,
            at: Place {
                line,
                ..Place::default()
            },
        });
        true
    }
}

struct OpenCell {
    /// Where the `td`/`th` stands on the stack of open elements.
    at: usize,
    /// Its place on the grid (0-based row, col) and spans; `None` for a hidden cell.
    placed: Option<(usize, usize, usize, usize)>,
    line: usize,
    sink: Sink,
}

struct DoneCell {
    row: usize,
    col: usize,
    rowspan: usize,
    colspan: usize,
    line: usize,
    sink: Sink,
}

struct OpenTable {
    line: usize,
    /// Hidden, or inside something hidden: read for the structure only, and dropped.
    hidden: bool,
    /// What is in the table outside its cells (a caption, stray text): shown before it.
    foster: Sink,
    cells: Vec<DoneCell>,
    cell: Option<OpenCell>,
    /// Stack positions of the open row and row group.
    row: Option<usize>,
    section: Option<usize>,
    /// The open row counts (is not hidden).
    row_shown: bool,
    rows: usize,
    columns: usize,
    /// The next cell of the row is looked for from here.
    cursor: usize,
    /// For each column, the rows (this one included) a cell above still covers.
    covered: Vec<usize>,
    /// The first row and first cell of the open row group.
    group_row: usize,
    group_cell: usize,
}

impl OpenTable {
    fn new(line: usize, hidden: bool) -> OpenTable {
        OpenTable {
            line,
            hidden,
            foster: Sink::default(),
            cells: Vec::new(),
            cell: None,
            row: None,
            section: None,
            row_shown: false,
            rows: 0,
            columns: 0,
            cursor: 0,
            covered: Vec::new(),
            group_row: 0,
            group_cell: 0,
        }
    }

    /// Rowspans end with their row group: clamped to its rows, 0 made to reach its end.
    fn end_group(&mut self) {
        let end = self.rows;
        for cell in &mut self.cells[self.group_cell..] {
            cell.rowspan = cell.rowspan.min(end - cell.row).max(1);
        }
        self.covered.iter_mut().for_each(|c| *c = 0);
        self.group_row = self.rows;
        self.group_cell = self.cells.len();
    }
}

/// FNV-1a, for the index of open elements by name. A page could make names collide, but the
/// names in the index are bounded (by twice the depth limit), and so is what a collision costs.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// An element on the stack of open elements.
struct Open {
    name: String,
    kind: Kind,
    hidden: bool,
    /// Closed while blocks opened after it stay open (an inline end tag across a block).
    closed: bool,
}

struct Builder<'a> {
    text: &'a str,
    name: &'a str,
    lexer: Lexer<'a>,
    lines: Lines<'a>,
    stack: Vec<Open>,
    /// Stack positions of the open elements by [`key`]; of scope boundaries; of blocks.
    by_name: HashMap<String, Vec<usize>, BuildHasherDefault<Fnv>>,
    scopes: Vec<usize>,
    blocks: Vec<usize>,
    /// Open elements that hide what is in them.
    hidden: usize,
    elements: usize,
    page: Sink,
    tables: Vec<OpenTable>,
    /// Data tables given so far.
    numbered: usize,
    /// Text blocks and table cells made so far (`import_blocks`).
    made: u64,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, name: &'a str) -> Builder<'a> {
        let b = text.as_bytes();
        Builder {
            text,
            name,
            lexer: Lexer { b, pos: 0 },
            lines: Lines { b, pos: 0, line: 1 },
            stack: Vec::new(),
            by_name: HashMap::default(),
            scopes: Vec::new(),
            blocks: Vec::new(),
            hidden: 0,
            elements: 0,
            page: Sink::default(),
            tables: Vec::new(),
            numbered: 0,
            made: 0,
        }
    }

    fn run(mut self) -> Result<Scanned, Diagnostic> {
        while let Some(token) = self.lexer.next() {
            // Checked after each token, which makes a few blocks at most (the end of a table
            // ends its open cell, row and the blocks in them).
            if self.made > limits::IMPORT_BLOCKS {
                let d = limits::error(
                    "导入的报告中段落与表格单元格的个数",
                    "import_blocks",
                    format!("{} 个", limits::IMPORT_BLOCKS),
                    "有更多",
                );
                let at = self.lexer.pos;
                return Err(self.error_at(at, d));
            }
            match token {
                Token::Text(start, end) => self.text(start, end),
                Token::Start {
                    at,
                    name,
                    attributes,
                } => self.start(at, name, attributes)?,
                Token::End { name } => self.end(&name),
            }
        }
        // The end of the input closes everything.
        self.pop_to(0);
        self.page.flush();
        Ok(Scanned {
            blocks: self.page.blocks,
        })
    }

    /// Ends the block being read where text goes now.
    fn flush(&mut self) {
        if self.sink().flush() {
            self.made += 1;
        }
    }

    fn sink(&mut self) -> &mut Sink {
        match self.tables.last_mut() {
            None => &mut self.page,
            Some(table) => match &mut table.cell {
                Some(cell) => &mut cell.sink,
                None => &mut table.foster,
            },
        }
    }

    fn text(&mut self, start: usize, end: usize) {
        if self.hidden > 0 {
            return;
        }
        let raw = self.text.get(start..end).unwrap_or_default();
        let first = raw
            .bytes()
            .position(|c| !is_ws(c))
            .map(|offset| start + offset);
        let line = first.map(|at| self.lines.at(at));
        let sink = self.sink();
        let before = sink.raw.len();
        push_decoded(&mut sink.raw, raw);
        // The block begins where its first character that is not a space (`&nbsp;` is one)
        // does.
        if sink.line.is_none() && sink.raw[before..].chars().any(|c| !c.is_whitespace()) {
            sink.line = line;
        }
    }

    fn error_at(&mut self, at: usize, d: Diagnostic) -> Diagnostic {
        let line = self.lines.at(at);
        let mut location = Location::file(self.name);
        location.line = Some(u32::try_from(line).unwrap_or(u32::MAX));
        d.at(location)
    }

    fn start(
        &mut self,
        at: usize,
        name: String,
        (from, to): (usize, usize),
    ) -> Result<(), Diagnostic> {
        self.elements += 1;
        if self.elements > limits::HTML_ELEMENTS {
            let d = limits::error(
                "网页的元素个数",
                "html_elements",
                format!("{} 个", limits::HTML_ELEMENTS),
                format!("至少有 {} 个", self.elements),
            );
            return Err(self.error_at(at, d));
        }
        let b = self.text.as_bytes();
        let mut attributes = Attributes::default();
        tag_attributes(&b[..to], from, |n, v| {
            if n.eq_ignore_ascii_case(b"style") {
                attributes.style.get_or_insert(v);
            } else if n.eq_ignore_ascii_case(b"hidden") {
                attributes.hidden = true;
            } else if n.eq_ignore_ascii_case(b"role") {
                attributes.role.get_or_insert(v);
            } else if n.eq_ignore_ascii_case(b"colspan") {
                attributes.colspan.get_or_insert(v);
            } else if n.eq_ignore_ascii_case(b"rowspan") {
                attributes.rowspan.get_or_insert(v);
            }
        });
        let kind = match class(&name) {
            Class::Element(kind) => kind,
            Class::Break => {
                self.flush();
                return Ok(());
            }
            Class::Void | Class::Ignored | Class::RawText => return Ok(()),
        };
        if kind.blocky() {
            self.flush();
        }
        match kind {
            Kind::Cell | Kind::Row | Kind::Section | Kind::Caption => {
                let Some((row, section)) = self.tables.last().map(|t| (t.row, t.section)) else {
                    // Outside a table the parser ignores them.
                    return Ok(());
                };
                match kind {
                    Kind::Cell => match (row, section) {
                        (Some(row), _) => self.pop_to(row + 1),
                        (None, Some(section)) => {
                            self.pop_to(section + 1);
                            self.implied(at, "tr", Kind::Row)?;
                        }
                        (None, None) => {
                            self.pop_above_table();
                            self.implied(at, "tbody", Kind::Section)?;
                            self.implied(at, "tr", Kind::Row)?;
                        }
                    },
                    Kind::Row => {
                        match section {
                            Some(s) => self.pop_to(s + 1),
                            None => {
                                self.pop_above_table();
                                self.implied(at, "tbody", Kind::Section)?;
                            }
                        };
                    }
                    _ => self.pop_above_table(),
                }
            }
            Kind::Table => {
                // A table where only rows may stand (not in a cell or caption) ends the open one.
                if let Some(top) = self.live_top()
                    && matches!(
                        self.stack[top].kind,
                        Kind::Table | Kind::Section | Kind::Row
                    )
                    && let Some(t) = self.by_name.get("table").and_then(|v| v.last().copied())
                {
                    self.pop_to(t);
                }
                self.close_paragraph();
            }
            Kind::Heading => {
                self.close_paragraph();
                if let Some(top) = self.live_top()
                    && self.stack[top].kind == Kind::Heading
                {
                    self.pop_to(top);
                }
            }
            Kind::Item => {
                self.close_paragraph();
                let bound = self
                    .scopes
                    .last()
                    .copied()
                    .max(self.top_of(&["ul", "ol", "dl", "menu", "dir"]));
                let item = match name.as_str() {
                    "li" => self.top_of(&["li"]),
                    _ => self.top_of(&["dd", "dt"]),
                };
                if let Some(item) = item
                    && bound.is_none_or(|b| item > b)
                {
                    self.pop_to(item);
                }
            }
            Kind::Block | Kind::Paragraph | Kind::List => self.close_paragraph(),
            _ => {}
        }
        if name == "a"
            && let Some(a) = self.in_scope("a")
        {
            // Links do not nest: the parser closes the open one.
            self.close_inline(a);
        }
        let dropped = match name.as_str() {
            "nav" | "template" | "select" | "datalist" | "audio" | "video" | "canvas" => true,
            // A page's banner and footer, not an article's or a section's.
            "header" | "footer" => self
                .top_of(&["article", "aside", "main", "nav", "section"])
                .is_none(),
            _ => false,
        };
        let role = attributes.role.unwrap_or_default();
        let hidden = dropped
            || attributes.hidden
            || attributes.style.is_some_and(display_none)
            || [
                b"navigation".as_slice(),
                b"banner".as_slice(),
                b"contentinfo".as_slice(),
            ]
            .iter()
            .any(|r| role.trim_ascii().eq_ignore_ascii_case(r));
        self.push(at, name, kind, hidden)?;
        let line = self.lines.at(at);
        let shown = self.hidden == 0;
        match kind {
            Kind::Table => self.tables.push(OpenTable::new(line, !shown)),
            Kind::Section => {
                let at = self.stack.len() - 1;
                if let Some(table) = self.tables.last_mut() {
                    table.end_group();
                    table.section = Some(at);
                }
            }
            Kind::Row => self.start_row(at, shown)?,
            Kind::Cell => {
                let colspan = attributes.colspan.and_then(span_value).unwrap_or(1);
                let rowspan = attributes.rowspan.and_then(span_value).unwrap_or(1);
                self.start_cell(at, line, colspan, rowspan, shown)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// An element the parser inserts without a tag (`tbody` and `tr` around a bare `td`).
    fn implied(&mut self, at: usize, name: &str, kind: Kind) -> Result<(), Diagnostic> {
        let hidden = false;
        self.push(at, name.to_string(), kind, hidden)?;
        let shown = self.hidden == 0;
        match kind {
            Kind::Section => {
                let pos = self.stack.len() - 1;
                if let Some(table) = self.tables.last_mut() {
                    table.end_group();
                    table.section = Some(pos);
                }
            }
            _ => self.start_row(at, shown)?,
        }
        Ok(())
    }

    fn push(
        &mut self,
        at: usize,
        name: String,
        kind: Kind,
        hidden: bool,
    ) -> Result<(), Diagnostic> {
        if self.stack.len() >= limits::HTML_DEPTH {
            let d = limits::error(
                "网页元素的嵌套层数",
                "html_depth",
                format!("{} 层", limits::HTML_DEPTH),
                format!("有超过 {} 层", limits::HTML_DEPTH),
            );
            return Err(self.error_at(at, d));
        }
        let pos = self.stack.len();
        match self.by_name.get_mut(key(&name)) {
            Some(open) => open.push(pos),
            None => {
                // Names no longer open are kept for the next element of the name, up to a
                // bound (what is open is bounded by the depth).
                if self.by_name.len() >= 2 * limits::HTML_DEPTH {
                    self.by_name.retain(|_, open| !open.is_empty());
                }
                self.by_name.insert(key(&name).to_string(), vec![pos]);
            }
        }
        if kind.scope() {
            self.scopes.push(pos);
        }
        if kind.blocky() {
            self.blocks.push(pos);
        }
        if hidden {
            self.hidden += 1;
        }
        self.stack.push(Open {
            name,
            kind,
            hidden,
            closed: false,
        });
        Ok(())
    }

    /// The topmost open element that is not closed.
    fn live_top(&self) -> Option<usize> {
        self.stack.iter().rposition(|e| !e.closed)
    }

    /// The topmost open element with one of these names (by [`key`]).
    fn top_of(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .filter_map(|n| self.by_name.get(*n).and_then(|v| v.last().copied()))
            .max()
    }

    /// The topmost open element with this key, if no scope boundary stands above it.
    fn in_scope(&self, key: &str) -> Option<usize> {
        let at = self.by_name.get(key)?.last().copied()?;
        match self.scopes.last() {
            Some(&scope) if scope > at => None,
            _ => Some(at),
        }
    }

    /// A block closes an open `p` (in the parser's button scope).
    fn close_paragraph(&mut self) {
        if let Some(p) = self.in_scope("p") {
            self.pop_to(p);
        }
    }

    /// Closes everything in the innermost table above its cells' structure: the open cell,
    /// row and row group.
    fn pop_above_table(&mut self) {
        if let Some(t) = self.by_name.get("table").and_then(|v| v.last().copied()) {
            self.pop_to(t + 1);
        }
    }

    /// Closes an inline element: popped if nothing but inline elements stand above it, else
    /// marked closed where it is (the blocks above stay open, as the parser leaves them).
    fn close_inline(&mut self, at: usize) {
        if self.blocks.last().is_some_and(|&b| b > at) {
            let element = &mut self.stack[at];
            element.closed = true;
            if element.hidden {
                self.hidden -= 1;
            }
            if let Some(open) = self.by_name.get_mut(key(&element.name)) {
                open.pop();
            }
        } else {
            self.pop_to(at);
        }
    }

    /// Pops the open elements from the top down to `at` (included), each ended in turn.
    fn pop_to(&mut self, at: usize) {
        while self.stack.len() > at {
            let pos = self.stack.len() - 1;
            let Some(element) = self.stack.pop() else {
                break;
            };
            if element.closed {
                continue;
            }
            if element.kind.blocky() {
                self.flush();
            }
            match element.kind {
                Kind::Cell => self.end_cell(),
                Kind::Row => self.end_row(),
                Kind::Section => {
                    if let Some(table) = self.tables.last_mut() {
                        table.end_group();
                        table.section = None;
                    }
                }
                Kind::Table => self.end_table(),
                _ => {}
            }
            if element.hidden {
                self.hidden -= 1;
            }
            if let Some(open) = self.by_name.get_mut(key(&element.name))
                && open.last() == Some(&pos)
            {
                open.pop();
            }
            if self.scopes.last() == Some(&pos) {
                self.scopes.pop();
            }
            if self.blocks.last() == Some(&pos) {
                self.blocks.pop();
            }
        }
    }

    fn end(&mut self, name: &str) {
        let kind = Kind::of(name);
        match name {
            "br" => {
                self.flush();
                return;
            }
            // The content after them still shows.
            "html" | "head" | "body" | "frameset" => return,
            _ => {}
        }
        if kind.blocky() {
            self.flush();
        }
        match kind {
            Kind::Table | Kind::Section | Kind::Row | Kind::Cell | Kind::Caption => {
                let Some(table) = self.tables.last() else {
                    return;
                };
                let target = match kind {
                    Kind::Cell => table.cell.as_ref().map(|c| c.at),
                    Kind::Row => table.row,
                    Kind::Section => table.section,
                    Kind::Caption => self.in_scope("caption"),
                    _ => self.by_name.get("table").and_then(|v| v.last().copied()),
                };
                if let Some(target) = target {
                    self.pop_to(target);
                }
            }
            Kind::Phrasing => {
                if let Some(element) = self.in_scope(key(name)) {
                    self.close_inline(element);
                }
            }
            Kind::Boundary => {
                if let Some(element) = self.by_name.get(name).and_then(|v| v.last().copied())
                    && self.scopes.last() == Some(&element)
                {
                    self.pop_to(element);
                }
            }
            _ => {
                if let Some(element) = self.in_scope(key(name)) {
                    self.pop_to(element);
                }
            }
        }
    }

    fn start_row(&mut self, at: usize, shown: bool) -> Result<(), Diagnostic> {
        let pos = self.stack.len() - 1;
        let Some(table) = self.tables.last_mut() else {
            return Ok(());
        };
        table.row = Some(pos);
        table.row_shown = shown && !table.hidden;
        table.cursor = 0;
        if table.row_shown {
            table.rows += 1;
            let slots = table.rows.saturating_mul(table.columns.max(1));
            if slots > limits::HTML_TABLE_SLOTS {
                return Err(self.table_too_large(at, slots));
            }
        }
        Ok(())
    }

    fn end_row(&mut self) {
        if let Some(table) = self.tables.last_mut() {
            if table.row_shown {
                table
                    .covered
                    .iter_mut()
                    .for_each(|c| *c = c.saturating_sub(1));
            }
            table.row = None;
            table.row_shown = false;
        }
    }

    fn table_too_large(&mut self, at: usize, slots: usize) -> Diagnostic {
        let d = limits::error(
            "网页中一个表格的格数",
            "html_table_slots",
            format!("{} 格", limits::HTML_TABLE_SLOTS),
            format!("有至少 {slots} 格（行数 × 列数）"),
        );
        self.error_at(at, d)
    }

    fn start_cell(
        &mut self,
        at: usize,
        line: usize,
        colspan: u64,
        rowspan: u64,
        shown: bool,
    ) -> Result<(), Diagnostic> {
        let pos = self.stack.len() - 1;
        let Some(table) = self.tables.last_mut() else {
            return Ok(());
        };
        let mut placed = None;
        if shown && table.row_shown {
            let colspan = (colspan.clamp(1, COLSPAN_MAX as u64)) as usize;
            // 0: to the end of the row group, where it is clamped.
            let rowspan = match rowspan.min(ROWSPAN_MAX as u64) as usize {
                0 => ROWSPAN_MAX,
                n => n,
            };
            let mut col = table.cursor;
            while table.covered.get(col).is_some_and(|&c| c > 0) {
                col += 1;
            }
            let end = col + colspan;
            let slots = table.rows.saturating_mul(end.max(table.columns));
            if slots > limits::HTML_TABLE_SLOTS {
                return Err(self.table_too_large(at, slots));
            }
            if table.covered.len() < end {
                table.covered.resize(end, 0);
            }
            for c in &mut table.covered[col..end] {
                *c = (*c).max(rowspan);
            }
            table.columns = table.columns.max(end);
            table.cursor = end;
            placed = Some((table.rows - 1, col, rowspan, colspan));
            self.made += 1;
        }
        table.cell = Some(OpenCell {
            at: pos,
            placed,
            line,
            sink: Sink::default(),
        });
        Ok(())
    }

    fn end_cell(&mut self) {
        let Some(table) = self.tables.last_mut() else {
            return;
        };
        let Some(mut cell) = table.cell.take() else {
            return;
        };
        self.made += u64::from(cell.sink.flush());
        if let Some((row, col, rowspan, colspan)) = cell.placed {
            table.cells.push(DoneCell {
                row,
                col,
                rowspan,
                colspan,
                line: cell.line,
                sink: cell.sink,
            });
        }
    }

    fn end_table(&mut self) {
        let Some(mut table) = self.tables.pop() else {
            return;
        };
        table.end_group();
        if table.hidden {
            return;
        }
        self.made += u64::from(table.foster.flush());
        let had_cells = !table.cells.is_empty();
        let layout = table.columns <= 1 || table.cells.iter().any(|c| c.sink.holds_table);
        let mut blocks = std::mem::take(&mut table.foster.blocks);
        if layout {
            for cell in table.cells {
                blocks.extend(cell.sink.blocks);
            }
        } else if !table.cells.is_empty() {
            self.numbered += 1;
            let number = Some(self.numbered);
            let cells = table
                .cells
                .into_iter()
                .map(|cell| {
                    let lines: Vec<String> = cell
                        .sink
                        .blocks
                        .into_iter()
                        .filter_map(|b| match b {
                            ScannedBlock::Text { text, .. } => Some(text),
                            ScannedBlock::Table(_) => None,
                        })
                        .collect();
                    ScannedCell {
                        row: cell.row,
                        col: cell.col,
                        rowspan: cell.rowspan,
                        colspan: cell.colspan,
                        text: join_lines(&lines),
                        at: Place {
                            table: number,
                            row: Some(cell.row + 1),
                            col: Some(cell.col + 1),
                            line: Some(cell.line),
                            ..Place::default()
                        },
                    }
                })
                .collect();
            blocks.push(ScannedBlock::Table(ScannedTable {
                at: Place {
                    table: number,
                    line: Some(table.line),
                    ..Place::default()
                },
                cells,
            }));
        }
        self.flush();
        let sink = self.sink();
        sink.holds_table |= had_cells;
        sink.blocks.extend(blocks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(html: &str) -> Scanned {
        scan_html(html.as_bytes(), "t.html").unwrap()
    }

    /// The texts of the blocks, a table as `[table N: (row,col,rowspan,colspan,text) …]`.
    fn texts(html: &str) -> Vec<String> {
        scan(html)
            .blocks
            .iter()
            .map(|b| match b {
                ScannedBlock::Text { text, .. } => text.clone(),
                ScannedBlock::Table(t) => {
                    let cells: Vec<String> = t
                        .cells
                        .iter()
                        .map(|c| {
                            format!(
                                "({},{},{},{},{})",
                                c.row, c.col, c.rowspan, c.colspan, c.text
                            )
                        })
                        .collect();
                    format!("[table {}: {}]", t.at.table.unwrap(), cells.join(" "))
                }
            })
            .collect()
    }

    #[test]
    fn the_tag_table_is_sorted_for_its_search() {
        assert!(TAGS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(class("td"), Class::Element(Kind::Cell));
        assert_eq!(class("o:p"), Class::Element(Kind::Phrasing));
        assert_eq!(class("xmp"), Class::RawText);
    }

    #[test]
    fn references_are_decoded_as_the_spec_decodes_them() {
        let decoded = |s: &str| {
            let mut out = String::new();
            push_decoded(&mut out, s);
            out
        };
        assert_eq!(decoded("a&nbsp;b&amp;c&lt;d&gt;"), "a\u{A0}b&c<d>");
        assert_eq!(decoded("&#20013;&#x56FD;&#X6587;"), "中国文");
        assert_eq!(
            decoded("&#128;&#0;&#1114112;&#99999999999999;"),
            "€\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(decoded("&copy 2025 &ldquo;x&rdquo;"), "© 2025 “x”");
        // Without their `;` only the legacy names count.
        assert_eq!(decoded("&ldquo x &amp y"), "&ldquo x & y");
        assert_eq!(decoded("&unknown; & &# &#x; a&"), "&unknown; & &# &#x; a&");
    }

    #[test]
    fn text_is_collapsed_as_a_reader_sees_it() {
        assert_eq!(normalize("  a \t b\n  c  "), "a b c");
        assert_eq!(normalize("中 文\u{3000}字\u{A0}符"), "中文字符");
        // A line break beside a Chinese character is Word's source wrapping; a space typed
        // between Chinese and Latin stays.
        assert_eq!(
            normalize("申请\r\n3119\n件，共 5 件"),
            "申请3119件，共 5 件"
        );
        assert_eq!(normalize("Room\n101"), "Room 101");
        assert_eq!(normalize("监督” 和“涉密"), "监督” 和“涉密");
        assert_eq!(normalize("a\u{200B}b\u{FEFF}c\u{AD}d\u{7}"), "abcd");
        assert_eq!(join_lines(&["商业".into(), "企业".into()]), "商业企业");
        assert_eq!(join_lines(&["Room".into(), "101".into()]), "Room 101");
    }

    #[test]
    fn attributes_are_read_as_the_tokenizer_reads_them() {
        assert_eq!(span_value(b" 3px"), Some(3));
        assert_eq!(span_value(b"+2"), Some(2));
        assert_eq!(span_value(b"x"), None);
        assert_eq!(span_value(b"99999999999999999999999999"), Some(u64::MAX));
        assert!(display_none(b"color:red; DISPLAY : NONE !important"));
        assert!(!display_none(b"display:nonesuch"));
        assert!(!display_none(b"xdisplay:none"));
        let mut seen = Vec::new();
        let tag = br#" a=1 b = "2>" c='x"y' d e=f/ g>rest"#;
        let end = tag_attributes(tag, 0, |n, v| seen.push((n.to_vec(), v.to_vec())));
        assert_eq!(&tag[end.unwrap()..], b"rest");
        let seen: Vec<(&[u8], &[u8])> = seen.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        let want: [(&[u8], &[u8]); 6] = [
            (b"a", b"1"),
            (b"b", b"2>"),
            (b"c", b"x\"y"),
            (b"d", b""),
            (b"e", b"f/"),
            (b"g", b""),
        ];
        assert_eq!(seen, want);
        assert_eq!(tag_attributes(b" a=\"unclosed>", 0, |_, _| {}), None);
    }

    #[test]
    fn the_declared_encoding_is_found_in_the_head() {
        let label = |head: &str| prescan(head.as_bytes()).map(|e| e.name());
        assert_eq!(label("<meta charset=gb2312>"), Some("GBK"));
        assert_eq!(label("<META CHARSET='GB18030'/>"), Some("gb18030"));
        assert_eq!(
            label(r#"<meta http-equiv="Content-Type" content="text/html; charset=gbk">"#),
            Some("GBK")
        );
        assert_eq!(
            label(r#"<meta content='text/html;charset="utf-8"' http-equiv=content-type>"#),
            Some("UTF-8")
        );
        // Not in a comment, not without http-equiv, not a label nobody knows.
        assert_eq!(label("<!-- <meta charset=gbk> --><p>"), None);
        assert_eq!(label("<meta content='text/html; charset=gbk'>"), None);
        assert_eq!(
            label("<meta charset=klingon><meta charset=gbk>"),
            Some("GBK")
        );
    }

    #[test]
    fn unclosed_elements_close_where_the_parser_closes_them() {
        assert_eq!(texts("<p>a<p>b<div>c</div>d"), ["a", "b", "c", "d"]);
        assert_eq!(texts("<ul><li>x<li>y</ul>z"), ["x", "y", "z"]);
        assert_eq!(texts("<h1>t<h2>u</h1>v"), ["t", "u", "v"]);
        // An inline element closed across a block leaves the block whole.
        assert_eq!(texts("<b>a<p>b</b>c</p>"), ["a", "bc"]);
        // Stray end tags, `</br>`, and content after `</html>`.
        assert_eq!(texts("a</p>b</br>c</span>d</html>e"), ["a", "b", "cde"]);
        assert_eq!(
            texts("<p>行一<br>行二<br/><br>行三"),
            ["行一", "行二", "行三"]
        );
    }

    #[test]
    fn markup_that_shows_nothing_is_skipped() {
        let html = "<!DOCTYPE html><?xml:namespace prefix = o ?><TITLE>题</TITLE>\
            <script>document.write('<p>x</p>')</SCRIPT ><style>p{}</style>\
            <!-- a -- b --><!-->一<!--->二<![if !supportLists]>1.<![endif]>三\
            <textarea><p>不</p></textarea><noscript>无</noscript>1 < 2 </ x>a<b>b";
        assert_eq!(texts(html), ["一二1.三1 < 2 ab"]);
        assert_eq!(texts("<p>ok<span title=\"x"), ["ok"]);
        assert_eq!(texts("<p>ok<!-- unclosed <p>no"), ["ok"]);
        assert_eq!(texts("<p>ok<script>unclosed"), ["ok"]);
    }

    #[test]
    fn what_is_hidden_or_page_furniture_is_dropped() {
        let html = "<header>站名</header><nav>首页</nav><div role=navigation>栏目</div>\
            <article><header><h1>标题</h1></header><p>正文<span hidden>藏</span>\
            <span style='display: none'>也<b>藏</b></span>续</p><footer>作者</footer></article>\
            <div hidden><p>藏</div><select><option>选项</select><footer>版权</footer>";
        assert_eq!(texts(html), ["标题", "正文续", "作者"]);
        let html = "<table style=display:none><tr><td>a<td>b</table>\
            <table><tr><td>c<td style=display:none>藏<td>d</tr>\
            <tr hidden><td>e<td>f</tr><tr><td>g<td>h</table>";
        assert_eq!(
            texts(html),
            ["[table 1: (0,0,1,1,c) (0,1,1,1,d) (1,0,1,1,g) (1,1,1,1,h)]"]
        );
    }

    #[test]
    fn cells_are_placed_on_the_grid_as_in_a_browser() {
        let html = "<table><tr><td rowspan=2>a<td>b<td rowspan=3>c\
            <tr><td>d<tr><td>e<td>f<td>g</table>";
        assert_eq!(
            texts(html),
            [
                "[table 1: (0,0,2,1,a) (0,1,1,1,b) (0,2,3,1,c) (1,1,1,1,d) (2,0,1,1,e) (2,1,1,1,f) (2,3,1,1,g)]"
            ]
        );
        // A cell's paragraphs and lines are one text; spans of 0 or nonsense are 1.
        let html = "<TABLE><TR><TD COLSPAN = \"0\"><p>商业</p><p>企业</p>\
            <TD colspan=x>Room<br>101</TD></TR></TABLE>";
        assert_eq!(
            texts(html),
            ["[table 1: (0,0,1,1,商业企业) (0,1,1,1,Room 101)]"]
        );
    }

    #[test]
    fn text_outside_cells_and_captions_come_before_the_table() {
        let html = "<table><caption>表一</caption><tr>漏<td>a<td>b</table>后";
        assert_eq!(
            texts(html),
            ["表一", "漏", "[table 1: (0,0,1,1,a) (0,1,1,1,b)]", "后"]
        );
    }

    #[test]
    fn a_table_holding_tables_or_of_one_column_is_layout() {
        let html = "<table><tr><td><p>栏目</p><table><tr><td>1<td>2</table>\
            <td>正文</table><table><tr><td>框里的标题</td></tr></table>";
        assert_eq!(
            texts(html),
            [
                "栏目",
                "[table 1: (0,0,1,1,1) (0,1,1,1,2)]",
                "正文",
                "框里的标题"
            ]
        );
        // A table where only rows may stand ends the open table: two data tables.
        let html = "<table><tr><td>a<td>b</td></tr><table><tr><td>c<td>d</table>";
        assert_eq!(
            texts(html),
            [
                "[table 1: (0,0,1,1,a) (0,1,1,1,b)]",
                "[table 2: (0,0,1,1,c) (0,1,1,1,d)]"
            ]
        );
    }

    #[test]
    fn places_name_the_line_where_a_block_or_cell_begins() {
        let html =
            "<p>\r\n  \r\n第三行</p>\r<p>第四行<br>\n第五行\n<table>\n<tr><td>a\n<td>\nb</table>";
        let scanned = scan(html);
        let lines: Vec<Option<usize>> = scanned
            .blocks
            .iter()
            .map(|b| match b {
                ScannedBlock::Text { at, .. } => at.line,
                ScannedBlock::Table(t) => t.at.line,
            })
            .collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5), Some(6)]);
        let ScannedBlock::Table(t) = &scanned.blocks[3] else {
            panic!("a table");
        };
        let cells: Vec<Place> = t.cells.iter().map(|c| c.at).collect();
        let place = |col, line| Place {
            table: Some(1),
            row: Some(1),
            col: Some(col),
            line: Some(line),
            page: None,
        };
        assert_eq!(cells, [place(1, 7), place(2, 8)]);
    }
}
