//! The command line: parse arguments, run a command, decide the exit code.

mod admin;
mod archive;
mod args;
mod batch;
mod check;
mod completions;
mod fonts;
mod import;
mod render;
mod sample;
mod serve;
mod sign;
mod template;
mod usage;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// How a run ended. The exit code is decided here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// 0: done (warnings allowed).
    Ok,
    /// 1: the data has errors, or some item of a batch failed.
    Invalid,
    /// 2: an input could not be read or parsed, a usage error, or an internal failure.
    Failed,
    /// 130: stopped by Ctrl-C (the shells' code for SIGINT).
    Interrupted,
}

impl Status {
    /// The worse of two outcomes.
    pub fn merge(self, other: Status) -> Status {
        self.max(other)
    }

    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Invalid => 1,
            Status::Failed => 2,
            Status::Interrupted => 130,
        }
    }
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(clap_error(&e).code()),
    };
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Sheet(args) => sample::sheet(&args),
        Command::Sample(args) => sample::sample(&args),
        Command::Extract(args) => archive::extract(&args),
        Command::Import(args) => import::run(&args),
        Command::Verify(args) => archive::verify(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Fonts(args) => fonts::run(&args),
        Command::Template(args) => template::run(&args),
        Command::Admin(args) => admin::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Help(args) => help(&args.command),
    };
    ExitCode::from(status.code())
}

/// Prints what clap stopped on: help and version (to stdout, 0) or a usage error (2).
fn clap_error(e: &clap::Error) -> Status {
    let text = usage::message(e);
    if e.use_stderr() {
        eprint!("{text}");
        Status::Failed
    } else {
        out(&text);
        Status::Ok
    }
}

/// `nianbao help [COMMAND]...`: the same text as `nianbao COMMAND... --help`.
fn help(command: &[String]) -> Status {
    let args = std::iter::once("nianbao")
        .chain(command.iter().map(String::as_str))
        .chain(std::iter::once("--help"));
    match Cli::try_parse_from(args) {
        Err(e) => clap_error(&e),
        // A value that is not a command (`nianbao help a.toml`) is not reached: --help wins.
        Ok(_) => Status::Failed,
    }
}

/// Diagnostics that end a command early go to stderr, one per line.
pub(crate) fn print_diagnostics(diags: &[crate::diag::Diagnostic]) {
    let mut stderr = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(stderr, "{d}");
    }
}

/// Writes to stdout, ignoring a closed pipe (`nianbao check … | head` must not panic).
pub(crate) fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// A password from standard input: its first line, without the line ending (nothing else is
/// trimmed: spaces may be part of a password), at most `max_bytes`; asked for on the terminal
/// when standard input is one. `Err` says, in Chinese, why it could not be read.
pub(crate) fn password_from_stdin(max_bytes: usize) -> Result<String, String> {
    use std::io::{IsTerminal as _, Read as _};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("密码 Password: ");
    }
    // A little past the limit, so that an overlong password is seen and refused by the caller.
    let mut bytes = Vec::new();
    stdin
        .lock()
        .take(max_bytes as u64 + 2)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("无法读取标准输入：{}", crate::disk::io_message(&e)))?;
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8(line.to_vec()).map_err(|_| "标准输入给出的密码不是 UTF-8 文字".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_status_wins() {
        assert_eq!(Status::Ok.merge(Status::Invalid), Status::Invalid);
        assert_eq!(Status::Failed.merge(Status::Invalid), Status::Failed);
        assert_eq!(Status::Ok.merge(Status::Ok), Status::Ok);
        assert_eq!(
            [Status::Ok, Status::Invalid, Status::Ok]
                .into_iter()
                .fold(Status::Ok, Status::merge)
                .code(),
            1
        );
    }
}
