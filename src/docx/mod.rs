//! The DOCX writer: the document tree and the layout's measures → an editable Word file.
//!
//! One writer, one pass: each part is written as WordprocessingML in the schema's order as it is
//! produced ([`xml`]), every Word rule in one place. The geometry comes from the layout, the
//! same measures the PDF is drawn from: column widths, row heights, the sizes of figures set
//! smaller, where labels break, where tables go on to a new page, the 落款's place and the seal's
//! rectangle, the footer's distance. The page is the 公文 document grid (22 lines × 28
//! characters), pagination is the tree's [`Keep`](crate::document::Keep) translated into
//! Word's properties. Fonts are named by their official names, or embedded (subsets,
//! obfuscated as ECMA-376 Part 1 §17.8.1 describes) so that the file looks the same anywhere.

mod archive;
mod body;
mod embed;
mod parts;
mod table;
mod xml;

pub use archive::read_attachments;

use std::io::{Cursor, Write};
use std::sync::Arc;

use crate::diag::{Diagnostic, Rule};
use crate::document::{Attachment, Document, Role, Timestamp};
use crate::layout::Measures;
use crate::style::Style;
use parts::Rel;

/// Twentieths of a point.
fn twips(pt: f32) -> i32 {
    (pt * 20.0).round() as i32
}

/// Twentieths of a point, rounded down: heights Word and LibreOffice add up, so that what the
/// layout fitted on a page does not come out a little taller there.
fn twips_down(pt: f32) -> i32 {
    (pt * 20.0 + 0.001).floor() as i32
}

/// English metric units (12 700 per point).
fn emu(pt: f32) -> i64 {
    (f64::from(pt) * 12_700.0).round() as i64
}

/// Half points, Word's unit of font size.
fn half_points(pt: f32) -> u32 {
    (pt * 2.0).round().max(1.0) as u32
}

/// Options for a .docx.
#[derive(Debug, Clone, Default)]
pub struct DocxOptions {
    /// The creation moment when the report has no date of its own (`SOURCE_DATE_EPOCH`).
    pub created: Option<Timestamp>,
    /// Embed subsets of the fonts the document uses, so that it looks the same on any machine
    /// (an embedded subset has only the characters already in the text: an edit may need the
    /// fonts installed).
    pub embed_fonts: bool,
}

/// The fonts a role's runs name.
#[derive(Debug, Clone)]
pub(super) struct RoleFont {
    /// The East Asian font.
    pub name: String,
    /// The face is the bold one of its family (an embedded Noto Serif SC Bold title).
    pub bold: bool,
    /// Digits and Latin letters.
    pub latin: String,
}

/// A font table entry.
#[derive(Debug, Clone)]
pub(super) struct FontEntry {
    pub name: String,
    /// One alternative name (Word reads `w:altName` as one name).
    pub alt: Option<String>,
    /// Character set 86 (GB 2312), or 00 for a Latin font.
    pub chinese: bool,
    /// `roman`, `modern`, `swiss` or `script`.
    pub class: &'static str,
    pub regular: Option<EmbeddedRef>,
    pub bold: Option<EmbeddedRef>,
}

/// Where an embedded font is and its obfuscation key.
#[derive(Debug, Clone)]
pub(super) struct EmbeddedRef {
    pub relationship: String,
    pub key: String,
}

/// Which fonts the runs name and what the font table lists.
pub(super) struct Fonts {
    roles: Vec<(Role, RoleFont)>,
    table: Vec<FontEntry>,
}

/// The CJK fonts every Windows ships, which Word can take for a missing official font.
const WINDOWS: [&str; 8] = [
    "仿宋", "FangSong", "楷体", "KaiTi", "黑体", "SimHei", "宋体", "SimSun",
];

impl Fonts {
    /// Runs name each role's official font (the first of its chain), and for digits and Latin
    /// letters the Latin font (Times New Roman) when the layout found one, else the role's
    /// own font, as the PDF has them. The font table gives each official font one that
    /// Windows ships as its alternative (仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, 黑体 → SimHei,
    /// 方正小标宋简体 → 宋体), and names the shipped open fonts of the chains (`open`), so that
    /// a machine with only those, and a fontconfig that maps the official names to them
    /// (`fonts/fonts.conf`), finds them.
    fn official(style: &Style, latin_found: bool, open: &[(Role, String)]) -> Fonts {
        let latin = style.fonts.latin.first().filter(|_| latin_found).cloned();
        let mut roles = Vec::new();
        let mut table: Vec<FontEntry> = Vec::new();
        for role in Role::ALL {
            let chain = role.families(style);
            let Some(name) = chain.first() else { continue };
            roles.push((
                role,
                RoleFont {
                    name: name.clone(),
                    bold: false,
                    latin: latin.clone().unwrap_or_else(|| name.clone()),
                },
            ));
            if table.iter().any(|e| &e.name == name) {
                continue;
            }
            let alt = chain[1..]
                .iter()
                .find(|n| WINDOWS.contains(&n.as_str()))
                .cloned()
                .or_else(|| match role {
                    Role::Heading if name == "黑体" => Some("SimHei".into()),
                    Role::Title | Role::PageNumber => Some("宋体".into()),
                    _ => None,
                });
            table.push(FontEntry {
                name: name.clone(),
                alt,
                chinese: true,
                class: class(role),
                regular: None,
                bold: None,
            });
        }
        for (role, family) in open {
            if !table.iter().any(|e| e.name == *family) {
                table.push(FontEntry {
                    name: family.clone(),
                    alt: None,
                    chinese: true,
                    class: class(*role),
                    regular: None,
                    bold: None,
                });
            }
        }
        if let Some(latin) = latin {
            table.push(FontEntry {
                name: latin,
                alt: None,
                chinese: false,
                class: "roman",
                regular: None,
                bold: None,
            });
        }
        Fonts { roles, table }
    }

    pub fn role(&self, role: Role) -> &RoleFont {
        &self
            .roles
            .iter()
            .find(|(r, _)| *r == role)
            .expect("every role has a font")
            .1
    }

    pub fn latin(&self, role: Role) -> &str {
        &self.role(role).latin
    }

    pub fn table(&self) -> &[FontEntry] {
        &self.table
    }
}

/// Word's font class of a role.
fn class(role: Role) -> &'static str {
    match role {
        Role::Heading => "swiss",
        Role::Subheading => "script",
        Role::Title | Role::Body | Role::PageNumber => "roman",
    }
}

const DOCUMENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

/// Writes the document as a .docx (deflated, the same bytes for the same input), with the
/// geometry the layout measured. `fonts` are the faces the layout used: embedded when asked.
pub fn write(
    doc: &Document,
    measures: &Measures,
    fonts: &crate::fonts::Fonts,
    attachments: &[Attachment],
    options: &DocxOptions,
) -> Result<Vec<u8>, Diagnostic> {
    let style = &doc.style;
    let (names, embedded) = if options.embed_fonts {
        embed::fonts(doc, fonts)?
    } else {
        let latin_found = fonts
            .chain_faces(crate::fonts::Chain::Latin)
            .next()
            .is_some();
        // The shipped open fonts of each role's chain.
        let open: Vec<(Role, String)> = Role::ALL
            .into_iter()
            .flat_map(|role| {
                fonts
                    .chain_faces(crate::fonts::Chain::Role(role))
                    .map(|f| fonts.face(f))
                    .filter(|f| f.bundled)
                    .map(move |f| (role, f.family.clone()))
            })
            .collect();
        (Fonts::official(style, latin_found, &open), Vec::new())
    };
    let seal = doc.seal().and_then(|i| i.data.clone());
    let (odd, even) = parts::footer_sides(style);
    let mut rels = vec![
        Rel {
            id: "rIdStyles",
            kind: "styles",
            target: "styles.xml",
        },
        Rel {
            id: "rIdSettings",
            kind: "settings",
            target: "settings.xml",
        },
        Rel {
            id: "rIdFontTable",
            kind: "fontTable",
            target: "fontTable.xml",
        },
        Rel {
            id: "rIdTheme",
            kind: "theme",
            target: "theme/theme1.xml",
        },
        Rel {
            id: "rIdFooterOdd",
            kind: "footer",
            target: "footer1.xml",
        },
    ];
    if even.is_some() {
        rels.push(Rel {
            id: "rIdFooterEven",
            kind: "footer",
            target: "footer2.xml",
        });
    }
    if seal.is_some() {
        rels.push(Rel {
            id: "rIdSeal",
            kind: "image",
            target: "media/seal.png",
        });
    }
    if !attachments.is_empty() {
        rels.push(Rel {
            id: "rIdNianbaoData",
            kind: "customXml",
            target: "../customXml/item1.xml",
        });
    }
    let document = body::document(&body::Body {
        doc,
        measures,
        fonts: &names,
        seal: seal.as_ref().map(|_| "rIdSeal"),
        footers: ("rIdFooterOdd", even.map(|_| "rIdFooterEven")),
    });
    let created = doc.meta.created(options.created);
    let mut overrides: Vec<(&str, &str)> = vec![
        ("/word/document.xml", DOCUMENT_TYPE),
        (
            "/word/styles.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
        ),
        (
            "/word/settings.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
        ),
        (
            "/word/fontTable.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml",
        ),
        (
            "/word/footer1.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        ),
    ];
    if even.is_some() {
        overrides.push((
            "/word/footer2.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        ));
    }
    overrides.extend([
        (
            "/word/theme/theme1.xml",
            "application/vnd.openxmlformats-officedocument.theme+xml",
        ),
        (
            "/docProps/core.xml",
            "application/vnd.openxmlformats-package.core-properties+xml",
        ),
        (
            "/docProps/app.xml",
            "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        ),
    ]);
    if !attachments.is_empty() {
        overrides.push((archive::PROPS_PART, archive::PROPS_TYPE));
    }
    let package_rels = parts::relationships(&[
        Rel {
            id: "rId1",
            kind: "officeDocument",
            target: "word/document.xml",
        },
        Rel {
            id: "rId2",
            kind: "metadata/core-properties",
            target: "docProps/core.xml",
        },
        Rel {
            id: "rId3",
            kind: "extended-properties",
            target: "docProps/app.xml",
        },
    ]);
    let font_rels: Vec<Rel> = embedded
        .iter()
        .map(|f| Rel {
            id: &f.relationship,
            kind: "font",
            target: &f.target,
        })
        .collect();
    let mut files: Vec<(String, Part)> = vec![
        (
            "[Content_Types].xml".into(),
            parts::content_types(&overrides).into(),
        ),
        ("_rels/.rels".into(), package_rels.into()),
        (
            "docProps/core.xml".into(),
            parts::core(&doc.meta, created).into(),
        ),
        ("docProps/app.xml".into(), parts::app().into()),
        ("word/document.xml".into(), document.into()),
        (
            "word/_rels/document.xml.rels".into(),
            parts::relationships(&rels).into(),
        ),
        (
            "word/styles.xml".into(),
            parts::styles(style, &names).into(),
        ),
        (
            "word/settings.xml".into(),
            parts::settings(!embedded.is_empty()).into(),
        ),
        (
            "word/fontTable.xml".into(),
            parts::font_table(&names).into(),
        ),
    ];
    if !font_rels.is_empty() {
        files.push((
            "word/_rels/fontTable.xml.rels".into(),
            parts::relationships(&font_rels).into(),
        ));
    }
    files.push((
        "word/footer1.xml".into(),
        parts::footer(style, &names, odd).into(),
    ));
    if let Some(even) = even {
        files.push((
            "word/footer2.xml".into(),
            parts::footer(style, &names, even).into(),
        ));
    }
    files.push(("word/theme/theme1.xml".into(), parts::theme().into()));
    if let Some(png) = seal {
        files.push(("word/media/seal.png".into(), Part::Shared(png)));
    }
    for f in embedded {
        files.push((format!("word/{}", f.target), Part::Bytes(f.bytes)));
    }
    if !attachments.is_empty() {
        for (path, text) in archive::parts(attachments) {
            files.push((path.to_string(), text.into()));
        }
    }
    pack(&files).map_err(|e| Diagnostic::error(Rule::Output, format!("无法生成 DOCX（{e}）")))
}

/// A part's content.
enum Part {
    Text(String),
    Bytes(Vec<u8>),
    Shared(Arc<Vec<u8>>),
}

impl From<String> for Part {
    fn from(s: String) -> Self {
        Part::Text(s)
    }
}

impl Part {
    fn bytes(&self) -> &[u8] {
        match self {
            Part::Text(s) => s.as_bytes(),
            Part::Bytes(b) => b,
            Part::Shared(b) => b,
        }
    }
}

/// Parts smaller than this are stored: deflating them gains little and each compressor costs
/// more to set up than the part takes to write.
const DEFLATE_FROM: usize = 1024;

/// Zips the parts in order, with the same fixed timestamp every time.
fn pack(files: &[(String, Part)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // The zip crate records the system it runs on ("fat" on Windows) unless told: always Unix,
    // so that Windows writes the very bytes Linux does.
    let base = zip::write::SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .system(zip::System::Unix);
    for (name, part) in files {
        let data = part.bytes();
        let options = if data.len() >= DEFLATE_FROM {
            // Level 1: the XML is repetitive enough that harder work gains a few percent at most.
            base.compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(1))
        } else {
            base.compression_method(zip::CompressionMethod::Stored)
        };
        out.start_file(name.as_str(), options)?;
        out.write_all(data)?;
    }
    Ok(out.finish()?.into_inner())
}
