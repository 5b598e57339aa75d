//! The phone-number entry shared by the complaint and rating flows. Rust owns the typed
//! digits and the accepted number; the `Phone` global shows them. Once a number is
//! accepted only its mask (138****5678) reaches the screen.

use std::cell::RefCell;
use std::rc::Rc;

use slint::ComponentHandle;

use crate::hall::phone::{MobileNumber, PhoneError};
use crate::screens::flow::callback;
use crate::screens::ui::{AppWindow, Phone};

/// Why a typed number cannot be used, as the screen shows it (`Phone.problem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    None = 0,
    Length = 1,
    Prefix = 2,
    NoConsent = 3,
}

#[derive(Debug, Default)]
struct State {
    /// Digits as typed, before the number is accepted.
    digits: String,
    /// The accepted number.
    number: Option<MobileNumber>,
    problem: Option<Problem>,
    callback: bool,
    consent: bool,
}

/// A number the citizen left, with their wishes.
#[derive(Debug, Clone)]
pub struct Contact {
    /// The validated number.
    pub number: MobileNumber,
    /// They asked to be called back.
    pub callback: bool,
    /// They agreed to the privacy notice (always true: no consent, no number).
    pub consent: bool,
}

/// The phone-entry controller.
pub struct PhoneEntry {
    window: slint::Weak<AppWindow>,
    state: RefCell<State>,
}

impl PhoneEntry {
    /// Wires the `Phone` global's callbacks.
    pub fn install(window: &AppWindow) -> Rc<PhoneEntry> {
        let entry = Rc::new(PhoneEntry { window: window.as_weak(), state: RefCell::default() });
        let g = window.global::<Phone>();
        let weak = Rc::downgrade(&entry);
        g.on_press_digit(move |d| {
            if let Some(e) = weak.upgrade() {
                e.press_digit(&d);
            }
        });
        g.on_delete_digit(callback(&entry, |e| {
            e.update(|s| {
                s.digits.pop();
                s.problem = MobileNumber::check_prefix(&s.digits).err().map(problem_of);
            })
        }));
        g.on_clear(callback(&entry, |e| e.reset()));
        // One decision: "call me back" beside the notice of how the number is used is the
        // consent to that use.
        g.on_toggle_callback(callback(&entry, |e| {
            e.update(|s| {
                s.callback = !s.callback;
                s.consent = s.callback;
                if s.consent && s.problem == Some(Problem::NoConsent) {
                    s.problem = None;
                }
            })
        }));
        entry.publish();
        entry
    }

    /// Forgets the number and the wishes.
    pub fn reset(&self) {
        *self.state.borrow_mut() = State::default();
        self.publish();
    }

    /// The accepted number and wishes, if the citizen left one.
    pub fn contact(&self) -> Option<Contact> {
        let s = self.state.borrow();
        s.number.clone().map(|number| Contact { number, callback: s.callback, consent: s.consent })
    }

    /// Called by the flow's Next: accepts what was typed. `false` keeps the citizen on the
    /// step, with the reason on screen (wrong number, or no consent for a number).
    pub fn accept(&self) -> bool {
        let mut ok = true;
        self.update(|s| {
            if s.number.is_none() && !s.digits.is_empty() {
                match MobileNumber::parse(&s.digits) {
                    Err(e) => {
                        s.problem = Some(problem_of(e));
                        ok = false;
                        return;
                    }
                    Ok(number) => {
                        s.number = Some(number);
                        s.digits.clear();
                    }
                }
            }
            if s.number.is_some() && !s.consent {
                s.problem = Some(Problem::NoConsent);
                ok = false;
                return;
            }
            if s.number.is_none() {
                s.callback = false;
                s.consent = false;
            }
            s.problem = None;
        });
        ok
    }

    fn press_digit(&self, digit: &str) {
        if digit.len() != 1 || !digit.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        self.update(|s| {
            if s.number.is_some() || s.digits.len() >= 11 {
                return;
            }
            s.digits.push_str(digit);
            s.problem = MobileNumber::check_prefix(&s.digits).err().map(problem_of);
            if s.digits.len() == 11 {
                s.problem = MobileNumber::parse(&s.digits).err().map(problem_of);
            }
        });
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.borrow_mut());
        self.publish();
    }

    fn publish(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Phone>();
        let s = self.state.borrow();
        g.set_digits(s.digits.clone().into());
        g.set_grouped(group_digits(&s.digits).into());
        g.set_complete(s.digits.len() == 11 && s.problem.is_none());
        g.set_accepted(s.number.is_some());
        g.set_masked(s.number.as_ref().map(MobileNumber::masked).unwrap_or_default().into());
        g.set_problem(s.problem.unwrap_or(Problem::None) as i32);
        g.set_callback_wanted(s.callback);
        g.set_consent(s.consent);
    }
}

fn problem_of(e: PhoneError) -> Problem {
    match e {
        PhoneError::WrongPrefix => Problem::Prefix,
        PhoneError::WrongLength(_) | PhoneError::NotDigits => Problem::Length,
    }
}

/// Digits grouped 3-4-4 as Chinese mobile numbers are read aloud.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + 2);
    for (i, c) in digits.chars().enumerate() {
        if i == 3 || i == 7 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
