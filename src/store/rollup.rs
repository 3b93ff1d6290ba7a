//! The roll-up's read (issue 18): the current revision of the year's report of each of a set of
//! organs, with what the roll-up needs to decide whether to count it (status, counts), for an
//! admin only. Adding up is [`crate::rollup`]'s; this only reads.

use rusqlite::params;
use serde::Serialize;

use super::{Counts, Need, OrganId, ReportStatus, Store, StoreError, User, authorize};

/// One organ's report of a year as the roll-up reads it; `None`s when the organ has no report
/// of that year (未开始).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearReport {
    pub organ: OrganId,
    pub organ_name: String,
    pub parent: Option<OrganId>,
    pub status: Option<ReportStatus>,
    /// The current revision.
    pub revision: Option<u32>,
    /// What `check` found in the current revision when it was saved.
    pub counts: Counts,
    /// The current revision's data (JSON text, the data file's structure).
    pub data: Option<String>,
}

impl Store {
    /// The current revision of the `year` report of each organ of `organs` that exists (admins
    /// only), by organ name; organs without a report of that year are there with no data.
    pub fn year_reports(
        &self,
        user: &User,
        year: u16,
        organs: &[OrganId],
    ) -> Result<Vec<YearReport>, StoreError> {
        authorize(user, Need::Admin)?;
        // The ids as one JSON array, a single parameter however many there are.
        let ids: Vec<String> = organs.iter().map(|o| o.0.to_string()).collect();
        let ids = format!("[{}]", ids.join(","));
        let conn = self.connection()?;
        let mut statement = conn.prepare(
            "SELECT o.id, o.name, o.parent_id, r.status, r.revision, v.errors, v.warnings, v.data
             FROM organs o
             LEFT JOIN reports r ON r.organ_id = o.id AND r.year = ?2
             LEFT JOIN revisions v
                 ON v.organ_id = r.organ_id AND v.year = r.year AND v.n = r.revision
             WHERE o.id IN (SELECT value FROM json_each(?1))
             ORDER BY o.name",
        )?;
        let rows = statement.query_map(params![ids, year], |row| {
            Ok(YearReport {
                organ: row.get(0)?,
                organ_name: row.get(1)?,
                parent: row.get(2)?,
                status: row.get(3)?,
                revision: row.get(4)?,
                counts: Counts {
                    errors: row.get::<_, Option<u32>>(5)?.unwrap_or(0),
                    warnings: row.get::<_, Option<u32>>(6)?.unwrap_or(0),
                },
                data: row.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
