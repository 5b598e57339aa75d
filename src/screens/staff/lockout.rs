//! Five wrong PINs lock the staff panel for five minutes. The count and the end of the
//! lockout are kept in the data directory (`staff-lockout`), so pulling the plug does not
//! buy a guesser fresh tries. Pure rules on explicit times, plus a tiny file format read
//! with a bound; a damaged file is read as "locked now" (the safe side), never a panic.

use std::path::{Path, PathBuf};

/// Wrong PINs in a row that lock the panel.
pub const MAX_FAILURES: u32 = 5;
/// How long the panel stays locked, in milliseconds.
pub const LOCK_MS: i64 = 5 * 60 * 1000;
/// The file in the data directory.
pub const FILE: &str = "staff-lockout";
/// Largest file read (it holds two numbers).
const MAX_FILE_BYTES: u64 = 256;

/// Where the PIN counting stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lockout {
    /// Wrong PINs since the last right one or the last lockout.
    pub failures: u32,
    /// While locked: when it ends (ms since the epoch).
    pub locked_until_ms: Option<i64>,
}

/// The result of a wrong PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// This many tries are left.
    TriesLeft(u32),
    /// That was the last: the panel is now locked.
    LockedNow,
}

impl Lockout {
    /// Milliseconds of lockout left at `now_ms`, if locked. A lockout that ends further
    /// ahead than [`LOCK_MS`] was written by a clock running ahead: it counts as a fresh
    /// lockout from now, never as years of it (nor as none).
    pub fn locked_for(&self, now_ms: i64) -> Option<i64> {
        let until = self.locked_until_ms?;
        let left = until.saturating_sub(now_ms);
        (left > 0).then_some(left.min(LOCK_MS))
    }

    /// Minutes left, rounded up (what the screen says), if locked.
    pub fn minutes_left(&self, now_ms: i64) -> Option<u32> {
        self.locked_for(now_ms).map(|ms| u32::try_from((ms + 59_999) / 60_000).unwrap_or(u32::MAX))
    }

    /// Tries left before the lockout.
    pub fn tries_left(&self) -> u32 {
        MAX_FAILURES.saturating_sub(self.failures)
    }

    /// A lockout that has run out is over: the count starts again.
    pub fn expire(&mut self, now_ms: i64) {
        if self.locked_until_ms.is_some() && self.locked_for(now_ms).is_none() {
            *self = Lockout::default();
        }
    }

    /// A wrong PIN at `now_ms` (only counted while not locked).
    pub fn fail(&mut self, now_ms: i64) -> Failure {
        self.expire(now_ms);
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_FAILURES {
            self.failures = 0;
            self.locked_until_ms = Some(now_ms.saturating_add(LOCK_MS));
            Failure::LockedNow
        } else {
            Failure::TriesLeft(self.tries_left())
        }
    }

    /// The right PIN: the count starts over.
    pub fn succeed(&mut self) {
        *self = Lockout::default();
    }

    /// The file's text.
    fn to_text(self) -> String {
        format!("failures {}\nlocked_until_ms {}\n", self.failures, self.locked_until_ms.unwrap_or(0))
    }

    /// Reads the file's text; `None` when it is not this format.
    fn parse(text: &str) -> Option<Lockout> {
        let mut failures = None;
        let mut until = None;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match line.split_once(' ')? {
                ("failures", n) => failures = Some(n.trim().parse::<u32>().ok()?.min(MAX_FAILURES)),
                ("locked_until_ms", n) => until = Some(n.trim().parse::<i64>().ok()?),
                _ => return None,
            }
        }
        Some(Lockout { failures: failures?, locked_until_ms: until.filter(|&ms| ms > 0) })
    }
}

/// The lockout file of a data directory.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Reads the lockout state. No file: nothing counted. A file that cannot be read or is
/// damaged: locked from `now_ms` (someone may have tampered with it to get more tries).
pub fn load(file: &Path, now_ms: i64) -> Lockout {
    use std::io::Read;
    let damaged = || {
        tracing::warn!(file = %file.display(), "the staff lockout file is damaged; the panel is locked for 5 minutes");
        Lockout { failures: 0, locked_until_ms: Some(now_ms.saturating_add(LOCK_MS)) }
    };
    let mut text = String::new();
    match std::fs::File::open(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Lockout::default(),
        Err(_) => damaged(),
        Ok(f) => match f.take(MAX_FILE_BYTES).read_to_string(&mut text) {
            Ok(_) => Lockout::parse(&text).unwrap_or_else(damaged),
            Err(_) => damaged(),
        },
    }
}

/// Writes the state (to a new file, synced, renamed into place, mode 0600), so a power cut
/// leaves the old state or the new one.
pub fn save(file: &Path, state: Lockout) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = file.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    f.write_all(state.to_text().as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000_000;

    #[test]
    fn five_wrong_lock_for_five_minutes_then_it_starts_over() {
        let mut l = Lockout::default();
        for left in (1..5).rev() {
            assert_eq!(l.fail(T), Failure::TriesLeft(left));
            assert_eq!(l.locked_for(T), None);
        }
        assert_eq!(l.fail(T), Failure::LockedNow);
        assert_eq!(l.minutes_left(T), Some(5));
        assert_eq!(l.minutes_left(T + 4 * 60_000 + 1), Some(1));
        assert_eq!(l.locked_for(T + LOCK_MS), None, "over after five minutes");
        l.expire(T + LOCK_MS);
        assert_eq!(l, Lockout::default());
        assert_eq!(l.fail(T + LOCK_MS), Failure::TriesLeft(4), "five fresh tries");
    }

    #[test]
    fn the_right_pin_resets_the_count() {
        let mut l = Lockout::default();
        l.fail(T);
        l.fail(T);
        l.succeed();
        assert_eq!(l.tries_left(), 5);
    }

    #[test]
    fn a_clock_far_ahead_is_not_years_of_lockout() {
        let l = Lockout { failures: 0, locked_until_ms: Some(T + 365 * 24 * 3600 * 1000) };
        assert_eq!(l.locked_for(T), Some(LOCK_MS));
        assert_eq!(Lockout { failures: 0, locked_until_ms: Some(i64::MAX) }.minutes_left(i64::MIN), Some(5));
    }

    #[test]
    fn the_state_survives_a_restart_and_damage_locks() {
        let dir = tempfile::tempdir().unwrap();
        let file = path(dir.path());
        assert_eq!(load(&file, T), Lockout::default(), "no file: nothing counted");
        let mut l = Lockout::default();
        l.fail(T);
        l.fail(T);
        save(&file, l).unwrap();
        assert_eq!(load(&file, T + 1), l);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        for garbage in ["", "failures x\n", "hello world\n", "failures 3\nlocked_until_ms 1\nmore 1\n"] {
            std::fs::write(&file, garbage).unwrap();
            assert_eq!(load(&file, T).minutes_left(T), Some(5), "{garbage:?} locks");
        }
        std::fs::write(&file, "x".repeat(10_000)).unwrap();
        assert_eq!(load(&file, T).minutes_left(T), Some(5), "a huge file is read with a bound");
    }
}
