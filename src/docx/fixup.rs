//! docx-rs's gaps, mended in one pass over the built parts before they are zipped.
//!
//! docx-rs 0.4.22 writes property children out of schema order, an invalid `w:type` on
//! `w:gridCol`, negative image offsets as huge unsigned numbers, `leftChars` where a first-line
//! indent was meant, no `w:tblHeader`, no `w:lang`, a fixed font table, no core title or
//! creator, and no theme part. Each part is read into a small tree, mended, and written back.

use std::io::{Cursor, Read, Write};

use docx_rs::XMLDocx;
use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::diag::{Diagnostic, Rule};
use crate::document::{Block, Document, Role, Timestamp};
use crate::style::Style;

/// Schema order of the children of WordprocessingML property containers (ECMA-376 Part 1,
/// transitional schema), for the containers docx-rs writes out of order.
fn schema_order(parent: &str) -> Option<&'static [&'static str]> {
    Some(match parent {
        "pPr" => &[
            "pStyle",
            "keepNext",
            "keepLines",
            "pageBreakBefore",
            "framePr",
            "widowControl",
            "numPr",
            "suppressLineNumbers",
            "pBdr",
            "shd",
            "tabs",
            "suppressAutoHyphens",
            "kinsoku",
            "wordWrap",
            "overflowPunct",
            "topLinePunct",
            "autoSpaceDE",
            "autoSpaceDN",
            "bidi",
            "adjustRightInd",
            "snapToGrid",
            "spacing",
            "ind",
            "contextualSpacing",
            "mirrorIndents",
            "suppressOverlap",
            "jc",
            "textDirection",
            "textAlignment",
            "textboxTightWrap",
            "outlineLvl",
            "divId",
            "cnfStyle",
            "rPr",
            "sectPr",
            "pPrChange",
        ],
        "rPr" => &[
            "ins",
            "del",
            "moveFrom",
            "moveTo",
            "rStyle",
            "rFonts",
            "b",
            "bCs",
            "i",
            "iCs",
            "caps",
            "smallCaps",
            "strike",
            "dstrike",
            "outline",
            "shadow",
            "emboss",
            "imprint",
            "noProof",
            "snapToGrid",
            "vanish",
            "webHidden",
            "color",
            "spacing",
            "w",
            "kern",
            "position",
            "sz",
            "szCs",
            "highlight",
            "u",
            "effect",
            "bdr",
            "shd",
            "fitText",
            "vertAlign",
            "rtl",
            "cs",
            "em",
            "lang",
            "eastAsianLayout",
            "specVanish",
            "oMath",
            "rPrChange",
        ],
        "tcPr" => &[
            "cnfStyle",
            "tcW",
            "gridSpan",
            "hMerge",
            "vMerge",
            "tcBorders",
            "shd",
            "noWrap",
            "tcMar",
            "textDirection",
            "tcFitText",
            "vAlign",
            "hideMark",
            "headers",
            "cellIns",
            "cellDel",
            "cellMerge",
            "tcPrChange",
        ],
        "tblPr" => &[
            "tblStyle",
            "tblpPr",
            "tblOverlap",
            "bidiVisual",
            "tblStyleRowBandSize",
            "tblStyleColBandSize",
            "tblW",
            "jc",
            "tblCellSpacing",
            "tblInd",
            "tblBorders",
            "shd",
            "tblLayout",
            "tblCellMar",
            "tblLook",
            "tblCaption",
            "tblDescription",
            "tblPrChange",
        ],
        // CT_TrPr is a choice, so any order is valid; this one reads naturally.
        "trPr" => &[
            "cnfStyle",
            "divId",
            "gridBefore",
            "gridAfter",
            "wBefore",
            "wAfter",
            "cantSplit",
            "trHeight",
            "tblHeader",
            "tblCellSpacing",
            "jc",
            "hidden",
            "ins",
            "del",
            "trPrChange",
        ],
        "tblBorders" => &[
            "top", "left", "start", "bottom", "right", "end", "insideH", "insideV",
        ],
        "tblCellMar" => &["top", "left", "start", "bottom", "right", "end"],
        "sectPr" => &[
            "headerReference",
            "footerReference",
            "footnotePr",
            "endnotePr",
            "type",
            "pgSz",
            "pgMar",
            "paperSrc",
            "pgBorders",
            "lnNumType",
            "pgNumType",
            "cols",
            "formProt",
            "vAlign",
            "noEndnote",
            "titlePg",
            "textDirection",
            "bidi",
            "rtlGutter",
            "docGrid",
            "printerSettings",
            "sectPrChange",
        ],
        "style" => &[
            "name",
            "aliases",
            "basedOn",
            "next",
            "link",
            "autoRedefine",
            "hidden",
            "uiPriority",
            "semiHidden",
            "unhideWhenUsed",
            "qFormat",
            "locked",
            "personal",
            "personalCompose",
            "personalReply",
            "rsid",
            "pPr",
            "rPr",
            "tblPr",
            "trPr",
            "tcPr",
            "tblStylePr",
        ],
        "docDefaults" => &["rPrDefault", "pPrDefault"],
        "lvl" => &[
            "start",
            "numFmt",
            "lvlRestart",
            "pStyle",
            "isLgl",
            "suff",
            "lvlText",
            "lvlPicBulletId",
            "legacy",
            "lvlJc",
            "pPr",
            "rPr",
        ],
        "settings" => &[
            "writeProtection",
            "view",
            "zoom",
            "removePersonalInformation",
            "removeDateAndTime",
            "doNotDisplayPageBoundaries",
            "displayBackgroundShape",
            "printPostScriptOverText",
            "printFractionalCharacterWidth",
            "printFormsData",
            "embedTrueTypeFonts",
            "embedSystemFonts",
            "saveSubsetFonts",
            "saveFormsData",
            "mirrorMargins",
            "alignBordersAndEdges",
            "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter",
            "gutterAtTop",
            "hideSpellingErrors",
            "hideGrammaticalErrors",
            "activeWritingStyle",
            "proofState",
            "formsDesign",
            "attachedTemplate",
            "linkStyles",
            "stylePaneFormatFilter",
            "stylePaneSortMethod",
            "documentType",
            "mailMerge",
            "revisionView",
            "trackRevisions",
            "doNotTrackMoves",
            "doNotTrackFormatting",
            "documentProtection",
            "autoFormatOverride",
            "styleLockTheme",
            "styleLockQFSet",
            "defaultTabStop",
            "autoHyphenation",
            "consecutiveHyphenLimit",
            "hyphenationZone",
            "doNotHyphenateCaps",
            "showEnvelope",
            "summaryLength",
            "clickAndTypeStyle",
            "defaultTableStyle",
            "evenAndOddHeaders",
            "bookFoldRevPrinting",
            "bookFoldPrinting",
            "bookFoldPrintingSheets",
            "drawingGridHorizontalSpacing",
            "drawingGridVerticalSpacing",
            "displayHorizontalDrawingGridEvery",
            "displayVerticalDrawingGridEvery",
            "doNotUseMarginsForDrawingGridOrigin",
            "drawingGridHorizontalOrigin",
            "drawingGridVerticalOrigin",
            "doNotShadeFormData",
            "noPunctuationKerning",
            "characterSpacingControl",
            "printTwoOnOne",
            "strictFirstAndLastChars",
            "noLineBreaksAfter",
            "noLineBreaksBefore",
            "savePreviewPicture",
            "doNotValidateAgainstSchema",
            "saveInvalidXml",
            "ignoreMixedContent",
            "alwaysShowPlaceholderText",
            "doNotDemarcateInvalidXml",
            "saveXmlDataOnly",
            "useXSLTWhenSaving",
            "saveThroughXslt",
            "showXMLTags",
            "alwaysMergeEmptyNamespace",
            "updateFields",
            "hdrShapeDefaults",
            "footnotePr",
            "endnotePr",
            "compat",
            "docVars",
            "rsids",
            "mathPr",
            "attachedSchema",
            "themeFontLang",
            "clrSchemeMapping",
            "doNotIncludeSubdocsInStats",
            "doNotAutoCompressPictures",
            "forceUpgrade",
            "captions",
            "readModeInkLockDown",
            "smartTagType",
            "schemaLibrary",
            "shapeDefaults",
            "doNotEmbedSmartTags",
            "decimalSymbol",
            "listSeparator",
        ],
        _ => return None,
    })
}

/// What a part needs mended besides the order of its property containers.
#[derive(Default)]
struct Edits<'a> {
    /// Header rows of each table, in document order (document.xml).
    header_rows: &'a [usize],
    /// `w:firstLineChars` for first-line indents (document.xml).
    indent_chars: u32,
    /// Set the East-Asian language in the run defaults (styles.xml).
    language: bool,
    tables: usize,
    rows: usize,
}

/// An element being written: where its content goes until it ends.
struct Open {
    qname: String,
    /// Written whole already (an empty element outside any container).
    done: bool,
    start: String,
    /// The schema order of its children, when it is a property container.
    order: Option<&'static [&'static str]>,
    /// Inside a container (or one itself): content is held until the container can be sorted.
    held: bool,
    body: String,
    chunks: Vec<(usize, String)>,
    skip: bool,
}

impl Open {
    fn local(&self) -> &str {
        local(&self.qname)
    }
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// Streams a part through, putting the children of every property container in schema order
/// (stable for equals) and applying the edits; everything else is copied as it is.
fn mend(part: &mut Vec<u8>, edits: &mut Edits) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(part.as_slice());
    reader.config_mut().trim_text(false);
    let mut out = String::with_capacity(part.len() + 4096);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let raw: std::borrow::Cow<str> = match &event {
            Event::Start(e) => {
                open(&mut stack, &mut out, e, edits, false)?;
                continue;
            }
            Event::Empty(e) => {
                open(&mut stack, &mut out, e, edits, true)?;
                close(&mut stack, &mut out);
                continue;
            }
            Event::End(_) => {
                close(&mut stack, &mut out);
                continue;
            }
            Event::Eof => break,
            // Negative offsets come out as unsigned 32-bit numbers.
            Event::Text(t) if stack.last().is_some_and(|o| o.local() == "posOffset") => {
                let text = String::from_utf8_lossy(t);
                match text.trim().parse::<u64>() {
                    Ok(v) if v > i32::MAX as u64 => (v as i64 - (1i64 << 32)).to_string().into(),
                    _ => text.into_owned().into(),
                }
            }
            Event::Text(t) => String::from_utf8_lossy(t),
            Event::GeneralRef(r) => format!("&{};", String::from_utf8_lossy(r)).into(),
            Event::CData(c) => format!("<![CDATA[{}]]>", String::from_utf8_lossy(c)).into(),
            Event::Comment(c) => format!("<!--{}-->", String::from_utf8_lossy(c)).into(),
            Event::Decl(d) => format!("<?{}?>", String::from_utf8_lossy(d)).into(),
            Event::PI(p) => format!("<?{}?>", String::from_utf8_lossy(p)).into(),
            Event::DocType(d) => format!("<!DOCTYPE {}>", String::from_utf8_lossy(d)).into(),
        };
        match stack.last_mut() {
            Some(o) if o.held => o.body.push_str(&raw),
            _ => out.push_str(&raw),
        }
    }
    if !stack.is_empty() {
        return Err("unclosed element".into());
    }
    *part = out.into_bytes();
    Ok(())
}

/// The start tag `<name attr="…"` (unclosed), copied from the source unless attributes change.
fn start_tag(
    e: &quick_xml::events::BytesStart,
    local: &str,
    edits: &Edits,
) -> Result<String, String> {
    let edit = |attributes: &mut Vec<(String, String)>| match local {
        // Not in the schema: docx-rs writes w:type="dxa" on grid columns.
        "gridCol" => attributes.retain(|(k, _)| k != "w:type"),
        // docx-rs writes `leftChars` for the indent given in characters: it was meant as the
        // first line's, and Word prefers characters to twips when both are there.
        _ => {
            attributes.retain(|(k, _)| k != "w:leftChars");
            if attributes.iter().any(|(k, _)| k == "w:firstLine") {
                attributes.push(("w:firstLineChars".into(), edits.indent_chars.to_string()));
            }
        }
    };
    if !matches!(local, "gridCol" | "ind") {
        return Ok(format!("<{}", String::from_utf8_lossy(e)));
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        attributes.push((
            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
            String::from_utf8_lossy(&a.value).into_owned(),
        ));
    }
    edit(&mut attributes);
    let mut tag = format!("<{}", String::from_utf8_lossy(e.name().as_ref()));
    for (k, v) in &attributes {
        tag.push(' ');
        tag.push_str(k);
        tag.push_str("=\"");
        tag.push_str(v);
        tag.push('"');
    }
    Ok(tag)
}

fn open(
    stack: &mut Vec<Open>,
    out: &mut String,
    e: &quick_xml::events::BytesStart,
    edits: &mut Edits,
    empty: bool,
) -> Result<(), String> {
    let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let name = local(&qname);
    let parent = stack.last().map(Open::local);
    let grandparent = stack.len().checked_sub(2).map(|i| stack[i].local());
    // Outside a paragraph w:pPr is CT_PPrGeneral, which has no w:rPr; docx-rs writes an empty one.
    let skip = name == "rPr"
        && parent == Some("pPr")
        && matches!(grandparent, Some("style" | "lvl" | "pPrDefault"))
        && e.attributes().next().is_none();
    match name {
        "tbl" => {
            edits.tables += 1;
            edits.rows = 0;
        }
        "tr" => edits.rows += 1,
        _ => {}
    }
    let start = start_tag(e, name, edits)?;
    let order = schema_order(name);
    let held = order.is_some() || stack.last().is_some_and(|o| o.held);
    let mut chunks = Vec::new();
    let mut inject = |xml: &str| {
        let child = xml[1..].split([' ', '/', '>']).next().unwrap_or("");
        chunks.push((rank(order, local(child)), xml.to_string()));
    };
    match name {
        // No automatic space between Chinese and Latin text or digits: 公文 set "2024年", and the
        // extra space would push lines off the character grid. On every paragraph, since
        // LibreOffice does not read it from the defaults.
        "pPr" if parent == Some("p") => {
            inject(r#"<w:autoSpaceDE w:val="0"/>"#);
            inject(r#"<w:autoSpaceDN w:val="0"/>"#);
        }
        // Header rows repeat on every page the table continues on.
        "trPr"
            if edits.rows
                <= edits
                    .header_rows
                    .get(edits.tables.wrapping_sub(1))
                    .copied()
                    .unwrap_or(0) =>
        {
            inject("<w:tblHeader/>");
        }
        // The East-Asian language for every run, so Word and WPS use Chinese forms and rules.
        "rPr" if edits.language && parent == Some("rPrDefault") => {
            inject(r#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>"#);
        }
        _ => {}
    }
    if !held && !skip {
        out.push_str(&start);
        out.push_str(if empty { "/>" } else { ">" });
    }
    stack.push(Open {
        done: empty && !held,
        qname,
        start,
        order,
        held,
        body: String::new(),
        chunks,
        skip,
    });
    Ok(())
}

fn rank(order: Option<&[&str]>, local: &str) -> usize {
    order.map_or(0, |o| o.iter().position(|n| *n == local).unwrap_or(o.len()))
}

fn close(stack: &mut Vec<Open>, out: &mut String) {
    let Some(mut el) = stack.pop() else { return };
    if el.skip || el.done {
        return;
    }
    if !el.held {
        // Its start tag went out when it opened (an empty element gets a separate end tag).
        out.push_str("</");
        out.push_str(&el.qname);
        out.push('>');
        return;
    }
    let mut text = el.start;
    if el.order.is_some() && !el.chunks.is_empty() {
        el.chunks.sort_by_key(|(r, _)| *r);
        let mut body: String = el.chunks.iter().map(|(_, c)| c.as_str()).collect();
        body.push_str(&el.body);
        el.body = body;
    }
    if el.body.is_empty() {
        text.push_str("/>");
    } else {
        text.push('>');
        text.push_str(&el.body);
        text.push_str("</");
        text.push_str(&el.qname);
        text.push('>');
    }
    match stack.last_mut() {
        Some(parent) if parent.held && parent.order.is_some() => {
            let r = rank(parent.order, local(&el.qname));
            parent.chunks.push((r, text));
        }
        Some(parent) if parent.held => parent.body.push_str(&text),
        _ => out.push_str(&text),
    }
}

pub(super) const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

pub(super) fn apply(
    xml: &mut XMLDocx,
    doc: &Document,
    created: Timestamp,
    archive: bool,
) -> Result<(), Diagnostic> {
    let style = &doc.style;
    let fail = |e: String| Diagnostic::error(Rule::Output, format!("生成 DOCX 时出错（{e}）"));
    let header_rows: Vec<usize> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t.header_rows()),
            _ => None,
        })
        .collect();
    let mut document = Edits {
        header_rows: &header_rows,
        indent_chars: style.body.first_line_indent_chars * 100,
        ..Edits::default()
    };
    mend(&mut xml.document, &mut document).map_err(fail)?;
    for part in xml.footers.iter_mut().chain(xml.headers.iter_mut()) {
        mend(part, &mut Edits::default()).map_err(fail)?;
    }
    let mut styles = Edits {
        language: true,
        ..Edits::default()
    };
    mend(&mut xml.styles, &mut styles).map_err(fail)?;
    mend(&mut xml.settings, &mut Edits::default()).map_err(fail)?;
    mend(&mut xml.numberings, &mut Edits::default()).map_err(fail)?;
    xml.font_table = font_table(style).into_bytes();
    xml.doc_props.core = core(doc, created).into_bytes();
    let mut relationships = vec![THEME_RELATIONSHIP];
    let mut content_types = vec![THEME_CONTENT_TYPE];
    if archive {
        relationships.push(super::archive::DOCUMENT_RELATIONSHIP);
        content_types.push(super::archive::CONTENT_TYPE);
    }
    add_references(xml, &relationships, &content_types).map_err(fail)?;
    Ok(())
}

/// The official fonts of every role, each with its alternative names (ISO 29500 §17.8.3.1: a
/// comma-separated list; Word reads at most 31 characters of it as one name, so the list is
/// cut there) and the GB2312 character set, which is what Word's own substitution goes by.
fn font_table(style: &Style) -> String {
    let mut out = String::from(DECLARATION);
    out.push_str(
        r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    );
    let mut seen: Vec<&str> = Vec::new();
    let roles = [
        (Role::Title, "roman"),
        (Role::Heading, "modern"),
        (Role::Subheading, "script"),
        (Role::Body, "modern"),
        (Role::PageNumber, "roman"),
    ];
    for (role, family) in roles {
        let chain = role.families(style);
        let Some(name) = chain.first() else { continue };
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        let alt = alternative_names(&chain[1..]);
        out.push_str(&format!(r#"<w:font w:name="{}">"#, escape(name.as_str())));
        if !alt.is_empty() {
            out.push_str(&format!(r#"<w:altName w:val="{}"/>"#, escape(alt.as_str())));
        }
        out.push_str(&format!(
            r#"<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>"#
        ));
    }
    if let Some(latin) = style.fonts.latin.first() {
        out.push_str(&format!(
            r#"<w:font w:name="{}"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
            escape(latin.as_str())
        ));
    }
    out.push_str("</w:fonts>");
    out
}

/// The alternative names of a font: the other official names in order, and always the open
/// family that closes the chain, within Word's 31 characters. "X Bold" names the family X.
fn alternative_names(chain: &[String]) -> String {
    let family = |name: &String| name.strip_suffix(" Bold").unwrap_or(name).to_string();
    let Some((open, official)) = chain.split_last() else {
        return String::new();
    };
    let mut names: Vec<String> = Vec::new();
    for name in official.iter().map(family) {
        let candidate: Vec<String> = names.iter().cloned().chain([name, family(open)]).collect();
        if candidate.join(",").chars().count() <= 31 {
            names.push(candidate[candidate.len() - 2].clone());
        }
    }
    names.push(family(open));
    names.join(",")
}

/// Core properties: title, subject, creator (the organ), keywords, language, and the report's
/// date as both created and modified (never the clock; none when the report has no date).
fn core(doc: &Document, created: Timestamp) -> String {
    let m = &doc.meta;
    let mut out = String::from(DECLARATION);
    out.push_str(
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    );
    let field = |tag: &str, value: &str| format!("<{tag}>{}</{tag}>", escape(value));
    out.push_str(&field("dc:title", &m.title));
    out.push_str(&field("dc:subject", &m.subject));
    out.push_str(&field("dc:creator", &m.author));
    out.push_str(&field("cp:keywords", &m.keywords));
    out.push_str(&field("dc:language", &m.language));
    out.push_str(&field("cp:lastModifiedBy", &m.author));
    out.push_str("<cp:revision>1</cp:revision>");
    for tag in ["dcterms:created", "dcterms:modified"] {
        out.push_str(&format!(
            r#"<{tag} xsi:type="dcterms:W3CDTF">{}</{tag}>"#,
            created.iso()
        ));
    }
    out.push_str("</cp:coreProperties>");
    out
}

const THEME_PATH: &str = "word/theme/theme1.xml";

/// Word expects a theme part; docx-rs writes none. Its relationship and content type are added
/// with the others in [`add_references`], the part itself in [`pack`].
const THEME_RELATIONSHIP: &str = r#"<Relationship Id="rIdTheme1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/>"#;
const THEME_CONTENT_TYPE: &str = r#"<Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>"#;

/// Adds relationships of the main document and content-type overrides for parts docx-rs does
/// not know about.
fn add_references(
    xml: &mut XMLDocx,
    relationships: &[&str],
    content_types: &[&str],
) -> Result<(), String> {
    let rels =
        String::from_utf8(std::mem::take(&mut xml.document_rels)).map_err(|e| e.to_string())?;
    xml.document_rels = rels
        .replacen(
            "</Relationships>",
            &format!("{}</Relationships>", relationships.concat()),
            1,
        )
        .into_bytes();
    let types =
        String::from_utf8(std::mem::take(&mut xml.content_type)).map_err(|e| e.to_string())?;
    xml.content_type = types
        .replacen(
            "</Types>",
            &format!("{}</Types>", content_types.concat()),
            1,
        )
        .into_bytes();
    Ok(())
}

/// A minimal theme: black text on white, Times New Roman and the body's Chinese font.
fn theme() -> String {
    let fill = r#"<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>"#;
    let line = format!(r#"<a:ln w="9525">{fill}</a:ln>"#);
    let effect = "<a:effectStyle><a:effectLst/></a:effectStyle>";
    let colour =
        |name: &str, rgb: &str| format!(r#"<a:{name}><a:srgbClr val="{rgb}"/></a:{name}>"#);
    format!(
        concat!(
            r#"{decl}<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="nianbao">"#,
            r#"<a:themeElements><a:clrScheme name="nianbao">"#,
            r#"<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1><a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>"#,
            "{dk2}{lt2}{a1}{a2}{a3}{a4}{a5}{a6}{h}{fh}</a:clrScheme>",
            r#"<a:fontScheme name="nianbao"><a:majorFont><a:latin typeface="Times New Roman"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont>"#,
            r#"<a:minorFont><a:latin typeface="Times New Roman"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme>"#,
            r#"<a:fmtScheme name="nianbao"><a:fillStyleLst>{fill}{fill}{fill}</a:fillStyleLst>"#,
            "<a:lnStyleLst>{line}{line}{line}</a:lnStyleLst><a:effectStyleLst>{effect}{effect}{effect}</a:effectStyleLst>",
            "<a:bgFillStyleLst>{fill}{fill}{fill}</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"
        ),
        decl = DECLARATION,
        dk2 = colour("dk2", "1F1F1F"),
        lt2 = colour("lt2", "EEEEEE"),
        a1 = colour("accent1", "C00000"),
        a2 = colour("accent2", "404040"),
        a3 = colour("accent3", "808080"),
        a4 = colour("accent4", "A0A0A0"),
        a5 = colour("accent5", "606060"),
        a6 = colour("accent6", "303030"),
        h = colour("hlink", "0000FF"),
        fh = colour("folHlink", "800080"),
        fill = fill,
        line = line,
        effect = effect,
    )
}

/// Parts smaller than this are stored: deflating them gains little and each compressor costs
/// more to set up than the part takes to write.
const DEFLATE_FROM: usize = 1024;

/// Zips the parts: docx-rs stores them uncompressed, so they are re-zipped with Deflate, in the
/// same order and with the same fixed timestamp every time, with the theme part and the `extra`
/// parts added.
pub(super) fn pack(xml: XMLDocx, extra: &[(&str, String)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut stored = Cursor::new(Vec::new());
    xml.pack(&mut stored)?;
    let mut archive = zip::ZipArchive::new(Cursor::new(stored.into_inner()))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let base = zip::write::SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let options = |size: usize| {
        if size >= DEFLATE_FROM {
            // Level 1: the XML is repetitive enough that harder work gains a few percent at most.
            base.compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(1))
        } else {
            base.compression_method(zip::CompressionMethod::Stored)
        }
    };
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data)?;
        out.start_file(name, options(data.len()))?;
        out.write_all(&data)?;
    }
    let theme = theme();
    for (path, text) in
        std::iter::once((THEME_PATH, &theme)).chain(extra.iter().map(|(p, t)| (*p, t)))
    {
        out.start_file(path, options(text.len()))?;
        out.write_all(text.as_bytes())?;
    }
    Ok(out.finish()?.into_inner())
}
