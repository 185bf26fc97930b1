//! The mediator roster: who mediates for the organization, their specialties,
//! languages, fee band and current load; the conflicts they declared; the
//! conflict-of-interest check of a mediator against a case; and suggestions
//! ranked by fit and load.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::Serialize;
use uuid::Uuid;

use crate::authz::{self, Action, Actor, RoleKey};
use crate::crypto::tenant::TenantKey;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};

pub const FEE_BANDS: &[&str] = &["pro_bono", "reduced", "standard", "premium"];

/// One mediator as the roster shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct MediatorEntry {
    pub user_id: Uuid,
    pub name: String,
    pub specialties: Vec<String>,
    pub languages: Vec<String>,
    pub fee_band: String,
    pub max_active_cases: i32,
    pub accepting_cases: bool,
    pub active_cases: i64,
}

/// Every active account holding the mediator role, with its roster entry
/// (defaults when none was written yet) and its count of active cases.
pub async fn roster(tx: &TenantTx) -> AppResult<Vec<MediatorEntry>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            "SELECT u.id, p.name,
                    COALESCE(m.specialties, '{}') AS specialties,
                    COALESCE(m.languages, '{en}') AS languages,
                    COALESCE(m.fee_band, 'standard') AS fee_band,
                    COALESCE(m.max_active_cases, 20) AS max_active_cases,
                    COALESCE(m.accepting_cases, true) AS accepting_cases,
                    (SELECT count(*) FROM cases c WHERE c.lead_mediator_id = u.id
                       AND c.status IN ('intake', 'triage', 'assigned', 'scheduling', 'in_mediation')) AS active_cases
             FROM users u
             JOIN profiles p ON p.user_id = u.id
             JOIN user_roles ur ON ur.user_id = u.id AND ur.org_id = app_current_org()
             JOIN roles r ON r.id = ur.role_id AND r.key = 'mediator'
             LEFT JOIN mediator_profiles m ON m.user_id = u.id AND m.org_id = app_current_org()
             WHERE u.status = 'active'
             ORDER BY p.name, u.id",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(MediatorEntry {
                user_id: r.try_get("", "id")?,
                name: r.try_get("", "name")?,
                specialties: r.try_get("", "specialties")?,
                languages: r.try_get("", "languages")?,
                fee_band: r.try_get("", "fee_band")?,
                max_active_cases: r.try_get("", "max_active_cases")?,
                accepting_cases: r.try_get("", "accepting_cases")?,
                active_cases: r.try_get("", "active_cases")?,
            })
        })
        .collect()
}

pub struct ProfileInput {
    pub specialties: Vec<String>,
    pub languages: Vec<String>,
    pub fee_band: String,
    pub max_active_cases: i32,
    pub accepting_cases: bool,
}

fn short_keys(values: &[String], field: &'static str) -> AppResult<Vec<String>> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for v in values {
        let v = v.trim().to_lowercase();
        let ok = (2..=40).contains(&v.len())
            && v.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !ok {
            return Err(AppError::validation(field, "format"));
        }
        out.insert(v);
    }
    if out.len() > 20 {
        return Err(AppError::validation(field, "count"));
    }
    Ok(out.into_iter().collect())
}

/// Who may change `mediator_id`'s roster entry and conflicts: roster keepers
/// for anyone, a mediator for themselves.
fn may_edit(actor: &Actor, mediator_id: Uuid) -> AppResult<()> {
    if authz::authorize(actor, Action::ManageRoster).is_ok() {
        return Ok(());
    }
    authz::require(Some(actor))?;
    if actor.user_id == mediator_id && actor.has(RoleKey::Mediator) && actor.scopes.is_none() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn require_mediator(tx: &TenantTx, user_id: Uuid) -> AppResult<()> {
    if super::service::holds_role(tx, user_id, RoleKey::Mediator).await? {
        Ok(())
    } else {
        Err(AppError::validation("mediatorId", "not_a_mediator"))
    }
}

pub async fn save_profile(
    tx: &TenantTx,
    actor: &Actor,
    mediator_id: Uuid,
    input: ProfileInput,
) -> AppResult<()> {
    may_edit(actor, mediator_id)?;
    require_mediator(tx, mediator_id).await?;
    let specialties = short_keys(&input.specialties, "specialties")?;
    let languages = short_keys(&input.languages, "languages")?;
    if !FEE_BANDS.contains(&input.fee_band.as_str()) {
        return Err(AppError::validation("feeBand", "unknown"));
    }
    if !(0..=500).contains(&input.max_active_cases) {
        return Err(AppError::validation("maxActiveCases", "range"));
    }
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO mediator_profiles (org_id, user_id, specialties, languages, fee_band, max_active_cases, accepting_cases)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (org_id, user_id) DO UPDATE SET specialties = EXCLUDED.specialties,
               languages = EXCLUDED.languages, fee_band = EXCLUDED.fee_band,
               max_active_cases = EXCLUDED.max_active_cases, accepting_cases = EXCLUDED.accepting_cases",
            [
                actor.org_id.into(),
                mediator_id.into(),
                specialties.into(),
                languages.into(),
                input.fee_band.into(),
                input.max_active_cases.into(),
                input.accepting_cases.into(),
            ],
        ))
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum ConflictKind {
    Person,
    Organization,
}

impl ConflictKind {
    fn key(self) -> &'static str {
        match self {
            ConflictKind::Person => "person",
            ConflictKind::Organization => "organization",
        }
    }
}

pub struct DeclaredConflict {
    pub id: Uuid,
    pub kind: ConflictKind,
    pub name: String,
}

fn conflict_context(id: Uuid) -> Vec<u8> {
    format!("conflict:{id}:name").into_bytes()
}

pub async fn declare_conflict(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    mediator_id: Uuid,
    kind: ConflictKind,
    name: &str,
    email: Option<&str>,
) -> AppResult<Uuid> {
    may_edit(actor, mediator_id)?;
    require_mediator(tx, mediator_id).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation("name", "length"));
    }
    let email = email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(crate::identity::invitations::normalize_email)
        .transpose()?;
    let id = Uuid::now_v7();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO mediator_conflicts (id, org_id, mediator_id, kind, name_sealed, name_hash, email_hash, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                id.into(),
                actor.org_id.into(),
                mediator_id.into(),
                kind.key().into(),
                key.seal_str(name, &conflict_context(id))?.into(),
                key.name_token(name).into(),
                email.as_deref().map(|e| key.email_token(e)).into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
    Ok(id)
}

pub async fn conflicts_of(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    mediator_id: Uuid,
) -> AppResult<Vec<DeclaredConflict>> {
    may_edit(actor, mediator_id)?;
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, kind, name_sealed FROM mediator_conflicts WHERE mediator_id = $1 ORDER BY created_at",
            [mediator_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let id: Uuid = r.try_get("", "id")?;
            let kind: String = r.try_get("", "kind")?;
            let sealed: Vec<u8> = r.try_get("", "name_sealed")?;
            Ok(DeclaredConflict {
                id,
                kind: if kind == "organization" {
                    ConflictKind::Organization
                } else {
                    ConflictKind::Person
                },
                name: key.open_str(&sealed, &conflict_context(id))?,
            })
        })
        .collect()
}

pub async fn remove_conflict(tx: &TenantTx, actor: &Actor, conflict_id: Uuid) -> AppResult<()> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT mediator_id FROM mediator_conflicts WHERE id = $1",
            [conflict_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    may_edit(actor, row.try_get("", "mediator_id")?)?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM mediator_conflicts WHERE id = $1",
            [conflict_id.into()],
        ))
        .await?;
    Ok(())
}

/// Why a mediator may not be neutral on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// The mediator declared a conflict with a person or organization of
    /// the same name or address as a party.
    Declared,
    /// The mediator mediated an earlier case with the same party.
    PriorCase,
}

/// One conflict found by the check. `key` names it stably, for clearing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundConflict {
    pub key: String,
    pub reason: ConflictReason,
    pub party_id: Uuid,
    /// The earlier case, for prior-case conflicts.
    pub other_case_id: Option<Uuid>,
    pub other_case_reference: Option<String>,
}

/// The conflict-of-interest check of `mediator_id` against every party of
/// `case_id` (counsel included): declared conflicts matching a party's name
/// or address, and earlier cases the mediator led with the same party.
pub async fn check(
    tx: &TenantTx,
    case_id: Uuid,
    mediator_id: Uuid,
) -> AppResult<Vec<FoundConflict>> {
    Ok(conflicts(tx, case_id, Some(mediator_id))
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect())
}

/// The same check for every mediator at once, by mediator: two queries for
/// the whole roster (the suggestions list) instead of two per mediator.
pub async fn check_all(tx: &TenantTx, case_id: Uuid) -> AppResult<Vec<(Uuid, FoundConflict)>> {
    conflicts(tx, case_id, None).await
}

async fn conflicts(
    tx: &TenantTx,
    case_id: Uuid,
    mediator_id: Option<Uuid>,
) -> AppResult<Vec<(Uuid, FoundConflict)>> {
    let declared = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT DISTINCT mc.mediator_id, mc.id AS conflict_id, p.id AS party_id
             FROM parties p JOIN mediator_conflicts mc ON ($2::uuid IS NULL OR mc.mediator_id = $2)
               AND (mc.name_hash = p.name_hash OR (mc.email_hash IS NOT NULL AND mc.email_hash = p.email_hash))
             WHERE p.case_id = $1 ORDER BY 1, 2, 3",
            [case_id.into(), mediator_id.into()],
        ))
        .await?;
    let prior = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT DISTINCT o.lead_mediator_id AS mediator_id, o.id AS other_id, o.reference, p.id AS party_id
             FROM parties p
             JOIN parties q ON q.case_id <> p.case_id
               AND ((p.email_hash IS NOT NULL AND q.email_hash = p.email_hash) OR q.name_hash = p.name_hash)
             JOIN cases o ON o.id = q.case_id AND o.lead_mediator_id IS NOT NULL
               AND ($2::uuid IS NULL OR o.lead_mediator_id = $2)
             WHERE p.case_id = $1 ORDER BY 1, o.reference, 4",
            [case_id.into(), mediator_id.into()],
        ))
        .await?;
    let mut found = Vec::new();
    for r in &declared {
        let conflict: Uuid = r.try_get("", "conflict_id")?;
        let party: Uuid = r.try_get("", "party_id")?;
        found.push((
            r.try_get("", "mediator_id")?,
            FoundConflict {
                key: format!("declared:{conflict}:{party}"),
                reason: ConflictReason::Declared,
                party_id: party,
                other_case_id: None,
                other_case_reference: None,
            },
        ));
    }
    for r in &prior {
        let other: Uuid = r.try_get("", "other_id")?;
        let party: Uuid = r.try_get("", "party_id")?;
        found.push((
            r.try_get("", "mediator_id")?,
            FoundConflict {
                key: format!("prior:{other}:{party}"),
                reason: ConflictReason::PriorCase,
                party_id: party,
                other_case_id: Some(other),
                other_case_reference: Some(r.try_get("", "reference")?),
            },
        ));
    }
    Ok(found)
}

/// A mediator's fit for a case: 0–100, higher is better.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub entry: MediatorEntry,
    pub score: u32,
    pub specialty_match: bool,
    pub language_match: bool,
}

/// Ranks mediators for a case of `dispute_type` whose parties speak
/// `languages`: a specialty in the dispute type counts most, then speaking
/// the parties' language, then spare capacity. Mediators not taking cases or
/// at their limit come last (staff may still choose them).
pub fn rank(entries: Vec<MediatorEntry>, dispute_type: &str, languages: &[String]) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = entries
        .into_iter()
        .map(|entry| {
            let specialty_match = entry.specialties.iter().any(|s| s == dispute_type);
            let language_match =
                languages.is_empty() || languages.iter().all(|l| entry.languages.contains(l));
            let capacity = if entry.max_active_cases <= 0 {
                0.0
            } else {
                1.0 - (entry.active_cases as f64 / f64::from(entry.max_active_cases)).min(1.0)
            };
            let available =
                entry.accepting_cases && entry.active_cases < i64::from(entry.max_active_cases);
            let score = if available {
                (if specialty_match { 50.0 } else { 0.0 })
                    + (if language_match { 25.0 } else { 0.0 })
                    + 25.0 * capacity
            } else {
                0.0
            };
            Ranked {
                score: score.round() as u32,
                specialty_match,
                language_match,
                entry,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.entry.active_cases.cmp(&b.entry.active_cases))
            .then(a.entry.name.cmp(&b.entry.name))
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(
        name: &str,
        specialties: &[&str],
        languages: &[&str],
        active: i64,
        max: i32,
        accepting: bool,
    ) -> MediatorEntry {
        MediatorEntry {
            user_id: Uuid::now_v7(),
            name: name.into(),
            specialties: specialties.iter().map(|s| (*s).into()).collect(),
            languages: languages.iter().map(|s| (*s).into()).collect(),
            fee_band: "standard".into(),
            max_active_cases: max,
            accepting_cases: accepting,
            active_cases: active,
        }
    }

    #[test]
    fn specialty_then_language_then_load() {
        let ranked = rank(
            vec![
                m("Busy family", &["family"], &["en", "es"], 18, 20, true),
                m("Free generalist", &[], &["en", "es"], 0, 20, true),
                m("Free family", &["family"], &["en", "es"], 2, 20, true),
                m("Family, English only", &["family"], &["en"], 0, 20, true),
                m("On leave", &["family"], &["en", "es"], 0, 20, false),
                m("Full", &["family"], &["en", "es"], 5, 5, true),
            ],
            "family",
            &["es".into()],
        );
        let names: Vec<&str> = ranked.iter().map(|r| r.entry.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Free family",
                "Busy family",
                "Family, English only",
                "Free generalist",
                "On leave",
                "Full"
            ]
        );
        assert_eq!(ranked[0].score, 98);
        assert!(ranked[0].specialty_match && ranked[0].language_match);
        assert!(!ranked[2].language_match);
        assert_eq!(ranked[4].score, 0);
    }

    #[test]
    fn roster_lists_are_checked() {
        assert_eq!(
            short_keys(
                &["Family".into(), "family".into(), "small_claims".into()],
                "s"
            )
            .ok(),
            Some(vec!["family".to_owned(), "small_claims".to_owned()])
        );
        assert!(short_keys(&["x".into()], "s").is_err());
        assert!(short_keys(&["no spaces".into()], "s").is_err());
        let many: Vec<String> = (0..21).map(|i| format!("k{i}")).collect();
        assert!(short_keys(&many, "s").is_err());
    }
}
