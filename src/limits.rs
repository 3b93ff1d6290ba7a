//! Every limit on what nianbao reads, in one place (documented in `docs/limits.md`). Each reader
//! checks its limits before it allocates, and exceeding one is an error of rule `limit` that
//! names the limit and its value.
//!
//! A constant is named for what it counts, without a `MAX_` prefix (`SEAL_BYTES`,
//! `DATA_KEYS`); its lower-case name is the limit's English key in messages (`seal_bytes`).

use std::fmt::Display;

/// How a message names an exceeded limit:
/// `超出限度「印章文件的大小」（seal_bytes）：最多 5 MB，这里有 6 MB`.
/// `actual` is what was found, worded to follow 这里 (`有 20513 字`, `至少有 2001 个`).
pub fn exceeded(zh: &str, key: &str, limit: impl Display, actual: impl Display) -> String {
    format!("超出限度「{zh}」（{key}）：最多 {limit}，这里{actual}")
}

/// The error for input over a limit, with the limit as its field.
pub fn error(
    zh: &str,
    key: &str,
    limit: impl Display,
    actual: impl Display,
) -> crate::diag::Diagnostic {
    crate::diag::Diagnostic::error(crate::diag::Rule::Limit, exceeded(zh, key, limit, actual))
        .field(key, zh)
}

/// A byte count for messages: `8 MB`, `1.5 MB`, `512 KB`, `20 字节`.
pub fn show_bytes(n: u64) -> String {
    if n >= 1024 * 1024 {
        let mb = n as f64 / 1_048_576.0;
        if mb.fract() == 0.0 || mb >= 100.0 {
            format!("{mb:.0} MB")
        } else {
            format!("{mb:.1} MB")
        }
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} 字节")
    }
}

// ── Data files and templates (docs/limits.md「数据文件与模板」) ───────────────────────────────
// (limits of the data-file parsers, the model's texts and numbers, and template output)
//
// A complete report has about 250 keys, nests three deep (`applications` → a row → a column),
// and its longest narrative section in any real report we have seen is about 5,000 characters.
// The limits leave ample room for that and none for a file built to exhaust the machine.

/// Bytes of one data file, or of data embedded in a PDF or .docx: a report's data is a few
/// kilobytes.
pub const DATA_FILE_BYTES: u64 = 1024 * 1024;
/// Keys in one data file, every table counted.
pub const DATA_KEYS: usize = 2_000;
/// Nesting of tables and arrays in a data file (the top-level table is depth 1).
pub const DATA_DEPTH: usize = 8;
/// Characters in one key. The longest key of the format has 35.
pub const KEY_CHARS: usize = 64;
/// Characters in one narrative section (`text.*`), as written and after its placeholders are
/// filled in: about 30 printed pages, four times the longest section seen.
pub const NARRATIVE_CHARS: usize = 20_000;
/// Characters in an organ's name (`organ`, `signature.organ`): the longest real names have
/// about 40; 100 is four lines of the title.
pub const ORGAN_CHARS: usize = 100;
/// Characters in any other text (`contact.*`, `signature.seal`): room for a long address, URL
/// or seal path, not for a page.
pub const TEXT_CHARS: usize = 500;
/// Digits before the point of `fees_10k_yuan`: up to 9999999999 万元, like a count.
pub const FEE_INTEGER_DIGITS: usize = 10;
/// Digits after the point of `fees_10k_yuan`: the sixth place of 万元 is one 分.
pub const FEE_FRACTION_DIGITS: usize = 6;
/// Bytes of document markup a template may write. The built-in template writes 15 KB for
/// samples/huaian-2024.toml and under 1 MB with every text at its limit in characters that
/// escape to 6 bytes (tests/data_limits.rs).
pub const MARKUP_BYTES: usize = 4 * 1024 * 1024;
/// Numbers `range()` may produce in one rendering of a template, all its calls together: this
/// bounds the loops a template can run (the built-in one loops only over the report's rows).
pub const TEMPLATE_RANGE_ITEMS: usize = 100_000;

// ── end of data files and templates ──────────────────────────────────────────────────────────

// ── Reading PDFs, .docx and spreadsheets (docs/limits.md「读取 PDF、.docx 与表格」) ───────────
// (limits of extract/verify and of batch's workbook and CSV readers)
//
// Checked before the memory is taken: a count before its vector, a declared size before its
// part is read, and every inflation through a reader capped one byte past its limit, since
// declared sizes can lie.

/// A PDF or .docx given to `extract` or `verify`. nianbao's own are under 10 MB even with a
/// 5 MB seal and embedded fonts.
pub const ARCHIVE_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The PKCS#12 file given to `sign`: a key and a certificate chain are a few kilobytes.
pub const KEY_FILE_BYTES: u64 = 1024 * 1024;
/// Signatures `verify` checks in one PDF: each hashes up to the whole file. An archived report
/// has one, or a few when offices countersign.
pub const PDF_SIGNATURES: usize = 20;
/// Certificates one signature may carry for `verify` to follow its chain: each step of the
/// chain may try every one. A chain is three or four.
pub const SIGNATURE_CERTIFICATES: usize = 50;
/// A workbook or CSV file given to `batch`: ten thousand reports with full narratives take
/// about a third of this.
pub const TABLE_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Entries of a PDF's cross-reference table, so objects the reader can look up. A nianbao
/// report has a few hundred; the reader sizes its table of offsets by this count. `import`
/// counts the objects it loads (those in object streams too) against it.
pub const PDF_OBJECTS: u64 = 100_000;
/// Files embedded in a PDF or .docx: nianbao embeds three. Counted before any is read, since
/// each entry may name the same large stream again.
pub const EMBEDDED_FILES: u64 = 8;
/// One embedded file once inflated or decoded: the data (1 MB at most) or the seal (5 MB at
/// most), with room to spare.
pub const EMBEDDED_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The error for more embedded files than nianbao writes, in a PDF or a .docx.
pub fn too_many_embedded_files(found: usize) -> crate::diag::Diagnostic {
    error(
        "内嵌文件的个数",
        "embedded_files",
        format!("{EMBEDDED_FILES} 个"),
        format!("有 {found} 个"),
    )
}

/// The error for an embedded file over its limit, in a PDF or a .docx; `found` follows its
/// name (`有 9 MB`, `解压后超过 8 MB`).
pub fn embedded_file_too_large(name: &str, found: &str) -> crate::diag::Diagnostic {
    error(
        "单个内嵌文件的大小",
        "embedded_file_bytes",
        show_bytes(EMBEDDED_FILE_BYTES),
        format!("内嵌的 {name} {found}"),
    )
}

/// The .docx part that carries the embedded files (`customXml/item1.xml`), inflated: the seal
/// is in base64 there, a third larger than itself.
pub const DOCX_DATA_PART_BYTES: u64 = 32 * 1024 * 1024;
/// XML elements and attributes (and comments) of that part: nianbao writes about fifteen. The
/// XML parser that reads it compares each attribute with the others of its element, so their
/// number is bounded first.
pub const DOCX_DATA_XML_MARKUP: u64 = 1_000;
/// Entries of a zip container (.docx, .xlsx): Word and Excel write a few dozen; the zip
/// reader's index takes memory for each.
pub const ZIP_ENTRIES: u64 = 10_000;
/// One part of a zip container, inflated. A worksheet of ten thousand reports is under 100 MB.
pub const ZIP_PART_BYTES: u64 = 128 * 1024 * 1024;
/// All parts of a zip container together, inflated: what checking them may cost in time.
pub const ZIP_TOTAL_BYTES: u64 = 512 * 1024 * 1024;
/// XML elements of the workbook parts the spreadsheet reader holds in memory whole (shared
/// strings, styles, the workbook), and the counts they declare, which it reserves room for.
/// Worksheets are streamed and bounded by their cells instead.
pub const XML_ELEMENTS: u64 = 1_000_000;
/// Rows of a sheet or CSV file, up to its last row with anything in it (the used range, not
/// what the file declares): ten thousand reports and their header.
pub const SHEET_ROWS: u64 = 20_000;
/// Columns of a sheet or CSV file, up to its last column with anything in it. The collection
/// workbook has about two hundred.
pub const SHEET_COLUMNS: u64 = 1_000;
/// Cells of a sheet as held, counted from column A to each row's last filled cell: ten
/// thousand rows of the full workbook's two hundred columns, twice over.
pub const SHEET_CELLS: u64 = 4_000_000;
/// Text of all cells of a sheet together: a cell that repeats a shared string takes a copy.
pub const SHEET_TEXT_BYTES: u64 = 128 * 1024 * 1024;

// ── end of readers ───────────────────────────────────────────────────────────────────────────

// ── Seals and batch output (docs/limits.md「印章与批量输出」) ─────────────────────────────────
// (limits of seal images and of what batch writes)
//
// A seal is printed 42 mm wide: about 1,000 × 1,000 pixels and a few hundred KB at 600 dpi.
// The limits leave room for any real scan and none for an image that would make every PDF of
// a batch megabytes larger, or take seconds and hundreds of megabytes to decode.

/// Bytes of a seal image file (5 MB). Checked on the file's size before it is opened, and
/// while reading, which stops one byte past it.
pub const SEAL_BYTES: u64 = 5 * 1024 * 1024;
/// Pixels of a seal image's width or height, read from the PNG header before anything is
/// decoded: at most 16 million pixels, 64 MB decoded as RGBA.
pub const SEAL_SIDE: u32 = 4000;

// ── end of seals and batch output ────────────────────────────────────────────────────────────

// ── The filing server (docs/limits.md「填报系统」) ──────────────────────────────────────────────

/// Bytes of one request body to `nianbao serve`: a report's data at its limit
/// ([`DATA_FILE_BYTES`]) and room for the `{revision, data}` around it. More is refused with
/// 413 before it is read whole.
pub const SERVER_BODY_BYTES: u64 = DATA_FILE_BYTES + 16 * 1024;

/// Bytes of a workbook or CSV file sent to `POST /api/import`, the one route with a larger
/// body: a county's collection workbook of a few hundred rows is well under 1 MB as .xlsx, and
/// 16 MB holds thousands. The table within it is then read under every limit of a batch table
/// (`sheet_rows`, `sheet_cells`, …), as `nianbao batch` reads it.
pub const SERVER_IMPORT_BYTES: u64 = 16 * 1024 * 1024;

// ── end of the filing server ─────────────────────────────────────────────────────────────────

// ── Layout (docs/limits.md「排版」) ────────────────────────────────────────────────────────────
// (what layout bounds: it runs in time linear in each text's length)

/// The most characters one line of a balanced title or table label may hold: the breaker looks
/// no further back for where a line begins, so its work is linear in the text's length whatever
/// the text and the fonts hold. Not an error: a text whose lines would need more (only one of
/// characters under a point wide, hair spaces and the like, could) is set in more lines, or
/// filled line by line. Real lines hold far fewer: a title line at 22 pt holds 20 Chinese
/// characters or about 80 narrow Latin letters, a 10 pt label line across the whole text block
/// at most about 230 characters.
pub const BALANCED_LINE_CHARS: usize = 512;

// ── end of layout ────────────────────────────────────────────────────────────────────────────

// ── Importing published reports (docs/limits.md「读取已发布的报告」) ────────────────────────────
// (what `import` and `check` read of a report made elsewhere: .docx, .pdf, .html)
//
// A real report is a few pages: a few hundred paragraphs and three tables of at most 25 × 15
// cells. The limits leave a hundred times that and refuse what only a crafted file would hold.

/// A report file given to `import` or `check` (.docx, .pdf, .html): published reports are a
/// few hundred KB to a few MB (a PDF with images inside).
pub const IMPORT_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// A .docx's main part (`word/document.xml`), inflated: a long report with styles inline is
/// under 2 MB.
pub const IMPORT_DOCX_DOCUMENT_BYTES: u64 = 32 * 1024 * 1024;
/// Cells of one table the mapping places figures in by their labels: a table of the format has
/// at most 375 (table 三, 25 rows by 15); each cell's labels are found among the others.
pub const IMPORT_TABLE_CELLS: usize = 5_000;
/// Paragraphs and table cells of one imported report, counted together as they are read.
pub const IMPORT_BLOCKS: u64 = 200_000;
/// Columns a table cell of a .docx may span, as Word itself allows (`w:gridSpan`): more is
/// taken as this many. (A web page's `colspan` is clamped to 1000, as browsers clamp it.)
pub const IMPORT_COLSPAN: usize = 63;

/// Elements (start tags) of a web page: a report pasted from Word has a few thousand, a whole
/// portal page around it some thousands more.
pub const HTML_ELEMENTS: usize = 500_000;
/// Elements of a web page open inside one another. Chromium nests no deeper either (its
/// parser puts deeper elements beside the 512th); real pages nest a few dozen deep.
pub const HTML_DEPTH: usize = 512;
/// Slots of one table of a web page, rows × columns, spans counted: table 三 has 280. Spans
/// are clamped first as browsers clamp them (`colspan` to 1000, `rowspan` to 65534 and to the
/// rows there are), so no span alone can reach this.
pub const HTML_TABLE_SLOTS: usize = 100_000;

// A PDF (src/import/pdf.rs), besides `IMPORT_FILE_BYTES`. A six-page report exported from
// WPS is 400 KB: 70 objects, 20 streams, 25,000 operators and 5,000 characters; nianbao's own
// is about the same. The limits leave room for a report of a few hundred pages.

/// Streams of such a PDF (its `stream` keywords, counted before it is parsed): each is one
/// that may be inflated, up to `PDF_STREAM_BYTES`, while the file is loaded.
pub const PDF_STREAMS: u64 = 5_000;
/// Cross-reference sections of such a PDF: names linking them (`/Prev`, `/XRefStm`) counted in
/// its bytes before it is parsed, since the parser inflates each section that is a stream. A
/// file saved over and over holds one per save.
pub const PDF_XREF_SECTIONS: u64 = 100;
/// One stream of such a PDF inflated: a page's content, a font's ToUnicode, an object or
/// cross-reference stream. A page of a report takes tens of kilobytes.
pub const PDF_STREAM_BYTES: u64 = 4 * 1024 * 1024;
/// All streams of such a PDF that the reader inflates, together (fonts and images are never
/// inflated; object streams, content streams and CMaps are).
pub const PDF_INFLATED_BYTES: u64 = 256 * 1024 * 1024;
/// Pages of such a PDF.
pub const PDF_PAGES: u64 = 1_000;
/// Code space ranges and mappings of its CMaps (ToUnicode and encodings) together: a font's
/// ToUnicode maps at most the 65,536 glyphs a font can have, and a report uses a handful of
/// fonts.
pub const PDF_CMAP_ENTRIES: u64 = 1_000_000;
/// Operators run in its content streams, a form XObject counted each time it is drawn.
pub const PDF_OPERATORS: u64 = 5_000_000;
/// Characters drawn.
pub const PDF_CHARS: u64 = 1_000_000;
/// Straight path segments drawn (ruling lines and everything else).
pub const PDF_PATH_SEGMENTS: u64 = 1_000_000;
/// Horizontal and vertical rules of one page once joined, among which tables are found (the
/// search compares each horizontal rule with each vertical one). A page of table 三 has about
/// sixty.
pub const PDF_PAGE_RULES: usize = 5_000;

// ── end of importing ─────────────────────────────────────────────────────────────────────────
