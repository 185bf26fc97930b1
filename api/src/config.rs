//! Configuration: defaults → file → `CAUCUS__…` environment variables, parsed
//! once at start into [`Settings`]. A bad value stops start-up with a message that
//! names the key.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../config/default.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Test,
    Production,
}

impl Environment {
    /// Introspection and GraphiQL are served only here.
    pub fn is_development(self) -> bool {
        matches!(self, Environment::Development | Environment::Test)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    #[serde(default)]
    pub portals: PortalSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub graphql: GraphqlSettings,
    pub session: SessionSettings,
    pub throttle: ThrottleSettings,
    pub consent: ConsentSettings,
    pub partner: PartnerSettings,
    pub security: SecuritySettings,
    pub webauthn: WebauthnSettings,
    pub email: EmailSettings,
    pub worker: WorkerSettings,
    pub telemetry: TelemetrySettings,
    #[serde(default)]
    pub calendar: CalendarSettings,
    #[serde(default)]
    pub video: VideoSettings,
    #[serde(default)]
    pub sms: SmsSettings,
}

/// Which provider sends SMS (see `crate::sms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmsProviderKind {
    /// Kept in the `sms_outbox` table, where org admins read them
    /// (development and tests).
    #[default]
    Outbox,
    /// Twilio's Messages API.
    Twilio,
    /// No SMS at all.
    Off,
}

/// SMS session notices and the provider that sends them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsSettings {
    pub provider: SmsProviderKind,
    /// Each request to the provider, whole.
    pub request_timeout_secs: u64,
    pub twilio: TwilioSettings,
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            provider: SmsProviderKind::Outbox,
            request_timeout_secs: 10,
            twilio: TwilioSettings::default(),
        }
    }
}

/// Twilio's Messages REST API. Either `from` (a number of the account) or
/// `messaging_service_sid` is needed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TwilioSettings {
    /// Where the API is: the real one by default, a local stand-in in tests.
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: SecretString,
    pub from: String,
    pub messaging_service_sid: String,
}

impl Default for TwilioSettings {
    fn default() -> Self {
        Self {
            base_url: "https://api.twilio.com".into(),
            account_sid: String::new(),
            auth_token: SecretString::from(String::new()),
            from: String::new(),
            messaging_service_sid: String::new(),
        }
    }
}

/// The LiveKit server that carries the sessions' audio and video.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoSettings {
    /// The server's address for browsers (`ws://` or `wss://`).
    pub url: String,
    /// The same server for the API's room service calls (`http://` or `https://`).
    pub api_url: String,
    pub api_key: String,
    /// Signs access tokens and verifies webhooks; empty turns video off.
    pub api_secret: SecretString,
    /// How long a LiveKit access token may be used to connect.
    pub token_ttl_secs: u64,
    /// How long a proven device's pass to the lobby and room lasts.
    pub pass_ttl_secs: u64,
    /// How long after a session's planned end its join links still work.
    pub link_grace_minutes: i64,
}

impl Default for VideoSettings {
    fn default() -> Self {
        Self {
            url: "ws://127.0.0.1:7880".into(),
            api_url: "http://127.0.0.1:7880".into(),
            api_key: "caucus".into(),
            api_secret: SecretString::from(String::new()),
            token_ttl_secs: 600,
            pass_ttl_secs: 4 * 3600,
            link_grace_minutes: 120,
        }
    }
}

/// Which CalDAV servers mediators may connect (see `scheduling::caldav`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CalendarHosts {
    /// `https://` servers whose addresses are all public (production).
    #[default]
    Public,
    /// Servers on this machine only, `http://` allowed (development, tests).
    Loopback,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalendarSettings {
    pub hosts: CalendarHosts,
    /// Each request to a calendar server, whole.
    pub request_timeout_secs: u64,
    /// How often each connected calendar is read and written.
    pub sync_interval_secs: u64,
    /// Google Calendar through OAuth2: offered when a client id is set.
    pub google: OAuthCalendarSettings,
    /// Microsoft 365 (Outlook) calendars through OAuth2 and Microsoft Graph.
    pub microsoft: OAuthCalendarSettings,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        Self {
            hosts: CalendarHosts::Public,
            request_timeout_secs: 15,
            sync_interval_secs: 900,
            google: OAuthCalendarSettings::default(),
            microsoft: OAuthCalendarSettings::default(),
        }
    }
}

/// An OAuth2 calendar provider's client registration and endpoints. The
/// endpoints default to the provider's real ones (see
/// `scheduling::oauth_calendar`); tests point them at a loopback server.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthCalendarSettings {
    /// Empty: the provider is not offered.
    pub client_id: String,
    pub client_secret: SecretString,
    pub authorization_url: Option<url::Url>,
    pub token_url: Option<url::Url>,
    /// The REST API's base (Google Calendar v3, Microsoft Graph v1.0).
    pub api_url: Option<url::Url>,
}

impl OAuthCalendarSettings {
    pub fn is_configured(&self) -> bool {
        !self.client_id.trim().is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: IpAddr,
    pub port: u16,
    pub public_url: url::Url,
    pub allowed_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalSettings {
    pub admin_dir: Option<PathBuf>,
    pub admin_port: Option<u16>,
    pub client_dir: Option<PathBuf>,
    pub client_port: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub migration_url: Option<SecretString>,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    pub url: SecretString,
    pub key_prefix: String,
    pub pool_size: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphqlSettings {
    pub max_depth: usize,
    pub max_complexity: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    pub cookie_name: String,
    pub idle_timeout_secs: u64,
    pub absolute_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub data_key: SecretString,
}

/// Passkeys: the relying party they are bound to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebauthnSettings {
    /// The domain passkeys belong to: the portals' host name, or a parent of it.
    pub rp_id: String,
    /// The name browsers show when asking for a passkey.
    pub rp_name: String,
    /// The portals' origins: passkeys are accepted from these only.
    pub origins: Vec<url::Url>,
    /// Accept any port on those origins (development and tests, where ports vary).
    pub allow_any_port: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerSettings {
    pub token_ttl_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentSettings {
    pub terms_version: String,
    pub privacy_version: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub smtp_url: SecretString,
    pub from: String,
    pub admin_portal_url: url::Url,
    pub client_portal_url: url::Url,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    pub in_process: bool,
    pub poll_interval_ms: u64,
    pub batch_size: u32,
    pub lease_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSettings {
    pub sign_in_failures_per_account: u32,
    pub sign_in_failures_per_address: u32,
    pub window_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    pub log_filter: String,
    pub service_name: String,
    pub otlp_endpoint: Option<url::Url>,
}

impl Settings {
    /// Loads defaults, then `file` (if given), then `CAUCUS__…` variables from the
    /// process environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(file, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given explicitly (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let env: config::Map<String, String> = env
            .into_iter()
            .filter(|(key, _)| key.starts_with("CAUCUS__"))
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("CAUCUS")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("server.allowed_origins")
                .with_list_parse_key("webauthn.origins")
                .try_parsing(true)
                .source(Some(env)),
        );
        let settings: Settings = builder
            .build()
            .context("reading configuration")?
            .try_deserialize()
            .map_err(|error| anyhow::anyhow!("invalid configuration: {error}"))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let check = |ok: bool, key: &str, why: &str| {
            if ok {
                Ok(())
            } else {
                Err(anyhow::anyhow!("invalid configuration: {key}: {why}"))
            }
        };
        check(
            self.server.body_limit_bytes >= 1024,
            "server.body_limit_bytes",
            "must be at least 1024",
        )?;
        check(
            self.database.max_connections >= self.database.min_connections
                && self.database.max_connections > 0,
            "database.max_connections",
            "must be positive and at least database.min_connections",
        )?;
        check(
            self.graphql.max_depth >= 2,
            "graphql.max_depth",
            "must be at least 2",
        )?;
        check(
            self.graphql.max_complexity >= 10,
            "graphql.max_complexity",
            "must be at least 10",
        )?;
        check(
            self.session.idle_timeout_secs > 0
                && self.session.idle_timeout_secs <= self.session.absolute_timeout_secs,
            "session.idle_timeout_secs",
            "must be positive and at most session.absolute_timeout_secs",
        )?;
        check(
            self.throttle.sign_in_failures_per_account > 0
                && self.throttle.sign_in_failures_per_address > 0
                && self.throttle.window_secs > 0,
            "throttle.window_secs",
            "throttle limits and window must be positive",
        )?;
        check(
            self.worker.batch_size > 0 && self.worker.lease_secs > 0,
            "worker.batch_size",
            "worker.batch_size and worker.lease_secs must be positive",
        )?;
        check(
            (1..=120).contains(&self.calendar.request_timeout_secs)
                && self.calendar.sync_interval_secs >= 60,
            "calendar.request_timeout_secs",
            "calendar.request_timeout_secs must be 1–120 and calendar.sync_interval_secs at least 60",
        )?;
        for (name, provider) in [
            ("calendar.google", &self.calendar.google),
            ("calendar.microsoft", &self.calendar.microsoft),
        ] {
            use secrecy::ExposeSecret as _;
            let urls = [
                &provider.authorization_url,
                &provider.token_url,
                &provider.api_url,
            ];
            let allowed = |u: &url::Url| {
                u.scheme() == "https"
                    || (self.calendar.hosts == CalendarHosts::Loopback && u.scheme() == "http")
            };
            check(
                urls.iter().all(|u| u.as_ref().is_none_or(allowed)),
                name,
                "endpoints must be https:// (http:// only with calendar.hosts = \"loopback\")",
            )?;
            check(
                !provider.is_configured() || !provider.client_secret.expose_secret().is_empty(),
                name,
                "a client_id needs its client_secret",
            )?;
        }
        check(
            (1..=60).contains(&self.sms.request_timeout_secs),
            "sms.request_timeout_secs",
            "must be 1–60",
        )?;
        if self.sms.provider == SmsProviderKind::Twilio {
            let t = &self.sms.twilio;
            check(
                t.account_sid.starts_with("AC") && t.account_sid.len() == 34,
                "sms.twilio.account_sid",
                "must be a Twilio account SID (AC followed by 32 characters)",
            )?;
            check(
                !secrecy::ExposeSecret::expose_secret(&t.auth_token).is_empty(),
                "sms.twilio.auth_token",
                "must be set",
            )?;
            check(
                t.from.is_empty() != t.messaging_service_sid.is_empty()
                    && (t.from.is_empty() || crate::sms::PhoneNumber::parse(&t.from).is_ok()),
                "sms.twilio.from",
                "set either sms.twilio.from (an E.164 number) or sms.twilio.messaging_service_sid",
            )?;
            check(
                url::Url::parse(&t.base_url).is_ok_and(|u| matches!(u.scheme(), "https" | "http")),
                "sms.twilio.base_url",
                "must be an http(s) address",
            )?;
        }
        check(
            !self.redis.key_prefix.is_empty(),
            "redis.key_prefix",
            "must not be empty",
        )?;
        check(
            self.portals.admin_dir.is_some() == self.portals.admin_port.is_some(),
            "portals.admin_port",
            "portals.admin_dir and portals.admin_port are set together",
        )?;
        check(
            self.portals.client_dir.is_some() == self.portals.client_port.is_some(),
            "portals.client_port",
            "portals.client_dir and portals.client_port are set together",
        )?;
        {
            use secrecy::ExposeSecret;
            check(
                self.environment != Environment::Production
                    || self.security.data_key.expose_secret() != crate::crypto::DEVELOPMENT_KEY,
                "security.data_key",
                "the development key cannot be used in production",
            )?;
        }
        crate::crypto::DataKey::from_settings(&self.security)?;
        tracing_subscriber::EnvFilter::try_new(&self.telemetry.log_filter).map_err(|error| {
            anyhow::anyhow!("invalid configuration: telemetry.log_filter: {error}")
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_load() -> anyhow::Result<()> {
        let settings = Settings::load_from(None, env(&[]))?;
        assert_eq!(settings.server.port, 8080);
        assert_eq!(settings.environment, Environment::Development);
        Ok(())
    }

    #[test]
    fn environment_overrides_defaults() -> anyhow::Result<()> {
        let settings = Settings::load_from(
            None,
            env(&[
                ("CAUCUS__SERVER__PORT", "9123"),
                ("CAUCUS__ENVIRONMENT", "production"),
                (
                    "CAUCUS__SECURITY__DATA_KEY",
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ),
                (
                    "CAUCUS__SERVER__ALLOWED_ORIGINS",
                    "https://a.example,https://b.example",
                ),
                ("OTHER__SERVER__PORT", "1"),
            ]),
        )?;
        assert_eq!(settings.server.port, 9123);
        assert_eq!(settings.environment, Environment::Production);
        assert_eq!(
            settings.server.allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
        Ok(())
    }

    #[test]
    fn bad_value_names_the_key() {
        let error = Settings::load_from(None, env(&[("CAUCUS__SERVER__PORT", "eighty")]))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(error.contains("server.port"), "{error}");

        let error = Settings::load_from(None, env(&[("CAUCUS__GRAPHQL__MAX_DEPTH", "1")]))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(error.contains("graphql.max_depth"), "{error}");

        let error = Settings::load_from(None, env(&[("CAUCUS__ENVIRONMENT", "production")]))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(error.contains("security.data_key"), "{error}");

        let error = Settings::load_from(None, env(&[("CAUCUS__ENVIRONMENT", "staging")]))
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(error.contains("environment"), "{error}");
    }

    #[test]
    fn secrets_are_not_printed_by_debug() -> anyhow::Result<()> {
        let settings = Settings::load_from(
            None,
            env(&[(
                "CAUCUS__DATABASE__URL",
                "postgres://caucus_app:hunter2secret@127.0.0.1/caucus",
            )]),
        )?;
        let printed = format!("{settings:?}");
        assert!(!printed.contains("hunter2secret"), "{printed}");
        Ok(())
    }
}
