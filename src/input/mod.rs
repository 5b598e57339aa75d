//! Text entry without a physical keyboard: the engines behind the on-screen keyboard.
//! Pinyin to hanzi candidates, handwritten strokes to characters, and the hall's own
//! phrase list that both offer.
//!
//! Belongs here: turning what a citizen taps or draws into candidate text, and nothing
//! else. The keyboard and the writing pad themselves are screens (`screens/`); these
//! engines know nothing of Slint, the outbox or the network, and run off the UI thread
//! wherever they can be slow. Must not: use `delivery`, `screens` or `ops`, Slint, rodio,
//! SQLite or the network (checked by `tests/layers.rs`). Only `config` and `hall` are
//! below this layer.
//!
//! - [`pinyin`]: librime on a thread of its own: letters to candidates, no learning.
//! - [`handwriting`]: Zinnia on a thread of its own: strokes to characters.
//! - [`association`]: what may follow a handwritten character (hall phrases, then words).
//! - [`phrases`]: the hall's phrases (config, department and matter names) for the engines.
//! - [`text`]: what a field may hold: limits, no control characters, NFC.

pub mod association;
pub mod handwriting;
pub mod phrases;
pub mod pinyin;
pub mod text;
