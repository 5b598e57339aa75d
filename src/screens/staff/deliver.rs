//! "Deliver now": the same path as `hall-kiosk queue flush` (the uplink's own
//! [`Uplink::flush`]) on a thread with its own runtime and outbox connection, beside the
//! kiosk's running uplink (the server is idempotent, so both may send a row). Counts
//! deliveries as they happen, for the progress line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::delivery::outbox::{Outbox, QueueStats};
use crate::delivery::uplink::{DeliveryEvent, Uplink, UplinkSettings};

/// How long "deliver now" keeps at it (staff wait at the screen).
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// How a flush ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlushOutcome {
    /// It ran to the end or its timeout: the queue afterwards.
    Done(QueueStats),
    /// The server refused the token or is not the server: waiting cannot help.
    Stopped(QueueStats),
    /// It could not start (the token file, the outbox, a thread).
    CannotStart(String),
}

/// Delivers now (blocking: run it on a thread). `delivered` counts as it goes.
pub fn run(outbox: Outbox, settings: UplinkSettings, delivered: Arc<AtomicU64>) -> FlushOutcome {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return FlushOutcome::CannotStart(e.to_string()),
    };
    let mut uplink = match Uplink::new(outbox, settings) {
        Ok(u) => u,
        Err(e) => return FlushOutcome::CannotStart(e.to_string()),
    };
    let mut stopped = false;
    let result = runtime.block_on(uplink.flush(TIMEOUT, |event| match event {
        DeliveryEvent::Delivered { .. } => {
            delivered.fetch_add(1, Ordering::Relaxed);
        }
        DeliveryEvent::CredentialsRejected { .. } | DeliveryEvent::NotTheServer { .. } => stopped = true,
        _ => {}
    }));
    match result {
        Ok(stats) if stopped => FlushOutcome::Stopped(stats),
        Ok(stats) => FlushOutcome::Done(stats),
        Err(e) => FlushOutcome::CannotStart(e.to_string()),
    }
}
