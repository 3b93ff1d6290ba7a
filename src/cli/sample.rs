//! `nianbao sheet OUT.xlsx` and `nianbao sample --count N -o PATH`.

use std::path::Path;

use super::args::{SampleArgs, SheetArgs};
use super::{Status, print_diagnostics};
use crate::batch::{sheet, synth};
use crate::diag::Diagnostic;
use crate::model::{SourceMap, from_tree, to_toml};

pub fn sheet(args: &SheetArgs) -> Status {
    let written = sheet::blank(super::render::source_date_epoch())
        .and_then(|bytes| write_one(&args.output, &bytes, args.force));
    match written {
        Ok(()) => {
            eprintln!("已写出 {}", args.output.display());
            eprintln!(
                "各机关填好后运行：nianbao batch {} -o 输出目录",
                args.output.display()
            );
            Status::Ok
        }
        Err(d) => {
            print_diagnostics(&[d]);
            Status::Failed
        }
    }
}

pub fn sample(args: &SampleArgs) -> Status {
    let reports: Vec<sheet::Cells> = (0..u64::from(args.count))
        .map(|i| synth::report(args.seed, i, args.year))
        .collect();
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let written = match ext.as_str() {
        "xlsx" => sheet::workbook(&reports).and_then(|b| write_one(&args.output, &b, args.force)),
        "csv" => write_one(&args.output, sheet::csv(&reports).as_bytes(), args.force),
        _ => {
            let files: Vec<(String, String)> = reports
                .iter()
                .enumerate()
                .map(|(i, cells)| {
                    let report = from_tree(SourceMap::default(), &synth::tree(cells))
                        .report
                        .expect("synthetic data decodes");
                    (
                        format!("{:05}-{}.toml", i + 1, report.organ),
                        to_toml(&report),
                    )
                })
                .collect();
            crate::disk::write_files(&args.output, &files, args.force).map(|_| ())
        }
    };
    match written {
        Ok(()) => {
            eprintln!(
                "已生成 {} 份示例数据：{}",
                args.count,
                args.output.display()
            );
            Status::Ok
        }
        Err(d) => {
            print_diagnostics(&[d]);
            Status::Failed
        }
    }
}

/// One file, refused if it exists unless `force`.
fn write_one(path: &Path, bytes: &[u8], force: bool) -> Result<(), Diagnostic> {
    let dir = crate::disk::dir_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::disk::write_files(dir, &[(name.as_str(), bytes)], force).map(|_| ())
}
