//! Agreements: drafts from the organization's templates (agreement to
//! mediate, memorandum of understanding, settlement agreement) with merge
//! fields filled from the case, edited in versions (each sealed, none lost),
//! and shared with chosen parties for review. Signing comes with documents.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use serde_json::json;
use uuid::Uuid;

use super::access::{self, CaseRow};
use super::parties;
use super::timeline::{self, NewEvent};
use crate::audit::{self, AuditAction, ClientInfo, NewEntry};
use crate::authz::cases::{self as case_authz, CaseAction, Visibility};
use crate::authz::{self, Action, Actor};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

pub const MAX_BODY: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum AgreementKind {
    AgreementToMediate,
    MemorandumOfUnderstanding,
    SettlementAgreement,
}

impl AgreementKind {
    pub const ALL: &'static [AgreementKind] = &[
        AgreementKind::AgreementToMediate,
        AgreementKind::MemorandumOfUnderstanding,
        AgreementKind::SettlementAgreement,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AgreementKind::AgreementToMediate => "agreement_to_mediate",
            AgreementKind::MemorandumOfUnderstanding => "memorandum_of_understanding",
            AgreementKind::SettlementAgreement => "settlement_agreement",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.key() == key)
    }

    fn default_template(self) -> (&'static str, &'static str) {
        match self {
            AgreementKind::AgreementToMediate => (
                "Agreement to mediate",
                "AGREEMENT TO MEDIATE\n\nCase {{case_reference}} at {{organization_name}}.\n\n\
                 The parties, {{claimant_name}} and {{respondent_name}}, agree to take part in mediation \
                 with {{mediator_name}} as mediator.\n\n1. Mediation is voluntary. Any party may end it at any time.\n\
                 2. What is said in mediation is confidential and is not used in later proceedings, \
                 except as the law requires.\n3. The mediator is neutral, does not give legal advice and \
                 does not decide the dispute.\n4. Private meetings (caucuses) with the mediator stay \
                 confidential unless the party agrees otherwise.\n\nDate: {{today}}",
            ),
            AgreementKind::MemorandumOfUnderstanding => (
                "Memorandum of understanding",
                "MEMORANDUM OF UNDERSTANDING\n\nCase {{case_reference}}.\n\nBetween {{claimant_name}} and \
                 {{respondent_name}}, with the help of {{mediator_name}}.\n\nThe parties record the \
                 understandings they reached:\n\n1. \n2. \n3. \n\nThis memorandum is not binding until \
                 the parties sign a settlement agreement.\n\nDate: {{today}}",
            ),
            AgreementKind::SettlementAgreement => (
                "Settlement agreement",
                "SETTLEMENT AGREEMENT\n\nCase {{case_reference}} at {{organization_name}}.\n\nBetween \
                 {{claimant_name}} and {{respondent_name}}.\n\nThe parties settle the dispute on these terms:\n\n\
                 1. \n2. \n3. \n\nEach party has had the chance to take independent advice.\n\nDate: {{today}}",
            ),
        }
    }
}

/// The merge fields a template may use.
pub const MERGE_FIELDS: &[&str] = &[
    "case_reference",
    "organization_name",
    "claimant_name",
    "respondent_name",
    "mediator_name",
    "dispute_type",
    "today",
];

/// The `{{field}}` names used in `body`.
pub fn fields_used(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    out
}

/// Fills the merge fields of `body` from `values`.
pub fn merge(body: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match values.get(name) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[start..start + end + 4]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn check_template_body(body: &str) -> AppResult<()> {
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err(AppError::validation("body", "length"));
    }
    if fields_used(body).iter().any(|f| !MERGE_FIELDS.contains(f)) {
        return Err(AppError::validation("body", "unknown_merge_field"));
    }
    Ok(())
}

pub struct AgreementTemplate {
    pub id: Uuid,
    pub kind: AgreementKind,
    pub name: String,
    pub body: String,
    pub version: i32,
}

fn template_from(row: &QueryResult) -> AppResult<AgreementTemplate> {
    let kind: String = row.try_get("", "kind")?;
    Ok(AgreementTemplate {
        id: row.try_get("", "id")?,
        kind: AgreementKind::parse(&kind)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown agreement kind")))?,
        name: row.try_get("", "name")?,
        body: row.try_get("", "body")?,
        version: row.try_get("", "version")?,
    })
}

async fn insert_template(
    tx: &TenantTx,
    actor_id: Option<Uuid>,
    kind: AgreementKind,
    name: &str,
    body: &str,
) -> AppResult<AgreementTemplate> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended('agreement_template:' || $1::text || ':' || $2, 0))",
            [tx.scope().org_id.to_string().into(), kind.key().into()],
        ))
        .await?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO agreement_templates (id, org_id, kind, name, body, version, created_by)
             SELECT $1, $2, $3, $4, $5, COALESCE(MAX(version), 0) + 1, $6 FROM agreement_templates WHERE kind = $3
             RETURNING id, kind, name, body, version",
            [
                Uuid::now_v7().into(),
                tx.scope().org_id.into(),
                kind.key().into(),
                name.into(),
                body.into(),
                actor_id.into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("template insert returned nothing")))?;
    template_from(&row)
}

/// The newest template of every kind, the defaults written on first use.
pub async fn templates(tx: &TenantTx) -> AppResult<Vec<AgreementTemplate>> {
    let mut out = Vec::new();
    for &kind in AgreementKind::ALL {
        let row = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, kind, name, body, version FROM agreement_templates WHERE kind = $1
                 ORDER BY version DESC LIMIT 1",
                [kind.key().into()],
            ))
            .await?;
        out.push(match row {
            Some(row) => template_from(&row)?,
            None => {
                let (name, body) = kind.default_template();
                insert_template(tx, None, kind, name, body).await?
            }
        });
    }
    Ok(out)
}

pub async fn publish_template(
    tx: &TenantTx,
    actor: &Actor,
    kind: AgreementKind,
    name: &str,
    body: &str,
) -> AppResult<AgreementTemplate> {
    authz::authorize(actor, Action::ManageAgreementTemplates)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::validation("name", "length"));
    }
    check_template_body(body)?;
    templates(tx).await?;
    insert_template(tx, Some(actor.user_id), kind, name, body).await
}

pub struct Agreement {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: AgreementKind,
    pub version: i32,
    pub body: String,
    pub updated_at: DateTime<Utc>,
    pub shared_with: Vec<Uuid>,
}

fn version_context(agreement: Uuid, version: i32) -> Vec<u8> {
    format!("agreement:{agreement}:v{version}").into_bytes()
}

/// The case's values for the merge fields.
async fn merge_values(
    tx: &TenantTx,
    key: &TenantKey,
    case: &CaseRow,
) -> AppResult<BTreeMap<&'static str, String>> {
    let parties = parties::list(tx, key, case.id).await?;
    let names = |t: &str| {
        parties
            .iter()
            .filter(|p| p.party_type == t)
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let org = crate::orgs::service::current(tx).await?;
    let mediator = match case.lead_mediator_id {
        Some(id) => tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT name FROM profiles WHERE user_id = $1",
                [id.into()],
            ))
            .await?
            .map(|r| r.try_get::<String>("", "name"))
            .transpose()?
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(BTreeMap::from([
        ("case_reference", case.reference.clone()),
        ("organization_name", org.name),
        ("claimant_name", names("claimant")),
        ("respondent_name", names("respondent")),
        ("mediator_name", mediator),
        ("dispute_type", case.dispute_type.replace('_', " ")),
        ("today", Utc::now().format("%Y-%m-%d").to_string()),
    ]))
}

async fn insert_version(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    agreement: Uuid,
    version: i32,
    body: &str,
) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO agreement_versions (id, org_id, agreement_id, version, body_sealed, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
            [
                Uuid::now_v7().into(),
                actor.org_id.into(),
                agreement.into(),
                version.into(),
                key.seal_str(body, &version_context(agreement, version))?.into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Starts an agreement of `kind` on a case from the organization's current
/// template, with the merge fields filled in.
pub async fn draft(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
    kind: AgreementKind,
) -> AppResult<Agreement> {
    let (case, _) = access::open(tx, actor, case_id, CaseAction::DraftAgreements, true).await?;
    access::check_editable(&case, None)?;
    let template = templates(tx)
        .await?
        .into_iter()
        .find(|t| t.kind == kind)
        .ok_or(AppError::NotFound)?;
    let body = merge(&template.body, &merge_values(tx, key, &case).await?);
    let id = Uuid::now_v7();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO agreements (id, org_id, case_id, kind, template_id, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                id.into(),
                actor.org_id.into(),
                case_id.into(),
                kind.key().into(),
                template.id.into(),
                actor.user_id.into(),
            ],
        ))
        .await?;
    insert_version(tx, key, actor, id, 1, &body).await?;
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id,
            actor_id: Some(actor.user_id),
            kind: "agreement.drafted",
            visibility: Visibility::Staff,
            detail: json!({ "agreementId": id, "kind": kind.key() }),
            note: None,
        },
    )
    .await?;
    load(tx, key, id).await
}

async fn load(tx: &TenantTx, key: &TenantKey, id: Uuid) -> AppResult<Agreement> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT a.id, a.case_id, a.kind, a.current_version, a.updated_at, v.body_sealed,
                    ARRAY(SELECT s.party_id FROM agreement_shares s WHERE s.agreement_id = a.id ORDER BY s.party_id) AS shared
             FROM agreements a JOIN agreement_versions v ON v.agreement_id = a.id AND v.version = a.current_version
             WHERE a.id = $1",
            [id.into()],
        ))
        .await?
        .ok_or(AppError::NotFound)?;
    let kind: String = row.try_get("", "kind")?;
    let version: i32 = row.try_get("", "current_version")?;
    let sealed: Vec<u8> = row.try_get("", "body_sealed")?;
    Ok(Agreement {
        id,
        case_id: row.try_get("", "case_id")?,
        kind: AgreementKind::parse(&kind)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown kind")))?,
        version,
        body: key.open_str(&sealed, &version_context(id, version))?,
        updated_at: db::utc(&row, "updated_at")?,
        shared_with: row.try_get("", "shared")?,
    })
}

/// Saves a new version of the text, against the version the editor saw.
pub async fn edit(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    id: Uuid,
    version: i32,
    body: &str,
) -> AppResult<Agreement> {
    let current = load(tx, key, id).await?;
    let (case, _) = access::open(
        tx,
        actor,
        current.case_id,
        CaseAction::DraftAgreements,
        true,
    )
    .await?;
    access::check_editable(&case, None)?;
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err(AppError::validation("body", "length"));
    }
    let next = version + 1;
    let updated = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE agreements SET current_version = $3 WHERE id = $1 AND current_version = $2",
            [id.into(), version.into(), next.into()],
        ))
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::StaleVersion);
    }
    insert_version(tx, key, actor, id, next, body).await?;
    load(tx, key, id).await
}

/// Shares the agreement with these parties of its case for review.
pub async fn share(
    tx: &TenantTx,
    key: &TenantKey,
    client: &ClientInfo,
    actor: &Actor,
    id: Uuid,
    party_ids: &[Uuid],
) -> AppResult<Agreement> {
    let current = load(tx, key, id).await?;
    let (case, _) = access::open(
        tx,
        actor,
        current.case_id,
        CaseAction::DraftAgreements,
        true,
    )
    .await?;
    access::check_editable(&case, None)?;
    let on_case = parties::list(tx, key, case.id).await?;
    if party_ids.is_empty()
        || party_ids.len() > 50
        || party_ids
            .iter()
            .any(|p| !on_case.iter().any(|q| q.id == *p))
    {
        return Err(AppError::validation("partyIds", "unknown"));
    }
    for party in party_ids {
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO agreement_shares (org_id, agreement_id, party_id, shared_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                [actor.org_id.into(), id.into(), (*party).into(), actor.user_id.into()],
            ))
            .await?;
    }
    timeline::record(
        tx,
        key,
        NewEvent {
            case_id: case.id,
            actor_id: Some(actor.user_id),
            kind: "agreement.shared",
            visibility: Visibility::Everyone,
            detail: json!({ "agreementId": id, "partyIds": party_ids }),
            note: None,
        },
    )
    .await?;
    audit::record(
        tx,
        client,
        NewEntry::new(Some(actor.user_id), AuditAction::AgreementShared).target("agreement", id),
    )
    .await?;
    load(tx, key, id).await
}

/// The agreements of a case the actor may read: all of them for those who
/// draft them, the ones shared with their party (or the party they act for)
/// for parties and counsel.
pub async fn for_case(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
) -> AppResult<Vec<Agreement>> {
    let (_, rel) = access::open(tx, actor, case_id, CaseAction::View, false).await?;
    let drafts = case_authz::authorize_case(actor, &rel, CaseAction::DraftAgreements).is_ok();
    let ids = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT a.id FROM agreements a WHERE a.case_id = $1 AND ($2 OR EXISTS (
                 SELECT 1 FROM agreement_shares s JOIN parties p ON p.id = s.party_id OR p.represents_party_id = s.party_id
                 WHERE s.agreement_id = a.id AND p.user_id = $3))
             ORDER BY a.created_at, a.id",
            [case_id.into(), drafts.into(), actor.user_id.into()],
        ))
        .await?;
    let mut out = Vec::new();
    for row in ids {
        out.push(load(tx, key, row.try_get("", "id")?).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_fills_known_fields_and_keeps_others() {
        let values = BTreeMap::from([
            ("case_reference", "RMS-2026-000001".to_owned()),
            ("today", "2026-12-01".into()),
        ]);
        assert_eq!(
            merge(
                "Case {{case_reference}} on {{ today }}: {{nope}} {{unclosed",
                &values
            ),
            "Case RMS-2026-000001 on 2026-12-01: {{nope}} {{unclosed"
        );
        assert_eq!(fields_used("{{a}} x {{ b }}"), ["a", "b"]);
    }

    #[test]
    fn default_templates_use_known_fields_only() {
        for &kind in AgreementKind::ALL {
            let (_, body) = kind.default_template();
            assert!(check_template_body(body).is_ok(), "{kind:?}");
        }
        assert!(check_template_body("Hello {{ssn}}").is_err());
        assert!(check_template_body("   ").is_err());
    }
}
