//! Invitations end to end: an admin invites a party from the People page, the
//! party opens the emailed link (read from Mailpit) in the client portal, creates
//! an account, sees their session, signs out and back in with the new password.

use anyhow::ensure;
use caucus_api::seed::{DEMO_ORG_NAME, DEMO_PASSWORD};
use thirtyfour::prelude::*;

use crate::harness::{emailed_token, with_browser};

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
        let token = emailed_token(&address, "/invitation#").await?;
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
