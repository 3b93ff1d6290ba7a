//! `nianbao check FILE... [--previous FILE] [--format json]`: data files, and every data file of
//! a directory or row of a workbook.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::args::{CheckArgs, OutputFormat};
use super::{Status, out, print_diagnostics};
use crate::InputKind;
use crate::batch::{self, Input};
use crate::diag::{Diagnostic, Location, Rule, tally};
use crate::model::{self, Format, Loaded, Report};
use crate::seal::Seals;
use crate::template::Template;

#[derive(Serialize)]
struct FileReport {
    file: String,
    status: &'static str,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Serialize)]
struct JsonOutput {
    files: Vec<FileReport>,
    errors: usize,
    warnings: usize,
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
        files.push(file_report(name, prev.diagnostics.clone(), true));
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
    match args.format {
        OutputFormat::Text => print_text(&files),
        OutputFormat::Json => {
            let (errors, warnings) = files
                .iter()
                .fold((0, 0), |(e, w), f| (e + f.errors, w + f.warnings));
            let json = JsonOutput {
                files,
                errors,
                warnings,
            };
            let text = serde_json::to_string_pretty(&json).expect("diagnostics serialise");
            out(&format!("{text}\n"));
        }
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
        if let (Some((prev_name, prev_report)), Some(report)) = (self.previous, &loaded.report) {
            let found =
                model::compare_with_previous(report, &loaded.source, prev_report, prev_name);
            loaded.diagnostics.extend(found);
        }
        if let Some(report) = &loaded.report
            && !loaded.has_errors()
        {
            loaded
                .diagnostics
                .extend(self.template.check_narrative(report, &loaded.source));
        }
        // The seal (whatever else is wrong), read and accepted exactly as rendering would.
        if let Some(report) = &loaded.report {
            let seals = Seals::within(seal_dir).anywhere(self.allow_seal_anywhere);
            loaded
                .diagnostics
                .extend(crate::check_seal(report, &loaded.source, &seals));
        }
        model::sort(&mut loaded.diagnostics);
        let status = file_status(&loaded);
        let unreadable = loaded.report.is_none();
        (status, file_report(&name, loaded.diagnostics, unreadable))
    }

    /// Every data file of a directory, or every row of a workbook or CSV file, read as `batch`
    /// reads them.
    fn many(&self, path: &Path, sheet: Option<&str>) -> Vec<(Status, FileReport)> {
        let input = match batch::input::read(path, sheet) {
            Ok(input) => batch::without_own_files(input),
            Err(diags) => return vec![(Status::Failed, file_report(&display(path), diags, true))],
        };
        match input {
            Input::Files(files) if files.is_empty() => vec![(
                Status::Failed,
                file_report(
                    &display(path),
                    vec![
                        Diagnostic::error(
                            Rule::Unreadable,
                            "目录里没有数据文件（.toml、.json、.yaml），只有 nianbao 写出的清单",
                        )
                        .at(Location::file(&display(path))),
                    ],
                    true,
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
                    vec![
                        Diagnostic::error(Rule::Unreadable, "表头下面没有数据行")
                            .at(Location::file(&table.file))
                            .hint("每个机关填一行，从表头下面的第一行开始"),
                    ],
                    true,
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

fn file_report(name: &str, diagnostics: Vec<Diagnostic>, unreadable: bool) -> FileReport {
    let (errors, warnings) = tally(&diagnostics);
    let status = if unreadable {
        "unreadable"
    } else if errors > 0 {
        "invalid"
    } else {
        "ok"
    };
    FileReport {
        file: name.to_string(),
        status,
        errors,
        warnings,
        diagnostics,
    }
}

fn print_text(files: &[FileReport]) {
    let mut text = String::new();
    for f in files {
        for d in &f.diagnostics {
            text.push_str(&format!("{d}\n"));
        }
        let verdict = match f.status {
            "unreadable" => "无法读取".to_string(),
            "invalid" => "未通过".to_string(),
            _ => "通过".to_string(),
        };
        text.push_str(&format!(
            "{}: {verdict}（{} 个错误，{} 个警告）\n",
            f.file, f.errors, f.warnings
        ));
    }
    if files.len() > 1 {
        let count = |status: &str| files.iter().filter(|f| f.status == status).count();
        text.push_str(&format!(
            "共 {} 份：通过 {}，未通过 {}，无法读取 {}\n",
            files.len(),
            count("ok"),
            count("invalid"),
            count("unreadable")
        ));
    }
    out(&text);
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
