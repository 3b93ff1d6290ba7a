//! The filing server's pages in a real browser (issue 17): the program serving a temporary
//! database made with `nianbao admin`, headless Chromium driven over WebDriver as a clerk would
//! use it. Screenshots go to `target/tmp/form-screenshots/`, for a person to look at.

mod common;

use std::path::{Path, PathBuf};

use common::browser::{Browser, agent};
use common::http::{self, Client, PASSWORD, screenshot_dir, settled, sign_in_page, wait_for};
use common::{nianbao, nianbao_with_input, repo};
use nianbao::model::{self, APPLICANT_COLUMNS, Syntax};
use serde_json::{Value, json};

const ORGAN: &str = "淮安市人民政府";

/// A database with one organ and its clerk, made by `nianbao admin`, and the server over it.
struct Site {
    server: http::Site,
    organ: u32,
}

impl Site {
    fn start() -> Site {
        let build = http::Site::build();
        let dir = build.dir();
        let added = nianbao(dir, &["admin", "--db", "nianbao.db", "add-organ", ORGAN]);
        assert_eq!(added.code, 0, "{}", added.stderr);
        let organ: u32 = added
            .stdout
            .trim()
            .parse()
            .expect("add-organ prints the id");
        let args = [
            "admin",
            "--db",
            "nianbao.db",
            "add-user",
            "clerk",
            "--role",
            "clerk",
            "--organ",
            ORGAN,
            "--password-stdin",
        ];
        let user = nianbao_with_input(dir, &args, &format!("{PASSWORD}\n"));
        assert_eq!(user.code, 0, "{}", user.stderr);
        let args = [
            "admin",
            "--db",
            "nianbao.db",
            "add-user",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ];
        let admin = nianbao_with_input(dir, &args, &format!("{PASSWORD}\n"));
        assert_eq!(admin.code, 0, "{}", admin.stderr);
        Site {
            server: build.start(),
            organ,
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

/// Signs in as the clerk on `/`, and waits for the list of reports.
fn sign_in(browser: &Browser, site: &Site) {
    sign_in_as(browser, site, "clerk");
}

/// Signs in as `login` on `/`, and waits for the list of reports.
fn sign_in_as(browser: &Browser, site: &Site, login: &str) {
    sign_in_page(browser, &site.url("/"), login);
}

/// The clerk signed in through the API, as another tab or a colleague would be: the session
/// cookie and the CSRF token.
struct Api(Client);

impl Api {
    fn sign_in(site: &Site) -> Api {
        Api::sign_in_as(site, "clerk")
    }

    fn sign_in_as(site: &Site, login: &str) -> Api {
        Api(site.server.signed_in(login))
    }

    fn get(&self, path: &str) -> Value {
        let answer = self.0.get(path);
        assert_eq!(answer.status, 200, "GET {path}");
        answer.json()
    }

    /// Saves `data` (JSON text) on revision `base`; the new revision.
    fn save(&self, path: &str, base: u32, data: &str) -> u32 {
        let answer = self.0.save_at(path, base, data);
        assert_eq!(answer.status, 200, "PUT {path}");
        answer.json()["revision"].as_u64().unwrap() as u32
    }

    /// POSTs `body` (JSON text); the status and the answer.
    fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let answer = self.0.request("POST", path, Some(body.as_bytes()));
        (answer.status, answer.json())
    }
}

/// The sample's data as the server stores it, with `edit` applied to it.
fn sample_json(edit: impl FnOnce(&mut Value)) -> String {
    let text = std::fs::read_to_string(repo("samples/huaian-2024.toml")).unwrap();
    let loaded = model::load("huaian-2024.toml", &text, Syntax::Toml);
    let mut data: Value =
        serde_json::from_str(&model::to_json(loaded.report.as_ref().unwrap())).unwrap();
    edit(&mut data);
    data.to_string()
}

fn value(browser: &Browser, id: &str) -> String {
    let script = "const e = document.getElementById(arguments[0]); return e ? e.value : null;";
    let v = browser.execute(script, vec![json!(id)]);
    v.as_str()
        .unwrap_or_else(|| panic!("no #{id} with a value"))
        .to_string()
}

fn text(browser: &Browser, id: &str) -> String {
    let script =
        "const e = document.getElementById(arguments[0]); return e ? e.textContent : null;";
    let v = browser.execute(script, vec![json!(id)]);
    v.as_str().unwrap_or_else(|| panic!("no #{id}")).to_string()
}

/// The element of an id (CSS would need the dots of the keys escaped).
fn by_id(browser: &Browser, id: &str) -> String {
    let v = browser.execute(
        "return document.getElementById(arguments[0]);",
        vec![json!(id)],
    );
    v[common::browser::ELEMENT]
        .as_str()
        .unwrap_or_else(|| panic!("no #{id}"))
        .to_string()
}

/// Replaces what an input holds by typing, as a clerk does.
fn retype(browser: &Browser, id: &str, typed: &str) {
    let element = by_id(browser, id);
    browser.clear(&element);
    browser.send_keys(&element, typed);
}

/// The cells the check marked, by key, with their class and their messages' text.
fn marked(browser: &Browser) -> Value {
    browser.execute(
        "return Object.fromEntries([...document.querySelectorAll('[data-cell]')]
           .filter(c => /has-(error|warning)/.test(c.className))
           .map(c => [c.dataset.cell, {class: c.className,
             messages: [...c.querySelectorAll(':scope > .messages > p')].map(p => p.firstChild.textContent)}]));",
        vec![],
    )
}

/// The sample's values by the form's field keys (a row of table 三 by its columns).
fn sample_values() -> Value {
    let text = std::fs::read_to_string(repo("samples/huaian-2024.toml")).unwrap();
    let loaded = model::load("huaian-2024.toml", &text, Syntax::Toml);
    let data: Value =
        serde_json::from_str(&model::to_json(loaded.report.as_ref().unwrap())).unwrap();
    let mut values = serde_json::Map::new();
    fn walk(prefix: &str, v: &Value, out: &mut serde_json::Map<String, Value>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::Array(row) if prefix.starts_with("applications.") => {
                for ((column, _), v) in APPLICANT_COLUMNS.iter().zip(row) {
                    out.insert(format!("{prefix}.{column}"), json!(v.to_string()));
                }
            }
            Value::String(s) => {
                out.insert(prefix.to_string(), json!(s));
            }
            other => {
                out.insert(prefix.to_string(), json!(other.to_string()));
            }
        }
    }
    walk("", &data, &mut values);
    Value::Object(values)
}

/// Sets every input the sample has a value for, as typing would (an `input` event each);
/// returns how many.
const FILL: &str = "
let n = 0;
for (const [key, value] of Object.entries(arguments[0])) {
  const input = document.getElementById('i-' + key);
  if (!input || input.tagName === 'OUTPUT') continue;
  input.value = value;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  n += 1;
}
return n;";

/// A screenshot of the whole page from its top (the status bar stays at the top of the page).
fn screenshot(browser: &Browser, name: &str) {
    browser.execute("window.scrollTo(0, 0);", vec![]);
    let shot = screenshot_dir("form-screenshots").join(name);
    browser.screenshot_full_page(&shot);
    eprintln!("screenshot: {}", shot.display());
}

const BALANCE: &str = "错误：勾稽关系不成立（自然人列）：一、本年新收 3001 + 二、上年结转 34 = 3035，而 三（七）总计 2934 + 四、结转下年度 103 = 3037，相差 2";

#[test]
fn a_clerk_fills_in_a_report_sees_the_check_at_the_cell_saves_and_downloads_the_pdf() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = Site::start();
    let organ = site.organ;

    // Signing in.
    sign_in(&browser, &site);
    assert!(text(&browser, "who").contains("clerk（填报员 · 淮安市人民政府）"));
    let pages = tempfile::tempdir().unwrap();
    let dom = |name: &str| {
        let html = browser.execute("return document.documentElement.outerHTML;", vec![]);
        let file = pages.path().join(name);
        std::fs::write(
            &file,
            format!("<!DOCTYPE html>\n{}", html.as_str().unwrap()),
        )
        .unwrap();
        file
    };
    let mut checked = vec![dom("list.html")];

    // A new report for 2024: nothing saved, nothing to download yet.
    retype(&browser, "new-year", "2024");
    browser.click(&browser.find_css("#new-submit"));
    wait_for(
        &browser,
        "the form",
        &format!("return location.pathname === '/form/{organ}/2024'"),
    );
    settled(&browser);
    assert_eq!(
        text(&browser, "f-organ").trim(),
        "淮安市人民政府2024年政府信息公开工作年度报告"
    );
    assert!(text(&browser, "revision").starts_with("新报告，尚未保存"));
    assert!(text(&browser, "dl-reason").contains("保存后才能生成文件"));
    let pdf_link = browser.execute(
        "const a = document.getElementById('dl-pdf'); return [a.getAttribute('href'), a.getAttribute('aria-disabled')];",
        vec![],
    );
    assert_eq!(pdf_link, json!([null, "true"]));

    // Filled from the sample: the check finds nothing, the totals are the check's.
    let filled = browser.execute(FILL, vec![sample_values()]);
    assert_eq!(filled, json!(4 + 4 + 10 + 24 * 6 + 12), "inputs filled");
    settled(&browser);
    assert_eq!(text(&browser, "counts"), "没有错误");
    for (key, total) in [
        ("applications.new_received.total", "3119"),
        ("applications.granted.total", "1362"),
        ("applications.results_total.natural_person", "2932"),
        ("applications.results_total.total", "3050"),
        ("review_litigation.administrative_review.total", "351"),
    ] {
        assert_eq!(value(&browser, &format!("i-{key}")), total, "{key}");
    }
    browser.click(&browser.find_css("#save"));
    wait_for(
        &browser,
        "revision 1",
        "return document.getElementById('revision').textContent.startsWith('第 1 版')",
    );
    settled(&browser);

    // A figure typed into table 三: its row's 总计 and （七）总计 follow, and the 勾稽 rule
    // fails at 四、结转下年度继续办理 · 自然人, with its message there and in the list.
    retype(&browser, "i-applications.granted.natural_person", "1290");
    settled(&browser);
    assert_eq!(value(&browser, "i-applications.granted.total"), "1364");
    assert_eq!(
        value(&browser, "i-applications.results_total.natural_person"),
        "2934"
    );
    let cell = "applications.carried_to_next_year.natural_person";
    let marks = marked(&browser);
    assert_eq!(
        marks.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec![cell],
        "{marks}"
    );
    assert!(marks[cell]["class"].as_str().unwrap().contains("has-error"));
    assert_eq!(marks[cell]["messages"], json!([BALANCE]));
    let listed = browser.execute(
        "const li = document.querySelector('#problem-list li[data-rule=\"balance\"]');
         return [li.querySelector('a').getAttribute('href'), li.textContent];",
        vec![],
    );
    assert_eq!(listed[0], json!(format!("#f-{cell}")));
    assert!(
        listed[1]
            .as_str()
            .unwrap()
            .contains("勾稽关系不成立（自然人列）"),
        "{listed}"
    );
    assert_eq!(text(&browser, "counts"), "1 个错误");
    assert!(text(&browser, "dirty").starts_with("有未保存的修改"));
    screenshot(&browser, "form-with-errors.png");
    // The message opens beside the cell the clerk goes to.
    browser.click(&by_id(&browser, &format!("i-{cell}")));
    let shown = browser.execute(
        "return getComputedStyle(document.querySelector('#f-' + CSS.escape(arguments[0]) + ' .messages')).display;",
        vec![json!(cell)],
    );
    assert_eq!(shown, "block");
    screenshot(&browser, "form-with-errors-message.png");
    checked.push(dom("form-with-errors.html"));
    // Leaving now would lose the edit: the page asks first.
    let leaving = "const e = new Event('beforeunload', {cancelable: true});
                   window.dispatchEvent(e); return e.defaultPrevented;";
    assert_eq!(browser.execute(leaving, vec![]), json!(true));

    // Corrected: 结转下年度 101, and the finding is gone.
    retype(&browser, &format!("i-{cell}"), "101");
    settled(&browser);
    assert_eq!(marked(&browser), json!({}));
    assert_eq!(text(&browser, "counts"), "没有错误");
    assert_eq!(
        browser.execute(
            "return document.querySelectorAll('#problem-list li').length",
            vec![]
        ),
        json!(0)
    );
    browser.click(&browser.find_css("#save"));
    wait_for(
        &browser,
        "revision 2",
        "return document.getElementById('revision').textContent.startsWith('第 2 版')",
    );
    settled(&browser);
    assert!(text(&browser, "dirty").starts_with("已保存"));
    assert_eq!(browser.execute(leaving, vec![]), json!(false));

    // Loaded afresh, the form holds what was saved.
    browser.open(&site.url(&format!("/form/{organ}/2024")));
    settled(&browser);
    assert!(text(&browser, "revision").starts_with("第 2 版"));
    assert_eq!(
        value(&browser, "i-applications.granted.natural_person"),
        "1290"
    );
    assert_eq!(value(&browser, &format!("i-{cell}")), "101");
    assert_eq!(
        value(&browser, "i-active_disclosure.fees_10k_yuan"),
        "96171.6"
    );
    assert_eq!(value(&browser, "i-applications.granted.total"), "1364");
    assert_eq!(marked(&browser), json!({}));
    screenshot(&browser, "form-without-errors.png");

    // The PDF: its link opens a tab of its own; fetched with the session's cookie it is the
    // report with the figure typed.
    let link = browser.execute(
        "const a = document.getElementById('dl-pdf'); return [a.getAttribute('href'), a.target];",
        vec![],
    );
    let path = format!("/reports/{organ}/2024.pdf");
    assert_eq!(link, json!([path, "_blank"]));
    let cookie = browser
        .cookie("nianbao_session")
        .expect("the session cookie");
    let response = agent()
        .get(site.url(&path))
        .header("Cookie", &format!("nianbao_session={cookie}"))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    let pdf = response
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let text = common::PdfText::of(&pdf).joined();
    assert!(text.contains(ORGAN), "{text}");
    assert!(text.contains("1290"), "{text}");
    assert!(!site.server.serving.log.lock().unwrap().contains("panicked"));

    // Review: the saved draft without errors is submitted from the form (its warnings, if
    // any, acknowledged); the admin returns it with a comment, which the clerk sees at the top.
    assert_eq!(crate::text(&browser, "review"), "草稿");
    submit_from_form(&browser);
    assert_eq!(
        browser.execute("return document.getElementById('submit').disabled;", vec![]),
        json!(true)
    );
    let admin = Api::sign_in_as(&site, "admin");
    let comment = "表三第二行请再核对";
    let (status, answer) = admin.post(
        &format!("/api/reports/{organ}/2024/return"),
        &json!({ "comment": comment }).to_string(),
    );
    assert_eq!(status, 200, "{answer}");
    open_returned(&browser, &site, organ, comment);
    assert_eq!(
        browser.execute("return document.getElementById('submit').disabled;", vec![]),
        json!(false),
        "a returned report can be submitted again"
    );
    screenshot(&browser, "form-returned.png");

    // The pages as served and as the scripts left them, and the style sheets, are valid; the
    // pages carry the strict policy, and nothing inline for it to refuse.
    for (path, name) in [
        ("/", "index.html"),
        (&format!("/form/{organ}/2024")[..], "form.html"),
    ] {
        let response = agent().get(site.url(path)).call().unwrap();
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(policy.starts_with("default-src 'self';"), "{policy}");
        let html = response.into_body().read_to_string().unwrap();
        assert_eq!(
            html.matches("<script").count(),
            html.matches("<script type=\"module\" src=\"/assets/")
                .count(),
            "{path}: a script that is not a file of the server"
        );
        for inline in ["<style", " style=", " onclick=", " oninput=", "javascript:"] {
            assert!(!html.contains(inline), "{path}: {inline}");
        }
        let file = pages.path().join(name);
        std::fs::write(&file, html).unwrap();
        checked.push(file);
    }
    for sheet in ["app.css", "tables.css"] {
        let response = agent()
            .get(site.url(&format!("/assets/{sheet}")))
            .call()
            .unwrap();
        assert_eq!(response.status(), 200);
        let file = pages.path().join(sheet);
        std::fs::write(&file, response.into_body().read_to_string().unwrap()).unwrap();
        checked.push(file);
    }
    checked.push(dom("form-without-errors.html"));
    let paths: Vec<&Path> = checked.iter().map(PathBuf::as_path).collect();
    if let Some(errors) = common::vnu_errors(&paths) {
        assert!(errors.is_empty(), "vnu.jar:\n{}", errors.join("\n"));
    }
}

#[test]
fn a_conflicting_save_shows_both_versions_and_revisions_restore_and_next_year_begins() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = Site::start();
    let organ = site.organ;
    let path = format!("/api/reports/{organ}/2024");
    let api = Api::sign_in(&site);
    assert_eq!(api.save(&path, 0, &sample_json(|_| {})), 1);

    sign_in(&browser, &site);
    browser.click(&browser.find_css(&format!("a[data-open=\"{organ}/2024\"]")));
    wait_for(
        &browser,
        "the form",
        &format!("return location.pathname === '/form/{organ}/2024'"),
    );
    settled(&browser);
    assert!(text(&browser, "revision").starts_with("第 1 版"));

    // Text the clerk types is text wherever the page shows it again: the placeholder error
    // quotes it, and no element is made of it.
    let overview = by_id(&browser, "i-text.overview");
    browser.send_keys(&overview, "{{ <i>x</i> }}");
    settled(&browser);
    let quoted = browser.execute(
        "const li = document.querySelector('#problem-list li[data-rule=\"placeholder\"]');
         return [li.textContent, document.querySelectorAll('#problem-list i, .messages i').length,
                 document.getElementById('f-text.overview').querySelector('.messages').textContent];",
        vec![],
    );
    assert!(
        quoted[0].as_str().unwrap().contains("「<i>x</i>」"),
        "{quoted}"
    );
    assert_eq!(quoted[1], json!(0));
    assert!(
        quoted[2].as_str().unwrap().contains("「<i>x</i>」"),
        "{quoted}"
    );
    browser.clear(&overview);
    let original = sample_values()["text.overview"]
        .as_str()
        .unwrap()
        .to_string();
    browser.execute(
        "const t = document.getElementById('i-text.overview'); t.value = arguments[0];
         t.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![json!(original)],
    );
    settled(&browser);

    // Meanwhile revision 2 is saved elsewhere; the clerk's save, begun from 1, is refused and
    // both versions are shown where they differ.
    let theirs = sample_json(|d| d["active_disclosure"]["licensing_decisions"] = json!(447229));
    assert_eq!(api.save(&path, 1, &theirs), 2);
    retype(&browser, "i-active_disclosure.penalty_decisions", "3985759");
    settled(&browser);
    browser.click(&browser.find_css("#save"));
    wait_for(
        &browser,
        "the conflict",
        "return !document.getElementById('conflict').hidden && document.body.dataset.busy === '0'",
    );
    let rows = browser.execute(
        "return [...document.querySelectorAll('#conflict-rows tr')].map(r =>
           [r.dataset.key, ...[...r.cells].map(c => c.textContent)]);",
        vec![],
    );
    assert_eq!(
        rows,
        json!([
            [
                "active_disclosure.licensing_decisions",
                "行政许可 · 本年处理决定数量（active_disclosure.licensing_decisions）",
                "447228",
                "447229"
            ],
            [
                "active_disclosure.penalty_decisions",
                "行政处罚 · 本年处理决定数量（active_disclosure.penalty_decisions）",
                "3985759",
                "3985758"
            ]
        ])
    );
    let said = text(&browser, "conflict-text");
    assert!(
        said.contains("您是在第 1 版上修改的，而第 2 版已由 clerk 于"),
        "{said}"
    );
    assert!(text(&browser, "revision").starts_with("第 1 版"));
    screenshot(&browser, "form-conflict.png");

    // Overwriting knowingly: saved on revision 2, as 3, with the clerk's figures.
    browser.click(&browser.find_css("#overwrite"));
    wait_for(
        &browser,
        "revision 3",
        "return document.getElementById('revision').textContent.startsWith('第 3 版')",
    );
    assert!(
        browser.execute("return document.getElementById('conflict').hidden", vec![]) == json!(true)
    );
    let saved = api.get(&path);
    assert_eq!(saved["revision"], 3);
    assert_eq!(
        saved["data"]["active_disclosure"]["licensing_decisions"],
        447228
    );
    assert_eq!(
        saved["data"]["active_disclosure"]["penalty_decisions"],
        3985759
    );

    // The revisions, newest first; restoring 2 makes 4 with its figures, shown in the form.
    browser.click(&browser.find_css("#revisions summary"));
    wait_for(
        &browser,
        "the revisions",
        "return document.querySelectorAll('#revision-rows tr').length === 3",
    );
    let listed = browser.execute(
        "return [...document.querySelectorAll('#revision-rows tr')].map(r => r.dataset.revision);",
        vec![],
    );
    assert_eq!(listed, json!(["3", "2", "1"]));
    browser.click(&browser.find_css("#revision-rows tr[data-revision=\"2\"] button"));
    wait_for(
        &browser,
        "revision 4",
        "return document.getElementById('revision').textContent.startsWith('第 4 版')",
    );
    settled(&browser);
    assert_eq!(
        value(&browser, "i-active_disclosure.licensing_decisions"),
        "447229"
    );
    assert_eq!(
        value(&browser, "i-active_disclosure.penalty_decisions"),
        "3985758"
    );
    let note = browser.execute(
        "return document.querySelector('#revision-rows tr[data-revision=\"4\"]')?.cells[5].textContent ?? null",
        vec![],
    );
    assert_eq!(note, json!("恢复自第 2 版"));

    // Next year, begun from this one in the list: 上年结转 is this year's 结转下年度.
    browser.open(&site.url("/"));
    wait_for(
        &browser,
        "the list",
        "return !document.getElementById('reports').hidden && document.body.dataset.busy === '0'",
    );
    screenshot(&browser, "list.png");
    browser.click(&browser.find_css(&format!("button[data-next-year=\"{organ}/2024\"]")));
    wait_for(
        &browser,
        "next year's form",
        &format!("return location.pathname === '/form/{organ}/2025'"),
    );
    settled(&browser);
    assert!(text(&browser, "revision").starts_with("第 1 版"));
    assert_eq!(
        value(&browser, "i-applications.carried_over.natural_person"),
        "103"
    );
    assert_eq!(value(&browser, "i-applications.carried_over.total"), "103");
    assert_eq!(
        value(&browser, "i-active_disclosure.licensing_decisions"),
        ""
    );
    let missing = marked(&browser);
    assert!(
        missing["active_disclosure.licensing_decisions"]["class"]
            .as_str()
            .is_some_and(|c| c.contains("has-error")),
        "{missing}"
    );
    assert!(text(&browser, "dl-reason").contains("个错误，改正并保存后才能生成文件"));
    assert!(!site.server.serving.log.lock().unwrap().contains("panicked"));
}

/// Opens the form of `organ`'s 2024 report, returned with `comment`, which it shows at the top.
fn open_returned(browser: &Browser, site: &Site, organ: u32, comment: &str) {
    browser.open(&site.url(&format!("/form/{organ}/2024")));
    settled(browser);
    wait_for(
        browser,
        "returned",
        "return document.getElementById('review').textContent === '已退回'",
    );
    assert_eq!(
        crate::text(browser, "return-comment"),
        format!("退回意见：{comment}")
    );
}

/// Submits the saved revision with the form's 「提交」, its warnings (if any) acknowledged, and
/// waits for 已提交.
fn submit_from_form(browser: &Browser) {
    let warned = "return !document.getElementById('ack-label').hidden;";
    if browser.execute(warned, vec![]) == json!(true) {
        browser.click(&browser.find_css("#ack"));
    }
    browser.click(&browser.find_css("#submit"));
    wait_for(
        browser,
        "submitted",
        "return document.getElementById('review').textContent === '已提交'",
    );
}

/// Signs out with the bar's button, back at the sign-in form.
fn sign_out(browser: &Browser) {
    browser.click(&browser.find_css("#logout"));
    wait_for(
        browser,
        "the sign-in form",
        "return location.pathname === '/' && !document.getElementById('login').hidden",
    );
}

/// The desk's line of `organ`: its standing, the words of its pills, its comment if shown.
fn desk_line(browser: &Browser, organ: u32) -> Value {
    browser.execute(
        "const tr = document.querySelector(`#desk-rows tr[data-organ=\"${arguments[0]}\"]`);
         if (!tr) return null;
         return {standing: tr.querySelector('[data-standing]').dataset.standing,
                 pills: [...tr.querySelectorAll('.pill')].map(p => p.textContent),
                 comment: tr.querySelector('.comment')?.textContent ?? null,
                 changed: tr.querySelector('td.changed').textContent};",
        vec![json!(organ)],
    )
}

/// Opens the desk of 2024 and waits for it.
fn open_desk(browser: &Browser, site: &Site) {
    browser.open(&site.url("/desk?year=2024"));
    wait_for(
        browser,
        "the desk",
        "return !document.getElementById('desk').hidden && document.body.dataset.busy === '0'",
    );
}

#[test]
fn the_county_desk_returns_a_report_the_clerk_fixes_and_resubmits_the_admin_approves_and_exports_it()
 {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = Site::start();
    let organ = site.organ;
    // Two more organs that have not begun: late, since 2024's deadline (31 January 2025) is past.
    for other in ["淮安区人民政府", "清江浦区人民政府"] {
        let added = nianbao(
            site.server.dir.path(),
            &["admin", "--db", "nianbao.db", "add-organ", other],
        );
        assert_eq!(added.code, 0, "{}", added.stderr);
    }
    let path = format!("/api/reports/{organ}/2024");
    let clerk = Api::sign_in(&site);
    assert_eq!(clerk.save(&path, 0, &sample_json(|_| {})), 1);
    let (status, answer) = clerk.post(
        &format!("{path}/submit"),
        r#"{"acknowledge_warnings": true}"#,
    );
    assert_eq!(status, 200, "{answer}");

    // The admin sees it handed in, and the others late.
    sign_in_as(&browser, &site, "admin");
    assert_eq!(
        browser.execute(
            "return document.getElementById('admin-links').hidden",
            vec![]
        ),
        json!(false)
    );
    open_desk(&browser, &site);
    let line = desk_line(&browser, organ);
    assert_eq!(line["standing"], "submitted", "{line}");
    assert_eq!(line["pills"], json!(["已提交"]));
    assert!(
        line["changed"]
            .as_str()
            .unwrap()
            .ends_with("· clerk · 提交"),
        "{line}"
    );
    let summary = crate::text(&browser, "desk-summary");
    assert_eq!(
        summary,
        "共 3 个机关：未开始 2，草稿 0，有错误 0，已提交 1，已退回 0，已通过 0；逾期 2（提交期限 2025-01-31）"
    );
    // Filters: overdue only leaves the two not begun; by status, only the one handed in.
    browser.click(&browser.find_css("#filter-overdue"));
    let shown =
        "return [...document.querySelectorAll('#desk-rows tr')].map(r => r.cells[0].textContent);";
    assert_eq!(
        browser.execute(shown, vec![]),
        json!(["淮安区人民政府", "清江浦区人民政府"])
    );
    browser.click(&browser.find_css("#filter-overdue"));
    browser.execute(
        "const s = document.getElementById('filter-status'); s.value = 'submitted';
         s.dispatchEvent(new Event('input'));",
        vec![],
    );
    assert_eq!(browser.execute(shown, vec![]), json!([ORGAN]));
    browser.execute(
        "const s = document.getElementById('filter-status'); s.value = '';
         s.dispatchEvent(new Event('input'));",
        vec![],
    );
    // Sorting by status puts the ones not begun first, and back again.
    browser.click(&browser.find_css("button.sort[data-sort=\"standing\"]"));
    assert_eq!(
        browser.execute(shown, vec![]),
        json!(["淮安区人民政府", "清江浦区人民政府", ORGAN])
    );
    browser.click(&browser.find_css("button.sort[data-sort=\"standing\"]"));
    assert_eq!(browser.execute(shown, vec![])[0], json!(ORGAN));
    screenshot(&browser, "desk.png");

    // Returned with a comment, asked for in a dialog.
    let comment = "联系电话请写区号，表三第二行请再核对";
    browser.click(&browser.find_css(&format!("button[data-return=\"{organ}/2024\"]")));
    wait_for(
        &browser,
        "the dialog",
        "return document.getElementById('act-dialog').open",
    );
    screenshot(&browser, "desk-return-dialog.png");
    browser.send_keys(&browser.find_css("#act-comment"), comment);
    browser.click(&browser.find_css("#act-confirm"));
    wait_for(
        &browser,
        "returned",
        &format!(
            "return document.querySelector('#desk-rows tr[data-organ=\"{organ}\"] [data-standing]')?.dataset.standing === 'returned'"
        ),
    );
    let line = desk_line(&browser, organ);
    assert_eq!(line["comment"], format!("退回意见：{comment}"));
    assert!(
        line["changed"]
            .as_str()
            .unwrap()
            .ends_with("· admin · 退回"),
        "{line}"
    );
    assert_eq!(
        crate::text(&browser, "notice"),
        "「淮安市人民政府」2024 年度报告已退回"
    );
    screenshot(&browser, "desk-returned.png");

    // The clerk sees the comment at the top of the form, fixes, saves and submits again.
    sign_out(&browser);
    sign_in(&browser, &site);
    open_returned(&browser, &site, organ, comment);
    retype(
        &browser,
        "i-active_disclosure.licensing_decisions",
        "447229",
    );
    settled(&browser);
    browser.click(&browser.find_css("#save"));
    wait_for(
        &browser,
        "revision 2",
        "return document.getElementById('revision').textContent.startsWith('第 2 版')",
    );
    settled(&browser);
    submit_from_form(&browser);

    // The admin approves it: locked, with 重新打开 offered instead.
    sign_out(&browser);
    sign_in_as(&browser, &site, "admin");
    open_desk(&browser, &site);
    assert_eq!(desk_line(&browser, organ)["standing"], "submitted");
    browser.click(&browser.find_css(&format!("button[data-approve=\"{organ}/2024\"]")));
    wait_for(
        &browser,
        "the dialog",
        "return document.getElementById('act-dialog').open",
    );
    browser.click(&browser.find_css("#act-confirm"));
    wait_for(
        &browser,
        "approved",
        &format!("return document.querySelector('button[data-reopen=\"{organ}/2024\"]') !== null"),
    );
    let line = desk_line(&browser, organ);
    assert_eq!(line["pills"], json!(["已通过"]));
    assert!(
        line["changed"]
            .as_str()
            .unwrap()
            .ends_with("· admin · 通过"),
        "{line}"
    );
    let saved = clerk.get(&path);
    assert_eq!(saved["status"], "approved");
    assert_eq!(saved["revision"], 2);
    assert_eq!(
        saved["data"]["active_disclosure"]["licensing_decisions"],
        447229
    );
    screenshot(&browser, "desk-approved.png");

    // The year's approved reports exported as one .zip, the progress shown until the link.
    browser.click(&browser.find_css("#admin-links a[href=\"/bulk\"]"));
    wait_for(
        &browser,
        "the bulk page",
        "return location.pathname === '/bulk' && document.body.dataset.busy === '0'",
    );
    retype(&browser, "export-year", "2024");
    browser.click(&browser.find_css("#export-start"));
    let href = wait_for(
        &browser,
        "the export's link",
        "const a = document.getElementById('export-download');
         return !a.hidden && a.getAttribute('href');",
    );
    let progress = browser.execute(
        "const p = document.getElementById('export-progress'); return [p.value, p.max];",
        vec![],
    );
    assert_eq!(progress[0], progress[1], "{progress}");
    screenshot(&browser, "bulk-exported.png");
    let cookie = browser
        .cookie("nianbao_session")
        .expect("the session cookie");
    let response = agent()
        .get(site.url(href.as_str().unwrap()))
        .header("Cookie", format!("nianbao_session={cookie}"))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let zip = response
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(str::to_string).collect();
    names.sort();
    let stem = format!("2024-{ORGAN}");
    for wanted in [
        format!("{stem}.pdf"),
        format!("{stem}.docx"),
        format!("{stem}.html"),
        format!("data/{stem}.toml"),
        "manifest.json".to_string(),
        "manifest.csv".to_string(),
    ] {
        assert!(names.contains(&wanted), "{wanted} not in {names:?}");
    }
    let mut pdf = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name(&format!("{stem}.pdf")).unwrap(),
        &mut pdf,
    )
    .unwrap();
    let text = common::PdfText::of(&pdf).joined();
    assert!(text.contains("447229"), "the approved revision's figures");

    // The page as served and as its script left it is valid HTML.
    let pages = tempfile::tempdir().unwrap();
    let served = agent().get(site.url("/desk")).call().unwrap();
    let policy = served.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    let served_file = pages.path().join("desk.html");
    std::fs::write(&served_file, served.into_body().read_to_string().unwrap()).unwrap();
    let html = browser.execute("return document.documentElement.outerHTML;", vec![]);
    let dom_file = pages.path().join("desk-dom.html");
    std::fs::write(
        &dom_file,
        format!("<!DOCTYPE html>\n{}", html.as_str().unwrap()),
    )
    .unwrap();
    if let Some(errors) = common::vnu_errors(&[&served_file, &dom_file]) {
        assert!(errors.is_empty(), "vnu.jar:\n{}", errors.join("\n"));
    }
    assert!(!site.server.serving.log.lock().unwrap().contains("panicked"));
}
