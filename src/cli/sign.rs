//! `nianbao sign REPORT.pdf --key KEY.p12 [--password-stdin] [-o OUT.pdf]`.

use super::args::SignArgs;
use super::{Status, print_diagnostics};
use crate::diag::{Diagnostic, Location, Rule};
use crate::document::Timestamp;

pub fn run(args: &SignArgs) -> Status {
    match sign(args) {
        Ok(()) => Status::Ok,
        Err(d) => {
            print_diagnostics(&[d]);
            Status::Failed
        }
    }
}

fn sign(args: &SignArgs) -> Result<(), Diagnostic> {
    let name = args.file.display().to_string();
    let limit = (
        crate::limits::ARCHIVE_FILE_BYTES,
        "PDF 文件的大小",
        "archive_file_bytes",
    );
    let pdf = crate::disk::read_binary(&args.file, &name, limit)?;
    if !pdf.starts_with(b"%PDF-") {
        return Err(Diagnostic::error(Rule::Unreadable, "不是 PDF 文件").at(Location::file(&name)));
    }
    // The key file is read before anything is written, and only into memory.
    let signer = load_signer(&args.key, args.password_stdin)?;
    let time = signing_time(&pdf).ok_or_else(|| {
        Diagnostic::error(
            Rule::Unreadable,
            "无法确定签名时间：文件里没有 nianbao 内嵌的生成时间",
        )
        .hint("不是 nianbao 生成的 PDF：用环境变量 SOURCE_DATE_EPOCH 给出签名时间（Unix 秒数）")
        .at(Location::file(&name))
    })?;
    let signed = crate::sign::sign(&pdf, &signer, time).map_err(|d| d.at(Location::file(&name)))?;
    let target = args.output.as_ref().unwrap_or(&args.file);
    crate::disk::write_file(target, &signed).map_err(|e| {
        Diagnostic::error(Rule::Output, crate::disk::io_message(&e))
            .at(Location::file(&target.display().to_string()))
    })?;
    eprintln!("已签名 {}", target.display());
    Ok(())
}

/// The key and certificates of a PKCS#12 file, its password the first line of standard input
/// when `password_stdin` (else empty). Read into memory only; `sign`, `render --sign-key` and
/// `batch --sign-key` all load it here.
pub(crate) fn load_signer(
    key: &std::path::Path,
    password_stdin: bool,
) -> Result<crate::sign::Signer, Diagnostic> {
    let key_name = key.display().to_string();
    let key_limit = (
        crate::limits::KEY_FILE_BYTES,
        "密钥文件的大小",
        "key_file_bytes",
    );
    let key_file = crate::disk::read_binary(key, &key_name, key_limit)?;
    let password = if password_stdin {
        read_password()?
    } else {
        String::new()
    };
    crate::sign::Signer::from_pkcs12(&key_file, &password)
        .map_err(|d| d.at(Location::file(&key_name)))
}

/// `SOURCE_DATE_EPOCH` if set, else the creation time nianbao embedded in the file: the same
/// file signed twice gives the same bytes.
fn signing_time(pdf: &[u8]) -> Option<Timestamp> {
    if let Some(t) = super::render::source_date_epoch() {
        return Some(t);
    }
    let archived = crate::archive::embedded(pdf).ok()?;
    Timestamp::parse_iso(&archived.info.created)
}

/// The key file's password on standard input.
fn read_password() -> Result<String, Diagnostic> {
    super::password_from_stdin(4096).map_err(|message| Diagnostic::error(Rule::Usage, message))
}
