//! The video operations, typed from `schema.graphql` and `graphql/video/`.

use graphql_client::GraphQLQuery;

#[allow(unused_imports)]
use super::{Admission, ModerationControl, VideoRole};
#[allow(unused_imports)]
use crate::gql::DateTime;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/room.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct VideoRoom;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/room.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct EnterLobby;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/room.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct VideoToken;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/join.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct BeginLinkJoin;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/join.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct FinishLinkJoin;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/join.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct JoinSessionAsMember;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/moderation.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct ModerateParticipant;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/moderation.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct AdmitEveryone;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/moderation.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct LockSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/moderation.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct EndSession;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/chat.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct VideoChat;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/chat.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct SendVideoChat;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/attendees.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SessionAttendees;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video/attendees.graphql",
    extern_enums("Admission", "VideoRole", "ModerationControl"),
    response_derives = "Debug, Clone"
)]
pub struct IssueJoinLink;
