//! The seal image (`signature.seal`): where it may be read from, how much of it is read, and
//! what is accepted. `render`, `batch`, `check` and `verify` all go through here, so `check`
//! passes exactly the seals rendering accepts.
//!
//! A seal path comes from a data file or a spreadsheet cell someone else filled in, so it is
//! confined to the data file's directory (a workbook's, for its rows) unless the user allows
//! more (`--allow-seal-anywhere`). The file must be a
//! regular file of at most [`SEAL_BYTES`]; its PNG header is checked against [`SEAL_SIDE`]
//! before anything is decoded; then it is decoded once, row by row, so that a corrupt image is
//! a clear error about `signature.seal` here rather than a failure deep inside the PDF writer.

use std::io::Cursor;
use std::path::{Component, Path, PathBuf};

use crate::diag::{Diagnostic, Rule};
use crate::disk::{self, ReadError};
use crate::limits::{self, SEAL_BYTES, SEAL_SIDE};
use crate::model::{SourceMap, schema};

/// The field every seal diagnostic is about.
pub const KEY: &str = "signature.seal";

/// Where seal paths are read from.
#[derive(Debug, Clone, Copy)]
pub struct Seals<'a> {
    /// The data file's directory (a workbook's, for its rows): seal paths are relative to it.
    pub dir: &'a Path,
    /// What `dir` holds, for messages: 数据文件, or 表格文件 for a workbook's rows.
    pub beside: &'static str,
    /// `--allow-seal-anywhere`: absolute paths and paths leading out of `dir` are read too.
    pub anywhere: bool,
}

impl<'a> Seals<'a> {
    /// Seals within the directory of a data file.
    pub fn within(dir: &'a Path) -> Self {
        Seals {
            dir,
            beside: "数据文件",
            anywhere: false,
        }
    }

    /// Seals within the directory of a workbook or CSV file, for its rows.
    pub fn within_table(dir: &'a Path) -> Self {
        Seals {
            beside: "表格文件",
            ..Seals::within(dir)
        }
    }

    /// Reads seals from anywhere when `anywhere` (`--allow-seal-anywhere`).
    pub fn anywhere(self, anywhere: bool) -> Self {
        Seals { anywhere, ..self }
    }
}

/// A seal refused: why, under which rule (`seal`, or `limit`), and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: Rule,
    pub message: String,
    pub hint: String,
}

impl Refusal {
    pub fn new(rule: Rule, message: String, hint: &str) -> Self {
        Refusal {
            rule,
            message,
            hint: hint.to_string(),
        }
    }

    /// The error, placed at the data file's `signature.seal`.
    pub fn diagnostic(&self, source: &SourceMap) -> Diagnostic {
        Diagnostic::error(self.rule, self.message.clone())
            .at(source.location(KEY))
            .field(KEY, schema::label(KEY))
            .hint(self.hint.clone())
    }
}

const TOO_LARGE_HINT: &str = "印章印在 42 mm 见方处，约 1000×1000 像素、几百 KB 足够；请缩小后再用";

/// The seal `written` (as the data file wrote it), read and accepted.
pub fn load(written: &str, seals: &Seals) -> Result<Vec<u8>, Refusal> {
    let bytes = read(written, seals)?;
    accept(written, &bytes)?;
    Ok(bytes)
}

/// The filing server's answer to any seal: it has no seal files, and a path in posted data
/// must not make it read one of its own files into a report.
pub fn not_on_server(written: &str) -> Refusal {
    Refusal::new(
        Rule::Seal,
        format!("填报系统不使用印章图片（signature.seal = {written}）：服务器上没有印章文件"),
        "删去 signature.seal；要盖章的 PDF，在本机用 nianbao render 生成，印章图片放在数据文件旁",
    )
}

/// The bytes of the seal `written`, read under the limits; not yet looked at.
pub fn read(written: &str, seals: &Seals) -> Result<Vec<u8>, Refusal> {
    let path = resolve(written, seals)?;
    disk::read_regular(&path, SEAL_BYTES).map_err(|e| match e {
        ReadError::Io(e) => Refusal::new(
            Rule::Seal,
            format!("印章图片 {written} 无法读取：{}", disk::io_message(&e)),
            &format!("路径相对于{}所在的目录", seals.beside),
        ),
        ReadError::NotAFile(what) => Refusal::new(
            Rule::Seal,
            format!("印章图片 {written} 无法读取：这是{what}，不是图片文件"),
            "印章应为带透明背景的 PNG 图片文件",
        ),
        ReadError::TooLarge(size) => Refusal::new(
            Rule::Limit,
            format!(
                "印章图片 {written} {}",
                limits::exceeded(
                    "印章文件的大小",
                    "seal_bytes",
                    limits::show_bytes(SEAL_BYTES),
                    format!("有 {}", limits::show_bytes(size)),
                )
            ),
            TOO_LARGE_HINT,
        ),
    })
}

/// The file `written` names. Without `anywhere`, a path that is absolute, climbs out of the
/// directory with `..`, or leads out of it through a symbolic link is refused before anything
/// is opened: the path comes from a file someone else may have filled in, and the seal is
/// embedded in the outputs, where it could carry out any file the run can read.
fn resolve(written: &str, seals: &Seals) -> Result<PathBuf, Refusal> {
    // A data file named without a directory has "" as its parent.
    let dir = match seals.dir {
        d if d.as_os_str().is_empty() => Path::new("."),
        d => d,
    };
    let path = dir.join(written);
    if seals.anywhere {
        return Ok(path);
    }
    let beside = seals.beside;
    let refuse = |why: String| {
        Refusal::new(
            Rule::Seal,
            format!("印章图片 {written} {why}；印章只从{beside}所在的目录（及其子目录）中读取"),
            &format!(
                "把印章图片放在{beside}所在的目录中，写相对于它的路径，如 印章.png；确需读取别处的图片，加 --allow-seal-anywhere"
            ),
        )
    };
    let mut depth = 0usize;
    for component in Path::new(written).components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            Component::ParentDir => return Err(refuse("用“..”指向了目录之外".into())),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("是绝对路径".into()));
            }
        }
    }
    // A link inside the directory may lead out of it. A file that is not there is left for
    // the reading to report.
    if let (Ok(real), Ok(base)) = (path.canonicalize(), dir.canonicalize())
        && !real.starts_with(&base)
    {
        return Err(refuse("是指向目录之外的链接".into()));
    }
    Ok(path)
}

/// Accepts the seal `bytes` (named `written`): a PNG whose header gives a size within
/// [`SEAL_SIDE`], decodable throughout.
pub fn accept(written: &str, bytes: &[u8]) -> Result<(u32, u32), Refusal> {
    let Some((w, h)) = png_size(bytes) else {
        return Err(Refusal::new(
            Rule::Seal,
            format!("印章图片 {written} 不是 PNG 图片"),
            "印章应为带透明背景的 PNG 图片",
        ));
    };
    if w.max(h) > SEAL_SIDE {
        return Err(Refusal::new(
            Rule::Limit,
            format!(
                "印章图片 {written} {}",
                limits::exceeded(
                    "印章图片的宽或高",
                    "seal_side",
                    format!("{SEAL_SIDE} 像素"),
                    format!("是 {w}×{h} 像素"),
                )
            ),
            TOO_LARGE_HINT,
        ));
    }
    decode(bytes).map_err(|e| {
        let (what, detail) = match &e {
            png::DecodingError::IoError(io) => ("不完整（文件被截断）", io.to_string()),
            png::DecodingError::LimitsExceeded => ("解码所需的内存超出限度", String::new()),
            _ => ("已损坏，无法解码", e.to_string()),
        };
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!("（PNG 解码器：{}）", detail.trim_end_matches('.'))
        };
        Refusal::new(
            Rule::Seal,
            format!("印章图片 {written} {what}{detail}"),
            "用图像软件打开印章图片，重新导出为 PNG",
        )
    })?;
    Ok((w, h))
}

/// Width and height from a PNG's signature and IHDR chunk, which the format puts first.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&bytes[16..20]), be(&bytes[20..24]))).filter(|(w, h)| *w > 0 && *h > 0)
}

/// Decodes every row, as the PDF writer (krilla, with the same decoder and transformation)
/// will, holding one row at a time.
fn decode(bytes: &[u8]) -> Result<(), png::DecodingError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info()?;
    while reader.next_row()?.is_some() {}
    Ok(())
}

/// A seal without transparency: the PDF prints it multiplied like ink, but Word lays its white
/// square over the 署名 and date.
pub fn opaque_warning(written: &str) -> Diagnostic {
    Diagnostic::warning(
        Rule::Seal,
        format!("印章图片 {written} 没有透明背景，在 Word 文档中会遮住署名和日期"),
    )
    .field(KEY, schema::label(KEY))
    .hint("用图像软件去掉印章的白色背景，存为带透明通道的 PNG")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEAL: &[u8] = include_bytes!("../tests/data/seal.png");

    #[test]
    fn paths_out_of_the_data_directory_are_refused_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("seals")).unwrap();
        std::fs::write(dir.path().join("outside.png"), SEAL).unwrap();
        std::fs::write(data.join("seals/town.png"), SEAL).unwrap();
        let within = Seals::within(&data);
        assert_eq!(load("seals/town.png", &within).unwrap(), SEAL);
        // `..` that stays inside is only a roundabout path.
        assert_eq!(load("./seals/../seals/town.png", &within).unwrap(), SEAL);
        let absolute = dir.path().join("outside.png");
        let absolute = absolute.to_str().unwrap();
        for (path, why) in [
            ("../outside.png", "用“..”指向了目录之外"),
            ("seals/../../outside.png", "用“..”指向了目录之外"),
            (absolute, "是绝对路径"),
        ] {
            let refused = load(path, &within).unwrap_err();
            assert_eq!(refused.rule, Rule::Seal);
            assert_eq!(
                refused.message,
                format!("印章图片 {path} {why}；印章只从数据文件所在的目录（及其子目录）中读取")
            );
            assert!(refused.hint.ends_with("加 --allow-seal-anywhere"));
            assert_eq!(load(path, &within.anywhere(true)).unwrap(), SEAL);
        }
        let refused = load("../outside.png", &Seals::within_table(&data)).unwrap_err();
        assert!(
            refused.message.contains("只从表格文件所在的目录"),
            "{}",
            refused.message
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(absolute, data.join("link.png")).unwrap();
            assert_eq!(
                load("link.png", &within).unwrap_err().message,
                "印章图片 link.png 是指向目录之外的链接；印章只从数据文件所在的目录（及其子目录）中读取"
            );
        }
    }

    #[test]
    fn the_header_is_checked_before_decoding_and_decoding_errors_are_plain() {
        assert_eq!(accept("s.png", SEAL).unwrap(), png_size(SEAL).unwrap());
        assert_eq!(
            accept("s.gif", b"GIF89a").unwrap_err().message,
            "印章图片 s.gif 不是 PNG 图片"
        );

        // A header claiming 5000 pixels is refused on the header alone: the rest is garbage.
        let mut huge = SEAL[..33].to_vec();
        huge[16..20].copy_from_slice(&5000u32.to_be_bytes());
        huge.extend_from_slice(&[0xAB; 64]);
        let refused = accept("huge.png", &huge).unwrap_err();
        assert_eq!(refused.rule, Rule::Limit);
        assert_eq!(
            refused.message,
            format!(
                "印章图片 huge.png 超出限度「印章图片的宽或高」（seal_side）：最多 4000 像素，这里是 5000×{} 像素",
                png_size(SEAL).unwrap().1
            )
        );

        // Cut short in its image data.
        let refused = accept("cut.png", &SEAL[..SEAL.len() / 2]).unwrap_err();
        assert_eq!(refused.rule, Rule::Seal);
        assert!(
            refused.message.starts_with("印章图片 cut.png "),
            "{}",
            refused.message
        );
        assert!(!refused.message.contains("Image("), "{}", refused.message);
    }
}
