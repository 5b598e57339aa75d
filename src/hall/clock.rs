//! Whether the kiosk's clock can be trusted: reply dates on tickets and the ticket numbers'
//! days depend on it. A clock before this firmware was made, or more than a day away from
//! the server's `Date`, is wrong (a panel without a battery-backed clock, a bad NTP setup).

/// No kiosk running this firmware can honestly be earlier than this (the release's date,
/// as milliseconds since the epoch: 2026-11-24T00:00:00Z).
pub const NOT_BEFORE_MS: i64 = 1_795_478_400_000;
/// How far the kiosk may drift from the server before staff are told.
pub const MAX_SKEW_MS: i64 = 24 * 3600 * 1000;

/// Whether the local clock (`local_ms`) is wrong, given the server's clock when known.
pub fn is_off(local_ms: i64, server_ms: Option<i64>) -> bool {
    local_ms < NOT_BEFORE_MS || server_ms.is_some_and(|s| local_ms.abs_diff(s) > MAX_SKEW_MS as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_before_the_release_or_a_day_away_from_the_server_is_off() {
        let now = NOT_BEFORE_MS + 10 * MAX_SKEW_MS;
        assert!(!is_off(now, None));
        assert!(!is_off(now, Some(now + MAX_SKEW_MS - 1)), "within a day");
        assert!(!is_off(now, Some(now - MAX_SKEW_MS)));
        assert!(is_off(now, Some(now + MAX_SKEW_MS + 1)), "a day and a bit ahead of us");
        assert!(is_off(now, Some(now - 2 * MAX_SKEW_MS)), "two days behind us");
        assert!(is_off(NOT_BEFORE_MS - 1, None), "before this firmware existed");
        assert!(is_off(0, Some(0)), "1970, even if the server agrees");
        assert!(is_off(i64::MAX, Some(i64::MIN)), "extremes compare without overflow");
    }
}
