//! The canary check over the seed, sign-in, reads, and failing requests.

use caucus_api::authz::RoleKey;
use caucus_api::seed::{SeedAccount, seed_org};
use caucus_api::testkit;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::support::{Canary, Client, PASSWORD, assert_ok, captured, error_code};

#[tokio::test]
async fn personal_data_and_content_never_reach_logs_spans_or_error_responses() {
    captured();
    let app = testkit::spawn().await;
    let mut canary = Canary::new();
    let admin_email = format!("{}@example.org", canary.marker("email"));
    let party_email = format!("{}@example.org", canary.marker("email"));
    let admin_name = canary.marker("name");
    let party_name = canary.marker("name");
    let org_name = canary.marker("org");

    // The seed, with markers in every personal field.
    seed_org(
        app.owner_url().expose_secret(),
        "canary-org",
        &org_name,
        &[
            SeedAccount {
                email: &admin_email,
                name: &admin_name,
                role: RoleKey::OrgAdmin,
            },
            SeedAccount {
                email: &party_email,
                name: &party_name,
                role: RoleKey::Party,
            },
        ],
        PASSWORD,
    )
    .await
    .unwrap();

    let mut responses_to_others = Vec::new();

    // A failing sign-in with a marker password, then a good one.
    let wrong_password = canary.marker("password");
    let mut client = Client::new(&app);
    let failed = client.sign_in(&admin_email, &wrong_password).await;
    assert_eq!(error_code(&failed), "INVALID_CREDENTIALS");
    responses_to_others.push(failed.to_string());
    let unknown = client
        .sign_in(&format!("{}@example.org", canary.marker("email")), PASSWORD)
        .await;
    assert_eq!(error_code(&unknown), "INVALID_CREDENTIALS");
    responses_to_others.push(unknown.to_string());
    assert_ok(&client.sign_in(&admin_email, PASSWORD).await);

    // Reads that carry the data to its rightful viewer.
    let me = client
        .gql(
            "query Me { me { user { email name } organization { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["user"]["email"], admin_email.as_str());
    let members = client
        .gql(
            "query People { members(first: 10) { edges { node { name email } } } }",
            json!({}),
        )
        .await;
    assert_ok(&members);

    // Failing writes: a validation error and an internal error, both carrying
    // markers in their input.
    let invalid_colour = canary.marker("colour");
    let refused = client
        .gql(
            "mutation Rename($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { name } }",
            json!({ "input": { "name": canary.marker("newname"), "brandColor": format!("#{invalid_colour}") } }),
        )
        .await;
    assert_eq!(error_code(&refused), "VALIDATION_FAILED");
    responses_to_others.push(refused.to_string());
    let nul_name = format!("{}\u{0}x", canary.marker("nul"));
    let internal = client
        .gql(
            "mutation Rename($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { name } }",
            json!({ "input": { "name": nul_name } }),
        )
        .await;
    assert_eq!(error_code(&internal), "INTERNAL");
    let event_id = internal["errors"][0]["extensions"]["eventId"]
        .as_str()
        .unwrap()
        .to_owned();
    responses_to_others.push(internal.to_string());

    // Nothing was written by the failing requests.
    let org = client
        .gql("query Org { organization { name } }", json!({}))
        .await;
    assert_eq!(org["data"]["organization"]["name"], org_name.as_str());

    // The internal error was logged under its event id, with no content.
    let logs = captured().logs();
    assert!(
        logs.contains(&event_id),
        "the event id is logged for operators"
    );
    // One span per operation, named by operation name, never by query text.
    let names = captured().span_names();
    assert!(names.iter().any(|n| n == "graphql SignIn"), "{names:?}");
    assert!(names.iter().any(|n| n == "graphql People"), "{names:?}");
    assert!(!captured().spans().contains("updateOrganization(input"));

    let extra: Vec<&str> = responses_to_others.iter().map(String::as_str).collect();
    canary.assert_absent(&extra);
}

#[tokio::test]
async fn the_sign_up_flow_leaks_no_email_name_or_password() {
    captured();
    let app = testkit::spawn().await;
    let mut canary = Canary::new();
    let (_, emails) = crate::support::org_with(&app, "canary-signup", &[RoleKey::OrgAdmin]).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let invitee = format!("{}@example.org", canary.marker("invitee"));
    assert_ok(
        &admin
            .gql(
                "mutation I($e: String!) { inviteMember(input: { email: $e, role: PARTY }) }",
                json!({ "e": invitee }),
            )
            .await,
    );
    let messages = crate::support::wait_for_mail(&invitee, 1).await;
    let text = crate::support::mail_body(&messages[0]).await["Text"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = text
        .split("/invitation#")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let name = canary.marker("name");
    let password = format!("{} horse staple", canary.marker("password"));
    let mut party = Client::new(&app);
    let weak = party
        .gql(
            "mutation A($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { viewer { roles } } }",
            json!({ "i": { "token": token, "name": name, "password": "password123456", "timezone": "UTC" } }),
        )
        .await;
    assert_eq!(error_code(&weak), "VALIDATION_FAILED");
    let accepted = party
        .gql(
            "mutation A($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { viewer { roles } } }",
            json!({ "i": { "token": token, "name": name, "password": password, "timezone": "UTC" } }),
        )
        .await;
    assert_ok(&accepted);
    let mut again = Client::new(&app);
    assert_ok(&again.sign_in(&invitee, &password).await);
    assert_eq!(
        error_code(&again.sign_in(&invitee, &canary.marker("wrong")).await),
        "INVALID_CREDENTIALS"
    );
    canary.assert_absent(&[&weak.to_string()]);
}

#[tokio::test]
async fn reset_two_step_passkey_and_partner_flows_leak_no_personal_data_or_secrets() {
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    use webauthn_authenticator_rs::prelude::Url;
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

    captured();
    let app = testkit::spawn().await;
    let mut canary = Canary::new();
    let admin_email = format!("{}@example.org", canary.marker("email"));
    let party_email = format!("{}@example.org", canary.marker("email"));
    let (admin_name, party_name) = (canary.marker("name"), canary.marker("name"));
    seed_org(
        app.owner_url().expose_secret(),
        "canary-flows",
        &canary.marker("org"),
        &[
            SeedAccount {
                email: &admin_email,
                name: &admin_name,
                role: RoleKey::OrgAdmin,
            },
            SeedAccount {
                email: &party_email,
                name: &party_name,
                role: RoleKey::Party,
            },
        ],
        PASSWORD,
    )
    .await
    .unwrap();
    let mut others = Vec::new();

    // Password reset to a marker password.
    let mut party = Client::new(&app);
    let asked = party
        .gql(
            "mutation R($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": party_email }),
        )
        .await;
    others.push(asked.to_string());
    let mail = crate::support::wait_for_mail(&party_email, 1).await;
    let text = crate::support::mail_body(&mail[0]).await["Text"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset_token = text
        .split("/reset-password#")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    canary.markers.push(reset_token.clone());
    let new_password = canary.marker("password");
    assert_ok(
        &party
            .gql(
                "mutation R($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
                json!({ "t": reset_token, "p": new_password }),
            )
            .await,
    );
    assert_ok(&party.sign_in(&party_email, &new_password).await);

    // Two-step sign-in: the secret and the recovery codes are secrets too.
    let secret = crate::support::enrol_totp(&mut party).await;
    canary.markers.push(secret.clone());
    let mut again = Client::new(&app);
    let challenged = again.sign_in(&party_email, &new_password).await;
    assert_eq!(error_code(&challenged), "MFA_REQUIRED");
    let challenge = challenged["errors"][0]["extensions"]["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    canary.markers.push(challenge.clone());
    let wrong = again
        .gql(
            "mutation V($c: String!, $k: String!) { verifyMfa(challenge: $c, code: $k) { viewer { roles } } }",
            json!({ "c": challenge, "k": "000000" }),
        )
        .await;
    others.push(wrong.to_string());
    assert_ok(
        &again
            .gql(
                "mutation V($c: String!, $k: String!) { verifyMfa(challenge: $c, code: $k) { viewer { roles } } }",
                json!({ "c": challenge, "k": crate::support::code_for(&secret, 1) }),
            )
            .await,
    );

    // A passkey with a marker name, then a passkey sign-in.
    let mut key = WebauthnAuthenticator::new(SoftPasskey::new(true));
    let origin = Url::parse("http://localhost:8082").unwrap();
    let started = party
        .gql(
            "mutation { startPasskeyRegistration { challengeId options } }",
            json!({}),
        )
        .await;
    let options: CreationChallengeResponse = serde_json::from_str(
        started["data"]["startPasskeyRegistration"]["options"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let credential = key.do_registration(origin.clone(), options).unwrap();
    assert_ok(
        &party
            .gql(
                "mutation F($c: String!, $k: String!, $n: String!) { finishPasskeyRegistration(challengeId: $c, credential: $k, name: $n) { id } }",
                json!({
                    "c": started["data"]["startPasskeyRegistration"]["challengeId"],
                    "k": serde_json::to_string(&credential).unwrap(),
                    "n": canary.marker("passkey"),
                }),
            )
            .await,
    );
    let mut passkey_browser = Client::new(&app);
    let started = passkey_browser
        .gql(
            "mutation S($e: String!) { startPasskeySignIn(email: $e) { challengeId options } }",
            json!({ "e": party_email }),
        )
        .await;
    let options: RequestChallengeResponse = serde_json::from_str(
        started["data"]["startPasskeySignIn"]["options"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let answer = key.do_authentication(origin, options).unwrap();
    assert_ok(
        &passkey_browser
            .gql(
                "mutation F($c: String!, $k: String!) { finishPasskeySignIn(challengeId: $c, credential: $k) { viewer { roles } } }",
                json!({
                    "c": started["data"]["startPasskeySignIn"]["challengeId"],
                    "k": serde_json::to_string(&answer).unwrap(),
                }),
            )
            .await,
    );
    let unknown = passkey_browser
        .gql(
            "mutation S($e: String!) { startPasskeySignIn(email: $e) { challengeId } }",
            json!({ "e": format!("{}@example.org", canary.marker("email")) }),
        )
        .await;
    others.push(unknown.to_string());

    // Profile changes carry a marker name.
    assert_ok(
        &party
            .gql(
                "mutation P($n: String!) { updateProfile(name: $n) { roles } }",
                json!({ "n": canary.marker("name") }),
            )
            .await,
    );

    // Partner credentials: the account's name, its secret and its tokens.
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&admin_email, PASSWORD).await);
    let created = admin
        .gql(
            "mutation C($n: String!) { createServiceAccount(name: $n, scopes: [ORG_READ]) { clientId clientSecret } }",
            json!({ "n": canary.marker("partner") }),
        )
        .await;
    let account = &created["data"]["createServiceAccount"];
    let client_secret = account["clientSecret"].as_str().unwrap().to_owned();
    canary.markers.push(client_secret.clone());
    let token = reqwest::Client::new()
        .post(app.url("/oauth/token"))
        .basic_auth(account["clientId"].as_str().unwrap(), Some(&client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let access_token = token["access_token"].as_str().unwrap().to_owned();
    canary.markers.push(access_token.clone());
    let read = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(&access_token)
        .json(&json!({ "query": "{ organization { id } }" }))
        .send()
        .await
        .unwrap();
    assert!(read.status().is_success());

    let extra: Vec<&str> = others.iter().map(String::as_str).collect();
    canary.assert_absent(&extra);
}
