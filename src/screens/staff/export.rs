//! "Export to USB stick": the same JSON Lines as `hall-kiosk queue export` (the outbox's
//! own [`Outbox::export_to_file`]: mode 0600, written then renamed), into a new file on the
//! stick [`super::media`] finds. Runs on a thread: a stick can be slow.

use std::path::{Path, PathBuf};

use crate::delivery::outbox::Outbox;

/// How an export went, as the panel says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    /// Written: the file's name on the stick and how many submissions it holds.
    Written {
        /// The file name (no directory).
        file: String,
        /// Submissions in it.
        count: u64,
    },
    /// No stick is mounted (nor the configured directory there).
    NoStick,
    /// The stick is full; nothing was left on it.
    Full,
    /// Anything else, in words for the journal and the screen (no personal data: a path
    /// and an OS error at most).
    Failed(String),
}

/// The export's file name: kiosk and local time, so two exports never collide on a stick
/// that serves several kiosks.
pub fn file_name(kiosk_id: &str, at: chrono::DateTime<chrono::Local>) -> String {
    format!("hall-kiosk-{kiosk_id}-{}.jsonl", at.format("%Y%m%d-%H%M%S"))
}

/// Finds the stick and writes the export (blocking: run it on a thread).
pub fn run(data_dir: &Path, export_dir: Option<PathBuf>, kiosk_id: &str) -> ExportOutcome {
    let Some(target) = super::media::find_target(export_dir.as_deref(), super::media::read_mount_table)
    else {
        return ExportOutcome::NoStick;
    };
    let outbox = match Outbox::open_read_only(data_dir) {
        Ok(o) => o,
        Err(e) => return ExportOutcome::Failed(e.to_string()),
    };
    let file = file_name(kiosk_id, chrono::Local::now());
    match outbox.export_to_file(&target.join(&file)) {
        Ok(count) => ExportOutcome::Written { file, count },
        Err(e) if e.is_disk_full() => ExportOutcome::Full,
        Err(e) => ExportOutcome::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_kiosk_and_time() {
        use chrono::TimeZone;
        let at = chrono::Local.with_ymd_and_hms(2026, 12, 2, 9, 5, 7).unwrap();
        assert_eq!(file_name("K01", at), "hall-kiosk-K01-20261202-090507.jsonl");
    }

    #[test]
    fn no_stick_is_said_and_a_full_disk_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(run(dir.path(), Some(dir.path().join("no-stick")), "K01"), ExportOutcome::NoStick);
        let full = crate::delivery::outbox::ExportError::File {
            path: "/media/usb0/x".into(),
            source: std::io::Error::from_raw_os_error(libc::ENOSPC),
        };
        assert!(full.is_disk_full());
        let denied = crate::delivery::outbox::ExportError::File {
            path: "/media/usb0/x".into(),
            source: std::io::Error::from_raw_os_error(libc::EACCES),
        };
        assert!(!denied.is_disk_full());
    }
}
