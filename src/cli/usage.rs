//! Command-line mistakes: clap's errors said in Chinese first, like every other message, with
//! clap's English text (usage line and tips included) after it.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::diag::{Diagnostic, Rule};

/// What to print for a clap error: help and version as clap prints them, anything else as a
/// Chinese diagnostic followed by clap's own message.
pub fn message(error: &clap::Error) -> String {
    let english = error.render().to_string();
    match chinese(error) {
        Some(d) => format!("{d}\n\n{english}"),
        None => english,
    }
}

/// The Chinese diagnostic for a usage error; `None` for help and version, which are not errors.
pub fn chinese(error: &clap::Error) -> Option<Diagnostic> {
    let arg = || text(error, ContextKind::InvalidArg);
    let value = || text(error, ContextKind::InvalidValue);
    let (message, hint) = match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return None,
        ErrorKind::InvalidValue if value().is_empty() => {
            (format!("参数 {} 后面缺少值", arg()), possible(error))
        }
        ErrorKind::InvalidValue => (
            format!("参数 {} 的值“{}”不是可用的值", arg(), value()),
            possible(error),
        ),
        ErrorKind::ValueValidation => (
            format!("参数 {} 的值“{}”不符合要求", arg(), value()),
            error.to_string().rsplit_once(": ").map(|(_, why)| {
                format!("原因（英文）：{}", why.lines().next().unwrap_or(why).trim())
            }),
        ),
        ErrorKind::UnknownArgument => (
            format!("不认识的参数“{}”", arg()),
            suggested(error, ContextKind::SuggestedArg)
                .or_else(|| Some("加 --help 查看这个命令的全部选项".into())),
        ),
        ErrorKind::InvalidSubcommand => (
            format!(
                "不认识的命令“{}”",
                text(error, ContextKind::InvalidSubcommand)
            ),
            suggested(error, ContextKind::SuggestedSubcommand)
                .or_else(|| Some("nianbao help 列出全部命令".into())),
        ),
        ErrorKind::MissingSubcommand => (
            format!(
                "“{}”后面缺少命令",
                text(error, ContextKind::InvalidSubcommand)
            ),
            list(error, ContextKind::ValidSubcommand).map(|l| format!("可用的命令：{l}")),
        ),
        ErrorKind::MissingRequiredArgument => (
            format!(
                "缺少必需的参数：{}",
                list(error, ContextKind::InvalidArg).unwrap_or_default()
            ),
            None,
        ),
        ErrorKind::ArgumentConflict => match error.get(ContextKind::PriorArg) {
            Some(ContextValue::String(prior)) if *prior == arg() => {
                (format!("参数 {} 只能用一次", arg()), None)
            }
            _ => (
                format!(
                    "参数 {} 不能和 {} 同时使用",
                    arg(),
                    list(error, ContextKind::PriorArg).unwrap_or_else(|| "其他参数".into())
                ),
                None,
            ),
        },
        ErrorKind::TooManyValues => (
            format!("参数 {} 多了一个值“{}”", arg(), value()),
            Some("文件名有空格时加引号".into()),
        ),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            (format!("参数 {} 的值的个数不对", arg()), None)
        }
        ErrorKind::NoEquals => (
            format!("参数 {} 的值要用等号连接", arg()),
            Some(format!("写成 {}=值", arg())),
        ),
        ErrorKind::InvalidUtf8 => (
            "参数里有无法识别的文字（不是 UTF-8）".into(),
            Some("检查文件名的编码，或改用只含常见字符的文件名".into()),
        ),
        _ => ("命令行有误".into(), None),
    };
    let mut d = Diagnostic::error(Rule::Usage, message);
    if let Some(hint) = hint {
        d = d.hint(hint);
    }
    Some(d)
}

fn text(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        _ => String::new(),
    }
}

fn list(error: &clap::Error, kind: ContextKind) -> Option<String> {
    Some(text(error, kind)).filter(|s| !s.is_empty())
}

fn possible(error: &clap::Error) -> Option<String> {
    list(error, ContextKind::ValidValue).map(|l| format!("可用的值：{l}"))
}

fn suggested(error: &clap::Error, kind: ContextKind) -> Option<String> {
    list(error, kind).map(|s| format!("是不是要用 {s}？"))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn error(args: &[&str]) -> clap::Error {
        Cli::try_parse_from(args).expect_err("a usage error")
    }

    #[test]
    fn each_kind_is_said_in_chinese() {
        let cases: [(&[&str], &str); 8] = [
            (
                &["nianbao", "render", "a.toml", "--frob"],
                "错误: 不认识的参数“--frob” [usage]\n    提示：加 --help 查看这个命令的全部选项",
            ),
            (
                &["nianbao", "render", "a.toml", "--quite"],
                "错误: 不认识的参数“--quite” [usage]\n    提示：是不是要用 --quiet？",
            ),
            (
                &["nianbao", "rendr"],
                "错误: 不认识的命令“rendr” [usage]\n    提示：是不是要用 render？",
            ),
            (
                &["nianbao", "render", "a.toml", "-o"],
                "错误: 参数 --output <DIR> 后面缺少值 [usage]",
            ),
            (
                &["nianbao", "render", "a.toml", "--pdfa", "1a"],
                "错误: 参数 --pdfa <LEVEL> 的值“1a”不是可用的值 [usage]\n    提示：可用的值：3b、2b、off",
            ),
            (
                &["nianbao", "sample", "-o", "x", "--year", "1999"],
                "错误: 参数 --year <YEAR> 的值“1999”不符合要求 [usage]\n    提示：原因（英文）：1999 is not in 2021..=2100",
            ),
            (
                &["nianbao", "batch", "in.xlsx"],
                "错误: 缺少必需的参数：--output <DIR> [usage]",
            ),
            (
                &[
                    "nianbao", "check", "a.toml", "--format", "json", "--format", "text",
                ],
                "错误: 参数 --format <FORMAT> 只能用一次 [usage]",
            ),
        ];
        for (args, expected) in cases {
            let e = error(args);
            let said = chinese(&e).map(|d| d.to_string());
            assert_eq!(said.as_deref(), Some(expected), "{args:?}: {e}");
            // clap's own text follows, usage line included.
            let full = message(&e);
            assert!(full.starts_with(expected), "{full}");
            assert!(full.contains("error: "), "{full}");
        }
    }

    #[test]
    fn help_and_version_are_not_errors() {
        for args in [&["nianbao", "--help"][..], &["nianbao", "--version"]] {
            let e = error(args);
            assert!(chinese(&e).is_none());
            assert_eq!(message(&e), e.render().to_string());
        }
    }
}
