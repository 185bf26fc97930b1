//! `/credentials`: partner API credentials (org admins). A new credential's
//! client id and secret are shown once, with copy buttons and a plain warning;
//! the list shows what each may read, when it was made and last used, and
//! revoking one asks first.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_kit::gql::{DateTime, Failure};
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/service_accounts.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct ServiceAccounts;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/service_accounts.graphql",
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct CreateServiceAccount;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/service_accounts.graphql",
    response_derives = "Debug, Clone"
)]
pub struct RevokeServiceAccount;

type Account = service_accounts::ServiceAccountsServiceAccounts;
type ListedScope = service_accounts::Scope;
type NewScope = create_service_account::Scope;

/// The scopes, by wire name, with their label keys.
const SCOPES: &[(&str, &str)] = &[
    ("ORG_READ", "credentials-scope-org"),
    ("MEMBERS_READ", "credentials-scope-members"),
    ("AUDIT_READ", "credentials-scope-audit"),
];

fn new_scope(wire: &str) -> Option<NewScope> {
    match wire {
        "ORG_READ" => Some(NewScope::ORG_READ),
        "MEMBERS_READ" => Some(NewScope::MEMBERS_READ),
        "AUDIT_READ" => Some(NewScope::AUDIT_READ),
        _ => None,
    }
}

fn scope_label_key(scope: &ListedScope) -> &'static str {
    match scope {
        ListedScope::ORG_READ => "credentials-scope-org",
        ListedScope::MEMBERS_READ => "credentials-scope-members",
        ListedScope::AUDIT_READ => "credentials-scope-audit",
        ListedScope::Other(_) => "credentials-scope-other",
    }
}

/// The client id and secret of the credential just made: kept only until the
/// admin says they have copied them.
#[derive(Clone)]
struct Created {
    name: String,
    client_id: String,
    secret: String,
}

#[component]
pub fn Credentials() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            <PageTitle id="page-title" text=tr!("credentials-title") />
            {if viewer.has(RoleKey::OrgAdmin) {
                view! { <CredentialsBody time_zone=viewer.user.timezone.clone() /> }.into_any()
            } else {
                view! {
                    <ErrorAlert
                        error=ApiError::Code(shared_types::ErrorCode::Forbidden)
                        id="credentials-error"
                    />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn CredentialsBody(time_zone: String) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let loaded = LocalResource::new(move || async move {
        let result = api
            .run::<ServiceAccounts>(service_accounts::Variables)
            .await;
        if let Err(error) = result {
            session.notice(error);
        }
        result.map(|data| data.service_accounts)
    });
    let created = RwSignal::new(None::<Created>);
    let revoked_notice = RwSignal::new(None::<String>);
    let on_created = Callback::new(move |new: Created| {
        revoked_notice.set(None);
        created.set(Some(new));
        loaded.refetch();
    });
    let on_revoked = Callback::new(move |name: String| {
        revoked_notice.set(Some(name));
        loaded.refetch();
    });
    let time_zone = StoredValue::new(time_zone);
    let list = move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => {
            view! { <ErrorAlert error=error id="credentials-load-error" /> }.into_any()
        }
        Some(Ok(accounts)) => view! {
            <CredentialList accounts=accounts time_zone=time_zone.get_value() revoked=on_revoked />
        }
        .into_any(),
    };
    view! {
        <p class="lead">{tr!("credentials-intro")}</p>
        {move || created.get().map(|new| view! { <ShownOnce created=new done=Callback::new(move |()| created.set(None)) /> })}
        {move || {
            revoked_notice
                .get()
                .map(|name| {
                    view! {
                        <Alert kind=AlertKind::Info id="credential-revoked">
                            <p>{tr!("credentials-revoked-notice", name = name)}</p>
                        </Alert>
                    }
                })
        }}
        <h2 class="section-title" id="credentials-list-title">{tr!("credentials-list-title")}</h2>
        {list}
        <NewCredential created=on_created />
    }
}

/// The secret, this once.
#[component]
fn ShownOnce(created: Created, done: Callback<()>) -> impl IntoView {
    let name = created.name.clone();
    view! {
        <section id="new-credential" class="card card-warning" aria-labelledby="new-credential-title">
            <h2 id="new-credential-title" class="card-title">
                {tr!("credentials-created-title", name = name)}
            </h2>
            <p id="secret-warning" class="confirm-text">{tr!("credentials-copy-now")}</p>
            <p id="new-client-id-label">{tr!("credentials-client-id")}</p>
            <p>
                <code id="new-client-id" class="totp-secret" aria-labelledby="new-client-id-label">
                    {created.client_id.clone()}
                </code>
            </p>
            <CopyButton
                id="copy-client-id"
                label=tr!("credentials-copy-client-id")
                text=created.client_id
                describes="new-client-id-label"
            />
            <p id="new-client-secret-label">{tr!("credentials-client-secret")}</p>
            <p>
                <code
                    id="new-client-secret"
                    class="totp-secret"
                    aria-labelledby="new-client-secret-label"
                    aria-describedby="secret-warning"
                >
                    {created.secret.clone()}
                </code>
            </p>
            <CopyButton
                id="copy-client-secret"
                label=tr!("credentials-copy-secret")
                text=created.secret
                describes="new-client-secret-label"
            />
            <p>{tr!("credentials-token-hint")}</p>
            <Button id="credential-copied" on_click=Callback::new(move |_| done.run(()))>
                {tr!("credentials-copied-done")}
            </Button>
        </section>
    }
}

#[component]
fn CredentialList(
    accounts: Vec<Account>,
    time_zone: String,
    revoked: Callback<String>,
) -> impl IntoView {
    if accounts.is_empty() {
        return view! { <p id="no-credentials">{tr!("credentials-none")}</p> }.into_any();
    }
    let columns = vec![
        Signal::derive(tr!("credentials-column-name")),
        Signal::derive(tr!("credentials-client-id")),
        Signal::derive(tr!("credentials-column-scopes")),
        Signal::derive(tr!("credentials-column-created")),
        Signal::derive(tr!("credentials-column-last-used")),
        Signal::derive(tr!("column-actions")),
    ];
    view! {
        <DataTable id="credentials-table" caption=tr!("credentials-caption") columns=columns>
            {accounts
                .into_iter()
                .enumerate()
                .map(|(index, account)| {
                    view! {
                        <CredentialRow
                            account=account
                            index=index
                            time_zone=time_zone.clone()
                            revoked=revoked
                        />
                    }
                })
                .collect_view()}
        </DataTable>
    }
    .into_any()
}

#[component]
fn CredentialRow(
    account: Account,
    index: usize,
    time_zone: String,
    revoked: Callback<String>,
) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let name_id = format!("credential-{index}-name");
    let id = account.id.clone();
    let name = account.name.clone();
    let revoke = Action::new_local(move |_: &()| {
        let (id, name) = (id.clone(), name.clone());
        async move {
            match api
                .run::<RevokeServiceAccount>(revoke_service_account::Variables { id })
                .await
            {
                Ok(_) => revoked.run(name),
                Err(failure) => {
                    session.notice(failure);
                    error.set(Some(failure));
                }
            }
        }
    });
    let scopes = account.scopes.clone();
    let scope_text = move || {
        scopes
            .iter()
            .map(|scope| i18n.tr(scope_label_key(scope)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let zone = StoredValue::new(time_zone);
    let when =
        move |at: &DateTime| intl::format_timestamp(at, i18n.locale(), Some(&zone.get_value()));
    let created_at: DateTime = account.created_at.clone();
    let created_text = {
        let created_at = created_at.clone();
        move || when(&created_at)
    };
    let last_used = account.last_used_at.clone();
    let never = tr!("credentials-never-used");
    let last_used_text = {
        let last_used = last_used.clone();
        move || last_used.as_ref().map_or_else(&never, when)
    };
    let confirm_id = format!("credential-{index}-confirm");
    let labelled = confirm_id.clone();
    let account_name = account.name.clone();
    let confirm_text = tr!("credentials-revoke-confirm-text", name = account_name);
    let actions = if account.revoked {
        view! { <span class="badge" id=format!("credential-{index}-revoked")>{tr!("credentials-revoked")}</span> }
            .into_any()
    } else {
        view! {
            <Show
                when=move || confirming.get()
                fallback=move || {
                    view! {
                        <Button
                            id=format!("revoke-credential-{index}")
                            kind=ButtonKind::Secondary
                            aria_describedby=format!("credential-{index}-name")
                            on_click=Callback::new(move |_| confirming.set(true))
                        >
                            {tr!("credentials-revoke")}
                        </Button>
                    }
                }
            >
                <div class="confirm" role="group" aria-labelledby=labelled.clone()>
                    <p id=confirm_id.clone() class="confirm-text">
                        {confirm_text.clone()}
                    </p>
                    <div class="button-row">
                        <Button
                            id=format!("confirm-revoke-credential-{index}")
                            busy=revoke.pending()
                            on_click=Callback::new(move |_| {
                                revoke.dispatch_local(());
                            })
                        >
                            {tr!("credentials-revoke-confirm")}
                        </Button>
                        <Button
                            id=format!("cancel-revoke-credential-{index}")
                            kind=ButtonKind::Secondary
                            on_click=Callback::new(move |_| confirming.set(false))
                        >
                            {tr!("credentials-cancel")}
                        </Button>
                    </div>
                </div>
            </Show>
        }
        .into_any()
    };
    view! {
        <tr>
            <th scope="row" id=name_id>{account.name.clone()}</th>
            <td data-label=tr!("credentials-client-id")><code>{account.client_id.clone()}</code></td>
            <td data-label=tr!("credentials-column-scopes")>{scope_text}</td>
            <td data-label=tr!("credentials-column-created")>
                <time datetime=created_at>{created_text}</time>
            </td>
            <td data-label=tr!("credentials-column-last-used")>{last_used_text}</td>
            <td data-label=tr!("column-actions")>
                {actions}
                {move || error.get().map(|error| view! { <ErrorAlert error=error /> })}
            </td>
        </tr>
    }
}

#[component]
fn NewCredential(created: Callback<Created>) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec!["ORG_READ".to_owned()]);
    let name_missing = RwSignal::new(false);
    let scopes_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let create = Action::new_local(move |variables: &create_service_account::Variables| {
        let variables = variables.clone();
        async move {
            let label = variables.name.trim().to_owned();
            match api.run_detailed::<CreateServiceAccount>(variables).await {
                Ok(data) => {
                    name.set(String::new());
                    scopes.set(vec!["ORG_READ".to_owned()]);
                    created.run(Created {
                        name: label,
                        client_id: data.create_service_account.client_id,
                        secret: data.create_service_account.client_secret,
                    });
                    portal_kit::layout::focus_main_after_render();
                }
                Err(error) => {
                    session.notice(error.error);
                    failure.set(Some(error));
                }
            }
        }
    });
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        let chosen: Vec<NewScope> = scopes
            .get_untracked()
            .iter()
            .filter_map(|wire| new_scope(wire))
            .collect();
        let label = name.get_untracked();
        name_missing.set(label.trim().is_empty() || label.trim().chars().count() > 100);
        scopes_missing.set(chosen.is_empty());
        if name_missing.get_untracked() || chosen.is_empty() {
            return;
        }
        create.dispatch_local(create_service_account::Variables {
            name: label.trim().to_owned(),
            scopes: chosen,
        });
    };
    let field_failed = move |key: &'static str| {
        failure.with(|f| f.as_ref().is_some_and(|f| f.field.as_deref() == Some(key)))
    };
    let name_message = tr!("credentials-name-invalid");
    let name_error =
        Signal::derive(move || (name_missing.get() || field_failed("name")).then(&name_message));
    let scopes_message = tr!("credentials-scopes-invalid");
    let scopes_error = Signal::derive(move || {
        (scopes_missing.get() || field_failed("scopes")).then(&scopes_message)
    });
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| !matches!(f.field.as_deref(), Some("name" | "scopes")))
                .map(|f| f.error)
        })
    };
    let i18n = use_i18n();
    let options = Signal::derive(move || {
        SCOPES
            .iter()
            .map(|(wire, key)| ((*wire).to_owned(), i18n.tr(key)))
            .collect::<Vec<_>>()
    });
    let working = tr!("credentials-creating");
    let label = tr!("credentials-create");
    view! {
        <h2 class="section-title" id="new-credential-form-title">{tr!("credentials-new-title")}</h2>
        {move || general_error().map(|error| view! { <ErrorAlert error=error id="credential-create-error" /> })}
        <form class="form narrow" on:submit=on_submit novalidate=true aria-labelledby="new-credential-form-title">
            <TextField
                id="credential-name"
                label=tr!("credentials-name")
                value=name
                required=true
                described_by="credential-name-hint"
                error=name_error
            />
            <p class="field-hint" id="credential-name-hint">{tr!("credentials-name-hint")}</p>
            <CheckboxGroup
                id="credential-scopes"
                legend=tr!("credentials-scopes")
                options=options
                selected=scopes
                error=scopes_error
                described_by="credential-scopes-hint"
            />
            <p class="field-hint" id="credential-scopes-hint">{tr!("credentials-scopes-hint")}</p>
            <Button id="create-credential" button_type="submit" busy=create.pending()>
                {move || if create.pending().get() { working() } else { label() }}
            </Button>
        </form>
    }
}
