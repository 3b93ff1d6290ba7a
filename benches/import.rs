//! `cargo bench --bench import`: reading the 淮安 sample back from its .docx, its PDF and its
//! web page, and the official 淮安 PDF (exported from WPS; tests/data/official): scan, map to a
//! data file, load and check it; warm, median of 50 runs. The target is well under 50 ms a
//! report.

use std::path::Path;
use std::time::{Duration, Instant};

use nianbao::import::{self, Kind};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("samples/huaian-2024.toml");
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "render",
            sample.to_str().unwrap(),
            "--to",
            "docx,pdf,html",
            "-q",
            "-o",
        ])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    println!("淮安 2024 sample, read back, median of 50 warm runs");
    println!();
    println!("| report | size | scan | whole import (scan, map, load and check) |");
    println!("|---|---|---|---|");
    let official = root.join("tests/data/official/huaian-2024-report.pdf");
    for (path, kind) in [
        (out.path().join("huaian-2024.docx"), Kind::Docx),
        (out.path().join("huaian-2024.pdf"), Kind::Pdf),
        (out.path().join("huaian-2024.html"), Kind::Html),
        (official, Kind::Pdf),
    ] {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut scans = Vec::new();
        let mut wholes = Vec::new();
        for _ in 0..50 {
            let start = Instant::now();
            let scanned = import::scan(&bytes, &name, kind).unwrap();
            scans.push(start.elapsed());
            let draft = import::contact_from_preamble(import::map(&scanned, &name));
            let loaded = import::load(&name, &draft, &draft.to_toml(&name));
            wholes.push(start.elapsed());
            assert!(!loaded.has_errors());
        }
        println!(
            "| {name} | {} KB | {:.2} ms | {:.2} ms |",
            bytes.len() / 1024,
            median(scans).as_secs_f64() * 1000.0,
            median(wholes).as_secs_f64() * 1000.0
        );
    }
}
