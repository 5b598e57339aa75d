//! What staff must see on the screen itself, not only in the journal: the server refuses
//! the kiosk's token, submissions were refused for good (dead letters), the outbox was
//! unreadable and moved aside, the disk refused a submission, the answers are not the
//! intake server's (`URL`), the delivery task had to be restarted (`UPLINK×n`), or the
//! printer failed (`PRN`), or the clock is wrong (`CLOCK`), or five wrong staff PINs locked
//! the staff panel (`PIN`), or the holiday calendar runs out within a month (`CAL`). Shown
//! as a red mark in the screen's top-left corner (`ui/widgets/staff_mark.slint`), which
//! takes no room from the page; the staff panel lists the short codes and
//! `hall-kiosk queue status` tells the rest.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use slint::{ComponentHandle, Timer, TimerMode};
use tokio::sync::watch;

use crate::delivery::submission::Submitter;
use crate::delivery::uplink::UplinkStatus;
use crate::hall::workdays::WorkCalendar;
use crate::screens::ui::{AppWindow, Shell};

/// How often the UI looks at the uplink's status (a non-blocking read of a watch channel).
const POLL: Duration = Duration::from_secs(5);

/// The conditions, as known on the UI thread.
#[derive(Debug, Default)]
pub struct StaffAlerts {
    /// The outbox database was unreadable at start and moved aside.
    pub outbox_moved_aside: Cell<bool>,
    /// The receipt printer failed its last slip (no paper, offline, no answer): `PRN`.
    /// Set from the printer's thread, cleared by the next good print.
    pub printer_fault: Arc<AtomicBool>,
    /// Five wrong staff PINs locked the staff panel (`PIN`), until the lockout ends.
    pub pin_lockout: Cell<bool>,
    /// The hall's working-day calendar, to say when next year's holidays are missing.
    pub calendar: WorkCalendar,
}

impl StaffAlerts {
    /// The short codes for the corner mark and the staff panel, e.g. `AUTH DEAD×2`; empty
    /// when all is well. `today` says whether the holiday calendar runs out within a month
    /// (`CAL`).
    pub fn codes(&self, status: Option<&UplinkStatus>, disk_full: bool, today: chrono::NaiveDate) -> String {
        let mut codes = Vec::new();
        if let Some(s) = status {
            if s.credentials_rejected {
                codes.push("AUTH".to_string());
            }
            if s.not_the_server {
                codes.push("URL".to_string());
            }
            if s.queue.dead_letters > 0 {
                codes.push(format!("DEAD×{}", s.queue.dead_letters));
            }
            if s.restarts > 0 {
                codes.push(format!("UPLINK×{}", s.restarts));
            }
            if s.clock_off {
                codes.push("CLOCK".to_string());
            }
        }
        if self.outbox_moved_aside.get() {
            codes.push("DB".into());
        }
        if disk_full {
            codes.push("DISK".into());
        }
        if self.printer_fault.load(Ordering::Relaxed) {
            codes.push("PRN".into());
        }
        if self.pin_lockout.get() {
            codes.push("PIN".into());
        }
        if self.calendar.needs_next_year(today) {
            codes.push("CAL".into());
        }
        codes.join(" ")
    }

    /// Publishes the codes now and then every few seconds from the uplink's status.
    pub fn watch(
        self: &Rc<Self>,
        window: &AppWindow,
        status: Option<watch::Receiver<UplinkStatus>>,
        submitter: Option<Rc<Submitter>>,
    ) -> Timer {
        let weak_window = window.as_weak();
        let alerts = self.clone();
        let update = move || {
            let Some(w) = weak_window.upgrade() else { return };
            let current = status.as_ref().map(|rx| rx.borrow().clone());
            let disk_full = submitter.as_ref().is_some_and(|s| s.disk_full());
            let today = chrono::Local::now().date_naive();
            w.global::<Shell>().set_staff_alert(alerts.codes(current.as_ref(), disk_full, today).into());
        };
        update();
        let timer = Timer::default();
        timer.start(TimerMode::Repeated, POLL, update);
        timer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_each_condition() {
        let alerts = StaffAlerts::default();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(alerts.codes(None, false, today), "");
        let mut status = UplinkStatus::default();
        assert_eq!(alerts.codes(Some(&status), false, today), "");
        status.credentials_rejected = true;
        status.queue.dead_letters = 2;
        alerts.outbox_moved_aside.set(true);
        assert_eq!(alerts.codes(Some(&status), true, today), "AUTH DEAD×2 DB DISK");
        status.restarts = 3;
        status.not_the_server = true;
        assert_eq!(alerts.codes(Some(&status), false, today), "AUTH URL DEAD×2 UPLINK×3 DB");
        alerts.printer_fault.store(true, Ordering::Relaxed);
        assert_eq!(alerts.codes(Some(&status), false, today), "AUTH URL DEAD×2 UPLINK×3 DB PRN");
        status.clock_off = true;
        assert_eq!(alerts.codes(Some(&status), false, today), "AUTH URL DEAD×2 UPLINK×3 CLOCK DB PRN");
        alerts.pin_lockout.set(true);
        assert!(alerts.codes(Some(&status), false, today).ends_with("PRN PIN"));
    }

    #[test]
    fn a_calendar_without_next_year_is_an_alert_from_december() {
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let alerts = StaffAlerts { calendar: WorkCalendar::new([day(10, 1)], []), ..StaffAlerts::default() };
        assert_eq!(alerts.codes(None, false, day(11, 30)), "");
        assert_eq!(alerts.codes(None, false, day(12, 1)), "CAL");
        alerts.pin_lockout.set(true);
        assert_eq!(alerts.codes(None, true, day(12, 24)), "DISK PIN CAL");
        assert_eq!(alerts.codes(None, true, day(11, 30)), "DISK PIN", "on 30 November: not yet");
    }
}
