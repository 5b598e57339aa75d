//! `queue flush`: deliver everything now, waiting out transient failures, until nothing is
//! pending or the operator's timeout passes.

use std::time::Duration;

use tokio::time::Instant;

use super::{DeliveryEvent, PAGE, Uplink, later};
use crate::delivery::outbox::{OutboxError, QueueStats};

impl Uplink {
    /// Delivers every pending submission now, whatever its schedule, reporting each result
    /// to `report`, until nothing is pending or `timeout` has passed. Transient failures are
    /// waited out (backoff, `Retry-After`, both shortened to what is left of `timeout`); a
    /// row that keeps failing is tried again on the next sweep, after the others. Stops at
    /// once when the server refuses the credentials or is not the server (waiting cannot
    /// fix those). Returns the queue figures afterwards.
    pub async fn flush(
        &mut self,
        timeout: Duration,
        mut report: impl FnMut(&DeliveryEvent),
    ) -> Result<QueueStats, OutboxError> {
        let deadline = later(timeout);
        let mut after = 0;
        'sweeps: while Instant::now() < deadline {
            let rows = self.outbox.due(i64::MAX, after, PAGE)?;
            if rows.is_empty() {
                if after == 0 {
                    break; // nothing pending at all
                }
                after = 0; // start a new sweep for the rows that failed
                continue;
            }
            for row in rows {
                after = row.seq;
                let attempt = self.attempt(&row).await;
                let (event, wait) = self.settle(&row, attempt);
                report(&event);
                match (&event, wait) {
                    (DeliveryEvent::CredentialsRejected { .. } | DeliveryEvent::NotTheServer { .. }, _) => {
                        break 'sweeps;
                    }
                    (_, Some(wait)) => {
                        tokio::time::sleep_until(later(wait).min(deadline)).await;
                        continue 'sweeps;
                    }
                    _ => {}
                }
                if Instant::now() >= deadline {
                    break 'sweeps;
                }
            }
        }
        self.publish();
        self.scrub();
        self.outbox.stats()
    }
}
