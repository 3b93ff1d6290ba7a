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

/// A CA, a signer it certifies, and `signer.p12` (key, certificate, CA) under [`PASSWORD`];
/// `nokey.p12` (the certificates only) and `nocert.p12` (the key only) beside it.
fn keys(dir: &Path) {
    let pass = format!("pass:{PASSWORD}");
    let subj_ca = "/CN=nianbao test CA";
    let subj = "/O=测试镇人民政府/CN=nianbao test signer";
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "3650", "-subj", subj_ca,
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "signer.key",
            "-out",
            "signer.csr",
            "-subj",
            subj,
            "-utf8",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "signer.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "signer.pem",
            "-days",
            "3650",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "signer.key",
            "-in",
            "signer.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            &pass,
            "-out",
            "signer.p12",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "signer.pem",
            "-passout",
            &pass,
            "-out",
            "nokey.p12",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs12",
            "-export",
            "-nocerts",
            "-inkey",
            "signer.key",
            "-passout",
            &pass,
            "-out",
            "nocert.p12",
        ],
    );
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
    let mut all = vec!["sign"];
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
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    keys(dir);
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

        let report = pdfsig(&dir.join(&signed));
        assert!(
            report.contains("Signature Validation: Signature is Valid."),
            "{sample}: {report}"
        );
        assert!(
            report.contains("Total document signed"),
            "{sample}: {report}"
        );
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
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    keys(dir);
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
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_changed_byte_or_appended_content_is_reported_by_pdfsig() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    keys(dir);
    let pdf = render(dir, "yimianpo-2021");
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
    let verified = nianbao(dir, &["verify", "changed.pdf", "--no-system-fonts"]);
    assert_ne!(verified.code, 0, "{}", verified.stdout);
    assert!(!verified.stdout.contains("：一致"), "{}", verified.stdout);
}

#[test]
fn a_wrong_password_a_p12_without_key_or_certificate_and_a_non_pdf_are_refused() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    keys(dir);
    let pdf = render(dir, "huaian-2024");
    let original = std::fs::read(dir.join(&pdf)).unwrap();
    let cases = [
        (
            "signer.p12",
            "wrong",
            &pdf,
            "signer.p12 错误: 密钥文件的密码不对 [unreadable]\n    提示：wrong password for the PKCS#12 file\n",
        ),
        (
            "nokey.p12",
            PASSWORD,
            &pdf,
            "nokey.p12 错误: 密钥文件里没有私钥 [unreadable]\n    提示：no private key in the PKCS#12 file\n",
        ),
        (
            "nocert.p12",
            PASSWORD,
            &pdf,
            "nocert.p12 错误: 密钥文件里没有私钥对应的证书 [unreadable]\n    提示：no certificate for the private key in the PKCS#12 file\n",
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
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    keys(dir);
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
    let report = pdfsig(&signed);
    assert!(
        report.contains("Signature Validation: Signature is Valid."),
        "{report}"
    );
    assert!(report.contains("Total document signed"), "{report}");
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
