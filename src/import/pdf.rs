//! The reader of published reports as PDF with a text layer: nianbao's own, and those Word,
//! WPS and others export. It finds where every character and ruling line is drawn, rebuilds
//! the tables from their rules (a merged cell is a region with no rule inside), puts each
//! character into its cell, and makes lines and paragraphs of the rest, without page numbers
//! and running heads. Tables are given page by page: a table continued on the next page is a
//! second [`ScannedTable`](super::ScannedTable), its repeated header rows and all.
//!
//! Parsing the file is lopdf's (cross-reference tables and streams, object streams, damaged
//! cross-references rebuilt), for it caps what each stream inflates to; everything after is
//! here: the content streams are run with the operations that place text and paint paths
//! (`content`), fonts and ToUnicode CMaps are read here (`font`; lopdf's CMap parser expands
//! ranges code by code), and the layout is analysed here (`layout`). pdf-extract (0.12, on
//! lopdf 0.42) would give character positions, but it inflates content streams with no cap
//! (`decompressed_content`) and has about a hundred `unwrap`s, `expect`s and `panic!`s in its
//! code; pdf-rs was not tried, lopdf having what was needed. Six pages read in 6–8 ms
//! (release, warm, median: `cargo bench --bench import_pdf`; 11–13 ms beside other builds).
//!
//! Bounded throughout (docs/limits.md): the file's size, its stream count and its
//! cross-reference sections are counted before lopdf sees it; lopdf inflates no stream past
//! `pdf_stream_bytes`,
//! and object streams (through the load filter) and every stream read here count towards
//! `pdf_inflated_bytes`; objects, pages, operators, characters and ruling lines are counted.
//! An encrypted PDF, or one without text (a scan), is an error of rule `unreadable`.

mod content;
mod font;
mod layout;

use std::cell::Cell;

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream};

use super::Scanned;
use crate::diag::{Diagnostic, Location, Rule};
use crate::limits;

/// Reads a PDF's text layer into a scanned document. `name` names the file in messages.
pub fn scan_pdf(bytes: &[u8], name: &str) -> Result<Scanned, Diagnostic> {
    scan(bytes).map_err(|d| d.at(Location::file(name)))
}

fn unreadable(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Rule::Unreadable, message)
}

/// What is counted while a document is read, against its limits.
pub(super) struct Budget {
    inflated: u64,
    cmap_entries: u64,
    operators: u64,
    glyphs: u64,
    rules: u64,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            inflated: 0,
            cmap_entries: 0,
            operators: 0,
            glyphs: 0,
            rules: 0,
        }
    }

    /// A stream's data, inflated within the limits; `None` if it cannot be decoded (a damaged
    /// stream is skipped, as a viewer skips it).
    fn inflate(&mut self, stream: &Stream, what: &str) -> Result<Option<Vec<u8>>, Diagnostic> {
        let left = limits::PDF_INFLATED_BYTES.saturating_sub(self.inflated);
        let cap = limits::PDF_STREAM_BYTES.min(left);
        match stream.decompressed_content_with_limit(cap as usize) {
            Ok(data) => {
                self.inflated += data.len() as u64;
                Ok(Some(data))
            }
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => Err(if cap < limits::PDF_STREAM_BYTES {
                inflated_too_much()
            } else {
                stream_too_large(what)
            }),
            Err(_) => Ok(None),
        }
    }

    /// Parses a CMap within what is left of the document's CMap entries.
    fn cmap(&mut self, data: &[u8]) -> Result<font::CMap, Diagnostic> {
        let left = limits::PDF_CMAP_ENTRIES.saturating_sub(self.cmap_entries);
        let cmap = font::CMap::parse(data, left).ok_or_else(|| {
            limits::error(
                "PDF 字体编码表的条目数",
                "pdf_cmap_entries",
                format!("{} 条", limits::PDF_CMAP_ENTRIES),
                "有更多".to_string(),
            )
        })?;
        self.cmap_entries += cmap.entries();
        Ok(cmap)
    }

    fn operator(&mut self) -> Result<(), Diagnostic> {
        self.operators += 1;
        if self.operators > limits::PDF_OPERATORS {
            return Err(limits::error(
                "PDF 内容流的操作数",
                "pdf_operators",
                format!("{} 个", limits::PDF_OPERATORS),
                format!("至少有 {} 个", self.operators),
            ));
        }
        Ok(())
    }

    fn glyph(&mut self) -> Result<(), Diagnostic> {
        self.glyphs += 1;
        if self.glyphs > limits::PDF_CHARS {
            return Err(limits::error(
                "PDF 的字数",
                "pdf_chars",
                format!("{} 个", limits::PDF_CHARS),
                format!("至少有 {} 个", self.glyphs),
            ));
        }
        Ok(())
    }

    fn rule(&mut self) -> Result<(), Diagnostic> {
        self.rules += 1;
        if self.rules > limits::PDF_PATH_SEGMENTS {
            return Err(limits::error(
                "PDF 路径的线段数",
                "pdf_path_segments",
                format!("{} 条", limits::PDF_PATH_SEGMENTS),
                format!("至少有 {} 条", self.rules),
            ));
        }
        Ok(())
    }
}

fn stream_too_large(what: &str) -> Diagnostic {
    limits::error(
        "PDF 单个数据流解压后的大小",
        "pdf_stream_bytes",
        limits::show_bytes(limits::PDF_STREAM_BYTES),
        format!("的一个 {what} 数据流解压后超过此数"),
    )
}

fn inflated_too_much() -> Diagnostic {
    limits::error(
        "PDF 各数据流解压后的总大小",
        "pdf_inflated_bytes",
        limits::show_bytes(limits::PDF_INFLATED_BYTES),
        "解压后超过此数".to_string(),
    )
}

/// The `stream` keywords of a file, as lopdf finds them (followed by an end of line, not part
/// of `endstream`): every stream lopdf may inflate while loading is one of them.
fn count_streams(bytes: &[u8]) -> u64 {
    let mut count = 0;
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(6).position(|w| w == b"stream") {
        let i = at + i;
        if !bytes[..i].ends_with(b"end") && matches!(bytes.get(i + 6), Some(b'\r' | b'\n')) {
            count += 1;
        }
        at = i + 6;
    }
    count
}

/// Names in a file's bytes that link cross-reference sections (`/Prev`, `/XRefStm`, however
/// `#`-escaped): every section lopdf follows, and inflates if it is a stream, is named by one
/// (or by `startxref`). Names inside strings and streams are counted too: an overcount.
fn count_xref_links(bytes: &[u8]) -> u64 {
    let regular = |b: u8| !b.is_ascii_whitespace() && b != 0 && !b"()<>[]{}/%".contains(&b);
    let hex = |b: u8| (b as char).to_digit(16);
    let mut count = 0;
    let mut i = 0;
    while let Some(at) = bytes[i..].iter().position(|b| *b == b'/') {
        i += at + 1;
        let mut name = Vec::new();
        while i < bytes.len() && regular(bytes[i]) && name.len() <= 8 {
            match (
                bytes[i],
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (b'#', Some(h), Some(l)) => {
                    name.push((h * 16 + l) as u8);
                    i += 3;
                }
                (b, ..) => {
                    name.push(b);
                    i += 1;
                }
            }
        }
        if name == b"Prev" || name == b"XRefStm" {
            count += 1;
        }
    }
    count
}

thread_local! {
    /// What the load filter counted: objects, bytes of object streams inflated, and which
    /// limit stopped it.
    static LOADING: Cell<(u64, u64, Option<&'static str>)> = const { Cell::new((0, 0, None)) };
}

/// lopdf's load filter (a plain `fn`, hence the thread-local): counts objects and inflates
/// object streams itself, within what is left of the budget, so that lopdf finds them already
/// plain. lopdf loads on the calling thread (its `rayon` feature is off).
fn load_filter(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    let (mut objects, mut inflated, stopped) = LOADING.get();
    if stopped.is_some() {
        return None;
    }
    objects += 1;
    if objects > limits::PDF_OBJECTS {
        LOADING.set((objects, inflated, Some("objects")));
        return None;
    }
    if let Object::Stream(stream) = object
        && stream.dict.has_type(b"ObjStm")
        && stream.dict.get(b"Filter").is_ok()
    {
        let left = limits::PDF_INFLATED_BYTES.saturating_sub(inflated);
        let cap = limits::PDF_STREAM_BYTES.min(left);
        match stream.decompressed_content_with_limit(cap as usize) {
            Ok(data) => {
                inflated += data.len() as u64;
                stream.set_plain_content(data);
            }
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => {
                let which = if cap < limits::PDF_STREAM_BYTES {
                    "inflated"
                } else {
                    "stream"
                };
                LOADING.set((objects, inflated, Some(which)));
                return None;
            }
            // lopdf will find it damaged too and skip it.
            Err(_) => {}
        }
    }
    LOADING.set((objects, inflated, None));
    // lopdf keeps `object` for an object of the file and takes the returned one for an
    // object inside an object stream, so both must be the object.
    Some((id, object.clone()))
}

/// A PDF parsed within the limits (for `sign`, which needs the document only).
pub fn load_document(bytes: &[u8]) -> Result<Document, Diagnostic> {
    load(bytes).map(|(doc, _)| doc)
}

fn load(bytes: &[u8]) -> Result<(Document, u64), Diagnostic> {
    if bytes.len() as u64 > limits::IMPORT_FILE_BYTES {
        return Err(limits::error(
            "导入的报告文件的大小",
            "import_file_bytes",
            limits::show_bytes(limits::IMPORT_FILE_BYTES),
            format!("有 {}", limits::show_bytes(bytes.len() as u64)),
        ));
    }
    if bytes.is_empty() {
        return Err(Diagnostic::error(Rule::EmptyFile, "文件是空的"));
    }
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(unreadable("不是 PDF 文件（开头没有 %PDF- 标记）"));
    }
    let streams = count_streams(bytes);
    if streams > limits::PDF_STREAMS {
        return Err(limits::error(
            "PDF 的数据流个数",
            "pdf_streams",
            format!("{} 个", limits::PDF_STREAMS),
            format!("有 {streams} 个"),
        ));
    }
    let sections = count_xref_links(bytes) + 1;
    if sections > limits::PDF_XREF_SECTIONS {
        return Err(limits::error(
            "PDF 的交叉引用段数",
            "pdf_xref_sections",
            format!("{} 段", limits::PDF_XREF_SECTIONS),
            format!("可能有 {sections} 段"),
        ));
    }
    LOADING.set((0, 0, None));
    let options = LoadOptions {
        filter: Some(load_filter),
        max_decompressed_size: Some(limits::PDF_STREAM_BYTES as usize),
        ..LoadOptions::default()
    };
    let loaded = Document::load_mem_with_options(bytes, options);
    let (objects, inflated, stopped) = LOADING.get();
    LOADING.set((0, 0, None));
    match stopped {
        Some("objects") => {
            return Err(limits::error(
                "PDF 的对象数",
                "pdf_objects",
                format!("{} 个", limits::PDF_OBJECTS),
                format!("至少有 {objects} 个"),
            ));
        }
        Some("inflated") => return Err(inflated_too_much()),
        Some(_) => return Err(stream_too_large("对象流")),
        None => {}
    }
    let encrypted = || {
        unreadable("这个 PDF 已加密，无法读取")
            .hint("请取得未加密的文件，或在阅读器中另存为不加密的 PDF")
    };
    let doc = loaded.map_err(|e| match e {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            stream_too_large("交叉引用或对象流")
        }
        // Encrypted with a password lopdf does not have (it tries the empty one).
        _ if bytes.windows(8).any(|w| w == b"/Encrypt") => encrypted(),
        e => unreadable("PDF 文件已损坏，无法读取").hint(format!("PDF 解析器：{e}")),
    })?;
    // Refused too when it opens with the empty password: its author locked it, and a copy
    // saved without the lock reads.
    if doc.trailer.get(b"Encrypt").is_ok() || doc.is_encrypted() || doc.was_encrypted() {
        return Err(encrypted());
    }
    Ok((doc, inflated))
}

/// A page's entry, looked up through the page tree's inheritance.
fn inherited<'d>(doc: &'d Document, page: &'d Dictionary, key: &[u8]) -> Option<&'d Object> {
    let mut node = page;
    for _ in 0..32 {
        if let Ok(value) = node.get(key) {
            return Some(doc.dereference(value).map(|(_, o)| o).unwrap_or(value));
        }
        node = node
            .get(b"Parent")
            .ok()
            .and_then(|p| doc.dereference(p).ok())?
            .1
            .as_dict()
            .ok()?;
    }
    None
}

fn rect(object: Option<&Object>) -> Option<[f64; 4]> {
    let items = object?.as_array().ok()?;
    let mut v = [0.0; 4];
    for (slot, item) in v.iter_mut().zip(items) {
        *slot = match item {
            Object::Integer(i) => *i as f64,
            Object::Real(r) => *r as f64,
            _ => return None,
        };
    }
    let [a, b, c, d] = v;
    let r = [a.min(c), b.min(d), a.max(c), b.max(d)];
    (items.len() == 4
        && r.iter().all(|x| x.is_finite())
        && r[2] - r[0] >= 1.0
        && r[3] - r[1] >= 1.0)
        .then_some(r)
}

fn scan(bytes: &[u8]) -> Result<Scanned, Diagnostic> {
    let (doc, inflated) = load(bytes)?;
    let mut budget = Budget::new();
    budget.inflated = inflated;
    let mut fonts = content::FontCache::new();
    let mut pages = Vec::new();
    for (n, page_id) in doc.page_iter().enumerate() {
        if n as u64 >= limits::PDF_PAGES {
            return Err(limits::error(
                "PDF 的页数",
                "pdf_pages",
                format!("{} 页", limits::PDF_PAGES),
                "有更多页".to_string(),
            ));
        }
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let media = rect(inherited(&doc, page, b"MediaBox")).unwrap_or([0.0, 0.0, 595.276, 841.89]);
        let bounds = match rect(inherited(&doc, page, b"CropBox")) {
            // The visible part is where both boxes overlap.
            Some(c) if c[0] < media[2] && c[1] < media[3] && c[2] > media[0] && c[3] > media[1] => {
                [
                    c[0].max(media[0]),
                    c[1].max(media[1]),
                    c[2].min(media[2]),
                    c[3].min(media[3]),
                ]
            }
            _ => media,
        };
        let rotate = match inherited(&doc, page, b"Rotate") {
            Some(Object::Integer(r)) => *r,
            _ => 0,
        };
        let resources = inherited(&doc, page, b"Resources").and_then(|r| r.as_dict().ok());
        let mut data = Vec::new();
        let contents: Vec<&Object> = match page.get(b"Contents") {
            Ok(Object::Array(items)) => items.iter().collect(),
            Ok(other) => match doc.dereference(other) {
                Ok((_, Object::Array(items))) => items.iter().collect(),
                _ => vec![other],
            },
            Err(_) => Vec::new(),
        };
        for item in contents {
            if let Ok((_, Object::Stream(stream))) = doc.dereference(item)
                && let Some(part) = budget.inflate(stream, "内容")?
            {
                data.extend_from_slice(&part);
                // Operators may not run across streams, but tokens end at their borders.
                data.push(b'\n');
            }
        }
        let mut interpreter = content::Interpreter::new(&doc, bounds, rotate);
        interpreter.run(&data, resources, &mut fonts, &mut budget)?;
        pages.push(interpreter.finish());
    }
    let glyphs: usize = pages.iter().map(|p| p.glyphs.len()).sum();
    let unknown: usize = pages.iter().map(|p| p.unknown).sum();
    if glyphs == 0 {
        let images: usize = pages.iter().map(|p| p.images).sum();
        let what = if images > 0 {
            "（可能是扫描件）"
        } else {
            ""
        };
        return Err(unreadable(format!("这个 PDF 没有文字层{what}，无法读取"))
            .hint("请使用带文字层的 PDF（由 Word、WPS 等导出的），或改用 .docx 文件"));
    }
    if unknown * 2 > glyphs {
        return Err(unreadable(format!(
            "这个 PDF 的文字无法识别：{unknown} 个字符的字体没有说明对应的 Unicode 文字，无法读取"
        ))
        .hint("请改用 .docx 文件，或从原文件重新导出 PDF"));
    }
    Ok(Scanned {
        blocks: layout::blocks(&pages)?,
    })
}

#[cfg(test)]
mod tests {
    use lopdf::{Stream, dictionary};

    use super::*;
    use crate::import::ScannedBlock;

    /// A one-page PDF (A5 landscape, 595 × 420 pt) drawing `content`, with Helvetica as `/F1`,
    /// a CID font without ToUnicode as `/F2`,
    /// a 1 × 1 image as `/Im1` and `form` (if any) as the form XObject `/Fm1`.
    fn pdf(content: &[u8], form: Option<&[u8]>, compress: bool) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let font = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![0],
        ));
        let cid = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "X", "DW" => 1000,
        });
        let type0 = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "X", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![cid.into()],
        });
        let resources = dictionary! { "Font" => dictionary! { "F1" => font, "F2" => type0 } };
        let mut xobjects = dictionary! { "Im1" => image };
        if let Some(form) = form {
            let form = doc.add_object(Stream::new(
                dictionary! {
                    "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 595.into(), 420.into()],
                    "Matrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 0.into(), (-100).into()],
                    "Resources" => resources.clone(),
                },
                form.to_vec(),
            ));
            xobjects.set("Fm1", form);
        }
        let mut resources = resources;
        resources.set("XObject", xobjects);
        let mut stream = Stream::new(dictionary! {}, content.to_vec());
        if compress {
            stream.compress().unwrap();
        }
        let contents = doc.add_object(stream);
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => contents, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 420.into()],
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn texts(s: &Scanned) -> Vec<&str> {
        s.blocks
            .iter()
            .filter_map(|b| match b {
                ScannedBlock::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_pdf_without_text_is_refused_in_chinese() {
        let err = scan_pdf(
            &pdf(b"0 0 1 rg 10 10 100 100 re f", None, false),
            "blank.pdf",
        )
        .unwrap_err();
        assert_eq!(err.rule, Rule::Unreadable);
        assert_eq!(err.message, "这个 PDF 没有文字层，无法读取");
        assert_eq!(err.location.unwrap().file, "blank.pdf");
        let err = scan_pdf(
            &pdf(b"q 595 0 0 420 0 0 cm /Im1 Do Q", None, false),
            "scan.pdf",
        )
        .unwrap_err();
        assert_eq!(err.message, "这个 PDF 没有文字层（可能是扫描件），无法读取");
    }

    #[test]
    fn simple_fonts_form_xobjects_and_actual_text() {
        let content = b"BT /F1 12 Tf 72 350 Td (Hello World, 2024) Tj ET
            /Fm1 Do
            BT /F1 12 Tf 72 300 Td /Span <</ActualText <FEFF81EA71364EBA>>> BDC (xyz) Tj EMC ET";
        let form = b"BT /F1 10 Tf 1 0 0 1 72 350 Tm [(Form)-3000(Text)] TJ ET";
        let s = scan_pdf(&pdf(content, Some(form), true), "simple.pdf").unwrap();
        // The marked content reads as its /ActualText; the form is drawn 100 pt lower (its
        // /Matrix), so below it.
        assert_eq!(texts(&s), ["Hello World, 2024", "自然人", "Form Text"]);
        assert!(
            s.blocks
                .iter()
                .all(|b| matches!(b, ScannedBlock::Text { at, .. } if at.page == Some(1)))
        );
    }

    #[test]
    fn tables_drawn_with_thin_fills_and_page_numbers() {
        // A 2 × 2 table with its rules drawn as 0.5 pt filled rectangles (Word's way), a
        // shaded header cell (a large fill, no rule), and a page number at the foot.
        let mut c = String::from("0.9 g 100 330 200 30 re f 0 g\n");
        for y in [300.0, 330.0, 360.0] {
            c += &format!("100 {} 200 0.5 re f\n", y - 0.25);
        }
        for x in [100.0, 200.0, 300.0] {
            c += &format!("{} 300 0.5 60 re f\n", x - 0.25);
        }
        c += "BT /F1 10 Tf 110 340 Td (Name) Tj 100 0 Td (Value) Tj 0 -30 Td (42) Tj -100 0 Td (Total) Tj ET\n";
        c += "BT /F1 10 Tf 280 20 Td (- 1 -) Tj ET";
        let s = scan_pdf(&pdf(c.as_bytes(), None, false), "table.pdf").unwrap();
        assert_eq!(s.blocks.len(), 1, "{s:?}");
        let ScannedBlock::Table(t) = &s.blocks[0] else {
            panic!("{s:?}")
        };
        let cells: Vec<(usize, usize, &str)> = t
            .cells
            .iter()
            .map(|c| (c.row, c.col, c.text.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                (0, 0, "Name"),
                (0, 1, "Value"),
                (1, 0, "Total"),
                (1, 1, "42")
            ]
        );
        assert_eq!(t.at.table, Some(1));
        assert_eq!((t.cells[3].at.row, t.cells[3].at.col), (Some(2), Some(2)));
    }

    #[test]
    fn text_without_unicode_is_refused() {
        // A CID font with no ToUnicode: its codes are glyph numbers, meaning nothing.
        let file = pdf(b"BT /F2 12 Tf 72 350 Td <0e8507f608c9> Tj ET", None, false);
        let err = scan_pdf(&file, "cid.pdf").unwrap_err();
        assert_eq!(err.rule, Rule::Unreadable);
        assert!(
            err.message
                .contains("3 个字符的字体没有说明对应的 Unicode 文字"),
            "{}",
            err.message
        );
    }

    #[test]
    fn garbage_is_an_error() {
        let err = scan_pdf(b"", "empty.pdf").unwrap_err();
        assert_eq!(err.rule, Rule::EmptyFile);
        let err = scan_pdf(b"hello, world", "x.pdf").unwrap_err();
        assert_eq!(err.message, "不是 PDF 文件（开头没有 %PDF- 标记）");
        let err = scan_pdf(
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
            "x.pdf",
        )
        .unwrap_err();
        assert_eq!(err.rule, Rule::Unreadable);
    }

    #[test]
    fn limits_are_checked_before_the_work() {
        let mut many = b"%PDF-1.7\n".to_vec();
        for _ in 0..=limits::PDF_STREAMS {
            many.extend_from_slice(b"<<>>stream\nx\nendstream\n");
        }
        let err = scan_pdf(&many, "many.pdf").unwrap_err();
        assert_eq!(err.rule, Rule::Limit);
        assert!(err.message.contains("pdf_streams"), "{}", err.message);

        // Cross-reference sections chained by /Prev, the name escaped or not.
        assert_eq!(
            count_xref_links(b"<</Prev 10/P#72ev 20/XRefStm 3/Previous 4/Pr#6"),
            3
        );
        let chained = format!(
            "%PDF-1.7\n{}",
            "<</Type/XRef/P#72ev 9>>\n".repeat(limits::PDF_XREF_SECTIONS as usize)
        );
        let err = scan_pdf(chained.as_bytes(), "chained.pdf").unwrap_err();
        assert!(err.message.contains("pdf_xref_sections"), "{}", err.message);

        // A content stream a megabyte over the limit, of spaces: deflated, a few kilobytes.
        let bomb = vec![b' '; limits::PDF_STREAM_BYTES as usize + 1024 * 1024];
        let file = pdf(&bomb, None, true);
        assert!(file.len() < 100_000);
        let err = scan_pdf(&file, "bomb.pdf").unwrap_err();
        assert_eq!(err.rule, Rule::Limit);
        assert!(err.message.contains("pdf_stream_bytes"), "{}", err.message);

        // A form drawn over and over: the operators are counted each time.
        let form = b"q Q ".repeat(1000);
        let content = b"/Fm1 Do ".repeat(limits::PDF_OPERATORS as usize / 2000 + 10);
        let err = scan_pdf(&pdf(&content, Some(&form), true), "forms.pdf").unwrap_err();
        assert!(err.message.contains("pdf_operators"), "{}", err.message);
    }
}
