//! Fonts of a PDF as the text layer needs them: how a shown string splits into character codes,
//! what each code means in Unicode, and how far it advances.
//!
//! ToUnicode CMaps are parsed here rather than by lopdf: lopdf's parser expands every
//! `bfrange` into a reverse map entry by entry, so one line `<00000000> <FFFFFFFF> <0000>` would
//! take billions of steps. Here a range stays a range and is found by binary search.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::Budget;
use crate::diag::Diagnostic;

/// A code's meaning: its Unicode text (`None` when the font does not say) and its advance in
/// text space units (glyph units already scaled, so 0.5 for a half-em glyph).
pub(super) struct Code<'a> {
    pub text: Option<&'a str>,
    pub advance: f64,
    /// A single-byte code 32, the only code word spacing applies to.
    pub space: bool,
}

pub(super) struct Font {
    /// Byte ranges of the codes (from the encoding CMap); empty: every code has `default_len`.
    codespace: Vec<(Vec<u8>, Vec<u8>)>,
    default_len: usize,
    /// Identity-V and other vertical CMaps: glyphs advance downwards.
    pub vertical: bool,
    to_unicode: Option<CMap>,
    fallback: Fallback,
    widths: Widths,
    /// Glyph space to text space: 1/1000, or a Type3 font's FontMatrix.
    scale: f64,
    /// Decoded texts, so a code's text can be lent out.
    texts: HashMap<(u8, u32), Option<String>>,
}

enum Fallback {
    None,
    /// UniGB-UCS2-H, UniGB-UTF16-H: the code is UTF-16.
    Utf16,
    /// GBK-EUC-H and its kin: the code is GBK (GB 18030) bytes.
    Gbk,
    /// A simple font's encoding, code by code.
    Table(Box<[Option<String>]>),
}

enum Widths {
    Simple {
        first: u32,
        widths: Vec<f64>,
        missing: f64,
    },
    /// Sorted `(first, last, width)` ranges of a CIDFont's `W` array.
    Cid {
        default: f64,
        ranges: Vec<(u32, u32, f64)>,
    },
}

fn num(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64).filter(|r| r.is_finite()),
        _ => None,
    }
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    doc.dereference(object).map(|(_, o)| o).unwrap_or(object)
}

fn dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, object) {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().map(|o| deref(doc, o))
}

/// A simple font's `/Encoding` lopdf can read without touching its ToUnicode: a standard
/// encoding's name, or a dictionary of `Differences` over one (or over none).
fn standard_encoding(doc: &Document, encoding: &Object) -> bool {
    let standard = |name: &[u8]| {
        matches!(
            name,
            b"WinAnsiEncoding" | b"MacRomanEncoding" | b"StandardEncoding" | b"MacExpertEncoding"
        )
    };
    match encoding {
        Object::Name(name) => standard(name),
        Object::Dictionary(d) => match get(doc, d, b"BaseEncoding") {
            None => true,
            Some(Object::Name(name)) => standard(name),
            Some(_) => false,
        },
        _ => false,
    }
}

impl Font {
    /// Reads a font dictionary. Anything it cannot understand falls back to something that
    /// still places glyphs (a width of half an em, no Unicode), so that one odd font does not
    /// lose the page; only a limit is an error.
    pub fn read(
        doc: &Document,
        font: &Dictionary,
        budget: &mut Budget,
    ) -> Result<Font, Diagnostic> {
        let subtype = get(doc, font, b"Subtype").and_then(|o| o.as_name().ok());
        let to_unicode = match get(doc, font, b"ToUnicode") {
            Some(Object::Stream(s)) => match budget.inflate(s, "ToUnicode")? {
                Some(data) => Some(budget.cmap(&data)?),
                None => None,
            },
            _ => None,
        };
        if subtype == Some(b"Type0") {
            Self::composite(doc, font, to_unicode, budget)
        } else {
            Ok(Self::simple(
                doc,
                font,
                to_unicode,
                subtype == Some(b"Type3"),
            ))
        }
    }

    fn composite(
        doc: &Document,
        font: &Dictionary,
        to_unicode: Option<CMap>,
        budget: &mut Budget,
    ) -> Result<Font, Diagnostic> {
        let mut codespace = Vec::new();
        let mut vertical = false;
        let mut fallback = Fallback::None;
        match get(doc, font, b"Encoding") {
            Some(Object::Name(name)) => {
                vertical = name.ends_with(b"-V");
                if name.starts_with(b"UniGB-UCS2") || name.starts_with(b"UniGB-UTF16") {
                    fallback = Fallback::Utf16;
                } else if name.starts_with(b"GBK")
                    || name.starts_with(b"GBpc")
                    || name.starts_with(b"GB-")
                {
                    fallback = Fallback::Gbk;
                    // One byte below 0x80, two from 0x81.
                    codespace.push((vec![0x00], vec![0x80]));
                    codespace.push((vec![0x81, 0x40], vec![0xfe, 0xfe]));
                }
            }
            Some(Object::Stream(s)) => {
                if let Some(data) = budget.inflate(s, "CMap")? {
                    codespace = budget.cmap(&data)?.codespace;
                    vertical = matches!(s.dict.get(b"WMode"), Ok(Object::Integer(1)));
                }
            }
            _ => {}
        }
        let descendant = get(doc, font, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| dict(doc, o));
        let mut default = 1000.0;
        let mut ranges = Vec::new();
        if let Some(cid) = descendant {
            if let Some(dw) = get(doc, cid, b"DW").and_then(num) {
                default = dw;
            }
            if let Some(Object::Array(w)) = get(doc, cid, b"W") {
                let mut i = 0;
                while i + 1 < w.len() {
                    let Some(first) = num(deref(doc, &w[i])) else {
                        break;
                    };
                    let first = first.max(0.0) as u32;
                    match deref(doc, &w[i + 1]) {
                        Object::Array(list) => {
                            for (k, width) in list.iter().enumerate() {
                                if let Some(width) = num(deref(doc, width)) {
                                    let cid = first.saturating_add(k as u32);
                                    ranges.push((cid, cid, width));
                                }
                            }
                            i += 2;
                        }
                        other => {
                            let (Some(last), Some(width)) =
                                (num(other), w.get(i + 2).and_then(|o| num(deref(doc, o))))
                            else {
                                break;
                            };
                            ranges.push((first, last.max(0.0) as u32, width));
                            i += 3;
                        }
                    }
                }
            }
        }
        ranges.sort_by_key(|r| (r.0, r.1));
        Ok(Font {
            codespace,
            default_len: 2,
            vertical,
            to_unicode,
            fallback,
            widths: Widths::Cid { default, ranges },
            scale: 0.001,
            texts: HashMap::new(),
        })
    }

    fn simple(doc: &Document, font: &Dictionary, to_unicode: Option<CMap>, type3: bool) -> Font {
        let first = get(doc, font, b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0)
            .max(0.0) as u32;
        let widths = match get(doc, font, b"Widths") {
            Some(Object::Array(w)) => w
                .iter()
                .map(|o| num(deref(doc, o)).unwrap_or(0.0))
                .collect(),
            _ => Vec::new(),
        };
        let missing = get(doc, font, b"FontDescriptor")
            .and_then(|o| dict(doc, o))
            .and_then(|d| get(doc, d, b"MissingWidth"))
            .and_then(num)
            .filter(|w| *w > 0.0)
            // The standard 14 fonts come without widths: half an em is near enough to keep
            // the words of a line apart.
            .unwrap_or(if widths.is_empty() { 500.0 } else { 0.0 });
        let scale = if type3 {
            match get(doc, font, b"FontMatrix") {
                Some(Object::Array(m)) => m.first().and_then(num).unwrap_or(0.001),
                _ => 0.001,
            }
        } else {
            0.001
        };
        // lopdf knows the standard encodings and `Differences`; it is asked only about those,
        // since for any other it would parse the font's ToUnicode itself (see the module doc).
        let fallback = match font.get(b"Encoding").map(|e| deref(doc, e)) {
            Ok(encoding) if standard_encoding(doc, encoding) => match font.get_font_encoding(doc) {
                Ok(enc) => Fallback::Table(
                    (0..=255u8)
                        .map(|b| enc.bytes_to_string(&[b]).ok().filter(|s| !s.is_empty()))
                        .collect(),
                ),
                Err(_) => Fallback::None,
            },
            _ => Fallback::Table(
                (0..=255u8)
                    .map(|b| (b.is_ascii_graphic() || b == b' ').then(|| (b as char).to_string()))
                    .collect(),
            ),
        };
        Font {
            codespace: Vec::new(),
            default_len: 1,
            vertical: false,
            to_unicode,
            fallback,
            widths: Widths::Simple {
                first,
                widths,
                missing,
            },
            scale,
            texts: HashMap::new(),
        }
    }

    /// The length of the code at the start of `bytes`.
    fn code_len(&self, bytes: &[u8]) -> usize {
        for len in 1..=4 {
            if bytes.len() < len {
                break;
            }
            let code = &bytes[..len];
            if self.codespace.iter().any(|(lo, hi)| {
                lo.len() == len
                    && code
                        .iter()
                        .zip(lo)
                        .zip(hi)
                        .all(|((b, l), h)| l <= b && b <= h)
            }) {
                return len;
            }
        }
        self.default_len.min(bytes.len()).max(1)
    }

    fn advance(&self, code: u32) -> f64 {
        let w = match &self.widths {
            Widths::Simple {
                first,
                widths,
                missing,
            } => code
                .checked_sub(*first)
                .and_then(|i| widths.get(i as usize))
                .copied()
                .unwrap_or(*missing),
            Widths::Cid { default, ranges } => {
                // Identity CMaps: the code is the CID.
                let at = ranges.partition_point(|r| r.0 <= code);
                match at.checked_sub(1).map(|i| ranges[i]) {
                    Some((_, last, w)) if code <= last => w,
                    _ => *default,
                }
            }
        };
        w * self.scale
    }

    fn unicode(&self, code: u32, len: usize, bytes: &[u8]) -> Option<String> {
        if let Some(text) = self.to_unicode.as_ref().and_then(|m| m.get(code, len)) {
            return Some(text);
        }
        match &self.fallback {
            Fallback::None => None,
            Fallback::Utf16 => {
                let units: Vec<u16> = bytes
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                    .collect();
                Some(String::from_utf16_lossy(&units))
            }
            Fallback::Gbk => {
                let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
                (!bad).then(|| text.into_owned())
            }
            Fallback::Table(table) => table.get(code as usize).cloned().flatten(),
        }
    }

    /// Splits a shown string into its codes and calls `each` with every code's meaning.
    pub fn codes(&mut self, bytes: &[u8], mut each: impl FnMut(Code<'_>)) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let len = self.code_len(rest);
            let (code_bytes, after) = rest.split_at(len);
            rest = after;
            let code = code_bytes.iter().fold(0u32, |c, b| (c << 8) | *b as u32);
            let key = (len as u8, code);
            if !self.texts.contains_key(&key) {
                let text = self.unicode(code, len, code_bytes);
                self.texts.insert(key, text);
            }
            each(Code {
                text: self.texts.get(&key).and_then(|t| t.as_deref()),
                advance: self.advance(code),
                space: len == 1 && code == 32,
            });
        }
    }
}

/// A CMap's code space and its mappings to Unicode (ToUnicode), as ranges.
#[derive(Default)]
pub(super) struct CMap {
    codespace: Vec<(Vec<u8>, Vec<u8>)>,
    chars: HashMap<(u8, u32), String>,
    /// Sorted by `(len, lo)`.
    ranges: Vec<Range>,
    entries: u64,
}

struct Range {
    len: u8,
    lo: u32,
    hi: u32,
    to: Target,
}

enum Target {
    /// The first code's UTF-16; the last unit counts up along the range.
    Base(Vec<u16>),
    /// One text per code.
    Each(Vec<String>),
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Hex(Vec<u8>),
    Word(&'a [u8]),
    Open,
    Close,
}

/// The tokens of a CMap that matter here: hex strings, `[`, `]`, and words (operators,
/// numbers, names). Literal strings and comments are skipped.
fn tokens(data: &[u8]) -> impl Iterator<Item = Token<'_>> {
    let mut i = 0;
    std::iter::from_fn(move || {
        loop {
            while i < data.len() && (data[i].is_ascii_whitespace() || data[i] == 0) {
                i += 1;
            }
            let c = *data.get(i)?;
            match c {
                b'%' => {
                    while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                        i += 1;
                    }
                }
                b'<' if data.get(i + 1) == Some(&b'<') => i += 2,
                b'>' => i += 1,
                b'<' => {
                    i += 1;
                    let mut digits = Vec::new();
                    while i < data.len() && data[i] != b'>' {
                        if let Some(d) = (data[i] as char).to_digit(16) {
                            digits.push(d as u8);
                        }
                        i += 1;
                    }
                    i += 1;
                    if digits.len() % 2 == 1 {
                        digits.push(0);
                    }
                    return Some(Token::Hex(
                        digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect(),
                    ));
                }
                b'[' => {
                    i += 1;
                    return Some(Token::Open);
                }
                b']' => {
                    i += 1;
                    return Some(Token::Close);
                }
                b'(' => {
                    // A literal string (a CMap name or registry): skipped, nesting and escapes
                    // followed.
                    let mut depth = 0usize;
                    while i < data.len() {
                        match data[i] {
                            b'\\' => i += 1,
                            b'(' => depth += 1,
                            b')' => {
                                depth -= 1;
                                if depth == 0 {
                                    i += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                }
                _ => {
                    let start = i;
                    i += 1;
                    while i < data.len()
                        && !data[i].is_ascii_whitespace()
                        && !b"<>[]()%/{}".contains(&data[i])
                    {
                        i += 1;
                    }
                    return Some(Token::Word(&data[start..i]));
                }
            }
        }
    })
}

fn be(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |c, b| (c << 8) | *b as u32)
}

fn utf16(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect()
}

impl CMap {
    /// Parses what it understands and skips the rest: a damaged CMap maps fewer codes.
    /// `None` if it has more than `entries` code space ranges, mappings, ranges and texts of
    /// ranges, counted as they are read.
    pub fn parse(data: &[u8], entries: u64) -> Option<CMap> {
        let mut cmap = CMap::default();
        let mut tokens = tokens(data).peekable();
        while let Some(token) = tokens.next() {
            let Token::Word(word) = token else { continue };
            match word {
                b"begincodespacerange" => {
                    while let Some(Token::Hex(lo)) = tokens.next() {
                        let Some(Token::Hex(hi)) = tokens.next() else {
                            break;
                        };
                        if lo.len() == hi.len() && (1..=4).contains(&lo.len()) {
                            cmap.codespace.push((lo, hi));
                            cmap.entries += 1;
                        }
                        if cmap.entries > entries {
                            return None;
                        }
                    }
                }
                b"beginbfchar" => {
                    while let Some(Token::Hex(src)) = tokens.next() {
                        let Some(Token::Hex(dst)) = tokens.next() else {
                            break;
                        };
                        if (1..=4).contains(&src.len()) {
                            let text = String::from_utf16_lossy(&utf16(&dst));
                            cmap.chars.insert((src.len() as u8, be(&src)), text);
                            cmap.entries += 1;
                        }
                        if cmap.entries > entries {
                            return None;
                        }
                    }
                }
                b"beginbfrange" => {
                    while let Some(Token::Hex(lo)) = tokens.next() {
                        let Some(Token::Hex(hi)) = tokens.next() else {
                            break;
                        };
                        let to = match tokens.next() {
                            Some(Token::Hex(dst)) => Target::Base(utf16(&dst)),
                            Some(Token::Open) => {
                                let mut each = Vec::new();
                                while let Some(Token::Hex(dst)) = tokens.peek() {
                                    each.push(String::from_utf16_lossy(&utf16(dst)));
                                    tokens.next();
                                    cmap.entries += 1;
                                    if cmap.entries > entries {
                                        return None;
                                    }
                                }
                                if tokens.peek() == Some(&Token::Close) {
                                    tokens.next();
                                }
                                Target::Each(each)
                            }
                            _ => break,
                        };
                        if lo.len() == hi.len() && (1..=4).contains(&lo.len()) && be(&lo) <= be(&hi)
                        {
                            cmap.ranges.push(Range {
                                len: lo.len() as u8,
                                lo: be(&lo),
                                hi: be(&hi),
                                to,
                            });
                            cmap.entries += 1;
                        }
                        if cmap.entries > entries {
                            return None;
                        }
                    }
                }
                _ => {}
            }
        }
        cmap.ranges.sort_by_key(|r| (r.len, r.lo));
        Some(cmap)
    }

    /// Code space ranges, mappings, ranges and the texts of ranges read.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    fn get(&self, code: u32, len: usize) -> Option<String> {
        let len = len as u8;
        if let Some(text) = self.chars.get(&(len, code)) {
            return Some(text.clone());
        }
        let at = self
            .ranges
            .partition_point(|r| (r.len, r.lo) <= (len, code));
        let range = &self.ranges[at.checked_sub(1)?];
        if range.len != len || code > range.hi {
            return None;
        }
        let offset = code - range.lo;
        match &range.to {
            Target::Base(units) => {
                let mut units = units.clone();
                let last = units.last_mut()?;
                *last = last.wrapping_add(offset as u16);
                Some(String::from_utf16_lossy(&units))
            }
            Target::Each(each) => each.get(offset as usize).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_ranges_stay_ranges() {
        let cmap = CMap::parse(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
            1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar <0003> <0020> <0e85> <6DEE> endbfchar
            2 beginbfrange <0010> <0019> <0030> <0100> <0102> [<4E00> <D840DC00> <0041>]
            <00000000> <FFFFFFFF> <0041> endbfrange
            endcmap",
            100,
        )
        .unwrap();
        assert_eq!(cmap.codespace, vec![(vec![0, 0], vec![0xff, 0xff])]);
        assert_eq!(cmap.get(0x0e85, 2).as_deref(), Some("淮"));
        assert_eq!(cmap.get(0x0013, 2).as_deref(), Some("3"));
        assert_eq!(cmap.get(0x0101, 2).as_deref(), Some("\u{20000}"));
        assert_eq!(cmap.get(0x0103, 2), None);
        // The four-byte range covers every four-byte code without being expanded.
        assert_eq!(cmap.get(0x0000_0001, 4).as_deref(), Some("B"));
        assert_eq!(cmap.get(0x0e85, 1), None);
        assert_eq!(cmap.entries(), 9);
        let many = b"beginbfchar <01> <0041> <02> <0042> <03> <0043> endbfchar";
        assert!(CMap::parse(many, 3).is_some());
        assert!(CMap::parse(many, 2).is_none());
    }
}
