//! Partner API credentials: client credentials for scoped, short-lived bearer tokens.

use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use serde_json::{Value, json};

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

async fn token_request(
    app: &TestApp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/oauth/token"))
        .form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn bearer(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn partners_get_scoped_tokens_that_die_with_their_credential() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(
        &app,
        "partners",
        &[RoleKey::OrgAdmin, RoleKey::CaseManager, RoleKey::Party],
    )
    .await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let created = admin
        .gql("mutation { createServiceAccount(name: \"Court docket\", scopes: [ORG_READ, MEMBERS_READ]) { id clientId clientSecret } }", json!({}))
        .await;
    assert_ok(&created);
    let account = &created["data"]["createServiceAccount"];
    let (id, client_id, secret) = (
        account["id"].as_str().unwrap().to_owned(),
        account["clientId"].as_str().unwrap().to_owned(),
        account["clientSecret"].as_str().unwrap().to_owned(),
    );
    // The secret is never shown again.
    let listed = admin
        .gql(
            "{ serviceAccounts { clientId scopes revoked lastUsedAt } }",
            json!({}),
        )
        .await;
    assert!(!listed.to_string().contains(&secret));
    assert_eq!(
        listed["data"]["serviceAccounts"][0]["clientId"],
        client_id.as_str()
    );
    assert!(listed["data"]["serviceAccounts"][0]["lastUsedAt"].is_null());

    // Wrong secrets, unknown clients and wrong grants are refused per RFC 6749.
    let (status, body) = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((&client_id, "wrong")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token_request(
        &app,
        &[("grant_type", "password")],
        Some((&client_id, &secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "audit:read"),
        ],
        Some((&client_id, &secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    // A narrowed token: organization yes, members no.
    let (status, narrow) = token_request(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &secret),
            ("scope", "org:read"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{narrow}");
    assert_eq!(narrow["token_type"], "Bearer");
    assert_eq!(narrow["scope"], "org:read");
    let narrow = narrow["access_token"].as_str().unwrap().to_owned();
    let (_, org) = bearer(&app, &narrow, "{ organization { slug } }").await;
    assert_eq!(org["data"]["organization"]["slug"], "partners");
    let (_, members) = bearer(
        &app,
        &narrow,
        "{ members(first: 5) { edges { node { id } } } }",
    )
    .await;
    assert_eq!(error_code(&members), "FORBIDDEN");
    let (_, write) = bearer(
        &app,
        &narrow,
        "mutation { updateOrganization(input: { name: \"Owned\" }) { id } }",
    )
    .await;
    assert_eq!(error_code(&write), "FORBIDDEN");
    // Refused requests above did not count as use; the token issued did.
    let listed = admin
        .gql("{ serviceAccounts { lastUsedAt } }", json!({}))
        .await;
    assert!(
        listed["data"]["serviceAccounts"][0]["lastUsedAt"].is_string(),
        "{listed}"
    );

    let (_, full) = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((&client_id, &secret)),
    )
    .await;
    let full = full["access_token"].as_str().unwrap().to_owned();
    let (_, members) = bearer(
        &app,
        &full,
        "{ members(first: 5) { edges { node { id } } } }",
    )
    .await;
    assert_eq!(
        members["data"]["members"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (_, forbidden) = bearer(&app, &full, "{ auditLog(first: 1) { edges { cursor } } }").await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");

    // Only org admins manage credentials.
    let mut manager = Client::new(&app);
    assert_ok(&manager.sign_in(&emails[1], PASSWORD).await);
    assert_eq!(
        error_code(&manager.gql("{ serviceAccounts { id } }", json!({})).await),
        "FORBIDDEN"
    );

    // Revoked: every token dies at once, and no new one is issued.
    let revoked = admin
        .gql(
            "mutation R($id: ID!) { revokeServiceAccount(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(revoked["data"]["revokeServiceAccount"], true);
    for token in [&narrow, &full] {
        let (status, body) = bearer(&app, token, "{ organization { slug } }").await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (401, "UNAUTHENTICATED")
        );
    }
    let (status, _) = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((&client_id, &secret)),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = bearer(&app, "forged-token", "{ organization { slug } }").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn partner_tokens_expire() {
    let app = testkit::spawn_with(|s| s.partner.token_ttl_secs = 1).await;
    let (_, emails) = org_with(&app, "expiring", &[RoleKey::OrgAdmin]).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let created = admin
        .gql("mutation { createServiceAccount(name: \"Short\", scopes: [ORG_READ]) { clientId clientSecret } }", json!({}))
        .await;
    let account = &created["data"]["createServiceAccount"];
    let (_, body) = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((
            account["clientId"].as_str().unwrap(),
            account["clientSecret"].as_str().unwrap(),
        )),
    )
    .await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        bearer(&app, &token, "{ organization { slug } }").await.0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(
        bearer(&app, &token, "{ organization { slug } }").await.0,
        401
    );
}
