//! Tasks on a case: what someone on the staff must do by when. A reminder is
//! queued for the assignee a day before it is due (at once when that is
//! already past); overdue tasks show on the assignee's dashboard.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde_json::json;
use uuid::Uuid;

use super::access;
use super::timeline::{self, NewEvent};
use crate::authz::cases::{CaseAction, Visibility};
use crate::authz::{Actor, RoleKey};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::jobs::{self, JobKind};

pub const MAX_TITLE: usize = 300;
/// How long before the due time the reminder goes out.
pub const REMIND_BEFORE_HOURS: i64 = 24;

pub struct Task {
    pub id: Uuid,
    pub case_id: Uuid,
    pub case_reference: String,
    pub title: String,
    pub assignee_id: Uuid,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl Task {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.done_at.is_none() && self.due_at < now
    }
}

fn title_context(id: Uuid) -> Vec<u8> {
    format!("task:{id}:title").into_bytes()
}

const SELECT: &str = "SELECT t.id, t.case_id, c.reference, t.title_sealed, t.assignee_id, t.due_at, t.done_at, t.version
     FROM case_tasks t JOIN cases c ON c.id = t.case_id";

fn from_row(key: &TenantKey, row: &QueryResult) -> AppResult<Task> {
    let id: Uuid = row.try_get("", "id")?;
    let sealed: Vec<u8> = row.try_get("", "title_sealed")?;
    Ok(Task {
        id,
        case_id: row.try_get("", "case_id")?,
        case_reference: row.try_get("", "reference")?,
        title: key.open_str(&sealed, &title_context(id))?,
        assignee_id: row.try_get("", "assignee_id")?,
        due_at: db::utc(row, "due_at")?,
        done_at: db::utc_opt(row, "done_at")?,
        version: row.try_get("", "version")?,
    })
}

/// Whether `user_id` may be given tasks: someone on the staff who runs cases.
async fn assignable(tx: &TenantTx, user_id: Uuid) -> AppResult<bool> {
    for role in [RoleKey::CaseManager, RoleKey::Mediator, RoleKey::OrgAdmin] {
        if super::service::holds_role(tx, user_id, role).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub async fn create(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
    title: &str,
    assignee_id: Uuid,
    due_at: DateTime<Utc>,
) -> AppResult<Task> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::ManageTasks, false).await?;
    access::check_editable(&case, None)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(AppError::validation("title", "length"));
    }
    let now = Utc::now();
    if due_at < now - Duration::minutes(1) {
        return Err(AppError::validation("dueAt", "in_the_past"));
    }
    if due_at > now + Duration::days(3 * 365) {
        return Err(AppError::validation("dueAt", "range"));
    }
    if !assignable(tx, assignee_id).await? {
        return Err(AppError::validation("assigneeId", "not_staff"));
    }
    let id = Uuid::now_v7();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO case_tasks (id, org_id, case_id, title_sealed, assignee_id, due_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                id.into(),
                actor.org_id.into(),
                case_id.into(),
                key.seal_str(title, &title_context(id))?.into(),
                assignee_id.into(),
                due_at.into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
    let remind_at = (due_at - Duration::hours(REMIND_BEFORE_HOURS)).max(now);
    jobs::enqueue_at(
        tx,
        JobKind::TaskReminder.as_str(),
        json!({ "taskId": id }),
        jobs::DEFAULT_MAX_ATTEMPTS,
        remind_at,
    )
    .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "task.created",
            visibility: Visibility::Staff,
            detail: json!({ "taskId": id, "assigneeId": assignee_id, "dueAt": due_at }),
            note: None,
        },
    )
    .await?;
    get(tx, key, id).await
}

async fn get(tx: &TenantTx, key: &TenantKey, id: Uuid) -> AppResult<Task> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{SELECT} WHERE t.id = $1"),
            [id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(key, &row)
}

pub async fn complete(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> AppResult<Task> {
    let task = get(tx, key, id).await?;
    let (case, _) = access::open(tx, actor, task.case_id, CaseAction::ManageTasks, false).await?;
    access::check_editable(&case, None)?;
    let updated = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE case_tasks SET done_at = now(), done_by = $2, version = version + 1
             WHERE id = $1 AND version = $3 AND done_at IS NULL",
            [id.into(), actor.user_id.into(), version.into()],
        ))
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::StaleVersion);
    }
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id: task.case_id,
            actor_id: Some(actor.user_id),
            kind: "task.done",
            visibility: Visibility::Staff,
            detail: json!({ "taskId": id }),
            note: None,
        },
    )
    .await?;
    get(tx, key, id).await
}

pub async fn for_case(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
) -> AppResult<Vec<Task>> {
    access::open(tx, actor, case_id, CaseAction::ManageTasks, false).await?;
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{SELECT} WHERE t.case_id = $1 ORDER BY t.done_at IS NOT NULL, t.due_at, t.id LIMIT 500"),
            [case_id.into()],
        ))
        .await?;
    rows.iter().map(|r| from_row(key, r)).collect()
}

/// The actor's open tasks across cases, soonest due first (the dashboard).
pub async fn mine(tx: &TenantTx, key: &TenantKey, actor: &Actor) -> AppResult<Vec<Task>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("{SELECT} WHERE t.assignee_id = $1 AND t.done_at IS NULL ORDER BY t.due_at, t.id LIMIT 200"),
            [actor.user_id.into()],
        ))
        .await?;
    rows.iter().map(|r| from_row(key, r)).collect()
}

/// For the reminder job: the task's assignee and case, when still open.
pub async fn reminder_target(
    tx: &TenantTx,
    id: Uuid,
) -> AppResult<Option<(Uuid, Uuid, DateTime<Utc>)>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT assignee_id, case_id, due_at FROM case_tasks WHERE id = $1 AND done_at IS NULL",
            [id.into()],
        ))
        .await?;
    row.map(|r| {
        Ok((
            r.try_get("", "assignee_id")?,
            r.try_get("", "case_id")?,
            db::utc(&r, "due_at")?,
        ))
    })
    .transpose()
}
