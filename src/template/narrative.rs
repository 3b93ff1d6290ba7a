//! Narrative text (`text.*` of the data file): placeholders, then paragraphs and headings.
//!
//! Narrative is data, not template: a `{{ name }}` placeholder is replaced by the value of one
//! documented name of the report (docs/data-format.md「模板中的名称」), here, without tera.
//! Anything else between the braces (filters, functions, arithmetic), and `{% … %}` or
//! `{# … #}`, is refused: a data file cannot run template code, so it cannot make the machine
//! build gigabytes from a few kilobytes. A broken placeholder names the section, the line
//! within it and the line of the data file.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Diagnostic, Rule};
use crate::limits::{self, NARRATIVE_CHARS};
use crate::model::{Report, SourceMap, chars, schema};

/// One paragraph of narrative, as the template sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NarrativeBlock {
    /// `heading` (a （一） heading on its own) or `paragraph`.
    pub kind: &'static str,
    /// A run-in heading that opens the paragraph: `（一）主动公开情况。`.
    pub lead: Option<String>,
    pub text: String,
}

/// The names a placeholder may use and their values as printed: every number and text of the
/// report but the narrative itself, by dotted path (`applications.new_received.total`).
pub struct Names(BTreeMap<String, String>);

/// Top-level keys of the report that placeholders cannot name: the narrative (a section
/// quoting another would multiply it) and the format code.
const UNNAMED: [&str; 2] = ["text", "format"];

impl Names {
    pub fn of(report: &Report) -> Names {
        fn walk(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
            let shown = match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        if prefix.is_empty() && UNNAMED.contains(&k.as_str()) {
                            continue;
                        }
                        let path = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        walk(&path, v, out);
                    }
                    return;
                }
                serde_json::Value::String(s) => s.clone(),
                // An absent optional value (contact.email) prints as nothing, as before.
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            out.insert(prefix.to_string(), shown);
        }
        let value = serde_json::to_value(report).expect("a report serialises");
        let mut names = BTreeMap::new();
        walk("", &value, &mut names);
        Names(names)
    }

    /// Every name, in byte order (the form page's placeholder picker lists them).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The nearest name to a misspelt one, when one is near enough.
    fn nearest(&self, name: &str) -> Option<&str> {
        self.0
            .keys()
            .map(|k| (strsim::levenshtein(name, k), k))
            .min_by_key(|(d, _)| *d)
            .filter(|(d, k)| *d <= (k.len() / 4).max(2))
            .map(|(_, k)| k.as_str())
    }
}

/// What may stand between `{{` and `}}`: a dotted name, ASCII letters, digits and `_`.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// Characters of a placeholder quoted in a message.
const SHOWN_CHARS: usize = 40;

const PLACEHOLDER_HINT: &str = "占位符只能写本报告中的一个名称，如 {{ applications.new_received.total }}；不能计算，也不能用过滤器或函数";

/// Fills in the `{{ name }}` placeholders of one section (`key` is `overview`, …), in time
/// linear in the text and never longer than [`NARRATIVE_CHARS`].
pub fn render_placeholders(
    names: &Names,
    key: &str,
    text: &str,
    source: &SourceMap,
) -> Result<String, Diagnostic> {
    if !text.contains('{') {
        return Ok(text.to_string());
    }
    let path = format!("text.{key}");
    let error = |offset: usize, message: String, hint: Option<String>| {
        let (line, column) = chars::line_col(text, offset);
        let at = source.in_text(&path, line, column);
        let mut d = Diagnostic::error(Rule::Placeholder, format!("第 {line} 行：{message}"))
            .at(at)
            .field(path.clone(), schema::label(&path));
        d.hint = hint;
        d
    };
    // The section, filled in, is over the narrative limit; reported where the count passed it.
    let too_long = |offset: usize| {
        let message = limits::exceeded(
            "每部分正文的字数",
            "narrative_chars",
            format!("{NARRATIVE_CHARS} 字"),
            "填入占位符后超过了",
        );
        let hint = "每个占位符填入的是一个数字或一项文字；检查是否重复了很多次";
        error(offset, message, Some(hint.into()))
    };
    let mut out = String::with_capacity(text.len());
    let mut chars_out = 0;
    let mut rest = 0; // byte offset of what is not yet copied
    let mut search = 0;
    while let Some(found) = text[search..].find('{') {
        let open = search + found;
        let after = &text[open + 1..];
        let statement = match after.as_bytes().first() {
            Some(b'{') => None,
            Some(b'%') => Some("{% … %} 语句"),
            Some(b'#') => Some("{# … #} 注释"),
            _ => {
                search = open + 1;
                continue;
            }
        };
        if let Some(what) = statement {
            return Err(error(
                open,
                format!("正文中不能使用 {what}"),
                Some(
                    "正文只能用 {{ … }} 引用本报告的数字，如 {{ applications.new_received.total }}"
                        .into(),
                ),
            ));
        }
        let Some(close) = text[open + 2..].find("}}").map(|i| open + 2 + i) else {
            return Err(error(
                open,
                "占位符缺少结尾的 }}".into(),
                Some(PLACEHOLDER_HINT.into()),
            ));
        };
        let inside = text[open + 2..close].trim();
        if !is_name(inside) {
            return Err(error(
                open,
                format!(
                    "占位符只能写一个名称，这里是「{}」",
                    chars::quote(inside, SHOWN_CHARS)
                ),
                Some(PLACEHOLDER_HINT.into()),
            ));
        }
        let Some(value) = names.0.get(inside) else {
            let hint = match names.nearest(inside) {
                Some(k) => format!("是否应为 {{{{ {k} }}}}？"),
                None => "可用的名称见 docs/data-format.md「模板中的名称」".into(),
            };
            return Err(error(
                open,
                format!("占位符中的 {inside} 不存在"),
                Some(hint),
            ));
        };
        let before = &text[rest..open];
        chars_out += before.chars().count() + value.chars().count();
        if chars_out > NARRATIVE_CHARS {
            return Err(too_long(open));
        }
        out.push_str(before);
        out.push_str(value);
        rest = close + 2;
        search = rest;
    }
    let tail = &text[rest..];
    if chars_out + tail.chars().count() > NARRATIVE_CHARS {
        return Err(too_long(rest));
    }
    out.push_str(tail);
    Ok(out)
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
    use crate::model::{self, Syntax};

    fn loaded() -> model::Loaded {
        let text = include_str!("../../tests/data/base.toml")
            .replace("[contact]", "[contact]\nemail = \"\"");
        let loaded = model::load("r.toml", &text, Syntax::Toml);
        assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
        loaded
    }

    fn fill(text: &str) -> Result<String, String> {
        let loaded = loaded();
        let names = Names::of(loaded.report.as_ref().unwrap());
        render_placeholders(&names, "other", text, &loaded.source)
            .map_err(|d| format!("{} | {}", d.message, d.hint.unwrap_or_default()))
    }

    #[test]
    fn documented_names_are_filled_in_as_printed() {
        assert_eq!(
            fill(
                "{{ organ }}{{year}}年：{{  applications.new_received.total  }}件，\
                  {{ applications.results_total.natural_person }}、{{ active_disclosure.fees_10k_yuan }}万元，\
                  {{ review_litigation.litigation_total.total }}；{{ signature.date }}{{ contact.email }}{{ contact.website }}。"
            ),
            Ok("测试镇人民政府2024年：6件，5、12.50万元，1；2025年1月20日。".into())
        );
        // Braces that open no placeholder are text.
        assert_eq!(fill("{a} { b }}"), Ok("{a} { b }}".into()));
    }

    #[test]
    fn anything_but_a_name_is_refused() {
        let hint = PLACEHOLDER_HINT;
        for (text, message) in [
            (
                "x{{ range(end=100000) | join(sep=',') }}",
                "第 1 行：占位符只能写一个名称，这里是「range(end=100000) | join(sep=',')」"
                    .to_string(),
            ),
            (
                "{{ year + 1 }}",
                "第 1 行：占位符只能写一个名称，这里是「year + 1」".into(),
            ),
            (
                "{{- year }}",
                "第 1 行：占位符只能写一个名称，这里是「- year」".into(),
            ),
            (
                "{{ \"a\" ~ organ }}",
                "第 1 行：占位符只能写一个名称，这里是「\"a\" ~ organ」".into(),
            ),
            ("甲\n乙{{ organ", "第 2 行：占位符缺少结尾的 }}".into()),
        ] {
            assert_eq!(fill(text), Err(format!("{message} | {hint}")), "{text}");
        }
        // The narrative and the format code are not names.
        assert!(
            fill("{{ text.overview }}")
                .unwrap_err()
                .starts_with("第 1 行：占位符中的 text.overview 不存在")
        );
        assert!(
            fill("{{ format }}")
                .unwrap_err()
                .starts_with("第 1 行：占位符中的 format 不存在")
        );
        for text in ["{% if year %}x{% endif %}", "{# 注释 #}"] {
            assert!(
                fill(text)
                    .unwrap_err()
                    .starts_with("第 1 行：正文中不能使用 {"),
                "{text}"
            );
        }
    }

    #[test]
    fn filled_in_text_is_held_to_the_narrative_limit() {
        // 2,000 placeholders of the organ's 7 characters: 14,000 characters; 3,000 are 21,000.
        assert!(fill(&"{{ organ }}".repeat(2_000)).is_ok());
        assert_eq!(
            fill(&"{{ organ }}".repeat(3_000)),
            Err("第 1 行：超出限度「每部分正文的字数」（narrative_chars）：最多 20000 字，这里填入占位符后超过了 \
                 | 每个占位符填入的是一个数字或一项文字；检查是否重复了很多次"
                .into())
        );
    }

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
