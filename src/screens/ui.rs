//! The Slint UI compiled from `ui/app.slint` by `build.rs`: the `AppWindow` component and
//! the globals (`Theme`, `Shell`, `Idle`, ...) that are Rust's only way to talk to it.

slint::include_modules!();
