//! A fault-injecting layer for the reference server: every `every`-th submission request
//! fails, in turn with 500, 503 + `Retry-After: 1`, 429 + `Retry-After: 1`, a reset before
//! the server sees it, and a reset after the server stored it (the retry is a replay).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How often to fail, and how many requests so far.
#[derive(Debug)]
pub struct Flaky {
    /// Fail one request in this many (0: never).
    pub every: u64,
    /// Submission requests seen.
    pub seen: AtomicU64,
    /// Faults injected.
    pub injected: AtomicU64,
}

/// The reference server's router behind the fault layer.
pub fn router(intake: Arc<super::server::Intake>, every: u64) -> (axum::Router, Arc<Flaky>) {
    quiet_injected_panics();
    let flaky = Arc::new(Flaky { every, seen: AtomicU64::new(0), injected: AtomicU64::new(0) });
    let router =
        super::server::router(intake).layer(axum::middleware::from_fn_with_state(flaky.clone(), inject));
    (router, flaky)
}

async fn inject(State(flaky): State<Arc<Flaky>>, request: Request, next: Next) -> Response {
    if request.uri().path() != "/v1/submissions" || flaky.every == 0 {
        return next.run(request).await;
    }
    let n = flaky.seen.fetch_add(1, Ordering::Relaxed) + 1;
    if n % flaky.every != 0 {
        return next.run(request).await;
    }
    let k = flaky.injected.fetch_add(1, Ordering::Relaxed);
    let status = |code: StatusCode, retry_after: Option<&str>| {
        let mut response =
            (code, [(header::CONTENT_TYPE, "application/json")], r#"{"error":"injected"}"#).into_response();
        if let Some(ra) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_str(ra).unwrap());
        }
        response
    };
    match k % 5 {
        0 => status(StatusCode::INTERNAL_SERVER_ERROR, None),
        1 => status(StatusCode::SERVICE_UNAVAILABLE, Some("1")),
        2 => status(StatusCode::TOO_MANY_REQUESTS, Some("1")),
        3 => reset(),
        _ => {
            let _stored = next.run(request).await;
            reset()
        }
    }
}

/// Ends the connection without an answer: hyper drops a connection whose handler panics.
pub fn reset() -> ! {
    std::panic::panic_any(InjectedReset)
}

struct InjectedReset;

/// Keeps the injected resets out of the test output; real panics still print.
pub fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<InjectedReset>() {
                default(info);
            }
        }));
    });
}
