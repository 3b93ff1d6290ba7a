//! Output file names: a pattern such as `{year}-{organ}` filled in per report, made safe for
//! every file system a county office may copy the reports to, and never used twice.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The placeholders a pattern may use.
pub const PLACEHOLDERS: [(&str, &str); 4] = [
    ("{year}", "报告年度"),
    ("{organ}", "机关全称"),
    ("{stem}", "数据文件名（不含扩展名），表格输入为表格文件名"),
    ("{row}", "表格行号，目录输入为序号"),
];

pub const DEFAULT_PATTERN: &str = "{year}-{organ}";

/// A checked name pattern.
#[derive(Debug, Clone)]
pub struct Pattern(String);

impl Pattern {
    /// Checks a pattern; a trailing `.pdf`, `.docx` or `.html` is dropped (each output adds its own).
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let mut text = text.trim();
        for ext in [".pdf", ".docx", ".html", ".PDF", ".DOCX", ".HTML"] {
            text = text.strip_suffix(ext).unwrap_or(text);
        }
        if text.is_empty() {
            return Err("文件名模板不能为空".into());
        }
        if text.contains(['/', '\\']) {
            return Err(format!(
                "文件名模板“{text}”不能含有 / 或 \\：所有报告写入同一个输出目录"
            ));
        }
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("文件名模板“{text}”中的 {{ 没有配对的 }}"))?;
            let name = &rest[open..open + close + 1];
            if !PLACEHOLDERS.iter().any(|(p, _)| *p == name) {
                let known: Vec<&str> = PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
                return Err(format!(
                    "文件名模板中的 {name} 不认识；可用：{}",
                    known.join("、")
                ));
            }
            rest = &rest[open + close + 1..];
        }
        Ok(Pattern(text.to_string()))
    }

    /// The pattern as checked (what a manifest records).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name for one report, without extension.
    pub fn fill(&self, year: Option<u16>, organ: &str, stem: &str, row: u32) -> String {
        let year = year.map_or_else(|| "年度不详".to_string(), |y| y.to_string());
        let organ = if organ.trim().is_empty() {
            "机关不详"
        } else {
            organ.trim()
        };
        let name = self
            .0
            .replace("{year}", &year)
            .replace("{organ}", organ)
            .replace("{stem}", stem)
            .replace("{row}", &row.to_string());
        safe_file_name(&name)
    }
}

impl Default for Pattern {
    fn default() -> Self {
        Pattern(DEFAULT_PATTERN.into())
    }
}

/// Longest name kept, in bytes: room for `-99.docx` and a temporary name within the 255 bytes
/// most file systems allow (a Chinese character takes 3).
const MAX_NAME_BYTES: usize = 200;

/// A name every common file system accepts and that reads as what it is: no path separators,
/// no characters Windows refuses, no control characters, no invisible formatting characters, no
/// leading or trailing dots and spaces, not a reserved device name.
pub fn safe_file_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .filter(|c| !invisible(*c))
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    if out.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    let out = out
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    if out.is_empty() {
        return "报告".into();
    }
    if reserved_on_windows(&out) {
        format!("_{out}")
    } else {
        out
    }
}

/// Characters that change how a name is shown without showing themselves: the bidirectional
/// controls (U+202E makes `2024-\u{202E}gpj.exe.pdf` look like `2024-fdp.exe.jpg`), zero-width
/// spaces and joiners, the word joiner and invisible operators, the byte order mark, the soft
/// hyphen, interlinear annotation marks and tag characters.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Windows' device names: CON, PRN, AUX, NUL, COM0–9 and LPT0–9 (the digits ¹ ² ³ too), and
/// CONIN$ and CONOUT$, in any case, whatever extension follows and with trailing spaces or dots
/// before it (`com1 .pdf` and `NUL.tar.gz` are devices as much as `NUL`).
fn reserved_on_windows(name: &str) -> bool {
    let base = name.split('.').next().unwrap_or("");
    let base = base.trim_end_matches([' ', '.']).to_ascii_uppercase();
    if matches!(
        base.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let mut chars = base.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let digit = chars.next();
    (prefix == "COM" || prefix == "LPT")
        && chars.next().is_none()
        && digit.is_some_and(|d| d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'))
}

/// Hands out names, adding `-2`, `-3`… when one is taken. Names differing only in case count as
/// the same: they would overwrite each other on Windows and macOS.
#[derive(Debug, Default)]
pub struct Names {
    taken: HashMap<String, usize>,
}

impl Names {
    /// A free name for `wanted`, and the index of the report that first had it, if taken.
    pub fn claim(&mut self, wanted: &str, index: usize) -> (String, Option<usize>) {
        let first = match self.taken.entry(wanted.to_lowercase()) {
            Entry::Vacant(slot) => {
                slot.insert(index);
                return (wanted.to_string(), None);
            }
            Entry::Occupied(slot) => *slot.get(),
        };
        for n in 2.. {
            let candidate = format!("{wanted}-{n}");
            if let Entry::Vacant(slot) = self.taken.entry(candidate.to_lowercase()) {
                slot.insert(index);
                return (candidate, Some(first));
            }
        }
        unreachable!("some numbered name is free")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_organ_name_becomes_a_safe_file_name() {
        let p = Pattern::default();
        assert_eq!(
            p.fill(Some(2024), "某镇人民政府", "", 3),
            "2024-某镇人民政府"
        );
        assert_eq!(
            p.fill(Some(2024), "A/B:C*D?\"E<F>G|H\tI", "", 3),
            "2024-A_B_C_D__E_F_G_H_I"
        );
        assert_eq!(safe_file_name(" ..报告.. "), "报告");
        assert_eq!(safe_file_name("CON"), "_CON");
        assert_eq!(safe_file_name("com1.x"), "_com1.x");
        assert_eq!(safe_file_name("COMMON"), "COMMON");
        assert_eq!(safe_file_name("COM10"), "COM10");
        assert_eq!(safe_file_name("LPT"), "LPT");
        assert_eq!(safe_file_name("..."), "报告");
        let long = "很长的机关名称".repeat(20);
        let safe = safe_file_name(&long);
        assert!(
            safe.len() <= MAX_NAME_BYTES && safe.starts_with("很长的"),
            "{safe}"
        );
    }

    #[test]
    fn invisible_characters_are_dropped() {
        let p = Pattern::default();
        // Right-to-left override: would show as 2024-fdp.exe.jpg.
        assert_eq!(p.fill(Some(2024), "\u{202E}gpj.exe", "", 1), "2024-gpj.exe");
        assert_eq!(
            safe_file_name("某\u{200B}镇\u{200D}人民\u{FEFF}政府\u{2066}\u{2069}\u{00AD}"),
            "某镇人民政府"
        );
        // Nothing left to hide behind.
        assert_eq!(safe_file_name("\u{200B}\u{202E}"), "报告");
        assert_eq!(safe_file_name("C\u{200B}ON"), "_CON");
    }

    #[test]
    fn every_windows_device_name_is_escaped() {
        for name in [
            "CON",
            "prn",
            "Aux",
            "nul",
            "COM0",
            "com9",
            "LPT1",
            "COM¹",
            "com²",
            "LPT³",
            "CONIN$",
            "conout$",
            "NUL.tar.gz",
            "com1 .pdf",
            "CON . x",
            "Lpt¹.docx",
        ] {
            assert_eq!(safe_file_name(name), format!("_{name}"), "{name}");
        }
        // Trailing dots and spaces go; what is left is still a device.
        assert_eq!(safe_file_name("AUX. ."), "_AUX");
        for name in [
            "CONSOLE",
            "COM",
            "COM¹0",
            "LPT⁴",
            "NULL",
            "AUXILIARY.pdf",
            "x.CON",
        ] {
            assert_eq!(safe_file_name(name), name, "{name}");
        }
    }

    #[test]
    fn patterns_are_checked() {
        assert_eq!(
            Pattern::parse("{year}-{organ}.pdf").unwrap().0,
            "{year}-{organ}"
        );
        assert!(Pattern::parse("{organ}/{year}").unwrap_err().contains("/"));
        assert!(Pattern::parse("{yaer}").unwrap_err().contains("{yaer}"));
        assert!(Pattern::parse("{year").unwrap_err().contains("配对"));
        let p = Pattern::parse("{stem}-第{row}行").unwrap();
        assert_eq!(p.fill(None, "", "county", 5), "county-第5行");
    }

    #[test]
    fn a_taken_name_gets_a_number() {
        let mut names = Names::default();
        assert_eq!(names.claim("2024-某镇", 0), ("2024-某镇".into(), None));
        assert_eq!(names.claim("2024-某镇", 4), ("2024-某镇-2".into(), Some(0)));
        assert_eq!(names.claim("2024-Town", 5), ("2024-Town".into(), None));
        assert_eq!(names.claim("2024-TOWN", 6), ("2024-TOWN-2".into(), Some(5)));
        assert_eq!(names.claim("2024-某镇", 7), ("2024-某镇-3".into(), Some(0)));
    }
}
