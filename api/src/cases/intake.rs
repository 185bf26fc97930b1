//! Guided intake: drafts saved step by step (the person's alone, resumable on
//! any device), then submitted. A claimant's submission files a case with the
//! claimant and the other side as parties; a respondent's adds their intake
//! to the case.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use super::access::{self, CaseRow};
use super::template::{Answers, Audience};
use super::templates::{self, StoredTemplate};
use super::timeline::{self, NewEvent};
use crate::authz::Actor;
use crate::authz::cases::{CaseAction, Side, Visibility};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult, FieldError};

/// The most a person may have in progress at once.
pub const MAX_DRAFTS: i64 = 20;
/// Serialized answers larger than this are refused.
pub const MAX_ANSWERS_BYTES: usize = 200_000;

pub struct Draft {
    pub id: Uuid,
    pub template_id: Uuid,
    pub case_id: Option<Uuid>,
    pub answers: Answers,
    pub current_step: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl Draft {
    pub fn audience(&self) -> Audience {
        if self.case_id.is_some() {
            Audience::Respondent
        } else {
            Audience::Claimant
        }
    }
}

fn draft_context(id: Uuid) -> Vec<u8> {
    format!("draft:{id}").into_bytes()
}

pub fn submission_context(id: Uuid) -> Vec<u8> {
    format!("submission:{id}").into_bytes()
}

pub fn party_name_context(id: Uuid) -> Vec<u8> {
    format!("party:{id}:name").into_bytes()
}

pub fn party_email_context(id: Uuid) -> Vec<u8> {
    format!("party:{id}:email").into_bytes()
}

fn seal_answers(key: &TenantKey, answers: &Answers, context: &[u8]) -> AppResult<Vec<u8>> {
    let bytes = serde_json::to_vec(answers)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("answers do not serialize")))?;
    if bytes.len() > MAX_ANSWERS_BYTES {
        return Err(AppError::validation("answers", "too_large"));
    }
    key.seal(&bytes, context)
}

pub fn open_answers(key: &TenantKey, sealed: &[u8], context: &[u8]) -> AppResult<Answers> {
    serde_json::from_slice(&key.open(sealed, context)?)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("sealed answers do not parse")))
}

const DRAFT_COLUMNS: &str =
    "id, template_id, case_id, answers_sealed, current_step, version, updated_at";

fn draft_from(key: &TenantKey, row: &QueryResult) -> AppResult<Draft> {
    let id: Uuid = row.try_get("", "id")?;
    let sealed: Vec<u8> = row.try_get("", "answers_sealed")?;
    Ok(Draft {
        id,
        template_id: row.try_get("", "template_id")?,
        case_id: row.try_get("", "case_id")?,
        answers: open_answers(key, &sealed, &draft_context(id))?,
        current_step: row.try_get("", "current_step")?,
        version: row.try_get("", "version")?,
        updated_at: db::utc(row, "updated_at")?,
    })
}

/// The signed-in person's drafts, newest first (row-level security shows a
/// person their own drafts only).
pub async fn my_drafts(tx: &TenantTx, key: &TenantKey) -> AppResult<Vec<Draft>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT {DRAFT_COLUMNS} FROM intake_drafts ORDER BY updated_at DESC LIMIT 50"),
        ))
        .await?;
    rows.iter().map(|r| draft_from(key, r)).collect()
}

pub async fn draft(tx: &TenantTx, key: &TenantKey, id: Uuid) -> AppResult<Draft> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {DRAFT_COLUMNS} FROM intake_drafts WHERE id = $1 FOR UPDATE"),
            [id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    draft_from(key, &row)
}

async fn insert_draft(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    template: &StoredTemplate,
    case_id: Option<Uuid>,
) -> AppResult<Draft> {
    let count = tx
        .conn()
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM intake_drafts",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if count >= MAX_DRAFTS {
        return Err(AppError::Conflict(
            "You have many intakes in progress. Finish or discard one first.",
        ));
    }
    let id = Uuid::now_v7();
    let answers = Answers::new();
    let sealed = seal_answers(key, &answers, &draft_context(id))?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO intake_drafts (id, org_id, user_id, template_id, case_id, answers_sealed)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {DRAFT_COLUMNS}"
            ),
            [
                id.into(),
                actor.org_id.into(),
                actor.user_id.into(),
                template.id.into(),
                case_id.into(),
                sealed.into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("draft insert returned nothing")))?;
    draft_from(key, &row)
}

/// Starts a claimant's intake of `dispute_type` under its current template.
pub async fn start(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    dispute_type: &str,
) -> AppResult<Draft> {
    templates::ensure_defaults(tx).await?;
    let template = templates::current(tx, dispute_type)
        .await?
        .ok_or(AppError::validation("disputeType", "unknown"))?;
    insert_draft(tx, key, actor, &template, None).await
}

/// Starts (or resumes) the respondent's intake of a case.
pub async fn start_respondent(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
) -> AppResult<Draft> {
    let (case, _) = access::open(
        tx,
        actor,
        case_id,
        CaseAction::SubmitIntake(Side::Respondent),
        false,
    )
    .await?;
    if let Some(row) = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {DRAFT_COLUMNS} FROM intake_drafts WHERE case_id = $1"),
            [case_id.into()],
        ))
        .await?
    {
        return draft_from(key, &row);
    }
    if submitted_party(tx, actor, case_id).await?.is_some() {
        return Err(AppError::Conflict(
            "You have already sent your side of this case.",
        ));
    }
    let template = templates::by_id(tx, case.template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    insert_draft(tx, key, actor, &template, Some(case_id)).await
}

/// The actor's party on a case when it has already submitted its intake.
async fn submitted_party(tx: &TenantTx, actor: &Actor, case_id: Uuid) -> AppResult<Option<Uuid>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT s.party_id FROM case_submissions s JOIN parties p ON p.id = s.party_id
             WHERE s.case_id = $1 AND p.user_id = $2",
            [case_id.into(), actor.user_id.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get("", "party_id")).transpose()?)
}

/// Answers a draft may hold: known fields of the person's part, each well
/// formed (empty ones are dropped; `required` is checked at the step or at
/// submission).
fn check_draft_answers(
    template: &StoredTemplate,
    who: Audience,
    answers: &Answers,
) -> AppResult<Answers> {
    let mut errors: Vec<FieldError> = template
        .definition
        .unknown_keys(who, answers)
        .into_iter()
        .map(|k| FieldError::new(k.to_owned(), "unknown"))
        .collect();
    let kept: Answers = answers
        .iter()
        .filter(|(_, v)| {
            !matches!(v, Value::Null) && v.as_str().is_none_or(|s| !s.trim().is_empty())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Err(e) = template.definition.check_answers(who, None, &kept) {
        errors.extend(
            e.into_iter()
                .filter(|e| e.reason != "required" && e.reason != "unknown"),
        );
    }
    if errors.is_empty() {
        Ok(kept)
    } else {
        Err(errors.into())
    }
}

pub struct DraftUpdate {
    pub id: Uuid,
    pub version: i32,
    pub current_step: i32,
    pub answers: Answers,
    /// The wizard step being left: its answers must be complete.
    pub complete_section: Option<String>,
}

/// Saves a draft. Refused, with nothing written, when someone saved it since
/// (another device), or when an answer is malformed.
pub async fn save(tx: &TenantTx, key: &TenantKey, update: DraftUpdate) -> AppResult<Draft> {
    let current = draft(tx, key, update.id).await?;
    if current.version != update.version {
        return Err(AppError::StaleVersion);
    }
    let template = templates::by_id(tx, current.template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let who = current.audience();
    // One step per section, then the review (step `sections`).
    let steps = template.definition.sections_for(who).count() as i32;
    if !(0..=steps).contains(&update.current_step) {
        return Err(AppError::validation("currentStep", "range"));
    }
    let kept = check_draft_answers(&template, who, &update.answers)?;
    if let Some(section) = &update.complete_section {
        template
            .definition
            .check_answers(who, Some(section), &kept)
            .map_err(AppError::from)?;
    }
    let sealed = seal_answers(key, &kept, &draft_context(current.id))?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE intake_drafts SET answers_sealed = $2, current_step = $3, version = version + 1
                 WHERE id = $1 AND version = $4 RETURNING {DRAFT_COLUMNS}"
            ),
            [
                current.id.into(),
                sealed.into(),
                update.current_step.into(),
                update.version.into(),
            ],
        ))
        .await?
        .ok_or(AppError::StaleVersion)?;
    draft_from(key, &row)
}

pub async fn discard(tx: &TenantTx, id: Uuid) -> AppResult<()> {
    let done = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM intake_drafts WHERE id = $1",
            [id.into()],
        ))
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The template a draft was started with was replaced: moves the draft to the
/// current version, keeping the answers whose fields still exist. Returns the
/// keys of the answers that were dropped.
pub async fn upgrade(tx: &TenantTx, key: &TenantKey, id: Uuid) -> AppResult<(Draft, Vec<String>)> {
    let current = draft(tx, key, id).await?;
    let old = templates::by_id(tx, current.template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let newest = templates::current(tx, &old.dispute_type)
        .await?
        .ok_or(AppError::Conflict(
            "This kind of case is no longer offered.",
        ))?;
    if current.case_id.is_some() || newest.id == old.id {
        return Ok((current, Vec::new()));
    }
    let who = current.audience();
    let (kept, dropped): (Answers, Answers) = current.answers.into_iter().partition(|(k, v)| {
        newest.definition.field(k).is_some()
            && newest
                .definition
                .check_answers(who, None, &Answers::from([(k.clone(), v.clone())]))
                .err()
                .is_none_or(|e| e.iter().all(|e| e.field != *k || e.reason == "required"))
    });
    let sealed = seal_answers(key, &kept, &draft_context(id))?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "UPDATE intake_drafts SET template_id = $2, answers_sealed = $3, current_step = 0,
                 version = version + 1 WHERE id = $1 RETURNING {DRAFT_COLUMNS}"
            ),
            [id.into(), newest.id.into(), sealed.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((draft_from(key, &row)?, dropped.into_keys().collect()))
}

/// What the claimant's account says about them.
async fn claimant_identity(tx: &TenantTx, user_id: Uuid) -> AppResult<(String, String)> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT u.email, p.name FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = $1",
            [user_id.into()],
        ))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((row.try_get("", "name")?, row.try_get("", "email")?))
}

/// The next case reference of the organization: `PREFIX-YEAR-000001`.
async fn next_reference(tx: &TenantTx, prefix: &str) -> AppResult<String> {
    let year = Utc::now().year();
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO case_reference_counters (org_id, year, last_value) VALUES ($1, $2, 1)
             ON CONFLICT (org_id, year) DO UPDATE SET last_value = case_reference_counters.last_value + 1
             RETURNING last_value",
            [tx.scope().org_id.into(), year.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("reference counter returned nothing")))?;
    let n: i32 = row.try_get("", "last_value")?;
    Ok(format!("{prefix}-{year}-{n:06}"))
}

/// A case-reference prefix from an organization slug: up to four letters.
pub fn reference_prefix(slug: &str) -> String {
    let parts: Vec<&str> = slug.split('-').filter(|p| !p.is_empty()).collect();
    let prefix: String = if parts.len() > 1 {
        parts
            .iter()
            .filter_map(|p| p.chars().next())
            .take(4)
            .collect()
    } else {
        slug.chars().take(4).collect()
    };
    let prefix = prefix.to_ascii_uppercase();
    if prefix.len() < 2 {
        "CASE".into()
    } else {
        prefix
    }
}

pub struct NewParty<'a> {
    pub case_id: Uuid,
    pub user_id: Option<Uuid>,
    pub party_type: &'static str,
    pub side: Side,
    pub represents: Option<Uuid>,
    pub name: &'a str,
    pub email: Option<&'a str>,
}

pub async fn insert_party(tx: &TenantTx, key: &TenantKey, party: NewParty<'_>) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let name = key.seal_str(party.name.trim(), &party_name_context(id))?;
    let email = party.email.map(|e| e.trim().to_lowercase());
    let email_sealed = email
        .as_deref()
        .map(|e| key.seal_str(e, &party_email_context(id)))
        .transpose()?;
    let email_hash = email.as_deref().map(|e| key.email_token(e));
    let name_hash = key.name_token(party.name);
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO parties (id, org_id, case_id, user_id, party_type, side, represents_party_id,
                                  name_sealed, email_sealed, email_hash, name_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                id.into(),
                tx.scope().org_id.into(),
                party.case_id.into(),
                party.user_id.into(),
                party.party_type.into(),
                party.side.key().into(),
                party.represents.into(),
                name.into(),
                email_sealed.into(),
                email_hash.into(),
                name_hash.into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// Blind-index tokens of everything a case can be searched by.
pub fn search_tokens(key: &TenantKey, texts: &[&str], emails: &[&str]) -> Vec<Vec<u8>> {
    let mut tokens: Vec<Vec<u8>> = Vec::new();
    for text in texts {
        for t in key.word_tokens(text) {
            if !tokens.contains(&t) {
                tokens.push(t);
            }
        }
    }
    for email in emails {
        let t = key.email_token(email);
        if !tokens.contains(&t) {
            tokens.push(t);
        }
    }
    tokens.truncate(256);
    tokens
}

/// Blind-index tokens as a PostgreSQL `bytea[]` parameter.
pub fn bytes_array(tokens: Vec<Vec<u8>>) -> sea_orm::Value {
    sea_orm::Value::Array(
        sea_orm::sea_query::ArrayType::Bytes,
        Some(Box::new(
            tokens
                .into_iter()
                .map(|t| sea_orm::Value::Bytes(Some(Box::new(t))))
                .collect(),
        )),
    )
}

async fn check_submittable(
    tx: &TenantTx,
    draft: &Draft,
    version: i32,
) -> AppResult<StoredTemplate> {
    if draft.version != version {
        return Err(AppError::StaleVersion);
    }
    let template = templates::by_id(tx, draft.template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if draft.case_id.is_none() {
        let newest = templates::current(tx, &template.dispute_type).await?;
        if newest.as_ref().map(|t| t.id) != Some(template.id) {
            return Err(AppError::Conflict(
                "The questions for this kind of case changed while you were filling them in. Review the updated form, then send it.",
            ));
        }
    }
    template
        .definition
        .check_answers(draft.audience(), None, &draft.answers)
        .map_err(AppError::from)?;
    Ok(template)
}

/// Submits a claimant's draft (loaded with [`draft`], which locks it): files the case. Everything happens in the
/// caller's transaction, so a failure leaves no case, party or submission.
pub async fn submit_claimant(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    org_slug: &str,
    draft: Draft,
    version: i32,
) -> AppResult<CaseRow> {
    if draft.case_id.is_some() {
        return Err(AppError::NotFound);
    }
    let template = check_submittable(tx, &draft, version).await?;
    let (other_name, other_email) = template
        .definition
        .other_party(&draft.answers)
        .ok_or(AppError::validation("other_party", "required"))?;
    let (claimant_name, claimant_email) = claimant_identity(tx, actor.user_id).await?;
    let case_id = Uuid::now_v7();
    let title = format!("{claimant_name} and {other_name}");
    let title_sealed = key.seal_str(&title, &CaseRow::title_context(case_id))?;
    let mut emails = vec![claimant_email.as_str()];
    emails.extend(other_email);
    let tokens = search_tokens(key, &[&claimant_name, other_name], &emails);
    let reference = next_reference(tx, &reference_prefix(org_slug)).await?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO cases (id, org_id, reference, dispute_type, template_id, status, title_sealed,
                                search_tokens, created_by)
             VALUES ($1, $2, $3, $4, $5, 'intake', $6, $7, $8)",
            [
                case_id.into(),
                actor.org_id.into(),
                reference.into(),
                template.dispute_type.clone().into(),
                template.id.into(),
                title_sealed.into(),
                bytes_array(tokens),
                actor.user_id.into(),
            ],
        ))
        .await?;
    let claimant = insert_party(
        tx,
        key,
        NewParty {
            case_id,
            user_id: Some(actor.user_id),
            party_type: "claimant",
            side: Side::Claimant,
            represents: None,
            name: &claimant_name,
            email: Some(&claimant_email),
        },
    )
    .await?;
    let respondent = insert_party(
        tx,
        key,
        NewParty {
            case_id,
            user_id: None,
            party_type: "respondent",
            side: Side::Respondent,
            represents: None,
            name: other_name,
            email: other_email,
        },
    )
    .await?;
    insert_submission(tx, key, actor, case_id, claimant, &draft).await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "case.filed",
            visibility: Visibility::Everyone,
            detail: json!({ "templateId": template.id, "templateVersion": template.version,
                            "claimantPartyId": claimant, "respondentPartyId": respondent }),
            note: None,
        },
    )
    .await?;
    discard(tx, draft.id).await?;
    access::load(tx, case_id, false)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("filed case missing")))
}

async fn insert_submission(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
    party_id: Uuid,
    draft: &Draft,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let sealed = seal_answers(key, &draft.answers, &submission_context(id))?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO case_submissions (id, org_id, case_id, party_id, template_id, answers_sealed, submitted_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                id.into(),
                actor.org_id.into(),
                case_id.into(),
                party_id.into(),
                draft.template_id.into(),
                sealed.into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
    Ok(id)
}

/// Submits a respondent's draft (loaded with [`draft`]): their intake joins the case.
pub async fn submit_respondent(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    draft: Draft,
    version: i32,
) -> AppResult<CaseRow> {
    let case_id = draft.case_id.ok_or(AppError::NotFound)?;
    let (case, _) = access::open(
        tx,
        actor,
        case_id,
        CaseAction::SubmitIntake(Side::Respondent),
        true,
    )
    .await?;
    access::check_editable(&case, None)?;
    check_submittable(tx, &draft, version).await?;
    if submitted_party(tx, actor, case_id).await?.is_some() {
        return Err(AppError::Conflict(
            "You have already sent your side of this case.",
        ));
    }
    let party: Uuid = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM parties WHERE case_id = $1 AND user_id = $2",
            [case_id.into(), actor.user_id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?
        .try_get("", "id")?;
    insert_submission(tx, key, actor, case_id, party, &draft).await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "case.respondent_intake",
            visibility: Visibility::Everyone,
            detail: json!({ "partyId": party }),
            note: None,
        },
    )
    .await?;
    discard(tx, draft.id).await?;
    Ok(case)
}

#[cfg(test)]
mod tests {
    use super::reference_prefix;

    #[test]
    fn reference_prefixes() {
        assert_eq!(reference_prefix("demo"), "DEMO");
        assert_eq!(reference_prefix("riverside-mediation-services"), "RMS");
        assert_eq!(reference_prefix("a"), "CASE");
        assert_eq!(reference_prefix("lakeside"), "LAKE");
    }
}
