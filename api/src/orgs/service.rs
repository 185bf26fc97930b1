//! Organization settings.

use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::TenantTx;
use crate::entities::organization;
use crate::error::{AppError, AppResult};
use crate::orgs::brand::{BrandColor, DEFAULT_BRAND_COLOR};

/// The typed view of `organizations.settings_json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OrgSettings {
    pub brand_color: Option<String>,
}

impl OrgSettings {
    pub fn from_json(value: &serde_json::Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    pub fn brand_color(&self) -> &str {
        self.brand_color.as_deref().unwrap_or(DEFAULT_BRAND_COLOR)
    }
}

/// The transaction's organization.
pub async fn current(tx: &TenantTx) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(tx.scope().org_id)
        .one(tx.conn())
        .await?
        .ok_or(AppError::NotFound)
}

/// What an org admin may change.
pub struct OrgUpdate {
    pub name: Option<String>,
    pub brand_color: Option<String>,
}

pub const MAX_NAME_LENGTH: usize = 200;

/// Validates and applies `update`; nothing is written if any field is invalid.
#[tracing::instrument(skip_all, fields(org_id = %tx.scope().org_id))]
pub async fn update(tx: &TenantTx, update: OrgUpdate) -> AppResult<organization::Model> {
    let name = update
        .name
        .map(|n| {
            let n = n.trim().to_owned();
            if n.is_empty() || n.chars().count() > MAX_NAME_LENGTH {
                Err(AppError::validation("name", "length"))
            } else {
                Ok(n)
            }
        })
        .transpose()?;
    let brand_color = update
        .brand_color
        .map(|c| BrandColor::parse(&c))
        .transpose()?;
    let existing = current(tx).await?;
    let mut settings = OrgSettings::from_json(&existing.settings_json);
    if let Some(color) = brand_color {
        settings.brand_color = Some(color.as_str().to_owned());
    }
    let mut active: organization::ActiveModel = existing.into();
    if let Some(name) = name {
        active.name = ActiveValue::Set(name);
    }
    active.settings_json = ActiveValue::Set(
        serde_json::to_value(&settings).map_err(|e| AppError::Internal(e.into()))?,
    );
    Ok(active.update(tx.conn()).await?)
}

/// The event sent to subscribers when an organization changes. Identifiers only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OrgEvent {
    pub organization_id: Uuid,
    pub kind: OrgEventKind,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum OrgEventKind {
    SettingsChanged,
}

pub fn channel(org_id: Uuid) -> String {
    format!("org:{org_id}")
}
