//! Narrative text (`text.*` of the data file): placeholders, then paragraphs and headings.
//!
//! Narrative is user text, so it may only *read* the report: `{{ … }}` expressions are rendered
//! with the report's figures, and `{% … %}` tags (loops, includes, sets) are refused before tera
//! sees them. A broken placeholder names the section, the line within it and the line of the
//! data file.

use serde::Serialize;

use crate::diag::{Diagnostic, Rule};
use crate::model::{SourceMap, schema};

/// One paragraph of narrative, as the template sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NarrativeBlock {
    /// `heading` (a （一） heading on its own) or `paragraph`.
    pub kind: &'static str,
    /// A run-in heading that opens the paragraph: `（一）主动公开情况。`.
    pub lead: Option<String>,
    pub text: String,
}

/// Renders the `{{ … }}` placeholders of one section (`key` is `overview`, …).
pub fn render_placeholders(
    tera: &tera::Tera,
    context: &tera::Context,
    flat_keys: &[String],
    key: &str,
    text: &str,
    source: &SourceMap,
) -> Result<String, Diagnostic> {
    if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
        return Ok(text.to_string());
    }
    let path = format!("text.{key}");
    let error = |line: usize, column: usize, message: String, hint: Option<String>| {
        let at = source.in_text(&path, line, column);
        let mut d = Diagnostic::error(Rule::Placeholder, format!("第 {line} 行：{message}"))
            .at(at)
            .field(path.clone(), schema::label(&path));
        d.hint = hint;
        d
    };
    if let Some(offset) = text.find("{%") {
        let (line, column) = line_col(text, offset);
        return Err(error(
            line,
            column,
            "正文中不能使用 {% … %} 语句".into(),
            Some(
                "正文只能用 {{ … }} 引用本报告的数字，如 {{ applications.new_received.total }}"
                    .into(),
            ),
        ));
    }
    tera.render_str(text, context, false).map_err(|e| {
        let (line, column, raw, expression) = match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
                let span = r.span();
                let expression = enclosing_expression(text, span.range.start);
                (
                    span.start_line,
                    span.start_col + 1,
                    r.message().to_string(),
                    expression,
                )
            }
            // Some checks come back as a formatted report: "error: …\n --> name:line:col".
            other => {
                let report = other.to_string();
                let (line, column) = report_position(&report).unwrap_or((1, 1));
                let first = report
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("error: ");
                (line, column, first.to_string(), String::new())
            }
        };
        let (message, hint) = explain(&raw, &expression, flat_keys);
        error(line, column, message, hint)
    })
}

/// The inside of the `{{ … }}` around byte `offset`, trimmed.
fn enclosing_expression(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind("{{").map(|i| i + 2);
    let end = text[offset..].find("}}").map(|i| offset + i);
    match (start, end) {
        (Some(s), Some(e)) if s <= e => text[s..e].trim().to_string(),
        _ => String::new(),
    }
}

/// The `line:col` of a formatted tera report's `--> name:line:col` marker.
fn report_position(report: &str) -> Option<(usize, usize)> {
    let marker = report
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?;
    let mut parts = marker.rsplit(':');
    let column = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    Some((line, column))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A Chinese explanation of tera's message, with the nearest valid name when one was misspelt.
fn explain(raw: &str, expression: &str, flat_keys: &[String]) -> (String, Option<String>) {
    let undefined = raw.contains("not found") || raw.contains("is not defined");
    if undefined {
        let name = if expression.is_empty() {
            raw.split('`').nth(1).unwrap_or("").to_string()
        } else {
            expression.to_string()
        };
        let nearest = flat_keys
            .iter()
            .map(|k| (strsim::levenshtein(&name, k), k))
            .min_by_key(|(d, _)| *d)
            .filter(|(d, k)| *d <= (k.len() / 4).max(2));
        let hint = match nearest {
            Some((_, k)) => format!("是否应为 {{{{ {k} }}}}？"),
            None => "可用的名称见 docs/data-format.md「模板中的名称」".into(),
        };
        return (format!("占位符中的 {name} 不存在"), Some(hint));
    }
    (
        format!("占位符写法有误（{raw}）"),
        Some("占位符的写法是 {{ 名称 }}，如 {{ applications.new_received.total }}".into()),
    )
}

/// Every dotted path to a value in the placeholder context, for suggestions.
pub fn flatten_keys(value: &serde_json::Value) -> Vec<String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

const NUMERALS: &str = "一二三四五六七八九十";

/// The length in bytes of a second-level marker `（一）` … `（二十）` opening `text`.
fn marker_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('（')?;
    let numeral: usize = rest
        .chars()
        .take_while(|c| NUMERALS.contains(*c))
        .map(char::len_utf8)
        .sum();
    let count = rest[..numeral].chars().count();
    if !(1..=2).contains(&count) || !rest[numeral..].starts_with('）') {
        return None;
    }
    Some('（'.len_utf8() + numeral + '）'.len_utf8())
}

/// A heading on its own is short and has no sentence end.
const HEADING_MAX_CHARS: usize = 30;
/// A run-in heading ends at the first 。 within this many characters.
const LEAD_MAX_CHARS: usize = 40;

/// Splits rendered narrative into blocks. Every non-empty line is a paragraph (Chinese text has
/// no wrapped lines; blank lines between paragraphs are optional). A line opening with `（一）`…
/// is a heading when short and without 。, or a run-in heading up to its first 。.
pub fn blocks(text: &str) -> Vec<NarrativeBlock> {
    text.lines()
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}'))
        .filter(|line| !line.is_empty())
        .map(classify)
        .collect()
}

fn classify(line: &str) -> NarrativeBlock {
    let paragraph = |lead: Option<String>, text: &str| NarrativeBlock {
        kind: "paragraph",
        lead,
        text: text.to_string(),
    };
    let heading = |text: &str| NarrativeBlock {
        kind: "heading",
        lead: None,
        text: text.to_string(),
    };
    if marker_len(line).is_none() {
        return paragraph(None, line);
    }
    let ends_sentence = |c: char| matches!(c, '。' | '！' | '？');
    match line.char_indices().find(|(_, c)| ends_sentence(*c)) {
        None if line.chars().count() <= HEADING_MAX_CHARS => heading(line),
        None => paragraph(None, line),
        Some((at, c)) => {
            let end = at + c.len_utf8();
            if line[..end].chars().count() > LEAD_MAX_CHARS {
                return paragraph(None, line);
            }
            let rest = line[end..].trim_start();
            if rest.is_empty() {
                heading(line)
            } else {
                paragraph(Some(line[..end].to_string()), rest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&'static str, Option<String>, String)> {
        blocks(text)
            .into_iter()
            .map(|b| (b.kind, b.lead, b.text))
            .collect()
    }

    #[test]
    fn headings_run_in_headings_and_paragraphs() {
        let text = "（一）主动公开\n\n全年公开信息。\n（二）依申请公开情况。2024年，共受理申请5件。\n　　（五）监督保障方面\n（三）这是一个很长的段落，虽然以序号开头，但是它没有句号而且超过了三十个字的限度所以是正文";
        assert_eq!(
            kinds(text),
            vec![
                ("heading", None, "（一）主动公开".into()),
                ("paragraph", None, "全年公开信息。".into()),
                ("paragraph", Some("（二）依申请公开情况。".into()), "2024年，共受理申请5件。".into()),
                ("heading", None, "（五）监督保障方面".into()),
                ("paragraph", None, "（三）这是一个很长的段落，虽然以序号开头，但是它没有句号而且超过了三十个字的限度所以是正文".into()),
            ]
        );
    }

    #[test]
    fn markers_are_chinese_numerals_in_full_width_brackets() {
        assert_eq!(marker_len("（十）x"), Some(9));
        assert_eq!(marker_len("（十一）x"), Some(12));
        assert_eq!(marker_len("（1）x"), None);
        assert_eq!(marker_len("(一)x"), None);
        assert_eq!(kinds("（一）主动公开情况。")[0].0, "heading");
    }
}
