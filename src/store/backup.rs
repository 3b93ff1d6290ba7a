//! A consistent copy of the database while the server keeps writing to it.

use std::path::Path;

use super::{Store, StoreError};

impl Store {
    /// Copies the database to `target` as it stood at one moment: SQLite's `VACUUM INTO` reads
    /// it in one read transaction (saves go on meanwhile, in WAL mode) into a temporary file
    /// beside `target`, which is synced and then renamed over `target`. An interrupted backup
    /// leaves the previous `target` as it was. The copy is private to its owner, as the
    /// database is: it holds password hashes.
    pub fn backup(&self, target: &Path) -> Result<(), StoreError> {
        if is_the_database(target, &self.path) {
            return Err(StoreError::BackupOverDatabase(target.to_path_buf()));
        }
        let failed = |message: String| StoreError::Backup {
            path: target.to_path_buf(),
            message,
        };
        let conn = self.connection()?;
        crate::disk::write_atomic_by(target, |temporary| {
            let temporary = temporary.to_str().ok_or_else(|| {
                std::io::Error::other("备份的路径不是 UTF-8 文字，SQLite 无法使用")
            })?;
            conn.execute("VACUUM INTO ?1", [temporary])
                .map(|_| ())
                .map_err(|e| std::io::Error::other(StoreError::from(e).to_string()))
        })
        .map_err(|e| failed(crate::disk::io_message(&e)))
    }
}

/// Whether `target` is the database file or one of SQLite's files beside it: renaming a copy
/// over any of them would destroy the live database.
fn is_the_database(target: &Path, database: &Path) -> bool {
    let (Ok(database), Some(name)) = (database.canonicalize(), target.file_name()) else {
        return false;
    };
    let dir = crate::disk::dir_of(target);
    let Ok(target) = dir.canonicalize().map(|d| d.join(name)) else {
        return false;
    };
    let target = target.canonicalize().unwrap_or(target);
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut sibling = database.clone().into_os_string();
        sibling.push(suffix);
        target == Path::new(&sibling)
    })
}
