//! Test support shared by the API's tests, the browser tests and the
//! benchmarks: a fresh database per test on the PostgreSQL that
//! `scripts/test.sh` starts, a private Redis key prefix, and the real
//! application on free ports. Compiled only with the `testkit` feature.

#![allow(clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::app::{Application, Listeners};
use crate::config::Settings;
use crate::state::AppState;

fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests through ./scripts/test.sh, which starts PostgreSQL and Redis")
    })
}

/// A database created for one test, migrated, with its owner and API-role URLs.
pub struct TestDatabase {
    pub name: String,
    pub owner_url: String,
    pub app_url: String,
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("test database URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

static FIRST_MIGRATION: OnceCell<()> = OnceCell::const_new();

/// Creates and migrates a new database.
pub async fn fresh_database() -> TestDatabase {
    let owner = required_env("CAUCUS_TEST_DATABASE_URL");
    let app = required_env("CAUCUS_TEST_APP_DATABASE_URL");
    let name = format!("test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(owner.clone())
        .await
        .expect("connecting as the test owner");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("creating a test database");
    admin.close().await.expect("closing");
    let db = TestDatabase {
        owner_url: with_database(&owner, &name),
        app_url: with_database(&app, &name),
        name,
    };
    // The API role is cluster-wide: let the first migration set its password
    // before others run, so no two tests alter the role at once.
    FIRST_MIGRATION
        .get_or_init(|| async {
            crate::db::migrate(&db.owner_url, &db.app_url)
                .await
                .expect("first migration");
        })
        .await;
    crate::db::migrate(&db.owner_url, &db.app_url)
        .await
        .expect("migrating a test database");
    db
}

/// Settings for a test: free ports, its own database and Redis prefix.
pub fn settings(db: &TestDatabase) -> Settings {
    let redis = required_env("CAUCUS_TEST_REDIS_URL");
    let prefix = format!("test:{}:", Uuid::new_v4().simple());
    Settings::load_from(
        None,
        [
            ("CAUCUS__ENVIRONMENT".to_owned(), "test".to_owned()),
            ("CAUCUS__SERVER__PORT".to_owned(), "0".to_owned()),
            ("CAUCUS__DATABASE__URL".to_owned(), db.app_url.clone()),
            (
                "CAUCUS__DATABASE__MIGRATION_URL".to_owned(),
                db.owner_url.clone(),
            ),
            (
                "CAUCUS__DATABASE__MAX_CONNECTIONS".to_owned(),
                "8".to_owned(),
            ),
            (
                "CAUCUS__DATABASE__MIN_CONNECTIONS".to_owned(),
                "0".to_owned(),
            ),
            ("CAUCUS__REDIS__URL".to_owned(), redis),
            ("CAUCUS__REDIS__KEY_PREFIX".to_owned(), prefix),
            ("CAUCUS__REDIS__POOL_SIZE".to_owned(), "2".to_owned()),
            (
                "CAUCUS__EMAIL__SMTP_URL".to_owned(),
                required_env("CAUCUS_TEST_SMTP_URL"),
            ),
            (
                "CAUCUS__WORKER__POLL_INTERVAL_MS".to_owned(),
                "100".to_owned(),
            ),
            // The LiveKit server the test command started.
            (
                "CAUCUS__VIDEO__URL".to_owned(),
                required_env("CAUCUS_TEST_LIVEKIT_URL"),
            ),
            (
                "CAUCUS__VIDEO__API_URL".to_owned(),
                required_env("CAUCUS_TEST_LIVEKIT_API_URL"),
            ),
            (
                "CAUCUS__VIDEO__API_KEY".to_owned(),
                required_env("CAUCUS_TEST_LIVEKIT_API_KEY"),
            ),
            (
                "CAUCUS__VIDEO__API_SECRET".to_owned(),
                required_env("CAUCUS_TEST_LIVEKIT_API_SECRET"),
            ),
            // Calendar servers in tests run on this machine (Radicale).
            ("CAUCUS__CALENDAR__HOSTS".to_owned(), "loopback".to_owned()),
            // Portals listen on free ports.
            (
                "CAUCUS__WEBAUTHN__ALLOW_ANY_PORT".to_owned(),
                "true".to_owned(),
            ),
        ],
    )
    .expect("test settings")
}

/// The application running in the background of a test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub portal_addrs: Vec<SocketAddr>,
    pub state: AppState,
    pub db: TestDatabase,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn owner_url(&self) -> SecretString {
        SecretString::from(self.db.owner_url.clone())
    }

    /// Seeds the demo organization and accounts.
    pub async fn seed_demo(&self) {
        crate::seed::seed(self.owner_url().expose_secret())
            .await
            .expect("seeding");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the application with `adjust` applied to its settings.
pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on(adjust, Listeners::default()).await
}

async fn spawn_on(adjust: impl FnOnce(&mut Settings), mut listeners: Listeners) -> TestApp {
    let db = fresh_database().await;
    let mut settings = settings(&db);
    adjust(&mut settings);
    // The API's own address goes into redirect URIs (single sign-on), so it
    // is chosen before the app starts, and held until it serves.
    if listeners.api.is_none() && settings.server.port == 0 {
        listeners.api = Some(hold_port().0);
    }
    if let Some(listener) = &listeners.api {
        let port = listener.local_addr().expect("its address").port();
        settings.server.port = port;
        settings.server.public_url =
            url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("a URL");
    }
    let app = Application::build_with(settings, listeners)
        .await
        .expect("building the app");
    let addr = app.api_addr().expect("api address");
    let portal_addrs = app.portal_addrs().expect("portal addresses");
    let state = app.state.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(app.run(async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        portal_addrs,
        state,
        db,
        shutdown: Some(tx),
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// Serves the built portals too (for browser tests).
pub async fn spawn_with_portals() -> TestApp {
    spawn_portals_with_api(None).await
}

/// Like [`spawn_with_portals`], with the API on the port the test LiveKit
/// server sends its webhooks to (`CAUCUS_TEST_LIVEKIT_WEBHOOK_PORT`), so real
/// webhooks reach it: only one such app at a time. Waits up to 10 s for the
/// port, which the previous app may still be closing.
pub async fn spawn_with_portals_and_webhooks() -> TestApp {
    let port: u16 = required_env("CAUCUS_TEST_LIVEKIT_WEBHOOK_PORT")
        .parse()
        .expect("CAUCUS_TEST_LIVEKIT_WEBHOOK_PORT is a port");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let listener = loop {
        match std::net::TcpListener::bind(("127.0.0.1", port)) {
            Ok(listener) => break listener,
            Err(e) if std::time::Instant::now() > deadline => {
                panic!("the LiveKit webhook port {port} stayed taken: {e}")
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    };
    spawn_portals_with_api(Some(listener)).await
}

async fn spawn_portals_with_api(api: Option<std::net::TcpListener>) -> TestApp {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // Links and redirects (emails, single sign-on) name the portals, so their
    // ports are chosen before the app starts.
    let ((admin, admin_port), (client, client_port)) = (hold_port(), hold_port());
    let listeners = Listeners {
        api,
        admin: Some(admin),
        client: Some(client),
    };
    spawn_on(
        |s| {
            s.portals.admin_dir = Some(root.join("admin-ui/dist"));
            s.portals.admin_port = Some(admin_port);
            s.portals.client_dir = Some(root.join("client-ui/dist"));
            s.portals.client_port = Some(client_port);
            s.email.admin_portal_url =
                url::Url::parse(&format!("http://localhost:{admin_port}")).expect("a URL");
            s.email.client_portal_url =
                url::Url::parse(&format!("http://localhost:{client_port}")).expect("a URL");
        },
        listeners,
    )
    .await
}

/// A socket on a free port of 127.0.0.1, bound now and kept for the app.
fn hold_port() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    (listener, port)
}

/// Writes the application's log (JSON lines, identifiers only, as in
/// production) to `path`, filtered by `filter` (an `EnvFilter` directive such
/// as `caucus_api=info`): for a benchmark whose run is to be explained
/// afterwards. Once per process.
pub fn log_to_file(path: &std::path::Path, filter: &str) -> anyhow::Result<()> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let file = std::fs::File::create(path)?;
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::try_new(filter)?)
        .with(crate::telemetry::json_log_layer(std::sync::Mutex::new(
            file,
        )))
        .try_init()?;
    Ok(())
}
