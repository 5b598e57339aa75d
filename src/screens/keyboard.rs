//! The on-screen keyboard's controller: which field is being typed into, each field's
//! text, the layout, and the pinyin composition. It answers the `Keyboard` global; the
//! flows read the texts ([`KeyboardController::text`]) for their summaries and payloads,
//! and the session wipes them ([`KeyboardController::reset`]).
//!
//! Pinyin goes to the engine's thread ([`crate::input::pinyin`]): a key sends an edit and
//! returns; the answer comes back through the event loop (`Keyboard.engine-answered`), so
//! the UI thread never waits on the engine. Every addition to a field goes through
//! [`crate::input::text`]: control characters stripped, NFC, the field's limit.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::config::Language;
use crate::input::pinyin::{Composition, Edit, EngineState, PinyinEngine, PinyinSession};
use crate::input::text::{self, FieldKind};
use crate::screens::ui::{AppWindow, FieldText, Keyboard, KeyboardLayout, TextField, Theme};

/// Candidates on one page of the bar (normal mode), and what `hall-kiosk ime` prints.
pub const PAGE_SIZE: usize = 5;
/// Candidates on one page in elder mode (bigger keys).
pub const PAGE_SIZE_ELDER: usize = 3;

/// Where an edit's answer goes: the field it was typed for, and what to add after the
/// engine's text (a punctuation mark typed while pinyin was still open).
struct Pending {
    field: Option<FieldKind>,
    then: Option<String>,
}

/// The keyboard controller (one per kiosk window).
pub struct KeyboardController {
    window: slint::Weak<AppWindow>,
    /// What the citizen typed, per field; wiped with the session.
    texts: RefCell<HashMap<FieldKind, String>>,
    /// The field the keyboard is up for.
    field: Cell<Option<FieldKind>>,
    layout: Cell<KeyboardLayout>,
    /// The layout the keyboard opens with: pinyin in Chinese, letters in English.
    first_layout: Cell<KeyboardLayout>,
    /// This window's composition on the engine's thread; `None` without pinyin.
    pinyin: Option<PinyinSession>,
    engine: Option<&'static PinyinEngine>,
    /// The last answer: preedit and the candidates on show.
    composition: RefCell<Composition>,
    /// Pinyin letters are being composed (set as a letter is sent, corrected by answers).
    composing: Cell<bool>,
    /// One entry per edit sent and not answered yet, in order.
    pending: RefCell<VecDeque<Pending>>,
    /// The last addition was cut at the field's limit.
    full: Cell<bool>,
    /// Called when the keyboard closes (the flows republish what depends on the text).
    on_done: RefCell<Vec<Box<dyn Fn()>>>,
}

fn kind_of(field: TextField) -> Option<FieldKind> {
    match field {
        TextField::None => None,
        TextField::ComplaintText => Some(FieldKind::ComplaintText),
        TextField::MatterName => Some(FieldKind::MatterName),
        TextField::OtherProblem => Some(FieldKind::OtherProblem),
        TextField::RatingComment => Some(FieldKind::RatingComment),
    }
}

fn field_of(kind: Option<FieldKind>) -> TextField {
    match kind {
        None => TextField::None,
        Some(FieldKind::ComplaintText) => TextField::ComplaintText,
        Some(FieldKind::MatterName) => TextField::MatterName,
        Some(FieldKind::OtherProblem) => TextField::OtherProblem,
        Some(FieldKind::RatingComment) => TextField::RatingComment,
    }
}

impl KeyboardController {
    /// Wires the `Keyboard` global to a new controller. Without an engine (or with one
    /// that failed) the keyboard offers English letters and digits only.
    pub fn install(window: &AppWindow, engine: Option<&'static PinyinEngine>) -> Rc<KeyboardController> {
        let weak = window.as_weak();
        let pinyin = engine.map(|e| {
            let weak = weak.clone();
            e.session(move || {
                let _ = weak.upgrade_in_event_loop(|w| w.global::<Keyboard>().invoke_engine_answered());
            })
        });
        let kb = Rc::new(KeyboardController {
            window: weak,
            texts: RefCell::default(),
            field: Cell::new(None),
            layout: Cell::new(KeyboardLayout::Pinyin),
            first_layout: Cell::new(KeyboardLayout::Pinyin),
            pinyin,
            engine,
            composition: RefCell::default(),
            composing: Cell::new(false),
            pending: RefCell::default(),
            full: Cell::new(false),
            on_done: RefCell::default(),
        });
        let g = window.global::<Keyboard>();
        let w = Rc::downgrade(&kb);
        let with = move |f: &dyn Fn(&KeyboardController)| {
            if let Some(kb) = w.upgrade() {
                f(&kb);
            }
        };
        let h = with.clone();
        g.on_focus(move |field| h(&|kb| kb.focus(field)));
        let h = with.clone();
        g.on_key(move |k| h(&|kb| kb.key(&k)));
        let h = with.clone();
        g.on_backspace(move || h(&|kb| kb.backspace()));
        let h = with.clone();
        g.on_space(move || h(&|kb| kb.space()));
        let h = with.clone();
        g.on_choose(move |i| h(&|kb| kb.choose(i)));
        let h = with.clone();
        g.on_next_page(move || h(&|kb| kb.turn_page(true)));
        let h = with.clone();
        g.on_previous_page(move || h(&|kb| kb.turn_page(false)));
        let h = with.clone();
        g.on_switch_layout(move |l| h(&|kb| kb.switch_layout(l)));
        let h = with.clone();
        g.on_done(move || h(&|kb| kb.done()));
        g.on_engine_answered(move || with(&|kb| kb.drain()));
        kb.publish();
        kb
    }

    /// What the citizen typed into a field ("" when nothing).
    pub fn text(&self, kind: FieldKind) -> String {
        self.texts.borrow().get(&kind).cloned().unwrap_or_default()
    }

    /// Empties one field (its question went away, e.g. another problem type was chosen).
    pub fn clear_field(&self, kind: FieldKind) {
        self.texts.borrow_mut().remove(&kind);
        self.publish();
    }

    /// Calls `f` whenever the keyboard closes.
    pub fn on_done(&self, f: impl Fn() + 'static) {
        self.on_done.borrow_mut().push(Box::new(f));
    }

    /// Forgets every field, the composition and the layout (end of session, idle wipe).
    pub fn reset(&self) {
        self.texts.borrow_mut().clear();
        self.field.set(None);
        self.full.set(false);
        self.layout.set(self.first_layout.get());
        self.send(Edit::Clear, None);
        self.composing.set(false);
        *self.composition.borrow_mut() = Composition::default();
        self.publish();
    }

    /// The UI's language picks the first layout: pinyin in Chinese, letters in English.
    pub fn set_language(&self, language: Language) {
        let first = match language {
            Language::ZhCn if self.pinyin_available() => KeyboardLayout::Pinyin,
            _ => KeyboardLayout::English,
        };
        self.first_layout.set(first);
        if self.field.get().is_none() {
            self.layout.set(first);
        }
        self.publish();
    }

    /// Waits for the engine's answers to every key sent so far and shows them (tests and
    /// screenshots; a running kiosk gets them through the event loop instead).
    pub fn settle(&self) {
        if let Some(session) = &self.pinyin {
            match session.settle(Duration::from_secs(30)) {
                Ok(answers) => answers.into_iter().for_each(|a| self.apply(a)),
                Err(e) => tracing::warn!(error = %e, "pinyin engine did not answer"),
            }
        }
        self.publish();
    }

    fn pinyin_available(&self) -> bool {
        self.engine.is_some_and(|e| !matches!(e.state(), EngineState::Failed(_)))
    }

    fn page_size(&self) -> usize {
        let elder = self.window.upgrade().is_some_and(|w| w.global::<Theme>().get_large_targets());
        if elder { PAGE_SIZE_ELDER } else { PAGE_SIZE }
    }

    /// Sends an edit to the engine; its answer goes to `field`.
    fn send(&self, edit: Edit, field: Option<FieldKind>) {
        self.send_then(edit, field, None);
    }

    fn send_then(&self, edit: Edit, field: Option<FieldKind>, then: Option<String>) {
        if let Some(session) = &self.pinyin {
            self.pending.borrow_mut().push_back(Pending { field, then });
            session.send(edit, self.page_size());
        }
    }

    /// Answers that have arrived: applied in order.
    fn drain(&self) {
        if let Some(session) = &self.pinyin {
            for answer in session.try_next() {
                self.apply(answer);
            }
        }
        self.publish();
    }

    fn apply(&self, answer: Composition) {
        let pending = self.pending.borrow_mut().pop_front();
        let (field, then) = pending.map_or((None, None), |p| (p.field, p.then));
        if let Some(field) = field {
            let addition =
                format!("{}{}", answer.commit.as_deref().unwrap_or(""), then.as_deref().unwrap_or(""));
            if !addition.is_empty() {
                self.append(field, &addition);
            }
        }
        if self.pending.borrow().is_empty() {
            self.composing.set(!answer.preedit.is_empty());
        }
        *self.composition.borrow_mut() = answer;
    }

    fn append(&self, field: FieldKind, addition: &str) {
        let mut texts = self.texts.borrow_mut();
        let current = texts.entry(field).or_default();
        let (joined, cut) = text::append(current, addition, field.max_chars());
        *current = joined;
        self.full.set(cut);
    }

    fn pinyin_on(&self) -> bool {
        self.layout.get() == KeyboardLayout::Pinyin && self.pinyin.is_some()
    }

    fn focus(&self, field: TextField) {
        let Some(kind) = kind_of(field) else { return };
        if self.field.get() != Some(kind) {
            // Letters still open belong to the field they were typed for.
            self.close_composition();
            if self.field.get().is_none() {
                self.layout.set(self.first_layout.get());
            }
        }
        self.field.set(Some(kind));
        self.full.set(false);
        self.publish();
    }

    /// Pinyin letters not turned into characters are kept as letters (nothing typed is lost).
    fn close_composition(&self) {
        if self.composing.get() {
            self.send(Edit::CommitLetters, self.field.get());
            self.composing.set(false);
        }
    }

    fn key(&self, key: &str) {
        let Some(field) = self.field.get() else { return };
        let mut chars = key.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else { return };
        if self.pinyin_on() && (c.is_ascii_lowercase() || (c == '\'' && self.composing.get())) {
            self.composing.set(true);
            self.send(if c == '\'' { Edit::Separator } else { Edit::Letter(c) }, Some(field));
        } else if self.pinyin_on() && self.composing.get() {
            // Punctuation ends the composition the usual way: the first candidate, then the mark.
            self.send_then(Edit::Choose(self.composition.borrow().first), Some(field), Some(key.to_string()));
        } else {
            self.append(field, key);
        }
        self.publish();
    }

    fn backspace(&self) {
        let Some(field) = self.field.get() else { return };
        if self.pinyin_on() && self.composing.get() {
            self.send(Edit::Backspace, Some(field));
        } else {
            let mut texts = self.texts.borrow_mut();
            let current = texts.entry(field).or_default();
            *current = text::delete_last(current);
            self.full.set(false);
        }
        self.publish();
    }

    fn space(&self) {
        let Some(field) = self.field.get() else { return };
        if self.pinyin_on() && self.composing.get() {
            // Space takes the first candidate on show, as on every pinyin keyboard.
            let first = self.composition.borrow().first;
            self.send(Edit::Choose(first), Some(field));
        } else {
            self.append(field, " ");
        }
        self.publish();
    }

    fn choose(&self, index: i32) {
        let Some(field) = self.field.get() else { return };
        let composition = self.composition.borrow();
        let Some(i) = usize::try_from(index).ok().filter(|&i| i < composition.candidates.len()) else {
            return;
        };
        let at = composition.first.saturating_add(i);
        drop(composition);
        self.send(Edit::Choose(at), Some(field));
    }

    fn turn_page(&self, forward: bool) {
        let (first, more) = {
            let c = self.composition.borrow();
            (c.first, c.more)
        };
        let size = self.page_size();
        let at = match forward {
            true if more => first.saturating_add(size),
            false if first > 0 => first.saturating_sub(size),
            _ => return,
        };
        self.send(Edit::Page(at), self.field.get());
    }

    fn switch_layout(&self, layout: KeyboardLayout) {
        if layout == KeyboardLayout::Pinyin && !self.pinyin_available() {
            return;
        }
        if layout != self.layout.get() {
            self.close_composition();
            self.layout.set(layout);
        }
        self.publish();
    }

    fn done(&self) {
        self.close_composition();
        self.field.set(None);
        self.full.set(false);
        self.publish();
        let hooks = self.on_done.borrow();
        hooks.iter().for_each(|f| f());
    }

    fn field_text(&self, kind: FieldKind) -> FieldText {
        let text = self.text(kind);
        FieldText { count: text::count(&text) as i32, max: kind.max_chars() as i32, text: text.into() }
    }

    /// Pushes the state to the `Keyboard` global.
    fn publish(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let g = w.global::<Keyboard>();
        g.set_field(field_of(self.field.get()));
        g.set_layout(self.layout.get());
        g.set_pinyin_available(self.pinyin_available());
        let c = self.composition.borrow();
        let composing = self.pinyin_on() && !c.preedit.is_empty();
        g.set_preedit(if composing { c.preedit.as_str().into() } else { SharedString::new() });
        let candidates: Vec<SharedString> =
            if composing { c.candidates.iter().map(|s| s.as_str().into()).collect() } else { Vec::new() };
        g.set_candidates(ModelRc::new(VecModel::from(candidates)));
        g.set_has_previous_page(composing && c.first > 0);
        g.set_has_next_page(composing && c.more);
        g.set_full(self.full.get());
        g.set_complaint_text(self.field_text(FieldKind::ComplaintText));
        g.set_matter_name(self.field_text(FieldKind::MatterName));
        g.set_other_problem(self.field_text(FieldKind::OtherProblem));
        g.set_rating_comment(self.field_text(FieldKind::RatingComment));
        if let Some(kind) = self.field.get() {
            g.set_current(self.field_text(kind));
        }
        if self.field.get().is_none() {
            g.set_lift(0.0);
            g.set_field_bottom(0.0);
        }
    }
}
