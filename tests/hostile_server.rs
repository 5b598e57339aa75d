//! A hostile or broken server on 127.0.0.1, written as raw HTTP so it can do what a
//! well-behaved framework never would: endless bodies, pages that are not the protocol's,
//! echoed personal data. Whatever it sends, the kiosk keeps every submission, stays small
//! and says what happened.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::protocol::AssistPayload;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::delivery::uplink::{DeliveryEvent, Uplink, UplinkSettings};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves every connection with `head` (status line and headers), then `body` repeated
/// `repeat` times (`usize::MAX`: until the client goes away).
async fn raw_server(head: String, body: Vec<u8>, repeat: usize) -> SocketAddr {
    serve_in_pieces(head, vec![body], repeat).await
}

/// [`raw_server`] with the body written in `pieces`, 50 ms apart (a slow or chunking
/// server: the kiosk reads them as separate chunks).
async fn serve_in_pieces(head: String, pieces: Vec<Vec<u8>>, repeat: usize) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (head, pieces) = (head.clone(), pieces.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut buf).await; // the request (small enough for one read)
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..repeat {
                    for (i, piece) in pieces.iter().enumerate() {
                        if i > 0 {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        if socket.write_all(piece).await.is_err() || socket.flush().await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

struct Kiosk {
    _dir: tempfile::TempDir,
    submitter: Submitter,
    settings: UplinkSettings,
}

fn kiosk(addr: SocketAddr) -> Kiosk {
    let dir = tempfile::tempdir().unwrap();
    let config = common::load(&common::write_config(dir.path(), addr, common::TOKEN));
    let (outbox, _) = Outbox::open(&config.data_dir()).unwrap();
    let settings = UplinkSettings::from_config(&config).unwrap();
    Kiosk { submitter: Submitter::new(&config, outbox), settings, _dir: dir }
}

/// `queue flush` with a 1 s timeout; the events it reported.
async fn flush(k: &Kiosk) -> Vec<DeliveryEvent> {
    let mut uplink =
        Uplink::new(k.submitter.outbox().another_connection().unwrap(), k.settings.clone()).unwrap();
    let mut events = Vec::new();
    uplink.flush(Duration::from_secs(1), |e| events.push(e.clone())).await.unwrap();
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_error_body_is_not_read() {
    let head = "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n".to_string();
    let addr = raw_server(head, vec![b'x'; 64 * 1024], usize::MAX).await;
    let k = kiosk(addr);
    k.submitter.assist(&AssistPayload { screen: "home".into() }).unwrap();
    // No length: the body ends when the connection does, which is never. The request
    // timeout is 15 s; reading the whole body would take until then (and all the memory).
    let events =
        tokio::time::timeout(Duration::from_secs(5), flush(&k)).await.expect("the body was read whole");
    let Some(DeliveryEvent::Retry { error, .. }) = events.first() else { panic!("{events:?}") };
    assert!(error.starts_with("500 Internal Server Error: xxxx"), "{error}");
    assert!(events.iter().all(|e| matches!(e, DeliveryEvent::Retry { .. })), "{events:?}");
    assert_eq!(k.submitter.outbox().stats().unwrap().pending, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_url_or_a_proxy_page_pauses_instead_of_dead_lettering() {
    for (status, body) in [
        ("404 Not Found", "<html><body>Not Found</body></html>"),
        ("405 Method Not Allowed", ""),
        ("400 Bad Request", "<html><body>nginx: request header too large</body></html>"),
        // A captive portal or proxy answering 200 with its own page: not a delivery.
        ("200 OK", "<html><body>Welcome to the free Wi-Fi</body></html>"),
    ] {
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n", body.len());
        let k = kiosk(raw_server(head, body.as_bytes().to_vec(), 1).await);
        k.submitter.assist(&AssistPayload { screen: "home".into() }).unwrap();
        k.submitter.assist(&AssistPayload { screen: "help".into() }).unwrap();
        let events = flush(&k).await;
        assert!(matches!(events.as_slice(), [DeliveryEvent::NotTheServer { .. }]), "{status}: {events:?}");
        let stats = k.submitter.outbox().stats().unwrap();
        assert_eq!((stats.pending, stats.dead_letters), (2, 0), "{status}: nothing is dead-lettered");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_phone_number_or_token_is_masked_before_it_is_kept() {
    let body =
        format!(r#"{{"error":"cannot store: phone 13812345678, authorization Bearer {}"}}"#, common::TOKEN);
    for status in ["500 Internal Server Error", "400 Bad Request"] {
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n", body.len());
        let k = kiosk(raw_server(head, body.clone().into_bytes(), 1).await);
        let id = k.submitter.assist(&AssistPayload { screen: "home".into() }).unwrap().id.to_string();
        let events = flush(&k).await;
        let text = format!("{events:?} {:?}", k.submitter.outbox().dead_letters().unwrap());
        let mut out = Vec::new();
        k.submitter.outbox().export(&mut out).unwrap();
        let stored = String::from_utf8(out).unwrap();
        for kept in [&text, &stored] {
            assert!(kept.contains("138****5678"), "{status}: {kept}");
            assert!(!kept.contains("13812345678") && !kept.contains(common::TOKEN), "{status}: {kept}");
        }
        assert!(stored.contains(&id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_first_kib_of_an_answer_counts_however_it_arrives() {
    // A refusal of 1198 bytes, over the protocol's 1 KiB, arriving in two pieces of about
    // 600: the kiosk judges the first 1 KiB (not JSON on its own), so this is not the
    // server's refusal, and nothing is dead-lettered on its word.
    let body = format!(r#"{{"error":"{}"}}"#, "x".repeat(1186));
    let head = format!("HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: {}\r\n\r\n", body.len());
    let (start, rest) = body.as_bytes().split_at(600);
    let k = kiosk(serve_in_pieces(head, vec![start.to_vec(), rest.to_vec()], 1).await);
    k.submitter.assist(&AssistPayload { screen: "home".into() }).unwrap();
    let events = flush(&k).await;
    assert!(matches!(events.as_slice(), [DeliveryEvent::NotTheServer { status: 422, .. }]), "{events:?}");
    let stats = k.submitter.outbox().stats().unwrap();
    assert_eq!((stats.pending, stats.dead_letters), (1, 0));
}
