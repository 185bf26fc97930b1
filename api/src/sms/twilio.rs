//! Twilio's Messages REST API: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`
//! with the form fields `To`, `From` (or `MessagingServiceSid`) and `Body`,
//! under HTTP basic auth (the account SID and its auth token). A 201 reply
//! carries the message's `sid`; an error reply carries Twilio's `code` and
//! `message`, of which only the code is kept (the message may quote the
//! number). Replies are read up to 64 KiB; nothing of them is logged.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{ProviderMessageId, SmsError, SmsMessage, SmsProvider};
use crate::config::TwilioSettings;
use crate::db::TenantTx;

const MAX_REPLY: usize = 64 * 1024;

#[derive(Clone)]
pub struct Twilio {
    client: reqwest::Client,
    endpoint: String,
    account_sid: String,
    auth_token: SecretString,
    sender: Sender,
}

#[derive(Clone)]
enum Sender {
    From(String),
    MessagingService(String),
}

/// The parts of a 2xx reply we read.
#[derive(Deserialize)]
struct Sent {
    sid: String,
}

/// The parts of an error reply we read.
#[derive(Deserialize)]
struct Refused {
    code: Option<u32>,
}

impl Twilio {
    pub fn new(settings: &TwilioSettings, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent("Caucus")
            .build()
            .map_err(|_| anyhow::anyhow!("building the SMS provider's HTTP client"))?;
        let sender = if settings.messaging_service_sid.is_empty() {
            Sender::From(settings.from.clone())
        } else {
            Sender::MessagingService(settings.messaging_service_sid.clone())
        };
        Ok(Self {
            client,
            endpoint: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                settings.base_url.trim_end_matches('/'),
                settings.account_sid
            ),
            account_sid: settings.account_sid.clone(),
            auth_token: settings.auth_token.clone(),
            sender,
        })
    }

    /// Sends one message (the transaction is not used: Twilio is remote).
    pub async fn post(&self, message: &SmsMessage<'_>) -> Result<ProviderMessageId, SmsError> {
        let sender = match &self.sender {
            Sender::From(from) => ("From", from.as_str()),
            Sender::MessagingService(sid) => ("MessagingServiceSid", sid.as_str()),
        };
        let form = [("To", message.to.expose()), sender, ("Body", message.body)];
        let reply = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            // The error may name the address; say only what happened.
            .map_err(|_| SmsError::Unavailable { status: None })?;
        let status = reply.status().as_u16();
        let body = read_limited(reply).await?;
        interpret(status, &body)
    }
}

impl SmsProvider for Twilio {
    async fn send(
        &self,
        _tx: &TenantTx,
        message: &SmsMessage<'_>,
    ) -> Result<ProviderMessageId, SmsError> {
        self.post(message).await
    }
}

async fn read_limited(mut reply: reqwest::Response) -> Result<Vec<u8>, SmsError> {
    let mut body = Vec::new();
    while let Some(chunk) = reply
        .chunk()
        .await
        .map_err(|_| SmsError::Unavailable { status: None })?
    {
        if body.len() + chunk.len() > MAX_REPLY {
            return Err(SmsError::BadReply);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What a reply of `status` with `body` means.
fn interpret(status: u16, body: &[u8]) -> Result<ProviderMessageId, SmsError> {
    let code = || {
        serde_json::from_slice::<Refused>(body)
            .ok()
            .and_then(|r| r.code)
    };
    match status {
        200..=299 => {
            let sent: Sent = serde_json::from_slice(body).map_err(|_| SmsError::BadReply)?;
            if sent.sid.is_empty() || sent.sid.len() > 64 {
                return Err(SmsError::BadReply);
            }
            Ok(ProviderMessageId(sent.sid))
        }
        401 | 403 => Err(SmsError::Unauthorized {
            status,
            code: code(),
        }),
        408 | 429 | 500..=599 => Err(SmsError::Unavailable {
            status: Some(status),
        }),
        400..=499 => Err(SmsError::Rejected {
            status,
            code: code(),
        }),
        _ => Err(SmsError::BadReply),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_map_to_typed_errors() {
        assert_eq!(
            interpret(201, br#"{"sid":"SM1234","status":"queued"}"#),
            Ok(ProviderMessageId("SM1234".into()))
        );
        assert_eq!(interpret(201, b"not json"), Err(SmsError::BadReply));
        assert_eq!(
            interpret(400, br#"{"code":21211,"message":"x","status":400}"#),
            Err(SmsError::Rejected {
                status: 400,
                code: Some(21211)
            })
        );
        assert_eq!(
            interpret(401, br#"{"code":20003}"#),
            Err(SmsError::Unauthorized {
                status: 401,
                code: Some(20003)
            })
        );
        assert_eq!(
            interpret(503, b"<html>"),
            Err(SmsError::Unavailable { status: Some(503) })
        );
        assert_eq!(
            interpret(429, b""),
            Err(SmsError::Unavailable { status: Some(429) })
        );
    }
}
