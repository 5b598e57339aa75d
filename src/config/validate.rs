//! Checks a parsed config for everything serde cannot: URL forms, unique ids, references
//! between tables, deadline ranges, calendar dates, the PIN hash form, text limits.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Weekday};

use super::{Config, FieldPath, LocalizedText};

/// Longest name or title a citizen sees, in characters; longer text would not fit a tile.
pub const MAX_LABEL_CHARS: usize = 40;
/// Longest one-line hint under a tile title, in characters.
pub const MAX_HINT_CHARS: usize = 80;

/// The result of validation: problems (empty when the config is good) and parsed dates.
pub struct Checked {
    /// Each problem's field and message.
    pub problems: Vec<(FieldPath, String)>,
    /// `calendar.holidays` as dates.
    pub holidays: Vec<NaiveDate>,
    /// `calendar.makeup_workdays` as dates.
    pub makeup_workdays: Vec<NaiveDate>,
}

#[derive(Default)]
struct Problems(Vec<(FieldPath, String)>);

impl Problems {
    fn add(&mut self, path: FieldPath, message: impl Into<String>) {
        self.0.push((path, message.into()));
    }
}

/// Validates every section; collects all problems instead of stopping at the first.
pub fn validate(config: &Config) -> Checked {
    let mut p = Problems::default();
    check_kiosk(config, &mut p);
    check_ui(config, &mut p);
    check_urls(config, &mut p);
    check_deadlines(config, &mut p);
    let (holidays, makeup_workdays) = check_calendar(config, &mut p);
    check_catalogue(config, &mut p);
    check_display(config, &mut p);
    check_rating(config, &mut p);
    p.0.extend(super::printer::check(config.printer.as_ref()));
    check_staff(config, &mut p);
    p.0.extend(super::keyboard::check(&config.keyboard));
    if !(0.0..=1.0).contains(&config.audio.volume) {
        p.add(FieldPath::key("audio").field("volume"), "must be between 0.0 and 1.0");
    }
    if !(1..=3650).contains(&config.storage.dead_letter_retention_days) {
        p.add(
            FieldPath::key("storage").field("dead_letter_retention_days"),
            "must be between 1 and 3650 days",
        );
    }
    if config.server.heartbeat_secs < 10 || config.server.heartbeat_secs > 3600 {
        p.add(FieldPath::key("server").field("heartbeat_secs"), "must be between 10 and 3600 seconds");
    }
    Checked { problems: p.0, holidays, makeup_workdays }
}

/// `[staff]`: the PIN hash (if any) is an argon2id PHC string; the export directory an
/// absolute path (a mount point, not a place next to the config).
fn check_staff(config: &Config, p: &mut Problems) {
    let staff = FieldPath::key("staff");
    if let Some(hash) = config.staff.pin_hash()
        && let Err(e) =
            argon2::password_hash::PasswordHash::new(hash).map_err(|e| e.to_string()).and_then(|h| {
                if h.algorithm.as_str() == "argon2id" {
                    Ok(())
                } else {
                    Err(format!("algorithm is {}, expected argon2id", h.algorithm))
                }
            })
    {
        p.add(
            staff.field("pin_hash"),
            format!("not an argon2id PHC hash ({e}); make one with `hall-kiosk hash-pin`"),
        );
    }
    if let Some(dir) = &config.staff.export_dir {
        let text = dir.to_string_lossy();
        if !dir.is_absolute() {
            p.add(
                staff.field("export_dir"),
                format!("{text:?} must be an absolute path (the stick's mount point)"),
            );
        } else if text.chars().any(char::is_control) {
            p.add(staff.field("export_dir"), "must not contain control characters");
        }
    }
}

fn check_code(p: &mut Problems, path: FieldPath, value: &str, max: usize) {
    let ok = !value.is_empty()
        && value.chars().count() <= max
        && value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !ok {
        p.add(path, format!("{value:?} must be 1 to {max} upper-case letters or digits (it is part of every ticket number)"));
    }
}

fn check_id(p: &mut Problems, path: FieldPath, value: &str) {
    let ok = !value.is_empty()
        && value.len() <= 48
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        p.add(path, format!("{value:?} must be 1 to 48 characters of a-z, 0-9 and '-'"));
    }
}

fn check_text(p: &mut Problems, path: FieldPath, value: &str, max: usize) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        p.add(path, "must not be empty");
    } else if value.chars().count() > max {
        p.add(path, format!("is {} characters long; at most {max} fit on screen", value.chars().count()));
    } else if value.chars().any(char::is_control) {
        p.add(path, "must not contain control characters (tabs, line breaks)");
    }
}

fn check_localized(p: &mut Problems, path: FieldPath, text: &LocalizedText, max: usize) {
    check_text(p, path.field("zh"), &text.zh, max);
    check_text(p, path.field("en"), &text.en, max);
}

fn check_kiosk(config: &Config, p: &mut Problems) {
    let k = &config.kiosk;
    let base = FieldPath::key("kiosk");
    check_code(p, base.field("id"), &k.id, 6);
    check_code(p, base.field("hall_code"), &k.hall_code, 12);
    check_text(p, base.field("hall_name"), &k.hall_name, MAX_LABEL_CHARS);
    if let Some(en) = &k.hall_name_en {
        check_text(p, base.field("hall_name_en"), en, MAX_HINT_CHARS);
    }
}

fn check_ui(config: &Config, p: &mut Problems) {
    let ui = &config.ui;
    let base = FieldPath::key("ui");
    if ui.languages.is_empty() {
        p.add(base.field("languages"), "list at least one language (\"zh-CN\", \"en\")");
    }
    for (i, lang) in ui.languages.iter().enumerate() {
        if ui.languages[..i].contains(lang) {
            p.add(base.field("languages").at(i), format!("{} is listed twice", lang.code()));
        }
    }
    if !ui.languages.contains(&ui.default_language) {
        p.add(base.field("default_language"), "must be one of `languages`");
    }
    if !(15..=600).contains(&ui.idle_timeout_secs) {
        p.add(base.field("idle_timeout_secs"), "must be between 15 and 600 seconds");
    }
    if !(20..=120).contains(&ui.idle_countdown_secs) {
        p.add(
            base.field("idle_countdown_secs"),
            "must be between 20 and 120 seconds (a citizen needs at least 20 s to answer)",
        );
    }
    check_text(p, base.field("help_window"), &ui.help_window, 8);
}

/// A URL the kiosk may talk to: https, or http to a loopback host (tests and the demo).
/// A trailing slash is fine: users of the URL trim it.
fn check_url(p: &mut Problems, path: FieldPath, value: &str) {
    match url::Url::parse(value) {
        Err(e) => p.add(path, format!("{value:?} is not a URL ({e})")),
        // Paths are appended to it: a query or fragment would swallow them.
        Ok(u) if u.query().is_some() || u.fragment().is_some() => {
            p.add(path, format!("{value:?} has a query (?…) or fragment (#…); give the base URL only"))
        }
        Ok(u) if u.scheme() == "https" && u.host().is_some() => {}
        Ok(u) if u.scheme() == "http" && is_loopback(&u) => {}
        Ok(u) if u.scheme() == "http" => p.add(
            path,
            format!("{value:?} uses plain http; use https (http is allowed only to 127.0.0.1/localhost)"),
        ),
        Ok(u) => p.add(path, format!("{value:?}: scheme {:?} is not supported; use https", u.scheme())),
    }
}

/// Whether a URL points at this machine.
pub fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn check_urls(config: &Config, p: &mut Problems) {
    check_url(p, FieldPath::key("server").field("base_url"), &config.server.base_url);
    check_url(p, FieldPath::key("tracking").field("base_url"), &config.tracking.base_url);
    if config.server.token_file.as_os_str().is_empty() {
        p.add(FieldPath::key("server").field("token_file"), "must name the bearer-token file");
    }
    if config.storage.data_dir.as_os_str().is_empty() {
        p.add(FieldPath::key("storage").field("data_dir"), "must name a directory");
    }
}

fn check_deadlines(config: &Config, p: &mut Problems) {
    let d = &config.deadlines;
    let base = FieldPath::key("deadlines");
    for (name, days) in
        [("simple_working_days", d.simple_working_days), ("complex_working_days", d.complex_working_days)]
    {
        if !(1..=10).contains(&days) {
            p.add(base.field(name), format!("is {days}; a reply is due within 1 to 10 working days"));
        }
    }
    if d.simple_working_days > d.complex_working_days {
        p.add(base.field("simple_working_days"), "must not be longer than complex_working_days");
    }
}

fn check_calendar(config: &Config, p: &mut Problems) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    let base = FieldPath::key("calendar");
    let mut dates = |name: &str, list: &[toml::value::Datetime]| -> Vec<NaiveDate> {
        let mut out: Vec<NaiveDate> = Vec::new();
        for (i, dt) in list.iter().enumerate() {
            let path = base.field(name).at(i);
            let date = match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()),
                _ => {
                    p.add(path, format!("{dt} must be a plain date like 2026-10-01 (no time)"));
                    continue;
                }
            };
            match date {
                None => p.add(path, format!("{dt} is not a calendar date")),
                Some(d) if out.contains(&d) => p.add(path, format!("{d} is listed twice")),
                Some(d) => out.push(d),
            }
        }
        out.sort();
        out
    };
    let holidays = dates("holidays", &config.calendar.holidays);
    let makeup = dates("makeup_workdays", &config.calendar.makeup_workdays);
    for (i, dt) in config.calendar.makeup_workdays.iter().enumerate() {
        let Some(d) =
            dt.date.and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()))
        else {
            continue;
        };
        let path = base.field("makeup_workdays").at(i);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            p.add(
                path,
                format!("{d} is a {:?}; a make-up working day is always a Saturday or Sunday", d.weekday()),
            );
        } else if holidays.contains(&d) {
            p.add(path, format!("{d} is also listed as a holiday"));
        }
    }
    (holidays, makeup)
}

/// Reports ids that occur more than once, naming where each was first used.
fn check_unique<'a>(p: &mut Problems, what: &str, items: impl Iterator<Item = (FieldPath, &'a str)>) {
    let mut seen: HashMap<&str, FieldPath> = HashMap::new();
    for (path, id) in items {
        if let Some(first) = seen.get(id) {
            p.add(path, format!("duplicate {what} {id:?} (first used at {first})"));
        } else {
            seen.insert(id, path);
        }
    }
}

fn check_rating(config: &Config, p: &mut Problems) {
    let base = FieldPath::key("rating").field("min_interval_secs");
    if config.rating.min_interval_secs > 3600 {
        p.add(base, "must be at most 3600 seconds");
    }
    let reasons = FieldPath::key("rating_reasons");
    for (i, r) in config.rating_reasons.iter().enumerate() {
        check_id(p, reasons.at(i).field("id"), &r.id);
        check_text(p, reasons.at(i).field("zh"), &r.zh, MAX_LABEL_CHARS);
        check_text(p, reasons.at(i).field("en"), &r.en, MAX_LABEL_CHARS);
    }
    check_unique(
        p,
        "rating reason id",
        config.rating_reasons.iter().enumerate().map(|(i, r)| (reasons.at(i).field("id"), r.id.as_str())),
    );
    if !config.rating_reasons.iter().any(|r| r.polarity == super::Polarity::Criticism) {
        p.add(reasons, "list at least one criticism reason: a bad rating cannot be sent without one");
    }
}

/// Departments, windows and their staff, matters and problem types: ids unique,
/// `[display]`: both heights or neither, and a panel a person can stand at.
fn check_display(config: &Config, p: &mut Problems) {
    let d = &config.display;
    let path = FieldPath::key("display");
    match (d.bottom_mm, d.height_mm) {
        (Some(_), None) => p.add(path.field("height_mm"), "give the visible height too (or neither)"),
        (None, Some(_)) => p.add(path.field("bottom_mm"), "give the bottom edge's height too (or neither)"),
        _ => {}
    }
    if let Some(b) = d.bottom_mm
        && b > 2500
    {
        p.add(
            path.field("bottom_mm"),
            format!("{b} mm above the floor is out of anyone's reach (at most 2500)"),
        );
    }
    if let Some(h) = d.height_mm
        && !(100..=3000).contains(&h)
    {
        p.add(path.field("height_mm"), format!("{h} mm is not a panel's visible height (100 to 3000)"));
    }
}

/// cross-references resolved, labels within their limits.
fn check_catalogue(config: &Config, p: &mut Problems) {
    check_departments_and_windows(config, p);
    check_matters(config, p);
    check_problem_types(config, p);
}

fn check_departments_and_windows(config: &Config, p: &mut Problems) {
    let deps = FieldPath::key("departments");
    if config.departments.is_empty() {
        p.add(deps.clone(), "list at least one department");
    }
    for (i, d) in config.departments.iter().enumerate() {
        check_id(p, deps.at(i).field("id"), &d.id);
        check_localized(p, deps.at(i).field("name"), &d.name, MAX_LABEL_CHARS);
    }
    check_unique(
        p,
        "department id",
        config.departments.iter().enumerate().map(|(i, d)| (deps.at(i).field("id"), d.id.as_str())),
    );
    let known_dep = |id: &str| config.departments.iter().any(|d| d.id == id);

    let wins = FieldPath::key("windows");
    for (i, w) in config.windows.iter().enumerate() {
        check_text(p, wins.at(i).field("number"), &w.number, 8);
        if !known_dep(&w.department) {
            p.add(wins.at(i).field("department"), format!("{:?} is not a department id", w.department));
        }
        for (j, s) in w.staff.iter().enumerate() {
            check_text(p, wins.at(i).field("staff").at(j).field("id"), &s.id, 16);
            check_text(p, wins.at(i).field("staff").at(j).field("name"), &s.name, 16);
        }
    }
    check_unique(
        p,
        "window number",
        config.windows.iter().enumerate().map(|(i, w)| (wins.at(i).field("number"), w.number.as_str())),
    );
    check_unique(
        p,
        "staff id",
        config.windows.iter().enumerate().flat_map(|(i, w)| {
            let wins = wins.clone();
            w.staff
                .iter()
                .enumerate()
                .map(move |(j, s)| (wins.at(i).field("staff").at(j).field("id"), s.id.as_str()))
        }),
    );
}

fn check_matters(config: &Config, p: &mut Problems) {
    let known_dep = |id: &str| config.departments.iter().any(|d| d.id == id);
    let matters = FieldPath::key("matters");
    if config.matters.is_empty() {
        p.add(matters.clone(), "list at least one service matter");
    }
    for (i, m) in config.matters.iter().enumerate() {
        check_id(p, matters.at(i).field("id"), &m.id);
        check_localized(p, matters.at(i).field("name"), &m.name, MAX_LABEL_CHARS);
        if !known_dep(&m.department) {
            p.add(matters.at(i).field("department"), format!("{:?} is not a department id", m.department));
        }
    }
    check_unique(
        p,
        "matter id",
        config.matters.iter().enumerate().map(|(i, m)| (matters.at(i).field("id"), m.id.as_str())),
    );
}

fn check_problem_types(config: &Config, p: &mut Problems) {
    let types = FieldPath::key("problem_types");
    if config.problem_types.is_empty() {
        p.add(types.clone(), "list at least one problem type");
    }
    for (i, t) in config.problem_types.iter().enumerate() {
        check_id(p, types.at(i).field("id"), &t.id);
        check_localized(p, types.at(i).field("title"), &t.title, MAX_LABEL_CHARS);
        check_localized(p, types.at(i).field("hint"), &t.hint, MAX_HINT_CHARS);
        if let Some(icon) = &t.icon
            && !super::PROBLEM_ICONS.contains(&icon.as_str())
        {
            p.add(
                types.at(i).field("icon"),
                format!(
                    "{icon:?} is not an icon the kiosk draws; use one of {}",
                    super::PROBLEM_ICONS.join(", ")
                ),
            );
        }
        let phrases = types.at(i).field("phrases");
        for (j, phrase) in t.phrases.iter().enumerate() {
            check_id(p, phrases.at(j).field("id"), &phrase.id);
            check_text(p, phrases.at(j).field("zh"), &phrase.zh, MAX_HINT_CHARS);
            check_text(p, phrases.at(j).field("en"), &phrase.en, MAX_HINT_CHARS);
        }
        check_unique(
            p,
            "phrase id",
            t.phrases.iter().enumerate().map(|(j, ph)| (phrases.at(j).field("id"), ph.id.as_str())),
        );
    }
    check_unique(
        p,
        "problem type id",
        config.problem_types.iter().enumerate().map(|(i, t)| (types.at(i).field("id"), t.id.as_str())),
    );
}
