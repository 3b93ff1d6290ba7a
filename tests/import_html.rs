//! The web-page reader (`nianbao::import::html`): nianbao's own pages and fragments scan to
//! exactly the document tree they were written from; a portal page pasted from Word, in GBK,
//! scans to its exact text and grid; hostile pages end quickly in a clear error or a bounded
//! result.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{fonts, repo};
use nianbao::diag::Rule;
use nianbao::document::{Block, Document};
use nianbao::html::HtmlOptions;
use nianbao::import::html::scan_html;
use nianbao::import::{Scanned, ScannedBlock, ScannedTable, map};
use nianbao::layout::{Measure, Measures};
use nianbao::model::{Format, Syntax};
use nianbao::style::Headings;
use nianbao::template::Template;

/// A block as compared: a text, or a table's cells as (row, col, rowspan, colspan, text).
#[derive(Debug, PartialEq)]
enum Want {
    Text(String),
    Table(Vec<(usize, usize, usize, usize, String)>),
}

fn got(scanned: &Scanned) -> Vec<Want> {
    scanned
        .blocks
        .iter()
        .map(|b| match b {
            ScannedBlock::Text { text, .. } => Want::Text(text.clone()),
            ScannedBlock::Table(t) => Want::Table(cells(t)),
        })
        .collect()
}

fn cells(t: &ScannedTable) -> Vec<(usize, usize, usize, usize, String)> {
    t.cells
        .iter()
        .map(|c| (c.row, c.col, c.rowspan, c.colspan, c.text.clone()))
        .collect()
}

/// `text` cut where the layout ended its lines (the page writes a `<br>` there).
fn cut(text: &str, ends: &[usize]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut start = 0;
    for &end in ends {
        lines.push(text[start..end].to_string());
        start = end;
    }
    lines.push(text[start..].to_string());
    lines
}

/// What a page of the tree must scan to: the title's lines, each heading and paragraph, the
/// tables cell by cell as the tree has them, the 落款's lines.
fn want(doc: &Document, measures: &Measures) -> Vec<Want> {
    let mut out = Vec::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        match (block, measures.blocks.get(i)) {
            (Block::Title { text, .. }, Some(Measure::Title { line_ends })) => {
                out.extend(cut(text, line_ends).into_iter().map(Want::Text))
            }
            (Block::Title { text, .. }, _) | (Block::Heading { text, .. }, _) => {
                out.push(Want::Text(text.clone()))
            }
            (Block::Paragraph(p), _) => out.push(Want::Text(p.text())),
            (Block::Table(t), _) => out.push(Want::Table(
                t.cells()
                    .iter()
                    .map(|c| {
                        let text = c.text.clone();
                        (c.row, c.col, c.rowspan.get(), c.colspan.get(), text)
                    })
                    .collect(),
            )),
            (Block::Signature(s), m) => {
                match m {
                    Some(Measure::Signature(m)) => out.extend(
                        m.organ_lines
                            .iter()
                            .map(|l| Want::Text(s.organ[l.text.clone()].to_string())),
                    ),
                    _ => out.push(Want::Text(s.organ.clone())),
                }
                out.extend(s.date.iter().map(|d| Want::Text(d.clone())));
            }
        }
    }
    out
}

/// The document tree of a data file and what the layout measured of it.
fn tree(path: &Path) -> (Document, Measures) {
    let loaded = nianbao::load_path(path);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    let template = Template::builtin(Format::Y2021);
    let doc = nianbao::document(
        loaded.report.as_ref().unwrap(),
        &loaded.source,
        &template,
        path.parent().unwrap(),
    )
    .unwrap();
    let laid = nianbao::layout::layout(&doc, fonts());
    (doc, laid.measures)
}

/// Checks the places of a scan: tables numbered 1, 2, … in order, each cell's place its grid
/// place (1-based), lines never going back.
fn check_places(scanned: &Scanned) {
    let mut tables = 0;
    let mut last_line = 0;
    for block in &scanned.blocks {
        let line = match block {
            ScannedBlock::Text { at, .. } => {
                assert_eq!(
                    (at.table, at.row, at.col, at.page),
                    (None, None, None, None)
                );
                at.line.unwrap()
            }
            ScannedBlock::Table(t) => {
                tables += 1;
                assert_eq!(t.at.table, Some(tables));
                for c in &t.cells {
                    assert_eq!(c.at.table, Some(tables));
                    assert_eq!((c.at.row, c.at.col), (Some(c.row + 1), Some(c.col + 1)));
                    assert!(c.at.line.unwrap() > t.at.line.unwrap());
                }
                t.at.line.unwrap()
            }
        };
        assert!(line >= last_line, "line {line} after {last_line}");
        last_line = line;
    }
}

#[test]
fn nianbaos_own_pages_and_fragments_scan_to_the_tree() {
    for path in common::corpus() {
        let (doc, measures) = tree(&path);
        let want = want(&doc, &measures);
        for fragment in [false, true] {
            let html = nianbao::html::write(&doc, &measures, &HtmlOptions { fragment });
            let scanned = scan_html(html.as_bytes(), "report.html").unwrap();
            let got = got(&scanned);
            assert_eq!(
                got.len(),
                want.len(),
                "{} fragment={fragment}",
                path.display()
            );
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "{} fragment={fragment}", path.display());
            }
            check_places(&scanned);
        }
    }
}

/// The rows of table 三 in the data file's order, as `applications` lists them.
const APPLICATION_ROWS: [&str; 25] = [
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited_by_law",
    "denied_three_safeties_one_stability",
    "denied_third_party_rights",
    "denied_internal_affairs",
    "denied_process_information",
    "denied_enforcement_case_file",
    "denied_administrative_query",
    "unable_not_held",
    "unable_requires_new_creation",
    "unable_unclear_after_correction",
    "not_processed_petition_complaint",
    "not_processed_repeated",
    "not_processed_publication",
    "not_processed_massive_repeated",
    "not_processed_confirm_or_reissue",
    "other_overdue_correction",
    "other_overdue_fee",
    "other_other",
    "results_total",
    "carried_to_next_year",
];

/// The text of the cell at (row, col) of a table, which must start there.
fn at(t: &ScannedTable, row: usize, col: usize) -> &str {
    let cell = t.cells.iter().find(|c| c.row == row && c.col == col);
    &cell
        .unwrap_or_else(|| panic!("no cell at {row},{col}"))
        .text
}

#[test]
fn the_huaian_page_has_the_data_files_title_text_and_figures() {
    let path = repo("samples/huaian-2024.toml");
    let data: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (doc, measures) = tree(&path);
    for fragment in [false, true] {
        let html = nianbao::html::write(&doc, &measures, &HtmlOptions { fragment });
        let scanned = scan_html(html.as_bytes(), "huaian.html").unwrap();
        let texts: Vec<&str> = scanned
            .blocks
            .iter()
            .filter_map(|b| match b {
                ScannedBlock::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts[..2],
            ["淮安市人民政府", "2024年政府信息公开工作年度报告"]
        );
        // The narrative without placeholders, paragraph by paragraph as the data file has it.
        for (section, heading) in [
            ("problems", "五、存在的主要问题及改进情况"),
            ("other", "六、其他需要报告的事项"),
        ] {
            let written = data["text"][section].as_str().unwrap();
            let paragraphs: Vec<&str> = written.trim().split("\n\n").collect();
            let h = texts.iter().position(|t| *t == heading).unwrap();
            assert_eq!(texts[h + 1..h + 1 + paragraphs.len()], paragraphs[..]);
        }
        let tables: Vec<&ScannedTable> = scanned
            .blocks
            .iter()
            .filter_map(|b| match b {
                ScannedBlock::Table(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(tables.len(), 3);
        // Table 二: each figure where the format puts it.
        let active = data["active_disclosure"].as_table().unwrap();
        for (row, key) in [(2, "regulations"), (3, "normative_documents")] {
            for (col, field) in [(1, "issued"), (2, "repealed"), (3, "in_force")] {
                let n = active[key][field].as_integer().unwrap();
                assert_eq!(at(tables[0], row, col), n.to_string());
            }
        }
        for (row, key) in [
            (6, "licensing_decisions"),
            (9, "penalty_decisions"),
            (10, "coercion_decisions"),
        ] {
            assert_eq!(
                at(tables[0], row, 1),
                active[key].as_integer().unwrap().to_string()
            );
        }
        assert_eq!(at(tables[0], 13, 1), "96171.6");
        // Table 三: 25 rows of 7 figures under the 3 header rows, and its spans.
        let applications = data["applications"].as_table().unwrap();
        for (i, key) in APPLICATION_ROWS.iter().enumerate() {
            let figures = applications[*key].as_array().unwrap();
            for (j, n) in figures.iter().enumerate() {
                let n = n.as_integer().unwrap().to_string();
                assert_eq!(at(tables[1], 3 + i, 3 + j), n, "{key} column {j}");
            }
        }
        let spans: Vec<(usize, usize, usize, usize)> = tables[1]
            .cells
            .iter()
            .filter(|c| c.rowspan > 1 || c.colspan > 1)
            .map(|c| (c.row, c.col, c.rowspan, c.colspan))
            .collect();
        let mut want_spans = vec![
            (0, 0, 3, 3),
            (0, 3, 1, 7),
            (1, 3, 2, 1),
            (1, 4, 1, 5),
            (1, 9, 2, 1),
            (3, 0, 1, 3),
            (4, 0, 1, 3),
            (5, 0, 22, 1),
            (5, 1, 1, 2),
            (6, 1, 1, 2),
            (7, 1, 8, 1),
            (15, 1, 3, 1),
            (18, 1, 5, 1),
            (23, 1, 3, 1),
            (26, 1, 1, 2),
            (27, 0, 1, 3),
        ];
        want_spans.sort();
        assert_eq!(spans, want_spans);
        assert_eq!(at(tables[1], 5, 0), "三、本年度办理结果");
        assert_eq!(at(tables[1], 2, 4), "商业企业");
        // Table 四: the 15 figures of its last row.
        let review = data["review_litigation"].as_table().unwrap();
        let mut col = 0;
        for group in [
            "administrative_review",
            "litigation_direct",
            "litigation_after_review",
        ] {
            for field in ["upheld", "corrected", "other", "pending", "total"] {
                let n = review[group][field].as_integer().unwrap();
                assert_eq!(at(tables[2], 3, col), n.to_string(), "{group}.{field}");
                col += 1;
            }
        }
    }
}

/// The document text of a report as the built-in template sets it (placeholders filled).
fn text_as_set(report: &nianbao::model::Report, headings: Headings) -> String {
    let mut template = Template::builtin(Format::Y2021);
    template.style_mut().options.headings = headings;
    let source = nianbao::model::SourceMap::default();
    template.document(report, &source).unwrap().plain_text()
}

#[test]
fn pages_import_back_to_their_data_through_the_mapping() {
    for path in common::corpus() {
        let loaded = nianbao::load_path(&path);
        let original = loaded.report.as_ref().unwrap();
        for headings in [Headings::Short, Headings::Article50] {
            let mut template = Template::builtin(Format::Y2021);
            template.style_mut().options.headings = headings;
            let doc =
                nianbao::document(original, &loaded.source, &template, path.parent().unwrap())
                    .unwrap();
            let laid = nianbao::layout::layout(&doc, fonts());
            for fragment in [false, true] {
                let what = format!("{} ({headings:?}, fragment={fragment})", path.display());
                let html = nianbao::html::write(&doc, &laid.measures, &HtmlOptions { fragment });
                let scanned = scan_html(html.as_bytes(), "x.html").unwrap();
                let draft = nianbao::import::contact_from_preamble(map(&scanned, "x.html"));
                let notes: Vec<String> = draft.notes.iter().map(|d| d.to_string()).collect();
                assert!(notes.is_empty(), "{what}:\n{}", notes.join("\n"));
                let back = nianbao::model::load("x.toml", &draft.to_toml("x.html"), Syntax::Toml);
                assert!(!back.has_errors(), "{what}: {:#?}", back.diagnostics);
                let imported = back.report.unwrap();
                assert_eq!(imported.organ, original.organ, "{what}");
                assert_eq!(imported.year, original.year, "{what}");
                assert_eq!(
                    imported.active_disclosure, original.active_disclosure,
                    "{what}"
                );
                assert_eq!(imported.applications, original.applications, "{what}");
                assert_eq!(
                    imported.review_litigation, original.review_litigation,
                    "{what}"
                );
                let signature = |r: &nianbao::model::Report| {
                    r.signature.as_ref().map(|s| (s.organ.clone(), s.date))
                };
                assert_eq!(signature(&imported), signature(original), "{what}");
                assert_eq!(
                    text_as_set(&imported, headings),
                    text_as_set(original, headings),
                    "{what}"
                );
            }
        }
    }
}

// ── A portal page pasted from Word ───────────────────────────────────────────────────────────

/// Table 三's first rows as Word writes them when a report is pasted into a portal's editor:
/// `MsoNormal` paragraphs and spans in every cell, unquoted attributes, `<o:p>`, `&nbsp;`,
/// some cells and rows left unclosed, upper-case tags, and the row of column widths Word adds
/// for browsers that misalign columns.
const WORD_TABLE: &str = r#"<div align=center>
<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=624
 style='width:468.0pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;
 mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>
 <tr style='mso-yfti-irow:0;mso-yfti-firstrow:yes;height:15.75pt'>
  <td width=226 colspan=3 rowspan=3 valign=top style='width:169.6pt;border:solid windowtext 1.0pt;
  padding:0cm 5.4pt 0cm 5.4pt;height:15.75pt'>
  <p class=MsoNormal align=left style='text-align:left'><span style='font-size:9.0pt;
  font-family:仿宋_GB2312'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）<span
  lang=EN-US><o:p></o:p></span></span></p>
  </td>
  <td width=398 colspan=7 style='width:298.4pt;border:solid windowtext 1.0pt;border-left:none'>
  <p class=MsoNormal align=center style='text-align:center'><span style='font-family:仿宋_GB2312'>申请人情况<span
  lang=EN-US><o:p></o:p></span></span></p>
  </td>
 </tr>
 <tr style='mso-yfti-irow:1;height:15.75pt'>
  <td nowrap rowspan=2 valign=center style="width:53.0pt;border-top:none;border-left:none;border-bottom:solid windowtext 1.0pt">
  <p class=MsoNormal align=center style='text-align:center'><span style='font-size:10.5pt;font-family:仿宋_GB2312'>自然人<span lang=EN-US><o:p></o:p></span></span></p>
  <td colspan=5 style='width:194.0pt'>
  <p class=MsoNormal align=center style='text-align:center'><span style='font-size:10.5pt;font-family:仿宋_GB2312'>法人或其他组织</span></p>
  <TD ROWSPAN=2 STYLE='width:53.0pt'>
  <P class=MsoNormal align=center><SPAN style='font-size:10.5pt'>总计</SPAN></P>
 </tr>
 <tr style='mso-yfti-irow:2;height:31.5pt'>
  <td style='width:38.8pt'>
  <p class=MsoNormal align=center style='text-align:center'><span style='font-size:10.5pt'>商业</span></p>
  <p class=MsoNormal align=center style='text-align:center'><span style='font-size:10.5pt'>企业<o:p></o:p></span></p>
  </td>
  <td style='width:38.8pt'><p class=MsoNormal align=center><span style='font-size:10.5pt'>科研<br>
  机构</span></p></td>
  <td style='width:38.8pt'><p class=MsoNormal align=center><span style='font-size:10.5pt'>社会公益</span><span style='font-size:10.5pt'>组织</span></p></td>
  <td style='width:38.8pt'><p class=MsoNormal align=center><span style='font-size:10.5pt'>法律服务</span><br
  clear=all><span style='font-size:10.5pt'>机构</span></p></td>
  <td style='width:38.8pt'><p class=MsoNormal align=center><span style='font-size:10.5pt'>其他</span></p></td>
 </tr>
 <tr style='mso-yfti-irow:3;height:20.0pt'>
  <td colspan=3 style='width:169.6pt'><p class=MsoNormal><span style='font-size:10.5pt;font-family:仿宋_GB2312'>一、本年新收政府信息公开申请数量</span></p></td>
  <td nowrap><p class=MsoNormal align=center style='text-align:center'><span lang=EN-US style='font-size:10.5pt;font-family:仿宋_GB2312'>3001<o:p></o:p></span></p></td>
  <td nowrap><p class=MsoNormal align=center><span lang=EN-US style='font-size:10.5pt'>53<o:p></o:p></span></p></td>
  <td nowrap><p class=MsoNormal align=center><span lang=EN-US style='font-size:10.5pt'>0<o:p></o:p></span></p></td>
  <td nowrap><p class=MsoNormal align=center><span lang=EN-US style='font-size:10.5pt'>&nbsp;0<o:p></o:p></span></p></td>
  <td nowrap><p class=MsoNormal align=center><span lang=EN-US style='font-size:10.5pt'>61<o:p></o:p></span></p></td>
  <td nowrap><p class=MsoNormal align=center><span lang=EN-US style='font-size:10.5pt'>4<o:p></o:p></span></p></td>
  <td nowrap><p class=MsoNormal align=center><span lang=EN-US style='font-size:10.5pt'>3119<o:p></o:p></span></p></td>
 </tr>
 <TR>
  <TD colspan=3><P class=MsoNormal><SPAN>二、上年结转政府信息公开申请数量</SPAN></P>
  <TD><P>34<TD><P>0<TD><P>0<TD><P>0<TD><P>0<TD><P>0<TD><P>34
 <tr style='mso-yfti-irow:5'>
  <td nowrap rowspan=22 valign=center style="width:53.0pt;..."><p class=MsoNormal align=center><span style='font-size:10.5pt;font-family:仿宋_GB2312'>三、本年度</span></p><p class=MsoNormal align=center><span style='font-size:10.5pt;font-family:仿宋_GB2312'>办理结果<o:p></o:p></span></p></td>
  <td colspan=2><p class=MsoNormal><span style='font-size:10.5pt'>（一）予以公开</span></p></td>
  <td><p class=MsoNormal align=center><span lang=EN-US>1288</span></p></td><td><p class=MsoNormal align=center><span lang=EN-US>21</span></p></td><td><p class=MsoNormal align=center><span lang=EN-US>0</span></p></td><td><p class=MsoNormal align=center><span lang=EN-US>0</span></p></td><td><p class=MsoNormal align=center><span lang=EN-US>50</span></p></td><td><p class=MsoNormal align=center><span lang=EN-US>3</span></p></td><td><p class=MsoNormal align=center><span lang=EN-US>1362</span></p></td>
 </tr>
 <tr>
  <td colspan=2><p class=MsoNormal><span style='font-size:10.5pt'>（二）部分公开（区分处理的，只计这一情形，不计其他情形）</span></p></td>
  <td>447</td><td>7</td><td>0</td><td>0</td><td>0</td><td>0</td><td>454</td>
 </tr>
 <tr>
  <td rowspan=8><p class=MsoNormal align=center><span>（三）不予公开</span></p></td>
  <td><p class=MsoNormal><span>1.属于国家秘密</span></p></td>
  <td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td>
 </tr>
 <tr>
  <td><p class=MsoNormal><span>2.其他法律行政法规禁止公开</span></p></td>
  <td>30</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>31</td>
 </tr>
 <![if !supportMisalignedColumns]>
 <tr height=0>
  <td width=53 style='border:none'></td>
  <td width=68 style='border:none'></td>
  <td width=105 style='border:none'></td>
  <td width=53 style='border:none'></td>
  <td width=39 style='border:none'></td>
  <td width=39 style='border:none'></td>
  <td width=39 style='border:none'></td>
  <td width=39 style='border:none'></td>
  <td width=39 style='border:none'></td>
  <td width=53 style='border:none'></td>
 </tr>
 <![endif]>
</table>
</div>"#;

/// A whole portal page around the article: a head with scripts, styles and Word's XML, a
/// banner, navigation, a layout table with a menu column, the article as Word wrote it, and a
/// footer. `charset` goes into its `<meta>` (none when empty).
fn portal_page(charset: &str) -> String {
    let meta = match charset {
        "" => String::new(),
        "utf-8" => "<meta charset=\"utf-8\">\n".to_string(),
        other => format!("<META http-equiv=Content-Type content=\"text/html; charset={other}\">\n"),
    };
    format!(
        r#"<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<HEAD>
{meta}<TITLE>某镇人民政府2024年政府信息公开工作年度报告_年报_某县人民政府</TITLE>
<LINK href="/css/style.css" rel=stylesheet type=text/css>
<SCRIPT language=javascript>var menu = "<td>不是表格</td>"; document.write("<p>不显示</p>");</SCRIPT>
<style>
<!-- td {{ font-size: 12px }} p.MsoNormal {{ margin:0cm }} -->
</style>
<!--[if gte mso 9]><xml>
 <w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom></w:WordDocument>
</xml><![endif]-->
</HEAD>
<BODY leftMargin=0 topMargin=0 style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<header class=top><img src="/images/logo.png" alt="某县人民政府"><span>某县人民政府门户网站</span></header>
<NAV><UL><LI><A href="/">首页</A><LI><A href="/zwgk/">政务公开</A><LI>政府信息公开年报</UL></NAV>
<div class=position>当前位置：<a href="/">首页</a>&nbsp;&gt;&nbsp;<a href="/zwgk/">政务公开</a></div>
<TABLE width=1000 align=center border=0 cellPadding=0 cellSpacing=0>
<TR>
<TD width=200 valign=top class=menu>
<table width="100%" border=0><tr><td><a href=/zn/>政府信息公开指南</a></td></tr><tr><td><a href=/nb/>政府信息公开年报</a></td></tr></table>
</TD>
<TD width=800 valign=top class=article>
<div class=WordSection1 style='layout-grid:15.6pt'>
<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;
font-family:方正小标宋简体'>某镇人民政府<span lang=EN-US><o:p></o:p></span></span></b></p>
<p class=MsoNormal align=center style='text-align:center'><b><span lang=EN-US style='font-size:22.0pt'>2024</span></b><b><span
style='font-size:22.0pt;font-family:方正小标宋简体'>年政府信息公开工作年度报告</span></b></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
<p class=MsoNormal style='text-indent:32.0pt'><span style='font-size:16.0pt;font-family:仿宋_GB2312'>本报告根据《中华人民共和国政府信息
公开条例》编制。统计期限自</span><span lang=EN-US style='font-size:16.0pt'>2024</span><span
style='font-size:16.0pt;font-family:仿宋_GB2312'>年</span><span lang=EN-US>1</span><span>月</span><span lang=EN-US>1</span><span>日至</span><span
lang=EN-US>2024</span>
<span>年</span><span lang=EN-US>12</span><span>月</span><span lang=EN-US>31</span><span>日。</span></p>
<!--[if supportFields]><span>目录域</span><![endif]-->
<p class=MsoNormal style='text-indent:32.0pt'><span style='font-family:黑体'>一、总体情况</span></p>
<P>（一）主动公开。全年主动公开政府信息&nbsp;120&nbsp;条，“先审查、后公开”&ldquo;一事一审&rdquo;。
<P>（二）依申请公开。<span style="display: none">隐藏的文字</span><span hidden>也隐藏</span>全年收到申请<span lang=EN-US>3119</span>件。
<p class=MsoListParagraph><![if !supportLists]><span lang=EN-US>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp; </span></span><![endif]><span>加强培训。</span></p>
<p class=MsoNormal>联系地址：某镇人民政府大院<br>联系电话：<span lang=EN-US>0517-1234567</span></p>
<p class=MsoNormal style='text-indent:32.0pt'><span style='font-family:黑体'>三、收到和处理政府信息公开申请情况</span></p>
{WORD_TABLE}
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
</div>
</TD>
</TR>
<TR><TD colspan=2 class=share>分享到：<a href=#>微信</a>&nbsp;<a href=#>微博</a></TD></TR>
</TABLE>
<div id=footer role=contentinfo>网站标识码：3208000001</div>
<footer>版权所有 &copy; 某县人民政府 <script>document.write(new Date().getFullYear())</script></footer>
</BODY>
</html>
"#
    )
}

/// The 1-based line of the first line of `page` holding `needle`.
fn line_of(page: &str, needle: &str) -> usize {
    page.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in the page"))
        + 1
}

/// Table 三's first rows as the portal page has them, each cell (row, col, rowspan, colspan,
/// text): the grid a browser builds, the spans that run past the last row clamped to it (the
/// row of column widths Word adds is a row, of ten empty cells, which counts).
fn word_table_cells() -> Vec<(usize, usize, usize, usize, String)> {
    let mut cells: Vec<(usize, usize, usize, usize, &str)> = vec![
        (
            0,
            0,
            3,
            3,
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        ),
        (0, 3, 1, 7, "申请人情况"),
        (1, 3, 2, 1, "自然人"),
        (1, 4, 1, 5, "法人或其他组织"),
        (1, 9, 2, 1, "总计"),
        (2, 4, 1, 1, "商业企业"),
        (2, 5, 1, 1, "科研机构"),
        (2, 6, 1, 1, "社会公益组织"),
        (2, 7, 1, 1, "法律服务机构"),
        (2, 8, 1, 1, "其他"),
        (3, 0, 1, 3, "一、本年新收政府信息公开申请数量"),
    ];
    let figures = |row: usize, from: usize, values: [&'static str; 7]| {
        values
            .into_iter()
            .enumerate()
            .map(move |(i, v)| (row, from + i, 1, 1, v))
    };
    cells.extend(figures(3, 3, ["3001", "53", "0", "0", "61", "4", "3119"]));
    cells.push((4, 0, 1, 3, "二、上年结转政府信息公开申请数量"));
    cells.extend(figures(4, 3, ["34", "0", "0", "0", "0", "0", "34"]));
    cells.push((5, 0, 5, 1, "三、本年度办理结果"));
    cells.push((5, 1, 1, 2, "（一）予以公开"));
    cells.extend(figures(5, 3, ["1288", "21", "0", "0", "50", "3", "1362"]));
    cells.push((
        6,
        1,
        1,
        2,
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ));
    cells.extend(figures(6, 3, ["447", "7", "0", "0", "0", "0", "454"]));
    cells.push((7, 1, 3, 1, "（三）不予公开"));
    cells.push((7, 2, 1, 1, "1.属于国家秘密"));
    cells.extend(figures(7, 3, ["2", "0", "0", "0", "0", "0", "2"]));
    cells.push((8, 2, 1, 1, "2.其他法律行政法规禁止公开"));
    cells.extend(figures(8, 3, ["30", "1", "0", "0", "0", "0", "31"]));
    // Columns 1 and 2 are still covered (by the rowspans of 22 and 8 that the page cut
    // short), so the ten cells go into columns 3 to 12, as in a browser.
    cells.extend((2..12).map(|col| (9, col, 1, 1, "")));
    cells
        .into_iter()
        .map(|(r, c, rs, cs, t)| (r, c, rs, cs, t.to_string()))
        .collect()
}

fn portal_want() -> Vec<Want> {
    let text = |t: &str| Want::Text(t.to_string());
    vec![
        text("当前位置：首页 > 政务公开"),
        text("政府信息公开指南"),
        text("政府信息公开年报"),
        text("某镇人民政府"),
        text("2024年政府信息公开工作年度报告"),
        text(
            "本报告根据《中华人民共和国政府信息公开条例》编制。统计期限自2024年1月1日至2024年12月31日。",
        ),
        text("一、总体情况"),
        text("（一）主动公开。全年主动公开政府信息 120 条，“先审查、后公开”“一事一审”。"),
        text("（二）依申请公开。全年收到申请3119件。"),
        text("1. 加强培训。"),
        text("联系地址：某镇人民政府大院"),
        text("联系电话：0517-1234567"),
        text("三、收到和处理政府信息公开申请情况"),
        Want::Table(word_table_cells()),
        text("分享到：微信微博"),
    ]
}

#[test]
fn a_word_pasted_portal_page_in_gbk_scans_exactly() {
    let page = portal_page("gb2312");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&page);
    assert!(!unmappable);
    let scanned = scan_html(&gbk, "门户.html").unwrap();
    assert_eq!(got(&scanned), portal_want());
    check_places(&scanned);

    // Places: each block where its text begins, each cell where its `<td` is.
    let line = |i: usize| match &scanned.blocks[i] {
        ScannedBlock::Text { at, .. } => at.line.unwrap(),
        ScannedBlock::Table(t) => t.at.line.unwrap(),
    };
    assert_eq!(
        line(3),
        line_of(&page, "font-family:方正小标宋简体'>某镇人民政府")
    );
    assert_eq!(line(4), line_of(&page, "'font-size:22.0pt'>2024</span>"));
    assert_eq!(line(11), line_of(&page, "联系电话："));
    assert_eq!(line(13), line_of(&page, "<table class=MsoNormalTable"));
    let ScannedBlock::Table(table) = &scanned.blocks[13] else {
        panic!("table 三 is the 14th block");
    };
    assert_eq!(
        table.at.table,
        Some(1),
        "the menu's table is layout, not table 1"
    );
    let cell = |row: usize, col: usize| {
        let c = table.cells.iter().find(|c| (c.row, c.col) == (row, col));
        c.unwrap().at
    };
    assert_eq!(
        cell(1, 3).line,
        Some(line_of(&page, "<td nowrap rowspan=2 valign=center"))
    );
    assert_eq!(cell(1, 9).line, Some(line_of(&page, "<TD ROWSPAN=2")));
    assert_eq!(cell(4, 4).line, Some(line_of(&page, "<TD><P>34<TD>")));
    assert_eq!((cell(8, 2).row, cell(8, 2).col), (Some(9), Some(3)));

    // The mapping reads the figures of these rows by their labels, each from its cell.
    let draft = map(&scanned, "门户.html");
    let rows = [
        ("new_received", ["3001", "53", "0", "0", "61", "4", "3119"]),
        ("carried_over", ["34", "0", "0", "0", "0", "0", "34"]),
        ("granted", ["1288", "21", "0", "0", "50", "3", "1362"]),
        ("partially_granted", ["447", "7", "0", "0", "0", "0", "454"]),
        ("denied_state_secret", ["2", "0", "0", "0", "0", "0", "2"]),
        (
            "denied_prohibited_by_law",
            ["30", "1", "0", "0", "0", "0", "31"],
        ),
    ];
    for (key, figures) in rows {
        for (c, figure) in figures.iter().enumerate() {
            let found = &draft.figures[&format!("applications.{key}.{c}")];
            assert_eq!(found.0, *figure, "{key} column {c}");
        }
    }
    let (_, place) = &draft.figures["applications.new_received.0"];
    assert_eq!(
        (place.table, place.row, place.col),
        (Some(1), Some(4), Some(4))
    );
    assert_eq!(place.line, Some(line_of(&page, ">3001<o:p>")));
}

#[test]
fn the_encoding_is_told_by_its_declaration_or_by_the_bytes() {
    let want = portal_want();
    let page = |charset: &str| portal_page(charset);
    let gbk = |text: &str| encoding_rs::GBK.encode(text).0.into_owned();
    let gb18030 = |text: &str| encoding_rs::GB18030.encode(text).0.into_owned();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("UTF-8, declared", page("utf-8").into_bytes()),
        ("UTF-8, not declared", page("").into_bytes()),
        ("UTF-8 with a BOM", {
            let mut b = b"\xEF\xBB\xBF".to_vec();
            b.extend(page("").as_bytes());
            b
        }),
        ("GBK, declared gbk", gbk(&page("gbk"))),
        ("GB18030, declared", gb18030(&page("GB18030"))),
        ("GBK, not declared", gbk(&page(""))),
        ("GBK, declared UTF-8 by mistake", gbk(&page("utf-8"))),
        (
            "UTF-8, declared gb2312 by mistake",
            page("gb2312").into_bytes(),
        ),
    ];
    for (case, bytes) in cases {
        let scanned = scan_html(&bytes, "门户.html").unwrap_or_else(|d| panic!("{case}: {d}"));
        assert_eq!(got(&scanned), want, "{case}");
    }
    // A GB18030 character outside GBK, in a page that says nothing of its encoding.
    let text = "<p>𠀀字</p>";
    let scanned = scan_html(&gb18030(text), "x.html").unwrap();
    assert_eq!(got(&scanned), [Want::Text("𠀀字".into())]);
    // Bytes that are neither: shown as a browser shows them, U+FFFD where they are faulty.
    let mut bytes = b"<meta charset=utf-8><p>\xE6\xB7".to_vec();
    bytes.extend(b"\xFF\xFF</p>");
    let scanned = scan_html(&bytes, "x.html").unwrap();
    assert_eq!(
        got(&scanned),
        [Want::Text("\u{FFFD}\u{FFFD}\u{FFFD}".into())]
    );
}

#[test]
fn what_is_not_a_web_page_is_refused() {
    let d = scan_html(b"", "empty.html").unwrap_err();
    assert_eq!(d.rule, Rule::EmptyFile);
    let d = scan_html(b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "report.html").unwrap_err();
    assert_eq!(d.rule, Rule::Unreadable);
    assert_eq!(
        d.to_string(),
        "report.html 错误: 这不是网页：文件开头有二进制数据 [unreadable]\n    提示：应是门户网站上年度报告的网页（.html），或 nianbao render --to html 生成的网页"
    );
}

// ── Hostile pages ────────────────────────────────────────────────────────────────────────────

/// Runs the reader on `bytes`, which must return within `limit`. The limits are for a debug
/// build on a loaded machine: linear work takes a few microseconds a tag there, where a scope
/// check walking the open elements (html5ever's) takes 88 s for 100,000 nested `<div>`s even
/// in a release build.
fn timed(bytes: &[u8], limit: Duration) -> Result<Scanned, nianbao::diag::Diagnostic> {
    let start = Instant::now();
    let result = scan_html(bytes, "hostile.html");
    let took = start.elapsed();
    assert!(took < limit, "took {took:?}");
    result
}

#[test]
fn deep_nesting_is_a_limit_not_a_hang() {
    let page = format!(
        "{}深处{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let d = timed(page.as_bytes(), Duration::from_secs(2)).unwrap_err();
    assert_eq!(d.rule, Rule::Limit);
    assert_eq!(
        d.to_string(),
        "hostile.html:1 错误 html_depth（网页元素的嵌套层数）: 超出限度「网页元素的嵌套层数」（html_depth）：最多 512 层，这里有超过 512 层 [limit]"
    );
    // Unclosed paragraphs, list items, cells and rows do not nest: tens of thousands are fine.
    let flat = format!(
        "{}<ul>{}</ul><table>{}</table>",
        "<p>段".repeat(60_000),
        "<li>项".repeat(60_000),
        "<tr><td>格".repeat(30_000)
    );
    let scanned = timed(flat.as_bytes(), Duration::from_secs(15)).unwrap();
    // The one-column table is layout: its cells are blocks too.
    assert_eq!(scanned.blocks.len(), 150_000);
    // Inline elements closed across blocks stay closed: no depth is left behind.
    let crossed = "<div><b><p>粗</b>体</p></div>".repeat(50_000);
    let scanned = timed(crossed.as_bytes(), Duration::from_secs(15)).unwrap();
    assert_eq!(scanned.blocks.len(), 50_000);
    assert_eq!(got(&scanned)[0], Want::Text("粗体".into()));
}

#[test]
fn spans_are_clamped_and_tables_bounded() {
    let page = "<table><tr><td colspan=100000>宽<td>乙<tr><td rowspan=100000>高<td>丁</table>";
    let scanned = timed(page.as_bytes(), Duration::from_secs(1)).unwrap();
    let want = vec![
        (0, 0, 1, 1000, "宽".to_string()),
        (0, 1000, 1, 1, "乙".to_string()),
        (1, 0, 1, 1, "高".to_string()),
        (1, 1, 1, 1, "丁".to_string()),
    ];
    assert_eq!(got(&scanned), [Want::Table(want)]);
    // rowspan=0 reaches to the end of its row group, and no further.
    let page = "<table><thead><tr><td rowspan=0>头<td>a<tr><td>b\
                <tbody><tr><td rowspan=0>体<td>c<tr><td>d<tr><td>e</table>";
    let scanned = timed(page.as_bytes(), Duration::from_secs(1)).unwrap();
    let Want::Table(cells) = &got(&scanned)[0] else {
        panic!("a table");
    };
    let spans: Vec<(usize, usize, usize)> = cells.iter().map(|c| (c.0, c.1, c.2)).collect();
    assert_eq!(
        spans,
        [
            (0, 0, 2),
            (0, 1, 1),
            (1, 1, 1),
            (2, 0, 3),
            (2, 1, 1),
            (3, 1, 1),
            (4, 1, 1)
        ]
    );
    // Wide rows that add up past the limit on the grid's slots.
    let page = "<table>".to_string() + &"<tr><td colspan=1000>x<td>y".repeat(200);
    let d = timed(page.as_bytes(), Duration::from_secs(1)).unwrap_err();
    assert_eq!(d.rule, Rule::Limit);
    assert_eq!(d.key.as_deref(), Some("html_table_slots"));
    assert!(d.message.contains("最多 100000 格"), "{}", d.message);
}

#[test]
fn large_inputs_stop_at_their_limits() {
    let big = vec![b'a'; 65 * 1024 * 1024];
    let d = timed(&big, Duration::from_millis(100)).unwrap_err();
    assert_eq!(
        d.to_string(),
        "hostile.html 错误 import_file_bytes（导入的报告文件的大小）: 超出限度「导入的报告文件的大小」（import_file_bytes）：最多 64 MB，这里有 65 MB [limit]"
    );
    // 50 MB of paragraphs stop at the blocks a report may have, long before the end.
    let paragraphs = "<p>段落".repeat(50 * 1024 * 1024 / 9);
    let d = timed(paragraphs.as_bytes(), Duration::from_secs(15)).unwrap_err();
    assert_eq!(d.key.as_deref(), Some("import_blocks"));
    assert!(d.message.contains("最多 200000 个"), "{}", d.message);
    // Cells count too, empty ones included: three tables of 80,000 each.
    let table = "<table>".to_string() + &"<tr><td><td>".repeat(40_000) + "</table>";
    let d = timed(table.repeat(3).as_bytes(), Duration::from_secs(15)).unwrap_err();
    assert_eq!(d.key.as_deref(), Some("import_blocks"));
    // Elements that make no block stop at the elements' limit.
    let many = "<br>".repeat(600_000);
    let d = timed(many.as_bytes(), Duration::from_secs(15)).unwrap_err();
    assert_eq!(d.key.as_deref(), Some("html_elements"));
    // Within the limits, a large page is read in time linear in its size: 200,000 paragraphs,
    // then an unclosed comment that runs to the end.
    let text = "<p>正文".repeat(200_000) + &"<!--".repeat(1000);
    let scanned = timed(text.as_bytes(), Duration::from_secs(15)).unwrap();
    assert_eq!(scanned.blocks.len(), 200_000);
}

/// A small deterministic generator (xorshift), for inputs that are the same on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn no_input_makes_it_panic() {
    // Every prefix of a messy page and of nianbao's own.
    let page = encoding_rs::GBK
        .encode(&portal_page("gb2312"))
        .0
        .into_owned();
    for end in (0..page.len()).step_by(13) {
        let _ = scan_html(&page[..end], "prefix.html");
    }
    let (doc, measures) = tree(&repo("samples/huaian-2024.toml"));
    let own = nianbao::html::write(&doc, &measures, &HtmlOptions::default());
    for end in (0..own.len()).step_by(127) {
        let _ = scan_html(&own.as_bytes()[..end], "prefix.html");
    }
    // Markup soup: pieces of tags, attributes, references and text in random order.
    let pieces: [&[u8]; 32] = [
        b"<",
        b">",
        b"</",
        b"<td",
        b"<tr>",
        b"<table>",
        b"</table>",
        b"<th colspan=",
        b" rowspan=\"",
        b"0",
        b"99999",
        b"'",
        b"\"",
        b"=",
        b"<p>",
        b"</p>",
        b"<!--",
        b"-->",
        b"<![if x]>",
        b"&",
        b"&#",
        b"&#x1F",
        b";",
        b"&nbsp",
        b"\xE6\xB7",
        b"\xFF",
        b"\n",
        b"<div style=display:none>",
        b"</div>",
        b"<script>",
        b"<nav>",
        b"<br>",
    ];
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    for _ in 0..2000 {
        let len = (noise.next() % 200) as usize;
        let mut input = Vec::new();
        for _ in 0..len {
            input.extend_from_slice(pieces[(noise.next() % pieces.len() as u64) as usize]);
        }
        let _ = scan_html(&input, "soup.html");
    }
}
