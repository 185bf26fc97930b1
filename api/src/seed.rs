//! Demo data for the run command: one organization with an account for each kind
//! of user. Idempotent: a second run changes nothing. Runs as the owner role.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
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

/// A second provider the demo mediator also works for: their organization
/// switcher has a choice.
pub const SECOND_ORG_SLUG: &str = "lakeside";
pub const SECOND_ORG_NAME: &str = "Lakeside Family Mediation";

pub const OPERATIONS_ORG_SLUG: &str = "operations";
pub const OPERATIONS_ORG_NAME: &str = "Caucus Operations";
pub const OPERATOR_EMAIL: &str = "operator@caucus.test";

/// One account to seed.
pub struct SeedAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: RoleKey,
}

/// Seeds the demo organization and accounts through the owner connection.
pub async fn seed(owner_url: &str) -> anyhow::Result<()> {
    let accounts: Vec<SeedAccount<'_>> = DEMO_ACCOUNTS
        .iter()
        .map(|a| SeedAccount {
            email: a.email,
            name: a.name,
            role: a.role,
        })
        .collect();
    let org_id = seed_org(
        owner_url,
        DEMO_ORG_SLUG,
        DEMO_ORG_NAME,
        &accounts,
        DEMO_PASSWORD,
    )
    .await?;
    seed_org(
        owner_url,
        SECOND_ORG_SLUG,
        SECOND_ORG_NAME,
        &[
            SeedAccount {
                email: "admin@lakeside.caucus.test",
                name: "Lee Lakeside",
                role: RoleKey::OrgAdmin,
            },
            SeedAccount {
                email: "mediator@demo.caucus.test",
                name: "Morgan Mediator",
                role: RoleKey::Mediator,
            },
        ],
        DEMO_PASSWORD,
    )
    .await?;
    // The installation's own operators work from a separate organization.
    seed_org(
        owner_url,
        OPERATIONS_ORG_SLUG,
        OPERATIONS_ORG_NAME,
        &[SeedAccount {
            email: OPERATOR_EMAIL,
            name: "Olive Operator",
            role: RoleKey::PlatformOperator,
        }],
        DEMO_PASSWORD,
    )
    .await?;
    seed_meeting_rooms(owner_url, org_id).await?;
    tracing::info!(org_id = %org_id, "demo data seeded");
    Ok(())
}

/// Creates (or keeps) an organization with the given accounts, all with
/// `password`. Returns the organization's id. Idempotent.
pub async fn seed_org(
    owner_url: &str,
    slug: &str,
    name: &str,
    accounts: &[SeedAccount<'_>],
    password: &str,
) -> anyhow::Result<Uuid> {
    let conn = crate::db::connect_owner(owner_url).await?;
    let org_id = Uuid::now_v7();
    conn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO organizations (id, slug, name, tier, settings_json)
         VALUES ($1, $2, $3, 'professional', '{\"brandColor\":\"#1f4e79\"}')
         ON CONFLICT (slug) DO NOTHING",
        [org_id.into(), slug.into(), name.into()],
    ))
    .await
    .context("seeding an organization")?;
    let org_id: Uuid = conn
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM organizations WHERE slug = $1",
            [slug.into()],
        ))
        .await?
        .context("the seeded organization is missing")?
        .try_get("", "id")?;
    let mut hash: Option<String> = None;
    for account in accounts {
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
                let hashed = match &hash {
                    Some(h) => h.clone(),
                    None => {
                        let h = password::hash_now(password)?;
                        hash = Some(h.clone());
                        h
                    }
                };
                conn.execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO users (id, email, hashed_password) VALUES ($1, $2, $3)",
                    [user_id.into(), account.email.into(), hashed.into()],
                ))
                .await
                .context("seeding a user")?;
                conn.execute(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "INSERT INTO profiles (user_id, name, locale, timezone) VALUES ($1, $2, 'en', 'America/New_York')",
                    [user_id.into(), account.name.into()],
                ))
                .await
                .context("seeding a profile")?;
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
        .context("seeding a role")?;
    }
    conn.close().await?;
    Ok(org_id)
}

/// The demo organization's meeting rooms (kept if already there).
const DEMO_ROOMS: &[(&str, &str, i32)] = &[
    ("Mediation Room 1", "Main office, 2nd floor", 6),
    (
        "Mediation Room 2",
        "Main office, ground floor, step-free access",
        10,
    ),
];

async fn seed_meeting_rooms(owner_url: &str, org_id: Uuid) -> anyhow::Result<()> {
    let conn = crate::db::connect_owner(owner_url).await?;
    for (name, location, capacity) in DEMO_ROOMS {
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO meeting_rooms (id, org_id, name, location, capacity)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id, lower(name)) DO NOTHING",
            [
                Uuid::now_v7().into(),
                org_id.into(),
                (*name).into(),
                (*location).into(),
                (*capacity).into(),
            ],
        ))
        .await
        .context("seeding a meeting room")?;
    }
    conn.close().await?;
    Ok(())
}

/// An organization's id by slug, through the owner connection (admin commands).
pub async fn org_id_by_slug(owner_url: &str, slug: &str) -> anyhow::Result<Option<Uuid>> {
    let conn = crate::db::connect_owner(owner_url).await?;
    let row = conn
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM organizations WHERE slug = $1",
            [slug.into()],
        ))
        .await?;
    conn.close().await?;
    Ok(row.map(|r| r.try_get("", "id")).transpose()?)
}
