//! The case's parties: who they are, for whom counsel acts, whether they have
//! joined and how their identity was checked; inviting, recording a check and
//! adding someone.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use portal_kit::prelude::*;

use super::{Detail, Party, party_label};

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_detail.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct AddParty;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_detail.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct InviteParty;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/case_detail.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct VerifyParty;

type Method = verify_party::VerificationMethod;

/// `(wire, label)` of each way staff can record an identity check.
fn method_options() -> Vec<(String, String)> {
    vec![
        ("PHOTO_ID_VIDEO".into(), tr!("verify-photo-id-video")()),
        (
            "PHOTO_ID_IN_PERSON".into(),
            tr!("verify-photo-id-in-person")(),
        ),
        ("KNOWN_TO_STAFF".into(), tr!("verify-known-to-staff")()),
        ("COURT_REFERRAL".into(), tr!("verify-court-referral")()),
    ]
}

fn method_of(wire: &str) -> Method {
    match wire {
        "PHOTO_ID_IN_PERSON" => Method::PHOTO_ID_IN_PERSON,
        "KNOWN_TO_STAFF" => Method::KNOWN_TO_STAFF,
        "COURT_REFERRAL" => Method::COURT_REFERRAL,
        _ => Method::PHOTO_ID_VIDEO,
    }
}

#[component]
pub fn Parties(
    detail: Detail,
    reload: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let case_id = StoredValue::new(detail.case.id.clone());
    let manage = detail.can.manage_parties;
    let failure = RwSignal::new(None::<ApiError>);
    let invite = Action::new_local(move |party_id: &String| {
        let variables = invite_party::Variables {
            case_id: case_id.get_value(),
            party_id: party_id.clone(),
            language: match i18n.locale_untracked().tag() {
                "es" => invite_party::LanguageInput::ES,
                _ => invite_party::LanguageInput::EN,
            },
        };
        async move { api.run::<InviteParty>(variables).await }
    });
    on_result(invite, failure, move |_| {
        notice.set(Some(tr!("admin-party-invited")()));
        reload.update(|n| *n += 1);
    });
    let verifying = RwSignal::new(None::<String>);
    let method = RwSignal::new("PHOTO_ID_VIDEO".to_owned());
    let verify = Action::new_local(move |(party_id, wire): &(String, String)| {
        let variables = verify_party::Variables {
            case_id: case_id.get_value(),
            party_id: party_id.clone(),
            method: method_of(wire),
        };
        async move { api.run::<VerifyParty>(variables).await }
    });
    on_result(verify, failure, move |_| {
        verifying.set(None);
        reload.update(|n| *n += 1);
    });
    let busy = Signal::derive(move || invite.pending().get() || verify.pending().get());
    let parties = detail.parties.clone();
    let names = StoredValue::new(
        parties
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect::<Vec<_>>(),
    );
    view! {
        <Card id="case-parties" title=tr!("admin-case-parties")>
            {move || failure.get().map(|error| view! { <ErrorAlert error=error id="party-error" /> })}
            <ul class="plain-list">
                {parties
                    .into_iter()
                    .map(|party| {
                        view! {
                            <PartyRow
                                party=party
                                manage=manage
                                busy=busy
                                represents=names.with_value(|names| names.clone())
                                on_invite=Callback::new(move |id: String| {
                                    failure.set(None);
                                    notice.set(None);
                                    invite.dispatch(id);
                                })
                                on_verify=Callback::new(move |id: String| {
                                    failure.set(None);
                                    verifying.set(Some(id));
                                })
                            />
                        }
                    })
                    .collect_view()}
            </ul>
            {move || {
                verifying
                    .get()
                    .map(|party_id| {
                        let name = names
                            .with_value(|names| {
                                names.iter().find(|(id, _)| *id == party_id).map(|(_, n)| n.clone())
                            })
                            .unwrap_or_default();
                        view! {
                            <form
                                class="form"
                                id="verify-form"
                                on:submit=move |event| {
                                    event.prevent_default();
                                    verify.dispatch((party_id.clone(), method.get_untracked()));
                                }
                            >
                                <h3 class="subheading">{tr!("admin-verify-title", name = name)}</h3>
                                <SelectField
                                    id="verify-method"
                                    label=tr!("admin-verify-method")
                                    value=method
                                    options=Signal::derive(method_options)
                                />
                                <div class="button-row">
                                    <Button id="verify-confirm" button_type="submit" busy=busy>
                                        {tr!("admin-verify-confirm")}
                                    </Button>
                                    <Button kind=ButtonKind::Secondary on_click=Callback::new(move |_| verifying.set(None))>
                                        {tr!("admin-cancel")}
                                    </Button>
                                </div>
                            </form>
                        }
                    })
            }}
            {manage.then(|| view! { <AddPartyForm case_id=case_id.get_value() names=names.get_value() reload=reload /> })}
        </Card>
    }
}

#[component]
fn PartyRow(
    party: Party,
    manage: bool,
    busy: Signal<bool>,
    represents: Vec<(String, String)>,
    on_invite: Callback<String>,
    on_verify: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name_id = format!("party-{}", party.id);
    let acts_for = party.represents_party_id.as_ref().and_then(|id| {
        represents
            .iter()
            .find(|(pid, _)| pid == id)
            .map(|(_, name)| name.clone())
    });
    let joined = if party.has_account {
        tr!("party-joined")()
    } else if let Some(at) = &party.invited_at {
        tr!(
            "admin-party-invited-at",
            when = intl::format_timestamp(at, i18n.locale(), None)
        )()
    } else {
        tr!("party-not-joined")()
    };
    let may_invite = manage && !party.has_account && party.email.is_some();
    let may_verify = manage && !party.verified;
    let (id_invite, id_verify) = (party.id.clone(), party.id.clone());
    view! {
        <li data-party=party.id.clone()>
            <strong id=name_id.clone()>{party.name.clone()}</strong>
            " — "
            {party_label(&party.party_type)}
            {acts_for.map(|name| view! { " " {tr!("admin-party-acts-for", name = name)} })}
            <br />
            <span class="hint">
                {party.email.clone().unwrap_or_else(|| tr!("admin-party-no-email")())}
                " · "
                {joined}
            </span>
            " "
            {if party.verified {
                view! { <span class="badge">{tr!("party-verified")}</span> }.into_any()
            } else {
                view! { <span class="badge badge-warning">{tr!("party-not-verified")}</span> }.into_any()
            }}
            <div class="button-row">
                {may_invite
                    .then(|| {
                        view! {
                            <Button
                                id=format!("invite-{}", party.id)
                                kind=ButtonKind::Secondary
                                busy=busy
                                aria_describedby=name_id.clone()
                                on_click=Callback::new(move |_| on_invite.run(id_invite.clone()))
                            >
                                {if party.invited_at.is_some() {
                                    tr!("admin-party-invite-again")()
                                } else {
                                    tr!("admin-party-invite")()
                                }}
                            </Button>
                        }
                    })}
                {may_verify
                    .then(|| {
                        view! {
                            <Button
                                id=format!("verify-{}", party.id)
                                kind=ButtonKind::Secondary
                                busy=busy
                                aria_describedby=name_id.clone()
                                on_click=Callback::new(move |_| on_verify.run(id_verify.clone()))
                            >
                                {tr!("admin-party-verify")}
                            </Button>
                        }
                    })}
            </div>
        </li>
    }
}

#[component]
fn AddPartyForm(
    case_id: String,
    names: Vec<(String, String)>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let api = use_api();
    let kind = RwSignal::new("RESPONDENT".to_owned());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let represents = RwSignal::new(names.first().map(|(id, _)| id.clone()).unwrap_or_default());
    let name_missing = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let case_id = StoredValue::new(case_id);
    let add = Action::new_local(move |_: &()| {
        let kind_wire = kind.get_untracked();
        let input = add_party::AddPartyInput {
            case_id: case_id.get_value(),
            kind: match kind_wire.as_str() {
                "OTHER" => add_party::NewPartyKind::OTHER,
                "REPRESENTATIVE" => add_party::NewPartyKind::REPRESENTATIVE,
                _ => add_party::NewPartyKind::RESPONDENT,
            },
            name: name.get_untracked().trim().to_owned(),
            email: Some(email.get_untracked().trim().to_owned()).filter(|e| !e.is_empty()),
            represents: (kind_wire == "REPRESENTATIVE").then(|| represents.get_untracked()),
        };
        async move { api.run::<AddParty>(add_party::Variables { input }).await }
    });
    on_result(add, failure, move |_| {
        name.set(String::new());
        email.set(String::new());
        reload.update(|n| *n += 1);
    });
    let kinds = Signal::derive(|| {
        vec![
            ("RESPONDENT".to_owned(), tr!("party-type-respondent")()),
            (
                "REPRESENTATIVE".to_owned(),
                tr!("party-type-representative")(),
            ),
            ("OTHER".to_owned(), tr!("party-type-other")()),
        ]
    });
    let names = StoredValue::new(names);
    view! {
        <details class="add-party">
            <summary>{tr!("admin-party-add")}</summary>
            <form
                class="form"
                id="add-party-form"
                on:submit=move |event| {
                    event.prevent_default();
                    failure.set(None);
                    if name.get_untracked().trim().is_empty() {
                        name_missing.set(true);
                        return;
                    }
                    name_missing.set(false);
                    add.dispatch(());
                }
            >
                {move || failure.get().map(|error| view! { <ErrorAlert error=error /> })}
                <SelectField id="party-kind" label=tr!("admin-party-kind") value=kind options=kinds />
                <Show when=move || kind.get() == "REPRESENTATIVE">
                    <SelectField
                        id="party-represents"
                        label=tr!("admin-party-represents")
                        value=represents
                        options=Signal::derive(move || names.get_value())
                    />
                </Show>
                <TextField
                    id="party-name"
                    label=tr!("admin-party-name")
                    value=name
                    required=true
                    error=Signal::derive(move || name_missing.get().then(tr!("admin-party-name-missing")))
                />
                <TextField id="party-email" label=tr!("admin-party-email") value=email input_type="email" />
                <Button id="add-party-submit" button_type="submit" busy=add.pending()>
                    {tr!("admin-party-add-submit")}
                </Button>
            </form>
        </details>
    }
}
