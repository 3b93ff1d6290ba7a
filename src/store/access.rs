//! Who may do what: the one rule of access, checked by every operation on a report and by the
//! server for every request.

use super::{OrganId, Role, StoreError, User};

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// To see an organ's reports and their revisions.
    Read(OrganId),
    /// To save, restore or submit an organ's reports.
    Write(OrganId),
    /// To add organs and accounts, to read the audit log, and to return, approve or reopen a
    /// report.
    Admin,
}

/// Whether `user` may do what `need` says: an admin may do anything; a clerk may read and write
/// their own organ's reports and nothing else. A refusal is [`StoreError::Forbidden`] whether
/// or not the report exists, so a clerk learns nothing about other organs' reports.
pub fn authorize(user: &User, need: Need) -> Result<(), StoreError> {
    let allowed = match (user.role, need) {
        (Role::Admin, _) => true,
        (Role::Clerk, Need::Read(organ) | Need::Write(organ)) => user.organ == Some(organ),
        (Role::Clerk, Need::Admin) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Who makes a change to accounts: someone at the server's console (`nianbao admin`, trusted
/// as whoever can open the database file), or a signed-in user, who must be an admin.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Console,
    User(&'a User),
}

impl Actor<'_> {
    /// Checks the actor may administer; the user to name in the audit log.
    pub(super) fn admin(self) -> Result<Option<super::UserId>, StoreError> {
        match self {
            Actor::Console => Ok(None),
            Actor::User(user) => authorize(user, Need::Admin).map(|()| Some(user.id)),
        }
    }
}
