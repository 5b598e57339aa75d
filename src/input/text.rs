//! What a typed field may hold: no control characters, Unicode NFC (decision 0019: the
//! same words are the same bytes on the server, whatever the keyboard or engine made),
//! at most so many characters. Every field of the on-screen keyboard goes through here.

use unicode_normalization::UnicodeNormalization;

/// The fields a citizen can type into, each with its limit in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// "What happened, in your words" (complaint): 300.
    ComplaintText,
    /// "My matter is not in the list": its name, 40.
    MatterName,
    /// A problem not among the types ("something else"): its name, 40.
    OtherProblem,
    /// The rating's comment: 200.
    RatingComment,
}

impl FieldKind {
    /// Most characters the field holds.
    pub fn max_chars(self) -> usize {
        match self {
            FieldKind::ComplaintText => 300,
            FieldKind::MatterName | FieldKind::OtherProblem => 40,
            FieldKind::RatingComment => 200,
        }
    }
}

/// `text` without control characters (line breaks, tabs, escapes, the C1 set) and in NFC.
pub fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).nfc().collect()
}

/// `current` with `addition` appended, cleaned, and cut to `max` characters; the second
/// value says whether anything was cut off (the keyboard then tells the citizen).
pub fn append(current: &str, addition: &str, max: usize) -> (String, bool) {
    let joined = clean(&format!("{current}{addition}"));
    let count = joined.chars().count();
    if count <= max { (joined, false) } else { (joined.chars().take(max).collect(), true) }
}

/// `text` without its last character.
pub fn delete_last(text: &str) -> String {
    let mut chars = text.chars();
    chars.next_back();
    chars.as_str().to_string()
}

/// Characters in `text`, as the counter shows them.
pub fn count(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_stripped() {
        assert_eq!(clean("跑了\n三趟\t\u{1b}[31m\u{85}"), "跑了三趟[31m");
    }

    #[test]
    fn text_is_stored_in_nfc() {
        // "é" typed as e + combining acute becomes the one precomposed character.
        assert_eq!(clean("cafe\u{301}"), "caf\u{e9}");
        assert_eq!(clean("caf\u{e9}"), "caf\u{e9}");
        let (text, _) = append("cafe", "\u{301}", 40);
        assert_eq!(text, "caf\u{e9}", "a combining mark joins the character before it");
    }

    #[test]
    fn the_limit_holds_and_says_when_it_cut() {
        assert_eq!(append("社保", "公积金", 5), ("社保公积金".to_string(), false));
        assert_eq!(append("社保", "公积金", 4), ("社保公积".to_string(), true));
        let full = "字".repeat(300);
        assert_eq!(append(&full, "多", FieldKind::ComplaintText.max_chars()).0, full);
        assert_eq!(FieldKind::MatterName.max_chars(), 40);
        assert_eq!(FieldKind::OtherProblem.max_chars(), 40);
        assert_eq!(FieldKind::RatingComment.max_chars(), 200);
    }

    #[test]
    fn delete_takes_one_character() {
        assert_eq!(delete_last("社保"), "社");
        assert_eq!(delete_last(""), "");
        assert_eq!(count("社保ab"), 4);
    }
}
