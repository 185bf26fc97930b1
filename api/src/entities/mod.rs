//! sea-orm entities. Tenant-owned tables are only queried through
//! [`crate::db::TenantTx`].

pub mod organization;
pub mod profile;
pub mod role;
pub mod user;
pub mod user_role;
