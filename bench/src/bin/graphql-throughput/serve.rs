//! The baseline server of `graphql-throughput`, in a child process of the
//! benchmark (see `bench::child`): a bare axum handler running the same query.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bench::child::{announce, server_runtime, until_stdin_closes};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::types::chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Cli;

pub const BASELINE_URL_ENV: &str = "BENCH_BASELINE_DATABASE_URL";
pub const BASELINE_ORG_ENV: &str = "BENCH_BASELINE_ORG_ID";

/// The statement sea-orm sends for `organization::Entity::find_by_id(id).one(..)`,
/// which is what the `organization` resolver runs inside its tenant transaction.
pub const ORG_SQL: &str = r#"SELECT "organizations"."id", "organizations"."slug", "organizations"."name", "organizations"."tier", "organizations"."settings_json", "organizations"."billing_account_id", "organizations"."created_at", "organizations"."updated_at" FROM "organizations" WHERE "organizations"."id" = $1 LIMIT $2"#;

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineReady {
    pub addr: std::net::SocketAddr,
}

struct Baseline {
    pool: PgPool,
    org_id: Uuid,
}

/// The response both paths give, field for field.
#[derive(Serialize)]
struct Data<'a> {
    data: OrgData<'a>,
}

#[derive(Serialize)]
struct OrgData<'a> {
    organization: Org<'a>,
}

#[derive(Serialize)]
struct Org<'a> {
    id: Uuid,
    name: &'a str,
    slug: &'a str,
}

/// The bare handler: no session, no GraphQL, no transaction; the same
/// statement on a pool of the API role whose connections have the tenant set
/// once, when they open. Reads the body and decodes every column, as the
/// resolver does.
async fn organization(State(state): State<Arc<Baseline>>, _body: Bytes) -> Response {
    let row = sqlx::query(ORG_SQL)
        .bind(state.org_id)
        .bind(1_i64)
        .fetch_optional(&state.pool)
        .await;
    let decoded = row.and_then(|row| {
        let Some(row) = row else { return Ok(None) };
        let id: Uuid = row.try_get(0)?;
        let slug: String = row.try_get(1)?;
        let name: String = row.try_get(2)?;
        let _tier: String = row.try_get(3)?;
        let _settings: serde_json::Value = row.try_get(4)?;
        let _billing: Option<String> = row.try_get(5)?;
        let _created: DateTime<Utc> = row.try_get(6)?;
        let _updated: DateTime<Utc> = row.try_get(7)?;
        Ok(Some((id, slug, name)))
    });
    match decoded {
        Ok(Some((id, slug, name))) => {
            let body = Data {
                data: OrgData {
                    organization: Org {
                        id,
                        name: &name,
                        slug: &slug,
                    },
                },
            };
            match serde_json::to_string(&body) {
                Ok(json) => (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    json,
                )
                    .into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `--serve baseline`: a bare axum server with one route.
pub fn run_baseline(cli: &Cli) -> anyhow::Result<()> {
    let url = std::env::var(BASELINE_URL_ENV).context(BASELINE_URL_ENV)?;
    let org_id: Uuid = std::env::var(BASELINE_ORG_ENV)
        .context(BASELINE_ORG_ENV)?
        .parse()?;
    let db_pool = cli.db_pool;
    server_runtime()?.block_on(async move {
        let pool = PgPoolOptions::new()
            .max_connections(db_pool)
            .min_connections(2.min(db_pool))
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    sqlx::query("SELECT set_config('app.org_id', $1, false)")
                        .bind(org_id.to_string())
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .context("connecting the baseline pool as the API role")?;
        let state = Arc::new(Baseline { pool, org_id });
        let router = Router::new()
            .route("/graphql", axum::routing::post(organization))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        announce(&BaselineReady {
            addr: listener.local_addr()?,
        })?;
        axum::serve(listener, router)
            .with_graceful_shutdown(until_stdin_closes())
            .await?;
        Ok(())
    })
}
