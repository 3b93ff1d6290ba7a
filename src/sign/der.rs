//! The few DER structures a CMS signature needs, written and read by hand.

// Object identifiers, as the content octets of their DER encoding.
pub const OID_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
pub const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
pub const OID_CONTENT_TYPE: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03];
pub const OID_MESSAGE_DIGEST: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04];
/// id-aa-signingCertificateV2 (RFC 5035), 1.2.840.113549.1.9.16.2.47.
pub const OID_SIGNING_CERTIFICATE_V2: &[u8] = &[
    0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x2F,
];
pub const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
pub const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// ecdsa-with-SHA256 (RFC 5758), 1.2.840.10045.4.3.2.
pub const OID_ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];

/// Tag, definite length, content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

pub fn oid(content: &[u8]) -> Vec<u8> {
    tlv(0x06, content)
}

pub fn integer(value: u8) -> Vec<u8> {
    assert!(value < 0x80);
    tlv(0x02, &[value])
}

pub fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(0x04, content)
}

pub fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

/// Attribute ::= SEQUENCE { type OID, values SET OF ANY } with one value.
pub fn attribute(kind: &[u8], value: &[u8]) -> Vec<u8> {
    seq(&[oid(kind), tlv(0x31, value)])
}

/// DigestInfo for a SHA-256 digest, what PKCS#1 v1.5 signs.
pub fn digest_info(digest: &[u8; 32]) -> Vec<u8> {
    digest_info_of(OID_SHA256, digest)
}

fn digest_info_of(algorithm: &[u8], digest: &[u8]) -> Vec<u8> {
    seq(&[seq(&[oid(algorithm), null()]), octet_string(digest)])
}

/// DigestInfo for a SHA-2 digest named by its dotted OID; `None` for another algorithm.
pub fn digest_info_for(dotted: &str, digest: &[u8]) -> Option<Vec<u8>> {
    let last = match dotted {
        "2.16.840.1.101.3.4.2.1" => 0x01,
        "2.16.840.1.101.3.4.2.2" => 0x02,
        "2.16.840.1.101.3.4.2.3" => 0x03,
        _ => return None,
    };
    let mut algorithm = OID_SHA256.to_vec();
    *algorithm.last_mut()? = last;
    Some(digest_info_of(&algorithm, digest))
}

/// One element of DER: its tag, its whole encoding, its content, and what follows it.
type Element<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// The first element of `data`, if it is whole.
fn next(data: &[u8]) -> Option<Element<'_>> {
    let tag = *data.first()?;
    let first = *data.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for &b in data.get(2..2 + n)? {
            len = (len << 8) | usize::from(b);
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    let whole = data.get(..end)?;
    Some((tag, whole, &whole[head..], &data[end..]))
}

/// The first whole element of `data`, without what follows it (the zeros that pad a signature
/// value to its room).
pub fn element(data: &[u8]) -> Option<&[u8]> {
    next(data).map(|(_, whole, _, _)| whole)
}

/// The fields of a certificate's TBSCertificate, the version's `[0]` skipped.
fn tbs_fields(cert: &[u8]) -> Option<Vec<&[u8]>> {
    let (0x30, _, cert, _) = next(cert)? else {
        return None;
    };
    let (0x30, _, mut tbs, _) = next(cert)? else {
        return None;
    };
    let mut fields = Vec::new();
    while !tbs.is_empty() {
        let (tag, whole, _, rest) = next(tbs)?;
        if tag != 0xA0 {
            fields.push(whole);
        }
        tbs = rest;
    }
    Some(fields)
}

/// The issuer's Name and the serial number's INTEGER, as encoded in the certificate.
pub fn issuer_and_serial(cert: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let fields = tbs_fields(cert)?;
    // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
    let serial = fields.first()?;
    let issuer = fields.get(2)?;
    (serial.first() == Some(&0x02) && issuer.first() == Some(&0x30))
        .then(|| (issuer.to_vec(), serial.to_vec()))
}

/// Whether the certificate is for the public key whose SubjectPublicKeyInfo is `spki` (DER).
pub fn public_key_matches(cert: &[u8], spki: &[u8]) -> bool {
    tbs_fields(cert)
        .and_then(|f| f.get(5).copied())
        .is_some_and(|own| own == spki)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths_are_definite() {
        assert_eq!(tlv(0x04, &[0; 3])[..2], [0x04, 3]);
        assert_eq!(tlv(0x04, &[0; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 1, 44]);
        let encoded = tlv(0x04, &[7; 300]);
        let (tag, whole, content, rest) = next(&encoded).unwrap();
        assert_eq!(
            (tag, whole.len(), content.len(), rest.len()),
            (4, 304, 300, 0)
        );
    }

    #[test]
    fn digest_infos_name_their_sha2() {
        let sha256 = digest_info_for("2.16.840.1.101.3.4.2.1", &[0; 32]).unwrap();
        assert_eq!(sha256, digest_info(&[0; 32]));
        let sha512 = digest_info_for("2.16.840.1.101.3.4.2.3", &[0; 64]).unwrap();
        // 2.16.840.1.101.3.4.2.3 ends in 3; the digest follows as an OCTET STRING of 64.
        assert_eq!(
            sha512[2..17],
            [
                0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
                0x00
            ]
        );
        assert_eq!(digest_info_for("1.3.14.3.2.26", &[0; 20]), None);
    }
}
