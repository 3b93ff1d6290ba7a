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

// What each command's exit codes mean, stated in its --help (tests/cli.rs runs each case and
// compares the code with the line its help gives for it). A usage error is 2 everywhere.

const CHECK_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  通过，可有警告 / no errors (warnings allowed)
  1  数据有误，或用 --strict 时有未接受的警告 / the data has errors, or warnings not accepted under --strict
  2  无法读取或解析文件，或其中没有数据 / a file could not be read or parsed, or holds no data

示例 Examples:
  nianbao check 2024.toml --previous 2023.toml
  nianbao check 乡镇/ --format csv > 核对结果.csv   # 每份报告一行 / one row per report
  nianbao check 采集表.xlsx    # 工作簿的每一行 / every row of a workbook
  nianbao check data/          # 目录中的每个数据文件 / every data file of a directory";

const RENDER_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已生成，可有警告 / made (warnings allowed)
  1  数据有误，该报告没有生成 / the data has errors: that report was not made
  2  无法读取或解析输入（这时什么也不写），或无法写入 / an input could not be read or parsed (then nothing is written), or an output could not be written

示例 Examples:
  nianbao render 2024.toml -o out
  nianbao render 2024.toml --to pdf --pdfa off
  nianbao render 2024.toml --to pdf,docx,html
  nianbao batch 采集表.xlsx -o 报告    # 工作簿或目录用 batch / a workbook or directory: batch";

const BATCH_AFTER_HELP: &str = "\
文件名模板可用 {year} {organ} {stem} {row}，默认 {year}-{organ}
Name placeholders: {year} {organ} {stem} {row}; default {year}-{organ}

退出码 Exit codes:
  0  全部生成 / every report made
  1  有报告没有生成（数据有误或失败，见清单）/ some reports were not made (see the manifest)
  2  无法读取输入或使用输出目录 / the input or the output directory could not be used
  130  被中断 / interrupted

示例 Examples:
  nianbao batch 各乡镇.xlsx -o 报告
  nianbao batch data/ -o out --jobs 2 --to pdf
  nianbao batch 各乡镇.xlsx -o 网页 --to html";

const SHEET_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已写出 / written
  2  无法写出（文件已存在时加 --force）/ could not write (an existing file needs --force)

示例 Example:
  nianbao sheet 2024年政务公开年报采集表.xlsx";

const SAMPLE_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已写出 / written
  2  无法写出（文件已存在时加 --force）/ could not write (existing files need --force)

示例 Examples:
  nianbao sample --count 1000 -o data
  nianbao sample --count 50 -o county.xlsx";

const EXTRACT_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已取出 / extracted
  2  无法读取报告或其中的数据，或无法写出 / the report or its data could not be read, or the files could not be written

示例 Examples:
  nianbao extract 2024-某镇.pdf -o 2024.toml
  nianbao render 2024.toml   # 生成同样的文件 / the same file again";

const IMPORT_AFTER_HELP: &str = "\
每份报告写出同名的数据文件（.toml）；没有读到的内容在文件中以“# 缺”注明。
Writes <stem>.toml for each report; what could not be read is marked “# 缺” in it.

退出码 Exit codes:
  0  已读出，数据完整 / imported, the data complete (a blank form too)
  1  已读出，但有没读到或不合勾稽关系的内容 / imported, but something is missing or does not add up
  2  无法读取报告，或无法写出 / a report could not be read, or a file could not be written

示例 Examples:
  nianbao import 2023年报.docx                 # → 2023年报.toml
  nianbao import 乡镇报告/*.docx -o 数据
  nianbao import 2023年报.docx --next-year      # → 2023年报-2024.toml，上年结转已填
  nianbao check 乡镇报告/*.docx                 # 只检查，不写文件 / check only";

const SIGN_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已签名 / signed
  2  无法读取或写出（PDF、密钥文件、密码不对、找不到落款）/ unreadable PDF or key file, wrong password, 落款 not found, not written

签名的区域是落款（署名、日期和印章）：签名不另画图案，页面上已有的落款和印章就是签名的可见部分，
在阅读器里点击落款可以查看签名。落款的位置由内嵌的数据重新排版得到，所以文件须是 nianbao 生成、
未改动过的 PDF；其他 PDF 用 --invisible 加不可见的签名。
签名时间取 SOURCE_DATE_EPOCH，没有时取文件内嵌的生成时间，同一文件两次签名结果相同。
再次签名会追加第二个签名。
The signature's area is the 落款 (organ, date and seal), drawn by the page as it is: nothing is added to
the page. Its place comes from laying out the embedded data again, so the file must be a PDF nianbao
made, unchanged; sign any other PDF with --invisible.
The signing time is SOURCE_DATE_EPOCH, else the file's own creation time; signing again appends a second signature.

示例 Examples:
  nianbao sign 报告.pdf --key 签名.p12 --password-stdin < 密码.txt
  nianbao sign 报告.pdf --key 签名.p12 -o 报告-已签名.pdf
  nianbao sign 报告.pdf --key 签名.p12 --invisible       # 不可见的签名 / invisible";

const VERIFY_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  一致（有签名时，签名都完好；给了 --trust 时，都受信任）/ identical (signatures intact; trusted, with --trust)
  1  不一致，或无法确认，或签名失效、不受信任 / differs, cannot be confirmed, or a signature is broken or untrusted
  2  无法读取（不是 nianbao 生成的文件，没有内嵌数据）/ unreadable (not made by nianbao, no data inside)

每个数字签名都逐一报告：签名人、颁发者、证书序列号、签名时间、所签的字节、是否完好；给了 --trust
时，还有证书是否通向信任的证书（不受信任但完好的签名不算篡改）。
Each signature is reported: signer, issuer, serial, signing time, the bytes it covers, whether
they are intact, and, with --trust, whether its certificate leads to one you trust.

示例 Examples:
  nianbao verify 报告/*.pdf
  nianbao verify 报告-已签名.pdf --trust ca.pem";

const FONTS_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已列出 / listed
  2  无法读取模板或字体（如 --font-dir 的目录不存在）/ the template or the fonts could not be read (e.g. no such --font-dir)";

const TEMPLATE_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  已写出 / written
  2  无法写出（已有文件时加 --force）/ could not write (existing files need --force)

示例 Example:
  nianbao template export mytemplate";

// Unlike the other commands, a problem with the database is 1 and only a mistake on the
// command line is 2: a script adding accounts tells "fix the command" from "look at the data".
const ADMIN_AFTER_HELP: &str = "\
退出码 Exit codes:
  0  完成 / done
  1  数据库拒绝了（机关或登录名已有、没有这个机关、密码为空或太短），或数据库无法打开、备份无法写出 / refused by the database (an organ or login already there, no such organ, an empty or short password), or the database or the backup could not be used
  2  命令行用法错误（如填报人员没有 --organ）/ a mistake on the command line (e.g. a clerk without --organ)

示例 Examples:
  nianbao admin --db nianbao.db add-organ 某镇人民政府          # 输出新机关的编号 / prints the new organ's id
  nianbao admin --db nianbao.db add-organ 某镇人民政府 --parent 某县人民政府   # 下级机关 / an organ under another
  nianbao admin --db nianbao.db add-user zhangsan --role clerk --organ 某镇人民政府 --password-stdin < 密码.txt
  nianbao admin --db nianbao.db backup 备份.db                  # 别的程序正在写时也可以 / also while it is written to";

const SERVE_AFTER_HELP: &str = "\
启动后在标准错误上写出所监听的地址；--listen 127.0.0.1:0 使用一个空闲端口。
Prints the address it listens on to stderr; --listen 127.0.0.1:0 takes a free port.

退出码 Exit codes:
  0  已停止：收到 Ctrl-C 或 SIGTERM，进行中的请求都已完成 / stopped by Ctrl-C or SIGTERM, every request under way finished
  2  无法启动：数据库无法打开、地址无法监听或字体无法加载 / could not start: the database, the address or the fonts could not be used

示例 Examples:
  nianbao admin --db nianbao.db add-organ 某镇人民政府
  nianbao serve --db nianbao.db --listen 0.0.0.0:8080    # 局域网内可访问 / reachable from the LAN";

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
    // Our own `help` command below: clap's would describe itself in English only.
    disable_help_subcommand = true,
    arg_required_else_help = true,
    after_help = "示例 Examples:\n  nianbao check samples/huaian-2024.toml\n  nianbao check 2024.toml --previous 2023.toml\n  nianbao render samples/huaian-2024.toml -o out\n  nianbao sheet 采集表.xlsx\n  nianbao batch 采集表.xlsx -o 报告\n  nianbao help render          # 一个命令的说明和退出码 / a command's help and exit codes"
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

    /// 生成报告 / Render reports
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Render(RenderArgs),

    /// 批量生成：目录、Excel 工作簿或 CSV 中的每份数据一份报告 / Render many reports at once
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Batch(BatchArgs),

    /// 生成空白的数据采集表（.xlsx）/ Write the blank collection workbook
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Sheet(SheetArgs),

    /// 生成合成的示例数据，用于测试和性能测量 / Generate synthetic valid data
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Sample(SampleArgs),

    /// 从 PDF 或 .docx 中取出内嵌的数据 / Get the embedded data back out of a PDF or .docx
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Extract(ExtractArgs),

    /// 从已发布的报告（.docx、.pdf、.html）读出数据文件 / Read a published report into a data file
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Import(ImportArgs),

    /// 核验 PDF 或 .docx 是否正是其内嵌数据生成的文件 / Check a file is exactly what its data gives
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Verify(VerifyArgs),

    /// 给 PDF 加数字签名（PAdES，签在落款上）/ Sign a PDF (PAdES B-B, on the 落款)
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Sign(SignArgs),

    /// 显示每种字体角色使用的字体文件 / Show which font file serves each role
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Fonts(FontsArgs),

    /// 导出和管理模板 / Export and manage templates
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Template(TemplateArgs),

    /// 填报系统的数据库：添加机关和账号、备份 / The filing database: organs, accounts, backups
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Admin(AdminArgs),

    /// 启动填报系统（网页服务和接口）/ Run the filing server (HTTP and its JSON API)
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Serve(ServeArgs),

    /// 生成命令行补全脚本 / Write a shell completion script
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Completions(CompletionsArgs),

    /// 显示帮助：nianbao help render / Print help, of nianbao or of a command
    #[command(help_template = SUBCOMMAND_TEMPLATE, next_help_heading = "选项 Options")]
    Help(HelpArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "示例 Examples:\n  nianbao completions bash > ~/.local/share/bash-completion/completions/nianbao\n  nianbao completions zsh > ~/.zfunc/_nianbao\n  nianbao completions fish > ~/.config/fish/completions/nianbao.fish\n  nianbao completions powershell >> $PROFILE"
)]
pub struct CompletionsArgs {
    /// 命令行 / The shell
    #[arg(value_enum, value_name = "SHELL", help_heading = "参数 Arguments")]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// 命令，如 render 或 template export / The command, e.g. render or template export
    #[arg(value_name = "COMMAND", help_heading = "参数 Arguments")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
#[command(after_help = RENDER_AFTER_HELP)]
pub struct RenderArgs {
    /// 数据文件（.toml、.json、.yaml）/ Data files (.toml, .json, .yaml)
    #[arg(required = true, value_name = "FILE", help_heading = "参数 Arguments")]
    pub files: Vec<PathBuf>,

    /// 输出目录（默认与数据文件相同）/ Output directory (default: beside each data file)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// 只输出这些（逗号分隔）：pdf、docx、html，或用于调试的 tree、markup；默认 pdf,docx / Produce only these
    #[arg(long, value_enum, value_name = "WHAT", value_delimiter = ',')]
    pub to: Vec<RenderTarget>,

    #[command(flatten)]
    pub make: MakeArgs,

    /// 不显示进度和结果，只显示问题 / Print problems only
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(after_help = BATCH_AFTER_HELP)]
pub struct BatchArgs {
    /// 数据文件所在目录、Excel 工作簿（.xlsx）或 .csv 文件 / A directory, workbook (.xlsx) or CSV file
    #[arg(value_name = "INPUT", help_heading = "参数 Arguments")]
    pub input: PathBuf,

    /// 输出目录 / Output directory
    #[arg(short = 'o', long = "output", value_name = "DIR", required = true)]
    pub output: PathBuf,

    /// 同时工作的线程数（默认：全部 CPU 核）/ Worker threads (default: all cores)
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// 输出文件名模板 / Output file name pattern
    #[arg(long = "name", value_name = "PATTERN", default_value = crate::batch::names::DEFAULT_PATTERN)]
    pub name: String,

    /// 读取工作簿中的这张工作表（默认第一张）/ Worksheet to read (default: the first)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// 只输出这些（逗号分隔）：pdf、docx、html；默认 pdf,docx / Produce only these
    #[arg(long, value_enum, value_name = "WHAT", value_delimiter = ',')]
    pub to: Vec<BatchTarget>,

    #[command(flatten)]
    pub make: MakeArgs,

    /// 不显示进度，只显示问题和结果 / Print problems and the summary only
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BatchTarget {
    /// PDF
    Pdf,
    /// Word 文档 / Word document
    Docx,
    /// 网页（门户网站用）/ A web page, for the portal
    Html,
}

#[derive(Debug, Args)]
#[command(after_help = SHEET_AFTER_HELP)]
pub struct SheetArgs {
    /// 要写出的 .xlsx 文件 / The .xlsx file to write
    #[arg(value_name = "OUT.xlsx", help_heading = "参数 Arguments")]
    pub output: PathBuf,

    /// 覆盖已有的文件 / Overwrite an existing file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_help = SAMPLE_AFTER_HELP)]
pub struct SampleArgs {
    /// 份数 / How many reports
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=36_000))]
    pub count: u32,

    /// 目录（每份一个 .toml），或 .xlsx / .csv 文件（每份一行）/ A directory, or an .xlsx or .csv file
    #[arg(short = 'o', long = "output", value_name = "PATH", required = true)]
    pub output: PathBuf,

    /// 报告年度 / Reporting year
    #[arg(long, default_value_t = 2024, value_parser = clap::value_parser!(u16).range(2021..=2100))]
    pub year: u16,

    /// 随机种子：相同种子生成相同数据 / Seed: the same seed gives the same data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// 覆盖已有的文件 / Overwrite existing files
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_help = EXTRACT_AFTER_HELP)]
pub struct ExtractArgs {
    /// nianbao 生成的 PDF 或 .docx / A PDF or .docx made by nianbao
    #[arg(value_name = "REPORT", help_heading = "参数 Arguments")]
    pub file: PathBuf,

    /// 数据文件（默认与报告同名，扩展名 .toml）/ Data file to write (default: beside the report)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// 覆盖已有的文件 / Overwrite existing files
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(after_help = IMPORT_AFTER_HELP)]
pub struct ImportArgs {
    /// 已发布的报告：Word（.docx）、PDF 或网页（.html）；用 --next-year 时也可以是数据文件 / Published reports
    #[arg(
        required = true,
        value_name = "REPORT",
        help_heading = "参数 Arguments"
    )]
    pub files: Vec<PathBuf>,

    /// 输出目录（默认与报告相同）/ Output directory (default: beside each report)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// 覆盖已有的文件 / Overwrite existing files
    #[arg(long)]
    pub force: bool,

    /// 以这份（上一年的）报告或数据文件开始下一年的数据文件：上年结转取自上年的结转下年度，正文作为草稿 / Begin next year's data file from this one
    #[arg(long)]
    pub next_year: bool,

    /// 只显示问题 / Print problems only
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(after_help = SIGN_AFTER_HELP)]
pub struct SignArgs {
    /// 要签名的 PDF / The PDF to sign
    #[arg(value_name = "REPORT", help_heading = "参数 Arguments")]
    pub file: PathBuf,

    /// 签名用的密钥和证书（PKCS#12，.p12 或 .pfx）/ The signer's key and certificates (PKCS#12)
    #[arg(long, value_name = "KEY.p12", required = true)]
    pub key: PathBuf,

    /// 从标准输入读取密钥文件的密码（第一行）；不给时密码为空 / Read the key file's password from standard input
    #[arg(long)]
    pub password_stdin: bool,

    /// 签名后的文件（默认覆盖原文件）/ Where to write the signed PDF (default: replace REPORT)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// 不可见的签名，不占落款的位置；不是 nianbao 生成的 PDF 只能这样签 / An invisible signature (the only kind for a PDF without nianbao's data)
    #[arg(long)]
    pub invisible: bool,

    /// 文件是用修改过的模板生成的：该模板目录（用来找到落款的位置）/ The edited template the file was made with (to find the 落款)
    #[arg(long, value_name = "DIR")]
    pub template: Option<PathBuf>,

    #[command(flatten)]
    pub fonts: FontArgs,
}

#[derive(Debug, Args)]
#[command(after_help = VERIFY_AFTER_HELP)]
pub struct VerifyArgs {
    /// 要核验的 PDF 或 .docx / Files to check
    #[arg(
        required = true,
        value_name = "REPORT",
        help_heading = "参数 Arguments"
    )]
    pub files: Vec<PathBuf>,

    /// 文件是用修改过的模板生成的：该模板目录 / The edited template the files were made with
    #[arg(long, value_name = "DIR")]
    pub template: Option<PathBuf>,

    /// 信任的根证书或中间证书（PEM 或 DER，可多次给出）/ Certificates to trust for signatures (PEM or DER; repeatable)
    #[arg(long, value_name = "CA.pem")]
    pub trust: Vec<PathBuf>,

    #[command(flatten)]
    pub fonts: FontArgs,
}

/// How reports are made: template, PDF/A level and fonts (shared by `render` and `batch`).
#[derive(Debug, Args)]
pub struct MakeArgs {
    #[command(flatten)]
    pub look: TemplateChoice,

    #[command(flatten)]
    pub pdf: PdfArgs,

    #[command(flatten)]
    pub fonts: FontArgs,

    /// 在 .docx 里嵌入所用字体的子集，任何电脑上打开都一样（子集只有文中已有的字）/ Embed font subsets in the .docx
    #[arg(long)]
    pub docx_embed_fonts: bool,

    /// 网页只写正文部分，样式写在各元素上，供粘贴到网站编辑器 / HTML: the content only, styles on the elements, for a CMS editor
    #[arg(long)]
    pub html_fragment: bool,

    /// 允许读取数据文件所在目录以外的印章图片（绝对路径、“..”、指向外面的链接）/ Read seal images from outside the data file's directory
    #[arg(long)]
    pub allow_seal_anywhere: bool,

    /// 用这个密钥（PKCS#12）给每份 PDF 加数字签名，签名时间即 PDF 的生成时间 / Sign every PDF with this key (PAdES)
    #[arg(long, value_name = "KEY.p12")]
    pub sign_key: Option<PathBuf>,

    /// 从标准输入读取 --sign-key 密钥文件的密码（第一行）/ Read the --sign-key file's password from standard input
    #[arg(long, requires = "sign_key")]
    pub sign_password_stdin: bool,

    /// 签名不占落款的位置（不可见的签名）；默认签名的区域就是落款和印章 / An invisible signature (default: the signature's area is the 落款 and its seal)
    #[arg(long, requires = "sign_key")]
    pub sign_invisible: bool,
}

/// The PDF's archival level.
#[derive(Debug, Args)]
pub struct PdfArgs {
    /// PDF/A 级别：3b（默认，内嵌数据）、2b（不内嵌数据）或 off（普通 PDF）/ PDF/A level
    // Always with a value, `--pdfa off` or `--pdfa=off`: an optional value needed the `=`, and
    // `--pdfa off` silently made PDF/A and took `off` for a data file.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "3b")]
    pub pdfa: PdfaArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PdfaArg {
    /// PDF/A-3b，内嵌数据、印章和生成信息 / PDF/A-3b with the data inside
    #[value(name = "3b")]
    A3b,
    /// PDF/A-2b，不能内嵌数据 / PDF/A-2b, no embedded data
    #[value(name = "2b")]
    A2b,
    /// 普通 PDF 1.7，内嵌数据 / Plain PDF 1.7 with the data inside
    Off,
}

impl From<PdfaArg> for crate::pdf::Archival {
    fn from(a: PdfaArg) -> Self {
        match a {
            PdfaArg::A3b => crate::pdf::Archival::A3b,
            PdfaArg::A2b => crate::pdf::Archival::A2b,
            PdfaArg::Off => crate::pdf::Archival::Off,
        }
    }
}

/// Which template renders the reports, and its wording options.
#[derive(Debug, Args)]
pub struct TemplateChoice {
    /// 使用修改过的模板目录 / Use an edited template directory
    #[arg(long, value_name = "DIR")]
    pub template: Option<PathBuf>,

    /// 标题措辞：short（六个简短标题）或 article50（条例第五十条的措辞）/ Heading wording
    #[arg(long, value_enum, value_name = "WORDING")]
    pub headings: Option<HeadingsArg>,
}

#[derive(Debug, Args)]
pub struct FontArgs {
    /// 另外的字体目录（可多次使用）/ More font directories (repeatable)
    #[arg(long = "font-dir", value_name = "DIR")]
    pub font_dirs: Vec<PathBuf>,

    /// 不使用本机安装的字体，只用随附字体和 --font-dir / Ignore the machine's fonts
    #[arg(long)]
    pub no_system_fonts: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderTarget {
    /// PDF
    Pdf,
    /// Word 文档 / Word document
    Docx,
    /// 网页（门户网站用）/ A web page, for the portal
    Html,
    /// 文档树（JSON，输出到标准输出），用于调试 / The document tree as JSON on stdout
    Tree,
    /// 模板输出的标记（输出到标准输出），用于调试 / The template's markup on stdout
    Markup,
}

#[derive(Debug, Args)]
#[command(after_help = FONTS_AFTER_HELP)]
pub struct FontsArgs {
    /// 使用此模板目录的样式文件 / Use the style file of this template directory
    #[arg(long, value_name = "DIR")]
    pub template: Option<PathBuf>,

    #[command(flatten)]
    pub fonts: FontArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeadingsArg {
    /// 一、总体情况 … 六、其他需要报告的事项
    Short,
    /// 条例第五十条的措辞，表内加标题行（如一面坡镇 2021）/ Article 50 wording
    Article50,
}

impl From<HeadingsArg> for crate::style::Headings {
    fn from(h: HeadingsArg) -> Self {
        match h {
            HeadingsArg::Short => crate::style::Headings::Short,
            HeadingsArg::Article50 => crate::style::Headings::Article50,
        }
    }
}

#[derive(Debug, Args)]
#[command(subcommand_help_heading = "命令 Commands")]
pub struct TemplateArgs {
    #[command(subcommand)]
    pub command: TemplateCommand,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// 把内置模板写到目录中，以便修改 / Write the built-in template to a directory, to edit it
    #[command(
        help_template = SUBCOMMAND_TEMPLATE,
        next_help_heading = "选项 Options",
        after_help = TEMPLATE_AFTER_HELP
    )]
    Export {
        /// 目标目录 / Target directory
        #[arg(value_name = "DIR", help_heading = "参数 Arguments")]
        dir: PathBuf,
        /// 覆盖已有的文件 / Overwrite existing files
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
#[command(after_help = ADMIN_AFTER_HELP, subcommand_help_heading = "命令 Commands")]
pub struct AdminArgs {
    /// 数据库文件（不存在时新建）/ The database file (created when missing)
    #[arg(long, value_name = "DB", required = true)]
    pub db: PathBuf,

    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// 添加机关，输出它的编号 / Add an organ; prints its id
    #[command(
        help_template = SUBCOMMAND_TEMPLATE,
        next_help_heading = "选项 Options",
        after_help = ADMIN_AFTER_HELP
    )]
    AddOrgan {
        /// 机关全称，与报告中的一致 / The organ's full name, as in its reports
        #[arg(value_name = "NAME", help_heading = "参数 Arguments")]
        name: String,

        /// 上级机关的名称（汇总时核对上级的报告与下级之和）/ The organ it reports to, by name (the roll-up sets its report against its children's sum)
        #[arg(long, value_name = "NAME")]
        parent: Option<String>,
    },

    /// 添加账号，密码从标准输入读取 / Add an account; the password is read from standard input
    #[command(
        help_template = SUBCOMMAND_TEMPLATE,
        next_help_heading = "选项 Options",
        after_help = ADMIN_AFTER_HELP
    )]
    AddUser {
        /// 登录名（字母、数字和 . _ - @）/ Login name (letters, digits and . _ - @)
        #[arg(value_name = "LOGIN", help_heading = "参数 Arguments")]
        login: String,

        /// 角色：admin（管理全部机关）或 clerk（只填本机关的报告）/ Role
        #[arg(long, value_enum, value_name = "ROLE", required = true)]
        role: RoleArg,

        /// 所在机关的名称（clerk 必须有）/ The account's organ, by name (required for a clerk)
        #[arg(long, value_name = "NAME")]
        organ: Option<String>,

        /// 从标准输入读取密码（第一行）；密码不写在命令行上 / Read the password from standard input (its first line)
        #[arg(long, required = true)]
        password_stdin: bool,
    },

    /// 备份数据库到 FILE，别的程序正在写时也可以 / Back up the database to FILE, also while it is written to
    #[command(
        help_template = SUBCOMMAND_TEMPLATE,
        next_help_heading = "选项 Options",
        after_help = ADMIN_AFTER_HELP
    )]
    Backup {
        /// 备份文件（已有时替换）/ The backup file (replaced when it exists)
        #[arg(value_name = "FILE", help_heading = "参数 Arguments")]
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
#[command(after_help = SERVE_AFTER_HELP)]
pub struct ServeArgs {
    /// 数据库文件（不存在时新建）/ The database file (created when missing)
    #[arg(long, value_name = "DB", default_value = "nianbao.db")]
    pub db: PathBuf,

    /// 监听的地址和端口；0.0.0.0:8080 让局域网内的电脑都能访问 / Address and port to listen on
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,

    #[command(flatten)]
    pub fonts: FontArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// 管理员：查看和填写全部机关的报告 / Administrator: every organ's reports
    Admin,
    /// 填报人员：只查看和填写本机关的报告 / Clerk: their own organ's reports only
    Clerk,
}

impl From<RoleArg> for crate::store::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => crate::store::Role::Admin,
            RoleArg::Clerk => crate::store::Role::Clerk,
        }
    }
}

#[derive(Debug, Args)]
#[command(after_help = CHECK_AFTER_HELP)]
pub struct CheckArgs {
    /// 数据文件（.toml、.json、.yaml），或数据文件所在的目录、Excel 工作簿、CSV（每行一份）/ Data files, or a directory, workbook or CSV file
    #[arg(required = true, value_name = "FILE", help_heading = "参数 Arguments")]
    pub files: Vec<PathBuf>,

    /// 上年的数据文件，用于跨年核对（只用于单个数据文件）/ Last year's data file, for cross-year checks
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,

    /// 读取工作簿中的这张工作表（默认第一张）/ Worksheet to read (default: the first)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// 输出格式：text 供人阅读，json、csv 供程序和表格（多份报告时每份一行）/ Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Text, value_name = "FORMAT")]
    pub format: OutputFormat,

    /// 有未接受的警告时也以退出码 1 结束 / Exit 1 on warnings that were not accepted, too
    #[arg(long)]
    pub strict: bool,

    /// 允许读取数据文件所在目录以外的印章图片（绝对路径、“..”、指向外面的链接）/ Read seal images from outside the data file's directory
    #[arg(long)]
    pub allow_seal_anywhere: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// 供人阅读的文字 / Text for people
    Text,
    /// 供程序读取的 JSON / JSON for programs
    Json,
    /// 每份报告一行的 CSV（UTF-8 带 BOM，Excel 可直接打开）/ One row per report, for spreadsheets
    Csv,
}
