//! Tree → [`Report`]: types, ranges, required and unknown keys.
//!
//! Every problem becomes a diagnostic and decoding goes on, with 0 (or an empty text) in place of
//! a rejected value, so one pass shows the clerk everything that is wrong. Rejected keys are
//! recorded in the [`SourceMap`] so that consistency rules do not pile up on them.

use super::accept::Acceptance;
use super::chars::{self, Class};
use super::schema::{self, APPLICANT_COLUMNS, Field, Kind, OUTCOME_FIELDS};
use super::tree::{Entry, Node, Value};
use super::{
    ActiveDisclosure, ApplicantCounts, Applications, Contact, Date, Decimal, DocumentCounts,
    Format, Narrative, Outcomes, Report, ReviewLitigation, RowRole, Signature, SourceMap,
};
use crate::diag::{Diagnostic, Pos, Rule, Severity};
use crate::limits::{
    self, FEE_FRACTION_DIGITS, FEE_INTEGER_DIGITS, NARRATIVE_CHARS, ORGAN_CHARS, TEXT_CHARS,
};

/// The largest count accepted: ten digits is more than any organ handles in a year, and keeps
/// every figure printable in its table cell.
pub const MAX_COUNT: u64 = 9_999_999_999;

pub(super) fn decode(root: &Node, source: &mut SourceMap) -> (Report, Vec<Diagnostic>) {
    let mut d = Decoder {
        source,
        diags: Vec::new(),
    };
    let report = d.report(root);
    (report, d.diags)
}

struct Decoder<'s> {
    source: &'s mut SourceMap,
    diags: Vec<Diagnostic>,
}

/// A table of the input, checked against its schema fields.
struct Table<'n> {
    path: String,
    entries: &'n [Entry],
}

impl<'n> Table<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
            .filter(|n| n.value != Value::Null)
    }

    fn child(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Decoder<'_> {
    fn report_at(
        &mut self,
        severity: Severity,
        rule: Rule,
        path: &str,
        message: String,
    ) -> &mut Diagnostic {
        let location = self.source.location(path);
        let diag = Diagnostic::new(severity, rule, message)
            .at(location)
            .field(path, schema::label(path));
        self.diags.push(diag);
        self.diags.last_mut().expect("just pushed")
    }

    fn error(&mut self, rule: Rule, path: &str, message: String) -> &mut Diagnostic {
        self.source.invalid.insert(path.to_string());
        self.report_at(Severity::Error, rule, path, message)
    }

    fn place(&mut self, path: &str, pos: Pos) {
        self.source.positions.insert(path.to_string(), pos);
    }

    /// Opens `node` as the table at `path`: reports a wrong type, unknown keys (with the nearest
    /// valid one) and missing required keys.
    fn table<'n>(&mut self, node: &'n Node, path: &str, fields: &[Field]) -> Option<Table<'n>> {
        self.place(path, node.pos);
        let Value::Table(entries) = &node.value else {
            let got = node.value.kind_zh();
            self.error(
                Rule::WrongType,
                path,
                format!("应为一个表（键值对），实际为{got}"),
            );
            return None;
        };
        for e in entries {
            if !fields.iter().any(|f| f.key == e.key) {
                self.unknown_key(path, e, fields);
            }
        }
        let table = Table {
            path: path.to_string(),
            entries,
        };
        for f in fields.iter().filter(|f| f.required) {
            if table.get(f.key).is_none() {
                let child = table.child(f.key);
                let what = match f.kind {
                    Kind::Table(_) | Kind::Section(_) => format!("缺少必填的表 [{child}]"),
                    _ => format!("缺少必填字段 {}", f.key),
                };
                self.error(Rule::MissingField, &child, what);
            }
        }
        Some(table)
    }

    fn unknown_key(&mut self, path: &str, e: &Entry, fields: &[Field]) {
        let full = join(path, &e.key);
        self.place(&full, e.key_pos);
        let nearest = fields
            .iter()
            .map(|f| (strsim::levenshtein(&e.key, f.key), f))
            .filter(|(d, f)| *d <= (f.key.chars().count() / 3).max(2))
            .min_by_key(|(d, _)| *d)
            .map(|(_, f)| f);
        let diag = self.error(
            Rule::UnknownKey,
            &full,
            format!("未知字段 \"{}\"", shown(&e.key)),
        );
        diag.label = None;
        if let Some(f) = nearest {
            let suggestion = join(path, f.key);
            diag.message = format!("未知字段 \"{}\"，是否应为 \"{}\"？", shown(&e.key), f.key);
            diag.hint = Some(format!("{suggestion} 是「{}」", schema::label(&suggestion)));
        } else if let Some(home) = section_of(&e.key) {
            diag.message = format!("字段 \"{}\" 不应写在这里", shown(&e.key));
            diag.hint = Some(format!(
                "它属于 [{home}] 表：{}",
                schema::label(&join(home, &e.key))
            ));
        } else {
            let keys: Vec<&str> = fields.iter().map(|f| f.key).collect();
            diag.hint = Some(format!("这里可用的字段：{}", keys.join("、")));
        }
    }

    fn report(&mut self, root: &Node) -> Report {
        let table = self.table(root, "", schema::REPORT);
        let Some(t) = table else {
            return empty_report();
        };
        let format = self.format(&t);
        let organ = self.organ(&t);
        let year = self.year(&t, format);
        let contact = match t.get("contact") {
            Some(n) => self.contact(n),
            None => Contact::default(),
        };
        let signature = self.signature(t.get("signature"), &organ);
        let text = self.narrative(t.get("text"));
        let active_disclosure = self.active_disclosure(t.get("active_disclosure"));
        let applications = self.applications(t.get("applications"), format);
        let review_litigation = self.review_litigation(t.get("review_litigation"));
        let acceptances = match t.get("check") {
            Some(node) => self.check(node),
            None => Vec::new(),
        };
        Report {
            format,
            organ,
            year,
            contact,
            signature,
            text,
            active_disclosure,
            applications,
            review_litigation,
            acceptances,
        }
    }

    /// `[check]`: the findings the clerk accepted, `[[check.accept]]`.
    fn check(&mut self, node: &Node) -> Vec<Acceptance> {
        let Some(t) = self.table(node, "check", lookup_children("check")) else {
            return Vec::new();
        };
        let Some(node) = t.get("accept") else {
            return Vec::new();
        };
        let path = t.child("accept");
        self.place(&path, node.pos);
        let Value::Array(items) = &node.value else {
            let got = node.value.kind_zh();
            self.error(
                Rule::WrongType,
                &path,
                format!("应为表的数组（TOML 中每一条写作 [[check.accept]]），实际为{got}"),
            )
            .hint = Some(ACCEPT_HINT.into());
            return Vec::new();
        };
        let fields = lookup_children(&path);
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let entry = format!("{path}.{}", i + 1);
            let Some(t) = self.table(item, &entry, fields) else {
                continue;
            };
            let reason = self.text(&t, "reason").map(|r| r.trim().to_string());
            let field = self.text(&t, "field").map(|f| f.trim().to_string());
            let Some(code) = self.text(&t, "rule") else {
                continue;
            };
            let Some(rule) = Rule::from_code(code.trim()) else {
                let rule_path = t.child("rule");
                let nearest = Rule::ALL
                    .iter()
                    .map(|r| (strsim::levenshtein(code.trim(), r.code()), r.code()))
                    .filter(|(d, c)| *d <= (c.len() / 3).max(2))
                    .min_by_key(|(d, _)| *d);
                self.error(
                    Rule::Acceptance,
                    &rule_path,
                    format!("没有名为“{}”的规则", shown(&code)),
                )
                .hint = Some(match nearest {
                    Some((_, c)) => format!("是否应为 \"{c}\"？规则名见 docs/data-format.md"),
                    None => "写 check 报出的规则名，如 year-change；见 docs/data-format.md".into(),
                });
                continue;
            };
            match reason {
                Some(reason) if !reason.is_empty() => out.push(Acceptance {
                    rule,
                    field: field.filter(|f| !f.is_empty()),
                    reason,
                    path: entry,
                }),
                // A missing reason is already reported as a missing field.
                None => {}
                Some(_) => {
                    self.error(
                        Rule::Acceptance,
                        &t.child("reason"),
                        "接受一个发现必须写明理由".into(),
                    )
                    .hint = Some(ACCEPT_HINT.into());
                }
            }
        }
        out
    }

    fn format(&mut self, t: &Table) -> Format {
        let Some(node) = t.get("format") else {
            return Format::default();
        };
        self.place("format", node.pos);
        let code = match &node.value {
            Value::String(s) => s.trim().to_string(),
            Value::Number { text, .. } => text.clone(),
            other => other.kind_zh().to_string(),
        };
        if code == Format::Y2021.code() {
            return Format::Y2021;
        }
        self.error(
            Rule::BadFormat,
            "format",
            format!(
                "不支持的报告格式 \"{}\"，目前只支持 \"2021\"（国办公开办函〔2021〕30号）",
                shown(&code)
            ),
        )
        .hint = Some("删去 format 一行即用 2021 格式".into());
        Format::default()
    }

    fn organ(&mut self, t: &Table) -> String {
        let organ = self.text(t, "organ").unwrap_or_default();
        if t.get("organ").is_some()
            && organ.trim().is_empty()
            && !self.source.invalid.contains("organ")
        {
            self.error(Rule::EmptyText, "organ", "机关全称不能为空".into())
                .hint = Some("写机关的全称，如 \"一面坡镇人民政府\"；它出现在报告标题中".into());
        }
        organ.trim().to_string()
    }

    fn year(&mut self, t: &Table, format: Format) -> u16 {
        let Some(node) = t.get("year") else { return 0 };
        self.place("year", node.pos);
        let year = match &node.value {
            Value::Number {
                text,
                integer: true,
            } => text.parse::<i64>().ok(),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                self.error(
                    Rule::WrongType,
                    "year",
                    format!("年度应为整数，实际为文字 \"{}\"", shown(s)),
                )
                .hint = Some(format!("去掉引号：year = {}", shown(s.trim())));
                return 0;
            }
            other => {
                let got = describe(other);
                self.error(
                    Rule::WrongType,
                    "year",
                    format!("年度应为整数，实际为{got}"),
                );
                return 0;
            }
        };
        let range = format.years();
        match year {
            Some(y) if range.contains(&y) => y as u16,
            _ => {
                let written = match &node.value {
                    Value::Number { text, .. } => text.clone(),
                    other => describe(other),
                };
                self.error(
                    Rule::YearRange,
                    "year",
                    format!(
                        "年度应在 {} 至 {} 之间，实际为 {written}",
                        range.start(),
                        range.end()
                    ),
                )
                .hint = Some(format!(
                    "{} 格式用于 {} 年及以后的报告",
                    format.code(),
                    range.start()
                ));
                0
            }
        }
    }

    fn contact(&mut self, node: &Node) -> Contact {
        let Some(t) = self.table(node, "contact", lookup_children("contact")) else {
            return Contact::default();
        };
        let postcode = self.postcode(&t);
        Contact {
            website: self.text(&t, "website"),
            website_name: self.text(&t, "website_name"),
            address: self.text(&t, "address"),
            postcode,
            phone: self.text(&t, "phone"),
            email: self.text(&t, "email"),
        }
    }

    fn postcode(&mut self, t: &Table) -> Option<String> {
        let node = t.get("postcode")?;
        let path = t.child("postcode");
        let code = match &node.value {
            Value::Number {
                text,
                integer: true,
            } => {
                self.place(&path, node.pos);
                text.clone()
            }
            _ => self.text(t, "postcode")?,
        };
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            self.report_at(
                Severity::Warning,
                Rule::BadPostcode,
                &path,
                format!("邮编应为 6 位数字，实际为 \"{}\"", shown(&code)),
            );
        }
        Some(code)
    }

    fn signature(&mut self, node: Option<&Node>, organ: &str) -> Option<Signature> {
        let t = self.table(node?, "signature", lookup_children("signature"))?;
        let signer = self.text(&t, "organ").filter(|s| !s.trim().is_empty());
        Some(Signature {
            organ: signer.unwrap_or_else(|| organ.to_string()),
            date: self.date(&t, "date"),
            seal: self.text(&t, "seal").filter(|s| !s.trim().is_empty()),
        })
    }

    fn narrative(&mut self, node: Option<&Node>) -> Narrative {
        let Some(node) = node else {
            return Narrative::default();
        };
        let Some(t) = self.table(node, "text", lookup_children("text")) else {
            return Narrative::default();
        };
        let mut section = |key: &str| {
            let text = self.text(&t, key);
            let path = t.child(key);
            if text.as_deref().is_some_and(|s| s.trim().is_empty()) {
                self.report_at(
                    Severity::Warning,
                    Rule::EmptyText,
                    &path,
                    "这一部分没有内容".into(),
                )
                .hint = Some(empty_section_hint(key).into());
            }
            text.unwrap_or_default()
        };
        Narrative {
            overview: section("overview"),
            problems: section("problems"),
            other: section("other"),
            preamble: self.text(&t, "preamble").filter(|s| !s.trim().is_empty()),
        }
    }

    fn active_disclosure(&mut self, node: Option<&Node>) -> ActiveDisclosure {
        let Some(node) = node else {
            return ActiveDisclosure::default();
        };
        let path = "active_disclosure";
        let Some(t) = self.table(node, path, lookup_children(path)) else {
            return ActiveDisclosure::default();
        };
        ActiveDisclosure {
            regulations: self.document_counts(&t, "regulations"),
            normative_documents: self.document_counts(&t, "normative_documents"),
            licensing_decisions: self.count_in(&t, "licensing_decisions"),
            penalty_decisions: self.count_in(&t, "penalty_decisions"),
            coercion_decisions: self.count_in(&t, "coercion_decisions"),
            fees_10k_yuan: self.decimal(&t, "fees_10k_yuan"),
        }
    }

    fn document_counts(&mut self, parent: &Table, key: &str) -> DocumentCounts {
        let path = parent.child(key);
        let Some(node) = parent.get(key) else {
            return DocumentCounts::default();
        };
        let Some(t) = self.table(node, &path, lookup_children(&path)) else {
            return DocumentCounts::default();
        };
        DocumentCounts {
            issued: self.count_in(&t, "issued"),
            repealed: self.count_in(&t, "repealed"),
            in_force: self.count_in(&t, "in_force"),
        }
    }

    fn applications(&mut self, node: Option<&Node>, format: Format) -> Applications {
        let specs = format.application_rows();
        let mut rows = vec![ApplicantCounts::default(); specs.len()];
        let table =
            node.and_then(|n| self.table(n, "applications", lookup_children("applications")));
        for (spec, row) in specs.iter().zip(rows.iter_mut()) {
            let given = table.as_ref().and_then(|t| t.get(spec.key));
            match given {
                Some(node) => {
                    *row = self.applicant_row(node, &join("applications", spec.key), spec.role)
                }
                None if spec.role != RowRole::ResultsTotal && table.is_some() => {
                    self.source.absent_rows.push(spec.key);
                }
                None => {}
            }
        }
        Applications::new(format, rows)
    }

    /// A row of table 三: `[6 counts]`, `[6 counts, total]`, or a table keyed by column.
    fn applicant_row(&mut self, node: &Node, path: &str, role: RowRole) -> ApplicantCounts {
        self.place(path, node.pos);
        let mut counts = ApplicantCounts::default();
        let mut stated_total = None;
        match &node.value {
            Value::Array(items) if items.len() == 6 || items.len() == 7 => {
                for (c, item) in items.iter().enumerate() {
                    let cell = join(path, APPLICANT_COLUMNS[c].0);
                    let value = self.count(item, &cell);
                    if c < 6 {
                        counts.0[c] = value;
                    } else if !self.source.invalid.contains(&cell) {
                        stated_total = Some((cell, value));
                    }
                }
            }
            Value::Array(items) => {
                let n = items.len();
                self.error(
                    Rule::RowLength,
                    path,
                    format!("这一行应有 6 个数，实际有 {n} 个"),
                )
                .hint = Some(
                    "依次为：自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他；可再加第 7 个数“总计”用于核对"
                        .into(),
                );
            }
            Value::Table(_) => {
                let fields: Vec<Field> = APPLICANT_COLUMNS
                    .iter()
                    .map(|(key, label)| Field {
                        key,
                        label,
                        kind: Kind::Count,
                        required: false,
                    })
                    .collect();
                if let Some(t) = self.table(node, path, &fields) {
                    for (c, (key, _)) in APPLICANT_COLUMNS.iter().enumerate() {
                        let Some(item) = t.get(key) else { continue };
                        let cell = join(path, key);
                        let value = self.count(item, &cell);
                        if c < 6 {
                            counts.0[c] = value;
                        } else if !self.source.invalid.contains(&cell) {
                            stated_total = Some((cell, value));
                        }
                    }
                }
            }
            other => {
                let got = other.kind_zh();
                self.error(
                    Rule::WrongType,
                    path,
                    format!("应为 6 个数组成的数组，如 [0, 0, 0, 0, 0, 0]，实际为{got}"),
                );
            }
        }
        if role == RowRole::ResultsTotal {
            // The whole row is a stated total: each column is checked against the items.
            for (c, (key, _)) in APPLICANT_COLUMNS.iter().enumerate().take(6) {
                let cell = join(path, key);
                if !self.source.invalid.contains(&cell) && self.source.pos(&cell).is_some() {
                    self.source.stated_totals.push((cell, counts.0[c]));
                }
            }
        }
        if let Some(total) = stated_total {
            self.source.stated_totals.push(total);
        }
        counts
    }

    fn review_litigation(&mut self, node: Option<&Node>) -> ReviewLitigation {
        let Some(node) = node else {
            return ReviewLitigation::default();
        };
        let path = "review_litigation";
        let Some(t) = self.table(node, path, lookup_children(path)) else {
            return ReviewLitigation::default();
        };
        ReviewLitigation {
            administrative_review: self.outcomes(&t, "administrative_review"),
            litigation_direct: self.outcomes(&t, "litigation_direct"),
            litigation_after_review: self.outcomes(&t, "litigation_after_review"),
        }
    }

    fn outcomes(&mut self, parent: &Table, key: &str) -> Outcomes {
        let path = parent.child(key);
        let Some(node) = parent.get(key) else {
            return Outcomes::default();
        };
        let Some(t) = self.table(node, &path, lookup_children(&path)) else {
            return Outcomes::default();
        };
        let outcomes = Outcomes {
            upheld: self.count_in(&t, OUTCOME_FIELDS[0].0),
            corrected: self.count_in(&t, OUTCOME_FIELDS[1].0),
            other: self.count_in(&t, OUTCOME_FIELDS[2].0),
            pending: self.count_in(&t, OUTCOME_FIELDS[3].0),
        };
        if t.get("total").is_some() {
            let total = self.count_in(&t, "total");
            let cell = t.child("total");
            if !self.source.invalid.contains(&cell) {
                self.source.stated_totals.push((cell, total));
            }
        }
        outcomes
    }

    fn count_in(&mut self, t: &Table, key: &str) -> u64 {
        match t.get(key) {
            Some(node) => self.count(node, &t.child(key)),
            None => 0,
        }
    }

    /// A count: a non-negative whole number no larger than [`MAX_COUNT`]. 0 when rejected.
    fn count(&mut self, node: &Node, path: &str) -> u64 {
        self.place(path, node.pos);
        match &node.value {
            Value::Number {
                text,
                integer: true,
            } => {
                if text.starts_with('-') && text.trim_start_matches(['-', '0']).is_empty() {
                    return 0; // -0 is 0
                }
                if text.starts_with('-') {
                    self.error(
                        Rule::Negative,
                        path,
                        format!("件数不能为负数，实际为 {}", shown(text)),
                    )
                    .hint = Some("没有发生时填 0".into());
                    return 0;
                }
                match text.parse::<u64>() {
                    Ok(n) if n <= MAX_COUNT => n,
                    _ => {
                        self.error(
                            Rule::TooLarge,
                            path,
                            format!("数值 {} 过大，件数最多为 {MAX_COUNT}", shown(text)),
                        );
                        0
                    }
                }
            }
            Value::Number {
                text,
                integer: false,
            } => {
                let message = if text.contains(['e', 'E']) {
                    format!("件数应写成整数，不能用科学计数法，实际为 {}", shown(text))
                } else {
                    format!("件数应为整数，不能有小数，实际为 {}", shown(text))
                };
                self.error(Rule::NotInteger, path, message).hint =
                    Some("件数按件计，写不带小数点的整数，如 12".into());
                0
            }
            Value::String(s) => {
                let d = self.error(
                    Rule::WrongType,
                    path,
                    format!("应为整数，实际为文字 \"{}\"", shown(s)),
                );
                if s.trim().parse::<u64>().is_ok() {
                    d.hint = Some(format!("去掉引号：{}", shown(s.trim())));
                }
                0
            }
            other => {
                let got = describe(other);
                self.error(Rule::WrongType, path, format!("应为整数，实际为{got}"));
                0
            }
        }
    }

    fn decimal(&mut self, t: &Table, key: &str) -> Decimal {
        let path = t.child(key);
        let Some(node) = t.get(key) else {
            return Decimal::default();
        };
        self.place(&path, node.pos);
        let text = match &node.value {
            Value::Number { text, .. } => text.clone(),
            Value::String(s) => s.trim().to_string(),
            other => {
                let got = describe(other);
                self.error(
                    Rule::WrongType,
                    &path,
                    format!("应为金额（万元），实际为{got}"),
                );
                return Decimal::default();
            }
        };
        if let Some(d) = Decimal::parse(&text) {
            return self.fee_digits(&path, d);
        }
        if text.starts_with('-') {
            self.error(
                Rule::Negative,
                &path,
                format!("金额不能为负数，实际为 {}", shown(&text)),
            );
        } else {
            self.error(
                Rule::BadDecimal,
                &path,
                format!("金额应为普通小数，如 96171.6，实际为 \"{}\"", shown(&text)),
            )
            .hint = Some("以万元为单位，不要带单位、千位分隔符或科学计数法".into());
        }
        Decimal::default()
    }

    /// A fee within [`FEE_INTEGER_DIGITS`] and [`FEE_FRACTION_DIGITS`]: it is printed as
    /// written, in one cell of table 二.
    fn fee_digits(&mut self, path: &str, fee: Decimal) -> Decimal {
        let (integer, fraction) = fee.as_str().split_once('.').unwrap_or((fee.as_str(), ""));
        let over = if integer.len() > FEE_INTEGER_DIGITS {
            let hint = "金额以万元为单位：10 位整数已是千亿元；检查单位和小数点";
            Some((
                "金额整数部分的位数",
                "fee_integer_digits",
                FEE_INTEGER_DIGITS,
                integer.len(),
                hint,
            ))
        } else if fraction.len() > FEE_FRACTION_DIGITS {
            let hint = "以万元为单位，小数点后第 6 位是 1 分；多余的位数四舍五入";
            Some((
                "金额小数部分的位数",
                "fee_fraction_digits",
                FEE_FRACTION_DIGITS,
                fraction.len(),
                hint,
            ))
        } else {
            None
        };
        let Some((zh, key, limit, digits, hint)) = over else {
            return fee;
        };
        let message = limits::exceeded(zh, key, format!("{limit} 位"), format!("有 {digits} 位"));
        self.error(Rule::Limit, path, message).hint = Some(hint.into());
        Decimal::default()
    }

    fn date(&mut self, t: &Table, key: &str) -> Option<Date> {
        let path = t.child(key);
        let node = t.get(key)?;
        self.place(&path, node.pos);
        let text = match &node.value {
            Value::Date(s) | Value::String(s) => s.clone(),
            other => describe(other),
        };
        match Date::parse(&text) {
            Some(date) => Some(date),
            None => {
                self.error(
                    Rule::BadDate,
                    &path,
                    format!(
                        "日期应写成 2022-01-20 或 2022年1月20日，实际为 {}",
                        shown(&text)
                    ),
                );
                None
            }
        }
    }

    /// A text value, its characters checked ([`chars`]) and its length limited; `None` when
    /// absent or rejected.
    fn text(&mut self, t: &Table, key: &str) -> Option<String> {
        let path = t.child(key);
        let node = t.get(key)?;
        self.place(&path, node.pos);
        let s = match &node.value {
            Value::String(s) => s,
            other => {
                let got = describe(other);
                let d = self.error(Rule::WrongType, &path, format!("应为文字，实际为{got}"));
                if matches!(other, Value::Number { .. }) {
                    d.hint = Some("文字要加引号".into());
                }
                return None;
            }
        };
        let (text, found) = chars::clean(s);
        let mut refused = false;
        for f in &found {
            refused |= !matches!(f.class, Class::Invisible | Class::LineBreak);
            self.diags.push(character_diagnostic(self.source, &path, f));
        }
        if refused {
            self.source.invalid.insert(path);
            return None;
        }
        let limit = TextLimit::of(&path);
        let count = text.chars().count();
        if count > limit.chars {
            let message = limits::exceeded(
                limit.zh,
                limit.key,
                format!("{} 字", limit.chars),
                format!("有 {count} 字"),
            );
            self.error(Rule::Limit, &path, message).hint = Some(limit.hint.into());
            return None;
        }
        Some(text.into_owned())
    }
}

/// What to write in a narrative section left empty. 五 and 六 must say something even in a quiet
/// year (rules `improvements` and `fee-statement`), so a bare “无。” is not offered for them.
fn empty_section_hint(key: &str) -> &'static str {
    match key {
        "problems" => "写明本年工作存在的主要问题和下一步的改进措施",
        "other" => "写明本年收取信息处理费的情况；没有收取的写“无收取信息处理费情况。”",
        _ => "没有要写的内容时，也应写明，如“无。”",
    }
}

/// The length limit of a text field (docs/limits.md「数据文件与模板」).
pub(crate) struct TextLimit {
    pub chars: usize,
    pub zh: &'static str,
    pub key: &'static str,
    pub hint: &'static str,
}

impl TextLimit {
    pub(crate) fn of(path: &str) -> TextLimit {
        if path.starts_with("text.") {
            TextLimit {
                chars: NARRATIVE_CHARS,
                zh: "每部分正文的字数",
                key: "narrative_chars",
                hint: "报告正文的一部分通常不过几千字；检查是否重复粘贴了内容",
            }
        } else if path == "organ" || path == "signature.organ" {
            TextLimit {
                chars: ORGAN_CHARS,
                zh: "机关名称的字数",
                key: "organ_chars",
                hint: "写机关的全称，如 \"一面坡镇人民政府\"",
            }
        } else {
            TextLimit {
                chars: TEXT_CHARS,
                zh: "文字项的字数",
                key: "text_chars",
                hint: "这一项应是简短的文字",
            }
        }
    }
}

/// A diagnostic for characters of a text that were removed (a warning) or are refused.
fn character_diagnostic(source: &SourceMap, path: &str, f: &chars::Found) -> Diagnostic {
    let code = chars::code(f.first);
    let (what, why, hint) = match f.class {
        Class::LineBreak => (
            "分行用的特殊字符",
            "已换成普通换行",
            "这类字符（行分隔符、段分隔符）印不出来，多是从网页或 Word 复制时带进来的",
        ),
        Class::Invisible => (
            "看不见的格式字符",
            "已删去",
            "这类字符印不出来，多是从网页、Word 或微信复制时带进来的；删去后报告看起来一样",
        ),
        Class::Control => (
            "控制字符",
            "印不出来",
            "这类字符多是从其他软件复制时带进来的，删去即可",
        ),
        Class::PrivateUse => (
            "私用区字符",
            "它不是标准字符，印不出来",
            "多是旧输入法或编码转换留下的生僻字，请改用标准汉字；没有标准字时用文字说明",
        ),
        _ => ("非字符", "它不是文字", "删去这个字符"),
    };
    let many = if f.count > 1 {
        format!(" {} 个{what}，第一个是 {code}", f.count)
    } else {
        format!("{what} {code}")
    };
    let message = format!("第 {} 行第 {} 个字处有{many}，{why}", f.line, f.column);
    let severity = if matches!(f.class, Class::Invisible | Class::LineBreak) {
        Severity::Warning
    } else {
        Severity::Error
    };
    Diagnostic::new(severity, Rule::BadCharacter, message)
        .at(source.in_text(path, f.line, f.column))
        .field(path, schema::label(path))
        .hint(hint)
}

/// Characters of a value quoted in a message, at most: enough to recognise it.
const SHOWN_CHARS: usize = 40;

/// A value of the data quoted in a message: short, control characters as codes.
fn shown(text: &str) -> String {
    chars::quote(text, SHOWN_CHARS)
}

/// A value as the clerk wrote it, for messages: `数字 1e30`, `文字 "abc"`.
fn describe(value: &Value) -> String {
    match value {
        Value::Number { text, .. } => format!("数字 {}", shown(text)),
        Value::String(s) => format!("文字 \"{}\"", shown(s)),
        Value::Bool(b) => format!("布尔值 {b}"),
        Value::Date(s) => format!("日期 {}", shown(s)),
        other => other.kind_zh().to_string(),
    }
}

fn lookup_children(path: &str) -> &'static [Field] {
    schema::lookup(path).map_or(&[], |f| f.kind.children())
}

/// The top-level section a misplaced key belongs to, if any.
fn section_of(key: &str) -> Option<&'static str> {
    schema::REPORT
        .iter()
        .find(|f| f.kind.children().iter().any(|c| c.key == key))
        .map(|f| f.key)
}

const ACCEPT_HINT: &str = "每一条写 rule（规则名）、field（字段，可省略）和 reason（理由），如：[[check.accept]] rule = \"year-change\" field = \"applications.new_received.total\" reason = \"开通网上申请后申请量确实大增\"";

fn empty_report() -> Report {
    Report {
        format: Format::default(),
        organ: String::new(),
        year: 0,
        contact: Contact::default(),
        signature: None,
        text: Narrative::default(),
        active_disclosure: ActiveDisclosure::default(),
        applications: Applications::new(Format::default(), Vec::new()),
        review_litigation: ReviewLitigation::default(),
        acceptances: Vec::new(),
    }
}
