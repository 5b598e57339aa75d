//! systemd supervision: with `NOTIFY_SOCKET` pointed at a socket this test owns, the kiosk
//! says `READY=1` with its queue figures, pings `WATCHDOG=1` while the UI loop runs, sends
//! nothing while the UI thread is blocked, and stops pinging when delivery has died.
//!
//! A reader thread keeps the socket drained; the UI thread drops a marker datagram into the
//! same socket between steps. Datagrams keep their order, so whatever lies between the
//! markers around a block was sent while the UI thread slept: pings must come from the
//! UI thread. One test in this file: it sets process environment and Slint's platform.

mod common;

use std::cell::Cell;
use std::os::unix::net::UnixDatagram;
use std::rc::Rc;
use std::time::Duration;

use hall_kiosk::delivery::outbox::{Outbox, QueueStats};
use hall_kiosk::delivery::uplink::UplinkStatus;
use hall_kiosk::screens::watchdog::{DeliveryProbe, supervise};
use slint::Timer;

/// Reads datagrams until the `END` marker, in order.
fn read_all(socket: UnixDatagram) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        while let Ok(n) = socket.recv(&mut buf) {
            let message = String::from_utf8_lossy(&buf[..n]).into_owned();
            if message == "END" {
                break;
            }
            out.push(message);
        }
        out
    })
}

/// The messages between two markers.
fn between<'a>(messages: &'a [String], from: &str, to: &str) -> &'a [String] {
    let at =
        |m: &str| messages.iter().position(|x| x == m).unwrap_or_else(|| panic!("no {m} in {messages:?}"));
    &messages[at(from) + 1..at(to)]
}

fn pings(messages: &[String]) -> usize {
    messages.iter().filter(|m| m.lines().any(|l| l == "WATCHDOG=1")).count()
}

#[test]
fn watchdog_pings_come_from_the_ui_loop_and_only_while_delivery_lives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let reader = read_all(UnixDatagram::bind(&path).unwrap());
    let marker = UnixDatagram::unbound().unwrap();
    marker.connect(&path).unwrap();
    let mark = Rc::new(move |m: &str| {
        marker.send(m.as_bytes()).unwrap();
    });
    // SAFETY: the only test in this binary, before it starts any thread of its own.
    unsafe {
        std::env::set_var("NOTIFY_SOCKET", &path);
        std::env::set_var("WATCHDOG_USEC", "100000");
        std::env::remove_var("WATCHDOG_PID");
    }
    i_slint_backend_testing::init_integration_test_with_system_time();

    // The real delivery thread reports itself alive (its server, port 9, never answers).
    let config =
        common::load(&common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), common::TOKEN));
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let uplink = hall_kiosk::delivery::uplink::spawn(&outbox, common::scaled_settings(&config, 1.0)).unwrap();
    assert!(uplink.is_alive(), "a freshly started delivery thread is alive");

    let figures = QueueStats { pending: 2, dead_letters: 1, ..QueueStats::default() };
    let (_status_tx, status_rx) =
        tokio::sync::watch::channel(UplinkStatus { queue: figures, ..UplinkStatus::default() });
    let delivery_alive = Rc::new(Cell::new(true));
    let alive = delivery_alive.clone();
    let supervision =
        supervise(DeliveryProbe { alive: Box::new(move || alive.get()), status: Some(status_rx) })
            .expect("supervised");
    assert_eq!(supervision.watchdog_period, Some(Duration::from_millis(50)), "half of WATCHDOG_USEC");

    // A slow first frame (0.12 s, over two watchdog periods): READY=1 still comes first.
    Timer::single_shot(Duration::ZERO, || std::thread::sleep(Duration::from_millis(120)));
    // Running for 0.4 s; blocked for 0.6 s; running again for 0.4 s; delivery dead; done.
    let m = mark.clone();
    Timer::single_shot(Duration::from_millis(400), move || {
        m("BLOCK");
        std::thread::sleep(Duration::from_millis(600));
        m("UNBLOCK");
    });
    let m = mark.clone();
    Timer::single_shot(Duration::from_millis(1400), move || {
        m("DEAD");
        delivery_alive.set(false);
    });
    Timer::single_shot(Duration::from_millis(1800), move || {
        mark("END");
        slint::quit_event_loop().unwrap();
    });
    slint::run_event_loop().unwrap();
    drop(supervision);
    uplink.shutdown();

    let mut messages = reader.join().unwrap();
    messages.insert(0, "START".into());
    messages.push("END".into());
    let running = between(&messages, "START", "BLOCK");
    assert!(
        running.first().is_some_and(|m| m.contains("READY=1\n") && m.contains("STATUS=pending 2, dead 1")),
        "READY=1 with the queue figures comes first: {running:?}"
    );
    assert!(pings(running) >= 3, "pings while the UI loop runs: {running:?}");
    let blocked = between(&messages, "BLOCK", "UNBLOCK");
    assert_eq!(pings(blocked), 0, "no ping while the UI thread is blocked: {blocked:?}");
    let resumed = between(&messages, "UNBLOCK", "DEAD");
    assert!(pings(resumed) >= 2, "pings resume with the loop: {resumed:?}");
    let dead = between(&messages, "DEAD", "END");
    assert_eq!(pings(dead), 0, "no ping once delivery has died: {dead:?}");
    assert!(dead.iter().any(|m| m.contains("STATUS=delivery stopped")), "status says why: {dead:?}");
}
