//! Sessions of signed-in users: a random token for the cookie, known to the database only by
//! its SHA-256 (a copy of the database opens no session), and a CSRF token for the requests
//! that change something.

use std::fmt::Write as _;
use std::time::Duration;

use rusqlite::{OptionalExtension as _, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::accounts::user_row;
use super::audit::{self, Action, Subject};
use super::{Store, StoreError, Timestamp, User};

/// How long a session lasts from login: a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(10 * 3600);

/// A session just created: the token goes into the cookie and is never seen again by the
/// store; the CSRF token is what `POST /api/login` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub expires: Timestamp,
}

/// A live session, found by its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub user: User,
    #[serde(skip)]
    pub csrf: String,
    pub expires: Timestamp,
}

impl Session {
    /// Whether a request's CSRF token is this session's, compared in constant time.
    pub fn csrf_matches(&self, given: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Store {
    /// Opens a session for `user` (after [`Store::verify_login`]).
    pub fn create_session(&self, user: &User) -> Result<NewSession, StoreError> {
        let token = random_token()?;
        let csrf = random_token()?;
        let now = self.now();
        let expires = now + SESSION_LIFETIME.as_secs() as Timestamp;
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO sessions (token_sha256, user_id, csrf, created, expires)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sha256(&token), user.id, csrf, now, expires],
        )?;
        audit::record(
            &tx,
            now,
            Some(user.id),
            Action::Login,
            Subject::default(),
            "",
        )?;
        tx.commit()?;
        Ok(NewSession {
            token,
            csrf,
            expires,
        })
    }

    /// The session of a token, with its user as the database has them now; `None` when the
    /// token is unknown or its session has expired.
    pub fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let now = self.now();
        let conn = self.connection()?;
        let session = conn
            .query_row(
                "SELECT u.id, u.login, u.role, u.organ_id, s.csrf, s.expires
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_sha256 = ?1 AND s.expires > ?2",
                params![sha256(token), now],
                |row| {
                    Ok(Session {
                        user: user_row(row)?,
                        csrf: row.get(4)?,
                        expires: row.get(5)?,
                    })
                },
            )
            .optional()?;
        Ok(session)
    }

    /// Ends the session of a token (logout); `false` when there was none.
    pub fn delete_session(&self, token: &str) -> Result<bool, StoreError> {
        let now = self.now();
        let mut conn = self.connection()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let user = tx
            .query_row(
                "DELETE FROM sessions WHERE token_sha256 = ?1 RETURNING user_id",
                [sha256(token)],
                |row| row.get(0),
            )
            .optional()?;
        let Some(user) = user else {
            return Ok(false);
        };
        audit::record(&tx, now, Some(user), Action::Logout, Subject::default(), "")?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes expired sessions and login failures old enough to be forgotten; how many rows
    /// went. The server calls it now and then; nothing depends on it but the file's size.
    pub fn purge_expired(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let conn = self.connection()?;
        let sessions = conn.execute("DELETE FROM sessions WHERE expires <= ?1", [now])?;
        let failures = conn.execute(
            "DELETE FROM login_failures WHERE last <= ?1",
            [now - super::accounts::FAILURES_FORGOTTEN_AFTER],
        )?;
        Ok(sessions + failures)
    }
}

/// 32 bytes from the operating system's random source, as 64 hex digits.
fn random_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Crypto(e.to_string()))?;
    let mut hex = String::with_capacity(64);
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

fn sha256(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_csrf_compares_whole() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        let session = Session {
            user: User {
                id: super::super::UserId(1),
                login: "a".into(),
                role: super::super::Role::Admin,
                organ: None,
            },
            csrf: a.clone(),
            expires: 0,
        };
        assert!(session.csrf_matches(&a));
        assert!(!session.csrf_matches(&b));
        assert!(!session.csrf_matches(&a[..63]));
        assert!(!session.csrf_matches(""));
    }
}
