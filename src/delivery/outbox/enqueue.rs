//! Queuing a submission: one transaction that takes the day's next ticket sequence
//! number and stores the exact body, committed to disk before the caller hears back.

use rusqlite::{TransactionBehavior, params};

use super::{NewSubmission, Outbox, OutboxError, Rendered, ticket_floor};

impl Outbox {
    /// Queues one submission in one transaction that also takes the next ticket sequence
    /// number of `new.ticket_day` (if any). `render` gets that number and returns the exact
    /// body to store. Returns only after the commit is on disk, then wakes the uplink.
    pub fn enqueue<T>(
        &self,
        new: &NewSubmission,
        render: impl FnOnce(Option<u32>) -> (Rendered, T),
    ) -> Result<T, OutboxError> {
        let out = {
            let mut conn = self.lock();
            let tx =
                conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(e))?;
            let seq = match new.ticket_day {
                None => None,
                Some(day) => {
                    // A day this database has no count for (its first ticket, or a count
                    // purged while the clock was wrong) starts above the floor file, never
                    // at a number that may already have been given out.
                    let first =
                        ticket_floor::floor_of(&ticket_floor::floor_path(&self.path), day).saturating_add(1);
                    let seq: i64 = tx
                        .query_row(
                            "INSERT INTO ticket_days (day, last_seq) VALUES (?1, ?2)
                             ON CONFLICT (day) DO UPDATE SET last_seq = last_seq + 1
                             RETURNING last_seq",
                            params![day.to_string(), first],
                            |r| r.get(0),
                        )
                        .map_err(|e| self.err(e))?;
                    let seq = u32::try_from(seq).unwrap_or(u32::MAX);
                    self.reserve_ticket(day, seq)?;
                    Some(seq)
                }
            };
            let (rendered, out) = render(seq);
            tx.execute(
                "INSERT INTO submissions (id, kind, ticket, created_at_ms, body, state, next_attempt_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?4)",
                params![
                    new.id.to_string(),
                    new.kind.as_str(),
                    rendered.ticket,
                    new.created_at_ms,
                    rendered.body
                ],
            )
            .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
            out
        };
        self.wake.notify_one();
        Ok(out)
    }

    /// Makes sure the floor file covers `seq` of `day` before it is committed: the first
    /// number of each block raises the floor by a block (see [`ticket_floor`]).
    fn reserve_ticket(&self, day: chrono::NaiveDate, seq: u32) -> Result<(), OutboxError> {
        let path = ticket_floor::floor_path(&self.path);
        if seq <= ticket_floor::floor_of(&path, day) {
            return Ok(());
        }
        ticket_floor::raise(&path, day, seq.saturating_add(ticket_floor::BLOCK - 1)).map_err(|source| {
            if source.raw_os_error() == Some(28) {
                OutboxError::DiskFull { path: path.clone() }
            } else {
                OutboxError::Io { path: path.clone(), source }
            }
        })
    }
}
