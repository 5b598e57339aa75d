//! The hidden way into the staff panel: five taps in the top-left corner within three
//! seconds. A citizen does not tap an empty corner five times by chance, a staff member
//! can do it on any screen, and no button is covered: the corner only feels taps that
//! nothing on the page took. Pure counting; the controller runs the window's timer.

use std::time::Duration;

/// Taps it takes.
pub const TAPS: u32 = 5;
/// Within this long of the first.
pub const WINDOW: Duration = Duration::from_secs(3);

/// What one tap in the corner means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The first of a new series: start the window.
    Started,
    /// One more within the window.
    Counted,
    /// The fifth within the window: open the PIN pad (the count starts over).
    Open,
}

/// Counts corner taps within one window.
#[derive(Debug, Default)]
pub struct CornerTaps {
    /// Taps since the window opened; 0 when no window is open.
    taps: u32,
}

impl CornerTaps {
    /// A tap in the corner.
    pub fn tap(&mut self) -> Step {
        self.taps = self.taps.saturating_add(1);
        match self.taps {
            1 => Step::Started,
            n if n >= TAPS => {
                self.taps = 0;
                Step::Open
            }
            _ => Step::Counted,
        }
    }

    /// The window ran out: the next tap starts a new series.
    pub fn window_closed(&mut self) {
        self.taps = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_taps_in_one_window_open_and_start_over() {
        let mut c = CornerTaps::default();
        assert_eq!(c.tap(), Step::Started);
        for _ in 0..3 {
            assert_eq!(c.tap(), Step::Counted);
        }
        assert_eq!(c.tap(), Step::Open);
        assert_eq!(c.tap(), Step::Started, "a new series");
    }

    #[test]
    fn a_closed_window_loses_the_count() {
        let mut c = CornerTaps::default();
        for _ in 0..4 {
            c.tap();
        }
        c.window_closed();
        assert_eq!(c.tap(), Step::Started);
        for _ in 0..3 {
            assert_ne!(c.tap(), Step::Open);
        }
        assert_eq!(c.tap(), Step::Open);
    }
}
