//! The seal image (`signature.seal`) as hostile input: where it may be read from, what kind of
//! file it may be, how much of it is read, and that `check` refuses exactly what `render` does.
//! Issue 12. Every reproducer is made here, in a temporary directory.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{nianbao, repo};

/// A temporary directory with `data/` holding `sealed.toml` (whose seal is `seal.png`) and the
/// seal; `seal.png` is also beside `data/`, outside it.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::copy(repo("tests/data/sealed.toml"), data.join("sealed.toml")).unwrap();
    for d in [&data, dir.path()] {
        std::fs::copy(repo("tests/data/seal.png"), d.join("seal.png")).unwrap();
    }
    dir
}

/// Writes `data/<name>` as `sealed.toml` with its seal path replaced by `seal`.
fn with_seal(dir: &Path, name: &str, seal: &str) {
    let sealed = std::fs::read_to_string(repo("tests/data/sealed.toml")).unwrap();
    let toml = sealed.replace("seal = \"seal.png\"", &format!("seal = {seal:?}"));
    assert_ne!(toml, sealed);
    std::fs::write(dir.join("data").join(name), toml).unwrap();
}

/// The error lines (with their hints) of an output, without the notes `check` adds.
fn errors(output: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut keep = false;
    for line in output.lines() {
        if line.starts_with("    提示：") {
            if keep {
                lines.push(line.to_string());
            }
            continue;
        }
        keep = line.contains(" 错误");
        if keep {
            lines.push(line.to_string());
        }
    }
    lines
}

/// The seal error `check` gives for `data/<file>`, checked to be the very one `render` gives.
fn refused_alike(dir: &Path, file: &str, extra: &[&str]) -> Vec<String> {
    let path = format!("data/{file}");
    let mut args = vec!["check", path.as_str()];
    args.extend_from_slice(extra);
    let check = run_bounded(dir, &args);
    assert_eq!(check.code, 1, "check {file}: {}", check.stdout);
    // The tree is all `render` makes before the seal; the seal is read and accepted the same.
    let mut args = vec!["render", path.as_str(), "--to", "tree"];
    args.extend_from_slice(extra);
    let render = run_bounded(dir, &args);
    assert_eq!(render.code, 1, "render {file}: {}", render.stderr);
    let found = errors(&check.stdout);
    assert_eq!(
        found,
        errors(&render.stderr),
        "check and render differ on {file}"
    );
    found
}

/// [`nianbao`], but a run that hangs (reading a FIFO) is killed and fails the test instead of
/// hanging it.
fn run_bounded(dir: &Path, args: &[&str]) -> common::Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("nianbao {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    let run = common::Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

const CONFINED: &str = "；印章只从数据文件所在的目录（及其子目录）中读取 [seal]";
const CONFINED_HINT: &str = "    提示：把印章图片放在数据文件所在的目录中，写相对于它的路径，如 印章.png；确需读取别处的图片，加 --allow-seal-anywhere";
const LOCATION: &str = ":11:9 错误 signature.seal（落款 · 印章图片）: ";

#[test]
fn seal_paths_leading_out_of_the_data_directory_are_refused_unless_allowed() {
    let dir = data_dir();
    let absolute = dir.path().join("seal.png");
    let absolute = absolute.to_str().unwrap();
    for (file, seal, why) in [
        ("up.toml", "../seal.png", "用“..”指向了目录之外"),
        ("abs.toml", absolute, "是绝对路径"),
    ] {
        with_seal(dir.path(), file, seal);
        assert_eq!(
            refused_alike(dir.path(), file, &[]),
            [
                format!("data/{file}{LOCATION}印章图片 {seal} {why}{CONFINED}"),
                CONFINED_HINT.to_string()
            ]
        );
        // Allowed: the same file checks and renders.
        let path = format!("data/{file}");
        let run = nianbao(dir.path(), &["check", &path, "--allow-seal-anywhere"]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let run = nianbao(
            dir.path(),
            &["render", &path, "--to", "tree", "--allow-seal-anywhere"],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    // Within the directory, `..` that stays inside is fine.
    std::fs::create_dir(dir.path().join("data/seals")).unwrap();
    with_seal(dir.path(), "inside.toml", "seals/../seal.png");
    let run = nianbao(dir.path(), &["check", "data/inside.toml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(absolute, dir.path().join("data/link.png")).unwrap();
        with_seal(dir.path(), "link.toml", "link.png");
        assert_eq!(
            refused_alike(dir.path(), "link.toml", &[])[0],
            format!("data/link.toml{LOCATION}印章图片 link.png 是指向目录之外的链接{CONFINED}")
        );
    }
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_without_being_read() {
    let dir = data_dir();
    let data = dir.path().join("data");
    let mkfifo = |path: &Path| {
        let made = Command::new("mkfifo").arg(path).status().unwrap();
        assert!(made.success());
    };

    // A FIFO as the data file: opening it for reading would wait for a writer for ever.
    mkfifo(&data.join("pipe.toml"));
    let check = run_bounded(dir.path(), &["check", "data/pipe.toml"]);
    let render = run_bounded(dir.path(), &["render", "data/pipe.toml", "--to", "tree"]);
    for (run, output) in [(&check, &check.stdout), (&render, &render.stderr)] {
        assert_eq!(run.code, 2);
        assert!(
            output.starts_with(
                "data/pipe.toml 错误: 这是命名管道（FIFO），不是数据文件 [unreadable]\n"
            ),
            "{output}"
        );
    }

    // A FIFO as the seal.
    mkfifo(&data.join("pipe.png"));
    with_seal(dir.path(), "fifo-seal.toml", "pipe.png");
    assert_eq!(
        refused_alike(dir.path(), "fifo-seal.toml", &[]),
        [
            format!(
                "data/fifo-seal.toml{LOCATION}印章图片 pipe.png 无法读取：这是命名管道（FIFO），不是图片文件 [seal]"
            ),
            "    提示：印章应为带透明背景的 PNG 图片文件".to_string()
        ]
    );

    // /dev/zero, even where reading anywhere is allowed: refused, not read for 2 GB.
    with_seal(dir.path(), "zero.toml", "/dev/zero");
    assert_eq!(
        refused_alike(dir.path(), "zero.toml", &["--allow-seal-anywhere"])[0],
        format!(
            "data/zero.toml{LOCATION}印章图片 /dev/zero 无法读取：这是设备文件，不是图片文件 [seal]"
        )
    );
}

#[test]
fn a_seal_file_over_the_size_limit_is_refused_by_its_size_unread() {
    let dir = data_dir();
    // 1 GB, sparse: takes no room, and would take seconds and 1 GB to read.
    let big = std::fs::File::create(dir.path().join("data/big.png")).unwrap();
    big.set_len(1 << 30).unwrap();
    with_seal(dir.path(), "big.toml", "big.png");
    assert_eq!(
        refused_alike(dir.path(), "big.toml", &[]),
        [
            format!(
                "data/big.toml{LOCATION}印章图片 big.png 超出限度「印章文件的大小」（seal_bytes）：最多 5 MB，这里有 1024 MB [limit]"
            ),
            "    提示：印章印在 42 mm 见方处，约 1000×1000 像素、几百 KB 足够；请缩小后再用"
                .to_string()
        ]
    );
}

/// A PNG of one RGBA pixel whose only row has the filter type `filter` (0–4 are valid).
fn one_pixel_png(filter: u8) -> Vec<u8> {
    fn chunk(png: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    // 1 × 1, 8 bits, RGBA, deflate, adaptive filtering, not interlaced.
    chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&[filter, 200, 0, 0, 255]).unwrap();
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn seals_check_fails_exactly_where_render_fails() {
    let dir = data_dir();
    let data = dir.path().join("data");
    std::fs::write(data.join("good.png"), one_pixel_png(0)).unwrap();
    with_seal(dir.path(), "good.toml", "good.png");
    let run = nianbao(dir.path(), &["check", "data/good.toml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);

    // Each seal `render` refuses; `check` passed the first two.
    let mut huge = one_pixel_png(0);
    huge[16..20].copy_from_slice(&6000u32.to_be_bytes());
    std::fs::write(data.join("huge.png"), huge).unwrap();
    std::fs::write(data.join("filter.png"), one_pixel_png(9)).unwrap();
    std::fs::write(data.join("seal.gif"), b"GIF89a\x01\x00\x01\x00").unwrap();
    let cases = [
        (
            "missing.png",
            "印章图片 missing.png 无法读取：找不到这个文件 [seal]",
            "路径相对于数据文件所在的目录",
        ),
        (
            "filter.png",
            "印章图片 filter.png 已损坏，无法解码（PNG 解码器：Unknown filter method 9） [seal]",
            "用图像软件打开印章图片，重新导出为 PNG",
        ),
        (
            "seal.gif",
            "印章图片 seal.gif 不是 PNG 图片 [seal]",
            "印章应为带透明背景的 PNG 图片",
        ),
        (
            "huge.png",
            "印章图片 huge.png 超出限度「印章图片的宽或高」（seal_side）：最多 4000 像素，这里是 6000×1 像素 [limit]",
            "印章印在 42 mm 见方处，约 1000×1000 像素、几百 KB 足够；请缩小后再用",
        ),
    ];
    for (seal, message, hint) in cases {
        let file = format!("{}.toml", seal.replace('.', "-"));
        with_seal(dir.path(), &file, seal);
        assert_eq!(
            refused_alike(dir.path(), &file, &[]),
            [
                format!("data/{file}{LOCATION}{message}"),
                format!("    提示：{hint}")
            ]
        );
    }

    // Rendering the PDF itself gives the same plain words, never the decoder's debug text.
    let run = nianbao(
        dir.path(),
        &["render", "data/filter-png.toml", "--no-system-fonts"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("印章图片 filter.png 已损坏，无法解码"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Image("), "{}", run.stderr);
    assert!(!data.join("filter-png.pdf").exists());
}
