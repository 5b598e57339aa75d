//! The complaint flow (反映"办不成事"): Rust owns the citizen's draft, the `Complaint`
//! global shows it. Each tap arrives as a callback; this module checks it, moves the draft
//! on, and republishes what the screen shows. Sending hands the draft to the one
//! submission path ([`crate::delivery::submission::Submitter`]) and shows the ticket.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use slint::ComponentHandle;

use crate::config::{Complexity, Language, LoadedConfig};
use crate::delivery::protocol::{ComplaintPayload, Personal};
use crate::delivery::submission::Submitter;
use crate::input::text::FieldKind;
use crate::screens::flow::{SessionEnds, callback, choice, index_callback, matters_of, model, valid_index};
use crate::screens::keyboard::KeyboardController;
use crate::screens::phone_entry::PhoneEntry;
use crate::screens::ticket_view::TicketView;
use crate::screens::ui::{AppWindow, Choice, Complaint, Page, Shell, Theme};

/// What the citizen has entered so far. Dropped whole when the session ends.
#[derive(Debug, Default)]
struct Draft {
    /// 1 to 5.
    step: i32,
    /// Index into `problem_types`.
    problem: Option<usize>,
    /// Index into `departments`; `None` after "I don't know".
    department: Option<usize>,
    /// Further departments, for a problem type that involves several (pushed between
    /// them): in the order the citizen tapped them, after `department`.
    other_departments: Vec<usize>,
    /// Step 2 shows the matters of the chosen department.
    choosing_matter: bool,
    /// Indices into `matters` of the chosen department, common ones first.
    matter_list: Vec<usize>,
    /// Index into `matters`; `None` when not known or not listed.
    matter: Option<usize>,
    /// The citizen said their matter is not in the list: step 3 asks for its name.
    matter_unlisted: bool,
    /// Indices into the chosen problem type's phrases.
    phrases: BTreeSet<usize>,
    /// 0 not chosen, 1, 2, 3 (three or more).
    visits: u8,
    /// Elder mode asks one question per screen: step 3 shows the phrases (false), then
    /// the visit count (true).
    asking_visits: bool,
    cancel_asked: bool,
    send_failed: bool,
}

impl Draft {
    /// Whether the report says at least one thing the hall can act on: a department, a
    /// matter or what happened. A problem type alone ("something else", "not sure") is not
    /// enough.
    /// What the citizen typed (their own words, a matter's or a problem's name) counts too.
    fn has_fact(&self, typed: bool) -> bool {
        self.department.is_some() || self.matter.is_some() || !self.phrases.is_empty() || typed
    }

    /// What step 3 still needs before it can go on.
    fn missing(&self, typed: bool) -> Missing {
        if !self.has_fact(typed) {
            Missing::Fact
        } else if self.visits == 0 {
            Missing::Visits
        } else {
            Missing::Nothing
        }
    }
}

/// The complaint flow controller.
pub struct ComplaintFlow {
    window: slint::Weak<AppWindow>,
    config: Rc<LoadedConfig>,
    submitter: Option<Rc<Submitter>>,
    /// The optional phone number (shared with the rating flow).
    phone: Rc<PhoneEntry>,
    /// The on-screen keyboard, which holds what the citizen typed into this flow's fields.
    keyboard: Rc<KeyboardController>,
    draft: RefCell<Draft>,
    language: std::cell::Cell<Language>,
    /// The ticket screen, shown after Send.
    ticket: Rc<TicketView>,
    /// Ends the citizen's session (Cancel confirmed) or goes home (Back from the start).
    ends: SessionEnds,
}

/// The keyboard fields of the complaint flow.
const COMPLAINT_FIELDS: [FieldKind; 3] =
    [FieldKind::ComplaintText, FieldKind::MatterName, FieldKind::OtherProblem];

/// Most departments one report may name (the protocol's limit for `other_departments`
/// is one fewer).
const MAX_DEPARTMENTS: usize = 6;

/// Why the step cannot go on yet, shown next to its button (`Complaint.missing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Nothing is missing.
    Nothing = 0,
    /// Neither a department, a matter nor a phrase: the hall could not act on it.
    Fact = 1,
    /// How many times they came.
    Visits = 2,
}

impl ComplaintFlow {
    /// Wires the `Complaint` global's callbacks to a new flow controller.
    pub fn install(
        window: &AppWindow,
        config: Rc<LoadedConfig>,
        submitter: Option<Rc<Submitter>>,
        phone: Rc<PhoneEntry>,
        keyboard: Rc<KeyboardController>,
        ticket: Rc<TicketView>,
        ends: SessionEnds,
    ) -> Rc<ComplaintFlow> {
        let flow = Rc::new(ComplaintFlow {
            window: window.as_weak(),
            language: std::cell::Cell::new(config.config.ui.default_language),
            config,
            submitter,
            phone,
            keyboard,
            draft: RefCell::new(Draft { step: 1, ..Draft::default() }),
            ticket,
            ends,
        });
        let g = window.global::<Complaint>();
        g.on_start(callback(&flow, |f| f.start()));
        g.on_choose_problem(index_callback(&flow, ComplaintFlow::choose_problem));
        g.on_choose_department(index_callback(&flow, ComplaintFlow::choose_department));
        g.on_toggle_department(index_callback(&flow, ComplaintFlow::toggle_department));
        g.on_departments_chosen(callback(&flow, |f| f.departments_chosen()));
        g.on_choose_matter(index_callback(&flow, ComplaintFlow::choose_matter));
        g.on_toggle_phrase(index_callback(&flow, ComplaintFlow::toggle_phrase));
        g.on_choose_visits(index_callback(&flow, ComplaintFlow::choose_visits));
        g.on_next(callback(&flow, |f| f.next()));
        g.on_back(callback(&flow, |f| f.back()));
        g.on_ask_cancel(callback(&flow, |f| f.ask_cancel()));
        g.on_cancel_dismissed(callback(&flow, |f| f.update(|d| d.cancel_asked = false)));
        g.on_cancel_confirmed(callback(&flow, |f| (f.ends.end)()));
        g.on_send(callback(&flow, |f| f.send()));
        // What was typed can complete step 3 and shows on the summary.
        let weak = Rc::downgrade(&flow);
        flow.keyboard.on_done(move || {
            if let Some(f) = weak.upgrade() {
                f.publish();
            }
        });
        flow.publish();
        flow
    }

    /// Shows the lists in another language (the draft is kept).
    pub fn set_language(&self, language: Language) {
        self.language.set(language);
        self.publish();
    }

    /// Forgets everything the citizen entered.
    pub fn reset(&self) {
        *self.draft.borrow_mut() = Draft { step: 1, ..Draft::default() };
        self.phone.reset();
        for field in COMPLAINT_FIELDS {
            self.keyboard.clear_field(field);
        }
        self.publish();
    }

    fn start(&self) {
        self.reset();
        if let Some(w) = self.window.upgrade() {
            w.global::<Shell>().set_page(Page::Complaint);
        }
    }

    fn update(&self, change: impl FnOnce(&mut Draft)) {
        change(&mut self.draft.borrow_mut());
        self.publish();
    }

    /// Cancel asks before wiping what was entered; with nothing entered it just goes home
    /// (keeping language and elder mode).
    fn ask_cancel(&self) {
        if self.draft.borrow().problem.is_none() {
            (self.ends.home)();
        } else {
            self.update(|d| d.cancel_asked = true);
        }
    }

    fn choose_problem(&self, index: i32) {
        let Some(i) = valid_index(index, self.config.config.problem_types.len()) else {
            return;
        };
        let changed = self.draft.borrow().problem != Some(i);
        if changed {
            // The name of another problem belongs to the type it was typed for.
            self.keyboard.clear_field(FieldKind::OtherProblem);
        }
        self.update(|d| {
            if d.problem != Some(i) {
                d.phrases.clear();
                d.other_departments.clear();
            }
            d.problem = Some(i);
            d.step = 2;
            d.choosing_matter = false;
        });
    }

    fn choose_department(&self, index: i32) {
        let c = &self.config.config;
        match valid_index(index, c.departments.len()) {
            None => self.update(|d| {
                d.department = None;
                d.other_departments.clear();
                d.matter = None;
                d.step = 3;
                d.asking_visits = false;
            }),
            Some(i) => {
                let list = matters_of(c, &c.departments[i].id);
                self.update(|d| {
                    if d.department != Some(i) {
                        d.matter = None;
                    }
                    d.department = Some(i);
                    d.matter_list = list;
                    d.choosing_matter = true;
                });
            }
        }
    }

    /// Several departments: a tap adds or removes one; the first tapped leads.
    fn toggle_department(&self, index: i32) {
        let Some(i) = valid_index(index, self.config.config.departments.len()) else {
            return;
        };
        self.update(|d| {
            let mut all: Vec<usize> =
                d.department.into_iter().chain(d.other_departments.iter().copied()).collect();
            match all.iter().position(|&x| x == i) {
                Some(at) => {
                    all.remove(at);
                }
                None if all.len() < MAX_DEPARTMENTS => all.push(i),
                None => {}
            }
            d.department = all.first().copied();
            d.other_departments = all.into_iter().skip(1).collect();
            d.matter = None;
        });
    }

    /// Several departments chosen: one leads to its matters, more go straight on.
    fn departments_chosen(&self) {
        let (first, more) = {
            let d = self.draft.borrow();
            (d.department, !d.other_departments.is_empty())
        };
        match (first, more) {
            (None, _) => {}
            (Some(i), false) => self.choose_department(i as i32),
            (Some(_), true) => self.update(|d| {
                d.matter = None;
                d.step = 3;
                d.asking_visits = false;
            }),
        }
    }

    fn choose_matter(&self, index: i32) {
        let unlisted = index < 0;
        if !unlisted {
            self.keyboard.clear_field(FieldKind::MatterName);
        }
        self.update(|d| {
            d.matter = valid_index(index, d.matter_list.len()).map(|i| d.matter_list[i]);
            d.matter_unlisted = unlisted;
            d.step = 3;
            d.asking_visits = false;
        });
    }

    fn toggle_phrase(&self, index: i32) {
        let count = self.problem_type().map_or(0, |p| p.phrases.len());
        let Some(i) = valid_index(index, count) else {
            return;
        };
        self.update(|d| {
            if !d.phrases.remove(&i) {
                d.phrases.insert(i);
            }
        });
    }

    fn choose_visits(&self, visits: i32) {
        if (1..=3).contains(&visits) {
            self.update(|d| d.visits = visits as u8);
        }
    }

    /// Whether the citizen typed anything the hall can act on.
    fn typed(&self) -> bool {
        COMPLAINT_FIELDS.iter().any(|&f| !self.keyboard.text(f).trim().is_empty())
    }

    /// A typed field as it goes on the wire: trimmed, or `None` when empty.
    fn typed_field(&self, field: FieldKind) -> Option<Personal> {
        let text = self.keyboard.text(field);
        let text = text.trim();
        (!text.is_empty()).then(|| Personal(text.to_string()))
    }

    fn next(&self) {
        let one_question = self.one_question();
        let typed = self.typed();
        self.update(|d| match d.step {
            // One question per screen: the fact may still be typed on the next screen.
            3 if one_question && !d.asking_visits => d.asking_visits = true,
            3 if !d.has_fact(typed) => {}
            3 if d.visits == 0 => {}
            3 => d.step = 4,
            4 if self.phone.accept() => d.step = 5,
            _ => {}
        });
    }

    /// Elder and seated mode: one question per screen.
    fn one_question(&self) -> bool {
        self.window.upgrade().is_some_and(|w| w.global::<Theme>().get_one_question())
    }

    fn back(&self) {
        let one_question = self.one_question();
        let leave = {
            let mut d = self.draft.borrow_mut();
            d.send_failed = false;
            match d.step {
                // Back from the start: ask first if anything was chosen, as Cancel does.
                1 if d.problem.is_some() => {
                    d.cancel_asked = true;
                    false
                }
                1 => true,
                3 if d.asking_visits => {
                    d.asking_visits = false;
                    false
                }
                2 if d.choosing_matter => {
                    d.choosing_matter = false;
                    false
                }
                // Several departments were chosen: back to them (there was no matter list).
                3 if d.department.is_some() && d.other_departments.is_empty() => {
                    d.step = 2;
                    d.choosing_matter = true;
                    false
                }
                n => {
                    d.step = n - 1;
                    d.choosing_matter = false;
                    // Back from the phone step lands on the last question of step 3.
                    d.asking_visits = n == 4 && one_question;
                    false
                }
            }
        };
        if leave {
            // Back from an empty first step: home, keeping language and elder mode.
            (self.ends.home)();
        } else {
            self.publish();
        }
    }

    fn send(&self) {
        let payload = match self.payload() {
            Some(p) => p,
            None => return,
        };
        let Some(submitter) = &self.submitter else {
            tracing::error!("no outbox: complaint cannot be queued");
            self.update(|d| d.send_failed = true);
            return;
        };
        match submitter.complaint(&payload) {
            Ok(receipt) => {
                tracing::info!(id = %receipt.id, "complaint queued");
                let days = match self.problem_type().map(|p| p.complexity) {
                    Some(Complexity::Complex) => self.config.config.deadlines.complex_working_days,
                    _ => self.config.config.deadlines.simple_working_days,
                };
                if let Some(ticket) = &receipt.ticket {
                    self.ticket.show(&receipt.id.to_string(), ticket, days, false, self.language.get());
                }
                // The draft has served its purpose: only the ticket stays on screen.
                self.reset();
            }
            Err(e) => {
                tracing::error!(error = %e, disk_full = e.is_disk_full(), "complaint not queued; citizen sent to the staffed window");
                self.update(|d| d.send_failed = true);
            }
        }
    }

    /// The submission payload, once the draft is complete.
    fn payload(&self) -> Option<ComplaintPayload> {
        let c = &self.config.config;
        let d = self.draft.borrow();
        let problem = &c.problem_types[d.problem?];
        let contact = self.phone.contact();
        if d.visits == 0 || !d.has_fact(self.typed()) {
            return None;
        }
        Some(ComplaintPayload {
            problem_type: problem.id.clone(),
            department: d
                .department
                .map(|i| c.departments[i].id.clone())
                .or_else(|| d.matter.map(|m| c.matters[m].department.clone())),
            other_departments: d.other_departments.iter().map(|&i| c.departments[i].id.clone()).collect(),
            matter: d.matter.map(|m| c.matters[m].id.clone()),
            details: d.phrases.iter().map(|&i| problem.phrases[i].id.clone()).collect(),
            visits: d.visits,
            free_text: self.typed_field(FieldKind::ComplaintText),
            unlisted_matter: if d.matter_unlisted { self.typed_field(FieldKind::MatterName) } else { None },
            other_problem: if problem.catch_all { self.typed_field(FieldKind::OtherProblem) } else { None },
            phone: contact.as_ref().map(|c| Personal(c.number.as_str().to_string())),
            callback_requested: contact.as_ref().is_some_and(|c| c.callback),
            consent_given: contact.as_ref().is_some_and(|c| c.consent),
            language: self.language.get(),
        })
    }

    fn problem_type(&self) -> Option<&crate::config::ProblemType> {
        self.draft.borrow().problem.map(|i| &self.config.config.problem_types[i])
    }

    fn problem_type_of(&self, d: &Draft) -> Option<&crate::config::ProblemType> {
        d.problem.map(|i| &self.config.config.problem_types[i])
    }

    /// Pushes the draft to the `Complaint` global.
    fn publish(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Complaint>();
        let c = &self.config.config;
        let lang = self.language.get();
        let d = self.draft.borrow();
        let choice =
            |id: &str, title: &str, hint: &str, selected: bool| choice(id, title, hint, selected, -1);
        g.set_step(d.step);
        g.set_choosing_matter(d.choosing_matter);
        g.set_problem_types(model(c.problem_types.iter().enumerate().map(|(i, p)| Choice {
            icon: p.icon.as_deref().unwrap_or("complaint").into(),
            ..choice(&p.id, p.title.get(lang), p.hint.get(lang), d.problem == Some(i))
        })));
        let chosen = |i: usize| d.department == Some(i) || d.other_departments.contains(&i);
        g.set_departments(model(
            c.departments
                .iter()
                .enumerate()
                .map(|(i, dep)| choice(&dep.id, dep.name.get(lang), "", chosen(i))),
        ));
        g.set_departments_count((d.department.is_some() as usize + d.other_departments.len()) as i32);
        g.set_several_departments(self.problem_type_of(&d).is_some_and(|p| p.several_departments));
        g.set_matters(model(d.matter_list.iter().map(|&m| {
            let matter = &c.matters[m];
            choice(&matter.id, matter.name.get(lang), "", d.matter == Some(m))
        })));
        let phrases = d.problem.map(|p| &c.problem_types[p].phrases[..]).unwrap_or_default();
        g.set_phrases(model(
            phrases
                .iter()
                .enumerate()
                .map(|(i, ph)| choice(&ph.id, ph.get(lang), "", d.phrases.contains(&i))),
        ));
        g.set_phrases_count(d.phrases.len() as i32);
        g.set_visits(d.visits.into());
        g.set_asking_visits(d.asking_visits);
        g.set_missing(d.missing(self.typed()) as i32);
        g.set_asks_matter_name(d.matter_unlisted);
        g.set_asks_other_problem(self.problem_type_of(&d).is_some_and(|p| p.catch_all));
        g.set_cancel_asked(d.cancel_asked);
        g.set_send_failed(d.send_failed);

        let mut problem =
            d.problem.map(|p| c.problem_types[p].title.get(lang)).unwrap_or_default().to_string();
        let named = self.keyboard.text(FieldKind::OtherProblem);
        if self.problem_type_of(&d).is_some_and(|p| p.catch_all) && !named.trim().is_empty() {
            problem =
                format!("{problem}{}{}", if lang == Language::ZhCn { "：" } else { ": " }, named.trim());
        }
        g.set_summary_problem(problem.into());
        let matter = match (d.matter, d.department) {
            (Some(m), _) => {
                let dep = c.departments.iter().find(|x| x.id == c.matters[m].department);
                match dep {
                    Some(dep) => format!("{} · {}", c.matters[m].name.get(lang), dep.name.get(lang)),
                    None => c.matters[m].name.get(lang).to_string(),
                }
            }
            (None, Some(dep)) => std::iter::once(dep)
                .chain(d.other_departments.iter().copied())
                .map(|i| c.departments[i].name.get(lang))
                .collect::<Vec<_>>()
                .join(if lang == Language::ZhCn { "、" } else { ", " }),
            (None, None) => String::new(),
        };
        let unlisted = self.keyboard.text(FieldKind::MatterName);
        let matter = match (d.matter_unlisted, unlisted.trim()) {
            (true, name) if !name.is_empty() && matter.is_empty() => name.to_string(),
            (true, name) if !name.is_empty() => format!("{name} · {matter}"),
            _ => matter,
        };
        g.set_summary_matter(matter.into());
        g.set_summary_matter_is_departments(
            d.matter.is_none() && d.department.is_some() && !d.matter_unlisted,
        );
        let separator = if lang == Language::ZhCn { "；" } else { "; " };
        let details: Vec<&str> = d.phrases.iter().map(|&i| phrases[i].get(lang)).collect();
        g.set_summary_details(details.join(separator).into());
        g.set_summary_words(self.keyboard.text(FieldKind::ComplaintText).trim().into());
    }
}
