//! The single sign-on part of `/settings`: the organization's OpenID Connect
//! connections, turning them on and off, removing them, and adding one.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_kit::gql::Failure;
use portal_kit::prelude::*;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sso_connections.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct SsoConnections;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sso_connections.graphql",
    extern_enums("RoleKey"),
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct CreateSsoConnection;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sso_connections.graphql",
    response_derives = "Debug, Clone"
)]
pub struct SetSsoConnectionEnabled;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sso_connections.graphql",
    response_derives = "Debug, Clone"
)]
pub struct DeleteSsoConnection;

type Connection = sso_connections::SsoConnectionsSsoConnections;

/// The roles a connection may give (never an administrator's).
const PROVISIONABLE: &[RoleKey] = &[
    RoleKey::Mediator,
    RoleKey::CaseManager,
    RoleKey::BillingAdmin,
    RoleKey::ComplianceOfficer,
    RoleKey::Party,
    RoleKey::PartyRepresentative,
    RoleKey::Observer,
];

#[component]
pub fn SsoSection() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let loaded = LocalResource::new(move || async move {
        let result = api.run::<SsoConnections>(sso_connections::Variables).await;
        if let Err(error) = result {
            session.notice(error);
        }
        result
    });
    let error = RwSignal::new(None::<ApiError>);
    let toggle = Action::new_local(move |(id, enabled): &(String, bool)| {
        let (id, enabled) = (id.clone(), *enabled);
        async move {
            match api
                .run::<SetSsoConnectionEnabled>(set_sso_connection_enabled::Variables {
                    id,
                    enabled,
                })
                .await
            {
                Ok(_) => loaded.refetch(),
                Err(failure) => error.set(Some(failure)),
            }
        }
    });
    let remove = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            match api
                .run::<DeleteSsoConnection>(delete_sso_connection::Variables { id })
                .await
            {
                Ok(_) => loaded.refetch(),
                Err(failure) => error.set(Some(failure)),
            }
        }
    });
    let added = Callback::new(move |()| loaded.refetch());
    let turn_on = tr!("sso-turn-on");
    let turn_off = tr!("sso-turn-off");
    let delete_label = tr!("sso-delete");
    let on_text = tr!("sso-on");
    let off_text = tr!("sso-off");
    let list = move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error=error id="sso-load-error" /> }.into_any(),
        Some(Ok(data)) => {
            let redirect = data.sso_redirect_uri.clone();
            let rows = if data.sso_connections.is_empty() {
                view! { <p id="no-sso">{tr!("sso-none")}</p> }.into_any()
            } else {
                view! {
                    <ul id="sso-list" class="plain-list">
                        {data
                            .sso_connections
                            .into_iter()
                            .map(|connection: Connection| {
                                let label_id = format!("sso-{}", connection.id);
                                let id = connection.id.clone();
                                let id_for_delete = connection.id.clone();
                                let enabled = connection.enabled;
                                let domains = connection.email_domains.join(", ");
                                let role = connection.default_role.label();
                                view! {
                                    <li>
                                        <span id=label_id.clone() class="item-name">{connection.name}</span>
                                        <span class="item-meta">
                                            {domains} " · " {move || role.get()} " · "
                                            {move || if enabled { on_text() } else { off_text() }}
                                        </span>
                                        <Button
                                            kind=ButtonKind::Secondary
                                            aria_describedby=label_id.clone()
                                            busy=toggle.pending()
                                            on_click=Callback::new(move |_| {
                                                toggle.dispatch_local((id.clone(), !enabled));
                                            })
                                        >
                                            {move || if enabled { turn_off() } else { turn_on() }}
                                        </Button>
                                        <Button
                                            kind=ButtonKind::Secondary
                                            aria_describedby=label_id
                                            busy=remove.pending()
                                            on_click=Callback::new(move |_| {
                                                remove.dispatch_local(id_for_delete.clone());
                                            })
                                        >
                                            {delete_label}
                                        </Button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            };
            view! {
                {rows}
                <p id="sso-redirect-label">{tr!("sso-redirect")}</p>
                <p>
                    <code id="sso-redirect" aria-labelledby="sso-redirect-label">{redirect}</code>
                </p>
            }
            .into_any()
        }
    };
    view! {
        <h2 class="section-title" id="sso-title">{tr!("sso-title")}</h2>
        <p>{tr!("sso-intro")}</p>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="sso-error" /> })}
        {list}
        <NewConnection added=added />
    }
}

#[component]
fn NewConnection(added: Callback<()>) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let name = RwSignal::new(String::new());
    let issuer = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    let client_secret = RwSignal::new(String::new());
    let domains = RwSignal::new(String::new());
    let role = RwSignal::new(RoleKey::Mediator.wire().to_owned());
    let failure = RwSignal::new(None::<Failure>);
    let missing = RwSignal::new(Vec::<&'static str>::new());
    let created = RwSignal::new(false);
    let create = Action::new_local(
        move |input: &create_sso_connection::CreateSsoConnectionInput| {
            let input = input.clone();
            async move {
                match api
                    .run_detailed::<CreateSsoConnection>(create_sso_connection::Variables { input })
                    .await
                {
                    Ok(_) => {
                        for field in [name, issuer, client_id, client_secret, domains] {
                            field.set(String::new());
                        }
                        created.set(true);
                        added.run(());
                    }
                    Err(error) => {
                        session.notice(error.error);
                        failure.set(Some(error));
                    }
                }
            }
        },
    );
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        created.set(false);
        let mut empty = Vec::new();
        for (field, key) in [
            (name, "name"),
            (issuer, "issuer"),
            (client_id, "clientId"),
            (domains, "emailDomains"),
        ] {
            if field.get_untracked().trim().is_empty() {
                empty.push(key);
            }
        }
        missing.set(empty.clone());
        if !empty.is_empty() {
            return;
        }
        let secret = client_secret.get_untracked();
        create.dispatch_local(create_sso_connection::CreateSsoConnectionInput {
            name: name.get_untracked(),
            issuer: issuer.get_untracked(),
            client_id: client_id.get_untracked(),
            client_secret: (!secret.trim().is_empty()).then_some(secret),
            email_domains: domains
                .get_untracked()
                .split([',', ' ', ';'])
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
            default_role: RoleKey::from_wire(&role.get_untracked()).unwrap_or(RoleKey::Mediator),
        });
    };
    let field_error = move |key: &'static str, message: Signal<String>| {
        Signal::derive(move || {
            let failed = missing.with(|m| m.contains(&key))
                || failure.with(|f| f.as_ref().is_some_and(|f| f.field.as_deref() == Some(key)));
            failed.then(|| message.get())
        })
    };
    let general_error =
        move || failure.with(|f| f.as_ref().filter(|f| f.field.is_none()).map(|f| f.error));
    let roles = Signal::derive(|| {
        PROVISIONABLE
            .iter()
            .map(|r| (r.wire().to_owned(), r.label().get()))
            .collect::<Vec<_>>()
    });
    let working = tr!("sso-adding");
    let label = tr!("sso-add");
    view! {
        <h3 class="subheading" id="sso-new-title">{tr!("sso-new-title")}</h3>
        {move || general_error().map(|error| view! { <ErrorAlert error=error id="sso-create-error" /> })}
        <Show when=move || created.get()>
            <Alert kind=AlertKind::Info id="sso-created">
                <p>{tr!("sso-created")}</p>
            </Alert>
        </Show>
        <form class="form" on:submit=on_submit novalidate=true aria-labelledby="sso-new-title">
            <TextField
                id="sso-name"
                label=tr!("sso-name")
                value=name
                required=true
                error=field_error("name", Signal::derive(tr!("sso-name-invalid")))
            />
            <TextField
                id="sso-issuer"
                label=tr!("sso-issuer")
                value=issuer
                input_type="url"
                required=true
                described_by="sso-issuer-hint"
                error=field_error("issuer", Signal::derive(tr!("sso-issuer-invalid")))
            />
            <p class="hint" id="sso-issuer-hint">{tr!("sso-issuer-hint")}</p>
            <TextField
                id="sso-client-id"
                label=tr!("sso-client-id")
                value=client_id
                required=true
                error=field_error("clientId", Signal::derive(tr!("sso-client-id-invalid")))
            />
            <TextField
                id="sso-client-secret"
                label=tr!("sso-client-secret")
                value=client_secret
                input_type="password"
                autocomplete="off"
                described_by="sso-client-secret-hint"
                error=field_error("clientSecret", Signal::derive(tr!("sso-client-secret-invalid")))
            />
            <p class="hint" id="sso-client-secret-hint">{tr!("sso-client-secret-hint")}</p>
            <TextField
                id="sso-domains"
                label=tr!("sso-domains")
                value=domains
                required=true
                described_by="sso-domains-hint"
                error=field_error("emailDomains", Signal::derive(tr!("sso-domains-invalid")))
            />
            <p class="hint" id="sso-domains-hint">{tr!("sso-domains-hint")}</p>
            <SelectField id="sso-role" label=tr!("sso-role") value=role options=roles />
            <Button id="add-sso" button_type="submit" busy=create.pending()>
                {move || if create.pending().get() { working() } else { label() }}
            </Button>
        </form>
    }
}
