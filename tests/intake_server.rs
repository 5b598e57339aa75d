//! The reference intake server as halls will copy it: a token acts for its own kiosk only,
//! a ticket collision is told apart from an idempotency conflict, answers are real JSON,
//! its database is private and tracking pages are neither cached nor leaked as referrers.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, StatusCode, header};
use common::server::{Intake, KioskToken};
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::protocol::RatingPayload;
use hall_kiosk::delivery::submission::Submitter;

fn headers(token: &str, key: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    h.insert("idempotency-key", key.parse().unwrap());
    h
}

/// A bad rating's exact body from the example kiosk K01, with its id.
fn bad_rating_body(dir: &std::path::Path) -> (String, Vec<u8>) {
    let config = common::load(&common::write_config(dir, "127.0.0.1:9".parse().unwrap(), common::TOKEN));
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    let rating = RatingPayload {
        window: "3".into(),
        staff_id: None,
        matter: None,
        level: 1,
        tags: vec!["slow".into()],
        probable_repeat: false,
        comment: None,
        phone: None,
        callback_requested: false,
        consent_given: false,
    };
    submitter.rating(&rating).unwrap();
    let row = submitter.outbox().due(i64::MAX, 0, 1).unwrap().remove(0);
    (row.id, row.body)
}

fn intake(dir: &std::path::Path) -> Intake {
    let tokens = vec![KioskToken::new("K01", "token-of-k01"), KioskToken::new("K02", "token-of-k02")];
    Intake::open(&dir.join("intake.db"), tokens).unwrap()
}

#[test]
fn a_token_acts_for_its_own_kiosk_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = intake(dir.path());
    let (id, body) = bad_rating_body(dir.path());
    // K02's token posting K01's submission (kiosk_id and ticket prefix K01).
    let (status, answer) = server.submit(&headers("token-of-k02", &id), &body);
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    // K02's token with the body relabelled as K02 but K01's ticket number.
    let relabelled =
        String::from_utf8(body.clone()).unwrap().replace("\"kiosk_id\":\"K01\"", "\"kiosk_id\":\"K02\"");
    let (status, _) = server.submit(&headers("token-of-k02", &id), relabelled.as_bytes());
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(server.stored_ids().is_empty(), "nothing taken over");
    // Its own token: stored.
    assert_eq!(server.submit(&headers("token-of-k01", &id), &body).0, StatusCode::CREATED);
}

#[test]
fn a_ticket_collision_is_not_an_idempotency_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let server = intake(dir.path());
    let (id, body) = bad_rating_body(dir.path());
    assert_eq!(server.submit(&headers("token-of-k01", &id), &body).0, StatusCode::CREATED);
    // Another id with the same ticket number (a kiosk that issued it twice).
    let other_id = uuid::Uuid::now_v7().to_string();
    let again = String::from_utf8(body).unwrap().replace(&id, &other_id);
    let (status, answer) = server.submit(&headers("token-of-k01", &other_id), again.as_bytes());
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["conflict"], "ticket_number");
    assert_eq!(server.counters.conflicts.load(Ordering::Relaxed), 0);
    assert_eq!(server.counters.ticket_collisions.load(Ordering::Relaxed), 1);
    // The kiosk keeps it for staff instead of retrying forever.
    let class =
        hall_kiosk::delivery::uplink::classify_reply(status, answer.to_string().as_bytes(), &other_id);
    assert_eq!(class, hall_kiosk::delivery::uplink::ReplyClass::Dead);
}

#[test]
fn answers_are_json_whatever_the_id_and_the_database_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let server = intake(dir.path());
    let mode = std::fs::metadata(dir.path().join("intake.db")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let id = r#"x","result":"injected"#;
    let body = serde_json::json!({
        "id": id, "kind": "assist", "kiosk_id": "K01",
        "created_at": "2026-11-20T10:00:00.000+08:00", "ticket": null, "payload": {"screen": "home"}
    });
    let (status, answer) = server.submit(&headers("token-of-k01", id), body.to_string().as_bytes());
    assert_eq!(status, StatusCode::CREATED);
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("valid JSON");
    assert_eq!(answer["id"], id);
    assert_eq!(answer["result"], "stored");
}

#[test]
fn tokens_file_ties_tokens_to_kiosks_and_keeps_a_hash_sign() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    std::fs::write(&path, "# hall 440305\nK01 abc#def\n\n  K02   x-y_z  \n").unwrap();
    let tokens = Intake::read_tokens(&path).unwrap();
    assert_eq!(tokens, vec![KioskToken::new("K01", "abc#def"), KioskToken::new("K02", "x-y_z")]);
    std::fs::write(&path, "only-a-token\n").unwrap();
    assert!(Intake::read_tokens(&path).is_err(), "a line without its kiosk id is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_pages_are_not_cached_or_referred() {
    let dir = tempfile::tempdir().unwrap();
    let addr = common::serve(common::server::router(std::sync::Arc::new(intake(dir.path())))).await;
    let page = reqwest::get(format!("http://{addr}/t/440305-K01-261120-0001U?k=nope")).await.unwrap();
    assert_eq!(page.status(), 404);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
}

#[test]
fn other_departments_are_accepted_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = intake(dir.path());
    let post = |others: serde_json::Value| {
        let id = uuid::Uuid::now_v7().to_string();
        let body = serde_json::json!({
            "id": id, "kind": "complaint", "kiosk_id": "K01",
            "created_at": "2026-11-20T10:00:00.000+08:00", "ticket": null,
            "payload": {"problem_type": "pushed-between-departments", "department": "tax", "other_departments": others}
        });
        server.submit(&headers("token-of-k01", &id), body.to_string().as_bytes()).0
    };
    assert_eq!(post(serde_json::json!(["health", "civil-affairs"])), StatusCode::CREATED);
    assert_eq!(post(serde_json::json!(["a", "b", "c", "d", "e", "f"])), StatusCode::BAD_REQUEST);
    assert_eq!(post(serde_json::json!("health")), StatusCode::BAD_REQUEST);
    assert_eq!(server.stored_ids().len(), 1);
}
