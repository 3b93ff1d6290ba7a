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

/// A tool the test needs: present, or the test is skipped outside CI (CI installs it).
fn available(program: &str, args: &[&str]) -> bool {
    let found = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "{program} is required in CI (.ci/run installs it)"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
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
    assert!(
        sect.children().all(|n| !n.has_tag_name((W, "docGrid"))),
        "no grid snapping"
    );

    // Every run names its role's official East-Asian font and Times New Roman for Latin.
    let mut east_asian: Vec<&str> = d
        .descendants()
        .filter(|n| n.has_tag_name((W, "rFonts")))
        .map(|n| {
            assert_eq!(attr(n, "ascii"), Some("Times New Roman"));
            assert_eq!(attr(n, "hAnsi"), Some("Times New Roman"));
            attr(n, "eastAsia").unwrap()
        })
        .collect();
    east_asian.sort();
    east_asian.dedup();
    assert_eq!(
        east_asian,
        ["仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "黑体"]
    );

    // Body paragraphs: exact line pitch (225 mm / 22), 2-character first-line indent, justified.
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
    assert_eq!(attr(get("spacing"), "lineRule"), Some("exact"));
    assert_eq!(attr(get("spacing"), "line"), Some("580"));
    assert_eq!(attr(get("ind"), "firstLineChars"), Some("200"));
    assert_eq!(attr(get("ind"), "firstLine"), Some("632"));
    assert_eq!(attr(get("jc"), "val"), Some("both"));
    assert_eq!(attr(get("autoSpaceDE"), "val"), Some("0"));

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
    for entry in [
        r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋,FangSong,Noto Serif SC"/><w:charset w:val="86"/>"#,
        r#"<w:font w:name="方正小标宋简体"><w:altName w:val="方正小标宋_GBK,Noto Serif SC"/>"#,
        r#"<w:font w:name="黑体"><w:altName w:val="SimHei,方正黑体_GBK,Noto Sans SC"/><w:charset w:val="86"/>"#,
        r#"<w:font w:name="楷体_GB2312"><w:altName w:val="楷体,KaiTi,方正楷体_GBK,LXGW WenKai"/>"#,
    ] {
        assert!(
            font_table.contains(entry),
            "font table lacks {entry}:\n{font_table}"
        );
    }
}

#[test]
fn tables_carry_spans_vertical_cells_and_repeating_headers() {
    let parts = parts(&docx(SAMPLES[0]));
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
    // Restarts: the note, 自然人, 总计, 三、本年度办理结果, and the four groups （三）–（六）.
    assert_eq!(vmerge(t3, Some("restart")), 8);
    // One continuation cell per covered row: the note (2 rows, one 3-column cell each),
    // 自然人 and 总计 (1 each), 三、本年度办理结果 (21), the groups (7 + 2 + 4 + 2).
    let continued: usize = 2 + 1 + 1 + 21 + 7 + 2 + 4 + 2;
    assert_eq!(vmerge(t3, Some("continue")), continued);
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
    assert_eq!(vertical(t3), ["三、本年度办理结果"]);
    let v4 = vertical(tables[2]);
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

#[test]
fn openxml_audit_finds_no_errors() {
    if !available("openxml-audit", &["--help"]) {
        return;
    }
    for sample in SAMPLES.iter().chain(&["tests/data/sealed.toml"]) {
        let file = temp_file(&docx(sample), ".docx");
        let out = Command::new("openxml-audit")
            .args(["-m", "0", "-f", "microsoft365"])
            .arg(file.path())
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(report.contains("Errors: 0"), "{sample}:\n{report}");
    }
}

/// The shipped fonts, named as the official fonts, for LibreOffice (through fontconfig).
fn fontconfig(dir: &std::path::Path) -> std::path::PathBuf {
    let conf = dir.join("fonts.conf");
    let alias = |official: &str, open: &str| {
        format!(
            r#"<alias binding="strong"><family>{official}</family><prefer><family>{open}</family></prefer></alias>"#
        )
    };
    let text = format!(
        r#"<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{}</dir><cachedir>{}</cachedir>{}{}{}{}{}</fontconfig>"#,
        repo("fonts").display(),
        dir.join("cache").display(),
        alias("方正小标宋简体", "Noto Serif SC"),
        alias("黑体", "Noto Sans SC"),
        alias("楷体_GB2312", "LXGW WenKai"),
        alias("仿宋_GB2312", "Zhuque Fangsong"),
        alias("宋体", "Noto Serif SC"),
    );
    std::fs::write(&conf, text).unwrap();
    conf
}

#[test]
fn libreoffice_renders_every_label_and_figure_with_upright_vertical_headers() {
    if !available("soffice", &["--version"]) {
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
        .env("FONTCONFIG_FILE", fontconfig(dir.path()))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for (sample, stem, _) in &inputs {
        let pdf = std::fs::read(dir.path().join(format!("{stem}.pdf"))).unwrap();
        let text = PdfText::of(&pdf);
        let ours = render(sample);
        let diff = text.pages.len() as i64 - ours.pages as i64;
        assert!(
            diff.abs() <= 1,
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
