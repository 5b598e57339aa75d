//! The uplink on a thread of its own with its own current-thread tokio runtime, so the
//! UI thread never waits on the network.

use tokio::sync::watch;

use super::{Uplink, UplinkError, UplinkSettings, UplinkStatus};
use crate::delivery::outbox::Outbox;

/// The uplink running on its own thread and tokio runtime, for the UI.
#[derive(Debug)]
pub struct UplinkHandle {
    /// The uplink's status, updated after every pass.
    status: watch::Receiver<UplinkStatus>,
    /// Dropping or sending on it stops the uplink.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The thread, joined on shutdown.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl UplinkHandle {
    /// The status, for the staff screen.
    pub fn status(&self) -> watch::Receiver<UplinkStatus> {
        self.status.clone()
    }

    /// Whether the delivery thread still runs (it ends only on shutdown or a panic), so
    /// the systemd watchdog stops being fed when delivery has died.
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the uplink and waits for its thread (an attempt in flight is abandoned; it is
    /// still pending and will be sent again, byte-identical).
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for UplinkHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Starts the uplink on a thread of its own with its own outbox connection. Errors in the
/// token file or TLS set-up are returned here, before anything runs.
pub fn spawn(outbox: &Outbox, settings: UplinkSettings) -> Result<UplinkHandle, UplinkError> {
    let uplink = Uplink::new(outbox.another_connection()?, settings)?;
    let status = uplink.status();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(UplinkError::Thread)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("uplink".into())
        .spawn(move || {
            runtime.block_on(uplink.run(async {
                let _ = stopped.await;
            }))
        })
        .map_err(UplinkError::Thread)?;
    Ok(UplinkHandle { status, stop: Some(stop), thread: Some(thread) })
}
