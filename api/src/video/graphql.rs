//! GraphQL for video sessions. Inside a session every operation carries the
//! participant's pass (from a device-proven join link or a signed-in
//! member); staff issue join links from the case.

use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use uuid::Uuid;

use super::livekit::TrackKind;
use super::participants::{self, Admission, Participant};
use super::room::{self, Control, VideoEvent, VideoEventKind};
use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::cases::CaseAction;
use crate::authz::video::VideoRole;
use crate::authz::{self};
use crate::cases::access;
use crate::crypto::tenant::TenantKey;
use crate::error::AppError;
use crate::graphql::context::RequestContext;

fn parse_id(id: &ID) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound)
}

/// Someone in a session, as the caller may see them.
#[derive(SimpleObject, Clone)]
pub struct VideoParticipant {
    pub id: ID,
    pub name: String,
    pub role: VideoRole,
    pub admission: Admission,
    /// When they entered the lobby (while waiting).
    pub waiting_since: Option<DateTime<Utc>>,
    /// Connected to the room now, as LiveKit last told us.
    pub in_room: bool,
    pub is_me: bool,
    /// The open caucus they are in (none: the main room). Shown to
    /// moderators, and to each participant about themselves.
    pub caucus_id: Option<ID>,
    /// A mediator listening in without publishing.
    pub listen_only: bool,
}

/// The caller's view of a session's video.
#[derive(SimpleObject, Clone)]
pub struct VideoRoom {
    pub session_id: ID,
    pub scheduled_for: DateTime<Utc>,
    pub duration_minutes: i32,
    pub locked: bool,
    pub ended: bool,
    pub me: VideoParticipant,
    /// Moderators see everyone; others see who is admitted, and themselves.
    pub participants: Vec<VideoParticipant>,
    /// Statements to confirm before entering the lobby.
    pub lobby_questions: Vec<String>,
    pub confidentiality_version: String,
    /// The LiveKit server, for the lobby's connection check.
    pub server_url: Option<String>,
    /// The session's caucus rooms: all of them for moderators, the caller's
    /// own for others.
    pub caucuses: Vec<CaucusView>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Caucus")]
pub struct CaucusView {
    pub id: ID,
    pub name: String,
    pub status: super::caucus::CaucusStatus,
    /// When its timer runs out, if it has one.
    pub ends_at: Option<DateTime<Utc>>,
}

impl From<super::caucus::Caucus> for CaucusView {
    fn from(c: super::caucus::Caucus) -> Self {
        Self {
            id: ID(c.id.to_string()),
            name: c.name,
            status: c.status,
            ends_at: c.ends_at,
        }
    }
}

/// A LiveKit token and the room it is for: the page's record of where its
/// call is connected comes from here, never from an earlier read.
#[derive(SimpleObject, Clone)]
pub struct VideoToken {
    pub url: String,
    pub token: String,
    /// The caucus the token is for; none: the main room.
    pub caucus_id: Option<ID>,
    /// In that caucus without publishing (a mediator listening in).
    pub listen_only: bool,
}

/// A join link, shown once.
#[derive(SimpleObject, Clone)]
pub struct JoinLink {
    pub participant_id: ID,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Who may come to a session, for staff running the case.
#[derive(SimpleObject, Clone)]
pub struct SessionAttendee {
    pub participant_id: ID,
    pub name: String,
    pub role: VideoRole,
    pub admission: Admission,
    /// A link was issued and is still valid.
    pub has_link: bool,
    /// The link was opened and bound to a device.
    pub link_bound: bool,
}

#[derive(SimpleObject, Clone)]
pub struct VideoChatMessage {
    pub id: ID,
    pub participant_id: ID,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// From the mediator to every room.
    pub broadcast: bool,
}

impl From<room::ChatMessage> for VideoChatMessage {
    fn from(m: room::ChatMessage) -> Self {
        Self {
            id: ID(m.id.to_string()),
            participant_id: ID(m.participant_id.to_string()),
            body: m.body,
            created_at: m.created_at,
            broadcast: m.broadcast,
        }
    }
}

#[derive(SimpleObject, Clone)]
pub struct VideoEventView {
    pub kind: VideoEventKind,
    pub participant_id: Option<ID>,
}

/// What a moderator does to one participant.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ModerationControl {
    Admit,
    Decline,
    MuteMicrophone,
    MuteCamera,
    Remove,
    SendToLobby,
}

impl From<ModerationControl> for Control {
    fn from(c: ModerationControl) -> Self {
        match c {
            ModerationControl::Admit => Control::Admit,
            ModerationControl::Decline => Control::Decline,
            ModerationControl::MuteMicrophone => Control::Mute(TrackKind::Microphone),
            ModerationControl::MuteCamera => Control::Mute(TrackKind::Camera),
            ModerationControl::Remove => Control::Remove,
            ModerationControl::SendToLobby => Control::SendToLobby,
        }
    }
}

async fn view(
    tx: &crate::db::TenantTx,
    key: &TenantKey,
    p: &Participant,
    me: &Participant,
) -> Result<VideoParticipant, AppError> {
    let place = if me.role.moderates() || p.id == me.id {
        super::caucus::whereabouts(tx, p).await?
    } else {
        super::caucus::Whereabouts {
            caucus: None,
            listen_only: false,
        }
    };
    Ok(VideoParticipant {
        caucus_id: place.caucus_id().map(|id| ID(id.to_string())),
        listen_only: place.listen_only,
        id: ID(p.id.to_string()),
        name: participants::display_name(tx, key, p).await?,
        role: p.role,
        admission: p.admission,
        waiting_since: (p.admission == Admission::Waiting)
            .then_some(p.lobby_entered_at)
            .flatten(),
        in_room: p.joined_at.is_some() && p.left_at.is_none(),
        is_me: p.id == me.id,
    })
}

#[derive(Default)]
pub struct VideoQuery;

#[Object]
impl VideoQuery {
    /// The session a pass belongs to, as its holder may see it.
    async fn video_room(
        &self,
        ctx: &Context<'_>,
        pass: String,
    ) -> async_graphql::Result<VideoRoom> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let session = room::session_of(&tx, &me, false).await?;
        let key = TenantKey::of(&tx, &rc.state.data_key).await?;
        let org = crate::orgs::service::current(&tx).await?;
        let settings = crate::orgs::service::OrgSettings::from_json(&org.settings_json);
        let mut people = Vec::new();
        for p in participants::list(&tx, session.id).await? {
            let visible =
                me.role.moderates() || p.id == me.id || p.admission == Admission::Admitted;
            if visible {
                people.push(view(&tx, &key, &p, &me).await?);
            }
        }
        let me_view = view(&tx, &key, &me, &me).await?;
        let mine = super::caucus::whereabouts(&tx, &me).await?.caucus_id();
        let caucuses = super::caucus::list(&tx, session.id)
            .await?
            .into_iter()
            .filter(|c| me.role.moderates() || Some(c.id) == mine)
            .map(Into::into)
            .collect();
        tx.commit().await?;
        Ok(VideoRoom {
            session_id: ID(session.id.to_string()),
            scheduled_for: session.scheduled_for,
            duration_minutes: session.duration_minutes,
            locked: session.locked_at.is_some(),
            ended: !session.open(),
            me: me_view,
            participants: people,
            lobby_questions: settings.video.lobby_questions(),
            confidentiality_version: settings.confidentiality_version().to_owned(),
            server_url: rc.state.livekit.as_ref().map(|lk| lk.url().to_owned()),
            caucuses,
        })
    }

    /// The main room's chat, for those admitted to it.
    async fn video_chat(
        &self,
        ctx: &Context<'_>,
        pass: String,
    ) -> async_graphql::Result<Vec<VideoChatMessage>> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let messages = room::chat(&rc.state, tx, me).await?;
        Ok(messages.into_iter().map(Into::into).collect())
    }

    /// Who may come to a session, for staff who book the case's sessions.
    async fn session_attendees(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
    ) -> async_graphql::Result<Vec<SessionAttendee>> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let session = participants::load_session(&tx, parse_id(&session_id)?, false)
            .await?
            .ok_or(AppError::NotFound)?;
        access::open(&tx, actor, session.case_id, CaseAction::BookSessions, false).await?;
        participants::ensure(&tx, &session).await?;
        let key = TenantKey::of(&tx, &rc.state.data_key).await?;
        let mut out = Vec::new();
        for p in participants::list(&tx, session.id).await? {
            out.push(SessionAttendee {
                participant_id: ID(p.id.to_string()),
                name: participants::display_name(&tx, &key, &p).await?,
                role: p.role,
                admission: p.admission,
                has_link: p.link_expires_at.is_some_and(|at| at > Utc::now()),
                link_bound: p.device_key.is_some(),
            });
        }
        tx.commit().await?;
        Ok(out)
    }
}

#[derive(Default)]
pub struct VideoMutation;

#[Object]
impl VideoMutation {
    /// A new join link for a party of the session (any earlier one, and the
    /// device it was bound to, stop working). The link is shown only now.
    async fn issue_join_link(
        &self,
        ctx: &Context<'_>,
        participant_id: ID,
    ) -> async_graphql::Result<JoinLink> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let (participant, session) = link_holder(&tx, actor, &participant_id, true).await?;
        let grace = rc.state.settings.video.link_grace_minutes;
        let token = participants::issue_link(&tx, &participant, &session, grace).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::VideoLinkIssued)
                .target("room_participant", participant.id),
        )
        .await?;
        tx.commit().await?;
        Ok(JoinLink {
            participant_id,
            url: participants::join_url(&rc.state, &token),
            expires_at: session.ends_at() + chrono::Duration::minutes(grace),
        })
    }

    /// Emails a party a fresh join link (any earlier one, and the device it
    /// was bound to, stop working once it is sent).
    async fn send_join_link(
        &self,
        ctx: &Context<'_>,
        participant_id: ID,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        let tx = rc.tenant_tx(actor).await?;
        let (participant, _) = link_holder(&tx, actor, &participant_id, false).await?;
        super::invite::enqueue(&tx, participant.id, true).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::VideoLinkIssued)
                .target("room_participant", participant.id),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Opens a join link in this browser: binds it to the browser's key the
    /// first time (refused for any other key later) and returns a challenge
    /// to sign with that key.
    async fn begin_link_join(
        &self,
        ctx: &Context<'_>,
        link: String,
        public_key: String,
    ) -> async_graphql::Result<String> {
        let rc = RequestContext::of(ctx);
        Ok(participants::begin_link_join(&rc.state, &rc.client, &link, &public_key).await?)
    }

    /// The challenge signed by the link's device key; returns a pass.
    async fn finish_link_join(
        &self,
        ctx: &Context<'_>,
        link: String,
        challenge: String,
        signature: String,
    ) -> async_graphql::Result<String> {
        let rc = RequestContext::of(ctx);
        Ok(
            participants::finish_link_join(&rc.state, &rc.client, &link, &challenge, &signature)
                .await?,
        )
    }

    /// A signed-in member's pass for a session they take part in.
    async fn join_session_as_member(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
    ) -> async_graphql::Result<String> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        Ok(participants::member_pass(&rc.state, actor, parse_id(&session_id)?).await?)
    }

    /// Confirms the lobby's statements and the confidentiality agreement and
    /// waits to be admitted (mediators go straight in).
    async fn enter_lobby(
        &self,
        ctx: &Context<'_>,
        pass: String,
        confirmed: Vec<bool>,
        accept_confidentiality: bool,
    ) -> async_graphql::Result<Admission> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        Ok(room::enter_lobby(&rc.state, tx, me, confirmed, accept_confidentiality).await?)
    }

    /// A short-lived LiveKit token for the room, once admitted.
    async fn video_token(
        &self,
        ctx: &Context<'_>,
        pass: String,
    ) -> async_graphql::Result<VideoToken> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let access = room::access_token(&rc.state, tx, me).await?;
        Ok(VideoToken {
            url: access.url,
            token: access.token,
            caucus_id: access.caucus_id.map(|id| ID(id.to_string())),
            listen_only: access.listen_only,
        })
    }

    /// A mediator's control over one participant of the session.
    async fn moderate_participant(
        &self,
        ctx: &Context<'_>,
        pass: String,
        participant_id: ID,
        control: ModerationControl,
    ) -> async_graphql::Result<Admission> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let target = parse_id(&participant_id)?;
        Ok(room::control(&rc.state, &rc.client, tx, me, target, control.into()).await?)
    }

    /// Admits everyone waiting; returns how many.
    async fn admit_everyone(&self, ctx: &Context<'_>, pass: String) -> async_graphql::Result<i32> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let n = room::admit_everyone(&rc.state, &rc.client, tx, me).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Locks the session to new admissions, or opens it again.
    async fn lock_session(
        &self,
        ctx: &Context<'_>,
        pass: String,
        locked: bool,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        room::lock(&rc.state, &rc.client, tx, me, locked).await?;
        Ok(locked)
    }

    /// Ends the session for everyone.
    async fn end_session(&self, ctx: &Context<'_>, pass: String) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        room::end(&rc.state, &rc.client, tx, me).await?;
        Ok(true)
    }

    /// Posts to the main room's chat.
    async fn send_video_chat(
        &self,
        ctx: &Context<'_>,
        pass: String,
        body: String,
        #[graphql(default = false)] broadcast: bool,
    ) -> async_graphql::Result<VideoChatMessage> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        Ok(room::post_chat(&rc.state, tx, me, &body, broadcast)
            .await?
            .into())
    }
}

fn parse_opt_id(id: Option<&ID>) -> Result<Option<Uuid>, AppError> {
    id.map(parse_id).transpose()
}

/// A side of the case, for moving everyone on it at once.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "CaseSide")]
pub enum SideInput {
    Claimant,
    Respondent,
}

/// Caucus rooms: made, opened, closed, moved into and out of by the
/// session's mediators (everything else is refused and audited).
#[derive(Default)]
pub struct CaucusMutation;

#[Object]
impl CaucusMutation {
    /// A new caucus room, prepared (nobody is in it until it opens).
    async fn create_caucus(
        &self,
        ctx: &Context<'_>,
        pass: String,
        name: String,
    ) -> async_graphql::Result<CaucusView> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        Ok(super::caucus::create(&rc.state, &rc.client, tx, me, &name)
            .await?
            .into())
    }

    /// One caucus per side ("Claimant caucus", "Respondent caucus") with each
    /// side's people assigned; existing ones are kept.
    async fn prepare_side_caucuses(
        &self,
        ctx: &Context<'_>,
        pass: String,
        claimant_name: String,
        respondent_name: String,
    ) -> async_graphql::Result<Vec<CaucusView>> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let names = (
            claimant_name.trim().to_owned(),
            respondent_name.trim().to_owned(),
        );
        for n in [&names.0, &names.1] {
            if n.is_empty() || n.chars().count() > 80 {
                return Err(AppError::Validation {
                    field: "name",
                    reason: "a room's name is 1 to 80 characters",
                }
                .into());
            }
        }
        let made =
            super::caucus::prepare_sides(&rc.state, &rc.client, tx, me, (&names.0, &names.1))
                .await?;
        Ok(made.into_iter().map(Into::into).collect())
    }

    /// Opens a caucus (those assigned move in) or closes it (they come back).
    async fn set_caucus_open(
        &self,
        ctx: &Context<'_>,
        pass: String,
        caucus_id: ID,
        open: bool,
    ) -> async_graphql::Result<CaucusView> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let id = parse_id(&caucus_id)?;
        Ok(
            super::caucus::set_status(&rc.state, &rc.client, tx, me, id, open)
                .await?
                .into(),
        )
    }

    /// Places someone in a caucus, or (no caucus) back in the main room. A
    /// mediator may place themselves to hop between rooms, `listenOnly` to
    /// listen without being seen or heard.
    async fn place_participant(
        &self,
        ctx: &Context<'_>,
        pass: String,
        participant_id: ID,
        caucus_id: Option<ID>,
        #[graphql(default = false)] listen_only: bool,
    ) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let who = parse_id(&participant_id)?;
        let to = parse_opt_id(caucus_id.as_ref())?;
        super::caucus::place(&rc.state, &rc.client, tx, me, who, to, listen_only).await?;
        Ok(true)
    }

    /// Places everyone on one side; returns how many.
    async fn place_side(
        &self,
        ctx: &Context<'_>,
        pass: String,
        side: SideInput,
        caucus_id: Option<ID>,
    ) -> async_graphql::Result<i32> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let side = match side {
            SideInput::Claimant => crate::authz::cases::Side::Claimant,
            SideInput::Respondent => crate::authz::cases::Side::Respondent,
        };
        let to = parse_opt_id(caucus_id.as_ref())?;
        let n = super::caucus::place_side(&rc.state, &rc.client, tx, me, side, to).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Everyone back to the main room; returns how many moved.
    async fn recall_everyone(&self, ctx: &Context<'_>, pass: String) -> async_graphql::Result<i32> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let n = super::caucus::recall_all(&rc.state, &rc.client, tx, me).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Starts a caucus's timer, or extends it from its current end.
    async fn set_caucus_timer(
        &self,
        ctx: &Context<'_>,
        pass: String,
        caucus_id: ID,
        minutes: i32,
        #[graphql(default = false)] extend: bool,
    ) -> async_graphql::Result<CaucusView> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        let id = parse_id(&caucus_id)?;
        Ok(super::caucus::set_timer(
            &rc.state,
            &rc.client,
            tx,
            me,
            id,
            i64::from(minutes),
            extend,
        )
        .await?
        .into())
    }

    /// Alerts the mediator, wherever they are.
    async fn call_mediator(&self, ctx: &Context<'_>, pass: String) -> async_graphql::Result<bool> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        super::caucus::call_mediator(&rc.state, tx, me).await?;
        Ok(true)
    }
}

/// A party of an open session that staff who book the case's sessions may
/// hand a link to (anyone else's participant reads as missing).
async fn link_holder(
    tx: &crate::db::TenantTx,
    actor: &crate::authz::Actor,
    participant_id: &ID,
    lock: bool,
) -> Result<(Participant, participants::SessionVideo), AppError> {
    let participant = participants::load(tx, parse_id(participant_id)?, lock)
        .await?
        .ok_or(AppError::NotFound)?;
    let session = participants::load_session(tx, participant.session_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    access::open(tx, actor, session.case_id, CaseAction::BookSessions, false).await?;
    if !session.open() {
        return Err(AppError::SessionClosed);
    }
    participants::require_link_holder(&participant)?;
    Ok((participant, session))
}

#[derive(Default)]
pub struct VideoSubscription;

#[Subscription]
impl VideoSubscription {
    /// What happens in the pass holder's session: the lobby, admissions,
    /// controls, chat. Ids only; read the details with `videoRoom`.
    async fn video_events(
        &self,
        ctx: &Context<'_>,
        pass: String,
    ) -> async_graphql::Result<impl Stream<Item = VideoEventView>> {
        let rc = RequestContext::of(ctx);
        let (tx, me) = participants::from_pass(&rc.state, &pass).await?;
        tx.commit().await?;
        let session_id = me.session_id;
        let channel = room::channel(session_id);
        let state = rc.state.clone();
        let messages = tokio_stream::wrappers::BroadcastStream::new(rc.state.kv.messages())
            .filter_map(|m| async move { m.ok() });
        Ok(messages.filter_map(move |message| {
            let event = (message.channel == channel)
                .then(|| serde_json::from_str::<VideoEvent>(&message.payload).ok())
                .flatten()
                .filter(|e| e.session_id == session_id);
            let state = state.clone();
            let pass = pass.clone();
            async move {
                let e = event?;
                // Chat is heard only in the room it was said in: where the
                // subscriber is now decides (read again for every message).
                if e.kind == VideoEventKind::Chat {
                    let (tx, me) = participants::from_pass(&state, &pass).await.ok()?;
                    let mine = super::caucus::whereabouts(&tx, &me).await.ok()?.caucus_id();
                    tx.commit().await.ok()?;
                    if !super::caucus::hears(mine, e.breakout_room_id, e.broadcast) {
                        return None;
                    }
                }
                Some(VideoEventView {
                    kind: e.kind,
                    participant_id: e.participant_id.map(|id| ID(id.to_string())),
                })
            }
        }))
    }
}
