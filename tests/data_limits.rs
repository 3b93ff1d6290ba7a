//! Hostile data (issue 12): data files, narrative placeholders and texts built to exhaust the
//! machine or to slip past `check`. Every reproducer is built here, small, in a temporary
//! directory.

mod common;

use common::nianbao;

/// 80,000 keys in one minified JSON line, or in YAML: once a minute of quadratic work, now
/// stopped at the first key past the limit, with its position.
#[test]
fn eighty_thousand_keys_stop_at_the_key_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = 0..80_000;
    let json = format!(
        "{{{}}}",
        keys.clone()
            .map(|i| format!("\"k{i}\": 1"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let yaml: String = keys.map(|i| format!("k{i}: 1\n")).collect();
    std::fs::write(d.join("many.json"), &json).unwrap();
    std::fs::write(d.join("many.yaml"), &yaml).unwrap();
    let column = json.find("\"k2000\"").unwrap() + 1;
    for (file, at) in [
        ("many.json", format!("1:{column}")),
        ("many.yaml", "2001:1".to_string()),
    ] {
        let run = nianbao(d, &["check", file]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert_eq!(
            run.stdout,
            format!(
                "{file}:{at} 错误 k2000: 超出限度「数据文件的键数」（data_keys）：最多 2000 个，这里至少有 2001 个 [limit]\n    \
                 提示：一份完整的报告约有 250 个键；确认选对了文件\n\
                 {file}: 无法读取（1 个错误，0 个警告）\n"
            )
        );
    }
}
