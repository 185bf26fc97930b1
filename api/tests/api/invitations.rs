//! Invitations: email with a single-use link, acceptance, and every way a link
//! can be misused.

use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::support::{Client, PASSWORD, assert_ok, error_code, mail_body, org_with, wait_for_mail};

const INVITE: &str = "mutation I($input: InviteMemberInput!) { inviteMember(input: $input) }";
const PREVIEW: &str =
    "query P($t: String!) { invitation(token: $t) { email role organizationName accountExists } }";
const ACCEPT: &str = "mutation A($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { viewer { user { email name timezone locale } roles organization { slug } } } }";

/// Invites `email` as `role` and returns the token from the delivered email.
async fn invite_and_read_link(
    admin: &mut Client,
    email: &str,
    role: &str,
    language: &str,
) -> (String, Value) {
    let body = admin
        .gql(
            INVITE,
            json!({ "input": { "email": email, "role": role, "language": language } }),
        )
        .await;
    assert_ok(&body);
    let messages = wait_for_mail(email, 1).await;
    let message = mail_body(&messages[0]).await;
    let text = message["Text"].as_str().unwrap().to_owned();
    let token = text
        .split("/invitation#")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no link in {text}"))
        .to_owned();
    (token, message)
}

fn accept_input(token: &str, password: &str) -> Value {
    json!({ "input": {
        "token": token, "name": "Dana Díaz", "password": password,
        "language": "ES", "timezone": "America/Bogota"
    } })
}

async fn admin_of(app: &TestApp, slug: &str) -> (Client, Vec<String>) {
    let (_, emails) = org_with(
        app,
        slug,
        &[RoleKey::OrgAdmin, RoleKey::CaseManager, RoleKey::Party],
    )
    .await;
    let mut admin = Client::new(app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    (admin, emails)
}

#[tokio::test]
async fn an_invited_mediator_accepts_once_and_is_signed_in_with_that_role() {
    let app = testkit::spawn().await;
    let (mut admin, _) = admin_of(&app, "inviting").await;
    let invitee = format!("dana-{}@Example.ORG", uuid::Uuid::new_v4().simple());
    let (token, message) = invite_and_read_link(&mut admin, &invitee, "MEDIATOR", "ES").await;
    let normalized = invitee.replace("Example.ORG", "example.org");
    // The email is in Spanish, links to the admin portal, keeps the token out of
    // the query string, and carries no case content.
    assert!(
        message["Subject"]
            .as_str()
            .unwrap()
            .contains("Org inviting")
    );
    let text = message["Text"].as_str().unwrap();
    assert!(
        text.contains("Aceptar la invitación")
            && text.contains("http://localhost:8081/invitation#")
    );
    assert!(!text.contains("?token="));

    let mut stranger = Client::new(&app);
    let preview = stranger.gql(PREVIEW, json!({ "t": token })).await;
    assert_eq!(preview["data"]["invitation"]["email"], normalized.as_str());
    assert_eq!(preview["data"]["invitation"]["role"], "MEDIATOR");
    assert_eq!(preview["data"]["invitation"]["accountExists"], false);

    // A weak password is refused and nothing is written: the link still works.
    let weak = stranger
        .gql(ACCEPT, accept_input(&token, "password123456"))
        .await;
    assert_eq!(error_code(&weak), "VALIDATION_FAILED");
    assert_eq!(weak["errors"][0]["extensions"]["reason"], "common");
    let bad_zone = stranger
        .gql(ACCEPT, json!({ "input": { "token": token, "name": "Dana", "password": "a sturdy passphrase here", "timezone": "Mars/Olympus" } }))
        .await;
    assert_eq!(bad_zone["errors"][0]["extensions"]["field"], "timezone");

    let accepted = stranger
        .gql(ACCEPT, accept_input(&token, "a sturdy passphrase here"))
        .await;
    assert_ok(&accepted);
    let viewer = &accepted["data"]["acceptInvitation"]["viewer"];
    assert_eq!(viewer["user"]["email"], normalized.as_str());
    assert_eq!(viewer["user"]["timezone"], "America/Bogota");
    assert_eq!(viewer["user"]["locale"], "es");
    assert_eq!(viewer["roles"], json!(["MEDIATOR"]));
    assert_eq!(viewer["organization"]["slug"], "inviting");
    assert!(stranger.cookie.is_some(), "signed in");

    // Replayed: the link is spent.
    let mut replay = Client::new(&app);
    assert_eq!(
        error_code(
            &replay
                .gql(ACCEPT, accept_input(&token, "another sturdy passphrase"))
                .await
        ),
        "LINK_USED"
    );
    assert_eq!(
        error_code(&replay.gql(PREVIEW, json!({ "t": token })).await),
        "LINK_USED"
    );
    // And the new account signs in with its password.
    assert_ok(
        &replay
            .sign_in(&normalized, "a sturdy passphrase here")
            .await,
    );
    let log = admin
        .gql(
            "{ auditLog(first: 10, action: INVITATION_ACCEPTED) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["data"]["auditLog"]["edges"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn forged_expired_and_withdrawn_links_are_refused() {
    let app = testkit::spawn().await;
    let (mut admin, _) = admin_of(&app, "links").await;
    let mut anyone = Client::new(&app);
    for forged in ["", "not-a-token", &"A".repeat(43), &"x".repeat(129)] {
        let body = anyone
            .gql(ACCEPT, accept_input(forged, "a sturdy passphrase here"))
            .await;
        assert!(!error_code(&body).is_empty(), "{body}");
        assert_ne!(error_code(&body), "INTERNAL");
    }
    let expired_to = format!("late-{}@example.org", uuid::Uuid::new_v4().simple());
    let (expired, _) = invite_and_read_link(&mut admin, &expired_to, "PARTY", "EN").await;
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute_unprepared(&format!("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE email = '{expired_to}'"))
        .await
        .unwrap();
    assert_eq!(
        error_code(
            &anyone
                .gql(ACCEPT, accept_input(&expired, "a sturdy passphrase here"))
                .await
        ),
        "LINK_EXPIRED"
    );

    let withdrawn_to = format!("withdrawn-{}@example.org", uuid::Uuid::new_v4().simple());
    let (withdrawn, _) = invite_and_read_link(&mut admin, &withdrawn_to, "PARTY", "EN").await;
    let list = admin
        .gql("{ invitations { id email status } }", json!({}))
        .await;
    let id = list["data"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == withdrawn_to.as_str())
        .unwrap()["id"]
        .clone();
    assert_eq!(
        admin
            .gql(
                "mutation R($id: ID!) { revokeInvitation(id: $id) }",
                json!({ "id": id })
            )
            .await["data"]["revokeInvitation"],
        true
    );
    let body = anyone
        .gql(ACCEPT, accept_input(&withdrawn, "a sturdy passphrase here"))
        .await;
    assert_eq!(error_code(&body), "LINK_EXPIRED", "{body}");
    let statuses = admin
        .gql("{ invitations { email status } }", json!({}))
        .await;
    let status_of = |email: &str| {
        statuses["data"]["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["email"] == email)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&expired_to), "EXPIRED");
    assert_eq!(status_of(&withdrawn_to), "REVOKED");
    // Nothing was created by any refused acceptance.
    let users: i64 = owner
        .query_one(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT count(*) FROM users WHERE email IN ('{expired_to}', '{withdrawn_to}')"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn who_may_invite_whom() {
    let app = testkit::spawn().await;
    let (mut admin, emails) = admin_of(&app, "who").await;
    let mut manager = Client::new(&app);
    assert_ok(&manager.sign_in(&emails[1], PASSWORD).await);
    let mut party = Client::new(&app);
    assert_ok(&party.sign_in(&emails[2], PASSWORD).await);
    let invite = |role: &str| json!({ "input": { "email": format!("{}-{}@example.org", role.to_lowercase(), uuid::Uuid::new_v4().simple()), "role": role } });
    assert_ok(&manager.gql(INVITE, invite("PARTY")).await);
    assert_ok(&manager.gql(INVITE, invite("PARTY_REPRESENTATIVE")).await);
    assert_eq!(
        error_code(&manager.gql(INVITE, invite("MEDIATOR")).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&manager.gql(INVITE, invite("ORG_ADMIN")).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&party.gql(INVITE, invite("PARTY")).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&admin.gql(INVITE, invite("PLATFORM_OPERATOR")).await),
        "FORBIDDEN"
    );
    assert_ok(&admin.gql(INVITE, invite("COMPLIANCE_OFFICER")).await);
    let bad = admin
        .gql(
            INVITE,
            json!({ "input": { "email": "not an address", "role": "PARTY" } }),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "email");
    // A case manager sees the party invitations, not the staff ones.
    let seen = manager.gql("{ invitations { role } }", json!({})).await;
    let roles: Vec<&str> = seen["data"]["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(!roles.contains(&"COMPLIANCE_OFFICER"));
}

#[tokio::test]
async fn an_existing_account_accepts_while_signed_in_as_the_invited_address_only() {
    let app = testkit::spawn().await;
    let (mut admin_a, _) = admin_of(&app, "panel-a").await;
    let (_, other) = org_with(&app, "panel-b", &[RoleKey::Mediator, RoleKey::Mediator]).await;
    let (token, _) = invite_and_read_link(&mut admin_a, &other[0], "MEDIATOR", "EN").await;
    let mut anyone = Client::new(&app);
    let preview = anyone.gql(PREVIEW, json!({ "t": token })).await;
    assert_eq!(preview["data"]["invitation"]["accountExists"], true);
    assert_eq!(
        error_code(
            &anyone
                .gql(ACCEPT, accept_input(&token, "a sturdy passphrase here"))
                .await
        ),
        "CONFLICT"
    );
    let accept_signed_in = "mutation A($t: String!) { acceptInvitationSignedIn(token: $t) }";
    let mut someone_else = Client::new(&app);
    assert_ok(&someone_else.sign_in(&other[1], PASSWORD).await);
    assert_eq!(
        error_code(
            &someone_else
                .gql(accept_signed_in, json!({ "t": token }))
                .await
        ),
        "FORBIDDEN"
    );
    let mut invitee = Client::new(&app);
    assert_ok(&invitee.sign_in(&other[0], PASSWORD).await);
    assert_eq!(
        invitee.gql(accept_signed_in, json!({ "t": token })).await["data"]["acceptInvitationSignedIn"],
        true
    );
    // Now a member of panel-a too.
    let members = admin_a
        .gql(
            "{ members(first: 20) { edges { node { email } } } }",
            json!({}),
        )
        .await;
    assert!(members.to_string().contains(&other[0]));
    assert_eq!(
        error_code(&invitee.gql(accept_signed_in, json!({ "t": token })).await),
        "LINK_USED"
    );
}
