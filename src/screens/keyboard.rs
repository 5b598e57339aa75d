//! The on-screen keyboard's controller: which field is being typed into, each field's
//! text, the layout, and the pinyin composition. It answers the `Keyboard` global; the
//! flows read the texts ([`KeyboardController::text`]) for their summaries and payloads,
//! and the session wipes them ([`KeyboardController::reset`]).
//!
//! Pinyin goes to the engine's thread ([`crate::input::pinyin`]): a key sends an edit and
//! returns; the answer comes back through the event loop (`Keyboard.engine-answered`), so
//! the UI thread never waits on the engine. Every addition to a field goes through
//! [`crate::input::text`]: control characters stripped, NFC, the field's limit.
//!
//! Handwriting works the same way ([`crate::input::handwriting`]): the pad's finger
//! movements build the ink here, each lifted finger sends the ink for recognition, and
//! the answer (characters, or next words after one was chosen) fills the same candidate
//! bar. Only the answer to the newest request is shown.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::config::Language;
use crate::input::handwriting::{AnswerKind, HandwritingEngine, HandwritingSession, Ink};
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

/// The handwriting pad's state: the ink, and the candidates on show for it.
#[derive(Default)]
struct Handwriting {
    ink: Option<Ink>,
    /// The newest request sent; older answers are stale.
    newest: u64,
    /// The newest answer's candidates and what they are.
    candidates: Vec<String>,
    next_words: bool,
    /// First candidate of the page on show.
    first: usize,
    /// A character still being recognised goes to this field when its answer comes
    /// (Done or another layout was tapped before it came: nothing written is lost).
    commit_into: Option<FieldKind>,
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
    /// This window's requests to the handwriting engine; `None` without its model.
    handwriting: Option<HandwritingSession>,
    hand: RefCell<Handwriting>,
    /// The language of the UI (handwriting is Chinese: elder mode opens with it in zh).
    language: Cell<Language>,
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

/// Whether this page of `list` (from `first`) has candidates before or after it.
fn page_of(list: &[String], first: usize, size: usize) -> (Vec<SharedString>, bool, bool) {
    let first = first.min(list.len());
    let end = first.saturating_add(size).min(list.len());
    let page = list[first..end].iter().map(|s| s.as_str().into()).collect();
    (page, first > 0, end < list.len())
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
    pub fn install(
        window: &AppWindow,
        engine: Option<&'static PinyinEngine>,
        handwriting: Option<&'static HandwritingEngine>,
    ) -> Rc<KeyboardController> {
        let weak = window.as_weak();
        let handwriting = handwriting.filter(|h| h.is_available()).map(|h| {
            let weak = weak.clone();
            h.session(move || {
                let _ = weak.upgrade_in_event_loop(|w| w.global::<Keyboard>().invoke_engine_answered());
            })
        });
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
            handwriting,
            hand: RefCell::default(),
            language: Cell::new(Language::ZhCn),
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
        let h = with.clone();
        g.on_ink_down(move |x, y, w, hh| h(&|kb| kb.ink_down(x, y, w, hh)));
        let h = with.clone();
        g.on_ink_move(move |x, y| h(&|kb| kb.ink_move(x, y)));
        let h = with.clone();
        g.on_ink_up(move || h(&|kb| kb.ink_up()));
        let h = with.clone();
        g.on_rewrite(move || h(&|kb| kb.rewrite()));
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
        // Answers still on their way are for the citizen who has gone.
        let newest = self.hand.borrow().newest.saturating_add(1);
        *self.hand.borrow_mut() = Handwriting { newest, ..Handwriting::default() };
        if let Some(h) = &self.handwriting {
            // The model's 27 MB leave memory until the next citizen writes.
            h.release();
        }
        self.publish();
    }

    /// The UI's language picks the first layout: pinyin in Chinese, letters in English.
    pub fn set_language(&self, language: Language) {
        let first = match language {
            Language::ZhCn if self.pinyin_available() => KeyboardLayout::Pinyin,
            _ => KeyboardLayout::English,
        };
        self.language.set(language);
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
        if let Some(session) = &self.handwriting {
            match session.settle(Duration::from_secs(30)) {
                Ok(answers) => answers.into_iter().for_each(|a| self.apply_handwriting(a)),
                Err(e) => tracing::warn!(error = %e, "handwriting engine did not answer"),
            }
        }
        self.publish();
    }

    fn handwriting_available(&self) -> bool {
        self.handwriting.is_some()
    }

    /// The layout a field opens with: the language's, but handwriting first for an
    /// elder citizen writing Chinese.
    fn opening_layout(&self) -> KeyboardLayout {
        let elder = self.window.upgrade().is_some_and(|w| w.global::<Theme>().get_large_targets());
        if elder && self.language.get() == Language::ZhCn && self.handwriting_available() {
            KeyboardLayout::Handwriting
        } else {
            self.first_layout.get()
        }
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
        if let Some(session) = &self.handwriting {
            for answer in session.try_next() {
                self.apply_handwriting(answer);
            }
        }
        self.publish();
    }

    /// A handwriting answer: shown if it answers the newest request; a character that
    /// was waiting for it (Done tapped mid-recognition) goes into its field.
    fn apply_handwriting(&self, answer: crate::input::handwriting::Answer) {
        let mut hand = self.hand.borrow_mut();
        if answer.request != hand.newest {
            return;
        }
        if let Some(field) = hand.commit_into.take() {
            let first = answer.candidates.first().cloned();
            drop(hand);
            if let Some(c) = first.filter(|_| answer.kind == AnswerKind::Characters) {
                self.append(field, &c);
            }
            return;
        }
        hand.next_words = answer.kind == AnswerKind::NextWords;
        hand.candidates = answer.candidates;
        hand.first = 0;
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
                self.layout.set(self.opening_layout());
            }
        }
        self.field.set(Some(kind));
        self.full.set(false);
        // librime is loaded when a citizen first means to type, not at start.
        if let Some(engine) = self.engine {
            engine.prepare();
        }
        self.publish();
    }

    /// Pinyin letters not turned into characters are kept as letters, and a character
    /// on the pad becomes its best candidate (nothing typed or written is lost).
    fn close_composition(&self) {
        if self.composing.get() {
            self.send(Edit::CommitLetters, self.field.get());
            self.composing.set(false);
        }
        let mut hand = self.hand.borrow_mut();
        if hand.ink.as_ref().is_some_and(|i| !i.is_empty()) {
            // No characters yet: the answer is still on its way.
            let waiting = hand.candidates.is_empty() || hand.next_words;
            if waiting {
                hand.commit_into = self.field.get();
            } else if let (Some(field), Some(c)) = (self.field.get(), hand.candidates.first().cloned()) {
                drop(hand);
                self.append(field, &c);
                hand = self.hand.borrow_mut();
            }
        }
        hand.ink = None;
        hand.candidates.clear();
        hand.next_words = false;
        hand.first = 0;
    }

    fn handwriting_on(&self) -> bool {
        self.layout.get() == KeyboardLayout::Handwriting && self.handwriting.is_some()
    }

    /// A finger touched the pad: a new stroke. Next words on show give way to the
    /// character now being written.
    fn ink_down(&self, x: f32, y: f32, width: f32, height: f32) {
        if !self.handwriting_on() || self.field.get().is_none() {
            return;
        }
        let mut hand = self.hand.borrow_mut();
        if hand.next_words {
            hand.candidates.clear();
            hand.next_words = false;
        }
        hand.ink.get_or_insert_with(|| Ink::new(width, height)).begin(x, y);
        drop(hand);
        self.publish_ink();
    }

    fn ink_move(&self, x: f32, y: f32) {
        if let Some(ink) = self.hand.borrow_mut().ink.as_mut() {
            ink.extend(x, y);
        }
        self.publish_ink();
    }

    /// The finger lifted: the ink so far goes to the engine.
    fn ink_up(&self) {
        let ink = {
            let mut hand = self.hand.borrow_mut();
            let Some(ink) = hand.ink.as_mut() else { return };
            if !ink.end() {
                return;
            }
            ink.clone()
        };
        self.recognize(ink);
    }

    fn recognize(&self, ink: Ink) {
        if let Some(session) = &self.handwriting {
            let request = session.recognize(ink);
            let mut hand = self.hand.borrow_mut();
            hand.newest = request;
            hand.commit_into = None;
        }
    }

    /// 重写: the pad is emptied; the candidates go with it.
    fn rewrite(&self) {
        let mut hand = self.hand.borrow_mut();
        hand.ink = None;
        hand.candidates.clear();
        hand.next_words = false;
        hand.first = 0;
        // An answer still on its way is for ink that is gone.
        hand.newest = hand.newest.saturating_add(1);
        drop(hand);
        self.publish();
    }

    /// A handwriting candidate was tapped: it joins the field, the pad empties, and
    /// what may follow is asked for.
    fn choose_handwritten(&self, field: FieldKind, index: usize) {
        let chosen = {
            let hand = self.hand.borrow();
            hand.candidates.get(hand.first.saturating_add(index)).cloned()
        };
        let Some(chosen) = chosen else { return };
        self.append(field, &chosen);
        {
            let mut hand = self.hand.borrow_mut();
            hand.ink = None;
            hand.candidates.clear();
            hand.next_words = false;
            hand.first = 0;
        }
        if let Some(session) = &self.handwriting {
            let request = session.next_words(self.text(field));
            self.hand.borrow_mut().newest = request;
        }
    }

    /// Only the ink changed (a finger moving): the rest of the keyboard stays as it is.
    fn publish_ink(&self) {
        let Some(w) = self.window.upgrade() else { return };
        let hand = self.hand.borrow();
        let g = w.global::<Keyboard>();
        g.set_ink(hand.ink.as_ref().map(Ink::path_commands).unwrap_or_default().into());
        if let Some(ink) = &hand.ink {
            g.set_ink_width(ink.width());
            g.set_ink_height(ink.height());
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
        } else if self.handwriting_on() && self.hand.borrow().ink.as_ref().is_some_and(|i| !i.is_empty()) {
            // The character on the pad first (its best candidate), then the mark.
            let best =
                self.hand.borrow().candidates.first().cloned().filter(|_| !self.hand.borrow().next_words);
            if let Some(best) = best {
                self.append(field, &best);
            }
            self.rewrite();
            self.append(field, key);
        } else {
            self.append(field, key);
            if self.handwriting_on() {
                self.rewrite();
            }
        }
        self.publish();
    }

    fn backspace(&self) {
        let Some(field) = self.field.get() else { return };
        if self.pinyin_on() && self.composing.get() {
            self.send(Edit::Backspace, Some(field));
        } else if self.handwriting_on() && self.hand.borrow().ink.as_ref().is_some_and(|i| !i.is_empty()) {
            // 退格 on the pad takes back the last stroke, and the rest is recognised again.
            let ink = {
                let mut hand = self.hand.borrow_mut();
                let ink = hand.ink.as_mut().map(|i| {
                    i.undo();
                    i.clone()
                });
                hand.candidates.clear();
                hand.first = 0;
                ink
            };
            match ink {
                Some(ink) if !ink.is_empty() => self.recognize(ink),
                _ => self.rewrite(),
            }
        } else {
            if self.handwriting_on() {
                self.rewrite();
            }
            let mut texts = self.texts.borrow_mut();
            let current = texts.entry(field).or_default();
            *current = text::delete_last(current);
            self.full.set(false);
        }
        self.publish();
    }

    fn space(&self) {
        let Some(field) = self.field.get() else { return };
        if self.handwriting_on() {
            // The pad's layout has no space key; a space typed here ends the character.
            self.close_composition();
            self.append(field, " ");
        } else if self.pinyin_on() && self.composing.get() {
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
        if self.handwriting_on() {
            if let Ok(i) = usize::try_from(index) {
                self.choose_handwritten(field, i);
            }
            self.publish();
            return;
        }
        let composition = self.composition.borrow();
        let Some(i) = usize::try_from(index).ok().filter(|&i| i < composition.candidates.len()) else {
            return;
        };
        let at = composition.first.saturating_add(i);
        drop(composition);
        self.send(Edit::Choose(at), Some(field));
    }

    fn turn_page(&self, forward: bool) {
        if self.handwriting_on() {
            let size = self.page_size();
            let mut hand = self.hand.borrow_mut();
            let (_, before, after) = page_of(&hand.candidates, hand.first, size);
            hand.first = match forward {
                true if after => hand.first.saturating_add(size),
                false if before => hand.first.saturating_sub(size),
                _ => return,
            };
            drop(hand);
            self.publish();
            return;
        }
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
        if layout == KeyboardLayout::Pinyin && !self.pinyin_available()
            || layout == KeyboardLayout::Handwriting && !self.handwriting_available()
        {
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
        g.set_handwriting_available(self.handwriting_available());
        if self.handwriting_on() {
            let hand = self.hand.borrow();
            let (page, before, after) = page_of(&hand.candidates, hand.first, self.page_size());
            g.set_preedit(SharedString::new());
            g.set_candidates(ModelRc::new(VecModel::from(page)));
            g.set_has_previous_page(before);
            g.set_has_next_page(after);
            g.set_suggesting_next(hand.next_words && !hand.candidates.is_empty());
        } else {
            let c = self.composition.borrow();
            let composing = self.pinyin_on() && !c.preedit.is_empty();
            g.set_preedit(if composing { c.preedit.as_str().into() } else { SharedString::new() });
            let candidates: Vec<SharedString> =
                if composing { c.candidates.iter().map(|s| s.as_str().into()).collect() } else { Vec::new() };
            g.set_candidates(ModelRc::new(VecModel::from(candidates)));
            g.set_has_previous_page(composing && c.first > 0);
            g.set_has_next_page(composing && c.more);
            g.set_suggesting_next(false);
        }
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
        self.publish_ink();
    }
}
