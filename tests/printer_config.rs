//! `[printer]` in the hall config: the commented sample is valid once uncommented, the
//! kiosk has no printer without it, and each mistake names its line and field.

use std::path::Path;

use hall_kiosk::config::{self, ConfigError, SlipEncoding};
use hall_kiosk::screens::slip::Printer;

fn example_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml")).unwrap()
}

/// The example with its `[printer]` section uncommented (each line loses one "# ").
fn with_printer() -> String {
    let text = example_text();
    let start = text.find("# [printer]\n").expect("the example has a commented [printer] section");
    let end = start + text[start..].find("\n\n").unwrap();
    let section: String = text[start..end].lines().map(|l| format!("{}\n", &l[2..])).collect();
    format!("{}{}{}", &text[..start], section, &text[end + 1..])
}

fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in text"));
    text[..offset].matches('\n').count() + 1
}

fn problems(text: &str) -> Vec<String> {
    match config::parse(Path::new("kiosk.toml"), text) {
        Ok(_) => vec![],
        Err(ConfigError::Invalid(list)) => list.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected {e}"),
    }
}

fn assert_problem(text: &str, line: usize, field: &str, words: &str) {
    let list = problems(text);
    let prefix = format!("kiosk.toml:{line}: {field}: ");
    assert!(
        list.iter().any(|p| p.starts_with(&prefix) && p.contains(words)),
        "expected `{prefix}…{words}…` in {list:#?}"
    );
}

#[test]
fn example_has_no_printer_and_its_commented_printer_is_valid() {
    let shipped = config::parse(Path::new("example.toml"), &example_text()).unwrap();
    assert!(shipped.config.printer.is_none() && Printer::from_config(&shipped).is_none());

    let loaded = config::parse(Path::new("example.toml"), &with_printer()).expect("valid");
    let printer = loaded.config.printer.as_ref().expect("[printer] read");
    assert_eq!(printer.device.as_deref(), Some(Path::new("/dev/usb/lp0")));
    assert_eq!((printer.paper_mm, printer.encoding, printer.timeout_secs), (58, SlipEncoding::Gb18030, 10));
    assert!(printer.read_status);
    assert!(Printer::from_config(&loaded).is_some());
}

#[test]
fn defaults_fill_in_everything_but_the_printer_and_phone() {
    let text = with_printer()
        .replace("paper_mm = 58\n", "")
        .replace("encoding = \"gb18030\"\n", "")
        .replace("timeout_secs = 10\n", "");
    let loaded = config::parse(Path::new("kiosk.toml"), &text).expect("valid");
    let printer = loaded.config.printer.unwrap();
    assert_eq!((printer.paper_mm, printer.encoding, printer.timeout_secs), (58, SlipEncoding::Gb18030, 10));
}

#[test]
fn device_and_address_together_are_refused() {
    let text = with_printer().replace("# address = \"192.168.1.50:9100\"", "address = \"192.168.1.50:9100\"");
    assert_problem(&text, line_of(&text, "address = \"192"), "printer.address", "not both");
}

#[test]
fn a_printer_with_nowhere_to_print_is_refused() {
    let text = with_printer().replace("device = \"/dev/usb/lp0\"\n", "");
    assert_problem(&text, line_of(&text, "[printer]"), "printer", "name the printer");
}

#[test]
fn address_needs_a_port() {
    for bad in ["192.168.1.50", "192.168.1.50:0", "tcp://printer:9100", ":9100", "::1:9100"] {
        let text = with_printer()
            .replace("device = \"/dev/usb/lp0\"", &format!("address = {bad:?}"))
            .replace("# address = ", "# was: ");
        assert_problem(&text, line_of(&text, "address = "), "printer.address", "host:port");
    }
    for good in ["printer.hall.local:9100", "[::1]:9100", "10.0.0.7:9100"] {
        let text = with_printer().replace("device = \"/dev/usb/lp0\"", &format!("address = {good:?}"));
        assert_eq!(problems(&text), Vec::<String>::new(), "{good}");
    }
}

#[test]
fn paper_width_is_58_or_80() {
    let text = with_printer().replace("paper_mm = 58", "paper_mm = 57");
    assert_problem(&text, line_of(&text, "paper_mm = 57"), "printer.paper_mm", "58 or 80");
    let text = with_printer().replace("paper_mm = 58", "paper_mm = 80");
    assert!(problems(&text).is_empty());
}

#[test]
fn unknown_encoding_names_the_choices() {
    let text = with_printer().replace("encoding = \"gb18030\"", "encoding = \"utf-8\"");
    assert_problem(&text, line_of(&text, "encoding = \"utf-8\""), "printer.encoding", "gb18030");
}

#[test]
fn timeout_is_bounded() {
    for bad in ["0", "61"] {
        let text = with_printer().replace("timeout_secs = 10", &format!("timeout_secs = {bad}"));
        let needle = format!("timeout_secs = {bad}");
        assert_problem(&text, line_of(&text, &needle), "printer.timeout_secs", "between 1 and 60");
    }
}

#[test]
fn hall_phone_must_be_a_phone_number() {
    let text = with_printer().replace("hall_phone = \"0755-2666 1234\"", "hall_phone = \"call us\"");
    assert_problem(&text, line_of(&text, "hall_phone = "), "printer.hall_phone", "not a phone number");
    let text =
        with_printer().replace("hall_phone = \"0755-2666 1234\"", "hall_phone = \"+86 (755) 2666-1234\"");
    assert!(problems(&text).is_empty());
    let text = with_printer().replace("hall_phone = \"0755-2666 1234\"\n", "");
    let list = problems(&text);
    assert!(list.iter().any(|p| p.contains("hall_phone")), "{list:#?}");
}
