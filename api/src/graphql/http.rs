//! The `/graphql` and `/graphql/ws` endpoints. Requests are read and checked
//! here, before GraphQL sees them, so every refusal is a GraphQL-shaped error
//! with a code and nothing runs: oversized bodies, invalid UTF-8, malformed JSON,
//! a wrong content type, and cookie-carrying POSTs without the client header.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::body::{Body, to_bytes};
use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use shared_types::{CLIENT_HEADER, ErrorCode};

use crate::audit::ClientInfo;
use crate::authz::Actor;
use crate::graphql::context::RequestContext;
use crate::identity::session::token_from_cookies;
use crate::redact::Sensitive;
use crate::state::AppState;

/// A GraphQL-shaped error response.
pub fn error_response(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Resolves a partner's bearer token or the session cookie, if any, to an actor.
/// A bearer token that is not live is refused outright (a partner must know).
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Option<Actor>, Option<Sensitive<String>>), Response> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return match state.partner_tokens.load(bearer.trim()).await {
            Ok(Some(token)) => Ok((Some(token.actor()), None)),
            Ok(None) => Err(error_response(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "The bearer token is not valid (expired or revoked).",
            )),
            Err(error) => {
                let event_id = crate::error::report_internal(&error);
                Err(error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Internal,
                    &format!("Something went wrong on our side. Reference: {event_id}"),
                ))
            }
        };
    }
    let Some(token) = token_from_cookies(headers, state.sessions.cookie_name()) else {
        return Ok((None, None));
    };
    match state.sessions.load(&token).await {
        Ok(record) => Ok((record.map(|r| r.actor()), Some(Sensitive::new(token)))),
        Err(error) => {
            let event_id = crate::error::report_internal(&error);
            Err(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal,
                &format!("Something went wrong on our side. Reference: {event_id}"),
            ))
        }
    }
}

/// The caller's address (the socket peer) and user agent.
pub fn client_info(peer: Option<SocketAddr>, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: peer.map(|p| p.ip().to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
    }
}

pub async fn graphql_post(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let has_cookie = headers.contains_key(header::COOKIE);
    if !is_json(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Send GraphQL requests as application/json.",
        );
    }
    if has_cookie && !headers.contains_key(CLIENT_HEADER) {
        return error_response(
            StatusCode::FORBIDDEN,
            ErrorCode::MissingClientHeader,
            "Requests with a session cookie must carry the x-caucus-client header.",
        );
    }
    let limit = state.settings.server.body_limit_bytes;
    let Ok(bytes) = to_bytes(body, limit).await else {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            &format!("The request is larger than {limit} bytes."),
        );
    };
    if std::str::from_utf8(&bytes).is_err() {
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidUtf8,
            "The request body is not valid UTF-8.",
        );
    }
    let mut request: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::MalformedJson,
                "The request body is not a GraphQL request in JSON.",
            );
        }
    };
    crate::graphql::documents::shared().prepare(&mut request);
    let (actor, session_token) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let request = request.data(RequestContext {
        state: state.clone(),
        actor,
        session_token,
        client: client_info(peer.map(|p| p.0.0), &headers),
    });
    let response = state.schema.execute(request).await;
    let mut http = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&response).unwrap_or_else(|_| String::from("{}")),
    )
        .into_response();
    for (name, value) in response.http_headers.iter() {
        http.headers_mut().append(name.clone(), value.clone());
    }
    http.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    http
}

/// GraphiQL, in development only (the router does not mount it otherwise).
pub async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .finish(),
    )
}

/// The portals' own origins (where their links point) and those configured.
fn our_origin(settings: &crate::config::Settings, origin: &str) -> bool {
    let portals = [
        &settings.email.admin_portal_url,
        &settings.email.client_portal_url,
        &settings.server.public_url,
    ];
    settings.server.allowed_origins.iter().any(|a| a == origin)
        || portals
            .iter()
            .any(|url| url.origin().ascii_serialization() == origin)
}

/// Subscriptions over graphql-transport-ws. The session cookie authenticates the
/// upgrade, and the `Origin` must be one of ours, so another site cannot open a
/// socket with a visitor's cookie.
pub async fn graphql_ws(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .is_ok_and(|o| our_origin(&state.settings, o));
        if !allowed {
            return error_response(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "This origin may not open a subscription.",
            );
        }
    }
    let (actor, session_token) = match authenticate(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let schema = state.schema.clone();
    let client = client_info(peer.map(|p| p.0.0), &headers);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(state.settings.server.body_limit_bytes)
        .on_upgrade(move |socket| {
            let mut data = async_graphql::Data::default();
            data.insert(RequestContext {
                state,
                actor,
                session_token,
                client,
            });
            GraphQLWebSocket::new(socket, schema, protocol)
                .with_data(data)
                .serve()
        })
}
