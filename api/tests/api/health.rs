use caucus_api::testkit;

#[tokio::test]
async fn health_and_readiness() {
    let app = testkit::spawn().await;
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body, serde_json::json!({ "database": "ok", "redis": "ok" }));
    let headers = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(headers.headers()["x-content-type-options"], "nosniff");
    assert_eq!(headers.headers()["x-frame-options"], "DENY");
}
