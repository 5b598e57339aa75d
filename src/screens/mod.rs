//! What the citizen sees: the Slint UI ([`ui`], compiled from `ui/app.slint`), the app
//! shell ([`app`]: window, session, clock) and one controller per flow or concern, each
//! answering one global of `ui/api/`.
//!
//! Belongs here: everything that touches Slint (and rodio for the spoken prompts).
//! Controllers own the drafts and hand confirmed submissions to `delivery`; they never
//! store or send anything themselves. Must not: use `ops` (checked by `tests/layers.rs`).
//!
//! - [`app`]: `KioskApp`: fills the UI from the config, keeps the clock, owns the session.
//! - [`complaint`]: the complaint flow, step by step, to a ticket.
//! - [`rating`]: the service-rating flow (好差评): levels, reasons, follow-up, repeats.
//! - [`flow`]: what the guided flows share: callback wiring, tile lists, matter order.
//! - [`keyboard`]: the on-screen keyboard: fields, layouts, pinyin candidates off the UI thread.
//! - [`phone_entry`]: the phone-number entry shared by the flows (digits, consent, mask).
//! - [`ticket_view`]: the ticket screen: number, QR code, reply date, delivery state.
//! - [`qr_image`]: a QR code painted into an image Slint can show.
//! - [`assist`]: "call staff": an `assist` submission, one per minute, and the notice.
//! - [`idle`]: the "still there?" countdown and the wipe when nobody answers.
//! - [`voice`]: spoken prompts in elder mode (rodio on its own thread).
//! - [`staff_alert`]: the codes behind the corner mark that tells staff the kiosk needs attention.
//! - [`staff`]: the staff panel behind a hidden gesture and the PIN: status, dead letters,
//!   deliver now, USB export, volume, screen test, restart; every action audited.
//! - [`panel`]: makes the window fill the touch panel, pointer hidden.
//! - [`staging`]: any screen with sample content, reached through the flows themselves.
//! - [`screenshot`]: renders any screen to PNG without a display.
//! - [`slip`]: the ticket on paper: layout, ESC/POS, the printer, a PNG preview.
//! - [`startup`]: start-up milestones, logged once the first frame is on screen.
//! - [`watchdog`]: systemd supervision from the UI thread (ready, watchdog pings, status).
//! - [`backend`]: picks the Slint backend: X11/Wayland window, or the panel's DRM display.

pub mod app;
pub mod assist;
pub mod backend;
pub mod complaint;
pub mod flow;
pub mod idle;
pub mod keyboard;
pub mod panel;
pub mod phone_entry;
pub mod qr_image;
pub mod rating;
pub mod screenshot;
pub mod slip;
pub mod staff;
pub mod staff_alert;
pub mod staging;
pub mod startup;
pub mod ticket_view;
pub mod ui;
pub mod voice;
pub mod watchdog;
