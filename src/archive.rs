//! Archival copies: a report carries inside its PDF and DOCX the data it was made from
//! (`report.toml`), its seal (`seal.png`) and how it was made (`nianbao.json`). `extract` reads
//! them back; `verify` renders them again and compares, byte for byte.
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

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Byte for byte what the embedded data gives.
    Same,
    /// The file begins with exactly what the embedded data gives, and continues with PDF
    /// incremental updates that add digital signatures and nothing else a page shows (no
    /// stream but a visible signature's empty appearance: no new content, image or drawn
    /// appearance), as `nianbao sign` appends them.
    Signed {
        /// The size of the revision the data gives.
        made: usize,
        /// How many signature dictionaries the updates add.
        signatures: usize,
    },
    /// Made again here, the file comes out different.
    Differs {
        /// What differs in how it was made (program, template, fonts); empty when everything
        /// matches, so the file itself was changed.
        causes: Vec<String>,
        /// The first byte that differs.
        offset: usize,
        /// The file's size and the size made here.
        sizes: (usize, usize),
    },
}

impl Verdict {
    /// The size of what the embedded data renders to, when the file begins with exactly that
    /// (whatever follows it).
    pub fn made_prefix(&self) -> Option<usize> {
        match self {
            Verdict::Same => None,
            Verdict::Signed { made, .. } => Some(*made),
            Verdict::Differs {
                causes,
                offset,
                sizes,
            } => (causes.is_empty() && *offset >= sizes.1).then_some(sizes.1),
        }
    }
}

/// Makes the file again from what it carries: its embedded data (and seal) rendered the way
/// it records it was made, with `template` (set up by [`configure`]) and `fonts`. The products
/// hold the PDF (or the .docx) and where the layout put the 落款. `verify` compares the bytes;
/// `nianbao sign` takes the 落款's place for a visible signature.
pub fn remake(
    archived: &Archived,
    template: &Template,
    fonts: &crate::fonts::Fonts,
) -> Result<crate::Products, Vec<Diagnostic>> {
    let loaded = crate::model::load(DATA_FILE, &archived.data, crate::model::Syntax::Toml);
    let report = match &loaded.report {
        Some(r) if !loaded.has_errors() => r,
        _ => return Err(loaded.diagnostics),
    };
    let doc = crate::document_with_seal(report, &loaded.source, template, |path| {
        archived.seal.clone().ok_or_else(|| {
            crate::seal::Refusal::new(
                crate::diag::Rule::Seal,
                format!("印章图片 {path} 无法读取：文件里没有内嵌的 {SEAL_FILE}"),
                "这份文件不是 nianbao 生成的原样文件，或内嵌的印章被删去了",
            )
        })
    })?;
    let pdf = archived.info.output == "pdf";
    let options = crate::pdf::PdfOptions {
        created: Timestamp::parse_iso(&archived.info.created),
        archival: archived
            .info
            .pdfa
            .as_deref()
            .and_then(crate::pdf::Archival::from_code)
            .unwrap_or_default(),
    };
    let setup = crate::Setup {
        template,
        fonts,
        targets: crate::Targets {
            pdf,
            docx: !pdf,
            html: None,
        },
        pdf: &options,
        docx_embed_fonts: archived.info.embed_fonts,
        sign: None,
        sign_invisible: false,
    };
    crate::produce(report, &doc, &setup).map_err(|d| vec![d])
}

/// Makes the file again ([`remake`]) and compares the bytes ([`compare`]).
pub fn verify(
    file: &[u8],
    archived: &Archived,
    template: &Template,
    fonts: &crate::fonts::Fonts,
) -> Result<Verdict, Vec<crate::diag::Diagnostic>> {
    let products = remake(archived, template, fonts)?;
    Ok(compare(file, archived, &products))
}

/// How a file stands to `products`, what its data gives ([`remake`]).
pub fn compare(file: &[u8], archived: &Archived, products: &crate::Products) -> Verdict {
    let pdf = archived.info.output == "pdf";
    let remade = if pdf {
        products.pdf.as_ref().map(|(bytes, _)| bytes)
    } else {
        products.docx.as_ref()
    }
    .map_or(&[][..], Vec::as_slice);
    if remade == file {
        return Verdict::Same;
    }
    if pdf
        && let Some(updates) = file.strip_prefix(remade)
        && let Some(signatures) = signature_updates(updates)
    {
        return Verdict::Signed {
            made: remade.len(),
            signatures,
        };
    }
    let causes = match embedded(remade) {
        Ok(now) => archived.info.differences(&now.info),
        Err(_) => Vec::new(),
    };
    let offset = file
        .iter()
        .zip(remade)
        .position(|(a, b)| a != b)
        .unwrap_or(file.len().min(remade.len()));
    Verdict::Differs {
        causes,
        offset,
        sizes: (file.len(), remade.len()),
    }
}

/// The number of signatures in `updates`, the bytes after a PDF's first revision, when they are
/// incremental updates that only sign: each ends in `%%EOF`, adds at least one `/Type /Sig`
/// dictionary, and holds no stream but the empty appearance of a visible signature
/// ([`empty_appearances_only`]): no new page content, image, font or drawn appearance. `None`
/// for anything else.
fn signature_updates(updates: &[u8]) -> Option<usize> {
    let contains = |needle: &[u8]| updates.windows(needle.len()).any(|w| w == needle);
    let count = |needle: &[u8]| {
        updates
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    };
    // Written `/Type/Sig` by some writers (nianbao's own, through lopdf), `/Type /Sig` by others.
    let signatures = count(b"/Type/Sig") + count(b"/Type /Sig");
    let ends = updates.trim_ascii_end().ends_with(b"%%EOF");
    (signatures > 0 && ends && empty_appearances_only(updates) && contains(b"/Prev"))
        .then_some(signatures)
}

/// Whether every stream in `updates` is an empty Form XObject: a dictionary with `/Type
/// /XObject`, `/Subtype /Form` and `/Length 0`, and nothing but end-of-line characters between
/// `stream` and `endstream`. That is the appearance a visible signature needs (PDF/A forbids
/// an annotation without one) and that draws nothing; any other stream is refused.
fn empty_appearances_only(updates: &[u8]) -> bool {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let mut from = 0;
    while let Some(found) = find(&updates[from..], b"stream") {
        let at = from + found;
        from = at + b"stream".len();
        if updates[..at].ends_with(b"end") {
            continue; // the end of a stream already looked at
        }
        let after = &updates[from..];
        let data = after
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(after.len());
        if !after[data..].starts_with(b"endstream") {
            return false;
        }
        // The stream's dictionary: from its object's `obj` to the keyword, spaces left out.
        let Some(obj) = updates[..at].windows(3).rposition(|w| w == b"obj") else {
            return false;
        };
        let dict: Vec<u8> = updates[obj + 3..at]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let has = |needle: &[u8]| find(&dict, needle).is_some();
        let empty = find(&dict, b"/Length0")
            .is_some_and(|i| matches!(dict.get(i + b"/Length0".len()), Some(b'/' | b'>')));
        if !(dict.starts_with(b"<<")
            && dict.ends_with(b">>")
            && has(b"/Type/XObject")
            && has(b"/Subtype/Form")
            && empty)
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;

    #[test]
    fn only_updates_that_add_signatures_and_no_stream_count_as_signing() {
        let sig = b"\n7 0 obj\n<< /Type /Sig /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\nxref\ntrailer\n<< /Prev 10 >>\nstartxref\n99\n%%EOF\n";
        assert_eq!(signature_updates(sig), Some(1));
        let mut twice = sig.to_vec();
        twice.extend_from_slice(sig);
        assert_eq!(signature_updates(&twice), Some(2));
        let with_stream = b"\n8 0 obj\n<< /Length 3 >>\nstream\nq Q\nendstream\nendobj\n7 0 obj\n<< /Type /Sig >>\nendobj\ntrailer\n<< /Prev 10 >>\n%%EOF\n";
        assert_eq!(signature_updates(with_stream), None);
        // A visible signature's appearance: an empty form counts, anything drawn does not.
        let form = |dict: &str, data: &str| {
            let mut update =
                format!("\n9 0 obj\n{dict}\nstream\n{data}\nendstream\nendobj\n").into_bytes();
            update.extend_from_slice(sig);
            signature_updates(&update)
        };
        let empty = "<</Type/XObject/Subtype/Form/BBox[0 0 120.5 80]/Length 0>>";
        assert_eq!(form(empty, ""), Some(1));
        assert_eq!(
            form(
                "<< /Type /XObject /Subtype /Form /Length 0 /BBox [0 0 1 1] >>",
                ""
            ),
            Some(1)
        );
        assert_eq!(form(empty, "q Q"), None, "content behind /Length 0");
        let drawn = "<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 3>>";
        assert_eq!(form(drawn, "q Q"), None, "a drawn appearance");
        assert_eq!(
            form(
                "<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 0 0 R>>",
                ""
            ),
            None,
            "a length elsewhere"
        );
        assert_eq!(
            form("<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 00>>", ""),
            None
        );
        let image = "<</Type/XObject/Subtype/Image/Width 1/Height 1/Length 0>>";
        assert_eq!(form(image, ""), None, "an image");
        assert_eq!(form("<</Length 0>>", ""), None, "a stream of unknown use");
        let mut both = format!("\n9 0 obj\n{empty}\nstream\n\nendstream\nendobj\n").into_bytes();
        both.extend_from_slice(with_stream);
        assert_eq!(
            signature_updates(&both),
            None,
            "an empty form beside content"
        );
        assert_eq!(signature_updates(b"\n% appended\n"), None);
        assert_eq!(
            signature_updates(&sig[..sig.len() - 7]),
            None,
            "not ended by %%EOF"
        );
    }

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
