use std::time::{Duration, Instant};

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

fn start_redis(port: u16) -> std::process::Child {
    std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server (installed by scripts/test.sh)")
}

async fn readiness(app: &testkit::TestApp) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(app.url("/readyz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn wait_for(app: &testkit::TestApp, status: u16) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (now, body) = readiness(app).await;
        if now == status {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "readiness stayed {now}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn readiness_reports_a_lost_redis_promptly_and_recovers_when_it_returns() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = start_redis(port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let app = testkit::spawn_with(|s| {
        s.redis.url = secrecy::SecretString::from(format!("redis://127.0.0.1:{port}"));
    })
    .await;
    wait_for(&app, 200).await;
    redis.kill().unwrap();
    redis.wait().unwrap();
    let started = Instant::now();
    let (status, body) = readiness(&app).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "readiness must not hang"
    );
    let body = if status == 503 {
        body
    } else {
        wait_for(&app, 503).await
    };
    assert_eq!(body["redis"], "unavailable");
    assert_eq!(body["database"], "ok");
    let mut redis = start_redis(port);
    wait_for(&app, 200).await;
    redis.kill().unwrap();
    redis.wait().unwrap();
}
