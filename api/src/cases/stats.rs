//! Outcome statistics for org admins and compliance officers: counts of
//! outcomes per period, dispute type and mediator. Counts only, never content.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::status::CaseStatus;
use crate::authz::{self, Action, Actor};
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Period {
    Week,
    Month,
    Quarter,
    Year,
}

impl Period {
    fn key(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }
}

pub struct OutcomeCount {
    pub period_start: DateTime<Utc>,
    pub dispute_type: String,
    pub mediator_id: Option<Uuid>,
    pub outcome: CaseStatus,
    pub count: i64,
}

/// Outcomes recorded in `[from, to)`, grouped.
pub async fn outcomes(
    tx: &TenantTx,
    actor: &Actor,
    period: Period,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<OutcomeCount>> {
    authz::authorize(actor, Action::ViewCaseStatistics)?;
    if to <= from || to - from > chrono::Duration::days(366 * 10) {
        return Err(AppError::validation("to", "range"));
    }
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT date_trunc($1, outcome_at, 'UTC') AS period_start, dispute_type, lead_mediator_id, outcome,
                    count(*) AS n
             FROM cases WHERE outcome IS NOT NULL AND outcome_at >= $2 AND outcome_at < $3
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4",
            [period.key().into(), from.into(), to.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let outcome: String = r.try_get("", "outcome")?;
            Ok(OutcomeCount {
                period_start: db::utc(r, "period_start")?,
                dispute_type: r.try_get("", "dispute_type")?,
                mediator_id: r.try_get("", "lead_mediator_id")?,
                outcome: CaseStatus::parse(&outcome)
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown outcome")))?,
                count: r.try_get("", "n")?,
            })
        })
        .collect()
}
