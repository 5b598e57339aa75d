//! Handwriting recognition on strokes drawn for this project (tests/fixtures/strokes, see
//! its README): each character in Zinnia's first five candidates, as `hall-kiosk ime
//! --strokes` prints them, and a stroke file that is not one is refused with its reason.

mod common;

use std::path::PathBuf;
use std::process::Command;

use hall_kiosk::input::handwriting::Ink;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/strokes").join(name)
}

/// The character a fixture was drawn as.
fn drawn_as(name: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
    json["char"].as_str().unwrap().to_string()
}

fn top(name: &str, n: usize) -> Vec<String> {
    let ink = Ink::from_json(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
    let candidates = common::handwriting_engine().recognize_now(ink).expect("the Tegaki model is installed");
    candidates.into_iter().take(n).collect()
}

#[test]
fn nine_hand_drawn_characters_are_in_the_first_five_candidates() {
    let fixtures = [
        "ren.json",
        "kou.json",
        "da.json",
        "shi.json",
        "zhong.json",
        "bu.json",
        "ri.json",
        "wang.json",
        "ban.json",
    ];
    let mut misses = Vec::new();
    for name in fixtures {
        let want = drawn_as(name);
        let got = top(name, 5);
        if !got.contains(&want) {
            misses.push(format!("{name} ({want}): {got:?}"));
        }
    }
    assert!(misses.is_empty(), "not in the first five:\n{}", misses.join("\n"));
    // Recognition is not a lookup of anything: another character's strokes give another answer.
    assert_ne!(top("bu.json", 1), top("wang.json", 1));
}

/// 山 as drawn here (丨 乚 丨, the standard order) is read as 入 or 廾 by the Tegaki model:
/// a known miss, written in decision 0016, kept here so a better model shows.
#[test]
fn shan_is_a_known_miss() {
    assert_eq!(drawn_as("shan.json"), "山");
    let got = top("shan.json", 10);
    assert!(!got.is_empty());
    assert!(
        !got.iter().take(5).any(|c| c == "山"),
        "山 is now recognised: update decision 0016 and move it up"
    );
}

#[test]
fn ime_strokes_prints_the_candidates_one_per_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["--config", "kiosk-config/example.toml", "ime", "--strokes"])
        .arg(fixture("bu.json"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.contains(" INFO ")).collect();
    assert_eq!(lines.first(), Some(&"不"), "{stdout}");
    assert!(lines.len() >= 5 && lines.iter().all(|l| l.chars().count() == 1), "{lines:?}");
}

#[test]
fn a_bad_stroke_file_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"width": 600, "height": 600, "strokes": [[[1, 2]], []]}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["--config", "kiosk-config/example.toml", "ime", "--strokes"])
        .arg(&bad)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.json") && stderr.contains("stroke 2 has no points"), "{stderr}");
}
