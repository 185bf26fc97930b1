//! `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4).
//! Clients authenticate with HTTP Basic or with `client_id`/`client_secret` in
//! the form. Errors use the RFC's codes.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::authz::Scope;
use crate::partner::{PartnerToken, hash_secret};
use crate::state::AppState;

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        serde_json::json!({ "error": error }).to_string(),
    )
        .into_response()
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

pub async fn token(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type || body.len() > 4096 {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let credentials = basic_credentials(&headers).or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    });
    let Some((client_id, secret)) = credentials else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let address = peer.map(|p| p.0.0.ip().to_string());
    match state
        .sign_in_throttle
        .is_limited(&client_id, address.as_deref())
        .await
    {
        Ok(false) => {}
        Ok(true) => return oauth_error(StatusCode::TOO_MANY_REQUESTS, "slow_down"),
        Err(_) => return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
    }
    let row = match state.db.unscoped_service_account(&client_id).await {
        Ok(row) => row,
        Err(_) => return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
    };
    let account = row.and_then(|row| {
        Some((
            row.try_get::<Uuid>("", "id").ok()?,
            row.try_get::<Uuid>("", "org_id").ok()?,
            row.try_get::<Vec<u8>>("", "secret_hash").ok()?,
            row.try_get::<Vec<String>>("", "scopes").ok()?,
            row.try_get::<bool>("", "revoked").ok()?,
        ))
    });
    let presented = hash_secret(&secret);
    let valid = account.as_ref().is_some_and(|(_, _, stored, _, revoked)| {
        !revoked && bool::from(stored.as_slice().ct_eq(presented.as_slice()))
    });
    let Some((id, org_id, _, granted, _)) = account.filter(|_| valid) else {
        let _ = state
            .sign_in_throttle
            .record_failure(&client_id, address.as_deref())
            .await;
        tracing::info!("partner token refused");
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let granted: Vec<Scope> = granted.iter().filter_map(|s| Scope::parse(s)).collect();
    // A narrower scope may be asked for; never a wider one.
    let scopes = match form.get("scope") {
        None => granted,
        Some(asked) => {
            let mut wanted = Vec::new();
            for key in asked.split_whitespace() {
                match Scope::parse(key).filter(|s| granted.contains(s)) {
                    Some(scope) => wanted.push(scope),
                    None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope"),
                }
            }
            wanted
        }
    };
    let token = PartnerToken {
        service_account_id: id,
        org_id,
        scopes: scopes.clone(),
    };
    let access = match state.partner_tokens.issue(&token).await {
        Ok(access) => access,
        Err(_) => return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
    };
    if let Err(error) = mark_used(&state, id, org_id).await {
        // The token is good; only the "last used" time shown to admins is late.
        crate::error::report_internal(&anyhow::Error::new(error));
    }
    tracing::info!(service_account_id = %id, org_id = %org_id, "partner token issued");
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        serde_json::json!({
            "access_token": access.expose(),
            "token_type": "Bearer",
            "expires_in": state.partner_tokens.ttl_secs(),
            "scope": scopes.iter().map(|s| s.key()).collect::<Vec<_>>().join(" "),
        })
        .to_string(),
    )
        .into_response()
}

/// Records when the credential last obtained a token.
async fn mark_used(state: &AppState, id: Uuid, org_id: Uuid) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let tx = state
        .db
        .tenant(crate::db::TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE service_accounts SET last_used_at = now() WHERE id = $1",
            [id.into()],
        ))
        .await?;
    tx.commit().await
}
