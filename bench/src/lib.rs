//! What the benchmark binaries share: CPU and memory figures from `/proc`, and
//! the observer that finds the PostgreSQL backends and the Redis server whose
//! CPU a run accounts for.

pub mod child;
pub mod http;
pub mod observe;
pub mod procfs;
