//! Consent tracking.

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use serde_json::json;

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const REQUIRED: &str = "{ requiredConsents { document version accepted } }";
const RECORD: &str = "mutation R($d: ConsentDocument!, $v: String!) { recordConsent(document: $d, version: $v, context: SIGN_UP) { document version context } }";

#[tokio::test]
async fn people_accept_current_versions_and_compliance_sees_the_records() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(
        &app,
        "consent",
        &[
            RoleKey::Party,
            RoleKey::ComplianceOfficer,
            RoleKey::Mediator,
        ],
    )
    .await;
    let (_, others) = org_with(&app, "consent-other", &[RoleKey::ComplianceOfficer]).await;
    let mut party = Client::new(&app);
    assert_ok(&party.sign_in(&emails[0], PASSWORD).await);
    let required = party.gql(REQUIRED, json!({})).await;
    let list = required["data"]["requiredConsents"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|c| c["accepted"] == false));
    let terms_version = list.iter().find(|c| c["document"] == "TERMS").unwrap()["version"].clone();

    // A stale version is refused.
    assert_eq!(
        error_code(
            &party
                .gql(RECORD, json!({ "d": "TERMS", "v": "1999-01-01" }))
                .await
        ),
        "CONFLICT"
    );
    let recorded = party
        .gql(RECORD, json!({ "d": "TERMS", "v": terms_version }))
        .await;
    assert_eq!(
        recorded["data"]["recordConsent"]["context"], "sign_up",
        "{recorded}"
    );
    assert_ok(
        &party
            .gql(RECORD, json!({ "d": "CONFIDENTIALITY", "v": "1" }))
            .await,
    );
    // Accepting again is harmless.
    assert_ok(
        &party
            .gql(RECORD, json!({ "d": "CONFIDENTIALITY", "v": "1" }))
            .await,
    );
    let required = party.gql(REQUIRED, json!({})).await;
    let accepted: Vec<bool> = required["data"]["requiredConsents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["accepted"].as_bool().unwrap())
        .collect();
    assert_eq!(accepted, vec![true, false, true]);
    let mine = party.gql("{ myConsents { document } }", json!({})).await;
    assert_eq!(mine["data"]["myConsents"].as_array().unwrap().len(), 2);

    let mut officer = Client::new(&app);
    assert_ok(&officer.sign_in(&emails[1], PASSWORD).await);
    let all = officer
        .gql("{ consents { userId document version } }", json!({}))
        .await;
    assert_eq!(all["data"]["consents"].as_array().unwrap().len(), 2);
    let filtered = officer
        .gql("{ consents(document: TERMS) { document } }", json!({}))
        .await;
    assert_eq!(filtered["data"]["consents"].as_array().unwrap().len(), 1);
    let mut mediator = Client::new(&app);
    assert_ok(&mediator.sign_in(&emails[2], PASSWORD).await);
    assert_eq!(
        error_code(&mediator.gql("{ consents { id } }", json!({})).await),
        "FORBIDDEN"
    );
    let mut other = Client::new(&app);
    assert_ok(&other.sign_in(&others[0], PASSWORD).await);
    let theirs = other.gql("{ consents { id } }", json!({})).await;
    assert_eq!(
        theirs["data"]["consents"],
        json!([]),
        "another tenant sees none of them"
    );
}
