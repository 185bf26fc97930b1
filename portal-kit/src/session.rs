//! Who is signed in: loaded with `me` when the portal starts, set by sign-in,
//! cleared by sign-out. Shared by every page through a context.

use graphql_client::GraphQLQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::{ErrorCode, Locale};

use crate::gql::{Api, ApiError, DateTime, Failure, RoleKey, use_api};

pub use accept_invitation::{AcceptInvitationInput, LanguageInput};

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/me.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct Me;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sign_in.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct SignIn;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/verify_mfa.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct VerifyMfa;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/passkey_sign_in.graphql",
    response_derives = "Debug, Clone"
)]
pub struct StartPasskeySignIn;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/passkey_sign_in.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct FinishPasskeySignIn;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/complete_sso_sign_in.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct CompleteSsoSignIn;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sign_in.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct SignInWithLink;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/me.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct UpdateProfile;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/my_organizations.graphql",
    response_derives = "Debug, Clone, PartialEq"
)]
pub struct MyOrganizations;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/switch_organization.graphql",
    extern_enums("RoleKey"),
    response_derives = "Debug, Clone"
)]
pub struct SwitchOrganization;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/sign_out.graphql",
    response_derives = "Debug"
)]
pub struct SignOut;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../schema.graphql",
    query_path = "graphql/accept_invitation.graphql",
    extern_enums("RoleKey"),
    variables_derives = "Clone",
    response_derives = "Debug, Clone"
)]
pub struct AcceptInvitation;

/// The signed-in person, as the current organization sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    /// BCP 47 tag of the person's preferred language.
    pub locale: String,
    /// IANA time zone, for example `Europe/Madrid`.
    pub timezone: String,
}

/// The organization the session is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub tier: String,
    /// `#rrggbb`, readable under white text.
    pub brand_color: String,
    /// Where its logo is served (`/branding/…`), if it has one.
    pub logo_url: Option<String>,
    /// RFC 3339.
    pub created_at: DateTime,
}

/// Who is signed in, where, and with which roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user: User,
    pub organization: Organization,
    pub roles: Vec<RoleKey>,
    /// The organization requires a second factor of one of these roles and
    /// none is set up: set-up comes before anything else.
    pub mfa_enrollment_required: bool,
}

impl Viewer {
    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|role| role.is_staff())
    }

    pub fn has(&self, role: RoleKey) -> bool {
        self.roles.contains(&role)
    }
}

/// Each generated operation has its own copy of the `ViewerParts` fragment types.
macro_rules! viewer_from_fragment {
    ($module:ident) => {
        impl From<$module::ViewerParts> for Viewer {
            fn from(parts: $module::ViewerParts) -> Self {
                let $module::ViewerParts {
                    user,
                    organization,
                    roles,
                    mfa_enrollment_required,
                } = parts;
                Viewer {
                    user: User {
                        id: user.id,
                        email: user.email,
                        name: user.name,
                        locale: user.locale,
                        timezone: user.timezone,
                    },
                    organization: Organization {
                        id: organization.id,
                        slug: organization.slug,
                        name: organization.name,
                        tier: organization.tier,
                        brand_color: organization.brand_color,
                        logo_url: organization.logo_url,
                        created_at: organization.created_at,
                    },
                    roles,
                    mfa_enrollment_required,
                }
            }
        }
    };
}

viewer_from_fragment!(me);
viewer_from_fragment!(sign_in);
viewer_from_fragment!(verify_mfa);
viewer_from_fragment!(accept_invitation);
viewer_from_fragment!(finish_passkey_sign_in);
viewer_from_fragment!(complete_sso_sign_in);
viewer_from_fragment!(switch_organization);
viewer_from_fragment!(sign_in_with_link);
viewer_from_fragment!(update_profile);

/// Why a passkey sign-in did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeySignInError {
    Api(ApiError),
    Browser(crate::passkey::PasskeyError),
}

/// Where the session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// `me` has not answered yet.
    Loading,
    SignedOut,
    SignedIn(Viewer),
    /// `me` failed; [`Session::reload`] tries again.
    Failed(ApiError),
}

/// The session context. Copy it into closures and async blocks.
#[derive(Clone, Copy)]
pub struct Session {
    state: RwSignal<SessionState>,
    viewer: Memo<Option<Viewer>>,
    api: Api,
}

impl Session {
    fn new(api: Api) -> Self {
        let state = RwSignal::new(SessionState::Loading);
        let viewer = Memo::new(move |_| match state.get() {
            SessionState::SignedIn(viewer) => Some(viewer),
            _ => None,
        });
        Self { state, viewer, api }
    }

    /// The current state (tracked).
    pub fn state(&self) -> SessionState {
        self.state.get()
    }

    /// The signed-in viewer, if any (tracked; changes only when the viewer does).
    pub fn viewer(&self) -> Option<Viewer> {
        self.viewer.get()
    }

    /// Asks the API who is signed in.
    pub fn reload(&self) {
        let session = *self;
        session.state.set(SessionState::Loading);
        spawn_local(async move {
            let state = match session.api.run::<Me>(me::Variables).await {
                Ok(me::ResponseData { me: Some(parts) }) => SessionState::SignedIn(parts.into()),
                Ok(me::ResponseData { me: None }) => SessionState::SignedOut,
                Err(error) => SessionState::Failed(error),
            };
            session.state.set(state);
        });
    }

    /// Reacts to an error from any operation: an `UNAUTHENTICATED` answer means the
    /// session ended (expired, or signed out elsewhere), so ask again who is here.
    pub fn notice(&self, error: ApiError) {
        if error.code() == Some(ErrorCode::Unauthenticated) {
            self.reload();
        }
    }

    /// Runs operation `Q`; on success the whole portal sees the viewer that
    /// `viewer` takes from its answer.
    async fn run_for_viewer<Q: GraphQLQuery>(
        self,
        variables: Q::Variables,
        viewer: impl FnOnce(Q::ResponseData) -> Viewer,
    ) -> Result<(), Failure> {
        let data = self.api.run_detailed::<Q>(variables).await?;
        self.state.set(SessionState::SignedIn(viewer(data)));
        Ok(())
    }

    /// Signs in; on success the whole portal sees the new viewer.
    pub async fn sign_in(self, email: String, password: String) -> Result<(), ApiError> {
        self.sign_in_detailed(email, password)
            .await
            .map_err(|failure| failure.error)
    }

    /// Like [`Session::sign_in`], but an `MFA_REQUIRED` failure carries the
    /// challenge for [`Session::verify_mfa`].
    pub async fn sign_in_detailed(self, email: String, password: String) -> Result<(), Failure> {
        self.run_for_viewer::<SignIn>(sign_in::Variables { email, password }, |data| {
            data.sign_in.viewer.into()
        })
        .await
    }

    /// Completes a two-step sign-in with a code from the app or a recovery code.
    pub async fn verify_mfa(self, challenge: String, code: String) -> Result<(), ApiError> {
        self.run_for_viewer::<VerifyMfa>(verify_mfa::Variables { challenge, code }, |data| {
            data.verify_mfa.viewer.into()
        })
        .await
        .map_err(|failure| failure.error)
    }

    /// Signs in with a passkey of the account at `email`: the API's options go
    /// to the browser, whose answer goes back to the API.
    pub async fn sign_in_with_passkey(self, email: String) -> Result<(), PasskeySignInError> {
        let started = self
            .api
            .run::<StartPasskeySignIn>(start_passkey_sign_in::Variables { email })
            .await
            .map_err(PasskeySignInError::Api)?
            .start_passkey_sign_in;
        let credential = crate::passkey::get(&started.options)
            .await
            .map_err(PasskeySignInError::Browser)?;
        let variables = finish_passkey_sign_in::Variables {
            challenge_id: started.challenge_id,
            credential,
        };
        self.run_for_viewer::<FinishPasskeySignIn>(variables, |data| {
            data.finish_passkey_sign_in.viewer.into()
        })
        .await
        .map_err(|failure| PasskeySignInError::Api(failure.error))
    }

    /// Finishes a single sign-on with the callback's one-time token. An
    /// `MFA_REQUIRED` failure carries the challenge for [`Session::verify_mfa`].
    pub async fn complete_sso(self, token: String) -> Result<(), Failure> {
        self.run_for_viewer::<CompleteSsoSignIn>(
            complete_sso_sign_in::Variables { token },
            |data| data.complete_sso_sign_in.viewer.into(),
        )
        .await
    }

    /// Signs in with the one-time token of an emailed sign-in link. An
    /// `MFA_REQUIRED` failure carries the challenge for [`Session::verify_mfa`].
    pub async fn sign_in_with_link(self, token: String) -> Result<(), Failure> {
        self.run_for_viewer::<SignInWithLink>(sign_in_with_link::Variables { token }, |data| {
            data.sign_in_with_link.viewer.into()
        })
        .await
    }

    /// Saves the signed-in person's name, language, time zone and, when
    /// given, mobile number and SMS choice; the whole portal sees the changed
    /// viewer.
    pub async fn update_profile(
        self,
        name: String,
        language: Locale,
        timezone: String,
        contact: Option<(String, bool)>,
    ) -> Result<(), Failure> {
        let language = match language {
            Locale::En => update_profile::LanguageInput::EN,
            Locale::Es => update_profile::LanguageInput::ES,
        };
        let variables = update_profile::Variables {
            name: Some(name),
            language: Some(language),
            timezone: Some(timezone),
            mobile: contact.as_ref().map(|(mobile, _)| mobile.clone()),
            sms_opt_in: contact.map(|(_, opt_in)| opt_in),
        };
        self.run_for_viewer::<UpdateProfile>(variables, |data| data.update_profile.into())
            .await
    }

    /// Accepts an invitation by creating the account; on success the portal is
    /// signed in as the new user.
    pub async fn accept_invitation(self, input: AcceptInvitationInput) -> Result<(), Failure> {
        self.run_for_viewer::<AcceptInvitation>(accept_invitation::Variables { input }, |data| {
            data.accept_invitation.viewer.into()
        })
        .await
    }

    /// The organizations the signed-in person holds roles in: `(id, name, current)`.
    pub async fn organizations(self) -> Result<Vec<(String, String, bool)>, ApiError> {
        let data = self
            .api
            .run::<MyOrganizations>(my_organizations::Variables)
            .await?;
        Ok(data
            .my_organizations
            .into_iter()
            .map(|m| (m.organization_id, m.name, m.current))
            .collect())
    }

    /// Makes another organization the active one; the whole portal follows.
    pub async fn switch_organization(self, organization_id: String) -> Result<(), ApiError> {
        let variables = switch_organization::Variables { organization_id };
        self.run_for_viewer::<SwitchOrganization>(variables, |data| data.switch_organization.into())
            .await
            .map_err(|failure| failure.error)
    }

    /// Forgets the viewer after the session ended elsewhere (sign out everywhere).
    pub fn signed_out(&self) {
        self.state.set(SessionState::SignedOut);
    }

    /// Signs out; the state stays signed in when the API could not be reached.
    pub async fn sign_out(self) -> Result<(), ApiError> {
        self.api.run::<SignOut>(sign_out::Variables).await?;
        self.state.set(SessionState::SignedOut);
        Ok(())
    }
}

pub(crate) fn provide_session() {
    let session = Session::new(use_api());
    provide_context(session);
    session.reload();
}

/// The session context (a signed-out one outside a portal).
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| {
        let session = Session::new(use_api());
        session.state.set(SessionState::SignedOut);
        session
    })
}
