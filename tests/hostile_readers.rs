//! Hostile input to the readers of PDFs, .docx, workbooks and CSV files (issue 12): the real
//! binary on small crafted files that once panicked, aborted, wrote gigabytes or took minutes.
//! Each must now end with a clear error naming the limit or the problem, with nothing written,
//! and every run's peak memory (the child's own `ru_maxrss`, from `wait4`) stays under 500 MB.
//!
//! The reproducers are built here, in temporary directories; a deflate "bomb" of zeros is a
//! compressed block repeated, so a stream that inflates to gigabytes costs milliseconds to make.
//! `NIANBAO_BIN` runs the same tests against another build, to see them fail on an old one.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use nianbao::batch::columns::columns;
use nianbao::model::schema::Kind;

/// What any run may take, in kilobytes as `ru_maxrss` counts.
const PEAK_KB: i64 = 500 * 1024;

/// A run of the binary: exit code, output, and its peak resident memory.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    peak_kb: i64,
}

impl Run {
    /// The first line of standard error: the diagnostic, without its hint.
    fn first_error(&self) -> &str {
        self.stderr.lines().next().unwrap_or("")
    }
}

/// Runs the binary in `dir` and measures it. An address-space limit of 4 GB makes a reader that
/// tries to take gigabytes abort at once instead of swapping the machine; that is a failure
/// here like any signal.
fn run(dir: &Path, args: &[&str]) -> Run {
    let bin = std::env::var("NIANBAO_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_nianbao").into());
    let stdout = tempfile::tempfile().unwrap();
    let stderr = tempfile::tempfile().unwrap();
    let mut command = Command::new(bin);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(stdout.try_clone().unwrap())
        .stderr(stderr.try_clone().unwrap());
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and touches nothing of the parent.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 4 << 30,
                    rlim_max: 4 << 30,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    // Reaped by wait4 below, which also gives its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().expect("binary runs");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for this child only, which std has not reaped (its Child is never waited).
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32, "wait4 failed");
    let read = |mut file: std::fs::File| {
        use std::io::{Read, Seek};
        let mut text = String::new();
        file.seek(std::io::SeekFrom::Start(0)).unwrap();
        file.read_to_string(&mut text).unwrap();
        text
    };
    let run = Run {
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -libc::WTERMSIG(status)
        },
        stdout: read(stdout),
        stderr: read(stderr),
        peak_kb: usage.ru_maxrss,
    };
    assert!(
        run.code >= 0,
        "{args:?} was killed by signal {}: {}",
        -run.code,
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "{args:?} panicked: {}",
        run.stderr
    );
    assert!(
        run.peak_kb < PEAK_KB,
        "{args:?} took {} MB at its peak",
        run.peak_kb / 1024
    );
    eprintln!("{args:?}: peak {} MB", run.peak_kb / 1024);
    run
}

// ---- Building reproducers ----

/// Raw deflate of `chunks` MiB of zeros: the first chunk's blocks, then the second chunk's
/// (identical from there on, the window being all zeros) repeated, then an empty final block.
fn zeros_deflated(chunks: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut deflate = Compress::new(Compression::best(), false);
    let chunk = vec![0u8; 1 << 20];
    let mut block = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(64 * 1024);
        deflate.compress_vec(input, &mut out, flush).unwrap();
        out
    };
    let first = block(&chunk, FlushCompress::Sync);
    let next = block(&chunk, FlushCompress::Sync);
    let last = block(&[], FlushCompress::Finish);
    let mut out = first;
    for _ in 1..chunks {
        out.extend_from_slice(&next);
    }
    out.extend(last);
    out
}

/// The same as a zlib stream (a PDF's `/FlateDecode`), with its checksum.
fn zeros_zlib(chunks: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0xDA];
    out.extend(zeros_deflated(chunks));
    // Adler-32 of n zeros: a stays 1, b adds 1 for each byte.
    let b = ((chunks as u64) << 20) % 65_521;
    out.extend(((b << 16) as u32 | 1).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip entry as written: its method, stored bytes and what the headers declare.
struct Entry {
    name: String,
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u32,
}

impl Entry {
    fn stored(name: &str, data: Vec<u8>) -> Entry {
        Entry {
            name: name.into(),
            method: 0,
            crc: crc32(&data),
            size: data.len() as u32,
            data,
        }
    }
}

/// A plain zip file of `entries`, headers as declared.
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let fields = |v: &mut Vec<u8>| {
            v.extend(0u16.to_le_bytes()); // flags
            v.extend(e.method.to_le_bytes());
            v.extend(0u16.to_le_bytes()); // time
            v.extend(0x21u16.to_le_bytes()); // 1980-01-01
            v.extend(e.crc.to_le_bytes());
            v.extend((e.data.len() as u32).to_le_bytes());
            v.extend(e.size.to_le_bytes());
            v.extend((e.name.len() as u16).to_le_bytes());
            v.extend(0u16.to_le_bytes()); // extra
        };
        out.extend(b"PK\x03\x04\x14\x00");
        fields(&mut out);
        out.extend(e.name.as_bytes());
        out.extend(&e.data);
        central.extend(b"PK\x01\x02\x14\x00\x14\x00");
        fields(&mut central);
        central.extend([0; 10]); // comment, disk, attributes
        central.extend(offset.to_le_bytes());
        central.extend(e.name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend(&central);
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend([0, 0]);
    out
}

/// The unzipped entries of a zip file, stored again: to rebuild a real workbook around a part.
fn entries_of(bytes: &[u8]) -> Vec<Entry> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            Entry::stored(file.name(), data)
        })
        .collect()
}

const INFO: &str = r#"{"generator":"nianbao 0.1.0","output":"pdf","created":"2025-01-20T00:00:00Z","template":{"origin":"内置模板 2021","fingerprint":"0","headings":"default"}}"#;

/// A PDF as krilla lays one out, far enough for the reader: objects, a classic
/// cross-reference table and the `EmbeddedFiles` name tree. `files` are `(name, zlib stream)`;
/// `names` lists the name-tree entries as indices into `files`.
fn pdf(files: &[(&str, Vec<u8>)], names: &[usize]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    // Object 1 + 2i: the file specification; 2 + 2i: its stream.
    for (i, (name, stream)) in files.iter().enumerate() {
        offsets.push(out.len());
        let spec = format!(
            "{} 0 obj\n<</Type/Filespec/F({name})/UF({name})/EF<</F {} 0 R>>>>\nendobj\n",
            1 + 2 * i,
            2 + 2 * i
        );
        out.extend(spec.as_bytes());
        offsets.push(out.len());
        let head = format!(
            "{} 0 obj\n<</Length {}/Filter/FlateDecode>>\nstream\n",
            2 + 2 * i,
            stream.len()
        );
        out.extend(head.as_bytes());
        out.extend(stream);
        out.extend(b"\nendstream\nendobj\n");
    }
    let catalog = 1 + offsets.len();
    offsets.push(out.len());
    out.extend(
        format!("{catalog} 0 obj\n<</Type/Catalog/Names<</EmbeddedFiles<</Names[").as_bytes(),
    );
    for &i in names {
        out.extend(format!("({}) {} 0 R ", files[i].0, 1 + 2 * i).as_bytes());
    }
    out.extend(b"]>>>>>>\nendobj\n");
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f\r\n", offsets.len() + 1).as_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<</Size {}/Root {catalog} 0 R>>\nstartxref\n{xref}\n%%EOF\n",
            catalog + 1
        )
        .as_bytes(),
    );
    out
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// The custom XML part of a .docx carrying `files` as text.
fn docx_item(files: &[(&str, &str)]) -> Vec<u8> {
    let mut item = String::from(r#"<archive xmlns="urn:nianbao:archive:1">"#);
    for (name, text) in files {
        item.push_str(&format!(
            r#"<file name="{name}" type="text/plain" relationship="source">{text}</file>"#
        ));
    }
    item.push_str("</archive>");
    item.into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Nothing but the inputs in `dir`.
fn assert_only(dir: &Path, inputs: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut inputs: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
    inputs.sort();
    assert_eq!(names, inputs, "something was written");
}

// ---- PDF ----

#[test]
fn a_pdf_claiming_a_huge_cross_reference_table_is_refused_by_its_count() {
    let dir = tempfile::tempdir().unwrap();
    // usize::MAX once overflowed the vector's capacity; 10^11 asked for 800 GB.
    for (file, count) in [("max.pdf", u64::MAX), ("huge.pdf", 100_000_000_000)] {
        let pdf = format!("%PDF-1.7\nxref\n0 {count}\n0000000000 65535 f\r\nstartxref\n9\n%%EOF\n");
        write(dir.path(), file, pdf.as_bytes());
        for command in ["extract", "verify"] {
            let r = run(dir.path(), &[command, file]);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert_eq!(
                r.first_error(),
                format!(
                    "{file} 错误 pdf_objects（PDF 的对象数）: 超出限度「PDF 的对象数」（pdf_objects）：最多 100000 个，这里的交叉引用表有 {count} 项 [limit]"
                )
            );
        }
    }
    // A table the file cannot hold, within the limit: damaged, not allocated.
    write(
        dir.path(),
        "short.pdf",
        b"%PDF-1.7\nxref\n0 99999\nstartxref\n9\n%%EOF\n",
    );
    let r = run(dir.path(), &["extract", "short.pdf"]);
    assert_eq!(
        r.first_error(),
        "short.pdf 错误: PDF 的交叉引用表已损坏 [unreadable]"
    );
    assert_only(dir.path(), &["max.pdf", "huge.pdf", "short.pdf"]);
}

#[test]
fn a_pdf_with_100000_names_for_one_stream_is_refused_before_any_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // Each name once inflated the same 64 KB again: 6.4 GB in all.
    let files = [
        ("report.toml", zlib(&[b'#'; 64 * 1024])),
        ("nianbao.json", zlib(INFO.as_bytes())),
    ];
    let mut names = vec![0; 100_000];
    names.push(1);
    write(dir.path(), "names.pdf", &pdf(&files, &names));
    let r = run(
        dir.path(),
        &["extract", "names.pdf", "-o", "out/report.toml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "names.pdf 错误 embedded_files（内嵌文件的个数）: 超出限度「内嵌文件的个数」（embedded_files）：最多 8 个，这里有 100001 个 [limit]"
    );
    assert_only(dir.path(), &["names.pdf"]);
}

#[test]
fn a_pdf_whose_embedded_data_inflates_to_a_gigabyte_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // About 1 MB on disk.
    for (file, bomb) in [("data.pdf", "report.toml"), ("seal.pdf", "seal.png")] {
        let report = zlib(b"organ = \"x\"\n");
        let files = if bomb == "seal.png" {
            vec![
                ("report.toml", report),
                ("seal.png", zeros_zlib(1024)),
                ("nianbao.json", zlib(INFO.as_bytes())),
            ]
        } else {
            vec![
                ("report.toml", zeros_zlib(1024)),
                ("nianbao.json", zlib(INFO.as_bytes())),
            ]
        };
        let names: Vec<usize> = (0..files.len()).collect();
        write(dir.path(), file, &pdf(&files, &names));
        for command in ["extract", "verify"] {
            let r = run(dir.path(), &[command, file]);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert_eq!(
                r.first_error(),
                format!(
                    "{file} 错误 embedded_file_bytes（单个内嵌文件的大小）: 超出限度「单个内嵌文件的大小」（embedded_file_bytes）：最多 8 MB，这里内嵌的 {bomb} 解压后超过 8 MB [limit]"
                )
            );
        }
    }
    assert_only(dir.path(), &["data.pdf", "seal.pdf"]);
}

// ---- .docx ----

#[test]
fn a_docx_carrying_oversized_data_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // 9 MB of data: once written out whole as report.toml.
    let data = "#".repeat(9 << 20);
    let item = docx_item(&[("report.toml", &data), ("nianbao.json", INFO)]);
    write(
        dir.path(),
        "big.docx",
        &zip(&[Entry::stored("customXml/item1.xml", item)]),
    );
    let r = run(
        dir.path(),
        &["extract", "big.docx", "-o", "out/report.toml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "big.docx 错误 embedded_file_bytes（单个内嵌文件的大小）: 超出限度「单个内嵌文件的大小」（embedded_file_bytes）：最多 8 MB，这里内嵌的 report.toml 有 9 MB [limit]"
    );
    // 2 MB: within what a .docx may carry, but no data file the other commands would read.
    let data = "#".repeat(2 << 20);
    let item = docx_item(&[("report.toml", &data), ("nianbao.json", INFO)]);
    write(
        dir.path(),
        "two.docx",
        &zip(&[Entry::stored("customXml/item1.xml", item)]),
    );
    let r = run(
        dir.path(),
        &["extract", "two.docx", "-o", "out/report.toml"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "two.docx 错误: 内嵌的 report.toml 有 2 MB，一份报告的数据文件不会超过 1 MB [file-too-large]"
    );
    assert_only(dir.path(), &["big.docx", "two.docx"]);
}

#[test]
fn a_docx_part_that_inflates_past_its_declared_size_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    // 1 MB declaring 1 KB, inflating to 1 GB.
    let bomb = Entry {
        name: "customXml/item1.xml".into(),
        method: 8,
        data: zeros_deflated(1024),
        crc: 0,
        size: 1024,
    };
    write(dir.path(), "bomb.docx", &zip(&[bomb]));
    for command in ["extract", "verify"] {
        let r = run(dir.path(), &[command, "bomb.docx"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            r.first_error(),
            "bomb.docx 错误 docx_data_part_bytes（.docx 内嵌数据部分的大小）: 超出限度「.docx 内嵌数据部分的大小」（docx_data_part_bytes）：最多 32 MB，这里的 customXml/item1.xml 解压后超过 32 MB [limit]"
        );
    }
    assert_only(dir.path(), &["bomb.docx"]);
}

#[test]
fn a_docx_part_in_an_unsupported_method_is_named_with_its_method() {
    let dir = tempfile::tempdir().unwrap();
    let mut entry = Entry::stored("customXml/item1.xml", docx_item(&[("nianbao.json", INFO)]));
    entry.method = 12;
    write(dir.path(), "bzip2.docx", &zip(&[entry]));
    let r = run(dir.path(), &["extract", "bzip2.docx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "bzip2.docx 错误: customXml/item1.xml 用的压缩方法 Bzip2 不受支持（只读不压缩或 Deflate 压缩的条目） [unreadable]"
    );
}

// ---- Workbooks and CSV files ----

/// A workbook whose first sheet has the column keys in row 1 (only `organ` unless `wide`) and
/// `x` at 0-based `(row, col)`.
fn workbook_with_cell(wide: bool, row: u32, col: u16) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let keys: Vec<String> = if wide {
        columns().into_iter().map(|c| c.key).collect()
    } else {
        vec!["organ".into()]
    };
    for (i, key) in keys.iter().enumerate() {
        sheet.write_string(0, i as u16, key).unwrap();
    }
    sheet.write_string(row, col, "x").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_cell_far_down_or_right_is_refused_at_that_cell() {
    let dir = tempfile::tempdir().unwrap();
    // 6.9 KB that once asked for 512 GB.
    write(
        dir.path(),
        "far.xlsx",
        &workbook_with_cell(false, 1_048_575, 16_383),
    );
    // A full header and one cell in the last row: once 12 GB and half a minute.
    write(
        dir.path(),
        "low.xlsx",
        &workbook_with_cell(true, 1_048_575, 0),
    );
    write(
        dir.path(),
        "right.xlsx",
        &workbook_with_cell(false, 1, 1000),
    );
    for (file, cell, limit, zh, found) in [
        (
            "far.xlsx",
            "XFD1048576",
            "sheet_rows",
            "表格的行数",
            "最多 20000 行，这里的 XFD1048576 单元格有内容，在第 1048576 行",
        ),
        (
            "low.xlsx",
            "A1048576",
            "sheet_rows",
            "表格的行数",
            "最多 20000 行，这里的 A1048576 单元格有内容，在第 1048576 行",
        ),
        (
            "right.xlsx",
            "ALM2",
            "sheet_columns",
            "表格的列数",
            "最多 1000 列，这里的 ALM2 单元格有内容，在第 1001 列",
        ),
    ] {
        let r = run(dir.path(), &["batch", file, "-o", "out"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        let row = cell.trim_start_matches(char::is_alphabetic);
        let col = cell.trim_end_matches(char::is_numeric);
        assert_eq!(
            r.first_error(),
            format!(
                "{file}「Sheet1」第{row}行 {col}列 错误 {limit}（{zh}）: 超出限度「{zh}」（{limit}）：{found} [limit]"
            )
        );
    }
    assert_only(dir.path(), &["far.xlsx", "low.xlsx", "right.xlsx"]);
}

#[test]
fn a_sheet_that_inflates_to_gigabytes_is_refused_by_the_part_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = entries_of(&workbook_with_cell(false, 1, 0));
    let sheet = entries
        .iter_mut()
        .find(|e| e.name == "xl/worksheets/sheet1.xml")
        .unwrap();
    // 4 MB on disk, 4 GB inflated, as declared.
    sheet.method = 8;
    sheet.data = zeros_deflated(4095);
    sheet.size = 4095 << 20;
    write(dir.path(), "bomb.xlsx", &zip(&entries));
    // Declaring 1 KB: inflated through the cap, then refused.
    sheet_size(&mut entries, 1024);
    write(dir.path(), "liar.xlsx", &zip(&entries));
    for (file, found) in [
        ("bomb.xlsx", "解压后有 4095 MB"),
        ("liar.xlsx", "解压后超过 128 MB"),
    ] {
        let r = run(dir.path(), &["batch", file, "-o", "out"]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(
            r.first_error(),
            format!(
                "{file} 错误 zip_part_bytes（压缩包单个条目解压后的大小）: 超出限度「压缩包单个条目解压后的大小」（zip_part_bytes）：最多 128 MB，这里的 xl/worksheets/sheet1.xml {found} [limit]"
            )
        );
    }
    assert_only(dir.path(), &["bomb.xlsx", "liar.xlsx"]);
}

fn sheet_size(entries: &mut [Entry], size: u32) {
    for e in entries
        .iter_mut()
        .filter(|e| e.name == "xl/worksheets/sheet1.xml")
    {
        e.size = size;
    }
}

#[test]
fn empty_csv_rows_cost_nothing_and_rows_past_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let header: Vec<String> = columns().into_iter().map(|c| c.key).collect();
    let commas = ",".repeat(header.len() - 1);
    // 150,000 empty rows as spreadsheet programs save them (27 MB): once 900 MB of empty cells.
    let mut csv = header.join(",");
    csv.push('\n');
    for _ in 0..150_000 {
        csv.push_str(&commas);
        csv.push('\n');
    }
    write(dir.path(), "empty.csv", csv.as_bytes());
    let r = run(dir.path(), &["batch", "empty.csv", "-o", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "错误: empty.csv 的表头下面没有数据行 [output]"
    );
    // 200,000 rows with only the organ under a full header: once 100 s and 3.3 GB.
    let mut csv = header.join(",");
    csv.push('\n');
    for i in 0..200_000 {
        csv.push_str(&format!("某镇{i}\n"));
    }
    write(dir.path(), "organs.csv", csv.as_bytes());
    let r = run(dir.path(), &["batch", "organs.csv", "-o", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "organs.csv 第20001行 A列 错误 sheet_rows（表格的行数）: 超出限度「表格的行数」（sheet_rows）：最多 20000 行，这里的 A20001 单元格有内容，在第 20001 行 [limit]"
    );
    assert!(!dir.path().join("out").join("manifest.json").exists());
}

#[test]
fn a_bom_before_gbk_text_is_an_encoding_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = b"\xEF\xBB\xBForgan,year\n".to_vec();
    csv.extend(encoding_rs::GBK.encode("某镇人民政府,2024\n").0.iter());
    write(dir.path(), "bom.csv", &csv);
    let r = run(dir.path(), &["batch", "bom.csv", "-o", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "bom.csv 错误: 文件开头标明是 UTF-8 编码（BOM），但第 2 行（第 17 个字节）起不是 UTF-8，可能是 GBK 编码 [encoding]"
    );
    assert!(!dir.path().join("out").exists());
    // A data file the same way, for check and render.
    let mut data = b"\xEF\xBB\xBFyear = 2024\norgan = \"".to_vec();
    data.extend(encoding_rs::GBK.encode("某镇人民政府\"\n").0.iter());
    write(dir.path(), "bom.toml", &data);
    for args in [
        &["check", "bom.toml"][..],
        &["render", "bom.toml", "--no-system-fonts"],
    ] {
        let r = run(dir.path(), args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        // check reports on standard output. 某 in GBK happens to be valid UTF-8; 镇 is not.
        let shown = if args[0] == "check" {
            &r.stdout
        } else {
            &r.stderr
        };
        assert_eq!(
            shown.lines().find(|l| l.contains("错误")).unwrap_or(""),
            "bom.toml 错误: 文件开头标明是 UTF-8 编码（BOM），但第 2 行（第 27 个字节）起不是 UTF-8，可能是 GBK 编码 [encoding]"
        );
    }
    assert_only(dir.path(), &["bom.csv", "bom.toml"]);
}

#[test]
fn excel_serials_that_are_no_dates_and_dates_in_count_cells_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cols = columns();
    let date_col = cols.iter().position(|c| c.kind == Kind::Date).unwrap();
    let count_col = cols.iter().position(|c| c.kind == Kind::Count).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (i, c) in cols.iter().enumerate() {
        sheet.write_string(0, i as u16, &c.key).unwrap();
    }
    let serials = [-1.0, 0.0, 2_958_466.0, 45_000.0];
    for (r, serial) in serials.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, value) in nianbao::batch::synth::report(11, r as u64, 2024) {
            match value {
                nianbao::model::tree::Value::String(s) => sheet.write_string(row, c as u16, s),
                nianbao::model::tree::Value::Number { text, .. } => {
                    sheet.write_number(row, c as u16, text.parse::<f64>().unwrap())
                }
                _ => continue,
            }
            .unwrap();
        }
        sheet
            .write_number_with_format(row, date_col as u16, *serial, &date)
            .unwrap();
    }
    // The last row's date is fine; its count cell is formatted as a date (12 → 1900-01-12).
    sheet
        .write_number_with_format(4, count_col as u16, 12.0, &date)
        .unwrap();
    write(dir.path(), "dates.xlsx", &book.save_to_buffer().unwrap());
    let r = run(
        dir.path(),
        &[
            "batch",
            "dates.xlsx",
            "-o",
            "out",
            "--to",
            "docx",
            "--no-system-fonts",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let letters = |c: usize| nianbao::diag::column_letters(c as u32 + 1);
    let key = &cols[date_col].key;
    let label = &cols[date_col].label;
    for (row, shown) in [(2, "-1"), (3, "0"), (4, "2958466")] {
        let line = format!(
            "dates.xlsx「Sheet1」第{row}行 {}列 错误 {key}（{label}）: 日期应写成 2022-01-20 或 2022年1月20日，实际为 {shown} [bad-date]",
            letters(date_col)
        );
        assert!(r.stderr.contains(&line), "no {line}:\n{}", r.stderr);
    }
    assert!(
        !r.stderr.contains("1899") && !r.stderr.contains("9999-12-31"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "Excel 的日期是从 1900年1月1日（序号 1）到 9999年12月31日（序号 2958465）的序号"
        ),
        "{}",
        r.stderr
    );
    let count = &cols[count_col];
    let line = format!(
        "dates.xlsx「Sheet1」第5行 {}列 错误 {}（{}）: 应为整数，实际为日期 1900-01-12 [wrong-type]",
        letters(count_col),
        count.key,
        count.label
    );
    assert!(r.stderr.contains(&line), "no {line}:\n{}", r.stderr);
    assert!(
        r.stderr.contains("这个单元格设成了日期格式"),
        "{}",
        r.stderr
    );
}

// ---- Peak memory of ordinary work ----

#[test]
fn an_ordinary_render_extract_and_verify_stay_far_below_the_peak_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::repo("tests/data/base.toml"),
        dir.path().join("base.toml"),
    )
    .unwrap();
    let r = run(
        dir.path(),
        &["render", "base.toml", "--no-system-fonts", "-q"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for args in [
        &["check", "base.toml"][..],
        &["extract", "base.pdf", "-o", "back.toml"],
        &["extract", "base.docx", "-o", "back-docx.toml"],
        &["verify", "base.pdf", "base.docx", "--no-system-fonts"],
    ] {
        let r = run(dir.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    }
}

#[test]
fn workbooks_other_than_xlsx_are_refused_with_a_way_out() {
    let dir = tempfile::tempdir().unwrap();
    // The start of a compound file (.xls): calamine would size its grid by what it declares.
    write(dir.path(), "old.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let r = run(dir.path(), &["batch", "old.xls", "-o", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "old.xls 错误: 不读 .xls 格式的工作簿 [unreadable]"
    );
    assert!(
        r.stderr.contains("“另存为” Excel 工作簿（.xlsx）"),
        "{}",
        r.stderr
    );
    // An .xlsx that is no zip file (an old workbook renamed, an encrypted one).
    write(
        dir.path(),
        "renamed.xlsx",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    );
    let r = run(dir.path(), &["batch", "renamed.xlsx", "-o", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "renamed.xlsx 错误: 不是 .xlsx 工作簿 [unreadable]"
    );
    assert_only(dir.path(), &["old.xls", "renamed.xlsx"]);
}

#[test]
fn a_fifo_or_a_device_is_no_input() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.xlsx");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; mkfifo only creates the file.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let r = run(dir.path(), &["batch", "pipe.xlsx", "-o", "out"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "pipe.xlsx 错误: 这是命名管道（FIFO），不是文件 [unreadable]"
    );
    let r = run(dir.path(), &["extract", "/dev/zero"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.first_error(),
        "/dev/zero 错误: 这是设备文件，不是文件 [unreadable]"
    );
}
