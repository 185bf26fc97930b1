//! First browser tests: each portal signs in, shows data from the API, and an
//! unknown route shows a proper not-found page.

use caucus_api::seed::{DEMO_ORG_NAME, DEMO_PASSWORD};

use crate::harness::with_browser;

#[tokio::test]
async fn admin_portal_signs_in_and_shows_the_organization_and_its_people() {
    with_browser("admin_portal", async |b| {
        b.driver.goto(b.admin_url("/")).await?;
        b.wait_for_text("page-title", "").await?;
        b.assert_accessible("admin sign-in").await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("org-name", DEMO_ORG_NAME).await?;
        b.assert_accessible("admin overview").await?;
        b.driver.goto(b.admin_url("/people")).await?;
        b.wait_for_text("members-table", "party@demo.caucus.test")
            .await?;
        b.wait_for_text("members-table", "Morgan Mediator").await?;
        b.assert_accessible("admin people").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn client_portal_signs_in_and_shows_the_party_their_details() {
    with_browser("client_portal", async |b| {
        b.driver.goto(b.client_url("/")).await?;
        b.wait_for_text("page-title", "").await?;
        b.assert_accessible("client sign-in").await?;
        b.sign_in("party@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("page-title", "Pat Party").await?;
        b.wait_for_text("main", "party@demo.caucus.test").await?;
        b.wait_for_text("main", DEMO_ORG_NAME).await?;
        b.assert_accessible("client home").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn unknown_routes_show_a_not_found_page_in_both_portals() {
    with_browser("not_found", async |b| {
        for url in [b.admin_url("/no/such/page"), b.client_url("/no/such/page")] {
            b.driver.goto(url.as_str()).await?;
            b.wait_for_text("not-found", "").await?;
            b.assert_accessible(&format!("not found at {url}")).await?;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_portal_speaks_spanish_when_asked() {
    with_browser("spanish", async |b| {
        b.driver.goto(b.admin_url("/no/such/page")).await?;
        b.wait_for_text("not-found", "Page not found").await?;
        let select = b.driver.find(thirtyfour::By::Id("language")).await?;
        thirtyfour::components::SelectElement::new(&select)
            .await?
            .select_by_value("es")
            .await?;
        b.wait_for_text("not-found", "Página no encontrada").await?;
        let lang = b
            .driver
            .find(thirtyfour::By::Tag("html"))
            .await?
            .attr("lang")
            .await?;
        anyhow::ensure!(lang.as_deref() == Some("es"), "html lang is {lang:?}");
        b.assert_accessible("not found in Spanish").await?;
        Ok(())
    })
    .await;
}
