//! Headless Chromium driven over WebDriver (chromedriver on 127.0.0.1), for the tests that open
//! the HTML nianbao writes and ask the page's DOM; and [`agent`], the HTTP client of those
//! tests. The browser reaches nothing but loopback and `file:`.

use std::io::{Read, Seek};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key of a web element's id in WebDriver's JSON (W3C WebDriver, "web element identifier").
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long chromedriver may take to say it is ready.
const READY: Duration = Duration::from_secs(20);
/// The longest any one request may take (a page load or a script is cut off sooner, at 30 s).
const REQUEST: Duration = Duration::from_secs(60);
/// The largest body read (a full-page screenshot comes as base64 in JSON).
const BODY_LIMIT: u64 = 256 << 20;

/// A blocking HTTP client for 127.0.0.1: no proxy (a `http_proxy` of the environment must not
/// take loopback traffic elsewhere), an error status is a response to read and not an `Err`,
/// and every request is bounded in time.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST))
        .build()
        .into()
}

/// The `file://` URL of a file: absolute, every byte but unreserved ones and `/` percent-encoded
/// (the paths hold Chinese characters and spaces).
pub fn file_url(path: &Path) -> String {
    let path = std::path::absolute(path).expect("an absolute path");
    let mut url = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// The first `program` on `PATH`.
fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// chromedriver, killed when dropped; its output goes to a file, for the messages.
struct Driver {
    child: Child,
    log: std::fs::File,
    base: String,
}

impl Driver {
    fn log(&mut self) -> String {
        let mut text = String::new();
        let _ = self.log.rewind();
        let _ = self.log.read_to_string(&mut text);
        text
    }
}

impl Drop for Driver {
    /// Asks chromedriver to quit (it ends any browser left), then kills it if it has not
    /// within 5 s.
    fn drop(&mut self) {
        let _ = agent()
            .get(format!("{}/shutdown", self.base))
            .config()
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .call();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free a moment ago on 127.0.0.1 (chromedriver may lose it to another process: then the
/// caller tries again).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    listener.local_addr().unwrap().port()
}

/// Starts chromedriver and waits until `/status` says it is ready.
fn start_driver(agent: &ureq::Agent) -> Driver {
    static STARTED: AtomicU32 = AtomicU32::new(0);
    for _ in 0..5 {
        let port = free_port();
        // A path of its own, so that a chromedriver of another test that got the port first
        // does not answer for this one.
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let path = format!("/nianbao-{}-{n}", std::process::id());
        let log = tempfile::tempfile().expect("a temporary file");
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg(format!("--url-base={path}"))
            // Pages are set in the fonts nianbao ships (and lays out with), on any machine:
            // fontconfig finds them, and maps the official names to them, through this file.
            .env("FONTCONFIG_FILE", super::repo("fonts/fonts.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log.try_clone().unwrap())
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver {
            child,
            log,
            base: format!("http://127.0.0.1:{port}{path}"),
        };
        let start = Instant::now();
        while start.elapsed() < READY {
            if driver.child.try_wait().unwrap().is_some() {
                break; // most likely the port was taken: another one
            }
            let ready = agent
                .get(format!("{}/status", driver.base))
                .config()
                .timeout_global(Some(Duration::from_secs(2)))
                .build()
                .call()
                .ok()
                .and_then(|r| r.into_body().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return driver;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if driver.child.try_wait().unwrap().is_none() {
            panic!("chromedriver not ready after {READY:?}:\n{}", driver.log());
        }
        eprintln!("chromedriver exited at start:\n{}", driver.log());
    }
    panic!("chromedriver did not start on any of 5 free ports");
}

/// A headless Chromium session; dropping it ends the session and chromedriver.
pub struct Browser {
    driver: Driver,
    session: String,
    agent: ureq::Agent,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, `None` when the tools are missing
    /// and `NIANBAO_SKIP_MISSING_TOOLS=1` asks to skip (see [`super::require_tool`]).
    pub fn start() -> Option<Browser> {
        if !super::require_tool("chromedriver", &["--version"])
            || !super::require_tool("chromium", &["--version"])
        {
            return None;
        }
        let binary = which("chromium").expect("chromium on PATH");
        let agent = agent();
        let mut driver = start_driver(&agent);
        let args = [
            "--headless=new",
            "--no-sandbox", // the tests run as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,1600",
            "--hide-scrollbars",
            "--no-first-run",
            // Nothing but loopback and file: — no background connections (refused on a closed
            // network, many at a time), and everything else sent to a proxy where nothing
            // listens (loopback is never proxied), with no name looked up.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-quic",
            "--proxy-server=http://127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"script": 30_000, "pageLoad": 30_000, "implicit": 0},
            "goog:chromeOptions": {"binary": binary, "args": args},
        }}});
        let response = agent
            .post(format!("{}/session", driver.base))
            .send_json(&capabilities);
        let session = match response.map(read) {
            Ok((200, v)) => v["value"]["sessionId"].as_str().map(String::from),
            Ok((status, v)) => {
                eprintln!("new session: {status} {v}");
                None
            }
            Err(e) => {
                eprintln!("new session: {e}");
                None
            }
        };
        let Some(session) = session else {
            panic!("no Chromium session; chromedriver said:\n{}", driver.log());
        };
        Some(Browser {
            driver,
            session,
            agent,
        })
    }

    /// Sends a WebDriver command of the session (`path` after `/session/{id}`) and returns its
    /// `value`; an error fails the test with WebDriver's message.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.driver.base, self.session);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let (status, v) = read(response.unwrap_or_else(|e| panic!("{method} {path}: {e}")));
        assert!(
            status == 200,
            "{method} {path}: {status} {}: {}",
            v["value"]["error"],
            v["value"]["message"].as_str().unwrap_or_default()
        );
        v["value"].clone()
    }

    /// Navigates to a URL (`file://…`, see [`file_url`], or `http://127.0.0.1:…`) and waits for
    /// the page to load.
    pub fn open(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.command("GET", "/url", None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Runs `script` as a function body (`return …` gives the result; `arguments[i]` are
    /// `args`, an element passed as `{ELEMENT: id}`) and returns what it returned.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        let body = json!({ "script": script, "args": args });
        self.command("POST", "/execute/sync", Some(body))
    }

    /// The id of the first element `selector` matches; none fails the test.
    pub fn find_css(&self, selector: &str) -> String {
        let body = json!({ "using": "css selector", "value": selector });
        let v = self.command("POST", "/element", Some(body));
        v[ELEMENT].as_str().unwrap().to_string()
    }

    pub fn click(&self, element: &str) {
        self.command("POST", &format!("/element/{element}/click"), None);
    }

    pub fn send_keys(&self, element: &str, text: &str) {
        let body = json!({ "text": text });
        self.command("POST", &format!("/element/{element}/value"), Some(body));
    }

    /// Empties an input or text area, as a person selecting all and deleting would.
    pub fn clear(&self, element: &str) {
        self.command("POST", &format!("/element/{element}/clear"), None);
    }

    /// The value of a cookie of the current page's site, HttpOnly ones included (WebDriver
    /// sees them all); `None` when there is none of that name.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let all = self.command("GET", "/cookie", None);
        all.as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str())
            .map(str::to_string)
    }

    /// An element's rendered text.
    pub fn text(&self, element: &str) -> String {
        let v = self.command("GET", &format!("/element/{element}/text"), None);
        v.as_str().unwrap().to_string()
    }

    /// A PNG of the whole page, beyond the window: Chrome's own `Page.captureScreenshot`
    /// (through chromedriver's CDP endpoint), clipped to the document's scroll size.
    pub fn screenshot_full_page(&self, path: &Path) {
        let size = self.execute(
            "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight];",
            vec![],
        );
        let params = json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
        });
        let body = json!({ "cmd": "Page.captureScreenshot", "params": params });
        let v = self.command("POST", "/goog/cdp/execute", Some(body));
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["data"].as_str().expect("a screenshot"))
            .expect("base64");
        std::fs::write(path, png).expect("the screenshot written");
    }

    /// The page printed to PDF as the browser's print dialogue would (W3C `/print`: the
    /// page's own `@page` size and margins, no browser header or footer).
    pub fn print_pdf(&self) -> Vec<u8> {
        let body = json!({"background": true, "shrinkToFit": false});
        let v = self.command("POST", "/print", Some(body));
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("a PDF"))
            .expect("base64")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends Chromium; chromedriver itself is killed after (Driver's drop). Never panics:
        // this runs while a failed test unwinds too.
        let url = format!("{}/session/{}", self.driver.base, self.session);
        let _ = self
            .agent
            .delete(&url)
            .config()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .call();
    }
}

/// A response's status and JSON body.
fn read(response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .into_with_config()
        .limit(BODY_LIMIT)
        .read_to_vec()
        .expect("a response body");
    let v = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, v)
}
