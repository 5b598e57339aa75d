//! Makes the window fill the kiosk's panel. A kiosk often runs a bare X server without a
//! window manager, where a full-screen request alone is ignored; so the window is also
//! moved and sized to the monitor, undecorated, with the mouse pointer hidden (a touch
//! panel has no pointer to show).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use slint::winit_030::{WinitWindowAccessor, winit};
use slint::{ComponentHandle, Timer, TimerMode};

use crate::screens::ui::AppWindow;

/// How long to wait for the native window before settling for Slint's full-screen request.
const MAX_ATTEMPTS: u32 = 40;

/// Fills the monitor once the native window exists (winit creates it only after the event
/// loop starts, so this polls on a timer). Keep the returned timer alive until then.
pub fn fill_panel(app: &AppWindow) -> Rc<Timer> {
    let weak = app.as_weak();
    let attempts = Cell::new(0u32);
    let timer = Rc::new(Timer::default());
    let timer_handle = Rc::downgrade(&timer);
    let stop = move || {
        if let Some(t) = timer_handle.upgrade() {
            t.stop();
        }
    };
    timer.start(TimerMode::Repeated, Duration::from_millis(50), move || {
        let Some(app) = weak.upgrade() else { return };
        attempts.set(attempts.get() + 1);
        if try_fill(app.window()) {
            stop();
        } else if attempts.get() >= MAX_ATTEMPTS {
            tracing::warn!("no native window to size; asking for full screen only");
            app.window().set_fullscreen(true);
            stop();
        }
    });
    timer
}

fn try_fill(window: &slint::Window) -> bool {
    window.has_winit_window()
        && window
            .with_winit_window(|w: &winit::window::Window| {
                w.set_decorations(false);
                w.set_cursor_visible(false);
                if let Some(monitor) = w.current_monitor().or_else(|| w.primary_monitor()) {
                    w.set_outer_position(monitor.position());
                    let _ = w.request_inner_size(monitor.size());
                    tracing::info!(
                        width = monitor.size().width,
                        height = monitor.size().height,
                        "filling the panel"
                    );
                }
                w.set_fullscreen(Some(winit::window::Fullscreen::Borderless(None)));
            })
            .is_some()
}
