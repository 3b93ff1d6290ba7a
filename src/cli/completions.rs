//! `nianbao completions SHELL`: the shell's completion script on stdout (clap_complete).

use clap::CommandFactory;

use super::args::{CompletionsArgs, Shell};
use super::{Cli, Status, out};

pub fn run(args: &CompletionsArgs) -> Status {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "nianbao", &mut script);
    out(&String::from_utf8_lossy(&script));
    Status::Ok
}
