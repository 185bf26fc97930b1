//! Who may do what on one case. A case's visibility follows the people on it:
//! parties and their counsel see their own cases and their side's material;
//! the lead mediator sees the case and alone writes and reads their notes;
//! case managers run every case of the organization (triage, parties,
//! lifecycle) and read intakes to do so, but never mediator notes; org admins
//! manage cases without reading intake narratives. Everyone else is told the
//! case does not exist.

use super::{Actor, RoleKey};
use crate::error::{AppError, AppResult};

/// A side of the dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Side {
    Claimant,
    Respondent,
    /// Other parties (an interested third party) stand on neither side.
    Neutral,
}

impl Side {
    pub const ALL: &'static [Side] = &[Side::Claimant, Side::Respondent, Side::Neutral];

    pub fn key(self) -> &'static str {
        match self {
            Side::Claimant => "claimant",
            Side::Respondent => "respondent",
            Side::Neutral => "neutral",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Side::ALL.iter().copied().find(|s| s.key() == key)
    }
}

/// How the actor stands to one case, read from the case and its parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseRelation {
    /// The actor is a party on this side, or counsel for one.
    pub side: Option<Side>,
    /// The actor is the case's lead mediator.
    pub lead_mediator: bool,
    /// The actor is the case manager assigned to the case.
    pub assigned_manager: bool,
}

/// Something an actor may try to do on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    /// The case summary, its parties, shared answers and the timeline entries
    /// the actor may see.
    View,
    /// Every answer of one side's intake, the private ones included.
    ViewIntake(Side),
    /// Title, case manager, accept or decline at triage.
    Manage,
    /// Add, invite and verify parties.
    ManageParties,
    /// Move the case along its lifecycle once it is under way.
    Advance,
    /// Record the outcome of the mediation.
    RecordOutcome,
    /// The mediator's private notes (read and write).
    MediatorNotes,
    /// Fill in this side's intake for the case (a respondent's intake).
    SubmitIntake(Side),
    /// Propose or assign the mediator, clearing conflicts of interest.
    AssignMediator,
    /// Confirm or object to a proposed mediator (a party, for its side).
    RespondToMediator,
    /// Create, see and complete the case's tasks.
    ManageTasks,
    /// Draft, edit and share agreements.
    DraftAgreements,
    /// Search for session times and book, move or cancel sessions.
    BookSessions,
    /// Say when one's side can attend, and pick among offered times.
    GiveAvailability,
}

impl CaseAction {
    pub const ALL: &'static [CaseAction] = &[
        CaseAction::View,
        CaseAction::ViewIntake(Side::Claimant),
        CaseAction::ViewIntake(Side::Respondent),
        CaseAction::Manage,
        CaseAction::ManageParties,
        CaseAction::Advance,
        CaseAction::RecordOutcome,
        CaseAction::MediatorNotes,
        CaseAction::SubmitIntake(Side::Claimant),
        CaseAction::SubmitIntake(Side::Respondent),
        CaseAction::AssignMediator,
        CaseAction::RespondToMediator,
        CaseAction::ManageTasks,
        CaseAction::DraftAgreements,
        CaseAction::BookSessions,
        CaseAction::GiveAvailability,
    ];
}

/// Who may see a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Everyone on the case.
    Everyone,
    /// One side (and the staff running the case, and the mediator).
    ClaimantSide,
    RespondentSide,
    /// The staff running the case and the mediator.
    Staff,
    /// The mediator alone.
    Mediator,
}

impl Visibility {
    pub const ALL: &'static [Visibility] = &[
        Visibility::Everyone,
        Visibility::ClaimantSide,
        Visibility::RespondentSide,
        Visibility::Staff,
        Visibility::Mediator,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Visibility::Everyone => "everyone",
            Visibility::ClaimantSide => "claimant_side",
            Visibility::RespondentSide => "respondent_side",
            Visibility::Staff => "staff",
            Visibility::Mediator => "mediator",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Visibility::ALL.iter().copied().find(|v| v.key() == key)
    }

    pub fn of_side(side: Side) -> Self {
        match side {
            Side::Claimant => Visibility::ClaimantSide,
            Side::Respondent => Visibility::RespondentSide,
            Side::Neutral => Visibility::Staff,
        }
    }
}

fn manager(actor: &Actor) -> bool {
    actor.has(RoleKey::CaseManager)
}

fn admin(actor: &Actor) -> bool {
    actor.has(RoleKey::OrgAdmin)
}

/// Staff running the case: case managers, org admins and its mediator.
fn runs_case(actor: &Actor, rel: &CaseRelation) -> bool {
    manager(actor) || admin(actor) || rel.lead_mediator
}

fn party_on(actor: &Actor, rel: &CaseRelation) -> Option<Side> {
    // A party relation counts only for those holding a party role, so a
    // staff account that was once added as a party gains nothing from it.
    let party_role = actor.has(RoleKey::Party) || actor.has(RoleKey::PartyRepresentative);
    rel.side.filter(|_| party_role)
}

fn allowed(actor: &Actor, rel: &CaseRelation, action: CaseAction) -> bool {
    if actor.scopes.is_some() {
        // Partner systems have no case scopes yet.
        return false;
    }
    let side = party_on(actor, rel);
    let mediator = rel.lead_mediator && actor.has(RoleKey::Mediator);
    match action {
        CaseAction::View => manager(actor) || admin(actor) || mediator || side.is_some(),
        CaseAction::ViewIntake(s) => manager(actor) || mediator || side == Some(s),
        CaseAction::Manage | CaseAction::ManageParties => manager(actor) || admin(actor),
        CaseAction::Advance => manager(actor) || admin(actor) || mediator,
        CaseAction::RecordOutcome => manager(actor) || mediator,
        CaseAction::MediatorNotes => mediator,
        CaseAction::SubmitIntake(s) => side == Some(s),
        CaseAction::AssignMediator => manager(actor) || admin(actor),
        CaseAction::RespondToMediator => side.is_some(),
        CaseAction::ManageTasks => manager(actor) || admin(actor) || mediator,
        CaseAction::DraftAgreements => manager(actor) || mediator,
        CaseAction::BookSessions => manager(actor) || admin(actor) || mediator,
        CaseAction::GiveAvailability => matches!(side, Some(Side::Claimant | Side::Respondent)),
    }
}

/// Decides `action` on a case the actor stands to as `rel`. Someone who may
/// not even see the case is told it does not exist.
pub fn authorize_case(actor: &Actor, rel: &CaseRelation, action: CaseAction) -> AppResult<()> {
    if actor.mfa_pending {
        return Err(AppError::MfaEnrollmentRequired);
    }
    if !allowed(actor, rel, CaseAction::View) && !allowed(actor, rel, action) {
        return Err(AppError::NotFound);
    }
    if allowed(actor, rel, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether the actor sees a timeline entry of this visibility.
pub fn sees(actor: &Actor, rel: &CaseRelation, visibility: Visibility) -> bool {
    if actor.mfa_pending || !allowed(actor, rel, CaseAction::View) {
        return false;
    }
    let mediator = rel.lead_mediator && actor.has(RoleKey::Mediator);
    match visibility {
        Visibility::Everyone => true,
        Visibility::ClaimantSide => {
            runs_case(actor, rel) || party_on(actor, rel) == Some(Side::Claimant)
        }
        Visibility::RespondentSide => {
            runs_case(actor, rel) || party_on(actor, rel) == Some(Side::Respondent)
        }
        Visibility::Staff => runs_case(actor, rel),
        Visibility::Mediator => mediator,
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use RoleKey as R;

    fn actor(role: RoleKey) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            org_id: Uuid::nil(),
            roles: vec![role],
            scopes: None,
            mfa_pending: false,
        }
    }

    /// The relationships an actor can have to a case.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Rel {
        Outsider,
        Claimant,
        Respondent,
        LeadMediator,
        AssignedManager,
    }

    fn rel(r: Rel) -> CaseRelation {
        match r {
            Rel::Outsider => CaseRelation::default(),
            Rel::Claimant => CaseRelation {
                side: Some(Side::Claimant),
                ..Default::default()
            },
            Rel::Respondent => CaseRelation {
                side: Some(Side::Respondent),
                ..Default::default()
            },
            Rel::LeadMediator => CaseRelation {
                lead_mediator: true,
                ..Default::default()
            },
            Rel::AssignedManager => CaseRelation {
                assigned_manager: true,
                ..Default::default()
            },
        }
    }

    const RELS: &[Rel] = &[
        Rel::Outsider,
        Rel::Claimant,
        Rel::Respondent,
        Rel::LeadMediator,
        Rel::AssignedManager,
    ];

    /// Who may do each action: a role with any relationship (`None`) or with
    /// one. Everything not listed is refused. A role holding a relationship
    /// it cannot really have (a mediator as claimant) gains nothing from it.
    /// A role, and the relationship it needs (`None`: any).
    type Who = (RoleKey, Option<Rel>);

    const TABLE: &[(CaseAction, &[Who])] = {
        use CaseAction as A;
        use Side::{Claimant as C, Respondent as Re};
        &[
            (
                A::View,
                &[
                    (R::CaseManager, None),
                    (R::OrgAdmin, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                    (R::Party, Some(Rel::Claimant)),
                    (R::Party, Some(Rel::Respondent)),
                    (R::PartyRepresentative, Some(Rel::Claimant)),
                    (R::PartyRepresentative, Some(Rel::Respondent)),
                ],
            ),
            (
                A::ViewIntake(C),
                &[
                    (R::CaseManager, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                    (R::Party, Some(Rel::Claimant)),
                    (R::PartyRepresentative, Some(Rel::Claimant)),
                ],
            ),
            (
                A::ViewIntake(Re),
                &[
                    (R::CaseManager, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                    (R::Party, Some(Rel::Respondent)),
                    (R::PartyRepresentative, Some(Rel::Respondent)),
                ],
            ),
            (A::Manage, &[(R::CaseManager, None), (R::OrgAdmin, None)]),
            (
                A::ManageParties,
                &[(R::CaseManager, None), (R::OrgAdmin, None)],
            ),
            (
                A::Advance,
                &[
                    (R::CaseManager, None),
                    (R::OrgAdmin, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                ],
            ),
            (
                A::RecordOutcome,
                &[
                    (R::CaseManager, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                ],
            ),
            (A::MediatorNotes, &[(R::Mediator, Some(Rel::LeadMediator))]),
            (
                A::SubmitIntake(C),
                &[
                    (R::Party, Some(Rel::Claimant)),
                    (R::PartyRepresentative, Some(Rel::Claimant)),
                ],
            ),
            (
                A::SubmitIntake(Re),
                &[
                    (R::Party, Some(Rel::Respondent)),
                    (R::PartyRepresentative, Some(Rel::Respondent)),
                ],
            ),
            (
                A::AssignMediator,
                &[(R::CaseManager, None), (R::OrgAdmin, None)],
            ),
            (
                A::RespondToMediator,
                &[
                    (R::Party, Some(Rel::Claimant)),
                    (R::Party, Some(Rel::Respondent)),
                    (R::PartyRepresentative, Some(Rel::Claimant)),
                    (R::PartyRepresentative, Some(Rel::Respondent)),
                ],
            ),
            (
                A::ManageTasks,
                &[
                    (R::CaseManager, None),
                    (R::OrgAdmin, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                ],
            ),
            (
                A::DraftAgreements,
                &[
                    (R::CaseManager, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                ],
            ),
            (
                A::BookSessions,
                &[
                    (R::CaseManager, None),
                    (R::OrgAdmin, None),
                    (R::Mediator, Some(Rel::LeadMediator)),
                ],
            ),
            (
                A::GiveAvailability,
                &[
                    (R::Party, Some(Rel::Claimant)),
                    (R::Party, Some(Rel::Respondent)),
                    (R::PartyRepresentative, Some(Rel::Claimant)),
                    (R::PartyRepresentative, Some(Rel::Respondent)),
                ],
            ),
        ]
    };

    fn expected(role: RoleKey, r: Rel, action: CaseAction) -> bool {
        TABLE
            .iter()
            .find(|(a, _)| *a == action)
            .is_some_and(|(_, who)| {
                who.iter()
                    .any(|(ro, re)| *ro == role && re.is_none_or(|x| x == r))
            })
    }

    #[test]
    fn every_role_relationship_and_action() {
        assert_eq!(TABLE.len(), CaseAction::ALL.len(), "an action needs a row");
        let mut checked = 0;
        for &role in RoleKey::ALL {
            for &r in RELS {
                for &action in CaseAction::ALL {
                    let want = expected(role, r, action);
                    let got = authorize_case(&actor(role), &rel(r), action);
                    assert_eq!(got.is_ok(), want, "{role:?} × {r:?} × {action:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(
            checked,
            RoleKey::ALL.len() * RELS.len() * CaseAction::ALL.len()
        );
    }

    #[test]
    fn outsiders_are_told_the_case_does_not_exist() {
        for role in [
            R::Party,
            R::PartyRepresentative,
            R::Mediator,
            R::Observer,
            R::BillingAdmin,
            R::ComplianceOfficer,
            R::PlatformOperator,
        ] {
            let got = authorize_case(&actor(role), &rel(Rel::Outsider), CaseAction::View);
            assert!(matches!(got, Err(AppError::NotFound)), "{role:?}");
        }
        // A respondent asking for the claimant's intake sees the case, so is refused.
        let got = authorize_case(
            &actor(R::Party),
            &rel(Rel::Respondent),
            CaseAction::ViewIntake(Side::Claimant),
        );
        assert!(matches!(got, Err(AppError::Forbidden)));
    }

    #[test]
    fn mediator_notes_are_the_mediators_alone() {
        for &role in RoleKey::ALL {
            for &r in RELS {
                let ok = authorize_case(&actor(role), &rel(r), CaseAction::MediatorNotes).is_ok();
                assert_eq!(
                    ok,
                    role == R::Mediator && r == Rel::LeadMediator,
                    "{role:?} × {r:?}"
                );
            }
        }
    }

    #[test]
    fn timeline_visibility() {
        let claimant = (actor(R::Party), rel(Rel::Claimant));
        let respondent = (actor(R::Party), rel(Rel::Respondent));
        let mediator = (actor(R::Mediator), rel(Rel::LeadMediator));
        let manager = (actor(R::CaseManager), rel(Rel::Outsider));
        let admin = (actor(R::OrgAdmin), rel(Rel::Outsider));
        let outsider = (actor(R::Party), rel(Rel::Outsider));
        let table: &[(&(Actor, CaseRelation), [bool; 5])] = &[
            // Everyone, ClaimantSide, RespondentSide, Staff, Mediator
            (&claimant, [true, true, false, false, false]),
            (&respondent, [true, false, true, false, false]),
            (&mediator, [true, true, true, true, true]),
            (&manager, [true, true, true, true, false]),
            (&admin, [true, true, true, true, false]),
            (&outsider, [false, false, false, false, false]),
        ];
        for ((a, r), row) in table {
            for (v, want) in Visibility::ALL.iter().zip(row) {
                assert_eq!(sees(a, r, *v), *want, "{:?} × {v:?}", a.roles);
            }
        }
    }

    #[test]
    fn partners_and_pending_sessions_get_nothing() {
        let mut partner = actor(R::CaseManager);
        partner.scopes = Some(vec![]);
        let mut pending = actor(R::CaseManager);
        pending.mfa_pending = true;
        for &action in CaseAction::ALL {
            assert!(authorize_case(&partner, &rel(Rel::AssignedManager), action).is_err());
            assert!(matches!(
                authorize_case(&pending, &rel(Rel::AssignedManager), action),
                Err(AppError::MfaEnrollmentRequired)
            ));
        }
        assert!(!sees(
            &pending,
            &rel(Rel::AssignedManager),
            Visibility::Everyone
        ));
    }
}
