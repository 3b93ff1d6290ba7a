//! `nianbao check`, `--help`, `--version`: the real binary, run in a temporary directory.

mod common;

use std::path::{Path, PathBuf};

use common::nianbao;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn huaian() -> String {
    std::fs::read_to_string(repo("samples/huaian-2024.toml")).unwrap()
}

#[test]
fn version_and_bilingual_help() {
    let dir = tempfile::tempdir().unwrap();
    let v = nianbao(dir.path(), &["--version"]);
    assert_eq!(v.code, 0);
    assert_eq!(
        v.stdout.trim(),
        format!("nianbao {}", env!("CARGO_PKG_VERSION"))
    );
    let h = nianbao(dir.path(), &["--help"]);
    assert_eq!(h.code, 0);
    for text in [
        "政府信息公开工作年度报告",
        "Generates government",
        "用法 Usage",
        "check",
        "检查数据文件",
        "Check data files",
    ] {
        assert!(
            h.stdout.contains(text),
            "help lacks {text:?}:\n{}",
            h.stdout
        );
    }
    let h = nianbao(dir.path(), &["check", "--help"]);
    assert_eq!(h.code, 0);
    assert!(
        h.stdout.contains("上年的数据文件") && h.stdout.contains("--previous"),
        "{}",
        h.stdout
    );
    let bad = nianbao(dir.path(), &["chek"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn both_samples_pass() {
    let dir = tempfile::tempdir().unwrap();
    let yimianpo = repo("samples/yimianpo-2021.toml");
    let huaian = repo("samples/huaian-2024.toml");
    let run = nianbao(
        dir.path(),
        &[
            "check",
            yimianpo.to_str().unwrap(),
            huaian.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("yimianpo-2021.toml: 通过（0 个错误，0 个警告）"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("huaian-2024.toml: 通过（0 个错误，0 个警告）"),
        "{}",
        run.stdout
    );
}

#[test]
fn huaian_with_one_number_changed_fails_at_that_number() {
    let dir = tempfile::tempdir().unwrap();
    let text = huaian().replacen("unable_not_held = [746,", "unable_not_held = [747,", 1);
    std::fs::write(dir.path().join("huaian.toml"), &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("carried_to_next_year"))
        .unwrap()
        + 1;
    let results_line = text
        .lines()
        .position(|l| l.starts_with("results_total"))
        .unwrap()
        + 1;
    let run = nianbao(dir.path(), &["check", "huaian.toml"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let expected = [
        format!(
            "huaian.toml:{results_line}:18 错误 applications.results_total.natural_person（三（七）总计 · 自然人）: \
             （七）总计（21 项办理结果之和）应为 2933，实际填写 2932 [results-total]"
        ),
        format!(
            "huaian.toml:{line}:25 错误 applications.carried_to_next_year.natural_person（四、结转下年度继续办理 · 自然人）: \
             勾稽关系不成立（自然人列）：一、本年新收 3001 + 二、上年结转 34 = 3035，而 三（七）总计 2933 + 四、结转下年度 103 = 3036，相差 1 [balance]"
        ),
    ];
    for e in &expected {
        assert!(
            run.stdout.contains(e.as_str()),
            "missing\n{e}\nin\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("huaian.toml: 未通过（4 个错误，0 个警告）"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_inputs_get_clear_errors_and_the_right_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.toml"), "").unwrap();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(d.join("garbage.toml"), garbage).unwrap();
    let mut big = huaian();
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(d.join("big.toml"), big).unwrap();
    std::fs::write(
        d.join("syntax.toml"),
        huaian().replacen("[applications]", "[applications", 1),
    )
    .unwrap();
    std::fs::write(
        d.join("dup.toml"),
        huaian().replacen("year = 2024", "year = 2024\nyear = 2025", 1),
    )
    .unwrap();
    std::fs::write(
        d.join("huge.toml"),
        huaian().replacen("coercion_decisions = 88283", "coercion_decisions = 1e30", 1),
    )
    .unwrap();

    let cases = [
        (
            "empty.toml",
            2,
            "empty.toml 错误: 文件是空的，没有任何数据 [empty-file]",
        ),
        (
            "garbage.toml",
            2,
            "garbage.toml 错误: 这是二进制文件，不是文本数据文件 [encoding]",
        ),
        (
            "big.toml",
            2,
            "big.toml 错误: 文件过大（10.0 MB），一份报告的数据文件不会超过 1024 KB [file-too-large]",
        ),
        (
            "syntax.toml",
            2,
            "错误: 括号或引号没有闭合（unclosed table, expected `]`） [syntax]",
        ),
        (
            "dup.toml",
            2,
            "错误: 键 \"year\" 重复出现（duplicate key） [syntax]",
        ),
        (
            "huge.toml",
            1,
            "错误 active_disclosure.coercion_decisions（行政强制 · 本年处理决定数量）: 件数应写成整数，不能用科学计数法，实际为 1e30 [not-integer]",
        ),
    ];
    for (file, code, message) in cases {
        let run = nianbao(d, &["check", file]);
        assert_eq!(run.code, code, "{file}: {}", run.stdout);
        assert!(
            run.stdout.contains(message),
            "{file}: expected\n{message}\nin\n{}",
            run.stdout
        );
    }
    let dup = nianbao(d, &["check", "dup.toml"]);
    assert!(dup.stdout.starts_with("dup.toml:7:1 "), "{}", dup.stdout);
}

#[test]
fn the_worst_file_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(repo("samples/huaian-2024.toml"), d.join("good.toml")).unwrap();
    std::fs::write(
        d.join("bad.toml"),
        huaian().replacen("penalty_decisions = 3985758", "penalty_decisions = -1", 1),
    )
    .unwrap();
    assert_eq!(nianbao(d, &["check", "good.toml", "bad.toml"]).code, 1);
    assert_eq!(
        nianbao(d, &["check", "good.toml", "missing.toml", "bad.toml"]).code,
        2
    );
    assert_eq!(nianbao(d, &["check", "good.toml"]).code, 0);
}

#[test]
fn json_output_carries_the_same_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("bad.toml"),
        huaian().replacen("penalty_decisions = 3985758", "penalty_decisions = -1", 1),
    )
    .unwrap();
    let run = nianbao(d, &["check", "bad.toml", "--format", "json"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(json["errors"], 1);
    let file = &json["files"][0];
    assert_eq!(file["file"], "bad.toml");
    assert_eq!(file["status"], "invalid");
    let d0 = &file["diagnostics"][0];
    assert_eq!(d0["severity"], "error");
    assert_eq!(d0["rule"], "negative");
    assert_eq!(d0["key"], "active_disclosure.penalty_decisions");
    assert_eq!(d0["label"], "行政处罚 · 本年处理决定数量");
    assert_eq!(d0["message"], "件数不能为负数，实际为 -1");
    assert_eq!(d0["location"]["file"], "bad.toml");
    let line = huaian()
        .lines()
        .position(|l| l.starts_with("penalty_decisions"))
        .unwrap()
        + 1;
    assert_eq!(d0["location"]["line"], line);
    assert_eq!(d0["location"]["column"], 21);
}

#[test]
fn previous_year_mismatch_warns_but_passes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(repo("tests/data/base.toml"), d.join("2024.toml")).unwrap();
    let prev = std::fs::read_to_string(repo("tests/data/previous.toml"))
        .unwrap()
        .replacen(
            "carried_to_next_year = [1, 0",
            "carried_to_next_year = [4, 0",
            1,
        );
    std::fs::write(d.join("2023.toml"), prev).unwrap();
    let run = nianbao(d, &["check", "2024.toml", "--previous", "2023.toml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("2024.toml:30:17 警告 applications.carried_over.natural_person（二、上年结转政府信息公开申请数量 · 自然人）: 二、上年结转（自然人）为 1，而上年报告 2023.toml 的“四、结转下年度继续办理”为 4 [carry-over]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("2024.toml: 通过（0 个错误，1 个警告）"),
        "{}",
        run.stdout
    );
    // An unreadable previous file cannot be compared with: exit 2.
    let run = nianbao(d, &["check", "2024.toml", "--previous", "nope.toml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
}
