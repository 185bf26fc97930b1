//! Two-step sign-in end to end: the demo party turns it on from `/security` with
//! a code computed from the shown secret, keeps the recovery codes, signs out,
//! and signs back in with the password and a fresh code.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use caucus_api::seed::DEMO_PASSWORD;
use thirtyfour::prelude::*;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::harness::with_browser;

const PARTY: &str = "party@demo.caucus.test";

/// The code the authenticator app would show `offset` seconds from now.
pub fn code_for(secret: &str, offset: u64) -> anyhow::Result<String> {
    let base32: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = Secret::Encoded(base32)
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("the shown secret is not base32: {e:?}"))?;
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new())?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    Ok(totp.generate(now + offset))
}

#[tokio::test]
async fn a_party_turns_on_two_step_sign_in_and_signs_in_with_a_code() {
    with_browser("two_step", async |b| {
        // Signed in with the password alone, the party opens the security page.
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        b.click("security-link").await?;
        b.wait_for_text("page-title", "Two-step sign-in").await?;
        b.text_of("mfa-off").await?;
        b.assert_accessible("two-step sign-in, off").await?;

        // Set-up: the QR code and the secret, then a first code from the "app".
        b.click("start-totp").await?;
        let secret = b.text_of("totp-secret").await?;
        let qr = b.driver.find(By::Id("totp-qr")).await?;
        let src = qr.attr("src").await?.unwrap_or_default();
        ensure!(
            src.starts_with("data:image/svg+xml;base64,"),
            "the QR code is not an inline SVG: {src:.40}"
        );
        ensure!(
            qr.attr("alt").await?.is_some_and(|alt| !alt.is_empty()),
            "the QR code has no alt text"
        );
        b.assert_accessible("two-step sign-in set-up").await?;
        b.type_into("totp-code", &code_for(&secret, 0)?).await?;
        b.click("confirm-totp").await?;

        // The recovery codes, shown once.
        b.text_of("recovery-codes").await?;
        let codes = b.driver.find_all(By::Css("#recovery-codes li")).await?;
        ensure!(codes.len() == 10, "{} recovery codes shown", codes.len());
        b.assert_accessible("recovery codes").await?;
        b.click("recovery-done").await?;
        b.text_of("mfa-on").await?;

        // Signing in again now takes a code after the password.
        b.click("sign-out").await?;
        b.text_of("email").await?;
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(PARTY, DEMO_PASSWORD).await?;
        b.text_of("mfa-code")
            .await
            .context("no code step after the password")?;
        let input = b.driver.find(By::Id("mfa-code")).await?;
        ensure!(
            input.attr("inputmode").await?.as_deref() == Some("numeric")
                && input.attr("autocomplete").await?.as_deref() == Some("one-time-code"),
            "the code input lacks inputmode or autocomplete"
        );
        b.assert_accessible("sign-in code step").await?;
        // A wrong code is refused with a message that speaks of the code.
        b.type_into("mfa-code", "000000").await?;
        b.click("verify-mfa").await?;
        b.wait_for_text("sign-in-error", "code is not right")
            .await?;
        b.driver.find(By::Id("mfa-code")).await?.clear().await?;
        // The set-up step's code was spent, so use the next step's.
        b.type_into("mfa-code", &code_for(&secret, 30)?).await?;
        b.click("verify-mfa").await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        Ok(())
    })
    .await;
}
