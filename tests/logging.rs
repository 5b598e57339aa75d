//! Logs as the kiosk writes them outside a terminal: no ANSI colour codes in a pipe or a
//! file, and with `JOURNAL_STREAM` naming its stderr but no journal to reach, a plain
//! warning and the same plain log lines on stderr.

mod common;

use std::os::unix::fs::MetadataExt;
use std::process::{Command, Stdio};

/// A kiosk config whose outbox file is garbage, so `queue repair` logs an error (it moves
/// the file aside).
fn config_with_corrupt_outbox(dir: &std::path::Path) -> std::path::PathBuf {
    let config = common::write_config(dir, "127.0.0.1:9".parse().unwrap(), common::TOKEN);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join(hall_kiosk::delivery::outbox::DB_FILE), vec![0x5a; 8192]).unwrap();
    config
}

fn queue_repair(config: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"));
    cmd.arg("--config")
        .arg(config)
        .args(["queue", "repair"])
        .env("RUST_LOG", "info")
        .env_remove("JOURNAL_STREAM");
    cmd
}

#[test]
fn logs_in_a_pipe_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_corrupt_outbox(dir.path());
    let out = queue_repair(&config).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OUTBOX DATABASE CORRUPT"), "a log line was written: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no escape codes in a pipe: {stderr:?}");
}

#[test]
fn journal_stream_without_a_journal_falls_back_to_plain_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_corrupt_outbox(dir.path());
    let log = dir.path().join("stderr.log");
    let file = std::fs::File::create(&log).unwrap();
    let meta = file.metadata().unwrap();
    let status = queue_repair(&config)
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stdout(Stdio::null())
        .stderr(file)
        .status()
        .unwrap();
    assert!(status.success());
    let stderr = std::fs::read_to_string(&log).unwrap();
    if std::path::Path::new("/run/systemd/journal/socket").exists() {
        // A real journal took the lines; stderr stays quiet.
        assert!(!stderr.contains("OUTBOX DATABASE CORRUPT"), "{stderr}");
    } else {
        assert!(stderr.contains("cannot reach the journal"), "{stderr}");
        assert!(stderr.contains("OUTBOX DATABASE CORRUPT"), "{stderr}");
        assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    }
}
