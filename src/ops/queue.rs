//! `hall-kiosk queue …`: the outbox as an operator sees it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{OperatorError, print_event, runtime, warn_moved_aside};
use crate::config;
use crate::delivery::outbox::{DeadSelector, Outbox};
use crate::delivery::status;
use crate::delivery::uplink::{Uplink, UplinkSettings};

/// `hall-kiosk queue ...`
#[derive(Debug, clap::Subcommand)]
pub enum QueueCommand {
    /// Pending and dead-letter counts, the oldest pending submission, the last delivery.
    Status,
    /// Deliver every pending submission now, waiting out transient failures, until nothing
    /// is pending or the timeout passes; print each result and a summary. Exits non-zero
    /// when anything is still pending or dead.
    Flush {
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Write every pending and dead-letter submission to a JSON Lines file, to carry to
    /// the central side by hand (it imports them idempotently by id).
    Export {
        /// Output file (created with mode 0600: it holds personal data).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check the outbox database and, if it is corrupt, move it aside and start a fresh
    /// one. Refused while the kiosk (or another command) has the outbox open.
    Repair,
    /// Put dead letters back in the queue once the cause is fixed.
    RetryDead {
        /// The submission id to retry.
        id: Option<String>,
        /// Retry every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

/// Runs a `queue` subcommand. Returns `false` when the command did its work but the queue
/// is not settled (`flush` left something pending or dead): the exit status says so.
pub fn queue(config_path: &Path, command: QueueCommand) -> Result<bool, OperatorError> {
    let config = config::load(config_path)?;
    let dir = config.data_dir();
    // Reading commands open read-only (they work on a full disk and write nothing); the
    // others never create or repair an outbox: that is the kiosk's job or `queue repair`.
    let outbox = match command {
        QueueCommand::Status | QueueCommand::Export { .. } => Outbox::open_read_only(&dir)?,
        QueueCommand::Repair => {
            let report = Outbox::repair(&dir)?;
            warn_moved_aside(&report);
            if report.moved_aside.is_none() {
                say!("the outbox is intact; nothing to repair");
            }
            return Ok(true);
        }
        QueueCommand::Flush { .. } | QueueCommand::RetryDead { .. } => Outbox::open_existing(&dir)?,
    };
    match command {
        QueueCommand::Repair => unreachable!("handled above"),
        QueueCommand::Status => {
            // The same figures, formatted the same way, as the staff panel shows.
            let report = status::gather(&config, &outbox)?;
            for (figure, value) in report.figures() {
                say!("{}: {value}", figure.cli_label());
            }
            for d in &report.dead_letters {
                say!(
                    "dead {} {} {} {}: {}",
                    d.id,
                    d.kind,
                    d.ticket.as_deref().unwrap_or("-"),
                    d.status,
                    d.reason
                );
            }
        }
        QueueCommand::Flush { timeout } => {
            let mut uplink = Uplink::new(outbox, UplinkSettings::from_config(&config)?)?;
            let stats = runtime()?.block_on(uplink.flush(Duration::from_secs(timeout), print_event))?;
            say!("pending: {}, dead letters: {}", stats.pending, stats.dead_letters);
            return Ok(stats.pending == 0 && stats.dead_letters == 0);
        }
        QueueCommand::Export { out } => {
            let n = outbox.export_to_file(&out)?;
            say!("{n} submissions written to {}", out.display());
        }
        QueueCommand::RetryDead { id, all } => {
            let which = match (id, all) {
                (Some(id), false) => DeadSelector::Id(id),
                (None, true) => DeadSelector::All,
                _ => return Err(OperatorError::Usage("give a submission id or --all".into())),
            };
            let n = outbox.retry_dead(&which)?;
            say!("{n} dead letters queued again");
        }
    }
    Ok(true)
}
