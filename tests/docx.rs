//! The .docx output: its XML structure, schema validity (openxml-audit) and how LibreOffice
//! renders it (soffice, then poppler).

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::process::Command;

use common::{PdfText, render, repo, temp_file};

const SAMPLES: [&str; 2] = ["samples/huaian-2024.toml", "samples/yimianpo-2021.toml"];
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn docx(sample: &str) -> Vec<u8> {
    render(sample).docx
}

/// The package's parts, by name, and how each is stored.
fn parts(bytes: &[u8]) -> BTreeMap<String, (String, zip::CompressionMethod)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut text = String::new();
        if f.name().ends_with(".xml") || f.name().ends_with(".rels") {
            f.read_to_string(&mut text).unwrap();
        }
        out.insert(f.name().to_string(), (text, f.compression()));
    }
    out
}

fn xml(parts: &BTreeMap<String, (String, zip::CompressionMethod)>, name: &str) -> String {
    parts
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .0
        .clone()
}

fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute((W, name))
}

#[test]
fn page_fonts_and_paragraphs() {
    let parts = parts(&docx(SAMPLES[0]));
    let doc_xml = xml(&parts, "word/document.xml");
    let d = roxmltree::Document::parse(&doc_xml).unwrap();
    let sect = d
        .descendants()
        .find(|n| n.has_tag_name((W, "sectPr")))
        .unwrap();
    let pg = sect
        .children()
        .find(|n| n.has_tag_name((W, "pgSz")))
        .unwrap();
    assert_eq!(
        (attr(pg, "w"), attr(pg, "h")),
        (Some("11906"), Some("16838")),
        "A4"
    );
    let mar = sect
        .children()
        .find(|n| n.has_tag_name((W, "pgMar")))
        .unwrap();
    let mm = |v: Option<&str>| v.unwrap().parse::<f32>().unwrap() / 20.0 * 25.4 / 72.0;
    for (side, want) in [
        ("top", 37.0),
        ("bottom", 35.0),
        ("left", 28.0),
        ("right", 26.0),
    ] {
        assert!((mm(attr(mar, side)) - want).abs() < 0.05, "{side} margin");
    }
    // The 公文 grid: 22 lines of 28 characters fill the 225 × 156 mm text block.
    let grid = sect
        .children()
        .find(|n| n.has_tag_name((W, "docGrid")))
        .expect("a document grid");
    assert_eq!(attr(grid, "type"), Some("linesAndChars"));
    let twips = |v: Option<&str>| v.unwrap().parse::<f32>().unwrap();
    let (height, width) = (225.0 / 25.4 * 1440.0, 156.0 / 25.4 * 1440.0);
    let pitch = twips(attr(grid, "linePitch"));
    assert!(22.0 * pitch <= height && 23.0 * pitch > height, "{pitch}");
    // charSpace is the difference from the 16 pt size in 1/4096 of a point.
    let cell = 320.0 + twips(attr(grid, "charSpace")) * 20.0 / 4096.0;
    assert!(28.0 * cell <= width && 29.0 * cell > width, "{cell}");
    // No negative spacing between characters anywhere.
    assert!(
        !d.descendants().any(|n| n.has_tag_name((W, "spacing"))
            && n.parent().is_some_and(|p| p.has_tag_name((W, "rPr")))),
        "character spacing on a run"
    );

    // Every run names its role's official East-Asian font; with no Latin face on this machine
    // (the shipped fonts only) digits and letters are in the role's font, as in the PDF.
    let mut east_asian: Vec<&str> = d
        .descendants()
        .filter(|n| n.has_tag_name((W, "rFonts")))
        .map(|n| {
            let east = attr(n, "eastAsia").unwrap();
            assert_eq!(attr(n, "ascii"), Some(east));
            assert_eq!(attr(n, "hAnsi"), Some(east));
            east
        })
        .collect();
    east_asian.sort();
    east_asian.dedup();
    assert_eq!(
        east_asian,
        ["仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "黑体"]
    );

    // Body paragraphs: on the grid, 2-cell first-line indent in twips (LibreOffice reads
    // firstLineChars as font-size characters), justified.
    let preamble = d
        .descendants()
        .filter(|n| n.has_tag_name((W, "p")))
        .find(|p| {
            p.descendants()
                .any(|t| t.text().is_some_and(|t| t.starts_with("本报告由淮安市")))
        })
        .unwrap();
    let ppr = preamble
        .children()
        .find(|n| n.has_tag_name((W, "pPr")))
        .unwrap();
    let get = |name: &str| ppr.children().find(|n| n.has_tag_name((W, name))).unwrap();
    assert_eq!(attr(get("spacing"), "lineRule"), Some("auto"));
    assert_eq!(attr(get("spacing"), "line"), Some("240"));
    assert!(ppr.children().all(|n| !n.has_tag_name((W, "snapToGrid"))));
    assert_eq!(attr(get("ind"), "firstLineChars"), None);
    let indent = twips(attr(get("ind"), "firstLine"));
    assert!(
        indent <= 2.0 * cell && indent > 2.0 * cell - 2.0,
        "{indent}"
    );
    assert_eq!(attr(get("jc"), "val"), Some("both"));
    // Narrowed to fit a cell, not spaced closer.
    let w = preamble
        .descendants()
        .find(|n| n.has_tag_name((W, "w")))
        .unwrap();
    assert_eq!(attr(w, "val"), Some("98"));

    // The run-in heading: 楷体 then 仿宋 in one paragraph.
    let run_in = d
        .descendants()
        .filter(|n| n.has_tag_name((W, "p")))
        .find(|p| {
            p.descendants()
                .any(|t| t.text() == Some("（一）主动公开情况。"))
        })
        .unwrap();
    let fonts: Vec<&str> = run_in
        .descendants()
        .filter(|n| n.has_tag_name((W, "rFonts")))
        .filter_map(|n| attr(n, "eastAsia"))
        .collect();
    assert_eq!(fonts, ["楷体_GB2312", "仿宋_GB2312"]);

    let styles = xml(&parts, "word/styles.xml");
    assert!(
        styles.contains(r#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>"#),
        "{styles}"
    );
    let font_table = xml(&parts, "word/fontTable.xml");
    // One alternative each, a font Windows ships; the open fonts named too.
    for entry in [
        r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/>"#,
        r#"<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>"#,
        r#"<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/>"#,
        r#"<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/>"#,
        r#"<w:font w:name="Zhuque Fangsong"><w:charset w:val="86"/><w:family w:val="roman"/>"#,
        r#"<w:font w:name="LXGW WenKai"><w:charset w:val="86"/><w:family w:val="script"/>"#,
        r#"<w:font w:name="Noto Sans SC"><w:charset w:val="86"/><w:family w:val="swiss"/>"#,
    ] {
        assert!(
            font_table.contains(entry),
            "font table lacks {entry}:\n{font_table}"
        );
    }
    assert!(
        !font_table.contains("w:embed"),
        "nothing embedded unless asked"
    );
}

#[test]
fn tables_carry_spans_vertical_cells_and_repeating_headers() {
    let r = render(SAMPLES[0]);
    let parts = parts(&r.docx);
    let doc_xml = xml(&parts, "word/document.xml");
    let d = roxmltree::Document::parse(&doc_xml).unwrap();
    let tables: Vec<_> = d
        .descendants()
        .filter(|n| n.has_tag_name((W, "tbl")))
        .collect();
    assert_eq!(tables.len(), 3);
    fn rows<'a, 'i>(t: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
        t.children().filter(|n| n.has_tag_name((W, "tr"))).collect()
    }
    let header = |tr: roxmltree::Node| tr.descendants().any(|n| n.has_tag_name((W, "tblHeader")));
    for (t, want) in tables.iter().zip([0, 3, 3]) {
        let flags: Vec<bool> = rows(*t).iter().map(|r| header(*r)).collect();
        assert!(
            flags[..want].iter().all(|f| *f) && flags[want..].iter().all(|f| !f),
            "tblHeader {flags:?}"
        );
        for tr in rows(*t) {
            assert!(
                tr.descendants().any(|n| n.has_tag_name((W, "cantSplit"))),
                "rows do not split"
            );
        }
        let layout = t
            .descendants()
            .find(|n| n.has_tag_name((W, "tblLayout")))
            .unwrap();
        assert_eq!(attr(layout, "type"), Some("fixed"));
    }
    // A heading stays with the table under it: both paragraphs before a table keep with next.
    for t in &tables {
        let before: Vec<_> = t
            .prev_siblings()
            .filter(|n| n.has_tag_name((W, "p")))
            .take(2)
            .collect();
        for p in before {
            assert!(
                p.descendants().any(|n| n.has_tag_name((W, "keepNext"))),
                "a paragraph before a table does not keep with it"
            );
        }
    }
    // Table 三: 28 rows of 10 grid columns; the note spans 3 × 3; 三、本年度办理结果 22 rows.
    let t3 = tables[1];
    assert_eq!(rows(t3).len(), 28);
    let grid: Vec<_> = t3
        .descendants()
        .filter(|n| n.has_tag_name((W, "gridCol")))
        .collect();
    assert_eq!(grid.len(), 10);
    assert!(
        grid.iter().all(|g| g.attribute((W, "type")).is_none()),
        "no w:type on gridCol"
    );
    let widths: u32 = grid
        .iter()
        .map(|g| attr(*g, "w").unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(widths, 8844, "the grid fills the 156 mm text block");
    for tr in rows(t3) {
        let span: usize = tr
            .children()
            .filter(|n| n.has_tag_name((W, "tc")))
            .map(|tc| {
                tc.descendants()
                    .find(|n| n.has_tag_name((W, "gridSpan")))
                    .map_or(1, |g| attr(g, "val").unwrap().parse().unwrap())
            })
            .sum();
        assert_eq!(span, 10, "every row covers the grid");
    }
    let vmerge = |t: roxmltree::Node, v: Option<&str>| {
        t.descendants()
            .filter(|n| n.has_tag_name((W, "vMerge")) && attr(*n, "val") == v)
            .count()
    };
    // Restarts: the note, 自然人, 总计, 三、本年度办理结果, and the four groups （三）–（六）;
    // and 三、本年度办理结果 again on the row the PDF's next page begins with, so that the
    // label is not empty on the continuation page.
    let measures = nianbao::layout::layout(&r.doc, common::fonts()).measures;
    let Some(nianbao::layout::Measure::Table(m3)) = r
        .doc
        .blocks
        .iter()
        .zip(&measures.blocks)
        .filter(|(b, _)| matches!(b, nianbao::document::Block::Table(_)))
        .nth(1)
        .map(|(_, m)| m)
    else {
        panic!("table 三 is measured as a table")
    };
    assert_eq!(m3.breaks.len(), 1, "table 三 goes on to one more page");
    assert_eq!(vmerge(t3, Some("restart")), 9);
    // One continuation cell per covered row: the note (2 rows, one 3-column cell each),
    // 自然人 and 总计 (1 each), 三、本年度办理结果 (21 less the restart), the groups
    // (7 + 2 + 4 + 2).
    let continued: usize = 2 + 1 + 1 + 20 + 7 + 2 + 4 + 2;
    // (A bare <w:vMerge/> continues.)
    assert_eq!(vmerge(t3, None), continued);
    let label_restarts: Vec<usize> = rows(t3)
        .iter()
        .enumerate()
        .filter(|(_, tr)| {
            tr.descendants().any(|n| {
                n.has_tag_name((W, "vMerge")) && attr(n, "val") == Some("restart") && {
                    let tc = n.parent().unwrap().parent().unwrap();
                    tc.descendants()
                        .filter(|t| t.has_tag_name((W, "t")))
                        .filter_map(|t| t.text())
                        .collect::<String>()
                        == "三、本年度办理结果"
                }
            })
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(label_restarts.len(), 2, "{label_restarts:?}");
    assert_eq!(
        label_restarts[1], m3.breaks[0],
        "restarted where the page breaks"
    );
    let vertical = |t: roxmltree::Node| -> Vec<String> {
        t.descendants()
            .filter(|n| n.has_tag_name((W, "textDirection")))
            .map(|n| {
                assert_eq!(attr(n, "val"), Some("tbRlV"));
                let cell = n.parent().unwrap().parent().unwrap();
                cell.descendants()
                    .filter(|x| x.has_tag_name((W, "t")))
                    .filter_map(|x| x.text())
                    .collect()
            })
            .collect()
    };
    // Written upright in the cell and in the cells it covers; with its text where it begins
    // and again on the continuation page.
    let labels: Vec<String> = vertical(t3).into_iter().filter(|t| !t.is_empty()).collect();
    assert_eq!(labels, ["三、本年度办理结果", "三、本年度办理结果"]);
    let v4: Vec<String> = vertical(tables[2])
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(v4.len(), 15);
    assert_eq!(
        v4[..5],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    );
}

#[test]
fn footers_number_pages_outside() {
    let parts = parts(&docx(SAMPLES[0]));
    let settings = xml(&parts, "word/settings.xml");
    let settings = roxmltree::Document::parse(&settings).unwrap();
    assert!(
        settings
            .descendants()
            .any(|n| n.has_tag_name((W, "evenAndOddHeaders")))
    );
    let doc_xml = xml(&parts, "word/document.xml");
    assert!(
        doc_xml.contains(r#"<w:footerReference w:type="default" r:id="rId"#),
        "odd-page footer"
    );
    assert!(
        doc_xml.contains(r#"<w:footerReference w:type="even" r:id="rId"#),
        "even-page footer"
    );
    for (part, jc) in [("word/footer1.xml", "right"), ("word/footer2.xml", "left")] {
        let footer = xml(&parts, part);
        let f = roxmltree::Document::parse(&footer).unwrap();
        let align = f.descendants().find(|n| n.has_tag_name((W, "jc"))).unwrap();
        assert_eq!(attr(align, "val"), Some(jc), "{part}");
        let all = |tag: &str| -> String {
            f.descendants()
                .filter(|n| n.has_tag_name((W, tag)))
                .filter_map(|n| n.text())
                .collect()
        };
        assert_eq!(all("instrText"), "PAGE", "{part}");
        assert_eq!(all("t"), "— 1 —", "{part}");
    }
}

#[test]
fn core_properties_come_from_the_data_and_bytes_are_stable() {
    let bytes = docx("tests/data/base.toml");
    assert_eq!(
        bytes,
        docx("tests/data/base.toml"),
        "same input, same bytes"
    );
    let parts = parts(&bytes);
    let core = xml(&parts, "docProps/core.xml");
    for field in [
        "<dc:title>测试镇人民政府2024年政府信息公开工作年度报告</dc:title>",
        "<dc:creator>测试镇人民政府</dc:creator>",
        "<dc:language>zh-CN</dc:language>",
        r#"<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-20T00:00:00Z</dcterms:created>"#,
    ] {
        assert!(core.contains(field), "core lacks {field}:\n{core}");
    }
    // Without a date in the data: the first day after the reporting year (never the clock).
    let core = xml(&parts_of(SAMPLES[0]), "docProps/core.xml");
    assert!(
        core.contains(
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-01T00:00:00Z</dcterms:created>"#
        ),
        "{core}"
    );
    // Parts of any size are deflated (small ones are stored), and a theme part is present.
    for (name, (text, method)) in &parts {
        if text.len() >= 1024 {
            assert_eq!(*method, zip::CompressionMethod::Deflated, "{name}");
        }
    }
    assert_eq!(
        parts["word/document.xml"].1,
        zip::CompressionMethod::Deflated
    );
    assert!(parts.contains_key("word/theme/theme1.xml"));
    assert!(bytes.len() < 40 * 1024, "{} bytes", bytes.len());
}

fn parts_of(sample: &str) -> BTreeMap<String, (String, zip::CompressionMethod)> {
    parts(&docx(sample))
}

#[test]
fn the_seal_floats_over_the_signature() {
    let parts = parts(&docx("tests/data/sealed.toml"));
    let doc_xml = xml(&parts, "word/document.xml");
    let d = roxmltree::Document::parse(&doc_xml).unwrap();
    let anchor = d
        .descendants()
        .find(|n| n.tag_name().name() == "anchor")
        .expect("a floating seal");
    let paragraph = anchor
        .ancestors()
        .find(|n| n.has_tag_name((W, "p")))
        .unwrap();
    let text: String = paragraph
        .descendants()
        .filter(|n| n.has_tag_name((W, "t")))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(text, "测试镇人民政府", "anchored to the 署名");
    let offsets: Vec<i64> = anchor
        .descendants()
        .filter(|n| n.tag_name().name() == "posOffset")
        .map(|n| n.text().unwrap().parse().unwrap())
        .collect();
    assert_eq!(offsets.len(), 2);
    assert!(
        offsets[1] < 0,
        "the seal reaches above the 署名's line: {offsets:?}"
    );
    assert!(
        parts.keys().any(|k| k.starts_with("word/media/")),
        "the PNG is in the package"
    );
}

/// Renders a data file (relative to the repository) to a .docx with its fonts embedded, from
/// the shipped fonts only, into `dir`.
fn embedded_docx(input: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let status = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("render")
        .arg(repo(input))
        .args([
            "--no-system-fonts",
            "--docx-embed-fonts",
            "--to",
            "docx",
            "-q",
            "-o",
        ])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "{input}");
    let stem = std::path::Path::new(input).file_stem().unwrap();
    dir.join(stem).with_extension("docx")
}

#[test]
fn openxml_audit_finds_no_errors() {
    if !common::require_tool("openxml-audit", &["--help"]) {
        return;
    }
    let audit = |name: &str, path: &std::path::Path| {
        let out = Command::new("openxml-audit")
            .args(["-m", "0", "-f", "microsoft365"])
            .arg(path)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(report.contains("Errors: 0"), "{name}:\n{report}");
    };
    for sample in SAMPLES.iter().chain(&["tests/data/sealed.toml"]) {
        let file = temp_file(&docx(sample), ".docx");
        audit(sample, file.path());
    }
    // With the fonts embedded.
    let dir = tempfile::tempdir().unwrap();
    let path = embedded_docx("tests/data/sealed.toml", dir.path());
    audit("sealed.toml, fonts embedded", &path);
}

#[test]
fn libreoffice_renders_every_label_and_figure_with_upright_vertical_headers() {
    if !common::require_tool("soffice", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for sample in SAMPLES {
        let stem = std::path::Path::new(sample)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let path = dir.path().join(format!("{stem}.docx"));
        std::fs::write(&path, docx(sample)).unwrap();
        inputs.push((sample, stem, path));
    }
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    let status = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir.path())
        .args(inputs.iter().map(|(_, _, p)| p))
        // The shipped fontconfig file: the official names answered with the open fonts.
        .env("FONTCONFIG_FILE", repo("fonts/fonts.conf"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for (sample, stem, _) in &inputs {
        let pdf_path = dir.path().join(format!("{stem}.pdf"));
        // Each role in its own style: no role fell back to another's face.
        let fonts = common::tool("pdffonts", &[pdf_path.to_str().unwrap()]);
        for face in [
            "NotoSerifSC-Bold",
            "NotoSansSC-Regular",
            "LXGWWenKai-Regular",
            "ZhuqueFangsong-Regular",
        ] {
            assert!(
                fonts.contains(face),
                "{sample}: LibreOffice did not use {face}:\n{fonts}"
            );
        }
        let pdf = std::fs::read(&pdf_path).unwrap();
        let text = PdfText::of(&pdf);
        let ours = render(sample);
        assert_eq!(
            text.pages.len(),
            ours.pages,
            "{sample}: LibreOffice {} pages, ours {}",
            text.pages.len(),
            ours.pages
        );
        // Every label and figure of every table, in drawing order (a label wrapped in a narrow
        // cell is interleaved with its neighbours in reading order).
        let file = temp_file(&pdf, ".pdf");
        let joined: String =
            common::tool("pdftotext", &["-raw", file.path().to_str().unwrap(), "-"])
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
        for block in &ours.doc.blocks {
            if let nianbao::document::Block::Table(t) = block {
                for cell in t.cells() {
                    let want: String = cell.text.chars().filter(|c| !c.is_whitespace()).collect();
                    assert!(
                        joined.contains(&want),
                        "{sample}: LibreOffice's PDF lacks {want}"
                    );
                }
            }
        }
        // Table 四's headers come out one character per line, stacked at one x (upright).
        let page = (0..text.pages.len())
            .find(|&p| text.words(p).any(|w| w.text == "行政复议"))
            .unwrap();
        let top = text.words(page).find(|w| w.text == "行政复议").unwrap().y1;
        let stacks = text.pages[page]
            .iter()
            .filter(|l| {
                l.words.len() == 1 && l.words[0].y0 > top && text.in_vertical_stack(page, l)
            })
            .count();
        assert!(
            stacks >= 15 * 2,
            "{sample}: only {stacks} stacked characters under 行政复议"
        );
    }
}

#[test]
fn render_writes_both_formats_and_the_same_docx_bytes_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let sample = repo("tests/data/sealed.toml");
    let run = |args: &[&str], out: &str| {
        let status = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .arg("render")
            .arg(&sample)
            .args(["--no-system-fonts", "-q", "-o"])
            .arg(dir.path().join(out))
            .args(args)
            .status()
            .unwrap();
        assert!(status.success());
    };
    run(&[], "both");
    run(&["--to", "docx"], "docx");
    let names = |d: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.path().join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("both"), ["sealed.docx", "sealed.pdf"]);
    assert_eq!(names("docx"), ["sealed.docx"]);
    let a = std::fs::read(dir.path().join("both/sealed.docx")).unwrap();
    let b = std::fs::read(dir.path().join("docx/sealed.docx")).unwrap();
    assert!(a == b, "two processes wrote different .docx bytes");
    // Embedded subsets too: the same characters give the same fonts, names and keys.
    run(&["--to", "docx", "--docx-embed-fonts"], "embed1");
    run(&["--to", "docx", "--docx-embed-fonts"], "embed2");
    let a = std::fs::read(dir.path().join("embed1/sealed.docx")).unwrap();
    let b = std::fs::read(dir.path().join("embed2/sealed.docx")).unwrap();
    assert!(a == b, "two processes embedded different fonts");
    assert!(a.len() > 100_000, "the fonts are in the file");
}

#[test]
fn the_trees_page_breaks_become_words_keep_properties() {
    let r = render("tests/data/sealed.toml");
    let parts = parts(&r.docx);
    let doc_xml = xml(&parts, "word/document.xml");
    let d = roxmltree::Document::parse(&doc_xml).unwrap();
    let has = |n: roxmltree::Node, tag: &str| {
        n.children()
            .find(|c| c.has_tag_name((W, "pPr")))
            .is_some_and(|ppr| ppr.children().any(|c| c.has_tag_name((W, tag))))
    };
    let body = d
        .descendants()
        .find(|n| n.has_tag_name((W, "body")))
        .unwrap();
    let paragraphs: Vec<_> = body
        .children()
        .filter(|n| n.has_tag_name((W, "p")))
        .collect();
    let text = |p: roxmltree::Node| -> String {
        p.descendants()
            .filter(|n| n.has_tag_name((W, "t")))
            .filter_map(|n| n.text())
            .collect()
    };
    // Headings keep with what follows and are never broken; paragraphs have widow control.
    let heading = paragraphs
        .iter()
        .find(|p| text(**p) == "一、总体情况")
        .unwrap();
    assert!(has(*heading, "keepNext") && has(*heading, "keepLines"));
    let body_text = paragraphs
        .iter()
        .find(|p| text(**p).starts_with("全年主动公开信息"))
        .unwrap();
    assert!(has(*body_text, "widowControl") && !has(*body_text, "keepNext"));
    // The paragraph before the 落款 keeps with it.
    let last = paragraphs
        .iter()
        .find(|p| text(**p) == "无收取信息处理费情况。")
        .unwrap();
    assert!(has(*last, "keepNext"));
    // Table 二: the rows of each 第二十条 item keep with the next, the item's last row does not.
    let t2 = body
        .children()
        .find(|n| n.has_tag_name((W, "tbl")))
        .unwrap();
    let keeps: Vec<bool> = t2
        .children()
        .filter(|n| n.has_tag_name((W, "tr")))
        .map(|tr| {
            tr.descendants()
                .filter(|n| n.has_tag_name((W, "p")))
                .all(|p| has(p, "keepNext"))
        })
        .collect();
    assert_eq!(
        keeps,
        [
            true, true, true, false, true, true, false, true, true, true, false, true, true, false
        ]
    );
}

/// A PDF's text page by page, as `pdftotext -raw` reads it: each page's lines with their
/// whitespace removed, the page number left out.
fn raw_pages(pdf: &std::path::Path) -> Vec<Vec<String>> {
    let info = common::tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count");
    (1..=pages)
        .map(|p| {
            let n = p.to_string();
            let text = common::tool(
                "pdftotext",
                &["-f", &n, "-l", &n, "-raw", pdf.to_str().unwrap(), "-"],
            );
            text.lines()
                .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
                .filter(|l| !l.is_empty())
                .filter(|l| {
                    // The page number: — 3 —
                    let digits = l.trim_matches(|c| c == '—' || c == '-');
                    digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit())
                })
                .collect()
        })
        .collect()
}

#[test]
fn libreoffice_paginates_the_docx_like_the_pdf() {
    if !common::require_tool("soffice", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = vec![
        "samples/huaian-2024.toml".to_string(),
        "samples/yimianpo-2021.toml".to_string(),
        "tests/data/sealed.toml".to_string(),
    ];
    for entry in std::fs::read_dir(repo("tests/data/stress")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            inputs.push(path.to_str().unwrap().to_string());
        }
    }
    let out = dir.path().join("out");
    let mut docx = Vec::new();
    for input in &inputs {
        let status = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .arg("render")
            .arg(repo(input))
            .args(["--no-system-fonts", "--docx-embed-fonts", "-q", "-o"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "{input}");
        let stem = std::path::Path::new(input).file_stem().unwrap().to_owned();
        docx.push((input, out.join(&stem).with_extension("docx"), stem));
    }
    // All in one LibreOffice session: each document's embedded subsets carry their own names,
    // so no document is drawn with another's.
    let lo = dir.path().join("lo");
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("profile").display()
    );
    let run = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&lo)
        .args(docx.iter().map(|(_, p, _)| p))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    for (input, _, stem) in &docx {
        let ours = raw_pages(&out.join(stem).with_extension("pdf"));
        let theirs = raw_pages(&lo.join(stem).with_extension("pdf"));
        assert_eq!(
            theirs.len(),
            ours.len(),
            "{input}: LibreOffice makes {} pages of the .docx, nianbao {}",
            theirs.len(),
            ours.len()
        );
        // Every character, commas and figures among them, in the same order.
        let joined = |pages: &[Vec<String>]| -> Vec<char> {
            pages.iter().flatten().flat_map(|l| l.chars()).collect()
        };
        let (a, b) = (joined(&ours), joined(&theirs));
        if let Some(at) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            let near = |t: &[char]| {
                t[at.saturating_sub(20)..(at + 20).min(t.len())]
                    .iter()
                    .collect::<String>()
            };
            panic!(
                "{input}: the texts part at character {at}:\n  nianbao:     {}\n  LibreOffice: {}",
                near(&a),
                near(&b)
            );
        }
        // Each page begins within one line of where the PDF's page begins.
        let mut start = (0usize, 0usize);
        for p in 1..ours.len() {
            start.0 += ours[p - 1].iter().map(|l| l.chars().count()).sum::<usize>();
            start.1 += theirs[p - 1]
                .iter()
                .map(|l| l.chars().count())
                .sum::<usize>();
            let line = |l: Option<&String>| l.map_or(0, |l| l.chars().count());
            let tolerance = line(ours[p - 1].last()).max(line(ours[p].first()));
            assert!(
                start.0.abs_diff(start.1) <= tolerance,
                "{input}: page {} begins {} characters from the PDF's (one line is {tolerance}): {}",
                p + 1,
                start.1 as i64 - start.0 as i64,
                theirs[p].first().map_or("", |l| l.as_str())
            );
        }
    }
}

#[test]
fn embedded_fonts_are_obfuscated_subsets_under_the_documents_own_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = embedded_docx("samples/huaian-2024.toml", dir.path());
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let mut read = |name: &str| -> Vec<u8> {
        let mut out = Vec::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    let table = String::from_utf8(read("word/fontTable.xml")).unwrap();
    let rels = String::from_utf8(read("word/_rels/fontTable.xml.rels")).unwrap();
    let doc = String::from_utf8(read("word/document.xml")).unwrap();
    let table_xml = roxmltree::Document::parse(&table).unwrap();
    let rels_xml = roxmltree::Document::parse(&rels).unwrap();
    let body_text: String = roxmltree::Document::parse(&doc)
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name((W, "t")))
        .filter_map(|n| n.text())
        .collect();

    let mut families = Vec::new();
    for font in table_xml
        .descendants()
        .filter(|n| n.has_tag_name((W, "font")))
    {
        let name = attr(font, "name").unwrap();
        let alt = font
            .children()
            .find(|n| n.has_tag_name((W, "altName")))
            .and_then(|n| attr(n, "val"))
            .unwrap();
        // "Zhuque Fangsong 3F2A1C": the real family and the document's tag.
        let tag = name.strip_prefix(alt).unwrap().trim();
        assert!(
            tag.len() == 6 && tag.chars().all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
        for embed in font
            .children()
            .filter(|n| n.has_tag_name((W, "embedRegular")) || n.has_tag_name((W, "embedBold")))
        {
            assert_eq!(attr(embed, "subsetted"), Some("true"));
            let id = embed
                .attribute((
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                    "id",
                ))
                .unwrap();
            let target = rels_xml
                .descendants()
                .find(|n| n.attribute("Id") == Some(id))
                .and_then(|n| n.attribute("Target"))
                .unwrap();
            let key: Vec<u8> = attr(embed, "fontKey")
                .unwrap()
                .chars()
                .filter(char::is_ascii_hexdigit)
                .collect::<String>()
                .as_bytes()
                .chunks(2)
                .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
                .collect();
            let mut font_bytes = read(&format!("word/{target}"));
            // Obfuscated: the first 32 bytes are not a font header until XORed with the key.
            assert_ne!(&font_bytes[..4], &[0, 1, 0, 0]);
            for (i, b) in font_bytes.iter_mut().take(32).enumerate() {
                *b ^= key[15 - i % 16];
            }
            let face = ttf_parser::Face::parse(&font_bytes, 0).expect("a TrueType font");
            let family = face
                .names()
                .into_iter()
                .find(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
                .and_then(|n| n.to_string())
                .unwrap();
            assert_eq!(family, name, "the font calls itself what the table does");
            // A subset: far fewer glyphs with outlines than the shipped font has.
            let outlined = (0..face.number_of_glyphs())
                .filter(|&g| face.glyph_bounding_box(ttf_parser::GlyphId(g)).is_some())
                .count();
            assert!(outlined < 2000, "{name}: {outlined} glyphs");
            if alt == "Zhuque Fangsong" {
                for ch in "本报告由淮安市人民政府办公室根据".chars() {
                    assert!(face.glyph_index(ch).is_some(), "{name} lacks {ch}");
                }
            }
        }
        families.push(name.to_string());
    }
    assert!(families.len() >= 4, "{families:?}");
    // The runs name the embedded families.
    for family in &families {
        assert!(
            doc.contains(&format!("w:eastAsia=\"{family}\""))
                || doc.contains(&format!("w:ascii=\"{family}\"")),
            "no run names {family}"
        );
    }
    assert!(body_text.contains("本报告由淮安市"));
}

#[test]
fn a_long_title_breaks_where_the_pdf_balanced_it() {
    let r = render("tests/data/stress/six-digit.toml");
    let parts = parts(&r.docx);
    let doc_xml = xml(&parts, "word/document.xml");
    let d = roxmltree::Document::parse(&doc_xml).unwrap();
    let first = d.descendants().find(|n| n.has_tag_name((W, "p"))).unwrap();
    // The run's text pieces, a line break between them.
    let pieces: Vec<String> = first
        .descendants()
        .filter(|n| n.has_tag_name((W, "t")) || n.has_tag_name((W, "br")))
        .map(|n| n.text().unwrap_or("|").to_string())
        .collect();
    assert_eq!(
        pieces,
        [
            "新疆维吾尔自治区伊犁哈萨克自治州",
            "|",
            "察布查尔锡伯自治县人民政府办公室"
        ]
    );
    // And the PDF has the same lines.
    let text = PdfText::of(&r.pdf);
    let lines: Vec<&str> = text.pages[0]
        .iter()
        .take(2)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "新疆维吾尔自治区伊犁哈萨克自治州",
            "察布查尔锡伯自治县人民政府办公室"
        ]
    );
}
