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
            .contains("yimianpo-2021.toml  一面坡镇人民政府 2021: 通过（0 个错误，0 个警告）"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("huaian-2024.toml  淮安市人民政府 2024: 通过（0 个错误，0 个警告）"),
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
        run.stdout
            .contains("2024.toml: 有警告（0 个错误，1 个警告）"),
        "{}",
        run.stdout
    );
    // An unreadable previous file cannot be compared with: exit 2.
    let run = nianbao(d, &["check", "2024.toml", "--previous", "nope.toml"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
}

fn base() -> String {
    std::fs::read_to_string(repo("tests/data/base.toml")).unwrap()
}

/// The base fixture signed on 20 March: one warning (`signature-date`), at line 10.
fn late() -> String {
    base().replacen("date = 2025-01-20", "date = 2025-03-20", 1)
}

const LATE: &str = "late.toml:10:8 警告 signature.date（落款 · 成文日期）: 成文日期 2025年3月20日 晚于 2025 年 1 月 31 日：《条例》第五十条要求每年 1 月 31 日前公布上一年度的年度报告 [signature-date]";

#[test]
fn strict_refuses_warnings_that_were_not_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("late.toml"), late()).unwrap();
    let run = nianbao(d, &["check", "late.toml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains(LATE), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("late.toml: 有警告（0 个错误，1 个警告）")
    );
    let strict = nianbao(d, &["check", "late.toml", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    std::fs::write(d.join("base.toml"), base()).unwrap();
    let clean = nianbao(d, &["check", "base.toml", "--strict"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
}

#[test]
fn an_accepted_finding_shows_its_reason_and_is_not_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let accepted = format!(
        "{}\n[[check.accept]]\nrule = \"signature-date\"\nfield = \"signature.date\"\nreason = \"上级通知延至 3 月公布\"\n",
        late()
    );
    std::fs::write(d.join("late.toml"), &accepted).unwrap();
    let run = nianbao(d, &["check", "late.toml", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let shown =
        LATE.replacen("警告", "警告（已接受）", 1) + "\n    接受理由：上级通知延至 3 月公布\n";
    assert!(run.stdout.contains(&shown), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("late.toml: 通过（0 个错误，0 个警告，1 个已接受）"),
        "{}",
        run.stdout
    );
    let json = nianbao(d, &["check", "late.toml", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["warnings"], 0);
    assert_eq!(json["accepted"], 1);
    assert_eq!(json["files"][0]["status"], "ok");
    let finding = &json["files"][0]["diagnostics"][0];
    assert_eq!(finding["rule"], "signature-date");
    assert_eq!(finding["accepted"], "上级通知延至 3 月公布");

    // Without a field, the acceptance covers every finding of its rule.
    let any_field = accepted.replacen("field = \"signature.date\"\n", "", 1);
    std::fs::write(d.join("late.toml"), any_field).unwrap();
    let run = nianbao(d, &["check", "late.toml", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // The same acceptance on a report signed in time no longer matches anything: reported
    // where it is written, with what the rule does report now.
    let stale = accepted.replacen("date = 2025-03-20", "date = 2025-01-20", 1);
    std::fs::write(d.join("late.toml"), &stale).unwrap();
    let line = stale.lines().position(|l| l == "[[check.accept]]").unwrap() + 1;
    let run = nianbao(d, &["check", "late.toml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "late.toml:{line}:1 警告 check.accept（核对 · 接受的发现）: 接受的发现（规则 signature-date，字段 signature.date）没有对应的发现（理由是“上级通知延至 3 月公布”） [acceptance]\n    提示：问题已经不存在：删去这一条\n"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(nianbao(d, &["check", "late.toml", "--strict"]).code, 1);

    // A field the rule does not report: the hint names the ones it does.
    let wrong_field = accepted.replacen("field = \"signature.date\"", "field = \"signature\"", 1);
    std::fs::write(d.join("late.toml"), wrong_field).unwrap();
    let run = nianbao(d, &["check", "late.toml"]);
    assert!(
        run.stdout.contains("接受的发现（规则 signature-date，字段 signature）没有对应的发现（理由是“上级通知延至 3 月公布”） [acceptance]\n    提示：规则 signature-date 现在报出的字段是：signature.date；核对 field，或删去这一条"),
        "{}",
        run.stdout
    );
}

#[test]
fn errors_cannot_be_accepted_and_acceptances_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let broken = base().replacen("carried_over = [1, 0", "carried_over = [2, 0", 1);
    let text = format!(
        "{broken}\n[[check.accept]]\nrule = \"balance\"\nreason = \"数字确实如此\"\n\n[[check.accept]]\nrule = \"year-chnage\"\nreason = \"x\"\n\n[[check.accept]]\nrule = \"period\"\nreason = \" \"\n"
    );
    std::fs::write(d.join("t.toml"), &text).unwrap();
    let at = |needle: &str| text.lines().position(|l| l == needle).unwrap() + 1;
    let run = nianbao(d, &["check", "t.toml"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for expected in [
        format!(
            "t.toml:{}:1 警告 check.accept（核对 · 接受的发现）: 接受的发现（规则 balance）对应的是错误，错误不能接受，只能改正 [acceptance]\n    提示：改正数据后删去这一条",
            at("[[check.accept]]")
        ),
        format!(
            "t.toml:{}:9 错误 check.accept.2.rule（核对 · 接受的发现）: 没有名为“year-chnage”的规则 [acceptance]\n    提示：是否应为 \"year-change\"？规则名见 docs/data-format.md",
            at("rule = \"year-chnage\"")
        ),
        format!(
            "t.toml:{}:11 错误 check.accept.3.reason（核对 · 接受的发现）: 接受一个发现必须写明理由 [acceptance]",
            at("reason = \" \"")
        ),
    ] {
        assert!(
            run.stdout.contains(&expected),
            "{expected}\n---\n{}",
            run.stdout
        );
    }
    // The balance error itself is still an error, not accepted.
    assert!(
        run.stdout
            .contains("错误 applications.carried_to_next_year.natural_person"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("已接受"), "{}", run.stdout);

    let text = format!("{}\n[check]\naccept = \"all\"\n", base());
    std::fs::write(d.join("t.toml"), &text).unwrap();
    let run = nianbao(d, &["check", "t.toml"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("错误 check.accept（核对 · 接受的发现）: 应为表的数组（TOML 中每一条写作 [[check.accept]]），实际为文字 [wrong-type]"),
        "{}",
        run.stdout
    );
}

#[test]
fn many_reports_get_a_line_each_and_a_summary_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let county = d.join("county");
    std::fs::create_dir(&county).unwrap();
    std::fs::write(county.join("a.toml"), base()).unwrap();
    std::fs::write(county.join("b.toml"), late()).unwrap();
    let accepted = format!(
        "{}\n[[check.accept]]\nrule = \"signature-date\"\nreason = \"延期公布\"\n",
        late().replacen("测试镇人民政府", "另一镇人民政府", 1)
    );
    std::fs::write(county.join("c.toml"), accepted).unwrap();
    let broken = base().replacen("carried_over = [1, 0", "carried_over = [2, 0", 1);
    std::fs::write(county.join("d.toml"), broken).unwrap();
    std::fs::write(county.join("e.toml"), "organ = ").unwrap();
    let run = nianbao(d, &["check", "county"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let summary = run
        .stdout
        .split("\n逐份结果 / Reports\n")
        .nth(1)
        .expect(&run.stdout);
    let sep = std::path::MAIN_SEPARATOR;
    let expected = format!(
        "county{sep}a.toml  测试镇人民政府 2024: 通过（0 个错误，0 个警告）
county{sep}b.toml  测试镇人民政府 2024: 有警告（0 个错误，1 个警告）
county{sep}c.toml  另一镇人民政府 2024: 通过（0 个错误，0 个警告，1 个已接受）
county{sep}d.toml  测试镇人民政府 2024: 未通过（1 个错误，0 个警告）
county{sep}e.toml: 无法读取（1 个错误，0 个警告）

按规则 / By rule
规则            级别  份数  次数  已接受
balance         错误     1     1       0
syntax          错误     1     1       0
signature-date  警告     2     2       1

共 5 份：通过 2，有警告 1，未通过 1，无法读取 1；错误 2，警告 1，已接受 1
"
    );
    assert_eq!(summary, expected);

    // Without the unreadable file, errors give exit 1; --strict changes nothing then.
    std::fs::remove_file(county.join("e.toml")).unwrap();
    assert_eq!(nianbao(d, &["check", "county"]).code, 1);
    std::fs::remove_file(county.join("d.toml")).unwrap();
    assert_eq!(nianbao(d, &["check", "county"]).code, 0);
    assert_eq!(nianbao(d, &["check", "county", "--strict"]).code, 1);

    let json = nianbao(d, &["check", "county", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 3);
    assert_eq!(json["files"][1]["status"], "warnings");
    assert_eq!(json["files"][1]["organ"], "测试镇人民政府");
    assert_eq!(json["files"][1]["year"], 2024);
    assert_eq!(
        json["by_rule"],
        serde_json::json!([{"rule": "signature-date", "severity": "warning", "reports": 2, "count": 2, "accepted": 1}])
    );

    let csv = nianbao(d, &["check", "county", "--format", "csv"]);
    assert_eq!(csv.code, 0);
    let text = csv
        .stdout
        .strip_prefix('\u{FEFF}')
        .expect("a BOM for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "文件",
            "机关",
            "年度",
            "结论",
            "错误",
            "警告",
            "已接受",
            "规则",
            "问题"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[1][..8],
        [
            format!("county{sep}b.toml"),
            "测试镇人民政府".into(),
            "2024".into(),
            "有警告".into(),
            "0".into(),
            "1".into(),
            "0".into(),
            "signature-date".into()
        ]
    );
    assert_eq!(
        rows[1][8],
        LATE.replacen("late.toml", &format!("county{sep}b.toml"), 1)
            + "\n    提示：核对成文日期；确实逾期的，在“六、其他需要报告的事项”中说明原因"
    );
    assert_eq!(rows[2][3], "通过");
    assert_eq!(rows[2][6], "1");
}
