//! `nianbao check FILE... [--previous FILE] [--format json]`: data files, and every data file of
//! a directory or row of a workbook.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::args::{CheckArgs, OutputFormat};
use super::{Status, out, print_diagnostics};
use crate::InputKind;
use crate::batch::{self, Input};
use crate::diag::{Diagnostic, Location, Rule, Severity, Tally};
use crate::model::{Format, Loaded, Report};
use crate::seal::{self, Seals};
use crate::template::Template;

#[derive(Serialize)]
struct FileReport {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    organ: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<u16>,
    status: Verdict,
    #[serde(flatten)]
    tally: Tally,
    diagnostics: Vec<Diagnostic>,
}

/// What became of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    /// No errors, and every warning accepted (or none).
    Ok,
    /// No errors, but warnings not accepted.
    Warnings,
    Invalid,
    Unreadable,
}

impl Verdict {
    const ALL: [Verdict; 4] = [
        Verdict::Ok,
        Verdict::Warnings,
        Verdict::Invalid,
        Verdict::Unreadable,
    ];

    fn zh(self) -> &'static str {
        match self {
            Verdict::Ok => "通过",
            Verdict::Warnings => "有警告",
            Verdict::Invalid => "未通过",
            Verdict::Unreadable => "无法读取",
        }
    }
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    files: &'a [FileReport],
    #[serde(flatten)]
    tally: Tally,
    by_rule: Vec<RuleCount>,
}

/// How often one rule fired, at one severity, over all the reports checked.
#[derive(Serialize)]
struct RuleCount {
    rule: Rule,
    severity: Severity,
    /// Reports with at least one such finding.
    reports: usize,
    /// Findings, accepted ones included.
    count: usize,
    accepted: usize,
}

pub fn run(args: &CheckArgs) -> Status {
    // A county checks its whole workbook or directory before it runs `batch`; last year's
    // file, though, belongs to one report.
    let many = args
        .files
        .iter()
        .any(|p| matches!(InputKind::of(p), InputKind::Directory | InputKind::Table));
    if many && let Some(previous) = &args.previous {
        print_diagnostics(&[Diagnostic::error(
            Rule::Usage,
            "--previous 只能用于单个数据文件，不能用于目录或工作簿",
        )
        .at(Location::file(&display(previous)))
        .hint("逐个核对：nianbao check 2024.toml --previous 2023.toml")]);
        return Status::Failed;
    }
    let previous = args
        .previous
        .as_deref()
        .map(|p| (display(p), crate::load_path(p)));
    let checker = Checker {
        // Placeholders in the narrative are checked as rendering would check them.
        template: Template::builtin(Format::Y2021),
        previous: previous
            .as_ref()
            .and_then(|(name, prev)| prev.report.as_ref().map(|r| (name.as_str(), r))),
        allow_seal_anywhere: args.allow_seal_anywhere,
    };
    let mut status = Status::Ok;
    let mut files = Vec::new();
    // Last year's file is needed for the comparison: without it the check is incomplete.
    if let Some((name, prev)) = &previous
        && prev.is_unparseable()
    {
        status = Status::Failed;
        files.push(file_report(name, None, prev.diagnostics.clone()));
    }
    for path in &args.files {
        let checked = match InputKind::of(path) {
            InputKind::Directory | InputKind::Table => checker.many(path, args.sheet.as_deref()),
            _ => vec![checker.one(display(path), crate::load_path(path), &seal_dir(path))],
        };
        for (loaded_status, report) in checked {
            status = status.merge(loaded_status);
            files.push(report);
        }
    }
    if args.strict && files.iter().any(|f| f.status == Verdict::Warnings) {
        status = status.merge(Status::Invalid);
    }
    match args.format {
        OutputFormat::Text => print_text(&files),
        OutputFormat::Json => {
            let json = JsonOutput {
                files: &files,
                tally: files.iter().fold(Tally::default(), |t, f| t + f.tally),
                by_rule: by_rule(&files),
            };
            let text = serde_json::to_string_pretty(&json).expect("diagnostics serialise");
            out(&format!("{text}\n"));
        }
        OutputFormat::Csv => out(&csv(&files)),
    }
    status
}

/// What every report is checked with.
struct Checker<'a> {
    template: Template,
    previous: Option<(&'a str, &'a Report)>,
    allow_seal_anywhere: bool,
}

impl Checker<'_> {
    /// One report, loaded from a file or a row: the checks rendering makes before it lays out.
    fn one(&self, name: String, mut loaded: Loaded, seal_dir: &Path) -> (Status, FileReport) {
        let seals = Seals::within(seal_dir).anywhere(self.allow_seal_anywhere);
        let read = |path: &str| seal::read(path, &seals);
        let against = crate::check::Against {
            template: &self.template,
            previous: self.previous,
            seal: &read,
        };
        crate::check::report(&mut loaded, &against);
        let status = file_status(&loaded);
        (
            status,
            file_report(&name, loaded.report.as_ref(), loaded.diagnostics),
        )
    }

    /// Every data file of a directory, or every row of a workbook or CSV file, read as `batch`
    /// reads them.
    fn many(&self, path: &Path, sheet: Option<&str>) -> Vec<(Status, FileReport)> {
        let input = match batch::input::read(path, sheet) {
            Ok(input) => batch::without_own_files(input),
            Err(diags) => return vec![(Status::Failed, file_report(&display(path), None, diags))],
        };
        match input {
            Input::Files(files) if files.is_empty() => vec![(
                Status::Failed,
                file_report(
                    &display(path),
                    None,
                    vec![
                        Diagnostic::error(
                            Rule::Unreadable,
                            "目录里没有数据文件（.toml、.json、.yaml），只有 nianbao 写出的清单",
                        )
                        .at(Location::file(&display(path))),
                    ],
                ),
            )],
            Input::Files(files) => files
                .iter()
                .map(|f| self.one(display(f), crate::load_path(f), &seal_dir(f)))
                .collect(),
            Input::Table(table) if table.rows.is_empty() => vec![(
                Status::Failed,
                file_report(
                    &table.file,
                    None,
                    vec![
                        Diagnostic::error(Rule::Unreadable, "表头下面没有数据行")
                            .at(Location::file(&table.file))
                            .hint("每个机关填一行，从表头下面的第一行开始"),
                    ],
                ),
            )],
            Input::Table(table) => {
                // How the file was read (e.g. as GBK) goes with its first row.
                let mut notes = Some(table.notes.clone());
                table
                    .rows
                    .iter()
                    .map(|row| {
                        let mut loaded = table.load(row);
                        loaded.diagnostics.extend(notes.take().unwrap_or_default());
                        self.one(table.describe(row), loaded, &table.dir)
                    })
                    .collect()
            }
        }
    }
}

/// Seal paths in a data file are relative to its directory.
fn seal_dir(path: &Path) -> PathBuf {
    path.parent().unwrap_or(Path::new(".")).to_path_buf()
}

fn file_status(loaded: &Loaded) -> Status {
    if loaded.is_unparseable() {
        Status::Failed
    } else if loaded.has_errors() {
        Status::Invalid
    } else {
        Status::Ok
    }
}

/// `report` is `None` when the file could not be read at all.
fn file_report(name: &str, report: Option<&Report>, diagnostics: Vec<Diagnostic>) -> FileReport {
    let tally = Tally::of(&diagnostics);
    let status = match report {
        None => Verdict::Unreadable,
        Some(_) if tally.errors > 0 => Verdict::Invalid,
        Some(_) if tally.warnings > 0 => Verdict::Warnings,
        Some(_) => Verdict::Ok,
    };
    FileReport {
        file: name.to_string(),
        organ: report.map(|r| r.organ.clone()).filter(|o| !o.is_empty()),
        year: report.map(|r| r.year).filter(|y| *y != 0),
        status,
        tally,
        diagnostics,
    }
}

/// `（2 个错误，1 个警告，1 个已接受）`
fn counts(t: Tally) -> String {
    let accepted = if t.accepted > 0 {
        format!("，{} 个已接受", t.accepted)
    } else {
        String::new()
    };
    format!("（{} 个错误，{} 个警告{accepted}）", t.errors, t.warnings)
}

fn print_text(files: &[FileReport]) {
    let mut text = String::new();
    for f in files {
        for d in &f.diagnostics {
            text.push_str(&format!("{d}\n"));
        }
        if files.len() == 1 {
            text.push_str(&format!(
                "{}: {}{}\n",
                f.file,
                f.status.zh(),
                counts(f.tally)
            ));
        }
    }
    if files.len() > 1 {
        text.push_str(&summary_text(files));
    }
    out(&text);
}

/// For many reports: one line per report, then the findings by rule, then the totals.
fn summary_text(files: &[FileReport]) -> String {
    let mut text = String::from("\n逐份结果 / Reports\n");
    for f in files {
        let who = match (&f.organ, f.year) {
            (Some(organ), Some(year)) => format!("  {organ} {year}"),
            (Some(organ), None) => format!("  {organ}"),
            _ => String::new(),
        };
        text.push_str(&format!(
            "{}{who}: {}{}\n",
            f.file,
            f.status.zh(),
            counts(f.tally)
        ));
    }
    let rules = by_rule(files);
    if !rules.is_empty() {
        text.push_str("\n按规则 / By rule\n");
        let width = rules.iter().map(|r| r.rule.code().len()).max().unwrap_or(0);
        text.push_str(&format!(
            "{:width$}  级别  份数  次数  已接受\n",
            "规则",
            width = width.saturating_sub(2)
        ));
        for r in &rules {
            text.push_str(&format!(
                "{:width$}  {}  {:>4}  {:>4}  {:>6}\n",
                r.rule.code(),
                r.severity.zh(),
                r.reports,
                r.count,
                r.accepted,
            ));
        }
    }
    let total = files.iter().fold(Tally::default(), |t, f| t + f.tally);
    let by_verdict: Vec<String> = Verdict::ALL
        .iter()
        .map(|v| {
            let n = files.iter().filter(|f| f.status == *v).count();
            format!("{} {n}", v.zh())
        })
        .collect();
    text.push_str(&format!(
        "\n共 {} 份：{}；错误 {}，警告 {}，已接受 {}\n",
        files.len(),
        by_verdict.join("，"),
        total.errors,
        total.warnings,
        total.accepted
    ));
    text
}

/// The findings of all reports counted by rule and severity, most severe first, then by rule.
fn by_rule(files: &[FileReport]) -> Vec<RuleCount> {
    let mut counts: Vec<RuleCount> = Vec::new();
    for f in files {
        let mut seen: Vec<(Rule, Severity)> = Vec::new();
        for d in f.diagnostics.iter().filter(|d| d.severity > Severity::Info) {
            let key = (d.rule, d.severity);
            let i = match counts.iter().position(|c| (c.rule, c.severity) == key) {
                Some(i) => i,
                None => {
                    counts.push(RuleCount {
                        rule: d.rule,
                        severity: d.severity,
                        reports: 0,
                        count: 0,
                        accepted: 0,
                    });
                    counts.len() - 1
                }
            };
            let c = &mut counts[i];
            c.count += 1;
            c.accepted += usize::from(d.accepted.is_some());
            if !seen.contains(&key) {
                seen.push(key);
                c.reports += 1;
            }
        }
    }
    counts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.code().cmp(b.rule.code()))
    });
    counts
}

const CSV_HEADER: [&str; 9] = [
    "文件",
    "机关",
    "年度",
    "结论",
    "错误",
    "警告",
    "已接受",
    "规则",
    "问题",
];

/// One row per report, for the county office's own lists.
fn csv(files: &[FileReport]) -> String {
    let rows = files.iter().map(|f| {
        let mut rules: Vec<&str> = f
            .diagnostics
            .iter()
            .filter(|d| d.severity > Severity::Info)
            .map(|d| d.rule.code())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let problems: Vec<String> = f
            .diagnostics
            .iter()
            .filter(|d| d.severity > Severity::Info)
            .map(Diagnostic::to_string)
            .collect();
        vec![
            f.file.clone(),
            f.organ.clone().unwrap_or_default(),
            f.year.map(|y| y.to_string()).unwrap_or_default(),
            f.status.zh().to_string(),
            f.tally.errors.to_string(),
            f.tally.warnings.to_string(),
            f.tally.accepted.to_string(),
            rules.join(" "),
            problems.join("\n"),
        ]
    });
    crate::batch::manifest::spreadsheet_csv(&CSV_HEADER, rows)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
