//! Pieces the guided flows (complaint, rating) share: wiring a global's callbacks to a
//! controller without keeping the controller alive, the tile lists they publish, and the
//! order in which a department's matters are offered.

use std::rc::Rc;

use slint::{ModelRc, VecModel};

use crate::config::Config;
use crate::screens::ui::Choice;

/// A UI callback that calls `f` on the controller while it exists.
pub fn callback<T: 'static>(target: &Rc<T>, f: fn(&Rc<T>)) -> impl Fn() + 'static {
    let weak = Rc::downgrade(target);
    move || {
        if let Some(target) = weak.upgrade() {
            f(&target);
        }
    }
}

/// A UI callback with a tile index, as [`callback`].
pub fn index_callback<T: 'static>(target: &Rc<T>, f: fn(&T, i32)) -> impl Fn(i32) + 'static {
    let weak = Rc::downgrade(target);
    move |i| {
        if let Some(target) = weak.upgrade() {
            f(&target, i);
        }
    }
}

/// `index` as a position in a list of `len`, or `None` (the "don't know" tiles send -1).
pub fn valid_index(index: i32, len: usize) -> Option<usize> {
    usize::try_from(index).ok().filter(|&i| i < len)
}

/// One tile. `group` is -1, or a group the UI names (rating dimensions).
pub fn choice(id: &str, title: &str, hint: &str, selected: bool, group: i32) -> Choice {
    Choice { id: id.into(), title: title.into(), hint: hint.into(), selected, group, icon: "".into() }
}

/// Tiles as a model for the UI.
pub fn model(items: impl Iterator<Item = Choice>) -> ModelRc<Choice> {
    ModelRc::new(VecModel::from(items.collect::<Vec<_>>()))
}

/// The matters of a department as indices into `matters`: the common ones first, then the
/// catalogue's order.
pub fn matters_of(config: &Config, department: &str) -> Vec<usize> {
    let matters = &config.matters;
    let mut list: Vec<usize> = (0..matters.len()).filter(|&m| matters[m].department == department).collect();
    list.sort_by_key(|&m| !matters[m].common);
    list
}

/// How a flow ends the citizen's visit: `end` wipes the session and restores the hall's
/// defaults (Cancel confirmed); `home` goes home by the citizen's own choice and keeps
/// their language and elder mode (Back from an empty first step).
#[derive(Clone)]
pub struct SessionEnds {
    /// Wipe everything and go home.
    pub end: Rc<dyn Fn()>,
    /// Go home, keeping language and elder mode.
    pub home: Rc<dyn Fn()>,
}
