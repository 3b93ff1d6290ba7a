//! Rule `prose-figure` (warning): a figure the narrative writes against the table cell it names
//! ("全年新收政府信息公开申请35件" while table 三 says 36), the first thing assessors compare.
//!
//! The narrative is read as written in the data file, so a place in it is a place in the file;
//! a `{{ name }}` placeholder is filled in from the tables, so it always agrees and is passed over.
//!
//! A claim is a keyword, a short filler (at most [`FILLER_CHARS`] characters: no digits, no
//! clause punctuation, no second keyword), a number ([`numerals`]: `35`, `３５`, `1,234`,
//! `398.58万`, `三十五`) and a unit: 件, 个, 宗 for counts (also 起 for cases), 元 for money.
//!
//! | keyword | the figure is |
//! |---|---|
//! | 新收, 收到, 受理, 接到, 接收 (…申请…) | 表三 一、本年新收 · 总计 |
//! | 上年结转, 上年度结转, 上一年度结转 | 表三 二、上年结转 · 总计 |
//! | 办结, 答复, 办理完毕 | 表三 三（七）总计 · 总计 |
//! | 结转下年度, 结转下一年度, 结转到/至下（一）年度, 转入下年度 | 表三 四、结转下年度继续办理 · 总计 |
//! | 行政复议 | 表四 行政复议 · 总计 |
//! | 行政诉讼 | 表四 未经复议直接起诉 · 总计 + 复议后起诉 · 总计 |
//! | 制发, 制定, 出台, 印发 / 废止 / 现行有效 (规范性文件 or 规章) | 表二 本年制发 / 本年废止 / 现行有效 |
//! | 行政许可, 行政处罚, 行政强制 (…决定) | 表二 本年处理决定数量 |
//! | 行政事业性收费 | 表二 本年收费金额（万元） |
//!
//! The 信息处理费 an organ charges applicants (国办函〔2020〕109号) is in no table: it is never a
//! claim. Table 二's 行政事业性收费 is another thing (条例 第二十条第（八）项).
//!
//! A false warning on a correct report costs more than a missed one, so a figure is not claimed
//! when its words say it is a part, a change, an estimate or another year's: after 其中 in the
//! sentence; near 同比, 较, 增加, 约, 近, 累计, 上年, a channel (网上, 信函…); after 未 or 不予;
//! when the sentence last named another year than the report's (`2023年受理申请…`); when one
//! figure is shared by two keywords (行政复议、行政诉讼共3件); for 收到 / 受理 / 办结 … without
//! 申请 in the filler or the sentence (人大代表建议, 12345 热线), and 行政复议 / 行政诉讼 without
//! 信息公开, 被申请… in the sentence (a 司法局 handles others' reviews). A number written before
//! its keyword ("另有34件顺延到下年度答复") is left out: the number-first wordings are too varied
//! to read without false claims. A round figure (`398.58万件`, `三万件`) is compared with the table
//! value rounded or cut to its precision.

use std::ops::Range;

use super::numerals::{self, Figure, Reading};
use super::schema::{self, APPLICANT_COLUMNS, RowRole};
use super::validate::{key_of, touches_invalid};
use super::{Report, SourceMap, chars};
use crate::diag::{Diagnostic, Rule};

/// What a keyword says the figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    Received,
    CarriedOver,
    Results,
    CarriedForward,
    Review,
    Litigation,
    Issued,
    Repealed,
    InForce,
    Licensing,
    Penalty,
    Coercion,
    Fees,
}

/// The keywords, each with what it claims. None is the start of another at the same place.
const KEYWORDS: [(&str, Topic); 29] = {
    use Topic::*;
    [
        ("新收", Received),
        ("收到", Received),
        ("受理", Received),
        ("接到", Received),
        ("接收", Received),
        ("上年结转", CarriedOver),
        ("上年度结转", CarriedOver),
        ("上一年度结转", CarriedOver),
        ("办结", Results),
        ("答复", Results),
        ("办理完毕", Results),
        ("结转下年度", CarriedForward),
        ("结转下一年度", CarriedForward),
        ("结转到下年度", CarriedForward),
        ("结转到下一年度", CarriedForward),
        ("结转至下年度", CarriedForward),
        ("转入下年度", CarriedForward),
        ("行政复议", Review),
        ("行政诉讼", Litigation),
        ("制发", Issued),
        ("制定", Issued),
        ("出台", Issued),
        ("印发", Issued),
        ("废止", Repealed),
        ("现行有效", InForce),
        ("行政许可", Licensing),
        ("行政处罚", Penalty),
        ("行政强制", Coercion),
        ("行政事业性收费", Fees),
    ]
};

/// Characters that may stand between a keyword and its number.
const FILLER_CHARS: usize = 15;

/// Characters before the keyword, in its clause, searched for words that make it no claim.
const LOOKBACK_CHARS: usize = 12;

/// Characters of the clause before the keyword that are quoted with the claim.
const QUOTE_LEAD_CHARS: usize = 10;

/// Words that make a figure a change, a comparison, an estimate, a part (by channel), a relief
/// or last year's.
#[rustfmt::skip]
const NOT_THE_TOTAL: &[&str] = &[
    "其中", "分别", "占", "%", "％", "减免", "免征", "免收", "退还",
    "同比", "环比", "较", "比上年", "比去年", "上年", "上一年", "去年",
    "增加", "增长", "减少", "下降", "上升", "提高",
    "累计", "历年", "平均", "人均", "月均", "日均",
    "约", "近", "逾", "超过", "不足", "以上", "以下",
    "网上", "网络", "信函", "当面", "传真", "邮件", "现场",
];

/// Words in the filler that make the figure cover more, or something else, than the cell.
const NOT_IN_FILLER: [&str; 6] = ["和", "及", "与", "或", "信息处理费", "处理费"];

/// What else organs receive and answer: 人大代表建议, 政协提案, 信访, 12345 热线…
const OTHER_REQUESTS: [&str; 11] = [
    "建议", "提案", "咨询", "信访", "投诉", "举报", "留言", "来信", "工单", "热线", "诉求",
];

/// Words that make a 行政复议 / 行政诉讼 figure one of its results, not the group's 总计.
const OUTCOMES: [&str; 16] = [
    "维持", "纠正", "撤销", "驳回", "审结", "败诉", "胜诉", "确认", "终止", "结果", "决定", "判决",
    "裁定", "调解", "和解", "撤回",
];

/// Words that tie a 行政复议 / 行政诉讼 figure to information disclosure, somewhere in its sentence.
const DISCLOSURE_WORDS: [&str; 5] = ["信息公开", "被申请", "被提起", "被起诉", "依申请"];

/// A 答复 after these is part of the answers (予以公开答复966件, 延期答复); 依申请公开答复 is
/// all of them.
const PART_OF_ANSWERS: [&str; 6] = ["予以公开", "部分公开", "不予公开", "延期", "逾期", "当场"];

/// Which documents a 制发 / 废止 / 现行有效 figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Documents {
    Regulations,
    Normative,
}

fn documents_at(rest: &str) -> Option<Documents> {
    if rest.starts_with("规范性文件") {
        Some(Documents::Normative)
    } else if rest.starts_with("规章") && !rest.starts_with("规章制度") {
        Some(Documents::Regulations)
    } else {
        None
    }
}

/// A figure the narrative states.
#[derive(Debug, Clone, PartialEq)]
struct Claim {
    topic: Topic,
    documents: Option<Documents>,
    reading: Reading,
    /// Byte ranges in the section: the words quoted in the message, and the number.
    quote: Range<usize>,
    number: Range<usize>,
    /// The year its sentence named before it, if any.
    year: Option<u32>,
}

/// What the scan knows of the sentence and clause it is in.
#[derive(Debug, Default)]
struct Context {
    /// Byte offset where the clause began (after ， ： （ ） or a sentence end; not after 、).
    clause_start: usize,
    /// Brackets open in the sentence.
    brackets: usize,
    /// 其中 since the sentence began, and how many brackets were open there: the figures
    /// after it are parts, up to the end of the sentence or of its bracket
    /// (“（其中新收10件、上年结转2件），办结11件”).
    breakdown: Option<usize>,
    /// The sentence speaks of information disclosure (信息公开, 被申请…).
    disclosure: bool,
    /// The sentence speaks of applications (申请).
    applications: bool,
    /// The documents the clause last named.
    documents: Option<Documents>,
    /// The year the sentence last named (`2023年`): a figure of another year than the
    /// report's is no claim about its tables.
    year: Option<u32>,
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '\n' | '!' | '?' | ';')
}

fn ends_clause(c: char) -> bool {
    matches!(c, '，' | '：' | '（' | '）' | '(' | ')' | ',' | ':')
}

/// What cannot stand in a filler: punctuation between clauses and list items, braces.
fn ends_filler(c: char) -> bool {
    ends_sentence(c) || ends_clause(c) || matches!(c, '、' | '{' | '}')
}

/// Whether `c` opens a keyword or a word the scan keeps track of (其中, 申请, 信息公开, 被申请,
/// 依申请, 规章, 规范性文件): most characters of a text open none, and pass at this cost.
fn opens_a_word(c: char) -> bool {
    matches!(
        c,
        '新' | '收'
            | '受'
            | '接'
            | '上'
            | '办'
            | '答'
            | '结'
            | '转'
            | '行'
            | '制'
            | '出'
            | '印'
            | '废'
            | '现'
            | '其'
            | '申'
            | '信'
            | '被'
            | '依'
            | '规'
    )
}

fn keyword_at(rest: &str) -> Option<(&'static str, Topic)> {
    KEYWORDS.iter().copied().find(|(k, _)| rest.starts_with(k))
}

fn contains_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// The last `n` characters of `text`.
fn last_chars(text: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    text.char_indices()
        .rev()
        .nth(n - 1)
        .map_or(text, |(i, _)| &text[i..])
}

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The claims of one section, in order. Linear in the text: each keyword looks a bounded
/// distance back and ahead.
fn claims(text: &str) -> Vec<Claim> {
    let mut out = Vec::new();
    let mut context = Context::default();
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        let rest = &text[at..];
        if rest.starts_with("{{") {
            // A placeholder, filled in from the tables; its name is no prose.
            at += rest.find("}}").map_or(rest.len(), |i| i + 2);
            continue;
        }
        if ends_sentence(c) {
            context = Context {
                clause_start: at + c.len_utf8(),
                ..Context::default()
            };
            at += c.len_utf8();
            continue;
        }
        if ends_clause(c) {
            context.clause_start = at + c.len_utf8();
            context.documents = None;
            match c {
                '（' | '(' => context.brackets += 1,
                '）' | ')' => {
                    context.brackets = context.brackets.saturating_sub(1);
                    if context.breakdown.is_some_and(|b| b > context.brackets) {
                        context.breakdown = None;
                    }
                }
                _ => {}
            }
            at += c.len_utf8();
            continue;
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            // A number outside a claim: only a year (2023年) tells the scan anything.
            if digits == 4 && rest[digits..].starts_with('年') {
                context.year = rest[..digits].parse().ok();
            }
            at += digits;
            continue;
        }
        if !opens_a_word(c) {
            at += c.len_utf8();
            continue;
        }
        if rest.starts_with("其中") && context.breakdown.is_none() {
            context.breakdown = Some(context.brackets);
        }
        context.applications |= rest.starts_with("申请");
        context.disclosure |= DISCLOSURE_WORDS.iter().any(|w| rest.starts_with(w));
        if let Some(documents) = documents_at(rest) {
            context.documents = Some(documents);
        }
        if let Some((keyword, topic)) = keyword_at(rest) {
            out.extend(claim(text, at, keyword, topic, &context));
            at += keyword.len();
            continue;
        }
        at += c.len_utf8();
    }
    out
}

/// The claim of the keyword at byte `start`, if its words make one.
fn claim(
    text: &str,
    start: usize,
    keyword: &str,
    topic: Topic,
    context: &Context,
) -> Option<Claim> {
    if context.breakdown.is_some() {
        return None;
    }
    let before = &text[context.clause_start..start];
    if contains_any(last_chars(before, LOOKBACK_CHARS), NOT_THE_TOTAL) {
        return None;
    }
    let mut back = before.chars().rev();
    match back.next() {
        // 未收到, 不予受理, 无…
        Some('未' | '不' | '予' | '无' | '非') => return None,
        // 行政复议、行政诉讼共3件: one figure for two cells. After a figure (制发8件、废止26件)
        // the list gives each its own.
        Some('、' | '和' | '及' | '与' | '或')
            if !back
                .next()
                .is_some_and(|c| matches!(c, '件' | '个' | '宗' | '起')) =>
        {
            return None;
        }
        _ => {}
    }
    if topic == Topic::Results && PART_OF_ANSWERS.iter().any(|w| before.ends_with(w)) {
        return None;
    }
    // The filler, up to the number.
    let filler_start = start + keyword.len();
    let mut at = filler_start;
    let mut filler_chars = 0;
    let (reading, unit_end) = loop {
        let rest = &text[at..];
        let c = rest.chars().next()?;
        let arabic = numerals::digit_value(c).is_some();
        if arabic || numerals::is_chinese_numeral(c) {
            if let Some(reading) = numerals::read(rest)
                && let Some(end) = unit_after(text, at + reading.len, topic)
            {
                break (reading, end);
            }
            if arabic {
                return None;
            }
            // Chinese numerals that make no figure here are words (统一, 三里屯).
            let run = numerals::chinese_run(rest);
            filler_chars += rest[..run].chars().count();
            at += run;
        } else {
            if ends_filler(c) || keyword_at(rest).is_some() {
                return None;
            }
            filler_chars += 1;
            at += c.len_utf8();
        }
        if filler_chars > FILLER_CHARS {
            return None;
        }
    };
    let filler = &text[filler_start..at];
    // 第三件, 约300件, 近百件, 几十件, 数十件.
    match filler.chars().next_back() {
        Some('第' | '约' | '近' | '逾' | '超') => return None,
        Some('几' | '数' | '若') if reading.chinese => return None,
        _ => {}
    }
    if contains_any(filler, NOT_THE_TOTAL) || contains_any(filler, &NOT_IN_FILLER) {
        return None;
    }
    let given = reading.as_given();
    if topic != Topic::Fees && given.exponent < 0 {
        return None; // 35.5件 counts nothing
    }
    let about_applications = context.applications || filler.contains("申请");
    let accepted = match topic {
        Topic::Received => filler.contains("申请") && !contains_any(filler, &OTHER_REQUESTS),
        Topic::CarriedOver | Topic::Results | Topic::CarriedForward => {
            about_applications && !contains_any(filler, &OTHER_REQUESTS)
        }
        Topic::Review | Topic::Litigation => {
            (context.disclosure || contains_any(filler, &DISCLOSURE_WORDS))
                && !contains_any(filler, &OUTCOMES)
        }
        // 行政处罚3件, 作出行政处罚决定3件; not 行政许可事项, 行政强制措施 (other counts).
        Topic::Licensing | Topic::Penalty | Topic::Coercion => {
            let mut rest = filler.to_string();
            for noise in [
                "共计", "合计", "总计", "数量", "总数", "共", "计", "达", "为", "了",
            ] {
                rest = rest.replace(noise, "");
            }
            rest.is_empty() || rest.contains("决定")
        }
        Topic::Issued | Topic::Repealed | Topic::InForce | Topic::Fees => true,
    };
    if !accepted {
        return None;
    }
    // 制发 / 废止 / 现行有效 count the documents the filler names, else those the clause named.
    let documents = if matches!(topic, Topic::Issued | Topic::Repealed | Topic::InForce) {
        let mut named = None;
        for (i, _) in filler.char_indices() {
            named = documents_at(&filler[i..]).or(named);
        }
        Some(named.or(context.documents)?)
    } else {
        None
    };
    let quote_start = if before.chars().rev().nth(QUOTE_LEAD_CHARS).is_none() {
        context.clause_start
    } else {
        start
    };
    let quote_start = quote_start
        + (text[quote_start..start].len() - text[quote_start..start].trim_start().len());
    Some(Claim {
        topic,
        documents,
        reading,
        quote: quote_start..unit_end,
        number: at..at + reading.len,
        year: context.year,
    })
}

/// Where the unit after a number at byte `at` ends, if it is this topic's unit.
fn unit_after(text: &str, at: usize, topic: Topic) -> Option<usize> {
    let rest = &text[at..];
    // A space or two, as PDFs and pasted web text put around figures.
    let spaces: usize = rest
        .chars()
        .take(2)
        .take_while(|c| matches!(c, ' ' | '\u{3000}'))
        .map(char::len_utf8)
        .sum();
    let unit = rest[spaces..].chars().next()?;
    let fits = match topic {
        Topic::Fees => unit == '元',
        Topic::Review | Topic::Litigation => matches!(unit, '件' | '个' | '宗' | '起'),
        _ => matches!(unit, '件' | '个' | '宗'),
    };
    if !fits {
        return None;
    }
    let end = at + spaces + unit.len_utf8();
    let after = &text[end..];
    // 20个工作日, 3起诉讼… : 个 and 起 then a noun are a measure of something else.
    if matches!(unit, '个' | '起') && after.chars().next().is_some_and(is_ideograph) {
        return None;
    }
    if ["左右", "以上", "以下", "上下", "多"]
        .iter()
        .any(|w| after.starts_with(w))
    {
        return None;
    }
    Some(end)
}

/// The table cell a claim names.
struct Cell {
    /// `表三“一、本年新收政府信息公开申请数量”的总计`
    what: String,
    value: Figure,
    /// The value as the table prints it, with its unit when it is money.
    shown: String,
    /// The placeholder that prints it.
    placeholder: &'static str,
    /// The values it is made of, for skipping figures decoding rejected.
    inputs: Vec<String>,
}

fn cell(report: &Report, claim: &Claim) -> Cell {
    let row = |role: RowRole, placeholder: &'static str| {
        let key = key_of(report, role);
        let label = report
            .format
            .application_rows()
            .iter()
            .find(|r| r.role == role)
            .map_or("", |r| r.label);
        let inputs = match role {
            // （七）总计 is computed from the 21 items.
            RowRole::ResultsTotal => report
                .format
                .application_rows()
                .iter()
                .filter(|r| r.role == RowRole::Item)
                .flat_map(|r| {
                    APPLICANT_COLUMNS[..6]
                        .iter()
                        .map(move |(c, _)| format!("applications.{}.{c}", r.key))
                })
                .collect(),
            _ => APPLICANT_COLUMNS[..6]
                .iter()
                .map(|(c, _)| format!("applications.{key}.{c}"))
                .collect(),
        };
        let total = report.applications.by_role(role).total();
        Cell {
            what: format!("表三“{label}”的总计"),
            value: Figure::integer(total),
            shown: total.to_string(),
            placeholder,
            inputs,
        }
    };
    let outcomes = |group: &str| -> Vec<String> {
        schema::OUTCOME_FIELDS[..4]
            .iter()
            .map(|(k, _)| format!("review_litigation.{group}.{k}"))
            .collect()
    };
    // A figure of table 二 whose placeholder is its own key.
    let count = |what: String, value: u64, placeholder: &'static str| Cell {
        what,
        value: Figure::integer(value),
        shown: value.to_string(),
        placeholder,
        inputs: vec![placeholder.to_string()],
    };
    let ad = &report.active_disclosure;
    let rl = &report.review_litigation;
    match claim.topic {
        Topic::Received => row(RowRole::Received, "applications.new_received.total"),
        Topic::CarriedOver => row(RowRole::CarriedOver, "applications.carried_over.total"),
        Topic::Results => row(RowRole::ResultsTotal, "applications.results_total.total"),
        Topic::CarriedForward => row(
            RowRole::CarriedForward,
            "applications.carried_to_next_year.total",
        ),
        Topic::Review => {
            let total = rl.administrative_review.total();
            Cell {
                what: "表四“行政复议”的总计".into(),
                value: Figure::integer(total),
                shown: total.to_string(),
                placeholder: "review_litigation.administrative_review.total",
                inputs: outcomes("administrative_review"),
            }
        }
        Topic::Litigation => {
            let (direct, after) = (
                rl.litigation_direct.total(),
                rl.litigation_after_review.total(),
            );
            let mut inputs = outcomes("litigation_direct");
            inputs.extend(outcomes("litigation_after_review"));
            Cell {
                what: format!(
                    "表四“行政诉讼”的总计（未经复议直接起诉 {direct} 件、复议后起诉 {after} 件）"
                ),
                value: Figure::integer(direct + after),
                shown: (direct + after).to_string(),
                placeholder: "review_litigation.litigation_total.total",
                inputs,
            }
        }
        Topic::Issued | Topic::Repealed | Topic::InForce => {
            let (documents, key, name) = match claim.documents {
                Some(Documents::Regulations) => (ad.regulations, "regulations", "规章"),
                _ => (
                    ad.normative_documents,
                    "normative_documents",
                    "行政规范性文件",
                ),
            };
            let (field, column, value) = match claim.topic {
                Topic::Issued => ("issued", "本年制发件数", documents.issued),
                Topic::Repealed => ("repealed", "本年废止件数", documents.repealed),
                _ => ("in_force", "现行有效件数", documents.in_force),
            };
            let placeholder = match (key, field) {
                ("regulations", "issued") => "active_disclosure.regulations.issued",
                ("regulations", "repealed") => "active_disclosure.regulations.repealed",
                ("regulations", _) => "active_disclosure.regulations.in_force",
                (_, "issued") => "active_disclosure.normative_documents.issued",
                (_, "repealed") => "active_disclosure.normative_documents.repealed",
                _ => "active_disclosure.normative_documents.in_force",
            };
            count(format!("表二“{name}”的{column}"), value, placeholder)
        }
        Topic::Licensing => count(
            "表二“行政许可”的本年处理决定数量".into(),
            ad.licensing_decisions,
            "active_disclosure.licensing_decisions",
        ),
        Topic::Penalty => count(
            "表二“行政处罚”的本年处理决定数量".into(),
            ad.penalty_decisions,
            "active_disclosure.penalty_decisions",
        ),
        Topic::Coercion => count(
            "表二“行政强制”的本年处理决定数量".into(),
            ad.coercion_decisions,
            "active_disclosure.coercion_decisions",
        ),
        Topic::Fees => Cell {
            what: "表二“行政事业性收费”的本年收费金额".into(),
            // In 元, as the claim is read; a value the model holds is always a plain decimal.
            value: Figure::parse_decimal(ad.fees_10k_yuan.as_str())
                .unwrap_or(Figure::integer(0))
                .scaled(4),
            shown: format!("{} 万元", ad.fees_10k_yuan),
            placeholder: "active_disclosure.fees_10k_yuan",
            inputs: vec!["active_disclosure.fees_10k_yuan".into()],
        },
    }
}

/// The figure a claim states, in the cell's unit (元 for money).
fn stated(claim: &Claim) -> Figure {
    let reading = &claim.reading;
    // 万元 is the table's own unit: 96171.6万元 is exact, not a round figure.
    if claim.topic == Topic::Fees && reading.round && reading.figure.exponent == 4 {
        return reading.figure;
    }
    reading.as_given()
}

/// Rule `prose-figure` over the narrative sections.
pub(super) fn check(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    let text = &report.text;
    let sections = [
        ("preamble", text.preamble.as_deref()),
        ("overview", Some(text.overview.as_str())),
        ("problems", Some(text.problems.as_str())),
        ("other", Some(text.other.as_str())),
    ];
    for (key, section) in sections {
        let Some(section) = section else { continue };
        let path = format!("text.{key}");
        // Claims come in order: each position is counted on from the last.
        let (mut offset, mut line, mut column) = (0, 1, 1);
        for claim in claims(section) {
            if claim.year.is_some_and(|y| y != u32::from(report.year)) {
                continue;
            }
            let cell = cell(report, &claim);
            if stated(&claim).says(cell.value) || touches_invalid(source, &cell.inputs) {
                continue;
            }
            if claim.number.start < offset {
                (offset, line, column) = (0, 1, 1);
            }
            let (lines, col) = chars::line_col(&section[offset..], claim.number.start - offset);
            (line, column) = if lines == 1 {
                (line, column + col - 1)
            } else {
                (line + lines - 1, col)
            };
            offset = claim.number.start;
            out.push(diagnostic(
                source,
                &path,
                (line, column),
                section,
                &claim,
                &cell,
            ));
        }
    }
}

fn diagnostic(
    source: &SourceMap,
    path: &str,
    (line, column): (usize, usize),
    section: &str,
    claim: &Claim,
    cell: &Cell,
) -> Diagnostic {
    let quote = chars::quote(&section[claim.quote.clone()], 60);
    let written = &section[claim.number.clone()];
    // An exact figure not in plain digits (三十, １２, 1,234) is said as the rule read it; a
    // figure given to the 万 (398.58万) is not spelt out as if it were exact.
    let figure = claim.reading.figure;
    let read_as = if figure.exponent == 0 && written != figure.mantissa.to_string() {
        format!("（即 {}）", figure.mantissa)
    } else {
        String::new()
    };
    let message = format!(
        "第 {line} 行：正文写“{quote}”{read_as}，而{what}是 {shown}",
        what = cell.what,
        shown = cell.shown,
    );
    let unit_note = if claim.topic == Topic::Fees {
        "（填入的是以万元计的数）"
    } else {
        ""
    };
    Diagnostic::warning(Rule::ProseFigure, message)
        .at(source.in_text(path, line, column))
        .field(path, schema::label(path))
        .hint(format!(
            "改正正文或表格中的数；也可以把数字写成占位符 {{{{ {} }}}}{unit_note}，让它总与表格一致",
            cell.placeholder
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{self, Syntax};

    /// The claims of a text as (what, figure as an integer or decimal text, quote).
    fn found(text: &str) -> Vec<(Topic, String, String)> {
        claims(text)
            .into_iter()
            .map(|c| {
                let f = stated(&c);
                let figure = match f.as_integer() {
                    Some(n) => n.to_string(),
                    None => format!("{}e{}", f.mantissa, f.exponent),
                };
                (c.topic, figure, text[c.quote].to_string())
            })
            .collect()
    }

    fn one(text: &str) -> (Topic, String) {
        let all = found(text);
        assert_eq!(all.len(), 1, "{text}: {all:?}");
        (all[0].0, all[0].1.clone())
    }

    fn none(text: &str) {
        assert_eq!(found(text), vec![], "{text}");
    }

    #[test]
    fn each_kind_of_claim_is_read() {
        use Topic::*;
        for (text, topic, figure) in [
            ("全年新收政府信息公开申请35件。", Received, "35"),
            (
                "2024年，全市共受理政府信息公开申请3119件，",
                Received,
                "3119",
            ),
            ("全区共收到政府信息依申请公开1499件。", Received, "1499"),
            ("本年度收到申请三十五件。", Received, "35"),
            ("上年结转政府信息公开申请1件。", CarriedOver, "1"),
            ("上年度结转申请34件", CarriedOver, "34"),
            ("共办结申请5件。", Results, "5"),
            ("依申请公开答复１，２３４件。", Results, "1234"),
            ("申请均已办理完毕，办理完毕二十件。", Results, "20"),
            ("申请结转下年度继续办理103件。", CarriedForward, "103"),
            ("申请转入下年度办理两件。", CarriedForward, "2"),
            ("因政府信息公开被申请行政复议2件。", Review, "2"),
            ("政府信息公开行政诉讼一起。", Litigation, "1"),
            ("制发行政规范性文件8件。", Issued, "8"),
            ("印发规范性文件十二件", Issued, "12"),
            ("出台规章1件。", Issued, "1"),
            ("废止规范性文件26件。", Repealed, "26"),
            ("现行有效行政规范性文件66件。", InForce, "66"),
            ("作出行政许可决定447,228件。", Licensing, "447228"),
            ("行政处罚398.58万件。", Penalty, "3985800"),
            ("行政强制共88283件。", Coercion, "88283"),
            ("收取行政事业性收费96171.6万元。", Fees, "961716000"),
            ("行政事业性收费1,250元。", Fees, "1250"),
        ] {
            assert_eq!(one(text), (topic, figure.to_string()), "{text}");
        }
    }

    #[test]
    fn the_quote_takes_a_short_clause_opening_and_stops_at_the_unit() {
        assert_eq!(
            found(
                "2024年，全市共受理政府信息公开申请3119件，答复3050件（含上年度结转申请34件，另有103件顺延到下年度答复）。"
            ),
            vec![
                (
                    Topic::Received,
                    "3119".into(),
                    "全市共受理政府信息公开申请3119件".into()
                ),
                (Topic::Results, "3050".into(), "答复3050件".into()),
                (
                    Topic::CarriedOver,
                    "34".into(),
                    "含上年度结转申请34件".into()
                ),
            ]
        );
        // A long clause opening is left out of the quote.
        assert_eq!(
            found("在各方面的共同努力和支持下本年度新收申请5件")[0].2,
            "新收申请5件"
        );
    }

    #[test]
    fn a_list_after_one_document_kind_gives_each_figure() {
        use Topic::*;
        let all: Vec<(Topic, String)> =
            found("行政规范性文件制发8件、废止26件、现行有效66件；规章现行有效11件。")
                .into_iter()
                .map(|(t, f, _)| (t, f))
                .collect();
        assert_eq!(
            all,
            vec![
                (Issued, "8".into()),
                (Repealed, "26".into()),
                (InForce, "66".into()),
                (InForce, "11".into()),
            ]
        );
        // Two keywords, two figures.
        let two: Vec<(Topic, String)> = found("受理申请一件办结两件。")
            .into_iter()
            .map(|(t, f, _)| (t, f))
            .collect();
        assert_eq!(two, vec![(Received, "1".into()), (Results, "2".into())]);
        let kinds: Vec<_> = claims("规章现行有效11件，现行有效规范性文件3件")
            .iter()
            .map(|c| c.documents)
            .collect();
        assert_eq!(
            kinds,
            vec![Some(Documents::Regulations), Some(Documents::Normative)]
        );
    }

    #[test]
    fn parts_changes_estimates_and_other_things_are_no_claims() {
        for text in [
            // Parts.
            "行政复议351件，其中结果维持72件，答复5件。",
            "共完成答复1453件。其中，予以公开答复966件",
            "网上受理申请1303件",
            "信息公开行政复议结果维持2件",
            "信息公开行政诉讼尚未审结1件",
            "申请逾期答复2件",
            "申请予以公开答复966件",
            // Changes and comparisons.
            "受理申请同比增加35件",
            "较上年多受理申请5件",
            "比上年新收申请增长12件",
            "新收申请占35%",
            // Estimates and ordinals.
            "受理申请约300件",
            "受理申请近百件",
            "新收申请几十件",
            "新收申请数十件",
            "新收申请十几件",
            "受理申请三五件",
            "新收申请300余件",
            "受理申请35件左右",
            "受理申请第三件",
            "新收申请一百五件",
            // One figure for two cells.
            "政府信息公开行政复议、行政诉讼共3件",
            "信息公开行政复议和行政诉讼3件",
            "受理和答复申请35件",
            // Last year's.
            "上年受理申请100件",
            "去年同期新收申请5件",
            // Negation.
            "不予受理申请3件",
            "未收到申请1件",
            // Other things received, answered or counted.
            "受理群众咨询200件",
            "办结人大代表建议32件",
            "收到申请之日起20个工作日内答复",
            "答复期限为15个工作日",
            "新收申请35.5件",
            "2024年新收申请",
            "办理行政复议案件120件",
            "行政许可事项300件",
            "采取行政强制措施88件",
            "制定规章制度5件",
            "废止4件",
            "主动公开规章13件",
            "收取信息处理费3940元",
            "行政事业性收费和信息处理费3940元",
            // Placeholders.
            "新收申请{{ applications.new_received.total }}件",
            "受理申请{{ x }}3件",
            "受理申请{{ 3件",
            // A number before its keyword.
            "另有34件顺延到下年度答复",
        ] {
            none(text);
        }
    }

    #[test]
    fn every_word_the_scan_looks_for_opens_with_a_character_it_stops_at() {
        let words = KEYWORDS
            .iter()
            .map(|(k, _)| *k)
            .chain(DISCLOSURE_WORDS)
            .chain(["其中", "申请", "规章", "规范性文件"]);
        for word in words {
            assert!(opens_a_word(word.chars().next().unwrap()), "{word}");
        }
    }

    #[test]
    fn a_breakdown_ends_with_its_sentence_or_its_bracket() {
        let all: Vec<(Topic, String)> = found(
            "共办理申请12件（其中新收10件、上年结转2件），已办结申请11件，结转下年度1件。\
             受理申请5件，其中网上3件，办结4件。答复5件。",
        )
        .into_iter()
        .map(|(t, f, _)| (t, f))
        .collect();
        assert_eq!(
            all,
            vec![
                (Topic::Results, "11".into()),
                (Topic::CarriedForward, "1".into()),
                (Topic::Received, "5".into()),
            ]
        );
    }

    #[test]
    fn a_placeholder_is_passed_over_and_the_rest_still_read() {
        assert_eq!(
            found("新收申请{{ applications.new_received.total }}件，办结申请5件。"),
            vec![(Topic::Results, "5".into(), "办结申请5件".into())]
        );
    }

    #[test]
    fn any_text_is_read_without_panicking_in_linear_time() {
        let edges = [
            "",
            "万",
            "亿亿亿",
            "１，",
            "１，２",
            "新收申请万件",
            "新收申请亿亿亿件",
            "新收申请１，",
            "受理申请",
            "新收",
            "答复{{",
            "答复{{}}",
            "{{",
            "}}",
            "行政",
            "行政事业性收费",
            "行政事业性收费.元",
            "受理申请9999999999999999999999999999999999999件",
            "受理申请一一一一一一一一一一一一一一一一一一一一一一一一件",
            "申请 \u{3000}",
            "受理申请 ",
            "受理申请3 ",
            "受理申请3 \u{3000}件",
            "行政复议3起",
            "\u{10FFFF}",
            "受理申请0.件",
            "受理申请０．５万件",
            "现行有效",
            "现行有效规章",
        ];
        for text in edges {
            let _ = claims(text);
        }
        // Every prefix of a text full of near-claims: cuts at every character boundary.
        let dense = "全市共受理政府信息公开申请3,119件，答复三千零五十件（含上年度结转申请34件）；\
                     行政规范性文件制发8件、废止二十六件、现行有效66件。行政事业性收费96171.6万元。";
        for (i, _) in dense.char_indices() {
            let _ = claims(&dense[..i]);
            let _ = claims(&dense[i..]);
        }
        // Pseudo-random strings over the characters claims are made of.
        let alphabet: Vec<char> = "新收受理申请答复办结上年结转下年度行政复议诉讼制发废止现行有效规章规范性文件\
                                   许可处罚强制事业性收费一二两三十百千万亿零〇0123456789０１２,，.．件个宗起元\
                                   其中约几第、和，。；{} \u{3000}%"
            .chars()
            .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..300 {
            let len = (seed % 3000) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let _ = claims(&text);
        }
        // A 20,000-character section of claims is read quickly.
        let long = "全年新收政府信息公开申请35件，".repeat(1_250);
        assert_eq!(long.chars().count(), 20_000);
        let started = std::time::Instant::now();
        assert_eq!(claims(&long).len(), 1_250);
        let worst = "受理申请".to_string() + &"一".repeat(19_990) + "件";
        assert!(claims(&worst).is_empty());
        let no_break = "行".repeat(20_000) + "受理申请1件";
        assert_eq!(claims(&no_break).len(), 1);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    fn warnings(overview: &str) -> Vec<String> {
        let base = include_str!("../../tests/data/base.toml");
        let text = base.replace(
            "全年主动公开信息{{ applications.new_received.total }}条。",
            overview,
        );
        model::load("t.toml", &text, Syntax::Toml)
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::ProseFigure)
            .map(|d| format!("{} | {}", d.message, d.hint.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn figures_that_agree_are_silent_and_others_name_the_cell() {
        // base.toml: 新收 6, 上年结转 1, （七）总计 6, 结转 1; 复议 2, 诉讼 1; 规范性文件 2/1/9.
        assert_eq!(
            warnings(
                "全年新收申请6件，上年结转1件，办结申请六件，申请结转下年度1件。\
                 政府信息公开行政复议2件，行政诉讼1件。制发规范性文件两件，废止1件，\
                 现行有效规范性文件9件。行政许可120件，行政处罚35件，行政强制4件，\
                 行政事业性收费12.5万元。"
            ),
            Vec::<String>::new()
        );
        let hint = |p: &str| {
            format!("改正正文或表格中的数；也可以把数字写成占位符 {{{{ {p} }}}}，让它总与表格一致")
        };
        assert_eq!(
            warnings("全年新收申请5件，办结申请三十件。\n信息公开行政诉讼2件。"),
            vec![
                format!(
                    "第 2 行：正文写“全年新收申请5件”，而表三“一、本年新收政府信息公开申请数量”的总计是 6 | {}",
                    hint("applications.new_received.total")
                ),
                format!(
                    "第 2 行：正文写“办结申请三十件”（即 30），而表三“三（七）总计”的总计是 6 | {}",
                    hint("applications.results_total.total")
                ),
                format!(
                    "第 3 行：正文写“信息公开行政诉讼2件”，而表四“行政诉讼”的总计（未经复议直接起诉 1 件、复议后起诉 0 件）是 1 | {}",
                    hint("review_litigation.litigation_total.total")
                ),
            ]
        );
        // A figure given to the 万 is compared at that precision, and not spelt out.
        assert_eq!(
            warnings("行政处罚3.5万件，行政许可0.01万件。"),
            vec![format!(
                "第 2 行：正文写“行政处罚3.5万件”，而表二“行政处罚”的本年处理决定数量是 35 | {}",
                hint("active_disclosure.penalty_decisions")
            )]
        );
        // A figure of another year than the report's (2024) says nothing of its tables.
        assert_eq!(
            warnings("2023年受理申请100件，2024年受理申请6件。2023年度行政许可99件。"),
            Vec::<String>::new()
        );
        assert_eq!(
            warnings("2023年受理申请100件，2024年受理申请7件。").len(),
            1
        );
        assert_eq!(
            warnings("行政事业性收费125,001元。"),
            vec![
                "第 2 行：正文写“行政事业性收费125,001元”（即 125001），而表二“行政事业性收费”的本年收费金额是 12.50 万元 | \
                 改正正文或表格中的数；也可以把数字写成占位符 {{ active_disclosure.fees_10k_yuan }}（填入的是以万元计的数），让它总与表格一致"
                    .to_string()
            ]
        );
    }

    #[test]
    fn every_hint_names_a_placeholder_that_exists() {
        let loaded = model::load(
            "t.toml",
            include_str!("../../tests/data/base.toml"),
            Syntax::Toml,
        );
        let report = loaded.report.as_ref().unwrap();
        let names = crate::template::narrative::Names::of(report);
        let text = "新收申请1件，上年结转申请1件，办结申请1件，申请结转下年度1件。信息公开行政复议1件、\
                    信息公开行政诉讼1件。制发规章1件，废止规章1件，现行有效规章1件。制发规范性文件1件，\
                    废止规范性文件1件，现行有效规范性文件1件。行政许可1件，行政处罚1件，行政强制1件，\
                    行政事业性收费1元";
        let all = claims(text);
        assert_eq!(all.len(), 16, "{all:#?}");
        for claim in &all {
            let name = cell(report, claim).placeholder;
            let filled = crate::template::narrative::render_placeholders(
                &names,
                "other",
                &format!("{{{{ {name} }}}}"),
                &loaded.source,
            );
            assert!(filled.is_ok(), "{name}");
        }
    }

    #[test]
    fn a_rejected_table_value_is_not_compared() {
        let base = include_str!("../../tests/data/base.toml")
            .replace(
                "全年主动公开信息{{ applications.new_received.total }}条。",
                "全年新收申请9件。",
            )
            .replace("new_received = [5, 1,", "new_received = [\"5\", 1,");
        let loaded = model::load("t.toml", &base, Syntax::Toml);
        assert!(loaded.has_errors());
        assert!(
            !loaded
                .diagnostics
                .iter()
                .any(|d| d.rule == Rule::ProseFigure),
            "{:#?}",
            loaded.diagnostics
        );
    }
}
