//! Submitted intakes, unsealed for the case they belong to. Which answers a
//! reader sees is decided by the caller through the authorization module.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::intake::{open_answers, submission_context};
use super::template::Answers;
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::AppResult;

pub struct Submission {
    pub id: Uuid,
    pub party_id: Uuid,
    pub answers: Answers,
    pub submitted_at: DateTime<Utc>,
}

pub async fn list(tx: &TenantTx, key: &TenantKey, case_id: Uuid) -> AppResult<Vec<Submission>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, party_id, answers_sealed, submitted_at FROM case_submissions
             WHERE case_id = $1 ORDER BY submitted_at, id",
            [case_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "id")?;
            let sealed: Vec<u8> = row.try_get("", "answers_sealed")?;
            Ok(Submission {
                id,
                party_id: row.try_get("", "party_id")?,
                answers: open_answers(key, &sealed, &submission_context(id))?,
                submitted_at: db::utc(row, "submitted_at")?,
            })
        })
        .collect()
}
