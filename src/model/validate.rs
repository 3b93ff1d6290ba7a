//! The rules one report is held to on its own: the consistency rules of docs/format-2021.md §6,
//! and what assessors check beyond the arithmetic.
//!
//! 1. 勾稽 identity per column (error).
//! 2. A stated （七）总计 against its 21 items (error).
//! 3. A stated row 总计 against its six columns (error).
//! 4. A stated group 总计 in table 四 against its four results (error).
//! 5. Rows of table 三 left out, taken as zero (info).
//! 6. The 落款's date against the year reported (warning).
//! 7. What the narrative must say and must not (warnings, [`super::content`]): improvement
//!    measures in 五, the 信息处理费 in 六, no citation of the 2019 format, the statistics period.
//! 8. The figures the narrative writes against the tables (warning, [`super::prose`]).
//!
//! The rules that need last year's report (carry-over, in-force, year-change, copied-text) are
//! in [`super::previous`]. Rules never fire on values that decoding already rejected.

use super::schema::{self, APPLICANT_COLUMNS, RowRole};
use super::{Report, SourceMap, content, prose};
use crate::diag::{Diagnostic, Rule, Severity};

pub(super) fn validate(report: &Report, source: &SourceMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    balance(report, source, &mut out);
    stated_totals(report, source, &mut out);
    absent_rows(source, &mut out);
    signature_date(report, source, &mut out);
    content::check(report, source, &mut out);
    prose::check(report, source, &mut out);
    out
}

/// The 落款's date against the year reported: a report is written once the year has ended,
/// and published by 31 January of the next (条例 第五十条).
fn signature_date(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    let Some(date) = report.signature.as_ref().and_then(|s| s.date) else {
        return;
    };
    // A year refused by decoding has no deadline to measure against.
    if touches_invalid(source, &["year".to_string()]) {
        return;
    }
    let (year, next) = (report.year, report.year.saturating_add(1));
    let shown = format!("{}年{}月{}日", date.year, date.month, date.day);
    let on = (date.year, date.month, date.day);
    let path = "signature.date";
    let (message, hint) = if on <= (year, 12, 31) {
        (
            format!(
                "成文日期 {shown} 在 {year} 年结束之前：年度报告统计到 {year} 年 12 月 31 日，应在其后成文"
            ),
            format!("核对成文日期，通常是 {next} 年 1 月的某一天"),
        )
    } else if on > (next, 1, 31) {
        (
            format!(
                "成文日期 {shown} 晚于 {next} 年 1 月 31 日：《条例》第五十条要求每年 1 月 31 日前公布上一年度的年度报告"
            ),
            "核对成文日期；确实逾期的，在“六、其他需要报告的事项”中说明原因".to_string(),
        )
    } else {
        return;
    };
    out.push(
        diag(
            Severity::Warning,
            Rule::SignatureDate,
            source,
            path,
            message,
        )
        .hint(hint),
    );
}

pub(super) fn diag(
    severity: Severity,
    rule: Rule,
    source: &SourceMap,
    path: &str,
    message: String,
) -> Diagnostic {
    Diagnostic::new(severity, rule, message)
        .at(source.location(path))
        .field(path, schema::label(path))
}

/// Whether any of these values, or a row holding them, was rejected by decoding.
pub(super) fn touches_invalid(source: &SourceMap, cells: &[String]) -> bool {
    cells.iter().any(|cell| {
        source.invalid.contains(cell)
            || cell
                .rfind('.')
                .is_some_and(|i| source.invalid.contains(&cell[..i]))
    })
}

/// The cells of one applicant column across the rows playing any of `roles`.
fn column_cells(report: &Report, col_key: &str, roles: &[RowRole]) -> Vec<String> {
    report
        .format
        .application_rows()
        .iter()
        .filter(|r| roles.contains(&r.role))
        .map(|r| format!("applications.{}.{col_key}", r.key))
        .collect()
}

/// Rule 1: for each applicant column, 一 + 二 = （七）总计 + 四. The 总计 column follows from the
/// six, so a broken identity is reported once, in the applicant column where it breaks.
fn balance(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    let apps = &report.applications;
    let received = apps.by_role(RowRole::Received);
    let carried = apps.by_role(RowRole::CarriedOver);
    let results = apps.by_role(RowRole::ResultsTotal);
    let forward = apps.by_role(RowRole::CarriedForward);
    let forward_key = key_of(report, RowRole::CarriedForward);
    for (c, (col_key, col_zh)) in APPLICANT_COLUMNS.iter().enumerate().take(6) {
        let inputs = [
            RowRole::Received,
            RowRole::CarriedOver,
            RowRole::Item,
            RowRole::CarriedForward,
        ];
        if touches_invalid(source, &column_cells(report, col_key, &inputs)) {
            continue;
        }
        let left = received.0[c] + carried.0[c];
        let right = results.0[c] + forward.0[c];
        if left == right {
            continue;
        }
        let path = format!("applications.{forward_key}.{col_key}");
        let message = format!(
            "勾稽关系不成立（{col_zh}列）：一、本年新收 {} + 二、上年结转 {} = {left}，\
             而 三（七）总计 {} + 四、结转下年度 {} = {right}，相差 {}",
            received.0[c],
            carried.0[c],
            results.0[c],
            forward.0[c],
            left.abs_diff(right),
        );
        out.push(
            diag(Severity::Error, Rule::Balance, source, &path, message).hint(format!(
                "表三注明：第一项加第二项之和，等于第三项加第四项之和。核对{col_zh}列的办理结果各项和结转数"
            )),
        );
    }
}

pub(super) fn key_of(report: &Report, role: RowRole) -> &'static str {
    report
        .format
        .application_rows()
        .iter()
        .find(|r| r.role == role)
        .map_or("", |r| r.key)
}

/// Rules 2–4: every total the file states must equal the computed one.
fn stated_totals(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    for (path, stated) in &source.stated_totals {
        let Some(total) = computed_total(report, path) else {
            continue;
        };
        if *stated == total.value || touches_invalid(source, &total.inputs) {
            continue;
        }
        let message = format!("{}应为 {}，实际填写 {stated}", total.what, total.value);
        out.push(
            diag(Severity::Error, total.rule, source, path, message)
                .hint("总计由程序计算：可以删去这个数，或核对各项后改正"),
        );
    }
}

/// What a stated total must equal, and the values it is computed from.
struct Computed {
    value: u64,
    rule: Rule,
    what: &'static str,
    inputs: Vec<String>,
}

fn computed_total(report: &Report, path: &str) -> Option<Computed> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["applications", row, col] => {
            let spec = report
                .format
                .application_rows()
                .iter()
                .find(|r| r.key == *row)?;
            let c = APPLICANT_COLUMNS.iter().position(|(k, _)| k == col)?;
            let counts = report.applications.get(row)?;
            let item_columns = |cols: &[&str]| -> Vec<String> {
                cols.iter()
                    .flat_map(|col| column_cells(report, col, &[RowRole::Item]))
                    .collect()
            };
            let applicant_keys: Vec<&str> =
                APPLICANT_COLUMNS[..6].iter().map(|(k, _)| *k).collect();
            let (value, rule, what, inputs) = match (*col, spec.role) {
                ("total", RowRole::ResultsTotal) => (
                    counts.total(),
                    Rule::RowTotal,
                    "本行总计（六列之和）",
                    item_columns(&applicant_keys),
                ),
                ("total", _) => (
                    counts.total(),
                    Rule::RowTotal,
                    "本行总计（六列之和）",
                    applicant_keys
                        .iter()
                        .map(|k| format!("applications.{row}.{k}"))
                        .collect(),
                ),
                (_, RowRole::ResultsTotal) => (
                    counts.column(c),
                    Rule::ResultsTotal,
                    "（七）总计（21 项办理结果之和）",
                    item_columns(&[col]),
                ),
                _ => return None,
            };
            Some(Computed {
                value,
                rule,
                what,
                inputs,
            })
        }
        ["review_litigation", group, "total"] => {
            let i = schema::REVIEW_GROUPS.iter().position(|(k, _)| k == group)?;
            Some(Computed {
                value: report.review_litigation.groups()[i].total(),
                rule: Rule::GroupTotal,
                what: "总计（结果维持、结果纠正、其他结果、尚未审结之和）",
                inputs: schema::OUTCOME_FIELDS[..4]
                    .iter()
                    .map(|(k, _)| format!("review_litigation.{group}.{k}"))
                    .collect(),
            })
        }
        _ => None,
    }
}

/// data-format.md: `check` lists the rows it took as zero.
fn absent_rows(source: &SourceMap, out: &mut Vec<Diagnostic>) {
    if source.absent_rows.is_empty() {
        return;
    }
    let input_rows = schema::APPLICATION_ROWS_2021
        .iter()
        .filter(|r| r.role != RowRole::ResultsTotal)
        .count();
    let message = if source.absent_rows.len() == input_rows {
        "表三没有填写任何一行，全部按 0 计".to_string()
    } else {
        let labels: Vec<String> = source
            .absent_rows
            .iter()
            .map(|key| schema::label(&format!("applications.{key}")))
            .collect();
        format!("表三以下各行未填写，按 0 计：{}", labels.join("、"))
    };
    out.push(
        Diagnostic::info(Rule::ZeroRows, message)
            .at(source.location("applications"))
            .field("applications", schema::label("applications")),
    );
}
