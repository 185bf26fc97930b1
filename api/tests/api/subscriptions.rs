//! Live subscriptions over graphql-transport-ws, fed through Redis pub/sub.

use std::time::Duration;

use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::signed_in;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(app: &TestApp, cookie: Option<&str>, origin: &str) -> Result<Socket, u16> {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    headers.insert("origin", origin.parse().unwrap());
    if let Some(cookie) = cookie {
        headers.insert("cookie", cookie.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

pub async fn next_json(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    continue;
                }
                return Some(value);
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

async fn subscribe(socket: &mut Socket) {
    socket
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string().into(),
        ))
        .await
        .unwrap();
    let ack = next_json(socket, Duration::from_secs(5)).await.unwrap();
    assert_eq!(ack["type"], "connection_ack");
    socket
        .send(Message::Text(
            json!({
                "id": "1",
                "type": "subscribe",
                "payload": { "query": "subscription Watch { organizationEvents { organizationId kind } }" }
            })
            .to_string()
            .into(),
        ))
        .await
        .unwrap();
}

pub const ORIGIN: &str = "http://localhost:8081";

#[tokio::test]
async fn staff_receive_live_organization_events_of_their_own_tenant_only() {
    let app = testkit::spawn().await;
    let (mut admin_a, org_a) = signed_in(&app, "live-a", RoleKey::OrgAdmin).await;
    let (admin_b, _) = signed_in(&app, "live-b", RoleKey::OrgAdmin).await;
    let mut socket_a = connect(&app, admin_a.cookie.as_deref(), ORIGIN)
        .await
        .unwrap();
    let mut socket_b = connect(&app, admin_b.cookie.as_deref(), ORIGIN)
        .await
        .unwrap();
    subscribe(&mut socket_a).await;
    subscribe(&mut socket_b).await;

    // The subscription is registered asynchronously: change the organization
    // until the event arrives (bounded).
    let mut received = None;
    for attempt in 0..20 {
        let body = admin_a
            .gql(
                "mutation U($n: String!) { updateOrganization(input: { name: $n }) { id } }",
                json!({ "n": format!("Live A {attempt}") }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        if let Some(message) = next_json(&mut socket_a, Duration::from_millis(250)).await {
            received = Some(message);
            break;
        }
    }
    let message = received.expect("an event within 20 attempts");
    assert_eq!(message["type"], "next");
    assert_eq!(message["id"], "1");
    assert_eq!(
        message["payload"]["data"]["organizationEvents"]["organizationId"],
        org_a.as_str()
    );
    assert_eq!(
        message["payload"]["data"]["organizationEvents"]["kind"],
        "SETTINGS_CHANGED"
    );
    // The other tenant's subscriber saw nothing.
    assert!(
        next_json(&mut socket_b, Duration::from_millis(500))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn subscriptions_refuse_foreign_origins_and_unauthorized_callers() {
    let app = testkit::spawn().await;
    let (admin, _) = signed_in(&app, "ws-origin", RoleKey::OrgAdmin).await;
    assert_eq!(
        connect(&app, admin.cookie.as_deref(), "https://evil.example")
            .await
            .err(),
        Some(403)
    );
    // A portal's own origin (where its links point) may, without being
    // listed in `allowed_origins`.
    let portal = "http://portal.caucus.test:9443";
    let served = testkit::spawn_with(|s| {
        s.email.client_portal_url = url::Url::parse(portal).unwrap();
        assert!(!s.server.allowed_origins.iter().any(|o| o == portal));
    })
    .await;
    let (member, _) = signed_in(&served, "ws-portal", RoleKey::OrgAdmin).await;
    assert!(
        connect(&served, member.cookie.as_deref(), portal)
            .await
            .is_ok()
    );
    assert_eq!(
        connect(
            &served,
            member.cookie.as_deref(),
            "http://elsewhere.caucus.test:9443"
        )
        .await
        .err(),
        Some(403)
    );
    // Signed out: the subscription ends with an error, not with events.
    let mut socket = connect(&app, None, ORIGIN).await.unwrap();
    subscribe(&mut socket).await;
    let message = next_json(&mut socket, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(message["payload"]["data"], Value::Null, "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    // A party may not watch the organization.
    let (party, _) = signed_in(&app, "ws-party", RoleKey::Party).await;
    let mut socket = connect(&app, party.cookie.as_deref(), ORIGIN)
        .await
        .unwrap();
    subscribe(&mut socket).await;
    let message = next_json(&mut socket, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{message}"
    );
}
