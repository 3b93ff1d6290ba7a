//! Validation rules (docs/format-2021.md §6 and docs/data-format.md): for each rule the fixture passes and
//! a one-line edit fails with exactly the expected message, at the expected place.

use nianbao::diag::{Diagnostic, Rule, Severity};
use nianbao::model::{self, Syntax};

const BASE: &str = include_str!("data/base.toml");
const PREVIOUS: &str = include_str!("data/previous.toml");

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

fn load(text: &str) -> model::Loaded {
    model::load("t.toml", text, Syntax::Toml)
}

/// Errors and warnings (not infos), as printed.
fn problems(text: &str) -> Vec<String> {
    load(text)
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(Diagnostic::to_string)
        .collect()
}

fn only(text: &str) -> String {
    let found = problems(text);
    assert_eq!(found.len(), 1, "expected one diagnostic, got {found:#?}");
    found.into_iter().next().unwrap()
}

fn rules(text: &str) -> Vec<Rule> {
    load(text).diagnostics.iter().map(|d| d.rule).collect()
}

#[test]
fn the_fixture_passes_every_rule() {
    assert_eq!(problems(BASE), Vec::<String>::new());
}

#[test]
fn balance_identity_per_column() {
    let text = edit(
        BASE,
        "carried_to_next_year = [1, 0",
        "carried_to_next_year = [2, 0",
    );
    assert_eq!(
        only(&text),
        "t.toml:34:25 错误 applications.carried_to_next_year.natural_person（四、结转下年度继续办理 · 自然人）: \
         勾稽关系不成立（自然人列）：一、本年新收 5 + 二、上年结转 1 = 6，而 三（七）总计 5 + 四、结转下年度 2 = 7，相差 1 [balance]\n    \
         提示：表三注明：第一项加第二项之和，等于第三项加第四项之和。核对自然人列的办理结果各项和结转数"
    );
}

#[test]
fn balance_names_the_column_where_it_breaks() {
    let text = edit(
        BASE,
        "granted = [3, 1, 0, 0, 0, 0]",
        "granted = [3, 1, 0, 0, 2, 0]",
    );
    let found = problems(&text);
    let balance: Vec<_> = found
        .iter()
        .filter(|m| m.ends_with("[balance]") || m.contains("[balance]\n"))
        .collect();
    assert_eq!(balance.len(), 1, "{found:#?}");
    assert!(
        balance[0].contains("勾稽关系不成立（法律服务机构列）"),
        "{}",
        balance[0]
    );
    assert!(
        balance[0].contains("0 + 二、上年结转 0 = 0，而 三（七）总计 2 + 四、结转下年度 0 = 2"),
        "{}",
        balance[0]
    );
}

#[test]
fn stated_results_total_must_equal_the_items() {
    let text = edit(
        BASE,
        "results_total = [5, 1, 0, 0, 0, 0, 6]",
        "results_total = [6, 1, 0, 0, 0, 0, 7]",
    );
    assert_eq!(
        problems(&text),
        vec![
            "t.toml:33:18 错误 applications.results_total.natural_person（三（七）总计 · 自然人）: \
             （七）总计（21 项办理结果之和）应为 5，实际填写 6 [results-total]\n    \
             提示：总计由程序计算：可以删去这个数，或核对各项后改正",
            "t.toml:33:36 错误 applications.results_total.total（三（七）总计 · 总计）: \
             本行总计（六列之和）应为 6，实际填写 7 [row-total]\n    \
             提示：总计由程序计算：可以删去这个数，或核对各项后改正",
        ]
    );
}

#[test]
fn stated_row_total_must_equal_its_six_columns() {
    let text = edit(
        BASE,
        "new_received = [5, 1, 0, 0, 0, 0, 6]",
        "new_received = [5, 1, 0, 0, 0, 0, 5]",
    );
    assert_eq!(
        only(&text),
        "t.toml:29:35 错误 applications.new_received.total（一、本年新收政府信息公开申请数量 · 总计）: \
         本行总计（六列之和）应为 6，实际填写 5 [row-total]\n    \
         提示：总计由程序计算：可以删去这个数，或核对各项后改正"
    );
}

#[test]
fn stated_group_total_must_equal_its_four_results() {
    let text = edit(BASE, "pending = 0, total = 2", "pending = 0, total = 3");
    assert_eq!(
        only(&text),
        "t.toml:37:86 错误 review_litigation.administrative_review.total（行政复议 · 总计）: \
         总计（结果维持、结果纠正、其他结果、尚未审结之和）应为 2，实际填写 3 [group-total]\n    \
         提示：总计由程序计算：可以删去这个数，或核对各项后改正"
    );
}

#[test]
fn totals_are_computed_never_taken_from_input() {
    let report = load(BASE).report.unwrap();
    let apps = &report.applications;
    assert_eq!(apps.get("results_total").unwrap().0, [5, 1, 0, 0, 0, 0]);
    assert_eq!(apps.get("new_received").unwrap().total(), 6);
    assert_eq!(report.review_litigation.administrative_review.total(), 2);
    assert_eq!(report.review_litigation.litigation_total().total(), 1);
    // A wrong stated total is reported, and the computed value is what the report holds.
    let wrong = edit(
        BASE,
        "results_total = [5, 1, 0, 0, 0, 0, 6]",
        "results_total = [9, 9, 9, 9, 9, 9, 54]",
    );
    let report = load(&wrong).report.unwrap();
    assert_eq!(
        report.applications.get("results_total").unwrap().0,
        [5, 1, 0, 0, 0, 0]
    );
}

#[test]
fn carry_over_from_last_year_is_a_warning() {
    let this = load(BASE);
    let report = this.report.as_ref().unwrap();
    let prev = load(PREVIOUS).report.unwrap();
    let found = model::compare_with_previous(report, &this.source, &prev, "2023.toml");
    assert!(found.is_empty(), "{found:#?}");

    let prev_text = edit(
        PREVIOUS,
        "carried_to_next_year = [1, 0",
        "carried_to_next_year = [2, 0",
    );
    let prev = load(&prev_text).report.unwrap();
    let found: Vec<String> = model::compare_with_previous(report, &this.source, &prev, "2023.toml")
        .iter()
        .map(Diagnostic::to_string)
        .collect();
    assert_eq!(
        found,
        vec![
            "t.toml:30:17 警告 applications.carried_over.natural_person（二、上年结转政府信息公开申请数量 · 自然人）: \
             二、上年结转（自然人）为 1，而上年报告 2023.toml 的“四、结转下年度继续办理”为 2 [carry-over]\n    \
             提示：本年的上年结转通常等于上年的结转下年度继续办理"
        ]
    );
}

/// `compare_with_previous` of the fixture against last year's fixture with one edit of each,
/// printed.
fn against_previous(this_text: &str, previous_text: &str) -> Vec<String> {
    let this = load(this_text);
    let prev = load(previous_text).report.unwrap();
    model::compare_with_previous(
        this.report.as_ref().unwrap(),
        &this.source,
        &prev,
        "2023.toml",
    )
    .iter()
    .map(Diagnostic::to_string)
    .collect()
}

#[test]
fn in_force_continuity_is_a_warning_unless_last_year_was_already_off() {
    let this = load(BASE);
    let prev_text = edit(PREVIOUS, "in_force = 8", "in_force = 7");
    let prev = load(&prev_text).report.unwrap();
    let found = model::compare_with_previous(
        this.report.as_ref().unwrap(),
        &this.source,
        &prev,
        "2023.toml",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
    assert_eq!(
        found[0].to_string(),
        "t.toml:22:62 警告 active_disclosure.normative_documents.in_force（行政规范性文件 · 现行有效件数）: \
         现行有效件数为 9；按上年 2023.toml 的 7 + 本年制发 2 − 本年废止 1 推算应为 8 [in-force]\n    \
         提示：核对现行有效件数；清理文件等原因使两者不同的，在数据文件中加 [[check.accept]]，\
         写 rule = \"in-force\"、field = \"active_disclosure.normative_documents.in_force\" 和 reason = \"……\"（不同的原因）"
    );
    // More repealed than there were: last year's count says nothing, a note only.
    let this_text = edit(
        BASE,
        "regulations = { issued = 0, repealed = 0, in_force = 0 }",
        "regulations = { issued = 0, repealed = 2, in_force = 0 }",
    );
    let this = load(&this_text);
    let found = model::compare_with_previous(
        this.report.as_ref().unwrap(),
        &this.source,
        &load(PREVIOUS).report.unwrap(),
        "2023.toml",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Info);
    assert_eq!(
        found[0].to_string(),
        "t.toml:21:54 提示 active_disclosure.regulations.in_force（规章 · 现行有效件数）: \
         现行有效件数为 0；按上年 2023.toml 的 0 + 本年制发 0 − 本年废止 2 推算应为 负数 [in-force]\n    \
         提示：清理文件后两者可以不同；不同时请确认数字无误"
    );
}

#[test]
fn a_figure_five_times_last_years_or_a_fifth_of_it_is_a_warning() {
    // 120 against 20: six times.
    let grew = edit(
        PREVIOUS,
        "licensing_decisions = 100",
        "licensing_decisions = 20",
    );
    assert_eq!(
        against_previous(BASE, &grew),
        vec![
            "t.toml:23:23 警告 active_disclosure.licensing_decisions（行政许可 · 本年处理决定数量）: \
             表二“行政许可”本年处理决定数量 2024 年为 120，上年（2023.toml）为 20，增长到 6.0 倍 [year-change]\n    \
             提示：核对这个数和上年的数；数字无误的（如职能调整、统计口径变化），在数据文件中加 [[check.accept]]，\
             写 rule = \"year-change\"、field = \"active_disclosure.licensing_decisions\" 和 reason = \"……\"（变化的原因）"
        ]
    );
    // 6 against 31: below a fifth; the row's 总计 is compared.
    let fell = edit(PREVIOUS, "new_received = [3, 0", "new_received = [31, 0");
    let found = against_previous(BASE, &fell);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(
            "t.toml:29:35 警告 applications.new_received.total（一、本年新收政府信息公开申请数量 · 总计）: \
             表三“一、本年新收政府信息公开申请数量”总计 2024 年为 6，上年（2023.toml）为 31，降到上年的 19.4% [year-change]"
        ),
        "{}",
        found[0]
    );
    // The fee in 万元, compared exactly and printed as written.
    let fee = edit(PREVIOUS, "fees_10k_yuan = 10", "fees_10k_yuan = 100");
    let found = against_previous(BASE, &fee);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("表二“行政事业性收费”本年收费金额（单位：万元） 2024 年为 12.50，上年（2023.toml）为 100，降到上年的 12.5% [year-change]"),
        "{}",
        found[0]
    );
    // Table 四 from nothing.
    let review = edit(
        BASE,
        "upheld = 1, corrected = 0, other = 1, pending = 0, total = 2",
        "upheld = 21, corrected = 0, other = 1, pending = 0, total = 22",
    );
    let found = against_previous(&review, PREVIOUS);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains(
            "警告 review_litigation.administrative_review.total（行政复议 · 总计）: \
             表四“行政复议”总计 2024 年为 22，上年（2023.toml）为 0，从无到有 [year-change]"
        ),
        "{}",
        found[0]
    );
    // Exactly five times is silent, and so is a change among small figures (the larger under 20):
    // 12.50 against 2.4 万元, 4 against 0 coercion decisions in the fixture itself.
    let five = edit(
        PREVIOUS,
        "licensing_decisions = 100",
        "licensing_decisions = 24",
    );
    assert_eq!(against_previous(BASE, &five), Vec::<String>::new());
    let small = edit(PREVIOUS, "fees_10k_yuan = 10", "fees_10k_yuan = 2.4");
    assert_eq!(against_previous(BASE, &small), Vec::<String>::new());
}

/// Section 五 of last year, and this year's made from it (the year changed, as clerks do).
const LAST_PROBLEMS: &str = "2023年，我镇政府信息公开工作取得一定成效，但仍存在一些不足。\
    一是政策解读形式较为单一，图解、视频等形式运用不多；二是基层政务公开人员多为兼职，业务能力有待提高。\
    下一步，将丰富解读形式，加强业务培训，全年组织培训3次。";

#[test]
fn a_section_mostly_last_years_is_a_warning_whatever_the_figures() {
    let last = with_problems(PREVIOUS, LAST_PROBLEMS);
    // Years and figures changed, one sentence added: 103 of 119 characters are last year's.
    let this = with_problems(
        BASE,
        &(LAST_PROBLEMS.replace("2023", "2024").replace("3次", "4次")
            + "同时将推进村务公开栏的规范化建设。"),
    );
    assert_eq!(
        against_previous(&this, &last),
        vec![
            "t.toml:17:13 警告 text.problems（五、存在的主要问题及改进情况）: \
             五、存在的主要问题及改进情况 有 86% 与上年（2023.toml）相同 [copied-text]\n    \
             提示：年度报告写的是本年的工作：按本年的情况重写这一部分；确需沿用的，\
             在数据文件中加 [[check.accept]]，写 rule = \"copied-text\"、field 和 reason"
        ]
    );
    // 103 of 146: silent.
    let this = with_problems(
        BASE,
        &(LAST_PROBLEMS.replace("2023", "2024")
            + "同时将推进村务公开栏的规范化建设，并在政务服务中心设置查阅点，方便群众就近查询政府信息。"),
    );
    assert_eq!(against_previous(&this, &last), Vec::<String>::new());
    // The fixtures share “无收取信息处理费情况。” whole: too short to be a copy.
    assert_eq!(against_previous(BASE, PREVIOUS), Vec::<String>::new());
}

#[test]
fn previous_year_must_be_the_year_before() {
    let this = load(BASE);
    let prev = load(&edit(PREVIOUS, "year = 2023", "year = 2022"))
        .report
        .unwrap();
    let found = model::compare_with_previous(
        this.report.as_ref().unwrap(),
        &this.source,
        &prev,
        "old.toml",
    );
    assert_eq!(
        found[0].to_string(),
        "t.toml:2:8 警告 year（报告年度）: 上年报告 old.toml 的年度是 2022，本报告是 2024，不是相邻两年 [previous-year]"
    );
}

#[test]
fn negative_count() {
    let text = edit(BASE, "penalty_decisions = 35", "penalty_decisions = -35");
    assert_eq!(
        only(&text),
        "t.toml:24:21 错误 active_disclosure.penalty_decisions（行政处罚 · 本年处理决定数量）: \
         件数不能为负数，实际为 -35 [negative]\n    提示：没有发生时填 0"
    );
}

#[test]
fn fraction_in_a_count() {
    let text = edit(
        BASE,
        "licensing_decisions = 120",
        "licensing_decisions = 120.5",
    );
    assert_eq!(
        only(&text),
        "t.toml:23:23 错误 active_disclosure.licensing_decisions（行政许可 · 本年处理决定数量）: \
         件数应为整数，不能有小数，实际为 120.5 [not-integer]\n    提示：件数按件计，写不带小数点的整数，如 12"
    );
}

#[test]
fn a_count_of_1e30() {
    let text = edit(BASE, "coercion_decisions = 4", "coercion_decisions = 1e30");
    assert_eq!(
        only(&text),
        "t.toml:25:22 错误 active_disclosure.coercion_decisions（行政强制 · 本年处理决定数量）: \
         件数应写成整数，不能用科学计数法，实际为 1e30 [not-integer]\n    提示：件数按件计，写不带小数点的整数，如 12"
    );
}

#[test]
fn a_count_too_large_for_any_organ() {
    let text = edit(
        BASE,
        "coercion_decisions = 4",
        "coercion_decisions = 99999999999999999999999",
    );
    assert_eq!(
        only(&text),
        "t.toml:25:22 错误 active_disclosure.coercion_decisions（行政强制 · 本年处理决定数量）: \
         数值 99999999999999999999999 过大，件数最多为 9999999999 [too-large]"
    );
}

#[test]
fn text_where_a_number_belongs() {
    let text = edit(BASE, "granted = [3, 1, 0", "granted = [\"3\", 1, 0");
    let found = problems(&text);
    assert_eq!(
        found[0],
        "t.toml:31:13 错误 applications.granted.natural_person（三（一）予以公开 · 自然人）: \
         应为整数，实际为文字 \"3\" [wrong-type]\n    提示：去掉引号：3"
    );
    // The rejected value does not drag the consistency rules of its column along.
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn unknown_key_suggests_the_closest_valid_key() {
    let text = edit(BASE, "granted = [3", "grantd = [3");
    let found = problems(&text);
    assert_eq!(
        found[0],
        "t.toml:31:1 错误 applications.grantd: 未知字段 \"grantd\"，是否应为 \"granted\"？ [unknown-key]\n    \
         提示：applications.granted 是「三（一）予以公开」"
    );
}

#[test]
fn misplaced_key_names_its_table() {
    let text = edit(BASE, "year = 2024", "year = 2024\npenalty_decisions = 3");
    assert_eq!(
        only(&text),
        "t.toml:3:1 错误 penalty_decisions: 字段 \"penalty_decisions\" 不应写在这里 [unknown-key]\n    \
         提示：它属于 [active_disclosure] 表：行政处罚 · 本年处理决定数量"
    );
}

#[test]
fn missing_required_field() {
    let text = edit(
        BASE,
        "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"\n",
        "",
    );
    assert_eq!(
        only(&text),
        "t.toml:12:1 错误 text.problems（五、存在的主要问题及改进情况）: 缺少必填字段 problems [missing-field]"
    );
    let text = edit(BASE, "organ = \"测试镇人民政府\"\n", "");
    assert_eq!(
        only(&text),
        "t.toml 错误 organ（机关全称）: 缺少必填字段 organ [missing-field]"
    );
}

#[test]
fn year_outside_2021_to_2100() {
    for (year, ok) in [(2020, false), (2021, true), (2100, true), (2101, false)] {
        let text = edit(BASE, "year = 2024", &format!("year = {year}"));
        // Dated in the January after that year, as a report of it would be.
        let text = edit(
            &text,
            "date = 2025-01-20",
            &format!("date = {}-01-20", year + 1),
        );
        let found = problems(&text);
        if ok {
            assert!(found.is_empty(), "{year}: {found:#?}");
        } else {
            assert_eq!(
                found,
                vec![format!(
                    "t.toml:2:8 错误 year（报告年度）: 年度应在 2021 至 2100 之间，实际为 {year} [year-range]\n    \
                     提示：2021 格式用于 2021 年及以后的报告"
                )]
            );
        }
    }
}

#[test]
fn empty_organ() {
    let text = edit(BASE, "organ = \"测试镇人民政府\"", "organ = \"  \"");
    assert_eq!(
        only(&text),
        "t.toml:1:10 错误 organ（机关全称）: 机关全称不能为空 [empty-text]\n    \
         提示：写机关的全称，如 \"一面坡镇人民政府\"；它出现在报告标题中"
    );
}

#[test]
fn fee_keeps_its_digits_and_rejects_other_notation() {
    let report = load(BASE).report.unwrap();
    assert_eq!(report.active_disclosure.fees_10k_yuan.as_str(), "12.50");
    let text = edit(BASE, "fees_10k_yuan = 12.50", "fees_10k_yuan = \"1,234.5\"");
    assert_eq!(
        only(&text),
        "t.toml:26:18 错误 active_disclosure.fees_10k_yuan（行政事业性收费 · 本年收费金额（单位：万元））: \
         金额应为普通小数，如 96171.6，实际为 \"1,234.5\" [bad-decimal]\n    \
         提示：以万元为单位，不要带单位、千位分隔符或科学计数法"
    );
    let text = edit(
        BASE,
        "fees_10k_yuan = 12.50",
        "fees_10k_yuan = \"24252.311082\"",
    );
    assert!(problems(&text).is_empty());
}

#[test]
fn impossible_date() {
    let text = edit(BASE, "date = 2025-01-20", "date = 2025-02-30");
    let found = problems(&text);
    // TOML itself refuses the day, as a syntax error.
    assert!(found[0].contains("[syntax]"), "{found:#?}");
    let text = edit(BASE, "date = 2025-01-20", "date = \"2025年2月30日\"");
    assert_eq!(
        only(&text),
        "t.toml:10:9 错误 signature.date（落款 · 成文日期）: 日期应写成 2022-01-20 或 2022年1月20日，实际为 2025年2月30日 [bad-date]"
    );
    let text = edit(BASE, "date = 2025-01-20", "date = \"2025年1月20日\"");
    let report = load(&text).report.unwrap();
    assert_eq!(
        report.signature.unwrap().date.unwrap().to_string(),
        "2025年1月20日"
    );
}

#[test]
fn row_with_the_wrong_number_of_values() {
    let text = edit(
        BASE,
        "granted = [3, 1, 0, 0, 0, 0]",
        "granted = [3, 1, 0, 0, 0]",
    );
    assert_eq!(
        only(&text),
        "t.toml:31:11 错误 applications.granted（三（一）予以公开）: 这一行应有 6 个数，实际有 5 个 [row-length]\n    \
         提示：依次为：自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他；可再加第 7 个数“总计”用于核对"
    );
}

#[test]
fn unsupported_format() {
    let text = edit(BASE, "organ =", "format = \"2019\"\norgan =");
    assert_eq!(
        only(&text),
        "t.toml:1:11 错误 format（报告格式）: 不支持的报告格式 \"2019\"，目前只支持 \"2021\"（国办公开办函〔2021〕30号） [bad-format]\n    \
         提示：删去 format 一行即用 2021 格式"
    );
}

#[test]
fn absent_rows_are_listed_as_taken_as_zero() {
    let loaded = load(BASE);
    let info: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::ZeroRows)
        .collect();
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].severity, Severity::Info);
    assert!(
        info[0]
            .message
            .starts_with("表三以下各行未填写，按 0 计：三（二）部分公开、三（三）1.属于国家秘密")
    );
    assert!(
        !info[0].message.contains("予以公开、"),
        "granted was given: {}",
        info[0].message
    );
}

#[test]
fn syntax_errors_point_at_the_place() {
    let text = edit(BASE, "[applications]", "[applications");
    let loaded = load(&text);
    assert!(loaded.is_unparseable());
    assert_eq!(rules(&text), vec![Rule::Syntax]);
    let loc = loaded.diagnostics[0].location.clone().unwrap();
    assert_eq!(loc.line, Some(28));
}

#[test]
fn toml_json_and_yaml_give_the_same_report() {
    let toml = load(BASE).report.unwrap();
    let yaml = model::load("t.yaml", include_str!("data/base.yaml"), Syntax::Yaml);
    assert!(!yaml.has_errors(), "{:#?}", yaml.diagnostics);
    assert_eq!(yaml.report.unwrap(), toml);
    // JSON: the TOML document re-encoded.
    let value: toml::Table = toml::from_str(BASE).unwrap();
    let mut json = serde_json::to_value(&value).unwrap();
    json["signature"]["date"] = serde_json::Value::String("2025-01-20".into());
    // serde_json holds 12.50 as a float; the file a clerk writes keeps the digits, so does the model.
    let json_text = serde_json::to_string_pretty(&json).unwrap();
    let json_text = json_text.replace("\"fees_10k_yuan\": 12.5", "\"fees_10k_yuan\": 12.50");
    assert!(json_text.contains("12.50"));
    let json = model::load("t.json", &json_text, Syntax::Json);
    assert!(!json.has_errors(), "{:#?}", json.diagnostics);
    assert_eq!(json.report.unwrap(), toml);
}

#[test]
fn json_diagnostics_point_into_the_json_text() {
    let json = "{\n  \"organ\": \"某镇\",\n  \"year\": \"2024\"\n}\n";
    let loaded = model::load("t.json", json, Syntax::Json);
    let year = loaded
        .diagnostics
        .iter()
        .find(|d| d.key.as_deref() == Some("year"))
        .unwrap();
    assert_eq!(
        year.to_string(),
        "t.json:3:12 错误 year（报告年度）: 年度应为整数，实际为文字 \"2024\" [wrong-type]\n    提示：去掉引号：year = 2024"
    );
}

#[test]
fn postcode_of_six_digits() {
    let text = edit(BASE, "postcode = \"100000\"", "postcode = 100000");
    assert!(
        problems(&text).is_empty(),
        "a bare number is a fine postcode"
    );
    let text = edit(BASE, "postcode = \"100000\"", "postcode = \"10000\"");
    assert_eq!(
        only(&text),
        "t.toml:6:13 警告 contact.postcode（联系方式 · 邮编）: 邮编应为 6 位数字，实际为 \"10000\" [bad-postcode]"
    );
}

#[test]
fn a_signature_dated_before_the_year_ended_or_after_the_deadline_is_a_warning() {
    let early = edit(BASE, "date = 2025-01-20", "date = 2024-12-30");
    assert_eq!(
        only(&early),
        "t.toml:10:8 警告 signature.date（落款 · 成文日期）: 成文日期 2024年12月30日 在 2024 年结束之前：年度报告统计到 2024 年 12 月 31 日，应在其后成文 [signature-date]\n    \
         提示：核对成文日期，通常是 2025 年 1 月的某一天"
    );
    let late = edit(BASE, "date = 2025-01-20", "date = 2025-02-01");
    assert_eq!(
        only(&late),
        "t.toml:10:8 警告 signature.date（落款 · 成文日期）: 成文日期 2025年2月1日 晚于 2025 年 1 月 31 日：《条例》第五十条要求每年 1 月 31 日前公布上一年度的年度报告 [signature-date]\n    \
         提示：核对成文日期；确实逾期的，在“六、其他需要报告的事项”中说明原因"
    );
    // The first and the last day of the window are silent; so is a 落款 without a date.
    for date in ["date = 2025-01-01", "date = 2025-01-31"] {
        assert!(!rules(&edit(BASE, "date = 2025-01-20", date)).contains(&Rule::SignatureDate));
    }
    assert!(!rules(&edit(BASE, "date = 2025-01-20", "")).contains(&Rule::SignatureDate));
    // A warning: exit 0.
    assert_eq!(
        load(&late)
            .diagnostics
            .iter()
            .find(|d| d.rule == Rule::SignatureDate)
            .map(|d| d.severity),
        Some(Severity::Warning)
    );
}

/// The fixture with section 五 replaced.
fn with_problems(text: &str, problems: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("problems = ")).unwrap();
    edit(text, line, &format!("problems = \"{problems}\""))
}

#[test]
fn section_five_needs_problems_and_measures() {
    let bare = with_problems(BASE, "无。");
    assert_eq!(
        only(&bare),
        "t.toml:17:13 警告 text.problems（五、存在的主要问题及改进情况）: \
         五、存在的主要问题及改进情况只写了“无。”：应写明本年工作存在的主要问题和改进措施 [improvements]\n    \
         提示：如实写出本年工作的一两个不足，再写明下一步的改进措施（《条例》第五十条要求报告存在的主要问题及改进情况）"
    );
    for nothing in ["暂无", "没有问题。", " 无 "] {
        let found = only(&with_problems(BASE, nothing));
        assert!(found.contains("[improvements]"), "{found}");
    }
    // Empty: decoding's empty-text says so, and what belongs there; this rule adds nothing.
    assert_eq!(
        problems(&with_problems(BASE, " ")),
        vec![
            "t.toml:17:13 警告 text.problems（五、存在的主要问题及改进情况）: 这一部分没有内容 [empty-text]\n    \
             提示：写明本年工作存在的主要问题和下一步的改进措施",
        ]
    );
    let no_measure = with_problems(
        BASE,
        "个别栏目更新不及时，业务能力有待提高，还需进一步加强和改进。",
    );
    assert_eq!(
        only(&no_measure),
        "t.toml:17:13 警告 text.problems（五、存在的主要问题及改进情况）: \
         五、存在的主要问题及改进情况只写了问题，没有写改进措施（如“下一步，将加强……、完善……”） [improvements]\n    \
         提示：在问题之后写明针对每个问题的改进措施：做什么、怎么做"
    );
    // The fixture's one line names a measure (下一步将加强); so do the samples' sections.
    assert!(!rules(BASE).contains(&Rule::Improvements));
    let measure = with_problems(BASE, "政策解读形式单一。我们将不断丰富解读形式。");
    assert!(!rules(&measure).contains(&Rule::Improvements));
}

#[test]
fn section_six_states_the_information_processing_fee_whatever_table_two_says() {
    // 行政事业性收费 0 in table 二, nothing about the 信息处理费: the rule fires.
    let text = edit(BASE, "fees_10k_yuan = 12.50", "fees_10k_yuan = 0");
    let text = edit(
        &text,
        "other = \"无收取信息处理费情况。\"",
        "other = \"本年度无其他需要报告的事项。\"",
    );
    assert_eq!(
        only(&text),
        "t.toml:18:10 警告 text.other（六、其他需要报告的事项）: \
         六、其他需要报告的事项没有说明信息处理费的收取情况（国办函〔2020〕109号） [fee-statement]\n    \
         提示：写明本年收取政府信息公开信息处理费的金额；没有收取的写“无收取信息处理费情况。”。\
         表二的“行政事业性收费”是另一回事，不能代替这一说明"
    );
    // 96171.6 万元 of the organ's own fees, and the statement: silent.
    let text = edit(BASE, "fees_10k_yuan = 12.50", "fees_10k_yuan = 96171.6");
    assert_eq!(problems(&text), Vec::<String>::new());
    // An amount charged is a statement too.
    let text = edit(
        BASE,
        "other = \"无收取信息处理费情况。\"",
        "other = \"全年收取政府信息公开信息处理费3940元。\"",
    );
    assert_eq!(problems(&text), Vec::<String>::new());
    // Empty: one finding, decoding's, whose hint asks for the statement.
    let text = edit(BASE, "other = \"无收取信息处理费情况。\"", "other = \"\"");
    assert_eq!(
        only(&text),
        "t.toml:18:10 警告 text.other（六、其他需要报告的事项）: 这一部分没有内容 [empty-text]\n    \
         提示：写明本年收取信息处理费的情况；没有收取的写“无收取信息处理费情况。”"
    );
}

#[test]
fn citing_the_2019_format_is_a_warning_at_its_line() {
    let text = edit(
        BASE,
        "全年主动公开信息{{",
        "按国办公开办函〔2019〕60号要求，全年主动公开信息{{",
    );
    assert_eq!(
        only(&text),
        "t.toml:15:2 警告 text.overview（一、总体情况）: 第 2 行引用了已被取代的“国办公开办函〔2019〕60号”：\
         它是 2019、2020 年度报告的试行格式，2024 年度的报告按 国办公开办函〔2021〕30号 编制 [old-format]\n    \
         提示：改为“国办公开办函〔2021〕30号”；这一句多是沿用旧报告的，一并核对上下文"
    );
    // Other brackets, spaces and a one-line text; the column counts from the value's start.
    let text = edit(
        BASE,
        "other = \"无收取信息处理费情况。\"",
        "other = \"无收取信息处理费情况。依据 国办公开办函 [ 2019 ] 60 号。又见国办公开办函2019年60号。\"",
    );
    assert_eq!(
        problems(&text)
            .iter()
            .map(|d| d.lines().next().unwrap().to_string())
            .collect::<Vec<_>>(),
        vec![
            "t.toml:18:24 警告 text.other（六、其他需要报告的事项）: 第 1 行引用了已被取代的“国办公开办函 [ 2019 ] 60 号”（这一部分共 2 处）：\
             它是 2019、2020 年度报告的试行格式，2024 年度的报告按 国办公开办函〔2021〕30号 编制 [old-format]"
        ]
    );
    let current = edit(
        BASE,
        "全年主动公开信息{{",
        "按国办公开办函〔2021〕30号要求，全年主动公开信息{{",
    );
    assert_eq!(problems(&current), Vec::<String>::new());
}

#[test]
fn a_statistics_period_other_than_the_reported_year_is_a_warning() {
    let with_preamble = |preamble: &str| {
        edit(
            BASE,
            "[text]\n",
            &format!("[text]\npreamble = \"{preamble}\"\n"),
        )
    };
    // Last year's period left in: the line and column of the range, in the preamble.
    let text = with_preamble("本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。");
    assert_eq!(
        only(&text),
        "t.toml:13:27 警告 text.preamble（开头段落）: \
         第 1 行的统计期间“2023年1月1日起至2023年12月31日止”不是本报告的年度：2024 年度报告统计 2024年1月1日至2024年12月31日 [period]\n    \
         提示：核对这一期间，改为“2024年1月1日至2024年12月31日”；沿用上年报告的句子时常漏改年份"
    );
    // Half a year in a sentence about the 统计.
    let text = with_preamble("统计时限为2024年1月1日至6月30日。");
    assert!(
        only(&text).contains("第 1 行的统计期间“2024年1月1日至6月30日”不是本报告的年度"),
        "{}",
        only(&text)
    );
    // Another whole year anywhere, without 统计.
    let text = edit(
        BASE,
        "全年主动公开信息{{",
        "2023年1月1日至2023年12月31日，全年主动公开信息{{",
    );
    assert!(only(&text).starts_with("t.toml:15:1 警告 text.overview（一、总体情况）: 第 2 行的统计期间“2023年1月1日至2023年12月31日”"));
    // The year itself, however written; and the work's own dates.
    for silent in [
        "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
        "统计时限为2024年1月1日至12月31日。",
        "报告所列统计期限自2024年1月1日至2024年12月31日。2024年3月1日至5月31日开展专项行动。",
        "统计期间为2024年1月至12月。",
    ] {
        assert_eq!(
            problems(&with_preamble(silent)),
            Vec::<String>::new(),
            "{silent}"
        );
    }
}

#[test]
fn a_narrative_figure_that_contradicts_its_table_is_a_warning() {
    // Line 15 is the second line of text.overview; its 13th character is the 5.
    let text = edit(
        BASE,
        "全年主动公开信息{{ applications.new_received.total }}条。",
        "全年新收政府信息公开申请5件，办结6件。",
    );
    assert_eq!(
        only(&text),
        "t.toml:15:13 警告 text.overview（一、总体情况）: 第 2 行：正文写“全年新收政府信息公开申请5件”，\
         而表三“一、本年新收政府信息公开申请数量”的总计是 6 [prose-figure]\n    \
         提示：改正正文或表格中的数；也可以把数字写成占位符 {{ applications.new_received.total }}，让它总与表格一致"
    );
    // In a one-line text the column counts from the opening quote; Chinese numerals are read.
    let text = edit(
        BASE,
        "problems = \"个别栏目更新不及时，下一步将加强日常检查，及时更新。\"",
        "problems = \"本年度因政府信息公开被提起行政诉讼两件，下一步将加强应诉工作。\"",
    );
    assert_eq!(
        only(&text),
        "t.toml:17:30 警告 text.problems（五、存在的主要问题及改进情况）: 第 1 行：正文写“行政诉讼两件”（即 2），\
         而表四“行政诉讼”的总计（未经复议直接起诉 1 件、复议后起诉 0 件）是 1 [prose-figure]\n    \
         提示：改正正文或表格中的数；也可以把数字写成占位符 {{ review_litigation.litigation_total.total }}，让它总与表格一致"
    );
    // The same figures as the tables, and a placeholder, are silent.
    let text = edit(
        BASE,
        "全年主动公开信息{{ applications.new_received.total }}条。",
        "全年新收政府信息公开申请六件，办结{{ applications.results_total.total }}件，制发规范性文件2件。",
    );
    assert_eq!(problems(&text), Vec::<String>::new());
    // The 信息处理费 is in no table: never compared, whatever it is.
    let text = edit(
        BASE,
        "other = \"无收取信息处理费情况。\"",
        "other = \"全年收取信息处理费3940元。\"",
    );
    assert_eq!(problems(&text), Vec::<String>::new());
}

/// The 淮安 sample with the paragraphs of the published report that quote figures put back as
/// the city wrote them (numbers, not placeholders).
fn huaian_as_published() -> String {
    let sample = include_str!("../samples/huaian-2024.toml");
    let official = include_str!("data/official/huaian-2024-report.txt");
    let mut text = sample.to_string();
    for opening in ["（一）主动公开情况。", "（二）依申请公开情况。"] {
        let theirs = official
            .lines()
            .find(|l| l.starts_with(opening))
            .expect("the official text has the paragraph");
        let ours = sample
            .lines()
            .find(|l| l.starts_with(opening))
            .expect("the sample has the paragraph");
        text = edit(&text, ours, theirs);
    }
    assert!(text.contains("全市共受理政府信息公开申请3119件"));
    text
}

#[test]
fn the_published_narrative_agrees_with_its_tables_and_a_changed_figure_does_not() {
    let text = huaian_as_published();
    assert_eq!(problems(&text), Vec::<String>::new());
    let wrong = edit(&text, "答复3050件", "答复3,005件");
    assert_eq!(
        only(&wrong),
        "t.toml:24:115 警告 text.overview（一、总体情况）: 第 5 行：正文写“答复3,005件”（即 3005），\
         而表三“三（七）总计”的总计是 3050 [prose-figure]\n    \
         提示：改正正文或表格中的数；也可以把数字写成占位符 {{ applications.results_total.total }}，让它总与表格一致"
    );
}

#[test]
fn samples_fixtures_stress_corpus_and_synthetic_reports_state_no_contradicting_figure() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["samples", "tests/data", "tests/data/stress"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let loaded = nianbao::load_path(&path);
        let prose: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::ProseFigure)
            .map(Diagnostic::to_string)
            .collect();
        assert!(prose.is_empty(), "{}: {prose:#?}", path.display());
    }
    for i in 0..200 {
        let cells = nianbao::batch::synth::report(11, i, 2024);
        let loaded = model::from_tree(
            model::SourceMap::default(),
            &nianbao::batch::synth::tree(&cells),
        );
        assert!(
            !loaded
                .diagnostics
                .iter()
                .any(|d| d.rule == Rule::ProseFigure),
            "synthetic report {i}: {:#?}",
            loaded.diagnostics
        );
    }
}
