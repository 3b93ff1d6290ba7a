//! The built-in template against docs/format-2021.md §2–4, and template directories.
//! The expected layouts below are transcribed from the spec, not from the template.

mod common;

use std::path::Path;

use common::{repo, tables};
use nianbao::document::{Block, Document, Table};
use nianbao::model::{Format, Loaded};
use nianbao::template::Template;

fn load(path: &str) -> Loaded {
    let loaded = nianbao::load_path(&repo(path));
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded
}

fn document(path: &str) -> Document {
    let loaded = load(path);
    Template::builtin(Format::Y2021)
        .document(loaded.report.as_ref().unwrap(), &loaded.source)
        .expect("the built-in template renders")
}

fn headings(doc: &Document, level: u8) -> Vec<String> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level: l, text, .. } if *l == level => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// (text, row, col, rowspan, colspan) of every cell that is not a figure.
fn label_cells(
    table: &Table,
    figure: impl Fn(usize, usize) -> bool,
) -> Vec<(String, usize, usize, usize, usize)> {
    table
        .cells()
        .iter()
        .filter(|c| !figure(c.row, c.col))
        .map(|c| {
            (
                c.text.clone(),
                c.row,
                c.col,
                c.rowspan.get(),
                c.colspan.get(),
            )
        })
        .collect()
}

fn spec_table3() -> Vec<(String, usize, usize, usize, usize)> {
    let mut cells = vec![
        (
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            0,
            0,
            3,
            3,
        ),
        ("申请人情况", 0, 3, 1, 7),
        ("自然人", 1, 3, 2, 1),
        ("法人或其他组织", 1, 4, 1, 5),
        ("总计", 1, 9, 2, 1),
        ("商业企业", 2, 4, 1, 1),
        ("科研机构", 2, 5, 1, 1),
        ("社会公益组织", 2, 6, 1, 1),
        ("法律服务机构", 2, 7, 1, 1),
        ("其他", 2, 8, 1, 1),
        ("一、本年新收政府信息公开申请数量", 3, 0, 1, 3),
        ("二、上年结转政府信息公开申请数量", 4, 0, 1, 3),
        ("三、本年度办理结果", 5, 0, 22, 1),
        ("（一）予以公开", 5, 1, 1, 2),
        (
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            6,
            1,
            1,
            2,
        ),
        ("（三）不予公开", 7, 1, 8, 1),
    ];
    let groups: [(&str, usize, &[&str]); 4] = [
        (
            "（三）不予公开",
            7,
            &[
                "1.属于国家秘密",
                "2.其他法律行政法规禁止公开",
                "3.危及“三安全一稳定”",
                "4.保护第三方合法权益",
                "5.属于三类内部事务信息",
                "6.属于四类过程性信息",
                "7.属于行政执法案卷",
                "8.属于行政查询事项",
            ],
        ),
        (
            "（四）无法提供",
            15,
            &[
                "1.本机关不掌握相关政府信息",
                "2.没有现成信息需要另行制作",
                "3.补正后申请内容仍不明确",
            ],
        ),
        (
            "（五）不予处理",
            18,
            &[
                "1.信访举报投诉类申请",
                "2.重复申请",
                "3.要求提供公开出版物",
                "4.无正当理由大量反复申请",
                "5.要求行政机关确认或重新出具已获取信息",
            ],
        ),
        (
            "（六）其他处理",
            23,
            &[
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                "3.其他",
            ],
        ),
    ];
    let mut out: Vec<(String, usize, usize, usize, usize)> = cells
        .drain(..)
        .map(|(t, r, c, rs, cs)| (t.to_string(), r, c, rs, cs))
        .collect();
    out.pop(); // （三）不予公开 is added with its group below
    for (group, first, items) in groups {
        for (i, item) in items.iter().enumerate() {
            if i == 0 {
                out.push((group.to_string(), first, 1, items.len(), 1));
            }
            out.push((item.to_string(), first + i, 2, 1, 1));
        }
    }
    out.push(("（七）总计".into(), 26, 1, 1, 2));
    out.push(("四、结转下年度继续办理".into(), 27, 0, 1, 3));
    out
}

#[test]
fn table_three_has_the_spec_labels_spans_and_order() {
    for sample in ["samples/huaian-2024.toml", "samples/yimianpo-2021.toml"] {
        let doc = document(sample);
        let t3 = tables(&doc)[1];
        assert_eq!(t3.columns().len(), 10, "{sample}");
        assert_eq!(t3.rows(), 28, "{sample}: 3 header rows + 25 body rows");
        assert_eq!(t3.header_rows(), 3, "{sample}");
        let figure = |r: usize, c: usize| r >= 3 && c >= 3;
        assert_eq!(label_cells(t3, figure), spec_table3(), "{sample}");
        // Only 三、本年度办理结果 is vertical in table 三.
        let vertical: Vec<&str> = t3
            .cells()
            .iter()
            .filter(|c| c.vertical)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(vertical, vec!["三、本年度办理结果"]);
        // Widths in the proportions of the official form: 754 | 921 | 3271 | 685 × 7.
        let w = t3.columns();
        assert!((w[2] / w[3] - 3271.0 / 685.0).abs() < 1e-4);
    }
}

#[test]
fn table_three_figures_are_the_reports_with_computed_totals() {
    let doc = document("samples/huaian-2024.toml");
    let t3 = tables(&doc)[1];
    let row =
        |r: usize| -> Vec<String> { (3..10).map(|c| t3.cell_at(r, c).text.clone()).collect() };
    assert_eq!(row(3), ["3001", "53", "0", "0", "61", "4", "3119"]);
    assert_eq!(
        row(26),
        ["2932", "53", "0", "0", "61", "4", "3050"],
        "（七）总计"
    );
    assert_eq!(row(27), ["103", "0", "0", "0", "0", "0", "103"]);
    // Every figure cell is a single cell holding a whole number.
    for r in 3..28 {
        for c in 3..10 {
            let cell = t3.cell_at(r, c);
            assert_eq!(
                (cell.row, cell.col, cell.rowspan.get(), cell.colspan.get()),
                (r, c, 1, 1)
            );
            assert!(cell.text.parse::<u64>().is_ok(), "{r},{c}: {}", cell.text);
        }
    }
}

#[test]
fn table_four_has_fifteen_vertical_result_headers() {
    for sample in ["samples/huaian-2024.toml", "samples/yimianpo-2021.toml"] {
        let doc = document(sample);
        let t4 = tables(&doc)[2];
        assert_eq!(
            (t4.columns().len(), t4.rows(), t4.header_rows()),
            (15, 4, 3)
        );
        let results = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
        let vertical: Vec<_> = t4
            .cells()
            .iter()
            .filter(|c| c.vertical)
            .map(|c| (c.text.as_str(), c.row, c.col, c.rowspan.get()))
            .collect();
        let mut expected: Vec<_> = results
            .iter()
            .enumerate()
            .map(|(i, r)| (*r, 1, i, 2))
            .collect();
        for group in 0..2 {
            expected.extend(
                results
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (*r, 2, 5 + group * 5 + i, 1)),
            );
        }
        assert_eq!(vertical, expected, "{sample}");
        let top: Vec<_> = t4
            .row_cells(0)
            .map(|c| (c.text.as_str(), c.colspan.get()))
            .collect();
        assert_eq!(top, [("行政复议", 5), ("行政诉讼", 10)]);
        let second: Vec<_> = t4
            .row_cells(1)
            .filter(|c| !c.vertical)
            .map(|c| (c.text.as_str(), c.col, c.colspan.get()))
            .collect();
        assert_eq!(second, [("未经复议直接起诉", 5, 5), ("复议后起诉", 10, 5)]);
    }
    let t4 = tables(&document("samples/huaian-2024.toml"))[2].clone();
    let figures: Vec<&str> = t4.row_cells(3).map(|c| c.text.as_str()).collect();
    assert_eq!(
        figures,
        [
            "72", "64", "178", "37", "351", "13", "4", "8", "1", "26", "12", "1", "1", "6", "20"
        ]
    );
}

#[test]
fn table_two_follows_the_spec() {
    let doc = document("samples/huaian-2024.toml");
    let t2 = tables(&doc)[0];
    let rows: Vec<Vec<(String, usize)>> = (0..t2.rows())
        .map(|r| {
            t2.row_cells(r)
                .map(|c| (c.text.clone(), c.colspan.get()))
                .collect()
        })
        .collect();
    let s = |t: &str, n: usize| (t.to_string(), n);
    assert_eq!(
        rows,
        vec![
            vec![s("第二十条第（一）项", 4)],
            vec![
                s("信息内容", 1),
                s("本年制发件数", 1),
                s("本年废止件数", 1),
                s("现行有效件数", 1)
            ],
            vec![s("规章", 1), s("1", 1), s("0", 1), s("11", 1)],
            vec![s("行政规范性文件", 1), s("8", 1), s("26", 1), s("66", 1)],
            vec![s("第二十条第（五）项", 4)],
            vec![s("信息内容", 1), s("本年处理决定数量", 3)],
            vec![s("行政许可", 1), s("447228", 3)],
            vec![s("第二十条第（六）项", 4)],
            vec![s("信息内容", 1), s("本年处理决定数量", 3)],
            vec![s("行政处罚", 1), s("3985758", 3)],
            vec![s("行政强制", 1), s("88283", 3)],
            vec![s("第二十条第（八）项", 4)],
            vec![s("信息内容", 1), s("本年收费金额（单位：万元）", 3)],
            vec![s("行政事业性收费", 1), s("96171.6", 3)],
        ]
    );
    assert!(
        t2.columns().iter().all(|w| (w - 0.25).abs() < 1e-6),
        "four equal columns"
    );
}

#[test]
fn the_six_headings_in_order_and_the_title() {
    for sample in ["samples/huaian-2024.toml", "samples/yimianpo-2021.toml"] {
        let doc = document(sample);
        assert_eq!(
            headings(&doc, 1),
            [
                "一、总体情况",
                "二、主动公开政府信息情况",
                "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况",
                "五、存在的主要问题及改进情况",
                "六、其他需要报告的事项",
            ]
        );
        let titles: Vec<_> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Title { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(titles.len(), 2);
        assert!(titles[1].ends_with("年政府信息公开工作年度报告"));
    }
    let doc = document("samples/yimianpo-2021.toml");
    assert_eq!(
        headings(&doc, 2),
        [
            "（一）主动公开",
            "（二）依申请公开",
            "（三）政府信息管理",
            "（四）政府信息公开平台建设",
            "（五）监督保障方面"
        ]
    );
    assert_eq!(
        doc.meta.title,
        "一面坡镇人民政府2021年政府信息公开工作年度报告"
    );
}

#[test]
fn placeholders_resolve_to_the_reports_figures() {
    let doc = document("samples/huaian-2024.toml");
    let text = doc.plain_text();
    assert!(
        !text.contains("{{") && !text.contains("}}"),
        "unresolved placeholder"
    );
    for quoted in [
        "全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）",
        "政府信息公开行政复议351件，其中结果维持72件，结果纠正64件，其他结果178件，尚未审结37件",
        "政府信息公开行政诉讼46件，其中结果维持25件，结果纠正5件，其他结果9件，尚未审结7件",
        "全年新增公开市政府规章1件",
    ] {
        assert!(text.contains(quoted), "missing: {quoted}");
    }
    // Run-in headings: the lead in 楷体, the rest in 仿宋, in one paragraph.
    let lead = doc.blocks.iter().find_map(|b| match b {
        Block::Paragraph(p) if p.runs.len() == 2 => Some(p),
        _ => None,
    });
    let p = lead.expect("a run-in heading");
    assert_eq!(p.runs[0].text, "（一）主动公开情况。");
    assert_eq!(p.runs[0].role, nianbao::document::Role::Subheading);
    assert_eq!(p.runs[1].role, nianbao::document::Role::Body);
}

#[test]
fn the_standard_preamble_is_written_when_none_is_given() {
    let doc = document("tests/data/base.toml");
    let Block::Paragraph(p) = &doc.blocks[2] else {
        panic!("preamble expected")
    };
    assert_eq!(
        p.text(),
        "本报告由测试镇人民政府根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》\
         （国办公开办函〔2021〕30号）编制。报告所列数据的统计期限自2024年1月1日至2024年12月31日。\
         如对本报告有疑问，请与测试镇人民政府联系（地址：测试县测试路1号，邮编：100000，电话：010-12345678）。"
    );
    let Some(Block::Signature(s)) = doc.blocks.last() else {
        panic!("signature expected")
    };
    assert_eq!(
        (s.organ.as_str(), s.date.as_deref()),
        ("测试镇人民政府", Some("2025年1月20日"))
    );
    assert_eq!(doc.meta.date.map(|d| d.iso()), Some("2025-01-20".into()));
    // Without [signature] there is no 落款.
    assert!(
        !document("samples/huaian-2024.toml")
            .blocks
            .iter()
            .any(|b| matches!(b, Block::Signature(_)))
    );
}

#[test]
fn article_50_wording_with_title_rows() {
    let loaded = load("samples/yimianpo-2021.toml");
    let mut template = Template::builtin(Format::Y2021);
    template.style_mut().options.headings = nianbao::style::Headings::Article50;
    let doc = template
        .document(loaded.report.as_ref().unwrap(), &loaded.source)
        .unwrap();
    assert_eq!(
        headings(&doc, 1),
        [
            "一、总体情况",
            "行政机关主动公开政府信息情况",
            "行政机关收到和处理政府信息公开申请情况",
            "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
            "政府信息公开工作存在的主要问题及改进情况",
            "其他需要报告的事项",
        ]
    );
    let titles: Vec<(&str, usize)> = tables(&doc)
        .iter()
        .map(|t| (t.cells()[0].text.as_str(), t.header_rows()))
        .collect();
    assert_eq!(
        titles,
        [
            ("主动公开政府信息情况", 1),
            ("收到和处理政府信息公开申请情况", 4),
            ("政府信息公开行政复议、行政诉讼情况", 4),
        ]
    );
}

fn nianbao(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let run = common::nianbao(dir, args);
    (run.code, run.stdout, run.stderr)
}

#[test]
fn an_edited_template_directory_changes_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sample = repo("samples/huaian-2024.toml");
    let sample = sample.to_str().unwrap();
    let (code, _, _) = nianbao(d, &["template", "export", "tpl"]);
    assert_eq!(code, 0);
    for file in [
        "report.xml",
        "table2.xml",
        "table3.xml",
        "table4.xml",
        "components.xml",
        "style.toml",
    ] {
        assert!(d.join("tpl").join(file).is_file(), "{file} exported");
    }
    // The exported copy renders exactly like the built-in one.
    let (_, builtin, _) = nianbao(d, &["render", sample, "--to", "tree"]);
    let (code, copy, err) = nianbao(d, &["render", sample, "--to", "tree", "--template", "tpl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(builtin, copy);
    // Edits show: a heading's wording and a style value.
    let report = std::fs::read_to_string(d.join("tpl/report.xml")).unwrap();
    std::fs::write(
        d.join("tpl/report.xml"),
        report.replace("<h1>一、总体情况</h1>", "<h1>一、总体情况概述</h1>"),
    )
    .unwrap();
    std::fs::write(
        d.join("tpl/style.toml"),
        "[page_number]\nposition = \"center\"\n",
    )
    .unwrap();
    let (code, edited, err) = nianbao(d, &["render", sample, "--to", "tree", "--template", "tpl"]);
    assert_eq!(code, 0, "{err}");
    let tree: serde_json::Value = serde_json::from_str(&edited).unwrap();
    let first_heading = tree["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "heading")
        .unwrap();
    assert_eq!(first_heading["text"], "一、总体情况概述");
    assert_eq!(tree["style"]["page_number"]["position"], "center");
    // Export refuses to overwrite, and writes nothing.
    let (code, _, err) = nianbao(d, &["template", "export", "tpl"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("目录里已有") && err.contains("--force"),
        "{err}"
    );
    assert!(
        std::fs::read_to_string(d.join("tpl/report.xml"))
            .unwrap()
            .contains("总体情况概述")
    );
}

#[test]
fn template_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sample = repo("samples/huaian-2024.toml");
    let sample = sample.to_str().unwrap();
    nianbao(d, &["template", "export", "tpl"]);
    let table2 = std::fs::read_to_string(d.join("tpl/table2.xml")).unwrap();
    let broken = table2.replacen(
        "{{ ad.licensing_decisions }}",
        "{{ ad.licensing_decisions }",
        1,
    );
    let line = broken
        .lines()
        .position(|l| l.contains("{{ ad.licensing_decisions }<"))
        .unwrap()
        + 1;
    std::fs::write(d.join("tpl/table2.xml"), broken).unwrap();
    let (code, out, err) = nianbao(d, &["render", sample, "--to", "tree", "--template", "tpl"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.starts_with(&format!("tpl/table2.xml:{line}:")), "{err}");
    assert!(err.contains("错误: 模板语法错误"), "{err}");

    // A structural mistake in the markup: a row one cell short.
    std::fs::write(
        d.join("tpl/table2.xml"),
        table2.replacen("<cell>规章</cell>", "", 1),
    )
    .unwrap();
    let (_, markup, _) = nianbao(d, &["render", sample, "--to", "markup"]);
    let row_line = markup
        .lines()
        .position(|l| l.contains("<cell>规章</cell>"))
        .unwrap()
        + 1;
    let (code, _, err) = nianbao(d, &["render", sample, "--to", "tree", "--template", "tpl"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("tpl（模板输出）:{row_line}:1 ")),
        "{err}"
    );
    assert!(
        err.contains("表格结构有误：第 3 行只填了 3 列，表格有 4 列"),
        "{err}"
    );
    assert!(err.contains("--to markup"), "{err}");

    // A template directory without report.xml.
    std::fs::remove_file(d.join("tpl/report.xml")).unwrap();
    let (code, _, err) = nianbao(d, &["render", sample, "--to", "tree", "--template", "tpl"]);
    assert_eq!(code, 2);
    assert!(err.contains("模板目录里没有 report.xml"), "{err}");
}

#[test]
fn a_broken_placeholder_names_the_section_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(repo("tests/data/base.toml"))
        .unwrap()
        .replace("new_received.total", "new_recieved.total");
    std::fs::write(d.join("r.toml"), text).unwrap();
    // Column 9: the `{{` after the eight characters 全年主动公开信息 (tera counted bytes: 25).
    let expected = "r.toml:15:9 错误 text.overview（一、总体情况）: 第 2 行：占位符中的 applications.new_recieved.total 不存在 [placeholder]\n    \
                    提示：是否应为 {{ applications.new_received.total }}？";
    let (code, _, err) = nianbao(d, &["render", "r.toml", "--to", "tree"]);
    assert_eq!(code, 1);
    assert_eq!(err.trim_end(), expected);
    // check finds it too, before anything is rendered.
    let (code, out, _) = nianbao(d, &["check", "r.toml"]);
    assert_eq!(code, 1);
    assert!(out.contains(expected), "{out}");
}

#[test]
fn narrative_may_not_run_template_statements() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(repo("tests/data/base.toml"))
        .unwrap()
        .replace(
            "全年主动公开信息",
            "{% include \"/etc/passwd\" %}{% for i in range(end=99999999) %}x{% endfor %}",
        );
    std::fs::write(d.join("r.toml"), text).unwrap();
    let (code, _, err) = nianbao(d, &["render", "r.toml", "--to", "tree"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim_end(),
        "r.toml:15:1 错误 text.overview（一、总体情况）: 第 2 行：正文中不能使用 {% … %} 语句 [placeholder]\n    \
         提示：正文只能用 {{ … }} 引用本报告的数字，如 {{ applications.new_received.total }}"
    );
}
