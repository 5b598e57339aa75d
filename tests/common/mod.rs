//! Helpers for driving the real kiosk UI headlessly with Slint's testing backend:
//! find elements by accessible label, tap them, advance mock time.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use hall_kiosk::app::KioskApp;
use hall_kiosk::config::{self, LoadedConfig};
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
    let app = KioskApp::new(config, false).expect("kiosk UI builds");
    app.window()
        .window()
        .set_size(slint::LogicalSize::new(1080.0, 1920.0));
    app.window().show().expect("window shows");
    app
}

/// A kiosk with the sample config.
pub fn kiosk() -> KioskApp {
    kiosk_with(example_config())
}

fn is_control(e: &ElementHandle) -> bool {
    use i_slint_backend_testing::AccessibleRole as R;
    matches!(
        e.accessible_role(),
        Some(R::Button | R::Switch | R::Checkbox | R::RadioButton | R::ListItem | R::TextInput)
    )
}

/// Every element a citizen can tap that is currently on screen.
pub fn controls(app: &KioskApp) -> Vec<ElementHandle> {
    ElementQuery::from_root(app.window())
        .match_predicate(is_control)
        .find_all()
}

/// The tappable element with this accessible label; panics with the labels on screen if
/// there is none.
pub fn control(app: &KioskApp, label: &str) -> ElementHandle {
    let found: Vec<_> = ElementHandle::find_by_accessible_label(app.window(), label)
        .filter(is_control)
        .collect();
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
    controls(app)
        .iter()
        .filter_map(|e| e.accessible_label())
        .map(|s| s.to_string())
        .collect()
}

/// Taps the control with this label (a real pointer press and release at its centre).
pub fn tap(app: &KioskApp, label: &str) {
    control(app, label).mock_single_click(PointerEventButton::Left);
}

/// Whether some element shows exactly this text.
pub fn shows_text(app: &KioskApp, text: &str) -> bool {
    ElementHandle::find_by_accessible_label(app.window(), text)
        .next()
        .is_some()
}

/// Advances Slint's mock clock one second at a time, firing timers on the way.
pub fn wait_secs(secs: u64) {
    for _ in 0..secs {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(1));
    }
}
