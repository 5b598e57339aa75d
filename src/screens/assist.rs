//! "Call staff": a button on every screen queues an `assist` submission (kiosk, screen,
//! time) that the central server forwards to the duty staff, and tells the citizen that
//! someone is coming. Presses within a minute of the last request are the same request.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::ComponentHandle;

use crate::delivery::protocol::AssistPayload;
use crate::delivery::submission::Submitter;
use crate::screens::ui::{AppWindow, Assist, Complaint, Page, Rating, Shell};

/// Presses closer together than this are one request.
pub const REPEAT_WINDOW: Duration = Duration::from_secs(60);

/// The call-staff controller.
pub struct StaffCall {
    window: slint::Weak<AppWindow>,
    submitter: Option<Rc<Submitter>>,
    /// When the last request was queued.
    last_request: Cell<Option<Instant>>,
}

impl StaffCall {
    /// Wires the `Assist` global's callbacks.
    pub fn install(window: &AppWindow, submitter: Option<Rc<Submitter>>) -> Rc<StaffCall> {
        let call = Rc::new(StaffCall { window: window.as_weak(), submitter, last_request: Cell::new(None) });
        let g = window.global::<Assist>();
        let weak = Rc::downgrade(&call);
        g.on_call_staff(move || {
            if let Some(c) = weak.upgrade() {
                c.call(Instant::now());
            }
        });
        let weak = Rc::downgrade(&call);
        g.on_dismiss(move || {
            if let Some(c) = weak.upgrade() {
                c.dismiss();
            }
        });
        call
    }

    /// Closes the notice (the session ended, or the citizen tapped OK).
    pub fn dismiss(&self) {
        if let Some(w) = self.window.upgrade() {
            w.global::<Assist>().set_notice_visible(false);
        }
    }

    /// While the notice is up, asks the outbox whether the call has reached the server.
    pub fn check_delivery(&self, submitter: &Submitter) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Assist>();
        let id = g.get_submission_id();
        if !g.get_notice_visible() || g.get_delivered() || id.is_empty() {
            return;
        }
        match submitter.outbox().is_delivered(&id) {
            Ok(delivered) => g.set_delivered(delivered),
            Err(e) => tracing::warn!(error = %e, "cannot read the staff call's delivery state"),
        }
    }

    /// A press at `now`: queue a request unless one went out within the last minute.
    pub fn call(&self, now: Instant) {
        let Some(w) = self.window.upgrade() else { return };
        let recent = is_repeat(self.last_request.get(), now);
        let mut failed = false;
        if !recent {
            let payload = AssistPayload { screen: screen_name(&w) };
            match self.submitter.as_ref().map(|s| s.assist(&payload)) {
                Some(Ok(receipt)) => {
                    tracing::info!(id = %receipt.id, screen = %payload.screen, "staff called to the kiosk");
                    self.last_request.set(Some(now));
                    let g = w.global::<Assist>();
                    g.set_submission_id(receipt.id.to_string().into());
                    g.set_delivered(false);
                }
                Some(Err(e)) => {
                    tracing::error!(error = %e, "staff call not queued; citizen sent to the help window");
                    failed = true;
                }
                None => failed = true,
            }
        }
        let g = w.global::<Assist>();
        g.set_failed(failed);
        g.set_notice_visible(true);
    }
}

/// Whether a press at `now` is the same request as the one queued at `last`: within
/// [`REPEAT_WINDOW`] of it. After the window every press calls again.
pub fn is_repeat(last: Option<Instant>, now: Instant) -> bool {
    last.is_some_and(|t| now.saturating_duration_since(t) < REPEAT_WINDOW)
}

/// Where the citizen is, in words staff understand: `complaint/3`, `rating/2`, `home`.
fn screen_name(w: &AppWindow) -> String {
    match w.global::<Shell>().get_page() {
        Page::Home => "home".into(),
        Page::Help => "help".into(),
        Page::Complaint => format!("complaint/{}", w.global::<Complaint>().get_step()),
        Page::Rating => format!("rating/{}", w.global::<Rating>().get_step()),
        Page::Ticket => "ticket".into(),
        Page::Thanks => "thanks".into(),
        Page::StaffPin | Page::Staff => "staff".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_request_a_minute_and_a_new_one_after_it() {
        let t0 = Instant::now();
        assert!(!is_repeat(None, t0), "the first press calls");
        assert!(is_repeat(Some(t0), t0), "a double tap is one request");
        assert!(is_repeat(Some(t0), t0 + Duration::from_secs(59)), "59 s later: the same request");
        assert!(!is_repeat(Some(t0), t0 + REPEAT_WINDOW), "after a minute: a new request");
        assert!(!is_repeat(Some(t0), t0 + Duration::from_secs(3600)), "and an hour later too");
        // A clock that went backwards never makes every later press a repeat forever.
        assert!(is_repeat(Some(t0 + Duration::from_secs(10)), t0));
    }
}
