//! `cargo bench --bench serve`: load on `nianbao serve` (a release build, the bundled fonts) on
//! 127.0.0.1 with a fresh database. 50 clients (threads, each with its own ureq agent), each
//! a clerk of an organ of its own, sign in and then alternate `POST /api/check` and a save
//! (`PUT`) of their own report for 30 s (`NIANBAO_BENCH_SECONDS` to shorten, `NIANBAO_BENCH_
//! CLIENTS` to change the count). Prints p50/p99 of checks and of saves and the requests per
//! second, then stops the server with Ctrl-C and verifies that no save was lost: every
//! revision a client was answered exists with that client's data.
//!
//! Target: p99 of `/api/check` under 20 ms on two cores. The clients run on the same machine
//! as the server and take their share of its cores.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use nianbao::model::{self, Syntax};
use nianbao::store::{Actor, OrganId, Role, Store, UserId};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

/// What one client did: the time of each check and each save, and the revisions it was given.
struct Outcome {
    organ: OrganId,
    checks: Vec<Duration>,
    saves: Vec<Duration>,
    /// Revision numbers answered to this client's saves, in order.
    revisions: Vec<u32>,
}

fn main() {
    let seconds: u64 = env_number("NIANBAO_BENCH_SECONDS", 30);
    let clients: usize = env_number("NIANBAO_BENCH_CLIENTS", 50);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nianbao.db");
    let base =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/base.toml"))
            .unwrap();

    // One organ and one clerk per client, and an admin to verify with.
    let organs: Vec<(OrganId, String)> = {
        let store = Store::open(&db).unwrap();
        let organs = (0..clients)
            .map(|i| {
                let name = format!("第{i}镇人民政府");
                let id = store.add_organ(Actor::Console, &name, None).unwrap();
                let login = format!("clerk{i}");
                (store.add_user(Actor::Console, &login, Role::Clerk, Some(id), PASSWORD)).unwrap();
                (id, name)
            })
            .collect();
        store
            .add_user(Actor::Console, "admin", Role::Admin, None, PASSWORD)
            .unwrap();
        organs
    };

    let mut server = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["serve", "--db", "nianbao.db", "--listen", "127.0.0.1:0"])
        .arg("--no-system-fonts")
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let url = first
        .split_whitespace()
        .find_map(|w| {
            w.find("http://")
                .map(|i| w[i..].trim_end_matches('/').to_string())
        })
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    std::thread::spawn(move || for _ in stderr.lines() {});

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("{clients} clients for {seconds} s against {url}, {cores} cores shared by both");
    let start = Arc::new(Barrier::new(clients + 1));
    let workers: Vec<_> = organs
        .iter()
        .enumerate()
        .map(|(i, (organ, name))| {
            let url = url.clone();
            let data = report_json(&base, name);
            let (organ, start) = (*organ, start.clone());
            std::thread::spawn(move || client(&url, i, organ, &data, &start, seconds))
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let outcomes: Vec<Outcome> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let wall = began.elapsed().as_secs_f64();

    // SAFETY: kill(2) on the pid of our own child, not yet waited for.
    unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGINT) };
    let status = server.wait().unwrap();

    let mut checks: Vec<Duration> = outcomes.iter().flat_map(|o| o.checks.clone()).collect();
    let mut saves: Vec<Duration> = outcomes.iter().flat_map(|o| o.saves.clone()).collect();
    let requests = checks.len() + saves.len();
    println!();
    println!("| request | count | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    for (name, times) in [("POST /api/check", &mut checks), ("PUT (save)", &mut saves)] {
        times.sort();
        println!(
            "| {name} | {} | {} | {} | {} |",
            times.len(),
            ms(percentile(times, 50.0)),
            ms(percentile(times, 99.0)),
            ms(times.last().copied().unwrap_or_default())
        );
    }
    println!();
    println!(
        "{requests} requests in {wall:.1} s: {:.0} requests/s; server exit code {:?}",
        requests as f64 / wall,
        status.code()
    );

    // Every revision a client was answered is in the database, with that client's figures.
    let store = Store::open(&db).unwrap();
    let admin = store.user(UserId(clients as i64 + 1)).unwrap().unwrap();
    let mut verified = 0;
    for outcome in &outcomes {
        let stored = store.revisions(&admin, outcome.organ, 2024).unwrap();
        assert_eq!(
            stored.len(),
            outcome.revisions.len(),
            "organ {}: saves answered and revisions stored differ",
            outcome.organ.0
        );
        for &n in &outcome.revisions {
            let revision = store.revision(&admin, outcome.organ, 2024, n).unwrap();
            let json: Value = serde_json::from_str(&revision.data).unwrap();
            assert_eq!(json["active_disclosure"]["penalty_decisions"], n - 1);
            verified += 1;
        }
    }
    assert_eq!(status.code(), Some(0));
    println!("no save lost: {verified} revisions verified, each with its client's data");
}

/// One client: sign in, then check and save in turn until the time is up.
fn client(
    url: &str,
    i: usize,
    organ: OrganId,
    data: &str,
    start: &Barrier,
    seconds: u64,
) -> Outcome {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let login = serde_json::json!({ "login": format!("clerk{i}"), "password": PASSWORD });
    let response = agent
        .post(&format!("{url}/api/login"))
        .send_json(&login)
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let csrf = response.into_body().read_json::<Value>().unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    let report = format!("{url}/api/reports/{}/2024", organ.0);
    let mut outcome = Outcome {
        organ,
        checks: Vec::new(),
        saves: Vec::new(),
        revisions: Vec::new(),
    };
    start.wait();
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut base = 0u32;
    while Instant::now() < until {
        let edited = with_penalties(data, base);
        let sent = Instant::now();
        let answer: Value = agent
            .post(&format!("{url}/api/check"))
            .header("Cookie", &cookie)
            .header("X-CSRF-Token", &csrf)
            .send(edited.as_bytes())
            .unwrap()
            .into_body()
            .read_json()
            .unwrap();
        outcome.checks.push(sent.elapsed());
        assert!(answer["diagnostics"].is_array(), "{answer}");

        let body = format!("{{\"revision\": {base}, \"data\": {edited}}}");
        let sent = Instant::now();
        let answer: Value = agent
            .put(&report)
            .header("Cookie", &cookie)
            .header("X-CSRF-Token", &csrf)
            .send(body.as_bytes())
            .unwrap()
            .into_body()
            .read_json()
            .unwrap();
        outcome.saves.push(sent.elapsed());
        let revision = answer["revision"].as_u64().unwrap() as u32;
        assert_eq!(revision, base + 1, "{answer}");
        outcome.revisions.push(revision);
        base = revision;
    }
    outcome
}

/// The test report as `organ`'s, in canonical JSON.
fn report_json(base: &str, organ: &str) -> String {
    let text = base.replace("测试镇人民政府", organ);
    let loaded = model::load("base.toml", &text, Syntax::Toml);
    model::to_json(loaded.report.as_ref().unwrap())
}

/// The report with 行政处罚 set to `n`: each revision's data tells which save it was.
fn with_penalties(data: &str, n: u32) -> String {
    data.replace(
        "\"penalty_decisions\": 35",
        &format!("\"penalty_decisions\": {n}"),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
