//! `/sessions/:id/quality`: how each person's connection was during a
//! session, for staff reviewing it afterwards (org admins, case managers and
//! the session's mediator; the API decides). Per person: the summary in
//! plain words, three small charts over the session's time (delay, jitter,
//! lost data, each with its limit as a dashed line) and the same figures in
//! a table. Numbers only: the API keeps no sound, picture or chat for this.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;
use portal_kit::video::VideoRole;

use crate::StaffPage;
use crate::charts::{TimeChart, TimeStyle};
use crate::operations::clock;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/call_quality.graphql",
    extern_enums("VideoRole"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SessionCallQuality;

type History = session_call_quality::SessionCallQualitySessionCallQuality;
type Person = session_call_quality::SessionCallQualitySessionCallQualityPeople;
type Limits = session_call_quality::SessionCallQualitySessionCallQualityThresholds;

/// Chart colours (each chart is also described in words and a table).
const DELAY_COLOUR: &str = "#1d4f91";
const JITTER_COLOUR: &str = "#6b4c9a";
const LOSS_COLOUR: &str = "#7a4f00";

#[component]
pub fn QualityPage() -> impl IntoView {
    view! {
        <StaffPage let:_viewer>
            <QualityBody />
        </StaffPage>
    }
}

#[component]
fn QualityBody() -> impl IntoView {
    let api = use_api();
    let params = use_params_map();
    let session_id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let loaded = LocalResource::new(move || {
        let session_id = session_id.clone();
        async move {
            api.run::<SessionCallQuality>(session_call_quality::Variables { session_id })
                .await
        }
    });
    view! {
        <PageTitle id="page-title" text=tr!("quality-title") />
        <p class="lead">{tr!("quality-intro")}</p>
        {move || match loaded.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorAlert error=error id="quality-error" /> }.into_any(),
            Some(Ok(data)) => view! { <HistoryView history=data.session_call_quality /> }.into_any(),
        }}
    }
}

/// Milliseconds since the epoch of an RFC 3339 instant.
fn millis(rfc3339: &str) -> Option<f64> {
    intl::parse_date(rfc3339).map(|d| d.get_time())
}

/// A figure in the reader's language, rounded to `decimals`.
fn figure(value: f64, decimals: i32, locale: shared_types::Locale) -> String {
    let factor = 10_f64.powi(decimals);
    let rounded = (value * factor).round() / factor;
    intl::format_number(rounded, locale).unwrap_or_else(|| rounded.to_string())
}

/// A share (0 to 1) as a whole percentage, at least 1 when anything counted.
fn percent(share: f64, any: bool) -> i64 {
    let p = (share * 100.0).round() as i64;
    if any { p.max(1) } else { p }
}

/// The session's time line: where an instant falls, from 0 to 1.
#[derive(Debug, Clone, Copy)]
struct Timeline {
    start: f64,
    span: f64,
    /// One bucket, as a share of the span.
    bucket: f64,
}

impl Timeline {
    fn of(history: &History) -> Option<Self> {
        let start = millis(history.first_measured_at.as_deref()?)?;
        let end = millis(history.last_measured_at.as_deref()?)?;
        let bucket_ms = history.bucket_seconds.max(1) as f64 * 1000.0;
        let span = (end - start).max(bucket_ms);
        Some(Self {
            start,
            span,
            bucket: bucket_ms / span,
        })
    }

    fn x(&self, rfc3339: &str) -> f64 {
        millis(rfc3339).map_or(0.0, |t| ((t - self.start) / self.span).clamp(0.0, 1.0))
    }
}

#[component]
fn HistoryView(history: History) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let scheduled = intl::format_timestamp(&history.scheduled_for, locale, None);
    let minutes = (history.bucket_seconds / 60).max(1);
    let limits = history.thresholds.clone();
    let case_href = format!("/cases/{}", history.case_id);
    let measured = match (&history.first_measured_at, &history.last_measured_at) {
        (Some(first), Some(last)) => {
            Some((clock(first, locale, "short"), clock(last, locale, "short")))
        }
        _ => None,
    };
    let timeline = Timeline::of(&history);
    let people = match timeline {
        None => view! { <p class="empty" id="quality-none">{tr!("quality-none")}</p> }.into_any(),
        Some(timeline) => {
            let (start, end) = measured.clone().unwrap_or_default();
            history
                .people
                .into_iter()
                .map(|person| {
                    view! {
                        <PersonView
                            person=person
                            limits=limits.clone()
                            timeline=timeline
                            start=start.clone()
                            end=end.clone()
                        />
                    }
                })
                .collect_view()
                .into_any()
        }
    };
    let (rtt, jitter, loss) = (
        limits.round_trip_ms,
        figure(limits.jitter_ms, 0, locale),
        figure(limits.packet_loss_percent, 1, locale),
    );
    view! {
        <p>
            <a id="quality-case-link" href=case_href>{tr!("quality-back-to-case")}</a>
        </p>
        <dl class="ops-facts" id="quality-facts">
            <div>
                <dt>{tr!("quality-scheduled")}</dt>
                <dd>{scheduled}</dd>
            </div>
            {measured
                .map(|(start, end)| {
                    view! {
                        <div>
                            <dt>{tr!("quality-measured")}</dt>
                            <dd>{tr!("quality-measured-between", start = start, end = end)}</dd>
                        </div>
                    }
                })}
        </dl>
        <details class="quality-explain" id="quality-explain">
            <summary>{tr!("quality-explain-title")}</summary>
            <ul>
                <li>{tr!("quality-explain-delay", ms = rtt)}</li>
                <li>{tr!("quality-explain-jitter", ms = jitter)}</li>
                <li>{tr!("quality-explain-loss", percent = loss)}</li>
                <li>{tr!("quality-bucket", minutes = minutes)}</li>
            </ul>
        </details>
        {people}
    }
}

/// The summary of one person, in sentences.
fn sentences(person: &Person, limits: &Limits, locale: shared_types::Locale) -> Vec<String> {
    let s = &person.summary;
    let count = s.samples;
    let mut out = Vec::new();
    if let (Some(first), Some(last)) = (&s.first_measured_at, &s.last_measured_at) {
        let (start, end) = (clock(first, locale, "short"), clock(last, locale, "short"));
        out.push(tr!(
            "quality-person-measured",
            count = count,
            start = start,
            end = end
        )());
    }
    let rooms = s
        .rooms
        .iter()
        .map(|r| match (&r.caucus_id, &r.name) {
            (_, Some(name)) => name.clone(),
            (None, None) => tr!("quality-main-room")(),
            (Some(_), None) => tr!("quality-caucus-room")(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if !rooms.is_empty() {
        out.push(tr!("quality-person-rooms", rooms = rooms)());
    }
    let delay_limit = limits.round_trip_ms;
    let delay_worst = s.worst_round_trip_ms.unwrap_or_default();
    out.push(if s.round_trip_over == 0 {
        tr!("quality-delay-ok", limit = delay_limit, worst = delay_worst)()
    } else {
        let (over, pc) = (
            s.round_trip_over,
            percent(s.round_trip_over_share, s.round_trip_over > 0),
        );
        tr!(
            "quality-delay-over",
            limit = delay_limit,
            over = over,
            count = count,
            percent = pc,
            worst = delay_worst
        )()
    });
    let jitter_limit = figure(limits.jitter_ms, 0, locale);
    let jitter_worst = figure(s.worst_jitter_ms.unwrap_or_default(), 0, locale);
    out.push(if s.jitter_over == 0 {
        tr!(
            "quality-jitter-ok",
            limit = jitter_limit,
            worst = jitter_worst
        )()
    } else {
        let (over, pc) = (s.jitter_over, percent(s.jitter_over_share, true));
        tr!(
            "quality-jitter-over",
            limit = jitter_limit,
            over = over,
            count = count,
            percent = pc,
            worst = jitter_worst
        )()
    });
    let loss_limit = figure(limits.packet_loss_percent, 1, locale);
    let loss_worst = figure(s.worst_packet_loss_percent.unwrap_or_default(), 1, locale);
    out.push(if s.packet_loss_over == 0 {
        tr!("quality-loss-ok", limit = loss_limit, worst = loss_worst)()
    } else {
        let (over, pc) = (s.packet_loss_over, percent(s.packet_loss_over_share, true));
        tr!(
            "quality-loss-over",
            limit = loss_limit,
            over = over,
            count = count,
            percent = pc,
            worst = loss_worst
        )()
    });
    out
}

#[component]
fn PersonView(
    person: Person,
    limits: Limits,
    timeline: Timeline,
    start: String,
    end: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let id = person.participant_id.clone();
    let heading = format!("quality-person-{id}-title");
    let labelled_by = heading.clone();
    let name = person.name.clone();
    let role = person.role.label();
    let s = &person.summary;
    let body = if s.samples == 0 {
        view! { <p class="empty">{tr!("quality-person-none")}</p> }.into_any()
    } else {
        let problems = s.round_trip_over + s.jitter_over + s.packet_loss_over > 0;
        let (class, verdict) = if problems {
            ("ops-level ops-poor", tr!("quality-person-problems")())
        } else {
            ("ops-level ops-good", tr!("quality-person-good")())
        };
        let said = sentences(&person, &limits, locale);
        let series = |value: fn(
            &session_call_quality::SessionCallQualitySessionCallQualityPeoplePoints,
        ) -> f64| {
            person
                .points
                .iter()
                .map(|p| (timeline.x(&p.at), value(p)))
                .collect::<Vec<_>>()
        };
        let delay = series(|p| p.round_trip_ms as f64);
        let jitter = series(|p| p.jitter_ms);
        let loss = series(|p| p.packet_loss_percent);
        let top = |values: &[(f64, f64)]| values.iter().map(|(_, v)| *v).fold(0.0, f64::max);
        let points = person.points.len();
        let chart_summary = |chart: String, max: String, limit: String, unit: &str| {
            let name = name.clone();
            tr!(
                "quality-chart-summary",
                chart = chart,
                name = name,
                points = points,
                max = max,
                limit = limit,
                unit = unit
            )()
        };
        let delay_limit = limits.round_trip_ms.to_string();
        let jitter_limit = figure(limits.jitter_ms, 0, locale);
        let loss_limit = figure(limits.packet_loss_percent, 1, locale);
        let charts = vec![
            (
                tr!("quality-chart-delay")(),
                delay.clone(),
                limits.round_trip_ms as f64,
                DELAY_COLOUR,
                TimeStyle::Line,
                figure(top(&delay), 0, locale),
                delay_limit,
                "ms",
            ),
            (
                tr!("quality-chart-jitter")(),
                jitter.clone(),
                limits.jitter_ms,
                JITTER_COLOUR,
                TimeStyle::Line,
                figure(top(&jitter), 0, locale),
                jitter_limit,
                "ms",
            ),
            (
                tr!("quality-chart-loss")(),
                loss.clone(),
                limits.packet_loss_percent,
                LOSS_COLOUR,
                TimeStyle::Bars,
                figure(top(&loss), 1, locale),
                loss_limit,
                "%",
            ),
        ];
        let charts = charts
            .into_iter()
            .map(
                |(title, values, limit, colour, style, max, limit_text, unit)| {
                    let summary = chart_summary(title.clone(), max, limit_text.clone(), unit);
                    let limit_label = tr!("quality-limit", limit = limit_text, unit = unit)();
                    view! {
                        <div class="quality-chart">
                            <h3>{title}</h3>
                            <TimeChart
                                points=values
                                limit=limit
                                colour=colour
                                style=style
                                max_gap=timeline.bucket * 1.5
                                summary=summary
                                start_label=start.clone()
                                end_label=end.clone()
                                limit_label=limit_label
                            />
                        </div>
                    }
                },
            )
            .collect_view();
        view! {
            <p class="quality-verdict"><span class=class>{verdict}</span></p>
            <ul class="quality-summary" id=format!("quality-summary-{id}")>
                {said.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
            <div class="quality-charts" id=format!("quality-charts-{id}")>{charts}</div>
            <PointsTable person=person.clone() limits=limits.clone() />
        }
        .into_any()
    };
    view! {
        <section class="card quality-person" id=format!("quality-person-{id}") aria-labelledby=labelled_by>
            <h2 id=heading class="card-title">
                {person.name.clone()}
                " "
                <span class="hint">"(" {move || role.get()} ")"</span>
            </h2>
            {body}
        </section>
    }
}

/// The charts' figures, point by point (for screen readers and anyone who
/// prefers numbers), folded away.
#[component]
fn PointsTable(person: Person, limits: Limits) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.locale_untracked();
    let table_id = format!("quality-table-{}", person.participant_id);
    let caption_id = format!("{table_id}-caption");
    let labelled_by = caption_id.clone();
    let name = person.name.clone();
    let over = move || format!(" ({})", tr!("quality-above-limit")());
    let rows = person
        .points
        .iter()
        .map(|p| {
            let delay_over = p.round_trip_ms > limits.round_trip_ms;
            let jitter_over = p.jitter_ms > limits.jitter_ms;
            let loss_over = p.packet_loss_percent > limits.packet_loss_percent;
            view! {
                <tr>
                    <th scope="row">{clock(&p.at, locale, "short")}</th>
                    <td>{p.samples}</td>
                    <td class=if delay_over { "ops-poor" } else { "" }>
                        {p.round_trip_ms}
                        {delay_over.then(over)}
                    </td>
                    <td class=if jitter_over { "ops-poor" } else { "" }>
                        {figure(p.jitter_ms, 1, locale)}
                        {jitter_over.then(over)}
                    </td>
                    <td class=if loss_over { "ops-poor" } else { "" }>
                        {figure(p.packet_loss_percent, 1, locale)}
                        {loss_over.then(over)}
                    </td>
                    <td>{figure(p.bitrate_kbps, 0, locale)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="quality-table">
            <summary>{tr!("quality-table-show")}</summary>
            <div class="table-scroll" role="region" aria-labelledby=labelled_by tabindex="0">
                <table id=table_id class="data-table">
                    <caption id=caption_id>{tr!("quality-table-caption", name = name)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{tr!("quality-column-time")}</th>
                            <th scope="col">{tr!("quality-column-samples")}</th>
                            <th scope="col">{tr!("quality-column-delay")}</th>
                            <th scope="col">{tr!("quality-column-jitter")}</th>
                            <th scope="col">{tr!("quality-column-loss")}</th>
                            <th scope="col">{tr!("quality-column-speed")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}
