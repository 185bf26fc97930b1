//! Calendar objects (RFC 5545, with the iTIP methods of RFC 5546) for
//! sessions: the invitation sent with each session notice and the private
//! feed a mediator subscribes to. Escaping and line folding are the
//! `icalendar` crate's. Every text is generic: a translated "Mediation
//! session", the organization's name and a link; never a case's title, its
//! dispute type or anyone's name. Times are in UTC, so no VTIMEZONE is needed.

use chrono::{DateTime, TimeDelta, Utc};
use icalendar::{
    Attendee, Calendar, Class, Component, EventLike, EventStatus, PartStat, Property, Role,
};
use uuid::Uuid;

/// What a calendar object asks of the calendar that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add the event, or update it when the SEQUENCE is higher.
    Request,
    /// Remove the event.
    Cancel,
    /// A subscribed feed: the events as they are now.
    Publish,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// The stable UID of a session's event: the same in its invitation, every
/// update and cancellation, and the feed, so calendars keep one event.
pub fn session_uid(session_id: Uuid, host: &str) -> String {
    format!("session-{session_id}@{host}")
}

/// One session as a calendar event.
pub struct SessionEvent<'a> {
    pub uid: String,
    pub sequence: i32,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub cancelled: bool,
    /// The translated generic title.
    pub summary: &'a str,
    pub description: &'a str,
    /// The session's page in the reader's portal.
    pub url: &'a str,
}

/// Who sends the invitation, and to whom.
pub struct Parties<'a> {
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    /// The recipient alone: the invitation never lists the others.
    pub attendee_email: Option<&'a str>,
}

/// A parameter value may not hold a double quote or control characters,
/// even quoted (RFC 5545 §3.1).
fn param_text(value: &str) -> String {
    value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect()
}

/// TEXT values are escaped by the crate; carriage returns are dropped so a
/// line break is always the escaped `\n`.
fn text(value: &str) -> String {
    value.replace('\r', "")
}

fn event(
    e: &SessionEvent<'_>,
    stamp: DateTime<Utc>,
    parties: Option<&Parties<'_>>,
) -> icalendar::Event {
    let mut event = icalendar::Event::new();
    event
        .uid(&e.uid)
        .sequence(u32::try_from(e.sequence).unwrap_or(0))
        .timestamp(stamp)
        .starts(e.starts_at)
        .ends(e.starts_at + TimeDelta::minutes(i64::from(e.duration_minutes)))
        .summary(&text(e.summary))
        .description(&text(e.description))
        .url(e.url)
        // Calendars shared with others show a private event as busy only.
        .class(Class::Private)
        .status(if e.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if let Some(parties) = parties {
        let mut organizer =
            Property::new("ORGANIZER", format!("mailto:{}", parties.organizer_email));
        organizer.add_parameter("CN", &param_text(parties.organizer_name));
        event.append_property(organizer);
        if let Some(attendee) = parties.attendee_email {
            event.attendee(
                Attendee::new(format!("mailto:{attendee}"))
                    .role(Role::ReqParticipant)
                    .partstat(PartStat::NeedsAction)
                    .rsvp(false),
            );
        }
    }
    event.done()
}

fn calendar(method: Method) -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Caucus//Sessions//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", method.as_str()));
    calendar
}

/// The invitation of one notice: REQUEST for a new or moved session, CANCEL
/// (with STATUS:CANCELLED) for a cancelled one.
pub fn invitation(
    method: Method,
    session: &SessionEvent<'_>,
    parties: &Parties<'_>,
    stamp: DateTime<Utc>,
) -> String {
    let mut calendar = calendar(method);
    calendar.push(event(session, stamp, Some(parties)));
    calendar.done().to_string()
}

/// One session as a calendar object resource kept on a CalDAV server: no
/// METHOD (RFC 4791 §4.1 forbids it there), no organizer or attendees.
pub fn stored_object(session: &SessionEvent<'_>, stamp: DateTime<Utc>) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Caucus//Sessions//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"));
    calendar.push(event(session, stamp, None));
    calendar.done().to_string()
}

/// A mediator's feed: their sessions, published under `name`.
pub fn feed(name: &str, sessions: &[SessionEvent<'_>], stamp: DateTime<Utc>) -> String {
    let mut calendar = calendar(Method::Publish);
    calendar.name(&text(name));
    for session in sessions {
        calendar.push(event(session, stamp, None));
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn sample(description: &str) -> SessionEvent<'_> {
        SessionEvent {
            uid: session_uid(Uuid::nil(), "caucus.example"),
            sequence: 2,
            starts_at: "2026-05-05T14:00:00Z".parse().unwrap(),
            duration_minutes: 90,
            cancelled: false,
            summary: "Mediation session",
            description,
            url: "https://client.example/cases/1#session-2",
        }
    }

    #[test]
    fn an_invitation_has_what_calendar_programs_need() {
        let description = "Your mediation session with Smith, Jones; and \"Partners\": open it at https://client.example/cases/1#session-2 to join.";
        let ics = invitation(
            Method::Request,
            &sample(description),
            &Parties {
                organizer_name: "Smith, \"Jones\" & Partners",
                organizer_email: "no-reply@caucus.example",
                attendee_email: Some("ana@example.org"),
            },
            "2026-05-01T10:00:00Z".parse().unwrap(),
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
        assert!(ics.lines().all(|l| l.len() <= 75), "{ics}");
        for line in [
            "METHOD:REQUEST",
            "UID:session-00000000-0000-0000-0000-000000000000@caucus.example",
            "SEQUENCE:2",
            "DTSTAMP:20260501T100000Z",
            "DTSTART:20260505T140000Z",
            "DTEND:20260505T153000Z",
            "STATUS:CONFIRMED",
            "CLASS:PRIVATE",
        ] {
            assert!(ics.contains(&format!("{line}\r\n")), "{line} in {ics}");
        }
        let parsed: Calendar = ics.parse().unwrap();
        assert_eq!(parsed.property_value("METHOD"), Some("REQUEST"));
        let event = parsed.events().next().unwrap();
        assert_eq!(event.get_description(), Some(description));
        let organizer = event.properties().get("ORGANIZER").unwrap();
        assert_eq!(organizer.value(), "mailto:no-reply@caucus.example");
        assert_eq!(
            organizer.params().get("CN").map(|p| p.value()),
            Some("Smith, Jones & Partners")
        );
        assert_eq!(event.get_attendees().len(), 1);
    }

    #[test]
    fn a_cancellation_and_a_feed() {
        let mut cancelled = sample("Cancelled.");
        cancelled.cancelled = true;
        let ics = invitation(
            Method::Cancel,
            &cancelled,
            &Parties {
                organizer_name: "Org",
                organizer_email: "no-reply@caucus.example",
                attendee_email: None,
            },
            Utc::now(),
        );
        assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains("STATUS:CANCELLED\r\n"));
        let feed = feed(
            "Mediation sessions (Org)",
            &[sample("a"), sample("b")],
            Utc::now(),
        );
        let parsed: Calendar = feed.parse().unwrap();
        assert_eq!(parsed.property_value("METHOD"), Some("PUBLISH"));
        assert_eq!(parsed.events().count(), 2);
        assert!(!feed.contains("ATTENDEE") && !feed.contains("ORGANIZER"));
    }
}
