//! The command line without traps (issue 13): `help`, `completions`, `--pdfa off`, and clap's
//! own errors in Chinese first. The real binary, in temporary directories.

mod common;

use common::{Run, nianbao, repo};

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
