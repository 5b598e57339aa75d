//! Ticket numbers and tracking tokens: what a citizen takes home.
//!
//! A ticket number is unique across every kiosk of every hall without asking a server:
//! `{hall_code}-{kiosk_id}-{YYMMDD}-{seq:04}{check}`, e.g. `440305-K01-261122-0042R`.
//! `seq` is the kiosk's daily sequence (taken inside the outbox's enqueue transaction, so it
//! never repeats), and `check` is an ISO/IEC 7064 MOD 37,36 check character over the
//! alphanumeric characters: a citizen who reads the number over the phone with one wrong
//! character, or two neighbours swapped, is told at once that it is not a valid number.
//!
//! The tracking token is 16 random bytes from the operating system's CSPRNG, in base64url
//! without padding. It exists only on the citizen's screen or paper (in the QR link); the
//! kiosk stores and sends only its SHA-256.

use std::fmt;

use base64::Engine;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// The 36 characters of the check alphabet, in value order.
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A ticket number that was built or parsed with a correct check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TicketNumber(String);

/// Why a string is not a ticket number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// Not four hyphen-separated parts of the right characters and lengths.
    #[error("{0:?} is not a ticket number (expected HALL-KIOSK-YYMMDD-NNNNC)")]
    Format(String),
    /// The date part is not a calendar date.
    #[error("{0:?}: the date part is not a valid date")]
    Date(String),
    /// Well-formed, but the check character does not match: a typo.
    #[error("{0:?}: check character does not match (a character is wrong or two are swapped)")]
    Check(String),
}

impl TicketNumber {
    /// Builds the ticket number for this kiosk, local date and daily sequence number.
    ///
    /// `hall_code` and `kiosk_id` come from a validated config (upper-case letters and
    /// digits). Sequences above 9999 simply get more digits.
    pub fn new(hall_code: &str, kiosk_id: &str, date: NaiveDate, seq: u32) -> TicketNumber {
        let body = format!("{hall_code}-{kiosk_id}-{}-{seq:04}", date.format("%y%m%d"));
        let check = check_char(&body).expect("config codes are upper-case alphanumeric");
        TicketNumber(format!("{body}{check}"))
    }

    /// Parses a ticket number (case-insensitive, surrounding spaces ignored) and checks it.
    pub fn parse(s: &str) -> Result<TicketNumber, TicketError> {
        let upper = s.trim().to_ascii_uppercase();
        let format_err = || TicketError::Format(s.to_string());
        let parts: Vec<&str> = upper.split('-').collect();
        let [hall, kiosk, date, last] = parts.as_slice() else {
            return Err(format_err());
        };
        let alnum = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric());
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !alnum(hall) || !alnum(kiosk) || date.len() != 6 || !digits(date) || last.len() < 5 {
            return Err(format_err());
        }
        let (seq, check) = last.split_at(last.len() - 1);
        if !digits(seq) || !alnum(check) {
            return Err(format_err());
        }
        if NaiveDate::parse_from_str(&format!("20{date}"), "%Y%m%d").is_err() {
            return Err(TicketError::Date(s.to_string()));
        }
        if !validate(&upper) {
            return Err(TicketError::Check(s.to_string()));
        }
        Ok(TicketNumber(upper))
    }

    /// The number as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// ISO/IEC 7064 hybrid MOD 37,36 over the alphanumeric characters of `s` (hyphens
/// skipped); returns the running product `p` after all characters.
fn hybrid_product(s: &str) -> Option<u32> {
    const M: u32 = 36;
    let mut p = M;
    for c in s.bytes().filter(|&c| c != b'-') {
        let mut sum = (p + value(c.to_ascii_uppercase())?) % M;
        if sum == 0 {
            sum = M;
        }
        p = (sum * 2) % (M + 1);
    }
    Some(p)
}

/// The MOD 37,36 check character for `s`; `None` if `s` has other than A-Z, 0-9 and '-'.
pub fn check_char(s: &str) -> Option<char> {
    let p = hybrid_product(s)?;
    Some(ALPHABET[((37 - p) % 36) as usize] as char)
}

/// Whether `s` (check character last) passes the MOD 37,36 check.
pub fn validate(s: &str) -> bool {
    let Some((body, check)) = s.len().checked_sub(1).map(|n| s.split_at(n)) else {
        return false;
    };
    check_char(body).is_some_and(|c| check.eq_ignore_ascii_case(&c.to_string()))
}

/// The secret half of a tracking link. Debug never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct TrackingToken(String);

impl TrackingToken {
    /// 16 fresh bytes from the operating system's CSPRNG, base64url without padding.
    pub fn generate() -> Result<TrackingToken, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        Ok(TrackingToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Wraps a token received from a citizen's link (the intake server uses this).
    pub fn from_link(token: &str) -> TrackingToken {
        TrackingToken(token.to_string())
    }

    /// The token as it appears in the link. Show it only to the citizen.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Lower-case hex SHA-256 of the token string: the only form that is stored or sent.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(self.0.as_bytes())
    }
}

impl fmt::Debug for TrackingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrackingToken(<secret>)")
    }
}

/// Lower-case hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The QR link: `{base_url without trailing '/'}/t/{number}?k={token}`.
pub fn tracking_link(base_url: &str, number: &TicketNumber, token: &TrackingToken) -> String {
    format!("{}/t/{}?k={}", base_url.trim_end_matches('/'), number, token.reveal())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<TicketNumber> {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut out = Vec::new();
        for (hall, kiosk) in [("440305", "K01"), ("110101", "A7"), ("310115001", "ZZ9")] {
            for seq in [1, 42, 999, 1000, 4711, 9999, 12345] {
                out.push(TicketNumber::new(hall, kiosk, day, seq));
            }
        }
        out
    }

    #[test]
    fn format_and_round_trip() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let t = TicketNumber::new("440305", "K01", day, 42);
        assert!(t.as_str().starts_with("440305-K01-261122-0042"), "{t}");
        assert_eq!(t.as_str(), "440305-K01-261122-0042R", "checked against an independent implementation");
        assert_eq!(
            TicketNumber::new("440305", "K01", NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(), 1).as_str(),
            "440305-K01-261120-0001U"
        );
        assert_eq!(TicketNumber::parse(t.as_str()).unwrap(), t);
        assert_eq!(TicketNumber::parse(&format!("  {}  ", t.as_str().to_lowercase())).unwrap(), t);
        for t in sample() {
            assert_eq!(TicketNumber::parse(t.as_str()).unwrap(), t);
        }
    }

    #[test]
    fn each_malformed_number_is_refused_for_what_is_wrong_with_it() {
        // One fault each in 440305-K01-261122-0042R; the error says which kind it is (the
        // tracking page tells a citizen "that is not a ticket number" or "a character is
        // wrong"), so a check that lets a malformed part through shows up as the wrong kind.
        let valid = "440305-K01-261122-0042R";
        assert!(TicketNumber::parse(valid).is_ok());
        for bad in [
            "",
            "440305-K01-261122",         // three parts
            "-K01-261122-0042R",         // no hall code
            "440305--261122-0042R",      // no kiosk id
            "44_305-K01-261122-0042R",   // hall code with a stray character
            "440305-K_1-261122-0042R",   // kiosk id with a stray character
            "440305-K01-2611-0042R",     // four-digit date
            "440305-K01-26112-0042R",    // five-digit date
            "440305-K01-2611220-0042R",  // seven-digit date
            "440305-K01-26112X-0042R",   // a letter in the date
            "440305-K01-261122-042R",    // three-digit sequence
            "440305-K01-261122-0O42R",   // the letter O for a zero
            "440305-K01-261122-0042_",   // not a check character
            "440305-K01-261122-0042R-1", // five parts
        ] {
            let err = TicketNumber::parse(bad).unwrap_err();
            assert!(matches!(err, TicketError::Format(_)), "{bad}: {err}");
        }
        for bad in ["440305-K01-261322-0042R", "440305-K01-260230-0042R"] {
            let err = TicketNumber::parse(bad).unwrap_err();
            assert!(matches!(err, TicketError::Date(_)), "{bad}: {err}");
        }
        for bad in ["440305-K01-261122-0042S", "440305-K01-261122-0024R"] {
            let err = TicketNumber::parse(bad).unwrap_err();
            assert!(matches!(err, TicketError::Check(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn detects_every_single_substitution() {
        for t in sample() {
            let s = t.as_str().as_bytes();
            for i in (0..s.len()).filter(|&i| s[i] != b'-') {
                for &c in ALPHABET.iter().filter(|&&c| c != s[i]) {
                    let mut m = s.to_vec();
                    m[i] = c;
                    let m = String::from_utf8(m).unwrap();
                    assert!(!validate(&m), "{t} -> {m} passed the check");
                }
            }
        }
    }

    #[test]
    fn detects_every_adjacent_transposition() {
        for t in sample() {
            // Adjacent in the check's sense: neighbouring alphanumerics, across a hyphen too.
            let chars: Vec<(usize, u8)> =
                t.as_str().bytes().enumerate().filter(|&(_, c)| c != b'-').collect();
            for w in chars.windows(2) {
                let ((i, a), (j, b)) = (w[0], w[1]);
                if a == b {
                    continue;
                }
                let mut m = t.as_str().as_bytes().to_vec();
                m.swap(i, j);
                let m = String::from_utf8(m).unwrap();
                assert!(!validate(&m), "{t} -> {m} passed the check");
            }
        }
    }

    #[test]
    fn token_is_random_and_hashed() {
        let a = TrackingToken::generate().unwrap();
        let b = TrackingToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.reveal().len(), 22, "16 bytes in base64url without padding");
        assert!(a.reveal().bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(a.sha256_hex().len(), 64);
        assert_eq!(format!("{a:?}"), "TrackingToken(<secret>)");
        // Known vector: SHA-256 of "abc".
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let n = TicketNumber::new("440305", "K01", day, 1);
        let link = tracking_link("https://track.example/", &n, &a);
        assert_eq!(link, format!("https://track.example/t/{n}?k={}", a.reveal()));
    }
}
