//! What may come next after a character written by hand, so 不 → 动产登记 takes one tap:
//! first the rest of any hall phrase the text so far begins (the hall's matters and
//! departments, [`crate::input::phrases`]), then common words that start with the last
//! character, from the pinyin engine's own dictionary (`pinyin_simp.dict.yaml`, by weight).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Words kept per first character from the dictionary.
const WORDS_PER_CHARACTER: usize = 8;
/// The longest tail of the text that is matched against the start of a hall phrase.
const LONGEST_TAIL: usize = 6;
/// The most of the dictionary file read (the Debian one is 1.3 MB).
const MAX_DICTIONARY_BYTES: u64 = 16 << 20;

/// The next-word index (built once, off the UI thread).
#[derive(Debug, Default)]
pub struct Associations {
    phrases: Vec<Vec<char>>,
    /// First character → the rest of its commonest words, commonest first.
    words: HashMap<char, Vec<String>>,
}

impl Associations {
    /// The hall's phrases and, when the file is there, the dictionary's words. A missing
    /// or unreadable dictionary leaves the hall phrases only (logged, not an error).
    pub fn build(phrases: &[String], dictionary: &Path) -> Associations {
        let words = match std::fs::File::open(dictionary) {
            Ok(f) => read_words(BufReader::new(f.take(MAX_DICTIONARY_BYTES))),
            Err(e) => {
                tracing::warn!(path = %dictionary.display(), error = %e, "no dictionary for next words; hall phrases only");
                HashMap::new()
            }
        };
        Associations { phrases: phrases.iter().map(|p| p.chars().collect()).collect(), words }
    }

    /// Up to `max` continuations of `before` (the field's text), best first, each once.
    pub fn next(&self, before: &str, max: usize) -> Vec<String> {
        let tail: Vec<char> =
            before.chars().rev().take(LONGEST_TAIL).collect::<Vec<_>>().into_iter().rev().collect();
        let mut out: Vec<String> = Vec::new();
        let push = |s: String, out: &mut Vec<String>| {
            if !s.is_empty() && out.len() < max && !out.contains(&s) {
                out.push(s);
            }
        };
        // Longest matches first: "不动" continues 不动产登记 with 产登记 before anything for 动.
        for start in 0..tail.len() {
            let end = &tail[start..];
            for phrase in &self.phrases {
                if phrase.len() > end.len() && phrase.starts_with(end) {
                    push(phrase[end.len()..].iter().collect(), &mut out);
                }
            }
        }
        if let Some(last) = tail.last() {
            for word in self.words.get(last).into_iter().flatten() {
                push(word.clone(), &mut out);
            }
        }
        out
    }
}

/// The dictionary's `text<TAB>pinyin<TAB>weight` lines after the `...` header end, as
/// first character → commonest continuations. Odd lines are skipped.
fn read_words(reader: impl BufRead) -> HashMap<char, Vec<String>> {
    let mut weighted: HashMap<char, Vec<(u64, String)>> = HashMap::new();
    let mut in_body = false;
    for line in reader.lines().map_while(Result::ok) {
        if !in_body {
            in_body = line.trim_end() == "...";
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(text), Some(_pinyin), weight) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let weight = weight.and_then(|w| w.trim().parse::<u64>().ok()).unwrap_or(0);
        let mut chars = text.chars();
        let Some(first) = chars.next() else { continue };
        let rest: String = chars.collect();
        let len = rest.chars().count();
        if !(1..=5).contains(&len) || !crate::input::phrases::fits_dictionary(text) {
            continue;
        }
        let list = weighted.entry(first).or_default();
        if !list.iter().any(|(_, r)| *r == rest) {
            list.push((weight, rest));
        }
    }
    weighted
        .into_iter()
        .map(|(first, mut list)| {
            list.sort_by_key(|w| std::cmp::Reverse(w.0));
            list.truncate(WORDS_PER_CHARACTER);
            (first, list.into_iter().map(|(_, w)| w).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DICTIONARY: &str = "# a test dictionary\n---\nname: t\n...\n\n不\tbu\t590\n不必\tbu bi\t4442\n不变\tbu bian\t2148\n不便\tbu bian\t1408\nbad line\n不动\tbu dong\t3000\n动产\tdong chan\t90\n";

    fn index() -> Associations {
        Associations {
            phrases: ["不动产登记", "办不成事"].iter().map(|p| p.chars().collect()).collect(),
            words: read_words(DICTIONARY.as_bytes()),
        }
    }

    #[test]
    fn a_hall_phrase_comes_before_the_dictionary_words() {
        let a = index();
        assert_eq!(a.next("不", 5), ["动产登记", "必", "动", "变", "便"]);
        assert_eq!(a.next("我要办理不动", 3), ["产登记", "产"], "the longest phrase match first");
        assert_eq!(a.next("办不", 9), ["成事", "动产登记", "必", "动", "变", "便"]);
        assert!(a.next("", 5).is_empty());
        assert!(a.next("记", 5).is_empty(), "a phrase's end continues nothing");
    }

    #[test]
    fn a_missing_dictionary_leaves_the_hall_phrases() {
        let a = Associations::build(&["不动产登记".to_string()], Path::new("/nonexistent/dict.yaml"));
        assert_eq!(a.next("不", 5), ["动产登记"]);
    }
}
