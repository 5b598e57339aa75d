//! Shared by the integration tests: driving the real kiosk UI headlessly with Slint's
//! testing backend (find elements by accessible label, tap them, advance mock time), and
//! the reference intake server on 127.0.0.1:0 with a kiosk config pointing at it.
#![allow(dead_code)]

#[path = "../../examples/intake_server/server.rs"]
pub mod server;

pub mod flaky;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hall_kiosk::config::LoadedConfig;
use hall_kiosk::delivery::uplink::UplinkSettings;

/// The bearer token the test server accepts.
pub const TOKEN: &str = "test-token-5f1c2a";

/// Starts `router` on 127.0.0.1 with a free port; it runs until the test's runtime ends.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A reference intake server with its database in `dir`, accepting [`TOKEN`] for kiosk K01
/// (the example hall's kiosk).
pub fn intake(dir: &Path) -> Arc<server::Intake> {
    Arc::new(
        server::Intake::open(&dir.join("intake.db"), vec![server::KioskToken::new("K01", TOKEN)]).unwrap(),
    )
}

/// Writes a kiosk config (the example hall) whose server is `addr`, with a 0600 token file
/// holding `token` and the outbox in `dir/data`. Returns the config file.
pub fn write_config(dir: &Path, addr: SocketAddr, token: &str) -> PathBuf {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk-config/example.toml")).unwrap();
    let base = format!("http://{addr}");
    let text: String = example
        .lines()
        .filter(|l| !l.starts_with("ca_file"))
        .map(|l| {
            if l.starts_with("base_url = ") {
                format!("base_url = \"{base}\"")
            } else if l.starts_with("token_file = ") {
                "token_file = \"token\"".to_string()
            } else if l.starts_with("data_dir = ") {
                "data_dir = \"data\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write_token(dir, token);
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// (Re)writes the token file with mode 0600.
pub fn write_token(dir: &Path, token: &str) {
    let path = dir.join("token");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Loads the config written by [`write_config`].
pub fn load(path: &Path) -> LoadedConfig {
    hall_kiosk::config::load(path).unwrap()
}

/// The config's uplink settings on scaled time: 1 s becomes `factor` s.
pub fn scaled_settings(config: &LoadedConfig, factor: f64) -> UplinkSettings {
    let mut s = UplinkSettings::from_config(config).unwrap().scaled(factor);
    s.heartbeat_every = std::time::Duration::from_millis(200);
    s
}

// ---- Driving the UI ----

use std::time::Duration;

use hall_kiosk::config;
use hall_kiosk::screens::app::KioskApp;
use i_slint_backend_testing::{ElementHandle, ElementQuery};
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

/// The sample hall configuration shipped in the repo.
pub fn example_config() -> LoadedConfig {
    config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml"))
        .expect("example config is valid")
}

/// A kiosk on the testing backend (mock time, no display), shown at the reference size.
/// Each test thread gets its own backend.
pub fn kiosk_with(config: LoadedConfig) -> KioskApp {
    i_slint_backend_testing::init_no_event_loop();
    let app =
        KioskApp::new(config, hall_kiosk::screens::app::AppOptions::default()).expect("kiosk UI builds");
    app.window().window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    app.window().show().expect("window shows");
    app
}

/// A kiosk with the sample config.
pub fn kiosk() -> KioskApp {
    kiosk_with(example_config())
}

/// The process's pinyin engine with the sample hall's phrases, deployed into a directory
/// of its own under the system temp dir (librime has one data directory per process, so
/// every kiosk of a test binary shares it).
pub fn pinyin_engine() -> &'static hall_kiosk::input::pinyin::PinyinEngine {
    use hall_kiosk::input::pinyin::{PinyinEngine, PinyinSettings};
    let settings =
        PinyinSettings { user_dir: pinyin_engine_dir(), ..PinyinSettings::from_config(&example_config()) };
    PinyinEngine::start(settings)
}

/// The process's handwriting engine with Debian's model and the sample hall's phrases.
pub fn handwriting_engine() -> &'static hall_kiosk::input::handwriting::HandwritingEngine {
    use hall_kiosk::input::handwriting::{HandwritingEngine, HandwritingSettings};
    HandwritingEngine::start(HandwritingSettings::from_config(&example_config()))
}

/// Where [`pinyin_engine`] keeps its data.
pub fn pinyin_engine_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path().join("rime")
}

/// A kiosk on the testing backend with the on-screen keyboard's pinyin engine, and with
/// `submitter` when given.
pub fn kiosk_with_pinyin(
    config: LoadedConfig,
    submitter: Option<hall_kiosk::delivery::submission::Submitter>,
) -> KioskApp {
    i_slint_backend_testing::init_no_event_loop();
    let options = hall_kiosk::screens::app::AppOptions {
        submitter,
        pinyin: Some(pinyin_engine()),
        handwriting: Some(handwriting_engine()),
        ..Default::default()
    };
    let app = KioskApp::new(config, options).expect("kiosk UI builds");
    app.window().window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    app.window().show().expect("window shows");
    app
}

/// Whether an element accepts a tap (by its accessible role).
pub fn is_control(e: &ElementHandle) -> bool {
    use i_slint_backend_testing::AccessibleRole as R;
    matches!(
        e.accessible_role(),
        Some(R::Button | R::Switch | R::Checkbox | R::RadioButton | R::ListItem | R::TextInput)
    )
}

/// Every element a citizen can tap that is currently on screen.
pub fn controls(app: &KioskApp) -> Vec<ElementHandle> {
    ElementQuery::from_root(app.window()).match_predicate(is_control).find_all()
}

/// The tappable element with this accessible label; panics with the labels on screen if
/// there is none.
pub fn control(app: &KioskApp, label: &str) -> ElementHandle {
    let found: Vec<_> =
        ElementHandle::find_by_accessible_label(app.window(), label).filter(is_control).collect();
    match found.len() {
        1 => found.into_iter().next().unwrap(),
        0 => panic!("no control labelled {label:?}; on screen: {:?}", labels(app)),
        n => panic!("{n} controls labelled {label:?}"),
    }
}

/// Whether a control with this label is on screen.
pub fn has_control(app: &KioskApp, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(app.window(), label).any(|e| is_control(&e))
}

/// Labels of every control on screen, for failure messages.
pub fn labels(app: &KioskApp) -> Vec<String> {
    controls(app).iter().filter_map(|e| e.accessible_label()).map(|s| s.to_string()).collect()
}

/// Taps the control with this label (a real pointer press and release at its centre), as
/// a person does: after the screen has settled (see `settle`).
pub fn tap(app: &KioskApp, label: &str) {
    settle(app);
    tap_at_once(app, label);
}

/// Taps the control with this label straight away, even while the settle guard is on
/// (the second tap of a double tap).
pub fn tap_at_once(app: &KioskApp, label: &str) {
    control(app, label).mock_single_click(PointerEventButton::Left);
}

/// Lets what the last tap changed take effect (`changed` handlers), then waits on the mock
/// clock as long as a person takes to see it before the next deliberate tap: past the
/// settle guard (taps ignored for a moment after the screen changes) and past a tick-box's
/// or switch's own hold on a second tap.
pub fn settle(app: &KioskApp) {
    slint::platform::update_timers_and_animations();
    i_slint_backend_testing::mock_elapsed_time(SETTLE_GUARD_MAX);
    assert!(!app.window().global::<hall_kiosk::screens::ui::Shell>().get_settling(), "still settling");
}

/// At least as long as the longest settle guard (elder mode's).
pub const SETTLE_GUARD_MAX: Duration = Duration::from_millis(700);

/// Whether some element shows exactly this text.
pub fn shows_text(app: &KioskApp, text: &str) -> bool {
    ElementHandle::find_by_accessible_label(app.window(), text).next().is_some()
}

/// Advances Slint's mock clock one second at a time, firing timers on the way.
pub fn wait_secs(secs: u64) {
    for _ in 0..secs {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
    // What an event loop does each turn: due timers, and the `changed` handlers of the UI
    // (the window's size reaching the theme, a focused field reporting where it ends).
    slint::platform::update_timers_and_animations();
}

/// A kiosk on the testing backend whose submissions go to `submitter`.
pub fn kiosk_with_submitter(
    config: LoadedConfig,
    submitter: hall_kiosk::delivery::submission::Submitter,
) -> KioskApp {
    i_slint_backend_testing::init_no_event_loop();
    let options = hall_kiosk::screens::app::AppOptions { submitter: Some(submitter), ..Default::default() };
    let app = KioskApp::new(config, options).expect("kiosk UI builds");
    app.window().window().set_size(slint::LogicalSize::new(1080.0, 1920.0));
    app.window().show().expect("window shows");
    app
}

/// Every text shown on screen right now (labels of texts and controls, and values).
pub fn all_visible_text(app: &KioskApp) -> Vec<String> {
    ElementQuery::from_root(app.window())
        .find_all()
        .iter()
        .flat_map(|e| [e.accessible_label(), e.accessible_value()])
        .flatten()
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads a QR code image back with zbarimg (Debian's zbar-tools).
pub fn read_qr(image: &slint::Image, dir: &Path) -> String {
    let pixels = image.to_rgb8().expect("the QR code is an RGB image");
    let path = dir.join("qr.png");
    hall_kiosk::screens::screenshot::write_png(&pixels, &path).unwrap();
    zbarimg(&path)
}

/// The text of the one QR code in a PNG file, read by zbarimg (Debian's zbar-tools).
pub fn zbarimg(png: &Path) -> String {
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(png)
        .output()
        .expect("zbarimg (Debian package zbar-tools) is installed: run scripts/setup-debian.sh");
    assert!(out.status.success(), "zbarimg found no code: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim_end().to_string()
}

/// A kiosk whose outbox is in `dir`, with no uplink (nothing is delivered), and a second
/// connection to that outbox for reading back what the screens queued.
pub fn offline_kiosk(dir: &Path) -> (KioskApp, hall_kiosk::delivery::outbox::Outbox) {
    let config = load(&write_config(dir, "127.0.0.1:9".parse().unwrap(), TOKEN));
    let (outbox, _) = hall_kiosk::delivery::outbox::Outbox::open(&config.data_dir()).unwrap();
    let reader = outbox.another_connection().unwrap();
    let submitter = hall_kiosk::delivery::submission::Submitter::new(&config, outbox);
    (kiosk_with_submitter(config, submitter), reader)
}

/// The bodies of all pending submissions, oldest first, as JSON.
pub fn pending_bodies(outbox: &hall_kiosk::delivery::outbox::Outbox) -> Vec<serde_json::Value> {
    outbox
        .due(i64::MAX, 0, 100)
        .unwrap()
        .iter()
        .map(|row| serde_json::from_slice(&row.body).unwrap())
        .collect()
}
