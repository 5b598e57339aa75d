//! Delivery bookkeeping: which rows are due, what happened to each attempt (delivered,
//! retry later, dead letter), queue figures, and purging old delivery records.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::*;

/// The furthest ahead a next attempt is ever scheduled (the longest `Retry-After` honoured is
/// 1 h); anything later was set by a clock running ahead, and is clamped to "due now".
pub const MAX_SCHEDULE_AHEAD: std::time::Duration = std::time::Duration::from_secs(2 * 3600);

fn schedule_limit(now_ms: i64) -> i64 {
    now_ms.saturating_add(MAX_SCHEDULE_AHEAD.as_millis() as i64)
}

impl Outbox {
    /// Up to `limit` pending rows that are due at `now_ms`, oldest first, starting after
    /// queue position `after_seq`. The uplink pages through the queue with this, so a
    /// queue of any length is read a few rows at a time.
    pub fn due(&self, now_ms: i64, after_seq: i64, limit: usize) -> Result<Vec<PendingRow>, OutboxError> {
        let conn = self.lock();
        // A next attempt further ahead than any wait the uplink sets was scheduled by a
        // clock that has since been set back: it is due now.
        let mut stmt = conn
            .prepare_cached(
                "SELECT seq, id, kind, ticket, body, attempts FROM submissions
                 WHERE state = 'pending' AND seq > ?1 AND (next_attempt_ms <= ?2 OR next_attempt_ms > ?4)
                 ORDER BY seq LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![after_seq, now_ms, limit as i64, schedule_limit(now_ms)], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, ticket, body, attempts) = row.map_err(|e| self.err(e))?;
            let kind = Kind::parse(&kind).ok_or_else(|| OutboxError::BadRow {
                path: self.path.clone(),
                id: id.clone(),
                what: format!("unknown kind {kind:?}"),
            })?;
            out.push(PendingRow { seq, id, kind, ticket, body, attempts: attempts as u32 });
        }
        Ok(out)
    }

    /// When the earliest pending row becomes due (ms since the epoch), if any is pending.
    pub fn next_due_ms(&self) -> Result<Option<i64>, OutboxError> {
        let conn = self.lock();
        let now = now_ms();
        conn.query_row(
            "SELECT min(CASE WHEN next_attempt_ms > ?2 THEN ?1 ELSE next_attempt_ms END)
             FROM submissions WHERE state = 'pending'",
            [now, schedule_limit(now)],
            |r| r.get(0),
        )
        .map_err(|e| self.err(e))
    }

    /// The server stored it: delete the payload, keep id, ticket and time. On a full disk
    /// the reserve space is released and it is tried once more, so a delivered row is not
    /// sent again forever.
    pub fn mark_delivered(&self, id: &str, at_ms: i64) -> Result<bool, OutboxError> {
        self.with_reserve(|| self.record_delivery(id, at_ms))
    }

    /// Runs `op`; when it fails for a full disk and the reserve can be released, once more.
    pub(super) fn with_reserve<T>(&self, op: impl Fn() -> Result<T, OutboxError>) -> Result<T, OutboxError> {
        match op() {
            Err(e) if e.is_disk_full() && self.path.parent().is_some_and(super::reserve::release) => op(),
            result => result,
        }
    }

    /// Checkpoints the WAL into the database and truncates it, when a delivered payload was
    /// deleted since the last time: the WAL would otherwise keep delivered citizens' phone
    /// numbers on disk until the process ends. Returns whether the WAL is now empty (false:
    /// another connection was reading; tried again next time). Whatever stopped it (busy or
    /// an error), the scrub stays due until one succeeds.
    pub fn scrub_delivered(&self) -> Result<bool, OutboxError> {
        use std::sync::atomic::Ordering;
        if !self.delivered_since_scrub.swap(false, Ordering::AcqRel) {
            return Ok(true);
        }
        let conn = self.lock();
        // Never wait for the other connection: a TRUNCATE checkpoint holds the write lock
        // while it waits for readers, and the UI thread's next enqueue must not wait behind
        // it. A busy checkpoint is simply tried again after the next pass.
        let result = conn.busy_timeout(std::time::Duration::ZERO).and_then(|()| {
            let busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
            conn.busy_timeout(BUSY_TIMEOUT).and(busy)
        });
        let done = matches!(result, Ok(0));
        if !done {
            self.delivered_since_scrub.store(true, Ordering::Release);
        }
        match result {
            Err(e) if e.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseBusy) => Err(self.err(e)),
            _ => Ok(done),
        }
    }

    fn record_delivery(&self, id: &str, at_ms: i64) -> Result<bool, OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let ticket: Option<Option<String>> = tx
            .query_row("SELECT ticket FROM submissions WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(ticket) = ticket else {
            return Ok(false);
        };
        tx.execute("DELETE FROM submissions WHERE id = ?1", [id]).map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO delivered (id, ticket, delivered_at_ms) VALUES (?1, ?2, ?3)",
            params![id, ticket, at_ms],
        )
        .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_delivery_ms', ?1)
             ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
            [at_ms],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        self.delivered_since_scrub.store(true, std::sync::atomic::Ordering::Release);
        Ok(true)
    }

    /// An attempt failed in a way worth retrying: count it and set when to try again.
    pub fn mark_retry(&self, id: &str, next_attempt_ms: i64, error: &str) -> Result<(), OutboxError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE submissions SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![id, next_attempt_ms, error],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The server refused it for good: keep it whole, with the server's status and reason.
    pub fn mark_dead(&self, id: &str, status: u16, reason: &str, at_ms: i64) -> Result<(), OutboxError> {
        let conn = self.lock();
        conn.execute(
            "UPDATE submissions SET state = 'dead', attempts = attempts + 1, dead_status = ?2,
                    dead_reason = ?3, dead_at_ms = ?4, last_error = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![id, status, truncate(reason, MAX_REASON_BYTES), at_ms],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Puts dead letters back in the queue (staff fixed the cause). Returns how many.
    pub fn retry_dead(&self, which: &DeadSelector) -> Result<u64, OutboxError> {
        let conn = self.lock();
        let sql = "UPDATE submissions SET state = 'pending', attempts = 0, next_attempt_ms = ?1,
                          dead_status = NULL, dead_reason = NULL, dead_at_ms = NULL
                   WHERE state = 'dead'";
        let n = match which {
            DeadSelector::All => conn.execute(sql, [now_ms()]),
            DeadSelector::Id(id) => conn.execute(&format!("{sql} AND id = ?2"), params![now_ms(), id]),
        }
        .map_err(|e| self.err(e))?;
        drop(conn);
        if n > 0 {
            self.wake.notify_one();
        }
        Ok(n as u64)
    }

    /// Removes the personal fields (`payload.phone` and what the citizen typed:
    /// `free_text`, `unlisted_matter`, `other_problem`, `comment`) of dead letters
    /// refused before `before_ms`: the rest stays for staff. Returns how many were changed.
    pub fn scrub_dead_letters(&self, before_ms: i64) -> Result<u64, OutboxError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
        let old: Vec<(String, Vec<u8>)> = {
            let mut stmt = tx
                .prepare("SELECT id, body FROM submissions WHERE state = 'dead' AND dead_at_ms < ?1")
                .map_err(|e| self.err(e))?;
            let rows =
                stmt.query_map([before_ms], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        let mut changed = 0;
        for (id, body) in old {
            let Some(scrubbed) = without_personal_fields(&body) else { continue };
            tx.execute(
                "UPDATE submissions SET body = ?2, last_error = 'personal data removed after the retention period'
                 WHERE id = ?1",
                params![id, scrubbed],
            )
            .map_err(|e| self.err(e))?;
            changed += 1;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(changed)
    }

    /// Forgets delivered records older than `before_ms`. Returns how many.
    pub fn purge_delivered(&self, before_ms: i64) -> Result<u64, OutboxError> {
        let conn = self.lock();
        let n = conn
            .execute("DELETE FROM delivered WHERE delivered_at_ms < ?1", [before_ms])
            .map_err(|e| self.err(e))?;
        // Days are counted back from the newest day that issued a ticket, not from the
        // clock: a clock that ran ahead for a while must not make today's count look old.
        conn.execute(
            "DELETE FROM ticket_days WHERE day < (SELECT date(max(day), '-7 days') FROM ticket_days)",
            [],
        )
        .map_err(|e| self.err(e))?;
        if let Some(dir) = self.path.parent() {
            super::reserve::ensure(dir);
        }
        Ok(n as u64)
    }

    /// Queue figures.
    pub fn stats(&self) -> Result<QueueStats, OutboxError> {
        let conn = self.lock();
        let count = |state: &str| -> Result<u64, OutboxError> {
            conn.query_row("SELECT count(*) FROM submissions WHERE state = ?1", [state], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
        };
        let pending = count("pending")?;
        let dead_letters = count("dead")?;
        let oldest_pending_ms = conn
            .query_row(
                "SELECT created_at_ms FROM submissions WHERE state = 'pending' ORDER BY seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let last_delivery_ms = conn
            .query_row("SELECT value FROM meta WHERE key = 'last_delivery_ms'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(QueueStats { pending, dead_letters, oldest_pending_ms, last_delivery_ms })
    }

    /// The dead letters, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, OutboxError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT id, kind, ticket, dead_status, dead_reason, dead_at_ms FROM submissions
                 WHERE state = 'dead' ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeadLetter {
                    id: r.get(0)?,
                    kind: Kind::parse(&r.get::<_, String>(1)?).unwrap_or(Kind::Assist),
                    ticket: r.get(2)?,
                    status: r.get::<_, Option<u16>>(3)?.unwrap_or(0),
                    reason: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    dead_at_ms: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Whether the server has confirmed this submission (the ticket screen asks, to tell the
    /// citizen their report has arrived). One indexed read; it never waits for the uplink.
    pub fn is_delivered(&self, id: &str) -> Result<bool, OutboxError> {
        let conn = self.lock();
        conn.query_row("SELECT EXISTS (SELECT 1 FROM delivered WHERE id = ?1)", [id], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The delivered records still kept, in delivery order.
    pub fn delivered(&self) -> Result<Vec<DeliveredRecord>, OutboxError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT id, ticket, delivered_at_ms FROM delivered ORDER BY delivered_at_ms, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeliveredRecord { id: r.get(0)?, ticket: r.get(1)?, delivered_at_ms: r.get(2)? })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

/// The body with `payload.phone` and the typed fields set to null; `None` when there is
/// nothing to remove (or the body is not JSON: left for staff as it is).
fn without_personal_fields(body: &[u8]) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let payload = value.get_mut("payload")?.as_object_mut()?;
    let mut changed = false;
    for field in ["phone", "free_text", "unlisted_matter", "other_problem", "comment"] {
        if let Some(v) = payload.get_mut(field).filter(|v| !v.is_null()) {
            *v = serde_json::Value::Null;
            changed = true;
        }
    }
    changed.then(|| serde_json::to_vec(&value).ok()).flatten()
}
