//! Fault injection for the crash-safety tests. A handler that delivers
//! messages one at a time asks [`crash_now`] after each delivery; a test
//! (with the `testkit` feature) can arm it so the handler stops there with
//! [`SimulatedCrash`], and the worker then leaves the job exactly as a killed
//! worker would: claimed, its lease running out, its outcome unrecorded.
//! Without the feature nothing can arm it and [`crash_now`] is always false.

use uuid::Uuid;

/// A handler stopped as if its process had died.
#[derive(Debug)]
pub struct SimulatedCrash;

impl std::fmt::Display for SimulatedCrash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("simulated crash")
    }
}

impl std::error::Error for SimulatedCrash {}

/// Whether `error` is a [`SimulatedCrash`].
pub fn is_simulated_crash(error: &anyhow::Error) -> bool {
    error.downcast_ref::<SimulatedCrash>().is_some()
}

#[cfg(feature = "testkit")]
mod armed {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use uuid::Uuid;

    static ARMED: Mutex<BTreeMap<Uuid, usize>> = Mutex::new(BTreeMap::new());

    fn armed() -> std::sync::MutexGuard<'static, BTreeMap<Uuid, usize>> {
        ARMED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next job of `org_id` that delivers messages crashes right after
    /// its `deliveries`-th delivery (once; at least one delivery).
    pub fn crash_after(org_id: Uuid, deliveries: usize) {
        armed().insert(org_id, deliveries.max(1));
    }

    pub fn crash_now(org_id: Uuid) -> bool {
        let mut armed = armed();
        let Some(left) = armed.get_mut(&org_id) else {
            return false;
        };
        *left = left.saturating_sub(1);
        if *left == 0 {
            armed.remove(&org_id);
            true
        } else {
            false
        }
    }
}

#[cfg(feature = "testkit")]
pub use armed::crash_after;

/// Whether the handler delivering for `org_id` should crash now (a delivery
/// just completed). Always false outside tests.
pub fn crash_now(org_id: Uuid) -> bool {
    #[cfg(feature = "testkit")]
    {
        armed::crash_now(org_id)
    }
    #[cfg(not(feature = "testkit"))]
    {
        let _ = org_id;
        false
    }
}
