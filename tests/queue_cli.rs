//! The operator's `hall-kiosk queue ...` commands, run as the real binary against a kiosk
//! config whose server is the reference intake server on 127.0.0.1.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use hall_kiosk::delivery::outbox::{Outbox, now_ms};
use hall_kiosk::delivery::protocol::AssistPayload;
use hall_kiosk::delivery::submission::Submitter;

fn run(config: &std::path::Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run_status(config, args);
    assert!(ok, "{args:?}: {stdout}\n{stderr}");
    stdout
}

/// Runs the binary; whether it exited 0, its stdout and its stderr.
fn run_status(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_keeps_going_through_transient_failures() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::intake(dir.path());
    // Every third request fails: 500, 503, 429 (Retry-After 1 s), resets.
    let (router, flaky) = common::flaky::router(server.clone(), 3);
    let addr = common::serve(router).await;
    let config_path = common::write_config(dir.path(), addr, common::TOKEN);
    let config = common::load(&config_path);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    let ids: Vec<String> = (0..12)
        .map(|i| submitter.assist(&AssistPayload { screen: format!("s{i}") }).unwrap().id.to_string())
        .collect();
    let c = config_path.clone();
    let flushed = tokio::task::spawn_blocking(move || run(&c, &["queue", "flush"])).await.unwrap();
    assert!(flaky.injected.load(std::sync::atomic::Ordering::Relaxed) >= 4, "faults were injected");
    assert!(flushed.contains("retry "), "{flushed}");
    assert!(flushed.ends_with("pending: 0, dead letters: 0\n"), "{flushed}");
    let mut stored = server.stored_ids();
    stored.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(stored, expected);

    // A server that is down: flush gives up at its timeout and says so in its exit status.
    drop(submitter);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    submitter.assist(&AssistPayload { screen: "late".into() }).unwrap();
    let down = common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), common::TOKEN);
    let started = std::time::Instant::now();
    let (ok, out, _) =
        tokio::task::spawn_blocking(move || run_status(&down, &["queue", "flush", "--timeout", "2"]))
            .await
            .unwrap();
    assert!(!ok, "exit status 0 with a submission still pending: {out}");
    assert!(out.ends_with("pending: 1, dead letters: 0\n"), "{out}");
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(6), "the timeout was not kept: {took:?}");
}

/// Every file in `dir` with its bytes.
fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn status_and_export_write_nothing_and_never_repair() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), common::TOKEN);
    let config = common::load(&config_path);
    let data = config.data_dir();
    {
        let (outbox, _) = Outbox::open(&data).unwrap();
        let submitter = Submitter::new(&config, outbox);
        submitter.assist(&AssistPayload { screen: "home".into() }).unwrap();
    }
    let before = snapshot(&data);
    let status = run(&config_path, &["queue", "status"]);
    assert!(status.contains("pending: 1"), "{status}");
    let export = dir.path().join("carry.jsonl");
    run(&config_path, &["queue", "export", "--out", export.to_str().unwrap()]);
    let after = snapshot(&data);
    let names =
        |s: &[(String, Vec<u8>)]| s.iter().map(|(n, b)| format!("{n}:{}", b.len())).collect::<Vec<_>>();
    assert!(
        after == before,
        "a reading command wrote to the data directory: {:?} -> {:?}",
        names(&before),
        names(&after)
    );

    // A corrupt outbox: reading commands say so and leave it where it is.
    std::fs::write(data.join("outbox.db"), b"not a database").unwrap();
    let before = snapshot(&data);
    for args in
        [&["queue", "status"][..], &["queue", "flush", "--timeout", "1"], &["queue", "retry-dead", "--all"]]
    {
        let (ok, _, err) = run_status(&config_path, args);
        assert!(!ok, "{args:?} succeeded on a corrupt outbox");
        assert!(err.contains("queue repair") || err.contains("not a database"), "{args:?}: {err}");
        assert!(snapshot(&data) == before, "{args:?} moved the outbox aside");
    }
    // Not while the kiosk has it open (it holds the outbox lock shared, as here).
    let kiosk = std::fs::File::open(data.join("outbox.db.lock")).unwrap();
    kiosk.lock_shared().unwrap();
    let (ok, _, err) = run_status(&config_path, &["queue", "repair"]);
    assert!(!ok && err.contains("in use"), "{err}");
    assert!(snapshot(&data) == before);
    drop(kiosk);
    let (ok, _, err) = run_status(&config_path, &["queue", "repair"]);
    assert!(ok && err.contains("moved to"), "{err}");
    let said = run(&config_path, &["queue", "status"]);
    assert!(said.contains("pending: 0"), "{said}");
}

#[test]
fn export_never_follows_a_symlink_nor_keeps_a_readable_mode() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), common::TOKEN);
    let config = common::load(&config_path);
    {
        let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
        Submitter::new(&config, outbox).assist(&AssistPayload { screen: "home".into() }).unwrap();
    }
    // An existing world-readable file.
    let out = dir.path().join("carry.jsonl");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    run(&config_path, &["queue", "export", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&out).unwrap().contains("\"state\":\"pending\""));
    // A symlink planted where the export goes: the file it points to is left alone.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    run(&config_path, &["queue", "export", "--out", link.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_file() && meta.permissions().mode() & 0o777 == 0o600);
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn errors_say_their_cause_once_and_a_closed_pipe_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), common::TOKEN);
    // No outbox yet: status says so, once.
    let (ok, _, err) = run_status(&config_path, &["queue", "status"]);
    assert!(!ok);
    let cause = "no outbox here";
    assert_eq!(err.matches(cause).count(), 1, "{err}");

    let config = common::load(&config_path);
    {
        let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
        let submitter = Submitter::new(&config, outbox);
        for i in 0..50 {
            let id = submitter.assist(&AssistPayload { screen: format!("s{i}") }).unwrap().id.to_string();
            submitter.outbox().mark_dead(&id, 400, "refused", now_ms()).unwrap();
        }
    }
    // `queue status | head -1`: the reader is gone before the command writes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .arg("--config")
        .arg(&config_path)
        .args(["queue", "status"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// A server on 127.0.0.1 that gives every request `answer` and counts them, and a kiosk
/// config pointed at it with three submissions queued.
async fn three_queued_against(
    dir: &std::path::Path,
    answer: axum::response::Response,
) -> (std::path::PathBuf, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let requests = Arc::new(AtomicUsize::new(0));
    let (counter, status, headers) = (requests.clone(), answer.status(), answer.headers().clone());
    let server = axum::Router::new().fallback(move || {
        let (counter, headers) = (counter.clone(), headers.clone());
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (status, headers, "no")
        }
    });
    let config_path = common::write_config(dir, common::serve(server).await, common::TOKEN);
    let config = common::load(&config_path);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    for i in 0..3 {
        submitter.assist(&AssistPayload { screen: format!("s{i}") }).unwrap();
    }
    (config_path, requests)
}

/// Runs `queue flush --timeout <secs>` off the test's runtime: its exit status and output.
async fn flush_for(config: &std::path::Path, secs: &str) -> (bool, String) {
    let (config, secs) = (config.to_path_buf(), secs.to_string());
    let (ok, out, _) =
        tokio::task::spawn_blocking(move || run_status(&config, &["queue", "flush", "--timeout", &secs]))
            .await
            .unwrap();
    (ok, out)
}

/// `queue flush` waits out what the server asks for: against a server that answers every
/// request 503 with `Retry-After: 1`, two seconds of flushing make a few attempts (one a
/// second), not the hundreds a loop without waits makes against a server on the same host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_waits_out_a_retry_after_rather_than_hammering() {
    use axum::response::IntoResponse;
    let dir = tempfile::tempdir().unwrap();
    let busy = (axum::http::StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "1")]).into_response();
    let (config_path, attempts) = three_queued_against(dir.path(), busy).await;
    let (ok, out) = flush_for(&config_path, "2").await;
    assert!(!ok, "exit status 0 with submissions still pending: {out}");
    assert!(out.ends_with("pending: 3, dead letters: 0\n"), "{out}");
    let n = attempts.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=4).contains(&n), "{n} requests in a 2 s flush against Retry-After: 1\n{out}");
}

/// Waiting cannot fix a refused token or a wrong `base_url`: `queue flush` stops at the
/// first such answer, says what to fix and exits non-zero, instead of sitting out its
/// whole timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_stops_at_once_when_the_token_or_the_url_is_wrong() {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    for (status, says) in
        [(StatusCode::UNAUTHORIZED, "credentials-rejected"), (StatusCode::NOT_FOUND, "not-the-server")]
    {
        let dir = tempfile::tempdir().unwrap();
        let (config_path, attempts) = three_queued_against(dir.path(), status.into_response()).await;
        let started = std::time::Instant::now();
        let (ok, out) = flush_for(&config_path, "30").await;
        let took = started.elapsed();
        assert!(!ok, "{status}: exit status 0 with submissions pending: {out}");
        assert!(out.contains(says), "{status}: {out}");
        assert!(out.ends_with("pending: 3, dead letters: 0\n"), "{status}: nothing is lost: {out}");
        assert_eq!(
            attempts.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "{status}: one request, then stop: {out}"
        );
        assert!(took < std::time::Duration::from_secs(15), "{status}: sat out the timeout ({took:?})");
    }
}
