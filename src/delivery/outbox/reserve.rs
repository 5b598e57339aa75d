//! Reserve space: a file of [`RESERVE_BYTES`] beside the outbox, kept so that on a full
//! disk the uplink can still record deliveries (SQLite needs WAL space to delete a row).
//! New submissions are refused once the disk is full, while the reserve still holds its
//! space; recording a delivery that hits a full disk releases the reserve and tries again.
//! It is made again when there is room (at open and at the hourly purge).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// File name of the reserve in the data directory.
pub const RESERVE_FILE: &str = "outbox.reserve";
/// Size of the reserve: room for thousands of delivery records and a WAL checkpoint.
pub const RESERVE_BYTES: usize = 4 * 1024 * 1024;

/// The reserve file of `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(RESERVE_FILE)
}

/// Makes the reserve file if it is missing or short; on a full disk it simply stays
/// smaller (logged) and is tried again later.
pub fn ensure(data_dir: &Path) {
    let path = path(data_dir);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= RESERVE_BYTES as u64) {
        return;
    }
    let made =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path).and_then(
            |mut f| {
                // Real blocks (zeros written), not a sparse file that reserves nothing.
                f.write_all(&vec![0u8; RESERVE_BYTES])?;
                f.sync_all()
            },
        );
    if let Err(e) = made {
        tracing::warn!(file = %path.display(), error = %e, "cannot make the outbox's reserve space");
    }
}

/// Frees the reserve. Returns whether there was one to free.
pub fn release(data_dir: &Path) -> bool {
    let path = path(data_dir);
    let released = std::fs::remove_file(&path).is_ok();
    if released {
        tracing::warn!(file = %path.display(), "disk full: released the outbox's reserve space to record deliveries");
    }
    released
}
