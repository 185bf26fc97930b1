//! Scheduling through GraphQL: a mediator's working week (refused when it
//! is malformed or stale), the organization's rules, slot search for a case
//! in the mediator's clock, parties' availability (their own case only,
//! nothing half-written when refused), booking when both sides agree, and
//! two bookings racing for one time: exactly one wins, by the database.

use caucus_api::testkit::{self, TestApp};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::cases::{ADVANCE, CaseOrg, case_org, family_answers, file_case, set_lead_mediator};
use crate::support::{Client, assert_ok, error_code};

const WEEK: &str = "mutation W($i: WorkingWeekInput!) { setWorkingWeek(input: $i) { timeZone version days { start end } } }";
pub const SCHEDULE: &str = "query S($c: ID!, $n: Int) { caseSchedule(caseId: $c, limit: $n) { durationMinutes timeZone canBook parties { side hasJoined answered } slots { startsAt endsAt localTimes { clockOf timeZone local offset } } sessions { id scheduledFor durationMinutes status } myWindows { startsAt endsAt } } }";
const AVAILABILITY: &str = "mutation A($c: ID!, $w: [WindowInput!]!) { setMyAvailability(caseId: $c, windows: $w) { myWindows { startsAt endsAt } sessions { scheduledFor status } } }";
pub const BOOK: &str = "mutation B($c: ID!, $at: DateTime!) { bookSession(caseId: $c, startsAt: $at) { id scheduledFor durationMinutes status } }";
const RULES: &str = "mutation R($i: SchedulingRulesInput!) { updateSchedulingRules(input: $i) { bufferMinutes noticeHours maxSessionsPerDay sessionLengths { disputeType minutes } } }";

fn weekdays(start: &str, end: &str) -> Value {
    let day = json!([{ "start": start, "end": end }]);
    json!([day, day, day, day, day, [], []])
}

/// A case in triage whose lead mediator works 09:00–17:00 on weekdays in
/// Chicago.
pub async fn schedulable(app: &TestApp, org: &mut CaseOrg, other: &str) -> String {
    let filed = file_case(&mut org.claimant, family_answers("Private.", other, "")).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    assert_ok(
        &org.manager
            .gql(
                ADVANCE,
                json!({ "input": { "caseId": id, "version": 1, "to": "TRIAGE" } }),
            )
            .await,
    );
    set_lead_mediator(app, &id, &org.emails[2]).await;
    id
}

pub async fn set_chicago_week(mediator: &mut Client) {
    let week = mediator
        .gql(
            WEEK,
            json!({ "i": { "timeZone": "America/Chicago", "days": weekdays("09:00", "17:00") } }),
        )
        .await;
    assert_ok(&week);
}

pub fn starts(schedule: &Value) -> Vec<DateTime<Utc>> {
    schedule["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_working_week_is_checked_and_slots_follow_the_mediators_clock() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "week").await;
    let case_id = schedulable(&app, &mut org, "Sam Other").await;

    // Before the mediator sets a week, the case cannot be scheduled.
    let early = org.manager.gql(SCHEDULE, json!({ "c": case_id })).await;
    assert_eq!(error_code(&early), "CONFLICT");

    // Malformed weeks are refused; a party keeps no working week.
    for (zone, days) in [
        ("Mars/Olympus", weekdays("09:00", "17:00")),
        ("America/Chicago", weekdays("17:00", "09:00")),
        (
            "America/Chicago",
            json!([[{ "start": "09:00", "end": "12:00" }, { "start": "11:00", "end": "13:00" }], [], [], [], [], [], []]),
        ),
        ("America/Chicago", weekdays("9 o'clock", "17:00")),
    ] {
        let refused = org
            .mediator
            .gql(WEEK, json!({ "i": { "timeZone": zone, "days": days } }))
            .await;
        assert_eq!(
            error_code(&refused),
            "VALIDATION_FAILED",
            "{zone} {refused}"
        );
    }
    let six_days = json!({ "i": { "timeZone": "UTC", "days": [[], [], [], [], [], []] } });
    assert!(
        org.mediator
            .gql(WEEK, six_days)
            .await
            .get("errors")
            .is_some()
    );
    let party = org
        .claimant
        .gql(
            WEEK,
            json!({ "i": { "timeZone": "UTC", "days": weekdays("09:00", "17:00") } }),
        )
        .await;
    assert_eq!(error_code(&party), "FORBIDDEN");
    set_chicago_week(&mut org.mediator).await;
    // A second editor still holding the first version is refused.
    let stale = org
        .mediator
        .gql(WEEK, json!({ "i": { "timeZone": "America/Chicago", "days": weekdays("10:00", "16:00"), "version": 7 } }))
        .await;
    assert_eq!(error_code(&stale), "STALE_VERSION");

    // Every proposed start is on the half hour of Chicago's clock, within
    // the working day, a whole session long, and a day away at least.
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 40 }))
        .await;
    assert_ok(&schedule);
    let s = &schedule["data"]["caseSchedule"];
    assert_eq!(s["durationMinutes"], 120);
    assert_eq!(s["canBook"], true);
    let slots = s["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 40);
    let now = Utc::now();
    for slot in slots {
        let start: DateTime<Utc> = slot["startsAt"].as_str().unwrap().parse().unwrap();
        let end: DateTime<Utc> = slot["endsAt"].as_str().unwrap().parse().unwrap();
        assert_eq!((end - start).num_minutes(), 120);
        assert!(start >= now + chrono::TimeDelta::hours(24), "{start}");
        let mediator = slot["localTimes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["clockOf"] == "MEDIATOR")
            .unwrap();
        assert_eq!(mediator["timeZone"], "America/Chicago");
        let local = mediator["local"].as_str().unwrap();
        let time = &local[11..];
        assert!(("09:00"..="15:00").contains(&time), "{local}");
        assert!(time.ends_with(":00") || time.ends_with(":30"), "{local}");
        assert!(["-06:00", "-05:00"].contains(&mediator["offset"].as_str().unwrap()));
    }

    // Rules: org admins only, in range, and the dispute type's length is used.
    let rules = |buffer: u32, minutes: u32| {
        json!({ "i": { "bufferMinutes": buffer, "noticeHours": 48, "maxSessionsPerDay": 3,
        "sessionLengths": [{ "disputeType": "family", "minutes": minutes }], "reminderMinutes": [1440, 60] } })
    };
    assert_eq!(
        error_code(&org.manager.gql(RULES, rules(15, 90)).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&org.admin.gql(RULES, rules(1000, 90)).await),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(&org.admin.gql(RULES, rules(15, 7)).await),
        "VALIDATION_FAILED"
    );
    assert_ok(&org.admin.gql(RULES, rules(15, 90)).await);
    let after = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 5 }))
        .await;
    assert_eq!(after["data"]["caseSchedule"]["durationMinutes"], 90);
    let first: DateTime<Utc> = starts(&after["data"]["caseSchedule"])[0];
    assert!(first >= now + chrono::TimeDelta::hours(48), "{first}");
}

#[tokio::test]
async fn parties_give_their_own_availability_and_a_common_time_is_booked() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "agree").await;
    set_chicago_week(&mut org.mediator).await;
    let case_id = schedulable(&app, &mut org, "Sam Other").await;
    // The other party of the org stands in as the respondent who joined.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE parties SET user_id = (SELECT id FROM users WHERE email = $2) WHERE case_id = $1::uuid AND party_type = 'respondent'",
            [case_id.clone().into(), org.emails[4].clone().into()],
        ))
        .await
        .unwrap();

    let open = org
        .claimant
        .gql(SCHEDULE, json!({ "c": case_id, "n": 10 }))
        .await;
    assert_ok(&open);
    let s = &open["data"]["caseSchedule"];
    assert_eq!(s["canBook"], false);
    // A party sees their own clock and the mediator's, not the other side's.
    let clocks: Vec<&str> = s["slots"][0]["localTimes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["clockOf"].as_str().unwrap())
        .collect();
    assert_eq!(clocks, ["YOU", "MEDIATOR"]);
    let offered = starts(s);
    // Windows that touch would merge: these leave an hour between them.
    let (a, b, c) = (offered[2], offered[4], offered[8]);
    let window = |from: DateTime<Utc>, minutes: i64| json!({ "startsAt": from, "endsAt": from + chrono::TimeDelta::minutes(minutes) });

    // Bad windows are refused and nothing already given is lost.
    let mine = json!([window(a, 120), window(c, 120)]);
    assert_ok(
        &org.claimant
            .gql(AVAILABILITY, json!({ "c": case_id, "w": mine }))
            .await,
    );
    for bad in [
        json!([
            window(a, 120),
            window(a + chrono::TimeDelta::minutes(30), 120)
        ]),
        json!([window(Utc::now() - chrono::TimeDelta::days(3), 60)]),
        json!([{ "startsAt": b, "endsAt": a }]),
    ] {
        let refused = org
            .claimant
            .gql(AVAILABILITY, json!({ "c": case_id, "w": bad }))
            .await;
        assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{refused}");
    }
    let kept = org.claimant.gql(SCHEDULE, json!({ "c": case_id })).await;
    assert_eq!(
        kept["data"]["caseSchedule"]["myWindows"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Only the claimant's windows are proposed now; nothing booked yet.
    let narrowed = starts(&kept["data"]["caseSchedule"]);
    assert_eq!(narrowed, vec![a, c]);
    assert_eq!(kept["data"]["caseSchedule"]["sessions"], json!([]));

    // A party of another case, or staff, cannot speak for this case.
    let stranger_case = schedulable(&app, &mut org, "Someone Else").await;
    let strange = org
        .claimant
        .gql(SCHEDULE, json!({ "c": stranger_case }))
        .await;
    assert_ok(&strange);
    let mut outsider = Client::new(&app);
    assert_ok(
        &outsider
            .sign_in(&org.emails[4], crate::support::PASSWORD)
            .await,
    );
    let refused = outsider
        .gql(
            AVAILABILITY,
            json!({ "c": stranger_case, "w": [window(a, 60)] }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");
    let staff = org
        .manager
        .gql(AVAILABILITY, json!({ "c": case_id, "w": [window(a, 60)] }))
        .await;
    assert_eq!(error_code(&staff), "FORBIDDEN");
    assert_eq!(
        error_code(
            &org.claimant
                .gql(BOOK, json!({ "c": case_id, "at": a }))
                .await
        ),
        "FORBIDDEN"
    );

    // The respondent can do b or c: c suits both, and is booked at once.
    let theirs = json!([
        window(b, 90),
        window(c - chrono::TimeDelta::minutes(30), 180)
    ]);
    let agreed = outsider
        .gql(AVAILABILITY, json!({ "c": case_id, "w": theirs }))
        .await;
    assert_ok(&agreed);
    let sessions = agreed["data"]["setMyAvailability"]["sessions"]
        .as_array()
        .unwrap();
    assert_eq!(sessions.len(), 1);
    let booked: DateTime<Utc> = sessions[0]["scheduledFor"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(booked, c);
    let view = org
        .manager
        .gql(crate::cases::CASE, json!({ "id": case_id }))
        .await;
    assert!(view.to_string().contains("session.booked"), "{view}");
}

#[tokio::test]
async fn two_bookings_racing_for_one_time_have_exactly_one_winner() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "race").await;
    set_chicago_week(&mut org.mediator).await;
    let first_case = schedulable(&app, &mut org, "Sam Other").await;
    let second_case = schedulable(&app, &mut org, "Robin Other").await;
    let open = org
        .manager
        .gql(SCHEDULE, json!({ "c": first_case, "n": 5 }))
        .await;
    let at = starts(&open["data"]["caseSchedule"])[1];

    // The case manager and the org admin book the mediator at once.
    let (one, two) = tokio::join!(
        org.manager.gql(BOOK, json!({ "c": first_case, "at": at })),
        org.admin.gql(BOOK, json!({ "c": second_case, "at": at })),
    );
    let outcomes = [&one, &two];
    let won: Vec<&&Value> = outcomes
        .iter()
        .filter(|b| b.get("errors").is_none())
        .collect();
    let lost: Vec<&&Value> = outcomes
        .iter()
        .filter(|b| b.get("errors").is_some())
        .collect();
    assert_eq!(won.len(), 1, "{one} {two}");
    assert_eq!(error_code(lost[0]), "SLOT_TAKEN");
    let fresh: Vec<DateTime<Utc>> = lost[0]["errors"][0]["extensions"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().parse().unwrap())
        .collect();
    assert!(!fresh.is_empty() && !fresh.contains(&at), "{fresh:?}");
    // A time next to it, within the buffer, is refused too; a fresh one is not.
    let close = at + chrono::TimeDelta::minutes(120);
    let refused = org
        .manager
        .gql(BOOK, json!({ "c": second_case, "at": close }))
        .await;
    assert_eq!(error_code(&refused), "SLOT_TAKEN");
    let booked = org
        .admin
        .gql(BOOK, json!({ "c": second_case, "at": fresh[0] }))
        .await;
    assert_ok(&booked);
    // Past times and forged case ids are refused.
    let past = org
        .manager
        .gql(
            BOOK,
            json!({ "c": first_case, "at": "2020-01-01T10:00:00Z" }),
        )
        .await;
    assert_eq!(error_code(&past), "VALIDATION_FAILED");
    let forged = org
        .manager
        .gql(
            BOOK,
            json!({ "c": "01900000-0000-7000-8000-000000000000", "at": fresh[1] }),
        )
        .await;
    assert_eq!(error_code(&forged), "NOT_FOUND");

    // The database itself refuses an overlapping session, whoever writes it.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let overlap = owner
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO sessions (id, org_id, case_id, mediator_id, scheduled_for, duration_minutes, blocked, video_room_id)
             SELECT gen_random_uuid(), org_id, case_id, mediator_id, scheduled_for + interval '30 minutes', 60,
                    tstzrange(scheduled_for + interval '30 minutes', scheduled_for + interval '90 minutes'), 'room_forged'
             FROM sessions WHERE scheduled_for = $1",
            [at.into()],
        ))
        .await;
    let message = format!("{overlap:?}");
    assert!(message.contains("sessions_no_double_booking"), "{message}");
}
