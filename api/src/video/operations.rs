//! Live operations: call quality reported by the browsers (kept with the
//! session, numbers only), and the staff's view of what is happening now —
//! sessions in progress with their rooms and who is where, lobby waits,
//! quality per participant with alerts, late starts, mediator load, and the
//! video server's health.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Duration, Utc};
use futures::{Stream, StreamExt};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::caucus;
use super::participants::{self, Admission};
use super::room::{VideoEvent, VideoEventKind};
use crate::authz::{self, Action};
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;
use crate::state::AppState;

/// When quality and waiting raise alerts.
pub const MAX_ROUND_TRIP_MS: i32 = 400;
pub const MAX_JITTER_MS: f64 = 30.0;
pub const MAX_LOSS_PERCENT: f64 = 3.0;
pub const LATE_START_MINUTES: i64 = 10;
pub const LONG_WAIT_MINUTES: i64 = 5;
/// A browser reports at most this often; more often is ignored.
pub const MIN_REPORT_SECS: i64 = 4;

#[derive(InputObject, Clone, Copy)]
pub struct QualitySampleInput {
    pub bitrate_kbps: i32,
    pub round_trip_ms: i32,
    pub jitter_ms: f64,
    pub packet_loss_percent: f64,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum QualityAlert {
    HighRoundTrip,
    HighJitter,
    PacketLoss,
}

pub fn alerts_for(rtt: i32, jitter: f64, loss: f64) -> Vec<QualityAlert> {
    let mut out = Vec::new();
    if rtt > MAX_ROUND_TRIP_MS {
        out.push(QualityAlert::HighRoundTrip);
    }
    if jitter > MAX_JITTER_MS {
        out.push(QualityAlert::HighJitter);
    }
    if loss > MAX_LOSS_PERCENT {
        out.push(QualityAlert::PacketLoss);
    }
    out
}

fn check(sample: &QualitySampleInput) -> AppResult<()> {
    let ok = (0..=100_000).contains(&sample.bitrate_kbps)
        && (0..=60_000).contains(&sample.round_trip_ms)
        && (0.0..=60_000.0).contains(&sample.jitter_ms)
        && (0.0..=100.0).contains(&sample.packet_loss_percent);
    if ok {
        Ok(())
    } else {
        Err(AppError::Validation {
            field: "sample",
            reason: "a quality sample is out of range",
        })
    }
}

/// Stores a sample (ignored when the last one is too recent). Returns the
/// alerts it raises.
pub async fn report(
    tx: TenantTx,
    me: participants::Participant,
    sample: QualitySampleInput,
) -> AppResult<Vec<QualityAlert>> {
    check(&sample)?;
    if me.admission != Admission::Admitted {
        return Err(AppError::NotAdmitted);
    }
    let recent = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 AS x FROM call_quality_samples WHERE participant_id = $1 AND measured_at > now() - make_interval(secs => $2)",
            [me.id.into(), (MIN_REPORT_SECS as f64).into()],
        ))
        .await?;
    let alerts = alerts_for(
        sample.round_trip_ms,
        sample.jitter_ms,
        sample.packet_loss_percent,
    );
    if recent.is_some() {
        tx.commit().await?;
        return Ok(alerts);
    }
    let room = caucus::whereabouts(&tx, &me).await?.caucus_id();
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO call_quality_samples (id, org_id, session_id, participant_id, breakout_room_id,
                    bitrate_kbps, round_trip_ms, jitter_ms, packet_loss_percent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                Uuid::now_v7().into(),
                tx.scope().org_id.into(),
                me.session_id.into(),
                me.id.into(),
                room.into(),
                sample.bitrate_kbps.into(),
                sample.round_trip_ms.into(),
                (sample.jitter_ms as f32).into(),
                (sample.packet_loss_percent as f32).into(),
            ],
        ))
        .await?;
    tx.commit().await?;
    Ok(alerts)
}

#[derive(SimpleObject, Clone)]
pub struct QualityView {
    pub measured_at: DateTime<Utc>,
    pub bitrate_kbps: i32,
    pub round_trip_ms: i32,
    pub jitter_ms: f64,
    pub packet_loss_percent: f64,
    pub alerts: Vec<QualityAlert>,
}

#[derive(SimpleObject, Clone)]
pub struct LivePerson {
    pub participant_id: ID,
    pub name: String,
    pub role: crate::authz::video::VideoRole,
    pub connected: bool,
    /// The latest sample of the last two minutes.
    pub quality: Option<QualityView>,
}

#[derive(SimpleObject, Clone)]
pub struct LiveRoom {
    /// None: the main room.
    pub caucus_id: Option<ID>,
    pub name: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
    pub people: Vec<LivePerson>,
}

#[derive(SimpleObject, Clone)]
pub struct LobbyWait {
    pub participant_id: ID,
    pub name: String,
    pub waiting_since: DateTime<Utc>,
    pub minutes: i64,
    pub too_long: bool,
}

#[derive(SimpleObject, Clone)]
pub struct LiveSession {
    pub session_id: ID,
    pub case_id: ID,
    pub case_reference: String,
    pub scheduled_for: DateTime<Utc>,
    pub duration_minutes: i32,
    pub mediator_name: String,
    /// Someone has connected to one of its rooms.
    pub started: bool,
    pub locked: bool,
    /// Not started ten minutes after its time.
    pub late: bool,
    pub rooms: Vec<LiveRoom>,
    pub waiting: Vec<LobbyWait>,
}

#[derive(SimpleObject, Clone)]
pub struct MediatorLoad {
    pub mediator_id: ID,
    pub name: String,
    pub sessions_today: i64,
    pub sessions_this_week: i64,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum OperationsAlertKind {
    LateStart,
    LongLobbyWait,
    PoorQuality,
    VideoServerDown,
}

#[derive(SimpleObject, Clone)]
pub struct OperationsAlert {
    pub kind: OperationsAlertKind,
    pub session_id: Option<ID>,
    pub participant_id: Option<ID>,
}

#[derive(SimpleObject, Clone)]
pub struct VideoServerHealth {
    pub reachable: bool,
    pub rooms: i32,
    pub answered_in_ms: Option<i32>,
}

#[derive(SimpleObject, Clone)]
pub struct LiveOperations {
    pub generated_at: DateTime<Utc>,
    pub sessions: Vec<LiveSession>,
    pub mediator_load: Vec<MediatorLoad>,
    pub alerts: Vec<OperationsAlert>,
    pub video_server: VideoServerHealth,
}

fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

async fn latest_quality(tx: &TenantTx, participant_id: Uuid) -> AppResult<Option<QualityView>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT measured_at, bitrate_kbps, round_trip_ms, jitter_ms::float8 AS jitter_ms,
                    packet_loss_percent::float8 AS packet_loss_percent
             FROM call_quality_samples
             WHERE participant_id = $1 AND measured_at > now() - interval '2 minutes'
             ORDER BY measured_at DESC LIMIT 1",
            [participant_id.into()],
        ))
        .await?;
    row.map(|r| {
        let rtt: i32 = r.try_get("", "round_trip_ms")?;
        let jitter: f64 = r.try_get("", "jitter_ms")?;
        let loss: f64 = r.try_get("", "packet_loss_percent")?;
        Ok(QualityView {
            measured_at: db::utc(&r, "measured_at")?,
            bitrate_kbps: r.try_get("", "bitrate_kbps")?,
            round_trip_ms: rtt,
            jitter_ms: jitter,
            packet_loss_percent: loss,
            alerts: alerts_for(rtt, jitter, loss),
        })
    })
    .transpose()
}

/// Everything the dashboard shows, as of `now`.
pub async fn live(
    state: &AppState,
    tx: &TenantTx,
    now: DateTime<Utc>,
) -> AppResult<LiveOperations> {
    let key = TenantKey::of(tx, &state.data_key).await?;
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT s.id, s.case_id, c.reference, s.scheduled_for, s.duration_minutes,
                    COALESCE(pr.name, '') AS mediator_name, s.video_locked_at
             FROM sessions s JOIN cases c ON c.id = s.case_id
             LEFT JOIN profiles pr ON pr.user_id = s.mediator_id
             WHERE s.status = 'booked' AND s.video_ended_at IS NULL
               AND s.scheduled_for <= $1 + interval '30 minutes'
               AND s.scheduled_for + make_interval(mins => s.duration_minutes) >= $1 - interval '30 minutes'
             ORDER BY s.scheduled_for, s.id",
            [now.into()],
        ))
        .await?;
    let mut sessions = Vec::new();
    let mut alerts = Vec::new();
    for row in rows {
        let session_id: Uuid = row.try_get("", "id")?;
        let scheduled_for = db::utc(&row, "scheduled_for")?;
        let Some(session) = participants::load_session(tx, session_id, false).await? else {
            continue;
        };
        let people = participants::list(tx, session_id).await?;
        let caucuses = caucus::list(tx, session_id).await?;
        let mut rooms = vec![LiveRoom {
            caucus_id: None,
            name: None,
            ends_at: None,
            people: Vec::new(),
        }];
        for c in caucuses
            .iter()
            .filter(|c| c.status == caucus::CaucusStatus::Open)
        {
            rooms.push(LiveRoom {
                caucus_id: Some(id(c.id)),
                name: Some(c.name.clone()),
                ends_at: c.ends_at,
                people: Vec::new(),
            });
        }
        let mut waiting = Vec::new();
        let mut started = false;
        for p in &people {
            let name = participants::display_name(tx, &key, p).await?;
            let connected = p.joined_at.is_some() && p.left_at.is_none();
            started |= p.joined_at.is_some();
            match p.admission {
                Admission::Waiting => {
                    let since = p.lobby_entered_at.unwrap_or(now);
                    let minutes = (now - since).num_minutes().max(0);
                    let too_long = minutes >= LONG_WAIT_MINUTES;
                    if too_long {
                        alerts.push(OperationsAlert {
                            kind: OperationsAlertKind::LongLobbyWait,
                            session_id: Some(id(session_id)),
                            participant_id: Some(id(p.id)),
                        });
                    }
                    waiting.push(LobbyWait {
                        participant_id: id(p.id),
                        name,
                        waiting_since: since,
                        minutes,
                        too_long,
                    });
                }
                Admission::Admitted => {
                    let quality = latest_quality(tx, p.id).await?;
                    if quality.as_ref().is_some_and(|q| !q.alerts.is_empty()) {
                        alerts.push(OperationsAlert {
                            kind: OperationsAlertKind::PoorQuality,
                            session_id: Some(id(session_id)),
                            participant_id: Some(id(p.id)),
                        });
                    }
                    let place = caucus::whereabouts(tx, p).await?.caucus_id().map(id);
                    let person = LivePerson {
                        participant_id: id(p.id),
                        name,
                        role: p.role,
                        connected,
                        quality,
                    };
                    match rooms.iter_mut().find(|r| r.caucus_id == place) {
                        Some(room) => room.people.push(person),
                        None => rooms[0].people.push(person),
                    }
                }
                _ => {}
            }
        }
        let late = !started && now > scheduled_for + Duration::minutes(LATE_START_MINUTES);
        if late {
            alerts.push(OperationsAlert {
                kind: OperationsAlertKind::LateStart,
                session_id: Some(id(session_id)),
                participant_id: None,
            });
        }
        sessions.push(LiveSession {
            session_id: id(session_id),
            case_id: id(session.case_id),
            case_reference: row.try_get("", "reference")?,
            scheduled_for,
            duration_minutes: session.duration_minutes,
            mediator_name: row.try_get("", "mediator_name")?,
            started,
            locked: session.locked_at.is_some(),
            late,
            rooms,
            waiting,
        });
    }
    let load = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT s.mediator_id, COALESCE(pr.name, '') AS name,
                    count(*) FILTER (WHERE s.scheduled_for >= date_trunc('day', $1) AND s.scheduled_for < date_trunc('day', $1) + interval '1 day') AS today,
                    count(*) AS week
             FROM sessions s LEFT JOIN profiles pr ON pr.user_id = s.mediator_id
             WHERE s.status <> 'cancelled'
               AND s.scheduled_for >= date_trunc('week', $1) AND s.scheduled_for < date_trunc('week', $1) + interval '7 days'
             GROUP BY s.mediator_id, pr.name ORDER BY today DESC, week DESC, name",
            [now.into()],
        ))
        .await?;
    let mediator_load = load
        .iter()
        .map(|r| {
            Ok(MediatorLoad {
                mediator_id: id(r.try_get("", "mediator_id")?),
                name: r.try_get("", "name")?,
                sessions_today: r.try_get("", "today")?,
                sessions_this_week: r.try_get("", "week")?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let video_server = health(state).await;
    if !video_server.reachable {
        alerts.push(OperationsAlert {
            kind: OperationsAlertKind::VideoServerDown,
            session_id: None,
            participant_id: None,
        });
    }
    Ok(LiveOperations {
        generated_at: now,
        sessions,
        mediator_load,
        alerts,
        video_server,
    })
}

async fn health(state: &AppState) -> VideoServerHealth {
    let Some(lk) = state.livekit.as_ref() else {
        return VideoServerHealth {
            reachable: false,
            rooms: 0,
            answered_in_ms: None,
        };
    };
    let started = std::time::Instant::now();
    match lk.room_count().await {
        Ok(n) => VideoServerHealth {
            reachable: true,
            rooms: i32::try_from(n).unwrap_or(i32::MAX),
            answered_in_ms: i32::try_from(started.elapsed().as_millis()).ok(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "the video server did not answer");
            VideoServerHealth {
                reachable: false,
                rooms: 0,
                answered_in_ms: None,
            }
        }
    }
}

#[derive(Default)]
pub struct OperationsQuery;

#[Object]
impl OperationsQuery {
    /// What is happening now (org admins and case managers).
    async fn live_operations(&self, ctx: &Context<'_>) -> async_graphql::Result<LiveOperations> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::WatchOperations)?;
        let tx = rc.tenant_tx(actor).await?;
        let live = live(&rc.state, &tx, Utc::now()).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(live)
    }
}

/// Something changed in one of the organization's video sessions.
#[derive(SimpleObject, Clone)]
pub struct OperationsEvent {
    pub session_id: ID,
    pub kind: VideoEventKind,
}

#[derive(Default)]
pub struct OperationsSubscription;

#[Subscription]
impl OperationsSubscription {
    /// The organization's video sessions, live (org admins and case
    /// managers): ids and kinds only; read `liveOperations` again. Chat is
    /// left out: it is the room's business.
    async fn operations_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = OperationsEvent>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::WatchOperations)?;
        let scope = TenantScope {
            org_id: actor.org_id,
            user_id: Some(actor.user_id),
        };
        let state = rc.state.clone();
        // Whether a session is ours, once asked (a session never changes
        // organization): row-level security answers.
        let ours = Arc::new(Mutex::new(HashMap::<Uuid, bool>::new()));
        let messages = tokio_stream::wrappers::BroadcastStream::new(rc.state.kv.messages())
            .filter_map(|m| async move { m.ok() });
        Ok(messages.filter_map(move |message| {
            let event = message
                .channel
                .starts_with("video:")
                .then(|| serde_json::from_str::<VideoEvent>(&message.payload).ok())
                .flatten()
                .filter(|e| e.kind != VideoEventKind::Chat);
            let (state, ours) = (state.clone(), Arc::clone(&ours));
            async move {
                let e = event?;
                let known = ours.lock().ok()?.get(&e.session_id).copied();
                let mine = match known {
                    Some(mine) => mine,
                    None => {
                        let tx = state.db.tenant(scope).await.ok()?;
                        let mine = participants::load_session(&tx, e.session_id, false)
                            .await
                            .ok()?
                            .is_some();
                        tx.commit().await.ok()?;
                        ours.lock().ok()?.insert(e.session_id, mine);
                        mine
                    }
                };
                mine.then(|| OperationsEvent {
                    session_id: ID(e.session_id.to_string()),
                    kind: e.kind,
                })
            }
        }))
    }
}

#[derive(Default)]
pub struct OperationsMutation;

#[Object]
impl OperationsMutation {
    /// A browser's call quality, every few seconds while in a room.
    async fn report_call_quality(
        &self,
        ctx: &Context<'_>,
        pass: String,
        sample: QualitySampleInput,
    ) -> async_graphql::Result<Vec<QualityAlert>> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        Ok(report(tx, me, sample).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_raise_their_alerts_and_only_above_them() {
        assert!(
            alerts_for(400, 30.0, 3.0).is_empty(),
            "at the limit is fine"
        );
        assert_eq!(alerts_for(401, 0.0, 0.0), [QualityAlert::HighRoundTrip]);
        assert_eq!(alerts_for(0, 30.5, 0.0), [QualityAlert::HighJitter]);
        assert_eq!(alerts_for(0, 0.0, 3.1), [QualityAlert::PacketLoss]);
        assert_eq!(alerts_for(900, 90.0, 12.0).len(), 3);
    }

    #[test]
    fn samples_out_of_range_are_refused() {
        let good = QualitySampleInput {
            bitrate_kbps: 900,
            round_trip_ms: 40,
            jitter_ms: 2.0,
            packet_loss_percent: 0.1,
        };
        assert!(check(&good).is_ok());
        for bad in [
            QualitySampleInput {
                bitrate_kbps: -1,
                ..good
            },
            QualitySampleInput {
                round_trip_ms: 60_001,
                ..good
            },
            QualitySampleInput {
                jitter_ms: f64::NAN,
                ..good
            },
            QualitySampleInput {
                packet_loss_percent: 100.5,
                ..good
            },
        ] {
            assert!(check(&bad).is_err());
        }
    }
}
