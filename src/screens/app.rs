//! The kiosk application: creates the window, fills the shell from the config, keeps the
//! clock, and owns the citizen's session (language, elder mode, the flows' drafts, the
//! ticket on screen) and its reset. Rust only touches the UI through its globals.

use std::cell::Cell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use chrono::{Datelike, Local, Timelike};
use slint::{ComponentHandle, Timer, TimerMode};

use crate::config::{Language, LoadedConfig};
use crate::delivery::submission::Submitter;
use crate::delivery::uplink::{UplinkSettings, UplinkStatus};
use crate::hall::reach::{Mounting, ReachBands};
use crate::hall::workdays::WorkCalendar;
use crate::screens::assist::StaffCall;
use crate::screens::complaint::ComplaintFlow;
use crate::screens::flow::SessionEnds;
use crate::screens::idle::{IdleActions, IdleGuard};
use crate::screens::keyboard::KeyboardController;
use crate::screens::phone_entry::PhoneEntry;
use crate::screens::rating::RatingFlow;
use crate::screens::slip::Printer;
use crate::screens::staff::{StaffDeps, StaffPanel};
use crate::screens::staff_alert::StaffAlerts;
use crate::screens::startup::{self, Milestone};
use crate::screens::ticket_view::TicketView;
use crate::screens::ui::{AppWindow, CalendarDate, Idle, Page, Shell, Theme, Ticket, Voice};
use crate::screens::voice::Voice as VoiceOut;
use tokio::sync::watch;

/// How the kiosk runs.
#[derive(Default)]
pub struct AppOptions {
    /// Full screen on a touch panel: no window frame, no mouse pointer.
    pub kiosk_mode: bool,
    /// Where confirmed submissions go. Without one (screenshots), sending fails politely.
    pub submitter: Option<Submitter>,
    /// Spoken prompts; `None` is silent (tests, screenshots, audio off).
    pub voice: Option<VoiceOut>,
    /// The uplink's status, for the staff alert line.
    pub uplink_status: Option<watch::Receiver<UplinkStatus>>,
    /// The outbox was unreadable at start and moved aside (staff must be told).
    pub outbox_moved_aside: bool,
    /// How to reach the server, for the staff panel's "deliver now" (`None`: not offered).
    pub uplink_settings: Option<UplinkSettings>,
    /// The pinyin engine for the on-screen keyboard (started, and deploying, before the
    /// window); `None`: the keyboard offers English letters and digits only.
    pub pinyin: Option<&'static crate::input::pinyin::PinyinEngine>,
    /// The handwriting engine for the keyboard's writing pad; `None`: no pad.
    pub handwriting: Option<&'static crate::input::handwriting::HandwritingEngine>,
}

/// The running kiosk UI.
pub struct KioskApp {
    pub(super) window: AppWindow,
    pub(super) session: Rc<Session>,
    idle: Rc<IdleGuard>,
    _clock: Timer,
    _delivery_check: Timer,
    _alerts: Timer,
}

/// Answers the shell's own callbacks: taps reset the idle guard, language and elder mode
/// switches, spoken prompts, finishing the session.
fn wire_shell(window: &AppWindow, session: &Rc<Session>, idle: &Rc<IdleGuard>) {
    let shell = window.global::<Shell>();
    let guard = idle.clone();
    let s = session.clone();
    shell.on_activity(move || {
        guard.activity();
        s.staff.activity();
        s.tapped();
    });
    let guard = idle.clone();
    window.global::<Idle>().on_keep_session(move || guard.activity());
    let s = session.clone();
    shell.on_select_language(move |code| {
        let language = if code == "en" { Language::En } else { Language::ZhCn };
        if s.config.config.ui.languages.contains(&language) {
            s.apply_language(language);
        }
    });
    let s = session.clone();
    shell.on_elder_changed(move |on| {
        tracing::info!(elder = on, "elder mode switched");
        s.speak_current_prompt();
    });
    window.global::<Voice>().set_audio_on(session.config.config.audio.enabled);
    let s = session.clone();
    window.global::<Voice>().on_screen_changed(move |_| s.speak_current_prompt());
    let s = session.clone();
    window.global::<Voice>().on_repeat(move || s.speak_current_prompt());
    let s = session.clone();
    window.global::<Voice>().on_say(move |id| s.speak(&id));
    let s = session.clone();
    shell.on_finish(move || {
        // A second tap on Send lands here a moment later: the ticket stays.
        if s.ticket.accepts_done() {
            s.expire_session();
        }
    });
}

/// The clock (every second) and the delivery check of the ticket on screen (every 2 s).
fn start_timers(session: &Rc<Session>) -> (Timer, Timer) {
    let clock = Timer::default();
    let s = session.clone();
    clock.start(TimerMode::Repeated, Duration::from_secs(1), move || s.update_clock());
    let delivery_check = Timer::default();
    let s = session.clone();
    delivery_check.start(TimerMode::Repeated, Duration::from_secs(2), move || s.check_delivery());
    (clock, delivery_check)
}

/// The citizen's session: everything that must be reset when they leave.
pub(super) struct Session {
    window: slint::Weak<AppWindow>,
    pub(super) config: Rc<LoadedConfig>,
    language: Cell<Language>,
    complaint: Rc<ComplaintFlow>,
    rating: Rc<RatingFlow>,
    /// The ticket on screen, with its tap guard and closing countdown.
    pub(super) ticket: Rc<TicketView>,
    staff_call: Rc<StaffCall>,
    /// The staff panel (hidden gesture, PIN, status, export, volume, restart).
    pub(super) staff: Rc<StaffPanel>,
    /// The on-screen keyboard and what was typed into every field.
    pub(super) keyboard: Rc<KeyboardController>,
    voice: Rc<VoiceOut>,
    /// What staff must see on screen.
    alerts: Rc<StaffAlerts>,
    submitter: Option<Rc<Submitter>>,
}

impl KioskApp {
    /// Builds the UI for a validated config.
    pub fn new(config: LoadedConfig, mut options: AppOptions) -> Result<Self, slint::PlatformError> {
        let window = AppWindow::new()?;
        startup::mark(Milestone::Window);
        let config = Rc::new(config);
        let ui = &config.config.ui;

        let shell = window.global::<Shell>();
        shell.set_help_window(ui.help_window.clone().into());
        shell.set_language_switch_visible(ui.languages.len() > 1);
        shell.set_kiosk_mode(options.kiosk_mode);
        let bands =
            Mounting::from_config(&config.config.display).map_or(ReachBands::WHOLE_PANEL, ReachBands::of);
        let theme = window.global::<Theme>();
        theme.set_standing_top(bands.standing_top);
        theme.set_seated_top(bands.seated_top);
        theme.set_reach_bottom(bands.bottom);

        let submitter = options.submitter.map(Rc::new);
        let phone = PhoneEntry::install(&window);
        let keyboard = KeyboardController::install(&window, options.pinyin, options.handwriting);
        let alerts =
            Rc::new(StaffAlerts { calendar: WorkCalendar::from_config(&config), ..StaffAlerts::default() });
        let voice = Rc::new(options.voice.take().unwrap_or_else(VoiceOut::silent));
        let uplink_status = options.uplink_status.take();
        let session = Rc::new_cyclic(|me: &Weak<Session>| {
            let end_weak = me.clone();
            let end: Rc<dyn Fn()> = Rc::new(move || {
                if let Some(s) = end_weak.upgrade() {
                    s.expire_session();
                }
            });
            let home_weak = me.clone();
            let home: Rc<dyn Fn()> = Rc::new(move || {
                if let Some(s) = home_weak.upgrade() {
                    s.leave_to_home();
                }
            });
            let ticket = TicketView::install(
                &window,
                end.clone(),
                Printer::from_config(&config),
                alerts.printer_fault.clone(),
            );
            let ends = SessionEnds { end: end.clone(), home };
            let staff = StaffPanel::install(
                &window,
                StaffDeps {
                    config: config.clone(),
                    submitter: submitter.clone(),
                    uplink_status: uplink_status.clone(),
                    uplink_settings: options.uplink_settings.take(),
                    alerts: alerts.clone(),
                    voice: voice.clone(),
                    end_session: end.clone(),
                },
            );
            Session {
                window: window.as_weak(),
                config: config.clone(),
                language: Cell::new(ui.default_language),
                complaint: ComplaintFlow::install(
                    &window,
                    config.clone(),
                    submitter.clone(),
                    phone.clone(),
                    keyboard.clone(),
                    ticket.clone(),
                    ends.clone(),
                ),
                rating: RatingFlow::install(
                    &window,
                    config.clone(),
                    submitter.clone(),
                    phone,
                    keyboard.clone(),
                    ticket.clone(),
                    ends,
                ),
                ticket,
                staff_call: StaffCall::install(&window, submitter.clone()),
                staff,
                keyboard,
                voice,
                alerts: alerts.clone(),
                submitter,
            }
        });
        session.restore_defaults();

        let idle = Rc::new(IdleGuard::new(
            &window,
            Duration::from_secs(ui.idle_timeout_secs.into()),
            ui.idle_countdown_secs,
            session.clone(),
        ));

        wire_shell(&window, &session, &idle);
        let (clock, delivery_check) = start_timers(&session);

        session.alerts.outbox_moved_aside.set(options.outbox_moved_aside);
        let alerts = session.alerts.watch(&window, uplink_status, session.submitter.clone());
        startup::mark(Milestone::Ui);

        Ok(KioskApp {
            window,
            session,
            idle,
            _clock: clock,
            _delivery_check: delivery_check,
            _alerts: alerts,
        })
    }

    /// The window component, for running it or driving it in tests.
    pub fn window(&self) -> &AppWindow {
        &self.window
    }

    /// Shows the window (filling the panel in kiosk mode) and runs the event loop.
    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.show()?;
        startup::mark(Milestone::Shown);
        let _first_frame = startup::watch_first_frame(&self.window);
        let _filler = self
            .window
            .global::<Shell>()
            .get_kiosk_mode()
            .then(|| crate::screens::panel::fill_panel(&self.window));
        slint::run_event_loop()?;
        self.window.hide()
    }

    /// Whether staff restarted the kiosk from the panel ([`KioskApp::run`] then returns, the
    /// process exits cleanly and systemd starts it again: `Restart=always`).
    pub fn restart_requested(&self) -> bool {
        self.session.staff.restart_requested()
    }

    /// Switches seated (低位) mode, as the switch on screen does.
    pub fn set_seated(&self, seated: bool) {
        self.window.global::<Theme>().set_seated(seated);
    }

    /// Waits for the pinyin engine's answers to the keys tapped so far and shows them
    /// (tests and screenshots; the running kiosk gets them through the event loop).
    pub fn settle_keyboard(&self) {
        self.session.keyboard.settle();
    }

    /// Ends the citizen's session now: wipes what they entered and returns home.
    pub fn end_session(&self) {
        self.idle.disarm();
        self.session.expire_session();
    }
}

impl Session {
    /// Prompts speak only in elder mode, and only when the hall has audio on.
    fn speaking(&self) -> Option<AppWindow> {
        let window = self.window.upgrade()?;
        (window.global::<Theme>().get_elder() && self.config.config.audio.enabled).then_some(window)
    }

    /// A tap: the person is acting, so whatever was being said stops, and it clicks.
    fn tapped(&self) {
        if self.speaking().is_some() {
            self.voice.click();
        }
    }

    /// Says one prompt now (elder mode only).
    fn speak(&self, id: &str) {
        if self.speaking().is_some() {
            self.voice.prompt(id, self.language.get());
        }
    }

    /// Says the prompt of what is on screen (elder mode), or falls silent.
    fn speak_current_prompt(&self) {
        match self.speaking() {
            Some(window) => {
                let id = window.global::<Voice>().get_prompt_id();
                self.voice.prompt(&id, self.language.get());
            }
            None => self.voice.stop(),
        }
    }

    pub(super) fn apply_language(&self, language: Language) {
        if let Err(e) = slint::select_bundled_translation(language.slint_locale()) {
            tracing::warn!(error = %e, "could not switch the translation");
        }
        self.language.set(language);
        self.complaint.set_language(language);
        self.rating.set_language(language);
        self.keyboard.set_language(language);
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

    /// While a ticket is on screen, asks the outbox whether the server has confirmed it.
    fn check_delivery(&self) {
        let (Some(window), Some(submitter)) = (self.window.upgrade(), &self.submitter) else {
            return;
        };
        self.staff_call.check_delivery(submitter);
        if window.global::<Shell>().get_page() != Page::Ticket {
            return;
        }
        let ticket = window.global::<Ticket>();
        let id = ticket.get_submission_id();
        if ticket.get_delivered() || id.is_empty() {
            return;
        }
        match submitter.outbox().is_delivered(&id) {
            Ok(delivered) => ticket.set_delivered(delivered),
            Err(e) => tracing::warn!(error = %e, "cannot read the delivery state"),
        }
    }
}

impl Session {
    /// The citizen went home by their own action (Back from an empty first step): drop
    /// the drafts but keep the language and elder mode they chose.
    fn leave_to_home(&self) {
        self.complaint.reset();
        self.rating.reset();
        self.keyboard.reset();
        self.ticket.clear();
        if let Some(window) = self.window.upgrade() {
            window.global::<Shell>().set_page(Page::Home);
        }
    }
}

impl IdleActions for Session {
    fn expire_session(&self) {
        self.complaint.reset();
        self.rating.reset();
        self.keyboard.reset();
        self.staff_call.dismiss();
        self.ticket.clear();
        self.voice.stop();
        if let Some(window) = self.window.upgrade() {
            window.global::<Shell>().set_page(Page::Home);
        }
        self.restore_defaults();
    }

    fn restore_defaults(&self) {
        let ui = &self.config.config.ui;
        if let Some(window) = self.window.upgrade() {
            window.global::<Theme>().set_elder(ui.elder_mode_default);
            window.global::<Theme>().set_seated(false);
        }
        self.apply_language(ui.default_language);
    }
}
