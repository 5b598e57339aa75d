//! The hall's rules, independent of screens and network: what a ticket number looks like,
//! when a reply is due, what a mainland mobile number is, how a tracking link becomes a QR
//! code.
//!
//! Belongs here: pure rules a hall's staff could state on paper, tested on their own.
//! Must not: touch Slint, the outbox, the network, or anything in `delivery`, `screens`
//! or `ops` (checked by `tests/layers.rs`). Only `config` is below this layer.

pub mod clock;
pub mod phone;
pub mod qr;
pub mod reach;
pub mod ticket;
pub mod workdays;
