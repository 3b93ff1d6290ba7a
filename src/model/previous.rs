//! This year's report against last year's (`nianbao check THIS --previous LAST`).
//!
//! 1. The years are adjacent (`previous-year`, warning).
//! 2. Table 三's 二、上年结转 is last year's 四、结转下年度继续办理, per column (`carry-over`, warning).
//! 3. Last year's 现行有效件数 + 本年制发 − 本年废止 is this year's 现行有效件数 (`in-force`: a
//!    warning; an info when the documents repealed outnumber those there were).
//! 4. No figure grew more than five times or fell below a fifth (`year-change`, warning).
//! 5. No narrative section is mostly last year's text, figures aside (`copied-text`, warning).
//!
//! Findings are about this year's file: `previous_file` only names last year's in the messages.

use std::collections::HashSet;

use super::content::{digit, sentences, written_sections};
use super::schema::{self, APPLICANT_COLUMNS, OUTCOME_FIELDS, REVIEW_GROUPS, RowRole};
use super::validate::{diag, key_of, touches_invalid};
use super::{Decimal, DocumentCounts, Report, SourceMap};
use crate::diag::{Diagnostic, Rule, Severity};

pub fn compare_with_previous(
    this: &Report,
    source: &SourceMap,
    previous: &Report,
    previous_file: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if previous.year != 0 && this.year != 0 && previous.year + 1 != this.year {
        out.push(
            Diagnostic::warning(
                Rule::PreviousYear,
                format!(
                    "上年报告 {previous_file} 的年度是 {}，本报告是 {}，不是相邻两年",
                    previous.year, this.year
                ),
            )
            .at(source.location("year"))
            .field("year", schema::label("year")),
        );
    }
    let carried = this.applications.by_role(RowRole::CarriedOver);
    let last_forward = previous.applications.by_role(RowRole::CarriedForward);
    let carried_key = key_of(this, RowRole::CarriedOver);
    for (c, (col_key, col_zh)) in APPLICANT_COLUMNS.iter().enumerate().take(6) {
        if carried.0[c] == last_forward.0[c] {
            continue;
        }
        let path = format!("applications.{carried_key}.{col_key}");
        let message = format!(
            "二、上年结转（{col_zh}）为 {}，而上年报告 {previous_file} 的“四、结转下年度继续办理”为 {}",
            carried.0[c], last_forward.0[c]
        );
        out.push(
            diag(Severity::Warning, Rule::CarryOver, source, &path, message)
                .hint("本年的上年结转通常等于上年的结转下年度继续办理"),
        );
    }
    let ad = (&this.active_disclosure, &previous.active_disclosure);
    for (key, now, before) in [
        ("regulations", ad.0.regulations, ad.1.regulations),
        (
            "normative_documents",
            ad.0.normative_documents,
            ad.1.normative_documents,
        ),
    ] {
        in_force(key, now, before, source, previous_file, &mut out);
    }
    year_change(this, source, previous, previous_file, &mut out);
    copied_text(this, source, previous, previous_file, &mut out);
    out
}

/// Rule 3. A clean-up of old documents breaks the sum legitimately, so a mismatch is a warning the
/// data file can accept with its reason; when more were repealed than there were, last year's
/// count was already off and the sum says nothing: an info.
fn in_force(
    key: &str,
    now: DocumentCounts,
    before: DocumentCounts,
    source: &SourceMap,
    previous_file: &str,
    out: &mut Vec<Diagnostic>,
) {
    let path = format!("active_disclosure.{key}.in_force");
    let expected = (before.in_force + now.issued).checked_sub(now.repealed);
    let inputs = ["issued", "repealed", "in_force"].map(|f| format!("active_disclosure.{key}.{f}"));
    if expected == Some(now.in_force) || touches_invalid(source, &inputs) {
        return;
    }
    let (severity, shown, hint) = match expected {
        Some(e) => (
            Severity::Warning,
            e.to_string(),
            format!(
                "核对现行有效件数；清理文件等原因使两者不同的，在数据文件中加 [[check.accept]]，\
                 写 rule = \"in-force\"、field = \"{path}\" 和 reason = \"……\"（不同的原因）"
            ),
        ),
        None => (
            Severity::Info,
            "负数".to_string(),
            "清理文件后两者可以不同；不同时请确认数字无误".to_string(),
        ),
    };
    let message = format!(
        "现行有效件数为 {}；按上年 {previous_file} 的 {} + 本年制发 {} − 本年废止 {} 推算应为 {shown}",
        now.in_force, before.in_force, now.issued, now.repealed
    );
    out.push(diag(severity, Rule::InForce, source, &path, message).hint(hint));
}

/// A figure compared across the years: exact, in millionths for the 万元 fee.
struct Figure {
    /// The key path of this year's figure.
    path: String,
    /// The values it is computed from, to skip it when decoding refused one.
    inputs: Vec<String>,
    now: u128,
    before: u128,
    /// As printed.
    shown: (String, String),
    /// One unit in `now` and `before` (1, or 1,000,000 for the fee).
    unit: u128,
}

impl Figure {
    fn count(path: String, inputs: Vec<String>, now: u64, before: u64) -> Figure {
        Figure {
            path,
            inputs,
            now: u128::from(now),
            before: u128::from(before),
            shown: (now.to_string(), before.to_string()),
            unit: 1,
        }
    }
}

/// Millionths of a decimal as written (at most 10 + 6 digits, as decoding allows).
fn millionths(d: &Decimal) -> Option<u128> {
    let (int, frac) = d.as_str().split_once('.').unwrap_or((d.as_str(), ""));
    if int.len() > 20 || frac.len() > 6 {
        return None;
    }
    let int: u128 = int.parse().ok()?;
    let frac: u128 = format!("{frac:0<6}").parse().ok()?;
    Some(int * 1_000_000 + frac)
}

/// Rule 4's figures: table 二's counts and fee, table 三's 总计 of every row, table 四's group
/// totals.
fn figures(this: &Report, previous: &Report) -> Vec<Figure> {
    let mut out = Vec::new();
    let (ad, last) = (&this.active_disclosure, &previous.active_disclosure);
    for (key, now, before) in [
        ("regulations", ad.regulations, last.regulations),
        (
            "normative_documents",
            ad.normative_documents,
            last.normative_documents,
        ),
    ] {
        for (field, n, b) in [
            ("issued", now.issued, before.issued),
            ("repealed", now.repealed, before.repealed),
            ("in_force", now.in_force, before.in_force),
        ] {
            let path = format!("active_disclosure.{key}.{field}");
            out.push(Figure::count(path.clone(), vec![path], n, b));
        }
    }
    for (key, n, b) in [
        (
            "licensing_decisions",
            ad.licensing_decisions,
            last.licensing_decisions,
        ),
        (
            "penalty_decisions",
            ad.penalty_decisions,
            last.penalty_decisions,
        ),
        (
            "coercion_decisions",
            ad.coercion_decisions,
            last.coercion_decisions,
        ),
    ] {
        let path = format!("active_disclosure.{key}");
        out.push(Figure::count(path.clone(), vec![path], n, b));
    }
    if let (Some(now), Some(before)) = (
        millionths(&ad.fees_10k_yuan),
        millionths(&last.fees_10k_yuan),
    ) {
        let path = "active_disclosure.fees_10k_yuan".to_string();
        out.push(Figure {
            inputs: vec![path.clone()],
            path,
            now,
            before,
            shown: (ad.fees_10k_yuan.to_string(), last.fees_10k_yuan.to_string()),
            unit: 1_000_000,
        });
    }
    for (spec, row) in this.applications.rows() {
        let before = previous.applications.get(spec.key).map_or(0, |r| r.total());
        let inputs = APPLICANT_COLUMNS[..6]
            .iter()
            .map(|(col, _)| format!("applications.{}.{col}", spec.key))
            .collect();
        let path = format!("applications.{}.total", spec.key);
        out.push(Figure::count(path, inputs, row.total(), before));
    }
    let groups = this.review_litigation.groups();
    let last_groups = previous.review_litigation.groups();
    for (i, (key, _)) in REVIEW_GROUPS.iter().enumerate() {
        let inputs = OUTCOME_FIELDS[..4]
            .iter()
            .map(|(field, _)| format!("review_litigation.{key}.{field}"))
            .collect();
        let path = format!("review_litigation.{key}.total");
        out.push(Figure::count(
            path,
            inputs,
            groups[i].total(),
            last_groups[i].total(),
        ));
    }
    out
}

/// The smaller of two figures is this many times smaller than the larger, or more, for a change
/// to be reported.
const CHANGE_FACTOR: u128 = 5;
/// The larger of the two is at least this many units: from 2 to 11 is no news.
const CHANGE_FLOOR: u128 = 20;

/// `表三“一、本年新收政府信息公开申请数量”总计` from the key's label.
fn cell_name(path: &str) -> String {
    let table = match path.split('.').next() {
        Some("active_disclosure") => "表二",
        Some("applications") => "表三",
        _ => "表四",
    };
    let label = schema::label(path);
    match label.rsplit_once(" · ") {
        Some((head, tail)) => format!("{table}“{head}”{tail}"),
        None => format!("{table}“{label}”"),
    }
}

/// A share as a percentage with at most one decimal: `12.5%`, `10%`.
fn percent(part: f64, whole: f64) -> String {
    let tenths = (part / whole * 1000.0).round() / 10.0;
    if tenths < 0.1 {
        "不到 0.1%".to_string()
    } else {
        format!("{tenths}%")
    }
}

/// Rule 4.
fn year_change(
    this: &Report,
    source: &SourceMap,
    previous: &Report,
    previous_file: &str,
    out: &mut Vec<Diagnostic>,
) {
    for f in figures(this, previous) {
        let grew = f.now > CHANGE_FACTOR * f.before;
        let fell = f.now * CHANGE_FACTOR < f.before;
        if !(grew || fell)
            || f.now.max(f.before) < CHANGE_FLOOR * f.unit
            || touches_invalid(source, &f.inputs)
        {
            continue;
        }
        let (now, before) = (f.now as f64, f.before as f64);
        let change = if f.before == 0 {
            "从无到有".to_string()
        } else if grew {
            format!("增长到 {:.1} 倍", now / before)
        } else if f.now == 0 {
            "降为 0".to_string()
        } else {
            format!("降到上年的 {}", percent(now, before))
        };
        let message = format!(
            "{} {} 年为 {}，上年（{previous_file}）为 {}，{change}",
            cell_name(&f.path),
            this.year,
            f.shown.0,
            f.shown.1
        );
        let hint = format!(
            "核对这个数和上年的数；数字无误的（如职能调整、统计口径变化），在数据文件中加 [[check.accept]]，\
             写 rule = \"year-change\"、field = \"{}\" 和 reason = \"……\"（变化的原因）",
            f.path
        );
        out.push(
            diag(
                Severity::Warning,
                Rule::YearChange,
                source,
                &f.path,
                message,
            )
            .hint(hint),
        );
    }
}

/// A section is reported when at least this share of its characters is in last year's text…
const COPIED_PERCENT: usize = 80;
/// …and those characters are at least this many: a one-line statement repeated each year (“无收
/// 取信息处理费情况。”) is no copy.
const COPIED_MIN_CHARS: usize = 60;

/// A sentence as compared across the years: without spaces, each run of digits (with the points
/// and commas inside it) one `#`, since years and figures change every year.
fn masked(sentence: &str) -> String {
    let mut out = String::with_capacity(sentence.len());
    let mut in_number = false;
    for c in sentence.chars() {
        if c.is_whitespace() {
            continue;
        }
        let digit_like = digit(c).is_some() || (in_number && matches!(c, '.' | ',' | '．'));
        if digit_like {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// How many of the text's characters (masked) are in sentences found in `last`, of how many.
fn shared_chars(text: &str, last: &str) -> (usize, usize) {
    let known: HashSet<String> = sentences(last).map(|(_, s)| masked(s)).collect();
    sentences(text)
        .map(|(_, s)| masked(s))
        .fold((0, 0), |(same, all), s| {
            let n = s.chars().count();
            (same + if known.contains(&s) { n } else { 0 }, all + n)
        })
}

/// Rule 5: each section against the same section of last year.
fn copied_text(
    this: &Report,
    source: &SourceMap,
    previous: &Report,
    previous_file: &str,
    out: &mut Vec<Diagnostic>,
) {
    let last = &previous.text;
    for (path, text) in written_sections(this, source) {
        // The preamble states the legal basis and the contact: the same words every year, as
        // they should be.
        let before = match path {
            "text.overview" => last.overview.as_str(),
            "text.problems" => last.problems.as_str(),
            "text.other" => last.other.as_str(),
            _ => continue,
        };
        let (same, all) = shared_chars(text, before);
        if same < COPIED_MIN_CHARS || same * 100 < COPIED_PERCENT * all {
            continue;
        }
        let message = format!(
            "{} 有 {}% 与上年（{previous_file}）相同",
            schema::label(path),
            same * 100 / all
        );
        out.push(
            diag(Severity::Warning, Rule::CopiedText, source, path, message).hint(
                "年度报告写的是本年的工作：按本年的情况重写这一部分；确需沿用的，\
                 在数据文件中加 [[check.accept]]，写 rule = \"copied-text\"、field 和 reason",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_masked_and_spaces_dropped() {
        assert_eq!(masked("2024年 收到申请 1,234 件"), "#年收到申请#件");
        assert_eq!(masked("2023年收到申请9件"), masked("2024年收到申请120件"));
        assert_eq!(masked("费用3.5万元，共２件"), "费用#万元，共#件");
    }

    #[test]
    fn the_share_counts_characters_of_sentences_found_last_year() {
        let last = "甲乙丙丁。戊己。";
        assert_eq!(shared_chars("甲乙丙丁。新的。", last), (4, 6));
        assert_eq!(shared_chars("", last), (0, 0));
        assert_eq!(shared_chars("2024年甲。", "2023年甲。"), (3, 3));
    }

    #[test]
    fn fees_compare_exactly() {
        let d = |s: &str| millionths(&Decimal::parse(s).unwrap());
        assert_eq!(d("96171.6"), Some(96_171_600_000));
        assert_eq!(d("0"), Some(0));
        assert_eq!(d("24252.311082"), Some(24_252_311_082));
    }

    #[test]
    fn percentages_keep_one_decimal() {
        assert_eq!(percent(3.0, 40.0), "7.5%");
        assert_eq!(percent(20.0, 200.0), "10%");
        assert_eq!(percent(1.0, 100_000.0), "不到 0.1%");
    }
}
