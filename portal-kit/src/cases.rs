//! What both portals show of cases: the lifecycle's states and the triage
//! target, in the reader's language.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::i18n::use_i18n;
use crate::{intl, tr};

/// A case's state (the schema's `CaseStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaseStatus {
    Intake,
    Triage,
    Assigned,
    Scheduling,
    InMediation,
    Settled,
    PartiallySettled,
    Impasse,
    Withdrawn,
    Declined,
    Closed,
    Archived,
    /// A state added to the API after this portal was built.
    #[serde(other)]
    Other,
}

/// The steps a case goes through, for the progress shown to parties.
pub const STEPS: &[CaseStatus] = &[
    CaseStatus::Intake,
    CaseStatus::Triage,
    CaseStatus::Assigned,
    CaseStatus::Scheduling,
    CaseStatus::InMediation,
];

impl CaseStatus {
    /// How far along the steps the case is (outcomes and later are past the end).
    pub fn step(self) -> usize {
        STEPS.iter().position(|s| *s == self).unwrap_or(STEPS.len())
    }
}

/// The state's name in the current language.
pub fn status_label(status: CaseStatus) -> String {
    match status {
        CaseStatus::Intake => tr!("case-status-intake")(),
        CaseStatus::Triage => tr!("case-status-triage")(),
        CaseStatus::Assigned => tr!("case-status-assigned")(),
        CaseStatus::Scheduling => tr!("case-status-scheduling")(),
        CaseStatus::InMediation => tr!("case-status-in-mediation")(),
        CaseStatus::Settled => tr!("case-status-settled")(),
        CaseStatus::PartiallySettled => tr!("case-status-partially-settled")(),
        CaseStatus::Impasse => tr!("case-status-impasse")(),
        CaseStatus::Withdrawn => tr!("case-status-withdrawn")(),
        CaseStatus::Declined => tr!("case-status-declined")(),
        CaseStatus::Closed => tr!("case-status-closed")(),
        CaseStatus::Archived => tr!("case-status-archived")(),
        CaseStatus::Other => tr!("case-status-other")(),
    }
}

/// A dispute type's name; types an organization made up show as written.
pub fn dispute_type_label(key: &str) -> String {
    match key {
        "family" => tr!("dispute-type-family")(),
        "workplace" => tr!("dispute-type-workplace")(),
        "commercial" => tr!("dispute-type-commercial")(),
        "landlord_tenant" => tr!("dispute-type-landlord-tenant")(),
        "small_claims" => tr!("dispute-type-small-claims")(),
        // A kind an organization added: its key in words, capitalised
        // (`neighbour_disputes` reads "Neighbour disputes").
        other => {
            let words = other.replace('_', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// How a new intake stands against the triage target (the schema's `SlaState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaState {
    OnTrack,
    DueSoon,
    Overdue,
    #[serde(other)]
    Other,
}

/// The target as a badge: words, not colour alone, with the due time.
#[component]
pub fn SlaBadge(state: SlaState, due_at: String) -> impl IntoView {
    let i18n = use_i18n();
    let due = intl::format_timestamp(&due_at, i18n.locale(), None);
    let (class, label) = match state {
        SlaState::Overdue => ("badge badge-danger", tr!("sla-overdue")()),
        SlaState::DueSoon => ("badge badge-warning", tr!("sla-due-soon")()),
        _ => ("badge", tr!("sla-on-track")()),
    };
    view! {
        <span class=class data-sla=format!("{state:?}")>
            {label}
        </span>
        <span class="hint">{tr!("sla-due", due = due)}</span>
    }
}

/// A timeline entry's kind in words (kinds added later read "Other activity").
pub fn event_label(kind: &str) -> String {
    match kind {
        "case.filed" => tr!("timeline-case-filed")(),
        "case.status_changed" => tr!("timeline-status-changed")(),
        "case.respondent_intake" => tr!("timeline-respondent-intake")(),
        "case.manager_assigned" => tr!("timeline-manager-assigned")(),
        "case.renamed" => tr!("timeline-case-renamed")(),
        "party.added" => tr!("timeline-party-added")(),
        "party.invited" => tr!("timeline-party-invited")(),
        "party.joined" => tr!("timeline-party-joined")(),
        "party.verified" => tr!("timeline-party-verified")(),
        "mediator.proposed" => tr!("timeline-mediator-proposed")(),
        "mediator.conflicts_cleared" => tr!("timeline-conflicts-cleared")(),
        "mediator.objected" => tr!("timeline-mediator-objected")(),
        "mediator.assigned" => tr!("timeline-mediator-assigned")(),
        "task.created" => tr!("timeline-task-created")(),
        "task.done" => tr!("timeline-task-done")(),
        "agreement.drafted" => tr!("timeline-agreement-drafted")(),
        "agreement.shared" => tr!("timeline-agreement-shared")(),
        "session.booked" => tr!("timeline-session-booked")(),
        "session.rescheduled" => tr!("timeline-session-rescheduled")(),
        "session.cancelled" => tr!("timeline-session-cancelled")(),
        "session.room_changed" => tr!("timeline-session-room-changed")(),
        _ => tr!("timeline-other")(),
    }
}

/// The fee bands a mediator can be in (the API's `FEE_BANDS`), with labels.
pub const FEE_BANDS: [&str; 4] = ["pro_bono", "reduced", "standard", "premium"];

/// A fee band's name in the current language.
pub fn fee_band_label(band: &str) -> String {
    match band {
        "pro_bono" => tr!("fee-band-pro-bono")(),
        "reduced" => tr!("fee-band-reduced")(),
        "standard" => tr!("fee-band-standard")(),
        "premium" => tr!("fee-band-premium")(),
        other => other.to_owned(),
    }
}
