//! The durable outbox: every submission is one row in a SQLite database on the kiosk's own
//! disk, committed with `fsync` before the citizen is told it was received.
//!
//! A row is `pending` until the server confirms it; then its payload (with any phone
//! number) is deleted at once and only the id, ticket number and delivery time are kept,
//! for 30 days. A row the server refuses becomes a `dead` letter, kept whole with the
//! server's status and reason until staff act on it. Nothing is dropped silently.
//!
//! The UI thread and the uplink each own an [`Outbox`] (one SQLite connection each; WAL
//! lets them work side by side, `busy_timeout` covers the moments both write).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{Connection, ErrorCode};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::delivery::protocol::Kind;

/// File name of the outbox database inside the data directory.
pub const DB_FILE: &str = "outbox.db";
/// How long the id and ticket number of a delivered submission are kept.
pub const DELIVERED_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long a writer waits for the other connection's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest part of a server's refusal kept with a dead letter.
pub const MAX_REASON_BYTES: usize = 1024;

mod bookkeeping;
mod enqueue;
mod export;
mod open;
mod reserve;
#[cfg(test)]
mod tests;
pub mod ticket_floor;

pub use export::{ExportError, ExportLine};

/// Something the outbox could not do, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The disk (or the outbox's size limit) is full. New submissions are refused;
    /// everything already queued is intact.
    #[error(
        "the outbox disk is full ({path}): new submissions are refused, everything already \
         queued is kept; free space on that disk"
    )]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },
    /// The data directory could not be created or the database file could not be set up.
    #[error("outbox {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// SQLite reported an error other than a full disk.
    #[error("outbox database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The database is corrupt, and this open may not replace it (it is in use, or this is
    /// an operator command).
    #[error("outbox database {path} is corrupt ({why}); stop the kiosk and run `hall-kiosk queue repair`")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite found.
        why: String,
    },
    /// `queue repair` was asked to touch an outbox that a kiosk or command has open.
    #[error(
        "outbox {path} is in use (the kiosk or another command has it open); stop the kiosk \
         (systemctl stop hall-kiosk) before repairing it"
    )]
    InUse {
        /// The database file.
        path: PathBuf,
    },
    /// A stored row does not have the shape this version writes (edited by hand?).
    #[error("outbox database {path}: row {id}: {what}")]
    BadRow {
        /// The database file.
        path: PathBuf,
        /// The submission id.
        id: String,
        /// What is wrong with it.
        what: String,
    },
}

impl OutboxError {
    /// Whether the error is a full disk (the UI sends the citizen to the staffed window).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, OutboxError::DiskFull { .. })
    }
}

/// What happened when the outbox was opened, for staff.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// A corrupt or unreadable database was renamed to this path and a fresh one started.
    /// Staff must be told: what it held was not delivered by this kiosk.
    pub moved_aside: Option<PathBuf>,
    /// Why it was moved aside.
    pub reason: Option<String>,
}

/// Tuning that operators normally leave alone.
#[derive(Debug, Clone, Default)]
pub struct OutboxOptions {
    /// Upper bound on the database size in bytes; past it new submissions are refused as
    /// if the disk were full. `None`: the disk is the limit.
    pub max_bytes: Option<u64>,
}

/// A submission about to be queued.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// Its id and idempotency key (UUIDv7).
    pub id: Uuid,
    /// What it is.
    pub kind: Kind,
    /// When it was created, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// The kiosk's local date, when the submission gets a ticket: the daily ticket
    /// sequence of that date is taken in the same transaction.
    pub ticket_day: Option<NaiveDate>,
}

/// The exact bytes to store and send, made once the ticket sequence is known.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The JSON body, byte for byte as it will be sent on every attempt.
    pub body: Vec<u8>,
    /// The ticket number, kept after delivery so staff can find the submission.
    pub ticket: Option<String>,
}

/// One pending row, as the uplink sends it.
#[derive(Clone)]
pub struct PendingRow {
    /// Queue position: lower is older.
    pub seq: i64,
    /// The submission id (idempotency key).
    pub id: String,
    /// What it is.
    pub kind: Kind,
    /// Its ticket number, if any.
    pub ticket: Option<String>,
    /// The stored request body.
    pub body: Vec<u8>,
    /// Attempts made so far.
    pub attempts: u32,
}

impl std::fmt::Debug for PendingRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body holds personal data: never in logs.
        f.debug_struct("PendingRow")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("ticket", &self.ticket)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// A submission the server refused, waiting for staff.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// The submission id.
    pub id: String,
    /// What it is.
    pub kind: Kind,
    /// Its ticket number, if any.
    pub ticket: Option<String>,
    /// HTTP status the server answered.
    pub status: u16,
    /// The first KiB of the server's answer.
    pub reason: String,
    /// When it was dead-lettered (ms since the epoch).
    pub dead_at_ms: i64,
}

/// A delivered submission's remaining trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredRecord {
    /// The submission id.
    pub id: String,
    /// Its ticket number, if any.
    pub ticket: Option<String>,
    /// When the server confirmed it (ms since the epoch).
    pub delivered_at_ms: i64,
}

/// Queue figures for the status line, the heartbeat and `queue status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Submissions waiting to be delivered.
    pub pending: u64,
    /// Submissions the server refused, waiting for staff.
    pub dead_letters: u64,
    /// Creation time of the oldest pending submission (ms since the epoch).
    pub oldest_pending_ms: Option<i64>,
    /// When the last delivery was confirmed (ms since the epoch).
    pub last_delivery_ms: Option<i64>,
}

/// Which dead letters to put back in the queue.
#[derive(Debug, Clone)]
pub enum DeadSelector {
    /// One submission, by id.
    Id(String),
    /// All of them.
    All,
}

/// One connection to the outbox database plus the bell that wakes the uplink.
pub struct Outbox {
    /// The SQLite connection; a mutex so the UI may share one `Outbox` between callbacks.
    conn: Mutex<Connection>,
    /// The database file, for messages and for opening further connections.
    path: PathBuf,
    /// Rung after every enqueue; the uplink waits on it when it has nothing to do.
    wake: Arc<Notify>,
    /// The shared lock on `outbox.db.lock` held by every writer, so `queue repair` never
    /// moves aside a database in use. `None` for a read-only connection.
    lock: Option<Arc<std::fs::File>>,
    /// A delivered payload was deleted since the last WAL checkpoint (it is still in the WAL).
    delivered_since_scrub: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Outbox {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bell rung after every enqueue.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock left no transaction open (rusqlite rolls back on
        // drop), so the connection is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self, source: rusqlite::Error) -> OutboxError {
        if source.sqlite_error_code() == Some(ErrorCode::DiskFull) {
            OutboxError::DiskFull { path: self.path.clone() }
        } else {
            OutboxError::Sqlite { path: self.path.clone(), source }
        }
    }
}

/// At most `max` bytes of `s`, cut on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
