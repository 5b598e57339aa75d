//! The printed ticket: the paper twin of the ticket screen, for citizens without a
//! smartphone. A [`Slip`] (ticket number, tracking link, reply date) is laid out once
//! ([`layout`]), then encoded for an ESC/POS receipt printer ([`escpos`]) and sent to it
//! ([`transport`]), or drawn into a PNG preview ([`preview`]) from the same layout.
//!
//! None of it touches Slint: the ticket screen calls [`Printer::print_in_background`] and
//! gets a [`PrintOutcome`] back on a worker thread, to hand to the event loop. The raw
//! tracking token travels only inside the link bytes; nothing here logs it.
//!
//! Belongs here: what goes on the paper and how it reaches the printer. It sits in
//! `screens/` as the ticket screen's twin (it takes the same `TicketReceipt`); it must not
//! use Slint, so the layout, encoder and transport stay testable without a UI.

pub mod escpos;
pub mod layout;
pub mod preview;
pub mod transport;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};

use crate::config::{Language, LoadedConfig, SlipEncoding};
use crate::delivery::submission::TicketReceipt;
use crate::hall::ticket::{TicketNumber, TrackingToken, tracking_link};
use crate::hall::workdays::WorkCalendar;
use layout::Paper;
use transport::Target;

/// Which receipt it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlipKind {
    /// A 办不成事 complaint: "办不成事反映回执".
    Complaint,
    /// A bad rating's follow-up ticket: "服务评价回执".
    RatingFollowUp,
}

/// What goes on one slip. Debug leaves the link (and its token) out.
#[derive(Clone)]
pub struct Slip {
    /// Which receipt.
    pub kind: SlipKind,
    /// The ticket number, as printed.
    pub number: String,
    /// The tracking link with its secret token; printed only inside the QR code.
    link: String,
    /// The promised reply date.
    pub reply_due: NaiveDate,
    /// Working days the reply may take (the promise in words).
    pub working_days: u32,
    /// When the ticket was issued (local time), printed at the bottom.
    pub issued_at: NaiveDateTime,
    /// The language the citizen used.
    pub language: Language,
}

impl Slip {
    /// The slip for a ticket the screen shows.
    pub fn from_ticket(
        ticket: &TicketReceipt,
        kind: SlipKind,
        working_days: u32,
        issued_at: NaiveDateTime,
        language: Language,
    ) -> Slip {
        Slip {
            kind,
            number: ticket.number.as_str().to_string(),
            link: ticket.link.clone(),
            reply_due: ticket.reply_due,
            working_days,
            issued_at,
            language,
        }
    }

    /// A sample complaint slip for this hall (`print-test`): sequence 0 of today (no real
    /// ticket has it), a fixed sample token, the simple-matter deadline.
    pub fn sample(config: &LoadedConfig, now: NaiveDateTime, language: Language) -> Slip {
        let c = &config.config;
        let today = now.date();
        let number = TicketNumber::new(&c.kiosk.hall_code, &c.kiosk.id, today, 0);
        let token = TrackingToken::from_link("SAMPLE-q7Jc2mN0x3Wb9FvK1sTz");
        let days = c.deadlines.simple_working_days;
        Slip {
            kind: SlipKind::Complaint,
            link: tracking_link(&c.tracking.base_url, &number, &token),
            number: number.as_str().to_string(),
            reply_due: WorkCalendar::from_config(config).add_working_days(today, days),
            working_days: days,
            issued_at: now,
            language,
        }
    }

    /// The tracking link, token included: for the QR code only.
    pub fn link(&self) -> &str {
        &self.link
    }
}

impl fmt::Debug for Slip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slip")
            .field("kind", &self.kind)
            .field("number", &self.number)
            .field("link", &"<secret>")
            .field("reply_due", &self.reply_due)
            .finish_non_exhaustive()
    }
}

/// What the slip shows besides the ticket, from the hall's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipSettings {
    /// The hall's name in Chinese.
    pub hall_name: String,
    /// The hall's name in English, for English slips; the Chinese one when absent.
    pub hall_name_en: Option<String>,
    /// The hall's phone number for questions, when configured.
    pub hall_phone: Option<String>,
    /// Paper width.
    pub paper: Paper,
    /// How text is encoded for the printer.
    pub encoding: SlipEncoding,
}

impl SlipSettings {
    /// From the config's `[kiosk]` and `[printer]`; without a printer: 58 mm, GB18030, no
    /// phone (what `print-test --out/--preview` uses).
    pub fn from_config(config: &LoadedConfig) -> SlipSettings {
        let printer = config.config.printer.as_ref();
        SlipSettings {
            hall_name: config.hall_name(Language::ZhCn).to_string(),
            hall_name_en: config.config.kiosk.hall_name_en.clone(),
            hall_phone: printer.map(|p| p.hall_phone.clone()),
            paper: Paper::from_mm(printer.map_or(58, |p| p.paper_mm)),
            encoding: printer.map(|p| p.encoding).unwrap_or_default(),
        }
    }

    /// The exact bytes a printer receives for `slip`.
    pub fn escpos(&self, slip: &Slip) -> Vec<u8> {
        escpos::encode(&layout::layout(slip, self), self.encoding)
    }
}

/// How a print ended. The screen turns it into a message; all but `Printed` and `Busy`
/// also raise the `PRN` staff alert. The ticket is in the outbox whatever happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintOutcome {
    /// The printer took the whole slip (and, where it answers, still had paper after it).
    Printed,
    /// The printer reports its paper has run out ("please photograph the code or ask the staff").
    NoPaper,
    /// No printer there: unplugged, switched off, cover open, connection refused.
    Offline,
    /// The printer did not finish or answer within `timeout_secs`.
    TimedOut,
    /// Another slip is still printing; this one was not sent.
    Busy,
    /// Anything else, with the reason (for the journal; no personal data).
    Failed(String),
}

impl PrintOutcome {
    /// The staff alert code this outcome raises: `PRN` when the printer needs a person.
    pub fn staff_alert(&self) -> Option<&'static str> {
        match self {
            PrintOutcome::Printed | PrintOutcome::Busy => None,
            _ => Some("PRN"),
        }
    }

    /// Whether the citizen has the slip in hand.
    pub fn is_printed(&self) -> bool {
        *self == PrintOutcome::Printed
    }
}

/// Holds the printer's "printing now" flag; clears it when dropped, even on a panic.
struct Printing<'a>(&'a AtomicBool);

impl<'a> Printing<'a> {
    fn start(flag: &'a AtomicBool) -> Option<Printing<'a>> {
        (!flag.swap(true, Ordering::AcqRel)).then_some(Printing(flag))
    }
}

impl Drop for Printing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// What [`Printer::print_in_background`] calls when the slip is done; shared with the
/// spawning code so it is still called if the thread cannot start.
type OnDone = Box<dyn FnOnce(PrintOutcome) + Send>;

/// The hall's receipt printer. Cheap to clone; clones share the "printing now" flag.
#[derive(Debug, Clone)]
pub struct Printer {
    target: Target,
    settings: SlipSettings,
    timeout: Duration,
    read_status: bool,
    /// Set while a slip is on its way, so two taps never interleave two jobs.
    busy: Arc<AtomicBool>,
}

impl Printer {
    /// The configured printer; `None` when `[printer]` is absent (no print button).
    pub fn from_config(config: &LoadedConfig) -> Option<Printer> {
        let p = config.config.printer.as_ref()?;
        let target = match (&p.device, &p.address) {
            (Some(device), _) => Target::Device(config.resolve(device)),
            (None, Some(address)) => Target::Tcp(address.clone()),
            (None, None) => return None,
        };
        Some(Printer {
            target,
            settings: SlipSettings::from_config(config),
            timeout: Duration::from_secs(p.timeout_secs.into()),
            read_status: p.read_status,
            busy: Arc::new(AtomicBool::new(false)),
        })
    }

    /// What the slip shows and how it is encoded.
    pub fn settings(&self) -> &SlipSettings {
        &self.settings
    }

    /// Prints `slip` on this thread, within the configured timeout. For the CLI and
    /// tests; the screens use [`Printer::print_in_background`].
    pub fn print_blocking(&self, slip: &Slip) -> PrintOutcome {
        let Some(_printing) = Printing::start(&self.busy) else { return PrintOutcome::Busy };
        let job = self.settings.escpos(slip);
        let outcome = transport::send(&self.target, &job, self.read_status, self.timeout);
        match &outcome {
            PrintOutcome::Printed => tracing::info!(ticket = %slip.number, "slip printed"),
            PrintOutcome::Failed(why) => tracing::warn!(ticket = %slip.number, why, "slip not printed"),
            other => tracing::warn!(ticket = %slip.number, outcome = ?other, "slip not printed"),
        }
        outcome
    }

    /// Prints `slip` on a worker thread and calls `on_done` there with the outcome, at the
    /// latest `timeout_secs` later. Returns at once. `on_done` runs off the UI thread: hand
    /// the outcome to the event loop (`slint::invoke_from_event_loop`).
    pub fn print_in_background(&self, slip: Slip, on_done: impl FnOnce(PrintOutcome) + Send + 'static) {
        let printer = self.clone();
        let callback: Arc<Mutex<Option<OnDone>>> = Arc::new(Mutex::new(Some(Box::new(on_done))));
        let in_thread = callback.clone();
        let spawned = std::thread::Builder::new().name("slip-printer".into()).spawn(move || {
            let outcome = printer.print_blocking(&slip);
            if let Some(done) = in_thread.lock().ok().and_then(|mut c| c.take()) {
                done(outcome);
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the printing thread");
            if let Some(done) = callback.lock().ok().and_then(|mut c| c.take()) {
                done(PrintOutcome::Failed(format!("cannot start the printing thread: {e}")));
            }
        }
    }
}
