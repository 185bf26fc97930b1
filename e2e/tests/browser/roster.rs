//! The mediator roster in the admin portal: a case manager edits a
//! mediator's profile (a capacity that is not a number is refused) and
//! declares and removes a conflict for them.

use caucus_api::seed::DEMO_PASSWORD;

use crate::harness::with_browser;

#[tokio::test]
async fn a_case_manager_keeps_a_mediators_profile_and_conflicts() {
    with_browser("roster", async |b| {
        b.driver.goto(b.admin_url("/roster")).await?;
        b.sign_in("manager@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("roster-table", "Morgan Mediator").await?;
        b.assert_accessible("roster").await?;
        let edit = b
            .driver
            .find(thirtyfour::By::Css("#roster-table button[id^='edit-']"))
            .await?;
        edit.click().await?;
        b.wait_for_text("profile-form", "Morgan Mediator").await?;
        b.click("profile-specialties-workplace").await?;
        b.select("profile-fee", "reduced").await?;
        b.replace_text("profile-capacity", "lots").await?;
        b.click("profile-save").await?;
        b.wait_for_text("profile-capacity-error", "whole number")
            .await?;
        b.replace_text("profile-capacity", "12").await?;

        // Conflicts are kept separately, while the profile form is open.
        b.wait_for_text("conflicts-empty", "No conflicts").await?;
        b.select("conflict-kind", "ORGANIZATION").await?;
        b.type_into("conflict-name", "Acme Shelving Ltd").await?;
        b.click("conflict-submit").await?;
        b.wait_for_text("conflict-list", "Acme Shelving Ltd")
            .await?;
        b.assert_accessible("roster, editing").await?;

        b.click("profile-save").await?;
        b.wait_for_text("roster-table", "Workplace").await?;
        b.wait_for_text("roster-table", "Reduced").await?;
        b.wait_for_text("roster-table", "of 12").await?;

        // The conflict stays until removed.
        b.driver
            .find(thirtyfour::By::Css("#roster-table button[id^='edit-']"))
            .await?
            .click()
            .await?;
        b.wait_for_text("conflict-list", "Acme Shelving Ltd")
            .await?;
        b.driver
            .find(thirtyfour::By::Css("#conflict-list button"))
            .await?
            .click()
            .await?;
        b.wait_for_text("conflicts-empty", "No conflicts").await?;

        // A party is not shown the roster.
        b.driver.delete_all_cookies().await?;
        b.driver.goto(b.admin_url("/roster")).await?;
        b.sign_in("party@demo.caucus.test", DEMO_PASSWORD).await?;
        b.wait_for_text("staff-only", "staff").await?;
        Ok(())
    })
    .await;
}
