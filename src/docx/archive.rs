//! The report's embedded files as a custom XML part (`customXml/item1.xml`), and reading them
//! back. Text files go in as escaped text, readable in any zip tool; other files as base64.

use std::io::{Cursor, Read};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::xml::{Xml, attrs};
use crate::document::Attachment;

const NAMESPACE: &str = "urn:nianbao:archive:1";
const ITEM: &str = "customXml/item1.xml";
const PROPS: &str = "customXml/itemProps1.xml";
const ITEM_RELS: &str = "customXml/_rels/item1.xml.rels";

/// The item's properties part and its content type (the item itself is plain `xml`).
pub(super) const PROPS_PART: &str = "/customXml/itemProps1.xml";
pub(super) const PROPS_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.customXmlProperties+xml";

/// The embedded files are a report's data and seal: a few megabytes at most. A larger item is
/// not read.
const MAX_ITEM: u64 = 32 * 1024 * 1024;

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

/// The embedded files of a .docx: `(name, bytes)`.
pub fn read_attachments(docx: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(docx))
        .map_err(|e| format!("不是有效的 .docx 文件（{e}）"))?;
    let entry = zip
        .by_name(ITEM)
        .map_err(|_| "文件里没有 nianbao 的内嵌数据".to_string())?;
    if entry.size() > MAX_ITEM {
        return Err(format!(
            "内嵌数据过大（{} MB），不读",
            entry.size() / 1024 / 1024
        ));
    }
    let mut item = String::new();
    entry
        .take(MAX_ITEM + 1)
        .read_to_string(&mut item)
        .map_err(|e| format!("内嵌数据无法读取（{e}）"))?;
    if item.len() as u64 > MAX_ITEM {
        return Err("内嵌数据过大，不读".into());
    }
    let xml = roxmltree::Document::parse(&item).map_err(|e| format!("内嵌数据已损坏（{e}）"))?;
    let mut files = Vec::new();
    for file in xml
        .root_element()
        .children()
        .filter(|n| n.has_tag_name((NAMESPACE, "file")))
    {
        let name = file.attribute("name").unwrap_or_default().to_string();
        let body: String = file
            .children()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect();
        let bytes = if file.attribute("encoding") == Some("base64") {
            BASE64
                .decode(body.trim())
                .map_err(|e| format!("内嵌的 {name} 已损坏（{e}）"))?
        } else {
            body.into_bytes()
        };
        files.push((name, bytes));
    }
    Ok(files)
}
