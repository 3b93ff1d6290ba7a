//! Command-line arguments (clap). Help text is Chinese first, English after.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const HELP_TEMPLATE: &str = "\
{name} {version}
{about-with-newline}
用法 Usage: {usage}

{all-args}{after-help}";

const SUBCOMMAND_TEMPLATE: &str = "\
{about-with-newline}
用法 Usage: {usage}

{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "nianbao",
    version,
    about = "政府信息公开工作年度报告生成工具（国办公开办函〔2021〕30号格式）\n\
             Generates government information-disclosure annual reports in the official 2021 format.",
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "命令 Commands",
    next_help_heading = "选项 Options",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    arg_required_else_help = true,
    after_help = "示例 Examples:\n  nianbao check samples/huaian-2024.toml\n  nianbao check 2024.toml --previous 2023.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// 显示帮助 / Print help
    #[arg(short = 'h', long, action = ArgAction::Help, global = true)]
    help: Option<bool>,

    /// 显示版本 / Print version
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 检查数据文件：字段、类型和勾稽关系 / Check data files: fields, types and consistency rules
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 数据文件（.toml、.json、.yaml）/ Data files (.toml, .json, .yaml)
    #[arg(required = true, value_name = "FILE", help_heading = "参数 Arguments")]
    pub files: Vec<PathBuf>,

    /// 上年的数据文件，用于跨年核对 / Last year's data file, for cross-year checks
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,

    /// 输出格式 / Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, value_name = "FORMAT")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// 供人阅读的文字 / Text for people
    Text,
    /// 供程序读取的 JSON / JSON for programs
    Json,
}
