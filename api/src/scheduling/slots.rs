//! Slot finding for mediation sessions.
//!
//! Proposes start times for a session that fit the mediator's working hours,
//! every party that must attend, the mediator's existing bookings (with a
//! buffer around them), time off and busy times from connected calendars, the
//! organization's minimum notice and its cap on sessions per day, on a grid of
//! start times aligned to the mediator's local clock. Everything here is pure:
//! no I/O, no clock reads (the caller passes `now`), no storage.
//!
//! # Time
//!
//! Instants are [`DateTime<Utc>`]; every interval is half-open, `[start, end)`,
//! so a session ending at 10:00 and one starting at 10:00 do not overlap.
//! Session length, buffer and notice are *elapsed* minutes: a 60-minute
//! session that starts at 01:30 on the night the clocks go forward ends 60 real
//! minutes later, at 03:30 on the wall clock. Instants are handled to the
//! second: a sub-second part is rounded so that the result is never more
//! permissive (an interval that makes time free shrinks to whole seconds, an
//! interval that blocks time grows to whole seconds, `now` rounds up).
//!
//! # What counts as free
//!
//! A slot `[start, start + duration)` is proposed when all of these hold:
//!
//! 1. It lies within the mediator's working hours (below). Adjacent ranges
//!    join up: with 09:00–12:00 and 12:00–17:00 a session may run 11:30–12:30;
//!    with 09:00–12:00 and 13:00–17:00 it may not.
//! 2. It overlaps none of the mediator's time off and busy times, and none of
//!    the mediator's bookings widened by the buffer on both sides: with a
//!    15-minute buffer, a booking 11:00–12:00 blocks 10:45–12:15. The buffer
//!    applies to bookings only, not to time off or calendar busy times.
//! 3. It lies within one availability window of *every* party in the request.
//!    A party's windows may overlap or touch each other; they are merged.
//!    A party with no windows at all means there is no slot.
//! 4. It starts no earlier than `now + notice` (and no earlier than
//!    [`SearchRequest::not_before`], when given) and ends no later than
//!    [`SearchRequest::horizon_end`].
//! 5. Its start is on the grid (below).
//! 6. The mediator's local day on which it starts is not full (below).
//!
//! Slots are returned in time order, at most [`SearchRequest::limit`] of them.
//! They are alternatives, not a plan: two proposed slots may overlap each
//! other, and each is checked against existing bookings only.
//!
//! # Working hours, and daylight-saving changes
//!
//! Working hours are given in the mediator's zone: [`WeeklyHours`] (one list of
//! [`TimeRange`]s per weekday) and [`DateException`]s (a local date that is
//! closed, or has other hours than usual; an exception replaces that date's
//! weekly hours entirely). A range lies within one local day and may end at
//! midnight (written `00:00` as the end). Ranges of a day must not overlap.
//!
//! A range `[a, b)` on local date `d` becomes one unbroken real interval:
//!
//! * It starts at the *earliest* instant at which the wall clock reads `d a`,
//!   and ends at the *latest* instant at which it reads `d b`. Outside
//!   daylight-saving changes each reading is one instant and this is the
//!   plain conversion. Every instant whose wall-clock reading on `d` is in
//!   `[a, b)` is inside, and nothing else is except, when the clocks go back
//!   during the range, the repeated stretch (someone working 01:30–03:00 on
//!   that night works straight through).
//! * **Gap** (clocks go forward, the local time never exists; e.g. 02:30 on
//!   2027-03-14 in America/New_York or on 2027-03-28 in Europe/Berlin): the
//!   time moves to the *first valid instant after the gap*, the moment the
//!   clocks jumped (03:00 EDT, 03:00 CEST). So 01:00–04:00 on that night is 2
//!   real hours, a range wholly inside the gap (02:00–02:30) is empty, and no
//!   start is proposed at a local time that does not exist.
//! * **Fold** (clocks go back, the local time happens twice; e.g. 01:30 on
//!   2027-11-07 in New York, 02:30 on 2027-10-31 in Berlin): the range covers
//!   *both* passes, because it starts at the earlier and ends at the later
//!   reading. So 01:00–04:00 on that night is 4 real hours, and the grid
//!   proposes both 01:30 EDT and 01:30 EST (two instants, each on the local
//!   grid). A range that ends inside the fold (00:00–01:30) ends at the second
//!   01:30.
//!
//! A range ending at midnight joins a range of the next day starting at
//! midnight, so a session may run across midnight (it belongs to the day it
//! starts on). Transitions come from the IANA database compiled into
//! `chrono-tz`; a change of a country's rules needs a dependency update.
//!
//! The same rule is offered to callers: [`resolve_local`] tells how one local
//! time maps to instants, and [`local_interval`] converts a local range the
//! same way (a portal can use it for what a party picks in their own zone).
//!
//! Where the change happens at night, as in America/New_York (02:00 local) and
//! the European Union (01:00 UTC), a 09:00–17:00 day on the change day is still
//! 8 real hours; a range that spans the change is an hour shorter (spring) or
//! longer (autumn), and the whole local day is 23 or 25 hours.
//!
//! # The grid
//!
//! Start times are on a grid of `step_minutes` on the mediator's *local* wall
//! clock, counted from local midnight: an instant is on the grid when its
//! local time of day is a whole multiple of the step. The step must divide a
//! day (5, 10, 15, 20, 30, 45, 60, … 240 minutes), so every day has the same
//! grid. With a 30-minute step, a mediator in Asia/Kathmandu (+05:45) gets
//! starts at :00/:30 local, which are :15/:45 in UTC. Across a daylight-saving
//! change the grid follows the wall clock: local times in a gap have no grid
//! point, local times in a fold have two. For example, with hours 01:00–04:00,
//! a 30-minute step and 60-minute sessions, New York's spring-forward night
//! (2027-03-14) gives 01:00 EST, 01:30 EST (ending 03:30 EDT) and 03:00 EDT;
//! its fall-back night (2027-11-07) gives 01:00, 01:30 EDT, 01:00, 01:30,
//! 02:00, 02:30 and 03:00 EST.
//!
//! # The per-day cap
//!
//! `max_sessions_per_day` counts the mediator's existing bookings per
//! *mediator-local* date, each on the date its start falls on in the
//! mediator's zone, even when it runs past midnight (a booking at 23:30 UTC is
//! on the next day for a mediator in Asia/Tokyo). A slot is proposed only when its own start date has fewer
//! bookings than the cap; a full day yields no slots. Proposed slots do not
//! count against each other.
//!
//! # Validation and limits
//!
//! [`find_slots`] checks its whole request first and returns a [`SlotError`]
//! for the first problem found: numbers out of range (duration, step, buffer,
//! notice, cap, limit), a horizon not after `now` or further than
//! [`MAX_HORIZON_DAYS`], inverted or overlapping working ranges, duplicated
//! exception dates, inverted intervals, and inputs longer than the `MAX_*`
//! constants (so that one request cannot take the server's time). It does not
//! reject party windows in the past or overlapping ones: windows saved earlier
//! may have aged. [`validate_windows`] is the stricter check for when a party
//! saves availability.
//!
//! # Cost
//!
//! Each input list is sorted and merged once; free time is then built by
//! linear sweeps (working hours − blocked time, ∩ each party), and the grid is
//! walked only inside the free intervals, stopping at the limit (a full day
//! is skipped, not walked). A year of bookings (1 500) and busy times (3 000)
//! for a mediator and four parties takes 0.3–0.4 ms in a release build (p99
//! under 0.7 ms); with every input at its `MAX_*` cap, about 5–10 ms.

use std::fmt;

use chrono::{
    DateTime, Datelike, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::{OffsetName, Tz};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Shortest session, in minutes.
pub const MIN_DURATION_MINUTES: u32 = 15;
/// Longest session, in minutes.
pub const MAX_DURATION_MINUTES: u32 = 480;
/// Finest grid of start times, in minutes.
pub const MIN_STEP_MINUTES: u32 = 5;
/// Coarsest grid of start times, in minutes.
pub const MAX_STEP_MINUTES: u32 = 240;
/// Longest buffer around bookings, in minutes.
pub const MAX_BUFFER_MINUTES: u32 = 240;
/// Longest minimum notice, in minutes (60 days).
pub const MAX_NOTICE_MINUTES: u32 = 60 * 24 * 60;
/// Highest cap on sessions per mediator-local day.
pub const MAX_SESSIONS_PER_DAY: u32 = 48;
/// Most slots one search returns.
pub const MAX_LIMIT: usize = 500;
/// Furthest horizon after `now`, in days (a year and some).
pub const MAX_HORIZON_DAYS: i64 = 400;
/// Most working ranges on one weekday or one exception date.
pub const MAX_RANGES_PER_DAY: usize = 12;
/// Most date exceptions.
pub const MAX_EXCEPTIONS: usize = 1_000;
/// Most time-off intervals.
pub const MAX_TIME_OFF: usize = 2_000;
/// Most existing bookings.
pub const MAX_BOOKINGS: usize = 10_000;
/// Most busy intervals from connected calendars.
pub const MAX_BUSY: usize = 20_000;
/// Most parties in one search.
pub const MAX_PARTIES: usize = 16;
/// Most availability windows of one party.
pub const MAX_WINDOWS_PER_PARTY: usize = 5_000;

const SECS_PER_DAY: i64 = 86_400;

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

// ---------------------------------------------------------------------------
// Input and output types
// ---------------------------------------------------------------------------

/// A half-open interval of real time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Interval { start, end }
    }

    /// Whether `instant` is inside (the end is not).
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.start <= instant && instant < self.end
    }
}

/// A range of local wall-clock time within one day, `[start, end)`.
///
/// `end` of `00:00` means midnight at the end of the day, so `20:00–00:00` is
/// the evening and `00:00–00:00` the whole day. Otherwise `start < end` (a
/// range may not cross midnight: split it into two days' ranges, which join
/// up). Sub-second parts are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimeRange {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeRange {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        TimeRange { start, end }
    }

    /// From hours and minutes; `None` if a time does not exist (`hm(9, 0, 24, 0)`
    /// is `None`: write the midnight end as `0, 0`).
    pub fn hm(start_hour: u32, start_minute: u32, end_hour: u32, end_minute: u32) -> Option<Self> {
        Some(TimeRange {
            start: NaiveTime::from_hms_opt(start_hour, start_minute, 0)?,
            end: NaiveTime::from_hms_opt(end_hour, end_minute, 0)?,
        })
    }

    /// Seconds from local midnight to the start and to the end (86 400 for a
    /// midnight end).
    fn seconds(&self) -> (u32, u32) {
        let start = self.start.num_seconds_from_midnight();
        let end = if self.end == NaiveTime::MIN {
            SECS_PER_DAY as u32
        } else {
            self.end.num_seconds_from_midnight()
        };
        (start, end)
    }
}

/// The mediator's usual working hours per weekday, in the mediator's zone.
///
/// `days[0]` is Monday, … `days[6]` Sunday. An empty list is a day off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub days: [Vec<TimeRange>; 7],
}

impl WeeklyHours {
    /// Every day off.
    pub fn new() -> Self {
        WeeklyHours::default()
    }

    /// The same ranges Monday to Friday, weekends off.
    pub fn weekdays(ranges: &[TimeRange]) -> Self {
        let mut hours = WeeklyHours::default();
        for day in hours.days.iter_mut().take(5) {
            *day = ranges.to_vec();
        }
        hours
    }

    /// With `day`'s ranges replaced.
    pub fn with(mut self, day: Weekday, ranges: Vec<TimeRange>) -> Self {
        if let Some(slot) = self.days.get_mut(day.num_days_from_monday() as usize) {
            *slot = ranges;
        }
        self
    }

    /// The ranges of `day`.
    pub fn on(&self, day: Weekday) -> &[TimeRange] {
        self.days
            .get(day.num_days_from_monday() as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Checks the week as [`find_slots`] would: no inverted or overlapping
    /// ranges, at most [`MAX_RANGES_PER_DAY`] a day. For saving a week.
    pub fn validate(&self) -> Result<(), SlotError> {
        for weekday in WEEK {
            check_ranges(self.on(weekday), HoursOwner::Weekly(weekday))?;
        }
        Ok(())
    }
}

/// One local date (in the mediator's zone) whose hours differ from the week's:
/// `ranges` replace that weekday's hours for the date; an empty list closes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateException {
    pub date: NaiveDate,
    pub ranges: Vec<TimeRange>,
}

impl DateException {
    /// The date is closed.
    pub fn closed(date: NaiveDate) -> Self {
        DateException {
            date,
            ranges: Vec::new(),
        }
    }

    /// The date has these hours instead of the usual ones.
    pub fn hours(date: NaiveDate, ranges: Vec<TimeRange>) -> Self {
        DateException { date, ranges }
    }

    /// Checks the ranges as [`find_slots`] would. For saving an exception.
    pub fn validate(&self) -> Result<(), SlotError> {
        check_ranges(&self.ranges, HoursOwner::Exception(self.date)).map(|_| ())
    }
}

/// Everything known about the mediator's time.
#[derive(Debug, Clone)]
pub struct MediatorCalendar {
    /// The zone of the working hours, the exceptions, the grid and the per-day cap.
    pub tz: Tz,
    pub weekly: WeeklyHours,
    pub exceptions: Vec<DateException>,
    /// Holidays, leave: blocked without buffer.
    pub time_off: Vec<Interval>,
    /// Existing sessions: blocked with the buffer on both sides, and counted
    /// for the per-day cap.
    pub bookings: Vec<Interval>,
    /// Busy times from connected calendars: blocked without buffer.
    pub busy: Vec<Interval>,
}

impl MediatorCalendar {
    /// A calendar with these hours and nothing else.
    pub fn new(tz: Tz, weekly: WeeklyHours) -> Self {
        MediatorCalendar {
            tz,
            weekly,
            exceptions: Vec::new(),
            time_off: Vec::new(),
            bookings: Vec::new(),
            busy: Vec::new(),
        }
    }
}

/// A party that must attend: the times they said they can (the portal converts
/// what they pick in their own zone, e.g. with [`local_interval`]).
#[derive(Debug, Clone)]
pub struct PartyAvailability {
    /// The party's zone, for showing them slots ([`local_label`]); the search
    /// itself uses only the windows.
    pub tz: Tz,
    pub windows: Vec<Interval>,
}

/// The organization's scheduling rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Kept free before and after each existing booking (0..=240).
    pub buffer_minutes: u32,
    /// No slot starts before `now` plus this (0..=86 400, i.e. 60 days).
    pub notice_minutes: u32,
    /// At most this many sessions per mediator-local day, existing bookings
    /// included (1..=48); `None` for no cap.
    pub max_sessions_per_day: Option<u32>,
    /// The grid of start times on the mediator's local clock (5..=240, a
    /// divisor of 1 440).
    pub step_minutes: u32,
}

impl Default for Rules {
    /// No buffer, no notice, no cap, a 30-minute grid.
    fn default() -> Self {
        Rules {
            buffer_minutes: 0,
            notice_minutes: 0,
            max_sessions_per_day: None,
            step_minutes: 30,
        }
    }
}

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The current time, from the caller's clock.
    pub now: DateTime<Utc>,
    /// Session length for the dispute type (15..=480 minutes).
    pub duration_minutes: u32,
    /// No slot ends after this; must be after `now` and at most
    /// [`MAX_HORIZON_DAYS`] after it.
    pub horizon_end: DateTime<Utc>,
    /// For paging: no slot starts before this (pass the last slot's start
    /// plus one second to get the next page). `None`: from `now + notice`.
    pub not_before: Option<DateTime<Utc>>,
    /// Most slots to return (1..=500).
    pub limit: usize,
    pub rules: Rules,
    pub mediator: MediatorCalendar,
    /// Every party that must attend; may be empty.
    pub parties: Vec<PartyAvailability>,
}

/// A proposed session, `[start, end)`; `end - start` is the duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Slot {
    /// The start as seen in `tz`.
    pub fn start_label(&self, tz: Tz) -> LocalLabel {
        local_label(self.start, tz)
    }
}

/// An instant as a person in some zone sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalLabel {
    /// The wall-clock date and time.
    pub local: NaiveDateTime,
    /// The offset from UTC then, as `+05:45` or `-06:00` (`+00:00` for UTC;
    /// seconds are added, `+00:19:32`, only for historical offsets that have them).
    pub offset: String,
    /// The zone's abbreviation then, when the time zone database has one
    /// (`CST`, `ACDT`); some zones only have numeric ones (`+0545`).
    pub abbreviation: Option<String>,
}

/// How one local wall-clock time in a zone maps to real instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalInstant {
    /// The usual case: one instant.
    Unique(DateTime<Utc>),
    /// Clocks went back: the wall clock shows this time twice.
    Ambiguous {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    /// Clocks went forward over this time: it never shows. `after_gap` is the
    /// first valid instant after the gap (the moment the clocks jumped).
    Skipped { after_gap: DateTime<Utc> },
}

impl LocalInstant {
    /// The instant to use for the start of a range: the earlier of a fold,
    /// the first instant after a gap.
    pub fn earliest(&self) -> DateTime<Utc> {
        match *self {
            LocalInstant::Unique(t) => t,
            LocalInstant::Ambiguous { earlier, .. } => earlier,
            LocalInstant::Skipped { after_gap } => after_gap,
        }
    }

    /// The instant to use for the end of a range: the later of a fold, the
    /// first instant after a gap.
    pub fn latest(&self) -> DateTime<Utc> {
        match *self {
            LocalInstant::Unique(t) => t,
            LocalInstant::Ambiguous { later, .. } => later,
            LocalInstant::Skipped { after_gap } => after_gap,
        }
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Whose working ranges an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursOwner {
    Weekly(Weekday),
    Exception(NaiveDate),
}

impl fmt::Display for HoursOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoursOwner::Weekly(day) => write!(f, "the weekly hours for {day}"),
            HoursOwner::Exception(date) => write!(f, "the hours for {date}"),
        }
    }
}

/// Which list of intervals an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalKind {
    TimeOff,
    Booking,
    Busy,
    /// The windows of the party at this index in [`SearchRequest::parties`].
    PartyWindow(usize),
    /// The windows given to [`validate_windows`].
    Window,
}

impl fmt::Display for IntervalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntervalKind::TimeOff => f.write_str("time off"),
            IntervalKind::Booking => f.write_str("bookings"),
            IntervalKind::Busy => f.write_str("busy times"),
            IntervalKind::PartyWindow(party) => write!(f, "the windows of party {party}"),
            IntervalKind::Window => f.write_str("availability windows"),
        }
    }
}

/// Why a request (or a party's windows) was refused. Indexes are into the
/// list as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SlotError {
    #[error(
        "the session length must be {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes, not {minutes}"
    )]
    DurationOutOfRange { minutes: u32 },
    #[error(
        "the step must be {MIN_STEP_MINUTES} to {MAX_STEP_MINUTES} minutes and divide a day, not {minutes}"
    )]
    StepOutOfRange { minutes: u32 },
    #[error("the buffer must be at most {MAX_BUFFER_MINUTES} minutes, not {minutes}")]
    BufferOutOfRange { minutes: u32 },
    #[error("the minimum notice must be at most {MAX_NOTICE_MINUTES} minutes, not {minutes}")]
    NoticeOutOfRange { minutes: u32 },
    #[error("the cap on sessions per day must be 1 to {MAX_SESSIONS_PER_DAY}, not {value}")]
    MaxPerDayOutOfRange { value: u32 },
    #[error("the limit must be 1 to {MAX_LIMIT}, not {limit}")]
    LimitOutOfRange { limit: usize },
    #[error("the horizon must be after now")]
    HorizonNotInFuture,
    #[error("the horizon must be at most {MAX_HORIZON_DAYS} days after now")]
    HorizonTooFar,
    #[error("range {index} of {owner} does not end after it starts")]
    InvertedRange { owner: HoursOwner, index: usize },
    #[error("range {index} of {owner} overlaps another")]
    OverlappingRanges { owner: HoursOwner, index: usize },
    #[error("{owner} has more than {max} ranges")]
    TooManyRanges { owner: HoursOwner, max: usize },
    #[error("there are two exceptions for {date}")]
    DuplicateException { date: NaiveDate },
    #[error("there are more than {max} exceptions")]
    TooManyExceptions { max: usize },
    #[error("interval {index} of {kind} does not end after it starts")]
    InvertedInterval { kind: IntervalKind, index: usize },
    #[error("there are more than {max} {kind}")]
    TooManyIntervals { kind: IntervalKind, max: usize },
    #[error("there are more than {max} parties")]
    TooManyParties { max: usize },
    #[error("availability window {index} overlaps another")]
    OverlappingWindows { index: usize },
    #[error("availability window {index} is over")]
    WindowInPast { index: usize },
    #[error("availability window {index} ends more than {MAX_HORIZON_DAYS} days from now")]
    WindowTooFar { index: usize },
}

// ---------------------------------------------------------------------------
// Public helpers
// ---------------------------------------------------------------------------

/// How the local wall-clock time `local` in `tz` maps to real instants; see
/// the module documentation for the gap and fold rules. `None` only for dates
/// at the very ends of the representable range.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<LocalInstant> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Some(LocalInstant::Unique(t.with_timezone(&Utc))),
        MappedLocalTime::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            Some(LocalInstant::Ambiguous {
                earlier: a.min(b),
                later: a.max(b),
            })
        }
        MappedLocalTime::None => {
            let after = first_instant_after(tz, local.and_utc().timestamp())?;
            Some(LocalInstant::Skipped {
                after_gap: DateTime::from_timestamp(after, 0)?,
            })
        }
    }
}

/// The real interval for the local range `[start, end)` in `tz`, by the same
/// rule as working hours: from the earliest instant `start` shows to the
/// latest instant `end` shows, a time in a gap moved to the end of the gap.
/// `None` when that is empty (e.g. wholly inside a gap) or out of range.
pub fn local_interval(tz: Tz, start: NaiveDateTime, end: NaiveDateTime) -> Option<Interval> {
    let start = resolve_local(tz, start)?.earliest();
    let end = resolve_local(tz, end)?.latest();
    (start < end).then_some(Interval { start, end })
}

/// `instant` as a person in `tz` sees it: wall-clock time and offset.
pub fn local_label(instant: DateTime<Utc>, tz: Tz) -> LocalLabel {
    let local = instant.with_timezone(&tz);
    let offset = local.offset();
    LocalLabel {
        local: local.naive_local(),
        offset: format_offset(offset.fix().local_minus_utc()),
        abbreviation: offset.abbreviation().map(str::to_owned),
    }
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes, secs) = (abs / 3600, abs / 60 % 60, abs % 60);
    if secs == 0 {
        format!("{sign}{hours:02}:{minutes:02}")
    } else {
        format!("{sign}{hours:02}:{minutes:02}:{secs:02}")
    }
}

/// Checks a party's availability windows as they save them: each must end
/// after it starts, must not be over already (`end <= now`; one that has begun
/// and not ended is fine), must end within [`MAX_HORIZON_DAYS`] of `now`, and
/// none may overlap another (touching is fine). At most
/// [`MAX_WINDOWS_PER_PARTY`]. Order does not matter.
pub fn validate_windows(windows: &[Interval], now: DateTime<Utc>) -> Result<(), SlotError> {
    if windows.len() > MAX_WINDOWS_PER_PARTY {
        return Err(SlotError::TooManyIntervals {
            kind: IntervalKind::Window,
            max: MAX_WINDOWS_PER_PARTY,
        });
    }
    check_intervals(windows, IntervalKind::Window)?;
    let latest = now
        .checked_add_signed(TimeDelta::days(MAX_HORIZON_DAYS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    for (index, window) in windows.iter().enumerate() {
        if window.end <= now {
            return Err(SlotError::WindowInPast { index });
        }
        if window.end > latest {
            return Err(SlotError::WindowTooFar { index });
        }
    }
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| windows.get(i).map(|w| (w.start, w.end)));
    for pair in order.windows(2) {
        if let (Some(a), Some(b)) = (windows.get(pair[0]), windows.get(pair[1]))
            && b.start < a.end
        {
            return Err(SlotError::OverlappingWindows { index: pair[1] });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The search
// ---------------------------------------------------------------------------

/// Proposes slots for `request`, in time order; see the module documentation
/// for the rules. Fails only on an invalid request.
pub fn find_slots(request: &SearchRequest) -> Result<Vec<Slot>, SlotError> {
    let hours = validate_request(request)?;
    let rules = &request.rules;
    let mediator = &request.mediator;
    let tz = mediator.tz;

    let duration = i64::from(request.duration_minutes) * 60;
    let step = i64::from(rules.step_minutes) * 60;
    let buffer = i64::from(rules.buffer_minutes) * 60;
    let mut lo = ceil_secs(request.now) + i64::from(rules.notice_minutes) * 60;
    if let Some(not_before) = request.not_before {
        lo = lo.max(ceil_secs(not_before));
    }
    let hi = floor_secs(request.horizon_end);
    if hi - lo < duration {
        return Ok(Vec::new());
    }

    // Working hours, over every local date that can touch [lo, hi).
    let (Some(first), Some(last)) = (local_date(tz, lo), local_date(tz, hi)) else {
        return Ok(Vec::new());
    };
    let first = first.pred_opt().unwrap_or(first);
    let last = last.succ_opt().unwrap_or(last);
    let working = clip(working_spans(tz, &hours, first, last), lo, hi);
    if working.is_empty() {
        return Ok(Vec::new());
    }

    // Blocked time.
    let mut blocked =
        Vec::with_capacity(mediator.time_off.len() + mediator.busy.len() + mediator.bookings.len());
    blocked.extend(mediator.time_off.iter().map(|i| blocking(i, 0)));
    blocked.extend(mediator.busy.iter().map(|i| blocking(i, 0)));
    blocked.extend(mediator.bookings.iter().map(|i| blocking(i, buffer)));
    let blocked = normalize(clip(blocked, lo, hi));
    let mut free = subtract(&working, &blocked);

    // Every party must be there.
    for party in &request.parties {
        if free.is_empty() {
            break;
        }
        let windows = party.windows.iter().map(|w| Span {
            start: ceil_secs(w.start),
            end: floor_secs(w.end),
        });
        let windows = normalize(clip(windows.collect(), lo, hi));
        free = intersect(&free, &windows);
    }

    let cap = rules
        .max_sessions_per_day
        .map(|max| DayCounts::new(tz, &mediator.bookings, max, lo, hi));
    let starts = walk_grid(tz, &free, step, duration, cap.as_ref(), request.limit);
    Ok(starts
        .into_iter()
        .filter_map(|start| {
            Some(Slot {
                start: DateTime::from_timestamp(start, 0)?,
                end: DateTime::from_timestamp(start + duration, 0)?,
            })
        })
        .collect())
}

/// Working ranges checked and in seconds from local midnight, sorted.
struct Hours {
    weekly: [Vec<(u32, u32)>; 7],
    /// Sorted by date, dates unique.
    exceptions: Vec<(NaiveDate, Vec<(u32, u32)>)>,
}

impl Hours {
    fn on(&self, date: NaiveDate) -> &[(u32, u32)] {
        match self.exceptions.binary_search_by_key(&date, |(d, _)| *d) {
            Ok(i) => self.exceptions.get(i).map_or(&[], |(_, r)| r.as_slice()),
            Err(_) => self
                .weekly
                .get(date.weekday().num_days_from_monday() as usize)
                .map_or(&[], Vec::as_slice),
        }
    }
}

fn validate_request(request: &SearchRequest) -> Result<Hours, SlotError> {
    let rules = &request.rules;
    if !(MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&request.duration_minutes) {
        return Err(SlotError::DurationOutOfRange {
            minutes: request.duration_minutes,
        });
    }
    let step = rules.step_minutes;
    if !(MIN_STEP_MINUTES..=MAX_STEP_MINUTES).contains(&step) || !1440u32.is_multiple_of(step) {
        return Err(SlotError::StepOutOfRange { minutes: step });
    }
    if rules.buffer_minutes > MAX_BUFFER_MINUTES {
        return Err(SlotError::BufferOutOfRange {
            minutes: rules.buffer_minutes,
        });
    }
    if rules.notice_minutes > MAX_NOTICE_MINUTES {
        return Err(SlotError::NoticeOutOfRange {
            minutes: rules.notice_minutes,
        });
    }
    if let Some(value) = rules.max_sessions_per_day
        && !(1..=MAX_SESSIONS_PER_DAY).contains(&value)
    {
        return Err(SlotError::MaxPerDayOutOfRange { value });
    }
    if !(1..=MAX_LIMIT).contains(&request.limit) {
        return Err(SlotError::LimitOutOfRange {
            limit: request.limit,
        });
    }
    if request.horizon_end <= request.now {
        return Err(SlotError::HorizonNotInFuture);
    }
    if request.horizon_end.signed_duration_since(request.now) > TimeDelta::days(MAX_HORIZON_DAYS) {
        return Err(SlotError::HorizonTooFar);
    }

    let mediator = &request.mediator;
    let mut weekly: [Vec<(u32, u32)>; 7] = Default::default();
    for (out, weekday) in weekly.iter_mut().zip(WEEK) {
        *out = check_ranges(mediator.weekly.on(weekday), HoursOwner::Weekly(weekday))?;
    }
    if mediator.exceptions.len() > MAX_EXCEPTIONS {
        return Err(SlotError::TooManyExceptions {
            max: MAX_EXCEPTIONS,
        });
    }
    let mut exceptions = Vec::with_capacity(mediator.exceptions.len());
    for exception in &mediator.exceptions {
        let ranges = check_ranges(&exception.ranges, HoursOwner::Exception(exception.date))?;
        exceptions.push((exception.date, ranges));
    }
    exceptions.sort_by_key(|(date, _)| *date);
    for pair in exceptions.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(SlotError::DuplicateException { date: pair[0].0 });
        }
    }

    let lists = [
        (&mediator.time_off, IntervalKind::TimeOff, MAX_TIME_OFF),
        (&mediator.bookings, IntervalKind::Booking, MAX_BOOKINGS),
        (&mediator.busy, IntervalKind::Busy, MAX_BUSY),
    ];
    for (list, kind, max) in lists {
        if list.len() > max {
            return Err(SlotError::TooManyIntervals { kind, max });
        }
        check_intervals(list, kind)?;
    }
    if request.parties.len() > MAX_PARTIES {
        return Err(SlotError::TooManyParties { max: MAX_PARTIES });
    }
    for (index, party) in request.parties.iter().enumerate() {
        let kind = IntervalKind::PartyWindow(index);
        if party.windows.len() > MAX_WINDOWS_PER_PARTY {
            return Err(SlotError::TooManyIntervals {
                kind,
                max: MAX_WINDOWS_PER_PARTY,
            });
        }
        check_intervals(&party.windows, kind)?;
    }
    Ok(Hours { weekly, exceptions })
}

fn check_ranges(ranges: &[TimeRange], owner: HoursOwner) -> Result<Vec<(u32, u32)>, SlotError> {
    if ranges.len() > MAX_RANGES_PER_DAY {
        return Err(SlotError::TooManyRanges {
            owner,
            max: MAX_RANGES_PER_DAY,
        });
    }
    let mut indexed = Vec::with_capacity(ranges.len());
    for (index, range) in ranges.iter().enumerate() {
        let (start, end) = range.seconds();
        if start >= end {
            return Err(SlotError::InvertedRange { owner, index });
        }
        indexed.push((start, end, index));
    }
    indexed.sort_unstable();
    for pair in indexed.windows(2) {
        if pair[1].0 < pair[0].1 {
            return Err(SlotError::OverlappingRanges {
                owner,
                index: pair[1].2,
            });
        }
    }
    Ok(indexed.into_iter().map(|(s, e, _)| (s, e)).collect())
}

fn check_intervals(list: &[Interval], kind: IntervalKind) -> Result<(), SlotError> {
    match list.iter().position(|i| i.start >= i.end) {
        Some(index) => Err(SlotError::InvertedInterval { kind, index }),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Intervals in whole seconds since the Unix epoch
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    start: i64,
    end: i64,
}

fn floor_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn ceil_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

/// A blocking interval, widened to whole seconds and by `pad` on both sides.
fn blocking(interval: &Interval, pad: i64) -> Span {
    Span {
        start: floor_secs(interval.start) - pad,
        end: ceil_secs(interval.end) + pad,
    }
}

/// Cuts spans to `[lo, hi)`, keeping their order and dropping the empty ones.
fn clip(mut spans: Vec<Span>, lo: i64, hi: i64) -> Vec<Span> {
    spans.retain_mut(|s| {
        s.start = s.start.max(lo);
        s.end = s.end.min(hi);
        s.start < s.end
    });
    spans
}

/// Sorted, with overlapping and touching spans merged and empty ones dropped.
fn normalize(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.start < s.end);
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => out.push(span),
        }
    }
    out
}

/// `a` minus `b`; both normalized.
fn subtract(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(a.len());
    let mut first = 0;
    for span in a {
        while b.get(first).is_some_and(|x| x.end <= span.start) {
            first += 1;
        }
        let mut cursor = span.start;
        for cut in b.iter().skip(first) {
            if cut.start >= span.end {
                break;
            }
            if cut.start > cursor {
                out.push(Span {
                    start: cursor,
                    end: cut.start,
                });
            }
            cursor = cursor.max(cut.end);
            if cursor >= span.end {
                break;
            }
        }
        if cursor < span.end {
            out.push(Span {
                start: cursor,
                end: span.end,
            });
        }
    }
    out
}

/// `a` ∩ `b`; both normalized.
fn intersect(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        let start = x.start.max(y.start);
        let end = x.end.min(y.end);
        if start < end {
            out.push(Span { start, end });
        }
        if x.end < y.end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Time zone arithmetic
// ---------------------------------------------------------------------------

/// The offset of `tz` from UTC at instant `t`, in seconds.
fn offset_at(tz: Tz, t: i64) -> i64 {
    DateTime::from_timestamp(t, 0).map_or(0, |dt| {
        i64::from(
            tz.offset_from_utc_datetime(&dt.naive_utc())
                .fix()
                .local_minus_utc(),
        )
    })
}

/// The local date at `t`, as days since 1970-01-01.
fn local_day(tz: Tz, t: i64) -> i64 {
    (t + offset_at(tz, t)).div_euclid(SECS_PER_DAY)
}

fn local_date(tz: Tz, t: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(t + offset_at(tz, t), 0).map(|d| d.date_naive())
}

/// The first instant of the local day numbered `day` (days since 1970-01-01).
fn start_of_local_day(tz: Tz, day: i64) -> Option<i64> {
    let date = DateTime::from_timestamp(day.checked_mul(SECS_PER_DAY)?, 0)?.date_naive();
    Some(
        resolve_local(tz, date.and_time(NaiveTime::MIN))?
            .earliest()
            .timestamp(),
    )
}

/// The first instant `t` at which the wall clock reads later than `local`
/// (local seconds, i.e. the wall-clock reading taken as if it were UTC). For a
/// local time in a gap this is the moment the clocks jumped. Offsets are
/// within ±26 h and transitions at least 30 minutes apart.
fn first_instant_after(tz: Tz, local: i64) -> Option<i64> {
    const WINDOW: i64 = 26 * 3600;
    const STRIDE: i64 = 1800;
    let reading = |t: i64| t + offset_at(tz, t);
    let mut before = local - WINDOW;
    let mut t = before + STRIDE;
    while t <= local + WINDOW {
        if reading(t) > local {
            let (mut lo, mut hi) = (before, t);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if reading(mid) > local {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return Some(hi);
        }
        before = t;
        t += STRIDE;
    }
    None
}

/// The first instant in `(lo, hi]` whose offset is not `offset`, given that
/// `hi`'s is not.
fn first_offset_change(tz: Tz, mut lo: i64, mut hi: i64, offset: i64) -> i64 {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_at(tz, mid) == offset {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The first instant at or after `t` whose local time of day is a whole
/// multiple of `step` seconds.
fn next_grid(tz: Tz, mut t: i64, step: i64) -> i64 {
    loop {
        let offset = offset_at(tz, t);
        let rem = (t + offset).rem_euclid(step);
        if rem == 0 {
            return t;
        }
        let candidate = t + (step - rem);
        if offset_at(tz, candidate) == offset {
            return candidate;
        }
        // The offset changes in (t, candidate]: no grid point before the change
        // under the old offset, so start again from the change.
        t = first_offset_change(tz, t, candidate, offset);
    }
}

/// The mediator's working hours as real intervals over local dates
/// `first..=last`, normalized.
fn working_spans(tz: Tz, hours: &Hours, first: NaiveDate, last: NaiveDate) -> Vec<Span> {
    let mut out = Vec::new();
    let mut date = first;
    loop {
        for &(start, end) in hours.on(date) {
            if let Some(span) = range_span(tz, date, start, end) {
                out.push(span);
            }
        }
        match date.succ_opt() {
            Some(next) if date < last => date = next,
            _ => break,
        }
    }
    normalize(out)
}

/// The real interval of the range `[start, end)` (seconds from local
/// midnight) on `date`, by [`local_interval`]'s rule.
fn range_span(tz: Tz, date: NaiveDate, start: u32, end: u32) -> Option<Span> {
    let at = |secs: u32| {
        date.and_time(NaiveTime::MIN)
            .checked_add_signed(TimeDelta::seconds(i64::from(secs)))
    };
    let interval = local_interval(tz, at(start)?, at(end)?)?;
    Some(Span {
        start: interval.start.timestamp(),
        end: interval.end.timestamp(),
    })
}

/// Existing bookings per mediator-local day.
struct DayCounts {
    /// (local day, bookings starting on it), sorted by day.
    days: Vec<(i64, u32)>,
    max: u32,
}

impl DayCounts {
    fn new(tz: Tz, bookings: &[Interval], max: u32, lo: i64, hi: i64) -> Self {
        let margin = 2 * SECS_PER_DAY;
        let mut days: Vec<i64> = bookings
            .iter()
            .map(|b| floor_secs(b.start))
            .filter(|&t| t >= lo - margin && t < hi + margin)
            .map(|t| local_day(tz, t))
            .collect();
        days.sort_unstable();
        let mut counts: Vec<(i64, u32)> = Vec::new();
        for day in days {
            match counts.last_mut() {
                Some((d, n)) if *d == day => *n += 1,
                _ => counts.push((day, 1)),
            }
        }
        DayCounts { days: counts, max }
    }

    fn is_full(&self, day: i64) -> bool {
        match self.days.binary_search_by_key(&day, |&(d, _)| d) {
            Ok(i) => self.days.get(i).is_some_and(|&(_, n)| n >= self.max),
            Err(_) => false,
        }
    }
}

/// Grid starts `g` with `[g, g + duration)` inside one free span, on days that
/// are not full, in order, at most `limit`.
fn walk_grid(
    tz: Tz,
    free: &[Span],
    step: i64,
    duration: i64,
    cap: Option<&DayCounts>,
    limit: usize,
) -> Vec<i64> {
    let mut out = Vec::new();
    for span in free {
        let mut t = span.start;
        while span.end - t >= duration {
            let start = next_grid(tz, t, step);
            if start + duration > span.end {
                break;
            }
            if let Some(cap) = cap {
                let day = local_day(tz, start);
                if cap.is_full(day) {
                    let next_day = start_of_local_day(tz, day + 1).unwrap_or(start + 1);
                    t = next_day.max(start + 1);
                    continue;
                }
            }
            out.push(start);
            if out.len() >= limit {
                return out;
            }
            t = start + 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests;
