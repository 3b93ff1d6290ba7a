//! `cargo bench --bench batch [-- COUNT...]`: whole `nianbao batch` processes on synthetic
//! workbooks of 100, 1,000 and 10,000 reports (PDF and DOCX, 2 workers).
//!
//! Targets: 1,000 reports in ≤ 15 s wall and ≤ 1 GB peak memory, time growing linearly with the
//! count. CPU time and peak memory (maximum resident set) are GNU time's; CPU time per report is
//! the steadier figure on a shared machine.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::machine;

fn main() {
    let counts: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![100, 1_000, 10_000]
    } else {
        counts
    };
    let exe = env!("CARGO_BIN_EXE_nianbao");
    let dir = tempfile::tempdir().unwrap();
    let gnu_time = Path::new("/usr/bin/time").exists();

    println!("{}", machine());
    println!();
    println!(
        "| reports | wall | wall per report | CPU per report | reports/s | peak memory | output |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for count in counts {
        let book = dir.path().join(format!("{count}.xlsx"));
        let out = dir.path().join(format!("out-{count}"));
        let status = Command::new(exe)
            .args(["sample", "--count", &count.to_string(), "-o"])
            .arg(&book)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());

        let mut command = if gnu_time {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%U %S %M"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        command
            .arg("batch")
            .arg(&book)
            .arg("-o")
            .arg(&out)
            .args(["--jobs", "2", "-q"]);
        let start = Instant::now();
        let output = command.output().unwrap();
        let wall = start.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        // GNU time's last line: user seconds, system seconds, peak resident kilobytes.
        let measured: Vec<f64> = stderr
            .lines()
            .last()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let (cpu, peak) = match measured[..] {
            [user, system, kb] => (
                format!("{:.1} ms", (user + system) * 1000.0 / f64::from(count)),
                format!("{:.0} MB", kb / 1024.0),
            ),
            _ => ("n/a".into(), "n/a".into()),
        };
        let bytes: u64 = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        println!(
            "| {count} | {wall:.1} s | {:.1} ms | {cpu} | {:.0} | {peak} | {} MB |",
            wall * 1000.0 / f64::from(count),
            f64::from(count) / wall,
            bytes / 1_048_576
        );
        std::fs::remove_dir_all(&out).unwrap();
    }
}
