//! The pinyin engine as the keyboard and `hall-kiosk ime` use it: librime with the
//! pinyin_simp dictionary and the hall's phrases, the user dictionary off. The pinyin is
//! typed as a person would; what is asserted is the rank of the intended word.

mod common;

use std::process::Command;
use std::time::Duration;

use hall_kiosk::input::pinyin::{Edit, EngineState};

fn page(pinyin: &str, page: usize) -> Vec<String> {
    common::pinyin_engine().candidates(pinyin, page, 5).unwrap().candidates
}

#[test]
fn the_intended_word_comes_first() {
    for (pinyin, word) in [
        ("shebao", "社保"),
        ("gongjijin", "公积金"),
        ("gjj", "公积金"),
        ("sfz", "身份证"),
        ("yingyezhizhao", "营业执照"),
        ("taidubuhao", "态度不好"),
        // The hall's own phrases (kiosk-config/example.toml [keyboard] and matter names).
        ("banbuchengshi", "办不成事"),
        ("bbcs", "办不成事"),
        ("cailiaobuqi", "材料不齐"),
        ("yanglaobaoxianguanxizhuanyi", "养老保险关系转移"),
    ] {
        assert_eq!(page(pinyin, 0).first().map(String::as_str), Some(word), "{pinyin}");
    }
}

#[test]
fn pages_follow_each_other() {
    let first = page("shi", 0);
    let second = page("shi", 1);
    assert_eq!(first.len(), 5);
    assert_eq!(second.len(), 5);
    assert!(first.iter().all(|c| !second.contains(c)), "{first:?} / {second:?}");
    assert_eq!(page("shi", 100_000), first, "past the end: the first page again, no panic");
}

#[test]
fn what_one_citizen_picks_does_not_change_what_the_next_is_offered() {
    let engine = common::pinyin_engine();
    let before = page("shi", 0);
    let session = engine.session(|| {});
    // Pick the fourth candidate again and again, as a learning engine would remember.
    for _ in 0..5 {
        for c in "shi".chars() {
            session.send(Edit::Letter(c), 5);
        }
        session.send(Edit::Choose(3), 5);
        let answers = session.settle(Duration::from_secs(30)).unwrap();
        assert_eq!(answers.last().unwrap().commit.as_deref(), Some(before[3].as_str()));
    }
    assert_eq!(page("shi", 0), before, "the user dictionary is off");
    let dir = common::pinyin_engine_dir();
    let userdb: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("userdb"))
        .collect();
    assert!(userdb.is_empty(), "no user database is written: {userdb:?}");
}

#[test]
fn letters_beyond_the_limit_and_other_keys_are_ignored() {
    let engine = common::pinyin_engine();
    assert_eq!(engine.wait_until_started(Duration::from_secs(60)), EngineState::Ready);
    let session = engine.session(|| {});
    for _ in 0..60 {
        session.send(Edit::Letter('a'), 5);
    }
    session.send(Edit::Letter('Ä'), 5);
    session.send(Edit::Choose(usize::MAX), 5);
    session.send(Edit::Page(usize::MAX), 5);
    let answers = session.settle(Duration::from_secs(30)).unwrap();
    let last = answers.last().unwrap();
    assert!(
        last.preedit.chars().filter(|c| *c == 'a').count() <= hall_kiosk::input::pinyin::MAX_INPUT_LETTERS
    );
    session.send(Edit::CommitLetters, 5);
    let answers = session.settle(Duration::from_secs(30)).unwrap();
    let letters = answers.last().unwrap().commit.clone().unwrap();
    assert_eq!(letters.len(), hall_kiosk::input::pinyin::MAX_INPUT_LETTERS);
}

#[test]
fn the_command_line_prints_one_candidate_a_line() {
    let bin = env!("CARGO_BIN_EXE_hall-kiosk");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk-config/example.toml");
    let out = Command::new(bin).args(["--config", config, "ime", "--candidates", "shebao"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[0], "社保");
    let out = Command::new(bin)
        .args(["--config", config, "ime", "--candidates", "bbcs", "--page", "1"])
        .output()
        .unwrap();
    let second = String::from_utf8(out.stdout).unwrap();
    assert!(!second.lines().any(|l| l == "办不成事"), "page 1 is the second page: {second}");
    let out =
        Command::new(bin).args(["--config", config, "ime", "--candidates", "She Bao"]).output().unwrap();
    assert!(!out.status.success(), "capitals and spaces are refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("lower-case"));
}
