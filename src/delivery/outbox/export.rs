//! `queue export`: every pending and dead-letter submission as JSON Lines, for carrying
//! to the central side by hand.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::{Outbox, OutboxError};

impl Outbox {
    /// Writes every pending and dead-letter submission as JSON Lines (one object per line,
    /// `body` being the exact request body), streaming. Returns how many were written.
    pub fn export(&self, out: &mut dyn Write) -> Result<u64, ExportError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, kind, state, ticket, created_at_ms, attempts, last_error, dead_status, dead_reason, body
                 FROM submissions ORDER BY seq",
            )
            .map_err(|e| ExportError::Outbox(self.err(e)))?;
        let mut rows = stmt.query([]).map_err(|e| ExportError::Outbox(self.err(e)))?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(|e| ExportError::Outbox(self.err(e)))? {
            let line = self.export_line(r)?;
            serde_json::to_writer(&mut *out, &line).map_err(|e| ExportError::Write(e.into()))?;
            out.write_all(b"\n").map_err(ExportError::Write)?;
            n += 1;
        }
        out.flush().map_err(ExportError::Write)?;
        Ok(n)
    }

    /// Writes the export to the file `out`: to a new file first (created exclusively, mode
    /// 0600, so neither a symlink nor an existing file's mode is followed), synced, then
    /// renamed over `out`, so whatever was at `out` is replaced, never written through, and
    /// a half-written export never carries the final name. `queue export` and the staff
    /// panel's export to a USB stick both write through here. Returns how many were written.
    pub fn export_to_file(&self, out: &Path) -> Result<u64, ExportError> {
        let io = |source| ExportError::File { path: out.to_path_buf(), source };
        let name = out
            .file_name()
            .ok_or_else(|| io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name")))?;
        let tmp = out.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let file =
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io)?;
        let written = (|| {
            let mut writer = std::io::BufWriter::new(file);
            let n = self.export(&mut writer).map_err(|e| match e {
                ExportError::Write(source) => io(source),
                other => other,
            })?;
            writer.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
            std::fs::rename(&tmp, out).map_err(io)?;
            Ok(n)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }

    /// One row of the export query as an [`ExportLine`].
    fn export_line(&self, r: &rusqlite::Row<'_>) -> Result<ExportLine, ExportError> {
        let get = |e| ExportError::Outbox(self.err(e));
        let id: String = r.get(0).map_err(get)?;
        let body: Vec<u8> = r.get(9).map_err(get)?;
        let body: Box<serde_json::value::RawValue> = serde_json::from_slice(&body).map_err(|e| {
            ExportError::Outbox(OutboxError::BadRow {
                path: self.path.clone(),
                id: id.clone(),
                what: e.to_string(),
            })
        })?;
        Ok(ExportLine {
            id,
            kind: r.get(1).map_err(get)?,
            state: r.get(2).map_err(get)?,
            ticket: r.get(3).map_err(get)?,
            created_at_ms: r.get(4).map_err(get)?,
            attempts: r.get(5).map_err(get)?,
            last_error: r.get(6).map_err(get)?,
            dead_status: r.get(7).map_err(get)?,
            dead_reason: r.get(8).map_err(get)?,
            body,
        })
    }
}

/// One line of `queue export`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ExportLine {
    /// Submission id: the central side imports by it, idempotently.
    pub id: String,
    /// `complaint`, `rating` or `assist`.
    pub kind: String,
    /// `pending` or `dead`.
    pub state: String,
    /// Ticket number, if any.
    pub ticket: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// The last failure, for the person importing it.
    pub last_error: Option<String>,
    /// Status of the server's refusal (dead letters).
    pub dead_status: Option<i64>,
    /// The server's reason (dead letters).
    pub dead_reason: Option<String>,
    /// The exact body the kiosk sends for this submission.
    pub body: Box<serde_json::value::RawValue>,
}

/// `queue export` failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
    /// Writing the export file failed.
    #[error("{path}: {source}")]
    File {
        /// The export file.
        path: PathBuf,
        /// Why (a full disk is `StorageFull`).
        source: std::io::Error,
    },
}

impl ExportError {
    /// Whether the export's disk (the USB stick) is full.
    pub fn is_disk_full(&self) -> bool {
        let io = match self {
            ExportError::Write(e) | ExportError::File { source: e, .. } => e,
            ExportError::Outbox(_) => return false,
        };
        io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(libc::ENOSPC)
    }
}
