//! Apollo Federation v2: `_service { sdl }` and `_entities`, scoped like every
//! other field.

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use serde_json::json;

use crate::support::{Client, PASSWORD, assert_ok, org_with};

const ENTITIES: &str = "query E($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id email } ... on Organization { id name } } }";

#[tokio::test]
async fn service_sdl_is_federation_v2_with_user_and_organization_keys() {
    let app = testkit::spawn().await;
    let mut client = Client::new(&app);
    let body = client.gql("{ _service { sdl } }", json!({})).await;
    let sdl = body["data"]["_service"]["sdl"].as_str().unwrap();
    assert!(sdl.contains("specs.apollo.dev/federation/v2"), "{sdl}");
    for entity in [
        "type User @key(fields: \"id\")",
        "type Organization @key(fields: \"id\")",
    ] {
        assert!(sdl.contains(entity), "missing {entity}");
    }
}

#[tokio::test]
async fn entities_resolve_within_the_callers_tenant_only() {
    let app = testkit::spawn().await;
    let (org_a, emails_a) = org_with(&app, "fed-a", &[RoleKey::OrgAdmin, RoleKey::Party]).await;
    let (org_b, emails_b) = org_with(&app, "fed-b", &[RoleKey::OrgAdmin]).await;
    let mut admin_b = Client::new(&app);
    let signed = admin_b.sign_in(&emails_b[0], PASSWORD).await;
    let user_b = signed["data"]["signIn"]["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut admin_a = Client::new(&app);
    let signed = admin_a.sign_in(&emails_a[0], PASSWORD).await;
    let user_a = signed["data"]["signIn"]["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let own = admin_a
        .gql(
            ENTITIES,
            json!({ "r": [ { "__typename": "User", "id": user_a }, { "__typename": "Organization", "id": org_a } ] }),
        )
        .await;
    assert_ok(&own);
    assert_eq!(own["data"]["_entities"][0]["email"], emails_a[0].as_str());
    assert_eq!(own["data"]["_entities"][1]["name"], "Org fed-a");

    for representation in [
        json!({ "__typename": "User", "id": user_b }),
        json!({ "__typename": "Organization", "id": org_b }),
    ] {
        let other = admin_a
            .gql(ENTITIES, json!({ "r": [representation] }))
            .await;
        assert_eq!(
            other["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{other}"
        );
        assert!(!other.to_string().contains(&emails_b[0]));
    }
    let mut anonymous = Client::new(&app);
    let refused = anonymous
        .gql(
            ENTITIES,
            json!({ "r": [ { "__typename": "User", "id": user_a } ] }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}
