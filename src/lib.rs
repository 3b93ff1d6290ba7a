//! nianbao (年报): government information-disclosure annual reports, from data to .pdf, .docx
//! and .html.
//!
//! Stages, each in its own module: `model` (data + validation) → `template` → `document` (the
//! tree every writer reads, page breaks included) → `layout` → `pdf`; `docx` writes the tree
//! with the geometry `layout` measured (columns, rows, page breaks in tables, the 落款), and
//! `html` with the same measures for a browser (`escape` puts text into their markup).
//! `import` goes the other way: a report published as .docx, .pdf or .html back to a data
//! file, by the format's labels. `archive` puts the report's data inside the PDF and the .docx and
//! reads it back; `verify` makes the file again from it and compares; `sign` adds PAdES
//! signatures to a PDF and reads them back. `batch` runs many reports at once (`batch::bundle` packs such a run into one zip: the
//! server's export). `disk` reads every input file (data files, seals, reports), writes every
//! output and makes the private temporary directories; `seal` decides
//! which seal files are read and accepted; `container` opens zip files made elsewhere; every
//! reader holds to `limits`. `fonts` finds font files through fontdb; `cli` is the command
//! line. `check` is the one check of a report that the command line and the server both run.
//! `store` is the filing server's database (SQLite): accounts, sessions, every revision of
//! every report, the audit log; `server` is `nianbao serve`: the JSON API over the store and the
//! clerk's pages that use it; `rollup` adds reports up for a county.

pub mod archive;
pub mod batch;
pub mod check;
pub mod cli;
pub mod container;
pub mod diag;
pub mod digest;
pub mod disk;
pub mod document;
pub mod docx;
pub mod escape;
pub mod fonts;
pub mod html;
pub mod import;
pub mod layout;
pub mod limits;
pub mod model;
pub mod pdf;
pub mod rollup;
pub mod seal;
pub mod server;
pub mod sign;
pub mod store;
pub mod style;
pub mod template;
pub mod verify;

use std::path::Path;
use std::sync::Arc;

use diag::{Diagnostic, Location, Rule};
use document::{Block, Document};
use fonts::{FaceId, Fonts};
use model::{Loaded, Report, SourceMap, Syntax};
use seal::Seals;
use template::Template;

/// What a path given as input is, told by its kind and extension before anything is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A data file: one report.
    DataFile(Syntax),
    /// A directory (of data files, for `batch` and `check`).
    Directory,
    /// A workbook or CSV file: one report per row.
    Table,
    /// A published report (.pdf, .docx): read by `import`; one nianbao wrote has its data
    /// inside too, for `extract`.
    Report,
    /// A published report as a web page (.html).
    Page,
    /// Anything else, or a path that does not exist.
    Other,
}

impl InputKind {
    pub fn of(path: &Path) -> InputKind {
        if path.is_dir() {
            return InputKind::Directory;
        }
        if let Some(syntax) = Syntax::from_path(path) {
            return InputKind::DataFile(syntax);
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            // As `batch` reads them (batch::input).
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" | "csv" | "tsv" | "txt" => InputKind::Table,
            "pdf" | "docx" => InputKind::Report,
            "html" | "htm" => InputKind::Page,
            _ => InputKind::Other,
        }
    }
}

/// Why a path is not a data file, and what to do with it instead.
pub fn not_a_data_file(path: &Path, kind: InputKind) -> Diagnostic {
    let name = path.display().to_string();
    if !path.exists() {
        return Diagnostic::error(Rule::Unreadable, "找不到这个文件").at(Location::file(&name));
    }
    let (message, hint) = match kind {
        InputKind::Directory => (
            "这是目录，不是数据文件".to_string(),
            format!(
                "目录中的每个数据文件各生成一份报告：nianbao batch {name} -o 输出目录；检查它们：nianbao check {name}"
            ),
        ),
        InputKind::Table => (
            "这是工作簿或 CSV 文件，不是数据文件".to_string(),
            format!(
                "表中每一行生成一份报告：nianbao batch {name} -o 输出目录；检查每一行：nianbao check {name}"
            ),
        ),
        InputKind::Report | InputKind::Page => (
            "这是报告，不是数据文件".to_string(),
            format!(
                "从报告读出数据文件：nianbao import {name}；nianbao 生成的报告里有原样的数据：nianbao extract {name}"
            ),
        ),
        InputKind::DataFile(_) | InputKind::Other => (
            "不认识的文件类型".to_string(),
            "数据文件的扩展名应为 .toml、.json、.yaml 或 .yml".to_string(),
        ),
    };
    Diagnostic::error(Rule::Unreadable, message)
        .at(Location::file(&name))
        .hint(hint)
}

/// Reads, parses and validates a data file, or a published report (.docx, .pdf, .html)
/// through [`import`]. Problems of any kind come back as diagnostics; `report` is `None` when
/// the file could not be read or parsed at all.
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
    let kind = InputKind::of(path);
    if matches!(kind, InputKind::Report | InputKind::Page) {
        return match import_path(path) {
            Ok((draft, text)) => import::load(&name, &draft, &text),
            Err(d) => unreadable(d),
        };
    }
    let InputKind::DataFile(syntax) = kind else {
        return unreadable(not_a_data_file(path, kind));
    };
    match disk::read_data_file(path, &name) {
        Ok(text) => model::load(&name, &text, syntax),
        Err(d) => unreadable(d),
    }
}

/// Reads a published report (.docx, .pdf, .html) and maps it: what was found, and the data
/// file it gives.
pub fn import_path(path: &Path) -> Result<(import::Draft, String), Diagnostic> {
    let name = path.display().to_string();
    let kind = import::Kind::of(path).ok_or_else(|| not_a_data_file(path, InputKind::of(path)))?;
    let limit = (
        limits::IMPORT_FILE_BYTES,
        "导入的报告文件的大小",
        "import_file_bytes",
    );
    let bytes = disk::read_binary(path, &name, limit)?;
    let scanned = import::scan(&bytes, &name, kind).map_err(|d| d.at(Location::file(&name)))?;
    let draft = import::contact_from_preamble(import::map(&scanned, &name));
    let text = draft.to_toml(&name);
    Ok((draft, text))
}

/// The document tree of a report, with its seal image read from within `data_dir`.
pub fn document(
    report: &Report,
    source: &SourceMap,
    template: &Template,
    data_dir: &Path,
) -> Result<Document, Vec<Diagnostic>> {
    document_with(report, source, template, &Seals::within(data_dir))
}

/// The document tree of a report, with its seal image read where `seals` allows.
pub fn document_with(
    report: &Report,
    source: &SourceMap,
    template: &Template,
    seals: &Seals,
) -> Result<Document, Vec<Diagnostic>> {
    document_with_seal(report, source, template, |path| seal::read(path, seals))
}

/// The document tree of a report, with its seal image got by `seal` (from its path as written)
/// and accepted by [`seal::accept`].
pub fn document_with_seal(
    report: &Report,
    source: &SourceMap,
    template: &Template,
    seal: impl FnOnce(&str) -> Result<Vec<u8>, seal::Refusal>,
) -> Result<Document, Vec<Diagnostic>> {
    let mut doc = template.document(report, source)?;
    let Some(image) = doc.blocks.iter_mut().find_map(|b| match b {
        Block::Signature(s) => s.seal.as_mut(),
        _ => None,
    }) else {
        return Ok(doc);
    };
    let bytes = seal(&image.path)
        .and_then(|bytes| seal::accept(&image.path, &bytes).map(|_| bytes))
        .map_err(|refusal| vec![refusal.diagnostic(source)])?;
    image.data = Some(Arc::new(bytes));
    Ok(doc)
}

/// A seal without transparency (see [`seal::opaque_warning`]).
fn seal_warnings(doc: &Document) -> Vec<Diagnostic> {
    match doc.seal() {
        Some(seal) if seal.data.is_some() && !seal.has_alpha() => {
            vec![seal::opaque_warning(&seal.path)]
        }
        _ => Vec::new(),
    }
}

/// Which files to make of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub pdf: bool,
    pub docx: bool,
    /// The HTML page (or fragment), when asked for.
    pub html: Option<html::HtmlOptions>,
}

impl Targets {
    /// What a report gives unless told otherwise: the PDF and the .docx.
    pub const BOTH: Targets = Targets {
        pdf: true,
        docx: true,
        html: None,
    };

    /// Whether any file is made (and so the fonts are needed: every file is laid out).
    pub fn any(&self) -> bool {
        self.pdf || self.docx || self.html.is_some()
    }

    /// The formats made, by their extensions, as manifests list them.
    pub fn formats(&self) -> Vec<&'static str> {
        [
            ("pdf", self.pdf),
            ("docx", self.docx),
            ("html", self.html.is_some()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(format, _)| format)
        .collect()
    }
}

/// The files made of one report, in memory, and the layout's warnings.
#[derive(Debug, Default)]
pub struct Products {
    /// The PDF and its page count.
    pub pdf: Option<(Vec<u8>, usize)>,
    pub docx: Option<Vec<u8>>,
    pub html: Option<String>,
    pub warnings: Vec<Diagnostic>,
    /// Where the layout put the 落款 ([`layout::Laid::signature_area`]): the page (from 0) and
    /// the rectangle, from the page's top-left; `None` for a report without one.
    pub signature_area: Option<(usize, layout::Rect)>,
}

impl Products {
    /// The files made, each with its extension, in the order pdf, docx, html.
    pub fn files(&self) -> impl Iterator<Item = (&'static str, &[u8])> {
        [
            ("pdf", self.pdf.as_ref().map(|(bytes, _)| bytes.as_slice())),
            ("docx", self.docx.as_deref()),
            ("html", self.html.as_ref().map(String::as_bytes)),
        ]
        .into_iter()
        .filter_map(|(ext, bytes)| Some((ext, bytes?)))
    }
}

/// Why a report was not made into files.
#[derive(Debug)]
pub enum Unmade {
    /// Its document tree could not be built: the data, the template or the seal (the report's
    /// own problems).
    Document(Vec<Diagnostic>),
    /// A file could not be made from the tree (a character no font has in a PDF/A, signing).
    Files(Diagnostic),
}

impl Unmade {
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        match self {
            Unmade::Document(diags) => diags,
            Unmade::Files(d) => vec![d],
        }
    }
}

/// One report made into the files `setup` asks for: its document tree, the seal image got by
/// `seal` from its path as written ([`document_with_seal`]), then [`produce`]. The one flow of
/// `render`, `batch`, the server's downloads and `verify`; each only says where seals come from
/// and what becomes of the files.
pub fn make(
    report: &Report,
    source: &SourceMap,
    seal: impl FnOnce(&str) -> Result<Vec<u8>, seal::Refusal>,
    setup: &Setup,
) -> Result<Products, Unmade> {
    let doc = document_with_seal(report, source, setup.template, seal).map_err(Unmade::Document)?;
    produce(report, &doc, setup).map_err(Unmade::Files)
}

/// How the reports of a run are rendered: loaded once, shared by every report.
#[derive(Clone, Copy)]
pub struct Setup<'a> {
    pub template: &'a Template,
    /// The faces the layout measures with (every file is made from the same layout).
    pub fonts: &'a Fonts,
    pub targets: Targets,
    pub pdf: &'a pdf::PdfOptions,
    /// Embed subsets of the fonts in the .docx.
    pub docx_embed_fonts: bool,
    /// Sign the PDF with this key (PAdES, [`sign`]), at the time the PDF says it was made.
    pub sign: Option<&'a sign::Signer>,
    /// The signature without a visible part (`--sign-invisible`); else it sits on the 落款.
    pub sign_invisible: bool,
}

/// Renders a report's document tree to the files `setup.targets` asks for, the PDF and .docx
/// each carrying the report's data, seal and making ([`archive`]). Both are made from one
/// layout: the PDF is drawn from its pages, the .docx takes its geometry from its measures.
/// The HTML takes the same measures (column widths, the sizes of figures, where lines end).
pub fn produce(report: &Report, doc: &Document, setup: &Setup) -> Result<Products, Diagnostic> {
    let mut products = Products {
        warnings: seal_warnings(doc),
        ..Products::default()
    };
    let seal = doc.seal().and_then(|i| i.data.as_ref());
    let options = setup.pdf;
    let fonts = setup.fonts;
    let created = doc.meta.created(options.created);
    let laid = layout::layout(doc, fonts);
    let mut used: Vec<FaceId> = laid
        .pages
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|item| match item {
            layout::Item::Text(run) => Some(run.face),
            _ => None,
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    let fonts_used: Vec<archive::FontInfo> = used
        .into_iter()
        .map(|id| archive::FontInfo::of(fonts.face(id)))
        .collect();
    if setup.targets.pdf {
        if options.archival != pdf::Archival::Off
            && let Some(missing) = laid.warnings.iter().find(|w| w.rule == Rule::MissingGlyph)
        {
            return Err(Diagnostic::error(
                Rule::MissingGlyph,
                format!("{}，PDF/A 文件不能有缺字", missing.message),
            )
            .hint("用 --font-dir 加上含有这些字的字体，或用 --pdfa=off 写普通 PDF"));
        }
        let attachments = if options.archival.allows_attachments() {
            let pdfa = Some(options.archival.code());
            let info = archive::Info::new("pdf", setup.template, pdfa, created, fonts_used.clone());
            archive::attachments(report, seal, &info)
        } else {
            Vec::new()
        };
        let mut bytes = pdf::write(&laid.pages, &doc.meta, fonts, options, &attachments)?;
        if let Some(signer) = setup.sign {
            let placement = if setup.sign_invisible {
                sign::Placement::Invisible
            } else {
                sign::Placement::on(laid.signature_area())
            };
            bytes = sign::sign(&bytes, signer, created, placement)?;
        }
        products.pdf = Some((bytes, laid.pages.pages.len()));
    }
    if setup.targets.docx {
        let mut info = archive::Info::new("docx", setup.template, None, created, fonts_used);
        info.embed_fonts = setup.docx_embed_fonts;
        let attachments = archive::attachments(report, seal, &info);
        let docx_options = docx::DocxOptions {
            created: options.created,
            embed_fonts: setup.docx_embed_fonts,
        };
        products.docx = Some(docx::write(
            doc,
            &laid.measures,
            fonts,
            &attachments,
            &docx_options,
        )?);
    }
    if let Some(options) = &setup.targets.html {
        products.html = Some(html::write(doc, &laid.measures, options));
    }
    products.signature_area = laid.signature_area();
    products.warnings.extend(laid.warnings);
    Ok(products)
}
