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

fn base() -> String {
    std::fs::read_to_string(common::repo("tests/data/base.toml")).unwrap()
}

/// The diagnostics of `check`, without the zero-rows note every base.toml gets and the summary.
fn check_lines(dir: &std::path::Path, file: &str) -> (i32, String) {
    let run = nianbao(dir, &["check", file]);
    let mut lines = Vec::new();
    let mut skip = false;
    for line in run.stdout.lines() {
        if !line.starts_with("    ") {
            skip = line.ends_with("[zero-rows]") || line.starts_with(&format!("{file}: "));
        }
        if !skip {
            lines.push(line);
        }
    }
    (run.code, lines.join("\n"))
}

const BOMB: &str = "{{ range(end=100000) | join(sep=',') | replace(from=',', to=range(end=100000) | join(sep=',')) }}";

const BOMB_REFUSED: &str = "错误 text.problems（五、存在的主要问题及改进情况）: 第 1 行：占位符只能写一个名称，\
     这里是「range(end=100000) | join(sep=',') | repl…（共 91 字）」 [placeholder]\n    \
     提示：占位符只能写本报告中的一个名称，如 {{ applications.new_received.total }}；不能计算，也不能用过滤器或函数";

/// A 5 KB data file whose placeholder made tera build 4.8 GB: `check` and `render` aborted, and
/// so did `verify` of a .docx carrying it. Placeholders are now names only, filled in without
/// tera.
#[test]
fn a_narrative_cannot_run_template_code_in_check_render_or_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // After a measure, so that section 五 says what it must (rule improvements) and the
    // placeholder is the one finding.
    let bomb = base().replace(
        "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
        &format!("problems = \"下一步将加强培训。{BOMB}\""),
    );
    std::fs::write(d.join("bomb.toml"), &bomb).unwrap();
    let expected = format!("bomb.toml:17:22 {BOMB_REFUSED}");
    assert_eq!(check_lines(d, "bomb.toml"), (1, expected.clone()));
    let run = nianbao(d, &["render", "bomb.toml", "-o", "out"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with(&format!("{expected}\n")),
        "{}",
        run.stderr
    );
    assert!(!d.join("out").exists());

    // A .docx made from good data, its embedded data then changed to carry the placeholder.
    std::fs::write(d.join("good.toml"), base()).unwrap();
    let run = nianbao(d, &["render", "good.toml", "--to", "docx", "-o", "out"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let docx = std::fs::read(d.join("out/good.docx")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
    let mut changed = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        if name == "customXml/item1.xml" {
            let text = String::from_utf8(bytes).unwrap().replace(
                "problems = &quot;个别栏目更新不及时，下一步将加强日常检查，及时更新。&quot;",
                &format!("problems = &quot;{BOMB}&quot;"),
            );
            assert!(text.contains("range(end=100000)"));
            bytes = text.into_bytes();
        }
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        changed.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut changed, &bytes).unwrap();
    }
    let bytes = changed.finish().unwrap().into_inner();
    std::fs::write(d.join("bomb.docx"), bytes).unwrap();
    let run = nianbao(d, &["verify", "bomb.docx"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(&format!("report.toml:17:13 {BOMB_REFUSED}\n")),
        "{}",
        run.stderr
    );
}

/// A template given with `--template` is bounded too: its loops by the numbers `range()` may
/// make in all, its output by the markup limit.
#[test]
fn a_user_template_is_bounded_in_loops_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.toml"), base()).unwrap();
    assert_eq!(nianbao(d, &["template", "export", "tpl"]).code, 0);
    let entry = std::fs::read_to_string(d.join("tpl/report.xml")).unwrap();
    let title = "<title>{{ organ }}</title>\n";
    let line = entry[..entry.find(title).unwrap()].lines().count() + 2;
    for (body, message) in [
        (
            "{% for i in range(end=1000) %}{% for j in range(end=1000) %}<p>x</p>{% endfor %}{% endfor %}",
            format!(
                "tpl/report.xml:{line}:43 错误 template_range_items（模板中 range() 的数字个数）: \
                 超出限度「模板中 range() 的数字个数」（template_range_items）：最多 100000 个，\
                 这里已用 100000 个，这一次还要 1000 个 [limit]"
            ),
        ),
        (
            "{% for i in range(end=100000) %}<p>{{ organ }}{{ organ }}{{ organ }}{{ organ }}</p>{% endfor %}",
            "tpl 错误 markup_bytes（模板输出的大小）: 超出限度「模板输出的大小」（markup_bytes）：\
             最多 4 MB，这里写出了更多 [limit]"
                .to_string(),
        ),
    ] {
        std::fs::write(
            d.join("tpl/report.xml"),
            entry.replacen(title, &format!("{title}{body}\n"), 1),
        )
        .unwrap();
        let run = nianbao(d, &["render", "r.toml", "--template", "tpl", "-o", "out"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.ends_with(&format!(
                "{message}\n    提示：模板中的循环或文字替换产生了过多内容；检查改动过的模板\n"
            )),
            "{}",
            run.stderr
        );
        assert!(!d.join("out").exists());
    }
}

/// Texts are limited per field, and `fees_10k_yuan` in digits (a 400,000-digit fee printed 8
/// pages), in a data file as in a row of a workbook or CSV file.
#[test]
fn texts_and_the_fee_are_limited_in_files_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = base()
        .replace(
            "organ = \"测试镇人民政府\"",
            &format!("organ = \"{}\"", "镇".repeat(101)),
        )
        .replace(
            "address = \"测试县测试路1号\"",
            &format!("address = \"{}\"", "路".repeat(501)),
        )
        .replace(
            "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
            &format!("problems = \"{}\"", "无".repeat(20_001)),
        )
        .replace(
            "fees_10k_yuan = 12.50",
            &format!("fees_10k_yuan = {}", "9".repeat(400_000)),
        );
    std::fs::write(d.join("long.toml"), long).unwrap();
    assert_eq!(
        check_lines(d, "long.toml"),
        (
            1,
            "long.toml:1:10 错误 organ（机关全称）: 超出限度「机关名称的字数」（organ_chars）：最多 100 字，这里有 101 字 [limit]\n    \
             提示：写机关的全称，如 \"一面坡镇人民政府\"\n\
             long.toml:5:12 错误 contact.address（联系方式 · 地址）: 超出限度「文字项的字数」（text_chars）：最多 500 字，这里有 501 字 [limit]\n    \
             提示：这一项应是简短的文字\n\
             long.toml:17:13 错误 text.problems（五、存在的主要问题及改进情况）: 超出限度「每部分正文的字数」（narrative_chars）：最多 20000 字，这里有 20001 字 [limit]\n    \
             提示：报告正文的一部分通常不过几千字；检查是否重复粘贴了内容\n\
             long.toml:26:17 错误 active_disclosure.fees_10k_yuan（行政事业性收费 · 本年收费金额（单位：万元））: 超出限度「金额整数部分的位数」（fee_integer_digits）：最多 10 位，这里有 400000 位 [limit]\n    \
             提示：金额以万元为单位：10 位整数已是千亿元；检查单位和小数点"
                .to_string()
        )
    );
    let fraction = base().replace("fees_10k_yuan = 12.50", "fees_10k_yuan = \"0.1234567\"");
    std::fs::write(d.join("fraction.toml"), fraction).unwrap();
    assert_eq!(
        check_lines(d, "fraction.toml"),
        (
            1,
            "fraction.toml:26:18 错误 active_disclosure.fees_10k_yuan（行政事业性收费 · 本年收费金额（单位：万元））: 超出限度「金额小数部分的位数」（fee_fraction_digits）：最多 6 位，这里有 7 位 [limit]\n    \
             提示：以万元为单位，小数点后第 6 位是 1 分；多余的位数四舍五入"
                .to_string()
        )
    );
    // At the limits, all is well.
    let most = base()
        .replace(
            "organ = \"测试镇人民政府\"",
            &format!("organ = \"{}\"", "镇".repeat(100)),
        )
        .replace("fees_10k_yuan = 12.50", "fees_10k_yuan = 9999999999.999999");
    std::fs::write(d.join("most.toml"), most).unwrap();
    assert_eq!(check_lines(d, "most.toml"), (0, String::new()));

    // The same limits for a row of a CSV file, at its cell.
    let messages = row_diagnostics(
        d,
        &[
            ("organ", "镇".repeat(101)),
            ("active_disclosure.fees_10k_yuan", "1".repeat(11)),
        ],
    );
    assert_eq!(
        messages,
        [
            "rows.csv 第2行 A列 错误 organ（机关全称）: 超出限度「机关名称的字数」（organ_chars）：最多 100 字，这里有 101 字 [limit]".to_string(),
            format!(
                "rows.csv 第2行 {}列 错误 active_disclosure.fees_10k_yuan（行政事业性收费 · 本年收费金额（单位：万元））: \
                 超出限度「金额整数部分的位数」（fee_integer_digits）：最多 10 位，这里有 11 位 [limit]",
                letters("active_disclosure.fees_10k_yuan")
            ),
        ]
    );
}

fn letters(key: &str) -> String {
    let c = nianbao::batch::columns::columns()
        .iter()
        .position(|c| c.key == key)
        .unwrap();
    nianbao::diag::column_letters(c as u32 + 1)
}

/// The errors and warnings of the one report row of a CSV file written with `cells` changed,
/// as one line each (without hints).
fn row_diagnostics(dir: &std::path::Path, cells: &[(&str, String)]) -> Vec<String> {
    use nianbao::batch::{columns::columns, input, sheet, synth};
    use nianbao::model::tree::Value;
    let mut row = synth::report(11, 0, 2024);
    for (key, text) in cells {
        let c = columns().iter().position(|c| c.key == *key).unwrap();
        row.retain(|(k, _)| *k != c);
        row.push((c, Value::String(text.clone())));
    }
    let path = dir.join("rows.csv");
    std::fs::write(&path, sheet::csv(&[row])).unwrap();
    let input::Input::Table(table) = input::read(&path, None).unwrap() else {
        panic!("a table")
    };
    let loaded = table.load(&table.rows[0]);
    loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity != nianbao::diag::Severity::Info)
        .map(|d| {
            let mut d = d.clone();
            d.hint = None;
            let shown = d.to_string();
            shown.trim_end().replace(&format!("{}/", dir.display()), "")
        })
        .collect()
}

/// `check` refuses the characters `render` refuses, with the same message: control characters
/// were blamed on the built-in template, private-use characters and U+2028 ended as missing
/// glyphs. Separators become line breaks and invisible characters are removed, with a warning.
#[test]
fn check_and_render_report_the_characters_no_font_prints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = base()
        .replace(
            "organ = \"测试镇人民政府\"",
            "organ = \"测试镇\\u0001人民政府\"",
        )
        .replace(
            "phone = \"010-12345678\"",
            "phone = \"010-1234\u{E000}5678\"",
        )
        .replace(
            "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
            "problems = \"\"\"\n整改\u{2028}已经\u{FEFF}完成\u{200B}。\n\"\"\"",
        );
    std::fs::write(d.join("chars.toml"), text).unwrap();
    let errors = "chars.toml:1:13 错误 organ（机关全称）: 第 1 行第 4 个字处有控制字符 U+0001，印不出来 [bad-character]\n    \
                  提示：这类字符多是从其他软件复制时带进来的，删去即可\n\
                  chars.toml:7:18 错误 contact.phone（联系方式 · 电话）: 第 1 行第 9 个字处有私用区字符 U+E000，它不是标准字符，印不出来 [bad-character]\n    \
                  提示：多是旧输入法或编码转换留下的生僻字，请改用标准汉字；没有标准字时用文字说明";
    let warnings = "chars.toml:18:3 警告 text.problems（五、存在的主要问题及改进情况）: 第 1 行第 3 个字处有分行用的特殊字符 U+2028，已换成普通换行 [bad-character]\n    \
                    提示：这类字符（行分隔符、段分隔符）印不出来，多是从网页或 Word 复制时带进来的\n\
                    chars.toml:19:3 警告 text.problems（五、存在的主要问题及改进情况）: 第 2 行第 3 个字处有 2 个看不见的格式字符，第一个是 U+FEFF，已删去 [bad-character]\n    \
                    提示：这类字符印不出来，多是从网页、Word 或微信复制时带进来的；删去后报告看起来一样";
    assert_eq!(
        check_lines(d, "chars.toml"),
        (1, format!("{errors}\n{warnings}"))
    );
    let run = nianbao(d, &["render", "chars.toml", "-o", "out"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.ends_with(&format!("{errors}\n")),
        "{}",
        run.stderr
    );
    assert!(!d.join("out").exists());

    // Without the refused ones, the warnings remain and the text is printed clean.
    let text = std::fs::read_to_string(d.join("chars.toml"))
        .unwrap()
        .replace("\\u0001", "")
        .replace('\u{E000}', "");
    std::fs::write(d.join("chars.toml"), text).unwrap();
    assert_eq!(check_lines(d, "chars.toml"), (0, warnings.to_string()));
    let run = nianbao(d, &["render", "chars.toml", "--to", "tree"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"整改\""), "{}", run.stdout);
    assert!(run.stdout.contains("\"已经完成。\""), "{}", run.stdout);

    // A cell of a CSV file: the same check, at the cell.
    assert_eq!(
        row_diagnostics(d, &[("organ", "测试\u{7}镇".into())]),
        [
            "rows.csv 第2行 A列 错误 organ（机关全称）: 第 1 行第 3 个字处有控制字符 U+0007，印不出来 [bad-character]"
        ]
    );
}

/// The limits agree: a report with every text at its limit, in characters the markup escapes
/// to six bytes (`"` is `&quot;`), passes `check` and its markup fits the markup limit.
#[test]
fn a_report_at_every_text_limit_fits_the_markup_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let quotes = |n: usize| "\\\"".repeat(n);
    let text = base()
        .replace(
            "organ = \"测试镇人民政府\"",
            &format!("organ = \"{}\"", quotes(100)),
        )
        .replace(
            "address = \"测试县测试路1号\"",
            &["address", "website", "website_name", "email"]
                .map(|k| format!("{k} = \"{}\"", quotes(500)))
                .join("\n"),
        )
        .replace(
            "phone = \"010-12345678\"",
            &format!("phone = \"{}\"", quotes(500)),
        )
        .replace(
            "[signature]",
            &format!("[signature]\norgan = \"{}\"", quotes(100)),
        )
        .replace(
            "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
            // Sections 五 and 六 open with what they must say (rules improvements and
            // fee-statement), in as few characters as that takes.
            &format!(
                "problems = \"下一步将{0}\"\npreamble = \"{1}\"\noverview = \"{{{{ organ }}}}{2}\"",
                quotes(19_996),
                quotes(20_000),
                quotes(19_900)
            ),
        )
        .replace(
            "other = \"无收取信息处理费情况。\"",
            &format!("other = \"信息处理费{}\"", quotes(19_995)),
        );
    let text = text.replace(
        "overview = \"\"\"\n（一）主动公开\n全年主动公开信息{{ applications.new_received.total }}条。\n\"\"\"\n",
        "",
    );
    std::fs::write(d.join("full.toml"), text).unwrap();
    assert_eq!(check_lines(d, "full.toml"), (0, String::new()));
    let run = nianbao(d, &["render", "full.toml", "--to", "markup"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let size = run.stdout.len();
    assert!(
        (480_000..nianbao::limits::MARKUP_BYTES / 4).contains(&size),
        "{size}"
    );
}
