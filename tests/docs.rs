//! Documents that hold: every data-file example in README.md and docs/ passes `nianbao check` as
//! written, and every repository path the documents and the code cite exists.

mod common;

use std::path::{Path, PathBuf};

use common::{nianbao, repo};

/// README.md and every docs/*.md, as `(name, text)`.
fn documents() -> Vec<(String, String)> {
    let mut names = vec![repo("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|p| {
            let name = p
                .strip_prefix(repo(""))
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// A fenced block: its info string (```toml partial → "toml partial"), its first line, its text.
struct Block {
    info: String,
    line: usize,
    text: String,
}

fn fenced_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match open.as_mut() {
            None if fence => {
                open = Some(Block {
                    info: line.trim_start()[3..].trim().to_string(),
                    line: i + 1,
                    text: String::new(),
                });
            }
            Some(_) if fence => blocks.extend(open.take()),
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            None => {}
        }
    }
    assert!(open.is_none(), "an unclosed ``` block");
    blocks
}

#[test]
fn every_data_example_in_the_documents_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let (mut checked, mut partial) = (0, 0);
    for (name, text) in documents() {
        for block in fenced_blocks(&text) {
            let mut words = block.info.split_whitespace();
            let Some(ext @ ("toml" | "yaml" | "json")) = words.next() else {
                continue;
            };
            // A block meant to show only a part of a file says so: ```toml partial
            if words.any(|w| w == "partial") {
                partial += 1;
                continue;
            }
            let file = format!("example-{checked}.{ext}");
            std::fs::write(dir.path().join(&file), &block.text).unwrap();
            let run = nianbao(dir.path(), &["check", &file]);
            assert_eq!(
                run.code, 0,
                "{name}:{}: the ```{ext} example fails `nianbao check` (mark it ```{ext} partial if it is meant as a fragment):\n{}",
                block.line, run.stdout
            );
            checked += 1;
        }
    }
    // README's "The data file, in short" and the YAML example of docs/data-format.md at least.
    assert!(
        checked >= 2,
        "only {checked} examples found ({partial} partial)"
    );
}

/// Where a repository path is cited: file, line, the path as written.
struct Citation {
    file: String,
    line: usize,
    path: String,
}

/// Top-level directories whose paths documents and comments cite.
const ROOTS: [&str; 6] = [
    "docs/",
    "src/",
    "samples/",
    "tests/",
    "fonts/",
    "templates/",
];

fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// Repository paths cited in a text: a top-level directory at the start of a word (not inside
/// another path or a URL), followed by path characters.
fn cited_paths(file: &str, text: &str) -> Vec<Citation> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for root in ROOTS {
            for (at, _) in line.match_indices(root) {
                let before = line[..at].chars().next_back();
                if before.is_some_and(|c| path_char(c) || c == ':' || c == '\\') {
                    continue;
                }
                let path: String = line[at..].chars().take_while(|&c| path_char(c)).collect();
                let path = path.trim_end_matches(['.', '/']).to_string();
                found.push(Citation {
                    file: file.to_string(),
                    line: i + 1,
                    path,
                });
            }
        }
    }
    found
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_cited_repository_path_exists() {
    let mut files = vec![repo("README.md"), repo(".ci/run"), repo("Cargo.toml")];
    for dir in [
        "docs",
        "src",
        "tests",
        "templates",
        "samples",
        "benches",
        "fonts",
    ] {
        walk(&repo(dir), &mut files);
    }
    let texts = ["md", "rs", "toml", "xml", "typ", "conf", "txt"];
    let mut citations = Vec::new();
    for path in &files {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !texts.contains(&ext) && !path.ends_with(".ci/run") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.strip_prefix(repo("")).unwrap().display().to_string();
        let text = if ext == "rs" {
            // In code, what the comments cite (a string literal may be a path inside a .docx,
            // not in the repository); other lines are kept empty, so line numbers stay right.
            text.lines()
                .map(|l| {
                    if l.trim_start().starts_with("//") {
                        l
                    } else {
                        ""
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            text
        };
        citations.extend(cited_paths(&name, &text));
    }
    // Markdown links, relative to the document.
    for (name, text) in documents() {
        let dir = Path::new(&name).parent().unwrap().to_path_buf();
        for (i, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("](") {
                let target: String = line[at + 2..].chars().take_while(|&c| c != ')').collect();
                let target = target.split('#').next().unwrap();
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                citations.push(Citation {
                    file: name.clone(),
                    line: i + 1,
                    path: dir.join(target).display().to_string(),
                });
            }
        }
    }
    let missing: Vec<String> = citations
        .iter()
        .filter(|c| !repo(&c.path).exists())
        .map(|c| format!("{}:{}: {}", c.file, c.line, c.path))
        .collect();
    assert!(
        missing.is_empty(),
        "cited paths that do not exist:\n{}",
        missing.join("\n")
    );
    // The scan finds what it should (a scan that finds nothing would pass anything).
    for (file, path) in [
        ("README.md", "samples/huaian-2024.toml"),
        ("README.md", "src/pdf"),
        ("src/diag.rs", "docs/format-2021.md"),
        ("templates/2021/table2.xml", "docs/format-2021.md"),
    ] {
        assert!(
            citations.iter().any(|c| c.file == file && c.path == path),
            "{file} should cite {path}"
        );
    }
}

#[test]
fn a_cited_path_is_a_word_of_its_own() {
    let found = cited_paths(
        "x.md",
        "see `src/pdf/`, [fonts](fonts/README.md), ../samples/a.toml and \
         https://example.org/src/x, crates/usvg/src/tree/ and docs/format-2021.md §6.",
    );
    let paths: Vec<&str> = found.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        ["docs/format-2021.md", "src/pdf", "fonts/README.md"],
        "relative paths, URLs and other repositories' paths are not this repository's"
    );
}

#[test]
fn a_test_whose_tool_is_missing_fails_with_the_install_command() {
    let result =
        std::panic::catch_unwind(|| common::require_tool("nianbao-no-such-tool", &["--version"]));
    let skip = std::env::var(common::SKIP_MISSING_TOOLS).is_ok_and(|v| v == "1");
    if skip && std::env::var_os("CI").is_none() {
        assert!(matches!(result, Ok(false)), "asked to skip: returns false");
        return;
    }
    let message = result.expect_err("a missing tool fails the test");
    let message = message
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.contains("nianbao-no-such-tool is needed by this test")
            && message.contains("NIANBAO_SKIP_MISSING_TOOLS=1"),
        "{message}"
    );
    assert_eq!(
        common::install_command("soffice"),
        "apt-get install libreoffice-writer-nogui"
    );
}

/// What a documented command line is, for the test that runs them.
enum Documented {
    /// Run as written (the Windows line with its path separators turned around).
    Run(String),
    /// Not run here, and why.
    NotRun(&'static str),
}

/// Lines of a ```sh or ```bat block that this test does not run, each with the reason; any other
/// line that is not a nianbao command fails the test, so a new kind of line is looked at.
fn documented(line: &str) -> Documented {
    let run = |s: &str| Documented::Run(s.to_string());
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["cargo", "test", ..] => Documented::NotRun("the suite this test is part of"),
        ["cargo", "run", "--release", "--", rest @ ..] => {
            run(&format!("nianbao {}", rest.join(" ")))
        }
        ["tar", ..] => Documented::NotRun(
            "needs the release archive (scripts/release; tests/install.rs runs the copied binary)",
        ),
        ["apt-get", ..] | ["python3", "-m", "pip", ..] | ["npm", "install", ..] => {
            Documented::NotRun("installs the test tools; .ci/run runs these")
        }
        ["cd", "fuzz"] | ["cargo", "+nightly", "fuzz", ..] => Documented::NotRun(
            "needs nightly and runs for minutes; tests/fuzz_regressions.rs runs the same entries",
        ),
        ["nianbao", "serve", ..] => Documented::NotRun(
            "serves until stopped; tests/server.rs and tests/cli.rs start it and stop it with Ctrl-C",
        ),
        ["nianbao.exe", ..] if !cfg!(windows) => run(&line
            .replacen("nianbao.exe", "nianbao", 1)
            .replace('\\', "/")),
        ["nianbao" | "./nianbao" | "nianbao.exe" | "mkdir", ..] => run(line),
        _ => panic!("a documented command this test does not know: {line}"),
    }
}

/// A data file or folder the documented commands name as an input, made before the first line
/// that reads it: the test's own data, or what nianbao itself makes from it.
fn make_input(name: &str, dir: &Path) {
    let copy = |from: &str, to: &str| {
        std::fs::copy(repo(from), dir.join(to)).unwrap();
    };
    let made = |args: &[&str]| {
        let run = nianbao(dir, args);
        assert_eq!(run.code, 0, "making {name}: {}", run.stderr);
    };
    match name {
        "2024.toml" => copy("tests/data/base.toml", name),
        "2023.toml" => copy("tests/data/previous.toml", name),
        // Reports written elsewhere: as nianbao writes them, under the names used.
        "2023年报.docx" => {
            copy("tests/data/previous.toml", "上年.toml");
            made(&["render", "上年.toml", "--to", "docx", "-q"]);
            std::fs::rename(dir.join("上年.docx"), dir.join(name)).unwrap();
            std::fs::remove_file(dir.join("上年.toml")).unwrap();
        }
        "乡镇报告/*.docx" => {
            std::fs::create_dir_all(dir.join("乡镇报告")).unwrap();
            copy("tests/data/base.toml", "乡镇报告/某镇.toml");
            made(&["render", "乡镇报告/某镇.toml", "--to", "docx", "-q"]);
            std::fs::remove_file(dir.join("乡镇报告/某镇.toml")).unwrap();
        }
        "采集表.xlsx" | "county.csv" | "data/" => made(&["sample", "--count", "3", "-o", name]),
        "2024-某镇.pdf" => {
            copy("tests/data/base.toml", "某镇.toml");
            made(&["render", "某镇.toml", "--to", "pdf", "-q"]);
            std::fs::rename(dir.join("某镇.pdf"), dir.join(name)).unwrap();
            std::fs::remove_file(dir.join("某镇.toml")).unwrap();
        }
        "报告/*.pdf" => {
            made(&["sample", "--count", "2", "-o", "填好的.xlsx"]);
            made(&["batch", "填好的.xlsx", "-o", "报告", "-q"]);
        }
        "samples/huaian-2024.toml" | "samples\\huaian-2024.toml" => {
            std::fs::create_dir_all(dir.join("samples")).unwrap();
            copy("samples/huaian-2024.toml", "samples/huaian-2024.toml");
        }
        // A throwaway signer's key and certificate, under 密码.txt's password.
        "签名.p12" => {
            if !common::require_tool("openssl", &["version"]) {
                return;
            }
            let openssl = |args: &[&str]| {
                let out = std::process::Command::new("openssl")
                    .args(args)
                    .current_dir(dir)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "openssl {args:?}");
            };
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "签名.key",
                "-out",
                "签名.pem",
                "-days",
                "30",
                "-subj",
                "/CN=nianbao docs",
            ]);
            openssl(&[
                "pkcs12",
                "-export",
                "-inkey",
                "签名.key",
                "-in",
                "签名.pem",
                "-passout",
                "pass:一个足够长的密码",
                "-out",
                name,
            ]);
        }
        // `--password-stdin < 密码.txt`
        "密码.txt" => std::fs::write(dir.join(name), "一个足够长的密码\n").unwrap(),
        "./nianbao" => {
            std::fs::copy(env!("CARGO_BIN_EXE_nianbao"), dir.join("nianbao")).unwrap();
        }
        _ => {}
    }
}

/// The command-line examples of README.md and docs/ do what they say, in the order written:
/// each ```sh/```bat block runs in a directory of its own, with the files it names as inputs,
/// `nianbao` on the PATH and HOME inside the directory; a line exits 0 unless its comment says
/// which exit code to expect.
#[test]
fn every_documented_command_runs_as_written() {
    let bin = Path::new(env!("CARGO_BIN_EXE_nianbao")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let (mut ran, mut not_run) = (0, Vec::new());
    for (name, text) in documents() {
        for block in fenced_blocks(&text) {
            if !matches!(block.info.as_str(), "sh" | "bat") {
                continue;
            }
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("home")).unwrap();
            for (i, line) in block.text.lines().enumerate() {
                let at = format!("{name}:{}", block.line + 1 + i);
                let (command, comment) = line.split_once(" #").unwrap_or((line, ""));
                let command = command.trim();
                if command.is_empty() || command.starts_with('#') || command.starts_with("rem ") {
                    continue;
                }
                let command = match documented(command) {
                    Documented::Run(command) => command,
                    Documented::NotRun(why) => {
                        not_run.push(format!("{at}: {command} ({why})"));
                        continue;
                    }
                };
                // Inputs are words that are not what the command writes (after -o, sheet, export).
                let words: Vec<&str> = command.split_whitespace().collect();
                for (k, word) in words.iter().enumerate() {
                    let writes = k > 0 && matches!(words[k - 1], "-o" | "sheet" | "export");
                    let input = word.trim_end_matches("/*.pdf").trim_end_matches("/*.docx");
                    if !writes && !dir.path().join(input).exists() {
                        make_input(word, dir.path());
                    }
                }
                let expected = comment
                    .split_once("exit ")
                    .and_then(|(_, code)| code[..1].parse::<i32>().ok())
                    .unwrap_or(0);
                let out = std::process::Command::new("sh")
                    .args(["-c", &command])
                    .current_dir(dir.path())
                    .env("PATH", &path)
                    .env("HOME", dir.path().join("home"))
                    .output()
                    .unwrap();
                assert_eq!(
                    out.status.code(),
                    Some(expected),
                    "{at}: `{command}` exits {:?}, expected {expected}:\n{}{}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                ran += 1;
            }
        }
    }
    // README's first line, the batch and check examples, the templates guide at least.
    assert!(
        ran >= 25,
        "only {ran} documented commands ran; not run:\n{}",
        not_run.join("\n")
    );
}
