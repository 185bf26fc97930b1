//! Passkeys end to end in Chromium with its virtual authenticator (a platform
//! authenticator with user verification, as a laptop's fingerprint reader):
//! the demo party adds a passkey from `/security`, signs out, and signs in
//! with the passkey alone.

use anyhow::ensure;
use caucus_api::seed::DEMO_PASSWORD;
use serde_json::json;
use thirtyfour::prelude::*;

use crate::harness::with_browser;

const PARTY: &str = "party@demo.caucus.test";

#[tokio::test]
async fn a_party_adds_a_passkey_and_signs_in_with_it() {
    with_browser("passkeys", async |b| {
        b.driver.goto(b.client_url("/")).await?;
        let cdp = b.driver.cdp();
        cdp.send_raw("WebAuthn.enable", json!({})).await?;
        cdp.send_raw(
            "WebAuthn.addVirtualAuthenticator",
            json!({ "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserVerified": true,
                "automaticPresenceSimulation": true
            } }),
        )
        .await?;

        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        b.click("security-link").await?;
        b.text_of("no-passkeys").await?;
        // A passkey needs a name.
        b.click("add-passkey").await?;
        b.wait_for_text("passkey-name-error", "name").await?;
        b.type_into("passkey-name", "Test laptop").await?;
        b.click("add-passkey").await?;
        b.text_of("passkey-added").await?;
        b.wait_for_text("passkey-list", "Test laptop").await?;
        b.assert_accessible("passkeys").await?;

        // Signed out, the party signs in with the passkey: no password.
        b.click("sign-out").await?;
        b.text_of("email").await?;
        b.driver.goto(b.client_url("/")).await?;
        // Without an address the button asks for one first.
        b.click("sign-in-passkey").await?;
        b.text_of("email-error").await?;
        b.type_into("email", PARTY).await?;
        b.click("sign-in-passkey").await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        ensure!(
            b.driver.find_all(By::Id("passkey-error")).await?.is_empty(),
            "a passkey error is shown after signing in"
        );
        Ok(())
    })
    .await;
}
