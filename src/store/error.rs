//! What the store refuses or fails at: a message in Chinese for the clerk or the admin, an
//! English key for programs and logs, and a hint that says what to do.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::{OrganId, ReportStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or set up.
    Open {
        path: PathBuf,
        message: String,
    },
    /// The file is not a database nianbao made (another program's SQLite file, or no SQLite
    /// file at all).
    NotNianbao {
        path: PathBuf,
    },
    /// Made by a newer nianbao, whose tables this one does not know.
    TooNew {
        path: PathBuf,
        version: i64,
        known: i64,
    },
    /// SQLite failed (the disk, the file); its own words.
    Database(String),
    /// Another program held the database longer than the busy timeout.
    Busy,
    OrganExists(String),
    /// No organ of this name.
    UnknownOrgan(String),
    /// No organ of this id.
    NoSuchOrgan(OrganId),
    /// An organ name or login that cannot be used, and why.
    BadName(String),
    LoginExists(String),
    PasswordMissing,
    PasswordTooShort {
        chars: usize,
    },
    PasswordTooLong {
        bytes: usize,
    },
    ClerkWithoutOrgan,
    /// Wrong login or password (not said which), and how long before the next attempt.
    BadCredentials {
        wait: Duration,
    },
    /// An attempt before the wait after earlier failures was over; the password was not
    /// checked.
    TooManyFailures {
        wait: Duration,
    },
    /// The user may not do this ([`super::authorize`]).
    Forbidden,
    NoSuchReport {
        organ: OrganId,
        year: u16,
    },
    NoSuchRevision {
        organ: OrganId,
        year: u16,
        n: u32,
    },
    /// A save based on a revision that is no longer the current one: nothing was written.
    /// `current_data` is the current revision's data (none when the report has no revision).
    Conflict {
        current_revision: u32,
        current_data: Option<String>,
    },
    /// The data is not JSON.
    BadData(String),
    /// A status change the report's status does not allow (to `wanted`).
    WrongStatus {
        status: ReportStatus,
        wanted: ReportStatus,
    },
    /// A submit of a report whose current revision has errors.
    HasErrors {
        errors: u32,
    },
    /// A submit of a report with warnings, not acknowledged.
    WarningsNotAcknowledged {
        warnings: u32,
    },
    /// A return without a comment.
    CommentMissing,
    /// A save or restore of an approved report.
    Locked,
    /// An import row for a report that is submitted or approved: the import leaves it alone.
    NotImportable {
        status: ReportStatus,
    },
    /// An import row with errors for a report that already has a revision: it is not
    /// overwritten by data with errors.
    ImportHasErrors {
        current: u32,
        errors: u32,
    },
    DataTooLarge {
        bytes: usize,
    },
    /// `backup` was given the database itself.
    BackupOverDatabase(PathBuf),
    Backup {
        path: PathBuf,
        message: String,
    },
    /// The system's random source or the password hasher failed.
    Crypto(String),
}

impl StoreError {
    /// The English key: stable, for programs, logs and tests.
    pub fn key(&self) -> &'static str {
        use StoreError::*;
        match self {
            Open { .. } => "database-open",
            NotNianbao { .. } => "not-a-nianbao-database",
            TooNew { .. } => "database-too-new",
            Database(_) => "database",
            Busy => "database-busy",
            OrganExists(_) => "duplicate-organ",
            UnknownOrgan(_) | NoSuchOrgan(_) => "unknown-organ",
            BadName(_) => "bad-name",
            LoginExists(_) => "duplicate-login",
            PasswordMissing => "empty-password",
            PasswordTooShort { .. } => "short-password",
            PasswordTooLong { .. } => "long-password",
            ClerkWithoutOrgan => "clerk-without-organ",
            BadCredentials { .. } => "wrong-password",
            TooManyFailures { .. } => "login-throttled",
            Forbidden => "forbidden",
            NoSuchReport { .. } => "no-such-report",
            NoSuchRevision { .. } => "no-such-revision",
            Conflict { .. } => "conflict",
            BadData(_) => "bad-data",
            WrongStatus { .. } => "wrong-status",
            HasErrors { .. } => "report-has-errors",
            WarningsNotAcknowledged { .. } => "warnings-not-acknowledged",
            CommentMissing => "comment-missing",
            Locked => "report-locked",
            NotImportable { .. } => "not-importable",
            ImportHasErrors { .. } => "import-has-errors",
            DataTooLarge { .. } => "data-too-large",
            BackupOverDatabase(_) => "backup-over-database",
            Backup { .. } => "backup",
            Crypto(_) => "crypto",
        }
    }

    /// What to do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        use StoreError::*;
        let hint = match self {
            Open { .. } => "确认路径正确、目录可写、磁盘有空间".to_string(),
            NotNianbao { .. } => {
                "用 --db 指定 nianbao 建立的数据库，或一个还不存在的文件名（将新建）".to_string()
            }
            TooNew { .. } => "用建立这个数据库的（更新的）nianbao 版本打开它".to_string(),
            Busy => "另一个程序正在长时间写数据库；稍后再试".to_string(),
            OrganExists(_) => "机关名称不能重复；已有的机关可直接添加账号".to_string(),
            UnknownOrgan(_) | NoSuchOrgan(_) => {
                "先用 nianbao admin --db 数据库 add-organ 机关名称 添加这个机关".to_string()
            }
            LoginExists(_) => "登录名不区分大小写；换一个登录名".to_string(),
            PasswordMissing => {
                "从标准输入给出密码，如：nianbao admin … --password-stdin < 密码文件".to_string()
            }
            PasswordTooShort { .. } => format!("密码至少 {} 个字符", super::MIN_PASSWORD_CHARS),
            ClerkWithoutOrgan => "用 --organ 机关名称 指定这个填报人员所在的机关".to_string(),
            BadCredentials { wait } | TooManyFailures { wait } if !wait.is_zero() => {
                format!("{} 秒后再试", wait.as_secs().max(1))
            }
            Conflict { .. } => {
                "别人已先保存了这份报告：看过当前版本后，在它的基础上再保存".to_string()
            }
            BackupOverDatabase(_) => "备份写到另一个文件".to_string(),
            WrongStatus { .. } => "先刷新，看这份报告现在的状态".to_string(),
            HasErrors { .. } => "先改正所有错误并保存，再提交".to_string(),
            WarningsNotAcknowledged { .. } => {
                "看过每条警告：确认无误后，勾选“已知悉警告”再提交".to_string()
            }
            CommentMissing => "写明退回的理由，填报人员会在填报页面顶端看到".to_string(),
            Locked => "已通过的报告要由管理员重新打开后才能修改".to_string(),
            NotImportable {
                status: ReportStatus::Approved,
            } => "要改动它，先重新打开（成为草稿）再导入".to_string(),
            NotImportable { .. } => {
                "要改动它，先退回再导入，或请填报人员在填报页面修改".to_string()
            }
            ImportHasErrors { .. } => {
                "改正表格中这一行的错误后重新导入，或在填报页面修改".to_string()
            }
            Backup { .. } => "确认备份文件所在的目录存在、可写、有空间".to_string(),
            _ => return None,
        };
        Some(hint)
    }

    /// An error of opening `path`: not a database at all is said as such.
    pub(super) fn from_open(path: &std::path::Path, e: rusqlite::Error) -> StoreError {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            return StoreError::NotNianbao {
                path: path.to_path_buf(),
            };
        }
        match StoreError::from(e) {
            StoreError::Database(message) => StoreError::Open {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        match e.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Database(e.to_string()),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use StoreError::*;
        match self {
            Open { path, message } => write!(f, "无法打开数据库 {}：{message}", path.display()),
            NotNianbao { path } => write!(f, "{} 不是 nianbao 的数据库", path.display()),
            TooNew {
                path,
                version,
                known,
            } => write!(
                f,
                "数据库 {} 是更新的 nianbao 建立的（结构版本 {version}，这个版本只认识到 {known}）",
                path.display()
            ),
            Database(message) => write!(f, "数据库出错：{message}"),
            Busy => f.write_str("数据库正忙，等待超时"),
            OrganExists(name) => write!(f, "已经有机关“{name}”"),
            UnknownOrgan(name) => write!(f, "没有机关“{name}”"),
            NoSuchOrgan(id) => write!(f, "没有编号为 {} 的机关", id.0),
            BadName(why) => f.write_str(why),
            LoginExists(login) => write!(f, "已经有登录名“{login}”"),
            PasswordMissing => f.write_str("没有读到密码（标准输入是空的）"),
            PasswordTooShort { chars } => write!(f, "密码太短：只有 {chars} 个字符"),
            PasswordTooLong { bytes } => write!(
                f,
                "密码太长：{bytes} 字节，最多 {} 字节",
                super::MAX_PASSWORD_BYTES
            ),
            ClerkWithoutOrgan => f.write_str("填报人员（clerk）必须属于一个机关"),
            BadCredentials { .. } => f.write_str("登录名或密码不对"),
            TooManyFailures { wait } => {
                write!(f, "登录失败次数太多，请 {} 秒后再试", wait.as_secs().max(1))
            }
            Forbidden => f.write_str("没有权限：只能查看和填写本机关的报告"),
            NoSuchReport { organ, year } => {
                write!(f, "编号为 {} 的机关还没有 {year} 年的报告", organ.0)
            }
            NoSuchRevision { organ, year, n } => {
                write!(f, "编号为 {} 的机关 {year} 年的报告没有第 {n} 版", organ.0)
            }
            Conflict {
                current_revision, ..
            } => write!(
                f,
                "保存冲突：这份报告已有第 {current_revision} 版，不是这次修改所基于的版本；什么也没有写入"
            ),
            BadData(why) => write!(f, "报告数据不是 JSON：{why}"),
            WrongStatus { status, wanted } => write!(
                f,
                "这份报告现在是“{}”，不能改为“{}”",
                status.label(),
                wanted.label()
            ),
            HasErrors { errors } => write!(f, "报告还有 {errors} 个错误，不能提交"),
            WarningsNotAcknowledged { warnings } => {
                write!(f, "报告有 {warnings} 条警告，没有确认已知悉，不能提交")
            }
            CommentMissing => f.write_str("退回报告要写明意见"),
            Locked => f.write_str("这份报告已通过，已锁定，不能修改"),
            NotImportable { status } => write!(
                f,
                "这份报告现在是“{}”，导入不改动它；这一行没有导入",
                status.label()
            ),
            ImportHasErrors { current, errors } => write!(
                f,
                "这一行有 {errors} 个错误，没有覆盖已有的第 {current} 版；这一行没有导入"
            ),
            DataTooLarge { bytes } => write!(
                f,
                "报告数据过大：{bytes} 字节，最多 {} 字节",
                crate::limits::DATA_FILE_BYTES
            ),
            BackupOverDatabase(path) => {
                write!(f, "备份不能写到数据库本身（{}）", path.display())
            }
            Backup { path, message } => {
                write!(f, "无法写出备份 {}：{message}", path.display())
            }
            Crypto(why) => write!(f, "系统的随机数或密码散列失败：{why}"),
        }
    }
}

impl std::error::Error for StoreError {}
