//! Small charts for the dashboards (`/outcomes`, `/operations`): SVG bars
//! with a legend in words, and horizontal meters. Colour is never the only
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
