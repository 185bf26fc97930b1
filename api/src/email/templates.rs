//! Email templates: a branded HTML frame and a plain-text twin, with every
//! string from the recipient's locale.

use shared_types::i18n::Arg;
use shared_types::{Locale, Translator};

use super::Rendered;

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// The frame every message shares: organization name on its brand colour, the
/// paragraphs, an optional button `(label, url)`, and the confidentiality footer.
fn frame(
    tr: &Translator,
    organization: &str,
    brand_color: &str,
    heading: &str,
    paragraphs: &[String],
    button: Option<(&str, &str)>,
) -> String {
    let mut body: String = paragraphs
        .iter()
        .map(|p| {
            format!(
                "<p style=\"margin:0 0 16px;font-size:16px;line-height:1.5;color:#1f2933\">{}</p>",
                esc(p)
            )
        })
        .collect();
    if let Some((label, url)) = button {
        body.push_str(&format!(
            "<p style=\"margin:24px 0\"><a href=\"{url}\" style=\"background:{color};color:#ffffff;\
             padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:bold;\
             display:inline-block\">{label}</a></p>",
            url = html_escape::encode_double_quoted_attribute(url),
            color = esc(brand_color),
            label = esc(label),
        ));
    }
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"margin:0;background:#f4f6f8;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px\">\
         <table role=\"presentation\" width=\"560\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:560px;background:#ffffff;border-radius:8px\">\
         <tr><td style=\"background:{color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:bold;border-radius:8px 8px 0 0\">{org}</td></tr>\
         <tr><td style=\"padding:24px\"><h1 style=\"margin:0 0 16px;font-size:22px;color:#1f2933\">{title}</h1>{body}</td></tr>\
         <tr><td style=\"padding:16px 24px;font-size:13px;color:#52606d;border-top:1px solid #e4e7eb\">{footer}</td></tr>\
         </table></td></tr></table></body></html>",
        lang = tr.locale().tag(),
        title = esc(heading),
        color = esc(brand_color),
        org = esc(organization),
        body = body,
        footer = esc(&tr.tr("email-footer")),
    )
}

fn plain(tr: &Translator, organization: &str, heading: &str, paragraphs: &[String]) -> String {
    format!(
        "{organization}\n\n{heading}\n\n{}\n\n--\n{}\n",
        paragraphs.join("\n\n"),
        tr.tr("email-footer")
    )
}

/// "Your account was signed in to from a new browser."
pub fn sign_in_notice(locale: Locale, organization: &str, brand_color: &str) -> Rendered {
    let tr = Translator::new(locale);
    let heading = tr.tr("email-sign-in-notice-heading");
    let paragraphs = vec![
        tr.tr_args(
            "email-sign-in-notice-body",
            &[("organization", Arg::Str(organization))],
        ),
        tr.tr("email-sign-in-notice-advice"),
    ];
    Rendered {
        subject: tr.tr("email-sign-in-notice-subject"),
        text: plain(&tr, organization, &heading, &paragraphs),
        html: frame(&tr, organization, brand_color, &heading, &paragraphs, None),
    }
}

/// "You are invited to join {organization} on Caucus as {role}."
pub fn invitation(
    locale: Locale,
    organization: &str,
    brand_color: &str,
    role: crate::authz::RoleKey,
    link: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Rendered {
    let tr = Translator::new(locale);
    let role_name = tr.tr(&format!("role-{}", role.key().replace('_', "-")));
    let heading = tr.tr_args(
        "email-invitation-heading",
        &[("organization", Arg::Str(organization))],
    );
    let expires = expires_at.format("%Y-%m-%d").to_string();
    let paragraphs = vec![
        tr.tr_args(
            "email-invitation-body",
            &[
                ("organization", Arg::Str(organization)),
                ("role", Arg::Str(&role_name)),
            ],
        ),
        tr.tr_args("email-invitation-expiry", &[("date", Arg::Str(&expires))]),
    ];
    let subject = tr.tr_args(
        "email-invitation-subject",
        &[("organization", Arg::Str(organization))],
    );
    let button = tr.tr("email-invitation-button");
    with_button(
        &tr,
        organization,
        brand_color,
        subject,
        &heading,
        &paragraphs,
        (&button, link),
    )
}

/// A password-reset or sign-in link.
pub fn link(
    locale: Locale,
    purpose: crate::identity::links::LinkPurpose,
    organization: &str,
    brand_color: &str,
    link: &str,
) -> Rendered {
    use crate::identity::links::LinkPurpose;
    let tr = Translator::new(locale);
    let (subject, heading, body, button) = match purpose {
        LinkPurpose::PasswordReset => (
            "email-reset-subject",
            "email-reset-heading",
            "email-reset-body",
            "email-reset-button",
        ),
        LinkPurpose::SignIn => (
            "email-sign-in-link-subject",
            "email-sign-in-link-heading",
            "email-sign-in-link-body",
            "email-sign-in-link-button",
        ),
    };
    let minutes = purpose.lifetime_secs() / 60;
    let heading = tr.tr(heading);
    let paragraphs = vec![
        tr.tr_args(body, &[("organization", Arg::Str(organization))]),
        tr.tr_args(
            "email-link-expiry",
            &[("minutes", Arg::Num(minutes as f64))],
        ),
    ];
    let subject = tr.tr(subject);
    let button = tr.tr(button);
    with_button(
        &tr,
        organization,
        brand_color,
        subject,
        &heading,
        &paragraphs,
        (&button, link),
    )
}

/// A message of paragraphs and one button: the HTML frame, and the plain
/// text with the button's label and link at the end.
fn with_button(
    tr: &Translator,
    organization: &str,
    brand_color: &str,
    subject: String,
    heading: &str,
    paragraphs: &[String],
    (button, link): (&str, &str),
) -> Rendered {
    let mut text = plain(tr, organization, heading, paragraphs);
    text.push_str(&format!("\n{button}: {link}\n"));
    Rendered {
        subject,
        text,
        html: frame(
            tr,
            organization,
            brand_color,
            heading,
            paragraphs,
            Some((button, link)),
        ),
    }
}

/// "A task on one of your cases is due": the due time in the recipient's
/// zone and a link, never the task's title or the case's details.
pub fn task_due(
    locale: Locale,
    organization: &str,
    brand_color: &str,
    due_at: chrono::DateTime<chrono::Utc>,
    timezone: &str,
    link: &str,
) -> Rendered {
    let tr = Translator::new(locale);
    let zone: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let due = due_at
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string();
    let heading = tr.tr("email-task-due-heading");
    let paragraphs = vec![tr.tr_args("email-task-due-body", &[("due", Arg::Str(&due))])];
    let subject = tr.tr("email-task-due-subject");
    let button = tr.tr("email-task-due-button");
    with_button(
        &tr,
        organization,
        brand_color,
        subject,
        &heading,
        &paragraphs,
        (&button, link),
    )
}

/// "Your personal link to the mediation session": when, in the recipient's
/// zone, that the link works on one device, and the link. Nothing about the
/// case.
pub fn join_link(
    locale: Locale,
    organization: &str,
    brand_color: &str,
    starts_at: chrono::DateTime<chrono::Utc>,
    zone: chrono_tz::Tz,
    link: &str,
) -> Rendered {
    let tr = Translator::new(locale);
    let when = local_time(starts_at, zone);
    let heading = tr.tr("email-join-link-heading");
    let paragraphs = vec![
        tr.tr_args(
            "email-join-link-body",
            &[
                ("organization", Arg::Str(organization)),
                ("when", Arg::Str(&when)),
            ],
        ),
        tr.tr("email-join-link-device"),
    ];
    let subject = tr.tr("email-join-link-subject");
    let button = tr.tr("email-join-link-button");
    with_button(
        &tr,
        organization,
        brand_color,
        subject,
        &heading,
        &paragraphs,
        (&button, link),
    )
}

/// A time as the recipient reads it: their zone's wall clock with its
/// abbreviation (or offset, where the zone has none) and the zone's name,
/// such as `2026-05-05 19:45 +0545 (Asia/Kathmandu)`.
pub fn local_time(at: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz) -> String {
    let local = at
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string();
    if local.ends_with(zone.name()) {
        local
    } else {
        format!("{local} ({})", zone.name())
    }
}

/// Which session notice a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionNotice {
    Booked,
    Reminder,
    Rescheduled,
    Cancelled,
}

impl SessionNotice {
    pub fn key(self) -> &'static str {
        match self {
            SessionNotice::Booked => "booked",
            SessionNotice::Reminder => "reminder",
            SessionNotice::Rescheduled => "rescheduled",
            SessionNotice::Cancelled => "cancelled",
        }
    }
}

/// What a session notice says: only the organization, the time in the
/// recipient's zone, the length and a link; never who else takes part or
/// what the case is about.
pub struct SessionDetails<'a> {
    pub organization: &'a str,
    pub brand_color: &'a str,
    /// From [`local_time`], in the recipient's zone.
    pub when: &'a str,
    pub minutes: i32,
    pub link: &'a str,
}

/// A session's confirmation, reminder, new time or cancellation. The
/// calendar invitation travels beside it (see `scheduling::ics`).
pub fn session_notice(
    locale: Locale,
    notice: SessionNotice,
    details: &SessionDetails<'_>,
) -> Rendered {
    let tr = Translator::new(locale);
    let key = notice.key();
    let args = [
        ("organization", Arg::Str(details.organization)),
        ("when", Arg::Str(details.when)),
        ("minutes", Arg::Num(f64::from(details.minutes))),
    ];
    let heading = tr.tr(&format!("email-session-{key}-heading"));
    let calendar = match notice {
        SessionNotice::Booked | SessionNotice::Reminder => "email-session-calendar-add",
        SessionNotice::Rescheduled => "email-session-calendar-update",
        SessionNotice::Cancelled => "email-session-calendar-remove",
    };
    let paragraphs = vec![
        tr.tr_args(&format!("email-session-{key}-body"), &args),
        tr.tr(calendar),
    ];
    let button = tr.tr("email-session-button");
    let mut text = plain(&tr, details.organization, &heading, &paragraphs);
    text.push_str(&format!("\n{button}: {}\n", details.link));
    Rendered {
        subject: tr.tr_args(&format!("email-session-{key}-subject"), &args),
        text,
        html: frame(
            &tr,
            details.organization,
            details.brand_color,
            &heading,
            &paragraphs,
            Some((&button, details.link)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_name_the_zone_and_its_offset() {
        let at: chrono::DateTime<chrono::Utc> = "2026-05-05T14:00:00Z".parse().unwrap_or_default();
        assert_eq!(
            local_time(at, chrono_tz::Asia::Kathmandu),
            "2026-05-05 19:45 +0545 (Asia/Kathmandu)"
        );
        assert_eq!(
            local_time(at, chrono_tz::America::Chicago),
            "2026-05-05 09:00 CDT (America/Chicago)"
        );
        assert_eq!(local_time(at, chrono_tz::UTC), "2026-05-05 14:00 UTC");
    }

    #[test]
    fn session_notices_are_translated_and_say_when_in_the_readers_zone() {
        let details = SessionDetails {
            organization: "Mediaciones Sur",
            brand_color: "#1f4e79",
            when: "2026-05-05 19:45 +0545 (Asia/Kathmandu)",
            minutes: 120,
            link: "https://client.example/cases/1#session-2",
        };
        for notice in [
            SessionNotice::Booked,
            SessionNotice::Reminder,
            SessionNotice::Rescheduled,
            SessionNotice::Cancelled,
        ] {
            let en = session_notice(Locale::En, notice, &details);
            let es = session_notice(Locale::Es, notice, &details);
            for rendered in [&en, &es] {
                assert!(
                    !rendered.subject.contains("email-session"),
                    "{}",
                    rendered.subject
                );
                assert!(rendered.text.contains(details.when), "{}", rendered.text);
                assert!(rendered.text.contains(details.link), "{}", rendered.text);
                assert!(rendered.html.contains("Mediaciones Sur"));
            }
            assert_ne!(en.subject, es.subject);
            assert_ne!(en.text, es.text);
        }
    }

    #[test]
    fn renders_in_both_languages_and_escapes_names() {
        let en = sign_in_notice(Locale::En, "Smith & <Jones>", "#1f4e79");
        assert!(en.subject.contains("sign-in"), "{}", en.subject);
        assert!(en.html.contains("Smith &amp; &lt;Jones&gt;"));
        assert!(!en.html.contains("<Jones>"));
        assert!(en.text.contains("Smith & <Jones>"));
        let es = sign_in_notice(Locale::Es, "Mediaciones Sur", "#1f4e79");
        assert_ne!(es.subject, en.subject);
        assert!(es.html.contains("lang=\"es\""));
    }
}
