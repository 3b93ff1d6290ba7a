//! What the narrative of one report must say, and must not: the checks assessors make beyond the
//! arithmetic (docs/data-format.md「`nianbao check` 的规则」).
//!
//! - `improvements`: 五、存在的主要问题及改进情况 is more than a bare “无”, and names a measure;
//! - `fee-statement`: 六、其他需要报告的事项 states the 信息处理费 (国办函〔2020〕109号);
//! - `old-format`: no section cites the superseded 国办公开办函〔2019〕60号;
//! - `period`: a statistics period written in the text is the report's calendar year.
//!
//! Only text the clerk wrote is read: the preamble the template generates is right by
//! construction. Every scan is linear in the text (sections are at most 20,000 characters).

use super::schema;
use super::validate::touches_invalid;
use super::{Date, Report, SourceMap, chars};
use crate::diag::{Diagnostic, Rule, Severity};

pub(super) fn check(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    improvements(report, source, out);
    fee_statement(report, source, out);
    // A year refused by decoding is 0: no format or period to hold the text to.
    if touches_invalid(source, &["year".to_string()]) || report.year == 0 {
        return;
    }
    for (path, text) in written_sections(report, source) {
        old_format(report.year, path, text, source, out);
        period(report.year, path, text, source, out);
    }
}

/// The sections the clerk wrote (the preamble only when given), by key path, without those
/// decoding refused.
pub(super) fn written_sections<'a>(
    report: &'a Report,
    source: &SourceMap,
) -> Vec<(&'static str, &'a str)> {
    let t = &report.text;
    [
        ("text.preamble", t.preamble.as_deref()),
        ("text.overview", Some(t.overview.as_str())),
        ("text.problems", Some(t.problems.as_str())),
        ("text.other", Some(t.other.as_str())),
    ]
    .into_iter()
    .filter_map(|(path, text)| Some((path, text?)))
    .filter(|(path, _)| !touches_invalid(source, &[path.to_string()]))
    .collect()
}

/// Whether a character ends a sentence: the marks of Chinese prose, their ASCII forms, and a line
/// end (a heading or a list item has no mark).
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n')
}

/// The sentences of a text with their byte offsets, the end marks left out; empty ones skipped.
pub(super) fn sentences(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    let mut cuts = text
        .char_indices()
        .filter(|(_, c)| ends_sentence(*c))
        .map(|(i, c)| (i, i + c.len_utf8()))
        .chain(std::iter::once((text.len(), text.len())));
    std::iter::from_fn(move || {
        for (end, next) in cuts.by_ref() {
            let sentence = (start, &text[start..end]);
            start = next;
            if !sentence.1.trim().is_empty() {
                return Some(sentence);
            }
        }
        None
    })
}

/// The value of an ASCII or full-width digit.
pub(super) fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// The location of byte `offset` of the text at `path`, and its line within the text.
fn place(
    source: &SourceMap,
    path: &str,
    text: &str,
    offset: usize,
) -> (crate::diag::Location, usize) {
    let (line, column) = chars::line_col(text, offset);
    (source.in_text(path, line, column), line)
}

fn warning(source: &SourceMap, path: &str, rule: Rule, message: String) -> Diagnostic {
    Diagnostic::new(Severity::Warning, rule, message)
        .at(source.location(path))
        .field(path, schema::label(path))
}

// ---------------------------------------------------------------------------------------------
// improvements

/// What section 五 holds when a clerk has nothing to say, once punctuation and spaces are gone.
const NOTHING: [&str; 16] = [
    "无",
    "暂无",
    "没有",
    "无问题",
    "暂无问题",
    "没有问题",
    "无存在问题",
    "不存在问题",
    "无主要问题",
    "无此项",
    "无此情况",
    "无相关情况",
    "无内容",
    "本年度无",
    "略",
    "无改进情况",
];

/// Words of a measure taken or planned, as sections 五 of real reports write them (the 淮安 and
/// 一面坡镇 reports: “下一步，我市将着力加强……”, “我镇将进一步……完善……加强队伍建设”).
const MEASURE_WORDS: [&str; 22] = [
    "下一步",
    "下步",
    "今后",
    "将",
    "计划",
    "措施",
    "整改",
    "改进",
    "加强",
    "强化",
    "完善",
    "健全",
    "提升",
    "提高",
    "推进",
    "推动",
    "优化",
    "持续",
    "进一步",
    "着力",
    "继续",
    "深化",
];

/// Marks of a shortcoming: the same words after them describe the problem (“有待提高”,
/// “还需进一步加强和改进”, “不够完善”, “未将……纳入”), not a measure.
const SHORTCOMING_CUES: [&str; 7] = ["不够", "不足", "缺乏", "欠", "待", "需", "未"];

/// Words that carry a shortcoming cue on to the measure words after it: “需要进一步加强和改进”.
const CUE_LINKS: [&str; 9] = ["进一步", "更加", "更", "要", "和", "与", "及", "、", "加以"];

fn starts_with_any<'a>(text: &str, words: &[&'a str]) -> Option<&'a str> {
    words.iter().copied().find(|w| text.starts_with(w))
}

/// Whether the text names a measure: a measure word outside a shortcoming phrase. “不” is a cue
/// unless it begins “不断” (“不断提升” is a measure).
fn names_a_measure(text: &str) -> bool {
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let cue = starts_with_any(rest, &SHORTCOMING_CUES)
            .or_else(|| (rest.starts_with('不') && !rest.starts_with("不断")).then_some("不"));
        if let Some(cue) = cue {
            // Skip the cue and every measure word and link chained to it.
            i += cue.len();
            while let Some(w) = starts_with_any(&text[i..], &MEASURE_WORDS)
                .or_else(|| starts_with_any(&text[i..], &CUE_LINKS))
            {
                i += w.len();
            }
            continue;
        }
        if starts_with_any(rest, &MEASURE_WORDS).is_some() {
            return true;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// `improvements`: section 五 empty or a bare “无”, or problems without a measure.
fn improvements(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    let path = "text.problems";
    if touches_invalid(source, &[path.to_string()]) {
        return;
    }
    let text = report.text.problems.trim();
    // An empty section is decoding's `empty-text`, whose hint says what belongs here.
    if text.is_empty() {
        return;
    }
    let bare: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
    let (message, hint) = if bare.is_empty() || NOTHING.contains(&bare.as_str()) {
        let what = format!("只写了“{}”", chars::quote(text, 20));
        (
            format!("五、存在的主要问题及改进情况{what}：应写明本年工作存在的主要问题和改进措施"),
            "如实写出本年工作的一两个不足，再写明下一步的改进措施（《条例》第五十条要求报告存在的主要问题及改进情况）",
        )
    } else if !names_a_measure(text) {
        (
            "五、存在的主要问题及改进情况只写了问题，没有写改进措施（如“下一步，将加强……、完善……”）"
                .to_string(),
            "在问题之后写明针对每个问题的改进措施：做什么、怎么做",
        )
    } else {
        return;
    };
    out.push(warning(source, path, Rule::Improvements, message).hint(hint));
}

// ---------------------------------------------------------------------------------------------
// fee-statement

/// `fee-statement`: section 六 must say what 信息处理费 was charged (国办函〔2020〕109号), if
/// only that none was. Table 二's 行政事业性收费 is the organ's own fees under 条例 第二十条第（八）项,
/// another matter: it is not looked at.
fn fee_statement(report: &Report, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    let path = "text.other";
    // An empty section is decoding's `empty-text`, whose hint asks for this statement.
    let other = &report.text.other;
    if touches_invalid(source, &[path.to_string()])
        || other.trim().is_empty()
        || other.contains("信息处理费")
    {
        return;
    }
    let message =
        "六、其他需要报告的事项没有说明信息处理费的收取情况（国办函〔2020〕109号）".to_string();
    out.push(warning(source, path, Rule::FeeStatement, message).hint(
        "写明本年收取政府信息公开信息处理费的金额；没有收取的写“无收取信息处理费情况。”。\
             表二的“行政事业性收费”是另一回事，不能代替这一说明",
    ));
}

// ---------------------------------------------------------------------------------------------
// old-format

/// How far before `〔2019〕60号` the issuer of the notice is sought (“国办公开办函”).
const ISSUER_WINDOW: usize = 10;

/// Brackets a document number's year is written in.
fn is_bracket(c: char) -> bool {
    matches!(
        c,
        '〔' | '〕'
            | '['
            | ']'
            | '（'
            | '）'
            | '('
            | ')'
            | '【'
            | '】'
            | '［'
            | '］'
            | '﹝'
            | '﹞'
            | '{'
            | '}'
    )
}

/// Every citation of 国办公开办函〔2019〕60号 in a text, however the year is bracketed or spaced
/// (〔2019〕, [2019], （2019）, 2019年, full-width digits): byte start and end of each.
fn citations_of_2019_format(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let digits_at = |i: usize, want: &str| -> bool {
        let n = want.chars().count();
        let fits = chars.len() >= i + n
            && want
                .chars()
                .zip(&chars[i..i + n])
                .all(|(w, (_, c))| digit(*c) == w.to_digit(10));
        let alone = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_none_or(|(_, c)| digit(*c).is_none())
        };
        fits && alone(i.checked_sub(1)) && alone(Some(i + n))
    };
    let skip_spaces = |mut i: usize| {
        while chars.get(i).is_some_and(|(_, c)| c.is_whitespace()) {
            i += 1;
        }
        i
    };
    let mut found = Vec::new();
    for i in 0..chars.len() {
        if !digits_at(i, "2019") {
            continue;
        }
        let mut j = skip_spaces(i + 4);
        if chars
            .get(j)
            .is_some_and(|(_, c)| is_bracket(*c) || *c == '年')
        {
            j = skip_spaces(j + 1);
        }
        if !digits_at(j, "60") {
            continue;
        }
        let j = skip_spaces(j + 2);
        if chars.get(j).map(|(_, c)| *c) != Some('号') {
            continue;
        }
        // The issuer before the number: 国办公开办函, or at least 公开办 / 办函 of it.
        let mut k = i;
        while k > 0 && (chars[k - 1].1.is_whitespace() || is_bracket(chars[k - 1].1)) {
            k -= 1;
        }
        let window_start = chars[k.saturating_sub(ISSUER_WINDOW)].0;
        let window = &text[window_start..chars.get(k).map_or(text.len(), |(b, _)| *b)];
        let Some(issuer) = ["国办", "公开办", "办函"]
            .iter()
            .find_map(|w| window.find(w))
        else {
            continue;
        };
        let end = chars[j].0 + '号'.len_utf8();
        found.push((window_start + issuer, end));
    }
    found
}

fn old_format(year: u16, path: &str, text: &str, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    if year < 2021 {
        return;
    }
    let found = citations_of_2019_format(text);
    let Some(&(start, end)) = found.first() else {
        return;
    };
    let (at, line) = place(source, path, text, start);
    let more = if found.len() > 1 {
        format!("（这一部分共 {} 处）", found.len())
    } else {
        String::new()
    };
    let message = format!(
        "第 {line} 行引用了已被取代的“{}”{more}：它是 2019、2020 年度报告的试行格式，{year} 年度的报告按 国办公开办函〔2021〕30号 编制",
        chars::quote(&text[start..end], 40)
    );
    out.push(
        Diagnostic::warning(Rule::OldFormat, message)
            .at(at)
            .field(path, schema::label(path))
            .hint("改为“国办公开办函〔2021〕30号”；这一句多是沿用旧报告的，一并核对上下文"),
    );
}

// ---------------------------------------------------------------------------------------------
// period

/// A date as prose writes it: `2024年1月1日`, or a month alone (`2024年1月`), the year left out
/// at the end of a range (`至12月31日`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProseDate {
    year: Option<u16>,
    month: u8,
    day: Option<u8>,
}

/// Reads prose dates and ranges from the characters of one sentence.
struct Scanner<'a> {
    chars: &'a [char],
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        i
    }

    /// A number of 1..=`max` digits at `i` that is not part of a longer one, and where it ends.
    fn number(&self, i: usize, max: usize) -> Option<(u32, usize)> {
        if i > 0 && self.at(i - 1).and_then(digit).is_some() {
            return None;
        }
        let mut value = 0;
        let mut j = i;
        while let Some(d) = self.at(j).and_then(digit) {
            if j - i == max {
                return None;
            }
            value = value * 10 + d;
            j += 1;
        }
        (j > i).then_some((value, j))
    }

    /// `N` then `unit` (spaces allowed between), and where it ends.
    fn unit(&self, i: usize, max: usize, units: &[char]) -> Option<(u32, usize)> {
        let (n, j) = self.number(i, max)?;
        let j = self.skip_spaces(j);
        units
            .contains(&self.at(j)?)
            .then(|| (n, self.skip_spaces(j + 1)))
    }

    /// A date at `i` (its year optional when `need_year` is false), and where it ends.
    fn date(&self, i: usize, need_year: bool) -> Option<(ProseDate, usize)> {
        let (year, i) = match self.unit(i, 4, &['年']) {
            Some((y, j)) if y >= 1000 => (Some(y as u16), j),
            Some(_) => return None,
            None if need_year => return None,
            None => (None, i),
        };
        let (month, i) = self.unit(i, 2, &['月'])?;
        let (day, i) = match self.unit(i, 2, &['日', '号']) {
            Some((d, j)) => (Some(d as u8), j),
            None => (None, i),
        };
        let date = ProseDate {
            year,
            month: u8::try_from(month).ok()?,
            day,
        };
        Some((date, i))
    }

    /// A range at `i`: a date, 起, 至/到/a dash, a date (its year may be left out), 止.
    fn range(&self, i: usize) -> Option<(Date, Date, usize)> {
        let (from, mut j) = self.date(i, true)?;
        if self.at(j) == Some('起') {
            j = self.skip_spaces(j + 1);
        }
        match self.at(j)? {
            '至' | '到' | '~' | '～' | '-' | '－' | '–' | '—' | '―' => {}
            _ => return None,
        }
        while matches!(
            self.at(j),
            Some('至' | '到' | '~' | '～' | '-' | '－' | '–' | '—' | '―')
        ) {
            j += 1;
        }
        let (to, mut j) = self.date(self.skip_spaces(j), false)?;
        if self.at(j) == Some('止') {
            j += 1;
        }
        let from_year = from.year?;
        let start = Date::new(from_year, from.month, from.day.unwrap_or(1))?;
        let to_year = to.year.unwrap_or(from_year);
        let end = match to.day {
            Some(day) => Date::new(to_year, to.month, day)?,
            // A month alone ends on its last day.
            None => (28..=31)
                .rev()
                .find_map(|day| Date::new(to_year, to.month, day))?,
        };
        Some((start, end, j))
    }
}

/// `period`: a date range that is another whole calendar year, or any range in a sentence about
/// the 统计 that is not exactly the report's year. Other ranges (“3月1日至5月31日开展专项行动”)
/// are the work's own dates.
fn period(year: u16, path: &str, text: &str, source: &SourceMap, out: &mut Vec<Diagnostic>) {
    let whole_year = |y: u16| (Date::new(y, 1, 1), Date::new(y, 12, 31));
    let (first, last) = whole_year(year);
    for (offset, sentence) in sentences(text) {
        let indexed: Vec<(usize, char)> = sentence.char_indices().collect();
        let chars: Vec<char> = indexed.iter().map(|(_, c)| *c).collect();
        let scanner = Scanner { chars: &chars };
        let about_statistics = sentence.contains("统计");
        let mut i = 0;
        while i < chars.len() {
            let Some((start, end, j)) = scanner.range(i) else {
                i += 1;
                continue;
            };
            let other_year = start.year == end.year
                && start.year != year
                && whole_year(start.year) == (Some(start), Some(end));
            let this_year = (Some(start), Some(end)) == (first, last);
            if other_year || (about_statistics && !this_year) {
                let from = indexed[i].0;
                let to = indexed.get(j).map_or(sentence.len(), |(b, _)| *b);
                let written = sentence[from..to].trim_end();
                let (at, line) = place(source, path, text, offset + from);
                let message = format!(
                    "第 {line} 行的统计期间“{}”不是本报告的年度：{year} 年度报告统计 {year}年1月1日至{year}年12月31日",
                    chars::quote(written, 40)
                );
                out.push(
                    Diagnostic::warning(Rule::Period, message)
                        .at(at)
                        .field(path, schema::label(path))
                        .hint(format!(
                            "核对这一期间，改为“{year}年1月1日至{year}年12月31日”；沿用上年报告的句子时常漏改年份"
                        )),
                );
            }
            i = j.max(i + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_the_marks_and_line_ends() {
        let found: Vec<(usize, &str)> = sentences("甲。乙；\n\n丙！丁").collect();
        assert_eq!(found, [(0, "甲"), (6, "乙"), (14, "丙"), (20, "丁")]);
        assert_eq!(sentences("").count(), 0);
        assert_eq!(sentences("。。\n").count(), 0);
    }

    #[test]
    fn measures_are_told_from_shortcomings() {
        for measure in [
            "下一步，我镇将加强培训。",
            "针对这些问题，我镇将进一步认真研究，逐一加以解决。",
            "不断提升公开质量。",
            "个别栏目更新不及时，下一步将加强检查，及时更新。",
        ] {
            assert!(names_a_measure(measure), "{measure}");
        }
        for shortcoming in [
            "个别栏目更新不及时，政策解读形式单一。",
            "一是政策解读质量仍需提升；二是队伍建设还需进一步加强和改进。",
            "业务能力有待提高，制度不够完善，未将政务公开纳入考核。",
            "还有一些需要加强和改进的地方。",
        ] {
            assert!(!names_a_measure(shortcoming), "{shortcoming}");
        }
    }

    #[test]
    fn citations_of_the_2019_notice_in_any_bracket() {
        for text in [
            "依据国办公开办函〔2019〕60号编制。",
            "依据国办公开办函[2019]60号编制。",
            "依据国办公开办函（2019）60号编制。",
            "依据国办公开办函〔 2019 〕 60 号编制。",
            "依据国办公开办函2019年60号编制。",
            "依据《通知》（国办公开办函〔２０１９〕６０号）编制。",
        ] {
            let found = citations_of_2019_format(text);
            assert_eq!(found.len(), 1, "{text}");
            let (start, end) = found[0];
            assert!(text[start..end].starts_with("国办公开办函"), "{text}");
            assert!(text[start..end].ends_with('号'), "{text}");
        }
        for text in [
            "依据国办公开办函〔2021〕30号编制。",
            "某县政发〔2019〕60号",
            "国办公开办函〔2019〕600号",
            "国办公开办函〔12019〕60号",
            "2019",
            "国办公开办函〔2019〕",
        ] {
            assert!(citations_of_2019_format(text).is_empty(), "{text}");
        }
    }

    fn ranges(sentence: &str) -> Vec<(String, String)> {
        let chars: Vec<char> = sentence.chars().collect();
        let scanner = Scanner { chars: &chars };
        (0..chars.len())
            .filter_map(|i| scanner.range(i))
            .map(|(a, b, _)| (a.iso(), b.iso()))
            .collect()
    }

    #[test]
    fn date_ranges_as_reports_write_them() {
        let year = |a: &str, b: &str| vec![(a.to_string(), b.to_string())];
        assert_eq!(
            ranges("统计期限自2024年1月1日起至2024年12月31日止"),
            year("2024-01-01", "2024-12-31")
        );
        assert_eq!(
            ranges("统计时限为2024年1月1日至12月31日"),
            year("2024-01-01", "2024-12-31")
        );
        assert_eq!(
            ranges("统计期间为2023年1月—12月"),
            year("2023-01-01", "2023-12-31")
        );
        assert_eq!(
            ranges("２０２４年３月１日到５月３１日"),
            year("2024-03-01", "2024-05-31")
        );
        assert!(ranges("2024年2月30日至3月1日").is_empty());
        assert!(ranges("2024年1月1日，12月31日").is_empty());
        assert!(ranges("12024年1月1日至12月31日").is_empty());
        assert!(ranges("至12月31日").is_empty());
    }
}
