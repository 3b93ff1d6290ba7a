//! The county roll-up (汇总, issue 18) through the real server: organs made with
//! `nianbao admin add-organ --parent`, reports saved, submitted and approved through the API,
//! and `GET /api/rollup` compared with sums this test computes itself from the data it sent
//! (every cell of tables 二, 三 and 四, the fee to the last digit); the workbook read back with
//! calamine, the data file checked with `nianbao check`, the parent's differences listed
//! exactly, a clerk refused. The page in headless Chromium, its screenshot in
//! `target/tmp/rollup-screenshots/`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::browser::{Browser, agent};
use common::http::{self, Client, screenshot_dir, sign_in_page, wait_for};
use common::{nianbao, repo};
use nianbao::model::{self, APPLICANT_COLUMNS, Syntax};
use nianbao::store::{OrganId, Role, Store};
use serde_json::{Value, json};

const YEAR: u16 = 2024;
const COUNTY: &str = "丙县人民政府";
const JIA: &str = "丙县甲镇人民政府";
const YI: &str = "丙县乙乡人民政府";
const DING: &str = "丙县丁镇人民政府";
const WU: &str = "丙县戊乡人民政府";
const BUREAU: &str = "丙县教育局";

/// The four rows of table 三 that are not result items.
const NOT_ITEMS: [&str; 4] = [
    "new_received",
    "carried_over",
    "results_total",
    "carried_to_next_year",
];

/// A database of a county, four townships under it (戊乡 without a report) and a bureau
/// outside it, an admin and a clerk of 甲镇, and the server over it.
struct Site {
    server: http::Site,
    ids: BTreeMap<&'static str, i64>,
    /// The data each organ's current revision holds, as sent.
    sent: BTreeMap<&'static str, Value>,
}

/// tests/data/base.toml as `organ`'s, in the JSON the server stores, with figures varied by
/// `k` (every rule of the format still holding): the fee is `fee`.
fn varied(organ: &str, k: u64, fee: &str) -> Value {
    let text = std::fs::read_to_string(repo("tests/data/base.toml")).unwrap();
    let loaded = model::load(
        "base.toml",
        &text.replace("测试镇人民政府", organ),
        Syntax::Toml,
    );
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let mut data: Value = serde_json::from_str(&model::to_json(&loaded.report.unwrap())).unwrap();
    let ad = &mut data["active_disclosure"];
    ad["normative_documents"] = json!({"issued": 2 + k, "repealed": 1, "in_force": 9 + 3 * k});
    ad["licensing_decisions"] = json!(120 + 10 * k);
    ad["penalty_decisions"] = json!(35 + k);
    ad["coercion_decisions"] = json!(4 * k);
    ad["fees_10k_yuan"] = json!(fee);
    let apps = &mut data["applications"];
    // 一 + 二 = 三（七） + 四 in every column: what is received more is granted or denied.
    apps["new_received"] = json!([5 + k, 1 + 2 * k, k, 0, 0, 0]);
    apps["granted"] = json!([3 + k, 1 + k, 0, 0, 0, 0]);
    apps["denied_state_secret"] = json!([0, k, 0, 0, 0, 0]);
    apps["not_processed_repeated"] = json!([0, 0, k, 0, 0, 0]);
    let review = &mut data["review_litigation"];
    review["administrative_review"] =
        json!({"upheld": 1 + k, "corrected": 0, "other": 1, "pending": k});
    review["litigation_direct"] = json!({"upheld": 0, "corrected": k, "other": 0, "pending": 1});
    data
}

/// Every figure of tables 二, 三 and 四 of data as sent, by key, totals computed here: counts
/// as whole numbers, the fee in millionths with its decimals.
fn figures(data: &Value) -> BTreeMap<String, Fig> {
    let mut out = BTreeMap::new();
    let ad = &data["active_disclosure"];
    for group in ["regulations", "normative_documents"] {
        for field in ["issued", "repealed", "in_force"] {
            let n = ad[group][field].as_u64().unwrap();
            out.insert(format!("active_disclosure.{group}.{field}"), Fig::Count(n));
        }
    }
    for field in [
        "licensing_decisions",
        "penalty_decisions",
        "coercion_decisions",
    ] {
        out.insert(
            format!("active_disclosure.{field}"),
            Fig::Count(ad[field].as_u64().unwrap()),
        );
    }
    let fee = ad["fees_10k_yuan"].as_str().unwrap();
    out.insert("active_disclosure.fees_10k_yuan".into(), Fig::fee(fee));
    let rows = model::APPLICATION_ROWS_2021.map(|r| r.key);
    let mut results = [0u64; 6];
    for row in rows {
        let counts: Vec<u64> = match data["applications"][row].as_array() {
            Some(a) => a.iter().take(6).map(|v| v.as_u64().unwrap()).collect(),
            None => vec![0; 6],
        };
        if !NOT_ITEMS.contains(&row) {
            for (r, n) in results.iter_mut().zip(&counts) {
                *r += n;
            }
        }
        if row != "results_total" {
            put_row(&mut out, row, &counts);
        }
    }
    put_row(&mut out, "results_total", &results);
    for group in [
        "administrative_review",
        "litigation_direct",
        "litigation_after_review",
    ] {
        let mut total = 0;
        for field in ["upheld", "corrected", "other", "pending"] {
            let n = data["review_litigation"][group][field].as_u64().unwrap();
            total += n;
            out.insert(format!("review_litigation.{group}.{field}"), Fig::Count(n));
        }
        out.insert(
            format!("review_litigation.{group}.total"),
            Fig::Count(total),
        );
    }
    out
}

fn put_row(out: &mut BTreeMap<String, Fig>, row: &str, counts: &[u64]) {
    for ((column, _), n) in APPLICANT_COLUMNS.iter().zip(counts) {
        out.insert(format!("applications.{row}.{column}"), Fig::Count(*n));
    }
    let total = counts.iter().sum();
    out.insert(format!("applications.{row}.total"), Fig::Count(total));
}

/// A figure as this test keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fig {
    Count(u64),
    /// Millionths, and the number of decimals written.
    Fee(u128, usize),
}

impl Fig {
    fn fee(text: &str) -> Fig {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let padded = format!("{frac:0<6}");
        let value = int.parse::<u128>().unwrap() * 1_000_000 + padded.parse::<u128>().unwrap();
        Fig::Fee(value, frac.len())
    }

    fn add(self, other: Fig) -> Fig {
        match (self, other) {
            (Fig::Count(a), Fig::Count(b)) => Fig::Count(a + b),
            (Fig::Fee(a, da), Fig::Fee(b, db)) => Fig::Fee(a + b, da.max(db)),
            _ => panic!("a count and a fee"),
        }
    }

    /// As the JSON answer gives it: a number, or the fee's digits.
    fn json(self) -> Value {
        match self {
            Fig::Count(n) => json!(n),
            Fig::Fee(v, d) => json!(fee_text(v, d)),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Fig::Count(n) => n as f64,
            Fig::Fee(v, _) => v as f64 / 1e6,
        }
    }
}

fn fee_text(value: u128, digits: usize) -> String {
    let frac = format!("{:06}", value % 1_000_000);
    match digits {
        0 => (value / 1_000_000).to_string(),
        d => format!("{}.{}", value / 1_000_000, &frac[..d]),
    }
}

/// The figures of several reports added.
fn summed(reports: &[&Value]) -> BTreeMap<String, Fig> {
    let mut total: BTreeMap<String, Fig> = BTreeMap::new();
    for data in reports {
        for (key, fig) in figures(data) {
            total
                .entry(key)
                .and_modify(|t| *t = t.add(fig))
                .or_insert(fig);
        }
    }
    total
}

fn as_json(figures: &BTreeMap<String, Fig>) -> Value {
    Value::Object(figures.iter().map(|(k, f)| (k.clone(), f.json())).collect())
}

impl Site {
    fn start() -> Site {
        let build = http::Site::build();
        let dir = build.dir();
        let mut ids = BTreeMap::new();
        for (name, parent) in [
            (COUNTY, None),
            (JIA, Some(COUNTY)),
            (YI, Some(COUNTY)),
            (DING, Some(COUNTY)),
            (WU, Some(COUNTY)),
            (BUREAU, None),
        ] {
            let mut args = vec!["admin", "--db", "nianbao.db", "add-organ", name];
            if let Some(parent) = parent {
                args.extend(["--parent", parent]);
            }
            let run = nianbao(dir, &args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let id: i64 = run.stdout.trim().parse().unwrap();
            match parent {
                Some(parent) => assert_eq!(
                    run.stderr,
                    format!("已添加机关“{name}”，编号 {id}，上级机关“{parent}”\n")
                ),
                None => assert_eq!(run.stderr, format!("已添加机关“{name}”，编号 {id}\n")),
            }
            ids.insert(name, id);
        }
        let unknown = nianbao(
            dir,
            &[
                "admin",
                "--db",
                "nianbao.db",
                "add-organ",
                "某镇",
                "--parent",
                "无此县",
            ],
        );
        assert_eq!(unknown.code, 1);
        assert!(
            unknown.stderr.contains("没有机关“无此县” [unknown-organ]"),
            "{}",
            unknown.stderr
        );
        {
            let store = Store::open(&dir.join("nianbao.db")).unwrap();
            let organs = store.organs().unwrap();
            let jia = organs.iter().find(|o| o.name == JIA).unwrap();
            assert_eq!(jia.parent, Some(OrganId(ids[COUNTY])));
        }
        let server = build
            .account("admin", Role::Admin, None)
            .account("jia", Role::Clerk, Some(JIA))
            .start();
        let mut site = Site {
            server,
            ids,
            sent: BTreeMap::new(),
        };
        site.fill();
        site
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    fn admin(&self) -> Client {
        self.server.signed_in("admin")
    }

    /// The county and 甲镇, 乙乡 approved; 丁镇 a draft; the bureau saved with an error.
    fn fill(&mut self) {
        let admin = self.admin();
        let mut bureau = varied(BUREAU, 4, "3.3");
        // 一 + 二 ≠ 三（七） + 四 in the first column: an error.
        bureau["applications"]["new_received"][0] = json!(40);
        for (organ, data, approve) in [
            (COUNTY, varied(COUNTY, 5, "100.125"), true),
            (JIA, varied(JIA, 1, "0.35"), true),
            (YI, varied(YI, 2, "7"), true),
            (DING, varied(DING, 3, "96171.60"), false),
            (BUREAU, bureau, false),
        ] {
            let path = format!("/api/reports/{}/{YEAR}", self.ids[organ]);
            let body = json!({"revision": 0, "data": data}).to_string();
            let saved = admin.request("PUT", &path, Some(body.as_bytes()));
            assert_eq!(saved.status, 200);
            let errors = (saved.json()["diagnostics"].as_array().unwrap().iter())
                .filter(|d| d["severity"] == "error")
                .count();
            assert_eq!(
                errors,
                usize::from(organ == BUREAU),
                "{organ}: {}",
                saved.json()
            );
            if approve {
                let ack = r#"{"acknowledge_warnings": true}"#;
                let submitted =
                    admin.request("POST", &format!("{path}/submit"), Some(ack.as_bytes()));
                assert_eq!(submitted.status, 200, "{}", submitted.json());
                let approved = admin.request("POST", &format!("{path}/approve"), None);
                assert_eq!(approved.status, 200, "{}", approved.json());
            }
            self.sent.insert(organ, data);
        }
    }

    fn id(&self, organ: &str) -> i64 {
        self.ids[organ]
    }
}

/// The parent's differences as this test finds them: every key where they differ, with both
/// figures, the difference and whether the parent is at least the sum.
fn expected_differences(
    parent: &BTreeMap<String, Fig>,
    children: &BTreeMap<String, Fig>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (key, p) in parent {
        let c = children[key];
        let (difference, consistent) = match (*p, c) {
            (Fig::Count(a), Fig::Count(b)) if a != b => (json!(a as i64 - b as i64), a >= b),
            (Fig::Fee(a, da), Fig::Fee(b, db)) if a != b => {
                let d = da.max(db);
                let text = if a >= b {
                    fee_text(a - b, d)
                } else {
                    format!("-{}", fee_text(b - a, d))
                };
                (json!(text), a >= b)
            }
            _ => continue,
        };
        let entry = json!({"parent": p.json(), "children": c.json(),
                           "difference": difference, "consistent": consistent});
        out.insert(key.clone(), entry);
    }
    out
}

/// Names in the order the server lists organs (by name, as SQLite compares text: bytes).
fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.sort();
    names
}

fn names(list: &Value) -> Vec<String> {
    (list.as_array().unwrap().iter())
        .map(|o| o["organ"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_roll_up_adds_every_cell_exactly_lists_who_is_left_out_and_the_parents_differences() {
    let site = Site::start();
    let admin = site.admin();
    let county = site.id(COUNTY);
    let sent = |organ: &str| &site.sent[organ];

    // The township of the county, approved reports only (the default).
    let answer = admin.get(&format!("/api/rollup?year={YEAR}&set=children:{county}"));
    assert_eq!(answer.status, 200);
    let r = answer.json();
    assert_eq!(r["only"], "approved");
    assert_eq!(r["set"], format!("children:{county}"));
    assert_eq!(r["title"], format!("{COUNTY}的下级机关"));
    assert_eq!(names(&r["included"]), sorted(&[JIA, YI]));
    assert_eq!(r["included"][0]["revision"], 1);
    assert_eq!(r["included"][0]["status"], "approved");
    let left: Vec<(String, String, String)> = (r["left_out"].as_array().unwrap().iter())
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap().to_string();
            (s("organ"), s("reason"), s("message"))
        })
        .collect();
    assert_eq!(
        left,
        [
            (
                DING.to_string(),
                "not-approved".to_string(),
                "报告是“草稿”，还没有通过审核（只汇总已通过的报告）".to_string()
            ),
            (
                WU.to_string(),
                "not-started".to_string(),
                "没有 2024 年度的报告（未开始）".to_string()
            ),
        ]
    );
    let townships = summed(&[sent(JIA), sent(YI)]);
    assert_eq!(townships.len(), 10 + 25 * 7 + 3 * 5);
    assert_eq!(r["figures"], as_json(&townships));
    // Spot checks by hand: 甲 k=1, 乙 k=2.
    assert_eq!(r["figures"]["active_disclosure.fees_10k_yuan"], "7.35");
    assert_eq!(
        r["figures"]["active_disclosure.licensing_decisions"],
        130 + 140
    );
    // Results of k: granted 4 + 2k, 不掌握 2, 国家秘密 k, 重复申请 k, so 6 + 4k.
    assert_eq!(
        r["figures"]["applications.results_total.total"],
        (6 + 4) + (6 + 8)
    );

    // The county against its townships: both approved township reports make the sum.
    let parents = r["parents"].as_array().unwrap();
    assert_eq!(parents.len(), 1);
    let check = &parents[0];
    assert_eq!(check["organ"], COUNTY);
    assert_eq!(check["compared"], true);
    assert_eq!(names(&check["children"]), sorted(&[JIA, YI]));
    assert_eq!(names(&check["children_left_out"]), sorted(&[DING, WU]));
    let expected = expected_differences(&figures(sent(COUNTY)), &townships);
    let listed: BTreeMap<String, Value> = (check["differences"].as_array().unwrap().iter())
        .map(|d| {
            let key = d["key"].as_str().unwrap().to_string();
            let entry = json!({"parent": d["parent"], "children": d["children"],
                               "difference": d["difference"], "consistent": d["consistent"]});
            (key, entry)
        })
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        listed["active_disclosure.fees_10k_yuan"],
        json!({"parent": "100.125", "children": "7.35", "difference": "92.775", "consistent": true})
    );
    // 行政许可: the county's 170 is below the townships' 270.
    assert_eq!(
        listed["active_disclosure.licensing_decisions"],
        json!({"parent": 170, "children": 270, "difference": -100, "consistent": false})
    );
    let below = expected
        .values()
        .filter(|d| d["consistent"] == false)
        .count();
    assert!(below > 0 && below < expected.len());
    assert_eq!(check["inconsistent"], below);
    let fee_diff = (check["differences"].as_array().unwrap().iter())
        .find(|d| d["key"] == "active_disclosure.fees_10k_yuan")
        .unwrap();
    assert_eq!(
        fee_diff["label"],
        "行政事业性收费 · 本年收费金额（单位：万元）"
    );
    assert_eq!(fee_diff["table"], "二");

    // Every saved report: the draft is in, the report with errors and 戊乡 are not.
    let all = admin
        .get(&format!("/api/rollup?year={YEAR}&set=all&only=all"))
        .json();
    assert_eq!(all["title"], "全部机关");
    assert_eq!(names(&all["included"]), sorted(&[COUNTY, JIA, YI, DING]));
    assert_eq!(names(&all["left_out"]), sorted(&[WU, BUREAU]));
    let bureau = (all["left_out"].as_array().unwrap().iter())
        .find(|l| l["organ"] == BUREAU)
        .unwrap();
    assert_eq!(bureau["reason"], "has-errors");
    assert_eq!(bureau["message"], "第 1 版有 1 个错误，其中的数字不可靠");
    let everything = summed(&[sent(COUNTY), sent(JIA), sent(YI), sent(DING)]);
    assert_eq!(all["figures"], as_json(&everything));
    assert_eq!(
        all["figures"]["active_disclosure.fees_10k_yuan"],
        "96279.075"
    );
    // The county is compared with its townships of every status now: 丁镇's draft counts.
    let check = &all["parents"][0];
    assert_eq!(names(&check["children"]), sorted(&[JIA, YI, DING]));
    let with_ding = summed(&[sent(JIA), sent(YI), sent(DING)]);
    assert_eq!(
        check["differences"].as_array().unwrap().len(),
        expected_differences(&figures(sent(COUNTY)), &with_ding).len()
    );

    // An explicit list: 甲镇 alone (the bureau left out); the county, 甲镇's parent, compared.
    let (jia, bureau_id) = (site.id(JIA), site.id(BUREAU));
    let some = admin.get(&format!(
        "/api/rollup?year={YEAR}&set=ids%3A{jia}%2C{bureau_id}"
    ));
    assert_eq!(some.status, 200);
    let some = some.json();
    assert_eq!(some["title"], "所选的 2 个机关");
    assert_eq!(names(&some["included"]), [JIA]);
    assert_eq!(names(&some["left_out"]), [BUREAU]);
    assert_eq!(some["figures"], as_json(&figures(sent(JIA))));
    assert_eq!(names(&some["parents"]), [COUNTY]);

    // The workbook: every figure of the sum in 汇总, the differences in 上下级差异.
    let xlsx = admin.get(&format!(
        "/rollup/{YEAR}.xlsx?set=children:{county}&only=approved"
    ));
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.header("content-type"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let name = format!("{YEAR}-{COUNTY}的下级机关汇总.xlsx");
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    assert_eq!(
        xlsx.header("content-disposition"),
        format!("attachment; filename=\"{YEAR}-rollup.xlsx\"; filename*=UTF-8''{encoded}")
    );
    std::fs::write(
        screenshot_dir("rollup-screenshots").join("rollup.xlsx"),
        &xlsx.body,
    )
    .unwrap();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body)).unwrap();
    assert_eq!(book.sheet_names(), ["汇总", "表三", "机关", "上下级差异"]);
    let sheet = book.worksheet_range("汇总").unwrap();
    let mut cells = BTreeMap::new();
    for row in sheet.rows().skip(1) {
        let (Data::String(key), Data::Float(value)) = (&row[2], &row[3]) else {
            panic!("{row:?}");
        };
        cells.insert(key.clone(), *value);
    }
    let wanted: BTreeMap<String, f64> = townships
        .iter()
        .map(|(k, f)| (k.clone(), f.as_f64()))
        .collect();
    assert_eq!(cells, wanted);
    assert_eq!(cells["active_disclosure.fees_10k_yuan"], 7.35);
    let table3 = book.worksheet_range("表三").unwrap();
    let granted = &table3.rows().nth(3).unwrap();
    assert_eq!(granted[0], Data::String("三（一）予以公开".into()));
    let total = townships["applications.granted.total"].as_f64();
    assert_eq!(granted[7], Data::Float(total));
    let diffs = book.worksheet_range("上下级差异").unwrap();
    assert_eq!(diffs.rows().count() - 1, expected.len());
    let fee_row = diffs
        .rows()
        .find(|r| r[3] == Data::String("active_disclosure.fees_10k_yuan".into()))
        .unwrap();
    assert_eq!(
        fee_row[4..7],
        [Data::Float(100.125), Data::Float(7.35), Data::Float(92.775)]
    );

    // The data file: the sum's tables, which `nianbao check` loads and finds no error in.
    let toml = admin.get(&format!("/rollup/{YEAR}.toml?set=children:{county}"));
    assert_eq!(toml.status, 200);
    assert_eq!(
        toml.header("content-type"),
        "application/toml; charset=utf-8"
    );
    let text = String::from_utf8(toml.body).unwrap();
    assert!(text.starts_with(&format!(
        "# nianbao 汇总数据：2024 年度 · {COUNTY}的下级机关 · 只含已通过的报告\n"
    )));
    assert!(text.contains(&format!("#   {JIA}（编号 {jia}，第 1 版，已通过）\n")));
    assert!(text.contains(&format!(
        "#   {WU}（编号 {}）：没有 2024 年度的报告（未开始）\n",
        site.id(WU)
    )));
    // A copy beside the screenshot, for a person to look at.
    std::fs::write(
        screenshot_dir("rollup-screenshots").join("rollup.toml"),
        &text,
    )
    .unwrap();
    let file = site.server.dir.path().join("汇总.toml");
    std::fs::write(&file, &text).unwrap();
    let checked = nianbao(site.server.dir.path(), &["check", "汇总.toml"]);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    let said = format!("{}{}", checked.stdout, checked.stderr);
    assert!(
        said.contains("汇总.toml: 通过（0 个错误，0 个警告，2 个已接受）"),
        "{said}"
    );
    let loaded = model::load("汇总.toml", &text, Syntax::Toml);
    let back: Value =
        serde_json::from_str(&model::to_json(loaded.report.as_ref().unwrap())).unwrap();
    let mut back = back;
    // The fee comes back as a number of JSON; this test reads fees as their text.
    back["active_disclosure"]["fees_10k_yuan"] = json!("7.35");
    assert!(text.contains("fees_10k_yuan = 7.35\n"));
    assert_eq!(figures(&back), townships);
}

#[test]
fn the_roll_up_is_for_admins_and_its_query_is_checked() {
    let site = Site::start();
    let clerk = site.server.signed_in("jia");
    for path in [
        format!("/api/rollup?year={YEAR}"),
        format!("/rollup/{YEAR}.xlsx"),
        format!("/rollup/{YEAR}.toml?set=all"),
    ] {
        let answer = clerk.get(&path);
        assert_eq!(answer.status, 403, "{path}");
        assert_eq!(answer.json()["error"]["key"], "forbidden");
    }
    let nobody = agent()
        .get(site.url(&format!("/api/rollup?year={YEAR}")))
        .call()
        .unwrap();
    assert_eq!(nobody.status(), 401);
    let admin = site.admin();
    let refused = |path: &str, status: u16, key: &str, message: &str| {
        let answer = admin.get(path);
        assert_eq!(answer.status, status, "{path}");
        let error = &answer.json()["error"];
        assert_eq!(error["key"], key, "{path}");
        assert_eq!(error["message"], message, "{path}");
    };
    refused("/api/rollup", 422, "bad-year", "没有写汇总哪一年度");
    refused(
        "/api/rollup?year=1999",
        422,
        "bad-year",
        "年度应为 2021 至 2100 之间的年份，而不是“1999”",
    );
    refused(
        &format!("/api/rollup?year={YEAR}&set=some"),
        422,
        "bad-set",
        "汇总范围“some”无法识别",
    );
    refused(
        &format!("/api/rollup?year={YEAR}&only=drafts"),
        422,
        "bad-only",
        "“drafts”无法识别：只能汇总已通过的报告或全部已保存的报告",
    );
    refused(
        &format!("/api/rollup?year={YEAR}&set=children:999"),
        404,
        "unknown-organ",
        "没有编号为 999 的机关",
    );
    refused(
        &format!("/api/rollup?year={YEAR}&set=ids:1,999"),
        404,
        "unknown-organ",
        "没有编号为 999 的机关",
    );
    refused(
        &format!("/rollup/{YEAR}.csv"),
        404,
        "not-found",
        "没有这个地址",
    );
    // A year without reports: every organ left out, zeros.
    let empty = admin.get("/api/rollup?year=2030").json();
    assert_eq!(empty["included"], json!([]));
    assert_eq!(empty["left_out"].as_array().unwrap().len(), 6);
    assert_eq!(empty["figures"]["applications.results_total.total"], 0);
    assert_eq!(empty["figures"]["active_disclosure.fees_10k_yuan"], "0");
    assert_eq!(empty["parents"][0]["compared"], false);
    assert_eq!(
        empty["parents"][0]["reason"],
        "本机关的报告没有计入：没有 2030 年度的报告（未开始）"
    );
}

#[test]
fn the_roll_up_page_shows_the_sum_in_the_forms_tables_and_the_differences() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = Site::start();
    sign_in_page(&browser, &site.url("/"), "admin");
    let county = site.id(COUNTY);
    browser.open(&site.url(&format!("/rollup?year={YEAR}&set=children:{county}")));
    wait_for(
        &browser,
        "the roll-up",
        "return document.body.dataset.busy === '0' && document.getElementById('included').children.length > 0",
    );
    let townships = summed(&[&site.sent[JIA], &site.sent[YI]]);
    let shown = browser.execute(
        "return Object.fromEntries([...document.querySelectorAll('#doc output')].map(o => [o.name, o.textContent]));",
        vec![],
    );
    let wanted: BTreeMap<String, String> = townships
        .iter()
        .map(|(k, f)| {
            (
                k.clone(),
                f.json().to_string().trim_matches('"').to_string(),
            )
        })
        .collect();
    let shown: BTreeMap<String, String> = serde_json::from_value(shown).unwrap();
    assert_eq!(shown, wanted);
    let text = |id: &str| {
        browser
            .execute(
                "return document.getElementById(arguments[0]).textContent;",
                vec![json!(id)],
            )
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        text("summary"),
        format!("2024 年度 · {COUNTY}的下级机关 · 只含已通过的报告：计入 2 个机关，未计入 2 个")
    );
    assert!(text("left-out").contains("丙县丁镇人民政府：报告是“草稿”，还没有通过审核"));
    let bad = browser.execute(
        "return [...document.querySelectorAll('#parent-list tr.bad')].map(r => r.dataset.key);",
        vec![],
    );
    assert!(
        bad.as_array()
            .unwrap()
            .contains(&json!("active_disclosure.licensing_decisions")),
        "{bad}"
    );
    let href = browser.execute(
        "return document.getElementById('dl-xlsx').getAttribute('href');",
        vec![],
    );
    assert_eq!(
        href,
        json!(format!(
            "/rollup/2024.xlsx?set=children:{county}&only=approved"
        ))
    );
    browser.execute("window.scrollTo(0, 0);", vec![]);
    let shot = screenshot_dir("rollup-screenshots").join("rollup.png");
    browser.screenshot_full_page(&shot);
    eprintln!("screenshot: {}", shot.display());

    // Chosen on the page: 甲镇 alone, every saved report.
    browser.execute(
        "document.getElementById('set').value = 'ids';
         document.getElementById('set').dispatchEvent(new Event('change'));
         document.getElementById('only').value = 'all';",
        vec![],
    );
    let jia = site.id(JIA);
    browser.click(&browser.find_css(&format!("#id-boxes input[value='{jia}']")));
    browser.click(&browser.find_css("#go"));
    wait_for(
        &browser,
        "the roll-up of 甲镇",
        "return document.body.dataset.busy === '0' && document.getElementById('summary').textContent.includes('所选的 1 个机关')",
    );
    assert_eq!(
        text("summary"),
        "2024 年度 · 所选的 1 个机关 · 全部已保存的报告：计入 1 个机关，未计入 0 个"
    );
    assert!(
        browser
            .current_url()
            .ends_with(&format!("/rollup?year=2024&set=ids%3A{jia}&only=all"))
    );
    let licensing = browser.execute(
        "return document.getElementById('o-active_disclosure.licensing_decisions').textContent;",
        vec![],
    );
    assert_eq!(licensing, json!("130"));

    // The page as served (a shell under the strict policy, nothing inline) and as filled in are
    // valid HTML.
    let pages = tempfile::tempdir().unwrap();
    let response = agent().get(site.url("/rollup")).call().unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    let shell = response.into_body().read_to_string().unwrap();
    assert_eq!(
        shell.matches("<script").count(),
        shell
            .matches("<script type=\"module\" src=\"/assets/rollup.js\"")
            .count()
    );
    for inline in ["<style", " style=", " onclick=", "javascript:", "{{"] {
        assert!(!shell.contains(inline), "{inline}");
    }
    let filled = browser.execute("return document.documentElement.outerHTML;", vec![]);
    let files = [
        ("rollup.html", shell),
        (
            "rollup-filled.html",
            format!("<!DOCTYPE html>\n{}", filled.as_str().unwrap()),
        ),
    ];
    let mut paths = Vec::new();
    for (name, html) in files {
        let file = pages.path().join(name);
        std::fs::write(&file, html).unwrap();
        paths.push(file);
    }
    let css = agent().get(site.url("/assets/app.css")).call().unwrap();
    let file = pages.path().join("app.css");
    std::fs::write(&file, css.into_body().read_to_string().unwrap()).unwrap();
    paths.push(file);
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    if let Some(errors) = common::vnu_errors(&paths) {
        assert!(errors.is_empty(), "vnu.jar:\n{}", errors.join("\n"));
    }
}
