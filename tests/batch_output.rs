//! What `nianbao batch` writes, against hostile input and other runs (issue 12): manifest cells
//! a spreadsheet would run, an output directory that is also the input, a second batch into the
//! same directory, leftovers of killed runs, SIGHUP and SIGTERM, and seal paths in table rows.

mod common;

use std::path::Path;
use std::process::Command;

use common::nianbao;
use nianbao::batch::columns::columns;
use nianbao::batch::{sheet, synth};
use nianbao::model::tree::Value;
use serde_json::Value as Json;

/// A CSV file of `count` synthetic reports, with `key` set to `values[i]` in row `i`.
fn csv_with(count: u64, key: &str, values: &[&str]) -> String {
    let c = columns().iter().position(|c| c.key == key).unwrap();
    let rows: Vec<sheet::Cells> = (0..count)
        .map(|i| {
            let mut cells = synth::report(11, i, 2024);
            if let Some(value) = values.get(i as usize) {
                cells.retain(|(k, _)| *k != c);
                cells.push((c, Value::String(value.to_string())));
            }
            cells
        })
        .collect();
    sheet::csv(&rows)
}

fn manifest(dir: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

fn statuses(manifest: &Json) -> Vec<&str> {
    manifest["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn manifest_csv_cells_a_spreadsheet_would_run_are_written_as_text() {
    let dir = tempfile::tempdir().unwrap();
    // (Organ names are trimmed when read, so a tab or CR never starts one; see the unit test.)
    let organs = ["=cmd|' /C calc'!A0", "+SUM(1)", "@cmd", "-1+2"];
    std::fs::write(dir.path().join("county.csv"), csv_with(4, "organ", &organs)).unwrap();
    let run = nianbao(
        dir.path(),
        &[
            "batch",
            "county.csv",
            "-o",
            "out",
            "--to",
            "docx",
            "--no-system-fonts",
            "-q",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("out/manifest.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let written: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert_eq!(
        written,
        ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'@cmd", "'-1+2"]
    );
    // Programs read the JSON manifest: there the names are as they are.
    let m = manifest(&dir.path().join("out"));
    let json: Vec<&str> = m["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["organ"].as_str().unwrap())
        .collect();
    assert_eq!(json, organs);
}

#[test]
fn a_batch_into_its_own_input_directory_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(dir.path(), &["sample", "--count", "2", "-o", "dd"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let batch = [
        "batch",
        "dd",
        "-o",
        "dd",
        "--to",
        "docx",
        "--no-system-fonts",
    ];
    for _ in 0..2 {
        let run = nianbao(dir.path(), &batch);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let m = manifest(&dir.path().join("dd"));
        assert_eq!(statuses(&m), ["done", "done"]);
        for report in m["reports"].as_array().unwrap() {
            assert!(report["input"].as_str().unwrap().ends_with(".toml"));
        }
    }
    // A directory holding only a manifest has nothing to make.
    let only = dir.path().join("only");
    std::fs::create_dir(&only).unwrap();
    std::fs::copy(
        dir.path().join("dd/manifest.json"),
        only.join("manifest.json"),
    )
    .unwrap();
    let run = nianbao(dir.path(), &["batch", "only", "-o", "out"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "错误: only 里没有数据文件（.toml、.json、.yaml），只有 nianbao 写出的清单 [output]\n"
    );
}

/// The id of a process that has ended.
#[cfg(unix)]
fn ended_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    child.wait().unwrap();
    child.id()
}

#[cfg(unix)]
#[test]
fn a_second_batch_into_a_held_directory_stops_and_leftovers_of_ended_runs_go() {
    let dir = tempfile::tempdir().unwrap();
    // Invalid data: each batch decides and writes its manifest without rendering anything.
    let broken = csv_with(2, "year", &["1990", "1990"]);
    std::fs::write(dir.path().join("county.csv"), broken).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let me = std::process::id();
    // A run still going (this test) has a temporary file there: never another run's to delete.
    let live = format!(".nianbao-{me}-live.tmp");
    std::fs::write(out.join(&live), b"half").unwrap();

    // This test holds the directory as a running batch would.
    let held = nianbao::disk::lock_dir(&out).unwrap();
    let run = nianbao(dir.path(), &["batch", "county.csv", "-o", "out", "-q"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "out 错误: 输出目录 out 正由另一个 nianbao 批量任务使用（进程 {me} 锁定了其中的 .nianbao.lock），本次没有写入任何文件 [output]\n    提示：等那个任务结束后再运行，或用 -o 换一个输出目录\n"
        )
    );
    assert_eq!(listing(&out), [live.clone(), ".nianbao.lock".to_string()]);
    drop(held);
    assert_eq!(listing(&out), std::slice::from_ref(&live));

    // What killed runs leave: a lock file nobody holds (the system let go of its lock when the
    // run ended), temporary files of ended processes and of nianbao before process ids.
    std::fs::write(out.join(".nianbao.lock"), format!("{}\n", ended_pid())).unwrap();
    let dead = format!(".nianbao-{}-dead.tmp", ended_pid());
    for name in [dead.as_str(), ".nianbao-old.tmp"] {
        std::fs::write(out.join(name), b"half").unwrap();
    }
    let run = nianbao(dir.path(), &["batch", "county.csv", "-o", "out"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(statuses(&manifest(&out)), ["invalid", "invalid"]);
    assert_eq!(
        listing(&out),
        [
            live,
            "manifest.csv".to_string(),
            "manifest.json".to_string()
        ]
    );
}

#[cfg(unix)]
#[test]
fn sighup_and_sigterm_stop_a_batch_as_ctrl_c_does() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(
        dir.path(),
        &["sample", "--count", "40", "-o", "county.xlsx"],
    );
    assert_eq!(run.code, 0);
    for signal in ["HUP", "TERM"] {
        let out = dir.path().join(signal);
        let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["batch", "county.xlsx", "-o", signal, "--jobs", "1"])
            .args(["--to", "pdf", "--no-system-fonts"])
            .current_dir(dir.path())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Signalled as soon as the first report is out.
        let started = std::time::Instant::now();
        while !out.exists() || !listing(&out).iter().any(|n| n.ends_with(".pdf")) {
            assert!(started.elapsed().as_secs() < 300, "no report appeared");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let kill = Command::new("sh")
            .args(["-c", &format!("kill -{signal} {}", child.id())])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "SIG{signal}");

        let m = manifest(&out);
        let statuses = statuses(&m);
        assert_eq!(statuses.len(), 40);
        let done = statuses.iter().filter(|s| **s == "done").count();
        assert!(done >= 1 && statuses[done..].iter().all(|s| *s == "skipped"));
        // The manifest lists exactly what was written; nothing else is left.
        let pdfs: Vec<String> = m["reports"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["outputs"].as_array().unwrap())
            .map(|o| o["file"].as_str().unwrap().to_string())
            .collect();
        let mut expected = pdfs;
        expected.extend(["manifest.csv".to_string(), "manifest.json".to_string()]);
        expected.sort();
        assert_eq!(listing(&out), expected, "SIG{signal}");
    }
}

#[test]
fn seal_paths_in_table_rows_stay_in_the_table_s_directory_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(
        common::repo("tests/data/seal.png"),
        dir.path().join("outside.png"),
    )
    .unwrap();
    let seals = ["../outside.png"];
    std::fs::write(
        data.join("county.csv"),
        csv_with(1, "signature.seal", &seals),
    )
    .unwrap();
    let batch = ["batch", "data/county.csv", "-o", "out", "--to", "docx"];
    let run = nianbao(dir.path(), &[&batch[..], &["--no-system-fonts"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let m = manifest(&dir.path().join("out"));
    assert_eq!(statuses(&m), ["invalid"]);
    let refused = &m["reports"][0]["diagnostics"][0];
    assert_eq!(refused["rule"], "seal");
    assert_eq!(refused["key"], "signature.seal");
    assert_eq!(
        refused["message"],
        "印章图片 ../outside.png 用“..”指向了目录之外；印章只从表格文件所在的目录（及其子目录）中读取"
    );
    assert_eq!(refused["location"]["line"], 2);

    let allowed = [&batch[..], &["--no-system-fonts", "--allow-seal-anywhere"]].concat();
    let run = nianbao(dir.path(), &allowed);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(statuses(&manifest(&dir.path().join("out"))), ["done"]);
}
