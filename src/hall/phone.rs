//! Mainland mobile numbers: validated as the citizen types, shown masked everywhere after
//! entry (138****5678), never printed in full to logs. Debug output is redacted.

use std::fmt;

/// A valid mainland mobile number: 11 digits, starting with 13 to 19.
#[derive(Clone, PartialEq, Eq)]
pub struct MobileNumber(String);

/// Why a number is not a mainland mobile number, for a clear message on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not 11 digits long.
    #[error("a mobile number has 11 digits; this one has {0}")]
    WrongLength(usize),
    /// Contains something other than digits.
    #[error("a mobile number has only digits")]
    NotDigits,
    /// Does not start with 13 to 19.
    #[error("a mobile number starts with 13 to 19")]
    WrongPrefix,
}

impl MobileNumber {
    /// Checks a number as typed (spaces and hyphens are ignored).
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(PhoneError::NotDigits);
        }
        if digits.len() != 11 {
            return Err(PhoneError::WrongLength(digits.len()));
        }
        if !digits.starts_with('1') || !matches!(digits.as_bytes()[1], b'3'..=b'9') {
            return Err(PhoneError::WrongPrefix);
        }
        Ok(MobileNumber(digits))
    }

    /// Checks the digits typed so far: a wrong start is wrong at once ("12" at the second
    /// digit), not after the eleventh. `Ok` means "fine so far" (maybe incomplete).
    pub fn check_prefix(typed: &str) -> Result<(), PhoneError> {
        let bytes = typed.as_bytes();
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PhoneError::NotDigits);
        }
        if bytes.len() > 11 {
            return Err(PhoneError::WrongLength(bytes.len()));
        }
        let first_ok = bytes.first().is_none_or(|&b| b == b'1');
        let second_ok = bytes.get(1).is_none_or(|b| (b'3'..=b'9').contains(b));
        if first_ok && second_ok { Ok(()) } else { Err(PhoneError::WrongPrefix) }
    }

    /// The number as shown on screen: first three and last four digits.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// The full number, for the outbox payload only.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

/// Masks any digit string the way numbers are shown after entry: 138****5678. Shorter
/// input (still being typed) keeps only its first three digits visible.
pub fn mask(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    match chars.len() {
        0..=3 => digits.to_string(),
        n if n >= 11 => format!(
            "{}****{}",
            chars[..3].iter().collect::<String>(),
            chars[n - 4..].iter().collect::<String>()
        ),
        n => format!("{}{}", chars[..3].iter().collect::<String>(), "*".repeat(n - 3)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_start_is_wrong_as_it_is_typed() {
        assert_eq!(MobileNumber::check_prefix(""), Ok(()));
        assert_eq!(MobileNumber::check_prefix("1"), Ok(()));
        assert_eq!(MobileNumber::check_prefix("13"), Ok(()));
        assert_eq!(MobileNumber::check_prefix("1381234"), Ok(()));
        // A whole number is still fine as typed; one digit more is not.
        assert_eq!(MobileNumber::check_prefix("13812345678"), Ok(()));
        assert_eq!(MobileNumber::check_prefix("12"), Err(PhoneError::WrongPrefix));
        assert_eq!(MobileNumber::check_prefix("2"), Err(PhoneError::WrongPrefix));
        assert_eq!(MobileNumber::check_prefix("10"), Err(PhoneError::WrongPrefix));
        assert_eq!(MobileNumber::check_prefix("138123456789"), Err(PhoneError::WrongLength(12)));
        assert_eq!(MobileNumber::check_prefix("13a"), Err(PhoneError::NotDigits));
    }

    #[test]
    fn accepts_mainland_mobiles() {
        // The cleaned number is what goes into the payload: spaces and hyphens gone, every
        // digit kept in order.
        for (typed, clean) in [
            ("13812345678", "13812345678"),
            ("19912345678", "19912345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            (" 150-0000 0000 ", "15000000000"),
            ("17098765432", "17098765432"),
        ] {
            assert_eq!(MobileNumber::parse(typed).as_ref().map(MobileNumber::as_str), Ok(clean), "{typed:?}");
        }
    }

    #[test]
    fn refuses_with_a_reason() {
        assert_eq!(MobileNumber::parse("1381234567"), Err(PhoneError::WrongLength(10)));
        assert_eq!(MobileNumber::parse("138123456789"), Err(PhoneError::WrongLength(12)));
        assert_eq!(MobileNumber::parse("23812345678"), Err(PhoneError::WrongPrefix));
        assert_eq!(MobileNumber::parse("12812345678"), Err(PhoneError::WrongPrefix));
        assert_eq!(MobileNumber::parse("1381234567a"), Err(PhoneError::NotDigits));
        assert_eq!(MobileNumber::parse(""), Err(PhoneError::WrongLength(0)));
    }

    #[test]
    fn masks_on_screen_and_in_debug() {
        let n = MobileNumber::parse("13812345678").unwrap();
        assert_eq!(n.masked(), "138****5678");
        assert_eq!(format!("{n:?}"), "MobileNumber(138****5678)");
        assert!(!format!("{n:?}").contains("1234"));
        assert_eq!(mask("138"), "138");
        assert_eq!(mask("13812"), "138**");
    }
}
