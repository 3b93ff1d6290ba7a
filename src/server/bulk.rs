//! Bulk in and out (issue 18), for admins: the collection workbook imported as drafts, and every
//! approved report of a year exported as one .zip.
//!
//! **Import** (`POST /api/import?name=县汇总.xlsx`, the workbook's or CSV file's bytes as the
//! body): the table is read by [`batch::input::read_bytes`], each row decoded and validated by
//! [`batch::input::Table::load`] exactly as `nianbao batch` does, then checked as a save is
//! ([`App::check_loaded`]: last year's report from the store, placeholders, no seal), and saved
//! by [`crate::store::Store::import`], whose rules are a save's. A row is refused when its organ
//! is not in the database (organs are never created by an import), when its report is
//! submitted or approved, when an earlier row of the table had the same organ and year, and
//! when it has errors and the report already has a revision: data with errors never replaces
//! what is there. A row with errors for a report not begun yet is saved, as a draft with its
//! errors counted: the clerk or the admin corrects the typo in the form, where the error shows
//! at its cell.
//!
//! **Export** (`POST /api/export/{year}`): a job on a thread of its own hands the year's
//! approved reports to [`bundle::bundle`], which makes the zip as `nianbao batch` makes its
//! outputs (data files, PDF/A, .docx and the HTML page, manifests, a `SHA256SUMS` of every
//! file) in a private temporary directory, the zip renamed into place when complete; the
//! download route serves only a finished job, so a half-written zip is never handed out. The
//! zip stays on disk (not in memory: a county's year is tens of megabytes) until the job is
//! dropped and no download holds it. This module keeps the jobs and serves the file, read
//! through the library; it touches no file itself. Jobs are kept in memory ([`Exports`]): one running per year, finished ones dropped after an
//! hour or when more than [`KEPT_JOBS`] are kept, and their directories with them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path as RoutePath, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::extract::Query;
use super::{ApiError, App, blocking, json};
use crate::batch::bundle::{self, Bundle};
use crate::batch::{self, Outcome, Pattern, Progress};
use crate::diag::{Diagnostic, Severity, Tally};
use crate::model::{self, Syntax};
use crate::store::{ApprovedReport, Counts, Need, OrganId, Session, StoreError, User, authorize};

/// Finished export jobs kept for download, at most.
pub const KEPT_JOBS: usize = 8;

/// How long a finished export stays downloadable.
const KEPT_FOR: Duration = Duration::from_secs(60 * 60);

// ── Import ───────────────────────────────────────────────────────────────────────────────────

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum RowOutcome {
    /// The report's first revision.
    Created,
    /// A new revision of a report that had one.
    Updated,
    /// Nothing written: `reason` says why.
    Refused,
}

/// Why a row was refused: an English key, a Chinese message and hint.
#[derive(Debug, Serialize)]
struct Reason {
    key: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

/// A diagnostic as `batch` gives it, with the cell it names written out
/// (`县汇总.xlsx「报告数据」第5行 AL列`).
#[derive(Debug, Serialize)]
struct Shown {
    #[serde(flatten)]
    diagnostic: Diagnostic,
    #[serde(skip_serializing_if = "Option::is_none")]
    cell: Option<String>,
}

/// One row's answer.
#[derive(Debug, Serialize)]
struct ImportedRow {
    /// The row as the spreadsheet numbers it.
    row: u32,
    /// Where it came from: `县汇总.xlsx「报告数据」第5行`.
    input: String,
    organ: Option<String>,
    organ_id: Option<OrganId>,
    year: Option<u16>,
    outcome: RowOutcome,
    /// The revision written.
    revision: Option<u32>,
    errors: u32,
    warnings: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Reason>,
    /// Errors and warnings, as `nianbao batch` reports them (information notes left out).
    diagnostics: Vec<Shown>,
}

impl ImportedRow {
    fn refused(mut self, key: &'static str, message: String, hint: Option<String>) -> Self {
        self.outcome = RowOutcome::Refused;
        self.reason = Some(Reason { key, message, hint });
        self
    }
}

#[derive(Debug, Default, Serialize)]
struct ImportTotals {
    rows: usize,
    created: usize,
    updated: usize,
    refused: usize,
    /// Rows saved with errors (drafts to correct).
    saved_with_errors: usize,
}

/// `POST /api/import?name=县汇总.xlsx` with the workbook (or CSV file) as the body.
pub async fn import(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    uri: Uri,
    request: Request,
) -> Result<Response, ApiError> {
    authorize(&session.user, Need::Admin)?;
    let name = file_name(&Query::of(&uri)?).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "file-name-missing",
            "没有给出表格的文件名",
        )
        .hint("文件名放在地址里：POST /api/import?name=县汇总.xlsx（.xlsx 或 .csv）")
    })?;
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                let limit = crate::limits::SERVER_IMPORT_BYTES;
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    format!(
                        "表格太大，超出限度「导入表格的大小」（server_import_bytes）：最多 {}",
                        crate::limits::show_bytes(limit)
                    ),
                )
                .hint("把表格分成几个文件分别导入")
            } else {
                ApiError::bad_request("无法读取请求的内容")
            }
        })?;
    blocking(move || app.import(&session.user, &name, bytes.to_vec())).await
}

/// The file name of `?name=…`, without any directory a browser put before it.
fn file_name(query: &Query) -> Option<String> {
    let name = query
        .get("name")?
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim();
    (!name.is_empty()).then(|| name.to_string())
}

impl App {
    fn import(&self, user: &User, name: &str, bytes: Vec<u8>) -> Result<Response, ApiError> {
        let ext = batch::input::extension(Path::new(name));
        let table = batch::input::read_bytes(bytes, name, &ext, None).map_err(|d| {
            ApiError::unprocessable("unreadable-table", "表格无法读取，什么也没有导入", &d)
        })?;
        if table.rows.is_empty() {
            return Err(ApiError::unprocessable(
                "empty-table",
                format!("{name} 的表头下面没有数据行，什么也没有导入"),
                &[],
            ));
        }
        let mut seen: HashMap<(OrganId, u16), u32> = HashMap::new();
        let mut rows = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            rows.push(self.import_row(user, &table, row, &mut seen)?);
        }
        let mut totals = ImportTotals {
            rows: rows.len(),
            ..ImportTotals::default()
        };
        for row in &rows {
            match row.outcome {
                RowOutcome::Created => totals.created += 1,
                RowOutcome::Updated => totals.updated += 1,
                RowOutcome::Refused => totals.refused += 1,
            }
            if row.outcome != RowOutcome::Refused && row.errors > 0 {
                totals.saved_with_errors += 1;
            }
        }
        #[derive(Serialize)]
        struct Imported<'a> {
            file: &'a str,
            sheet: &'a str,
            /// How the file was read, when that is worth knowing (decoded as GBK).
            notes: Vec<Shown>,
            rows: Vec<ImportedRow>,
            totals: ImportTotals,
        }
        let answer = Imported {
            file: name,
            sheet: &table.sheet,
            notes: table.notes.iter().map(shown).collect(),
            rows,
            totals,
        };
        Ok(json(StatusCode::OK, &answer))
    }

    /// One row: read as batch reads it, checked as a save is, and saved or refused.
    fn import_row(
        &self,
        user: &User,
        table: &batch::input::Table,
        row: &batch::input::Row,
        seen: &mut HashMap<(OrganId, u16), u32>,
    ) -> Result<ImportedRow, ApiError> {
        let input = table.describe(row);
        let (mut loaded, tree) = table.load_with_tree(row);
        let organ_name = loaded
            .report
            .as_ref()
            .map(|r| r.organ.trim().to_string())
            .filter(|o| !o.is_empty());
        let year = loaded.report.as_ref().map(|r| r.year).filter(|&y| y != 0);
        let mut answer = ImportedRow {
            row: row.number,
            input: input.clone(),
            organ: organ_name.clone(),
            organ_id: None,
            year,
            outcome: RowOutcome::Refused,
            revision: None,
            errors: 0,
            warnings: 0,
            reason: None,
            diagnostics: Vec::new(),
        };
        let decoded = |answer: ImportedRow, loaded: &model::Loaded| ImportedRow {
            diagnostics: as_batch_gives(&loaded.diagnostics),
            ..answer
        };
        let Some(organ_name) = organ_name else {
            let refused = answer.refused(
                "organ-missing",
                "这一行读不出机关全称（organ），没有导入".into(),
                Some("填写与数据库中一致的机关全称".into()),
            );
            return Ok(decoded(refused, &loaded));
        };
        let Some(organ) = self.store.organ_by_name(&organ_name)? else {
            let refused = answer.refused(
                "unknown-organ",
                format!("没有机关“{organ_name}”；导入不新建机关，这一行没有导入"),
                Some(
                    "改正表格中的机关全称，使之与数据库中的一致；新机关先用 nianbao admin add-organ 添加"
                        .into(),
                ),
            );
            return Ok(decoded(refused, &loaded));
        };
        answer.organ_id = Some(organ.id);
        let Some(year) = year else {
            let refused = answer.refused(
                "year-missing",
                "这一行读不出年度（year），没有导入".into(),
                Some("填写报告的年度，如 2024".into()),
            );
            return Ok(decoded(refused, &loaded));
        };
        if let Some(first) = seen.get(&(organ.id, year)) {
            let refused = answer.refused(
                "duplicate-row",
                format!(
                    "第 {first} 行已是“{organ_name}” {year} 年的报告；只导入第一行，这一行没有导入"
                ),
                Some("同一机关同一年度只留一行".into()),
            );
            return Ok(decoded(refused, &loaded));
        }
        seen.insert((organ.id, year), row.number);
        self.check_loaded(user, &mut loaded, Some(organ.id))?;
        let tally = Tally::of(&loaded.diagnostics);
        let counts = Counts {
            errors: tally.errors as u32,
            warnings: tally.warnings as u32,
        };
        answer.errors = counts.errors;
        answer.warnings = counts.warnings;
        // As a save keeps it: the canonical data when the model took every value, otherwise
        // the row as typed, so that the cell to correct is still there in the form.
        let data = match &loaded.report {
            Some(report) if loaded.source.invalid.is_empty() => model::to_json(report),
            _ => tree.to_json(),
        };
        let saved = self.write(|store| store.import(user, organ.id, year, &data, counts, &input));
        let answer = match saved {
            Ok(imported) => ImportedRow {
                outcome: if imported.created {
                    RowOutcome::Created
                } else {
                    RowOutcome::Updated
                },
                revision: Some(imported.revision),
                ..answer
            },
            Err(e @ (StoreError::NotImportable { .. } | StoreError::ImportHasErrors { .. })) => {
                answer.refused(e.key(), e.to_string(), e.hint())
            }
            Err(e @ (StoreError::Locked | StoreError::DataTooLarge { .. })) => {
                answer.refused(e.key(), format!("{e}；这一行没有导入"), e.hint())
            }
            Err(e) => return Err(e.into()),
        };
        Ok(decoded(answer, &loaded))
    }
}

/// Errors and warnings, as `nianbao batch` puts them in its manifest.
fn as_batch_gives(diagnostics: &[Diagnostic]) -> Vec<Shown> {
    diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(shown)
        .collect()
}

fn shown(diagnostic: &Diagnostic) -> Shown {
    Shown {
        cell: diagnostic.location.as_ref().map(|l| l.to_string()),
        diagnostic: diagnostic.clone(),
    }
}

// ── Export ───────────────────────────────────────────────────────────────────────────────────

/// The export jobs of this server's run.
#[derive(Default)]
pub struct Exports {
    next: u64,
    jobs: Vec<Arc<Job>>,
}

/// One export: a year's approved reports on their way into a .zip.
pub struct Job {
    id: u64,
    year: u16,
    total: AtomicUsize,
    done: AtomicUsize,
    state: Mutex<JobState>,
}

enum JobState {
    Running,
    Done(Finished),
    Failed { error: String, at: Instant },
}

/// A finished export: the zip, in its private directory (removed when the job is dropped and
/// no download holds it).
struct Finished {
    bundle: Arc<Bundle>,
    at: Instant,
}

impl Job {
    fn state(&self) -> std::sync::MutexGuard<'_, JobState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Finished before `now - KEPT_FOR`.
    fn expired(&self, now: Instant) -> bool {
        match &*self.state() {
            JobState::Running => false,
            JobState::Done(Finished { at, .. }) | JobState::Failed { at, .. } => {
                now.duration_since(*at) > KEPT_FOR
            }
        }
    }

    fn running(&self) -> bool {
        matches!(&*self.state(), JobState::Running)
    }
}

impl Progress for Job {
    fn start(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    fn finished(&self, _outcome: &Outcome) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl Exports {
    /// A new job for `year`, unless one is running for it (its id then). Finished jobs past
    /// their time, and the oldest beyond [`KEPT_JOBS`], are dropped with their files.
    fn begin(&mut self, year: u16, total: usize) -> Result<Arc<Job>, u64> {
        if let Some(running) = self.jobs.iter().find(|j| j.year == year && j.running()) {
            return Err(running.id);
        }
        let now = Instant::now();
        self.jobs.retain(|j| !j.expired(now));
        while self.jobs.len() >= KEPT_JOBS {
            match self.jobs.iter().position(|j| !j.running()) {
                Some(oldest) => drop(self.jobs.remove(oldest)),
                None => break,
            }
        }
        self.next += 1;
        let job = Arc::new(Job {
            id: self.next,
            year,
            total: AtomicUsize::new(total),
            done: AtomicUsize::new(0),
            state: Mutex::new(JobState::Running),
        });
        self.jobs.push(job.clone());
        Ok(job)
    }

    fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.jobs.iter().find(|j| j.id == id).cloned()
    }
}

/// `POST /api/export/{year}`: starts the export of the year's approved reports → 202
/// `{job, year, state, done, total}`. 409 `export-running` when one is running for the year;
/// 422 `nothing-approved` when the year has no approved report.
pub async fn start(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    RoutePath(year): RoutePath<String>,
) -> Result<Response, ApiError> {
    let user = session.user;
    authorize(&user, Need::Admin)?;
    let year: u16 = digits(&year).ok_or_else(ApiError::not_found)?;
    let app2 = app.clone();
    let reports = blocking(move || Ok(app2.store.approved(&user, year)?)).await?;
    if reports.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing-approved",
            format!("{year} 年没有已通过的报告，没有可导出的内容"),
        )
        .hint("报告经管理员“通过”后才会导出"));
    }
    let begun = app
        .exports
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .begin(year, reports.len());
    let job = match begun {
        Ok(job) => job,
        Err(running) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "export-running",
                format!("{year} 年的导出正在进行，等它完成后再导出"),
            )
            .hint("进度见 GET /api/export/任务编号")
            .with("job", running));
        }
    };
    let worker = job.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("nianbao-export-{year}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                export(&app, &worker, reports)
            }));
            let state = match result {
                Ok(Ok(finished)) => JobState::Done(finished),
                Ok(Err(error)) => JobState::Failed {
                    error,
                    at: Instant::now(),
                },
                Err(panic) => JobState::Failed {
                    error: format!(
                        "内部错误：{}",
                        panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default()
                    ),
                    at: Instant::now(),
                },
            };
            if let JobState::Failed { error, .. } = &state {
                eprintln!("错误: {year} 年的导出失败：{error}");
            }
            *worker.state() = state;
        });
    if let Err(e) = spawned {
        *job.state() = JobState::Failed {
            error: format!("无法启动导出线程（{e}）"),
            at: Instant::now(),
        };
    }
    Ok(json(StatusCode::ACCEPTED, &status_of(&job)))
}

/// `GET /api/export/{job}`: the job's progress → `{job, year, state, done, total, …}`;
/// `GET /api/export/{job}.zip`: the finished zip.
pub async fn get(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    RoutePath(what): RoutePath<String>,
) -> Result<Response, ApiError> {
    authorize(&session.user, Need::Admin)?;
    let (id, zip) = match what.strip_suffix(".zip") {
        Some(id) => (id, true),
        None => (what.as_str(), false),
    };
    let no_job = || {
        ApiError::new(StatusCode::NOT_FOUND, "no-such-export", "没有这个导出任务")
            .hint("导出任务只保留在服务器这次运行的内存中，完成一小时后删除；重新导出")
    };
    let id: u64 = digits(id).ok_or_else(no_job)?;
    let job = app
        .exports
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(id)
        .ok_or_else(no_job)?;
    if !zip {
        return Ok(json(StatusCode::OK, &status_of(&job)));
    }
    let made = match &*job.state() {
        JobState::Done(finished) => finished.bundle.clone(),
        _ => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "export-not-done",
                "导出还没有完成，没有可下载的文件",
            )
            .hint("等进度到 done 再下载"));
        }
    };
    let year = job.year;
    // The bundle is held until the file is read: its directory is not removed meanwhile.
    let bytes = blocking(move || {
        made.bytes()
            .map_err(|d| ApiError::internal(format!("无法读取导出文件：{}", d.message)))
    })
    .await?;
    let mut response = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/zip"),
        )],
        bytes,
    )
        .into_response();
    let disposition =
        super::files::disposition(false, &zip_name(year), &format!("{year}-reports.zip"))?;
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}

/// The zip's name for people: `2024年报告.zip`.
fn zip_name(year: u16) -> String {
    format!("{year}年报告.zip")
}

fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// What `GET /api/export/{job}` answers.
#[derive(Serialize)]
struct JobStatus {
    job: u64,
    year: u16,
    /// `running`, `done` or `failed`.
    state: &'static str,
    done: usize,
    total: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Where the zip is, once done.
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    /// Reports whose files could not all be made, once done (the manifest says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<usize>,
}

fn status_of(job: &Job) -> JobStatus {
    let mut status = JobStatus {
        job: job.id,
        year: job.year,
        state: "running",
        done: job.done.load(Ordering::Relaxed),
        total: job.total.load(Ordering::Relaxed),
        error: None,
        download: None,
        file: None,
        size: None,
        failed: None,
    };
    match &*job.state() {
        JobState::Running => {}
        JobState::Done(finished) => {
            status.state = "done";
            status.download = Some(format!("/api/export/{}.zip", job.id));
            status.file = Some(zip_name(job.year));
            status.size = Some(finished.bundle.size());
            status.failed = Some(finished.bundle.failed());
        }
        JobState::Failed { error, .. } => {
            status.state = "failed";
            status.error = Some(error.clone());
        }
    }
    status
}

/// Makes the export: [`bundle::bundle`] of the year's approved reports, with the server's
/// template, fonts and PDF options.
fn export(app: &App, job: &Job, reports: Vec<ApprovedReport>) -> Result<Finished, String> {
    let reports: Vec<bundle::Report> = reports
        .into_iter()
        .map(|approved| bundle::Report {
            organ: approved.organ_name,
            year: job.year,
            data: approved.revision.data,
            syntax: Syntax::Json,
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = batch::Options {
        // Half the cores: the server goes on answering the clerks meanwhile.
        jobs: (cores / 2).max(1),
        pattern: Pattern::default(),
        targets: crate::Targets {
            pdf: true,
            docx: true,
            html: Some(crate::html::HtmlOptions { fragment: false }),
        },
        pdf: app.pdf.clone(),
        docx_embed_fonts: false,
        allow_seal_anywhere: false,
        // The server holds no signing key: the archive's copies are signed where the key is.
        sign: None,
        sign_invisible: false,
        cancel: None,
    };
    let made = bundle::bundle(&reports, &app.template, &app.fonts, &options, job)
        .map_err(|d| d.to_string())?;
    Ok(Finished {
        bundle: Arc::new(made),
        at: Instant::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_the_query_s_name_without_directories() {
        let name = |query: &str| file_name(&Query::parse(Some(query)).unwrap());
        assert_eq!(
            name("name=%E5%8E%BF%E6%B1%87%E6%80%BB.xlsx").as_deref(),
            Some("县汇总.xlsx")
        );
        assert_eq!(
            name("x=1&name=C%3A%5Cdocs%5Ca+b.csv").as_deref(),
            Some("a b.csv")
        );
        assert_eq!(name("name=dir/"), None);
        assert_eq!(name("name="), None);
        assert_eq!(name("x=1"), None);
    }
}
