//! Synthetic but valid reports, at any count, for benchmarks and tests (`nianbao sample`).
//!
//! Report `i` depends only on the seed and `i`, never on how many are made, so a benchmark of
//! 1,000 reports renders the first 1,000 of the 10,000. Figures balance by construction, organ
//! names are unique, and the narrative has the length and headings of a real township report.

use super::columns::{Column, columns};
use super::sheet::Cells;
use crate::diag::Pos;
use crate::model::schema::{APPLICANT_COLUMNS, APPLICATION_ROWS_2021, RowRole};
use crate::model::tree::Value;

/// A small deterministic generator (xorshift64*): the same seed gives the same reports on every
/// machine, which a crate dependency would not promise across its versions.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u64) -> Rng {
        // splitmix64 of (seed, index): neighbouring indices get unrelated streams.
        let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..=max`.
    fn upto(&mut self, max: u64) -> u64 {
        self.next() % (max + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const COUNTIES: [&str; 30] = [
    "平安", "长宁", "永丰", "安远", "清河", "东阳", "南城", "西平", "北川", "临江", "富源", "宁远",
    "兴隆", "和顺", "太平", "青阳", "双流", "石门", "龙山", "凤台", "金湖", "玉田", "新安", "嘉禾",
    "华容", "泰和", "宝丰", "会同", "安福", "静乐",
];
const PLACE_FIRST: [&str; 20] = [
    "东", "西", "南", "北", "龙", "凤", "青", "石", "桂", "柳", "白", "马", "杨", "梅", "花", "黄",
    "红", "高", "新", "大",
];
const PLACE_SECOND: [&str; 20] = [
    "桥", "河", "山", "湾", "坪", "岭", "溪", "塘", "庄", "集", "口", "店", "营", "泉", "林", "湖",
    "洲", "坡", "港", "堡",
];
const KINDS: [&str; 3] = ["镇人民政府", "乡人民政府", "街道办事处"];

/// Unique for the first 36,000 indices: an index picks county, place and kind through a
/// permutation, so consecutive reports are not all from one county.
fn organ(index: u64) -> String {
    let total = (COUNTIES.len() * PLACE_FIRST.len() * PLACE_SECOND.len() * KINDS.len()) as u64;
    // 49,999 is a prime above 36,000: multiplying by it permutes 0..36,000.
    let mut k = (index % total) * 49_999 % total;
    let kind = KINDS[(k % 3) as usize];
    k /= 3;
    let second = PLACE_SECOND[(k % 20) as usize];
    k /= 20;
    let first = PLACE_FIRST[(k % 20) as usize];
    k /= 20;
    let county = COUNTIES[k as usize];
    format!("{county}县{first}{second}{kind}")
}

/// Report `index` (0-based) as cells of [`columns()`].
pub fn report(seed: u64, index: u64, year: u16) -> Cells {
    let cols = columns();
    let mut rng = Rng::new(seed, index);
    let mut cells: Cells = Vec::new();
    let mut set = |key: &str, value: Value| {
        let c = cols
            .iter()
            .position(|c: &Column| c.key == key)
            .unwrap_or_else(|| panic!("no column {key}"));
        cells.push((c, value));
    };
    let int = |n: u64| Value::Number {
        text: n.to_string(),
        integer: true,
    };
    let text = |s: String| Value::String(s);

    let organ = organ(index);
    let county = organ.split('县').next().unwrap_or("").to_string();
    set("organ", text(organ.clone()));
    set("year", int(u64::from(year)));
    set(
        "contact.address",
        text(format!(
            "{county}县{}路{}号",
            rng.pick(&PLACE_FIRST),
            1 + rng.upto(198)
        )),
    );
    set(
        "contact.postcode",
        text(format!("{:06}", 100_000 + rng.upto(899_999))),
    );
    set(
        "contact.phone",
        text(format!(
            "0{}-{}",
            510 + rng.upto(89),
            80_000_000 + rng.upto(9_999_999)
        )),
    );
    set(
        "signature.date",
        Value::Date(format!("{}-01-{:02}", year + 1, 10 + rng.upto(18))),
    );

    // Table 三: per applicant column, received + carried over = results + carried forward.
    let items: Vec<&str> = APPLICATION_ROWS_2021
        .iter()
        .filter(|r| r.role == RowRole::Item)
        .map(|r| r.key)
        .collect();
    let mut rows: Vec<[u64; 6]> = vec![[0; 6]; APPLICATION_ROWS_2021.len()];
    let row_of = |key: &str| {
        APPLICATION_ROWS_2021
            .iter()
            .position(|r| r.key == key)
            .expect("a row of the format")
    };
    let scale = [40, 6, 1, 2, 2, 3];
    for c in 0..6 {
        let received = rng.upto(scale[c]);
        let carried_over = rng.upto(scale[c] / 10 + 1).min(received);
        let forward = rng.upto(2).min(received + carried_over);
        rows[row_of("new_received")][c] = received;
        rows[row_of("carried_over")][c] = carried_over;
        rows[row_of("carried_to_next_year")][c] = forward;
        // Most requests are granted; the rest spread over a few other results.
        let mut left = received + carried_over - forward;
        while left > 0 {
            let share = 1 + rng.upto(left - 1);
            let item = if rng.upto(2) > 0 {
                "granted"
            } else {
                items[rng.upto(items.len() as u64 - 1) as usize]
            };
            rows[row_of(item)][c] += share;
            left -= share;
        }
    }
    for (spec, row) in APPLICATION_ROWS_2021.iter().zip(&rows) {
        if spec.role == RowRole::ResultsTotal || row.iter().all(|n| *n == 0) {
            continue;
        }
        for ((col, _), n) in APPLICANT_COLUMNS.iter().zip(row) {
            set(&format!("applications.{}.{col}", spec.key), int(*n));
        }
    }

    // Table 二.
    for kind in ["regulations", "normative_documents"] {
        let issued = if kind == "regulations" {
            0
        } else {
            rng.upto(12)
        };
        let repealed = if kind == "regulations" {
            0
        } else {
            rng.upto(4)
        };
        let in_force = if kind == "regulations" {
            0
        } else {
            issued + rng.upto(60)
        };
        set(&format!("active_disclosure.{kind}.issued"), int(issued));
        set(&format!("active_disclosure.{kind}.repealed"), int(repealed));
        set(&format!("active_disclosure.{kind}.in_force"), int(in_force));
    }
    set(
        "active_disclosure.licensing_decisions",
        int(rng.upto(3_000)),
    );
    set("active_disclosure.penalty_decisions", int(rng.upto(400)));
    set("active_disclosure.coercion_decisions", int(rng.upto(20)));
    set(
        "active_disclosure.fees_10k_yuan",
        Value::Number {
            text: "0".into(),
            integer: true,
        },
    );

    // Table 四.
    for group in [
        "administrative_review",
        "litigation_direct",
        "litigation_after_review",
    ] {
        for outcome in ["upheld", "corrected", "other", "pending"] {
            let n = if rng.upto(3) == 0 { rng.upto(3) } else { 0 };
            set(&format!("review_litigation.{group}.{outcome}"), int(n));
        }
    }

    let (overview, problems, other) = narrative(&mut rng, &organ, year);
    set("text.overview", text(overview));
    set("text.problems", text(problems));
    set("text.other", text(other));
    cells
}

const DUTY: [&str; 4] = [
    "坚持以人民为中心的发展思想，严格落实《中华人民共和国政府信息公开条例》，把政务公开作为建设法治政府、服务型政府的重要抓手",
    "认真贯彻落实上级关于政务公开工作的决策部署，围绕中心工作和群众关切，不断提高政府工作透明度",
    "在县委县政府的领导下，紧扣年度工作要点，健全制度、规范流程、强化监督，政务公开工作取得新进展",
    "以公开促落实、以公开促规范、以公开促服务，推动政府信息公开工作提质增效",
];
const ACTIVE: [&str; 4] = [
    "通过政府门户网站、政务新媒体和村（居）务公开栏等渠道，及时公开机构职能、财政预决算、重大建设项目、社会救助、乡村振兴等信息",
    "围绕防汛救灾、安全生产、惠民补贴发放等重点领域，做好政策发布和解读，确保群众及时知晓",
    "对涉及群众切身利益的事项，坚持应公开尽公开，公开内容做到准确、及时、完整",
    "全年制作政策解读材料，召开新闻发布会和情况通报会，回应社会关切",
];
const MANAGE: [&str; 3] = [
    "严格落实公开前保密审查制度，坚持“先审后发、一事一审”，全年未发生泄密事件",
    "动态更新政府信息公开指南和主动公开目录，规范信息发布流程",
    "对已公开的规范性文件开展清理，及时标注失效文件，确保公开信息准确有效",
];
const PLATFORM: [&str; 3] = [
    "加强政府网站和政务新媒体日常巡查，及时更新栏目内容，确保信息发布安全规范",
    "优化政务公开专区设置，在便民服务中心提供查阅、咨询和申请服务",
    "整合基层公开栏目，推进政务公开向村（社区）延伸",
];
const SUPERVISE: [&str; 3] = [
    "将政务公开工作纳入年度目标考核，明确分管领导和工作人员职责",
    "组织开展政务公开业务培训，提升工作人员公开意识和业务能力",
    "主动接受群众和社会监督，畅通意见建议反馈渠道",
];
const PROBLEMS: [&str; 3] = [
    "一是政策解读形式较为单一，图解、视频等群众喜闻乐见的形式运用不多；二是基层政务公开人员多为兼职，业务能力有待提高。",
    "一是部分栏目信息更新不够及时；二是依申请公开办理的规范化水平还需进一步提升；三是公众参与渠道有待拓展。",
    "一是公开内容与群众需求的契合度还不够高；二是政务新媒体互动回应不够及时。",
];
const IMPROVE: [&str; 3] = [
    "下一步，将丰富解读形式，加强业务培训，建立健全工作台账，推动政务公开工作规范化、标准化。",
    "下一步，将落实栏目更新责任，完善依申请公开办理流程，拓宽公众参与渠道，持续提升公开质效。",
    "下一步，将围绕群众关切优化公开内容，强化政务新媒体管理，及时回应社会关切。",
];

fn narrative(rng: &mut Rng, organ: &str, year: u16) -> (String, String, String) {
    let mut sentences = |pool: &[&str], n: usize| -> String {
        let start = rng.upto(pool.len() as u64 - 1) as usize;
        (0..n)
            .map(|k| pool[(start + k) % pool.len()])
            .collect::<Vec<_>>()
            .join("；")
            + "。"
    };
    let overview = format!(
        "{year}年，{organ}{duty}\n\n\
         （一）主动公开情况\n\n\
         {active}全年新制发规范性文件{{{{ active_disclosure.normative_documents.issued }}}}件，\
         现行有效规范性文件{{{{ active_disclosure.normative_documents.in_force }}}}件。\n\n\
         （二）依申请公开情况\n\n\
         全年共收到政府信息公开申请{{{{ applications.new_received.total }}}}件，\
         上年结转{{{{ applications.carried_over.total }}}}件，\
         办结{{{{ applications.results_total.total }}}}件，\
         结转下年度继续办理{{{{ applications.carried_to_next_year.total }}}}件。\
         全年发生政府信息公开行政复议{{{{ review_litigation.administrative_review.total }}}}件，\
         行政诉讼{{{{ review_litigation.litigation_total.total }}}}件。\n\n\
         （三）政府信息管理情况\n\n\
         {manage}\n\n\
         （四）政府信息公开平台建设情况\n\n\
         {platform}\n\n\
         （五）监督保障情况\n\n\
         {supervise}\n",
        duty = sentences(&DUTY, 2),
        active = sentences(&ACTIVE, 2),
        manage = sentences(&MANAGE, 2),
        platform = sentences(&PLATFORM, 2),
        supervise = sentences(&SUPERVISE, 2),
    );
    let pick = rng.upto(2) as usize;
    let problems = format!("{}\n\n{}\n", PROBLEMS[pick], IMPROVE[pick]);
    let other = format!("{year}年，本机关未收取政府信息公开信息处理费。\n");
    (overview, problems, other)
}

/// Report `index` as a tree, positions the column numbers of a single row.
pub fn tree(cells: &Cells) -> crate::model::tree::Node {
    let cols = columns();
    let row = Pos { line: 1, column: 1 };
    super::columns::tree(
        cells
            .iter()
            .map(|(c, v)| {
                (
                    &cols[*c],
                    v.clone(),
                    Pos {
                        line: 1,
                        column: *c as u32 + 1,
                    },
                )
            })
            .collect(),
        row,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SourceMap, from_tree};

    #[test]
    fn synthetic_reports_are_valid_distinct_and_reproducible() {
        let mut organs = std::collections::HashSet::new();
        for i in 0..300 {
            let cells = report(7, i, 2024);
            let loaded = from_tree(SourceMap::default(), &tree(&cells));
            assert!(
                loaded.diagnostics.iter().all(|d| !d.is_error()),
                "report {i}: {:#?}",
                loaded.diagnostics
            );
            let organ = loaded.report.unwrap().organ;
            assert!(organs.insert(organ.clone()), "{organ} twice");
        }
        assert_eq!(report(7, 42, 2024), report(7, 42, 2024));
        assert_ne!(report(7, 42, 2024), report(8, 42, 2024));
    }

    #[test]
    fn organ_names_are_unique_over_the_whole_permutation() {
        let names: std::collections::HashSet<String> = (0..36_000).map(organ).collect();
        assert_eq!(names.len(), 36_000);
    }
}
