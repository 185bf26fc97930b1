//! Email through SMTP (`lettre`), sent only by jobs. Messages are built from
//! Fluent translations in the recipient's language, branded with the
//! organization's colour, as HTML and plain text. They never carry case
//! content: they say that something happened or is waiting, and where.
//! Session notices also carry a calendar invitation ([`CalendarPart`]).

pub mod templates;

use anyhow::Context;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::EmailSettings;
use crate::redact::Sensitive;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// A calendar object sent with a message: an invitation, its update or its
/// cancellation.
pub struct CalendarPart {
    /// The iTIP method (`REQUEST`, `CANCEL`), repeated in the content type
    /// as calendar programs expect.
    pub method: &'static str,
    pub filename: &'static str,
    pub ics: String,
}

/// A rendered message.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    pub fn new(settings: &EmailSettings) -> anyhow::Result<Self> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose_secret())
                .context("email.smtp_url is not an SMTP URL")?
                .timeout(Some(std::time::Duration::from_secs(10)))
                .build();
        let from = settings
            .from
            .parse()
            .context("email.from is not a mailbox such as \"Caucus <no-reply@example.org>\"")?;
        Ok(Self { transport, from })
    }

    /// The address messages come from (the organizer of calendar invitations).
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// Sends `message` to `to`.
    pub async fn send(&self, to: &Sensitive<String>, message: Rendered) -> anyhow::Result<()> {
        self.send_with(to, message, None, None).await
    }

    /// Sends `message` to `to` with a calendar object beside the text and
    /// HTML, under `message_id` (`<…@…>`): the same notice sent twice keeps
    /// the same id, which lets mail systems recognise the copy.
    pub async fn send_with_calendar(
        &self,
        to: &Sensitive<String>,
        message: Rendered,
        calendar: CalendarPart,
        message_id: String,
    ) -> anyhow::Result<()> {
        self.send_with(to, message, Some(calendar), Some(message_id))
            .await
    }

    async fn send_with(
        &self,
        to: &Sensitive<String>,
        message: Rendered,
        calendar: Option<CalendarPart>,
        message_id: Option<String>,
    ) -> anyhow::Result<()> {
        let to: Mailbox = to.expose().parse().context("recipient address")?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject)
            .message_id(message_id);
        let alternative = MultiPart::alternative_plain_html(message.text, message.html);
        let email = match calendar {
            None => builder.multipart(alternative),
            Some(calendar) => {
                let content_type = ContentType::parse(&format!(
                    "text/calendar; method={}; charset=UTF-8",
                    calendar.method
                ))
                .context("a calendar content type")?;
                // Base64 keeps the object's CRLF line ends and folding exact
                // through any relay.
                let body = Body::new_with_encoding(calendar.ics, ContentTransferEncoding::Base64)
                    .map_err(|_| anyhow::anyhow!("a calendar object that base64 refuses"))?;
                builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(
                    Attachment::new(calendar.filename.to_owned()).body(body, content_type),
                ))
            }
        }
        .context("building an email")?;
        self.transport
            .send(email)
            .await
            .context("sending an email over SMTP")?;
        Ok(())
    }
}
