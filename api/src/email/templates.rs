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
    let button = tr.tr("email-invitation-button");
    let mut text = plain(&tr, organization, &heading, &paragraphs);
    text.push_str(&format!("\n{button}: {link}\n"));
    Rendered {
        subject: tr.tr_args(
            "email-invitation-subject",
            &[("organization", Arg::Str(organization))],
        ),
        text,
        html: frame(
            &tr,
            organization,
            brand_color,
            &heading,
            &paragraphs,
            Some((&button, link)),
        ),
    }
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
    let button = tr.tr(button);
    let mut text = plain(&tr, organization, &heading, &paragraphs);
    text.push_str(&format!("\n{button}: {link}\n"));
    Rendered {
        subject: tr.tr(subject),
        text,
        html: frame(
            &tr,
            organization,
            brand_color,
            &heading,
            &paragraphs,
            Some((&button, link)),
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
    let button = tr.tr("email-task-due-button");
    let mut text = plain(&tr, organization, &heading, &paragraphs);
    text.push_str(&format!("\n{button}: {link}\n"));
    Rendered {
        subject: tr.tr("email-task-due-subject"),
        text,
        html: frame(
            &tr,
            organization,
            brand_color,
            &heading,
            &paragraphs,
            Some((&button, link)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
