//! `[display] rotation`: quarter turns only, absent means upright, and a wrong value is
//! refused with the file, the line and the field named.

use std::path::Path;

use hall_kiosk::config::{self, ConfigError, Rotation};

fn example_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml")).unwrap()
}

fn rotation_of(text: &str) -> Result<Rotation, Vec<String>> {
    match config::parse(Path::new("kiosk.toml"), text) {
        Ok(loaded) => Ok(loaded.config.display.rotation),
        Err(ConfigError::Invalid(list)) => Err(list.iter().map(ToString::to_string).collect()),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn the_sample_names_the_rotation_and_each_quarter_turn_parses() {
    let text = example_text();
    assert!(text.contains("\nrotation = 0\n"), "the sample documents [display] rotation");
    assert_eq!(rotation_of(&text), Ok(Rotation::Deg0));
    for (degrees, expected) in [(90, Rotation::Deg90), (180, Rotation::Deg180), (270, Rotation::Deg270)] {
        let turned = text.replace("\nrotation = 0\n", &format!("\nrotation = {degrees}\n"));
        assert_eq!(rotation_of(&turned), Ok(expected));
        assert_eq!(expected.degrees(), degrees);
    }
}

#[test]
fn no_display_section_means_upright() {
    let text = example_text()
        .replace("[display]\n", "")
        .replace("\nbottom_mm = 850\n", "\n")
        .replace("\nheight_mm = 950\n", "\n")
        .replace("\nrotation = 0\n", "\n");
    assert_eq!(rotation_of(&text), Ok(Rotation::Deg0));
}

#[test]
fn other_angles_are_refused_with_line_and_field() {
    let text = example_text();
    let line = text[..text.find("\nrotation = 0\n").unwrap()].matches('\n').count() + 2;
    for bad in ["45", "-90", "360", "\"90\""] {
        let problems =
            rotation_of(&text.replace("\nrotation = 0\n", &format!("\nrotation = {bad}\n"))).unwrap_err();
        let prefix = format!("kiosk.toml:{line}: display.rotation: ");
        assert!(problems.iter().any(|p| p.starts_with(&prefix)), "{bad}: {problems:#?}");
    }
    let problems = rotation_of(&text.replace("\nrotation = 0\n", "\nrotation = 45\n")).unwrap_err();
    assert!(problems[0].contains("use 0, 90, 180 or 270"), "{problems:#?}");
}
