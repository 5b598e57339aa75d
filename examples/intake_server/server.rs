//! The reference intake server: implements `docs/protocol.md` exactly, stores submissions
//! in SQLite with the submission id as a UNIQUE key, and serves the public tracking page.
//! Used by the demo, the benchmark and the tests (they include this file by path, and
//! each uses only part of it).
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use hall_kiosk::hall::ticket::{TicketNumber, sha256_hex};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

/// Counters the tests and the benchmark read.
#[derive(Debug, Default)]
pub struct Counters {
    /// Submission requests received (any outcome).
    pub requests: AtomicU64,
    /// Answered 201: stored for the first time.
    pub stored: AtomicU64,
    /// Answered 200: a retry of something already stored.
    pub replayed: AtomicU64,
    /// Answered 422: same key, different body.
    pub conflicts: AtomicU64,
    /// Answered 409 `ticket_number`: another submission already has this ticket number.
    pub ticket_collisions: AtomicU64,
    /// Answered 403: a token used for another kiosk's submission.
    pub forbidden: AtomicU64,
    /// Heartbeats received.
    pub heartbeats: AtomicU64,
}

/// The server's state.
pub struct Intake {
    /// The submissions database.
    db: Mutex<Connection>,
    /// Accepted bearer tokens, each with the one kiosk id it may act as.
    tokens: Vec<KioskToken>,
    /// What happened so far.
    pub counters: Counters,
}

/// A bearer token and the kiosk it belongs to (one line `kiosk_id token` of the tokens file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskToken {
    /// The kiosk id (`[kiosk] id`) this token may submit as.
    pub kiosk_id: String,
    /// The bearer token.
    pub token: String,
}

impl KioskToken {
    /// A token for `kiosk_id`.
    pub fn new(kiosk_id: &str, token: &str) -> KioskToken {
        KioskToken { kiosk_id: kiosk_id.into(), token: token.into() }
    }
}

/// One staff action as `GET /v1/audit` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// The submission id.
    pub id: String,
    /// When staff did it (the kiosk's clock, RFC 3339).
    pub created_at: String,
    /// `login-ok`, `login-failed`, `lockout`, `retry`, `flush`, `export`, `volume`, `restart`.
    pub action: String,
    /// The figure that goes with it, if any.
    pub detail: Option<String>,
}

/// A success answer, serialised (never assembled by hand: an id may hold any character).
#[derive(serde::Serialize)]
struct Stored<'a> {
    id: &'a str,
    result: &'a str,
}

/// The fields of a submission the server checks and indexes.
#[derive(Deserialize)]
struct Envelope {
    id: String,
    kind: String,
    kiosk_id: String,
    created_at: String,
    ticket: Option<TicketPart>,
    payload: serde_json::Value,
}

#[derive(Deserialize)]
struct TicketPart {
    number: String,
    token_sha256: String,
    reply_due: String,
}

impl Intake {
    /// Opens (or creates) the server database (mode 0600: it holds phone numbers);
    /// `tokens` are the accepted bearer tokens with their kiosks.
    pub fn open(path: &Path, tokens: Vec<KioskToken>) -> rusqlite::Result<Intake> {
        private_file(path).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let db = Connection::open(path)?;
        db.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS submissions (
                id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                kiosk_id TEXT NOT NULL,
                created_at TEXT NOT NULL,
                ticket_number TEXT UNIQUE,
                token_sha256 TEXT,
                reply_due TEXT,
                status TEXT NOT NULL DEFAULT 'received',
                body BLOB NOT NULL,
                received_at TEXT NOT NULL DEFAULT (datetime('now'))
            );
            CREATE TABLE IF NOT EXISTS heartbeats (
                kiosk_id TEXT PRIMARY KEY,
                body BLOB NOT NULL,
                received_at TEXT NOT NULL
            );",
        )?;
        Ok(Intake { db: Mutex::new(db), tokens, counters: Counters::default() })
    }

    /// Reads a tokens file: one `kiosk_id token` per line; blank lines and lines starting
    /// with `#` are skipped (a `#` inside a token is part of it).
    pub fn read_tokens(path: &Path) -> std::io::Result<Vec<KioskToken>> {
        let text = std::fs::read_to_string(path)?;
        let mut tokens = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(kiosk), Some(token), None) => tokens.push(KioskToken::new(kiosk, token)),
                _ => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("line {}: expected `kiosk_id token`", n + 1),
                    ));
                }
            }
        }
        Ok(tokens)
    }

    /// Every stored submission id, in arrival order.
    pub fn stored_ids(&self) -> Vec<String> {
        let db = self.db.lock().unwrap();
        let mut stmt = db.prepare("SELECT id FROM submissions ORDER BY rowid").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// The staff actions (`audit` submissions) of one kiosk, oldest first: what the hall's
    /// supervisors read (`GET /v1/audit`).
    pub fn audit_log(&self, kiosk_id: &str) -> Vec<AuditEntry> {
        let db = self.db.lock().unwrap();
        let mut stmt = db
            .prepare("SELECT id, created_at, body FROM submissions WHERE kind = 'audit' AND kiosk_id = ?1 ORDER BY created_at, rowid")
            .unwrap();
        stmt.query_map([kiosk_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .map(|(id, created_at, body)| {
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let text = |field: &str| body["payload"][field].as_str().map(str::to_string);
            AuditEntry { id, created_at, action: text("action").unwrap_or_default(), detail: text("detail") }
        })
        .collect()
    }

    /// The kiosk id whose token the request carries, if any.
    fn authorised(&self, headers: &HeaderMap) -> Option<&str> {
        let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())?;
        let given = given.strip_prefix("Bearer ")?;
        // Compare digests, so the comparison's time says nothing about the token.
        let given = sha256_hex(given.trim().as_bytes());
        self.tokens.iter().find(|t| sha256_hex(t.token.as_bytes()) == given).map(|t| t.kiosk_id.as_str())
    }

    /// Handles `POST /v1/submissions`; returns the status and a JSON answer.
    pub fn submit(&self, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let Some(kiosk) = self.authorised(headers) else {
            return (StatusCode::UNAUTHORIZED, error_json("unknown or missing bearer token"));
        };
        let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
            return (StatusCode::BAD_REQUEST, error_json("Idempotency-Key header missing"));
        };
        let env = match parse_envelope(key, body) {
            Ok(env) => env,
            Err(why) => return (StatusCode::BAD_REQUEST, error_json(&why)),
        };
        // A token acts for its own kiosk only: its submissions and its ticket numbers.
        let ticket_kiosk = env.ticket.as_ref().and_then(|t| t.number.split('-').nth(1).map(str::to_string));
        if env.kiosk_id != kiosk || ticket_kiosk.is_some_and(|k| !k.eq_ignore_ascii_case(kiosk)) {
            self.counters.forbidden.fetch_add(1, Ordering::Relaxed);
            return (
                StatusCode::FORBIDDEN,
                error_json("this token may not submit for that kiosk or ticket number"),
            );
        }
        let db = self.db.lock().unwrap();
        let inserted = db.execute(
            "INSERT INTO submissions (id, kind, kiosk_id, created_at, ticket_number, token_sha256, reply_due, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
            params![
                env.id,
                env.kind,
                env.kiosk_id,
                env.created_at,
                env.ticket.as_ref().map(|t| &t.number),
                env.ticket.as_ref().map(|t| &t.token_sha256),
                env.ticket.as_ref().map(|t| &t.reply_due),
                body,
            ],
        );
        match inserted {
            Ok(1) => {
                self.counters.stored.fetch_add(1, Ordering::Relaxed);
                (StatusCode::CREATED, stored_json(&env.id, "stored"))
            }
            Ok(_) => {
                let stored: Vec<u8> = db
                    .query_row("SELECT body FROM submissions WHERE id = ?1", [&env.id], |r| r.get(0))
                    .unwrap();
                if stored == body {
                    self.counters.replayed.fetch_add(1, Ordering::Relaxed);
                    (StatusCode::OK, stored_json(&env.id, "already stored"))
                } else {
                    self.counters.conflicts.fetch_add(1, Ordering::Relaxed);
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        error_json("this Idempotency-Key was stored with a different body"),
                    )
                }
            }
            // Another submission already has this ticket number (the kiosk issued it twice):
            // not an idempotency conflict, so answered apart from one.
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                self.counters.ticket_collisions.fetch_add(1, Ordering::Relaxed);
                let body = serde_json::json!({
                    "error": "ticket number already used by another submission",
                    "conflict": "ticket_number",
                });
                (StatusCode::CONFLICT, body.to_string())
            }
            Err(e) => (StatusCode::SERVICE_UNAVAILABLE, error_json(&format!("storage failed: {e}"))),
        }
    }

    /// Handles `POST /v1/heartbeat`.
    pub fn heartbeat(&self, headers: &HeaderMap, body: &[u8]) -> StatusCode {
        let Some(own) = self.authorised(headers) else {
            return StatusCode::UNAUTHORIZED;
        };
        let Ok(beat) = serde_json::from_slice::<serde_json::Value>(body) else {
            return StatusCode::BAD_REQUEST;
        };
        let Some(kiosk) = beat.get("kiosk_id").and_then(|k| k.as_str()) else {
            return StatusCode::BAD_REQUEST;
        };
        if kiosk != own {
            return StatusCode::FORBIDDEN;
        }
        self.counters.heartbeats.fetch_add(1, Ordering::Relaxed);
        let db = self.db.lock().unwrap();
        let _ = db.execute(
            "INSERT OR REPLACE INTO heartbeats (kiosk_id, body, received_at) VALUES (?1, ?2, datetime('now'))",
            params![kiosk, body],
        );
        StatusCode::NO_CONTENT
    }

    /// The tracking page; `None` (404) for an unknown number or a wrong token alike.
    pub fn tracking_page(&self, number: &str, token: &str, english: bool) -> Option<String> {
        let number = TicketNumber::parse(number).ok()?;
        let db = self.db.lock().unwrap();
        let (hash, status, due, received): (String, String, String, String) = db
            .query_row(
                "SELECT token_sha256, status, reply_due, received_at FROM submissions WHERE ticket_number = ?1",
                [number.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .ok()??;
        if sha256_hex(token.as_bytes()) != hash {
            return None;
        }
        let (title, l_number, l_status, l_due, l_received, status_text, other) = if english {
            let status = if status == "received" { "Received, being handled" } else { &status };
            ("Your ticket", "Ticket number", "Status", "Reply due by", "Received", status.to_string(), "中文")
        } else {
            let status = if status == "received" { "已受理，正在办理" } else { &status };
            ("您的回执", "回执编号", "办理状态", "答复期限", "受理时间", status.to_string(), "English")
        };
        let switch =
            format!("/t/{}?k={}&lang={}", number, token_url(token), if english { "zh" } else { "en" });
        Some(format!(
            "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
             <body style=\"font-family:sans-serif;max-width:32em;margin:2em auto;font-size:18px\">\
             <h1>{title}</h1><dl><dt>{l_number}</dt><dd><b>{number}</b></dd><dt>{l_status}</dt><dd>{status}</dd>\
             <dt>{l_due}</dt><dd>{due}</dd><dt>{l_received}</dt><dd>{received} UTC</dd></dl>\
             <p><a href=\"{switch}\">{other}</a></p></body></html>",
            lang = if english { "en" } else { "zh-CN" },
            status = escape(&status_text),
            due = escape(&due),
            received = escape(&received),
        ))
    }
}

/// Keeps only base64url characters, so a token can go back into a link unescaped.
fn token_url(token: &str) -> String {
    token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The body as a submission, with every field the server relies on checked.
fn parse_envelope(key: &str, body: &[u8]) -> Result<Envelope, String> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| format!("body is not a submission: {e}"))?;
    if env.id != key {
        return Err("Idempotency-Key differs from the body's id".into());
    }
    if !matches!(env.kind.as_str(), "complaint" | "rating" | "assist" | "audit") || !env.payload.is_object() {
        return Err("unknown kind or payload not an object".into());
    }
    if env.kind == "audit"
        && (env.ticket.is_some() || !env.payload.get("action").is_some_and(|a| a.is_string()))
    {
        return Err("an audit record has an action and no ticket".into());
    }
    if chrono::DateTime::parse_from_rfc3339(&env.created_at).is_err() {
        return Err("created_at is not RFC 3339".into());
    }
    if let Some(t) = &env.ticket {
        let ok = TicketNumber::parse(&t.number).is_ok()
            && t.token_sha256.len() == 64
            && chrono::NaiveDate::parse_from_str(&t.reply_due, "%Y-%m-%d").is_ok();
        if !ok {
            return Err("ticket is malformed".into());
        }
    }
    // What a citizen typed: a string (or null) of at most so many characters.
    for (field, max) in [("free_text", 300), ("unlisted_matter", 40), ("other_problem", 40), ("comment", 200)]
    {
        match env.payload.get(field) {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(t))
                if t.chars().count() <= max && !t.chars().any(char::is_control) => {}
            Some(_) => return Err(format!("{field} must be text of at most {max} characters, or null")),
        }
    }
    if let Some(other) = env.payload.get("other_departments") {
        let ok = other.as_array().is_some_and(|a| a.len() <= 5 && a.iter().all(|d| d.is_string()));
        if !ok {
            return Err("other_departments must be at most 5 ids".into());
        }
    }
    Ok(env)
}

fn stored_json(id: &str, result: &str) -> String {
    serde_json::to_string(&Stored { id, result }).expect("strings always serialise")
}

/// Creates the file with mode 0600 if missing, or sets 0600 on it.
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// Headers of every tracking page: the token is in its URL, so it must not be cached or
/// passed on as a referrer.
const TRACKING_HEADERS: [(header::HeaderName, &str); 2] =
    [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")];

fn error_json(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

#[derive(Deserialize)]
struct TrackQuery {
    k: Option<String>,
    lang: Option<String>,
}

/// The HTTP routes of the protocol plus the tracking page.
pub fn router(intake: Arc<Intake>) -> Router {
    Router::new()
        .route(
            "/v1/submissions",
            post(|State(s): State<Arc<Intake>>, headers: HeaderMap, body: Bytes| async move {
                let (status, json) =
                    tokio::task::spawn_blocking(move || s.submit(&headers, &body)).await.unwrap();
                (status, [(header::CONTENT_TYPE, "application/json")], json)
            }),
        )
        .route(
            "/v1/heartbeat",
            post(|State(s): State<Arc<Intake>>, headers: HeaderMap, body: Bytes| async move {
                s.heartbeat(&headers, &body)
            }),
        )
        .route(
            "/v1/audit",
            get(|State(s): State<Arc<Intake>>, headers: HeaderMap| async move {
                // Each kiosk's token reads its own kiosk's staff actions.
                match s.authorised(&headers).map(str::to_string) {
                    Some(kiosk) => {
                        let entries = tokio::task::spawn_blocking(move || s.audit_log(&kiosk)).await.unwrap();
                        let json = serde_json::to_string(&entries).expect("entries serialise");
                        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], json).into_response()
                    }
                    None => (StatusCode::UNAUTHORIZED, error_json("unknown or missing bearer token"))
                        .into_response(),
                }
            }),
        )
        .route(
            "/t/{number}",
            get(
                |State(s): State<Arc<Intake>>,
                 UrlPath(number): UrlPath<String>,
                 Query(q): Query<TrackQuery>| async move {
                    let english = q.lang.as_deref() == Some("en");
                    match s.tracking_page(&number, q.k.as_deref().unwrap_or(""), english) {
                        Some(page) => (TRACKING_HEADERS, Html(page)).into_response(),
                        None => (TRACKING_HEADERS, not_found(english)).into_response(),
                    }
                },
            ),
        )
        .with_state(intake)
}

fn not_found(english: bool) -> Response {
    let text = if english {
        "No such ticket, or the link is incomplete."
    } else {
        "未找到该回执，或链接不完整。"
    };
    (StatusCode::NOT_FOUND, Html(format!("<!doctype html><meta charset=\"utf-8\"><p>{text}</p>")))
        .into_response()
}
