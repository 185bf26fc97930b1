//! The development SMS outbox, for org admins: what would have been sent.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::authz::{self, Action};
use crate::error::AppError;
use crate::graphql::context::RequestContext;

/// A message kept by the outbox provider. The number shows its last digits
/// only.
#[derive(SimpleObject)]
pub struct SmsOutboxMessage {
    pub id: ID,
    /// The last (at most four) digits of the number it is for.
    pub to_last_digits: String,
    pub body: String,
    pub session_id: Option<ID>,
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct SmsQuery;

#[Object]
impl SmsQuery {
    /// The organization's newest outbox messages (org admins; at most 200,
    /// 50 unless `first` says otherwise). Only the `outbox` provider
    /// (`sms.provider`) keeps messages here.
    async fn sms_outbox(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 200))] first: Option<i32>,
    ) -> async_graphql::Result<Vec<SmsOutboxMessage>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ReadSmsOutbox)?;
        let tx = rc.tenant_tx(actor).await?;
        let limit = u64::try_from(first.unwrap_or(50)).unwrap_or(50);
        let messages = super::outbox::list(&tx, &rc.state.data_key, limit).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(messages
            .into_iter()
            .map(|m| SmsOutboxMessage {
                id: ID(m.id.to_string()),
                to_last_digits: m.to_last_digits,
                body: m.body,
                session_id: m.session_id.map(|s| ID(s.to_string())),
                created_at: m.created_at,
            })
            .collect())
    }
}
