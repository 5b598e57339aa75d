//! Measured, not assumed: every screen of every flow, in both languages and both modes, is
//! walked headlessly and each element that accepts a tap is checked against the sizes in
//! docs/accessibility.md; the theme's text/background pairs are checked for contrast.

mod common;

use clap::ValueEnum;
use common::*;
use hall_kiosk::config::Language;
use hall_kiosk::screens::staging::Screen;
use hall_kiosk::screens::ui::Theme;
use i_slint_backend_testing::ElementHandle;
use slint::{Color, ComponentHandle};

/// The rules, per mode: (smallest side of a target, smallest gap between two targets).
const NORMAL: (f32, f32) = (88.0, 12.0);
const ELDER: (f32, f32) = (120.0, 24.0);

#[derive(Debug, Clone, Copy)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Rect {
    fn of(e: &ElementHandle) -> Rect {
        let p = e.absolute_position();
        let s = e.size();
        Rect { x: p.x, y: p.y, w: s.width, h: s.height }
    }

    /// Distance between two rectangles; 0 when they touch or overlap.
    fn gap(&self, o: &Rect) -> f32 {
        let dx = (o.x - (self.x + self.w)).max(self.x - (o.x + o.w)).max(0.0);
        let dy = (o.y - (self.y + self.h)).max(self.y - (o.y + o.h)).max(0.0);
        dx.max(dy)
    }

    fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.x + o.w <= self.x + self.w && o.y + o.h <= self.y + self.h
    }

    /// Wholly on a panel of this size (a scrolled-away tile is not on screen).
    fn on_screen(&self, width: f32, height: f32) -> bool {
        self.w > 0.0
            && self.h > 0.0
            && self.x >= 0.0
            && self.y >= 0.0
            && self.x + self.w <= width + 0.5
            && self.y + self.h <= height + 0.5
    }
}

#[test]
fn every_target_on_every_screen_is_big_enough_and_apart() {
    let app = kiosk();
    let (width, height) = (1080.0, 1920.0);
    let mut problems = Vec::new();
    let mut checked = 0;
    for screen in Screen::value_variants() {
        for language in [Language::ZhCn, Language::En] {
            for elder in [false, true] {
                app.end_session();
                app.stage(*screen, language, elder);
                wait_secs(0);
                let (min_side, min_gap) = if elder { ELDER } else { NORMAL };
                let place =
                    format!("{screen:?} {} {}", language.code(), if elder { "elder" } else { "normal" });
                // Under a dialog only the dialog can be tapped.
                let modal = ["ConfirmDialog", "AssistNotice", "IdleOverlay"]
                    .iter()
                    .find_map(|name| ElementHandle::find_by_element_type_name(app.window(), name).next());
                let on_top = match &modal {
                    Some(dialog) => dialog.query_descendants().match_predicate(is_control).find_all(),
                    None => controls(&app),
                };
                let targets: Vec<(String, Rect)> = on_top
                    .iter()
                    .map(|c| (c.accessible_label().unwrap_or_default().to_string(), Rect::of(c)))
                    .filter(|(_, r)| r.on_screen(width, height))
                    .collect();
                assert!(!targets.is_empty(), "{place}: nothing to tap");
                for (label, r) in &targets {
                    checked += 1;
                    if r.w < min_side || r.h < min_side {
                        problems.push(format!("{place}: {label:?} is {}×{} (< {min_side})", r.w, r.h));
                    }
                }
                for (i, (a_label, a)) in targets.iter().enumerate() {
                    for (b_label, b) in &targets[i + 1..] {
                        if a.contains(b) || b.contains(a) {
                            continue;
                        }
                        let gap = a.gap(b);
                        if gap < min_gap {
                            problems.push(format!(
                                "{place}: {a_label:?} and {b_label:?} are {gap} px apart (< {min_gap})"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 400, "only {checked} targets checked");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// WCAG 2 relative luminance.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let s = v as f64 / 255.0;
        if s <= 0.03928 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
}

fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn contrast_of_every_text_and_background_pair() {
    let app = kiosk();
    let theme = app.window().global::<Theme>();
    for elder in [false, true] {
        theme.set_elder(elder);
        let minimum = if elder { 7.0 } else { 4.5 };
        let pairs = [
            ("text on background", theme.get_text(), theme.get_background()),
            ("text on surface", theme.get_text(), theme.get_surface()),
            ("text on selected tile", theme.get_text(), theme.get_selected()),
            ("muted text on background", theme.get_text_muted(), theme.get_background()),
            ("muted text on surface", theme.get_text_muted(), theme.get_surface()),
            ("button text on primary", theme.get_on_primary(), theme.get_primary()),
            ("button text on pressed primary", theme.get_on_primary(), theme.get_primary_pressed()),
            ("button text on complaint red", theme.get_on_complaint(), theme.get_complaint()),
            ("primary (countdown, icons) on surface", theme.get_primary(), theme.get_surface()),
            ("error text on surface", theme.get_complaint(), theme.get_surface()),
            ("error text on background", theme.get_complaint(), theme.get_background()),
        ];
        for (what, fg, bg) in pairs {
            let ratio = contrast(fg, bg);
            assert!(
                ratio >= minimum,
                "{}: {what} is {ratio:.2}:1, needs {minimum}:1",
                if elder { "elder" } else { "normal" }
            );
        }
    }
}

#[test]
fn elder_theme_sizes_follow_the_rules() {
    let app = kiosk();
    let theme = app.window().global::<Theme>();
    assert!(theme.get_font_body() >= 28.0 && theme.get_target_min() >= 88.0);
    theme.set_elder(true);
    assert!(theme.get_font_body() >= 40.0, "elder body text");
    assert!(theme.get_font_action() >= 56.0, "elder main actions");
    assert!(theme.get_target_min() >= 120.0 && theme.get_target_gap() >= 24.0);
}
