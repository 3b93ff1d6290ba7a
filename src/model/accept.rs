//! Findings the clerk confirmed: `[[check.accept]]` in the data file.
//!
//! A warning can be right in fact (applications really did rise five-fold). The data file then
//! says so once, with a reason, and the finding shows as accepted instead of counting as a
//! warning. Errors cannot be accepted: they are broken arithmetic or unreadable values. An
//! acceptance that no longer matches anything is reported, so that old excuses do not pile up.

use serde::Serialize;

use super::SourceMap;
use crate::diag::{Diagnostic, Rule, Severity, Stage};

/// One `[[check.accept]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    pub rule: Rule,
    /// The field key the finding is about (`applications.new_received.total`); `None`
    /// accepts every finding of the rule.
    pub field: Option<String>,
    pub reason: String,
    /// Its key path in the source (`check.accept.2`, counted from 1), for locations.
    #[serde(skip)]
    pub path: String,
}

/// The field key the acceptances' own diagnostics carry.
const KEY: &str = "check.accept";

/// Marks the findings in `diags` that an acceptance covers, and reports the acceptances that
/// cover nothing any more. `judged` says which stages this run looked at: an acceptance of a
/// rule that was not looked for (a cross-year rule without `--previous`) is left alone.
pub fn apply(
    diags: &mut Vec<Diagnostic>,
    acceptances: &[Acceptance],
    source: &SourceMap,
    judged: &[Stage],
) {
    let mut found = Vec::new();
    for acceptance in acceptances {
        let covers = |d: &Diagnostic| {
            d.rule == acceptance.rule
                && acceptance
                    .field
                    .as_deref()
                    .is_none_or(|f| d.key.as_deref() == Some(f))
        };
        let mut matched = false;
        let mut errors = 0;
        for d in diags.iter_mut().filter(|d| covers(d)) {
            if d.is_error() {
                errors += 1;
            } else if d.accepted.is_none() {
                d.accepted = Some(acceptance.reason.as_str().into());
                matched = true;
            } else {
                // An earlier entry took it: this one still matches, it is not stale.
                matched = true;
            }
        }
        if matched || !judged.contains(&acceptance.rule.stage()) {
            continue;
        }
        let what = describe(acceptance);
        let (message, hint) = if errors > 0 {
            (
                format!("{what}对应的是错误，错误不能接受，只能改正"),
                "改正数据后删去这一条".to_string(),
            )
        } else {
            let others: Vec<&str> = diags
                .iter()
                .filter(|d| d.rule == acceptance.rule)
                .filter_map(|d| d.key.as_deref())
                .collect();
            let hint = if others.is_empty() {
                "问题已经不存在：删去这一条".to_string()
            } else {
                format!(
                    "规则 {} 现在报出的字段是：{}；核对 field，或删去这一条",
                    acceptance.rule.code(),
                    others.join("、")
                )
            };
            (
                format!("{what}没有对应的发现（理由是“{}”）", acceptance.reason),
                hint,
            )
        };
        found.push(
            Diagnostic::new(Severity::Warning, Rule::Acceptance, message)
                .at(source.location(&acceptance.path))
                .field(KEY, super::schema::label(KEY))
                .hint(hint),
        );
    }
    diags.extend(found);
}

/// `接受的发现（规则 year-change，字段 applications.new_received.total）`
fn describe(acceptance: &Acceptance) -> String {
    match &acceptance.field {
        Some(field) => format!(
            "接受的发现（规则 {}，字段 {field}）",
            acceptance.rule.code()
        ),
        None => format!("接受的发现（规则 {}）", acceptance.rule.code()),
    }
}
