//! Database migrations. They run as the owner role; the API's own role
//! (`caucus_app`) owns nothing and is granted only row access, under row-level
//! security that is enabled and forced on every tenant-owned table.
//!
//! Migrations are numbered and never edited once merged.

use sea_orm_migration::prelude::*;

/// The role the API connects as. Fixed, because grants name it.
pub const APP_ROLE: &str = "caucus_app";

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(SqlMigration {
                name: "m0001_foundation",
                up: include_str!("../sql/0001_foundation.up.sql"),
                down: include_str!("../sql/0001_foundation.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0002_audit_log",
                up: include_str!("../sql/0002_audit_log.up.sql"),
                down: include_str!("../sql/0002_audit_log.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0003_jobs",
                up: include_str!("../sql/0003_jobs.up.sql"),
                down: include_str!("../sql/0003_jobs.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0004_invitations",
                up: include_str!("../sql/0004_invitations.up.sql"),
                down: include_str!("../sql/0004_invitations.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0005_org_creation",
                up: include_str!("../sql/0005_org_creation.up.sql"),
                down: include_str!("../sql/0005_org_creation.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0006_consents",
                up: include_str!("../sql/0006_consents.up.sql"),
                down: include_str!("../sql/0006_consents.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0007_service_accounts",
                up: include_str!("../sql/0007_service_accounts.up.sql"),
                down: include_str!("../sql/0007_service_accounts.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0008_mfa",
                up: include_str!("../sql/0008_mfa.up.sql"),
                down: include_str!("../sql/0008_mfa.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0009_passkeys",
                up: include_str!("../sql/0009_passkeys.up.sql"),
                down: include_str!("../sql/0009_passkeys.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0010_sso",
                up: include_str!("../sql/0010_sso.up.sql"),
                down: include_str!("../sql/0010_sso.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0011_org_logo",
                up: include_str!("../sql/0011_org_logo.up.sql"),
                down: include_str!("../sql/0011_org_logo.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0012_cases",
                up: include_str!("../sql/0012_cases.up.sql"),
                down: include_str!("../sql/0012_cases.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0013_case_work",
                up: include_str!("../sql/0013_case_work.up.sql"),
                down: include_str!("../sql/0013_case_work.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0014_scheduling",
                up: include_str!("../sql/0014_scheduling.up.sql"),
                down: include_str!("../sql/0014_scheduling.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0015_session_notices",
                up: include_str!("../sql/0015_session_notices.up.sql"),
                down: include_str!("../sql/0015_session_notices.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0016_waitlist",
                up: include_str!("../sql/0016_waitlist.up.sql"),
                down: include_str!("../sql/0016_waitlist.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0017_calendar_connections",
                up: include_str!("../sql/0017_calendar_connections.up.sql"),
                down: include_str!("../sql/0017_calendar_connections.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0018_video",
                up: include_str!("../sql/0018_video.up.sql"),
                down: include_str!("../sql/0018_video.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0019_caucus_rooms",
                up: include_str!("../sql/0019_caucus_rooms.up.sql"),
                down: include_str!("../sql/0019_caucus_rooms.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0020_call_quality",
                up: include_str!("../sql/0020_call_quality.up.sql"),
                down: include_str!("../sql/0020_call_quality.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0021_oauth_calendars",
                up: include_str!("../sql/0021_oauth_calendars.up.sql"),
                down: include_str!("../sql/0021_oauth_calendars.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0022_sms",
                up: include_str!("../sql/0022_sms.up.sql"),
                down: include_str!("../sql/0022_sms.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0023_search_indexes",
                up: include_str!("../sql/0023_search_indexes.up.sql"),
                down: include_str!("../sql/0023_search_indexes.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0024_meeting_rooms",
                up: include_str!("../sql/0024_meeting_rooms.up.sql"),
                down: include_str!("../sql/0024_meeting_rooms.down.sql"),
            }),
            Box::new(SqlMigration {
                name: "m0025_job_claims",
                up: include_str!("../sql/0025_job_claims.up.sql"),
                down: include_str!("../sql/0025_job_claims.down.sql"),
            }),
        ]
    }
}

/// A migration written as plain SQL, applied in the migration's transaction.
struct SqlMigration {
    name: &'static str,
    up: &'static str,
    down: &'static str,
}

impl MigrationName for SqlMigration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SqlMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(self.up).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(self.down)
            .await?;
        Ok(())
    }
}
