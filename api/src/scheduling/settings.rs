//! The organization's booking rules, kept in its settings: the buffer between
//! a mediator's sessions, the minimum notice, the most sessions a mediator
//! takes in a day, session lengths per dispute type, and when reminders go out.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};

use super::slots::{self, Rules};
use crate::db::TenantTx;
use crate::error::{AppError, AppResult, FieldError};
use crate::orgs::service::{self as orgs, OrgSettings};

/// Start times are offered every half hour of the mediator's clock.
pub const STEP_MINUTES: u32 = 30;
pub const DEFAULT_BUFFER_MINUTES: u32 = 15;
pub const DEFAULT_NOTICE_HOURS: u32 = 24;
pub const DEFAULT_MAX_PER_DAY: u32 = 4;
pub const DEFAULT_SESSION_MINUTES: u32 = 120;
/// A week, a day and an hour before.
pub const DEFAULT_REMINDERS: [u32; 3] = [7 * 24 * 60, 24 * 60, 60];
pub const MAX_REMINDERS: usize = 5;
/// Parties may change a session until a day before it.
pub const DEFAULT_PARTY_CUTOFF_HOURS: u32 = 24;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SchedulingSettings {
    pub buffer_minutes: Option<u32>,
    pub notice_hours: Option<u32>,
    pub max_sessions_per_day: Option<u32>,
    /// Session length per dispute type; others take the default.
    pub session_minutes: BTreeMap<String, u32>,
    /// Minutes before a session at which reminders go out.
    pub reminder_minutes: Option<Vec<u32>>,
    /// Whether parties may move or cancel a session themselves.
    pub parties_may_reschedule: Option<bool>,
    /// Until how many hours before a session parties may change it.
    pub party_change_cutoff_hours: Option<u32>,
}

impl SchedulingSettings {
    pub fn buffer_minutes(&self) -> u32 {
        self.buffer_minutes.unwrap_or(DEFAULT_BUFFER_MINUTES)
    }

    pub fn notice_hours(&self) -> u32 {
        self.notice_hours.unwrap_or(DEFAULT_NOTICE_HOURS)
    }

    pub fn max_sessions_per_day(&self) -> u32 {
        self.max_sessions_per_day.unwrap_or(DEFAULT_MAX_PER_DAY)
    }

    pub fn session_minutes(&self, dispute_type: &str) -> u32 {
        self.session_minutes
            .get(dispute_type)
            .copied()
            .unwrap_or(DEFAULT_SESSION_MINUTES)
    }

    pub fn reminder_minutes(&self) -> Vec<u32> {
        self.reminder_minutes
            .clone()
            .unwrap_or_else(|| DEFAULT_REMINDERS.to_vec())
    }

    pub fn parties_may_reschedule(&self) -> bool {
        self.parties_may_reschedule.unwrap_or(true)
    }

    pub fn party_change_cutoff_hours(&self) -> u32 {
        self.party_change_cutoff_hours
            .unwrap_or(DEFAULT_PARTY_CUTOFF_HOURS)
    }

    pub fn rules(&self) -> Rules {
        Rules {
            buffer_minutes: self.buffer_minutes(),
            notice_minutes: self.notice_hours() * 60,
            max_sessions_per_day: Some(self.max_sessions_per_day()),
            step_minutes: STEP_MINUTES,
        }
    }

    /// Checks every value against the bounds slot finding accepts; all
    /// problems are named at once.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, ok: bool| {
            if !ok {
                errors.push(FieldError::new(field.to_owned(), "range"));
            }
        };
        bad(
            "bufferMinutes",
            self.buffer_minutes() <= slots::MAX_BUFFER_MINUTES,
        );
        bad(
            "noticeHours",
            self.notice_hours() * 60 <= slots::MAX_NOTICE_MINUTES,
        );
        bad(
            "maxSessionsPerDay",
            (1..=slots::MAX_SESSIONS_PER_DAY).contains(&self.max_sessions_per_day()),
        );
        bad(
            "sessionMinutes",
            self.session_minutes.len() <= 50
                && self.session_minutes.iter().all(|(kind, m)| {
                    kind.len() <= 40
                        && (slots::MIN_DURATION_MINUTES..=slots::MAX_DURATION_MINUTES).contains(m)
                        && m % 15 == 0
                }),
        );
        bad(
            "partyChangeCutoffHours",
            self.party_change_cutoff_hours() <= 30 * 24,
        );
        let reminders = self.reminder_minutes();
        bad(
            "reminderMinutes",
            reminders.len() <= MAX_REMINDERS
                && reminders.iter().all(|m| (15..=30 * 24 * 60).contains(m)),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The transaction's organization's rules.
pub async fn load(tx: &TenantTx) -> AppResult<SchedulingSettings> {
    let org = orgs::current(tx).await?;
    Ok(OrgSettings::from_json(&org.settings_json).scheduling)
}

/// Replaces the organization's rules, when valid.
pub async fn save(tx: &TenantTx, settings: &SchedulingSettings) -> AppResult<()> {
    settings.check().map_err(AppError::Fields)?;
    let json = serde_json::to_value(settings)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("settings do not serialize")))?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE organizations SET settings_json = jsonb_set(settings_json, '{scheduling}', $1) WHERE id = $2",
            [json.into(), tx.scope().org_id.into()],
        ))
        .await?;
    Ok(())
}
