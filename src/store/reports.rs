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

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// Being filled in (every new report).
    Draft,
    /// Handed in by its organ.
    Submitted,
}

impl ReportStatus {
    pub fn code(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
        }
    }
}

/// A report as listed: its organ, year, status and current revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSummary {
    pub organ: OrganId,
    pub organ_name: String,
    pub year: u16,
    pub status: ReportStatus,
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
            "SELECT r.organ_id, o.name, r.year, r.status, {INFO_COLUMNS}
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
                revision: info_row(row, 4)?,
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
        let current = current_n(&tx, organ, year)?;
        if current.unwrap_or(0) != base {
            let current_data = match current {
                Some(n) => Some(revision_in(&tx, organ, year, n)?.data),
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
        written.insert(&tx, user, now)?;
        let subject = Subject {
            organ: Some(organ),
            year: Some(year),
            revision: Some(n),
        };
        let detail = format!("errors={} warnings={}", counts.errors, counts.warnings);
        audit::record(&tx, now, Some(user.id), Action::Save, subject, &detail)?;
        tx.commit()?;
        Ok(n)
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
        let detail = format!("from={n}");
        audit::record(&tx, now, Some(user.id), Action::Restore, subject, &detail)?;
        tx.commit()?;
        Ok(next)
    }

    /// Sets a report's status (a clerk hands in, an admin sends back).
    pub fn set_status(
        &self,
        user: &User,
        organ: OrganId,
        year: u16,
        status: ReportStatus,
    ) -> Result<(), StoreError> {
        authorize(user, Need::Write(organ))?;
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let revision: u32 = tx
            .query_row(
                "UPDATE reports SET status = ?3 WHERE organ_id = ?1 AND year = ?2
                 RETURNING revision",
                params![organ, year, status],
                |row| row.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchReport { organ, year })?;
        let subject = Subject {
            organ: Some(organ),
            year: Some(year),
            revision: Some(revision),
        };
        audit::record(
            &tx,
            now,
            Some(user.id),
            Action::SetStatus,
            subject,
            status.code(),
        )?;
        tx.commit()?;
        Ok(())
    }
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
        match value.as_str()? {
            "draft" => Ok(ReportStatus::Draft),
            "submitted" => Ok(ReportStatus::Submitted),
            other => Err(FromSqlError::Other(format!("status {other:?}").into())),
        }
    }
}
