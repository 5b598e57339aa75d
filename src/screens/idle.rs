//! Idle reset: after a while without a touch, ask "still there?" with a countdown; if
//! nobody answers, wipe everything the citizen entered and return home.
//!
//! A kiosk in a public hall is walked away from mid-form all the time; the next person
//! must never see the last one's data. Driven by Slint timers, so tests advance mock time
//! instead of sleeping.

use std::cell::Cell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};

use crate::screens::ui::{AppWindow, Idle, Page, Shell, Theme};

/// What the idle guard needs from the app when time runs out.
pub trait IdleActions {
    /// Nobody answered the countdown: wipe the session and go home.
    fn expire_session(&self);
    /// Idle on the home screen, where nothing personal is shown: quietly restore the
    /// hall's default language and elder mode for the next citizen.
    fn restore_defaults(&self);
}

/// Watches for inactivity and runs the countdown overlay.
pub struct IdleGuard {
    inner: Rc<Inner>,
}

struct Inner {
    window: slint::Weak<AppWindow>,
    /// Idle time before the prompt in normal mode; elder mode waits twice as long.
    timeout: Duration,
    /// Seconds the prompt waits for a tap.
    countdown_secs: u32,
    idle_timer: Timer,
    countdown_timer: Timer,
    seconds_left: Cell<u32>,
    actions: Rc<dyn IdleActions>,
}

impl IdleGuard {
    /// Creates the guard; it arms itself on the first touch.
    pub fn new(
        window: &AppWindow,
        timeout: Duration,
        countdown_secs: u32,
        actions: Rc<dyn IdleActions>,
    ) -> Self {
        let inner = Rc::new(Inner {
            window: window.as_weak(),
            timeout,
            countdown_secs,
            idle_timer: Timer::default(),
            countdown_timer: Timer::default(),
            seconds_left: Cell::new(countdown_secs),
            actions,
        });
        IdleGuard { inner }
    }

    /// A touch anywhere: the citizen is here. Closes the prompt if it is up and starts
    /// the idle time over.
    pub fn activity(&self) {
        Inner::activity(&self.inner);
    }

    /// Stops all timers and closes the prompt (after a session was ended on purpose).
    pub fn disarm(&self) {
        self.inner.idle_timer.stop();
        self.inner.stop_countdown();
    }
}

impl Inner {
    fn activity(self: &Rc<Self>) {
        self.stop_countdown();
        let elder = self.window.upgrade().is_some_and(|w| w.global::<Theme>().get_elder());
        let timeout = if elder { self.timeout * 2 } else { self.timeout };
        let weak: Weak<Inner> = Rc::downgrade(self);
        self.idle_timer.start(TimerMode::SingleShot, timeout, move || {
            if let Some(inner) = weak.upgrade() {
                inner.idle_elapsed();
            }
        });
    }

    fn idle_elapsed(self: &Rc<Self>) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let page = window.global::<Shell>().get_page();
        if page == Page::Home {
            self.actions.restore_defaults();
            return;
        }
        if crate::screens::staff::is_staff_page(page) {
            return; // the staff panel leaves by itself after its own minute
        }
        tracing::info!(seconds = self.countdown_secs, "idle: asking whether the citizen is still there");
        self.seconds_left.set(self.countdown_secs);
        let idle = window.global::<Idle>();
        idle.set_seconds_left(self.countdown_secs as i32);
        idle.set_countdown_visible(true);
        let weak: Weak<Inner> = Rc::downgrade(self);
        self.countdown_timer.start(TimerMode::Repeated, Duration::from_secs(1), move || {
            if let Some(inner) = weak.upgrade() {
                inner.countdown_tick();
            }
        });
    }

    fn countdown_tick(&self) {
        let left = self.seconds_left.get().saturating_sub(1);
        self.seconds_left.set(left);
        if let Some(window) = self.window.upgrade() {
            window.global::<Idle>().set_seconds_left(left as i32);
        }
        if left == 0 {
            self.stop_countdown();
            tracing::info!("idle: nobody answered; wiping the session");
            self.actions.expire_session();
        }
    }

    fn stop_countdown(&self) {
        self.countdown_timer.stop();
        if let Some(window) = self.window.upgrade() {
            window.global::<Idle>().set_countdown_visible(false);
        }
    }
}
