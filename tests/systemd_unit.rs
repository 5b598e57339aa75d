//! The systemd files in `systemd/`: the unit is hardened to 1.3 or below in
//! `systemd-analyze security`, passes `systemd-analyze verify`, and the sysusers.d and
//! tmpfiles.d files create the kiosk user and its private outbox folder. Needs systemd's
//! tools (scripts/setup-debian.sh installs them); a missing tool fails, never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The highest exposure the unit may score ("OK" is below 5; 1.3 is what the kiosk needs).
const MAX_EXPOSURE: f64 = 1.3;

fn systemd_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd").join(name)
}

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {program} ({e}): install systemd (bash scripts/setup-debian.sh does)")
    });
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// The overall exposure from `systemd-analyze security`'s last line.
fn exposure(report: &str) -> f64 {
    let line =
        report.lines().find(|l| l.contains("Overall exposure level")).unwrap_or_else(|| panic!("{report}"));
    let after = line.rsplit(':').next().unwrap().trim();
    after.split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("{line}"))
}

#[test]
fn the_unit_is_hardened_to_1_3_or_below() {
    let unit = systemd_file("hall-kiosk.service");
    let (_, report) =
        run("systemd-analyze", &["security", "--offline=true", "--no-pager", unit.to_str().unwrap()]);
    let score = exposure(&report);
    assert!(score <= MAX_EXPOSURE, "exposure {score} is above {MAX_EXPOSURE}:\n{report}");
}

#[test]
fn the_unit_verifies_and_states_how_it_is_supervised() {
    let text = std::fs::read_to_string(systemd_file("hall-kiosk.service")).unwrap();
    for line in [
        "Type=notify",
        "WatchdogSec=30",
        "Restart=always",
        "StartLimitIntervalSec=0",
        "Conflicts=getty@tty1.service",
        "TTYPath=/dev/tty1",
        "StandardOutput=journal",
        "User=hall-kiosk",
        "SupplementaryGroups=video input audio",
        "StateDirectory=hall-kiosk",
        "MemoryDenyWriteExecute=yes",
        "ExecStart=/usr/bin/hall-kiosk --config /etc/hall-kiosk/kiosk.toml",
    ] {
        assert!(text.lines().any(|l| l == line), "the unit lacks `{line}`");
    }
    // verify wants the binary to exist: check a copy that starts the one just built.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("hall-kiosk.service");
    std::fs::write(&copy, text.replace("/usr/bin/hall-kiosk", env!("CARGO_BIN_EXE_hall-kiosk"))).unwrap();
    let (ok, report) = run("systemd-analyze", &["verify", "--no-pager", copy.to_str().unwrap()]);
    assert!(ok && report.trim().is_empty(), "systemd-analyze verify:\n{report}");
}

#[test]
fn sysusers_and_tmpfiles_create_the_user_and_a_private_outbox_folder() {
    use std::os::unix::fs::MetadataExt;
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for (dir, file, name) in [
        ("usr/lib/sysusers.d", "hall-kiosk.sysusers", "hall-kiosk.conf"),
        ("usr/lib/tmpfiles.d", "hall-kiosk.tmpfiles", "hall-kiosk.conf"),
    ] {
        std::fs::create_dir_all(r.join(dir)).unwrap();
        std::fs::copy(systemd_file(file), r.join(dir).join(name)).unwrap();
    }
    std::fs::create_dir_all(r.join("etc")).unwrap();
    let root_arg = format!("--root={}", r.display());
    let (ok, report) = run("systemd-sysusers", &[&root_arg]);
    assert!(ok, "systemd-sysusers:\n{report}");
    let passwd = std::fs::read_to_string(r.join("etc/passwd")).unwrap();
    let entry = passwd.lines().find(|l| l.starts_with("hall-kiosk:")).expect("user hall-kiosk");
    let uid: u32 = entry.split(':').nth(2).unwrap().parse().unwrap();
    assert!(entry.ends_with(":/var/lib/hall-kiosk:/usr/sbin/nologin"), "{entry}");

    let (ok, report) = run("systemd-tmpfiles", &[&root_arg, "--create"]);
    assert!(ok, "systemd-tmpfiles:\n{report}");
    let outbox = std::fs::metadata(r.join("var/lib/hall-kiosk")).unwrap();
    assert_eq!(outbox.mode() & 0o7777, 0o700, "the outbox folder is private");
    assert_eq!(outbox.uid(), uid, "the outbox folder is the kiosk user's");
    assert!(r.join("etc/hall-kiosk").is_dir());
}

#[test]
fn the_touch_rule_offers_a_matrix_for_each_quarter_turn() {
    let text = std::fs::read_to_string(systemd_file("61-hall-kiosk-touch.rules")).unwrap();
    assert!(
        text.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "every rule is the operator's to enable"
    );
    for matrix in ["0 -1 1 1 0 0", "-1 0 1 0 -1 1", "0 1 0 -1 0 1"] {
        assert!(text.contains(&format!("LIBINPUT_CALIBRATION_MATRIX}}=\"{matrix}\"")), "{matrix}");
    }
}
