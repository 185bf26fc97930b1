//! Two-step sign-in with TOTP and recovery codes.

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use totp_rs::Secret;

use crate::support::{Client, PASSWORD, assert_ok, code_for, error_code, org_with};

const VERIFY: &str = "mutation V($c: String!, $k: String!) { verifyMfa(challenge: $c, code: $k) { viewer { roles } } }";

fn challenge_of(body: &Value) -> String {
    assert_eq!(error_code(body), "MFA_REQUIRED", "{body}");
    body["errors"][0]["extensions"]["challenge"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn enrolment_then_two_step_sign_in_with_codes_that_work_once() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "twostep", &[RoleKey::Mediator]).await;
    let mut mediator = Client::new(&app);
    assert_ok(&mediator.sign_in(&emails[0], PASSWORD).await);
    let started = mediator
        .gql(
            "mutation { startTotpEnrollment { otpauthUri secret qrSvg } }",
            json!({}),
        )
        .await;
    assert_ok(&started);
    let enrollment = &started["data"]["startTotpEnrollment"];
    let secret = enrollment["secret"].as_str().unwrap().to_owned();
    assert!(
        enrollment["otpauthUri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Caucus")
    );
    assert!(enrollment["qrSvg"].as_str().unwrap().contains("<svg"));
    // The secret is sealed at rest.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let sealed: Vec<u8> = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT secret_sealed FROM mfa_totp",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "secret_sealed")
        .unwrap();
    let raw = Secret::Encoded(secret.clone()).to_bytes().unwrap();
    assert!(!sealed.windows(raw.len()).any(|w| w == raw.as_slice()));

    let confirm = "mutation C($k: String!) { confirmTotpEnrollment(code: $k) { recoveryCodes } }";
    let wrong = mediator.gql(confirm, json!({ "k": "000000" })).await;
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "code");
    let confirmed = mediator
        .gql(confirm, json!({ "k": code_for(&secret, 0) }))
        .await;
    let recovery: Vec<String> = confirmed["data"]["confirmTotpEnrollment"]["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);

    // The password alone no longer signs in.
    let mut browser = Client::new(&app);
    let challenge = challenge_of(&browser.sign_in(&emails[0], PASSWORD).await);
    assert!(browser.cookie.is_none());
    // A wrong code is refused; the code already used for set-up cannot be replayed.
    assert_eq!(
        error_code(
            &browser
                .gql(VERIFY, json!({ "c": challenge, "k": "123456" }))
                .await
        ),
        "INVALID_CREDENTIALS"
    );
    assert_eq!(
        error_code(
            &browser
                .gql(VERIFY, json!({ "c": challenge, "k": code_for(&secret, 0) }))
                .await
        ),
        "INVALID_CREDENTIALS",
        "a code works once"
    );
    let next = code_for(&secret, 1);
    let signed = browser
        .gql(VERIFY, json!({ "c": challenge, "k": next }))
        .await;
    assert_eq!(
        signed["data"]["verifyMfa"]["viewer"]["roles"],
        json!(["MEDIATOR"])
    );
    assert!(browser.cookie.is_some());
    // The challenge is spent.
    assert_eq!(
        error_code(
            &browser
                .gql(VERIFY, json!({ "c": challenge, "k": next }))
                .await
        ),
        "LINK_EXPIRED"
    );

    // A recovery code works, once.
    let mut other = Client::new(&app);
    let challenge = challenge_of(&other.sign_in(&emails[0], PASSWORD).await);
    assert_ok(
        &other
            .gql(
                VERIFY,
                json!({ "c": challenge, "k": recovery[0].to_uppercase() }),
            )
            .await,
    );
    let mut third = Client::new(&app);
    let challenge = challenge_of(&third.sign_in(&emails[0], PASSWORD).await);
    assert_eq!(
        error_code(
            &third
                .gql(VERIFY, json!({ "c": challenge, "k": recovery[0] }))
                .await
        ),
        "INVALID_CREDENTIALS"
    );
    let log = mediator.gql("{ me { roles } }", json!({})).await;
    assert!(log["data"]["me"].is_object());
}

#[tokio::test]
async fn challenges_are_bounded_and_unforgeable() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "bounded", &[RoleKey::OrgAdmin]).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let started = admin
        .gql("mutation { startTotpEnrollment { secret } }", json!({}))
        .await;
    let secret = started["data"]["startTotpEnrollment"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ok(
        &admin
            .gql(
                "mutation C($k: String!) { confirmTotpEnrollment(code: $k) { recoveryCodes } }",
                json!({ "k": code_for(&secret, 0) }),
            )
            .await,
    );
    assert_eq!(
        error_code(
            &admin
                .gql("mutation { startTotpEnrollment { secret } }", json!({}))
                .await
        ),
        "CONFLICT"
    );

    let mut browser = Client::new(&app);
    assert_eq!(
        error_code(
            &browser
                .gql(VERIFY, json!({ "c": "forged", "k": "123456" }))
                .await
        ),
        "LINK_EXPIRED"
    );
    let challenge = challenge_of(&browser.sign_in(&emails[0], PASSWORD).await);
    for _ in 0..5 {
        assert_eq!(
            error_code(
                &browser
                    .gql(VERIFY, json!({ "c": challenge, "k": "000000" }))
                    .await
            ),
            "INVALID_CREDENTIALS"
        );
    }
    // Guessing is over: even the right code no longer helps with this challenge.
    assert_eq!(
        error_code(
            &browser
                .gql(VERIFY, json!({ "c": challenge, "k": code_for(&secret, 1) }))
                .await
        ),
        "LINK_EXPIRED"
    );
    // A wrong password still says nothing about the second factor.
    assert_eq!(
        error_code(&browser.sign_in(&emails[0], "not the password").await),
        "INVALID_CREDENTIALS"
    );
}
