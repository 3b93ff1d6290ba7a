//! `nianbao sign REPORT.pdf --key KEY.p12 [--password-stdin] [-o OUT.pdf] [--invisible]`.

use super::args::SignArgs;
use super::{Status, print_diagnostics};
use crate::archive::Archived;
use crate::diag::{Diagnostic, Location, Rule};
use crate::document::Timestamp;
use crate::verify::Verdict;

pub fn run(args: &SignArgs) -> Status {
    match sign(args) {
        Ok(()) => Status::Ok,
        Err(diags) => {
            print_diagnostics(&diags);
            Status::Failed
        }
    }
}

fn sign(args: &SignArgs) -> Result<(), Vec<Diagnostic>> {
    let name = args.file.display().to_string();
    let limit = (
        crate::limits::ARCHIVE_FILE_BYTES,
        "PDF 文件的大小",
        "archive_file_bytes",
    );
    let pdf = crate::disk::read_binary(&args.file, &name, limit).map_err(|d| vec![d])?;
    if !pdf.starts_with(b"%PDF-") {
        let d = Diagnostic::error(Rule::Unreadable, "不是 PDF 文件").at(Location::file(&name));
        return Err(vec![d]);
    }
    // The key file is read before anything is written, and only into memory.
    let signer = load_signer(&args.key, args.password_stdin).map_err(|d| vec![d])?;
    let archived = crate::archive::embedded(&pdf).ok();
    let placement = if args.invisible {
        crate::sign::Placement::Invisible
    } else {
        placement(&pdf, archived.as_ref(), args, &name)?
    };
    let time = signing_time(archived.as_ref()).ok_or_else(|| {
        Diagnostic::error(
            Rule::Unreadable,
            "无法确定签名时间：文件里没有 nianbao 内嵌的生成时间",
        )
        .hint("不是 nianbao 生成的 PDF：用环境变量 SOURCE_DATE_EPOCH 给出签名时间（Unix 秒数）")
    });
    let signed = time
        .and_then(|time| crate::sign::sign(&pdf, &signer, time, placement))
        .map_err(|d| vec![d.at(Location::file(&name))])?;
    let target = args.output.as_ref().unwrap_or(&args.file);
    crate::disk::write_output(target, &signed).map_err(|d| vec![d])?;
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

/// Where a visible signature goes: over the 落款, as the layout of the file's embedded data
/// places it, with the template and fonts set up as `verify` sets them. The file must be what
/// `verify` finds 一致 (what that data renders to, perhaps signed already), else the place
/// would be a guess. A report without a 落款 is signed invisibly.
fn placement(
    pdf: &[u8],
    archived: Option<&Archived>,
    args: &SignArgs,
    name: &str,
) -> Result<crate::sign::Placement, Vec<Diagnostic>> {
    let refuse = |message: &str, hint: &str| {
        vec![
            Diagnostic::error(Rule::Unreadable, message)
                .hint(hint)
                .at(Location::file(name)),
        ]
    };
    let Some(archived) = archived else {
        return Err(refuse(
            "文件里没有 nianbao 内嵌的数据，找不到落款的位置",
            "不是 nianbao 生成的 PDF，或用 --pdfa=2b 生成（不内嵌数据）：用 --invisible 加不可见的签名",
        ));
    };
    let template = super::archive::template_for(args.template.as_deref(), archived)?;
    let fonts = super::render::load_fonts(template.style(), &args.fonts).map_err(|d| vec![d])?;
    let products = crate::verify::remake(archived, &template, &fonts)?;
    let causes = match crate::verify::compare(pdf, archived, &products) {
        Verdict::Same | Verdict::Signed { .. } => {
            return Ok(crate::sign::Placement::on(products.signature_area));
        }
        Verdict::Differs { causes, .. } => causes,
    };
    let hint = if causes.is_empty() {
        "文件生成后被改动过（nianbao verify 可核验）；要签名只能用 --invisible 加不可见的签名"
            .to_string()
    } else {
        format!(
            "生成条件与本机不同：{}。生成时用了 --no-system-fonts、--font-dir 或 --template 的，签名时同样给出；或用 --invisible 加不可见的签名",
            causes.join("；")
        )
    };
    Err(refuse(
        "文件与其内嵌数据在本机生成的 PDF 不一致，找不到落款的位置",
        &hint,
    ))
}

/// `SOURCE_DATE_EPOCH` if set, else the creation time nianbao embedded in the file: the same
/// file signed twice gives the same bytes.
fn signing_time(archived: Option<&Archived>) -> Option<Timestamp> {
    if let Some(t) = super::render::source_date_epoch() {
        return Some(t);
    }
    Timestamp::parse_iso(&archived?.info.created)
}

/// The key file's password on standard input.
fn read_password() -> Result<String, Diagnostic> {
    super::password_from_stdin(4096).map_err(|message| Diagnostic::error(Rule::Usage, message))
}
