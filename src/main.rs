//! `nianbao`: the command-line front of the library. All work happens in `nianbao::cli`.

fn main() -> std::process::ExitCode {
    nianbao::cli::run()
}
