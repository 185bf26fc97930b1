//! More people in a session than browsers fit on this machine: participants
//! who do what a party's page does, through the API, with their media side in
//! `caucus-lk-load follow` (LiveKit's Go SDK, `tools/lk-load/follow.go`).
//!
//! Each one is a real party of the case: the case manager adds them and
//! issues their join link, they redeem it with a device key, confirm the
//! lobby and are admitted by the mediator like anyone else. Then, as the
//! page does, they listen to `videoEvents` and, when they are `PLACED`, ask
//! `videoToken` for their new room and hand the token to the follower
//! process, which connects (then leaves the old room) and reports the first
//! complete remote video frame. They subscribe and publish nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::{SinkExt, StreamExt};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What the follower process reported.
#[derive(Default)]
struct Reports {
    /// First frame (unix ms) per (name, join number).
    frames: HashMap<(String, u64), f64>,
    /// Join numbers handed out, per name.
    joins: HashMap<String, u64>,
    /// Connections that failed, or that the server ended unasked.
    troubles: Vec<String>,
}

/// The `caucus-lk-load follow` process.
pub struct Followers {
    child: tokio::sync::Mutex<Child>,
    stdin: tokio::sync::Mutex<ChildStdin>,
    reports: Arc<Mutex<Reports>>,
    changed: Arc<Notify>,
}

impl Followers {
    pub fn start() -> anyhow::Result<Arc<Self>> {
        let home = std::env::var("HOME").context("HOME")?;
        let mut child = Command::new(format!("{home}/go/bin/caucus-lk-load"))
            .arg("follow")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("caucus-lk-load (bench/run.sh video-times builds it)")?;
        let stdin = child.stdin.take().context("stdin")?;
        let stdout = child.stdout.take().context("stdout")?;
        let reports = Arc::new(Mutex::new(Reports::default()));
        let changed = Arc::new(Notify::new());
        let (r, n) = (reports.clone(), changed.clone());
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let fields: Vec<&str> = line.splitn(4, ' ').collect();
                let mut reports = r.lock().expect("reports");
                match fields.as_slice() {
                    ["frame", name, seq, at] => {
                        if let (Ok(seq), Ok(at)) = (seq.parse(), at.parse()) {
                            reports.frames.insert(((*name).to_owned(), seq), at);
                        }
                    }
                    ["gone", ..] | ["error", ..] => reports.troubles.push(line.clone()),
                    _ => reports.troubles.push(format!("unexpected: {line}")),
                }
                drop(reports);
                n.notify_waiters();
            }
        });
        Ok(Arc::new(Self {
            child: tokio::sync::Mutex::new(child),
            stdin: tokio::sync::Mutex::new(stdin),
            reports,
            changed,
        }))
    }

    /// Connects `name` with a LiveKit token; the join's number.
    async fn join(&self, name: &str, url: &str, token: &str) -> anyhow::Result<u64> {
        let seq = {
            let mut reports = self.reports.lock().expect("reports");
            let seq = reports.joins.entry(name.to_owned()).or_default();
            *seq += 1;
            *seq
        };
        let line = format!("join {name} {seq} {url} {token}\n");
        self.stdin.lock().await.write_all(line.as_bytes()).await?;
        Ok(seq)
    }

    /// The number of `name`'s latest join (0: none yet).
    pub fn joins(&self, name: &str) -> u64 {
        let reports = self.reports.lock().expect("reports");
        reports.joins.get(name).copied().unwrap_or(0)
    }

    /// The first frame (unix ms) of `name`'s first join after join number
    /// `after`, waiting up to `wait`.
    pub async fn frame_after(&self, name: &str, after: u64, wait: Duration) -> Option<f64> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.changed.notified();
            {
                let reports = self.reports.lock().expect("reports");
                let latest = reports.joins.get(name).copied().unwrap_or(0);
                if let Some(at) = (after + 1..=latest)
                    .filter_map(|seq| reports.frames.get(&(name.to_owned(), seq)))
                    .copied()
                    .reduce(f64::min)
                {
                    return Some(at);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Waits until `name`'s latest join has a frame.
    pub async fn settled(&self, name: &str, wait: Duration) -> anyhow::Result<()> {
        let latest = self.joins(name);
        ensure!(latest > 0, "{name} never joined");
        self.frame_after(name, latest - 1, wait)
            .await
            .map(drop)
            .with_context(|| format!("{name}: no remote frame in its room within {wait:?}"))
    }

    /// The connections that failed or were ended by the server so far.
    pub fn troubles(&self) -> Vec<String> {
        self.reports.lock().expect("reports").troubles.clone()
    }

    /// Ends every connection and the process.
    pub async fn stop(&self) {
        let _ = self.stdin.lock().await.shutdown().await;
        let mut child = self.child.lock().await;
        if tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

/// A device key, as the page's non-extractable WebCrypto key pair.
struct Device(SigningKey);

impl Device {
    fn new(seed: u8) -> anyhow::Result<Self> {
        Ok(Self(SigningKey::from_slice(&[seed; 32])?))
    }

    fn public(&self) -> anyhow::Result<String> {
        let der = self.0.verifying_key().to_public_key_der()?;
        Ok(URL_SAFE_NO_PAD.encode(der.as_bytes()))
    }

    fn sign(&self, challenge: &str) -> String {
        let sig: Signature = self.0.sign(challenge.as_bytes());
        URL_SAFE_NO_PAD.encode(sig.to_bytes())
    }
}

/// The API as a party's page without an account calls it (no cookie).
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    graphql: String,
    ws: String,
}

impl Api {
    pub fn new(addr: std::net::SocketAddr) -> Self {
        Self {
            http: reqwest::Client::new(),
            graphql: format!("http://{addr}/graphql"),
            ws: format!("ws://{addr}/graphql/ws"),
        }
    }

    async fn gql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body: Value = self
            .http
            .post(&self.graphql)
            .header("x-caucus-client", "client")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?
            .json()
            .await?;
        if body.get("errors").is_some() {
            bail!("{query} failed: {body}");
        }
        Ok(body["data"].clone())
    }
}

/// One simulated participant.
pub struct Extra {
    /// The participant id (their LiveKit identity too).
    pub id: String,
    /// Their name in the follower process.
    pub name: String,
    pass: String,
}

impl Extra {
    /// Redeems `link` (a join link's token) with a fresh device key and
    /// confirms the lobby: the participant waits to be admitted.
    pub async fn arrive(
        api: &Api,
        id: String,
        name: String,
        link: &str,
        seed: u8,
    ) -> anyhow::Result<Self> {
        let device = Device::new(seed)?;
        let begun = api
            .gql(
                "mutation B($l: String!, $k: String!) { beginLinkJoin(link: $l, publicKey: $k) }",
                json!({ "l": link, "k": device.public()? }),
            )
            .await?;
        let challenge = begun["beginLinkJoin"].as_str().context("challenge")?;
        let finished = api
            .gql(
                "mutation F($l: String!, $c: String!, $s: String!) { finishLinkJoin(link: $l, challenge: $c, signature: $s) }",
                json!({ "l": link, "c": challenge, "s": device.sign(challenge) }),
            )
            .await?;
        let pass = finished["finishLinkJoin"]
            .as_str()
            .context("pass")?
            .to_owned();
        let room = api
            .gql(
                "query R($p: String!) { videoRoom(pass: $p) { lobbyQuestions } }",
                json!({ "p": pass }),
            )
            .await?;
        let questions = room["videoRoom"]["lobbyQuestions"]
            .as_array()
            .map_or(0, Vec::len);
        api.gql(
            "mutation L($p: String!, $c: [Boolean!]!, $a: Boolean!) { enterLobby(pass: $p, confirmed: $c, acceptConfidentiality: $a) }",
            json!({ "p": pass, "c": vec![true; questions], "a": true }),
        )
        .await?;
        Ok(Self { id, name, pass })
    }

    /// Once admitted: enters the room it is placed in, then follows every
    /// placement until the socket closes (a background task). Returns once
    /// the subscription is up and the first join is handed over.
    pub async fn follow(&self, api: &Api, followers: Arc<Followers>) -> anyhow::Result<()> {
        let mut request = api.ws.as_str().into_client_request()?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        socket
            .send(Message::Text(
                json!({ "type": "connection_init" }).to_string().into(),
            ))
            .await?;
        // graphql-transport-ws: subscribe once the connection is acknowledged.
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text)?;
                    if message["type"] == "connection_ack" {
                        break;
                    }
                }
                Some(Ok(_)) => {}
                other => bail!("{}: the subscription did not open: {other:?}", self.name),
            }
        }
        socket
            .send(Message::Text(
                json!({
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": "subscription E($p: String!) { videoEvents(pass: $p) { kind participantId } }",
                        "variables": { "p": self.pass },
                    }
                })
                .to_string()
                .into(),
            ))
            .await?;
        enter(api, &followers, &self.pass, &self.name).await?;
        let (api, pass, name, me) = (
            api.clone(),
            self.pass.clone(),
            self.name.clone(),
            self.id.clone(),
        );
        tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(message) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if message["type"] == "ping" {
                    let pong = json!({ "type": "pong" }).to_string();
                    let _ = socket.send(Message::Text(pong.into())).await;
                    continue;
                }
                let event = &message["payload"]["data"]["videoEvents"];
                if event["kind"] == "PLACED"
                    && event["participantId"] == me.as_str()
                    && let Err(e) = enter(&api, &followers, &pass, &name).await
                {
                    followers
                        .reports
                        .lock()
                        .expect("reports")
                        .troubles
                        .push(format!("{name}: {e:#}"));
                }
            }
        });
        Ok(())
    }
}

/// A token for the room the pass holder is placed in, handed to the follower.
async fn enter(api: &Api, followers: &Followers, pass: &str, name: &str) -> anyhow::Result<()> {
    let token = api
        .gql(
            "mutation T($p: String!) { videoToken(pass: $p) { url token } }",
            json!({ "p": pass }),
        )
        .await?;
    let url = token["videoToken"]["url"].as_str().context("url")?;
    let token = token["videoToken"]["token"].as_str().context("token")?;
    followers.join(name, url, token).await?;
    Ok(())
}
