//! Who sees the organization's waiting list for earlier times and may
//! withdraw a request: org admins and case managers for every case, a
//! mediator for their own sessions only. Parties (who ask and accept in the
//! client portal) and everyone else are refused.

use uuid::Uuid;

use super::{Action, Actor, RoleKey};
use crate::error::{AppError, AppResult};

/// Which requests an actor's view of the waiting list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingListScope {
    /// Every request of the organization (staff).
    All,
    /// The requests of this mediator's sessions.
    MediatorOf(Uuid),
}

impl WaitingListScope {
    /// Whether a request for a session of `mediator_id` is in view.
    pub fn covers(self, mediator_id: Uuid) -> bool {
        match self {
            WaitingListScope::All => true,
            WaitingListScope::MediatorOf(own) => own == mediator_id,
        }
    }
}

/// The actor's view of the waiting list, or `FORBIDDEN`.
pub fn waiting_list_scope(actor: &Actor) -> AppResult<WaitingListScope> {
    super::authorize(actor, Action::ViewWaitingList)?;
    if actor.has(RoleKey::OrgAdmin) || actor.has(RoleKey::CaseManager) {
        Ok(WaitingListScope::All)
    } else if actor.has(RoleKey::Mediator) {
        Ok(WaitingListScope::MediatorOf(actor.user_id))
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: Vec<RoleKey>) -> Actor {
        Actor {
            user_id: Uuid::from_u128(7),
            org_id: Uuid::nil(),
            roles,
            scopes: None,
            mfa_pending: false,
        }
    }

    #[test]
    fn staff_see_all_a_mediator_their_own_and_others_nothing() {
        for role in RoleKey::ALL {
            let scope = waiting_list_scope(&actor(vec![*role])).ok();
            let expected = match role {
                RoleKey::OrgAdmin | RoleKey::CaseManager => Some(WaitingListScope::All),
                RoleKey::Mediator => Some(WaitingListScope::MediatorOf(Uuid::from_u128(7))),
                _ => None,
            };
            assert_eq!(scope, expected, "{role:?}");
        }
        let own = WaitingListScope::MediatorOf(Uuid::from_u128(7));
        assert!(own.covers(Uuid::from_u128(7)) && !own.covers(Uuid::from_u128(8)));
        // A mediator who is also a case manager sees everything.
        assert_eq!(
            waiting_list_scope(&actor(vec![RoleKey::Mediator, RoleKey::CaseManager])).ok(),
            Some(WaitingListScope::All)
        );
    }
}
