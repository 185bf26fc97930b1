//! GraphQL for the work on a case: the mediator roster and conflicts,
//! suggestions and assignment, tasks, agreements and outcome statistics.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::access;
use super::agreements::{self, AgreementKind};
use super::assignment::{self, AssignmentStatus, MediatorResponse, Proposal};
use super::graphql::{open_tx, parse_uuid};
use super::roster::{self, ConflictKind, ConflictReason, MediatorEntry};
use super::stats::{self, Period};
use super::status::CaseStatus;
use super::{tasks, todos};
use crate::authz::cases::CaseAction;
use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;

#[derive(SimpleObject)]
pub struct RosterMediator {
    pub user_id: ID,
    pub name: String,
    /// Dispute types the mediator specialises in.
    pub specialties: Vec<String>,
    /// Languages (`en`, `es`, …) the mediator mediates in.
    pub languages: Vec<String>,
    pub fee_band: String,
    pub max_active_cases: i32,
    pub accepting_cases: bool,
    pub active_cases: i64,
}

impl From<MediatorEntry> for RosterMediator {
    fn from(e: MediatorEntry) -> Self {
        Self {
            user_id: ID(e.user_id.to_string()),
            name: e.name,
            specialties: e.specialties,
            languages: e.languages,
            fee_band: e.fee_band,
            max_active_cases: e.max_active_cases,
            accepting_cases: e.accepting_cases,
            active_cases: e.active_cases,
        }
    }
}

#[derive(SimpleObject)]
pub struct FoundConflictOut {
    /// Pass it in `clearConflicts` to clear this conflict.
    pub key: String,
    pub reason: ConflictReason,
    pub party_id: ID,
    pub other_case_reference: Option<String>,
}

impl From<roster::FoundConflict> for FoundConflictOut {
    fn from(c: roster::FoundConflict) -> Self {
        Self {
            key: c.key,
            reason: c.reason,
            party_id: ID(c.party_id.to_string()),
            other_case_reference: c.other_case_reference,
        }
    }
}

#[derive(SimpleObject)]
pub struct MediatorSuggestion {
    pub mediator: RosterMediator,
    /// 0–100: specialty, language, spare capacity.
    pub score: u32,
    pub specialty_match: bool,
    pub language_match: bool,
    /// Conflicts the check found; they must be cleared to assign.
    pub conflicts: Vec<FoundConflictOut>,
}

#[derive(SimpleObject)]
pub struct DeclaredConflictOut {
    pub id: ID,
    pub kind: ConflictKind,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct CaseAssignment {
    pub id: ID,
    pub mediator_id: ID,
    pub status: AssignmentStatus,
    pub response_deadline: Option<DateTime<Utc>>,
    pub conflicts_cleared: i32,
    /// Shown to the staff running the case only.
    pub clearance_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<assignment::Assignment> for CaseAssignment {
    fn from(a: assignment::Assignment) -> Self {
        Self {
            id: ID(a.id.to_string()),
            mediator_id: ID(a.mediator_id.to_string()),
            status: a.status,
            response_deadline: a.response_deadline,
            conflicts_cleared: i32::try_from(a.conflicts_cleared).unwrap_or(i32::MAX),
            clearance_note: a.clearance_note,
            created_at: a.created_at,
            decided_at: a.decided_at,
        }
    }
}

/// A proposed mediator a party is asked about.
#[derive(SimpleObject)]
pub struct MediatorProposal {
    pub assignment_id: ID,
    pub mediator_name: String,
    pub response_deadline: Option<DateTime<Utc>>,
    pub answered: bool,
}

#[derive(SimpleObject)]
pub struct CaseTask {
    pub id: ID,
    pub case_id: ID,
    pub case_reference: String,
    pub title: String,
    pub assignee_id: ID,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub version: i32,
}

impl From<tasks::Task> for CaseTask {
    fn from(t: tasks::Task) -> Self {
        Self {
            overdue: t.overdue(Utc::now()),
            id: ID(t.id.to_string()),
            case_id: ID(t.case_id.to_string()),
            case_reference: t.case_reference,
            title: t.title,
            assignee_id: ID(t.assignee_id.to_string()),
            due_at: t.due_at,
            done_at: t.done_at,
            version: t.version,
        }
    }
}

#[derive(SimpleObject)]
pub struct AgreementTemplateOut {
    pub id: ID,
    pub kind: AgreementKind,
    pub name: String,
    pub body: String,
    pub version: i32,
}

#[derive(SimpleObject)]
pub struct AgreementOut {
    pub id: ID,
    pub case_id: ID,
    pub kind: AgreementKind,
    pub version: i32,
    pub body: String,
    pub updated_at: DateTime<Utc>,
    pub shared_with_party_ids: Vec<ID>,
}

impl From<agreements::Agreement> for AgreementOut {
    fn from(a: agreements::Agreement) -> Self {
        Self {
            id: ID(a.id.to_string()),
            case_id: ID(a.case_id.to_string()),
            kind: a.kind,
            version: a.version,
            body: a.body,
            updated_at: a.updated_at,
            shared_with_party_ids: a.shared_with.iter().map(|p| ID(p.to_string())).collect(),
        }
    }
}

#[derive(SimpleObject)]
pub struct OutcomeCountOut {
    pub period_start: DateTime<Utc>,
    pub dispute_type: String,
    pub mediator_id: Option<ID>,
    pub outcome: CaseStatus,
    pub count: i64,
}

#[derive(Default)]
pub struct CaseWorkQuery;

#[Object]
impl CaseWorkQuery {
    /// The organization's mediators with their roster entries and loads.
    async fn mediator_roster(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RosterMediator>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageRoster)?;
        let tx = rc.tenant_tx(actor).await?;
        let out = roster::roster(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }

    /// A mediator's declared conflicts (roster keepers, or the mediator).
    async fn mediator_conflicts(
        &self,
        ctx: &Context<'_>,
        mediator_id: ID,
    ) -> async_graphql::Result<Vec<DeclaredConflictOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let out =
            roster::conflicts_of(&tx, &key, actor, parse_uuid(&mediator_id, "mediatorId")?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out
            .into_iter()
            .map(|c| DeclaredConflictOut {
                id: ID(c.id.to_string()),
                kind: c.kind,
                name: c.name,
            })
            .collect())
    }

    /// Mediators for a case, best fit first, each with the conflicts found.
    async fn mediator_suggestions(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<Vec<MediatorSuggestion>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let case_id = access::parse_id(case_id.as_str())?;
        let (case, _) =
            access::open(&tx, actor, case_id, CaseAction::AssignMediator, false).await?;
        let languages = super::parties::languages(&tx, case_id).await?;
        let ranked = roster::rank(roster::roster(&tx).await?, &case.dispute_type, &languages);
        let mut conflicts = roster::check_all(&tx, case_id).await?;
        let out = ranked
            .into_iter()
            .map(|r| MediatorSuggestion {
                score: r.score,
                specialty_match: r.specialty_match,
                language_match: r.language_match,
                conflicts: conflicts
                    .extract_if(.., |(m, _)| *m == r.entry.user_id)
                    .map(|(_, c)| c.into())
                    .collect(),
                mediator: r.entry.into(),
            })
            .collect();
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// The conflict check of one mediator against a case.
    async fn conflict_check(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        mediator_id: ID,
    ) -> async_graphql::Result<Vec<FoundConflictOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let out = assignment::check(
            &tx,
            actor,
            access::parse_id(case_id.as_str())?,
            parse_uuid(&mediator_id, "mediatorId")?,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }

    /// Every mediator proposal of a case (staff running it).
    async fn case_assignments(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<Vec<CaseAssignment>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let case_id = access::parse_id(case_id.as_str())?;
        access::open(&tx, actor, case_id, CaseAction::AssignMediator, false).await?;
        let out = assignment::history(&tx, &key, case_id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }

    /// The mediator a party of the case is asked to confirm, if any.
    async fn mediator_proposal(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<Option<MediatorProposal>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let case_id = access::parse_id(case_id.as_str())?;
        let (case, _) =
            access::open(&tx, actor, case_id, CaseAction::RespondToMediator, false).await?;
        let open = assignment::open_for(&tx, &key, &case, actor.user_id).await?;
        let out = match open {
            Some((a, answered)) => Some(MediatorProposal {
                assignment_id: ID(a.id.to_string()),
                mediator_name: super::parties::profile_name(&tx, a.mediator_id).await?,
                response_deadline: a.response_deadline,
                answered,
            }),
            None => None,
        };
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    async fn case_tasks(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<Vec<CaseTask>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let out = tasks::for_case(&tx, &key, actor, access::parse_id(case_id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }

    /// What waits for the signed-in person on their own cases: intakes to
    /// finish, a side to tell, a proposed mediator to answer. Deadlines first.
    async fn my_to_dos(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<todos::ToDo>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let out = todos::for_user(&tx, actor.user_id).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// The signed-in staff member's open tasks, soonest first; overdue ones flagged.
    async fn my_tasks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CaseTask>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let out = tasks::mine(&tx, &key, actor).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }

    async fn agreement_templates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<AgreementTemplateOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        if !actor.is_staff() {
            return Err(AppError::Forbidden.into());
        }
        let tx = rc.tenant_tx(actor).await?;
        let out = agreements::templates(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out
            .into_iter()
            .map(|t| AgreementTemplateOut {
                id: ID(t.id.to_string()),
                kind: t.kind,
                name: t.name,
                body: t.body,
                version: t.version,
            })
            .collect())
    }

    /// The case's agreements the reader may see.
    async fn case_agreements(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<Vec<AgreementOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let out =
            agreements::for_case(&tx, &key, actor, access::parse_id(case_id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out.into_iter().map(Into::into).collect())
    }

    /// Outcome counts per period, dispute type and mediator.
    async fn outcome_statistics(
        &self,
        ctx: &Context<'_>,
        period: Period,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> async_graphql::Result<Vec<OutcomeCountOut>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let out = stats::outcomes(&tx, actor, period, from, to).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out
            .into_iter()
            .map(|o| OutcomeCountOut {
                period_start: o.period_start,
                dispute_type: o.dispute_type,
                mediator_id: o.mediator_id.map(|m| ID(m.to_string())),
                outcome: o.outcome,
                count: o.count,
            })
            .collect())
    }
}

#[derive(InputObject)]
pub struct MediatorProfileInput {
    pub mediator_id: ID,
    #[graphql(validator(max_items = 20))]
    pub specialties: Vec<String>,
    #[graphql(validator(max_items = 20))]
    pub languages: Vec<String>,
    #[graphql(validator(max_length = 20))]
    pub fee_band: String,
    pub max_active_cases: i32,
    pub accepting_cases: bool,
}

#[derive(InputObject)]
pub struct ProposeMediatorInput {
    pub case_id: ID,
    pub version: i32,
    pub mediator_id: ID,
    /// Keys of the conflicts cleared (from the conflict check); all must be.
    #[graphql(default, validator(max_items = 100))]
    pub clear_conflicts: Vec<String>,
    /// Why the conflicts do not stand in the way (required when clearing).
    #[graphql(validator(max_length = 2000))]
    pub clearance_note: Option<String>,
    /// Ask the parties to confirm or object within this many days; without
    /// it the mediator is assigned at once.
    pub response_days: Option<u32>,
}

#[derive(InputObject)]
pub struct NewTaskInput {
    pub case_id: ID,
    #[graphql(validator(max_length = 300))]
    pub title: String,
    pub assignee_id: ID,
    pub due_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct CaseWorkMutation;

#[Object]
impl CaseWorkMutation {
    async fn save_mediator_profile(
        &self,
        ctx: &Context<'_>,
        input: MediatorProfileInput,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        roster::save_profile(
            &tx,
            actor,
            parse_uuid(&input.mediator_id, "mediatorId")?,
            roster::ProfileInput {
                specialties: input.specialties,
                languages: input.languages,
                fee_band: input.fee_band,
                max_active_cases: input.max_active_cases,
                accepting_cases: input.accepting_cases,
            },
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    async fn declare_conflict(
        &self,
        ctx: &Context<'_>,
        mediator_id: ID,
        kind: ConflictKind,
        #[graphql(validator(max_length = 200))] name: String,
        #[graphql(validator(max_length = 254))] email: Option<String>,
    ) -> async_graphql::Result<ID> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let id = roster::declare_conflict(
            &tx,
            &key,
            actor,
            parse_uuid(&mediator_id, "mediatorId")?,
            kind,
            &name,
            email.as_deref(),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ID(id.to_string()))
    }

    async fn remove_conflict(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        roster::remove_conflict(&tx, actor, access::parse_id(id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Proposes or assigns a mediator. Refused with `CONFLICT_OF_INTEREST`
    /// (the conflicts in `extensions.conflicts`) until each is cleared.
    async fn propose_mediator(
        &self,
        ctx: &Context<'_>,
        input: ProposeMediatorInput,
    ) -> async_graphql::Result<CaseAssignment> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let a = assignment::propose(
            &tx,
            &key,
            &rc.client,
            actor,
            Proposal {
                case_id: access::parse_id(input.case_id.as_str())?,
                version: input.version,
                mediator_id: parse_uuid(&input.mediator_id, "mediatorId")?,
                cleared: &input.clear_conflicts,
                clearance_note: input.clearance_note.as_deref(),
                response_days: input.response_days,
            },
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(a.into())
    }

    /// A party confirms or objects to the proposed mediator (an objection
    /// needs a reason, which only the staff see).
    async fn respond_to_mediator(
        &self,
        ctx: &Context<'_>,
        assignment_id: ID,
        response: MediatorResponse,
        #[graphql(validator(max_length = 2000))] reason: Option<String>,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        assignment::respond(
            &tx,
            &key,
            actor,
            access::parse_id(assignment_id.as_str())?,
            response,
            reason.as_deref(),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    async fn create_task(
        &self,
        ctx: &Context<'_>,
        input: NewTaskInput,
    ) -> async_graphql::Result<CaseTask> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let t = tasks::create(
            &tx,
            &key,
            actor,
            access::parse_id(input.case_id.as_str())?,
            &input.title,
            parse_uuid(&input.assignee_id, "assigneeId")?,
            input.due_at,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(t.into())
    }

    async fn complete_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<CaseTask> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let t = tasks::complete(&tx, &key, actor, access::parse_id(id.as_str())?, version).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(t.into())
    }

    async fn publish_agreement_template(
        &self,
        ctx: &Context<'_>,
        kind: AgreementKind,
        #[graphql(validator(max_length = 120))] name: String,
        #[graphql(validator(max_length = 100000))] body: String,
    ) -> async_graphql::Result<AgreementTemplateOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let t = agreements::publish_template(&tx, actor, kind, &name, &body).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(AgreementTemplateOut {
            id: ID(t.id.to_string()),
            kind: t.kind,
            name: t.name,
            body: t.body,
            version: t.version,
        })
    }

    /// Drafts an agreement on a case from the current template.
    async fn draft_agreement(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        kind: AgreementKind,
    ) -> async_graphql::Result<AgreementOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let a =
            agreements::draft(&tx, &key, actor, access::parse_id(case_id.as_str())?, kind).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(a.into())
    }

    /// Saves a new version of an agreement's text.
    async fn edit_agreement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        #[graphql(validator(max_length = 100000))] body: String,
    ) -> async_graphql::Result<AgreementOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let a = agreements::edit(
            &tx,
            &key,
            actor,
            access::parse_id(id.as_str())?,
            version,
            &body,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(a.into())
    }

    /// Shares an agreement with chosen parties of its case for review.
    async fn share_agreement(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(validator(max_items = 50))] party_ids: Vec<ID>,
    ) -> async_graphql::Result<AgreementOut> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let parties = party_ids
            .iter()
            .map(|p| parse_uuid(p, "partyIds"))
            .collect::<Result<Vec<_>, _>>()?;
        let a = agreements::share(
            &tx,
            &key,
            &rc.client,
            actor,
            access::parse_id(id.as_str())?,
            &parties,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(a.into())
    }
}
