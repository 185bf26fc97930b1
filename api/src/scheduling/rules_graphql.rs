//! GraphQL for the organization's booking rules: read by every member,
//! changed by org admins.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::settings::{self, SchedulingSettings};
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;

#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "SessionLengthInput")]
pub struct SessionLength {
    #[graphql(validator(max_length = 40))]
    pub dispute_type: String,
    pub minutes: u32,
}

#[derive(SimpleObject)]
pub struct SchedulingRules {
    pub buffer_minutes: u32,
    pub notice_hours: u32,
    pub max_sessions_per_day: u32,
    pub default_session_minutes: u32,
    /// Lengths set per dispute type.
    pub session_lengths: Vec<SessionLength>,
    /// Minutes before a session at which reminders go out.
    pub reminder_minutes: Vec<u32>,
    /// Whether parties may move or cancel a session themselves.
    pub parties_may_reschedule: bool,
    /// Until how many hours before a session they may.
    pub party_change_cutoff_hours: u32,
}

impl From<&SchedulingSettings> for SchedulingRules {
    fn from(s: &SchedulingSettings) -> Self {
        Self {
            buffer_minutes: s.buffer_minutes(),
            notice_hours: s.notice_hours(),
            max_sessions_per_day: s.max_sessions_per_day(),
            default_session_minutes: settings::DEFAULT_SESSION_MINUTES,
            session_lengths: s
                .session_minutes
                .iter()
                .map(|(k, m)| SessionLength {
                    dispute_type: k.clone(),
                    minutes: *m,
                })
                .collect(),
            reminder_minutes: s.reminder_minutes(),
            parties_may_reschedule: s.parties_may_reschedule(),
            party_change_cutoff_hours: s.party_change_cutoff_hours(),
        }
    }
}

#[derive(InputObject)]
pub struct SchedulingRulesInput {
    pub buffer_minutes: u32,
    pub notice_hours: u32,
    pub max_sessions_per_day: u32,
    #[graphql(validator(max_items = 50))]
    pub session_lengths: Vec<SessionLength>,
    #[graphql(validator(max_items = 5))]
    pub reminder_minutes: Vec<u32>,
    #[graphql(default = true)]
    pub parties_may_reschedule: bool,
    #[graphql(default = 24)]
    pub party_change_cutoff_hours: u32,
}

#[derive(Default)]
pub struct RulesQuery;

#[Object]
impl RulesQuery {
    /// The organization's booking rules.
    async fn scheduling_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<SchedulingRules> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ViewOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let s = settings::load(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok((&s).into())
    }
}

#[derive(Default)]
pub struct RulesMutation;

#[Object]
impl RulesMutation {
    /// Sets the organization's booking rules (org admins).
    async fn update_scheduling_rules(
        &self,
        ctx: &Context<'_>,
        input: SchedulingRulesInput,
    ) -> async_graphql::Result<SchedulingRules> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageSchedulingRules)?;
        let s = SchedulingSettings {
            buffer_minutes: Some(input.buffer_minutes),
            notice_hours: Some(input.notice_hours),
            max_sessions_per_day: Some(input.max_sessions_per_day),
            session_minutes: input
                .session_lengths
                .into_iter()
                .map(|l| (l.dispute_type, l.minutes))
                .collect(),
            reminder_minutes: Some(input.reminder_minutes),
            parties_may_reschedule: Some(input.parties_may_reschedule),
            party_change_cutoff_hours: Some(input.party_change_cutoff_hours),
        };
        let tx = rc.tenant_tx(actor).await?;
        settings::save(&tx, &s).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::SchedulingRulesChanged),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok((&s).into())
    }
}
