//! Zip containers made elsewhere (.docx, .xlsx), opened within the limits of `limits.rs`; and
//! [`pack_files`], the zip of files the filing server's export hands out.
//!
//! The zip index, the declared sizes and an XML part's `count` attributes are all the file's
//! word; none of them is trusted to size an allocation. The entry count the zip reader sizes
//! its index by is checked before the index is built, and every part is inflated through a
//! reader capped one byte past its limit, so that a part that inflates beyond it is refused
//! without ever being held.

use std::io::{self, Cursor, Read};

use zip::{CompressionMethod, ZipArchive};

use crate::diag::{Diagnostic, Rule};
use crate::limits::{self, show_bytes};

/// A zip container in memory.
pub type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// A limit on the inflated size of a part, as messages name it.
#[derive(Debug, Clone, Copy)]
pub struct PartLimit {
    pub bytes: u64,
    pub zh: &'static str,
    pub key: &'static str,
}

const PART_LIMIT: PartLimit = PartLimit {
    bytes: limits::ZIP_PART_BYTES,
    zh: "压缩包单个条目解压后的大小",
    key: "zip_part_bytes",
};

/// Opens a zip container, refusing one that declares more entries than
/// [`limits::ZIP_ENTRIES`] before the zip crate builds its index of them. `kind` names the
/// file in messages (`.docx`).
pub fn open<'a>(bytes: &'a [u8], kind: &str) -> Result<Zip<'a>, Diagnostic> {
    let damaged = |e: &dyn std::fmt::Display| {
        Diagnostic::error(Rule::Unreadable, format!("不是有效的 {kind} 文件（{e}）"))
    };
    if let Some(declared) = declared_zip64_entries(bytes)
        && declared > limits::ZIP_ENTRIES
    {
        return Err(too_many_entries(declared));
    }
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&e))?;
    if zip.len() as u64 > limits::ZIP_ENTRIES {
        return Err(too_many_entries(zip.len() as u64));
    }
    Ok(zip)
}

fn too_many_entries(entries: u64) -> Diagnostic {
    limits::error(
        "压缩包的条目数",
        "zip_entries",
        format!("{} 个", limits::ZIP_ENTRIES),
        format!("有 {entries} 个"),
    )
}

/// The largest entry count any zip64 end record of the file declares, if it has a zip64
/// locator (which is what makes the zip crate read one). A zip64 count is 64 bits wide and the
/// zip crate reserves room for that many entries; the 16-bit count of a plain zip bounds
/// itself. Every record the crate might settle on is counted, however it searches for them.
fn declared_zip64_entries(bytes: &[u8]) -> Option<u64> {
    let u64_at = |at: usize| {
        let b = bytes.get(at..at + 8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    };
    let has_locator = positions(bytes, b"PK\x06\x07")
        .any(|at| bytes.get(at + 20..at + 24) == Some(b"PK\x05\x06"));
    if !has_locator {
        return None;
    }
    positions(bytes, b"PK\x06\x06")
        .flat_map(|at| [u64_at(at + 24), u64_at(at + 32)])
        .flatten()
        .max()
}

fn positions<'a>(bytes: &'a [u8], needle: &'a [u8; 4]) -> impl Iterator<Item = usize> + 'a {
    bytes
        .windows(4)
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(at, _)| at)
}

/// Whether the zip crate can inflate an entry: nianbao reads stored and deflated parts, which
/// is what Word, Excel, WPS and LibreOffice write.
fn supported(method: CompressionMethod) -> bool {
    matches!(
        method,
        CompressionMethod::Stored | CompressionMethod::Deflated
    )
}

/// What is wrong with entry `index` before it is inflated: damage, encryption, an unsupported
/// method, or a declared size over `limit`. Gives the entry's name.
fn check_entry(zip: &mut Zip, index: usize, limit: PartLimit) -> Result<String, Diagnostic> {
    let entry = zip.by_index_raw(index).map_err(|e| {
        Diagnostic::error(
            Rule::Unreadable,
            format!("压缩包的第 {} 个条目已损坏（{e}）", index + 1),
        )
    })?;
    let name = entry.name().to_string();
    if entry.encrypted() {
        return Err(Diagnostic::error(
            Rule::Unreadable,
            format!("{name} 已加密，无法读取"),
        ));
    }
    let method = entry.compression();
    if !supported(method) {
        return Err(Diagnostic::error(
            Rule::Unreadable,
            format!("{name} 用的压缩方法 {method} 不受支持（只读不压缩或 Deflate 压缩的条目）"),
        )
        .hint("用 Word、Excel、WPS 或 LibreOffice 打开后重新保存"));
    }
    if entry.size() > limit.bytes {
        return Err(part_too_large(
            &name,
            format!("解压后有 {}", show_bytes(entry.size())),
            limit,
        ));
    }
    Ok(name)
}

fn part_too_large(name: &str, found: String, limit: PartLimit) -> Diagnostic {
    limits::error(
        limit.zh,
        limit.key,
        show_bytes(limit.bytes),
        format!("的 {name} {found}"),
    )
}

fn over(limit: PartLimit) -> String {
    format!("解压后超过 {}", show_bytes(limit.bytes))
}

fn unreadable(name: &str, e: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(Rule::Unreadable, format!("{name} 无法解压（{e}）"))
}

/// The inflated bytes of entry `name`, refused past `limit`: `Ok(None)` when there is no such
/// entry.
pub fn read_part(
    zip: &mut Zip,
    name: &str,
    limit: PartLimit,
) -> Result<Option<Vec<u8>>, Diagnostic> {
    let Some(index) = zip.index_for_name(name) else {
        return Ok(None);
    };
    check_entry(zip, index, limit)?;
    let entry = zip.by_index(index).map_err(|e| unreadable(name, &e))?;
    let mut bytes = Vec::new();
    entry
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(name, &e))?;
    if bytes.len() as u64 > limit.bytes {
        return Err(part_too_large(name, over(limit), limit));
    }
    Ok(Some(bytes))
}

/// Inflates every part once through capped readers, before a reader that trusts the container
/// (calamine) opens it: each part within [`limits::ZIP_PART_BYTES`], all of them within
/// [`limits::ZIP_TOTAL_BYTES`], and the XML parts that `held` says are kept in memory whole
/// within [`limits::XML_ELEMENTS`] elements together (and so is the count of shared strings
/// they declare, which calamine reserves room for). Returns how many elements were counted.
pub fn check_parts(zip: &mut Zip, held: impl Fn(&str) -> bool) -> Result<u64, Diagnostic> {
    let mut total = 0u64;
    let mut elements = 0u64;
    for index in 0..zip.len() {
        let name = check_entry(zip, index, PART_LIMIT)?;
        let entry = zip.by_index(index).map_err(|e| unreadable(&name, &e))?;
        let mut capped = Counted {
            inner: entry.take(limits::ZIP_PART_BYTES + 1),
            count: 0,
        };
        if held(&name) {
            elements += count_elements(&mut capped, limits::XML_ELEMENTS - elements)
                .map_err(|e| count_error(&name, e))?;
        }
        io::copy(&mut capped, &mut io::sink()).map_err(|e| unreadable(&name, &e))?;
        if capped.count > limits::ZIP_PART_BYTES {
            return Err(part_too_large(&name, over(PART_LIMIT), PART_LIMIT));
        }
        total += capped.count;
        if total > limits::ZIP_TOTAL_BYTES {
            return Err(limits::error(
                "压缩包解压后的总大小",
                "zip_total_bytes",
                show_bytes(limits::ZIP_TOTAL_BYTES),
                format!("解压到 {name} 时已超过"),
            ));
        }
    }
    Ok(elements)
}

/// Counts the elements of entry `index` as [`check_parts`] counts a held part, within
/// `budget`; for a part known to be held only once another part has been read.
pub fn count_part_elements(zip: &mut Zip, index: usize, budget: u64) -> Result<u64, Diagnostic> {
    let name = check_entry(zip, index, PART_LIMIT)?;
    let entry = zip.by_index(index).map_err(|e| unreadable(&name, &e))?;
    count_elements(&mut entry.take(limits::ZIP_PART_BYTES + 1), budget)
        .map_err(|e| count_error(&name, e))
}

/// The entry named `name` as readers that ignore case and take `\` for `/` find it.
pub fn find_loosely(zip: &Zip, name: &str) -> Option<usize> {
    let found = zip
        .file_names()
        .find(|n| n.replace('\\', "/").eq_ignore_ascii_case(name))?;
    zip.index_for_name(found)
}

/// The main part of an Office package (the workbook of an .xlsx), as its package
/// relationships (`_rels/.rels`) name it.
pub fn main_part(zip: &mut Zip) -> Option<String> {
    use quick_xml::events::Event;
    let index = find_loosely(zip, "_rels/.rels")?;
    let entry = zip.by_index(index).ok()?;
    let mut xml =
        quick_xml::Reader::from_reader(io::BufReader::new(entry.take(limits::ZIP_PART_BYTES)));
    let mut buf = Vec::new();
    let mut target = None;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let attr = |key: &str| {
                    e.attributes()
                        .with_checks(false)
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .map(|a| a.value.into_owned())
                };
                if attr("Type").is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                    target = attr("Target");
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    target.map(|t| t.trim_start_matches('/').to_string())
}

/// The elements, attributes, comments and processing instructions of a small part that a
/// tree parser will hold, counted in one pass that stops past `max`. Text is not counted: the
/// tree parser merges a run of text and character references into one node. Malformed XML is
/// an error, so that what the tree parser later reads is what was counted. The tree parser
/// checks each attribute against the others of its element, so their number must be bounded
/// before it runs.
pub fn count_xml_markup(bytes: &[u8], max: u64) -> Result<u64, String> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(bytes);
    let mut count = 0u64;
    loop {
        let event = xml.read_event().map_err(|e| e.to_string())?;
        count += match &event {
            Event::Eof => return Ok(count),
            Event::Start(e) | Event::Empty(e) => {
                1 + e.attributes().with_checks(false).count() as u64
            }
            Event::Comment(_) | Event::PI(_) | Event::CData(_) => 1,
            _ => 0,
        };
        if count > max {
            return Ok(count);
        }
    }
}

fn count_error(name: &str, e: Count) -> Diagnostic {
    match e {
        Count::Io(e) => unreadable(name, &e),
        Count::Over => limits::error(
            "工作簿常驻部分的 XML 元素数",
            "xml_elements",
            format!("{} 个", limits::XML_ELEMENTS),
            format!("读到 {name} 时已超过（或它声明的数目超过）"),
        ),
    }
}

/// A reader that counts what passes through it.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

enum Count {
    Io(io::Error),
    Over,
}

/// The elements of an XML part, refused past `max`; so is a `uniqueCount` attribute above it
/// (calamine reserves room for that many shared strings). Malformed XML ends the
/// count: the reader that trusts the file reports it better.
fn count_elements(reader: &mut impl Read, max: u64) -> Result<u64, Count> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(io::BufReader::new(reader));
    let mut buf = Vec::new();
    let mut count = 0u64;
    loop {
        buf.clear();
        let start = match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => e,
            Ok(Event::Eof) => return Ok(count),
            Ok(_) => continue,
            Err(quick_xml::Error::Io(e)) => {
                return Err(Count::Io(io::Error::new(e.kind(), e.to_string())));
            }
            Err(_) => return Ok(count),
        };
        count += 1;
        let declared = start.attributes().with_checks(false).flatten().any(|a| {
            a.key.local_name().as_ref() == "uniqueCount"
                && a.value.trim().parse::<u64>().is_ok_and(|n| n > max)
        });
        if count > max || declared {
            return Err(Count::Over);
        }
    }
}

/// Writes a zip of `entries` (the name within the zip, the file on disk) to `target`, each file
/// copied from disk as it is packed (never all held at once): PDFs and .docx files, compressed
/// already, are stored, the rest deflated. Entries carry no time, so the same files give the
/// same zip.
pub fn pack_files(
    target: &std::path::Path,
    entries: &[(String, std::path::PathBuf)],
) -> io::Result<()> {
    let file = std::fs::File::create(target)?;
    let mut zip = zip::ZipWriter::new(io::BufWriter::new(file));
    let base = zip::write::SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, path) in entries {
        let stored = [".pdf", ".docx"].iter().any(|ext| name.ends_with(ext));
        let method = if stored {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let options = base
            .compression_method(method)
            .large_file(std::fs::metadata(path)?.len() >= u64::from(u32::MAX));
        zip.start_file(name.as_str(), options)
            .map_err(io::Error::other)?;
        io::copy(&mut std::fs::File::open(path)?, &mut zip)?;
    }
    let mut out = zip.finish().map_err(io::Error::other)?;
    io::Write::flush(&mut out)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const TEST_LIMIT: PartLimit = PartLimit {
        bytes: 999,
        zh: "测试",
        key: "test_bytes",
    };

    #[test]
    fn a_part_is_read_within_its_limit_only() {
        let bytes = zip_of(&[("a.xml", &[b'a'; 1000])]);
        let mut zip = open(&bytes, ".docx").unwrap();
        assert_eq!(find_loosely(&zip, "A.XML"), Some(0));
        let roomy = PartLimit {
            bytes: 1000,
            ..TEST_LIMIT
        };
        assert_eq!(
            read_part(&mut zip, "a.xml", roomy).unwrap().unwrap().len(),
            1000
        );
        assert!(read_part(&mut zip, "b.xml", roomy).unwrap().is_none());
        let d = read_part(&mut zip, "a.xml", TEST_LIMIT).unwrap_err();
        assert_eq!(d.rule, Rule::Limit);
        assert_eq!(
            d.to_string(),
            "错误 test_bytes（测试）: 超出限度「测试」（test_bytes）：最多 999 字节，这里的 a.xml 解压后有 1000 字节 [limit]"
        );
    }

    #[test]
    fn held_parts_are_counted_and_their_declared_counts_checked() {
        let fine = zip_of(&[(
            "x/sharedStrings.xml",
            b"<sst uniqueCount=\"2\"><si/><si/></sst>",
        )]);
        let mut zip = open(&fine, ".xlsx").unwrap();
        assert_eq!(check_parts(&mut zip, |_| true).unwrap(), 3);
        let reserve = zip_of(&[(
            "x/sharedStrings.xml",
            b"<sst uniqueCount=\"9999999999\"></sst>",
        )]);
        let mut zip = open(&reserve, ".xlsx").unwrap();
        let d = check_parts(&mut zip, |_| true).unwrap_err();
        assert_eq!(d.key.as_deref(), Some("xml_elements"));
        // A part nothing holds whole is not counted.
        let bytes = zip_of(&[("s.xml", b"<a uniqueCount=\"-1\"/>")]);
        let mut zip = open(&bytes, ".xlsx").unwrap();
        check_parts(&mut zip, |_| false).unwrap();
    }

    #[test]
    fn a_huge_declared_zip64_count_is_refused_before_the_index() {
        // A zip64 end record declaring 2^40 entries, its locator, and a plain end record.
        let mut bytes = b"PK\x06\x06".to_vec();
        bytes.extend(44u64.to_le_bytes());
        bytes.extend([45, 0, 45, 0]);
        bytes.extend([0; 8]);
        bytes.extend((1u64 << 40).to_le_bytes());
        bytes.extend((1u64 << 40).to_le_bytes());
        bytes.extend([0; 16]);
        bytes.extend(b"PK\x06\x07");
        bytes.extend([0; 4]);
        bytes.extend(0u64.to_le_bytes());
        bytes.extend(1u32.to_le_bytes());
        bytes.extend(b"PK\x05\x06");
        bytes.extend([0xFF; 16]);
        bytes.extend([0; 2]);
        let d = open(&bytes, ".xlsx").unwrap_err();
        assert_eq!(
            d.message,
            "超出限度「压缩包的条目数」（zip_entries）：最多 10000 个，这里有 1099511627776 个"
        );
    }

    #[test]
    fn xml_markup_is_counted_with_attributes_and_without_text() {
        assert_eq!(
            count_xml_markup(b"<a x='1' y='2'>t&#13;t<b/></a>", 100),
            Ok(4)
        );
        assert!(count_xml_markup(b"<a><b></a>", 100).is_err());
        let mut many = b"<a".to_vec();
        for i in 0..1000 {
            many.extend(format!(" a{i}='1'").as_bytes());
        }
        many.extend(b"/>");
        assert_eq!(count_xml_markup(&many, 10), Ok(1001));
    }
}
