//! The on-screen keyboard driven headlessly by accessible labels, as a citizen taps it:
//! pinyin turned into 社保, 公积金 and a hall phrase, an English word, the length limit and
//! its counter, what reaches the outbox (NFC, no control characters), and the idle wipe.
//! The pinyin is what a person would type; the candidates are librime's, deployed for this
//! test binary (tests/common `pinyin_engine`).

mod common;

use common::*;
use hall_kiosk::screens::app::KioskApp;
use hall_kiosk::screens::ui::{Keyboard, Page, Shell};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

/// The keyboard on screen, if it is up.
fn keyboard_panel(app: &KioskApp) -> Option<ElementHandle> {
    ElementHandle::find_by_element_type_name(app.window(), "KeyboardPanel").next()
}

/// Taps the key (or candidate) with this label on the keyboard itself.
fn key(app: &KioskApp, label: &str) {
    settle(app); // the keyboard just opened or changed: a finger comes a moment later
    let panel = keyboard_panel(app).expect("the keyboard is up");
    let wanted = label.to_string();
    let found = panel
        .query_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .match_predicate(move |e| e.accessible_label().is_some_and(|l| l == wanted))
        .find_all();
    match found.as_slice() {
        [one] => one.mock_single_click(PointerEventButton::Left),
        [] => panic!("no key {label:?}; candidates {:?}", candidates(app)),
        more => panic!("{} keys labelled {label:?}", more.len()),
    }
}

/// Taps each letter, then lets the engine answer.
fn type_letters(app: &KioskApp, letters: &str) {
    for c in letters.chars() {
        key(app, &c.to_string());
    }
    app.settle_keyboard();
}

/// The candidates on show.
fn candidates(app: &KioskApp) -> Vec<String> {
    use slint::Model;
    app.window().global::<Keyboard>().get_candidates().iter().map(|s| s.to_string()).collect()
}

/// Steps 1 and 2 of a complaint, then the "own words" field of step 3.
fn to_the_words_field(app: &KioskApp) {
    tap(app, "反映“办不成事”");
    tap(app, "来回跑了两次以上");
    tap(app, "人力资源和社会保障局");
    tap(app, "养老保险关系转移");
    assert!(shows_text(app, "再多告诉我们一点"));
    assert!(keyboard_panel(app).is_none(), "the keyboard is down until a field is tapped");
    tap(app, "用您自己的话说说经过（可不填）");
    assert!(keyboard_panel(app).is_some(), "tapping the field brings the keyboard up");
}

#[test]
fn pinyin_hall_phrases_and_english_reach_the_outbox_in_nfc() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), TOKEN));
    let (outbox, _) = hall_kiosk::delivery::outbox::Outbox::open(&config.data_dir()).unwrap();
    let reader = outbox.another_connection().unwrap();
    let submitter = hall_kiosk::delivery::submission::Submitter::new(&config, outbox);
    let app = kiosk_with_pinyin(config, Some(submitter));
    let kb = app.window().global::<Keyboard>();
    to_the_words_field(&app);
    assert_eq!(kb.get_layout(), hall_kiosk::screens::ui::KeyboardLayout::Pinyin, "Chinese opens on pinyin");

    type_letters(&app, "shebao");
    assert_eq!(kb.get_preedit(), "she bao");
    assert_eq!(candidates(&app).first().map(String::as_str), Some("社保"));
    key(&app, "社保");
    app.settle_keyboard();
    assert_eq!(kb.get_complaint_text().text, "社保");
    assert_eq!(kb.get_preedit(), "", "the whole input was used");

    type_letters(&app, "gjj");
    key(&app, "公积金");
    app.settle_keyboard();
    // A hall phrase from the config, by its initials.
    type_letters(&app, "bbcs");
    assert_eq!(candidates(&app).first().map(String::as_str), Some("办不成事"));
    key(&app, "办不成事");
    app.settle_keyboard();
    assert_eq!(kb.get_complaint_text().text, "社保公积金办不成事");

    // An English word, then a combining accent (as another layout or a pad could send it)
    // and a control character: stored as one precomposed letter, the control dropped.
    key(&app, "英文字母");
    key(&app, "空格");
    type_letters(&app, "cafe");
    kb.invoke_key("\u{301}".into());
    kb.invoke_key("\u{7}".into());
    assert_eq!(kb.get_complaint_text().text, "社保公积金办不成事 caf\u{e9}");
    assert_eq!(kb.get_complaint_text().count, 14);
    assert!(shows_text(&app, "14/300 字"), "the counter is on screen");
    // Once: on the keyboard, not again under the field, where it could lie half under it.
    let counters = || ElementHandle::find_by_accessible_label(app.window(), "14/300 字").count();
    assert_eq!(counters(), 1, "the count is shown once while typing");
    key(&app, "完成");
    assert!(keyboard_panel(&app).is_none());
    assert_eq!(counters(), 1, "and under the field once the keyboard is down");

    tap(&app, "3 次及以上");
    tap(&app, "下一步");
    tap(&app, "不留号码，继续");
    assert!(shows_text(&app, "社保公积金办不成事 caf\u{e9}"), "the summary shows the words");
    tap(&app, "提交");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Ticket);
    let bodies = pending_bodies(&reader);
    assert_eq!(bodies[0]["payload"]["free_text"], "社保公积金办不成事 caf\u{e9}");
    let raw = String::from_utf8(reader.due(i64::MAX, 0, 10).unwrap()[0].body.clone()).unwrap();
    assert!(raw.contains("caf\u{e9}") && !raw.contains("e\u{301}"), "NFC in the stored bytes");
    assert!(bodies[0]["payload"].get("unlisted_matter").is_none());
    assert_eq!(kb.get_complaint_text().text, "", "sending wipes the field");
}

#[test]
fn a_name_field_stops_at_forty_characters_and_says_so() {
    let app = kiosk_with_pinyin(example_config(), None);
    let kb = app.window().global::<Keyboard>();
    tap(&app, "反映“办不成事”");
    tap(&app, "来回跑了两次以上");
    tap(&app, "人力资源和社会保障局");
    tap(&app, "列表里没有我要办的事");
    tap(&app, "您办的事项叫什么？（可不填）");
    key(&app, "英文字母");
    for _ in 0..39 {
        key(&app, "a");
    }
    assert!(shows_text(&app, "39/40 字"));
    assert!(!kb.get_full());
    key(&app, "b");
    key(&app, "c");
    assert_eq!(kb.get_matter_name().count, 40, "the limit holds");
    assert!(kb.get_matter_name().text.ends_with('b'), "what fits is kept, the rest refused");
    assert!(kb.get_full());
    assert!(shows_text(&app, "已达字数上限。"));
    key(&app, "删除");
    assert_eq!(kb.get_matter_name().count, 39);
    assert!(!kb.get_full());
    key(&app, "完成");
    // The name is a fact the hall can act on, and is shown on the summary.
    tap(&app, "1 次");
    tap(&app, "下一步");
    tap(&app, "不留号码，继续");
    assert!(shows_text(&app, &format!("{} · 人力资源和社会保障局", "a".repeat(39))));
}

#[test]
fn the_idle_wipe_clears_the_text_and_the_open_pinyin() {
    let app = kiosk_with_pinyin(example_config(), None);
    let kb = app.window().global::<Keyboard>();
    to_the_words_field(&app);
    type_letters(&app, "shebao");
    key(&app, "社保");
    type_letters(&app, "gong");
    assert_eq!(kb.get_preedit(), "gong");
    // Nobody touches the screen: the "still there?" countdown, then the wipe.
    wait_secs(90 + 30);
    app.settle_keyboard();
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Home);
    assert!(!kb.get_open(), "the keyboard is down");
    assert_eq!(kb.get_complaint_text().text, "", "the text is gone");
    assert_eq!(kb.get_preedit(), "");
    // The next citizen starts from nothing: no letters left in the engine either.
    to_the_words_field(&app);
    type_letters(&app, "bao");
    assert_eq!(kb.get_preedit(), "bao");
    assert!(!candidates(&app).iter().any(|c| c.starts_with("公")), "{:?}", candidates(&app));
}

#[test]
fn space_takes_the_first_candidate_and_punctuation_ends_the_pinyin() {
    let app = kiosk_with_pinyin(example_config(), None);
    let kb = app.window().global::<Keyboard>();
    to_the_words_field(&app);
    type_letters(&app, "yibao");
    key(&app, "空格");
    app.settle_keyboard();
    assert_eq!(kb.get_complaint_text().text, "医保");
    type_letters(&app, "shebao");
    key(&app, "。");
    app.settle_keyboard();
    assert_eq!(kb.get_complaint_text().text, "医保社保。");
    // Letters left open when the layout changes are kept as letters, never lost.
    type_letters(&app, "zz");
    key(&app, "数字和标点");
    app.settle_keyboard();
    assert_eq!(kb.get_complaint_text().text, "医保社保。zz");
    key(&app, "1");
    key(&app, "删除");
    key(&app, "删除");
    assert_eq!(kb.get_complaint_text().text, "医保社保。z");
}

#[test]
fn english_opens_on_letters_and_a_rating_comment_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), TOKEN));
    let (outbox, _) = hall_kiosk::delivery::outbox::Outbox::open(&config.data_dir()).unwrap();
    let reader = outbox.another_connection().unwrap();
    let submitter = hall_kiosk::delivery::submission::Submitter::new(&config, outbox);
    let app = kiosk_with_pinyin(config, Some(submitter));
    let kb = app.window().global::<Keyboard>();
    tap(&app, "切换语言");
    tap(&app, "Rate a service");
    let window = controls(&app)
        .into_iter()
        .find_map(|c| c.accessible_label().filter(|l| l.starts_with("Window")))
        .unwrap();
    tap(&app, &window);
    if has_control(&app, "Not sure / someone else") {
        tap(&app, "Not sure / someone else");
    }
    if has_control(&app, "Skip this question") {
        tap(&app, "Skip this question");
    }
    tap(&app, "Very satisfied");
    tap(&app, "Anything else to tell us? (optional)");
    assert_eq!(kb.get_layout(), hall_kiosk::screens::ui::KeyboardLayout::English, "English opens on letters");
    type_letters(&app, "kind");
    assert!(shows_text(&app, "4/200 characters"));
    key(&app, "Done");
    tap(&app, "Send rating");
    let bodies = pending_bodies(&reader);
    assert_eq!(bodies[0]["payload"]["comment"], "kind");
    assert_eq!(kb.get_rating_comment().text, "");
}
