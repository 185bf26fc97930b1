//! The authorization matrix: every role × every organization operation, plus
//! the signed-out caller, against an expectation table written out here.

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use serde_json::json;

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const OPERATIONS: &[(&str, &str)] = &[
    ("view", "query { organization { id name } }"),
    (
        "list",
        "query { members(first: 5) { edges { node { id } } } }",
    ),
    (
        "manage",
        "mutation { updateOrganization(input: { brandColor: \"#1f4e79\" }) { id } }",
    ),
    ("watch", "subscription { organizationEvents { kind } }"),
];

/// (role, view, list, manage)
const EXPECTED: &[(RoleKey, bool, bool, bool)] = &[
    (RoleKey::PlatformOperator, true, false, false),
    (RoleKey::OrgAdmin, true, true, true),
    (RoleKey::CaseManager, true, true, false),
    (RoleKey::Mediator, true, false, false),
    (RoleKey::Party, true, false, false),
    (RoleKey::PartyRepresentative, true, false, false),
    (RoleKey::Observer, true, false, false),
    (RoleKey::BillingAdmin, true, false, false),
    (RoleKey::ComplianceOfficer, true, true, false),
];

#[tokio::test]
async fn every_role_gets_exactly_its_permissions() {
    let app = testkit::spawn().await;
    let roles: Vec<RoleKey> = EXPECTED.iter().map(|e| e.0).collect();
    let (_, emails) = org_with(&app, "matrix", &roles).await;
    assert_eq!(
        RoleKey::ALL.len(),
        EXPECTED.len(),
        "a new role needs a row here"
    );
    for ((role, view, list, manage), email) in EXPECTED.iter().zip(&emails) {
        let mut client = Client::new(&app);
        assert_ok(&client.sign_in(email, PASSWORD).await);
        for (name, expected) in [("view", view), ("list", list), ("manage", manage)] {
            let query = OPERATIONS.iter().find(|o| o.0 == name).unwrap().1;
            let body = client.gql(query, json!({})).await;
            if *expected {
                assert!(body.get("errors").is_none(), "{role:?} {name}: {body}");
            } else {
                assert_eq!(error_code(&body), "FORBIDDEN", "{role:?} {name}: {body}");
            }
        }
    }
    // Signed out: every operation asks for sign-in.
    let mut anonymous = Client::new(&app);
    for (name, query) in OPERATIONS.iter().filter(|o| o.0 != "watch") {
        let body = anonymous.gql(query, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{name}: {body}");
    }
}

#[tokio::test]
async fn an_admin_sees_and_changes_only_their_own_organization() {
    let app = testkit::spawn().await;
    let (org_a, emails_a) = org_with(&app, "own-a", &[RoleKey::OrgAdmin]).await;
    let (_org_b, emails_b) = org_with(&app, "own-b", &[RoleKey::OrgAdmin, RoleKey::Party]).await;
    let mut admin_a = Client::new(&app);
    assert_ok(&admin_a.sign_in(&emails_a[0], PASSWORD).await);
    let members = admin_a
        .gql(
            "{ members(first: 50) { edges { node { email } } } }",
            json!({}),
        )
        .await;
    let listed: Vec<String> = members["data"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, vec![emails_a[0].clone()]);
    for email in &emails_b {
        assert!(!listed.contains(email));
    }
    let renamed = admin_a
        .gql(
            "mutation { updateOrganization(input: { name: \"Renamed A\" }) { id name } }",
            json!({}),
        )
        .await;
    assert_eq!(renamed["data"]["updateOrganization"]["id"], org_a.as_str());
    let mut admin_b = Client::new(&app);
    assert_ok(&admin_b.sign_in(&emails_b[0], PASSWORD).await);
    let b = admin_b.gql("{ organization { name } }", json!({})).await;
    assert_eq!(b["data"]["organization"]["name"], "Org own-b");
}

#[tokio::test]
async fn members_paginate_with_cursors() {
    let app = testkit::spawn().await;
    let roles = [
        RoleKey::OrgAdmin,
        RoleKey::Mediator,
        RoleKey::Mediator,
        RoleKey::Party,
        RoleKey::Party,
    ];
    let (_, emails) = org_with(&app, "pages", &roles).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = admin
            .gql(
                "query Page($after: String) { members(first: 2, after: $after) { edges { node { email } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        assert_ok(&page);
        let members = &page["data"]["members"];
        for edge in members["edges"].as_array().unwrap() {
            seen.push(edge["node"]["email"].as_str().unwrap().to_owned());
        }
        if !members["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = members["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    seen.sort();
    let mut expected = emails.clone();
    expected.sort();
    assert_eq!(seen, expected);
    let bad = admin
        .gql(
            "{ members(first: 2, after: \"not-a-cursor\") { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "VALIDATION_FAILED");
    let too_many = admin
        .gql("{ members(first: 1000) { edges { cursor } } }", json!({}))
        .await;
    assert!(too_many.get("errors").is_some());
}
