//! Passkeys end to end against the API, with a software passkey from the
//! webauthn-rs project standing in for the browser's authenticator.

use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const PORTAL: &str = "http://localhost:8082";
const ME: &str = "{ me { mfaEnrollmentRequired user { email } } }";
const FINISH_REGISTRATION: &str = "mutation F($c: String!, $k: String!, $n: String!) { finishPasskeyRegistration(challengeId: $c, credential: $k, name: $n) { id name lastUsedAt } }";
const FINISH_SIGN_IN: &str = "mutation F($c: String!, $k: String!) { finishPasskeySignIn(challengeId: $c, credential: $k) { viewer { roles user { email } } } }";

type Authenticator = WebauthnAuthenticator<SoftPasskey>;

fn authenticator() -> Authenticator {
    WebauthnAuthenticator::new(SoftPasskey::new(true))
}

/// Registers a passkey for the signed-in client; returns the registration answer.
async fn register(client: &mut Client, key: &mut Authenticator, origin: &str) -> (String, Value) {
    let started = client
        .gql(
            "mutation { startPasskeyRegistration { challengeId options } }",
            json!({}),
        )
        .await;
    assert_ok(&started);
    let challenge = &started["data"]["startPasskeyRegistration"];
    let options: CreationChallengeResponse =
        serde_json::from_str(challenge["options"].as_str().unwrap()).unwrap();
    let credential = key
        .do_registration(Url::parse(origin).unwrap(), options)
        .unwrap();
    let answer = serde_json::to_string(&credential).unwrap();
    let finished = client
        .gql(
            FINISH_REGISTRATION,
            json!({ "c": challenge["challengeId"], "k": answer, "n": "Work laptop" }),
        )
        .await;
    (
        answer,
        json!({ "challenge": challenge["challengeId"], "finished": finished }),
    )
}

/// Starts a passkey sign-in; returns the challenge id and the authenticator's answer.
async fn answer_sign_in(
    client: &mut Client,
    key: &mut Authenticator,
    email: &str,
    origin: &str,
) -> (String, String) {
    let started = client
        .gql(
            "mutation S($e: String!) { startPasskeySignIn(email: $e) { challengeId options } }",
            json!({ "e": email }),
        )
        .await;
    assert_ok(&started);
    let challenge = &started["data"]["startPasskeySignIn"];
    let options: RequestChallengeResponse =
        serde_json::from_str(challenge["options"].as_str().unwrap()).unwrap();
    let credential = key
        .do_authentication(Url::parse(origin).unwrap(), options)
        .unwrap();
    (
        challenge["challengeId"].as_str().unwrap().to_owned(),
        serde_json::to_string(&credential).unwrap(),
    )
}

/// A signed-in party, their email, and the email of a second party of the
/// same organization (who has no passkey).
async fn signed_in_party(app: &TestApp, slug: &str) -> (Client, String, String) {
    let (_, emails) = org_with(app, slug, &[RoleKey::Party, RoleKey::Party]).await;
    let mut client = Client::new(app);
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    (client, emails[0].clone(), emails[1].clone())
}

#[tokio::test]
async fn a_party_sets_up_a_passkey_and_signs_in_with_it_alone() {
    let app = testkit::spawn().await;
    let (mut party, email, _) = signed_in_party(&app, "passkey").await;
    let mut key = authenticator();
    let (answer, registration) = register(&mut party, &mut key, PORTAL).await;
    let finished = &registration["finished"];
    assert_ok(finished);
    assert_eq!(
        finished["data"]["finishPasskeyRegistration"]["name"],
        "Work laptop"
    );
    // The registration challenge works once.
    let replay = party
        .gql(
            FINISH_REGISTRATION,
            json!({ "c": registration["challenge"], "k": answer, "n": "Again" }),
        )
        .await;
    assert_eq!(error_code(&replay), "LINK_EXPIRED", "{replay}");
    let listed = party.gql("{ myPasskeys { name } }", json!({})).await;
    assert_eq!(
        listed["data"]["myPasskeys"],
        json!([{ "name": "Work laptop" }])
    );

    // A new browser signs in with the passkey, no password.
    let mut browser = Client::new(&app);
    let (challenge, answer) = answer_sign_in(&mut browser, &mut key, &email, PORTAL).await;
    let signed = browser
        .gql(FINISH_SIGN_IN, json!({ "c": challenge, "k": answer }))
        .await;
    assert_ok(&signed);
    assert_eq!(
        signed["data"]["finishPasskeySignIn"]["viewer"]["user"]["email"],
        email.as_str()
    );
    assert_eq!(
        browser.gql(ME, json!({})).await["data"]["me"]["user"]["email"],
        email.as_str()
    );
    // The same answer again is a replay: the challenge is spent.
    let mut thief = Client::new(&app);
    let replayed = thief
        .gql(FINISH_SIGN_IN, json!({ "c": challenge, "k": answer }))
        .await;
    assert_eq!(error_code(&replayed), "LINK_EXPIRED", "{replayed}");
    assert!(thief.cookie.is_none());
    let used = party.gql("{ myPasskeys { lastUsedAt } }", json!({})).await;
    assert!(
        used["data"]["myPasskeys"][0]["lastUsedAt"].is_string(),
        "{used}"
    );
}

#[tokio::test]
async fn forged_replayed_and_malformed_passkey_answers_are_refused() {
    let app = testkit::spawn().await;
    let (mut party, email, without_passkey) = signed_in_party(&app, "passkey-bad").await;
    let mut key = authenticator();
    assert_ok(&register(&mut party, &mut key, PORTAL).await.1["finished"]);
    let mut browser = Client::new(&app);

    // An answer made for one challenge, sent with another.
    let (_, first_answer) = answer_sign_in(&mut browser, &mut key, &email, PORTAL).await;
    let (second, _) = answer_sign_in(&mut browser, &mut key, &email, PORTAL).await;
    let crossed = browser
        .gql(FINISH_SIGN_IN, json!({ "c": second, "k": first_answer }))
        .await;
    assert_eq!(error_code(&crossed), "INVALID_CREDENTIALS", "{crossed}");

    // An answer made for another origin than the portals' is refused (the
    // browser binds the origin into what the passkey signs).
    let (challenge, phished) =
        answer_sign_in(&mut browser, &mut key, &email, "https://localhost:8443").await;
    let refused = browser
        .gql(FINISH_SIGN_IN, json!({ "c": challenge, "k": phished }))
        .await;
    assert_eq!(error_code(&refused), "INVALID_CREDENTIALS", "{refused}");

    // Another person's passkey answer for this account's challenge.
    let mut stranger_key = authenticator();
    let (_, stranger_emails) = org_with(&app, "passkey-other", &[RoleKey::Party]).await;
    let mut stranger = Client::new(&app);
    assert_ok(&stranger.sign_in(&stranger_emails[0], PASSWORD).await);
    assert_ok(&register(&mut stranger, &mut stranger_key, PORTAL).await.1["finished"]);
    let (challenge, _) = answer_sign_in(&mut browser, &mut key, &email, PORTAL).await;
    let (_, strangers_answer) =
        answer_sign_in(&mut browser, &mut stranger_key, &stranger_emails[0], PORTAL).await;
    let wrong_key = browser
        .gql(
            FINISH_SIGN_IN,
            json!({ "c": challenge, "k": strangers_answer }),
        )
        .await;
    assert_eq!(error_code(&wrong_key), "INVALID_CREDENTIALS", "{wrong_key}");

    // Malformed and oversized answers get a typed error.
    let (challenge, _) = answer_sign_in(&mut browser, &mut key, &email, PORTAL).await;
    let malformed = browser
        .gql(FINISH_SIGN_IN, json!({ "c": challenge, "k": "{not json" }))
        .await;
    assert_eq!(error_code(&malformed), "VALIDATION_FAILED", "{malformed}");
    let oversized = browser
        .gql(FINISH_SIGN_IN, json!({ "c": "x", "k": "a".repeat(20_000) }))
        .await;
    assert!(oversized.get("errors").is_some(), "{oversized}");
    assert!(browser.cookie.is_none(), "no answer signed anyone in");

    // Unknown addresses and accounts without a passkey get the same answer.
    for address in ["nobody@nowhere.example", without_passkey.as_str()] {
        let started = browser
            .gql(
                "mutation S($e: String!) { startPasskeySignIn(email: $e) { challengeId } }",
                json!({ "e": address }),
            )
            .await;
        assert_eq!(error_code(&started), "INVALID_CREDENTIALS", "{started}");
    }

    // A registration challenge belongs to the person who started it.
    let started = party
        .gql(
            "mutation { startPasskeyRegistration { challengeId options } }",
            json!({}),
        )
        .await;
    let challenge = started["data"]["startPasskeyRegistration"]["challengeId"].clone();
    let options: CreationChallengeResponse = serde_json::from_str(
        started["data"]["startPasskeyRegistration"]["options"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let credential = authenticator()
        .do_registration(Url::parse(PORTAL).unwrap(), options)
        .unwrap();
    let hijack = stranger
        .gql(
            FINISH_REGISTRATION,
            json!({ "c": challenge, "k": serde_json::to_string(&credential).unwrap(), "n": "Mine" }),
        )
        .await;
    assert_eq!(error_code(&hijack), "LINK_EXPIRED", "{hijack}");
    let mine = stranger.gql("{ myPasskeys { name } }", json!({})).await;
    assert_eq!(mine["data"]["myPasskeys"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_passkey_meets_the_mfa_policy_and_then_is_required() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(
        &app,
        "passkey-policy",
        &[RoleKey::OrgAdmin, RoleKey::Mediator],
    )
    .await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    assert_ok(
        &admin
            .gql(
                "mutation { updateOrganization(input: { mfaRequiredRoles: [MEDIATOR] }) { id } }",
                json!({}),
            )
            .await,
    );
    let mut mediator = Client::new(&app);
    assert_ok(&mediator.sign_in(&emails[1], PASSWORD).await);
    assert_eq!(
        mediator.gql(ME, json!({})).await["data"]["me"]["mfaEnrollmentRequired"],
        true
    );
    let mut key = authenticator();
    assert_ok(
        &register(&mut mediator, &mut key, "http://localhost:8081")
            .await
            .1["finished"],
    );
    // Set-up renewed the session: the organization is open now.
    assert_eq!(
        mediator.gql(ME, json!({})).await["data"]["me"]["mfaEnrollmentRequired"],
        false
    );
    assert_ok(&mediator.gql("{ organization { id } }", json!({})).await);
    // The password alone no longer does.
    let mut again = Client::new(&app);
    let refused = again.sign_in(&emails[1], PASSWORD).await;
    assert_eq!(error_code(&refused), "PASSKEY_REQUIRED", "{refused}");
    assert!(again.cookie.is_none());
    let (challenge, answer) =
        answer_sign_in(&mut again, &mut key, &emails[1], "http://localhost:8081").await;
    let signed = again
        .gql(FINISH_SIGN_IN, json!({ "c": challenge, "k": answer }))
        .await;
    assert_ok(&signed);
    assert_eq!(
        again.gql(ME, json!({})).await["data"]["me"]["mfaEnrollmentRequired"],
        false
    );
    let log = admin
        .gql(
            "{ auditLog(first: 50) { edges { node { action targetId } } } }",
            json!({}),
        )
        .await;
    let text = log.to_string();
    assert!(text.contains("identity.passkey_added"), "{log}");
    assert!(text.contains("\"targetId\":\"passkey\""), "{log}");
}
