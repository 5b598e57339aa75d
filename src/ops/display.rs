//! Whether the kiosk has a screen to run on, so a machine without one gets a clear message
//! instead of a backend error.

/// Returns `Ok(())` when an X11 display is available (the kiosk is built for X11; under
/// Wayland, XWayland provides one), or the reason why not.
pub fn check_display() -> Result<(), String> {
    match std::env::var_os("DISPLAY") {
        Some(v) if !v.is_empty() => Ok(()),
        _ => Err("no display found: DISPLAY is not set, so there is no screen to show the kiosk on".into()),
    }
}
