//! The harness of the tests that drive `nianbao serve`: a [`Site`] (a database in a temporary
//! directory with organs, optionally under a parent, and accounts, and the binary serving it),
//! an HTTP [`Client`] with the session cookie and CSRF token of its login, its [`Answer`]s, and
//! the helpers of the tests that use the pages in a browser ([`wait_for`], [`settled`],
//! [`sign_in_page`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nianbao::store::{Actor, OrganId, Role, Store};
use serde_json::{Value, json};

use super::Serving;
use super::browser::{Browser, agent};

/// Every account's password.
pub const PASSWORD: &str = "correct horse battery";

/// The largest body a [`Client`] reads (an export's .zip).
const BODY_LIMIT: u64 = 256 << 20;

/// A server of its own over a database in a temporary directory.
pub struct Site {
    /// First, so that the server is stopped before its directory is removed.
    pub serving: Serving,
    pub dir: tempfile::TempDir,
    /// Organ ids by name, of every organ in the database when the server started.
    pub organs: BTreeMap<String, OrganId>,
}

/// What a [`Site`] is made of, made in the database through [`Store`] when it starts.
pub struct SiteBuilder {
    dir: tempfile::TempDir,
    organs: Vec<(String, Option<String>)>,
    accounts: Vec<(String, Role, Option<String>)>,
}

impl SiteBuilder {
    /// The directory the database will be in, for files to put beside it first.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// An organ, under `parent` (an organ added before it) if given.
    pub fn organ(mut self, name: &str, parent: Option<&str>) -> SiteBuilder {
        self.organs
            .push((name.to_string(), parent.map(str::to_string)));
        self
    }

    /// An account with [`PASSWORD`], of `organ` (an organ added before it) if given.
    pub fn account(mut self, login: &str, role: Role, organ: Option<&str>) -> SiteBuilder {
        self.accounts
            .push((login.to_string(), role, organ.map(str::to_string)));
        self
    }

    /// Makes the organs and accounts in the database (beside any already made there, by
    /// `nianbao admin` say, whose names they may name) and starts the server over it.
    pub fn start(self) -> Site {
        let mut organs = BTreeMap::new();
        {
            let store = Store::open(&self.dir.path().join("nianbao.db")).unwrap();
            for organ in store.organs().unwrap() {
                organs.insert(organ.name, organ.id);
            }
            for (name, parent) in &self.organs {
                let parent = parent.as_ref().map(|p| organs[p]);
                let id = store.add_organ(Actor::Console, name, parent).unwrap();
                organs.insert(name.clone(), id);
            }
            for (login, role, organ) in &self.accounts {
                let organ = organ.as_ref().map(|o| organs[o]);
                store
                    .add_user(Actor::Console, login, *role, organ, PASSWORD)
                    .unwrap();
            }
        }
        Site {
            serving: Serving::start(self.dir.path()),
            dir: self.dir,
            organs,
        }
    }
}

impl Site {
    /// A site to build, in a new temporary directory.
    pub fn build() -> SiteBuilder {
        SiteBuilder {
            dir: tempfile::tempdir().unwrap(),
            organs: Vec::new(),
            accounts: Vec::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.serving.url)
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("nianbao.db")
    }

    /// The id of the organ `name`.
    pub fn id(&self, name: &str) -> OrganId {
        self.organs[name]
    }

    /// A client not signed in.
    pub fn client(&self) -> Client {
        Client::new(&self.serving.url)
    }

    /// A client signed in as `login`.
    pub fn signed_in(&self, login: &str) -> Client {
        Client::signed_in(&self.serving.url, login)
    }
}

/// An HTTP client with the session cookie and CSRF token of its login.
pub struct Client {
    pub agent: ureq::Agent,
    pub url: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The `error.key` of a refusal.
    pub fn key(&self) -> String {
        self.json()["error"]["key"]
            .as_str()
            .unwrap_or_else(|| panic!("no error key: {}", self.text()))
            .to_string()
    }
}

impl Client {
    /// A client of the server at `url`, not signed in.
    pub fn new(url: &str) -> Client {
        Client {
            agent: agent(),
            url: url.to_string(),
            cookie: None,
            csrf: None,
        }
    }

    /// A client of the server at `url` signed in as `login` with [`PASSWORD`].
    pub fn signed_in(url: &str, login: &str) -> Client {
        let mut client = Client::new(url);
        let (status, body) = client.login(login, PASSWORD);
        assert_eq!(status, 200, "{body}");
        client
    }

    /// `POST /api/login`; on 200 the client keeps the session cookie and the CSRF token.
    pub fn login(&mut self, login: &str, password: &str) -> (u16, Value) {
        let body = json!({ "login": login, "password": password }).to_string();
        let answer = self.request("POST", "/api/login", Some(body.as_bytes()));
        let json = answer.json();
        if answer.status == 200 {
            let cookie = answer.header("set-cookie");
            let pair = cookie.split(';').next().unwrap().to_string();
            self.cookie = Some(pair);
            self.csrf = json["csrf"].as_str().map(str::to_string);
        }
        (answer.status, json)
    }

    /// A request with this client's cookie and its CSRF token.
    pub fn request(&self, method: &str, path: &str, body: Option<&[u8]>) -> Answer {
        self.request_with(method, path, body, self.csrf.as_deref())
    }

    /// A request with this client's cookie and `csrf` for the CSRF token.
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        csrf: Option<&str>,
    ) -> Answer {
        let url = format!("{}{path}", self.url);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        let request = request
            .header("Content-Type", "application/json")
            .body(body.unwrap_or_default().to_vec())
            .unwrap();
        let response = self.agent.run(request).expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.request("GET", path, None)
    }

    /// `PUT /api/reports/{organ}/{year}` `{revision, data}`, the data as JSON text.
    pub fn save(&self, organ: OrganId, year: u16, base: u32, data: &str) -> Answer {
        self.save_at(&report_path(organ, year), base, data)
    }

    /// `PUT {path}` `{revision, data}`, the data as JSON text.
    pub fn save_at(&self, path: &str, base: u32, data: &str) -> Answer {
        let body = format!("{{\"revision\": {base}, \"data\": {data}}}");
        self.request("PUT", path, Some(body.as_bytes()))
    }
}

/// The API path of `organ`'s report of `year`.
pub fn report_path(organ: OrganId, year: u16) -> String {
    format!("/api/reports/{}/{year}", organ.0)
}

/// `target/tmp/{name}`, made if need be: where the browser tests put their screenshots.
pub fn screenshot_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `script` until it returns something other than null or false, and returns that; fails
/// after `limit`.
pub fn wait_for_within(browser: &Browser, what: &str, script: &str, limit: Duration) -> Value {
    let start = Instant::now();
    loop {
        let v = browser.execute(script, vec![]);
        if !v.is_null() && v != json!(false) {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// [`wait_for_within`] a minute.
pub fn wait_for(browser: &Browser, what: &str, script: &str) -> Value {
    wait_for_within(browser, what, script, Duration::from_secs(60))
}

/// Waits until the page has no check, save or request under way (the pages say so in
/// `body[data-busy]`, set the moment an edit schedules a check).
pub fn settled(browser: &Browser) {
    wait_for(
        browser,
        "the page to settle",
        "return document.body.dataset.busy === '0'",
    );
}

/// Signs in as `login` on the page at `url` (the site's `/`), and waits for the list of
/// reports.
pub fn sign_in_page(browser: &Browser, url: &str, login: &str) {
    browser.open(url);
    settled(browser);
    browser.send_keys(&browser.find_css("#login-name"), login);
    browser.send_keys(&browser.find_css("#login-password"), PASSWORD);
    browser.click(&browser.find_css("#login-submit"));
    wait_for(
        browser,
        "the list",
        "return !document.getElementById('reports').hidden && document.body.dataset.busy === '0'",
    );
}
