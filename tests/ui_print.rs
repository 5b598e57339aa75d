//! The printed slip from the ticket screen, driven headlessly against fake network
//! printers on 127.0.0.1: a tap prints the ticket shown, elder mode prints by itself, and a
//! printer that fails tells the citizen what to do and staff `PRN`, losing nothing.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use common::*;
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::screens::app::KioskApp;
use hall_kiosk::screens::ui::{Page, Shell, Theme, Ticket};
use slint::ComponentHandle;

/// A printer that takes whatever it is sent and hands it back when the kiosk hangs up.
fn sink_printer() -> (u16, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        received
    });
    (port, handle)
}

/// A port where nothing listens (bound, then closed).
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An offline kiosk (outbox in `dir`, no uplink) whose `[printer]` is the raw port `port`.
fn kiosk_with_printer(dir: &Path, port: u16) -> (KioskApp, Outbox) {
    let path = write_config(dir, "127.0.0.1:9".parse().unwrap(), TOKEN);
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("# [printer]\n").expect("the sample has a commented printer section");
    let end = start + text[start..].find("\n\n").unwrap();
    let section: String = text[start..end]
        .lines()
        .map(|l| format!("{}\n", &l[2..]))
        .collect::<String>()
        .replace("device = \"/dev/usb/lp0\"", &format!("address = \"127.0.0.1:{port}\""))
        .replace("timeout_secs = 10", "timeout_secs = 3")
        .replace("read_status = true", "read_status = false");
    std::fs::write(&path, format!("{}{}{}", &text[..start], section, &text[end + 1..])).unwrap();
    let config = load(&path);
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let reader = outbox.another_connection().unwrap();
    let submitter = Submitter::new(&config, outbox);
    (kiosk_with_submitter(config, submitter), reader)
}

fn send_a_report(app: &KioskApp) {
    tap(app, "反映“办不成事”");
    if !has_control(app, "来回跑了两次以上") {
        tap(app, "更多选项");
    }
    tap(app, "来回跑了两次以上");
    tap(app, "不清楚 / 其他");
    tap(app, "为一份复印件又跑一趟");
    if app.window().global::<Theme>().get_elder() {
        tap(app, "下一步");
    }
    tap(app, "2 次");
    tap(app, "下一步");
    tap(app, "不留号码，继续");
    tap(app, "提交");
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Ticket);
}

/// Lets the printer thread work (real time) while the screen polls (mock time).
fn wait_for_print(app: &KioskApp) -> i32 {
    let ticket = app.window().global::<Ticket>();
    for _ in 0..200 {
        if ticket.get_print_state() != 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(250));
    }
    ticket.get_print_state()
}

#[test]
fn a_tap_prints_the_ticket_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let (port, printer) = sink_printer();
    let (app, outbox) = kiosk_with_printer(dir.path(), port);
    send_a_report(&app);
    let number = app.window().global::<Ticket>().get_number().to_string();
    tap(&app, "打印回执");
    assert_eq!(wait_for_print(&app), 2, "printed");
    assert!(shows_text(&app, "回执已打印，请取走。"));
    let job = printer.join().unwrap();
    let printed = job.windows(number.len()).any(|w| w == number.as_bytes());
    assert!(printed, "the slip carries the ticket on screen ({number})");
    assert!(!app.window().global::<Shell>().get_staff_alert().contains("PRN"));
    assert_eq!(pending_bodies(&outbox).len(), 1);
}

#[test]
fn elder_mode_prints_by_itself_and_a_dead_printer_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (app, outbox) = kiosk_with_printer(dir.path(), dead_port());
    tap(&app, "长者模式");
    send_a_report(&app);
    assert_eq!(app.window().global::<Ticket>().get_print_state(), 1, "printing without a tap");
    assert!(shows_text(&app, "正在为您打印回执…"), "and says so");
    assert_eq!(wait_for_print(&app), 4, "no printer there");
    assert!(shows_text(&app, "暂时无法打印回执。请拍下二维码，或到 1 号窗口请工作人员帮忙。"));
    assert!(has_control(&app, "再打印一次"));
    assert_eq!(app.window().global::<Shell>().get_page(), Page::Ticket, "the ticket stays");
    wait_secs(5);
    assert!(app.window().global::<Shell>().get_staff_alert().contains("PRN"), "staff are told");
    assert_eq!(pending_bodies(&outbox).len(), 1, "the report is queued whatever the printer did");
}

#[test]
fn no_printer_no_print_button() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _outbox) = offline_kiosk(dir.path());
    send_a_report(&app);
    assert!(!has_control(&app, "打印回执"));
}
