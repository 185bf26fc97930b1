//! GraphQL mutations for cases: intake drafts and submission, triage and the
//! lifecycle, parties, templates and mediator notes. Each runs in one tenant
//! transaction: on any error nothing is written.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};

use super::access;
use super::graphql::{
    Case, IntakeDraft, IntakeTemplate, MediatorNote, case_out, open_tx, parse_uuid,
};
use super::intake::{self, DraftUpdate};
use super::notes;
use super::parties::{self, ManualVerification, NewPartyKind, PartyInput, VerificationMethod};
use super::service::{self, Move};
use super::status::CaseStatus;
use super::template::{Answers, TemplateDefinition};
use super::templates;
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;
use crate::identity::invitations_graphql::LanguageInput;
use crate::orgs::service::{self as orgs, OrgSettings};

#[derive(InputObject)]
pub struct SaveIntakeDraftInput {
    pub id: ID,
    /// The version the portal last saw: a save from another device since
    /// then is not overwritten.
    pub version: i32,
    pub current_step: i32,
    pub answers: Json<Answers>,
    /// The key of the step being finished: its answers must be complete.
    #[graphql(validator(max_length = 40))]
    pub complete_section: Option<String>,
}

#[derive(SimpleObject)]
pub struct UpgradedIntakeDraft {
    pub draft: IntakeDraft,
    /// Answers that no longer fit the new questions and were dropped.
    pub dropped_fields: Vec<String>,
}

#[derive(InputObject)]
pub struct AdvanceCaseInput {
    pub case_id: ID,
    pub version: i32,
    pub to: CaseStatus,
    /// Why (required to decline or withdraw). Shown on the timeline.
    #[graphql(validator(max_length = 2000))]
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct AddPartyInput {
    pub case_id: ID,
    pub kind: NewPartyKind,
    #[graphql(validator(max_length = 200))]
    pub name: String,
    #[graphql(validator(max_length = 254))]
    pub email: Option<String>,
    /// For counsel: the party they act for.
    pub represents: Option<ID>,
}

#[derive(InputObject)]
pub struct PublishIntakeTemplateInput {
    #[graphql(validator(max_length = 40))]
    pub dispute_type: String,
    #[graphql(validator(max_length = 120))]
    pub name: String,
    pub definition: Json<TemplateDefinition>,
    /// The version the edit started from: when another version was
    /// published since, the edit is refused as stale rather than undoing it.
    pub base_version: Option<i32>,
}

#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// Starts an intake of a dispute type under its current template.
    async fn start_intake(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_length = 40))] dispute_type: String,
    ) -> async_graphql::Result<IntakeDraft> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::FileIntake)?;
        let (tx, key) = open_tx(rc, actor).await?;
        let draft = intake::start(&tx, &key, actor, &dispute_type).await?;
        let out = super::graphql::draft_out(&tx, draft).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Starts (or resumes) the signed-in respondent's intake of a case.
    async fn start_respondent_intake(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
    ) -> async_graphql::Result<IntakeDraft> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let draft =
            intake::start_respondent(&tx, &key, actor, access::parse_id(case_id.as_str())?).await?;
        let out = super::graphql::draft_out(&tx, draft).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Saves a draft (after each step, or "save and finish later").
    async fn save_intake_draft(
        &self,
        ctx: &Context<'_>,
        input: SaveIntakeDraftInput,
    ) -> async_graphql::Result<IntakeDraft> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let draft = intake::save(
            &tx,
            &key,
            DraftUpdate {
                id: access::parse_id(input.id.as_str())?,
                version: input.version,
                current_step: input.current_step,
                answers: input.answers.0,
                complete_section: input.complete_section,
            },
        )
        .await?;
        let out = super::graphql::draft_out(&tx, draft).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Moves a draft begun under an older template to the current one.
    async fn upgrade_intake_draft(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<UpgradedIntakeDraft> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let (draft, dropped_fields) =
            intake::upgrade(&tx, &key, access::parse_id(id.as_str())?).await?;
        let draft = super::graphql::draft_out(&tx, draft).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(UpgradedIntakeDraft {
            draft,
            dropped_fields,
        })
    }

    async fn discard_intake_draft(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        intake::discard(&tx, access::parse_id(id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Sends a finished intake. A claimant's files a new case (in the triage
    /// queue); a respondent's joins their case.
    async fn submit_intake(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Case> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let draft_id = access::parse_id(id.as_str())?;
        let draft = intake::draft(&tx, &key, draft_id).await?;
        let case = if draft.case_id.is_some() {
            intake::submit_respondent(&tx, &key, actor, draft, version).await?
        } else {
            authz::authorize(actor, Action::FileIntake)?;
            let org = orgs::current(&tx).await?;
            let case = intake::submit_claimant(&tx, &key, actor, &org.slug, draft, version).await?;
            audit::record(
                &tx,
                &rc.client,
                NewEntry::new(Some(actor.user_id), AuditAction::CaseFiled).target("case", case.id),
            )
            .await?;
            if OrgSettings::from_json(&org.settings_json).auto_invite_respondents {
                parties::invite_on_filing(&tx, &key, case.id).await?;
            }
            case
        };
        let out = case_out(&key, &case)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Moves a case along its lifecycle: accept at triage (`TRIAGE`), decline
    /// (`DECLINED`, with a reason), record an outcome, close, archive, …
    async fn advance_case(
        &self,
        ctx: &Context<'_>,
        input: AdvanceCaseInput,
    ) -> async_graphql::Result<Case> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let case = service::advance(
            &tx,
            &key,
            &rc.client,
            actor,
            Move {
                case_id: access::parse_id(input.case_id.as_str())?,
                version: input.version,
                to: input.to,
                reason: input.reason.as_deref(),
            },
        )
        .await?;
        let out = case_out(&key, &case)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    async fn assign_case_manager(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        case_manager_id: ID,
    ) -> async_graphql::Result<Case> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let manager = parse_uuid(&case_manager_id, "caseManagerId")?;
        let case = service::assign_manager(
            &tx,
            &key,
            &rc.client,
            actor,
            access::parse_id(case_id.as_str())?,
            version,
            manager,
        )
        .await?;
        let out = case_out(&key, &case)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    async fn rename_case(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        version: i32,
        #[graphql(validator(max_length = 200))] title: String,
    ) -> async_graphql::Result<Case> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let case = service::edit_title(
            &tx,
            &key,
            &rc.client,
            actor,
            access::parse_id(case_id.as_str())?,
            version,
            &title,
        )
        .await?;
        let out = case_out(&key, &case)?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(out)
    }

    /// Adds a respondent, another party or counsel to a case.
    async fn add_party(
        &self,
        ctx: &Context<'_>,
        input: AddPartyInput,
    ) -> async_graphql::Result<ID> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let represents = input
            .represents
            .as_ref()
            .map(|r| parse_uuid(r, "represents"))
            .transpose()?;
        let id = parties::add(
            &tx,
            &key,
            &rc.client,
            actor,
            PartyInput {
                case_id: access::parse_id(input.case_id.as_str())?,
                kind: input.kind,
                name: &input.name,
                email: input.email.as_deref(),
                represents,
            },
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ID(id.to_string()))
    }

    /// Invites a party by the email address on record.
    async fn invite_party(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        party_id: ID,
        #[graphql(default)] language: LanguageInput,
    ) -> async_graphql::Result<ID> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let id = parties::invite(
            &tx,
            &key,
            &rc.client,
            actor,
            access::parse_id(case_id.as_str())?,
            parse_uuid(&party_id, "partyId")?,
            language.into(),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(ID(id.to_string()))
    }

    /// Records how staff checked a party's identity.
    async fn verify_party(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        party_id: ID,
        method: VerificationMethod,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        if method == VerificationMethod::Provider {
            return Err(AppError::validation("method", "provider_only").into());
        }
        let (tx, key) = open_tx(rc, actor).await?;
        parties::record_verification(
            &tx,
            &key,
            &rc.client,
            actor,
            access::parse_id(case_id.as_str())?,
            parse_uuid(&party_id, "partyId")?,
            &ManualVerification(method),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }

    /// Publishes a new version of a dispute type's intake template (or a new
    /// dispute type). Cases already filed keep their version.
    async fn publish_intake_template(
        &self,
        ctx: &Context<'_>,
        input: PublishIntakeTemplateInput,
    ) -> async_graphql::Result<IntakeTemplate> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageTemplates)?;
        let tx = rc.tenant_tx(actor).await?;
        templates::ensure_defaults(&tx).await?;
        let t = templates::publish(
            &tx,
            Some(actor.user_id),
            &input.dispute_type,
            &input.name,
            &input.definition.0,
            input.base_version,
        )
        .await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::TemplatePublished)
                .target("intake_template", t.id),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(t.into())
    }

    async fn add_mediator_note(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        #[graphql(validator(max_length = 50000))] body: String,
    ) -> async_graphql::Result<MediatorNote> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let note = notes::add(&tx, &key, actor, access::parse_id(case_id.as_str())?, &body).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(note.into())
    }

    async fn update_mediator_note(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        #[graphql(validator(max_length = 50000))] body: String,
    ) -> async_graphql::Result<MediatorNote> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let (tx, key) = open_tx(rc, actor).await?;
        let note = notes::update(
            &tx,
            &key,
            actor,
            access::parse_id(id.as_str())?,
            version,
            &body,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(note.into())
    }

    async fn delete_mediator_note(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        notes::delete(&tx, actor, access::parse_id(id.as_str())?).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(true)
    }
}
