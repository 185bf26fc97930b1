//! Email through SMTP (`lettre`), sent only by jobs. Messages are built from
//! Fluent translations in the recipient's language, branded with the
//! organization's colour, as HTML and plain text. They never carry case
//! content: they say that something happened or is waiting, and where.

pub mod templates;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::EmailSettings;
use crate::redact::Sensitive;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
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

    /// Sends `message` to `to`.
    pub async fn send(&self, to: &Sensitive<String>, message: Rendered) -> anyhow::Result<()> {
        let to: Mailbox = to.expose().parse().context("recipient address")?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.text,
                message.html,
            ))
            .context("building an email")?;
        self.transport
            .send(email)
            .await
            .context("sending an email over SMTP")?;
        Ok(())
    }
}
