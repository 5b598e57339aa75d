//! The kiosk application: creates the window, fills the shell from the config, keeps the
//! clock, and owns the citizen's session (language, elder mode, the flows' drafts, the
//! ticket on screen) and its reset. Rust only touches the UI through its globals.

use std::cell::Cell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use chrono::{Datelike, Local, Timelike};
use slint::{ComponentHandle, Timer, TimerMode};

use crate::assist::StaffCall;
use crate::complaint::ComplaintFlow;
use crate::config::{Language, LoadedConfig};
use crate::idle::{IdleActions, IdleGuard};
use crate::phone_entry::PhoneEntry;
use crate::rating::RatingFlow;
use crate::staff_alert::StaffAlerts;
use crate::submission::{Submitter, TicketReceipt};
use crate::ticket::{TicketNumber, TrackingToken, tracking_link};
use crate::ticket_view;
use crate::ui::{
    AppWindow, Assist, CalendarDate, Complaint, Idle, Page, Phone, Rating, Shell, Theme, Ticket, Voice,
};
use crate::uplink::UplinkStatus;
use crate::voice::Voice as VoiceOut;
use crate::workdays::WorkCalendar;
use tokio::sync::watch;

/// A screen that can be shown on its own, with sample content (for screenshots and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    /// The start screen.
    Home,
    /// How the kiosk works.
    Help,
    /// The "still there?" countdown, over the help page.
    Idle,
    /// Complaint step 1: what went wrong.
    ComplaintProblem,
    /// Complaint step 2: which department.
    ComplaintDepartment,
    /// Complaint step 2: which matter of the department.
    ComplaintMatter,
    /// Complaint step 3: details and visits.
    ComplaintDetails,
    /// Complaint step 4: optional phone number.
    ComplaintContact,
    /// Complaint step 5: check and send.
    ComplaintSummary,
    /// Complaint: the "stop and clear?" question.
    ComplaintCancel,
    /// The ticket after sending.
    Ticket,
    /// Rating step 1: which window.
    RatingWindow,
    /// Rating step 1: who at the window.
    RatingStaff,
    /// Rating step 1: which matter (optional).
    RatingMatter,
    /// Rating step 2: the five levels.
    RatingLevel,
    /// Rating step 3: reasons, for a bad rating (none chosen yet, so the prompt shows).
    RatingReasons,
    /// Rating step 4: call-back for a bad rating.
    RatingContact,
    /// After a good rating: thanks, back home by itself.
    RatingThanks,
    /// After a bad rating: the follow-up ticket.
    RatingTicket,
    /// "Someone is coming", after Call staff.
    CallStaff,
}

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
}

/// The running kiosk UI.
pub struct KioskApp {
    window: AppWindow,
    session: Rc<Session>,
    idle: Rc<IdleGuard>,
    _clock: Timer,
    _delivery_check: Timer,
    _alerts: Timer,
}

/// The citizen's session: everything that must be reset when they leave.
struct Session {
    window: slint::Weak<AppWindow>,
    config: Rc<LoadedConfig>,
    language: Cell<Language>,
    complaint: Rc<ComplaintFlow>,
    rating: Rc<RatingFlow>,
    staff_call: Rc<StaffCall>,
    voice: VoiceOut,
    /// What staff must see on screen.
    alerts: Rc<StaffAlerts>,
    submitter: Option<Rc<Submitter>>,
}

impl KioskApp {
    /// Builds the UI for a validated config.
    pub fn new(config: LoadedConfig, mut options: AppOptions) -> Result<Self, slint::PlatformError> {
        let window = AppWindow::new()?;
        let config = Rc::new(config);
        let ui = &config.config.ui;

        let shell = window.global::<Shell>();
        shell.set_help_window(ui.help_window.clone().into());
        shell.set_language_switch_visible(ui.languages.len() > 1);
        shell.set_kiosk_mode(options.kiosk_mode);

        let submitter = options.submitter.map(Rc::new);
        let phone = PhoneEntry::install(&window);
        let alerts = Rc::new(StaffAlerts::default());
        let session = Rc::new_cyclic(|me: &Weak<Session>| {
            let me = me.clone();
            let end: Rc<dyn Fn()> = Rc::new(move || {
                if let Some(s) = me.upgrade() {
                    s.expire_session();
                }
            });
            Session {
                window: window.as_weak(),
                config: config.clone(),
                language: Cell::new(ui.default_language),
                complaint: ComplaintFlow::install(
                    &window,
                    config.clone(),
                    submitter.clone(),
                    phone.clone(),
                    end.clone(),
                ),
                rating: RatingFlow::install(&window, config.clone(), submitter.clone(), phone, end),
                staff_call: StaffCall::install(&window, submitter.clone()),
                voice: options.voice.take().unwrap_or_else(VoiceOut::silent),
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

        let guard = idle.clone();
        let s = session.clone();
        shell.on_activity(move || {
            guard.activity();
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
        window.global::<Voice>().set_audio_on(config.config.audio.enabled);
        let s = session.clone();
        window.global::<Voice>().on_screen_changed(move |_| s.speak_current_prompt());
        let s = session.clone();
        window.global::<Voice>().on_repeat(move || s.speak_current_prompt());
        let s = session.clone();
        shell.on_finish(move || s.expire_session());

        let clock = Timer::default();
        let s = session.clone();
        clock.start(TimerMode::Repeated, Duration::from_secs(1), move || s.update_clock());
        let delivery_check = Timer::default();
        let s = session.clone();
        delivery_check.start(TimerMode::Repeated, Duration::from_secs(2), move || s.check_delivery());

        session.alerts.outbox_moved_aside.set(options.outbox_moved_aside);
        let alerts = session.alerts.watch(&window, options.uplink_status.take(), session.submitter.clone());

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

    /// Puts the UI into the state of one screen, with sample content where needed, by
    /// tapping through the flow the way a citizen would.
    pub fn stage(&self, screen: Screen, language: Language, elder: bool) {
        self.session.apply_language(language);
        self.window.global::<Theme>().set_elder(elder);
        let shell = self.window.global::<Shell>();
        // Each entry is one screen further into the complaint flow.
        let complaint_steps: &[fn(&AppWindow)] = &[
            |w| w.global::<Complaint>().invoke_start(),
            |w| w.global::<Complaint>().invoke_choose_problem(6),
            |w| w.global::<Complaint>().invoke_choose_department(1),
            |w| {
                let c = w.global::<Complaint>();
                c.invoke_choose_matter(0);
                c.invoke_toggle_phrase(0);
                c.invoke_toggle_phrase(1);
                c.invoke_choose_visits(3);
            },
            |w| {
                w.global::<Complaint>().invoke_next();
                let p = w.global::<Phone>();
                "13812345678".chars().for_each(|d| p.invoke_press_digit(d.to_string().into()));
                p.invoke_toggle_callback();
            },
            |w| {
                w.global::<Phone>().invoke_toggle_consent();
                w.global::<Complaint>().invoke_next();
            },
        ];
        let walk = |n: usize| complaint_steps[..n].iter().for_each(|step| step(&self.window));
        // The same for a bad rating of window 3.
        let rating_steps: &[fn(&AppWindow)] = &[
            |w| w.global::<Rating>().invoke_start(),
            |w| w.global::<Rating>().invoke_choose_window(2),
            |w| w.global::<Rating>().invoke_choose_staff(0),
            |w| w.global::<Rating>().invoke_choose_matter(0),
            |w| w.global::<Rating>().invoke_choose_level(2),
            |w| {
                let r = w.global::<Rating>();
                r.invoke_toggle_reason(0);
                r.invoke_toggle_reason(2);
                r.invoke_next();
            },
        ];
        let rate = |n: usize| rating_steps[..n].iter().for_each(|step| step(&self.window));
        match screen {
            Screen::Home => shell.set_page(Page::Home),
            Screen::Help => shell.set_page(Page::Help),
            Screen::Idle => {
                shell.set_page(Page::Help);
                let idle = self.window.global::<Idle>();
                idle.set_seconds_left(self.session.config.config.ui.idle_countdown_secs as i32);
                idle.set_countdown_visible(true);
            }
            Screen::ComplaintProblem => walk(1),
            Screen::ComplaintDepartment => walk(2),
            Screen::ComplaintMatter => walk(3),
            Screen::ComplaintDetails => walk(4),
            Screen::ComplaintContact => walk(5),
            Screen::ComplaintSummary => walk(6),
            Screen::ComplaintCancel => {
                walk(4);
                self.window.global::<Complaint>().invoke_ask_cancel();
            }
            Screen::Ticket => self.show_sample_ticket(false),
            Screen::CallStaff => {
                walk(2);
                self.window.global::<Assist>().set_notice_visible(true);
            }
            Screen::RatingTicket => self.show_sample_ticket(true),
            Screen::RatingWindow => rate(1),
            Screen::RatingStaff => rate(2),
            Screen::RatingMatter => rate(3),
            Screen::RatingLevel => rate(4),
            Screen::RatingReasons => {
                rate(5);
                self.window.global::<Rating>().invoke_next();
            }
            Screen::RatingContact => rate(6),
            Screen::RatingThanks => {
                // What a good rating ends on (sending needs an outbox; staging has none).
                self.window.global::<Rating>().set_thanks_seconds_left(8);
                shell.set_page(Page::Thanks);
            }
        }
    }

    /// A ticket as a citizen would see it, with a made-up number and token.
    fn show_sample_ticket(&self, follow_up: bool) {
        let config = &self.session.config;
        let k = &config.config.kiosk;
        let today = Local::now().date_naive();
        let number = TicketNumber::new(&k.hall_code, &k.id, today, 42);
        let token = TrackingToken::from_link("q7Jc2mN0x3Wb9FvK1sTzAg");
        let days = config.config.deadlines.simple_working_days;
        let receipt = TicketReceipt {
            link: tracking_link(&config.config.tracking.base_url, &number, &token),
            number,
            token,
            reply_due: WorkCalendar::from_config(config).add_working_days(today, days),
        };
        ticket_view::show(&self.window, "sample", &receipt, days, follow_up);
    }

    /// Shows the window (filling the panel in kiosk mode) and runs the event loop.
    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.show()?;
        let _filler =
            self.window.global::<Shell>().get_kiosk_mode().then(|| crate::panel::fill_panel(&self.window));
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

    fn apply_language(&self, language: Language) {
        if let Err(e) = slint::select_bundled_translation(language.slint_locale()) {
            tracing::warn!(error = %e, "could not switch the translation");
        }
        self.language.set(language);
        self.complaint.set_language(language);
        self.rating.set_language(language);
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

impl IdleActions for Session {
    fn expire_session(&self) {
        self.complaint.reset();
        self.rating.reset();
        self.staff_call.dismiss();
        self.voice.stop();
        if let Some(window) = self.window.upgrade() {
            ticket_view::clear(&window);
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
