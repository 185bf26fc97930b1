//! The GraphQL schema: queries, mutations and subscriptions of every domain
//! module, merged, with Apollo Federation v2 entities for `User` and `Organization`.

pub mod context;
pub mod documents;
pub mod extensions;
pub mod http;

use async_graphql::{Context, ID, MergedObject, MergedSubscription, Object, Schema};

use crate::audit::graphql::AuditQuery;
use crate::cases::graphql::CaseQuery;
use crate::cases::mutations::CaseMutation;
use crate::cases::work_graphql::{CaseWorkMutation, CaseWorkQuery};
use crate::compliance::consents::{ConsentMutation, ConsentQuery};
use crate::config::GraphqlSettings;
use crate::error::AppError;
use crate::identity::graphql::{IdentityMutation, IdentityQuery, User};
use crate::identity::invitations_graphql::{InvitationMutation, InvitationQuery};
use crate::identity::mfa_graphql::MfaMutation;
use crate::identity::passkeys_graphql::{PasskeyMutation, PasskeyQuery};
use crate::identity::sso_graphql::{SsoMutation, SsoQuery};
use crate::jobs::graphql::{JobsMutation, JobsQuery};
use crate::orgs::graphql::{OrgMutation, OrgQuery, OrgSubscription, Organization};
use crate::partner::graphql::{PartnerMutation, PartnerQuery};
use crate::scheduling::caldav_graphql::{CalendarSyncMutation, CalendarSyncQuery};
use crate::scheduling::calendar_graphql::{CalendarMutation, CalendarQuery};
use crate::scheduling::calendar_view::CalendarViewQuery;
use crate::scheduling::feed::{FeedMutation, FeedQuery};
use crate::scheduling::graphql::{SchedulingMutation, SchedulingQuery};
use crate::scheduling::rooms::{MeetingRoomsMutation, MeetingRoomsQuery};
use crate::scheduling::rules_graphql::{RulesMutation, RulesQuery};
use crate::scheduling::waitlist_staff::{WaitingListMutation, WaitingListQuery};
use crate::sms::graphql::SmsQuery;
use crate::video::graphql::{CaucusMutation, VideoMutation, VideoQuery, VideoSubscription};
use crate::video::operations::{OperationsMutation, OperationsQuery, OperationsSubscription};
use crate::video::quality::CallQualityQuery;
use crate::video::rules::{VideoRulesMutation, VideoRulesQuery};
use context::RequestContext;

#[derive(MergedObject, Default)]
pub struct Query(
    IdentityQuery,
    InvitationQuery,
    OrgQuery,
    AuditQuery,
    ConsentQuery,
    PartnerQuery,
    JobsQuery,
    PasskeyQuery,
    SsoQuery,
    CaseQuery,
    CaseWorkQuery,
    SchedulingQuery,
    CalendarQuery,
    RulesQuery,
    CalendarViewQuery,
    FeedQuery,
    CalendarSyncQuery,
    VideoQuery,
    VideoRulesQuery,
    OperationsQuery,
    CallQualityQuery,
    SmsQuery,
    WaitingListQuery,
    MeetingRoomsQuery,
    EntityResolvers,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    IdentityMutation,
    InvitationMutation,
    OrgMutation,
    ConsentMutation,
    MfaMutation,
    PasskeyMutation,
    SsoMutation,
    PartnerMutation,
    JobsMutation,
    CaseMutation,
    CaseWorkMutation,
    SchedulingMutation,
    CalendarMutation,
    RulesMutation,
    FeedMutation,
    CalendarSyncMutation,
    VideoMutation,
    VideoRulesMutation,
    CaucusMutation,
    OperationsMutation,
    WaitingListMutation,
    MeetingRoomsMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(OrgSubscription, VideoSubscription, OperationsSubscription);

pub type CaucusSchema = Schema<Query, Mutation, Subscription>;

/// Federation entity resolvers (`_entities`). They obey the same authorization
/// and tenant scoping as every other field.
#[derive(Default)]
pub struct EntityResolvers;

#[Object]
impl EntityResolvers {
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        crate::identity::graphql::find_user(RequestContext::of(ctx), &id)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }

    #[graphql(entity)]
    async fn find_organization_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Organization> {
        crate::orgs::graphql::find_organization(RequestContext::of(ctx), &id)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }
}

/// Builds the schema. Introspection is on only in development and test.
pub fn build_schema(settings: &GraphqlSettings, introspection: bool) -> CaucusSchema {
    let builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .enable_federation()
    .limit_depth(settings.max_depth)
    .limit_complexity(settings.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(16)
    .extension(extensions::Observability);
    let builder = if introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder.finish()
}

/// The SDL checked in as `schema.graphql`.
pub fn sdl() -> String {
    let schema = build_schema(
        &GraphqlSettings {
            max_depth: 64,
            max_complexity: 10_000,
        },
        true,
    );
    format!(
        "# Generated by `cargo run -p caucus-api -- schema > schema.graphql`. Do not edit.\n\n{}",
        schema.sdl()
    )
}
