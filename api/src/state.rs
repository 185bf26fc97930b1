//! Shared application state, cheap to clone.

use std::sync::Arc;

use crate::config::Settings;
use crate::crypto::DataKey;
use crate::db::Db;
use crate::graphql::CaucusSchema;
use crate::identity::links::Links;
use crate::identity::passkeys::Passkeys;
use crate::identity::session::Sessions;
use crate::identity::sso::Sso;
use crate::identity::throttle::SignInThrottle;
use crate::kv::Kv;
use crate::partner::PartnerTokens;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub kv: Kv,
    pub sessions: Sessions,
    pub sign_in_throttle: SignInThrottle,
    pub links: Links,
    pub partner_tokens: PartnerTokens,
    pub data_key: DataKey,
    pub passkeys: Passkeys,
    pub sso: Sso,
    /// The video server; `None` when none is configured.
    pub livekit: Option<crate::video::livekit::LiveKit>,
    pub schema: CaucusSchema,
}
