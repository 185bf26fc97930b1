//! `/sms-outbox`: the SMS session notices the development provider kept
//! instead of sending (org admins). Numbers show their last digits only.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sms_outbox.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SmsOutbox;

type Message = sms_outbox::SmsOutboxSmsOutbox;

#[component]
pub fn SmsOutboxPage() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) {
                view! { <OutboxBody viewer=viewer /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("sms-outbox-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) id="sms-outbox-error" />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn OutboxBody(viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let rows = RwSignal::new(Vec::<Message>::new());
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let time_zone = StoredValue::new(viewer.user.timezone.clone());

    let load = move || {
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            match api
                .run::<SmsOutbox>(sms_outbox::Variables { first: Some(100) })
                .await
            {
                Ok(data) => {
                    rows.set(data.sms_outbox);
                    loaded.set(true);
                }
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
            loading.set(false);
        });
    };
    load();

    let columns = vec![
        Signal::derive(tr!("column-time")),
        Signal::derive(tr!("sms-outbox-column-to")),
        Signal::derive(tr!("sms-outbox-column-message")),
        Signal::derive(tr!("sms-outbox-column-session")),
    ];

    view! {
        <PageTitle id="page-title" text=tr!("sms-outbox-title") />
        <p class="lead">{tr!("sms-outbox-intro")}</p>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="sms-outbox-error" /> })}
        <Show when=move || loaded.get() fallback=move || view! { <Loading /> }>
            <DataTable id="sms-outbox-table" caption=tr!("sms-outbox-caption") columns=columns.clone()>
                <For each=move || rows.get() key=|message| message.id.clone() let:message>
                    <MessageRow message=message time_zone=time_zone.get_value() />
                </For>
            </DataTable>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty" id="sms-outbox-empty">
                    {tr!("sms-outbox-empty")}
                </p>
            </Show>
            <Button
                id="sms-outbox-refresh"
                kind=ButtonKind::Secondary
                busy=loading
                on_click=Callback::new(move |_| load())
            >
                {tr!("sms-outbox-refresh")}
            </Button>
        </Show>
    }
}

#[component]
fn MessageRow(message: Message, time_zone: String) -> impl IntoView {
    let i18n = use_i18n();
    let created = message.created_at.clone();
    let time = {
        let created = created.clone();
        move || intl::format_timestamp(&created, i18n.locale(), Some(&time_zone))
    };
    let ending = tr!("sms-outbox-ending");
    let digits = message.to_last_digits.clone();
    let to = move || format!("{} {digits}", ending());
    let session = message.session_id.clone().map(|id| {
        let short: String = id.chars().take(8).collect();
        view! { <code title=id>{short}</code> }
    });
    view! {
        <tr>
            <th scope="row">
                <time datetime=created>{time}</time>
            </th>
            <td data-label=tr!("sms-outbox-column-to")>{to}</td>
            <td data-label=tr!("sms-outbox-column-message") class="sms-body">{message.body.clone()}</td>
            <td data-label=tr!("sms-outbox-column-session")>{session.map_or_else(|| "—".into_any(), IntoAny::into_any)}</td>
        </tr>
    }
}
