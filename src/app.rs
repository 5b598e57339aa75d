//! The kiosk application: creates the window, fills the shell from the config, keeps the
//! clock, and owns the citizen's session (language, elder mode, what was entered) and its
//! reset. Rust only touches the UI through its globals.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use chrono::{Datelike, Local, Timelike};
use slint::{ComponentHandle, Timer, TimerMode};

use crate::config::{Language, LoadedConfig};
use crate::idle::{IdleActions, IdleGuard};
use crate::ui::{AppWindow, CalendarDate, Idle, Page, Shell, Theme};

/// A screen that can be shown on its own (for screenshots and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    /// The start screen.
    Home,
    /// How the kiosk works.
    Help,
    /// The "still there?" countdown, over the help page.
    Idle,
}

/// The running kiosk UI.
pub struct KioskApp {
    window: AppWindow,
    session: Rc<Session>,
    idle: Rc<IdleGuard>,
    _clock: Timer,
}

/// The citizen's session: everything that must be reset when they leave.
struct Session {
    window: slint::Weak<AppWindow>,
    config: Rc<LoadedConfig>,
    language: Cell<Language>,
}

impl KioskApp {
    /// Builds the UI for a validated config. `kiosk_mode` means full screen on a touch
    /// panel: no window frame, no mouse pointer.
    pub fn new(config: LoadedConfig, kiosk_mode: bool) -> Result<Self, slint::PlatformError> {
        let window = AppWindow::new()?;
        let config = Rc::new(config);
        let ui = &config.config.ui;

        let shell = window.global::<Shell>();
        shell.set_help_window(ui.help_window.clone().into());
        shell.set_language_switch_visible(ui.languages.len() > 1);
        shell.set_kiosk_mode(kiosk_mode);

        let session = Rc::new(Session {
            window: window.as_weak(),
            config: config.clone(),
            language: Cell::new(ui.default_language),
        });
        session.restore_defaults();

        let idle = Rc::new(IdleGuard::new(
            &window,
            Duration::from_secs(ui.idle_timeout_secs.into()),
            ui.idle_countdown_secs,
            session.clone(),
        ));

        let guard = idle.clone();
        shell.on_activity(move || guard.activity());
        let guard = idle.clone();
        window.global::<Idle>().on_keep_session(move || guard.activity());
        let s = session.clone();
        shell.on_select_language(move |code| {
            let language = if code == "en" {
                Language::En
            } else {
                Language::ZhCn
            };
            if s.config.config.ui.languages.contains(&language) {
                s.apply_language(language);
            }
        });
        shell.on_elder_changed(|on| tracing::info!(elder = on, "elder mode switched"));

        let clock = Timer::default();
        let s = session.clone();
        clock.start(TimerMode::Repeated, Duration::from_secs(1), move || {
            s.update_clock()
        });

        Ok(KioskApp {
            window,
            session,
            idle,
            _clock: clock,
        })
    }

    /// The window component, for running it or driving it in tests.
    pub fn window(&self) -> &AppWindow {
        &self.window
    }

    /// Puts the UI into the state of one screen, with sample content where needed.
    pub fn stage(&self, screen: Screen, language: Language, elder: bool) {
        self.session.apply_language(language);
        self.window.global::<Theme>().set_elder(elder);
        let shell = self.window.global::<Shell>();
        match screen {
            Screen::Home => shell.set_page(Page::Home),
            Screen::Help => shell.set_page(Page::Help),
            Screen::Idle => {
                shell.set_page(Page::Help);
                let idle = self.window.global::<Idle>();
                idle.set_seconds_left(self.session.config.config.ui.idle_countdown_secs as i32);
                idle.set_countdown_visible(true);
            }
        }
    }

    /// Shows the window (full screen in kiosk mode) and runs the event loop until closed.
    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.show()?;
        let _filler = self
            .window
            .global::<Shell>()
            .get_kiosk_mode()
            .then(|| crate::panel::fill_panel(&self.window));
        slint::run_event_loop()?;
        self.window.hide()
    }

    /// Ends the citizen's session now: wipes what they entered and returns home.
    pub fn end_session(&self) {
        self.idle.disarm();
        self.session.expire_session();
    }
}

impl Session {
    fn apply_language(&self, language: Language) {
        if let Err(e) = slint::select_bundled_translation(language.slint_locale()) {
            tracing::warn!(error = %e, "could not switch the translation");
        }
        self.language.set(language);
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let shell = window.global::<Shell>();
        shell.set_language(language.code().into());
        shell.set_hall_name(self.config.hall_name(language).into());
        self.update_clock();
    }

    fn update_clock(&self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let now = Local::now();
        let shell = window.global::<Shell>();
        shell.set_time_text(format!("{:02}:{:02}", now.hour(), now.minute()).into());
        shell.set_today(CalendarDate {
            year: now.year(),
            month: now.month() as i32,
            day: now.day() as i32,
            weekday: now.weekday().num_days_from_monday() as i32,
        });
    }
}

impl IdleActions for Session {
    fn expire_session(&self) {
        if let Some(window) = self.window.upgrade() {
            window.global::<Shell>().set_page(Page::Home);
        }
        self.restore_defaults();
    }

    fn restore_defaults(&self) {
        let ui = &self.config.config.ui;
        if let Some(window) = self.window.upgrade() {
            window.global::<Theme>().set_elder(ui.elder_mode_default);
        }
        self.apply_language(ui.default_language);
    }
}
