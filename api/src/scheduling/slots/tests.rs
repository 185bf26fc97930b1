//! Tests of slot finding: concrete cases across daylight-saving changes and
//! zones with 30- and 45-minute offsets, every validation error, and property
//! tests against a brute-force oracle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use proptest::prelude::*;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse::<DateTime<Utc>>().unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse::<NaiveDate>().unwrap()
}

fn local(s: &str) -> NaiveDateTime {
    s.parse::<NaiveDateTime>().unwrap()
}

fn hm(sh: u32, sm: u32, eh: u32, em: u32) -> TimeRange {
    TimeRange::hm(sh, sm, eh, em).unwrap()
}

fn iv(start: &str, end: &str) -> Interval {
    Interval::new(utc(start), utc(end))
}

fn starts(slots: &[Slot]) -> Vec<DateTime<Utc>> {
    slots.iter().map(|s| s.start).collect()
}

fn utcs(list: &[&str]) -> Vec<DateTime<Utc>> {
    list.iter().map(|s| utc(s)).collect()
}

/// A request with a mediator working `weekly` in `tz`, no parties, no
/// rules but the step, a 60-minute session and a large limit.
fn request(tz: Tz, weekly: WeeklyHours, now: &str, horizon: &str) -> SearchRequest {
    SearchRequest {
        now: utc(now),
        duration_minutes: 60,
        horizon_end: utc(horizon),
        not_before: None,
        limit: MAX_LIMIT,
        rules: Rules::default(),
        mediator: MediatorCalendar::new(tz, weekly),
        parties: Vec::new(),
    }
}

/// A mediator who works only `range` on `day` (via an exception) in `tz`.
fn one_day(tz: Tz, day: &str, range: TimeRange, now: &str, horizon: &str) -> SearchRequest {
    let mut req = request(tz, WeeklyHours::new(), now, horizon);
    req.mediator
        .exceptions
        .push(DateException::hours(date(day), vec![range]));
    req
}

fn party(tz: Tz, windows: Vec<Interval>) -> PartyAvailability {
    PartyAvailability { tz, windows }
}

fn offset_secs(tz: Tz, t: DateTime<Utc>) -> i32 {
    t.with_timezone(&tz).offset().fix().local_minus_utc()
}

// --- the 2027 change dates, checked against the time zone database ---

#[test]
fn dst_dates_2027_match_the_time_zone_database() {
    let cases = [
        // zone, transition instant, offset before, offset after
        (Tz::America__New_York, "2027-03-14T07:00:00Z", -5, -4),
        (Tz::America__New_York, "2027-11-07T06:00:00Z", -4, -5),
        (Tz::Europe__Berlin, "2027-03-28T01:00:00Z", 1, 2),
        (Tz::Europe__Berlin, "2027-10-31T01:00:00Z", 2, 1),
    ];
    for (tz, at, before, after) in cases {
        let at = utc(at);
        assert_eq!(
            offset_secs(tz, at - TimeDelta::seconds(1)),
            before * 3600,
            "{tz} {at}"
        );
        assert_eq!(offset_secs(tz, at), after * 3600, "{tz} {at}");
        // The day before and after are plain days.
        assert_eq!(offset_secs(tz, at - TimeDelta::days(1)), before * 3600);
        assert_eq!(offset_secs(tz, at + TimeDelta::days(1)), after * 3600);
    }
    assert_eq!(
        next_offset_change(Tz::America__New_York, "2027-01-01T00:00:00Z"),
        "2027-03-14T07:00:00Z"
    );
    assert_eq!(
        next_offset_change(Tz::America__New_York, "2027-03-15T00:00:00Z"),
        "2027-11-07T06:00:00Z"
    );
    assert_eq!(
        next_offset_change(Tz::Europe__Berlin, "2027-01-01T00:00:00Z"),
        "2027-03-28T01:00:00Z"
    );
    assert_eq!(
        next_offset_change(Tz::Europe__Berlin, "2027-03-29T00:00:00Z"),
        "2027-10-31T01:00:00Z"
    );
}

/// The first offset change after `from`, scanning by the hour.
fn next_offset_change(tz: Tz, from: &str) -> String {
    let mut t = utc(from);
    let start = offset_secs(tz, t);
    while offset_secs(tz, t) == start {
        t += TimeDelta::hours(1);
    }
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

// --- local time conversion ---

#[test]
fn gap_moves_to_the_first_instant_after_it() {
    let ny = Tz::America__New_York;
    let after = LocalInstant::Skipped {
        after_gap: utc("2027-03-14T07:00:00Z"),
    };
    assert_eq!(resolve_local(ny, local("2027-03-14T02:30:00")), Some(after));
    assert_eq!(resolve_local(ny, local("2027-03-14T02:00:00")), Some(after));
    assert_eq!(resolve_local(ny, local("2027-03-14T02:59:59")), Some(after));
    assert_eq!(
        resolve_local(ny, local("2027-03-14T01:59:00")),
        Some(LocalInstant::Unique(utc("2027-03-14T06:59:00Z")))
    );
    assert_eq!(
        resolve_local(ny, local("2027-03-14T03:00:00")),
        Some(LocalInstant::Unique(utc("2027-03-14T07:00:00Z")))
    );
    let berlin = resolve_local(Tz::Europe__Berlin, local("2027-03-28T02:30:00")).unwrap();
    assert_eq!(
        berlin,
        LocalInstant::Skipped {
            after_gap: utc("2027-03-28T01:00:00Z")
        }
    );
    assert_eq!(berlin.earliest(), berlin.latest());
}

#[test]
fn fold_has_both_instants() {
    let ny = resolve_local(Tz::America__New_York, local("2027-11-07T01:30:00")).unwrap();
    assert_eq!(
        ny,
        LocalInstant::Ambiguous {
            earlier: utc("2027-11-07T05:30:00Z"),
            later: utc("2027-11-07T06:30:00Z"),
        }
    );
    assert_eq!(ny.earliest(), utc("2027-11-07T05:30:00Z"));
    assert_eq!(ny.latest(), utc("2027-11-07T06:30:00Z"));
    let berlin = resolve_local(Tz::Europe__Berlin, local("2027-10-31T02:30:00")).unwrap();
    assert_eq!(
        berlin,
        LocalInstant::Ambiguous {
            earlier: utc("2027-10-31T00:30:00Z"),
            later: utc("2027-10-31T01:30:00Z"),
        }
    );
    // Just outside the fold there is one instant.
    assert_eq!(
        resolve_local(Tz::Europe__Berlin, local("2027-10-31T03:00:00")),
        Some(LocalInstant::Unique(utc("2027-10-31T02:00:00Z")))
    );
}

#[test]
fn lord_howe_half_hour_gap_and_fold() {
    let tz = Tz::Australia__Lord_Howe;
    // DST starts 2027-10-03 02:00 (+10:30 -> +11:00): 02:00-02:30 never shows.
    assert_eq!(
        resolve_local(tz, local("2027-10-03T02:15:00")),
        Some(LocalInstant::Skipped {
            after_gap: utc("2027-10-02T15:30:00Z")
        })
    );
    // DST ends 2027-04-04 02:00 (+11:00 -> +10:30): 01:30-02:00 shows twice.
    assert_eq!(
        resolve_local(tz, local("2027-04-04T01:45:00")),
        Some(LocalInstant::Ambiguous {
            earlier: utc("2027-04-03T14:45:00Z"),
            later: utc("2027-04-03T15:15:00Z"),
        })
    );
}

#[test]
fn local_interval_follows_the_range_rule() {
    let ny = Tz::America__New_York;
    let len = |s: &str, e: &str| {
        let i = local_interval(ny, local(s), local(e)).unwrap();
        (i.end - i.start).num_minutes()
    };
    // A range ending inside the fold ends at the second reading.
    assert_eq!(
        local_interval(
            ny,
            local("2027-11-07T00:00:00"),
            local("2027-11-07T01:30:00")
        ),
        Some(iv("2027-11-07T04:00:00Z", "2027-11-07T06:30:00Z"))
    );
    // A range starting inside the gap starts when the clocks jumped.
    assert_eq!(
        local_interval(
            ny,
            local("2027-03-14T02:30:00"),
            local("2027-03-14T04:00:00")
        ),
        Some(iv("2027-03-14T07:00:00Z", "2027-03-14T08:00:00Z"))
    );
    assert_eq!(len("2027-03-14T01:00:00", "2027-03-14T04:00:00"), 120);
    assert_eq!(len("2027-11-07T01:00:00", "2027-11-07T04:00:00"), 240);
    // Wholly inside the gap: nothing.
    assert_eq!(
        local_interval(
            ny,
            local("2027-03-14T02:00:00"),
            local("2027-03-14T02:30:00")
        ),
        None
    );
    assert_eq!(
        local_interval(
            ny,
            local("2027-03-14T05:00:00"),
            local("2027-03-14T04:00:00")
        ),
        None
    );
}

#[test]
fn working_day_lengths_on_the_change_days_of_2027() {
    // (zone, change date, real minutes of 09-17, of 01-04, of the whole day)
    let cases = [
        (Tz::America__New_York, "2027-03-14", 480, 120, 23 * 60),
        (Tz::America__New_York, "2027-11-07", 480, 240, 25 * 60),
        (Tz::Europe__Berlin, "2027-03-28", 480, 120, 23 * 60),
        (Tz::Europe__Berlin, "2027-10-31", 480, 240, 25 * 60),
        // A plain day for comparison.
        (Tz::Europe__Berlin, "2027-06-13", 480, 180, 24 * 60),
    ];
    for (tz, day, office, night, whole) in cases {
        for (range, expected) in [
            (hm(9, 0, 17, 0), office),
            (hm(1, 0, 4, 0), night),
            (hm(0, 0, 0, 0), whole),
        ] {
            // Quarter-hour sessions on a quarter-hour grid: one per real
            // quarter-hour of the range.
            let mut req = one_day(
                tz,
                day,
                range,
                "2027-01-01T00:00:00Z",
                "2027-12-31T00:00:00Z",
            );
            req.duration_minutes = 15;
            req.rules.step_minutes = 15;
            let slots = find_slots(&req).unwrap();
            assert_eq!(slots.len() as i64 * 15, expected, "{tz} {day} {range:?}");
            let first = slots.first().unwrap().start;
            let last = slots.last().unwrap().end;
            assert_eq!(
                (last - first).num_minutes(),
                expected,
                "{tz} {day} {range:?}"
            );
        }
    }
}

// --- basic ---

#[test]
fn basic_london_winter_exact_slots() {
    // 2027-01-12 is a Tuesday; London is on GMT (UTC+0).
    let mut req = request(
        Tz::Europe__London,
        WeeklyHours::weekdays(&[hm(9, 0, 17, 0)]),
        "2027-01-11T08:00:00Z",
        "2027-01-20T00:00:00Z",
    );
    req.parties.push(party(
        Tz::Europe__Paris,
        vec![iv("2027-01-12T10:00:00Z", "2027-01-12T13:00:00Z")],
    ));
    let slots = find_slots(&req).unwrap();
    assert_eq!(
        starts(&slots),
        utcs(&[
            "2027-01-12T10:00:00Z",
            "2027-01-12T10:30:00Z",
            "2027-01-12T11:00:00Z",
            "2027-01-12T11:30:00Z",
            "2027-01-12T12:00:00Z",
        ])
    );
    for slot in &slots {
        assert_eq!(slot.end - slot.start, TimeDelta::minutes(60));
    }
}

#[test]
fn basic_london_summer_hours_are_bst() {
    // 2027-07-13 is a Tuesday; 09:00 BST is 08:00 UTC.
    let mut req = request(
        Tz::Europe__London,
        WeeklyHours::weekdays(&[hm(9, 0, 17, 0)]),
        "2027-07-12T00:00:00Z",
        "2027-07-20T00:00:00Z",
    );
    req.parties.push(party(
        Tz::UTC,
        vec![iv("2027-07-13T07:00:00Z", "2027-07-13T10:00:00Z")],
    ));
    let slots = find_slots(&req).unwrap();
    assert_eq!(
        starts(&slots),
        utcs(&[
            "2027-07-13T08:00:00Z",
            "2027-07-13T08:30:00Z",
            "2027-07-13T09:00:00Z"
        ])
    );
}

#[test]
fn split_hours_do_not_join_but_adjacent_ones_do() {
    let day = |ranges: Vec<TimeRange>| {
        let mut req = request(
            Tz::UTC,
            WeeklyHours::new().with(Weekday::Tue, ranges),
            "2027-01-11T00:00:00Z",
            "2027-01-13T00:00:00Z",
        );
        req.rules.step_minutes = 60;
        starts(&find_slots(&req).unwrap())
    };
    let split = day(vec![hm(9, 0, 12, 0), hm(13, 0, 15, 0)]);
    assert_eq!(
        split,
        utcs(&[
            "2027-01-12T09:00:00Z",
            "2027-01-12T10:00:00Z",
            "2027-01-12T11:00:00Z",
            "2027-01-12T13:00:00Z",
            "2027-01-12T14:00:00Z",
        ])
    );
    // Given out of order and touching: one block 09-15.
    let joined = day(vec![hm(12, 0, 15, 0), hm(9, 0, 12, 0)]);
    assert_eq!(joined.len(), 6);
    assert!(joined.contains(&utc("2027-01-12T12:00:00Z")));
}

#[test]
fn range_ending_at_midnight_joins_the_next_morning() {
    let weekly = WeeklyHours::new()
        .with(Weekday::Tue, vec![hm(22, 0, 0, 0)])
        .with(Weekday::Wed, vec![hm(0, 0, 1, 0)]);
    let mut req = request(
        Tz::UTC,
        weekly,
        "2027-01-11T00:00:00Z",
        "2027-01-14T00:00:00Z",
    );
    req.rules.step_minutes = 30;
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-12T22:00:00Z",
            "2027-01-12T22:30:00Z",
            "2027-01-12T23:00:00Z",
            "2027-01-12T23:30:00Z",
            "2027-01-13T00:00:00Z",
        ])
    );
}

// --- DST nights ---

#[test]
fn spring_forward_night_new_york() {
    // Hours 01:00-04:00 on 2027-03-14: 01:00 EST is 06:00Z, 03:00 EDT is 07:00Z.
    let req = one_day(
        Tz::America__New_York,
        "2027-03-14",
        hm(1, 0, 4, 0),
        "2027-03-01T00:00:00Z",
        "2027-03-20T00:00:00Z",
    );
    let slots = find_slots(&req).unwrap();
    assert_eq!(
        starts(&slots),
        utcs(&[
            "2027-03-14T06:00:00Z",
            "2027-03-14T06:30:00Z",
            "2027-03-14T07:00:00Z"
        ])
    );
    let labels: Vec<String> = slots
        .iter()
        .map(|s| {
            let a = local_label(s.start, Tz::America__New_York);
            let b = local_label(s.end, Tz::America__New_York);
            format!(
                "{} {} - {} {}",
                a.local.time(),
                a.offset,
                b.local.time(),
                b.offset
            )
        })
        .collect();
    // 01:30 EST + 60 real minutes = 03:30 EDT: the session spans the jump.
    assert_eq!(
        labels,
        [
            "01:00:00 -05:00 - 03:00:00 -04:00",
            "01:30:00 -05:00 - 03:30:00 -04:00",
            "03:00:00 -04:00 - 04:00:00 -04:00",
        ]
    );
}

#[test]
fn fall_back_night_new_york() {
    // 01:00-04:00 on 2027-11-07 runs from 01:00 EDT (05:00Z) to 04:00 EST (09:00Z).
    let req = one_day(
        Tz::America__New_York,
        "2027-11-07",
        hm(1, 0, 4, 0),
        "2027-11-01T00:00:00Z",
        "2027-11-10T00:00:00Z",
    );
    let slots = find_slots(&req).unwrap();
    assert_eq!(
        starts(&slots),
        utcs(&[
            "2027-11-07T05:00:00Z", // 01:00 EDT
            "2027-11-07T05:30:00Z", // 01:30 EDT
            "2027-11-07T06:00:00Z", // 01:00 EST
            "2027-11-07T06:30:00Z", // 01:30 EST
            "2027-11-07T07:00:00Z", // 02:00 EST
            "2027-11-07T07:30:00Z",
            "2027-11-07T08:00:00Z", // 03:00 EST
        ])
    );
    let first = local_label(utc("2027-11-07T05:30:00Z"), Tz::America__New_York);
    let second = local_label(utc("2027-11-07T06:30:00Z"), Tz::America__New_York);
    assert_eq!(first.local, second.local);
    assert_eq!(
        (first.offset.as_str(), second.offset.as_str()),
        ("-04:00", "-05:00")
    );
    assert_eq!(first.abbreviation.as_deref(), Some("EDT"));
    assert_eq!(second.abbreviation.as_deref(), Some("EST"));
}

#[test]
fn spring_forward_night_berlin() {
    // 01:00 CET is 00:00Z; 02:00 CET jumps to 03:00 CEST at 01:00Z; 04:00 CEST is 02:00Z.
    let req = one_day(
        Tz::Europe__Berlin,
        "2027-03-28",
        hm(1, 0, 4, 0),
        "2027-03-20T00:00:00Z",
        "2027-04-01T00:00:00Z",
    );
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-03-28T00:00:00Z",
            "2027-03-28T00:30:00Z",
            "2027-03-28T01:00:00Z"
        ])
    );
}

#[test]
fn fall_back_night_berlin() {
    // 01:00 CEST is 23:00Z the day before; 04:00 CET is 03:00Z.
    let req = one_day(
        Tz::Europe__Berlin,
        "2027-10-31",
        hm(1, 0, 4, 0),
        "2027-10-20T00:00:00Z",
        "2027-11-05T00:00:00Z",
    );
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-10-30T23:00:00Z", // 01:00 CEST
            "2027-10-30T23:30:00Z",
            "2027-10-31T00:00:00Z", // 02:00 CEST
            "2027-10-31T00:30:00Z", // 02:30 CEST
            "2027-10-31T01:00:00Z", // 02:00 CET
            "2027-10-31T01:30:00Z", // 02:30 CET
            "2027-10-31T02:00:00Z", // 03:00 CET
        ])
    );
}

#[test]
fn ranges_starting_or_ending_inside_the_fold_cover_both_passes() {
    let ny = Tz::America__New_York;
    // 00:00-01:30 on 2027-11-07 ends at the second 01:30 (06:30Z).
    let req = one_day(
        ny,
        "2027-11-07",
        hm(0, 0, 1, 30),
        "2027-11-01T00:00:00Z",
        "2027-11-10T00:00:00Z",
    );
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-11-07T04:00:00Z",
            "2027-11-07T04:30:00Z",
            "2027-11-07T05:00:00Z",
            "2027-11-07T05:30:00Z"
        ])
    );
    // 01:30-03:00 starts at the first 01:30 (05:30Z) and ends at 03:00 EST (08:00Z).
    let req = one_day(
        ny,
        "2027-11-07",
        hm(1, 30, 3, 0),
        "2027-11-01T00:00:00Z",
        "2027-11-10T00:00:00Z",
    );
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-11-07T05:30:00Z",
            "2027-11-07T06:00:00Z",
            "2027-11-07T06:30:00Z",
            "2027-11-07T07:00:00Z"
        ])
    );
}

#[test]
fn range_wholly_inside_the_gap_has_no_slots() {
    let mut req = one_day(
        Tz::America__New_York,
        "2027-03-14",
        hm(2, 0, 2, 45),
        "2027-03-01T00:00:00Z",
        "2027-03-20T00:00:00Z",
    );
    req.duration_minutes = 15;
    req.rules.step_minutes = 15;
    assert_eq!(find_slots(&req).unwrap(), vec![]);
}

#[test]
fn office_hours_across_a_change_week_keep_local_times() {
    // 09:00 New York is 14:00Z on Friday 2027-03-12 and 13:00Z on Monday 2027-03-15.
    let mut req = request(
        Tz::America__New_York,
        WeeklyHours::weekdays(&[hm(9, 0, 17, 0)]),
        "2027-03-12T00:00:00Z",
        "2027-03-16T00:00:00Z",
    );
    req.duration_minutes = 480;
    req.rules.step_minutes = 60;
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&["2027-03-12T14:00:00Z", "2027-03-15T13:00:00Z"])
    );
}

// --- zones ---

#[test]
fn parties_in_kathmandu_and_adelaide_with_a_chicago_mediator() {
    let chicago = Tz::America__Chicago;
    let kathmandu = Tz::Asia__Kathmandu;
    let adelaide = Tz::Australia__Adelaide;
    // Tuesday 2027-01-12, 16:00-20:00 in Chicago (CST, -06:00) = 22:00Z-02:00Z.
    let mut req = one_day(
        chicago,
        "2027-01-12",
        hm(16, 0, 20, 0),
        "2027-01-01T00:00:00Z",
        "2027-01-31T00:00:00Z",
    );
    // Kathmandu picks Wednesday 03:45-06:45 (+05:45) = 22:00Z-01:00Z.
    let k = local_interval(
        kathmandu,
        local("2027-01-13T03:45:00"),
        local("2027-01-13T06:45:00"),
    )
    .unwrap();
    assert_eq!(k, iv("2027-01-12T22:00:00Z", "2027-01-13T01:00:00Z"));
    // Adelaide picks Wednesday 09:00-12:00 (ACDT, +10:30) = 22:30Z-01:30Z.
    let a = local_interval(
        adelaide,
        local("2027-01-13T09:00:00"),
        local("2027-01-13T12:00:00"),
    )
    .unwrap();
    assert_eq!(a, iv("2027-01-12T22:30:00Z", "2027-01-13T01:30:00Z"));
    req.parties.push(party(kathmandu, vec![k]));
    req.parties.push(party(adelaide, vec![a]));
    let slots = find_slots(&req).unwrap();
    assert_eq!(
        starts(&slots),
        utcs(&[
            "2027-01-12T22:30:00Z",
            "2027-01-12T23:00:00Z",
            "2027-01-12T23:30:00Z",
            "2027-01-13T00:00:00Z"
        ])
    );
    for slot in &slots {
        assert!(k.start <= slot.start && slot.end <= k.end);
        assert!(a.start <= slot.start && slot.end <= a.end);
    }
    let first = slots[0];
    let labels = [
        first.start_label(chicago),
        first.start_label(kathmandu),
        first.start_label(adelaide),
    ];
    assert_eq!(labels[0].local, local("2027-01-12T16:30:00"));
    assert_eq!(labels[0].offset, "-06:00");
    assert_eq!(labels[1].local, local("2027-01-13T04:15:00"));
    assert_eq!(labels[1].offset, "+05:45");
    assert_eq!(labels[2].local, local("2027-01-13T09:00:00"));
    assert_eq!(labels[2].offset, "+10:30");
    assert_eq!(labels[2].abbreviation.as_deref(), Some("ACDT"));
}

#[test]
fn local_labels_with_half_and_quarter_hour_offsets() {
    let cases = [
        (
            Tz::Asia__Kolkata,
            "2027-01-12T12:00:00Z",
            "2027-01-12T17:30:00",
            "+05:30",
        ),
        (
            Tz::Asia__Kathmandu,
            "2027-01-12T12:00:00Z",
            "2027-01-12T17:45:00",
            "+05:45",
        ),
        (
            Tz::Australia__Adelaide,
            "2027-01-12T12:00:00Z",
            "2027-01-12T22:30:00",
            "+10:30",
        ),
        (
            Tz::Australia__Adelaide,
            "2027-07-12T12:00:00Z",
            "2027-07-12T21:30:00",
            "+09:30",
        ),
        (
            Tz::Australia__Lord_Howe,
            "2027-01-12T12:00:00Z",
            "2027-01-12T23:00:00",
            "+11:00",
        ),
        (
            Tz::Australia__Lord_Howe,
            "2027-07-12T12:00:00Z",
            "2027-07-12T22:30:00",
            "+10:30",
        ),
        (
            Tz::America__Chicago,
            "2027-07-12T12:00:00Z",
            "2027-07-12T07:00:00",
            "-05:00",
        ),
        (
            Tz::America__St_Johns,
            "2027-01-12T12:00:00Z",
            "2027-01-12T08:30:00",
            "-03:30",
        ),
        (
            Tz::UTC,
            "2027-01-12T12:00:00Z",
            "2027-01-12T12:00:00",
            "+00:00",
        ),
    ];
    for (tz, at, wall, offset) in cases {
        let label = local_label(utc(at), tz);
        assert_eq!(label.local, local(wall), "{tz}");
        assert_eq!(label.offset, offset, "{tz}");
    }
    // Adelaide's own DST: ends 2027-04-04 03:00 ACDT (16:30Z on the 3rd).
    assert_eq!(
        local_label(utc("2027-04-03T16:29:00Z"), Tz::Australia__Adelaide).offset,
        "+10:30"
    );
    assert_eq!(
        local_label(utc("2027-04-03T16:30:00Z"), Tz::Australia__Adelaide).offset,
        "+09:30"
    );
    assert_eq!(format_offset(-(19 * 60 + 32)), "-00:19:32");
}

#[test]
fn grid_follows_the_mediator_clock_in_kathmandu() {
    // 09:00 in Kathmandu is 03:15Z; a 30-minute grid gives :15 and :45 in UTC.
    let mut req = one_day(
        Tz::Asia__Kathmandu,
        "2027-01-12",
        hm(9, 0, 11, 0),
        "2027-01-01T00:00:00Z",
        "2027-01-31T00:00:00Z",
    );
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-12T03:15:00Z",
            "2027-01-12T03:45:00Z",
            "2027-01-12T04:15:00Z"
        ])
    );
    // A 45-minute grid counts from local midnight: 09:00, 09:45 (09:00 = 12 x 45).
    req.rules.step_minutes = 45;
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&["2027-01-12T03:15:00Z", "2027-01-12T04:00:00Z"])
    );
    // Hours that start off the grid: the first start is the next grid point.
    req.rules.step_minutes = 30;
    req.mediator.exceptions = vec![DateException::hours(
        date("2027-01-12"),
        vec![hm(9, 10, 11, 0)],
    )];
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&["2027-01-12T03:45:00Z", "2027-01-12T04:15:00Z"])
    );
}

// --- rules ---

fn utc_day(now: &str, horizon: &str) -> SearchRequest {
    // Tuesday 2027-01-12 09:00-17:00 UTC only.
    one_day(Tz::UTC, "2027-01-12", hm(9, 0, 17, 0), now, horizon)
}

#[test]
fn buffer_keeps_time_free_around_bookings() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    req.rules.step_minutes = 15;
    req.rules.buffer_minutes = 15;
    req.mediator
        .bookings
        .push(iv("2027-01-12T11:00:00Z", "2027-01-12T12:00:00Z"));
    req.parties.push(party(
        Tz::UTC,
        vec![iv("2027-01-12T09:00:00Z", "2027-01-12T14:00:00Z")],
    ));
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-12T09:00:00Z",
            "2027-01-12T09:15:00Z",
            "2027-01-12T09:30:00Z",
            "2027-01-12T09:45:00Z", // ends 10:45, the buffer's start
            "2027-01-12T12:15:00Z", // starts at the buffer's end
            "2027-01-12T12:30:00Z",
            "2027-01-12T12:45:00Z",
            "2027-01-12T13:00:00Z",
        ])
    );
    // Without a buffer the booking's own edges are the limits.
    req.rules.buffer_minutes = 0;
    let slots = starts(&find_slots(&req).unwrap());
    assert!(slots.contains(&utc("2027-01-12T10:00:00Z")));
    assert!(slots.contains(&utc("2027-01-12T12:00:00Z")));
    assert!(!slots.contains(&utc("2027-01-12T10:15:00Z")));
}

#[test]
fn busy_and_time_off_block_without_buffer() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    req.rules.step_minutes = 60;
    req.rules.buffer_minutes = 30;
    req.mediator
        .busy
        .push(iv("2027-01-12T10:00:00Z", "2027-01-12T11:00:00Z"));
    req.mediator
        .time_off
        .push(iv("2027-01-12T13:00:00Z", "2027-01-12T16:00:00Z"));
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-12T09:00:00Z",
            "2027-01-12T11:00:00Z",
            "2027-01-12T12:00:00Z",
            "2027-01-12T16:00:00Z",
        ])
    );
    // Time off over whole days.
    req.mediator
        .time_off
        .push(iv("2027-01-11T00:00:00Z", "2027-01-13T00:00:00Z"));
    assert_eq!(find_slots(&req).unwrap(), vec![]);
}

#[test]
fn minimum_notice() {
    let mut req = utc_day("2027-01-12T09:10:00Z", "2027-01-20T00:00:00Z");
    req.rules.notice_minutes = 120;
    // now + notice = 11:10; the next grid point is 11:30.
    assert_eq!(
        starts(&find_slots(&req).unwrap())[0],
        utc("2027-01-12T11:30:00Z")
    );
    // A sub-second now rounds up: 09:30:00.5 plus two hours is after 11:30.
    req.now = utc("2027-01-12T09:30:00.5Z");
    assert_eq!(
        starts(&find_slots(&req).unwrap())[0],
        utc("2027-01-12T12:00:00Z")
    );
    req.now = utc("2027-01-12T09:30:00Z");
    assert_eq!(
        starts(&find_slots(&req).unwrap())[0],
        utc("2027-01-12T11:30:00Z")
    );
    // Notice past the end of the day: nothing.
    req.rules.notice_minutes = 8 * 60;
    assert_eq!(find_slots(&req).unwrap(), vec![]);
}

#[test]
fn cap_counts_bookings_on_the_mediator_local_day_tokyo() {
    // Tokyo is +09:00. 09:00-17:00 JST is 00:00Z-08:00Z.
    let mut req = request(
        Tz::Asia__Tokyo,
        WeeklyHours::weekdays(&[hm(9, 0, 17, 0)]),
        "2027-01-10T00:00:00Z",
        "2027-01-14T00:00:00Z",
    );
    req.duration_minutes = 60;
    req.rules.step_minutes = 60;
    req.rules.max_sessions_per_day = Some(1);
    // Monday 2027-01-11 23:30Z is Tuesday 08:30 JST: it fills Tuesday, not Monday.
    req.mediator
        .bookings
        .push(iv("2027-01-11T23:30:00Z", "2027-01-12T00:00:00Z"));
    let slots = find_slots(&req).unwrap();
    let days: Vec<NaiveDate> = slots
        .iter()
        .map(|s| s.start_label(Tz::Asia__Tokyo).local.date())
        .collect();
    assert!(days.contains(&date("2027-01-11")), "Monday stays open");
    assert!(!days.contains(&date("2027-01-12")), "Tuesday is full");
    assert!(days.contains(&date("2027-01-13")));
    assert_eq!(slots.len(), 8 + 8);
    assert_eq!(slots[0].start, utc("2027-01-11T00:00:00Z"));
    assert_eq!(slots[8].start, utc("2027-01-13T00:00:00Z"));
    // With a cap of 2, Tuesday has room again (the booking itself is
    // before Tuesday's hours, so all 8 starts are free).
    req.rules.max_sessions_per_day = Some(2);
    let slots = find_slots(&req).unwrap();
    assert_eq!(slots.len(), 24);
    // Two bookings on Tuesday fill a cap of 2.
    req.mediator
        .bookings
        .push(iv("2027-01-12T05:00:00Z", "2027-01-12T06:00:00Z"));
    let slots = find_slots(&req).unwrap();
    assert_eq!(slots.len(), 16);
    assert!(
        slots
            .iter()
            .all(|s| s.start_label(Tz::Asia__Tokyo).local.date() != date("2027-01-12"))
    );
}

#[test]
fn a_full_day_does_not_close_the_next_one_in_the_same_free_stretch() {
    // Tuesday 22:00-24:00 joins Wednesday 00:00-02:00 (UTC). A booking
    // fills Tuesday; Wednesday's starts from 00:00 on are still proposed.
    let weekly = WeeklyHours::new()
        .with(Weekday::Tue, vec![hm(22, 0, 0, 0)])
        .with(Weekday::Wed, vec![hm(0, 0, 2, 0)]);
    let mut req = request(
        Tz::UTC,
        weekly,
        "2027-01-11T00:00:00Z",
        "2027-01-14T00:00:00Z",
    );
    req.rules.max_sessions_per_day = Some(1);
    req.mediator
        .bookings
        .push(iv("2027-01-12T22:00:00Z", "2027-01-12T22:30:00Z"));
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-13T00:00:00Z",
            "2027-01-13T00:30:00Z",
            "2027-01-13T01:00:00Z"
        ])
    );
}

#[test]
fn cap_without_bookings_does_not_limit_proposals() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    req.rules.max_sessions_per_day = Some(1);
    assert_eq!(find_slots(&req).unwrap().len(), 15);
}

#[test]
fn exceptions_close_a_day_or_change_its_hours() {
    let mut req = request(
        Tz::Europe__London,
        WeeklyHours::weekdays(&[hm(9, 0, 17, 0)]),
        "2027-01-11T00:00:00Z",
        "2027-01-17T00:00:00Z",
    );
    req.rules.step_minutes = 60;
    let on = |slots: &[Slot], day: &str| {
        slots
            .iter()
            .filter(|s| s.start.date_naive() == date(day))
            .map(|s| s.start)
            .collect::<Vec<_>>()
    };
    let before = find_slots(&req).unwrap();
    assert_eq!(on(&before, "2027-01-12").len(), 8);
    assert_eq!(on(&before, "2027-01-16").len(), 0);
    req.mediator.exceptions = vec![
        DateException::closed(date("2027-01-12")),
        DateException::hours(date("2027-01-13"), vec![hm(14, 0, 16, 0)]),
        // Open on a Saturday.
        DateException::hours(date("2027-01-16"), vec![hm(10, 0, 11, 0)]),
    ];
    let after = find_slots(&req).unwrap();
    assert_eq!(on(&after, "2027-01-11").len(), 8);
    assert!(on(&after, "2027-01-12").is_empty());
    assert_eq!(
        on(&after, "2027-01-13"),
        utcs(&["2027-01-13T14:00:00Z", "2027-01-13T15:00:00Z"])
    );
    assert_eq!(on(&after, "2027-01-16"), utcs(&["2027-01-16T10:00:00Z"]));
}

#[test]
fn limit_keeps_the_earliest() {
    let mut req = request(
        Tz::UTC,
        WeeklyHours::weekdays(&[hm(9, 0, 17, 0)]),
        "2027-01-11T00:00:00Z",
        "2027-02-11T00:00:00Z",
    );
    let all = find_slots(&req).unwrap();
    req.limit = 3;
    let three = find_slots(&req).unwrap();
    assert_eq!(three, all[..3].to_vec());
    assert_eq!(
        starts(&three),
        utcs(&[
            "2027-01-11T09:00:00Z",
            "2027-01-11T09:30:00Z",
            "2027-01-11T10:00:00Z"
        ])
    );
}

#[test]
fn horizon_cuts_slots_that_would_end_after_it() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-12T11:00:00Z");
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-12T09:00:00Z",
            "2027-01-12T09:30:00Z",
            "2027-01-12T10:00:00Z"
        ])
    );
    req.horizon_end = utc("2027-01-12T09:59:59Z");
    assert_eq!(find_slots(&req).unwrap(), vec![]);
}

#[test]
fn not_before_pages_through_results() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    req.limit = 2;
    let page1 = find_slots(&req).unwrap();
    req.not_before = Some(page1[1].start + TimeDelta::seconds(1));
    let page2 = find_slots(&req).unwrap();
    assert_eq!(
        starts(&page1),
        utcs(&["2027-01-12T09:00:00Z", "2027-01-12T09:30:00Z"])
    );
    assert_eq!(
        starts(&page2),
        utcs(&["2027-01-12T10:00:00Z", "2027-01-12T10:30:00Z"])
    );
}

#[test]
fn parties_without_windows_or_without_overlap_give_nothing() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    assert_eq!(
        find_slots(&req).unwrap().len(),
        15,
        "no parties: the mediator's free time"
    );
    req.parties.push(party(
        Tz::UTC,
        vec![iv("2027-01-12T09:00:00Z", "2027-01-12T11:00:00Z")],
    ));
    req.parties.push(party(
        Tz::UTC,
        vec![iv("2027-01-12T12:00:00Z", "2027-01-12T14:00:00Z")],
    ));
    assert_eq!(find_slots(&req).unwrap(), vec![]);
    req.parties = vec![party(Tz::UTC, vec![])];
    assert_eq!(find_slots(&req).unwrap(), vec![]);
}

#[test]
fn a_party_window_too_short_or_split_gives_nothing_but_merged_windows_join() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    req.parties.push(party(
        Tz::UTC,
        vec![
            iv("2027-01-12T10:00:00Z", "2027-01-12T10:30:00Z"),
            iv("2027-01-12T10:45:00Z", "2027-01-12T11:30:00Z"),
        ],
    ));
    assert_eq!(find_slots(&req).unwrap(), vec![]);
    // Overlapping and touching windows of one party are merged.
    req.parties = vec![party(
        Tz::UTC,
        vec![
            iv("2027-01-12T10:30:00Z", "2027-01-12T11:30:00Z"),
            iv("2027-01-12T10:00:00Z", "2027-01-12T10:45:00Z"),
            iv("2027-01-12T11:30:00Z", "2027-01-12T12:00:00Z"),
        ],
    )];
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&[
            "2027-01-12T10:00:00Z",
            "2027-01-12T10:30:00Z",
            "2027-01-12T11:00:00Z"
        ])
    );
}

#[test]
fn subsecond_edges_round_against_the_slot() {
    let mut req = utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z");
    // A booking ending a hair after 10:00 blocks the 10:00 start.
    req.mediator
        .bookings
        .push(iv("2027-01-12T09:30:00Z", "2027-01-12T10:00:00.001Z"));
    // A party window starting a hair after 09:00 and ending a hair before 12:00.
    req.parties.push(party(
        Tz::UTC,
        vec![iv("2027-01-12T09:00:00.001Z", "2027-01-12T11:59:59.999Z")],
    ));
    assert_eq!(
        starts(&find_slots(&req).unwrap()),
        utcs(&["2027-01-12T10:30:00Z"])
    );
}

#[test]
fn a_full_year_with_many_inputs_runs() {
    let mut req = request(
        Tz::Europe__London,
        WeeklyHours::weekdays(&[hm(9, 0, 12, 0), hm(13, 0, 17, 0)]),
        "2027-01-01T00:00:00Z",
        "2028-01-31T00:00:00Z",
    );
    req.rules.max_sessions_per_day = Some(4);
    req.rules.buffer_minutes = 15;
    let mut t = utc("2027-01-04T09:00:00Z");
    for _ in 0..1500 {
        req.mediator
            .bookings
            .push(Interval::new(t, t + TimeDelta::minutes(60)));
        t += TimeDelta::hours(5);
    }
    let slots = find_slots(&req).unwrap();
    assert_eq!(slots.len(), MAX_LIMIT);
    assert!(slots.windows(2).all(|w| w[0].start < w[1].start));
}

// --- validation ---

fn valid() -> SearchRequest {
    utc_day("2027-01-01T00:00:00Z", "2027-01-20T00:00:00Z")
}

fn err(req: &SearchRequest) -> SlotError {
    find_slots(req).unwrap_err()
}

#[test]
fn rejects_numbers_out_of_range() {
    assert!(find_slots(&valid()).is_ok());
    for minutes in [0, 14, 481] {
        let mut req = valid();
        req.duration_minutes = minutes;
        assert_eq!(err(&req), SlotError::DurationOutOfRange { minutes });
    }
    for minutes in [15, 480] {
        let mut req = valid();
        req.duration_minutes = minutes;
        assert!(find_slots(&req).is_ok());
    }
    for minutes in [0, 4, 7, 25, 241, 480] {
        let mut req = valid();
        req.rules.step_minutes = minutes;
        assert_eq!(err(&req), SlotError::StepOutOfRange { minutes });
    }
    for minutes in [5, 45, 90, 240] {
        let mut req = valid();
        req.rules.step_minutes = minutes;
        assert!(find_slots(&req).is_ok());
    }
    let mut req = valid();
    req.rules.buffer_minutes = 241;
    assert_eq!(err(&req), SlotError::BufferOutOfRange { minutes: 241 });
    let mut req = valid();
    req.rules.notice_minutes = MAX_NOTICE_MINUTES + 1;
    assert_eq!(
        err(&req),
        SlotError::NoticeOutOfRange {
            minutes: MAX_NOTICE_MINUTES + 1
        }
    );
    for value in [0, 49] {
        let mut req = valid();
        req.rules.max_sessions_per_day = Some(value);
        assert_eq!(err(&req), SlotError::MaxPerDayOutOfRange { value });
    }
    for limit in [0, MAX_LIMIT + 1] {
        let mut req = valid();
        req.limit = limit;
        assert_eq!(err(&req), SlotError::LimitOutOfRange { limit });
    }
}

#[test]
fn rejects_a_bad_horizon() {
    let mut req = valid();
    req.horizon_end = req.now;
    assert_eq!(err(&req), SlotError::HorizonNotInFuture);
    req.horizon_end = req.now - TimeDelta::days(1);
    assert_eq!(err(&req), SlotError::HorizonNotInFuture);
    req.horizon_end = req.now + TimeDelta::days(MAX_HORIZON_DAYS) + TimeDelta::seconds(1);
    assert_eq!(err(&req), SlotError::HorizonTooFar);
    req.horizon_end = req.now + TimeDelta::days(MAX_HORIZON_DAYS);
    assert!(find_slots(&req).is_ok());
}

#[test]
fn rejects_bad_working_ranges() {
    let tue = HoursOwner::Weekly(Weekday::Tue);
    let with = |ranges: Vec<TimeRange>| {
        let mut req = valid();
        req.mediator.weekly = WeeklyHours::new().with(Weekday::Tue, ranges);
        find_slots(&req)
    };
    assert_eq!(
        with(vec![hm(9, 0, 12, 0), hm(12, 0, 9, 0)]),
        Err(SlotError::InvertedRange {
            owner: tue,
            index: 1
        })
    );
    assert_eq!(
        with(vec![hm(9, 0, 9, 0)]),
        Err(SlotError::InvertedRange {
            owner: tue,
            index: 0
        })
    );
    assert_eq!(
        with(vec![hm(13, 0, 17, 0), hm(9, 0, 12, 0), hm(11, 0, 14, 0)]),
        Err(SlotError::OverlappingRanges {
            owner: tue,
            index: 2
        })
    );
    assert_eq!(
        with(vec![hm(20, 0, 0, 0), hm(23, 0, 23, 30)]),
        Err(SlotError::OverlappingRanges {
            owner: tue,
            index: 1
        })
    );
    assert_eq!(
        with((0..13).map(|h| hm(h, 0, h, 30)).collect()),
        Err(SlotError::TooManyRanges {
            owner: tue,
            max: MAX_RANGES_PER_DAY
        })
    );
    assert!(with(vec![hm(0, 0, 0, 0)]).is_ok(), "the whole day");
    assert!(with((0..12).map(|h| hm(h, 0, h + 1, 0)).collect()).is_ok());

    let day = date("2027-01-12");
    let mut req = valid();
    req.mediator.exceptions = vec![DateException::hours(day, vec![hm(17, 0, 9, 0)])];
    assert_eq!(
        err(&req),
        SlotError::InvertedRange {
            owner: HoursOwner::Exception(day),
            index: 0
        }
    );
    req.mediator.exceptions = vec![DateException::hours(
        day,
        vec![hm(9, 0, 17, 0), hm(16, 0, 18, 0)],
    )];
    assert_eq!(
        err(&req),
        SlotError::OverlappingRanges {
            owner: HoursOwner::Exception(day),
            index: 1
        }
    );
    req.mediator.exceptions = vec![DateException::closed(day), DateException::closed(day)];
    assert_eq!(err(&req), SlotError::DuplicateException { date: day });
    req.mediator.exceptions = (0..=MAX_EXCEPTIONS as u64)
        .map(|i| DateException::closed(day + chrono::Days::new(i)))
        .collect();
    assert_eq!(
        err(&req),
        SlotError::TooManyExceptions {
            max: MAX_EXCEPTIONS
        }
    );
}

#[test]
fn rejects_bad_intervals() {
    let bad = iv("2027-01-12T10:00:00Z", "2027-01-12T10:00:00Z");
    let good = iv("2027-01-12T10:00:00Z", "2027-01-12T11:00:00Z");
    let mut req = valid();
    req.mediator.time_off = vec![good, bad];
    assert_eq!(
        err(&req),
        SlotError::InvertedInterval {
            kind: IntervalKind::TimeOff,
            index: 1
        }
    );
    let mut req = valid();
    req.mediator.bookings = vec![Interval::new(good.end, good.start)];
    assert_eq!(
        err(&req),
        SlotError::InvertedInterval {
            kind: IntervalKind::Booking,
            index: 0
        }
    );
    let mut req = valid();
    req.mediator.busy = vec![bad];
    assert_eq!(
        err(&req),
        SlotError::InvertedInterval {
            kind: IntervalKind::Busy,
            index: 0
        }
    );
    let mut req = valid();
    req.parties = vec![
        party(Tz::UTC, vec![good]),
        party(Tz::UTC, vec![good, good, bad]),
    ];
    assert_eq!(
        err(&req),
        SlotError::InvertedInterval {
            kind: IntervalKind::PartyWindow(1),
            index: 2
        }
    );

    let cases: [(IntervalKind, usize); 4] = [
        (IntervalKind::TimeOff, MAX_TIME_OFF),
        (IntervalKind::Booking, MAX_BOOKINGS),
        (IntervalKind::Busy, MAX_BUSY),
        (IntervalKind::PartyWindow(0), MAX_WINDOWS_PER_PARTY),
    ];
    for (kind, max) in cases {
        let mut req = valid();
        let many = vec![good; max + 1];
        match kind {
            IntervalKind::TimeOff => req.mediator.time_off = many,
            IntervalKind::Booking => req.mediator.bookings = many,
            IntervalKind::Busy => req.mediator.busy = many,
            _ => req.parties = vec![party(Tz::UTC, many)],
        }
        assert_eq!(err(&req), SlotError::TooManyIntervals { kind, max });
    }
    let mut req = valid();
    req.parties = vec![party(Tz::UTC, vec![good]); MAX_PARTIES + 1];
    assert_eq!(err(&req), SlotError::TooManyParties { max: MAX_PARTIES });
    req.parties.pop();
    assert!(find_slots(&req).is_ok());
}

#[test]
fn find_slots_accepts_aged_and_overlapping_party_windows() {
    let mut req = valid();
    req.parties = vec![party(
        Tz::UTC,
        vec![
            iv("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"),
            iv("2027-01-12T09:00:00Z", "2027-01-12T11:00:00Z"),
            iv("2027-01-12T10:00:00Z", "2027-01-12T11:00:00Z"),
        ],
    )];
    assert_eq!(find_slots(&req).unwrap().len(), 3);
}

#[test]
fn validate_windows_checks_a_party_s_availability() {
    let now = utc("2027-01-12T12:00:00Z");
    let w = |a: &str, b: &str| iv(a, b);
    assert_eq!(validate_windows(&[], now), Ok(()));
    // Touching windows, out of order, one already begun: fine.
    assert_eq!(
        validate_windows(
            &[
                w("2027-01-13T10:00:00Z", "2027-01-13T12:00:00Z"),
                w("2027-01-12T11:00:00Z", "2027-01-12T13:00:00Z"),
                w("2027-01-13T09:00:00Z", "2027-01-13T10:00:00Z"),
            ],
            now
        ),
        Ok(())
    );
    assert_eq!(
        validate_windows(
            &[
                w("2027-01-13T10:00:00Z", "2027-01-13T12:00:00Z"),
                w("2027-01-13T09:00:00Z", "2027-01-13T10:00:01Z"),
            ],
            now
        ),
        Err(SlotError::OverlappingWindows { index: 0 })
    );
    assert_eq!(
        validate_windows(
            &[
                w("2027-01-13T09:00:00Z", "2027-01-13T12:00:00Z"),
                w("2027-01-13T10:00:00Z", "2027-01-13T11:00:00Z"),
            ],
            now
        ),
        Err(SlotError::OverlappingWindows { index: 1 })
    );
    assert_eq!(
        validate_windows(&[w("2027-01-12T10:00:00Z", "2027-01-12T12:00:00Z")], now),
        Err(SlotError::WindowInPast { index: 0 })
    );
    assert_eq!(
        validate_windows(
            &[
                w("2027-01-13T10:00:00Z", "2027-01-13T12:00:00Z"),
                w("2027-01-13T12:00:00Z", "2027-01-13T11:00:00Z"),
            ],
            now
        ),
        Err(SlotError::InvertedInterval {
            kind: IntervalKind::Window,
            index: 1
        })
    );
    let far = now + TimeDelta::days(MAX_HORIZON_DAYS);
    assert_eq!(
        validate_windows(&[Interval::new(far - TimeDelta::hours(1), far)], now),
        Ok(())
    );
    assert_eq!(
        validate_windows(&[Interval::new(far, far + TimeDelta::seconds(1))], now),
        Err(SlotError::WindowTooFar { index: 0 })
    );
    let many = vec![w("2027-01-13T10:00:00Z", "2027-01-13T12:00:00Z"); MAX_WINDOWS_PER_PARTY + 1];
    assert_eq!(
        validate_windows(&many, now),
        Err(SlotError::TooManyIntervals {
            kind: IntervalKind::Window,
            max: MAX_WINDOWS_PER_PARTY
        })
    );
}

#[test]
fn errors_read_well() {
    let day = date("2027-01-12");
    let cases = [
        (
            SlotError::DurationOutOfRange { minutes: 5 },
            "the session length must be 15 to 480 minutes, not 5",
        ),
        (
            SlotError::StepOutOfRange { minutes: 7 },
            "the step must be 5 to 240 minutes and divide a day, not 7",
        ),
        (
            SlotError::BufferOutOfRange { minutes: 300 },
            "the buffer must be at most 240 minutes, not 300",
        ),
        (
            SlotError::NoticeOutOfRange { minutes: 1 },
            "the minimum notice must be at most 86400 minutes, not 1",
        ),
        (
            SlotError::MaxPerDayOutOfRange { value: 0 },
            "the cap on sessions per day must be 1 to 48, not 0",
        ),
        (
            SlotError::LimitOutOfRange { limit: 0 },
            "the limit must be 1 to 500, not 0",
        ),
        (
            SlotError::HorizonNotInFuture,
            "the horizon must be after now",
        ),
        (
            SlotError::HorizonTooFar,
            "the horizon must be at most 400 days after now",
        ),
        (
            SlotError::InvertedRange {
                owner: HoursOwner::Weekly(Weekday::Tue),
                index: 1,
            },
            "range 1 of the weekly hours for Tue does not end after it starts",
        ),
        (
            SlotError::OverlappingRanges {
                owner: HoursOwner::Exception(day),
                index: 2,
            },
            "range 2 of the hours for 2027-01-12 overlaps another",
        ),
        (
            SlotError::TooManyRanges {
                owner: HoursOwner::Weekly(Weekday::Mon),
                max: 12,
            },
            "the weekly hours for Mon has more than 12 ranges",
        ),
        (
            SlotError::DuplicateException { date: day },
            "there are two exceptions for 2027-01-12",
        ),
        (
            SlotError::TooManyExceptions { max: 1000 },
            "there are more than 1000 exceptions",
        ),
        (
            SlotError::InvertedInterval {
                kind: IntervalKind::PartyWindow(3),
                index: 4,
            },
            "interval 4 of the windows of party 3 does not end after it starts",
        ),
        (
            SlotError::TooManyIntervals {
                kind: IntervalKind::Busy,
                max: 20_000,
            },
            "there are more than 20000 busy times",
        ),
        (
            SlotError::TooManyParties { max: 16 },
            "there are more than 16 parties",
        ),
        (
            SlotError::OverlappingWindows { index: 1 },
            "availability window 1 overlaps another",
        ),
        (
            SlotError::WindowInPast { index: 0 },
            "availability window 0 is over",
        ),
        (
            SlotError::WindowTooFar { index: 0 },
            "availability window 0 ends more than 400 days from now",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
    for kind in [
        IntervalKind::TimeOff,
        IntervalKind::Booking,
        IntervalKind::Window,
    ] {
        assert!(!kind.to_string().is_empty());
    }
}

// --- internals ---

#[test]
fn interval_sets() {
    let s = |a: i64, b: i64| Span { start: a, end: b };
    assert_eq!(
        normalize(vec![s(5, 7), s(0, 2), s(2, 3), s(6, 9), s(4, 4)]),
        vec![s(0, 3), s(5, 9)]
    );
    assert_eq!(
        subtract(
            &[s(0, 10), s(20, 30)],
            &[s(-5, 1), s(3, 4), s(9, 22), s(25, 26), s(29, 40)]
        ),
        vec![s(1, 3), s(4, 9), s(22, 25), s(26, 29)]
    );
    assert_eq!(subtract(&[s(0, 10)], &[]), vec![s(0, 10)]);
    assert_eq!(subtract(&[s(0, 10)], &[s(0, 10)]), vec![]);
    assert_eq!(
        intersect(&[s(0, 10), s(20, 30)], &[s(5, 25), s(28, 35)]),
        vec![s(5, 10), s(20, 25), s(28, 30)]
    );
    assert_eq!(intersect(&[s(0, 10)], &[]), vec![]);
}

#[test]
fn next_grid_across_a_change() {
    let ny = Tz::America__New_York;
    let t = |s: &str| utc(s).timestamp();
    // 01:40 EST; the next :00 is 03:00 EDT (02:00 EST never shows).
    assert_eq!(
        next_grid(ny, t("2027-03-14T06:40:00Z"), 3600),
        t("2027-03-14T07:00:00Z")
    );
    // Berlin in autumn: 02:40 CEST, next 60-min grid point is 02:00 CET (01:00Z).
    let berlin = Tz::Europe__Berlin;
    assert_eq!(
        next_grid(berlin, t("2027-10-31T00:40:00Z"), 3600),
        t("2027-10-31T01:00:00Z")
    );
    // Lord Howe spring: 01:50 (+10:30); 02:00 local is skipped to 02:30 (+11), on a 60-min grid 03:00.
    let lh = Tz::Australia__Lord_Howe;
    assert_eq!(
        next_grid(lh, t("2027-10-02T15:20:00Z"), 3600),
        t("2027-10-02T16:00:00Z")
    );
    assert_eq!(
        next_grid(lh, t("2027-10-02T15:20:00Z"), 1800),
        t("2027-10-02T15:30:00Z")
    );
}

// --- properties ---

const ZONES: [Tz; 10] = [
    Tz::UTC,
    Tz::Europe__London,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::America__Chicago,
    Tz::Asia__Kolkata,
    Tz::Asia__Kathmandu,
    Tz::Asia__Tokyo,
    Tz::Australia__Adelaide,
    Tz::Australia__Lord_Howe,
];

/// Days just before a change in one of the zones above, and a plain one.
const BASES: [&str; 8] = [
    "2027-03-12T00:00:00Z",
    "2027-03-26T00:00:00Z",
    "2027-04-02T00:00:00Z",
    "2027-10-01T00:00:00Z",
    "2027-10-29T00:00:00Z",
    "2027-11-05T00:00:00Z",
    "2027-06-14T00:00:00Z",
    "2027-01-01T00:00:00Z",
];

/// A zone and a day (UTC midnight) one or two days before one of its changes.
const CHANGES: [(Tz, &str); 10] = [
    (Tz::America__New_York, "2027-03-12T00:00:00Z"),
    (Tz::America__New_York, "2027-11-05T00:00:00Z"),
    (Tz::America__Chicago, "2027-03-13T00:00:00Z"),
    (Tz::Europe__Berlin, "2027-03-26T00:00:00Z"),
    (Tz::Europe__Berlin, "2027-10-29T00:00:00Z"),
    (Tz::Europe__London, "2027-10-30T00:00:00Z"),
    (Tz::Australia__Adelaide, "2027-04-02T00:00:00Z"),
    (Tz::Australia__Adelaide, "2027-10-01T00:00:00Z"),
    (Tz::Australia__Lord_Howe, "2027-04-02T00:00:00Z"),
    (Tz::Australia__Lord_Howe, "2027-10-01T00:00:00Z"),
];

const STEPS: [u32; 7] = [5, 10, 15, 20, 30, 45, 60];
const DURATIONS: [u32; 6] = [15, 30, 45, 60, 90, 120];

/// One or two ranges a day (or, one time in five, none), on a five-minute
/// grid, possibly ending at midnight.
fn day_ranges() -> impl Strategy<Value = Vec<TimeRange>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => some_day_ranges(),
    ]
}

fn some_day_ranges() -> impl Strategy<Value = Vec<TimeRange>> {
    prop::collection::btree_set(0u32..=288, 2..=4).prop_map(|cuts| {
        let cuts: Vec<u32> = cuts.into_iter().collect();
        cuts.chunks_exact(2)
            .map(|c| {
                let t = |five: u32| {
                    NaiveTime::from_num_seconds_from_midnight_opt(five % 288 * 300, 0).unwrap()
                };
                TimeRange::new(t(c[0]), t(c[1]))
            })
            .collect()
    })
}

/// Intervals in the first `span` minutes after `base`, on a five-minute grid.
fn intervals(
    base: DateTime<Utc>,
    span: i64,
    count: std::ops::RangeInclusive<usize>,
    lengths: std::ops::RangeInclusive<i64>,
) -> impl Strategy<Value = Vec<Interval>> {
    let lengths = lengths.start() / 5..=lengths.end() / 5;
    prop::collection::vec((0..span / 5, lengths), count).prop_map(move |v| {
        v.into_iter()
            .map(|(s, l)| {
                let start = base + TimeDelta::minutes(s * 5);
                Interval::new(start, start + TimeDelta::minutes(l * 5))
            })
            .collect()
    })
}

/// A party's windows: scattered (possibly overlapping) ones, or all the
/// time but for a few holes.
fn party_windows(base: DateTime<Utc>, span: i64) -> impl Strategy<Value = Vec<Interval>> {
    prop_oneof![
        1 => intervals(base, span, 1..=6, 30..=48 * 60),
        2 => intervals(base, span, 0..=4, 30..=12 * 60).prop_map(move |mut holes| {
            holes.sort();
            let mut windows = Vec::new();
            let mut from = base;
            for hole in holes {
                if hole.start > from {
                    windows.push(Interval::new(from, hole.start));
                }
                from = from.max(hole.end);
            }
            let end = base + TimeDelta::minutes(span);
            if from < end {
                windows.push(Interval::new(from, end));
            }
            windows
        }),
    ]
}

/// A random request over `days` days (at most) near a DST change.
fn arb_request(days: i64, max_bookings: usize) -> impl Strategy<Value = SearchRequest> {
    let near_change = (0..CHANGES.len()).prop_map(|i| (CHANGES[i].0, CHANGES[i].1));
    let any = (0..ZONES.len(), 0..BASES.len()).prop_map(|(z, b)| (ZONES[z], BASES[b]));
    prop_oneof![2 => near_change, 1 => any].prop_flat_map(move |(tz, base)| {
        let base = utc(base);
        let span = (days + 2) * 1440;
        (
            prop::array::uniform7(day_ranges()),
            prop::collection::btree_map(0i64..days + 2, day_ranges(), 0..3),
            0i64..48 * 60,
            60i64..=days * 1440,
            intervals(base, span, 0..=max_bookings, 5..=180),
            intervals(base, span, 0..=max_bookings, 5..=240),
            intervals(base, span, 0..=1, 5..=1440),
            prop::collection::vec((0..ZONES.len(), party_windows(base, span)), 0..=3),
            (
                0..STEPS.len(),
                0..DURATIONS.len(),
                prop_oneof![Just(0u32), Just(5), Just(15), Just(30)],
            ),
            (
                prop_oneof![3 => Just(0u32), 2 => Just(30), 2 => Just(120), 1 => Just(1440)],
                prop_oneof![Just(None), Just(Some(1u32)), Just(Some(2)), Just(Some(3))],
                1usize..=60,
                prop::option::weighted(0.25, 0i64..1440),
            ),
        )
            .prop_map(
                move |(
                    weekly,
                    exceptions,
                    now_offset,
                    horizon_len,
                    bookings,
                    busy,
                    time_off,
                    parties,
                    (step, duration, buffer),
                    (notice, cap, limit, not_before),
                )| {
                    let now = base + TimeDelta::minutes(now_offset);
                    let first_day = base.with_timezone(&tz).date_naive();
                    SearchRequest {
                        now,
                        duration_minutes: DURATIONS[duration],
                        horizon_end: now + TimeDelta::minutes(horizon_len),
                        not_before: not_before.map(|m| now + TimeDelta::minutes(m)),
                        limit,
                        rules: Rules {
                            buffer_minutes: buffer,
                            notice_minutes: notice,
                            max_sessions_per_day: cap,
                            step_minutes: STEPS[step],
                        },
                        mediator: MediatorCalendar {
                            tz,
                            weekly: WeeklyHours { days: weekly },
                            exceptions: exceptions
                                .into_iter()
                                .map(|(d, ranges)| DateException {
                                    date: first_day + chrono::Days::new(d as u64),
                                    ranges,
                                })
                                .collect(),
                            time_off,
                            bookings,
                            busy,
                        },
                        parties: parties
                            .into_iter()
                            .map(|(z, windows)| PartyAvailability {
                                tz: ZONES[z],
                                windows,
                            })
                            .collect(),
                    }
                },
            )
    })
}

/// The working ranges of every local date around `[from, to]`, as real
/// intervals, by the documented rule (earliest start, latest end).
fn oracle_working(req: &SearchRequest, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Interval> {
    let tz = req.mediator.tz;
    let mut day = from.with_timezone(&tz).date_naive() - chrono::Days::new(1);
    let last = to.with_timezone(&tz).date_naive() + chrono::Days::new(1);
    let mut out = Vec::new();
    while day <= last {
        let ranges = match req.mediator.exceptions.iter().find(|e| e.date == day) {
            Some(e) => e.ranges.clone(),
            None => req.mediator.weekly.on(day.weekday()).to_vec(),
        };
        for r in ranges {
            let start = resolve_local(tz, day.and_time(r.start)).unwrap().earliest();
            let end_local = if r.end == NaiveTime::MIN {
                (day + chrono::Days::new(1)).and_time(NaiveTime::MIN)
            } else {
                day.and_time(r.end)
            };
            let end = resolve_local(tz, end_local).unwrap().latest();
            out.push(Interval::new(start, end));
        }
        day = day + chrono::Days::new(1);
    }
    out
}

/// Whether a session may start at `t`, checked minute by minute.
fn oracle_ok(req: &SearchRequest, working: &[Interval], t: DateTime<Utc>) -> bool {
    let tz = req.mediator.tz;
    let duration = TimeDelta::minutes(i64::from(req.duration_minutes));
    let buffer = TimeDelta::minutes(i64::from(req.rules.buffer_minutes));
    let earliest = req.now + TimeDelta::minutes(i64::from(req.rules.notice_minutes));
    if t < earliest || req.not_before.is_some_and(|nb| t < nb) || t + duration > req.horizon_end {
        return false;
    }
    let wall = t.with_timezone(&tz);
    if !wall
        .time()
        .num_seconds_from_midnight()
        .is_multiple_of(req.rules.step_minutes * 60)
    {
        return false;
    }
    if let Some(max) = req.rules.max_sessions_per_day {
        let same_day = req
            .mediator
            .bookings
            .iter()
            .filter(|b| b.start.with_timezone(&tz).date_naive() == wall.date_naive())
            .count();
        if same_day >= max as usize {
            return false;
        }
    }
    let mut m = t;
    while m < t + duration {
        let ok = working.iter().any(|w| w.contains(m))
            && !req.mediator.time_off.iter().any(|i| i.contains(m))
            && !req.mediator.busy.iter().any(|i| i.contains(m))
            && !req
                .mediator
                .bookings
                .iter()
                .any(|b| b.start - buffer <= m && m < b.end + buffer)
            && req
                .parties
                .iter()
                .all(|p| p.windows.iter().any(|w| w.contains(m)));
        if !ok {
            return false;
        }
        m += TimeDelta::minutes(1);
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// find_slots returns exactly the valid starts, found by trying every minute.
    #[test]
    fn prop_matches_a_brute_force_oracle(req in arb_request(4, 8)) {
        let got = find_slots(&req).unwrap();
        let working = oracle_working(&req, req.now, req.horizon_end);
        let mut expected = Vec::new();
        let mut t = req.now;
        while t <= req.horizon_end && expected.len() < req.limit {
            if oracle_ok(&req, &working, t) {
                expected.push(t);
            }
            t += TimeDelta::minutes(1);
        }
        prop_assert_eq!(starts(&got), expected);
    }

    /// Every returned slot obeys every rule, over longer searches.
    #[test]
    fn prop_slots_obey_the_rules(req in arb_request(30, 60)) {
        let slots = find_slots(&req).unwrap();
        let tz = req.mediator.tz;
        let duration = TimeDelta::minutes(i64::from(req.duration_minutes));
        let buffer = TimeDelta::minutes(i64::from(req.rules.buffer_minutes));
        prop_assert!(slots.len() <= req.limit);
        prop_assert!(slots.windows(2).all(|w| w[0].start < w[1].start));
        let working = oracle_working(&req, req.now, req.horizon_end);
        for slot in &slots {
            prop_assert_eq!(slot.end - slot.start, duration);
            prop_assert!(slot.start >= req.now + TimeDelta::minutes(i64::from(req.rules.notice_minutes)));
            prop_assert!(slot.end <= req.horizon_end);
            let wall = slot.start.with_timezone(&tz).time();
            prop_assert_eq!(wall.num_seconds_from_midnight() % (req.rules.step_minutes * 60), 0);
            prop_assert_eq!(wall.nanosecond(), 0);
            for party in &req.parties {
                prop_assert!(covered(&party.windows, slot.start, slot.end));
            }
            prop_assert!(covered(&working, slot.start, slot.end));
            for b in &req.mediator.bookings {
                prop_assert!(slot.end <= b.start - buffer || slot.start >= b.end + buffer);
            }
            for i in req.mediator.busy.iter().chain(&req.mediator.time_off) {
                prop_assert!(slot.end <= i.start || slot.start >= i.end);
            }
            if let Some(max) = req.rules.max_sessions_per_day {
                let day = slot.start.with_timezone(&tz).date_naive();
                let n = req.mediator.bookings.iter()
                    .filter(|b| b.start.with_timezone(&tz).date_naive() == day).count();
                prop_assert!(n < max as usize);
            }
        }
    }

    /// Windows that validate_windows accepts are in the future and disjoint.
    #[test]
    fn prop_validate_windows(windows in intervals(utc("2027-01-01T00:00:00Z"), 20 * 1440, 0..=8, 5..=600),
                             now_min in 0i64..20 * 1440) {
        let now = utc("2027-01-01T00:00:00Z") + TimeDelta::minutes(now_min);
        let ok = validate_windows(&windows, now).is_ok();
        let mut sorted = windows.clone();
        sorted.sort();
        let disjoint = sorted.windows(2).all(|w| w[0].end <= w[1].start);
        let future = windows.iter().all(|w| w.end > now);
        prop_assert_eq!(ok, disjoint && future);
    }
}

/// The generated requests are not trivial: most of them have slots, and
/// some have slots next to a daylight-saving change of the mediator's
/// zone, so the properties above say something about those.
#[test]
fn property_inputs_are_not_trivial() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = arb_request(4, 8);
    let (mut with_slots, mut near_change, mut with_parties) = (0, 0, 0);
    for _ in 0..300 {
        let req = strategy.new_tree(&mut runner).unwrap().current();
        let tz = req.mediator.tz;
        let slots = find_slots(&req).unwrap();
        if slots.is_empty() {
            continue;
        }
        with_slots += 1;
        if !req.parties.is_empty() {
            with_parties += 1;
        }
        let hours = TimeDelta::hours(4);
        if slots
            .iter()
            .any(|s| offset_secs(tz, s.start - hours) != offset_secs(tz, s.end + hours))
        {
            near_change += 1;
        }
    }
    assert!(with_slots >= 130, "{with_slots} of 300 have slots");
    assert!(
        with_parties >= 60,
        "{with_parties} of 300 have slots and parties"
    );
    assert!(
        near_change >= 15,
        "{near_change} of 300 have slots near a change"
    );
}

/// Whether the union of `intervals` covers `[start, end)`.
fn covered(intervals: &[Interval], start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    let mut sorted = intervals.to_vec();
    sorted.sort();
    let mut reach = start;
    for i in sorted {
        if i.start <= reach && i.end > reach {
            reach = i.end;
        }
        if reach >= end {
            return true;
        }
    }
    reach >= end
}
