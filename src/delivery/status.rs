//! The kiosk's status figures, gathered in one place: `hall-kiosk queue status` prints
//! them and the staff panel shows them, so the two can never disagree. Each figure is read
//! once ([`gather`]) and formatted once ([`StatusReport::figures`]); both callers show the
//! same strings.

use std::path::Path;
use std::time::SystemTime;

use crate::config::{Language, LoadedConfig};
use crate::delivery::outbox::{DeadLetter, Outbox, OutboxError, QueueStats, now_ms};
use crate::delivery::run_state;

/// Everything staff look at to know whether the kiosk is well.
#[derive(Debug, Clone, Default)]
pub struct StatusReport {
    /// `[kiosk] id`, so staff know which kiosk they stand at.
    pub kiosk_id: String,
    /// The hall's name, as in the config.
    pub hall: String,
    /// The firmware version, for support calls.
    pub version: String,
    /// Pending, dead letters, oldest pending, last delivery.
    pub queue: QueueStats,
    /// The dead letters themselves (no payload: status, reason, ticket, age).
    pub dead_letters: Vec<DeadLetter>,
    /// Free bytes on the disk holding the outbox (a full disk refuses submissions).
    pub free_disk_bytes: Option<u64>,
    /// Seconds the kiosk has been running (from its run marker); `None` when it is not.
    pub uptime_secs: Option<u64>,
    /// When the figures were read (ms since the epoch), for the ages of dead letters.
    pub read_at_ms: i64,
}

/// One figure of the report, named for whoever labels it (the CLI in English, the panel
/// through its translations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// `[kiosk] id`.
    Kiosk,
    /// The hall's name.
    Hall,
    /// Firmware version.
    Version,
    /// Submissions waiting to be delivered.
    Pending,
    /// Submissions the server refused.
    DeadLetters,
    /// Creation time of the oldest pending submission.
    OldestPending,
    /// When the server last confirmed a delivery.
    LastDelivery,
    /// Free space on the outbox's disk.
    FreeDisk,
    /// How long this run of the kiosk has lasted.
    Uptime,
}

impl Figure {
    /// The label `queue status` prints.
    pub fn cli_label(self) -> &'static str {
        match self {
            Figure::Kiosk => "kiosk",
            Figure::Hall => "hall",
            Figure::Version => "version",
            Figure::Pending => "pending",
            Figure::DeadLetters => "dead letters",
            Figure::OldestPending => "oldest pending",
            Figure::LastDelivery => "last delivery",
            Figure::FreeDisk => "free disk",
            Figure::Uptime => "uptime",
        }
    }
}

/// Reads every figure now. Cheap (a few indexed SQLite reads, one `statvfs`, one `stat`),
/// so the staff panel may call it on the UI thread.
pub fn gather(config: &LoadedConfig, outbox: &Outbox) -> Result<StatusReport, OutboxError> {
    let data_dir = config.data_dir();
    Ok(StatusReport {
        kiosk_id: config.config.kiosk.id.clone(),
        hall: config.hall_name(Language::ZhCn).to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        queue: outbox.stats()?,
        dead_letters: outbox.dead_letters()?,
        free_disk_bytes: free_bytes(&data_dir),
        uptime_secs: run_state::running_since(&data_dir)
            .and_then(|since| SystemTime::now().duration_since(since).ok())
            .map(|d| d.as_secs()),
        read_at_ms: now_ms(),
    })
}

impl StatusReport {
    /// Every figure with its value, formatted the one way both callers show it.
    pub fn figures(&self) -> Vec<(Figure, String)> {
        let q = &self.queue;
        vec![
            (Figure::Kiosk, self.kiosk_id.clone()),
            (Figure::Hall, self.hall.clone()),
            (Figure::Version, self.version.clone()),
            (Figure::Pending, q.pending.to_string()),
            (Figure::DeadLetters, q.dead_letters.to_string()),
            (Figure::OldestPending, q.oldest_pending_ms.map_or_else(none, local_time)),
            (Figure::LastDelivery, q.last_delivery_ms.map_or_else(none, local_time)),
            (Figure::FreeDisk, self.free_disk_bytes.map_or_else(none, bytes)),
            (Figure::Uptime, self.uptime_secs.map_or_else(none, duration)),
        ]
    }

    /// The value of one figure, as [`StatusReport::figures`] gives it.
    pub fn figure(&self, which: Figure) -> String {
        self.figures().into_iter().find(|(f, _)| *f == which).map(|(_, v)| v).unwrap_or_default()
    }

    /// How long ago a dead letter was refused, as shown beside it.
    pub fn age_of(&self, dead: &DeadLetter) -> String {
        let secs = self.read_at_ms.saturating_sub(dead.dead_at_ms).max(0) / 1000;
        duration(secs as u64)
    }
}

fn none() -> String {
    "-".into()
}

/// Local time to the second: `2026-12-02 14:05:09`.
pub fn local_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(none)
}

/// Bytes in the largest unit that keeps a digit before the point: `3.2 GB`, `512 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A duration in days, hours and minutes (seconds under a minute): `2d 3h 4m`, `45s`.
pub fn duration(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, m) => format!("{d}d {h}h {m}m"),
    }
}

/// Free bytes on the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `path` is a valid NUL-terminated string and `stat` points to writable
    // memory of the right type; statvfs only writes into it.
    let rc = unsafe { libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let stat = unsafe { stat.assume_init() };
    #[allow(clippy::useless_conversion)] // the field types differ between targets
    Some(u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_at_a_glance() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(3_210_000_000), "3.2 GB");
        assert_eq!(bytes(512_000_000), "512 MB");
        assert_eq!(bytes(u64::MAX), "18446744 TB");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(125), "2m");
        assert_eq!(duration(3 * 3600 + 240), "3h 4m");
        assert_eq!(duration(2 * 86_400 + 3 * 3600 + 4 * 60), "2d 3h 4m");
        assert_eq!(duration(u64::MAX).split(' ').count(), 3, "no overflow");
    }

    #[test]
    fn the_report_reads_the_outbox_and_the_run_marker() {
        let dir = tempfile::tempdir().unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
        let mut config = crate::config::load(&path).unwrap();
        config.config.storage.data_dir = dir.path().to_path_buf();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let report = gather(&config, &outbox).unwrap();
        assert_eq!(report.figure(Figure::Pending), "0");
        assert_eq!(report.figure(Figure::Kiosk), "K01");
        assert_eq!(report.figure(Figure::Uptime), "-", "no kiosk running here");
        assert!(report.free_disk_bytes.is_some());
        std::fs::write(dir.path().join("run-state"), "running\n").unwrap();
        assert_eq!(gather(&config, &outbox).unwrap().figure(Figure::Uptime), "0s");
        std::fs::write(dir.path().join("run-state"), "clean\n").unwrap();
        assert_eq!(gather(&config, &outbox).unwrap().figure(Figure::Uptime), "-");
    }
}
