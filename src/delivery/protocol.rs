//! The wire format between a kiosk and the central intake server. `docs/protocol.md` is
//! the contract; these types are its Rust spelling. Field order here is the order on the
//! wire, and the kiosk stores the exact bytes it first serialised, so every retry of a
//! submission is byte-identical.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::Language;

/// Path of the submission endpoint, below the configured base URL.
pub const SUBMISSIONS_PATH: &str = "/v1/submissions";
/// Path of the heartbeat endpoint, below the configured base URL.
pub const HEARTBEAT_PATH: &str = "/v1/heartbeat";
/// Most characters of `free_text`.
pub const MAX_FREE_TEXT_CHARS: usize = 300;
/// Most characters of `unlisted_matter` and `other_problem`.
pub const MAX_NAME_CHARS: usize = 40;
/// Most characters of a rating's `comment`.
pub const MAX_COMMENT_CHARS: usize = 200;
/// Most further departments a complaint may name besides `department`.
pub const MAX_OTHER_DEPARTMENTS: usize = 5;
/// Header carrying the submission id, so the server can recognise a retry.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// What a citizen submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A "could not get it done" (办不成事) complaint.
    Complaint,
    /// A service rating (好差评).
    Rating,
    /// A request for a staff member to come and help.
    Assist,
    /// Something staff did on the kiosk's staff panel (nothing personal in it).
    Audit,
}

impl Kind {
    /// The name used on the wire and in the outbox.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Rating => "rating",
            Kind::Assist => "assist",
            Kind::Audit => "audit",
        }
    }

    /// The inverse of [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "complaint" => Some(Kind::Complaint),
            "rating" => Some(Kind::Rating),
            "assist" => Some(Kind::Assist),
            "audit" => Some(Kind::Audit),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Personal data (a phone number, free text): serialised as is, never printed by Debug.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Personal(pub String);

impl fmt::Debug for Personal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<personal data>")
    }
}

impl From<&crate::hall::phone::MobileNumber> for Personal {
    fn from(number: &crate::hall::phone::MobileNumber) -> Personal {
        Personal(number.as_str().to_string())
    }
}

/// One submission as sent to `POST /v1/submissions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmissionBody<P> {
    /// UUIDv7, also sent as the `Idempotency-Key` header: the server stores each id once.
    pub id: String,
    /// Which kind of payload follows.
    pub kind: Kind,
    /// The kiosk that took it (`[kiosk] id`).
    pub kiosk_id: String,
    /// When the citizen confirmed it, RFC 3339 with the kiosk's local offset.
    pub created_at: String,
    /// The ticket the citizen was given, or null (assist requests, good ratings).
    pub ticket: Option<TicketRef>,
    /// The kind-specific content.
    pub payload: P,
}

/// The ticket part of a submission. The raw tracking token is never in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRef {
    /// The ticket number printed for the citizen.
    pub number: String,
    /// Lower-case hex SHA-256 of the tracking token, so the server can check a link.
    pub token_sha256: String,
    /// The date by which the hall promised a reply (YYYY-MM-DD).
    #[serde(with = "iso_date")]
    pub reply_due: NaiveDate,
}

/// A 办不成事 complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintPayload {
    /// Id of the `[[problem_types]]` entry the citizen chose; sets the reply deadline.
    pub problem_type: String,
    /// Id of the department concerned, when the citizen knew it.
    pub department: Option<String>,
    /// Further departments the citizen was sent between (the "pushed between departments"
    /// problem type); at most [`MAX_OTHER_DEPARTMENTS`], left out of the body when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_departments: Vec<String>,
    /// Id of the service matter (事项), when the citizen picked one.
    pub matter: Option<String>,
    /// Ids of the quick-pick phrases the citizen tapped.
    pub details: Vec<String>,
    /// How many times the citizen came for this: 1, 2, or 3 meaning "three or more".
    pub visits: u8,
    /// What happened, in the citizen's own words (at most 300 characters, NFC, no control
    /// characters), or null.
    pub free_text: Option<Personal>,
    /// The name the citizen typed for a matter not in the list (at most 40 characters);
    /// left out of the body when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlisted_matter: Option<Personal>,
    /// The citizen's own name for a problem none of the types fits (at most 40 characters);
    /// left out of the body when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_problem: Option<Personal>,
    /// Phone number for a call back; deleted from the kiosk once delivered.
    pub phone: Option<Personal>,
    /// Whether the citizen asked to be called back.
    pub callback_requested: bool,
    /// Whether the citizen agreed to the personal-data notice (required for a phone).
    pub consent_given: bool,
    /// The language the citizen used, so the reply can be in it.
    #[serde(with = "language_code")]
    pub language: Language,
}

/// A 好差评 service rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingPayload {
    /// Number of the window being rated.
    pub window: String,
    /// Staff number (工号) of the person rated, when the citizen picked one.
    pub staff_id: Option<String>,
    /// Id of the service matter, when picked.
    pub matter: Option<String>,
    /// 5 = 非常满意 (very satisfied) … 1 = 非常不满意 (very dissatisfied).
    pub level: u8,
    /// Ids of the tags tapped ("friendly", "slow", ...).
    pub tags: Vec<String>,
    /// The kiosk suspects the same person rated the same window moments ago.
    pub probable_repeat: bool,
    /// What the citizen typed about the service (at most 200 characters, NFC, no control
    /// characters); left out of the body when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Personal>,
    /// Phone number for a call back (bad ratings); deleted from the kiosk once delivered.
    pub phone: Option<Personal>,
    /// Whether the citizen asked to be called back.
    pub callback_requested: bool,
    /// Whether the citizen agreed to the personal-data notice (required for a phone).
    pub consent_given: bool,
}

impl RatingPayload {
    /// Levels at or below this are bad ratings: they get a ticket and a reply date.
    pub const BAD_AT_OR_BELOW: u8 = 2;

    /// Whether this rating is bad enough to be followed up like a complaint.
    pub fn is_bad(&self) -> bool {
        self.level <= Self::BAD_AT_OR_BELOW
    }
}

/// A citizen pressed "call staff" on some screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssistPayload {
    /// Which screen the citizen was on, so staff know what they were trying to do.
    pub screen: String,
}

/// Something staff did on the staff panel: who cannot be known (one PIN per hall), so it
/// says what and when, and never anything a citizen entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPayload {
    /// What was done.
    pub action: AuditAction,
    /// A short figure that goes with it (`3 written`, `volume 60`, `1 queued again`), or
    /// null. Never personal data: only counts, settings and ids made by the kiosk.
    pub detail: Option<String>,
}

/// The staff actions that are audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// The right PIN opened the panel.
    LoginOk,
    /// A wrong PIN.
    LoginFailed,
    /// Too many wrong PINs: the panel is locked for a while.
    Lockout,
    /// Dead letters put back in the queue.
    Retry,
    /// "Deliver now".
    Flush,
    /// Pending and dead submissions written to a USB stick.
    Export,
    /// The volume was changed.
    Volume,
    /// The kiosk was restarted from the panel.
    Restart,
}

impl AuditAction {
    /// The name on the wire and in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::LoginOk => "login-ok",
            AuditAction::LoginFailed => "login-failed",
            AuditAction::Lockout => "lockout",
            AuditAction::Retry => "retry",
            AuditAction::Flush => "flush",
            AuditAction::Export => "export",
            AuditAction::Volume => "volume",
            AuditAction::Restart => "restart",
        }
    }
}

/// `POST /v1/heartbeat`: the kiosk is alive and this is its queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The kiosk sending it.
    pub kiosk_id: String,
    /// Firmware version (`CARGO_PKG_VERSION`).
    pub version: String,
    /// Submissions waiting to be delivered.
    pub pending: u64,
    /// Submissions the server refused, waiting for staff.
    pub dead_letters: u64,
    /// When the oldest pending submission was created (RFC 3339), or null.
    pub oldest_pending_at: Option<String>,
    /// When the last submission was delivered (RFC 3339), or null.
    pub last_delivery_at: Option<String>,
    /// Seconds since this run of the kiosk started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_secs: Option<u64>,
    /// Free space where the outbox lives, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_disk_bytes: Option<u64>,
    /// How the last run ended: `first-start`, `clean`, `crash`, or systemd's result
    /// (`watchdog`, `signal`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_exit: Option<String>,
    /// The kiosk's clock is wrong (before this firmware, or a day away from the server's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clock_off: bool,
}

/// Serialises a date as `YYYY-MM-DD`.
mod iso_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&d.format("%Y-%m-%d"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(serde::de::Error::custom)
    }
}

/// Serialises a [`Language`] as the same code the config uses (`zh-CN`, `en`).
mod language_code {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::config::Language;

    pub fn serialize<S: Serializer>(lang: &Language, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match lang {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Language, D::Error> {
        Language::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_not_in_debug_output() {
        let p = RatingPayload {
            window: "3".into(),
            staff_id: None,
            matter: None,
            level: 1,
            tags: vec![],
            probable_repeat: false,
            comment: None,
            phone: Some(Personal("13800138000".into())),
            callback_requested: true,
            consent_given: true,
        };
        let debug = format!("{p:?}");
        assert!(!debug.contains("13800138000"), "{debug}");
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"phone\":\"13800138000\""), "{json}");
    }

    #[test]
    fn language_uses_config_codes() {
        let c = ComplaintPayload {
            problem_type: "other".into(),
            department: None,
            other_departments: vec![],
            matter: None,
            details: vec![],
            visits: 1,
            free_text: None,
            unlisted_matter: None,
            other_problem: None,
            phone: None,
            callback_requested: false,
            consent_given: false,
            language: Language::ZhCn,
        };
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"language\":\"zh-CN\""), "{json}");
        assert!(!json.contains("other_departments"), "left out when empty: {json}");
        let back: ComplaintPayload = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let with = ComplaintPayload { other_departments: vec!["tax".into(), "health".into()], ..c };
        let json = serde_json::to_string(&with).unwrap();
        assert!(
            json.contains("\"department\":null,\"other_departments\":[\"tax\",\"health\"],\"matter\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<ComplaintPayload>(&json).unwrap(), with);
    }
}
