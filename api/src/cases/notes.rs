//! The mediator's private notes on a case: only their author reads or
//! changes them. The authorization module lets only the case's lead mediator
//! in, and row-level security shows a transaction its own user's notes only,
//! so not even an org admin's query can reach them.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use uuid::Uuid;

use super::access;
use crate::authz::Actor;
use crate::authz::cases::CaseAction;
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

pub const MAX_NOTE: usize = 50_000;

pub struct Note {
    pub id: Uuid,
    pub body: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn context(id: Uuid) -> Vec<u8> {
    format!("note:{id}").into_bytes()
}

fn from_row(key: &TenantKey, row: &QueryResult) -> AppResult<Note> {
    let id: Uuid = row.try_get("", "id")?;
    let sealed: Vec<u8> = row.try_get("", "body_sealed")?;
    Ok(Note {
        id,
        body: key.open_str(&sealed, &context(id))?,
        version: row.try_get("", "version")?,
        created_at: db::utc(row, "created_at")?,
        updated_at: db::utc(row, "updated_at")?,
    })
}

fn check_body(body: &str) -> AppResult<&str> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::validation("body", "required"));
    }
    if body.chars().count() > MAX_NOTE {
        return Err(AppError::validation("body", "too_long"));
    }
    Ok(body)
}

pub async fn list(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
) -> AppResult<Vec<Note>> {
    access::open(tx, actor, case_id, CaseAction::MediatorNotes, false).await?;
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, body_sealed, version, created_at, updated_at FROM case_notes
             WHERE case_id = $1 AND author_id = $2 ORDER BY created_at DESC LIMIT 500",
            [case_id.into(), actor.user_id.into()],
        ))
        .await?;
    rows.iter().map(|r| from_row(key, r)).collect()
}

pub async fn add(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
    body: &str,
) -> AppResult<Note> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::MediatorNotes, false).await?;
    access::check_editable(&case, None)?;
    let body = check_body(body)?;
    let id = Uuid::now_v7();
    let sealed = key.seal_str(body, &context(id))?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO case_notes (id, org_id, case_id, author_id, body_sealed)
             VALUES ($1, $2, $3, $4, $5) RETURNING id, body_sealed, version, created_at, updated_at",
            [
                id.into(),
                actor.org_id.into(),
                case_id.into(),
                actor.user_id.into(),
                sealed.into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("note insert returned nothing")))?;
    from_row(key, &row)
}

async fn case_of(tx: &TenantTx, note_id: Uuid) -> AppResult<Uuid> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT case_id FROM case_notes WHERE id = $1",
            [note_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(row.try_get("", "case_id")?)
}

pub async fn update(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    note_id: Uuid,
    version: i32,
    body: &str,
) -> AppResult<Note> {
    let case_id = case_of(tx, note_id).await?;
    let (case, _) = access::open(tx, actor, case_id, CaseAction::MediatorNotes, false).await?;
    access::check_editable(&case, None)?;
    let body = check_body(body)?;
    let sealed = key.seal_str(body, &context(note_id))?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE case_notes SET body_sealed = $2, version = version + 1
             WHERE id = $1 AND version = $3 RETURNING id, body_sealed, version, created_at, updated_at",
            [note_id.into(), sealed.into(), version.into()],
        ))
        .await?
        .ok_or(AppError::StaleVersion)?;
    from_row(key, &row)
}

pub async fn delete(tx: &TenantTx, actor: &Actor, note_id: Uuid) -> AppResult<()> {
    let case_id = case_of(tx, note_id).await?;
    let (case, _) = access::open(tx, actor, case_id, CaseAction::MediatorNotes, false).await?;
    access::check_editable(&case, None)?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM case_notes WHERE id = $1",
            [note_id.into()],
        ))
        .await?;
    Ok(())
}
