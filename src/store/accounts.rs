//! Organs, accounts and logins: passwords hashed with Argon2id, repeated failures slowed down.

use std::sync::OnceLock;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use rusqlite::{OptionalExtension as _, TransactionBehavior, params};

use super::audit::{self, Action, Subject};
use super::{Actor, Organ, OrganId, Role, Store, StoreError, User, UserId};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Longer is not a password but a mistake (a file piped in); hashing it would be wasted time.
pub const MAX_PASSWORD_BYTES: usize = 1024;

const MAX_LOGIN_CHARS: usize = 64;

/// Failures allowed before the next attempt must wait.
const FREE_FAILURES: u32 = 2;

/// The longest wait between attempts.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// A failure this long after the previous one starts the count again.
pub(super) const FAILURES_FORGOTTEN_AFTER: i64 = 24 * 3600;

/// How long the next login attempt must wait after `failures` consecutive failures: nothing
/// for the first [`FREE_FAILURES`] (a typo, a caps lock), then 1 s, doubling with each further
/// failure up to 15 minutes. Guessing a password becomes hopeless while its owner, having
/// mistyped it, waits seconds.
pub fn login_wait(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(20);
    Duration::from_secs(1u64 << doublings).min(MAX_WAIT)
}

impl Store {
    /// Adds an organ; its name must be new. Returns its id, which the server's addresses use.
    pub fn add_organ(
        &self,
        actor: Actor,
        name: &str,
        parent: Option<OrganId>,
    ) -> Result<OrganId, StoreError> {
        let by = actor.admin()?;
        let name = organ_name(name)?;
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken = tx
            .query_row("SELECT 1 FROM organs WHERE name = ?1", [name], |_| Ok(()))
            .optional()?;
        if taken.is_some() {
            return Err(StoreError::OrganExists(name.to_string()));
        }
        if let Some(parent) = parent {
            organ_exists(&tx, parent)?;
        }
        tx.execute(
            "INSERT INTO organs (name, parent_id, created) VALUES (?1, ?2, ?3)",
            params![name, parent, now],
        )?;
        let id = OrganId(tx.last_insert_rowid());
        let subject = Subject {
            organ: Some(id),
            ..Subject::default()
        };
        audit::record(&tx, now, by, Action::AddOrgan, subject, name)?;
        tx.commit()?;
        Ok(id)
    }

    /// The organ of this name.
    pub fn organ_by_name(&self, name: &str) -> Result<Option<Organ>, StoreError> {
        let conn = self.connection()?;
        let organ = conn
            .query_row(
                "SELECT id, name, parent_id FROM organs WHERE name = ?1",
                [name.trim()],
                organ_row,
            )
            .optional()?;
        Ok(organ)
    }

    /// The organ with this id.
    pub fn organ(&self, id: OrganId) -> Result<Option<Organ>, StoreError> {
        let conn = self.connection()?;
        let organ = conn
            .query_row(
                "SELECT id, name, parent_id FROM organs WHERE id = ?1",
                [id],
                organ_row,
            )
            .optional()?;
        Ok(organ)
    }

    /// Every organ, by name.
    pub fn organs(&self) -> Result<Vec<Organ>, StoreError> {
        let conn = self.connection()?;
        let mut statement = conn.prepare("SELECT id, name, parent_id FROM organs ORDER BY name")?;
        let rows = statement.query_map([], organ_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds an account. A clerk needs an organ; the password (as read by the caller) is
    /// stored only as its Argon2id hash.
    pub fn add_user(
        &self,
        actor: Actor,
        login: &str,
        role: Role,
        organ: Option<OrganId>,
        password: &str,
    ) -> Result<UserId, StoreError> {
        let by = actor.admin()?;
        let login = login_name(login)?;
        if role == Role::Clerk && organ.is_none() {
            return Err(StoreError::ClerkWithoutOrgan);
        }
        check_password(password)?;
        // Hashing takes tens of milliseconds: before the write lock, not under it.
        let hash = hash_password(password)?;
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: Option<String> = tx
            .query_row("SELECT login FROM users WHERE login = ?1", [login], |row| {
                row.get(0)
            })
            .optional()?;
        if let Some(existing) = taken {
            return Err(StoreError::LoginExists(existing));
        }
        if let Some(organ) = organ {
            organ_exists(&tx, organ)?;
        }
        tx.execute(
            "INSERT INTO users (login, role, organ_id, password_hash, created)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![login, role, organ, hash, now],
        )?;
        let id = UserId(tx.last_insert_rowid());
        let subject = Subject {
            organ,
            ..Subject::default()
        };
        let detail = format!("{login} ({})", role.code());
        audit::record(&tx, now, by, Action::AddUser, subject, &detail)?;
        tx.commit()?;
        Ok(id)
    }

    /// The account with this id.
    pub fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let conn = self.connection()?;
        let user = conn
            .query_row(
                "SELECT id, login, role, organ_id FROM users WHERE id = ?1",
                [id],
                user_row,
            )
            .optional()?;
        Ok(user)
    }

    /// Checks a login and password. Refused, it says how long the next attempt must wait
    /// ([`login_wait`]); an attempt made sooner is refused without looking at the password.
    /// Whether the login exists is not told: an unknown login costs the same hashing and counts
    /// failures the same way.
    pub fn verify_login(&self, login: &str, password: &str) -> Result<User, StoreError> {
        let now = self.now();
        let login = login.trim();
        if login.is_empty()
            || login.chars().count() > MAX_LOGIN_CHARS
            || password.len() > MAX_PASSWORD_BYTES
        {
            // Nothing any account could match: not worth a row of failures.
            return Err(StoreError::BadCredentials {
                wait: Duration::ZERO,
            });
        }
        let mut conn = self.connection()?;
        // The attempt counts as a failure before the password is checked, and is forgiven if
        // it succeeds: attempts sent at once cannot all slip in before the first is counted.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<(u32, i64)> = tx
            .query_row(
                "SELECT failures, last FROM login_failures WHERE login = ?1",
                [login],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .filter(|&(_, last)| now - last < FAILURES_FORGOTTEN_AFTER);
        if let Some((failures, last)) = previous {
            let until = last.saturating_add(login_wait(failures).as_secs() as i64);
            if now < until {
                let wait = Duration::from_secs((until - now) as u64);
                return Err(StoreError::TooManyFailures { wait });
            }
        }
        let failures = previous
            .map_or(0, |(failures, _)| failures)
            .saturating_add(1);
        tx.execute(
            "INSERT INTO login_failures (login, failures, last) VALUES (?1, ?2, ?3)
             ON CONFLICT (login) DO UPDATE SET failures = ?2, last = ?3",
            params![login, failures, now],
        )?;
        let account = tx
            .query_row(
                "SELECT id, login, role, organ_id, password_hash FROM users WHERE login = ?1",
                [login],
                |row| Ok((user_row(row)?, row.get::<_, String>(4)?)),
            )
            .optional()?;
        tx.commit()?;
        // Hashing takes tens of milliseconds: outside the write lock.
        let hash = match &account {
            Some((_, hash)) => hash.as_str(),
            None => unknown_login_hash()?,
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok();
        match account {
            Some((user, _)) if matches => {
                conn.execute("DELETE FROM login_failures WHERE login = ?1", [login])?;
                Ok(user)
            }
            _ => Err(StoreError::BadCredentials {
                wait: login_wait(failures),
            }),
        }
    }
}

fn organ_row(row: &rusqlite::Row) -> rusqlite::Result<Organ> {
    Ok(Organ {
        id: row.get(0)?,
        name: row.get(1)?,
        parent: row.get(2)?,
    })
}

pub(super) fn user_row(row: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        login: row.get(1)?,
        role: row.get(2)?,
        organ: row.get(3)?,
    })
}

/// An organ of this id exists, within the transaction `conn` is in.
pub(super) fn organ_exists(conn: &rusqlite::Connection, organ: OrganId) -> Result<(), StoreError> {
    conn.query_row("SELECT 1 FROM organs WHERE id = ?1", [organ], |_| Ok(()))
        .optional()?
        .ok_or(StoreError::NoSuchOrgan(organ))
}

/// An organ's name as stored: trimmed, not empty, within the data file's limit, one line.
fn organ_name(name: &str) -> Result<&str, StoreError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(StoreError::BadName("机关名称是空的".into()));
    }
    if chars > crate::limits::ORGAN_CHARS {
        return Err(StoreError::BadName(format!(
            "机关名称太长：{chars} 个字，最多 {} 个",
            crate::limits::ORGAN_CHARS
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::BadName("机关名称里有控制字符（如换行）".into()));
    }
    Ok(name)
}

/// A login name: one word a clerk can type, letters, digits and `._-@` (no spaces).
fn login_name(login: &str) -> Result<&str, StoreError> {
    let chars = login.chars().count();
    if chars == 0 {
        return Err(StoreError::BadName("登录名是空的".into()));
    }
    if chars > MAX_LOGIN_CHARS {
        return Err(StoreError::BadName(format!(
            "登录名太长：{chars} 个字符，最多 {MAX_LOGIN_CHARS} 个"
        )));
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if let Some(bad) = login.chars().find(|&c| !allowed(c)) {
        return Err(StoreError::BadName(format!(
            "登录名里不能有“{}”：只用字母、数字和 . _ - @",
            bad.escape_default()
        )));
    }
    Ok(login)
}

fn check_password(password: &str) -> Result<(), StoreError> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err(StoreError::PasswordMissing);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(StoreError::PasswordTooLong {
            bytes: password.len(),
        });
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(StoreError::PasswordTooShort { chars });
    }
    Ok(())
}

/// Argon2id with the crate's default cost (19 MiB, 2 passes: OWASP's recommendation) and a
/// random 16-byte salt, as a PHC string that records both.
fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| StoreError::Crypto(e.to_string()))?;
    let hash = Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Crypto(e.to_string()))?;
    Ok(hash.to_string())
}

/// A hash checked against for a login no account has, so that a refusal takes as long whether
/// the account exists or not (what it was made from does not matter: no account, no match).
fn unknown_login_hash() -> Result<&'static str, StoreError> {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return Ok(hash);
    }
    let hash = hash_password("no account has this password")?;
    Ok(HASH.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures_up_to_a_cap() {
        let waits: Vec<u64> = (0..=14).map(|n| login_wait(n).as_secs()).collect();
        assert_eq!(
            waits,
            [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
        );
        assert_eq!(login_wait(u32::MAX), MAX_WAIT);
    }

    #[test]
    fn names_and_passwords_are_checked_before_anything_is_written() {
        assert_eq!(organ_name("  某镇人民政府 \n").unwrap(), "某镇人民政府");
        assert_eq!(organ_name(" ").unwrap_err().key(), "bad-name");
        assert_eq!(organ_name("某镇\n某乡").unwrap_err().key(), "bad-name");
        assert_eq!(login_name("zhang.san@某镇").unwrap(), "zhang.san@某镇");
        assert_eq!(login_name("zhang san").unwrap_err().key(), "bad-name");
        assert_eq!(check_password("").unwrap_err().key(), "empty-password");
        assert_eq!(
            check_password("短密码").unwrap_err().key(),
            "short-password"
        );
        assert!(check_password("足够长的一个密码").is_ok());
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(check_password(&long).unwrap_err().key(), "long-password");
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_that_only_its_password_matches() {
        let hash = hash_password("correct horse").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let argon2 = Argon2::default();
        assert!(
            argon2
                .verify_password(b"correct horse", hash.as_str())
                .is_ok()
        );
        assert!(
            argon2
                .verify_password(b"correct horsE", hash.as_str())
                .is_err()
        );
        assert_ne!(hash, hash_password("correct horse").unwrap(), "salted");
    }
}
