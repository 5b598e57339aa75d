//! Whether the kiosk has a screen to run on, so a machine without one gets a clear message
//! instead of a backend error.

/// Returns `Ok(())` when the kiosk can draw: an X11 or Wayland display, or (panel build)
/// the panel's own display; else the reason why not. The rule is `screens::backend`'s.
pub fn check_display() -> Result<(), String> {
    use crate::screens::backend;
    backend::choose(|name| std::env::var_os(name), backend::PANEL_BUILT).map(|_| ())
}
