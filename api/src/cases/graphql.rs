//! GraphQL types and queries for cases. Resolvers open a tenant transaction,
//! call the case services (which authorize through `authz::cases`), and map.

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::{self, CaseRow};
use super::intake::{self, Draft};
use super::parties::{self, PartyRow, VerificationMethod};
use super::service::{self, CaseFilter, Cursor};
use super::status::CaseStatus;
use super::template::{Answers, TemplateDefinition};
use super::templates::{self, StoredTemplate};
use super::{notes, timeline};
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::cases::{self as case_authz, CaseAction, CaseRelation, Side, Visibility};
use crate::authz::{self, Actor};
use crate::crypto::tenant::TenantKey;
use crate::db::TenantTx;
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;
use crate::orgs::service::{self as orgs, OrgSettings};

/// A version of a dispute type's intake template.
#[derive(SimpleObject)]
pub struct IntakeTemplate {
    pub id: ID,
    pub dispute_type: String,
    pub version: i32,
    pub name: String,
    /// Sections of typed fields (see `docs/cases.md`).
    pub definition: Json<TemplateDefinition>,
    pub created_at: DateTime<Utc>,
}

impl From<StoredTemplate> for IntakeTemplate {
    fn from(t: StoredTemplate) -> Self {
        Self {
            id: ID(t.id.to_string()),
            dispute_type: t.dispute_type,
            version: t.version,
            name: t.name,
            definition: Json(t.definition),
            created_at: t.created_at,
        }
    }
}

/// An intake in progress, only ever shown to the person filling it in.
#[derive(SimpleObject)]
pub struct IntakeDraft {
    pub id: ID,
    pub template: IntakeTemplate,
    /// Set for a respondent's intake: the case it answers.
    pub case_id: Option<ID>,
    pub answers: Json<Answers>,
    pub current_step: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    /// False when the organization published a newer version of the
    /// template since the draft began: `upgradeIntakeDraft` moves it over.
    pub template_is_current: bool,
}

pub async fn draft_out(tx: &TenantTx, d: Draft) -> AppResult<IntakeDraft> {
    let template = templates::by_id(tx, d.template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = if d.case_id.is_some() {
        true
    } else {
        templates::current(tx, &template.dispute_type)
            .await?
            .is_some_and(|c| c.id == template.id)
    };
    Ok(IntakeDraft {
        id: ID(d.id.to_string()),
        template: template.into(),
        case_id: d.case_id.map(|c| ID(c.to_string())),
        answers: Json(d.answers),
        current_step: d.current_step,
        version: d.version,
        updated_at: d.updated_at,
        template_is_current: current,
    })
}

/// How a new intake stands against the organization's triage target.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlaState {
    OnTrack,
    /// Less than a quarter of the target time is left.
    DueSoon,
    Overdue,
}

#[derive(SimpleObject)]
pub struct Sla {
    pub due_at: DateTime<Utc>,
    pub state: SlaState,
}

/// The triage target: a new intake should be accepted or declined within
/// `hours` of filing.
pub fn sla(opened_at: DateTime<Utc>, hours: u32, now: DateTime<Utc>) -> Sla {
    let target = Duration::hours(i64::from(hours.max(1)));
    let due_at = opened_at + target;
    let state = if now >= due_at {
        SlaState::Overdue
    } else if due_at - now <= target / 4 {
        SlaState::DueSoon
    } else {
        SlaState::OnTrack
    };
    Sla { due_at, state }
}

#[derive(SimpleObject)]
pub struct CaseLink {
    pub id: ID,
    pub reference: String,
}

/// A case as lists show it.
#[derive(SimpleObject)]
pub struct Case {
    pub id: ID,
    pub reference: String,
    pub title: String,
    pub status: CaseStatus,
    pub dispute_type: String,
    pub template_id: ID,
    pub opened_at: DateTime<Utc>,
    pub status_changed_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub outcome: Option<CaseStatus>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub lead_mediator_id: Option<ID>,
    pub case_manager_id: Option<ID>,
    /// Give this back when editing: a stale one is refused.
    pub version: i32,
    /// The triage target of a new intake (staff only).
    pub sla: Option<Sla>,
    /// Other cases with a party of the same email address (staff only).
    pub possible_duplicates: Vec<CaseLink>,
}

pub fn case_out(key: &TenantKey, row: &CaseRow) -> AppResult<Case> {
    Ok(Case {
        id: ID(row.id.to_string()),
        reference: row.reference.clone(),
        title: key.open_str(&row.title_sealed, &CaseRow::title_context(row.id))?,
        status: row.status,
        dispute_type: row.dispute_type.clone(),
        template_id: ID(row.template_id.to_string()),
        opened_at: row.opened_at,
        status_changed_at: row.status_changed_at,
        closed_at: row.closed_at,
        archived_at: row.archived_at,
        outcome: row.outcome,
        outcome_at: row.outcome_at,
        lead_mediator_id: row.lead_mediator_id.map(|u| ID(u.to_string())),
        case_manager_id: row.case_manager_id.map(|u| ID(u.to_string())),
        version: row.version,
        sla: None,
        possible_duplicates: Vec::new(),
    })
}

#[derive(SimpleObject)]
pub struct CaseConnection {
    pub nodes: Vec<Case>,
    pub page_info: PageInfo,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum PartyType {
    Claimant,
    Respondent,
    Other,
    Representative,
}

impl PartyType {
    fn parse(key: &str) -> Self {
        match key {
            "claimant" => PartyType::Claimant,
            "respondent" => PartyType::Respondent,
            "representative" => PartyType::Representative,
            _ => PartyType::Other,
        }
    }
}

#[derive(SimpleObject)]
pub struct Party {
    pub id: ID,
    pub party_type: PartyType,
    pub side: Side,
    pub name: String,
    /// Shown to the staff running the case, and to the person themselves.
    pub email: Option<String>,
    pub represents_party_id: Option<ID>,
    /// Whether the person has joined the case with an account.
    pub has_account: bool,
    pub invited_at: Option<DateTime<Utc>>,
    /// Unverified parties are flagged wherever it matters.
    pub verified: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub verification_method: Option<VerificationMethod>,
}

fn party_out(p: PartyRow, show_email: bool, me: Uuid) -> Party {
    let mine = p.user_id == Some(me);
    Party {
        id: ID(p.id.to_string()),
        party_type: PartyType::parse(&p.party_type),
        side: p.side,
        name: p.name,
        email: p.email.filter(|_| show_email || mine),
        represents_party_id: p.represents_party_id.map(|r| ID(r.to_string())),
        has_account: p.user_id.is_some(),
        invited_at: p.invited_at,
        verified: p.verified_at.is_some(),
        verified_at: p.verified_at,
        verification_method: p.verification_method,
    }
}

/// One side's submitted intake, as much of it as the reader may see.
#[derive(SimpleObject)]
pub struct Intake {
    pub party_id: ID,
    pub side: Side,
    pub submitted_at: DateTime<Utc>,
    pub answers: Json<Answers>,
    /// False when only the shared answers are shown.
    pub complete: bool,
}

#[derive(SimpleObject)]
pub struct TimelineEntry {
    pub id: ID,
    /// `case.filed`, `case.status_changed`, `party.invited`, …
    pub kind: String,
    pub actor_id: Option<ID>,
    pub visibility: Visibility,
    /// Identifiers and states only.
    pub detail: Json<serde_json::Value>,
    /// What the person wrote with it (a reason), if anything.
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What the reader may do with the case: the portal shows only these.
#[derive(SimpleObject)]
pub struct CasePermissions {
    pub manage: bool,
    pub manage_parties: bool,
    pub advance: bool,
    pub record_outcome: bool,
    pub mediator_notes: bool,
    pub submit_respondent_intake: bool,
    /// The states the reader may move the case to now.
    pub next_statuses: Vec<CaseStatus>,
}

#[derive(SimpleObject)]
pub struct CaseDetail {
    pub case: Case,
    pub template: IntakeTemplate,
    pub parties: Vec<Party>,
    pub intakes: Vec<Intake>,
    pub timeline: Vec<TimelineEntry>,
    /// The reader's side when they are a party or counsel.
    pub my_side: Option<Side>,
    pub can: CasePermissions,
}

fn permissions(actor: &Actor, rel: &CaseRelation, case: &CaseRow) -> CasePermissions {
    let can = |a| case_authz::authorize_case(actor, rel, a).is_ok() && !case.status.is_read_only();
    let next_statuses = case
        .status
        .next()
        .iter()
        .copied()
        .filter(|to| can(service::action_for(*to)))
        .collect();
    CasePermissions {
        manage: can(CaseAction::Manage),
        manage_parties: can(CaseAction::ManageParties),
        advance: can(CaseAction::Advance),
        record_outcome: can(CaseAction::RecordOutcome),
        mediator_notes: case_authz::authorize_case(actor, rel, CaseAction::MediatorNotes).is_ok(),
        submit_respondent_intake: can(CaseAction::SubmitIntake(Side::Respondent)),
        next_statuses,
    }
}

/// A request's tenant transaction with the tenant's key.
pub async fn open_tx(rc: &RequestContext, actor: &Actor) -> AppResult<(TenantTx, TenantKey)> {
    let tx = rc.tenant_tx(actor).await?;
    let key = TenantKey::of(&tx, &rc.state.data_key).await?;
    Ok((tx, key))
}

pub fn parse_uuid(id: &ID, field: &'static str) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::validation(field, "format"))
}

async fn org_settings(tx: &TenantTx) -> AppResult<OrgSettings> {
    Ok(OrgSettings::from_json(
        &orgs::current(tx).await?.settings_json,
    ))
}

async fn detail(
    rc: &RequestContext,
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    case_id: Uuid,
) -> AppResult<CaseDetail> {
    let (row, rel) = access::open(tx, actor, case_id, CaseAction::View, false).await?;
    let template = templates::by_id(tx, row.template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let staff = case_authz::sees(actor, &rel, Visibility::Staff);
    let party_rows = parties::list(tx, key, case_id).await?;
    let mut intakes = Vec::new();
    let mut viewed = Vec::new();
    for s in super::submissions::list(tx, key, case_id).await? {
        let side = party_rows
            .iter()
            .find(|p| p.id == s.party_id)
            .map(|p| p.side)
            .unwrap_or(Side::Neutral);
        let full = case_authz::authorize_case(actor, &rel, CaseAction::ViewIntake(side)).is_ok();
        if full && rel.side != Some(side) {
            viewed.push(s.id);
        }
        intakes.push(Intake {
            party_id: ID(s.party_id.to_string()),
            side,
            submitted_at: s.submitted_at,
            answers: Json(template.definition.visible_answers(&s.answers, full)),
            complete: full,
        });
    }
    let events = timeline::visible(tx, key, actor, &rel, case_id).await?;
    let mut case = case_out(key, &row)?;
    if staff && row.status == CaseStatus::Intake {
        let settings = org_settings(tx).await?;
        case.sla = Some(sla(row.opened_at, settings.triage_sla_hours(), Utc::now()));
    }
    if staff {
        case.possible_duplicates = service::duplicate_hints(tx, &[case_id])
            .await?
            .into_iter()
            .map(|(_, id, reference)| CaseLink {
                id: ID(id.to_string()),
                reference,
            })
            .collect();
    }
    // Reading another person's private intake is audited. The audit chain
    // takes the organization's lock until commit, so this comes last: other
    // readers of the organization wait for the commit only, not for the reads.
    for submission in viewed {
        audit::record(
            tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::IntakeViewed)
                .target("submission", submission),
        )
        .await?;
    }
    Ok(CaseDetail {
        can: permissions(actor, &rel, &row),
        case,
        template: template.into(),
        parties: party_rows
            .into_iter()
            .map(|p| party_out(p, staff, actor.user_id))
            .collect(),
        intakes,
        timeline: events
            .into_iter()
            .map(|e| TimelineEntry {
                id: ID(e.id.to_string()),
                kind: e.kind,
                actor_id: e.actor_id.map(|a| ID(a.to_string())),
                visibility: e.visibility,
                detail: Json(e.detail),
                note: e.note,
                created_at: e.created_at,
            })
            .collect(),
        my_side: rel.side,
    })
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub enum CaseOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

#[derive(InputObject, Default)]
pub struct CaseFilterInput {
    #[graphql(default)]
    pub statuses: Vec<CaseStatus>,
    #[graphql(validator(max_length = 40))]
    pub dispute_type: Option<String>,
    #[graphql(validator(max_length = 200))]
    pub search: Option<String>,
    #[graphql(default)]
    pub managed_by_me: bool,
}

async fn case_page(
    tx: &TenantTx,
    key: &TenantKey,
    actor: &Actor,
    filter: CaseFilter,
    first: u64,
    after: Option<String>,
    order: CaseOrder,
) -> AppResult<CaseConnection> {
    let after = after.as_deref().map(Cursor::decode).transpose()?;
    let after_given = after.is_some();
    let (rows, more) = service::list(
        tx,
        key,
        actor,
        &filter,
        first,
        after,
        order == CaseOrder::OldestFirst,
    )
    .await?;
    let staff = authz::authorize(actor, authz::Action::ListAllCases).is_ok();
    let (hours, dupes) = if staff {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        (
            org_settings(tx).await?.triage_sla_hours(),
            service::duplicate_hints(tx, &ids).await?,
        )
    } else {
        (0, Vec::new())
    };
    let now = Utc::now();
    let mut nodes = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut case = case_out(key, row)?;
        if staff {
            if row.status == CaseStatus::Intake {
                case.sla = Some(sla(row.opened_at, hours, now));
            }
            case.possible_duplicates = dupes
                .iter()
                .filter(|(c, _, _)| *c == row.id)
                .map(|(_, id, reference)| CaseLink {
                    id: ID(id.to_string()),
                    reference: reference.clone(),
                })
                .collect();
        }
        nodes.push(case);
    }
    Ok(CaseConnection {
        page_info: PageInfo {
            has_previous_page: after_given,
            has_next_page: more,
            start_cursor: rows.first().map(|r| {
                Cursor {
                    opened_at: r.opened_at,
                    id: r.id,
                }
                .encode()
            }),
            end_cursor: rows.last().map(|r| {
                Cursor {
                    opened_at: r.opened_at,
                    id: r.id,
                }
                .encode()
            }),
        },
        nodes,
    })
}

#[derive(SimpleObject)]
pub struct MediatorNote {
    pub id: ID,
    pub body: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<notes::Note> for MediatorNote {
    fn from(n: notes::Note) -> Self {
        Self {
            id: ID(n.id.to_string()),
            body: n.body,
            version: n.version,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// Cases per page when the caller does not say.
pub const DEFAULT_PAGE: u64 = 25;

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// The intake templates of the organization's dispute types, newest
    /// versions.
    async fn intake_templates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<IntakeTemplate>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, authz::Action::ViewOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        templates::ensure_defaults(&tx).await?;
        let all = templates::current_all(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(all.into_iter().map(Into::into).collect())
    }

    /// Every version of one dispute type's template, newest first.
    async fn intake_template_versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 40))] dispute_type: String,
    ) -> async_graphql::Result<Vec<IntakeTemplate>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, authz::Action::ViewOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        templates::ensure_defaults(&tx).await?;
        let all = templates::versions(&tx, &dispute_type).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(all.into_iter().map(Into::into).collect())
    }

    /// One template version, current or old.
    async fn intake_template(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<IntakeTemplate> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, authz::Action::ViewOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let t = templates::by_id(&tx, access::parse_id(id.as_str())?)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(t.into())
    }

    /// The signed-in person's intakes in progress.
    async fn my_intake_drafts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IntakeDraft>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let mut out = Vec::new();
        for d in intake::my_drafts(&tx, &key).await? {
            out.push(draft_out(&tx, d).await?);
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    async fn intake_draft(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<IntakeDraft> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let d = intake::draft(&tx, &key, access::parse_id(id.as_str())?).await?;
        let out = draft_out(&tx, d).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Cases the signed-in person may see: every case for case managers and
    /// org admins, a mediator's own, a party's own. Newest first unless asked.
    async fn cases(
        &self,
        ctx: &Context<'_>,
        first: Option<u64>,
        after: Option<String>,
        filter: Option<CaseFilterInput>,
        order: Option<CaseOrder>,
    ) -> async_graphql::Result<CaseConnection> {
        let filter = filter.unwrap_or_default();
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let filter = CaseFilter {
            statuses: filter.statuses,
            dispute_type: filter.dispute_type,
            search: filter.search,
            managed_by_me: filter.managed_by_me,
        };
        let page = case_page(
            &tx,
            &key,
            actor,
            filter,
            first.unwrap_or(DEFAULT_PAGE),
            after,
            order.unwrap_or_default(),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(page)
    }

    /// New intakes waiting for triage, oldest first, with their targets and
    /// possible duplicates.
    async fn triage_queue(
        &self,
        ctx: &Context<'_>,
        first: Option<u64>,
        after: Option<String>,
        #[graphql(validator(max_length = 200))] search: Option<String>,
        #[graphql(validator(max_length = 40))] dispute_type: Option<String>,
    ) -> async_graphql::Result<CaseConnection> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, authz::Action::ListAllCases)?;
        let (tx, key) = open_tx(rc, actor).await?;
        let filter = CaseFilter {
            statuses: vec![CaseStatus::Intake],
            dispute_type,
            search,
            managed_by_me: false,
        };
        let page = case_page(
            &tx,
            &key,
            actor,
            filter,
            first.unwrap_or(DEFAULT_PAGE),
            after,
            CaseOrder::OldestFirst,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(page)
    }

    /// A case with its parties, intakes and timeline, as much as the reader
    /// may see.
    async fn case(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<CaseDetail> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let out = detail(rc, &tx, &key, actor, access::parse_id(id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// The case's lead mediator's own private notes.
    async fn mediator_notes(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<Vec<MediatorNote>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let out = notes::list(&tx, &key, actor, access::parse_id(case_id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }
}
