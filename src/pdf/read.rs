//! Reads back the embedded files of a PDF this program wrote.
//!
//! Not a general PDF parser: it follows the structure krilla writes (a classic cross-reference
//! table, direct stream lengths, the `EmbeddedFiles` name tree in the catalog). A file rewritten
//! by another program may not be readable here, and that is reported as such.
//!
//! The file may be anyone's, so every count it states is checked against `limits.rs` before
//! anything is sized by it, and streams are inflated through a capped reader.

use std::io::Read;

use crate::diag::{Diagnostic, Rule};
use crate::limits;

fn damaged(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Rule::Unreadable, message)
}

/// The embedded files: `(name, bytes)`, in the order of the name tree.
pub fn read_attachments(pdf: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(damaged("不是 PDF 文件"));
    }
    let xref = Xref::read(pdf)?;
    let names_at = find(pdf, b"/EmbeddedFiles<</Names[", 0).ok_or_else(|| {
        damaged("文件里没有内嵌文件（不是 nianbao 生成的存档文件，或用 --pdfa=2b 生成）")
    })?;
    let names = &pdf[names_at + b"/EmbeddedFiles<</Names[".len()..];
    // Counted before any is read: each entry may name the same large stream again.
    let count = name_entries(names).count();
    if count as u64 > limits::EMBEDDED_FILES {
        return Err(limits::too_many_embedded_files(count));
    }
    let mut files = Vec::new();
    for entry in name_entries(names) {
        let (name, spec) = entry?;
        let spec = xref.object(pdf, spec)?;
        let ef = find(spec, b"/EF<</F ", 0).ok_or_else(|| damaged("内嵌文件说明已损坏"))?;
        let (stream, _) = reference(&spec[ef + b"/EF<</F ".len()..])
            .ok_or_else(|| damaged("内嵌文件说明已损坏"))?;
        let data = stream_data(xref.object(pdf, stream)?, &name)?;
        files.push((name, data));
    }
    Ok(files)
}

/// The entries of the name tree's `Names` array, `(name, object)`, up to its `]`.
fn name_entries(mut rest: &[u8]) -> impl Iterator<Item = Result<(String, usize), Diagnostic>> {
    let mut failed = false;
    std::iter::from_fn(move || {
        rest = trim(rest);
        if failed || rest.first() == Some(&b']') {
            return None;
        }
        let entry = literal(rest).and_then(|(name, after)| {
            let (spec, after) = reference(trim(after))?;
            Some((name, spec, after))
        });
        match entry {
            Some((name, spec, after)) => {
                rest = after;
                Some(Ok((name, spec)))
            }
            None => {
                failed = true;
                Some(Err(damaged("内嵌文件目录已损坏")))
            }
        }
    })
}

/// Object offsets from the cross-reference table.
struct Xref(Vec<usize>);

impl Xref {
    fn read(pdf: &[u8]) -> Result<Xref, Diagnostic> {
        let damaged = || damaged("PDF 的交叉引用表已损坏");
        let tail = &pdf[pdf.len().saturating_sub(64)..];
        let at = rfind(tail, b"startxref").ok_or_else(damaged)?;
        let mut offset: usize = number(trim(&tail[at + b"startxref".len()..]))
            .ok_or_else(damaged)?
            .0;
        // A signed file (`nianbao sign`) ends with updates whose sections list only the
        // objects they changed; the embedded files are in the table krilla wrote, which is
        // the first one, found through `/Prev`.
        let mut sections = 0;
        let (count, rest) = loop {
            sections += 1;
            if sections > limits::PDF_XREF_SECTIONS {
                return Err(damaged());
            }
            let table = pdf.get(offset..).ok_or_else(damaged)?;
            let table = table.strip_prefix(b"xref").ok_or_else(damaged)?;
            let (first, rest) = number(trim(table)).ok_or_else(damaged)?;
            let (count, rest) = number(trim(rest)).ok_or_else(damaged)?;
            if first == 0 {
                break (count, rest);
            }
            let trailer = find(table, b"trailer", 0).ok_or_else(damaged)?;
            let prev = find(&table[trailer..], b"/Prev ", 0).ok_or_else(damaged)?;
            let after = &table[trailer + prev + b"/Prev ".len()..];
            let previous = number(trim(after)).ok_or_else(damaged)?.0;
            if previous >= offset {
                return Err(damaged());
            }
            offset = previous;
        };
        if count as u64 > limits::PDF_OBJECTS {
            return Err(limits::error(
                "PDF 的对象数",
                "pdf_objects",
                format!("{} 个", limits::PDF_OBJECTS),
                format!("的交叉引用表有 {count} 项"),
            ));
        }
        let mut rest = trim(rest);
        // Twenty bytes an entry: a table the file cannot hold is damaged, whatever it claims.
        if rest.len() / 20 < count {
            return Err(damaged());
        }
        let mut offsets = Vec::with_capacity(count);
        for _ in 0..count {
            let entry = rest.get(..20).ok_or_else(damaged)?;
            offsets.push(number(entry).ok_or_else(damaged)?.0);
            rest = &rest[20..];
        }
        Ok(Xref(offsets))
    }

    /// The text of object `n` from `n 0 obj` to `endobj`.
    fn object<'p>(&self, pdf: &'p [u8], n: usize) -> Result<&'p [u8], Diagnostic> {
        let damaged = || damaged(format!("PDF 的第 {n} 号对象已损坏"));
        let start = *self.0.get(n).ok_or_else(damaged)?;
        let body = pdf.get(start..).ok_or_else(damaged)?;
        let header = format!("{n} 0 obj");
        let body = body.strip_prefix(header.as_bytes()).ok_or_else(damaged)?;
        Ok(body)
    }
}

/// The data of a stream object, inflated if it is compressed, refused past
/// [`limits::EMBEDDED_FILE_BYTES`]. `name` is the embedded file's, for messages.
fn stream_data(object: &[u8], name: &str) -> Result<Vec<u8>, Diagnostic> {
    let damaged = || damaged(format!("内嵌的 {name} 已损坏"));
    let limit = limits::EMBEDDED_FILE_BYTES;
    let too_large = |found: &str| limits::embedded_file_too_large(name, found);
    let dict_end = find(object, b">>\nstream", 0).ok_or_else(damaged)?;
    let dict = &object[..dict_end];
    let length_at = find(dict, b"/Length ", 0).ok_or_else(damaged)?;
    let (length, _) = number(&dict[length_at + b"/Length ".len()..]).ok_or_else(damaged)?;
    let after_keyword = &object[dict_end + b">>\nstream".len()..];
    let body = after_keyword
        .strip_prefix(b"\r\n")
        .or_else(|| after_keyword.strip_prefix(b"\n"))
        .ok_or_else(damaged)?;
    let (data, tail) = (body.get(..length).ok_or_else(damaged)?, &body[length..]);
    if !trim(tail).starts_with(b"endstream") {
        return Err(damaged());
    }
    if find(dict, b"/FlateDecode", 0).is_some() {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|_| damaged())?;
        if out.len() as u64 > limit {
            let over = format!("解压后超过 {}", limits::show_bytes(limit));
            return Err(too_large(&over));
        }
        return Ok(out);
    }
    if data.len() as u64 > limit {
        let size = format!("有 {}", limits::show_bytes(data.len() as u64));
        return Err(too_large(&size));
    }
    Ok(data.to_vec())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[start..]
}

/// A decimal number at the start of `s`, and what follows it.
fn number(s: &[u8]) -> Option<(usize, &[u8])> {
    let end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    let n = std::str::from_utf8(&s[..end]).ok()?.parse().ok()?;
    Some((n, &s[end..]))
}

/// `12 0 R` at the start of `s`: the object number, and what follows.
fn reference(s: &[u8]) -> Option<(usize, &[u8])> {
    let (n, rest) = number(s)?;
    let rest = trim(rest).strip_prefix(b"0")?;
    let rest = trim(rest).strip_prefix(b"R")?;
    Some((n, rest))
}

/// A literal string `(…)` at the start of `s` (escapes `\(`, `\)`, `\\`), and what follows.
fn literal(s: &[u8]) -> Option<(String, &[u8])> {
    let mut bytes = Vec::new();
    let mut i = 1;
    if s.first() != Some(&b'(') {
        return None;
    }
    loop {
        match *s.get(i)? {
            b'\\' => {
                bytes.push(*s.get(i + 1)?);
                i += 2;
            }
            b')' => return Some((String::from_utf8(bytes).ok()?, &s[i + 1..])),
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
}
