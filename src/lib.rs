//! nianbao (年报): government information-disclosure annual reports, from data to .docx and .pdf.
//!
//! Stages, each in its own module: `model` (data + validation) → `template` → `document` (the
//! tree both writers read) → `layout` → `pdf`; `docx` reads the tree directly. `disk` is the only
//! module that touches the file system; `cli` is the command line.

pub mod batch;
pub mod cli;
pub mod diag;
pub mod disk;
pub mod document;
pub mod docx;
pub mod fonts;
pub mod layout;
pub mod model;
pub mod pdf;
pub mod style;
pub mod template;

use std::path::Path;
use std::sync::Arc;

use diag::{Diagnostic, Location, Rule};
use document::{Block, Document};
use fonts::Fonts;
use model::{Loaded, Report, SourceMap, Syntax};
use template::Template;

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

/// The document tree of a report, with its seal image read (relative to `data_dir`).
pub fn document(
    report: &Report,
    source: &SourceMap,
    template: &Template,
    data_dir: &Path,
) -> Result<Document, Vec<Diagnostic>> {
    let mut doc = template.document(report, source)?;
    for block in &mut doc.blocks {
        if let Block::Signature(sig) = block
            && let Some(seal) = &mut sig.seal
        {
            let path = data_dir.join(&seal.path);
            let at = source.location("signature.seal");
            let bytes = disk::read_bytes(&path).map_err(|e| {
                vec![
                    Diagnostic::error(
                        Rule::Seal,
                        format!("印章图片 {} 无法读取：{}", seal.path, disk::io_message(&e)),
                    )
                    .at(at.clone())
                    .field("signature.seal", model::schema::label("signature.seal"))
                    .hint("路径相对于数据文件所在的目录"),
                ]
            })?;
            seal.data = Some(Arc::new(bytes));
            if seal.pixel_size().is_none() {
                return Err(vec![
                    Diagnostic::error(Rule::Seal, format!("印章图片 {} 不是 PNG 图片", seal.path))
                        .at(at)
                        .field("signature.seal", model::schema::label("signature.seal"))
                        .hint("印章应为带透明背景的 PNG 图片"),
                ]);
            }
        }
    }
    Ok(doc)
}

/// Which files to make of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub pdf: bool,
    pub docx: bool,
}

impl Targets {
    pub const BOTH: Targets = Targets {
        pdf: true,
        docx: true,
    };
}

/// The files made of one report, in memory, and the layout's warnings.
#[derive(Debug, Default)]
pub struct Products {
    /// The PDF and its page count.
    pub pdf: Option<(Vec<u8>, usize)>,
    pub docx: Option<Vec<u8>>,
    pub warnings: Vec<Diagnostic>,
}

/// Renders a document tree to the files `targets` asks for. `fonts` is needed for the PDF only.
pub fn produce(
    doc: &Document,
    targets: Targets,
    fonts: Option<&Fonts>,
    pdf_options: &pdf::PdfOptions,
) -> Result<Products, Diagnostic> {
    let mut products = Products::default();
    if targets.pdf {
        let fonts = fonts.expect("fonts are loaded whenever a PDF is made");
        let (bytes, pages, warnings) = render_pdf(doc, fonts, pdf_options)?;
        products.pdf = Some((bytes, pages));
        products.warnings = warnings;
    }
    if targets.docx {
        products.docx = Some(docx::write(doc, &docx::DocxOptions::default())?);
    }
    Ok(products)
}

/// A report rendered to PDF, with the layout's warnings.
pub fn render_pdf(
    doc: &Document,
    fonts: &Fonts,
    options: &pdf::PdfOptions,
) -> Result<(Vec<u8>, usize, Vec<Diagnostic>), Diagnostic> {
    let laid = layout::layout(doc, fonts);
    let bytes = pdf::write(&laid.pages, &doc.meta, fonts, options)?;
    Ok((bytes, laid.pages.pages.len(), laid.warnings))
}
