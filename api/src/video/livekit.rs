//! The LiveKit server, through `livekit-api`: access tokens for admitted
//! participants, the room service (mute, remove, close) and webhook
//! verification. Identities are room-participant ids; room names are the
//! session's random `video_room_id`. Nothing here knows about tenants.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use livekit_api::access_token::{AccessToken, TokenVerifier, VideoGrants};
use livekit_api::services::ServiceError;
use livekit_api::services::room::{CreateRoomOptions, RoomClient};
use livekit_api::webhooks::WebhookReceiver;
use livekit_protocol as proto;
use secrecy::ExposeSecret as _;

use crate::config::VideoSettings;

/// What a participant may do in a room, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grants {
    pub publish: bool,
}

/// A track source the room service can mute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum TrackKind {
    Microphone,
    Camera,
}

impl TrackKind {
    fn source(self) -> proto::TrackSource {
        match self {
            TrackKind::Microphone => proto::TrackSource::Microphone,
            TrackKind::Camera => proto::TrackSource::Camera,
        }
    }
}

#[derive(Clone)]
pub struct LiveKit {
    url: String,
    api_key: String,
    api_secret: String,
    token_ttl: Duration,
    rooms: Arc<RoomClient>,
}

impl LiveKit {
    /// `None` when video is off (no secret configured).
    pub fn from_settings(settings: &VideoSettings) -> Option<Self> {
        let secret = settings.api_secret.expose_secret();
        if secret.is_empty() {
            return None;
        }
        let rooms = RoomClient::with_api_key(&settings.api_url, &settings.api_key, secret)
            .with_request_timeout(Duration::from_secs(10));
        Some(Self {
            url: settings.url.clone(),
            api_key: settings.api_key.clone(),
            api_secret: secret.to_owned(),
            token_ttl: Duration::from_secs(settings.token_ttl_secs),
            rooms: Arc::new(rooms),
        })
    }

    /// The address browsers connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A short-lived token for one room, as `identity`, shown as `name`.
    pub fn access_token(
        &self,
        room: &str,
        identity: &str,
        name: &str,
        grants: Grants,
    ) -> anyhow::Result<String> {
        AccessToken::with_api_key(&self.api_key, &self.api_secret)
            .with_identity(identity)
            .with_name(name)
            .with_ttl(self.token_ttl)
            .with_grants(VideoGrants {
                room_join: true,
                room: room.to_owned(),
                can_publish: Some(grants.publish),
                can_subscribe: Some(true),
                can_publish_data: Some(true),
                can_update_own_metadata: Some(false),
                ..Default::default()
            })
            .to_jwt()
            .context("signing a LiveKit access token")
    }

    /// Makes sure the room exists (idempotent), closed when empty for a while.
    pub async fn open_room(&self, room: &str) -> anyhow::Result<()> {
        self.rooms
            .create_room(
                room,
                CreateRoomOptions {
                    empty_timeout: 10 * 60,
                    departure_timeout: 60,
                    ..Default::default()
                },
            )
            .await
            .context("creating a LiveKit room")?;
        Ok(())
    }

    /// Identities in the room now (an unknown room has none).
    pub async fn participants(&self, room: &str) -> anyhow::Result<Vec<proto::ParticipantInfo>> {
        match self.rooms.list_participants(room).await {
            Ok(list) => Ok(list),
            Err(e) if not_found(&e) => Ok(Vec::new()),
            Err(e) => Err(e).context("listing a LiveKit room's participants"),
        }
    }

    /// Takes `identity` out of the room; someone not there is not an error.
    pub async fn remove(&self, room: &str, identity: &str) -> anyhow::Result<()> {
        match self.rooms.remove_participant(room, identity).await {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(e).context("removing a LiveKit participant"),
        }
    }

    /// Takes `identity` out of the room only while its connection there is
    /// still the one with LiveKit's session id `sid` (a webhook's
    /// participant): someone who has since joined again, as anyone moved back
    /// and forth between rooms does, is left alone. `false` when nothing was
    /// removed.
    pub async fn remove_connection(
        &self,
        room: &str,
        identity: &str,
        sid: &str,
    ) -> anyhow::Result<bool> {
        match self.rooms.get_participant(room, identity).await {
            Ok(info) if info.sid == sid => {
                self.remove(room, identity).await?;
                Ok(true)
            }
            Ok(_) => Ok(false),
            Err(e) if not_found(&e) => Ok(false),
            Err(e) => Err(e).context("reading a LiveKit participant"),
        }
    }

    /// Mutes what `identity` publishes from `kind`. `false` when it publishes
    /// nothing of that kind (or is not in the room).
    pub async fn mute(&self, room: &str, identity: &str, kind: TrackKind) -> anyhow::Result<bool> {
        let participant = match self.rooms.get_participant(room, identity).await {
            Ok(p) => p,
            Err(e) if not_found(&e) => return Ok(false),
            Err(e) => return Err(e).context("reading a LiveKit participant"),
        };
        let mut muted = false;
        for track in participant
            .tracks
            .iter()
            .filter(|t| t.source == kind.source() as i32 && !t.muted)
        {
            self.rooms
                .mute_published_track(room, identity, &track.sid, true)
                .await
                .context("muting a LiveKit track")?;
            muted = true;
        }
        Ok(muted)
    }

    /// How many rooms the server holds now (its health check).
    pub async fn room_count(&self) -> anyhow::Result<usize> {
        Ok(self
            .rooms
            .list_rooms(Vec::new())
            .await
            .context("listing LiveKit rooms")?
            .len())
    }

    /// Closes the room for everyone in it.
    pub async fn close_room(&self, room: &str) -> anyhow::Result<()> {
        match self.rooms.delete_room(room).await {
            Ok(()) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(e).context("closing a LiveKit room"),
        }
    }

    /// A webhook's event, if LiveKit signed exactly this body.
    pub fn verify_webhook(
        &self,
        body: &str,
        authorization: &str,
    ) -> Result<proto::WebhookEvent, livekit_api::webhooks::WebhookError> {
        WebhookReceiver::new(TokenVerifier::with_api_key(&self.api_key, &self.api_secret))
            .receive(body, authorization)
    }
}

fn not_found(e: &ServiceError) -> bool {
    use livekit_api::services::{ServerError, ServerErrorCode};
    matches!(e, ServiceError::Twirp(ServerError::Twirp(code)) if code.code == ServerErrorCode::NOT_FOUND)
}
