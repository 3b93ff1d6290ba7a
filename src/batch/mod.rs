//! Batch production: many reports from a directory of data files or from the rows of a table,
//! rendered in parallel, each one on its own.
//!
//! A report that fails never stops the others: every input ends as an [`Outcome`] (done,
//! invalid or failed) with its diagnostics, and the outcomes, in input order, are the manifest.
//! Fonts and the template are loaded once by the caller and shared by all workers.
//!
//! Three steps: decode and validate every input (parallel); give each valid report its file name
//! (in input order, so names do not depend on thread timing); render and write (parallel).
//!
//! [`bundle`] packs a batch of reports given as data text (the server's export of a year's
//! approved reports) into one .zip with their data files, the manifests and a `SHA256SUMS`.

pub mod bundle;
pub mod columns;
pub mod input;
pub mod manifest;
pub mod names;
pub mod sheet;
pub mod synth;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::diag::{Diagnostic, Location, Rule, Severity, Stage};
use crate::fonts::Fonts;
use crate::model::{Loaded, accept};
use crate::pdf::PdfOptions;
use crate::seal::Seals;
use crate::template::Template;
use crate::{Targets, Unmade, disk};
pub use input::Input;
pub use names::Pattern;

/// The manifests written into the output directory.
pub const MANIFESTS: [&str; 2] = ["manifest.json", "manifest.csv"];

#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    pub pattern: Pattern,
    pub targets: Targets,
    pub pdf: PdfOptions,
    /// Embed subsets of the fonts in each .docx.
    pub docx_embed_fonts: bool,
    /// `--allow-seal-anywhere`: seal paths may lead out of the data file's (workbook's) directory.
    pub allow_seal_anywhere: bool,
    /// Sign every PDF with this key (`--sign-key`): the manifest's hashes are of the signed files.
    pub sign: Option<Arc<crate::sign::Signer>>,
    /// `--sign-invisible`: the signatures without a visible part on the 落款.
    pub sign_invisible: bool,
    /// Set (by Ctrl-C, SIGTERM or SIGHUP) to stop: reports not yet started are skipped, those
    /// being written finish.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// What became of one input.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Where the report came from: a file, or a table row (`county.xlsx「Sheet1」第5行`).
    pub input: String,
    /// The table row, for table input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    pub organ: Option<String>,
    pub year: Option<u16>,
    pub status: Status,
    /// Pages of the PDF, when one was made.
    pub pages: Option<usize>,
    pub outputs: Vec<Output>,
    /// Errors and warnings (information notes are left to `nianbao check`).
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every output written.
    Done,
    /// The data has errors: nothing written.
    Invalid,
    /// The data is valid but an output could not be made or written.
    Failed,
    /// Not started: the batch was interrupted.
    Skipped,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::Done => "已生成",
            Status::Invalid => "数据有误",
            Status::Failed => "失败",
            Status::Skipped => "未处理（已中断）",
        }
    }
}

impl Outcome {
    /// An outcome with nothing produced yet.
    fn new(item: &Item, status: Status) -> Outcome {
        Outcome {
            input: item.input.clone(),
            row: item.row,
            organ: item.valid.as_ref().map(|(_, organ)| organ.clone()),
            year: item.valid.as_ref().map(|(year, _)| *year),
            status,
            pages: None,
            outputs: Vec::new(),
            diagnostics: Vec::new(),
        }
    }
}

/// One written file.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// The file name within the output directory.
    pub file: String,
    pub format: &'static str,
    pub size: u64,
    pub sha256: String,
}

/// Told about the batch as it goes; called from worker threads.
pub trait Progress: Sync {
    /// Rendering starts: `total` reports in all.
    fn start(&self, total: usize);
    fn finished(&self, outcome: &Outcome);
}

/// A batch as run: the outcomes in input order.
#[derive(Debug)]
pub struct Summary {
    pub outcomes: Vec<Outcome>,
}

impl Summary {
    pub fn count(&self, status: Status) -> usize {
        self.outcomes.iter().filter(|o| o.status == status).count()
    }
}

/// One input, decoded, with what is needed to name and render it.
struct Item {
    input: String,
    row: Option<u32>,
    /// The data file's or table's stem, for `{stem}`.
    stem: String,
    /// The number `{row}` stands for.
    number: u32,
    data_dir: PathBuf,
    /// Whether seal paths are relative to a table (a workbook or CSV file), not a data file.
    from_table: bool,
    /// Year and organ of a report without errors: what its file is named after. The decoded
    /// report itself is not kept between the steps (it is decoded again when rendered), so a
    /// batch of ten thousand holds ten thousand names, not ten thousand reports.
    valid: Option<(u16, String)>,
    /// Where diagnostics without a position of their own point.
    whole: Location,
}

/// The output directory of a batch, held for the run: a second batch into it stops instead of
/// deleting this run's temporary files and overwriting its manifests. Opened before the run,
/// given the manifests after it, and let go when dropped (or when the process ends, however it
/// ends: see [`disk::DirLock`]).
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    _lock: disk::DirLock,
}

impl OutputDir {
    /// Creates and locks `path`, then clears what a killed earlier run left there (its
    /// temporary files, and manifests that would describe another run).
    pub fn open(path: &Path) -> Result<OutputDir, Diagnostic> {
        let lock = disk::lock_dir(path)?;
        disk::prepare_output_dir(path, &MANIFESTS)?;
        Ok(OutputDir {
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A directory input without what nianbao wrote there itself: a directory that is (or once
/// was) a batch's output holds its `manifest.json`, which is not a report. `batch dd -o dd`
/// must work the second time too.
pub fn without_own_files(input: Input) -> Input {
    match input {
        Input::Files(files) => Input::Files(
            files
                .into_iter()
                .filter(|f| !manifest::is_manifest(f))
                .collect(),
        ),
        table => table,
    }
}

/// Runs a batch into `output`. `Err` only when no report can be made at all; every problem of
/// a single report is in its outcome.
pub fn run(
    input: &Input,
    template: &Template,
    fonts: &Fonts,
    options: &Options,
    output: &OutputDir,
    progress: &dyn Progress,
) -> Result<Summary, Diagnostic> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .thread_name(|i| format!("nianbao-{i}"))
        .build()
        .map_err(|e| Diagnostic::error(Rule::Output, format!("无法启动工作线程（{e}）")))?;
    let work = Work {
        template,
        fonts,
        options,
        output: output.path(),
    };
    pool.install(|| {
        let items: Vec<Item> = (0..input.len())
            .into_par_iter()
            .map(|i| item(input, i))
            .collect();
        let names = assign_names(&items, &options.pattern);
        progress.start(items.len());
        // Taken in input order (an interrupted batch has done the first reports), collected
        // by index.
        let mut outcomes: Vec<(usize, Outcome)> = items
            .into_iter()
            .zip(names)
            .enumerate()
            .par_bridge()
            .map(|(i, (item, name))| {
                let cancelled = options
                    .cancel
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed));
                let outcome = if cancelled {
                    Outcome::new(&item, Status::Skipped)
                } else {
                    work.produce_guarded(&item, load(input, i), name)
                };
                progress.finished(&outcome);
                (i, outcome)
            })
            .collect();
        outcomes.sort_by_key(|(i, _)| *i);
        Ok(Summary {
            outcomes: outcomes.into_iter().map(|(_, o)| o).collect(),
        })
    })
}

/// Input `i`, decoded and validated.
fn load(input: &Input, i: usize) -> Loaded {
    match input {
        Input::Files(files) => crate::load_path(&files[i]),
        Input::Table(table) => table.load(&table.rows[i]),
    }
}

fn item(input: &Input, i: usize) -> Item {
    let loaded = load(input, i);
    let valid = loaded
        .report
        .as_ref()
        .filter(|_| !loaded.has_errors())
        .map(|r| (r.year, r.organ.clone()));
    match input {
        Input::Files(files) => {
            let path = &files[i];
            let shown = path.display().to_string();
            Item {
                stem: stem(path),
                number: i as u32 + 1,
                row: None,
                data_dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
                from_table: false,
                valid,
                whole: Location::file(&shown),
                input: shown,
            }
        }
        Input::Table(table) => {
            let row = &table.rows[i];
            Item {
                input: table.describe(row),
                row: Some(row.number),
                stem: stem(Path::new(&table.file)),
                number: row.number,
                data_dir: table.dir.clone(),
                from_table: true,
                valid,
                whole: Location {
                    line: Some(row.number),
                    sheet: Some(table.sheet.clone()),
                    ..Location::file(&table.file)
                },
            }
        }
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A file name (without extension) for each valid report, and a warning when its name was
/// taken by an earlier report of the batch.
fn assign_names(items: &[Item], pattern: &Pattern) -> Vec<Option<(String, Option<Diagnostic>)>> {
    let mut names = names::Names::default();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (year, organ) = item.valid.as_ref()?;
            let wanted = pattern.fill(Some(*year), organ, &item.stem, item.number);
            let (name, first) = names.claim(&wanted, i);
            let warning = first.map(|first| {
                Diagnostic::warning(
                    Rule::DuplicateName,
                    format!(
                        "文件名“{wanted}”已用于 {}，本报告改用“{name}”",
                        items[first].input
                    ),
                )
                .at(item.whole.clone())
                .hint("同一机关同一年度出现两次？检查是否重复填报")
            });
            Some((name, warning))
        })
        .collect()
}

/// What every worker shares: loaded once, read by all.
struct Work<'a> {
    template: &'a Template,
    fonts: &'a Fonts,
    options: &'a Options,
    output: &'a Path,
}

impl Work<'_> {
    /// [`Work::produce`], with a panic turned into a failed outcome: one report must not end
    /// the batch.
    fn produce_guarded(
        &self,
        item: &Item,
        loaded: Loaded,
        name: Option<(String, Option<Diagnostic>)>,
    ) -> Outcome {
        // What the clerk accepted in the data file, applied to what the whole run found.
        let acceptances = loaded
            .report
            .as_ref()
            .filter(|r| !r.acceptances.is_empty())
            .map(|r| (r.acceptances.clone(), loaded.source.clone()));
        match catch_unwind(AssertUnwindSafe(|| self.produce(item, loaded, name))) {
            Ok(mut outcome) => {
                if let Some((acceptances, source)) = acceptances {
                    let judged: &[Stage] = match outcome.status {
                        Status::Done => &[Stage::Data, Stage::Output],
                        _ => &[Stage::Data],
                    };
                    accept::apply(&mut outcome.diagnostics, &acceptances, &source, judged);
                }
                outcome
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let mut failed = Outcome::new(item, Status::Failed);
                failed.diagnostics.push(
                    Diagnostic::error(Rule::Output, format!("内部错误：{what}"))
                        .at(item.whole.clone())
                        .hint("这是 nianbao 的缺陷，请把这份数据和这条消息报告给开发者"),
                );
                failed
            }
        }
    }

    fn produce(
        &self,
        item: &Item,
        loaded: Loaded,
        name: Option<(String, Option<Diagnostic>)>,
    ) -> Outcome {
        let mut outcome = Outcome::new(item, Status::Invalid);
        // An invalid report is still named by what could be read of it.
        if let Some(report) = &loaded.report {
            outcome.organ = Some(report.organ.clone()).filter(|o| !o.is_empty());
            outcome.year = Some(report.year).filter(|y| *y != 0);
        }
        outcome.diagnostics = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Warning)
            .cloned()
            .collect();
        let (Some(report), Some((name, duplicate))) = (&loaded.report, name) else {
            return outcome;
        };
        outcome.diagnostics.extend(duplicate);
        let seals = if item.from_table {
            Seals::within_table(&item.data_dir)
        } else {
            Seals::within(&item.data_dir)
        };
        let seals = seals.anywhere(self.options.allow_seal_anywhere);
        let options = self.options;
        let setup = crate::Setup {
            template: self.template,
            fonts: self.fonts,
            targets: options.targets,
            pdf: &options.pdf,
            docx_embed_fonts: options.docx_embed_fonts,
            sign: options.sign.as_deref(),
            sign_invisible: options.sign_invisible,
        };
        let seal = |path: &str| crate::seal::read(path, &seals);
        let mut products = match crate::make(report, &loaded.source, seal, &setup) {
            Ok(p) => p,
            Err(Unmade::Document(diags)) => {
                outcome.diagnostics.extend(diags);
                return outcome;
            }
            Err(Unmade::Files(d)) => {
                outcome.status = Status::Failed;
                outcome.diagnostics.push(located(d, &item.whole));
                return outcome;
            }
        };
        outcome.diagnostics.extend(
            std::mem::take(&mut products.warnings)
                .into_iter()
                .map(|d| located(d, &item.whole)),
        );
        outcome.pages = products.pdf.as_ref().map(|(_, pages)| *pages);
        outcome.status = Status::Done;
        for (format, bytes) in products.files() {
            let file = format!("{name}.{format}");
            match disk::write_output(&self.output.join(&file), bytes) {
                Ok(()) => outcome.outputs.push(Output {
                    sha256: crate::digest::sha256_hex(bytes),
                    size: bytes.len() as u64,
                    file,
                    format,
                }),
                Err(d) => {
                    outcome.status = Status::Failed;
                    outcome.diagnostics.push(d);
                }
            }
        }
        outcome
    }
}

/// Writes `manifest.json` and `manifest.csv` into the output directory.
pub fn write_manifests(
    summary: &Summary,
    meta: &manifest::Meta,
    output: &OutputDir,
) -> Result<(), Diagnostic> {
    let dir = output.path();
    let files = [
        (MANIFESTS[0], manifest::json(summary, meta)),
        (MANIFESTS[1], manifest::csv(summary)),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        disk::write_atomic(&path, text.as_bytes()).map_err(|e| {
            Diagnostic::error(
                Rule::Output,
                format!("无法写入清单：{}", disk::io_message(&e)),
            )
            .at(Location::file(&path.display().to_string()))
        })?;
    }
    Ok(())
}

fn located(mut d: Diagnostic, whole: &Location) -> Diagnostic {
    if d.location.is_none() {
        d = d.at(whole.clone());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_shareable<T: Send + Sync>() {}

    #[test]
    fn workers_can_share_fonts_and_template() {
        assert_shareable::<Fonts>();
        assert_shareable::<Template>();
        assert_shareable::<Input>();
    }
}
