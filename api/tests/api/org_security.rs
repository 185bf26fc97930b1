//! The organization's sign-in security: MFA policy per role, session
//! lifetimes, who may change roles, and switching organization.

use caucus_api::authz::RoleKey;
use caucus_api::identity::session::session_id;
use caucus_api::testkit::{self, TestApp};
use fred::prelude::*;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};

use crate::support::{Client, PASSWORD, assert_ok, enrol_totp, error_code, org_with};

const ME: &str = "{ me { mfaEnrollmentRequired roles organization { id } } }";

async fn set_security(admin: &mut Client, input: Value) -> Value {
    admin
        .gql(
            "mutation U($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { security { mfaRequiredRoles sessionIdleMinutes sessionAbsoluteHours staffSignInLinks } } }",
            json!({ "i": input }),
        )
        .await
}

/// The Redis TTL of the client's session, in seconds.
async fn session_ttl(app: &TestApp, client: &Client) -> i64 {
    let cookie = client.cookie.as_deref().unwrap();
    let token = cookie.split_once('=').unwrap().1;
    let key = app.state.kv.key(&format!("session:{}", session_id(token)));
    app.state.kv.pool().ttl(key).await.unwrap()
}

#[tokio::test]
async fn a_role_that_requires_mfa_can_only_enrol_until_it_has() {
    let app = testkit::spawn().await;
    let (org_id, emails) = org_with(
        &app,
        "policy",
        &[RoleKey::OrgAdmin, RoleKey::Mediator, RoleKey::Party],
    )
    .await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let set = set_security(
        &mut admin,
        json!({ "mfaRequiredRoles": ["MEDIATOR", "MEDIATOR"] }),
    )
    .await;
    assert_eq!(
        set["data"]["updateOrganization"]["security"]["mfaRequiredRoles"],
        json!(["MEDIATOR"])
    );

    let mut mediator = Client::new(&app);
    assert_ok(&mediator.sign_in(&emails[1], PASSWORD).await);
    let me = mediator.gql(ME, json!({})).await;
    assert_eq!(me["data"]["me"]["mfaEnrollmentRequired"], true, "{me}");
    for query in [
        "{ organization { id } }",
        "{ members(first: 5) { edges { cursor } } }",
        "{ myConsents { id } }",
        "mutation { updateProfile(name: \"Someone\") { roles } }",
    ] {
        let refused = mediator.gql(query, json!({})).await;
        assert_eq!(
            error_code(&refused),
            "MFA_ENROLLMENT_REQUIRED",
            "{query}: {refused}"
        );
    }
    // Their own sessions stay visible, and set-up is open.
    assert_ok(&mediator.gql("{ mySessions { id } }", json!({})).await);
    let pending_cookie = mediator.cookie.clone().unwrap();
    let secret = enrol_totp(&mut mediator).await;
    // Set-up renewed the session: a new id, and the old one is gone.
    assert_ne!(mediator.cookie.as_deref(), Some(pending_cookie.as_str()));
    let me = mediator.gql(ME, json!({})).await;
    assert_eq!(me["data"]["me"]["mfaEnrollmentRequired"], false, "{me}");
    assert_eq!(me["data"]["me"]["organization"]["id"], org_id.as_str());
    assert_ok(&mediator.gql("{ organization { id } }", json!({})).await);
    let mut stale = Client::new(&app);
    stale.cookie = Some(pending_cookie);
    assert_eq!(stale.gql(ME, json!({})).await["data"]["me"], Value::Null);
    // From now on the mediator signs in with two steps.
    let mut again = Client::new(&app);
    let body = again.sign_in(&emails[1], PASSWORD).await;
    assert_eq!(error_code(&body), "MFA_REQUIRED", "{body}");
    assert!(!secret.is_empty());

    // Roles outside the policy are not asked.
    let mut party = Client::new(&app);
    assert_ok(&party.sign_in(&emails[2], PASSWORD).await);
    assert_eq!(
        party.gql(ME, json!({})).await["data"]["me"]["mfaEnrollmentRequired"],
        false
    );
    assert_ok(&party.gql("{ organization { id } }", json!({})).await);
}

#[tokio::test]
async fn session_lifetimes_follow_the_organization_within_the_installation() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "lifetimes", &[RoleKey::OrgAdmin, RoleKey::Party]).await;
    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let (max_idle, _) = app.state.sessions.max_lifetimes();
    let before = session_ttl(&app, &admin).await;
    assert!(
        before > 300 && before <= i64::try_from(max_idle).unwrap(),
        "{before}"
    );

    for (input, field) in [
        (json!({ "sessionIdleMinutes": 4 }), "sessionIdleMinutes"),
        (
            json!({ "sessionIdleMinutes": 100000 }),
            "sessionIdleMinutes",
        ),
        (json!({ "sessionAbsoluteHours": 0 }), "sessionAbsoluteHours"),
        (
            json!({ "sessionAbsoluteHours": 721 }),
            "sessionAbsoluteHours",
        ),
    ] {
        let refused = set_security(&mut admin, input).await;
        assert_eq!(error_code(&refused), "VALIDATION_FAILED", "{refused}");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], field,
            "{refused}"
        );
    }
    let set = set_security(
        &mut admin,
        json!({ "sessionIdleMinutes": 5, "sessionAbsoluteHours": 2 }),
    )
    .await;
    assert_ok(&set);
    let mut party = Client::new(&app);
    assert_ok(&party.sign_in(&emails[1], PASSWORD).await);
    let ttl = session_ttl(&app, &party).await;
    assert!(
        (290..=300).contains(&ttl),
        "idle timeout 5 minutes, TTL {ttl}"
    );
    // Using the session extends it by the organization's idle time, not the installation's.
    assert_ok(&party.gql("{ organization { id } }", json!({})).await);
    let ttl = session_ttl(&app, &party).await;
    assert!((290..=300).contains(&ttl), "TTL after use {ttl}");
    // An idle time longer than the installation's is capped by it.
    let set = set_security(&mut admin, json!({ "sessionIdleMinutes": 1440 })).await;
    assert_ok(&set);
    let mut capped = Client::new(&app);
    assert_ok(&capped.sign_in(&emails[1], PASSWORD).await);
    let ttl = session_ttl(&app, &capped).await;
    assert!(ttl <= i64::try_from(max_idle).unwrap(), "{ttl}");
}

#[tokio::test]
async fn only_an_org_admin_changes_roles_and_the_member_signs_in_again() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(
        &app,
        "roles-a",
        &[RoleKey::OrgAdmin, RoleKey::Party, RoleKey::CaseManager],
    )
    .await;
    let (_, emails_b) = org_with(&app, "roles-b", &[RoleKey::Party]).await;
    let mut admin = Client::new(&app);
    let signed = admin.sign_in(&emails[0], PASSWORD).await;
    assert_ok(&signed);
    let admin_id = signed["data"]["signIn"]["viewer"]["user"]["id"].clone();
    let mut party = Client::new(&app);
    let party_signed = party.sign_in(&emails[1], PASSWORD).await;
    let party_id = party_signed["data"]["signIn"]["viewer"]["user"]["id"].clone();
    let mut outsider = Client::new(&app);
    let outsider_signed = outsider.sign_in(&emails_b[0], PASSWORD).await;
    let outsider_id = outsider_signed["data"]["signIn"]["viewer"]["user"]["id"].clone();
    let mut case_manager = Client::new(&app);
    assert_ok(&case_manager.sign_in(&emails[2], PASSWORD).await);

    const SET: &str =
        "mutation S($u: ID!, $r: [RoleKey!]!) { setMemberRoles(userId: $u, roles: $r) }";
    let refused = case_manager
        .gql(SET, json!({ "u": party_id, "r": ["OBSERVER"] }))
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    let cases = [
        (party_id.clone(), json!(["PLATFORM_OPERATOR"]), "FORBIDDEN"),
        (party_id.clone(), json!([]), "VALIDATION_FAILED"),
        (admin_id.clone(), json!(["PARTY"]), "CONFLICT"),
        // Another organization's member is not found here.
        (outsider_id.clone(), json!(["MEDIATOR"]), "NOT_FOUND"),
        (json!("not-a-uuid"), json!(["MEDIATOR"]), "NOT_FOUND"),
    ];
    for (user, roles, code) in cases {
        let refused = admin.gql(SET, json!({ "u": user, "r": roles })).await;
        assert_eq!(error_code(&refused), code, "{user} {roles}: {refused}");
    }
    // Nothing changed for the outsider or the party.
    assert_eq!(
        outsider.gql(ME, json!({})).await["data"]["me"]["roles"],
        json!(["PARTY"])
    );
    assert_eq!(
        party.gql(ME, json!({})).await["data"]["me"]["roles"],
        json!(["PARTY"])
    );

    let changed = admin
        .gql(SET, json!({ "u": party_id, "r": ["MEDIATOR", "OBSERVER"] }))
        .await;
    assert_eq!(
        changed["data"]["setMemberRoles"],
        json!(["MEDIATOR", "OBSERVER"]),
        "{changed}"
    );
    // The member's session ended with the change; signing in again gives a
    // new session with the new roles.
    assert_eq!(party.gql(ME, json!({})).await["data"]["me"], Value::Null);
    let again = party.sign_in(&emails[1], PASSWORD).await;
    assert_eq!(
        again["data"]["signIn"]["viewer"]["roles"],
        json!(["MEDIATOR", "OBSERVER"])
    );
    let log = admin
        .gql(
            "{ auditLog(first: 50) { edges { node { action targetId } } } }",
            json!({}),
        )
        .await;
    let changes = log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "identity.role_changed")
        .count();
    // One entry per role given or taken: MEDIATOR and OBSERVER in, PARTY out.
    assert_eq!(changes, 3, "{log}");
}

#[tokio::test]
async fn a_person_in_two_organizations_switches_with_a_new_session() {
    let app = testkit::spawn().await;
    let (org_a, emails) = org_with(&app, "switch-a", &[RoleKey::Party]).await;
    let (org_b, _) = org_with(&app, "switch-b", &[RoleKey::OrgAdmin]).await;
    let (org_c, _) = org_with(&app, "switch-c", &[RoleKey::OrgAdmin]).await;
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO user_roles (org_id, user_id, role_id)
             SELECT $1::uuid, u.id, r.id FROM users u, roles r WHERE u.email = $2 AND r.key = 'observer'",
            [org_b.parse::<uuid::Uuid>().unwrap().into(), emails[0].clone().into()],
        ))
        .await
        .unwrap();
    let mut person = Client::new(&app);
    assert_ok(&person.sign_in(&emails[0], PASSWORD).await);
    let listed = person
        .gql(
            "{ myOrganizations { organizationId name roles current } }",
            json!({}),
        )
        .await;
    let mut orgs = listed["data"]["myOrganizations"]
        .as_array()
        .unwrap()
        .clone();
    orgs.sort_by_key(|o| o["name"].as_str().unwrap().to_owned());
    assert_eq!(
        Value::Array(orgs),
        json!([
            { "organizationId": org_a, "name": "Org switch-a", "roles": ["PARTY"], "current": true },
            { "organizationId": org_b, "name": "Org switch-b", "roles": ["OBSERVER"], "current": false },
        ])
    );
    const SWITCH: &str = "mutation W($o: ID!) { switchOrganization(organizationId: $o) { roles organization { id } } }";
    for not_mine in [json!(org_c), json!("nonsense")] {
        let refused = person.gql(SWITCH, json!({ "o": not_mine })).await;
        assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    }
    let old_cookie = person.cookie.clone().unwrap();
    let switched = person.gql(SWITCH, json!({ "o": org_b })).await;
    assert_eq!(
        switched["data"]["switchOrganization"],
        json!({ "roles": ["OBSERVER"], "organization": { "id": org_b } })
    );
    assert_ne!(person.cookie.as_deref(), Some(old_cookie.as_str()));
    let me = person.gql(ME, json!({})).await;
    assert_eq!(me["data"]["me"]["organization"]["id"], org_b.as_str());
    let mut stale = Client::new(&app);
    stale.cookie = Some(old_cookie);
    assert_eq!(stale.gql(ME, json!({})).await["data"]["me"], Value::Null);
}
