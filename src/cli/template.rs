//! `nianbao template export DIR`

use super::args::{TemplateArgs, TemplateCommand};
use super::{Status, print_diagnostics};
use crate::model::Format;

pub fn run(args: &TemplateArgs) -> Status {
    match &args.command {
        TemplateCommand::Export { dir, force } => {
            let files = crate::template::builtin_files(Format::Y2021);
            match crate::disk::write_files(dir, files, *force) {
                Ok(written) => {
                    for path in written {
                        eprintln!("已写出 {}", path.display());
                    }
                    eprintln!(
                        "修改后用 nianbao render 数据.toml --template {} 生成报告",
                        dir.display()
                    );
                    Status::Ok
                }
                Err(d) => {
                    print_diagnostics(&[d]);
                    Status::Failed
                }
            }
        }
    }
}
