//! The staff panel, driven headlessly on mock time: the hidden corner gesture (real taps
//! at the corner), wrong PINs up to the lockout and across a restart, the right PIN, the
//! status figures against the outbox and `queue status`, retrying a dead letter, the USB
//! export against `queue export`, the volume across a restart, the minute without a touch,
//! restart, and the audit records every action leaves.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use hall_kiosk::delivery::outbox::{Outbox, now_ms};
use hall_kiosk::delivery::protocol::AssistPayload;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::screens::app::{AppOptions, KioskApp};
use hall_kiosk::screens::ui::{Complaint, Page, Shell, Staff};
use hall_kiosk::screens::voice::{Voice, VoiceLog};
use slint::ComponentHandle;
use slint::platform::{PointerEventButton, WindowEvent};

/// The staff PIN of these tests.
const PIN: &str = "135790";

/// An argon2id hash of `pin` with cheap parameters: the check runs the real code path on
/// its thread, without costing the test seconds in a debug build.
fn cheap_hash(pin: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(64, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    argon
        .hash_password(pin.as_bytes(), &SaltString::from_b64("c3RhZmZzYWx0c2FsdA").unwrap())
        .unwrap()
        .to_string()
}

/// Writes the example hall's config into `dir` (outbox in `dir/data`, no server), with the
/// PIN above and `[staff] export_dir` = `usb` when given.
fn staff_config(dir: &Path, usb: Option<&Path>) -> PathBuf {
    let path = write_config(dir, "127.0.0.1:9".parse().unwrap(), TOKEN);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("pin_hash = ") {
            out.push_str(&format!("pin_hash = \"{}\"\n", cheap_hash(PIN)));
            if let Some(usb) = usb {
                out.push_str(&format!("export_dir = \"{}\"\n", usb.display()));
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    std::fs::write(&path, out).unwrap();
    path
}

/// A kiosk over `config` (offline) with a recording voice; and a reader of its outbox.
fn staff_kiosk(config: &Path) -> (KioskApp, Outbox, VoiceLog) {
    let config = load(config);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let reader = outbox.another_connection().unwrap();
    let (voice, log) = Voice::recording();
    let options = AppOptions {
        submitter: Some(Submitter::new(&config, outbox)),
        voice: Some(voice),
        ..Default::default()
    };
    init_testing_backend();
    let app = KioskApp::new(config, options).expect("kiosk UI builds");
    app.window().window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    app.window().show().unwrap();
    (app, reader, log)
}

/// The testing backend, once per test thread (a "restart" builds a second kiosk on it).
fn init_testing_backend() {
    thread_local!(static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !DONE.get() {
        i_slint_backend_testing::init_no_event_loop();
        DONE.set(true);
    }
}

/// A real tap (press and release) at a point of the window.
fn tap_at(app: &KioskApp, x: f32, y: f32) {
    let window = app.window().window();
    let position = slint::LogicalPosition::new(x, y);
    window.dispatch_event(WindowEvent::PointerMoved { position });
    window.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
    window.dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
}

/// The hidden gesture: `n` quick taps in the top-left corner.
fn corner_taps(app: &KioskApp, n: usize) {
    for _ in 0..n {
        tap_at(app, 40.0, 40.0);
    }
}

fn page(app: &KioskApp) -> Page {
    app.window().global::<Shell>().get_page()
}

/// Types `pin` on the pad and taps "open the panel"; waits (real time for the check's
/// thread, mock time for the poll timer) until the check is done.
fn enter_pin(app: &KioskApp, pin: &str) {
    for d in pin.chars() {
        tap(app, &d.to_string());
    }
    tap(app, "打开面板");
    let staff = app.window().global::<Staff>();
    for _ in 0..500 {
        if !staff.get_checking() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(250));
    }
    panic!("the PIN check never finished");
}

/// Waits for the panel's background work (export, flush) to be picked up.
fn wait_until(mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(250));
    }
    panic!("the panel's work never finished");
}

/// The audit records queued so far: (action, detail).
fn audits(outbox: &Outbox) -> Vec<(String, Option<String>)> {
    pending_bodies(outbox)
        .into_iter()
        .filter(|b| b["kind"] == "audit")
        .map(|b| {
            assert_eq!(b["ticket"], serde_json::Value::Null);
            let keys: Vec<&str> = b["payload"].as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ["action", "detail"], "nothing else in an audit record");
            (
                b["payload"]["action"].as_str().unwrap().to_string(),
                b["payload"]["detail"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Opens the panel with the right PIN.
fn open_panel(app: &KioskApp) {
    corner_taps(app, 5);
    assert_eq!(page(app), Page::StaffPin);
    enter_pin(app, PIN);
    assert_eq!(page(app), Page::Staff, "the right PIN opens the panel");
}

#[test]
fn the_corner_gesture_opens_the_pin_pad_from_a_wiped_session() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox, _) = staff_kiosk(&staff_config(dir.path(), None));
    tap(&app, "反映“办不成事”");
    if !has_control(&app, "来回跑了两次以上") {
        tap(&app, "更多选项");
    }
    tap(&app, "来回跑了两次以上");
    assert_eq!(app.window().global::<Complaint>().get_step(), 2, "a citizen's draft is on screen");

    corner_taps(&app, 4);
    wait_secs(4);
    corner_taps(&app, 1);
    assert_eq!(page(&app), Page::Complaint, "four taps, a pause, one more: nothing");
    corner_taps(&app, 5);
    assert_eq!(page(&app), Page::StaffPin);
    assert_eq!(app.window().global::<Complaint>().get_step(), 1, "the draft is wiped first");
    assert!(!has_control(&app, "呼叫工作人员"), "no citizen's help bar on the staff pages");
    tap(&app, "返回首页");
    assert_eq!(page(&app), Page::Home);
}

#[test]
fn five_wrong_pins_lock_the_panel_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = staff_config(dir.path(), None);
    {
        let (app, outbox, _) = staff_kiosk(&config);
        corner_taps(&app, 5);
        let staff = app.window().global::<Staff>();
        for left in (1..5).rev() {
            enter_pin(&app, "111111");
            assert_eq!(staff.get_pin_message(), 1);
            assert_eq!(staff.get_attempts_left(), left);
            assert!(shows_text(&app, &format!("密码错误。再错 {left} 次面板将被锁定。")));
        }
        enter_pin(&app, "222222");
        assert_eq!(staff.get_pin_message(), 2, "locked");
        assert!(shows_text(&app, "密码错误次数过多，面板已锁定，请 5 分钟后再试。"));
        enter_pin(&app, PIN);
        assert_eq!(page(&app), Page::StaffPin, "not even the right PIN while locked");
        wait_secs(5);
        assert!(app.window().global::<Shell>().get_staff_alert().contains("PIN"), "staff are alerted");
        let actions: Vec<String> = audits(&outbox).into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, ["login-failed"; 5].into_iter().chain(["lockout"]).collect::<Vec<_>>());
    }
    // The kiosk restarts (a second app over the same data directory): still locked.
    let (app, _outbox, _) = staff_kiosk(&config);
    corner_taps(&app, 5);
    assert_eq!(page(&app), Page::StaffPin);
    assert_eq!(app.window().global::<Staff>().get_pin_message(), 2, "the lockout survived the restart");
    enter_pin(&app, PIN);
    assert_eq!(page(&app), Page::StaffPin);
    assert_eq!(app.window().global::<Staff>().get_pin_length(), 0, "the pad takes no digits while locked");
}

#[test]
fn the_status_shows_the_outboxs_numbers_as_queue_status_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = staff_config(dir.path(), None);
    let (app, outbox, _) = staff_kiosk(&config_path);
    let config = load(&config_path);
    let other = Submitter::new(&config, outbox.another_connection().unwrap());
    for screen in ["home", "help", "ticket"] {
        other.assist(&AssistPayload { screen: screen.into() }).unwrap();
    }
    let dead = outbox.due(i64::MAX, 0, 1).unwrap().remove(0);
    outbox.mark_dead(&dead.id, 400, r#"{"error":"bad request: test"}"#, now_ms()).unwrap();

    open_panel(&app);
    let stats = outbox.stats().unwrap();
    let staff = app.window().global::<Staff>();
    assert_eq!(staff.get_pending().as_str(), stats.pending.to_string(), "pending (with the login's audit)");
    assert_eq!(staff.get_dead_count().as_str(), stats.dead_letters.to_string());
    assert_eq!(staff.get_kiosk_id().as_str(), "K01");
    assert!(all_visible_text(&app).contains(&stats.pending.to_string()), "and shown");
    // One function feeds both: the command prints the very same values.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["queue", "status", "--config"])
        .arg(&config_path)
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    for (label, value) in [
        ("pending", staff.get_pending()),
        ("dead letters", staff.get_dead_count()),
        ("oldest pending", staff.get_oldest_pending()),
        ("last delivery", staff.get_last_delivery()),
        ("kiosk", staff.get_kiosk_id()),
    ] {
        assert!(printed.contains(&format!("{label}: {value}\n")), "{label}: {value} not in\n{printed}");
    }
    assert_eq!(staff.get_uplink_state(), 0);
}

#[test]
fn a_dead_letter_is_retried_from_the_panel() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = staff_config(dir.path(), None);
    let (app, outbox, _) = staff_kiosk(&config_path);
    let config = load(&config_path);
    let other = Submitter::new(&config, outbox.another_connection().unwrap());
    let id = other.assist(&AssistPayload { screen: "home".into() }).unwrap().id.to_string();
    outbox.mark_dead(&id, 413, r#"{"error":"too large"}"#, now_ms() - 3 * 3_600_000).unwrap();

    open_panel(&app);
    tap(&app, "被拒收（1）");
    assert!(shows_text(&app, "assist · 回执 - · 3h 0m前被拒收"), "{:?}", all_visible_text(&app));
    assert!(shows_text(&app, r#"413: {"error":"too large"}"#));
    tap(&app, &format!("重新发送回执 {id}"));
    assert_eq!(outbox.stats().unwrap().dead_letters, 0, "queued again");
    assert!(shows_text(&app, "已有 1 条重新排队发送。"));
    assert!(shows_text(&app, "没有被拒收的记录，服务器已接收全部发送内容。"));
    assert!(audits(&outbox).contains(&("retry".into(), Some("one: 1 queued again".into()))));
}

#[test]
fn the_export_writes_the_queue_export_lines_to_the_usb_stick() {
    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb");
    std::fs::create_dir(&usb).unwrap();
    let config_path = staff_config(dir.path(), Some(&usb));
    let (app, outbox, _) = staff_kiosk(&config_path);
    let config = load(&config_path);
    let other = Submitter::new(&config, outbox.another_connection().unwrap());
    other.assist(&AssistPayload { screen: "help".into() }).unwrap();
    open_panel(&app);

    // What `queue export` writes right now (the login's audit record included).
    let by_command = dir.path().join("by-command.jsonl");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["queue", "export", "--config"])
        .arg(&config_path)
        .arg("--out")
        .arg(&by_command)
        .status()
        .unwrap();
    assert!(status.success());

    tap(&app, "导出到 U 盘");
    let staff = app.window().global::<Staff>();
    wait_until(|| staff.get_export_state() != 1);
    assert_eq!(staff.get_export_state(), 2, "written: {}", staff.get_export_error());
    let files: Vec<_> = std::fs::read_dir(&usb).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one file, no temporary left: {files:?}");
    let file = &files[0];
    assert_eq!(file.file_name().unwrap().to_str().unwrap(), staff.get_export_file().as_str());
    assert!(staff.get_export_file().starts_with("hall-kiosk-K01-"));
    assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(file).unwrap(), std::fs::read_to_string(&by_command).unwrap());
    assert_eq!(staff.get_export_count(), 2);
    assert!(shows_text(&app, &format!("已写入 U 盘：{}（共 2 条）。", staff.get_export_file())));

    // The stick is pulled: said clearly, nothing written anywhere.
    std::fs::remove_file(file).unwrap();
    std::fs::remove_dir(&usb).unwrap();
    tap(&app, "导出到 U 盘");
    wait_until(|| staff.get_export_state() != 1);
    assert_eq!(staff.get_export_state(), 3);
    assert!(shows_text(&app, "未找到 U 盘。请插入 U 盘后重试。"));
    let exports: Vec<_> = audits(&outbox).into_iter().filter(|(a, _)| a == "export").collect();
    assert_eq!(
        exports,
        [("export".into(), Some("2 written".into())), ("export".into(), Some("no stick".into()))]
    );
}

#[test]
fn the_volume_is_kept_across_a_restart_and_applied_to_the_voice() {
    let dir = tempfile::tempdir().unwrap();
    let config = staff_config(dir.path(), None);
    {
        let (app, outbox, log) = staff_kiosk(&config);
        assert!(log.take().iter().all(|c| !c.starts_with("volume")), "no kept volume yet: the config's");
        open_panel(&app);
        tap(&app, "声音");
        assert_eq!(app.window().global::<Staff>().get_volume(), 80, "[audio] volume = 0.8");
        // The recording voice has no output: the panel says so (a real one without a sound
        // card says "no audio device", with what to check).
        assert!(
            all_visible_text(&app).contains(&"声音输出：已关闭。".to_string()),
            "{:?}",
            all_visible_text(&app)
        );
        tap(&app, "调低音量");
        tap(&app, "调低音量");
        assert_eq!(app.window().global::<Staff>().get_volume(), 60);
        assert!(all_visible_text(&app).contains(&"60 %".to_string()));
        let said = log.take();
        assert!(said.ends_with(&["volume 70".to_string(), "volume 60".to_string()]), "{said:?}");
        tap(&app, "播放测试语音");
        assert_eq!(log.take(), ["zh/home"]);
        assert!(audits(&outbox).contains(&("volume".into(), Some("70% -> 60%".into()))));
    }
    let (app, _outbox, log) = staff_kiosk(&config);
    assert_eq!(log.take(), ["volume 60"], "the kept volume is applied at start");
    assert_eq!(app.window().global::<Staff>().get_volume(), 60);
}

#[test]
fn the_panel_and_the_pin_pad_leave_after_a_minute_without_a_touch() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox, _) = staff_kiosk(&staff_config(dir.path(), None));
    corner_taps(&app, 5);
    wait_secs(61);
    assert_eq!(page(&app), Page::Home, "the PIN pad left by itself");

    open_panel(&app);
    wait_secs(50);
    tap(&app, "屏幕测试");
    wait_secs(50);
    assert_eq!(page(&app), Page::Staff, "a touch starts the minute over");
    assert!(
        !app.window().global::<hall_kiosk::screens::ui::Idle>().get_countdown_visible(),
        "no citizen's countdown"
    );
    wait_secs(11);
    assert_eq!(page(&app), Page::Home, "gone after a minute without a touch");
}

#[test]
fn the_screen_test_shows_where_taps_land() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox, _) = staff_kiosk(&staff_config(dir.path(), None));
    open_panel(&app);
    tap(&app, "屏幕测试");
    tap_at(&app, 500.0, 1000.0);
    assert!(shows_text(&app, "最近一次点击：x 500，y 1000。"), "{:?}", all_visible_text(&app));
    tap(&app, "清除圆点");
    assert!(shows_text(&app, "请点击网格任意位置，圆点会显示屏幕感应到的位置。"));
}

#[test]
fn restart_asks_first_then_ends_the_event_loop_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox, _) = staff_kiosk(&staff_config(dir.path(), None));
    open_panel(&app);
    tap(&app, "重启终端");
    tap(&app, "不重启");
    assert!(!app.restart_requested());
    tap(&app, "重启终端");
    tap(&app, "立即重启");
    assert!(app.restart_requested());
    let actions: Vec<String> = audits(&outbox).into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions, ["login-ok", "restart"]);
}

#[test]
fn without_a_pin_there_is_no_panel() {
    let dir = tempfile::tempdir().unwrap();
    let path = staff_config(dir.path(), None);
    let text = std::fs::read_to_string(&path).unwrap();
    let text: String =
        text.lines().filter(|l| !l.starts_with("pin_hash")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    let (app, _outbox, _) = staff_kiosk(&path);
    corner_taps(&app, 10);
    assert_eq!(page(&app), Page::Home);
}
