//! Row-level security, proven with plain SQL through the API role.

use caucus_api::authz::RoleKey;
use caucus_api::config::DatabaseSettings;
use caucus_api::db::{Db, TenantScope};
use caucus_api::testkit;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use secrecy::SecretString;

use crate::support::org_with;

async fn scalar_i64(conn: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = conn
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn set_tenant(conn: &impl ConnectionTrait, org: &str) {
    conn.execute(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT set_config('app.org_id', '{org}', true)"),
    ))
    .await
    .unwrap();
}

const TENANT_TABLES: &[&str] = &["organizations", "users", "profiles", "user_roles"];

#[tokio::test]
async fn with_no_tenant_set_tenant_tables_read_as_empty() {
    let app = testkit::spawn().await;
    org_with(&app, "alpha", &[RoleKey::OrgAdmin, RoleKey::Party]).await;
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    let api_role = Database::connect(app.db.app_url.clone()).await.unwrap();
    for table in TENANT_TABLES {
        let sql = format!("SELECT count(*) FROM {table}");
        assert!(scalar_i64(&owner, &sql).await > 0, "{table} has rows");
        assert_eq!(
            scalar_i64(&api_role, &sql).await,
            0,
            "{table} without a tenant"
        );
    }
}

#[tokio::test]
async fn under_one_tenant_plain_sql_cannot_touch_another() {
    let app = testkit::spawn().await;
    let (org_a, _) = org_with(&app, "tenant-a", &[RoleKey::OrgAdmin]).await;
    let (org_b, emails_b) = org_with(&app, "tenant-b", &[RoleKey::OrgAdmin, RoleKey::Party]).await;
    let api_role: DatabaseConnection = Database::connect(app.db.app_url.clone()).await.unwrap();

    let tx = api_role.begin().await.unwrap();
    set_tenant(&tx, &org_a).await;
    // Reads: B's rows are invisible even when asked for by id.
    assert_eq!(
        scalar_i64(
            &tx,
            &format!("SELECT count(*) FROM organizations WHERE id = '{org_b}'")
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(
            &tx,
            &format!("SELECT count(*) FROM user_roles WHERE org_id = '{org_b}'")
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(
            &tx,
            &format!(
                "SELECT count(*) FROM users WHERE lower(email) = lower('{}')",
                emails_b[0]
            )
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(&tx, "SELECT count(*) FROM organizations").await,
        1
    );
    // Writes: updates and deletes match nothing; inserts are refused.
    let updated = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!("UPDATE organizations SET name = 'taken over' WHERE id = '{org_b}'"),
        ))
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let updated = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "UPDATE users SET status = 'suspended' WHERE lower(email) = lower('{}')",
                emails_b[1]
            ),
        ))
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0);
    let deleted = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!("DELETE FROM user_roles WHERE org_id = '{org_b}'"),
        ))
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    let moved = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!("UPDATE user_roles SET org_id = '{org_b}' WHERE org_id = '{org_a}'"),
        ))
        .await;
    assert!(
        moved.is_err(),
        "moving a row into another tenant must be refused"
    );
    tx.rollback().await.unwrap();

    let tx = api_role.begin().await.unwrap();
    set_tenant(&tx, &org_a).await;
    let inserted = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "INSERT INTO user_roles (org_id, user_id, role_id)
                 SELECT '{org_b}', user_id, role_id FROM user_roles LIMIT 1"
            ),
        ))
        .await;
    let error = format!("{:?}", inserted.err());
    assert!(error.contains("row-level security"), "{error}");
    tx.rollback().await.unwrap();

    // Nothing of B changed.
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    assert_eq!(
        scalar_i64(
            &owner,
            &format!("SELECT count(*) FROM user_roles WHERE org_id = '{org_b}'")
        )
        .await,
        2
    );
    assert_eq!(
        scalar_i64(
            &owner,
            &format!(
                "SELECT count(*) FROM organizations WHERE id = '{org_b}' AND name = 'Org tenant-b'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        scalar_i64(
            &owner,
            "SELECT count(*) FROM users WHERE status <> 'active'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_pooled_connection_never_carries_a_tenant_into_the_next_transaction() {
    let app = testkit::spawn().await;
    let (org_a, _) = org_with(&app, "pool-a", &[RoleKey::OrgAdmin]).await;
    let (org_b, _) = org_with(&app, "pool-b", &[RoleKey::OrgAdmin]).await;
    // One connection, so every transaction reuses it.
    let db = Db::connect(&DatabaseSettings {
        url: SecretString::from(app.db.app_url.clone()),
        migration_url: None,
        max_connections: 1,
        min_connections: 1,
        acquire_timeout_secs: 5,
    })
    .await
    .unwrap();
    let a = org_a.parse().unwrap();
    let b = org_b.parse().unwrap();

    let tx = db
        .tenant(TenantScope {
            org_id: a,
            user_id: None,
        })
        .await
        .unwrap();
    assert_eq!(
        scalar_i64(tx.conn(), "SELECT count(*) FROM organizations").await,
        1
    );
    tx.commit().await.unwrap();
    let raw = db.unscoped_raw_for_tests();
    assert_eq!(
        scalar_i64(raw, "SELECT count(*) FROM organizations").await,
        0
    );
    let setting = raw
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT coalesce(current_setting('app.org_id', true), '') AS s",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "s")
        .unwrap();
    assert_eq!(setting, "");

    // A transaction dropped without commit (an error path) rolls back too.
    {
        let tx = db
            .tenant(TenantScope {
                org_id: a,
                user_id: None,
            })
            .await
            .unwrap();
        assert_eq!(
            scalar_i64(tx.conn(), "SELECT count(*) FROM organizations").await,
            1
        );
    }
    let tx = db
        .tenant(TenantScope {
            org_id: b,
            user_id: None,
        })
        .await
        .unwrap();
    let visible = tx
        .conn()
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id::text AS id FROM organizations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "id")
        .unwrap();
    assert_eq!(visible, org_b);
    tx.commit().await.unwrap();
    assert_eq!(scalar_i64(raw, "SELECT count(*) FROM user_roles").await, 0);
}

#[tokio::test]
async fn the_api_role_owns_nothing_and_cannot_bypass_or_disable_rls() {
    let app = testkit::spawn().await;
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    assert_eq!(
        scalar_i64(&owner, "SELECT count(*) FROM pg_roles WHERE rolname = 'caucus_app' AND NOT rolsuper AND NOT rolbypassrls").await,
        1
    );
    assert_eq!(
        scalar_i64(&owner, "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'caucus_app'").await,
        0
    );
    // Every table with an org_id column, and organizations itself, has RLS
    // enabled and forced.
    let unprotected = scalar_i64(
        &owner,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND (c.relname = 'organizations' OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id'))
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity)",
    )
    .await;
    assert_eq!(unprotected, 0);
    for table in TENANT_TABLES {
        assert_eq!(
            scalar_i64(&owner, &format!("SELECT count(*) FROM pg_class WHERE relname = '{table}' AND relrowsecurity AND relforcerowsecurity")).await,
            1,
            "{table}"
        );
    }
    let api_role = Database::connect(app.db.app_url.clone()).await.unwrap();
    let disabled = api_role
        .execute_unprepared("ALTER TABLE organizations DISABLE ROW LEVEL SECURITY")
        .await;
    assert!(disabled.is_err());
    let bypass = api_role
        .execute_unprepared("SET row_security = off; SELECT * FROM organizations")
        .await;
    assert!(
        bypass.is_err(),
        "row_security=off must not let the API role read unfiltered"
    );
}
