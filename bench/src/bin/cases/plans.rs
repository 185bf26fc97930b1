//! The plans of the hot statements: which SQL the API sends for the two
//! queries (sampled from `pg_stat_activity` while they run), and
//! `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` of each, as the API's role in a
//! tenant transaction (`set_config('app.org_id', …)`), rolled back. A scan of
//! a table under row-level security passes when the policy's `org_id` is an
//! index (or recheck) condition, or when the policy is checked on the few
//! rows an index lookup found and removes none; a sequential scan, or a
//! policy filter that throws rows away after scanning them, misses.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use caucus_api::authz::cases::Visibility;
use caucus_api::cases::access::CASE_COLUMNS;
use serde_json::Value;
use sqlx::{Connection as _, PgConnection, Row as _};
use uuid::Uuid;

/// The tables whose scans are checked.
const POLICY_TABLES: &[&str] = &[
    "cases",
    "parties",
    "case_events",
    "case_submissions",
    "intake_templates",
    "org_data_keys",
    "audit_log",
];

pub enum Param {
    Uuid(Uuid),
    Uuids(Vec<Uuid>),
    Texts(Vec<String>),
    Int(i64),
}

pub struct Hot {
    pub name: &'static str,
    pub sql: String,
    pub params: Vec<Param>,
}

/// The statements the API runs for a mediator's case list and a case detail,
/// as written in `api/src/cases/` and `api/src/crypto/tenant.rs`, with the
/// values of the measured mediator and one of their cases.
pub fn hot(org: Uuid, mediator: Uuid, case: Uuid, template: Uuid) -> Vec<Hot> {
    let visibilities = Visibility::ALL.iter().map(|v| v.key().to_owned()).collect();
    vec![
        Hot {
            name: "tenant key",
            sql: "SELECT wrapped_key FROM org_data_keys WHERE org_id = $1".into(),
            params: vec![Param::Uuid(org)],
        },
        Hot {
            name: "list: a mediator's page",
            sql: format!(
                "SELECT {CASE_COLUMNS} FROM cases c WHERE c.org_id = $1 AND c.lead_mediator_id = $2 \
                 ORDER BY c.opened_at DESC, c.id DESC LIMIT $3"
            ),
            params: vec![Param::Uuid(org), Param::Uuid(mediator), Param::Int(26)],
        },
        Hot {
            name: "detail: the case",
            sql: format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = $1"),
            params: vec![Param::Uuid(case)],
        },
        Hot {
            name: "detail: reader's relation",
            sql: "SELECT p.side FROM parties p WHERE p.case_id = $1 AND p.user_id = $2".into(),
            params: vec![Param::Uuid(case), Param::Uuid(mediator)],
        },
        Hot {
            name: "detail: template",
            sql: "SELECT id, dispute_type, version, name, definition, active, created_at \
                  FROM intake_templates WHERE id = $1"
                .into(),
            params: vec![Param::Uuid(template)],
        },
        Hot {
            name: "detail: parties",
            sql: "SELECT id, user_id, party_type, side, represents_party_id, name_sealed, email_sealed, \
                  verified_at, verification_method, invited_at FROM parties WHERE case_id = $1 \
                  ORDER BY created_at, id"
                .into(),
            params: vec![Param::Uuid(case)],
        },
        Hot {
            name: "detail: intakes",
            sql: "SELECT id, party_id, answers_sealed, submitted_at FROM case_submissions \
                  WHERE case_id = $1 ORDER BY submitted_at, id"
                .into(),
            params: vec![Param::Uuid(case)],
        },
        Hot {
            name: "detail: audit chain head",
            sql: "SELECT seq, hash FROM audit_log WHERE org_id = $1 ORDER BY seq DESC LIMIT 1".into(),
            params: vec![Param::Uuid(org)],
        },
        Hot {
            name: "detail: timeline",
            sql: "SELECT id, actor_id, kind, visibility, detail, note_sealed, created_at \
                  FROM case_events WHERE case_id = $1 AND visibility = ANY($2) \
                  ORDER BY created_at, id LIMIT 1000"
                .into(),
            params: vec![Param::Uuid(case), Param::Texts(visibilities)],
        },
        Hot {
            name: "detail: duplicate hints",
            sql: "SELECT DISTINCT p.case_id, o.id AS other_id, o.reference FROM parties p \
                  JOIN parties q ON q.case_id <> p.case_id AND q.side = 'respondent' \
                  AND (q.email_hash = p.email_hash OR q.name_hash = p.name_hash) \
                  JOIN cases o ON o.id = q.case_id AND o.status <> 'archived' \
                  WHERE p.case_id = ANY($1) AND p.side = 'respondent' ORDER BY o.reference LIMIT 500"
                .into(),
            params: vec![Param::Uuids(vec![case])],
        },
    ]
}

/// Whitespace-normalized text, for matching captured statements.
pub fn normalize(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Distinct statements the API role's backends ran, sampled every
/// millisecond from `pg_stat_activity` for `span` (the caller runs load meanwhile).
pub async fn capture(app_url: &str, span: Duration) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut conn = PgConnection::connect(app_url)
        .await
        .context("connecting the statement sampler")?;
    let end = Instant::now() + span;
    let mut seen = BTreeMap::new();
    while Instant::now() < end {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT query FROM pg_stat_activity WHERE usename = current_user \
             AND datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND query <> ''",
        )
        .fetch_all(&mut conn)
        .await?;
        for (q,) in rows {
            *seen.entry(normalize(&q)).or_insert(0) += 1;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    conn.close().await?;
    Ok(seen)
}

pub struct Scan {
    pub relation: String,
    pub node: String,
    pub index: Option<String>,
    pub org_in_index: bool,
    pub policy_filter: bool,
    pub removed: u64,
    pub rows: u64,
    /// Buffers the scan touched.
    pub pages: u64,
}

impl Scan {
    /// None when the scan is not of a checked table.
    pub fn verdict(&self, rls_on: bool) -> Option<bool> {
        if !POLICY_TABLES.contains(&self.relation.as_str()) {
            return None;
        }
        if self.node == "Seq Scan" {
            // A table of one page is read whole by any plan.
            return Some(self.pages <= 1 && rls_on);
        }
        if !rls_on {
            return None;
        }
        Some(self.org_in_index || (self.policy_filter && self.removed == 0))
    }

    pub fn describe(&self) -> String {
        let how = if self.node == "Seq Scan" && self.pages <= 1 {
            format!(
                "a one-page table read whole, {} row(s) removed",
                self.removed
            )
        } else if self.org_in_index {
            "org_id in the index condition".to_owned()
        } else if self.policy_filter {
            format!("policy as a filter, {} row(s) removed", self.removed)
        } else {
            "no org_id condition".to_owned()
        };
        format!(
            "{}{} on {} ({how}, {} row(s))",
            self.node,
            self.index
                .as_ref()
                .map(|i| format!(" using {i}"))
                .unwrap_or_default(),
            self.relation,
            self.rows
        )
    }
}

pub struct Explained {
    pub name: &'static str,
    pub ms: f64,
    pub shared_hit: u64,
    pub shared_read: u64,
    pub scans: Vec<Scan>,
}

fn text(node: &Value, key: &str) -> String {
    node.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn number(node: &Value, key: &str) -> u64 {
    node.get(key).and_then(Value::as_f64).unwrap_or(0.0) as u64
}

fn walk(node: &Value, scans: &mut Vec<Scan>) {
    let children: Vec<&Value> = node
        .get("Plans")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if let Some(relation) = node.get("Relation Name").and_then(Value::as_str) {
        let mut conds = format!(
            "{} {}",
            text(node, "Index Cond"),
            text(node, "Recheck Cond")
        );
        let mut index = node
            .get("Index Name")
            .and_then(Value::as_str)
            .map(str::to_owned);
        // A bitmap heap scan's index conditions are on its bitmap children.
        for child in &children {
            if text(child, "Node Type").starts_with("Bitmap") {
                conds.push(' ');
                conds.push_str(&text(child, "Index Cond"));
                index = index.or_else(|| {
                    child
                        .get("Index Name")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
            }
        }
        let loops = number(node, "Actual Loops").max(1);
        scans.push(Scan {
            relation: relation.to_owned(),
            node: text(node, "Node Type"),
            index,
            org_in_index: conds.contains("org_id"),
            policy_filter: text(node, "Filter").contains("org_id"),
            removed: number(node, "Rows Removed by Filter") * loops,
            rows: number(node, "Actual Rows") * loops,
            pages: number(node, "Shared Hit Blocks") + number(node, "Shared Read Blocks"),
        });
    }
    for child in children {
        walk(child, scans);
    }
}

/// Explains every statement of `hot` as the API role in `org`'s tenant.
pub async fn explain(
    app_url: &str,
    org: Uuid,
    user: Uuid,
    hot: &[Hot],
) -> anyhow::Result<Vec<Explained>> {
    let mut conn = PgConnection::connect(app_url).await?;
    let mut out = Vec::new();
    for h in hot {
        sqlx::raw_sql("BEGIN").execute(&mut conn).await?;
        sqlx::query(
            "SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)",
        )
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut conn)
        .await?;
        let sql = format!("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {}", h.sql);
        let mut q = sqlx::query(&sql);
        for p in &h.params {
            q = match p {
                Param::Uuid(u) => q.bind(*u),
                Param::Uuids(u) => q.bind(u.clone()),
                Param::Texts(t) => q.bind(t.clone()),
                Param::Int(i) => q.bind(*i),
            };
        }
        let row = q
            .fetch_one(&mut conn)
            .await
            .with_context(|| format!("explaining {}", h.name))?;
        sqlx::raw_sql("ROLLBACK").execute(&mut conn).await?;
        let plan: Value = row.try_get(0)?;
        let top = plan.get(0).context("an empty plan")?;
        let root = top.get("Plan").context("a plan without a root")?;
        let mut scans = Vec::new();
        walk(root, &mut scans);
        out.push(Explained {
            name: h.name,
            ms: top
                .get("Execution Time")
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN),
            shared_hit: number(root, "Shared Hit Blocks"),
            shared_read: number(root, "Shared Read Blocks"),
            scans,
        });
    }
    conn.close().await?;
    Ok(out)
}

/// Runs `query` ten times on one connection (sqlx prepares it once, as the
/// API's pool does) in `org`'s tenant, and reads from `pg_prepared_statements`
/// how many of the executions used PostgreSQL's generic plan and how many
/// were planned again (custom plans).
pub async fn plan_cache(
    app_url: &str,
    org: Uuid,
    user: Uuid,
    hot: &[Hot],
) -> anyhow::Result<Vec<(&'static str, i64, i64)>> {
    let mut conn = PgConnection::connect(app_url).await?;
    let mut out = Vec::new();
    for h in hot {
        sqlx::raw_sql("BEGIN").execute(&mut conn).await?;
        sqlx::query(
            "SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)",
        )
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut conn)
        .await?;
        for _ in 0..10 {
            let mut q = sqlx::query(&h.sql);
            for p in &h.params {
                q = match p {
                    Param::Uuid(u) => q.bind(*u),
                    Param::Uuids(u) => q.bind(u.clone()),
                    Param::Texts(t) => q.bind(t.clone()),
                    Param::Int(i) => q.bind(*i),
                };
            }
            q.fetch_all(&mut conn).await?;
        }
        let (generic, custom): (i64, i64) = sqlx::query_as(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
        )
        .bind(&h.sql)
        .fetch_one(&mut conn)
        .await
        .with_context(|| format!("reading the plan cache of {}", h.name))?;
        sqlx::raw_sql("ROLLBACK").execute(&mut conn).await?;
        out.push((h.name, generic, custom));
    }
    conn.close().await?;
    Ok(out)
}
