//! Account lifecycle and profiles.

use caucus_api::audit::chain::{Verdict, verify};
use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::json;

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const CHANGE: &str =
    "mutation C($u: ID!, $c: AccountChange!) { changeMemberAccount(userId: $u, change: $c) }";

async fn user_id(client: &mut Client) -> String {
    client.gql("{ me { user { id } } }", json!({})).await["data"]["me"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn suspend_reactivate_and_delete_a_member() {
    let app = testkit::spawn().await;
    let (org, emails) = org_with(
        &app,
        "lifecycle",
        &[RoleKey::OrgAdmin, RoleKey::Party, RoleKey::CaseManager],
    )
    .await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let mut party = Client::new(&app);
    assert_ok(&party.sign_in(&emails[1], PASSWORD).await);
    let party_id = user_id(&mut party).await;
    let admin_id = user_id(&mut admin).await;

    let mut manager = Client::new(&app);
    assert_ok(&manager.sign_in(&emails[2], PASSWORD).await);
    assert_eq!(
        error_code(
            &manager
                .gql(CHANGE, json!({ "u": party_id, "c": "SUSPEND" }))
                .await
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &admin
                .gql(CHANGE, json!({ "u": admin_id, "c": "SUSPEND" }))
                .await
        ),
        "CONFLICT"
    );

    assert_ok(
        &admin
            .gql(CHANGE, json!({ "u": party_id, "c": "SUSPEND" }))
            .await,
    );
    assert_eq!(
        party.gql("{ me { roles } }", json!({})).await["data"]["me"],
        serde_json::Value::Null,
        "sessions end"
    );
    assert_eq!(
        error_code(&party.sign_in(&emails[1], PASSWORD).await),
        "INVALID_CREDENTIALS"
    );
    assert_eq!(
        error_code(
            &admin
                .gql(CHANGE, json!({ "u": party_id, "c": "SUSPEND" }))
                .await
        ),
        "CONFLICT"
    );
    assert_ok(
        &admin
            .gql(CHANGE, json!({ "u": party_id, "c": "REACTIVATE" }))
            .await,
    );
    assert_ok(&party.sign_in(&emails[1], PASSWORD).await);

    assert_ok(
        &admin
            .gql(CHANGE, json!({ "u": party_id, "c": "DELETE" }))
            .await,
    );
    assert_eq!(
        error_code(&party.sign_in(&emails[1], PASSWORD).await),
        "INVALID_CREDENTIALS"
    );
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let row = owner
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT u.email, u.hashed_password IS NULL AS no_password, p.name FROM users u JOIN profiles p ON p.user_id = u.id WHERE u.id = '{party_id}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    let email: String = row.try_get("", "email").unwrap();
    assert!(
        email.ends_with("@deleted.invalid") && !email.contains("lifecycle"),
        "{email}"
    );
    assert!(row.try_get::<bool>("", "no_password").unwrap());
    assert_eq!(row.try_get::<String>("", "name").unwrap(), "Deleted user");
    // The audit trail survives, intact.
    let log = admin
        .gql(
            "{ auditLog(first: 50) { edges { node { action targetId } } } }",
            json!({}),
        )
        .await;
    let text = log.to_string();
    for action in [
        "identity.member_suspended",
        "identity.member_reactivated",
        "identity.member_deleted",
    ] {
        assert!(text.contains(action), "{action}");
    }
    assert!(matches!(
        verify(&app.db.owner_url, org.parse().unwrap())
            .await
            .unwrap(),
        Verdict::Intact { .. }
    ));
}

#[tokio::test]
async fn people_of_other_organizations_are_out_of_reach() {
    let app = testkit::spawn().await;
    let (_, emails_a) = org_with(&app, "reach-a", &[RoleKey::OrgAdmin, RoleKey::Mediator]).await;
    let (_, emails_b) = org_with(&app, "reach-b", &[RoleKey::Party]).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails_a[0], PASSWORD).await);
    let mut outsider = Client::new(&app);
    assert_ok(&outsider.sign_in(&emails_b[0], PASSWORD).await);
    let outsider_id = user_id(&mut outsider).await;
    assert_eq!(
        error_code(
            &admin
                .gql(CHANGE, json!({ "u": outsider_id, "c": "DELETE" }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(
            &admin
                .gql(
                    "mutation R($u: ID!) { removeMember(userId: $u) }",
                    json!({ "u": outsider_id })
                )
                .await
        ),
        "NOT_FOUND"
    );
    assert!(outsider.gql("{ me { roles } }", json!({})).await["data"]["me"].is_object());

    // A mediator who also sits on panel B keeps their account: panel A can only
    // remove their roles here.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute_unprepared(&format!(
            "INSERT INTO user_roles (org_id, user_id, role_id)
             SELECT o.id, u.id, r.id FROM organizations o, users u, roles r
             WHERE o.slug = 'reach-b' AND lower(u.email) = lower('{}') AND r.key = 'mediator'",
            emails_a[1]
        ))
        .await
        .unwrap();
    let mut mediator = Client::new(&app);
    assert_ok(&mediator.sign_in(&emails_a[1], PASSWORD).await);
    let mediator_id = user_id(&mut mediator).await;
    assert_eq!(
        error_code(
            &admin
                .gql(CHANGE, json!({ "u": mediator_id, "c": "SUSPEND" }))
                .await
        ),
        "CONFLICT"
    );
    assert_eq!(
        admin
            .gql(
                "mutation R($u: ID!) { removeMember(userId: $u) }",
                json!({ "u": mediator_id })
            )
            .await["data"]["removeMember"],
        true
    );
    let members = admin
        .gql(
            "{ members(first: 10) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(!members.to_string().contains(&mediator_id));
}

#[tokio::test]
async fn people_edit_their_own_profile_with_validation() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "profile", &[RoleKey::Party]).await;
    let mut party = Client::new(&app);
    assert_ok(&party.sign_in(&emails[0], PASSWORD).await);
    let update = "mutation U($n: String, $l: LanguageInput, $t: String) { updateProfile(name: $n, language: $l, timezone: $t) { user { name locale timezone } } }";
    let done = party
        .gql(
            update,
            json!({ "n": "Pat Q. Party", "l": "ES", "t": "Asia/Kathmandu" }),
        )
        .await;
    assert_eq!(
        done["data"]["updateProfile"]["user"],
        json!({ "name": "Pat Q. Party", "locale": "es", "timezone": "Asia/Kathmandu" })
    );
    let bad = party
        .gql(update, json!({ "n": "Still Valid", "t": "Not/AZone" }))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "timezone");
    let bad = party.gql(update, json!({ "n": "   " })).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "name");
    let now = party
        .gql("{ me { user { name timezone } } }", json!({}))
        .await;
    assert_eq!(
        now["data"]["me"]["user"],
        json!({ "name": "Pat Q. Party", "timezone": "Asia/Kathmandu" })
    );
}
