//! Meeting rooms: org admins keep them, those who run cases put booked
//! sessions in them, and a room is never in two sessions at once, whoever
//! asks first, racing or not. A session that moves keeps its room when the
//! room is free then and leaves it otherwise; a room's calendar shows its
//! sessions by reference. Parties see where their session is held and may
//! change nothing; another organization reaches none of it.

use caucus_api::testkit;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::cases::{CASE, case_org, set_lead_mediator};
use crate::scheduling::{BOOK, SCHEDULE, schedulable, set_chicago_week, starts};
use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};
use caucus_api::authz::RoleKey;

const ADD: &str = "mutation A($i: MeetingRoomInput!) { addMeetingRoom(input: $i) { id name location capacity retiredAt } }";
const UPDATE: &str = "mutation U($r: ID!, $i: MeetingRoomInput!) { updateMeetingRoom(roomId: $r, input: $i) { id name location capacity } }";
const RETIRE: &str = "mutation R($r: ID!, $x: Boolean!) { setMeetingRoomRetired(roomId: $r, retired: $x) { id retiredAt } }";
const ROOMS: &str = "query L($all: Boolean) { meetingRooms(includeRetired: $all) { id name location capacity retiredAt } }";
const PUT: &str = "mutation P($s: ID!, $r: ID) { setSessionMeetingRoom(sessionId: $s, roomId: $r) { id scheduledFor meetingRoom { id name location } } }";
const ROOM_CALENDAR: &str = "query C($r: ID!, $from: DateTime!) { meetingRoomCalendar(roomId: $r, from: $from, days: 31) { room { id name } sessions { id caseId caseReference scheduledFor endsAt status mediatorId mediatorName meetingRoomName } } }";
const MEDIATOR_CALENDAR: &str = "query M($from: DateTime!) { mediatorCalendar(from: $from, days: 31) { sessions { id meetingRoomId meetingRoomName mediatorName } } }";
const ROOM_OF: &str = "query S($c: ID!) { caseSchedule(caseId: $c, limit: 1) { sessions { id status meetingRoom { id name location } } } }";
const MOVE: &str = "mutation M($s: ID!, $at: DateTime!, $why: String!) { rescheduleSession(sessionId: $s, startsAt: $at, reason: $why) { id scheduledFor meetingRoom { id } } }";
const CANCEL: &str = "mutation C($s: ID!, $why: String!) { cancelSession(sessionId: $s, reason: $why) { id status } }";
const AUDIT: &str = "query Log($action: AuditAction) { auditLog(first: 50, action: $action) { edges { node { action targetType targetId } } } }";

fn id_of(body: &Value, field: &str) -> String {
    body["data"][field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {body}"))
        .to_owned()
}

fn field_and_reason(body: &Value) -> (String, String) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["field"].as_str().unwrap_or_default().to_owned(),
        ext["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The room each session of the case is in, by session id.
async fn rooms_of(client: &mut Client, case: &str) -> Vec<(String, Value)> {
    let body = client.gql(ROOM_OF, json!({ "c": case })).await;
    assert_ok(&body);
    body["data"]["caseSchedule"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["meetingRoom"]["id"].clone(),
            )
        })
        .collect()
}

async fn book(client: &mut Client, case: &str, at: DateTime<Utc>) -> String {
    let booked = client.gql(BOOK, json!({ "c": case, "at": at })).await;
    assert_ok(&booked);
    id_of(&booked, "bookSession")
}

async fn timeline_kinds(client: &mut Client, case: &str) -> Vec<String> {
    let body = client.gql(CASE, json!({ "id": case })).await;
    assert_ok(&body);
    body["data"]["case"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn audited(client: &mut Client, action: &str) -> Vec<Value> {
    let body = client.gql(AUDIT, json!({ "action": action })).await;
    assert_ok(&body);
    body["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn org_admins_keep_meeting_rooms_with_typed_refusals() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "roomkeep").await;
    let added = org
        .admin
        .gql(
            ADD,
            json!({ "i": { "name": "  Room 3B ", "location": "Third floor", "capacity": 8 } }),
        )
        .await;
    assert_ok(&added);
    let room = &added["data"]["addMeetingRoom"];
    assert_eq!(room["name"], "Room 3B", "trimmed: {added}");
    assert_eq!(room["capacity"], 8);
    assert_eq!(room["retiredAt"], Value::Null);
    let room_id = id_of(&added, "addMeetingRoom");

    // Bad input: each a typed refusal on its field, and nothing written.
    for (input, field, reason) in [
        (json!({ "name": "room 3b" }), "name", "taken"),
        (json!({ "name": "   " }), "name", "required"),
        (json!({ "name": "x".repeat(81) }), "name", "too_long"),
        (
            json!({ "name": "Ok", "location": "y".repeat(201) }),
            "location",
            "too_long",
        ),
        (
            json!({ "name": "Ok", "capacity": 0 }),
            "capacity",
            "out_of_range",
        ),
        (
            json!({ "name": "Ok", "capacity": 100000 }),
            "capacity",
            "out_of_range",
        ),
    ] {
        let refused = org.admin.gql(ADD, json!({ "i": input })).await;
        assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{refused}");
        assert_eq!(
            field_and_reason(&refused),
            (field.to_owned(), reason.to_owned()),
            "{refused}"
        );
    }
    let listed = org.manager.gql(ROOMS, json!({})).await;
    assert_ok(&listed);
    assert_eq!(
        listed["data"]["meetingRooms"].as_array().unwrap().len(),
        1,
        "{listed}"
    );

    // Renamed; a malformed or unknown id is not found (as everywhere).
    let renamed = org
        .admin
        .gql(
            UPDATE,
            json!({ "r": room_id, "i": { "name": "Room 3C", "location": "Third floor, east" } }),
        )
        .await;
    assert_ok(&renamed);
    assert_eq!(renamed["data"]["updateMeetingRoom"]["name"], "Room 3C");
    assert_eq!(
        renamed["data"]["updateMeetingRoom"]["capacity"],
        Value::Null
    );
    let malformed = org
        .admin
        .gql(UPDATE, json!({ "r": "not-an-id", "i": { "name": "X" } }))
        .await;
    assert_eq!(error_code(&malformed), "NOT_FOUND", "{malformed}");
    let unknown = org
        .admin
        .gql(
            UPDATE,
            json!({ "r": uuid::Uuid::new_v4(), "i": { "name": "X" } }),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND", "{unknown}");

    // Only org admins keep rooms; case managers list them; mediators and
    // parties do neither.
    let refused = org
        .manager
        .gql(ADD, json!({ "i": { "name": "Mine" } }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    for client in [&mut org.mediator, &mut org.claimant] {
        let refused = client.gql(ROOMS, json!({})).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
        let refused = client.gql(RETIRE, json!({ "r": room_id, "x": true })).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    }

    // Retired rooms leave the list unless asked for, and come back.
    let retired = org
        .admin
        .gql(RETIRE, json!({ "r": room_id, "x": true }))
        .await;
    assert_ok(&retired);
    assert!(retired["data"]["setMeetingRoomRetired"]["retiredAt"].is_string());
    let active = org.manager.gql(ROOMS, json!({})).await;
    assert_eq!(
        active["data"]["meetingRooms"].as_array().unwrap().len(),
        0,
        "{active}"
    );
    let all = org.manager.gql(ROOMS, json!({ "all": true })).await;
    assert_eq!(
        all["data"]["meetingRooms"].as_array().unwrap().len(),
        1,
        "{all}"
    );
    let back = org
        .admin
        .gql(RETIRE, json!({ "r": room_id, "x": false }))
        .await;
    assert_eq!(
        back["data"]["setMeetingRoomRetired"]["retiredAt"],
        Value::Null,
        "{back}"
    );

    // Every change is audited; another organization sees no room of ours.
    assert_eq!(audited(&mut org.admin, "ROOM_CHANGED").await.len(), 4);
    let mut other = case_org(&app, "roomkeepother").await;
    let none = other.manager.gql(ROOMS, json!({ "all": true })).await;
    assert_eq!(
        none["data"]["meetingRooms"].as_array().unwrap().len(),
        0,
        "{none}"
    );
    let hidden = other
        .admin
        .gql(RETIRE, json!({ "r": room_id, "x": true }))
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
}

#[tokio::test]
async fn a_meeting_room_holds_one_session_at_a_time_and_follows_its_moves() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "roomuse").await;
    set_chicago_week(&mut org.mediator).await;
    // A second mediator of the same organization, with the same week, so
    // two sessions can be at the same time.
    let (_, second) = org_with(&app, "roomuse", &[RoleKey::Mediator]).await;
    let mut second_mediator = Client::new(&app);
    assert_ok(&second_mediator.sign_in(&second[0], PASSWORD).await);
    set_chicago_week(&mut second_mediator).await;
    let first_case = schedulable(&app, &mut org, "Sam Other").await;
    let second_case = schedulable(&app, &mut org, "Robin Other").await;
    set_lead_mediator(&app, &second_case, &second[0]).await;
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": first_case, "n": 60 }))
        .await;
    // Three times a day or more apart, so no session's buffer reaches another.
    let times = starts(&schedule["data"]["caseSchedule"]);
    let next_day = |after: DateTime<Utc>| {
        *times
            .iter()
            .find(|t| **t >= after + chrono::TimeDelta::days(1))
            .expect("slots on several days")
    };
    let t = times[0];
    let later = next_day(t);
    let latest = next_day(later);
    let a = book(&mut org.manager, &first_case, t).await;
    let b = book(&mut org.manager, &second_case, t).await;
    let added = org
        .admin
        .gql(
            ADD,
            json!({ "i": { "name": "Room 1", "location": "Annex, 2nd floor" } }),
        )
        .await;
    let room = id_of(&added, "addMeetingRoom");

    // Two allocations of the room for the same time, at once: exactly one
    // wins, the other is ROOM_TAKEN and leaves its session as it was.
    let (one, two) = tokio::join!(
        org.manager.gql(PUT, json!({ "s": a, "r": room })),
        org.admin.gql(PUT, json!({ "s": b, "r": room })),
    );
    let outcomes = [error_code(&one), error_code(&two)];
    assert_eq!(
        outcomes
            .iter()
            .filter(|c| c.as_str() == "ROOM_TAKEN")
            .count(),
        1,
        "{one} {two}"
    );
    assert_eq!(
        outcomes.iter().filter(|c| c.is_empty()).count(),
        1,
        "{one} {two}"
    );
    let mut holding = Vec::new();
    for (case, session) in [(&first_case, &a), (&second_case, &b)] {
        for (id, r) in rooms_of(&mut org.manager, case).await {
            if &id == session && r == json!(room) {
                holding.push(id);
            }
        }
    }
    assert_eq!(holding.len(), 1, "one session holds the room: {holding:?}");

    // From here on A holds it: B is taken out (if it won) and A put in.
    assert_ok(&org.manager.gql(PUT, json!({ "s": b, "r": null })).await);
    let put = org.manager.gql(PUT, json!({ "s": a, "r": room })).await;
    assert_ok(&put);
    assert_eq!(
        put["data"]["setSessionMeetingRoom"]["meetingRoom"]["name"],
        "Room 1"
    );
    let taken = org.admin.gql(PUT, json!({ "s": b, "r": room })).await;
    assert_eq!(error_code(&taken), "ROOM_TAKEN", "{taken}");
    assert_eq!(
        rooms_of(&mut org.manager, &second_case).await[0].1,
        Value::Null
    );
    assert!(
        timeline_kinds(&mut org.manager, &first_case)
            .await
            .contains(&"session.room_changed".to_owned())
    );
    let entries = audited(&mut org.admin, "SESSION_ROOM_CHANGED").await;
    assert!(
        entries.iter().any(|e| e["targetId"] == a.as_str()),
        "{entries:?}"
    );

    // The parties see where their session is held, and may not change it;
    // nor may the mediator.
    let theirs = org.claimant.gql(ROOM_OF, json!({ "c": first_case })).await;
    assert_eq!(
        theirs["data"]["caseSchedule"]["sessions"][0]["meetingRoom"]["location"],
        "Annex, 2nd floor",
        "{theirs}"
    );
    for client in [&mut org.claimant, &mut org.mediator] {
        let refused = client.gql(PUT, json!({ "s": a, "r": null })).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
        let refused = client
            .gql(ROOM_CALENDAR, json!({ "r": room, "from": Utc::now() }))
            .await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    }

    // The room's calendar: its session by reference and mediator, never the
    // case's title; the mediator's own calendar names the room.
    let calendar = org
        .manager
        .gql(ROOM_CALENDAR, json!({ "r": room, "from": Utc::now() }))
        .await;
    assert_ok(&calendar);
    let sessions = calendar["data"]["meetingRoomCalendar"]["sessions"]
        .as_array()
        .unwrap();
    assert_eq!(sessions.len(), 1, "{calendar}");
    assert_eq!(sessions[0]["id"], a.as_str());
    assert_eq!(sessions[0]["meetingRoomName"], "Room 1");
    assert!(!sessions[0]["mediatorName"].as_str().unwrap().is_empty());
    let case = org.manager.gql(CASE, json!({ "id": first_case })).await;
    let title = case["data"]["case"]["case"]["title"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!calendar.to_string().contains(&title), "{calendar}");
    let own = org
        .mediator
        .gql(MEDIATOR_CALENDAR, json!({ "from": Utc::now() }))
        .await;
    assert_ok(&own);
    assert_eq!(
        own["data"]["mediatorCalendar"]["sessions"][0]["meetingRoomName"], "Room 1",
        "{own}"
    );

    // B moves to a later time, where the room is free, and takes it there.
    let moved = org
        .manager
        .gql(MOVE, json!({ "s": b, "at": later, "why": "Room needed" }))
        .await;
    assert_ok(&moved);
    assert_ok(&org.manager.gql(PUT, json!({ "s": b, "r": room })).await);
    // A moves to the latest time: the room is free then, and stays with it.
    let kept = org
        .manager
        .gql(MOVE, json!({ "s": a, "at": latest, "why": "Later suits" }))
        .await;
    assert_ok(&kept);
    assert_eq!(
        kept["data"]["rescheduleSession"]["meetingRoom"]["id"],
        room.as_str(),
        "{kept}"
    );
    // B moves to A's latest time too (another mediator, so it fits): the
    // room is A's then, so B leaves it, and its timeline says so.
    let before = timeline_kinds(&mut org.manager, &second_case)
        .await
        .iter()
        .filter(|k| *k == "session.room_changed")
        .count();
    let released = org
        .manager
        .gql(MOVE, json!({ "s": b, "at": latest, "why": "Same day" }))
        .await;
    assert_ok(&released);
    assert_eq!(
        released["data"]["rescheduleSession"]["meetingRoom"],
        Value::Null,
        "{released}"
    );
    let after = timeline_kinds(&mut org.manager, &second_case)
        .await
        .iter()
        .filter(|k| *k == "session.room_changed")
        .count();
    assert_eq!(after, before + 1);

    // A room with a session to come is not retired; once it is cancelled,
    // it is, and a retired room takes no session.
    let refused = org.admin.gql(RETIRE, json!({ "r": room, "x": true })).await;
    assert_eq!(error_code(&refused), "CONFLICT", "{refused}");
    let cancelled = org
        .manager
        .gql(CANCEL, json!({ "s": a, "why": "Settled" }))
        .await;
    assert_ok(&cancelled);
    let refused = org.manager.gql(PUT, json!({ "s": a, "r": room })).await;
    assert_eq!(
        error_code(&refused),
        "CONFLICT",
        "a cancelled session: {refused}"
    );
    assert_ok(&org.admin.gql(RETIRE, json!({ "r": room, "x": true })).await);
    let refused = org.manager.gql(PUT, json!({ "s": b, "r": room })).await;
    assert_eq!(
        error_code(&refused),
        "CONFLICT",
        "a retired room: {refused}"
    );
    assert_eq!(
        rooms_of(&mut org.manager, &second_case).await[0].1,
        Value::Null
    );

    // Another organization reaches neither our sessions nor our rooms, even
    // with a session of its own.
    let mut other = case_org(&app, "roomuseother").await;
    set_chicago_week(&mut other.mediator).await;
    let theirs = schedulable(&app, &mut other, "Kim Other").await;
    let their_schedule = other
        .manager
        .gql(SCHEDULE, json!({ "c": theirs, "n": 2 }))
        .await;
    let their_session = book(
        &mut other.manager,
        &theirs,
        starts(&their_schedule["data"]["caseSchedule"])[1],
    )
    .await;
    let hidden = other
        .admin
        .gql(RETIRE, json!({ "r": room, "x": false }))
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
    let hidden = other.admin.gql(PUT, json!({ "s": b, "r": null })).await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
    let foreign = other
        .manager
        .gql(PUT, json!({ "s": their_session, "r": room }))
        .await;
    assert_eq!(error_code(&foreign), "NOT_FOUND", "{foreign}");
    let hidden = other
        .manager
        .gql(ROOM_CALENDAR, json!({ "r": room, "from": Utc::now() }))
        .await;
    assert_eq!(error_code(&hidden), "NOT_FOUND", "{hidden}");
}
