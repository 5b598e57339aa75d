//! The uplink as the server sees it: a recording server on 127.0.0.1 notes when each
//! attempt of each submission arrives and what each heartbeat says, and the tests hold that
//! to the retry policy (backoff up to the cap with full jitter, `Retry-After` in both forms,
//! no hammering in an outage) and to the outbox's own figures at the moment of each
//! heartbeat. Attempts are counted at the server itself, not in a layer in front of it.
//!
//! Time is real but scaled (tens to hundreds of milliseconds for the protocol's seconds):
//! the uplink talks to a real socket, and paused tokio time would fire its request timeouts
//! while it waits for the server. The pure policy is unit-tested in `uplink/policy.rs`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hall_kiosk::delivery::outbox::{Outbox, QueueStats};
use hall_kiosk::delivery::protocol::{HEARTBEAT_PATH, Heartbeat, RatingPayload, SUBMISSIONS_PATH};
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::delivery::uplink::{Uplink, UplinkSettings};

/// What the server answers to one attempt.
#[derive(Debug, Clone)]
enum Answer {
    /// 201 with the protocol's JSON naming the id.
    Store,
    /// 422 with the protocol's refusal: a dead letter.
    Refuse,
    /// This status, with no `Retry-After`.
    Fail(u16),
    /// This status with `Retry-After: <secs>`.
    RetryAfterSecs(u16, u64),
    /// This status with `Retry-After` as an HTTP date this far from now.
    RetryAfterDate(u16, Duration),
    /// Stored, with the server's `Date` this far behind the real time.
    StoreDatedBehind(Duration),
}

/// Decides the answer from the submission id and how many attempts of it came before.
type Script = Box<dyn Fn(&str, usize) -> Answer + Send + Sync>;

/// One submission request as it arrived.
#[derive(Debug, Clone)]
struct Arrival {
    id: String,
    at: Instant,
    /// The answer given, for failure messages.
    answer: Answer,
}

/// The recording server's state.
struct Recorder {
    script: Script,
    arrivals: Mutex<Vec<Arrival>>,
    /// Each heartbeat with the outbox's figures read when it arrived.
    beats: Mutex<Vec<(Heartbeat, QueueStats)>>,
    /// A connection to the kiosk's outbox (set once the kiosk's config exists).
    outbox: Mutex<Option<Outbox>>,
    /// Heartbeat replies carry a `Date` this far behind the real time (a wrong server).
    heartbeat_date_behind: Mutex<Option<Duration>>,
    /// How heartbeats are answered (204 unless a test says otherwise).
    heartbeat_status: Mutex<Option<StatusCode>>,
}

async fn submission(State(r): State<Arc<Recorder>>, headers: HeaderMap) -> Response {
    let id = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let answer = {
        let mut arrivals = r.arrivals.lock().unwrap();
        let before = arrivals.iter().filter(|a| a.id == id).count();
        let answer = (r.script)(&id, before);
        arrivals.push(Arrival { id: id.clone(), at: Instant::now(), answer: answer.clone() });
        answer
    };
    let error = |code: u16| (StatusCode::from_u16(code).unwrap(), r#"{"error":"not now"}"#).into_response();
    let with_retry_after = |code: u16, value: String| {
        let mut response = error(code);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_str(&value).unwrap());
        response
    };
    match answer {
        Answer::Store => stored(&id),
        Answer::StoreDatedBehind(d) => {
            let mut response = stored(&id);
            let date = httpdate::fmt_http_date(SystemTime::now() - d);
            response.headers_mut().insert(header::DATE, HeaderValue::from_str(&date).unwrap());
            response
        }
        Answer::Refuse => (StatusCode::UNPROCESSABLE_ENTITY, r#"{"error":"refused"}"#).into_response(),
        Answer::Fail(code) => error(code),
        Answer::RetryAfterSecs(code, secs) => with_retry_after(code, secs.to_string()),
        Answer::RetryAfterDate(code, d) => {
            with_retry_after(code, httpdate::fmt_http_date(SystemTime::now() + d))
        }
    }
}

/// 201 with the protocol's JSON naming the id.
fn stored(id: &str) -> Response {
    (StatusCode::CREATED, serde_json::json!({"id": id, "result": "stored"}).to_string()).into_response()
}

async fn heartbeat(State(r): State<Arc<Recorder>>, body: Bytes) -> Response {
    let beat: Heartbeat = serde_json::from_slice(&body).expect("a heartbeat is the protocol's JSON");
    // The uplink sends heartbeats between passes, so the outbox holds still meanwhile.
    let stats = r.outbox.lock().unwrap().as_ref().map(|o| o.stats().unwrap());
    if let Some(stats) = stats {
        r.beats.lock().unwrap().push((beat, stats));
    }
    let status = r.heartbeat_status.lock().unwrap().unwrap_or(StatusCode::NO_CONTENT);
    let mut response = status.into_response();
    if let Some(d) = *r.heartbeat_date_behind.lock().unwrap() {
        let date = httpdate::fmt_http_date(SystemTime::now() - d);
        response.headers_mut().insert(header::DATE, HeaderValue::from_str(&date).unwrap());
    }
    response
}

struct Rig {
    _dir: tempfile::TempDir,
    recorder: Arc<Recorder>,
    submitter: Submitter,
    settings: UplinkSettings,
}

impl Rig {
    async fn new(script: impl Fn(&str, usize) -> Answer + Send + Sync + 'static) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Arc::new(Recorder {
            script: Box::new(script),
            arrivals: Mutex::default(),
            beats: Mutex::default(),
            outbox: Mutex::default(),
            heartbeat_date_behind: Mutex::default(),
            heartbeat_status: Mutex::default(),
        });
        let router = axum::Router::new()
            .route(SUBMISSIONS_PATH, post(submission))
            .route(HEARTBEAT_PATH, post(heartbeat))
            .with_state(recorder.clone());
        let addr = common::serve(router).await;
        let config = common::load(&common::write_config(dir.path(), addr, common::TOKEN));
        let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
        *recorder.outbox.lock().unwrap() = Some(outbox.another_connection().unwrap());
        let mut settings = UplinkSettings::from_config(&config).unwrap();
        settings.heartbeat_every = Duration::from_secs(3600); // only the one at start
        Rig { submitter: Submitter::new(&config, outbox), recorder, settings, _dir: dir }
    }

    /// Queues `n` ratings; returns their ids, oldest first.
    fn queue(&self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.submitter.rating(&rating()).unwrap().id.to_string()).collect()
    }

    /// Starts the uplink; dropping the returned sender stops it.
    fn start(&self) -> tokio::sync::oneshot::Sender<()> {
        let outbox = self.submitter.outbox().another_connection().unwrap();
        let uplink = Uplink::new(outbox, self.settings.clone()).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(uplink.run(async {
            let _ = stopped.await;
        }));
        stop
    }

    fn arrivals(&self) -> Vec<Arrival> {
        self.recorder.arrivals.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the arrivals so far (or panics after `limit`).
    async fn wait_for(&self, limit: Duration, done: impl Fn(&[Arrival]) -> bool) -> Vec<Arrival> {
        let started = Instant::now();
        loop {
            let arrivals = self.arrivals();
            if done(&arrivals) {
                return arrivals;
            }
            assert!(started.elapsed() < limit, "gave up after {limit:?}: {arrivals:#?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn rating() -> RatingPayload {
    RatingPayload {
        window: "3".into(),
        staff_id: None,
        matter: None,
        level: 4,
        tags: vec![],
        probable_repeat: false,
        comment: None,
        phone: None,
        callback_requested: false,
        consent_given: false,
    }
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// Room for a request's own latency on a slow, shared machine (an attempt also commits its
/// result to SQLite before the uplink waits).
const SLACK: Duration = Duration::from_millis(250);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_back_off_with_full_jitter_up_to_the_cap() {
    const BASE: Duration = Duration::from_millis(100);
    const CAP: Duration = Duration::from_millis(1600);
    const ATTEMPTS: usize = 11;
    let mut rig = Rig::new(|_, _| Answer::Fail(500)).await;
    rig.settings.backoff_base = BASE;
    rig.settings.backoff_cap = CAP;
    let id = rig.queue(1).remove(0);
    let _stop = rig.start();
    let arrivals = rig.wait_for(Duration::from_secs(15), |a| a.len() >= ATTEMPTS).await;
    assert!(arrivals.iter().all(|a| a.id == id));
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1].at - w[0].at).take(ATTEMPTS - 1).collect();
    let shown: Vec<u128> = gaps.iter().map(|g| ms(*g)).collect();
    // The n-th wait is drawn from [0, min(BASE * 2^(n-1), CAP)]: never longer (plus the
    // request's own time). An uplink that always waited the cap fails the early ones.
    for (n, gap) in gaps.iter().enumerate() {
        let ceiling = (BASE * 2u32.pow(n as u32)).min(CAP);
        assert!(
            *gap <= ceiling + SLACK,
            "wait {} is {}ms, over its ceiling {}ms: {shown:?}",
            n + 1,
            ms(*gap),
            ms(ceiling)
        );
    }
    // From the fifth wait on, the ceiling is the cap: the waits are long on average (an
    // uplink that does not back off, or stops growing at the base, retries within ms)...
    let capped = &gaps[4..];
    let mean = capped.iter().sum::<Duration>() / capped.len() as u32;
    assert!(mean >= CAP / 4, "waits at the cap average {}ms (cap {}ms): {shown:?}", ms(mean), ms(CAP));
    // ...but drawn, not fixed: a kiosk fleet must not retry in lockstep.
    assert!(capped.iter().any(|g| *g < CAP * 9 / 10), "no jitter at the cap: {shown:?}");
    eprintln!("waits (ms): {shown:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_arrives_before_a_retry_after_has_passed() {
    // Retry-After is scaled by 0.1 (3 s -> 300 ms); backoff alone would wait at most 5 ms.
    const SCALE: f64 = 0.1;
    let first_id = Mutex::new(None::<String>);
    let mut rig = Rig::new(move |id, before| {
        let first = first_id.lock().unwrap().get_or_insert_with(|| id.to_string()).clone();
        match (id == first, before) {
            (true, 0) => Answer::RetryAfterSecs(503, 3),
            (true, 1) => Answer::RetryAfterDate(429, Duration::from_secs(3)),
            (true, 2) => Answer::RetryAfterSecs(429, 3),
            (true, 3) => Answer::RetryAfterDate(503, Duration::from_secs(3)),
            _ => Answer::Store,
        }
    })
    .await;
    rig.settings.backoff_base = Duration::from_millis(1);
    rig.settings.backoff_cap = Duration::from_millis(5);
    rig.settings.retry_after_scale = SCALE;
    let ids = rig.queue(3);
    let _stop = rig.start();
    let arrivals = rig
        .wait_for(Duration::from_secs(10), |a| {
            a.iter().filter(|a| matches!(a.answer, Answer::Store)).count() == 3
        })
        .await;
    assert_eq!(arrivals.iter().filter(|a| a.id == ids[0]).count(), 5, "{arrivals:#?}");
    let mut pauses = 0;
    for w in arrivals.windows(2) {
        // An HTTP date has whole seconds: "now + 3 s" is more than 2 s away when sent.
        let floor = match w[0].answer {
            Answer::RetryAfterSecs(_, secs) => Duration::from_secs(secs).mul_f64(SCALE),
            Answer::RetryAfterDate(_, _) => Duration::from_secs(2).mul_f64(SCALE),
            _ => continue,
        };
        let gap = w[1].at - w[0].at;
        // The whole uplink waits, not only the row the server answered for.
        assert!(
            gap >= floor,
            "{} arrived {}ms after {:?}, before its {}ms",
            w[1].id,
            ms(gap),
            w[0].answer,
            ms(floor)
        );
        pauses += 1;
    }
    assert_eq!(pauses, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_not_hammered() {
    // The production timings scaled by 0.01: base 10 ms, cap 3 s; a 2-minute outage is 1.2 s.
    let outage = Duration::from_millis(1200);
    let until = Instant::now() + outage;
    let mut rig =
        Rig::new(move |_, _| if Instant::now() < until { Answer::Fail(503) } else { Answer::Store }).await;
    rig.settings = rig.settings.clone().scaled(0.01);
    rig.settings.heartbeat_every = Duration::from_secs(3600);
    let ids = rig.queue(10);
    let _stop = rig.start();
    let arrivals = rig
        .wait_for(Duration::from_secs(10), |a| {
            a.iter().filter(|a| matches!(a.answer, Answer::Store)).count() == ids.len()
        })
        .await;
    let during = arrivals.iter().filter(|a| matches!(a.answer, Answer::Fail(_))).count();
    // Backing off from 10 ms, doubling, makes about ten attempts in 1.2 s; an uplink that
    // does not back off makes hundreds.
    assert!((1..=20).contains(&during), "{during} attempts during a {outage:?} outage");
    let last = arrivals.last().unwrap().at;
    assert!(
        last < until + Duration::from_secs(3) + Duration::from_secs(1),
        "back within one cap of the outage's end"
    );
    eprintln!("{during} attempts during the outage, {} in all", arrivals.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_report_what_the_outbox_holds_at_that_moment() {
    // Three ratings: the first is stored, the second refused (a dead letter), the third
    // keeps failing (pending).
    let order = Mutex::new(Vec::<String>::new());
    let mut rig = Rig::new(move |id, _| {
        let mut order = order.lock().unwrap();
        if !order.iter().any(|o| o == id) {
            order.push(id.to_string());
        }
        match order.iter().position(|o| o == id) {
            Some(0) => Answer::Store,
            Some(1) => Answer::Refuse,
            _ => Answer::Fail(503),
        }
    })
    .await;
    rig.settings.heartbeat_every = Duration::from_millis(100);
    rig.settings.backoff_base = Duration::from_millis(50);
    rig.settings.backoff_cap = Duration::from_millis(200);
    let before = hall_kiosk::delivery::outbox::now_ms();
    for _ in 0..3 {
        rig.queue(1);
        std::thread::sleep(Duration::from_millis(3)); // distinct creation times
    }
    let after = hall_kiosk::delivery::outbox::now_ms();
    let _stop = rig.start();
    let settled = |b: &(Heartbeat, QueueStats)| b.1.pending == 1 && b.1.dead_letters == 1;
    let started = Instant::now();
    while rig.recorder.beats.lock().unwrap().iter().filter(|b| settled(b)).count() < 2 {
        assert!(started.elapsed() < Duration::from_secs(10), "{:#?}", rig.recorder.beats.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let beats = rig.recorder.beats.lock().unwrap().clone();
    let at = |t: &Option<String>| {
        t.as_ref().map(|t| chrono::DateTime::parse_from_rfc3339(t).expect("RFC 3339").timestamp_millis())
    };
    for (beat, stats) in &beats {
        assert_eq!(beat.kiosk_id, "K01");
        assert_eq!(beat.version, env!("CARGO_PKG_VERSION"));
        assert_eq!((beat.pending, beat.dead_letters), (stats.pending, stats.dead_letters), "{beat:?}");
        assert_eq!(at(&beat.oldest_pending_at), stats.oldest_pending_ms, "{beat:?}");
        assert_eq!(at(&beat.last_delivery_at), stats.last_delivery_ms, "{beat:?}");
        assert!(!beat.clock_off, "the server's Date agrees with ours: {beat:?}");
    }
    // The first goes out before any attempt; later ones after all three were tried.
    let (first, _) = &beats[0];
    assert_eq!((first.pending, first.dead_letters, first.last_delivery_at.as_deref()), (3, 0, None));
    let oldest = at(&first.oldest_pending_at).expect("three pending");
    assert!((before..=after).contains(&oldest), "{oldest} not in {before}..={after}");
    let (last, _) = beats.iter().rfind(|b| settled(b)).unwrap();
    let delivered = at(&last.last_delivery_at).expect("one delivered");
    assert!(
        (after..=hall_kiosk::delivery::outbox::now_ms()).contains(&delivered),
        "delivered at {delivered}"
    );
    assert!(at(&last.oldest_pending_at).unwrap() > oldest, "the oldest pending is now the third");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_date_two_days_away_raises_the_clock_alert() {
    // The server's replies say it is two days earlier than the kiosk thinks: reply dates
    // on tickets would be wrong, so staff must hear of it, in the uplink's status (the
    // help bar's alert) and in the next heartbeat.
    let two_days = Duration::from_secs(2 * 24 * 3600);
    let mut rig = Rig::new(move |_, _| Answer::StoreDatedBehind(two_days)).await;
    *rig.recorder.heartbeat_date_behind.lock().unwrap() = Some(two_days);
    rig.settings.heartbeat_every = Duration::from_millis(100);
    let status = {
        rig.queue(1);
        let outbox = rig.submitter.outbox().another_connection().unwrap();
        let uplink = Uplink::new(outbox, rig.settings.clone()).unwrap();
        let status = uplink.status();
        assert!(!status.borrow().clock_off, "no server heard yet");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(uplink.run(async {
            let _ = stopped.await;
        }));
        (status, stop)
    };
    let started = Instant::now();
    while !rig.recorder.beats.lock().unwrap().iter().any(|(b, _)| b.clock_off) {
        assert!(started.elapsed() < Duration::from_secs(10), "{:#?}", rig.recorder.beats.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(status.0.borrow().clock_off, "the status shows it");
    assert_eq!(rig.arrivals().len(), 1, "the submission itself was stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_the_server_cannot_take_now_is_not_a_credentials_alert() {
    // 503 to every heartbeat (the server is busy): a warning in the log, but staff are not
    // told to re-provision a token that works (the submissions get through with it).
    let mut rig = Rig::new(|_, _| Answer::Store).await;
    *rig.recorder.heartbeat_status.lock().unwrap() = Some(StatusCode::SERVICE_UNAVAILABLE);
    rig.settings.heartbeat_every = Duration::from_millis(50);
    rig.queue(1);
    let outbox = rig.submitter.outbox().another_connection().unwrap();
    let uplink = Uplink::new(outbox, rig.settings.clone()).unwrap();
    let status = uplink.status();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(uplink.run(async {
        let _ = stopped.await;
    }));
    let started = Instant::now();
    while rig.recorder.beats.lock().unwrap().len() < 3 || rig.arrivals().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "{:#?}", rig.recorder.beats.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!status.borrow().credentials_rejected, "{:?}", *status.borrow());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_the_server_asked_for_outlasts_the_heartbeats_in_between() {
    // Retry-After 10 s scaled by 0.1: a 1 s pause, with a heartbeat every 50 ms inside it.
    const PAUSE: Duration = Duration::from_secs(1);
    let first_id = Mutex::new(None::<String>);
    let mut rig = Rig::new(move |id, before| {
        let first = first_id.lock().unwrap().get_or_insert_with(|| id.to_string()).clone();
        if id == first && before == 0 { Answer::RetryAfterSecs(503, 10) } else { Answer::Store }
    })
    .await;
    rig.settings.retry_after_scale = 0.1;
    rig.settings.heartbeat_every = Duration::from_millis(50);
    rig.queue(2);
    let _stop = rig.start();
    let arrivals = rig
        .wait_for(Duration::from_secs(10), |a| {
            a.iter().filter(|a| matches!(a.answer, Answer::Store)).count() == 2
        })
        .await;
    let first = arrivals[0].at;
    for a in &arrivals[1..] {
        // The row behind the refused one waits too, heartbeat or not.
        assert!(a.at - first >= PAUSE, "{} arrived {}ms into a 1000ms pause", a.id, ms(a.at - first));
    }
    let beats = rig.recorder.beats.lock().unwrap().len();
    assert!(beats >= 5, "heartbeats go on during the pause: {beats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_due_later_is_sent_after_newer_rows_went_first() {
    let rig = Rig::new(|_, _| Answer::Store).await;
    let ids = rig.queue(2);
    // The older row failed before and waits for its next attempt; the newer one is due.
    let later = hall_kiosk::delivery::outbox::now_ms() + 300;
    rig.submitter.outbox().mark_retry(&ids[0], later, "503 Service Unavailable").unwrap();
    let started = Instant::now();
    let _stop = rig.start();
    let arrivals = rig.wait_for(Duration::from_secs(5), |a| a.len() == 2).await;
    assert_eq!(arrivals[0].id, ids[1], "the due row goes first");
    assert_eq!(arrivals[1].id, ids[0], "the older row is not forgotten behind it");
    assert!(arrivals[1].at - started >= Duration::from_millis(250), "and waits for its schedule");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_submission_is_sent_at_once() {
    let rig = Rig::new(|_, _| Answer::Store).await;
    let _stop = rig.start();
    // The uplink sent its heartbeat at start and went back to waiting (the next is an hour
    // away): only the outbox's bell can wake it.
    let started = Instant::now();
    while rig.recorder.beats.lock().unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "no heartbeat at start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let queued = Instant::now();
    let id = rig.queue(1).remove(0);
    let arrivals = rig.wait_for(Duration::from_secs(5), |a| !a.is_empty()).await;
    assert_eq!(arrivals[0].id, id);
    assert!(
        arrivals[0].at - queued < Duration::from_secs(2),
        "sent {}ms after it was queued",
        ms(arrivals[0].at - queued)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_staff_put_back_is_sent_at_once() {
    let rig = Rig::new(|_, before| if before == 0 { Answer::Refuse } else { Answer::Store }).await;
    let id = rig.queue(1).remove(0);
    let _stop = rig.start();
    rig.wait_for(Duration::from_secs(5), |a| a.len() == 1).await;
    let outbox = rig.submitter.outbox();
    let started = Instant::now();
    while outbox.stats().unwrap().dead_letters == 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "not dead-lettered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Staff fixed the cause and chose "retry" (the next heartbeat is an hour away).
    let put_back = Instant::now();
    assert_eq!(outbox.retry_dead(&hall_kiosk::delivery::outbox::DeadSelector::All).unwrap(), 1);
    let arrivals = rig.wait_for(Duration::from_secs(5), |a| a.len() == 2).await;
    assert_eq!(arrivals[1].id, id);
    assert!(
        arrivals[1].at - put_back < Duration::from_secs(2),
        "sent {}ms after",
        ms(arrivals[1].at - put_back)
    );
}
