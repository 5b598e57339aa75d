//! Commands for hall operators: `hall-kiosk queue status|flush|export|retry-dead` and
//! `hall-kiosk simulate`. They open the same outbox and use the same submission path and
//! uplink as the kiosk itself; `main.rs` only dispatches here.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{self, ConfigError, Language, LoadedConfig, Polarity};
use crate::outbox::{DeadSelector, ExportError, Outbox, OutboxError};
use crate::protocol::{ComplaintPayload, Personal, RatingPayload};
use crate::submission::{Receipt, SubmitError, Submitter};
use crate::uplink::{DeliveryEvent, Uplink, UplinkError, UplinkSettings, rfc3339};

/// `hall-kiosk queue ...`
#[derive(Debug, clap::Subcommand)]
pub enum QueueCommand {
    /// Pending and dead-letter counts, the oldest pending submission, the last delivery.
    Status,
    /// Try to deliver every pending submission now; print each result.
    Flush,
    /// Write every pending and dead-letter submission to a JSON Lines file, to carry to
    /// the central side by hand (it imports them idempotently by id).
    Export {
        /// Output file (created with mode 0600: it holds personal data).
        #[arg(long)]
        out: PathBuf,
    },
    /// Put dead letters back in the queue once the cause is fixed.
    RetryDead {
        /// The submission id to retry.
        id: Option<String>,
        /// Retry every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

/// `hall-kiosk simulate ...`
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Complaints to create.
    #[arg(long, default_value_t = 0)]
    pub complaints: u32,
    /// Ratings to create (every fifth one is bad and gets a ticket).
    #[arg(long, default_value_t = 0)]
    pub ratings: u32,
    /// Submissions per second (default: as fast as the disk commits them).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Also print each ticket's tracking link (demo only: the link holds the secret token,
    /// which the kiosk otherwise shows only to the citizen).
    #[arg(long)]
    pub show_links: bool,
}

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

fn open(config: &LoadedConfig) -> Result<Outbox, OperatorError> {
    let (outbox, report) = Outbox::open(&config.data_dir())?;
    if let Some(aside) = report.moved_aside {
        eprintln!(
            "WARNING: the outbox database was corrupt ({}); it was moved to {} and a fresh one started. \
             Hand the old file to support: what it held was not delivered.",
            report.reason.unwrap_or_default(),
            aside.display()
        );
    }
    Ok(outbox)
}

fn runtime() -> Result<tokio::runtime::Runtime, OperatorError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| OperatorError::Uplink(UplinkError::Thread(e)))
}

/// Runs a `queue` subcommand.
pub fn queue(config_path: &Path, command: QueueCommand) -> Result<(), OperatorError> {
    let config = config::load(config_path)?;
    let outbox = open(&config)?;
    match command {
        QueueCommand::Status => {
            let s = outbox.stats()?;
            let when = |ms: Option<i64>| ms.map(rfc3339).unwrap_or_else(|| "-".into());
            println!("pending: {}", s.pending);
            println!("dead letters: {}", s.dead_letters);
            println!("oldest pending: {}", when(s.oldest_pending_ms));
            println!("last delivery: {}", when(s.last_delivery_ms));
            for d in outbox.dead_letters()? {
                println!(
                    "dead {} {} {} {}: {}",
                    d.id,
                    d.kind,
                    d.ticket.as_deref().unwrap_or("-"),
                    d.status,
                    d.reason
                );
            }
        }
        QueueCommand::Flush => {
            let mut uplink = Uplink::new(outbox, UplinkSettings::from_config(&config)?)?;
            let stats = runtime()?.block_on(uplink.flush(print_event))?;
            println!("pending: {}, dead letters: {}", stats.pending, stats.dead_letters);
        }
        QueueCommand::Export { out } => {
            let io = |source| OperatorError::Io { path: out.clone(), source };
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&out)
                .map_err(io)?;
            let mut writer = std::io::BufWriter::new(file);
            let n = outbox.export(&mut writer)?;
            writer.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
            println!("{n} submissions written to {}", out.display());
        }
        QueueCommand::RetryDead { id, all } => {
            let which = match (id, all) {
                (Some(id), false) => DeadSelector::Id(id),
                (None, true) => DeadSelector::All,
                _ => return Err(OperatorError::Usage("give a submission id or --all".into())),
            };
            let n = outbox.retry_dead(&which)?;
            println!("{n} dead letters queued again");
        }
    }
    Ok(())
}

/// One line per delivery result, for `flush` and `simulate`.
fn print_event(event: &DeliveryEvent) {
    let line = match event {
        DeliveryEvent::Delivered { id, ticket, status } => {
            format!("delivered {id} {} {status}", ticket.as_deref().unwrap_or("-"))
        }
        DeliveryEvent::Retry { id, error } => format!("retry {id} {error}"),
        DeliveryEvent::CredentialsRejected { id, status } => {
            format!("credentials-rejected {id} {status} (fix the token file; nothing is lost)")
        }
        DeliveryEvent::DeadLettered { id, status, reason } => {
            format!("dead {id} {status} {reason}")
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Sample complaint number `i`, using the hall's own problem types, departments and matters.
pub fn sample_complaint(config: &LoadedConfig, i: u32) -> ComplaintPayload {
    let c = &config.config;
    let pick = |n: usize| (i as usize) % n.max(1);
    let matter = c.matters.get(pick(c.matters.len()));
    let with_phone = i.is_multiple_of(3);
    let problem = &c.problem_types[pick(c.problem_types.len())];
    ComplaintPayload {
        problem_type: problem.id.clone(),
        department: matter.map(|m| m.department.clone()),
        matter: matter.map(|m| m.id.clone()),
        details: problem.phrases.iter().take(i as usize % 3).map(|p| p.id.clone()).collect(),
        visits: (i % 3 + 1) as u8,
        free_text: i.is_multiple_of(2).then(|| Personal(format!("模拟投诉 {i}: 材料要求前后不一致。"))),
        phone: with_phone.then(|| Personal(format!("1380000{:04}", i % 10_000))),
        callback_requested: with_phone,
        consent_given: with_phone,
        language: if i.is_multiple_of(5) { Language::En } else { Language::ZhCn },
    }
}

/// Sample rating number `i`. Over every 20 ratings the spread is the one halls report
/// (mostly 非常满意, a few bad ones): ten 5s, five 4s, two 3s, two 2s and one 1. Reasons come
/// from the hall's own list; every bad rating has at least one, and every other one leaves
/// a phone number with consent.
pub fn sample_rating(config: &LoadedConfig, i: u32) -> RatingPayload {
    const LEVELS: [u8; 20] = [5, 5, 4, 5, 3, 5, 4, 2, 5, 5, 4, 5, 1, 5, 4, 3, 5, 4, 2, 5];
    let c = &config.config;
    let window = c.windows.get(i as usize % c.windows.len().max(1));
    let level = LEVELS[i as usize % LEVELS.len()];
    let bad = level <= RatingPayload::BAD_AT_OR_BELOW;
    let wanted = if level >= 4 { Polarity::Praise } else { Polarity::Criticism };
    let reasons: Vec<&str> =
        c.rating_reasons.iter().filter(|r| r.polarity == wanted).map(|r| r.id.as_str()).collect();
    let count = if bad { 1 + i as usize % 2 } else { i as usize % 3 };
    let tags = (0..count.min(reasons.len()))
        .map(|k| reasons[(i as usize + k) % reasons.len()].to_string())
        .collect();
    let with_phone = bad && i.is_multiple_of(2);
    RatingPayload {
        window: window.map(|w| w.number.clone()).unwrap_or_else(|| "1".into()),
        staff_id: window.and_then(|w| w.staff.first()).map(|s| s.id.clone()),
        matter: None,
        level,
        tags,
        probable_repeat: false,
        phone: with_phone.then(|| Personal(format!("1390000{:04}", i % 10_000))),
        callback_requested: with_phone,
        consent_given: with_phone,
    }
}

/// Runs `simulate`: queues sample submissions through the screens' own path, printing a
/// line as each commits, and delivers until nothing is pending (or Ctrl-C).
pub fn simulate(config_path: &Path, args: &SimulateArgs) -> Result<(), OperatorError> {
    let config = config::load(config_path)?;
    let outbox = open(&config)?;
    let mut uplink = Uplink::new(outbox.another_connection()?, UplinkSettings::from_config(&config)?)?;
    let mut events = uplink.events();
    let submitter = Submitter::new(&config, outbox);
    let rt = runtime()?;
    rt.block_on(async move {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let delivering = tokio::spawn(uplink.run(async {
            let _ = stopped.await;
        }));
        let args = args.clone();
        let mut producing =
            tokio::task::spawn_blocking(move || produce(&config, &submitter, &args).map(|()| submitter));
        let mut submitter = None;
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        let result = loop {
            tokio::select! {
                _ = &mut ctrl_c => break Ok(()),
                done = &mut producing, if submitter.is_none() => match done {
                    Ok(Ok(s)) => submitter = Some(s),
                    Ok(Err(e)) => break Err(e),
                    Err(e) => break Err(OperatorError::Usage(format!("the producer failed: {e}"))),
                },
                Some(event) = events.recv() => print_event(&event),
                _ = tick.tick() => {
                    if let Some(s) = &submitter {
                        let stats = s.outbox().stats()?;
                        if stats.pending == 0 {
                            while let Ok(event) = events.try_recv() {
                                print_event(&event);
                            }
                            println!("done: 0 pending, {} dead letters", stats.dead_letters);
                            break Ok(());
                        }
                    }
                }
            }
        };
        let _ = stop.send(());
        let _ = delivering.await;
        result
    })
}

fn produce(config: &LoadedConfig, submitter: &Submitter, args: &SimulateArgs) -> Result<(), OperatorError> {
    let pause = args.rate.filter(|r| *r > 0.0).map(|r| Duration::from_secs_f64(1.0 / r));
    let total = args.complaints + args.ratings;
    for i in 0..total {
        let receipt: Receipt = if i < args.complaints {
            submitter.complaint(&sample_complaint(config, i))?
        } else {
            submitter.rating(&sample_rating(config, i - args.complaints))?
        };
        let ticket = receipt.ticket.as_ref().map(|t| t.number.to_string()).unwrap_or_else(|| "-".into());
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "queued {} {} {ticket}", receipt.id, receipt.kind);
            if let (true, Some(t)) = (args.show_links, &receipt.ticket) {
                let _ = writeln!(out, "link {} {}", t.number, t.link);
            }
        }
        if let Some(p) = pause {
            std::thread::sleep(p);
        }
    }
    Ok(())
}
