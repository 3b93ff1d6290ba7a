//! `nianbao serve [--db DB] [--listen ADDR:PORT]`: opens the database, loads the template and
//! the fonts once, and runs [`crate::server`] until Ctrl-C or SIGTERM.

use super::Status;
use super::args::ServeArgs;
use super::render::{load_fonts, source_date_epoch};
use crate::model::Format;
use crate::pdf::{Archival, PdfOptions};
use crate::server::App;
use crate::store::Store;
use crate::template::Template;

pub fn run(args: &ServeArgs) -> Status {
    let store = match Store::open(&args.db) {
        Ok(store) => store,
        Err(e) => return cannot_start(&e.to_string(), e.key(), e.hint()),
    };
    let template = Template::builtin(Format::Y2021);
    let fonts = match load_fonts(template.style(), &args.fonts) {
        Ok(fonts) => fonts,
        Err(d) => {
            super::print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    // As `nianbao render` makes them: the same data gives the same bytes.
    let pdf = PdfOptions {
        created: source_date_epoch(),
        archival: Archival::A3b,
    };
    let app = App::new(store, template, fonts, pdf);
    let db = args.db.display().to_string();
    let served = crate::server::serve(app, args.listen, |bound| {
        eprintln!("nianbao 填报系统已启动：http://{bound}/ （数据库 {db}；Ctrl-C 停止）");
    });
    match served {
        Ok(()) => {
            eprintln!("已停止");
            Status::Ok
        }
        Err(e) => cannot_start(
            &format!(
                "无法在 {} 上提供服务：{}",
                args.listen,
                crate::disk::io_message(&e)
            ),
            "listen",
            Some("换一个端口（--listen 127.0.0.1:8081），或先停止占用它的程序".into()),
        ),
    }
}

fn cannot_start(message: &str, key: &str, hint: Option<String>) -> Status {
    match hint {
        Some(hint) => eprintln!("错误: {message} [{key}]\n    提示：{hint}"),
        None => eprintln!("错误: {message} [{key}]"),
    }
    Status::Failed
}
