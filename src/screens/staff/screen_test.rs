//! The screen test: a grid where each tap leaves a dot, and the last tap's coordinates,
//! so staff can see whether a panel installed rotated or miscalibrated feels taps where
//! they land.

use std::rc::Rc;

use slint::{ComponentHandle, Model, VecModel};

use crate::screens::ui::{AppWindow, Staff, StaffTap};

/// Dots kept on the grid (the oldest go).
pub const KEPT: usize = 20;

/// The taps on the grid.
pub struct ScreenTest {
    taps: Rc<VecModel<StaffTap>>,
}

impl ScreenTest {
    /// Gives the UI its (empty) list of taps and answers its callbacks.
    pub fn install(window: &AppWindow) -> Rc<ScreenTest> {
        let test = Rc::new(ScreenTest { taps: Rc::new(VecModel::default()) });
        let g = window.global::<Staff>();
        g.set_taps(test.taps.clone().into());
        let t = test.clone();
        g.on_screen_tap(move |x, y| t.tapped(x, y));
        let t = test.clone();
        g.on_clear_taps(move || t.clear());
        test
    }

    fn tapped(&self, x: f32, y: f32) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        if self.taps.row_count() >= KEPT {
            self.taps.remove(0);
        }
        self.taps.push(StaffTap { x, y });
    }

    /// Wipes the dots (and when the panel closes).
    pub fn clear(&self) {
        self.taps.set_vec(Vec::new());
    }

    /// How many dots are on the grid.
    pub fn count(&self) -> usize {
        self.taps.row_count()
    }
}
