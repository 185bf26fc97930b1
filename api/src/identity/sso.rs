//! Single sign-on with an organization's OpenID Connect providers, through
//! `openidconnect`: authorization code flow with PKCE, a one-time `state`
//! and `nonce` kept in Redis, and the ID token validated against the
//! provider's JWKS (signature, issuer, audience, expiry, nonce).
//!
//! People are matched by a verified email address in one of the connection's
//! domains. Someone new (or new to this organization) is provisioned just in
//! time with the connection's default role. The provider sends the browser
//! back to one callback on the API (`{server.public_url}/auth/sso/callback`);
//! it hands the sign-in over to the portal with a one-time token in the URL
//! fragment, which the portal redeems on its own origin so the session cookie
//! is set there.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::RoleKey;
use crate::crypto::DataKey;
use crate::db::{Db, TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::kv::Kv;
use crate::redact::Sensitive;

/// How long a person may take at their provider.
const STATE_SECS: i64 = 600;
/// How long the portal has to redeem a finished sign-in.
const HANDOFF_SECS: i64 = 120;
/// How long a provider's metadata and keys are reused.
const METADATA_SECS: u64 = 300;
const STATE: &str = "sso-state";
const HANDOFF: &str = "sso-handoff";

/// The roles a connection may give to people it brings in: never an
/// administrator's.
pub const PROVISIONABLE: &[RoleKey] = &[
    RoleKey::CaseManager,
    RoleKey::Mediator,
    RoleKey::Party,
    RoleKey::PartyRepresentative,
    RoleKey::Observer,
    RoleKey::BillingAdmin,
    RoleKey::ComplianceOfficer,
];

/// Which portal the person started from, and goes back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Portal {
    Admin,
    Client,
}

/// A connection as stored (the secret still sealed).
pub struct Connection {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    client_secret_sealed: Option<Vec<u8>>,
    pub email_domains: Vec<String>,
    pub default_role: RoleKey,
    pub enabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A client made from a provider's discovered metadata.
type ProviderClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

#[derive(Serialize, Deserialize)]
struct PendingState {
    connection_id: Uuid,
    org_id: Uuid,
    pkce_verifier: String,
    nonce: String,
    portal: Portal,
}

#[derive(Serialize, Deserialize)]
struct Handoff {
    user_id: Uuid,
    org_id: Uuid,
}

/// Why a sign-in through a provider did not happen: shown by the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsoFailure {
    /// The state was unknown, used or expired (a forged or replayed callback).
    Expired,
    /// The provider said no, or its answer did not validate.
    Refused,
    /// The address is not verified or not in the connection's domains.
    NotAllowed,
    /// The account exists but is suspended.
    Suspended,
}

impl SsoFailure {
    pub fn code(self) -> &'static str {
        match self {
            SsoFailure::Expired => "LINK_EXPIRED",
            SsoFailure::Refused => "INVALID_CREDENTIALS",
            SsoFailure::NotAllowed | SsoFailure::Suspended => "FORBIDDEN",
        }
    }
}

#[derive(Clone)]
pub struct Sso {
    http: openidconnect::reqwest::Client,
    callback: RedirectUrl,
    metadata: Arc<Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>>,
    kv: Kv,
}

impl Sso {
    pub fn new(public_url: &url::Url, kv: Kv) -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would let a provider point us anywhere.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .context("building the SSO HTTP client")?;
        let callback = RedirectUrl::from_url(
            public_url
                .join("/auth/sso/callback")
                .context("invalid configuration: server.public_url")?,
        );
        Ok(Self {
            http,
            callback,
            metadata: Arc::new(Mutex::new(HashMap::new())),
            kv,
        })
    }

    /// The redirect URI to register at the provider.
    pub fn callback_url(&self) -> &str {
        self.callback.as_str()
    }

    async fn provider(&self, issuer: &str) -> AppResult<CoreProviderMetadata> {
        let mut cache = self.metadata.lock().await;
        if let Some((at, metadata)) = cache.get(issuer)
            && at.elapsed() < Duration::from_secs(METADATA_SECS)
        {
            return Ok(metadata.clone());
        }
        let issuer_url = IssuerUrl::new(issuer.to_owned())
            .map_err(|_| AppError::validation("issuer", "format"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &self.http)
            .await
            .map_err(|error| {
                AppError::Internal(anyhow::anyhow!("discovering the SSO provider: {error}"))
            })?;
        cache.insert(issuer.to_owned(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    async fn client(
        &self,
        connection: &Connection,
        data_key: &DataKey,
    ) -> AppResult<ProviderClient> {
        let metadata = self.provider(&connection.issuer).await?;
        let secret = connection
            .client_secret(data_key)?
            .map(|s| ClientSecret::new(s.into_inner()));
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(connection.client_id.clone()),
            secret,
        )
        .set_redirect_uri(self.callback.clone()))
    }

    /// Where to send the browser to sign in through `connection_id`.
    pub async fn start(
        &self,
        db: &Db,
        data_key: &DataKey,
        connection_id: Uuid,
        portal: Portal,
    ) -> AppResult<url::Url> {
        let org_id = db
            .unscoped_sso_connection_org(connection_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let tx = db
            .tenant(TenantScope {
                org_id,
                user_id: None,
            })
            .await?;
        let connection = find(&tx, connection_id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let client = self.client(&connection, data_key).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = Nonce::new_random();
        let pending = PendingState {
            connection_id,
            org_id,
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            portal,
        };
        let state = self.kv.put_once(STATE, &pending, STATE_SECS).await?;
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || nonce,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        tracing::info!(org_id = %org_id, connection_id = %connection_id, "single sign-on started");
        Ok(url)
    }

    /// Finishes a sign-in at the callback: checks the state, exchanges the
    /// code (with the PKCE verifier), validates the ID token (with the nonce),
    /// and finds or provisions the person. Returns the portal to go back to
    /// and, on success, a one-time handoff token for it.
    pub async fn callback(
        &self,
        db: &Db,
        data_key: &DataKey,
        client_info: &ClientInfo,
        code: &str,
        state: &str,
    ) -> (Option<Portal>, Result<Sensitive<String>, SsoFailure>) {
        let pending: PendingState = match self.kv.take_once(STATE, state).await {
            Ok(Some(pending)) => pending,
            Ok(None) => return (None, Err(SsoFailure::Expired)),
            Err(error) => {
                crate::error::report_internal(&error);
                return (None, Err(SsoFailure::Refused));
            }
        };
        let portal = pending.portal;
        let outcome = self.finish(db, data_key, client_info, code, pending).await;
        (Some(portal), outcome)
    }

    async fn finish(
        &self,
        db: &Db,
        data_key: &DataKey,
        client_info: &ClientInfo,
        code: &str,
        pending: PendingState,
    ) -> Result<Sensitive<String>, SsoFailure> {
        let refused = |what: &str, error: &dyn std::fmt::Display| {
            tracing::info!(connection_id = %pending.connection_id, reason = %error, "single sign-on refused: {what}");
            SsoFailure::Refused
        };
        let scope = TenantScope {
            org_id: pending.org_id,
            user_id: None,
        };
        let tx = db
            .tenant(scope)
            .await
            .map_err(|e| refused("database", &e))?;
        let connection = match find(&tx, pending.connection_id).await {
            Ok(Some(c)) if c.enabled => c,
            _ => return Err(SsoFailure::Expired),
        };
        let client = self
            .client(&connection, data_key)
            .await
            .map_err(|e| refused("provider", &e.code()))?;
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| refused("token endpoint", &e))?;
        let tokens = request
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| refused("code exchange", &e))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| refused("no ID token", &"missing"))?;
        let claims = id_token
            .claims(
                &client.id_token_verifier(),
                &Nonce::new(pending.nonce.clone()),
            )
            .map_err(|e| refused("ID token", &e))?;
        // Providers put the address in the ID token or only behind the
        // userinfo endpoint (for the subject the ID token named).
        let (email, verified, name) = match claims.email() {
            Some(email) => (
                email.as_str().to_owned(),
                claims.email_verified() == Some(true),
                claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            ),
            None => {
                let info: openidconnect::core::CoreUserInfoClaims = client
                    .user_info(
                        tokens.access_token().clone(),
                        Some(claims.subject().clone()),
                    )
                    .map_err(|e| refused("userinfo endpoint", &e))?
                    .request_async(&self.http)
                    .await
                    .map_err(|e| refused("userinfo", &e))?;
                (
                    info.email()
                        .map(|e| e.as_str().to_owned())
                        .unwrap_or_default(),
                    info.email_verified() == Some(true),
                    info.name()
                        .and_then(|n| n.get(None))
                        .map(|n| n.as_str().to_owned()),
                )
            }
        };
        let email = email.trim().to_lowercase();
        let domain = email.rsplit_once('@').map(|(_, d)| d.to_owned());
        let allowed = verified
            && domain
                .as_deref()
                .is_some_and(|d| connection.email_domains.iter().any(|allowed| allowed == d));
        if !allowed {
            tracing::info!(connection_id = %connection.id, verified, "single sign-on refused: address not allowed");
            return Err(SsoFailure::NotAllowed);
        }
        let name = name.unwrap_or_default();
        let user_id = provision(db, tx, client_info, &connection, &email, &name)
            .await
            .map_err(|error| match error {
                AppError::Forbidden => SsoFailure::Suspended,
                other => refused("provisioning", &other.code()),
            })?;
        self.kv
            .put_once(
                HANDOFF,
                &Handoff {
                    user_id,
                    org_id: connection.org_id,
                },
                HANDOFF_SECS,
            )
            .await
            .map(Sensitive::new)
            .map_err(|e| refused("handoff", &e))
    }

    /// Redeems a handoff token (once): the person and organization to sign in.
    pub async fn redeem(&self, token: &str) -> AppResult<(Uuid, Uuid)> {
        let handoff: Handoff = self
            .kv
            .take_once(HANDOFF, token)
            .await?
            .ok_or(AppError::LinkExpired)?;
        Ok((handoff.user_id, handoff.org_id))
    }
}

/// Finds the person with `email` or creates them, and gives them the
/// connection's default role here if they hold no role yet. Commits `tx`.
async fn provision(
    db: &Db,
    tx: TenantTx,
    client: &ClientInfo,
    connection: &Connection,
    email: &str,
    name: &str,
) -> AppResult<Uuid> {
    let conn = tx.conn();
    let user_id = match db.unscoped_sign_in_lookup(email).await? {
        Some(existing) if existing.status != "active" => return Err(AppError::Forbidden),
        Some(existing) => existing.user_id,
        None => {
            let user_id = Uuid::now_v7();
            conn.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO users (id, email, auth_provider) VALUES ($1, $2, 'oidc')",
                [user_id.into(), email.into()],
            ))
            .await?;
            let name = if name.trim().is_empty() {
                email.split('@').next().unwrap_or(email).to_owned()
            } else {
                name.chars().take(200).collect()
            };
            conn.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO profiles (user_id, name) VALUES ($1, $2)",
                [user_id.into(), name.into()],
            ))
            .await?;
            user_id
        }
    };
    let granted = conn
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO user_roles (org_id, user_id, role_id)
             SELECT $1, $2, r.id FROM roles r
             WHERE r.key = $3
               AND NOT EXISTS (SELECT 1 FROM user_roles ur WHERE ur.org_id = $1 AND ur.user_id = $2)",
            [
                connection.org_id.into(),
                user_id.into(),
                connection.default_role.key().into(),
            ],
        ))
        .await?;
    if granted.rows_affected() > 0 {
        audit::record(
            &tx,
            client,
            NewEntry::new(None, AuditAction::RoleChanged).target("user", user_id),
        )
        .await?;
        tracing::info!(user_id = %user_id, connection_id = %connection.id, "provisioned through single sign-on");
    }
    tx.commit().await?;
    Ok(user_id)
}

const COLUMNS: &str = "id, org_id, name, issuer, client_id, client_secret_sealed, email_domains, default_role, enabled, created_at";

fn from_row(row: &sea_orm::QueryResult) -> AppResult<Connection> {
    let role: String = row.try_get("", "default_role")?;
    Ok(Connection {
        id: row.try_get("", "id")?,
        org_id: row.try_get("", "org_id")?,
        name: row.try_get("", "name")?,
        issuer: row.try_get("", "issuer")?,
        client_id: row.try_get("", "client_id")?,
        client_secret_sealed: row.try_get("", "client_secret_sealed")?,
        email_domains: row.try_get("", "email_domains")?,
        default_role: RoleKey::parse(&role).context("an unknown default role")?,
        enabled: row.try_get("", "enabled")?,
        created_at: crate::db::utc(row, "created_at")?,
    })
}

impl Connection {
    pub fn has_client_secret(&self) -> bool {
        self.client_secret_sealed.is_some()
    }

    fn client_secret(&self, key: &DataKey) -> AppResult<Option<Sensitive<String>>> {
        self.client_secret_sealed
            .as_deref()
            .map(|sealed| {
                let plain = key
                    .open(sealed, self.id.as_bytes())
                    .context("opening an SSO client secret")?;
                Ok(Sensitive::new(
                    String::from_utf8(plain).context("an SSO client secret is not UTF-8")?,
                ))
            })
            .transpose()
    }
}

/// One of the transaction's organization's connections.
pub async fn find(tx: &TenantTx, id: Uuid) -> AppResult<Option<Connection>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM sso_connections WHERE id = $1"),
            [id.into()],
        ))
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The organization's connections, oldest first.
pub async fn list(tx: &TenantTx) -> AppResult<Vec<Connection>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM sso_connections ORDER BY created_at"),
        ))
        .await?;
    rows.iter().map(from_row).collect()
}

/// A new connection, as an org admin describes it.
pub struct NewConnection {
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<Sensitive<String>>,
    pub email_domains: Vec<String>,
    pub default_role: RoleKey,
}

/// An issuer must be `https`, except on this machine (a provider run
/// locally for development or tests).
fn valid_issuer(issuer: &str) -> bool {
    let Ok(url) = url::Url::parse(issuer) else {
        return false;
    };
    let loopback = matches!(url.host(), Some(url::Host::Domain("localhost")))
        || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    (url.scheme() == "https" || (url.scheme() == "http" && loopback))
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
}

fn valid_domain(domain: &str) -> bool {
    (3..=253).contains(&domain.len())
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Validates and stores a connection; nothing is written if any field is invalid.
pub async fn create(tx: &TenantTx, key: &DataKey, new: NewConnection) -> AppResult<Uuid> {
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::validation("name", "length"));
    }
    let issuer = new.issuer.trim().to_owned();
    if issuer.len() > 500 || !valid_issuer(&issuer) {
        return Err(AppError::validation("issuer", "format"));
    }
    let client_id = new.client_id.trim().to_owned();
    if client_id.is_empty() || client_id.len() > 500 {
        return Err(AppError::validation("clientId", "length"));
    }
    let mut domains: Vec<String> = new
        .email_domains
        .iter()
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    domains.sort();
    domains.dedup();
    if domains.is_empty() || domains.len() > 20 || !domains.iter().all(|d| valid_domain(d)) {
        return Err(AppError::validation("emailDomains", "format"));
    }
    if !PROVISIONABLE.contains(&new.default_role) {
        return Err(AppError::validation("defaultRole", "not_allowed"));
    }
    let id = Uuid::now_v7();
    let sealed = new
        .client_secret
        .filter(|s| !s.expose().is_empty())
        .map(|secret| {
            if secret.expose().len() > 500 {
                return Err(AppError::validation("clientSecret", "length"));
            }
            Ok(key
                .seal(secret.expose().as_bytes(), id.as_bytes())
                .context("sealing an SSO client secret")?)
        })
        .transpose()?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO sso_connections (id, org_id, name, issuer, client_id, client_secret_sealed, email_domains, default_role)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                id.into(),
                tx.scope().org_id.into(),
                name.into(),
                issuer.into(),
                client_id.into(),
                sealed.into(),
                domains.into(),
                new.default_role.key().into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// Adds a connection to `org_id` unless one with the same issuer and client
/// id is there (the admin CLI, and the run command's demo); returns the new id.
pub async fn connect_once(
    db: &Db,
    key: &DataKey,
    org_id: Uuid,
    new: NewConnection,
) -> AppResult<Option<Uuid>> {
    let tx = db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    let exists = list(&tx)
        .await?
        .iter()
        .any(|c| c.issuer == new.issuer.trim() && c.client_id == new.client_id.trim());
    if exists {
        tx.commit().await?;
        return Ok(None);
    }
    let id = create(&tx, key, new).await?;
    audit::record(
        &tx,
        &ClientInfo::default(),
        NewEntry::new(None, AuditAction::SsoConnectionChanged).target("sso_connection", id),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Turns a connection on or off; false when there is no such connection here.
pub async fn set_enabled(tx: &TenantTx, id: Uuid, enabled: bool) -> AppResult<bool> {
    let changed = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE sso_connections SET enabled = $2 WHERE id = $1",
            [id.into(), enabled.into()],
        ))
        .await?;
    Ok(changed.rows_affected() == 1)
}

/// Deletes a connection; false when there is no such connection here.
pub async fn delete(tx: &TenantTx, id: Uuid) -> AppResult<bool> {
    let deleted = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM sso_connections WHERE id = $1",
            [id.into()],
        ))
        .await?;
    Ok(deleted.rows_affected() == 1)
}

/// The enabled connections of an organization, for its sign-in page.
pub async fn enabled_for_sign_in(tx: &TenantTx) -> AppResult<Vec<(Uuid, String)>> {
    Ok(list(tx)
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .map(|c| (c.id, c.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_local() {
        assert!(valid_issuer("https://login.example.org"));
        assert!(valid_issuer("https://login.example.org/realms/acme"));
        assert!(valid_issuer("http://127.0.0.1:5556/dex"));
        assert!(valid_issuer("http://localhost:9998/"));
        assert!(!valid_issuer("http://login.example.org"));
        assert!(!valid_issuer("http://10.0.0.5/"));
        assert!(!valid_issuer("https://user:pw@login.example.org"));
        assert!(!valid_issuer("https://login.example.org/?x=1"));
        assert!(!valid_issuer("ftp://login.example.org"));
        assert!(!valid_issuer("not a url"));
    }

    #[test]
    fn domains_are_plain_host_names() {
        assert!(valid_domain("acme-mediation.org"));
        assert!(valid_domain("court.ca.gov"));
        assert!(!valid_domain("localhost"));
        assert!(!valid_domain("-acme.org"));
        assert!(!valid_domain("acme..org"));
        assert!(!valid_domain("acme.org/x"));
        assert!(!valid_domain("ACME.org"));
    }
}
