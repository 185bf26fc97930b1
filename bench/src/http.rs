//! A minimal HTTP/1.1 client for load: one keep-alive connection per worker
//! (hyper's connection API, no pool), JSON POSTs to `/graphql`.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, COOKIE, HOST, HeaderValue, SET_COOKIE, USER_AGENT};
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use anyhow::Context;

/// Longest a single request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The user agent every benchmark request sends.
pub const BENCH_USER_AGENT: &str = "caucus-bench/1";

pub struct Connection {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes the connection.
            let _ = connection.await;
        });
        Ok(Self { addr, sender })
    }

    /// POSTs `body` to `/graphql` as the portals do (JSON, the client header),
    /// with the session cookie if given, and reads the whole answer.
    pub async fn graphql(
        &mut self,
        body: &Bytes,
        cookie: Option<&HeaderValue>,
    ) -> anyhow::Result<Answer> {
        let mut builder = Request::post("/graphql")
            .header(HOST, self.addr.to_string())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, BENCH_USER_AGENT)
            .header(shared_types::CLIENT_HEADER, "bench");
        if let Some(cookie) = cookie {
            builder = builder.header(COOKIE, cookie.clone());
        }
        let request = builder.body(Full::new(body.clone()))?;
        let exchange = async {
            self.sender.ready().await?;
            let response = self.sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await?.to_bytes();
            anyhow::Ok(Answer {
                status: parts.status,
                headers: parts.headers,
                body: bytes,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .context("the request timed out")?
    }
}

impl Answer {
    /// The `caucus_session=…` pair the answer sets, if any.
    pub fn session_cookie(&self) -> Option<HeaderValue> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|pair| {
                pair.starts_with("caucus_session=") && pair.len() > "caucus_session=".len()
            })
            .and_then(|pair| HeaderValue::from_str(pair).ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
