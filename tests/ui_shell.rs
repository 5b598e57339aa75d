//! Headless tests of the shell: language switch, elder mode, help page, idle reset.

mod common;

use common::*;
use hall_kiosk::screens::ui::{Idle, Page, Shell, Theme};
use slint::ComponentHandle;

#[test]
fn starts_on_home_in_chinese() {
    let app = kiosk();
    let shell = app.window().global::<Shell>();
    assert_eq!(shell.get_page(), Page::Home);
    assert_eq!(shell.get_language(), "zh");
    assert!(shows_text(&app, "南山区政务服务中心"));
    assert!(shows_text(&app, "您好，请问您要办理什么？"));
    assert!(shows_text(&app, "需要帮助？请到 1 号窗口。"));
}

#[test]
fn language_switch_changes_visible_text() {
    let app = kiosk();
    tap(&app, "切换语言");
    assert!(shows_text(&app, "Welcome. What would you like to do?"), "labels: {:?}", labels(&app));
    assert!(shows_text(&app, "Nanshan District Government Service Center"));
    assert!(!shows_text(&app, "您好，请问您要办理什么？"));
    assert!(has_control(&app, "Elder mode"));
    tap(&app, "Switch language");
    assert!(shows_text(&app, "您好，请问您要办理什么？"));
    assert!(has_control(&app, "长者模式"));
}

#[test]
fn elder_switch_changes_theme_sizes() {
    let app = kiosk();
    let theme = app.window().global::<Theme>();
    let help_button = control(&app, "使用说明");
    let normal_height = help_button.size().height;
    let normal_body = theme.get_font_body();
    assert!(normal_height >= 88.0, "normal target {normal_height}");

    let switch = control(&app, "长者模式");
    assert_eq!(switch.accessible_checked(), Some(false));
    tap(&app, "长者模式");
    assert!(theme.get_elder());
    assert_eq!(control(&app, "长者模式").accessible_checked(), Some(true));
    assert!(theme.get_font_body() >= 40.0 && theme.get_font_body() > normal_body);
    let elder_height = control(&app, "使用说明").size().height;
    assert!(elder_height >= 120.0, "elder target {elder_height}");

    tap(&app, "长者模式");
    assert!(!theme.get_elder());
}

#[test]
fn help_page_opens_and_returns() {
    let app = kiosk();
    tap(&app, "使用说明");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Help);
    assert!(shows_text(&app, "自助终端使用说明"));
    tap(&app, "返回首页");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Home);
}

#[test]
fn idle_countdown_appears_and_a_tap_keeps_the_session() {
    let app = kiosk();
    let idle = app.window().global::<Idle>();
    tap(&app, "切换语言");
    tap(&app, "How to use");
    wait_secs(89);
    assert!(!idle.get_countdown_visible(), "not before the idle timeout");
    wait_secs(1);
    assert!(idle.get_countdown_visible());
    assert!(has_control(&app, "I'm still here"));
    wait_secs(5);
    assert_eq!(idle.get_seconds_left(), 25);

    tap(&app, "I'm still here");
    assert!(!idle.get_countdown_visible());
    let shell = app.window().global::<Shell>();
    assert_eq!(shell.get_page(), Page::Help, "the session goes on");
    assert_eq!(shell.get_language(), "en", "nothing was reset");

    // The idle time starts over after the tap, and nothing is wiped at the old deadline.
    wait_secs(60);
    assert!(!idle.get_countdown_visible());
    assert_eq!(shell.get_page(), Page::Help);
}

#[test]
fn idle_countdown_without_a_tap_wipes_the_session() {
    let app = kiosk();
    let shell = app.window().global::<Shell>();
    let idle = app.window().global::<Idle>();
    tap(&app, "切换语言");
    tap(&app, "Elder mode");
    tap(&app, "How to use");
    assert_eq!(shell.get_page(), Page::Help);

    // Elder mode waits twice as long before asking.
    wait_secs(179);
    assert!(!idle.get_countdown_visible());
    wait_secs(1);
    assert!(idle.get_countdown_visible());
    wait_secs(29);
    assert_eq!(shell.get_page(), Page::Help, "still counting down");
    wait_secs(1);

    assert!(!idle.get_countdown_visible());
    assert_eq!(shell.get_page(), Page::Home);
    assert_eq!(shell.get_language(), "zh", "back to the hall's default language");
    assert!(!app.window().global::<Theme>().get_elder(), "back to the hall's default mode");
    assert!(shows_text(&app, "您好，请问您要办理什么？"));
}

#[test]
fn idle_on_home_quietly_restores_defaults() {
    let app = kiosk();
    let shell = app.window().global::<Shell>();
    tap(&app, "切换语言");
    wait_secs(90);
    assert!(!app.window().global::<Idle>().get_countdown_visible(), "home holds no personal data: no prompt");
    assert_eq!(shell.get_language(), "zh");
}

#[test]
fn every_control_has_an_accessible_label_in_the_current_language() {
    let app = kiosk();
    for language_tap in ["切换语言", "Switch language"] {
        for page in [Page::Home, Page::Help] {
            app.window().global::<Shell>().set_page(page);
            let controls = controls(&app);
            assert!(!controls.is_empty());
            for c in controls {
                let label = c.accessible_label().unwrap_or_default();
                assert!(!label.trim().is_empty(), "unlabelled control on {page:?}");
            }
        }
        app.window().global::<Shell>().set_page(Page::Home);
        tap(&app, language_tap);
    }
}
