//! Single sign-on against a real OpenID Connect provider started by the test
//! command (zitadel/oidc's provider, `tools/oidc-provider`), driven like a
//! browser: the API's start URL, the provider's login form, the callback,
//! and the portal's redemption of the handoff.

use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use fred::prelude::*;
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{Canary, Client, PASSWORD, assert_ok, captured, error_code, org_with};

const IDP_PASSWORD: &str = "sso test password 2026";

fn issuer() -> String {
    std::env::var("CAUCUS_TEST_OIDC_ISSUER").expect("CAUCUS_TEST_OIDC_ISSUER (run scripts/test.sh)")
}

/// A browser at the provider: keeps its cookies, follows nothing by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no redirect: {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// An org admin's client and a connection they created for `sso.caucus.test`.
async fn org_with_connection(app: &TestApp, slug: &str) -> (Client, String) {
    let (_, emails) = org_with(app, slug, &[RoleKey::OrgAdmin]).await;
    let mut admin = Client::new(app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let created = admin
        .gql(
            "mutation C($i: CreateSsoConnectionInput!) { createSsoConnection(input: $i) { id redirectUri hasClientSecret emailDomains defaultRole } }",
            json!({ "i": {
                "name": "Staff directory",
                "issuer": issuer(),
                "clientId": "caucus-native",
                "emailDomains": ["SSO.caucus.test", "@sso.caucus.test"],
                "defaultRole": "MEDIATOR"
            } }),
        )
        .await;
    assert_ok(&created);
    let connection = &created["data"]["createSsoConnection"];
    assert_eq!(connection["emailDomains"], json!(["sso.caucus.test"]));
    assert_eq!(connection["hasClientSecret"], false);
    assert_eq!(
        connection["redirectUri"],
        app.state.sso.callback_url(),
        "{connection}"
    );
    (admin, connection["id"].as_str().unwrap().to_owned())
}

/// The provider's authorization URL for the connection, and the state in it.
async fn start(app: &TestApp, idp: &reqwest::Client, connection: &str) -> (String, String) {
    let response = idp
        .get(app.url(&format!("/auth/sso/{connection}/start?portal=admin")))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let authorize = location(&response);
    assert!(authorize.starts_with(&issuer()), "{authorize}");
    let url = url::Url::parse(&authorize).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query.contains_key("nonce") && query.contains_key("state"));
    (authorize, query["state"].clone())
}

/// Signs in at the provider; returns the callback URL it sends the browser to.
async fn log_in_at_provider(idp: &reqwest::Client, authorize: &str, username: &str) -> String {
    let response = idp.get(authorize).send().await.unwrap();
    let login = absolute(authorize, &location(&response));
    let page = idp.get(&login).send().await.unwrap().text().await.unwrap();
    let id = page
        .split("name=\"id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login form's request id")
        .to_owned();
    let posted = idp
        .post(login.split('?').next().unwrap())
        .form(&[
            ("id", id.as_str()),
            ("username", username),
            ("password", IDP_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let mut next = absolute(&login, &location(&posted));
    // The provider may bounce through its own callback before ours.
    for _ in 0..5 {
        if next.contains("/auth/sso/callback") {
            return next;
        }
        let response = idp.get(&next).send().await.unwrap();
        next = absolute(&next, &location(&response));
    }
    panic!("the provider never sent the browser back: {next}");
}

/// Follows our callback; returns the fragment of the portal URL it sends to.
async fn callback(idp: &reqwest::Client, url: &str) -> String {
    let response = idp.get(url).send().await.unwrap();
    let to = location(&response);
    assert!(to.contains("/sso#"), "{to}");
    to.split_once('#').unwrap().1.to_owned()
}

async fn complete(client: &mut Client, fragment: &str) -> Value {
    let token = fragment.strip_prefix("token=").unwrap_or(fragment);
    client
        .gql(
            "mutation S($t: String!) { completeSsoSignIn(token: $t) { viewer { roles user { email name } organization { slug } } } }",
            json!({ "t": token }),
        )
        .await
}

#[tokio::test]
async fn people_of_the_allowed_domain_sign_in_and_are_provisioned_once() {
    captured();
    let app = testkit::spawn().await;
    let (mut admin, connection) = org_with_connection(&app, "sso-jit").await;
    // The sign-in page lists the connection.
    let branding = admin
        .gql(
            "{ branding(slug: \"sso-jit\") { ssoConnections { id name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        branding["data"]["branding"]["ssoConnections"],
        json!([{ "id": connection, "name": "Staff directory" }])
    );

    for round in 0..2 {
        let idp = browser();
        let (authorize, _) = start(&app, &idp, &connection).await;
        let back = log_in_at_provider(&idp, &authorize, "casey@sso.caucus.test").await;
        let fragment = callback(&idp, &back).await;
        assert!(fragment.starts_with("token="), "round {round}: {fragment}");
        let mut portal = Client::new(&app);
        let signed = complete(&mut portal, &fragment).await;
        assert_ok(&signed);
        let viewer = &signed["data"]["completeSsoSignIn"]["viewer"];
        assert_eq!(viewer["user"]["email"], "casey@sso.caucus.test");
        assert_eq!(viewer["user"]["name"], "Casey Single-Sign-On");
        assert_eq!(viewer["roles"], json!(["MEDIATOR"]));
        assert_eq!(viewer["organization"]["slug"], "sso-jit");
        assert!(portal.cookie.is_some());
        // The handoff works once.
        let mut thief = Client::new(&app);
        let replay = complete(&mut thief, &fragment).await;
        assert_eq!(error_code(&replay), "LINK_EXPIRED", "{replay}");
    }
    // One account, one role: the second sign-in found the first one's account.
    let members = admin
        .gql(
            "{ members(first: 20) { edges { node { email roles } } } }",
            json!({}),
        )
        .await;
    let casey: Vec<_> = members["data"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["email"] == "casey@sso.caucus.test")
        .collect();
    assert_eq!(casey.len(), 1, "{members}");
    assert_eq!(casey[0]["node"]["roles"], json!(["MEDIATOR"]));
    // The canary check over the flow: the provider's person, by address and
    // name, never reached logs or spans.
    Canary {
        markers: vec![
            "casey@sso.caucus.test".to_owned(),
            "Casey Single-Sign-On".to_owned(),
        ],
    }
    .assert_absent(&[]);
}

#[tokio::test]
async fn forged_replayed_and_disallowed_sign_ins_are_refused() {
    let app = testkit::spawn().await;
    let (mut admin, connection) = org_with_connection(&app, "sso-bad").await;
    let idp = browser();

    // A callback with a state we never issued.
    let forged = callback(
        &idp,
        &app.url("/auth/sso/callback?code=anything&state=forged-state-value"),
    )
    .await;
    assert_eq!(forged, "error=LINK_EXPIRED");

    // A real callback, replayed: its state was spent the first time.
    let (authorize, _) = start(&app, &idp, &connection).await;
    let back = log_in_at_provider(&idp, &authorize, "casey@sso.caucus.test").await;
    assert!(callback(&idp, &back).await.starts_with("token="));
    assert_eq!(callback(&idp, &back).await, "error=LINK_EXPIRED");

    // A nonce that does not match the ID token's: stand in for an attacker who
    // swapped the pending sign-in by rewriting it in Redis.
    let (authorize, state) = start(&app, &idp, &connection).await;
    let back = log_in_at_provider(&idp, &authorize, "robin@sso.caucus.test").await;
    let key = app.state.kv.key(&format!(
        "sso-state:{}",
        hex::encode(sha2::Sha256::digest(state.as_bytes()))
    ));
    let stored: String = app.state.kv.pool().get(&key).await.unwrap();
    let mut pending: Value = serde_json::from_str(&stored).unwrap();
    pending["nonce"] = json!("a-nonce-the-provider-never-saw");
    let _: () = app
        .state
        .kv
        .pool()
        .set(&key, pending.to_string(), None, None, false)
        .await
        .unwrap();
    assert_eq!(callback(&idp, &back).await, "error=INVALID_CREDENTIALS");

    // Addresses outside the connection's domains, and unverified ones.
    for who in ["outsider@elsewhere.test", "unverified@sso.caucus.test"] {
        let idp = browser();
        let (authorize, _) = start(&app, &idp, &connection).await;
        let back = log_in_at_provider(&idp, &authorize, who).await;
        assert_eq!(callback(&idp, &back).await, "error=FORBIDDEN", "{who}");
    }
    let members = admin
        .gql(
            "{ members(first: 20) { edges { node { email } } } }",
            json!({}),
        )
        .await;
    let text = members.to_string();
    assert!(
        !text.contains("outsider@") && !text.contains("unverified@") && !text.contains("robin@"),
        "{text}"
    );

    // A disabled connection cannot be started.
    let disabled = admin
        .gql(
            "mutation D($id: ID!) { setSsoConnectionEnabled(id: $id, enabled: false) }",
            json!({ "id": connection }),
        )
        .await;
    assert_ok(&disabled);
    let response = idp
        .get(app.url(&format!("/auth/sso/{connection}/start?portal=admin")))
        .send()
        .await
        .unwrap();
    assert!(location(&response).ends_with("/sso#error=NOT_FOUND"));
    let response = idp
        .get(app.url("/auth/sso/not-a-uuid/start"))
        .send()
        .await
        .unwrap();
    assert!(location(&response).ends_with("/sso#error=NOT_FOUND"));
}

#[tokio::test]
async fn connections_are_managed_by_their_own_org_admins_only() {
    let app = testkit::spawn().await;
    let (_, connection) = org_with_connection(&app, "sso-own").await;
    let (_, emails) = org_with(&app, "sso-other", &[RoleKey::OrgAdmin, RoleKey::Mediator]).await;
    let mut other_admin = Client::new(&app);
    assert_ok(&other_admin.sign_in(&emails[0], PASSWORD).await);
    let listed = other_admin
        .gql("{ ssoConnections { id } }", json!({}))
        .await;
    assert_eq!(listed["data"]["ssoConnections"], json!([]));
    for mutation in [
        "mutation D($id: ID!) { setSsoConnectionEnabled(id: $id, enabled: false) }",
        "mutation D($id: ID!) { deleteSsoConnection(id: $id) }",
    ] {
        let refused = other_admin.gql(mutation, json!({ "id": connection })).await;
        assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    }
    let mut mediator = Client::new(&app);
    assert_ok(&mediator.sign_in(&emails[1], PASSWORD).await);
    let refused = mediator.gql("{ ssoConnections { id } }", json!({})).await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    // Bad input: each a typed error naming the field, nothing stored.
    let bad = [
        (json!({ "issuer": "http://idp.example.org" }), "issuer"),
        (json!({ "emailDomains": [] }), "emailDomains"),
        (json!({ "emailDomains": ["not a domain"] }), "emailDomains"),
        (json!({ "defaultRole": "ORG_ADMIN" }), "defaultRole"),
        (json!({ "name": " " }), "name"),
    ];
    for (change, field) in bad {
        let mut input = json!({
            "name": "Directory",
            "issuer": "https://idp.example.org",
            "clientId": "caucus",
            "clientSecret": "s3cret",
            "emailDomains": ["example.org"],
            "defaultRole": "PARTY"
        });
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let refused = other_admin
            .gql(
                "mutation C($i: CreateSsoConnectionInput!) { createSsoConnection(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        assert_eq!(
            error_code(&refused),
            "VALIDATION_FAILED",
            "{field}: {refused}"
        );
        assert_eq!(refused["errors"][0]["extensions"]["field"], field);
    }
    let still = other_admin
        .gql("{ ssoConnections { id } }", json!({}))
        .await;
    assert_eq!(still["data"]["ssoConnections"], json!([]));
    // A confidential client's secret is sealed, never shown.
    let created = other_admin
        .gql(
            "mutation C($i: CreateSsoConnectionInput!) { createSsoConnection(input: $i) { hasClientSecret } }",
            json!({ "i": {
                "name": "Directory", "issuer": "https://idp.example.org", "clientId": "caucus",
                "clientSecret": "s3cret-value", "emailDomains": ["example.org"], "defaultRole": "PARTY"
            } }),
        )
        .await;
    assert_eq!(
        created["data"]["createSsoConnection"]["hasClientSecret"],
        true
    );
    assert!(!created.to_string().contains("s3cret-value"));
}
