//! Sign-in, sessions in Redis, sign-out and timeouts.

use std::time::{Duration, Instant};

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use fred::prelude::*;
use serde_json::json;

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const ME: &str = "query Me { me { user { email } organization { slug } roles } }";

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_sign_out_kills_the_session() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "sessions", &[RoleKey::Mediator]).await;
    let mut client = Client::new(&app);
    let raw = client
        .post_raw(
            json!({
                "query": "mutation SignIn($i: SignInInput!) { signIn(input: $i) { viewer { roles } } }",
                "variables": { "i": { "email": emails[0].to_uppercase(), "password": PASSWORD } }
            })
            .to_string(),
            "application/json",
        )
        .await;
    let cookie = raw
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(
        body["data"]["signIn"]["viewer"]["roles"],
        json!(["MEDIATOR"])
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let token = pair.split_once('=').unwrap().1.to_owned();
    client.cookie = Some(pair.clone());

    let me = client.gql(ME, json!({})).await;
    assert_eq!(me["data"]["me"]["organization"]["slug"], "sessions");

    // Redis holds a hash of the token, never the token.
    let keys = scan_keys(&app).await;
    assert_eq!(keys.len(), 1);
    assert!(!keys[0].contains(&token));

    let out = client.gql("mutation { signOut }", json!({})).await;
    assert_eq!(out["data"]["signOut"], true);
    // Replaying the old cookie after sign-out: the session is gone.
    client.cookie = Some(pair);
    let me = client.gql(ME, json!({})).await;
    assert_eq!(me["data"]["me"], serde_json::Value::Null);
    let org = client.gql("{ organization { id } }", json!({})).await;
    assert_eq!(error_code(&org), "UNAUTHENTICATED");
}

async fn scan_keys(app: &testkit::TestApp) -> Vec<String> {
    let value: Vec<String> = app
        .state
        .kv
        .pool()
        .next()
        .custom(
            fred::types::CustomCommand::new_static("KEYS", None, false),
            vec![app.state.kv.key("session:*")],
        )
        .await
        .unwrap();
    value
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer_in_similar_time() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "enum", &[RoleKey::OrgAdmin]).await;
    let mut client = Client::new(&app);
    // Warm up (the timing equalizer hashes once).
    client
        .sign_in("nobody@enum.example", "whatever-password")
        .await;
    let started = Instant::now();
    let wrong = client.sign_in(&emails[0], "not the password!").await;
    let wrong_time = started.elapsed();
    let started = Instant::now();
    let unknown = client
        .sign_in("nobody-else@enum.example", "not the password!")
        .await;
    let unknown_time = started.elapsed();
    assert_eq!(error_code(&wrong), "INVALID_CREDENTIALS");
    assert_eq!(wrong["errors"], unknown["errors"]);
    assert!(client.cookie.is_none());
    // Both paths verify one argon2id hash; neither may be an order of magnitude faster.
    let (fast, slow) = if wrong_time < unknown_time {
        (wrong_time, unknown_time)
    } else {
        (unknown_time, wrong_time)
    };
    assert!(
        slow < fast * 5 + Duration::from_millis(50),
        "wrong {wrong_time:?} vs unknown {unknown_time:?}"
    );
}

#[tokio::test]
async fn sessions_expire_after_their_idle_timeout() {
    let app = testkit::spawn_with(|s| {
        s.session.idle_timeout_secs = 1;
        s.session.absolute_timeout_secs = 60;
    })
    .await;
    let (_, emails) = org_with(&app, "idle", &[RoleKey::Party]).await;
    let mut client = Client::new(&app);
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    assert!(client.gql(ME, json!({})).await["data"]["me"].is_object());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        client.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn sessions_end_at_their_absolute_timeout_even_when_active() {
    let app = testkit::spawn_with(|s| {
        s.session.idle_timeout_secs = 2;
        s.session.absolute_timeout_secs = 2;
    })
    .await;
    let (_, emails) = org_with(&app, "absolute", &[RoleKey::Party]).await;
    let mut client = Client::new(&app);
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(client.gql(ME, json!({})).await["data"]["me"].is_object());
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        client.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn a_forged_cookie_is_just_signed_out() {
    let app = testkit::spawn().await;
    let mut client = Client::new(&app);
    client.cookie = Some("caucus_session=forged-token-value".to_owned());
    assert_eq!(
        client.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
    client.cookie = Some(format!("caucus_session={}", "x".repeat(4000)));
    assert_eq!(
        client.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
}

const SESSIONS: &str = "{ mySessions { id current ip userAgent } }";

#[tokio::test]
async fn users_list_and_revoke_their_own_sessions_and_can_sign_out_everywhere() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "devices", &[RoleKey::Party, RoleKey::Party]).await;
    let mut laptop = Client::new(&app);
    let mut phone = Client::new(&app);
    let mut tablet = Client::new(&app);
    for client in [&mut laptop, &mut phone, &mut tablet] {
        assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    }
    let mut stranger = Client::new(&app);
    assert_ok(&stranger.sign_in(&emails[1], PASSWORD).await);

    let listed = laptop.gql(SESSIONS, json!({})).await;
    let sessions = listed["data"]["mySessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["ip"] == "127.0.0.1"));
    let theirs = stranger.gql(SESSIONS, json!({})).await["data"]["mySessions"].clone();
    assert_eq!(theirs.as_array().unwrap().len(), 1);

    // Another user's session id cannot be revoked; a malformed one neither.
    let foreign_id = theirs[0]["id"].as_str().unwrap().to_owned();
    let refused = laptop
        .gql(
            "mutation R($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": foreign_id }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");
    let refused = laptop
        .gql("mutation { revokeSession(id: \"../../etc\") }", json!({}))
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");
    assert!(stranger.gql(ME, json!({})).await["data"]["me"].is_object());

    // Revoking the phone's session signs the phone out, nobody else.
    let phone_id = phone.gql(SESSIONS, json!({})).await["data"]["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = laptop
        .gql(
            "mutation R($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": phone_id }),
        )
        .await;
    assert_eq!(revoked["data"]["revokeSession"], true);
    assert_eq!(
        phone.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
    assert!(tablet.gql(ME, json!({})).await["data"]["me"].is_object());

    // Sign out everywhere: every remaining session dies, the other user's does not.
    let tablet_cookie = tablet.cookie.clone();
    let everywhere = laptop
        .gql("mutation { signOutEverywhere }", json!({}))
        .await;
    assert_eq!(everywhere["data"]["signOutEverywhere"], 2);
    tablet.cookie = tablet_cookie;
    assert_eq!(
        tablet.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
    assert!(laptop.cookie.is_none(), "the cookie is cleared");
    assert!(stranger.gql(ME, json!({})).await["data"]["me"].is_object());
}

/// Sessions in use are cached on the replica; a revocation still ends one at
/// once, whether it happens here or anywhere else that deletes it in Redis.
#[tokio::test]
async fn a_revoked_session_is_refused_at_once_though_it_was_cached() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "cached", &[RoleKey::Party]).await;
    let mut laptop = Client::new(&app);
    let mut phone = Client::new(&app);
    for client in [&mut laptop, &mut phone] {
        assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
        for _ in 0..2 {
            assert!(client.gql(ME, json!({})).await["data"]["me"].is_object());
        }
    }
    let key_of = |client: &Client| {
        let pair = client.cookie.clone().unwrap();
        let token = pair.split_once('=').unwrap().1.to_owned();
        app.state.kv.key(&format!(
            "session:{}",
            caucus_api::identity::session::session_id(&token)
        ))
    };
    let cache = app.state.kv.session_cache();
    assert!(cache.contains(&key_of(&laptop)), "the session is cached");
    assert!(cache.contains(&key_of(&phone)), "the session is cached");

    // Revoked on this replica: the very next request is refused.
    let phone_id = phone.gql(SESSIONS, json!({})).await["data"]["mySessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = laptop
        .gql(
            "mutation R($id: ID!) { revokeSession(id: $id) }",
            json!({ "id": phone_id }),
        )
        .await;
    assert_eq!(revoked["data"]["revokeSession"], true);
    assert_eq!(
        phone.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );

    // Deleted in Redis by another client (another replica signing the user
    // out): Redis's invalidation reaches this replica's cache, which drops the
    // entry long before it would go stale, and the session is refused.
    let laptop_key = key_of(&laptop);
    assert!(laptop.gql(ME, json!({})).await["data"]["me"].is_object());
    let other_replica = fred::prelude::Builder::from_config(
        fred::prelude::Config::from_url(&std::env::var("CAUCUS_TEST_REDIS_URL").unwrap()).unwrap(),
    )
    .build()
    .unwrap();
    other_replica.init().await.unwrap();
    let deleted: i64 = other_replica.del(&laptop_key).await.unwrap();
    assert_eq!(deleted, 1);
    let waited = Instant::now();
    while cache.contains(&laptop_key) && waited.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!cache.contains(&laptop_key), "the invalidation arrived");
    assert_eq!(
        laptop.gql(ME, json!({})).await["data"]["me"],
        serde_json::Value::Null
    );
    let _ = other_replica.quit().await;
}
