//! Reports and their revisions. A report is an organ's year; each save adds a revision and
//! none is ever changed or deleted. A save names the revision it was based on: if another save
//! came first, it is refused with what that save wrote, and writes nothing.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};
use serde::Serialize;

use super::audit::{self, Action, Subject};
use super::{Need, OrganId, Store, StoreError, Timestamp, User, authorize};

/// How many errors and warnings `check` found in a revision's data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: u32,
    pub warnings: u32,
}

/// Where a report stands (issue 18). 未开始 is no report at all, and 有错误 a draft whose current
/// revision has errors: both are seen, not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// Being filled in (every new report, a submitted one saved again, a reopened one).
    Draft,
    /// Handed in by its organ, waiting for the admin.
    Submitted,
    /// Sent back by the admin with a comment; the organ corrects it and submits it again.
    Returned,
    /// Approved by the admin: locked until an admin reopens it.
    Approved,
}

impl ReportStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Approved => "approved",
        }
    }

    /// Its name in Chinese, as the pages and messages say it.
    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Draft => "草稿",
            ReportStatus::Submitted => "已提交",
            ReportStatus::Returned => "已退回",
            ReportStatus::Approved => "已通过",
        }
    }

    fn from_code(code: &str) -> Option<ReportStatus> {
        use ReportStatus::*;
        [Draft, Submitted, Returned, Approved]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A change of a report's status, each a [`Store`] function of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    /// A clerk of the organ (or an admin) hands in a draft or a returned report.
    Submit,
    /// An admin sends a submitted report back, with a comment.
    Return,
    /// An admin approves a submitted report, which locks it.
    Approve,
    /// An admin unlocks an approved report: a draft again.
    Reopen,
}

impl Transition {
    /// The statuses it may start from, and where it leads.
    fn rule(self) -> (&'static [ReportStatus], ReportStatus) {
        use ReportStatus::*;
        match self {
            Transition::Submit => (&[Draft, Returned], Submitted),
            Transition::Return => (&[Submitted], Returned),
            Transition::Approve => (&[Submitted], Approved),
            Transition::Reopen => (&[Approved], Draft),
        }
    }

    /// The status it leads to.
    pub fn to(self) -> ReportStatus {
        self.rule().1
    }

    fn action(self) -> Action {
        match self {
            Transition::Submit => Action::Submit,
            Transition::Return => Action::Return,
            Transition::Approve => Action::Approve,
            Transition::Reopen => Action::Reopen,
        }
    }
}

/// A report's status and the comment of its latest return (kept after it is submitted again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportState {
    pub status: ReportStatus,
    pub return_comment: Option<String>,
}

/// A report as listed: its organ, year, status and current revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSummary {
    pub organ: OrganId,
    pub organ_name: String,
    pub year: u16,
    pub status: ReportStatus,
    /// The comment of the latest return, if it was ever returned.
    pub return_comment: Option<String>,
    pub revision: RevisionInfo,
}

/// A revision without its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionInfo {
    pub n: u32,
    /// The login of who saved it.
    pub author: Option<String>,
    pub saved: Timestamp,
    pub counts: Counts,
    /// The revision whose data this one brought back, when it is a restore.
    pub restored_from: Option<u32>,
}

/// What [`Store::import`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub revision: u32,
    /// Whether the row began the report (its first revision).
    pub created: bool,
}

/// An approved report with its current revision ([`Store::approved`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedReport {
    pub organ: OrganId,
    pub organ_name: String,
    pub revision: Revision,
}

/// A revision and its data (JSON text, the data file's structure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    #[serde(flatten)]
    pub info: RevisionInfo,
    pub data: String,
}

/// The columns of a [`RevisionInfo`], for `v` (revisions) joined with `u` (users).
const INFO_COLUMNS: &str = "v.n, u.login, v.created, v.errors, v.warnings, v.restored_from";

fn info_row(row: &rusqlite::Row, first: usize) -> rusqlite::Result<RevisionInfo> {
    Ok(RevisionInfo {
        n: row.get(first)?,
        author: row.get(first + 1)?,
        saved: row.get(first + 2)?,
        counts: Counts {
            errors: row.get(first + 3)?,
            warnings: row.get(first + 4)?,
        },
        restored_from: row.get(first + 5)?,
    })
}

impl Store {
    /// The reports `user` may see (an admin every organ's, a clerk their organ's), by organ
    /// name and year.
    pub fn reports(&self, user: &User) -> Result<Vec<ReportSummary>, StoreError> {
        // A clerk's own organ; NULL (every organ) for an admin.
        let only: Option<OrganId> = match authorize(user, Need::Admin) {
            Ok(()) => None,
            Err(_) => Some(user.organ.ok_or(StoreError::Forbidden)?),
        };
        let conn = self.connection()?;
        let sql = format!(
            "SELECT r.organ_id, o.name, r.year, r.status, r.return_comment, {INFO_COLUMNS}
             FROM reports r
             JOIN organs o ON o.id = r.organ_id
             JOIN revisions v ON v.organ_id = r.organ_id AND v.year = r.year AND v.n = r.revision
             LEFT JOIN users u ON u.id = v.author_id
             WHERE ?1 IS NULL OR r.organ_id = ?1
             ORDER BY o.name, r.year"
        );
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map([only], |row| {
            Ok(ReportSummary {
                organ: row.get(0)?,
                organ_name: row.get(1)?,
                year: row.get(2)?,
                status: row.get(3)?,
                return_comment: row.get(4)?,
                revision: info_row(row, 5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The current revision of an organ's report for `year`; `None` when it has none yet.
    pub fn current(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
    ) -> Result<Option<Revision>, StoreError> {
        authorize(user, Need::Read(organ))?;
        let conn = self.connection()?;
        let Some(n) = current_n(&conn, organ, year)? else {
            return Ok(None);
        };
        revision_in(&conn, organ, year, n).map(Some)
    }

    /// A report's status and latest return comment; `None` when there is no report (未开始).
    pub fn state(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
    ) -> Result<Option<ReportState>, StoreError> {
        authorize(user, Need::Read(organ))?;
        let conn = self.connection()?;
        state_in(&conn, organ, year)
    }

    /// Every revision of a report, oldest first, without their data; empty when there is no
    /// report.
    pub fn revisions(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
    ) -> Result<Vec<RevisionInfo>, StoreError> {
        authorize(user, Need::Read(organ))?;
        let conn = self.connection()?;
        let sql = format!(
            "SELECT {INFO_COLUMNS} FROM revisions v LEFT JOIN users u ON u.id = v.author_id
             WHERE v.organ_id = ?1 AND v.year = ?2 ORDER BY v.n"
        );
        let mut statement = conn.prepare(&sql)?;
        let rows = statement.query_map(params![organ, year], |row| info_row(row, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revision `n` of a report, with its data.
    pub fn revision(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        n: u32,
    ) -> Result<Revision, StoreError> {
        authorize(user, Need::Read(organ))?;
        let conn = self.connection()?;
        revision_in(&conn, organ, year, n)
    }

    /// Saves `data` (JSON text) as the next revision of an organ's report for `year`, with the
    /// counts `check` gave for it. `base` is the revision the edit started from, 0 for a new
    /// report. Returns the new revision's number, or [`StoreError::Conflict`] with the current
    /// revision and its data when `base` is not the current one; then nothing is written.
    pub fn save(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        base: u32,
        data: &str,
        counts: Counts,
    ) -> Result<u32, StoreError> {
        authorize(user, Need::Write(organ))?;
        check_data(data)?;
        let now = self.now();
        let mut conn = self.connection()?;
        // IMMEDIATE: the write lock before reading the current revision, so no other save can
        // come between the check and the write.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = (organ, year);
        let detail = format!("errors={} warnings={}", counts.errors, counts.warnings);
        let n = next_revision(
            &tx,
            user,
            now,
            at,
            base,
            (data, counts),
            Action::Save,
            detail,
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Saves a row of an imported workbook (admins only) as the next revision of an organ's
    /// report, on whatever revision is current, by the rules of [`Store::save`] (an approved
    /// report is locked) and two of its own: a submitted or approved report is left alone
    /// ([`StoreError::NotImportable`]: an import never withdraws a report its organ handed in),
    /// and data with errors never replaces an existing revision ([`StoreError::ImportHasErrors`]);
    /// it may begin a report, as a draft to correct in the form. `from` (the row, as
    /// `县汇总.xlsx「报告数据」第5行`) goes into the audit row.
    pub fn import(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        data: &str,
        counts: Counts,
        from: &str,
    ) -> Result<Imported, StoreError> {
        authorize(user, Need::Admin)?;
        check_data(data)?;
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = current_n(&tx, organ, year)?;
        if let Some(current) = current {
            let status = state_in(&tx, organ, year)?.map(|s| s.status);
            if let Some(status @ (ReportStatus::Submitted | ReportStatus::Approved)) = status {
                return Err(StoreError::NotImportable { status });
            }
            if counts.errors > 0 {
                return Err(StoreError::ImportHasErrors {
                    current,
                    errors: counts.errors,
                });
            }
        }
        let detail = format!(
            "errors={} warnings={} from={from}",
            counts.errors, counts.warnings
        );
        let base = current.unwrap_or(0);
        let at = (organ, year);
        let n = next_revision(
            &tx,
            user,
            now,
            at,
            base,
            (data, counts),
            Action::Import,
            detail,
        )?;
        tx.commit()?;
        Ok(Imported {
            revision: n,
            created: current.is_none(),
        })
    }

    /// Every approved report of `year` (admins only), by organ name, with its current
    /// revision: what an export of the year holds.
    pub fn approved(&self, user: &User, year: u16) -> Result<Vec<ApprovedReport>, StoreError> {
        authorize(user, Need::Admin)?;
        let conn = self.connection()?;
        let mut statement = conn.prepare(
            "SELECT r.organ_id, o.name, r.revision FROM reports r
             JOIN organs o ON o.id = r.organ_id
             WHERE r.year = ?1 AND r.status = ?2
             ORDER BY o.name",
        )?;
        let rows = statement.query_map(params![year, ReportStatus::Approved], |row| {
            Ok((
                row.get::<_, OrganId>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, u32>(2)?,
            ))
        })?;
        let found: Vec<(OrganId, String, u32)> = rows.collect::<Result<_, _>>()?;
        found
            .into_iter()
            .map(|(organ, organ_name, n)| {
                Ok(ApprovedReport {
                    organ,
                    organ_name,
                    revision: revision_in(&conn, organ, year, n)?,
                })
            })
            .collect()
    }

    /// Brings back revision `n`: a new revision with its data and counts (nothing is deleted).
    /// Returns the new revision's number.
    pub fn restore(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        n: u32,
    ) -> Result<u32, StoreError> {
        authorize(user, Need::Write(organ))?;
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current =
            current_n(&tx, organ, year)?.ok_or(StoreError::NoSuchReport { organ, year })?;
        let withdrawn = unlocked(&tx, organ, year)?;
        let old = revision_in(&tx, organ, year, n)?;
        let next = current + 1;
        let written = NewRevision {
            organ,
            year,
            n: next,
            data: &old.data,
            counts: old.info.counts,
            restored_from: Some(n),
        };
        written.insert(&tx, user, now)?;
        let subject = Subject {
            organ: Some(organ),
            year: Some(year),
            revision: Some(next),
        };
        let mut detail = format!("from={n}");
        if withdrawn {
            detail.push_str(" withdrawn");
        }
        audit::record(&tx, now, Some(user.id), Action::Restore, subject, &detail)?;
        tx.commit()?;
        Ok(next)
    }

    /// Hands in a report (a clerk of its organ, or an admin), from 草稿 or 已退回. Refused when
    /// its current revision has errors, or has warnings and `acknowledge_warnings` is not given;
    /// the acknowledgement is kept in the audit row.
    pub fn submit(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        acknowledge_warnings: bool,
    ) -> Result<(), StoreError> {
        authorize(user, Need::Write(organ))?;
        self.transition(user, organ, year, Transition::Submit, |counts| {
            if counts.errors > 0 {
                return Err(StoreError::HasErrors {
                    errors: counts.errors,
                });
            }
            if counts.warnings > 0 && !acknowledge_warnings {
                return Err(StoreError::WarningsNotAcknowledged {
                    warnings: counts.warnings,
                });
            }
            Ok(if counts.warnings > 0 {
                format!("warnings={} acknowledged", counts.warnings)
            } else {
                "warnings=0".to_string()
            })
        })
    }

    /// Sends a submitted report back to its organ with `comment` (admins only), which is kept
    /// with the report and in the audit row.
    pub fn return_report(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        comment: &str,
    ) -> Result<(), StoreError> {
        authorize(user, Need::Admin)?;
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(StoreError::CommentMissing);
        }
        self.transition(user, organ, year, Transition::Return, |_| {
            Ok(comment.to_string())
        })
    }

    /// Approves a submitted report (admins only): it is locked until reopened.
    pub fn approve(&self, user: &User, organ: OrganId, year: u16) -> Result<(), StoreError> {
        authorize(user, Need::Admin)?;
        self.transition(
            user,
            organ,
            year,
            Transition::Approve,
            |_| Ok(String::new()),
        )
    }

    /// Unlocks an approved report (admins only): a draft again.
    pub fn reopen(&self, user: &User, organ: OrganId, year: u16) -> Result<(), StoreError> {
        authorize(user, Need::Admin)?;
        self.transition(user, organ, year, Transition::Reopen, |_| Ok(String::new()))
    }

    /// Moves a report along `transition` when its status allows, in one transaction with the
    /// audit row whose detail `detail` gives from the current revision's counts (or refuses).
    /// The caller has authorized the user.
    fn transition(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        transition: Transition,
        detail: impl FnOnce(Counts) -> Result<String, StoreError>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (status, revision, counts) = tx
            .query_row(
                "SELECT r.status, r.revision, v.errors, v.warnings
                 FROM reports r
                 JOIN revisions v ON v.organ_id = r.organ_id AND v.year = r.year AND v.n = r.revision
                 WHERE r.organ_id = ?1 AND r.year = ?2",
                params![organ, year],
                |row| {
                    let counts = Counts {
                        errors: row.get(2)?,
                        warnings: row.get(3)?,
                    };
                    Ok((row.get::<_, ReportStatus>(0)?, row.get::<_, u32>(1)?, counts))
                },
            )
            .optional()?
            .ok_or(StoreError::NoSuchReport { organ, year })?;
        let (from, to) = transition.rule();
        if !from.contains(&status) {
            return Err(StoreError::WrongStatus { status, wanted: to });
        }
        let detail = detail(counts)?;
        if transition == Transition::Return {
            tx.execute(
                "UPDATE reports SET status = ?3, return_comment = ?4
                 WHERE organ_id = ?1 AND year = ?2",
                params![organ, year, to, detail],
            )?;
        } else {
            tx.execute(
                "UPDATE reports SET status = ?3 WHERE organ_id = ?1 AND year = ?2",
                params![organ, year, to],
            )?;
        }
        let subject = Subject {
            organ: Some(organ),
            year: Some(year),
            revision: Some(revision),
        };
        audit::record(
            &tx,
            now,
            Some(user.id),
            transition.action(),
            subject,
            &detail,
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Writes `data` as the next revision of a report on revision `base` (0: a new report), within
/// the caller's transaction, with its audit row (`detail`, plus ` withdrawn` when a submitted
/// report became a draft again): the rules every save follows, whoever saves. An approved
/// report is [`StoreError::Locked`]; a `base` that is not the current revision is a
/// [`StoreError::Conflict`] with the current one, and nothing is written.
#[allow(clippy::too_many_arguments)]
fn next_revision(
    tx: &Connection,
    user: &User,
    now: Timestamp,
    (organ, year): (OrganId, u16),
    base: u32,
    (data, counts): (&str, Counts),
    action: Action,
    mut detail: String,
) -> Result<u32, StoreError> {
    let current = current_n(tx, organ, year)?;
    let withdrawn = match current {
        Some(_) => unlocked(tx, organ, year)?,
        None => false,
    };
    if current.unwrap_or(0) != base {
        let current_data = match current {
            Some(n) => Some(revision_in(tx, organ, year, n)?.data),
            None => None,
        };
        return Err(StoreError::Conflict {
            current_revision: current.unwrap_or(0),
            current_data,
        });
    }
    let n = base + 1;
    let written = NewRevision {
        organ,
        year,
        n,
        data,
        counts,
        restored_from: None,
    };
    written.insert(tx, user, now)?;
    let subject = Subject {
        organ: Some(organ),
        year: Some(year),
        revision: Some(n),
    };
    if withdrawn {
        detail.push_str(" withdrawn");
    }
    audit::record(tx, now, Some(user.id), action, subject, &detail)?;
    Ok(n)
}

/// Before a new revision of an existing report, within the caller's transaction: refuses an
/// approved report ([`StoreError::Locked`]); a submitted one is withdrawn, a draft again
/// (`true`). A returned report stays returned until it is submitted again.
fn unlocked(tx: &Connection, organ: OrganId, year: u16) -> Result<bool, StoreError> {
    let status = state_in(tx, organ, year)?.map(|s| s.status);
    match status {
        Some(ReportStatus::Approved) => Err(StoreError::Locked),
        Some(ReportStatus::Submitted) => {
            tx.execute(
                "UPDATE reports SET status = ?3 WHERE organ_id = ?1 AND year = ?2",
                params![organ, year, ReportStatus::Draft],
            )?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn state_in(
    conn: &Connection,
    organ: OrganId,
    year: u16,
) -> Result<Option<ReportState>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT status, return_comment FROM reports WHERE organ_id = ?1 AND year = ?2",
            params![organ, year],
            |row| {
                Ok(ReportState {
                    status: row.get(0)?,
                    return_comment: row.get(1)?,
                })
            },
        )
        .optional()?)
}

/// A revision about to be written.
struct NewRevision<'a> {
    organ: OrganId,
    year: u16,
    n: u32,
    data: &'a str,
    counts: Counts,
    restored_from: Option<u32>,
}

impl NewRevision<'_> {
    /// Writes the revision and makes it the report's current one (creating the report, as a
    /// draft, with its first revision), within the caller's transaction.
    fn insert(&self, tx: &Connection, author: &User, now: Timestamp) -> Result<(), StoreError> {
        if self.n == 1 {
            super::accounts::organ_exists(tx, self.organ)?;
            tx.execute(
                "INSERT INTO reports (organ_id, year, revision, status) VALUES (?1, ?2, 1, ?3)",
                params![self.organ, self.year, ReportStatus::Draft],
            )?;
        } else {
            tx.execute(
                "UPDATE reports SET revision = ?3 WHERE organ_id = ?1 AND year = ?2",
                params![self.organ, self.year, self.n],
            )?;
        }
        tx.execute(
            "INSERT INTO revisions
                 (organ_id, year, n, data, author_id, created, errors, warnings, restored_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                self.organ,
                self.year,
                self.n,
                self.data,
                author.id,
                now,
                self.counts.errors,
                self.counts.warnings,
                self.restored_from
            ],
        )?;
        Ok(())
    }
}

fn current_n(conn: &Connection, organ: OrganId, year: u16) -> Result<Option<u32>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT revision FROM reports WHERE organ_id = ?1 AND year = ?2",
            params![organ, year],
            |row| row.get(0),
        )
        .optional()?)
}

fn revision_in(
    conn: &Connection,
    organ: OrganId,
    year: u16,
    n: u32,
) -> Result<Revision, StoreError> {
    let sql = format!(
        "SELECT {INFO_COLUMNS}, v.data FROM revisions v LEFT JOIN users u ON u.id = v.author_id
         WHERE v.organ_id = ?1 AND v.year = ?2 AND v.n = ?3"
    );
    conn.query_row(&sql, params![organ, year, n], |row| {
        Ok(Revision {
            info: info_row(row, 0)?,
            data: row.get(6)?,
        })
    })
    .optional()?
    .ok_or(StoreError::NoSuchRevision { organ, year, n })
}

/// Data the store accepts: JSON, no larger than a data file may be.
fn check_data(data: &str) -> Result<(), StoreError> {
    if data.len() as u64 > crate::limits::DATA_FILE_BYTES {
        return Err(StoreError::DataTooLarge { bytes: data.len() });
    }
    serde_json::from_str::<serde::de::IgnoredAny>(data)
        .map(|_| ())
        .map_err(|e| StoreError::BadData(e.to_string()))
}

impl ToSql for ReportStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.code()))
    }
}

impl FromSql for ReportStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let code = value.as_str()?;
        ReportStatus::from_code(code)
            .ok_or_else(|| FromSqlError::Other(format!("status {code:?}").into()))
    }
}
