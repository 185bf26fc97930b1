//! The database. The API connects as `caucus_app`, which owns nothing and cannot
//! bypass row-level security. Tenant-owned tables are reached only through
//! [`Db::tenant`], which opens a transaction with the tenant set; the few lookups
//! that must run before a tenant is known are the `unscoped_…` methods below,
//! each backed by a narrow SECURITY DEFINER function.

use std::time::Duration;

use anyhow::Context;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, Statement, TransactionTrait,
};
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::config::DatabaseSettings;

/// Oldest PostgreSQL the migrations and policies are written for.
pub const MIN_SERVER_VERSION: i32 = 150000;

#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
}

/// Whose data a transaction may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantScope {
    pub org_id: Uuid,
    /// The signed-in user, when there is one: lets them read their own records.
    pub user_id: Option<Uuid>,
}

/// A transaction bound to one tenant. Every query on tenant tables runs on one.
/// Dropping it without [`TenantTx::commit`] rolls back.
pub struct TenantTx {
    tx: DatabaseTransaction,
    scope: TenantScope,
}

impl TenantTx {
    /// The connection to run sea-orm queries on.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }

    pub fn scope(&self) -> TenantScope {
        self.scope
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }
}

impl Db {
    pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(settings.url.expose_secret().to_owned());
        options
            .max_connections(settings.max_connections)
            .min_connections(settings.min_connections)
            .acquire_timeout(Duration::from_secs(settings.acquire_timeout_secs))
            .connect_timeout(Duration::from_secs(settings.acquire_timeout_secs))
            .sqlx_logging(false);
        let conn = Database::connect(options)
            .await
            .context("connecting to PostgreSQL as the API role")?;
        let db = Self { conn };
        db.check_server_version().await?;
        Ok(db)
    }

    async fn check_server_version(&self) -> anyhow::Result<()> {
        let row = self
            .conn
            .query_one(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_setting('server_version_num')::int AS v",
            ))
            .await?
            .context("reading the PostgreSQL version")?;
        let version: i32 = row.try_get("", "v")?;
        anyhow::ensure!(
            version >= MIN_SERVER_VERSION,
            "PostgreSQL {version} is not supported: Caucus needs PostgreSQL 15 or newer"
        );
        Ok(())
    }

    /// Opens a transaction scoped to `scope`. The settings are transaction-local,
    /// so a pooled connection never carries them into the next transaction.
    pub async fn tenant(&self, scope: TenantScope) -> Result<TenantTx, DbErr> {
        let tx = self.conn.begin().await?;
        tx.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)",
            [
                scope.org_id.to_string().into(),
                scope
                    .user_id
                    .map(|u| u.to_string())
                    .unwrap_or_default()
                    .into(),
            ],
        ))
        .await?;
        Ok(TenantTx { tx, scope })
    }

    /// The raw pool, for tests that probe row-level security with plain SQL.
    #[cfg(feature = "testkit")]
    pub fn unscoped_raw_for_tests(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }

    /// Sign-in needs the credentials of an email address before any tenant is known.
    pub async fn unscoped_sign_in_lookup(
        &self,
        email: &str,
    ) -> Result<Option<SignInRecord>, DbErr> {
        let row = self
            .conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT user_id, hashed_password, status FROM unscoped_sign_in_lookup($1)",
                [email.into()],
            ))
            .await?;
        row.map(|row| {
            Ok(SignInRecord {
                user_id: row.try_get("", "user_id")?,
                hashed_password: row.try_get("", "hashed_password")?,
                status: row.try_get("", "status")?,
            })
        })
        .transpose()
    }

    /// The organizations a user holds roles in, oldest first.
    pub async fn unscoped_memberships(&self, user_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
        let rows = self
            .conn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT org_id FROM unscoped_memberships($1)",
                [user_id.into()],
            ))
            .await?;
        rows.iter().map(|row| row.try_get("", "org_id")).collect()
    }

    /// Passkey sign-in starts from an email address: the active account's id
    /// and its passkeys (webauthn-rs JSON), oldest first.
    pub async fn unscoped_passkeys_for_email(
        &self,
        email: &str,
    ) -> Result<Vec<(Uuid, serde_json::Value)>, DbErr> {
        let rows = self
            .conn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT user_id, passkey FROM unscoped_passkeys_for_email($1)",
                [email.into()],
            ))
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("", "user_id")?, row.try_get("", "passkey")?)))
            .collect()
    }

    /// Single sign-on starts from a connection id: its organization, if the
    /// connection exists and is enabled.
    pub async fn unscoped_sso_connection_org(&self, id: Uuid) -> Result<Option<Uuid>, DbErr> {
        let row = self
            .conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT unscoped_sso_connection_org($1) AS org_id",
                [id.into()],
            ))
            .await?;
        Ok(row
            .map(|row| row.try_get::<Option<Uuid>>("", "org_id"))
            .transpose()?
            .flatten())
    }

    /// A join link is opened before any tenant is known: the organization of
    /// the link whose token hashes to `token_hash`.
    pub async fn unscoped_join_link_org(&self, token_hash: Vec<u8>) -> Result<Option<Uuid>, DbErr> {
        self.unscoped_org(
            "SELECT unscoped_join_link_org($1) AS org_id",
            token_hash.into(),
        )
        .await
    }

    /// LiveKit's webhooks name a room participant: its organization.
    pub async fn unscoped_room_participant_org(&self, id: Uuid) -> Result<Option<Uuid>, DbErr> {
        self.unscoped_org(
            "SELECT unscoped_room_participant_org($1) AS org_id",
            id.into(),
        )
        .await
    }

    async fn unscoped_org(&self, sql: &str, value: sea_orm::Value) -> Result<Option<Uuid>, DbErr> {
        let row = self
            .conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [value],
            ))
            .await?;
        Ok(row
            .map(|row| row.try_get::<Option<Uuid>>("", "org_id"))
            .transpose()?
            .flatten())
    }

    /// Claims ready jobs across organizations (the worker's one unscoped step).
    pub async fn unscoped_claim_jobs(
        &self,
        limit: i32,
        lease_secs: i32,
    ) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
        self.conn
            .query_all(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, org_id, kind, payload, attempts, max_attempts, claims FROM unscoped_claim_jobs($1, $2)",
                [limit.into(), lease_secs.into()],
            ))
            .await
    }

    /// The organization of an invitation token's hash (accepting happens before
    /// a tenant is known).
    pub async fn unscoped_invitation_org(&self, token_hash: &[u8]) -> Result<Option<Uuid>, DbErr> {
        let row = self
            .conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT unscoped_invitation_org($1) AS org_id",
                [token_hash.to_vec().into()],
            ))
            .await?;
        Ok(row
            .map(|row| row.try_get::<Option<Uuid>>("", "org_id"))
            .transpose()?
            .flatten())
    }

    /// Creates an organization row (platform operators only; the caller checks).
    /// A taken slug is a `CONFLICT`.
    pub async fn unscoped_create_organization(
        &self,
        id: Uuid,
        slug: &str,
        name: &str,
        tier: &str,
    ) -> Result<(), DbErr> {
        self.conn
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT unscoped_create_organization($1, $2, $3, $4)",
                [id.into(), slug.into(), name.into(), tier.into()],
            ))
            .await?;
        Ok(())
    }

    /// A service account by client id, for the token endpoint.
    pub async fn unscoped_service_account(
        &self,
        client_id: &str,
    ) -> Result<Option<sea_orm::QueryResult>, DbErr> {
        self.conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id, org_id, secret_hash, scopes, revoked FROM unscoped_service_account($1)",
                [client_id.into()],
            ))
            .await
    }

    /// An organization's id from its public slug (for branded sign-in pages).
    pub async fn unscoped_org_id_by_slug(&self, slug: &str) -> Result<Option<Uuid>, DbErr> {
        let row = self
            .conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT unscoped_org_id_by_slug($1) AS id",
                [slug.into()],
            ))
            .await?;
        Ok(row
            .map(|row| row.try_get::<Option<Uuid>>("", "id"))
            .transpose()?
            .flatten())
    }
}

/// A `timestamptz` column of a raw query row, in UTC.
pub fn utc(
    row: &sea_orm::QueryResult,
    column: &str,
) -> Result<chrono::DateTime<chrono::Utc>, DbErr> {
    Ok(row
        .try_get::<chrono::DateTime<chrono::FixedOffset>>("", column)?
        .with_timezone(&chrono::Utc))
}

/// As [`utc`], for a nullable column.
pub fn utc_opt(
    row: &sea_orm::QueryResult,
    column: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, DbErr> {
    Ok(row
        .try_get::<Option<chrono::DateTime<chrono::FixedOffset>>>("", column)?
        .map(|t| t.with_timezone(&chrono::Utc)))
}

/// Whether a database error is a violation of the named constraint (an
/// exclusion, unique or check constraint the caller turns into a typed error).
pub fn violates(error: &DbErr, constraint: &str) -> bool {
    match error {
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => e
            .as_database_error()
            .and_then(|d| d.constraint())
            .is_some_and(|c| c == constraint),
        _ => false,
    }
}

/// What sign-in learns about an email address.
pub struct SignInRecord {
    pub user_id: Uuid,
    pub hashed_password: Option<String>,
    pub status: String,
}

/// A small connection as the owner role, for migrations and admin commands.
pub async fn connect_owner(owner_url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(owner_url.to_owned());
    options.sqlx_logging(false).max_connections(2);
    Database::connect(options)
        .await
        .context("connecting to PostgreSQL as the owner role")
}

/// Runs the migrations as the owner role, then makes sure the API role can log in
/// with the password in `app_url`.
pub async fn migrate(owner_url: &str, app_url: &str) -> anyhow::Result<()> {
    use sea_orm_migration::MigratorTrait;
    let owner = connect_owner(owner_url).await?;
    migrations::Migrator::up(&owner, None)
        .await
        .context("applying migrations")?;
    ensure_app_login(&owner, app_url).await?;
    owner.close().await?;
    Ok(())
}

async fn ensure_app_login(owner: &DatabaseConnection, app_url: &str) -> anyhow::Result<()> {
    let parsed = url::Url::parse(app_url).context("database.url is not a URL")?;
    anyhow::ensure!(
        parsed.username() == migrations::APP_ROLE,
        "database.url must connect as {}, not as {:?}",
        migrations::APP_ROLE,
        parsed.username()
    );
    // Already able to log in with this password: nothing to change (and no
    // catalogue write that could race another migrating database).
    let mut probe = ConnectOptions::new(app_url.to_owned());
    probe
        .sqlx_logging(false)
        .max_connections(1)
        .connect_timeout(Duration::from_secs(5));
    if let Ok(conn) = Database::connect(probe).await {
        conn.close().await?;
        return Ok(());
    }
    let password = percent_decode(parsed.password().unwrap_or_default());
    anyhow::ensure!(!password.is_empty(), "database.url needs a password");
    let quoted = password.replace('\'', "''");
    owner
        .execute_unprepared(&format!(
            "ALTER ROLE {} WITH LOGIN PASSWORD '{quoted}'",
            migrations::APP_ROLE
        ))
        .await
        .context("setting the API role's password")?;
    Ok(())
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
