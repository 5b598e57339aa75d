//! # hall-kiosk
//!
//! Firmware of the self-service touchscreen in a government service hall: citizens report
//! a matter that could not get done (办不成事) and rate the service they received (好差评),
//! without queuing at a window. Licensed GPL-3.0-only.
//!
//! # Layout
//! - [`config`]: the hall's `kiosk.toml`, parsed into typed structs and validated; every
//!   problem names its file, line and field.
//! - [`ui`]: the Slint UI compiled from `ui/app.slint`; Rust talks to it only through its
//!   globals (`Theme`, `Shell`, `Idle`, ...).
//! - [`app`]: the application: fills the UI from the config, keeps the clock, owns the
//!   citizen's session and its reset.
//! - [`complaint`]: the complaint flow: the citizen's draft, step by step, to a ticket.
//! - [`flow`]: what the guided flows share: callback wiring, tile lists, matter order.
//! - [`rating`]: the service-rating flow (好差评): five levels, reasons, follow-up, repeats.
//! - [`ticket_view`]: the ticket screen: number, QR code, reply date, delivery state.
//! - [`idle`]: the "still there?" countdown and the wipe when nobody answers.
//! - [`screenshot`]: renders any screen to PNG without a display.
//! - [`display`]: finds out whether there is a screen to run on.
//! - [`panel`]: makes the window fill the touch panel, pointer hidden.
//! - [`phone`]: mainland mobile numbers: validation and masking (never logged in full).
//! - [`phone_entry`]: the phone-number entry shared by the flows (digits, consent, mask).
//! - [`qr`]: draws a ticket's QR code into an image Slint can show.
//! - [`ticket`]: ticket numbers (with a check character) and tracking tokens.
//! - [`protocol`]: the wire format to the central server (`docs/protocol.md`).
//! - [`submission`]: the one path from a confirmed screen to the outbox: ticket, reply
//!   date, exact body.
//! - [`outbox`]: the durable on-disk queue (SQLite); nothing in it is lost or dropped.
//! - [`uplink`]: the tokio task that delivers the outbox to the server, with retries.
//! - [`operator`]: the `queue` and `simulate` subcommands for hall operators.
//! - [`assist`]: "call staff": an `assist` submission, one per minute, and the notice.
//! - [`staff_alert`]: the on-screen line that tells staff the kiosk needs attention.
//! - [`voice`]: spoken prompts in elder mode (rodio on its own thread; silent without a
//!   sound card).
//! - [`workdays`]: working-day arithmetic with the hall's holiday calendar (reply dates).
//!
//! `src/main.rs` is only the command line; everything it does is in this library, so the
//! tests drive the same code.

pub mod app;
pub mod assist;
pub mod complaint;
pub mod config;
pub mod display;
pub mod flow;
pub mod idle;
pub mod operator;
pub mod outbox;
pub mod panel;
pub mod phone;
pub mod phone_entry;
pub mod protocol;
pub mod qr;
pub mod rating;
pub mod screenshot;
pub mod staff_alert;
pub mod submission;
pub mod ticket;
pub mod ticket_view;
pub mod ui;
pub mod uplink;
pub mod voice;
pub mod workdays;
