//! A session's call-quality history (`sessionCallQuality`): samples spread
//! over minutes come back per person in one-minute buckets (averages, the
//! worst round trip) with a summary worked out from every sample and the
//! rooms they were taken in; a party on the case is refused, another
//! organization and a made-up id are told it does not exist, and a session
//! without samples answers with empty, well-formed figures.

use caucus_api::testkit::{self, TestApp};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::support::{Client, assert_ok, error_code};
use crate::video::{LOBBY, MEMBER, ROOM, booked_session, str_of};

const HISTORY: &str = "query Q($s: ID!) { sessionCallQuality(sessionId: $s) {
    sessionId firstMeasuredAt lastMeasuredAt bucketSeconds
    thresholds { roundTripMs jitterMs packetLossPercent }
    people { participantId name role
      summary { samples firstMeasuredAt lastMeasuredAt worstRoundTripMs worstJitterMs
        worstPacketLossPercent roundTripOver jitterOver packetLossOver
        roundTripOverShare jitterOverShare packetLossOverShare rooms { caucusId name } }
      points { at samples bitrateKbps roundTripMs jitterMs packetLossPercent } } } }";
const PREPARE: &str = "mutation P($p: String!) { prepareSideCaucuses(pass: $p, claimantName: \"Claimant caucus\", respondentName: \"Respondent caucus\") { id name } }";

/// The moment the samples start from.
const T0: &str = "2026-03-02T10:00:00Z";

/// A sample: seconds after [`T0`], bitrate, round trip, jitter, loss and
/// the caucus it was taken in (none: the main room).
type Sample<'a> = (i64, i32, i32, f64, f64, Option<&'a str>);

async fn insert(app: &TestApp, org: &str, session: &str, who: &str, samples: &[Sample<'_>]) {
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    for (secs, kbps, rtt, jitter, loss, room) in samples {
        let room = room.map_or("NULL".to_owned(), |r| format!("'{r}'"));
        owner
            .execute(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "INSERT INTO call_quality_samples (id, org_id, session_id, participant_id, breakout_room_id,
                            measured_at, bitrate_kbps, round_trip_ms, jitter_ms, packet_loss_percent)
                     VALUES (gen_random_uuid(), '{org}', '{session}', '{who}', {room},
                            timestamptz '{T0}' + make_interval(secs => {secs}), {kbps}, {rtt}, {jitter}, {loss})"
                ),
            ))
            .await
            .unwrap();
    }
    owner.close().await.unwrap();
}

fn person<'a>(history: &'a Value, id: &str) -> &'a Value {
    history["data"]["sessionCallQuality"]["people"]
        .as_array()
        .unwrap_or_else(|| panic!("{history}"))
        .iter()
        .find(|p| p["participantId"] == id)
        .unwrap_or_else(|| panic!("{id} in {history}"))
}

fn at(secs: i64) -> String {
    (chrono::DateTime::parse_from_rfc3339(T0).unwrap() + chrono::Duration::seconds(secs))
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn same_instant(value: &Value, secs: i64) -> bool {
    value
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .is_some_and(|t| {
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                == at(secs)
        })
}

#[tokio::test]
async fn call_quality_history_comes_back_bucketed_per_person_for_staff_only() {
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, "quality").await;
    let mediator = str_of(
        &org.mediator.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    assert_ok(
        &org.mediator
            .gql(LOBBY, json!({ "p": mediator, "c": [true], "a": true }))
            .await,
    );
    let room = org.mediator.gql(ROOM, json!({ "p": mediator })).await;
    let everyone = room["data"]["videoRoom"]["participants"]
        .as_array()
        .unwrap_or_else(|| panic!("{room}"))
        .clone();
    let id_of = |role: &str, name: Option<&str>| {
        everyone
            .iter()
            .find(|p| p["role"] == role && name.is_none_or(|n| p["name"] == n))
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{role} in {everyone:?}"))
    };
    let mediator_id = id_of("MEDIATOR", None);
    let respondent_id = id_of("PARTY", Some("Sam Other"));
    let claimant_id = everyone
        .iter()
        .find(|p| p["role"] == "PARTY" && p["name"] != "Sam Other")
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .unwrap();
    let caucuses = org.mediator.gql(PREPARE, json!({ "p": mediator })).await;
    assert_ok(&caucuses);
    let claimant_caucus = caucuses["data"]["prepareSideCaucuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Claimant caucus")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .unwrap();

    // Before any sample: everyone, with empty figures.
    let empty = org.manager.gql(HISTORY, json!({ "s": session })).await;
    assert_ok(&empty);
    let e = &empty["data"]["sessionCallQuality"];
    assert_eq!(e["firstMeasuredAt"], Value::Null);
    assert_eq!(e["bucketSeconds"], 60);
    assert_eq!(e["people"].as_array().unwrap().len(), everyone.len());
    for p in e["people"].as_array().unwrap() {
        assert_eq!(p["summary"]["samples"], 0, "{p}");
        assert_eq!(p["summary"]["worstRoundTripMs"], Value::Null);
        assert_eq!(p["summary"]["roundTripOverShare"], 0.0);
        assert_eq!(p["points"], json!([]));
        assert_eq!(p["summary"]["rooms"], json!([]));
    }

    // The claimant over five minutes, the last sample in their caucus; the
    // mediator at the start and ten minutes in.
    let caucus = Some(claimant_caucus.as_str());
    insert(
        &app,
        &org.org_id,
        &session,
        &claimant_id,
        &[
            (0, 900, 100, 10.0, 0.0, None),
            (20, 600, 500, 20.0, 6.0, None),
            (40, 300, 200, 30.0, 0.0, None),
            (60, 1000, 50, 40.0, 1.0, None),
            (80, 1000, 60, 50.0, 2.0, None),
            (300, 800, 450, 5.0, 0.5, caucus),
        ],
    )
    .await;
    insert(
        &app,
        &org.org_id,
        &session,
        &mediator_id,
        &[
            (10, 1500, 30, 2.0, 0.0, None),
            (610, 1700, 40, 4.0, 0.0, None),
        ],
    )
    .await;

    let history = org.manager.gql(HISTORY, json!({ "s": session })).await;
    assert_ok(&history);
    let h = &history["data"]["sessionCallQuality"];
    assert_eq!(h["sessionId"], session.as_str());
    assert!(same_instant(&h["firstMeasuredAt"], 0), "{h}");
    assert!(same_instant(&h["lastMeasuredAt"], 610), "{h}");
    assert_eq!(h["bucketSeconds"], 60);
    assert_eq!(
        h["thresholds"],
        json!({ "roundTripMs": 400, "jitterMs": 30.0, "packetLossPercent": 3.0 })
    );

    let claimant = person(&history, &claimant_id);
    let points = claimant["points"].as_array().unwrap();
    let starts: Vec<bool> = points
        .iter()
        .zip([0, 60, 300])
        .map(|(p, secs)| same_instant(&p["at"], secs))
        .collect();
    assert_eq!(starts, [true, true, true], "{points:?}");
    let figures: Vec<Value> = points
        .iter()
        .map(|p| {
            json!([
                p["samples"],
                p["bitrateKbps"],
                p["roundTripMs"],
                p["jitterMs"],
                p["packetLossPercent"]
            ])
        })
        .collect();
    assert_eq!(
        figures,
        [
            json!([3, 600.0, 500, 20.0, 2.0]),
            json!([2, 1000.0, 60, 45.0, 1.5]),
            json!([1, 800.0, 450, 5.0, 0.5]),
        ]
    );
    let s = &claimant["summary"];
    assert_eq!(s["samples"], 6);
    assert!(same_instant(&s["firstMeasuredAt"], 0));
    assert!(same_instant(&s["lastMeasuredAt"], 300));
    assert_eq!(s["worstRoundTripMs"], 500);
    assert_eq!(s["worstJitterMs"], 50.0);
    assert_eq!(s["worstPacketLossPercent"], 6.0);
    // Over, not at: 30 ms of jitter is within bounds.
    assert_eq!(
        [&s["roundTripOver"], &s["jitterOver"], &s["packetLossOver"]],
        [2, 2, 1]
    );
    let share = |v: &Value| v.as_f64().unwrap();
    assert!((share(&s["roundTripOverShare"]) - 2.0 / 6.0).abs() < 1e-9);
    assert!((share(&s["jitterOverShare"]) - 2.0 / 6.0).abs() < 1e-9);
    assert!((share(&s["packetLossOverShare"]) - 1.0 / 6.0).abs() < 1e-9);
    assert_eq!(
        s["rooms"],
        json!([
            { "caucusId": null, "name": null },
            { "caucusId": claimant_caucus, "name": "Claimant caucus" },
        ])
    );

    let med = person(&history, &mediator_id);
    assert_eq!(med["role"], "MEDIATOR");
    assert!(!med["name"].as_str().unwrap().is_empty());
    let med_points = med["points"].as_array().unwrap();
    assert_eq!(med_points.len(), 2);
    assert!(same_instant(&med_points[0]["at"], 0));
    assert!(same_instant(&med_points[1]["at"], 600));
    assert_eq!(med_points[1]["bitrateKbps"], 1700.0);
    assert_eq!(med["summary"]["samples"], 2);
    assert_eq!(med["summary"]["roundTripOver"], 0);
    assert_eq!(
        med["summary"]["rooms"],
        json!([{ "caucusId": null, "name": null }])
    );

    // The respondent's name is sealed at rest and opened for the answer; no samples.
    let resp = person(&history, &respondent_id);
    assert_eq!(resp["name"], "Sam Other");
    assert_eq!(resp["summary"]["samples"], 0);
    assert_eq!(resp["points"], json!([]));

    // The org admin and the session's own mediator see the same.
    for client in [&mut org.admin, &mut org.mediator] {
        let seen = client.gql(HISTORY, json!({ "s": session })).await;
        assert_ok(&seen);
        assert_eq!(person(&seen, &claimant_id)["summary"]["samples"], 6);
    }

    // A party on the case is refused; nobody signed in is asked to sign in.
    assert_eq!(
        error_code(&org.claimant.gql(HISTORY, json!({ "s": session })).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &Client::new(&app)
                .gql(HISTORY, json!({ "s": session }))
                .await
        ),
        "UNAUTHENTICATED"
    );

    // Another organization: our session, a made-up id and a malformed one
    // are all simply not found. Its own session (no samples) is empty.
    let (mut other, theirs) = booked_session(&app, "quality-other").await;
    for id in [
        session.clone(),
        uuid::Uuid::new_v4().to_string(),
        "not-an-id".to_owned(),
    ] {
        let refused = other.admin.gql(HISTORY, json!({ "s": id })).await;
        assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
        assert_eq!(refused["data"], Value::Null);
    }
    assert_eq!(
        error_code(
            &org.manager
                .gql(HISTORY, json!({ "s": uuid::Uuid::new_v4().to_string() }))
                .await
        ),
        "NOT_FOUND"
    );
    let own = other.admin.gql(HISTORY, json!({ "s": theirs })).await;
    assert_ok(&own);
    let own = &own["data"]["sessionCallQuality"];
    assert_eq!(own["firstMeasuredAt"], Value::Null);
    for p in own["people"].as_array().unwrap() {
        assert_eq!(p["summary"]["samples"], 0);
        assert_eq!(p["points"], json!([]));
    }
}
