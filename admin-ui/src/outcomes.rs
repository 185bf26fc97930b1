//! `/outcomes`: how cases ended, by period, dispute type and mediator
//! (counts only, no content), as charts with the same figures in tables.

use std::collections::BTreeMap;

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::cases::{CaseStatus, dispute_type_label, status_label};
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;
use crate::charts::{Meter, Meters, Segment, StackedBars};

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/outcomes.graphql",
    extern_enums("CaseStatus"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct Outcomes;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/outcomes.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RosterNames;

type Count = outcomes::OutcomesOutcomeStatistics;

/// The outcomes in the order charts stack them, each with its colour (the
/// legend and tables name them too, so colour is never the only cue).
const OUTCOMES: [(CaseStatus, &str); 4] = [
    (CaseStatus::Settled, "#1d6b3a"),
    (CaseStatus::PartiallySettled, "#5b8f29"),
    (CaseStatus::Impasse, "#9a3412"),
    (CaseStatus::Withdrawn, "#6b7280"),
];

#[component]
pub fn OutcomesPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::ComplianceOfficer) {
                view! { <Dashboard /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("outcomes-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

/// The first day of the month `months` months back, as RFC 3339.
fn months_ago(months: u32) -> String {
    let date = js_sys::Date::new_0();
    let index = (date.get_utc_full_year() * 12 + date.get_utc_month()).saturating_sub(months);
    date.set_utc_date(1);
    date.set_utc_full_year(index / 12);
    date.set_utc_month(index % 12);
    date.set_utc_hours(0);
    date.set_utc_minutes(0);
    String::from(date.to_iso_string())
}

#[component]
fn Dashboard() -> impl IntoView {
    let api = use_api();
    let period = RwSignal::new("MONTH".to_owned());
    let span = RwSignal::new("12".to_owned());
    let loaded = LocalResource::new(move || {
        let chosen = period.get();
        let months: u32 = span.get().parse().unwrap_or(12);
        async move {
            let period = match chosen.as_str() {
                "WEEK" => outcomes::Period::WEEK,
                "QUARTER" => outcomes::Period::QUARTER,
                "YEAR" => outcomes::Period::YEAR,
                _ => outcomes::Period::MONTH,
            };
            let variables = outcomes::Variables {
                period,
                from: months_ago(months),
                to: String::from(js_sys::Date::new_0().to_iso_string()),
            };
            api.run::<Outcomes>(variables).await
        }
    });
    let names = LocalResource::new(move || async move {
        api.run::<RosterNames>(roster_names::Variables)
            .await
            .map(|data| {
                data.mediator_roster
                    .into_iter()
                    .map(|m| (m.user_id, m.name))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default()
    });
    let periods = Signal::derive(|| {
        vec![
            ("WEEK".to_owned(), tr!("outcomes-by-week")()),
            ("MONTH".to_owned(), tr!("outcomes-by-month")()),
            ("QUARTER".to_owned(), tr!("outcomes-by-quarter")()),
            ("YEAR".to_owned(), tr!("outcomes-by-year")()),
        ]
    });
    let spans = Signal::derive(|| {
        vec![
            ("3".to_owned(), tr!("outcomes-last-3")()),
            ("12".to_owned(), tr!("outcomes-last-12")()),
            ("36".to_owned(), tr!("outcomes-last-36")()),
        ]
    });
    view! {
        <PageTitle id="page-title" text=tr!("outcomes-title") />
        <p class="lead">{tr!("outcomes-intro")}</p>
        <div class="filters">
            <SelectField id="outcomes-period" label=tr!("outcomes-period") value=period options=periods />
            <SelectField id="outcomes-span" label=tr!("outcomes-span") value=span options=spans />
        </div>
        <Suspense fallback=move || view! { <Loading /> }>
            {move || {
                let names = names.get().unwrap_or_default();
                loaded
                    .get()
                    .map(|result| match result {
                        Err(error) => view! { <ErrorAlert error=error /> }.into_any(),
                        Ok(data) if data.outcome_statistics.is_empty() => {
                            view! { <p class="empty" id="outcomes-empty">{tr!("outcomes-empty")}</p> }.into_any()
                        }
                        Ok(data) => view! { <Figures counts=data.outcome_statistics names=names /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// Counts per outcome, in [`OUTCOMES`] order.
type Row = [i64; 4];

fn add(row: &mut Row, outcome: CaseStatus, count: i64) {
    if let Some(i) = OUTCOMES.iter().position(|(o, _)| *o == outcome) {
        row[i] += count;
    }
}

fn settled_share(row: &Row) -> Option<i64> {
    let total: i64 = row.iter().sum();
    (total > 0).then(|| (row[0] + row[1]) * 100 / total)
}

#[component]
fn Figures(counts: Vec<Count>, names: BTreeMap<String, String>) -> impl IntoView {
    let i18n = use_i18n();
    let mut by_period: BTreeMap<DateTime, Row> = BTreeMap::new();
    let mut by_type: BTreeMap<String, Row> = BTreeMap::new();
    let mut by_mediator: BTreeMap<String, Row> = BTreeMap::new();
    for c in &counts {
        add(
            by_period.entry(c.period_start.clone()).or_default(),
            c.outcome,
            c.count,
        );
        add(
            by_type.entry(c.dispute_type.clone()).or_default(),
            c.outcome,
            c.count,
        );
        let mediator = c
            .mediator_id
            .as_ref()
            .map(|id| {
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| tr!("outcomes-a-mediator")())
            })
            .unwrap_or_else(|| tr!("outcomes-no-mediator")());
        add(by_mediator.entry(mediator).or_default(), c.outcome, c.count);
    }
    let label_of = move |start: &str| {
        intl::format_date(start, i18n.locale()).unwrap_or_else(|| start.to_owned())
    };
    let total: i64 = by_period.values().flat_map(|r| r.iter()).sum();
    let bars = by_period.len().max(1);
    let chart: Vec<Vec<Segment>> = by_period
        .values()
        .map(|row| {
            OUTCOMES
                .iter()
                .zip(row.iter())
                .map(|((_, colour), n)| (*n as f64, *colour))
                .collect()
        })
        .collect();
    let summary = tr!(
        "outcomes-chart-summary",
        total = total,
        periods = bars as i64
    )();
    let columns = || {
        let mut c = vec![Signal::derive(tr!("outcomes-column-group"))];
        c.extend(OUTCOMES.iter().map(|(o, _)| {
            let o = *o;
            Signal::derive(move || status_label(o))
        }));
        c.push(Signal::derive(tr!("outcomes-column-settled-share")));
        c
    };
    let rows = |table: Vec<(String, Row)>| {
        table
            .into_iter()
            .map(|(name, row)| {
                let share = settled_share(&row).map_or_else(String::new, |p| format!("{p} %"));
                view! {
                    <tr>
                        <th scope="row">{name}</th>
                        {row.iter().map(|n| view! { <td>{*n}</td> }).collect_view()}
                        <td>{share}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let periods: Vec<(String, Row)> = by_period.iter().map(|(k, v)| (label_of(k), *v)).collect();
    let types: Vec<(String, Row)> = by_type
        .iter()
        .map(|(k, v)| (dispute_type_label(k), *v))
        .collect();
    let type_bars: Vec<(String, Vec<Meter>)> = types
        .iter()
        .map(|(name, row)| {
            let share = settled_share(row).unwrap_or(0);
            let meter = Meter {
                percent: share as f64,
                colour: "#1d6b3a",
                text: format!("{share} %"),
            };
            (name.clone(), vec![meter])
        })
        .collect();
    let legend: Vec<(String, &'static str)> = OUTCOMES
        .iter()
        .map(|(o, colour)| (status_label(*o), *colour))
        .collect();
    view! {
        <Card id="outcomes-over-time" title=tr!("outcomes-over-time")>
            <StackedBars bars=chart summary=summary.clone() legend=legend />
            <DataTable id="outcomes-by-period" caption=tr!("outcomes-table-period") columns=columns()>
                {rows(periods)}
            </DataTable>
        </Card>
        <Card id="outcomes-by-type" title=tr!("outcomes-settled-by-type")>
            <Meters rows=type_bars />
            <DataTable id="outcomes-type-table" caption=tr!("outcomes-table-type") columns=columns()>
                {rows(types)}
            </DataTable>
        </Card>
        <Card id="outcomes-by-mediator" title=tr!("outcomes-by-mediator")>
            <DataTable id="outcomes-mediator-table" caption=tr!("outcomes-table-mediator") columns=columns()>
                {rows(by_mediator.into_iter().collect())}
            </DataTable>
        </Card>
    }
}
