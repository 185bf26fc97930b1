//! The statements every participant confirms before entering a video
//! session's waiting room ("I am in a private place…"), on `/settings`
//! (org admins): edited as a short list, at most eight.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video_rules.graphql",
    response_derives = "Debug, Clone"
)]
pub struct VideoRules;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/video_rules.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct UpdateVideoRules;

const MAX: usize = 8;
const MAX_CHARS: usize = 300;

#[component]
pub fn VideoRulesSection() -> impl IntoView {
    let api = use_api();
    let loaded = LocalResource::new(move || async move {
        api.run::<VideoRules>(video_rules::Variables)
            .await
            .map(|d| d.video_rules.lobby_questions)
    });
    // Above the form, so the notice outlives the reload after saving.
    let saved = RwSignal::new(false);
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error /> }.into_any(),
        Some(Ok(questions)) => view! { <RulesForm questions=questions saved=saved /> }.into_any(),
    }
}

#[component]
fn RulesForm(questions: Vec<String>, saved: RwSignal<bool>) -> impl IntoView {
    let api = use_api();
    let next_key = StoredValue::new(questions.len());
    let rows = RwSignal::new(
        questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| (i, RwSignal::new(q)))
            .collect::<Vec<_>>(),
    );
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let save = Action::new_local(move |questions: &Vec<String>| {
        let lobby_questions = questions.clone();
        async move {
            api.run::<UpdateVideoRules>(update_video_rules::Variables { lobby_questions })
                .await
        }
    });
    on_result(save, failure, move |_| saved.set(true));
    let add = move |_: leptos::ev::MouseEvent| {
        if rows.with(Vec::len) < MAX {
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            rows.update(|r| r.push((key, RwSignal::new(String::new()))));
        }
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        saved.set(false);
        failure.set(None);
        let questions: Vec<String> = rows
            .get_untracked()
            .iter()
            .map(|(_, q)| q.get_untracked().trim().to_owned())
            .filter(|q| !q.is_empty())
            .collect();
        if questions.iter().any(|q| q.chars().count() > MAX_CHARS) {
            problem.set(Some(tr!("lobby-rules-too-long")()));
            return;
        }
        problem.set(None);
        save.dispatch(questions);
    };
    view! {
        <form class="form" id="lobby-rules" on:submit=on_submit>
            <h2 class="section-title">{tr!("lobby-rules-title")}</h2>
            <p class="hint" id="lobby-rules-hint">{tr!("lobby-rules-hint")}</p>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
            {move || problem.get().map(|m| view! { <p class="field-error" id="lobby-rules-error" role="alert">{m}</p> })}
            {move || saved.get().then(|| view! { <Alert id="lobby-rules-saved">{tr!("lobby-rules-saved")}</Alert> })}
            <ol class="lobby-rules-list">
                <For
                    each=move || rows.get()
                    key=|(key, _)| *key
                    children=move |(key, text)| {
                        let id = format!("lobby-rule-{key}");
                        let position = move || {
                            rows.with(|r| r.iter().position(|(k, _)| *k == key).map_or(0, |p| p + 1))
                        };
                        let remove = move |_: leptos::ev::MouseEvent| rows.update(|r| r.retain(|(k, _)| *k != key));
                        view! {
                            <li class="field lobby-rule">
                                <label for=id.clone()>
                                    {move || {
                                        let n = position();
                                        tr!("lobby-rules-statement", n = n)()
                                    }}
                                </label>
                                <div class="lobby-rule-row">
                                    <input
                                        id=id
                                        type="text"
                                        maxlength="300"
                                        aria-describedby="lobby-rules-hint"
                                        prop:value=move || text.get()
                                        on:input=move |e| text.set(event_target_value(&e))
                                    />
                                    <button type="button" class="button button-secondary" on:click=remove>
                                        {move || {
                                            let n = position();
                                            tr!("lobby-rules-remove", n = n)()
                                        }}
                                    </button>
                                </div>
                            </li>
                        }
                    }
                />
            </ol>
            <div class="button-row">
                <button
                    type="button"
                    id="lobby-rules-add"
                    class="button button-secondary"
                    disabled={move || rows.with(Vec::len) >= MAX}
                    on:click=add
                >
                    {tr!("lobby-rules-add")}
                </button>
                <Button id="lobby-rules-save" button_type="submit" busy=save.pending()>{tr!("lobby-rules-save")}</Button>
            </div>
        </form>
    }
}
