//! The tables, and bringing a database file up to this program's version of them.
//!
//! The version is SQLite's `user_version`; each entry of [`MIGRATIONS`] takes a database from
//! its index to the next and runs in a transaction of its own, so a step that fails leaves the
//! file at the version before it. `application_id` marks the file as nianbao's, so another
//! program's SQLite file is refused rather than given our tables.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// "nbdb": the `application_id` of nianbao's databases.
const APPLICATION_ID: i32 = 0x6e62_6462;

/// The schema steps, in order. Never edit a step that has shipped: add the next one.
const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// Times are Unix seconds (UTC). Reports and revisions are never deleted; sessions and login
/// failures are, when they expire.
const V1: &str = "
CREATE TABLE organs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- The organ it reports to (a later roll-up of children).
    parent_id INTEGER REFERENCES organs (id),
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clerk')),
    organ_id INTEGER REFERENCES organs (id),
    -- Argon2id, as a PHC string.
    password_hash TEXT NOT NULL,
    created INTEGER NOT NULL,
    CHECK (role = 'admin' OR organ_id IS NOT NULL)
) STRICT;

-- A session is found by the SHA-256 of its token; the token itself is never stored.
CREATE TABLE sessions (
    token_sha256 BLOB PRIMARY KEY CHECK (length(token_sha256) = 32),
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires);

-- Consecutive failed logins by the login name given (names of no account too, so that a
-- refusal does not tell whether an account exists).
CREATE TABLE login_failures (
    login TEXT PRIMARY KEY COLLATE NOCASE,
    failures INTEGER NOT NULL,
    last INTEGER NOT NULL
) STRICT;

CREATE TABLE reports (
    organ_id INTEGER NOT NULL REFERENCES organs (id),
    year INTEGER NOT NULL,
    -- The current revision: the highest n of its revisions.
    revision INTEGER NOT NULL CHECK (revision >= 1),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    PRIMARY KEY (organ_id, year)
) STRICT;

CREATE TABLE revisions (
    organ_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    n INTEGER NOT NULL CHECK (n >= 1),
    -- The data file's structure as JSON (model::to_json).
    data TEXT NOT NULL CHECK (json_valid(data)),
    author_id INTEGER REFERENCES users (id),
    created INTEGER NOT NULL,
    errors INTEGER NOT NULL CHECK (errors >= 0),
    warnings INTEGER NOT NULL CHECK (warnings >= 0),
    -- The revision whose data this one restored.
    restored_from INTEGER,
    PRIMARY KEY (organ_id, year, n),
    FOREIGN KEY (organ_id, year) REFERENCES reports (organ_id, year)
) STRICT;

-- Who changed what, written in the transaction of the change. user_id is NULL for the
-- server's console (nianbao admin).
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    organ_id INTEGER REFERENCES organs (id),
    year INTEGER,
    revision INTEGER,
    detail TEXT NOT NULL
) STRICT;
";

/// The review workflow (issue 18): a report may also be returned (with the admin's comment, the
/// latest kept) or approved. SQLite cannot change a CHECK, so the status column is made anew:
/// added with the wider CHECK, filled from the old one, the old one dropped (its CHECK is its
/// own, so it may be) and the new one given its name.
const V2: &str = "
ALTER TABLE reports ADD COLUMN state TEXT NOT NULL DEFAULT 'draft'
    CHECK (state IN ('draft', 'submitted', 'returned', 'approved'));
UPDATE reports SET state = status;
ALTER TABLE reports DROP COLUMN status;
ALTER TABLE reports RENAME COLUMN state TO status;
-- The comment of the latest return, kept after the report is submitted again.
ALTER TABLE reports ADD COLUMN return_comment TEXT;
";

/// The county desk (issue 18): each year's deadline, when an admin set one (otherwise 31 January
/// of the next year), and the audit rows of a report found without reading the whole log.
const V3: &str = "
CREATE TABLE deadlines (
    year INTEGER PRIMARY KEY,
    -- The last day, YYYY-MM-DD, Beijing time.
    due TEXT NOT NULL CHECK (date(due) IS due)
) STRICT;
CREATE INDEX audit_by_report ON audit (organ_id, year, id);
";

/// Brings the database up to [`MIGRATIONS`].
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    migrate_with(conn, path, MIGRATIONS)
}

/// Applies the steps the database lacks, one transaction each. Each transaction begins by
/// taking the write lock and reading the version again, so two programs opening a new file at
/// once apply each step once.
fn migrate_with(conn: &mut Connection, path: &Path, steps: &[&str]) -> Result<(), StoreError> {
    let known = steps.len() as i64;
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_open(path, e))?;
        let application: i32 = tx.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        let empty = application == 0 && version == 0 && objects == 0;
        if !empty && application != APPLICATION_ID {
            return Err(StoreError::NotNianbao {
                path: path.to_path_buf(),
            });
        }
        if version > known {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                version,
                known,
            });
        }
        let Some(step) = usize::try_from(version).ok().and_then(|v| steps.get(v)) else {
            return Ok(());
        };
        tx.execute_batch(step)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn each_step_is_applied_once_in_order_and_a_failing_one_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("steps.db");
        let mut conn = Connection::open(&path).unwrap();
        let one = "CREATE TABLE a (x INTEGER) STRICT;";
        let two = "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO b VALUES (1);";
        migrate_with(&mut conn, &path, &[one]).unwrap();
        assert_eq!(version(&conn), 1);
        // Opened again by a program that knows one more step: only that one runs.
        migrate_with(&mut conn, &path, &[one, two]).unwrap();
        migrate_with(&mut conn, &path, &[one, two]).unwrap();
        assert_eq!(version(&conn), 2);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM b", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        // A third step that fails half-way: its first statement is rolled back with it.
        let three = "CREATE TABLE c (z INTEGER) STRICT; INSERT INTO nowhere VALUES (1);";
        let failed = migrate_with(&mut conn, &path, &[one, two, three]).unwrap_err();
        assert_eq!(failed.key(), "database", "{failed}");
        assert_eq!(version(&conn), 2);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'c'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
        // An older program refuses the newer file instead of using tables it does not know.
        let newer = migrate_with(&mut conn, &path, &[one]).unwrap_err();
        assert_eq!(
            newer,
            StoreError::TooNew {
                path: path.clone(),
                version: 2,
                known: 1
            }
        );
    }

    #[test]
    fn a_version_1_database_keeps_its_reports_statuses_and_takes_the_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        migrate_with(&mut conn, &path, &[V1]).unwrap();
        conn.execute_batch(
            "INSERT INTO organs (id, name, created) VALUES (1, '甲镇', 0), (2, '乙乡', 0);
             INSERT INTO reports VALUES (1, 2024, 1, 'submitted'), (2, 2024, 1, 'draft');
             INSERT INTO revisions VALUES (1, 2024, 1, '{}', NULL, 0, 0, 0, NULL),
                                          (2, 2024, 1, '{}', NULL, 0, 0, 0, NULL);",
        )
        .unwrap();
        migrate(&mut conn, &path).unwrap();
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
        let statuses = |conn: &Connection| -> Vec<(String, Option<String>)> {
            let mut statement = conn
                .prepare("SELECT status, return_comment FROM reports ORDER BY organ_id")
                .unwrap();
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)));
            rows.unwrap().map(Result::unwrap).collect()
        };
        assert_eq!(
            statuses(&conn),
            [("submitted".to_string(), None), ("draft".to_string(), None)]
        );
        conn.execute(
            "UPDATE reports SET status = 'approved', return_comment = '好' WHERE organ_id = 1",
            [],
        )
        .unwrap();
        let bad = conn.execute("UPDATE reports SET status = 'lost' WHERE organ_id = 2", []);
        assert!(bad.is_err(), "the CHECK still holds");
        assert_eq!(statuses(&conn)[0], ("approved".into(), Some("好".into())));
        let violations: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(violations, 0);
    }

    #[test]
    fn another_program_s_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE theirs (x INTEGER);")
            .unwrap();
        let refused = migrate(&mut conn, &path).unwrap_err();
        assert_eq!(refused.key(), "not-a-nianbao-database", "{refused}");
    }
}
