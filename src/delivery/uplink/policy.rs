//! The retry policy, free of I/O so it can be tested on its own: how each reply is
//! classified, how long to back off, how `Retry-After` is read.

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::StatusCode;

/// How a server reply is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyClass {
    /// The server stored it (or already had it).
    Delivered,
    /// Try again later.
    Retry,
    /// The kiosk's credentials are wrong: pause, keep everything, alert staff.
    CredentialsRejected,
    /// The server will never accept this submission: dead letter.
    Dead,
}

/// The contract's reply classification (`docs/protocol.md`).
pub fn classify(status: StatusCode) -> ReplyClass {
    match status.as_u16() {
        200..=299 => ReplyClass::Delivered,
        401 | 403 => ReplyClass::CredentialsRejected,
        408 | 409 | 425 | 429 => ReplyClass::Retry,
        400..=499 => ReplyClass::Dead,
        // 5xx, and anything a conforming server never sends (1xx, 3xx): never drop.
        _ => ReplyClass::Retry,
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A uniformly random delay in `[0, ceiling]` ("full jitter").
pub fn full_jitter(ceiling: Duration) -> Duration {
    let r = getrandom::u64().unwrap_or(u64::MAX / 2);
    ceiling.mul_f64(r as f64 / u64::MAX as f64)
}

/// The backoff ceiling after `n` consecutive failures: `base` × 2^(n-1), at most `cap`.
pub fn backoff_ceiling(base: Duration, cap: Duration, n: u32) -> Duration {
    ExponentialBuilder::default()
        .with_min_delay(base)
        .with_max_delay(cap)
        .with_factor(2.0)
        .without_max_times()
        .build()
        .nth(n.saturating_sub(1).min(64) as usize)
        .unwrap_or(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_the_contract() {
        let c = |n| classify(StatusCode::from_u16(n).unwrap());
        for ok in [200, 201, 202, 204] {
            assert_eq!(c(ok), ReplyClass::Delivered, "{ok}");
        }
        for retry in [408, 409, 425, 429, 500, 502, 503, 504, 599, 301, 302] {
            assert_eq!(c(retry), ReplyClass::Retry, "{retry}");
        }
        assert_eq!(c(401), ReplyClass::CredentialsRejected);
        assert_eq!(c(403), ReplyClass::CredentialsRejected);
        for dead in [400, 404, 405, 410, 413, 415, 422] {
            assert_eq!(c(dead), ReplyClass::Dead, "{dead}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn full_jitter_stays_under_the_ceiling() {
        let ceiling = Duration::from_millis(1000);
        let draws: Vec<Duration> = (0..200).map(|_| full_jitter(ceiling)).collect();
        assert!(draws.iter().all(|d| *d <= ceiling));
        assert!(draws.iter().any(|d| *d < ceiling / 4) && draws.iter().any(|d| *d > ceiling * 3 / 4));
    }
}
