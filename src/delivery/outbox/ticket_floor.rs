//! The ticket sequence floor: a small file beside the outbox database that survives the
//! database being moved aside or deleted, so a fresh outbox never issues a ticket number
//! again (decision 0007).
//!
//! The file (`ticket-floor`, mode 0600) holds one `YYYY-MM-DD N` line per recent day: no
//! ticket of that day was ever issued with a sequence above `N`. Numbers are reserved in
//! blocks of [`BLOCK`]: the file is rewritten (fsync'd, then renamed into place) before the
//! first number of each block is committed, so it costs one extra small write per block,
//! and a fresh database continues at `N + 1`, leaving at most a block's gap.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// File name of the floor inside the data directory.
pub const FLOOR_FILE: &str = "ticket-floor";
/// Sequence numbers reserved per write of the floor file.
pub const BLOCK: u32 = 20;
/// Days kept in the file (older dates can no longer be issued).
const KEEP_DAYS: usize = 8;

/// The floor file of the outbox database at `db`.
pub fn floor_path(db: &Path) -> PathBuf {
    db.with_file_name(FLOOR_FILE)
}

/// Every day's floor in the file; an absent or unreadable file is empty (lines that do not
/// parse are skipped: the database's own counter still applies).
pub fn read(path: &Path) -> Vec<(NaiveDate, u32)> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    text.lines()
        .filter_map(|l| {
            let (day, n) = l.trim().split_once(' ')?;
            Some((NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?, n.trim().parse().ok()?))
        })
        .collect()
}

/// The floor of `day`: no sequence above it was issued that day.
pub fn floor_of(path: &Path, day: NaiveDate) -> u32 {
    read(path).into_iter().filter(|(d, _)| *d == day).map(|(_, n)| n).max().unwrap_or(0)
}

/// Raises the floor of `day` to `upto`, durably, before any number up to it is committed.
pub fn raise(path: &Path, day: NaiveDate, upto: u32) -> std::io::Result<()> {
    let mut days = read(path);
    days.retain(|(d, _)| *d != day);
    days.push((day, upto));
    days.sort();
    let keep = days.len().saturating_sub(KEEP_DAYS);
    let text: String = days[keep..].iter().map(|(d, n)| format!("{d} {n}\n")).collect();
    let tmp = path.with_extension("tmp");
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
