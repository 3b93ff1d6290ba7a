//! nianbao (年报): government information-disclosure annual reports, from data to .docx and .pdf.
//!
//! Stages, each in its own module: `model` (data + validation) → `template` → `document` (the
//! tree both writers read) → `layout` → `pdf`; `docx` reads the tree directly. `disk` is the only
//! module that touches the file system; `cli` is the command line.

pub mod cli;
pub mod diag;
pub mod disk;
pub mod document;
pub mod model;
pub mod style;
pub mod template;

use std::path::Path;

use diag::{Diagnostic, Location, Rule};
use model::{Loaded, SourceMap, Syntax};

/// Reads, parses and validates a data file. Problems of any kind come back as diagnostics;
/// `report` is `None` when the file could not be read or parsed at all.
pub fn load_path(path: &Path) -> Loaded {
    let name = path.display().to_string();
    let unreadable = |d: Diagnostic| Loaded {
        report: None,
        source: SourceMap {
            file: name.clone(),
            ..SourceMap::default()
        },
        diagnostics: vec![d],
    };
    let Some(syntax) = Syntax::from_path(path) else {
        return unreadable(
            Diagnostic::error(Rule::Unreadable, "不认识的文件类型")
                .at(Location::file(&name))
                .hint("数据文件的扩展名应为 .toml、.json、.yaml 或 .yml"),
        );
    };
    match disk::read_data_file(path, &name) {
        Ok(text) => model::load(&name, &text, syntax),
        Err(d) => unreadable(d),
    }
}
