//! Moving and cancelling sessions within the organization's policy (a
//! reason always; parties only until the cut-off, and only if allowed), and
//! the waiting list: a case asking for an earlier time is offered one and
//! can take it.

use caucus_api::testkit;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::cases::{CASE, case_org, to_dos};
use crate::scheduling::{BOOK, SCHEDULE, schedulable, set_chicago_week, starts};
use crate::support::{assert_ok, error_code};

const MOVE: &str = "mutation M($s: ID!, $at: DateTime!, $why: String!) { rescheduleSession(sessionId: $s, startsAt: $at, reason: $why) { id scheduledFor status sequence } }";
const CANCEL: &str = "mutation C($s: ID!, $why: String!) { cancelSession(sessionId: $s, reason: $why) { id status sequence } }";
const WAIT: &str = "mutation W($s: ID!) { waitForEarlierTime(sessionId: $s) { id status offeredStart offerExpiresAt } }";
const TAKE: &str =
    "mutation T($w: ID!) { acceptEarlierTime(waitlistId: $w) { id scheduledFor sequence } }";
const RULES: &str = "mutation R($i: SchedulingRulesInput!) { updateSchedulingRules(input: $i) { partiesMayReschedule partyChangeCutoffHours } }";

fn rules(may: bool, cutoff: u32) -> Value {
    json!({ "i": { "bufferMinutes": 15, "noticeHours": 24, "maxSessionsPerDay": 4, "sessionLengths": [],
        "reminderMinutes": [1440], "partiesMayReschedule": may, "partyChangeCutoffHours": cutoff } })
}

fn at(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn sessions_move_and_cancel_within_policy_and_an_earlier_time_can_be_taken() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "moves").await;
    set_chicago_week(&mut org.mediator).await;
    let case_id = schedulable(&app, &mut org, "Sam Other").await;
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 20 }))
        .await;
    let offered = starts(&schedule["data"]["caseSchedule"]);
    let booked = org
        .manager
        .gql(BOOK, json!({ "c": case_id, "at": offered[12] }))
        .await;
    assert_ok(&booked);
    let session = booked["data"]["bookSession"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A reason is required; a party of another case is told it does not exist.
    let no_reason = org
        .claimant
        .gql(MOVE, json!({ "s": session, "at": offered[0], "why": "  " }))
        .await;
    assert_eq!(error_code(&no_reason), "VALIDATION_FAILED");
    let stranger = org
        .other_party
        .gql(
            MOVE,
            json!({ "s": session, "at": offered[0], "why": "Mine now" }),
        )
        .await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");

    // Within the policy the claimant moves it; the calendar sequence rises.
    let moved = org
        .claimant
        .gql(
            MOVE,
            json!({ "s": session, "at": offered[4], "why": "A hospital appointment." }),
        )
        .await;
    assert_ok(&moved);
    assert_eq!(
        at(&moved["data"]["rescheduleSession"]["scheduledFor"]),
        offered[4]
    );
    assert_eq!(moved["data"]["rescheduleSession"]["sequence"], 1);

    // A cut-off of thirty days makes it too late for parties, not for staff.
    assert_ok(&org.admin.gql(RULES, rules(true, 720)).await);
    let late = org
        .claimant
        .gql(
            MOVE,
            json!({ "s": session, "at": offered[6], "why": "Again" }),
        )
        .await;
    assert_eq!(error_code(&late), "CONFLICT");
    assert_ok(&org.admin.gql(RULES, rules(false, 24)).await);
    let barred = org
        .claimant
        .gql(CANCEL, json!({ "s": session, "why": "Cannot come" }))
        .await;
    assert_eq!(error_code(&barred), "FORBIDDEN");
    let by_staff = org
        .manager
        .gql(
            MOVE,
            json!({ "s": session, "at": offered[8], "why": "The mediator asked." }),
        )
        .await;
    assert_ok(&by_staff);
    assert_eq!(by_staff["data"]["rescheduleSession"]["sequence"], 2);
    assert_ok(&org.admin.gql(RULES, rules(true, 24)).await);

    // Waiting for an earlier time: one is free already, so it is held for
    // the case at once, and shows on the claimant's to-do list.
    let waiting = org.claimant.gql(WAIT, json!({ "s": session })).await;
    assert_ok(&waiting);
    let entry = &waiting["data"]["waitForEarlierTime"];
    assert_eq!(entry["status"], "offered");
    let earlier = at(&entry["offeredStart"]);
    assert!(earlier < offered[8], "{earlier} is not earlier");
    assert!(at(&entry["offerExpiresAt"]) <= Utc::now() + TimeDelta::hours(4));
    let twice = org.claimant.gql(WAIT, json!({ "s": session })).await;
    assert_eq!(error_code(&twice), "CONFLICT");
    let todo = to_dos(&mut org.claimant).await;
    assert!(
        todo.contains(&("TAKE_EARLIER_TIME".to_owned(), Some(case_id.clone()))),
        "{todo:?}"
    );
    let stranger_take = org.other_party.gql(TAKE, json!({ "w": entry["id"] })).await;
    assert_eq!(error_code(&stranger_take), "NOT_FOUND");
    let taken = org.claimant.gql(TAKE, json!({ "w": entry["id"] })).await;
    assert_ok(&taken);
    assert_eq!(
        at(&taken["data"]["acceptEarlierTime"]["scheduledFor"]),
        earlier
    );
    assert_eq!(taken["data"]["acceptEarlierTime"]["sequence"], 3);
    let again = org.claimant.gql(TAKE, json!({ "w": entry["id"] })).await;
    assert_eq!(error_code(&again), "CONFLICT");

    // Cancelled by the case manager; the reason is for the staff only.
    let cancelled = org
        .manager
        .gql(
            CANCEL,
            json!({ "s": session, "why": "The parties settled privately." }),
        )
        .await;
    assert_ok(&cancelled);
    assert_eq!(cancelled["data"]["cancelSession"]["status"], "cancelled");
    let twice = org
        .manager
        .gql(CANCEL, json!({ "s": session, "why": "Again" }))
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");
    let staff_view = org.manager.gql(CASE, json!({ "id": case_id })).await;
    assert!(staff_view.to_string().contains("settled privately"));
    let party_view = org.claimant.gql(CASE, json!({ "id": case_id })).await;
    let text = party_view.to_string();
    assert!(text.contains("session.cancelled"), "{text}");
    assert!(
        !text.contains("settled privately") && !text.contains("hospital"),
        "{text}"
    );
}

#[tokio::test]
async fn a_lapsed_offer_goes_to_the_next_waiting_case() {
    use sea_orm::{ConnectionTrait, Database};
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "queue").await;
    set_chicago_week(&mut org.mediator).await;
    let first = schedulable(&app, &mut org, "Sam Other").await;
    let second = schedulable(&app, &mut org, "Robin Other").await;
    let mut sessions = Vec::new();
    for (case, n) in [(&first, 15), (&second, 19)] {
        let schedule = org
            .manager
            .gql(SCHEDULE, json!({ "c": case, "n": 20 }))
            .await;
        let when = starts(&schedule["data"]["caseSchedule"])[n];
        let booked = org
            .manager
            .gql(BOOK, json!({ "c": case, "at": when }))
            .await;
        assert_ok(&booked);
        sessions.push(
            booked["data"]["bookSession"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Both wait; the first to ask is offered the free time, the other waits.
    let a = org.manager.gql(WAIT, json!({ "s": sessions[0] })).await;
    assert_eq!(a["data"]["waitForEarlierTime"]["status"], "offered");
    let b = org.manager.gql(WAIT, json!({ "s": sessions[1] })).await;
    assert_eq!(b["data"]["waitForEarlierTime"]["status"], "waiting");

    // The first offer's hold runs out: the job offers the time to the next.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute_unprepared(&format!(
            "UPDATE session_waitlist SET offer_expires_at = now() - interval '1 minute' WHERE session_id = '{}';
             UPDATE jobs SET run_at = now() WHERE kind = 'session.waitlist_offer_lapsed';",
            sessions[0]
        ))
        .await
        .unwrap();
    const WAITLIST: &str =
        "query S($c: ID!) { caseSchedule(caseId: $c) { sessions { waitlist { status } } } }";
    let started = std::time::Instant::now();
    loop {
        let seen = org.manager.gql(WAITLIST, json!({ "c": second })).await;
        if seen["data"]["caseSchedule"]["sessions"][0]["waitlist"]["status"] == "offered" {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the next case was not offered: {seen}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let lapsed = org.manager.gql(WAITLIST, json!({ "c": first })).await;
    assert_eq!(
        lapsed["data"]["caseSchedule"]["sessions"][0]["waitlist"],
        Value::Null
    );
}

#[tokio::test]
async fn a_mediators_calendar_lists_their_sessions_for_them_and_the_staff_only() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "calendar").await;
    set_chicago_week(&mut org.mediator).await;
    let case_id = schedulable(&app, &mut org, "Sam Other").await;
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 5 }))
        .await;
    let when = starts(&schedule["data"]["caseSchedule"])[2];
    assert_ok(
        &org.manager
            .gql(BOOK, json!({ "c": case_id, "at": when }))
            .await,
    );
    const CALENDAR: &str = "query C($m: ID, $from: DateTime!) { mediatorCalendar(mediatorId: $m, from: $from, days: 14) { timeZone sessions { caseReference scheduledFor status } away { startsAt } } }";
    let from = Utc::now();
    let own = org.mediator.gql(CALENDAR, json!({ "from": from })).await;
    assert_ok(&own);
    let c = &own["data"]["mediatorCalendar"];
    assert_eq!(c["timeZone"], "America/Chicago");
    assert_eq!(c["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(at(&c["sessions"][0]["scheduledFor"]), when);
    let mediator_id = own["data"]["mediatorCalendar"]["sessions"][0].clone();
    assert!(mediator_id.to_string().contains("caseReference"));
    // The case manager sees anyone's; a party sees no one's.
    let me = org.mediator.gql("{ me { user { id } } }", json!({})).await;
    let id = me["data"]["me"]["user"]["id"].clone();
    let by_manager = org
        .manager
        .gql(CALENDAR, json!({ "m": id, "from": from }))
        .await;
    assert_ok(&by_manager);
    assert_eq!(
        by_manager["data"]["mediatorCalendar"]["sessions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        error_code(
            &org.claimant
                .gql(CALENDAR, json!({ "m": id, "from": from }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&org.claimant.gql(CALENDAR, json!({ "from": from })).await),
        "FORBIDDEN"
    );
    // A week already past shows nothing.
    let past = org
        .mediator
        .gql(CALENDAR, json!({ "from": from - TimeDelta::days(30) }))
        .await;
    assert_eq!(past["data"]["mediatorCalendar"]["sessions"], json!([]));
}
