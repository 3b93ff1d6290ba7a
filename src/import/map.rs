//! From a [`Scanned`] document to a data file, by the labels of the 2021 format: the title
//! gives the organ and the year, the section headings (in either wording) divide the
//! narrative, and every figure of a table is placed by the labels of its row and its column,
//! never by its position alone. What cannot be placed is said, with its place in the source,
//! and the data file written leaves it out with a comment, so that `check` stops on it.

use std::collections::BTreeMap;

use super::{Place, Scanned, ScannedBlock, ScannedCell, ScannedTable};
use crate::diag::{Diagnostic, Location, Rule};
use crate::model::schema::{
    APPLICANT_COLUMNS, APPLICATION_ROWS_2021, OUTCOME_FIELDS, REVIEW_GROUPS,
};

/// What was read of a report: its values by data-file path, and what could not be read.
#[derive(Debug, Default, Clone)]
pub struct Draft {
    pub organ: Option<String>,
    pub year: Option<u16>,
    pub preamble: Option<String>,
    /// Contact details, by key (`address`, `postcode`, `phone`, `email`, `website`,
    /// `website_name`): read from a preamble the template wrote from them.
    pub contact: BTreeMap<&'static str, String>,
    /// What the data file's first comment says it came from.
    pub origin: Option<String>,
    /// The three narrative sections, by key (`overview`, `problems`, `other`).
    pub text: BTreeMap<&'static str, String>,
    pub signature_organ: Option<String>,
    pub signature_date: Option<String>,
    /// Every figure found, by path (`applications.granted.0`, `active_disclosure.regulations.issued`).
    pub figures: BTreeMap<String, (String, Place)>,
    /// Findings: what is missing or could not be read, where.
    pub notes: Vec<Diagnostic>,
    /// Cells where a figure belongs that hold none (blank) or text: findings unless the
    /// whole report is a blank form.
    unread: Vec<Diagnostic>,
    /// A blank form (the format's tables without a figure): imported as a report to fill in.
    pub blank: bool,
    /// A report in the 2019 trial format: said, and never taken for a blank form.
    format_2019: bool,
}

/// The section a heading opens, by the words of either wording (short: 二、主动公开政府信息情况;
/// 条例第五十条: 行政机关主动公开政府信息情况).
const SECTIONS: [(&str, Section); 6] = [
    ("总体情况", Section::Overview),
    ("主动公开政府信息情况", Section::Table),
    ("收到和处理政府信息公开申请情况", Section::Table),
    ("行政复议", Section::Table),
    ("存在的主要问题及改进情况", Section::Problems),
    ("其他需要报告的事项", Section::Other),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Preamble,
    Overview,
    Table,
    Problems,
    Other,
}

/// Maps a scanned report; `name` is the source file, for messages.
pub fn map(scanned: &Scanned, name: &str) -> Draft {
    let mut draft = Draft::default();
    let mut section = Section::Preamble;
    let mut title = String::new();
    let mut title_done = false;
    let mut paragraphs: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut preamble = Vec::new();
    let mut tables = Vec::new();
    for block in &scanned.blocks {
        match block {
            ScannedBlock::Text { text, at } => {
                let text = text.trim().to_string();
                if text.is_empty() {
                    continue;
                }
                if !title_done {
                    title.push_str(&text);
                    if title.contains("年度报告") {
                        title_done = true;
                        read_title(&title, &mut draft, name, *at);
                    }
                    continue;
                }
                if let Some(next) = heading(&text) {
                    section = next;
                    continue;
                }
                match section {
                    Section::Preamble => preamble.push(text),
                    Section::Overview => paragraphs.entry("overview").or_default().push(text),
                    Section::Problems => paragraphs.entry("problems").or_default().push(text),
                    Section::Other => paragraphs.entry("other").or_default().push(text),
                    Section::Table => {}
                }
            }
            ScannedBlock::Table(t) => tables.push(t),
        }
    }
    // The 落款 closes section 六: its date, and the short lines before it.
    if let Some(other) = paragraphs.get_mut("other") {
        read_signature(other, &mut draft);
    }
    if !preamble.is_empty() {
        draft.preamble = Some(preamble.join("\n\n"));
    }
    for (key, label) in [
        ("overview", "一、总体情况"),
        ("problems", "五、存在的主要问题及改进情况"),
        ("other", "六、其他需要报告的事项"),
    ] {
        match paragraphs.remove(key) {
            Some(p) if !p.is_empty() => {
                draft.text.insert(key, p.join("\n\n"));
            }
            _ => draft.notes.push(
                Diagnostic::error(Rule::Import, format!("没有找到「{label}」一节的正文"))
                    .at(Location::file(name))
                    .field(format!("text.{key}"), label),
            ),
        }
    }
    if !title_done {
        draft.notes.push(
            Diagnostic::error(
                Rule::Import,
                "没有找到报告标题（“××××年政府信息公开工作年度报告”）",
            )
            .at(Location::file(name)),
        );
    }
    // A table continued on the next page without its header rows (as Word sets it when the
    // header is not marked to repeat) is read under the header of the part before it.
    let mut recognised = 0;
    let mut previous: Option<&ScannedTable> = None;
    for t in tables {
        if table_kind(t).is_some() {
            read_table(t, &mut draft, name);
            recognised += 1;
            previous = Some(t);
        } else if let Some(merged) = previous.and_then(|p| continued(p, t)) {
            read_table(&merged, &mut draft, name);
        } else {
            read_table(t, &mut draft, name);
            previous = None;
        }
    }
    if recognised > 0 && !draft.format_2019 {
        missing_figures(&mut draft, name);
    }
    let unread = std::mem::take(&mut draft.unread);
    if recognised > 0 && draft.figures.is_empty() && !draft.format_2019 {
        // Nothing filled in: what is missing is everything, and that is what a blank form is.
        draft.blank = true;
        for note in &mut draft.notes {
            note.severity = crate::diag::Severity::Warning;
        }
        draft.notes.insert(
            0,
            Diagnostic::warning(
                Rule::Import,
                "这是没有填写的报告（空白模板）：读出的数据文件中各项留空待填",
            )
            .at(Location::file(name)),
        );
    } else {
        draft.notes.extend(unread);
    }
    draft
}

/// A label for matching: no white space at all, brackets and digits as the format prints
/// them, and an item's number ended with a point (`1、属于…` and `1．属于…` as `1.属于…`).
fn label(text: &str) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            ',' => '，',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect();
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && out[digits..].starts_with('、') {
        out.replace_range(digits..digits + '、'.len_utf8(), ".");
    }
    out
}

/// The section a paragraph opens when it is a heading.
fn heading(text: &str) -> Option<Section> {
    let l = label(text);
    if l.chars().count() > 40 || l.ends_with('。') {
        return None;
    }
    let body = l
        .split_once('、')
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| "一二三四五六".contains(c)))
        .map_or(l.as_str(), |(_, rest)| rest);
    SECTIONS
        .iter()
        .find(|(words, _)| body.contains(words))
        .map(|&(_, s)| s)
}

/// The organ and the year from the title: `淮安市人民政府2024年政府信息公开工作年度报告`.
fn read_title(title: &str, draft: &mut Draft, name: &str, at: Place) {
    let l = label(title);
    let Some(end) = l.find("年政府信息公开工作年度报告") else {
        draft.notes.push(
            Diagnostic::error(Rule::Import, format!("标题「{title}」中没有年度"))
                .at(place(name, at)),
        );
        return;
    };
    let head = &l[..end];
    let digits: String = head
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    draft.year = digits.parse().ok().filter(|y| (2000..=2100).contains(y));
    let organ = head[..head.len() - digits.len()].trim();
    if !organ.is_empty() {
        draft.organ = Some(organ.to_string());
    }
}

/// The 落款 at the end of section 六: a date line, and the lines of the 署名 before it (short
/// lines that end no sentence).
fn read_signature(other: &mut Vec<String>, draft: &mut Draft) {
    let Some(date) = other.last().and_then(|l| parse_date(l)) else {
        return;
    };
    other.pop();
    draft.signature_date = Some(date);
    let mut organ = Vec::new();
    while let Some(line) = other.last() {
        let sentence = line.ends_with(['。', '；', '：', '！', '？', '.']);
        if sentence || line.chars().count() > 40 || organ.len() >= 8 {
            break;
        }
        organ.push(other.pop().expect("a line"));
    }
    organ.reverse();
    if !organ.is_empty() {
        draft.signature_organ = Some(organ.concat());
    }
}

/// `2025年1月20日` (or in Chinese numerals, `二〇二五年一月二十日`) as `2025-01-20`.
fn parse_date(text: &str) -> Option<String> {
    let l = label(text);
    let digit = |c: char| match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '〇' | '零' | 'Ｏ' | 'O' => Some(0),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let number = |part: &str| -> Option<u32> {
        if let Some((tens, ones)) = part.split_once('十') {
            let tens = if tens.is_empty() {
                1
            } else {
                digit(tens.chars().next()?)?
            };
            let ones = if ones.is_empty() {
                0
            } else {
                digit(ones.chars().next()?)?
            };
            return Some(tens * 10 + ones);
        }
        part.chars().try_fold(0, |n, c| Some(n * 10 + digit(c)?))
    };
    let rest = l.strip_suffix('日')?;
    let (year, rest) = rest.split_once('年')?;
    let (month, day) = rest.split_once('月')?;
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    ((1990..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

fn place(name: &str, at: Place) -> Location {
    let mut where_ = Vec::new();
    if let Some(p) = at.page {
        where_.push(format!("第{p}页"));
    }
    if let Some(t) = at.table {
        where_.push(format!("表格{t}"));
    }
    if let Some(r) = at.row {
        where_.push(format!("第{r}行"));
    }
    if let Some(c) = at.col {
        where_.push(format!("第{c}列"));
    }
    if let Some(l) = at.line {
        where_.push(format!("第{l}段"));
    }
    if where_.is_empty() {
        Location::file(name)
    } else {
        Location::file(&format!("{name}（{}）", where_.join("")))
    }
}

/// A figure as a cell holds it: digits (full-width too, thousands separators dropped), or a
/// mark that the cell has none (`/`, `—`, `无`: taken as 0). `None` for a label.
fn figure(text: &str) -> Option<String> {
    let l = label(text).replace(['，', ','], "");
    if matches!(
        l.as_str(),
        "/" | "／" | "—" | "——" | "-" | "－" | "无" | "0"
    ) {
        return Some("0".into());
    }
    let digits = l.strip_prefix('-').unwrap_or(&l);
    let figure = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().any(|c| c.is_ascii_digit())
        && digits.matches('.').count() <= 1;
    figure.then_some(l)
}

/// A cell with the labels of its row (left to right) and of its column (nearest first).
struct Labelled {
    /// The figure, when the cell holds one.
    value: Option<String>,
    row: Vec<String>,
    col: Vec<String>,
}

/// The labels of `cell`: the label cells that cover its row to its left, and those that
/// cover its columns above it.
fn labels_of(t: &ScannedTable, is_label: &[bool], cell: &ScannedCell) -> Labelled {
    let covers_row = |c: &ScannedCell| c.row <= cell.row && cell.row < c.row + c.rowspan;
    let covers_col = |c: &ScannedCell| c.col <= cell.col && cell.col < c.col + c.colspan;
    let labels = || {
        t.cells
            .iter()
            .zip(is_label)
            .filter(|(_, l)| **l)
            .map(|(c, _)| c)
    };
    let mut row: Vec<&ScannedCell> = labels()
        .filter(|c| covers_row(c) && c.col < cell.col)
        .collect();
    row.sort_by_key(|c| c.col);
    let mut col: Vec<&ScannedCell> = labels()
        .filter(|c| covers_col(c) && c.row < cell.row)
        .collect();
    col.sort_by_key(|c| std::cmp::Reverse(c.row));
    Labelled {
        value: figure(&cell.text),
        row: row.into_iter().map(|c| label(&c.text)).collect(),
        col: col.into_iter().map(|c| label(&c.text)).collect(),
    }
}

/// A table part without header rows after a part with them: the earlier part's header rows
/// above the continuation's rows, and a label the page break cut (（四）无 | 法提供, or a
/// merged cell left empty on the new page) made whole again. `None` when `part` has figures
/// in columns the header does not have.
fn continued(previous: &ScannedTable, part: &ScannedTable) -> Option<ScannedTable> {
    let is_figure = |c: &ScannedCell| figure(&c.text).is_some();
    let first_row = previous
        .cells
        .iter()
        .filter(|c| is_figure(c))
        .map(|c| c.row)
        .min()?;
    let first_col = previous
        .cells
        .iter()
        .filter(|c| is_figure(c))
        .map(|c| c.col)
        .min()?;
    let width = previous.cells.iter().map(|c| c.col + c.colspan).max()?;
    let last_row = previous.cells.iter().map(|c| c.row + c.rowspan).max()?;
    if part.cells.iter().map(|c| c.col + c.colspan).max()? != width
        || !part.cells.iter().any(&is_figure)
    {
        return None;
    }
    let mut cells: Vec<ScannedCell> = previous
        .cells
        .iter()
        .filter(|c| c.row + c.rowspan <= first_row)
        .cloned()
        .collect();
    let top = part.cells.iter().map(|c| c.row).min()?;
    for c in &part.cells {
        let mut c = c.clone();
        if c.row == top && c.col < first_col && !is_figure(&c) {
            // The label of the rows the break cut: what the earlier part shows of it, then
            // what this one does.
            let cut = previous.cells.iter().find(|p| {
                p.col == c.col
                    && p.row + p.rowspan == last_row
                    && !is_figure(p)
                    && p.row >= first_row
            });
            if let Some(cut) = cut {
                let own = label(&c.text);
                let whole_label = own.starts_with('（')
                    || own.chars().next().is_some_and(|ch| ch.is_ascii_digit());
                if !whole_label && !label(&cut.text).contains("办理结果") {
                    c.text = format!("{}{}", cut.text.trim(), c.text.trim());
                }
            }
        }
        c.row = c.row - top + first_row;
        cells.push(c);
    }
    Some(ScannedTable { at: part.at, cells })
}

/// The path of every figure of the three tables, as the draft keeps them.
pub(super) fn figure_paths() -> Vec<String> {
    let mut paths = Vec::new();
    for item in ["regulations", "normative_documents"] {
        for field in ["issued", "repealed", "in_force"] {
            paths.push(format!("active_disclosure.{item}.{field}"));
        }
    }
    for key in [
        "licensing_decisions",
        "penalty_decisions",
        "coercion_decisions",
        "fees_10k_yuan",
    ] {
        paths.push(format!("active_disclosure.{key}"));
    }
    for spec in APPLICATION_ROWS_2021 {
        for c in 0..APPLICANT_COLUMNS.len() {
            paths.push(format!("applications.{}.{c}", spec.key));
        }
    }
    for (group, _) in REVIEW_GROUPS {
        for (field, _) in OUTCOME_FIELDS {
            paths.push(format!("review_litigation.{group}.{field}"));
        }
    }
    paths
}

/// Every figure of the three tables that no table gave: an import finding each row or item,
/// so that nothing is taken for 0 by its absence.
fn missing_figures(draft: &mut Draft, name: &str) {
    let has = |draft: &Draft, path: &str| draft.figures.contains_key(path);
    let mut missing = Vec::new();
    for (item, label) in [
        ("regulations", "规章"),
        ("normative_documents", "行政规范性文件"),
    ] {
        for field in ["issued", "repealed", "in_force"] {
            if !has(draft, &format!("active_disclosure.{item}.{field}")) {
                missing.push(format!("表二「{label}」"));
                break;
            }
        }
    }
    for (key, label) in [
        ("licensing_decisions", "行政许可"),
        ("penalty_decisions", "行政处罚"),
        ("coercion_decisions", "行政强制"),
        ("fees_10k_yuan", "行政事业性收费"),
    ] {
        if !has(draft, &format!("active_disclosure.{key}")) {
            missing.push(format!("表二「{label}」"));
        }
    }
    for spec in APPLICATION_ROWS_2021 {
        if (0..APPLICANT_COLUMNS.len())
            .any(|c| !has(draft, &format!("applications.{}.{c}", spec.key)))
        {
            missing.push(format!("表三「{}」", spec.label));
        }
    }
    for (key, label) in REVIEW_GROUPS {
        if OUTCOME_FIELDS
            .iter()
            .any(|(f, _)| !has(draft, &format!("review_litigation.{key}.{f}")))
        {
            missing.push(format!("表四「{label}」"));
        }
    }
    if !missing.is_empty() {
        draft.notes.push(
            Diagnostic::error(
                Rule::Import,
                format!(
                    "这些行的数字没有读全，数据文件中以“# 缺”标出：{}",
                    missing.join("、")
                ),
            )
            .at(Location::file(name)),
        );
    }
}

/// Which of the three tables, by the labels it holds, and the path of a cell by its labels.
/// The path of a figure by its labels, for one table.
type PathOf = fn(&Labelled) -> Option<String>;

fn table_kind(t: &ScannedTable) -> Option<(&'static str, PathOf)> {
    let all: String = t.cells.iter().map(|c| label(&c.text)).collect();
    if all.contains("第二十条") {
        Some(("表二", table2_path))
    } else if all.contains("申请人情况") || all.contains("本年度办理结果") {
        Some(("表三", table3_path))
    } else if all.contains("行政复议") && all.contains("行政诉讼") {
        Some(("表四", table4_path))
    } else {
        None
    }
}

/// Reads one of the three tables into the draft; whether it is one of them. Every figure is
/// placed by its labels; a cell whose labels name a figure but whose text is not one (约3, a
/// blank) is said with its place.
fn read_table(t: &ScannedTable, draft: &mut Draft, name: &str) -> bool {
    // Each cell's labels are looked for among all the table's cells: bounded first.
    if t.cells.len() > crate::limits::IMPORT_TABLE_CELLS {
        draft.notes.push(
            crate::limits::error(
                "导入的一张表格的单元格数",
                "import_table_cells",
                format!("{} 个", crate::limits::IMPORT_TABLE_CELLS),
                format!("有 {} 个，这张表格没有读取", t.cells.len()),
            )
            .at(place(name, t.at)),
        );
        return false;
    }
    let Some((table, path_of)) = table_kind(t) else {
        if t.cells.iter().any(|c| figure(&c.text).is_some()) {
            draft.notes.push(
                Diagnostic::warning(
                    Rule::Import,
                    "这张表格不是 2021 年格式的三张表之一，没有读取",
                )
                .at(place(name, t.at)),
            );
        }
        return false;
    };
    if table == "表二" {
        let all: String = t.cells.iter().map(|c| label(&c.text)).collect();
        let old = [
            "本年新制作数量",
            "对外公开总数量",
            "上一年项目数量",
            "政府集中采购",
        ];
        if let Some(words) = old.iter().find(|w| all.contains(*w)) {
            draft.notes.push(
                Diagnostic::error(
                    Rule::Import,
                    format!(
                        "这份报告用的是 2019 年的试行格式（国办公开办函〔2019〕60号）：表二有“{words}”，与 2021 年格式不同，表二没有读取"
                    ),
                )
                .at(place(name, t.at))
                .hint("2021 年度起的报告须用国办公开办函〔2021〕30号的格式：表二按 docs/format-2021.md 重填"),
            );
            draft.format_2019 = true;
            return true;
        }
    }
    // Labels are the cells with text that is not a figure, but for those standing where the
    // labels around them put a figure: text in a figure's place is a figure unread.
    let mut is_label: Vec<bool> = t
        .cells
        .iter()
        .map(|c| figure(&c.text).is_none() && !c.text.trim().is_empty())
        .collect();
    let first = is_label.clone();
    for (i, cell) in t.cells.iter().enumerate() {
        if figure(&cell.text).is_some() {
            continue;
        }
        let l = labels_of(t, &first, cell);
        if path_of(&l).is_some() {
            is_label[i] = false;
            let message = if cell.text.trim().is_empty() {
                format!("{table}中「{}」的数字是空的", l.row.join(" / "))
            } else {
                format!("{table}中的文字“{}”不是数字", cell.text.trim())
            };
            draft
                .unread
                .push(Diagnostic::error(Rule::Import, message).at(place(name, cell.at)));
        }
    }
    for cell in &t.cells {
        let l = labels_of(t, &is_label, cell);
        let Some(value) = &l.value else {
            continue;
        };
        match path_of(&l) {
            Some(path) => {
                draft
                    .figures
                    .entry(path)
                    .or_insert_with(|| (value.clone(), cell.at));
            }
            None => draft.notes.push(
                Diagnostic::error(
                    Rule::Import,
                    format!(
                        "{table}中的数字 {value} 对不上 2021 年格式的行列标签（行：{}；列：{}）",
                        l.row.join(" / "),
                        l.col.first().map_or("", String::as_str)
                    ),
                )
                .at(place(name, cell.at)),
            ),
        }
    }
    true
}

/// Table 二: the row's label (规章 … 行政事业性收费) and the nearest column label.
fn table2_path(f: &Labelled) -> Option<String> {
    let row = f.row.last()?;
    let col = f.col.first()?;
    let item = [
        ("规章", "regulations"),
        ("行政规范性文件", "normative_documents"),
    ]
    .iter()
    .find(|(l, _)| row == l)
    .map(|(_, k)| *k);
    if let Some(item) = item {
        let field = [
            ("本年制发件数", "issued"),
            ("本年废止件数", "repealed"),
            ("现行有效件数", "in_force"),
        ]
        .iter()
        .find(|(l, _)| col == l)?
        .1;
        return Some(format!("active_disclosure.{item}.{field}"));
    }
    let key = [
        ("行政许可", "licensing_decisions"),
        ("行政处罚", "penalty_decisions"),
        ("行政强制", "coercion_decisions"),
        ("行政事业性收费", "fees_10k_yuan"),
    ]
    .iter()
    .find(|(l, _)| row == l)?
    .1;
    let expected = if key == "fees_10k_yuan" {
        col.starts_with("本年收费金额")
    } else {
        col == "本年处理决定数量"
    };
    expected.then(|| format!("active_disclosure.{key}"))
}

/// Table 三: the row by its labels as the format prints them (（三）不予公开 / 1.属于国家秘密),
/// the column by its applicant label.
fn table3_path(f: &Labelled) -> Option<String> {
    let col = APPLICANT_COLUMNS
        .iter()
        .position(|(_, l)| f.col.first().is_some_and(|c| c == l))?;
    let labels: Vec<&String> = f.row.iter().filter(|l| !l.contains("办理结果")).collect();
    let last = labels.last()?;
    let row = APPLICATION_ROWS_2021.iter().find(|spec| {
        // `三（三）1.属于国家秘密`: the group marker （三）, then the item.
        let l = label(spec.label);
        let l = l
            .strip_prefix('三')
            .filter(|r| r.starts_with('（'))
            .unwrap_or(&l);
        let (marker, item) = match l.find('）') {
            Some(end) if l.starts_with('（') => l.split_at(end + '）'.len_utf8()),
            _ => ("", l),
        };
        let grouped = marker.is_empty() || labels.iter().any(|x| x.starts_with(marker));
        let item_cell = last.strip_prefix(marker).unwrap_or(last);
        grouped && !item.is_empty() && item_cell.starts_with(item)
    })?;
    Some(format!("applications.{}.{col}", row.key))
}

/// Table 四: the group by the labels above (行政复议; 行政诉讼 · 未经复议直接起诉 / 复议后起诉),
/// the result by the nearest.
fn table4_path(f: &Labelled) -> Option<String> {
    let leaf = f.col.first()?;
    let field = OUTCOME_FIELDS.iter().find(|(_, l)| leaf == l)?.0;
    let above = |words: &str| f.col.iter().any(|l| l.contains(words));
    let group = if above("未经复议直接起诉") {
        REVIEW_GROUPS[1].0
    } else if above("复议后起诉") {
        REVIEW_GROUPS[2].0
    } else if above("行政复议") {
        REVIEW_GROUPS[0].0
    } else {
        return None;
    };
    Some(format!("review_litigation.{group}.{field}"))
}

impl Draft {
    /// The draft with its preamble read back into the contact details the template writes it
    /// from, when it has the template's words (`本报告由…编制。…如对本报告有疑问，请与…联系（地址：…）。`);
    /// the caller keeps it only if the template gives the very same preamble again.
    pub fn with_contact_from_preamble(&self) -> Option<Draft> {
        let organ = self.organ.as_deref()?;
        let year = self.year?;
        let preamble = self.preamble.as_deref()?;
        let head = format!(
            "本报告由{organ}根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）编制。报告所列数据的统计期限自{year}年1月1日至{year}年12月31日。"
        );
        let mut rest = preamble.strip_prefix(&head)?;
        let mut contact = BTreeMap::new();
        if let Some(after) = rest.strip_prefix("本报告的电子版可在") {
            let (site, after) = after.split_once("查阅，网址：")?;
            let (url, after) = after.split_once('。')?;
            if site != "本机关门户网站" {
                contact.insert("website_name", site.to_string());
            }
            contact.insert("website", url.to_string());
            rest = after;
        }
        if !rest.is_empty() {
            let inner = rest
                .strip_prefix(&format!("如对本报告有疑问，请与{organ}联系（"))?
                .strip_suffix("）。")?;
            for part in inner.split('，') {
                let (label, value) = part.split_once('：')?;
                let key = match label {
                    "地址" => "address",
                    "邮编" => "postcode",
                    "电话" => "phone",
                    "电子邮箱" => "email",
                    _ => return None,
                };
                contact.insert(key, value.to_string());
            }
        }
        Some(Draft {
            preamble: None,
            contact,
            ..self.clone()
        })
    }

    /// This year's report begun from last year's: the organ, the 落款's organ, contact and
    /// narrative as a draft, 二、上年结转 from last year's 四、结转下年度继续办理; every
    /// other figure left to fill in.
    pub fn next_year(last: &crate::model::Report) -> Draft {
        let contact = last
            .contact
            .fields()
            .into_iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect();
        let mut draft = Draft {
            organ: Some(last.organ.clone()),
            contact,
            year: Some(last.year.saturating_add(1)),
            preamble: last.text.preamble.clone(),
            signature_organ: last.signature.as_ref().map(|s| s.organ.clone()),
            ..Draft::default()
        };
        for (key, text) in [
            ("overview", &last.text.overview),
            ("problems", &last.text.problems),
            ("other", &last.text.other),
        ] {
            draft.text.insert(key, text.clone());
        }
        draft.origin = Some(format!(
            "nianbao import --next-year 以 {} 年的报告开始；正文是上一年的，请改写",
            last.year
        ));
        if let Some(carried) = last.applications.get("carried_to_next_year") {
            for c in 0..APPLICANT_COLUMNS.len() {
                draft.figures.insert(
                    format!("applications.carried_over.{c}"),
                    (carried.column(c).to_string(), Place::default()),
                );
            }
        }
        draft
    }

    /// The data file (docs/data-format.md), with what was not found left out and marked by a
    /// comment `# 缺：…`, so that `check` names it.
    pub fn to_toml(&self, source: &str) -> String {
        use crate::model::toml_string as string;
        use std::fmt::Write;
        let mut w = String::new();
        let origin = self
            .origin
            .clone()
            .unwrap_or_else(|| format!("nianbao import 从 {source} 读出"));
        let _ = writeln!(w, "# {origin}；“# 缺”标出没有读到的内容");
        let missing = |w: &mut String, key: &str, what: &str| {
            let _ = writeln!(w, "# 缺：{key}（{what}）");
        };
        match &self.organ {
            Some(o) => {
                let _ = writeln!(w, "organ = {}", string(o));
            }
            None => missing(&mut w, "organ", "标题中的机关名称"),
        }
        match self.year {
            Some(y) => {
                let _ = writeln!(w, "year = {y}");
            }
            None => missing(&mut w, "year", "标题中的年度"),
        }
        if !self.contact.is_empty() {
            w.push_str("\n[contact]\n");
            for key in crate::model::Contact::KEYS {
                if let Some(v) = self.contact.get(key) {
                    let _ = writeln!(w, "{key} = {}", string(v));
                }
            }
        }
        // A [signature] table makes the 落款; its organ only when it is not the report's.
        if self.signature_date.is_some() || self.signature_organ.is_some() {
            w.push_str("\n[signature]\n");
            if let Some(o) = self
                .signature_organ
                .as_ref()
                .filter(|o| Some(*o) != self.organ.as_ref())
            {
                let _ = writeln!(w, "organ = {}", string(o));
            }
            if let Some(d) = &self.signature_date {
                let _ = writeln!(w, "date = {d}");
            }
        }
        w.push_str("\n[text]\n");
        if let Some(p) = &self.preamble {
            let _ = writeln!(w, "preamble = {}", string(p));
        }
        for key in ["overview", "problems", "other"] {
            match self.text.get(key) {
                Some(t) => {
                    let _ = writeln!(w, "{key} = {}", string(t));
                }
                None => missing(&mut w, &format!("text.{key}"), "这一节的正文"),
            }
        }
        let value = |path: &str| self.figures.get(path).map(|(v, _)| v.as_str());
        w.push_str("\n[active_disclosure]\n");
        for key in ["regulations", "normative_documents"] {
            let fields = ["issued", "repealed", "in_force"];
            let values: Vec<Option<&str>> = fields
                .iter()
                .map(|f| value(&format!("active_disclosure.{key}.{f}")))
                .collect();
            inline_table(&mut w, key, &fields, &values);
        }
        for key in [
            "licensing_decisions",
            "penalty_decisions",
            "coercion_decisions",
            "fees_10k_yuan",
        ] {
            match value(&format!("active_disclosure.{key}")) {
                Some(v) => {
                    let _ = writeln!(w, "{key} = {v}");
                }
                None => missing(&mut w, &format!("active_disclosure.{key}"), "表二中的数字"),
            }
        }
        w.push_str("\n[applications]\n");
        for spec in APPLICATION_ROWS_2021 {
            let values: Vec<Option<&str>> = (0..APPLICANT_COLUMNS.len())
                .map(|c| value(&format!("applications.{}.{c}", spec.key)))
                .collect();
            if values.iter().all(Option::is_some) {
                let shown: Vec<&str> = values.iter().map(|v| v.unwrap_or("?")).collect();
                let _ = writeln!(w, "{} = [{}]", spec.key, shown.join(", "));
            } else {
                let shown: Vec<&str> = values.iter().map(|v| v.unwrap_or("?")).collect();
                let _ = writeln!(
                    w,
                    "# 缺：{} = [{}]（表三「{}」一行有没读到的数字）",
                    spec.key,
                    shown.join(", "),
                    spec.label
                );
            }
        }
        w.push_str("\n[review_litigation]\n");
        for (key, _) in REVIEW_GROUPS {
            let fields: Vec<&str> = OUTCOME_FIELDS.iter().map(|(f, _)| *f).collect();
            let values: Vec<Option<&str>> = fields
                .iter()
                .map(|f| value(&format!("review_litigation.{key}.{f}")))
                .collect();
            inline_table(&mut w, key, &fields, &values);
        }
        w
    }
}

/// `key = { a = 1, b = 2 }`, or the line commented out with `?` where a value is missing.
fn inline_table(w: &mut String, key: &str, fields: &[&str], values: &[Option<&str>]) {
    use std::fmt::Write;
    let parts: Vec<String> = fields
        .iter()
        .zip(values)
        .map(|(f, v)| format!("{f} = {}", v.unwrap_or("?")))
        .collect();
    if values.iter().all(Option::is_some) {
        let _ = writeln!(w, "{key} = {{ {} }}", parts.join(", "));
    } else {
        let _ = writeln!(
            w,
            "# 缺：{key} = {{ {} }}（有没读到的数字）",
            parts.join(", ")
        );
    }
}
