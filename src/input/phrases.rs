//! The hall's own words for the pinyin engine: librime's `pinyin_simp` knows 社保 and
//! 公积金 but not 办不成事 or 材料不齐. A hall lists its phrases in `[keyboard] phrases`;
//! the Chinese names of its departments and matters are added too, so a hall that adds a
//! matter to its catalogue can also type its name.

use crate::config::Config;
pub use crate::config::keyboard::fits_dictionary;

/// Every hall phrase, each once, in the order: `[keyboard] phrases`, department names,
/// matter names (their Chinese). Names that are not all Han characters are left out.
pub fn hall_phrases(config: &Config) -> Vec<String> {
    let listed = config.keyboard.phrases.iter().map(String::as_str);
    let departments = config.departments.iter().map(|d| d.name.zh.as_str());
    let matters = config.matters.iter().map(|m| m.name.zh.as_str());
    let mut out: Vec<String> = Vec::new();
    for phrase in listed.chain(departments).chain(matters) {
        if fits_dictionary(phrase) && !out.iter().any(|p| p == phrase) {
            out.push(phrase.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hall_phrases_come_from_the_list_and_the_catalogue_once_each() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
        let mut config = crate::config::load(&path).unwrap().config;
        let listed = config.keyboard.phrases.clone();
        assert!(listed.iter().any(|p| p == "办不成事"), "the sample lists the hall's own words");
        config.keyboard.phrases.push(config.matters[0].name.zh.clone());
        let phrases = hall_phrases(&config);
        assert_eq!(&phrases[..listed.len()], &listed[..]);
        assert!(phrases.contains(&config.departments[0].name.zh));
        let matter = &config.matters[0].name.zh;
        assert_eq!(phrases.iter().filter(|p| *p == matter).count(), 1, "each phrase once");
    }
}
