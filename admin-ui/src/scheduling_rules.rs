//! The organization's booking rules on `/settings` (org admins): the buffer
//! between a mediator's sessions, the minimum notice, the most sessions a
//! mediator takes in a day, session lengths per kind of dispute, when
//! reminders go out, and whether parties may move or cancel sessions.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::cases::dispute_type_label;
use portal_kit::forms::whole_number_in;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/scheduling_rules.graphql",
    response_derives = "Debug, Clone"
)]
pub struct SchedulingRules;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/scheduling_rules.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct UpdateSchedulingRules;

type Rules = scheduling_rules::SchedulingRulesSchedulingRules;

const DISPUTE_TYPES: [&str; 5] = [
    "family",
    "workplace",
    "commercial",
    "landlord_tenant",
    "small_claims",
];

/// Reminder offsets offered, in minutes before the session.
const REMINDERS: [u32; 6] = [7 * 24 * 60, 2 * 24 * 60, 24 * 60, 2 * 60, 60, 15];

fn reminder_label(minutes: u32) -> String {
    match minutes {
        10080 => tr!("rules-reminder-week")(),
        2880 => tr!("rules-reminder-two-days")(),
        1440 => tr!("rules-reminder-day")(),
        120 => tr!("rules-reminder-two-hours")(),
        60 => tr!("rules-reminder-hour")(),
        _ => tr!("rules-reminder-quarter")(),
    }
}

#[component]
pub fn SchedulingRulesSection() -> impl IntoView {
    let api = use_api();
    let loaded = LocalResource::new(move || async move {
        api.run::<SchedulingRules>(scheduling_rules::Variables)
            .await
            .map(|d| d.scheduling_rules)
    });
    let saved = RwSignal::new(false);
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
        Some(Ok(rules)) => view! { <RulesForm rules=rules saved=saved /> }.into_any(),
    }
}

#[component]
fn RulesForm(rules: Rules, saved: RwSignal<bool>) -> impl IntoView {
    let api = use_api();
    let buffer = RwSignal::new(rules.buffer_minutes.to_string());
    let notice = RwSignal::new(rules.notice_hours.to_string());
    let per_day = RwSignal::new(rules.max_sessions_per_day.to_string());
    let cutoff = RwSignal::new(rules.party_change_cutoff_hours.to_string());
    let parties_may = RwSignal::new(rules.parties_may_reschedule);
    let reminders = RwSignal::new(
        rules
            .reminder_minutes
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>(),
    );
    let lengths: Vec<(&'static str, RwSignal<String>)> = DISPUTE_TYPES
        .iter()
        .map(|kind| {
            let minutes = rules
                .session_lengths
                .iter()
                .find(|l| l.dispute_type == *kind)
                .map_or(rules.default_session_minutes, |l| l.minutes);
            (*kind, RwSignal::new(minutes.to_string()))
        })
        .collect();
    let lengths = StoredValue::new(lengths);
    let problems = RwSignal::new(std::collections::BTreeMap::<&'static str, String>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(
        move |input: &update_scheduling_rules::SchedulingRulesInput| {
            let input = input.clone();
            async move {
                api.run::<UpdateSchedulingRules>(update_scheduling_rules::Variables { input })
                    .await
            }
        },
    );
    on_result(save, failure, move |_| saved.set(true));
    let problem =
        move |key: &'static str| Signal::derive(move || problems.with(|p| p.get(key).cloned()));
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        saved.set(false);
        let mut found = std::collections::BTreeMap::new();
        let mut number = |key: &'static str,
                          value: RwSignal<String>,
                          range: std::ops::RangeInclusive<i64>,
                          message: String| {
            match whole_number_in(&value.get_untracked(), range) {
                Ok(Some(n)) => Some(n),
                _ => {
                    found.insert(key, message);
                    None
                }
            }
        };
        let buffer_m = number("buffer", buffer, 0..=240, tr!("rules-buffer-range")());
        let notice_h = number("notice", notice, 0..=1440, tr!("rules-notice-range")());
        let day_n = number("per-day", per_day, 1..=48, tr!("rules-per-day-range")());
        let cutoff_h = number("cutoff", cutoff, 0..=720, tr!("rules-cutoff-range")());
        let mut session_lengths = Vec::new();
        for (kind, value) in lengths.get_value() {
            match whole_number_in(&value.get_untracked(), 15..=480) {
                Ok(Some(m)) if m % 15 == 0 => {
                    session_lengths.push(update_scheduling_rules::SessionLengthInput {
                        dispute_type: kind.to_owned(),
                        minutes: m,
                    })
                }
                _ => {
                    found.insert(kind, tr!("rules-length-range")());
                }
            }
        }
        let chosen: Vec<i64> = reminders
            .get_untracked()
            .iter()
            .filter_map(|m| m.parse().ok())
            .collect();
        if chosen.len() > 5 {
            found.insert("reminders", tr!("rules-reminders-too-many")());
        }
        let ok = found.is_empty();
        problems.set(found);
        let (
            Some(buffer_minutes),
            Some(notice_hours),
            Some(max_sessions_per_day),
            Some(party_change_cutoff_hours),
        ) = (buffer_m, notice_h, day_n, cutoff_h)
        else {
            return;
        };
        if !ok {
            return;
        }
        save.dispatch(update_scheduling_rules::SchedulingRulesInput {
            buffer_minutes,
            notice_hours,
            max_sessions_per_day,
            session_lengths,
            reminder_minutes: chosen,
            parties_may_reschedule: parties_may.get_untracked(),
            party_change_cutoff_hours,
        });
    };
    let reminder_options = Signal::derive(|| {
        REMINDERS
            .iter()
            .map(|m| (m.to_string(), reminder_label(*m)))
            .collect::<Vec<_>>()
    });
    view! {
        <form class="form" id="scheduling-rules" on:submit=on_submit>
            <h2 class="section-title">{tr!("rules-title")}</h2>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {move || saved.get().then(|| view! { <Alert id="rules-saved">{tr!("rules-saved")}</Alert> })}
            <TextField id="rules-buffer" label=tr!("rules-buffer") value=buffer inputmode="numeric" error=problem("buffer") />
            <TextField id="rules-notice" label=tr!("rules-notice") value=notice inputmode="numeric" error=problem("notice") />
            <TextField id="rules-per-day" label=tr!("rules-per-day") value=per_day inputmode="numeric" error=problem("per-day") />
            <fieldset class="rules-lengths">
                <legend>{tr!("rules-lengths")}</legend>
                {lengths
                    .get_value()
                    .into_iter()
                    .map(|(kind, value)| {
                        let id = format!("rules-length-{kind}");
                        let label = dispute_type_label(kind);
                        let error = problem(kind);
                        let error_id = format!("{id}-error");
                        view! {
                            <div class="field">
                                <label for=id.clone()>{label}</label>
                                <input
                                    id=id
                                    type="text"
                                    inputmode="numeric"
                                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                                    aria-describedby=move || error.with(Option::is_some).then(|| error_id.clone())
                                    prop:value=move || value.get()
                                    on:input=move |e| value.set(event_target_value(&e))
                                />
                                {move || error.get().map(|m| view! { <p class="field-error" id=format!("rules-length-{kind}-error")>{m}</p> })}
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <CheckboxGroup
                id="rules-reminders"
                legend=tr!("rules-reminders")
                options=reminder_options
                selected=reminders
                error=problem("reminders")
            />
            <Checkbox id="rules-parties-may" label=tr!("rules-parties-may") checked=parties_may />
            <TextField id="rules-cutoff" label=tr!("rules-cutoff") value=cutoff inputmode="numeric" error=problem("cutoff") />
            <Button id="rules-save" button_type="submit" busy=save.pending()>{tr!("rules-save")}</Button>
        </form>
    }
}
