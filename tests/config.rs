//! The hall config: the sample is valid, and each kind of mistake is refused with the file,
//! the line and the field named, by the library and by `hall-kiosk check-config`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use hall_kiosk::config::{self, ConfigError};

fn example_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml")).unwrap()
}

/// 1-based line of the `nth` (0-based) occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str, nth: usize) -> usize {
    let offset =
        text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle:?} #{nth} not in text")).0;
    text[..offset].matches('\n').count() + 1
}

/// Replaces the `nth` occurrence of `from` with `to`.
fn replace_nth(text: &str, from: &str, to: &str, nth: usize) -> String {
    let offset = text.match_indices(from).nth(nth).unwrap_or_else(|| panic!("{from:?} #{nth} not in text")).0;
    format!("{}{}{}", &text[..offset], to, &text[offset + from.len()..])
}

/// Parses `text` and returns its problems as printed (`file:line: field: message`).
fn problems(text: &str) -> Vec<String> {
    match config::parse(Path::new("kiosk.toml"), text) {
        Ok(_) => vec![],
        Err(ConfigError::Invalid(list)) => list.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected {e}"),
    }
}

fn assert_problem(text: &str, line: usize, field: &str, words: &str) {
    let list = problems(text);
    let prefix = format!("kiosk.toml:{line}: {field}: ");
    assert!(
        list.iter().any(|p| p.starts_with(&prefix) && p.contains(words)),
        "expected `{prefix}…{words}…` in {list:#?}"
    );
}

#[test]
fn example_config_is_valid_and_realistic() {
    let loaded = config::parse(Path::new("example.toml"), &example_text()).expect("valid");
    let c = &loaded.config;
    assert!(c.departments.len() >= 8, "a realistic hall has at least 8 departments");
    assert!(c.matters.len() >= 30, "and at least 30 matters");
    assert!(c.problem_types.len() >= 9);
    assert!(c.windows.iter().all(|w| !w.staff.is_empty()));
    assert!(loaded.holidays.len() > 20 && loaded.makeup_workdays.len() >= 5);
}

#[test]
fn bad_url_names_line_and_field() {
    let text = example_text().replace("https://intake.example.gov.cn", "htps//intake");
    assert_problem(&text, line_of(&text, "htps//intake", 0), "server.base_url", "not a URL");
}

#[test]
fn a_base_url_with_a_query_or_fragment_is_refused() {
    for bad in ["https://intake.example.gov.cn/api?x=1", "https://intake.example.gov.cn/#v1"] {
        let text = example_text().replace("https://intake.example.gov.cn", bad);
        assert_problem(&text, line_of(&text, bad, 0), "server.base_url", "query");
    }
    let text = example_text().replace("https://intake.example.gov.cn", "https://intake.example.gov.cn/api/");
    assert!(problems(&text).is_empty());
}

#[test]
fn dead_letter_retention_is_checked_and_defaults_to_30_days() {
    let text = example_text().replace("dead_letter_retention_days = 30", "dead_letter_retention_days = 0");
    assert_problem(
        &text,
        line_of(&text, "dead_letter_retention_days = 0", 0),
        "storage.dead_letter_retention_days",
        "between 1 and 3650",
    );
    let text = example_text().replace("dead_letter_retention_days = 30", "");
    let loaded = config::parse(Path::new("kiosk.toml"), &text).unwrap();
    assert_eq!(loaded.config.storage.dead_letter_retention_days, 30);
}

#[test]
fn plain_http_is_only_for_loopback() {
    let text = example_text().replace("https://track.example.gov.cn", "http://track.example.gov.cn");
    assert_problem(&text, line_of(&text, "http://track", 0), "tracking.base_url", "plain http");
    let text = example_text().replace("https://track.example.gov.cn", "http://127.0.0.1:8080");
    assert!(problems(&text).is_empty());
}

#[test]
fn duplicate_department_id_names_both_places() {
    let text = replace_nth(&example_text(), "id = \"health\"", "id = \"tax\"", 0);
    assert_problem(
        &text,
        line_of(&text, "id = \"tax\"", 1),
        "departments[8].id",
        "duplicate department id \"tax\" (first used at departments[5].id)",
    );
    // Matters of the department that no longer exists are caught too.
    assert!(problems(&text).iter().any(|p| p.contains("\"health\" is not a department id")));
}

#[test]
fn deadline_of_zero_days_is_refused() {
    let text = example_text().replace("simple_working_days = 2", "simple_working_days = 0");
    assert_problem(
        &text,
        line_of(&text, "simple_working_days = 0", 0),
        "deadlines.simple_working_days",
        "1 to 10 working days",
    );
    let text = example_text().replace("complex_working_days = 5", "complex_working_days = 11");
    assert_problem(
        &text,
        line_of(&text, "complex_working_days = 11", 0),
        "deadlines.complex_working_days",
        "1 to 10",
    );
}

#[test]
fn unknown_key_is_a_typo_not_a_default() {
    let text = example_text().replace("idle_timeout_secs = 90", "idle_timout_secs = 90");
    let list = problems(&text);
    let line = line_of(&text, "idle_timout_secs", 0);
    assert!(
        list.iter().any(|p| p.starts_with(&format!("kiosk.toml:{line}: ui.idle_timout_secs: "))
            && p.contains("unknown field")),
        "{list:#?}"
    );
}

#[test]
fn calendar_dates_are_checked() {
    let text = example_text().replace("2026-02-28, 2026-05-09", "2026-02-27, 2026-05-09");
    assert_problem(
        &text,
        line_of(&text, "makeup_workdays = [", 0),
        "calendar.makeup_workdays[2]",
        "always a Saturday or Sunday",
    );
    let text = example_text().replace("2026-01-01, 2026-01-02", "2026-01-01T08:00:00, 2026-01-02");
    assert_problem(&text, line_of(&text, "2026-01-01T08", 0), "calendar.holidays[0]", "plain date");
    let text = example_text().replace("2026-01-01, 2026-01-02", "2026-01-01, 2026-01-01");
    assert_problem(
        &text,
        line_of(&text, "2026-01-01, 2026-01-01", 0),
        "calendar.holidays[1]",
        "listed twice",
    );
}

#[test]
fn pin_must_be_an_argon2id_hash() {
    let original = example_text();
    let start = original.find("pin_hash = \"").unwrap();
    let end = start + original[start..].find('\n').unwrap();
    let text = format!("{}pin_hash = \"246810\"{}", &original[..start], &original[end..]);
    assert_problem(&text, line_of(&text, "pin_hash = \"246810\"", 0), "staff.pin_hash", "argon2id");
}

#[test]
fn text_that_would_not_fit_is_refused() {
    let long = "很".repeat(60);
    let text =
        example_text().replace("hall_name = \"南山区政务服务中心\"", &format!("hall_name = \"{long}\""));
    assert_problem(&text, line_of(&text, &long, 0), "kiosk.hall_name", "at most 40");
}

#[test]
fn ids_must_match_references() {
    let text = replace_nth(&example_text(), "department = \"tax\"", "department = \"taxes\"", 0);
    assert_problem(&text, line_of(&text, "\"taxes\"", 0), "windows[7].department", "not a department id");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = example_text()
        .replace("simple_working_days = 2", "simple_working_days = 0")
        .replace("idle_countdown_secs = 30", "idle_countdown_secs = 5");
    assert_eq!(problems(&text).len(), 2, "{:#?}", problems(&text));
}

#[test]
fn check_config_command_exits_non_zero_and_names_the_problem() {
    let bin = env!("CARGO_BIN_EXE_hall-kiosk");
    let dir = tempfile::tempdir().unwrap();
    // The example hall with a token file and data directory that exist here.
    let good = common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), "t0k3n");
    let out = Command::new(bin).arg("check-config").arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The example lists one year: from a month before it ends, the command says so.
    let listed = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let warned = String::from_utf8_lossy(&out.stderr).contains("nothing is listed after 2026-12-31");
    let today = chrono::Local::now().date_naive();
    assert_eq!(warned, today + chrono::Days::new(31) > listed, "{}", String::from_utf8_lossy(&out.stderr));

    let bad = dir.path().join("bad.toml");
    let text = example_text().replace("complex_working_days = 5", "complex_working_days = 0");
    std::fs::write(&bad, &text).unwrap();
    let out = Command::new(bin).arg("check-config").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "{}:{}: deadlines.complex_working_days:",
        bad.display(),
        line_of(&text, "complex_working_days = 0", 0)
    );
    assert!(stderr.contains(&expected), "{stderr}");

    let out = Command::new(bin).arg("check-config").arg(dir.path().join("missing.toml")).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn kiosk_refuses_to_start_with_a_bad_config() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("kiosk.toml");
    std::fs::write(&bad, example_text().replace("id = \"K01\"", "id = \"k-01\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .arg("--config")
        .arg(&bad)
        .arg("--windowed")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("kiosk.id"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_config_checks_the_files_start_up_needs() {
    let bin = env!("CARGO_BIN_EXE_hall-kiosk");
    let dir = tempfile::tempdir().unwrap();
    let path = common::write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), "t0k3n");
    let text = std::fs::read_to_string(&path).unwrap();
    let token = dir.path().join("token");
    let check = |field: &str, words: &str| {
        let text = std::fs::read_to_string(&path).unwrap();
        let needle = format!("{} = ", field.rsplit('.').next().unwrap());
        let out = Command::new(bin).arg("check-config").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = format!("{}:{}: {field}: ", path.display(), line_of(&text, &needle, 0));
        assert!(!out.status.success(), "passed with {words}");
        assert!(
            stderr.lines().any(|l| l.starts_with(&expected) && l.contains(words)),
            "expected {expected}…{words}: {stderr}"
        );
    };
    std::fs::remove_file(&token).unwrap();
    check("server.token_file", "cannot read");
    common::write_token(dir.path(), "t0k3n");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    check("server.token_file", "chmod 600");
    std::fs::write(&token, "\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    check("server.token_file", "empty");
    std::fs::write(&token, "first-token\nsecond-token\n").unwrap();
    check("server.token_file", "one line");
    common::write_token(dir.path(), "t0k3n");

    std::fs::write(
        &path,
        text.replace("token_file = \"token\"", "token_file = \"token\"\nca_file = \"missing.pem\""),
    )
    .unwrap();
    check("server.ca_file", "cannot read");
    std::fs::write(dir.path().join("missing.pem"), "not a certificate").unwrap();
    check("server.ca_file", "no PEM certificate");

    std::fs::write(&path, text.replace("data_dir = \"data\"", "data_dir = \"token\"")).unwrap();
    check("storage.data_dir", "not a directory");
    std::fs::write(&path, &text).unwrap();
    let out = Command::new(bin).arg("check-config").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
