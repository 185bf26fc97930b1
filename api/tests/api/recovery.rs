//! Password reset and sign-in links: single-use, short-lived, no enumeration.

use std::time::Duration;

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use fred::prelude::*;
use serde_json::json;

use crate::support::{
    Client, PASSWORD, assert_ok, error_code, mail_body, mailpit_messages, org_with, wait_for_mail,
};

fn token_after(text: &str, path: &str) -> String {
    text.split(&format!("{path}#"))
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {path} link in {text}"))
        .to_owned()
}

const RESET: &str =
    "mutation R($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_out_everywhere() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "reset", &[RoleKey::Mediator]).await;
    let mut old_session = Client::new(&app);
    assert_ok(&old_session.sign_in(&emails[0], PASSWORD).await);
    let mut anyone = Client::new(&app);
    let asked = anyone
        .gql(
            "mutation R($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": emails[0] }),
        )
        .await;
    assert_eq!(asked["data"]["requestPasswordReset"], true);
    // Unknown addresses get the same answer, and no email.
    let unknown = format!("nobody-{}@reset.example", uuid::Uuid::new_v4().simple());
    let asked_unknown = anyone
        .gql(
            "mutation R($e: String!) { requestPasswordReset(email: $e) }",
            json!({ "e": unknown }),
        )
        .await;
    assert_eq!(asked_unknown, asked);

    let mails = wait_for_mail(&emails[0], 2).await; // the sign-in notice and the reset link
    let mut reset_text = String::new();
    for message in &mails {
        let body = mail_body(message).await;
        if body["Subject"]
            .as_str()
            .unwrap_or_default()
            .contains("Reset")
        {
            reset_text = body["Text"].as_str().unwrap().to_owned();
        }
    }
    let token = token_after(&reset_text, "/reset-password");
    assert!(
        reset_text.contains("http://localhost:8081/reset-password#"),
        "staff go to the admin portal"
    );

    // A refused password does not spend the link.
    let weak = anyone
        .gql(RESET, json!({ "t": token, "p": "password123456" }))
        .await;
    assert_eq!(weak["errors"][0]["extensions"]["reason"], "common");
    assert_eq!(weak["errors"][0]["extensions"]["field"], "newPassword");
    let done = anyone
        .gql(RESET, json!({ "t": token, "p": "a brand new passphrase" }))
        .await;
    assert_eq!(done["data"]["resetPassword"], true);
    assert_eq!(
        error_code(
            &anyone
                .gql(RESET, json!({ "t": token, "p": "yet another passphrase" }))
                .await
        ),
        "LINK_EXPIRED"
    );
    // Every old session is gone; only the new password works.
    assert_eq!(
        old_session.gql("{ me { roles } }", json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
    assert_eq!(
        error_code(&anyone.sign_in(&emails[0], PASSWORD).await),
        "INVALID_CREDENTIALS"
    );
    assert_ok(&anyone.sign_in(&emails[0], "a brand new passphrase").await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(mailpit_messages(&unknown).await.is_empty());
}

#[tokio::test]
async fn parties_sign_in_by_link_but_staff_cannot_and_links_do_not_cross_purposes() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "magic", &[RoleKey::Party, RoleKey::CaseManager]).await;
    let mut anyone = Client::new(&app);
    let ask = "mutation R($e: String!) { requestSignInLink(email: $e) }";
    assert_eq!(
        anyone.gql(ask, json!({ "e": emails[0] })).await["data"]["requestSignInLink"],
        true
    );
    assert_eq!(
        anyone.gql(ask, json!({ "e": emails[1] })).await["data"]["requestSignInLink"],
        true
    );
    let mails = wait_for_mail(&emails[0], 1).await;
    let text = mail_body(&mails[0]).await["Text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("http://localhost:8082/sign-in-link#"));
    let token = token_after(&text, "/sign-in-link");
    // A sign-in token is not a reset token (and trying spends it).
    let mut other = Client::new(&app);
    let wrong_use = other
        .gql(RESET, json!({ "t": token, "p": "a brand new passphrase" }))
        .await;
    assert_eq!(error_code(&wrong_use), "LINK_EXPIRED");
    // Ask again: the one-email-a-minute limit is cleared in Redis here rather
    // than waited out.
    let _: i64 = app
        .state
        .kv
        .pool()
        .del(scan_limit_keys(&app).await)
        .await
        .unwrap();
    assert_eq!(
        anyone.gql(ask, json!({ "e": emails[0] })).await["data"]["requestSignInLink"],
        true
    );
    let mails = wait_for_mail(&emails[0], 2).await;
    let mut newest = String::new();
    for message in &mails {
        let body = mail_body(message).await;
        let text = body["Text"].as_str().unwrap().to_owned();
        if text.contains("/sign-in-link#") && !text.contains(&token) {
            newest = text;
        }
    }
    let fresh = token_after(&newest, "/sign-in-link");
    let signed = anyone
        .gql(
            "mutation S($t: String!) { signInWithLink(token: $t) { viewer { roles } } }",
            json!({ "t": fresh }),
        )
        .await;
    assert_eq!(
        signed["data"]["signInWithLink"]["viewer"]["roles"],
        json!(["PARTY"])
    );
    assert!(anyone.cookie.is_some());
    let replay = other
        .gql(
            "mutation S($t: String!) { signInWithLink(token: $t) { viewer { roles } } }",
            json!({ "t": fresh }),
        )
        .await;
    assert_eq!(error_code(&replay), "LINK_EXPIRED");
    // The case manager got nothing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(mailpit_messages(&emails[1]).await.iter().all(|m| {
        !m["Subject"]
            .as_str()
            .unwrap_or_default()
            .contains("sign-in link")
    }));
}

async fn scan_limit_keys(app: &testkit::TestApp) -> Vec<String> {
    app.state
        .kv
        .pool()
        .next()
        .custom(
            fred::types::CustomCommand::new_static("KEYS", None, false),
            vec![app.state.kv.key("link-sent:*")],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn link_requests_are_limited_per_account() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "bombs", &[RoleKey::Party]).await;
    let mut anyone = Client::new(&app);
    for _ in 0..5 {
        assert_eq!(
            anyone
                .gql(
                    "mutation R($e: String!) { requestSignInLink(email: $e) }",
                    json!({ "e": emails[0] })
                )
                .await["data"]["requestSignInLink"],
            true
        );
    }
    wait_for_mail(&emails[0], 1).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        mailpit_messages(&emails[0]).await.len(),
        1,
        "one email per minute, not five"
    );
}
