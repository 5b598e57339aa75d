//! The layers of `src/` depend one way: ops → screens → delivery, input → hall, config below all,
//! and Slint only in `screens/` (and `main.rs`, which picks the backend). This reads every
//! source file and fails on an import that points the wrong way.

use std::path::{Path, PathBuf};

/// What a layer may not name, and why.
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "config",
        &["crate::hall", "crate::delivery", "crate::screens", "crate::ops", "slint"],
        "config is below all",
    ),
    (
        "hall",
        &["crate::delivery", "crate::screens", "crate::ops", "slint", "rodio", "rusqlite", "reqwest"],
        "hall holds pure rules",
    ),
    (
        "input",
        &["crate::delivery", "crate::screens", "crate::ops", "slint", "rodio", "rusqlite", "reqwest"],
        "text-entry engines know nothing of screens, outbox or network",
    ),
    ("delivery", &["crate::screens", "crate::ops", "slint", "rodio"], "delivery never touches the UI"),
    ("screens", &["crate::ops"], "screens do not use operator commands"),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code lines that name `what` as a path (`what::…`, `use what`, `what::{…}`), comments left out.
fn offending_lines(source: &str, what: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            code.match_indices(what).any(|(i, _)| {
                let before = code[..i].chars().next_back();
                let after = &code[i + what.len()..];
                let starts_word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
                starts_word && (after.starts_with("::") || after.starts_with(';') || after.starts_with(" as"))
            })
        })
        .map(|(n, line)| (n + 1, line.trim().to_string()))
        .collect()
}

#[test]
fn layers_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (layer, forbidden, why) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer}/ has no Rust files: was the layer renamed?");
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for what in *forbidden {
                for (n, line) in offending_lines(&source, what) {
                    problems.push(format!("{}:{n}: {what} in {layer}/ ({why}): {line}", file.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "imports against the layers:\n{}", problems.join("\n"));
}

#[test]
fn slint_only_in_screens_and_main() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("screens")) && !f.ends_with("main.rs"))
        .flat_map(|f| {
            let source = std::fs::read_to_string(f).unwrap();
            offending_lines(&source, "slint")
                .into_iter()
                .map(move |(n, l)| format!("{}:{n}: {l}", f.display()))
        })
        .collect();
    assert!(outside.is_empty(), "Slint used outside src/screens/:\n{}", outside.join("\n"));
}

#[test]
fn the_check_sees_what_it_looks_for() {
    // The scanner itself: a real import is found, a comment or a longer name is not.
    assert_eq!(offending_lines("use slint::Image;\n", "slint").len(), 1);
    assert_eq!(offending_lines("    let x = crate::screens::ui::Shell;\n", "crate::screens").len(), 1);
    assert!(offending_lines("// slint::Image in a comment\n", "slint").is_empty());
    assert!(offending_lines("use i_slint_core::x;\nlet slint_thing = 1;\n", "slint").is_empty());
}
