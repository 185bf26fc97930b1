//! The organization's rules for its video lobby.

use serde::{Deserialize, Serialize};

/// Stored in `organizations.settings_json.video`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VideoRules {
    /// Statements a participant confirms before entering the lobby; `None`
    /// is the default question.
    pub lobby_questions: Option<Vec<String>>,
}

/// At most this many questions, each at most this long.
pub const MAX_QUESTIONS: usize = 8;
pub const MAX_QUESTION_CHARS: usize = 300;

impl VideoRules {
    pub fn lobby_questions(&self) -> Vec<String> {
        self.lobby_questions.clone().unwrap_or_else(|| {
            vec!["I am in a private place where no one else can see or hear the session.".into()]
        })
    }
}

use async_graphql::{Context, Object, SimpleObject};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::audit::{self, AuditAction, NewEntry};
use crate::authz::{self, Action};
use crate::db::TenantTx;
use crate::error::{AppError, AppResult, FieldError};
use crate::graphql::context::RequestContext;
use crate::orgs::service::{self as orgs, OrgSettings};

impl VideoRules {
    /// Each question's problem, by its place in the list.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let Some(questions) = &self.lobby_questions else {
            return Ok(());
        };
        let mut errors = Vec::new();
        if questions.is_empty() || questions.len() > MAX_QUESTIONS {
            errors.push(FieldError::new("lobbyQuestions".to_owned(), "count"));
        }
        for (i, q) in questions.iter().enumerate() {
            let chars = q.trim().chars().count();
            if chars == 0 || chars > MAX_QUESTION_CHARS {
                errors.push(FieldError::new(format!("lobbyQuestions.{i}"), "length"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

pub async fn load(tx: &TenantTx) -> AppResult<VideoRules> {
    let org = orgs::current(tx).await?;
    Ok(OrgSettings::from_json(&org.settings_json).video)
}

pub async fn save(tx: &TenantTx, rules: &VideoRules) -> AppResult<()> {
    rules.check().map_err(AppError::Fields)?;
    let json = serde_json::to_value(rules)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("video rules do not serialize")))?;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE organizations SET settings_json = jsonb_set(settings_json, '{video}', $1) WHERE id = $2",
            [json.into(), tx.scope().org_id.into()],
        ))
        .await?;
    Ok(())
}

/// The organization's video lobby, as GraphQL shows it.
#[derive(SimpleObject)]
#[graphql(name = "VideoRules")]
pub struct VideoRulesView {
    /// What every participant confirms before entering the lobby.
    pub lobby_questions: Vec<String>,
    /// Whether these are the installation's default statements.
    pub default_questions: bool,
}

impl From<&VideoRules> for VideoRulesView {
    fn from(r: &VideoRules) -> Self {
        Self {
            lobby_questions: r.lobby_questions(),
            default_questions: r.lobby_questions.is_none(),
        }
    }
}

#[derive(Default)]
pub struct VideoRulesQuery;

#[Object]
impl VideoRulesQuery {
    async fn video_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<VideoRulesView> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ViewOrganization)?;
        let tx = rc.tenant_tx(actor).await?;
        let rules = load(&tx).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok((&rules).into())
    }
}

#[derive(Default)]
pub struct VideoRulesMutation;

#[Object]
impl VideoRulesMutation {
    /// Replaces the lobby's statements (org admins); an empty list goes back
    /// to the default.
    async fn update_video_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(max_items = 20))] lobby_questions: Vec<String>,
    ) -> async_graphql::Result<VideoRulesView> {
        let rc = RequestContext::of(ctx);
        let actor = authz::require(rc.actor.as_ref())?;
        authz::authorize(actor, Action::ManageOrganization)?;
        let questions: Vec<String> = lobby_questions
            .iter()
            .map(|q| q.trim().to_owned())
            .collect();
        let rules = VideoRules {
            lobby_questions: (!questions.is_empty()).then_some(questions),
        };
        let tx = rc.tenant_tx(actor).await?;
        save(&tx, &rules).await?;
        audit::record(
            &tx,
            &rc.client,
            NewEntry::new(Some(actor.user_id), AuditAction::OrganizationUpdated),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok((&rules).into())
    }
}
