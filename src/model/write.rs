//! A [`Report`] written back as its canonical data file: TOML (data-format.md), or JSON with
//! the same structure (what the filing server stores and sends).
//!
//! Canonical means: every key in schema order, every input row of table 三 written out, computed
//! totals left out, the signing organ only when it differs from `organ`. [`canonical`] decides
//! all of that once, as a tree; [`to_toml`] and [`to_json`] only spell the tree. Loading either
//! text gives the same report again, so a generated or converted report can be checked,
//! archived and edited like one typed by hand.

use std::fmt::Write;

use super::schema::{OUTCOME_FIELDS, REVIEW_GROUPS, RowRole};
use super::{Date, DocumentCounts, Outcomes, Report};

/// A value of the canonical data file.
enum Value<'a> {
    Text(&'a str),
    Count(u64),
    /// A fee, digits as written.
    Decimal(&'a str),
    Date(Date),
    /// A row of table 三.
    Counts(&'a [u64]),
    Table(Entries<'a>),
    /// An array of tables (`[[check.accept]]`).
    Tables(Vec<Entries<'a>>),
}

type Entries<'a> = Vec<(&'static str, Value<'a>)>;

/// The report as its data file holds it, keys in the order they are written.
fn canonical(report: &Report) -> Entries<'_> {
    let mut root: Entries = Vec::new();
    if report.format != super::Format::default() {
        root.push(("format", Value::Text(report.format.code())));
    }
    root.push(("organ", Value::Text(&report.organ)));
    root.push(("year", Value::Count(report.year.into())));

    let contact: Entries = (report.contact.fields().into_iter())
        .filter_map(|(key, value)| Some((key, Value::Text(value.as_deref()?))))
        .collect();
    if !contact.is_empty() {
        root.push(("contact", Value::Table(contact)));
    }

    if let Some(sig) = &report.signature {
        let mut entries: Entries = Vec::new();
        if sig.organ != report.organ {
            entries.push(("organ", Value::Text(&sig.organ)));
        }
        if let Some(date) = sig.date {
            entries.push(("date", Value::Date(date)));
        }
        if let Some(seal) = &sig.seal {
            entries.push(("seal", Value::Text(seal)));
        }
        root.push(("signature", Value::Table(entries)));
    }

    let t = &report.text;
    let mut text: Entries = Vec::new();
    if let Some(p) = &t.preamble {
        text.push(("preamble", Value::Text(p)));
    }
    text.push(("overview", Value::Text(&t.overview)));
    text.push(("problems", Value::Text(&t.problems)));
    text.push(("other", Value::Text(&t.other)));
    root.push(("text", Value::Table(text)));

    let a = &report.active_disclosure;
    let active = vec![
        ("regulations", documents(&a.regulations)),
        ("normative_documents", documents(&a.normative_documents)),
        ("licensing_decisions", Value::Count(a.licensing_decisions)),
        ("penalty_decisions", Value::Count(a.penalty_decisions)),
        ("coercion_decisions", Value::Count(a.coercion_decisions)),
        ("fees_10k_yuan", Value::Decimal(a.fees_10k_yuan.as_str())),
    ];
    root.push(("active_disclosure", Value::Table(active)));

    let applications = (report.applications.rows())
        .filter(|(spec, _)| spec.role != RowRole::ResultsTotal)
        .map(|(spec, row)| (spec.key, Value::Counts(&row.0)))
        .collect();
    root.push(("applications", Value::Table(applications)));

    let review = (REVIEW_GROUPS.iter().zip(report.review_litigation.groups()))
        .map(|((key, _), group)| (*key, outcomes(group)))
        .collect();
    root.push(("review_litigation", Value::Table(review)));

    if !report.acceptances.is_empty() {
        let accepted = (report.acceptances.iter())
            .map(|accepted| {
                let mut entry = vec![("rule", Value::Text(accepted.rule.code()))];
                if let Some(field) = &accepted.field {
                    entry.push(("field", Value::Text(field)));
                }
                entry.push(("reason", Value::Text(&accepted.reason)));
                entry
            })
            .collect();
        root.push((
            "check",
            Value::Table(vec![("accept", Value::Tables(accepted))]),
        ));
    }
    root
}

fn documents(d: &DocumentCounts) -> Value<'static> {
    Value::Table(vec![
        ("issued", Value::Count(d.issued)),
        ("repealed", Value::Count(d.repealed)),
        ("in_force", Value::Count(d.in_force)),
    ])
}

/// The four outcomes as written (总计 is computed).
fn outcomes(o: &Outcomes) -> Value<'static> {
    let entries = (OUTCOME_FIELDS.iter().zip(o.columns()).take(4))
        .map(|((key, _), value)| (*key, Value::Count(value)))
        .collect();
    Value::Table(entries)
}

/// Whether a fee can be written as a number: TOML and JSON both refuse leading zeros (`007`),
/// which a fee typed as text may have; such a fee is written as a string, which loads as the
/// same digits.
fn is_number_literal(decimal: &str) -> bool {
    let integer = decimal.split('.').next().unwrap_or(decimal);
    integer == "0" || !integer.starts_with('0')
}

/// The canonical data file in TOML: top-level values, then one `[section]` per table with its
/// values inline, and an array of tables as `[[check.accept]]` entries.
pub fn to_toml(report: &Report) -> String {
    let mut out = String::new();
    for (key, value) in canonical(report) {
        let Value::Table(entries) = value else {
            line(&mut out, key, &toml_value(&value));
            continue;
        };
        if let [(child, Value::Tables(items))] = entries.as_slice() {
            for item in items {
                let _ = write!(out, "\n[[{key}.{child}]]\n");
                for (k, v) in item {
                    line(&mut out, k, &toml_value(v));
                }
            }
            continue;
        }
        let _ = write!(out, "\n[{key}]\n");
        for (k, v) in &entries {
            line(&mut out, k, &toml_value(v));
        }
    }
    out
}

fn line(w: &mut String, key: &str, value: &str) {
    let _ = writeln!(w, "{key} = {value}");
}

/// A value written inline: `"text"`, `12`, `[1, 2]`, `{ issued = 0, … }`.
fn toml_value(value: &Value) -> String {
    match value {
        Value::Text(text) => string(text),
        Value::Count(n) => n.to_string(),
        Value::Decimal(d) if is_number_literal(d) => d.to_string(),
        Value::Decimal(d) => string(d),
        Value::Date(date) => date.iso(),
        Value::Counts(counts) => {
            let counts: Vec<String> = counts.iter().map(u64::to_string).collect();
            format!("[{}]", counts.join(", "))
        }
        Value::Table(entries) => toml_table(entries),
        Value::Tables(items) => {
            let items: Vec<String> = items.iter().map(|e| toml_table(e)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn toml_table(entries: &[(&'static str, Value)]) -> String {
    let parts: Vec<String> = (entries.iter())
        .map(|(k, v)| format!("{k} = {}", toml_value(v)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// The canonical data file in JSON, laid out like the TOML: one line per top-level value and
/// per value of a section, each section's values inline, each `check.accept` entry on a line.
/// A fee keeps its digits (`96171.60` stays as written): parse the text with a reader that
/// keeps numbers' text, as [`super::load`] does, not into floating point.
pub fn to_json(report: &Report) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in canonical(report).iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        let _ = write!(out, "  {}: ", json_string(key));
        let Value::Table(entries) = value else {
            out.push_str(&json_value(value));
            continue;
        };
        out.push('{');
        for (j, (k, v)) in entries.iter().enumerate() {
            out.push_str(if j == 0 { "\n" } else { ",\n" });
            let _ = write!(out, "    {}: ", json_string(k));
            match v {
                Value::Tables(items) => {
                    out.push('[');
                    for (n, item) in items.iter().enumerate() {
                        out.push_str(if n == 0 { "\n" } else { ",\n" });
                        out.push_str("      ");
                        out.push_str(&json_object(item));
                    }
                    out.push_str("\n    ]");
                }
                other => out.push_str(&json_value(other)),
            }
        }
        out.push_str(if entries.is_empty() { "}" } else { "\n  }" });
    }
    out.push_str("\n}\n");
    out
}

/// A value written on one line.
fn json_value(value: &Value) -> String {
    match value {
        Value::Text(text) => json_string(text),
        Value::Count(n) => n.to_string(),
        Value::Decimal(d) if is_number_literal(d) => d.to_string(),
        Value::Decimal(d) => json_string(d),
        Value::Date(date) => json_string(&date.iso()),
        Value::Counts(counts) => {
            let counts: Vec<String> = counts.iter().map(u64::to_string).collect();
            format!("[{}]", counts.join(", "))
        }
        Value::Table(entries) => json_object(entries),
        Value::Tables(items) => {
            let items: Vec<String> = items.iter().map(|e| json_object(e)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn json_object(entries: &[(&'static str, Value)]) -> String {
    let parts: Vec<String> = (entries.iter())
        .map(|(k, v)| format!("{}: {}", json_string(k), json_value(v)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// A JSON string: quotes, backslashes and control characters escaped, everything else as is.
pub(super) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML basic string; multi-line when the text has line breaks, so narrative stays readable.
pub(crate) fn string(text: &str) -> String {
    let multiline = text.contains('\n');
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(if multiline { "\"\"\"\n" } else { "\"" });
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            // Every quote escaped: no run of three can end a multi-line string early.
            '"' => out.push_str("\\\""),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push_str(if multiline { "\"\"\"" } else { "\"" });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Syntax, load};

    fn round_trip(text: &str) {
        let first = load("in.toml", text, Syntax::Toml);
        round_trip_report(&first.report.expect("loads"));
    }

    /// The report written as TOML and as JSON loads back as itself, and each text is canonical:
    /// writing the re-read report gives the same text. Both have the same keys.
    fn round_trip_report(report: &Report) {
        let written = to_toml(report);
        let again = load("out.toml", &written, Syntax::Toml);
        assert!(!again.has_errors(), "{written}\n{:?}", again.diagnostics);
        assert_eq!(again.report.as_ref(), Some(report), "{written}");
        assert_eq!(to_toml(again.report.as_ref().unwrap()), written);

        let json = to_json(report);
        let again = load("out.json", &json, Syntax::Json);
        assert!(!again.has_errors(), "{json}\n{:?}", again.diagnostics);
        assert_eq!(again.report.as_ref(), Some(report), "{json}");
        assert_eq!(to_json(again.report.as_ref().unwrap()), json);

        let json_value: serde_json::Value = serde_json::from_str(&json).expect("strict JSON");
        let toml_value: toml::Table = written.parse().expect("TOML");
        let mut json_keys = Vec::new();
        json_paths(&json_value, "", &mut json_keys);
        let mut toml_keys = Vec::new();
        for (key, value) in &toml_value {
            toml_paths(value, key, &mut toml_keys);
        }
        // serde_json's map sorts its keys: the same keys, whatever their order.
        json_keys.sort();
        toml_keys.sort();
        assert_eq!(json_keys, toml_keys, "{json}\n{written}");
    }

    /// Every key path of a JSON value (`applications.granted.3`).
    fn json_paths(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        let child = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    json_paths(value, &child(key), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    json_paths(value, &child(&i.to_string()), out);
                }
            }
            _ => out.push(path.to_string()),
        }
    }

    fn toml_paths(value: &toml::Value, path: &str, out: &mut Vec<String>) {
        match value {
            toml::Value::Table(map) => {
                for (key, value) in map {
                    toml_paths(value, &format!("{path}.{key}"), out);
                }
            }
            toml::Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    toml_paths(value, &format!("{path}.{i}"), out);
                }
            }
            _ => out.push(path.to_string()),
        }
    }

    #[test]
    fn a_fee_with_leading_zeros_is_written_as_text() {
        let base =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/base.toml"))
                .unwrap();
        let fee = replace_line(
            &base,
            "fees_10k_yuan = ",
            "\n",
            "fees_10k_yuan = \"007.50\"",
        );
        let report = load("in.toml", &fee, Syntax::Toml).report.unwrap();
        assert_eq!(report.active_disclosure.fees_10k_yuan.as_str(), "007.50");
        assert!(to_toml(&report).contains("fees_10k_yuan = \"007.50\"\n"));
        assert!(to_json(&report).contains("\"fees_10k_yuan\": \"007.50\""));
        round_trip_report(&report);
    }

    /// `text` with the line that begins with `start` (up to `end`) replaced by `by`.
    fn replace_line(text: &str, start: &str, end: &str, by: &str) -> String {
        let at = text.find(start).expect("the line is there");
        let stop = at + text[at..].find(end).expect("the line ends");
        format!("{}{by}{}", &text[..at], &text[stop..])
    }

    #[test]
    fn json_keeps_a_fee_s_digits_and_writes_dates_as_text() {
        let huaian = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/huaian-2024.toml"
        ))
        .unwrap();
        let report = load("in.toml", &huaian, Syntax::Toml).report.unwrap();
        let json = to_json(&report);
        let fee = report.active_disclosure.fees_10k_yuan.as_str();
        assert!(
            json.contains(&format!("\"fees_10k_yuan\": {fee}\n")),
            "{json}"
        );
        if let Some(date) = report.signature.as_ref().and_then(|s| s.date) {
            assert!(
                json.contains(&format!("\"date\": \"{}\"", date.iso())),
                "{json}"
            );
        }
        assert!(json.starts_with("{\n  \"organ\": "), "{json}");
    }

    #[test]
    fn samples_survive_a_round_trip() {
        let root = env!("CARGO_MANIFEST_DIR");
        for file in [
            "samples/huaian-2024.toml",
            "samples/yimianpo-2021.toml",
            "tests/data/base.toml",
        ] {
            let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
            round_trip(&text);
        }
    }

    #[test]
    fn accepted_findings_survive_a_round_trip() {
        let base =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/base.toml"))
                .unwrap();
        let accepted = format!(
            "{base}\n[[check.accept]]\nrule = \"year-change\"\nfield = \"applications.new_received.total\"\nreason = \"开通网上申请\"\n\n[[check.accept]]\nrule = \"improvements\"\nreason = \"本年确无问题\"\n"
        );
        let report = load("in.toml", &accepted, Syntax::Toml).report.unwrap();
        assert_eq!(report.acceptances.len(), 2);
        assert_eq!(report.acceptances[1].field, None);
        round_trip(&accepted);
    }

    #[test]
    fn awkward_text_is_escaped() {
        let base =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/base.toml"))
                .unwrap();
        let awkward = base.replace(
            "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
            "problems = \"引号\\\"\\\"\\\"三个、反斜杠\\\\、制表\\t、回车\\r\\n换行、控制\\u0007。\"",
        );
        assert_ne!(awkward, base);
        round_trip(&awkward);
    }
}
