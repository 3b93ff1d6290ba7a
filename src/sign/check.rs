//! Reading a PDF's signatures back, for `nianbao verify`: who signed, when, over which bytes,
//! whether those bytes and the signature still agree, and whether the signer's certificate leads
//! to one the user trusts.
//!
//! Integrity and trust are kept apart on purpose: a signature made with a key nobody vouched for
//! is still intact, and saying "tampered" of it would be false. RSA and ECDSA P-256 with SHA-2
//! are checked, which is what `nianbao sign` and the common signing tools write; anything else
//! (SM2, other curves) is reported as not checked, never as valid.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::{Decode, Encode};
use lopdf::{Document, Object, ObjectId};
use rsa::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey;
use sha2::Digest;
use x509_cert::Certificate;

use super::der as raw;
use crate::diag::{Diagnostic, Rule};
use crate::document::Timestamp;

/// How far a chain of certificates is followed before giving up.
const MAX_CHAIN: usize = 8;

/// Certificates the user trusts (`--trust CA.pem`).
#[derive(Debug, Default)]
pub struct Anchors(Vec<Certificate>);

impl Anchors {
    /// Certificates from a PEM file (one or more `CERTIFICATE` blocks) or one DER certificate.
    pub fn read(bytes: &[u8]) -> Result<Anchors, Diagnostic> {
        let certs = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
            Certificate::load_pem_chain(bytes).ok()
        } else {
            Certificate::from_der(bytes).ok().map(|c| vec![c])
        };
        match certs {
            Some(certs) if !certs.is_empty() => Ok(Anchors(certs)),
            _ => Err(Diagnostic::error(
                Rule::Unreadable,
                "不是证书文件（PEM 或 DER 格式的 X.509 证书）",
            )
            .hint("--trust 给出信任的根证书，如 openssl 生成的 ca.pem")),
        }
    }

    /// Adds the certificates of another file.
    pub fn extend(&mut self, other: Anchors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One signature of a PDF, as found and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureCheck {
    /// The signature field's name (`/T`), if it has one.
    pub field: Option<String>,
    pub signer: Option<Party>,
    /// The signing time the signature dictionary states (`/M`).
    pub time: Option<Timestamp>,
    pub coverage: Coverage,
    pub integrity: Integrity,
    pub trust: Trust,
}

/// Who a certificate names.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    /// RFC 4514, most specific first: `CN=…,O=…`.
    pub subject: String,
    pub issuer: String,
    /// The serial number in hex.
    pub serial: String,
}

/// Which bytes of the file the signature covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// From the first byte to the last, all but the signature value itself.
    Whole,
    /// The first `signed` bytes (all but the signature value); `after` more follow.
    Until { signed: usize, after: usize },
    /// The byte range is not one a signature may have: the reason.
    Malformed(String),
}

impl Coverage {
    /// The number of bytes from the start of the file the signature covers.
    pub fn end(&self, file_len: usize) -> Option<usize> {
        match self {
            Coverage::Whole => Some(file_len),
            Coverage::Until { signed, .. } => Some(*signed),
            Coverage::Malformed(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Integrity {
    /// The covered bytes hash to the signed digest and the signature verifies with the signer's
    /// certificate.
    Intact,
    /// The covered bytes no longer hash to what was signed: changed after signing.
    Altered,
    /// The signature value does not verify with the signer's certificate.
    BadSignature,
    /// Could not be checked: why.
    Unchecked(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Trust {
    /// No `--trust` given.
    NotAsked,
    /// The chain, signer first, ends at a trusted certificate: the subjects along it.
    Trusted(Vec<String>),
    /// Why not.
    Untrusted(String),
}

/// Every signature of `pdf`, in the order they were added. Empty for an unsigned file.
///
/// Certificates are judged valid or not at `now`, the moment of checking, not at the signing
/// time the file states: that time is the signer's own claim (nianbao writes the report's date,
/// so that signing is reproducible), and only a trusted timestamp, which a B-B signature has
/// not, could prove a moment of signing. This is the basic validation of ETSI EN 319 102-1.
pub fn check(
    pdf: &[u8],
    anchors: &Anchors,
    now: Timestamp,
) -> Result<Vec<SignatureCheck>, Diagnostic> {
    let doc = crate::import::pdf::load_document(pdf)?;
    let names = field_names(&doc);
    // A signature value: a dictionary with a byte range and contents.
    let values: Vec<(&ObjectId, &lopdf::Dictionary, &Vec<Object>)> = doc
        .objects
        .iter()
        .filter_map(|(id, object)| {
            let dict = object.as_dict().ok()?;
            let range = dict.get(b"ByteRange").and_then(Object::as_array).ok()?;
            dict.get(b"Contents").ok()?;
            Some((id, dict, range))
        })
        .collect();
    if values.len() > crate::limits::PDF_SIGNATURES {
        return Err(crate::limits::error(
            "PDF 的签名个数",
            "pdf_signatures",
            format!("{} 个", crate::limits::PDF_SIGNATURES),
            format!("有 {} 个", values.len()),
        ));
    }
    let mut found: Vec<(usize, SignatureCheck)> = Vec::new();
    for (id, dict, range) in values {
        let range: Vec<i64> = range.iter().filter_map(|o| o.as_i64().ok()).collect();
        let time = dict
            .get(b"M")
            .ok()
            .and_then(|m| m.as_str().ok())
            .and_then(parse_pdf_date);
        let (coverage, hole) = coverage(pdf, &range);
        let order = coverage.end(pdf.len()).unwrap_or(usize::MAX);
        let mut result = SignatureCheck {
            field: names.iter().find(|(v, _)| v == id).map(|(_, n)| n.clone()),
            signer: None,
            time,
            coverage,
            integrity: Integrity::Unchecked("签名的字节范围不对".into()),
            trust: Trust::NotAsked,
        };
        if let Some((a, b, c, d)) = hole {
            check_cms(pdf, (a, b, c, d), anchors, now, &mut result);
        }
        found.push((order, result));
    }
    found.sort_by_key(|(order, _)| *order);
    Ok(found.into_iter().map(|(_, c)| c).collect())
}

/// What the byte range covers, and the range itself when it has the shape of a signature's:
/// from byte 0 to the `<` of `/Contents`, and from after its `>` on.
fn coverage(pdf: &[u8], range: &[i64]) -> (Coverage, Option<(usize, usize, usize, usize)>) {
    let bad = |why: &str| (Coverage::Malformed(why.to_string()), None);
    let [a, b, c, d] = range else {
        return bad("字节范围不是四个整数");
    };
    let as_usize = |v: &i64| usize::try_from(*v).ok();
    let (Some(a), Some(b), Some(c), Some(d)) = (as_usize(a), as_usize(b), as_usize(c), as_usize(d))
    else {
        return bad("字节范围有负数");
    };
    let end = c.checked_add(d);
    if a != 0 || b >= c || end.is_none_or(|e| e > pdf.len()) {
        return bad("字节范围不从文件开头起，或超出文件");
    }
    let end = end.unwrap_or(0);
    if pdf[b] != b'<' || pdf[c - 1] != b'>' {
        return bad("字节范围留出的空当不正好是签名值");
    }
    let coverage = if end == pdf.len() {
        Coverage::Whole
    } else {
        Coverage::Until {
            signed: end,
            after: pdf.len() - end,
        }
    };
    (coverage, Some((a, b, c, d)))
}

/// Decodes the CMS object in the range's hole and checks it against the covered bytes.
fn check_cms(
    pdf: &[u8],
    (a, b, c, d): (usize, usize, usize, usize),
    anchors: &Anchors,
    now: Timestamp,
    out: &mut SignatureCheck,
) {
    let Some(der) = hex_value(&pdf[b + 1..c - 1]) else {
        out.integrity = Integrity::Unchecked("签名值不是 CMS 数据".into());
        return;
    };
    let Some(signed) = raw::element(&der)
        .and_then(|whole| ContentInfo::from_der(whole).ok())
        .and_then(|info| info.content.decode_as::<SignedData>().ok())
    else {
        out.integrity = Integrity::Unchecked("签名值不是 CMS SignedData".into());
        return;
    };
    let carried = signed.certificates.as_ref().map_or(0, |set| set.0.len());
    if carried > crate::limits::SIGNATURE_CERTIFICATES {
        out.integrity = Integrity::Unchecked(format!(
            "签名带了 {carried} 个证书，超过了限度 signature_certificates（{} 个）",
            crate::limits::SIGNATURE_CERTIFICATES
        ));
        return;
    }
    let certs: Vec<Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let Some(info) = signed.signer_infos.0.iter().next() else {
        out.integrity = Integrity::Unchecked("签名里没有签名者".into());
        return;
    };
    let Some(signer) = signer_certificate(info, &certs) else {
        out.integrity = Integrity::Unchecked("签名里没有签名者的证书".into());
        return;
    };
    let tbs = signer.tbs_certificate();
    out.signer = Some(Party {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: tbs
            .serial_number()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect(),
    });
    out.integrity = integrity(
        &[&pdf[a..a + b], &pdf[c..c + d]],
        info,
        signer.tbs_certificate().subject_public_key_info(),
    );
    if !anchors.is_empty() {
        out.trust = trust(signer, &certs, anchors, now);
    }
}

/// The certificate the signer info names, among those the signature carries.
fn signer_certificate<'a>(info: &SignerInfo, certs: &'a [Certificate]) -> Option<&'a Certificate> {
    certs.iter().find(|cert| match &info.sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            let tbs = cert.tbs_certificate();
            tbs.issuer() == &id.issuer && tbs.serial_number() == &id.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    })
}

fn integrity(
    covered: &[&[u8]],
    info: &SignerInfo,
    key: &x509_cert::spki::SubjectPublicKeyInfoOwned,
) -> Integrity {
    let Some(digest) = hash(&info.digest_alg.oid.to_string(), covered) else {
        return Integrity::Unchecked(format!("不支持的摘要算法 {}", info.digest_alg.oid));
    };
    // With signed attributes (as PAdES has them), the signature is over their DER, and the
    // message-digest attribute carries the document's digest.
    let signed_over = match &info.signed_attrs {
        Some(attrs) => {
            let stated = attrs
                .iter()
                .find(|attr| attr.oid.to_string() == "1.2.840.113549.1.9.4")
                .and_then(|attr| attr.values.iter().next())
                .and_then(|value| value.decode_as::<der::asn1::OctetString>().ok());
            match stated {
                Some(stated) if stated.as_bytes() == digest.as_slice() => {}
                Some(_) => return Integrity::Altered,
                None => return Integrity::Unchecked("签名里没有文件摘要".into()),
            }
            let Ok(der) = attrs.to_der() else {
                return Integrity::Unchecked("签名属性无法编码".into());
            };
            let Some(hashed) = hash(&info.digest_alg.oid.to_string(), &[&der]) else {
                return Integrity::Unchecked("不支持的摘要算法".into());
            };
            hashed
        }
        None => digest,
    };
    match verify_signature(
        key,
        &info.digest_alg.oid.to_string(),
        &info.signature_algorithm.oid.to_string(),
        &signed_over,
        info.signature.as_bytes(),
    ) {
        Ok(true) => Integrity::Intact,
        Ok(false) if info.signed_attrs.is_none() => Integrity::Altered,
        Ok(false) => Integrity::BadSignature,
        Err(why) => Integrity::Unchecked(why),
    }
}

/// Whether `signature` is `key`'s signature of `hashed` (a digest made with `digest_oid`):
/// RSA PKCS#1 v1.5, or ECDSA on P-256. `Err` for an algorithm not checked here.
fn verify_signature(
    key: &x509_cert::spki::SubjectPublicKeyInfoOwned,
    digest_oid: &str,
    algorithm_oid: &str,
    hashed: &[u8],
    signature: &[u8],
) -> Result<bool, String> {
    // rsaEncryption, or sha{256,384,512}WithRSAEncryption.
    let rsa_family = [
        "1.2.840.113549.1.1.1",
        "1.2.840.113549.1.1.11",
        "1.2.840.113549.1.1.12",
        "1.2.840.113549.1.1.13",
    ];
    // ecdsa-with-SHA{256,384,512}, or id-ecPublicKey as some signers write it.
    let ecdsa_family = [
        "1.2.840.10045.4.3.2",
        "1.2.840.10045.4.3.3",
        "1.2.840.10045.4.3.4",
        "1.2.840.10045.2.1",
    ];
    let der = key.to_der().map_err(|_| "证书的公钥无法读取".to_string())?;
    if rsa_family.contains(&algorithm_oid) {
        let public = rsa::PublicKey::from_public_key_der(&der)
            .map_err(|_| "证书的公钥不是 RSA 公钥".to_string())?;
        let info = raw::digest_info_for(digest_oid, hashed)
            .ok_or_else(|| format!("不支持的摘要算法 {digest_oid}"))?;
        return Ok(public
            .verify(Pkcs1v15Sign::new_unprefixed(), &info, signature)
            .is_ok());
    }
    if ecdsa_family.contains(&algorithm_oid) {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let public = p256::ecdsa::VerifyingKey::from_public_key_der(&der)
            .map_err(|_| "证书的公钥不是 P-256 椭圆曲线公钥（只核验 P-256）".to_string())?;
        let Ok(signature) = p256::ecdsa::Signature::from_der(signature) else {
            return Ok(false);
        };
        return Ok(public.verify_prehash(hashed, &signature).is_ok());
    }
    Err(format!(
        "不支持的签名算法 {algorithm_oid}（只核验 RSA 和 ECDSA P-256）"
    ))
}

/// The digest of the parts, one after the other, with the algorithm of `oid` (SHA-2 only).
fn hash(oid: &str, parts: &[&[u8]]) -> Option<Vec<u8>> {
    fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
        let mut hasher = D::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize().to_vec()
    }
    match oid {
        "2.16.840.1.101.3.4.2.1" => Some(run::<sha2::Sha256>(parts)),
        "2.16.840.1.101.3.4.2.2" => Some(run::<sha2::Sha384>(parts)),
        "2.16.840.1.101.3.4.2.3" => Some(run::<sha2::Sha512>(parts)),
        _ => None,
    }
}

/// The digest a certificate's signature algorithm uses.
fn certificate_digest(algorithm_oid: &str) -> Option<&'static str> {
    match algorithm_oid {
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => Some("2.16.840.1.101.3.4.2.1"),
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => Some("2.16.840.1.101.3.4.2.2"),
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => Some("2.16.840.1.101.3.4.2.3"),
        _ => None,
    }
}

/// Whether `issuer`'s key signed `cert`.
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let algorithm = cert.signature_algorithm().oid.to_string();
    let (Some(digest_oid), Ok(tbs)) = (
        certificate_digest(&algorithm),
        cert.tbs_certificate().to_der(),
    ) else {
        return false;
    };
    let Some(hashed) = hash(digest_oid, &[&tbs]) else {
        return false;
    };
    verify_signature(
        issuer.tbs_certificate().subject_public_key_info(),
        digest_oid,
        &algorithm,
        &hashed,
        cert.signature().raw_bytes(),
    )
    .unwrap_or(false)
}

/// Follows issuers from the signer's certificate, through those the signature carries, to one
/// of the anchors; every certificate on the way must be valid `now`.
fn trust(
    signer: &Certificate,
    carried: &[Certificate],
    anchors: &Anchors,
    now: Timestamp,
) -> Trust {
    let mut chain = vec![signer];
    for _ in 0..MAX_CHAIN {
        let current = *chain.last().expect("the chain starts with the signer");
        if let Some(why) = outside_validity(current, now) {
            return Trust::Untrusted(why);
        }
        let subjects = || {
            chain
                .iter()
                .map(|c| c.tbs_certificate().subject().to_string())
                .collect()
        };
        if anchors.0.contains(current) {
            return Trust::Trusted(subjects());
        }
        if let Some(anchor) = anchors.0.iter().find(|a| issued_by(current, a)) {
            if let Some(why) = outside_validity(anchor, now) {
                return Trust::Untrusted(why);
            }
            let mut names: Vec<String> = subjects();
            names.push(anchor.tbs_certificate().subject().to_string());
            return Trust::Trusted(names);
        }
        match carried
            .iter()
            .find(|c| !chain.contains(c) && issued_by(current, c))
        {
            Some(next) => chain.push(next),
            None => break,
        }
    }
    let last = chain.last().expect("the chain starts with the signer");
    Trust::Untrusted(format!(
        "证书链到 {} 为止，不通向 --trust 给出的证书",
        last.tbs_certificate().issuer()
    ))
}

/// Why `cert` is not valid at `time`, if it is not.
fn outside_validity(cert: &Certificate, time: Timestamp) -> Option<String> {
    let validity = cert.tbs_certificate().validity();
    let at = time.to_unix();
    let from = validity.not_before.to_unix_duration().as_secs() as i64;
    let to = validity.not_after.to_unix_duration().as_secs() as i64;
    (at < from || at > to).then(|| {
        let show = |s: i64| Timestamp::from_unix(s.max(0) as u64).iso();
        format!(
            "证书 {} 现在不在有效期内（{} 至 {}）；签名没有可信时间戳，无法证明签名时证书有效",
            cert.tbs_certificate().subject(),
            show(from),
            show(to)
        )
    })
}

/// Each signature field's value (`/V`) and name (`/T`).
fn field_names(doc: &Document) -> Vec<(ObjectId, String)> {
    doc.objects
        .values()
        .filter_map(|object| {
            let dict = object.as_dict().ok()?;
            let value = dict.get(b"V").and_then(Object::as_reference).ok()?;
            let name = dict.get(b"T").and_then(Object::as_str).ok()?;
            Some((value, text_string(name)))
        })
        .collect()
}

/// A PDF text string: UTF-16BE with its mark, else PDFDocEncoding (read as Latin-1, which it
/// is for the names signers write).
fn text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// The bytes a hex string stands for (whitespace ignored, an odd last digit as if followed by
/// 0, as PDF reads it).
fn hex_value(text: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|&b| char::from(b).to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    Some(
        digits
            .chunks(2)
            .map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0))
            .collect(),
    )
}

/// `D:YYYYMMDDHHmmSS` with `Z`, `+HH'mm'` or `-HH'mm'` (or nothing, read as UTC), the
/// fields after the year optional as PDF allows.
pub fn parse_pdf_date(bytes: &[u8]) -> Option<Timestamp> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 || !digits.len().is_multiple_of(2) {
        return None;
    }
    let field = |at: usize, default: u32| -> Option<u32> {
        digits
            .get(at..at + 2)
            .map_or(Some(default), |s| s.parse().ok())
    };
    let year: u32 = digits[..4].parse().ok()?;
    let (month, day) = (field(4, 1)?, field(6, 1)?);
    let (hour, minute, second) = (field(8, 0)?, field(10, 0)?, field(12, 0)?);
    let iso = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z");
    let local = Timestamp::parse_iso(&iso)?;
    let rest = &text[digits.len()..];
    let offset = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let numbers: Vec<i64> = rest[1..]
                .split('\'')
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let minutes =
                numbers.first().copied().unwrap_or(0) * 60 + numbers.get(1).copied().unwrap_or(0);
            if sign == '+' { minutes } else { -minutes }
        }
        _ => 0,
    };
    let utc = local.to_unix() - offset * 60;
    u64::try_from(utc).ok().map(Timestamp::from_unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_are_read_with_their_offset() {
        let utc = |s: &str| parse_pdf_date(s.as_bytes()).map(Timestamp::iso);
        assert_eq!(utc("D:20250120080910Z").unwrap(), "2025-01-20T08:09:10Z");
        assert_eq!(
            utc("D:20250120080910+08'00'").unwrap(),
            "2025-01-20T00:09:10Z"
        );
        assert_eq!(
            utc("D:20250119230000-01'30'").unwrap(),
            "2025-01-20T00:30:00Z"
        );
        assert_eq!(utc("D:2025").unwrap(), "2025-01-01T00:00:00Z");
        assert_eq!(utc("D:20251"), None);
        assert_eq!(utc("D:20251399000000Z"), None);
    }

    #[test]
    fn a_byte_range_must_leave_out_exactly_the_signature_value() {
        let pdf = b"%PDF-1.7 /Contents<00AB> rest";
        let lt = pdf.iter().position(|&b| b == b'<').unwrap();
        let gt = pdf.iter().position(|&b| b == b'>').unwrap() + 1;
        let whole = [0, lt as i64, gt as i64, (pdf.len() - gt) as i64];
        assert_eq!(coverage(pdf, &whole).0, Coverage::Whole);
        let short = [0, lt as i64, gt as i64, (pdf.len() - gt - 2) as i64];
        assert_eq!(
            coverage(pdf, &short).0,
            Coverage::Until {
                signed: pdf.len() - 2,
                after: 2
            }
        );
        for bad in [
            vec![0, lt as i64 + 1, gt as i64, 1],
            vec![1, lt as i64, gt as i64, 1],
            vec![0, lt as i64, gt as i64, 100],
            vec![0, lt as i64, gt as i64],
            vec![0, -1, gt as i64, 1],
        ] {
            assert!(
                matches!(coverage(pdf, &bad).0, Coverage::Malformed(_)),
                "{bad:?}"
            );
        }
    }

    /// A PDF with `count` signature dictionaries, each with `contents` as its value and a byte
    /// range around it (the last one's is right; all have the same shape).
    fn pdf_with_signatures(count: usize, contents: &[u8]) -> Vec<u8> {
        use lopdf::{Dictionary, StringFormat};
        let mut doc = Document::with_version("1.7");
        let pages = doc.new_object_id();
        let page = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages)),
            (
                "MediaBox",
                vec![0.into(), 0.into(), 595.into(), 842.into()].into(),
            ),
        ]));
        doc.objects.insert(
            pages,
            Object::Dictionary(Dictionary::from_iter([
                ("Type", Object::Name(b"Pages".to_vec())),
                ("Kids", vec![Object::Reference(page)].into()),
                ("Count", 1.into()),
            ])),
        );
        for _ in 0..count {
            let range = vec![Object::Integer(1_000_000_000); 4];
            doc.add_object(Dictionary::from_iter([
                ("Type", Object::Name(b"Sig".to_vec())),
                ("ByteRange", range.into()),
                (
                    "Contents",
                    Object::String(contents.to_vec(), StringFormat::Hexadecimal),
                ),
            ]));
        }
        let catalog = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference(pages)),
        ]));
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        // Each byte range around its own hex string, in digits as wide as the placeholder.
        let hex: String = contents.iter().map(|b| format!("{b:02X}")).collect();
        let mut from = 0;
        while let Some(at) = find(&out[from..], b"1000000000 1000000000") {
            let at = from + at;
            let lt = at + find(&out[at..], format!("<{hex}>").as_bytes()).unwrap();
            let gt = lt + hex.len() + 2;
            let len = out.len();
            let text = format!("0000000000 {lt:010} {gt:010} {:010}", len - gt);
            out[at..at + text.len()].copy_from_slice(text.as_bytes());
            from = at + text.len();
        }
        out
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn a_signature_value_that_is_not_cms_is_unchecked_never_valid() {
        let pdf = pdf_with_signatures(1, b"not a signature");
        let checks = check(&pdf, &Anchors::default(), Timestamp::from_unix(0)).unwrap();
        assert_eq!(checks.len(), 1);
        assert!(matches!(
            checks[0].coverage,
            Coverage::Until { .. } | Coverage::Whole
        ));
        assert_eq!(
            checks[0].integrity,
            Integrity::Unchecked("签名值不是 CMS SignedData".into())
        );
        assert_eq!(checks[0].signer, None);
    }

    #[test]
    fn more_signatures_than_the_limit_are_refused_before_any_is_hashed() {
        let pdf = pdf_with_signatures(crate::limits::PDF_SIGNATURES + 1, b"x");
        let err = check(&pdf, &Anchors::default(), Timestamp::from_unix(0)).unwrap_err();
        assert_eq!(
            err.message,
            "超出限度「PDF 的签名个数」（pdf_signatures）：最多 20 个，这里有 21 个"
        );
        let pdf = pdf_with_signatures(crate::limits::PDF_SIGNATURES, b"x");
        assert_eq!(
            check(&pdf, &Anchors::default(), Timestamp::from_unix(0))
                .unwrap()
                .len(),
            20
        );
    }

    #[test]
    fn hex_strings_read_as_pdf_reads_them() {
        assert_eq!(hex_value(b"0A b\n1"), Some(vec![0x0A, 0xB1]));
        assert_eq!(hex_value(b"ABC"), Some(vec![0xAB, 0xC0]));
        assert_eq!(hex_value(b"AZ"), None);
    }
}
