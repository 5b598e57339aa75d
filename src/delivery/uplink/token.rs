//! The bearer token and its file: re-read whenever the file changes (staff put a new
//! token in place), checked with one `stat` before each request.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{UplinkError, read_token};

/// The token as last read, and what its file looked like then.
pub(super) struct TokenFile {
    path: PathBuf,
    token: String,
    seen: Option<(SystemTime, u64)>,
}

impl TokenFile {
    /// Reads the token; fails when the file is unusable (the kiosk refuses to start).
    pub(super) fn read(path: &Path) -> Result<TokenFile, UplinkError> {
        let seen = stamp(path);
        Ok(TokenFile { path: path.to_path_buf(), token: read_token(path)?, seen })
    }

    /// Re-reads the token if the file changed since. A file that became unusable keeps the
    /// old token (logged), so a half-written file does not stop delivery.
    pub(super) fn refresh(&mut self) {
        let now = stamp(&self.path);
        if now == self.seen {
            return;
        }
        self.seen = now;
        match read_token(&self.path) {
            Ok(token) => {
                if token != self.token {
                    tracing::info!(token_file = %self.path.display(), "the token file changed: using the new token");
                }
                self.token = token;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot re-read the token file; keeping the token read before")
            }
        }
    }

    /// The `Authorization` header's value.
    pub(super) fn header(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// The token itself (to mask it in server answers).
    pub(super) fn secret(&self) -> &str {
        &self.token
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}
