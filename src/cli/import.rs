//! `nianbao import REPORT... [-o DIR] [--force]`: published reports into data files.

use super::args::ImportArgs;
use super::{Status, print_diagnostics};
use crate::diag::Diagnostic;

pub fn run(args: &ImportArgs) -> Status {
    let mut status = Status::Ok;
    for path in &args.files {
        let name = path.display().to_string();
        let (draft, text) = match crate::import_path(path) {
            Ok(found) => found,
            Err(d) => {
                print_diagnostics(&[d]);
                status = status.merge(Status::Failed);
                continue;
            }
        };
        let loaded = crate::import::load(&name, &draft, &text);
        let problems: Vec<Diagnostic> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error() || !args.quiet)
            .cloned()
            .collect();
        // A blank form is imported as what it is: every figure left to fill in.
        let complete = draft.blank || !loaded.has_errors();
        let shown: Vec<Diagnostic> = if draft.blank {
            draft.notes.clone()
        } else {
            problems
        };
        print_diagnostics(&shown);
        let dir = match &args.output {
            Some(dir) => dir.as_path(),
            None => crate::disk::dir_of(path),
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let file = format!("{stem}.toml");
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
