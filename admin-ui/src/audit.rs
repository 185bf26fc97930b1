//! `/audit`: the organization's audit log (org admins and compliance officers).

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_kit::gql::DateTime;
use portal_kit::prelude::*;

use crate::StaffPage;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/audit_log.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AuditLog;

type Entry = audit_log::AuditLogAuditLogEdgesNode;
use audit_log::AuditAction;

const PAGE_SIZE: i64 = 50;

/// The filter choices: the select's value and the API's action.
const ACTIONS: &[(&str, &str)] = &[
    ("SIGN_IN", "identity.sign_in"),
    ("SIGN_IN_FAILED", "identity.sign_in_failed"),
    ("SIGN_OUT", "identity.sign_out"),
    ("SESSION_REVOKED", "identity.session_revoked"),
    ("SIGNED_OUT_EVERYWHERE", "identity.signed_out_everywhere"),
    ("ORGANIZATION_UPDATED", "org.updated"),
    ("INVITATION_CREATED", "identity.invitation_created"),
    ("INVITATION_REVOKED", "identity.invitation_revoked"),
    ("INVITATION_ACCEPTED", "identity.invitation_accepted"),
    ("PASSWORD_RESET", "identity.password_reset"),
    ("MEMBER_SUSPENDED", "identity.member_suspended"),
    ("MEMBER_REACTIVATED", "identity.member_reactivated"),
    ("MEMBER_DELETED", "identity.member_deleted"),
    ("MEMBER_REMOVED", "identity.member_removed"),
    ("ORGANIZATION_CREATED", "org.created"),
    ("MFA_ENABLED", "identity.mfa_enabled"),
    ("ROLE_CHANGED", "identity.role_changed"),
    ("ORGANIZATION_SWITCHED", "identity.organization_switched"),
    ("PASSKEY_ADDED", "identity.passkey_added"),
    ("PASSKEY_REMOVED", "identity.passkey_removed"),
    ("SSO_CONNECTION_CHANGED", "org.sso_connection_changed"),
];

fn action_filter(value: &str) -> Option<AuditAction> {
    Some(match value {
        "SIGN_IN" => AuditAction::SIGN_IN,
        "SIGN_IN_FAILED" => AuditAction::SIGN_IN_FAILED,
        "SIGN_OUT" => AuditAction::SIGN_OUT,
        "SESSION_REVOKED" => AuditAction::SESSION_REVOKED,
        "SIGNED_OUT_EVERYWHERE" => AuditAction::SIGNED_OUT_EVERYWHERE,
        "ORGANIZATION_UPDATED" => AuditAction::ORGANIZATION_UPDATED,
        "INVITATION_CREATED" => AuditAction::INVITATION_CREATED,
        "INVITATION_REVOKED" => AuditAction::INVITATION_REVOKED,
        "INVITATION_ACCEPTED" => AuditAction::INVITATION_ACCEPTED,
        "PASSWORD_RESET" => AuditAction::PASSWORD_RESET,
        "MEMBER_SUSPENDED" => AuditAction::MEMBER_SUSPENDED,
        "MEMBER_REACTIVATED" => AuditAction::MEMBER_REACTIVATED,
        "MEMBER_DELETED" => AuditAction::MEMBER_DELETED,
        "MEMBER_REMOVED" => AuditAction::MEMBER_REMOVED,
        "ORGANIZATION_CREATED" => AuditAction::ORGANIZATION_CREATED,
        "MFA_ENABLED" => AuditAction::MFA_ENABLED,
        "ROLE_CHANGED" => AuditAction::ROLE_CHANGED,
        "ORGANIZATION_SWITCHED" => AuditAction::ORGANIZATION_SWITCHED,
        "PASSKEY_ADDED" => AuditAction::PASSKEY_ADDED,
        "PASSKEY_REMOVED" => AuditAction::PASSKEY_REMOVED,
        "SSO_CONNECTION_CHANGED" => AuditAction::SSO_CONNECTION_CHANGED,
        _ => return None,
    })
}

/// Each action's name in the current language.
#[derive(Clone, Copy)]
struct ActionLabels([Signal<String>; 21]);

impl ActionLabels {
    fn new() -> Self {
        Self([
            Signal::derive(tr!("audit-action-sign-in")),
            Signal::derive(tr!("audit-action-sign-in-failed")),
            Signal::derive(tr!("audit-action-sign-out")),
            Signal::derive(tr!("audit-action-session-revoked")),
            Signal::derive(tr!("audit-action-signed-out-everywhere")),
            Signal::derive(tr!("audit-action-org-updated")),
            Signal::derive(tr!("audit-action-invitation-created")),
            Signal::derive(tr!("audit-action-invitation-revoked")),
            Signal::derive(tr!("audit-action-invitation-accepted")),
            Signal::derive(tr!("audit-action-password-reset")),
            Signal::derive(tr!("audit-action-member-suspended")),
            Signal::derive(tr!("audit-action-member-reactivated")),
            Signal::derive(tr!("audit-action-member-deleted")),
            Signal::derive(tr!("audit-action-member-removed")),
            Signal::derive(tr!("audit-action-org-created")),
            Signal::derive(tr!("audit-action-mfa-enabled")),
            Signal::derive(tr!("audit-action-role-changed")),
            Signal::derive(tr!("audit-action-org-switched")),
            Signal::derive(tr!("audit-action-passkey-added")),
            Signal::derive(tr!("audit-action-passkey-removed")),
            Signal::derive(tr!("audit-action-sso-changed")),
        ])
    }

    /// The label of a wire action such as `identity.sign_in`; unknown ones as they are.
    fn of(self, action: &str) -> String {
        ACTIONS
            .iter()
            .position(|(_, wire)| *wire == action)
            .map_or_else(|| action.to_owned(), |index| self.0[index].get())
    }
}

/// The first characters of an identifier, enough to tell entries apart.
fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

#[component]
pub fn Audit() -> impl IntoView {
    view! {
        <StaffPage let:viewer>
            {if viewer.has(RoleKey::OrgAdmin) || viewer.has(RoleKey::ComplianceOfficer) {
                view! { <AuditBody viewer=viewer /> }.into_any()
            } else {
                view! {
                    <PageTitle id="page-title" text=tr!("audit-title") />
                    <ErrorAlert error=ApiError::Code(shared_types::ErrorCode::Forbidden) id="audit-error" />
                }
                    .into_any()
            }}
        </StaffPage>
    }
}

#[component]
fn AuditBody(viewer: Viewer) -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let labels = ActionLabels::new();
    let filter = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Entry>::new());
    let next = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    // Answers to an older filter are dropped.
    let generation = StoredValue::new(0u32);
    let time_zone = StoredValue::new(viewer.user.timezone.clone());

    let load = move |fresh: bool| {
        if fresh {
            generation.update_value(|g| *g += 1);
            next.set(None);
            loaded.set(false);
        }
        let this = generation.get_value();
        let after = if fresh { None } else { next.get_untracked() };
        let action = action_filter(&filter.get_untracked());
        loading.set(true);
        error.set(None);
        spawn_local(async move {
            let variables = audit_log::Variables {
                first: PAGE_SIZE,
                after,
                action,
            };
            let result = api.run::<AuditLog>(variables).await;
            if generation.get_value() != this {
                return;
            }
            match result {
                Ok(data) => {
                    let page = data.audit_log;
                    let entries = page.edges.into_iter().map(|edge| edge.node);
                    if fresh {
                        rows.set(entries.collect());
                    } else {
                        rows.update(|rows| rows.extend(entries));
                    }
                    next.set(
                        page.page_info
                            .end_cursor
                            .filter(|_| page.page_info.has_next_page),
                    );
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
    load(true);

    let all = tr!("audit-filter-all");
    let options = Signal::derive(move || {
        std::iter::once((String::new(), all()))
            .chain(
                ACTIONS
                    .iter()
                    .map(|(value, wire)| ((*value).to_owned(), labels.of(wire))),
            )
            .collect::<Vec<_>>()
    });
    Effect::new(move |previous: Option<String>| {
        let value = filter.get();
        if previous.is_some_and(|previous| previous != value) {
            load(true);
        }
        value
    });

    let columns = vec![
        Signal::derive(tr!("column-time")),
        Signal::derive(tr!("column-action")),
        Signal::derive(tr!("column-actor")),
        Signal::derive(tr!("column-target")),
        Signal::derive(tr!("column-ip")),
    ];

    view! {
        <PageTitle id="page-title" text=tr!("audit-title") />
        <p class="lead">{tr!("audit-intro")}</p>
        <div class="filters">
            <SelectField id="audit-action" label=tr!("audit-filter") value=filter options=options />
        </div>
        {move || error.get().map(|error| view! { <ErrorAlert error=error id="audit-error" /> })}
        <Show when=move || loaded.get() fallback=move || view! { <Loading /> }>
            <DataTable id="audit-table" caption=tr!("audit-caption") columns=columns.clone()>
                <For each=move || rows.get() key=|entry| entry.id.clone() let:entry>
                    <EntryRow entry=entry labels=labels time_zone=time_zone.get_value() />
                </For>
            </DataTable>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty" id="audit-empty">
                    {tr!("audit-empty")}
                </p>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <Button
                    id="audit-more"
                    kind=ButtonKind::Secondary
                    busy=loading
                    on_click=Callback::new(move |_| load(false))
                >
                    {tr!("audit-more")}
                </Button>
            </Show>
        </Show>
    }
}

#[component]
fn EntryRow(entry: Entry, labels: ActionLabels, time_zone: String) -> impl IntoView {
    let i18n = use_i18n();
    let created: DateTime = entry.created_at.clone();
    let time = {
        let created = created.clone();
        move || intl::format_timestamp(&created, i18n.locale(), Some(&time_zone))
    };
    let action = entry.action.clone();
    let action_text = move || labels.of(&action);
    let system = tr!("audit-system");
    let actor = entry.actor_id.clone();
    let actor_text = move || actor.as_deref().map_or_else(&system, short);
    let target = match (entry.target_type.as_deref(), entry.target_id.as_deref()) {
        (Some(kind), Some(id)) => format!("{kind} {}", short(id)),
        (Some(kind), None) => kind.to_owned(),
        (None, Some(id)) => short(id),
        (None, None) => "—".to_owned(),
    };
    view! {
        <tr>
            <th scope="row">
                <time datetime=created>{time}</time>
            </th>
            <td data-label=tr!("column-action")>
                <span class="audit-action" data-action=entry.action.clone()>
                    {action_text}
                </span>
            </td>
            <td data-label=tr!("column-actor")>
                <code title=entry.actor_id.clone()>{actor_text}</code>
            </td>
            <td data-label=tr!("column-target")>
                <span title=entry.target_id.clone()>{target}</span>
            </td>
            <td data-label=tr!("column-ip")>{entry.ip.clone().unwrap_or_default()}</td>
        </tr>
    }
}
