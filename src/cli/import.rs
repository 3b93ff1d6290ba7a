//! `nianbao import REPORT... [-o DIR] [--force] [--next-year]`: published reports into data
//! files, or next year's data file begun from last year's report.

use super::args::ImportArgs;
use super::{Status, print_diagnostics};
use crate::diag::{Diagnostic, Location, Rule};
use crate::import::Draft;

pub fn run(args: &ImportArgs) -> Status {
    let mut status = Status::Ok;
    for path in &args.files {
        let name = path.display().to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let (file, text, complete) = if args.next_year {
            let loaded = crate::load_path(path);
            let Some(last) = loaded.report.as_ref().filter(|_| !loaded.has_errors()) else {
                let mut problems: Vec<Diagnostic> = loaded
                    .diagnostics
                    .into_iter()
                    .filter(Diagnostic::is_error)
                    .collect();
                problems.push(
                    Diagnostic::error(Rule::Import, "上一年的报告有错误，不能据此开始下一年")
                        .at(Location::file(&name)),
                );
                print_diagnostics(&problems);
                status = status.merge(Status::Failed);
                continue;
            };
            let draft = Draft::next_year(last);
            let year = last.year.saturating_add(1);
            (format!("{stem}-{year}.toml"), draft.to_toml(&name), true)
        } else {
            let (draft, text) = match crate::import_path(path) {
                Ok(found) => found,
                Err(d) => {
                    print_diagnostics(&[d]);
                    status = status.merge(Status::Failed);
                    continue;
                }
            };
            let loaded = crate::import::load(&name, &draft, &text);
            // A blank form is imported as what it is: every figure left to fill in.
            let complete = draft.blank || !loaded.has_errors();
            let shown: Vec<Diagnostic> = if draft.blank {
                draft.notes.clone()
            } else {
                loaded
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.is_error() || !args.quiet)
                    .collect()
            };
            print_diagnostics(&shown);
            (format!("{stem}.toml"), text, complete)
        };
        let dir = match &args.output {
            Some(dir) => dir.as_path(),
            None => crate::disk::dir_of(path),
        };
        match crate::disk::write_files(dir, &[(file.as_str(), text.as_bytes())], args.force) {
            Ok(written) => {
                if !args.quiet {
                    for p in written {
                        let shown = p.strip_prefix(".").unwrap_or(&p);
                        eprintln!("已读出 {}", shown.display());
                    }
                }
                if !complete {
                    status = status.merge(Status::Invalid);
                }
            }
            Err(d) => {
                print_diagnostics(&[d]);
                status = status.merge(Status::Failed);
            }
        }
    }
    status
}
