//! What every resolver gets: the shared state, the actor and the raw session token.

use async_graphql::Context;

use crate::audit::ClientInfo;
use crate::authz::Actor;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppResult;
use crate::redact::Sensitive;
use crate::state::AppState;

pub struct RequestContext {
    pub state: AppState,
    pub actor: Option<Actor>,
    pub session_token: Option<Sensitive<String>>,
    /// Address and user agent, for audit entries.
    pub client: ClientInfo,
}

impl RequestContext {
    /// The request context; the HTTP and WebSocket handlers always insert one.
    pub fn of<'a>(ctx: &'a Context<'_>) -> &'a RequestContext {
        // The schema is only executed through `graphql::http`, which always adds
        // the context; a missing one is a wiring bug caught by every test.
        #[allow(clippy::expect_used)]
        ctx.data::<RequestContext>()
            .expect("RequestContext is added to every request")
    }

    /// A transaction in the actor's organization.
    pub async fn tenant_tx(&self, actor: &Actor) -> AppResult<TenantTx> {
        Ok(self
            .state
            .db
            .tenant(TenantScope {
                org_id: actor.org_id,
                user_id: Some(actor.user_id),
            })
            .await?)
    }
}
