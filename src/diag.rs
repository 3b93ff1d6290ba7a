//! Diagnostics: what every stage reports to the user.
//!
//! A diagnostic names where the problem is (file, line, column), which field it is about (the
//! English key and its Chinese label), which rule it broke and what to do, in Chinese for the
//! clerk who reads it. The same value prints as one text line or serialises to JSON.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warning => "警告",
            Severity::Error => "错误",
        }
    }
}

/// Where a value sits in its source: a file position, or a spreadsheet cell.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file name as the user gave it (or a workbook name).
    pub file: String,
    /// 1-based line (or spreadsheet row); `None` for the whole file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, counted in characters (or the spreadsheet column number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The worksheet, for spreadsheet input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

impl Location {
    pub fn file(file: &str) -> Self {
        Location {
            file: file.to_string(),
            line: None,
            column: None,
            sheet: None,
        }
    }

    pub fn at(file: &str, pos: Pos) -> Self {
        Location {
            file: file.to_string(),
            line: Some(pos.line),
            column: Some(pos.column),
            sheet: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.sheet, self.line, self.column) {
            // A CSV file has no sheet name.
            (Some(sheet), Some(row), Some(col)) if sheet.is_empty() => {
                write!(f, "{} 第{}行 {}列", self.file, row, column_letters(col))
            }
            (Some(sheet), Some(row), None) if sheet.is_empty() => {
                write!(f, "{} 第{}行", self.file, row)
            }
            (Some(sheet), Some(row), Some(col)) => {
                write!(
                    f,
                    "{}「{}」第{}行 {}列",
                    self.file,
                    sheet,
                    row,
                    column_letters(col)
                )
            }
            (Some(sheet), Some(row), None) => write!(f, "{}「{}」第{}行", self.file, sheet, row),
            (_, Some(line), Some(col)) => write!(f, "{}:{}:{}", self.file, line, col),
            (_, Some(line), None) => write!(f, "{}:{}", self.file, line),
            _ => write!(f, "{}", self.file),
        }
    }
}

/// Spreadsheet column name for a 1-based column number: 1 → A, 27 → AA.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    while col > 0 {
        let rem = (col - 1) % 26;
        out.push(b'A' + rem as u8);
        col = (col - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A 1-based position in a text source, column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// Which rule a diagnostic reports. The code (`row-total`, …) is stable: programs match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    // Reading and parsing the file.
    Unreadable,
    Encoding,
    FileTooLarge,
    EmptyFile,
    Syntax,
    // Shape and types of values.
    UnknownKey,
    MissingField,
    WrongType,
    Negative,
    NotInteger,
    TooLarge,
    RowLength,
    YearRange,
    EmptyText,
    BadDecimal,
    BadDate,
    BadFormat,
    BadPostcode,
    BadCharacter,
    // Consistency (docs/format-2021.md §6).
    Balance,
    ResultsTotal,
    RowTotal,
    GroupTotal,
    CarryOver,
    InForce,
    ZeroRows,
    PreviousYear,
    // Templates and narrative text.
    Template,
    Placeholder,
    // Fonts, layout and output.
    Font,
    MissingGlyph,
    Layout,
    Seal,
    Output,
    // Batch input and output.
    Header,
    DuplicateName,
    // Hostile or runaway input.
    Limit,
    // The command line itself.
    Usage,
    // Reading a report made elsewhere (`import`).
    Import,
    // What assessors check beyond the arithmetic.
    SignatureDate,
    ProseFigure,
    YearChange,
    CopiedText,
    Improvements,
    FeeStatement,
    OldFormat,
    Period,
    // A `[[check.accept]]` entry of the data file.
    Acceptance,
}

impl Rule {
    /// Every rule, for documentation checks (keep in step with the enum).
    pub const ALL: [Rule; 48] = {
        use Rule::*;
        [
            Unreadable,
            Encoding,
            FileTooLarge,
            EmptyFile,
            Syntax,
            UnknownKey,
            MissingField,
            WrongType,
            Negative,
            NotInteger,
            TooLarge,
            RowLength,
            YearRange,
            EmptyText,
            BadDecimal,
            BadDate,
            BadFormat,
            BadPostcode,
            BadCharacter,
            Balance,
            ResultsTotal,
            RowTotal,
            GroupTotal,
            CarryOver,
            InForce,
            ZeroRows,
            PreviousYear,
            Template,
            Placeholder,
            Font,
            MissingGlyph,
            Layout,
            Seal,
            Output,
            Header,
            DuplicateName,
            Limit,
            Usage,
            Import,
            SignatureDate,
            ProseFigure,
            YearChange,
            CopiedText,
            Improvements,
            FeeStatement,
            OldFormat,
            Period,
            Acceptance,
        ]
    };

    /// The rule with this code (`row-total`), as a data file's `[[check.accept]]` names it.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// When a rule can be judged: a finding cannot be called gone by a run that never looked
    /// for it.
    pub fn stage(self) -> Stage {
        use Rule::*;
        match self {
            CarryOver | InForce | PreviousYear | YearChange | CopiedText => Stage::Previous,
            Font | MissingGlyph | Layout | Output | DuplicateName => Stage::Output,
            _ => Stage::Data,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Rule::Unreadable => "unreadable",
            Rule::Encoding => "encoding",
            Rule::FileTooLarge => "file-too-large",
            Rule::EmptyFile => "empty-file",
            Rule::Syntax => "syntax",
            Rule::UnknownKey => "unknown-key",
            Rule::MissingField => "missing-field",
            Rule::WrongType => "wrong-type",
            Rule::Negative => "negative",
            Rule::NotInteger => "not-integer",
            Rule::TooLarge => "too-large",
            Rule::RowLength => "row-length",
            Rule::YearRange => "year-range",
            Rule::EmptyText => "empty-text",
            Rule::BadDecimal => "bad-decimal",
            Rule::BadDate => "bad-date",
            Rule::BadFormat => "bad-format",
            Rule::BadPostcode => "bad-postcode",
            Rule::BadCharacter => "bad-character",
            Rule::Balance => "balance",
            Rule::ResultsTotal => "results-total",
            Rule::RowTotal => "row-total",
            Rule::GroupTotal => "group-total",
            Rule::CarryOver => "carry-over",
            Rule::InForce => "in-force",
            Rule::ZeroRows => "zero-rows",
            Rule::PreviousYear => "previous-year",
            Rule::Template => "template",
            Rule::Placeholder => "placeholder",
            Rule::Font => "font",
            Rule::MissingGlyph => "missing-glyph",
            Rule::Layout => "layout",
            Rule::Seal => "seal",
            Rule::Output => "output",
            Rule::Header => "header",
            Rule::DuplicateName => "duplicate-name",
            Rule::Limit => "limit",
            Rule::Usage => "usage",
            Rule::Import => "import",
            Rule::SignatureDate => "signature-date",
            Rule::ProseFigure => "prose-figure",
            Rule::YearChange => "year-change",
            Rule::CopiedText => "copied-text",
            Rule::Improvements => "improvements",
            Rule::FeeStatement => "fee-statement",
            Rule::OldFormat => "old-format",
            Rule::Period => "period",
            Rule::Acceptance => "acceptance",
        }
    }
}

/// What a rule needs to be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The report alone: what `check` does.
    Data,
    /// Last year's report too (`check --previous`).
    Previous,
    /// Fonts and layout: what `render` and `batch` do.
    Output,
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub rule: Rule,
    /// Boxed: it is the largest part, and a small `Diagnostic` is cheap to return in `Err`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Box<Location>>,
    /// The English key path, e.g. `applications.granted.natural_person`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The Chinese label of the field (this and `accepted` are `Box<str>`: a small
    /// `Diagnostic` is cheap to return in `Err`), e.g. `三（一）予以公开 · 自然人`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Box<str>>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The reason given in the data file's `[[check.accept]]` when the clerk confirmed that
    /// this finding is right in fact: it then no longer counts as a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<Box<str>>,
}

impl Diagnostic {
    pub fn new(severity: Severity, rule: Rule, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            rule,
            location: None,
            key: None,
            label: None,
            message: message.into(),
            hint: None,
            accepted: None,
        }
    }

    pub fn error(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, message)
    }

    pub fn warning(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, message)
    }

    pub fn info(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, rule, message)
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    pub fn field(mut self, key: impl Into<String>, label: impl Into<String>) -> Self {
        self.key = Some(key.into());
        let label = label.into();
        self.label = (!label.is_empty()).then(|| label.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A warning that has not been accepted: what `--strict` refuses.
    pub fn is_open_warning(&self) -> bool {
        self.severity == Severity::Warning && self.accepted.is_none()
    }
}

/// `file:line:col 错误 key（label）: message [rule]`, then the hint on its own line.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc} ")?;
        }
        f.write_str(self.severity.zh())?;
        if self.accepted.is_some() {
            f.write_str("（已接受）")?;
        }
        match (&self.key, &self.label) {
            (Some(key), Some(label)) => write!(f, " {key}（{label}）")?,
            (Some(key), None) => write!(f, " {key}")?,
            (None, Some(label)) => write!(f, " {label}")?,
            (None, None) => {}
        }
        write!(f, ": {} [{}]", self.message, self.rule.code())?;
        match (&self.accepted, &self.hint) {
            (Some(reason), _) => write!(f, "\n    接受理由：{reason}")?,
            (None, Some(hint)) => write!(f, "\n    提示：{hint}")?,
            (None, None) => {}
        }
        Ok(())
    }
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// Counts for summaries: errors, warnings not accepted, and findings accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
    pub accepted: usize,
}

impl Tally {
    pub fn of(diags: &[Diagnostic]) -> Tally {
        let count = |f: fn(&Diagnostic) -> bool| diags.iter().filter(|d| f(d)).count();
        Tally {
            errors: count(Diagnostic::is_error),
            warnings: count(Diagnostic::is_open_warning),
            accepted: count(|d| d.accepted.is_some()),
        }
    }
}

impl std::ops::Add for Tally {
    type Output = Tally;

    fn add(self, other: Tally) -> Tally {
        Tally {
            errors: self.errors + other.errors,
            warnings: self.warnings + other.warnings,
            accepted: self.accepted + other.accepted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_key_label_rule_and_hint() {
        let d = Diagnostic::error(Rule::Negative, "件数不能为负数，实际为 -1")
            .at(Location::at(
                "yimianpo.toml",
                Pos {
                    line: 48,
                    column: 18,
                },
            ))
            .field("applications.granted", "三（一）予以公开")
            .hint("把 -1 改为 0 或正整数");
        assert_eq!(
            d.to_string(),
            "yimianpo.toml:48:18 错误 applications.granted（三（一）予以公开）: 件数不能为负数，实际为 -1 [negative]\n    提示：把 -1 改为 0 或正整数"
        );
    }

    #[test]
    fn every_rule_is_documented_once_in_the_list() {
        let doc = include_str!("../docs/data-format.md");
        let mut seen = std::collections::HashSet::new();
        for rule in Rule::ALL {
            assert!(
                seen.insert(rule.code()),
                "{} twice in Rule::ALL",
                rule.code()
            );
            assert!(
                doc.contains(&format!("`{}`", rule.code())),
                "docs/data-format.md lacks the rule `{}`",
                rule.code()
            );
        }
    }

    #[test]
    fn spreadsheet_locations_use_cell_names() {
        let loc = Location {
            file: "county.xlsx".into(),
            line: Some(7),
            column: Some(28),
            sheet: Some("报表".into()),
        };
        assert_eq!(loc.to_string(), "county.xlsx「报表」第7行 AB列");
        let csv = Location {
            sheet: Some(String::new()),
            file: "county.csv".into(),
            ..loc
        };
        assert_eq!(csv.to_string(), "county.csv 第7行 AB列");
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(52), "AZ");
    }
}
