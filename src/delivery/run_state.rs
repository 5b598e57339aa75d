//! How the last run ended, for the heartbeat: the kiosk marks `run-state` "running" at
//! start and "clean" on a clean exit, so a start that finds "running" follows a crash or a
//! kill. systemd's own verdict (`$SERVICE_RESULT`, e.g. `watchdog`), written by the unit's
//! `ExecStopPost` to `last-exit`, names it more precisely when present.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

/// The marker file in the data directory.
const RUN_STATE: &str = "run-state";
/// systemd's result of the last run, written by `ExecStopPost` (see the unit).
const LAST_EXIT: &str = "last-exit";

/// How the last run ended: `first-start`, `clean`, `crash`, or systemd's result
/// (`watchdog`, `signal`, `core-dump`, `exit-code`, …). Set once at start.
static LAST_END: OnceLock<String> = OnceLock::new();
/// When this process started its run.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// This run, marked on disk as running until [`RunState::finish_clean`].
#[derive(Debug)]
pub struct RunState {
    marker: PathBuf,
}

impl RunState {
    /// Reads how the last run ended (kept for the heartbeat) and marks this one as running.
    /// Problems with the marker are logged, never fatal.
    pub fn begin(data_dir: &Path) -> RunState {
        let marker = data_dir.join(RUN_STATE);
        let previous = std::fs::read_to_string(&marker).ok();
        let systemd = std::fs::read_to_string(data_dir.join(LAST_EXIT)).ok();
        let end = last_end(previous.as_deref(), systemd.as_deref());
        tracing::info!(last_end = %end, "starting");
        let _ = LAST_END.set(end);
        let _ = STARTED.set(Instant::now());
        if let Err(e) = std::fs::write(&marker, "running\n") {
            tracing::warn!(error = %e, file = %marker.display(), "cannot mark the run");
        }
        RunState { marker }
    }

    /// The kiosk is stopping on purpose.
    pub fn finish_clean(self) {
        if let Err(e) = std::fs::write(&self.marker, "clean\n") {
            tracing::warn!(error = %e, file = %self.marker.display(), "cannot mark the clean stop");
        }
    }
}

/// How the last run ended, from the marker and systemd's result (both as read, if any).
pub fn last_end(marker: Option<&str>, systemd: Option<&str>) -> String {
    let systemd = systemd
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
    match (marker.map(str::trim), systemd) {
        (None, _) => "first-start".into(),
        (Some("clean"), _) => "clean".into(),
        (Some(_), Some(result)) if result != "success" => result.into(),
        (Some(_), _) => "crash".into(),
    }
}

/// How the last run ended, once [`RunState::begin`] has run.
pub fn last_end_reported() -> Option<&'static str> {
    LAST_END.get().map(String::as_str)
}

/// When the kiosk whose data directory this is started its current run: the time its run
/// marker was written, while the marker says "running". Readable from another process
/// (`queue status`), so the panel and the command report the same uptime. `None` after a
/// clean stop or before any start. (After a crash the marker still says "running" until
/// the next start.)
pub fn running_since(data_dir: &Path) -> Option<std::time::SystemTime> {
    let marker = data_dir.join(RUN_STATE);
    let meta = std::fs::metadata(&marker).ok()?;
    if meta.len() > 64 {
        return None;
    }
    let text = std::fs::read_to_string(&marker).ok()?;
    (text.trim() == "running").then(|| meta.modified().ok()).flatten()
}

/// Seconds since [`RunState::begin`].
pub fn uptime_secs() -> Option<u64> {
    STARTED.get().map(|t| t.elapsed().as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_end_reads_the_marker_and_systemds_result() {
        assert_eq!(last_end(None, None), "first-start");
        assert_eq!(last_end(Some("clean\n"), Some("watchdog")), "clean");
        assert_eq!(last_end(Some("running\n"), None), "crash");
        assert_eq!(last_end(Some("running\n"), Some("watchdog\n")), "watchdog");
        assert_eq!(last_end(Some("running\n"), Some("success")), "crash");
        assert_eq!(
            last_end(Some("running"), Some("\u{1b}[31mevil")),
            "crash",
            "nothing odd reaches the server"
        );
    }

    #[test]
    fn a_run_is_marked_and_a_clean_stop_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunState::begin(dir.path());
        assert_eq!(std::fs::read_to_string(dir.path().join(RUN_STATE)).unwrap(), "running\n");
        run.finish_clean();
        assert_eq!(std::fs::read_to_string(dir.path().join(RUN_STATE)).unwrap(), "clean\n");
    }
}
