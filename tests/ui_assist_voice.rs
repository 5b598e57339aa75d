//! Call staff from any screen (one request per minute), and the spoken prompt of every
//! screen (elder mode) exists in both languages.

mod common;

use clap::ValueEnum;
use common::*;
use hall_kiosk::config::Language;
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::screens::staging::Screen;
use hall_kiosk::screens::ui::{Assist, Voice};
use hall_kiosk::screens::voice::{PROMPT_IDS, Voice as VoiceOut, VoiceLog, shipped_clip};
use slint::ComponentHandle;

#[test]
fn call_staff_queues_one_request_per_minute_and_reassures() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), TOKEN));
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let reader = outbox.another_connection().unwrap();
    let app = kiosk_with_submitter(config, Submitter::new(&load(&dir.path().join("kiosk.toml")), outbox));
    tap(&app, "反映“办不成事”");
    tap(&app, "呼叫工作人员");
    let assist = app.window().global::<Assist>();
    assert!(assist.get_notice_visible());
    assert!(shows_text(&app, "您的呼叫正在等待发送"), "nothing delivers in this test: say so");
    tap(&app, "好的");
    assert!(!assist.get_notice_visible());
    tap(&app, "呼叫工作人员");
    tap(&app, "好的");

    let rows = reader.due(i64::MAX, 0, 10).unwrap();
    assert_eq!(rows.len(), 1, "two presses within a minute are one request");
    let body: serde_json::Value = serde_json::from_slice(&rows[0].body).unwrap();
    assert_eq!(body["kind"], "assist");
    assert_eq!(body["kiosk_id"], "K01");
    assert_eq!(body["payload"]["screen"], "complaint/1");
    assert!(body["created_at"].is_string());
    assert_eq!(body["ticket"], serde_json::Value::Null);
}

#[test]
fn call_staff_without_an_outbox_sends_the_citizen_to_the_window() {
    let app = kiosk();
    tap(&app, "呼叫工作人员");
    assert!(app.window().global::<Assist>().get_failed());
    assert!(shows_text(&app, "请到 1 号窗口"));
}

#[test]
fn call_staff_is_on_every_screen() {
    let app = kiosk();
    for screen in Screen::value_variants() {
        if matches!(screen, Screen::Idle | Screen::ComplaintCancel | Screen::CallStaff) {
            continue; // a dialog is up; the button is underneath
        }
        if matches!(screen, Screen::StaffPin | Screen::Staff) {
            continue; // staff are the ones who come; their pages have no citizen's help bar
        }
        app.end_session();
        app.stage(*screen, Language::ZhCn, false);
        assert!(has_control(&app, "呼叫工作人员"), "{screen:?} has no call-staff button");
    }
}

#[test]
fn every_screen_names_a_prompt_that_ships_in_both_languages() {
    let app = kiosk();
    let mut seen = std::collections::BTreeSet::new();
    for screen in Screen::value_variants() {
        if matches!(screen, Screen::StaffPin | Screen::Staff) {
            continue; // always normal mode: nothing is spoken on the staff pages
        }
        app.end_session();
        app.stage(*screen, Language::ZhCn, true);
        let id = app.window().global::<Voice>().get_prompt_id().to_string();
        assert!(PROMPT_IDS.contains(&id.as_str()), "{screen:?}: prompt {id:?} is not in PROMPT_IDS");
        for lang in ["zh", "en"] {
            assert!(shipped_clip(&format!("{lang}/{id}")).is_some(), "{screen:?}: no {lang} clip for {id:?}");
        }
        seen.insert(id);
    }
    assert!(seen.len() >= 17, "screens share prompts: {seen:?}");
}

/// A kiosk with the sample config whose voice records what it is asked to say.
fn kiosk_that_listens() -> (hall_kiosk::screens::app::KioskApp, VoiceLog) {
    i_slint_backend_testing::init_no_event_loop();
    let (voice, log) = VoiceOut::recording();
    let options = hall_kiosk::screens::app::AppOptions { voice: Some(voice), ..Default::default() };
    let app = hall_kiosk::screens::app::KioskApp::new(example_config(), options).expect("kiosk UI builds");
    app.window().window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    app.window().show().expect("window shows");
    (app, log)
}

#[test]
fn repeat_button_only_in_elder_mode_with_audio_on() {
    let (app, log) = kiosk_that_listens();
    assert!(!has_control(&app, "再听一遍"));
    tap(&app, "反映“办不成事”");
    assert!(!log.take().iter().any(|s| s.starts_with("zh/")), "normal mode says nothing");
    tap(&app, "返回");
    tap(&app, "长者模式");
    assert!(has_control(&app, "再听一遍"), "elder mode offers to hear the prompt again");
    assert_eq!(log.take().last().map(String::as_str), Some("zh/home"), "switching it on speaks the screen");
    tap(&app, "反映“办不成事”");
    assert_eq!(
        log.take().last().map(String::as_str),
        Some("zh/complaint-1"),
        "a new screen speaks its prompt"
    );
    tap(&app, "再听一遍");
    assert_eq!(log.take(), ["click", "zh/complaint-1"], "the tap clicks, then the prompt plays again");
    // What a step still needs is said too.
    tap(&app, "更多选项");
    tap(&app, "来回跑了两次以上");
    tap(&app, "不清楚 / 其他");
    log.take();
    // One question per screen: the fact may still be typed on the last screen of step 3,
    // so its Next is the one that says what is missing.
    tap(&app, "下一步");
    log.take();
    tap(&app, "下一步");
    assert_eq!(log.take().last().map(String::as_str), Some("zh/missing-fact"));
}

#[test]
fn no_repeat_button_when_the_hall_turns_audio_off() {
    let mut config = example_config();
    config.config.audio.enabled = false;
    let app = kiosk_with(config);
    tap(&app, "长者模式");
    assert!(!has_control(&app, "再听一遍"));
}
