//! The ticket screen: shows a queued submission's ticket (number, QR code of the tracking
//! link, reply date) and, while it is up, whether the server has confirmed it yet.
//!
//! The raw tracking token reaches the screen only inside the QR image and is dropped with
//! the session; nothing here stores it.

use chrono::{Datelike, NaiveDate};
use slint::{ComponentHandle, Image};

use crate::delivery::submission::TicketReceipt;
use crate::screens::qr_image;
use crate::screens::ui::{AppWindow, CalendarDate, Page, Shell, Ticket};

/// Pixels per QR module: a version-5 code (the length of our links) comes out ~370 px.
const QR_SCALE: u32 = 8;

/// Puts a ticket on screen. `submission_id` lets the screen learn when it is delivered;
/// `follow_up` marks a bad rating's ticket (otherwise a complaint's).
pub fn show(
    window: &AppWindow,
    submission_id: &str,
    ticket: &TicketReceipt,
    working_days: u32,
    follow_up: bool,
) {
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
    window.global::<Shell>().set_page(Page::Ticket);
}

/// Removes the ticket from the screen (the session ended).
pub fn clear(window: &AppWindow) {
    let g = window.global::<Ticket>();
    g.set_number("".into());
    g.set_qr(Image::default());
    g.set_submission_id("".into());
    g.set_delivered(false);
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
