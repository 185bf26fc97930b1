//! Helpers: a GraphQL client that talks to the app like the portals do, and the
//! captured telemetry that the canary check reads.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use caucus_api::authz::RoleKey;
use caucus_api::seed::{SeedAccount, seed_org};
use caucus_api::testkit::TestApp;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// Everything the process logged and every span it exported, for all tests.
pub struct Captured {
    logs: Arc<Mutex<Vec<u8>>>,
    spans: InMemorySpanExporter,
    provider: SdkTracerProvider,
}

#[derive(Clone)]
struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BufferWriter {
    type Writer = BufferWriter;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the capturing subscriber once per test binary: the same JSON log
/// layer and OpenTelemetry layer the binary uses, at debug level.
pub fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let spans = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(SimpleSpanProcessor::new(spans.clone()))
            .build();
        let tracer = provider.tracer("caucus-test");
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("debug"))
            .with(caucus_api::telemetry::json_log_layer(BufferWriter(
                logs.clone(),
            )))
            .with(caucus_api::telemetry::otel_layer(tracer))
            .try_init()
            .expect("one subscriber per test binary");
        Captured {
            logs,
            spans,
            provider,
        }
    })
}

impl Captured {
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&self.logs.lock().unwrap()).into_owned()
    }

    /// Every exported span rendered as text: names, attributes and events.
    pub fn spans(&self) -> String {
        let _ = self.provider.force_flush();
        let spans = self.spans.get_finished_spans().unwrap_or_default();
        spans
            .iter()
            .map(|s| {
                format!(
                    "{} {:?} {:?} {:?}",
                    s.name, s.attributes, s.events.events, s.status
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn span_names(&self) -> Vec<String> {
        let _ = self.provider.force_flush();
        self.spans
            .get_finished_spans()
            .unwrap_or_default()
            .iter()
            .map(|s| s.name.to_string())
            .collect()
    }
}

/// A browser-like client: keeps the session cookie and sends the client header.
/// A clone is another tab of the same browser: the same session.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(app: &TestApp) -> Self {
        Self {
            // Browsers always send one; sign-in notices key on it.
            http: reqwest::Client::builder()
                .user_agent("Mozilla/5.0 (caucus-tests)")
                .build()
                .unwrap(),
            base: app.url(""),
            cookie: None,
        }
    }

    pub async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: &str,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.base))
            .header("content-type", content_type)
            .header(shared_types::CLIENT_HEADER, "test")
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// Runs a GraphQL operation and returns the whole response body.
    pub async fn gql(&mut self, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let response = self.post_raw(body, "application/json").await;
        if let Some(set_cookie) = response.headers().get("set-cookie") {
            let pair = set_cookie
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        response.json().await.unwrap()
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Value {
        self.gql(
            "mutation SignIn($input: SignInInput!) { signIn(input: $input) { viewer { user { id } organization { id } roles } } }",
            json!({ "input": { "email": email, "password": password } }),
        )
        .await
    }
}

/// The first error's `extensions.code`, or "" when there is none.
pub fn error_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

pub fn assert_ok(body: &Value) {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
}

/// An organization with one account per given role; returns its id and the
/// accounts' emails (in role order).
pub async fn org_with(app: &TestApp, slug: &str, roles: &[RoleKey]) -> (String, Vec<String>) {
    let emails: Vec<String> = roles
        .iter()
        .map(|r| {
            format!(
                "{}-{}@{slug}.example",
                r.key(),
                uuid::Uuid::new_v4().simple()
            )
        })
        .collect();
    let names: Vec<String> = roles
        .iter()
        .map(|r| format!("{} of {slug}", r.key()))
        .collect();
    let accounts: Vec<SeedAccount<'_>> = roles
        .iter()
        .zip(&emails)
        .zip(&names)
        .map(|((role, email), name)| SeedAccount {
            email,
            name,
            role: *role,
        })
        .collect();
    let id = seed_org(
        app.owner_url().expose_secret(),
        slug,
        &format!("Org {slug}"),
        &accounts,
        PASSWORD,
    )
    .await
    .unwrap();
    (id.to_string(), emails)
}

/// A signed-in client for a fresh organization holding `role`.
pub async fn signed_in(app: &TestApp, slug: &str, role: RoleKey) -> (Client, String) {
    let (org_id, emails) = org_with(app, slug, &[role]).await;
    let mut client = Client::new(app);
    let body = client.sign_in(&emails[0], PASSWORD).await;
    assert_ok(&body);
    (client, org_id)
}

/// The canary check: unique marker strings put into every personal or content
/// field of a flow, then searched for in everything the process logged or
/// traced and in responses that must not echo them.
pub struct Canary {
    pub markers: Vec<String>,
}

impl Canary {
    pub fn new() -> Self {
        Self {
            markers: Vec::new(),
        }
    }

    /// A fresh marker, remembered for the final check.
    pub fn marker(&mut self, kind: &str) -> String {
        let marker = format!("canary{kind}{}", uuid::Uuid::new_v4().simple());
        self.markers.push(marker.clone());
        marker
    }

    /// Fails if any marker appears in the captured logs or spans, or in `extra`.
    pub fn assert_absent(&self, extra: &[&str]) {
        let captured = captured();
        let logs = captured.logs();
        let spans = captured.spans();
        assert!(
            !logs.is_empty(),
            "the log capture saw nothing: the check would be vacuous"
        );
        assert!(
            !spans.is_empty(),
            "the span capture saw nothing: the check would be vacuous"
        );
        for marker in &self.markers {
            let lower = marker.to_lowercase();
            for (what, text) in [("logs", &logs), ("spans", &spans)] {
                assert!(
                    !text.to_lowercase().contains(&lower),
                    "{marker} leaked into {what}"
                );
            }
            for text in extra {
                assert!(
                    !text.to_lowercase().contains(&lower),
                    "{marker} leaked into a response: {text}"
                );
            }
        }
    }
}

// --- Mailpit, the SMTP catcher started by scripts/test.sh -------------------

pub async fn mailpit_messages(to: &str) -> Vec<Value> {
    let base = std::env::var("CAUCUS_TEST_MAILPIT_URL")
        .expect("CAUCUS_TEST_MAILPIT_URL (scripts/test.sh starts Mailpit)");
    let url = format!(
        "{base}/api/v1/search?query={}",
        urlencode(&format!("to:{to}"))
    );
    let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    body["messages"].as_array().cloned().unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn wait_for_mail(to: &str, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let messages = mailpit_messages(to).await;
        if messages.len() >= n {
            return messages;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{n} email(s) to {to} did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The full message (with `Text` and `HTML`) of a search result.
pub async fn mail_body(message: &Value) -> Value {
    let base = std::env::var("CAUCUS_TEST_MAILPIT_URL").unwrap();
    let id = message["ID"].as_str().unwrap();
    reqwest::get(format!("{base}/api/v1/message/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The TOTP code of `secret_base32`, `offset_steps` 30-second steps from now.
pub fn code_for(secret_base32: &str, offset_steps: i64) -> String {
    use totp_rs::{Algorithm, Secret, TOTP};
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .unwrap();
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).unwrap();
    let now = chrono::Utc::now().timestamp() + offset_steps * 30;
    totp.generate(u64::try_from(now).unwrap())
}

/// Sets up an authenticator app for the signed-in client; returns its secret.
pub async fn enrol_totp(client: &mut Client) -> String {
    let started = client
        .gql("mutation { startTotpEnrollment { secret } }", json!({}))
        .await;
    assert_ok(&started);
    let secret = started["data"]["startTotpEnrollment"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let confirmed = client
        .gql(
            "mutation C($c: String!) { confirmTotpEnrollment(code: $c) { recoveryCodes } }",
            json!({ "c": code_for(&secret, 0) }),
        )
        .await;
    assert_ok(&confirmed);
    secret
}
