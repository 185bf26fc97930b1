//! The development SMS provider: messages are kept in `sms_outbox` instead
//! of being sent, in the delivery's own transaction (so a message is there
//! exactly when its `session_notices` row is), and org admins read them in
//! the admin portal. The number and body are sealed with the organization's
//! key, bound to the row's id; only the number's last digits are kept in the
//! clear, for the list.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use super::{PhoneNumber, ProviderMessageId, SmsError, SmsMessage, SmsProvider};
use crate::crypto::DataKey;
use crate::crypto::tenant::TenantKey;
use crate::db::{self, TenantTx};
use crate::error::AppResult;

#[derive(Clone)]
pub struct Outbox {
    data_key: DataKey,
}

fn context(column: &str, id: Uuid) -> Vec<u8> {
    let mut context = format!("sms_outbox.{column}:").into_bytes();
    context.extend_from_slice(id.as_bytes());
    context
}

impl Outbox {
    pub fn new(data_key: DataKey) -> Self {
        Self { data_key }
    }

    async fn keep(&self, tx: &TenantTx, message: &SmsMessage<'_>) -> AppResult<Uuid> {
        let key = TenantKey::of(tx, &self.data_key).await?;
        let id = Uuid::now_v7();
        let to = key.seal_str(message.to.expose(), &context("to", id))?;
        let body = key.seal_str(message.body, &context("body", id))?;
        tx.conn()
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO sms_outbox (id, org_id, session_id, to_sealed, to_last_digits, body_sealed)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                [
                    id.into(),
                    tx.scope().org_id.into(),
                    message.session_id.into(),
                    to.into(),
                    message.to.last_digits().into(),
                    body.into(),
                ],
            ))
            .await?;
        Ok(id)
    }
}

impl SmsProvider for Outbox {
    async fn send(
        &self,
        tx: &TenantTx,
        message: &SmsMessage<'_>,
    ) -> Result<ProviderMessageId, SmsError> {
        match self.keep(tx, message).await {
            Ok(id) => Ok(ProviderMessageId(id.to_string())),
            Err(error) => {
                tracing::warn!(error = %error.message(), "keeping an SMS in the outbox failed");
                Err(SmsError::Storage)
            }
        }
    }
}

/// One kept message, opened.
pub struct OutboxMessage {
    pub id: Uuid,
    pub session_id: Option<Uuid>,
    /// The number's last digits only.
    pub to_last_digits: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The organization's newest kept messages (at most `limit`), under `tx`'s
/// row-level security.
pub async fn list(tx: &TenantTx, data_key: &DataKey, limit: u64) -> AppResult<Vec<OutboxMessage>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, session_id, to_last_digits, body_sealed, created_at FROM sms_outbox
             ORDER BY created_at DESC, id DESC LIMIT $1",
            [i64::try_from(limit).unwrap_or(i64::MAX).into()],
        ))
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = TenantKey::of(tx, data_key).await?;
    rows.iter()
        .map(|row| {
            let id: Uuid = row.try_get("", "id")?;
            let sealed: Vec<u8> = row.try_get("", "body_sealed")?;
            Ok(OutboxMessage {
                id,
                session_id: row.try_get("", "session_id")?,
                to_last_digits: row.try_get("", "to_last_digits")?,
                body: key.open_str(&sealed, &context("body", id))?,
                created_at: db::utc(row, "created_at")?,
            })
        })
        .collect()
}

/// Only for tests and support tooling: the full number of a kept message.
pub async fn recipient(
    tx: &TenantTx,
    data_key: &DataKey,
    id: Uuid,
) -> AppResult<Option<PhoneNumber>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT to_sealed FROM sms_outbox WHERE id = $1",
            [id.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let sealed: Vec<u8> = row.try_get("", "to_sealed")?;
    let key = TenantKey::of(tx, data_key).await?;
    let number = key.open_str(&sealed, &context("to", id))?;
    Ok(PhoneNumber::parse(&number).ok())
}
