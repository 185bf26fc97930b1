//! `/availability` (mediators): the working week in the mediator's own time
//! zone, and time away. Slot search offers only times inside the week and
//! outside time away and other sessions.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MyAvailability;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SetWorkingWeek;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AddTimeOff;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RemoveTimeOff;

type Data = my_availability::ResponseData;

/// The weekday's name, Monday first.
fn weekday_label(day: usize) -> String {
    match day {
        0 => tr!("weekday-monday")(),
        1 => tr!("weekday-tuesday")(),
        2 => tr!("weekday-wednesday")(),
        3 => tr!("weekday-thursday")(),
        4 => tr!("weekday-friday")(),
        5 => tr!("weekday-saturday")(),
        _ => tr!("weekday-sunday")(),
    }
}

#[component]
pub fn AvailabilityPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::Mediator) {
                view! { <AvailabilityBody /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("availability-title") />
                    <p class="hint" id="availability-mediators-only">{tr!("availability-mediators-only")}</p>
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn AvailabilityBody() -> impl IntoView {
    let api = use_api();
    let reload = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        reload.track();
        async move { api.run::<MyAvailability>(my_availability::Variables).await }
    });
    // Kept here: saving reloads the form below.
    let saved = RwSignal::new(false);
    view! {
        <PageTitle id="page-title" text=tr!("availability-title") />
        <p class="lead">{tr!("availability-intro")}</p>
        {move || match loaded.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
            Some(Ok(data)) => view! {
                <WeekForm data=data.clone() saved=saved on_saved=Callback::new(move |_| reload.update(|n| *n += 1)) />
                <TimeAway data=data on_changed=Callback::new(move |_| reload.update(|n| *n += 1)) />
                <CalendarFeedCard />
            }
            .into_any(),
        }}
    }
}

/// One working range being edited.
#[derive(Clone, Copy)]
struct Range {
    id: u32,
    start: RwSignal<String>,
    end: RwSignal<String>,
}

#[component]
fn WeekForm(data: Data, saved: RwSignal<bool>, on_saved: Callback<()>) -> impl IntoView {
    let api = use_api();
    let week = data.working_week;
    let first_time = week.version.is_none();
    let browser_zone = intl::browser_time_zone().unwrap_or_else(|| "UTC".into());
    let zone = RwSignal::new(if first_time {
        browser_zone
    } else {
        week.time_zone.clone()
    });
    let next = StoredValue::new(0u32);
    let fresh = move |start: &str, end: &str| {
        let id = next.get_value();
        next.set_value(id + 1);
        Range {
            id,
            start: RwSignal::new(start.to_owned()),
            end: RwSignal::new(end.to_owned()),
        }
    };
    let days: Vec<RwSignal<Vec<Range>>> = week
        .days
        .iter()
        .enumerate()
        .map(|(i, ranges)| {
            let list: Vec<Range> = if first_time && i < 5 {
                vec![fresh("09:00", "17:00")]
            } else {
                ranges.iter().map(|r| fresh(&r.start, &r.end)).collect()
            };
            RwSignal::new(list)
        })
        .collect();
    let days = StoredValue::new(days);
    let version = week.version;
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(move |input: &set_working_week::WorkingWeekInput| {
        let input = input.clone();
        async move {
            api.run::<SetWorkingWeek>(set_working_week::Variables { input })
                .await
        }
    });
    on_result(save, failure, move |_| {
        saved.set(true);
        on_saved.run(());
    });
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        saved.set(false);
        let days = days.get_value();
        save.dispatch(set_working_week::WorkingWeekInput {
            mediator_id: None,
            time_zone: zone.get_untracked().trim().to_owned(),
            days: days
                .iter()
                .map(|d| {
                    d.get_untracked()
                        .iter()
                        .map(|r| set_working_week::TimeRangeInput {
                            start: r.start.get_untracked(),
                            end: r.end.get_untracked(),
                        })
                        .collect()
                })
                .collect(),
            version,
        });
    };
    view! {
        <form class="form" id="week-form" on:submit=on_submit>
            <h2 class="section-title">{tr!("availability-week")}</h2>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {move || saved.get().then(|| view! { <Alert id="week-saved">{tr!("availability-saved")}</Alert> })}
            <TextField
                id="week-zone"
                label=tr!("availability-zone")
                value=zone
                described_by="week-zone-hint"
            />
            <p class="hint" id="week-zone-hint">{tr!("availability-zone-hint")}</p>
            {days
                .get_value()
                .into_iter()
                .enumerate()
                .map(|(i, ranges)| {
                    let day = weekday_label(i);
                    let legend_id = format!("day-{i}-legend");
                    view! {
                        <fieldset class="week-day" id=format!("day-{i}") aria-labelledby=legend_id.clone()>
                            <legend id=legend_id.clone()>{day}</legend>
                            <For each=move || ranges.get() key=|r| r.id let:range>
                                <div class="range-row">
                                    <label>
                                        {tr!("availability-from")}
                                        " "
                                        <input
                                            type="time"
                                            step="1800"
                                            prop:value=move || range.start.get()
                                            on:input=move |e| range.start.set(event_target_value(&e))
                                        />
                                    </label>
                                    <label>
                                        {tr!("availability-to")}
                                        " "
                                        <input
                                            type="time"
                                            step="1800"
                                            prop:value=move || range.end.get()
                                            on:input=move |e| range.end.set(event_target_value(&e))
                                        />
                                    </label>
                                    <Button
                                        kind=ButtonKind::Secondary
                                        on_click=Callback::new(move |_| ranges.update(|all| all.retain(|r| r.id != range.id)))
                                    >
                                        {tr!("availability-remove-range")}
                                    </Button>
                                </div>
                            </For>
                            {move || ranges.with(Vec::is_empty).then(|| view! { <p class="hint">{tr!("availability-day-off")}</p> })}
                            <Button
                                id=format!("day-{i}-add")
                                kind=ButtonKind::Secondary
                                on_click=Callback::new(move |_| {
                                    let range = fresh("09:00", "17:00");
                                    ranges.update(|all| all.push(range));
                                })
                            >
                                {tr!("availability-add-range")}
                            </Button>
                        </fieldset>
                    }
                })
                .collect_view()}
            <Button id="week-save" button_type="submit" busy=save.pending()>{tr!("availability-save")}</Button>
        </form>
    }
}

/// Converts a `datetime-local` value (the browser's zone) to RFC 3339.
fn local_input_to_utc(value: &str) -> Option<String> {
    let date = js_sys::Date::new(&value.into());
    (!date.get_time().is_nan()).then(|| date.to_iso_string().into())
}

#[component]
fn TimeAway(data: Data, on_changed: Callback<()>) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let from = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let add = Action::new_local(move |variables: &add_time_off::Variables| {
        let variables = variables.clone();
        async move { api.run::<AddTimeOff>(variables).await }
    });
    on_result(add, failure, move |_| {
        from.set(String::new());
        until.set(String::new());
        on_changed.run(());
    });
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            api.run::<RemoveTimeOff>(remove_time_off::Variables { id })
                .await
        }
    });
    on_result(remove, failure, move |_| on_changed.run(()));
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        match (
            local_input_to_utc(&from.get_untracked()),
            local_input_to_utc(&until.get_untracked()),
        ) {
            (Some(starts_at), Some(ends_at)) if starts_at < ends_at => {
                problem.set(None);
                add.dispatch(add_time_off::Variables { starts_at, ends_at });
            }
            _ => problem.set(Some(tr!("availability-away-invalid")())),
        }
    };
    let locale = i18n.locale_untracked();
    view! {
        <Card id="time-away" title=tr!("availability-away")>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {if data.my_time_off.is_empty() {
                view! { <p class="empty" id="away-empty">{tr!("availability-away-none")}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list" id="away-list">
                        {data
                            .my_time_off
                            .into_iter()
                            .map(|t| {
                                let label = format!(
                                    "{} – {}",
                                    intl::format_timestamp(&t.starts_at, locale, None),
                                    intl::format_timestamp(&t.ends_at, locale, None)
                                );
                                let name_id = format!("away-{}", t.id);
                                let id = t.id.clone();
                                view! {
                                    <li>
                                        <span class="item-name" id=name_id.clone()>{label}</span>
                                        <Button
                                            kind=ButtonKind::Secondary
                                            aria_describedby=name_id
                                            on_click=Callback::new(move |_| {
                                                remove.dispatch(id.clone());
                                            })
                                        >
                                            {tr!("availability-away-remove")}
                                        </Button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <form class="form" id="away-form" on:submit=on_submit>
                <TextField id="away-from" label=tr!("availability-away-from") value=from input_type="datetime-local" />
                <TextField
                    id="away-until"
                    label=tr!("availability-away-until")
                    value=until
                    input_type="datetime-local"
                    error=Signal::derive(move || problem.get())
                />
                <Button id="away-add" button_type="submit" busy=add.pending()>{tr!("availability-away-add")}</Button>
            </form>
        </Card>
    }
}

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CalendarFeed;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct CreateCalendarFeed;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/availability.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct RevokeCalendarFeed;

/// The private calendar feed: an address calendar programs subscribe to, to
/// show the mediator's sessions (with generic titles). Shown once when made;
/// making a new one or stopping it ends the old address.
#[component]
pub fn CalendarFeedCard() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let reload = RwSignal::new(0u32);
    let loaded = LocalResource::new(move || {
        reload.track();
        async move { api.run::<CalendarFeed>(calendar_feed::Variables).await }
    });
    let address = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let create = Action::new_local(move |_: &()| async move {
        api.run::<CreateCalendarFeed>(create_calendar_feed::Variables)
            .await
    });
    on_result(create, failure, move |data| {
        address.set(Some(data.create_calendar_feed));
        reload.update(|n| *n += 1);
    });
    let revoke = Action::new_local(move |_: &()| async move {
        api.run::<RevokeCalendarFeed>(revoke_calendar_feed::Variables)
            .await
    });
    on_result(revoke, failure, move |_| {
        address.set(None);
        reload.update(|n| *n += 1);
    });
    view! {
        <Card id="calendar-feed" title=tr!("feed-title")>
            <p class="hint">{tr!("feed-intro")}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {move || address.get().map(|url| view! {
                <div class="field">
                    <label for="feed-address">{tr!("feed-address")}</label>
                    <input id="feed-address" type="text" readonly=true prop:value=url.clone() />
                    <p class="hint">{tr!("feed-address-once")}</p>
                    <CopyButton id="feed-copy" label=tr!("feed-copy") text=url describes="feed-address" />
                </div>
            })}
            {move || {
                let exists = loaded.get().and_then(Result::ok).and_then(|d| d.calendar_feed);
                let since = exists
                    .as_ref()
                    .map(|f| intl::format_date(&f.created_at, i18n.locale()).unwrap_or_default());
                let has_feed = since.is_some();
                let create_label = if has_feed { tr!("feed-replace")() } else { tr!("feed-create")() };
                view! {
                    {since.clone().map(|date| view! { <p id="feed-exists">{tr!("feed-exists", date = date)}</p> })}
                    <div class="button-row">
                        <Button
                            id="feed-create"
                            kind=ButtonKind::Secondary
                            busy=create.pending()
                            on_click=Callback::new(move |_| {
                                failure.set(None);
                                create.dispatch(());
                            })
                        >
                            {create_label}
                        </Button>
                        {has_feed.then(|| view! {
                            <Button
                                id="feed-revoke"
                                kind=ButtonKind::Secondary
                                busy=revoke.pending()
                                on_click=Callback::new(move |_| {
                                    failure.set(None);
                                    revoke.dispatch(());
                                })
                            >
                                {tr!("feed-revoke")}
                            </Button>
                        })}
                    </div>
                }
            }}
        </Card>
    }
}
