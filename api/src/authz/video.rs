//! Who may do what inside a video session. The caller is a room participant
//! (proven by a device-bound link or a signed-in account); its role in the
//! session decides, never anything the browser says about itself.

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
}
