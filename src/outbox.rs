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

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::protocol::Kind;

/// File name of the outbox database inside the data directory.
pub const DB_FILE: &str = "outbox.db";
/// How long the id and ticket number of a delivered submission are kept.
pub const DELIVERED_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long a writer waits for the other connection's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest part of a server's refusal kept with a dead letter.
pub const MAX_REASON_BYTES: usize = 1024;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    ticket TEXT,
    created_at_ms INTEGER NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    dead_status INTEGER,
    dead_reason TEXT,
    dead_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS submissions_state_seq ON submissions (state, seq);
CREATE TABLE IF NOT EXISTS delivered (
    id TEXT PRIMARY KEY,
    ticket TEXT,
    delivered_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS delivered_at ON delivered (delivered_at_ms);
CREATE TABLE IF NOT EXISTS ticket_days (
    day TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
PRAGMA user_version = 1;
";

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
    /// The database is corrupt and could not be replaced by a fresh one.
    #[error("outbox database {path} is corrupt ({why}); move it aside by hand and restart")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite found.
        why: String,
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
    /// Opens (or creates) the outbox in `data_dir`. A corrupt database is moved aside and a
    /// fresh one started; the report says so, and the caller must tell staff.
    pub fn open(data_dir: &Path) -> Result<(Outbox, OpenReport), OutboxError> {
        Self::open_with(data_dir, &OutboxOptions::default())
    }

    /// [`Outbox::open`] with explicit options.
    pub fn open_with(data_dir: &Path, options: &OutboxOptions) -> Result<(Outbox, OpenReport), OutboxError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutboxError::Io { path, source }
        };
        if !data_dir.exists() {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(data_dir).map_err(io(data_dir))?;
        }
        let path = data_dir.join(DB_FILE);
        let mut report = OpenReport::default();
        let conn = match Self::connect(&path, options, true) {
            Ok(conn) => conn,
            Err(Corruption::Corrupt(why)) => {
                let aside = move_aside(&path).map_err(io(&path))?;
                tracing::error!(
                    db = %path.display(),
                    moved_to = %aside.display(),
                    reason = %why,
                    "OUTBOX DATABASE CORRUPT: moved aside, starting a fresh one; staff must hand the old file to support"
                );
                report = OpenReport { moved_aside: Some(aside), reason: Some(why) };
                Self::connect(&path, options, true).map_err(|c| c.into_error(&path))?
            }
            Err(other) => return Err(other.into_error(&path)),
        };
        let outbox = Outbox { conn: Mutex::new(conn), path, wake: Arc::new(Notify::new()) };
        Ok((outbox, report))
    }

    /// A second connection to the same database (for the uplink's thread), sharing the
    /// wake-up bell.
    pub fn another_connection(&self) -> Result<Outbox, OutboxError> {
        let conn = Self::connect(&self.path, &OutboxOptions::default(), false)
            .map_err(|c| c.into_error(&self.path))?;
        Ok(Outbox { conn: Mutex::new(conn), path: self.path.clone(), wake: self.wake.clone() })
    }

    fn connect(path: &Path, options: &OutboxOptions, check: bool) -> Result<Connection, Corruption> {
        if !path.exists() {
            // Create it 0600 before SQLite does; its -wal and -shm files copy this mode.
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| Corruption::Other(OutboxError::Io { path: path.to_path_buf(), source: e }))?;
        }
        let meta = std::fs::metadata(path)
            .map_err(|e| Corruption::Other(OutboxError::Io { path: path.to_path_buf(), source: e }))?;
        if meta.permissions().mode() & 0o777 != 0o600 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Corruption::Other(OutboxError::Io { path: path.to_path_buf(), source: e }))?;
        }
        let conn = Connection::open(path).map_err(Corruption::classify)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(Corruption::classify)?;
        // WAL survives power loss with synchronous=FULL: a committed row is on disk.
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(Corruption::classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Corruption::Corrupt(format!("cannot switch to WAL (journal_mode is {mode})")));
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(Corruption::classify)?;
        // Deleted payloads (phone numbers) are overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON").map_err(Corruption::classify)?;
        if check {
            let verdict: String =
                conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(Corruption::classify)?;
            if verdict != "ok" {
                return Err(Corruption::Corrupt(format!("quick_check: {verdict}")));
            }
            conn.execute_batch(SCHEMA).map_err(Corruption::classify)?;
        }
        if let Some(max) = options.max_bytes {
            let page: i64 =
                conn.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(Corruption::classify)?;
            let pages = (max as i64 / page.max(512)).max(1);
            conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
                .map_err(Corruption::classify)?;
        }
        Ok(conn)
    }

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

    /// Queues one submission in one transaction that also takes the next ticket sequence
    /// number of `new.ticket_day` (if any). `render` gets that number and returns the exact
    /// body to store. Returns only after the commit is on disk, then wakes the uplink.
    pub fn enqueue<T>(
        &self,
        new: &NewSubmission,
        render: impl FnOnce(Option<u32>) -> (Rendered, T),
    ) -> Result<T, OutboxError> {
        let out = {
            let mut conn = self.lock();
            let tx =
                conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
            let seq = match new.ticket_day {
                None => None,
                Some(day) => {
                    let seq: i64 = tx
                        .query_row(
                            "INSERT INTO ticket_days (day, last_seq) VALUES (?1, 1)
                             ON CONFLICT (day) DO UPDATE SET last_seq = last_seq + 1
                             RETURNING last_seq",
                            [day.to_string()],
                            |r| r.get(0),
                        )
                        .map_err(|e| self.err(e))?;
                    Some(seq as u32)
                }
            };
            let (rendered, out) = render(seq);
            tx.execute(
                "INSERT INTO submissions (id, kind, ticket, created_at_ms, body, state, next_attempt_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?4)",
                params![
                    new.id.to_string(),
                    new.kind.as_str(),
                    rendered.ticket,
                    new.created_at_ms,
                    rendered.body
                ],
            )
            .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
            out
        };
        self.wake.notify_one();
        Ok(out)
    }

    /// Up to `limit` pending rows that are due at `now_ms`, oldest first, starting after
    /// queue position `after_seq`. The uplink pages through the queue with this, so a
    /// queue of any length is read a few rows at a time.
    pub fn due(&self, now_ms: i64, after_seq: i64, limit: usize) -> Result<Vec<PendingRow>, OutboxError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, id, kind, ticket, body, attempts FROM submissions
                 WHERE state = 'pending' AND seq > ?1 AND next_attempt_ms <= ?2
                 ORDER BY seq LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![after_seq, now_ms, limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, ticket, body, attempts) = row.map_err(|e| self.err(e))?;
            let kind = Kind::parse(&kind).ok_or_else(|| OutboxError::BadRow {
                path: self.path.clone(),
                id: id.clone(),
                what: format!("unknown kind {kind:?}"),
            })?;
            out.push(PendingRow { seq, id, kind, ticket, body, attempts: attempts as u32 });
        }
        Ok(out)
    }

    /// When the earliest pending row becomes due (ms since the epoch), if any is pending.
    pub fn next_due_ms(&self) -> Result<Option<i64>, OutboxError> {
        let conn = self.lock();
        conn.query_row("SELECT min(next_attempt_ms) FROM submissions WHERE state = 'pending'", [], |r| {
            r.get(0)
        })
        .map_err(|e| self.err(e))
    }

    /// The server stored it: delete the payload, keep id, ticket and time.
    pub fn mark_delivered(&self, id: &str, at_ms: i64) -> Result<bool, OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let ticket: Option<Option<String>> = tx
            .query_row("SELECT ticket FROM submissions WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(ticket) = ticket else {
            return Ok(false);
        };
        tx.execute("DELETE FROM submissions WHERE id = ?1", [id]).map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO delivered (id, ticket, delivered_at_ms) VALUES (?1, ?2, ?3)",
            params![id, ticket, at_ms],
        )
        .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_delivery_ms', ?1)
             ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            [at_ms],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(true)
    }

    /// An attempt failed in a way worth retrying: count it and set when to try again.
    pub fn mark_retry(&self, id: &str, next_attempt_ms: i64, error: &str) -> Result<(), OutboxError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE submissions SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![id, next_attempt_ms, error],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The server refused it for good: keep it whole, with the server's status and reason.
    pub fn mark_dead(&self, id: &str, status: u16, reason: &str, at_ms: i64) -> Result<(), OutboxError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE submissions SET state = 'dead', attempts = attempts + 1, dead_status = ?2,
                    dead_reason = ?3, dead_at_ms = ?4, last_error = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![id, status, truncate(reason, MAX_REASON_BYTES), at_ms],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Puts dead letters back in the queue (staff fixed the cause). Returns how many.
    pub fn retry_dead(&self, which: &DeadSelector) -> Result<u64, OutboxError> {
        let conn = self.lock();
        let sql = "UPDATE submissions SET state = 'pending', attempts = 0, next_attempt_ms = ?1,
                          dead_status = NULL, dead_reason = NULL, dead_at_ms = NULL
                   WHERE state = 'dead'";
        let n = match which {
            DeadSelector::All => conn.execute(sql, [now_ms()]),
            DeadSelector::Id(id) => conn.execute(&format!("{sql} AND id = ?2"), params![now_ms(), id]),
        }
        .map_err(|e| self.err(e))?;
        drop(conn);
        if n > 0 {
            self.wake.notify_one();
        }
        Ok(n as u64)
    }

    /// Forgets delivered records older than `before_ms`. Returns how many.
    pub fn purge_delivered(&self, before_ms: i64) -> Result<u64, OutboxError> {
        let conn = self.lock();
        let n = conn
            .execute("DELETE FROM delivered WHERE delivered_at_ms < ?1", [before_ms])
            .map_err(|e| self.err(e))?;
        conn.execute("DELETE FROM ticket_days WHERE day < date('now', '-7 days')", [])
            .map_err(|e| self.err(e))?;
        Ok(n as u64)
    }

    /// Queue figures.
    pub fn stats(&self) -> Result<QueueStats, OutboxError> {
        let conn = self.lock();
        let count = |state: &str| -> Result<u64, OutboxError> {
            conn.query_row("SELECT count(*) FROM submissions WHERE state = ?1", [state], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
        };
        let pending = count("pending")?;
        let dead_letters = count("dead")?;
        let oldest_pending_ms = conn
            .query_row(
                "SELECT created_at_ms FROM submissions WHERE state = 'pending' ORDER BY seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let last_delivery_ms = conn
            .query_row("SELECT value FROM meta WHERE key = 'last_delivery_ms'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(QueueStats { pending, dead_letters, oldest_pending_ms, last_delivery_ms })
    }

    /// The dead letters, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, OutboxError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, kind, ticket, dead_status, dead_reason, dead_at_ms FROM submissions
                 WHERE state = 'dead' ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeadLetter {
                    id: r.get(0)?,
                    kind: Kind::parse(&r.get::<_, String>(1)?).unwrap_or(Kind::Assist),
                    ticket: r.get(2)?,
                    status: r.get::<_, Option<u16>>(3)?.unwrap_or(0),
                    reason: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    dead_at_ms: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Whether the server has confirmed this submission (the ticket screen asks, to tell the
    /// citizen their report has arrived). One indexed read; it never waits for the uplink.
    pub fn is_delivered(&self, id: &str) -> Result<bool, OutboxError> {
        let conn = self.lock();
        conn.query_row("SELECT EXISTS (SELECT 1 FROM delivered WHERE id = ?1)", [id], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The delivered records still kept, in delivery order.
    pub fn delivered(&self) -> Result<Vec<DeliveredRecord>, OutboxError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT id, ticket, delivered_at_ms FROM delivered ORDER BY delivered_at_ms, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeliveredRecord { id: r.get(0)?, ticket: r.get(1)?, delivered_at_ms: r.get(2)? })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Writes every pending and dead-letter submission as JSON Lines (one object per line,
    /// `body` being the exact request body), streaming. Returns how many were written.
    pub fn export(&self, out: &mut dyn Write) -> Result<u64, ExportError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, kind, state, ticket, created_at_ms, attempts, last_error, dead_status, dead_reason, body
                 FROM submissions ORDER BY seq",
            )
            .map_err(|e| ExportError::Outbox(self.err(e)))?;
        let mut rows = stmt.query([]).map_err(|e| ExportError::Outbox(self.err(e)))?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(|e| ExportError::Outbox(self.err(e)))? {
            let get = |e| ExportError::Outbox(self.err(e));
            let id: String = r.get(0).map_err(get)?;
            let body: Vec<u8> = r.get(9).map_err(get)?;
            let body: Box<serde_json::value::RawValue> = serde_json::from_slice(&body).map_err(|e| {
                ExportError::Outbox(OutboxError::BadRow {
                    path: self.path.clone(),
                    id: id.clone(),
                    what: e.to_string(),
                })
            })?;
            let line = ExportLine {
                id: id.clone(),
                kind: r.get(1).map_err(get)?,
                state: r.get(2).map_err(get)?,
                ticket: r.get(3).map_err(get)?,
                created_at_ms: r.get(4).map_err(get)?,
                attempts: r.get(5).map_err(get)?,
                last_error: r.get(6).map_err(get)?,
                dead_status: r.get(7).map_err(get)?,
                dead_reason: r.get(8).map_err(get)?,
                body,
            };
            serde_json::to_writer(&mut *out, &line).map_err(|e| ExportError::Write(e.into()))?;
            out.write_all(b"\n").map_err(ExportError::Write)?;
            n += 1;
        }
        out.flush().map_err(ExportError::Write)?;
        Ok(n)
    }
}

/// One line of `queue export`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ExportLine {
    /// Submission id: the central side imports by it, idempotently.
    pub id: String,
    /// `complaint`, `rating` or `assist`.
    pub kind: String,
    /// `pending` or `dead`.
    pub state: String,
    /// Ticket number, if any.
    pub ticket: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// The last failure, for the person importing it.
    pub last_error: Option<String>,
    /// Status of the server's refusal (dead letters).
    pub dead_status: Option<i64>,
    /// The server's reason (dead letters).
    pub dead_reason: Option<String>,
    /// The exact body the kiosk sends for this submission.
    pub body: Box<serde_json::value::RawValue>,
}

/// `queue export` failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
}

/// Why a database could not be opened: corrupt (move it aside) or something else.
enum Corruption {
    Corrupt(String),
    Other(OutboxError),
}

impl Corruption {
    fn classify(e: rusqlite::Error) -> Corruption {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Corruption::Corrupt(e.to_string()),
            _ => Corruption::Other(OutboxError::Sqlite { path: PathBuf::new(), source: e }),
        }
    }

    fn into_error(self, path: &Path) -> OutboxError {
        match self {
            Corruption::Corrupt(why) => OutboxError::Corrupt { path: path.to_path_buf(), why },
            Corruption::Other(OutboxError::Sqlite { source, .. }) => {
                if source.sqlite_error_code() == Some(ErrorCode::DiskFull) {
                    OutboxError::DiskFull { path: path.to_path_buf() }
                } else {
                    OutboxError::Sqlite { path: path.to_path_buf(), source }
                }
            }
            Corruption::Other(e) => e,
        }
    }
}

/// Renames a corrupt database (and its WAL) to `NAME.corrupt-YYYYMMDDTHHMMSS`.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S");
    let aside = PathBuf::from(format!("{}.corrupt-{stamp}", path.display()));
    std::fs::rename(path, &aside)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&side, to)?;
        }
    }
    Ok(aside)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(outbox: &Outbox, kind: Kind, day: Option<NaiveDate>) -> (String, Option<u32>) {
        let id = Uuid::now_v7();
        let new = NewSubmission { id, kind, created_at_ms: now_ms(), ticket_day: day };
        let seq = outbox
            .enqueue(&new, |seq| {
                let body = format!("{{\"id\":\"{id}\",\"seq\":{}}}", seq.unwrap_or(0)).into_bytes();
                (Rendered { body, ticket: seq.map(|s| format!("T-{s}")) }, seq)
            })
            .unwrap();
        (id.to_string(), seq)
    }

    #[test]
    fn daily_sequence_counts_per_day_inside_the_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, report) = Outbox::open(dir.path()).unwrap();
        assert!(report.moved_aside.is_none());
        let d1 = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let d2 = d1.succ_opt().unwrap();
        assert_eq!(queue(&outbox, Kind::Complaint, Some(d1)).1, Some(1));
        assert_eq!(queue(&outbox, Kind::Assist, None).1, None);
        assert_eq!(queue(&outbox, Kind::Rating, Some(d1)).1, Some(2));
        assert_eq!(queue(&outbox, Kind::Complaint, Some(d2)).1, Some(1), "resets each date");
        // A second connection continues the same counter.
        let other = outbox.another_connection().unwrap();
        assert_eq!(queue(&other, Kind::Complaint, Some(d1)).1, Some(3));
        assert_eq!(outbox.stats().unwrap().pending, 5);
    }

    #[test]
    fn file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(&dir.path().join("data")).unwrap();
        let mode = std::fs::metadata(outbox.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        queue(&outbox, Kind::Assist, None);
        let wal = std::fs::metadata(format!("{}-wal", outbox.path().display())).unwrap();
        assert_eq!(wal.permissions().mode() & 0o077, 0, "WAL must not be readable by others");
    }

    #[test]
    fn delivered_keeps_only_id_ticket_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let (id, _) = queue(&outbox, Kind::Complaint, NaiveDate::from_ymd_opt(2026, 1, 5));
        let due = outbox.due(now_ms(), 0, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert!(outbox.mark_delivered(&id, 1_000).unwrap());
        assert!(!outbox.mark_delivered(&id, 2_000).unwrap(), "already delivered");
        assert_eq!(outbox.stats().unwrap().pending, 0);
        assert_eq!(outbox.stats().unwrap().last_delivery_ms, Some(1_000));
        let kept = outbox.delivered().unwrap();
        assert_eq!(
            kept,
            vec![DeliveredRecord { id: id.clone(), ticket: Some("T-1".into()), delivered_at_ms: 1_000 }]
        );
        let conn = outbox.lock();
        let n: i64 = conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "payload deleted");
        drop(conn);
        assert_eq!(outbox.purge_delivered(1_001).unwrap(), 1);
        assert!(outbox.delivered().unwrap().is_empty());
    }

    #[test]
    fn dead_letters_are_kept_and_can_be_retried() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let (a, _) = queue(&outbox, Kind::Assist, None);
        let (b, _) = queue(&outbox, Kind::Assist, None);
        outbox.mark_dead(&a, 422, &"x".repeat(5000), 5).unwrap();
        let s = outbox.stats().unwrap();
        assert_eq!((s.pending, s.dead_letters), (1, 1));
        let dead = outbox.dead_letters().unwrap();
        assert_eq!(dead[0].status, 422);
        assert_eq!(dead[0].reason.len(), MAX_REASON_BYTES);
        let mut out = Vec::new();
        assert_eq!(outbox.export(&mut out).unwrap(), 2);
        let lines: Vec<ExportLine> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0].id, a);
        assert_eq!(lines[0].state, "dead");
        assert_eq!(lines[1].id, b);
        assert_eq!(lines[1].body.get(), format!("{{\"id\":\"{b}\",\"seq\":0}}"), "exact body bytes");
        assert_eq!(outbox.retry_dead(&DeadSelector::Id("nope".into())).unwrap(), 0);
        assert_eq!(outbox.retry_dead(&DeadSelector::All).unwrap(), 1);
        assert_eq!(outbox.stats().unwrap().pending, 2);
    }

    #[test]
    fn due_pages_oldest_first_and_respects_next_attempt() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let ids: Vec<String> = (0..5).map(|_| queue(&outbox, Kind::Assist, None).0).collect();
        outbox.mark_retry(&ids[0], now_ms() + 60_000, "boom").unwrap();
        let first = outbox.due(now_ms(), 0, 2).unwrap();
        assert_eq!(first.iter().map(|r| &r.id).collect::<Vec<_>>(), vec![&ids[1], &ids[2]]);
        let next = outbox.due(now_ms(), first[1].seq, 10).unwrap();
        assert_eq!(next.iter().map(|r| &r.id).collect::<Vec<_>>(), vec![&ids[3], &ids[4]]);
        assert!(outbox.next_due_ms().unwrap().is_some());
    }

    #[test]
    fn corrupt_database_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE), b"this is not a database, it is a shopping list").unwrap();
        let (outbox, report) = Outbox::open(dir.path()).unwrap();
        let aside = report.moved_aside.expect("moved aside");
        assert!(aside.file_name().unwrap().to_string_lossy().starts_with("outbox.db.corrupt-"));
        assert_eq!(std::fs::read(&aside).unwrap(), b"this is not a database, it is a shopping list");
        queue(&outbox, Kind::Assist, None);
        assert_eq!(outbox.stats().unwrap().pending, 1);
    }

    #[test]
    fn full_disk_refuses_new_and_keeps_old() {
        let dir = tempfile::tempdir().unwrap();
        let options = OutboxOptions { max_bytes: Some(64 * 1024) };
        let (outbox, _) = Outbox::open_with(dir.path(), &options).unwrap();
        let mut queued = 0;
        let err = loop {
            let id = Uuid::now_v7();
            let new = NewSubmission { id, kind: Kind::Assist, created_at_ms: now_ms(), ticket_day: None };
            match outbox.enqueue(&new, |_| (Rendered { body: vec![b'x'; 2000], ticket: None }, ())) {
                Ok(()) => queued += 1,
                Err(e) => break e,
            }
            assert!(queued < 1000, "the limit never hit");
        };
        assert!(err.is_disk_full(), "{err}");
        assert!(err.to_string().contains("disk is full"));
        assert_eq!(outbox.stats().unwrap().pending, queued);
        drop(outbox);
        let (again, _) = Outbox::open(dir.path()).unwrap();
        assert_eq!(again.stats().unwrap().pending, queued, "nothing already queued was lost");
    }
}
