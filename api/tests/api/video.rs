//! Video sessions against the real LiveKit server the test command started:
//! device-bound join links, the lobby, admission, tokens only for the
//! admitted, the mediator's controls, chat sealed at rest, webhooks checked
//! by signature, and every refusal.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use caucus_api::testkit::{self, TestApp};
use livekit_api::access_token::{AccessToken, TokenVerifier};
use livekit_api::services::room::RoomClient;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::cases::{CaseOrg, case_org};
use crate::scheduling::{BOOK, SCHEDULE, schedulable, set_chicago_week, starts};
use crate::support::{Client, assert_ok, error_code};

const ATTENDEES: &str = "query A($s: ID!) { sessionAttendees(sessionId: $s) { participantId name role admission hasLink linkBound } }";
pub const ISSUE: &str =
    "mutation I($p: ID!) { issueJoinLink(participantId: $p) { url expiresAt } }";
const BEGIN: &str =
    "mutation B($l: String!, $k: String!) { beginLinkJoin(link: $l, publicKey: $k) }";
const FINISH: &str = "mutation F($l: String!, $c: String!, $s: String!) { finishLinkJoin(link: $l, challenge: $c, signature: $s) }";
pub const MEMBER: &str = "mutation M($s: ID!) { joinSessionAsMember(sessionId: $s) }";
pub const ROOM: &str = "query R($p: String!) { videoRoom(pass: $p) { sessionId locked ended lobbyQuestions me { id role admission } participants { id name role admission inRoom } } }";
pub const LOBBY: &str = "mutation L($p: String!, $c: [Boolean!]!, $a: Boolean!) { enterLobby(pass: $p, confirmed: $c, acceptConfidentiality: $a) }";
pub const TOKEN: &str = "mutation T($p: String!) { videoToken(pass: $p) { url token } }";
pub const MODERATE: &str = "mutation C($p: String!, $t: ID!, $c: ModerationControl!) { moderateParticipant(pass: $p, participantId: $t, control: $c) }";
pub const CHAT: &str =
    "mutation S($p: String!, $b: String!) { sendVideoChat(pass: $p, body: $b) { id body } }";
pub const READ_CHAT: &str = "query V($p: String!) { videoChat(pass: $p) { participantId body } }";
const LOCK: &str = "mutation K($p: String!, $l: Boolean!) { lockSession(pass: $p, locked: $l) }";
const END: &str = "mutation E($p: String!) { endSession(pass: $p) }";

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the test command"))
}

/// LiveKit's room service, as an operator would call it.
pub fn rooms() -> RoomClient {
    RoomClient::with_api_key(
        &env("CAUCUS_TEST_LIVEKIT_API_URL"),
        &env("CAUCUS_TEST_LIVEKIT_API_KEY"),
        &env("CAUCUS_TEST_LIVEKIT_API_SECRET"),
    )
}

pub struct Device(SigningKey);

impl Device {
    pub fn new(seed: u8) -> Self {
        Self(SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    pub fn public(&self) -> String {
        let der = self.0.verifying_key().to_public_key_der().unwrap();
        URL_SAFE_NO_PAD.encode(der.as_bytes())
    }

    pub fn sign(&self, challenge: &str) -> String {
        let sig: Signature = self.0.sign(challenge.as_bytes());
        URL_SAFE_NO_PAD.encode(sig.to_bytes())
    }
}

pub fn str_of(body: &Value, path: &[&str]) -> String {
    let mut v = body;
    for p in path {
        v = &v[*p];
    }
    v.as_str()
        .unwrap_or_else(|| panic!("{path:?} in {body}"))
        .to_owned()
}

/// An organization with a case whose session is booked, and the session's id.
pub async fn booked_session(app: &TestApp, slug: &str) -> (CaseOrg, String) {
    let mut org = case_org(app, slug).await;
    set_chicago_week(&mut org.mediator).await;
    let case_id = schedulable(app, &mut org, "Sam Other").await;
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 5 }))
        .await;
    let offered = starts(&schedule["data"]["caseSchedule"]);
    let booked = org
        .manager
        .gql(BOOK, json!({ "c": case_id, "at": offered[0] }))
        .await;
    assert_ok(&booked);
    let session = str_of(&booked, &["data", "bookSession", "id"]);
    (org, session)
}

/// Opens a link on `device`: the pass, or the refusal's code.
pub async fn redeem(client: &mut Client, link: &str, device: &Device) -> Result<String, String> {
    let begun = client
        .gql(BEGIN, json!({ "l": link, "k": device.public() }))
        .await;
    if begun["errors"].is_array() {
        return Err(error_code(&begun));
    }
    let challenge = str_of(&begun, &["data", "beginLinkJoin"]);
    let finished = client
        .gql(
            FINISH,
            json!({ "l": link, "c": challenge, "s": device.sign(&challenge) }),
        )
        .await;
    if finished["errors"].is_array() {
        return Err(error_code(&finished));
    }
    Ok(str_of(&finished, &["data", "finishLinkJoin"]))
}

pub async fn audit_count(admin: &mut Client, action: &str) -> usize {
    let log = admin
        .gql(
            "query L($a: AuditAction) { auditLog(first: 50, action: $a) { edges { node { targetId } } } }",
            json!({ "a": action }),
        )
        .await;
    assert_ok(&log);
    log["data"]["auditLog"]["edges"].as_array().unwrap().len()
}

/// Posts a webhook body signed as LiveKit signs it (a JWT whose `sha256`
/// claim is the body's hash) with `secret`.
pub async fn webhook(app: &TestApp, body: &str, secret: &str) -> reqwest::StatusCode {
    let hash = STANDARD.encode(Sha256::digest(body.as_bytes()));
    let jwt = AccessToken::with_api_key(&env("CAUCUS_TEST_LIVEKIT_API_KEY"), secret)
        .with_sha256(&hash)
        .to_jwt()
        .unwrap();
    reqwest::Client::new()
        .post(app.url("/livekit/webhook"))
        .header("authorization", jwt)
        .header("content-type", "application/webhook+json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

pub fn joined_event(room: &str, identity: &str) -> String {
    json!({ "event": "participant_joined", "id": "EV_1", "createdAt": "1",
        "room": { "sid": "RM_1", "name": room },
        "participant": { "sid": "PA_1", "identity": identity } })
    .to_string()
}

#[tokio::test]
async fn a_party_joins_by_a_device_bound_link_waits_is_admitted_and_removed() {
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, "video").await;

    // Staff see who may come; another organization's staff see nothing.
    let attendees = org.manager.gql(ATTENDEES, json!({ "s": session })).await;
    assert_ok(&attendees);
    let list = attendees["data"]["sessionAttendees"].as_array().unwrap();
    let roles: Vec<&str> = list.iter().map(|a| a["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["MEDIATOR", "PARTY", "PARTY"], "{attendees}");
    let respondent = list
        .iter()
        .find(|a| a["name"] == "Sam Other")
        .expect("the other side is an attendee");
    let respondent_id = respondent["participantId"].as_str().unwrap().to_owned();
    let mediator_id = list[0]["participantId"].as_str().unwrap().to_owned();
    let mut elsewhere = case_org(&app, "video-elsewhere").await;
    assert_eq!(
        error_code(
            &elsewhere
                .manager
                .gql(ATTENDEES, json!({ "s": session }))
                .await
        ),
        "NOT_FOUND"
    );
    assert_eq!(
        error_code(
            &elsewhere
                .manager
                .gql(ISSUE, json!({ "p": respondent_id }))
                .await
        ),
        "NOT_FOUND"
    );
    // A party cannot hand out links; mediators get none (they sign in).
    assert_ne!(
        error_code(&org.claimant.gql(ISSUE, json!({ "p": respondent_id })).await),
        ""
    );
    assert_eq!(
        error_code(&org.manager.gql(ISSUE, json!({ "p": mediator_id })).await),
        "VALIDATION_FAILED"
    );

    let issued = org.manager.gql(ISSUE, json!({ "p": respondent_id })).await;
    assert_ok(&issued);
    let url = str_of(&issued, &["data", "issueJoinLink", "url"]);
    let link = url.split_once("/join#").expect("a join URL").1.to_owned();

    // Forged and malformed input is refused before anything is bound.
    let mut browser = Client::new(&app);
    let laptop = Device::new(7);
    assert_eq!(
        redeem(&mut browser, &format!("{link}x"), &laptop).await,
        Err("LINK_EXPIRED".into())
    );
    let bad_key = browser
        .gql(BEGIN, json!({ "l": link, "k": "bm90IGEga2V5" }))
        .await;
    assert_eq!(error_code(&bad_key), "VALIDATION_FAILED");

    // The first device binds the link; a signature by another key, and a
    // replayed challenge, are refused.
    let begun = browser
        .gql(BEGIN, json!({ "l": link, "k": laptop.public() }))
        .await;
    let challenge = str_of(&begun, &["data", "beginLinkJoin"]);
    let forged = browser
        .gql(
            FINISH,
            json!({ "l": link, "c": challenge, "s": Device::new(8).sign(&challenge) }),
        )
        .await;
    assert_eq!(error_code(&forged), "DEVICE_PROOF_REJECTED");
    let replayed = browser
        .gql(
            FINISH,
            json!({ "l": link, "c": challenge, "s": laptop.sign(&challenge) }),
        )
        .await;
    assert_eq!(
        error_code(&replayed),
        "DEVICE_PROOF_REJECTED",
        "a challenge works once"
    );
    let pass = redeem(&mut browser, &link, &laptop).await.expect("a pass");
    // The same device may come back (a reconnect, a reload); another may not.
    let again = redeem(&mut browser, &link, &laptop).await.expect("again");
    assert_ne!(pass, again);
    let mut phone = Client::new(&app);
    assert_eq!(
        redeem(&mut phone, &link, &Device::new(9)).await,
        Err("LINK_BOUND_ELSEWHERE".into())
    );
    assert!(audit_count(&mut org.admin, "VIDEO_JOIN_REFUSED").await >= 2);

    // No token before admission; the lobby wants every statement confirmed.
    assert_eq!(
        error_code(&browser.gql(TOKEN, json!({ "p": pass })).await),
        "NOT_ADMITTED"
    );
    let room = browser.gql(ROOM, json!({ "p": pass })).await;
    assert_ok(&room);
    let questions = room["data"]["videoRoom"]["lobbyQuestions"]
        .as_array()
        .unwrap()
        .len();
    assert!(questions >= 1);
    let unconfirmed = browser
        .gql(LOBBY, json!({ "p": pass, "c": [], "a": true }))
        .await;
    assert_eq!(error_code(&unconfirmed), "VALIDATION_FAILED");
    let no_nda = browser
        .gql(
            LOBBY,
            json!({ "p": pass, "c": vec![true; questions], "a": false }),
        )
        .await;
    assert_eq!(error_code(&no_nda), "VALIDATION_FAILED");
    let waiting = browser
        .gql(
            LOBBY,
            json!({ "p": pass, "c": vec![true; questions], "a": true }),
        )
        .await;
    assert_eq!(waiting["data"]["enterLobby"], "WAITING", "{waiting}");

    // A party cannot moderate, and the attempt is audited.
    let attempt = browser
        .gql(
            MODERATE,
            json!({ "p": pass, "t": respondent_id, "c": "ADMIT" }),
        )
        .await;
    assert_eq!(error_code(&attempt), "FORBIDDEN");
    assert_eq!(
        audit_count(&mut org.admin, "VIDEO_MODERATION_REFUSED").await,
        1
    );

    // The mediator joins signed in, goes straight in, and sees who waits.
    let member = org.mediator.gql(MEMBER, json!({ "s": session })).await;
    assert_ok(&member);
    let mediator_pass = str_of(&member, &["data", "joinSessionAsMember"]);
    let entered = org
        .mediator
        .gql(
            LOBBY,
            json!({ "p": mediator_pass, "c": vec![true; questions], "a": true }),
        )
        .await;
    assert_eq!(entered["data"]["enterLobby"], "ADMITTED");
    let seen = org.mediator.gql(ROOM, json!({ "p": mediator_pass })).await;
    let waiting_ids: Vec<&str> = seen["data"]["videoRoom"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["admission"] == "WAITING")
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(waiting_ids, [respondent_id.as_str()]);
    // The claimant is no participant of another organization's session.
    assert_eq!(
        error_code(
            &elsewhere
                .claimant
                .gql(MEMBER, json!({ "s": session }))
                .await
        ),
        "NOT_FOUND"
    );

    let admitted = org
        .mediator
        .gql(
            MODERATE,
            json!({ "p": mediator_pass, "t": respondent_id, "c": "ADMIT" }),
        )
        .await;
    assert_eq!(admitted["data"]["moderateParticipant"], "ADMITTED");

    // The token is for this room only, as this participant, short-lived.
    let token = browser.gql(TOKEN, json!({ "p": pass })).await;
    assert_ok(&token);
    let jwt = str_of(&token, &["data", "videoToken", "token"]);
    let claims = TokenVerifier::with_api_key(
        &env("CAUCUS_TEST_LIVEKIT_API_KEY"),
        &env("CAUCUS_TEST_LIVEKIT_API_SECRET"),
    )
    .verify(&jwt)
    .expect("signed with the server's secret");
    assert_eq!(claims.sub, respondent_id);
    assert_eq!(claims.name, "Sam Other");
    assert!(claims.video.room_join);
    assert_eq!(claims.video.can_publish, Some(true));
    assert!(!claims.video.room_admin);
    assert!(claims.exp as i64 - chrono::Utc::now().timestamp() <= 600);
    let room_name = claims.video.room.clone();
    let listed = rooms().list_rooms(vec![room_name.clone()]).await.unwrap();
    assert_eq!(listed.len(), 1, "the room exists on the LiveKit server");

    // Chat: only the admitted read it; it is sealed at rest.
    let secret_words = "Our offer is 41,250 and not a cent more";
    assert_ok(
        &browser
            .gql(CHAT, json!({ "p": pass, "b": secret_words }))
            .await,
    );
    let read = org
        .mediator
        .gql(READ_CHAT, json!({ "p": mediator_pass }))
        .await;
    assert_eq!(read["data"]["videoChat"][0]["body"], secret_words);
    assert_eq!(
        read["data"]["videoChat"][0]["participantId"],
        respondent_id.as_str()
    );
    let claimant_pass = str_of(
        &org.claimant.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    assert_eq!(
        error_code(
            &org.claimant
                .gql(READ_CHAT, json!({ "p": claimant_pass }))
                .await
        ),
        "NOT_ADMITTED"
    );
    let too_long = browser
        .gql(CHAT, json!({ "p": pass, "b": "x".repeat(2001) }))
        .await;
    assert_eq!(error_code(&too_long), "VALIDATION_FAILED");
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let raw = owner
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            "SELECT body_sealed FROM session_chat_messages",
        ))
        .await
        .unwrap();
    assert_eq!(raw.len(), 1);
    let sealed: Vec<u8> = raw[0].try_get("", "body_sealed").unwrap();
    assert!(
        !String::from_utf8_lossy(&sealed).contains("41,250"),
        "sealed at rest"
    );

    // Webhooks: a forged one is refused; someone who turns up without an
    // admission (the claimant, never admitted) is removed and it is audited;
    // the admitted respondent is seen in the room.
    let secret = env("CAUCUS_TEST_LIVEKIT_API_SECRET");
    let claimant_id = seen["data"]["videoRoom"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "PARTY" && p["id"] != respondent_id.as_str())
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .expect("the claimant is listed for the mediator");
    let forged = webhook(
        &app,
        &joined_event(&room_name, &respondent_id),
        &"f".repeat(64),
    )
    .await;
    assert_eq!(forged, reqwest::StatusCode::UNAUTHORIZED);
    let tampered_hash = {
        let body = joined_event(&room_name, &respondent_id);
        let jwt = AccessToken::with_api_key(&env("CAUCUS_TEST_LIVEKIT_API_KEY"), &secret)
            .with_sha256(&STANDARD.encode(Sha256::digest(b"another body")))
            .to_jwt()
            .unwrap();
        reqwest::Client::new()
            .post(app.url("/livekit/webhook"))
            .header("authorization", jwt)
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(tampered_hash, reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(
        webhook(&app, &joined_event(&room_name, &claimant_id), &secret).await,
        reqwest::StatusCode::OK
    );
    assert_eq!(
        audit_count(&mut org.admin, "VIDEO_INTRUDER_REMOVED").await,
        1
    );
    assert_eq!(
        webhook(&app, &joined_event(&room_name, &respondent_id), &secret).await,
        reqwest::StatusCode::OK
    );
    assert_eq!(
        audit_count(&mut org.admin, "VIDEO_INTRUDER_REMOVED").await,
        1
    );
    let present = org.mediator.gql(ROOM, json!({ "p": mediator_pass })).await;
    let respondent_view = present["data"]["videoRoom"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == respondent_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(respondent_view["inRoom"], true);

    // Muting someone not connected is no error; removing kills the pass and
    // the link; every control is audited.
    let muted = org
        .mediator
        .gql(
            MODERATE,
            json!({ "p": mediator_pass, "t": respondent_id, "c": "MUTE_MICROPHONE" }),
        )
        .await;
    assert_eq!(muted["data"]["moderateParticipant"], "ADMITTED", "{muted}");
    let removed = org
        .mediator
        .gql(
            MODERATE,
            json!({ "p": mediator_pass, "t": respondent_id, "c": "REMOVE" }),
        )
        .await;
    assert_eq!(removed["data"]["moderateParticipant"], "REMOVED");
    assert_eq!(
        error_code(&browser.gql(TOKEN, json!({ "p": pass })).await),
        "LINK_EXPIRED"
    );
    assert_eq!(
        redeem(&mut browser, &link, &laptop).await,
        Err("LINK_EXPIRED".into())
    );
    assert_eq!(audit_count(&mut org.admin, "VIDEO_REMOVED").await, 1);
    assert_eq!(audit_count(&mut org.admin, "VIDEO_ADMITTED").await, 1);
    assert_eq!(audit_count(&mut org.admin, "VIDEO_MUTED").await, 1);
    // Someone of another session cannot be moderated from this one.
    assert_eq!(
        error_code(
            &org.mediator
                .gql(
                    MODERATE,
                    json!({ "p": mediator_pass, "t": uuid::Uuid::new_v4(), "c": "REMOVE" })
                )
                .await
        ),
        "NOT_FOUND"
    );

    // Locked: nobody new gets in. Ended: no one at all, the room is gone.
    assert_ok(
        &org.mediator
            .gql(LOCK, json!({ "p": mediator_pass, "l": true }))
            .await,
    );
    let late = org
        .claimant
        .gql(
            LOBBY,
            json!({ "p": claimant_pass, "c": vec![true; questions], "a": true }),
        )
        .await;
    assert_eq!(error_code(&late), "SESSION_CLOSED");
    assert_ok(&org.mediator.gql(END, json!({ "p": mediator_pass })).await);
    assert_eq!(
        error_code(&org.mediator.gql(TOKEN, json!({ "p": mediator_pass })).await),
        "SESSION_CLOSED"
    );
    assert!(
        rooms()
            .list_rooms(vec![room_name])
            .await
            .unwrap()
            .is_empty(),
        "the room was closed on the LiveKit server"
    );
    assert_eq!(audit_count(&mut org.admin, "VIDEO_ENDED").await, 1);
}

/// Polls `check` (about every 100 ms, up to 15 s) until it holds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 15 s");
}

#[tokio::test]
async fn cancelling_a_session_and_suspending_a_party_take_video_access_away_in_the_background() {
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, "video-revoke").await;
    let mediator_pass = str_of(
        &org.mediator.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    let claimant_pass = str_of(
        &org.claimant.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    for (client, pass) in [
        (&mut org.mediator, &mediator_pass),
        (&mut org.claimant, &claimant_pass),
    ] {
        assert_ok(
            &client
                .gql(LOBBY, json!({ "p": pass, "c": [true], "a": true }))
                .await,
        );
    }
    let me = org.claimant.gql(ROOM, json!({ "p": claimant_pass })).await;
    let claimant_id = str_of(&me, &["data", "videoRoom", "me", "id"]);
    assert_ok(
        &org.mediator
            .gql(
                MODERATE,
                json!({ "p": mediator_pass, "t": claimant_id, "c": "ADMIT" }),
            )
            .await,
    );
    let token = org.mediator.gql(TOKEN, json!({ "p": mediator_pass })).await;
    assert_ok(&token);
    let jwt = str_of(&token, &["data", "videoToken", "token"]);
    let room_name = TokenVerifier::with_api_key(
        &env("CAUCUS_TEST_LIVEKIT_API_KEY"),
        &env("CAUCUS_TEST_LIVEKIT_API_SECRET"),
    )
    .verify(&jwt)
    .unwrap()
    .video
    .room;
    assert_eq!(
        rooms()
            .list_rooms(vec![room_name.clone()])
            .await
            .unwrap()
            .len(),
        1
    );

    // Suspending the claimant's account takes them out of the session.
    let claimant_user =
        org.claimant.gql("{ me { user { id } } }", json!({})).await["data"]["me"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_ok(
        &org.admin
            .gql(
                "mutation C($u: ID!, $c: AccountChange!) { changeMemberAccount(userId: $u, change: $c) }",
                json!({ "u": claimant_user, "c": "SUSPEND" }),
            )
            .await,
    );
    let mut claimant_browser = Client::new(&app);
    assert_eq!(
        error_code(
            &claimant_browser
                .gql(TOKEN, json!({ "p": claimant_pass }))
                .await
        ),
        "LINK_EXPIRED"
    );

    // Cancelling the session closes its video: the job ends it and deletes
    // the room on the LiveKit server.
    assert_ok(
        &org.manager
            .gql(
                "mutation C($s: ID!, $why: String!) { cancelSession(sessionId: $s, reason: $why) { id } }",
                json!({ "s": session, "why": "The parties settled." }),
            )
            .await,
    );
    eventually("the room closing", || async {
        rooms()
            .list_rooms(vec![room_name.clone()])
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let after = org.mediator.gql(TOKEN, json!({ "p": mediator_pass })).await;
    assert_eq!(error_code(&after), "SESSION_CLOSED");
}

pub async fn watch(app: &TestApp, pass: &str) -> crate::subscriptions::Socket {
    watch_as(
        app,
        None,
        "subscription W($p: String!) { videoEvents(pass: $p) { kind participantId } }",
        json!({ "p": pass }),
    )
    .await
}

/// A subscription to `query`, signed in with `cookie` (or not).
pub async fn watch_as(
    app: &TestApp,
    cookie: Option<&str>,
    query: &str,
    variables: Value,
) -> crate::subscriptions::Socket {
    use futures::SinkExt as _;
    use tokio_tungstenite::tungstenite::Message;
    let mut socket = crate::subscriptions::connect(app, cookie, crate::subscriptions::ORIGIN)
        .await
        .unwrap();
    let wait = std::time::Duration::from_secs(5);
    socket
        .send(Message::Text(
            json!({ "type": "connection_init" }).to_string().into(),
        ))
        .await
        .unwrap();
    let ack = crate::subscriptions::next_json(&mut socket, wait)
        .await
        .unwrap();
    assert_eq!(ack["type"], "connection_ack");
    socket
        .send(Message::Text(
            json!({ "id": "1", "type": "subscribe", "payload": {
                "query": query, "variables": variables } })
            .to_string()
            .into(),
        ))
        .await
        .unwrap();
    socket
}

#[tokio::test]
async fn the_mediator_sees_the_lobby_live_and_a_forged_pass_sees_nothing() {
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, "video-live").await;
    let mediator_pass = str_of(
        &org.mediator.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    let claimant_pass = str_of(
        &org.claimant.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    let wait = std::time::Duration::from_secs(5);

    let mut forged = watch(&app, "not-a-pass").await;
    let refused = crate::subscriptions::next_json(&mut forged, wait)
        .await
        .unwrap();
    assert_eq!(refused["payload"]["data"], Value::Null, "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    let mut live = watch(&app, &mediator_pass).await;
    // Let the subscription settle before the event it must see.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_ok(
        &org.claimant
            .gql(LOBBY, json!({ "p": claimant_pass, "c": [true], "a": true }))
            .await,
    );
    let me = org.claimant.gql(ROOM, json!({ "p": claimant_pass })).await;
    let claimant_id = str_of(&me, &["data", "videoRoom", "me", "id"]);
    let event = crate::subscriptions::next_json(&mut live, wait)
        .await
        .expect("an event");
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(
        event["payload"]["data"]["videoEvents"]["kind"],
        "LOBBY_CHANGED"
    );
    assert_eq!(
        event["payload"]["data"]["videoEvents"]["participantId"],
        claimant_id.as_str()
    );
}

#[tokio::test]
async fn operations_events_tell_staff_of_their_own_sessions_only() {
    const OPS: &str = "subscription { operationsEvents { sessionId kind } }";
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, "ops-live").await;
    let (other, _) = booked_session(&app, "ops-live-other").await;
    let wait = std::time::Duration::from_secs(5);

    // A party may not watch operations.
    let mut party = watch_as(&app, org.claimant.cookie.as_deref(), OPS, json!({})).await;
    let refused = crate::subscriptions::next_json(&mut party, wait)
        .await
        .unwrap();
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );

    let mut ours = watch_as(&app, org.manager.cookie.as_deref(), OPS, json!({})).await;
    let mut theirs = watch_as(&app, other.manager.cookie.as_deref(), OPS, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let claimant_pass = str_of(
        &org.claimant.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    assert_ok(
        &org.claimant
            .gql(LOBBY, json!({ "p": claimant_pass, "c": [true], "a": true }))
            .await,
    );
    let event = crate::subscriptions::next_json(&mut ours, wait)
        .await
        .expect("an event");
    assert_eq!(event["type"], "next", "{event}");
    let seen = &event["payload"]["data"]["operationsEvents"];
    assert_eq!(seen["kind"], "LOBBY_CHANGED", "{event}");
    assert_eq!(seen["sessionId"], session.as_str());
    assert!(
        crate::subscriptions::next_json(&mut theirs, std::time::Duration::from_secs(2))
            .await
            .is_none(),
        "another organization heard of the session"
    );
}

/// The join links emailed to `to` so far, newest first.
async fn emailed_links(to: &str, n: usize) -> Vec<String> {
    let mut links = Vec::new();
    for _ in 0..75 {
        links.clear();
        for m in crate::support::mailpit_messages(to).await {
            if m["Subject"] == "Your link to the mediation session" {
                let body = crate::support::mail_body(&m).await;
                let text = body["Text"].as_str().unwrap().to_owned();
                let link = text
                    .split_once("/join#")
                    .map(|(_, rest)| rest.split_whitespace().next().unwrap().to_owned())
                    .expect("a join link in the message");
                links.push(link);
            }
        }
        if links.len() >= n {
            return links;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{n} join link email(s) to {to} did not arrive");
}

#[tokio::test]
async fn booking_emails_each_party_a_link_and_a_fresh_one_replaces_it() {
    let app = testkit::spawn().await;
    let (mut org, session) = booked_session(&app, "video-mail").await;
    let claimant_email = org.emails[3].clone();

    // The claimant (the party with an address) is sent a link; it says when
    // and nothing about the case.
    let first = emailed_links(&claimant_email, 1).await;
    let message = crate::support::mailpit_messages(&claimant_email)
        .await
        .into_iter()
        .find(|m| m["Subject"] == "Your link to the mediation session")
        .unwrap();
    let body = crate::support::mail_body(&message).await;
    let text = body["Text"].as_str().unwrap();
    assert!(text.contains("one device only"), "{text}");
    assert!(!text.contains("Private."), "no case content in the email");
    let mut browser = Client::new(&app);
    let device = Device::new(21);
    let pass = redeem(&mut browser, &first[0], &device)
        .await
        .expect("the emailed link works");
    assert_ok(&browser.gql(ROOM, json!({ "p": pass })).await);

    // Staff send a fresh link: the old one (and its device) stop working.
    let attendees = org.manager.gql(ATTENDEES, json!({ "s": session })).await;
    let claimant_participant = attendees["data"]["sessionAttendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "PARTY" && a["linkBound"] == true)
        .map(|a| a["participantId"].as_str().unwrap().to_owned())
        .expect("the claimant's link is bound");
    assert_eq!(
        error_code(
            &org.claimant
                .gql(
                    "mutation S($p: ID!) { sendJoinLink(participantId: $p) }",
                    json!({ "p": claimant_participant })
                )
                .await
        ),
        "FORBIDDEN",
        "a party of the case sees it but cannot send links"
    );
    assert_ok(
        &org.manager
            .gql(
                "mutation S($p: ID!) { sendJoinLink(participantId: $p) }",
                json!({ "p": claimant_participant }),
            )
            .await,
    );
    let links = emailed_links(&claimant_email, 2).await;
    let fresh = links
        .iter()
        .find(|l| **l != first[0])
        .expect("a different link")
        .clone();
    assert_eq!(
        redeem(&mut browser, &first[0], &device).await,
        Err("LINK_EXPIRED".into())
    );
    let mut phone = Client::new(&app);
    redeem(&mut phone, &fresh, &Device::new(22))
        .await
        .expect("the fresh link binds a new device");
}

#[tokio::test]
async fn the_organization_sets_the_lobby_statements_everyone_must_confirm() {
    const RULES: &str = "mutation R($q: [String!]!) { updateVideoRules(lobbyQuestions: $q) { lobbyQuestions defaultQuestions } }";
    let app = testkit::spawn().await;
    let mut org = case_org(&app, "video-rules").await;
    let mine = ["I am alone in the room.", "I will not record the session."];
    assert_eq!(
        error_code(&org.manager.gql(RULES, json!({ "q": mine })).await),
        "FORBIDDEN"
    );
    let nine: Vec<String> = (0..9).map(|i| format!("Statement {i}")).collect();
    assert_eq!(
        error_code(&org.admin.gql(RULES, json!({ "q": nine })).await),
        "VALIDATION_FAILED"
    );
    let blank = org
        .admin
        .gql(RULES, json!({ "q": ["I am alone.", "   "] }))
        .await;
    assert_eq!(error_code(&blank), "VALIDATION_FAILED");
    assert_eq!(
        blank["errors"][0]["extensions"]["fields"][0]["field"], "lobbyQuestions.1",
        "{blank}"
    );
    let saved = org.admin.gql(RULES, json!({ "q": mine })).await;
    assert_ok(&saved);
    assert_eq!(saved["data"]["updateVideoRules"]["defaultQuestions"], false);

    set_chicago_week(&mut org.mediator).await;
    let case_id = schedulable(&app, &mut org, "Sam Other").await;
    let schedule = org
        .manager
        .gql(SCHEDULE, json!({ "c": case_id, "n": 5 }))
        .await;
    let offered = starts(&schedule["data"]["caseSchedule"]);
    let booked = org
        .manager
        .gql(BOOK, json!({ "c": case_id, "at": offered[0] }))
        .await;
    let session = str_of(&booked, &["data", "bookSession", "id"]);
    let pass = str_of(
        &org.claimant.gql(MEMBER, json!({ "s": session })).await,
        &["data", "joinSessionAsMember"],
    );
    let room = org.claimant.gql(ROOM, json!({ "p": pass })).await;
    assert_eq!(room["data"]["videoRoom"]["lobbyQuestions"], json!(mine));
    let one = org
        .claimant
        .gql(LOBBY, json!({ "p": pass, "c": [true], "a": true }))
        .await;
    assert_eq!(error_code(&one), "VALIDATION_FAILED");
    let half = org
        .claimant
        .gql(LOBBY, json!({ "p": pass, "c": [true, false], "a": true }))
        .await;
    assert_eq!(error_code(&half), "VALIDATION_FAILED");
    let both = org
        .claimant
        .gql(LOBBY, json!({ "p": pass, "c": [true, true], "a": true }))
        .await;
    assert_eq!(both["data"]["enterLobby"], "WAITING");

    // An empty list goes back to the default statement.
    let reset = org.admin.gql(RULES, json!({ "q": [] })).await;
    assert_eq!(reset["data"]["updateVideoRules"]["defaultQuestions"], true);
    assert_eq!(
        reset["data"]["updateVideoRules"]["lobbyQuestions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
