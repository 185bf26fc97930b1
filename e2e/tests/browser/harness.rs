//! The browser harness.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use caucus_api::testkit::{self, TestApp};
use serde_json::{Value, json};
use thirtyfour::prelude::*;
use tokio::process::{Child, Command};

/// Browser tests run one at a time: a Chromium page costs far more CPU than
/// the server on this two-core machine.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// Captures console output and errors from the first script on every page.
const CONSOLE_HOOK: &str = r#"
(() => {
  const log = [];
  window.__caucusConsole = log;
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const original = console[level].bind(console);
    console[level] = (...args) => { log.push(new Date().toISOString() + ' ' + level + ': ' + args.map(String).join(' ')); original(...args); };
  }
  window.addEventListener('error', e => log.push('uncaught: ' + e.message));
  window.addEventListener('unhandledrejection', e => log.push('unhandled rejection: ' + e.reason));
})();
"#;

pub struct Browser {
    pub driver: WebDriver,
    pub app: TestApp,
    chromedriver: Child,
    profile: PathBuf,
    name: String,
    axe: String,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET base + path` from Mailpit's API, as JSON (plain HTTP/1.0: no chunking).
fn mailpit_get(base: &str, path: &str) -> anyhow::Result<Value> {
    let rest = base
        .strip_prefix("http://")
        .context("CAUCUS_TEST_MAILPIT_URL must be http://")?;
    let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_end_matches('/');
    let full_path = if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("/{prefix}{path}")
    };
    let mut stream = std::net::TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {full_path} HTTP/1.0\r\nHost: {authority}\r\nAccept: application/json\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8(response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("Mailpit answered without a body")?;
    ensure!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "Mailpit answered {}",
        head.lines().next().unwrap_or_default()
    );
    Ok(serde_json::from_str(body)?)
}

/// The token after `link` in the text of one of the newest emails to
/// `address` (Mailpit keeps mail of every test run, so pass enough of the link
/// to tell this run's apart, such as the portal's address).
fn find_emailed_token(base: &str, address: &str, link: &str) -> anyhow::Result<Option<String>> {
    let search = format!(
        "/api/v1/search?limit=10&query={}",
        encode(&format!("to:{address}"))
    );
    let results = mailpit_get(base, &search)?;
    let ids = results["messages"].as_array().cloned().unwrap_or_default();
    for id in ids.iter().filter_map(|m| m["ID"].as_str()) {
        let message = mailpit_get(base, &format!("/api/v1/message/{id}"))?;
        let text = message["Text"].as_str().unwrap_or_default();
        if let Some((_, rest)) = text.split_once(link) {
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if !token.is_empty() {
                return Ok(Some(token));
            }
        }
    }
    Ok(None)
}

/// Waits up to 15 s for an email to `address` holding `link` (for example
/// `/invitation#`, or a portal URL ending in `/reset-password#`) and returns
/// the token that follows it.
pub async fn emailed_token(address: &str, link: &str) -> anyhow::Result<String> {
    let base = std::env::var("CAUCUS_TEST_MAILPIT_URL")
        .context("CAUCUS_TEST_MAILPIT_URL is not set (source the services' env file)")?;
    let started = Instant::now();
    loop {
        let (base, to, text) = (base.clone(), address.to_owned(), link.to_owned());
        let found =
            tokio::task::spawn_blocking(move || find_emailed_token(&base, &to, &text)).await??;
        if let Some(token) = found {
            return Ok(token);
        }
        if started.elapsed() > Duration::from_secs(15) {
            bail!("no email to {address} with {link} in Mailpit after 15 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Chromium's flags for video tests: fake camera and microphone (a test
/// pattern and a tone), no permission prompt, and loopback ICE candidates
/// (the test LiveKit listens on 127.0.0.1 only).
const MEDIA_ARGS: &[&str] = &[
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
];

/// Starts chromedriver and a headless Chromium with a fresh profile.
async fn launch(media: bool) -> anyhow::Result<(WebDriver, Child, PathBuf)> {
    let port = free_port();
    let chromedriver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting chromedriver (apt install chromium-driver)")?;
    let profile =
        std::env::temp_dir().join(format!("caucus-e2e-{}", uuid::Uuid::new_v4().simple()));
    let mut caps = DesiredCapabilities::chrome();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ] {
        caps.add_arg(arg)?;
    }
    if media {
        for arg in MEDIA_ARGS {
            caps.add_arg(arg)?;
        }
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
    caps.add_arg(&format!("--window-size={},{}", DESKTOP.0, DESKTOP.1))?;
    let url = format!("http://127.0.0.1:{port}");
    let mut driver = None;
    for _ in 0..50 {
        match WebDriver::new(&url, caps.clone()).await {
            Ok(d) => {
                driver = Some(d);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let driver = driver.context("chromedriver did not answer")?;
    driver
        .cdp()
        .send_raw(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": CONSOLE_HOOK }),
        )
        .await?;
    Ok((driver, chromedriver, profile))
}

/// A second browser (its own profile) next to a test's [`Browser`].
pub struct Peer {
    pub driver: WebDriver,
    chromedriver: Child,
    profile: PathBuf,
}

impl Peer {
    /// Keeps a screenshot and the console log as `e2e/artifacts/<test>/<label>.*`.
    pub async fn keep_artifacts(&self, test: &str, label: &str) {
        keep_page(&self.driver, test, label).await;
    }

    pub async fn stop(mut self) {
        let _ = self.driver.quit().await;
        let _ = self.chromedriver.kill().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// What the page's console said since it was opened (`CONSOLE_HOOK`), a
/// line per call; `None` when the page cannot be asked.
pub async fn console_text(driver: &WebDriver) -> Option<String> {
    driver
        .execute(
            "return (window.__caucusConsole || []).join('\\n');",
            Vec::<Value>::new(),
        )
        .await
        .ok()
        .and_then(|r| r.convert::<String>().ok())
}

/// Writes `driver`'s screenshot and console to `e2e/artifacts/<test>/<label>.png|.log`.
pub async fn keep_page(driver: &WebDriver, test: &str, label: &str) {
    let dir = root().join("e2e/artifacts").join(test);
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = driver.screenshot_as_png().await {
        let _ = std::fs::write(dir.join(format!("{label}.png")), png);
    }
    let console = console_text(driver)
        .await
        .unwrap_or_else(|| "console unavailable".to_owned());
    let url = driver
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let _ = std::fs::write(
        dir.join(format!("{label}.log")),
        format!("url: {url}\n{console}\n"),
    );
}

/// Runs `body` with a fresh platform (demo data seeded) and a fresh browser.
/// On failure, keeps a screenshot and the console log, then fails the test.
pub async fn with_browser(name: &str, body: impl AsyncFnOnce(&Browser) -> anyhow::Result<()>) {
    run_with_browser(name, false, body).await;
}

/// Like [`with_browser`], with Chromium's fake camera and microphone and
/// loopback ICE candidates, for video sessions.
pub async fn with_media_browser(
    name: &str,
    body: impl AsyncFnOnce(&Browser) -> anyhow::Result<()>,
) {
    run_with_browser(name, true, body).await;
}

async fn run_with_browser(
    name: &str,
    media: bool,
    body: impl AsyncFnOnce(&Browser) -> anyhow::Result<()>,
) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let browser = Browser::start(name, media)
        .await
        .expect("starting the browser harness");
    let outcome = body(&browser).await;
    if let Err(error) = &outcome {
        browser.keep_artifacts().await;
        browser.stop().await;
        panic!("{name}: {error:#}");
    }
    browser.stop().await;
}

impl Browser {
    async fn start(name: &str, media: bool) -> anyhow::Result<Self> {
        for dist in ["admin-ui/dist/index.html", "client-ui/dist/index.html"] {
            ensure!(
                root().join(dist).exists(),
                "{dist} is missing: build the portals first (scripts/test.sh does)"
            );
        }
        let axe = std::fs::read_to_string(root().join("node_modules/axe-core/axe.min.js"))
            .context("axe-core is missing: run npm ci (scripts/test.sh does)")?;
        // Video tests get LiveKit's real webhooks (its door check among them).
        let app = if media {
            testkit::spawn_with_portals_and_webhooks().await
        } else {
            testkit::spawn_with_portals().await
        };
        app.seed_demo().await;
        let (driver, chromedriver, profile) = launch(media).await?;
        Ok(Self {
            driver,
            app,
            chromedriver,
            profile,
            name: name.to_owned(),
            axe,
        })
    }

    /// Another Chromium with its own fresh profile (another device), against
    /// the same platform, started as this one was with fake camera and
    /// microphone. Stop it with [`Peer::stop`].
    pub async fn another_browser(&self) -> anyhow::Result<Peer> {
        let (driver, chromedriver, profile) = launch(true).await?;
        Ok(Peer {
            driver,
            chromedriver,
            profile,
        })
    }

    /// `http://localhost:PORT` of the admin portal (WebAuthn and Secure cookies
    /// want `localhost`, not an IP address).
    pub fn admin_url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.app.portal_addrs[0].port())
    }

    pub fn client_url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.app.portal_addrs[1].port())
    }

    /// Waits until the element with `id` is displayed, and returns its text.
    pub async fn text_of(&self, id: &str) -> anyhow::Result<String> {
        let element = self
            .driver
            .query(By::Id(id))
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .and_displayed()
            .first()
            .await
            .with_context(|| format!("#{id} did not appear"))?;
        Ok(element.text().await?)
    }

    /// Waits until `#id`'s text contains `expected`.
    /// Gives up after 20 s in all (a missing element does not restart the clock).
    pub async fn wait_for_text(&self, id: &str, expected: &str) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.driver.find(By::Id(id)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                last = element.text().await.unwrap_or_default();
                if last.contains(expected) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("#{id} never contained {expected:?}; last text {last:?}")
    }

    /// Runs a GraphQL operation from the current page, with its session
    /// cookie, as the portal `client` (`"admin"` or `"client"`) would, and
    /// returns the response; a response with errors is an error.
    pub async fn gql(
        &self,
        client: &str,
        query: &str,
        variables: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let script = r#"
            const [client, query, variables, done] = arguments;
            fetch('/graphql', { method: 'POST', credentials: 'same-origin',
                headers: { 'content-type': 'application/json', 'x-caucus-client': client },
                body: JSON.stringify({ query, variables }) })
              .then(r => r.text()).then(done, e => done(JSON.stringify({ errors: [String(e)] })));
        "#;
        let result = self
            .driver
            .execute_async(script, vec![json!(client), json!(query), variables])
            .await?;
        let text = result
            .json()
            .as_str()
            .context("the page answered")?
            .to_owned();
        let body: serde_json::Value = serde_json::from_str(&text)?;
        ensure!(body.get("errors").is_none(), "{query} failed: {body}");
        Ok(body["data"].clone())
    }

    /// Types `text` into `#id` once it is shown.
    pub async fn type_into(&self, id: &str, text: &str) -> anyhow::Result<()> {
        self.text_of(id).await?;
        self.driver.find(By::Id(id)).await?.send_keys(text).await?;
        Ok(())
    }

    /// Clicks `#id` once it is shown.
    pub async fn click(&self, id: &str) -> anyhow::Result<()> {
        self.text_of(id).await?;
        self.driver.find(By::Id(id)).await?.click().await?;
        Ok(())
    }

    /// Types `text` into the first element matching the CSS `selector`.
    pub async fn type_into_first(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        self.driver
            .find(By::Css(selector))
            .await?
            .send_keys(text)
            .await?;
        Ok(())
    }

    /// Clicks the first element matching the CSS `selector`.
    pub async fn click_first(&self, selector: &str) -> anyhow::Result<()> {
        self.driver.find(By::Css(selector)).await?.click().await?;
        Ok(())
    }

    /// Replaces the text in `#id` with `text` (empties it for `""`), as a
    /// person would: select all, delete, type.
    pub async fn replace_text(&self, id: &str, text: &str) -> anyhow::Result<()> {
        self.text_of(id).await?;
        let element = self.driver.find(By::Id(id)).await?;
        element.send_keys(Key::Control + "a").await?;
        element.send_keys(Key::Backspace).await?;
        if !text.is_empty() {
            element.send_keys(text).await?;
        }
        Ok(())
    }

    /// Chooses the option with `value` in the `<select id>`.
    pub async fn select(&self, id: &str, value: &str) -> anyhow::Result<()> {
        self.text_of(id).await?;
        let element = self.driver.find(By::Id(id)).await?;
        thirtyfour::components::SelectElement::new(&element)
            .await?
            .select_by_value(value)
            .await?;
        Ok(())
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> anyhow::Result<()> {
        self.text_of("email").await?;
        self.driver
            .find(By::Id("email"))
            .await?
            .send_keys(email)
            .await?;
        self.driver
            .find(By::Id("password"))
            .await?
            .send_keys(password)
            .await?;
        self.driver.find(By::Id("sign-in")).await?.click().await?;
        Ok(())
    }

    async fn set_viewport(&self, (width, height): (u32, u32), mobile: bool) -> anyhow::Result<()> {
        self.driver
            .cdp()
            .send_raw(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
            )
            .await?;
        Ok(())
    }

    /// Runs axe-core on the current page at desktop and phone size; fails on any
    /// WCAG 2.2 A/AA violation.
    pub async fn assert_accessible(&self, page: &str) -> anyhow::Result<()> {
        for (size, mobile) in [(DESKTOP, false), (PHONE, true)] {
            self.set_viewport(size, mobile).await?;
            tokio::time::sleep(Duration::from_millis(150)).await;
            self.driver.execute(&self.axe, Vec::<Value>::new()).await?;
            let result = self
                .driver
                .execute_async(
                    r#"const done = arguments[arguments.length - 1];
                       axe.run(document, { runOnly: { type: 'tag', values:
                         ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                         .then(r => done(JSON.stringify({ violations: r.violations.map(v => ({
                             id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) })),
                           passes: r.passes.length })))
                         .catch(e => done(JSON.stringify({ error: String(e) })));"#,
                    Vec::<Value>::new(),
                )
                .await?;
            let text: String = result.convert()?;
            let report: Value = serde_json::from_str(&text)?;
            ensure!(
                report.get("error").is_none(),
                "axe failed to run on {page}: {report}"
            );
            ensure!(
                report["passes"].as_u64().unwrap_or(0) > 0,
                "axe checked nothing on {page}"
            );
            let violations = report["violations"].as_array().cloned().unwrap_or_default();
            ensure!(
                violations.is_empty(),
                "{page} at {}x{}: {} WCAG violations: {}",
                size.0,
                size.1,
                violations.len(),
                serde_json::to_string_pretty(&violations)?
            );
        }
        self.set_viewport(DESKTOP, false).await?;
        Ok(())
    }

    async fn keep_artifacts(&self) {
        let dir = root().join("e2e/artifacts").join(&self.name);
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.driver.screenshot_as_png().await {
            let _ = std::fs::write(dir.join("screenshot.png"), png);
        }
        let console = console_text(&self.driver)
            .await
            .unwrap_or_else(|| "console unavailable".to_owned());
        let url = self
            .driver
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let _ = std::fs::write(dir.join("console.log"), format!("url: {url}\n{console}\n"));
        eprintln!("kept a screenshot and the console log in {}", dir.display());
    }

    async fn stop(mut self) {
        let _ = self.driver.quit().await;
        let _ = self.chromedriver.kill().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
