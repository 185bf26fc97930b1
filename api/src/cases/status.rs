//! The case lifecycle: intake → triage → assigned → scheduling → in mediation
//! → an outcome (settled, partially settled, impasse, withdrawn) → closed →
//! archived. A new intake can also be declined at triage. The allowed moves
//! live here, in one table, and the service refuses every other move.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    /// Filed by the claimant, waiting in the triage queue.
    Intake,
    /// Accepted at triage: parties are being invited and verified, a
    /// mediator is being found.
    Triage,
    /// A mediator is assigned.
    Assigned,
    /// Sessions are being scheduled.
    Scheduling,
    /// Sessions are under way.
    InMediation,
    Settled,
    PartiallySettled,
    Impasse,
    Withdrawn,
    /// Not taken on at triage.
    Declined,
    Closed,
    /// Read-only from here on.
    Archived,
}

impl CaseStatus {
    pub const ALL: &'static [CaseStatus] = &[
        CaseStatus::Intake,
        CaseStatus::Triage,
        CaseStatus::Assigned,
        CaseStatus::Scheduling,
        CaseStatus::InMediation,
        CaseStatus::Settled,
        CaseStatus::PartiallySettled,
        CaseStatus::Impasse,
        CaseStatus::Withdrawn,
        CaseStatus::Declined,
        CaseStatus::Closed,
        CaseStatus::Archived,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CaseStatus::Intake => "intake",
            CaseStatus::Triage => "triage",
            CaseStatus::Assigned => "assigned",
            CaseStatus::Scheduling => "scheduling",
            CaseStatus::InMediation => "in_mediation",
            CaseStatus::Settled => "settled",
            CaseStatus::PartiallySettled => "partially_settled",
            CaseStatus::Impasse => "impasse",
            CaseStatus::Withdrawn => "withdrawn",
            CaseStatus::Declined => "declined",
            CaseStatus::Closed => "closed",
            CaseStatus::Archived => "archived",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        CaseStatus::ALL.iter().copied().find(|s| s.key() == key)
    }

    /// An outcome status: the mediation has ended one way or another.
    pub fn is_outcome(self) -> bool {
        matches!(
            self,
            CaseStatus::Settled
                | CaseStatus::PartiallySettled
                | CaseStatus::Impasse
                | CaseStatus::Withdrawn
                | CaseStatus::Declined
        )
    }

    /// Still being worked on (shown in working lists, counted in loads).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            CaseStatus::Intake
                | CaseStatus::Triage
                | CaseStatus::Assigned
                | CaseStatus::Scheduling
                | CaseStatus::InMediation
        )
    }

    /// Whether a case in this state can still be edited at all.
    pub fn is_read_only(self) -> bool {
        self == CaseStatus::Archived
    }

    /// The states a case may move to from this one.
    pub fn next(self) -> &'static [CaseStatus] {
        use CaseStatus as S;
        match self {
            S::Intake => &[S::Triage, S::Declined, S::Withdrawn],
            S::Triage => &[S::Assigned, S::Declined, S::Withdrawn],
            S::Assigned => &[S::Scheduling, S::Triage, S::Withdrawn],
            S::Scheduling => &[S::InMediation, S::Assigned, S::Withdrawn],
            S::InMediation => &[
                S::Settled,
                S::PartiallySettled,
                S::Impasse,
                S::Withdrawn,
                S::Scheduling,
            ],
            S::Settled | S::PartiallySettled | S::Impasse | S::Withdrawn | S::Declined => {
                &[S::Closed]
            }
            S::Closed => &[S::Archived],
            S::Archived => &[],
        }
    }

    pub fn can_move_to(self, to: CaseStatus) -> bool {
        self.next().contains(&to)
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus as S;

    #[test]
    fn keys_round_trip() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.key()), Some(s));
        }
        assert_eq!(S::parse("open"), None);
    }

    #[test]
    fn the_happy_path_is_allowed_and_nothing_skips_ahead() {
        let path = [
            S::Intake,
            S::Triage,
            S::Assigned,
            S::Scheduling,
            S::InMediation,
            S::Settled,
            S::Closed,
            S::Archived,
        ];
        for pair in path.windows(2) {
            assert!(
                pair[0].can_move_to(pair[1]),
                "{:?} → {:?}",
                pair[0],
                pair[1]
            );
        }
        assert!(!S::Intake.can_move_to(S::Settled));
        assert!(!S::Intake.can_move_to(S::Assigned));
        assert!(!S::Triage.can_move_to(S::InMediation));
        assert!(!S::Settled.can_move_to(S::InMediation));
        assert!(!S::Closed.can_move_to(S::Intake));
    }

    #[test]
    fn archived_is_final_and_read_only() {
        assert!(S::Archived.next().is_empty());
        assert!(S::Archived.is_read_only());
        for &s in S::ALL {
            assert!(!s.can_move_to(s), "{s:?} to itself");
            if s != S::Archived {
                assert!(!s.is_read_only());
            }
        }
    }

    #[test]
    fn every_outcome_closes_and_only_outcomes_are_reached_from_mediation() {
        for &s in S::ALL {
            if s.is_outcome() {
                assert_eq!(s.next(), &[S::Closed]);
                assert!(!s.is_active());
            }
        }
        // Every state but the last can eventually reach Archived.
        for &s in S::ALL {
            let mut seen = vec![s];
            let mut frontier = vec![s];
            while let Some(x) = frontier.pop() {
                for &n in x.next() {
                    if !seen.contains(&n) {
                        seen.push(n);
                        frontier.push(n);
                    }
                }
            }
            assert!(seen.contains(&S::Archived), "{s:?} cannot reach Archived");
        }
    }
}
