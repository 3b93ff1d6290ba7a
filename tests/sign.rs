//! `nianbao sign`: PAdES signatures on the archival PDF, checked with poppler's `pdfsig` and
//! `qpdf`, with a throwaway CA and signer made by Debian's `openssl` in a temporary directory.

mod common;

use std::path::Path;
use std::process::Command;

use common::{nianbao, nianbao_with_input, repo, require_tool};

const PASSWORD: &str = "机密 secret";

/// Whether the outside tools run (or the test is skipped where that is allowed).
fn tools() -> bool {
    require_tool("openssl", &["version"])
        && require_tool("pdfsig", &["-v"])
        && require_tool("pdftotext", &["-v"])
        && require_tool("pdftoppm", &["-v"])
        && require_tool("qpdf", &["--version"])
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `<name>.key`, a new key: RSA 2048 when `curve` is `None`, else ECDSA on that curve.
fn new_key(dir: &Path, name: &str, curve: Option<&str>) {
    let key = format!("{name}.key");
    match curve {
        None => openssl(dir, &["genrsa", "-out", &key, "2048"]),
        Some(curve) => openssl(
            dir,
            &["ecparam", "-name", curve, "-genkey", "-noout", "-out", &key],
        ),
    }
}

/// `<name>.pem`, a certificate for `<name>.key` naming `subject`, valid for `days` (negative:
/// expired before it begins): issued by `<ca>.pem` and `<ca>.key`, or by itself when `ca` is
/// `None`.
fn certify(dir: &Path, name: &str, subject: &str, ca: Option<&str>, days: i32) {
    let (key, csr, pem, days) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
        days.to_string(),
    );
    let Some(ca) = ca else {
        let args = ["req", "-new", "-x509", "-key", &key, "-out", &pem];
        openssl(
            dir,
            &[&args[..], &["-subj", subject, "-utf8", "-days", &days]].concat(),
        );
        return;
    };
    let args = [
        "req", "-new", "-key", &key, "-out", &csr, "-subj", subject, "-utf8",
    ];
    openssl(dir, &args);
    let (ca_pem, ca_key) = (format!("{ca}.pem"), format!("{ca}.key"));
    let args = [
        "x509", "-req", "-in", &csr, "-CA", &ca_pem, "-CAkey", &ca_key,
    ];
    let rest = ["-CAcreateserial", "-out", &pem, "-days", &days];
    openssl(dir, &[&args[..], &rest[..]].concat());
}

/// `<out>.p12` under [`PASSWORD`], holding the key `<key>.key`, the certificate `<cert>.pem`
/// and the CA `<ca>.pem`, each when given.
fn export(dir: &Path, out: &str, key: Option<&str>, cert: Option<&str>, ca: Option<&str>) {
    let (pass, file) = (format!("pass:{PASSWORD}"), format!("{out}.p12"));
    let mut args: Vec<String> = ["pkcs12", "-export", "-passout", &pass, "-out", &file]
        .map(String::from)
        .to_vec();
    match key {
        Some(key) => args.extend(["-inkey".into(), format!("{key}.key")]),
        None => args.push("-nokeys".into()),
    }
    match cert {
        Some(cert) => args.extend(["-in".into(), format!("{cert}.pem")]),
        None => args.push("-nocerts".into()),
    }
    if let Some(ca) = ca {
        args.extend(["-certfile".into(), format!("{ca}.pem")]);
    }
    openssl(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// A CA (`ca`), a signer it certifies (`signer`, its `signer.csr` kept), and `signer.p12`
/// (key, certificate, CA) under [`PASSWORD`]; `nokey.p12` (the certificates only) and
/// `nocert.p12` (the key only) beside it.
fn keys(dir: &Path) {
    new_key(dir, "ca", None);
    certify(dir, "ca", "/CN=nianbao test CA", None, 3650);
    new_key(dir, "signer", None);
    certify(
        dir,
        "signer",
        "/O=测试镇人民政府/CN=nianbao test signer",
        Some("ca"),
        3650,
    );
    export(dir, "signer", Some("signer"), Some("signer"), Some("ca"));
    export(dir, "nokey", None, Some("signer"), None);
    export(dir, "nocert", Some("signer"), None, None);
}

/// A temporary directory holding the throwaway keys ([`keys`]); `None` where the outside tools
/// are missing and the test may be skipped.
fn signing_dir() -> Option<tempfile::TempDir> {
    if !tools() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    keys(dir.path());
    Some(dir)
}

/// pdfsig's report of `path`, which must say its signature is valid and covers the whole file.
fn assert_valid_whole(path: &Path) -> String {
    let report = pdfsig(path);
    assert!(
        report.contains("Signature Validation: Signature is Valid.")
            && report.contains("Total document signed"),
        "{}: {report}",
        path.display()
    );
    report
}

/// A sample rendered to `<stem>.pdf` in `dir`.
fn render(dir: &Path, sample: &str) -> String {
    let data = repo(&format!("samples/{sample}.toml"));
    let run = nianbao(
        dir,
        &[
            "render",
            data.to_str().unwrap(),
            "--to",
            "pdf",
            "-o",
            ".",
            "--no-system-fonts",
            "-q",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    format!("{sample}.pdf")
}

fn sign(dir: &Path, args: &[&str], password: &str) -> common::Run {
    // Laid out again with the fonts the file was made with, to find the 落款.
    let mut all = vec!["sign", "--no-system-fonts"];
    all.extend_from_slice(args);
    nianbao_with_input(dir, &all, &format!("{password}\n"))
}

/// pdfsig's report; it exits non-zero for an invalid signature, which the tests look at.
fn pdfsig(path: &Path) -> String {
    let out = Command::new("pdfsig")
        .arg(path)
        .output()
        .expect("pdfsig runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn qpdf_check(path: &Path) {
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .expect("qpdf runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "qpdf --check {}: {text}",
        path.display()
    );
    assert!(
        text.contains("No syntax or stream encoding errors found"),
        "{text}"
    );
}

#[test]
fn both_samples_sign_to_a_valid_whole_document_signature() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    for sample in ["huaian-2024", "yimianpo-2021"] {
        let pdf = render(dir, sample);
        let original = std::fs::read(dir.join(&pdf)).unwrap();
        let signed = format!("{sample}-signed.pdf");
        let run = sign(
            dir,
            &[
                &pdf,
                "--key",
                "signer.p12",
                "--password-stdin",
                "-o",
                &signed,
            ],
            PASSWORD,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let bytes = std::fs::read(dir.join(&signed)).unwrap();
        // An incremental update: the original bytes, unchanged, then the signature.
        assert!(
            bytes.starts_with(&original),
            "{sample}: the original bytes are kept"
        );
        assert_eq!(
            std::fs::read(dir.join(&pdf)).unwrap(),
            original,
            "-o leaves the input"
        );

        let report = assert_valid_whole(&dir.join(&signed));
        assert!(
            report.contains("Signature Type: ETSI.CAdES.detached"),
            "{report}"
        );
        assert!(
            report.contains("Signing Hash Algorithm: SHA-256"),
            "{report}"
        );
        assert!(report.contains("nianbao test signer"), "{report}");
        qpdf_check(&dir.join(&signed));

        // verify: the first revision is what the data gives, and what follows only signs.
        let verified = nianbao(dir, &["verify", &signed, "--no-system-fonts"]);
        assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
        assert!(
            verified.stdout.contains(&format!(
                "{signed}：一致，其后加了 1 个数字签名。前 {} 字节正是内嵌数据生成的文件",
                original.len()
            )),
            "{}",
            verified.stdout
        );

        // Still PDF/A-3b: the catalog keeps its metadata, output intent and attachments.
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("<pdfaid:part>3</pdfaid:part>"), "{sample}");
        assert!(
            text.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{sample}"
        );
        let update = String::from_utf8_lossy(&bytes[original.len()..]);
        for key in [
            "/Metadata",
            "/OutputIntents",
            "/AF",
            "/EmbeddedFiles",
            "/SigFlags 3",
            "/SubFilter/ETSI.CAdES.detached",
            "/F 132",
            "/Rect[0 0 0 0]",
        ] {
            assert!(update.contains(key), "{sample}: the update lacks {key}");
        }
        assert!(!update.contains("/JavaScript") && !update.contains("/Encrypt"));
        // The data is still there to be extracted from the signed file.
        let run = nianbao(
            dir,
            &["extract", &signed, "-o", &format!("out/{sample}.toml")],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);

        // Reproducible: the same file signed again gives the same bytes.
        let again = format!("{sample}-again.pdf");
        let run = sign(
            dir,
            &[
                &pdf,
                "--key",
                "signer.p12",
                "--password-stdin",
                "-o",
                &again,
            ],
            PASSWORD,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            std::fs::read(dir.join(&again)).unwrap() == bytes,
            "{sample}: not reproducible"
        );
    }
}

#[test]
fn signing_without_output_replaces_the_file_and_signing_twice_appends_a_second_signature() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    let pdf = render(dir, "huaian-2024");
    for _ in 0..2 {
        let run = sign(
            dir,
            &[&pdf, "--key", "signer.p12", "--password-stdin"],
            PASSWORD,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let report = pdfsig(&dir.join(&pdf));
    assert!(
        report.contains("Signature #1:") && report.contains("Signature #2:"),
        "{report}"
    );
    assert_eq!(
        report
            .matches("Signature Validation: Signature is Valid.")
            .count(),
        2,
        "{report}"
    );
    assert!(
        report.contains("Signature Field Name: Signature2"),
        "{report}"
    );
    // The first signature covers its own revision only; the second the whole file.
    assert_eq!(
        report.matches("Total document signed").count(),
        1,
        "{report}"
    );
    qpdf_check(&dir.join(&pdf));
    // verify reports both, the first covering its revision and the second the rest.
    let bytes = std::fs::read(dir.join(&pdf)).unwrap();
    let first_end = byte_range_end(&bytes);
    let verified = nianbao(dir, &["verify", &pdf, "--no-system-fonts"]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    for line in [
        format!("{pdf}：一致，其后加了 2 个数字签名。"),
        "  签名 1「Signature1」：完好：签名范围内的字节未被改动，签名值与签名人的证书相符\n"
            .to_string(),
        format!(
            "    签名范围：文件的前 {first_end} 字节（签名值除外）；其后追加的 {} 字节由签名 2 覆盖\n",
            bytes.len() - first_end
        ),
        "  签名 2「Signature2」：完好：签名范围内的字节未被改动，签名值与签名人的证书相符\n"
            .to_string(),
        "    签名范围：整个文件（签名值除外）\n".to_string(),
    ] {
        assert!(
            verified.stdout.contains(&line),
            "{line}\n{}",
            verified.stdout
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_changed_byte_or_appended_content_is_reported_by_pdfsig_and_verify() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    let pdf = render(dir, "yimianpo-2021");
    let made = std::fs::read(dir.join(&pdf)).unwrap().len();
    let run = sign(
        dir,
        &[&pdf, "--key", "signer.p12", "--password-stdin"],
        PASSWORD,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let signed = std::fs::read(dir.join(&pdf)).unwrap();

    // A byte of the signed range changed: the language tag in the original catalog.
    let mut changed = signed.clone();
    let at = changed
        .windows(7)
        .position(|w| w == b"(zh-CN)")
        .expect("the /Lang entry");
    changed[at + 5] = b'X';
    std::fs::write(dir.join("changed.pdf"), &changed).unwrap();
    let report = pdfsig(&dir.join("changed.pdf"));
    assert!(report.contains("Signature Validation:"), "{report}");
    assert!(
        !report.contains("Signature is Valid."),
        "a changed byte goes unseen: {report}"
    );

    // Content appended after signing: the signature no longer covers the whole file.
    let mut appended = signed.clone();
    appended.extend_from_slice(b"\n% appended after signing\n");
    std::fs::write(dir.join("appended.pdf"), &appended).unwrap();
    let report = pdfsig(&dir.join("appended.pdf"));
    assert!(
        report.contains("Signature Validation: Signature is Valid."),
        "{report}"
    );
    assert!(
        !report.contains("Total document signed"),
        "appended content unseen: {report}"
    );
    // verify too: the first revision still matches, but what follows is not a signature.
    let verified = nianbao(dir, &["verify", "appended.pdf", "--no-system-fonts"]);
    assert_eq!(verified.code, 1, "{}{}", verified.stdout, verified.stderr);
    assert!(
        verified
            .stdout
            .contains("appended.pdf：不一致。文件被改动过"),
        "{}",
        verified.stdout
    );
    assert!(
        verified.stdout.contains(&format!(
            "    签名范围：文件的前 {} 字节（签名值除外）；签名之后追加了 26 字节，没有任何签名覆盖\n",
            signed.len()
        )),
        "{}",
        verified.stdout
    );
    assert!(verified.stdout.contains(INTACT), "{}", verified.stdout);
    let verified = nianbao(dir, &["verify", "changed.pdf", "--no-system-fonts"]);
    assert_eq!(verified.code, 1, "{}", verified.stdout);
    assert!(!verified.stdout.contains("：一致"), "{}", verified.stdout);
    assert!(verified.stdout.contains(ALTERED), "{}", verified.stdout);

    // A byte of the signature's own update changed (its signing time): the first revision
    // still renders from the data, but the signature is broken, and both tools say so.
    let mut changed = signed.clone();
    let at = changed
        .windows(5)
        .rposition(|w| w == b"/M(D:")
        .expect("the signing time");
    changed[at + 5] = b'3';
    std::fs::write(dir.join("time.pdf"), &changed).unwrap();
    let report = pdfsig(&dir.join("time.pdf"));
    assert!(
        report.contains("Signature Validation: Digest Mismatch."),
        "{report}"
    );
    let verified = nianbao(dir, &["verify", "time.pdf", "--no-system-fonts"]);
    assert_eq!(verified.code, 1, "{}", verified.stdout);
    assert!(
        verified.stdout.contains(&format!(
            "time.pdf：签名失效。前 {made} 字节正是内嵌数据生成的文件，但其后的 1 个数字签名不都完好（见下）。"
        )),
        "{}",
        verified.stdout
    );
    assert!(verified.stdout.contains(ALTERED), "{}", verified.stdout);

    // The signature value itself damaged: its first hex digit (no longer CMS) and its last
    // one (the RSA signature) are never 完好; a digit anywhere in it never crashes verify.
    let [_, b, c, _] = byte_range(&signed);
    let last = (b + 1..c - 1).rev().find(|&i| signed[i] != b'0').unwrap();
    let damage = |at: usize| {
        let mut damaged = signed.clone();
        damaged[at] = if damaged[at] == b'F' { b'E' } else { b'F' };
        std::fs::write(dir.join("value.pdf"), &damaged).unwrap();
        nianbao(dir, &["verify", "value.pdf", "--no-system-fonts"])
    };
    for (at, says) in [
        (b + 1, "无法核验：签名值不是 CMS SignedData"),
        (last, "已失效：签名值与签名人的证书不符"),
    ] {
        let verified = damage(at);
        assert_eq!(verified.code, 1, "{}{}", verified.stdout, verified.stderr);
        assert!(
            verified
                .stdout
                .contains(&format!("  签名 1「Signature1」：{says}\n")),
            "{}",
            verified.stdout
        );
        let report = pdfsig(&dir.join("value.pdf"));
        assert!(!report.contains("Signature is Valid."), "{report}");
    }
    for step in 1..8 {
        let verified = damage(b + 1 + step * (last - b) / 8);
        assert!(
            matches!(verified.code, 0 | 1) && verified.stdout.contains("  签名 1「Signature1」："),
            "a digit at {step}/8 of the value: {}{}",
            verified.stdout,
            verified.stderr
        );
    }
}

const INTACT: &str =
    "  签名 1「Signature1」：完好：签名范围内的字节未被改动，签名值与签名人的证书相符\n";
const ALTERED: &str =
    "  签名 1「Signature1」：已失效：签名后文件被改动过（签名范围内的字节与签名时的摘要不符）\n";

/// The first signature's `/ByteRange [a b c d]`.
fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let at = pdf
        .windows(10)
        .position(|w| w == b"/ByteRange")
        .expect("a signature");
    let text = String::from_utf8_lossy(&pdf[at + 10..at + 80]);
    let inside = text.trim_start_matches('[').split(']').next().unwrap();
    let numbers: Vec<usize> = inside
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    numbers.try_into().unwrap()
}

/// Where the first signature's covered bytes end.
fn byte_range_end(pdf: &[u8]) -> usize {
    let [_, _, c, d] = byte_range(pdf);
    c + d
}

#[test]
fn verify_names_the_signer_and_tells_an_untrusted_certificate_from_tampering() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    // Another CA, which never signed the signer's certificate.
    new_key(dir, "other", None);
    certify(dir, "other", "/CN=other CA", None, 30);
    // The signer's key certified again, expired: its validity ends a day before it begins.
    std::fs::copy(dir.join("signer.key"), dir.join("expired.key")).unwrap();
    certify(
        dir,
        "expired",
        "/O=测试镇人民政府/CN=nianbao test signer",
        Some("ca"),
        -1,
    );
    export(dir, "expired", Some("expired"), Some("expired"), Some("ca"));
    let serial = Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in", "signer.pem"])
        .current_dir(dir)
        .output()
        .unwrap();
    let serial = String::from_utf8_lossy(&serial.stdout)
        .trim()
        .trim_start_matches("serial=")
        .to_string();
    let pdf = render(dir, "yimianpo-2021");
    let made = std::fs::read(dir.join(&pdf)).unwrap().len();
    for (key, out) in [("signer.p12", "signed.pdf"), ("expired.p12", "expired.pdf")] {
        let run = sign(
            dir,
            &[&pdf, "--key", key, "--password-stdin", "-o", out],
            PASSWORD,
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    // verify with these arguments exits `code`, says each of `lines`, and ends with `last`.
    let says = |args: &[&str], code: i32, lines: &[&str], last: &str| {
        let mut all = vec!["verify", "--no-system-fonts"];
        all.extend_from_slice(args);
        let run = nianbao(dir, &all);
        assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
        for line in lines {
            assert!(
                run.stdout.contains(line),
                "{args:?}: {line}\n{}",
                run.stdout
            );
        }
        assert!(
            run.stdout.ends_with(last),
            "{args:?}: {last}\n{}",
            run.stdout
        );
    };
    let expected = format!(
        "{INTACT}    签名人：CN=nianbao test signer,O=测试镇人民政府
    颁发者：CN=nianbao test CA；证书序列号 {serial}
    签名时间：2022-01-01T00:00:00Z（北京时间 2022-01-01 08:00:00）
    签名范围：整个文件（签名值除外）
    所签内容：签名所覆盖的前 {made} 字节正是内嵌数据重新生成的文件
    证书：受信任：CN=nianbao test signer,O=测试镇人民政府 → CN=nianbao test CA
"
    );
    says(&["signed.pdf", "--trust", "ca.pem"], 0, &[], &expected);
    // No --trust: intact, and trust left to the user.
    says(
        &["signed.pdf"],
        0,
        &[INTACT],
        "    证书：未核验是否可信（用 --trust CA.pem 给出信任的证书）\n",
    );
    // Trusting the signer's own certificate is enough.
    says(
        &["signed.pdf", "--trust", "signer.pem"],
        0,
        &[INTACT],
        "    证书：受信任：CN=nianbao test signer,O=测试镇人民政府\n",
    );
    // Another CA: untrusted, yet intact, and not called tampering.
    says(
        &["signed.pdf", "--trust", "other.pem"],
        1,
        &["signed.pdf：一致，其后加了 1 个数字签名。", INTACT],
        "    证书：不受信任：证书链到 CN=nianbao test CA 为止，不通向 --trust 给出的证书；签名本身完好，并非篡改\n",
    );
    let report = pdfsig(&dir.join("signed.pdf"));
    assert!(
        report.contains("Signature Validation: Signature is Valid."),
        "{report}"
    );
    // An expired certificate: untrusted now, the signature still intact; pdfsig agrees.
    says(
        &["expired.pdf", "--trust", "ca.pem"],
        1,
        &[
            INTACT,
            "    证书：不受信任：证书 CN=nianbao test signer,O=测试镇人民政府 现在不在有效期内（",
        ],
        "；签名没有可信时间戳，无法证明签名时证书有效；签名本身完好，并非篡改\n",
    );
    let report = pdfsig(&dir.join("expired.pdf"));
    assert!(
        report.contains("Certificate Validation: Certificate has Expired"),
        "{report}"
    );

    // A --trust file that holds no certificate: nothing is checked, exit 2.
    std::fs::write(dir.join("not-a-cert.pem"), "hello\n").unwrap();
    let run = nianbao(dir, &["verify", "signed.pdf", "--trust", "not-a-cert.pem"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("不是证书文件（PEM 或 DER 格式的 X.509 证书）"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not-a-cert.pem"), "{}", run.stderr);
}

/// An ECDSA key on `curve` and its certificate, issued by `<ca>` (or itself), in `<name>.p12`
/// with the CA.
fn ec_key(dir: &Path, name: &str, curve: &str, ca: Option<&str>) {
    new_key(dir, name, Some(curve));
    let subject = format!("/O=测试镇人民政府/CN=nianbao {name}");
    certify(dir, name, &subject, ca, 30);
    export(dir, name, Some(name), Some(name), ca);
}

#[test]
fn ecdsa_p256_keys_sign_reproducibly_and_verify_through_rsa_and_ecdsa_cas() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    // A P-256 signer under the RSA CA; a P-256 CA and a signer under it; a P-384 key.
    ec_key(dir, "ec-signer", "prime256v1", Some("ca"));
    ec_key(dir, "ec-ca", "prime256v1", None);
    ec_key(dir, "ec-leaf", "prime256v1", Some("ec-ca"));
    ec_key(dir, "p384", "secp384r1", None);
    let pdf = render(dir, "huaian-2024");
    for (key, out, trust, chain) in [
        (
            "ec-signer.p12",
            "ec.pdf",
            "ca.pem",
            "CN=nianbao ec-signer,O=测试镇人民政府 → CN=nianbao test CA",
        ),
        (
            "ec-leaf.p12",
            "ec-leaf.pdf",
            "ec-ca.pem",
            "CN=nianbao ec-leaf,O=测试镇人民政府 → CN=nianbao ec-ca,O=测试镇人民政府",
        ),
    ] {
        let mut made = Vec::new();
        for _ in 0..2 {
            let run = sign(
                dir,
                &[&pdf, "--key", key, "--password-stdin", "-o", out],
                PASSWORD,
            );
            assert_eq!(run.code, 0, "{key}: {}", run.stderr);
            made.push(std::fs::read(dir.join(out)).unwrap());
        }
        // RFC 6979: the same file, key and time sign to the same bytes, as with RSA.
        assert!(made[0] == made[1], "{key}: not reproducible");
        let report = pdfsig(&dir.join(out));
        for line in [
            "Signature Validation: Signature is Valid.",
            "Total document signed",
            "Signing Hash Algorithm: SHA-256",
        ] {
            assert!(report.contains(line), "{key}: {line}\n{report}");
        }
        let run = nianbao(dir, &["verify", out, "--no-system-fonts", "--trust", trust]);
        assert_eq!(run.code, 0, "{key}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(INTACT), "{key}: {}", run.stdout);
        assert!(
            run.stdout
                .ends_with(&format!("    证书：受信任：{chain}\n")),
            "{key}: {}",
            run.stdout
        );
    }
    // The ECDSA signature changed in its last digit: broken, by both tools.
    let signed = std::fs::read(dir.join("ec.pdf")).unwrap();
    let [_, b, c, _] = byte_range(&signed);
    let last = (b + 1..c - 1).rev().find(|&i| signed[i] != b'0').unwrap();
    let mut damaged = signed.clone();
    damaged[last] = if damaged[last] == b'F' { b'E' } else { b'F' };
    std::fs::write(dir.join("ec-damaged.pdf"), &damaged).unwrap();
    assert!(!pdfsig(&dir.join("ec-damaged.pdf")).contains("Signature is Valid."));
    let run = nianbao(dir, &["verify", "ec-damaged.pdf", "--no-system-fonts"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("  签名 1「Signature1」：已失效：签名值与签名人的证书不符\n"),
        "{}",
        run.stdout
    );
    // Another curve is refused before anything is written.
    let run = sign(
        dir,
        &[
            &pdf,
            "--key",
            "p384.p12",
            "--password-stdin",
            "-o",
            "p384.pdf",
        ],
        PASSWORD,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("密钥文件里的私钥既不是 RSA 密钥，也不是 P-256 椭圆曲线密钥"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("p384.pdf").exists());
}

#[test]
fn a_wrong_password_a_p12_without_key_or_certificate_and_a_non_pdf_are_refused() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    let pdf = render(dir, "huaian-2024");
    let original = std::fs::read(dir.join(&pdf)).unwrap();
    let cases = [
        (
            "signer.p12",
            "wrong",
            &pdf,
            "signer.p12 错误: 密钥文件的密码不对 [unreadable]\n    提示：检查密码；用 --password-stdin（render、batch 用 --sign-password-stdin）从标准输入的第一行给出\n",
        ),
        (
            "nokey.p12",
            PASSWORD,
            &pdf,
            "nokey.p12 错误: 密钥文件里没有私钥 [unreadable]\n    提示：导出 PKCS#12 文件时连同私钥一起导出（openssl pkcs12 -export 不加 -nokeys）\n",
        ),
        (
            "nocert.p12",
            PASSWORD,
            &pdf,
            "nocert.p12 错误: 密钥文件里没有私钥对应的证书 [unreadable]\n    提示：导出时把私钥和它的证书放在一起（openssl pkcs12 -export -inkey 私钥 -in 证书）\n",
        ),
        (
            "signer.p12",
            PASSWORD,
            &"ca.pem".to_string(),
            "ca.pem 错误: 不是 PDF 文件 [unreadable]\n",
        ),
    ];
    for (key, password, input, expected) in cases {
        // Both in place and to another file: nothing written either way.
        let run = sign(dir, &[input, "--key", key, "--password-stdin"], password);
        assert_eq!(run.code, 2, "{key}: {}", run.stderr);
        assert_eq!(run.stderr, expected, "{key}");
        let run = sign(
            dir,
            &[input, "--key", key, "--password-stdin", "-o", "out.pdf"],
            password,
        );
        assert_eq!(run.code, 2, "{key}: {}", run.stderr);
        assert!(!dir.join("out.pdf").exists(), "{key}: a file was written");
        assert!(!run.stderr.contains("PRIVATE KEY") && !run.stderr.contains(PASSWORD));
    }
    assert_eq!(
        std::fs::read(dir.join(&pdf)).unwrap(),
        original,
        "the report was changed"
    );
}

#[test]
fn the_help_states_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(dir.path(), &["sign", "--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("退出码 Exit codes:\n  0  已签名"),
        "{}",
        run.stdout
    );
    let run = nianbao(dir.path(), &["sign", "x.pdf"]);
    assert_eq!(run.code, 2, "--key is required: {}", run.stderr);
}

#[test]
fn render_and_batch_sign_every_pdf_with_sign_key_and_the_manifest_hashes_the_signed_files() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    let data = repo("samples/huaian-2024.toml");
    let data = data.to_str().unwrap();

    // render --sign-key: the PDF is signed at the time it says it was made, the .docx is not.
    let run = nianbao_with_input(
        dir,
        &[
            "render",
            data,
            "-o",
            "rendered",
            "--no-system-fonts",
            "-q",
            "--sign-key",
            "signer.p12",
            "--sign-password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let signed = dir.join("rendered/huaian-2024.pdf");
    assert_valid_whole(&signed);
    let verified = nianbao(
        dir,
        &["verify", "rendered/huaian-2024.pdf", "--no-system-fonts"],
    );
    assert_eq!(verified.code, 0, "{}", verified.stdout);
    assert!(
        verified.stdout.contains("一致，其后加了 1 个数字签名"),
        "{}",
        verified.stdout
    );
    let docx = std::fs::read(dir.join("rendered/huaian-2024.docx")).unwrap();
    assert!(docx.starts_with(b"PK"), "the .docx is made as ever");

    // A wrong password: nothing is written.
    let run = nianbao_with_input(
        dir,
        &[
            "render",
            data,
            "-o",
            "refused",
            "--no-system-fonts",
            "--sign-key",
            "signer.p12",
            "--sign-password-stdin",
        ],
        "wrong\n",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("密钥文件的密码不对"), "{}", run.stderr);
    assert!(!dir.join("refused").exists(), "nothing written");

    // batch --sign-key: every PDF signed, and the manifest's hashes are the signed files'.
    std::fs::create_dir(dir.join("in")).unwrap();
    for sample in ["huaian-2024", "yimianpo-2021"] {
        std::fs::copy(
            repo(&format!("samples/{sample}.toml")),
            dir.join(format!("in/{sample}.toml")),
        )
        .unwrap();
    }
    let run = nianbao_with_input(
        dir,
        &[
            "batch",
            "in",
            "-o",
            "out",
            "--no-system-fonts",
            "-q",
            "--sign-key",
            "signer.p12",
            "--sign-password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/manifest.json")).unwrap()).unwrap();
    let mut pdfs = 0;
    for report in manifest["reports"].as_array().unwrap() {
        for output in report["outputs"].as_array().unwrap() {
            if output["format"] != "pdf" {
                continue;
            }
            pdfs += 1;
            let path = dir.join("out").join(output["file"].as_str().unwrap());
            let bytes = std::fs::read(&path).unwrap();
            use sha2::Digest as _;
            let hash: String = sha2::Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(output["sha256"], hash.as_str(), "{}", path.display());
            let report = pdfsig(&path);
            assert!(
                report.contains("Signature Validation: Signature is Valid."),
                "{}: {report}",
                path.display()
            );
        }
    }
    assert_eq!(pdfs, 2);
}

// ---- Visible signatures: the field over the 落款 (署名, date, seal), nothing drawn. ----

/// A report of `tests/data` (`base` without a seal, `sealed` with one) rendered to
/// `<out>/<name>.pdf`, with `extra` arguments.
fn render_data(dir: &Path, name: &str, out: &str, extra: &[&str]) -> String {
    let data = repo(&format!("tests/data/{name}.toml"));
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "--to",
        "pdf",
        "-o",
        out,
        "--no-system-fonts",
        "-q",
    ];
    args.extend_from_slice(extra);
    let run = nianbao_with_input(dir, &args, &format!("{PASSWORD}\n"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    format!("{out}/{name}.pdf")
}

/// A signature field's widget, as lopdf reads the signed file.
#[derive(Debug)]
struct Widget {
    name: String,
    /// The page it is on, from 1.
    page: u32,
    rect: [f32; 4],
    flags: i64,
    /// The normal appearance: its dictionary and its (undecoded) content.
    appearance: Option<(lopdf::Dictionary, Vec<u8>)>,
    /// The page's height (MediaBox), to turn pdftotext's top-down boxes into PDF space.
    page_height: f32,
}

fn widgets(pdf: &[u8]) -> Vec<Widget> {
    use lopdf::Object;
    let doc = lopdf::Document::load_mem(pdf).expect("lopdf reads the signed file");
    let pages = doc.get_pages();
    let number = |o: &Object| match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        other => panic!("not a number: {other:?}"),
    };
    let mut out: Vec<Widget> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| {
            d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget")
                && d.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig")
        })
        .map(|d| {
            let page_id = d.get(b"P").and_then(Object::as_reference).expect("/P");
            let page = *pages
                .iter()
                .find(|(_, id)| **id == page_id)
                .expect("/P is a page")
                .0;
            let page_array = |key: &[u8]| {
                doc.get_dictionary(page_id)
                    .unwrap()
                    .get(key)
                    .and_then(Object::as_array)
                    .cloned()
                    .expect("an array of the page")
            };
            let media = page_array(b"MediaBox");
            let rect: Vec<f32> = d
                .get(b"Rect")
                .and_then(Object::as_array)
                .expect("/Rect")
                .iter()
                .map(number)
                .collect();
            let appearance = d.get(b"AP").ok().map(|ap| {
                let id = ap
                    .as_dict()
                    .and_then(|ap| ap.get(b"N"))
                    .and_then(Object::as_reference)
                    .expect("/AP /N is a reference");
                let stream = doc.get_object(id).unwrap().as_stream().expect("a stream");
                (stream.dict.clone(), stream.content.clone())
            });
            let annots = page_array(b"Annots");
            let own = doc
                .objects
                .iter()
                .find(|(_, o)| o.as_dict().ok() == Some(d))
                .map(|(id, _)| *id)
                .unwrap();
            assert!(
                annots.contains(&Object::Reference(own)),
                "the page lists its widget"
            );
            Widget {
                name: String::from_utf8_lossy(d.get(b"T").and_then(Object::as_str).unwrap())
                    .into_owned(),
                page,
                rect: rect.try_into().expect("four numbers"),
                flags: d.get(b"F").and_then(Object::as_i64).expect("/F"),
                appearance,
                page_height: number(&media[3]),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The page (from 1) and boxes (pdftotext's, top-down) of the 署名 and the date: the page with
/// the date, and the 署名 on the line above it (the title names the organ too).
fn signature_words(pdf: &[u8]) -> (u32, Vec<common::Word>) {
    let text = common::PdfText::of(pdf);
    let page = (0..text.pages.len())
        .rev()
        .find(|&i| text.words(i).any(|w| w.text == "2025年1月20日"))
        .expect("the date found by pdftotext");
    let date = text
        .words(page)
        .find(|w| w.text == "2025年1月20日")
        .unwrap();
    let organ = text
        .words(page)
        .filter(|w| w.text == "测试镇人民政府" && w.y1 <= date.y0 + 0.5)
        .last()
        .expect("the 署名 above the date");
    assert!(
        date.y0 - organ.y0 < 40.0,
        "on the next line: {organ:?} {date:?}"
    );
    (page as u32 + 1, vec![organ.clone(), date.clone()])
}

/// A page as pdftoppm renders it at 60 dpi (PNG bytes).
fn picture(dir: &Path, pdf: &str, page: u32) -> Vec<u8> {
    let page = page.to_string();
    let prefix = dir.join(format!("{}-{page}", pdf.replace(['/', '.'], "_")));
    let (input, prefix) = (dir.join(pdf), prefix.to_str().unwrap().to_string());
    let args = ["-r", "60", "-png", "-singlefile", "-f", &page, "-l", &page];
    common::tool(
        "pdftoppm",
        &[&args[..], &[input.to_str().unwrap(), &prefix]].concat(),
    );
    std::fs::read(format!("{prefix}.png")).unwrap()
}

/// `pdf` in `dir` signed with the test key, and `extra` arguments.
fn sign_with_key(dir: &Path, pdf: &str, extra: &[&str]) -> common::Run {
    let mut args = vec![pdf, "--key", "signer.p12", "--password-stdin"];
    args.extend_from_slice(extra);
    sign(dir, &args, PASSWORD)
}

/// `pdf` carries `count` signatures pdfsig finds valid, the last over the whole file; qpdf
/// finds no fault; `verify` finds it 一致 with that many signatures after it.
fn assert_signed(dir: &Path, pdf: &str, count: usize) {
    let report = pdfsig(&dir.join(pdf));
    let valid = report
        .matches("Signature Validation: Signature is Valid.")
        .count();
    assert_eq!(valid, count, "{pdf}: {report}");
    assert!(report.contains("Total document signed"), "{pdf}: {report}");
    qpdf_check(&dir.join(pdf));
    let verified = nianbao(dir, &["verify", pdf, "--no-system-fonts"]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert!(
        verified
            .stdout
            .contains(&format!("：一致，其后加了 {count} 个数字签名")),
        "{}",
        verified.stdout
    );
}

/// The one signature widget of a PDF file in `dir`.
fn widget(dir: &Path, pdf: &str) -> Widget {
    let [widget] = widgets(&std::fs::read(dir.join(pdf)).unwrap())
        .try_into()
        .expect("one widget");
    widget
}

#[test]
fn visible_signatures_sit_on_the_落款_and_draw_nothing() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    for name in ["base", "sealed"] {
        let pdf = render_data(dir, name, name, &[]);
        let original = std::fs::read(dir.join(&pdf)).unwrap();
        let signed = format!("{name}/signed.pdf");
        let run = sign_with_key(dir, &pdf, &["-o", &signed]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let bytes = std::fs::read(dir.join(&signed)).unwrap();
        assert!(
            bytes.starts_with(&original),
            "{name}: an incremental update"
        );

        let (page, words) = signature_words(&original);
        let widget = widget(dir, &signed);
        assert_eq!(widget.page, page, "{name}: on the 落款's page");
        assert_eq!(widget.flags, 4, "{name}: printed, not hidden");
        let [x0, y0, x1, y1] = widget.rect;
        assert!(x1 > x0 && y1 > y0, "{name}: {:?}", widget.rect);
        for w in &words {
            let (bottom, top) = (widget.page_height - w.y1, widget.page_height - w.y0);
            assert!(
                x0 <= w.x0 + 0.02 && w.x1 <= x1 + 0.02 && y0 <= bottom + 0.02 && top <= y1 + 0.02,
                "{name}: {} at {:?} not within {:?}",
                w.text,
                (w.x0, bottom, w.x1, top),
                widget.rect
            );
        }
        // No more than the 落款: a few lines tall, within the text block's width.
        assert!(
            y1 - y0 < 200.0 && x1 - x0 < 300.0,
            "{name}: {:?}",
            widget.rect
        );
        if name == "sealed" {
            // The seal is wider than the lines: the rectangle is at least its 42 mm.
            assert!(x1 - x0 >= 42.0 * 72.0 / 25.4 - 0.1, "{:?}", widget.rect);
        }
        let (form, content) = widget.appearance.expect("an appearance (PDF/A)");
        assert_eq!(form.get(b"Type").unwrap().as_name().unwrap(), b"XObject");
        assert_eq!(form.get(b"Subtype").unwrap().as_name().unwrap(), b"Form");
        assert_eq!(form.get(b"Length").unwrap().as_i64().unwrap(), 0);
        assert!(content.is_empty(), "{name}: the appearance draws nothing");
        assert_signed(dir, &signed, 1);
        // The page looks as it did.
        assert!(
            picture(dir, &signed, page) == picture(dir, &pdf, page),
            "{name}: the signature changed how page {page} looks"
        );

        // A second signature gets its own field over the same 落款.
        let run = sign_with_key(dir, &signed, &[]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let both = widgets(&std::fs::read(dir.join(&signed)).unwrap());
        assert_eq!(both.len(), 2, "{both:?}");
        assert_eq!(both[1].name, "Signature2");
        assert_eq!((both[1].page, both[1].rect), (page, widget.rect));
        assert_signed(dir, &signed, 2);
    }
}

#[test]
fn invisible_signatures_and_files_without_data_or_changed() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();

    // --invisible: a field of no size, hidden, as before.
    let pdf = render_data(dir, "sealed", "plain", &[]);
    let run = sign_with_key(dir, &pdf, &["--invisible"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hidden = widget(dir, &pdf);
    assert_eq!((hidden.page, hidden.rect, hidden.flags), (1, [0.0; 4], 132));
    assert!(hidden.appearance.is_none());
    assert_signed(dir, &pdf, 1);

    // No embedded data (PDF/A-2b): no 落款 to find; --invisible signs it.
    let pdf = render_data(dir, "sealed", "a2b", &["--pdfa", "2b"]);
    let run = sign_with_key(dir, &pdf, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "a2b/sealed.pdf 错误: 文件里没有 nianbao 内嵌的数据，找不到落款的位置 [unreadable]\n    提示：不是 nianbao 生成的 PDF，或用 --pdfa=2b 生成（不内嵌数据）：用 --invisible 加不可见的签名\n"
    );
    let unsigned = std::fs::read(dir.join(&pdf)).unwrap();
    // Its signing time is SOURCE_DATE_EPOCH: the file has none of its own.
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "sign",
            &pdf,
            "--key",
            "signer.p12",
            "--password-stdin",
            "--invisible",
        ])
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1737331200")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.join(&pdf)).unwrap();
    assert!(bytes.starts_with(&unsigned) && bytes.len() > unsigned.len());
    assert_eq!(widget(dir, &pdf).rect, [0.0; 4]);
    let report = pdfsig(&dir.join(&pdf));
    assert!(
        report.contains("Signature Validation: Signature is Valid."),
        "{report}"
    );

    // Changed after it was made: the layout of its data is no longer the page's.
    let pdf = render_data(dir, "base", "changed", &[]);
    let mut bytes = std::fs::read(dir.join(&pdf)).unwrap();
    bytes.extend_from_slice(b"% appended\n");
    std::fs::write(dir.join(&pdf), &bytes).unwrap();
    let run = sign_with_key(dir, &pdf, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "changed/base.pdf 错误: 文件与其内嵌数据在本机生成的 PDF 不一致，找不到落款的位置 [unreadable]\n    提示：文件生成后被改动过（nianbao verify 可核验）；要签名只能用 --invisible 加不可见的签名\n"
    );
    assert_eq!(
        std::fs::read(dir.join(&pdf)).unwrap(),
        bytes,
        "nothing written"
    );
}

#[test]
fn render_and_batch_sign_visibly_unless_sign_invisible() {
    let Some(dir) = signing_dir() else {
        return;
    };
    let dir = dir.path();
    let key = ["--sign-key", "signer.p12", "--sign-password-stdin"];
    let visible = render_data(dir, "sealed", "visible", &key);
    let invisible = render_data(
        dir,
        "sealed",
        "invisible",
        &[&key[..], &["--sign-invisible"]].concat(),
    );
    let unsigned = render_data(dir, "sealed", "unsigned", &[]);

    // The same field as `nianbao sign` puts on the unsigned file.
    let run = sign_with_key(dir, &unsigned, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (by_sign, by_render) = (widget(dir, &unsigned), widget(dir, &visible));
    assert_eq!(
        (by_render.page, by_render.rect),
        (by_sign.page, by_sign.rect)
    );
    assert_eq!(by_render.flags, 4);
    let hidden = widget(dir, &invisible);
    assert_eq!((hidden.page, hidden.rect, hidden.flags), (1, [0.0; 4], 132));
    assert_signed(dir, &visible, 1);
    assert_signed(dir, &invisible, 1);

    // batch: the same, visible by default and invisible when asked.
    std::fs::create_dir(dir.join("in")).unwrap();
    for file in ["sealed.toml", "seal.png"] {
        std::fs::copy(
            repo(&format!("tests/data/{file}")),
            dir.join("in").join(file),
        )
        .unwrap();
    }
    for (out, extra, rect) in [
        ("batch-visible", &[][..], by_sign.rect),
        ("batch-invisible", &["--sign-invisible"][..], [0.0; 4]),
    ] {
        let mut args = vec![
            "batch",
            "in",
            "-o",
            out,
            "--to",
            "pdf",
            "--no-system-fonts",
            "-q",
        ];
        args.extend_from_slice(&key);
        args.extend_from_slice(extra);
        let run = nianbao_with_input(dir, &args, &format!("{PASSWORD}\n"));
        assert_eq!(run.code, 0, "{}", run.stderr);
        let pdfs: Vec<_> = std::fs::read_dir(dir.join(out))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pdf"))
            .collect();
        let [pdf] = pdfs.as_slice() else {
            panic!("one PDF: {pdfs:?}");
        };
        assert_eq!(widget(dir, &format!("{out}/{pdf}")).rect, rect, "{out}");
    }

    // --sign-invisible means nothing without a key.
    let data = repo("tests/data/sealed.toml");
    let run = nianbao(
        dir,
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            "none",
            "--sign-invisible",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--sign-key"), "{}", run.stderr);
}
