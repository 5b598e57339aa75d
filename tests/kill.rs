//! Power cuts: `hall-kiosk simulate` is killed with SIGKILL at random moments, 55 times,
//! and restarted on the same data directory each time. At the end the server holds every
//! submission exactly once: nothing committed is lost, nothing is counted twice.
//!
//! The kill delays come from a seed, printed at the start: `KILL_SEED=<n> cargo test --test
//! kill` replays a failed run's delays.

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hall_kiosk::delivery::outbox::Outbox;

const KILLS: usize = 55;
/// Kill delays are drawn from 0 up to this many milliseconds: start-up to mid-delivery.
const MAX_DELAY_MS: u64 = 120;

/// The seed of this run's kill delays: `KILL_SEED` when set (to replay a run), else fresh.
fn seed_from(var: Option<String>) -> u64 {
    match var {
        Some(s) => s.trim().parse().unwrap_or_else(|_| panic!("KILL_SEED={s:?} is not a number")),
        None => getrandom::u64().unwrap(),
    }
}

/// `n` kill delays drawn from `seed` (splitmix64: the same seed, the same delays).
fn kill_delays(seed: u64, n: usize) -> Vec<Duration> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            Duration::from_millis((z ^ (z >> 31)) % MAX_DELAY_MS)
        })
        .collect()
}

#[test]
fn kill_delays_replay_from_their_seed() {
    assert_eq!(seed_from(Some(" 42 ".into())), 42);
    assert_ne!(seed_from(None), seed_from(None), "a fresh seed each run");
    assert_eq!(kill_delays(42, KILLS), kill_delays(42, KILLS));
    assert_ne!(kill_delays(42, KILLS), kill_delays(43, KILLS));
    let delays = kill_delays(7, 1000);
    assert!(delays.iter().all(|d| *d < Duration::from_millis(MAX_DELAY_MS)));
    let early = delays.iter().filter(|d| d.as_millis() < 20).count();
    let late = delays.iter().filter(|d| d.as_millis() >= 100).count();
    assert!(early > 100 && late > 100, "spread over the whole range: {early} early, {late} late");
}

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

    let seed = seed_from(std::env::var("KILL_SEED").ok());
    eprintln!("kill delays from KILL_SEED={seed} (set it to replay this run)");
    let mut reported = Vec::new();
    for delay in kill_delays(seed, KILLS) {
        let mut child = simulate(&config, 3, 3);
        tokio::time::sleep(delay).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        reported.extend(queued_ids(&out));
    }
    // Otherwise every kill came before the first commit and the test proved nothing (on a
    // loaded machine the first rounds' few milliseconds may all pass before start-up ends).
    assert!(!reported.is_empty(), "simulate never got to queue anything in {KILLS} runs");

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
