//! The audit log: who changed what, when. Each row is written by the transaction of the change
//! it records, so the log never tells of a change that did not happen, nor misses one that did.

use rusqlite::Connection;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;

use super::{Need, OrganId, Store, StoreError, Timestamp, User, UserId, authorize};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    AddOrgan,
    AddUser,
    Login,
    Logout,
    Save,
    Restore,
    /// A status set directly, before the review workflow (read in older logs only).
    SetStatus,
    Submit,
    Return,
    Approve,
    Reopen,
    SetDeadline,
    /// A revision saved from a row of an imported workbook (its detail names the row).
    Import,
}

impl Action {
    const ALL: [Action; 13] = [
        Action::AddOrgan,
        Action::AddUser,
        Action::Login,
        Action::Logout,
        Action::Save,
        Action::Restore,
        Action::SetStatus,
        Action::Submit,
        Action::Return,
        Action::Approve,
        Action::Reopen,
        Action::SetDeadline,
        Action::Import,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::AddOrgan => "add-organ",
            Action::AddUser => "add-user",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::Save => "save",
            Action::Restore => "restore",
            Action::SetStatus => "set-status",
            Action::Submit => "submit",
            Action::Return => "return",
            Action::Approve => "approve",
            Action::Reopen => "reopen",
            Action::SetDeadline => "set-deadline",
            Action::Import => "import",
        }
    }

    /// What was done, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Action::AddOrgan => "添加机关",
            Action::AddUser => "添加账号",
            Action::Login => "登录",
            Action::Logout => "退出",
            Action::Save => "保存",
            Action::Restore => "恢复旧版本",
            Action::SetStatus => "设置状态",
            Action::Submit => "提交",
            Action::Return => "退回",
            Action::Approve => "通过",
            Action::Reopen => "重新打开",
            Action::SetDeadline => "设置提交期限",
            Action::Import => "导入",
        }
    }

    fn from_code(code: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    /// The user's login; `None` for the server's console (`nianbao admin`).
    pub user: Option<String>,
    pub action: Action,
    pub organ: Option<OrganId>,
    pub year: Option<u16>,
    pub revision: Option<u32>,
    pub detail: String,
}

/// What a change touched, for its audit row.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Subject {
    pub organ: Option<OrganId>,
    pub year: Option<u16>,
    pub revision: Option<u32>,
}

/// Writes an audit row with `conn`, which must be the transaction of the change.
pub(super) fn record(
    conn: &Connection,
    at: Timestamp,
    user: Option<UserId>,
    action: Action,
    subject: Subject,
    detail: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (at, user_id, action, organ_id, year, revision, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            at,
            user,
            action,
            subject.organ,
            subject.year,
            subject.revision,
            detail
        ],
    )?;
    Ok(())
}

impl Store {
    /// The audit log, oldest first, from entry `after` on (0 for all); admins only.
    pub fn audit_log(&self, user: &User, after: i64) -> Result<Vec<AuditEntry>, StoreError> {
        authorize(user, Need::Admin)?;
        let conn = self.connection()?;
        let mut statement = conn.prepare(
            "SELECT a.id, a.at, u.login, a.action, a.organ_id, a.year, a.revision, a.detail
             FROM audit a LEFT JOIN users u ON u.id = a.user_id
             WHERE a.id > ?1 ORDER BY a.id",
        )?;
        let rows = statement.query_map([after], |row| {
            Ok(AuditEntry {
                id: row.get(0)?,
                at: row.get(1)?,
                user: row.get(2)?,
                action: row.get(3)?,
                organ: row.get(4)?,
                year: row.get(5)?,
                revision: row.get(6)?,
                detail: row.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl ToSql for Action {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.code()))
    }
}

impl FromSql for Action {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let code = value.as_str()?;
        Action::from_code(code)
            .ok_or_else(|| FromSqlError::Other(format!("action {code:?}").into()))
    }
}
