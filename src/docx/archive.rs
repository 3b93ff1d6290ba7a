//! The report's embedded files as a custom XML part (`customXml/item1.xml`), and reading them
//! back.
//!
//! docx-rs has `add_custom_item`, but it writes the text unescaped (`&` and `<` break the
//! part), so the part is written here. Text files go in as escaped text, readable in any zip
//! tool; other files as base64.

use std::io::{Cursor, Read};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::document::Attachment;

const NAMESPACE: &str = "urn:nianbao:archive:1";
pub(super) const ITEM: &str = "customXml/item1.xml";
const PROPS: &str = "customXml/itemProps1.xml";
const ITEM_RELS: &str = "customXml/_rels/item1.xml.rels";

/// The relationship from the main document to the item.
pub(super) const DOCUMENT_RELATIONSHIP: &str = r#"<Relationship Id="rIdNianbaoData" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml" Target="../customXml/item1.xml"/>"#;
/// The content type of the item's properties part (the item itself is plain `xml`).
pub(super) const CONTENT_TYPE: &str = r#"<Override PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/>"#;

/// The three parts of the custom XML item: `(path, content)`.
pub(super) fn parts(attachments: &[Attachment]) -> Vec<(&'static str, String)> {
    let mut item = String::from(super::fixup::DECLARATION);
    item.push_str(&format!(r#"<archive xmlns="{NAMESPACE}">"#));
    for a in attachments {
        let (encoding, body) = match std::str::from_utf8(&a.bytes) {
            Ok(text) if text.chars().all(xml_char) => {
                // A carriage return would be read back as a line feed.
                ("", escape(text).replace('\r', "&#13;"))
            }
            _ => (r#" encoding="base64""#, BASE64.encode(a.bytes.as_slice())),
        };
        item.push_str(&format!(
            r#"<file name="{}" type="{}" relationship="{}"{encoding}>{body}</file>"#,
            escape(&a.name),
            a.mime,
            if a.source { "source" } else { "supplement" },
        ));
    }
    item.push_str("</archive>");
    let guid = guid(&crate::digest::sha256_hex(item.as_bytes()));
    let props = format!(
        r#"{}<ds:datastoreItem ds:itemID="{{{guid}}}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs><ds:schemaRef ds:uri="{NAMESPACE}"/></ds:schemaRefs></ds:datastoreItem>"#,
        super::fixup::DECLARATION
    );
    let rels = format!(
        r#"{}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps" Target="itemProps1.xml"/></Relationships>"#,
        super::fixup::DECLARATION
    );
    vec![(ITEM, item), (PROPS, props), (ITEM_RELS, rels)]
}

/// Characters XML 1.0 can carry.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A GUID made from a digest, so that the same content gets the same identifier.
fn guid(hex: &str) -> String {
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
    let mut item = String::new();
    zip.by_name(ITEM)
        .map_err(|_| "文件里没有 nianbao 的内嵌数据".to_string())?
        .read_to_string(&mut item)
        .map_err(|e| format!("内嵌数据无法读取（{e}）"))?;
    let mut reader = quick_xml::Reader::from_str(&item);
    let mut files = Vec::new();
    let mut current: Option<(String, bool, String)> = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("内嵌数据已损坏（{e}）"))?
        {
            Event::Start(e) if e.local_name().as_ref() == b"file" => {
                let mut name = String::new();
                let mut base64 = false;
                for attr in e.attributes().flatten() {
                    let value = attr
                        .decoded_and_normalized_value(
                            quick_xml::XmlVersion::Explicit1_0,
                            reader.decoder(),
                        )
                        .map_err(|e| format!("内嵌数据已损坏（{e}）"))?;
                    match attr.key.as_ref() {
                        b"name" => name = value.into_owned(),
                        b"encoding" => base64 = value == "base64",
                        _ => {}
                    }
                }
                current = Some((name, base64, String::new()));
            }
            Event::Text(t) => {
                if let Some((_, _, body)) = &mut current {
                    let text = t.decode().map_err(|e| format!("内嵌数据已损坏（{e}）"))?;
                    body.push_str(
                        &quick_xml::escape::unescape(&text)
                            .map_err(|e| format!("内嵌数据已损坏（{e}）"))?,
                    );
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, body)) = &mut current {
                    let name = r.decode().map_err(|e| format!("内嵌数据已损坏（{e}）"))?;
                    let entity = format!("&{name};");
                    body.push_str(
                        &quick_xml::escape::unescape(&entity)
                            .map_err(|e| format!("内嵌数据已损坏（{e}）"))?,
                    );
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"file" => {
                if let Some((name, base64, body)) = current.take() {
                    let bytes = if base64 {
                        BASE64
                            .decode(body.trim())
                            .map_err(|e| format!("内嵌的 {name} 已损坏（{e}）"))?
                    } else {
                        body.into_bytes()
                    };
                    files.push((name, bytes));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(files)
}
