//! Cases: intake templates per dispute type, the guided intake, triage, the
//! parties and their verification, the lifecycle, the timeline and the
//! mediator's private notes. Content is sealed with the tenant's key
//! (`crypto::tenant`); who may see what is decided in `authz::cases`.

pub mod access;
pub mod agreements;
pub mod assignment;
pub mod defaults;
pub mod graphql;
pub mod intake;
pub mod mutations;
pub mod notes;
pub mod parties;
pub mod roster;
pub mod service;
pub mod stats;
pub mod status;
pub mod submissions;
pub mod tasks;
pub mod template;
pub mod templates;
pub mod timeline;
pub mod todos;
pub mod work_graphql;
