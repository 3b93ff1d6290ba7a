//! `nianbao extract REPORT [-o FILE]` and `nianbao verify REPORT...`.

use std::path::Path;

use super::args::{ExtractArgs, VerifyArgs};
use super::render::{load_fonts, load_template};
use super::{Status, out, print_diagnostics};
use crate::archive::{self, Archived};
use crate::diag::{Diagnostic, Location, Rule};
use crate::document::{Timestamp, creation_moment};
use crate::fonts::Fonts;
use crate::model::{self, Syntax};
use crate::sign::{Anchors, Coverage, Integrity, SignatureCheck, Trust};
use crate::verify::Verdict;

pub fn extract(args: &ExtractArgs) -> Status {
    let (_, archived) = match read(&args.file) {
        Ok(r) => r,
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.file.with_extension("toml"));
    let dir = crate::disk::dir_of(&target);
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let data_name = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{stem}.toml"));
    let loaded = model::load(archive::DATA_FILE, &archived.data, Syntax::Toml);
    let mut text = archived.data.clone();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(seal) = &archived.seal {
        // Named after the data file, so that several reports can be extracted side by side;
        // the embedded data names it seal.png whatever it is called here.
        let seal_name = format!("{stem}-seal.png");
        if let Some(mut report) = loaded.report.clone()
            && let Some(sig) = report.signature.as_mut()
        {
            sig.seal = Some(seal_name.clone());
            text = model::to_toml(&report);
        }
        files.push((seal_name, seal.clone()));
    }
    files.insert(0, (data_name, text.into_bytes()));
    match crate::disk::write_files(dir, &files, args.force) {
        Ok(written) => {
            for path in &written {
                eprintln!("已取出 {}", path.display());
            }
            eprintln!(
                "重新生成同样的文件：{}",
                render_command(&target, &archived, &loaded)
            );
            Status::Ok
        }
        Err(d) => {
            print_diagnostics(&[d]);
            Status::Failed
        }
    }
}

/// The command that makes the same file again from the extracted data.
fn render_command(data: &Path, archived: &Archived, loaded: &model::Loaded) -> String {
    let info = &archived.info;
    let mut command = String::new();
    if let (Some(report), Some(created)) = (&loaded.report, Timestamp::parse_iso(&info.created)) {
        let date = report.signature.as_ref().and_then(|s| s.date);
        if creation_moment(date, report.year, None) != created {
            command.push_str(&format!("SOURCE_DATE_EPOCH={} ", created.to_unix()));
        }
    }
    command.push_str(&format!("nianbao render {}", data.display()));
    command.push_str(if info.output == "pdf" {
        " --to pdf"
    } else {
        " --to docx"
    });
    if let Some(level) = &info.pdfa
        && level != "3b"
    {
        command.push_str(&format!(" --pdfa={level}"));
    }
    if info.template.headings != "short" {
        command.push_str(&format!(" --headings {}", info.template.headings));
    }
    if !info.template.origin.starts_with("内置模板") {
        command.push_str(&format!(" --template {}", info.template.origin));
    }
    command
}

/// A file's bytes and what it carries.
fn read(path: &Path) -> Result<(Vec<u8>, Archived), Diagnostic> {
    let name = path.display().to_string();
    let limit = (
        crate::limits::ARCHIVE_FILE_BYTES,
        "PDF 或 .docx 文件的大小",
        "archive_file_bytes",
    );
    let bytes = crate::disk::read_binary(path, &name, limit)?;
    let archived = archive::embedded(&bytes).map_err(|d| {
        let d = d.at(Location::file(&name));
        if d.rule == Rule::Unreadable && d.hint.is_none() {
            d.hint("只有 nianbao 生成的 PDF（默认的 PDF/A-3b 或 --pdfa=off）和 .docx 内嵌数据")
        } else {
            d
        }
    })?;
    Ok((bytes, archived))
}

pub fn verify(args: &VerifyArgs) -> Status {
    let anchors = match trust_anchors(&args.trust) {
        Ok(a) => a,
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    let mut fonts: Option<Fonts> = None;
    let mut status = Status::Ok;
    for path in &args.files {
        status = status.merge(verify_one(path, args, &anchors, &mut fonts));
    }
    status
}

/// The certificates of every `--trust` file.
fn trust_anchors(files: &[std::path::PathBuf]) -> Result<Anchors, Diagnostic> {
    let mut anchors = Anchors::default();
    for path in files {
        let name = path.display().to_string();
        let limit = (
            crate::limits::KEY_FILE_BYTES,
            "证书文件的大小",
            "key_file_bytes",
        );
        let bytes = crate::disk::read_binary(path, &name, limit)?;
        anchors.extend(Anchors::read(&bytes).map_err(|d| d.at(Location::file(&name)))?);
    }
    Ok(anchors)
}

fn verify_one(
    path: &Path,
    args: &VerifyArgs,
    anchors: &Anchors,
    fonts: &mut Option<Fonts>,
) -> Status {
    let shown = path.display().to_string();
    let (bytes, archived) = match read(path) {
        Ok(r) => r,
        // Not a file nianbao made, or not readable: nothing was compared (exit 2, as --help says).
        Err(d) => {
            out(&format!("{shown}：无法核验：{}\n", d.message));
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    let template = match template_for(args.template.as_deref(), &archived) {
        Ok(t) => t,
        Err(diags) => {
            print_diagnostics(&diags);
            return Status::Failed;
        }
    };
    if fonts.is_none() {
        match load_fonts(template.style(), &args.fonts) {
            Ok(f) => *fonts = Some(f),
            Err(d) => {
                print_diagnostics(&[d]);
                return Status::Failed;
            }
        }
    }
    let Some(loaded) = fonts.as_ref() else {
        return Status::Failed;
    };
    let digest = crate::digest::sha256_hex(&bytes);
    let verdict = crate::verify::verify(&bytes, &archived, &template, loaded);
    let made = verdict.as_ref().ok().and_then(Verdict::made_prefix);
    let signatures = bytes
        .starts_with(b"%PDF-")
        .then(|| crate::sign::check(&bytes, anchors, now()));
    // Every signature intact: a broken one makes a signed file's verdict 签名失效.
    let intact = matches!(&signatures, Some(Ok(checks))
        if checks.iter().all(|c| c.integrity == Integrity::Intact));
    let mut status = match verdict {
        Ok(Verdict::Same) => {
            let kind = match archived.info.pdfa.as_deref() {
                Some("off") => "PDF".to_string(),
                Some(level) => format!("PDF/A-{level}"),
                None => "DOCX".to_string(),
            };
            out(&format!(
                "{shown}：一致。正是内嵌数据生成的 {kind}（{}，{}），SHA-256 {digest}\n",
                archived.info.generator, archived.info.template.origin
            ));
            Status::Ok
        }
        Ok(Verdict::Signed { made, signatures }) if !intact => {
            out(&format!(
                "{shown}：签名失效。前 {made} 字节正是内嵌数据生成的文件，但其后的 {signatures} 个数字签名不都完好（见下）。SHA-256 {digest}\n"
            ));
            Status::Invalid
        }
        Ok(Verdict::Signed { made, signatures }) => {
            out(&format!(
                "{shown}：一致，其后加了 {signatures} 个数字签名。前 {made} 字节正是内嵌数据生成的文件（{}，{}），其后的增量更新只添加签名，没有新的页面内容。SHA-256 {digest}\n",
                archived.info.generator, archived.info.template.origin
            ));
            Status::Ok
        }
        Ok(Verdict::Differs {
            causes,
            offset,
            sizes,
        }) if causes.is_empty() => {
            out(&format!(
                "{shown}：不一致。文件被改动过：与内嵌数据生成的文件自第 {offset} 字节起不同（大小 {} / {} 字节）\n",
                sizes.0, sizes.1
            ));
            Status::Invalid
        }
        Ok(Verdict::Differs { causes, .. }) => {
            out(&format!(
                "{shown}：无法确认。生成条件与本机不同，重新生成的文件自然不同：\n  {}\n",
                causes.join("\n  ")
            ));
            Status::Invalid
        }
        Err(diags) => {
            out(&format!(
                "{shown}：不一致。内嵌的数据无法生成报告（已被改动或损坏）\n"
            ));
            print_diagnostics(&diags);
            Status::Invalid
        }
    };
    match signatures {
        Some(Ok(checks)) => status = status.merge(report_signatures(&checks, bytes.len(), made)),
        Some(Err(d)) => {
            out(&format!("  签名无法读取：{}\n", d.message));
            status = status.merge(Status::Invalid);
        }
        None => {}
    }
    if let Some(line) = manifest_check(path, &digest) {
        if line.1 {
            status = status.merge(Status::Invalid);
        }
        out(&format!("  {}\n", line.0));
    }
    status
}

/// Prints each signature of a PDF of `len` bytes: who, when, over what, intact or not, trusted
/// or not. `made` is the size of the revision the embedded data renders to, when the file
/// begins with it. Invalid when a signature is broken, cannot be checked, leaves bytes unsigned
/// at the end, or (with `--trust`) is not trusted.
fn report_signatures(checks: &[SignatureCheck], len: usize, made: Option<usize>) -> Status {
    let mut status = Status::Ok;
    let ends: Vec<Option<usize>> = checks.iter().map(|c| c.coverage.end(len)).collect();
    for (i, check) in checks.iter().enumerate() {
        let number = i + 1;
        let field = check
            .field
            .as_ref()
            .map(|f| format!("「{f}」"))
            .unwrap_or_default();
        let (state, ok) = match &check.integrity {
            Integrity::Intact => (
                "完好：签名范围内的字节未被改动，签名值与签名人的证书相符".to_string(),
                true,
            ),
            Integrity::Altered => (
                "已失效：签名后文件被改动过（签名范围内的字节与签名时的摘要不符）".to_string(),
                false,
            ),
            Integrity::BadSignature => ("已失效：签名值与签名人的证书不符".to_string(), false),
            Integrity::Unchecked(why) => (format!("无法核验：{why}"), false),
        };
        if !ok {
            status = Status::Invalid;
        }
        out(&format!("  签名 {number}{field}：{state}\n"));
        if let Some(party) = &check.signer {
            out(&format!("    签名人：{}\n", party.subject));
            out(&format!(
                "    颁发者：{}；证书序列号 {}\n",
                party.issuer, party.serial
            ));
        }
        match check.time {
            Some(t) => out(&format!(
                "    签名时间：{}（北京时间 {}）\n",
                t.iso(),
                beijing(t)
            )),
            None => out("    签名时间：签名里没有写明\n"),
        }
        let coverage = match &check.coverage {
            Coverage::Whole => "整个文件（签名值除外）".to_string(),
            Coverage::Until { signed, after } => {
                let later = ends[i + 1..]
                    .iter()
                    .position(|e| *e == Some(len))
                    .map(|k| number + 1 + k);
                match later {
                    Some(k) => format!(
                        "文件的前 {signed} 字节（签名值除外）；其后追加的 {after} 字节由签名 {k} 覆盖"
                    ),
                    None => {
                        status = Status::Invalid;
                        format!(
                            "文件的前 {signed} 字节（签名值除外）；签名之后追加了 {after} 字节，没有任何签名覆盖"
                        )
                    }
                }
            }
            Coverage::Malformed(why) => {
                status = Status::Invalid;
                format!("不合规：{why}")
            }
        };
        out(&format!("    签名范围：{coverage}\n"));
        let renders = match (made, ends[i]) {
            (Some(made), Some(end)) if end >= made => {
                format!("签名所覆盖的前 {made} 字节正是内嵌数据重新生成的文件")
            }
            _ => "内嵌数据重新生成的文件与所签的内容不同".to_string(),
        };
        out(&format!("    所签内容：{renders}\n"));
        let trust = match &check.trust {
            Trust::NotAsked => "未核验是否可信（用 --trust CA.pem 给出信任的证书）".to_string(),
            Trust::Trusted(chain) => format!("受信任：{}", chain.join(" → ")),
            Trust::Untrusted(why) => {
                status = Status::Invalid;
                let intact = if ok {
                    "；签名本身完好，并非篡改"
                } else {
                    ""
                };
                format!("不受信任：{why}{intact}")
            }
        };
        out(&format!("    证书：{trust}\n"));
    }
    status
}

/// The moment of checking, which certificates must be valid at.
fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp::from_unix(seconds)
}

/// `YYYY-MM-DD HH:MM:SS` as a clock in Beijing (UTC+8, no daylight saving) shows `t`.
fn beijing(t: Timestamp) -> String {
    let local = Timestamp::from_unix((t.to_unix() + 8 * 3600).max(0) as u64);
    local
        .iso()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

/// The template a file was made with, set up as it records (its heading wording): the built-in
/// one, or the edited one in `dir`. `verify` and `sign` lay a file's data out with it.
pub(crate) fn template_for(
    dir: Option<&Path>,
    archived: &Archived,
) -> Result<crate::template::Template, Vec<Diagnostic>> {
    let mut template = load_template(dir, None)?;
    archive::configure(&mut template, &archived.info);
    Ok(template)
}

/// What the batch manifest beside the file says of it: `(sentence, mismatch)`.
fn manifest_check(path: &Path, digest: &str) -> Option<(String, bool)> {
    let manifest_path = crate::disk::dir_of(path).join(crate::batch::MANIFESTS[0]);
    if !manifest_path.is_file() {
        return None;
    }
    let name = path.file_name()?.to_str()?;
    // The manifest is a table of the batch's reports: no larger than the table they came from.
    let limit = (
        crate::limits::TABLE_FILE_BYTES,
        "表格文件的大小",
        "table_file_bytes",
    );
    let bytes = crate::disk::read_binary(&manifest_path, "manifest.json", limit).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let recorded = manifest["reports"]
        .as_array()?
        .iter()
        .flat_map(|r| r["outputs"].as_array().into_iter().flatten())
        .find(|o| o["file"] == name)?["sha256"]
        .as_str()?
        .to_string();
    Some(if recorded == digest {
        ("与 manifest.json 记录的 SHA-256 相同".into(), false)
    } else {
        (
            format!("与 manifest.json 记录的 SHA-256 不同（清单记录 {recorded}）"),
            true,
        )
    })
}
