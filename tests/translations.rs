//! Every user-facing string goes through @tr() and has a Simplified Chinese translation;
//! the translation file holds nothing that the UI no longer uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// Reads a string literal at the start of `s` (after whitespace); returns it and the rest.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// msgid (and msgid_plural, if any) of every @tr() in the UI sources.
fn tr_strings() -> BTreeMap<String, (Option<String>, String)> {
    let mut files = Vec::new();
    slint_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"), &mut files);
    let mut found = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (offset, _) in text.match_indices("@tr(") {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            if text[line_start..offset].contains("//") {
                continue; // mentioned in a comment
            }
            let where_ = format!("{}:{}", file.display(), text[..offset].matches('\n').count() + 1);
            let (msgid, rest) = string_literal(&text[offset + 4..])
                .unwrap_or_else(|| panic!("{where_}: @tr( without a string"));
            assert!(!rest.trim_start().starts_with("=>"), "{where_}: no translation contexts, please");
            let plural =
                rest.trim_start().strip_prefix('|').map(|r| string_literal(r).expect("plural string").0);
            found.insert(msgid, (plural, where_));
        }
    }
    found
}

/// A .po entry: msgid -> (msgid_plural, translations).
fn po_entries(path: &Path) -> BTreeMap<String, (Option<String>, Vec<String>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut entries = BTreeMap::new();
    let (mut id, mut plural, mut strs): (Option<String>, Option<String>, Vec<String>) = (None, None, vec![]);
    let mut current: Option<&str> = None;
    let mut flush = |id: &mut Option<String>, plural: &mut Option<String>, strs: &mut Vec<String>| {
        if let Some(i) = id.take() {
            entries.insert(i, (plural.take(), std::mem::take(strs)));
        }
    };
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("msgid_plural ") {
            plural = Some(string_literal(rest).unwrap().0);
            current = Some("plural");
        } else if let Some(rest) = line.strip_prefix("msgid ") {
            flush(&mut id, &mut plural, &mut strs);
            id = Some(string_literal(rest).unwrap().0);
            current = Some("id");
        } else if line.starts_with("msgstr") {
            let rest = &line[line.find(' ').unwrap()..];
            strs.push(string_literal(rest).unwrap().0);
            current = Some("str");
        } else if line.starts_with('"') {
            let more = string_literal(line).unwrap().0;
            match current {
                Some("id") => id.as_mut().unwrap().push_str(&more),
                Some("plural") => plural.as_mut().unwrap().push_str(&more),
                Some("str") => strs.last_mut().unwrap().push_str(&more),
                _ => panic!("stray line {line}"),
            }
        }
    }
    flush(&mut id, &mut plural, &mut strs);
    entries.remove("");
    entries
}

#[test]
fn every_ui_string_has_a_chinese_translation_and_none_is_stale() {
    let po_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("lang/zh_CN/LC_MESSAGES/hall-kiosk.po");
    let po = po_entries(&po_path);
    let ui = tr_strings();
    assert!(ui.len() > 20, "found only {} @tr strings", ui.len());
    let mut problems = Vec::new();
    for (msgid, (plural, place)) in &ui {
        match po.get(msgid) {
            None => problems.push(format!("{place}: {msgid:?} has no zh_CN translation")),
            Some((po_plural, strs)) => {
                if po_plural != plural {
                    problems.push(format!("{place}: {msgid:?}: plural form differs from the .po"));
                }
                if strs.is_empty() || strs.iter().any(|s| s.trim().is_empty()) {
                    problems.push(format!("{place}: {msgid:?}: empty translation"));
                }
                for placeholder in ["{0}", "{1}", "{2}", "{3}", "{n}"] {
                    if msgid.contains(placeholder) && !strs.iter().all(|s| s.contains(placeholder)) {
                        problems.push(format!("{place}: {msgid:?}: translation drops {placeholder}"));
                    }
                }
            }
        }
    }
    for msgid in po.keys() {
        if !ui.contains_key(msgid) {
            problems.push(format!("{}: {msgid:?} is no longer used by the UI", po_path.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn user_facing_text_literals_go_through_tr() {
    // A `text:` bound to a bare string literal would not be translated. Language names
    // shown in their own language are the one deliberate exception.
    let mut files = Vec::new();
    slint_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"), &mut files);
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            for key in ["text:", "title:", "description:", "accessible-label:", "body:"] {
                if let Some(value) = t.strip_prefix(key)
                    && value.trim_start().starts_with('"')
                {
                    problems.push(format!("{}:{}: {t}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "untranslated literals:\n{}", problems.join("\n"));
}
