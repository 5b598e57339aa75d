//! Power cuts: `hall-kiosk simulate` is killed with SIGKILL at random moments, 55 times,
//! and restarted on the same data directory each time. At the end the server holds every
//! submission exactly once: nothing committed is lost, nothing is counted twice.

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hall_kiosk::delivery::outbox::Outbox;

const KILLS: usize = 55;

fn simulate(config: &std::path::Path, complaints: u32, ratings: u32) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["--config", config.to_str().unwrap(), "simulate"])
        .args(["--complaints", &complaints.to_string(), "--ratings", &ratings.to_string(), "--rate", "400"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The ids the run reported as committed ("queued ID KIND TICKET" lines).
fn queued_ids(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("queued "))
        .filter_map(|l| l.split(' ').next())
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_fifty_five_times_every_submission_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let intake = common::intake(dir.path());
    let addr = common::serve(common::server::router(intake.clone())).await;
    let config = common::write_config(dir.path(), addr, common::TOKEN);

    let mut reported = Vec::new();
    for round in 0..KILLS {
        let mut child = simulate(&config, 3, 3);
        // Anywhere from start-up to mid-delivery.
        let delay = Duration::from_millis(getrandom::u64().unwrap() % 120);
        tokio::time::sleep(delay).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        reported.extend(queued_ids(&out));
        assert!(round < 5 || !reported.is_empty(), "simulate never got to queue anything");
    }

    // One last, uninterrupted run delivers whatever the killed runs left behind.
    let started = Instant::now();
    let mut last = simulate(&config, 1, 0);
    let status = loop {
        if let Some(status) = last.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the final run did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut out = String::new();
    last.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(status.success(), "{out}");
    assert!(out.contains("done: 0 pending"), "{out}");
    reported.extend(queued_ids(&out));

    let stored = intake.stored_ids();
    let stored_set: HashSet<&String> = stored.iter().collect();
    assert_eq!(stored_set.len(), stored.len(), "a submission was stored twice");
    assert_eq!(intake.counters.conflicts.load(Ordering::Relaxed), 0, "a retry was not byte-identical");
    for id in &reported {
        assert!(stored_set.contains(id), "{id} was reported queued but never arrived");
    }
    // Everything the kiosk committed (including rows committed just before a kill, before
    // their line was printed) is on the server, and the kiosk knows it was delivered.
    let (outbox, report) = Outbox::open(&dir.path().join("data")).unwrap();
    assert!(report.moved_aside.is_none(), "SIGKILL must never corrupt the outbox");
    let stats = outbox.stats().unwrap();
    assert_eq!((stats.pending, stats.dead_letters), (0, 0));
    let delivered: HashSet<String> = outbox.delivered().unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(delivered, stored.iter().cloned().collect::<HashSet<_>>());
    eprintln!(
        "{KILLS} kills: {} submissions stored once each ({} reported before a kill), {} replays",
        stored.len(),
        reported.len(),
        intake.counters.replayed.load(Ordering::Relaxed)
    );
}
