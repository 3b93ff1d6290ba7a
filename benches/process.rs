//! `cargo bench --bench process`: whole `nianbao` processes, timed as a user meets them, beside
//! an older build measured in the same run (issue 19).
//!
//! `NIANBAO_BASELINE=/path/to/old/nianbao` runs every command with that executable too, the two
//! builds alternated run by run (each goes first in half the runs), and prints the change in %.
//! `scripts/bench-against REV` builds REV into `target/bench-base/` and runs this with it.
//!
//! Measured per run: wall time, user + system CPU and peak resident memory of the child alone
//! (`wait4`'s rusage). Medians and 90th percentiles over `NIANBAO_BENCH_RUNS` runs (default 30)
//! for the single reports, 3 runs for a batch of 1,000; `NIANBAO_BENCH_LARGE=1` adds one batch of
//! 10,000 (time should grow linearly). All runs share one `SOURCE_DATE_EPOCH`, so that the two
//! builds' PDFs of the 淮安 sample can be compared byte for byte at the end.

#[cfg(unix)]
fn main() {
    unix::main();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("benches/process.rs measures processes with wait4: Unix only");
}

#[cfg(unix)]
mod common;

#[cfg(unix)]
mod unix {
    use super::common::machine;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::time::Instant;

    /// The fixed "now" of every run (1 December 2026, 00:00 UTC).
    const SOURCE_DATE_EPOCH: &str = "1796083200";
    const SAMPLE: &str = "samples/huaian-2024.toml";

    /// One run of one process.
    #[derive(Clone, Copy)]
    struct Sample {
        wall_ms: f64,
        cpu_ms: f64,
        peak_mb: f64,
    }

    /// The target for a command, if it has one.
    struct Target {
        wall_ms: f64,
        peak_mb: f64,
    }

    struct Case {
        name: String,
        /// Arguments; `{out}` is replaced by the build's own output directory.
        args: Vec<String>,
        runs: usize,
        target: Option<Target>,
        /// Output directories are emptied after each run (a batch writes hundreds of MB).
        clean: bool,
    }

    struct Build {
        label: &'static str,
        exe: PathBuf,
        out: PathBuf,
    }

    pub fn main() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::env::set_current_dir(root).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let runs: usize = std::env::var("NIANBAO_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(30);
        let large = std::env::var("NIANBAO_BENCH_LARGE").is_ok_and(|v| v == "1");

        let mut builds = vec![Build {
            label: "this",
            exe: PathBuf::from(env!("CARGO_BIN_EXE_nianbao")),
            out: dir.path().join("this"),
        }];
        if let Some(base) = std::env::var_os("NIANBAO_BASELINE").filter(|v| !v.is_empty()) {
            let exe = PathBuf::from(base);
            assert!(
                exe.is_file(),
                "NIANBAO_BASELINE={} is not a file",
                exe.display()
            );
            builds.push(Build {
                label: "baseline",
                exe,
                out: dir.path().join("baseline"),
            });
        }

        // The synthetic workbooks, made once by this build and read by both.
        let mut books = vec![(1_000u32, 3usize)];
        if large {
            books.push((10_000, 1));
        }
        for &(count, _) in &books {
            let status = Command::new(&builds[0].exe)
                .args(["sample", "--count", &count.to_string(), "-o"])
                .arg(dir.path().join(format!("{count}.xlsx")))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "nianbao sample --count {count} failed");
        }

        let single = |name: &str, args: &[&str], target: Option<Target>| Case {
            name: name.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            runs,
            target,
            clean: false,
        };
        let mut cases = vec![
            single(
                "render (PDF/A + .docx)",
                &["render", SAMPLE, "-o", "{out}", "-q"],
                Some(Target {
                    wall_ms: 25.0,
                    peak_mb: 40.0,
                }),
            ),
            single(
                "render --to docx",
                &["render", SAMPLE, "-o", "{out}", "-q", "--to", "docx"],
                None,
            ),
            single(
                "render --to pdf",
                &["render", SAMPLE, "-o", "{out}", "-q", "--to", "pdf"],
                None,
            ),
            single("check", &["check", SAMPLE], None),
        ];
        for &(count, runs) in &books {
            let book = dir.path().join(format!("{count}.xlsx"));
            cases.push(Case {
                name: format!("batch {count}, --jobs 2"),
                args: vec![
                    "batch".into(),
                    book.to_string_lossy().into_owned(),
                    "-o".into(),
                    "{out}".into(),
                    "--jobs".into(),
                    "2".into(),
                    "-q".into(),
                ],
                runs,
                target: Some(Target {
                    wall_ms: 8.0 * f64::from(count),
                    peak_mb: 300.0,
                }),
                clean: true,
            });
        }

        println!("{}", machine());
        for build in &builds {
            println!("{}: {}", build.label, build.exe.display());
        }
        println!();
        println!(
            "| command | build | median wall | p90 wall | CPU (user+sys) | peak RSS | target |"
        );
        println!("|---|---|---:|---:|---:|---:|---|");
        for case in &cases {
            let samples = measure(case, &builds);
            print_rows(case, &builds, &samples);
        }
        println!();
        println!("{}", identical(&builds, dir.path()));
    }

    /// Every build's samples of one command, the builds alternated run by run, after one
    /// unmeasured run each for a single report (the files it reads in the page cache; a batch
    /// reads the workbook just written and the programs the single reports ran).
    fn measure(case: &Case, builds: &[Build]) -> Vec<Vec<Sample>> {
        let mut samples = vec![Vec::with_capacity(case.runs); builds.len()];
        if !case.clean {
            for build in builds {
                run(case, build);
            }
        }
        for i in 0..case.runs {
            let mut order: Vec<usize> = (0..builds.len()).collect();
            if i % 2 == 1 {
                order.reverse();
            }
            for b in order {
                samples[b].push(run(case, &builds[b]));
            }
        }
        samples
    }

    fn run(case: &Case, build: &Build) -> Sample {
        std::fs::create_dir_all(&build.out).unwrap();
        let mut command = Command::new(&build.exe);
        for arg in &case.args {
            if arg == "{out}" {
                command.arg(&build.out);
            } else {
                command.arg(arg);
            }
        }
        command
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let start = Instant::now();
        // Reaped by wait4 below, which also gives its resource usage.
        #[allow(clippy::zombie_processes)]
        let child = command.spawn().unwrap();
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for this child only, which std has not reaped (its Child is never waited).
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        let wall = start.elapsed();
        assert_eq!(waited, pid, "wait4 failed");
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{} {:?} failed (status {status})",
            build.exe.display(),
            case.args
        );
        if case.clean {
            std::fs::remove_dir_all(&build.out).unwrap();
        }
        let seconds = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
        Sample {
            wall_ms: wall.as_secs_f64() * 1000.0,
            cpu_ms: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            // Linux counts ru_maxrss in kilobytes.
            peak_mb: usage.ru_maxrss as f64 / 1024.0,
        }
    }

    /// The value at fraction `q` of the sorted values (nearest rank).
    fn quantile(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = (q * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn median(values: &[f64]) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        }
    }

    /// Median wall, p90 wall, median CPU, median peak.
    fn summary(samples: &[Sample]) -> [f64; 4] {
        let wall: Vec<f64> = samples.iter().map(|s| s.wall_ms).collect();
        let cpu: Vec<f64> = samples.iter().map(|s| s.cpu_ms).collect();
        let peak: Vec<f64> = samples.iter().map(|s| s.peak_mb).collect();
        [
            median(&wall),
            quantile(&wall, 0.9),
            median(&cpu),
            median(&peak),
        ]
    }

    fn time(ms: f64) -> String {
        let (value, unit) = if ms >= 1000.0 {
            (ms / 1000.0, "s")
        } else {
            (ms, "ms")
        };
        // Targets are whole numbers: "25 ms", "8 s".
        if value.fract() == 0.0 {
            format!("{value:.0} {unit}")
        } else if unit == "s" {
            format!("{value:.2} s")
        } else {
            format!("{value:.1} ms")
        }
    }

    fn print_rows(case: &Case, builds: &[Build], samples: &[Vec<Sample>]) {
        let summaries: Vec<[f64; 4]> = samples.iter().map(|s| summary(s)).collect();
        for (b, (build, s)) in builds.iter().zip(&summaries).enumerate() {
            let target = match &case.target {
                Some(t) => {
                    let verdict = |met: bool| if met { "met" } else { "missed" };
                    format!(
                        "≤ {} ({}), ≤ {:.0} MB ({})",
                        time(t.wall_ms),
                        verdict(s[0] <= t.wall_ms),
                        t.peak_mb,
                        verdict(s[3] <= t.peak_mb)
                    )
                }
                None => String::new(),
            };
            let command = if b == 0 {
                format!(" `{}` ({} runs) ", case.name, case.runs)
            } else {
                " ".into()
            };
            println!(
                "|{command}| {} | {} | {} | {} | {:.1} MB | {target} |",
                build.label,
                time(s[0]),
                time(s[1]),
                time(s[2]),
                s[3],
            );
        }
        if let [now, before] = summaries[..] {
            let change = |i: usize| format!("{:+.1} %", (now[i] - before[i]) / before[i] * 100.0);
            println!(
                "| | change | {} | {} | {} | {} | |",
                change(0),
                change(1),
                change(2),
                change(3)
            );
        }
    }

    /// Whether the builds write the same PDF of the 淮安 sample, and whether this build writes the
    /// same bytes twice (else a difference between the builds would mean nothing).
    fn identical(builds: &[Build], dir: &Path) -> String {
        let pdf = |exe: &Path, name: &str| -> Vec<u8> {
            let out = dir.join(format!("identical-{name}"));
            let status = Command::new(exe)
                .args(["render", SAMPLE, "--to", "pdf", "-q", "-o"])
                .arg(&out)
                .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "{} render failed", exe.display());
            std::fs::read(out.join("huaian-2024.pdf")).unwrap()
        };
        let this = pdf(&builds[0].exe, "this");
        let again = pdf(&builds[0].exe, "this-again");
        let repeatable = if this == again {
            "this build writes the same bytes twice"
        } else {
            "this build does NOT write the same bytes twice"
        };
        let Some(base) = builds.get(1) else {
            return format!(
                "PDF of the 淮安 sample (SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}): no baseline \
                 (NIANBAO_BASELINE unset); {repeatable}."
            );
        };
        let before = pdf(&base.exe, "baseline");
        let verdict = if this == before {
            format!("byte-identical to the baseline's ({} bytes)", this.len())
        } else {
            format!(
                "DIFFERS from the baseline's ({} bytes against {})",
                this.len(),
                before.len()
            )
        };
        format!(
            "PDF of the 淮安 sample (SOURCE_DATE_EPOCH={SOURCE_DATE_EPOCH}): {verdict}; {repeatable}."
        )
    }
}
