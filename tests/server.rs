//! `nianbao serve` (issue 17): the real binary on a free port of 127.0.0.1 with a database in a
//! temporary directory, driven through its HTTP API by ureq, an HTTP client that is not ours.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nianbao::model::{self, Syntax};
use nianbao::store::{Actor, OrganId, Role, Store};
use serde_json::Value;

use common::http::{Answer, Client, PASSWORD, Site, report_path};
use common::{nianbao, repo};

const JIA: &str = "甲镇人民政府";
const YI: &str = "乙乡人民政府";

/// A server of its own: a database with two organs, a clerk of each (`jia`, `yi`) and an
/// admin, and the binary serving it.
struct Server {
    site: Site,
    db: PathBuf,
    jia: OrganId,
    yi: OrganId,
    /// What the server wrote to stderr after its first line.
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start() -> Server {
        let site = Site::build()
            .organ(JIA, None)
            .organ(YI, None)
            .account("jia", Role::Clerk, Some(JIA))
            .account("yi", Role::Clerk, Some(YI))
            .account("admin", Role::Admin, None)
            .start();
        Server {
            db: site.db(),
            jia: site.id(JIA),
            yi: site.id(YI),
            log: site.serving.log.clone(),
            site,
        }
    }

    fn client(&self) -> Client {
        self.site.client()
    }

    /// A client signed in as `login`.
    fn signed_in(&self, login: &str) -> Client {
        self.site.signed_in(login)
    }

    /// Ctrl-C, as a person at the console would stop it; its exit code.
    fn interrupt(&mut self) -> i32 {
        let child = &mut self.site.serving.child;
        // SAFETY: kill(2) on the pid of our own child, which has not been waited for.
        let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        assert_eq!(sent, 0);
        let status = child.wait().unwrap();
        status
            .code()
            .unwrap_or_else(|| panic!("ended by a signal: {status:?}"))
    }
}

/// The test report (tests/data/base.toml) as `organ`'s, in the canonical JSON the server
/// stores.
fn report_json(organ: &str) -> String {
    let text = std::fs::read_to_string(repo("tests/data/base.toml")).unwrap();
    let text = text.replace("测试镇人民政府", organ);
    let loaded = model::load("base.toml", &text, Syntax::Toml);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    model::to_json(loaded.report.as_ref().unwrap())
}

/// `data` with one value changed, by its key path (numbers as JSON text).
fn edited(data: &str, path: &[&str], value: Value) -> String {
    let mut json: Value = serde_json::from_str(data).unwrap();
    let mut at = &mut json;
    for key in path {
        at = match key.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*key],
        };
    }
    *at = value;
    json.to_string()
}

#[test]
fn login_sets_a_strict_http_only_cookie_and_wrong_passwords_are_401_then_slowed_to_429() {
    let server = Server::start();
    let mut client = server.client();
    let body = serde_json::json!({ "login": "jia", "password": PASSWORD }).to_string();
    let answer = client.request("POST", "/api/login", Some(body.as_bytes()));
    assert_eq!(answer.status, 200, "{}", answer.text());
    let cookie = answer.header("set-cookie").to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let token = cookie.split(';').next().unwrap();
    assert!(
        token.starts_with("nianbao_session=") && token.len() == 16 + 64,
        "{token}"
    );
    let json = answer.json();
    assert_eq!(json["login"], "jia");
    assert_eq!(json["role"], "clerk");
    assert_eq!(json["organ_id"], server.jia.0);
    assert_eq!(json["csrf"].as_str().unwrap().len(), 64);

    // The first wrong passwords are refused at once; then each attempt must wait.
    let mut statuses = Vec::new();
    let mut slowed = None;
    for _ in 0..6 {
        let (status, json) = client.login("yi", "not the password");
        statuses.push(status);
        if status == 429 {
            slowed = Some(json);
            break;
        }
        assert_eq!(status, 401);
        assert_eq!(json["error"]["key"], "wrong-password");
        assert_eq!(json["error"]["message"], "登录名或密码不对");
    }
    assert_eq!(statuses[..3], [401, 401, 401], "{statuses:?}");
    let slowed = slowed.unwrap_or_else(|| panic!("never slowed: {statuses:?}"));
    assert_eq!(slowed["error"]["key"], "login-throttled");
    assert!(
        slowed["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("登录失败次数太多"),
        "{slowed}"
    );
    let answer = client.request(
        "POST",
        "/api/login",
        Some(br#"{"login":"yi","password":"x"}"#),
    );
    assert_eq!(answer.status, 429);
    let retry: u64 = answer.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
}

#[test]
fn every_change_needs_the_session_s_csrf_token() {
    let server = Server::start();
    let client = server.signed_in("jia");
    let data = report_json(JIA);
    let path = report_path(server.jia, 2024);
    let body = format!("{{\"revision\": 0, \"data\": {data}}}");
    for csrf in [None, Some("0".repeat(64).as_str()), Some("")] {
        let answer = client.request_with("PUT", &path, Some(body.as_bytes()), csrf);
        assert_eq!(answer.status, 403, "{csrf:?}: {}", answer.text());
        assert_eq!(answer.key(), "csrf");
        let answer = client.request_with("POST", "/api/check", Some(data.as_bytes()), csrf);
        assert_eq!(answer.status, 403);
        let answer = client.request_with("POST", "/api/logout", None, csrf);
        assert_eq!(answer.status, 403, "logout needs it too");
    }
    // Nothing was saved, and the session still works.
    assert_eq!(client.get(&path).status, 404);
    // Another session's token is not this one's.
    let other = server.signed_in("jia");
    let answer = client.request_with("PUT", &path, Some(body.as_bytes()), other.csrf.as_deref());
    assert_eq!(answer.status, 403);
    // Reading needs none; the right one saves.
    assert_eq!(
        client
            .request_with("GET", "/api/reports", None, None)
            .status,
        200
    );
    assert_eq!(client.save(server.jia, 2024, 0, &data).status, 200);
}

#[test]
fn a_clerk_gets_403_for_another_organ_s_report_on_every_route() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let yi = server.signed_in("yi");
    let data = report_json(JIA);
    assert_eq!(jia.save(server.jia, 2024, 0, &data).status, 200);

    let base = report_path(server.jia, 2024);
    let body = format!("{{\"revision\": 1, \"data\": {data}}}");
    let routes: Vec<(&str, String, Option<&[u8]>)> = vec![
        ("GET", base.clone(), None),
        ("PUT", base.clone(), Some(body.as_bytes())),
        ("GET", format!("{base}/revisions"), None),
        ("GET", format!("{base}/revisions/1"), None),
        ("POST", format!("{base}/revisions/1/restore"), None),
        ("GET", format!("{base}/next-year"), None),
        ("GET", format!("/reports/{}/2024.pdf", server.jia.0), None),
        ("GET", format!("/reports/{}/2024.docx", server.jia.0), None),
        ("GET", format!("/reports/{}/2024.html", server.jia.0), None),
        // A report that does not exist is refused the same way: nothing is learnt.
        ("GET", report_path(server.jia, 2023), None),
        ("GET", format!("/reports/{}/2023.pdf", server.jia.0), None),
    ];
    for (method, path, body) in &routes {
        let answer = yi.request(method, path, *body);
        assert_eq!(answer.status, 403, "{method} {path}: {}", answer.text());
        assert_eq!(answer.key(), "forbidden");
        assert!(
            answer.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("没有权限")
        );
    }
    // Their own organ's list does not show it; the admin's does, and may read it.
    assert_eq!(yi.get("/api/reports").json(), serde_json::json!([]));
    let admin = server.signed_in("admin");
    let listed = admin.get("/api/reports").json();
    assert_eq!(listed[0]["organ"], JIA);
    assert_eq!(listed[0]["organ_id"], server.jia.0);
    assert_eq!(listed[0]["revision"], 1);
    assert_eq!(admin.get(&base).status, 200);
    // Nothing of yi's attempts was written.
    assert_eq!(
        jia.get(&format!("{base}/revisions"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_save_based_on_an_old_revision_is_409_with_both_versions_and_writes_nothing() {
    let server = Server::start();
    let first = server.signed_in("jia");
    let second = server.signed_in("admin");
    let data = report_json(JIA);
    let path = report_path(server.jia, 2024);
    let saved = first.save(server.jia, 2024, 0, &data);
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert_eq!(saved.json()["revision"], 1);

    // Both start from revision 1; the first to save wins.
    let theirs = edited(
        &data,
        &["active_disclosure", "licensing_decisions"],
        121.into(),
    );
    let mine = edited(
        &data,
        &["active_disclosure", "licensing_decisions"],
        999.into(),
    );
    assert_eq!(
        first.save(server.jia, 2024, 1, &theirs).json()["revision"],
        2
    );
    let conflict = second.save(server.jia, 2024, 1, &mine);
    assert_eq!(conflict.status, 409, "{}", conflict.text());
    let json = conflict.json();
    assert_eq!(json["error"]["key"], "conflict");
    assert_eq!(json["current_revision"], 2);
    assert_eq!(
        json["current_data"]["active_disclosure"]["licensing_decisions"],
        121
    );
    assert_eq!(
        json["yours"]["active_disclosure"]["licensing_decisions"],
        999
    );
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("什么也没有写入")
    );

    let current = first.get(&path).json();
    assert_eq!(current["revision"], 2);
    assert_eq!(
        current["data"]["active_disclosure"]["licensing_decisions"],
        121
    );
    assert_eq!(
        first
            .get(&format!("{path}/revisions"))
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A new report saved as new twice: the second is a conflict too.
    let again = second.save(server.jia, 2024, 0, &data);
    assert_eq!(again.status, 409);
}

#[test]
fn revisions_are_listed_read_and_restored_and_every_change_is_in_the_audit_log() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let data = report_json(JIA);
    let path = report_path(server.jia, 2024);
    for (n, licensing) in [(0, 120), (1, 121), (2, 122)] {
        let changed = edited(
            &data,
            &["active_disclosure", "licensing_decisions"],
            licensing.into(),
        );
        assert_eq!(
            jia.save(server.jia, 2024, n, &changed).json()["revision"],
            n + 1
        );
    }
    let revisions = jia.get(&format!("{path}/revisions")).json();
    let numbers: Vec<u64> = (revisions.as_array().unwrap().iter())
        .map(|r| r["revision"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(revisions[0]["author"], "jia");
    assert_eq!(revisions[0]["errors"], 0);

    let first = jia.get(&format!("{path}/revisions/1")).json();
    assert_eq!(
        first["data"]["active_disclosure"]["licensing_decisions"],
        120
    );
    assert_eq!(jia.get(&format!("{path}/revisions/9")).status, 404);

    let restored = jia.request("POST", &format!("{path}/revisions/1/restore"), None);
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(restored.json()["revision"], 4);
    let current = jia.get(&path).json();
    assert_eq!(current["revision"], 4);
    assert_eq!(current["restored_from"], 1);
    assert_eq!(current["data"], first["data"]);

    // The store, opened beside the running server, recorded each change.
    let store = Store::open(&server.db).unwrap();
    let admin = store.user(nianbao::store::UserId(3)).unwrap().unwrap();
    let log = store.audit_log(&admin, 0).unwrap();
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.user.as_deref() == Some("jia"))
        .map(|e| e.action.code())
        .collect();
    assert_eq!(actions, ["login", "save", "save", "save", "restore"]);
}

#[test]
fn check_without_saving_gives_check_s_diagnostics_and_the_computed_totals() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let data = report_json(JIA);
    // One more 予以公开 for a natural person: table 三 no longer balances.
    let wrong = edited(&data, &["applications", "granted", "0"], 4.into());
    let answer = jia.request("POST", "/api/check", Some(wrong.as_bytes()));
    assert_eq!(answer.status, 200, "{}", answer.text());
    let json = answer.json();
    let balance: Vec<&Value> = (json["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["rule"] == "balance")
        .collect();
    assert_eq!(balance.len(), 1, "{json}");
    assert_eq!(balance[0]["severity"], "error");
    assert_eq!(
        balance[0]["key"],
        "applications.carried_to_next_year.natural_person"
    );
    assert_eq!(
        balance[0]["message"],
        "勾稽关系不成立（自然人列）：一、本年新收 5 + 二、上年结转 1 = 6，而 三（七）总计 6 + 四、结转下年度 1 = 7，相差 1"
    );
    // The totals a page shows: each row's, （七）总计, and table 四's groups.
    let totals = &json["totals"];
    assert_eq!(totals["applications"]["granted"]["total"], 5);
    assert_eq!(totals["applications"]["results_total"]["natural_person"], 6);
    assert_eq!(totals["applications"]["results_total"]["total"], 7);
    assert_eq!(
        totals["review_litigation"]["administrative_review"]["total"],
        2
    );
    assert_eq!(
        totals["review_litigation"]["litigation_total"]["pending"],
        1
    );
    // Nothing was saved.
    assert_eq!(jia.get(&report_path(server.jia, 2024)).status, 404);

    // The very diagnostics `nianbao check` gives for the same data as a file.
    std::fs::write(server.site.dir.path().join("data.json"), &wrong).unwrap();
    let run = nianbao(
        server.site.dir.path(),
        &["check", "data.json", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let cli: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(cli["files"][0]["diagnostics"], json["diagnostics"]);

    // Data that is not JSON is a diagnostic too, as a broken file is to `check`.
    let broken = jia.request("POST", "/api/check", Some(b"{\"organ\": "));
    assert_eq!(broken.status, 200);
    let broken = broken.json();
    assert_eq!(broken["diagnostics"][0]["rule"], "syntax");
    assert_eq!(broken["totals"], Value::Null);
}

#[test]
fn saves_are_checked_counted_and_kept_with_their_digits() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let data = report_json(JIA);
    // A fee as a report writes it: the trailing zero is part of what was reported.
    let fee = data.replace("\"fees_10k_yuan\": 12.50", "\"fees_10k_yuan\": 96171.60");
    assert_ne!(fee, data);
    let wrong = fee.replace("\"granted\": [3, 1,", "\"granted\": [4, 1,");
    let saved = jia.save(server.jia, 2024, 0, &wrong);
    assert_eq!(
        saved.status,
        200,
        "a draft with errors is saved: {}",
        saved.text()
    );
    let json = saved.json();
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "balance")
    );
    let listed = jia.get("/api/reports").json();
    assert_eq!(listed[0]["errors"], 1, "{listed}");
    let current = jia.get(&report_path(server.jia, 2024));
    assert!(
        current.text().contains("\"fees_10k_yuan\": 96171.60"),
        "{}",
        current.text()
    );

    // Data that is not this URL's organ or year is refused, and nothing is written.
    let admin = server.signed_in("admin");
    let answer = admin.save(server.yi, 2024, 0, &data);
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(answer.key(), "report-mismatch");
    assert!(
        answer.json()["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains(YI)
    );
    let answer = jia.save(server.jia, 2023, 0, &data);
    assert_eq!(answer.status, 422);
    assert_eq!(admin.get(&report_path(server.yi, 2024)).status, 404);

    // A value the model refuses is kept as sent, for the clerk to correct.
    let typo = fee.replace(
        "\"licensing_decisions\": 120",
        "\"licensing_decisions\": \"一百二\"",
    );
    let saved = jia.save(server.jia, 2024, 1, &typo);
    assert_eq!(saved.status, 200, "{}", saved.text());
    let current = jia.get(&report_path(server.jia, 2024)).json();
    assert_eq!(
        current["data"]["active_disclosure"]["licensing_decisions"],
        "一百二"
    );

    // The server has no seal files: a seal is an error of the check, never a file read.
    let sealed = edited(&data, &["signature", "seal"], "../../../etc/passwd".into());
    let checked = jia
        .request("POST", "/api/check", Some(sealed.as_bytes()))
        .json();
    let seal: Vec<&Value> = (checked["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["rule"] == "seal")
        .collect();
    assert_eq!(seal.len(), 1, "{checked}");
    assert!(
        seal[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("填报系统不使用印章图片")
    );
}

#[test]
fn last_year_s_report_in_the_database_is_the_check_s_previous_and_begins_next_year() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let data = report_json(JIA);
    assert_eq!(jia.save(server.jia, 2024, 0, &data).status, 200);

    let next = jia.get(&format!("{}/next-year", report_path(server.jia, 2024)));
    assert_eq!(next.status, 200, "{}", next.text());
    let next = next.json();
    assert_eq!(next["year"], 2025);
    let draft = &next["data"];
    assert_eq!(draft["organ"], JIA);
    assert_eq!(draft["year"], 2025);
    // 上年结转 from last year's 结转下年度; the narrative to rewrite; the rest to fill in.
    assert_eq!(draft["applications"]["carried_over"][0], 1);
    assert_eq!(
        draft["text"]["problems"],
        "个别栏目更新不及时，下一步将加强日常检查，及时更新。"
    );
    assert_eq!(draft["applications"]["granted"], Value::Null);

    // Saved as it is, the draft keeps its gaps, and is checked against 2024.
    let saved = jia.save(server.jia, 2025, 0, &draft.to_string());
    assert_eq!(saved.status, 200, "{}", saved.text());
    let kept = jia.get(&report_path(server.jia, 2025)).json();
    assert_eq!(kept["data"]["applications"]["granted"], Value::Null);
    assert!(kept["errors"].as_u64().unwrap() > 0);

    // A 2025 report whose 上年结转 is not 2024's 结转下年度 is told so, as `check --previous` does.
    let mut full: Value = serde_json::from_str(&data).unwrap();
    full["year"] = 2025.into();
    full["signature"]["date"] = "2026-01-20".into();
    full["applications"]["carried_over"][0] = 2.into();
    let checked = jia
        .request("POST", "/api/check", Some(full.to_string().as_bytes()))
        .json();
    let carry: Vec<&Value> = (checked["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["rule"] == "carry-over")
        .collect();
    assert_eq!(carry.len(), 1, "{checked}");
    assert!(
        carry[0]["message"]
            .as_str()
            .unwrap()
            .contains("「2024 年第 1 版」")
    );
}

#[test]
fn downloads_are_the_files_render_makes_and_a_report_with_errors_is_422() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let data = report_json(JIA);
    assert_eq!(jia.save(server.jia, 2024, 0, &data).status, 200);
    let organ = server.jia.0;

    let pdf = jia.get(&format!("/reports/{organ}/2024.pdf"));
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(pdf.header("content-type"), "application/pdf");
    let disposition = pdf.header("content-disposition");
    assert!(
        disposition.contains("filename*=UTF-8''2024-%E7%94%B2%E9%95%87"),
        "{disposition}"
    );
    assert!(pdf.body.starts_with(b"%PDF"));
    let file = server.site.dir.path().join("2024.pdf");
    std::fs::write(&file, &pdf.body).unwrap();
    if common::require_tool("pdftotext", &["-v"]) {
        let text = Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&text.stdout).contains(JIA));
    }
    // Exactly what `nianbao render` makes of the data inside it.
    let run = nianbao(
        server.site.dir.path(),
        &["verify", "2024.pdf", "--no-system-fonts"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let docx = jia.get(&format!("/reports/{organ}/2024.docx"));
    assert_eq!(docx.status, 200);
    assert!(
        docx.header("content-disposition")
            .starts_with("attachment; ")
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&docx.body)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("甲镇"));

    let html = jia.get(&format!("/reports/{organ}/2024.html"));
    assert_eq!(html.status, 200);
    assert!(html.header("content-type").starts_with("text/html"));
    assert!(
        html.header("content-security-policy")
            .contains("default-src 'none'")
    );
    assert!(html.text().contains(JIA));

    assert_eq!(jia.get(&format!("/reports/{organ}/2023.pdf")).status, 404);
    let wrong = data.replace("\"granted\": [3, 1,", "\"granted\": [4, 1,");
    assert_eq!(jia.save(server.jia, 2024, 1, &wrong).status, 200);
    let refused = jia.get(&format!("/reports/{organ}/2024.pdf"));
    assert_eq!(refused.status, 422);
    assert_eq!(refused.key(), "report-has-errors");
    assert_eq!(refused.json()["diagnostics"][0]["rule"], "balance");
}

#[test]
fn a_body_over_the_limit_is_413() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let filler = "字".repeat(nianbao::limits::SERVER_BODY_BYTES as usize / 3 + 10);
    let data = edited(&report_json(JIA), &["text", "other"], filler.into());
    assert!(data.len() as u64 > nianbao::limits::SERVER_BODY_BYTES);
    let answer = jia.save(server.jia, 2024, 0, &data);
    assert_eq!(answer.status, 413, "{}", answer.text());
    assert_eq!(answer.key(), "body-too-large");
    let answer = jia.request("POST", "/api/check", Some(data.as_bytes()));
    assert_eq!(answer.status, 413);
    assert_eq!(jia.get(&report_path(server.jia, 2024)).status, 404);
}

#[test]
fn logout_ends_the_session_its_cookie_opens_nothing_after() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    assert_eq!(jia.get("/api/reports").status, 200);
    let session = jia.get("/api/session").json();
    assert_eq!(session["csrf"].as_str(), jia.csrf.as_deref());
    let out = jia.request("POST", "/api/logout", None);
    assert_eq!(out.status, 204, "{}", out.text());
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    for path in ["/api/reports", "/api/session"] {
        let answer = jia.get(path);
        assert_eq!(answer.status, 401);
        assert_eq!(answer.key(), "not-signed-in");
    }
    let anonymous = server.client();
    assert_eq!(anonymous.get("/api/reports").status, 401);
    assert_eq!(
        anonymous
            .get(&format!("/reports/{}/2024.pdf", server.jia.0))
            .status,
        401
    );
}

#[test]
fn a_backup_taken_while_saves_go_on_is_whole() {
    let server = Server::start();
    let data = report_json(JIA);
    let saver = {
        let jia = server.signed_in("jia");
        let organ = server.jia;
        std::thread::spawn(move || {
            for n in 0..30 {
                let changed = edited(&data, &["active_disclosure", "penalty_decisions"], n.into());
                let answer = jia.save(organ, 2024, n, &changed);
                assert_eq!(answer.status, 200, "{}", answer.text());
            }
        })
    };
    let mut backups = 0;
    while !saver.is_finished() || backups == 0 {
        let name = format!("backup-{backups}.db");
        let run = nianbao(
            server.site.dir.path(),
            &["admin", "--db", "nianbao.db", "backup", &name],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        backups += 1;
    }
    saver.join().unwrap();
    for i in 0..backups {
        // Each copy opens, and every revision in it has its data.
        let copy = Store::open(&server.site.dir.path().join(format!("backup-{i}.db"))).unwrap();
        let admin = copy.user(nianbao::store::UserId(3)).unwrap().unwrap();
        let revisions = copy.revisions(&admin, server.jia, 2024).unwrap();
        for info in &revisions {
            let revision = copy.revision(&admin, server.jia, 2024, info.n).unwrap();
            let json: Value = serde_json::from_str(&revision.data).unwrap();
            assert_eq!(json["active_disclosure"]["penalty_decisions"], info.n - 1);
        }
    }
    let store = Store::open(&server.db).unwrap();
    let admin = store.user(nianbao::store::UserId(3)).unwrap().unwrap();
    assert_eq!(store.revisions(&admin, server.jia, 2024).unwrap().len(), 30);
}

#[test]
fn ctrl_c_during_saves_finishes_or_refuses_each_and_exits_0() {
    let mut server = Server::start();
    let data = report_json(JIA);
    let organ = server.jia;
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let client = server.signed_in(if i % 2 == 0 { "jia" } else { "admin" });
            let data = data.clone();
            std::thread::spawn(move || {
                // Each writes a year of its own, until the server stops answering.
                let year = 2030 + i;
                let mut saved = Vec::new();
                let started = Instant::now();
                for n in 0..400 {
                    let mut json: Value = serde_json::from_str(&data).unwrap();
                    json["year"] = year.into();
                    json["active_disclosure"]["penalty_decisions"] = n.into();
                    json["signature"]["date"] = format!("{}-01-20", year + 1).into();
                    let body = format!("{{\"revision\": {n}, \"data\": {json}}}");
                    let url = format!("{}{}", client.url, report_path(organ, year));
                    let request = ureq::http::Request::builder()
                        .method("PUT")
                        .uri(&url)
                        .header("Cookie", client.cookie.as_deref().unwrap())
                        .header("X-CSRF-Token", client.csrf.as_deref().unwrap())
                        .body(body.into_bytes())
                        .unwrap();
                    match client.agent.run(request) {
                        Ok(response) if response.status() == 200 => saved.push(n + 1),
                        Ok(response) => panic!("{}", response.status()),
                        // Refused: the server has stopped.
                        Err(_) => break,
                    }
                    if started.elapsed() > Duration::from_secs(60) {
                        break;
                    }
                }
                (year, saved)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    let code = server.interrupt();
    assert_eq!(code, 0, "{}", server.log.lock().unwrap());
    assert!(server.log.lock().unwrap().contains("已停止"));
    let store = Store::open(&server.db).unwrap();
    let admin = store.user(nianbao::store::UserId(3)).unwrap().unwrap();
    for client in clients {
        let (year, saved) = client.join().unwrap();
        assert!(
            !saved.is_empty(),
            "the server saved nothing for {year} before it stopped"
        );
        // Every save that was answered is there; none beyond the last answered one.
        let revisions = store.revisions(&admin, organ, year).unwrap();
        let last = *saved.last().unwrap();
        assert!(
            revisions.len() as u32 == last || revisions.len() as u32 == last + 1,
            "{year}: answered up to {last}, stored {}",
            revisions.len()
        );
        for info in &revisions {
            let revision = store.revision(&admin, organ, year, info.n).unwrap();
            let json: Value = serde_json::from_str(&revision.data).unwrap();
            assert_eq!(json["active_disclosure"]["penalty_decisions"], info.n - 1);
        }
    }
}

#[test]
fn malformed_requests_are_4xx_and_the_server_goes_on() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let organ = server.jia.0;
    let put = report_path(server.jia, 2024);
    let deep = "[".repeat(100_000);
    let bodies: Vec<&[u8]> = vec![
        b"",
        b"{",
        b"null",
        b"[]",
        b"{\"revision\": -1, \"data\": {}}",
        b"{\"revision\": 0}",
        b"{\"revision\": 0, \"data\": null}",
        b"{\"revision\": 0, \"data\": \"text\"}",
        b"{\"revision\": 99999999999, \"data\": {}}",
        b"\xff\xfe\x00",
        deep.as_bytes(),
    ];
    for body in &bodies {
        for (method, path) in [
            ("PUT", put.as_str()),
            ("POST", "/api/check"),
            ("POST", "/api/login"),
        ] {
            let answer = jia.request(method, path, Some(body));
            let shown = String::from_utf8_lossy(&body[..body.len().min(40)]);
            assert!(
                (200..500).contains(&answer.status),
                "{method} {path} {shown:?}: {} {}",
                answer.status,
                answer.text()
            );
            if path != "/api/check" {
                assert!(answer.status >= 400, "{method} {path} {shown:?}");
                answer.key();
            }
        }
    }
    let paths = [
        "/api/reports/abc/2024".to_string(),
        "/api/reports/-1/2024".to_string(),
        format!("/api/reports/{organ}/99999"),
        format!("/api/reports/{organ}/2024/revisions/abc"),
        format!("/api/reports/{organ}/2024/revisions/4294967296"),
        format!("/api/reports/{organ}/2024/revisions/0"),
        format!("/api/reports/{organ}/0/next-year"),
        format!("/reports/{organ}/2024.exe"),
        format!("/reports/{organ}/x.pdf"),
        format!("/reports/{organ}/.pdf"),
        "/reports/%FF/2024.pdf".to_string(),
        "/api/reports/1/%E4%B8%80".to_string(),
        "/api/nothing".to_string(),
        "/../../etc/passwd".to_string(),
    ];
    for path in &paths {
        let answer = jia.get(path);
        assert!(
            (400..500).contains(&answer.status),
            "{path}: {} {}",
            answer.status,
            answer.text()
        );
        answer.key();
    }
    let wrong_method = jia.request("DELETE", &put, None);
    assert_eq!(wrong_method.status, 405);
    // Still serving.
    assert_eq!(jia.get("/api/reports").status, 200);
    assert_eq!(server.client().get("/").status, 200);
    assert!(!server.log.lock().unwrap().contains("panicked"));
}

#[test]
fn the_review_workflow_over_the_api_every_transition_allowed_and_refused() {
    let server = Server::start();
    let jia = server.signed_in("jia");
    let yi = server.signed_in("yi");
    let admin = server.signed_in("admin");
    let path = report_path(server.jia, 2024);
    let post = |client: &Client, action: &str, body: &str| -> Answer {
        client.request("POST", &format!("{path}/{action}"), Some(body.as_bytes()))
    };
    let refused = |answer: &Answer, status: u16, key: &str| {
        assert_eq!(answer.status, status, "{}", answer.text());
        assert_eq!(answer.key(), key, "{}", answer.text());
    };
    let status_of = |client: &Client| client.get(&path).json()["status"].clone();

    // No report yet.
    refused(&post(&jia, "submit", ""), 404, "no-such-report");
    // With errors: saved, but not submitted.
    let data = report_json(JIA);
    let wrong = data.replace("\"granted\": [3, 1,", "\"granted\": [4, 1,");
    assert_ne!(wrong, data);
    assert_eq!(jia.save(server.jia, 2024, 0, &wrong).status, 200);
    refused(
        &post(&jia, "submit", r#"{"acknowledge_warnings": true}"#),
        422,
        "report-has-errors",
    );
    // With a warning only: submitted once it is acknowledged.
    let warned = edited(
        &data,
        &["text", "other"],
        "本年没有其他需要报告的事项。".into(),
    );
    assert_eq!(jia.save(server.jia, 2024, 1, &warned).status, 200);
    let listed = jia.get("/api/reports").json();
    assert_eq!(listed[0]["errors"], 0, "{listed}");
    assert!(listed[0]["warnings"].as_u64().unwrap() >= 1, "{listed}");
    refused(&post(&jia, "submit", ""), 422, "warnings-not-acknowledged");
    refused(&post(&jia, "submit", "{\"ack\": 1}"), 400, "bad-request");
    // The admin's actions are 409 from a draft, naming both statuses.
    let wrong_status = post(&admin, "approve", "");
    refused(&wrong_status, 409, "wrong-status");
    assert_eq!(
        wrong_status.json()["error"]["message"],
        "这份报告现在是“草稿”，不能改为“已通过”"
    );
    // Without the CSRF token nothing moves; another organ's clerk is 403.
    let answer = jia.request_with(
        "POST",
        &format!("{path}/submit"),
        Some(br#"{"acknowledge_warnings": true}"#),
        None,
    );
    refused(&answer, 403, "csrf");
    refused(
        &post(&yi, "submit", r#"{"acknowledge_warnings": true}"#),
        403,
        "forbidden",
    );
    let submitted = post(&jia, "submit", r#"{"acknowledge_warnings": true}"#);
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    assert_eq!(submitted.json()["status"], "submitted");
    refused(
        &post(&jia, "submit", r#"{"acknowledge_warnings": true}"#),
        409,
        "wrong-status",
    );

    // A clerk may not return, approve or reopen, even their own organ's report.
    for action in ["return", "approve", "reopen"] {
        refused(
            &post(&jia, action, r#"{"comment": "自己来"}"#),
            403,
            "forbidden",
        );
    }
    refused(
        &post(&admin, "return", r#"{"comment": "  "}"#),
        422,
        "comment-missing",
    );
    refused(&post(&admin, "return", ""), 400, "bad-request");
    let returned = post(&admin, "return", r#"{"comment": "表三第二行请核对"}"#);
    assert_eq!(returned.status, 200, "{}", returned.text());
    assert_eq!(returned.json()["status"], "returned");
    // The clerk sees the comment with the report and in the list.
    let current = jia.get(&path).json();
    assert_eq!(current["status"], "returned");
    assert_eq!(current["return_comment"], "表三第二行请核对");
    assert_eq!(current["revision"], 2);
    assert_eq!(
        jia.get("/api/reports").json()[0]["return_comment"],
        "表三第二行请核对"
    );
    // Corrected and submitted again; approved; then locked.
    assert_eq!(jia.save(server.jia, 2024, 2, &data).status, 200);
    assert_eq!(status_of(&jia), "returned");
    assert_eq!(post(&jia, "submit", "").status, 200);
    refused(&post(&admin, "reopen", ""), 409, "wrong-status");
    let approved = post(&admin, "approve", "");
    assert_eq!(approved.status, 200, "{}", approved.text());
    assert_eq!(approved.json()["status"], "approved");
    for client in [&jia, &admin] {
        refused(
            &client.save(server.jia, 2024, 3, &data),
            423,
            "report-locked",
        );
        let restore = client.request("POST", &format!("{path}/revisions/1/restore"), None);
        refused(&restore, 423, "report-locked");
    }
    refused(
        &post(&admin, "return", r#"{"comment": "晚了"}"#),
        409,
        "wrong-status",
    );
    assert_eq!(status_of(&jia), "approved");
    // Reopened by the admin: a draft, saved again.
    let reopened = post(&admin, "reopen", "");
    assert_eq!(reopened.status, 200, "{}", reopened.text());
    assert_eq!(reopened.json()["status"], "draft");
    assert_eq!(jia.save(server.jia, 2024, 3, &warned).status, 200);

    // Every transition is in the audit log, with who and what.
    let store = Store::open(&server.db).unwrap();
    let admin_user = (1..=3)
        .filter_map(|id| store.user(nianbao::store::UserId(id)).unwrap())
        .find(|u| u.login == "admin")
        .unwrap();
    let log = store.audit_log(&admin_user, 0).unwrap();
    let transitions: Vec<(Option<&str>, &str, &str)> = (log.iter())
        .filter(|e| !matches!(e.action.code(), "add-organ" | "add-user" | "login"))
        .map(|e| (e.user.as_deref(), e.action.code(), e.detail.as_str()))
        .collect();
    assert_eq!(
        transitions,
        [
            (Some("jia"), "save", "errors=1 warnings=0"),
            (Some("jia"), "save", "errors=0 warnings=1"),
            (Some("jia"), "submit", "warnings=1 acknowledged"),
            (Some("admin"), "return", "表三第二行请核对"),
            (Some("jia"), "save", "errors=0 warnings=0"),
            (Some("jia"), "submit", "warnings=0"),
            (Some("admin"), "approve", ""),
            (Some("admin"), "reopen", ""),
            (Some("jia"), "save", "errors=0 warnings=1"),
        ]
    );
}

#[test]
fn the_desk_lists_every_organ_with_its_standing_last_change_and_deadline_for_admins_only() {
    let server = Server::start();
    let bing = {
        let store = Store::open(&server.db).unwrap();
        store
            .add_organ(Actor::Console, "丙街道办事处", Some(server.jia))
            .unwrap()
    };
    let jia = server.signed_in("jia");
    let yi = server.signed_in("yi");
    let admin = server.signed_in("admin");
    // 甲: a draft with an error; 乙: submitted; 丙: nothing yet.
    let data = report_json(JIA);
    let wrong = data.replace("\"granted\": [3, 1,", "\"granted\": [4, 1,");
    assert_ne!(wrong, data);
    assert_eq!(jia.save(server.jia, 2024, 0, &wrong).status, 200);
    assert_eq!(yi.save(server.yi, 2024, 0, &report_json(YI)).status, 200);
    let submitted = yi.request(
        "POST",
        &format!("{}/submit", report_path(server.yi, 2024)),
        Some(br#"{"acknowledge_warnings": true}"#),
    );
    assert_eq!(submitted.status, 200, "{}", submitted.text());

    // Clerks see no desk, in any form.
    for path in [
        "/api/desk",
        "/api/desk/2024",
        "/desk/2024.csv",
        "/desk/2024.xlsx",
    ] {
        let refused = jia.get(path);
        assert_eq!(refused.status, 403, "{path}");
        assert_eq!(refused.key(), "forbidden");
    }
    let put = |client: &Client, due: &str| {
        let body = serde_json::json!({ "due": due }).to_string();
        client.request("PUT", "/api/desk/2024/deadline", Some(body.as_bytes()))
    };
    assert_eq!(put(&jia, "2099-01-20").status, 403);

    // 2024's deadline, 31 January 2025 by default, has passed: who has not handed in is late.
    let desk = admin.get("/api/desk/2024").json();
    assert_eq!(desk["year"], 2024);
    assert_eq!(desk["deadline"], "2025-01-31");
    assert_eq!(desk["deadline_set"], false);
    assert_eq!(desk["years"], serde_json::json!([2024]));
    let mut names = [JIA, YI, "丙街道办事处"];
    names.sort_unstable();
    let rows = desk["rows"].as_array().unwrap();
    let listed: Vec<&str> = rows
        .iter()
        .map(|r| r["organ_name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names, "every organ, by name");
    let row = |name: &str| {
        let i = listed.iter().position(|n| *n == name).unwrap();
        (rows[i].clone(), desk["parents"][i].clone())
    };
    let (jia_row, jia_parent) = row(JIA);
    assert_eq!(jia_row["standing"], "has-errors");
    assert_eq!(jia_row["revision"], 1);
    assert!(jia_row["counts"]["errors"].as_u64().unwrap() >= 1);
    assert_eq!(jia_row["last_change"]["user"], "jia");
    assert_eq!(jia_row["last_change"]["action"], "save");
    assert_eq!(jia_row["overdue"], true);
    assert_eq!(jia_parent, Value::Null);
    let (yi_row, _) = row(YI);
    assert_eq!(yi_row["standing"], "submitted");
    assert_eq!(yi_row["counts"]["errors"], 0);
    assert_eq!(yi_row["last_change"]["user"], "yi");
    assert_eq!(yi_row["last_change"]["action"], "submit");
    assert_eq!(yi_row["overdue"], false);
    let (bing_row, bing_parent) = row("丙街道办事处");
    assert_eq!(bing_row["organ"], bing.0);
    assert_eq!(bing_row["standing"], "not-started");
    assert_eq!(bing_row["revision"], Value::Null);
    assert_eq!(bing_row["last_change"], Value::Null);
    assert_eq!(bing_row["overdue"], true);
    assert_eq!(bing_parent, JIA);
    let labels: Vec<&str> = desk["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["未开始", "草稿", "有错误", "已提交", "已退回", "已通过"]
    );

    // The same list for a spreadsheet: CSV (BOM, text) and .xlsx, each row as the JSON says.
    let csv = admin.get("/desk/2024.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.header("content-disposition").contains(
            "attachment; filename=\"2024-desk.csv\"; filename*=UTF-8''2024%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A%E6%80%BB%E8%A7%88.csv"
        ),
        "{}",
        csv.header("content-disposition")
    );
    let text = csv.text();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let lines: Vec<Vec<String>> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(lines.len(), 3);
    let bing_line = &lines[listed.iter().position(|n| *n == "丙街道办事处").unwrap()];
    assert_eq!(
        bing_line,
        &[
            "丙街道办事处",
            JIA,
            "2024",
            "未开始",
            "是",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "2025-01-31"
        ]
    );
    let yi_line = &lines[listed.iter().position(|n| *n == YI).unwrap()];
    assert_eq!(&yi_line[..5], [YI, "", "2024", "已提交", ""]);
    assert_eq!(yi_line[9], "yi");
    assert_eq!(yi_line[10], "提交");
    let xlsx = admin.get("/desk/2024.xlsx");
    assert_eq!(xlsx.status, 200);
    use calamine::{Data, Reader};
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.body.clone())).unwrap();
    let sheet = book.worksheet_range("报告总览").unwrap();
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => f.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(cells[0][0], "机关");
    assert_eq!(cells[0][12], "提交期限");
    assert_eq!(
        &cells[1..],
        &lines[..],
        "the workbook holds what the CSV holds"
    );

    // A later deadline: nobody is late; one in the report year itself is refused.
    let late = put(&admin, "2024-12-31");
    assert_eq!(late.status, 422, "{}", late.text());
    assert_eq!(late.key(), "bad-deadline");
    assert_eq!(
        late.json()["error"]["message"],
        "提交期限「2024-12-31」不是 2024 年之后的日期"
    );
    let set = put(&admin, "2099-01-20");
    assert_eq!(set.status, 200, "{}", set.text());
    let desk = set.json();
    assert_eq!(desk["deadline"], "2099-01-20");
    assert_eq!(desk["deadline_set"], true);
    assert!(
        desk["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["overdue"] == false)
    );
    let store = Store::open(&server.db).unwrap();
    let admin_user = store.verify_login("admin", PASSWORD).unwrap();
    let log = store.audit_log(&admin_user, 0).unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.action.code(), "set-deadline");
    assert_eq!(last.user.as_deref(), Some("admin"));
    assert_eq!(last.detail, "2024 年度报告的提交期限：2099-01-20");

    // Approving shows on the desk as the admin's last change.
    let approved = admin.request(
        "POST",
        &format!("{}/approve", report_path(server.yi, 2024)),
        None,
    );
    assert_eq!(approved.status, 200, "{}", approved.text());
    let desk = admin.get("/api/desk/2024").json();
    let yi_row = desk["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organ_name"] == YI)
        .unwrap()
        .clone();
    assert_eq!(yi_row["standing"], "approved");
    assert_eq!(yi_row["last_change"]["user"], "admin");
    assert_eq!(yi_row["last_change"]["action"], "approve");

    // Without a year, the year whose reports are due now: last year in Beijing.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let today = model::Date::from_unix_days((now + 8 * 3600) / 86_400).unwrap();
    let current = admin.get("/api/desk").json();
    assert_eq!(current["year"], today.year - 1);
    assert_eq!(current["years"][0], today.year - 1);
    assert_eq!(admin.get("/api/desk/1999").status, 404);
    assert_eq!(admin.get("/desk/2024.pdf").status, 404);
    assert!(!server.log.lock().unwrap().contains("panicked"));
}
