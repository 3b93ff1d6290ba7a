//! The reports' JSON API: list, read, save (checked, every save a revision), revisions and
//! restore, a check without saving, and next year's draft.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::extract::{ReportAt, RevisionAt, TextBody};
use super::{ApiError, App, blocking, json};
use crate::check::{self, Against};
use crate::diag::{Diagnostic, Tally};
use crate::import::Draft;
use crate::model::{self, Applications, Loaded, Report, ReviewLitigation, Syntax};
use crate::seal::{self, Refusal};
use crate::store::{
    Counts, Need, OrganId, ReportStatus, Revision, RevisionInfo, Session, StoreError, Timestamp,
    User, authorize,
};

/// The name diagnostics give report data that a request sent or the store holds.
const DATA_NAME: &str = "data.json";

/// A report as listed.
#[derive(Serialize)]
struct Listed<'a> {
    organ_id: OrganId,
    organ: &'a str,
    year: u16,
    status: ReportStatus,
    /// The comment of the latest return, kept after the report is submitted again.
    return_comment: Option<&'a str>,
    revision: u32,
    errors: u32,
    warnings: u32,
    saved: Timestamp,
    author: Option<&'a str>,
}

/// A revision without its data.
#[derive(Serialize)]
struct RevisionRow<'a> {
    revision: u32,
    author: Option<&'a str>,
    saved: Timestamp,
    errors: u32,
    warnings: u32,
    /// The revision this one brought back, when it is a restore.
    restored_from: Option<u32>,
}

impl<'a> RevisionRow<'a> {
    fn of(info: &'a RevisionInfo) -> Self {
        RevisionRow {
            revision: info.n,
            author: info.author.as_deref(),
            saved: info.saved,
            errors: info.counts.errors,
            warnings: info.counts.warnings,
            restored_from: info.restored_from,
        }
    }
}

/// A revision with its data, passed through as the store holds it.
#[derive(Serialize)]
struct WithData<'a> {
    revision: u32,
    author: Option<&'a str>,
    saved: Timestamp,
    errors: u32,
    warnings: u32,
    restored_from: Option<u32>,
    data: &'a RawValue,
}

impl<'a> WithData<'a> {
    fn of(revision: &'a Revision) -> Result<Self, ApiError> {
        let row = RevisionRow::of(&revision.info);
        Ok(WithData {
            revision: row.revision,
            author: row.author,
            saved: row.saved,
            errors: row.errors,
            warnings: row.warnings,
            restored_from: row.restored_from,
            data: stored(&revision.data)?,
        })
    }
}

/// Data as the store holds it: JSON text (the store takes nothing else).
fn stored(data: &str) -> Result<&RawValue, ApiError> {
    serde_json::from_str(data)
        .map_err(|e| ApiError::internal(format!("数据库中的报告数据不是 JSON：{e}")))
}

/// `PUT /api/reports/{organ}/{year}`.
#[derive(Deserialize)]
struct SaveRequest {
    /// The revision the edit started from; 0 for a new report.
    revision: u32,
    data: Box<RawValue>,
}

/// The figures a page shows without computing them: each row's 总计 and （七）总计 of table
/// 三, each group's 总计 of table 四 and the two litigation groups together.
#[derive(Serialize)]
struct Totals<'a> {
    applications: &'a Applications,
    review_litigation: &'a ReviewLitigation,
}

impl<'a> Totals<'a> {
    fn of(report: &'a Report) -> Self {
        Totals {
            applications: &report.applications,
            review_litigation: &report.review_litigation,
        }
    }
}

/// `GET /api/reports`: the reports this account may see.
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
) -> Result<Response, ApiError> {
    blocking(move || {
        let reports = app.store.reports(&session.user)?;
        let listed: Vec<Listed> = reports
            .iter()
            .map(|r| Listed {
                organ_id: r.organ,
                organ: &r.organ_name,
                year: r.year,
                status: r.status,
                return_comment: r.return_comment.as_deref(),
                revision: r.revision.n,
                errors: r.revision.counts.errors,
                warnings: r.revision.counts.warnings,
                saved: r.revision.saved,
                author: r.revision.author.as_deref(),
            })
            .collect();
        Ok(json(StatusCode::OK, &listed))
    })
    .await
}

/// `GET /api/reports/{organ}/{year}`: the current revision and its data, with the report's
/// status and latest return comment; 404 when none.
pub async fn current(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let none = StoreError::NoSuchReport {
            organ: at.organ,
            year: at.year,
        };
        let user = &session.user;
        let revision = app
            .store
            .current(user, at.organ, at.year)?
            .ok_or(none.clone())?;
        let state = app.store.state(user, at.organ, at.year)?.ok_or(none)?;
        #[derive(Serialize)]
        struct Current<'a> {
            status: ReportStatus,
            return_comment: Option<&'a str>,
            #[serde(flatten)]
            revision: WithData<'a>,
        }
        let current = Current {
            status: state.status,
            return_comment: state.return_comment.as_deref(),
            revision: WithData::of(&revision)?,
        };
        Ok(json(StatusCode::OK, &current))
    })
    .await
}

/// `POST …/submit` `{acknowledge_warnings}` (the body may be left empty: false).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SubmitRequest {
    acknowledge_warnings: bool,
}

/// `POST …/return` `{comment}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnRequest {
    comment: String,
}

/// A request's JSON body; an empty one is `T::default()` when `T` has one.
fn body_of<T: serde::de::DeserializeOwned>(
    body: &str,
    empty: Option<T>,
    shape: &str,
) -> Result<T, ApiError> {
    match empty {
        Some(default) if body.trim().is_empty() => Ok(default),
        _ => serde_json::from_str(body)
            .map_err(|e| ApiError::bad_request(format!("请求的内容应为 {shape}：{e}"))),
    }
}

/// The answer to a status change: the report's status and latest return comment.
fn moved(app: &App, user: &User, at: ReportAt) -> Result<Response, ApiError> {
    let state = app
        .store
        .state(user, at.organ, at.year)?
        .ok_or(StoreError::NoSuchReport {
            organ: at.organ,
            year: at.year,
        })?;
    Ok(json(StatusCode::OK, &state))
}

/// `POST …/submit` `{acknowledge_warnings}`: a clerk of the organ (or an admin) hands in a
/// draft or returned report → `{status, return_comment}`. 422 when its current revision has
/// errors, or warnings not acknowledged; 409 from another status.
pub async fn submit(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
    TextBody(body): TextBody,
) -> Result<Response, ApiError> {
    blocking(move || {
        let user = &session.user;
        authorize(user, Need::Write(at.organ))?;
        let request: SubmitRequest = body_of(
            &body,
            Some(SubmitRequest::default()),
            "{\"acknowledge_warnings\": true 或 false}",
        )?;
        app.write(|store| store.submit(user, at.organ, at.year, request.acknowledge_warnings))?;
        moved(&app, user, at)
    })
    .await
}

/// `POST …/return` `{comment}`: an admin sends a submitted report back; the comment is kept
/// with the report. 403 for a clerk, 422 without a comment, 409 from another status.
pub async fn return_report(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
    TextBody(body): TextBody,
) -> Result<Response, ApiError> {
    blocking(move || {
        let user = &session.user;
        authorize(user, Need::Admin)?;
        let request: ReturnRequest = body_of(&body, None, "{\"comment\": 退回意见}")?;
        app.write(|store| store.return_report(user, at.organ, at.year, &request.comment))?;
        moved(&app, user, at)
    })
    .await
}

/// `POST …/approve`: an admin approves a submitted report, which locks it. 403 for a clerk,
/// 409 from another status.
pub async fn approve(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let user = &session.user;
        app.write(|store| store.approve(user, at.organ, at.year))?;
        moved(&app, user, at)
    })
    .await
}

/// `POST …/reopen`: an admin unlocks an approved report, a draft again. 403 for a clerk, 409
/// from another status.
pub async fn reopen(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let user = &session.user;
        app.write(|store| store.reopen(user, at.organ, at.year))?;
        moved(&app, user, at)
    })
    .await
}

/// `PUT /api/reports/{organ}/{year}` `{revision, data}`: checks the data as `nianbao check`
/// does and saves it as the next revision, errors and all (a draft may be wrong; its counts
/// are saved with it) → `{revision, diagnostics, totals}`. 409 with both versions when another
/// save came first; 422 when the data is not a report of this organ and year.
pub async fn save(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
    TextBody(body): TextBody,
) -> Result<Response, ApiError> {
    blocking(move || app.save(&session.user, at, &body)).await
}

impl App {
    fn save(&self, user: &User, at: ReportAt, body: &str) -> Result<Response, ApiError> {
        // Who may write comes first: another organ's clerk learns nothing from the answer.
        authorize(user, Need::Write(at.organ))?;
        let request: SaveRequest = serde_json::from_str(body).map_err(|e| {
            ApiError::bad_request(format!(
                "请求的内容应为 {{\"revision\": 版本号, \"data\": 报告数据}}：{e}"
            ))
        })?;
        let organ = self
            .store
            .organ(at.organ)?
            .ok_or(StoreError::NoSuchOrgan(at.organ))?;
        let loaded = self.check_data(user, request.data.get(), Some(at.organ))?;
        let Some(report) = &loaded.report else {
            return Err(ApiError::unprocessable(
                "unreadable-data",
                "报告数据无法读取，没有保存",
                &loaded.diagnostics,
            ));
        };
        if report.organ != organ.name || report.year != at.year {
            let mismatch = Diagnostic::error(
                crate::diag::Rule::Usage,
                format!(
                    "数据是“{}” {} 年的报告，而保存的地址是“{}” {} 年的报告",
                    report.organ, report.year, organ.name, at.year
                ),
            )
            .at(loaded.source.location("organ"))
            .hint("organ 和 year 要与地址中的机关和年度一致");
            return Err(ApiError::unprocessable(
                "report-mismatch",
                "数据的机关或年度与地址不一致，没有保存",
                &[mismatch],
            ));
        }
        let tally = Tally::of(&loaded.diagnostics);
        let counts = Counts {
            errors: tally.errors as u32,
            warnings: tally.warnings as u32,
        };
        // The canonical data file when every value was taken; otherwise the data as sent, so
        // that a value the model refused (text in a count, a field missing) is kept for the
        // clerk to correct rather than replaced by what the model made of it.
        let data = if loaded.source.invalid.is_empty() {
            model::to_json(report)
        } else {
            request.data.get().to_string()
        };
        let saved = self
            .write(|store| store.save(user, at.organ, at.year, request.revision, &data, counts));
        match saved {
            Ok(revision) => {
                #[derive(Serialize)]
                struct Saved<'a> {
                    revision: u32,
                    diagnostics: &'a [Diagnostic],
                    totals: Totals<'a>,
                }
                let saved = Saved {
                    revision,
                    diagnostics: &loaded.diagnostics,
                    totals: Totals::of(report),
                };
                Ok(json(StatusCode::OK, &saved))
            }
            Err(StoreError::Conflict {
                current_revision,
                current_data,
            }) => {
                let current = match &current_data {
                    Some(text) => Some(stored(text)?),
                    None => None,
                };
                let conflict = StoreError::Conflict {
                    current_revision,
                    current_data: None,
                };
                Err(ApiError::from(conflict)
                    .with("current_revision", current_revision)
                    .with("current_data", current)
                    .with("yours", &request.data))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// `GET …/revisions`: every revision, oldest first, without data.
pub async fn revisions(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let revisions = app.store.revisions(&session.user, at.organ, at.year)?;
        if revisions.is_empty() {
            return Err(StoreError::NoSuchReport {
                organ: at.organ,
                year: at.year,
            }
            .into());
        }
        let rows: Vec<RevisionRow> = revisions.iter().map(RevisionRow::of).collect();
        Ok(json(StatusCode::OK, &rows))
    })
    .await
}

/// `GET …/revisions/{n}`: one revision with its data.
pub async fn revision(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: RevisionAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let (organ, year) = (at.report.organ, at.report.year);
        let revision = app.store.revision(&session.user, organ, year, at.n)?;
        Ok(json(StatusCode::OK, &WithData::of(&revision)?))
    })
    .await
}

/// `POST …/revisions/{n}/restore`: revision `n`'s data as a new revision → `{revision}`.
pub async fn restore(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: RevisionAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let (organ, year) = (at.report.organ, at.report.year);
        let revision = app.write(|store| store.restore(&session.user, organ, year, at.n))?;
        #[derive(Serialize)]
        struct Restored {
            revision: u32,
            restored_from: u32,
        }
        let restored = Restored {
            revision,
            restored_from: at.n,
        };
        Ok(json(StatusCode::OK, &restored))
    })
    .await
}

/// `POST /api/check` with report data as the body: `{diagnostics, totals}`, nothing saved.
/// Last year's report is the store's, when the data names an organ this account may read.
pub async fn check(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    TextBody(data): TextBody,
) -> Result<Response, ApiError> {
    blocking(move || {
        let user = &session.user;
        let organ = match model::load(DATA_NAME, &data, Syntax::Json).report {
            Some(report) => app
                .store
                .organ_by_name(&report.organ)?
                .map(|o| o.id)
                .filter(|&id| authorize(user, Need::Read(id)).is_ok()),
            None => None,
        };
        let loaded = app.check_data(user, &data, organ)?;
        #[derive(Serialize)]
        struct Checked<'a> {
            diagnostics: &'a [Diagnostic],
            totals: Option<Totals<'a>>,
        }
        let checked = Checked {
            diagnostics: &loaded.diagnostics,
            totals: loaded.report.as_ref().map(Totals::of),
        };
        Ok(json(StatusCode::OK, &checked))
    })
    .await
}

/// `GET …/next-year`: a draft of the next year's report begun from this one, as `import
/// --next-year` begins it (上年结转 from 结转下年度, the narrative to rewrite) → `{year, data}`;
/// figures not known yet are left out of `data`. 422 when this report has errors.
pub async fn next_year(
    State(app): State<Arc<App>>,
    Extension(session): Extension<Session>,
    at: ReportAt,
) -> Result<Response, ApiError> {
    blocking(move || {
        let revision = app.store.current(&session.user, at.organ, at.year)?.ok_or(
            StoreError::NoSuchReport {
                organ: at.organ,
                year: at.year,
            },
        )?;
        let loaded = model::load(DATA_NAME, &revision.data, Syntax::Json);
        let Some(last) = loaded.report.as_ref().filter(|_| !loaded.has_errors()) else {
            let errors: Vec<Diagnostic> = loaded
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect();
            return Err(ApiError::unprocessable(
                "report-has-errors",
                "这一年的报告有错误，不能据此开始下一年",
                &errors,
            ));
        };
        let draft = Draft::next_year(last).to_toml(&format!("{} 年的报告", at.year));
        let tree = model::tree::parse(&draft, Syntax::Toml)
            .map_err(|e| ApiError::internal(format!("下一年的草稿无法读取：{}", e.message)))?;
        let data = tree.to_json();
        #[derive(Serialize)]
        struct NextYear<'a> {
            year: u16,
            data: &'a RawValue,
        }
        let next = NextYear {
            year: last.year.saturating_add(1),
            data: stored(&data)?,
        };
        Ok(json(StatusCode::OK, &next))
    })
    .await
}

/// The server has no seal files: every `signature.seal` is refused, by the check and by
/// rendering alike.
pub(super) fn refuse_seal(path: &str) -> Result<Vec<u8>, Refusal> {
    Err(seal::not_on_server(path))
}

impl App {
    /// Report data (JSON text) loaded and checked as `nianbao check` checks a data file, with
    /// last year's report of `organ` from the store when it has one (the cross-year rules are
    /// judged only then). The caller has made sure `user` may read `organ`.
    pub(super) fn check_data(
        &self,
        user: &User,
        data: &str,
        organ: Option<OrganId>,
    ) -> Result<Loaded, ApiError> {
        let mut loaded = model::load(DATA_NAME, data, Syntax::Json);
        self.check_loaded(user, &mut loaded, organ)?;
        Ok(loaded)
    }

    /// [`App::check_data`] of a report already loaded (a row of an imported workbook, its
    /// cells as positions).
    pub(super) fn check_loaded(
        &self,
        user: &User,
        loaded: &mut Loaded,
        organ: Option<OrganId>,
    ) -> Result<(), ApiError> {
        let last = match (organ, &loaded.report) {
            (Some(organ), Some(report)) => self.last_year(user, organ, report.year)?,
            _ => None,
        };
        let against = Against {
            template: &self.template,
            previous: last.as_ref().map(|(name, report)| (name.as_str(), report)),
            seal: &refuse_seal,
        };
        check::report(loaded, &against);
        Ok(())
    }

    /// The current revision of an organ's report of the year before `year`, loaded, and its
    /// name for messages (「2023 年第 4 版」).
    fn last_year(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
    ) -> Result<Option<(String, Report)>, ApiError> {
        let Some(before) = year.checked_sub(1) else {
            return Ok(None);
        };
        let Some(revision) = self.store.current(user, organ, before)? else {
            return Ok(None);
        };
        let name = format!("「{before} 年第 {} 版」", revision.info.n);
        let loaded = model::load(&name, &revision.data, Syntax::Json);
        Ok(loaded.report.map(|report| (name, report)))
    }
}
