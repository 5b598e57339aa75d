//! What librime deploys for the kiosk: our own schema (`hall_pinyin`), the `pinyin_simp`
//! spelling rules without anything that needs other data packages, the user dictionary
//! off, and a dictionary that imports `pinyin_simp` and adds the hall's phrases. The files
//! are rewritten only when their text changes, so a restart does not rebuild the tables.

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The schema (and dictionary) id the kiosk deploys and selects.
pub const SCHEMA_ID: &str = "hall_pinyin";

/// Weight of a hall phrase: above ordinary words of the same spelling (`pinyin_simp`'s
/// weights for common words are in the tens of thousands), so 办不成事 comes first for bbcs.
const PHRASE_WEIGHT: u32 = 100_000;

/// The schema. `enable_user_dict: false`: nothing a citizen picks changes what the next
/// one is offered, and no user database is written.
const SCHEMA: &str = "\
# Written by hall-kiosk at start; edits are overwritten.
schema:
  schema_id: hall_pinyin
  name: hall-kiosk pinyin
  version: \"1\"
engine:
  processors: [speller, selector, navigator, express_editor]
  segmentors: [abc_segmentor, fallback_segmentor]
  translators: [script_translator]
speller:
  alphabet: zyxwvutsrqponmlkjihgfedcba
  delimiter: \" '\"
  # pinyin_simp's spelling rules: abbreviations (gjj) and the common alternative spellings.
  algebra:
    - erase/^hm$/
    - erase/^m$/
    - erase/^n$/
    - erase/^ng$/
    - abbrev/^([a-z]).+$/$1/
    - abbrev/^([zcs]h).+$/$1/
    - derive/^([nl])ue$/$1ve/
    - derive/^([jqxy])u/$1v/
    - derive/un$/uen/
    - derive/ui$/uei/
    - derive/iu$/iou/
    - derive/([aeiou])ng$/$1gn/
    - derive/([dtngkhrzcs])o(u|ng)$/$1o/
    - derive/ong$/on/
    - derive/ao$/oa/
    - derive/([iu])a(o|ng?)$/a$1$2/
translator:
  dictionary: hall_pinyin
  enable_user_dict: false
  preedit_format:
    - xform/([nl])v/$1ü/
    - xform/([nl])ue/$1üe/
    - xform/([jqxy])v/$1u/
";

/// The dictionary file's text: `pinyin_simp` plus one line per phrase. A phrase's
/// spelling is left empty: rime spells it from its characters' readings at deploy.
pub fn dictionary(phrases: &[String]) -> String {
    let mut out = String::from(
        "# Written by hall-kiosk at start from the hall's config; edits are overwritten.\n\
         ---\nname: hall_pinyin\nversion: \"1\"\nsort: by_weight\nimport_tables:\n  - pinyin_simp\n...\n\n",
    );
    for phrase in phrases.iter().filter(|p| crate::input::phrases::fits_dictionary(p)) {
        out.push_str(&format!("{phrase}\t\t{PHRASE_WEIGHT}\n"));
    }
    out
}

/// Writes the schema and the dictionary into `dir` (mode 0700), each only if changed;
/// returns the schema's path, for `deploy_schema`.
pub fn write_user_data(dir: &Path, phrases: &[String]) -> io::Result<PathBuf> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let schema = dir.join(format!("{SCHEMA_ID}.schema.yaml"));
    write_if_changed(&schema, SCHEMA)?;
    write_if_changed(&dir.join(format!("{SCHEMA_ID}.dict.yaml")), &dictionary(phrases))?;
    Ok(schema)
}

fn write_if_changed(path: &Path, text: &str) -> io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_holds_each_fitting_phrase_once_per_line() {
        let text = dictionary(&["办不成事".into(), "bad\nline".into(), "材料不齐".into()]);
        assert!(text.contains("import_tables:\n  - pinyin_simp"));
        assert!(text.contains("\n办不成事\t\t100000\n"));
        assert!(text.contains("\n材料不齐\t\t100000\n"));
        assert!(!text.contains("bad"), "a phrase that is not Han characters never reaches the file");
    }

    #[test]
    fn the_schema_turns_the_user_dictionary_off() {
        assert!(SCHEMA.contains("enable_user_dict: false"));
        assert!(SCHEMA.contains("dictionary: hall_pinyin"));
    }

    #[test]
    fn files_are_rewritten_only_when_they_change() {
        let dir = tempfile::tempdir().unwrap();
        let schema = write_user_data(dir.path(), &["办不成事".into()]).unwrap();
        // Mark the file as old: an unchanged rewrite keeps the mark, a changed one does not.
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        std::fs::File::options().write(true).open(&schema).unwrap().set_modified(old).unwrap();
        write_user_data(dir.path(), &["办不成事".into()]).unwrap();
        assert_eq!(std::fs::metadata(&schema).unwrap().modified().unwrap(), old);
        let dict = dir.path().join("hall_pinyin.dict.yaml");
        std::fs::File::options().write(true).open(&dict).unwrap().set_modified(old).unwrap();
        write_user_data(dir.path(), &["材料不齐".into()]).unwrap();
        assert_ne!(std::fs::metadata(&dict).unwrap().modified().unwrap(), old);
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
