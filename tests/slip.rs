//! The printed ticket: the ESC/POS job read back by a small parser of our own (the QR
//! command holds exactly the tracking link, the text is in the configured encoding, the
//! job initialises and cuts), fake network printers on 127.0.0.1 that report no paper,
//! go offline or never answer, and the PNG preview whose QR code zbarimg reads back.

mod common;

use common::zbarimg;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use hall_kiosk::config::{self, Language, LoadedConfig};
use hall_kiosk::screens::slip::{PrintOutcome, Printer, Slip, SlipSettings, layout, preview};

const LINK_TOKEN: &str = "SAMPLE-q7Jc2mN0x3Wb9FvK1sTz";

/// The example config with its commented `[printer]` section switched on and edited.
fn config_with_printer(edit: impl Fn(String) -> String) -> LoadedConfig {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml"))
            .unwrap();
    let start = text.find("# [printer]\n").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let section: String = text[start..end].lines().map(|l| format!("{}\n", &l[2..])).collect();
    let text = edit(format!("{}{}{}", &text[..start], section, &text[end + 1..]));
    config::parse(Path::new("/etc/hall-kiosk/kiosk.toml"), &text).expect("valid config")
}

fn to_address(port: u16, timeout_secs: u32) -> impl Fn(String) -> String {
    move |t: String| {
        t.replace("device = \"/dev/usb/lp0\"", &format!("address = \"127.0.0.1:{port}\""))
            .replace("timeout_secs = 10", &format!("timeout_secs = {timeout_secs}"))
    }
}

fn sample(config: &LoadedConfig) -> Slip {
    let at = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap().and_hms_opt(9, 30, 0).unwrap();
    Slip::sample(config, at, Language::ZhCn)
}

// ---- a small ESC/POS reader, independent of the encoder ----

#[derive(Debug, PartialEq)]
enum Cmd {
    Init,
    ChineseMode,
    Align(u8),
    Bold(u8),
    Size(u8),
    Feed(u8),
    /// `GS ( k` with cn 49: the function and its parameters.
    Qr(u8, Vec<u8>),
    Cut(u8, u8),
    /// The bytes printed by one LF.
    Text(Vec<u8>),
}

fn parse(mut b: &[u8]) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    while !b.is_empty() {
        let (cmd, rest) = match b {
            [0x1B, 0x40, rest @ ..] => (Some(Cmd::Init), rest),
            [0x1C, 0x26, rest @ ..] => (Some(Cmd::ChineseMode), rest),
            [0x1B, 0x61, n, rest @ ..] => (Some(Cmd::Align(*n)), rest),
            [0x1B, 0x45, n, rest @ ..] => (Some(Cmd::Bold(*n)), rest),
            [0x1D, 0x21, n, rest @ ..] => (Some(Cmd::Size(*n)), rest),
            [0x1B, 0x64, n, rest @ ..] => (Some(Cmd::Feed(*n)), rest),
            [0x1D, 0x56, m, n, rest @ ..] => (Some(Cmd::Cut(*m, *n)), rest),
            [0x1D, 0x28, 0x6B, pl, ph, rest @ ..] => {
                let len = usize::from(*pl) + 256 * usize::from(*ph);
                assert!(rest.len() >= len && len >= 2, "GS ( k longer than the stream");
                let (body, rest) = rest.split_at(len);
                assert_eq!(body[0], 49, "cn 49 = QR code");
                (Some(Cmd::Qr(body[1], body[2..].to_vec())), rest)
            }
            [0x0A, rest @ ..] => (Some(Cmd::Text(std::mem::take(&mut text))), rest),
            [c, rest @ ..] if *c >= 0x20 => {
                text.push(*c);
                (None, rest)
            }
            [c, ..] => panic!("unknown control byte {c:#04x} in the job"),
            [] => unreachable!(),
        };
        assert!(cmd.is_none() || text.is_empty(), "command in the middle of a text line: {cmd:?}");
        out.extend(cmd);
        b = rest;
    }
    assert!(text.is_empty(), "text after the last LF is never printed");
    out
}

fn qr_calls(cmds: &[Cmd]) -> Vec<(u8, &[u8])> {
    cmds.iter().filter_map(|c| if let Cmd::Qr(f, p) = c { Some((*f, p.as_slice())) } else { None }).collect()
}

fn texts(cmds: &[Cmd]) -> Vec<&[u8]> {
    cmds.iter().filter_map(|c| if let Cmd::Text(t) = c { Some(t.as_slice()) } else { None }).collect()
}

fn gb18030(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Prints to a regular file standing in for /dev/usb/lp0 and returns the bytes.
fn print_to_file(edit: impl Fn(String) -> String) -> (Slip, LoadedConfig, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    std::fs::write(&device, b"").unwrap();
    let config = config_with_printer(|t| edit(t.replace("/dev/usb/lp0", device.to_str().unwrap())));
    let slip = sample(&config);
    let printer = Printer::from_config(&config).expect("a printer");
    assert_eq!(printer.print_blocking(&slip), PrintOutcome::Printed);
    let bytes = std::fs::read(&device).unwrap();
    (slip, config, bytes)
}

#[test]
fn job_initialises_holds_the_link_in_the_qr_code_and_cuts() {
    let (slip, _, bytes) = print_to_file(|t| t);
    let cmds = parse(&bytes);
    assert_eq!(cmds[0], Cmd::Init, "the job starts with ESC @");
    assert_eq!(cmds.last(), Some(&Cmd::Cut(0x41, 0)), "the job ends with a full cut");
    let qr = qr_calls(&cmds);
    assert_eq!(qr.iter().map(|(f, _)| *f).collect::<Vec<_>>(), [0x41, 0x43, 0x45, 0x50, 0x51]);
    assert_eq!(qr[0].1, [50, 0], "model 2");
    assert!((3..=16).contains(&qr[1].1[0]), "module size {}", qr[1].1[0]);
    assert_eq!(qr[2].1, [49], "error correction M");
    let link = slip.link();
    assert!(link.ends_with(LINK_TOKEN) && link.contains(&slip.number));
    assert_eq!(qr[3].1, [b"0".as_slice(), link.as_bytes()].concat(), "the QR code holds exactly the link");
    // The token is printed only inside the QR code.
    assert_eq!(bytes.windows(LINK_TOKEN.len()).filter(|w| *w == LINK_TOKEN.as_bytes()).count(), 1);
}

#[test]
fn text_is_in_the_configured_encoding() {
    for encoding in ["gb18030", "gbk"] {
        let (slip, config, bytes) =
            print_to_file(|t| t.replace("encoding = \"gb18030\"", &format!("encoding = \"{encoding}\"")));
        let cmds = parse(&bytes);
        let lines = texts(&cmds);
        assert!(lines.contains(&slip.number.as_bytes()), "the ticket number has a line of its own");
        for words in
            ["办不成事反映回执", config.config.kiosk.hall_name.as_str(), "回执编号", "0755-2666 1234"]
        {
            let encoded = gb18030(words);
            assert!(lines.iter().any(|l| contains(l, &encoded)), "{words} ({encoding}) not printed");
        }
        assert!(cmds.contains(&Cmd::ChineseMode));
    }
}

#[test]
fn every_line_fits_the_paper() {
    for (paper, columns) in [("58", 32), ("80", 48)] {
        let (_, _, bytes) = print_to_file(|t| t.replace("paper_mm = 58", &format!("paper_mm = {paper}")));
        let mut width = 1;
        for cmd in parse(&bytes) {
            match cmd {
                Cmd::Size(n) => width = usize::from(n >> 4) + 1,
                Cmd::Text(t) => {
                    let (text, _, bad) = encoding_rs::GB18030.decode(&t);
                    assert!(!bad);
                    let cols: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
                    assert!(cols * width <= columns, "{text:?} x{width} is wider than {columns} columns");
                }
                _ => {}
            }
        }
    }
}

#[test]
fn debug_output_never_shows_the_token() {
    let config = config_with_printer(|t| t);
    let slip = sample(&config);
    let layout = layout::layout(&slip, &SlipSettings::from_config(&config));
    assert!(!format!("{slip:?}").contains(LINK_TOKEN));
    assert!(!format!("{layout:?}").contains(LINK_TOKEN));
}

// ---- fake network printers ----

/// A printer on 127.0.0.1 that answers `DLE EOT n` with `answer(n)` (or stays silent), and
/// returns everything it received once the kiosk hangs up.
fn fake_printer(answer: fn(u8) -> Option<u8>) -> (u16, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut received = Vec::new();
        let mut scanned = 0;
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            received.extend_from_slice(&buf[..n]);
            while let Some(i) = received[scanned..].windows(3).position(|w| w[..2] == [0x10, 0x04]) {
                let n = received[scanned + i + 2];
                scanned += i + 3;
                if let Some(reply) = answer(n) {
                    stream.write_all(&[reply]).unwrap();
                }
            }
        }
        received
    });
    (port, handle)
}

/// A USB printer stand-in: a pseudo-terminal in raw mode, so the kiosk opens a character
/// device by path (as it opens /dev/usb/lp0) and the fake answers on the other side.
fn fake_usb_printer(answer: fn(u8) -> Option<u8>) -> (PathBuf, JoinHandle<Vec<u8>>) {
    use std::os::fd::FromRawFd;
    // SAFETY: plain libc calls on a descriptor we own; every result is checked, and the
    // name buffer is NUL-terminated by ptsname_r on success.
    let (master, path) = unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(fd >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(fd), 0);
        assert_eq!(libc::unlockpt(fd), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
        let mut tio: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(fd, &mut tio), 0);
        libc::cfmakeraw(&mut tio);
        assert_eq!(libc::tcsetattr(fd, libc::TCSANOW, &tio), 0);
        let path = std::ffi::CStr::from_ptr(name.as_ptr()).to_str().unwrap().to_string();
        (std::fs::File::from_raw_fd(fd), PathBuf::from(path))
    };
    let handle = std::thread::spawn(move || {
        let mut master = master;
        let mut received = Vec::new();
        let mut scanned = 0;
        let mut buf = [0u8; 4096];
        let started = Instant::now();
        loop {
            match master.read(&mut buf) {
                Ok(n @ 1..) => {
                    received.extend_from_slice(&buf[..n]);
                    while let Some(i) = received[scanned..].windows(3).position(|w| w[..2] == [0x10, 0x04]) {
                        let n = received[scanned + i + 2];
                        scanned += i + 3;
                        if let Some(reply) = answer(n) {
                            master.write_all(&[reply]).unwrap();
                        }
                    }
                }
                // EIO: no slave side open (yet, or any more).
                _ if received.is_empty() && started.elapsed() < Duration::from_secs(5) => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => return received,
            }
        }
    });
    (path, handle)
}

#[test]
fn usb_printer_device_is_asked_for_paper_around_the_job() {
    let (path, fake) = fake_usb_printer(|_| Some(0x12));
    let config = config_with_printer(|t| t.replace("/dev/usb/lp0", path.to_str().unwrap()));
    let slip = sample(&config);
    assert_eq!(Printer::from_config(&config).unwrap().print_blocking(&slip), PrintOutcome::Printed);
    let job = SlipSettings::from_config(&config).escpos(&slip);
    let expected = [&[0x10, 0x04, 0x04][..], &[0x10, 0x04, 0x01], &job, &[0x10, 0x04, 0x04]].concat();
    assert_eq!(fake.join().unwrap(), expected);

    let (path, fake) = fake_usb_printer(|n| Some(if n == 4 { 0x72 } else { 0x12 }));
    let config = config_with_printer(|t| t.replace("/dev/usb/lp0", path.to_str().unwrap()));
    assert_eq!(Printer::from_config(&config).unwrap().print_blocking(&slip), PrintOutcome::NoPaper);
    assert_eq!(fake.join().unwrap(), [0x10, 0x04, 0x04]);
}

#[test]
fn network_printer_gets_the_whole_job_between_status_questions() {
    let (port, fake) = fake_printer(|_| Some(0x12));
    let config = config_with_printer(to_address(port, 5));
    let slip = sample(&config);
    let printer = Printer::from_config(&config).unwrap();
    assert_eq!(printer.print_blocking(&slip), PrintOutcome::Printed);
    drop(printer);
    let received = fake.join().unwrap();
    let job = SlipSettings::from_config(&config).escpos(&slip);
    let expected = [&[0x10, 0x04, 0x04][..], &[0x10, 0x04, 0x01], &job, &[0x10, 0x04, 0x04]].concat();
    assert_eq!(received, expected);
}

#[test]
fn paper_out_is_reported_and_nothing_is_sent() {
    // Roll paper sensor: bits 5 and 6 = paper end.
    let (port, fake) = fake_printer(|n| Some(if n == 4 { 0x72 } else { 0x12 }));
    let config = config_with_printer(to_address(port, 5));
    let started = Instant::now();
    let outcome = Printer::from_config(&config).unwrap().print_blocking(&sample(&config));
    assert_eq!(outcome, PrintOutcome::NoPaper);
    assert_eq!(outcome.staff_alert(), Some("PRN"));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(fake.join().unwrap(), [0x10, 0x04, 0x04], "no job after the printer said it has no paper");
}

#[test]
fn offline_printer_is_reported() {
    // Printer status: bit 3 = offline.
    let (port, fake) = fake_printer(|n| Some(if n == 1 { 0x1A } else { 0x12 }));
    let config = config_with_printer(to_address(port, 5));
    let outcome = Printer::from_config(&config).unwrap().print_blocking(&sample(&config));
    assert_eq!(outcome, PrintOutcome::Offline);
    assert_eq!(outcome.staff_alert(), Some("PRN"));
    fake.join().unwrap();
}

#[test]
fn printer_that_never_answers_times_out_in_the_background() {
    let (port, fake) = fake_printer(|_| None);
    let config = config_with_printer(to_address(port, 1));
    let printer = Printer::from_config(&config).unwrap();
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    let tx2 = tx.clone();
    printer.print_in_background(sample(&config), move |outcome| tx.send(outcome).unwrap());
    assert!(started.elapsed() < Duration::from_millis(100), "print_in_background returns at once");
    // A second tap while the first slip is on its way is not sent at all.
    printer.print_in_background(sample(&config), move |outcome| tx2.send(outcome).unwrap());
    assert_eq!(rx.recv_timeout(Duration::from_secs(1)).unwrap(), PrintOutcome::Busy);
    let outcome = rx.recv_timeout(Duration::from_secs(3)).expect("an outcome within the timeout");
    let took = started.elapsed();
    assert_eq!(outcome, PrintOutcome::TimedOut);
    assert_eq!(outcome.staff_alert(), Some("PRN"));
    assert!(took >= Duration::from_millis(990) && took < Duration::from_millis(1500), "took {took:?}");
    assert_eq!(fake.join().unwrap(), [0x10, 0x04, 0x04], "nothing printed blind after a silent status");
}

#[test]
fn no_printer_at_the_address_is_offline() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = config_with_printer(to_address(port, 5));
    let started = Instant::now();
    let outcome = Printer::from_config(&config).unwrap().print_blocking(&sample(&config));
    assert_eq!(outcome, PrintOutcome::Offline);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn unplugged_usb_printer_is_offline() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("lp0");
    let config = config_with_printer(|t| t.replace("/dev/usb/lp0", missing.to_str().unwrap()));
    let printer = Printer::from_config(&config).unwrap();
    assert_eq!(printer.print_blocking(&sample(&config)), PrintOutcome::Offline);
    // Not Busy: the "printing now" flag is cleared after every print.
    assert_eq!(printer.print_blocking(&sample(&config)), PrintOutcome::Offline);
    assert!(!missing.exists(), "a missing device node is never created as a file");
    assert_eq!(PrintOutcome::Printed.staff_alert(), None);
}

// ---- the PNG preview ----

#[test]
fn preview_is_one_pixel_per_dot_and_its_qr_code_reads_back_as_the_link() {
    let dir = tempfile::tempdir().unwrap();
    for (paper, dots) in [("58", 384), ("80", 576)] {
        let config = config_with_printer(|t| t.replace("paper_mm = 58", &format!("paper_mm = {paper}")));
        let slip = sample(&config);
        let image = preview::render(&layout::layout(&slip, &SlipSettings::from_config(&config))).unwrap();
        assert_eq!(image.width, dots);
        let path = dir.path().join(format!("slip-{paper}.png"));
        preview::write_png(&image, &path).unwrap();
        assert_eq!(zbarimg(&path), slip.link());
    }
}

#[test]
fn print_test_writes_the_job_and_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    let (bin, png) = (dir.path().join("slip.bin"), dir.path().join("slip.png"));
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["print-test", "--config"])
        .arg(&example)
        .arg("--out")
        .arg(&bin)
        .arg("--preview")
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cmds = parse(&std::fs::read(&bin).unwrap());
    assert_eq!(cmds[0], Cmd::Init);
    let link = zbarimg(&png);
    assert!(link.starts_with("https://track.example.gov.cn/t/440305-K01-"), "{link}");
    assert_eq!(qr_calls(&cmds)[3].1, [b"0".as_slice(), link.as_bytes()].concat());

    // Printing for real needs a [printer] section; the example has none.
    let out = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .args(["print-test", "--config"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [printer] section"));
}

#[test]
fn kind_and_language_pick_the_title_and_hall_name() {
    use hall_kiosk::delivery::submission::TicketReceipt;
    use hall_kiosk::hall::ticket::{TicketNumber, TrackingToken, tracking_link};
    use hall_kiosk::screens::slip::SlipKind;
    use hall_kiosk::screens::slip::layout::Line;

    let config = config_with_printer(|t| t);
    let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let number = TicketNumber::new("440305", "K01", day, 42);
    let token = TrackingToken::from_link("q7Jc2mN0x3Wb9FvK1sTzAg");
    let ticket = TicketReceipt {
        link: tracking_link("https://track.example.gov.cn", &number, &token),
        number,
        token,
        reply_due: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
    };
    let settings = SlipSettings::from_config(&config);
    let texts = |kind, language| -> Vec<String> {
        let slip = Slip::from_ticket(&ticket, kind, 5, day.and_hms_opt(16, 5, 0).unwrap(), language);
        assert_eq!(slip.link(), ticket.link);
        layout::layout(&slip, &settings)
            .lines
            .into_iter()
            .filter_map(|l| if let Line::Text(t) = l { Some(t.text) } else { None })
            .collect()
    };
    let zh = texts(SlipKind::RatingFollowUp, Language::ZhCn);
    assert_eq!(zh[..2], ["南山区政务服务中心", "服务评价回执"]);
    assert!(zh.iter().any(|t| t == "承诺答复：2026年12月4日（周五）"), "{zh:#?}");
    assert!(zh.iter().any(|t| t.contains("5个工作日")), "{zh:#?}");
    assert!(zh.iter().any(|t| t == "打印时间：2026-11-27 16:05"), "{zh:#?}");
    let en = texts(SlipKind::Complaint, Language::En);
    assert_eq!(en[..3], ["Nanshan District Government", "Service Center", "Report receipt"]);
    assert!(en.iter().any(|t| t == "Reply by: Fri 4 Dec 2026"), "{en:#?}");
}
