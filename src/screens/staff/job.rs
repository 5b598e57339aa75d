//! Work the staff panel does off the UI thread (checking a PIN, writing a USB stick,
//! delivering now): a thread does it and leaves the answer in a slot, and the panel's poll
//! timer picks it up on the UI thread. Driven by Slint timers, so tests advance mock time.

use std::sync::{Arc, Mutex};

/// One piece of work in flight, or its answer.
pub struct Job<T> {
    /// The thread's answer, once there.
    slot: Arc<Mutex<Option<T>>>,
}

impl<T: Send + 'static> Job<T> {
    /// Runs `work` on a thread named `name`. If no thread can be started, `failed` is the
    /// answer at once.
    pub fn start(
        name: &str,
        work: impl FnOnce() -> T + Send + 'static,
        failed: impl FnOnce(String) -> T,
    ) -> Job<T> {
        let slot = Arc::new(Mutex::new(None));
        let answer = slot.clone();
        let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
            let result = work();
            *answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, job = name, "cannot start a thread for the staff panel");
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(failed(e.to_string()));
        }
        Job { slot }
    }

    /// The answer, if the work is done (taken: asked again, it is `None`).
    pub fn take(&self) -> Option<T> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
