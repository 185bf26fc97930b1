//! Case lists, the lifecycle and case edits. Every function takes a tenant
//! transaction and the tenant key; the caller commits.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value as SqlValue};
use serde_json::json;
use uuid::Uuid;

use super::access::{self, CASE_COLUMNS, CaseRow};
use super::intake::bytes_array;
use super::status::CaseStatus;
use super::timeline::{self, NewEvent};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::cases::{CaseAction, Visibility};
use crate::authz::{self, Action, Actor, RoleKey};
use crate::crypto::tenant::TenantKey;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};

pub const MAX_PAGE: u64 = 100;
pub const MAX_REASON: usize = 2000;
pub const MAX_TITLE: usize = 200;

/// Which cases a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<CaseStatus>,
    pub dispute_type: Option<String>,
    /// Words of a title or party name, an email address, or a reference.
    pub search: Option<String>,
    /// Only cases whose case manager is the actor.
    pub managed_by_me: bool,
}

/// A position in a list ordered newest first: (opened_at, id).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub opened_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.opened_at.timestamp_micros(), self.id))
    }

    pub fn decode(text: &str) -> AppResult<Self> {
        let bad = || AppError::validation("after", "format");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (micros, id) = text.split_once('|').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        Ok(Self {
            opened_at: DateTime::from_timestamp_micros(micros).ok_or_else(bad)?,
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}

/// Whose cases the actor may list.
enum Scope {
    /// Every case of the organization (case managers, org admins).
    All,
    /// Cases the actor mediates.
    Mediating,
    /// Cases the actor is a party to (or counsel on).
    PartyTo,
}

fn scope_of(actor: &Actor) -> AppResult<Scope> {
    if authz::authorize(actor, Action::ListAllCases).is_ok() {
        Ok(Scope::All)
    } else if actor.has(RoleKey::Mediator) && actor.scopes.is_none() {
        Ok(Scope::Mediating)
    } else if (actor.has(RoleKey::Party) || actor.has(RoleKey::PartyRepresentative))
        && actor.scopes.is_none()
    {
        Ok(Scope::PartyTo)
    } else {
        Err(AppError::Forbidden)
    }
}

/// One page of the cases the actor may see, newest first, and whether more
/// follow. Search matches whole words of titles and party names, email
/// addresses, and references, through the blind index.
pub async fn list(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    filter: &CaseFilter,
    first: u64,
    after: Option<Cursor>,
    oldest_first: bool,
) -> AppResult<(Vec<CaseRow>, bool)> {
    if first == 0 || first > MAX_PAGE {
        return Err(AppError::validation("first", "range"));
    }
    let scope = scope_of(actor)?;
    let mut sql = format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.org_id = $1");
    let mut values: Vec<SqlValue> = vec![actor.org_id.into()];
    let arg = |v: SqlValue, values: &mut Vec<SqlValue>| {
        values.push(v);
        format!("${}", values.len())
    };
    match scope {
        Scope::All => {}
        Scope::Mediating => {
            let p = arg(actor.user_id.into(), &mut values);
            sql.push_str(&format!(" AND c.lead_mediator_id = {p}"));
        }
        Scope::PartyTo => {
            let p = arg(actor.user_id.into(), &mut values);
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id AND p.user_id = {p})"
            ));
        }
    }
    if filter.managed_by_me {
        let p = arg(actor.user_id.into(), &mut values);
        sql.push_str(&format!(" AND c.case_manager_id = {p}"));
    }
    if !filter.statuses.is_empty() {
        let keys: Vec<String> = filter.statuses.iter().map(|s| s.key().to_owned()).collect();
        let p = arg(keys.into(), &mut values);
        sql.push_str(&format!(" AND c.status = ANY({p})"));
    }
    if let Some(dispute_type) = &filter.dispute_type {
        let p = arg(dispute_type.clone().into(), &mut values);
        sql.push_str(&format!(" AND c.dispute_type = {p}"));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.chars().count() > 200 {
            return Err(AppError::validation("search", "too_long"));
        }
        let tokens = if search.contains('@') {
            vec![key.email_token(search)]
        } else {
            key.word_tokens(search)
        };
        let reference = search.to_ascii_uppercase();
        let r = arg(reference.into(), &mut values);
        if tokens.is_empty() {
            sql.push_str(&format!(" AND c.reference = {r}"));
        } else {
            let t = arg(bytes_array(tokens), &mut values);
            sql.push_str(&format!(
                " AND (c.search_tokens @> {t} OR c.reference = {r})"
            ));
        }
    }
    if let Some(cursor) = after {
        let o = arg(cursor.opened_at.into(), &mut values);
        let i = arg(cursor.id.into(), &mut values);
        let cmp = if oldest_first { ">" } else { "<" };
        sql.push_str(&format!(" AND (c.opened_at, c.id) {cmp} ({o}, {i})"));
    }
    let limit = arg(((first + 1) as i64).into(), &mut values);
    let dir = if oldest_first { "ASC" } else { "DESC" };
    sql.push_str(&format!(
        " ORDER BY c.opened_at {dir}, c.id {dir} LIMIT {limit}"
    ));
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &sql,
            values,
        ))
        .await?;
    let mut cases: Vec<CaseRow> = rows
        .iter()
        .map(CaseRow::from_row)
        .collect::<AppResult<_>>()?;
    let more = cases.len() as u64 > first;
    cases.truncate(first as usize);
    Ok((cases, more))
}

/// Other cases with the same other side as each of `case_ids` (a
/// respondent-side party of the same email address or the same name): the
/// possible duplicates shown at triage. A claimant filing two different
/// disputes is not flagged.
pub async fn duplicate_hints(
    tx: &TenantTx,
    case_ids: &[Uuid],
) -> AppResult<Vec<(Uuid, Uuid, String)>> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT DISTINCT p.case_id, o.id AS other_id, o.reference
             FROM parties p
             JOIN parties q ON q.case_id <> p.case_id AND q.side = 'respondent'
                  AND (q.email_hash = p.email_hash OR q.name_hash = p.name_hash)
             JOIN cases o ON o.id = q.case_id AND o.status <> 'archived'
             WHERE p.case_id = ANY($1) AND p.side = 'respondent'
             ORDER BY o.reference LIMIT 500",
            [case_ids.to_vec().into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "case_id")?,
                r.try_get("", "other_id")?,
                r.try_get("", "reference")?,
            ))
        })
        .collect()
}

/// The action a move to `to` needs.
pub fn action_for(to: CaseStatus) -> CaseAction {
    match to {
        CaseStatus::Triage | CaseStatus::Declined | CaseStatus::Closed | CaseStatus::Archived => {
            CaseAction::Manage
        }
        s if s.is_outcome() => CaseAction::RecordOutcome,
        _ => CaseAction::Advance,
    }
}

pub struct Move<'a> {
    pub case_id: Uuid,
    pub version: i32,
    pub to: CaseStatus,
    pub reason: Option<&'a str>,
}

/// Moves a case along its lifecycle: the move must be allowed from where the
/// case is, by this actor, against the version they saw. Declining and
/// withdrawing need a reason; outcomes are dated.
pub async fn advance(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    m: Move<'_>,
) -> AppResult<CaseRow> {
    let (case, _) = access::open(tx, actor, m.case_id, action_for(m.to), true).await?;
    access::check_editable(&case, Some(m.version))?;
    if !case.status.can_move_to(m.to) {
        return Err(AppError::InvalidTransition);
    }
    let reason = m.reason.map(str::trim).filter(|r| !r.is_empty());
    if matches!(m.to, CaseStatus::Declined | CaseStatus::Withdrawn) && reason.is_none() {
        return Err(AppError::validation("reason", "required"));
    }
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(AppError::validation("reason", "too_long"));
    }
    if m.to == CaseStatus::Assigned && case.lead_mediator_id.is_none() {
        return Err(AppError::validation("leadMediator", "required"));
    }
    let sets = match m.to {
        s if s.is_outcome() => ", outcome = $3, outcome_at = now()",
        CaseStatus::Closed => ", closed_at = now()",
        CaseStatus::Archived => ", archived_at = now()",
        _ => "",
    };
    let sql = format!(
        "UPDATE cases SET status = $2, status_changed_at = now(), version = version + 1{sets}
         WHERE id = $1 RETURNING id"
    );
    let mut values: Vec<SqlValue> = vec![case.id.into(), m.to.key().into()];
    if m.to.is_outcome() {
        values.push(m.to.key().into());
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            &sql,
            values,
        ))
        .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id: case.id,
            actor_id: Some(actor.user_id),
            kind: "case.status_changed",
            visibility: Visibility::Everyone,
            detail: json!({ "from": case.status.key(), "to": m.to.key() }),
            note: reason,
        },
    )
    .await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::CaseStatusChanged).target("case", case.id),
    )
    .await?;
    reload(tx, case.id).await
}

async fn reload(tx: &TenantTx, id: Uuid) -> AppResult<CaseRow> {
    access::load(tx, id, false)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case vanished in its transaction")))
}

/// Whether `user_id` holds `role` in the transaction's organization.
pub async fn holds_role(tx: &TenantTx, user_id: Uuid, role: RoleKey) -> AppResult<bool> {
    Ok(tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS one FROM user_roles ur JOIN roles r ON r.id = ur.role_id
             JOIN users u ON u.id = ur.user_id
             WHERE ur.user_id = $1 AND r.key = $2 AND u.status = 'active'",
            [user_id.into(), role.key().into()],
        ))
        .await?
        .is_some())
}

/// Gives the case to a case manager of the organization.
pub async fn assign_manager(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    case_id: Uuid,
    version: i32,
    manager_id: Uuid,
) -> AppResult<CaseRow> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::Manage, true).await?;
    access::check_editable(&case, Some(version))?;
    if !holds_role(tx, manager_id, RoleKey::CaseManager).await? {
        return Err(AppError::validation("caseManagerId", "not_a_case_manager"));
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET case_manager_id = $2, version = version + 1 WHERE id = $1",
            [case.id.into(), manager_id.into()],
        ))
        .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "case.manager_assigned",
            visibility: Visibility::Staff,
            detail: json!({ "caseManagerId": manager_id }),
            note: None,
        },
    )
    .await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::CaseManagerAssigned)
            .target("case", case_id),
    )
    .await?;
    reload(tx, case_id).await
}

/// Renames a case (the title is sealed; its words re-indexed).
pub async fn edit_title(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    case_id: Uuid,
    version: i32,
    title: &str,
) -> AppResult<CaseRow> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::Manage, true).await?;
    access::check_editable(&case, Some(version))?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(AppError::validation("title", "length"));
    }
    let parties = super::parties::list(tx, key, case_id).await?;
    let mut texts: Vec<&str> = vec![title];
    texts.extend(parties.iter().map(|p| p.name.as_str()));
    let emails: Vec<&str> = parties.iter().filter_map(|p| p.email.as_deref()).collect();
    let tokens = super::intake::search_tokens(key, &texts, &emails);
    let sealed = key.seal_str(title, &CaseRow::title_context(case_id))?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET title_sealed = $2, search_tokens = $3, version = version + 1 WHERE id = $1",
            [case_id.into(), sealed.into(), bytes_array(tokens)],
        ))
        .await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "case.renamed",
            visibility: Visibility::Staff,
            detail: json!({}),
            note: None,
        },
    )
    .await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::CaseEdited).target("case", case_id),
    )
    .await?;
    reload(tx, case_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            opened_at: DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap_or_default(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&c.encode()).ok(), Some(c));
        for bad in [
            "",
            "!!!",
            "bm9waXBl",
            &URL_SAFE_NO_PAD.encode("12|not-a-uuid"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_move_needs_the_right_permission() {
        assert_eq!(action_for(CaseStatus::Triage), CaseAction::Manage);
        assert_eq!(action_for(CaseStatus::Declined), CaseAction::Manage);
        assert_eq!(action_for(CaseStatus::Settled), CaseAction::RecordOutcome);
        assert_eq!(action_for(CaseStatus::Withdrawn), CaseAction::RecordOutcome);
        assert_eq!(action_for(CaseStatus::Scheduling), CaseAction::Advance);
        assert_eq!(action_for(CaseStatus::Archived), CaseAction::Manage);
    }
}
