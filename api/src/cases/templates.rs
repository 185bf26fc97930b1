//! Stored intake templates: the current version per dispute type, every old
//! version kept for the cases filed under it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use uuid::Uuid;

use super::defaults;
use super::template::TemplateDefinition;
use crate::db::{self, TenantTx};
use crate::error::{AppError, AppResult, FieldError};

pub struct StoredTemplate {
    pub id: Uuid,
    pub dispute_type: String,
    pub version: i32,
    pub name: String,
    pub definition: TemplateDefinition,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, dispute_type, version, name, definition, active, created_at";

fn from_row(row: &QueryResult) -> AppResult<StoredTemplate> {
    let definition: serde_json::Value = row.try_get("", "definition")?;
    Ok(StoredTemplate {
        id: row.try_get("", "id")?,
        dispute_type: row.try_get("", "dispute_type")?,
        version: row.try_get("", "version")?,
        name: row.try_get("", "name")?,
        definition: serde_json::from_value(definition)
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stored template does not parse")))?,
        active: row.try_get("", "active")?,
        created_at: db::utc(row, "created_at")?,
    })
}

/// The template version `id`, current or not.
pub async fn by_id(tx: &TenantTx, id: Uuid) -> AppResult<Option<StoredTemplate>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT {COLUMNS} FROM intake_templates WHERE id = $1"),
            [id.into()],
        ))
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The newest version of every active dispute type.
pub async fn current_all(tx: &TenantTx) -> AppResult<Vec<StoredTemplate>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "SELECT DISTINCT ON (dispute_type) {COLUMNS} FROM intake_templates
                 ORDER BY dispute_type, version DESC"
            ),
        ))
        .await?;
    let all: Vec<StoredTemplate> = rows.iter().map(from_row).collect::<AppResult<_>>()?;
    Ok(all.into_iter().filter(|t| t.active).collect())
}

/// Every version of one dispute type, newest first.
pub async fn versions(tx: &TenantTx, dispute_type: &str) -> AppResult<Vec<StoredTemplate>> {
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM intake_templates WHERE dispute_type = $1
                 ORDER BY version DESC LIMIT 200"
            ),
            [dispute_type.into()],
        ))
        .await?;
    rows.iter().map(from_row).collect()
}

/// The newest version of one dispute type, if it is active.
pub async fn current(tx: &TenantTx, dispute_type: &str) -> AppResult<Option<StoredTemplate>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT {COLUMNS} FROM intake_templates WHERE dispute_type = $1
                 ORDER BY version DESC LIMIT 1"
            ),
            [dispute_type.into()],
        ))
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?.filter(|t| t.active))
}

/// Adds a version of `dispute_type`'s template (the first one when new).
pub async fn publish(
    tx: &TenantTx,
    actor_id: Option<Uuid>,
    dispute_type: &str,
    name: &str,
    definition: &TemplateDefinition,
    base_version: Option<i32>,
) -> AppResult<StoredTemplate> {
    let type_ok = {
        let mut chars = dispute_type.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
            && (2..=40).contains(&dispute_type.len())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let mut errors = Vec::new();
    if !type_ok {
        errors.push(FieldError::new("disputeType".into(), "format"));
    }
    if name.trim().is_empty() || name.chars().count() > 120 {
        errors.push(FieldError::new("name".into(), "length"));
    }
    if let Err(mut e) = definition.check() {
        for error in &mut e {
            error.field = format!("definition.{}", error.field);
        }
        errors.extend(e);
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    lock_type(tx, dispute_type).await?;
    if let Some(base) = base_version {
        // The editor started from `base`: someone else publishing since then
        // would be silently undone, so the edit is refused instead.
        let newest = versions(tx, dispute_type).await?.first().map(|t| t.version);
        if newest != Some(base) {
            return Err(AppError::StaleVersion);
        }
    }
    let id = Uuid::now_v7();
    let json = serde_json::to_value(definition)
        .map_err(|_| AppError::Internal(anyhow::anyhow!("template does not serialize")))?;
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO intake_templates (id, org_id, dispute_type, version, name, definition, created_by)
                 SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, $4, $5, $6
                 FROM intake_templates WHERE dispute_type = $3
                 RETURNING {COLUMNS}"
            ),
            [
                id.into(),
                tx.scope().org_id.into(),
                dispute_type.into(),
                name.trim().into(),
                json.into(),
                actor_id.into(),
            ],
        ))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("template insert returned nothing")))?;
    from_row(&row)
}

/// One publisher at a time per dispute type, so two edits cannot take one
/// version number (the lock is re-entrant within the transaction).
async fn lock_type(tx: &TenantTx, dispute_type: &str) -> AppResult<()> {
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended('template:' || $1::text || ':' || $2, 0))",
            [tx.scope().org_id.to_string().into(), dispute_type.into()],
        ))
        .await?;
    Ok(())
}

/// Gives the organization the default templates the first time it needs
/// them (every organization starts with them, the demo one included).
pub async fn ensure_defaults(tx: &TenantTx) -> AppResult<()> {
    let any = tx
        .conn()
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT 1 AS one FROM intake_templates LIMIT 1",
        ))
        .await?
        .is_some();
    if any {
        return Ok(());
    }
    for dispute_type in defaults::DISPUTE_TYPES {
        lock_type(tx, dispute_type).await?;
        let exists = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT 1 AS one FROM intake_templates WHERE dispute_type = $1 LIMIT 1",
                [(*dispute_type).into()],
            ))
            .await?
            .is_some();
        if !exists {
            publish(
                tx,
                None,
                dispute_type,
                defaults::name(dispute_type),
                &defaults::definition(dispute_type),
                None,
            )
            .await?;
        }
    }
    Ok(())
}
