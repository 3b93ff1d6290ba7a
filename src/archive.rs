//! Archival copies: a report carries inside its PDF and DOCX the data it was made from
//! (`report.toml`), its seal (`seal.png`) and how it was made (`nianbao.json`). `extract` reads
//! them back; `crate::verify` renders them again and compares, byte for byte.
//!
//! The writers only embed and read back named files; what the files are and what a difference
//! between two `nianbao.json` means is decided here.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Rule};
use crate::document::{Attachment, Timestamp};
use crate::fonts::Face;
use crate::model::{Report, to_toml};
use crate::template::Template;

pub const DATA_FILE: &str = "report.toml";
pub const SEAL_FILE: &str = "seal.png";
pub const INFO_FILE: &str = "nianbao.json";

/// How a file was made: everything besides the data that its bytes depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// `nianbao 0.1.0`.
    pub generator: String,
    /// `pdf` or `docx`.
    pub output: String,
    /// The PDF/A level (`3b`), or `off`; absent for a DOCX.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdfa: Option<String>,
    /// The creation moment the file was given (`2025-01-20T00:00:00Z`).
    pub created: String,
    pub template: TemplateInfo,
    /// The font files the text is set in (a .docx takes its geometry from the same layout).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fonts: Vec<FontInfo>,
    /// A .docx with subsets of its fonts embedded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub embed_fonts: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateInfo {
    /// `内置模板 2021`, or the template directory as given.
    pub origin: String,
    /// [`Template::fingerprint`].
    pub fingerprint: String,
    /// The heading wording option, so that the same template can be set up again.
    pub headings: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FontInfo {
    pub family: String,
    pub postscript: String,
    /// The file name only: where a font is installed does not change the output.
    pub file: String,
    pub size: u64,
    /// [`Face::checksum`], in hex.
    pub checksum: String,
}

impl FontInfo {
    pub fn of(face: &Face) -> FontInfo {
        FontInfo {
            family: face.family.clone(),
            postscript: face.post_script_name.clone(),
            file: face
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size: face.data.len() as u64,
            checksum: format!("{:08x}", face.checksum()),
        }
    }

    fn describe(&self) -> String {
        format!("{}（{}，{} 字节）", self.family, self.file, self.size)
    }
}

impl Info {
    pub fn new(
        output: &str,
        template: &Template,
        pdfa: Option<&str>,
        created: Timestamp,
        fonts: Vec<FontInfo>,
    ) -> Info {
        let headings = serde_json::to_value(template.style().options.headings)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        Info {
            generator: crate::document::generator(),
            output: output.to_string(),
            pdfa: pdfa.map(str::to_string),
            created: created.iso(),
            template: TemplateInfo {
                origin: template.origin().to_string(),
                fingerprint: template.fingerprint(),
                headings,
            },
            fonts,
            embed_fonts: false,
        }
    }

    /// What differs between how a file was made (`self`) and how it is made here (`now`), in
    /// the clerk's words. Empty when nothing that shapes the bytes differs.
    pub fn differences(&self, now: &Info) -> Vec<String> {
        let mut out = Vec::new();
        if self.generator != now.generator {
            out.push(format!(
                "生成程序不同：文件由 {} 生成，本机是 {}",
                self.generator, now.generator
            ));
        }
        if self.template.fingerprint != now.template.fingerprint {
            out.push(format!(
                "模板不同：文件用的是「{}」（指纹 {}），现在用的是「{}」（指纹 {}）",
                self.template.origin,
                self.template.fingerprint,
                now.template.origin,
                now.template.fingerprint
            ));
        }
        let missing: Vec<String> = self
            .fonts
            .iter()
            .filter(|f| !now.fonts.contains(f))
            .map(FontInfo::describe)
            .collect();
        let other: Vec<String> = now
            .fonts
            .iter()
            .filter(|f| !self.fonts.contains(f))
            .map(FontInfo::describe)
            .collect();
        if !missing.is_empty() || !other.is_empty() {
            let list = |fonts: Vec<String>| {
                if fonts.is_empty() {
                    "（无）".to_string()
                } else {
                    fonts.join("、")
                }
            };
            out.push(format!(
                "字体不同：文件用了而本机没有用 {}；本机用了而文件没有用 {}",
                list(missing),
                list(other)
            ));
        }
        out
    }
}

/// The data as embedded: the canonical TOML of the report, its seal (if any) renamed to
/// [`SEAL_FILE`] so that data and seal extract side by side.
pub fn data_text(report: &Report) -> String {
    let mut report = report.clone();
    if let Some(sig) = &mut report.signature
        && sig.seal.is_some()
    {
        sig.seal = Some(SEAL_FILE.to_string());
    }
    to_toml(&report)
}

/// The files a report carries: its data, its seal, and how it was made.
pub fn attachments(report: &Report, seal: Option<&Arc<Vec<u8>>>, info: &Info) -> Vec<Attachment> {
    let mut files = vec![Attachment {
        name: DATA_FILE.into(),
        mime: "application/toml",
        description: "本报告的数据（TOML，nianbao extract 可取出）".into(),
        source: true,
        bytes: Arc::new(data_text(report).into_bytes()),
    }];
    if let Some(seal) = seal {
        files.push(Attachment {
            name: SEAL_FILE.into(),
            mime: "image/png",
            description: "落款处的印章图片".into(),
            source: true,
            bytes: Arc::clone(seal),
        });
    }
    let mut info_json = serde_json::to_string_pretty(info).expect("the info serialises");
    info_json.push('\n');
    files.push(Attachment {
        name: INFO_FILE.into(),
        mime: "application/json",
        description: "生成本文件的程序、模板和字体".into(),
        source: false,
        bytes: Arc::new(info_json.into_bytes()),
    });
    files
}

/// What an archival copy carries, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Archived {
    pub data: String,
    pub seal: Option<Vec<u8>>,
    pub info: Info,
}

/// Interprets the embedded files of a PDF or DOCX.
pub fn read(files: Vec<(String, Vec<u8>)>) -> Result<Archived, Diagnostic> {
    let damaged = |message: String| Diagnostic::error(Rule::Unreadable, message);
    let mut data = None;
    let mut seal = None;
    let mut info = None;
    for (name, bytes) in files {
        match name.as_str() {
            DATA_FILE => {
                // What extract writes must be a data file the other commands read.
                if bytes.len() as u64 > crate::disk::MAX_DATA_FILE {
                    return Err(Diagnostic::error(
                        Rule::FileTooLarge,
                        format!(
                            "内嵌的 {DATA_FILE} 有 {}，一份报告的数据文件不会超过 {}",
                            crate::limits::show_bytes(bytes.len() as u64),
                            crate::limits::show_bytes(crate::disk::MAX_DATA_FILE)
                        ),
                    ));
                }
                data = Some(
                    String::from_utf8(bytes)
                        .map_err(|_| damaged(format!("内嵌的 {DATA_FILE} 已损坏")))?,
                )
            }
            SEAL_FILE => seal = Some(bytes),
            INFO_FILE => {
                info = Some(
                    serde_json::from_slice::<Info>(&bytes)
                        .map_err(|e| damaged(format!("内嵌的 {INFO_FILE} 已损坏（{e}）")))?,
                )
            }
            _ => {}
        }
    }
    let data = data.ok_or_else(|| damaged(format!("文件里没有内嵌的 {DATA_FILE}")))?;
    let info = info.ok_or_else(|| damaged(format!("文件里没有内嵌的 {INFO_FILE}")))?;
    Ok(Archived { data, seal, info })
}

/// The embedded files of a PDF or a .docx, told apart by their first bytes. Errors have no
/// location: the caller knows the file's name.
pub fn embedded(file: &[u8]) -> Result<Archived, Diagnostic> {
    let files = if file.starts_with(b"%PDF-") {
        crate::pdf::read_attachments(file)?
    } else if file.starts_with(b"PK") {
        crate::docx::read_attachments(file)?
    } else {
        return Err(Diagnostic::error(
            Rule::Unreadable,
            "不是 PDF 或 .docx 文件",
        ));
    };
    read(files)
}

/// Sets `template` up as the file was made: its heading wording.
pub fn configure(template: &mut Template, info: &Info) {
    if let Ok(headings) =
        serde_json::from_value(serde_json::Value::String(info.template.headings.clone()))
    {
        template.style_mut().options.headings = headings;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;

    fn font(file: &str, checksum: &str) -> FontInfo {
        FontInfo {
            family: "Noto Serif SC".into(),
            postscript: "NotoSerifSC-Regular".into(),
            file: file.into(),
            size: 100,
            checksum: checksum.into(),
        }
    }

    #[test]
    fn differences_name_the_template_and_the_fonts() {
        let template = Template::builtin(Format::Y2021);
        let made = Info::new(
            "pdf",
            &template,
            Some("3b"),
            stamp(),
            vec![font("a.otf", "01")],
        );
        assert!(made.differences(&made.clone()).is_empty());
        let mut other = template_with_article50();
        let now = Info::new(
            "pdf",
            &other,
            Some("3b"),
            stamp(),
            vec![font("b.otf", "02")],
        );
        let said = made.differences(&now);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(said[0].starts_with("模板不同"), "{}", said[0]);
        assert!(
            said[1].contains("a.otf") && said[1].contains("b.otf"),
            "{}",
            said[1]
        );
        other.style_mut().options.headings = Default::default();
        assert_eq!(other.fingerprint(), template.fingerprint());
    }

    fn stamp() -> Timestamp {
        Timestamp::from_unix(1_737_331_200)
    }

    fn template_with_article50() -> Template {
        let mut t = Template::builtin(Format::Y2021);
        t.style_mut().options.headings = crate::style::Headings::Article50;
        t
    }

    #[test]
    fn embedded_files_read_back() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sealed.toml"
        ))
        .unwrap();
        let report = crate::model::load("sealed.toml", &text, crate::model::Syntax::Toml)
            .report
            .unwrap();
        let template = Template::builtin(Format::Y2021);
        let info = Info::new("docx", &template, None, stamp(), Vec::new());
        let seal = Arc::new(vec![1, 2, 3]);
        let files = attachments(&report, Some(&seal), &info);
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, [DATA_FILE, SEAL_FILE, INFO_FILE]);
        let back = read(
            files
                .iter()
                .map(|f| (f.name.clone(), f.bytes.to_vec()))
                .collect(),
        )
        .unwrap();
        assert_eq!(back.info, info);
        assert_eq!(back.seal, Some(vec![1, 2, 3]));
        assert!(back.data.contains("seal = \"seal.png\""), "{}", back.data);
        assert!(read(Vec::new()).unwrap_err().message.contains(DATA_FILE));
    }
}
