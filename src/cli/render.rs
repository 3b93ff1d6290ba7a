//! `nianbao render FILE... --to tree|markup [--template DIR]`

use std::path::Path;

use super::args::{HeadingsArg, RenderArgs, RenderTarget};
use super::{Status, out, print_diagnostics};
use crate::diag::Diagnostic;
use crate::model::Format;
use crate::template::{self, Template};

pub fn run(args: &RenderArgs) -> Status {
    let template = match load_template(args.template.as_deref(), args.headings) {
        Ok(t) => t,
        Err(diags) => {
            print_diagnostics(&diags);
            return Status::Failed;
        }
    };
    let mut status = Status::Ok;
    for path in &args.files {
        status = status.merge(render_one(path, &template, args));
    }
    status
}

/// The template named on the command line, or the built-in one; style options applied.
pub(crate) fn load_template(
    dir: Option<&Path>,
    headings: Option<HeadingsArg>,
) -> Result<Template, Vec<Diagnostic>> {
    let mut template = match dir {
        None => Template::builtin(Format::Y2021),
        Some(dir) => {
            let files = crate::disk::read_dir_texts(dir, template::is_template_file)
                .map_err(|d| vec![d])?;
            Template::from_files(&dir.display().to_string(), &files)?
        }
    };
    if let Some(h) = headings {
        template.style_mut().options.headings = h.into();
    }
    Ok(template)
}

fn render_one(path: &Path, template: &Template, args: &RenderArgs) -> Status {
    let loaded = crate::load_path(path);
    if loaded.has_errors() || loaded.report.is_none() {
        let errors: Vec<Diagnostic> = loaded
            .diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        print_diagnostics(&errors);
        return if loaded.report.is_none() {
            Status::Failed
        } else {
            Status::Invalid
        };
    }
    let report = loaded.report.as_ref().expect("checked above");
    let result = match args.to {
        RenderTarget::Markup => template.markup(report, &loaded.source),
        RenderTarget::Tree => template.document(report, &loaded.source).map(|doc| {
            let mut json = serde_json::to_string_pretty(&doc).expect("the tree serialises");
            json.push('\n');
            json
        }),
    };
    match result {
        Ok(text) => {
            out(&text);
            Status::Ok
        }
        Err(diags) => {
            print_diagnostics(&diags);
            Status::Invalid
        }
    }
}
