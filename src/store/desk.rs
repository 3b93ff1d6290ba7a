//! The county desk (issue 18): every organ's report for a year at a glance, with where it
//! stands, who changed it last, and the year's deadline.

use rusqlite::{OptionalExtension as _, TransactionBehavior, params};
use serde::Serialize;

use super::audit::{self, Action, Subject};
use super::{Counts, Need, OrganId, ReportStatus, Store, StoreError, Timestamp, User, authorize};
use crate::model::Date;

/// Seconds east of UTC of China Standard Time: a deadline ends at midnight in Beijing.
const CHINA_OFFSET: i64 = 8 * 3600;

/// Where an organ's report for a year stands, as the desk shows it: the stored status, and the
/// two that are seen rather than stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// 未开始: no revision saved.
    NotStarted,
    /// 草稿 without errors.
    Draft,
    /// 有错误: a draft whose current revision has errors.
    HasErrors,
    Submitted,
    Returned,
    Approved,
}

impl Standing {
    pub const ALL: [Standing; 6] = [
        Standing::NotStarted,
        Standing::Draft,
        Standing::HasErrors,
        Standing::Submitted,
        Standing::Returned,
        Standing::Approved,
    ];

    fn of(report: Option<(ReportStatus, Counts)>) -> Standing {
        match report {
            None => Standing::NotStarted,
            Some((ReportStatus::Draft, counts)) if counts.errors > 0 => Standing::HasErrors,
            Some((ReportStatus::Draft, _)) => Standing::Draft,
            Some((ReportStatus::Submitted, _)) => Standing::Submitted,
            Some((ReportStatus::Returned, _)) => Standing::Returned,
            Some((ReportStatus::Approved, _)) => Standing::Approved,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::NotStarted => "未开始",
            Standing::Draft => "草稿",
            Standing::HasErrors => "有错误",
            Standing::Submitted => "已提交",
            Standing::Returned => "已退回",
            Standing::Approved => "已通过",
        }
    }

    /// Whether the organ has handed the report in: what the deadline asks for.
    pub fn handed_in(self) -> bool {
        matches!(self, Standing::Submitted | Standing::Approved)
    }
}

/// The last change to a report, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastChange {
    pub at: Timestamp,
    /// The login; `None` for the server's console.
    pub user: Option<String>,
    pub action: Action,
}

/// One organ's line on the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskRow {
    pub organ: OrganId,
    pub organ_name: String,
    pub parent: Option<OrganId>,
    pub standing: Standing,
    /// The current revision, when there is one.
    pub revision: Option<u32>,
    pub counts: Counts,
    pub return_comment: Option<String>,
    pub last_change: Option<LastChange>,
    /// Past the deadline and not handed in.
    pub overdue: bool,
}

/// Every organ's report for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Desk {
    pub year: u16,
    /// The last day to hand in (Beijing time), as `YYYY-MM-DD`.
    pub deadline: String,
    /// Whether an admin set the deadline; otherwise it is 31 January of the next year, the date
    /// by which the regulations (条例第五十条) have the report published.
    pub deadline_set: bool,
    /// The years any report exists for, and this one, newest first.
    pub years: Vec<u16>,
    pub rows: Vec<DeskRow>,
}

/// The deadline when none is set: 31 January after the report year.
pub fn default_deadline(year: u16) -> Date {
    Date::new(year + 1, 1, 31).expect("31 January exists")
}

/// A moment as a clock in Beijing shows it: `YYYY-MM-DD HH:MM`.
pub fn beijing_time(at: Timestamp) -> String {
    let local = at + CHINA_OFFSET;
    let date = Date::from_unix_days(local.div_euclid(86_400)).map_or_else(String::new, Date::iso);
    let minutes = local.rem_euclid(86_400) / 60;
    format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
}

/// The first second after `due` ends in Beijing.
fn deadline_passes(due: Date) -> Timestamp {
    (due.to_unix_days() + 1) * 86_400 - CHINA_OFFSET
}

impl Store {
    /// The year the desk opens on: the one whose reports are due now, last year in Beijing.
    pub fn desk_year(&self) -> u16 {
        let today = Date::from_unix_days((self.now() + CHINA_OFFSET).div_euclid(86_400));
        today.map_or(2024, |d| d.year.saturating_sub(1))
    }

    /// Every organ with its report for `year` (admins only), by organ name.
    pub fn desk(&self, user: &User, year: u16) -> Result<Desk, StoreError> {
        authorize(user, Need::Admin)?;
        let conn = self.connection()?;
        let set: Option<String> = conn
            .query_row("SELECT due FROM deadlines WHERE year = ?1", [year], |row| {
                row.get(0)
            })
            .optional()?;
        let due = set
            .as_deref()
            .and_then(Date::parse)
            .unwrap_or_else(|| default_deadline(year));
        let overdue_from = deadline_passes(due);
        let now = self.now();
        let mut statement = conn.prepare(
            "SELECT o.id, o.name, o.parent_id, r.status, r.revision, v.errors, v.warnings,
                    r.return_comment, a.at, u.login, a.action
             FROM organs o
             LEFT JOIN reports r ON r.organ_id = o.id AND r.year = ?1
             LEFT JOIN revisions v
                 ON v.organ_id = r.organ_id AND v.year = r.year AND v.n = r.revision
             LEFT JOIN audit a ON a.id = (
                 SELECT max(id) FROM audit WHERE organ_id = o.id AND year = ?1)
             LEFT JOIN users u ON u.id = a.user_id
             ORDER BY o.name",
        )?;
        let rows = statement.query_map([year], |row| {
            let status: Option<ReportStatus> = row.get(3)?;
            let counts = Counts {
                errors: row.get::<_, Option<u32>>(5)?.unwrap_or(0),
                warnings: row.get::<_, Option<u32>>(6)?.unwrap_or(0),
            };
            let standing = Standing::of(status.map(|s| (s, counts)));
            let at: Option<Timestamp> = row.get(8)?;
            let last_change = match at {
                Some(at) => Some(LastChange {
                    at,
                    user: row.get(9)?,
                    action: row.get(10)?,
                }),
                None => None,
            };
            Ok(DeskRow {
                organ: row.get(0)?,
                organ_name: row.get(1)?,
                parent: row.get(2)?,
                standing,
                revision: row.get(4)?,
                counts,
                return_comment: row.get(7)?,
                last_change,
                overdue: now >= overdue_from && !standing.handed_in(),
            })
        })?;
        let rows = rows.collect::<Result<Vec<_>, _>>()?;
        let mut years: Vec<u16> = conn
            .prepare("SELECT DISTINCT year FROM reports")?
            .query_map([], |row| row.get::<_, u16>(0))?
            .collect::<Result<_, _>>()?;
        years.push(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        Ok(Desk {
            year,
            deadline: due.iso(),
            deadline_set: set.is_some(),
            years,
            rows,
        })
    }

    /// Sets the last day to hand in the reports of `year` (admins only; audited).
    pub fn set_deadline(&self, user: &User, year: u16, due: Date) -> Result<(), StoreError> {
        authorize(user, Need::Admin)?;
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO deadlines (year, due) VALUES (?1, ?2)
             ON CONFLICT (year) DO UPDATE SET due = excluded.due",
            params![year, due.iso()],
        )?;
        let subject = Subject {
            year: Some(year),
            ..Subject::default()
        };
        let detail = format!("{year} 年度报告的提交期限：{}", due.iso());
        audit::record(
            &tx,
            self.now(),
            Some(user.id),
            Action::SetDeadline,
            subject,
            &detail,
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_ends_at_midnight_in_beijing() {
        let due = Date::new(2025, 1, 31).unwrap();
        // 2025-01-31T16:00:00Z is 2025-02-01 00:00 in Beijing.
        assert_eq!(deadline_passes(due), 1_738_339_200);
        assert_eq!(default_deadline(2024), due);
        assert_eq!(beijing_time(1_738_339_200 - 60), "2025-01-31 23:59");
        assert_eq!(beijing_time(1_738_339_200), "2025-02-01 00:00");
    }

    #[test]
    fn a_draft_with_errors_is_seen_as_having_errors_and_only_handed_in_reports_meet_the_deadline() {
        let errors = Counts {
            errors: 2,
            warnings: 0,
        };
        assert_eq!(
            Standing::of(Some((ReportStatus::Draft, errors))),
            Standing::HasErrors
        );
        assert_eq!(
            Standing::of(Some((ReportStatus::Returned, errors))),
            Standing::Returned
        );
        assert_eq!(Standing::of(None), Standing::NotStarted);
        let handed: Vec<_> = Standing::ALL.iter().filter(|s| s.handed_in()).collect();
        assert_eq!(handed, [&Standing::Submitted, &Standing::Approved]);
    }
}
