//! The delivery path end to end over real HTTP on 127.0.0.1: submissions go through the
//! screens' own path into the outbox, the uplink sends them to the reference intake server,
//! and a fault-injecting layer in front of it fails, stalls and resets. Time is scaled
//! (1 s of the protocol's timings = 10 ms) so minutes of outage take about a second.

mod common;

use common::flaky::{quiet_injected_panics, reset};

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hall_kiosk::delivery::outbox::{Outbox, OutboxOptions};
use hall_kiosk::delivery::protocol::{AssistPayload, RatingPayload};
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::delivery::uplink::{Uplink, UplinkSettings, UplinkStatus};

/// Scaled time: 1 second of real protocol time is 10 ms here.
const SCALE: f64 = 0.01;

/// What the fault layer does to the next submission request.
#[derive(Debug, Clone)]
enum Fault {
    /// Answer with this status (and `Retry-After`, if given) without passing it on.
    Status(u16, Option<String>),
    /// Drop the connection without an answer.
    Reset,
    /// Pass it on, then hold the answer this long (the server has stored it).
    StallAfterStoring(Duration),
}

/// The fault script plus an outage window.
#[derive(Default)]
struct Faults {
    /// Applied one per submission request, in order.
    script: Mutex<VecDeque<Fault>>,
    /// Until this instant every submission request gets a 503 or a reset.
    outage_until: Mutex<Option<Instant>>,
}

async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    if request.uri().path() != "/v1/submissions" {
        return next.run(request).await;
    }
    let in_outage = faults.outage_until.lock().unwrap().is_some_and(|until| Instant::now() < until);
    if in_outage {
        // Alternate the two ways a server is "down".
        if getrandom::u64().unwrap().is_multiple_of(2) {
            reset();
        }
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let fault = faults.script.lock().unwrap().pop_front();
    match fault {
        None => next.run(request).await,
        Some(Fault::Status(code, retry_after)) => {
            let mut response = StatusCode::from_u16(code).unwrap().into_response();
            if let Some(ra) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_str(&ra).unwrap());
            }
            response
        }
        Some(Fault::Reset) => reset(),
        Some(Fault::StallAfterStoring(d)) => {
            let response = next.run(request).await;
            tokio::time::sleep(d).await;
            response
        }
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    intake: Arc<common::server::Intake>,
    faults: Arc<Faults>,
    submitter: Submitter,
    settings: UplinkSettings,
    /// The queued body of each submission, read from the outbox while it was pending.
    queued: Mutex<HashMap<String, Vec<u8>>>,
}

async fn rig(token: &str, options: OutboxOptions) -> Rig {
    quiet_injected_panics();
    let dir = tempfile::tempdir().unwrap();
    let intake = common::intake(dir.path());
    let faults = Arc::new(Faults::default());
    let router = common::server::router(intake.clone())
        .layer(axum::middleware::from_fn_with_state(faults.clone(), inject));
    let addr = common::serve(router).await;
    let config = common::load(&common::write_config(dir.path(), addr, token));
    let (outbox, _) = Outbox::open_with(&config.data_dir(), &options).unwrap();
    let settings = common::scaled_settings(&config, SCALE);
    Rig {
        submitter: Submitter::new(&config, outbox),
        intake,
        faults,
        settings,
        queued: Mutex::default(),
        _dir: dir,
    }
}

fn rating(level: u8) -> RatingPayload {
    RatingPayload {
        window: "3".into(),
        staff_id: None,
        matter: None,
        level,
        tags: vec!["slow".into()],
        probable_repeat: false,
        comment: None,
        phone: None,
        callback_requested: false,
        consent_given: false,
    }
}

/// Queues `n` submissions (a mix of kinds) and returns their ids.
fn queue(rig: &Rig, n: usize) -> Vec<String> {
    let ids = (0..n)
        .map(|i| {
            let receipt = match i % 3 {
                0 => rig.submitter.rating(&rating(1)).unwrap(),
                1 => rig.submitter.rating(&rating(5)).unwrap(),
                _ => rig.submitter.assist(&AssistPayload { screen: format!("screen-{i}") }).unwrap(),
            };
            receipt.id.to_string()
        })
        .collect();
    note_queued_bodies(rig);
    ids
}

/// Keeps the body of every pending submission, to compare with what the server stored.
fn note_queued_bodies(rig: &Rig) {
    let rows = rig.submitter.outbox().due(i64::MAX, 0, 100_000).unwrap();
    let mut queued = rig.queued.lock().unwrap();
    for row in rows {
        queued.entry(row.id).or_insert(row.body);
    }
}

/// The body the server stored for each id, read from its database.
fn stored_bodies(rig: &Rig) -> HashMap<String, Vec<u8>> {
    let db = rusqlite::Connection::open(rig._dir.path().join("intake.db")).unwrap();
    let mut stmt = db.prepare("SELECT id, body FROM submissions").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Starts the uplink; returns its status and the switch that stops it.
fn start(rig: &Rig) -> (tokio::sync::watch::Receiver<UplinkStatus>, tokio::sync::oneshot::Sender<()>) {
    note_queued_bodies(rig);
    let uplink =
        Uplink::new(rig.submitter.outbox().another_connection().unwrap(), rig.settings.clone()).unwrap();
    let status = uplink.status();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(uplink.run(async {
        let _ = stopped.await;
    }));
    (status, stop)
}

/// Waits until nothing is pending (or panics after `limit`).
async fn drained(rig: &Rig, limit: Duration) -> Duration {
    let started = Instant::now();
    while rig.submitter.outbox().stats().unwrap().pending > 0 {
        assert!(
            started.elapsed() < limit,
            "still pending after {limit:?}: {:?}",
            rig.submitter.outbox().stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

/// The ids the kiosk has recorded as delivered.
fn delivered_ids(rig: &Rig) -> HashSet<String> {
    rig.submitter.outbox().delivered().unwrap().into_iter().map(|d| d.id).collect()
}

/// Every queued id is stored on the server exactly once, nothing else is, nothing conflicted.
fn assert_exactly_once(rig: &Rig, ids: &[String]) {
    let stored = rig.intake.stored_ids();
    let unique: HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "a submission was stored twice");
    assert_eq!(unique, ids.iter().collect::<HashSet<_>>(), "stored set differs from queued set");
    assert_eq!(rig.intake.counters.stored.load(Ordering::Relaxed), ids.len() as u64);
    assert_eq!(rig.intake.counters.conflicts.load(Ordering::Relaxed), 0);
    let kept = delivered_ids(rig);
    assert_eq!(kept, ids.iter().cloned().collect::<HashSet<_>>(), "the kiosk's delivery records differ");
    // The server holds each body byte for byte as it was queued (what the citizen confirmed,
    // and what a replay must repeat exactly).
    let stored = stored_bodies(rig);
    let queued = rig.queued.lock().unwrap();
    let mut compared = 0;
    for id in ids {
        if let Some(body) = queued.get(id) {
            assert!(
                stored[id] == *body,
                "{id}: stored {:?}, queued {:?}",
                String::from_utf8_lossy(&stored[id]),
                String::from_utf8_lossy(body)
            );
            compared += 1;
        }
    }
    // Only a submission sent the moment it was queued can be gone before its body was read.
    assert!(compared * 10 >= ids.len() * 9, "only {compared} of {} bodies compared", ids.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_survived_and_each_submission_arrives_once() {
    let rig = rig(common::TOKEN, OutboxOptions::default()).await;
    let http_date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    rig.faults.script.lock().unwrap().extend([
        Fault::Status(500, None),
        Fault::Status(503, Some("3".into())),
        Fault::Status(429, Some("1".into())),
        Fault::Status(503, Some(http_date)),
        Fault::Reset,
        Fault::Status(502, None),
        Fault::Status(408, None),
        Fault::Status(409, None),
        Fault::Status(425, None),
        // 10 s stall: under the 15 s request timeout, so it simply succeeds late.
        Fault::StallAfterStoring(Duration::from_secs_f64(10.0 * SCALE)),
        // 20 s stall: the kiosk times out although the server stored it; the retry is a replay.
        Fault::StallAfterStoring(Duration::from_secs_f64(20.0 * SCALE)),
        Fault::Reset,
        Fault::Status(504, None),
    ]);
    let ids = queue(&rig, 30);
    let (status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(30)).await;
    assert!(rig.faults.script.lock().unwrap().is_empty(), "every fault was hit");
    assert_exactly_once(&rig, &ids);
    assert!(rig.intake.counters.replayed.load(Ordering::Relaxed) >= 1, "the timed-out request was replayed");
    // More submissions while the uplink idles are sent at once.
    let more = queue(&rig, 3);
    let took = drained(&rig, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "a new submission waited {took:?}");
    assert_exactly_once(&rig, &[ids, more].concat());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rig.intake.counters.heartbeats.load(Ordering::Relaxed) >= 1, "heartbeats are sent");
    let s = status.borrow().clone();
    assert_eq!((s.queue.pending, s.queue.dead_letters), (0, 0));
    assert!(s.queue.last_delivery_ms.is_some());
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_minute_outage_loses_nothing() {
    let rig = rig(common::TOKEN, OutboxOptions::default()).await;
    let outage = Duration::from_secs_f64(120.0 * SCALE);
    *rig.faults.outage_until.lock().unwrap() = Some(Instant::now() + outage);
    let (_status, stop) = start(&rig);
    let mut ids = queue(&rig, 10);
    tokio::time::sleep(outage / 2).await;
    ids.extend(queue(&rig, 10)); // citizens keep filing during the outage
    assert!(rig.intake.stored_ids().is_empty(), "nothing got through the outage");
    let took = drained(&rig, Duration::from_secs(30)).await;
    // After the outage the uplink is back within one backoff ceiling (cap 5 min, scaled).
    assert!(took < outage + Duration::from_secs_f64(300.0 * SCALE) + Duration::from_secs(1), "{took:?}");
    assert_exactly_once(&rig, &ids);
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_pause_without_dead_lettering() {
    let mut rig = rig("not-the-right-token", OutboxOptions::default()).await;
    rig.settings.auth_retry = Duration::from_millis(200);
    // Only the heartbeat at start: the alert must be cleared by the delivery itself.
    rig.settings.heartbeat_every = Duration::from_secs(3600);
    let ids = queue(&rig, 5);
    let (mut status, stop) = start(&rig);
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| s.credentials_rejected))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await; // a few slow retries
    let stats = rig.submitter.outbox().stats().unwrap();
    assert_eq!((stats.pending, stats.dead_letters), (5, 0), "everything kept, nothing dead-lettered");
    let requests = rig.intake.counters.requests.load(Ordering::Relaxed);
    assert!((2..=8).contains(&requests), "retries slowly while rejected: {requests} requests");
    // Staff put the right token in place: delivery resumes by itself, the alert clears.
    let token_dir = rig.settings.token_file.parent().unwrap().to_path_buf();
    common::write_token(&token_dir, common::TOKEN);
    drained(&rig, Duration::from_secs(5)).await;
    assert_exactly_once(&rig, &ids);
    tokio::time::timeout(Duration::from_secs(2), status.wait_for(|s| !s.credentials_rejected))
        .await
        .expect("a delivery with the new token clears the credentials alert")
        .unwrap();
    assert_eq!(status.borrow().last_error, None, "and the error staff were shown");
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_with_a_different_body_is_a_dead_letter() {
    let rig = rig(common::TOKEN, OutboxOptions::default()).await;
    let ids = queue(&rig, 3);
    // The server already holds the second id with another body (say, a kiosk restored from
    // an old backup). It must answer 422, and the kiosk must keep the row for staff.
    let row = rig.submitter.outbox().due(i64::MAX, 0, 3).unwrap().remove(1);
    let other =
        String::from_utf8(row.body.clone()).unwrap().replace("\"level\":5", "\"level\":4").into_bytes();
    assert_ne!(other, row.body);
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(header::AUTHORIZATION, format!("Bearer {}", common::TOKEN).parse().unwrap());
    headers.insert("idempotency-key", row.id.parse().unwrap());
    assert_eq!(rig.intake.submit(&headers, &other).0, StatusCode::CREATED);

    let (_status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(5)).await;
    let dead = rig.submitter.outbox().dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, ids[1]);
    assert_eq!(dead[0].status, 422);
    assert!(dead[0].reason.contains("different body"), "{}", dead[0].reason);
    let delivered = delivered_ids(&rig);
    assert_eq!(delivered, HashSet::from([ids[0].clone(), ids[2].clone()]));
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_refuses_new_submissions_and_keeps_the_queue() {
    let rig = rig(common::TOKEN, OutboxOptions { max_bytes: Some(96 * 1024) }).await;
    let mut ids = Vec::new();
    let error = loop {
        match rig.submitter.rating(&rating(1)) {
            Ok(r) => ids.push(r.id.to_string()),
            Err(e) => break e,
        }
        assert!(ids.len() < 10_000, "the size limit never hit");
    };
    assert!(error.is_disk_full(), "{error}");
    assert!(error.to_string().contains("disk is full"), "{error}");
    assert_eq!(rig.submitter.outbox().stats().unwrap().pending, ids.len() as u64);
    let (_status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(20)).await;
    assert_exactly_once(&rig, &ids);
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_page_shows_the_ticket_only_with_its_token() {
    let rig = rig(common::TOKEN, OutboxOptions::default()).await;
    let receipt = rig.submitter.rating(&rating(2)).unwrap();
    let ticket = receipt.ticket.unwrap();
    let (_status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(5)).await;
    let client = reqwest::Client::new();
    let page = client.get(&ticket.link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains(ticket.number.as_str()) && html.contains("答复期限"), "{html}");
    assert!(html.contains(&ticket.reply_due.to_string()), "{html}");
    let en = client.get(format!("{}&lang=en", ticket.link)).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("Reply due by"), "{en}");
    let wrong = ticket.link.replace(ticket.token.reveal(), "AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(client.get(&wrong).send().await.unwrap().status(), 404);
    let bare = ticket.link.split('?').next().unwrap().to_string();
    assert_eq!(client.get(&bare).send().await.unwrap().status(), 404);
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_retry_after_does_not_kill_delivery() {
    let mut rig = rig(common::TOKEN, OutboxOptions::default()).await;
    // Production's factor 1.0, so the server's number is taken as it is.
    rig.settings.retry_after_scale = 1.0;
    rig.settings.retry_after_max = Duration::from_millis(100);
    rig.faults.script.lock().unwrap().extend([
        Fault::Status(503, Some("18446744073709551615".into())),
        Fault::Status(429, Some("99999999999999".into())),
        Fault::Status(503, Some("Fri, 31 Dec 9999 23:59:59 GMT".into())),
    ]);
    let ids = queue(&rig, 3);
    let (status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(10)).await;
    assert_exactly_once(&rig, &ids);
    assert_eq!(status.borrow().restarts, 0);
    let _ = stop.send(());
}

/// Whether any file in `dir` contains `needle`.
fn on_disk(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read(p).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle)))
        .map(|p| p.display().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_phone_number_does_not_stay_on_disk() {
    let rig = rig(common::TOKEN, OutboxOptions::default()).await;
    let phone = "13912345678";
    rig.submitter.rating(&rating_with_phone(phone)).unwrap();
    let data = rig.submitter.outbox().path().parent().unwrap().to_path_buf();
    assert!(!on_disk(&data, phone.as_bytes()).is_empty(), "queued: on disk until delivered");
    let (_status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(5)).await;
    // A killed kiosk must not leave it behind for more than a few seconds.
    let started = Instant::now();
    loop {
        let found = on_disk(&data, phone.as_bytes());
        if found.is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(3), "still on disk after delivery: {found:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_token_is_picked_up_and_a_heartbeat_clears_the_alert() {
    let rig = rig("not-the-right-token", OutboxOptions::default()).await;
    // Nothing queued: only heartbeats (every 200 ms here) go out.
    let (mut status, stop) = start(&rig);
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| s.credentials_rejected))
        .await
        .unwrap()
        .unwrap();
    let token_dir = rig.settings.token_file.parent().unwrap().to_path_buf();
    common::write_token(&token_dir, common::TOKEN);
    tokio::time::timeout(Duration::from_secs(3), status.wait_for(|s| !s.credentials_rejected))
        .await
        .expect("the alert stays up although the server accepts the new token")
        .unwrap();
    let beats = rig.intake.counters.heartbeats.load(Ordering::Relaxed);
    assert!(beats >= 1, "accepted heartbeats: {beats}");
    let _ = stop.send(());
}

/// A rating with a callback number, consent given.
fn rating_with_phone(phone: &str) -> RatingPayload {
    let mut payload = rating(1);
    payload.phone = Some(hall_kiosk::delivery::protocol::Personal(phone.into()));
    payload.consent_given = true;
    payload.callback_requested = true;
    payload
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_past_their_retention_are_cleared_when_the_uplink_starts() {
    use hall_kiosk::delivery::outbox::now_ms;
    const DAY_MS: i64 = 86_400_000;
    let mut rig = rig(common::TOKEN, OutboxOptions::default()).await;
    rig.settings.dead_letter_retention = Duration::from_secs(7 * 86_400);
    let outbox = rig.submitter.outbox();
    // A dead letter refused eight days ago, with a citizen's number in it; one from today.
    let phone = "13712345678";
    let old_dead = rig.submitter.rating(&rating_with_phone(phone)).unwrap().id.to_string();
    outbox.mark_dead(&old_dead, 422, "refused", now_ms() - 8 * DAY_MS).unwrap();
    let new_dead = rig.submitter.rating(&rating_with_phone("13712340000")).unwrap().id.to_string();
    outbox.mark_dead(&new_dead, 422, "refused", now_ms()).unwrap();
    // Delivery records are kept 30 days (docs/protocol.md): one 31 days old, one 29.
    let old_delivered = rig.submitter.rating(&rating(5)).unwrap().id.to_string();
    outbox.mark_delivered(&old_delivered, now_ms() - 31 * DAY_MS).unwrap();
    let recent = rig.submitter.rating(&rating(5)).unwrap().id.to_string();
    outbox.mark_delivered(&recent, now_ms() - 29 * DAY_MS).unwrap();
    let exported = || {
        let mut out = Vec::new();
        outbox.export(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(exported().contains(phone));

    let (_status, stop) = start(&rig);
    let started = Instant::now();
    while delivered_ids(&rig).contains(&old_delivered) || exported().contains(phone) {
        assert!(started.elapsed() < Duration::from_secs(5), "not cleared: {}", exported());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(delivered_ids(&rig).contains(&recent), "a record inside its retention is kept");
    let text = exported();
    assert!(text.contains("13712340000"), "a new dead letter keeps what staff need to call back");
    let dead: Vec<String> = outbox.dead_letters().unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(dead, [old_dead, new_dead], "scrubbed, not deleted: staff still see both");
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_held_up_by_a_reader_is_tried_again_within_a_second() {
    let mut rig = rig(common::TOKEN, OutboxOptions::default()).await;
    rig.settings.heartbeat_every = Duration::from_secs(3600); // nothing else wakes the uplink
    let phone = "13912340001";
    rig.submitter.rating(&rating_with_phone(phone)).unwrap();
    let data = rig.submitter.outbox().path().parent().unwrap().to_path_buf();
    // Another reader (the staff's `queue status`, say) is in the middle of a read.
    let reader = rusqlite::Connection::open(rig.submitter.outbox().path()).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap();
    let (_status, stop) = start(&rig);
    drained(&rig, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!on_disk(&data, phone.as_bytes()).is_empty(), "the reader holds the old pages in the WAL");
    reader.execute_batch("COMMIT").unwrap();
    let started = Instant::now();
    loop {
        let found = on_disk(&data, phone.as_bytes());
        if found.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still on disk after the reader finished: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(());
}
