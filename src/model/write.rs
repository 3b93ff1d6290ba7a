//! A [`Report`] written back as its canonical data file (TOML, data-format.md).
//!
//! Canonical means: every key in schema order, every input row of table 三 written out, computed
//! totals left out, the signing organ only when it differs from `organ`. Loading the text gives
//! the same report again, so a generated or converted report can be checked, archived and edited
//! like one typed by hand.

use std::fmt::Write;

use super::schema::{OUTCOME_FIELDS, REVIEW_GROUPS, RowRole};
use super::{DocumentCounts, Outcomes, Report};

pub fn to_toml(report: &Report) -> String {
    let mut out = String::new();
    let w = &mut out;
    if report.format != super::Format::default() {
        line(w, "format", &string(report.format.code()));
    }
    line(w, "organ", &string(&report.organ));
    line(w, "year", &report.year.to_string());

    let contact = report.contact.fields();
    if contact.iter().any(|(_, v)| v.is_some()) {
        w.push_str("\n[contact]\n");
        for (key, value) in contact {
            if let Some(v) = value {
                line(w, key, &string(v));
            }
        }
    }

    if let Some(sig) = &report.signature {
        w.push_str("\n[signature]\n");
        if sig.organ != report.organ {
            line(w, "organ", &string(&sig.organ));
        }
        if let Some(date) = sig.date {
            line(w, "date", &date.iso());
        }
        if let Some(seal) = &sig.seal {
            line(w, "seal", &string(seal));
        }
    }

    let t = &report.text;
    w.push_str("\n[text]\n");
    if let Some(p) = &t.preamble {
        line(w, "preamble", &string(p));
    }
    line(w, "overview", &string(&t.overview));
    line(w, "problems", &string(&t.problems));
    line(w, "other", &string(&t.other));

    let a = &report.active_disclosure;
    w.push_str("\n[active_disclosure]\n");
    line(w, "regulations", &documents(&a.regulations));
    line(w, "normative_documents", &documents(&a.normative_documents));
    line(w, "licensing_decisions", &a.licensing_decisions.to_string());
    line(w, "penalty_decisions", &a.penalty_decisions.to_string());
    line(w, "coercion_decisions", &a.coercion_decisions.to_string());
    line(w, "fees_10k_yuan", a.fees_10k_yuan.as_str());

    w.push_str("\n[applications]\n");
    for (spec, row) in report.applications.rows() {
        if spec.role == RowRole::ResultsTotal {
            continue;
        }
        let counts: Vec<String> = row.0.iter().map(u64::to_string).collect();
        line(w, spec.key, &format!("[{}]", counts.join(", ")));
    }

    w.push_str("\n[review_litigation]\n");
    for ((key, _), group) in REVIEW_GROUPS.iter().zip(report.review_litigation.groups()) {
        line(w, key, &outcomes(group));
    }

    for accepted in &report.acceptances {
        w.push_str("\n[[check.accept]]\n");
        line(w, "rule", &string(accepted.rule.code()));
        if let Some(field) = &accepted.field {
            line(w, "field", &string(field));
        }
        line(w, "reason", &string(&accepted.reason));
    }
    out
}

fn line(w: &mut String, key: &str, value: &str) {
    let _ = writeln!(w, "{key} = {value}");
}

fn documents(d: &DocumentCounts) -> String {
    format!(
        "{{ issued = {}, repealed = {}, in_force = {} }}",
        d.issued, d.repealed, d.in_force
    )
}

fn outcomes(o: &Outcomes) -> String {
    let parts: Vec<String> = OUTCOME_FIELDS
        .iter()
        .zip(o.columns())
        .take(4)
        .map(|((key, _), value)| format!("{key} = {value}"))
        .collect();
    format!("{{ {} }}", parts.join(", "))
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
        let report = first.report.expect("loads");
        let written = to_toml(&report);
        let again = load("out.toml", &written, Syntax::Toml);
        assert!(!again.has_errors(), "{written}\n{:?}", again.diagnostics);
        assert_eq!(again.report.as_ref(), Some(&report), "{written}");
        // Canonical: writing the re-read report gives the same text.
        assert_eq!(to_toml(again.report.as_ref().unwrap()), written);
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
