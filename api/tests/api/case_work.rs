//! The work on a case through GraphQL: the roster, suggestions, the conflict
//! check and assignment (with the parties' answers and the deadline job),
//! tasks and their reminder email, agreements, and outcome statistics.

use caucus_api::testkit::{self, TestApp};
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use std::time::{Duration, Instant};

use crate::cases::{ADVANCE, CASE, case_org, family_answers, file_case, set_lead_mediator};
use crate::support::{Client, assert_ok, error_code, mail_body, wait_for_mail};

const PROPOSE: &str = "mutation P($input: ProposeMediatorInput!) { proposeMediator(input: $input) { id status responseDeadline conflictsCleared } }";
const DECLARE: &str = "mutation D($m: ID!, $k: ConflictKind!, $n: String!, $e: String) { declareConflict(mediatorId: $m, kind: $k, name: $n, email: $e) }";
const VIEWER: &str = "{ me { user { id } } }";

async fn user_id(client: &mut Client) -> String {
    let body = client.gql(VIEWER, json!({})).await;
    body["data"]["me"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn owner_exec(app: &TestApp, sql: &str) {
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner.execute_unprepared(sql).await.unwrap();
}

async fn triaged(org: &mut crate::cases::CaseOrg, other: &str, email: &str) -> String {
    let filed = file_case(&mut org.claimant, family_answers("Private.", other, email)).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let body = org
        .manager
        .gql(
            ADVANCE,
            json!({ "input": { "caseId": id, "version": 1, "to": "TRIAGE" } }),
        )
        .await;
    assert_ok(&body);
    id
}

#[tokio::test]
async fn a_declared_conflict_blocks_assignment_until_cleared_with_a_note() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "conflicts").await;
    let mediator = user_id(&mut org.mediator).await;
    // The mediator declares a conflict with a person; the claimant names them.
    let declared = org
        .mediator
        .gql(
            DECLARE,
            json!({ "m": mediator, "k": "PERSON", "n": "Riley O'Neil", "e": null }),
        )
        .await;
    assert_ok(&declared);
    // A party cannot declare conflicts for the mediator.
    let refused = org
        .claimant
        .gql(
            DECLARE,
            json!({ "m": mediator, "k": "PERSON", "n": "X Y", "e": null }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let case_id = triaged(&mut org, "riley o'neil", "").await;

    let check = org
        .manager
        .gql(
            "query C($c: ID!, $m: ID!) { conflictCheck(caseId: $c, mediatorId: $m) { key reason partyId } }",
            json!({ "c": case_id, "m": mediator }),
        )
        .await;
    assert_ok(&check);
    let conflicts = check["data"]["conflictCheck"].as_array().unwrap().clone();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["reason"], "DECLARED");
    let key = conflicts[0]["key"].as_str().unwrap().to_owned();

    // Assigning without clearing is refused and lists the conflicts.
    let input = |clear: Vec<&str>, note: Option<&str>| {
        json!({ "input": { "caseId": case_id, "version": 2, "mediatorId": mediator,
                           "clearConflicts": clear, "clearanceNote": note } })
    };
    let blocked = org.manager.gql(PROPOSE, input(vec![], None)).await;
    assert_eq!(error_code(&blocked), "CONFLICT_OF_INTEREST");
    assert_eq!(
        blocked["errors"][0]["extensions"]["conflicts"][0]["key"],
        key.as_str()
    );
    let no_note = org
        .manager
        .gql(PROPOSE, input(vec![&key], Some("ok")))
        .await;
    assert_eq!(error_code(&no_note), "VALIDATION_FAILED");
    // Another tenant's case manager cannot even find the case.
    let mut other = case_org(&app, "conflicts-b").await;
    assert_eq!(
        error_code(
            &other
                .manager
                .gql(PROPOSE, input(vec![&key], Some("Checked with both.")))
                .await
        ),
        "NOT_FOUND"
    );
    // A party cannot assign.
    assert_eq!(
        error_code(
            &org.claimant
                .gql(PROPOSE, input(vec![&key], Some("Checked with both.")))
                .await
        ),
        "FORBIDDEN"
    );

    let assigned = org
        .manager
        .gql(
            PROPOSE,
            input(
                vec![&key],
                Some("Different person: confirmed by date of birth."),
            ),
        )
        .await;
    assert_ok(&assigned);
    assert_eq!(assigned["data"]["proposeMediator"]["status"], "CONFIRMED");
    assert_eq!(assigned["data"]["proposeMediator"]["conflictsCleared"], 1);

    // The mediator now sees the case; the claimant sees the assignment but
    // not the clearance.
    let seen = org.mediator.gql(CASE, json!({ "id": case_id })).await;
    assert_ok(&seen);
    let claimant = org.claimant.gql(CASE, json!({ "id": case_id })).await;
    let kinds: Vec<&str> = claimant["data"]["case"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"mediator.assigned"));
    assert!(!kinds.contains(&"mediator.conflicts_cleared"));
    assert!(!claimant.to_string().contains("date of birth"));
    let history = org
        .manager
        .gql(
            "query H($c: ID!) { caseAssignments(caseId: $c) { status clearanceNote } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_eq!(
        history["data"]["caseAssignments"][0]["clearanceNote"],
        "Different person: confirmed by date of birth."
    );
}

#[tokio::test]
async fn an_earlier_case_with_the_same_party_is_a_conflict_and_suggestions_rank_by_fit() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "prior").await;
    let mediator = user_id(&mut org.mediator).await;
    let shared = format!("jo-{}@example.org", uuid::Uuid::new_v4().simple());
    let first = triaged(&mut org, "Jo First", &shared).await;
    set_lead_mediator(&app, &first, &org.emails[2]).await;
    let second = triaged(&mut org, "Jo Again", &shared).await;

    // The roster: the mediator specialises in family cases.
    let saved = org
        .manager
        .gql(
            "mutation S($i: MediatorProfileInput!) { saveMediatorProfile(input: $i) }",
            json!({ "i": { "mediatorId": mediator, "specialties": ["family"], "languages": ["en", "es"],
                           "feeBand": "standard", "maxActiveCases": 10, "acceptingCases": true } }),
        )
        .await;
    assert_ok(&saved);
    let bad = org
        .manager
        .gql(
            "mutation S($i: MediatorProfileInput!) { saveMediatorProfile(input: $i) }",
            json!({ "i": { "mediatorId": mediator, "specialties": ["a b"], "languages": [],
                           "feeBand": "gold", "maxActiveCases": 10, "acceptingCases": true } }),
        )
        .await;
    assert_eq!(error_code(&bad), "VALIDATION_FAILED");
    let roster = org
        .manager
        .gql(
            "{ mediatorRoster { userId specialties activeCases } }",
            json!({}),
        )
        .await;
    assert_eq!(roster["data"]["mediatorRoster"][0]["activeCases"], 1);

    let suggestions = org
        .manager
        .gql(
            "query S($c: ID!) { mediatorSuggestions(caseId: $c) { mediator { userId } score specialtyMatch conflicts { reason otherCaseReference } } }",
            json!({ "c": second }),
        )
        .await;
    assert_ok(&suggestions);
    let s = &suggestions["data"]["mediatorSuggestions"][0];
    assert_eq!(s["mediator"]["userId"], mediator.as_str());
    assert_eq!(s["specialtyMatch"], true);
    assert_eq!(s["conflicts"][0]["reason"], "PRIOR_CASE");
    assert!(
        s["conflicts"][0]["otherCaseReference"]
            .as_str()
            .unwrap()
            .starts_with("PRIO-")
    );
    // Parties and mediators do not browse the roster.
    assert_eq!(
        error_code(
            &org.claimant
                .gql("{ mediatorRoster { userId } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &org.mediator
                .gql("{ mediatorRoster { userId } }", json!({}))
                .await
        ),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn parties_confirm_or_object_and_silence_past_the_deadline_confirms() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "answers").await;
    let mediator = user_id(&mut org.mediator).await;
    let case_id = triaged(&mut org, "Sam Other", "").await;
    let propose = |version: i64| json!({ "input": { "caseId": case_id, "version": version, "mediatorId": mediator, "responseDays": 3 } });
    let proposed = org.manager.gql(PROPOSE, propose(2)).await;
    assert_ok(&proposed);
    assert_eq!(proposed["data"]["proposeMediator"]["status"], "PROPOSED");
    const PROPOSAL: &str =
        "query P($c: ID!) { mediatorProposal(caseId: $c) { assignmentId mediatorName answered } }";
    let asked = org.claimant.gql(PROPOSAL, json!({ "c": case_id })).await;
    assert_ok(&asked);
    let assignment = asked["data"]["mediatorProposal"]["assignmentId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        asked["data"]["mediatorProposal"]["mediatorName"],
        "mediator of answers"
    );
    // The claimant's to-do list asks for an answer by the deadline; the
    // party of another case is asked nothing about it.
    let listed = org.claimant.gql(crate::cases::TODOS, json!({})).await;
    assert_ok(&listed);
    let todo = listed["data"]["myToDos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "ANSWER_MEDIATOR_PROPOSAL")
        .cloned()
        .unwrap();
    assert_eq!(todo["caseId"], case_id.as_str());
    assert!(todo["dueAt"].is_string());
    let stranger_list = crate::cases::to_dos(&mut org.other_party).await;
    assert!(
        stranger_list
            .iter()
            .all(|(_, case)| case.as_deref() != Some(case_id.as_str())),
        "{stranger_list:?}"
    );
    // The proposed mediator does not see the case before confirmation.
    assert_eq!(
        error_code(&org.mediator.gql(CASE, json!({ "id": case_id })).await),
        "NOT_FOUND"
    );

    const RESPOND: &str = "mutation R($a: ID!, $r: MediatorResponse!, $why: String) { respondToMediator(assignmentId: $a, response: $r, reason: $why) }";
    let no_reason = org
        .claimant
        .gql(RESPOND, json!({ "a": assignment, "r": "OBJECT" }))
        .await;
    assert_eq!(error_code(&no_reason), "VALIDATION_FAILED");
    // A party of another case cannot answer.
    let stranger = org
        .other_party
        .gql(RESPOND, json!({ "a": assignment, "r": "CONFIRM" }))
        .await;
    assert_eq!(error_code(&stranger), "NOT_FOUND");
    let objected = org
        .claimant
        .gql(
            RESPOND,
            json!({ "a": assignment, "r": "OBJECT", "why": "We have met before." }),
        )
        .await;
    assert_ok(&objected);
    let after = crate::cases::to_dos(&mut org.claimant).await;
    assert!(
        !after
            .iter()
            .any(|(kind, _)| kind == "ANSWER_MEDIATOR_PROPOSAL"),
        "{after:?}"
    );
    let twice = org
        .claimant
        .gql(RESPOND, json!({ "a": assignment, "r": "CONFIRM" }))
        .await;
    assert_eq!(error_code(&twice), "CONFLICT");
    let view = org.manager.gql(CASE, json!({ "id": case_id })).await;
    let version = view["data"]["case"]["case"]["version"].as_i64().unwrap();
    let objection = view["data"]["case"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "mediator.objected")
        .cloned()
        .unwrap();
    assert_eq!(objection["note"], "We have met before.");
    assert_eq!(objection["visibility"], "STAFF");

    // A second proposal; nobody answers, and the deadline passes.
    let again = org.manager.gql(PROPOSE, propose(version)).await;
    assert_ok(&again);
    let second = again["data"]["proposeMediator"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    owner_exec(
        &app,
        &format!(
            "UPDATE case_assignments SET response_deadline = now() - interval '1 minute' WHERE id = '{second}';
             UPDATE jobs SET run_at = now() WHERE kind = 'case.assignment_deadline' AND payload->>'assignmentId' = '{second}';"
        ),
    )
    .await;
    let started = Instant::now();
    loop {
        let seen = org.mediator.gql(CASE, json!({ "id": case_id })).await;
        if seen.get("errors").is_none() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the deadline job did not confirm"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let late = org
        .claimant
        .gql(
            RESPOND,
            json!({ "a": second, "r": "OBJECT", "why": "Too late" }),
        )
        .await;
    assert_eq!(error_code(&late), "CONFLICT");
}

#[tokio::test]
async fn tasks_remind_by_email_without_content_and_overdue_ones_show() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "tasks").await;
    let manager = user_id(&mut org.manager).await;
    let claimant = user_id(&mut org.claimant).await;
    let case_id = triaged(&mut org, "Sam Other", "").await;
    let due = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    const CREATE: &str =
        "mutation T($i: NewTaskInput!) { createTask(input: $i) { id version title overdue } }";
    let task = |assignee: &str, due: &str, title: &str| json!({ "i": { "caseId": case_id, "title": title, "assigneeId": assignee, "dueAt": due } });
    let created = org
        .manager
        .gql(
            CREATE,
            task(&manager, &due, "Call the respondent about dates"),
        )
        .await;
    assert_ok(&created);
    let task_id = created["data"]["createTask"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Due within a day: the reminder goes out at once, and says nothing of the task.
    // (The first email is the sign-in notice of the test's new browser.)
    let messages = wait_for_mail(&org.emails[1], 2).await;
    let reminder = messages
        .iter()
        .find(|m| m["Subject"].as_str().unwrap_or_default().contains("task"))
        .unwrap();
    let mail = mail_body(reminder).await;
    let text = mail["Text"].as_str().unwrap();
    assert!(
        text.contains("/cases/") && !text.contains("respondent about dates"),
        "{text}"
    );

    // Bad input and the wrong people are refused.
    let past = (chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339();
    assert_eq!(
        error_code(&org.manager.gql(CREATE, task(&manager, &past, "Late")).await),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(
            &org.manager
                .gql(CREATE, task(&claimant, &due, "To a party"))
                .await
        ),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(&org.manager.gql(CREATE, task(&manager, &due, "  ")).await),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(&org.claimant.gql(CREATE, task(&manager, &due, "Mine")).await),
        "FORBIDDEN"
    );

    // Overdue tasks are flagged on the dashboard list.
    owner_exec(
        &app,
        &format!("UPDATE case_tasks SET due_at = now() - interval '1 hour' WHERE id = '{task_id}'"),
    )
    .await;
    let mine = org
        .manager
        .gql("{ myTasks { id overdue caseReference title } }", json!({}))
        .await;
    assert_eq!(mine["data"]["myTasks"][0]["overdue"], true);
    assert_eq!(
        mine["data"]["myTasks"][0]["title"],
        "Call the respondent about dates"
    );
    const DONE: &str =
        "mutation D($id: ID!, $v: Int!) { completeTask(id: $id, version: $v) { doneAt version } }";
    assert_eq!(
        error_code(
            &org.manager
                .gql(DONE, json!({ "id": task_id, "v": 9 }))
                .await
        ),
        "STALE_VERSION"
    );
    assert_ok(
        &org.manager
            .gql(DONE, json!({ "id": task_id, "v": 1 }))
            .await,
    );
    let after = org.manager.gql("{ myTasks { id } }", json!({})).await;
    assert_eq!(after["data"]["myTasks"], json!([]));
}

#[tokio::test]
async fn agreements_are_drafted_from_templates_versioned_and_shared() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "agree").await;
    let case_id = triaged(&mut org, "Sam Other", "").await;
    const DRAFT: &str = "mutation D($c: ID!) { draftAgreement(caseId: $c, kind: AGREEMENT_TO_MEDIATE) { id version body } }";
    assert_eq!(
        error_code(&org.claimant.gql(DRAFT, json!({ "c": case_id })).await),
        "FORBIDDEN"
    );
    let drafted = org.manager.gql(DRAFT, json!({ "c": case_id })).await;
    assert_ok(&drafted);
    let a = &drafted["data"]["draftAgreement"];
    let id = a["id"].as_str().unwrap().to_owned();
    let body = a["body"].as_str().unwrap();
    assert!(
        body.contains("AGRE-2") && body.contains("Sam Other") && body.contains("party of agree"),
        "{body}"
    );
    assert!(!body.contains("{{"));

    const EDIT: &str = "mutation E($id: ID!, $v: Int!, $b: String!) { editAgreement(id: $id, version: $v, body: $b) { version body } }";
    let edited = org
        .manager
        .gql(EDIT, json!({ "id": id, "v": 1, "b": "Revised text." }))
        .await;
    assert_ok(&edited);
    assert_eq!(edited["data"]["editAgreement"]["version"], 2);
    let stale = org
        .manager
        .gql(EDIT, json!({ "id": id, "v": 1, "b": "Overwrite?" }))
        .await;
    assert_eq!(error_code(&stale), "STALE_VERSION");

    const LIST: &str = "query L($c: ID!) { caseAgreements(caseId: $c) { id version body } }";
    let before = org.claimant.gql(LIST, json!({ "c": case_id })).await;
    assert_eq!(before["data"]["caseAgreements"], json!([]));
    let view = org.manager.gql(CASE, json!({ "id": case_id })).await;
    let claimant_party = view["data"]["case"]["parties"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const SHARE: &str = "mutation S($id: ID!, $p: [ID!]!) { shareAgreement(id: $id, partyIds: $p) { sharedWithPartyIds } }";
    let bogus = org
        .manager
        .gql(
            SHARE,
            json!({ "id": id, "p": [uuid::Uuid::new_v4().to_string()] }),
        )
        .await;
    assert_eq!(error_code(&bogus), "VALIDATION_FAILED");
    assert_ok(
        &org.manager
            .gql(SHARE, json!({ "id": id, "p": [claimant_party] }))
            .await,
    );
    let after = org.claimant.gql(LIST, json!({ "c": case_id })).await;
    assert_eq!(after["data"]["caseAgreements"][0]["body"], "Revised text.");
    // Another party of the organization sees nothing.
    assert_eq!(
        error_code(&org.other_party.gql(LIST, json!({ "c": case_id })).await),
        "NOT_FOUND"
    );

    // Templates: unknown merge fields are refused; only org admins publish.
    const PUBLISH: &str = "mutation P($b: String!) { publishAgreementTemplate(kind: SETTLEMENT_AGREEMENT, name: \"Ours\", body: $b) { version } }";
    assert_eq!(
        error_code(
            &org.admin
                .gql(PUBLISH, json!({ "b": "Dear {{social_security}}" }))
                .await
        ),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(
            &org.manager
                .gql(PUBLISH, json!({ "b": "Case {{case_reference}}" }))
                .await
        ),
        "FORBIDDEN"
    );
    let published = org
        .admin
        .gql(PUBLISH, json!({ "b": "Case {{case_reference}}" }))
        .await;
    assert_eq!(published["data"]["publishAgreementTemplate"]["version"], 2);
}

#[tokio::test]
async fn outcome_statistics_count_by_period_type_and_mediator_for_admins_only() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "stats").await;
    let case_id = triaged(&mut org, "Sam Other", "").await;
    set_lead_mediator(&app, &case_id, &org.emails[2]).await;
    let mut version = 2;
    for to in ["ASSIGNED", "SCHEDULING", "IN_MEDIATION", "IMPASSE"] {
        let body = org
            .manager
            .gql(
                ADVANCE,
                json!({ "input": { "caseId": case_id, "version": version, "to": to } }),
            )
            .await;
        assert_ok(&body);
        version = body["data"]["advanceCase"]["version"].as_i64().unwrap();
    }
    const STATS: &str = "query S($f: DateTime!, $t: DateTime!) { outcomeStatistics(period: MONTH, from: $f, to: $t) { disputeType outcome count mediatorId } }";
    let range = json!({ "f": (chrono::Utc::now() - chrono::Duration::days(40)).to_rfc3339(),
                        "t": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() });
    let stats = org.admin.gql(STATS, range.clone()).await;
    assert_ok(&stats);
    let rows = stats["data"]["outcomeStatistics"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0],
        json!({ "disputeType": "family", "outcome": "IMPASSE", "count": 1,
                                "mediatorId": rows[0]["mediatorId"].clone() })
    );
    assert!(!stats.to_string().contains("Sam Other"));
    assert_eq!(
        error_code(&org.manager.gql(STATS, range.clone()).await),
        "FORBIDDEN"
    );
    let backwards = json!({ "f": range["t"], "t": range["f"] });
    assert_eq!(
        error_code(&org.admin.gql(STATS, backwards).await),
        "VALIDATION_FAILED"
    );
}

/// Conflict names, clearance notes, task titles and agreement texts are
/// sealed and never reach logs or spans (the canary check, over the work on
/// a case from the conflict check to an edited agreement).
#[tokio::test]
async fn the_work_on_a_case_leaks_no_names_notes_titles_or_agreement_text() {
    crate::support::captured();
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "canary-work").await;
    let mut canary = crate::support::Canary::new();
    let conflict_name = canary.marker("conflictname");
    let note = canary.marker("clearancenote");
    let title = canary.marker("tasktitle");
    let text = canary.marker("agreementtext");
    let mediator = user_id(&mut org.mediator).await;
    let declared = org
        .mediator
        .gql(
            DECLARE,
            json!({ "m": mediator, "k": "ORGANIZATION", "n": conflict_name, "e": null }),
        )
        .await;
    assert_ok(&declared);
    let case_id = triaged(&mut org, &conflict_name, "").await;
    let check = org
        .manager
        .gql(
            "query C($c: ID!, $m: ID!) { conflictCheck(caseId: $c, mediatorId: $m) { key } }",
            json!({ "c": case_id, "m": mediator }),
        )
        .await;
    let key = check["data"]["conflictCheck"][0]["key"]
        .as_str()
        .expect("the declared conflict is found")
        .to_owned();
    let proposed = org
        .manager
        .gql(
            PROPOSE,
            json!({ "input": { "caseId": case_id, "version": 2, "mediatorId": mediator,
                               "clearConflicts": [key], "clearanceNote": note } }),
        )
        .await;
    assert_ok(&proposed);
    let manager = user_id(&mut org.manager).await;
    let due = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let task = org
        .manager
        .gql(
            "mutation T($i: NewTaskInput!) { createTask(input: $i) { title } }",
            json!({ "i": { "caseId": case_id, "title": title, "assigneeId": manager, "dueAt": due } }),
        )
        .await;
    assert_ok(&task);
    assert_eq!(task["data"]["createTask"]["title"], title.as_str());
    let drafted = org
        .manager
        .gql(
            "mutation D($c: ID!) { draftAgreement(caseId: $c, kind: SETTLEMENT_AGREEMENT) { id version } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_ok(&drafted);
    let edited = org
        .manager
        .gql(
            "mutation E($id: ID!, $v: Int!, $b: String!) { editAgreement(id: $id, version: $v, body: $b) { body } }",
            json!({ "id": drafted["data"]["draftAgreement"]["id"], "v": drafted["data"]["draftAgreement"]["version"], "b": text }),
        )
        .await;
    assert_ok(&edited);
    // The staff running the case read them back; the logs never saw them.
    let history = org
        .manager
        .gql(
            "query H($c: ID!) { caseAssignments(caseId: $c) { clearanceNote } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_eq!(
        history["data"]["caseAssignments"][0]["clearanceNote"],
        note.as_str()
    );
    canary.assert_absent(&[]);
}
