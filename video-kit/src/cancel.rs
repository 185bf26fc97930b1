//! Cancelling the facade's work when a Rust future is dropped half-way (a
//! page left while connecting): without it a call would stay connected, or a
//! camera stay on, with nobody holding it.

use crate::error::VideoError;

/// Aborts its controller when dropped before [`CancelOnDrop::finish`]: a
/// dropped Rust future then tells the facade to give back what it opened.
pub(crate) struct CancelOnDrop {
    controller: Option<web_sys::AbortController>,
}

impl CancelOnDrop {
    pub(crate) fn new() -> Result<Self, VideoError> {
        let controller = web_sys::AbortController::new().map_err(|_| VideoError::failed())?;
        Ok(Self {
            controller: Some(controller),
        })
    }

    pub(crate) fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.controller
            .as_ref()
            .map(web_sys::AbortController::signal)
    }

    /// The operation completed: nothing to cancel.
    pub(crate) fn finish(mut self) {
        self.controller = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.controller.take() {
            controller.abort();
        }
    }
}
