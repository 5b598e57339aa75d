//! Measures the delivery path (run by hand, not in CI):
//!
//! `cargo run --release --example outbox_bench -- [ENQUEUE_ROWS] [PENDING_ROWS] [DRAIN_SECS]`
//!
//! 1. enqueue rate: complaints through the screens' own path, one fsync'd transaction each;
//! 2. fills the outbox to PENDING_ROWS (default 100,000) pending rows (bulk SQL copies of
//!    real rows with fresh ids: only the enqueue rate needs each row committed alone);
//! 3. drain rate: the uplink delivers to the reference intake server (a child process on
//!    127.0.0.1) for DRAIN_SECS seconds (default: until empty);
//! 4. peak RSS of this process (VmHWM), which held the 100,000-row queue throughout.

#[path = "intake_server/server.rs"]
mod server;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::delivery::uplink::{Uplink, UplinkSettings};

fn vm(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l[field.len()..].trim().to_string())
        .unwrap_or_default()
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().expect("numbers")).collect();
    let enqueue_rows = args.first().copied().unwrap_or(2_000);
    let pending_rows = args.get(1).copied().unwrap_or(100_000);
    let drain_secs = args.get(2).copied();

    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let token = "bench-token";
    std::fs::write(dir.path().join("token"), token).unwrap();
    std::fs::set_permissions(dir.path().join("token"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(dir.path().join("tokens"), format!("K01 {token}\n")).unwrap();

    // The reference server, in its own process so its memory is not counted here.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server_exe = std::env::current_exe().unwrap().with_file_name("intake_server");
    let mut server = std::process::Command::new(&server_exe)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(dir.path().join("intake.db"))
        .arg("--tokens")
        .arg(dir.path().join("tokens"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{}: {e} (build it: cargo build --example intake_server)", server_exe.display())
        });

    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk-config/example.toml")).unwrap();
    let text: String = example
        .lines()
        .filter(|l| !l.starts_with("ca_file"))
        .map(|l| match l {
            l if l.starts_with("base_url = ") => format!("base_url = \"http://127.0.0.1:{port}\""),
            l if l.starts_with("token_file = ") => "token_file = \"token\"".into(),
            l if l.starts_with("data_dir = ") => "data_dir = \"data\"".into(),
            l => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("kiosk.toml"), text).unwrap();
    let config = hall_kiosk::config::load(&dir.path().join("kiosk.toml")).unwrap();

    // 1. Enqueue rate with fsync.
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    let started = Instant::now();
    for i in 0..enqueue_rows {
        submitter.complaint(&hall_kiosk::ops::sample_complaint(&config, i as u32)).unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let enqueue_secs = secs;
    println!(
        "enqueue: {enqueue_rows} rows in {secs:.2} s = {:.0} rows/s (one fsync'd transaction each)",
        enqueue_rows as f64 / secs
    );

    // 2. Fill to PENDING_ROWS with copies of the rows just made (fresh ids, same shapes).
    {
        let db = rusqlite::Connection::open(submitter.outbox().path()).unwrap();
        let mut have = submitter.outbox().stats().unwrap().pending;
        let tx = db.unchecked_transaction().unwrap();
        let templates: Vec<Vec<u8>> = tx
            .prepare("SELECT body FROM submissions LIMIT 100")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut insert = tx
            .prepare("INSERT INTO submissions (id, kind, created_at_ms, body, state, next_attempt_ms) VALUES (?1, 'complaint', ?2, ?3, 'pending', 0)")
            .unwrap();
        let mut i = 0;
        while have < pending_rows {
            let body = &templates[i % templates.len()];
            let id = uuid::Uuid::now_v7().to_string();
            // Drop the ticket: ticket numbers are unique on the server.
            let mut v: serde_json::Value = serde_json::from_slice(body).unwrap();
            v["id"] = id.clone().into();
            v["ticket"] = serde_json::Value::Null;
            insert
                .execute(rusqlite::params![
                    id,
                    hall_kiosk::delivery::outbox::now_ms(),
                    serde_json::to_vec(&v).unwrap()
                ])
                .unwrap();
            have += 1;
            i += 1;
        }
        drop(insert);
        tx.commit().unwrap();
    }
    let pending = submitter.outbox().stats().unwrap().pending;
    println!("filled: {pending} pending; RSS now {}", vm("VmRSS:"));

    // 3. Drain to the reference server on loopback.
    std::thread::sleep(Duration::from_millis(300)); // let the server bind
    let settings = UplinkSettings::from_config(&config).unwrap();
    let uplink = Uplink::new(submitter.outbox().another_connection().unwrap(), settings).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = Instant::now();
    let outbox = submitter.outbox();
    rt.block_on(async {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(uplink.run(async {
            let _ = stopped.await;
        }));
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let left = outbox.stats().unwrap().pending;
            if left == 0 || drain_secs.is_some_and(|s| started.elapsed() >= Duration::from_secs(s)) {
                break;
            }
        }
        let _ = stop.send(());
        let _ = task.await;
    });
    let secs = started.elapsed().as_secs_f64();
    let left = outbox.stats().unwrap().pending;
    let sent = pending - left;
    println!(
        "drain: {sent} delivered in {secs:.1} s = {:.0} rows/s ({left} still pending)",
        sent as f64 / secs
    );
    println!("peak RSS (VmHWM) of the kiosk side with {pending} pending: {}", vm("VmHWM:"));
    // The same figures on one line, for `kiosk_bench` (which folds them into its table).
    let kib = |field: &str| vm(field).trim_end_matches(" kB").trim().parse::<u64>().ok();
    println!(
        "json: {}",
        serde_json::json!({
            "enqueue_rows": enqueue_rows,
            "enqueue_per_sec": enqueue_rows as f64 / enqueue_secs,
            "pending": pending,
            "drained": sent,
            "drain_secs": secs,
            "drain_per_sec": sent as f64 / secs,
            "peak_rss_kib": kib("VmHWM:"),
        })
    );
    let _ = server.kill();
    let _ = server.wait();
}
