//! A session's call-quality history, for staff reviewing it afterwards
//! (issue #7): per participant, the samples the browsers reported (numbers
//! only, never any media) as a time series in fixed buckets, and a summary.
//!
//! Bucketing: buckets start at the session's first sample and are one
//! minute wide, or wider (whole minutes) so that no one has more than
//! [`MAX_POINTS`] points however long the session ran. A point averages the
//! bitrate, jitter and packet loss of its samples and keeps the worst round
//! trip (a spike matters more than its mean). The summary is worked out
//! from every sample, not from the points.

use std::collections::HashMap;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::caucus;
use super::operations::{MAX_JITTER_MS, MAX_LOSS_PERCENT, MAX_ROUND_TRIP_MS};
use super::participants::{self, SessionVideo};
use crate::authz::{self, Actor, video::VideoRole};
use crate::cases::access;
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};
use crate::graphql::context::RequestContext;
use crate::state::AppState;

/// At most this many points per person.
pub const MAX_POINTS: i64 = 120;

/// The width of a bucket, in seconds, for samples spread over `span_secs`:
/// a minute, or the fewest whole minutes that keep to [`MAX_POINTS`].
pub fn bucket_seconds(span_secs: i64) -> i64 {
    // Bucket `floor(t / width)` for `t` in `0..=span`: fewer than
    // MAX_POINTS buckets when `width * MAX_POINTS > span`.
    let needed = (span_secs.max(0) + 1 + MAX_POINTS - 1) / MAX_POINTS;
    ((needed + 59) / 60).max(1) * 60
}

/// The thresholds above which a sample counts as poor (the live alerts').
#[derive(SimpleObject, Clone)]
pub struct CallQualityThresholds {
    pub round_trip_ms: i32,
    pub jitter_ms: f64,
    pub packet_loss_percent: f64,
}

/// One bucket of one person's samples.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct CallQualityPoint {
    /// Where the bucket starts.
    pub at: DateTime<Utc>,
    pub samples: i32,
    /// Averages over the bucket's samples.
    pub bitrate_kbps: f64,
    pub jitter_ms: f64,
    pub packet_loss_percent: f64,
    /// The worst round trip of the bucket.
    pub round_trip_ms: i32,
}

/// A room someone was measured in: the main room (no caucus) or a caucus.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct CallQualityRoom {
    pub caucus_id: Option<ID>,
    /// The caucus's name; none for the main room (or a caucus since deleted).
    pub name: Option<String>,
}

/// One person's samples in figures.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct CallQualitySummary {
    pub samples: i32,
    pub first_measured_at: Option<DateTime<Utc>>,
    pub last_measured_at: Option<DateTime<Utc>>,
    pub worst_round_trip_ms: Option<i32>,
    pub worst_jitter_ms: Option<f64>,
    pub worst_packet_loss_percent: Option<f64>,
    /// How many samples were above each threshold.
    pub round_trip_over: i32,
    pub jitter_over: i32,
    pub packet_loss_over: i32,
    /// The same as shares of all samples (0 to 1; 0 without samples).
    pub round_trip_over_share: f64,
    pub jitter_over_share: f64,
    pub packet_loss_over_share: f64,
    /// The rooms the samples were taken in, the main room first.
    pub rooms: Vec<CallQualityRoom>,
}

#[derive(SimpleObject, Clone)]
pub struct PersonCallQuality {
    pub participant_id: ID,
    pub name: String,
    pub role: VideoRole,
    pub summary: CallQualitySummary,
    pub points: Vec<CallQualityPoint>,
}

#[derive(SimpleObject, Clone)]
pub struct SessionCallQuality {
    pub session_id: ID,
    pub case_id: ID,
    pub scheduled_for: DateTime<Utc>,
    pub duration_minutes: i32,
    /// The session's first and last sample (none without samples).
    pub first_measured_at: Option<DateTime<Utc>>,
    pub last_measured_at: Option<DateTime<Utc>>,
    /// The width of every point's bucket.
    pub bucket_seconds: i32,
    pub thresholds: CallQualityThresholds,
    /// Everyone on the session, the mediators first, with or without samples.
    pub people: Vec<PersonCallQuality>,
}

fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

/// The session `session_id`, if the actor may review its call quality.
/// A session of another organization, or none, is not found.
pub async fn open(tx: &TenantTx, actor: &Actor, session_id: Uuid) -> AppResult<SessionVideo> {
    let session = participants::load_session(tx, session_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let case = access::load(tx, session.case_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let rel = access::relation(tx, actor, &case).await?;
    authz::video::authorize_quality_review(actor, &rel, session.mediator_id == actor.user_id)?;
    Ok(session)
}

fn share(part: i32, of: i32) -> f64 {
    if of > 0 {
        f64::from(part) / f64::from(of)
    } else {
        0.0
    }
}

fn int(row: &sea_orm::QueryResult, column: &str) -> AppResult<i32> {
    let n: i64 = row.try_get("", column)?;
    i32::try_from(n).map_err(|_| AppError::Internal(anyhow::anyhow!("a count out of range")))
}

/// The history of `session` (already authorized through [`open`]).
#[tracing::instrument(skip_all, fields(session_id = %session.id))]
pub async fn history(
    state: &AppState,
    tx: &TenantTx,
    session: &SessionVideo,
) -> AppResult<SessionCallQuality> {
    let conn = tx.conn();
    let span = conn
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT min(measured_at) AS first, max(measured_at) AS last
             FROM call_quality_samples WHERE session_id = $1",
            [session.id.into()],
        ))
        .await?;
    let (first, last) = match &span {
        Some(row) => (db::utc_opt(row, "first")?, db::utc_opt(row, "last")?),
        None => (None, None),
    };
    let width = bucket_seconds(match (first, last) {
        (Some(f), Some(l)) => (l - f).num_seconds(),
        _ => 0,
    });
    let mut summaries: HashMap<Uuid, CallQualitySummary> = HashMap::new();
    let mut points: HashMap<Uuid, Vec<CallQualityPoint>> = HashMap::new();
    if let Some(origin) = first {
        let rows = conn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT participant_id, count(*) AS samples,
                        min(measured_at) AS first, max(measured_at) AS last,
                        max(round_trip_ms) AS rtt, max(jitter_ms)::float8 AS jitter,
                        max(packet_loss_percent)::float8 AS loss,
                        count(*) FILTER (WHERE round_trip_ms > $2) AS rtt_over,
                        count(*) FILTER (WHERE jitter_ms > $3) AS jitter_over,
                        count(*) FILTER (WHERE packet_loss_percent > $4) AS loss_over
                 FROM call_quality_samples WHERE session_id = $1
                 GROUP BY participant_id",
                [
                    session.id.into(),
                    MAX_ROUND_TRIP_MS.into(),
                    MAX_JITTER_MS.into(),
                    MAX_LOSS_PERCENT.into(),
                ],
            ))
            .await?;
        for row in rows {
            let samples = int(&row, "samples")?;
            let (rtt_over, jitter_over, loss_over) = (
                int(&row, "rtt_over")?,
                int(&row, "jitter_over")?,
                int(&row, "loss_over")?,
            );
            summaries.insert(
                row.try_get("", "participant_id")?,
                CallQualitySummary {
                    samples,
                    first_measured_at: db::utc_opt(&row, "first")?,
                    last_measured_at: db::utc_opt(&row, "last")?,
                    worst_round_trip_ms: row.try_get("", "rtt")?,
                    worst_jitter_ms: row.try_get("", "jitter")?,
                    worst_packet_loss_percent: row.try_get("", "loss")?,
                    round_trip_over: rtt_over,
                    jitter_over,
                    packet_loss_over: loss_over,
                    round_trip_over_share: share(rtt_over, samples),
                    jitter_over_share: share(jitter_over, samples),
                    packet_loss_over_share: share(loss_over, samples),
                    rooms: Vec::new(),
                },
            );
        }

        let rows = conn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT participant_id,
                        floor(extract(epoch FROM measured_at - $2)::float8 / $3)::int8 AS bucket,
                        count(*) AS samples, avg(bitrate_kbps)::float8 AS bitrate,
                        max(round_trip_ms) AS rtt, avg(jitter_ms)::float8 AS jitter,
                        avg(packet_loss_percent)::float8 AS loss
                 FROM call_quality_samples WHERE session_id = $1
                 GROUP BY participant_id, bucket ORDER BY participant_id, bucket",
                [session.id.into(), origin.into(), (width as f64).into()],
            ))
            .await?;
        for row in rows {
            let bucket: i64 = row.try_get("", "bucket")?;
            points
                .entry(row.try_get("", "participant_id")?)
                .or_default()
                .push(CallQualityPoint {
                    at: origin + Duration::seconds(bucket * width),
                    samples: int(&row, "samples")?,
                    bitrate_kbps: row.try_get("", "bitrate")?,
                    jitter_ms: row.try_get("", "jitter")?,
                    packet_loss_percent: row.try_get("", "loss")?,
                    round_trip_ms: row.try_get("", "rtt")?,
                });
        }

        // Where each was measured, the main room first, then the caucuses in
        // the order they were made; a caucus deleted since reads as the
        // main room.
        let caucuses = caucus::list(tx, session.id).await?;
        let rows = conn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT DISTINCT participant_id, breakout_room_id
                 FROM call_quality_samples WHERE session_id = $1",
                [session.id.into()],
            ))
            .await?;
        let mut rooms: HashMap<Uuid, Vec<Option<Uuid>>> = HashMap::new();
        for row in rows {
            rooms
                .entry(row.try_get("", "participant_id")?)
                .or_default()
                .push(row.try_get("", "breakout_room_id")?);
        }
        for (who, mut theirs) in rooms {
            let Some(summary) = summaries.get_mut(&who) else {
                continue;
            };
            theirs.sort_by_key(|room| {
                room.map(|r| {
                    caucuses
                        .iter()
                        .position(|c| c.id == r)
                        .unwrap_or(caucuses.len())
                })
            });
            summary.rooms = theirs
                .into_iter()
                .map(|room| CallQualityRoom {
                    caucus_id: room.map(id),
                    name: room
                        .and_then(|r| caucuses.iter().find(|c| c.id == r).map(|c| c.name.clone())),
                })
                .collect();
        }
    }

    let key = TenantKey::of(tx, &state.data_key).await?;
    let mut people = Vec::new();
    for p in participants::list(tx, session.id).await? {
        let summary = summaries.remove(&p.id).unwrap_or(CallQualitySummary {
            samples: 0,
            first_measured_at: None,
            last_measured_at: None,
            worst_round_trip_ms: None,
            worst_jitter_ms: None,
            worst_packet_loss_percent: None,
            round_trip_over: 0,
            jitter_over: 0,
            packet_loss_over: 0,
            round_trip_over_share: 0.0,
            jitter_over_share: 0.0,
            packet_loss_over_share: 0.0,
            rooms: Vec::new(),
        });
        people.push(PersonCallQuality {
            participant_id: id(p.id),
            name: participants::display_name(tx, &key, &p).await?,
            role: p.role,
            summary,
            points: points.remove(&p.id).unwrap_or_default(),
        });
    }
    Ok(SessionCallQuality {
        session_id: id(session.id),
        case_id: id(session.case_id),
        scheduled_for: session.scheduled_for,
        duration_minutes: session.duration_minutes,
        first_measured_at: first,
        last_measured_at: last,
        bucket_seconds: i32::try_from(width).unwrap_or(i32::MAX),
        thresholds: CallQualityThresholds {
            round_trip_ms: MAX_ROUND_TRIP_MS,
            jitter_ms: MAX_JITTER_MS,
            packet_loss_percent: MAX_LOSS_PERCENT,
        },
        people,
    })
}

#[derive(Default)]
pub struct CallQualityQuery;

#[Object]
impl CallQualityQuery {
    /// A session's call quality over time, per participant, for review
    /// afterwards (org admins, case managers and the session's mediator).
    async fn session_call_quality(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
    ) -> async_graphql::Result<SessionCallQuality> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let session_id = access::parse_id(&session_id)?;
        let tx = rc.tenant_tx(actor).await?;
        let session = open(&tx, actor, session_id).await?;
        let history = history(&rc.state, &tx, &session).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_whole_minutes_and_never_more_than_the_limit() {
        assert_eq!(bucket_seconds(0), 60);
        assert_eq!(bucket_seconds(14 * 60), 60);
        assert_eq!(bucket_seconds(119 * 60 + 59), 60);
        assert_eq!(bucket_seconds(120 * 60), 120);
        assert_eq!(bucket_seconds(-5), 60);
        for span in [
            0, 59, 60, 7_199, 7_200, 7_201, 10_800, 18_000, 86_400, 400_000,
        ] {
            let width = bucket_seconds(span);
            assert_eq!(width % 60, 0, "{span}");
            let buckets = span / width + 1;
            assert!(buckets <= MAX_POINTS, "{span}: {buckets} buckets");
            // Not wider than needed: a minute less would break the limit.
            if width > 60 {
                assert!(span / (width - 60) + 1 > MAX_POINTS, "{span}: {width}");
            }
        }
    }

    #[test]
    fn shares_are_fractions_and_zero_without_samples() {
        assert_eq!(share(0, 0), 0.0);
        assert_eq!(share(2, 8), 0.25);
        assert_eq!(share(8, 8), 1.0);
    }
}
