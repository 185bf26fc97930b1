//! Locale-aware formatting through the browser's `Intl` (dates, times in a given
//! IANA time zone, numbers, money). Each helper formats for the given [`Locale`];
//! pass `use_i18n().locale()` inside a reactive closure so text follows the
//! language switcher.
//!
//! `Intl` throws on bad input (an unknown time zone or currency, an invalid date);
//! the constructors and calls here catch that and return `None`.

use js_sys::Intl::{DateTimeFormat, NumberFormat};
use js_sys::{Array, Date, Function, Object, Reflect};
use shared_types::Locale;
use wasm_bindgen::{JsCast, JsValue};

/// `Intl.DateTimeFormat` options.
#[derive(Debug, Clone, Copy, Default)]
pub struct DateOptions<'a> {
    /// `full`, `long`, `medium` or `short`.
    pub date_style: Option<&'a str>,
    /// `full`, `long`, `medium` or `short`.
    pub time_style: Option<&'a str>,
    /// IANA time zone, for example `America/Chicago`; the browser's when `None`.
    pub time_zone: Option<&'a str>,
}

/// A date such as "12 March 2025" / "12 de marzo de 2025", from an RFC 3339 string.
pub fn format_date(rfc3339: &str, locale: Locale) -> Option<String> {
    let date = parse_date(rfc3339)?;
    format_date_time(
        &date,
        locale,
        DateOptions {
            date_style: Some("long"),
            ..DateOptions::default()
        },
    )
}

/// A calendar date (`YYYY-MM-DD`, no time or zone) in the reader's words; it
/// is read as midnight UTC and shown in UTC, so it is the same day everywhere.
pub fn format_calendar_date(ymd: &str, locale: Locale) -> Option<String> {
    let date = parse_date(&format!("{ymd}T00:00:00Z"))?;
    format_date_time(
        &date,
        locale,
        DateOptions {
            date_style: Some("long"),
            time_zone: Some("UTC"),
            ..DateOptions::default()
        },
    )
}

/// A time with weekday and zone name, as a clock in `time_zone` shows it now or at `date`.
pub fn format_time_in_zone(date: &Date, time_zone: &str, locale: Locale) -> Option<String> {
    let options = object(&[
        ("weekday", "long".into()),
        ("hour", "numeric".into()),
        ("minute", "2-digit".into()),
        ("timeZone", time_zone.into()),
        ("timeZoneName", "short".into()),
    ])?;
    let formatter = date_time_format(locale, &options)?;
    call_format(&formatter.format(), date)
}

/// RFC 3339 (UTC) for milliseconds since the epoch, as the API takes times.
pub fn iso_of_millis(ms: f64) -> String {
    let date = Date::new_0();
    date.set_time(ms);
    date.to_iso_string().into()
}

/// The day of an instant in `time_zone`: "Wednesday, 2 December 2026".
pub fn format_day_in_zone(rfc3339: &str, time_zone: &str, locale: Locale) -> Option<String> {
    let date = parse_date(rfc3339)?;
    format_date_time(
        &date,
        locale,
        DateOptions {
            date_style: Some("full"),
            time_style: None,
            time_zone: Some(time_zone),
        },
    )
}

/// The wall-clock time of an instant in `time_zone`, with the zone's short
/// name: "10:00 CST", "21:45 GMT+5:45".
pub fn format_clock_in_zone(rfc3339: &str, time_zone: &str, locale: Locale) -> Option<String> {
    let date = parse_date(rfc3339)?;
    let options = object(&[
        ("hour", "numeric".into()),
        ("minute", "2-digit".into()),
        ("timeZone", time_zone.into()),
        ("timeZoneName", "short".into()),
    ])?;
    let formatter = date_time_format(locale, &options)?;
    call_format(&formatter.format(), &date)
}

/// A date and/or time with the given styles and zone.
pub fn format_date_time(date: &Date, locale: Locale, options: DateOptions<'_>) -> Option<String> {
    let mut fields: Vec<(&str, JsValue)> = Vec::new();
    if let Some(style) = options.date_style {
        fields.push(("dateStyle", style.into()));
    }
    if let Some(style) = options.time_style {
        fields.push(("timeStyle", style.into()));
    }
    if let Some(zone) = options.time_zone {
        fields.push(("timeZone", zone.into()));
    }
    let formatter = date_time_format(locale, &object(&fields)?)?;
    call_format(&formatter.format(), date)
}

/// A date and time such as "12 Mar 2025, 14:05" in `time_zone` (the browser's when
/// `None` or unknown); the raw string when it is not a date.
pub fn format_timestamp(rfc3339: &str, locale: Locale, time_zone: Option<&str>) -> String {
    let Some(date) = parse_date(rfc3339) else {
        return rfc3339.to_owned();
    };
    let options = |time_zone| DateOptions {
        date_style: Some("medium"),
        time_style: Some("short"),
        time_zone,
    };
    format_date_time(&date, locale, options(time_zone))
        .or_else(|| format_date_time(&date, locale, options(None)))
        .unwrap_or_else(|| rfc3339.to_owned())
}

/// The browser's IANA time zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`).
pub fn browser_time_zone() -> Option<String> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let formatter = Reflect::construct(&constructor, &Array::new()).ok()?;
    let resolved: Function = Reflect::get(&formatter, &"resolvedOptions".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = resolved.call0(&formatter).ok()?;
    Reflect::get(&options, &"timeZone".into())
        .ok()?
        .as_string()
        .filter(|zone| !zone.is_empty())
}

/// A plain number with the locale's grouping and decimal marks.
pub fn format_number(value: f64, locale: Locale) -> Option<String> {
    let formatter = number_format(locale, &Object::new())?;
    call_format(&formatter.format(), &JsValue::from_f64(value))
}

/// An amount of money given in minor units (cents), for example
/// `format_money(123_456, "USD", Locale::Es)` → "1234,56 US$".
pub fn format_money(minor_units: i64, currency: &str, locale: Locale) -> Option<String> {
    let options = object(&[("style", "currency".into()), ("currency", currency.into())])?;
    let formatter = number_format(locale, &options)?;
    let digits = Reflect::get(
        &formatter.resolved_options(),
        &"maximumFractionDigits".into(),
    )
    .ok()
    .and_then(|v| v.as_f64())
    .unwrap_or(2.0);
    // Minor units are exact integers well inside f64's 2^53.
    let amount = minor_units as f64 / 10f64.powf(digits);
    call_format(&formatter.format(), &JsValue::from_f64(amount))
}

/// Parses an RFC 3339 / ISO 8601 timestamp; `None` when it is not a valid date.
pub fn parse_date(rfc3339: &str) -> Option<Date> {
    let date = Date::new(&JsValue::from_str(rfc3339));
    (!date.get_time().is_nan()).then_some(date)
}

fn locales(locale: Locale) -> Array {
    Array::of1(&JsValue::from_str(locale.tag()))
}

fn object(fields: &[(&str, JsValue)]) -> Option<Object> {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &JsValue::from_str(name), value).ok()?;
    }
    Some(object)
}

/// `new Intl[name](locales, options)`, catching the `RangeError` of bad options.
fn construct(name: &str, locale: Locale, options: &Object) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &name.into()).ok()?.dyn_into().ok()?;
    let args = Array::of2(&locales(locale), options);
    Reflect::construct(&constructor, &args).ok()
}

fn date_time_format(locale: Locale, options: &Object) -> Option<DateTimeFormat> {
    construct("DateTimeFormat", locale, options).map(JsCast::unchecked_into)
}

fn number_format(locale: Locale, options: &Object) -> Option<NumberFormat> {
    construct("NumberFormat", locale, options).map(JsCast::unchecked_into)
}

fn call_format(format: &Function, value: &JsValue) -> Option<String> {
    format.call1(&JsValue::UNDEFINED, value).ok()?.as_string()
}
