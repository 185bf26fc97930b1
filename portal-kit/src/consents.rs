//! `/consents`: the documents the signed-in person must accept (the terms,
//! the privacy notice and the organization's confidentiality agreement, each
//! in its current version), and what they accepted when.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared_types::ErrorCode;

use crate::components::{
    Alert, AlertKind, Button, Card, DataTable, ErrorAlert, Loading, PageTitle,
};
use crate::gql::{ApiError, DateTime, use_api};
use crate::i18n::use_i18n;
use crate::intl;
use crate::pages::SignedIn;
use crate::session::{Viewer, use_session};
use crate::tr;

/// A document people accept (the schema's `ConsentDocument`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsentDocument {
    Terms,
    Privacy,
    Confidentiality,
    /// A document added to the API after this portal was built.
    #[serde(other)]
    Other,
}

impl ConsentDocument {
    /// The document's name in the current language.
    fn label(self, organization: String) -> Signal<String> {
        match self {
            ConsentDocument::Terms => Signal::derive(tr!("consent-document-terms")),
            ConsentDocument::Privacy => Signal::derive(tr!("consent-document-privacy")),
            ConsentDocument::Confidentiality => Signal::derive(tr!(
                "consent-document-confidentiality",
                organization = organization
            )),
            ConsentDocument::Other => Signal::derive(tr!("consent-document-other")),
        }
    }

    /// For ids: `terms`, `privacy`, `confidentiality`.
    fn slug(self) -> &'static str {
        match self {
            ConsentDocument::Terms => "terms",
            ConsentDocument::Privacy => "privacy",
            ConsentDocument::Confidentiality => "confidentiality",
            ConsentDocument::Other => "other",
        }
    }
}

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/consents.graphql",
    extern_enums("ConsentDocument"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MyConsents;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/consents.graphql",
    extern_enums("ConsentDocument"),
    response_derives = "Debug"
)]
pub struct RecordConsent;

type Required = my_consents::MyConsentsRequiredConsents;
type Record = my_consents::MyConsentsMyConsents;

#[component]
pub fn ConsentsPage() -> impl IntoView {
    view! {
        <SignedIn let:viewer>
            <ConsentsBody viewer=viewer />
        </SignedIn>
    }
}

#[component]
fn ConsentsBody(viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let organization = StoredValue::new(viewer.organization.name.clone());
    let time_zone = StoredValue::new(viewer.user.timezone.clone());
    let loaded = LocalResource::new(move || async move {
        let result = api.run::<MyConsents>(my_consents::Variables).await;
        if let Err(error) = result {
            session.notice(error);
        }
        result
    });
    // The document just accepted, for the confirmation.
    let accepted = RwSignal::new(None::<ConsentDocument>);
    let accept_error = RwSignal::new(None::<ApiError>);
    let accept = Action::new_local(move |(document, version): &(ConsentDocument, String)| {
        let (document, version) = (*document, version.clone());
        async move {
            accepted.set(None);
            accept_error.set(None);
            let result = api
                .run::<RecordConsent>(record_consent::Variables { document, version })
                .await;
            match result {
                Ok(_) => accepted.set(Some(document)),
                Err(error) => {
                    session.notice(error);
                    accept_error.set(Some(error));
                }
            }
            // Either way the lists show what is current now (a conflict means
            // a newer version).
            loaded.refetch();
        }
    });

    let notice = move || {
        accepted.get().map(|document| {
            let name = document.label(organization.get_value());
            let message = tr!("consent-recorded", document = name.get());
            view! {
                <Alert kind=AlertKind::Info id="consent-recorded">
                    <p>{message}</p>
                </Alert>
            }
        })
    };
    let problem = move || {
        accept_error.get().map(|error| {
            if error.code() == Some(ErrorCode::Conflict) {
                view! {
                    <Alert kind=AlertKind::Error id="consent-error">
                        <p>{tr!("consent-new-version")}</p>
                    </Alert>
                }
                .into_any()
            } else {
                view! { <ErrorAlert error=error id="consent-error" /> }.into_any()
            }
        })
    };
    let lists = move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error id="consents-error" /> }.into_any(),
        Some(Ok(data)) => {
            let all_accepted = data.required_consents.iter().all(|r| r.accepted);
            view! {
                <Card id="required-consents" title=tr!("consents-required-heading")>
                    {all_accepted
                        .then(|| {
                            view! {
                                <Alert kind=AlertKind::Info id="consents-complete">
                                    <p>{tr!("consents-complete")}</p>
                                </Alert>
                            }
                        })}
                    <ul class="plain-list">
                        {data
                            .required_consents
                            .into_iter()
                            .map(|required| {
                                view! {
                                    <RequiredItem
                                        required=required
                                        organization=organization.get_value()
                                        busy=accept.pending()
                                        accept=Callback::new(move |pair| {
                                            accept.dispatch_local(pair);
                                        })
                                    />
                                }
                            })
                            .collect_view()}
                    </ul>
                    <p class="hint" id="consents-copy-hint">
                        {tr!("consents-copy-hint")}
                    </p>
                </Card>
                <History
                    records=data.my_consents
                    organization=organization.get_value()
                    time_zone=time_zone.get_value()
                />
            }
            .into_any()
        }
    };

    view! {
        <div class="narrow">
            <PageTitle id="page-title" text=tr!("consents-title") />
            <p class="lead">{tr!("consents-intro")}</p>
            {problem}
            {notice}
            {lists}
        </div>
    }
}

/// One document to accept: its name, version, and whether it is accepted.
#[component]
fn RequiredItem(
    required: Required,
    organization: String,
    #[prop(into)] busy: Signal<bool>,
    accept: Callback<(ConsentDocument, String)>,
) -> impl IntoView {
    let document = required.document;
    let slug = document.slug();
    let name = document.label(organization);
    let name_id = format!("consent-{slug}-name");
    let version = required.version.clone();
    view! {
        <li id=format!("consent-{slug}")>
            <span class="item-name" id=name_id.clone()>
                {move || name.get()}
            </span>
            <span class="item-meta">{tr!("consent-version", version = required.version.clone())}</span>
            {if required.accepted {
                view! {
                    <span class="badge" id=format!("consent-{slug}-accepted")>
                        {tr!("consent-accepted")}
                    </span>
                }
                    .into_any()
            } else {
                view! {
                    <Button
                        id=format!("accept-{slug}")
                        busy=busy
                        aria_describedby=name_id
                        on_click=Callback::new(move |_| accept.run((document, version.clone())))
                    >
                        {tr!("consent-accept")}
                    </Button>
                }
                    .into_any()
            }}
        </li>
    }
}

/// What the person accepted, newest first.
#[component]
fn History(records: Vec<Record>, organization: String, time_zone: String) -> impl IntoView {
    let i18n = use_i18n();
    let columns = vec![
        Signal::derive(tr!("column-document")),
        Signal::derive(tr!("column-version")),
        Signal::derive(tr!("column-accepted")),
        Signal::derive(tr!("column-where")),
    ];
    let body = if records.is_empty() {
        view! { <p class="empty" id="consent-history-empty">{tr!("consents-history-empty")}</p> }
            .into_any()
    } else {
        view! {
            <DataTable id="consent-history-table" caption=tr!("consents-history-caption") columns=columns>
                {records
                    .into_iter()
                    .map(|record| {
                        let name = record.document.label(organization.clone());
                        let place = context_label(&record.context);
                        let accepted_at: DateTime = record.accepted_at.clone();
                        let zone = time_zone.clone();
                        let when = {
                            let accepted_at = accepted_at.clone();
                            move || intl::format_timestamp(&accepted_at, i18n.locale(), Some(&zone))
                        };
                        view! {
                            <tr>
                                <th scope="row">{move || name.get()}</th>
                                <td data-label=tr!("column-version")>{record.version}</td>
                                <td data-label=tr!("column-accepted")>
                                    <time datetime=accepted_at>{when}</time>
                                </td>
                                <td data-label=tr!("column-where")>{move || place.get()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <Card id="consent-history" title=tr!("consents-history-heading")>
            {body}
        </Card>
    }
}

/// Where a consent was given, from the record's `context`.
fn context_label(context: &str) -> Signal<String> {
    match context {
        "sign_up" => Signal::derive(tr!("consent-context-sign-up")),
        "settings" => Signal::derive(tr!("consent-context-settings")),
        "session_lobby" => Signal::derive(tr!("consent-context-session-lobby")),
        "intake" => Signal::derive(tr!("consent-context-intake")),
        other => {
            let other = other.to_owned();
            Signal::derive(move || other.clone())
        }
    }
}
