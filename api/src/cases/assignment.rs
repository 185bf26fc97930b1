//! Mediator assignment. A case manager proposes a mediator; the conflict
//! check runs first and every conflict it finds must be cleared with a note
//! or the proposal is refused. The parties may be asked to confirm or object
//! within a deadline: an objection stops it, silence past the deadline
//! confirms it. Every proposal stays in the history.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde_json::json;
use uuid::Uuid;

use super::access::{self, CaseRow};
use super::roster::{self, FoundConflict};
use super::status::CaseStatus;
use super::timeline::{self, NewEvent};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::cases::{CaseAction, Visibility};
use crate::authz::{Actor, RoleKey};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobKind};

pub const MAX_RESPONSE_DAYS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum AssignmentStatus {
    /// Waiting for the parties' answers.
    Proposed,
    Confirmed,
    /// A party objected; the case manager proposes someone else.
    Objected,
    Withdrawn,
    /// Another proposal took its place.
    Replaced,
}

impl AssignmentStatus {
    fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "proposed" => Self::Proposed,
            "confirmed" => Self::Confirmed,
            "objected" => Self::Objected,
            "withdrawn" => Self::Withdrawn,
            "replaced" => Self::Replaced,
            _ => return None,
        })
    }
}

pub struct Assignment {
    pub id: Uuid,
    pub case_id: Uuid,
    pub mediator_id: Uuid,
    pub status: AssignmentStatus,
    pub response_deadline: Option<DateTime<Utc>>,
    pub conflicts_cleared: usize,
    pub clearance_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn clearance_context(id: Uuid) -> Vec<u8> {
    format!("assignment:{id}:clearance").into_bytes()
}

fn reason_context(id: Uuid) -> Vec<u8> {
    format!("assignment_response:{id}:reason").into_bytes()
}

const COLUMNS: &str = "id, case_id, mediator_id, status, response_deadline, conflicts, clearance_sealed, created_at, decided_at";

fn from_row(key: &TenantKey, row: &QueryResult) -> AppResult<Assignment> {
    let id: Uuid = row.try_get("", "id")?;
    let status: String = row.try_get("", "status")?;
    let conflicts: serde_json::Value = row.try_get("", "conflicts")?;
    let sealed: Option<Vec<u8>> = row.try_get("", "clearance_sealed")?;
    Ok(Assignment {
        id,
        case_id: row.try_get("", "case_id")?,
        mediator_id: row.try_get("", "mediator_id")?,
        status: AssignmentStatus::parse(&status)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown assignment status")))?,
        response_deadline: db::utc_opt(row, "response_deadline")?,
        conflicts_cleared: conflicts.as_array().map_or(0, Vec::len),
        clearance_note: sealed
            .map(|s| key.open_str(&s, &clearance_context(id)))
            .transpose()?,
        created_at: db::utc(row, "created_at")?,
        decided_at: db::utc_opt(row, "decided_at")?,
    })
}

pub async fn history(tx: &TenantTx, key: &TenantKey, case_id: Uuid) -> AppResult<Vec<Assignment>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM case_assignments WHERE case_id = $1 ORDER BY created_at, id"
            ),
            [case_id.into()],
        ))
        .await?;
    rows.iter().map(|r| from_row(key, r)).collect()
}

/// The conflict check, for staff deciding on a mediator.
pub async fn check(
    tx: &TenantTx,
    actor: &Actor,
    case_id: Uuid,
    mediator_id: Uuid,
) -> AppResult<Vec<FoundConflict>> {
    access::open(tx, actor, case_id, CaseAction::AssignMediator, false).await?;
    roster::check(tx, case_id, mediator_id).await
}

pub struct Proposal<'a> {
    pub case_id: Uuid,
    pub version: i32,
    pub mediator_id: Uuid,
    /// Keys of the conflicts the case manager clears, all of them or none.
    pub cleared: &'a [String],
    /// Why the cleared conflicts do not matter (required when clearing).
    pub clearance_note: Option<&'a str>,
    /// Ask the parties to confirm or object within this many days; `None`
    /// assigns at once.
    pub response_days: Option<u32>,
}

async fn set_lead(
    tx: &TenantTx,
    key: &TenantKey,
    actor_id: Option<Uuid>,
    case_id: Uuid,
    mediator_id: Uuid,
) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET lead_mediator_id = $2, version = version + 1 WHERE id = $1",
            [case_id.into(), mediator_id.into()],
        ))
        .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id,
            kind: "mediator.assigned",
            visibility: Visibility::Everyone,
            detail: json!({ "mediatorId": mediator_id }),
            note: None,
        },
    )
    .await?;
    Ok(())
}

/// Proposes (or assigns) a mediator after the conflict check.
pub async fn propose(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    p: Proposal<'_>,
) -> AppResult<Assignment> {
    let (case, _) = access::open(tx, actor, p.case_id, CaseAction::AssignMediator, true).await?;
    access::check_editable(&case, Some(p.version))?;
    if !matches!(
        case.status,
        CaseStatus::Triage | CaseStatus::Assigned | CaseStatus::Scheduling
    ) {
        return Err(AppError::InvalidTransition);
    }
    if !super::service::holds_role(tx, p.mediator_id, RoleKey::Mediator).await? {
        return Err(AppError::validation("mediatorId", "not_a_mediator"));
    }
    if case.lead_mediator_id == Some(p.mediator_id) {
        return Err(AppError::Conflict(
            "This mediator is already assigned to the case.",
        ));
    }
    let found = roster::check(tx, case.id, p.mediator_id).await?;
    let all_cleared = found.iter().all(|c| p.cleared.contains(&c.key));
    if !all_cleared {
        return Err(AppError::ConflictOfInterest(found));
    }
    let note = p.clearance_note.map(str::trim).filter(|n| !n.is_empty());
    if !found.is_empty() && note.is_none_or(|n| n.chars().count() < 10) {
        return Err(AppError::validation("clearanceNote", "required"));
    }
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::validation("clearanceNote", "too_long"));
    }
    if let Some(days) = p.response_days
        && !(1..=MAX_RESPONSE_DAYS).contains(&days)
    {
        return Err(AppError::validation("responseDays", "range"));
    }
    // An open proposal gives way to this one.
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE case_assignments SET status = 'replaced', decided_at = now()
             WHERE case_id = $1 AND status = 'proposed'",
            [case.id.into()],
        ))
        .await?;
    let id = Uuid::now_v7();
    let deadline = p
        .response_days
        .map(|d| Utc::now() + Duration::days(i64::from(d)));
    let status = if deadline.is_some() {
        "proposed"
    } else {
        "confirmed"
    };
    let cleared_by = (!found.is_empty()).then_some(actor.user_id);
    let clearance = if found.is_empty() {
        None
    } else {
        note.map(|n| key.seal_str(n, &clearance_context(id)))
            .transpose()?
    };
    let conflicts = serde_json::to_value(
        found
            .iter()
            .map(|c| json!({ "key": c.key, "reason": c.reason }))
            .collect::<Vec<_>>(),
    )
    .map_err(|_| AppError::Internal(anyhow::anyhow!("conflicts do not serialize")))?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO case_assignments (id, org_id, case_id, mediator_id, status, proposed_by, response_deadline,
                                           conflicts, cleared_by, clearance_sealed, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $5 = 'confirmed' THEN now() END)",
            [
                id.into(),
                actor.org_id.into(),
                case.id.into(),
                p.mediator_id.into(),
                status.into(),
                actor.user_id.into(),
                deadline.into(),
                conflicts.into(),
                cleared_by.into(),
                clearance.into(),
            ],
        ))
        .await?;
    if !found.is_empty() {
        timeline::record(
            tx,
            key,
            NewEvent {
                case_id: case.id,
                actor_id: Some(actor.user_id),
                kind: "mediator.conflicts_cleared",
                visibility: Visibility::Staff,
                detail: json!({ "mediatorId": p.mediator_id, "count": found.len() }),
                note,
            },
        )
        .await?;
    }
    match deadline {
        Some(deadline) => {
            timeline::record(
                tx,
                key,
                NewEvent {
                    case_id: case.id,
                    actor_id: Some(actor.user_id),
                    kind: "mediator.proposed",
                    visibility: Visibility::Everyone,
                    detail: json!({ "mediatorId": p.mediator_id, "assignmentId": id, "deadline": deadline }),
                    note: None,
                },
            )
            .await?;
            jobs::enqueue_at(
                tx,
                JobKind::AssignmentDeadline.as_str(),
                json!({ "assignmentId": id }),
                jobs::DEFAULT_MAX_ATTEMPTS,
                deadline,
            )
            .await?;
        }
        None => set_lead(tx, key, Some(actor.user_id), case.id, p.mediator_id).await?,
    }
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::MediatorProposed).target("case", case.id),
    )
    .await?;
    load(tx, key, id).await?.ok_or(AppError::NotFound)
}

async fn load(tx: &TenantTx, key: &TenantKey, id: Uuid) -> AppResult<Option<Assignment>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM case_assignments WHERE id = $1 FOR UPDATE"),
            [id.into()],
        ))
        .await?;
    row.as_ref().map(|r| from_row(key, r)).transpose()
}

/// Confirms a proposal: its mediator leads the case.
async fn confirm(
    tx: &TenantTx,
    key: &TenantKey,
    a: &Assignment,
    actor_id: Option<Uuid>,
) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE case_assignments SET status = 'confirmed', decided_at = now() WHERE id = $1",
            [a.id.into()],
        ))
        .await?;
    set_lead(tx, key, actor_id, a.case_id, a.mediator_id).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum MediatorResponse {
    Confirm,
    Object,
}

/// A party confirms or objects to the open proposal of its case. The last
/// confirmation assigns the mediator; an objection ends the proposal.
pub async fn respond(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    assignment_id: Uuid,
    response: MediatorResponse,
    reason: Option<&str>,
) -> AppResult<Assignment> {
    let a = load(tx, key, assignment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (case, _) = access::open(tx, actor, a.case_id, CaseAction::RespondToMediator, true).await?;
    access::check_editable(&case, None)?;
    if a.status != AssignmentStatus::Proposed
        || a.response_deadline.is_some_and(|d| d <= Utc::now())
    {
        return Err(AppError::Conflict(
            "This proposal is no longer open for answers.",
        ));
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if response == MediatorResponse::Object && reason.is_none() {
        return Err(AppError::validation("reason", "required"));
    }
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::validation("reason", "too_long"));
    }
    let party: Uuid = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM parties WHERE case_id = $1 AND user_id = $2",
            [a.case_id.into(), actor.user_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?
        .try_get("", "id")?;
    let id = Uuid::now_v7();
    let sealed = reason
        .map(|r| key.seal_str(r, &reason_context(id)))
        .transpose()?;
    let inserted = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO assignment_responses (id, org_id, assignment_id, party_id, response, reason_sealed)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (assignment_id, party_id) DO NOTHING",
            [
                id.into(),
                actor.org_id.into(),
                a.id.into(),
                party.into(),
                match response {
                    MediatorResponse::Confirm => "confirm",
                    MediatorResponse::Object => "object",
                }
                .into(),
                sealed.into(),
            ],
        ))
        .await?;
    if inserted.rows_affected() == 0 {
        return Err(AppError::Conflict("You have already answered."));
    }
    match response {
        MediatorResponse::Object => {
            tx.conn()
                .execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "UPDATE case_assignments SET status = 'objected', decided_at = now() WHERE id = $1",
                    [a.id.into()],
                ))
                .await?;
            // Who objected and why is for the staff, not the other side.
            timeline::record(
                tx,
                key,
                NewEvent {
                    case_id: a.case_id,
                    actor_id: Some(actor.user_id),
                    kind: "mediator.objected",
                    visibility: Visibility::Staff,
                    detail: json!({ "assignmentId": a.id, "partyId": party }),
                    note: reason,
                },
            )
            .await?;
        }
        MediatorResponse::Confirm => {
            let waiting = tx
                .conn()
                .query_one(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT count(*) AS n FROM parties p
                     WHERE p.case_id = $1 AND p.user_id IS NOT NULL AND p.party_type <> 'representative'
                       AND NOT EXISTS (SELECT 1 FROM assignment_responses r
                                       WHERE r.assignment_id = $2 AND r.party_id = p.id)",
                    [a.case_id.into(), a.id.into()],
                ))
                .await?
                .map(|r| r.try_get::<i64>("", "n"))
                .transpose()?
                .unwrap_or(0);
            if waiting == 0 {
                confirm(tx, key, &a, Some(actor.user_id)).await?;
            }
        }
    }
    load(tx, key, a.id).await?.ok_or(AppError::NotFound)
}

/// The deadline job: a proposal nobody objected to is confirmed.
pub async fn deadline_passed(tx: &TenantTx, key: &TenantKey, assignment_id: Uuid) -> AppResult<()> {
    let Some(a) = load(tx, key, assignment_id).await? else {
        return Ok(());
    };
    if a.status != AssignmentStatus::Proposed || a.response_deadline.is_some_and(|d| d > Utc::now())
    {
        return Ok(());
    }
    let Some(case) = access::load(tx, a.case_id, true).await? else {
        return Ok(());
    };
    if case.status.is_read_only() {
        return Ok(());
    }
    confirm(tx, key, &a, None).await
}

/// The open proposal of a case and whether the actor's party answered it.
pub async fn open_for(
    tx: &TenantTx,
    key: &TenantKey,
    case: &CaseRow,
    user_id: Uuid,
) -> AppResult<Option<(Assignment, bool)>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM case_assignments WHERE case_id = $1 AND status = 'proposed'"
            ),
            [case.id.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let a = from_row(key, &row)?;
    let answered = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS one FROM assignment_responses r JOIN parties p ON p.id = r.party_id
             WHERE r.assignment_id = $1 AND p.user_id = $2",
            [a.id.into(), user_id.into()],
        ))
        .await?
        .is_some();
    Ok(Some((a, answered)))
}
