//! Fonts embedded in the .docx (`--docx-embed-fonts`): the faces the layout used for each role,
//! cut down to the characters of the document, obfuscated as ECMA-376 Part 1 §17.8.1 asks (the
//! first 32 bytes XORed with the font key), and named in the runs by their own family names so
//! that Word and LibreOffice take them.

use std::collections::{BTreeMap, BTreeSet};

use super::{EmbeddedRef, FontEntry, Fonts, RoleFont, class};
use crate::diag::{Diagnostic, Rule};
use crate::document::{Block, Document, Role};
use crate::fonts::{Chain, FaceId};

/// A font part: where it goes (relative to `word/`), its relationship and its bytes.
pub(super) struct FontPart {
    pub target: String,
    pub relationship: String,
    pub bytes: Vec<u8>,
}

/// The characters each role sets in the document.
fn chars_by_role(doc: &Document) -> BTreeMap<Role, BTreeSet<char>> {
    let mut by_role: BTreeMap<Role, BTreeSet<char>> = BTreeMap::new();
    let mut add = |role: Role, text: &str| by_role.entry(role).or_default().extend(text.chars());
    for block in &doc.blocks {
        match block {
            Block::Title { text, .. } => add(Role::Title, text),
            Block::Heading { level, text, .. } => add(
                if *level == 1 {
                    Role::Heading
                } else {
                    Role::Subheading
                },
                text,
            ),
            Block::Paragraph(p) => {
                for r in &p.runs {
                    add(r.role, &r.text);
                }
            }
            Block::Table(t) => {
                for c in t.cells() {
                    add(c.role, &c.text);
                }
            }
            Block::Signature(s) => {
                add(Role::Body, &s.organ);
                add(Role::Body, s.date.as_deref().unwrap_or(""));
            }
        }
    }
    // Page numbers are the page field's digits, whatever the page count.
    add(
        Role::PageNumber,
        &format!("{} 0123456789", doc.style.page_number.dash),
    );
    by_role
}

/// The fonts to name and the font parts to embed: for each role, the faces the layout set it
/// in, each cut down to the characters it sets.
///
/// The embedded families are renamed with a tag drawn from what the document embeds ("Zhuque
/// Fangsong 3F2A1C"), and the runs name them so: a program that keeps fonts by name for a
/// whole session (LibreOffice does) cannot then draw one document's text with another
/// document's subset, which lacks its characters. The real family is each one's `w:altName`.
pub(super) fn fonts(
    doc: &Document,
    faces: &crate::fonts::Fonts,
) -> Result<(Fonts, Vec<FontPart>), Diagnostic> {
    let by_role = chars_by_role(doc);
    let mut chars: BTreeMap<FaceId, BTreeSet<char>> = BTreeMap::new();
    for (&role, set) in &by_role {
        // Every face the layout sets a character of this role in: the role's own, the Latin
        // face for letters and digits, and the fallbacks.
        for &ch in set {
            if let Some((face, _)) = faces.glyph(role, ch) {
                chars.entry(face).or_default().insert(ch);
            }
        }
    }
    let tag = {
        let mut all = String::new();
        for (face, set) in &chars {
            all.push_str(&faces.face(*face).family);
            all.extend(set);
        }
        crate::digest::sha256_hex(all.as_bytes())[..6].to_ascii_uppercase()
    };
    let tagged = |face: FaceId| format!("{} {tag}", faces.face(face).family);

    let latin_face = faces.chain_faces(Chain::Latin).next();
    let roles: Vec<(Role, RoleFont)> = Role::ALL
        .into_iter()
        .map(|role| {
            let face = faces.primary(role);
            // The title sets its figures in its own face (see `Fonts::glyph`); a face that
            // sets nothing is not embedded and keeps its own name.
            let latin = match latin_face {
                Some(l) if role != Role::Title && chars.contains_key(&l) => tagged(l),
                _ => tagged(face),
            };
            let name = if chars.contains_key(&face) {
                tagged(face)
            } else {
                faces.face(face).family.clone()
            };
            let font = RoleFont {
                name,
                bold: faces.face(face).weight >= 600,
                latin,
            };
            (role, font)
        })
        .collect();

    let mut table: Vec<FontEntry> = Vec::new();
    let mut parts = Vec::new();
    for (n, (face_id, set)) in chars.iter().enumerate() {
        let face = faces.face(*face_id);
        if !face.embeddable() {
            return Err(Diagnostic::error(
                Rule::Font,
                format!("字体「{}」的授权不允许嵌入文档", face.family),
            )
            .hint("去掉 --docx-embed-fonts，或用 --font-dir 换用允许嵌入的字体"));
        }
        let name = tagged(*face_id);
        let subset = face.subset_named(set, &name).map_err(|e| {
            Diagnostic::error(
                Rule::Font,
                format!("字体「{}」无法嵌入 .docx（{e}）", face.family),
            )
        })?;
        let key = super::archive::guid(&crate::digest::sha256_hex(&subset));
        let relationship = format!("rIdFont{}", n + 1);
        let target = format!("fonts/font{}.odttf", n + 1);
        let embedded = EmbeddedRef {
            relationship: relationship.clone(),
            key: format!("{{{key}}}"),
        };
        parts.push(FontPart {
            target,
            relationship,
            bytes: obfuscate(subset, &key),
        });
        let role = roles
            .iter()
            .find(|(_, f)| f.name == name)
            .map_or(Role::Body, |(r, _)| *r);
        let bold = face.weight >= 600;
        match table.iter_mut().find(|e| e.name == name) {
            Some(e) if bold => e.bold = Some(embedded),
            Some(e) => e.regular = Some(embedded),
            None => table.push(FontEntry {
                name,
                alt: Some(face.family.clone()),
                chinese: latin_face.is_none_or(|l| l != *face_id),
                class: class(role),
                regular: (!bold).then(|| embedded.clone()),
                bold: bold.then_some(embedded),
            }),
        }
    }
    Ok((Fonts { roles, table }, parts))
}

/// ECMA-376 Part 1 §17.8.1: the first 32 bytes XORed with the key's 16 bytes, taken from the
/// GUID's hexadecimal digits from the last pair to the first.
fn obfuscate(mut font: Vec<u8>, guid: &str) -> Vec<u8> {
    let hex: Vec<u8> = guid
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|b| (b as char).to_digit(16).unwrap_or(0) as u8)
        .collect();
    let key: Vec<u8> = hex.chunks(2).map(|p| p[0] << 4 | p[1]).collect();
    for (i, byte) in font.iter_mut().take(32).enumerate() {
        *byte ^= key[15 - i % 16];
    }
    font
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obfuscation_xors_the_first_32_bytes_with_the_reversed_key() {
        let guid = "00112233-4455-6677-8899-AABBCCDDEEFF";
        let font: Vec<u8> = vec![0; 40];
        let out = obfuscate(font, guid);
        assert_eq!(out[0], 0xFF);
        assert_eq!(out[15], 0x00);
        assert_eq!(out[16], 0xFF);
        assert_eq!(out[31], 0x00);
        assert_eq!(&out[32..], &[0; 8]);
        // It is its own inverse.
        assert_eq!(obfuscate(out, guid), vec![0; 40]);
    }
}
