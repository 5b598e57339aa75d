//! The PIN as typed on the pad and its check against `[staff] pin_hash` (argon2id, as
//! `hall-kiosk hash-pin` makes it). The check costs tens of milliseconds even in a release
//! build (the hash's own memory and time cost, decision 0017), more than a frame, so the
//! panel runs it on a thread ([`super::job`]). The digits never leave this module's buffer
//! and are dropped after each check; nothing logs them.

use argon2::password_hash::{PasswordHash, PasswordVerifier};

/// Longest PIN `hash-pin` accepts; the pad takes no more digits.
pub const MAX_DIGITS: usize = 12;

/// The digits typed so far.
#[derive(Default)]
pub struct PinDigits {
    /// ASCII digits only.
    digits: String,
}

impl std::fmt::Debug for PinDigits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PinDigits({} digits)", self.digits.len())
    }
}

impl PinDigits {
    /// One key of the pad; anything but a single digit, or a 13th, is ignored.
    pub fn press(&mut self, key: &str) {
        if key.len() == 1 && key.bytes().all(|b| b.is_ascii_digit()) && self.digits.len() < MAX_DIGITS {
            self.digits.push_str(key);
        }
    }

    /// Delete the last digit.
    pub fn delete(&mut self) {
        self.digits.pop();
    }

    /// Start again.
    pub fn clear(&mut self) {
        self.digits.clear();
    }

    /// How many digits (the pad shows as many dots).
    pub fn len(&self) -> usize {
        self.digits.len()
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }

    /// Hands the digits over for checking and empties the buffer.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.digits)
    }
}

/// The answer of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The PIN is right.
    Right,
    /// The PIN is wrong.
    Wrong,
    /// The hash could not be used (it was validated at start, so this is a bug or memory).
    Failed(String),
}

/// Checks `pin` against the PHC string `hash` (slow: run it off the UI thread).
pub fn verify(hash: &str, pin: &str) -> Verdict {
    let parsed = match PasswordHash::new(hash) {
        Ok(h) => h,
        Err(e) => return Verdict::Failed(e.to_string()),
    };
    match argon2::Argon2::default().verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Verdict::Right,
        Err(argon2::password_hash::Error::Password) => Verdict::Wrong,
        Err(e) => Verdict::Failed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash of `pin` with the cheapest parameters (the check's logic, not its cost).
    fn cheap_hash(pin: &str) -> String {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(8, 1, 1, None).unwrap();
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        argon
            .hash_password(pin.as_bytes(), &SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap())
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_right_pin_only() {
        let hash = cheap_hash("246810");
        assert_eq!(verify(&hash, "246810"), Verdict::Right);
        assert_eq!(verify(&hash, "246811"), Verdict::Wrong);
        assert_eq!(verify(&hash, ""), Verdict::Wrong);
        assert!(matches!(verify("not a hash", "246810"), Verdict::Failed(_)));
    }

    #[test]
    fn the_pad_takes_digits_only_and_at_most_twelve() {
        let mut p = PinDigits::default();
        for key in ["1", "x", "22", "", "3"] {
            p.press(key);
        }
        assert_eq!(p.len(), 2);
        p.delete();
        assert_eq!(p.take(), "1");
        assert!(p.is_empty());
        for _ in 0..20 {
            p.press("9");
        }
        assert_eq!(p.len(), MAX_DIGITS);
        assert!(!format!("{p:?}").contains('9'), "Debug never shows the digits");
    }
}
