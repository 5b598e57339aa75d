//! The ticket screen: shows a queued submission's ticket (number, QR code of the tracking
//! link, reply date) and, while it is up, whether the server has confirmed it yet.
//!
//! Two guards protect the citizen's ticket: the screen ignores "Done" for its first
//! moments (a double tap on Send must not close the ticket it just opened), and it closes
//! itself after a visible countdown (the next person in line must not scan someone else's
//! private tracking link). One tap on "keep it open" starts the countdown again.
//!
//! The raw tracking token reaches the screen only inside the QR image and is dropped with
//! the session; nothing here stores it.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use slint::{ComponentHandle, Image, Timer, TimerMode};

use crate::config::Language;
use crate::delivery::submission::TicketReceipt;
use crate::screens::qr_image;
use crate::screens::slip::{PrintOutcome, Printer, Slip, SlipKind};
use crate::screens::ui::{AppWindow, CalendarDate, Page, Shell, Theme, Ticket};

/// Pixels per QR module: a version-5 code (the length of our links) comes out ~370 px.
const QR_SCALE: u32 = 8;
/// How long taps on "Done" are ignored after the ticket appears: longer than a double tap
/// and than the second tap of an impatient one.
pub const TAP_GUARD: Duration = Duration::from_millis(1200);
/// Seconds the ticket stays up without a tap (normal mode); elder mode doubles it.
pub const CLOSE_SECS: u32 = 60;
/// How often the screen looks for the printer's answer while a slip prints.
const PRINT_POLL: Duration = Duration::from_millis(250);

/// What the ticket screen says about the paper slip (`Ticket.print-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintState {
    /// Not asked for.
    Idle = 0,
    /// On its way to the printer.
    Printing = 1,
    /// Take it.
    Printed = 2,
    /// No paper: photograph the code or ask the staff.
    NoPaper = 3,
    /// Offline, timed out or failed: photograph the code or ask the staff.
    Failed = 4,
}

impl PrintState {
    fn of(outcome: &PrintOutcome) -> PrintState {
        match outcome {
            PrintOutcome::Printed => PrintState::Printed,
            PrintOutcome::NoPaper => PrintState::NoPaper,
            // Another slip of this ticket is still printing: it will come out.
            PrintOutcome::Busy => PrintState::Printing,
            _ => PrintState::Failed,
        }
    }
}

/// The ticket screen's controller: the tap guard and the closing countdown.
pub struct TicketView {
    inner: Rc<Inner>,
}

struct Inner {
    window: slint::Weak<AppWindow>,
    /// Ends the citizen's session when the countdown runs out.
    end_session: Rc<dyn Fn()>,
    /// Turns `Ticket.ready` on after [`TAP_GUARD`].
    guard_timer: Timer,
    /// Ticks the countdown every second while the ticket is up.
    countdown_timer: Timer,
    seconds_left: Cell<u32>,
    /// The hall's receipt printer, if it has one.
    printer: Option<Printer>,
    /// The slip of the ticket on screen (it holds the token: dropped with the ticket).
    slip: RefCell<Option<Slip>>,
    /// The printer thread's answer, picked up on the UI thread by `print_timer`.
    print_result: Arc<Mutex<Option<PrintOutcome>>>,
    print_timer: Timer,
    /// Raised when the printer needs a person (`PRN`), cleared by the next good print.
    printer_fault: Arc<AtomicBool>,
}

impl TicketView {
    /// Wires the `Ticket` global's callbacks. `end_session` wipes the session and goes home.
    /// `printer` is the hall's receipt printer (no print button without one);
    /// `printer_fault` is the `PRN` staff alert.
    pub fn install(
        window: &AppWindow,
        end_session: Rc<dyn Fn()>,
        printer: Option<Printer>,
        printer_fault: Arc<AtomicBool>,
    ) -> Rc<TicketView> {
        window.global::<Ticket>().set_can_print(printer.is_some());
        let inner = Rc::new(Inner {
            window: window.as_weak(),
            end_session,
            guard_timer: Timer::default(),
            countdown_timer: Timer::default(),
            seconds_left: Cell::new(0),
            printer,
            slip: RefCell::new(None),
            print_result: Arc::new(Mutex::new(None)),
            print_timer: Timer::default(),
            printer_fault,
        });
        let weak = Rc::downgrade(&inner);
        window.global::<Ticket>().on_keep_open(move || {
            if let Some(inner) = weak.upgrade() {
                inner.restart_countdown();
            }
        });
        let weak = Rc::downgrade(&inner);
        window.global::<Ticket>().on_print(move || {
            if let Some(inner) = weak.upgrade() {
                inner.print();
            }
        });
        Rc::new(TicketView { inner })
    }

    /// Puts a ticket on screen. `submission_id` lets the screen learn when it is delivered;
    /// `follow_up` marks a bad rating's ticket (otherwise a complaint's).
    /// Elder mode prints the slip at once (elder citizens are the ones without a phone).
    pub fn show(
        &self,
        submission_id: &str,
        ticket: &TicketReceipt,
        working_days: u32,
        follow_up: bool,
        language: Language,
    ) {
        let Some(window) = self.inner.window.upgrade() else { return };
        let kind = if follow_up { SlipKind::RatingFollowUp } else { SlipKind::Complaint };
        let now = chrono::Local::now().naive_local();
        *self.inner.slip.borrow_mut() = Some(Slip::from_ticket(ticket, kind, working_days, now, language));
        let g = window.global::<Ticket>();
        g.set_follow_up(follow_up);
        g.set_number(ticket.number.as_str().into());
        match qr_image::render(&ticket.link, QR_SCALE) {
            Ok(pixels) => g.set_qr(Image::from_rgb8(pixels)),
            Err(e) => tracing::error!(error = %e, "cannot draw the ticket's QR code"),
        }
        g.set_reply_due(calendar_date(ticket.reply_due));
        g.set_working_days(working_days as i32);
        g.set_delivered(false);
        g.set_submission_id(submission_id.into());
        g.set_ready(false);
        g.set_print_state(PrintState::Idle as i32);
        g.set_auto_printed(false);
        window.global::<Shell>().set_page(Page::Ticket);
        let weak = self.inner.window.clone();
        self.inner.guard_timer.start(TimerMode::SingleShot, TAP_GUARD, move || {
            if let Some(w) = weak.upgrade() {
                w.global::<Ticket>().set_ready(true);
            }
        });
        self.inner.restart_countdown();
        if window.global::<Theme>().get_elder() && self.inner.printer.is_some() {
            window.global::<Ticket>().set_auto_printed(true);
            self.inner.print();
        }
    }

    /// Whether "Done" may close the ticket now (not within [`TAP_GUARD`] of it appearing).
    pub fn accepts_done(&self) -> bool {
        self.inner.window.upgrade().is_none_or(|w| {
            w.global::<Shell>().get_page() != Page::Ticket || w.global::<Ticket>().get_ready()
        })
    }

    /// Removes the ticket from the screen (the session ended).
    pub fn clear(&self) {
        self.inner.guard_timer.stop();
        self.inner.countdown_timer.stop();
        self.inner.print_timer.stop();
        self.inner.slip.borrow_mut().take();
        let Some(window) = self.inner.window.upgrade() else { return };
        let g = window.global::<Ticket>();
        g.set_number("".into());
        g.set_qr(Image::default());
        g.set_submission_id("".into());
        g.set_delivered(false);
        g.set_ready(false);
        g.set_seconds_left(0);
        g.set_print_state(PrintState::Idle as i32);
        g.set_auto_printed(false);
    }
}

impl Inner {
    /// Sends the slip to the printer off the UI thread and watches for the answer. The
    /// ticket is already in the outbox: a failed print loses nothing.
    fn print(self: &Rc<Self>) {
        let (Some(printer), Some(slip)) = (&self.printer, self.slip.borrow().clone()) else { return };
        let Some(window) = self.window.upgrade() else { return };
        let ticket = window.global::<Ticket>();
        if ticket.get_print_state() == PrintState::Printing as i32 {
            return; // one slip at a time; a second tap changes nothing
        }
        ticket.set_print_state(PrintState::Printing as i32);
        self.print_result.lock().unwrap_or_else(|p| p.into_inner()).take();
        let result = self.print_result.clone();
        printer.print_in_background(slip, move |outcome| {
            *result.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        });
        let weak: Weak<Inner> = Rc::downgrade(self);
        self.print_timer.start(TimerMode::Repeated, PRINT_POLL, move || {
            if let Some(inner) = weak.upgrade() {
                inner.collect_print_result();
            }
        });
    }

    fn collect_print_result(&self) {
        let Some(outcome) = self.print_result.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        self.print_timer.stop();
        self.printer_fault.store(outcome.staff_alert().is_some(), Ordering::Relaxed);
        if let Some(window) = self.window.upgrade() {
            window.global::<Ticket>().set_print_state(PrintState::of(&outcome) as i32);
        }
    }

    fn restart_countdown(self: &Rc<Self>) {
        let Some(window) = self.window.upgrade() else { return };
        let secs = if window.global::<Theme>().get_elder() { CLOSE_SECS * 2 } else { CLOSE_SECS };
        self.seconds_left.set(secs);
        window.global::<Ticket>().set_seconds_left(secs as i32);
        let weak: Weak<Inner> = Rc::downgrade(self);
        self.countdown_timer.start(TimerMode::Repeated, Duration::from_secs(1), move || {
            if let Some(inner) = weak.upgrade() {
                inner.tick();
            }
        });
    }

    fn tick(&self) {
        let left = self.seconds_left.get().saturating_sub(1);
        self.seconds_left.set(left);
        if let Some(window) = self.window.upgrade() {
            window.global::<Ticket>().set_seconds_left(left as i32);
        }
        if left == 0 {
            self.countdown_timer.stop();
            tracing::info!("ticket screen closed itself; session wiped");
            (self.end_session)();
        }
    }
}

/// A date for the UI to format in the current language.
pub fn calendar_date(date: NaiveDate) -> CalendarDate {
    CalendarDate {
        year: date.year(),
        month: date.month() as i32,
        day: date.day() as i32,
        weekday: date.weekday().num_days_from_monday() as i32,
    }
}
