//! Zinnia's C API (`zinnia.h`, Zinnia 0.06) for the eleven functions we call, spelled by
//! hand as for librime (decision 0016): every handle is opaque, so only the functions'
//! signatures matter, and `signatures_match_zinnia_h` checks them against the installed
//! header with the system C compiler.

use std::ffi::{CStr, CString, c_char, c_float, c_int};
use std::path::Path;

use super::ink::{ENGINE_BOX, Ink};

#[repr(C)]
struct ZinniaCharacter {
    _opaque: [u8; 0],
}
#[repr(C)]
struct ZinniaRecognizer {
    _opaque: [u8; 0],
}
#[repr(C)]
struct ZinniaResult {
    _opaque: [u8; 0],
}

#[link(name = "zinnia")]
unsafe extern "C" {
    fn zinnia_character_new() -> *mut ZinniaCharacter;
    fn zinnia_character_destroy(c: *mut ZinniaCharacter);
    fn zinnia_character_set_width(c: *mut ZinniaCharacter, width: usize);
    fn zinnia_character_set_height(c: *mut ZinniaCharacter, height: usize);
    fn zinnia_character_add(c: *mut ZinniaCharacter, id: usize, x: c_int, y: c_int) -> c_int;
    fn zinnia_recognizer_new() -> *mut ZinniaRecognizer;
    fn zinnia_recognizer_destroy(r: *mut ZinniaRecognizer);
    fn zinnia_recognizer_open(r: *mut ZinniaRecognizer, filename: *const c_char) -> c_int;
    fn zinnia_recognizer_strerror(r: *mut ZinniaRecognizer) -> *const c_char;
    fn zinnia_recognizer_classify(
        r: *mut ZinniaRecognizer,
        c: *const ZinniaCharacter,
        nbest: usize,
    ) -> *mut ZinniaResult;
    fn zinnia_result_value(result: *mut ZinniaResult, i: usize) -> *const c_char;
    fn zinnia_result_score(result: *mut ZinniaResult, i: usize) -> c_float;
    fn zinnia_result_size(result: *mut ZinniaResult) -> usize;
    fn zinnia_result_destroy(result: *mut ZinniaResult);
}

/// The most candidates asked of the engine per recognition.
pub const MAX_NBEST: usize = 50;

/// A Zinnia recognizer with a model open (the model file is memory-mapped: its pages
/// count towards the kiosk's memory only while it is open, so it is closed when the
/// citizen's session ends).
pub struct Recognizer {
    raw: *mut ZinniaRecognizer,
}

// SAFETY: a recognizer is used by one thread at a time (it is moved to the handwriting
// thread and stays there); Zinnia keeps no thread-local state.
unsafe impl Send for Recognizer {}

impl Recognizer {
    /// Opens a model (Tegaki's `handwriting-zh_CN.model`).
    pub fn open(model: &Path) -> Result<Recognizer, String> {
        if !model.is_file() {
            return Err(format!(
                "{} is missing (Debian package tegaki-zinnia-simplified-chinese)",
                model.display()
            ));
        }
        let path = CString::new(model.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("{}: the path holds a NUL byte", model.display()))?;
        // SAFETY: zinnia_recognizer_new returns a new recognizer or null.
        let raw = unsafe { zinnia_recognizer_new() };
        if raw.is_null() {
            return Err("zinnia_recognizer_new failed".into());
        }
        let recognizer = Recognizer { raw };
        // SAFETY: raw is a live recognizer; the path is NUL-terminated and outlives the call.
        if unsafe { zinnia_recognizer_open(raw, path.as_ptr()) } == 0 {
            // SAFETY: strerror returns a string owned by the recognizer, copied at once.
            let why = text(unsafe { zinnia_recognizer_strerror(raw) }).unwrap_or_default();
            return Err(format!("cannot open {}: {why}", model.display()));
        }
        Ok(recognizer)
    }

    /// The `nbest` likeliest characters for the ink, best first.
    pub fn classify(&self, ink: &Ink, nbest: usize) -> Vec<String> {
        if ink.is_empty() {
            return Vec::new();
        }
        // SAFETY: returns a new character or null.
        let character = unsafe { zinnia_character_new() };
        if character.is_null() {
            return Vec::new();
        }
        let side = ENGINE_BOX as usize;
        // SAFETY: character is live until destroyed below; ids and points are in range.
        unsafe {
            zinnia_character_set_width(character, side);
            zinnia_character_set_height(character, side);
            for (id, stroke) in ink.scaled_to_engine().iter().enumerate() {
                for &(x, y) in stroke {
                    zinnia_character_add(character, id, x, y);
                }
            }
        }
        // SAFETY: both handles are live; the result is ours to destroy.
        let result = unsafe { zinnia_recognizer_classify(self.raw, character, nbest.clamp(1, MAX_NBEST)) };
        // SAFETY: character is not used after this.
        unsafe { zinnia_character_destroy(character) };
        if result.is_null() {
            return Vec::new();
        }
        let mut out = Vec::new();
        // SAFETY: result is live until destroyed; i < size; values are copied at once.
        unsafe {
            let size = zinnia_result_size(result).min(MAX_NBEST);
            for i in 0..size {
                let _score = zinnia_result_score(result, i);
                if let Some(v) = text(zinnia_result_value(result, i)).filter(|v| !v.is_empty()) {
                    out.push(v);
                }
            }
            zinnia_result_destroy(result);
        }
        out
    }
}

impl Drop for Recognizer {
    fn drop(&mut self) {
        // SAFETY: raw is live and not used after this (destroy also closes the model).
        unsafe { zinnia_recognizer_destroy(self.raw) };
    }
}

/// A C string from Zinnia as Rust text (invalid UTF-8 replaced).
fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: Zinnia returns NUL-terminated strings that live until the next call on
    // the same handle; we copy at once.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    /// Our declarations, as C prototypes: compiled against `zinnia.h` they are only
    /// accepted if every type agrees with the header's (a mismatch is a conflicting
    /// declaration, an error).
    const PROTOTYPES: &str = "
zinnia_character_t *zinnia_character_new();
void zinnia_character_destroy(zinnia_character_t *c);
void zinnia_character_set_width(zinnia_character_t *c, size_t width);
void zinnia_character_set_height(zinnia_character_t *c, size_t height);
int zinnia_character_add(zinnia_character_t *c, size_t id, int x, int y);
zinnia_recognizer_t *zinnia_recognizer_new();
void zinnia_recognizer_destroy(zinnia_recognizer_t *r);
int zinnia_recognizer_open(zinnia_recognizer_t *r, const char *filename);
const char *zinnia_recognizer_strerror(zinnia_recognizer_t *r);
zinnia_result_t *zinnia_recognizer_classify(zinnia_recognizer_t *r, const zinnia_character_t *c, size_t nbest);
const char *zinnia_result_value(zinnia_result_t *result, size_t i);
float zinnia_result_score(zinnia_result_t *result, size_t i);
size_t zinnia_result_size(zinnia_result_t *result);
void zinnia_result_destroy(zinnia_result_t *result);
";

    fn compiles(prototypes: &str) -> bool {
        let dir = std::env::temp_dir().join(format!(
            "hall-kiosk-zinnia-{}-{}",
            std::process::id(),
            prototypes.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let source = dir.join("check.c");
        std::fs::write(&source, format!("#include <stddef.h>\n#include <zinnia.h>\n{prototypes}")).unwrap();
        let status = std::process::Command::new("cc")
            .args(["-x", "c", "-fsyntax-only", "-Werror"])
            .arg(&source)
            .status()
            .expect(
                "a C compiler (cc) to check the declarations against zinnia.h: run scripts/setup-debian.sh",
            );
        let _ = std::fs::remove_dir_all(&dir);
        status.success()
    }

    #[test]
    fn signatures_match_zinnia_h() {
        assert!(
            compiles(PROTOTYPES),
            "a hand-written Zinnia declaration disagrees with zinnia.h (is libzinnia-dev installed?)"
        );
        // The check can fail: one wrong parameter type is refused.
        let wrong = PROTOTYPES.replace("size_t nbest", "int nbest");
        assert!(!compiles(&wrong), "a conflicting declaration must not compile");
    }
}
