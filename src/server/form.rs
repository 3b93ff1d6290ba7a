//! The form page's tables, headings and placeholder names, made once from the template and the
//! data schema: the tables as the template lays them out (its merges, its vertical headers, its
//! labels and where they break), each figure an input named by its data key and each total an
//! output that the check fills in. A label, a merge or a key is thus spelt in one place, and
//! the form mirrors the document the report becomes.

use std::fmt::Write as _;

use crate::document::{Align, Block, Cell, Slot, Table, VAlign};
use crate::escape::markup as escape;
use crate::model::schema::{self, Kind, OUTCOME_FIELDS, REVIEW_GROUPS};
use crate::model::{self, APPLICANT_COLUMNS, APPLICATION_ROWS_2021, RowRole, Syntax};
use crate::template::Template;
use crate::template::narrative::Names;

/// The page's skeleton; `{{name}}` marks where a made part goes.
const SKELETON: &str = include_str!("assets/form.html");

/// The roll-up page's skeleton: the same tables, every figure shown rather than typed.
const ROLLUP_SKELETON: &str = include_str!("assets/rollup.html");

/// A report of zeros with every optional part present, for the template to lay the tables out
/// and for the names a placeholder may use.
const BLANK: &str = r#"{
  "organ": "机关", "year": 2024,
  "contact": {"website": "-", "website_name": "-", "address": "-", "postcode": "000000",
              "phone": "-", "email": "-"},
  "signature": {"organ": "机关", "date": "2025-01-20"},
  "text": {"overview": "-", "problems": "-", "other": "-"},
  "active_disclosure": {
    "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
    "normative_documents": {"issued": 0, "repealed": 0, "in_force": 0},
    "licensing_decisions": 0, "penalty_decisions": 0, "coercion_decisions": 0,
    "fees_10k_yuan": 0
  },
  "applications": {},
  "review_litigation": {
    "administrative_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0},
    "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0},
    "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0}
  }
}"#;

/// What the form page is made of.
pub struct Form {
    /// The page, whole.
    pub html: String,
    /// The tables' column widths, as the template gives them (a page under a strict CSP may
    /// not carry `style` attributes).
    pub css: String,
    /// The roll-up page (`/rollup`): tables 二, 三 and 四 laid out as on the form, each figure
    /// an output the page fills with the sum.
    pub rollup: String,
}

impl Form {
    pub fn of(template: &Template) -> Result<Form, String> {
        let loaded = model::load("form.json", BLANK, Syntax::Json);
        let report = loaded
            .report
            .as_ref()
            .ok_or_else(|| format!("空白报告无法读取：{:?}", loaded.diagnostics))?;
        let doc = template
            .document(report, &loaded.source)
            .map_err(|d| format!("模板无法排出空白报告：{d:?}"))?;
        let headings: Vec<&str> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level: 1, text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let tables: Vec<&Table> = doc.tables().collect();
        let ([h1, h2, h3, h4, h5, h6], [t2, t3, t4]) = (headings.as_slice(), tables.as_slice())
        else {
            return Err(format!(
                "模板的正文应有六个一级标题和三张表，实为 {} 个和 {} 张",
                headings.len(),
                tables.len()
            ));
        };
        let columns: Vec<&str> = APPLICANT_COLUMNS[..6].iter().map(|(k, _)| *k).collect();
        let made = [
            ("h1", escape(h1)),
            ("h2", escape(h2)),
            ("h3", escape(h3)),
            ("h4", escape(h4)),
            ("h5", escape(h5)),
            ("h6", escape(h6)),
            ("table2", grid(t2, "t2", &table2_keys(), "", figure)?),
            (
                "table3",
                grid(
                    t3,
                    "t3",
                    &table3_keys(),
                    &format!(" data-columns=\"{}\"", columns.join(" ")),
                    figure,
                )?,
            ),
            ("table4", grid(t4, "t4", &table4_keys(), "", figure)?),
            ("placeholders", placeholder_options(&Names::of(report))),
            ("contact", fields("contact", &[])),
            // The server reads no seal file (README); a seal in the data stays as it is.
            ("signature", fields("signature", &["seal"])),
        ];
        let html = fill(SKELETON, made)?;
        let rollup = fill(
            ROLLUP_SKELETON,
            [
                ("h2", escape(h2)),
                ("h3", escape(h3)),
                ("h4", escape(h4)),
                ("table2", grid(t2, "t2", &table2_keys(), "", shown)?),
                ("table3", grid(t3, "t3", &table3_keys(), "", shown)?),
                ("table4", grid(t4, "t4", &table4_keys(), "", shown)?),
            ],
        )?;
        let mut css = String::new();
        for (class, table) in [("t2", t2), ("t3", t3), ("t4", t4)] {
            let total: f32 = table.columns().iter().sum();
            for (i, width) in table.columns().iter().enumerate() {
                let percent = width / total * 100.0;
                let _ = writeln!(
                    css,
                    ".{class} col:nth-child({}){{width:{percent:.2}%}}",
                    i + 1
                );
            }
        }
        Ok(Form { html, css, rollup })
    }
}

/// A skeleton with each `{{name}}` replaced by its made part.
fn fill<const N: usize>(skeleton: &str, made: [(&str, String); N]) -> Result<String, String> {
    let mut html = skeleton.to_string();
    for (name, part) in made {
        let marker = format!("{{{{{name}}}}}");
        if !html.contains(&marker) {
            return Err(format!("页面骨架中没有 {marker}"));
        }
        html = html.replace(&marker, &part);
    }
    Ok(html)
}

/// Table 二's figures in reading order: the schema's fields of `active_disclosure`.
fn table2_keys() -> Vec<String> {
    let mut keys = Vec::new();
    let fields = schema::lookup("active_disclosure").map_or(&[][..], |f| f.kind.children());
    for field in fields {
        match field.kind {
            Kind::Table(children) => keys.extend(
                children
                    .iter()
                    .map(|c| format!("active_disclosure.{}.{}", field.key, c.key)),
            ),
            _ => keys.push(format!("active_disclosure.{}", field.key)),
        }
    }
    keys
}

/// Table 三's figures in reading order: each row's six columns and its 总计.
fn table3_keys() -> Vec<String> {
    APPLICATION_ROWS_2021
        .iter()
        .flat_map(|row| {
            APPLICANT_COLUMNS
                .iter()
                .map(move |(column, _)| format!("applications.{}.{column}", row.key))
        })
        .collect()
}

/// Table 四's figures in reading order: each group's four results and its 总计.
fn table4_keys() -> Vec<String> {
    REVIEW_GROUPS
        .iter()
        .flat_map(|(group, _)| {
            OUTCOME_FIELDS
                .iter()
                .map(move |(field, _)| format!("review_litigation.{group}.{field}"))
        })
        .collect()
}

/// Whether a figure is computed by the program rather than typed: each 总计, and the whole
/// （七）总计 row.
fn computed(key: &str) -> bool {
    let results_total = APPLICATION_ROWS_2021
        .iter()
        .find(|r| r.role == RowRole::ResultsTotal)
        .map(|r| format!("applications.{}.", r.key));
    key.ends_with(".total") || results_total.is_some_and(|prefix| key.starts_with(&prefix))
}

/// A table of the form: labels as the template sets them, figures made by `figure` (the form's
/// inputs, or the roll-up's outputs) in the order of `keys`.
fn grid(
    table: &Table,
    class: &str,
    keys: &[String],
    attributes: &str,
    figure: fn(&str, &str) -> String,
) -> Result<String, String> {
    let figures = table.cells().iter().filter(|c| c.is_figure()).count();
    if figures != keys.len() {
        return Err(format!(
            "模板的表格（{class}）有 {figures} 个数字单元格，而数据有 {} 个",
            keys.len()
        ));
    }
    let mut keys = keys.iter();
    let mut html = format!("<table class=\"grid {class}\"{attributes}>\n<colgroup>");
    for _ in table.columns() {
        html.push_str("<col>");
    }
    html.push_str("</colgroup>\n");
    for r in 0..table.rows() {
        if r == 0 && table.header_rows() > 0 {
            html.push_str("<thead>\n");
        }
        if r == table.header_rows() {
            html.push_str("<tbody>\n");
        }
        html.push_str("<tr>");
        for c in 0..table.columns().len() {
            let Slot::Cell(index) = table.slot(r, c) else {
                continue;
            };
            let cell = &table.cells()[index];
            let spans = spans(cell);
            if cell.is_figure() {
                let key = keys.next().expect("counted above");
                html.push_str(&figure(key, &spans));
            } else {
                let scope = match (r < table.header_rows(), cell.colspan.get() > 1) {
                    (true, true) => "colgroup",
                    (true, false) => "col",
                    (false, _) => "row",
                };
                let text = label_text(cell);
                let mut classes = Vec::new();
                let text = if cell.vertical {
                    classes.push("vertical");
                    format!("<span>{text}</span>")
                } else {
                    if cell.align == Align::Left {
                        classes.push("left");
                    }
                    if cell.valign == VAlign::Top {
                        classes.push("top");
                    }
                    text
                };
                let class = if classes.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{}\"", classes.join(" "))
                };
                let _ = write!(html, "<th scope=\"{scope}\"{spans}{class}>{text}</th>");
            }
        }
        html.push_str("</tr>\n");
        if r + 1 == table.header_rows() {
            html.push_str("</thead>\n");
        }
    }
    if table.rows() > table.header_rows() {
        html.push_str("</tbody>\n");
    }
    html.push_str("</table>");
    Ok(html)
}

fn spans(cell: &Cell) -> String {
    let mut out = String::new();
    if cell.colspan.get() > 1 {
        let _ = write!(out, " colspan=\"{}\"", cell.colspan);
    }
    if cell.rowspan.get() > 1 {
        let _ = write!(out, " rowspan=\"{}\"", cell.rowspan);
    }
    out
}

/// A label's text, with `<wbr>` where its phrases meet (where the template breaks it).
fn label_text(cell: &Cell) -> String {
    let mut out = String::new();
    let mut start = 0;
    for &end in &cell.breaks {
        if end <= start || end >= cell.text.len() || !cell.text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&escape(&cell.text[start..end]));
        out.push_str("<wbr>");
        start = end;
    }
    out.push_str(&escape(&cell.text[start..]));
    out
}

/// A figure's cell: an input named by its key, or for a total an output the check fills in.
/// The cell carries the key (`data-cell`), where the page marks the diagnostics about it.
fn figure(key: &str, spans: &str) -> String {
    let key_html = escape(key);
    let label = escape(&schema::label(key));
    if computed(key) {
        return format!(
            "<td id=\"f-{key_html}\" class=\"num total\" data-cell=\"{key_html}\" data-label=\"{label}\"{spans}>\
             <output id=\"i-{key_html}\" name=\"{key_html}\" aria-label=\"{label}（由程序计算）\"></output></td>"
        );
    }
    let decimal = schema::lookup(key).is_some_and(|f| f.kind == Kind::Decimal);
    let (mode, placeholder) = if decimal {
        ("decimal", "")
    } else if key.starts_with("applications.") {
        // An application cell left empty counts as 0 (docs/data-format.md).
        ("numeric", " placeholder=\"0\"")
    } else {
        ("numeric", "")
    };
    format!(
        "<td id=\"f-{key_html}\" class=\"num\" data-cell=\"{key_html}\" data-label=\"{label}\"{spans}>\
         <input id=\"i-{key_html}\" name=\"{key_html}\" inputmode=\"{mode}\" autocomplete=\"off\" \
         spellcheck=\"false\" aria-label=\"{label}\"{placeholder}></td>"
    )
}

/// A figure of the roll-up: an output the page fills, named and labelled by its key.
fn shown(key: &str, spans: &str) -> String {
    let key_html = escape(key);
    let label = escape(&schema::label(key));
    let total = if computed(key) { " total" } else { "" };
    format!(
        "<td id=\"f-{key_html}\" class=\"num{total}\" data-cell=\"{key_html}\" data-label=\"{label}\"{spans}>\
         <output id=\"o-{key_html}\" name=\"{key_html}\" aria-label=\"{label}\"></output></td>"
    )
}

/// The text inputs of a table of the data (`contact`, `signature`), labelled as the schema
/// labels them.
fn fields(table: &str, skip: &[&str]) -> String {
    let children = schema::lookup(table).map_or(&[][..], |f| f.kind.children());
    let mut html = String::new();
    for field in children.iter().filter(|f| !skip.contains(&f.key)) {
        let key = escape(&format!("{table}.{}", field.key));
        let label = escape(&schema::label(&format!("{table}.{}", field.key)));
        let hint = match field.kind {
            Kind::Date => " placeholder=\"2025-01-20\"",
            _ => "",
        };
        let _ = writeln!(
            html,
            "<div class=\"field\" id=\"f-{key}\" data-cell=\"{key}\" data-label=\"{label}\">\
             <label for=\"i-{key}\">{}</label>\
             <input id=\"i-{key}\" name=\"{key}\" autocomplete=\"off\"{hint}></div>",
            escape(field.label)
        );
    }
    html
}

/// The `<option>`s of the placeholder picker: every name a placeholder may use, the figures of
/// the tables first in their order, each with its label.
fn placeholder_options(names: &Names) -> String {
    let mut order: Vec<String> = table2_keys();
    order.extend(table3_keys());
    order.extend(table4_keys());
    let rank = |name: &str| order.iter().position(|k| k == name).unwrap_or(usize::MAX);
    let mut all: Vec<&str> = names.paths().collect();
    all.sort_by_key(|name| rank(name));
    let groups = [
        ("active_disclosure", "表二 主动公开"),
        ("applications", "表三 申请"),
        ("review_litigation", "表四 复议、诉讼"),
    ];
    let mut html = String::new();
    for (prefix, title) in groups
        .iter()
        .map(|(p, t)| (Some(*p), *t))
        .chain([(None, "其他")])
    {
        let members: Vec<&&str> = all
            .iter()
            .filter(|name| match prefix {
                Some(p) => name.split('.').next() == Some(p),
                None => !groups
                    .iter()
                    .any(|(p, _)| name.split('.').next() == Some(*p)),
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(html, "<optgroup label=\"{}\">", escape(title));
        for name in members {
            let _ = write!(
                html,
                "<option value=\"{}\">{}</option>",
                escape(name),
                escape(&placeholder_label(name))
            );
        }
        html.push_str("</optgroup>");
    }
    html
}

/// How the picker names a placeholder: its label and the placeholder itself.
fn placeholder_label(name: &str) -> String {
    let mut label = schema::label(name);
    if let Some(outcome) = name.strip_prefix("review_litigation.litigation_total.") {
        let outcome = OUTCOME_FIELDS
            .iter()
            .find(|(k, _)| *k == outcome)
            .map_or(outcome, |(_, zh)| zh);
        label = format!("行政诉讼（两类相加） · {outcome}");
    }
    if label.is_empty() {
        format!("{{{{ {name} }}}}")
    } else {
        format!("{label}：{{{{ {name} }}}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;

    #[test]
    fn the_builtin_template_gives_every_figure_a_key() {
        let form = Form::of(&Template::builtin(Format::Y2021)).unwrap();
        // Table 三: 25 rows of 7, of which the （七）总计 row and the 总计 column are outputs.
        let inputs = form.html.matches("<input id=\"i-applications.").count();
        assert_eq!(inputs, 24 * 6);
        let outputs = form.html.matches("<output id=\"i-applications.").count();
        assert_eq!(outputs, 25 + 6);
        assert!(form.html.contains(
            "<td id=\"f-applications.carried_to_next_year.natural_person\" class=\"num\" \
             data-cell=\"applications.carried_to_next_year.natural_person\" \
             data-label=\"四、结转下年度继续办理 · 自然人\">"
        ));
        assert!(
            form.html
                .contains("name=\"active_disclosure.fees_10k_yuan\" inputmode=\"decimal\"")
        );
        assert_eq!(form.html.matches("name=\"review_litigation.").count(), 15);
        // The vertical labels: 三、本年度办理结果 and the fifteen of table 四.
        assert_eq!(form.html.matches("class=\"vertical\"").count(), 16);
        assert!(
            form.html
                .contains("rowspan=\"22\" class=\"vertical\"><span>三、本年度办理结果")
        );
        assert!(!form.html.contains("{{table"), "every marker replaced");
        assert!(
            !form.html.contains(" style="),
            "no style attribute under the CSP"
        );
        assert!(form.css.contains(".t3 col:nth-child(3){width:"));
        // The picker names totals the check computes, and the two litigations together.
        assert!(form.html.contains(
            "<option value=\"applications.new_received.total\">一、本年新收政府信息公开申请数量 · 总计：{{ applications.new_received.total }}</option>"
        ));
        assert!(
            form.html
                .contains("value=\"review_litigation.litigation_total.total\"")
        );
        assert!(
            !form.html.contains("value=\"text."),
            "the narrative is not a name"
        );
    }
}
