//! The input contract of `docs/data-format.md` as data: every key, its Chinese label and
//! its kind. Decoding checks keys against it, diagnostics take their labels from it, and the
//! spreadsheet columns of batch input are derived from it, so a key is spelled in one place.

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    /// A non-negative count (件).
    Count,
    /// A decimal printed with exactly the digits given (万元).
    Decimal,
    Date,
    /// A nested table whose own label is part of its children's labels.
    Table(&'static [Field]),
    /// A top-level section: its label is a heading, not repeated in its children's labels.
    Section(&'static [Field]),
    /// A row of table 三: six applicant counts and an optional checked total.
    ApplicantRow,
    /// An array of tables with these fields (`[[check.accept]]`).
    Entries(&'static [Field]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn req(key: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        key,
        label,
        kind,
        required: true,
    }
}

const fn opt(key: &'static str, label: &'static str, kind: Kind) -> Field {
    Field {
        key,
        label,
        kind,
        required: false,
    }
}

/// The six applicant columns of table 三, in order, then the computed 总计.
pub const APPLICANT_COLUMNS: [(&str, &str); 7] = [
    ("natural_person", "自然人"),
    ("commercial_enterprise", "商业企业"),
    ("research_institution", "科研机构"),
    ("social_welfare_organization", "社会公益组织"),
    ("legal_service_institution", "法律服务机构"),
    ("other_organization", "其他"),
    ("total", "总计"),
];

/// What part a row of table 三 plays in the consistency rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRole {
    /// 一、本年新收
    Received,
    /// 二、上年结转
    CarriedOver,
    /// One of the 21 result items （一）…（六）3.
    Item,
    /// 三（七）总计: computed from the items.
    ResultsTotal,
    /// 四、结转下年度继续办理
    CarriedForward,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSpec {
    pub key: &'static str,
    /// Short label for messages, as data-format.md gives it: `三（三）1.属于国家秘密`.
    pub label: &'static str,
    pub role: RowRole,
}

const fn row(key: &'static str, label: &'static str, role: RowRole) -> RowSpec {
    RowSpec { key, label, role }
}

/// The 25 rows of table 三 in the 2021 format, in printed order.
pub const APPLICATION_ROWS_2021: [RowSpec; 25] = {
    use RowRole::*;
    [
        row("new_received", "一、本年新收政府信息公开申请数量", Received),
        row(
            "carried_over",
            "二、上年结转政府信息公开申请数量",
            CarriedOver,
        ),
        row("granted", "三（一）予以公开", Item),
        row("partially_granted", "三（二）部分公开", Item),
        row("denied_state_secret", "三（三）1.属于国家秘密", Item),
        row(
            "denied_prohibited_by_law",
            "三（三）2.其他法律行政法规禁止公开",
            Item,
        ),
        row(
            "denied_three_safeties_one_stability",
            "三（三）3.危及“三安全一稳定”",
            Item,
        ),
        row(
            "denied_third_party_rights",
            "三（三）4.保护第三方合法权益",
            Item,
        ),
        row(
            "denied_internal_affairs",
            "三（三）5.属于三类内部事务信息",
            Item,
        ),
        row(
            "denied_process_information",
            "三（三）6.属于四类过程性信息",
            Item,
        ),
        row(
            "denied_enforcement_case_file",
            "三（三）7.属于行政执法案卷",
            Item,
        ),
        row(
            "denied_administrative_query",
            "三（三）8.属于行政查询事项",
            Item,
        ),
        row(
            "unable_not_held",
            "三（四）1.本机关不掌握相关政府信息",
            Item,
        ),
        row(
            "unable_requires_new_creation",
            "三（四）2.没有现成信息需要另行制作",
            Item,
        ),
        row(
            "unable_unclear_after_correction",
            "三（四）3.补正后申请内容仍不明确",
            Item,
        ),
        row(
            "not_processed_petition_complaint",
            "三（五）1.信访举报投诉类申请",
            Item,
        ),
        row("not_processed_repeated", "三（五）2.重复申请", Item),
        row(
            "not_processed_publication",
            "三（五）3.要求提供公开出版物",
            Item,
        ),
        row(
            "not_processed_massive_repeated",
            "三（五）4.无正当理由大量反复申请",
            Item,
        ),
        row(
            "not_processed_confirm_or_reissue",
            "三（五）5.要求行政机关确认或重新出具已获取信息",
            Item,
        ),
        row(
            "other_overdue_correction",
            "三（六）1.申请人无正当理由逾期不补正",
            Item,
        ),
        row(
            "other_overdue_fee",
            "三（六）2.申请人逾期未按收费通知要求缴纳费用",
            Item,
        ),
        row("other_other", "三（六）3.其他", Item),
        row("results_total", "三（七）总计", ResultsTotal),
        row(
            "carried_to_next_year",
            "四、结转下年度继续办理",
            CarriedForward,
        ),
    ]
};

/// The four results of a review or litigation group (table 四), then the computed 总计.
pub const OUTCOME_FIELDS: [(&str, &str); 5] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
];

/// The three groups of table 四, in printed order.
pub const REVIEW_GROUPS: [(&str, &str); 3] = [
    ("administrative_review", "行政复议"),
    ("litigation_direct", "行政诉讼 · 未经复议直接起诉"),
    ("litigation_after_review", "行政诉讼 · 复议后起诉"),
];

const DOCUMENT_COUNTS: &[Field] = &[
    req("issued", "本年制发件数", Kind::Count),
    req("repealed", "本年废止件数", Kind::Count),
    req("in_force", "现行有效件数", Kind::Count),
];

const OUTCOMES: &[Field] = &[
    req("upheld", "结果维持", Kind::Count),
    req("corrected", "结果纠正", Kind::Count),
    req("other", "其他结果", Kind::Count),
    req("pending", "尚未审结", Kind::Count),
    opt("total", "总计", Kind::Count),
];

const CONTACT: &[Field] = &[
    opt("website", "网址", Kind::Text),
    opt("website_name", "网站名称", Kind::Text),
    opt("address", "地址", Kind::Text),
    opt("postcode", "邮编", Kind::Text),
    opt("phone", "电话", Kind::Text),
    opt("email", "电子邮箱", Kind::Text),
];

const SIGNATURE: &[Field] = &[
    opt("organ", "署名机关", Kind::Text),
    opt("date", "成文日期", Kind::Date),
    opt("seal", "印章图片", Kind::Text),
];

const TEXT: &[Field] = &[
    opt("preamble", "开头段落", Kind::Text),
    req("overview", "一、总体情况", Kind::Text),
    req("problems", "五、存在的主要问题及改进情况", Kind::Text),
    req("other", "六、其他需要报告的事项", Kind::Text),
];

const ACTIVE_DISCLOSURE: &[Field] = &[
    req("regulations", "规章", Kind::Table(DOCUMENT_COUNTS)),
    req(
        "normative_documents",
        "行政规范性文件",
        Kind::Table(DOCUMENT_COUNTS),
    ),
    req(
        "licensing_decisions",
        "行政许可 · 本年处理决定数量",
        Kind::Count,
    ),
    req(
        "penalty_decisions",
        "行政处罚 · 本年处理决定数量",
        Kind::Count,
    ),
    req(
        "coercion_decisions",
        "行政强制 · 本年处理决定数量",
        Kind::Count,
    ),
    req(
        "fees_10k_yuan",
        "行政事业性收费 · 本年收费金额（单位：万元）",
        Kind::Decimal,
    ),
];

const APPLICATIONS: &[Field] = &{
    let mut fields = [opt("", "", Kind::ApplicantRow); 25];
    let mut i = 0;
    while i < APPLICATION_ROWS_2021.len() {
        fields[i].key = APPLICATION_ROWS_2021[i].key;
        fields[i].label = APPLICATION_ROWS_2021[i].label;
        i += 1;
    }
    fields
};

const REVIEW_LITIGATION: &[Field] = &[
    req("administrative_review", "行政复议", Kind::Table(OUTCOMES)),
    req(
        "litigation_direct",
        "行政诉讼 · 未经复议直接起诉",
        Kind::Table(OUTCOMES),
    ),
    req(
        "litigation_after_review",
        "行政诉讼 · 复议后起诉",
        Kind::Table(OUTCOMES),
    ),
];

const ACCEPT: &[Field] = &[
    req("rule", "规则", Kind::Text),
    opt("field", "字段", Kind::Text),
    req("reason", "理由", Kind::Text),
];

const CHECK: &[Field] = &[opt("accept", "接受的发现", Kind::Entries(ACCEPT))];

/// The top level of a report file.
pub const REPORT: &[Field] = &[
    opt("format", "报告格式", Kind::Text),
    req("organ", "机关全称", Kind::Text),
    req("year", "报告年度", Kind::Integer),
    opt("contact", "联系方式", Kind::Table(CONTACT)),
    opt("signature", "落款", Kind::Table(SIGNATURE)),
    req("text", "正文", Kind::Section(TEXT)),
    req(
        "active_disclosure",
        "二、主动公开政府信息情况",
        Kind::Section(ACTIVE_DISCLOSURE),
    ),
    req(
        "applications",
        "三、收到和处理政府信息公开申请情况",
        Kind::Section(APPLICATIONS),
    ),
    req(
        "review_litigation",
        "四、政府信息公开行政复议、行政诉讼情况",
        Kind::Section(REVIEW_LITIGATION),
    ),
    opt("check", "核对", Kind::Table(CHECK)),
];

impl Kind {
    /// The fields of a table-like kind.
    pub fn children(self) -> &'static [Field] {
        match self {
            Kind::Table(f) | Kind::Section(f) | Kind::Entries(f) => f,
            _ => &[],
        }
    }
}

/// The field at a dotted key path (`applications.granted`), if the schema has one.
pub fn lookup(path: &str) -> Option<&'static Field> {
    let mut fields = REPORT;
    let mut found = None;
    for part in path.split('.') {
        let field = fields.iter().find(|f| f.key == part)?;
        fields = field.kind.children();
        found = Some(field);
    }
    found
}

/// The Chinese label for a key path, as a clerk would name the cell:
/// `applications.granted.natural_person` → `三（一）予以公开 · 自然人`.
pub fn label(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut fields = REPORT;
    let mut row_kind = false;
    for part in path.split('.') {
        if row_kind {
            if let Some((_, zh)) = APPLICANT_COLUMNS.iter().find(|(k, _)| *k == part) {
                parts.push(zh);
            }
            break;
        }
        let Some(field) = fields.iter().find(|f| f.key == part) else {
            break;
        };
        match field.kind {
            Kind::Section(children) => {
                if path == field.key {
                    parts.push(field.label);
                }
                fields = children;
            }
            Kind::Table(children) => {
                parts.push(field.label);
                fields = children;
            }
            Kind::ApplicantRow => {
                parts.push(field.label);
                row_kind = true;
            }
            _ => parts.push(field.label),
        }
    }
    parts.join(" · ")
}

/// All valid full key paths under a table path, for "did you mean" suggestions.
pub fn keys_under(path: &str) -> Vec<&'static str> {
    let fields = if path.is_empty() {
        REPORT
    } else {
        match lookup(path) {
            Some(f) => f.kind.children(),
            None => &[],
        }
    };
    fields.iter().map(|f| f.key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_join_table_and_column_names() {
        assert_eq!(label("applications.granted"), "三（一）予以公开");
        assert_eq!(
            label("applications.granted.natural_person"),
            "三（一）予以公开 · 自然人"
        );
        assert_eq!(
            label("active_disclosure.regulations.issued"),
            "规章 · 本年制发件数"
        );
        assert_eq!(
            label("review_litigation.litigation_direct.pending"),
            "行政诉讼 · 未经复议直接起诉 · 尚未审结"
        );
        assert_eq!(label("text.overview"), "一、总体情况");
        assert_eq!(label("organ"), "机关全称");
        assert_eq!(label("contact.phone"), "联系方式 · 电话");
        assert_eq!(label("applications"), "三、收到和处理政府信息公开申请情况");
    }

    #[test]
    fn every_key_is_documented() {
        let doc = include_str!("../../docs/data-format.md");
        fn walk(fields: &[Field], doc: &str) {
            for f in fields {
                assert!(
                    doc.contains(&format!("`{}`", f.key)),
                    "docs/data-format.md lacks `{}`",
                    f.key
                );
                walk(f.kind.children(), doc);
            }
        }
        walk(REPORT, doc);
        for (key, _) in APPLICANT_COLUMNS.iter().chain(OUTCOME_FIELDS.iter()) {
            assert!(doc.contains(key), "docs/data-format.md lacks {key}");
        }
    }

    #[test]
    fn every_application_row_is_in_the_schema() {
        for row in APPLICATION_ROWS_2021 {
            let field = lookup(&format!("applications.{}", row.key)).unwrap();
            assert_eq!(field.kind, Kind::ApplicantRow);
        }
        let items = APPLICATION_ROWS_2021
            .iter()
            .filter(|r| r.role == RowRole::Item)
            .count();
        assert_eq!(items, 21, "docs/format-2021.md §6: the 21 result items");
    }
}
