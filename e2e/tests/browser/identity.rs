//! Invitations end to end: an admin invites a party from the People page, the
//! party opens the emailed link (read from Mailpit) in the client portal, creates
//! an account, sees their session, signs out and back in with the new password.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use caucus_api::seed::{DEMO_ORG_NAME, DEMO_PASSWORD};
use serde_json::Value;
use thirtyfour::prelude::*;

use crate::harness::with_browser;

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET base + path` from Mailpit's API, as JSON (plain HTTP/1.0: no chunking).
fn mailpit_get(base: &str, path: &str) -> anyhow::Result<Value> {
    let rest = base
        .strip_prefix("http://")
        .context("CAUCUS_TEST_MAILPIT_URL must be http://")?;
    let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_end_matches('/');
    let full_path = if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("/{prefix}{path}")
    };
    let mut stream = std::net::TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {full_path} HTTP/1.0\r\nHost: {authority}\r\nAccept: application/json\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8(response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("Mailpit answered without a body")?;
    ensure!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "Mailpit answered {}",
        head.lines().next().unwrap_or_default()
    );
    Ok(serde_json::from_str(body)?)
}

/// Waits up to 15 s for the invitation email to `address` and returns its token.
async fn invitation_token(address: &str) -> anyhow::Result<String> {
    let base = std::env::var("CAUCUS_TEST_MAILPIT_URL")
        .context("CAUCUS_TEST_MAILPIT_URL is not set (source the services' env file)")?;
    let search = format!("/api/v1/search?query={}", encode(&format!("to:{address}")));
    let started = Instant::now();
    loop {
        let (base, search) = (base.clone(), search.clone());
        let found = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<String>> {
            let results = mailpit_get(&base, &search)?;
            let Some(id) = results["messages"][0]["ID"].as_str() else {
                return Ok(None);
            };
            let message = mailpit_get(&base, &format!("/api/v1/message/{id}"))?;
            let text = message["Text"].as_str().unwrap_or_default();
            Ok(text.split_once("/invitation#").map(|(_, rest)| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect()
            }))
        })
        .await??;
        if let Some(token) = found.filter(|token: &String| !token.is_empty()) {
            return Ok(token);
        }
        if started.elapsed() > Duration::from_secs(15) {
            bail!("no invitation email to {address} in Mailpit after 15 s");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn an_invited_party_joins_through_the_emailed_link_and_manages_sessions() {
    with_browser("identity", async |b| {
        let address = format!("newparty-{}@example.org", uuid::Uuid::new_v4().simple());
        let name = "Nadia Newparty";
        let password = "quiet-harbour-lantern-47";

        // The admin invites a party from the People page.
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("org-name", DEMO_ORG_NAME).await?;
        b.driver.goto(b.admin_url("/people")).await?;
        b.wait_for_text("members-table", "party@demo.caucus.test")
            .await?;
        b.type_into("invite-email", &address).await?;
        b.select("invite-role", "PARTY").await?;
        b.select("invite-language", "en").await?;
        b.driver
            .find(By::Id("invite-submit"))
            .await?
            .click()
            .await?;
        b.wait_for_text("invite-result", &address).await?;
        b.wait_for_text("invitations-table", &address).await?;
        b.wait_for_text("invitations-table", "Pending").await?;
        b.assert_accessible("admin people with an invitation")
            .await?;

        // The audit log shows the invitation.
        b.driver.goto(b.admin_url("/audit")).await?;
        b.wait_for_text("audit-table", "Invitation sent").await?;
        b.assert_accessible("admin audit log").await?;
        b.driver.find(By::Id("sign-out")).await?.click().await?;
        b.text_of("email").await?;

        // The party opens the emailed link in the client portal.
        let token = invitation_token(&address).await?;
        b.driver
            .goto(b.client_url(&format!("/invitation#{token}")))
            .await?;
        b.wait_for_text("invited-email", &address).await?;
        b.wait_for_text("page-title", DEMO_ORG_NAME).await?;
        b.wait_for_text("invited-role", "Party").await?;
        b.assert_accessible("invitation acceptance").await?;
        b.type_into("name", name).await?;
        b.type_into("new-password", password).await?;
        b.wait_for_text("password-hint", "Long enough").await?;
        b.select("timezone", "America/Bogota").await?;
        b.driver
            .find(By::Id("accept-invitation"))
            .await?
            .click()
            .await?;
        b.wait_for_text("page-title", name).await?;
        b.wait_for_text("detail-timezone", "America/Bogota").await?;
        let url = b.driver.current_url().await?;
        ensure!(
            !url.as_str().contains(&token),
            "the token stayed in the address bar: {url}"
        );

        // Their sessions: exactly one, this browser.
        b.driver
            .find(By::Id("sessions-link"))
            .await?
            .click()
            .await?;
        b.wait_for_text("sessions-table", "This browser").await?;
        let current = b.driver.find_all(By::Id("current-session")).await?;
        ensure!(
            current.len() == 1,
            "{} sessions marked current",
            current.len()
        );
        let rows = b
            .driver
            .find_all(By::Css("#sessions-table tbody tr"))
            .await?;
        ensure!(rows.len() == 1, "{} sessions listed", rows.len());
        b.assert_accessible("your sessions").await?;

        // Sign out, then back in with the new password.
        b.driver.find(By::Id("sign-out")).await?.click().await?;
        b.text_of("email").await?;
        b.driver.goto(b.client_url("/")).await?;
        b.sign_in(&address, password).await?;
        b.wait_for_text("page-title", name).await?;
        Ok(())
    })
    .await;
}
