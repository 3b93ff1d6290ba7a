//! A batch packed into one .zip: each report's data file, [`super::run`]'s outputs, the
//! manifests and a [`SUMS`] of every file, for reports given as data text (the server's export
//! of a year's approved reports gives them from its store).
//!
//! Everything is made in a private temporary directory ([`disk::temp_dir`]): the data files
//! under [`DATA_DIR`], named as the batch names its outputs (`2024-某镇.toml` makes
//! `2024-某镇.pdf`), the outputs and manifests beside them, and the zip, written under a
//! temporary name and renamed when complete ([`disk::write_atomic_by`]), so a half-written zip
//! is never there to be handed out. The zip stays on disk (a county's year is tens of
//! megabytes) until the [`Bundle`] is dropped, and its directory with it. Every file is read
//! and written through [`crate::disk`].

use std::path::{MAIN_SEPARATOR, Path, PathBuf};

use super::{Input, Options, OutputDir, Progress, Status, manifest, names};
use crate::diag::{Diagnostic, Rule};
use crate::fonts::Fonts;
use crate::model::{self, Syntax};
use crate::template::Template;
use crate::{container, digest, disk};

/// The zip's directory of data files.
pub const DATA_DIR: &str = "data";

/// The list of every file's SHA-256 in the zip, as `sha256sum -c` reads it.
pub const SUMS: &str = "SHA256SUMS";

/// The most of one file packed that is read to hash it: what a zip reader here takes as one
/// part. A report's PDF is a few megabytes.
const FILE_BYTES: u64 = crate::limits::ZIP_PART_BYTES;

/// One report to bundle: its data as text, and the organ and year it is filed under (what its
/// files are named after when the data cannot be read).
#[derive(Debug, Clone)]
pub struct Report {
    pub organ: String,
    pub year: u16,
    pub data: String,
    /// The data's syntax (the server's store keeps JSON).
    pub syntax: Syntax,
}

/// A finished bundle: the zip, in a private temporary directory removed when this is dropped.
#[derive(Debug)]
pub struct Bundle {
    zip: PathBuf,
    size: u64,
    failed: usize,
    _dir: disk::TempDir,
}

impl Bundle {
    /// Where the zip is (until this is dropped).
    pub fn path(&self) -> &Path {
        &self.zip
    }

    /// The zip's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Reports whose files could not all be made (the manifest says why).
    pub fn failed(&self) -> usize {
        self.failed
    }

    /// The zip's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, Diagnostic> {
        disk::read_regular(&self.zip, self.size)
            .map_err(|e| Diagnostic::error(Rule::Unreadable, disk::read_error_message(&e)))
    }
}

fn io_error(what: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Rule::Output, format!("{what}：{}", disk::io_message(e)))
}

/// Makes `reports` into one zip: data files, [`super::run`] with `options` (its pattern names
/// the data files too), manifests, [`SUMS`]. `Err` only when no zip can be made; a report that
/// fails is in the manifests and counted in [`Bundle::failed`].
pub fn bundle(
    reports: &[Report],
    template: &Template,
    fonts: &Fonts,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Bundle, Diagnostic> {
    let dir = disk::temp_dir("nianbao-bundle-").map_err(|e| io_error("无法建立临时目录", &e))?;
    let data_dir = dir.path().join(DATA_DIR);
    disk::create_dir(&data_dir).map_err(|e| io_error("无法建立临时目录", &e))?;
    let files = write_data_files(reports, &options.pattern, &data_dir)?;
    let out = dir.path().join("out");
    let output = OutputDir::open(&out)?;
    let input = Input::Files(files.clone());
    let mut summary = super::run(&input, template, fonts, options, &output, progress)?;
    // The manifests name the data files as they are in the zip, not the temporary directory.
    let prefix = format!("{}{MAIN_SEPARATOR}", dir.path().display());
    let relative = |text: &mut String| {
        if let Some(rest) = text.strip_prefix(&prefix) {
            *text = rest.replace(MAIN_SEPARATOR, "/");
        }
    };
    for outcome in &mut summary.outcomes {
        relative(&mut outcome.input);
        for d in &mut outcome.diagnostics {
            if let Some(location) = d.location.as_mut() {
                relative(&mut location.file);
            }
        }
    }
    let meta = manifest::Meta {
        input: format!("{DATA_DIR}/"),
        pattern: options.pattern.as_str().to_string(),
        formats: options.targets.formats(),
    };
    super::write_manifests(&summary, &meta, &output)?;
    let failed = summary.outcomes.len() - summary.count(Status::Done);
    drop(output);
    // What the zip holds: each report's outputs, the data files, the manifests.
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    for outcome in &summary.outcomes {
        for file in &outcome.outputs {
            entries.push((file.file.clone(), out.join(&file.file)));
        }
    }
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        entries.push((format!("{DATA_DIR}/{}", name.unwrap_or_default()), path));
    }
    for name in super::MANIFESTS {
        entries.push((name.to_string(), out.join(name)));
    }
    let sums_path = dir.path().join(SUMS);
    disk::write_atomic(&sums_path, sums(&entries)?.as_bytes())
        .map_err(|e| io_error("无法写入", &e))?;
    entries.push((SUMS.to_string(), sums_path));
    let zip = dir.path().join("bundle.zip");
    disk::write_atomic_by(&zip, |partial| container::pack_files(partial, &entries))
        .map_err(|e| io_error("无法写入压缩包", &e))?;
    let size = disk::file_size(&zip).map_err(|e| io_error("无法读取压缩包", &e))?;
    Ok(Bundle {
        zip,
        size,
        failed,
        _dir: dir,
    })
}

/// Each report's data file in `dir`, named by `pattern` as the batch will name its outputs:
/// the canonical TOML of a report that reads, the text as given of one that does not (the
/// manifest then says what is wrong with it).
fn write_data_files(
    reports: &[Report],
    pattern: &names::Pattern,
    dir: &Path,
) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut taken = names::Names::default();
    let mut files = Vec::with_capacity(reports.len());
    for (i, report) in reports.iter().enumerate() {
        let extension = match report.syntax {
            Syntax::Toml => "toml",
            Syntax::Json => "json",
            Syntax::Yaml => "yaml",
        };
        let loaded = model::load(&format!("data.{extension}"), &report.data, report.syntax);
        let organ = loaded
            .report
            .as_ref()
            .map_or(report.organ.as_str(), |r| r.organ.as_str());
        let wanted = pattern.fill(Some(report.year), organ, "", i as u32 + 1);
        let (name, _) = taken.claim(&wanted, i);
        let (file, text) = match &loaded.report {
            Some(r) => (format!("{name}.toml"), model::to_toml(r)),
            None => (format!("{name}.{extension}"), report.data.clone()),
        };
        let path = dir.join(&file);
        disk::write_atomic(&path, text.as_bytes()).map_err(|e| io_error("无法写入数据文件", &e))?;
        files.push(path);
    }
    Ok(files)
}

/// `SHA256SUMS`: each entry's hash and name, as `sha256sum` writes them.
fn sums(entries: &[(String, PathBuf)]) -> Result<String, Diagnostic> {
    let mut sums = String::new();
    for (name, path) in entries {
        let bytes = disk::read_regular(path, FILE_BYTES).map_err(|e| {
            Diagnostic::error(
                Rule::Output,
                format!(
                    "无法读取生成的文件 {name}：{}",
                    disk::read_error_message(&e)
                ),
            )
        })?;
        sums.push_str(&format!("{}  {name}\n", digest::sha256_hex(&bytes)));
    }
    Ok(sums)
}
