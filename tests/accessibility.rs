//! Measured, not assumed: every screen of every flow, in both languages and both modes, is
//! walked headlessly and each element that accepts a tap is checked against the sizes in
//! docs/accessibility.md; the theme's text/background pairs are checked for contrast.

mod common;

use clap::ValueEnum;
use common::*;
use hall_kiosk::config::Language;
use hall_kiosk::screens::staging::Screen;
use hall_kiosk::screens::ui::{Shell, Theme};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
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

    /// How far two rectangles overlap: the smaller of the overlap's width and height, 0
    /// when they do not.
    fn overlap(&self, o: &Rect) -> f32 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        w.min(h).max(0.0)
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

/// How the walked panel is mounted.
#[derive(Clone, Copy, PartialEq)]
enum Mount {
    /// The sample config's 43″ portrait totem (850–1,800 mm above the floor).
    SampleTotem,
    /// A 43″ landscape totem at the same height (850–1,385 mm): all of it within a
    /// standing reach, its top third above a seated one.
    LandscapeTotem,
    /// A desk or wall panel: within reach everywhere.
    Flat,
}

#[test]
fn every_target_on_every_screen_is_big_enough_and_apart() {
    walk_every_screen(1080.0, 1920.0, Mount::SampleTotem);
}

/// The same walk on the other panels halls install: a landscape 1920×1080 and a small
/// 768×1366 portrait, on a desk or wall (no reach band)...
#[test]
fn every_target_is_big_enough_and_apart_on_the_other_panel_sizes() {
    walk_every_screen(1920.0, 1080.0, Mount::Flat);
}

#[test]
fn every_target_is_big_enough_and_apart_on_a_small_portrait_panel() {
    walk_every_screen(768.0, 1366.0, Mount::Flat);
}

/// ...and the landscape panel as a totem, where seated mode has only the lower two thirds.
#[test]
fn every_target_is_within_reach_on_a_landscape_totem() {
    walk_every_screen(1920.0, 1080.0, Mount::LandscapeTotem);
}

/// Every screen of every flow, zh and en, normal, elder and seated, on a `width`×`height`
/// panel: each target big enough, apart from its neighbours, wholly on screen in elder
/// mode, and (on a totem) within reach.
fn walk_every_screen(width: f32, height: f32, mount: Mount) {
    let mut config = example_config();
    // The sample's mounting describes its portrait totem, not these panels.
    let display = &mut config.config.display;
    match mount {
        Mount::SampleTotem => assert_eq!((display.bottom_mm, display.height_mm), (Some(850), Some(950))),
        Mount::LandscapeTotem => display.height_mm = Some(535),
        Mount::Flat => (display.bottom_mm, display.height_mm) = (None, None),
    }
    // With pinyin: the keyboard's screens show its candidate bar.
    let app = kiosk_with_pinyin(config, None);
    app.window().window().set_size(slint::LogicalSize::new(width, height));
    // (elder, seated): every mode on every panel.
    let modes: &[(bool, bool)] = &[(false, false), (true, false), (false, true), (true, true)];
    // The one known gap (docs/accessibility.md, "Known gaps"): the phone-number step in elder
    // mode on the small portrait panel. Header, Back/Cancel, the number, twelve 120 px keys
    // and Next need about 1,600 px there; it has 1,366. Named here, screen by screen, so
    // nothing else can slip out of the check, and checked to still fail, so the exception
    // goes when the step is fixed.
    let known_gap = |screen: Screen, elder: bool, seated: bool| {
        width < 1000.0
            && height < 1600.0
            && elder
            && !seated
            && matches!(screen, Screen::ComplaintContact | Screen::RatingContact)
    };
    let mut gap_problems = 0;
    // Words under a target that are known and not fixed yet (docs/accessibility.md, "Known
    // gaps"): (screen, elder) on this panel. Each must still fail, so the list shrinks as
    // they are fixed and nothing else hides in it.
    let text_gaps: &[(Screen, bool)] = match (width as u32, height as u32) {
        (1920, 1080) => &[(Screen::Help, true), (Screen::Staff, false)],
        (768, 1366) => &[
            (Screen::ComplaintSummary, true),
            (Screen::Help, true),
            (Screen::Home, false),
            (Screen::RatingTicket, true),
            (Screen::Ticket, true),
        ],
        _ => &[],
    };
    let mut text_gap_hits = vec![0usize; text_gaps.len()];
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut marks = 0;
    for screen in Screen::value_variants() {
        for language in [Language::ZhCn, Language::En] {
            for &(elder, seated) in modes {
                app.end_session();
                app.set_seated(seated);
                app.stage(*screen, language, elder);
                // Every screen is walked with the staff mark lit: it must take nothing
                // from the page (a line of words once did, and lay under buttons).
                app.window().global::<Shell>().set_staff_alert("AUTH DEAD×2 DISK".into());
                wait_secs(0);
                // The focused field reports where it ends; the page rises to show it.
                wait_secs(0);
                // The staff pages open from the home-screen state, always in normal mode:
                // they are held to the mode they are in.
                let theme = app.window().global::<Theme>();
                let (elder, seated) = (theme.get_elder(), theme.get_seated());
                // Seated mode keeps normal-size targets, even with elder text (the band is short),
                // and so does the keyboard on a panel too narrow for seven elder keys across
                // (docs/accessibility.md): only there, never on the reference panel.
                let keyboard_up =
                    ElementHandle::find_by_element_type_name(app.window(), "KeyboardPanel").next().is_some();
                let compact_keys = theme.get_compact_keys();
                assert_eq!(
                    compact_keys,
                    elder && !seated && width < 7.0 * 120.0 + 9.0 * 24.0,
                    "{screen:?}: compact keys on a {width} px panel"
                );
                let (min_side, min_gap) =
                    if elder && !seated && !(keyboard_up && compact_keys) { ELDER } else { NORMAL };
                let before = problems.len();
                let place = format!(
                    "{screen:?} {} {}{}",
                    language.code(),
                    if elder { "elder" } else { "normal" },
                    if seated { " seated" } else { "" }
                );
                // Where hands reach on a totem: the band's top, from the mounting (the
                // figures of src/hall/reach.rs's tests, in pixels of this panel).
                let theme = app.window().global::<Theme>();
                let reach_top = theme.get_reach_top();
                let band = match (mount, seated) {
                    (Mount::SampleTotem, false) => 404.0..405.0,
                    (Mount::SampleTotem, true) => 1172.0..1173.0,
                    (Mount::LandscapeTotem, false) | (Mount::Flat, _) => 0.0..0.5,
                    // (1,385 − 1,220) / 535 of 1,080 px.
                    (Mount::LandscapeTotem, true) => 333.0..334.0,
                };
                assert!(band.contains(&reach_top), "{place}: reach band from {reach_top}, not {band:?}");
                // Under a dialog only the dialog can be tapped.
                // Under the keyboard the page is only shown (a tap there closes it).
                let modal = ["ConfirmDialog", "AssistNotice", "IdleOverlay", "KeyboardPanel"]
                    .iter()
                    .find_map(|name| ElementHandle::find_by_element_type_name(app.window(), name).next());
                let on_top = match &modal {
                    Some(dialog) => dialog.query_descendants().match_predicate(is_control).find_all(),
                    None => controls(&app),
                };
                let all: Vec<(String, Rect)> = on_top
                    .iter()
                    .map(|c| (c.accessible_label().unwrap_or_default().to_string(), Rect::of(c)))
                    .collect();
                // A target cut off by the panel's edge cannot be reached, so it fails
                // rather than leaving the check: in elder mode always (it pages instead of
                // scrolling), in the others unless it is a tile scrolled out of its grid
                // (a button pushed off the page has no way back on).
                let tiles: Vec<(String, Rect)> =
                    ElementHandle::find_by_element_type_name(app.window(), "TileGrid")
                        .flat_map(|grid| grid.query_descendants().match_predicate(is_control).find_all())
                        .map(|t| (t.accessible_label().unwrap_or_default().to_string(), Rect::of(&t)))
                        .collect();
                let scrolled = |label: &str, r: &Rect| {
                    tiles.iter().any(|(l, t)| l == label && (t.x, t.y, t.w, t.h) == (r.x, r.y, r.w, r.h))
                };
                for (label, r) in all.iter().filter(|(_, r)| r.w > 0.0 && !r.on_screen(width, height)) {
                    if elder || !scrolled(label, r) {
                        problems.push(format!("{place}: {label:?} is not wholly on screen ({r:?})"));
                    }
                }
                let targets: Vec<(String, Rect)> =
                    all.into_iter().filter(|(_, r)| r.on_screen(width, height)).collect();
                assert!(!targets.is_empty(), "{place}: nothing to tap");
                for (label, r) in &targets {
                    let centre = r.y + r.h / 2.0;
                    if centre < reach_top {
                        problems.push(format!(
                            "{place}: {label:?} at y {centre} is above the reach band ({reach_top})"
                        ));
                    }
                }
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
                // Words must not lie under a target they do not belong to (a summary row
                // under Send): every text on the page against every target on it.
                if modal.is_none() {
                    for text in ElementQuery::from_root(app.window()).match_predicate(is_text).find_all() {
                        let t = Rect::of(&text);
                        if !t.on_screen(width, height) {
                            continue;
                        }
                        for (label, r) in &targets {
                            if t.overlap(r) > 4.0 && !r.contains(&t) {
                                let words = text.accessible_label().unwrap_or_default();
                                match text_gaps
                                    .iter()
                                    .position(|&(s, e)| s == *screen && e == elder && !seated)
                                {
                                    Some(i) => text_gap_hits[i] += 1,
                                    None => problems
                                        .push(format!("{place}: the text {words:?} lies under {label:?}")),
                                }
                            }
                        }
                    }
                }
                // The mark sits in the page's margin: on screen, over nothing else.
                let mark = ElementHandle::find_by_element_type_name(app.window(), "StaffMark").next();
                let staff_page = matches!(screen, Screen::Staff | Screen::StaffPin);
                match (&mark, keyboard_up || staff_page) {
                    (None, false) => problems.push(format!("{place}: no staff mark with an alert set")),
                    (Some(_), true) => problems
                        .push(format!("{place}: the staff mark is shown over the keyboard or a staff page")),
                    _ => {}
                }
                if let (Some(mark), None) = (&mark, &modal) {
                    marks += 1;
                    let m = Rect::of(mark);
                    if !(m.w >= 12.0 && m.on_screen(width, height)) {
                        problems.push(format!("{place}: the staff mark is not wholly on screen ({m:?})"));
                    }
                    let others = ElementQuery::from_root(app.window())
                        .match_predicate(|e| is_text(e) || is_control(e))
                        .find_all();
                    for other in others.iter().filter(|e| e.accessible_label() != mark.accessible_label()) {
                        if Rect::of(other).overlap(&m) > 0.0 {
                            let label = other.accessible_label().unwrap_or_default();
                            problems.push(format!("{place}: {label:?} lies under the staff mark"));
                        }
                    }
                }
                if known_gap(*screen, elder, seated) {
                    gap_problems += problems.len() - before;
                    problems.truncate(before);
                }
            }
        }
    }
    // Stale exceptions are problems too, listed with the rest (an assertion of their own
    // would hide every other problem behind them).
    for (gap, hits) in text_gaps.iter().zip(&text_gap_hits) {
        if *hits == 0 {
            problems.push(format!(
                "{gap:?} has no text under a target on {width}×{height} now: drop it from `text_gaps`"
            ));
        }
    }
    if width < 1000.0 && height < 1600.0 && gap_problems == 0 {
        problems.push(format!("the phone step fits elder mode on {width}×{height} now: drop `known_gap`"));
    }
    assert!(marks > 100, "the staff mark was checked on only {marks} screens");
    let enough = if mount == Mount::SampleTotem { 400 } else { 150 };
    assert!(checked > enough, "only {checked} targets checked");
    assert!(problems.is_empty(), "{width}×{height}: {} problems:\n{}", problems.len(), problems.join("\n"));
}

/// Words shown on the page (not a control's own label).
fn is_text(e: &ElementHandle) -> bool {
    e.accessible_role() == Some(AccessibleRole::Text) && e.accessible_label().is_some_and(|l| !l.is_empty())
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

/// The smallest text each mode allows (docs/accessibility.md): body 28 px, elder 40 px.
const TEXT_MIN: (f32, f32) = (28.0, 40.0);

#[test]
fn every_type_size_of_the_theme_follows_the_text_rule() {
    let app = kiosk();
    let theme = app.window().global::<Theme>();
    for (elder, minimum) in [(false, TEXT_MIN.0), (true, TEXT_MIN.1)] {
        theme.set_elder(elder);
        theme.set_seated(false);
        let sizes = [
            ("font-small", theme.get_font_small()),
            ("font-body", theme.get_font_body()),
            ("font-action", theme.get_font_action()),
            ("font-title", theme.get_font_title()),
            ("font-huge", theme.get_font_huge()),
        ];
        for (name, size) in sizes {
            assert!(size >= minimum, "elder {elder}: Theme.{name} is {size} px (< {minimum})");
        }
    }
}

/// Every `font-size:` in `ui/` comes from the theme (whose sizes the test above checks),
/// never a literal or a fraction of one: text below the rule cannot hide in a component.
#[test]
fn every_text_on_every_screen_takes_its_size_from_the_theme() {
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut files = Vec::new();
    let mut dirs = vec![ui];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "slint") {
                files.push(path);
            }
        }
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (n, line) in source.lines().enumerate() {
            let line = line.trim();
            let Some(value) = line
                .strip_prefix("font-size:")
                .or_else(|| line.strip_prefix("in property <length> font-size:"))
            else {
                continue;
            };
            checked += 1;
            let value = value.trim().trim_end_matches(';');
            // Allowed: Theme.font-*, the component's own font-size property, a factor ≥ 1,
            // and min() whose first bound is a theme size (the ticket number fits its card).
            let bad_literal = value
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                .any(|w| w.ends_with("px") && w.trim_end_matches("px").parse::<f32>().is_ok());
            let bad_factor = value.split('*').skip(1).any(|f| {
                f.trim()
                    .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .next()
                    .and_then(|n| n.parse::<f32>().ok())
                    .is_some_and(|x| x < 1.0)
            });
            let themed = value.contains("Theme.font-") || value == "root.font-size";
            if bad_literal || bad_factor || !themed || value.contains("Theme.font-small *") {
                problems.push(format!("{}:{}: font-size: {value}", file.display(), n + 1));
            }
        }
    }
    assert!(checked > 50, "only {checked} font sizes found: did the syntax change?");
    assert!(problems.is_empty(), "text not sized by the theme:\n{}", problems.join("\n"));
}
