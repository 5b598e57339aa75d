//! The heartbeat: the kiosk's queue figures, every `heartbeat_secs`, so the central side
//! sees a kiosk that has gone quiet.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::{ReplyClass, Uplink, classify, describe, rfc3339};
use crate::delivery::protocol::{HEARTBEAT_PATH, Heartbeat};

impl Uplink {
    /// Sends one heartbeat. Failures are logged and shown, never fatal.
    pub(super) async fn heartbeat(&mut self) {
        self.token.refresh();
        let stats = match self.outbox.stats() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot read queue figures for the heartbeat");
                return;
            }
        };
        let beat = Heartbeat {
            kiosk_id: self.settings.kiosk_id.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            pending: stats.pending,
            dead_letters: stats.dead_letters,
            oldest_pending_at: stats.oldest_pending_ms.map(rfc3339),
            last_delivery_at: stats.last_delivery_ms.map(rfc3339),
        };
        let result = self
            .client
            .post(self.settings.endpoint(HEARTBEAT_PATH))
            .header(AUTHORIZATION, self.token.header())
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&beat).expect("a heartbeat always serialises"))
            .send()
            .await;
        match result {
            Ok(r) if r.status().is_success() => {
                tracing::debug!(pending = stats.pending, "heartbeat sent");
                self.clear_alerts();
            }
            Ok(r) if classify(r.status()) == ReplyClass::CredentialsRejected => {
                tracing::error!(
                    status = r.status().as_u16(),
                    "STAFF ALERT: the server rejects this kiosk's credentials (heartbeat)"
                );
                self.status.send_modify(|s| s.credentials_rejected = true);
            }
            Ok(r) => tracing::warn!(status = r.status().as_u16(), "heartbeat not accepted"),
            Err(e) => tracing::warn!(error = %describe(&e), "heartbeat failed"),
        }
    }
}
