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
    /// The answer is not the protocol's (a wrong URL, a proxy's error page): the kiosk is
    /// misconfigured, not the submission. Pause like [`ReplyClass::CredentialsRejected`].
    NotTheServer,
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

/// [`classify`] with the answer's body, for the submission `id`: a success counts only when
/// it is the server's JSON naming that id (`{"id": ...}`: a captive portal's or proxy's
/// `200` page must not delete a submission), and a refusal only when it is the protocol's
/// JSON (`{"error": "..."}`); 404 and 405 never do (the endpoints are fixed, so they mean a
/// wrong `base_url` or something in between).
pub fn classify_reply(status: StatusCode, body: &[u8], id: &str) -> ReplyClass {
    if status == StatusCode::CONFLICT && is_ticket_collision(body) {
        // Another submission has this ticket number: no retry can fix that; staff must.
        return ReplyClass::Dead;
    }
    match classify(status) {
        ReplyClass::Delivered if !names_id(body, id) => ReplyClass::NotTheServer,
        ReplyClass::Dead if matches!(status.as_u16(), 404 | 405) || !is_protocol_error(body) => {
            ReplyClass::NotTheServer
        }
        class => class,
    }
}

/// Whether a success body is the server's JSON about this submission.
fn names_id(body: &[u8], id: &str) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.get("id").and_then(|i| i.as_str()) == Some(id))
}

/// Whether a 409's body says the ticket number is taken (`"conflict": "ticket_number"`).
fn is_ticket_collision(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.get("conflict").and_then(|c| c.as_str()) == Some("ticket_number"))
}

/// Whether a body is the protocol's refusal: a JSON object with an `error` string.
fn is_protocol_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.get("error").is_some_and(serde_json::Value::is_string))
}

/// A server's answer as it may be logged and stored: anything that looks like a mainland
/// mobile number (11 digits 1[3-9]…, or with a leading 86) is masked like 138****5678, and
/// the kiosk's bearer token is replaced by `<token>`: a server that echoes a request must
/// not put a citizen's number into the journal or `last_error`.
pub fn redact_reply(text: &str, token: &str) -> String {
    let text = if token.is_empty() { text.to_string() } else { text.replace(token, "<token>") };
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        let mobile = |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
        match digits.len() {
            11 if mobile(digits) => out.push_str(&crate::hall::phone::mask(digits)),
            13 if digits.starts_with("86") && mobile(&digits[2..]) => {
                out.push_str("86");
                out.push_str(&crate::hall::phone::mask(&digits[2..]));
            }
            _ => out.push_str(digits),
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
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

/// How long to honour a server's `Retry-After`: scaled, then capped at `max`. Whatever the
/// server sent (up to `u64::MAX` seconds), this never overflows: a product too large for a
/// `Duration` is simply the cap.
pub fn retry_after_wait(retry_after: Duration, scale: f64, max: Duration) -> Duration {
    Duration::try_from_secs_f64(retry_after.as_secs_f64() * scale).map_or(max, |d| d.min(max))
}

/// `now_ms` plus `wait`, saturating instead of overflowing.
pub fn ms_after(now_ms: i64, wait: Duration) -> i64 {
    now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
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
    fn a_delivery_is_recognised_before_the_answer_is_redacted() {
        // A UUIDv7 whose last group holds 11 digits starting 19: it reads like a mobile.
        let id = "01a20e0a-cbbb-7664-8003-b19691999330";
        let raw = format!(r#"{{"id":"{id}","result":"stored"}}"#);
        assert_eq!(classify_reply(StatusCode::CREATED, raw.as_bytes(), id), ReplyClass::Delivered);
        // Redacted first, the id no longer matches: that order paused delivery for good
        // answers (the uplink classifies the answer as received, then redacts it).
        let redacted = redact_reply(&raw, "t0k3n");
        assert_eq!(classify_reply(StatusCode::CREATED, redacted.as_bytes(), id), ReplyClass::NotTheServer);
    }

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
    fn only_the_servers_own_refusal_is_a_dead_letter() {
        let c = |n, body: &str| classify_reply(StatusCode::from_u16(n).unwrap(), body.as_bytes(), "id-1");
        let json = r#"{"error":"ticket is malformed"}"#;
        assert_eq!(c(400, json), ReplyClass::Dead);
        assert_eq!(c(422, json), ReplyClass::Dead);
        assert_eq!(c(404, json), ReplyClass::NotTheServer);
        assert_eq!(c(405, ""), ReplyClass::NotTheServer);
        assert_eq!(c(400, "<html>Bad Request</html>"), ReplyClass::NotTheServer);
        assert_eq!(c(413, ""), ReplyClass::NotTheServer);
        assert_eq!(c(400, r#"{"error":3}"#), ReplyClass::NotTheServer);
        assert_eq!(c(503, "<html>"), ReplyClass::Retry);
        assert_eq!(c(409, r#"{"error":"taken","conflict":"ticket_number"}"#), ReplyClass::Dead);
        assert_eq!(c(409, r#"{"error":"busy"}"#), ReplyClass::Retry);
        assert_eq!(c(409, ""), ReplyClass::Retry);
        assert_eq!(c(401, ""), ReplyClass::CredentialsRejected);
        assert_eq!(c(201, r#"{"id":"id-1","result":"stored"}"#), ReplyClass::Delivered);
        assert_eq!(c(200, r#"{"id":"id-1","result":"already stored"}"#), ReplyClass::Delivered);
        assert_eq!(c(200, "<html>Welcome to the free Wi-Fi</html>"), ReplyClass::NotTheServer);
        assert_eq!(c(201, r#"{"id":"another"}"#), ReplyClass::NotTheServer);
        assert_eq!(c(204, ""), ReplyClass::NotTheServer);
    }

    #[test]
    fn replies_are_redacted_before_logging() {
        let r = |t| redact_reply(t, "s3cret-T0KEN");
        assert_eq!(r(r#"{"error":"bad phone 13812345678"}"#), r#"{"error":"bad phone 138****5678"}"#);
        assert_eq!(r("tel:+8613912345678;"), "tel:+86139****5678;");
        // Thirteen digits that are not 86 and a mobile number stay as they are: a time in
        // milliseconds, or 86 before something that is no mobile number.
        assert_eq!(r(r#"{"received_at_ms":1795478400000}"#), r#"{"received_at_ms":1795478400000}"#);
        assert_eq!(r("ref 8612345678901"), "ref 8612345678901");
        assert_eq!(r("Authorization: Bearer s3cret-T0KEN"), "Authorization: Bearer <token>");
        assert_eq!(r("id 12345678901 and 019a2012-5a5e"), "id 12345678901 and 019a2012-5a5e", "not a mobile");
        assert_eq!(r("138123456789"), "138123456789", "12 digits: not a mobile");
        assert_eq!(redact_reply("x", ""), "x");
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
    fn a_huge_retry_after_is_capped_without_overflow() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let huge = parse_retry_after("18446744073709551615", now).unwrap();
        let hour = Duration::from_secs(3600);
        assert_eq!(retry_after_wait(huge, 1.0, hour), hour);
        assert_eq!(retry_after_wait(huge, 0.01, hour / 100), hour / 100);
        assert_eq!(retry_after_wait(Duration::from_secs(120), 0.5, hour), Duration::from_secs(60));
        assert_eq!(retry_after_wait(Duration::from_secs(1), f64::NAN, hour), hour);
        let far = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799));
        assert!(retry_after_wait(parse_retry_after(&far, now).unwrap(), 1.0, hour) == hour);
        assert_eq!(ms_after(i64::MAX - 5, Duration::MAX), i64::MAX);
        assert_eq!(ms_after(1000, Duration::from_millis(500)), 1500);
    }

    #[test]
    fn backoff_ceilings_double_from_the_base_up_to_the_cap() {
        let s = Duration::from_secs;
        let secs: Vec<u64> = (0..=11).map(|n| backoff_ceiling(s(1), s(300), n).as_secs()).collect();
        assert_eq!(secs, [1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300], "0 failures counts as 1");
        assert_eq!(backoff_ceiling(s(1), s(300), u32::MAX), s(300), "no overflow after years of failures");
        let ms = Duration::from_millis;
        let scaled: Vec<Duration> = (1..=4).map(|n| backoff_ceiling(ms(10), ms(30), n)).collect();
        assert_eq!(scaled, [ms(10), ms(20), ms(30), ms(30)]);
    }

    #[test]
    fn full_jitter_is_uniform_under_the_ceiling() {
        assert_eq!(full_jitter(Duration::ZERO), Duration::ZERO);
        let ceiling = Duration::from_secs(300);
        let draws: Vec<Duration> = (0..2000).map(|_| full_jitter(ceiling)).collect();
        assert!(draws.iter().all(|d| *d <= ceiling));
        // Uniform: the mean is half the ceiling (to within 10 standard errors), and draws
        // differ, so kiosks that failed together do not retry together.
        let mean = draws.iter().sum::<Duration>() / draws.len() as u32;
        assert!(mean > ceiling * 2 / 5 && mean < ceiling * 3 / 5, "mean {mean:?}");
        let distinct: std::collections::HashSet<&Duration> = draws.iter().collect();
        assert!(distinct.len() > 1900, "{} distinct draws of 2000", distinct.len());
    }

    #[test]
    fn full_jitter_stays_under_the_ceiling() {
        let ceiling = Duration::from_millis(1000);
        let draws: Vec<Duration> = (0..200).map(|_| full_jitter(ceiling)).collect();
        assert!(draws.iter().all(|d| *d <= ceiling));
        assert!(draws.iter().any(|d| *d < ceiling / 4) && draws.iter().any(|d| *d > ceiling * 3 / 4));
    }
}
