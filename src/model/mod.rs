//! The report data (data-format.md): types, decoding from TOML/JSON/YAML, and validation.
//!
//! `load` turns a file's text into a [`Report`] plus diagnostics. Every total (each row's 总计,
//! （七）总计, each group's 总计 in table 四) is computed here; totals given in the input are only
//! compared with the computed ones, never used.

pub mod accept;
pub mod chars;
mod content;
mod decode;
pub mod numerals;
mod previous;
mod prose;
pub mod schema;
pub mod tree;
mod validate;
mod write;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::diag::{Diagnostic, Pos};
use crate::limits;
pub use decode::MAX_COUNT;
pub use previous::compare_with_previous;
pub use schema::{APPLICANT_COLUMNS, APPLICATION_ROWS_2021, RowRole, RowSpec};
pub use tree::Syntax;
pub(crate) use write::string as toml_string;
pub use write::{to_json, to_toml};

/// Which official format a report follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// 国办公开办函〔2021〕30号, for reports on 2021 and later.
    #[default]
    Y2021,
}

impl Format {
    pub fn code(self) -> &'static str {
        match self {
            Format::Y2021 => "2021",
        }
    }

    /// The rows of table 三 in this format.
    pub fn application_rows(self) -> &'static [RowSpec] {
        match self {
            Format::Y2021 => &APPLICATION_ROWS_2021,
        }
    }

    /// The reporting years this format may be used for.
    pub fn years(self) -> std::ops::RangeInclusive<i64> {
        match self {
            Format::Y2021 => 2021..=2100,
        }
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// A validated report. Built only by [`load`], so its totals are always the computed ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub format: Format,
    pub organ: String,
    pub year: u16,
    pub contact: Contact,
    /// The 落款, when the data file has a `[signature]` table.
    pub signature: Option<Signature>,
    pub text: Narrative,
    pub active_disclosure: ActiveDisclosure,
    pub applications: Applications,
    pub review_litigation: ReviewLitigation,
    /// The findings the clerk confirmed (`[[check.accept]]`).
    pub acceptances: Vec<accept::Acceptance>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Contact {
    pub website: Option<String>,
    pub website_name: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Contact {
    /// The data file's keys of the contact details, in its order.
    pub const KEYS: [&'static str; 6] = [
        "website",
        "website_name",
        "address",
        "postcode",
        "phone",
        "email",
    ];

    /// The contact details by key, in the data file's order.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 6] {
        let values = [
            &self.website,
            &self.website_name,
            &self.address,
            &self.postcode,
            &self.phone,
            &self.email,
        ];
        let mut i = 0;
        values.map(|v| {
            i += 1;
            (Self::KEYS[i - 1], v)
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    /// The signing organ: `signature.organ`, or the report's organ when absent.
    pub organ: String,
    pub date: Option<Date>,
    /// The seal image path as written, relative to the data file.
    pub seal: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Narrative {
    pub preamble: Option<String>,
    pub overview: String,
    pub problems: String,
    pub other: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActiveDisclosure {
    pub regulations: DocumentCounts,
    pub normative_documents: DocumentCounts,
    pub licensing_decisions: u64,
    pub penalty_decisions: u64,
    pub coercion_decisions: u64,
    pub fees_10k_yuan: Decimal,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DocumentCounts {
    pub issued: u64,
    pub repealed: u64,
    pub in_force: u64,
}

/// A non-negative decimal kept exactly as written (`96171.6`, `24252.311082`, `0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Decimal(String);

impl Default for Decimal {
    fn default() -> Self {
        Decimal("0".into())
    }
}

impl Decimal {
    /// Accepts plain decimal notation only: digits, optionally a point and more digits.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (digits(int) && frac.is_none_or(digits)).then(|| Decimal(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A calendar date, printed the official way: `2022年1月20日`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }

    /// `2022-01-20` or `2022年1月20日`.
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let parts: Vec<&str> = if let Some(rest) = text.strip_suffix('日') {
            rest.split(['年', '月']).collect()
        } else {
            text.split('-').collect()
        };
        let [y, m, d] = parts.as_slice() else {
            return None;
        };
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
    pub fn from_unix_days(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(u16::try_from(year).ok()?, month, day)
    }

    /// Days from 1970-01-01 to this date: the inverse of [`Date::from_unix_days`].
    pub fn to_unix_days(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}年{}月{}日", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The six applicant columns of one row of table 三.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplicantCounts(pub [u64; 6]);

impl ApplicantCounts {
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Column `c` of the printed table: 0..6 are the applicants, 6 is 总计.
    pub fn column(&self, c: usize) -> u64 {
        if c < 6 { self.0[c] } else { self.total() }
    }
}

impl Serialize for ApplicantCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(7))?;
        for (c, (key, _)) in APPLICANT_COLUMNS.iter().enumerate() {
            map.serialize_entry(key, &self.column(c))?;
        }
        map.end()
    }
}

/// Table 三: one [`ApplicantCounts`] per row of the format, （七）总计 computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Applications {
    format: Format,
    rows: Vec<ApplicantCounts>,
}

impl Applications {
    /// Builds the table from the input rows (in `format.application_rows()` order); whatever
    /// stands in the results-total row is replaced by the sum of the items.
    pub fn new(format: Format, mut rows: Vec<ApplicantCounts>) -> Applications {
        let specs = format.application_rows();
        rows.resize(specs.len(), ApplicantCounts::default());
        let mut sum = ApplicantCounts::default();
        for (spec, row) in specs.iter().zip(&rows) {
            if spec.role == RowRole::Item {
                for c in 0..6 {
                    sum.0[c] += row.0[c];
                }
            }
        }
        for (spec, row) in specs.iter().zip(rows.iter_mut()) {
            if spec.role == RowRole::ResultsTotal {
                *row = sum;
            }
        }
        Applications { format, rows }
    }

    pub fn rows(&self) -> impl Iterator<Item = (&'static RowSpec, &ApplicantCounts)> {
        self.format.application_rows().iter().zip(&self.rows)
    }

    pub fn get(&self, key: &str) -> Option<&ApplicantCounts> {
        self.rows().find(|(s, _)| s.key == key).map(|(_, r)| r)
    }

    /// The first row playing `role` (every role but `Item` has exactly one row).
    pub fn by_role(&self, role: RowRole) -> &ApplicantCounts {
        self.rows()
            .find(|(s, _)| s.role == role)
            .map(|(_, r)| r)
            .expect("every format has one row per non-item role")
    }
}

impl Serialize for Applications {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.rows.len()))?;
        for (spec, row) in self.rows() {
            map.serialize_entry(spec.key, row)?;
        }
        map.end()
    }
}

/// One group of table 四.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub upheld: u64,
    pub corrected: u64,
    pub other: u64,
    pub pending: u64,
}

impl Outcomes {
    pub fn total(&self) -> u64 {
        self.upheld + self.corrected + self.other + self.pending
    }

    /// The five printed columns: 结果维持, 结果纠正, 其他结果, 尚未审结, 总计.
    pub fn columns(&self) -> [u64; 5] {
        [
            self.upheld,
            self.corrected,
            self.other,
            self.pending,
            self.total(),
        ]
    }
}

impl Serialize for Outcomes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(5))?;
        for ((key, _), value) in schema::OUTCOME_FIELDS.iter().zip(self.columns()) {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewLitigation {
    pub administrative_review: Outcomes,
    pub litigation_direct: Outcomes,
    pub litigation_after_review: Outcomes,
}

impl ReviewLitigation {
    pub fn groups(&self) -> [&Outcomes; 3] {
        [
            &self.administrative_review,
            &self.litigation_direct,
            &self.litigation_after_review,
        ]
    }

    /// Both litigation groups added: the 行政诉讼 figure reports quote in their text.
    pub fn litigation_total(&self) -> Outcomes {
        let (a, b) = (&self.litigation_direct, &self.litigation_after_review);
        Outcomes {
            upheld: a.upheld + b.upheld,
            corrected: a.corrected + b.corrected,
            other: a.other + b.other,
            pending: a.pending + b.pending,
        }
    }
}

impl Serialize for ReviewLitigation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        for ((key, _), group) in schema::REVIEW_GROUPS.iter().zip(self.groups()) {
            map.serialize_entry(key, group)?;
        }
        map.serialize_entry("litigation_total", &self.litigation_total())?;
        map.end()
    }
}

/// Where each value came from, and what the file claimed for the totals it may state.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    /// File name as the user gave it.
    pub file: String,
    /// The worksheet, when the report is a row of a workbook (positions are then cells:
    /// line = row, column = column); `Some("")` for a CSV file.
    pub sheet: Option<String>,
    /// Position of each value by key path (`applications.granted.natural_person`).
    pub positions: HashMap<String, Pos>,
    /// Key paths whose values were rejected; rules that involve them are not checked.
    pub invalid: HashSet<String>,
    /// Totals the file stated (`applications.granted.total`, `review_litigation.x.total`,
    /// `applications.results_total.natural_person`), to be checked against the computed ones.
    pub stated_totals: Vec<(String, u64)>,
    /// Rows of table 三 that were absent and taken as zero.
    pub absent_rows: Vec<&'static str>,
}

impl SourceMap {
    pub fn pos(&self, path: &str) -> Option<Pos> {
        self.positions.get(path).copied()
    }

    /// The location of a key path, or of its nearest parent that has one.
    pub fn location(&self, path: &str) -> crate::diag::Location {
        let mut p = path;
        loop {
            if let Some(pos) = self.pos(p) {
                return self.at(pos);
            }
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => {
                    let mut whole = crate::diag::Location::file(&self.file);
                    whole.sheet = self.sheet.clone();
                    return whole;
                }
            }
        }
    }

    /// A position of this source as a location (a cell, for workbook rows).
    pub fn at(&self, pos: Pos) -> crate::diag::Location {
        let mut location = crate::diag::Location::at(&self.file, pos);
        location.sheet = self.sheet.clone();
        location
    }

    /// The location of `line`:`column` (1-based, column in characters) within the text value at
    /// `path`: exact in a multi-line text as written, where each line of the text is a line of
    /// the file; in a one-line text, exact up to the first escape (`\n`, `\u0001`) before it. A
    /// cell of a workbook is the cell (the message says which line of it).
    pub fn in_text(&self, path: &str, line: usize, column: usize) -> crate::diag::Location {
        match self.pos(path) {
            Some(cell) if self.is_table() => self.at(cell),
            Some(start) if line <= 1 => self.at(Pos {
                line: start.line,
                column: start.column + column as u32 - 1,
            }),
            Some(start) => self.at(Pos {
                line: start.line + line as u32 - 1,
                column: column as u32,
            }),
            None => self.location(path),
        }
    }

    /// Whether positions are cells of a workbook or CSV file rather than places in a text.
    pub fn is_table(&self) -> bool {
        self.sheet.is_some()
    }
}

/// A report as loaded: the data (if it could be decoded at all), where it came from, and every
/// diagnostic found on the way. `report` is `Some` whenever the file parsed; it is only fit to
/// render when `diagnostics` holds no error.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub report: Option<Report>,
    pub source: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        crate::diag::has_errors(&self.diagnostics)
    }

    /// Whether the text could not even be parsed (as opposed to parsed with errors).
    pub fn is_unparseable(&self) -> bool {
        self.report.is_none()
    }
}

/// Parses and validates a report from text. `file` is the name used in diagnostics.
pub fn load(file: &str, text: &str, syntax: Syntax) -> Loaded {
    let source = SourceMap {
        file: file.to_string(),
        ..SourceMap::default()
    };
    if text.trim().is_empty() {
        let d = Diagnostic::error(crate::diag::Rule::EmptyFile, "文件是空的，没有任何数据")
            .at(crate::diag::Location::file(file))
            .hint("从 samples/ 里复制一份样例，改成本机关的数据");
        return Loaded {
            report: None,
            source,
            diagnostics: vec![d],
        };
    }
    // Text that did not come through `disk::read_data_file` (data embedded in a PDF) is held to
    // the same size.
    if text.len() as u64 > limits::DATA_FILE_BYTES {
        let d = limits::error(
            "数据文件的大小",
            "data_file_bytes",
            limits::show_bytes(limits::DATA_FILE_BYTES),
            format!("有 {}", limits::show_bytes(text.len() as u64)),
        )
        .at(crate::diag::Location::file(file))
        .hint("一份报告的数据只有几 KB；确认选对了文件");
        return Loaded {
            report: None,
            source,
            diagnostics: vec![d],
        };
    }
    let root = match tree::parse(text, syntax) {
        Ok(root) => root,
        Err(e) => {
            let location = match e.pos {
                Some(pos) => crate::diag::Location::at(file, pos),
                None => crate::diag::Location::file(file),
            };
            let hint = e
                .hint
                .unwrap_or_else(|| format!("按 {} 语法改正这一处，再重新检查", syntax.name()));
            let mut d = Diagnostic::error(e.rule, e.message).at(location).hint(hint);
            if let Some(key) = e.key {
                let label = schema::label(&key);
                d = d.field(key, label);
            }
            return Loaded {
                report: None,
                source,
                diagnostics: vec![d],
            };
        }
    };
    from_tree(source, &root)
}

/// Decodes and validates a report already parsed into a tree (from a text file, or from a row
/// of a workbook, whose `source` then names the sheet and may hold the cells' positions).
pub fn from_tree(mut source: SourceMap, root: &tree::Node) -> Loaded {
    let (report, mut diagnostics) = decode::decode(root, &mut source);
    diagnostics.extend(validate::validate(&report, &source));
    sort(&mut diagnostics);
    Loaded {
        report: Some(report),
        source,
        diagnostics,
    }
}

/// Orders diagnostics by position in the file, so they read top to bottom.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (l.line.unwrap_or(0), l.column.unwrap_or(0)))
        };
        key(a).cmp(&key(b))
    });
}
