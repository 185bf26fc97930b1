//! Scheduling: mediators' working hours and time off, parties' availability,
//! the organization's booking rules, slot finding, and sessions booked so
//! that two bookings can never take the same mediator's time.

pub mod availability;
pub mod booking;
pub mod caldav;
pub mod caldav_graphql;
pub mod calendar_graphql;
pub mod calendar_view;
pub mod feed;
pub mod graphql;
pub mod ics;
pub mod notify;
pub mod oauth_calendar;
pub mod oauth_sync;
pub mod rooms;
pub mod rules_graphql;
pub mod settings;
pub mod slots;
pub mod waitlist;
pub mod waitlist_staff;
