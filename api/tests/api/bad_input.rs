//! Hostile and malformed requests: each gets a clear error with a code, and
//! nothing is written.

use caucus_api::authz::RoleKey;
use caucus_api::testkit;
use serde_json::{Value, json};

use crate::support::{Client, error_code, signed_in};

async fn code_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, error_code(&body))
}

#[tokio::test]
async fn malformed_requests_get_typed_errors() {
    let app = testkit::spawn().await;
    let client = Client::new(&app);
    assert_eq!(
        code_of(client.post_raw("{\"query\": ", "application/json").await).await,
        (400, "MALFORMED_JSON".to_owned())
    );
    assert_eq!(
        code_of(client.post_raw("[1, 2]", "application/json").await).await,
        (400, "MALFORMED_JSON".to_owned())
    );
    assert_eq!(
        code_of(
            client
                .post_raw(vec![b'{', 0xff, 0xfe, b'}'], "application/json")
                .await
        )
        .await,
        (400, "INVALID_UTF8".to_owned())
    );
    let huge =
        json!({ "query": format!("{{ me {{ roles }} }} #{}", "x".repeat(300 * 1024)) }).to_string();
    assert_eq!(
        code_of(client.post_raw(huge, "application/json").await).await,
        (413, "PAYLOAD_TOO_LARGE".to_owned())
    );
    assert_eq!(
        code_of(
            client
                .post_raw("query=%7B%7D", "application/x-www-form-urlencoded")
                .await
        )
        .await,
        (415, "UNSUPPORTED_MEDIA_TYPE".to_owned())
    );
    assert_eq!(
        code_of(client.post_raw("{ me { roles } }", "text/plain").await).await,
        (415, "UNSUPPORTED_MEDIA_TYPE".to_owned())
    );
}

#[tokio::test]
async fn graphql_level_errors_have_codes() {
    let app = testkit::spawn().await;
    let mut client = Client::new(&app);
    let parse = client.gql("{ me { roles ", json!({})).await;
    assert_eq!(error_code(&parse), "GRAPHQL_PARSE_FAILED");
    let unknown_field = client.gql("{ secrets }", json!({})).await;
    assert_eq!(error_code(&unknown_field), "GRAPHQL_VALIDATION_FAILED");
    let body = json!({ "query": "query A { me { roles } }", "operationName": "B" }).to_string();
    let response: Value = client
        .post_raw(body, "application/json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(error_code(&response), "UNKNOWN_OPERATION");
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } }";
    assert_eq!(
        error_code(&client.gql(deep, json!({})).await),
        "QUERY_TOO_DEEP"
    );
    let wide: String = (0..250)
        .map(|i| format!("b{i}: branding(slug: \"x\") {{ name }} "))
        .collect();
    assert_eq!(
        error_code(&client.gql(&format!("{{ {wide} }}"), json!({})).await),
        "QUERY_TOO_COMPLEX"
    );
    let wrong_type = client
        .gql(
            "mutation S($i: SignInInput!) { signIn(input: $i) { viewer { roles } } }",
            json!({ "i": { "email": 5 } }),
        )
        .await;
    assert!(!error_code(&wrong_type).is_empty(), "{wrong_type}");
}

#[tokio::test]
async fn cookie_carrying_posts_need_json_and_the_client_header() {
    let app = testkit::spawn().await;
    let (client, _) = signed_in(&app, "csrf", RoleKey::OrgAdmin).await;
    let cookie = client.cookie.clone().unwrap();
    let mutation =
        json!({ "query": "mutation { updateOrganization(input: { name: \"Forged\" }) { name } }" })
            .to_string();
    // A cross-site form post: a simple content type, no custom header.
    let form = reqwest::Client::new()
        .post(app.url("/graphql"))
        .header("cookie", &cookie)
        .header("content-type", "text/plain")
        .body(mutation.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(form).await,
        (415, "UNSUPPORTED_MEDIA_TYPE".to_owned())
    );
    let no_header = reqwest::Client::new()
        .post(app.url("/graphql"))
        .header("cookie", &cookie)
        .header("content-type", "application/json")
        .body(mutation)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(no_header).await,
        (403, "MISSING_CLIENT_HEADER".to_owned())
    );
    let mut client = client;
    let name = client.gql("{ organization { name } }", json!({})).await;
    assert_eq!(
        name["data"]["organization"]["name"], "Org csrf",
        "nothing was written"
    );
}

#[tokio::test]
async fn an_invalid_field_means_nothing_is_written() {
    let app = testkit::spawn().await;
    let (mut client, _) = signed_in(&app, "atomic", RoleKey::OrgAdmin).await;
    for (input, field) in [
        (
            json!({ "name": "Valid new name", "brandColor": "#ffffff" }),
            "brandColor",
        ),
        (
            json!({ "name": "Valid new name", "brandColor": "red" }),
            "brandColor",
        ),
        (json!({ "name": "   ", "brandColor": "#1f4e79" }), "name"),
        (json!({ "name": "x".repeat(201) }), "name"),
    ] {
        let body = client
            .gql(
                "mutation U($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { name } }",
                json!({ "i": input }),
            )
            .await;
        assert_eq!(error_code(&body), "VALIDATION_FAILED", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let org = client
        .gql("{ organization { name brandColor } }", json!({}))
        .await;
    assert_eq!(org["data"]["organization"]["name"], "Org atomic");
    assert_eq!(org["data"]["organization"]["brandColor"], "#1f4e79");
}

#[tokio::test]
async fn internal_errors_hide_their_cause_behind_an_event_id() {
    let app = testkit::spawn().await;
    let (mut client, _) = signed_in(&app, "internal", RoleKey::OrgAdmin).await;
    let body = client
        .gql(
            "mutation { updateOrganization(input: { name: \"bad\\u0000name\" }) { name } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INTERNAL");
    let message = body["errors"][0]["message"].as_str().unwrap();
    let event_id = body["errors"][0]["extensions"]["eventId"].as_str().unwrap();
    assert!(message.contains(event_id));
    for forbidden in [
        "SQL",
        "sqlx",
        "organizations",
        "UPDATE",
        "0x00",
        "panicked",
        "src/",
    ] {
        assert!(
            !body.to_string().contains(forbidden),
            "{forbidden} in {body}"
        );
    }
}
