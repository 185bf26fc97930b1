//! Loading a case with the actor's relationship to it, and deciding through
//! the authorization module. Every case operation starts here.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use uuid::Uuid;

use super::status::CaseStatus;
use crate::authz::Actor;
use crate::authz::cases::{self as case_authz, CaseAction, CaseRelation, Side};
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

/// The columns every case read selects, in [`CaseRow::from_row`]'s order.
pub const CASE_COLUMNS: &str = "c.id, c.reference, c.dispute_type, c.template_id, c.status, \
     c.title_sealed, c.opened_at, c.status_changed_at, c.closed_at, c.archived_at, \
     c.lead_mediator_id, c.case_manager_id, c.outcome, c.outcome_at, c.version";

/// A case as stored; the title is still sealed.
#[derive(Clone)]
pub struct CaseRow {
    pub id: Uuid,
    pub reference: String,
    pub dispute_type: String,
    pub template_id: Uuid,
    pub status: CaseStatus,
    pub title_sealed: Vec<u8>,
    pub opened_at: DateTime<Utc>,
    pub status_changed_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub lead_mediator_id: Option<Uuid>,
    pub case_manager_id: Option<Uuid>,
    pub outcome: Option<CaseStatus>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub version: i32,
}

/// Ids only: a case's title and parties never reach a log.
impl std::fmt::Debug for CaseRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseRow")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

fn status_of(row: &QueryResult, column: &str) -> AppResult<Option<CaseStatus>> {
    let key: Option<String> = row.try_get("", column)?;
    key.map(|k| {
        CaseStatus::parse(&k)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown case status")))
    })
    .transpose()
}

impl CaseRow {
    pub fn from_row(row: &QueryResult) -> AppResult<Self> {
        Ok(Self {
            id: row.try_get("", "id")?,
            reference: row.try_get("", "reference")?,
            dispute_type: row.try_get("", "dispute_type")?,
            template_id: row.try_get("", "template_id")?,
            status: status_of(row, "status")?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case without status")))?,
            title_sealed: row.try_get("", "title_sealed")?,
            opened_at: db::utc(row, "opened_at")?,
            status_changed_at: db::utc(row, "status_changed_at")?,
            closed_at: db::utc_opt(row, "closed_at")?,
            archived_at: db::utc_opt(row, "archived_at")?,
            lead_mediator_id: row.try_get("", "lead_mediator_id")?,
            case_manager_id: row.try_get("", "case_manager_id")?,
            outcome: status_of(row, "outcome")?,
            outcome_at: db::utc_opt(row, "outcome_at")?,
            version: row.try_get("", "version")?,
        })
    }

    /// Associated data of the sealed title.
    pub fn title_context(id: Uuid) -> Vec<u8> {
        format!("case:{id}:title").into_bytes()
    }
}

/// The case `id` in the transaction's tenant (another tenant's case reads as
/// missing, by row-level security). `lock` takes the row for an update.
pub async fn load(tx: &TenantTx, id: Uuid, lock: bool) -> AppResult<Option<CaseRow>> {
    let sql = format!(
        "SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &sql,
            [id.into()],
        ))
        .await?;
    row.as_ref().map(CaseRow::from_row).transpose()
}

/// How `actor` stands to `case`.
pub async fn relation(tx: &TenantTx, actor: &Actor, case: &CaseRow) -> AppResult<CaseRelation> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT p.side FROM parties p WHERE p.case_id = $1 AND p.user_id = $2",
            [case.id.into(), actor.user_id.into()],
        ))
        .await?;
    let side = rows
        .first()
        .map(|r| r.try_get::<String>("", "side"))
        .transpose()?
        .and_then(|s| Side::parse(&s));
    Ok(CaseRelation {
        side,
        lead_mediator: case.lead_mediator_id == Some(actor.user_id),
        assigned_manager: case.case_manager_id == Some(actor.user_id),
    })
}

/// Parses a case id from the API; a malformed one is simply not found.
pub fn parse_id(id: &str) -> AppResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound)
}

/// Loads the case, works out the relationship and authorizes `action`. A
/// missing case and one the actor may not see give the same answer.
pub async fn open(
    tx: &TenantTx,
    actor: &Actor,
    id: Uuid,
    action: CaseAction,
    lock: bool,
) -> AppResult<(CaseRow, CaseRelation)> {
    let case = load(tx, id, lock).await?.ok_or(AppError::NotFound)?;
    let rel = relation(tx, actor, &case).await?;
    case_authz::authorize_case(actor, &rel, action)?;
    Ok((case, rel))
}

/// Refuses an edit of an archived case, or one made against an old version.
pub fn check_editable(case: &CaseRow, expected_version: Option<i32>) -> AppResult<()> {
    if case.status.is_read_only() {
        return Err(AppError::ReadOnly);
    }
    match expected_version {
        Some(v) if v != case.version => Err(AppError::StaleVersion),
        _ => Ok(()),
    }
}

/// Bumps the case's version after an edit made under its row lock.
pub async fn bump_version(tx: &TenantTx, case: &CaseRow) -> AppResult<i32> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET version = version + 1 WHERE id = $1 AND version = $2 RETURNING version",
            [case.id.into(), case.version.into()],
        ))
        .await?
        .ok_or(AppError::StaleVersion)?;
    Ok(row.try_get("", "version")?)
}
