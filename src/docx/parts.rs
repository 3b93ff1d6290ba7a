//! The package's other parts: styles, settings, the font table, the footers, the document
//! properties, the theme, content types and relationships.

use super::body::{Lines, Look, Para, run, run_properties};
use super::xml::{Xml, attrs};
use super::{Fonts, half_points};
use crate::document::{Meta, Role, Timestamp};
use crate::style::{PageNumberPosition, Style};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Defaults every run and paragraph inherits: the body's fonts and size, the Chinese language
/// (so that Word and WPS use Chinese forms and line-breaking rules), no space after paragraphs.
pub(super) fn styles(style: &Style, fonts: &Fonts) -> String {
    let mut x = Xml::new();
    x.open("w:styles", attrs![("xmlns:w", W)]);
    x.open("w:docDefaults", &[]);
    x.open("w:rPrDefault", &[]);
    x.open("w:rPr", &[]);
    let body = fonts.role(Role::Body);
    x.empty(
        "w:rFonts",
        attrs![
            ("w:ascii", fonts.latin(Role::Body)),
            ("w:hAnsi", fonts.latin(Role::Body)),
            ("w:eastAsia", &body.name),
            ("w:cs", fonts.latin(Role::Body)),
            ("w:hint", "eastAsia")
        ],
    );
    x.empty("w:sz", attrs![("w:val", half_points(style.sizes.body))]);
    x.empty("w:szCs", attrs![("w:val", half_points(style.sizes.body))]);
    x.empty(
        "w:lang",
        attrs![
            ("w:val", "en-US"),
            ("w:eastAsia", "zh-CN"),
            ("w:bidi", "ar-SA")
        ],
    );
    x.close("w:rPr");
    x.close("w:rPrDefault");
    x.open("w:pPrDefault", &[]);
    x.open("w:pPr", &[]);
    x.empty(
        "w:spacing",
        attrs![("w:after", 0), ("w:line", 240), ("w:lineRule", "auto")],
    );
    x.close("w:pPr");
    x.close("w:pPrDefault");
    x.close("w:docDefaults");
    x.open(
        "w:style",
        attrs![
            ("w:type", "paragraph"),
            ("w:default", "1"),
            ("w:styleId", "Normal")
        ],
    );
    x.empty("w:name", attrs![("w:val", "Normal")]);
    x.empty("w:qFormat", &[]);
    x.open("w:pPr", &[]);
    x.empty("w:jc", attrs![("w:val", "both")]);
    x.close("w:pPr");
    // The grid's character pitch is this size plus the section's charSpace: LibreOffice reads
    // it from the Normal style only, not from the defaults.
    x.open("w:rPr", &[]);
    x.empty("w:sz", attrs![("w:val", half_points(style.sizes.body))]);
    x.empty("w:szCs", attrs![("w:val", half_points(style.sizes.body))]);
    x.close("w:rPr");
    x.close("w:style");
    x.open(
        "w:style",
        attrs![
            ("w:type", "character"),
            ("w:default", "1"),
            ("w:styleId", "DefaultParagraphFont")
        ],
    );
    x.empty("w:name", attrs![("w:val", "Default Paragraph Font")]);
    x.empty("w:uiPriority", attrs![("w:val", 1)]);
    x.empty("w:semiHidden", &[]);
    x.empty("w:unhideWhenUsed", &[]);
    x.close("w:style");
    x.open(
        "w:style",
        attrs![
            ("w:type", "table"),
            ("w:default", "1"),
            ("w:styleId", "TableNormal")
        ],
    );
    x.empty("w:name", attrs![("w:val", "Normal Table")]);
    x.empty("w:uiPriority", attrs![("w:val", 99)]);
    x.empty("w:semiHidden", &[]);
    x.empty("w:unhideWhenUsed", &[]);
    x.open("w:tblPr", &[]);
    x.empty("w:tblInd", attrs![("w:w", 0), ("w:type", "dxa")]);
    x.open("w:tblCellMar", &[]);
    for (side, w) in [
        ("w:top", 0),
        ("w:left", 108),
        ("w:bottom", 0),
        ("w:right", 108),
    ] {
        x.empty(side, attrs![("w:w", w), ("w:type", "dxa")]);
    }
    x.close("w:tblCellMar");
    x.close("w:tblPr");
    x.close("w:style");
    x.close("w:styles");
    x.finish()
}

/// Settings: odd and even footers, no punctuation compression (characters stay on the grid),
/// embedded fonts when there are any, and the Chinese theme language.
pub(super) fn settings(embedded: bool) -> String {
    let mut x = Xml::new();
    x.open("w:settings", attrs![("xmlns:w", W)]);
    x.empty("w:zoom", attrs![("w:percent", 100)]);
    if embedded {
        x.empty("w:embedTrueTypeFonts", &[]);
        x.empty("w:saveSubsetFonts", &[]);
    }
    x.empty("w:defaultTabStop", attrs![("w:val", 420)]);
    x.empty("w:evenAndOddHeaders", &[]);
    x.empty(
        "w:characterSpacingControl",
        attrs![("w:val", "doNotCompress")],
    );
    x.open("w:compat", &[]);
    x.empty(
        "w:compatSetting",
        attrs![
            ("w:name", "compatibilityMode"),
            ("w:uri", "http://schemas.microsoft.com/office/word"),
            ("w:val", "15")
        ],
    );
    x.close("w:compat");
    x.empty(
        "w:themeFontLang",
        attrs![("w:val", "en-US"), ("w:eastAsia", "zh-CN")],
    );
    x.empty("w:decimalSymbol", attrs![("w:val", ".")]);
    x.empty("w:listSeparator", attrs![("w:val", ",")]);
    x.close("w:settings");
    x.finish()
}

/// The font table: every font the runs name, with its one alternative name, its character set
/// and class (what Word's own substitution goes by), and for an embedded font the part that
/// holds it and the key it is obfuscated with.
pub(super) fn font_table(fonts: &Fonts) -> String {
    let mut x = Xml::new();
    x.open("w:fonts", attrs![("xmlns:w", W), ("xmlns:r", R)]);
    for entry in fonts.table() {
        x.open("w:font", attrs![("w:name", &entry.name)]);
        if let Some(alt) = &entry.alt {
            x.empty("w:altName", attrs![("w:val", alt)]);
        }
        x.empty(
            "w:charset",
            attrs![("w:val", if entry.chinese { "86" } else { "00" })],
        );
        x.empty("w:family", attrs![("w:val", entry.class)]);
        x.empty("w:pitch", attrs![("w:val", "variable")]);
        for (tag, embedded) in [
            ("w:embedRegular", &entry.regular),
            ("w:embedBold", &entry.bold),
        ] {
            if let Some(e) = embedded {
                x.empty(
                    tag,
                    // Subsetted: an application must not take the font for new text.
                    attrs![
                        ("r:id", &e.relationship),
                        ("w:fontKey", &e.key),
                        ("w:subsetted", "true")
                    ],
                );
            }
        }
        x.close("w:font");
    }
    x.close("w:fonts");
    x.finish()
}

/// A footer with `— PAGE —`, 4号 宋体, one character in from the side it is aligned to.
pub(super) fn footer(style: &Style, fonts: &Fonts, jc: &str) -> String {
    let pn = &style.page_number;
    let size = style.sizes.page_number;
    let mut x = Xml::new();
    x.open("w:ftr", attrs![("xmlns:w", W), ("xmlns:r", R)]);
    x.open("w:p", &[]);
    let mut para = Para::new(Lines::Exact(size * 1.2));
    para.jc = if jc == "right" || jc == "left" {
        jc
    } else {
        "center"
    };
    if jc == "right" {
        para.right = size;
    } else if jc == "left" {
        para.left = size;
    }
    para.write(&mut x);
    let look = Look::plain(Role::PageNumber, size);
    run(&mut x, fonts, &format!("{} ", pn.dash), look, &[]);
    let field = |x: &mut Xml, kind: &str| {
        x.open("w:r", &[]);
        run_properties(x, fonts, look);
        x.empty("w:fldChar", attrs![("w:fldCharType", kind)]);
        x.close("w:r");
    };
    field(&mut x, "begin");
    x.open("w:r", &[]);
    run_properties(&mut x, fonts, look);
    x.leaf("w:instrText", &[], "PAGE");
    x.close("w:r");
    field(&mut x, "separate");
    run(&mut x, fonts, "1", look, &[]);
    field(&mut x, "end");
    run(&mut x, fonts, &format!(" {}", pn.dash), look, &[]);
    x.close("w:p");
    x.close("w:ftr");
    x.finish()
}

/// The footers' alignments: odd pages, and even pages when numbers sit outside.
pub(super) fn footer_sides(style: &Style) -> (&'static str, Option<&'static str>) {
    match style.page_number.position {
        PageNumberPosition::Center => ("center", None),
        PageNumberPosition::Outside => ("right", Some("left")),
    }
}

/// Core properties: title, subject, creator (the organ), keywords, language, and the report's
/// date as both created and modified (never the clock).
pub(super) fn core(meta: &Meta, created: Timestamp) -> String {
    let mut x = Xml::new();
    x.open(
        "cp:coreProperties",
        attrs![
            (
                "xmlns:cp",
                "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
            ),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:dcterms", "http://purl.org/dc/terms/"),
            ("xmlns:dcmitype", "http://purl.org/dc/dcmitype/"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        ],
    );
    x.leaf("dc:title", &[], &meta.title);
    x.leaf("dc:subject", &[], &meta.subject);
    x.leaf("dc:creator", &[], &meta.author);
    x.leaf("cp:keywords", &[], &meta.keywords);
    x.leaf("dc:language", &[], &meta.language);
    x.leaf("cp:lastModifiedBy", &[], &meta.author);
    x.leaf("cp:revision", &[], "1");
    for tag in ["dcterms:created", "dcterms:modified"] {
        x.leaf(tag, attrs![("xsi:type", "dcterms:W3CDTF")], &created.iso());
    }
    x.close("cp:coreProperties");
    x.finish()
}

pub(super) fn app() -> String {
    let mut x = Xml::new();
    x.open(
        "Properties",
        attrs![(
            "xmlns",
            "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
        )],
    );
    x.leaf("Application", &[], "nianbao");
    x.close("Properties");
    x.finish()
}

/// A relationship: id, type (the last part of the schema's URI) and target.
pub(super) struct Rel<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub target: &'a str,
}

pub(super) fn relationships(rels: &[Rel]) -> String {
    let mut x = Xml::new();
    x.open(
        "Relationships",
        attrs![(
            "xmlns",
            "http://schemas.openxmlformats.org/package/2006/relationships"
        )],
    );
    for r in rels {
        let base = if r.kind.starts_with("metadata/") {
            "http://schemas.openxmlformats.org/package/2006/relationships/"
        } else {
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        };
        x.empty(
            "Relationship",
            attrs![
                ("Id", r.id),
                ("Type", format!("{base}{}", r.kind).as_str()),
                ("Target", r.target)
            ],
        );
    }
    x.close("Relationships");
    x.finish()
}

/// Content types: by extension, and by part for the XML parts that are not plain XML.
pub(super) fn content_types(overrides: &[(&str, &str)]) -> String {
    let mut x = Xml::new();
    x.open(
        "Types",
        attrs![(
            "xmlns",
            "http://schemas.openxmlformats.org/package/2006/content-types"
        )],
    );
    for (ext, kind) in [
        (
            "rels",
            "application/vnd.openxmlformats-package.relationships+xml",
        ),
        ("xml", "application/xml"),
        ("png", "image/png"),
        (
            "odttf",
            "application/vnd.openxmlformats-officedocument.obfuscatedFont",
        ),
    ] {
        x.empty("Default", attrs![("Extension", ext), ("ContentType", kind)]);
    }
    for (part, kind) in overrides {
        x.empty(
            "Override",
            attrs![("PartName", *part), ("ContentType", *kind)],
        );
    }
    x.close("Types");
    x.finish()
}

/// A minimal theme (Word expects one): black text on white, Times New Roman and the body's
/// Chinese font.
pub(super) fn theme() -> String {
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
        decl = super::xml::DECLARATION,
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
