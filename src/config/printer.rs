//! `[printer]`: the optional receipt printer that prints a ticket on paper
//! (`screens::slip`). Absent: the kiosk has no print button and starts as before.

use std::path::PathBuf;

use serde::Deserialize;

use super::FieldPath;

/// `[printer]`: an ESC/POS thermal receipt printer, on USB or on the network.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterSection {
    /// USB printer-class device (`/dev/usb/lp0`); exactly one of `device` and `address`.
    #[serde(default)]
    pub device: Option<PathBuf>,
    /// Raw TCP printer port (`192.168.1.50:9100`); exactly one of `device` and `address`.
    #[serde(default)]
    pub address: Option<String>,
    /// Paper width in millimetres: 58 (384 dots a line) or 80 (576 dots).
    #[serde(default = "default_paper_mm")]
    pub paper_mm: u32,
    /// How Chinese text is encoded for the printer's built-in font.
    #[serde(default)]
    pub encoding: SlipEncoding,
    /// Seconds a print may take, status questions included, before it counts as failed.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u32,
    /// Ask the printer for paper and online status (`DLE EOT`); off for printers that
    /// never answer, which are then printed to blind.
    #[serde(default = "default_true")]
    pub read_status: bool,
    /// The hall's public phone number, printed on the slip for questions.
    pub hall_phone: String,
}

/// Text encodings the slip can be printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlipEncoding {
    /// GB18030: what printers sold for the Chinese market expect; covers every character.
    #[default]
    Gb18030,
    /// GBK: older printers whose font has no four-byte GB18030 characters.
    Gbk,
}

fn default_paper_mm() -> u32 {
    58
}

fn default_timeout() -> u32 {
    10
}

fn default_true() -> bool {
    true
}

/// Checks `[printer]`, when present: one place to print to, a paper width the layout
/// knows, a sane timeout, a phone number a citizen can dial.
pub fn check(printer: Option<&PrinterSection>) -> Vec<(FieldPath, String)> {
    let Some(pr) = printer else { return Vec::new() };
    let base = FieldPath::key("printer");
    let mut p = Vec::new();
    match (&pr.device, &pr.address) {
        (Some(_), Some(_)) => p.push((
            base.field("address"),
            "give either device (USB) or address (network), not both".to_string(),
        )),
        (None, None) => p.push((
            base.clone(),
            "name the printer: device = \"/dev/usb/lp0\" or address = \"192.168.1.50:9100\"".to_string(),
        )),
        (Some(device), None) if device.as_os_str().is_empty() => {
            p.push((base.field("device"), "must name a device file such as /dev/usb/lp0".to_string()))
        }
        (None, Some(address)) => {
            if let Err(why) = check_address(address) {
                p.push((base.field("address"), why));
            }
        }
        _ => {}
    }
    if !matches!(pr.paper_mm, 58 | 80) {
        p.push((base.field("paper_mm"), format!("is {}; thermal receipt paper is 58 or 80 mm", pr.paper_mm)));
    }
    if !(1..=60).contains(&pr.timeout_secs) {
        p.push((base.field("timeout_secs"), "must be between 1 and 60 seconds".to_string()));
    }
    if let Err(why) = check_phone(&pr.hall_phone) {
        p.push((base.field("hall_phone"), why));
    }
    p
}

/// `host:port` or `[v6]:port`, port 1 to 65535, no scheme or path.
fn check_address(address: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("{address:?} {why}; write host:port, e.g. \"192.168.1.50:9100\""));
    let Some((host, port)) = address.rsplit_once(':') else { return bad("has no port") };
    if host.is_empty() || host.contains(['/', ' ']) || (host.contains(':') && !host.starts_with('[')) {
        return bad("is not a host name or IP address");
    }
    match port.parse::<u16>() {
        Ok(n) if n > 0 => Ok(()),
        _ => bad("has no valid port"),
    }
}

/// Digits with the usual separators (`0755-8888 1234`, `+86 755 …`, `(0755)…`), 3 to 20.
fn check_phone(phone: &str) -> Result<(), String> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    if allowed && (3..=20).contains(&digits) && phone.chars().count() <= 24 {
        Ok(())
    } else {
        Err(format!("{phone:?} is not a phone number (3 to 20 digits, with spaces, '-', '+', '(' or ')')"))
    }
}
