//! Single sign-on in the browser against the real provider the test command
//! starts: the demo admin adds a connection on `/settings`, and a person of the
//! allowed domain signs in with it from the sign-in page, through the
//! provider's login form, and lands signed in (provisioned as a mediator).

use anyhow::{Context, ensure};
use caucus_api::seed::{DEMO_ORG_NAME, DEMO_PASSWORD};
use thirtyfour::prelude::*;

use crate::harness::with_browser;

#[tokio::test]
async fn an_admin_adds_a_connection_and_staff_sign_in_through_it() {
    let issuer = std::env::var("CAUCUS_TEST_OIDC_ISSUER")
        .expect("CAUCUS_TEST_OIDC_ISSUER (run scripts/test.sh)");
    with_browser("sso", async |b| {
        b.driver.goto(b.admin_url("/settings")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.text_of("no-sso").await?;
        // A missing issuer is named in the form.
        b.type_into("sso-name", "Staff directory").await?;
        b.click("add-sso").await?;
        b.text_of("sso-issuer-error").await?;
        b.type_into("sso-issuer", &issuer).await?;
        b.type_into("sso-client-id", "caucus-native").await?;
        b.type_into("sso-domains", "sso.caucus.test").await?;
        b.click("add-sso").await?;
        b.text_of("sso-created").await?;
        b.wait_for_text("sso-list", "Staff directory").await?;
        b.wait_for_text("sso-redirect", "/auth/sso/callback")
            .await?;
        b.assert_accessible("single sign-on settings").await?;

        b.click("sign-out").await?;
        b.text_of("email").await?;
        b.driver.goto(b.admin_url("/")).await?;
        b.wait_for_text("sso-options", "Sign in with Staff directory")
            .await?;
        b.driver
            .find(By::XPath("//div[@id='sso-options']//a"))
            .await?
            .click()
            .await?;
        // The provider's own login form.
        b.text_of("username")
            .await
            .context("the provider's login form")?;
        b.driver
            .find(By::Id("username"))
            .await?
            .send_keys("casey@sso.caucus.test")
            .await?;
        b.driver
            .find(By::Id("password"))
            .await?
            .send_keys("sso test password 2026")
            .await?;
        b.driver
            .find(By::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        // Back in the portal, signed in; the token left the address bar.
        b.wait_for_text("org-name", DEMO_ORG_NAME).await?;
        let url = b.driver.current_url().await?;
        ensure!(
            url.fragment().is_none(),
            "the token stayed in the URL: {url}"
        );
        // Signed in: the sessions page lists this browser's session.
        b.driver.goto(b.admin_url("/sessions")).await?;
        b.wait_for_text("sessions-table", "This browser").await?;
        Ok(())
    })
    .await;
}
