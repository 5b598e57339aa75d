//! Which Slint backend draws the kiosk: a window on X11/Wayland (development, or a panel
//! with a desktop), or, in the panel build, straight to the display through DRM with
//! libinput touch (`linuxkms`, no seat daemon). Both use the software renderer: kiosk
//! panels have no useful GPU. `SLINT_BACKEND` overrides the choice.

use std::ffi::OsString;

use crate::config::Rotation;

/// Whether this binary carries the DRM backend (`--features panel`).
pub const PANEL_BUILT: bool = cfg!(feature = "panel");

/// The environment variable the linuxkms backend reads its rotation from.
pub const KMS_ROTATION_VAR: &str = "SLINT_KMS_ROTATION";

/// The backend chosen for this start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `SLINT_BACKEND` is set: Slint picks what it names.
    Override,
    /// A window on the X11 or Wayland display (winit).
    Window,
    /// The panel's display through DRM, touch through libinput (linuxkms).
    Panel,
}

/// Chooses from the environment: a display server wins; without one the panel build
/// draws to DRM. An error says why there is nothing to draw on.
pub fn choose(env: impl Fn(&str) -> Option<OsString>, panel_built: bool) -> Result<Backend, String> {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    if set("SLINT_BACKEND") {
        Ok(Backend::Override)
    } else if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        Ok(Backend::Window)
    } else if panel_built {
        Ok(Backend::Panel)
    } else {
        Err("no display found: neither DISPLAY nor WAYLAND_DISPLAY is set, and this build has no \
             panel backend (build with `--features panel` to draw straight to the display)"
            .into())
    }
}

/// The value for [`KMS_ROTATION_VAR`], when the configured rotation should be applied:
/// only for a backend that may be linuxkms, and never over an operator's own setting.
pub fn kms_rotation(
    backend: Backend,
    rotation: Rotation,
    env: impl Fn(&str) -> Option<OsString>,
) -> Option<String> {
    let may_be_kms = match backend {
        Backend::Panel => true,
        Backend::Override => {
            env("SLINT_BACKEND").is_some_and(|v| v.to_string_lossy().starts_with("linuxkms"))
        }
        Backend::Window => false,
    };
    (may_be_kms && env(KMS_ROTATION_VAR).is_none()).then(|| rotation.degrees().to_string())
}

/// Installs the chosen backend (for [`Backend::Override`], Slint reads `SLINT_BACKEND`
/// itself when the first window is made).
pub fn install(backend: Backend) -> Result<(), slint::PlatformError> {
    let name = match backend {
        Backend::Override => return Ok(()),
        Backend::Window => "winit",
        Backend::Panel => "linuxkms",
    };
    slint::BackendSelector::new().backend_name(name.into()).renderer_name("software".into()).select()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.into())
    }

    #[test]
    fn a_display_server_wins_then_the_panel() {
        assert_eq!(choose(env(&[("DISPLAY", ":0")]), true), Ok(Backend::Window));
        assert_eq!(choose(env(&[("WAYLAND_DISPLAY", "wayland-0")]), true), Ok(Backend::Window));
        assert_eq!(choose(env(&[("DISPLAY", "")]), true), Ok(Backend::Panel));
        assert_eq!(choose(env(&[]), true), Ok(Backend::Panel));
        assert_eq!(
            choose(env(&[("SLINT_BACKEND", "winit"), ("DISPLAY", ":0")]), true),
            Ok(Backend::Override)
        );
        let err = choose(env(&[]), false).unwrap_err();
        assert!(err.contains("--features panel"), "{err}");
    }

    #[test]
    fn rotation_goes_to_the_drm_backend_only_and_never_over_the_operator() {
        let r = Rotation::Deg90;
        assert_eq!(kms_rotation(Backend::Panel, r, env(&[])), Some("90".into()));
        assert_eq!(kms_rotation(Backend::Window, r, env(&[])), None);
        assert_eq!(kms_rotation(Backend::Panel, r, env(&[(KMS_ROTATION_VAR, "180")])), None);
        let kms = env(&[("SLINT_BACKEND", "linuxkms-software")]);
        assert_eq!(kms_rotation(Backend::Override, r, kms), Some("90".into()));
        assert_eq!(kms_rotation(Backend::Override, r, env(&[("SLINT_BACKEND", "winit")])), None);
    }
}
