//! `hall-kiosk simulate`: sample submissions through the screens' own path, delivered by
//! the kiosk's own uplink, for demos and soak tests.

use std::path::Path;
use std::time::Duration;

use super::{OperatorError, open, print_event, runtime};
use crate::config::{self, Language, LoadedConfig, Polarity};
use crate::delivery::protocol::{ComplaintPayload, Personal, RatingPayload};
use crate::delivery::submission::{Receipt, Submitter};
use crate::delivery::uplink::{Uplink, UplinkSettings};

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

/// Sample complaint number `i`, using the hall's own problem types, departments and matters.
pub fn sample_complaint(config: &LoadedConfig, i: u32) -> ComplaintPayload {
    let c = &config.config;
    let pick = |n: usize| (i as usize) % n.max(1);
    let matter = c.matters.get(pick(c.matters.len()));
    let with_phone = i.is_multiple_of(3);
    let problem = &c.problem_types[pick(c.problem_types.len())];
    let department = matter.map(|m| m.department.clone());
    // A complaint of being sent back and forth names two further departments.
    let other_departments = if problem.id == "pushed-between-departments" {
        c.departments
            .iter()
            .map(|d| d.id.clone())
            .filter(|d| Some(d) != department.as_ref())
            .take(2)
            .collect()
    } else {
        Vec::new()
    };
    ComplaintPayload {
        problem_type: problem.id.clone(),
        department,
        other_departments,
        matter: matter.map(|m| m.id.clone()),
        details: problem.phrases.iter().take(i as usize % 3).map(|p| p.id.clone()).collect(),
        visits: (i % 3 + 1) as u8,
        free_text: i.is_multiple_of(2).then(|| Personal(format!("模拟投诉 {i}: 材料要求前后不一致。"))),
        unlisted_matter: None,
        other_problem: None,
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
        comment: None,
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
                            say!("done: 0 pending, {} dead letters", stats.dead_letters);
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
        say!("queued {} {} {ticket}", receipt.id, receipt.kind);
        if let (true, Some(t)) = (args.show_links, &receipt.ticket) {
            say!("link {} {}", t.number, t.link);
        }
        if let Some(p) = pause {
            std::thread::sleep(p);
        }
    }
    Ok(())
}
