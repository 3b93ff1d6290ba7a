//! Importing published reports: each reader's scan, and the data read back from it.

mod common;

use std::path::Path;

use common::repo;
use nianbao::import::{Scanned, ScannedBlock, map, scan_docx};
use nianbao::model::{Format, Report, Syntax};
use nianbao::template::Template;

fn tables(scanned: &Scanned) -> Vec<&nianbao::import::ScannedTable> {
    scanned
        .blocks
        .iter()
        .filter_map(|b| match b {
            ScannedBlock::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// Renders a data file with the real binary into `out`, as `to`.
fn render(data: &Path, out: &Path, to: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "--to",
        to,
        "-q",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let run = common::nianbao(out, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let name = data.with_extension(to);
    std::fs::read(out.join(name.file_name().unwrap())).unwrap()
}

fn load(name: &str, text: &str) -> Report {
    let loaded = nianbao::model::load(name, text, Syntax::Toml);
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}:\n{}\n{text}", errors.join("\n"));
    loaded.report.unwrap()
}

/// The document text of a report as the built-in template sets it (placeholders filled).
fn text_of(report: &Report, headings: nianbao::style::Headings) -> String {
    let mut template = Template::builtin(Format::Y2021);
    template.style_mut().options.headings = headings;
    let source = nianbao::model::SourceMap::default();
    template.document(report, &source).unwrap().plain_text()
}

/// Imported data is the original: the same figures, and the same text once set.
fn assert_same(original: &Report, imported: &Report, what: &str) {
    assert_eq!(imported.organ, original.organ, "{what}: organ");
    assert_eq!(imported.year, original.year, "{what}: year");
    // Contact details are printed only in the template's preamble; with a preamble of its own
    // a report does not show them.
    if original.text.preamble.is_none() {
        assert_eq!(imported.contact, original.contact, "{what}: contact");
    }
    assert_eq!(
        imported.text.preamble.is_some(),
        original.text.preamble.is_some(),
        "{what}: a preamble of its own, or the template's from the contact details"
    );
    assert_eq!(
        imported.active_disclosure, original.active_disclosure,
        "{what}: table 二"
    );
    assert_eq!(
        imported.applications, original.applications,
        "{what}: table 三"
    );
    assert_eq!(
        imported.review_litigation, original.review_litigation,
        "{what}: table 四"
    );
    assert_eq!(
        imported.signature.as_ref().map(|s| (&s.organ, s.date)),
        original.signature.as_ref().map(|s| (&s.organ, s.date)),
        "{what}: 落款"
    );
    for headings in [
        nianbao::style::Headings::Short,
        nianbao::style::Headings::Article50,
    ] {
        let (mut got, mut want) = (text_of(imported, headings), text_of(original, headings));
        // A PDF prints no character for a space: one beside a Chinese character (the
        // yimianpo sample's “有利监督” 和) is a gap, read back as none.
        if what.ends_with(".pdf)") {
            let beside_wide = |t: &str| {
                let chars: Vec<char> = t.chars().collect();
                (0..chars.len())
                    .filter(|&i| {
                        chars[i] != ' '
                            || !(chars.get(i + 1).is_some_and(|c| !c.is_ascii())
                                || i > 0 && !chars[i - 1].is_ascii())
                    })
                    .map(|i| chars[i])
                    .collect::<String>()
            };
            (got, want) = (beside_wide(&got), beside_wide(&want));
        }
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "{what}: line {} of the text as set", i + 1);
        }
        assert_eq!(got.lines().count(), want.lines().count(), "{what}: lines");
    }
}

#[test]
fn a_docx_scans_to_its_tables_on_their_grid() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = render(&repo("samples/huaian-2024.toml"), dir.path(), "docx", &[]);
    let scanned = scan_docx(&bytes, "huaian-2024.docx").unwrap();
    let found = tables(&scanned);
    assert_eq!(found.len(), 3);
    let cell = |t: usize, text: &str| {
        found[t]
            .cells
            .iter()
            .find(|c| c.text == text)
            .map(|c| (c.row, c.col, c.rowspan, c.colspan))
    };
    assert_eq!(cell(0, "第二十条第（一）项"), Some((0, 0, 1, 4)));
    assert_eq!(cell(0, "447228"), Some((6, 1, 1, 3)));
    assert_eq!(cell(1, "申请人情况"), Some((0, 3, 1, 7)));
    assert_eq!(cell(1, "自然人"), Some((1, 3, 2, 1)));
    assert_eq!(cell(1, "3119"), Some((3, 9, 1, 1)));
    assert_eq!(cell(2, "行政诉讼"), Some((0, 5, 1, 10)));
}

/// Round trip: every sample and the stress corpus rendered to .docx, .pdf and .html, in both
/// heading modes, import back to their data.
#[test]
fn rendered_reports_import_back_to_their_data() {
    let dir = tempfile::tempdir().unwrap();
    let files = common::corpus();
    for file in &files {
        let original = load(
            &file.display().to_string(),
            &std::fs::read_to_string(file).unwrap(),
        );
        for headings in ["short", "article50"] {
            for (ext, kind) in [
                ("docx", nianbao::import::Kind::Docx),
                ("pdf", nianbao::import::Kind::Pdf),
                ("html", nianbao::import::Kind::Html),
            ] {
                let what = format!("{} ({headings}, .{ext})", file.display());
                let bytes = render(file, dir.path(), ext, &["--headings", headings]);
                let scanned = nianbao::import::scan(&bytes, "x", kind)
                    .unwrap_or_else(|d| panic!("{what}: {d}"));
                let draft = nianbao::import::contact_from_preamble(map(&scanned, "x"));
                let notes: Vec<String> = draft.notes.iter().map(|d| d.to_string()).collect();
                assert!(notes.is_empty(), "{what}:\n{}", notes.join("\n"));
                let imported = load(&what, &draft.to_toml("x"));
                assert_same(&original, &imported, &what);
            }
        }
    }
}

#[test]
fn import_writes_the_data_file_and_check_reads_reports_directly() {
    let dir = tempfile::tempdir().unwrap();
    render(&repo("tests/data/sealed.toml"), dir.path(), "docx", &[]);
    let run = common::nianbao(dir.path(), &["import", "sealed.docx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("已读出 sealed.toml"), "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("sealed.toml")).unwrap();
    let imported = load("sealed.toml", &text);
    let original = load(
        "sealed",
        &std::fs::read_to_string(repo("tests/data/sealed.toml")).unwrap(),
    );
    assert_eq!(imported.applications, original.applications);
    // Again: the data file is there, and nothing is overwritten without --force.
    let run = common::nianbao(dir.path(), &["import", "sealed.docx"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("目录里已有 sealed.toml"),
        "{}",
        run.stderr
    );

    let run = common::nianbao(dir.path(), &["check", "sealed.docx"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("sealed.docx: 通过"), "{}", run.stdout);
}

/// A figure that does not add up is found in a report as in a data file, and one that cannot
/// be read is said with its place.
#[test]
fn figures_read_from_a_report_are_checked_and_placed() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = render(&repo("samples/huaian-2024.toml"), dir.path(), "docx", &[]);
    let mut scanned = scan_docx(&bytes, "淮安.docx").unwrap();
    let mut tables: Vec<&mut nianbao::import::ScannedTable> = scanned
        .blocks
        .iter_mut()
        .filter_map(|b| match b {
            ScannedBlock::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    // 一、本年新收 · 自然人: 3001 → 3002; 二、上年结转 · 商业企业: 0 → "约3".
    let set = |t: &mut nianbao::import::ScannedTable, at: (usize, usize), was: &str, now: &str| {
        let cell = t.cells.iter_mut().find(|c| (c.row, c.col) == at).unwrap();
        assert_eq!(cell.text, was);
        cell.text = now.to_string();
    };
    set(tables[1], (3, 3), "3001", "3002");
    set(tables[1], (4, 4), "0", "约3");
    let draft = map(&scanned, "淮安.docx");
    let notes: Vec<String> = draft.notes.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        notes,
        [
            "淮安.docx 错误: 这些行的数字没有读全，数据文件中以“# 缺”标出：表三「二、上年结转政府信息公开申请数量」 [import]",
            "淮安.docx（表格2第5行第5列） 错误: 表三中的文字“约3”不是数字 [import]"
        ],
        "{notes:?}"
    );
    let loaded = nianbao::import::load("淮安.docx", &draft, &draft.to_toml("淮安.docx"));
    let messages: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("[row-total]") && m.contains("应为 3120，实际填写 3119")),
        "{messages:#?}"
    );
    // The row with the unread figure is left out of the data file: an error above, not a 0.
    assert!(loaded.has_errors());
    assert!(
        messages[1].contains("“约3”不是数字 [import]"),
        "{messages:#?}"
    );
}

/// A .docx with every figure taken out, as a blank form handed round before the figures are
/// in (the third-party template in ../shared/refs is such a form; its licence is unknown, so
/// the test makes its own).
fn blank_form(docx: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "word/document.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            let mut blank = String::new();
            let mut rest = xml.as_str();
            while let Some(at) = rest.find("<w:t>") {
                let (before, after) = rest.split_at(at + "<w:t>".len());
                blank.push_str(before);
                let end = after.find("</w:t>").unwrap();
                let text = &after[..end];
                if !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    blank.push_str(text);
                }
                rest = &after[end..];
            }
            blank.push_str(rest);
            bytes = blank.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_blank_form_imports_as_a_report_to_fill_in() {
    let dir = tempfile::tempdir().unwrap();
    let docx = render(&repo("tests/data/base.toml"), dir.path(), "docx", &[]);
    std::fs::write(dir.path().join("空白.docx"), blank_form(&docx)).unwrap();
    let run = common::nianbao(dir.path(), &["import", "空白.docx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "空白.docx 警告: 这是没有填写的报告（空白模板）：读出的数据文件中各项留空待填 [import]"
        ),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(dir.path().join("空白.toml")).unwrap();
    assert!(
        text.contains("# 缺：granted = [?, ?, ?, ?, ?, ?, ?]"),
        "{text}"
    );
    assert!(
        text.contains("organ = \"测试镇人民政府\"\nyear = 2024\n"),
        "{text}"
    );
    // check says what is to be filled in.
    let run = common::nianbao(dir.path(), &["check", "空白.toml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("缺少必填字段 licensing_decisions [missing-field]"),
        "{}",
        run.stdout
    );
}

#[test]
fn next_years_data_file_begins_from_last_years_report() {
    let dir = tempfile::tempdir().unwrap();
    render(&repo("tests/data/sealed.toml"), dir.path(), "docx", &[]);
    let run = common::nianbao(dir.path(), &["import", "sealed.docx", "--next-year"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("sealed-2025.toml")).unwrap();
    let last = load(
        "sealed",
        &std::fs::read_to_string(repo("tests/data/sealed.toml")).unwrap(),
    );
    let carried = last.applications.get("carried_to_next_year").unwrap();
    let row: Vec<String> = (0..7).map(|c| carried.column(c).to_string()).collect();
    assert!(
        text.contains(&format!("\ncarried_over = [{}]\n", row.join(", "))),
        "{text}"
    );
    assert!(text.contains("year = 2025\n"), "{text}");
    assert!(text.contains("address = \"测试县测试路1号\""), "{text}");
    // The narrative as a draft; this year's figures to fill in.
    assert!(text.contains(&last.text.problems), "{text}");
    assert!(
        text.contains("# 缺：granted = [?, ?, ?, ?, ?, ?, ?]"),
        "{text}"
    );
    // The same from last year's data file.
    let run = common::nianbao(
        dir.path(),
        &[
            "import",
            repo("tests/data/sealed.toml").to_str().unwrap(),
            "--next-year",
            "-o",
            dir.path().to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let again = std::fs::read_to_string(dir.path().join("sealed-2025.toml")).unwrap();
    assert!(again.contains(&format!("\ncarried_over = [{}]\n", row.join(", "))));
}

/// A .docx holding just this main part.
fn docx_with(document: &str) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    out.start_file("word/document.xml", options).unwrap();
    out.write_all(document.as_bytes()).unwrap();
    out.finish().unwrap().into_inner()
}

#[test]
fn crafted_docx_files_are_read_within_the_limits() {
    let w = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
    // Spans the file claims are not trusted to size anything.
    let spans = format!(
        r#"{w}<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="4294967295"/><w:vMerge/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:trPr><w:gridBefore w:val="99999999"/></w:trPr><w:tc><w:tcPr><w:vMerge/></w:tcPr></w:tc></w:tr></w:tbl></w:body></w:document>"#
    );
    let scanned = scan_docx(&docx_with(&spans), "spans.docx").unwrap();
    let table = &tables(&scanned)[0];
    assert_eq!(table.cells[0].colspan, 63);
    assert!(table.cells.len() <= 2);
    // More paragraphs than any report: refused by count, not held.
    let many = format!(
        "{w}{}</w:body></w:document>",
        "<w:p><w:r><w:t>段</w:t></w:r></w:p>".repeat(200_001)
    );
    let err = scan_docx(&docx_with(&many), "many.docx").unwrap_err();
    assert!(
        err.message.contains(
            "超出限度「导入的报告中段落与表格单元格的个数」（import_blocks）：最多 200000 个"
        ),
        "{}",
        err.message
    );
    // Not a .docx, or one without its main part.
    let err = scan_docx(b"PK\x03\x04 junk", "junk.docx").unwrap_err();
    assert!(
        err.message.starts_with("不是有效的 .docx 文件"),
        "{}",
        err.message
    );
    let empty = {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        out.start_file("x.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(b"x").unwrap();
        out.finish().unwrap().into_inner()
    };
    let err = scan_docx(&empty, "x.docx").unwrap_err();
    assert_eq!(err.message, "x.docx 不是 Word 文档：没有 word/document.xml");
}

/// A report in the 2019 trial format is said to be one, not read as if it were 2021's.
#[test]
fn a_report_in_the_2019_format_is_named_as_such() {
    use nianbao::import::{Place, ScannedCell, ScannedTable};
    let cell = |row: usize, col: usize, colspan: usize, text: &str| ScannedCell {
        row,
        col,
        rowspan: 1,
        colspan,
        text: text.into(),
        at: Place {
            table: Some(1),
            row: Some(row + 1),
            col: Some(col + 1),
            ..Place::default()
        },
    };
    let table = ScannedTable {
        at: Place {
            table: Some(1),
            ..Place::default()
        },
        cells: vec![
            cell(0, 0, 4, "第二十条第（一）项"),
            cell(1, 0, 1, "信息内容"),
            cell(1, 1, 1, "本年新制作数量"),
            cell(1, 2, 1, "本年新公开数量"),
            cell(1, 3, 1, "对外公开总数量"),
            cell(2, 0, 1, "规章"),
            cell(2, 1, 1, "2"),
            cell(2, 2, 1, "2"),
            cell(2, 3, 1, "30"),
        ],
    };
    let scanned = Scanned {
        blocks: vec![ScannedBlock::Table(table)],
    };
    let draft = map(&scanned, "平潭2020.docx");
    let notes: Vec<String> = draft.notes.iter().map(|d| d.to_string()).collect();
    assert!(
        notes.iter().any(|n| n.starts_with(
            "平潭2020.docx（表格1） 错误: 这份报告用的是 2019 年的试行格式（国办公开办函〔2019〕60号）：表二有“本年新制作数量”"
        )),
        "{notes:#?}"
    );
    // Nothing of table 二 read as 2021's.
    assert!(draft.figures.is_empty());
}

/// The official 淮安 2024 PDF (not nianbao's) imports with every figure of the sample's data,
/// its organ, year and narrative.
#[test]
fn the_official_huaian_pdf_imports_to_the_samples_figures() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::nianbao(
        dir.path(),
        &[
            "import",
            repo("tests/data/official/huaian-2024-report.pdf")
                .to_str()
                .unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("huaian-2024-report.toml")).unwrap();
    let imported = load("official", &text);
    let sample = load(
        "sample",
        &std::fs::read_to_string(repo("samples/huaian-2024.toml")).unwrap(),
    );
    assert_eq!(imported.organ, "淮安市人民政府");
    assert_eq!(imported.year, 2024);
    assert_eq!(imported.active_disclosure, sample.active_disclosure);
    assert_eq!(imported.applications, sample.applications);
    assert_eq!(imported.review_litigation, sample.review_litigation);
    // The narrative as the city wrote it: the sample's, placeholders filled.
    let paragraphs = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        paragraphs(&imported.text.problems),
        paragraphs(&sample.text.problems)
    );
    assert_eq!(
        paragraphs(&imported.text.other),
        paragraphs(&sample.text.other)
    );
    assert_eq!(
        paragraphs(&imported.text.overview).len(),
        paragraphs(&sample.text.overview).len()
    );
}

/// Figures as Word and WPS write them: split over runs, full-width, thousands separated, and
/// `/` or `—` for none.
#[test]
fn figures_are_read_whatever_runs_and_digits_hold_them() {
    let w = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
    let cell = |runs: &[&str]| {
        let runs: String = runs
            .iter()
            .map(|t| {
                format!("<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{t}</w:t></w:r>")
            })
            .collect();
        format!("<w:tc><w:p>{runs}</w:p></w:tc>")
    };
    let row = |cells: &[String]| format!("<w:tr>{}</w:tr>", cells.concat());
    let span = |text: &str| {
        format!(
            "<w:tc><w:tcPr><w:gridSpan w:val=\"4\"/></w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"
        )
    };
    let table = format!(
        "<w:tbl>{}{}{}{}</w:tbl>",
        row(&[span("第二十条第（一）项")]),
        row(&[
            cell(&["信息", "内容"]),
            cell(&["本年制发件数"]),
            cell(&["本年废止件数"]),
            cell(&["现行有效件数"]),
        ]),
        row(&[
            cell(&["规章"]),
            cell(&["1", "2"]),
            cell(&["／"]),
            cell(&["１,０３５"])
        ]),
        row(&[
            cell(&["行政规范性文件"]),
            cell(&["—"]),
            cell(&[" 7 "]),
            cell(&["无"])
        ]),
    );
    let document = format!("{w}{table}</w:body></w:document>");
    let scanned = scan_docx(&docx_with(&document), "wps.docx").unwrap();
    let draft = map(&scanned, "wps.docx");
    let figure = |path: &str| draft.figures.get(path).map(|(v, _)| v.as_str());
    assert_eq!(figure("active_disclosure.regulations.issued"), Some("12"));
    assert_eq!(figure("active_disclosure.regulations.repealed"), Some("0"));
    assert_eq!(
        figure("active_disclosure.regulations.in_force"),
        Some("1035")
    );
    assert_eq!(
        figure("active_disclosure.normative_documents.issued"),
        Some("0")
    );
    assert_eq!(
        figure("active_disclosure.normative_documents.repealed"),
        Some("7")
    );
    assert_eq!(
        figure("active_disclosure.normative_documents.in_force"),
        Some("0")
    );
}

/// A table far larger than any of the format's is refused before its cells' labels are
/// looked for among each other (that search grows with the square of the cells).
#[test]
fn a_huge_table_is_not_mapped() {
    use nianbao::import::{Place, ScannedCell, ScannedTable};
    let cells: Vec<ScannedCell> = (0..100_000)
        .map(|i| ScannedCell {
            row: i / 100,
            col: i % 100,
            rowspan: 1,
            colspan: 1,
            text: if i == 0 {
                "申请人情况".into()
            } else {
                "1".into()
            },
            at: Place::default(),
        })
        .collect();
    let scanned = Scanned {
        blocks: vec![ScannedBlock::Table(ScannedTable {
            at: Place {
                table: Some(1),
                ..Place::default()
            },
            cells,
        })],
    };
    let start = std::time::Instant::now();
    let draft = map(&scanned, "大.html");
    assert!(
        start.elapsed().as_secs() < 5,
        "mapping took {:?}",
        start.elapsed()
    );
    let notes: Vec<String> = draft.notes.iter().map(|d| d.to_string()).collect();
    assert!(
        notes.iter().any(|n| n.contains(
            "超出限度「导入的一张表格的单元格数」（import_table_cells）：最多 5000 个，这里有 100000 个"
        )),
        "{notes:#?}"
    );
}
