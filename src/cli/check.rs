//! `nianbao check FILE... [--previous FILE] [--format json]`

use std::path::Path;

use serde::Serialize;

use super::args::{CheckArgs, OutputFormat};
use super::{Status, out};
use crate::diag::{Diagnostic, tally};
use crate::model::{self, Format, Loaded};
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
    let previous = args
        .previous
        .as_deref()
        .map(|p| (display(p), crate::load_path(p)));
    // Placeholders in the narrative are checked as rendering would check them.
    let template = Template::builtin(Format::Y2021);
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
        let name = display(path);
        let mut loaded = crate::load_path(path);
        if let (Some((prev_name, prev)), Some(report)) = (&previous, &loaded.report)
            && let Some(prev_report) = &prev.report
        {
            let found =
                model::compare_with_previous(report, &loaded.source, prev_report, prev_name);
            loaded.diagnostics.extend(found);
            model::sort(&mut loaded.diagnostics);
        }
        if let Some(report) = &loaded.report
            && !loaded.has_errors()
        {
            loaded
                .diagnostics
                .extend(template.check_narrative(report, &loaded.source));
            model::sort(&mut loaded.diagnostics);
        }
        // The seal (whatever else is wrong), read and accepted exactly as rendering would.
        if let Some(report) = &loaded.report {
            let dir = path.parent().unwrap_or(Path::new("."));
            let seals = Seals::within(dir).anywhere(args.allow_seal_anywhere);
            loaded
                .diagnostics
                .extend(crate::check_seal(report, &loaded.source, &seals));
            model::sort(&mut loaded.diagnostics);
        }
        status = status.merge(file_status(&loaded));
        files.push(file_report(
            &name,
            loaded.diagnostics,
            loaded.report.is_none(),
        ));
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
    out(&text);
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
