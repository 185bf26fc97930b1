//! Caucus rooms against the real LiveKit server: tokens only for the room a
//! participant is placed in, moves and recalls by the mediator alone, the
//! mediator hopping in to listen, chat that never leaves its room (neither
//! by query nor by subscription), the door check against placement, and a
//! timer that recalls everyone.

use std::time::Duration;

use caucus_api::testkit::{self, TestApp};
use livekit_api::access_token::TokenVerifier;
use livekit_protocol::{DisconnectReason, signal_response};
use livekit_signaling::{SignalClient, SignalEvent, SignalEvents, SignalOptions};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::cases::{CaseOrg, case_org};
use crate::support::{Client, assert_ok, error_code};
use crate::video::{
    CHAT, Device, ISSUE, LOBBY, MEMBER, MODERATE, READ_CHAT, ROOM, audit_count, booked_session,
    env, eventually, joined_event, redeem, str_of, watch, webhook,
};

const PREPARE: &str = "mutation P($p: String!) { prepareSideCaucuses(pass: $p, claimantName: \"Claimant caucus\", respondentName: \"Respondent caucus\") { id name status } }";
const OPEN: &str = "mutation O($p: String!, $c: ID!, $o: Boolean!) { setCaucusOpen(pass: $p, caucusId: $c, open: $o) { id status } }";
const PLACE: &str = "mutation M($p: String!, $t: ID!, $c: ID, $l: Boolean!) { placeParticipant(pass: $p, participantId: $t, caucusId: $c, listenOnly: $l) }";
const RECALL: &str = "mutation R($p: String!) { recallEveryone(pass: $p) }";
const TIMER: &str = "mutation T($p: String!, $c: ID!, $m: Int!, $e: Boolean!) { setCaucusTimer(pass: $p, caucusId: $c, minutes: $m, extend: $e) { id endsAt } }";
const CALL: &str = "mutation C($p: String!) { callMediator(pass: $p) }";
const BROADCAST: &str = "mutation B($p: String!, $b: String!) { sendVideoChat(pass: $p, body: $b, broadcast: true) { id } }";

const PLACED_TOKEN: &str =
    "mutation T($p: String!) { videoToken(pass: $p) { token caucusId listenOnly } }";
const MY_PLACE: &str =
    "query R($p: String!) { videoRoom(pass: $p) { me { caucusId listenOnly } } }";

/// The LiveKit room a pass's token is for, and whether it may publish; the
/// place the token names (which the page keeps as where its call is) agrees
/// with the token's grant and with the room's view of the participant (read
/// before and after the token: a placement that changed in between, say a
/// timer's recall, is read again).
async fn token_room(client: &mut Client, pass: &str) -> (String, Option<bool>) {
    for _ in 0..5 {
        let before =
            client.gql(MY_PLACE, json!({ "p": pass })).await["data"]["videoRoom"]["me"].clone();
        let token = client.gql(PLACED_TOKEN, json!({ "p": pass })).await;
        assert_ok(&token);
        let after =
            client.gql(MY_PLACE, json!({ "p": pass })).await["data"]["videoRoom"]["me"].clone();
        if before != after {
            continue;
        }
        let claims = TokenVerifier::with_api_key(
            &env("CAUCUS_TEST_LIVEKIT_API_KEY"),
            &env("CAUCUS_TEST_LIVEKIT_API_SECRET"),
        )
        .verify(&str_of(&token, &["data", "videoToken", "token"]))
        .unwrap();
        let named = &token["data"]["videoToken"];
        assert_eq!(named["caucusId"], after["caucusId"], "{token}");
        assert_eq!(named["listenOnly"], after["listenOnly"], "{token}");
        if named["listenOnly"] == json!(true) {
            assert_eq!(claims.video.can_publish, Some(false), "{token}");
        }
        return (claims.video.room, claims.video.can_publish);
    }
    panic!("the placement kept changing while a token was asked for");
}

fn bodies(chat: &Value) -> Vec<String> {
    chat["data"]["videoChat"]
        .as_array()
        .unwrap_or_else(|| panic!("{chat}"))
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

struct Caucusing {
    app: TestApp,
    org: CaseOrg,
    session: String,
    mediator: String,
    claimant: String,
    claimant_id: String,
    respondent_client: Client,
    respondent: String,
    respondent_id: String,
}

/// A booked session with the mediator, the claimant (signed in) and the
/// respondent (by a device-bound link) all admitted to the main room.
async fn session_in_progress(slug: &str) -> Caucusing {
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, slug).await;
    let mediator = str_of(
        &org.mediator.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    let claimant = str_of(
        &org.claimant.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    let people = org.mediator.gql(ROOM, json!({ "p": mediator })).await;
    let respondent_id = people["data"]["videoRoom"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Sam Other")
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .unwrap();
    let link = str_of(
        &org.manager.gql(ISSUE, json!({ "p": respondent_id })).await,
        &["data", "issueJoinLink", "url"],
    );
    let link = link.split_once("/join#").unwrap().1.to_owned();
    let mut respondent_client = Client::new(&app);
    let respondent = redeem(&mut respondent_client, &link, &Device::new(31))
        .await
        .unwrap();
    for (client, pass) in [
        (&mut org.mediator, &mediator),
        (&mut org.claimant, &claimant),
        (&mut respondent_client, &respondent),
    ] {
        assert_ok(
            &client
                .gql(LOBBY, json!({ "p": pass, "c": [true], "a": true }))
                .await,
        );
    }
    let me = org.claimant.gql(ROOM, json!({ "p": claimant })).await;
    let claimant_id = str_of(&me, &["data", "videoRoom", "me", "id"]);
    for id in [&claimant_id, &respondent_id] {
        assert_ok(
            &org.mediator
                .gql(MODERATE, json!({ "p": mediator, "t": id, "c": "ADMIT" }))
                .await,
        );
    }
    Caucusing {
        app,
        org,
        session,
        mediator,
        claimant,
        claimant_id,
        respondent_client,
        respondent,
        respondent_id,
    }
}

#[tokio::test]
async fn caucus_rooms_keep_each_side_apart_and_only_the_mediator_moves_people() {
    // Logs and spans are captured from the start, for the canary check.
    crate::support::captured();
    let Caucusing {
        app,
        mut org,
        session: _,
        mediator,
        claimant,
        claimant_id,
        respondent_client: mut respondent_browser,
        respondent,
        respondent_id,
    } = session_in_progress("caucus").await;
    let (main_room, _) = token_room(&mut org.mediator, &mediator).await;

    // Parties cannot make or move into rooms; each attempt is audited.
    let refused_before = audit_count(&mut org.admin, "VIDEO_MODERATION_REFUSED").await;
    assert_eq!(
        error_code(&org.claimant.gql(PREPARE, json!({ "p": claimant })).await),
        "FORBIDDEN"
    );
    let prepared = org.mediator.gql(PREPARE, json!({ "p": mediator })).await;
    assert_ok(&prepared);
    let rooms = prepared["data"]["prepareSideCaucuses"].as_array().unwrap();
    assert_eq!(rooms.len(), 2);
    assert!(rooms.iter().all(|r| r["status"] == "PREPARED"));
    let claimant_caucus = rooms[0]["id"].as_str().unwrap().to_owned();
    let respondent_caucus = rooms[1]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        error_code(
            &respondent_browser
                .gql(
                    PLACE,
                    json!({ "p": respondent, "t": respondent_id, "c": claimant_caucus, "l": false })
                )
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        audit_count(&mut org.admin, "VIDEO_MODERATION_REFUSED").await,
        refused_before + 2
    );

    // Assigned but not open: everyone is still in the main room.
    assert_eq!(token_room(&mut org.claimant, &claimant).await.0, main_room);
    for c in [&claimant_caucus, &respondent_caucus] {
        assert_ok(
            &org.mediator
                .gql(OPEN, json!({ "p": mediator, "c": c, "o": true }))
                .await,
        );
    }
    let (claimant_room, _) = token_room(&mut org.claimant, &claimant).await;
    let (respondent_room, _) = token_room(&mut respondent_browser, &respondent).await;
    assert_ne!(claimant_room, main_room);
    assert_ne!(respondent_room, main_room);
    assert_ne!(claimant_room, respondent_room);
    // A party sees only its own caucus in the room's description.
    let seen = org
        .claimant
        .gql(
            "query R($p: String!) { videoRoom(pass: $p) { caucuses { id name status } } }",
            json!({ "p": claimant }),
        )
        .await;
    let theirs = seen["data"]["videoRoom"]["caucuses"].as_array().unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["id"], claimant_caucus.as_str());

    // Chat stays in its room, by query and by subscription.
    let mut respondent_live = watch(&app, &respondent).await;
    let mut mediator_live = watch(&app, &mediator).await;
    let mut claimant_live = watch(&app, &claimant).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A canary: what one side says in its caucus must reach no log, span,
    // or the other side's answers.
    let mut canary = crate::support::Canary::new();
    let secret = canary.marker("caucuschat");
    let secret = secret.as_str();
    assert_ok(
        &org.claimant
            .gql(CHAT, json!({ "p": claimant, "b": secret }))
            .await,
    );
    assert_eq!(
        bodies(&org.claimant.gql(READ_CHAT, json!({ "p": claimant })).await),
        [secret]
    );
    let other_side = respondent_browser
        .gql(READ_CHAT, json!({ "p": respondent }))
        .await;
    assert!(bodies(&other_side).is_empty());
    let other_room = respondent_browser
        .gql(ROOM, json!({ "p": respondent }))
        .await;
    assert!(
        bodies(&org.mediator.gql(READ_CHAT, json!({ "p": mediator })).await).is_empty(),
        "the mediator in the main room does not read the caucus"
    );
    // Heard in its own room (so the subscription works) …
    let own = crate::subscriptions::next_json(&mut claimant_live, Duration::from_secs(5))
        .await
        .expect("the claimant's room hears its chat");
    assert_eq!(own["payload"]["data"]["videoEvents"]["kind"], "CHAT");
    // … and not in the other side's.
    let wait = Duration::from_millis(1500);
    let heard = crate::subscriptions::next_json(&mut respondent_live, wait).await;
    assert!(heard.is_none(), "the other side heard of it: {heard:?}");
    let _ = crate::subscriptions::next_json(&mut mediator_live, Duration::from_millis(200)).await;

    // The mediator hops in to listen: their token is for that room, without
    // publishing, and they read that room's chat there.
    let me_id = str_of(
        &org.mediator.gql(ROOM, json!({ "p": mediator })).await,
        &["data", "videoRoom", "me", "id"],
    );
    assert_ok(
        &org.mediator
            .gql(
                PLACE,
                json!({ "p": mediator, "t": me_id, "c": claimant_caucus, "l": true }),
            )
            .await,
    );
    let (hop_room, may_publish) = token_room(&mut org.mediator, &mediator).await;
    assert_eq!(hop_room, claimant_room);
    assert_eq!(may_publish, Some(false));
    assert_eq!(
        bodies(&org.mediator.gql(READ_CHAT, json!({ "p": mediator })).await),
        [secret]
    );
    // Listening is for mediators only.
    assert_eq!(
        error_code(
            &org.mediator
                .gql(
                    PLACE,
                    json!({ "p": mediator, "t": claimant_id, "c": claimant_caucus, "l": true })
                )
                .await
        ),
        "VALIDATION_FAILED"
    );
    // A broadcast reaches every room.
    assert_ok(
        &org.mediator
            .gql(
                BROADCAST,
                json!({ "p": mediator, "b": "Five minutes, then we meet again." }),
            )
            .await,
    );
    assert!(
        bodies(
            &respondent_browser
                .gql(READ_CHAT, json!({ "p": respondent }))
                .await
        )
        .contains(&"Five minutes, then we meet again.".to_owned())
    );
    assert_eq!(
        error_code(
            &org.claimant
                .gql(BROADCAST, json!({ "p": claimant, "b": "To everyone!" }))
                .await
        ),
        "FORBIDDEN"
    );

    // The door check follows placement: the respondent turning up in the
    // claimant's caucus is removed; in their own, they are welcome.
    let secret_key = env("CAUCUS_TEST_LIVEKIT_API_SECRET");
    let intrusions = audit_count(&mut org.admin, "VIDEO_INTRUDER_REMOVED").await;
    assert_eq!(
        webhook(
            &app,
            &joined_event(&claimant_room, &respondent_id),
            &secret_key
        )
        .await,
        reqwest::StatusCode::OK
    );
    assert_eq!(
        webhook(
            &app,
            &joined_event(&respondent_room, &respondent_id),
            &secret_key
        )
        .await,
        reqwest::StatusCode::OK
    );
    assert_eq!(
        audit_count(&mut org.admin, "VIDEO_INTRUDER_REMOVED").await,
        intrusions + 1
    );

    // "Call the mediator" from a caucus reaches the mediator live.
    assert_ok(
        &respondent_browser
            .gql(CALL, json!({ "p": respondent }))
            .await,
    );
    let mut called = false;
    for _ in 0..10 {
        match crate::subscriptions::next_json(&mut mediator_live, Duration::from_secs(2)).await {
            Some(e) if e["payload"]["data"]["videoEvents"]["kind"] == "CALL_MEDIATOR" => {
                assert_eq!(
                    e["payload"]["data"]["videoEvents"]["participantId"],
                    respondent_id.as_str()
                );
                called = true;
                break;
            }
            Some(_) => continue,
            None => break,
        }
    }
    assert!(called, "the mediator was not alerted");

    // Recall: everyone back in the main room.
    assert_eq!(
        error_code(&org.claimant.gql(RECALL, json!({ "p": claimant })).await),
        "FORBIDDEN"
    );
    let recalled = org.mediator.gql(RECALL, json!({ "p": mediator })).await;
    assert_eq!(recalled["data"]["recallEveryone"], 3, "{recalled}");

    // Moves that overlap (the mediator's clicks, a timer's recall) each
    // lock the people they move, in one order, and the removal from the old
    // room runs under the same lock: they all go through and none deadlocks.
    for round in 0..3 {
        let (mut a, mut b, mut c) = (
            org.mediator.clone(),
            org.mediator.clone(),
            org.mediator.clone(),
        );
        let (moved, side, back) = tokio::join!(
            a.gql(
                PLACE,
                json!({ "p": mediator, "t": claimant_id, "c": claimant_caucus, "l": false })
            ),
            b.gql(
                PLACE,
                json!({ "p": mediator, "t": respondent_id, "c": respondent_caucus, "l": false })
            ),
            c.gql(RECALL, json!({ "p": mediator })),
        );
        for body in [&moved, &side, &back] {
            assert!(body.get("errors").is_none(), "round {round}: {body}");
        }
    }
    let recalled = org.mediator.gql(RECALL, json!({ "p": mediator })).await;
    assert!(recalled.get("errors").is_none(), "{recalled}");
    assert_eq!(token_room(&mut org.claimant, &claimant).await.0, main_room);
    assert_eq!(
        token_room(&mut respondent_browser, &respondent).await.0,
        main_room
    );
    assert_eq!(
        token_room(&mut org.mediator, &mediator).await,
        (main_room, Some(true))
    );
    // Another session's participant cannot be placed from this one.
    assert_eq!(
        error_code(
            &org.mediator
                .gql(
                    PLACE,
                    json!({ "p": mediator, "t": uuid::Uuid::new_v4(), "c": null, "l": false })
                )
                .await
        ),
        "NOT_FOUND"
    );
    assert!(audit_count(&mut org.admin, "CAUCUS_MOVED").await >= 1);
    canary.assert_absent(&[&other_side.to_string(), &other_room.to_string()]);
}

#[tokio::test]
async fn a_caucus_timer_warns_and_recalls_everyone_after_its_end() {
    let Caucusing {
        app,
        mut org,
        session,
        mediator,
        claimant,
        ..
    } = session_in_progress("caucus-timer").await;
    let (main_room, _) = token_room(&mut org.mediator, &mediator).await;
    let prepared = org.mediator.gql(PREPARE, json!({ "p": mediator })).await;
    let claimant_caucus = prepared["data"]["prepareSideCaucuses"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        error_code(
            &org.mediator
                .gql(
                    TIMER,
                    json!({ "p": mediator, "c": claimant_caucus, "m": 5, "e": false })
                )
                .await
        ),
        "CONFLICT",
        "a prepared room has no timer"
    );
    assert_ok(
        &org.mediator
            .gql(
                OPEN,
                json!({ "p": mediator, "c": claimant_caucus, "o": true }),
            )
            .await,
    );
    assert_ne!(token_room(&mut org.claimant, &claimant).await.0, main_room);
    assert_eq!(
        error_code(
            &org.mediator
                .gql(
                    TIMER,
                    json!({ "p": mediator, "c": claimant_caucus, "m": 0, "e": false })
                )
                .await
        ),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(
            &org.claimant
                .gql(
                    TIMER,
                    json!({ "p": claimant, "c": claimant_caucus, "m": 30, "e": true })
                )
                .await
        ),
        "FORBIDDEN",
        "a party cannot extend a timer"
    );
    let set = org
        .mediator
        .gql(
            TIMER,
            json!({ "p": mediator, "c": claimant_caucus, "m": 10, "e": false }),
        )
        .await;
    assert_ok(&set);
    let first_end: chrono::DateTime<chrono::Utc> = set["data"]["setCaucusTimer"]["endsAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let extended = org
        .mediator
        .gql(
            TIMER,
            json!({ "p": mediator, "c": claimant_caucus, "m": 5, "e": true }),
        )
        .await;
    let ends: chrono::DateTime<chrono::Utc> = extended["data"]["setCaucusTimer"]["endsAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((ends - first_end).num_minutes(), 5, "extended from its end");

    // Time passes (the stages' jobs are made due now): the first timer's jobs
    // find it extended and do nothing; the current one recalls the room.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let due = |stage: &str, ends: chrono::DateTime<chrono::Utc>| {
        format!(
            "UPDATE jobs SET run_at = now() WHERE kind = 'video.caucus_timer' AND payload->>'stage' = '{stage}'
               AND (payload->>'endsAt')::timestamptz = '{}'::timestamptz AND payload->>'sessionId' = '{session}'",
            ends.to_rfc3339()
        )
    };
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            due("recall", first_end),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_ne!(
        token_room(&mut org.claimant, &claimant).await.0,
        main_room,
        "an extended timer's old end does not recall"
    );
    let mut live = watch(&app, &claimant).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            due("warning", ends),
        ))
        .await
        .unwrap();
    let warned = crate::subscriptions::next_json(&mut live, Duration::from_secs(5))
        .await
        .expect("a warning");
    assert_eq!(
        warned["payload"]["data"]["videoEvents"]["kind"],
        "CAUCUS_ENDING"
    );
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            due("recall", ends),
        ))
        .await
        .unwrap();
    eventually("the recall", || async {
        // The pass works from any client: a fresh one for every check.
        token_room(&mut Client::new(&app), &claimant).await.0 == main_room
    })
    .await;
}

const LIVE: &str = "{ liveOperations { sessions { sessionId caseReference started late waiting { participantId minutes tooLong } rooms { caucusId name people { participantId name role connected quality { roundTripMs alerts } } } } mediatorLoad { name sessionsToday sessionsThisWeek } alerts { kind sessionId participantId } videoServer { reachable rooms } } }";
const QUALITY: &str =
    "mutation Q($p: String!, $s: QualitySampleInput!) { reportCallQuality(pass: $p, sample: $s) }";

fn kinds(live: &Value) -> Vec<String> {
    live["data"]["liveOperations"]["alerts"]
        .as_array()
        .unwrap_or_else(|| panic!("{live}"))
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_operations_view_shows_who_is_where_waits_quality_and_late_starts() {
    let Caucusing {
        app,
        mut org,
        session,
        mediator,
        claimant_id,
        respondent_client: mut respondent_browser,
        respondent,
        respondent_id,
        ..
    } = session_in_progress("operations").await;
    // The session is due now: it started fifteen minutes ago on paper.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "UPDATE sessions SET scheduled_for = now() - interval '15 minutes',
                        blocked = tstzrange(now() - interval '30 minutes', now() + interval '75 minutes')
                 WHERE id = '{session}'"
            ),
        ))
        .await
        .unwrap();

    // Only staff who run operations see it.
    for client in [&mut org.mediator, &mut org.claimant] {
        assert_eq!(error_code(&client.gql(LIVE, json!({})).await), "FORBIDDEN");
    }
    let mut elsewhere = case_org(&app, "operations-elsewhere").await;
    let theirs = elsewhere.manager.gql(LIVE, json!({})).await;
    assert_ok(&theirs);
    assert!(
        theirs["data"]["liveOperations"]["sessions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "another organization sees none of it"
    );

    // Nobody connected yet, fifteen minutes after its time: a late start.
    let live = org.manager.gql(LIVE, json!({})).await;
    assert_ok(&live);
    let sessions = live["data"]["liveOperations"]["sessions"]
        .as_array()
        .unwrap();
    assert_eq!(sessions.len(), 1, "{live}");
    assert_eq!(sessions[0]["late"], true);
    assert!(kinds(&live).contains(&"LATE_START".to_owned()));
    assert_eq!(
        live["data"]["liveOperations"]["videoServer"]["reachable"],
        true
    );
    let main = &sessions[0]["rooms"][0];
    assert_eq!(main["caucusId"], Value::Null);
    assert_eq!(main["people"].as_array().unwrap().len(), 3);

    // The mediator connects (LiveKit says so): no longer late.
    let (main_room, _) = token_room(&mut org.mediator, &mediator).await;
    let me_id = str_of(
        &org.mediator.gql(ROOM, json!({ "p": mediator })).await,
        &["data", "videoRoom", "me", "id"],
    );
    let secret = env("CAUCUS_TEST_LIVEKIT_API_SECRET");
    assert_eq!(
        webhook(&app, &joined_event(&main_room, &me_id), &secret).await,
        reqwest::StatusCode::OK
    );

    // Quality: out of range refused, a bad round trip raises its alert, a
    // second report within seconds is not stored twice.
    let bad = json!({ "bitrateKbps": 800, "roundTripMs": 650, "jitterMs": 4.0, "packetLossPercent": 0.5 });
    let reported = respondent_browser
        .gql(QUALITY, json!({ "p": respondent, "s": bad }))
        .await;
    assert_eq!(
        reported["data"]["reportCallQuality"],
        json!(["HIGH_ROUND_TRIP"])
    );
    assert_ok(
        &respondent_browser
            .gql(QUALITY, json!({ "p": respondent, "s": bad }))
            .await,
    );
    let wild = json!({ "bitrateKbps": 800, "roundTripMs": 40, "jitterMs": 4.0, "packetLossPercent": 140.0 });
    assert_eq!(
        error_code(
            &respondent_browser
                .gql(QUALITY, json!({ "p": respondent, "s": wild }))
                .await
        ),
        "VALIDATION_FAILED"
    );
    let stored = owner
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT 1 FROM call_quality_samples WHERE participant_id = '{respondent_id}'"),
        ))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);

    // The claimant goes back to the lobby and has waited there a while.
    assert_ok(
        &org.mediator
            .gql(
                MODERATE,
                json!({ "p": mediator, "t": claimant_id, "c": "SEND_TO_LOBBY" }),
            )
            .await,
    );
    owner
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "UPDATE room_participants SET lobby_entered_at = now() - interval '7 minutes' WHERE id = '{claimant_id}'"
            ),
        ))
        .await
        .unwrap();

    let live = org.manager.gql(LIVE, json!({})).await;
    let s = &live["data"]["liveOperations"]["sessions"][0];
    assert_eq!(s["started"], true);
    assert_eq!(s["late"], false);
    let alerts = kinds(&live);
    assert!(!alerts.contains(&"LATE_START".to_owned()), "{alerts:?}");
    assert!(alerts.contains(&"POOR_QUALITY".to_owned()), "{alerts:?}");
    assert!(alerts.contains(&"LONG_LOBBY_WAIT".to_owned()), "{alerts:?}");
    assert_eq!(s["waiting"][0]["participantId"], claimant_id.as_str());
    assert_eq!(s["waiting"][0]["tooLong"], true);
    let people = s["rooms"][0]["people"].as_array().unwrap();
    let resp = people
        .iter()
        .find(|p| p["participantId"] == respondent_id.as_str())
        .unwrap();
    assert_eq!(resp["quality"]["roundTripMs"], 650);
    let me = people
        .iter()
        .find(|p| p["participantId"] == me_id.as_str())
        .unwrap();
    assert_eq!(me["connected"], true);
    let load = live["data"]["liveOperations"]["mediatorLoad"]
        .as_array()
        .unwrap();
    assert_eq!(load.len(), 1);
    assert!(load[0]["sessionsThisWeek"].as_i64().unwrap() >= 1);
}

const TOKEN_AND_URL: &str = "mutation T($p: String!) { videoToken(pass: $p) { url token } }";

/// A LiveKit client that connects to the room its token names and never
/// follows a move: signalling only, as the real server sees a client.
async fn connect_without_following(
    client: &mut Client,
    pass: &str,
) -> (SignalClient, SignalEvents) {
    let token = client.gql(TOKEN_AND_URL, json!({ "p": pass })).await;
    assert_ok(&token);
    let mut options = SignalOptions::default();
    options.region_failover = false;
    let (signal, _join, events) = SignalClient::connect(
        &str_of(&token, &["data", "videoToken", "url"]),
        &str_of(&token, &["data", "videoToken", "token"]),
        options,
        None,
    )
    .await
    .expect("LiveKit takes the token");
    (signal, events)
}

/// Why the server ended the connection (None: not within `wait`).
async fn left(events: &mut SignalEvents, wait: Duration) -> Option<DisconnectReason> {
    tokio::time::timeout(wait, async {
        while let Some(event) = events.recv().await {
            if let SignalEvent::Message(message) = event
                && let signal_response::Message::Leave(leave) = *message
            {
                return Some(leave.reason());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

#[tokio::test]
async fn a_client_that_ignores_its_move_is_taken_out_of_the_old_room_and_no_one_else_is() {
    let Caucusing {
        app: _app,
        mut org,
        session: _,
        mediator,
        claimant,
        claimant_id,
        respondent_client: mut respondent_browser,
        respondent,
        respondent_id,
    } = session_in_progress("caucus-ignored").await;
    let (main_room, _) = token_room(&mut org.mediator, &mediator).await;
    let (_claimant_signal, mut claimant_events) =
        connect_without_following(&mut org.claimant, &claimant).await;
    let (_respondent_signal, mut respondent_events) =
        connect_without_following(&mut respondent_browser, &respondent).await;
    let in_main = || async {
        let mut ids: Vec<String> = crate::video::rooms()
            .list_participants(&main_room)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.identity)
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![claimant_id.clone(), respondent_id.clone()];
    both.sort();
    eventually("both parties in the main room", || async {
        in_main().await == both
    })
    .await;

    // The claimant is placed in their caucus; their client stays put, so
    // the room service takes them out of the main room. The respondent,
    // placed where they were, is left alone.
    let prepared = org.mediator.gql(PREPARE, json!({ "p": mediator })).await;
    assert_ok(&prepared);
    let claimant_caucus = prepared["data"]["prepareSideCaucuses"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ok(
        &org.mediator
            .gql(
                OPEN,
                json!({ "p": mediator, "c": claimant_caucus, "o": true }),
            )
            .await,
    );
    assert_ok(
        &org.mediator
            .gql(
                PLACE,
                json!({ "p": mediator, "t": claimant_id, "c": claimant_caucus, "l": false }),
            )
            .await,
    );
    assert_eq!(
        left(&mut claimant_events, Duration::from_secs(10)).await,
        Some(DisconnectReason::ParticipantRemoved),
        "the claimant's connection to the main room is ended by the server"
    );
    assert_eq!(in_main().await, vec![respondent_id.clone()]);
    // A move of someone to where they are already (the respondent, to the
    // main room) removes no one.
    assert_ok(
        &org.mediator
            .gql(
                PLACE,
                json!({ "p": mediator, "t": respondent_id, "c": null, "l": false }),
            )
            .await,
    );
    assert_eq!(
        left(&mut respondent_events, Duration::from_secs(2)).await,
        None
    );
    assert_eq!(in_main().await, vec![respondent_id]);
}
