//! `nianbao batch`, `sheet` and `sample`: the real binary on workbooks, CSV files and directories.

mod common;

use common::nianbao;

use std::io::Read;
use std::path::Path;
use std::process::Command;

use nianbao::batch::columns::columns;
use nianbao::batch::{sheet, synth};
use nianbao::diag::column_letters;
use nianbao::model::tree::Value;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// Synthetic reports as cells, `count` of them.
fn reports(count: u64) -> Vec<sheet::Cells> {
    (0..count).map(|i| synth::report(11, i, 2024)).collect()
}

fn column(key: &str) -> usize {
    columns().iter().position(|c| c.key == key).unwrap()
}

fn set(cells: &mut sheet::Cells, key: &str, value: Value) {
    let c = column(key);
    cells.retain(|(k, _)| *k != c);
    cells.push((c, value));
}

fn count(cells: &sheet::Cells, key: &str) -> u64 {
    let c = column(key);
    cells
        .iter()
        .find_map(|(k, v)| match v {
            Value::Number { text, .. } if *k == c => text.parse().ok(),
            _ => None,
        })
        .unwrap_or(0)
}

fn files_with(dir: &Path, ext: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext))
        .collect();
    names.sort();
    names
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

/// Every output the manifest lists exists with the size and SHA-256 it states.
fn assert_outputs_match(dir: &Path, manifest: &Json) -> usize {
    let mut checked = 0;
    for report in manifest["reports"].as_array().unwrap() {
        for output in report["outputs"].as_array().unwrap() {
            let bytes = std::fs::read(dir.join(output["file"].as_str().unwrap())).unwrap();
            assert_eq!(output["size"].as_u64().unwrap(), bytes.len() as u64);
            let digest: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(output["sha256"].as_str().unwrap(), digest);
            checked += 1;
        }
    }
    checked
}

#[test]
fn a_workbook_with_two_bad_rows_gives_five_reports_and_a_full_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = reports(7);
    // Sheet row 5 (the third report): a word in a count cell.
    set(
        &mut rows[2],
        "applications.granted.natural_person",
        Value::String("三".into()),
    );
    // Sheet row 8 (the sixth report): one more request received than was handled.
    let received = count(&rows[5], "applications.new_received.natural_person");
    set(
        &mut rows[5],
        "applications.new_received.natural_person",
        Value::Number {
            text: (received + 1).to_string(),
            integer: true,
        },
    );
    std::fs::write(
        dir.path().join("county.xlsx"),
        sheet::workbook(&rows).unwrap(),
    )
    .unwrap();

    let run = nianbao(
        dir.path(),
        &[
            "batch",
            "county.xlsx",
            "-o",
            "out",
            "--jobs",
            "2",
            "--no-system-fonts",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = dir.path().join("out");
    assert_eq!(files_with(&out, ".pdf").len(), 5);
    assert_eq!(files_with(&out, ".docx").len(), 5);

    // The two problems, each naming sheet, row, column, key and rule.
    let granted = column_letters(column("applications.granted.natural_person") as u32 + 1);
    let wrong_type = format!(
        "county.xlsx「报告数据」第5行 {granted}列 错误 applications.granted.natural_person（三（一）予以公开 · 自然人）: 应为整数，实际为文字 \"三\" [wrong-type]"
    );
    assert!(run.stderr.contains(&wrong_type), "{}", run.stderr);
    let balance = run
        .stderr
        .lines()
        .find(|l| l.contains("[balance]"))
        .unwrap_or_else(|| panic!("no balance error:\n{}", run.stderr));
    assert!(
        balance.starts_with("county.xlsx「报告数据」第8行 "),
        "{balance}"
    );
    assert!(balance.contains("列 错误 applications."), "{balance}");
    assert!(
        run.stderr.contains("已生成 5 份，数据有误 2 份"),
        "{}",
        run.stderr
    );

    let m = manifest(&out);
    assert_eq!(m["total"], 7);
    assert_eq!(
        statuses(&m),
        ["done", "done", "invalid", "done", "done", "invalid", "done"]
    );
    let reports = m["reports"].as_array().unwrap();
    let rows_listed: Vec<u64> = reports.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(rows_listed, [3, 4, 5, 6, 7, 8, 9]);
    let bad = &reports[2]["diagnostics"][0];
    assert_eq!(bad["rule"], "wrong-type");
    assert_eq!(bad["key"], "applications.granted.natural_person");
    assert_eq!(bad["location"]["sheet"], "报告数据");
    assert_eq!(bad["location"]["line"], 5);
    assert_eq!(
        bad["location"]["column"],
        column("applications.granted.natural_person") + 1
    );
    assert!(reports[2]["outputs"].as_array().unwrap().is_empty());
    // An invalid row is still named by its organ.
    let organ_of = |cells: &sheet::Cells| {
        cells
            .iter()
            .find_map(|(c, v)| match v {
                Value::String(s) if *c == column("organ") => Some(s.clone()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(reports[2]["organ"], organ_of(&rows[2]));
    assert_eq!(reports[0]["pages"].as_u64().map(|p| p >= 3), Some(true));
    assert_eq!(assert_outputs_match(&out, &m), 10);

    // The CSV manifest: a BOM for Excel, a header and one record per input.
    let csv_text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    assert!(csv_text.starts_with('\u{FEFF}'));
    let mut reader = csv::Reader::from_reader(csv_text.trim_start_matches('\u{FEFF}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 7);
    assert_eq!(&records[2][4], "数据有误");
    assert!(records[2][15].contains("[wrong-type]"));
    assert_eq!(
        &records[0][8],
        reports[0]["outputs"][0]["sha256"].as_str().unwrap()
    );

    // A report is the organ's own.
    let organ = reports[0]["organ"].as_str().unwrap();
    let pdf = out.join(format!("2024-{organ}.pdf"));
    let text = common::tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(text.contains(organ), "{text}");
}

#[test]
fn a_directory_batch_names_reports_and_keeps_going_past_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(dir.path(), &["sample", "--count", "3", "-o", "data"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let data = dir.path().join("data");
    let first = files_with(&data, ".toml")[0].clone();
    // The same organ twice, and a file that does not parse.
    std::fs::copy(data.join(&first), data.join("zz-again.toml")).unwrap();
    std::fs::write(data.join("zz-broken.toml"), "organ = \"某镇\nyear = 2024\n").unwrap();

    let run = nianbao(dir.path(), &["batch", "data", "-o", "out", "--to", "docx"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let m = manifest(&dir.path().join("out"));
    assert_eq!(statuses(&m), ["done", "done", "done", "done", "invalid"]);
    let reports = m["reports"].as_array().unwrap();
    let organ = reports[0]["organ"].as_str().unwrap();
    assert_eq!(
        reports[0]["outputs"][0]["file"],
        format!("2024-{organ}.docx")
    );
    assert_eq!(
        reports[3]["outputs"][0]["file"],
        format!("2024-{organ}-2.docx")
    );
    assert_eq!(reports[3]["diagnostics"][0]["rule"], "duplicate-name");
    assert_eq!(reports[4]["diagnostics"][0]["rule"], "syntax");
    assert!(
        reports[4]["input"]
            .as_str()
            .unwrap()
            .ends_with("zz-broken.toml")
    );
    assert!(run.stderr.contains("zz-broken.toml:1:"), "{}", run.stderr);
    assert_eq!(files_with(&dir.path().join("out"), ".docx").len(), 4);

    // A name pattern: the data file's stem.
    let run = nianbao(
        dir.path(),
        &[
            "batch",
            "data",
            "-o",
            "named",
            "--to",
            "docx",
            "--name",
            "{stem}-{year}",
        ],
    );
    assert_eq!(run.code, 1);
    let stem = first.trim_end_matches(".toml");
    assert!(
        dir.path()
            .join("named")
            .join(format!("{stem}-2024.docx"))
            .exists()
    );
    let run = nianbao(
        dir.path(),
        &["batch", "data", "-o", "x", "--name", "{yaer}"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("{yaer}"), "{}", run.stderr);
}

#[test]
fn csv_is_read_as_excel_writes_it_utf8_with_bom_or_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let rows = reports(2);
    let text = sheet::csv(&rows);
    assert!(text.starts_with('\u{FEFF}'));
    std::fs::write(dir.path().join("bom.csv"), &text).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text.trim_start_matches('\u{FEFF}'));
    assert!(!unmappable);
    std::fs::write(dir.path().join("gbk.csv"), &gbk).unwrap();

    let mut names = Vec::new();
    for (file, out) in [("bom.csv", "a"), ("gbk.csv", "b")] {
        let run = nianbao(dir.path(), &["batch", file, "-o", out, "--to", "docx"]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert_eq!(
            run.stderr.contains("GBK"),
            file == "gbk.csv",
            "{}",
            run.stderr
        );
        names.push(files_with(&dir.path().join(out), ".docx"));
    }
    assert_eq!(names[0], names[1]);
    assert_eq!(names[0].len(), 2);
    assert!(
        names[0]
            .iter()
            .all(|n| n.starts_with("2024-") && n.contains("县")),
        "{names:?}"
    );

    // Bytes that are neither UTF-8 nor GBK: a clear error that says how to convert.
    std::fs::write(dir.path().join("bad.csv"), b"organ,year\n\x81\x20,2024\n").unwrap();
    let run = nianbao(dir.path(), &["batch", "bad.csv", "-o", "c"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("bad.csv 错误: 无法识别文件的编码") && run.stderr.contains("CSV UTF-8"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("c").exists());
}

#[test]
fn an_unknown_column_stops_the_batch_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = sheet::csv(&reports(1)).replacen(",year,", ",yaer,", 1);
    std::fs::write(dir.path().join("county.csv"), text).unwrap();
    let run = nianbao(dir.path(), &["batch", "county.csv", "-o", "out"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("county.csv 第1行 B列 错误: 不认识的列名“yaer” [header]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("是否应为 year（报告年度）？"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("缺少必填的列：year（报告年度）"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_blank_sheet_has_labels_keys_validation_and_frozen_header() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(dir.path(), &["sheet", "blank.xlsx"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = dir.path().join("blank.xlsx");

    // Read back as a county would: calamine sees labels in row 1 and keys in row 2.
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto(&path).unwrap();
    assert_eq!(book.sheet_names(), ["报告数据", "填表说明"]);
    let range = book.worksheet_range("报告数据").unwrap();
    let cols = columns();
    assert_eq!(range.get_size(), (2, cols.len()));
    for (i, c) in cols.iter().enumerate() {
        assert_eq!(range.get((0, i)), Some(&Data::String(c.label.clone())));
        assert_eq!(range.get((1, i)), Some(&Data::String(c.key.clone())));
    }

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains(r#"<pane xSplit="1" ySplit="2" topLeftCell="B3""#),
        "no frozen header"
    );
    let granted = column_letters(column("applications.granted.natural_person") as u32 + 1);
    let rule = r#"type="whole" operator="greaterThanOrEqual""#;
    let validation = xml
        .split("<dataValidation ")
        .find(|v| v.contains(&format!(r#"sqref="{granted}3:{granted}5002""#)))
        .expect("a validation on the granted column");
    assert!(validation.contains(rule), "{validation}");
    assert!(
        validation.contains("<formula1>0</formula1>"),
        "{validation}"
    );
    // The narrative columns are wide.
    let overview = column("text.overview") as u32 + 1;
    let attr = |element: &str, name: &str| -> f32 {
        let value = element.split(&format!("{name}=\"")).nth(1).unwrap();
        value.split('"').next().unwrap().parse().unwrap()
    };
    let col = xml
        .split("<col ")
        .skip(1)
        .find(|c| (attr(c, "min")..=attr(c, "max")).contains(&(overview as f32)))
        .expect("a width for the overview column");
    assert!(attr(col, "width") > 40.0, "{col}");

    // Not overwritten by accident.
    let run = nianbao(dir.path(), &["sheet", "blank.xlsx"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn an_interrupted_batch_leaves_only_whole_files_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let run = nianbao(
        dir.path(),
        &["sample", "--count", "60", "-o", "county.xlsx"],
    );
    assert_eq!(run.code, 0);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Left by an earlier run that was killed.
    std::fs::write(out.join(".nianbao-old.tmp"), b"half").unwrap();
    std::fs::write(out.join("manifest.json"), b"{}").unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "batch",
            "county.xlsx",
            "-o",
            "out",
            "--jobs",
            "1",
            "--to",
            "pdf",
            "--no-system-fonts",
        ])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Interrupt as soon as the first report is out.
    let started = std::time::Instant::now();
    while files_with(&out, ".pdf").is_empty() {
        assert!(started.elapsed().as_secs() < 300, "no report appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The shell's own kill: no procps needed.
    let kill = Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));

    let m = manifest(&out);
    let statuses = statuses(&m);
    assert_eq!(statuses.len(), 60);
    let done = statuses.iter().filter(|s| **s == "done").count();
    assert!(done >= 1 && statuses.contains(&"skipped"), "{statuses:?}");
    // Finished reports first: the batch works in input order.
    assert!(
        statuses[..done].iter().all(|s| *s == "done"),
        "{statuses:?}"
    );
    assert_eq!(assert_outputs_match(&out, &m), done);
    assert_eq!(files_with(&out, ".pdf").len(), done);
    assert!(files_with(&out, ".tmp").is_empty());
}
