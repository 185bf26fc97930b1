//! Join links by email. When a session is booked each party gets a personal
//! link (`email.join_link`); staff can send a fresh one at any time
//! (`sendJoinLink`). The job mints the token when it runs, so the token
//! exists only in the message (a retry mints another, and only the latest
//! email's link works). A booking's job leaves alone a link that is already
//! bound to a device; a staff request replaces it.

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use uuid::Uuid;

use super::participants::{self, Admission};
use crate::crypto::tenant::TenantKey;
use crate::db::TenantTx;
use crate::email::Mailer;
use crate::email::templates;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, ClaimedJob, JobKind};
use crate::orgs::service::{self as orgs, OrgSettings};
use crate::redact::Sensitive;
use crate::state::AppState;

/// Queues a link for `participant_id`; `replace` also replaces a link that
/// is already bound to a device.
pub async fn enqueue(tx: &TenantTx, participant_id: Uuid, replace: bool) -> AppResult<()> {
    jobs::enqueue(
        tx,
        JobKind::JoinLink.as_str(),
        json!({ "participantId": participant_id, "replace": replace }),
        jobs::DEFAULT_MAX_ATTEMPTS,
    )
    .await?;
    Ok(())
}

/// A session was booked: its participants exist, and each party is sent a link.
pub async fn on_booked(tx: &TenantTx, session_id: Uuid) -> AppResult<()> {
    let session = participants::load_session(tx, session_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    participants::ensure(tx, &session).await?;
    for p in participants::list(tx, session_id).await? {
        if p.party_id.is_some() {
            enqueue(tx, p.id, false).await?;
        }
    }
    Ok(())
}

fn failed(what: &'static str) -> impl FnOnce(AppError) -> anyhow::Error {
    move |e| anyhow::anyhow!("{what}: {}", e.message())
}

/// `email.join_link`.
pub async fn run(
    state: &AppState,
    mailer: &Mailer,
    tx: TenantTx,
    job: &ClaimedJob,
) -> anyhow::Result<()> {
    let id: Uuid = job
        .payload
        .get("participantId")
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok())
        .context("a join link job without a participant id")?;
    let replace = job
        .payload
        .get("replace")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let Some(participant) = participants::load(&tx, id, true)
        .await
        .map_err(failed("loading the participant"))?
    else {
        return Ok(());
    };
    let Some(session) = participants::load_session(&tx, participant.session_id, false)
        .await
        .map_err(failed("loading the session"))?
    else {
        return Ok(());
    };
    let removed = participant.revoked_at.is_some() || participant.admission == Admission::Removed;
    if !session.open() || removed || (participant.device_key.is_some() && !replace) {
        return Ok(());
    }
    let Some(party_id) = participant.party_id else {
        return Ok(());
    };
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT p.email_sealed, pr.locale, pr.timezone AS party_zone, mp.timezone AS mediator_zone
             FROM parties p
             LEFT JOIN profiles pr ON pr.user_id = p.user_id
             LEFT JOIN profiles mp ON mp.user_id = $2
             WHERE p.id = $1",
            [party_id.into(), session.mediator_id.into()],
        ))
        .await
        .context("loading the party's address")?
        .context("the party no longer exists")?;
    let sealed: Option<Vec<u8>> = row.try_get("", "email_sealed")?;
    let Some(sealed) = sealed else {
        // No address on file: staff hand this party a link themselves.
        return Ok(());
    };
    let key = TenantKey::of(&tx, &state.data_key)
        .await
        .map_err(failed("loading the tenant key"))?;
    let email = key
        .open_str(
            &sealed,
            &crate::cases::intake::party_email_context(party_id),
        )
        .map_err(failed("opening the party's address"))?;
    let locale: Option<String> = row.try_get("", "locale")?;
    let zone: Option<String> = row.try_get("", "party_zone")?;
    let mediator_zone: Option<String> = row.try_get("", "mediator_zone")?;
    let zone: chrono_tz::Tz = zone
        .or(mediator_zone)
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let grace = state.settings.video.link_grace_minutes;
    let token = participants::issue_link(&tx, &participant, &session, grace)
        .await
        .map_err(failed("issuing the link"))?;
    let org = orgs::current(&tx)
        .await
        .map_err(failed("loading the organization"))?;
    tx.commit().await.context("closing the job's transaction")?;
    let link = participants::join_url(state, &token);
    let message = templates::join_link(
        locale
            .as_deref()
            .and_then(shared_types::Locale::parse)
            .unwrap_or_default(),
        &org.name,
        OrgSettings::from_json(&org.settings_json).brand_color(),
        session.scheduled_for,
        zone,
        &link,
    );
    mailer
        .send(&Sensitive::new(email), message)
        .await
        .context("sending a join link")
}
