//! The PDF output, read back with poppler (pdftotext, pdffonts, pdfinfo, pdfimages).

mod common;

use common::{PdfText, TEXT_BOTTOM, fonts, render, repo, tables, temp_file, tool};
use nianbao::document::Block;
use nianbao::layout::{self, Item};

const SAMPLES: [&str; 2] = ["samples/huaian-2024.toml", "samples/yimianpo-2021.toml"];

/// Characters that may not begin a line, and that may not end one (GB/T 15834 禁则).
const NO_START: &str = "，。、；：？！）】》」』”’…";
const NO_END: &str = "（【《「『“‘";

#[test]
fn both_samples_render_with_a_stable_page_count() {
    assert_eq!(render(SAMPLES[0]).pages, 6);
    assert_eq!(render(SAMPLES[1]).pages, 6);
    let pdf = render(SAMPLES[0]).pdf;
    let file = temp_file(&pdf, ".pdf");
    let info = tool("pdfinfo", &[file.path().to_str().unwrap()]);
    assert!(info.contains("Pages:           6"), "{info}");
    assert!(
        info.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{info}"
    );
}

#[test]
fn every_figure_of_every_table_is_in_the_pdf() {
    for sample in SAMPLES {
        let r = render(sample);
        let text = PdfText::of(&r.pdf);
        let words: Vec<&str> = (0..text.pages.len())
            .flat_map(|p| text.words(p).map(|w| w.text.as_str()))
            .collect();
        let mut expected: Vec<&str> = Vec::new();
        for t in tables(&r.doc) {
            for cell in t.cells() {
                if cell.text.parse::<f64>().is_ok() {
                    expected.push(&cell.text);
                }
            }
        }
        assert!(expected.len() > 190, "{sample}: {} figures", expected.len());
        for figure in expected.iter().collect::<std::collections::BTreeSet<_>>() {
            let want = expected.iter().filter(|e| *e == figure).count();
            let found = words.iter().filter(|w| *w == figure).count();
            assert!(
                found >= want,
                "{sample}: figure {figure} appears {want} times in the tables, {found} in the PDF"
            );
        }
    }
}

#[test]
fn the_reports_text_can_be_extracted() {
    for sample in SAMPLES {
        let r = render(sample);
        let pdf_text = PdfText::of(&r.pdf).joined();
        for block in &r.doc.blocks {
            let text = match block {
                Block::Title { text, .. } | Block::Heading { text, .. } => text.clone(),
                Block::Paragraph(p) => p.text(),
                _ => continue,
            };
            let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(
                pdf_text.contains(&text),
                "{sample}: not found in the PDF:\n{text}"
            );
        }
    }
}

#[test]
fn table_four_headers_are_stacked_upright_in_one_column_and_found_as_words() {
    for sample in SAMPLES {
        let r = render(sample);
        let t4 = tables(&r.doc)[2];
        let headers: Vec<&str> = t4
            .cells()
            .iter()
            .filter(|c| c.vertical)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(headers.len(), 15, "{sample}");
        // In the layout: each header is one run of glyphs stacked at one x, evenly down.
        let laid = layout::layout(&r.doc, fonts());
        let mut stacks = 0;
        for run in laid.pages.pages.iter().flat_map(|p| &p.items) {
            let Item::Text(run) = run else { continue };
            let stacked = run.glyphs.iter().any(|g| g.y_offset != 0.0);
            if !headers.contains(&run.text.as_str()) || !stacked {
                continue;
            }
            let mut x = run.x;
            let mut xs = Vec::new();
            for g in &run.glyphs {
                xs.push(x + g.x_offset);
                x += g.x_advance;
            }
            let ys: Vec<f32> = run.glyphs.iter().map(|g| g.y_offset).collect();
            assert!(
                xs.iter().all(|v| (v - xs[0]).abs() < 0.01),
                "{sample}: {} not in one column: {xs:?}",
                run.text
            );
            let steps: Vec<f32> = ys.windows(2).map(|p| p[1] - p[0]).collect();
            assert!(
                steps
                    .iter()
                    .all(|s| *s > 5.0 && (s - steps[0]).abs() < 0.01),
                "{sample}: {} uneven: {ys:?}",
                run.text
            );
            stacks += 1;
        }
        assert_eq!(stacks, 15, "{sample}");
        // In the PDF: each header is found as a word, the columns left to right.
        let text = PdfText::of(&r.pdf);
        let page = (0..text.pages.len())
            .find(|&p| text.words(p).any(|w| w.text == "行政复议"))
            .expect("table 四 is in the PDF");
        let top = text
            .words(page)
            .find(|w| w.text == "行政复议")
            .map_or(0.0, |w| w.y0);
        let mut found: Vec<&common::Word> = text
            .words(page)
            .filter(|w| w.y0 > top && headers.contains(&w.text.as_str()))
            .collect();
        found.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let order: Vec<&str> = found.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(order, headers, "{sample}");
        for pair in found.windows(2) {
            assert!(pair[0].x1 <= pair[1].x0, "{sample}: {pair:?}");
        }
    }
}

#[test]
fn no_line_starts_or_ends_with_forbidden_punctuation() {
    for sample in SAMPLES.iter().chain(&["tests/data/sealed.toml"]) {
        let r = render(sample);
        let text = PdfText::of(&r.pdf);
        let mut lines = 0;
        for (p, page) in text.pages.iter().enumerate() {
            // Page numbers (— 1 —) and vertical stacks (三、本年度…) are not lines of text.
            let body = page
                .iter()
                .filter(|l| l.words.iter().all(|w| w.y1 < TEXT_BOTTOM))
                .filter(|l| !text.in_vertical_stack(p, l));
            for line in body {
                let (Some(first), Some(last)) =
                    (line.text.chars().next(), line.text.chars().last())
                else {
                    continue;
                };
                assert!(
                    !NO_START.contains(first),
                    "{sample} page {}: line starts with {first}: {}",
                    p + 1,
                    line.text
                );
                assert!(
                    !NO_END.contains(last),
                    "{sample} page {}: line ends with {last}: {}",
                    p + 1,
                    line.text
                );
                lines += 1;
            }
        }
        assert!(lines > 100, "{sample}: only {lines} lines checked");
    }
}

#[test]
fn only_embedded_subset_fonts() {
    let r = render(SAMPLES[0]);
    let file = temp_file(&r.pdf, ".pdf");
    let listing = tool("pdffonts", &[file.path().to_str().unwrap()]);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    // Title, body and tables, headings, subheadings, page numbers. Zhuque Fangsong has every
    // character of the sample: Noto Serif SC Regular is there for the page numbers only.
    let mut faces: Vec<&str> = rows
        .iter()
        .map(|row| row.split_whitespace().next().unwrap())
        .map(|name| name.split_once('+').map_or(name, |(_, base)| base))
        .collect();
    faces.sort_unstable();
    assert_eq!(
        faces,
        [
            "LXGWWenKai-Regular",
            "NotoSansSC-Regular",
            "NotoSerifSC-Bold",
            "NotoSerifSC-Regular",
            "ZhuqueFangsong-Regular",
        ],
        "{listing}"
    );
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let name = cols[0];
        assert!(
            name.len() > 7 && name.as_bytes()[6] == b'+',
            "not a subset: {row}"
        );
        let flags = &cols[cols.len() - 5..cols.len() - 2];
        assert_eq!(flags, ["yes", "yes", "yes"], "emb/sub/uni: {row}");
    }
    assert!(r.pdf.len() < 300 * 1024, "{} bytes", r.pdf.len());
}

#[test]
fn document_properties_come_from_the_data() {
    let r = render("tests/data/base.toml");
    let file = temp_file(&r.pdf, ".pdf");
    let info = tool("pdfinfo", &["-isodates", file.path().to_str().unwrap()]);
    for line in [
        "Title:           测试镇人民政府2024年政府信息公开工作年度报告",
        "Subject:         2024年政府信息公开工作年度报告",
        "Author:          测试镇人民政府",
        "CreationDate:    2025-01-20T00:00:00Z",
    ] {
        assert!(info.contains(line), "missing {line:?} in\n{info}");
    }
    // Without a date in the data: the first day after the reporting year (never the clock).
    let r = render(SAMPLES[0]);
    let file = temp_file(&r.pdf, ".pdf");
    let info = tool("pdfinfo", &["-isodates", file.path().to_str().unwrap()]);
    assert!(
        info.contains("CreationDate:    2025-01-01T00:00:00Z"),
        "{info}"
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = render(SAMPLES[0]).pdf;
    let b = render(SAMPLES[0]).pdf;
    assert!(a == b, "two renders in one process differ");
    // And through the command line, into two different directories.
    let dir = tempfile::tempdir().unwrap();
    let sample = repo(SAMPLES[1]);
    for out in ["one", "two"] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args([
                "render",
                sample.to_str().unwrap(),
                "--no-system-fonts",
                "-q",
                "-o",
            ])
            .arg(dir.path().join(out))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let one = std::fs::read(dir.path().join("one/yimianpo-2021.pdf")).unwrap();
    let two = std::fs::read(dir.path().join("two/yimianpo-2021.pdf")).unwrap();
    assert!(one == two, "renders into two directories differ");
}

#[test]
fn page_numbers_sit_outside_odd_right_even_left() {
    let r = render(SAMPLES[0]);
    let text = PdfText::of(&r.pdf);
    let left = 28.0 * 72.0 / 25.4;
    let right = (210.0 - 26.0) * 72.0 / 25.4;
    let text_bottom = TEXT_BOTTOM;
    for (p, page) in text.pages.iter().enumerate() {
        let number = page
            .iter()
            .find(|l| l.words.iter().all(|w| w.y0 > text_bottom))
            .unwrap_or_else(|| panic!("page {} has no number", p + 1));
        let n = p + 1;
        assert_eq!(number.text.replace(' ', ""), format!("—{n}—"));
        let x0 = number.words.iter().map(|w| w.x0).fold(f32::MAX, f32::min);
        let x1 = number.words.iter().map(|w| w.x1).fold(f32::MIN, f32::max);
        if n % 2 == 1 {
            assert!((right - 14.0 - x1).abs() < 2.0, "page {n}: right edge {x1}");
        } else {
            assert!((x0 - (left + 14.0)).abs() < 2.0, "page {n}: left edge {x0}");
        }
        // The dash line 7 mm below the text block.
        let dash = number
            .words
            .iter()
            .map(|w| (w.y0 + w.y1) / 2.0)
            .next()
            .unwrap();
        assert!(
            (dash - (text_bottom + 7.0 * 72.0 / 25.4)).abs() < 3.0,
            "page {n}: number at {dash}"
        );
    }
}

#[test]
fn the_seal_lies_over_the_signature_which_is_never_alone() {
    let r = render("tests/data/sealed.toml");
    let laid = layout::layout(&r.doc, fonts());
    let (page, picture) = laid
        .pages
        .pages
        .iter()
        .enumerate()
        .find_map(|(i, p)| {
            p.items.iter().find_map(|item| match item {
                Item::Image(pic) => Some((i, pic)),
                _ => None,
            })
        })
        .expect("the seal is drawn");
    let runs: Vec<_> = laid.pages.pages[page]
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Text(t) => Some(t),
            _ => None,
        })
        .collect();
    for text in ["测试镇人民政府", "2025年1月20日"] {
        let run = runs
            .iter()
            .find(|t| t.text == text)
            .unwrap_or_else(|| panic!("{text} on the seal's page"));
        let width: f32 = run.glyphs.iter().map(|g| g.x_advance).sum();
        assert!(
            run.x >= picture.x && run.x + width <= picture.x + picture.width,
            "{text} is under the seal"
        );
        assert!(
            run.y > picture.y && run.y < picture.y + picture.height,
            "{text} is under the seal"
        );
    }
    // GB/T 9704 7.3.5.1: the date four characters in from the right of the text block.
    let date = runs.iter().find(|t| t.text == "2025年1月20日").unwrap();
    let end = date.x + date.glyphs.iter().map(|g| g.x_advance).sum::<f32>();
    let cell = 156.0 * 72.0 / 25.4 / 28.0;
    assert!(((210.0 - 26.0) * 72.0 / 25.4 - 4.0 * cell - end).abs() < 0.5);
    // Text of the body shares the page.
    assert!(
        runs.iter().any(|t| t.text.contains("无收取信息处理费情况")),
        "the 落款 is alone on its page"
    );
    // The PNG keeps its transparency: an image with a soft mask.
    let file = temp_file(&r.pdf, ".pdf");
    let images = tool("pdfimages", &["-list", file.path().to_str().unwrap()]);
    assert!(images.lines().any(|l| l.contains(" image ")), "{images}");
    assert!(images.lines().any(|l| l.contains(" smask ")), "{images}");
}

/// 署名 too long for one line (organ names may have 100 characters): with and without a seal,
/// every word of the 落款 stays in the text block, the 署名 whole and in order over several lines,
/// the date below its last line.
#[test]
fn a_long_signature_organ_breaks_into_lines_inside_the_text_block() {
    const LONG: [&str; 2] = [
        "新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县人民政府办公室",
        "新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县人民政府办公室政务公开和政务服务管理办公室某某省某某市某某区人民政府办公室（某某市某某区行政审批局、某某市某某区大数据发展管理中心、某某区政务服务站）",
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/data/seal.png"), dir.path().join("seal.png")).unwrap();
    let sealed = std::fs::read_to_string(repo("tests/data/sealed.toml")).unwrap();
    let unsealed = sealed.replace("seal = \"seal.png\"\n", "");
    assert_ne!(sealed, unsealed);
    let (left, right) = (28.0 * 72.0 / 25.4, (210.0 - 26.0) * 72.0 / 25.4);
    for organ in LONG {
        for (name, data) in [("sealed", &sealed), ("unsealed", &unsealed)] {
            let chars = organ.chars().count();
            let case = format!("{name}, {chars} characters");
            let path = dir.path().join(format!("{name}-{chars}.toml"));
            let data = data.replace(
                "[signature]\n",
                &format!("[signature]\norgan = \"{organ}\"\n"),
            );
            std::fs::write(&path, data).unwrap();
            let r = render(path.to_str().unwrap());
            let text = PdfText::of(&r.pdf);
            let page = &text.pages[text.pages.len() - 1];
            let date = page
                .iter()
                .position(|l| l.text == "2025年1月20日")
                .unwrap_or_else(|| panic!("{case}: the date on the last page"));
            // The lines just above the date make up the 署名.
            let mut start = date;
            let mut joined = String::new();
            while joined.len() < organ.len() && start > 0 {
                start -= 1;
                joined.insert_str(0, &page[start].text.replace(' ', ""));
            }
            assert_eq!(joined, organ, "{case}: the 署名 over the date");
            let organ_lines = &page[start..date];
            assert!(organ_lines.len() > 1, "{case}: {} line", organ_lines.len());
            for line in &page[start..=date] {
                for w in &line.words {
                    assert!(
                        w.x0 >= left - 0.5 && w.x1 <= right + 0.5,
                        "{case}: {} from {} to {}, outside {left}..{right}",
                        w.text,
                        w.x0,
                        w.x1
                    );
                }
            }
            let bottom =
                |l: &common::TextLine| l.words.iter().map(|w| w.y1).fold(f32::MIN, f32::max);
            let top = |l: &common::TextLine| l.words.iter().map(|w| w.y0).fold(f32::MAX, f32::min);
            for pair in page[start..=date].windows(2) {
                assert!(
                    top(&pair[1]) > bottom(&pair[0]) - 1.0,
                    "{case}: {} is not below {}",
                    pair[1].text,
                    pair[0].text
                );
            }
        }
    }
}

#[test]
fn characters_no_font_has_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("tests/data/base.toml"))
        .unwrap()
        // A cuneiform sign: a character of Unicode that the shipped fonts lack (a private-use
        // character is refused before, by check's rule bad-character).
        .replace(
            "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
            "problems = \"无\u{12000}。\"",
        );
    std::fs::write(dir.path().join("r.toml"), text).unwrap();
    // A PDF/A file (the default) cannot have boxes: an error, and no file.
    let run = common::nianbao(dir.path(), &["render", "r.toml", "--no-system-fonts", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("r.toml 错误: 以下字符没有任何字体包含，印出来会是空框：\u{12000}（U+12000），PDF/A 文件不能有缺字 [missing-glyph]"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("r.pdf").exists());
    // A plain PDF is written, with a warning.
    let run = common::nianbao(
        dir.path(),
        &[
            "render",
            "r.toml",
            "--no-system-fonts",
            "-q",
            "--pdfa=off",
            "--to",
            "pdf",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("r.toml 警告: 以下字符没有任何字体包含，印出来会是空框：\u{12000}（U+12000） [missing-glyph]"),
        "{}",
        run.stderr
    );
    assert!(dir.path().join("r.pdf").exists());
}
