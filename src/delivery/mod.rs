//! The delivery path, from a confirmed screen to the central server:
//! [`submission`] (one path for every submission: id, ticket, exact body) →
//! [`outbox`] (durable SQLite queue) → [`uplink`] (tokio task, retries, heartbeat),
//! speaking the wire format of [`protocol`] (`docs/protocol.md`); [`status`] gathers the
//! figures that `queue status` prints and the staff panel shows.
//!
//! Belongs here: everything that stores or sends a submission.
//! Must not: touch Slint or anything in `screens` or `ops` (checked by
//! `tests/layers.rs`); the UI talks to this layer, never the other way round.

pub mod outbox;
pub mod protocol;
pub mod run_state;
pub mod status;
pub mod submission;
pub mod uplink;
