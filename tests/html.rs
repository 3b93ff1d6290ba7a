//! The HTML for the portal: what `--to html` writes, checked by the Nu Html Checker and in a
//! real browser (headless Chromium over WebDriver), against the document tree.

mod common;

use std::path::{Path, PathBuf};

use common::browser::{Browser, file_url};
use common::{nianbao, repo};
use nianbao::document::{Document, Slot, Table};
use nianbao::model::Format;
use nianbao::template::Template;
use serde_json::{Value, json};

/// Renders `files` to HTML with the real binary into `out` (`extra`: more arguments), and
/// returns the pages written.
fn render_html(files: &[PathBuf], out: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let mut args = vec!["render".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(["--to", "html", "-q", "-o"].map(String::from));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = nianbao(out, &args);
    assert_eq!(run.code, 0, "render --to html: {}", run.stderr);
    files
        .iter()
        .map(|f| out.join(f.with_extension("html").file_name().unwrap()))
        .collect()
}

/// The document tree of a data file, as the binary makes it with the built-in template.
fn tree(path: &Path) -> Document {
    let loaded = nianbao::load_path(path);
    let template = Template::builtin(Format::Y2021);
    nianbao::document(
        loaded.report.as_ref().unwrap(),
        &loaded.source,
        &template,
        path.parent().unwrap(),
    )
    .unwrap()
}

#[test]
fn a_page_is_standalone_and_its_fragment_has_no_style_sheet() {
    let out = tempfile::tempdir().unwrap();
    let sealed = [repo("tests/data/sealed.toml")];
    let page = std::fs::read_to_string(&render_html(&sealed, out.path(), &[])[0]).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    assert!(page.contains("<meta charset=\"utf-8\">"));
    assert!(page.contains("<title>测试镇人民政府2024年政府信息公开工作年度报告</title>"));
    assert!(page.contains("@page{size:210mm 297mm;margin:37mm 26mm 35mm 28mm;}"));
    assert!(page.contains("@page :right{@bottom-right{content:\"— \" counter(page) \" —\";"));
    // The seal inside, as a data URL; nothing fetched, nothing run.
    assert!(page.contains("<img class=\"nb-seal\" src=\"data:image/png;base64,iVBORw0KGgo"));
    for outside in ["<script", "http://", "https://", "<link", "url("] {
        assert!(!page.contains(outside), "{outside} in the page");
    }
    let fragment_dir = tempfile::tempdir().unwrap();
    let fragment = render_html(&sealed, fragment_dir.path(), &["--html-fragment"]);
    let fragment = std::fs::read_to_string(&fragment[0]).unwrap();
    assert!(fragment.starts_with("<div lang=\"zh-CN\" style=\""));
    for page_only in ["<html", "<head", "<style", "class=", "<body"] {
        assert!(!fragment.contains(page_only), "{page_only} in the fragment");
    }
    // Each figure carries its own rule against wrapping.
    assert!(fragment.contains("white-space:nowrap;"));
    assert!(fragment.contains("writing-mode:vertical-rl;text-orientation:upright;"));
}

#[test]
fn html_is_asked_for_like_the_other_outputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/data/base.toml"), dir.path().join("镇.toml")).unwrap();
    let run = nianbao(dir.path(), &["render", "镇.toml", "--to", "pdf,html", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("镇.pdf").is_file() && dir.path().join("镇.html").is_file());
    assert!(!dir.path().join("镇.docx").exists());

    let run = nianbao(dir.path(), &["render", "镇.toml", "--html-fragment"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("错误: --html-fragment 只用于网页输出，而 --to 没有 html [usage]"),
        "{}",
        run.stderr
    );
    let run = nianbao(dir.path(), &["render", "镇.toml", "--to", "tree,html"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--to tree 和 --to markup 只能单独使用"));

    // batch: the pages in the manifests, with their hashes.
    let run = nianbao(dir.path(), &["sample", "--count", "2", "-o", "表.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = nianbao(
        dir.path(),
        &["batch", "表.csv", "-o", "网页", "--to", "html", "-q"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("网页/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["formats"], json!(["html"]));
    for report in manifest["reports"].as_array().unwrap() {
        let outputs = report["outputs"].as_array().unwrap();
        assert_eq!(outputs.len(), 1, "{report}");
        let file = dir
            .path()
            .join("网页")
            .join(outputs[0]["file"].as_str().unwrap());
        assert!(file.extension().is_some_and(|e| e == "html"));
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            outputs[0]["sha256"],
            json!(nianbao::digest::sha256_hex(&bytes))
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("网页/manifest.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("HTML 文件,HTML 字节数,HTML SHA-256")
    );
}

#[test]
fn the_nu_html_checker_finds_no_errors() {
    let out = tempfile::tempdir().unwrap();
    let mut pages = render_html(&common::corpus(), out.path(), &["--headings", "article50"]);
    let short = tempfile::tempdir().unwrap();
    pages.extend(render_html(&common::corpus(), short.path(), &[]));
    // A fragment, inside the least document a CMS would put it in.
    let fragments = tempfile::tempdir().unwrap();
    for fragment in render_html(&common::corpus(), fragments.path(), &["--html-fragment"]) {
        let text = std::fs::read_to_string(&fragment).unwrap();
        let wrapped = format!(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>门户</title></head><body>\n{text}</body></html>\n"
        );
        std::fs::write(&fragment, wrapped).unwrap();
        pages.push(fragment);
    }
    let paths: Vec<&Path> = pages.iter().map(PathBuf::as_path).collect();
    let Some(errors) = common::vnu_errors(&paths) else {
        return;
    };
    assert!(errors.is_empty(), "vnu.jar:\n{}", errors.join("\n"));
}

/// What the DOM says of a table: for each row, its cells' tag, text, spans and the measures
/// the test checks.
const READ_TABLES: &str = r#"
const report = document.querySelector('div[lang]').getBoundingClientRect();
return {
  report: {left: report.left, right: report.right},
  tables: [...document.querySelectorAll('table')].map(t => {
    const box = t.getBoundingClientRect();
    return {
      left: box.left, right: box.right,
      rows: [...t.rows].map(r => [...r.cells].map(c => {
        const rect = c.getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(c);
        const lines = new Set([...range.getClientRects()].map(q => Math.round(q.top))).size;
        const span = c.querySelector('span');
        return {
          tag: c.tagName.toLowerCase(), text: c.textContent,
          rowspan: c.rowSpan, colspan: c.colSpan, scope: c.getAttribute('scope'),
          width: rect.width, height: rect.height, lines: lines,
          writing: span ? getComputedStyle(span).writingMode : getComputedStyle(c).writingMode,
        };
      })),
    };
  }),
};
"#;

/// The tree's cells, row by row, each at its top-left place: as a browser lists them.
fn tree_rows(table: &Table) -> Vec<Vec<usize>> {
    (0..table.rows())
        .map(|r| {
            (0..table.columns().len())
                .filter_map(|c| match table.slot(r, c) {
                    Slot::Cell(i) => Some(i),
                    Slot::Merged { .. } => None,
                })
                .collect()
        })
        .collect()
}

/// Compares the DOM's tables with the tree's, cell for cell, and checks what the page must
/// look like: figures on one line, vertical labels taller than wide, tables within the text.
fn check_page(name: &str, doc: &Document, dom: &Value) {
    let tables: Vec<&Table> = doc.tables().collect();
    let dom_tables = dom["tables"].as_array().unwrap();
    assert_eq!(dom_tables.len(), tables.len(), "{name}: tables");
    let (left, right) = (
        dom["report"]["left"].as_f64().unwrap(),
        dom["report"]["right"].as_f64().unwrap(),
    );
    let (mut figures, mut vertical) = (0, 0);
    for (t, (table, dom_table)) in tables.iter().zip(dom_tables).enumerate() {
        assert!(
            dom_table["left"].as_f64().unwrap() >= left - 0.5
                && dom_table["right"].as_f64().unwrap() <= right + 0.5,
            "{name}: table {t} is wider than the text ({dom_table:?} vs {left}..{right})"
        );
        let rows = dom_table["rows"].as_array().unwrap();
        let expected = tree_rows(table);
        assert_eq!(rows.len(), expected.len(), "{name}: table {t} rows");
        for (r, (row, cells)) in rows.iter().zip(&expected).enumerate() {
            let row = row.as_array().unwrap();
            assert_eq!(row.len(), cells.len(), "{name}: table {t} row {r}: cells");
            for (dom_cell, &index) in row.iter().zip(cells) {
                let cell = &table.cells()[index];
                let at = format!("{name}: table {t} row {r} column {}", cell.col);
                assert_eq!(dom_cell["text"], json!(cell.text), "{at}");
                assert_eq!(dom_cell["rowspan"], json!(cell.rowspan.get()), "{at}");
                assert_eq!(dom_cell["colspan"], json!(cell.colspan.get()), "{at}");
                if cell.is_figure() {
                    figures += 1;
                    assert_eq!(dom_cell["tag"], "td", "{at}");
                    assert_eq!(dom_cell["lines"], 1, "{at}: figure {} wraps", cell.text);
                } else {
                    assert_eq!(dom_cell["tag"], "th", "{at}");
                    let scope = if r < table.header_rows() {
                        if cell.colspan.get() > 1 {
                            "colgroup"
                        } else {
                            "col"
                        }
                    } else {
                        "row"
                    };
                    assert_eq!(dom_cell["scope"], scope, "{at}");
                }
                if cell.vertical {
                    vertical += 1;
                    assert_eq!(dom_cell["writing"], "vertical-rl", "{at}");
                    assert!(
                        dom_cell["height"].as_f64() > dom_cell["width"].as_f64(),
                        "{at}: vertical {} is not taller than wide: {dom_cell}",
                        cell.text
                    );
                }
            }
        }
    }
    assert!(
        figures > 50 && vertical > 10,
        "{name}: {figures} figures, {vertical} vertical"
    );
}

/// Where the screenshots go, for a person to look at beside the PDF pages.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn in_a_browser_every_figure_is_in_its_cell_on_one_line() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let shots = screenshot_dir();
    for (mode, extra) in [
        ("short", vec![]),
        ("article50", vec!["--headings", "article50"]),
    ] {
        let dir = out.path().join(mode);
        std::fs::create_dir_all(&dir).unwrap();
        let files = common::corpus();
        let pages = render_html(&files, &dir, &extra);
        for (file, page) in files.iter().zip(&pages) {
            let name = format!("{mode}/{}", page.file_name().unwrap().to_string_lossy());
            let mut doc = tree(file);
            if mode == "article50" {
                let mut template = Template::builtin(Format::Y2021);
                template.style_mut().options.headings = nianbao::style::Headings::Article50;
                let loaded = nianbao::load_path(file);
                doc = nianbao::document(
                    loaded.report.as_ref().unwrap(),
                    &loaded.source,
                    &template,
                    file.parent().unwrap(),
                )
                .unwrap();
            }
            browser.open(&file_url(page));
            let dom = browser.execute(READ_TABLES, vec![]);
            check_page(&name, &doc, &dom);
            if file.starts_with(repo("samples")) || file.ends_with("sealed.toml") {
                let shot = shots.join(format!(
                    "{mode}-{}.png",
                    file.file_stem().unwrap().to_string_lossy()
                ));
                browser.screenshot_full_page(&shot);
                eprintln!("screenshot: {}", shot.display());
            }
        }
    }
}

/// Printing the page from the browser gives the report on A4: every page numbered as the PDF
/// numbers them, the title on the first, the 落款 with its seal on the last.
#[test]
fn printed_from_the_browser_the_page_is_a_paged_report() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let page = render_html(&[repo("tests/data/sealed.toml")], out.path(), &[]);
    browser.open(&file_url(&page[0]));
    let pdf = common::temp_file(&browser.print_pdf(), ".pdf");
    let path = pdf.path().to_str().unwrap();
    let info = common::tool("pdfinfo", &[path]);
    assert!(
        info.contains("Page size:       594.96 x 841.92 pts (A4)"),
        "{info}"
    );
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((3..=6).contains(&pages), "{pages} pages");
    let text = common::PdfText::of(&std::fs::read(path).unwrap());
    for n in 1..=pages {
        let page: String = text.words(n - 1).map(|w| w.text.as_str()).collect();
        let number = format!("—{n}—");
        assert!(
            page.ends_with(&number),
            "page {n} does not end with {number}: {page}"
        );
    }
    let first: String = text.words(0).map(|w| w.text.as_str()).collect();
    assert!(first.contains("2024年政府信息公开工作年度报告"), "{first}");
    let last: String = text.words(pages - 1).map(|w| w.text.as_str()).collect();
    assert!(last.contains("测试镇人民政府2025年1月20日"), "{last}");
}

#[test]
fn a_pasted_fragment_keeps_its_looks_and_stands_without_writing_mode() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let file = repo("samples/huaian-2024.toml");
    let fragment = render_html(
        std::slice::from_ref(&file),
        out.path(),
        &["--html-fragment"],
    );
    let text = std::fs::read_to_string(&fragment[0]).unwrap();
    // As a CMS keeps it: inside its own page, its own style sheet resetting tables.
    let cms = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>门户</title>\
               <style>table{font-size:12px}td,th{white-space:normal}</style></head><body>";
    let pasted = out.path().join("pasted.html");
    std::fs::write(&pasted, format!("{cms}{text}</body></html>")).unwrap();
    browser.open(&file_url(&pasted));
    check_page(
        "pasted fragment",
        &tree(&file),
        &browser.execute(READ_TABLES, vec![]),
    );
    // An editor that drops writing-mode: the vertical labels still stand in their narrow
    // columns, one or two characters a line.
    let stripped = out.path().join("stripped.html");
    let without = text.replace("writing-mode:vertical-rl;text-orientation:upright;", "");
    std::fs::write(&stripped, format!("{cms}{without}</body></html>")).unwrap();
    browser.open(&file_url(&stripped));
    let dom = browser.execute(READ_TABLES, vec![]);
    let doc = tree(&file);
    let mut checked = 0;
    for (table, dom_table) in doc.tables().zip(dom["tables"].as_array().unwrap()) {
        for (row, cells) in dom_table["rows"]
            .as_array()
            .unwrap()
            .iter()
            .zip(tree_rows(table))
        {
            for (dom_cell, index) in row.as_array().unwrap().iter().zip(cells) {
                if table.cells()[index].vertical {
                    assert_eq!(dom_cell["writing"], "horizontal-tb");
                    assert!(
                        dom_cell["height"].as_f64() > dom_cell["width"].as_f64(),
                        "without writing-mode: {dom_cell}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10);
}
