//! `nianbao admin --db DB add-organ [--parent NAME] | add-user | backup`: the filing database from the server's
//! console. Each command is one call into [`crate::store`].

use super::Status;
use super::args::{AdminArgs, AdminCommand};
use crate::store::{Actor, Role, Store, StoreError};

pub fn run(args: &AdminArgs) -> Status {
    match admin(args) {
        Ok(()) => Status::Ok,
        Err(Refused::Usage(e)) => {
            report(&e.to_string(), e.key(), e.hint());
            Status::Failed
        }
        Err(Refused::Store(e)) => {
            report(&e.to_string(), e.key(), e.hint());
            Status::Invalid
        }
        Err(Refused::Password(message)) => {
            report(&message, "password-stdin", None);
            Status::Invalid
        }
    }
}

/// Why a command did nothing: the command line (exit 2), the database or the password read
/// (exit 1).
enum Refused {
    Usage(StoreError),
    Store(StoreError),
    Password(String),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        Refused::Store(e)
    }
}

fn admin(args: &AdminArgs) -> Result<(), Refused> {
    match &args.command {
        AdminCommand::AddOrgan { name, parent } => {
            let store = Store::open(&args.db)?;
            let parent = match parent {
                Some(parent) => Some(
                    store
                        .organ_by_name(parent)?
                        .ok_or_else(|| StoreError::UnknownOrgan(parent.trim().to_string()))?,
                ),
                None => None,
            };
            let id = store.add_organ(Actor::Console, name, parent.as_ref().map(|p| p.id))?;
            match parent {
                Some(parent) => eprintln!(
                    "已添加机关“{}”，编号 {}，上级机关“{}”",
                    name.trim(),
                    id.0,
                    parent.name
                ),
                None => eprintln!("已添加机关“{}”，编号 {}", name.trim(), id.0),
            }
            super::out(&format!("{}\n", id.0));
        }
        AdminCommand::AddUser {
            login,
            role,
            organ,
            password_stdin: _,
        } => {
            let role = Role::from(*role);
            if role == Role::Clerk && organ.is_none() {
                return Err(Refused::Usage(StoreError::ClerkWithoutOrgan));
            }
            let store = Store::open(&args.db)?;
            // The organ is looked up before the password is asked for.
            let organ = match organ {
                Some(name) => Some(
                    store
                        .organ_by_name(name)?
                        .ok_or_else(|| StoreError::UnknownOrgan(name.trim().to_string()))?,
                ),
                None => None,
            };
            let password = read_password()?;
            let organ_id = organ.as_ref().map(|o| o.id);
            store.add_user(Actor::Console, login, role, organ_id, &password)?;
            match organ {
                Some(organ) => eprintln!("已添加账号 {login}（{}，{}）", role.code(), organ.name),
                None => eprintln!("已添加账号 {login}（{}）", role.code()),
            }
        }
        AdminCommand::Backup { file } => {
            // A backup of a database that is not there would make an empty one first.
            if !args.db.is_file() {
                return Err(Refused::Store(StoreError::Open {
                    path: args.db.clone(),
                    message: "文件不存在".into(),
                }));
            }
            let store = Store::open(&args.db)?;
            store.backup(file)?;
            eprintln!("已备份到 {}", file.display());
        }
    }
    Ok(())
}

/// The password on standard input (at most a little past 1 KiB, so an overlong one is refused).
fn read_password() -> Result<String, Refused> {
    super::password_from_stdin(crate::store::MAX_PASSWORD_BYTES).map_err(Refused::Password)
}

/// An error the way diagnostics are printed: Chinese message, English key, hint.
fn report(message: &str, key: &str, hint: Option<String>) {
    match hint {
        Some(hint) => eprintln!("错误: {message} [{key}]\n    提示：{hint}"),
        None => eprintln!("错误: {message} [{key}]"),
    }
}
