//! Keeping and syncing OAuth calendar connections (Google, Microsoft): the
//! connection's row with its sealed tokens, and the sync's talk with the
//! provider (the plan and the recording are [`super::caldav`]'s).

use std::collections::HashSet;

use anyhow::Context as _;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::caldav::DavError;
use super::caldav::{
    self, CONNECTION_COLUMNS, Connection, HORIZON_DAYS, MAX_CONNECTIONS, Outcome, Plan, Remote,
    SessionTexts, internal, merge, token_context,
};
use super::oauth_calendar::{self, Api, EventBody, ProviderConfig, Tokens};
use crate::crypto::tenant::TenantKey;
use crate::db::{TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// An access token this close to expiring is refreshed first.
const REFRESH_MARGIN_SECS: i64 = 60;

fn sealed(key: &TenantKey, id: Uuid, tokens: &Tokens) -> AppResult<(Vec<u8>, Vec<u8>)> {
    Ok((
        key.seal_str(
            tokens.refresh.expose_secret(),
            &token_context("refresh_token", id),
        )?,
        key.seal_str(
            tokens.access.expose_secret(),
            &token_context("access_token", id),
        )?,
    ))
}

/// Keeps a connection to the mediator's calendar at `config`'s provider
/// (connecting again replaces its tokens) and queues its first sync.
pub async fn save(
    tx: &TenantTx,
    key: &TenantKey,
    user_id: Uuid,
    config: &ProviderConfig,
    tokens: &Tokens,
) -> AppResult<Connection> {
    let url = config.calendar_url();
    let existing = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM calendar_connections WHERE user_id = $1 AND provider = $2 FOR UPDATE",
            [user_id.into(), config.provider.as_str().into()],
        ))
        .await?;
    let id = match existing {
        Some(row) => {
            let id: Uuid = row.try_get("", "id")?;
            let (refresh, access) = sealed(key, id, tokens)?;
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE calendar_connections SET url = $2, refresh_token_sealed = $3, access_token_sealed = $4,
                     access_expires_at = $5, last_error = NULL WHERE id = $1",
                    [
                        id.into(),
                        url.into(),
                        refresh.into(),
                        access.into(),
                        tokens.expires_at.into(),
                    ],
                ))
                .await?;
            id
        }
        None => {
            let count = super::caldav::connection_count(tx, user_id).await?;
            if count >= MAX_CONNECTIONS {
                return Err(AppError::validation("provider", "too_many"));
            }
            let id = Uuid::now_v7();
            let (refresh, access) = sealed(key, id, tokens)?;
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO calendar_connections (id, org_id, user_id, provider, url, username,
                         refresh_token_sealed, access_token_sealed, access_expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    [
                        id.into(),
                        tx.scope().org_id.into(),
                        user_id.into(),
                        config.provider.as_str().into(),
                        url.into(),
                        config.calendar_name().into(),
                        refresh.into(),
                        access.into(),
                        tokens.expires_at.into(),
                    ],
                ))
                .await?;
            id
        }
    };
    caldav::enqueue_soon(tx, id).await?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {CONNECTION_COLUMNS} FROM calendar_connections WHERE id = $1"),
            [id.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("saved connection missing")))?;
    caldav::connection_from_row(&row)
}

/// Keeps refreshed tokens at once, in their own transaction that locks the
/// connection (one removed meanwhile keeps nothing).
async fn keep_tokens(
    state: &AppState,
    org_id: Uuid,
    connection_id: Uuid,
    tokens: &Tokens,
) -> anyhow::Result<()> {
    let tx = state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await
        .context("opening the token transaction")?;
    let key = TenantKey::of(&tx, &state.data_key)
        .await
        .map_err(internal("loading the tenant key"))?;
    let (refresh, access) =
        sealed(&key, connection_id, tokens).map_err(internal("sealing the tokens"))?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE calendar_connections SET refresh_token_sealed = $2, access_token_sealed = $3, access_expires_at = $4
             WHERE id = $1",
            [
                connection_id.into(),
                refresh.into(),
                access.into(),
                tokens.expires_at.into(),
            ],
        ))
        .await
        .context("keeping the refreshed tokens")?;
    tx.commit().await.context("closing the token transaction")?;
    Ok(())
}

/// Refreshes the access token and keeps the new tokens at once.
async fn renew(
    state: &AppState,
    org_id: Uuid,
    connection_id: Uuid,
    api: &mut Api,
    refresh: &mut SecretString,
    expires_at: &mut DateTime<Utc>,
) -> anyhow::Result<()> {
    let redirect = oauth_calendar::redirect_url(&state.settings.email.admin_portal_url)
        .map_err(internal("the redirect address"))?;
    let tokens = oauth_calendar::refresh(api.config(), &redirect, refresh)
        .await
        .map_err(|e| anyhow::anyhow!("refreshing access to the calendar: {e}"))?;
    keep_tokens(state, org_id, connection_id, &tokens).await?;
    api.set_access(tokens.access.clone());
    *refresh = tokens.refresh;
    *expires_at = tokens.expires_at;
    tracing::info!(connection_id = %connection_id, "calendar access refreshed");
    Ok(())
}

/// One sync with an OAuth calendar: refreshes the access token when it
/// has expired (or is refused before its expiry), reads the events, writes
/// and removes sessions.
pub(super) async fn talk(
    state: &AppState,
    connection_id: Uuid,
    plan: &mut Plan,
) -> anyhow::Result<Outcome> {
    let Remote::OAuth {
        api,
        refresh,
        expires_at,
    } = &mut plan.remote
    else {
        anyhow::bail!("not an OAuth calendar");
    };
    let now = Utc::now();
    let org_id = plan.org_id;
    let mut refreshed = false;
    if *expires_at <= now + TimeDelta::seconds(REFRESH_MARGIN_SECS) {
        renew(state, org_id, connection_id, api, refresh, expires_at).await?;
        refreshed = true;
    }
    let until = now + TimeDelta::days(HORIZON_DAYS);
    let events = match api.events_between(now, until, plan.zone).await {
        // Refused before its expiry (revoked, rotated early): refreshed
        // once and read again.
        Err(DavError::Rejected) if !refreshed => {
            renew(state, org_id, connection_id, api, refresh, expires_at).await?;
            api.events_between(now, until, plan.zone).await
        }
        other => other,
    }
    .map_err(|e| anyhow::anyhow!("reading the calendar: {e}"))?;
    let api = &**api;
    let ours: HashSet<String> = plan
        .exports
        .iter()
        .filter_map(|e| e.remote_id.clone())
        .chain(plan.removals.iter().filter_map(|(_, id)| id.clone()))
        .collect();
    let mut seen = HashSet::new();
    let mut busy = Vec::new();
    for event in events {
        if ours.contains(&event.id) || event.id.starts_with("caucus") {
            seen.insert(event.id);
            continue;
        }
        busy.extend(event.busy);
    }
    let busy = merge(busy, now, until);

    let texts = SessionTexts::new(plan.locale);
    let mut written = Vec::new();
    for export in &plan.exports {
        let remote_id = match api.provider() {
            super::oauth_calendar::CalendarProvider::Google => {
                Some(oauth_calendar::google_event_id(export.session_id))
            }
            _ => export.remote_id.clone(),
        };
        let there = remote_id.as_ref().is_some_and(|id| seen.contains(id));
        let missing = export.starts_at >= now && !there;
        if export.written == Some(export.sequence) && !missing {
            continue;
        }
        let (_, description) = texts.describe(state, &plan.org_name, export);
        let body = EventBody {
            session_id: export.session_id,
            starts_at: export.starts_at,
            ends_at: export.starts_at + TimeDelta::minutes(i64::from(export.duration_minutes)),
            summary: texts.summary(),
            description: &description,
        };
        let id = api
            .put(&body, export.written.is_some(), export.remote_id.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("writing a session to the calendar: {e}"))?;
        written.push((export.session_id, export.sequence, Some(id)));
    }
    let mut removed = Vec::new();
    for (session, remote_id) in &plan.removals {
        api.delete(*session, remote_id.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("removing a session from the calendar: {e}"))?;
        removed.push(*session);
    }
    Ok(Outcome {
        busy,
        written,
        removed,
    })
}
