//! Helpers shared by the integration tests: rendering with the bundled fonts only (so results
//! do not depend on the machine), and reading PDFs back with poppler's tools.
#![allow(dead_code)]

pub mod browser;
pub mod http;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use nianbao::document::{Document, Table};
use nianbao::fonts::{FontOptions, Fonts};
use nianbao::model::Format;
use nianbao::template::Template;

/// The tables of a document, in order.
pub fn tables(doc: &Document) -> Vec<&Table> {
    doc.tables().collect()
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The shipped fonts and nothing else.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let options = FontOptions {
            system: false,
            dirs: Vec::new(),
            bundled: None,
        };
        Fonts::load(&nianbao::style::Style::default(), &options).expect("bundled fonts load")
    })
}

pub struct Rendered {
    pub doc: Document,
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub docx: Vec<u8>,
    pub warnings: Vec<nianbao::diag::Diagnostic>,
}

/// Renders a data file (relative to the repository) to PDF and DOCX with the built-in template,
/// the bundled fonts and the default options (PDF/A-3b, data embedded).
pub fn render(path: &str) -> Rendered {
    render_with(path, &Template::builtin(Format::Y2021))
}

/// [`render`] with another template (or the built-in one with another style).
pub fn render_with(path: &str, template: &Template) -> Rendered {
    let path = repo(path);
    let loaded = nianbao::load_path(&path);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    let doc = nianbao::document(
        loaded.report.as_ref().unwrap(),
        &loaded.source,
        template,
        path.parent().unwrap(),
    )
    .expect("document");
    let setup = nianbao::Setup {
        template,
        fonts: fonts(),
        docx_embed_fonts: false,
        sign: None,
        sign_invisible: false,
        targets: nianbao::Targets::BOTH,
        pdf: &nianbao::pdf::PdfOptions::default(),
    };
    let products = nianbao::produce(loaded.report.as_ref().unwrap(), &doc, &setup).expect("pdf");
    let (pdf, pages) = products.pdf.expect("a PDF");
    Rendered {
        doc,
        pdf,
        pages,
        docx: products.docx.expect("a DOCX"),
        warnings: products.warnings,
    }
}

/// What a run of the real binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `nianbao` binary in `dir`; a panic is a test failure whatever the exit code.
pub fn nianbao(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("binary runs");
    let run = Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

/// The samples, the sealed report and the stress corpus: every data file the outputs and the
/// readers of reports are held to.
pub fn corpus() -> Vec<PathBuf> {
    let mut files = vec![
        repo("samples/huaian-2024.toml"),
        repo("samples/yimianpo-2021.toml"),
        repo("tests/data/sealed.toml"),
    ];
    let mut stress: Vec<PathBuf> = std::fs::read_dir(repo("tests/data/stress"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    stress.sort();
    assert!(stress.len() >= 5, "the stress corpus is there");
    files.extend(stress);
    files
}

/// How to install a tool the tests run (`.ci/run` does it in CI).
pub fn install_command(program: &str) -> &'static str {
    match program {
        "pdftotext" | "pdffonts" | "pdfinfo" | "pdfimages" | "pdfdetach" | "pdfsig" => {
            "apt-get install poppler-utils"
        }
        "qpdf" => "apt-get install qpdf",
        "openssl" => "apt-get install openssl",
        "soffice" => "apt-get install libreoffice-writer-nogui",
        "openxml-audit" => "python3 -m pip install openxml-audit",
        "chromium" => "apt-get install chromium",
        "chromedriver" => "apt-get install chromium-driver",
        "java" => "apt-get install default-jre-headless",
        "vnu" => "npm install -g --ignore-scripts vnu-jar",
        _ => "see .ci/run",
    }
}

/// The environment variable that lets tests whose tool is missing skip instead of failing.
pub const SKIP_MISSING_TOOLS: &str = "NIANBAO_SKIP_MISSING_TOOLS";

/// Whether a tool a test needs runs (`program args` succeeds). When it does not, the test
/// fails with the command that installs it, unless `NIANBAO_SKIP_MISSING_TOOLS=1` asks to skip
/// (then `false`: the caller returns). In CI (`CI` set) nothing is skipped.
pub fn require_tool(program: &str, args: &[&str]) -> bool {
    let runs = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    runs || missing_tool(program)
}

/// A tool a test needs is missing: fails the test with the command that installs it, or, when
/// `NIANBAO_SKIP_MISSING_TOOLS=1` asks to skip (never in CI), says so and returns `false`.
fn missing_tool(program: &str) -> bool {
    let install = install_command(program);
    let skip = std::env::var(SKIP_MISSING_TOOLS).is_ok_and(|v| v == "1");
    assert!(
        skip && std::env::var_os("CI").is_none(),
        "{program} is needed by this test and does not run here; install it: {install} \
         (or set {SKIP_MISSING_TOOLS}=1 to skip the tests that need it; never skipped in CI)"
    );
    eprintln!("skipped: {program} is not installed ({SKIP_MISSING_TOOLS}=1); install: {install}");
    false
}

/// The Nu Html Checker's jar, from the npm package `vnu-jar` (`npm install -g`), if it is there.
fn vnu_jar() -> Option<PathBuf> {
    let out = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let root = String::from_utf8(out.stdout).ok()?;
    let jar = Path::new(root.trim()).join("vnu-jar/build/dist/vnu.jar");
    jar.is_file().then_some(jar)
}

/// The errors the Nu Html Checker (vnu.jar) finds in HTML files, and in CSS files (`.css`),
/// each as `file:line:col: message`; the CSS of an HTML file's `style` elements and attributes
/// is checked too. `None` when java or vnu.jar is missing and `NIANBAO_SKIP_MISSING_TOOLS=1`
/// asks to skip (as [`require_tool`]).
pub fn vnu_errors(paths: &[&Path]) -> Option<Vec<String>> {
    static JAR: OnceLock<Option<PathBuf>> = OnceLock::new();
    if !require_tool("java", &["-version"]) {
        return None;
    }
    let Some(jar) = JAR.get_or_init(vnu_jar) else {
        missing_tool("vnu"); // fails, or skips, with the command that installs vnu.jar
        return None;
    };
    // vnu passes over a file that is not there without a word.
    for path in paths {
        assert!(path.is_file(), "{} is not a file", path.display());
    }
    // CSS files in a run of their own: with `--also-check-css`, vnu 26.9 gives the lines of
    // the HTML files one too low.
    let (css, html): (Vec<&Path>, Vec<&Path>) = paths
        .iter()
        .partition(|p| p.extension().is_some_and(|e| e == "css"));
    let mut errors = Vec::new();
    for (files, kind) in [(html, None), (css, Some("--css"))] {
        if files.is_empty() {
            continue;
        }
        // The quick JIT alone and one GC thread: half the CPU time of java's defaults. Its
        // larger stack frames need a larger stack than vnu's 512 KiB minimum.
        let out = Command::new("java")
            .args([
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xss16m",
                "-jar",
            ])
            .arg(jar)
            .args(["--errors-only", "--format", "json"])
            .args(kind)
            .args(&files)
            .output()
            .expect("java runs");
        let json = String::from_utf8_lossy(&out.stderr); // vnu writes its report there
        let report: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| {
            let stdout = String::from_utf8_lossy(&out.stdout);
            panic!(
                "vnu gave no JSON report ({e}; {}):\n{stdout}{json}",
                out.status
            )
        });
        let found = report["messages"].as_array().expect("vnu's messages");
        // vnu exits 1 when it found errors, 0 when not; anything else is vnu failing.
        assert_eq!(
            out.status.code(),
            Some(i32::from(!found.is_empty())),
            "vnu:\n{json}"
        );
        errors.extend(found.iter().map(|m| {
            let url = m["url"].as_str().unwrap_or("?");
            let file = percent_decoded(url.strip_prefix("file:").unwrap_or(url));
            // "error", or "non-document-error" (the file could not be read): named then.
            let kind = match m["type"].as_str() {
                Some("error") => String::new(),
                other => format!("{}: ", other.unwrap_or("?")),
            };
            let col = if m["firstColumn"].is_null() {
                &m["lastColumn"]
            } else {
                &m["firstColumn"]
            };
            let message = m["message"].as_str().unwrap_or("?");
            format!("{file}:{}:{col}: {kind}{message}", m["lastLine"])
        }));
    }
    Some(errors)
}

/// A URL's path with its `%XX` escapes decoded (vnu's `file:` URLs escape spaces).
fn percent_decoded(url: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = url.as_bytes();
    while let [b, tail @ ..] = rest {
        let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match hex.map(|h| u8::from_str_radix(h, 16)) {
            Some(Ok(decoded)) if *b == b'%' => {
                bytes.push(decoded);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(*b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs a command-line tool the tests need and returns its output; a missing tool fails the
/// test with the command that installs it (`.ci/run` installs them all).
pub fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} is needed by this test ({e}); install it: {}",
                install_command(program)
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Writes bytes to a temporary file and returns its path (kept alive by the returned guard).
pub fn temp_file(bytes: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    file
}

/// The bottom of the 版心 (GB/T 9704: 37 mm + 225 mm), in points.
pub const TEXT_BOTTOM: f32 = (37.0 + 225.0) * 72.0 / 25.4;

#[derive(Debug, Clone)]
pub struct Word {
    pub text: String,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

#[derive(Debug, Clone)]
pub struct TextLine {
    pub text: String,
    pub words: Vec<Word>,
}

/// A PDF's text as poppler reads it: lines and words with their boxes, page by page.
pub struct PdfText {
    pub pages: Vec<Vec<TextLine>>,
}

impl PdfText {
    pub fn of(pdf: &[u8]) -> PdfText {
        let file = temp_file(pdf, ".pdf");
        let xml = tool(
            "pdftotext",
            &["-bbox-layout", file.path().to_str().unwrap(), "-"],
        );
        let xml = &xml[xml.find("<html").expect("pdftotext writes XHTML")..]; // past the DOCTYPE
        let doc = roxmltree::Document::parse(xml).expect("pdftotext writes XHTML");
        let f = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f32>().unwrap();
        let pages = doc
            .descendants()
            .filter(|n| n.has_tag_name("page"))
            .map(|page| {
                page.descendants()
                    .filter(|n| n.has_tag_name("line"))
                    .map(|line| {
                        let words: Vec<Word> = line
                            .children()
                            .filter(|n| n.has_tag_name("word"))
                            .map(|w| Word {
                                text: w.text().unwrap_or("").to_string(),
                                x0: f(w, "xMin"),
                                y0: f(w, "yMin"),
                                x1: f(w, "xMax"),
                                y1: f(w, "yMax"),
                            })
                            .collect();
                        TextLine {
                            text: words.iter().map(|w| w.text.as_str()).collect(),
                            words,
                        }
                    })
                    .collect()
            })
            .collect();
        PdfText { pages }
    }

    /// Whether a line is one character of a vertical stack: another one-character line stands
    /// at the same x on the page.
    pub fn in_vertical_stack(&self, page: usize, line: &TextLine) -> bool {
        let [w] = line.words.as_slice() else {
            return false;
        };
        w.text.chars().count() == 1
            && self.pages[page].iter().any(|other| {
                let [o] = other.words.as_slice() else {
                    return false;
                };
                o.text.chars().count() == 1
                    && (o.x0 - w.x0).abs() < 0.5
                    && (o.y0 - w.y0).abs() > 1.0
            })
    }

    pub fn words(&self, page: usize) -> impl Iterator<Item = &Word> {
        self.pages[page].iter().flat_map(|l| l.words.iter())
    }

    /// The text of the text block (page numbers left out), every space and line break removed.
    pub fn joined(&self) -> String {
        self.pages
            .iter()
            .flatten()
            .filter(|l| l.words.iter().all(|w| w.y1 < TEXT_BOTTOM))
            .map(|l| l.text.as_str())
            .collect::<String>()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

/// [`nianbao`] with `input` on its standard input.
pub fn nianbao_with_input(dir: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut stdin = child.stdin.take().expect("piped");
    // A command that stops before reading (a usage error) closes the pipe: not a failure.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().expect("binary ends");
    let run = Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

/// `nianbao serve` running on a free port of 127.0.0.1 over `nianbao.db` in `dir`, with the
/// bundled fonts only (the files do not depend on the machine); killed when dropped.
pub struct Serving {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`, without the final slash.
    pub url: String,
    /// What the server wrote to stderr after its first line.
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Serving {
    pub fn start(dir: &Path) -> Serving {
        use std::io::{BufRead as _, BufReader};
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["serve", "--db", "nianbao.db", "--listen", "127.0.0.1:0"])
            .arg("--no-system-fonts")
            .current_dir(dir)
            .env_remove("SOURCE_DATE_EPOCH")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let url = first
            .split_whitespace()
            .find_map(|w| w.find("http://").map(|i| &w[i..]))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .trim_end_matches('/')
            .to_string();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                kept.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Serving { child, url, log }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
