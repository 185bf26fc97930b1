//! The checked-in schema, introspection and GraphiQL by environment.

use caucus_api::config::Environment;
use caucus_api::testkit;
use serde_json::json;

use crate::support::{Client, error_code};

#[test]
fn checked_in_schema_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let checked_in = std::fs::read_to_string(&path).unwrap();
    assert!(
        checked_in == caucus_api::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -p caucus-api -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn introspection_and_graphiql_only_in_development() {
    let dev = testkit::spawn().await;
    let mut client = Client::new(&dev);
    let body = client
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let graphiql = reqwest::get(dev.url("/graphql")).await.unwrap();
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql.text().await.unwrap().contains("graphiql"));

    let prod = testkit::spawn_with(|s| s.environment = Environment::Production).await;
    let mut client = Client::new(&prod);
    // Introspection is disabled: the fields resolve to nothing.
    let body = client
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let body = client
        .gql("{ __type(name: \"User\") { name } }", json!({}))
        .await;
    assert!(body["data"]["__type"].is_null(), "{body}");
    // Ordinary queries still work.
    let body = client.gql("{ me { roles } }", json!({})).await;
    assert!(
        body["data"]["me"].is_null() && error_code(&body).is_empty(),
        "{body}"
    );
    let graphiql = reqwest::get(prod.url("/graphql")).await.unwrap();
    assert_eq!(graphiql.status(), 405);
}
