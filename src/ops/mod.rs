//! Commands for hall operators, run from a shell on the kiosk: `hall-kiosk queue
//! status|flush|export|retry-dead` ([`queue`]), `hall-kiosk simulate` ([`simulate`]) and
//! `hall-kiosk print-test` ([`print_test`]), `hall-kiosk ime` ([`ime`]: the keyboard's
//! candidates without a screen), plus the check whether there is a display at
//! all ([`display`]). They open the same outbox and use the same submission path, uplink
//! and slip printer as the kiosk itself; `main.rs` only dispatches here.
//!
//! Belongs here: the operator's side of the kiosk. This layer may use every other one;
//! nothing else uses it.

use std::io::Write;
use std::path::PathBuf;

use crate::config::{ConfigError, LoadedConfig};
use crate::delivery::outbox::{ExportError, OpenReport, Outbox, OutboxError};
use crate::delivery::submission::SubmitError;
use crate::delivery::uplink::{DeliveryEvent, UplinkError};

/// `println!` for operator commands: see [`say`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::ops::say(format_args!($($arg)*)) };
}

pub mod display;
pub mod ime;
pub mod print_test;
pub mod queue;
pub mod simulate;

pub use ime::{ImeArgs, ime};
pub use print_test::{PrintTestArgs, print_test};
pub use queue::{QueueCommand, queue};
pub use simulate::{SimulateArgs, sample_complaint, sample_rating, simulate};

/// An operator command failed; the message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The configuration cannot be used.
    #[error("the configuration cannot be used:\n{0}")]
    Config(#[from] ConfigError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The uplink cannot start.
    #[error(transparent)]
    Uplink(#[from] UplinkError),
    /// Export failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A simulated submission was refused.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The command line is incomplete.
    #[error("{0}")]
    Usage(String),
}

/// Opens the outbox the way the kiosk does (creating it, moving a corrupt one aside):
/// for `simulate`, which stands in for the kiosk.
pub(crate) fn open(config: &LoadedConfig) -> Result<Outbox, OperatorError> {
    let (outbox, report) = Outbox::open(&config.data_dir())?;
    warn_moved_aside(&report);
    Ok(outbox)
}

pub(crate) fn warn_moved_aside(report: &OpenReport) {
    if let Some(aside) = &report.moved_aside {
        eprintln!(
            "WARNING: the outbox database was corrupt ({}); it was moved to {} and a fresh one started. \
             Hand the old file to support: what it held was not delivered.",
            report.reason.as_deref().unwrap_or_default(),
            aside.display()
        );
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, OperatorError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| OperatorError::Uplink(UplinkError::Thread(e)))
}

/// One line per delivery result, for `flush` and `simulate`.
pub(crate) fn print_event(event: &DeliveryEvent) {
    let line = match event {
        DeliveryEvent::Delivered { id, ticket, status } => {
            format!("delivered {id} {} {status}", ticket.as_deref().unwrap_or("-"))
        }
        DeliveryEvent::Retry { id, error } => format!("retry {id} {error}"),
        DeliveryEvent::CredentialsRejected { id, status } => {
            format!("credentials-rejected {id} {status} (fix the token file; nothing is lost)")
        }
        DeliveryEvent::NotTheServer { id, status } => {
            format!("not-the-server {id} {status} (check [server] base_url; nothing is lost)")
        }
        DeliveryEvent::DeadLettered { id, status, reason } => {
            format!("dead {id} {status} {reason}")
        }
    };
    say!("{line}");
}

/// Prints one line on standard output. When the reader has gone away (`queue status |
/// head -1`), the command ends quietly with status 141, as a Unix tool stopped by SIGPIPE
/// does, instead of panicking; everything it did so far is committed.
pub fn say(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(line).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
    if let Err(e) = written
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(141);
    }
}
