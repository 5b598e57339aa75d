//! The one path from a confirmed screen to the outbox. The complaint, rating and assist
//! screens call it, and so does `hall-kiosk simulate`: it gives the submission its id
//! (UUIDv7), a ticket and a reply date when one is owed, renders the exact body that will be
//! sent, and queues it in one fsync'd transaction. It never touches the network, so the UI
//! thread may call it directly: it returns as soon as the commit is on disk.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::Serialize;
use uuid::Uuid;

use crate::config::{Complexity, LoadedConfig};
use crate::delivery::outbox::{NewSubmission, Outbox, OutboxError, Rendered};
use crate::delivery::protocol::{
    AssistPayload, AuditPayload, ComplaintPayload, Kind, MAX_OTHER_DEPARTMENTS, Personal, RatingPayload,
    SubmissionBody, TicketRef,
};
use crate::hall::phone::MobileNumber;
use crate::hall::ticket::{TicketNumber, TrackingToken, tracking_link};
use crate::hall::workdays::WorkCalendar;

/// Longest `detail` of an audit record: a figure such as `3 written`, not a sentence.
pub const MAX_AUDIT_DETAIL_CHARS: usize = 64;

/// What the ticket screen needs after a submission was queued.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The submission id (its idempotency key), for staff and logs.
    pub id: Uuid,
    /// What was submitted.
    pub kind: Kind,
    /// The citizen's ticket, when one is owed (complaints and bad ratings).
    pub ticket: Option<TicketReceipt>,
}

/// A ticket as shown to the citizen. Holds the raw tracking token: show it, never store it.
#[derive(Clone)]
pub struct TicketReceipt {
    /// The ticket number printed large.
    pub number: TicketNumber,
    /// The secret of the tracking link (exists only here and on the citizen's screen).
    pub token: TrackingToken,
    /// The QR link: `{tracking base}/t/{number}?k={token}`.
    pub link: String,
    /// The date by which the hall promised a reply.
    pub reply_due: NaiveDate,
}

impl std::fmt::Debug for TicketReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The link carries the token: leave it out.
        f.debug_struct("TicketReceipt")
            .field("number", &self.number)
            .field("reply_due", &self.reply_due)
            .finish_non_exhaustive()
    }
}

/// Why a submission was not queued. The UI shows the citizen the staffed window.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The outbox refused it (disk full: see [`OutboxError::is_disk_full`]) or failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The operating system's random source failed (no tracking token could be made).
    #[error("cannot make a tracking token: {0}")]
    Random(getrandom::Error),
    /// The screen handed over something the protocol does not allow (a bug in the screen).
    #[error("invalid submission: {0}")]
    Invalid(String),
}

impl SubmitError {
    /// Whether the cause is a full disk.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, SubmitError::Outbox(e) if e.is_disk_full())
    }
}

/// Builds and queues submissions for one kiosk.
pub struct Submitter {
    /// Where submissions go.
    outbox: Outbox,
    /// `[kiosk] hall_code`: first part of every ticket number.
    hall_code: String,
    /// `[kiosk] id`: second part of every ticket number, and `kiosk_id` on the wire.
    kiosk_id: String,
    /// `[tracking] base_url`: where the QR link points.
    tracking_base: String,
    /// The hall's working days, to count the reply date.
    calendar: WorkCalendar,
    /// Working days to reply to a simple matter.
    simple_days: u32,
    /// Working days to reply to a complex matter.
    complex_days: u32,
    /// Reply deadline class of each problem type id.
    complexity: HashMap<String, Complexity>,
    /// The hall's department ids, which `other_departments` must name.
    departments: std::collections::HashSet<String>,
    /// The last enqueue was refused for a full disk (cleared by the next success), so the
    /// screen can tell staff.
    disk_full: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Submitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submitter").field("kiosk_id", &self.kiosk_id).finish_non_exhaustive()
    }
}

impl Submitter {
    /// A submitter for the configured kiosk, queuing into `outbox`.
    pub fn new(config: &LoadedConfig, outbox: Outbox) -> Submitter {
        let c = &config.config;
        Submitter {
            outbox,
            hall_code: c.kiosk.hall_code.clone(),
            kiosk_id: c.kiosk.id.clone(),
            tracking_base: c.tracking.base_url.clone(),
            calendar: WorkCalendar::from_config(config),
            simple_days: c.deadlines.simple_working_days,
            complex_days: c.deadlines.complex_working_days,
            complexity: c.problem_types.iter().map(|p| (p.id.clone(), p.complexity)).collect(),
            departments: c.departments.iter().map(|d| d.id.clone()).collect(),
            disk_full: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether the last submission was refused because the disk is full.
    pub fn disk_full(&self) -> bool {
        self.disk_full.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The outbox it queues into (for status figures).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Queues a complaint; it always gets a ticket.
    pub fn complaint(&self, payload: &ComplaintPayload) -> Result<Receipt, SubmitError> {
        self.complaint_at(now(), payload)
    }

    /// [`Submitter::complaint`] at a given local time (tests: date changes, holidays).
    pub fn complaint_at(
        &self,
        at: DateTime<FixedOffset>,
        payload: &ComplaintPayload,
    ) -> Result<Receipt, SubmitError> {
        if !(1..=3).contains(&payload.visits) {
            return Err(SubmitError::Invalid(format!("visits is {}, must be 1, 2 or 3", payload.visits)));
        }
        self.check_other_departments(payload)?;
        let mut payload = payload.clone();
        enforce_consent(&mut payload.phone, &mut payload.callback_requested, payload.consent_given);
        let payload = &payload;
        check_phone(payload.phone.as_ref())?;
        let complexity = self.complexity.get(&payload.problem_type).ok_or_else(|| {
            SubmitError::Invalid(format!("unknown problem type {:?}", payload.problem_type))
        })?;
        let days = match complexity {
            Complexity::Simple => self.simple_days,
            Complexity::Complex => self.complex_days,
        };
        self.submit_at(at, Kind::Complaint, payload, Some(days))
    }

    /// `other_departments`: at most a handful of the hall's department ids, each once, and
    /// not the main `department` again.
    fn check_other_departments(&self, payload: &ComplaintPayload) -> Result<(), SubmitError> {
        let others = &payload.other_departments;
        if others.len() > MAX_OTHER_DEPARTMENTS {
            return Err(SubmitError::Invalid(format!(
                "{} other departments; at most {MAX_OTHER_DEPARTMENTS}",
                others.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for id in others {
            if !self.departments.contains(id) {
                return Err(SubmitError::Invalid(format!("other department {id:?} is not a department id")));
            }
            if !seen.insert(id) || payload.department.as_ref() == Some(id) {
                return Err(SubmitError::Invalid(format!("department {id:?} is named twice")));
            }
        }
        Ok(())
    }

    /// Queues a rating; a bad one (level 1 or 2) gets a ticket with the simple deadline.
    pub fn rating(&self, payload: &RatingPayload) -> Result<Receipt, SubmitError> {
        self.rating_at(now(), payload)
    }

    /// [`Submitter::rating`] at a given local time.
    pub fn rating_at(
        &self,
        at: DateTime<FixedOffset>,
        payload: &RatingPayload,
    ) -> Result<Receipt, SubmitError> {
        if !(1..=5).contains(&payload.level) {
            return Err(SubmitError::Invalid(format!("level is {}, must be 1 to 5", payload.level)));
        }
        let mut payload = payload.clone();
        enforce_consent(&mut payload.phone, &mut payload.callback_requested, payload.consent_given);
        let payload = &payload;
        check_phone(payload.phone.as_ref())?;
        let days = payload.is_bad().then_some(self.simple_days);
        self.submit_at(at, Kind::Rating, payload, days)
    }

    /// Queues a call for staff help; no ticket.
    pub fn assist(&self, payload: &AssistPayload) -> Result<Receipt, SubmitError> {
        self.submit_at(now(), Kind::Assist, payload, None)
    }

    /// Queues a record of a staff action (the staff panel); no ticket. The detail is
    /// bounded: it is a figure, never free text.
    pub fn audit(&self, payload: &AuditPayload) -> Result<Receipt, SubmitError> {
        if payload.detail.as_ref().is_some_and(|d| d.chars().count() > MAX_AUDIT_DETAIL_CHARS) {
            return Err(SubmitError::Invalid(format!("audit detail longer than {MAX_AUDIT_DETAIL_CHARS}")));
        }
        self.submit_at(now(), Kind::Audit, payload, None)
    }

    /// The common path: `reply_days` is `Some` when the submission gets a ticket.
    fn submit_at<P: Serialize>(
        &self,
        at: DateTime<FixedOffset>,
        kind: Kind,
        payload: &P,
        reply_days: Option<u32>,
    ) -> Result<Receipt, SubmitError> {
        let id = Uuid::now_v7();
        let today = at.date_naive();
        let token = match reply_days {
            Some(_) => Some(TrackingToken::generate().map_err(SubmitError::Random)?),
            None => None,
        };
        let new = NewSubmission {
            id,
            kind,
            created_at_ms: at.timestamp_millis(),
            ticket_day: reply_days.map(|_| today),
        };
        let created_at = at.to_rfc3339_opts(SecondsFormat::Millis, false);
        let ticket = self.outbox.enqueue(&new, |seq| {
            let ticket = match (seq, reply_days, token) {
                (Some(seq), Some(days), Some(token)) => {
                    let number = TicketNumber::new(&self.hall_code, &self.kiosk_id, today, seq);
                    let link = tracking_link(&self.tracking_base, &number, &token);
                    let reply_due = self.calendar.add_working_days(today, days);
                    Some(TicketReceipt { number, token, link, reply_due })
                }
                _ => None,
            };
            let body = SubmissionBody {
                id: id.to_string(),
                kind,
                kiosk_id: self.kiosk_id.clone(),
                created_at: created_at.clone(),
                ticket: ticket.as_ref().map(|t| TicketRef {
                    number: t.number.to_string(),
                    token_sha256: t.token.sha256_hex(),
                    reply_due: t.reply_due,
                }),
                payload,
            };
            let body = serde_json::to_vec(&body).expect("submission types always serialise");
            (Rendered { body, ticket: ticket.as_ref().map(|t| t.number.to_string()) }, ticket)
        });
        self.disk_full
            .store(matches!(&ticket, Err(e) if e.is_disk_full()), std::sync::atomic::Ordering::Relaxed);
        let ticket = ticket?;
        tracing::info!(%id, %kind, ticket = ticket.as_ref().map(|t| t.number.as_str()), "submission queued");
        Ok(Receipt { id, kind, ticket })
    }
}

/// A phone number goes into a body only with the citizen's consent. A screen that hands
/// one over without it (a flow that kept the number after consent was withdrawn) loses the
/// number and the call-back wish here, whatever the kind; the rest is still submitted.
fn enforce_consent(phone: &mut Option<Personal>, callback_requested: &mut bool, consent_given: bool) {
    if !consent_given && phone.take().is_some() {
        *callback_requested = false;
        tracing::warn!("a phone number without consent was dropped from a submission (screen bug)");
    }
}

/// A phone number in a payload must be a mainland mobile number (the screen checks it as
/// the citizen types; this catches a screen that did not).
fn check_phone(phone: Option<&Personal>) -> Result<(), SubmitError> {
    match phone.map(|p| MobileNumber::parse(&p.0)) {
        Some(Err(e)) => Err(SubmitError::Invalid(format!("phone: {e}"))),
        _ => Ok(()),
    }
}

fn now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    fn config() -> LoadedConfig {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
        crate::config::load(&path).unwrap()
    }

    fn complaint(problem_type: &str) -> ComplaintPayload {
        ComplaintPayload {
            problem_type: problem_type.into(),
            department: Some("tax".into()),
            other_departments: Vec::new(),
            matter: None,
            details: vec!["asked-twice".into()],
            visits: 2,
            free_text: None,
            unlisted_matter: None,
            other_problem: None,
            phone: Some(Personal("13800138000".into())),
            callback_requested: true,
            consent_given: true,
            language: Language::ZhCn,
        }
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn complaint_gets_ticket_reply_date_and_exact_body() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let s = Submitter::new(&config(), outbox);
        // Friday 2026-11-20; complex = 5 working days -> Friday 27th.
        let r = s.complaint_at(at("2026-11-20T10:00:00+08:00"), &complaint("missing-materials")).unwrap();
        let t = r.ticket.as_ref().unwrap();
        assert!(t.number.as_str().starts_with("440305-K01-261120-0001"), "{}", t.number);
        assert_eq!(t.reply_due, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap());
        assert_eq!(t.link, format!("https://track.example.gov.cn/t/{}?k={}", t.number, t.token.reveal()));
        // Simple: 2 working days -> Tuesday 24th; the sequence goes on.
        let r2 = s.complaint_at(at("2026-11-20T10:01:00+08:00"), &complaint("overdue")).unwrap();
        let t2 = r2.ticket.as_ref().unwrap();
        assert!(t2.number.as_str().contains("-0002"));
        assert_eq!(t2.reply_due, NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());

        let row = &s.outbox().due(i64::MAX, 0, 1).unwrap()[0];
        let body: serde_json::Value = serde_json::from_slice(&row.body).unwrap();
        assert_eq!(body["id"], r.id.to_string());
        assert_eq!(body["kind"], "complaint");
        assert_eq!(body["kiosk_id"], "K01");
        assert_eq!(body["created_at"], "2026-11-20T10:00:00.000+08:00");
        assert_eq!(body["ticket"]["number"], t.number.as_str());
        assert_eq!(body["ticket"]["token_sha256"], t.token.sha256_hex());
        assert_eq!(body["ticket"]["reply_due"], "2026-11-27");
        assert_eq!(body["payload"]["visits"], 2);
        let raw = String::from_utf8(row.body.clone()).unwrap();
        assert!(!raw.contains(t.token.reveal()), "the raw token is never stored");
        assert!(!format!("{r:?}").contains(t.token.reveal()), "nor printed");
        // What is printed still says which ticket and which kiosk a log line is about.
        assert!(format!("{r:?}").contains(t.number.as_str()), "{r:?}");
        assert!(format!("{s:?}").contains("K01"), "{s:?}");
        assert_eq!(row.ticket.as_deref(), Some(t.number.as_str()));
    }

    #[test]
    fn ratings_get_a_ticket_only_when_bad_and_assist_never() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let s = Submitter::new(&config(), outbox);
        let mut rating = RatingPayload {
            window: "3".into(),
            staff_id: Some("NS0301".into()),
            matter: None,
            level: 5,
            tags: vec![],
            probable_repeat: false,
            comment: None,
            phone: None,
            callback_requested: false,
            consent_given: false,
        };
        assert!(s.rating(&rating).unwrap().ticket.is_none());
        rating.level = 2;
        assert!(s.rating(&rating).unwrap().ticket.is_some());
        rating.level = 0;
        assert!(matches!(s.rating(&rating), Err(SubmitError::Invalid(_))));
        assert!(s.assist(&AssistPayload { screen: "complaint-details".into() }).unwrap().ticket.is_none());
        assert!(matches!(s.complaint(&complaint("no-such-type")), Err(SubmitError::Invalid(_))));
        let mut bad_phone = complaint("overdue");
        bad_phone.phone = Some(Personal("12345".into()));
        assert!(matches!(s.complaint(&bad_phone), Err(SubmitError::Invalid(_))));
        assert_eq!(s.outbox().stats().unwrap().pending, 3);
    }

    #[test]
    fn other_departments_are_checked_against_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let s = Submitter::new(&config(), outbox);
        let mut c = complaint("pushed-between-departments");
        c.other_departments = vec!["health".into(), "social-security".into()];
        s.complaint(&c).unwrap();
        let body: serde_json::Value =
            serde_json::from_slice(&s.outbox().due(i64::MAX, 0, 1).unwrap()[0].body).unwrap();
        assert_eq!(body["payload"]["other_departments"], serde_json::json!(["health", "social-security"]));
        for bad in [
            vec!["no-such-department".to_string()],
            vec!["health".into(), "health".into()],
            vec!["tax".into()], // the main department again
            (0..6).map(|_| "health".to_string()).collect(),
        ] {
            c.other_departments = bad.clone();
            assert!(matches!(s.complaint(&c), Err(SubmitError::Invalid(_))), "{bad:?}");
        }
        assert_eq!(s.outbox().stats().unwrap().pending, 1);
        // Five distinct others are the most a report may name; a sixth is refused for its
        // number, not for anything else.
        let ids = [
            "civil-affairs",
            "social-security",
            "medical-insurance",
            "housing-fund",
            "health",
            "real-estate",
        ];
        c.other_departments = ids[..MAX_OTHER_DEPARTMENTS].iter().map(|d| d.to_string()).collect();
        s.complaint(&c).unwrap();
        c.other_departments = ids.iter().map(|d| d.to_string()).collect();
        match s.complaint(&c) {
            Err(SubmitError::Invalid(why)) => assert!(why.contains("at most 5"), "{why}"),
            other => panic!("six other departments: {other:?}"),
        }
        assert_eq!(s.outbox().stats().unwrap().pending, 2);
        assert!(!s.disk_full(), "a refused report is not a full disk (no DISK alert for staff)");
    }

    #[test]
    fn an_audit_detail_is_held_to_its_length_in_characters() {
        use crate::delivery::protocol::{AuditAction, AuditPayload};
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let s = Submitter::new(&config(), outbox);
        let audit = |n: usize| AuditPayload { action: AuditAction::Volume, detail: Some("音".repeat(n)) };
        // Counted in characters, not bytes: the longest detail allowed goes in whole.
        s.audit(&audit(MAX_AUDIT_DETAIL_CHARS)).unwrap();
        assert!(matches!(s.audit(&audit(MAX_AUDIT_DETAIL_CHARS + 1)), Err(SubmitError::Invalid(_))));
        assert_eq!(s.outbox().stats().unwrap().pending, 1);
    }

    #[test]
    fn a_phone_without_consent_never_reaches_a_body() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        let s = Submitter::new(&config(), outbox);
        let rating = RatingPayload {
            window: "3".into(),
            staff_id: None,
            matter: None,
            level: 5,
            tags: vec![],
            probable_repeat: false,
            comment: None,
            phone: Some(Personal("13800138000".into())),
            callback_requested: true,
            consent_given: false,
        };
        s.rating(&rating).unwrap();
        let mut c = complaint("overdue");
        c.consent_given = false;
        s.complaint(&c).unwrap();
        for row in s.outbox().due(i64::MAX, 0, 10).unwrap() {
            let raw = String::from_utf8(row.body.clone()).unwrap();
            assert!(!raw.contains("13800138000"), "{raw}");
            let body: serde_json::Value = serde_json::from_slice(&row.body).unwrap();
            assert_eq!(body["payload"]["phone"], serde_json::Value::Null);
            assert_eq!(body["payload"]["callback_requested"], false);
        }
        // With consent it is sent.
        c.consent_given = true;
        s.complaint(&c).unwrap();
        assert!(
            String::from_utf8(s.outbox().due(i64::MAX, 0, 10).unwrap()[2].body.clone())
                .unwrap()
                .contains("13800138000")
        );
    }
}
