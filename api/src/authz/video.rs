//! Who may do what inside a video session. The caller is a room participant
//! (proven by a device-bound link or a signed-in account); its role in the
//! session decides, never anything the browser says about itself.

use super::cases::{self as case_authz, CaseAction, CaseRelation};
use super::{Action, Actor, RoleKey};
use crate::error::{AppError, AppResult};

/// A participant's part in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
#[graphql(name = "VideoRole", rename_items = "SCREAMING_SNAKE_CASE")]
pub enum VideoRole {
    Mediator,
    CoMediator,
    Party,
    Representative,
    /// Interpreters, trainees: they see and hear, and publish nothing.
    Observer,
}

impl VideoRole {
    pub const ALL: &'static [VideoRole] = &[
        VideoRole::Mediator,
        VideoRole::CoMediator,
        VideoRole::Party,
        VideoRole::Representative,
        VideoRole::Observer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            VideoRole::Mediator => "mediator",
            VideoRole::CoMediator => "co_mediator",
            VideoRole::Party => "party",
            VideoRole::Representative => "representative",
            VideoRole::Observer => "observer",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.key() == key)
    }

    /// Mediators run the session: they are never kept in the lobby.
    pub fn moderates(self) -> bool {
        matches!(self, VideoRole::Mediator | VideoRole::CoMediator)
    }
}

/// Something a participant may try inside a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoAction {
    /// Wait in the lobby, and enter the room once admitted.
    Join,
    /// Send camera, microphone and screen into the room.
    Publish,
    /// Read and write the room's chat.
    Chat,
    /// Admit, decline, mute, remove, send back to the lobby, lock and end.
    Moderate,
}

pub fn allowed(role: VideoRole, action: VideoAction) -> bool {
    match action {
        VideoAction::Join | VideoAction::Chat => true,
        VideoAction::Publish => role != VideoRole::Observer,
        VideoAction::Moderate => role.moderates(),
    }
}

pub fn authorize_video(role: VideoRole, action: VideoAction) -> AppResult<()> {
    if allowed(role, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Reviewing a session's call-quality history afterwards (numbers only):
/// staff who watch the organization's live operations, and the session's
/// own mediator. Others on the case (parties, counsel, another mediator)
/// are refused; anyone who may not see the case is told it does not exist.
/// `session_mediator`: the actor is the mediator booked for this session.
pub fn authorize_quality_review(
    actor: &Actor,
    case: &CaseRelation,
    session_mediator: bool,
) -> AppResult<()> {
    if actor.mfa_pending {
        return Err(AppError::MfaEnrollmentRequired);
    }
    let watches = super::authorize(actor, Action::WatchOperations).is_ok();
    let mediates = session_mediator && actor.scopes.is_none() && actor.has(RoleKey::Mediator);
    if watches || mediates {
        return Ok(());
    }
    case_authz::authorize_case(actor, case, CaseAction::View)?;
    Err(AppError::Forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use VideoAction as A;
    use VideoRole as R;

    /// The whole matrix, written out: a change to a rule must change a row.
    #[test]
    fn role_by_action() {
        let expected: &[(R, [bool; 4])] = &[
            // Join, Publish, Chat, Moderate
            (R::Mediator, [true, true, true, true]),
            (R::CoMediator, [true, true, true, true]),
            (R::Party, [true, true, true, false]),
            (R::Representative, [true, true, true, false]),
            (R::Observer, [true, false, true, false]),
        ];
        assert_eq!(expected.len(), R::ALL.len());
        for (role, row) in expected {
            for (action, want) in [A::Join, A::Publish, A::Chat, A::Moderate].iter().zip(row) {
                assert_eq!(allowed(*role, *action), *want, "{role:?} {action:?}");
                assert_eq!(authorize_video(*role, *action).is_ok(), *want);
            }
        }
    }

    #[test]
    fn role_keys_round_trip() {
        for role in R::ALL {
            assert_eq!(R::parse(role.key()), Some(*role));
        }
        assert_eq!(R::parse("admin"), None);
    }

    /// Quality review, role by relationship: `Ok`, forbidden (`F`) or not
    /// found (`N`).
    #[test]
    #[allow(clippy::panic)]
    fn quality_review_by_role_and_relationship() {
        use crate::authz::cases::Side;
        use RoleKey as K;
        use uuid::Uuid;
        #[derive(Debug, Clone, Copy, PartialEq)]
        enum Want {
            Ok,
            F,
            N,
        }
        let outsider = (CaseRelation::default(), false);
        let claimant = (
            CaseRelation {
                side: Some(Side::Claimant),
                ..Default::default()
            },
            false,
        );
        let lead = (
            CaseRelation {
                lead_mediator: true,
                ..Default::default()
            },
            false,
        );
        let session_mediator = (
            CaseRelation {
                lead_mediator: true,
                ..Default::default()
            },
            true,
        );
        let rels = [outsider, claimant, lead, session_mediator];
        use Want::{F, N, Ok as Y};
        // Outsider, claimant, lead mediator (not this session's), this session's mediator.
        let expected: &[(K, [Want; 4])] = &[
            (K::PlatformOperator, [N, N, N, N]),
            (K::OrgAdmin, [Y, Y, Y, Y]),
            (K::CaseManager, [Y, Y, Y, Y]),
            (K::Mediator, [N, N, F, Y]),
            (K::Party, [N, F, N, N]),
            (K::PartyRepresentative, [N, F, N, N]),
            (K::Observer, [N, N, N, N]),
            (K::BillingAdmin, [N, N, N, N]),
            (K::ComplianceOfficer, [N, N, N, N]),
        ];
        assert_eq!(expected.len(), K::ALL.len(), "a role needs a row");
        for (role, row) in expected {
            let actor = Actor {
                user_id: Uuid::nil(),
                org_id: Uuid::nil(),
                roles: vec![*role],
                scopes: None,
                mfa_pending: false,
            };
            for ((rel, mine), want) in rels.iter().zip(row) {
                let got = match authorize_quality_review(&actor, rel, *mine) {
                    Result::Ok(()) => Y,
                    Err(AppError::Forbidden) => F,
                    Err(AppError::NotFound) => N,
                    Err(e) => panic!("{role:?}: unexpected {e:?}"),
                };
                assert_eq!(got, *want, "{role:?} {rel:?} session mediator {mine}");
            }
            let pending = Actor {
                mfa_pending: true,
                ..actor
            };
            assert!(matches!(
                authorize_quality_review(&pending, &session_mediator.0, true),
                Err(AppError::MfaEnrollmentRequired)
            ));
        }
    }
}
