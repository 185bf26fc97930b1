//! On `/people`: inviting someone by email, and the invitations sent so far.

use graphql_client::GraphQLQuery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::gql::{DateTime, Failure};
use portal_kit::prelude::*;
use shared_types::Locale;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/invite_member.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug"
)]
pub struct InviteMember;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/invitations.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct Invitations;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/revoke_invitation.graphql",
    response_derives = "Debug"
)]
pub struct RevokeInvitation;

type InvitationRow = invitations::InvitationsInvitations;
use invitations::InvitationStatus;

/// The roles an organization invites people to, in the order offered.
const INVITABLE: &[RoleKey] = &[
    RoleKey::Party,
    RoleKey::PartyRepresentative,
    RoleKey::Observer,
    RoleKey::Mediator,
    RoleKey::CaseManager,
    RoleKey::OrgAdmin,
    RoleKey::BillingAdmin,
    RoleKey::ComplianceOfficer,
];

/// Roles `viewer` may invite (org admins any; case managers parties, their
/// representatives and observers).
fn invitable_roles(viewer: &Viewer) -> Vec<RoleKey> {
    INVITABLE
        .iter()
        .copied()
        .filter(|role| {
            viewer.has(RoleKey::OrgAdmin)
                || (viewer.has(RoleKey::CaseManager)
                    && matches!(
                        role,
                        RoleKey::Party | RoleKey::PartyRepresentative | RoleKey::Observer
                    ))
        })
        .collect()
}

fn role_value(role: RoleKey) -> &'static str {
    match role {
        RoleKey::PlatformOperator => "PLATFORM_OPERATOR",
        RoleKey::OrgAdmin => "ORG_ADMIN",
        RoleKey::CaseManager => "CASE_MANAGER",
        RoleKey::Mediator => "MEDIATOR",
        RoleKey::Party => "PARTY",
        RoleKey::PartyRepresentative => "PARTY_REPRESENTATIVE",
        RoleKey::Observer => "OBSERVER",
        RoleKey::BillingAdmin => "BILLING_ADMIN",
        RoleKey::ComplianceOfficer => "COMPLIANCE_OFFICER",
        RoleKey::Other => "OTHER",
    }
}

/// The invitation form and table, for staff who may invite anyone.
#[component]
pub fn InvitationsSection(viewer: Viewer) -> impl IntoView {
    let roles = invitable_roles(&viewer);
    if roles.is_empty() {
        return ().into_any();
    }
    let api = use_api();
    let session = use_session();
    let time_zone = StoredValue::new(viewer.user.timezone.clone());
    let rows = RwSignal::new(None::<Vec<InvitationRow>>);
    let list_error = RwSignal::new(None::<ApiError>);
    let reload = move || {
        spawn_local(async move {
            match api.run::<Invitations>(invitations::Variables).await {
                Ok(data) => {
                    list_error.set(None);
                    rows.set(Some(data.invitations));
                }
                Err(failure) => {
                    session.notice(failure);
                    list_error.set(Some(failure));
                }
            }
        });
    };
    reload();

    view! {
        <InviteForm roles=roles on_sent=Callback::new(move |()| reload()) />
        <InvitationsTable rows=rows list_error=list_error time_zone=time_zone.get_value() on_change=Callback::new(move |()| reload()) />
    }
    .into_any()
}

#[component]
fn InviteForm(roles: Vec<RoleKey>, on_sent: Callback<()>) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let i18n = use_i18n();
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(roles.first().map_or("PARTY", |r| role_value(*r)).to_owned());
    let language = RwSignal::new(i18n.locale_untracked().tag().to_owned());
    let missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let sent_to = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let labels: Vec<(RoleKey, Signal<String>)> =
        roles.iter().map(|role| (*role, role.label())).collect();
    let role_options = Signal::derive(move || {
        labels
            .iter()
            .map(|(role, label)| (role_value(*role).to_owned(), label.get()))
            .collect::<Vec<_>>()
    });
    let languages: Vec<(String, String)> = Locale::ALL
        .iter()
        .map(|locale| (locale.tag().to_owned(), locale.native_name().to_owned()))
        .collect();

    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        let address = email.get_untracked().trim().to_owned();
        missing.set(address.is_empty());
        failure.set(None);
        sent_to.set(None);
        if address.is_empty() {
            return;
        }
        let Some(role_key) = INVITABLE
            .iter()
            .copied()
            .find(|r| role_value(*r) == role.get_untracked())
        else {
            return;
        };
        let language = match language.get_untracked().as_str() {
            "es" => invite_member::LanguageInput::ES,
            _ => invite_member::LanguageInput::EN,
        };
        busy.set(true);
        spawn_local(async move {
            let input = invite_member::InviteMemberInput {
                email: address.clone(),
                role: role_key,
                language,
            };
            match api
                .run_detailed::<InviteMember>(invite_member::Variables { input })
                .await
            {
                Ok(_) => {
                    sent_to.set(Some(address));
                    email.set(String::new());
                    on_sent.run(());
                }
                Err(error) => {
                    session.notice(error.error);
                    failure.set(Some(error));
                }
            }
            busy.set(false);
        });
    };

    let required = tr!("admin-invite-email-required");
    let invalid = tr!("admin-invite-email-invalid");
    let email_error = Signal::derive(move || {
        if missing.get() {
            Some(required())
        } else {
            failure.with(|f| {
                f.as_ref()
                    .is_some_and(|f| f.field.as_deref() == Some("email"))
                    .then(&invalid)
            })
        }
    });
    let general_error = move || {
        failure.with(|f| {
            f.as_ref()
                .filter(|f| f.field.as_deref() != Some("email"))
                .map(|f| f.error)
        })
    };
    let sent = move || {
        sent_to.get().map(|address| {
            view! {
                <Alert kind=AlertKind::Info id="invite-result">
                    <p>{tr!("admin-invite-sent", email = address)}</p>
                </Alert>
            }
        })
    };
    let sending = tr!("admin-invite-sending");
    let submit = tr!("admin-invite-submit");

    view! {
        <Card id="invite" title=tr!("admin-invite-title")>
            <p>{tr!("admin-invite-intro")}</p>
            {sent}
            {move || general_error().map(|error| view! { <ErrorAlert error=error id="invite-error" /> })}
            <form class="form form-plain form-inline" on:submit=on_submit novalidate=true>
                <TextField
                    id="invite-email"
                    label=tr!("admin-invite-email")
                    value=email
                    input_type="email"
                    autocomplete="off"
                    required=true
                    error=email_error
                />
                <SelectField id="invite-role" label=tr!("admin-invite-role") value=role options=role_options />
                <SelectField
                    id="invite-language"
                    label=tr!("admin-invite-language")
                    value=language
                    options=languages
                />
                <Button id="invite-submit" button_type="submit" busy=busy>
                    {move || if busy.get() { sending() } else { submit() }}
                </Button>
            </form>
        </Card>
    }
}

#[component]
fn InvitationsTable(
    rows: RwSignal<Option<Vec<InvitationRow>>>,
    list_error: RwSignal<Option<ApiError>>,
    time_zone: String,
    on_change: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let withdrawn = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let time_zone = StoredValue::new(time_zone);

    let withdraw = Callback::new(move |(id, email): (String, String)| {
        busy.set(true);
        withdrawn.set(None);
        failure.set(None);
        spawn_local(async move {
            match api
                .run::<RevokeInvitation>(revoke_invitation::Variables { id })
                .await
            {
                Ok(_) => {
                    withdrawn.set(Some(email));
                    on_change.run(());
                }
                Err(error) => {
                    session.notice(error);
                    failure.set(Some(error));
                }
            }
            busy.set(false);
        });
    });

    let columns = vec![
        Signal::derive(tr!("column-email")),
        Signal::derive(tr!("column-role")),
        Signal::derive(tr!("column-status")),
        Signal::derive(tr!("column-expires")),
        Signal::derive(tr!("column-actions")),
    ];
    let table = move || {
        rows.get().map(|list| {
            let empty = list.is_empty();
            view! {
                <DataTable id="invitations-table" caption=tr!("admin-invitations-caption") columns=columns.clone()>
                    {list
                        .into_iter()
                        .enumerate()
                        .map(|(index, row)| {
                            view! {
                                <InvitationRowView
                                    row=row
                                    index=index
                                    time_zone=time_zone.get_value()
                                    busy=busy
                                    withdraw=withdraw
                                />
                            }
                        })
                        .collect_view()}
                </DataTable>
                {empty.then(|| view! { <p class="empty">{tr!("admin-invitations-empty")}</p> })}
            }
        })
    };

    view! {
        <section class="section" aria-labelledby="invitations-title">
            <h2 id="invitations-title" class="section-title">
                {tr!("admin-invitations-title")}
            </h2>
            {move || list_error.get().map(|error| view! { <ErrorAlert error=error id="invitations-error" /> })}
            {move || failure.get().map(|error| view! { <ErrorAlert error=error id="withdraw-error" /> })}
            {move || {
                withdrawn
                    .get()
                    .map(|email| {
                        view! {
                            <Alert kind=AlertKind::Info id="withdraw-result">
                                <p>{tr!("admin-invitation-withdrawn", email = email)}</p>
                            </Alert>
                        }
                    })
            }}
            <Show when=move || rows.with(Option::is_some) fallback=|| view! { <Loading /> }>
                {table.clone()}
            </Show>
        </section>
    }
}

#[component]
fn InvitationRowView(
    row: InvitationRow,
    index: usize,
    time_zone: String,
    busy: RwSignal<bool>,
    withdraw: Callback<(String, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let role = row.role.label();
    let pending = tr!("status-pending");
    let accepted = tr!("status-accepted");
    let revoked = tr!("status-revoked");
    let expired = tr!("status-expired");
    let other = tr!("status-other");
    let status = row.status.clone();
    let is_pending = matches!(status, InvitationStatus::PENDING);
    let status_text = move || match &status {
        InvitationStatus::PENDING => pending(),
        InvitationStatus::ACCEPTED => accepted(),
        InvitationStatus::REVOKED => revoked(),
        InvitationStatus::EXPIRED => expired(),
        InvitationStatus::Other(_) => other(),
    };
    let expires_at: DateTime = row.expires_at.clone();
    let expires = {
        let expires_at = expires_at.clone();
        move || intl::format_timestamp(&expires_at, i18n.locale(), Some(&time_zone))
    };
    let email_id = format!("invitation-{index}-email");
    let described = email_id.clone();
    let (id, email) = (row.id.clone(), row.email.clone());
    view! {
        <tr>
            <th scope="row" id=email_id>{row.email.clone()}</th>
            <td data-label=tr!("column-role")>{move || role.get()}</td>
            <td data-label=tr!("column-status")>{status_text}</td>
            <td data-label=tr!("column-expires")>
                <time datetime=expires_at>{expires}</time>
            </td>
            <td data-label=tr!("column-actions")>
                {is_pending
                    .then(|| {
                        view! {
                            <Button
                                id=format!("withdraw-{index}")
                                kind=ButtonKind::Secondary
                                busy=busy
                                aria_describedby=described.clone()
                                on_click=Callback::new(move |_| {
                                    withdraw.run((id.clone(), email.clone()))
                                })
                            >
                                {tr!("admin-invitation-withdraw")}
                            </Button>
                        }
                    })}
            </td>
        </tr>
    }
}
