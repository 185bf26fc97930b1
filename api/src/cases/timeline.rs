//! The case timeline: every state change, assignment, invitation, intake and
//! (later) session and document, with who did it and when. Entries carry
//! identifiers and state names; what a person wrote (a reason) is sealed.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use uuid::Uuid;

use crate::authz::Actor;
use crate::authz::cases::{self as case_authz, CaseRelation, Visibility};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

/// One timeline entry to append.
pub struct NewEvent<'a> {
    pub case_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub kind: &'static str,
    pub visibility: Visibility,
    pub detail: Value,
    /// Free text (a reason): sealed with the tenant key.
    pub note: Option<&'a str>,
}

pub struct Event {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    pub visibility: Visibility,
    pub detail: Value,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn note_context(id: Uuid) -> Vec<u8> {
    format!("event:{id}:note").into_bytes()
}

pub async fn record(tx: &TenantTx, key: &TenantKey, event: NewEvent<'_>) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let note = event
        .note
        .map(|n| key.seal_str(n, &note_context(id)))
        .transpose()?;
    insert(tx, id, event, note).await
}

/// An entry without a note, for callers that hold no tenant key (accepting
/// an invitation).
pub async fn record_without_note(tx: &TenantTx, event: NewEvent<'_>) -> AppResult<Uuid> {
    if event.note.is_some() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a timeline note needs the tenant key"
        )));
    }
    insert(tx, Uuid::now_v7(), event, None).await
}

async fn insert(
    tx: &TenantTx,
    id: Uuid,
    event: NewEvent<'_>,
    note_sealed: Option<Vec<u8>>,
) -> AppResult<Uuid> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO case_events (id, org_id, case_id, actor_id, kind, visibility, detail, note_sealed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                id.into(),
                tx.scope().org_id.into(),
                event.case_id.into(),
                event.actor_id.into(),
                event.kind.into(),
                event.visibility.key().into(),
                event.detail.into(),
                note_sealed.into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// The entries of a case the actor may see, oldest first.
pub async fn visible(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    rel: &CaseRelation,
    case_id: Uuid,
) -> AppResult<Vec<Event>> {
    let allowed: Vec<String> = Visibility::ALL
        .iter()
        .filter(|v| case_authz::sees(actor, rel, **v))
        .map(|v| v.key().to_owned())
        .collect();
    if allowed.is_empty() {
        return Ok(Vec::new());
    }
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, actor_id, kind, visibility, detail, note_sealed, created_at
             FROM case_events WHERE case_id = $1 AND visibility = ANY($2)
             ORDER BY created_at, id LIMIT 1000",
            [case_id.into(), allowed.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "id")?;
            let visibility: String = row.try_get("", "visibility")?;
            let sealed: Option<Vec<u8>> = row.try_get("", "note_sealed")?;
            Ok(Event {
                id,
                actor_id: row.try_get("", "actor_id")?,
                kind: row.try_get("", "kind")?,
                visibility: Visibility::parse(&visibility)
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown visibility")))?,
                detail: row.try_get("", "detail")?,
                note: sealed
                    .map(|s| key.open_str(&s, &note_context(id)))
                    .transpose()?,
                created_at: db::utc(row, "created_at")?,
            })
        })
        .collect()
}
