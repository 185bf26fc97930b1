//! Small charts for the dashboards (`/outcomes`, `/operations`,
//! `/sessions/:id/quality`): SVG bars with a legend in words, horizontal
//! meters, and a time chart (a line or bars) with a dashed limit line. Colour is never the only
//! cue: every chart has a text summary (`aria-label`), a legend, and the
//! pages show the same figures in words or a table.

use leptos::prelude::*;

/// One segment of a bar: its value and colour.
pub type Segment = (f64, &'static str);

/// Vertical bars, each a stack of segments from the bottom, scaled to the
/// tallest bar.
#[component]
pub fn StackedBars(
    /// Each bar's segments, bottom first.
    bars: Vec<Vec<Segment>>,
    /// What the chart shows, in words (the image's accessible name).
    summary: String,
    /// The legend: a label per colour.
    legend: Vec<(String, &'static str)>,
    #[prop(default = 640.0)] width: f64,
    #[prop(default = 220.0)] height: f64,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let gap = 8.0_f64;
    let max = bars
        .iter()
        .map(|bar| bar.iter().map(|(v, _)| *v).sum::<f64>())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let count = bars.len().max(1);
    let bar_width = (width - gap * (count as f64 + 1.0)) / count as f64;
    let rects = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let x = gap + i as f64 * (bar_width + gap);
            let mut y = height;
            bar.into_iter()
                .filter(|(v, _)| *v > 0.0)
                .map(|(v, colour)| {
                    let h = v / max * (height - 10.0);
                    y -= h;
                    view! { <rect x=x y=y width=bar_width height=h fill=colour /> }
                })
                .collect_view()
        })
        .collect_view();
    let class = match class {
        Some(extra) => format!("bar-chart {extra}"),
        None => "bar-chart".to_owned(),
    };
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary class=class>
                <line x1="0" y1=height x2=width y2=height stroke="#4b5563" />
                {rects}
            </svg>
            <figcaption>
                <Legend items=legend />
            </figcaption>
        </figure>
    }
}

/// A legend: a colour key and a label each.
#[component]
pub fn Legend(items: Vec<(String, &'static str)>) -> impl IntoView {
    view! {
        <ul class="legend">
            {items
                .into_iter()
                .map(|(label, colour)| {
                    view! {
                        <li>
                            <span class="swatch-key" style=format!("background: {colour}")></span>
                            {label}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// One bar of a [`Meters`] row.
#[derive(Debug, Clone, PartialEq)]
pub struct Meter {
    /// 0 to 100.
    pub percent: f64,
    pub colour: &'static str,
    /// The figure in words, shown beside the bar.
    pub text: String,
}

/// Horizontal bars: a label, then one or more bars with their figures.
/// The bars are decorative (`aria-hidden`); the figures are text.
#[component]
pub fn Meters(
    rows: Vec<(String, Vec<Meter>)>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    view! {
        <ul class="meters plain-list" id=id>
            {rows
                .into_iter()
                .map(|(label, meters)| {
                    view! {
                        <li>
                            <span class="meter-label">{label}</span>
                            <span class="meter-group">
                                {meters
                                    .iter()
                                    .map(|m| {
                                        view! {
                                            <span class="meter" aria-hidden="true">
                                                <span
                                                    class="meter-fill"
                                                    style=format!(
                                                        "width: {:.1}%; background: {}",
                                                        m.percent.clamp(0.0, 100.0),
                                                        m.colour,
                                                    )
                                                ></span>
                                            </span>
                                        }
                                    })
                                    .collect_view()}
                            </span>
                            <span class="meter-value">
                                {meters
                                    .into_iter()
                                    .map(|m| view! { <span class="meter-text">{m.text}</span> })
                                    .collect_view()}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// How a [`TimeChart`] draws its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    /// A line through the points (broken where points are missing), each
    /// point marked.
    Line,
    /// A bar per point.
    Bars,
}

/// The pieces of a polyline: `points` (x from 0 to 1, in order) split where
/// two neighbours are more than `max_gap` apart, so a time nobody measured
/// is not drawn as if it had been.
fn line_segments(points: &[(f64, f64)], max_gap: f64) -> Vec<Vec<(f64, f64)>> {
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    for &point in points {
        match segments.last_mut() {
            Some(last) if last.last().is_some_and(|(x, _)| point.0 - x <= max_gap) => {
                last.push(point)
            }
            _ => segments.push(vec![point]),
        }
    }
    segments
}

/// The top of a chart's scale: a little above its largest value or its
/// limit, whichever is higher, so the limit line always shows.
fn scale_top(values: impl IntoIterator<Item = f64>, limit: f64) -> f64 {
    let top = values.into_iter().fold(limit, f64::max);
    if top > 0.0 { top * 1.15 } else { 1.0 }
}

/// Values over time: x from 0 (the start) to 1 (the end), with a dashed
/// horizontal line at `limit`. The image is named by `summary`; the page
/// shows the same figures in words and in a table.
#[component]
pub fn TimeChart(
    /// (x from 0 to 1, value), in order of x.
    points: Vec<(f64, f64)>,
    limit: f64,
    colour: &'static str,
    style: TimeStyle,
    /// Neighbours further apart than this are not joined by the line.
    max_gap: f64,
    /// What the chart shows, in words (the image's accessible name).
    summary: String,
    /// Under the axis: the start and the end, in words.
    start_label: String,
    end_label: String,
    /// The limit line's label (beside it) and the unit of the scale.
    limit_label: String,
    #[prop(default = 320.0)] width: f64,
    #[prop(default = 140.0)] height: f64,
) -> impl IntoView {
    const LEFT: f64 = 4.0;
    const BOTTOM: f64 = 18.0;
    const TOP: f64 = 6.0;
    let plot_w = width - LEFT * 2.0;
    let plot_h = height - BOTTOM - TOP;
    let top = scale_top(points.iter().map(|(_, v)| *v), limit);
    let x_of = |x: f64| LEFT + x.clamp(0.0, 1.0) * plot_w;
    let y_of = |v: f64| TOP + plot_h - (v.max(0.0) / top).min(1.0) * plot_h;
    let limit_y = y_of(limit);
    let marks = match style {
        TimeStyle::Line => {
            let lines = line_segments(&points, max_gap)
                .into_iter()
                .map(|segment| {
                    let path = segment
                        .iter()
                        .map(|(x, v)| format!("{:.1},{:.1}", x_of(*x), y_of(*v)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    view! { <polyline points=path fill="none" stroke=colour stroke-width="2" /> }
                })
                .collect_view();
            let dots = points
                .iter()
                .map(|(x, v)| view! { <circle cx=x_of(*x) cy=y_of(*v) r="2.5" fill=colour /> })
                .collect_view();
            view! { {lines} {dots} }.into_any()
        }
        TimeStyle::Bars => {
            // As wide as the gap between points allows, at least a sliver.
            let bar_w = (max_gap * plot_w * 0.6).clamp(1.5, 12.0);
            points
                .iter()
                .filter(|(_, v)| *v > 0.0)
                .map(|(x, v)| {
                    let y = y_of(*v);
                    view! {
                        <rect
                            x={x_of(*x) - bar_w / 2.0}
                            y=y
                            width=bar_w
                            height={(TOP + plot_h - y).max(0.5)}
                            fill=colour
                        />
                    }
                })
                .collect_view()
                .into_any()
        }
    };
    let base = TOP + plot_h;
    view! {
        <figure class="chart time-chart">
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary class="bar-chart">
                <line x1=LEFT y1=base x2={width - LEFT} y2=base stroke="#4b5563" />
                <line
                    x1=LEFT
                    y1=limit_y
                    x2={width - LEFT}
                    y2=limit_y
                    stroke="#b42318"
                    stroke-width="1.5"
                    stroke-dasharray="6 4"
                />
                <text x={width - LEFT} y={(limit_y - 3.0).max(10.0)} text-anchor="end" class="chart-label limit-label">
                    {limit_label}
                </text>
                {marks}
                <text x=LEFT y={height - 4.0} class="chart-label">{start_label}</text>
                <text x={width - LEFT} y={height - 4.0} text-anchor="end" class="chart-label">{end_label}</text>
            </svg>
        </figure>
    }
}
