//! Switching row-level security off and on for the case tables the measured
//! queries read, as their owner, between slices of load. The API's own
//! filters (the list's `org_id = $1`, authorization in `authz::cases`) stay
//! in both variants: off only removes the policies' `org_id` predicate.

use anyhow::Context;
use sqlx::{Connection as _, PgConnection};

/// The case tables of the list and detail queries.
pub const TABLES: &[&str] = &[
    "cases",
    "parties",
    "case_events",
    "case_submissions",
    "intake_templates",
];

pub struct Switch {
    conn: PgConnection,
}

impl Switch {
    pub async fn connect(owner_url: &str) -> anyhow::Result<Self> {
        let conn = PgConnection::connect(owner_url)
            .await
            .context("connecting the RLS switch")?;
        let mut switch = Self { conn };
        switch.set(true).await?;
        Ok(switch)
    }

    /// `ALTER TABLE` waits for the API's open transactions on the tables; the
    /// load is stopped between slices, so that is at most one request.
    pub async fn set(&mut self, on: bool) -> anyhow::Result<()> {
        let mut sql = String::from("BEGIN;");
        for table in TABLES {
            if on {
                sql.push_str(&format!(
                    "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY;"
                ));
            } else {
                sql.push_str(&format!(
                    "ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
                ));
            }
        }
        sql.push_str("COMMIT;");
        sqlx::raw_sql(&sql)
            .execute(&mut self.conn)
            .await
            .with_context(|| {
                format!(
                    "switching row-level security {}",
                    if on { "on" } else { "off" }
                )
            })?;
        Ok(())
    }

    /// Switches it back on, and says whether every table has it enabled and
    /// forced again (read from `pg_class`).
    pub async fn restore(mut self) -> anyhow::Result<bool> {
        self.set(true).await?;
        let (restored,): (bool,) = sqlx::query_as(
            "SELECT bool_and(relrowsecurity AND relforcerowsecurity) FROM pg_class
             WHERE oid = ANY($1::regclass[])",
        )
        .bind(TABLES)
        .fetch_one(&mut self.conn)
        .await?;
        self.conn.close().await?;
        Ok(restored)
    }
}
