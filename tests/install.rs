//! The binary as a user installs it: one file, copied anywhere, without the source tree.

mod common;

use std::path::Path;
use std::process::Command;

use common::{repo, tool};

/// Runs `nianbao` at `exe` in `dir` with nothing of this machine's setup: no environment but
/// a home and XDG directories that are empty.
fn run_alone(exe: &Path, dir: &Path, home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_DATA_HOME", home)
        .env("XDG_DATA_DIRS", home)
        .output()
        .expect("the copied binary runs");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A copy of the binary in an empty directory, with no fonts of the machine, renders the
/// sample with every font embedded: the shipped fonts are inside it.
#[test]
fn a_copied_binary_renders_with_its_own_fonts() {
    let root = tempfile::tempdir().unwrap();
    let (bin, work, home) = (
        root.path().join("bin"),
        root.path().join("work"),
        root.path().join("home"),
    );
    for d in [&bin, &work, &home] {
        std::fs::create_dir(d).unwrap();
    }
    let exe = bin.join(format!("nianbao{}", std::env::consts::EXE_SUFFIX));
    std::fs::copy(env!("CARGO_BIN_EXE_nianbao"), &exe).unwrap();
    std::fs::copy(
        repo("samples/huaian-2024.toml"),
        work.join("huaian-2024.toml"),
    )
    .unwrap();

    // Every role is served by a built-in face: a file name, not a path into fonts/.
    let (code, listing, stderr) = run_alone(&exe, &work, &home, &["fonts", "--no-system-fonts"]);
    assert_eq!(code, 0, "{stderr}");
    let used: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains("→ 使用"))
        .map(str::trim)
        .collect();
    assert_eq!(
        used,
        [
            "→ 使用 Noto Serif SC Bold：NotoSerifSC_700Bold.ttf（随附，内置于程序，Noto Serif SC 700）",
            "→ 使用 Noto Sans SC：NotoSansSC_400Regular.ttf（随附，内置于程序，Noto Sans SC 400）",
            "→ 使用 LXGW WenKai：LXGWWenKai-Regular.ttf（随附，内置于程序，LXGW WenKai 400）",
            "→ 使用 Zhuque Fangsong：ZhuqueFangsong-Regular.ttf（随附，内置于程序，Zhuque Fangsong 400）",
            "→ 使用 Noto Serif SC：NotoSerifSC_400Regular.ttf（随附，内置于程序，Noto Serif SC 400）",
        ],
        "{listing}"
    );

    let (code, _, stderr) = run_alone(
        &exe,
        &work,
        &home,
        &["render", "huaian-2024.toml", "--no-system-fonts"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("已生成 huaian-2024.pdf（6 页，"),
        "{stderr}"
    );
    let pdf = work.join("huaian-2024.pdf");
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    let mut embedded: Vec<&str> = fonts
        .lines()
        .skip(2)
        .map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(columns[columns.len() - 5], "yes", "not embedded: {line}");
            let name = columns[0];
            name.split_once('+').map_or(name, |(_, base)| base)
        })
        .collect();
    embedded.sort_unstable();
    assert_eq!(
        embedded,
        [
            "LXGWWenKai-Regular",
            "NotoSansSC-Regular",
            "NotoSerifSC-Bold",
            "NotoSerifSC-Regular",
            "ZhuqueFangsong-Regular",
        ],
        "{fonts}"
    );
    assert!(work.join("huaian-2024.docx").is_file());
}

/// The release archives carry a blank workbook: with `SOURCE_DATE_EPOCH` it is dated then, not
/// now, and two runs give the same bytes.
#[test]
fn the_blank_workbook_is_dated_by_source_date_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = |name: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["sheet", name])
            .current_dir(dir.path())
            .env("SOURCE_DATE_EPOCH", "1764650000")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        std::fs::read(dir.path().join(name)).unwrap()
    };
    let first = sheet("a.xlsx");
    assert_eq!(first, sheet("b.xlsx"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
    let mut core = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("docProps/core.xml").unwrap(), &mut core)
        .unwrap();
    assert!(
        core.contains(r#"<dcterms:created xsi:type="dcterms:W3CDTF">2025-12-02T04:33:20Z<"#),
        "{core}"
    );
}
