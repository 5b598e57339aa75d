//! The fault soak: `hall-kiosk simulate` is killed with SIGKILL and restarted dozens of
//! times against a server that fails one request in five (500, 503 and 429 with
//! `Retry-After`, resets before and after storing), then one `queue flush` delivers the
//! rest. Every submission a run reported is stored exactly once, nothing stays pending or
//! dead, and no ticket number is issued twice.

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hall_kiosk::delivery::outbox::Outbox;

const KILLS: usize = 30;

fn simulate(config: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["--config", config.to_str().unwrap(), "simulate", "--complaints", "2", "--ratings", "3"])
        .args(["--rate", "200"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_runs_against_a_failing_server_then_one_flush_deliver_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let intake = common::intake(dir.path());
    let (router, flaky) = common::flaky::router(intake.clone(), 5);
    let addr = common::serve(router).await;
    let config = common::write_config(dir.path(), addr, common::TOKEN);

    let mut reported = Vec::new();
    for _ in 0..KILLS {
        let mut child = simulate(&config);
        // From start-up to well into delivery (and into waits for Retry-After).
        let delay = Duration::from_millis(getrandom::u64().unwrap() % 400);
        tokio::time::sleep(delay).await;
        child.kill().unwrap();
        child.wait().unwrap();
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        reported.extend(
            out.lines()
                .filter_map(|l| l.strip_prefix("queued "))
                .filter_map(|l| l.split(' ').next())
                .map(String::from),
        );
    }
    let pending_before = Outbox::open_read_only(&dir.path().join("data")).unwrap().stats().unwrap().pending;

    let started = Instant::now();
    let c = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
            .args(["--config", c.to_str().unwrap(), "queue", "flush", "--timeout", "120"])
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let flushed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{flushed}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(flushed.ends_with("pending: 0, dead letters: 0\n"), "{flushed}");
    let took = started.elapsed();

    let stored = intake.stored_ids();
    let stored_set: HashSet<&String> = stored.iter().collect();
    assert_eq!(stored_set.len(), stored.len(), "a submission was stored twice");
    assert_eq!(intake.counters.conflicts.load(Ordering::Relaxed), 0, "a retry was not byte-identical");
    assert_eq!(
        intake.counters.ticket_collisions.load(Ordering::Relaxed),
        0,
        "a ticket number was issued twice"
    );
    for id in &reported {
        assert!(stored_set.contains(id), "{id} was reported queued but never arrived");
    }
    let outbox = Outbox::open_read_only(&dir.path().join("data")).unwrap();
    let stats = outbox.stats().unwrap();
    assert_eq!((stats.pending, stats.dead_letters), (0, 0));
    let delivered: HashSet<String> = outbox.delivered().unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(delivered, stored.iter().cloned().collect::<HashSet<_>>());
    assert!(flaky.injected.load(Ordering::Relaxed) >= 10, "the server did fail");
    eprintln!(
        "{KILLS} kills, {} faults injected in {} requests: {} submissions stored once each ({} reported), \
         {pending_before} left for one flush, which took {took:.1?}; {} replays",
        flaky.injected.load(Ordering::Relaxed),
        flaky.seen.load(Ordering::Relaxed),
        stored.len(),
        reported.len(),
        intake.counters.replayed.load(Ordering::Relaxed),
    );
}
