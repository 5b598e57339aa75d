//! The staff panel: what the hall's staff need to look after the kiosk without a laptop,
//! behind a hidden gesture and the staff PIN. It opens from the home-screen state (any
//! citizen's draft is wiped first), always in normal mode, and goes back to the start by
//! itself after a minute without a touch. It never shows what a citizen entered.
//!
//! Every staff action (login right or wrong, lockout, retry, flush, export, volume,
//! restart) is queued as an `audit` submission through the one submission path and logged.
//!
//! - [`gesture`]: five taps in the top-left corner within three seconds (pure).
//! - [`pin`]: the digits typed and the argon2 check (run on a thread).
//! - [`lockout`]: five wrong PINs lock for five minutes, kept on disk (pure rules).
//! - [`status_view`]: the status figures (`delivery::status`, shared with `queue status`)
//!   and the dead letters.
//! - [`deliver`]: "deliver now", the `queue flush` path on a thread.
//! - [`media`], [`export`]: which USB stick, and the `queue export` file written onto it.
//! - [`sound`]: the volume, kept in the data directory.
//! - [`screen_test`]: a grid that shows where taps land.
//! - [`job`]: work off the UI thread, picked up by the panel's poll timer.

pub mod deliver;
pub mod export;
pub mod gesture;
pub mod job;
pub mod lockout;
pub mod media;
pub mod pin;
pub mod screen_test;
pub mod sound;
pub mod status_view;

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};
use tokio::sync::watch;

use crate::config::LoadedConfig;
use crate::delivery::outbox::{DeadSelector, now_ms};
use crate::delivery::protocol::{AuditAction, AuditPayload};
use crate::delivery::status::{self, StatusReport};
use crate::delivery::submission::Submitter;
use crate::delivery::uplink::{UplinkSettings, UplinkStatus};
use crate::screens::staff_alert::StaffAlerts;
use crate::screens::ui::{AppWindow, Page, Shell, Staff, Theme};
use crate::screens::voice::Voice;

use deliver::FlushOutcome;
use export::ExportOutcome;
use gesture::{CornerTaps, Step};
use job::Job;
use lockout::{Failure, Lockout};
use pin::{PinDigits, Verdict};
use screen_test::ScreenTest;
use status_view::DeadLetterList;

/// Without a touch for this long, the PIN pad or the panel goes back to the start.
pub const IDLE_LEAVE: Duration = Duration::from_secs(60);
/// How often the panel looks for finished work and refreshes what it shows.
const POLL: Duration = Duration::from_millis(250);
/// Status figures are re-read every this many polls (2 s).
const REFRESH_EVERY: u32 = 8;

/// What the panel needs from the rest of the kiosk.
pub struct StaffDeps {
    /// The hall's configuration (PIN hash, data directory, export directory, audio).
    pub config: Rc<LoadedConfig>,
    /// The one submission path (audit records) and the outbox (figures, retries).
    pub submitter: Option<Rc<Submitter>>,
    /// The running uplink's status (delivery state on the panel).
    pub uplink_status: Option<watch::Receiver<UplinkStatus>>,
    /// How to reach the server, for "deliver now".
    pub uplink_settings: Option<UplinkSettings>,
    /// The staff alert codes, and where the lockout raises its own.
    pub alerts: Rc<StaffAlerts>,
    /// The voice: volume and the test prompt.
    pub voice: Rc<Voice>,
    /// Wipes the citizen's session and shows the start screen with the hall's defaults.
    pub end_session: Rc<dyn Fn()>,
}

/// "Deliver now" in flight.
struct Flush {
    job: Job<FlushOutcome>,
    delivered: Arc<AtomicU64>,
    pending_at_start: u64,
}

/// The staff panel's controller.
pub struct StaffPanel {
    window: slint::Weak<AppWindow>,
    deps: StaffDeps,
    /// `[staff] pin_hash`; `None`: the panel is off.
    pin_hash: Option<String>,
    /// Corner taps of the hidden gesture, and the window they must fall in.
    gesture: RefCell<CornerTaps>,
    gesture_timer: Timer,
    /// The PIN as typed.
    digits: RefCell<PinDigits>,
    /// Wrong PINs and the lockout, as on disk.
    lockout: Cell<Lockout>,
    /// Where the lockout is kept.
    lockout_file: PathBuf,
    /// Where the volume is kept.
    volume_file: PathBuf,
    pin_check: RefCell<Option<Job<Verdict>>>,
    export: RefCell<Option<Job<ExportOutcome>>>,
    flush: RefCell<Option<Flush>>,
    /// Back to the start after [`IDLE_LEAVE`] without a touch.
    idle_timer: Timer,
    /// Picks up finished work and refreshes the figures while the panel is up.
    poll_timer: Timer,
    polls: Cell<u32>,
    dead_letters: DeadLetterList,
    screen_test: Rc<ScreenTest>,
    /// Staff asked for a restart: the event loop was told to end (`main` exits cleanly and
    /// systemd starts the kiosk again).
    restart_requested: Cell<bool>,
}

impl StaffPanel {
    /// Wires the `Staff` global and applies the volume staff kept.
    pub fn install(window: &AppWindow, deps: StaffDeps) -> Rc<StaffPanel> {
        let data_dir = deps.config.data_dir();
        let pin_hash = deps.config.config.staff.pin_hash().map(str::to_string);
        if pin_hash.is_none() {
            tracing::info!("no staff PIN is configured ([staff] pin_hash): the staff panel is off");
        }
        let lockout_file = lockout::path(&data_dir);
        let panel = Rc::new(StaffPanel {
            window: window.as_weak(),
            pin_hash,
            gesture: RefCell::default(),
            gesture_timer: Timer::default(),
            digits: RefCell::default(),
            lockout: Cell::new(lockout::load(&lockout_file, now_ms())),
            lockout_file,
            volume_file: sound::path(&data_dir),
            pin_check: RefCell::default(),
            export: RefCell::default(),
            flush: RefCell::default(),
            idle_timer: Timer::default(),
            poll_timer: Timer::default(),
            polls: Cell::new(0),
            dead_letters: DeadLetterList::install(window),
            screen_test: ScreenTest::install(window),
            restart_requested: Cell::new(false),
            deps,
        });
        panel.apply_kept_volume(window);
        panel.wire(window);
        panel
    }

    fn wire(self: &Rc<Self>, window: &AppWindow) {
        let g = window.global::<Staff>();
        macro_rules! on {
            ($setter:ident, |$p:ident $(, $arg:ident)*| $body:expr) => {{
                let weak = Rc::downgrade(self);
                g.$setter(move |$($arg),*| {
                    if let Some($p) = weak.upgrade() {
                        $body;
                    }
                });
            }};
        }
        on!(on_corner_tap, |p| p.corner_tap());
        on!(on_pin_digit, |p, d| p.pin_key(|digits| digits.press(&d)));
        on!(on_pin_delete, |p| p.pin_key(PinDigits::delete));
        on!(on_pin_clear, |p| p.pin_key(PinDigits::clear));
        on!(on_pin_submit, |p| p.submit_pin());
        on!(on_leave, |p| p.leave());
        on!(on_retry, |p, id| p.retry(DeadSelector::Id(id.to_string())));
        on!(on_retry_all, |p| p.retry(DeadSelector::All));
        on!(on_flush, |p| p.start_flush());
        on!(on_export, |p| p.start_export());
        on!(on_volume_down, |p| p.change_volume(false));
        on!(on_volume_up, |p| p.change_volume(true));
        on!(on_test_sound, |p| p.test_sound());
        on!(on_restart, |p| p.restart());
    }

    /// Whether staff asked for a restart (the event loop has been told to end).
    pub fn restart_requested(&self) -> bool {
        self.restart_requested.get()
    }

    /// Whether the PIN pad or the panel is on screen.
    fn showing(&self) -> bool {
        self.window.upgrade().is_some_and(|w| is_staff_page(w.global::<Shell>().get_page()))
    }

    /// Any touch: on the staff pages, the minute starts over.
    pub fn activity(self: &Rc<Self>) {
        if self.showing() {
            self.arm_idle();
        }
    }

    fn arm_idle(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        self.idle_timer.start(TimerMode::SingleShot, IDLE_LEAVE, move || {
            if let Some(p) = weak.upgrade() {
                tracing::info!("staff panel: no touch for a minute; back to the start");
                p.leave();
            }
        });
    }

    // ---- Getting in ----

    fn corner_tap(self: &Rc<Self>) {
        if self.pin_hash.is_none() || self.showing() {
            return;
        }
        let step = self.gesture.borrow_mut().tap();
        match step {
            Step::Started => {
                let weak = Rc::downgrade(self);
                self.gesture_timer.start(TimerMode::SingleShot, gesture::WINDOW, move || {
                    if let Some(p) = weak.upgrade() {
                        p.gesture.borrow_mut().window_closed();
                    }
                });
            }
            Step::Counted => {}
            Step::Open => {
                self.gesture_timer.stop();
                self.open_pin_pad();
            }
        }
    }

    /// The PIN pad, from the home-screen state: the citizen's session is wiped first.
    pub fn open_pin_pad(self: &Rc<Self>) {
        (self.deps.end_session)();
        let Some(w) = self.window.upgrade() else { return };
        tracing::info!("staff panel: PIN pad opened");
        let theme = w.global::<Theme>();
        theme.set_elder(false);
        theme.set_seated(false);
        self.digits.borrow_mut().clear();
        let g = w.global::<Staff>();
        g.set_pin_length(0);
        g.set_pin_message(0);
        self.show_lockout(&w);
        w.global::<Shell>().set_page(Page::StaffPin);
        self.arm_idle();
        self.start_polling();
    }

    fn pin_key(&self, key: impl FnOnce(&mut PinDigits)) {
        let Some(w) = self.window.upgrade() else { return };
        if self.pin_check.borrow().is_some() || self.locked_minutes().is_some() {
            return;
        }
        let mut digits = self.digits.borrow_mut();
        key(&mut digits);
        let g = w.global::<Staff>();
        g.set_pin_length(digits.len() as i32);
        if g.get_pin_message() != 2 {
            g.set_pin_message(0);
        }
    }

    fn locked_minutes(&self) -> Option<u32> {
        let mut state = self.lockout.get();
        let now = now_ms();
        let was_locked = state.locked_until_ms.is_some();
        state.expire(now);
        if was_locked && state.locked_until_ms.is_none() {
            self.store_lockout(state);
            self.deps.alerts.pin_lockout.set(false);
            tracing::info!("staff panel: the PIN lockout is over");
        }
        state.minutes_left(now)
    }

    /// The lockout message, while there is one.
    fn show_lockout(&self, w: &AppWindow) {
        let g = w.global::<Staff>();
        match self.locked_minutes() {
            Some(minutes) => {
                g.set_locked_minutes(minutes as i32);
                g.set_pin_message(2);
            }
            None if g.get_pin_message() == 2 => g.set_pin_message(0),
            None => {}
        }
    }

    fn submit_pin(self: &Rc<Self>) {
        let (Some(w), Some(hash)) = (self.window.upgrade(), self.pin_hash.clone()) else { return };
        if self.pin_check.borrow().is_some() || self.digits.borrow().is_empty() {
            return;
        }
        if self.locked_minutes().is_some() {
            // A try while locked is not checked, but it is recorded.
            self.digits.borrow_mut().clear();
            w.global::<Staff>().set_pin_length(0);
            self.show_lockout(&w);
            self.audit(AuditAction::LoginFailed, Some("while locked".into()));
            return;
        }
        let pin = self.digits.borrow_mut().take();
        let g = w.global::<Staff>();
        g.set_pin_length(0);
        g.set_checking(true);
        let job = Job::start("staff-pin", move || pin::verify(&hash, &pin), Verdict::Failed);
        *self.pin_check.borrow_mut() = Some(job);
        self.start_polling();
    }

    fn pin_checked(self: &Rc<Self>, verdict: Verdict) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Staff>();
        g.set_checking(false);
        let mut state = self.lockout.get();
        match verdict {
            Verdict::Right => {
                state.succeed();
                self.store_lockout(state);
                self.audit(AuditAction::LoginOk, None);
                if w.global::<Shell>().get_page() == Page::StaffPin {
                    self.open_panel(&w);
                }
            }
            Verdict::Wrong => match state.fail(now_ms()) {
                Failure::TriesLeft(left) => {
                    self.store_lockout(state);
                    g.set_attempts_left(left as i32);
                    g.set_pin_message(1);
                    self.audit(AuditAction::LoginFailed, Some(format!("{left} tries left")));
                }
                Failure::LockedNow => {
                    self.store_lockout(state);
                    self.audit(AuditAction::LoginFailed, Some("0 tries left".into()));
                    tracing::error!(
                        minutes = lockout::LOCK_MS / 60_000,
                        "STAFF ALERT: five wrong staff PINs; the staff panel is locked"
                    );
                    self.deps.alerts.pin_lockout.set(true);
                    self.audit(AuditAction::Lockout, Some(format!("{} min", lockout::LOCK_MS / 60_000)));
                    self.show_lockout(&w);
                }
            },
            Verdict::Failed(why) => {
                tracing::error!(error = %why, "the staff PIN could not be checked");
                g.set_pin_message(3);
            }
        }
    }

    fn store_lockout(&self, state: Lockout) {
        self.lockout.set(state);
        if let Err(e) = lockout::save(&self.lockout_file, state) {
            tracing::warn!(error = %e, file = %self.lockout_file.display(), "cannot keep the staff lockout state");
        }
    }

    fn open_panel(self: &Rc<Self>, w: &AppWindow) {
        tracing::info!("staff panel opened");
        let g = w.global::<Staff>();
        g.set_section(0);
        g.set_retried(-1);
        g.set_flush_state(if self.flush.borrow().is_some() { 1 } else { 0 });
        g.set_export_state(if self.export.borrow().is_some() { 1 } else { 0 });
        g.set_confirm_restart(false);
        self.screen_test.clear();
        self.refresh();
        w.global::<Shell>().set_page(Page::Staff);
        self.arm_idle();
    }

    /// Back to the start screen, with the hall's defaults.
    pub fn leave(&self) {
        self.idle_timer.stop();
        self.digits.borrow_mut().clear();
        self.screen_test.clear();
        if let Some(w) = self.window.upgrade() {
            let g = w.global::<Staff>();
            g.set_pin_length(0);
            g.set_confirm_restart(false);
        }
        if self.showing() {
            tracing::info!("staff panel closed");
            (self.deps.end_session)();
        }
    }

    // ---- Work off the UI thread, picked up here ----

    fn start_polling(self: &Rc<Self>) {
        if self.poll_timer.running() {
            return;
        }
        let weak = Rc::downgrade(self);
        self.poll_timer.start(TimerMode::Repeated, POLL, move || {
            if let Some(p) = weak.upgrade() {
                p.poll();
            }
        });
    }

    fn poll(self: &Rc<Self>) {
        let verdict = self.pin_check.borrow().as_ref().and_then(Job::take);
        if let Some(verdict) = verdict {
            self.pin_check.borrow_mut().take();
            self.pin_checked(verdict);
        }
        let exported = self.export.borrow().as_ref().and_then(Job::take);
        if let Some(outcome) = exported {
            self.export.borrow_mut().take();
            self.exported(outcome);
        }
        self.poll_flush();
        let Some(w) = self.window.upgrade() else { return };
        let page = w.global::<Shell>().get_page();
        if page == Page::StaffPin {
            self.show_lockout(&w);
        }
        let n = self.polls.get().wrapping_add(1);
        self.polls.set(n);
        if page == Page::Staff && n.is_multiple_of(REFRESH_EVERY) {
            self.refresh();
        }
        let busy = self.pin_check.borrow().is_some()
            || self.export.borrow().is_some()
            || self.flush.borrow().is_some();
        if !busy && !is_staff_page(page) {
            self.poll_timer.stop();
        }
    }

    // ---- What the panel shows and does ----

    /// Re-reads the figures (the same function `queue status` uses) and shows them.
    pub fn refresh(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let report =
            self.deps.submitter.as_ref().and_then(|s| match status::gather(&self.deps.config, s.outbox()) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, "staff panel: cannot read the status figures");
                    None
                }
            });
        self.show_report(&w, report.as_ref());
        w.global::<Staff>().set_audio_output(sound::output_code(self.deps.voice.output()));
    }

    fn show_report(&self, w: &AppWindow, report: Option<&StatusReport>) {
        let uplink = self.deps.uplink_status.as_ref().map(|rx| rx.borrow().clone());
        let disk_full = self.deps.submitter.as_ref().is_some_and(|s| s.disk_full());
        let alerts = self.deps.alerts.codes(uplink.as_ref(), disk_full, chrono::Local::now().date_naive());
        status_view::publish(w, &self.dead_letters, report, uplink.as_ref(), &alerts);
    }

    fn retry(&self, which: DeadSelector) {
        let (Some(w), Some(submitter)) = (self.window.upgrade(), &self.deps.submitter) else { return };
        match submitter.outbox().retry_dead(&which) {
            Ok(n) => {
                w.global::<Staff>().set_retried(i32::try_from(n).unwrap_or(i32::MAX));
                let what = if matches!(which, DeadSelector::All) { "all" } else { "one" };
                self.audit(AuditAction::Retry, Some(format!("{what}: {n} queued again")));
            }
            Err(e) => tracing::error!(error = %e, "staff panel: cannot retry dead letters"),
        }
        self.refresh();
    }

    fn start_flush(self: &Rc<Self>) {
        let (Some(w), Some(submitter)) = (self.window.upgrade(), &self.deps.submitter) else { return };
        if self.flush.borrow().is_some() {
            return;
        }
        let g = w.global::<Staff>();
        let Some(settings) = self.deps.uplink_settings.clone() else {
            g.set_flush_state(4);
            return;
        };
        let outbox = match submitter.outbox().another_connection() {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "staff panel: cannot open the outbox to deliver");
                g.set_flush_state(4);
                return;
            }
        };
        let pending_at_start = submitter.outbox().stats().map(|s| s.pending).unwrap_or(0);
        let delivered = Arc::new(AtomicU64::new(0));
        let counter = delivered.clone();
        let job = Job::start(
            "staff-flush",
            move || deliver::run(outbox, settings, counter),
            FlushOutcome::CannotStart,
        );
        g.set_flush_state(1);
        g.set_flush_delivered(0);
        g.set_flush_pending(clamp_i32(pending_at_start));
        tracing::info!(pending = pending_at_start, "staff panel: delivering now");
        *self.flush.borrow_mut() = Some(Flush { job, delivered, pending_at_start });
        self.start_polling();
    }

    fn poll_flush(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Staff>();
        let outcome = {
            let flush = self.flush.borrow();
            let Some(f) = flush.as_ref() else { return };
            let delivered = f.delivered.load(Ordering::Relaxed);
            g.set_flush_delivered(clamp_i32(delivered));
            g.set_flush_pending(clamp_i32(f.pending_at_start.saturating_sub(delivered)));
            match f.job.take() {
                Some(outcome) => (outcome, delivered),
                None => return,
            }
        };
        self.flush.borrow_mut().take();
        let (outcome, delivered) = outcome;
        let detail = match &outcome {
            FlushOutcome::Done(stats) | FlushOutcome::Stopped(stats) => {
                g.set_flush_state(if matches!(outcome, FlushOutcome::Done(_)) { 2 } else { 3 });
                g.set_flush_pending(clamp_i32(stats.pending));
                g.set_flush_dead(clamp_i32(stats.dead_letters));
                format!("{delivered} delivered, {} pending, {} dead", stats.pending, stats.dead_letters)
            }
            FlushOutcome::CannotStart(why) => {
                tracing::error!(error = %why, "staff panel: delivery could not start");
                g.set_flush_state(4);
                "could not start".to_string()
            }
        };
        self.audit(AuditAction::Flush, Some(detail));
        self.refresh();
    }

    fn start_export(self: &Rc<Self>) {
        let Some(w) = self.window.upgrade() else { return };
        if self.export.borrow().is_some() {
            return;
        }
        let data_dir = self.deps.config.data_dir();
        let export_dir = self.deps.config.config.staff.export_dir.clone();
        let kiosk = self.deps.config.config.kiosk.id.clone();
        let job = Job::start(
            "staff-export",
            move || export::run(&data_dir, export_dir, &kiosk),
            ExportOutcome::Failed,
        );
        w.global::<Staff>().set_export_state(1);
        *self.export.borrow_mut() = Some(job);
        self.start_polling();
    }

    fn exported(&self, outcome: ExportOutcome) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Staff>();
        let detail = match &outcome {
            ExportOutcome::Written { file, count } => {
                g.set_export_state(2);
                g.set_export_file(file.as_str().into());
                g.set_export_count(clamp_i32(*count));
                format!("{count} written")
            }
            ExportOutcome::NoStick => {
                g.set_export_state(3);
                "no stick".into()
            }
            ExportOutcome::Full => {
                g.set_export_state(4);
                "stick full".into()
            }
            ExportOutcome::Failed(why) => {
                tracing::error!(error = %why, "staff panel: the export failed");
                g.set_export_state(5);
                g.set_export_error(why.as_str().into());
                "failed".into()
            }
        };
        self.audit(AuditAction::Export, Some(detail));
    }

    /// The volume staff kept, applied to the voice at start; else the config's.
    fn apply_kept_volume(&self, w: &AppWindow) {
        let audio = &self.deps.config.config.audio;
        let g = w.global::<Staff>();
        g.set_audio_on(audio.enabled);
        let kept = sound::load(&self.volume_file);
        if let Some(percent) = kept {
            self.deps.voice.set_volume(percent as f32 / 100.0);
        }
        g.set_volume(kept.unwrap_or_else(|| sound::percent_of(audio.volume)) as i32);
    }

    fn change_volume(&self, louder: bool) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Staff>();
        let before = u32::try_from(g.get_volume()).unwrap_or(0);
        let after = sound::step(before, louder);
        if after == before {
            return;
        }
        g.set_volume(after as i32);
        self.deps.voice.set_volume(after as f32 / 100.0);
        if let Err(e) = sound::save(&self.volume_file, after) {
            tracing::warn!(error = %e, file = %self.volume_file.display(), "cannot keep the volume");
        }
        self.audit(AuditAction::Volume, Some(format!("{before}% -> {after}%")));
    }

    fn test_sound(&self) {
        if self.deps.config.config.audio.enabled {
            let language = self.deps.config.config.ui.default_language;
            self.deps.voice.prompt("home", language);
        }
    }

    fn restart(&self) {
        self.audit(AuditAction::Restart, None);
        tracing::warn!("restarting at staff request; systemd starts the kiosk again");
        self.restart_requested.set(true);
        if let Err(e) = slint::quit_event_loop() {
            tracing::debug!(error = %e, "no event loop to end (tests)");
        }
    }

    /// One staff action: a journal line, and an `audit` submission (nothing personal).
    fn audit(&self, action: AuditAction, detail: Option<String>) {
        tracing::info!(action = action.as_str(), detail = detail.as_deref().unwrap_or(""), "staff action");
        let Some(submitter) = &self.deps.submitter else { return };
        if let Err(e) = submitter.audit(&AuditPayload { action, detail }) {
            tracing::error!(error = %e, action = action.as_str(), "cannot queue the audit record of a staff action");
        }
    }

    /// Staging: the panel with sample figures (screenshots), without a PIN.
    pub fn stage_panel(self: &Rc<Self>, report: &StatusReport) {
        let Some(w) = self.window.upgrade() else { return };
        self.open_pin_pad();
        self.open_panel(&w);
        self.show_report(&w, Some(report));
    }
}

/// The staff pages: the PIN pad and the panel.
pub fn is_staff_page(page: Page) -> bool {
    matches!(page, Page::StaffPin | Page::Staff)
}

fn clamp_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
