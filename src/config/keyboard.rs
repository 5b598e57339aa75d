//! `[keyboard]`: the on-screen keyboard's hall phrases. Kept apart from the other sections
//! so the rule for a phrase lives in one place, used by validation and by the pinyin
//! engine's dictionary (`input::phrases`).

use serde::Deserialize;

use super::FieldPath;

/// Longest phrase, in characters.
pub const MAX_PHRASE_CHARS: usize = 20;
/// Most phrases a hall may list (the engine's deploy time grows with the list).
pub const MAX_PHRASES: usize = 2000;

/// `[keyboard]`: what the on-screen keyboard offers besides the dictionary.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyboardSection {
    /// The hall's own words (办不成事, 材料不齐, …), offered as pinyin candidates: 2 to 20
    /// Han characters each. The Chinese names of departments and matters are added anyway.
    #[serde(default)]
    pub phrases: Vec<String>,
}

/// Whether `c` is a Han character (CJK Unified Ideographs, extensions A–F, compatibility).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2EBEF | 0xF900..=0xFAFF)
}

/// Whether a phrase can be a dictionary word: 2 to [`MAX_PHRASE_CHARS`] Han characters
/// (the engine spells it from its characters' readings; anything else could not be typed
/// in pinyin, and a tab or line break would break the dictionary file).
pub fn fits_dictionary(phrase: &str) -> bool {
    let n = phrase.chars().count();
    (2..=MAX_PHRASE_CHARS).contains(&n) && phrase.chars().all(is_han)
}

/// The problems of `[keyboard]`, each with its field.
pub fn check(section: &KeyboardSection) -> Vec<(FieldPath, String)> {
    let path = FieldPath::key("keyboard").field("phrases");
    let mut problems = Vec::new();
    if section.phrases.len() > MAX_PHRASES {
        problems.push((path.clone(), format!("{} phrases; at most {MAX_PHRASES}", section.phrases.len())));
    }
    for (i, phrase) in section.phrases.iter().enumerate() {
        if !fits_dictionary(phrase) {
            problems.push((
                path.at(i),
                format!("{phrase:?} must be 2 to {MAX_PHRASE_CHARS} Chinese (Han) characters, nothing else"),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_han_phrases_of_two_to_twenty_characters_fit() {
        assert!(fits_dictionary("办不成事"));
        assert!(fits_dictionary("社保"));
        assert!(!fits_dictionary("社"), "a single character is already in the dictionary");
        assert!(!fits_dictionary("ID卡"));
        assert!(!fits_dictionary("办\t不成事"));
        assert!(!fits_dictionary("办不成事\n材料不齐"));
        assert!(!fits_dictionary(&"办".repeat(21)));
    }

    #[test]
    fn a_bad_phrase_is_named_with_its_place() {
        let section = KeyboardSection { phrases: vec!["办不成事".into(), "no".into()] };
        let problems = check(&section);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].1.contains("\"no\""), "{problems:?}");
    }
}
