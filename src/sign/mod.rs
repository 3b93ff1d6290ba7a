//! `nianbao sign`: a PAdES baseline B-B signature appended to a PDF as an incremental update.
//!
//! The only module that uses the crypto crates: the PKCS#12 file is read with `p12-keystore`,
//! the key signs with `rsa` (PKCS#1 v1.5) or `p256` (ECDSA, RFC 6979), both deterministic, and
//! the CMS SignedData is written
//! here in DER (a handful of fixed structures: RFC 5652, RFC 5035's signing-certificate-v2).
//! The original bytes are kept as they are; the update adds a signature dictionary, a
//! signature field (over the 落款, or invisible on page 1: [`Placement`]), the catalog with its
//! `/AcroForm`, the field's page with its `/Annots`, and a classic cross-reference section with
//! `/Prev`, as krilla writes the file.
//! The signing time is `/M` of the signature dictionary (no signing-time attribute, as PAdES
//! asks): given by the caller, so that the same file signed twice gives the same bytes.

mod check;
mod der;

pub use check::{Anchors, Coverage, Integrity, Party, SignatureCheck, Trust, check};

use lopdf::{Dictionary, Document, Object};
use p12_keystore::Pkcs12Archive;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, PrivateKey};
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Rule};
use crate::document::Timestamp;

/// Room for the CMS object in `/Contents`, in bytes (twice as many hex digits).
const CONTENTS_BYTES: usize = 16 * 1024;

/// The key and certificates of a PKCS#12 file. Held in memory only; its `Debug` shows how many
/// certificates it has and nothing of the key, so that no log can hold it.
pub struct Signer {
    key: Key,
    /// The signer's certificate first, then the rest of the chain as the file has it (DER).
    certs: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("certificates", &self.certs.len())
            .finish_non_exhaustive()
    }
}

/// A private key of one of the kinds signed with here.
enum Key {
    /// RSA, signing with PKCS#1 v1.5.
    Rsa(PrivateKey),
    /// ECDSA on P-256 with SHA-256, its nonce derived from key and message (RFC 6979).
    P256(p256::ecdsa::SigningKey),
}

impl Key {
    /// From a PKCS#8 private key: RSA or P-256.
    fn from_pkcs8(der: &[u8]) -> Option<Key> {
        if let Ok(key) = PrivateKey::from_pkcs8_der(der) {
            return Some(Key::Rsa(key));
        }
        p256::ecdsa::SigningKey::from_pkcs8_der(der)
            .ok()
            .map(Key::P256)
    }

    /// The public key's SubjectPublicKeyInfo (DER), as a certificate holds it.
    fn public_spki(&self) -> Option<Vec<u8>> {
        use rsa::pkcs8::EncodePublicKey;
        let der = match self {
            Key::Rsa(key) => rsa::PublicKey::from(key).to_public_key_der(),
            Key::P256(key) => key.verifying_key().to_public_key_der(),
        };
        der.ok().map(|d| d.as_bytes().to_vec())
    }

    /// The CMS signatureAlgorithm and the signature of `message` (the signed attributes' DER).
    fn sign(&self, message: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Diagnostic> {
        let failed =
            || key_error("签名失败：私钥无法签名").hint("私钥可能已损坏：重新导出密钥文件");
        match self {
            Key::Rsa(key) => {
                let hashed: [u8; 32] = Sha256::digest(message).into();
                let signature = key
                    .sign(Pkcs1v15Sign::new_unprefixed(), &der::digest_info(&hashed))
                    .map_err(|_| failed())?;
                Ok((der::seq(&[der::oid(der::OID_RSA), der::null()]), signature))
            }
            Key::P256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature =
                    key.try_sign(message).map_err(|_| failed())?;
                Ok((
                    der::seq(&[der::oid(der::OID_ECDSA_SHA256)]),
                    signature.to_der().as_bytes().to_vec(),
                ))
            }
        }
    }
}

fn key_error(message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Rule::Unreadable, message)
}

impl Signer {
    /// Reads a PKCS#12 file. A wrong password, a file without a key or without the key's
    /// certificate, or a key neither RSA nor P-256 is an error that says so.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Signer, Diagnostic> {
        let archive = Pkcs12Archive::from_pkcs12(data, password).map_err(|e| match e {
            p12_keystore::error::Error::MacError(_) => {
                key_error("密钥文件的密码不对").hint(
                    "检查密码；用 --password-stdin（render、batch 用 --sign-password-stdin）从标准输入的第一行给出",
                )
            }
            e => key_error("密钥文件无法读取（不是 PKCS#12 文件，或已损坏）")
                .hint(format!("给出 PKCS#12 格式的密钥文件（.p12 或 .pfx）；读取时的错误：{e}")),
        })?;
        let bag = match archive.keys.as_slice() {
            [] => {
                return Err(key_error("密钥文件里没有私钥").hint(
                    "导出 PKCS#12 文件时连同私钥一起导出（openssl pkcs12 -export 不加 -nokeys）",
                ));
            }
            [bag] => bag,
            _ => {
                return Err(key_error("密钥文件里有不止一个私钥")
                    .hint("导出只含签名人一个私钥及其证书的 PKCS#12 文件"));
            }
        };
        let key = Key::from_pkcs8(bag.key.as_der()).ok_or_else(|| {
            key_error("密钥文件里的私钥既不是 RSA 密钥，也不是 P-256 椭圆曲线密钥")
                .hint("目前支持 RSA 和 ECDSA P-256 密钥：用这两种私钥的证书签名")
        })?;
        let public = key.public_spki().unwrap_or_default();
        // The signer's certificate is the one whose public key is the key's.
        let mut leaf = None;
        let mut others = Vec::new();
        for cert in &archive.certs {
            let der = cert.cert.as_der().to_vec();
            if leaf.is_none() && der::public_key_matches(&der, &public) {
                leaf = Some(der);
            } else if !others.contains(&der) {
                others.push(der);
            }
        }
        let leaf = leaf.ok_or_else(|| {
            key_error("密钥文件里没有私钥对应的证书").hint(
                "导出时把私钥和它的证书放在一起（openssl pkcs12 -export -inkey 私钥 -in 证书）",
            )
        })?;
        let mut certs = vec![leaf];
        certs.extend(others);
        Ok(Signer { key, certs })
    }
}

/// Where a signature's field goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Over the 落款: the page (from 0) and the rectangle the layout gives
    /// ([`crate::layout::Laid::signature_area`]), in points from the page's top-left. The
    /// widget prints (`/F 4`) and its appearance is an empty form: the 落款 and the seal the
    /// page already draws are what shows, and a reader shows the signature on a click there.
    Visible {
        page: usize,
        rect: crate::layout::Rect,
    },
    /// No visible part: a field of no size on page 1 (`/Rect [0 0 0 0]`, hidden and printable).
    Invisible,
}

impl Placement {
    /// Over the 落款 where the layout put it; invisible for a report without a 落款.
    pub fn on(area: Option<(usize, crate::layout::Rect)>) -> Placement {
        match area {
            Some((page, rect)) => Placement::Visible { page, rect },
            None => Placement::Invisible,
        }
    }
}

/// `pdf` signed: the original bytes, then the update. `time` goes into `/M`; the field is where
/// `placement` says, the page's MediaBox turning the layout's rectangle into PDF coordinates.
pub fn sign(
    pdf: &[u8],
    signer: &Signer,
    time: Timestamp,
    placement: Placement,
) -> Result<Vec<u8>, Diagnostic> {
    let doc = crate::import::pdf::load_document(pdf)?;
    let damaged = || Diagnostic::error(Rule::Unreadable, "PDF 的结构不完整，无法签名");
    if !pdf.windows(4).any(|w| w == b"xref") || find_last(pdf, b"startxref").is_none() {
        return Err(damaged().hint(
            "只能给用经典交叉引用表的 PDF 签名（nianbao 生成的 PDF 就是）；用 nianbao render 重新生成",
        ));
    }
    let prev = startxref(pdf).ok_or_else(damaged)?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| damaged())?;
    let mut catalog = doc.get_dictionary(root_id).map_err(|_| damaged())?.clone();
    let page_number = match placement {
        Placement::Visible { page, .. } => u32::try_from(page + 1).map_err(|_| damaged())?,
        Placement::Invisible => 1,
    };
    let page_id = *doc.get_pages().get(&page_number).ok_or_else(damaged)?;
    let mut page = doc.get_dictionary(page_id).map_err(|_| damaged())?.clone();
    // The widget's rectangle and flags, and its appearance's size: PDF/A forbids a visible
    // annotation without an appearance, or hidden.
    let (rect, flags, appearance) = match placement {
        Placement::Visible { rect, .. } => {
            let [x0, _, _, y1] = media_box(&doc, page_id).ok_or_else(damaged)?;
            let llx = x0 + f64::from(rect.x);
            let urx = llx + f64::from(rect.width);
            let ury = y1 - f64::from(rect.y);
            let lly = ury - f64::from(rect.height);
            // Rounded outwards, to the hundredth of a point.
            let (llx, lly) = ((llx * 100.0).floor() / 100.0, (lly * 100.0).floor() / 100.0);
            let (urx, ury) = ((urx * 100.0).ceil() / 100.0, (ury * 100.0).ceil() / 100.0);
            let size = (urx - llx, ury - lly);
            let rect = [llx, lly, urx, ury].map(number).join(" ");
            (rect, 4, Some(size))
        }
        Placement::Invisible => ("0 0 0 0".to_string(), 132, None),
    };
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .map_err(|_| damaged())?;
    let size = u32::try_from(size).map_err(|_| damaged())?;
    let (sig_id, field_id, form_id) = ((size, 0), (size + 1, 0), (size + 2, 0));
    let objects = if appearance.is_some() { 3 } else { 2 };

    // The catalog's form, with its fields so far (a second signature keeps the first).
    let mut form = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => doc.get_dictionary(*id).map_err(|_| damaged())?.clone(),
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut fields = resolved_array(&doc, form.get(b"Fields").ok()).ok_or_else(damaged)?;
    fields.push(Object::Reference(field_id));
    let name = format!("Signature{}", fields.len());
    form.set("Fields", Object::Array(fields));
    form.set("SigFlags", Object::Integer(3));
    catalog.set("AcroForm", Object::Dictionary(form));
    let mut annots = resolved_array(&doc, page.get(b"Annots").ok()).ok_or_else(damaged)?;
    annots.push(Object::Reference(field_id));
    page.set("Annots", Object::Array(annots));

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();

    // The signature dictionary, with room for the byte range and the CMS object.
    offsets.push((sig_id.0, out.len()));
    out.extend_from_slice(
        format!(
            "{} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange",
            sig_id.0
        )
        .as_bytes(),
    );
    let range_at = out.len();
    out.extend_from_slice(format!("[0 {:<10} {:<10} {:<10}]", 0, 0, 0).as_bytes());
    let range_len = out.len() - range_at;
    out.extend_from_slice(b"/Contents<");
    let contents_at = out.len() - 1;
    out.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(format!("/M{}>>\nendobj\n", pdf_string(&pdf_date(time))).as_bytes());

    offsets.push((field_id.0, out.len()));
    let ap = match appearance {
        Some(_) => format!("/AP<</N {} 0 R>>", form_id.0),
        None => String::new(),
    };
    out.extend_from_slice(
        format!(
            "{} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/T{}/V {} 0 R/Rect[{rect}]/F {flags}/P {} {} R{ap}>>\nendobj\n",
            field_id.0,
            pdf_string(&name),
            sig_id.0,
            page_id.0,
            page_id.1
        )
        .as_bytes(),
    );
    if let Some((width, height)) = appearance {
        // Empty: nothing is drawn over what the page shows.
        offsets.push((form_id.0, out.len()));
        out.extend_from_slice(
            format!(
                "{} 0 obj\n<</Type/XObject/Subtype/Form/BBox[0 0 {} {}]/Length 0>>\nstream\n\nendstream\nendobj\n",
                form_id.0,
                number(width),
                number(height)
            )
            .as_bytes(),
        );
    }
    for (id, dict) in [(root_id, &catalog), (page_id, &page)] {
        offsets.push((id.0, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", id.0, id.1).as_bytes());
        write_object(&mut out, &Object::Dictionary(dict.clone())).map_err(|_| damaged())?;
        out.extend_from_slice(b"\nendobj\n");
    }
    let generations = |id: u32| {
        if id == root_id.0 {
            root_id.1
        } else if id == page_id.0 {
            page_id.1
        } else {
            0
        }
    };

    let xref_at = out.len();
    offsets.sort();
    out.extend_from_slice(b"xref\n");
    let mut i = 0;
    while i < offsets.len() {
        let mut j = i + 1;
        while j < offsets.len() && offsets[j].0 == offsets[j - 1].0 + 1 {
            j += 1;
        }
        out.extend_from_slice(format!("{} {}\n", offsets[i].0, j - i).as_bytes());
        for (id, at) in &offsets[i..j] {
            out.extend_from_slice(format!("{at:010} {:05} n\r\n", generations(*id)).as_bytes());
        }
        i = j;
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(size) + objects));
    trailer.set("Root", Object::Reference(root_id));
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(value) = doc.trailer.get(key) {
            trailer.set(key, value.clone());
        }
    }
    trailer.set("Prev", Object::Integer(prev as i64));
    out.extend_from_slice(b"trailer\n");
    write_object(&mut out, &Object::Dictionary(trailer)).map_err(|_| damaged())?;
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());

    // The byte range: everything but the hex string of /Contents, its brackets included.
    let range = [0, contents_at, contents_end, out.len() - contents_end];
    let text = format!(
        "[{} {:<10} {:<10} {:<10}]",
        range[0], range[1], range[2], range[3]
    );
    if text.len() != range_len {
        return Err(Diagnostic::error(Rule::Limit, "PDF 文件太大，无法签名"));
    }
    out[range_at..range_at + range_len].copy_from_slice(text.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..contents_at]);
    hasher.update(&out[contents_end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let cms = signed_data(signer, &digest)?;
    if cms.len() > CONTENTS_BYTES {
        return Err(
            Diagnostic::error(Rule::Limit, "密钥文件里的证书链太长，签名放不下")
                .hint("导出密钥文件时只放签名人的证书和必要的中间证书"),
        );
    }
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    out[contents_at + 1..contents_at + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// The CMS SignedData (detached) over a document digest.
fn signed_data(signer: &Signer, digest: &[u8; 32]) -> Result<Vec<u8>, Diagnostic> {
    use der::*;
    let leaf = &signer.certs[0];
    let (issuer, serial) = issuer_and_serial(leaf)
        .ok_or_else(|| key_error("密钥文件里的证书已损坏").hint("重新导出密钥文件"))?;
    let cert_hash: [u8; 32] = Sha256::digest(leaf).into();
    let ess_cert_id = seq(&[
        octet_string(&cert_hash),
        // IssuerSerial: GeneralNames with the issuer as a directoryName ([4]), the serial.
        seq(&[seq(&[tlv(0xA4, &issuer)]), serial.clone()]),
    ]);
    let mut attributes = [
        attribute(OID_CONTENT_TYPE, &oid(OID_DATA)),
        attribute(OID_MESSAGE_DIGEST, &octet_string(digest)),
        attribute(OID_SIGNING_CERTIFICATE_V2, &seq(&[seq(&[ess_cert_id])])),
    ];
    // DER: a SET OF in the order of its elements' encodings.
    attributes.sort();
    let signed_attrs = attributes.concat();
    let (algorithm, signature) = signer.key.sign(&tlv(0x31, &signed_attrs))?;
    let sha256 = seq(&[oid(OID_SHA256)]);
    let signer_info = seq(&[
        integer(1),
        seq(&[issuer, serial]),
        sha256.clone(),
        tlv(0xA0, &signed_attrs),
        algorithm,
        octet_string(&signature),
    ]);
    let signed = seq(&[
        integer(1),
        tlv(0x31, &sha256),
        seq(&[oid(OID_DATA)]),
        tlv(0xA0, &signer.certs.concat()),
        tlv(0x31, &signer_info),
    ]);
    Ok(seq(&[oid(OID_SIGNED_DATA), tlv(0xA0, &signed)]))
}

/// The items of an array given directly or by reference; an empty one for none.
fn resolved_array(doc: &Document, value: Option<&Object>) -> Option<Vec<Object>> {
    match value {
        None => Some(Vec::new()),
        Some(Object::Array(items)) => Some(items.clone()),
        Some(Object::Reference(id)) => match doc.get_object(*id).ok()? {
            Object::Array(items) => Some(items.clone()),
            _ => None,
        },
        Some(_) => None,
    }
}

/// A page's MediaBox (inherited from its parents when it has none of its own), as
/// `[x0 y0 x1 y1]`.
fn media_box(doc: &Document, page: lopdf::ObjectId) -> Option<[f64; 4]> {
    let mut id = page;
    // A page tree is shallow; the bound stops a loop of /Parent references.
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(value) = dict.get(b"MediaBox") {
            let items = resolved_array(doc, Some(value))?;
            let numbers: Vec<f64> = items
                .iter()
                .map(|n| match n {
                    Object::Integer(i) => Some(*i as f64),
                    Object::Real(r) => Some(f64::from(*r)),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            return numbers.try_into().ok();
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
    }
    None
}

/// A number as PDF writes it: at most two decimals, no trailing zeros.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// The offset after the last `startxref`.
fn startxref(pdf: &[u8]) -> Option<usize> {
    let at = find_last(pdf, b"startxref")? + b"startxref".len();
    let rest = &pdf[at..];
    let digits: String = rest
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().ok()
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// `D:20250120000000Z`.
fn pdf_date(t: Timestamp) -> String {
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn pdf_string(text: &str) -> String {
    let mut out = String::from("(");
    for c in text.chars() {
        if matches!(c, '(' | ')' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(')');
    out
}

/// An object as PDF syntax. Streams are not direct objects and are refused.
fn write_object(out: &mut Vec<u8>, object: &Object) -> Result<(), ()> {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => {
            // The shortest text that reads back as the same number, never in exponent form.
            out.extend_from_slice(format!("{r}").as_bytes());
        }
        Object::Name(name) => {
            out.push(b'/');
            for &b in name {
                if b.is_ascii_alphanumeric() || b"-_.+*".contains(&b) {
                    out.push(b);
                } else {
                    out.extend_from_slice(format!("#{b:02X}").as_bytes());
                }
            }
        }
        Object::String(bytes, _) => {
            out.push(b'<');
            for b in bytes {
                out.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item)?;
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => {
            out.extend_from_slice(b"<<");
            for (key, value) in dict.iter() {
                write_object(out, &Object::Name(key.clone()))?;
                out.push(b' ');
                write_object(out, value)?;
            }
            out.extend_from_slice(b">>");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
        Object::Stream(_) => return Err(()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_written_as_pdf_syntax() {
        let mut out = Vec::new();
        let mut dict = Dictionary::new();
        dict.set("A b", Object::Real(595.2756));
        dict.set(
            "L",
            Object::String(b"zh".to_vec(), lopdf::StringFormat::Literal),
        );
        dict.set(
            "R",
            Object::Array(vec![Object::Reference((3, 0)), Object::Integer(-2)]),
        );
        write_object(&mut out, &Object::Dictionary(dict)).unwrap();
        assert_eq!(out, b"<</A#20b 595.2756/L <7A68>/R [3 0 R -2]>>");
    }

    #[test]
    fn rectangle_numbers_have_at_most_two_decimals() {
        assert_eq!(number(358.63), "358.63");
        assert_eq!(number(157.2), "157.2");
        assert_eq!(number(595.0), "595");
        assert_eq!(number(-0.001), "0");
    }

    #[test]
    fn dates_are_pdf_dates() {
        let t = Timestamp::parse_iso("2025-01-20T08:09:10Z").unwrap();
        assert_eq!(pdf_date(t), "D:20250120080910Z");
    }
}
