//! Platform operators create organizations, whose first admin is invited.

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::json;

use crate::support::{
    Client, PASSWORD, assert_ok, enrol_totp, error_code, mail_body, org_with, wait_for_mail,
};

const CREATE: &str = "mutation C($i: CreateOrganizationInput!) { createOrganization(input: $i) }";

#[tokio::test]
async fn an_operator_creates_an_organization_whose_invited_admin_takes_over() {
    let app = testkit::spawn().await;
    let (_, operators) =
        org_with(&app, "ops", &[RoleKey::PlatformOperator, RoleKey::OrgAdmin]).await;
    let mut operator = Client::new(&app);
    assert_ok(&operator.sign_in(&operators[0], PASSWORD).await);
    let admin_email = format!("first-admin-{}@example.org", uuid::Uuid::new_v4().simple());
    let input = |slug: &str| json!({ "i": { "slug": slug, "name": "Valley Family Mediation", "adminEmail": admin_email, "tier": "professional" } });
    let created = operator.gql(CREATE, input("valley-family")).await;
    assert_ok(&created);
    let org_id = created["data"]["createOrganization"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        error_code(&operator.gql(CREATE, input("valley-family")).await),
        "CONFLICT"
    );
    for bad in ["Valley Family", "-x", "a", "valley_family"] {
        let body = operator.gql(CREATE, input(bad)).await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "slug",
            "{bad}: {body}"
        );
    }
    // An org admin is not an operator.
    let mut org_admin = Client::new(&app);
    assert_ok(&org_admin.sign_in(&operators[1], PASSWORD).await);
    assert_eq!(
        error_code(&org_admin.gql(CREATE, input("sneaky")).await),
        "FORBIDDEN"
    );
    // The operator does not see inside the new organization.
    let peek = operator
        .gql("query E($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { name } } }",
             json!({ "r": [{ "__typename": "Organization", "id": org_id }] }))
        .await;
    assert_eq!(error_code(&peek), "NOT_FOUND");

    // The invited admin accepts and runs the new organization.
    let mails = wait_for_mail(&admin_email, 1).await;
    let text = mail_body(&mails[0]).await["Text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("Valley Family Mediation"));
    let token = text
        .split("/invitation#")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let mut admin = Client::new(&app);
    let accepted = admin
        .gql(
            "mutation A($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { viewer { roles mfaEnrollmentRequired organization { id slug tier security { mfaRequiredRoles } } } } }",
            json!({ "i": { "token": token, "name": "Vera Admin", "password": "valley family passphrase", "timezone": "America/Denver" } }),
        )
        .await;
    assert_ok(&accepted);
    let viewer = &accepted["data"]["acceptInvitation"]["viewer"];
    assert_eq!(viewer["roles"], json!(["ORG_ADMIN"]));
    assert_eq!(
        viewer["organization"],
        json!({ "id": org_id, "slug": "valley-family", "tier": "professional", "security": { "mfaRequiredRoles": ["BILLING_ADMIN", "CASE_MANAGER", "COMPLIANCE_OFFICER", "MEDIATOR", "ORG_ADMIN", "PLATFORM_OPERATOR"] } })
    );
    // New organizations require two steps of their staff: the first admin
    // sets it up before anything else.
    assert_eq!(viewer["mfaEnrollmentRequired"], true);
    let refused = admin
        .gql(
            "{ auditLog(first: 10) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&refused), "MFA_ENROLLMENT_REQUIRED", "{refused}");
    enrol_totp(&mut admin).await;
    let log = admin
        .gql(
            "{ auditLog(first: 10) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert!(log.to_string().contains("org.created"));
}

#[tokio::test]
async fn the_admin_cli_creates_an_organization_too() {
    let app = testkit::spawn().await;
    let settings = &app.state.settings;
    let admin = format!("cli-admin-{}@example.org", uuid::Uuid::new_v4().simple());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_caucus"))
        .args([
            "org-create",
            "--slug",
            "cli-made",
            "--name",
            "Made From The CLI",
            "--admin-email",
            &admin,
            "--language",
            "es",
        ])
        .env("CAUCUS__DATABASE__URL", &app.db.app_url)
        .env(
            "CAUCUS__REDIS__URL",
            std::env::var("CAUCUS_TEST_REDIS_URL").unwrap(),
        )
        .env("CAUCUS__REDIS__KEY_PREFIX", &settings.redis.key_prefix)
        .env("CAUCUS__TELEMETRY__LOG_FILTER", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created"));
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let row = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT o.name, i.email, i.locale FROM organizations o JOIN invitations i ON i.org_id = o.id WHERE o.slug = 'cli-made'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get::<String>("", "name").unwrap(),
        "Made From The CLI"
    );
    assert_eq!(row.try_get::<String>("", "email").unwrap(), admin);
    assert_eq!(row.try_get::<String>("", "locale").unwrap(), "es");
    // The in-process worker of the test app sends the queued invitation.
    let mails = wait_for_mail(&admin, 1).await;
    assert!(
        mails[0]["Subject"]
            .as_str()
            .unwrap()
            .contains("Made From The CLI")
    );
}
