//! `nianbao render FILE... [-o DIR] [--to pdf,docx,html|tree|markup] [--template DIR]`

use std::path::{Path, PathBuf};

use super::args::{FontArgs, HeadingsArg, MakeArgs, RenderArgs, RenderTarget};
use super::{Status, out, print_diagnostics};
use crate::Unmade;
use crate::diag::{Diagnostic, Location, Rule, Stage};
use crate::document::Timestamp;
use crate::fonts::{FontOptions, Fonts};
use crate::model::Loaded;
use crate::model::{Format, accept};
use crate::pdf::PdfOptions;
use crate::seal::Seals;
use crate::template::{self, Template};

pub fn run(args: &RenderArgs) -> Status {
    let debug = args
        .to
        .iter()
        .any(|t| matches!(t, RenderTarget::Tree | RenderTarget::Markup));
    if debug && args.to.len() > 1 {
        print_diagnostics(&[Diagnostic::error(
            Rule::Usage,
            "--to tree 和 --to markup 只能单独使用，不能与别的输出一起",
        )
        .hint("调试输出写到标准输出：nianbao render 数据.toml --to tree")]);
        return Status::Failed;
    }
    let wants = |t: RenderTarget| args.to.contains(&t);
    let targets = match targets(
        args.to.is_empty(),
        [
            wants(RenderTarget::Pdf),
            wants(RenderTarget::Docx),
            wants(RenderTarget::Html),
        ],
        args.make.html_fragment,
    ) {
        Ok(targets) if !debug => targets,
        Ok(_) => crate::Targets {
            pdf: false,
            docx: false,
            html: None,
        },
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    // The template and the fonts (a scan of the machine's fonts: milliseconds) are loaded on a
    // thread of their own while every input is read and checked; nothing is written before all
    // inputs are read, and an input that cannot be read (a mistyped name, a workbook) stops the
    // run with nothing written.
    std::thread::scope(|scope| {
        let preparing = scope.spawn(|| prepare(&args.make, targets.any()));
        let mut unreadable = Vec::new();
        let mut invalid = Vec::new();
        let mut valid = Vec::new();
        for path in &args.files {
            let mut loaded = crate::load_path(path);
            let errors: Vec<Diagnostic> = std::mem::take(&mut loaded.diagnostics)
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            if loaded.report.is_none() {
                unreadable.extend(errors);
            } else if !errors.is_empty() {
                invalid.extend(errors);
            } else {
                valid.push((path, loaded));
            }
        }
        if !unreadable.is_empty() {
            print_diagnostics(&unreadable);
            print_diagnostics(&invalid);
            return Status::Failed;
        }
        print_diagnostics(&invalid);
        let mut status = if invalid.is_empty() {
            Status::Ok
        } else {
            Status::Invalid
        };
        if valid.is_empty() {
            return status;
        }
        let prepared = match preparing.join().expect("loading the fonts does not panic") {
            Ok(p) => p,
            Err(diags) => {
                print_diagnostics(&diags);
                return Status::Failed;
            }
        };
        prepared.note_substitutes(args.quiet);
        let (template, options) = (&prepared.template, &prepared.pdf);
        let setup = prepared.fonts.as_ref().map(|fonts| crate::Setup {
            template,
            fonts,
            targets,
            pdf: options,
            docx_embed_fonts: args.make.docx_embed_fonts,
            sign: prepared.signer.as_ref(),
            sign_invisible: args.make.sign_invisible,
        });
        for (path, loaded) in valid {
            status = status.merge(render_one(path, &loaded, setup.as_ref(), template, args));
        }
        status
    })
}

/// What `--to` and `--html-fragment` ask for (`none`: no `--to`, the PDF and the .docx).
pub(crate) fn targets(
    none: bool,
    [pdf, docx, html]: [bool; 3],
    fragment: bool,
) -> Result<crate::Targets, Diagnostic> {
    if fragment && !html {
        return Err(Diagnostic::error(
            Rule::Usage,
            "--html-fragment 只用于网页输出，而 --to 没有 html",
        )
        .hint("网页片段：--to html --html-fragment"));
    }
    Ok(crate::Targets {
        pdf: none || pdf,
        docx: none || docx,
        html: html.then_some(crate::html::HtmlOptions { fragment }),
    })
}

/// What a rendering command loads once, for every report it makes.
pub(crate) struct Prepared {
    pub template: Template,
    /// Loaded only when a file is made (every file is laid out).
    pub fonts: Option<Fonts>,
    pub pdf: PdfOptions,
    /// `--sign-key`: the key every PDF is signed with.
    pub signer: Option<crate::sign::Signer>,
}

impl Prepared {
    /// Says, unless `quiet`, when the shipped open fonts stand in for official ones.
    pub(crate) fn note_substitutes(&self, quiet: bool) {
        if self.fonts.as_ref().is_some_and(Fonts::uses_substitutes) && !quiet {
            eprintln!(
                "提示：本机没有部分公文字体（仿宋_GB2312、方正小标宋简体等），使用了随附的开源字体；nianbao fonts 可查看详情"
            );
        }
    }
}

/// Loads the template and (to lay a report out) the fonts. Prints nothing, so that it may run
/// beside the reading of the inputs; [`Prepared::note_substitutes`] says what it found.
pub(crate) fn prepare(make: &MakeArgs, layout: bool) -> Result<Prepared, Vec<Diagnostic>> {
    let template = load_template(make.look.template.as_deref(), make.look.headings)?;
    let fonts = if layout {
        Some(load_fonts(template.style(), &make.fonts).map_err(|d| vec![d])?)
    } else {
        None
    };
    let signer = match &make.sign_key {
        Some(key) if layout => {
            Some(super::sign::load_signer(key, make.sign_password_stdin).map_err(|d| vec![d])?)
        }
        _ => None,
    };
    Ok(Prepared {
        template,
        fonts,
        signer,
        pdf: PdfOptions {
            created: source_date_epoch(),
            archival: make.pdf.pdfa.into(),
        },
    })
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

/// The fonts for a style: the machine's (unless `--no-system-fonts`), the `--font-dir`
/// directories, which must exist, and the shipped ones.
pub(crate) fn load_fonts(
    style: &crate::style::Style,
    args: &FontArgs,
) -> Result<Fonts, Diagnostic> {
    for dir in &args.font_dirs {
        if !dir.is_dir() {
            let message = if dir.exists() {
                "--font-dir 指定的不是目录"
            } else {
                "找不到 --font-dir 指定的目录"
            };
            return Err(Diagnostic::error(Rule::Font, message)
                .at(Location::file(&dir.display().to_string()))
                .hint("--font-dir 指向存放 .ttf、.otf 或 .ttc 字体文件的目录"));
        }
    }
    Fonts::load(
        style,
        &FontOptions {
            system: !args.no_system_fonts,
            dirs: args.font_dirs.clone(),
            bundled: None,
        },
    )
}

/// `SOURCE_DATE_EPOCH`, the reproducible-builds convention for a fixed "now".
pub(crate) fn source_date_epoch() -> Option<Timestamp> {
    let value = std::env::var("SOURCE_DATE_EPOCH").ok()?;
    value.trim().parse().ok().map(Timestamp::from_unix)
}

/// One data file: its tree or markup, or its files (`setup`: when they are made).
fn render_one(
    path: &Path,
    loaded: &Loaded,
    setup: Option<&crate::Setup>,
    template: &Template,
    args: &RenderArgs,
) -> Status {
    let report = loaded
        .report
        .as_ref()
        .expect("only valid inputs are rendered");
    let data_dir = path.parent().unwrap_or(Path::new("."));
    let seals = Seals::within(data_dir).anywhere(args.make.allow_seal_anywhere);
    match args.to.first() {
        Some(RenderTarget::Markup) => {
            return match template.markup(report, &loaded.source) {
                Ok(text) => {
                    out(&text);
                    Status::Ok
                }
                Err(d) => fail(&d),
            };
        }
        Some(RenderTarget::Tree) => {
            return match crate::document_with(report, &loaded.source, template, &seals) {
                Ok(doc) => {
                    out(&format!(
                        "{}\n",
                        serde_json::to_string_pretty(&doc).expect("the tree serialises")
                    ));
                    Status::Ok
                }
                Err(d) => fail(&d),
            };
        }
        _ => {}
    }
    let Some(setup) = setup else {
        return Status::Ok;
    };
    let products = match crate::make(
        report,
        &loaded.source,
        |seal| crate::seal::read(seal, &seals),
        setup,
    ) {
        Ok(p) => p,
        Err(Unmade::Document(d)) => return fail(&d),
        Err(Unmade::Files(d)) => return fail(&[located(&d, path)]),
    };
    let mut warnings: Vec<Diagnostic> =
        products.warnings.iter().map(|w| located(w, path)).collect();
    // The data's own warnings are `check`'s to show; layout's are judged here.
    accept::apply(
        &mut warnings,
        &report.acceptances,
        &loaded.source,
        &[Stage::Output],
    );
    print_diagnostics(&warnings);
    let mut status = Status::Ok;
    for (ext, bytes) in products.files() {
        let target = output_path(path, args.output.as_deref(), ext);
        let pages = products
            .pdf
            .as_ref()
            .filter(|_| ext == "pdf")
            .map(|(_, n)| *n);
        status = status.merge(write(&target, bytes, pages, args.quiet));
    }
    status
}

fn fail(diags: &[Diagnostic]) -> Status {
    print_diagnostics(diags);
    Status::Invalid
}

/// A layout warning has no position of its own: it is about the whole data file.
fn located(d: &Diagnostic, path: &Path) -> Diagnostic {
    let mut d = d.clone();
    if d.location.is_none() {
        d = d.at(Location::file(&path.display().to_string()));
    }
    d
}

/// `<stem>.<ext>` beside the data file, or in `dir`.
fn output_path(input: &Path, dir: Option<&Path>, ext: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_else(|| "report".into());
    let mut name = stem;
    name.push(".");
    name.push(ext);
    match dir {
        Some(d) => d.join(name),
        None => input.with_file_name(name),
    }
}

fn write(target: &Path, bytes: &[u8], pages: Option<usize>, quiet: bool) -> Status {
    match crate::disk::write_output(target, bytes) {
        Ok(()) => {
            if !quiet {
                let shown = target.display();
                let size = bytes.len().div_ceil(1024);
                match pages {
                    Some(pages) => eprintln!("已生成 {shown}（{pages} 页，{size} KB）"),
                    None => eprintln!("已生成 {shown}（{size} KB）"),
                }
            }
            Status::Ok
        }
        Err(d) => {
            print_diagnostics(&[d]);
            Status::Failed
        }
    }
}
