//! The one place that reads input files and writes output files.
//!
//! Reading refuses what cannot be a report's data (too large, binary, not UTF-8) with a message
//! that says what to do. Writing goes through a temporary file in the target directory and a
//! rename, so an interrupted run never leaves a half-written report.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Location, Rule};

/// A report's data is a few kilobytes; anything over this is not a data file.
pub const MAX_DATA_FILE: u64 = crate::limits::DATA_FILE_BYTES;

/// Reads a data file as UTF-8 text (a UTF-8 BOM is dropped). `name` is how diagnostics call it.
pub fn read_data_file(path: &Path, name: &str) -> Result<String, Diagnostic> {
    let unreadable =
        |message: String, rule: Rule| Diagnostic::error(rule, message).at(Location::file(name));
    let bytes = read_regular(path, MAX_DATA_FILE).map_err(|e| match e {
        ReadError::Io(e) => unreadable(io_message(&e), Rule::Unreadable),
        ReadError::NotAFile(what) => {
            unreadable(format!("这是{what}，不是数据文件"), Rule::Unreadable)
        }
        ReadError::TooLarge(size) => {
            let size = size as f64 / 1_048_576.0;
            let message = format!(
                "文件过大（{size:.1} MB），一份报告的数据文件不会超过 {} KB",
                MAX_DATA_FILE / 1024
            );
            let hint = "确认选对了文件：应是一份报告的 .toml / .json / .yaml 数据文件";
            unreadable(message, Rule::FileTooLarge).hint(hint)
        }
    })?;
    decode_text(&bytes).map_err(|(message, hint)| unreadable(message, Rule::Encoding).hint(hint))
}

/// Why [`read_regular`] read nothing.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// Not a regular file; what it is, in Chinese (目录, 命名管道（FIFO）, 设备文件…).
    NotAFile(&'static str),
    /// Over the limit: the file's size, or the limit + 1 for a file that grew while read.
    TooLarge(u64),
}

/// A regular file's bytes, at most `limit` of them. A directory, FIFO, device or socket is
/// refused by its metadata before it is opened: reading `/dev/zero` would never end and a FIFO
/// would block until someone writes to it. A file over `limit` is refused by its size, unread;
/// reading stops one byte past `limit`, so a file that grows meanwhile is refused too.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let meta = fs::metadata(path).map_err(ReadError::Io)?;
    regular(&meta)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let (file, meta) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Whether the regular file at `path` begins with `prefix`.
pub fn starts_with(path: &Path, prefix: &[u8]) -> bool {
    use std::io::Read;
    let Ok((file, _)) = open_regular(path) else {
        return false;
    };
    let mut start = Vec::with_capacity(prefix.len());
    file.take(prefix.len() as u64)
        .read_to_end(&mut start)
        .is_ok_and(|_| start == prefix)
}

/// Opens a regular file for reading. The open itself does not block (a file swapped for a FIFO
/// after its metadata was looked at cannot hang the run) and the opened file is checked again.
fn open_regular(path: &Path) -> Result<(fs::File, fs::Metadata), ReadError> {
    regular(&fs::metadata(path).map_err(ReadError::Io)?)?;
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    regular(&meta)?;
    Ok((file, meta))
}

fn regular(meta: &fs::Metadata) -> Result<(), ReadError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err(ReadError::NotAFile("一个目录"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Err(ReadError::NotAFile("命名管道（FIFO）"));
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Err(ReadError::NotAFile("设备文件"));
        }
        if kind.is_socket() {
            return Err(ReadError::NotAFile("套接字"));
        }
    }
    Err(ReadError::NotAFile("特殊文件"))
}

/// UTF-8 text from file bytes, or why not (message, hint).
pub fn decode_text(bytes: &[u8]) -> Result<String, (String, String)> {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let bytes = if bom { &bytes[3..] } else { bytes };
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err((
            "文件是 UTF-16 编码，本工具只读 UTF-8".into(),
            "用记事本或 WPS 打开，“另存为”时编码选 UTF-8".into(),
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains('\0') => Err(binary()),
        Ok(text) => Ok(text.to_string()),
        Err(_) if looks_binary(bytes) => Err(binary()),
        Err(e) => Err((
            not_utf8(bytes, e.valid_up_to(), bom),
            "用记事本或 WPS 打开，“另存为”时编码选 UTF-8；或运行 iconv -f GBK -t UTF-8 旧文件 > 新文件".into(),
        )),
    }
}

/// Where text that should be UTF-8 stops being it: `text` is the file after any BOM (`bom`),
/// `valid_up_to` the length of its valid start. The line is what a clerk can find; the byte
/// counts from the file's start, BOM included. A BOM is the file's claim to be UTF-8, so it
/// is no reason to decode anyway: a file saved as GBK after a BOM was copied in is garbled
/// either way, and only the clerk can tell which half is right.
pub fn not_utf8(text: &[u8], valid_up_to: usize, bom: bool) -> String {
    let line = text[..valid_up_to].iter().filter(|&&b| b == b'\n').count() + 1;
    let byte = valid_up_to + 1 + if bom { 3 } else { 0 };
    if bom {
        format!(
            "文件开头标明是 UTF-8 编码（BOM），但第 {line} 行（第 {byte} 个字节）起不是 UTF-8，可能是 GBK 编码"
        )
    } else {
        format!("文件不是 UTF-8 编码（第 {line} 行第 {byte} 个字节起无法识别），可能是 GBK 编码")
    }
}

fn binary() -> (String, String) {
    (
        "这是二进制文件，不是文本数据文件".into(),
        "数据文件是 .toml / .json / .yaml 文本；Excel 表格请用 nianbao batch 读取".into(),
    )
}

fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    head.contains(&0) || head.iter().filter(|b| **b < 0x09).count() > head.len() / 100
}

/// A Chinese sentence for an I/O error.
pub fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "找不到这个文件".into(),
        PermissionDenied => "没有权限读写这个文件".into(),
        IsADirectory => "这是一个目录，不是文件".into(),
        _ => format!("读写失败（{e}）"),
    }
}

/// The files of a template directory that `keep` accepts, as (name, text), sorted by name.
pub fn read_dir_texts(
    dir: &Path,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, Diagnostic> {
    let name = dir.display().to_string();
    let fail =
        |message: String| Diagnostic::error(Rule::Template, message).at(Location::file(&name));
    let entries =
        fs::read_dir(dir).map_err(|e| fail(format!("无法读取模板目录：{}", io_message(&e))))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| fail(io_message(&e)))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !keep(&file_name) || !entry.path().is_file() {
            continue;
        }
        let shown = format!("{name}/{file_name}");
        let text = read_data_file(&entry.path(), &shown).map_err(|mut d| {
            d.rule = Rule::Template;
            d
        })?;
        files.push((file_name, text));
    }
    files.sort();
    Ok(files)
}

/// Writes text files into `dir` (created if needed). Without `overwrite`, refuses before
/// writing anything if one of them exists.
pub fn write_files<N: AsRef<str>, B: AsRef<[u8]>>(
    dir: &Path,
    files: &[(N, B)],
    overwrite: bool,
) -> Result<Vec<PathBuf>, Diagnostic> {
    let name = dir.display().to_string();
    let fail = |message: String| Diagnostic::error(Rule::Output, message).at(Location::file(&name));
    if !overwrite {
        let existing: Vec<&str> = files
            .iter()
            .map(|(n, _)| n.as_ref())
            .filter(|n| dir.join(n).exists())
            .collect();
        if !existing.is_empty() {
            return Err(Diagnostic::error(
                Rule::Output,
                format!("目录里已有 {}，没有写入任何文件", existing.join("、")),
            )
            .at(Location::file(&name))
            .hint("换一个空目录，或加 --force 覆盖"));
        }
    }
    fs::create_dir_all(dir).map_err(|e| fail(format!("无法创建目录：{}", io_message(&e))))?;
    let mut written = Vec::new();
    for (file, bytes) in files {
        let file = file.as_ref();
        let path = dir.join(file);
        write_atomic(&path, bytes.as_ref())
            .map_err(|e| fail(format!("无法写入 {file}：{}", io_message(&e))))?;
        written.push(path);
    }
    Ok(written)
}

/// The bytes of a binary input (a workbook, a CSV file, a PDF or .docx to extract from),
/// refused with a reason when unreadable, not a regular file, or larger than `max` bytes (the
/// limit `zh`, `key` of `limits.rs`), as [`read_regular`] reads it.
pub fn read_binary(
    path: &Path,
    name: &str,
    (max, zh, key): (u64, &str, &str),
) -> Result<Vec<u8>, Diagnostic> {
    read_regular(path, max).map_err(|e| {
        let d = match e {
            ReadError::Io(e) => Diagnostic::error(Rule::Unreadable, io_message(&e)),
            ReadError::NotAFile(what) => {
                Diagnostic::error(Rule::Unreadable, format!("这是{what}，不是文件"))
            }
            ReadError::TooLarge(size) => {
                let found = format!("有 {}", crate::limits::show_bytes(size));
                crate::limits::error(zh, key, crate::limits::show_bytes(max), found)
            }
        };
        d.at(Location::file(name))
    })
}

/// The data files directly in `dir` (.toml, .json, .yaml, .yml), sorted by name. Hidden files
/// and subdirectories are left alone.
pub fn list_data_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let name = dir.display().to_string();
    let entries = fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(
            Rule::Unreadable,
            format!("无法读取目录：{}", io_message(&e)),
        )
        .at(Location::file(&name))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let visible = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'));
            visible && p.is_file() && crate::model::Syntax::from_path(p).is_some()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Creates an output directory and clears what an interrupted earlier run may have left there:
/// temporary files of writes that run never finished, and the manifests `stale` names (a
/// manifest must never describe a run it does not belong to). Call it holding the directory's
/// [`DirLock`]: temporary files of a run still going (a `render -o` into the same directory)
/// are left alone.
pub fn prepare_output_dir(dir: &Path, stale: &[&str]) -> Result<(), Diagnostic> {
    let name = dir.display().to_string();
    let fail = |message: String| Diagnostic::error(Rule::Output, message).at(Location::file(&name));
    fs::create_dir_all(dir).map_err(|e| fail(format!("无法创建输出目录：{}", io_message(&e))))?;
    let entries =
        fs::read_dir(dir).map_err(|e| fail(format!("无法读取输出目录：{}", io_message(&e))))?;
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if left_by_ended_run(file_name) || stale.contains(&file_name) {
            fs::remove_file(entry.path())
                .map_err(|e| fail(format!("无法删除 {file_name}：{}", io_message(&e))))?;
        }
    }
    Ok(())
}

/// Temporary files are named `.nianbao-<pid>-<random>.tmp` after the process writing them.
const TEMP_PREFIX: &str = ".nianbao-";
const TEMP_SUFFIX: &str = ".tmp";

/// Whether `name` is a temporary file whose run has ended (killed before it could rename or
/// remove it). A name without a process id is from an older nianbao, which never ran beside
/// this one.
fn left_by_ended_run(name: &str) -> bool {
    let Some(rest) = name
        .strip_prefix(TEMP_PREFIX)
        .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
    else {
        return false;
    };
    match rest.split_once('-').map(|(pid, _)| pid.parse::<u32>()) {
        Some(Ok(pid)) => !process_alive(pid),
        _ => true,
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // Signal 0 only asks whether the process exists; EPERM: it does, under another user.
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

/// Without a way to ask, a temporary file is assumed to belong to a run still going.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// The lock file a batch holds in its output directory.
pub const LOCK_FILE: &str = ".nianbao.lock";

/// An output directory held by this run: a second batch into it stops rather than deleting this
/// run's temporary files and overwriting its manifest. The lock is the system's advisory lock
/// (`flock`) on [`LOCK_FILE`], so it ends with the process however the process ends: a killed
/// run never leaves the directory locked. The file holds the run's process id, for the message
/// the other run gives, and is removed when the lock is let go.
#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
    // Closing it releases the lock; it is closed after `drop` has removed the file.
    _file: fs::File,
}

/// Locks `dir` (created if needed) for this run, or says which run has it.
pub fn lock_dir(dir: &Path) -> Result<DirLock, Diagnostic> {
    let name = dir.display().to_string();
    let fail = |message: String| Diagnostic::error(Rule::Output, message).at(Location::file(&name));
    fs::create_dir_all(dir).map_err(|e| fail(format!("无法创建输出目录：{}", io_message(&e))))?;
    let path = dir.join(LOCK_FILE);
    // Each round is lost only to a run that ended just then; a few rounds always suffice.
    for _ in 0..100 {
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // Never through a symbolic link: the file is truncated below.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let mut file = options.open(&path).map_err(|e| {
            fail(format!(
                "无法在输出目录中建立锁文件 {LOCK_FILE}：{}",
                io_message(&e)
            ))
        })?;
        let locked = match file.try_lock() {
            Ok(()) => true,
            Err(fs::TryLockError::WouldBlock) => false,
            Err(fs::TryLockError::Error(e)) => {
                return Err(fail(format!("无法锁定输出目录：{}", io_message(&e))));
            }
        };
        // The run before may have removed the file between our open and our lock: a lock on a
        // file no longer in the directory holds nothing, so try again with the one there now.
        if !still_at(&file, &path) {
            continue;
        }
        if !locked {
            let pid = read_regular(&path, 64)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| t.trim().parse::<u32>().ok())
                .map_or_else(|| "一个进程".to_string(), |pid| format!("进程 {pid}"));
            return Err(Diagnostic::error(
                Rule::Output,
                format!(
                    "输出目录 {name} 正由另一个 nianbao 批量任务使用（{pid} 锁定了其中的 {LOCK_FILE}），本次没有写入任何文件"
                ),
            )
            .at(Location::file(&name))
            .hint("等那个任务结束后再运行，或用 -o 换一个输出目录"));
        }
        let written = file
            .set_len(0)
            .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()));
        written.map_err(|e| fail(format!("无法写入锁文件 {LOCK_FILE}：{}", io_message(&e))))?;
        return Ok(DirLock { path, _file: file });
    }
    Err(fail(format!(
        "无法锁定输出目录：锁文件 {LOCK_FILE} 不断被替换"
    )))
}

/// Whether the open `file` is still the one at `path`.
fn still_at(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// A private temporary directory (readable by its owner only), removed with everything in it
/// when dropped.
#[derive(Debug)]
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// A new private temporary directory in the system's, its name beginning with `prefix`.
pub fn temp_dir(prefix: &str) -> std::io::Result<TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map(TempDir)
}

/// Creates the directory `path` (its parent must exist).
pub fn create_dir(path: &Path) -> std::io::Result<()> {
    fs::create_dir(path)
}

/// The size of the file at `path`, in bytes.
pub fn file_size(path: &Path) -> std::io::Result<u64> {
    fs::metadata(path).map(|m| m.len())
}

/// Why [`read_regular`] read nothing, in a Chinese sentence.
pub fn read_error_message(e: &ReadError) -> String {
    match e {
        ReadError::Io(e) => io_message(e),
        ReadError::NotAFile(what) => format!("这是{what}，不是文件"),
        ReadError::TooLarge(size) => format!("文件过大（有 {}）", crate::limits::show_bytes(*size)),
    }
}

/// A whole file's bytes (fonts).
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    fs::read(path)
}

/// The directory a file is in: `.` for a bare file name.
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically, creating its directory if needed. A failure is the
/// error that names the file (「无法写入：…」).
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    fs::create_dir_all(dir_of(path))
        .and_then(|()| write_atomic(path, bytes))
        .map_err(|e| {
            Diagnostic::error(Rule::Output, format!("无法写入：{}", io_message(&e)))
                .at(Location::file(&path.display().to_string()))
        })
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir_of(path))?;
    tmp.write_all(bytes)?;
    // Temporary files are private (0600); a saved report is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `path` atomically through `fill`, for a writer that takes a file name rather than
/// bytes (SQLite's `VACUUM INTO`): `fill` writes the temporary file it is given (empty, private
/// to its owner), which is then synced and renamed to `path`. Nothing is left but `path` when
/// `fill` succeeds, and nothing new when it fails.
pub fn write_atomic_by(
    path: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir_of(path))?;
    fill(tmp.path())?;
    // `fill` wrote through a handle of its own; syncing this one syncs the same file.
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_are_refused_with_a_conversion_hint() {
        // "机关" in GBK
        let (message, hint) = decode_text(&[0xBB, 0xFA, 0xB9, 0xD8, b'\n']).unwrap_err();
        assert!(message.contains("GBK"), "{message}");
        assert!(hint.contains("UTF-8"), "{hint}");
    }

    #[test]
    fn a_bom_before_gbk_is_an_encoding_error_at_its_line() {
        // A UTF-8 BOM, a UTF-8 line, then "机关" in GBK on line 2.
        let mut bytes = b"\xEF\xBB\xBFyear = 2024\norgan = \"".to_vec();
        bytes.extend([0xBB, 0xFA, 0xB9, 0xD8, b'"', b'\n']);
        let (message, _) = decode_text(&bytes).unwrap_err();
        assert_eq!(
            message,
            "文件开头标明是 UTF-8 编码（BOM），但第 2 行（第 25 个字节）起不是 UTF-8，可能是 GBK 编码"
        );
    }

    #[test]
    fn bom_is_dropped_and_binary_is_refused() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa = 1").unwrap(), "a = 1");
        let (message, _) = decode_text(&[0, 1, 2, 3, 0xFF, 0xFE, 0, 0]).unwrap_err();
        assert!(message.contains("二进制"), "{message}");
    }

    #[test]
    fn atomic_write_leaves_only_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.pdf");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.pdf")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&target).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }
}
