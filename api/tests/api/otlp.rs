//! Spans reach an OTLP/HTTP collector when an endpoint is configured.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_http() {
    // A collector stand-in that records what the real exporter posts.
    let received: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let sink = received.clone();
    let router = Router::new().route(
        "/v1/traces",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                sink.lock().unwrap().push((kind, body.len()));
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });

    let settings = caucus_api::config::Settings::load_from(None, Vec::new())
        .unwrap()
        .telemetry;
    let endpoint = url::Url::parse(&format!("http://{addr}")).unwrap();
    let provider = tokio::task::spawn_blocking(move || {
        let exporter = caucus_api::telemetry::otlp_exporter(&endpoint).unwrap();
        let provider = caucus_api::telemetry::tracer_provider(&settings, exporter);
        let subscriber = tracing_subscriber::registry().with(caucus_api::telemetry::otel_layer(
            provider.tracer("otlp-test"),
        ));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("graphql.operation", otel.name = "graphql Probe");
            span.in_scope(|| tracing::info!("inside"));
        });
        provider.force_flush().unwrap();
        provider
    })
    .await
    .unwrap();
    let posts = received.lock().unwrap().clone();
    assert!(!posts.is_empty(), "nothing was exported");
    assert!(
        posts
            .iter()
            .all(|(kind, len)| kind == "application/x-protobuf" && *len > 0),
        "{posts:?}"
    );
    let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
}
