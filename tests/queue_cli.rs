//! The operator's `hall-kiosk queue ...` commands, run as the real binary against a kiosk
//! config whose server is the reference intake server on 127.0.0.1.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use hall_kiosk::delivery::outbox::{Outbox, now_ms};
use hall_kiosk::delivery::protocol::AssistPayload;
use hall_kiosk::delivery::submission::Submitter;

fn run(config: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{args:?}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_export_retry_dead_and_flush() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::intake(dir.path());
    let addr = common::serve(common::server::router(server.clone())).await;
    let config_path = common::write_config(dir.path(), addr, common::TOKEN);
    let config = common::load(&config_path);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    let ids: Vec<String> = (0..3)
        .map(|i| submitter.assist(&AssistPayload { screen: format!("s{i}") }).unwrap().id.to_string())
        .collect();
    submitter.outbox().mark_dead(&ids[0], 400, "bad request: test", now_ms()).unwrap();

    let config_arg = config_path.clone();
    let status = tokio::task::spawn_blocking(move || run(&config_arg, &["queue", "status"])).await.unwrap();
    assert!(status.contains("pending: 2") && status.contains("dead letters: 1"), "{status}");
    assert!(status.contains(&format!("dead {} assist - 400: bad request: test", ids[0])), "{status}");

    let export = dir.path().join("carry.jsonl");
    let (c, e) = (config_path.clone(), export.clone());
    let said =
        tokio::task::spawn_blocking(move || run(&c, &["queue", "export", "--out", e.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(said.starts_with("3 submissions written"), "{said}");
    assert_eq!(std::fs::metadata(&export).unwrap().permissions().mode() & 0o777, 0o600);
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&export).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.iter().map(|l| l["id"].as_str().unwrap()).collect::<Vec<_>>(), ids);
    assert_eq!(lines[0]["state"], "dead");
    assert_eq!(lines[1]["body"]["id"], ids[1].as_str(), "the exact body travels along");

    let c = config_path.clone();
    let said = tokio::task::spawn_blocking(move || run(&c, &["queue", "retry-dead", "--all"])).await.unwrap();
    assert!(said.starts_with("1 dead letters queued again"), "{said}");

    let c = config_path.clone();
    let flushed = tokio::task::spawn_blocking(move || run(&c, &["queue", "flush"])).await.unwrap();
    for id in &ids {
        assert!(flushed.contains(&format!("delivered {id} - 201")), "{flushed}");
    }
    assert!(flushed.contains("pending: 0, dead letters: 0"), "{flushed}");
    assert_eq!(server.stored_ids(), ids);
}
