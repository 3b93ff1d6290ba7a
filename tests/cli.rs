//! The command line without traps (issue 13): exit codes as each command's --help states them,
//! `help`, `completions`, `--pdfa off`, `--font-dir`, inputs that are not data files, and
//! clap's own errors in Chinese first. The real binary, in temporary directories.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Run, nianbao, repo};

/// The exit codes a command's --help lists: code → what it means.
fn documented_codes(command: &[&str]) -> BTreeMap<i32, String> {
    let mut args = command.to_vec();
    args.push("--help");
    let dir = tempfile::tempdir().unwrap();
    let help = nianbao(dir.path(), &args);
    assert_eq!(help.code, 0, "{}", help.stderr);
    let section = help
        .stdout
        .split_once("退出码 Exit codes:\n")
        .unwrap_or_else(|| panic!("{command:?} --help states no exit codes:\n{}", help.stdout))
        .1;
    let codes: BTreeMap<i32, String> = section
        .lines()
        .map_while(|line| {
            let (code, meaning) = line.trim().split_once("  ")?;
            Some((code.parse().ok()?, meaning.trim().to_string()))
        })
        .collect();
    assert!(codes.contains_key(&0), "{command:?}: {codes:?}");
    codes
}

/// One run of a command: its arguments, the code it must exit with, a word of the meaning
/// --help gives that code, and a text the output must contain.
struct Case {
    args: &'static [&'static str],
    code: i32,
    means: &'static str,
    says: &'static str,
}

const fn case(
    args: &'static [&'static str],
    code: i32,
    means: &'static str,
    says: &'static str,
) -> Case {
    Case {
        args,
        code,
        means,
        says,
    }
}

/// Runs each case in `dir` (in order: a case may use what an earlier one wrote) and checks its
/// exit code against the command's --help. Every code the help lists, but 130 (interrupted,
/// tests/batch.rs), is exercised.
fn exit_codes_as_documented(command: &[&str], dir: &Path, cases: &[Case]) {
    let documented = documented_codes(command);
    for case in cases {
        let mut args = command.to_vec();
        args.extend(case.args);
        let run = nianbao(dir, &args);
        let meaning = documented.get(&case.code).unwrap_or_else(|| {
            panic!(
                "{args:?} should exit {}, which {command:?} --help does not list: {documented:?}",
                case.code
            )
        });
        assert!(
            meaning.contains(case.means),
            "{command:?} --help says {} means {meaning:?}, not {:?}",
            case.code,
            case.means
        );
        assert_eq!(
            run.code, case.code,
            "{args:?}\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        let output = format!("{}{}", run.stdout, run.stderr);
        assert!(
            output.contains(case.says),
            "{args:?}: no {:?} in\n{output}",
            case.says
        );
    }
    for code in documented.keys().filter(|&&c| c != 130) {
        assert!(
            cases.iter().any(|c| c.code == *code),
            "{command:?}: exit code {code} is documented but not tested"
        );
    }
}

/// A directory with the samples, a report with a wrong total, one that cannot be parsed, a
/// blank collection workbook and a file that is not a PDF.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sample in ["huaian-2024.toml", "yimianpo-2021.toml"] {
        std::fs::copy(repo("samples").join(sample), d.join(sample)).unwrap();
    }
    let huaian = std::fs::read_to_string(d.join("huaian-2024.toml")).unwrap();
    let bad = huaian.replacen("new_received = [", "new_received = [1", 1);
    assert_ne!(bad, huaian);
    std::fs::write(d.join("bad.toml"), bad).unwrap();
    std::fs::write(d.join("broken.toml"), "organ = \n").unwrap();
    std::fs::write(d.join("junk.pdf"), "not a PDF at all").unwrap();
    std::fs::write(d.join("junk.docx"), "not a .docx at all").unwrap();
    assert_eq!(nianbao(d, &["sheet", "采集表.xlsx"]).code, 0);
    dir
}

#[test]
fn check_exits_as_its_help_says() {
    let dir = workspace();
    assert_eq!(
        nianbao(dir.path(), &["sample", "--count", "2", "-o", "rows.csv"]).code,
        0
    );
    let late = std::fs::read_to_string(repo("tests/data/base.toml"))
        .unwrap()
        .replacen("date = 2025-01-20", "date = 2025-03-20", 1);
    std::fs::write(dir.path().join("late.toml"), late).unwrap();
    exit_codes_as_documented(
        &["check"],
        dir.path(),
        &[
            case(&["huaian-2024.toml"], 0, "通过", "通过（0 个错误"),
            case(
                &["rows.csv"],
                0,
                "通过",
                "共 2 份：通过 2，有警告 0，未通过 0",
            ),
            case(&["late.toml"], 0, "可有警告", "[signature-date]"),
            case(
                &["late.toml", "--strict"],
                1,
                "--strict",
                "有警告（0 个错误，1 个警告）",
            ),
            case(&["bad.toml"], 1, "数据有误", "[balance]"),
            case(&["broken.toml"], 2, "无法读取或解析", "[syntax]"),
            case(&["nope.toml"], 2, "无法读取", "找不到这个文件"),
            case(&["采集表.xlsx"], 2, "没有数据", "表头下面没有数据行"),
        ],
    );
}

#[test]
fn render_exits_as_its_help_says_and_writes_nothing_when_an_input_is_unreadable() {
    let dir = workspace();
    let d = dir.path();
    exit_codes_as_documented(
        &["render"],
        d,
        &[
            case(
                &["yimianpo-2021.toml", "--to", "docx", "--no-system-fonts"],
                0,
                "已生成",
                "已生成 yimianpo-2021.docx",
            ),
            case(&["bad.toml"], 1, "数据有误", "[balance]"),
            case(
                &["broken.toml", "huaian-2024.toml"],
                2,
                "无法读取或解析",
                "[syntax]",
            ),
            case(
                &["采集表.xlsx"],
                2,
                "无法读取",
                "nianbao batch 采集表.xlsx -o 输出目录",
            ),
            case(
                &["huaian-2024.toml", "--font-dir", "no-such-dir"],
                2,
                "无法读取",
                "no-such-dir 错误: 找不到 --font-dir 指定的目录 [font]",
            ),
        ],
    );
    // Neither the unreadable input nor the missing font directory let huaian be made.
    assert!(!d.join("huaian-2024.pdf").exists() && !d.join("huaian-2024.docx").exists());
}

#[test]
fn batch_exits_as_its_help_says() {
    let dir = workspace();
    let d = dir.path();
    assert_eq!(
        nianbao(d, &["sample", "--count", "1", "-o", "one.csv"]).code,
        0
    );
    // The same row with a word where a count belongs.
    let mut reader = csv::Reader::from_path(d.join("one.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut row = reader.records().next().unwrap().unwrap();
    let at = header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "applications.granted.natural_person")
        .unwrap();
    row = row
        .iter()
        .enumerate()
        .map(|(i, v)| if i == at { "三" } else { v })
        .collect();
    let mut writer = csv::Writer::from_path(d.join("wrong.csv")).unwrap();
    writer.write_record(&header).unwrap();
    writer.write_record(&row).unwrap();
    writer.flush().unwrap();
    exit_codes_as_documented(
        &["batch"],
        d,
        &[
            case(
                &["one.csv", "-o", "out", "--to", "docx", "--no-system-fonts"],
                0,
                "全部生成",
                "已生成 1 份",
            ),
            case(&["wrong.csv", "-o", "out2"], 1, "没有生成", "[wrong-type]"),
            case(
                &["nope.xlsx", "-o", "out3"],
                2,
                "无法读取输入",
                "找不到这个文件",
            ),
        ],
    );
}

#[test]
fn sheet_sample_and_template_exit_as_their_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    exit_codes_as_documented(
        &["sheet"],
        d,
        &[
            case(&["blank.xlsx"], 0, "已写出", "已写出 blank.xlsx"),
            case(&["blank.xlsx"], 2, "无法写出", "--force"),
        ],
    );
    exit_codes_as_documented(
        &["sample"],
        d,
        &[
            case(
                &["--count", "2", "-o", "two.csv"],
                0,
                "已写出",
                "已生成 2 份示例数据",
            ),
            case(&["--count", "2", "-o", "two.csv"], 2, "无法写出", "--force"),
        ],
    );
    exit_codes_as_documented(
        &["template", "export"],
        d,
        &[
            case(&["tpl"], 0, "已写出", "已写出"),
            case(&["tpl"], 2, "无法写出", "--force"),
        ],
    );
}

#[test]
fn extract_and_verify_exit_as_their_help_says() {
    let dir = workspace();
    let d = dir.path();
    let run = nianbao(
        d,
        &[
            "render",
            "yimianpo-2021.toml",
            "--to",
            "pdf",
            "--no-system-fonts",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::rename(d.join("yimianpo-2021.pdf"), d.join("y.pdf")).unwrap();
    let pdf = std::fs::read(d.join("y.pdf")).unwrap();
    let part = b"<pdfaid:part>3</pdfaid:part>";
    assert!(
        pdf.windows(part.len()).any(|w| w == part),
        "PDF/A-3b by default"
    );
    // The data inside altered (year 1021: it no longer makes a report, so nothing is rendered).
    let mut altered = pdf.to_vec();
    let needle = b"year = 2021";
    let at = altered
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the data travels uncompressed");
    altered[at + needle.len() - 4] = b'1';
    std::fs::write(d.join("altered.pdf"), altered).unwrap();
    exit_codes_as_documented(
        &["extract"],
        d,
        &[
            case(
                &["y.pdf", "-o", "back.toml"],
                0,
                "已取出",
                "back.toml --to pdf",
            ),
            case(&["采集表.xlsx"], 2, "无法读取", "没有 nianbao 的内嵌数据"),
            case(&["y.pdf", "-o", "back.toml"], 2, "无法写出", "--force"),
        ],
    );
    exit_codes_as_documented(
        &["verify"],
        d,
        &[
            case(&["y.pdf", "--no-system-fonts"], 0, "一致", "y.pdf：一致。"),
            case(
                &["altered.pdf", "--no-system-fonts"],
                1,
                "不一致",
                "altered.pdf：不一致。",
            ),
            case(&["采集表.xlsx"], 2, "无法读取", "采集表.xlsx：无法核验"),
            case(&["junk.pdf"], 2, "无法读取", "junk.pdf：无法核验"),
        ],
    );
}

#[test]
fn fonts_exits_as_its_help_says() {
    let dir = tempfile::tempdir().unwrap();
    exit_codes_as_documented(
        &["fonts"],
        dir.path(),
        &[
            case(&["--no-system-fonts"], 0, "已列出", "→ 使用"),
            case(
                &["--font-dir", "no-such-dir"],
                2,
                "无法读取",
                "no-such-dir 错误: 找不到 --font-dir 指定的目录 [font]",
            ),
        ],
    );
}

#[test]
fn admin_exits_as_its_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("notes.txt"), "不是数据库。".repeat(100)).unwrap();
    let clerk = ["add-user", "zhang", "--role", "clerk"];
    let with = |extra: &[&'static str]| -> &'static [&'static str] {
        let mut args = vec!["--db", "x.db"];
        args.extend(clerk);
        args.extend(extra);
        args.leak()
    };
    exit_codes_as_documented(
        &["admin"],
        d,
        &[
            case(
                &["--db", "x.db", "add-organ", "某镇人民政府"],
                0,
                "完成",
                "编号 1",
            ),
            case(
                &["--db", "x.db", "add-organ", "某镇人民政府"],
                1,
                "已有",
                "错误: 已经有机关“某镇人民政府” [duplicate-organ]",
            ),
            case(
                with(&["--password-stdin"]),
                2,
                "用法",
                "错误: 填报人员（clerk）必须属于一个机关 [clerk-without-organ]",
            ),
            case(
                with(&["--organ", "某乡", "--password-stdin"]),
                1,
                "没有这个机关",
                "错误: 没有机关“某乡” [unknown-organ]",
            ),
            // Standard input is empty here.
            case(
                with(&["--organ", "某镇人民政府", "--password-stdin"]),
                1,
                "密码为空",
                "错误: 没有读到密码（标准输入是空的） [empty-password]",
            ),
            case(
                with(&["--organ", "某镇人民政府"]),
                2,
                "用法",
                "--password-stdin",
            ),
            case(
                &["--db", "x.db", "backup", "b.db"],
                0,
                "完成",
                "已备份到 b.db",
            ),
            case(
                &["--db", "notes.txt", "backup", "b.db"],
                1,
                "无法打开",
                "[not-a-nianbao-database]",
            ),
            case(&["add-organ", "某镇"], 2, "用法", "缺少必需的参数：--db"),
        ],
    );
}

/// `serve` runs until stopped, so its 0 is a real server stopped, here with SIGTERM (Ctrl-C
/// during saves is tests/server.rs's); its 2 is each thing it cannot start without.
#[test]
fn serve_exits_as_its_help_says() {
    let documented = documented_codes(&["serve"]);
    assert_eq!(documented.keys().copied().collect::<Vec<_>>(), [0, 2]);
    assert!(documented[&0].contains("Ctrl-C"), "{documented:?}");
    assert!(documented[&2].contains("无法启动"), "{documented:?}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("notes.txt"), "不是数据库。".repeat(100)).unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let free = "127.0.0.1:0";
    let cases: [([&str; 4], &str); 3] = [
        (
            ["--db", "notes.txt", "--listen", free],
            "[not-a-nianbao-database]",
        ),
        (["--db", "x.db", "--listen", &taken], "[listen]"),
        (
            ["--db", "x.db", "--font-dir", "no-such-dir"],
            "找不到 --font-dir 指定的目录",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["serve"];
        all.extend(args);
        let run = nianbao(d, &all);
        assert_eq!(run.code, 2, "{all:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(says),
            "{all:?}: no {says:?} in {}",
            run.stderr
        );
    }

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "serve",
            "--db",
            "x.db",
            "--listen",
            "127.0.0.1:0",
            "--no-system-fonts",
        ])
        .current_dir(d)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut first).unwrap();
    assert!(first.contains("http://127.0.0.1:"), "{first}");
    // SAFETY: kill(2) on the pid of our own child, not yet waited for.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn help_is_a_command_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (help, flag) in [
        (&["help"][..], &["--help"][..]),
        (&["help", "render"], &["render", "--help"]),
        (
            &["help", "template", "export"],
            &["template", "export", "--help"],
        ),
    ] {
        let by_command = nianbao(d, help);
        let by_flag = nianbao(d, flag);
        assert_eq!(by_command.code, 0, "{help:?}: {}", by_command.stderr);
        assert_eq!(by_command.stdout, by_flag.stdout, "{help:?}");
        assert!(
            by_command.stdout.contains("用法 Usage: nianbao"),
            "{help:?}"
        );
    }
    let unknown = nianbao(d, &["help", "rendr"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .starts_with("错误: 不认识的命令“rendr” [usage]\n    提示：是不是要用 render？"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn pdfa_takes_its_value_with_a_space_or_an_equals_sign() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(repo("samples/yimianpo-2021.toml"), d.join("y.toml")).unwrap();
    let made = |args: &[&str], out: &str| -> Vec<u8> {
        let mut all = vec![
            "render",
            "y.toml",
            "--to",
            "pdf",
            "--no-system-fonts",
            "-o",
            out,
        ];
        all.extend(args);
        let run = nianbao(d, &all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        std::fs::read(d.join(out).join("y.pdf")).unwrap()
    };
    let spaced = made(&["--pdfa", "off"], "spaced");
    let joined = made(&["--pdfa=off"], "joined");
    assert_eq!(
        spaced, joined,
        "--pdfa off and --pdfa=off make the same file"
    );
    let has = |pdf: &[u8], text: &[u8]| pdf.windows(text.len()).any(|w| w == text);
    assert!(!has(&spaced, b"pdfaid:part"), "--pdfa off is a plain PDF");
    // Without a value: a usage error before anything is read or written.
    let bare = nianbao(d, &["render", "y.toml", "--pdfa", "-o", "bare"]);
    assert_eq!(bare.code, 2);
    assert!(
        bare.stderr
            .starts_with("错误: 参数 --pdfa <LEVEL> 的值“-o”不是可用的值 [usage]")
            || bare
                .stderr
                .starts_with("错误: 参数 --pdfa <LEVEL> 后面缺少值 [usage]"),
        "{}",
        bare.stderr
    );
    assert!(!d.join("bare").exists() && !d.join("y.pdf").exists());
}

#[test]
fn workbooks_directories_and_reports_are_told_apart_from_data_files() {
    let dir = workspace();
    let d = dir.path();
    std::fs::create_dir(d.join("data")).unwrap();
    for (i, sample) in ["huaian-2024.toml", "bad.toml"].iter().enumerate() {
        std::fs::copy(d.join(sample), d.join(format!("data/{i}.toml"))).unwrap();
    }
    // A batch's manifest in the directory is not a report to check.
    std::fs::write(
        d.join("data/manifest.json"),
        "{\n  \"generator\": \"nianbao 0.1.0\",\n  \"reports\": []\n}\n",
    )
    .unwrap();
    let run = nianbao(d, &["check", "data"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("0.toml  淮安市人民政府 2024: 通过"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1.toml  淮安市人民政府 2024: 未通过"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "共 2 份：通过 1，有警告 0，未通过 1，无法读取 0；错误 2，警告 0，已接受 0\n"
        ),
        "{}",
        run.stdout
    );
    let previous = nianbao(d, &["check", "data", "--previous", "huaian-2024.toml"]);
    assert_eq!(previous.code, 2);
    assert!(
        previous.stderr.contains("--previous 只能用于单个数据文件"),
        "{}",
        previous.stderr
    );

    for (args, first) in [
        (
            &["render", "data"][..],
            "data 错误: 这是目录，不是数据文件 [unreadable]\n    提示：目录中的每个数据文件各生成一份报告：nianbao batch data -o 输出目录",
        ),
        (
            &["render", "采集表.xlsx"],
            "采集表.xlsx 错误: 这是工作簿或 CSV 文件，不是数据文件 [unreadable]\n    提示：表中每一行生成一份报告：nianbao batch 采集表.xlsx -o 输出目录；检查每一行：nianbao check 采集表.xlsx",
        ),
        // A report is read as one (import): this one is not a .docx at all.
        (
            &["render", "junk.docx"],
            "junk.docx 错误: 不是有效的 .docx 文件",
        ),
        // The missing file is the first thing said: fonts are not loaded for it.
        (
            &["render", "nope.toml"],
            "nope.toml 错误: 找不到这个文件 [unreadable]\n",
        ),
    ] {
        let run = nianbao(d, args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.starts_with(first), "{args:?}:\n{}", run.stderr);
        assert!(
            !run.stderr.contains("字体"),
            "{args:?}: fonts loaded:\n{}",
            run.stderr
        );
    }
}

#[test]
fn check_reads_every_row_of_a_workbook_like_batch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(
        nianbao(d, &["sample", "--count", "3", "-o", "county.xlsx"]).code,
        0
    );
    let run = nianbao(d, &["check", "county.xlsx", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let files: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "county.xlsx「报告数据」第3行",
            "county.xlsx「报告数据」第4行",
            "county.xlsx「报告数据」第5行"
        ]
    );
    let wrong_sheet = nianbao(d, &["check", "county.xlsx", "--sheet", "没有这张表"]);
    assert_eq!(wrong_sheet.code, 2, "{}", wrong_sheet.stdout);
}

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _nianbao"),
        ("zsh", "#compdef nianbao"),
        ("fish", "complete -c nianbao"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = nianbao(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}:\n{}", run.stdout);
        for word in ["render", "batch", "pdfa", "font-dir"] {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let run = nianbao(dir.path(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("错误: 参数 <SHELL> 的值“tcsh”不是可用的值 [usage]\n    提示：可用的值：bash、zsh、fish、powershell"),
        "{}",
        run.stderr
    );
}

#[test]
fn clap_errors_are_chinese_first_then_clap_english() {
    let dir = tempfile::tempdir().unwrap();
    let run: Run = nianbao(dir.path(), &["render", "a.toml", "--frob"]);
    assert_eq!(run.code, 2);
    let (chinese, english) = run.stderr.split_once("\n\n").unwrap();
    assert_eq!(
        chinese,
        "错误: 不认识的参数“--frob” [usage]\n    提示：加 --help 查看这个命令的全部选项"
    );
    assert!(
        english.starts_with("error: unexpected argument '--frob' found")
            && english.contains("Usage: nianbao render <FILE>..."),
        "{english}"
    );
    assert!(run.stdout.is_empty());
}
