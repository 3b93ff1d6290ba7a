//! Bulk in and out of `nianbao serve` (issue 18): the collection workbook imported through
//! `POST /api/import` (good rows and bad ones, each with its exact outcome and message), and
//! a year's approved reports exported as one .zip through `/api/export` (the manifest's files
//! present, their SHA-256 computed here, the PDFs verified by `nianbao verify`, drafts left
//! out); the `/bulk` page after both, in headless Chromium, with screenshots in
//! `target/tmp/bulk-screenshots/`.

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nianbao::model::{self, Syntax};
use nianbao::store::{Action, Actor, Counts, ReportStatus, Role, Store, StoreError};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use common::browser::Browser;
use common::http::{self, Client, PASSWORD, screenshot_dir, sign_in_page, wait_for_within};
use common::nianbao;

/// An organ in the database with no report: a row for it begins one.
const NEW: &str = "新设镇人民政府";
const UNKNOWN: &str = "不存在镇人民政府";
const YEAR: u16 = 2024;

/// A server over a database with the organs of `nianbao sample --count 4` and [`NEW`], an
/// admin and a clerk of [`NEW`]; the sample as .xlsx and .csv beside it.
struct Site {
    server: http::Site,
    /// The sample's header and rows, as the CSV has them.
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Site {
    fn start() -> Site {
        let build = http::Site::build();
        for file in ["sample.xlsx", "sample.csv"] {
            let run = nianbao(build.dir(), &["sample", "--count", "4", "-o", file]);
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
        let mut reader = csv::Reader::from_path(build.dir().join("sample.csv")).unwrap();
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(|h| h.trim_start_matches('\u{FEFF}').to_string())
            .collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows.len(), 4);
        let build = rows
            .iter()
            .map(|r| r[0].as_str())
            .chain([NEW])
            .fold(build, |build, name| build.organ(name, None));
        let server = build
            .account("admin", Role::Admin, None)
            .account("clerk", Role::Clerk, Some(NEW))
            .start();
        Site {
            server,
            header,
            rows,
        }
    }

    /// A client signed in as `login`.
    fn client(&self, login: &str) -> Client {
        self.server.signed_in(login)
    }

    /// The column of `key` (0-based).
    fn column(&self, key: &str) -> usize {
        self.header.iter().position(|h| h == key).unwrap()
    }

    fn organ(&self, row: usize) -> &str {
        &self.rows[row][0]
    }

    fn id(&self, name: &str) -> i64 {
        self.server.id(name).0
    }

    /// A CSV of rows that go wrong each in their own way (and one right), see
    /// [`a_workbook_of_good_and_bad_rows_gives_each_row_its_outcome`]; written as `bad.csv`.
    fn bad_rows(&self) -> PathBuf {
        let granted = self.column("applications.granted.natural_person");
        let phone = self.column("contact.phone");
        let approved = self.rows[0].clone();
        let mut updated = self.rows[1].clone();
        updated[phone] = "0571-88886666".into();
        let mut typo_existing = self.rows[2].clone();
        typo_existing[granted] = "1O".into();
        let mut unknown = self.rows[3].clone();
        unknown[0] = UNKNOWN.into();
        let mut typo_new = self.rows[3].clone();
        typo_new[0] = NEW.into();
        typo_new[granted] = "1O".into();
        let path = self.server.dir.path().join("bad.csv");
        let mut writer = csv::Writer::from_path(&path).unwrap();
        writer.write_record(&self.header).unwrap();
        for row in [
            &approved,
            &updated,
            &typo_existing,
            &unknown,
            &typo_new,
            &updated,
        ] {
            writer.write_record(row).unwrap();
        }
        writer.flush().unwrap();
        path
    }

    /// The sample workbook imported whole, and its first two reports submitted and approved.
    fn imported_and_two_approved(&self, admin: &Client) {
        let xlsx = std::fs::read(self.server.dir.path().join("sample.xlsx")).unwrap();
        let answer = admin.request(
            "POST",
            "/api/import?name=sample.xlsx",
            Some(xlsx.as_slice()),
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.json()["totals"]["created"], 4, "{}", answer.text());
        for row in 0..2 {
            let id = self.id(self.organ(row));
            for action in ["submit", "approve"] {
                let path = format!("/api/reports/{id}/{YEAR}/{action}");
                let answer = admin.request("POST", &path, None);
                assert_eq!(answer.status, 200, "{action}: {}", answer.text());
            }
        }
    }
}

/// Starts the year's export and waits for it to end; its last status.
fn export(admin: &Client, year: u16) -> Value {
    let started = admin.request("POST", &format!("/api/export/{year}"), None);
    assert_eq!(started.status, 202, "{}", started.text());
    let job = started.json()["job"].as_u64().unwrap();
    let begun = Instant::now();
    loop {
        let status = admin.get(&format!("/api/export/{job}"));
        assert_eq!(status.status, 200, "{}", status.text());
        let status = status.json();
        if status["state"] != "running" {
            return status;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(300),
            "the export did not end: {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `A`, …, `Z`, `AA`: a spreadsheet's name of 1-based column `n`.
fn letters(mut n: usize) -> String {
    let mut name = Vec::new();
    while n > 0 {
        name.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_workbook_of_good_and_bad_rows_gives_each_row_its_outcome() {
    let site = Site::start();
    let admin = site.client("admin");
    site.imported_and_two_approved(&admin);
    // The second approved report reopened (a draft again): only the first is locked.
    let second = site.id(site.organ(1));
    let answer = admin.request(
        "POST",
        &format!("/api/reports/{second}/{YEAR}/reopen"),
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text());

    // A clerk may not import.
    let clerk = site.client("clerk");
    let csv = std::fs::read(site.bad_rows()).unwrap();
    let refused = clerk.request("POST", "/api/import?name=bad.csv", Some(csv.as_slice()));
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(refused.key(), "forbidden");

    let answer = admin.request("POST", "/api/import?name=bad.csv", Some(csv.as_slice()));
    assert_eq!(answer.status, 200, "{}", answer.text());
    let result = answer.json();
    assert_eq!(result["file"], "bad.csv");
    let rows = result["rows"].as_array().unwrap();
    let summary: Vec<(u64, &str, &str, Value, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["organ"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
                r["revision"].clone(),
                r["errors"].as_u64().unwrap(),
            )
        })
        .collect();
    let granted = letters(site.column("applications.granted.natural_person") + 1);
    assert_eq!(
        summary,
        vec![
            (2, site.organ(0), "refused", Value::Null, 0),
            (3, site.organ(1), "updated", json!(2), 0),
            (4, site.organ(2), "refused", Value::Null, 1),
            (5, UNKNOWN, "refused", Value::Null, 0),
            (6, NEW, "created", json!(1), 1),
            (7, site.organ(1), "refused", Value::Null, 0),
        ]
    );
    let reason = |i: usize| {
        let r = &rows[i]["reason"];
        (r["key"].as_str().unwrap(), r["message"].as_str().unwrap())
    };
    assert_eq!(
        reason(0),
        (
            "not-importable",
            "这份报告现在是“已通过”，导入不改动它；这一行没有导入"
        )
    );
    assert_eq!(
        reason(2),
        (
            "import-has-errors",
            "这一行有 1 个错误，没有覆盖已有的第 1 版；这一行没有导入"
        )
    );
    assert_eq!(
        reason(3),
        (
            "unknown-organ",
            "没有机关“不存在镇人民政府”；导入不新建机关，这一行没有导入"
        )
    );
    let duplicate = format!(
        "第 3 行已是“{}” 2024 年的报告；只导入第一行，这一行没有导入",
        site.organ(1)
    );
    assert_eq!(reason(5), ("duplicate-row", duplicate.as_str()));
    assert!(rows[1]["reason"].is_null() && rows[4]["reason"].is_null());
    // The typo, where batch puts it: rule, field, message and cell.
    for (i, line) in [(2, 4), (4, 6)] {
        let diagnostics = rows[i]["diagnostics"].as_array().unwrap();
        assert_eq!(diagnostics.len(), 1, "{}", rows[i]);
        let d = &diagnostics[0];
        assert_eq!(d["severity"], "error");
        assert_eq!(d["rule"], "wrong-type");
        assert_eq!(d["key"], "applications.granted.natural_person");
        assert_eq!(d["message"], "应为整数，实际为文字 \"1O\"");
        assert_eq!(d["cell"], format!("bad.csv 第{line}行 {granted}列"));
    }
    assert_eq!(
        result["totals"],
        json!({"rows": 6, "created": 1, "updated": 1, "refused": 4, "saved_with_errors": 1})
    );

    // What was saved: the new phone, the typo kept as typed for the form, nothing else moved.
    let report = |name: &str| {
        let answer = admin.get(&format!("/api/reports/{}/{YEAR}", site.id(name)));
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    };
    let updated = report(site.organ(1));
    assert_eq!(
        (updated["revision"].clone(), updated["status"].clone()),
        (json!(2), json!("draft"))
    );
    assert_eq!(updated["data"]["contact"]["phone"], "0571-88886666");
    assert_eq!(updated["author"], "admin");
    let created = report(NEW);
    assert_eq!(
        (created["revision"].clone(), created["errors"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(created["data"]["organ"], NEW);
    assert_eq!(
        created["data"]["applications"]["granted"]["natural_person"],
        "1O"
    );
    let other = site.rows[3][site.column("applications.granted.commercial_enterprise")].clone();
    assert_eq!(
        created["data"]["applications"]["granted"]["commercial_enterprise"].to_string(),
        other
    );
    let untouched = report(site.organ(2));
    assert_eq!(untouched["revision"], 1);
    let granted_cell = &site.rows[2][site.column("applications.granted.natural_person")];
    assert_eq!(
        untouched["data"]["applications"]["granted"][0].to_string(),
        *granted_cell
    );
    let locked = report(site.organ(0));
    assert_eq!(
        (locked["revision"].clone(), locked["status"].clone()),
        (json!(1), json!("approved"))
    );

    // Each save is in the audit log with the row it came from.
    let store = Store::open(&site.server.dir.path().join("nianbao.db")).unwrap();
    let me = store.verify_login("admin", PASSWORD).unwrap();
    let imports: Vec<String> = store
        .audit_log(&me, 0)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Action::Import)
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        &imports[imports.len() - 2..],
        [
            "errors=0 warnings=0 from=bad.csv 第3行",
            "errors=1 warnings=0 from=bad.csv 第6行"
        ]
    );

    // A file that is no table at all: refused whole, nothing imported.
    let answer = admin.request(
        "POST",
        "/api/import?name=old.xls",
        Some(b"\xD0\xCF\x11\xE0".as_slice()),
    );
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(answer.key(), "unreadable-table");
    assert_eq!(
        answer.json()["diagnostics"][0]["message"],
        "不读 .xls 格式的工作簿"
    );
    // This route takes more than the server's 1 MB + 16 KB, up to 16 MB.
    let big = vec![b'x'; 2 << 20];
    let answer = admin.request("POST", "/api/import?name=big.xlsx", Some(big.as_slice()));
    assert_eq!(
        (answer.status, answer.key().as_str()),
        (422, "unreadable-table")
    );
    let huge = vec![b'x'; nianbao::limits::SERVER_IMPORT_BYTES as usize + 1];
    let answer = admin.request("POST", "/api/import?name=huge.csv", Some(huge.as_slice()));
    assert_eq!(answer.status, 413, "{}", answer.text());
    assert_eq!(
        answer.json()["error"]["message"],
        "表格太大，超出限度「导入表格的大小」（server_import_bytes）：最多 16 MB"
    );
    let answer = admin.request("POST", "/api/import", Some(csv.as_slice()));
    assert_eq!(
        (answer.status, answer.key().as_str()),
        (422, "file-name-missing")
    );
}

#[test]
fn the_export_zip_holds_every_approved_report_its_data_and_manifests_with_their_hashes() {
    let site = Site::start();
    let admin = site.client("admin");
    site.imported_and_two_approved(&admin);
    let approved = [site.organ(0), site.organ(1)];
    let drafts = [site.organ(2), site.organ(3)];

    // A clerk may neither start an export nor look at one.
    let clerk = site.client("clerk");
    let answer = clerk.request("POST", &format!("/api/export/{YEAR}"), None);
    assert_eq!((answer.status, answer.key().as_str()), (403, "forbidden"));
    assert_eq!(clerk.get("/api/export/1").status, 403);
    assert_eq!(clerk.get("/api/export/1.zip").status, 403);
    // A year without an approved report has nothing to export.
    let answer = admin.request("POST", "/api/export/2023", None);
    assert_eq!(answer.status, 422, "{}", answer.text());
    assert_eq!(answer.key(), "nothing-approved");
    assert_eq!(
        answer.json()["error"]["message"],
        "2023 年没有已通过的报告，没有可导出的内容"
    );
    assert_eq!(admin.get("/api/export/99").status, 404);

    let status = export(&admin, YEAR);
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(
        (status["done"].clone(), status["total"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(status["failed"], 0);
    let download = status["download"].as_str().unwrap();
    let answer = admin.get(download);
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), "application/zip");
    assert_eq!(
        answer.header("content-disposition"),
        "attachment; filename=\"2024-reports.zip\"; filename*=UTF-8''2024%E5%B9%B4%E6%8A%A5%E5%91%8A.zip"
    );
    assert_eq!(status["size"], answer.body.len());

    // Every file of the zip, by name.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&answer.body)).unwrap();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(entry.name().to_string(), bytes);
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(
        (manifest["total"].clone(), manifest["done"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(manifest["formats"], json!(["pdf", "docx", "html"]));
    let reports = manifest["reports"].as_array().unwrap();
    let organs: Vec<&str> = reports
        .iter()
        .map(|r| r["organ"].as_str().unwrap())
        .collect();
    let mut wanted = approved.to_vec();
    wanted.sort();
    let mut got = organs.clone();
    got.sort();
    assert_eq!(got, wanted);
    let mut listed = vec!["manifest.json".to_string(), "manifest.csv".to_string()];
    let pdfs = tempfile::tempdir().unwrap();
    for report in reports {
        let organ = report["organ"].as_str().unwrap();
        assert_eq!(report["status"], "done", "{report}");
        let data_file = format!("data/{YEAR}-{organ}.toml");
        assert_eq!(report["input"], data_file.as_str());
        listed.push(data_file.clone());
        // The data file is the approved revision's data.
        let text = String::from_utf8(files[&data_file].clone()).unwrap();
        let loaded = model::load(&data_file, &text, Syntax::Toml);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let stored = admin
            .get(&format!("/api/reports/{}/{YEAR}", site.id(organ)))
            .json();
        assert_eq!(stored["status"], "approved");
        let from_zip: Value =
            serde_json::from_str(&model::to_json(loaded.report.as_ref().unwrap())).unwrap();
        assert_eq!(from_zip, stored["data"], "{organ}");
        let outputs = report["outputs"].as_array().unwrap();
        let formats: Vec<&str> = outputs
            .iter()
            .map(|o| o["format"].as_str().unwrap())
            .collect();
        assert_eq!(formats, ["pdf", "docx", "html"]);
        for output in outputs {
            let name = output["file"].as_str().unwrap();
            assert_eq!(
                name,
                format!("{YEAR}-{organ}.{}", output["format"].as_str().unwrap())
            );
            let bytes = files
                .get(name)
                .unwrap_or_else(|| panic!("{name} not in the zip"));
            assert_eq!(output["sha256"], sha256(bytes), "{name}");
            assert_eq!(output["size"], bytes.len(), "{name}");
            listed.push(name.to_string());
        }
        let pdf = &files[&format!("{YEAR}-{organ}.pdf")];
        assert!(pdf.starts_with(b"%PDF-"));
        let path = pdfs.path().join(format!("{organ}.pdf"));
        std::fs::write(&path, pdf).unwrap();
        let verified = nianbao(
            pdfs.path(),
            &["verify", "--no-system-fonts", path.to_str().unwrap()],
        );
        assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
        assert!(verified.stdout.contains("一致"), "{}", verified.stdout);
    }
    // manifest.csv: one line per report, with the PDF's hash.
    let csv_text = String::from_utf8(files["manifest.csv"].clone()).unwrap();
    for report in reports {
        assert!(
            csv_text.contains(report["outputs"][0]["sha256"].as_str().unwrap()),
            "{csv_text}"
        );
    }
    // SHA256SUMS: every other file of the zip, each hash computed here.
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).unwrap();
    let mut summed: Vec<String> = Vec::new();
    for line in sums.lines() {
        let (hash, name) = line.split_once("  ").unwrap();
        assert_eq!(hash, sha256(&files[name]), "{name}");
        summed.push(name.to_string());
    }
    let mut in_zip: Vec<String> = files
        .keys()
        .filter(|n| *n != "SHA256SUMS")
        .cloned()
        .collect();
    in_zip.sort();
    summed.sort();
    assert_eq!(summed, in_zip);
    listed.sort();
    assert_eq!(listed, in_zip, "the zip holds exactly the manifest's files");
    // The drafts are not in it.
    for draft in drafts {
        assert!(!files.keys().any(|n| n.contains(draft)), "{draft} exported");
    }
}

/// [`wait_for_within`] two minutes (an export takes a while).
fn wait_for(browser: &Browser, what: &str, script: &str) {
    wait_for_within(browser, what, script, Duration::from_secs(120));
}

#[test]
fn the_bulk_page_imports_a_workbook_and_exports_a_year() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = Site::start();
    let admin = site.client("admin");
    site.imported_and_two_approved(&admin);
    let bad = site.bad_rows();
    // The second reopened, to be updated by the import, then approved again for the export.
    let second = format!("/api/reports/{}/{YEAR}", site.id(site.organ(1)));
    let answer = admin.request("POST", &format!("{second}/reopen"), None);
    assert_eq!(answer.status, 200, "{}", answer.text());

    sign_in_page(&browser, &site.server.url("/"), "admin");
    browser.open(&site.server.url("/bulk"));
    wait_for(
        &browser,
        "the page",
        "return !document.getElementById('bulk').hidden",
    );

    // The workbook chosen and imported: a row per table row, with its outcome.
    browser.send_keys(&browser.find_css("#import-file"), bad.to_str().unwrap());
    browser.click(&browser.find_css("#import-submit"));
    wait_for(
        &browser,
        "the rows",
        "return !document.getElementById('import-results').hidden",
    );
    let outcomes = browser.execute(
        "return [...document.querySelectorAll('#import-rows tr')].map(r => [r.dataset.row, r.dataset.outcome]);",
        vec![],
    );
    assert_eq!(
        outcomes,
        json!([
            ["2", "refused"],
            ["3", "updated"],
            ["4", "refused"],
            ["5", "refused"],
            ["6", "created"],
            ["7", "refused"]
        ])
    );
    let totals = browser.execute(
        "return document.getElementById('import-totals').textContent;",
        vec![],
    );
    assert_eq!(
        totals,
        "bad.csv：共 6 行，新建 1，更新 1（其中 1 行有错误，存为草稿待改正），未导入 4"
    );

    for action in ["submit", "approve"] {
        let answer = admin.request("POST", &format!("{second}/{action}"), None);
        assert_eq!(answer.status, 200, "{action}: {}", answer.text());
    }

    // The export: the progress bar fills, then the download link.
    let year = browser.find_css("#export-year");
    browser.clear(&year);
    browser.send_keys(&year, "2024");
    browser.click(&browser.find_css("#export-start"));
    wait_for(
        &browser,
        "the download link",
        "return !document.getElementById('export-download').hidden",
    );
    let link = browser.execute(
        "const a = document.getElementById('export-download'); const p = document.getElementById('export-progress');
         return [a.getAttribute('href'), a.getAttribute('download'), p.value, p.max];",
        vec![],
    );
    assert_eq!(link, json!(["/api/export/1.zip", "2024年报告.zip", 2, 2]));
    browser.execute("window.scrollTo(0, 0);", vec![]);
    let shot = screenshot_dir("bulk-screenshots").join("bulk.png");
    browser.screenshot_full_page(&shot);
    eprintln!("screenshot: {}", shot.display());

    // The page as it stands, and the style sheet, are valid HTML and CSS.
    let html = browser.execute("return document.documentElement.outerHTML;", vec![]);
    let page = site.server.dir.path().join("bulk.html");
    std::fs::write(
        &page,
        format!("<!DOCTYPE html>\n{}", html.as_str().unwrap()),
    )
    .unwrap();
    let css = site.server.dir.path().join("app.css");
    std::fs::write(&css, admin.get("/assets/app.css").body).unwrap();
    if let Some(errors) = common::vnu_errors(&[&page, &css]) {
        assert!(errors.is_empty(), "vnu.jar:\n{}", errors.join("\n"));
    }
}

#[test]
fn the_store_imports_on_the_rules_of_a_save_and_never_over_a_handed_in_report() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("nianbao.db")).unwrap();
    let organ = store.add_organ(Actor::Console, NEW, None).unwrap();
    let admin = store
        .add_user(Actor::Console, "admin", Role::Admin, None, PASSWORD)
        .unwrap();
    let admin = store.user(admin).unwrap().unwrap();
    let clerk = store
        .add_user(Actor::Console, "clerk", Role::Clerk, Some(organ), PASSWORD)
        .unwrap();
    let clerk = store.user(clerk).unwrap().unwrap();
    let data = |mark: &str| {
        format!("{{\"organ\": \"{NEW}\", \"year\": 2024, \"text\": {{\"other\": \"{mark}\"}}}}")
    };
    let clean = Counts::default();
    let wrong = Counts {
        errors: 2,
        warnings: 0,
    };
    let from = "县汇总.xlsx「报告数据」第3行";

    assert_eq!(
        store.import(&clerk, organ, YEAR, &data("a"), clean, from),
        Err(StoreError::Forbidden)
    );
    // A row with errors may begin a report, not replace one.
    let first = store
        .import(&admin, organ, YEAR, &data("a"), wrong, from)
        .unwrap();
    assert_eq!((first.revision, first.created), (1, true));
    assert_eq!(
        store.import(&admin, organ, YEAR, &data("b"), wrong, from),
        Err(StoreError::ImportHasErrors {
            current: 1,
            errors: 2
        })
    );
    let second = store
        .import(&admin, organ, YEAR, &data("c"), clean, from)
        .unwrap();
    assert_eq!((second.revision, second.created), (2, false));
    assert_eq!(store.revisions(&admin, organ, YEAR).unwrap().len(), 2);
    // Handed in or approved: left alone, whatever the row holds.
    store.submit(&admin, organ, YEAR, false).unwrap();
    assert_eq!(
        store.import(&admin, organ, YEAR, &data("d"), clean, from),
        Err(StoreError::NotImportable {
            status: ReportStatus::Submitted
        })
    );
    store.approve(&admin, organ, YEAR).unwrap();
    assert_eq!(
        store.import(&admin, organ, YEAR, &data("d"), clean, from),
        Err(StoreError::NotImportable {
            status: ReportStatus::Approved
        })
    );
    let current = store.current(&admin, organ, YEAR).unwrap().unwrap();
    assert_eq!((current.info.n, current.data.clone()), (2, data("c")));
    // What an export takes: the approved reports of the year, for admins only.
    let approved = store.approved(&admin, YEAR).unwrap();
    assert_eq!(approved.len(), 1);
    assert_eq!(
        (approved[0].organ, approved[0].organ_name.as_str()),
        (organ, NEW)
    );
    assert_eq!(approved[0].revision, current);
    assert!(store.approved(&admin, 2023).unwrap().is_empty());
    assert_eq!(store.approved(&clerk, YEAR), Err(StoreError::Forbidden));
    // Each import is in the audit log, with the row.
    let imports: Vec<(Option<u32>, String)> = store
        .audit_log(&admin, 0)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == Action::Import)
        .map(|e| (e.revision, e.detail))
        .collect();
    assert_eq!(
        imports,
        [
            (Some(1), format!("errors=2 warnings=0 from={from}")),
            (Some(2), format!("errors=0 warnings=0 from={from}"))
        ]
    );
}
