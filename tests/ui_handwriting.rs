//! The writing pad driven headlessly as a finger would: strokes of a hand-drawn fixture
//! pressed, moved and lifted on the pad (pointer events at its place on screen), a
//! candidate tapped into the complaint text, a hall phrase offered next, 退格 and 重写,
//! Done keeping a character still on the pad, elder mode opening on the pad, the idle wipe.

mod common;

use common::*;
use hall_kiosk::config::Language;
use hall_kiosk::screens::app::KioskApp;
use hall_kiosk::screens::staging::Screen;
use hall_kiosk::screens::ui::{Complaint, Keyboard, KeyboardLayout, Page, Shell, Theme};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, Model};

fn panel(app: &KioskApp) -> ElementHandle {
    ElementHandle::find_by_element_type_name(app.window(), "KeyboardPanel")
        .next()
        .expect("the keyboard is up")
}

/// Taps the keyboard's key or candidate with this label.
fn key(app: &KioskApp, label: &str) {
    settle(app); // the keyboard just opened or changed: a finger comes a moment later
    let wanted = label.to_string();
    let found = panel(app)
        .query_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .match_predicate(move |e| e.accessible_label().is_some_and(|l| l == wanted))
        .find_all();
    match found.as_slice() {
        [one] => one.mock_single_click(PointerEventButton::Left),
        [] => panic!("no key {label:?}; candidates {:?}", candidates(app)),
        more => panic!("{} keys labelled {label:?}", more.len()),
    }
    app.settle_keyboard();
}

fn candidates(app: &KioskApp) -> Vec<String> {
    app.window().global::<Keyboard>().get_candidates().iter().map(|s| s.to_string()).collect()
}

/// Draws a fixture's strokes on the pad, scaled from its box to the pad's place on
/// screen: press, move through every point, lift.
fn write(app: &KioskApp, fixture: &str) {
    settle(app);
    let pad = ElementHandle::find_by_accessible_label(app.window(), "手写板")
        .chain(ElementHandle::find_by_accessible_label(app.window(), "Writing pad"))
        .next()
        .expect("the writing pad is on screen");
    let at = pad.absolute_position();
    let size = pad.size();
    assert!(size.width >= 600.0 && size.height >= 600.0, "the pad is {size:?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/strokes").join(fixture);
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (w, h) = (json["width"].as_f64().unwrap() as f32, json["height"].as_f64().unwrap() as f32);
    let window = app.window().window();
    let point = |p: &serde_json::Value| {
        let x = p[0].as_f64().unwrap() as f32 * size.width / w;
        let y = p[1].as_f64().unwrap() as f32 * size.height / h;
        LogicalPosition::new(at.x + x, at.y + y)
    };
    for stroke in json["strokes"].as_array().unwrap() {
        let points = stroke.as_array().unwrap();
        let first = point(&points[0]);
        window.dispatch_event(WindowEvent::PointerMoved { position: first });
        window.dispatch_event(WindowEvent::PointerPressed {
            position: first,
            button: PointerEventButton::Left,
        });
        for p in &points[1..] {
            window.dispatch_event(WindowEvent::PointerMoved { position: point(p) });
        }
        let last = point(points.last().unwrap());
        window.dispatch_event(WindowEvent::PointerReleased {
            position: last,
            button: PointerEventButton::Left,
        });
    }
    app.settle_keyboard();
}

fn to_the_words_field(app: &KioskApp) {
    tap(app, "反映“办不成事”");
    tap(app, "来回跑了两次以上");
    tap(app, "人力资源和社会保障局");
    tap(app, "养老保险关系转移");
    tap(app, "用您自己的话说说经过（可不填）");
}

#[test]
fn a_character_written_on_the_pad_goes_into_the_complaint_and_a_hall_phrase_follows() {
    let app = kiosk_with_pinyin(example_config(), None);
    let kb = app.window().global::<Keyboard>();
    to_the_words_field(&app);
    assert_eq!(kb.get_layout(), KeyboardLayout::Pinyin, "a standing citizen in Chinese starts on pinyin");
    key(&app, "手写输入");
    assert_eq!(kb.get_layout(), KeyboardLayout::Handwriting);
    assert_eq!(kb.get_ink(), "");

    write(&app, "bu.json");
    assert!(kb.get_ink().matches('M').count() == 4, "four strokes show: {}", kb.get_ink());
    assert_eq!(candidates(&app).first().map(String::as_str), Some("不"), "{:?}", candidates(&app));
    key(&app, "不");
    assert_eq!(kb.get_complaint_text().text, "不");
    assert_eq!(kb.get_ink(), "", "the pad is empty for the next character");
    // What follows: the hall's own names first (不动产登记中心 is a department).
    assert!(kb.get_suggesting_next());
    let next = candidates(&app);
    assert!(next.iter().any(|c| c == "动产登记中心"), "{next:?}");
    key(&app, "动产登记中心");
    assert_eq!(kb.get_complaint_text().text, "不动产登记中心");
    assert_eq!(kb.get_complaint_text().count, 7);

    // 退格 takes back a stroke while writing, then characters; 重写 empties the pad.
    write(&app, "kou.json");
    assert_eq!(kb.get_ink().matches('M').count(), 3);
    key(&app, "删除");
    assert_eq!(kb.get_ink().matches('M').count(), 2, "one stroke taken back");
    app.settle_keyboard();
    key(&app, "重写：清空手写板");
    assert_eq!(kb.get_ink(), "");
    assert!(candidates(&app).is_empty(), "the candidates went with the ink");
    key(&app, "删除");
    assert_eq!(kb.get_complaint_text().text, "不动产登记中", "with the pad empty, 退格 deletes a character");

    // Done with a character still on the pad keeps it: its best candidate is entered.
    write(&app, "ri.json");
    key(&app, "完成");
    assert!(!kb.get_open());
    assert_eq!(kb.get_complaint_text().text, "不动产登记中日");
}

#[test]
fn elder_mode_opens_on_the_pad_and_the_idle_wipe_clears_it() {
    let app = kiosk_with_pinyin(example_config(), None);
    let kb = app.window().global::<Keyboard>();
    // Steps 1 and 2 as staged for the screenshots, then the words' own page (elder mode
    // asks one question per screen).
    app.stage(Screen::ComplaintDetails, Language::ZhCn, true);
    assert!(app.window().global::<Theme>().get_elder());
    app.window().global::<Complaint>().invoke_next();
    tap(&app, "用您自己的话说说经过（可不填）");
    assert_eq!(kb.get_layout(), KeyboardLayout::Handwriting, "elder mode offers handwriting first");
    let pad = ElementHandle::find_by_accessible_label(app.window(), "手写板").next().unwrap();
    assert!(pad.size().width >= 700.0, "most of the keyboard's width: {:?}", pad.size());
    write(&app, "wang.json");
    assert_eq!(candidates(&app).first().map(String::as_str), Some("王"));
    assert_eq!(candidates(&app).len(), 3, "elder pages hold three candidates");
    key(&app, "王");
    write(&app, "da.json");
    assert!(!kb.get_ink().is_empty());
    // Nobody touches the screen: elder mode waits twice as long, then the countdown, the wipe.
    wait_secs(2 * 90 + 30);
    app.settle_keyboard();
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Home);
    assert_eq!(kb.get_complaint_text().text, "", "the text is gone");
    assert_eq!(kb.get_ink(), "", "and the ink");
    assert!(candidates(&app).is_empty());
}
