//! Partner credentials in the admin portal: the demo admin creates one, sees
//! its secret once (and copies it), a partner system exchanges it at
//! `/oauth/token` for a token that answers GraphQL, the admin revokes it with
//! a confirmation, and then the token and the secret are refused. A case
//! manager gets neither the link nor the page.

use anyhow::{Context, ensure};
use caucus_api::seed::{DEMO_ORG_SLUG, DEMO_PASSWORD};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::harness::{Browser, with_browser};

/// `POST /oauth/token` with HTTP Basic client credentials: status and body.
async fn exchange(b: &Browser, client_id: &str, secret: &str) -> anyhow::Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .post(b.app.url("/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

/// A GraphQL query with a bearer token: status and body.
async fn query_with(b: &Browser, token: &str, query: &str) -> anyhow::Result<(u16, Value)> {
    let response = reqwest::Client::new()
        .post(b.app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await?;
    Ok((response.status().as_u16(), response.json().await?))
}

#[tokio::test]
async fn an_admin_creates_a_partner_credential_shown_once_and_revokes_it() {
    with_browser("credentials", async |b| {
        b.driver.goto(b.admin_url("/")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.text_of("signed-in-as").await?;
        b.driver
            .find(By::Css("a[href='/credentials']"))
            .await
            .context("no Partner credentials link in the navigation")?
            .click()
            .await?;
        b.wait_for_text("page-title", "Partner API credentials")
            .await?;
        b.text_of("no-credentials").await?;
        b.assert_accessible("partner credentials, none yet").await?;

        // Nothing chosen to read: refused in the form.
        b.type_into("credential-name", "Court docket").await?;
        b.click("credential-scopes-org-read").await?;
        b.click("create-credential").await?;
        b.wait_for_text("credential-scopes-error", "at least one")
            .await?;

        b.click("credential-scopes-org-read").await?;
        b.click("credential-scopes-members-read").await?;
        b.click("create-credential").await?;

        // The client id and secret, this once, with the warning.
        let client_id = b.text_of("new-client-id").await?;
        let secret = b.text_of("new-client-secret").await?;
        ensure!(client_id.starts_with("caucus_"), "client id {client_id:?}");
        ensure!(secret.len() >= 32, "a short secret was shown");
        b.wait_for_text("secret-warning", "will not be shown again")
            .await?;
        b.assert_accessible("new credential shown once").await?;

        // The copy button puts the secret on the clipboard.
        b.driver
            .cdp()
            .send_raw(
                "Browser.grantPermissions",
                json!({
                    "origin": b.admin_url(""),
                    "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                }),
            )
            .await?;
        b.click("copy-client-secret").await?;
        b.wait_for_text("copy-client-secret-status", "Copied")
            .await?;
        let copied: String = b
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 navigator.clipboard.readText().then(done, e => done('refused: ' + e));",
                Vec::<Value>::new(),
            )
            .await?
            .convert()?;
        ensure!(copied == secret, "the clipboard holds {copied:?}");

        // Once dismissed, the secret is gone from the page, and it is not in the list.
        b.click("credential-copied").await?;
        b.wait_for_text("credentials-table", "Court docket").await?;
        ensure!(
            b.driver
                .find_all(By::Id("new-client-secret"))
                .await?
                .is_empty(),
            "the secret is still shown"
        );
        b.wait_for_text("credentials-table", "Never").await?;
        let page = b.driver.source().await?;
        ensure!(!page.contains(&secret), "the secret is still in the page");
        ensure!(page.contains(&client_id), "the client id is not listed");

        // The partner system exchanges it for a token that answers a query.
        let (status, granted) = exchange(b, &client_id, &secret).await?;
        ensure!(status == 200, "token refused: {status} {granted}");
        let token = granted["access_token"]
            .as_str()
            .context("no access token")?
            .to_owned();
        let (status, answer) = query_with(b, &token, "{ organization { slug } }").await?;
        ensure!(
            status == 200 && answer["data"]["organization"]["slug"] == DEMO_ORG_SLUG,
            "the token did not answer: {status} {answer}"
        );

        // The list now says when it was last used.
        b.driver.refresh().await?;
        b.wait_for_text("credentials-table", "Court docket").await?;
        let last_used = b
            .driver
            .find(By::Css("#credentials-table tbody tr td:nth-of-type(4)"))
            .await?
            .text()
            .await?;
        ensure!(
            !last_used.is_empty() && !last_used.contains("Never"),
            "last used shows {last_used:?}"
        );

        // Revoking asks first; cancelling keeps it.
        b.click("revoke-credential-0").await?;
        b.wait_for_text("credential-0-confirm", "cannot be undone")
            .await?;
        b.assert_accessible("revoke confirmation").await?;
        b.click("cancel-revoke-credential-0").await?;
        b.text_of("revoke-credential-0").await?;
        let (status, _) = query_with(b, &token, "{ organization { slug } }").await?;
        ensure!(status == 200, "cancelling revoked the token");
        b.click("revoke-credential-0").await?;
        b.click("confirm-revoke-credential-0").await?;
        b.wait_for_text("credential-revoked", "Court docket")
            .await?;
        b.wait_for_text("credential-0-revoked", "Revoked").await?;
        b.assert_accessible("partner credential revoked").await?;

        // The token and the secret no longer work.
        let (status, refused) = query_with(b, &token, "{ organization { slug } }").await?;
        ensure!(
            status == 401 && refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED",
            "the revoked token answered: {status} {refused}"
        );
        let (status, refused) = exchange(b, &client_id, &secret).await?;
        ensure!(
            status == 401 && refused["error"] == "invalid_client",
            "the revoked secret got a token: {status} {refused}"
        );

        // A case manager has no link to the page, and the page refuses them.
        b.click("sign-out").await?;
        b.text_of("email").await?;
        b.driver.goto(b.admin_url("/credentials")).await?;
        b.sign_in("manager@demo.caucus.test", DEMO_PASSWORD).await?;
        b.text_of("credentials-error").await?;
        ensure!(
            b.driver
                .find_all(By::Css("a[href='/credentials']"))
                .await?
                .is_empty(),
            "a case manager sees the Partner credentials link"
        );
        ensure!(
            b.driver
                .find_all(By::Id("create-credential"))
                .await?
                .is_empty()
                && b.driver
                    .find_all(By::Id("credentials-table"))
                    .await?
                    .is_empty(),
            "a case manager sees the credentials"
        );
        Ok(())
    })
    .await;
}
