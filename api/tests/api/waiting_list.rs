//! The waiting list for staff: org admins and case managers see every open
//! request for an earlier time with the offer held for it, a mediator only
//! their own sessions'; parties are refused and another organization sees
//! none of it. Staff may withdraw a request, and the held time goes on to
//! the next case.

use caucus_api::testkit;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::cases::{CASE, case_org};
use crate::scheduling::{BOOK, SCHEDULE, schedulable, set_chicago_week, starts};
use crate::support::{assert_ok, error_code};

const WAIT: &str = "mutation W($s: ID!) { waitForEarlierTime(sessionId: $s) { id status } }";
const LIST: &str = "query { waitingList { id caseId caseReference sessionId mediatorId mediatorName sessionStartsAt durationMinutes requestedAt status offeredStart offerExpiresAt } }";
const WITHDRAW: &str = "mutation X($w: ID!) { withdrawWaitingRequest(waitlistId: $w) }";

fn list(body: &Value) -> Vec<Value> {
    body["data"]["waitingList"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn staff_see_the_waiting_list_and_may_withdraw_parties_and_other_tenants_may_not() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "waitstaff").await;
    set_chicago_week(&mut org.mediator).await;
    let first = schedulable(&app, &mut org, "Sam Other").await;
    let second = schedulable(&app, &mut org, "Robin Other").await;
    let mut sessions = Vec::new();
    let mut booked_at = Vec::new();
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
        booked_at.push(when);
    }
    let a = org.manager.gql(WAIT, json!({ "s": sessions[0] })).await;
    assert_eq!(a["data"]["waitForEarlierTime"]["status"], "offered", "{a}");
    let b = org.manager.gql(WAIT, json!({ "s": sessions[1] })).await;
    assert_eq!(b["data"]["waitForEarlierTime"]["status"], "waiting", "{b}");
    let first_id = a["data"]["waitForEarlierTime"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = org.manager.gql(CASE, json!({ "id": first })).await;
    let reference = case["data"]["case"]["case"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let title = case["data"]["case"]["case"]["title"]
        .as_str()
        .unwrap()
        .to_owned();

    // The case manager and the org admin see both, oldest request first,
    // the offer with its time and when it lapses.
    for staff in [&mut org.manager, &mut org.admin] {
        let seen = staff.gql(LIST, json!({})).await;
        assert_ok(&seen);
        let entries = list(&seen);
        assert_eq!(entries.len(), 2, "{seen}");
        let (offered, waiting) = (&entries[0], &entries[1]);
        assert_eq!(offered["id"], first_id.as_str());
        assert_eq!(offered["caseId"], first.as_str());
        assert_eq!(offered["caseReference"], reference.as_str());
        assert_eq!(offered["sessionId"], sessions[0].as_str());
        assert_eq!(offered["status"], "offered");
        let offered_start: chrono::DateTime<chrono::Utc> =
            offered["offeredStart"].as_str().unwrap().parse().unwrap();
        let starts_at: chrono::DateTime<chrono::Utc> = offered["sessionStartsAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(starts_at, booked_at[0]);
        assert!(offered_start < starts_at, "an earlier time: {offered}");
        assert!(offered["offerExpiresAt"].is_string());
        assert!(!offered["mediatorName"].as_str().unwrap().is_empty());
        assert_eq!(waiting["status"], "waiting");
        assert_eq!(waiting["sessionId"], sessions[1].as_str());
        assert_eq!(waiting["offeredStart"], Value::Null);
        // Identifiers and the reference, never the case's title.
        assert!(!seen.to_string().contains(&title), "{seen}");
    }

    // The mediator sees the requests of their own sessions only.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let theirs = org.mediator.gql(LIST, json!({})).await;
    assert_ok(&theirs);
    assert_eq!(list(&theirs).len(), 2, "{theirs}");
    owner
        .execute_unprepared(&format!(
            "UPDATE session_waitlist SET mediator_id = (SELECT id FROM users WHERE email = '{}') WHERE session_id = '{}'",
            org.emails[0], sessions[1]
        ))
        .await
        .unwrap();
    let theirs = org.mediator.gql(LIST, json!({})).await;
    let entries = list(&theirs);
    assert_eq!(entries.len(), 1, "{theirs}");
    assert_eq!(entries[0]["sessionId"], sessions[0].as_str());
    let b_id = b["data"]["waitForEarlierTime"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let out_of_view = org.mediator.gql(WITHDRAW, json!({ "w": b_id })).await;
    assert_eq!(error_code(&out_of_view), "NOT_FOUND", "{out_of_view}");
    owner
        .execute_unprepared(&format!(
            "UPDATE session_waitlist SET mediator_id = (SELECT mediator_id FROM sessions WHERE id = '{0}') WHERE session_id = '{0}'",
            sessions[1]
        ))
        .await
        .unwrap();

    // Parties may not see it or withdraw from it.
    for party in [&mut org.claimant, &mut org.other_party] {
        let refused = party.gql(LIST, json!({})).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
        let refused = party.gql(WITHDRAW, json!({ "w": first_id })).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    }

    // Another organization's staff see none of it and cannot reach it.
    let mut other = case_org(&app, "waitother").await;
    let none = other.manager.gql(LIST, json!({})).await;
    assert_ok(&none);
    assert_eq!(list(&none).len(), 0, "{none}");
    let unreachable = other.admin.gql(WITHDRAW, json!({ "w": first_id })).await;
    assert_eq!(error_code(&unreachable), "NOT_FOUND", "{unreachable}");

    // The case manager withdraws the first request: the held time goes to
    // the next case at once; withdrawing again is a conflict.
    let done = org.manager.gql(WITHDRAW, json!({ "w": first_id })).await;
    assert_ok(&done);
    assert_eq!(done["data"]["withdrawWaitingRequest"], true);
    let audited = org
        .admin
        .gql(
            "{ auditLog(first: 10, action: WAITING_REQUEST_WITHDRAWN) { edges { node { actorId targetType targetId } } } }",
            json!({}),
        )
        .await;
    let edges = audited["data"]["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{audited}");
    assert_eq!(
        edges[0]["node"]["targetId"],
        sessions[0].as_str(),
        "{audited}"
    );
    let after = list(&org.manager.gql(LIST, json!({})).await);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["sessionId"], sessions[1].as_str());
    assert_eq!(after[0]["status"], "offered", "{after:?}");
    let again = org.manager.gql(WITHDRAW, json!({ "w": first_id })).await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
}
