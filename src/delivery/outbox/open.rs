//! Opening the outbox: the schema, the file's mode, WAL and `synchronous=FULL`, the
//! integrity check, and moving a corrupt database aside.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, ErrorCode};
use tokio::sync::Notify;

use super::{BUSY_TIMEOUT, DB_FILE, OpenReport, Outbox, OutboxError, OutboxOptions};

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
        let lock = Arc::new(lock_file(&path)?);
        // Only the one who may move the database aside holds the lock alone, and only
        // while opening; then every user (kiosk, `queue flush`) shares it.
        let alone = lock.try_lock().is_ok();
        let mut report = OpenReport::default();
        let conn = match Self::connect(&path, options, true) {
            Ok(conn) => conn,
            Err(Corruption::Corrupt(why)) if alone => {
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
        lock.lock_shared().map_err(io(&path))?;
        super::reserve::ensure(data_dir);
        let outbox = Outbox {
            conn: Mutex::new(conn),
            path,
            wake: Arc::new(Notify::new()),
            lock: Some(lock),
            delivered_since_scrub: AtomicBool::new(false),
        };
        Ok((outbox, report))
    }

    /// Opens an existing outbox for an operator command that writes (`queue flush`,
    /// `retry-dead`): never creates one and never moves one aside (a corrupt database is an
    /// error naming `queue repair`), so it cannot disturb a running kiosk.
    pub fn open_existing(data_dir: &Path) -> Result<Outbox, OutboxError> {
        let path = data_dir.join(DB_FILE);
        if !path.exists() {
            return Err(missing(&path));
        }
        let lock = Arc::new(lock_file(&path)?);
        lock.lock_shared().map_err(|source| OutboxError::Io { path: path.clone(), source })?;
        let conn = Self::connect(&path, &OutboxOptions::default(), true).map_err(|c| c.into_error(&path))?;
        Ok(Outbox {
            conn: Mutex::new(conn),
            path,
            wake: Arc::new(Notify::new()),
            lock: Some(lock),
            delivered_since_scrub: AtomicBool::new(false),
        })
    }

    /// Opens an existing outbox only to read it (`queue status`, `queue export`): SQLite's
    /// read-only mode, no pragma that writes, no lock file, no repair. Works on a full disk.
    pub fn open_read_only(data_dir: &Path) -> Result<Outbox, OutboxError> {
        use rusqlite::OpenFlags;
        let path = data_dir.join(DB_FILE);
        if !path.exists() {
            return Err(missing(&path));
        }
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let sqlite = |source| OutboxError::Sqlite { path: path.clone(), source };
        // With a WAL beside it (a kiosk has it open, or was killed), read through the WAL's
        // index. Without one the database is closed cleanly: read it as immutable, so SQLite
        // creates no -wal/-shm files (which a full disk would refuse anyway).
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let absolute =
            std::path::absolute(&path).map_err(|source| OutboxError::Io { path: path.clone(), source })?;
        let mut uri = url::Url::from_file_path(&absolute).map_err(|()| missing(&path))?;
        uri.set_query(Some(if wal.exists() { "mode=ro" } else { "mode=ro&immutable=1" }));
        let conn = Connection::open_with_flags(uri.as_str(), flags).map_err(sqlite)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
        Ok(Outbox {
            conn: Mutex::new(conn),
            path,
            wake: Arc::new(Notify::new()),
            lock: None,
            delivered_since_scrub: AtomicBool::new(false),
        })
    }

    /// `queue repair`: checks the outbox and moves a corrupt one aside for a fresh one, but
    /// only when no kiosk or other command has it open.
    pub fn repair(data_dir: &Path) -> Result<OpenReport, OutboxError> {
        let path = data_dir.join(DB_FILE);
        let lock = lock_file(&path)?;
        if lock.try_lock().is_err() {
            return Err(OutboxError::InUse { path });
        }
        drop(lock);
        let (outbox, report) = Self::open(data_dir)?;
        drop(outbox);
        Ok(report)
    }

    /// A second connection to the same database (for the uplink's thread), sharing the
    /// wake-up bell.
    pub fn another_connection(&self) -> Result<Outbox, OutboxError> {
        let conn = Self::connect(&self.path, &OutboxOptions::default(), false)
            .map_err(|c| c.into_error(&self.path))?;
        Ok(Outbox {
            conn: Mutex::new(conn),
            path: self.path.clone(),
            wake: self.wake.clone(),
            lock: self.lock.clone(),
            delivered_since_scrub: AtomicBool::new(false),
        })
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
        // After a checkpoint the WAL is cut back to this size, so it does not keep old
        // pages (with personal data) around.
        conn.query_row("PRAGMA journal_size_limit = 1048576", [], |_| Ok(()))
            .map_err(Corruption::classify)?;
        if check {
            let verdict: String =
                conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(Corruption::classify)?;
            if verdict != "ok" {
                return Err(Corruption::Corrupt(format!("quick_check: {verdict}")));
            }
            // A database at the current version is not written to on open.
            let version: i64 =
                conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(Corruption::classify)?;
            if version < 1 {
                conn.execute_batch(SCHEMA).map_err(Corruption::classify)?;
            }
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

/// Renames a corrupt database (and its WAL) to `NAME.corrupt-YYYYMMDDTHHMMSS`, with `-2`,
/// `-3`, … added when that name is taken: an earlier moved-aside file is never overwritten.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S");
    let base = format!("{}.corrupt-{stamp}", path.display());
    let taken = |p: &PathBuf| {
        ["", "-wal", "-shm"].iter().any(|s| PathBuf::from(format!("{}{s}", p.display())).exists())
    };
    let aside = (1..)
        .map(|n| if n == 1 { PathBuf::from(&base) } else { PathBuf::from(format!("{base}-{n}")) })
        .find(|p| !taken(p))
        .expect("some suffix is free");
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

/// The lock file beside the database (created 0600 if missing).
fn lock_file(db: &Path) -> Result<std::fs::File, OutboxError> {
    let path = PathBuf::from(format!("{}.lock", db.display()));
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|source| OutboxError::Io { path, source })
}

fn missing(path: &Path) -> OutboxError {
    OutboxError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no outbox here; check [storage] data_dir"),
    }
}
