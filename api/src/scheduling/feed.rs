//! A mediator's private calendar feed: an address with a random token that a
//! calendar program subscribes to, serving the mediator's sessions in one
//! organization (generic titles, no case content) as iCalendar. Only the
//! token's SHA-256 is kept; creating a feed again replaces the address, and
//! revoking it makes the old one not found.
//!
//! The token is the organization's id (32 hex digits) followed by 256
//! random bits, so `GET /calendar/<token>.ics` opens that organization's
//! transaction and finds the feed under its row-level security: no lookup
//! across organizations is needed, and a token only ever reads its own.

use async_graphql::{Context, Object, SimpleObject};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sha2::{Digest, Sha256};
use shared_types::i18n::Arg;
use shared_types::{Locale, Translator};
use uuid::Uuid;

use super::ics::{self, SessionEvent};
use super::notify::session_link;
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::config::Settings;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;
use crate::state::AppState;

/// Sessions that ended longer ago than this are left out of the feed.
pub const PAST_DAYS: i64 = 30;
/// The most sessions a feed lists.
pub const MAX_SESSIONS: usize = 500;

const ORG_PREFIX: usize = 32;
/// 32 hex digits and a 256-bit token in URL-safe base64.
const TOKEN_LENGTH: usize = ORG_PREFIX + 43;

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The organization a token names, if it has the shape of one of ours.
fn org_of(token: &str) -> Option<Uuid> {
    if token.len() != TOKEN_LENGTH || !token.is_ascii() {
        return None;
    }
    Uuid::try_parse(&token[..ORG_PREFIX]).ok()
}

/// The feed's address (on the API, which serves it).
pub fn feed_url(settings: &Settings, token: &str) -> String {
    format!(
        "{}/calendar/{token}.ics",
        settings.server.public_url.as_str().trim_end_matches('/')
    )
}

/// Creates (or replaces) the user's feed; returns its id and token.
#[tracing::instrument(skip_all, fields(org_id = %tx.scope().org_id))]
pub async fn create(tx: &TenantTx, user_id: Uuid) -> AppResult<(Uuid, String)> {
    let org_id = tx.scope().org_id;
    let token = format!("{}{}", org_id.simple(), crate::token::new());
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO calendar_feeds (id, org_id, user_id, token_hash) VALUES ($1, $2, $3, $4)
             ON CONFLICT ON CONSTRAINT calendar_feeds_one_per_user
             DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()
             RETURNING id",
            [
                Uuid::now_v7().into(),
                org_id.into(),
                user_id.into(),
                hash_token(&token).into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("feed upsert returned nothing")))?;
    Ok((row.try_get("", "id")?, token))
}

/// Revokes the user's feed; its id if there was one.
#[tracing::instrument(skip_all, fields(org_id = %tx.scope().org_id))]
pub async fn revoke(tx: &TenantTx, user_id: Uuid) -> AppResult<Option<Uuid>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM calendar_feeds WHERE org_id = $1 AND user_id = $2 RETURNING id",
            [tx.scope().org_id.into(), user_id.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get("", "id")).transpose()?)
}

/// When the user's feed was created, if they have one.
pub async fn created_at(tx: &TenantTx, user_id: Uuid) -> AppResult<Option<DateTime<Utc>>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT created_at FROM calendar_feeds WHERE org_id = $1 AND user_id = $2",
            [tx.scope().org_id.into(), user_id.into()],
        ))
        .await?;
    Ok(row.map(|r| db::utc(&r, "created_at")).transpose()?)
}

/// The feed of `token` as iCalendar, or None when no feed has it (or its
/// owner is no longer an active mediator of the organization).
async fn render(state: &AppState, org_id: Uuid, token: &str) -> AppResult<Option<String>> {
    let tx = state
        .db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    let owner = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT f.user_id, pr.locale FROM calendar_feeds f
             JOIN users u ON u.id = f.user_id AND u.status = 'active'
             LEFT JOIN profiles pr ON pr.user_id = f.user_id
             WHERE f.org_id = $1 AND f.token_hash = $2
               AND EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                           WHERE ur.org_id = f.org_id AND ur.user_id = f.user_id AND r.key = 'mediator')",
            [org_id.into(), hash_token(token).into()],
        ))
        .await?;
    let Some(owner) = owner else {
        return Ok(None);
    };
    let user_id: Uuid = owner.try_get("", "user_id")?;
    let locale: Option<String> = owner.try_get("", "locale")?;
    let tr = Translator::new(
        locale
            .as_deref()
            .and_then(Locale::parse)
            .unwrap_or_default(),
    );
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT id, case_id, scheduled_for, duration_minutes, sequence FROM sessions
                 WHERE org_id = $1 AND mediator_id = $2 AND status IN ('booked', 'completed')
                   AND scheduled_for >= $3
                 ORDER BY scheduled_for, id LIMIT {MAX_SESSIONS}"
            ),
            [
                org_id.into(),
                user_id.into(),
                (Utc::now() - TimeDelta::days(PAST_DAYS)).into(),
            ],
        ))
        .await?;
    let org = crate::orgs::service::current(&tx).await?;
    tx.commit().await?;
    let settings = &state.settings;
    let host = settings
        .server
        .public_url
        .host_str()
        .unwrap_or("caucus.invalid");
    let portal = settings.email.admin_portal_url.as_str();
    let summary = tr.tr("session-ics-summary");
    let mut sessions = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: Uuid = row.try_get("", "id")?;
        let case_id: Uuid = row.try_get("", "case_id")?;
        let link = session_link(portal, case_id, id);
        let description = tr.tr_args(
            "session-ics-description",
            &[
                ("organization", Arg::Str(&org.name)),
                ("link", Arg::Str(&link)),
            ],
        );
        sessions.push((
            id,
            db::utc(row, "scheduled_for")?,
            row.try_get::<i32>("", "duration_minutes")?,
            row.try_get::<i32>("", "sequence")?,
            link,
            description,
        ));
    }
    let events: Vec<SessionEvent<'_>> = sessions
        .iter()
        .map(
            |(id, at, minutes, sequence, link, description)| SessionEvent {
                uid: ics::session_uid(*id, host),
                sequence: *sequence,
                starts_at: *at,
                duration_minutes: *minutes,
                cancelled: false,
                summary: &summary,
                description,
                url: link,
            },
        )
        .collect();
    let name = tr.tr_args(
        "session-feed-name",
        &[("organization", Arg::Str(&org.name))],
    );
    Ok(Some(ics::feed(&name, &events, Utc::now())))
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response()
}

/// `GET /calendar/{token}.ics`: the feed, for calendar programs (no cookies).
/// Unknown, revoked and malformed tokens are all simply not found.
pub async fn serve(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(org_id) = file
        .strip_suffix(".ics")
        .and_then(|token| org_of(token).map(|org| (org, token)))
    else {
        return not_found();
    };
    let (org_id, token) = org_id;
    match render(&state, org_id, token).await {
        Ok(Some(body)) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/calendar; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(error) => {
            tracing::error!(org_id = %org_id, error = %error.message(), "serving a calendar feed failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            )
                .into_response()
        }
    }
}

/// The reader's calendar feed (its address is shown only when it is made).
#[derive(SimpleObject)]
pub struct CalendarFeedInfo {
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// Your calendar feed in this organization, if you made one (mediators).
    async fn calendar_feed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<CalendarFeedInfo>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let created = created_at(&tx, actor.user_id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(created.map(|created_at| CalendarFeedInfo { created_at }))
    }
}

#[derive(Default)]
pub struct FeedMutation;

#[Object]
impl FeedMutation {
    /// Makes a private address your calendar program can subscribe to, for
    /// your sessions in this organization (mediators). It is shown once;
    /// making another replaces it.
    async fn create_calendar_feed(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let (id, token) = create(&tx, actor.user_id).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::CredentialCreated)
                .target("calendar_feed", id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(feed_url(&rc.state.settings, &token))
    }

    /// Stops your calendar feed: its address no longer works. False if you
    /// had none.
    async fn revoke_calendar_feed(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::KeepOwnCalendar)?;
        let tx = rc.tenant_tx(actor).await?;
        let revoked = revoke(&tx, actor.user_id).await?;
        if let Some(id) = revoked {
            audit::record(
                &tx,
                &rc.client,
                NewEntry::new(Some(actor.user_id), AuditAction::CredentialRevoked)
                    .target("calendar_feed", id),
            )
            .await?;
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(revoked.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_organization_and_nothing_else_passes() {
        let org = Uuid::now_v7();
        let token = format!("{}{}", org.simple(), crate::token::new());
        assert_eq!(token.len(), TOKEN_LENGTH);
        assert_eq!(org_of(&token), Some(org));
        assert_eq!(org_of(&token[1..]), None);
        assert_eq!(org_of(&format!("{token}x")), None);
        assert_eq!(org_of(&"z".repeat(TOKEN_LENGTH)), None);
        let accented = format!("é{}", &token[2..]);
        assert_eq!(org_of(&accented), None);
    }
}
