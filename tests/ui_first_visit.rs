//! What a first-time citizen ran into (lost tickets, silent resets, empty reports, three
//! ways of saying "not yet"), each replayed headlessly as a person taps, so it cannot come
//! back unnoticed.

mod common;

use common::*;
use hall_kiosk::screens::app::KioskApp;
use hall_kiosk::screens::ui::{Assist, Complaint, Page, Phone, Rating, Shell, Theme, Ticket};
use i_slint_backend_testing::ElementHandle;
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition, Model};

fn page(app: &KioskApp) -> Page {
    app.window().global::<Shell>().get_page()
}

/// The centre of a control on screen.
fn centre(e: &ElementHandle) -> LogicalPosition {
    let p = e.absolute_position();
    let s = e.size();
    LogicalPosition::new(p.x + s.width / 2.0, p.y + s.height / 2.0)
}

/// What passes between the two taps of a quick double tap: the event loop runs its
/// `changed` handlers, and about 120 ms go by.
fn between_taps() {
    slint::platform::update_timers_and_animations();
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(120));
}

/// A finger press and release at `at`, wherever that is now.
fn tap_at(app: &KioskApp, at: LogicalPosition) {
    let w = app.window().window();
    w.dispatch_event(WindowEvent::PointerPressed { position: at, button: PointerEventButton::Left });
    w.dispatch_event(WindowEvent::PointerReleased { position: at, button: PointerEventButton::Left });
}

/// Complaint steps 1–4 as a citizen fills them: repeated trips, social security, pension
/// transfer, a phrase, three visits, no number; ends on the summary.
fn to_summary(app: &KioskApp) {
    to_contact_step(app);
    tap(app, "不留号码，继续");
    assert!(shows_text(app, "请核对后提交"));
}

/// Complaint steps 1–3 as in [`to_summary`]; ends on the contact step.
fn to_contact_step(app: &KioskApp) {
    tap(app, "反映“办不成事”");
    if !has_control(app, "来回跑了两次以上") {
        tap(app, "更多选项"); // elder mode pages its tiles
    }
    tap(app, "来回跑了两次以上");
    if !has_control(app, "人力资源和社会保障局") {
        tap(app, "更多选项");
    }
    tap(app, "人力资源和社会保障局");
    tap(app, "养老保险关系转移");
    tap(app, "没有一次性告知要什么");
    if app.window().global::<Theme>().get_elder() {
        tap(app, "下一步");
    }
    tap(app, "3 次及以上");
    tap(app, "下一步");
}

/// An offline kiosk, in elder mode or not (its data directory first, dropped last).
fn kiosk_for(elder: bool) -> (tempfile::TempDir, KioskApp, hall_kiosk::delivery::outbox::Outbox) {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    app.window().global::<Theme>().set_elder(elder);
    (dir, app, outbox)
}

#[test]
fn a_double_tap_on_send_keeps_the_ticket() {
    double_tap_on_send(false);
}

#[test]
fn a_double_tap_on_send_keeps_the_ticket_in_elder_mode() {
    double_tap_on_send(true);
}

fn double_tap_on_send(elder: bool) {
    let (_dir, app, outbox) = kiosk_for(elder);
    to_summary(&app);
    settle(&app); // the citizen reads the summary first
    let send = centre(&control(&app, "提交"));
    // Two quick taps in the same place.
    double_tap_at(&app, send);
    assert_eq!(page(&app), Page::Ticket, "elder {elder}: the second tap must not close the ticket");
    assert_ne!(app.window().global::<Ticket>().get_number(), "");
    assert_eq!(pending_bodies(&outbox).len(), 1, "queued once");
    // Nothing that closes the ticket sits where Send was.
    let done = control(&app, "完成");
    let (p, s) = (done.absolute_position(), done.size());
    let under = send.x >= p.x && send.x <= p.x + s.width && send.y >= p.y && send.y <= p.y + s.height;
    assert!(!under, "elder {elder}: Done sits under Send");
    // A moment later Done works.
    wait_secs(2);
    tap(&app, "完成");
    assert_eq!(page(&app), Page::Home);
}

#[test]
fn a_double_tap_on_send_after_a_bad_rating_keeps_the_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    tap(&app, "服务评价");
    tap(&app, "4 号窗口");
    tap(&app, "跳过");
    tap(&app, "非常不满意");
    tap(&app, "态度生硬、不耐烦");
    tap(&app, "下一步");
    settle(&app);
    let send = centre(&control(&app, "不留号码，直接提交"));
    double_tap_at(&app, send);
    assert_eq!(page(&app), Page::Ticket);
    // "Done" taps inside the guard are ignored even when they reach the shell.
    app.window().global::<Shell>().invoke_finish();
    assert_eq!(page(&app), Page::Ticket);
}

#[test]
fn the_ticket_closes_itself_after_a_visible_countdown_and_can_be_kept_open() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    to_summary(&app);
    tap(&app, "提交");
    let ticket = app.window().global::<Ticket>();
    assert_eq!(ticket.get_seconds_left(), 60);
    wait_secs(50);
    assert_eq!(page(&app), Page::Ticket);
    assert!(shows_text(&app, "为保护您的隐私，本页将在 10 秒后关闭，请先拍照保存。"));
    tap(&app, "再看一会儿");
    assert_eq!(ticket.get_seconds_left(), 60, "one tap starts the countdown over");
    wait_secs(59);
    assert_eq!(page(&app), Page::Ticket);
    wait_secs(1);
    assert_eq!(page(&app), Page::Home, "the private QR code does not wait for the next person");
    assert_eq!(ticket.get_number(), "");
    assert_eq!(ticket.get_qr().size().width, 0);
}

#[test]
fn the_elder_ticket_waits_twice_as_long_and_keeps_the_number_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    tap(&app, "长者模式");
    to_summary(&app);
    tap(&app, "提交");
    assert_eq!(app.window().global::<Ticket>().get_seconds_left(), 120);
    assert!(shows_text(&app, "请用手机拍下或扫描二维码，或记下回执编号，查询进度时要用。"));
    let number = ElementHandle::find_by_accessible_label(app.window(), "回执编号")
        .find(|e| e.accessible_value().is_some_and(|v| !v.is_empty()))
        .expect("the number is on screen");
    // One line of the number's type is about 1.2 em; two lines would be twice that.
    let height = number.size().height;
    let width = number.size().width;
    assert!(height < 110.0, "the ticket number wraps: {width}×{height}");
    wait_secs(119);
    assert_eq!(page(&app), Page::Ticket);
    wait_secs(1);
    assert_eq!(page(&app), Page::Home);
}

#[test]
fn back_from_an_empty_start_keeps_the_citizens_choices_and_asks_when_something_was_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    tap(&app, "切换语言");
    tap(&app, "Elder mode");
    tap(&app, "Report a matter that could not get done");
    tap(&app, "Back");
    assert_eq!(page(&app), Page::Home);
    assert!(app.window().global::<Theme>().get_elder(), "going home by choice keeps elder mode");
    assert_eq!(app.window().global::<Shell>().get_language(), "en", "and the language");

    tap(&app, "Report a matter that could not get done");
    tap(&app, "Missing documents or a proof");
    tap(&app, "Back");
    tap(&app, "Back");
    assert_eq!(page(&app), Page::Complaint, "Back on the first step asks first, like Cancel");
    assert!(app.window().global::<Complaint>().get_cancel_asked());
    tap(&app, "No, keep going");
    assert_eq!(page(&app), Page::Complaint);

    // Cancel confirmed ends the session: the hall's defaults come back.
    tap(&app, "Cancel");
    tap(&app, "Yes, stop and clear");
    assert_eq!(app.window().global::<Shell>().get_language(), "zh");
    // The same question in the rating flow.
    tap(&app, "服务评价");
    tap(&app, "4 号窗口");
    tap(&app, "返回");
    tap(&app, "返回");
    assert!(app.window().global::<Rating>().get_cancel_asked());
}

#[test]
fn something_else_needs_one_concrete_fact_before_it_can_be_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    tap(&app, "反映“办不成事”");
    tap(&app, "其他问题");
    tap(&app, "不清楚 / 其他");
    tap(&app, "1 次");
    let next = control(&app, "下一步");
    assert_eq!(next.accessible_enabled(), Some(false), "looks unavailable until the report says something");
    assert!(next.accessible_description().is_some_and(|d| d.contains("请至少点选一项")));
    tap(&app, "下一步");
    assert_eq!(app.window().global::<Complaint>().get_step(), 3);
    assert!(shows_text(
        &app,
        "请至少点选一项发生的情况，或用自己的话写下来，工作人员才知道要查什么。如果想当面说，请到 1 号窗口，工作人员会帮您。"
    ));
    assert!(pending_bodies(&outbox).is_empty());
}

#[test]
fn the_visit_count_is_asked_once_and_in_elder_mode_on_its_own_screen() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    tap(&app, "反映“办不成事”");
    tap(&app, "来回跑了两次以上");
    tap(&app, "不清楚 / 其他");
    let labels = labels(&app);
    assert!(!labels.iter().any(|l| l.contains("来了")), "only the visit question counts visits: {labels:?}");
    // The question follows the phrases (and the field for the citizen's own words right
    // under them), not 700 px below.
    let last_phrase = control(&app, "为一份复印件又跑一趟");
    let words = control(&app, "用您自己的话说说经过（可不填）");
    let once = control(&app, "1 次");
    let gap = words.absolute_position().y - (last_phrase.absolute_position().y + last_phrase.size().height);
    assert!(gap < 120.0, "the words field sits {gap} px under the phrases");
    let gap = once.absolute_position().y - (words.absolute_position().y + words.size().height);
    assert!(gap < 200.0, "visits sit {gap} px under the words field");

    tap(&app, "取消");
    tap(&app, "是，放弃并清除");
    tap(&app, "长者模式");
    tap(&app, "反映“办不成事”");
    tap(&app, "更多选项");
    tap(&app, "来回跑了两次以上");
    tap(&app, "不清楚 / 其他");
    assert!(!has_control(&app, "1 次"), "elder mode: one question per screen");
    tap(&app, "为一份复印件又跑一趟");
    tap(&app, "下一步");
    assert!(has_control(&app, "1 次") && !has_control(&app, "为一份复印件又跑一趟"));
    tap(&app, "下一步");
    assert!(shows_text(&app, "请先选择您来了几次。"), "the tap says what is missing");
    tap(&app, "2 次");
    tap(&app, "下一步");
    assert_eq!(app.window().global::<Complaint>().get_step(), 4);
    tap(&app, "返回");
    assert!(has_control(&app, "2 次"), "Back lands on the last question of step 3");
}

#[test]
fn the_phone_message_keeps_its_space() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    to_summary(&app);
    tap(&app, "返回");
    let before = control(&app, "1").absolute_position().y;
    tap(&app, "1");
    tap(&app, "2");
    assert!(shows_text(&app, "手机号以 13 至 19 开头。"));
    assert_eq!(control(&app, "1").absolute_position().y, before, "the pad does not move under the finger");
}

#[test]
fn calling_staff_offline_says_what_is_true() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    tap(&app, "呼叫工作人员");
    assert!(shows_text(&app, "您的呼叫正在等待发送"), "queued is not 'someone is coming'");
    assert!(!shows_text(&app, "工作人员马上就来"));
    let id = app.window().global::<Assist>().get_submission_id().to_string();
    outbox.mark_delivered(&id, 1).unwrap();
    wait_secs(2);
    assert!(shows_text(&app, "工作人员马上就来"), "once the call has reached the staff");
}

#[test]
fn a_window_with_one_person_does_not_ask_who_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    tap(&app, "服务评价");
    tap(&app, "4 号窗口");
    assert!(!shows_text(&app, "4 号窗口是谁为您服务？"));
    tap(&app, "跳过");
    assert!(shows_text(&app, "您对 4 号窗口 赵敏 的服务满意吗？"));
    tap(&app, "满意");
    tap(&app, "提交评价");
    assert_eq!(pending_bodies(&outbox)[0]["payload"]["staff_id"], "NS0401");
}

#[test]
fn a_number_typed_for_a_bad_rating_is_not_sent_with_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    tap(&app, "服务评价");
    tap(&app, "4 号窗口");
    tap(&app, "跳过");
    tap(&app, "不满意");
    tap(&app, "态度生硬、不耐烦");
    tap(&app, "下一步");
    for d in "13912345678".chars() {
        tap(&app, &d.to_string());
    }
    tap(&app, "提交评价"); // no call-back chosen: refused, the number is not taken
    assert_eq!(page(&app), Page::Rating);
    tap(&app, "返回");
    tap(&app, "返回");
    tap(&app, "非常满意");
    tap(&app, "提交评价");
    let p = &pending_bodies(&outbox)[0]["payload"];
    assert_eq!(p["level"], 5);
    assert_eq!(p["phone"], serde_json::Value::Null, "no consent, no number");
    assert_eq!(p["consent_given"], false);
}

#[test]
fn every_problem_type_has_its_own_icon() {
    let app = kiosk();
    tap(&app, "反映“办不成事”");
    let types = app.window().global::<Complaint>().get_problem_types();
    let icons: Vec<String> = types.iter().map(|c| c.icon.to_string()).collect();
    let distinct: std::collections::BTreeSet<_> = icons.iter().collect();
    assert_eq!(distinct.len(), icons.len(), "icons repeat: {icons:?}");
    assert!(icons.iter().all(|i| !i.is_empty()));
}

#[test]
fn the_last_elder_page_says_it_goes_back_to_the_first() {
    let app = kiosk();
    tap(&app, "长者模式");
    tap(&app, "反映“办不成事”");
    let mut pages = 1;
    while has_control(&app, "更多选项") {
        tap(&app, "更多选项");
        pages += 1;
        assert!(pages < 10, "the pages never end: {:?}", labels(&app));
    }
    assert!(pages >= 2, "nine problem types are paged in elder mode");
    assert!(has_control(&app, "回到第 1 页"), "on the last page: {:?}", labels(&app));
    tap(&app, "回到第 1 页");
    assert!(has_control(&app, "更多选项"));
}

#[test]
fn sent_back_and_forth_names_every_department() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    tap(&app, "反映“办不成事”");
    tap(&app, "部门之间来回推");
    assert!(shows_text(&app, "请点选把您推来推去的每个部门，然后点下一步。"));
    tap(&app, "下一步");
    assert_eq!(app.window().global::<Complaint>().get_step(), 2, "no department, no way on");
    tap(&app, "不动产登记中心");
    tap(&app, "税务局");
    tap(&app, "民政局");
    tap(&app, "民政局"); // changed their mind
    assert_eq!(control(&app, "税务局").accessible_checked(), Some(true));
    tap(&app, "下一步");
    assert_eq!(app.window().global::<Complaint>().get_step(), 3, "two departments: no single matter to ask");
    tap(&app, "返回");
    assert!(
        shows_text(&app, "请点选把您推来推去的每个部门，然后点下一步。"),
        "Back returns to the departments, not to an empty matter list"
    );
    assert_eq!(control(&app, "税务局").accessible_checked(), Some(true), "the choice is kept");
    tap(&app, "下一步");
    tap(&app, "几个部门都说不归自己管");
    tap(&app, "3 次及以上");
    tap(&app, "下一步");
    tap(&app, "不留号码，继续");
    assert!(shows_text(&app, "不动产登记中心、税务局"));
    assert!(shows_text(&app, "涉及部门"), "departments are not called a matter");
    assert!(!shows_text(&app, "办理事项"));
    tap(&app, "提交");
    let p = &pending_bodies(&outbox)[0]["payload"];
    assert_eq!(p["department"], "real-estate");
    assert_eq!(p["other_departments"], serde_json::json!(["tax"]));
    assert_eq!(p["matter"], serde_json::Value::Null);
}

/// A quick double tap at the centre of `label`: the second tap lands where the first did,
/// after the screen has had its turn of the event loop.
fn double_tap(app: &KioskApp, label: &str) {
    settle(app);
    double_tap_at(app, centre(&control(app, label)));
}

/// Two taps at `at`, with what passes between them.
fn double_tap_at(app: &KioskApp, at: LogicalPosition) {
    tap_at(app, at);
    between_taps();
    tap_at(app, at);
}

#[test]
fn a_double_tap_on_skip_does_not_rate_the_service() {
    double_tap_on_skip(false);
}

#[test]
fn a_double_tap_on_skip_does_not_rate_the_service_in_elder_mode() {
    double_tap_on_skip(true);
}

fn double_tap_on_skip(elder: bool) {
    let (_dir, app, outbox) = kiosk_for(elder);
    tap(&app, "服务评价");
    tap(&app, "4 号窗口");
    // 跳过 (which matter) and the level tiles of the next step share the spot.
    double_tap(&app, "跳过");
    let rating = app.window().global::<Rating>();
    assert!(shows_text(&app, "您对 4 号窗口 赵敏 的服务满意吗？"), "elder {elder}: on the level step");
    assert_eq!(rating.get_level(), 0, "elder {elder}: the second tap chose a level nobody saw");
    assert!(pending_bodies(&outbox).is_empty());
    // Once the screen has settled, a tap chooses as always.
    tap(&app, "非常满意");
    assert_eq!(rating.get_level(), 5, "elder {elder}");
}

#[test]
fn a_double_tap_on_cancel_leaves_the_question_open() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    tap(&app, "反映“办不成事”");
    tap(&app, "来回跑了两次以上");
    double_tap(&app, "取消");
    let complaint = app.window().global::<Complaint>();
    assert!(complaint.get_cancel_asked(), "the question stays until it is answered");
    assert_eq!(page(&app), Page::Complaint);
    tap(&app, "不，继续填写");
    assert!(!complaint.get_cancel_asked());
    assert_eq!(page(&app), Page::Complaint, "what was entered is kept");
}

#[test]
fn a_double_tap_on_more_choices_shows_the_next_page() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    app.window().global::<Theme>().set_elder(true);
    tap(&app, "反映“办不成事”");
    let first_page = labels(&app);
    assert!(!has_control(&app, "来回跑了两次以上"), "elder mode pages its tiles");
    double_tap(&app, "更多选项");
    assert!(has_control(&app, "来回跑了两次以上"), "the second tap turned the page back");
    assert_ne!(labels(&app), first_page);
}

#[test]
fn a_double_tap_on_the_last_digit_does_not_give_consent() {
    double_tap_on_the_last_digit(false);
}

#[test]
fn a_double_tap_on_the_last_digit_does_not_give_consent_in_elder_mode() {
    double_tap_on_the_last_digit(true);
}

/// The eleventh digit swaps the pad for the call-back switch, over the pad's top row.
fn double_tap_on_the_last_digit(elder: bool) {
    let (_dir, app, outbox) = kiosk_for(elder);
    to_contact_step(&app);
    for d in "1380013800".chars() {
        tap(&app, &d.to_string());
    }
    // A finger near the top edge of the key, where the switch will be.
    settle(&app);
    let key = control(&app, "3");
    let at = LogicalPosition::new(
        key.absolute_position().x + key.size().width / 2.0,
        key.absolute_position().y + 4.0,
    );
    double_tap_at(&app, at);
    let phone = app.window().global::<Phone>();
    assert!(phone.get_complete(), "elder {elder}: eleven digits in");
    assert!(!phone.get_callback_wanted(), "elder {elder}: consent given by the second tap");
    tap(&app, "请给我回电");
    assert!(phone.get_callback_wanted(), "elder {elder}: a deliberate tap gives it");
    assert!(pending_bodies(&outbox).is_empty());
}

#[test]
fn a_double_tap_on_elder_mode_leaves_it_on() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    double_tap(&app, "长者模式");
    assert!(app.window().global::<Theme>().get_elder(), "the second tap switched it back off");
    tap(&app, "长者模式");
    assert!(!app.window().global::<Theme>().get_elder(), "a deliberate tap switches it off");
}

#[test]
fn a_double_tap_on_a_tick_box_leaves_it_ticked() {
    double_tap_on_a_tick_box(false);
}

#[test]
fn a_double_tap_on_a_tick_box_leaves_it_ticked_in_elder_mode() {
    double_tap_on_a_tick_box(true);
}

/// A phrase tile on the details step: the second tap of a quick double tap used to untick
/// what the first had ticked.
fn double_tap_on_a_tick_box(elder: bool) {
    let (_dir, app, _outbox) = kiosk_for(elder);
    tap(&app, "反映“办不成事”");
    if !has_control(&app, "来回跑了两次以上") {
        tap(&app, "更多选项");
    }
    tap(&app, "来回跑了两次以上");
    if !has_control(&app, "人力资源和社会保障局") {
        tap(&app, "更多选项");
    }
    tap(&app, "人力资源和社会保障局");
    tap(&app, "养老保险关系转移");
    let phrase = "没有一次性告知要什么";
    double_tap(&app, phrase);
    assert_eq!(
        control(&app, phrase).accessible_checked(),
        Some(true),
        "elder {elder}: unticked by the second tap"
    );
    // A deliberate tap once the tick has been seen unticks it, and another ticks it again.
    tap(&app, phrase);
    assert_eq!(control(&app, phrase).accessible_checked(), Some(false), "elder {elder}");
    tap(&app, phrase);
    assert_eq!(control(&app, phrase).accessible_checked(), Some(true), "elder {elder}");
}

#[test]
fn a_double_tap_on_call_me_back_leaves_it_on() {
    let (_dir, app, _outbox) = kiosk_for(false);
    to_contact_step(&app);
    for d in "13800138000".chars() {
        tap(&app, &d.to_string());
    }
    let phone = app.window().global::<Phone>();
    double_tap(&app, "请给我回电");
    assert!(phone.get_callback_wanted(), "consent withdrawn by the second tap, unseen");
    tap(&app, "请给我回电");
    assert!(!phone.get_callback_wanted(), "a deliberate tap withdraws it");
}

#[test]
fn elder_pages_say_how_many_reasons_are_ticked() {
    let (_dir, app, _outbox) = kiosk_for(true);
    tap(&app, "服务评价");
    tap(&app, "4 号窗口");
    tap(&app, "跳过");
    tap(&app, "非常不满意");
    let page_hint =
        |app: &KioskApp| control(app, "更多选项").accessible_description().unwrap_or_default().to_string();
    assert_eq!(page_hint(&app), "第 1 页，共 4 页", "nothing ticked yet");
    let untick = |app: &KioskApp| {
        controls(app)
            .into_iter()
            .find(|c| c.accessible_checked() == Some(false))
            .and_then(|c| c.accessible_label())
            .expect("a reason to tick")
            .to_string()
    };
    tap(&app, &untick(&app));
    assert_eq!(page_hint(&app), "第 1 页，共 4 页 · 已选 1 项");
    // On the next page the first one is out of sight; the count says it is still there.
    tap(&app, "更多选项");
    assert_eq!(page_hint(&app), "第 2 页，共 4 页 · 已选 1 项");
    tap(&app, &untick(&app));
    assert_eq!(page_hint(&app), "第 2 页，共 4 页 · 已选 2 项");
}

#[test]
fn a_double_tap_on_the_first_department_leaves_it_ticked() {
    let (_dir, app, _outbox) = kiosk_for(false);
    tap(&app, "反映“办不成事”");
    tap(&app, "部门之间来回推");
    double_tap(&app, "税务局");
    assert_eq!(control(&app, "税务局").accessible_checked(), Some(true), "unticked by the second tap");
    double_tap(&app, "公安户政");
    assert_eq!(control(&app, "公安户政").accessible_checked(), Some(true), "the second department");
}
