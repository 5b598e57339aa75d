//! The service-rating flow (好差评) driven headlessly: what reaches the outbox, the reason
//! rule for bad ratings, the follow-up ticket, the repeat filter, no default choice.

mod common;

use common::*;
use hall_kiosk::screens::app::KioskApp;
use hall_kiosk::screens::ui::{Page, Rating, Shell, Ticket};
use serde_json::Value;
use slint::ComponentHandle;

fn page(app: &KioskApp) -> Page {
    app.window().global::<Shell>().get_page()
}

/// Window 3, 王芳, no matter, the given level.
fn rate_window_3(app: &KioskApp, level_label: &str) {
    tap(app, "服务评价");
    assert_eq!(page(app), Page::Rating);
    assert!(shows_text(app, "哪个窗口为您服务？"));
    tap(app, "3 号窗口");
    assert!(shows_text(app, "3 号窗口是谁为您服务？"));
    tap(app, "王芳");
    tap(app, "跳过");
    assert!(shows_text(app, "您对 3 号窗口 王芳 的服务满意吗？"), "the question names who is rated");
    tap(app, level_label);
}

#[test]
fn top_rating_needs_no_reason_and_thanks_then_returns_home() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    rate_window_3(&app, "非常满意");
    assert!(shows_text(&app, "哪些方面做得好？"));
    assert!(shows_text(&app, "第 3 步"), "no total: it depends on the level");
    tap(&app, "提交评价");
    assert_eq!(page(&app), Page::Thanks);
    assert!(shows_text(&app, "感谢您的评价"));

    let b = &pending_bodies(&outbox)[0];
    assert_eq!(b["kind"], "rating");
    assert_eq!(b["ticket"], Value::Null, "a good rating gets no ticket");
    let p = &b["payload"];
    assert_eq!(p["window"], "3");
    assert_eq!(p["staff_id"], "NS0301");
    assert_eq!(p["matter"], Value::Null);
    assert_eq!(p["level"], 5);
    assert_eq!(p["tags"], serde_json::json!([]));
    assert_eq!(p["probable_repeat"], false);
    assert_eq!(p["phone"], Value::Null);

    // Returns home by itself after a few seconds.
    wait_secs(7);
    assert_eq!(page(&app), Page::Thanks);
    wait_secs(1);
    assert_eq!(page(&app), Page::Home);
}

#[test]
fn bad_rating_requires_a_reason_takes_a_callback_and_gets_a_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    rate_window_3(&app, "不满意");
    assert!(shows_text(&app, "哪些方面需要改进？"));
    assert!(shows_text(&app, "第 3 步"));
    assert_eq!(control(&app, "下一步").accessible_enabled(), Some(false), "looks unavailable");
    tap(&app, "下一步");
    assert_eq!(app.window().global::<Rating>().get_step(), 3, "no reason, no way on");
    assert!(shows_text(&app, "请至少选择一个原因。"), "the tap says what is missing");
    tap(&app, "态度生硬、不耐烦");
    assert_eq!(control(&app, "态度生硬、不耐烦").accessible_checked(), Some(true));
    tap(&app, "下一步");
    assert!(shows_text(&app, "需要我们给您回电吗？"));
    for d in "13912345678".chars() {
        tap(&app, &d.to_string());
    }
    tap(&app, "请给我回电");
    tap(&app, "提交评价");

    assert_eq!(page(&app), Page::Ticket);
    assert!(shows_text(&app, "感谢您的评价，我们会跟进处理。"));
    let number = app.window().global::<Ticket>().get_number().to_string();
    let b = &pending_bodies(&outbox)[0];
    assert_eq!(b["ticket"]["number"], number.as_str(), "the follow-up ticket shown is the one queued");
    assert!(b["ticket"]["reply_due"].is_string());
    let p = &b["payload"];
    assert_eq!(p["level"], 2);
    assert_eq!(p["tags"], serde_json::json!(["unfriendly"]));
    assert_eq!(p["phone"], "13912345678");
    assert_eq!(p["callback_requested"], true);
    assert_eq!(p["consent_given"], true);
}

#[test]
fn repeat_ratings_of_a_window_are_thanked_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    for _ in 0..2 {
        rate_window_3(&app, "满意");
        tap(&app, "提交评价");
        assert_eq!(page(&app), Page::Thanks, "every rating is thanked");
        tap(&app, "完成");
    }
    tap(&app, "服务评价");
    tap(&app, "7 号窗口");
    tap(&app, "不确定 / 其他人");
    tap(&app, "跳过");
    tap(&app, "基本满意");
    tap(&app, "提交评价");
    let flags: Vec<_> =
        pending_bodies(&outbox).iter().map(|b| b["payload"]["probable_repeat"].clone()).collect();
    assert_eq!(
        flags,
        [false, true, false],
        "the second rating of window 3 within 10 s is flagged, never dropped"
    );
    assert_eq!(pending_bodies(&outbox)[2]["payload"]["staff_id"], Value::Null);
}

#[test]
fn nothing_is_preselected_and_every_level_reads_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    tap(&app, "服务评价");
    tap(&app, "3 号窗口");
    tap(&app, "王芳");
    tap(&app, "跳过");
    let levels = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"];
    let mut tops = Vec::new();
    for label in levels {
        let c = control(&app, label);
        assert_ne!(c.accessible_checked(), Some(true), "{label} is preselected");
        tops.push(c.absolute_position().y);
    }
    assert!(tops.windows(2).all(|w| w[0] < w[1]), "levels in the scheme's order, best first");
    let sizes: Vec<_> = levels.iter().map(|l| control(&app, l).size()).collect();
    assert!(sizes.windows(2).all(|w| w[0] == w[1]), "all five look alike: {sizes:?}");
}

#[test]
fn back_and_cancel_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    rate_window_3(&app, "非常不满意");
    tap(&app, "返回");
    assert!(shows_text(&app, "您对 3 号窗口 王芳 的服务满意吗？"));
    tap(&app, "返回");
    assert!(shows_text(&app, "您办的是什么事？（可跳过）"));
    tap(&app, "返回");
    assert!(shows_text(&app, "3 号窗口是谁为您服务？"));
    tap(&app, "取消");
    tap(&app, "是，放弃并清除");
    assert_eq!(page(&app), Page::Home);
    assert!(pending_bodies(&outbox).is_empty());
    tap(&app, "服务评价");
    assert_eq!(app.window().global::<Rating>().get_level(), 0);
    assert!(shows_text(&app, "哪个窗口为您服务？"));
}
