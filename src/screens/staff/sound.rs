//! The volume staff set on the panel: 0–100 % in steps of 10, kept in the data directory
//! (`volume`) so it survives a restart; until staff set one, `[audio] volume` applies.

use std::path::{Path, PathBuf};

use crate::screens::voice::AudioOutput;

/// The file in the data directory.
pub const FILE: &str = "volume";
/// One tap of − or +.
pub const STEP: u32 = 10;

/// The volume file of a data directory.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The config's volume (0.0–1.0) in percent.
pub fn percent_of(volume: f32) -> u32 {
    if volume.is_finite() { (volume.clamp(0.0, 1.0) * 100.0).round() as u32 } else { 0 }
}

/// The stored volume in percent, if staff set one (and the file says a number 0–100).
pub fn load(file: &Path) -> Option<u32> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(file).ok()?.take(16).read_to_string(&mut text).ok()?;
    text.trim().parse::<u32>().ok().filter(|v| *v <= 100)
}

/// Keeps `percent` for the next start (renamed into place).
pub fn save(file: &Path, percent: u32) -> std::io::Result<()> {
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, format!("{}\n", percent.min(100)))?;
    std::fs::rename(&tmp, file)
}

/// The sound output's state as the panel shows it (`Staff.audio-output`): 0 not opened
/// yet, 1 playing, 2 no output device, 3 off.
pub fn output_code(output: AudioOutput) -> i32 {
    match output {
        AudioOutput::Starting => 0,
        AudioOutput::Playing => 1,
        AudioOutput::NoDevice => 2,
        AudioOutput::Off => 3,
    }
}

/// One step quieter or louder, on the grid of steps, within 0–100.
pub fn step(percent: u32, louder: bool) -> u32 {
    let percent = percent.min(100);
    let on_grid = percent / STEP * STEP;
    if louder {
        (on_grid + STEP).min(100)
    } else if on_grid < percent {
        on_grid
    } else {
        on_grid.saturating_sub(STEP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_on_the_grid_and_in_range() {
        assert_eq!(step(80, true), 90);
        assert_eq!(step(100, true), 100);
        assert_eq!(step(0, false), 0);
        assert_eq!(step(85, false), 80);
        assert_eq!(step(85, true), 90);
        assert_eq!(step(500, false), 90);
        assert_eq!(percent_of(0.8), 80);
        assert_eq!(percent_of(f32::NAN), 0);
    }

    #[test]
    fn the_volume_is_kept_and_junk_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = path(dir.path());
        assert_eq!(load(&file), None);
        save(&file, 40).unwrap();
        assert_eq!(load(&file), Some(40));
        for junk in ["", "loud", "101", "-5", &"9".repeat(100)] {
            std::fs::write(&file, junk).unwrap();
            assert_eq!(load(&file), None, "{junk:?}");
        }
    }
}
