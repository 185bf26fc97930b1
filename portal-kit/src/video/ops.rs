//! The video operations, typed from `schema.graphql` and `graphql/video/`.

use graphql_client::GraphQLQuery;

#[allow(unused_imports)]
use super::{Admission, CaseSide, CaucusStatus, ModerationControl, VideoRole};
#[allow(unused_imports)]
use crate::gql::DateTime;

/// One typed operation per name, from the document `graphql/video/$file`.
macro_rules! operations {
    ($($file:tt: $($name:ident)+;)+) => {$($(
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = $file,
            extern_enums("Admission", "VideoRole", "ModerationControl", "CaseSide", "CaucusStatus"),
            response_derives = "Debug, Clone, PartialEq"
        )]
        pub struct $name;
    )+)+};
}

operations! {
    "graphql/video/room.graphql": VideoRoom EnterLobby VideoToken ReportCallQuality;
    "graphql/video/join.graphql": BeginLinkJoin FinishLinkJoin JoinSessionAsMember;
    "graphql/video/moderation.graphql": ModerateParticipant AdmitEveryone LockSession EndSession;
    "graphql/video/chat.graphql": VideoChat SendVideoChat;
    "graphql/video/attendees.graphql": SessionAttendees IssueJoinLink;
    "graphql/video/caucus.graphql": PrepareSideCaucuses CreateCaucus SetCaucusOpen PlaceParticipant PlaceSide RecallEveryone SetCaucusTimer CallMediator;
}
