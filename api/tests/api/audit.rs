//! The audit log: entries written with their change, browsable by the right
//! roles, append-only for the API, and a hash chain that exposes tampering.

use caucus_api::audit::chain::{Verdict, verify};
use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use serde_json::{Value, json};

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const LOG: &str = "query Log($action: AuditAction) { auditLog(first: 50, action: $action) { edges { node { seq action actorId targetType targetId ip userAgent } } } }";

fn entries(body: &Value) -> Vec<Value> {
    body["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no audit log in {body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

#[tokio::test]
async fn security_events_are_recorded_with_actor_target_and_origin() {
    let app = testkit::spawn().await;
    let (org_id, emails) = org_with(
        &app,
        "audited",
        &[RoleKey::OrgAdmin, RoleKey::ComplianceOfficer],
    )
    .await;
    let mut admin = Client::new(&app);
    let failed = admin.sign_in(&emails[0], "not the right password").await;
    assert_eq!(error_code(&failed), "INVALID_CREDENTIALS");
    let signed = admin.sign_in(&emails[0], PASSWORD).await;
    let admin_id = signed["data"]["signIn"]["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ok(
        &admin
            .gql(
                "mutation { updateOrganization(input: { name: \"Audited Inc\" }) { id } }",
                json!({}),
            )
            .await,
    );
    // A refused change writes nothing.
    let refused = admin
        .gql(
            "mutation { updateOrganization(input: { brandColor: \"#fff\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refused), "VALIDATION_FAILED");
    assert_eq!(
        admin.gql("mutation { signOut }", json!({})).await["data"]["signOut"],
        true
    );

    let mut officer = Client::new(&app);
    assert_ok(&officer.sign_in(&emails[1], PASSWORD).await);
    let log = entries(&officer.gql(LOG, json!({})).await);
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        vec![
            "identity.sign_in",
            "identity.sign_out",
            "org.updated",
            "identity.sign_in",
            "identity.sign_in_failed"
        ],
        "newest first"
    );
    let seqs: Vec<i64> = log.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![5, 4, 3, 2, 1]);
    assert_eq!(log[2]["actorId"], admin_id.as_str());
    assert_eq!(log[2]["targetType"], "organization");
    assert_eq!(log[2]["targetId"], org_id.as_str());
    assert_eq!(log[4]["actorId"], Value::Null);
    assert_eq!(log[4]["targetId"], admin_id.as_str());
    assert!(log.iter().all(|e| e["ip"] == "127.0.0.1"));
    let filtered = entries(
        &officer
            .gql(LOG, json!({ "action": "SIGN_IN_FAILED" }))
            .await,
    );
    assert_eq!(filtered.len(), 1);
    assert_eq!(
        verify(&app.db.owner_url, org_id.parse().unwrap())
            .await
            .unwrap(),
        Verdict::Intact { entries: 5 }
    );
}

#[tokio::test]
async fn only_admins_and_compliance_officers_read_the_log_and_only_their_own() {
    let app = testkit::spawn().await;
    let roles = [
        RoleKey::OrgAdmin,
        RoleKey::ComplianceOfficer,
        RoleKey::CaseManager,
        RoleKey::Mediator,
        RoleKey::Party,
    ];
    let (_, emails) = org_with(&app, "log-readers", &roles).await;
    let (_, other) = org_with(&app, "log-other", &[RoleKey::OrgAdmin]).await;
    let mut other_admin = Client::new(&app);
    assert_ok(&other_admin.sign_in(&other[0], PASSWORD).await);
    for (role, email) in roles.iter().zip(&emails) {
        let mut client = Client::new(&app);
        assert_ok(&client.sign_in(email, PASSWORD).await);
        let body = client.gql(LOG, json!({})).await;
        if matches!(role, RoleKey::OrgAdmin | RoleKey::ComplianceOfficer) {
            let log = entries(&body);
            assert!(!log.is_empty());
            // The other organization's sign-in is not in this log.
            assert!(log.iter().all(|e| e["action"] == "identity.sign_in"));
            assert!(log.len() <= roles.len());
        } else {
            assert_eq!(error_code(&body), "FORBIDDEN", "{role:?}");
        }
    }
}

#[tokio::test]
async fn the_api_role_cannot_rewrite_history_and_tampering_is_detected() {
    let app = testkit::spawn().await;
    let (org_id, emails) = org_with(&app, "tamper", &[RoleKey::OrgAdmin]).await;
    let mut admin = Client::new(&app);
    for _ in 0..3 {
        assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    }
    let org: uuid::Uuid = org_id.parse().unwrap();
    assert_eq!(
        verify(&app.db.owner_url, org).await.unwrap(),
        Verdict::Intact { entries: 3 }
    );

    let api_role = Database::connect(app.db.app_url.clone()).await.unwrap();
    for statement in [
        "UPDATE audit_log SET action = 'identity.sign_out'",
        "DELETE FROM audit_log",
    ] {
        let tx = api_role.begin().await.unwrap();
        tx.execute_unprepared(&format!(
            "SELECT set_config('app.org_id', '{org_id}', true)"
        ))
        .await
        .unwrap();
        let error = tx
            .execute_unprepared(statement)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("permission denied"), "{error}");
        tx.rollback().await.unwrap();
    }

    // An operator with owner rights edits an entry: the chain names it.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute_unprepared("UPDATE audit_log SET ip = '10.9.8.7' WHERE seq = 2")
        .await
        .unwrap();
    match verify(&app.db.owner_url, org).await.unwrap() {
        Verdict::Broken { seq, reason, .. } => {
            assert_eq!(seq, 2);
            assert!(reason.contains("contents"));
        }
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
    // Deleting an entry breaks the sequence.
    owner
        .execute_unprepared("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    match verify(&app.db.owner_url, org).await.unwrap() {
        Verdict::Broken { seq, .. } => assert_eq!(seq, 3),
        intact => panic!("a deletion went unnoticed: {intact:?}"),
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_unbroken_chain() {
    let app = testkit::spawn().await;
    let (org_id, emails) = org_with(&app, "busy", &[RoleKey::OrgAdmin]).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let cookie = admin.cookie.clone();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let mut client = Client::new(&app);
        client.cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            client
                .gql(
                    "mutation U($n: String!) { updateOrganization(input: { name: $n }) { id } }",
                    json!({ "n": format!("Busy {i}") }),
                )
                .await
        }));
    }
    for task in tasks {
        assert_ok(&task.await.unwrap());
    }
    assert_eq!(
        verify(&app.db.owner_url, org_id.parse().unwrap())
            .await
            .unwrap(),
        Verdict::Intact { entries: 17 }
    );
}
