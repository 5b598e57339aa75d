//! `hall-kiosk ime`: what the on-screen keyboard's engines would offer, without a screen.
//! `--candidates PINYIN [--page N]` prints one page of pinyin candidates, one per line,
//! exactly as the keyboard's candidate bar shows them (the hall's phrases included).
//! `--strokes FILE.json` prints the handwriting pad's candidates for strokes in a file
//! (`{"width": W, "height": H, "strokes": [[[x, y], …], …]}`), best first.

use std::path::Path;

use super::OperatorError;
use crate::config;
use crate::input::handwriting::{self, HandwritingEngine, HandwritingSettings, Ink};
use crate::input::pinyin::{PinyinEngine, PinyinError, PinyinSettings};
use crate::screens::keyboard::PAGE_SIZE;

/// `hall-kiosk ime ...`: one engine question per run.
#[derive(Debug, Clone, clap::Args)]
pub struct ImeArgs {
    /// Letters as typed on the pinyin layout (a–z, `'` between syllables).
    #[arg(long, value_name = "PINYIN", conflicts_with = "strokes")]
    pub candidates: Option<String>,
    /// A stroke file (JSON) to recognise as the handwriting pad would.
    #[arg(long, value_name = "FILE.json")]
    pub strokes: Option<std::path::PathBuf>,
    /// Which page of candidates, from 0 (the keyboard shows one page at a time).
    #[arg(long, default_value_t = 0, requires = "candidates")]
    pub page: usize,
}

/// Runs `ime`: prints the candidates, one per line.
pub fn ime(config_path: &Path, args: &ImeArgs) -> Result<(), OperatorError> {
    if let Some(file) = &args.strokes {
        return strokes(config_path, file);
    }
    let Some(pinyin) = &args.candidates else {
        return Err(OperatorError::Usage(
            "say what to look up: --candidates PINYIN or --strokes FILE.json".into(),
        ));
    };
    if pinyin.is_empty() || !pinyin.chars().all(|c| c.is_ascii_lowercase() || c == '\'') {
        return Err(OperatorError::Usage(format!(
            "{pinyin:?}: pinyin is lower-case letters a-z (and ' between syllables)"
        )));
    }
    let config = config::load(config_path)?;
    // A private copy of the engine's data: an operator's run (as root) must not leave files
    // in the kiosk's data directory that the kiosk's own user cannot rewrite.
    let scratch = std::env::temp_dir().join(format!("hall-kiosk-ime-{}", std::process::id()));
    let settings = PinyinSettings { user_dir: scratch.clone(), ..PinyinSettings::from_config(&config) };
    let answer = PinyinEngine::start(settings).candidates(pinyin, args.page, PAGE_SIZE);
    let _ = std::fs::remove_dir_all(&scratch);
    let composition = answer.map_err(|e: PinyinError| OperatorError::Usage(e.to_string()))?;
    for candidate in &composition.candidates {
        say!("{candidate}");
    }
    Ok(())
}

/// `ime --strokes FILE.json`: the pad's candidates for the file's ink, one per line.
fn strokes(config_path: &Path, file: &Path) -> Result<(), OperatorError> {
    use std::io::Read;
    let usage = |why: String| OperatorError::Usage(format!("{}: {why}", file.display()));
    let mut json = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(handwriting::ink::MAX_FILE_BYTES + 1).read_to_string(&mut json))
        .map_err(|e| usage(e.to_string()))?;
    if json.len() as u64 > handwriting::ink::MAX_FILE_BYTES {
        return Err(usage(format!("larger than {} bytes", handwriting::ink::MAX_FILE_BYTES)));
    }
    let ink = Ink::from_json(&json).map_err(|e| usage(e.to_string()))?;
    let config = config::load(config_path)?;
    let engine = HandwritingEngine::start(HandwritingSettings::from_config(&config));
    let candidates = engine.recognize_now(ink).map_err(|e| OperatorError::Usage(e.to_string()))?;
    for candidate in candidates.iter().take(crate::screens::keyboard::PAGE_SIZE * 2) {
        say!("{candidate}");
    }
    Ok(())
}
