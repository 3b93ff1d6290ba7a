//! Archival copies: PDF/A, the data and seal inside both formats, `extract`, `verify`, and
//! reproducible bytes. The real binary, in temporary directories, with the bundled fonts only.

mod common;

use std::io::Read;
use std::path::Path;

use common::{nianbao, repo, tool};

/// A temporary directory holding `sealed.toml` and its seal.
fn sealed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in ["sealed.toml", "seal.png", "base.toml"] {
        std::fs::copy(repo(&format!("tests/data/{file}")), dir.path().join(file)).unwrap();
    }
    dir
}

fn render(dir: &Path, args: &[&str]) {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--no-system-fonts", "-q"]);
    let run = nianbao(dir, &all);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn the_pdf_is_pdf_a_3b_with_its_data_and_seal_attached() {
    let dir = sealed_dir();
    render(dir.path(), &["sealed.toml"]);
    let pdf = dir.path().join("sealed.pdf");
    let path = pdf.to_str().unwrap();
    let bytes = read(&pdf);
    // XMP metadata (stored uncompressed, as PDF/A recommends): part and conformance, title,
    // the organ as author, the language.
    let text = String::from_utf8_lossy(&bytes);
    for xmp in [
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<rdf:li xml:lang=\"x-default\">测试镇人民政府2024年政府信息公开工作年度报告</rdf:li>",
        "<dc:creator><rdf:Seq><rdf:li>测试镇人民政府</rdf:li></rdf:Seq></dc:creator>",
        "<dc:language><rdf:Bag><rdf:li>zh-CN</rdf:li></rdf:Bag></dc:language>",
        "<pdf:Keywords>政府信息公开, 年度报告, 2024</pdf:Keywords>",
    ] {
        assert!(text.contains(xmp), "XMP lacks {xmp}");
    }
    assert!(text.contains("/S/GTS_PDFA1"), "no PDF/A output intent");
    assert!(
        text.contains("/AFRelationship/Source"),
        "no source relationship"
    );

    let list = tool("pdfdetach", &["-list", path]);
    for name in ["report.toml", "seal.png", "nianbao.json"] {
        assert!(list.contains(name), "{list}");
    }
    // The attached seal is the seal file, byte for byte.
    let out = dir.path().join("seal-out.png");
    let n = list
        .lines()
        .find(|l| l.ends_with("seal.png"))
        .and_then(|l| l.split(':').next())
        .unwrap()
        .to_string();
    tool(
        "pdfdetach",
        &["-save", &n, "-o", out.to_str().unwrap(), path],
    );
    assert_eq!(read(&out), read(dir.path().join("seal.png")));

    // Structure and fonts: qpdf finds nothing, every font is embedded.
    let check = tool("qpdf", &["--check", path]);
    assert!(
        check.contains("No syntax or stream encoding errors"),
        "{check}"
    );
    let fonts = tool("pdffonts", &[path]);
    for line in fonts.lines().skip(2) {
        let columns: Vec<&str> = line.split_whitespace().collect();
        let emb = columns[columns.len() - 5];
        assert_eq!(emb, "yes", "a font not embedded: {line}");
    }
}

#[test]
fn pdf_a_2b_and_plain_pdf_are_available() {
    let dir = sealed_dir();
    render(
        dir.path(),
        &["base.toml", "--to", "pdf", "--pdfa=2b", "-o", "a2"],
    );
    let a2 = read(dir.path().join("a2/base.pdf"));
    let text = String::from_utf8_lossy(&a2);
    assert!(text.contains("<pdfaid:part>2</pdfaid:part>"));
    // PDF/A-2 allows no attachments: nothing to extract, and extract says why.
    assert!(!text.contains("/EmbeddedFiles"));
    let run = nianbao(dir.path(), &["extract", "a2/base.pdf"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--pdfa=2b"), "{}", run.stderr);

    render(
        dir.path(),
        &["base.toml", "--to", "pdf", "--pdfa=off", "-o", "plain"],
    );
    let plain = read(dir.path().join("plain/base.pdf"));
    let text = String::from_utf8_lossy(&plain);
    assert!(!text.contains("pdfaid:part"));
    assert!(
        text.contains("/EmbeddedFiles"),
        "a plain PDF still carries its data"
    );
}

#[test]
fn extracted_data_renders_the_same_bytes_in_both_formats() {
    let dir = sealed_dir();
    render(dir.path(), &["sealed.toml", "-o", "first"]);
    for (format, file) in [("pdf", "first/sealed.pdf"), ("docx", "first/sealed.docx")] {
        let data = format!("back-{format}/data.toml");
        let run = nianbao(dir.path(), &["extract", file, "-o", &data]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("nianbao render {data} --to {format}")),
            "{}",
            run.stderr
        );
        // The seal comes out beside the data, named after it.
        let seal = dir.path().join(format!("back-{format}/data-seal.png"));
        assert_eq!(read(&seal), read(dir.path().join("seal.png")));
        render(dir.path(), &[&data, "--to", format]);
        let again = dir.path().join(format!("back-{format}/data.{format}"));
        assert!(
            read(&again) == read(dir.path().join(file)),
            "{format}: extract → render does not give the same bytes"
        );
    }
    // Not overwritten by accident.
    let run = nianbao(
        dir.path(),
        &["extract", "first/sealed.pdf", "-o", "back-pdf/data.toml"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
}

#[test]
fn options_that_shape_the_file_are_recorded_and_given_back() {
    let dir = sealed_dir();
    let stamped = |args: &[&str]| {
        let mut all = vec!["render", "base.toml", "--no-system-fonts", "-q"];
        all.extend_from_slice(args);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(&all)
            .current_dir(dir.path())
            .env("SOURCE_DATE_EPOCH", "1737365415")
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    // base.toml is dated; drop the date so that SOURCE_DATE_EPOCH decides.
    let undated = std::fs::read_to_string(dir.path().join("base.toml"))
        .unwrap()
        .replace("[signature]\ndate = 2025-01-20\n", "");
    std::fs::write(dir.path().join("base.toml"), undated).unwrap();
    stamped(&[
        "--to",
        "pdf",
        "--headings",
        "article50",
        "--pdfa=off",
        "-o",
        "o",
    ]);
    let run = nianbao(dir.path(), &["extract", "o/base.pdf", "-o", "x/base.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let command = "SOURCE_DATE_EPOCH=1737365415 nianbao render x/base.toml --to pdf --pdfa=off --headings article50";
    assert!(run.stderr.contains(command), "{}", run.stderr);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "render",
            "x/base.toml",
            "--to",
            "pdf",
            "--pdfa=off",
            "--headings",
            "article50",
            "--no-system-fonts",
            "-q",
        ])
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "1737365415")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(read(dir.path().join("x/base.pdf")) == read(dir.path().join("o/base.pdf")));
    // verify sets the same options up from the file alone.
    let run = nianbao(dir.path(), &["verify", "o/base.pdf", "--no-system-fonts"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn verify_accepts_the_file_and_rejects_one_changed_byte() {
    let dir = sealed_dir();
    render(dir.path(), &["sealed.toml"]);
    let run = nianbao(
        dir.path(),
        &["verify", "sealed.pdf", "sealed.docx", "--no-system-fonts"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("sealed.pdf：一致。正是内嵌数据生成的 PDF/A-3b"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("sealed.docx：一致。"), "{}", run.stdout);

    let original = read(dir.path().join("sealed.pdf"));
    // One byte in a page's content, and one digit of the embedded data.
    let mut content = original.clone();
    let middle = content.len() / 3;
    content[middle] ^= 0x01;
    std::fs::write(dir.path().join("content.pdf"), &content).unwrap();
    let mut data = original.clone();
    let at = find(&data, b"licensing_decisions = 120").unwrap() + "licensing_decisions = ".len();
    data[at] = b'9';
    std::fs::write(dir.path().join("data.pdf"), &data).unwrap();
    for file in ["content.pdf", "data.pdf"] {
        let run = nianbao(dir.path(), &["verify", file, "--no-system-fonts"]);
        assert_eq!(run.code, 1, "{file}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(&format!("{file}：不一致。")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn verify_tells_another_template_from_an_altered_file() {
    let dir = sealed_dir();
    let run = nianbao(dir.path(), &["template", "export", "tpl"]);
    assert_eq!(run.code, 0);
    let report = dir.path().join("tpl/report.xml");
    let edited =
        std::fs::read_to_string(&report)
            .unwrap()
            .replacen("<title>", "<title>（修订）", 1);
    std::fs::write(&report, edited).unwrap();
    render(
        dir.path(),
        &["base.toml", "--to", "pdf", "--template", "tpl"],
    );
    // Checked with the built-in template: not "altered", but made another way.
    let run = nianbao(dir.path(), &["verify", "base.pdf", "--no-system-fonts"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("base.pdf：无法确认。"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("模板不同：文件用的是「tpl」"),
        "{}",
        run.stdout
    );
    // With the template it was made with: identical.
    let run = nianbao(
        dir.path(),
        &[
            "verify",
            "base.pdf",
            "--no-system-fonts",
            "--template",
            "tpl",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn two_renders_on_different_paths_are_identical() {
    let a = sealed_dir();
    let b = sealed_dir();
    std::fs::create_dir(b.path().join("deeper")).unwrap();
    for file in ["sealed.toml", "seal.png"] {
        std::fs::rename(b.path().join(file), b.path().join("deeper").join(file)).unwrap();
    }
    render(a.path(), &["sealed.toml", "-o", "out-one"]);
    render(b.path(), &["deeper/sealed.toml", "-o", "elsewhere/two"]);
    for ext in ["pdf", "docx"] {
        assert!(
            read(a.path().join(format!("out-one/sealed.{ext}")))
                == read(b.path().join(format!("elsewhere/two/sealed.{ext}"))),
            "{ext} differs between paths"
        );
    }
}

#[test]
fn docx_carries_awkward_text_intact_in_its_custom_xml_part() {
    let dir = sealed_dir();
    let awkward = std::fs::read_to_string(dir.path().join("base.toml"))
        .unwrap()
        .replace(
            "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
            "problems = \"A&B <c> ]]> \\\"引号\\\" 与 & 符号。\"",
        );
    std::fs::write(dir.path().join("base.toml"), &awkward).unwrap();
    render(dir.path(), &["base.toml", "--to", "docx"]);
    let docx = read(dir.path().join("base.docx"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
    let mut item = String::new();
    zip.by_name("customXml/item1.xml")
        .unwrap()
        .read_to_string(&mut item)
        .unwrap();
    // Well-formed, escaped, and named by its properties part.
    roxmltree::Document::parse(&item).expect("the custom XML part is well-formed");
    assert!(item.contains("A&amp;B &lt;c&gt; ]]&gt;"), "{item}");
    let mut props = String::new();
    zip.by_name("customXml/itemProps1.xml")
        .unwrap()
        .read_to_string(&mut props)
        .unwrap();
    assert!(props.contains("ds:itemID=\"{"), "{props}");
    let mut rels = String::new();
    zip.by_name("word/_rels/document.xml.rels")
        .unwrap()
        .read_to_string(&mut rels)
        .unwrap();
    assert!(rels.contains("Target=\"../customXml/item1.xml\""), "{rels}");

    let run = nianbao(dir.path(), &["extract", "base.docx", "-o", "back.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let back = std::fs::read_to_string(dir.path().join("back.toml")).unwrap();
    assert!(
        back.contains("problems = \"A&B <c> ]]> \\\"引号\\\" 与 & 符号。\""),
        "{back}"
    );
}

#[test]
fn seal_files_are_checked() {
    let dir = sealed_dir();
    let sealed = std::fs::read_to_string(dir.path().join("sealed.toml")).unwrap();
    let with_seal =
        |seal: &str| sealed.replace("seal = \"seal.png\"", &format!("seal = \"{seal}\""));

    // Not a PNG.
    std::fs::write(dir.path().join("seal.gif"), b"GIF89a\x01\x00\x01\x00").unwrap();
    std::fs::write(dir.path().join("gif.toml"), with_seal("seal.gif")).unwrap();
    let run = nianbao(
        dir.path(),
        &["render", "gif.toml", "--no-system-fonts", "-q"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("印章图片 seal.gif 不是 PNG 图片 [seal]"),
        "{}",
        run.stderr
    );

    // Far too large: a PNG header claiming 6000 × 6000 pixels is refused before decoding.
    let mut huge = read(dir.path().join("seal.png"));
    huge[16..20].copy_from_slice(&6000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&6000u32.to_be_bytes());
    std::fs::write(dir.path().join("huge.png"), huge).unwrap();
    std::fs::write(dir.path().join("huge.toml"), with_seal("huge.png")).unwrap();
    let run = nianbao(
        dir.path(),
        &["render", "huge.toml", "--no-system-fonts", "-q"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("印章图片 huge.png 超出限度「印章图片的宽或高」（seal_side）：最多 4000 像素，这里是 6000×6000 像素 [limit]"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("huge.pdf").exists());

    // No transparency: a warning, and the files are still made.
    std::fs::copy(
        repo("tests/data/seal-opaque.png"),
        dir.path().join("opaque.png"),
    )
    .unwrap();
    std::fs::write(dir.path().join("opaque.toml"), with_seal("opaque.png")).unwrap();
    let run = nianbao(
        dir.path(),
        &["render", "opaque.toml", "--no-system-fonts", "-q"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "opaque.toml 警告 signature.seal（落款 · 印章图片）: 印章图片 opaque.png 没有透明背景"
        ),
        "{}",
        run.stderr
    );
    assert!(dir.path().join("opaque.pdf").exists());
}

#[test]
fn batch_reports_verify_against_their_manifest_and_rows_extract_to_the_same_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(dir.path(), &["sample", "--count", "2", "-o", "county.xlsx"]);
    assert_eq!(run.code, 0);
    let run = nianbao(
        dir.path(),
        &[
            "batch",
            "county.xlsx",
            "-o",
            "out",
            "--to",
            "pdf",
            "--no-system-fonts",
            "-q",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pdfs: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .map(|n| format!("out/{n}"))
        .collect();
    pdfs.sort();
    let mut args = vec!["verify", "--no-system-fonts"];
    args.extend(pdfs.iter().map(String::as_str));
    let run = nianbao(dir.path(), &args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout
            .matches("与 manifest.json 记录的 SHA-256 相同")
            .count(),
        2,
        "{}",
        run.stdout
    );

    // A row of the workbook, extracted, renders to the very same PDF.
    let run = nianbao(dir.path(), &["extract", &pdfs[0], "-o", "row.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    render(dir.path(), &["row.toml", "--to", "pdf"]);
    assert!(read(dir.path().join("row.pdf")) == read(dir.path().join(&pdfs[0])));

    // A file replaced after the batch: the manifest says so.
    std::fs::copy(dir.path().join(&pdfs[1]), dir.path().join(&pdfs[0])).unwrap();
    let run = nianbao(dir.path(), &["verify", &pdfs[0], "--no-system-fonts"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("与 manifest.json 记录的 SHA-256 不同"),
        "{}",
        run.stdout
    );
}
