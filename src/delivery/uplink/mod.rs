//! The uplink: a tokio task that delivers the outbox to the central server, oldest first,
//! and never gives up on a submission by itself.
//!
//! Each reply is classified ([`classify`]): 2xx is delivered; 408, 409, 425, 429, 5xx,
//! timeouts and connection errors are retried with exponential backoff and full jitter
//! (base 1 s, cap 5 min, `Retry-After` honoured); 401/403 mean the kiosk's credentials are
//! wrong, so the uplink pauses, keeps everything and raises a staff alert; any other 4xx
//! turns the submission into a dead letter for staff. A heartbeat goes out every
//! `heartbeat_secs`. The task runs on its own thread and runtime ([`spawn`]) so the UI
//! thread never waits on the network, and stops when told to (`shutdown`).

//!
//! Parts: [`settings`] (from the config, the token file), [`policy`] (reply classes,
//! backoff, `Retry-After`: pure, tested on their own), this module (the delivery loop),
//! [`heartbeat`], [`handle`] (the uplink's own thread, for the UI).

use std::future::Future;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::delivery::outbox::{
    DELIVERED_RETENTION, MAX_REASON_BYTES, Outbox, PendingRow, QueueStats, now_ms,
};
use crate::delivery::protocol::{IDEMPOTENCY_KEY, SUBMISSIONS_PATH};

mod flush;
mod handle;
mod heartbeat;
pub mod policy;
mod settings;
mod token;

pub use handle::{Stop, UplinkHandle, spawn, supervise};
pub use policy::{
    ReplyClass, backoff_ceiling, classify, classify_reply, full_jitter, ms_after, parse_retry_after,
    redact_reply, retry_after_wait,
};
pub use settings::{UplinkError, UplinkSettings, read_token};

use token::TokenFile;

/// Rows read from the outbox at a time: memory stays flat whatever the queue length.
const PAGE: usize = 64;
/// How soon a checkpoint that found the database busy is tried again.
const SCRUB_RETRY: Duration = Duration::from_secs(1);
/// How often delivered records older than 30 days are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// What the UI shows staff about delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UplinkStatus {
    /// Queue figures as of the last pass.
    pub queue: QueueStats,
    /// The server rejected the kiosk's token (401/403): staff must fix `token_file`.
    pub credentials_rejected: bool,
    /// The answers are not the protocol's (404/405, a page that is not the server's JSON):
    /// `[server] base_url` is wrong or something in between answers. Delivery is paused.
    pub not_the_server: bool,
    /// The last failure (delivery or heartbeat), cleared by the next success.
    pub last_error: Option<String>,
    /// How often the delivery task ended unexpectedly and was restarted (staff alert).
    pub restarts: u32,
    /// The kiosk's clock is wrong (before this firmware, or a day away from the server's
    /// `Date`): reply dates on tickets depend on it (staff alert `CLOCK`).
    pub clock_off: bool,
}

/// What happened to one submission, for `simulate` and `queue flush` to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// The server has it (status 200 or 201).
    Delivered {
        /// Submission id.
        id: String,
        /// Its ticket number, if any.
        ticket: Option<String>,
        /// The server's status.
        status: u16,
    },
    /// It will be retried.
    Retry {
        /// Submission id.
        id: String,
        /// What went wrong.
        error: String,
    },
    /// The server rejected the kiosk's credentials; nothing was dead-lettered.
    CredentialsRejected {
        /// Submission id that was being sent.
        id: String,
        /// 401 or 403.
        status: u16,
    },
    /// The answer was not the protocol's (wrong URL, a proxy); delivery pauses, nothing
    /// was dead-lettered.
    NotTheServer {
        /// Submission id that was being sent.
        id: String,
        /// The status that came back.
        status: u16,
    },
    /// The server refused it for good; kept as a dead letter.
    DeadLettered {
        /// Submission id.
        id: String,
        /// The server's status.
        status: u16,
        /// The first KiB of the server's answer.
        reason: String,
    },
}

/// One attempt's result.
enum Attempt {
    /// `class` is decided on the answer as received; `body` is redacted (mobile numbers,
    /// the token masked) before anything logs or stores it. Redacting first could mask
    /// digits inside the submission's own id (a UUID's last group may hold 11 digits
    /// starting 13–19) and turn a delivery into a "not the server" pause.
    Reply {
        status: StatusCode,
        retry_after: Option<Duration>,
        class: ReplyClass,
        body: String,
    },
    Failed(String),
}

/// What a delivery pass asks the loop to do next.
enum Pass {
    /// More rows may be due: go on (after a heartbeat, if one is due).
    More,
    /// Nothing is due.
    Idle,
    /// The server is unwell or refuses the credentials: wait this long.
    Wait(Duration),
}

/// The delivery task's state.
pub struct Uplink {
    /// Its own connection to the outbox.
    outbox: Outbox,
    /// Timings, URLs and files.
    settings: UplinkSettings,
    /// HTTPS client (rustls; certificates always verified).
    client: reqwest::Client,
    /// The bearer token, re-read whenever its file changes.
    token: TokenFile,
    /// Publishes [`UplinkStatus`] to the UI.
    status: watch::Sender<UplinkStatus>,
    /// Receives [`DeliveryEvent`]s, when someone asked for them.
    events: Option<mpsc::UnboundedSender<DeliveryEvent>>,
    /// Consecutive failed attempts, for the shared backoff; reset by any success.
    failures: u32,
    /// Queue position of the last row tried in this sweep.
    cursor: i64,
}

impl std::fmt::Debug for Uplink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uplink").field("base_url", &self.settings.base_url.as_str()).finish_non_exhaustive()
    }
}

impl Uplink {
    /// Checks the token file and the TLS set-up, and prepares the task. Fails (so the
    /// kiosk refuses to start) when the token file is readable by others.
    pub fn new(outbox: Outbox, settings: UplinkSettings) -> Result<Uplink, UplinkError> {
        let url = &settings.base_url;
        let allowed = url.scheme() == "https" || (url.scheme() == "http" && crate::config::is_loopback(url));
        if !allowed {
            return Err(UplinkError::Url {
                url: url.to_string(),
                why: "use https (plain http only to 127.0.0.1/localhost)".into(),
            });
        }
        let token = TokenFile::read(&settings.token_file)?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hall-kiosk/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &settings.ca_file {
            let why =
                |e: &dyn std::fmt::Display| UplinkError::CaFile { path: ca.clone(), why: e.to_string() };
            let pem = std::fs::read(ca).map_err(|e| why(&e))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| why(&e))?;
            if certs.is_empty() {
                return Err(why(&"no PEM certificate in it"));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(UplinkError::Client)?;
        let (status, _) = watch::channel(UplinkStatus::default());
        Ok(Uplink { outbox, settings, client, token, status, events: None, failures: 0, cursor: 0 })
    }

    /// A view of the uplink's status for the UI.
    pub fn status(&self) -> watch::Receiver<UplinkStatus> {
        self.status.subscribe()
    }

    /// Publishes to `status` instead of its own channel, so a restarted uplink keeps the
    /// status (and its watchers) of the one it replaces.
    pub fn share_status(&mut self, status: watch::Sender<UplinkStatus>) {
        self.status = status;
    }

    /// The sender of its status, for a supervisor to share with the next uplink.
    pub fn status_sender(&self) -> watch::Sender<UplinkStatus> {
        self.status.clone()
    }

    /// Starts reporting every delivery result on the returned channel.
    pub fn events(&mut self) -> mpsc::UnboundedReceiver<DeliveryEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.events = Some(tx);
        rx
    }

    /// Runs until `shutdown` completes: delivers, waits, retries, sends heartbeats.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let wake = self.outbox.waker();
        let mut next_heartbeat = Instant::now();
        let mut next_purge = Instant::now();
        let mut paused_until: Option<Instant> = None;
        tracing::info!(server = %self.settings.base_url, "uplink started");
        loop {
            let now = Instant::now();
            if now >= next_purge {
                let before = now_ms() - DELIVERED_RETENTION.as_millis() as i64;
                if let Err(e) = self.outbox.purge_delivered(before) {
                    tracing::warn!(error = %e, "cannot purge old delivery records");
                }
                let before = ms_after(0, self.settings.dead_letter_retention);
                match self.outbox.scrub_dead_letters(now_ms().saturating_sub(before)) {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(
                        dead_letters = n,
                        retention_days = self.settings.dead_letter_retention.as_secs() / 86_400,
                        "STAFF NOTICE: personal data (phone, free text) removed from dead letters past their retention"
                    ),
                    Err(e) => tracing::warn!(error = %e, "cannot remove personal data from old dead letters"),
                }
                next_purge = now + PURGE_EVERY;
            }
            if now >= next_heartbeat {
                tokio::select! {
                    _ = &mut shutdown => break,
                    _ = self.heartbeat() => {}
                }
                next_heartbeat = later(self.settings.heartbeat_every);
            }
            // A pause the server asked for (or a backoff) outlasts a heartbeat in between.
            let pass = match paused_until.filter(|&t| t > Instant::now()) {
                Some(t) => Pass::Wait(t - Instant::now()),
                None => tokio::select! {
                    _ = &mut shutdown => break,
                    pass = self.pass() => pass,
                },
            };
            self.publish();
            // A checkpoint that found the database busy is tried again within a second:
            // delivered phone numbers must not linger in the WAL.
            let scrub_pending = !self.scrub();
            let until = match pass {
                Pass::More => continue,
                Pass::Wait(d) => *paused_until.insert(later(d)),
                Pass::Idle => match self.outbox.next_due_ms() {
                    Ok(Some(due)) => later(Duration::from_millis(due.saturating_sub(now_ms()).max(0) as u64)),
                    Ok(None) => next_heartbeat,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the outbox");
                        later(self.settings.backoff_cap)
                    }
                },
            };
            let mut until = until.min(next_heartbeat);
            if scrub_pending {
                until = until.min(later(SCRUB_RETRY));
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep_until(until) => {}
                // A new submission is sent at once, unless the server asked us to wait.
                _ = wake.notified(), if matches!(pass, Pass::Idle) => {}
            }
        }
        tracing::info!("uplink stopped");
    }

    /// Sends one page of due rows. Returns early with a delay when an attempt fails.
    async fn pass(&mut self) -> Pass {
        let rows = match self.outbox.due(now_ms(), self.cursor, PAGE) {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                self.cursor = 0;
                return Pass::Wait(self.settings.backoff_cap);
            }
        };
        if rows.is_empty() {
            if self.cursor > 0 {
                // Start again from the oldest: earlier rows may have become due.
                self.cursor = 0;
                return Pass::More;
            }
            return Pass::Idle;
        }
        self.token.refresh();
        for row in rows {
            self.cursor = row.seq;
            let attempt = self.attempt(&row).await;
            let (event, wait) = self.settle(&row, attempt);
            if let Some(events) = &self.events {
                let _ = events.send(event);
            }
            if let Some(wait) = wait {
                self.cursor = 0;
                return Pass::Wait(wait);
            }
        }
        Pass::More
    }

    /// One POST of a stored body, byte for byte.
    async fn attempt(&self, row: &PendingRow) -> Attempt {
        let request = self
            .client
            .post(self.settings.endpoint(SUBMISSIONS_PATH))
            .header(AUTHORIZATION, self.token.header())
            .header(IDEMPOTENCY_KEY, &row.id)
            .header(CONTENT_TYPE, "application/json")
            .body(row.body.clone());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(describe(&e)),
        };
        let status = response.status();
        self.check_clock(response.headers());
        let retry_after = match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
            _ => None,
        };
        // A success must name the submission (`classify_reply`): an answer cut off is tried
        // again, and the server answers the repeat with 200.
        let raw = match read_head(response, MAX_REASON_BYTES).await {
            Ok(b) => b,
            Err(e) => return Attempt::Failed(format!("{status}, then {}", describe(&e))),
        };
        let class = classify_reply(status, &raw, &row.id);
        let body = redact_reply(&String::from_utf8_lossy(&raw), self.token.secret());
        Attempt::Reply { status, retry_after, class, body }
    }

    /// Records an attempt's result in the outbox. Returns the event and, when the uplink
    /// must pause, for how long.
    fn settle(&mut self, row: &PendingRow, attempt: Attempt) -> (DeliveryEvent, Option<Duration>) {
        let now = now_ms();
        let (status, retry_after, class, body) = match attempt {
            Attempt::Failed(error) => return self.retry(row, error, None),
            Attempt::Reply { status, retry_after, class, body } => (status, retry_after, class, body),
        };
        match class {
            ReplyClass::Delivered => {
                self.failures = 0;
                self.clear_credentials_alert();
                if let Err(e) = self.outbox.mark_delivered(&row.id, now) {
                    // Sent again later; the server answers 200 for the same key and body.
                    tracing::error!(id = %row.id, error = %e, "delivered, but cannot record it");
                }
                tracing::debug!(id = %row.id, status = status.as_u16(), "delivered");
                let event = DeliveryEvent::Delivered {
                    id: row.id.clone(),
                    ticket: row.ticket.clone(),
                    status: status.as_u16(),
                };
                (event, None)
            }
            ReplyClass::Dead => {
                self.failures = 0;
                self.clear_alerts(); // the server's own refusal: URL and token are right
                tracing::error!(id = %row.id, status = status.as_u16(), "the server refused a submission: kept as a dead letter for staff");
                if let Err(e) = self.outbox.mark_dead(&row.id, status.as_u16(), &body, now) {
                    tracing::error!(id = %row.id, error = %e, "cannot record the dead letter; it stays pending");
                }
                let event =
                    DeliveryEvent::DeadLettered { id: row.id.clone(), status: status.as_u16(), reason: body };
                (event, None)
            }
            ReplyClass::CredentialsRejected => self.pause_for_credentials(row, status),
            ReplyClass::NotTheServer => self.pause_for_url(row, status, &body),
            ReplyClass::Retry => {
                let mut error = status.to_string();
                if !body.is_empty() {
                    error = format!("{error}: {}", crate::delivery::outbox::truncate(&body, 200));
                }
                let scaled = retry_after.map(|d| {
                    retry_after_wait(d, self.settings.retry_after_scale, self.settings.retry_after_max)
                });
                self.retry(row, error, scaled)
            }
        }
    }

    /// The server refuses the kiosk's token: keep the row, pause, alert staff.
    fn pause_for_credentials(
        &mut self,
        row: &PendingRow,
        status: StatusCode,
    ) -> (DeliveryEvent, Option<Duration>) {
        let error = format!("{status}: the server rejects this kiosk's token");
        tracing::error!(
            status = status.as_u16(),
            token_file = %self.settings.token_file.display(),
            "STAFF ALERT: the server rejects this kiosk's credentials; delivery paused, nothing is lost"
        );
        let wait = self.settings.auth_retry;
        if let Err(e) = self.outbox.mark_retry(&row.id, ms_after(now_ms(), wait), &error) {
            tracing::error!(id = %row.id, error = %e, "cannot record the attempt");
        }
        self.status.send_modify(|s| {
            s.credentials_rejected = true;
            s.last_error = Some(error);
        });
        (DeliveryEvent::CredentialsRejected { id: row.id.clone(), status: status.as_u16() }, Some(wait))
    }

    /// The answer is not the server's: keep the row, pause, alert staff.
    fn pause_for_url(
        &mut self,
        row: &PendingRow,
        status: StatusCode,
        body: &str,
    ) -> (DeliveryEvent, Option<Duration>) {
        let error = format!(
            "{status} that is not the intake server's answer: check [server] base_url ({}) and any proxy; {}",
            self.settings.base_url,
            crate::delivery::outbox::truncate(body, 200)
        );
        tracing::error!(
            status = status.as_u16(),
            base_url = %self.settings.base_url,
            "STAFF ALERT: the answers are not the intake server's; delivery paused, nothing is lost"
        );
        let wait = self.settings.auth_retry;
        if let Err(e) = self.outbox.mark_retry(&row.id, ms_after(now_ms(), wait), &error) {
            tracing::error!(id = %row.id, error = %e, "cannot record the attempt");
        }
        self.status.send_modify(|s| {
            s.not_the_server = true;
            s.last_error = Some(error);
        });
        (DeliveryEvent::NotTheServer { id: row.id.clone(), status: status.as_u16() }, Some(wait))
    }

    fn retry(
        &mut self,
        row: &PendingRow,
        error: String,
        retry_after: Option<Duration>,
    ) -> (DeliveryEvent, Option<Duration>) {
        self.failures = self.failures.saturating_add(1);
        // The pause before the next attempt at all, and this row's own schedule: a row the
        // server keeps failing backs off on its own and does not hold up the rows behind it.
        let wait = retry_after.unwrap_or_else(|| full_jitter(self.ceiling(self.failures)));
        let row_wait =
            retry_after.unwrap_or_else(|| full_jitter(self.ceiling(row.attempts.saturating_add(1))));
        tracing::warn!(id = %row.id, attempts = row.attempts.saturating_add(1), error = %error, wait_ms = wait.as_millis() as u64, "delivery failed; will retry");
        if let Err(e) = self.outbox.mark_retry(&row.id, ms_after(now_ms(), row_wait), &error) {
            tracing::error!(id = %row.id, error = %e, "cannot record the attempt");
        }
        self.status.send_modify(|s| s.last_error = Some(error.clone()));
        (DeliveryEvent::Retry { id: row.id.clone(), error }, Some(wait))
    }
    /// The backoff ceiling after `n` consecutive failures (see [`backoff_ceiling`]).
    fn ceiling(&self, n: u32) -> Duration {
        backoff_ceiling(self.settings.backoff_base, self.settings.backoff_cap, n)
    }

    /// An accepted request (a heartbeat, the server's own refusal): the token and the URL
    /// are right, so those alerts go; a delivery failure's `last_error` stays.
    fn clear_alerts(&self) {
        self.status.send_if_modified(|s| {
            let changed = s.credentials_rejected || s.not_the_server;
            s.credentials_rejected = false;
            s.not_the_server = false;
            changed
        });
    }

    fn clear_credentials_alert(&self) {
        self.status.send_if_modified(|s| {
            let changed = s.credentials_rejected || s.not_the_server || s.last_error.is_some();
            s.credentials_rejected = false;
            s.not_the_server = false;
            s.last_error = None;
            changed
        });
    }

    /// Clears delivered payloads out of the WAL (see [`Outbox::scrub_delivered`]).
    /// Returns `false` while that is still to be done.
    fn scrub(&self) -> bool {
        match self.outbox.scrub_delivered() {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(error = %e, "cannot checkpoint the outbox's WAL");
                false
            }
        }
    }

    /// Refreshes the queue figures in the published status.
    fn publish(&self) {
        match self.outbox.stats() {
            Ok(queue) => {
                self.status.send_if_modified(|s| {
                    let changed = s.queue != queue;
                    s.queue = queue;
                    changed
                });
            }
            Err(e) => tracing::error!(error = %e, "cannot read queue figures"),
        }
    }
}

/// At most the first `max` bytes of an answer's body: the rest is never read (a hostile or
/// broken server may send hundreds of megabytes), and the connection is dropped.
async fn read_head(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut head = Vec::new();
    while head.len() < max {
        match response.chunk().await? {
            Some(chunk) => head.extend_from_slice(&chunk[..chunk.len().min(max - head.len())]),
            None => break,
        }
    }
    Ok(head)
}

/// The instant `d` from now; a year from now if that would overflow the clock.
fn later(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d).unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

/// A reqwest error with its causes, without the request URL repeated.
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// Milliseconds since the epoch as RFC 3339 in the kiosk's local offset.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).to_rfc3339_opts(chrono::SecondsFormat::Millis, false))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Production timings against `base_url`, with a private token file in `dir`.
    fn settings(dir: &std::path::Path, base_url: &str) -> UplinkSettings {
        let token = dir.join("token");
        std::fs::write(&token, "t0k3n\n").unwrap();
        std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        UplinkSettings {
            base_url: base_url.parse().unwrap(),
            kiosk_id: "K01".into(),
            token_file: token,
            ca_file: None,
            heartbeat_every: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(300),
            auth_retry: Duration::from_secs(300),
            retry_after_max: Duration::from_secs(3600),
            retry_after_scale: 1.0,
            dead_letter_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let settings = settings(dir.path(), "http://127.0.0.1:9/");
        let token = settings.token_file.clone();
        let up = Uplink::new(outbox, settings.clone()).unwrap();
        let secs: Vec<u64> = (1..=11).map(|n| up.ceiling(n).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(up.token.secret(), "t0k3n");

        std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let err = Uplink::new(outbox, settings.clone()).unwrap_err();
        assert!(matches!(err, UplinkError::TokenPermissions { .. }), "{err}");
        assert!(err.to_string().contains("chmod 600"));

        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let plain = UplinkSettings { base_url: "http://intake.example.gov.cn/".parse().unwrap(), ..settings };
        assert!(matches!(Uplink::new(outbox, plain).unwrap_err(), UplinkError::Url { .. }));
    }

    #[tokio::test]
    async fn a_restarted_uplink_reports_to_the_first_ones_watchers() {
        let dir = tempfile::tempdir().unwrap();
        // A port nothing listens on: every attempt fails to connect.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings = settings(dir.path(), &format!("http://127.0.0.1:{port}/"));
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let new = crate::delivery::outbox::NewSubmission {
            id: uuid::Uuid::now_v7(),
            kind: crate::delivery::protocol::Kind::Assist,
            created_at_ms: now_ms(),
            ticket_day: None,
        };
        outbox
            .enqueue(&new, |_| (crate::delivery::outbox::Rendered { body: b"{}".to_vec(), ticket: None }, ()))
            .unwrap();
        let first = Uplink::new(outbox.another_connection().unwrap(), settings.clone()).unwrap();
        let (watched, sender) = (first.status(), first.status_sender());
        drop(first); // it ended; the supervisor makes another and hands it the same status
        let mut second = Uplink::new(outbox.another_connection().unwrap(), settings).unwrap();
        second.share_status(sender);
        let mut events = Vec::new();
        second.flush(Duration::from_millis(200), |e| events.push(e.clone())).await.unwrap();
        let Some(DeliveryEvent::Retry { error, .. }) = events.first() else { panic!("{events:?}") };
        assert!(error.starts_with("cannot connect: "), "staff are told what failed: {error}");
        let status = watched.borrow().clone();
        assert_eq!(status.last_error.as_deref(), Some(error.as_str()), "the staff screen's watcher hears it");
        assert_eq!(status.queue.pending, 1);
    }
}
