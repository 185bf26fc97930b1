//! Repeated failed sign-ins are throttled per account and per address.

use std::time::Duration;

use caucus_api::authz::RoleKey;
use caucus_api::testkit;

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

#[tokio::test]
async fn failures_lock_an_account_for_the_window_even_with_the_right_password() {
    let app = testkit::spawn_with(|s| {
        s.throttle.sign_in_failures_per_account = 3;
        s.throttle.sign_in_failures_per_address = 100;
        s.throttle.window_secs = 2;
    })
    .await;
    let (_, emails) = org_with(&app, "locked", &[RoleKey::Mediator, RoleKey::Mediator]).await;
    let mut client = Client::new(&app);
    for _ in 0..3 {
        assert_eq!(
            error_code(&client.sign_in(&emails[0], "wrong password!").await),
            "INVALID_CREDENTIALS"
        );
    }
    let limited = client.sign_in(&emails[0], PASSWORD).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED");
    assert!(client.cookie.is_none());
    // The same answer for an address that has no account: nothing is revealed.
    for _ in 0..3 {
        client
            .sign_in("ghost@locked.example", "wrong password!")
            .await;
    }
    assert_eq!(
        error_code(&client.sign_in("ghost@locked.example", PASSWORD).await),
        "RATE_LIMITED"
    );
    // Another account from the same address is unaffected.
    assert_ok(&client.sign_in(&emails[1], PASSWORD).await);
    // After the window the account signs in again, and success clears its count.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    assert_eq!(
        error_code(&client.sign_in(&emails[0], "wrong password!").await),
        "INVALID_CREDENTIALS"
    );
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
}

#[tokio::test]
async fn failures_across_accounts_lock_the_address() {
    let app = testkit::spawn_with(|s| {
        s.throttle.sign_in_failures_per_account = 100;
        s.throttle.sign_in_failures_per_address = 4;
    })
    .await;
    let (_, emails) = org_with(&app, "spray", &[RoleKey::Party]).await;
    let mut client = Client::new(&app);
    for i in 0..4 {
        let body = client
            .sign_in(&format!("victim{i}@spray.example"), "Winter2026!")
            .await;
        assert_eq!(error_code(&body), "INVALID_CREDENTIALS");
    }
    assert_eq!(
        error_code(&client.sign_in(&emails[0], PASSWORD).await),
        "RATE_LIMITED"
    );
}
