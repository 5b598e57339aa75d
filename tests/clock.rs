//! The kiosk's clock against the server's: a `Date` three days away raises `CLOCK` for
//! staff and goes into the heartbeat; the heartbeat also says how long the kiosk has run,
//! how much disk is free and how the last run ended.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::routing::post;
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::run_state::RunState;

/// A server whose clock is `skew` away from ours; it keeps every heartbeat body.
async fn skewed_server(
    skew: Duration,
    ahead: bool,
) -> (std::net::SocketAddr, Arc<Mutex<Vec<serde_json::Value>>>) {
    let beats = Arc::new(Mutex::new(Vec::new()));
    let kept = beats.clone();
    let date = move || {
        let t = if ahead { SystemTime::now() + skew } else { SystemTime::now() - skew };
        let mut h = HeaderMap::new();
        h.insert(header::DATE, HeaderValue::from_str(&httpdate::fmt_http_date(t)).unwrap());
        h
    };
    let router = axum::Router::new().route(
        "/v1/heartbeat",
        post(move |body: String| {
            let kept = kept.clone();
            let headers = date();
            async move {
                kept.lock().unwrap().push(serde_json::from_str(&body).unwrap());
                (StatusCode::OK, headers, "{}")
            }
        }),
    );
    (common::serve(router).await, beats)
}

async fn beats_until(beats: &Arc<Mutex<Vec<serde_json::Value>>>, n: usize) {
    for _ in 0..200 {
        if beats.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("fewer than {n} heartbeats arrived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_three_days_off_is_a_staff_alert_and_in_the_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, beats) = skewed_server(Duration::from_secs(3 * 24 * 3600), true).await;
    let config = common::load(&common::write_config(dir.path(), addr, common::TOKEN));
    std::fs::create_dir_all(config.data_dir()).unwrap();
    std::fs::write(config.data_dir().join("run-state"), "running\n").unwrap();
    let _run = RunState::begin(&config.data_dir());
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let uplink =
        hall_kiosk::delivery::uplink::spawn(&outbox, common::scaled_settings(&config, 0.01)).unwrap();
    let mut status = uplink.status();
    tokio::time::timeout(Duration::from_secs(10), status.wait_for(|s| s.clock_off)).await.unwrap().unwrap();
    // The next heartbeat carries it, with how this kiosk is doing.
    let seen = beats.lock().unwrap().len();
    beats_until(&beats, seen + 1).await;
    let beat = beats.lock().unwrap().last().unwrap().clone();
    assert_eq!(beat["clock_off"], true, "{beat}");
    assert_eq!(beat["last_exit"], "crash", "the last run never said it stopped cleanly: {beat}");
    assert!(beat["uptime_secs"].as_u64().is_some(), "{beat}");
    assert!(beat["free_disk_bytes"].as_u64().is_some_and(|b| b > 0), "{beat}");
    uplink.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_an_hour_off_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, beats) = skewed_server(Duration::from_secs(3600), false).await;
    let config = common::load(&common::write_config(dir.path(), addr, common::TOKEN));
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let uplink =
        hall_kiosk::delivery::uplink::spawn(&outbox, common::scaled_settings(&config, 0.01)).unwrap();
    beats_until(&beats, 3).await;
    assert!(!uplink.status().borrow().clock_off);
    let beat = beats.lock().unwrap().last().unwrap().clone();
    assert!(beat.get("clock_off").is_none(), "left out when the clock is right: {beat}");
    uplink.shutdown();
}
