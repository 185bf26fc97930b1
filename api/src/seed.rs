//! Demo data for the run command: one organization with an account for each kind
//! of user. Idempotent: a second run changes nothing. Runs as the owner role.

use anyhow::Context;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};
use uuid::Uuid;

use crate::authz::RoleKey;
use crate::identity::password;

pub const DEMO_ORG_SLUG: &str = "demo";
pub const DEMO_ORG_NAME: &str = "Riverside Mediation Services";
pub const DEMO_PASSWORD: &str = "caucus-demo-password";

pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub role: RoleKey,
    pub portal: &'static str,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@demo.caucus.test",
        name: "Alex Admin",
        role: RoleKey::OrgAdmin,
        portal: "admin",
    },
    DemoAccount {
        email: "manager@demo.caucus.test",
        name: "Casey Manager",
        role: RoleKey::CaseManager,
        portal: "admin",
    },
    DemoAccount {
        email: "mediator@demo.caucus.test",
        name: "Morgan Mediator",
        role: RoleKey::Mediator,
        portal: "admin",
    },
    DemoAccount {
        email: "party@demo.caucus.test",
        name: "Pat Party",
        role: RoleKey::Party,
        portal: "client",
    },
];

/// Seeds the demo organization and accounts through the owner connection.
pub async fn seed(owner_url: &str) -> anyhow::Result<()> {
    let mut options = ConnectOptions::new(owner_url.to_owned());
    options.sqlx_logging(false).max_connections(1);
    let conn = Database::connect(options)
        .await
        .context("connecting to PostgreSQL as the owner role")?;
    let org_id = Uuid::now_v7();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO organizations (id, slug, name, tier, settings_json)
         VALUES ($1, $2, $3, 'professional', '{\"brandColor\":\"#1f4e79\"}')
         ON CONFLICT (slug) DO NOTHING",
        [org_id.into(), DEMO_ORG_SLUG.into(), DEMO_ORG_NAME.into()],
    ))
    .await
    .context("seeding the demo organization")?;
    let org_id: Uuid = conn
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM organizations WHERE slug = $1",
            [DEMO_ORG_SLUG.into()],
        ))
        .await?
        .context("the demo organization is missing")?
        .try_get("", "id")?;
    let mut created = 0;
    for account in DEMO_ACCOUNTS {
        let exists = conn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id FROM users WHERE lower(email) = lower($1)",
                [account.email.into()],
            ))
            .await?;
        let user_id: Uuid = match exists {
            Some(row) => row.try_get("", "id")?,
            None => {
                let user_id = Uuid::now_v7();
                let hash = password::hash_now(DEMO_PASSWORD)?;
                conn.execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO users (id, email, hashed_password) VALUES ($1, $2, $3)",
                    [user_id.into(), account.email.into(), hash.into()],
                ))
                .await
                .context("seeding a demo user")?;
                conn.execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO profiles (user_id, name, locale, timezone) VALUES ($1, $2, 'en', 'America/New_York')",
                    [user_id.into(), account.name.into()],
                ))
                .await
                .context("seeding a demo profile")?;
                created += 1;
                user_id
            }
        };
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO user_roles (org_id, user_id, role_id)
             SELECT $1, $2, r.id FROM roles r WHERE r.key = $3
             ON CONFLICT DO NOTHING",
            [org_id.into(), user_id.into(), account.role.key().into()],
        ))
        .await
        .context("seeding a demo role")?;
    }
    tracing::info!(org_id = %org_id, created, "demo data seeded");
    conn.close().await?;
    Ok(())
}
