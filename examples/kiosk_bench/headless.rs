//! The kiosk without a display, in this process: Slint's software renderer into a buffer of
//! the panel's size (as `hall-kiosk screenshot` does), driven through the screens' own
//! callbacks and pointer events. Each mode runs in a child process of its own (fresh heap,
//! fresh glyph cache, PSS of nothing else) and prints one JSON object.

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use hall_kiosk::config::{Language, LoadedConfig};
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::delivery::uplink::{self, UplinkHandle, UplinkSettings};
use hall_kiosk::screens::app::{AppOptions, KioskApp};
use hall_kiosk::screens::staging::Screen;
use hall_kiosk::screens::startup::{self, Milestone};
use hall_kiosk::screens::ui::{Complaint, Phone};
use serde_json::{Value, json};
use slint::ComponentHandle;
use slint::platform::software_renderer::{MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType};
use slint::platform::{Platform, PointerEventButton, WindowAdapter, WindowEvent};
use slint::{LogicalPosition, PhysicalSize};

use crate::hall;
use crate::proc;

/// The reference panel.
pub const WIDTH: u32 = 1080;
pub const HEIGHT: u32 = 1920;

/// Every screen `hall-kiosk screenshot` knows, in the order a citizen meets them.
pub const SCREENS: &[(Screen, &str)] = &[
    (Screen::Home, "home"),
    (Screen::Help, "help"),
    (Screen::Idle, "idle"),
    (Screen::ComplaintProblem, "complaint-problem"),
    (Screen::ComplaintDepartment, "complaint-department"),
    (Screen::ComplaintMatter, "complaint-matter"),
    (Screen::ComplaintDetails, "complaint-details"),
    (Screen::ComplaintContact, "complaint-contact"),
    (Screen::ComplaintSummary, "complaint-summary"),
    (Screen::ComplaintCancel, "complaint-cancel"),
    (Screen::Ticket, "ticket"),
    (Screen::RatingWindow, "rating-window"),
    (Screen::RatingStaff, "rating-staff"),
    (Screen::RatingMatter, "rating-matter"),
    (Screen::RatingLevel, "rating-level"),
    (Screen::RatingReasons, "rating-reasons"),
    (Screen::RatingContact, "rating-contact"),
    (Screen::RatingThanks, "rating-thanks"),
    (Screen::RatingTicket, "rating-ticket"),
    (Screen::CallStaff, "call-staff"),
];

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

/// The kiosk on a headless window, with the frame buffer the panel would have (4 bytes a
/// pixel, as the X11 window's).
struct Kiosk {
    app: KioskApp,
    window: Rc<MinimalSoftwareWindow>,
    buffer: Vec<PremultipliedRgbaColor>,
}

impl Kiosk {
    fn new(config: LoadedConfig, options: AppOptions) -> Kiosk {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        slint::platform::set_platform(Box::new(HeadlessPlatform { window: window.clone() })).unwrap();
        window.set_size(PhysicalSize::new(WIDTH, HEIGHT));
        let app = KioskApp::new(config, options).expect("the kiosk UI builds");
        app.window().show().unwrap();
        let buffer = vec![PremultipliedRgbaColor::default(); (WIDTH * HEIGHT) as usize];
        Kiosk { app, window, buffer }
    }

    /// Renders what is dirty (everything, with `full`); returns the time and the pixels
    /// redrawn (0: nothing was dirty).
    fn render(&mut self, full: bool) -> (Duration, u64) {
        slint::platform::update_timers_and_animations();
        let renderer_mode = if full { RepaintBufferType::NewBuffer } else { RepaintBufferType::ReusedBuffer };
        if full {
            self.window.request_redraw();
        }
        let buffer = &mut self.buffer;
        let mut out = (Duration::ZERO, 0);
        self.window.draw_if_needed(|renderer| {
            renderer.set_repaint_buffer_type(renderer_mode);
            let started = Instant::now();
            let region = renderer.render(buffer, WIDTH as usize);
            let pixels = region.iter().map(|(_, s)| u64::from(s.width) * u64::from(s.height)).sum();
            out = (started.elapsed(), pixels);
        });
        out
    }

    /// A fresh session showing `screen`, painted in full once and settled, so the next
    /// render is a partial repaint.
    fn show(&mut self, screen: Screen, elder: bool) -> Duration {
        self.app.end_session();
        self.render(false);
        self.app.stage(screen, Language::ZhCn, elder);
        let (full, _) = self.render(true);
        // Back to partial rendering (switching clears its cache: one settling frame).
        self.render(false);
        self.render(false);
        full
    }

    fn press(&self, x: f32, y: f32) {
        let position = LogicalPosition::new(x, y);
        let w = self.app.window().window();
        w.dispatch_event(WindowEvent::PointerMoved { position });
        w.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
    }

    /// Lets go without a click: the pointer leaves first, so nothing is activated.
    fn let_go(&self) {
        let w = self.app.window().window();
        w.dispatch_event(WindowEvent::PointerExited);
        w.dispatch_event(WindowEvent::PointerReleased {
            position: LogicalPosition::new(-10.0, -10.0),
            button: PointerEventButton::Left,
        });
    }
}

/// Points to try for "a tile pressed", in reading order down the content area: the first
/// one whose press redraws something smaller than the screen is the screen's typical tap.
fn tap_candidates() -> impl Iterator<Item = (f32, f32)> {
    (0..27).flat_map(|row| {
        let y = 360.0 + 55.0 * row as f32;
        [270.0, 540.0, 810.0].into_iter().map(move |x| (x, y))
    })
}

/// Milliseconds, for JSON.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `render` mode: cold start of the UI, then every screen in normal and elder mode: the
/// full first paint and the partial repaint after a typical tap.
pub fn render_mode(config_path: &Path) -> Value {
    let config = hall_kiosk::config::load(config_path).expect("the config loads");
    let before_ui = startup::monotonic_ns();
    let mut kiosk = Kiosk::new(config, AppOptions::default());
    let step = |from: u64, to: Option<u64>| to.map_or(0.0, |t| t.saturating_sub(from) as f64 / 1e6);
    let window_ms = step(before_ui, startup::reached(Milestone::Window));
    let ui_ms =
        step(startup::reached(Milestone::Window).unwrap_or(before_ui), startup::reached(Milestone::Ui));
    let (cold, _) = kiosk.render(true);
    let (warm, _) = kiosk.render(true);
    let total_ms = (startup::monotonic_ns() - before_ui) as f64 / 1e6 - ms(warm);

    let mut screens = Vec::new();
    for elder in [false, true] {
        for &(screen, name) in SCREENS {
            let full = kiosk.show(screen, elder);
            let mut tap = Value::Null;
            for (x, y) in tap_candidates() {
                kiosk.press(x, y);
                let (time, pixels) = kiosk.render(false);
                kiosk.let_go();
                kiosk.render(false);
                if pixels > 0 && pixels < u64::from(WIDTH * HEIGHT) / 2 {
                    tap = json!({"x": x, "y": y, "ms": ms(time), "pixels": pixels});
                    break;
                }
            }
            let mut row = json!({"screen": name, "elder": elder, "full_ms": ms(full), "tap": tap});
            if screen == Screen::ComplaintContact {
                // A digit typed on the phone pad (the tap's callback; its press is above):
                // the staged number is complete, so one digit goes first, then it is typed.
                kiosk.app.window().global::<Phone>().invoke_delete_digit();
                kiosk.render(false);
                kiosk.app.window().global::<Phone>().invoke_press_digit("8".into());
                let (time, pixels) = kiosk.render(false);
                row["digit"] = json!({"ms": ms(time), "pixels": pixels});
            }
            screens.push(row);
        }
    }
    json!({
        "ui_start": {
            "window_and_fonts_ms": window_ms,
            "controllers_ms": ui_ms,
            "first_render_cold_ms": ms(cold),
            "first_render_warm_ms": ms(warm),
            "to_first_frame_ms": total_ms,
        },
        "screens": screens,
    })
}

/// Which server the uplink talks to while the citizens submit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Uplink {
    /// Nothing listens: connection refused.
    Down,
    /// Accepts and stays silent for 10 s.
    Stalling,
}

/// `submit` mode: `count` complaints, each from its summary screen: the time the UI thread
/// is busy from the Send tap (the callback: payload, outbox commit with fsync, ticket and
/// QR code) until the ticket's frame is rendered. With PSS after the home screen settles,
/// after walking every screen, halfway and at the end.
pub fn submit_mode(dir: &Path, uplink_mode: Uplink, count: usize) -> Value {
    let addr = match uplink_mode {
        Uplink::Down => hall::closed_port(),
        Uplink::Stalling => hall::stalling_server(Duration::from_secs(10)),
    };
    let config_path = hall::write_config(dir, addr);
    let config = hall_kiosk::config::load(&config_path).expect("the config loads");
    let (outbox, _) = Outbox::open(&config.data_dir()).expect("the outbox opens");
    let settings = UplinkSettings::from_config(&config).expect("uplink settings");
    let uplink: UplinkHandle = uplink::spawn(&outbox, settings).expect("the uplink starts");
    let counter = outbox.another_connection().expect("a second outbox connection");
    let options = AppOptions {
        submitter: Some(Submitter::new(&config, outbox)),
        uplink_status: Some(uplink.status()),
        ..AppOptions::default()
    };
    let mut kiosk = Kiosk::new(config, options);
    kiosk.render(true);
    settle(&mut kiosk, Duration::from_secs(2));
    let pss_home = proc::pss_kib("self");

    for elder in [false, true] {
        for &(screen, _) in SCREENS {
            kiosk.show(screen, elder);
        }
    }
    kiosk.show(Screen::Home, false);
    settle(&mut kiosk, Duration::from_secs(1));
    let pss_walked = proc::pss_kib("self");

    let mut busy = Vec::with_capacity(count);
    let mut pss_half = None;
    for i in 0..count {
        kiosk.show(Screen::ComplaintSummary, false);
        let complaint = kiosk.app.window().global::<Complaint>();
        let started = Instant::now();
        complaint.invoke_send();
        kiosk.render(false);
        busy.push(started.elapsed());
        assert_eq!(
            kiosk.app.window().global::<hall_kiosk::screens::ui::Shell>().get_page(),
            hall_kiosk::screens::ui::Page::Ticket,
            "submission {i} did not reach the ticket"
        );
        if i + 1 == count / 2 {
            pss_half = proc::pss_kib("self");
        }
    }
    kiosk.show(Screen::Home, false);
    settle(&mut kiosk, Duration::from_secs(1));
    let pss_end = proc::pss_kib("self");
    let pending = counter.stats().ok().map(|s| s.pending);
    uplink.shutdown();
    busy.sort();
    let pick = |q: f64| ms(busy[((busy.len() as f64 * q).ceil() as usize).clamp(1, busy.len()) - 1]);
    json!({
        "count": count,
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "max_ms": ms(*busy.last().unwrap()),
        "pending_after": pending,
        "pss_kib": {
            "home_settled": pss_home,
            "after_walking_every_screen": pss_walked,
            "after_half": pss_half,
            "after_all_submissions": pss_end,
        },
    })
}

/// Turns of a headless event loop for `how_long`: timers fire, what changed is drawn.
fn settle(kiosk: &mut Kiosk, how_long: Duration) {
    let until = Instant::now() + how_long;
    while Instant::now() < until {
        kiosk.render(false);
        std::thread::sleep(Duration::from_millis(50));
    }
}
