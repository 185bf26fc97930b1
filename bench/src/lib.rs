//! What the benchmark binaries share: servers in child processes, the HTTP
//! client and closed-loop load, CPU and memory figures from `/proc`, and
//! the observer that finds the PostgreSQL backends and the Redis server whose
//! CPU a run accounts for.

pub mod child;
pub mod http;
pub mod load;
pub mod observe;
pub mod procfs;
