//! The heartbeat: the kiosk's queue figures, every `heartbeat_secs`, so the central side
//! sees a kiosk that has gone quiet.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use super::{ReplyClass, Uplink, classify, describe, rfc3339};
use crate::delivery::protocol::{HEARTBEAT_PATH, Heartbeat};
use crate::delivery::run_state;
use crate::hall::clock;

impl Uplink {
    /// Compares the kiosk's clock with the server's `Date` (and the firmware's date); a
    /// wrong clock is a staff alert (`CLOCK`): reply dates on tickets depend on it.
    pub(super) fn check_clock(&self, headers: &reqwest::header::HeaderMap) {
        let server_ms = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        let off = clock::is_off(crate::delivery::outbox::now_ms(), server_ms);
        self.status.send_if_modified(|s| {
            let changed = s.clock_off != off;
            if changed {
                if off {
                    tracing::error!(
                        "STAFF ALERT: the kiosk's clock is wrong; ticket reply dates depend on it"
                    );
                }
                s.clock_off = off;
            }
            changed
        });
    }
}

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
            uptime_secs: run_state::uptime_secs(),
            free_disk_bytes: self.outbox.path().parent().and_then(crate::delivery::status::free_bytes),
            last_exit: run_state::last_end_reported().map(str::to_string),
            clock_off: self.status.borrow().clock_off,
        };
        let result = self
            .client
            .post(self.settings.endpoint(HEARTBEAT_PATH))
            .header(AUTHORIZATION, self.token.header())
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&beat).expect("a heartbeat always serialises"))
            .send()
            .await;
        if let Ok(r) = &result {
            self.check_clock(r.headers());
        }
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
