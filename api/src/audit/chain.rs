//! The hash chain: each entry's hash covers the previous hash and the entry's
//! canonical JSON, so editing, deleting or reordering any entry breaks every
//! later link. `verify` recomputes a whole chain as the owner role.

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The "previous hash" of an organization's first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// One entry as hashed.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: Uuid,
    pub org_id: Uuid,
    pub seq: i64,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Link {
    /// SHA-256 over the previous hash and a canonical JSON array of the fields.
    pub fn hash(&self, prev_hash: &[u8]) -> [u8; 32] {
        let canonical = serde_json::json!([
            "caucus-audit-v1",
            self.id.to_string(),
            self.org_id.to_string(),
            self.seq,
            self.actor_id.map(|a| a.to_string()),
            self.action,
            self.target_type,
            self.target_id,
            self.ip,
            self.user_agent,
            self.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        ])
        .to_string();
        let mut hasher = Sha256::new();
        hasher.update(prev_hash);
        hasher.update(canonical.as_bytes());
        hasher.finalize().into()
    }
}

/// The outcome of verifying one organization's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        entries: u64,
    },
    Broken {
        seq: i64,
        id: Uuid,
        reason: &'static str,
    },
}

/// Recomputes the chain of `org_id` through the owner connection.
pub async fn verify(owner_url: &str, org_id: Uuid) -> anyhow::Result<Verdict> {
    let conn = crate::db::connect_owner(owner_url).await?;
    let rows = conn
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id, org_id, seq, actor_id, action, target_type, target_id, ip, user_agent, created_at, prev_hash, hash
             FROM audit_log WHERE org_id = $1 ORDER BY seq",
            [org_id.into()],
        ))
        .await
        .context("reading the audit log")?;
    conn.close().await?;
    let mut prev = GENESIS.to_vec();
    for (expected_seq, row) in (1_i64..).zip(rows.iter()) {
        let link = Link {
            id: row.try_get("", "id")?,
            org_id: row.try_get("", "org_id")?,
            seq: row.try_get("", "seq")?,
            actor_id: row.try_get("", "actor_id")?,
            action: row.try_get("", "action")?,
            target_type: row.try_get("", "target_type")?,
            target_id: row.try_get("", "target_id")?,
            ip: row.try_get("", "ip")?,
            user_agent: row.try_get("", "user_agent")?,
            created_at: crate::db::utc(row, "created_at")?,
        };
        let stored_prev: Vec<u8> = row.try_get("", "prev_hash")?;
        let stored: Vec<u8> = row.try_get("", "hash")?;
        let broken = |reason| Verdict::Broken {
            seq: link.seq,
            id: link.id,
            reason,
        };
        if link.seq != expected_seq {
            return Ok(broken("a sequence number is missing before this entry"));
        }
        if stored_prev != prev {
            return Ok(broken(
                "its previous-hash does not match the entry before it",
            ));
        }
        if stored != link.hash(&prev) {
            return Ok(broken("its contents do not match its hash"));
        }
        prev = stored;
    }
    Ok(Verdict::Intact {
        entries: rows.len() as u64,
    })
}
