//! Templates: a validated [`Report`] + a template directory → a [`Document`].
//!
//! A template is a set of tera files (`report.xml` is the entry; others are included or define
//! components) and a `style.toml`. The built-in templates are compiled into the binary;
//! `--template DIR` uses an edited copy. Tera is used here and nowhere else.

pub mod markup;
pub(crate) mod narrative;
mod sandbox;

use serde::Serialize;

use crate::diag::{Diagnostic, Location, Pos, Rule};
use crate::document::{Document, Meta};
use crate::model::{Format, Report, SourceMap};
use crate::style::Style;
pub use narrative::NarrativeBlock;

/// The entry template of every template directory.
pub const ENTRY: &str = "report.xml";
/// The style file of every template directory.
pub const STYLE: &str = "style.toml";

const BUILTIN_2021: &[(&str, &str)] = &[
    (
        "report.xml",
        include_str!("../../templates/2021/report.xml"),
    ),
    (
        "components.xml",
        include_str!("../../templates/2021/components.xml"),
    ),
    (
        "table2.xml",
        include_str!("../../templates/2021/table2.xml"),
    ),
    (
        "table3.xml",
        include_str!("../../templates/2021/table3.xml"),
    ),
    (
        "table4.xml",
        include_str!("../../templates/2021/table4.xml"),
    ),
    (
        "style.toml",
        include_str!("../../templates/2021/style.toml"),
    ),
    ("README.md", include_str!("../../templates/2021/README.md")),
];

/// The files of a built-in template, as `template export` writes them.
pub fn builtin_files(format: Format) -> &'static [(&'static str, &'static str)] {
    match format {
        Format::Y2021 => BUILTIN_2021,
    }
}

/// Whether a file of a template directory is read: tera files and the style file.
pub fn is_template_file(name: &str) -> bool {
    name.ends_with(".xml") || name == STYLE
}

pub struct Template {
    tera: tera::Tera,
    style: Style,
    /// How diagnostics name the template directory.
    origin: String,
    /// The template files (not the style), in name order, as one text: half of the
    /// fingerprint.
    sources_text: String,
}

impl Template {
    /// The built-in template of a format.
    pub fn builtin(format: Format) -> Template {
        let origin = format!("内置模板 {}", format.code());
        Template::from_files(&origin, builtin_files(format))
            .unwrap_or_else(|d| panic!("the built-in template is tested: {d:?}"))
    }

    /// A template from `(file name, text)` pairs. `origin` names the directory in diagnostics.
    pub fn from_files<N: AsRef<str>, T: AsRef<str>>(
        origin: &str,
        files: &[(N, T)],
    ) -> Result<Template, Vec<Diagnostic>> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on([".xml"]);
        sandbox::register(&mut tera);
        let sources: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_ref(), t.as_ref()))
            .filter(|(n, _)| n.ends_with(".xml"))
            .collect();
        if !sources.iter().any(|(n, _)| *n == ENTRY) {
            return Err(vec![
                Diagnostic::error(Rule::Template, format!("模板目录里没有 {ENTRY}"))
                    .at(Location::file(origin))
                    .hint("先用 nianbao template export DIR 导出内置模板，再修改"),
            ]);
        }
        tera.add_raw_templates(sources.iter().copied())
            .map_err(|e| vec![tera_diagnostic(origin, &e)])?;
        let style = match files.iter().find(|(n, _)| n.as_ref() == STYLE) {
            Some((_, text)) => {
                Style::parse(&format!("{origin}/{STYLE}"), text.as_ref()).map_err(|d| vec![d])?
            }
            None => Style::default(),
        };
        let mut named = sources.clone();
        named.sort();
        let sources_text = named.iter().map(|(n, t)| format!("{n}\n{t}\n")).collect();
        Ok(Template {
            tera,
            style,
            origin: origin.to_string(),
            sources_text,
        })
    }

    /// Where the template came from, for messages: `内置模板 2021` or a directory.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Identifies what this template makes: a digest of its files and of its style with every
    /// option applied. Two templates with the same fingerprint give the same document tree.
    pub fn fingerprint(&self) -> String {
        let style = serde_json::to_string(&self.style).expect("the style serialises");
        let digest = crate::digest::sha256_hex(format!("{}{style}", self.sources_text).as_bytes());
        digest[..16].to_string()
    }

    pub fn style(&self) -> &Style {
        &self.style
    }

    /// For command-line overrides of style options.
    pub fn style_mut(&mut self) -> &mut Style {
        &mut self.style
    }

    /// The template's output: the document markup, before it is read into a tree. Bounded by
    /// the limits of [`sandbox`].
    pub fn markup(&self, report: &Report, source: &SourceMap) -> Result<String, Vec<Diagnostic>> {
        let context = self.context(report, source)?;
        sandbox::render(&self.tera, ENTRY, &context).map_err(|failure| {
            vec![match failure {
                sandbox::Failure::Tera(e) => tera_diagnostic(&self.origin, &e),
                sandbox::Failure::Limit(limit, e) => {
                    let location = match &e {
                        Some(e) => tera_location(&self.origin, e),
                        None => Location::file(&self.origin),
                    };
                    crate::limits::error(limit.zh, limit.key, limit.limit, limit.actual)
                        .at(location)
                        .hint("模板中的循环或文字替换产生了过多内容；检查改动过的模板")
                }
            }]
        })
    }

    /// The document tree of a report.
    pub fn document(
        &self,
        report: &Report,
        source: &SourceMap,
    ) -> Result<Document, Vec<Diagnostic>> {
        let text = self.markup(report, source)?;
        let markup = markup::parse(&text, &self.style.pagination).map_err(|e| {
            vec![
                Diagnostic::error(Rule::Template, e.message)
                    .at(Location::at(&format!("{}（模板输出）", self.origin), e.pos))
                    .hint("用 nianbao render --to markup 查看模板输出的这一行"),
            ]
        })?;
        Ok(Document {
            meta: Meta {
                title: markup.title,
                author: markup.author,
                subject: markup.subject,
                keywords: markup.keywords,
                language: "zh-CN".into(),
                date: report.signature.as_ref().and_then(|s| s.date),
                year: report.year,
            },
            style: self.style.clone(),
            blocks: markup.blocks,
        })
    }

    /// The problems of the narrative placeholders alone (what `check` reports).
    pub fn check_narrative(&self, report: &Report, source: &SourceMap) -> Vec<Diagnostic> {
        match narrative_blocks(report, source) {
            Ok(_) => Vec::new(),
            Err(errors) => errors,
        }
    }

    /// The template context: the report (totals computed), its narrative as blocks with the
    /// placeholders rendered, and the style.
    fn context(
        &self,
        report: &Report,
        source: &SourceMap,
    ) -> Result<tera::Context, Vec<Diagnostic>> {
        let mut context = tera::Context::from_serialize(report).expect("a report serialises");
        let sections = narrative_blocks(report, source)?;
        context.insert("narrative", &sections);
        context.insert("style", &self.style);
        Ok(context)
    }
}

/// Every narrative section with its placeholders filled in, split into blocks.
fn narrative_blocks(report: &Report, source: &SourceMap) -> Result<Narrative, Vec<Diagnostic>> {
    let names = narrative::Names::of(report);
    let mut errors = Vec::new();
    let mut section = |key: &str, text: &str| -> Vec<NarrativeBlock> {
        match narrative::render_placeholders(&names, key, text, source) {
            Ok(filled) => narrative::blocks(&filled),
            Err(d) => {
                errors.push(d);
                Vec::new()
            }
        }
    };
    let t = &report.text;
    let sections = Narrative {
        preamble: t.preamble.as_deref().map(|p| section("preamble", p)),
        overview: section("overview", &t.overview),
        problems: section("problems", &t.problems),
        other: section("other", &t.other),
    };
    if errors.is_empty() {
        Ok(sections)
    } else {
        Err(errors)
    }
}

#[derive(Serialize)]
struct Narrative {
    preamble: Option<Vec<NarrativeBlock>>,
    overview: Vec<NarrativeBlock>,
    problems: Vec<NarrativeBlock>,
    other: Vec<NarrativeBlock>,
}

/// Where in the template a tera error is: the file and position when tera knows them.
fn tera_location(origin: &str, e: &tera::Error) -> Location {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let file = if r.filename().is_empty() {
                origin.to_string()
            } else {
                format!("{origin}/{}", r.filename())
            };
            let pos = Pos {
                line: r.span().start_line as u32,
                column: r.span().start_col as u32 + 1,
            };
            Location::at(&file, pos)
        }
        _ => Location::file(origin),
    }
}

/// A tera error as a diagnostic pointing into the template file.
fn tera_diagnostic(origin: &str, e: &tera::Error) -> Diagnostic {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let what = if matches!(e.kind(), tera::ErrorKind::SyntaxError(_)) {
                "模板语法错误"
            } else {
                "模板渲染出错"
            };
            Diagnostic::error(Rule::Template, format!("{what}：{}", r.message()))
                .at(tera_location(origin, e))
        }
        other => Diagnostic::error(Rule::Template, format!("模板出错：{other}"))
            .at(Location::file(origin)),
    }
}
