//! What the uplink needs from the config: the server's URL, the token file, the CA file,
//! and the timings (production values; tests scale them).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::LoadedConfig;
use crate::delivery::outbox::OutboxError;

/// How the uplink talks to the server. Built from the config; tests scale the times.
#[derive(Debug, Clone)]
pub struct UplinkSettings {
    /// `[server] base_url`: https, or http to loopback only.
    pub base_url: url::Url,
    /// `[kiosk] id`, sent in every heartbeat.
    pub kiosk_id: String,
    /// `[server] token_file`: the bearer token; must not be readable by others.
    pub token_file: PathBuf,
    /// `[server] ca_file`: extra CA certificates (PEM) to trust besides the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// `[server] heartbeat_secs`.
    pub heartbeat_every: Duration,
    /// Longest wait for one request, connection to last byte (15 s).
    pub request_timeout: Duration,
    /// First retry delay ceiling (1 s); doubles each consecutive failure.
    pub backoff_base: Duration,
    /// Largest retry delay ceiling (5 min).
    pub backoff_cap: Duration,
    /// Delay between attempts while the server rejects the kiosk's credentials (5 min).
    pub auth_retry: Duration,
    /// Longest `Retry-After` honoured (1 h): a server asking for more is asked again then.
    pub retry_after_max: Duration,
    /// Multiplies every `Retry-After` the server sends (1.0; tests and soak runs on
    /// scaled time use less).
    pub retry_after_scale: f64,
    /// `[storage] dead_letter_retention_days`: how long a dead letter keeps its personal
    /// fields.
    pub dead_letter_retention: Duration,
}

impl UplinkSettings {
    /// The settings of a validated config, with the production timings.
    pub fn from_config(config: &LoadedConfig) -> Result<UplinkSettings, UplinkError> {
        let server = &config.config.server;
        let base_url = url::Url::parse(&server.base_url)
            .map_err(|e| UplinkError::Url { url: server.base_url.clone(), why: e.to_string() })?;
        Ok(UplinkSettings {
            base_url,
            kiosk_id: config.config.kiosk.id.clone(),
            token_file: config.resolve(&server.token_file),
            ca_file: server.ca_file.as_ref().map(|f| config.resolve(f)),
            heartbeat_every: Duration::from_secs(server.heartbeat_secs.into()),
            request_timeout: Duration::from_secs(15),
            backoff_base: Duration::from_secs(1),
            backoff_cap: Duration::from_secs(300),
            auth_retry: Duration::from_secs(300),
            retry_after_max: Duration::from_secs(3600),
            retry_after_scale: 1.0,
            dead_letter_retention: Duration::from_secs(
                u64::from(config.config.storage.dead_letter_retention_days) * 24 * 3600,
            ),
        })
    }

    /// Every delay and timeout multiplied by `factor` (tests: 0.01 turns the 2-minute
    /// outage into 1.2 s). Production never calls this.
    pub fn scaled(mut self, factor: f64) -> UplinkSettings {
        let s = |d: Duration| d.mul_f64(factor);
        self.request_timeout = s(self.request_timeout);
        self.backoff_base = s(self.backoff_base);
        self.backoff_cap = s(self.backoff_cap);
        self.auth_retry = s(self.auth_retry);
        self.retry_after_max = s(self.retry_after_max);
        self.retry_after_scale *= factor;
        self
    }

    pub(super) fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.as_str().trim_end_matches('/'))
    }
}

/// The uplink could not start. Every variant names the file or setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum UplinkError {
    /// The token file could not be read.
    #[error("server token file {path}: {source}")]
    Token {
        /// The token file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The token file may be read by other users: refuse to use a leaked secret.
    #[error("server token file {path} has mode {mode:o}: other users can read it; run `chmod 600 {path}`")]
    TokenPermissions {
        /// The token file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The token file is empty.
    #[error("server token file {path} is empty; put this kiosk's bearer token in it")]
    TokenEmpty {
        /// The token file.
        path: PathBuf,
    },
    /// The token file holds more than one line or characters a header cannot carry.
    #[error("server token file {path} must hold the token on one line, without spaces or control characters")]
    TokenInvalid {
        /// The token file.
        path: PathBuf,
    },
    /// The extra CA bundle could not be read or parsed.
    #[error("server CA file {path}: {why}")]
    CaFile {
        /// The CA file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The server URL cannot be used.
    #[error("server base_url {url:?}: {why}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the HTTPS client: {0}")]
    Client(reqwest::Error),
    /// The outbox could not be opened for the uplink.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The uplink's thread or runtime could not be started.
    #[error("cannot start the uplink thread: {0}")]
    Thread(std::io::Error),
}

/// Reads the bearer token, refusing a file that others may read, an empty one, and one
/// that is not a single token (it could never go into a header).
pub fn read_token(path: &Path) -> Result<String, UplinkError> {
    use crate::config::environment::{TokenFileError, read_token_file};
    read_token_file(path).map_err(|e| match e {
        TokenFileError::Read { path, source } => UplinkError::Token { path, source },
        TokenFileError::Mode { path, mode } => UplinkError::TokenPermissions { path, mode },
        TokenFileError::Empty { path } => UplinkError::TokenEmpty { path },
        TokenFileError::NotOneToken { path } => UplinkError::TokenInvalid { path },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample hall's config with its own heartbeat and retention, so that each number
    /// below comes from one place.
    fn hall_config() -> LoadedConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("heartbeat_secs = 60") && text.contains("dead_letter_retention_days = 30"));
        let text = text
            .replace("heartbeat_secs = 60", "heartbeat_secs = 90")
            .replace("dead_letter_retention_days = 30", "dead_letter_retention_days = 7");
        crate::config::parse(&path, &text).unwrap()
    }

    fn near(d: Duration, secs: f64) -> bool {
        (d.as_secs_f64() - secs).abs() < 1e-6
    }

    /// The timings docs/protocol.md promises the server (a kiosk that retried faster would
    /// hammer it), and the two the hall sets itself.
    #[test]
    fn production_timings_and_the_halls_own() {
        let s = UplinkSettings::from_config(&hall_config()).unwrap();
        assert_eq!(s.kiosk_id, "K01");
        assert_eq!(s.heartbeat_every, Duration::from_secs(90));
        // Seven days of 86,400 s: how long a dead letter keeps the citizen's phone number.
        assert_eq!(s.dead_letter_retention, Duration::from_secs(604_800));
        assert_eq!(s.request_timeout, Duration::from_secs(15));
        assert_eq!(s.backoff_base, Duration::from_secs(1));
        assert_eq!(s.backoff_cap, Duration::from_secs(300));
        assert_eq!(s.auth_retry, Duration::from_secs(300));
        assert_eq!(s.retry_after_max, Duration::from_secs(3600));
        assert_eq!(s.retry_after_scale, 1.0);
        assert!(s.token_file.is_absolute(), "resolved beside the config: {}", s.token_file.display());
    }

    /// Tests scale every wait by one factor, `Retry-After` included, and leave the
    /// config's heartbeat period alone (they set it themselves).
    #[test]
    fn scaling_multiplies_every_wait_by_the_factor() {
        let s = UplinkSettings::from_config(&hall_config()).unwrap().scaled(0.01);
        assert!(near(s.request_timeout, 0.15), "{:?}", s.request_timeout);
        assert!(near(s.backoff_base, 0.01), "{:?}", s.backoff_base);
        assert!(near(s.backoff_cap, 3.0), "{:?}", s.backoff_cap);
        assert!(near(s.auth_retry, 3.0), "{:?}", s.auth_retry);
        assert!(near(s.retry_after_max, 36.0), "{:?}", s.retry_after_max);
        assert!((s.retry_after_scale - 0.01).abs() < 1e-12, "{}", s.retry_after_scale);
        assert_eq!(s.heartbeat_every, Duration::from_secs(90));
        assert_eq!(s.dead_letter_retention, Duration::from_secs(604_800));
    }
}
