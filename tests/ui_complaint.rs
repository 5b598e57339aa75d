//! The complaint flow driven headlessly by accessible labels, end to end: the outbox
//! holds exactly what the citizen chose, the ticket's QR code is the tracking link, and the
//! reference server's tracking page shows the ticket once delivered.

mod common;

use std::time::Duration;

use common::*;
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::hall::ticket::TicketNumber;
use hall_kiosk::hall::workdays::WorkCalendar;
use hall_kiosk::screens::ui::{Complaint, Page, Shell, Ticket};
use serde_json::Value;
use slint::ComponentHandle;

/// Steps 1 to 3: repeated trips, social security, pension transfer, one phrase, 3+ visits
/// (asked once, right under the phrases).
fn fill_first_steps(app: &hall_kiosk::screens::app::KioskApp) {
    tap(app, "反映“办不成事”");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Complaint);
    assert!(shows_text(app, "第 1 步 / 共 5 步"));
    tap(app, "来回跑了两次以上");
    assert!(shows_text(app, "是哪个部门的事？"));
    tap(app, "人力资源和社会保障局");
    assert!(shows_text(app, "您来办什么事？"));
    // Common matters come first.
    let first = controls(app)
        .into_iter()
        .filter_map(|c| c.accessible_label())
        .find(|l| {
            l.contains("养老")
                || l.contains("失业")
                || l.contains("社会保障卡")
                || l.contains("工伤")
                || l.contains("退休")
        })
        .unwrap();
    assert_ne!(first, "工伤认定", "a common matter is listed before the others");
    tap(app, "养老保险关系转移");
    assert!(shows_text(app, "再多告诉我们一点"));
    assert_eq!(control(app, "下一步").accessible_enabled(), Some(false), "visits must be chosen first");
    tap(app, "没有一次性告知要什么");
    assert_eq!(control(app, "没有一次性告知要什么").accessible_checked(), Some(true));
    tap(app, "3 次及以上");
    assert_eq!(control(app, "3 次及以上").accessible_checked(), Some(true));
    tap(app, "下一步");
    assert!(shows_text(app, "需要我们给您回电吗？"));
}

fn type_digits(app: &hall_kiosk::screens::app::KioskApp, digits: &str) {
    for d in digits.chars() {
        tap(app, &d.to_string());
    }
}

#[test]
fn complaint_without_phone_is_queued_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    fill_first_steps(&app);
    tap(&app, "不留号码，继续");
    assert!(shows_text(&app, "请核对后提交"));
    assert!(shows_text(&app, "来回跑了两次以上"));
    assert!(shows_text(&app, "养老保险关系转移 · 人力资源和社会保障局"));
    assert!(shows_text(&app, "没有一次性告知要什么"));
    assert!(shows_text(&app, "来了 3 次及以上"));
    assert!(shows_text(&app, "未填写"));
    tap(&app, "提交");

    assert_eq!(app.window().global::<Shell>().get_page(), Page::Ticket);
    let ticket = app.window().global::<Ticket>();
    let number = ticket.get_number().to_string();
    TicketNumber::parse(&number).expect("a valid ticket number with its check character");
    assert!(number.starts_with("440305-K01-"), "{number}");
    assert!(!ticket.get_delivered(), "nothing delivers in this test");
    assert!(shows_text(&app, "已保存在本机，将自动发送到服务中心，您无需再做什么。"));

    let bodies = pending_bodies(&outbox);
    assert_eq!(bodies.len(), 1);
    let b = &bodies[0];
    assert_eq!(b["kind"], "complaint");
    assert_eq!(b["kiosk_id"], "K01");
    assert_eq!(b["ticket"]["number"], number.as_str());
    assert_eq!(b["ticket"]["token_sha256"].as_str().unwrap().len(), 64);
    let due = WorkCalendar::from_config(&example_config())
        .add_working_days(chrono::Local::now().date_naive(), 2)
        .to_string();
    assert_eq!(b["ticket"]["reply_due"], due.as_str(), "repeated trips is a simple matter: 2 working days");
    let p = &b["payload"];
    assert_eq!(p["problem_type"], "repeated-trips");
    assert_eq!(p["department"], "social-security");
    assert_eq!(p["matter"], "pension-insurance-transfer");
    assert_eq!(p["details"], serde_json::json!(["not-told-all-at-once"]));
    assert_eq!(p["visits"], 3);
    assert_eq!(p["phone"], Value::Null);
    assert_eq!(p["callback_requested"], false);
    assert_eq!(p["consent_given"], false);
    assert_eq!(p["language"], "zh-CN");

    // The QR code is the tracking link, and its token hashes to what was queued.
    let link = read_qr(&ticket.get_qr(), dir.path());
    let tracking = load(&dir.path().join("kiosk.toml")).config.tracking.base_url;
    let prefix = format!("{tracking}/t/{number}?k=");
    assert!(link.starts_with(&prefix), "{link}");
    let token = &link[prefix.len()..];
    assert_eq!(token.len(), 22, "16 random bytes in base64url");
    assert_eq!(b["ticket"]["token_sha256"], hall_kiosk::hall::ticket::sha256_hex(token.as_bytes()).as_str());
    assert!(!String::from_utf8_lossy(&outbox.due(i64::MAX, 0, 1).unwrap()[0].body).contains(token));

    // Done wipes the ticket and returns home (once the ticket has been up a moment).
    wait_secs(2);
    tap(&app, "完成");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Home);
    assert_eq!(ticket.get_number(), "");
}

#[test]
fn complaint_with_phone_validates_masks_and_needs_consent() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    fill_first_steps(&app);

    // A wrong start is wrong at the second digit, not after the eleventh.
    type_digits(&app, "12");
    assert!(shows_text(&app, "手机号以 13 至 19 开头。"), "12… is refused as it is typed");
    tap(&app, "删除");
    assert!(!shows_text(&app, "手机号以 13 至 19 开头。"), "fixing the digit clears the message");
    type_digits(&app, "381234567");
    tap(&app, "下一步");
    assert!(shows_text(&app, "手机号是 11 位数字。"), "10 digits are refused, said next to the button");
    assert_eq!(app.window().global::<Complaint>().get_step(), 4);
    type_digits(&app, "8");
    tap(&app, "下一步");
    assert!(
        shows_text(&app, "要留下号码，请打开“请给我回电”；不留号码，请点“修改号码”清空。"),
        "a number without the call-back (and its consent) is not taken"
    );
    assert_eq!(app.window().global::<Complaint>().get_step(), 4);
    tap(&app, "请给我回电");
    tap(&app, "下一步");
    assert!(shows_text(&app, "138****5678，请回电"));

    // From now on the full number is never on screen.
    for text in all_visible_text(&app) {
        assert!(!text.contains("12345678") && !text.contains("1234 5678"), "full number shown: {text}");
    }
    tap(&app, "返回");
    assert!(
        all_visible_text(&app).iter().any(|t| t == "138****5678"),
        "back on the contact step, still masked"
    );
    tap(&app, "下一步");
    tap(&app, "提交");
    let phone = app.window().global::<hall_kiosk::screens::ui::Phone>();
    assert_eq!(phone.get_masked(), "", "the number leaves the screen once sent");
    assert!(!phone.get_accepted());

    let b = &pending_bodies(&outbox)[0];
    assert_eq!(b["payload"]["phone"], "13812345678");
    assert_eq!(b["payload"]["callback_requested"], true);
    assert_eq!(b["payload"]["consent_given"], true);
}

#[test]
fn i_dont_know_is_accepted_with_one_concrete_fact() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    tap(&app, "切换语言");
    tap(&app, "Report a matter that could not get done");
    tap(&app, "Something else");
    tap(&app, "I don't know / something else");
    tap(&app, "Once");
    // "Something else" and "not sure" alone say nothing the hall can act on.
    tap(&app, "Next");
    assert_eq!(app.window().global::<Complaint>().get_step(), 3, "an empty report goes no further");
    assert!(shows_text(
        &app,
        "Choose at least one thing that happened, or say it in your own words, so the staff know what to look into. If you would rather talk to someone, the staff at window 1 will help you."
    ));
    tap(&app, "Published information is wrong");
    tap(&app, "Next");
    tap(&app, "Continue without a number");
    assert!(shows_text(&app, "Not sure"));
    assert!(shows_text(&app, "Published information is wrong"));
    tap(&app, "Send");
    let p = &pending_bodies(&outbox)[0]["payload"];
    assert_eq!(p["problem_type"], "other");
    assert_eq!(p["department"], Value::Null);
    assert_eq!(p["matter"], Value::Null);
    assert_eq!(p["details"], serde_json::json!(["information-wrong"]));
    assert_eq!(p["language"], "en");
}

#[test]
fn back_retraces_every_step_and_cancel_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = offline_kiosk(dir.path());
    fill_first_steps(&app);
    let g = app.window().global::<Complaint>();
    tap(&app, "返回");
    assert_eq!(g.get_step(), 3);
    tap(&app, "返回");
    assert!(shows_text(&app, "您来办什么事？"));
    tap(&app, "返回");
    assert!(shows_text(&app, "是哪个部门的事？"));
    tap(&app, "返回");
    assert_eq!(g.get_step(), 1);
    assert_eq!(
        control(&app, "来回跑了两次以上").accessible_checked(),
        Some(true),
        "the earlier choice is still marked"
    );

    tap(&app, "来回跑了两次以上");
    tap(&app, "不清楚 / 其他");
    tap(&app, "为一份复印件又跑一趟");
    tap(&app, "取消");
    assert!(shows_text(&app, "要放弃这次反映吗？"));
    tap(&app, "不，继续填写");
    assert_eq!(g.get_step(), 3, "keeping going keeps everything");
    tap(&app, "取消");
    tap(&app, "是，放弃并清除");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Home);
    tap(&app, "反映“办不成事”");
    assert_eq!(g.get_step(), 1);
    assert!(controls(&app).iter().all(|c| c.accessible_checked() != Some(true)), "nothing carried over");
    assert!(pending_bodies(&outbox).is_empty(), "a cancelled report is not queued");
}

#[test]
fn walking_away_wipes_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    fill_first_steps(&app);
    type_digits(&app, "1381234");
    wait_secs(90 + 30);
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Home);
    let g = app.window().global::<Complaint>();
    assert_eq!(app.window().global::<hall_kiosk::screens::ui::Phone>().get_digits(), "");
    assert_eq!(g.get_visits(), 0);
    assert_eq!(g.get_summary_problem(), "");
}

#[test]
fn works_with_the_uplink_pointed_at_a_dead_address() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) on loopback: nothing listens, every attempt fails at once.
    let config = load(&write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), TOKEN));
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let uplink = hall_kiosk::delivery::uplink::spawn(&outbox, scaled_settings(&config, 0.01)).unwrap();
    let reader = outbox.another_connection().unwrap();
    let app = kiosk_with_submitter(config, Submitter::new(&load(&dir.path().join("kiosk.toml")), outbox));
    fill_first_steps(&app);
    tap(&app, "不留号码，继续");
    tap(&app, "提交");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Ticket);
    std::thread::sleep(Duration::from_millis(300));
    wait_secs(2);
    assert!(!app.window().global::<Ticket>().get_delivered());
    assert_eq!(reader.stats().unwrap().pending, 1, "kept for later, not dropped");
    // An unreachable server is not a full disk: no DISK alert for staff.
    wait_secs(5);
    let alert = app.window().global::<Shell>().get_staff_alert();
    assert!(!alert.contains("DISK"), "{alert}");
    uplink.shutdown();
}

#[test]
fn delivered_ticket_opens_the_tracking_page() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let intake = intake(dir.path());
    let addr = rt.block_on(serve(server::router(intake.clone())));
    // The tracking page is served by the same reference server (write_config points both
    // base URLs at it).
    let config_path = write_config(dir.path(), addr, TOKEN);
    let config = load(&config_path);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let uplink = hall_kiosk::delivery::uplink::spawn(&outbox, scaled_settings(&config, 0.01)).unwrap();
    let app = kiosk_with_submitter(load(&config_path), Submitter::new(&config, outbox));
    fill_first_steps(&app);
    tap(&app, "不留号码，继续");
    tap(&app, "提交");

    let ticket = app.window().global::<Ticket>();
    // Delivery happens on the uplink's thread in real time; the screen checks every 2 s
    // of (mock) UI time.
    for _ in 0..200 {
        if ticket.get_delivered() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
        wait_secs(2);
    }
    assert!(ticket.get_delivered(), "the ticket screen learns of the delivery");
    assert!(shows_text(&app, "已送达大厅服务中心。"));

    let link = read_qr(&ticket.get_qr(), dir.path());
    let page = rt.block_on(async { reqwest::get(&link).await.unwrap().text().await.unwrap() });
    let number = ticket.get_number().to_string();
    assert!(page.contains(&number), "{page}");
    assert!(page.contains("已受理，正在办理"), "{page}");
    let due = WorkCalendar::from_config(&config).add_working_days(chrono::Local::now().date_naive(), 2);
    assert!(page.contains(&due.to_string()), "{page}");
    // A wrong token shows nothing.
    let wrong = link.replace("?k=", "?k=x");
    let status = rt.block_on(async { reqwest::get(&wrong).await.unwrap().status() });
    assert_eq!(status, 404);
    uplink.shutdown();
}

#[test]
fn full_disk_sends_the_citizen_to_a_window_and_keeps_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let config = load(&write_config(dir.path(), "127.0.0.1:9".parse().unwrap(), TOKEN));
    let options = hall_kiosk::delivery::outbox::OutboxOptions { max_bytes: Some(64 * 1024) };
    let (outbox, _) = Outbox::open_with(&config.data_dir(), &options).unwrap();
    let reader = outbox.another_connection().unwrap();
    let submitter = Submitter::new(&config, outbox);
    // Fill the outbox to its limit with other submissions.
    let mut queued = 0;
    loop {
        let payload = hall_kiosk::delivery::protocol::AssistPayload { screen: "x".repeat(500) };
        match submitter.assist(&payload) {
            Ok(_) => queued += 1,
            Err(e) => {
                assert!(e.is_disk_full(), "{e}");
                break;
            }
        }
        assert!(queued < 10_000, "the limit never hit");
    }
    let app = kiosk_with_submitter(config, submitter);
    fill_first_steps(&app);
    tap(&app, "不留号码，继续");
    tap(&app, "提交");
    assert_eq!(
        app.window().global::<Shell>().get_page(),
        Page::Complaint,
        "no ticket without a saved report"
    );
    assert!(shows_text(&app, "抱歉，本机暂时无法受理。请到 1 号窗口，工作人员会为您登记。"));
    assert_eq!(
        app.window().global::<Complaint>().get_summary_problem(),
        "来回跑了两次以上",
        "the draft is kept"
    );
    assert_eq!(reader.stats().unwrap().pending, queued, "nothing already queued was lost");
    wait_secs(5);
    let codes = app.window().global::<Shell>().get_staff_alert();
    assert!(codes.split(' ').any(|c| c == "DISK"), "staff are told on screen: {codes:?}");
    // The corner mark names every code lit (CAL too, near the end of the holiday calendar).
    assert!(shows_text(
        &app,
        &format!("工作人员请注意：本机需要维护（{codes}），请运行“hall-kiosk queue status”查看。")
    ));
}
