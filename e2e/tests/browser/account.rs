//! The account pages end to end, with the emails read from Mailpit: a party
//! who forgot their password resets it from the emailed link and signs in
//! with the new one, then signs in with an emailed link instead; a party
//! changes their name and time zone and accepts the agreements.

use anyhow::ensure;
use caucus_api::seed::{DEMO_ORG_NAME, DEMO_PASSWORD};

use crate::harness::{Browser, emailed_token, with_browser};

const PARTY: &str = "party@demo.caucus.test";

/// Fails when the address bar still holds `token`.
async fn token_is_gone(b: &Browser, token: &str) -> anyhow::Result<()> {
    let url = b.driver.current_url().await?;
    ensure!(
        !url.as_str().contains(token),
        "the token stayed in the address bar: {url}"
    );
    Ok(())
}

#[tokio::test]
async fn a_party_resets_a_forgotten_password_then_signs_in_with_an_emailed_link() {
    with_browser("account_recovery", async |b| {
        let new_password = "lantern-orchard-quietly-93";

        // From the sign-in page, ask for a reset link.
        b.driver.goto(b.client_url("/")).await?;
        b.click("forgot-password-link").await?;
        b.wait_for_text("page-title", "Forgot your password?")
            .await?;
        b.type_into("link-email", "not-an-address").await?;
        b.click("send-link").await?;
        b.wait_for_text("link-email-error", "valid email address")
            .await?;
        b.assert_accessible("forgot password, with an error")
            .await?;
        b.replace_text("link-email", PARTY).await?;
        b.click("send-link").await?;
        b.wait_for_text("link-sent", &format!("If an account uses {PARTY}"))
            .await?;
        b.assert_accessible("forgot password, sent").await?;

        // The emailed link opens the reset page, which drops the token at once.
        let reset_link = b.client_url("/reset-password#");
        let token = emailed_token(PARTY, &reset_link).await?;
        b.driver.goto(format!("{reset_link}{token}")).await?;
        b.wait_for_text("page-title", "Choose a new password")
            .await?;
        token_is_gone(b, &token).await?;

        // The two must match, and the API's password rules are explained.
        b.type_into("new-password", "aaaaaaaaaaaaaa").await?;
        b.wait_for_text("password-hint", "Long enough").await?;
        b.type_into("confirm-password", "something else").await?;
        b.click("reset-password").await?;
        b.wait_for_text("confirm-password-error", "not the same")
            .await?;
        b.replace_text("confirm-password", "aaaaaaaaaaaaaa").await?;
        b.click("reset-password").await?;
        b.wait_for_text("new-password-error", "repeats").await?;
        b.assert_accessible("reset password, refused").await?;

        // A good one is saved; every session ended, so sign in with it.
        b.replace_text("new-password", new_password).await?;
        b.replace_text("confirm-password", new_password).await?;
        b.click("reset-password").await?;
        b.wait_for_text("reset-done", "signed out").await?;
        b.assert_accessible("password changed").await?;
        b.click("go-sign-in").await?;
        b.sign_in(PARTY, new_password).await?;
        b.wait_for_text("page-title", "Pat Party").await?;

        // The used link no longer works, and says where to get another.
        b.driver.goto(format!("{reset_link}{token}")).await?;
        b.type_into("new-password", "another-fine-passphrase")
            .await?;
        b.type_into("confirm-password", "another-fine-passphrase")
            .await?;
        b.click("reset-password").await?;
        b.wait_for_text("reset-problem", "newest one works").await?;
        b.text_of("reset-ask-again").await?;

        // Signed out, the party asks for a sign-in link instead.
        b.driver.goto(b.client_url("/")).await?;
        b.click("sign-out").await?;
        b.click("sign-in-link-link").await?;
        b.wait_for_text("page-title", "Sign in with an emailed link")
            .await?;
        b.type_into("link-email", PARTY).await?;
        b.click("send-link").await?;
        b.wait_for_text("link-sent", &format!("If {PARTY} belongs"))
            .await?;
        b.assert_accessible("sign-in link, sent").await?;
        let sign_in_link = b.client_url("/sign-in-link#");
        let token = emailed_token(PARTY, &sign_in_link).await?;
        b.driver.goto(format!("{sign_in_link}{token}")).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        token_is_gone(b, &token).await?;

        // A second use fails plainly and offers a new link.
        b.driver.goto(format!("{sign_in_link}{token}")).await?;
        b.wait_for_text("link-problem", "already used").await?;
        b.text_of("link-email").await?;
        b.assert_accessible("sign-in link, used").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_party_changes_their_profile_and_accepts_the_agreements() {
    with_browser("account_profile", async |b| {
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;

        // The profile: a new name and time zone, seen at once in the header.
        b.click("profile-link").await?;
        b.wait_for_text("page-title", "Your profile").await?;
        b.wait_for_text("profile-email", PARTY).await?;
        b.assert_accessible("profile").await?;
        b.replace_text("name", "").await?;
        b.click("save-profile").await?;
        b.wait_for_text("name-error", "Enter your full name")
            .await?;
        b.replace_text("name", "Patricia Party").await?;
        b.select("timezone", "Europe/Madrid").await?;
        b.click("save-profile").await?;
        b.wait_for_text("profile-saved", "saved").await?;
        b.wait_for_text("signed-in-as", "Patricia Party").await?;
        b.assert_accessible("profile, saved").await?;

        // Kept by the API: a fresh page load shows them.
        b.driver.goto(b.client_url("/")).await?;
        b.wait_for_text("page-title", "Patricia Party").await?;
        b.wait_for_text("detail-timezone", "Europe/Madrid").await?;

        // The agreements: accept the terms; the history shows it.
        b.click("consents-link").await?;
        b.wait_for_text("page-title", "Your agreements").await?;
        b.wait_for_text("consent-confidentiality", DEMO_ORG_NAME)
            .await?;
        b.text_of("consent-history-empty").await?;
        b.assert_accessible("agreements").await?;
        b.click("accept-terms").await?;
        b.wait_for_text("consent-recorded", "Terms of use").await?;
        b.text_of("consent-terms-accepted").await?;
        b.wait_for_text("consent-history-table", "Terms of use")
            .await?;
        b.wait_for_text("consent-history-table", "In your account")
            .await?;
        b.assert_accessible("agreements, one accepted").await?;
        Ok(())
    })
    .await;
}
