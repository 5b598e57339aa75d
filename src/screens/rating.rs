//! The service-rating flow (好差评, GB/T 39734-2020 levels): who served you, how it was,
//! why, and for a bad rating an optional call-back and a follow-up ticket. Rust owns the
//! draft; the `Rating` global shows it. Nothing is preselected.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Timer, TimerMode};

use crate::config::{Language, LoadedConfig, Polarity};
use crate::delivery::protocol::{Personal, RatingPayload};
use crate::delivery::submission::Submitter;
use crate::input::text::FieldKind;
use crate::screens::flow::{SessionEnds, callback, choice, index_callback, matters_of, model, valid_index};
use crate::screens::keyboard::KeyboardController;
use crate::screens::phone_entry::PhoneEntry;
use crate::screens::ticket_view::TicketView;
use crate::screens::ui::{AppWindow, Page, Rating, Shell, Theme};

/// Flags a second rating of the same window within the hall's interval as a probable
/// repeat. Such ratings are still thanked and stored, never dropped: the hall decides.
#[derive(Debug)]
pub struct RepeatFilter {
    /// `[rating] min_interval_secs`.
    interval: Duration,
    /// When each window was last rated from this kiosk.
    last: HashMap<String, Instant>,
}

impl RepeatFilter {
    /// A filter with the given minimum interval.
    pub fn new(interval: Duration) -> Self {
        RepeatFilter { interval, last: HashMap::new() }
    }

    /// Records a rating of `window` at `now`; true when it came too soon after the last.
    pub fn check_and_record(&mut self, window: &str, now: Instant) -> bool {
        let repeat = self.last.get(window).is_some_and(|t| now.saturating_duration_since(*t) < self.interval);
        self.last.insert(window.to_string(), now);
        repeat
    }
}

/// What the citizen has entered so far. Dropped whole when the session ends.
#[derive(Debug, Default)]
struct Draft {
    /// 1 who, 2 how, 3 why, 4 call-back.
    step: i32,
    /// Step 1: 0 window, 1 staff, 2 matter.
    who_screen: i32,
    /// Index into `windows`.
    window: Option<usize>,
    /// Index into the window's staff.
    staff: Option<usize>,
    /// Indices into `matters` of the window's department, common first.
    matter_list: Vec<usize>,
    /// Index into `matters`.
    matter: Option<usize>,
    /// 0 not chosen; 5 very satisfied ... 1 very dissatisfied.
    level: u8,
    /// Indices into `rating_reasons`.
    reasons: BTreeSet<usize>,
    reason_missing: bool,
    cancel_asked: bool,
    send_failed: bool,
}

impl Draft {
    fn fresh() -> Draft {
        Draft { step: 1, ..Draft::default() }
    }
}

/// The rating flow controller.
pub struct RatingFlow {
    window: slint::Weak<AppWindow>,
    config: Rc<LoadedConfig>,
    submitter: Option<Rc<Submitter>>,
    phone: Rc<PhoneEntry>,
    /// The on-screen keyboard, which holds the rating's comment.
    keyboard: Rc<KeyboardController>,
    draft: RefCell<Draft>,
    language: Cell<Language>,
    repeats: RefCell<RepeatFilter>,
    /// Counts the thank-you screen down to home.
    thanks_timer: Timer,
    thanks_left: Cell<u32>,
    /// The ticket screen, for a bad rating's follow-up ticket.
    ticket: Rc<TicketView>,
    /// Ends the citizen's session (Cancel confirmed) or goes home (Back from the start).
    ends: SessionEnds,
}

/// Seconds the thank-you screen stays (elder mode: twice as long).
const THANKS_SECS: u32 = 8;

impl RatingFlow {
    /// Wires the `Rating` global's callbacks to a new flow controller.
    pub fn install(
        window: &AppWindow,
        config: Rc<LoadedConfig>,
        submitter: Option<Rc<Submitter>>,
        phone: Rc<PhoneEntry>,
        keyboard: Rc<KeyboardController>,
        ticket: Rc<TicketView>,
        ends: SessionEnds,
    ) -> Rc<RatingFlow> {
        let interval = Duration::from_secs(config.config.rating.min_interval_secs.into());
        let flow = Rc::new(RatingFlow {
            window: window.as_weak(),
            language: Cell::new(config.config.ui.default_language),
            config,
            submitter,
            phone,
            keyboard,
            draft: RefCell::new(Draft::fresh()),
            repeats: RefCell::new(RepeatFilter::new(interval)),
            thanks_timer: Timer::default(),
            thanks_left: Cell::new(0),
            ticket,
            ends,
        });
        let g = window.global::<Rating>();
        g.on_start(callback(&flow, |f| f.start()));
        g.on_choose_window(index_callback(&flow, RatingFlow::choose_window));
        g.on_choose_staff(index_callback(&flow, RatingFlow::choose_staff));
        g.on_choose_matter(index_callback(&flow, RatingFlow::choose_matter));
        g.on_choose_level(index_callback(&flow, RatingFlow::choose_level));
        g.on_toggle_reason(index_callback(&flow, RatingFlow::toggle_reason));
        g.on_next(callback(&flow, |f| f.next()));
        g.on_back(callback(&flow, |f| f.back()));
        g.on_ask_cancel(callback(&flow, |f| f.ask_cancel()));
        g.on_cancel_dismissed(callback(&flow, |f| f.update(|d| d.cancel_asked = false)));
        g.on_cancel_confirmed(callback(&flow, |f| (f.ends.end)()));
        g.on_send(callback(&flow, |f| f.send()));
        flow.publish();
        flow
    }

    /// Shows the lists in another language (the draft is kept).
    pub fn set_language(&self, language: Language) {
        self.language.set(language);
        self.publish();
    }

    /// Forgets everything the citizen entered and stops the thank-you countdown.
    pub fn reset(&self) {
        *self.draft.borrow_mut() = Draft::fresh();
        self.thanks_timer.stop();
        self.phone.reset();
        self.keyboard.clear_field(FieldKind::RatingComment);
        self.publish();
    }

    fn start(&self) {
        self.reset();
        if let Some(w) = self.window.upgrade() {
            w.global::<Shell>().set_page(Page::Rating);
        }
    }

    fn update(&self, change: impl FnOnce(&mut Draft)) {
        change(&mut self.draft.borrow_mut());
        self.publish();
    }

    /// Cancel asks before wiping what was entered; with nothing entered it just goes home
    /// (keeping language and elder mode).
    fn ask_cancel(&self) {
        if self.draft.borrow().window.is_none() {
            (self.ends.home)();
        } else {
            self.update(|d| d.cancel_asked = true);
        }
    }

    fn choose_window(&self, index: i32) {
        let c = &self.config.config;
        let Some(i) = valid_index(index, c.windows.len()) else {
            return;
        };
        let matters = matters_of(c, &c.windows[i].department);
        let staff_count = c.windows[i].staff.len();
        self.update(|d| {
            if d.window != Some(i) {
                d.staff = None;
                d.matter = None;
            }
            d.window = Some(i);
            d.matter_list = matters;
            if staff_count == 1 {
                // One person works this window: no need to ask who it was.
                d.staff = Some(0);
            }
            if staff_count > 1 {
                d.who_screen = 1;
            } else if !d.matter_list.is_empty() {
                d.who_screen = 2;
            } else {
                d.step = 2;
            }
        });
    }

    fn choose_staff(&self, index: i32) {
        let count = self.draft.borrow().window.map_or(0, |w| self.config.config.windows[w].staff.len());
        self.update(|d| {
            d.staff = valid_index(index, count);
            if d.matter_list.is_empty() {
                d.step = 2;
            } else {
                d.who_screen = 2;
            }
        });
    }

    fn choose_matter(&self, index: i32) {
        self.update(|d| {
            d.matter = valid_index(index, d.matter_list.len()).map(|i| d.matter_list[i]);
            d.step = 2;
        });
    }

    fn choose_level(&self, level: i32) {
        if !(1..=5).contains(&level) {
            return;
        }
        if self.draft.borrow().level != level as u8 {
            // A number left for one level is not carried to another.
            self.phone.reset();
        }
        self.update(|d| {
            let level = level as u8;
            if d.level != 0 && polarity(d.level) != polarity(level) {
                d.reasons.clear();
            }
            d.level = level;
            d.reason_missing = false;
            d.step = 3;
        });
    }

    /// Reasons offered for the current level, as indices into `rating_reasons`.
    fn offered(&self, level: u8) -> Vec<usize> {
        let wanted = polarity(level);
        let reasons = &self.config.config.rating_reasons;
        (0..reasons.len()).filter(|&r| reasons[r].polarity == wanted).collect()
    }

    fn toggle_reason(&self, index: i32) {
        let offered = self.offered(self.draft.borrow().level);
        let Some(i) = valid_index(index, offered.len()) else {
            return;
        };
        let reason = offered[i];
        self.update(|d| {
            if !d.reasons.remove(&reason) {
                d.reasons.insert(reason);
            }
            d.reason_missing = false;
        });
    }

    fn next(self: &Rc<Self>) {
        let (step, level, no_reasons) = {
            let d = self.draft.borrow();
            (d.step, d.level, d.reasons.is_empty())
        };
        match step {
            3 if is_bad(level) && no_reasons => self.update(|d| d.reason_missing = true),
            3 if is_bad(level) => self.update(|d| d.step = 4),
            3 => self.send(),
            _ => {}
        }
    }

    fn back(&self) {
        let c = &self.config.config;
        let leave = {
            let mut d = self.draft.borrow_mut();
            d.send_failed = false;
            d.reason_missing = false;
            // The staff question is asked only where several people work the window.
            let has_staff = d.window.is_some_and(|w| c.windows[w].staff.len() > 1);
            match (d.step, d.who_screen) {
                // Back from the start: ask first if a window was chosen, as Cancel does.
                (1, 0) if d.window.is_some() => {
                    d.cancel_asked = true;
                    false
                }
                (1, 0) => true,
                (1, 2) if has_staff => {
                    d.who_screen = 1;
                    false
                }
                (1, _) => {
                    d.who_screen = 0;
                    false
                }
                (2, _) => {
                    d.step = 1;
                    d.who_screen = if !d.matter_list.is_empty() {
                        2
                    } else if has_staff {
                        1
                    } else {
                        0
                    };
                    false
                }
                (n, _) => {
                    d.step = n - 1;
                    false
                }
            }
        };
        if leave {
            (self.ends.home)();
        } else {
            self.publish();
        }
    }

    fn send(self: &Rc<Self>) {
        let Some(mut payload) = self.payload() else { return };
        if is_bad(payload.level) && !self.phone.accept() {
            return;
        }
        // Only a bad rating asks for a number: a number typed before the citizen changed
        // the level to a good one is never sent.
        if let Some(contact) = self.phone.contact().filter(|_| is_bad(payload.level)) {
            payload.phone = Some(Personal(contact.number.as_str().to_string()));
            payload.callback_requested = contact.callback;
            payload.consent_given = contact.consent;
        }
        let Some(submitter) = &self.submitter else {
            tracing::error!("no outbox: rating cannot be queued");
            self.update(|d| d.send_failed = true);
            return;
        };
        payload.probable_repeat = self.repeats.borrow_mut().check_and_record(&payload.window, Instant::now());
        match submitter.rating(&payload) {
            Ok(receipt) => {
                tracing::info!(id = %receipt.id, level = payload.level, repeat = payload.probable_repeat, "rating queued");
                self.reset();
                let Some(w) = self.window.upgrade() else { return };
                match &receipt.ticket {
                    Some(ticket) => {
                        let days = self.config.config.deadlines.simple_working_days;
                        self.ticket.show(&receipt.id.to_string(), ticket, days, true, self.language.get());
                    }
                    None => self.show_thanks(&w),
                }
            }
            Err(e) => {
                tracing::error!(error = %e, disk_full = e.is_disk_full(), "rating not queued; citizen sent to the staffed window");
                self.update(|d| d.send_failed = true);
            }
        }
    }

    /// The thank-you screen, which returns home by itself.
    fn show_thanks(self: &Rc<Self>, w: &AppWindow) {
        let secs = if w.global::<Theme>().get_elder() { THANKS_SECS * 2 } else { THANKS_SECS };
        self.thanks_left.set(secs);
        w.global::<Rating>().set_thanks_seconds_left(secs as i32);
        w.global::<Shell>().set_page(Page::Thanks);
        let weak = Rc::downgrade(self);
        self.thanks_timer.start(TimerMode::Repeated, Duration::from_secs(1), move || {
            let Some(flow) = weak.upgrade() else { return };
            let left = flow.thanks_left.get().saturating_sub(1);
            flow.thanks_left.set(left);
            if let Some(w) = flow.window.upgrade() {
                w.global::<Rating>().set_thanks_seconds_left(left as i32);
            }
            if left == 0 {
                flow.thanks_timer.stop();
                (flow.ends.end)();
            }
        });
    }

    /// The submission payload, once who and how are known (phone added by `send`).
    fn payload(&self) -> Option<RatingPayload> {
        let c = &self.config.config;
        let d = self.draft.borrow();
        let window = &c.windows[d.window?];
        if d.level == 0 {
            return None;
        }
        Some(RatingPayload {
            window: window.number.clone(),
            staff_id: d.staff.map(|s| window.staff[s].id.clone()),
            matter: d.matter.map(|m| c.matters[m].id.clone()),
            level: d.level,
            tags: d.reasons.iter().map(|&r| c.rating_reasons[r].id.clone()).collect(),
            probable_repeat: false,
            comment: {
                let text = self.keyboard.text(FieldKind::RatingComment);
                let text = text.trim();
                (!text.is_empty()).then(|| Personal(text.to_string()))
            },
            phone: None,
            callback_requested: false,
            consent_given: false,
        })
    }

    /// Pushes the draft to the `Rating` global.
    fn publish(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Rating>();
        let c = &self.config.config;
        let lang = self.language.get();
        let d = self.draft.borrow();
        let department_name = |id: &str| {
            c.departments.iter().find(|dep| dep.id == id).map(|dep| dep.name.get(lang)).unwrap_or_default()
        };
        g.set_step(d.step);
        // How many steps depends on the level, chosen on step 2: show no total.
        g.set_total_steps(0);
        g.set_who_screen(d.who_screen);
        g.set_windows(model(c.windows.iter().enumerate().map(|(i, win)| {
            choice(&win.number, &win.number, department_name(&win.department), d.window == Some(i), -1)
        })));
        let staff = d.window.map(|win| &c.windows[win].staff[..]).unwrap_or_default();
        g.set_staff(model(
            staff.iter().enumerate().map(|(i, s)| choice(&s.id, &s.name, &s.id, d.staff == Some(i), -1)),
        ));
        g.set_matters(model(d.matter_list.iter().map(|&m| {
            let matter = &c.matters[m];
            choice(&matter.id, matter.name.get(lang), "", d.matter == Some(m), -1)
        })));
        g.set_level(d.level.into());
        g.set_reasons(model(self.offered(d.level).into_iter().map(|r| {
            let reason = &c.rating_reasons[r];
            choice(&reason.id, reason.get(lang), "", d.reasons.contains(&r), reason.dimension.index())
        })));
        g.set_reason_missing(d.reason_missing);
        g.set_has_reason(!d.reasons.is_empty());
        g.set_reasons_count(self.offered(d.level).iter().filter(|r| d.reasons.contains(r)).count() as i32);
        g.set_window_number(d.window.map(|win| c.windows[win].number.as_str()).unwrap_or_default().into());
        let staff_name = d.window.zip(d.staff).map(|(win, s)| c.windows[win].staff[s].name.as_str());
        g.set_staff_name(staff_name.unwrap_or_default().into());
        g.set_cancel_asked(d.cancel_asked);
        g.set_send_failed(d.send_failed);
    }
}

/// Bad ratings (不满意, 非常不满意) must be followed up.
fn is_bad(level: u8) -> bool {
    (1..=2).contains(&level)
}

/// Which reasons a level is offered: praise for the top two, criticism for the rest.
fn polarity(level: u8) -> Polarity {
    if level >= 4 { Polarity::Praise } else { Polarity::Criticism }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_filter_flags_only_within_the_interval_per_window() {
        let mut f = RepeatFilter::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(!f.check_and_record("3", t0));
        assert!(f.check_and_record("3", t0 + Duration::from_secs(9)), "9 s later: repeat");
        assert!(!f.check_and_record("4", t0 + Duration::from_secs(9)), "another window is fine");
        // The interval runs from the last rating, so a burst stays flagged.
        assert!(f.check_and_record("3", t0 + Duration::from_secs(18)));
        assert!(!f.check_and_record("3", t0 + Duration::from_secs(29)), "11 s after the last: fine");
    }

    #[test]
    fn levels_map_to_the_scheme() {
        assert!(is_bad(1) && is_bad(2) && !is_bad(3) && !is_bad(5));
        assert_eq!(polarity(5), Polarity::Praise);
        assert_eq!(polarity(4), Polarity::Praise);
        assert_eq!(polarity(3), Polarity::Criticism);
        assert_eq!(polarity(1), Polarity::Criticism);
    }
}
