//! Cases end to end through GraphQL: guided intake with drafts, filing,
//! triage, inviting the other side, the respondent's intake, the lifecycle,
//! mediator notes, and every way of reaching what one may not.

use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::support::{
    Canary, Client, PASSWORD, assert_ok, error_code, mail_body, org_with, wait_for_mail,
};

pub const START: &str = "mutation S($t: String!) { startIntake(disputeType: $t) { id version currentStep templateIsCurrent template { id version definition } } }";
pub const SAVE: &str = "mutation V($input: SaveIntakeDraftInput!) { saveIntakeDraft(input: $input) { id version currentStep answers } }";
pub const SUBMIT: &str = "mutation U($id: ID!, $v: Int!) { submitIntake(id: $id, version: $v) { id reference title status version } }";
/// The reader's to-do list as `(kind, case id)` pairs.
pub const TODOS: &str = "{ myToDos { kind caseId caseReference draftId disputeType dueAt } }";

pub async fn to_dos(client: &mut Client) -> Vec<(String, Option<String>)> {
    let body = client.gql(TODOS, json!({})).await;
    assert_ok(&body);
    body["data"]["myToDos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["caseId"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

pub const CASE: &str = "query C($id: ID!) { case(id: $id) { case { id reference title status version sla { state } possibleDuplicates { reference } } parties { id partyType side name email hasAccount verified } intakes { side complete answers } timeline { kind visibility note } mySide can { manage advance recordOutcome mediatorNotes submitRespondentIntake nextStatuses } } }";
pub const ADVANCE: &str = "mutation A($input: AdvanceCaseInput!) { advanceCase(input: $input) { id status version outcome } }";
const TRIAGE: &str = "query T { triageQueue { nodes { id reference status sla { state dueAt } possibleDuplicates { reference } } pageInfo { hasNextPage } } }";
const CASES: &str = "query L($first: Int, $after: String, $filter: CaseFilterInput) { cases(first: $first, after: $after, filter: $filter) { nodes { id reference title status } pageInfo { hasNextPage endCursor } } }";

/// A complete claimant intake of the default family template.
pub fn family_answers(narrative: &str, other_name: &str, other_email: &str) -> Value {
    json!({
        "summary": "We disagree about the children's holidays.",
        "topics": ["parenting"],
        "started_on": "2026-03-01",
        "other_party": { "name": other_name, "email": other_email },
        "narrative": narrative,
        "desired_outcome": "A shared plan.",
        "safety_concern": "no",
        "interpreter": "none",
    })
}

/// Starts a family intake, fills every step (checking each) and files it.
/// Returns the filed case.
pub async fn file_case(client: &mut Client, answers: Value) -> Value {
    let started = client.gql(START, json!({ "t": "family" })).await;
    assert_ok(&started);
    let draft = &started["data"]["startIntake"];
    let id = draft["id"].as_str().unwrap().to_owned();
    let mut version = draft["version"].as_i64().unwrap();
    let sections: Vec<String> = draft["template"]["definition"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["audience"] != "respondent")
        .map(|s| s["key"].as_str().unwrap().to_owned())
        .collect();
    for (step, section) in sections.iter().enumerate() {
        let saved = client
            .gql(
                SAVE,
                json!({ "input": { "id": id, "version": version, "currentStep": step,
                                   "answers": answers, "completeSection": section } }),
            )
            .await;
        assert_ok(&saved);
        version = saved["data"]["saveIntakeDraft"]["version"]
            .as_i64()
            .unwrap();
    }
    let submitted = client.gql(SUBMIT, json!({ "id": id, "v": version })).await;
    assert_ok(&submitted);
    submitted["data"]["submitIntake"].clone()
}

pub struct CaseOrg {
    pub org_id: String,
    pub admin: Client,
    pub manager: Client,
    pub mediator: Client,
    pub claimant: Client,
    pub other_party: Client,
    pub emails: Vec<String>,
}

pub async fn case_org(app: &TestApp, slug: &str) -> CaseOrg {
    let (org_id, emails) = org_with(
        app,
        slug,
        &[
            RoleKey::OrgAdmin,
            RoleKey::CaseManager,
            RoleKey::Mediator,
            RoleKey::Party,
            RoleKey::Party,
        ],
    )
    .await;
    let mut clients = Vec::new();
    for email in &emails {
        let mut c = Client::new(app);
        assert_ok(&c.sign_in(email, PASSWORD).await);
        clients.push(c);
    }
    let mut it = clients.into_iter();
    CaseOrg {
        org_id,
        admin: it.next().unwrap(),
        manager: it.next().unwrap(),
        mediator: it.next().unwrap(),
        claimant: it.next().unwrap(),
        other_party: it.next().unwrap(),
        emails,
    }
}

/// Sets the case's lead mediator directly (the assignment flow has its own tests).
pub async fn set_lead_mediator(app: &TestApp, case_id: &str, email: &str) {
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET lead_mediator_id = (SELECT id FROM users WHERE email = $2) WHERE id = $1::uuid",
            [case_id.into(), email.into()],
        ))
        .await
        .unwrap();
}

fn case_of(body: &Value) -> &Value {
    &body["data"]["case"]
}

#[tokio::test]
async fn a_claimant_files_and_the_case_reaches_triage_with_the_other_side_unseen() {
    // Capture logs and spans before the app starts.
    crate::support::captured();
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "filing").await;
    let mut canary = Canary::new();
    let narrative = canary.marker("narrative");
    let other = canary.marker("othername");
    let other_email = format!("{}@example.org", canary.marker("otheremail"));
    let filed = file_case(
        &mut org.claimant,
        family_answers(&narrative, &other, &other_email),
    )
    .await;
    assert_eq!(filed["status"], "INTAKE");
    assert!(filed["reference"].as_str().unwrap().starts_with("FILI-2"));
    let case_id = filed["id"].as_str().unwrap().to_owned();

    // The draft is gone once filed.
    let drafts = org
        .claimant
        .gql("{ myIntakeDrafts { id } }", json!({}))
        .await;
    assert_eq!(drafts["data"]["myIntakeDrafts"], json!([]));

    // The claimant sees their case, their whole intake, and the filing.
    let mine = org.claimant.gql(CASE, json!({ "id": case_id })).await;
    assert_ok(&mine);
    let c = case_of(&mine);
    assert_eq!(c["mySide"], "CLAIMANT");
    assert_eq!(c["intakes"][0]["complete"], true);
    assert_eq!(c["intakes"][0]["answers"]["narrative"], narrative.as_str());
    assert_eq!(c["parties"][1]["name"], other.as_str());
    assert_eq!(
        c["parties"][1]["email"],
        Value::Null,
        "a party does not see the other's address"
    );
    assert_eq!(c["can"]["manage"], false);
    assert_eq!(c["timeline"][0]["kind"], "case.filed");

    // The case manager finds it in the triage queue, on track, and reads the intake.
    let queue = org.manager.gql(TRIAGE, json!({})).await;
    assert_ok(&queue);
    let node = &queue["data"]["triageQueue"]["nodes"][0];
    assert_eq!(node["id"], case_id.as_str());
    assert_eq!(node["sla"]["state"], "ON_TRACK");
    let seen = org.manager.gql(CASE, json!({ "id": case_id })).await;
    assert_ok(&seen);
    assert_eq!(case_of(&seen)["intakes"][0]["complete"], true);
    assert_eq!(case_of(&seen)["parties"][1]["email"], other_email.as_str());
    assert_eq!(
        case_of(&seen)["can"]["nextStatuses"],
        json!(["TRIAGE", "DECLINED", "WITHDRAWN"])
    );

    // The org admin manages the case without reading the private narrative.
    let admin_view = org.admin.gql(CASE, json!({ "id": case_id })).await;
    assert_ok(&admin_view);
    let intake = &case_of(&admin_view)["intakes"][0];
    assert_eq!(intake["complete"], false);
    assert!(intake["answers"].get("narrative").is_none());
    assert!(intake["answers"].get("summary").is_some());

    // The case manager's reading of the claimant's whole intake is audited
    // (once); the claimant reading their own, and the admin's shared-only
    // view, are not.
    let viewed = org
        .admin
        .gql(
            "{ auditLog(first: 10, action: INTAKE_VIEWED) { edges { node { actorId targetType } } } }",
            json!({}),
        )
        .await;
    assert_ok(&viewed);
    let edges = viewed["data"]["auditLog"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{viewed}");
    assert_eq!(edges[0]["node"]["targetType"], "submission");
    let manager_id = org.manager.gql("{ me { user { id } } }", json!({})).await;
    assert_eq!(
        edges[0]["node"]["actorId"],
        manager_id["data"]["me"]["user"]["id"]
    );

    // Another party of the same organization, an unassigned mediator and
    // another tenant's case manager are told it does not exist.
    for client in [&mut org.other_party, &mut org.mediator] {
        let body = client.gql(CASE, json!({ "id": case_id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    }
    let mut other_org = case_org(&app, "elsewhere").await;
    let body = other_org.manager.gql(CASE, json!({ "id": case_id })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let listed = other_org.manager.gql(CASES, json!({})).await;
    assert_eq!(listed["data"]["cases"]["nodes"], json!([]));
    let body = other_org
        .manager
        .gql(
            ADVANCE,
            json!({ "input": { "caseId": case_id, "version": 1, "to": "TRIAGE" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");

    // Nothing the claimant wrote reaches logs or spans, nor the narrative
    // anyone but the claimant's side and the case manager.
    canary.assert_absent(&[&listed.to_string()]);
    assert!(!admin_view.to_string().contains(&narrative));
}

#[tokio::test]
async fn the_respondent_is_invited_joins_and_sees_only_what_is_shared() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "respond").await;
    let respondent_email = format!("riley-{}@example.org", uuid::Uuid::new_v4().simple());
    let filed = file_case(
        &mut org.claimant,
        family_answers(
            "The claimant's private account.",
            "Riley Respondent",
            &respondent_email,
        ),
    )
    .await;
    let case_id = filed["id"].as_str().unwrap().to_owned();

    // Accepted at triage, then the respondent is invited by email.
    let accepted = org
        .manager
        .gql(
            ADVANCE,
            json!({ "input": { "caseId": case_id, "version": 1, "to": "TRIAGE" } }),
        )
        .await;
    assert_ok(&accepted);
    assert_eq!(accepted["data"]["advanceCase"]["status"], "TRIAGE");
    let seen = org.manager.gql(CASE, json!({ "id": case_id })).await;
    let respondent_party = case_of(&seen)["parties"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let invited = org
        .manager
        .gql(
            "mutation I($c: ID!, $p: ID!) { inviteParty(caseId: $c, partyId: $p) }",
            json!({ "c": case_id, "p": respondent_party }),
        )
        .await;
    assert_ok(&invited);
    let message = mail_body(&wait_for_mail(&respondent_email, 1).await[0]).await;
    let text = message["Text"].as_str().unwrap();
    assert!(
        !text.contains("private account") && !text.contains("holidays"),
        "no case content in email"
    );
    let token = text
        .split("/invitation#")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    let mut respondent = Client::new(&app);
    let joined = respondent
        .gql(
            "mutation A($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { roles } } }",
            json!({ "input": { "token": token, "name": "Riley Respondent", "password": "a long respondent passphrase",
                               "language": "EN", "timezone": "America/Chicago" } }),
        )
        .await;
    assert_ok(&joined);

    // The respondent sees the case and the claimant's shared answers only.
    let view = respondent.gql(CASE, json!({ "id": case_id })).await;
    assert_ok(&view);
    let c = case_of(&view);
    assert_eq!(c["mySide"], "RESPONDENT");
    assert_eq!(c["parties"][1]["hasAccount"], true);
    let claimant_intake = &c["intakes"][0];
    assert_eq!(claimant_intake["complete"], false);
    assert!(claimant_intake["answers"].get("narrative").is_none());
    assert!(claimant_intake["answers"].get("safety_concern").is_none());
    assert_eq!(
        claimant_intake["answers"]["summary"],
        "We disagree about the children's holidays."
    );
    assert!(!view.to_string().contains("private account"));
    assert_eq!(c["can"]["submitRespondentIntake"], true);
    let kinds: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"party.invited") && kinds.contains(&"party.joined"),
        "{kinds:?}"
    );

    // Their to-do list asks them to tell their side; the claimant's does not.
    let tell = ("TELL_YOUR_SIDE".to_owned(), Some(case_id.clone()));
    assert_eq!(to_dos(&mut respondent).await, vec![tell.clone()]);
    assert!(!to_dos(&mut org.claimant).await.contains(&tell));

    // The respondent's own intake: missing required answers are named, then it goes in.
    let started = respondent
        .gql(
            "mutation R($c: ID!) { startRespondentIntake(caseId: $c) { id version } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_ok(&started);
    let draft = started["data"]["startRespondentIntake"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let early = respondent.gql(SUBMIT, json!({ "id": draft, "v": 1 })).await;
    assert_eq!(error_code(&early), "VALIDATION_FAILED");
    let fields: Vec<&str> = early["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"respondent_narrative"), "{fields:?}");
    // A claimant-only field is refused in a respondent's draft.
    let wrong = respondent
        .gql(
            SAVE,
            json!({ "input": { "id": draft, "version": 1, "currentStep": 0, "answers": { "narrative": "x" } } }),
        )
        .await;
    assert_eq!(error_code(&wrong), "VALIDATION_FAILED");
    let saved = respondent
        .gql(
            SAVE,
            json!({ "input": { "id": draft, "version": 1, "currentStep": 1, "answers": {
                "respondent_summary": "I see it differently.",
                "respondent_narrative": "The respondent's private account.",
                "respondent_safety_concern": "no",
                "respondent_interpreter": "spanish" } } }),
        )
        .await;
    assert_ok(&saved);
    // A draft begun keeps the to-do open, with the draft to continue.
    let listed = respondent.gql(TODOS, json!({})).await;
    assert_eq!(listed["data"]["myToDos"][0]["draftId"], draft.as_str());
    let sent = respondent.gql(SUBMIT, json!({ "id": draft, "v": 2 })).await;
    assert_ok(&sent);
    assert_eq!(to_dos(&mut respondent).await, vec![]);

    // Each side reads its own intake whole and the other's shared part.
    let claimant_view = org.claimant.gql(CASE, json!({ "id": case_id })).await;
    let intakes = case_of(&claimant_view)["intakes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(intakes.len(), 2);
    assert_eq!(intakes[1]["side"], "RESPONDENT");
    assert_eq!(intakes[1]["complete"], false);
    assert_eq!(
        intakes[1]["answers"]["respondent_summary"],
        "I see it differently."
    );
    assert!(
        !claimant_view
            .to_string()
            .contains("respondent's private account")
    );
    // A second respondent intake is refused.
    let again = respondent
        .gql(
            "mutation R($c: ID!) { startRespondentIntake(caseId: $c) { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    // The claimant cannot fill in the respondent's side.
    let claimant_tries = org
        .claimant
        .gql(
            "mutation R($c: ID!) { startRespondentIntake(caseId: $c) { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_eq!(error_code(&claimant_tries), "FORBIDDEN");
}

#[tokio::test]
async fn the_lifecycle_refuses_illegal_moves_stale_versions_and_edits_once_archived() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "lifecycle").await;
    let filed = file_case(
        &mut org.claimant,
        family_answers("Private.", "Sam Other", ""),
    )
    .await;
    let case_id = filed["id"].as_str().unwrap().to_owned();
    let mv = |version: i64, to: &str, reason: Option<&str>| json!({ "input": { "caseId": case_id, "version": version, "to": to, "reason": reason } });

    // Skipping ahead is refused, and so is a stale version; nothing changes.
    let skip = org.manager.gql(ADVANCE, mv(1, "SETTLED", None)).await;
    assert_eq!(error_code(&skip), "INVALID_TRANSITION");
    let stale = org.manager.gql(ADVANCE, mv(7, "TRIAGE", None)).await;
    assert_eq!(error_code(&stale), "STALE_VERSION");
    let no_reason = org
        .manager
        .gql(ADVANCE, mv(1, "DECLINED", Some("  ")))
        .await;
    assert_eq!(error_code(&no_reason), "VALIDATION_FAILED");
    // A party cannot move the case; a mediator not on it cannot see it.
    assert_eq!(
        error_code(&org.claimant.gql(ADVANCE, mv(1, "TRIAGE", None)).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&org.mediator.gql(ADVANCE, mv(1, "TRIAGE", None)).await),
        "NOT_FOUND"
    );

    let triaged = org.manager.gql(ADVANCE, mv(1, "TRIAGE", None)).await;
    assert_ok(&triaged);
    // Assignment needs a mediator first.
    let unassigned = org.manager.gql(ADVANCE, mv(2, "ASSIGNED", None)).await;
    assert_eq!(error_code(&unassigned), "VALIDATION_FAILED");
    set_lead_mediator(&app, &case_id, &org.emails[2]).await;
    let mut version = 2;
    for to in ["ASSIGNED", "SCHEDULING", "IN_MEDIATION"] {
        let body = org.manager.gql(ADVANCE, mv(version, to, None)).await;
        assert_ok(&body);
        version = body["data"]["advanceCase"]["version"].as_i64().unwrap();
    }
    // The mediator records the outcome; it is dated and on the timeline.
    let settled = org
        .mediator
        .gql(
            ADVANCE,
            mv(version, "SETTLED", Some("Agreed a holiday plan.")),
        )
        .await;
    assert_ok(&settled);
    assert_eq!(settled["data"]["advanceCase"]["outcome"], "SETTLED");
    version = settled["data"]["advanceCase"]["version"].as_i64().unwrap();
    // Only case managers close and archive.
    assert_eq!(
        error_code(&org.mediator.gql(ADVANCE, mv(version, "CLOSED", None)).await),
        "FORBIDDEN"
    );
    for to in ["CLOSED", "ARCHIVED"] {
        let body = org.manager.gql(ADVANCE, mv(version, to, None)).await;
        assert_ok(&body);
        version = body["data"]["advanceCase"]["version"].as_i64().unwrap();
    }
    // Archived cases are read-only.
    let rename = org
        .manager
        .gql(
            "mutation N($c: ID!, $v: Int!) { renameCase(caseId: $c, version: $v, title: \"New\") { id } }",
            json!({ "c": case_id, "v": version }),
        )
        .await;
    assert_eq!(error_code(&rename), "READ_ONLY");
    let note = org
        .mediator
        .gql(
            "mutation M($c: ID!) { addMediatorNote(caseId: $c, body: \"late\") { id } }",
            json!({ "c": case_id }),
        )
        .await;
    assert_eq!(error_code(&note), "READ_ONLY");
    let view = org.claimant.gql(CASE, json!({ "id": case_id })).await;
    let c = case_of(&view);
    assert_eq!(c["case"]["status"], "ARCHIVED");
    assert_eq!(c["can"]["nextStatuses"], json!([]));
    let changes: Vec<&Value> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case.status_changed")
        .collect();
    assert_eq!(changes.len(), 7);
    assert_eq!(changes[4]["note"], "Agreed a holiday plan.");
}

#[tokio::test]
async fn mediator_notes_are_the_mediators_alone_even_to_sql() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "notes").await;
    let filed = file_case(
        &mut org.claimant,
        family_answers("Private.", "Sam Other", ""),
    )
    .await;
    let case_id = filed["id"].as_str().unwrap().to_owned();
    set_lead_mediator(&app, &case_id, &org.emails[2]).await;
    let added = org
        .mediator
        .gql(
            "mutation M($c: ID!, $b: String!) { addMediatorNote(caseId: $c, body: $b) { id version body } }",
            json!({ "c": case_id, "b": "Both seem open to a shared calendar." }),
        )
        .await;
    assert_ok(&added);
    let note_id = added["data"]["addMediatorNote"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    const NOTES: &str = "query N($c: ID!) { mediatorNotes(caseId: $c) { id body } }";
    for client in [&mut org.admin, &mut org.manager, &mut org.claimant] {
        let body = client.gql(NOTES, json!({ "c": case_id })).await;
        assert!(
            matches!(error_code(&body).as_str(), "FORBIDDEN" | "NOT_FOUND"),
            "{body}"
        );
        let update = client
            .gql(
                "mutation U($id: ID!) { updateMediatorNote(id: $id, version: 1, body: \"x\") { id } }",
                json!({ "id": note_id }),
            )
            .await;
        assert_eq!(error_code(&update), "NOT_FOUND", "{update}");
    }
    // A stale edit is refused; a current one goes in.
    let stale = org
        .mediator
        .gql(
            "mutation U($id: ID!) { updateMediatorNote(id: $id, version: 5, body: \"x\") { id } }",
            json!({ "id": note_id }),
        )
        .await;
    assert_eq!(error_code(&stale), "STALE_VERSION");
    let mine = org.mediator.gql(NOTES, json!({ "c": case_id })).await;
    assert_eq!(
        mine["data"]["mediatorNotes"][0]["body"],
        "Both seem open to a shared calendar."
    );

    // Row-level security: an org admin's transaction sees no note rows at all,
    // and the stored body is ciphertext.
    let raw = Database::connect(app.db.app_url.clone()).await.unwrap();
    let admin_id: String = raw_admin_id(&app, &org.emails[0]).await;
    let txn = sea_orm::TransactionTrait::begin(&raw).await.unwrap();
    txn.execute(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "SELECT set_config('app.org_id', '{}', true), set_config('app.user_id', '{admin_id}', true)",
            org.org_id
        ),
    ))
    .await
    .unwrap();
    let n = txn
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM case_notes",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(n, 0);
    txn.rollback().await.unwrap();
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let stored = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT encode(body_sealed, 'escape') AS b FROM case_notes",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "b")
        .unwrap_or_default();
    assert!(!stored.contains("shared calendar"));
}

async fn raw_admin_id(app: &TestApp, email: &str) -> String {
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id::text AS id FROM users WHERE email = $1",
            [email.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap()
}

#[tokio::test]
async fn drafts_resume_on_another_device_and_refuse_bad_or_stale_answers() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "drafts").await;
    let started = org.claimant.gql(START, json!({ "t": "family" })).await;
    assert_ok(&started);
    let id = started["data"]["startIntake"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The draft waits on the claimant's to-do list, and on nobody else's.
    let listed = org.claimant.gql(TODOS, json!({})).await;
    assert_eq!(listed["data"]["myToDos"][0]["kind"], "FINISH_INTAKE");
    assert_eq!(listed["data"]["myToDos"][0]["draftId"], id.as_str());
    assert_eq!(listed["data"]["myToDos"][0]["disputeType"], "family");
    assert_eq!(to_dos(&mut org.other_party).await, vec![]);
    let save = |version: i64, answers: Value, section: Option<&str>| json!({ "input": { "id": id, "version": version, "currentStep": 1, "answers": answers, "completeSection": section } });
    // Finishing a step with its required answers missing names them; nothing is saved.
    let incomplete = org
        .claimant
        .gql(
            SAVE,
            save(1, json!({ "started_on": "2026-01-02" }), Some("about")),
        )
        .await;
    assert_eq!(error_code(&incomplete), "VALIDATION_FAILED");
    let saved = org
        .claimant
        .gql(SAVE, save(1, json!({ "summary": "Half done." }), None))
        .await;
    assert_ok(&saved);

    // A second device of the same person resumes where the first stopped.
    let mut phone = Client::new(&app);
    assert_ok(&phone.sign_in(&org.emails[3], PASSWORD).await);
    let drafts = phone
        .gql(
            "{ myIntakeDrafts { id version currentStep answers } }",
            json!({}),
        )
        .await;
    let d = &drafts["data"]["myIntakeDrafts"][0];
    assert_eq!(d["answers"]["summary"], "Half done.");
    assert_eq!(d["currentStep"], 1);
    let from_phone = phone
        .gql(SAVE, save(2, json!({ "summary": "From the phone." }), None))
        .await;
    assert_ok(&from_phone);
    // The laptop, still on version 2, is refused instead of overwriting.
    let laptop = org
        .claimant
        .gql(
            SAVE,
            save(2, json!({ "summary": "From the laptop." }), None),
        )
        .await;
    assert_eq!(error_code(&laptop), "STALE_VERSION");

    // Malformed and oversized answers are refused, each named.
    for (answers, field, reason) in [
        (
            json!({ "narrative": "x".repeat(20_001) }),
            "narrative",
            "too_long",
        ),
        (json!({ "started_on": "yesterday" }), "started_on", "format"),
        (
            json!({ "safety_concern": "perhaps" }),
            "safety_concern",
            "choice",
        ),
        (json!({ "summary": 42 }), "summary", "type"),
        (json!({ "injected": "<script>" }), "injected", "unknown"),
        (
            json!({ "other_party": { "name": "A", "email": "not an email" } }),
            "other_party",
            "email",
        ),
    ] {
        let body = org.claimant.gql(SAVE, save(3, answers, None)).await;
        assert_eq!(error_code(&body), "VALIDATION_FAILED", "{field}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
        assert_eq!(body["errors"][0]["extensions"]["reason"], reason);
    }
    // Someone else's draft does not exist for them.
    let stolen = org.other_party.gql(SAVE, save(3, json!({}), None)).await;
    assert_eq!(error_code(&stolen), "NOT_FOUND");
    let unknown_type = org.claimant.gql(START, json!({ "t": "piracy" })).await;
    assert_eq!(error_code(&unknown_type), "VALIDATION_FAILED");
    // Staff do not file intakes.
    assert_eq!(
        error_code(&org.manager.gql(START, json!({ "t": "family" })).await),
        "FORBIDDEN"
    );
    // The review is the step after the last section (family: 5 sections for
    // the claimant); beyond it the step is refused, and nothing is written.
    let step = |version: i64, n: i64| json!({ "input": { "id": id, "version": version, "currentStep": n, "answers": { "summary": "From the phone." } } });
    let beyond = org.claimant.gql(SAVE, step(3, 6)).await;
    assert_eq!(error_code(&beyond), "VALIDATION_FAILED");
    let review = org.claimant.gql(SAVE, step(3, 5)).await;
    assert_ok(&review);
    assert_eq!(review["data"]["saveIntakeDraft"]["currentStep"], 5);
}

#[tokio::test]
async fn a_template_change_mid_intake_is_caught_and_the_draft_moves_over() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "templates").await;
    let started = org.claimant.gql(START, json!({ "t": "family" })).await;
    let draft = &started["data"]["startIntake"];
    let id = draft["id"].as_str().unwrap().to_owned();
    let mut definition = draft["template"]["definition"].clone();
    let answers = family_answers("Private.", "Sam Other", "");
    let saved = org
        .claimant
        .gql(
            SAVE,
            json!({ "input": { "id": id, "version": 1, "currentStep": 2, "answers": answers } }),
        )
        .await;
    assert_ok(&saved);

    // The admin publishes version 2 without the desired-outcome question.
    for section in definition["sections"].as_array_mut().unwrap() {
        section["fields"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["key"] != "desired_outcome");
    }
    const PUBLISH: &str = "mutation P($input: PublishIntakeTemplateInput!) { publishIntakeTemplate(input: $input) { id version } }";
    let input =
        json!({ "input": { "disputeType": "family", "name": "Family", "definition": definition } });
    assert_eq!(
        error_code(&org.manager.gql(PUBLISH, input.clone()).await),
        "FORBIDDEN"
    );
    let published = org.admin.gql(PUBLISH, input).await;
    assert_ok(&published);
    assert_eq!(published["data"]["publishIntakeTemplate"]["version"], 2);
    // An editor that started from version 1 is refused now that 2 is out;
    // one that started from 2 publishes 3. The history lists all three.
    let stale = json!({ "input": { "disputeType": "family", "name": "Family (stale)", "definition": definition, "baseVersion": 1 } });
    assert_eq!(
        error_code(&org.admin.gql(PUBLISH, stale).await),
        "STALE_VERSION"
    );
    let fresh = json!({ "input": { "disputeType": "family", "name": "Family", "definition": definition, "baseVersion": 2 } });
    let third = org.admin.gql(PUBLISH, fresh).await;
    assert_ok(&third);
    assert_eq!(third["data"]["publishIntakeTemplate"]["version"], 3);
    const VERSIONS: &str =
        "query V($t: String!) { intakeTemplateVersions(disputeType: $t) { version name } }";
    let history = org.admin.gql(VERSIONS, json!({ "t": "family" })).await;
    assert_ok(&history);
    let versions: Vec<i64> = history["data"]["intakeTemplateVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![3, 2, 1]);
    // Nobody published "Family (stale)": the refused edit left nothing.
    assert!(!history.to_string().contains("stale"));
    // A broken template is refused with its problems named.
    let broken = org
        .admin
        .gql(PUBLISH, json!({ "input": { "disputeType": "Bad Type", "name": "", "definition": { "sections": [] } } }))
        .await;
    assert_eq!(error_code(&broken), "VALIDATION_FAILED");

    // Submitting against the old version is refused; nothing is filed.
    let refused = org.claimant.gql(SUBMIT, json!({ "id": id, "v": 2 })).await;
    assert_eq!(error_code(&refused), "CONFLICT");
    let none = org.manager.gql(CASES, json!({})).await;
    assert_eq!(none["data"]["cases"]["nodes"], json!([]));
    let upgraded = org
        .claimant
        .gql(
            "mutation G($id: ID!) { upgradeIntakeDraft(id: $id) { draft { version templateIsCurrent template { version } } droppedFields } }",
            json!({ "id": id }),
        )
        .await;
    assert_ok(&upgraded);
    let up = &upgraded["data"]["upgradeIntakeDraft"];
    assert_eq!(up["droppedFields"], json!(["desired_outcome"]));
    assert_eq!(up["draft"]["templateIsCurrent"], true);
    let version = up["draft"]["version"].as_i64().unwrap();
    let sent = org
        .claimant
        .gql(SUBMIT, json!({ "id": id, "v": version }))
        .await;
    assert_ok(&sent);
    // The case keeps the version it was filed under.
    let case_id = sent["data"]["submitIntake"]["id"].as_str().unwrap();
    let view = org
        .claimant
        .gql(
            "query C($id: ID!) { case(id: $id) { template { version } } }",
            json!({ "id": case_id }),
        )
        .await;
    assert_eq!(view["data"]["case"]["template"]["version"], 3);
}

#[tokio::test]
async fn case_lists_page_by_cursor_search_by_name_and_hint_duplicates() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "lists").await;
    let shared_email = format!("jordan-{}@example.org", uuid::Uuid::new_v4().simple());
    let mut ids = Vec::new();
    for i in 0..5 {
        let other = if i == 2 {
            "Quincy Zephyrine".to_owned()
        } else {
            format!("Other {i}")
        };
        let email = if i < 2 {
            shared_email.clone()
        } else {
            String::new()
        };
        let filed = file_case(
            &mut org.claimant,
            family_answers("Private.", &other, &email),
        )
        .await;
        ids.push(filed["id"].as_str().unwrap().to_owned());
    }
    // Two pages of two and one of one, newest first, no overlaps.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = org
            .manager
            .gql(CASES, json!({ "first": 2, "after": after }))
            .await;
        assert_ok(&page);
        let conn = &page["data"]["cases"];
        for n in conn["nodes"].as_array().unwrap() {
            seen.push(n["id"].as_str().unwrap().to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    // Search by a party's name (case and punctuation do not matter), by email, by reference.
    let by_name = org
        .manager
        .gql(CASES, json!({ "filter": { "search": "zephyrine," } }))
        .await;
    assert_eq!(
        by_name["data"]["cases"]["nodes"].as_array().unwrap().len(),
        1
    );
    assert_eq!(by_name["data"]["cases"]["nodes"][0]["id"], ids[2].as_str());
    let by_email = org
        .manager
        .gql(
            CASES,
            json!({ "filter": { "search": shared_email.to_uppercase() } }),
        )
        .await;
    assert_eq!(
        by_email["data"]["cases"]["nodes"].as_array().unwrap().len(),
        2
    );
    let reference = org.manager.gql(CASE, json!({ "id": ids[4] })).await;
    let reference = case_of(&reference)["case"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_ref = org
        .manager
        .gql(
            CASES,
            json!({ "filter": { "search": reference.to_lowercase() } }),
        )
        .await;
    assert_eq!(by_ref["data"]["cases"]["nodes"][0]["id"], ids[4].as_str());
    // The two cases sharing an address point at each other at triage.
    let queue = org.manager.gql(TRIAGE, json!({})).await;
    let nodes = queue["data"]["triageQueue"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["id"], ids[0].as_str(), "oldest first");
    assert_eq!(nodes[0]["possibleDuplicates"].as_array().unwrap().len(), 1);
    assert_eq!(nodes[2]["possibleDuplicates"], json!([]));
    // A party lists only their own cases; bad paging input is refused.
    let other_list = org.other_party.gql(CASES, json!({})).await;
    assert_eq!(other_list["data"]["cases"]["nodes"], json!([]));
    let mine = org.claimant.gql(CASES, json!({ "first": 100 })).await;
    assert_eq!(mine["data"]["cases"]["nodes"].as_array().unwrap().len(), 5);
    assert_eq!(
        error_code(&org.manager.gql(CASES, json!({ "first": 1000 })).await),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(&org.manager.gql(CASES, json!({ "after": "garbage" })).await),
        "VALIDATION_FAILED"
    );
    assert_eq!(
        error_code(&org.claimant.gql(TRIAGE, json!({})).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn case_settings_invite_the_other_side_on_filing_and_set_the_triage_target() {
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "settings").await;
    const UPDATE: &str = "mutation U($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { cases { triageSlaHours autoInviteRespondents } } }";
    let refused = org
        .manager
        .gql(
            UPDATE,
            json!({ "input": { "autoInviteRespondents": true } }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let out_of_range = org
        .admin
        .gql(
            UPDATE,
            json!({ "input": { "triageSlaHours": 0, "autoInviteRespondents": true } }),
        )
        .await;
    assert_eq!(error_code(&out_of_range), "VALIDATION_FAILED");
    let set = org
        .admin
        .gql(
            UPDATE,
            json!({ "input": { "triageSlaHours": 1, "autoInviteRespondents": true } }),
        )
        .await;
    assert_ok(&set);
    assert_eq!(
        set["data"]["updateOrganization"]["cases"],
        json!({ "triageSlaHours": 1, "autoInviteRespondents": true })
    );

    let other_email = format!("auto-{}@example.org", uuid::Uuid::new_v4().simple());
    let filed = file_case(
        &mut org.claimant,
        family_answers("Private.", "Ari Other", &other_email),
    )
    .await;
    // The other side is invited by the system as the case is filed.
    let message = mail_body(&wait_for_mail(&other_email, 1).await[0]).await;
    assert!(message["Text"].as_str().unwrap().contains("/invitation#"));
    let view = org.manager.gql(CASE, json!({ "id": filed["id"] })).await;
    let kinds: Vec<&str> = case_of(&view)["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["case.filed", "party.invited"]);
    // The one-hour target: due an hour after filing.
    let queue = org.manager.gql(TRIAGE, json!({})).await;
    let sla = &queue["data"]["triageQueue"]["nodes"][0]["sla"];
    let due = chrono::DateTime::parse_from_rfc3339(sla["dueAt"].as_str().unwrap()).unwrap();
    let in_minutes = (due.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((55..=60).contains(&in_minutes), "{in_minutes}");
}
