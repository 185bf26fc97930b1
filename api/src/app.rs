//! Wiring: connects to PostgreSQL and Redis, builds the router and serves the API
//! (and, when configured, each portal on its own port with `/graphql` on the same
//! origin).

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use shared_types::ErrorCode;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::db::Db;
use crate::graphql::{self, http::error_response};
use crate::identity::session::Sessions;
use crate::identity::throttle::SignInThrottle;
use crate::kv::Kv;
use crate::state::AppState;

pub struct Application {
    pub state: AppState,
    api: (TcpListener, Router),
    portals: Vec<(TcpListener, Router)>,
}

/// Connects to PostgreSQL and Redis and builds the shared state (every role).
pub async fn connect(settings: Settings) -> anyhow::Result<AppState> {
    let settings = Arc::new(settings);
    let db = Db::connect(&settings.database).await?;
    let kv = Kv::connect(&settings.redis).await?;
    let sessions = Sessions::new(kv.clone(), settings.session.clone());
    let sign_in_throttle = SignInThrottle::new(kv.clone(), settings.throttle.clone());
    let schema = graphql::build_schema(&settings.graphql, settings.environment.is_development());
    let data_key = crate::crypto::DataKey::from_settings(&settings.security)?;
    let links = crate::identity::links::Links::new(kv.clone());
    let passkeys = crate::identity::passkeys::Passkeys::new(&settings.webauthn, kv.clone())?;
    let sso = crate::identity::sso::Sso::new(&settings.server.public_url, kv.clone())?;
    let partner_tokens =
        crate::partner::PartnerTokens::new(kv.clone(), settings.partner.token_ttl_secs);
    let livekit = crate::video::livekit::LiveKit::from_settings(&settings.video);
    Ok(AppState {
        livekit,
        settings,
        db,
        links,
        partner_tokens,
        data_key,
        passkeys,
        sso,
        kv,
        sessions,
        sign_in_throttle,
        schema,
    })
}

/// Sockets bound before the application starts, used instead of binding the
/// configured ports (tests hold their ports from the moment they choose them,
/// so nothing else on the machine can take one in between).
#[derive(Default)]
pub struct Listeners {
    pub api: Option<std::net::TcpListener>,
    pub admin: Option<std::net::TcpListener>,
    pub client: Option<std::net::TcpListener>,
}

async fn listen(
    bound: Option<std::net::TcpListener>,
    addr: SocketAddr,
) -> anyhow::Result<TcpListener> {
    Ok(match bound {
        Some(listener) => {
            listener.set_nonblocking(true)?;
            TcpListener::from_std(listener)?
        }
        None => TcpListener::bind(addr).await?,
    })
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Listeners::default()).await
    }

    pub async fn build_with(settings: Settings, listeners: Listeners) -> anyhow::Result<Self> {
        let state = connect(settings).await?;
        let settings = state.settings.clone();
        let host = settings.server.host;
        let api_listener =
            listen(listeners.api, SocketAddr::new(host, settings.server.port)).await?;
        let api = (api_listener, api_router(state.clone()));
        let mut portals = Vec::new();
        for (dir, port, bound) in [
            (
                &settings.portals.admin_dir,
                settings.portals.admin_port,
                listeners.admin,
            ),
            (
                &settings.portals.client_dir,
                settings.portals.client_port,
                listeners.client,
            ),
        ] {
            if let (Some(dir), Some(port)) = (dir, port) {
                let listener = listen(bound, SocketAddr::new(host, port)).await?;
                portals.push((listener, portal_router(state.clone(), dir)));
            }
        }
        Ok(Self {
            state,
            api,
            portals,
        })
    }

    pub fn api_addr(&self) -> std::io::Result<SocketAddr> {
        self.api.0.local_addr()
    }

    /// Addresses of the portals, in the order admin, client (those configured).
    pub fn portal_addrs(&self) -> std::io::Result<Vec<SocketAddr>> {
        self.portals.iter().map(|(l, _)| l.local_addr()).collect()
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let mut servers = Vec::new();
        for (listener, router) in std::iter::once(self.api).chain(self.portals) {
            let mut stop = stop_tx.subscribe();
            servers.push(tokio::spawn(async move {
                axum::serve(
                    listener,
                    router.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async move {
                    let _ = stop.recv().await;
                })
                .await
            }));
        }
        if self.state.settings.worker.in_process {
            let worker = crate::jobs::worker::Worker::new(self.state.clone())?;
            let mut stop = stop_tx.subscribe();
            servers.push(tokio::spawn(async move {
                worker
                    .run(async move {
                        let _ = stop.recv().await;
                    })
                    .await;
                Ok(())
            }));
        }
        shutdown.await;
        let _ = stop_tx.send(());
        for server in servers {
            server.await??;
        }
        Ok(())
    }
}

/// Routes shared by the API port and each portal port.
fn graphql_routes(state: AppState) -> Router {
    let development = state.settings.environment.is_development();
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs);
    let post = axum::routing::post(graphql::http::graphql_post).layer(
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout),
    );
    let route = if development {
        post.get(graphql::http::graphiql)
    } else {
        post
    };
    Router::new()
        .route("/graphql", route)
        .route("/graphql/ws", get(graphql::http::graphql_ws))
        .route(
            "/oauth/token",
            axum::routing::post(crate::partner::http::token),
        )
        .route(
            "/auth/sso/{id}/start",
            get(crate::identity::sso_graphql::start),
        )
        .route(
            "/auth/sso/callback",
            get(crate::identity::sso_graphql::callback),
        )
        .route(
            "/branding/{org_id}/logo/{sha256}",
            get(crate::orgs::logo::serve),
        )
        // A mediator's calendar feed: calendar programs send no cookies.
        .route("/calendar/{file}", get(crate::scheduling::feed::serve))
        // LiveKit's webhooks, verified by their signature.
        .route(
            "/livekit/webhook",
            axum::routing::post(crate::video::webhook::receive),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
}

fn common_layers(router: Router) -> Router {
    router
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                // The matched route, never the raw path or query string.
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str);
                tracing::info_span!(
                    "http.request",
                    otel.name = %format!("{} {route}", request.method()),
                    http.method = %request.method(),
                    http.route = route,
                )
            }),
        )
        .layer(CatchPanicLayer::custom(|_| {
            let event_id = uuid::Uuid::now_v7();
            tracing::error!(event_id = %event_id, "request handler panicked");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                &format!("Something went wrong on our side. Reference: {event_id}"),
            )
        }))
}

pub fn api_router(state: AppState) -> Router {
    common_layers(graphql_routes(state))
}

/// A portal: its static files with deep links falling back to `index.html`
/// (the portal's router renders its own not-found page), plus the API routes.
pub fn portal_router(state: AppState, dir: &Path) -> Router {
    let index = ServeFile::new(dir.join("index.html"));
    let files = ServeDir::new(dir).fallback(index);
    let router = graphql_routes(state).fallback_service(files).layer(
        SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ),
    );
    common_layers(router)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    let deadline = Duration::from_secs(2);
    let (database, redis) = tokio::join!(
        tokio::time::timeout(deadline, state.db.ping()),
        tokio::time::timeout(deadline, state.kv.ping()),
    );
    let database = matches!(database, Ok(Ok(())));
    let redis = matches!(redis, Ok(Ok(())));
    let status = if database && redis {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        axum::Json(serde_json::json!({ "database": word(database), "redis": word(redis) })),
    )
        .into_response()
}
