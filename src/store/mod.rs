//! The filing server's database (issue 17): organs, accounts, sessions, every revision of every
//! report, and the audit log, in one SQLite file. The only module that uses SQL.
//!
//! The server is a thin layer over [`Store`]. Every change is one transaction that writes its
//! audit row too; no report or revision is ever deleted (a restore is a new revision). A save
//! names the revision it was based on and is refused with the current one when another save came
//! first ([`StoreError::Conflict`]), so two clerks never overwrite each other silently. Who may
//! do what is [`authorize`]: every operation on a report calls it with the acting user, and the
//! server calls it for what it serves without the store.
//!
//! A report's status moves only by the review workflow (issue 18): `submit`, `return_report`,
//! `approve`, `reopen`, each checking who asks and the status it starts from in the
//! transaction that moves it; an approved report refuses saves and restores
//! ([`StoreError::Locked`]).
//!
//! A row of an imported workbook is written by [`Store::import`] through the very step every
//! save takes (the next revision, the lock, the audit row), and refused where a save would
//! not be: over a submitted or approved report, and with errors over an existing revision.
//! [`Store::approved`] gives a year's approved reports to export.
//!
//! Connections are pooled: SQLite in WAL mode lets readers work beside the one writer, and a
//! write waits for another (a busy timeout) instead of failing. Times are Unix seconds from a
//! clock the store is given, so tests can move time on.

mod access;
mod accounts;
mod audit;
mod backup;
mod desk;
mod error;
mod reports;
mod rollup;
mod schema;
mod sessions;

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

pub use access::{Actor, Need, authorize};
pub use accounts::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, login_wait};
pub use audit::{Action, AuditEntry};
pub use desk::{Desk, DeskRow, LastChange, Standing, beijing_time, default_deadline};
pub use error::StoreError;
pub use reports::{
    ApprovedReport, Counts, Imported, ReportState, ReportStatus, ReportSummary, Revision,
    RevisionInfo, Transition,
};
pub use rollup::YearReport;
pub use sessions::{NewSession, SESSION_LIFETIME, Session};

/// Seconds since 1970-01-01 UTC.
pub type Timestamp = i64;

/// Where the store reads the time: the system clock, or a test's.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// How long a write waits for another connection's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle connections kept open for the next operation.
const IDLE_CONNECTIONS: usize = 8;

/// An organ (机关): one report a year each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct OrganId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organ {
    pub id: OrganId,
    pub name: String,
    /// The organ it reports to, for a later roll-up of children; none yet sets it but
    /// [`Store::add_organ`].
    pub parent: Option<OrganId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and changes every organ's reports; adds organs and accounts.
    Admin,
    /// Sees and changes their own organ's reports only.
    Clerk,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clerk => "clerk",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        [Role::Admin, Role::Clerk]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// An account, as read from the database at each request (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub role: Role,
    /// A clerk's organ (always set for a clerk); an admin may have none.
    pub organ: Option<OrganId>,
}

/// The database of a filing server, shared by every request (`Store` is `Send + Sync`).
pub struct Store {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    clock: Clock,
}

impl Store {
    /// Opens the database at `path`, creating it (readable by its owner only) and bringing its
    /// tables up to this program's version on first use.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let system: Clock = Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as Timestamp)
        });
        Store::open_with_clock(path, system)
    }

    /// [`Store::open`] with the time read from `clock`.
    pub fn open_with_clock(path: &Path, clock: Clock) -> Result<Store, StoreError> {
        let unusable = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        if path.is_dir() {
            return Err(unusable("这是目录，不是数据库文件".into()));
        }
        let dir = crate::disk::dir_of(path);
        if !dir.is_dir() {
            return Err(unusable(format!("目录 {} 不存在", dir.display())));
        }
        create_private(path).map_err(|e| unusable(crate::disk::io_message(&e)))?;
        let mut first = connect(path)?;
        schema::migrate(&mut first, path)?;
        Ok(Store {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![first]),
            clock,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// A connection for one operation, returned to the pool when dropped.
    fn connection(&self) -> Result<Pooled<'_>, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        Ok(Pooled {
            store: self,
            conn: Some(conn),
        })
    }
}

/// A pooled connection. A transaction left open by an error was rolled back when it was
/// dropped, so what goes back into the pool is clean.
struct Pooled<'a> {
    store: &'a Store,
    conn: Option<Connection>,
}

impl Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let mut idle = self.store.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
    }
}

/// Creates the database file empty and private (it holds password hashes) when it does not
/// exist yet; SQLite takes an empty file as a new database, and its WAL files take the
/// file's permissions.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A connection set up as every operation expects: WAL, foreign keys enforced, writes waiting
/// for each other, and a commit on disk before it is reported done.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    // No SQLITE_OPEN_URI: a file named `file:…` is a file, not options.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let open_error = |e: rusqlite::Error| StoreError::from_open(path, e);
    let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
        .map_err(open_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Open {
            path: path.to_path_buf(),
            message: format!("这个位置不能用 WAL 日志模式（得到 {mode}），网络磁盘上常见"),
        });
    }
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(open_error)?;
    conn.pragma_update(None, "synchronous", "full")
        .map_err(open_error)?;
    Ok(conn)
}

impl ToSql for OrganId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for OrganId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(OrganId)
    }
}

impl ToSql for UserId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for UserId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(UserId)
    }
}

impl ToSql for Role {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.code()))
    }
}

impl FromSql for Role {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let code = value.as_str()?;
        Role::from_code(code).ok_or_else(|| FromSqlError::Other(format!("role {code:?}").into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Store>();
    }
}
