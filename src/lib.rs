//! # hall-kiosk
//!
//! Firmware of the self-service touchscreen in a government service hall: citizens report
//! a matter that could not get done (办不成事) and rate the service they received (好差评),
//! without queuing at a window. Licensed GPL-3.0-only.
//!
//! # Layout
//! The modules sit in layers; each depends only on the layers below it, which
//! `tests/layers.rs` checks:
//!
//! ```text
//! ops/        operator commands (queue, simulate), display detection     uses everything
//! screens/    the Slint shell and one controller per flow                → delivery, hall
//! delivery/   protocol, submission, outbox, uplink: never touches Slint  → hall
//! input/      text entry engines: pinyin, handwriting, hall phrases       → hall
//! hall/       the hall's rules: tickets, working days, phones, QR        (pure)
//! config/     the hall's kiosk.toml, parsed and validated                 (below all)
//! ```
//!
//! - [`config`]: `kiosk.toml` into typed structs; every problem names file, line and field.
//! - [`hall`]: ticket numbers and tokens, working days, mobile numbers, QR modules.
//! - [`delivery`]: the wire format, the one submission path, the durable outbox and the
//!   uplink that delivers it to the central server.
//! - [`input`]: the engines behind the on-screen keyboard (pinyin, handwriting).
//! - [`screens`]: the app shell (window, session, idle reset) and the controllers that
//!   answer the UI's globals: complaint, rating, ticket, phone entry, call staff, voice,
//!   staff alerts, screenshots.
//! - [`ops`]: what hall operators run from a shell: `queue …`, `simulate`.
//!
//! `src/main.rs` is only the command line; everything it does is in this library, so the
//! tests drive the same code.

pub mod config;
pub mod delivery;
pub mod hall;
pub mod input;
pub mod ops;
pub mod screens;
