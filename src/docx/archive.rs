//! The report's embedded files as a custom XML part (`customXml/item1.xml`), and reading them
//! back. Text files go in as escaped text, readable in any zip tool; other files as base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::xml::{Xml, attrs};
use crate::diag::{Diagnostic, Rule};
use crate::document::Attachment;
use crate::limits::{self, show_bytes};

const NAMESPACE: &str = "urn:nianbao:archive:1";
const ITEM: &str = "customXml/item1.xml";
const PROPS: &str = "customXml/itemProps1.xml";
const ITEM_RELS: &str = "customXml/_rels/item1.xml.rels";

/// The item's properties part and its content type (the item itself is plain `xml`).
pub(super) const PROPS_PART: &str = "/customXml/itemProps1.xml";
pub(super) const PROPS_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.customXmlProperties+xml";

/// The three parts of the custom XML item: `(path, content)`.
pub(super) fn parts(attachments: &[Attachment]) -> Vec<(&'static str, String)> {
    let mut item = Xml::new();
    item.open("archive", attrs![("xmlns", NAMESPACE)]);
    for a in attachments {
        let relationship = if a.source { "source" } else { "supplement" };
        match std::str::from_utf8(&a.bytes) {
            Ok(text) if text.chars().all(xml_char) => {
                item.open(
                    "file",
                    attrs![
                        ("name", &a.name),
                        ("type", a.mime),
                        ("relationship", relationship)
                    ],
                );
                // A carriage return would be read back as a line feed.
                for (i, piece) in text.split('\r').enumerate() {
                    if i > 0 {
                        item.raw("&#13;");
                    }
                    item.text(piece);
                }
                item.close("file");
            }
            _ => item.leaf(
                "file",
                attrs![
                    ("name", &a.name),
                    ("type", a.mime),
                    ("relationship", relationship),
                    ("encoding", "base64")
                ],
                &BASE64.encode(a.bytes.as_slice()),
            ),
        }
    }
    item.close("archive");
    let item = item.finish();
    let guid = guid(&crate::digest::sha256_hex(item.as_bytes()));
    let mut props = Xml::new();
    props.open(
        "ds:datastoreItem",
        attrs![
            ("ds:itemID", format!("{{{guid}}}").as_str()),
            (
                "xmlns:ds",
                "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
            )
        ],
    );
    props.open("ds:schemaRefs", &[]);
    props.empty("ds:schemaRef", attrs![("ds:uri", NAMESPACE)]);
    props.close("ds:schemaRefs");
    props.close("ds:datastoreItem");
    let rels = super::parts::relationships(&[super::parts::Rel {
        id: "rId1",
        kind: "customXmlProps",
        target: "itemProps1.xml",
    }]);
    vec![(ITEM, item), (PROPS, props.finish()), (ITEM_RELS, rels)]
}

/// Characters XML 1.0 can carry.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A GUID made from a digest, so that the same content gets the same identifier.
pub(super) fn guid(hex: &str) -> String {
    let h = hex.to_uppercase();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The embedded files of a .docx: `(name, bytes)`. The file may be anyone's: the container
/// is opened within the limits, and the item and each file in it are refused past theirs.
pub fn read_attachments(docx: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    use crate::container::{self, PartLimit};
    let mut zip = container::open(docx, ".docx")?;
    let limit = PartLimit {
        bytes: limits::DOCX_DATA_PART_BYTES,
        zh: ".docx 内嵌数据部分的大小",
        key: "docx_data_part_bytes",
    };
    let item = container::read_part(&mut zip, ITEM, limit)?
        .ok_or_else(|| Diagnostic::error(Rule::Unreadable, "文件里没有 nianbao 的内嵌数据"))?;
    let damaged = |e: &dyn std::fmt::Display| {
        Diagnostic::error(Rule::Unreadable, format!("内嵌数据 {ITEM} 已损坏（{e}）"))
    };
    let item = std::str::from_utf8(&item).map_err(|e| damaged(&e))?;
    let markup = container::count_xml_markup(item.as_bytes(), limits::DOCX_DATA_XML_MARKUP)
        .map_err(|e| damaged(&e))?;
    if markup > limits::DOCX_DATA_XML_MARKUP {
        return Err(limits::error(
            ".docx 内嵌数据部分的 XML 元素与属性数",
            "docx_data_xml_markup",
            format!("{} 个", limits::DOCX_DATA_XML_MARKUP),
            format!("的 {ITEM} 至少有 {markup} 个"),
        ));
    }
    let xml = roxmltree::Document::parse(item).map_err(|e| damaged(&e))?;
    let entries: Vec<_> = xml
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((NAMESPACE, "file")))
        .collect();
    if entries.len() as u64 > limits::EMBEDDED_FILES {
        return Err(limits::too_many_embedded_files(entries.len()));
    }
    let mut files = Vec::new();
    for file in entries {
        let name = file.attribute("name").unwrap_or_default().to_string();
        let body: String = file
            .children()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        let base64 = file.attribute("encoding") == Some("base64");
        // Base64 carries three bytes in four characters; checked before decoding.
        let size = if base64 {
            body.len() / 4 * 3
        } else {
            body.len()
        } as u64;
        if size > limits::EMBEDDED_FILE_BYTES {
            return Err(limits::embedded_file_too_large(
                &name,
                &format!("有 {}", show_bytes(size)),
            ));
        }
        let bytes = if base64 {
            BASE64.decode(body.trim()).map_err(|e| {
                Diagnostic::error(Rule::Unreadable, format!("内嵌的 {name} 已损坏（{e}）"))
            })?
        } else {
            body.into_bytes()
        };
        files.push((name, bytes));
    }
    Ok(files)
}
