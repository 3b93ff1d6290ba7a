//! `nianbao batch INPUT -o OUTDIR`: a progress bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::args::{BatchArgs, BatchTarget};
use super::render::{prepare, targets};
use super::{Status, print_diagnostics};
use crate::batch::{self, Outcome, Pattern, Progress, Status as ItemStatus, manifest};
use crate::diag::{Diagnostic, Rule, Severity};

pub fn run(args: &BatchArgs) -> Status {
    let usage = |message: String| {
        print_diagnostics(&[Diagnostic::error(Rule::Output, message)]);
        Status::Failed
    };
    let pattern = match Pattern::parse(&args.name) {
        Ok(p) => p,
        Err(message) => return usage(message),
    };
    let wants = |t: BatchTarget| args.to.contains(&t);
    let targets = match targets(
        args.to.is_empty(),
        [
            wants(BatchTarget::Pdf),
            wants(BatchTarget::Docx),
            wants(BatchTarget::Html),
        ],
        args.make.html_fragment,
    ) {
        Ok(targets) => targets,
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    let input = match batch::input::read(&args.input, args.sheet.as_deref()) {
        Ok(input) => batch::without_own_files(input),
        Err(diags) => {
            print_diagnostics(&diags);
            return Status::Failed;
        }
    };
    if let batch::Input::Files(files) = &input
        && files.is_empty()
    {
        return usage(format!(
            "{} 里没有数据文件（.toml、.json、.yaml），只有 nianbao 写出的清单",
            args.input.display()
        ));
    }
    if let batch::Input::Table(table) = &input {
        print_diagnostics(&table.notes);
        if table.rows.is_empty() {
            return usage(format!("{} 的表头下面没有数据行", table.file));
        }
    }
    let prepared = match prepare(&args.make, true) {
        Ok(p) => p,
        Err(diags) => {
            print_diagnostics(&diags);
            return Status::Failed;
        }
    };
    prepared.note_substitutes(args.quiet);
    let options = batch::Options {
        jobs: args.jobs.map_or(0, usize::from),
        pattern,
        targets,
        pdf: prepared.pdf,
        docx_embed_fonts: args.make.docx_embed_fonts,
        allow_seal_anywhere: args.make.allow_seal_anywhere,
        sign: prepared.signer.map(Arc::new),
        sign_invisible: args.make.sign_invisible,
        cancel: Some(interrupt_flag()),
    };
    let Some(fonts) = prepared.fonts.as_ref() else {
        return Status::Failed;
    };
    // Held until the manifests are written: no other batch writes here meanwhile.
    let output = match batch::OutputDir::open(&args.output) {
        Ok(output) => output,
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    let progress = Reporter::new(args.quiet);
    let started = Instant::now();
    let summary = match batch::run(
        &input,
        &prepared.template,
        fonts,
        &options,
        &output,
        &progress,
    ) {
        Ok(s) => s,
        Err(d) => {
            print_diagnostics(&[d]);
            return Status::Failed;
        }
    };
    progress.finish();
    let meta = manifest::Meta {
        input: args.input.display().to_string(),
        pattern: args.name.clone(),
        formats: targets.formats(),
    };
    if let Err(d) = batch::write_manifests(&summary, &meta, &output) {
        print_diagnostics(&[d]);
        return Status::Failed;
    }
    let warnings: usize = summary
        .outcomes
        .iter()
        .flat_map(|o| &o.diagnostics)
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let (done, invalid, failed, skipped) = (
        summary.count(ItemStatus::Done),
        summary.count(ItemStatus::Invalid),
        summary.count(ItemStatus::Failed),
        summary.count(ItemStatus::Skipped),
    );
    let seconds = started.elapsed().as_secs_f64();
    let skipped_note = if skipped > 0 {
        format!("，因中断未处理 {skipped} 份")
    } else {
        String::new()
    };
    eprintln!(
        "共 {} 份：已生成 {done} 份，数据有误 {invalid} 份，失败 {failed} 份{skipped_note}；用时 {seconds:.1} 秒",
        summary.outcomes.len()
    );
    let out = args.output.display();
    let warning_note = if warnings > 0 {
        format!("，警告 {warnings} 条")
    } else {
        String::new()
    };
    eprintln!("清单{warning_note}见 {out}/manifest.csv 和 {out}/manifest.json");
    if skipped > 0 {
        Status::Interrupted
    } else if invalid + failed > 0 {
        Status::Invalid
    } else {
        Status::Ok
    }
}

/// Set by the first Ctrl-C, SIGTERM (`kill`, a service manager stopping) or SIGHUP (the
/// terminal closed): the batch finishes the reports being written, skips the rest, writes its
/// manifest, removes its temporary files and lets go of the output directory. A second signal
/// ends the program at once (the next run clears what it leaves).
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    let signals = [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ];
    #[cfg(windows)]
    let signals = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
    #[cfg(any(unix, windows))]
    for signal in signals {
        // Registration fails only for forbidden signals; without it Ctrl-C simply ends the run.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag));
        let _ = signal_hook::flag::register(signal, Arc::clone(&flag));
    }
    flag
}

/// Shows the batch as it goes. Problems are printed whatever the mode; on a terminal the bar
/// stays below them.
struct Reporter {
    bar: Option<ProgressBar>,
    quiet: bool,
    state: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    finished: usize,
    failed: usize,
}

impl Reporter {
    fn new(quiet: bool) -> Reporter {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30.green/white} {pos}/{len} {msg}  {rate}  预计剩余 {eta}",
                )
                .expect("a valid template")
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1} 份/秒", state.per_sec());
                    },
                )
                .progress_chars("█▉▊▋▌▍▎▏ "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Reporter {
            bar,
            quiet,
            state: Mutex::new(Counts::default()),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn say(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }
}

impl Progress for Reporter {
    fn start(&self, total: usize) {
        self.state.lock().expect("not poisoned").total = total;
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_message(format!("完成 0 · 失败 0 · 剩余 {total}"));
        }
    }

    fn finished(&self, outcome: &Outcome) {
        let (finished, failed, total) = {
            let mut s = self.state.lock().expect("not poisoned");
            s.finished += 1;
            if matches!(outcome.status, ItemStatus::Invalid | ItemStatus::Failed) {
                s.failed += 1;
            }
            (s.finished, s.failed, s.total)
        };
        let problems: Vec<String> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        let width = total.to_string().len();
        if outcome.status == ItemStatus::Skipped {
            // Counted in the summary; a line each would bury the problems above.
        } else if outcome.status != ItemStatus::Done {
            self.say(&format!(
                "[{finished:>width$}/{total}] {} {}\n{}",
                outcome.status.zh(),
                outcome.input,
                problems.join("\n")
            ));
        } else if self.bar.is_none() && !self.quiet {
            let files: Vec<&str> = outcome.outputs.iter().map(|o| o.file.as_str()).collect();
            let pages = outcome
                .pages
                .map(|p| format!("（{p} 页）"))
                .unwrap_or_default();
            self.say(&format!(
                "[{finished:>width$}/{total}] 已生成 {}{pages}",
                files.join("、")
            ));
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!(
                "完成 {} · 失败 {failed} · 剩余 {}",
                finished - failed,
                total - finished
            ));
        }
    }
}
