//! The county roll-up (汇总, issue 18): tables 二, 三 and 四 of a set of organs' reports for a
//! year added up cell by cell, which reports were taken and which left out and why, and each
//! parent organ's report set against the sum of its children's. No web and no SQL here: the
//! store reads the reports ([`crate::store::Store::year_reports`]), the server asks and
//! answers, and the sum is written as a data file ([`toml`]) and a workbook ([`xlsx`]).
//!
//! The sum is itself a [`Report`]: counts added, the fee added exactly (in millionths of 10,000
//! yuan, the finest a fee may be written in), and table 三 made by [`Applications::new`], so
//! each row's 总计, （七）总计 and table 四's 总计 come from the code that computes them for one
//! report. What "consistent" means for a parent is in docs/rollup.md: a parent reports for
//! itself and its children, so no figure of its report may be below its children's sum.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::SerializeMap as _;

use crate::batch::sheet::{ListCell, Listing};
use crate::diag::{Diagnostic, Rule};
use crate::model::accept::Acceptance;
use crate::model::schema::{self, Kind, OUTCOME_FIELDS, REVIEW_GROUPS};
use crate::model::{
    APPLICANT_COLUMNS, ActiveDisclosure, ApplicantCounts, Applications, Decimal, DocumentCounts,
    Format, Narrative, Outcomes, Report, ReviewLitigation, Syntax,
};
use crate::store::{Organ, OrganId, ReportStatus, YearReport};

/// Which organs are added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Set {
    /// Every organ.
    All,
    /// The organs whose parent is this one (not the organ itself).
    Children(OrganId),
    /// These organs.
    Ids(Vec<OrganId>),
}

impl Set {
    /// `all`, `children:3` or `ids:1,2,3`.
    pub fn parse(text: &str) -> Option<Set> {
        let id = |t: &str| {
            let t = t.trim();
            (!t.is_empty() && t.len() <= 18 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok().map(OrganId))
                .flatten()
        };
        if text == "all" {
            return Some(Set::All);
        }
        if let Some(parent) = text.strip_prefix("children:") {
            return id(parent).map(Set::Children);
        }
        let list = text.strip_prefix("ids:")?;
        let mut ids = Vec::new();
        for part in list.split(',') {
            let organ = id(part)?;
            if !ids.contains(&organ) {
                ids.push(organ);
            }
        }
        Some(Set::Ids(ids))
    }

    /// The set as [`Set::parse`] reads it.
    pub fn code(&self) -> String {
        match self {
            Set::All => "all".into(),
            Set::Children(parent) => format!("children:{}", parent.0),
            Set::Ids(ids) => {
                let ids: Vec<String> = ids.iter().map(|id| id.0.to_string()).collect();
                format!("ids:{}", ids.join(","))
            }
        }
    }

    /// The organs of the set, in `organs`' order; `Err` with an id no organ has.
    pub fn members(&self, organs: &[Organ]) -> Result<Vec<OrganId>, OrganId> {
        let known = |id: &OrganId| organs.iter().any(|o| o.id == *id);
        match self {
            Set::All => Ok(organs.iter().map(|o| o.id).collect()),
            Set::Children(parent) => {
                if !known(parent) {
                    return Err(*parent);
                }
                Ok(children_of(*parent, organs))
            }
            Set::Ids(ids) => {
                if let Some(unknown) = ids.iter().find(|id| !known(id)) {
                    return Err(*unknown);
                }
                Ok(organs
                    .iter()
                    .map(|o| o.id)
                    .filter(|id| ids.contains(id))
                    .collect())
            }
        }
    }

    /// What the set is called on the page, in the files and as the sum's organ.
    fn title(&self, organs: &[Organ]) -> String {
        match self {
            Set::All => "全部机关".into(),
            Set::Children(parent) => format!("{}的下级机关", name_of(*parent, organs)),
            Set::Ids(ids) => format!("所选的 {} 个机关", ids.len()),
        }
    }
}

/// Which reports are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Only {
    /// Approved reports only (the default): figures the county has reviewed and locked, which
    /// no clerk can change under the roll-up.
    #[default]
    Approved,
    /// The current revision of every saved report, whatever its status.
    All,
}

impl Only {
    pub fn parse(text: &str) -> Option<Only> {
        match text {
            "approved" => Some(Only::Approved),
            "all" => Some(Only::All),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Only::Approved => "approved",
            Only::All => "all",
        }
    }
}

fn children_of(parent: OrganId, organs: &[Organ]) -> Vec<OrganId> {
    (organs.iter())
        .filter(|o| o.parent == Some(parent))
        .map(|o| o.id)
        .collect()
}

fn name_of(id: OrganId, organs: &[Organ]) -> String {
    (organs.iter().find(|o| o.id == id))
        .map_or_else(|| format!("编号 {}", id.0), |o| o.name.clone())
}

/// The parents whose report is set against their children's sum: every organ that has
/// children and is in the set, or has a child in it.
pub fn parents(members: &[OrganId], organs: &[Organ]) -> Vec<OrganId> {
    (organs.iter())
        .filter(|p| {
            let children = children_of(p.id, organs);
            !children.is_empty()
                && (members.contains(&p.id) || children.iter().any(|c| members.contains(c)))
        })
        .map(|p| p.id)
        .collect()
}

/// Every organ whose report the roll-up reads: the set, the parents compared, their children.
pub fn to_read(members: &[OrganId], organs: &[Organ]) -> Vec<OrganId> {
    let mut read: BTreeSet<OrganId> = members.iter().copied().collect();
    for parent in parents(members, organs) {
        read.insert(parent);
        read.extend(children_of(parent, organs));
    }
    read.into_iter().collect()
}

/// An organ named in the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganRef {
    pub organ_id: OrganId,
    pub organ: String,
}

/// A report taken into the sum.
#[derive(Debug, Clone, Serialize)]
pub struct Taken {
    pub organ_id: OrganId,
    pub organ: String,
    pub revision: u32,
    pub status: ReportStatus,
    pub warnings: u32,
    #[serde(skip)]
    pub report: Report,
}

/// Why an organ's report is not in the sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// No report of the year.
    NotStarted,
    /// Not approved, and only approved reports were asked for.
    NotApproved,
    /// The current revision has errors: its figures cannot be trusted.
    HasErrors,
}

/// An organ of the set left out of the sum.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    pub organ_id: OrganId,
    pub organ: String,
    pub reason: Why,
    /// The reason in Chinese, for the page.
    pub message: String,
    pub revision: Option<u32>,
    pub status: Option<ReportStatus>,
}

/// Takes a report into a sum, or says why not.
fn take(read: &YearReport, only: Only, year: u16) -> Result<Taken, LeftOut> {
    let left_out = |reason: Why, message: String| LeftOut {
        organ_id: read.organ,
        organ: read.organ_name.clone(),
        reason,
        message,
        revision: read.revision,
        status: read.status,
    };
    let (Some(status), Some(revision), Some(data)) = (read.status, read.revision, &read.data)
    else {
        return Err(left_out(
            Why::NotStarted,
            format!("没有 {year} 年度的报告（未开始）"),
        ));
    };
    if only == Only::Approved && status != ReportStatus::Approved {
        return Err(left_out(
            Why::NotApproved,
            format!(
                "报告是“{}”，还没有通过审核（只汇总已通过的报告）",
                status.label()
            ),
        ));
    }
    let loaded = crate::model::load("data.json", data, Syntax::Json);
    let errors = read
        .counts
        .errors
        .max((loaded.diagnostics.iter()).filter(|d| d.is_error()).count() as u32);
    match loaded.report {
        Some(report) if errors == 0 => Ok(Taken {
            organ_id: read.organ,
            organ: read.organ_name.clone(),
            revision,
            status,
            warnings: read.counts.warnings,
            report,
        }),
        _ => Err(left_out(
            Why::HasErrors,
            format!(
                "第 {revision} 版有 {} 个错误，其中的数字不可靠",
                errors.max(1)
            ),
        )),
    }
}

/// A fee in millionths of 10,000 yuan, and how many digits it has after the point. Every fee a
/// report loads with has at most 10 + 6 digits.
fn millionths(fee: &Decimal) -> (u128, usize) {
    let (int, frac) = fee.as_str().split_once('.').unwrap_or((fee.as_str(), ""));
    let int: u128 = int.parse().unwrap_or(0);
    let frac_value: u128 = format!("{frac:0<6}")[..6].parse().unwrap_or(0);
    (int * 1_000_000 + frac_value, frac.len().min(6))
}

/// `value` millionths written with `digits` digits after the point (`12.50`, `7`).
fn decimal_text(value: u128, digits: usize) -> String {
    let (int, frac) = (value / 1_000_000, value % 1_000_000);
    if digits == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:06}");
    format!("{int}.{}", &frac[..digits])
}

/// The fees added exactly, written with as many decimals as the most precise of them.
fn fee_sum<'a>(fees: impl IntoIterator<Item = &'a Decimal>) -> Decimal {
    let (mut total, mut digits) = (0u128, 0usize);
    for fee in fees {
        let (value, d) = millionths(fee);
        total += value;
        digits = digits.max(d);
    }
    Decimal::parse(&decimal_text(total, digits)).unwrap_or_default()
}

/// The narrative of a sum: it is not a report, and says so.
const SUM_TEXT: &str = "本文件是汇总数据：表二、表三、表四由所列机关报告的各格相加得出，各总计由程序计算；正文不汇总。";

/// The reports added up as one report of `organ` (the set's name) for `year`: every count of
/// tables 二, 三 and 四 and the fee; the totals as the model computes them.
pub fn sum<'a>(organ: &str, year: u16, reports: impl IntoIterator<Item = &'a Report>) -> Report {
    let reports: Vec<&Report> = reports.into_iter().collect();
    let format = Format::default();
    let documents = |pick: fn(&ActiveDisclosure) -> DocumentCounts| {
        let mut total = DocumentCounts::default();
        for r in &reports {
            let d = pick(&r.active_disclosure);
            total.issued += d.issued;
            total.repealed += d.repealed;
            total.in_force += d.in_force;
        }
        total
    };
    let count = |pick: fn(&ActiveDisclosure) -> u64| -> u64 {
        reports.iter().map(|r| pick(&r.active_disclosure)).sum()
    };
    let active_disclosure = ActiveDisclosure {
        regulations: documents(|a| a.regulations),
        normative_documents: documents(|a| a.normative_documents),
        licensing_decisions: count(|a| a.licensing_decisions),
        penalty_decisions: count(|a| a.penalty_decisions),
        coercion_decisions: count(|a| a.coercion_decisions),
        fees_10k_yuan: fee_sum(reports.iter().map(|r| &r.active_disclosure.fees_10k_yuan)),
    };
    let mut rows = vec![ApplicantCounts::default(); format.application_rows().len()];
    for r in &reports {
        for (total, (_, row)) in rows.iter_mut().zip(r.applications.rows()) {
            for (t, n) in total.0.iter_mut().zip(row.0) {
                *t += n;
            }
        }
    }
    let outcomes = |pick: fn(&ReviewLitigation) -> Outcomes| {
        let mut total = Outcomes::default();
        for r in &reports {
            let o = pick(&r.review_litigation);
            total.upheld += o.upheld;
            total.corrected += o.corrected;
            total.other += o.other;
            total.pending += o.pending;
        }
        total
    };
    Report {
        format,
        organ: organ.to_string(),
        year,
        contact: Default::default(),
        signature: None,
        text: Narrative {
            preamble: None,
            overview: SUM_TEXT.into(),
            problems: SUM_TEXT.into(),
            other: SUM_TEXT.into(),
        },
        active_disclosure,
        // The results-total row is made anew from the items.
        applications: Applications::new(format, rows),
        review_litigation: ReviewLitigation {
            administrative_review: outcomes(|r| r.administrative_review),
            litigation_direct: outcomes(|r| r.litigation_direct),
            litigation_after_review: outcomes(|r| r.litigation_after_review),
        },
        // What the check says of a narrative that is not one, said once here.
        acceptances: [Rule::Improvements, Rule::FeeStatement]
            .into_iter()
            .enumerate()
            .map(|(i, rule)| Acceptance {
                rule,
                field: None,
                reason: "汇总数据没有正文".into(),
                path: format!("check.accept.{}", i + 1),
            })
            .collect(),
    }
}

/// A figure of the tables: a count, or the fee as its digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Figure {
    Count(u64),
    Fee(Decimal),
}

impl Serialize for Figure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Figure::Count(n) => s.serialize_u64(*n),
            Figure::Fee(d) => s.serialize_str(d.as_str()),
        }
    }
}

impl Figure {
    /// For a workbook: a number either way.
    fn cell(&self) -> ListCell {
        match self {
            Figure::Count(n) => ListCell::Number(*n as f64),
            Figure::Fee(d) => ListCell::Number(d.as_str().parse().unwrap_or(0.0)),
        }
    }
}

/// One cell of the printed tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// `二`, `三` or `四`.
    pub table: &'static str,
    /// The data key (`applications.granted.natural_person`, `….total` for a computed 总计).
    pub key: String,
    pub label: String,
    pub value: Figure,
}

/// Every figure of tables 二, 三 and 四 of a report in printed order, the computed totals
/// with them.
pub fn cells(report: &Report) -> Vec<Cell> {
    let mut out = Vec::new();
    let cell = |table, key: String, value| Cell {
        table,
        label: schema::label(&key),
        key,
        value,
    };
    let ad = &report.active_disclosure;
    let fields = schema::lookup("active_disclosure").map_or(&[][..], |f| f.kind.children());
    for field in fields {
        let key = format!("active_disclosure.{}", field.key);
        match (field.kind, field.key) {
            (Kind::Table(children), documents) => {
                let d = match documents {
                    "regulations" => ad.regulations,
                    _ => ad.normative_documents,
                };
                for (child, n) in children.iter().zip([d.issued, d.repealed, d.in_force]) {
                    out.push(cell("二", format!("{key}.{}", child.key), Figure::Count(n)));
                }
            }
            (Kind::Decimal, _) => out.push(cell("二", key, Figure::Fee(ad.fees_10k_yuan.clone()))),
            (_, "licensing_decisions") => {
                out.push(cell("二", key, Figure::Count(ad.licensing_decisions)))
            }
            (_, "penalty_decisions") => {
                out.push(cell("二", key, Figure::Count(ad.penalty_decisions)))
            }
            (_, _) => out.push(cell("二", key, Figure::Count(ad.coercion_decisions))),
        }
    }
    for (spec, row) in report.applications.rows() {
        for (c, (column, _)) in APPLICANT_COLUMNS.iter().enumerate() {
            let key = format!("applications.{}.{column}", spec.key);
            out.push(cell("三", key, Figure::Count(row.column(c))));
        }
    }
    for ((group, _), outcomes) in REVIEW_GROUPS.iter().zip(report.review_litigation.groups()) {
        for ((field, _), n) in OUTCOME_FIELDS.iter().zip(outcomes.columns()) {
            let key = format!("review_litigation.{group}.{field}");
            out.push(cell("四", key, Figure::Count(n)));
        }
    }
    out
}

/// A cell where a parent's report and its children's sum differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub table: &'static str,
    pub key: String,
    pub label: String,
    pub parent: Figure,
    pub children: Figure,
    /// The parent's figure less the children's sum: a whole number for counts, the fee's
    /// digits (`-0.50`) for the fee.
    pub difference: Signed,
    /// Whether the parent's figure is at least the children's sum (docs/rollup.md).
    pub consistent: bool,
}

/// A difference of two figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    Count(i64),
    Fee(String),
}

impl Serialize for Signed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Signed::Count(n) => s.serialize_i64(*n),
            Signed::Fee(d) => s.serialize_str(d),
        }
    }
}

impl Signed {
    fn cell(&self) -> ListCell {
        match self {
            Signed::Count(n) => ListCell::Number(*n as f64),
            Signed::Fee(d) => ListCell::Number(d.parse().unwrap_or(0.0)),
        }
    }
}

/// Every cell of tables 二, 三 and 四 where `parent` and `children` (their sum) differ, in
/// printed order.
pub fn differences(parent: &Report, children: &Report) -> Vec<Difference> {
    let mut out = Vec::new();
    for (p, c) in cells(parent).into_iter().zip(cells(children)) {
        if p.value == c.value {
            continue;
        }
        let (difference, consistent) = match (&p.value, &c.value) {
            (Figure::Count(a), Figure::Count(b)) => (Signed::Count(*a as i64 - *b as i64), a >= b),
            (Figure::Fee(a), Figure::Fee(b)) => {
                let ((a, da), (b, db)) = (millionths(a), millionths(b));
                if a == b {
                    // The same amount written with other decimals (`12.5`, `12.50`).
                    continue;
                }
                let digits = da.max(db);
                let text = if a >= b {
                    decimal_text(a - b, digits)
                } else {
                    format!("-{}", decimal_text(b - a, digits))
                };
                (Signed::Fee(text), a >= b)
            }
            _ => continue,
        };
        out.push(Difference {
            table: p.table,
            key: p.key,
            label: p.label,
            parent: p.value,
            children: c.value,
            difference,
            consistent,
        });
    }
    out
}

/// A parent's report set against the sum of its children's.
#[derive(Debug, Clone, Serialize)]
pub struct ParentCheck {
    pub organ_id: OrganId,
    pub organ: String,
    /// Whether the comparison was made: the parent's report and at least one child's were
    /// taken.
    pub compared: bool,
    /// Why not, when it was not.
    pub reason: Option<String>,
    /// The children whose reports make the sum.
    pub children: Vec<OrganRef>,
    /// The children whose reports were not taken, with why.
    pub children_left_out: Vec<LeftOut>,
    /// Every cell that differs.
    pub differences: Vec<Difference>,
    /// How many of them are below the children's sum.
    pub inconsistent: usize,
}

/// The roll-up of a set of organs for a year.
#[derive(Debug, Clone, Serialize)]
pub struct RollUp {
    pub year: u16,
    pub set: String,
    pub only: Only,
    /// What the set is called (`全部机关`, `某县人民政府的下级机关`).
    pub title: String,
    pub included: Vec<Taken>,
    pub left_out: Vec<LeftOut>,
    /// Every figure of the sum by its data key (the fee as its digits), in printed order.
    pub figures: Figures,
    pub parents: Vec<ParentCheck>,
    /// The sum as a report (written by [`toml`]).
    #[serde(skip)]
    pub sum: Report,
}

/// The cells of a sum, serialised as a map from key to figure.
#[derive(Debug, Clone)]
pub struct Figures(pub Vec<Cell>);

impl Serialize for Figures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for cell in &self.0 {
            map.serialize_entry(&cell.key, &cell.value)?;
        }
        map.end()
    }
}

/// Adds up the reports of `set` for `year`: `organs` are every organ of the store, `reports`
/// what the store read for [`to_read`]'s organs. `Err` with an organ id the set names and no
/// organ has.
pub fn roll_up(
    year: u16,
    set: &Set,
    only: Only,
    organs: &[Organ],
    reports: &[YearReport],
) -> Result<RollUp, OrganId> {
    let members = set.members(organs)?;
    let taken = |ids: &[OrganId]| {
        let mut taken = Vec::new();
        let mut left_out = Vec::new();
        for id in ids {
            let read = reports.iter().find(|r| r.organ == *id);
            let result = match read {
                Some(read) => take(read, only, year),
                None => Err(LeftOut {
                    organ_id: *id,
                    organ: name_of(*id, organs),
                    reason: Why::NotStarted,
                    message: format!("没有 {year} 年度的报告（未开始）"),
                    revision: None,
                    status: None,
                }),
            };
            match result {
                Ok(t) => taken.push(t),
                Err(l) => left_out.push(l),
            }
        }
        (taken, left_out)
    };
    let title = set.title(organs);
    let (included, left_out) = taken(&members);
    let total = sum(
        &format!("{title}汇总"),
        year,
        included.iter().map(|t| &t.report),
    );
    let mut checks = Vec::new();
    for parent in parents(&members, organs) {
        let (mut own, own_left_out) = taken(&[parent]);
        let (children, children_left_out) = taken(&children_of(parent, organs));
        let mut check = ParentCheck {
            organ_id: parent,
            organ: name_of(parent, organs),
            compared: false,
            reason: None,
            children: (children.iter())
                .map(|t| OrganRef {
                    organ_id: t.organ_id,
                    organ: t.organ.clone(),
                })
                .collect(),
            children_left_out,
            differences: Vec::new(),
            inconsistent: 0,
        };
        match (own.pop(), own_left_out.first()) {
            (Some(own), _) if !children.is_empty() => {
                let children_sum = sum(&check.organ, year, children.iter().map(|t| &t.report));
                check.differences = differences(&own.report, &children_sum);
                check.inconsistent = check.differences.iter().filter(|d| !d.consistent).count();
                check.compared = true;
            }
            (Some(_), _) => {
                check.reason = Some("下级机关的报告都没有计入，无从比较".into());
            }
            (None, Some(why)) => {
                check.reason = Some(format!("本机关的报告没有计入：{}", why.message));
            }
            (None, None) => {}
        }
        checks.push(check);
    }
    Ok(RollUp {
        year,
        set: set.code(),
        only,
        title,
        included,
        left_out,
        figures: Figures(cells(&total)),
        parents: checks,
        sum: total,
    })
}

impl Only {
    fn label(self) -> &'static str {
        match self {
            Only::Approved => "只含已通过的报告",
            Only::All => "含全部已保存的报告（各机关的当前版本）",
        }
    }
}

/// The sum as a data file (TOML, data-format.md's keys): comment lines saying what it is and
/// whose reports it adds, then the canonical file of the sum ([`crate::model::to_toml`]), which
/// `nianbao check` loads like a report.
pub fn toml(rollup: &RollUp) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# nianbao 汇总数据：{} 年度 · {} · {}",
        rollup.year,
        rollup.title,
        rollup.only.label()
    );
    out.push_str("# 不是一份年度报告：表二、表三、表四是下列机关报告的逐格相加，正文不汇总。\n");
    let _ = writeln!(
        out,
        "# 计入的 {} 个机关（当前版本）：",
        rollup.included.len()
    );
    for t in &rollup.included {
        let _ = writeln!(
            out,
            "#   {}（编号 {}，第 {} 版，{}）",
            t.organ,
            t.organ_id.0,
            t.revision,
            t.status.label()
        );
    }
    if !rollup.left_out.is_empty() {
        let _ = writeln!(out, "# 未计入的 {} 个机关：", rollup.left_out.len());
        for l in &rollup.left_out {
            let _ = writeln!(
                out,
                "#   {}（编号 {}）：{}",
                l.organ, l.organ_id.0, l.message
            );
        }
    }
    out.push('\n');
    out.push_str(&crate::model::to_toml(&rollup.sum));
    out
}

/// The roll-up as a workbook: the sum cell by cell (汇总), table 三 as printed (表三), the
/// organs taken and left out (机关), and the parents' differences (上下级差异).
pub fn xlsx(rollup: &RollUp) -> Result<Vec<u8>, Diagnostic> {
    let text = |s: &str| ListCell::Text(s.to_string());
    let figures: Vec<Vec<ListCell>> = (rollup.figures.0.iter())
        .map(|c| {
            vec![
                text(&format!("表{}", c.table)),
                text(&c.label),
                text(&c.key),
                c.value.cell(),
            ]
        })
        .collect();
    let mut table3 = Vec::new();
    for (spec, row) in rollup.sum.applications.rows() {
        let mut cells = vec![text(spec.label)];
        cells.extend((0..7).map(|c| ListCell::Number(row.column(c) as f64)));
        table3.push(cells);
    }
    let mut organs = Vec::new();
    for t in &rollup.included {
        organs.push(vec![
            ListCell::Number(t.organ_id.0 as f64),
            text(&t.organ),
            text("计入"),
            ListCell::Number(t.revision.into()),
            text(t.status.label()),
            text(""),
        ]);
    }
    for l in &rollup.left_out {
        organs.push(vec![
            ListCell::Number(l.organ_id.0 as f64),
            text(&l.organ),
            text("未计入"),
            l.revision
                .map_or(ListCell::Empty, |n| ListCell::Number(n.into())),
            l.status.map_or(ListCell::Empty, |s| text(s.label())),
            text(&l.message),
        ]);
    }
    let mut differences = Vec::new();
    for check in &rollup.parents {
        if !check.compared {
            let why = check.reason.as_deref().unwrap_or_default();
            differences.push(vec![
                text(&check.organ),
                text(""),
                text(&format!("未比较：{why}")),
            ]);
        }
        for d in &check.differences {
            differences.push(vec![
                text(&check.organ),
                text(&format!("表{}", d.table)),
                text(&d.label),
                text(&d.key),
                d.parent.cell(),
                d.children.cell(),
                d.difference.cell(),
                text(if d.consistent {
                    "上级多于下级合计"
                } else {
                    "上级少于下级合计（不一致）"
                }),
            ]);
        }
    }
    let mut columns = vec!["项目"];
    columns.extend(APPLICANT_COLUMNS.iter().map(|(_, zh)| *zh));
    crate::batch::sheet::listings(&[
        Listing {
            name: "汇总",
            header: &["表", "项目", "字段名", "数值"],
            rows: &figures,
        },
        Listing {
            name: "表三",
            header: &columns,
            rows: &table3,
        },
        Listing {
            name: "机关",
            header: &["机关编号", "机关", "是否计入", "版本", "状态", "说明"],
            rows: &organs,
        },
        Listing {
            name: "上下级差异",
            header: &[
                "上级机关",
                "表",
                "项目",
                "字段名",
                "上级机关的数",
                "下级合计",
                "差额",
                "判断",
            ],
            rows: &differences,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn fees_add_exactly_with_the_most_decimals_given() {
        let fees = [fee("96171.60"), fee("0.000001"), fee("12"), fee("0.4")];
        assert_eq!(fee_sum(&fees).as_str(), "96184.000001");
        assert_eq!(fee_sum(&[fee("12.5"), fee("0.35")]).as_str(), "12.85");
        assert_eq!(fee_sum(&[fee("1.50"), fee("2")]).as_str(), "3.50");
        assert_eq!(fee_sum(&[]).as_str(), "0");
        assert_eq!(
            fee_sum(&[fee("9999999999.999999"), fee("0.000001")]).as_str(),
            "10000000000.000000"
        );
    }

    fn report(fee_text: &str, granted: u64) -> Report {
        let mut rows = vec![ApplicantCounts::default(); 25];
        rows[0].0[0] = granted;
        rows[2].0[0] = granted;
        let mut r = sum("某镇", 2024, []);
        r.active_disclosure.fees_10k_yuan = fee(fee_text);
        r.applications = Applications::new(Format::default(), rows);
        r
    }

    #[test]
    fn a_parent_differs_where_a_cell_differs_and_is_inconsistent_where_it_is_below() {
        let children = sum("下级", 2024, [&report("12.50", 2), &report("0", 1)]);
        assert_eq!(children.active_disclosure.fees_10k_yuan.as_str(), "12.50");
        // The same fee written otherwise is no difference; 3 received and granted by the
        // children, 2 by the parent: below in each of those cells and their totals.
        let found = differences(&report("12.5", 2), &children);
        let keys: Vec<(&str, i64, bool)> = (found.iter())
            .map(|d| match d.difference {
                Signed::Count(n) => (d.key.as_str(), n, d.consistent),
                Signed::Fee(_) => panic!("{d:?}"),
            })
            .collect();
        let below = |key| (key, -1, false);
        assert_eq!(
            keys,
            [
                below("applications.new_received.natural_person"),
                below("applications.new_received.total"),
                below("applications.granted.natural_person"),
                below("applications.granted.total"),
                below("applications.results_total.natural_person"),
                below("applications.results_total.total"),
            ]
        );
        let above = differences(&report("13", 3), &children);
        let fee = above.iter().find(|d| d.table == "二").unwrap();
        assert_eq!(fee.difference, Signed::Fee("0.50".into()));
        assert!(above.iter().all(|d| d.consistent));
    }

    #[test]
    fn sets_are_read_and_written_back() {
        assert_eq!(Set::parse("all"), Some(Set::All));
        assert_eq!(Set::parse("children:7"), Some(Set::Children(OrganId(7))));
        let ids = Set::parse("ids:3,1,3").unwrap();
        assert_eq!(ids, Set::Ids(vec![OrganId(3), OrganId(1)]));
        assert_eq!(ids.code(), "ids:3,1");
        for bad in [
            "",
            "children:",
            "children:x",
            "ids:",
            "ids:1,,2",
            "ids:-1",
            "every",
        ] {
            assert_eq!(Set::parse(bad), None, "{bad}");
        }
    }
}
