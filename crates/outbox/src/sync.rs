//! One delivery round: due rows out as a batch, each row's outcome recorded.
//!
//! Rules (DESIGN §5, "nothing lost"): only a per-event outcome in a well-formed answer
//! dead-letters a row (`rejected`) or counts toward the attempt limit (no result for it).
//! A batch-level failure (no answer, a timeout, a redirect, a 4xx or 5xx for the whole
//! batch, a malformed answer) keeps every row with backoff and never counts an attempt;
//! a 4xx, a redirect or a malformed answer also raises [`Outbox::alarm`]. A 413 halves
//! the batch until the server takes each part.

use super::*;

/// State kept between rounds (under the round lock).
#[derive(Debug, Default)]
pub(crate) struct Rounds {
    /// Consecutive rounds that failed for the whole batch: paces their backoff.
    failures: u32,
}

/// What a round does to the alarm.
pub(crate) enum AlarmChange {
    Keep,
    Clear,
    Raise(String),
}

/// Raise the alarm for a refusal of the whole batch that waiting will not cure (a 4xx
/// other than 408/429, a redirect, a malformed answer); clear it on an answered batch;
/// leave it while the ministry is unreachable or failing (the queue waits).
fn alarm_for(failure: Option<&ApiError>) -> AlarmChange {
    match failure {
        None => AlarmChange::Clear,
        Some(e @ (ApiError::Redirect { .. } | ApiError::Malformed(_))) => {
            AlarmChange::Raise(e.to_string())
        }
        Some(e @ ApiError::Problem { status, .. })
            if (400..500).contains(status) && !e.is_retryable() =>
        {
            AlarmChange::Raise(format!(
                "the ministry refused the whole batch: HTTP {status}"
            ))
        }
        Some(_) => AlarmChange::Keep,
    }
}

pub(crate) enum Outcome {
    Delivered,
    /// Refused by the ministry in its answer (this attempt counts).
    DeadLetter(String),
    /// Unreadable locally, never sent.
    Corrupt,
    Retry {
        error: String,
        retry_after: Option<Duration>,
        /// No answer from the ministry (connection failure or timeout).
        network: bool,
        /// Whether this attempt counts toward the limit: only when the ministry answered
        /// the batch but said nothing of this event.
        counts: bool,
    },
}

impl Outbox {
    /// One delivery round: sends up to [`BATCH_SIZE`] due rows in id order and records
    /// the outcome per row (see the module docs for what counts and what is kept). Returns
    /// the first batch-level error after recording everything. Rounds are serialized; the
    /// database work runs on the blocking pool.
    pub async fn sync_once(self: &Arc<Self>, client: &Client) -> Result<SyncReport, SyncError> {
        self.sync_once_with(client, &SyncPolicy::default()).await
    }

    /// Why the ministry last refused a whole batch (HTTP status or redirect, no personal
    /// data), until a batch is answered again: for the health report, `manassa outbox
    /// status` and doctor.
    ///
    /// Kept in the database, so every process sees it. A database error reads as none.
    pub fn alarm(&self) -> Option<String> {
        self.conn()
            .query_row("SELECT text FROM alarm WHERE id = 1", [], |r| r.get(0))
            .optional()
            .ok()
            .flatten()
    }

    /// [`Outbox::sync_once`] with `policy`'s batch size, backoff and attempt limit.
    pub async fn sync_once_with(
        self: &Arc<Self>,
        client: &Client,
        policy: &SyncPolicy,
    ) -> Result<SyncReport, SyncError> {
        let mut rounds = self.sync_lock.lock().await;
        // Without its file (a full partition) there is nothing to send; try to open it.
        if self.is_degraded() && self.blocking(|o| o.recover()).await.is_err() {
            return Ok(SyncReport::default());
        }
        let batch = policy.batch.max(1);
        let rows = self.blocking(move |o| o.due_rows(batch)).await?;
        if rows.is_empty() {
            let remaining = self.blocking(|o| o.depth()).await?;
            return Ok(SyncReport {
                remaining,
                ..SyncReport::default()
            });
        }

        // Unreadable rows cannot be sent; park them with the technician.
        let mut outcomes = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        let mut sent = Vec::with_capacity(rows.len());
        for row in rows {
            match row.to_event() {
                Some(ev) => {
                    events.push(ev);
                    sent.push(row);
                }
                None => outcomes.push((row, Outcome::Corrupt)),
            }
        }

        // Post, halving on 413 until each part is taken or a part of one is refused.
        let mut answers = Vec::new();
        let mut todo: Vec<std::ops::Range<usize>> = Vec::new();
        if !events.is_empty() {
            todo.push(0..events.len());
        }
        while let Some(part) = todo.pop() {
            match client.post_events(&events[part.clone()]).await {
                Err(ApiError::Problem { status: 413, .. }) if part.len() > 1 => {
                    let mid = part.start + part.len() / 2;
                    tracing::info!(
                        events = part.len(),
                        "batch too large for the ministry; halving"
                    );
                    todo.push(mid..part.end);
                    todo.push(part.start..mid);
                }
                answer => answers.push((part, answer)),
            }
        }
        answers.sort_by_key(|(part, _)| part.start);

        let mut failure = None;
        let mut sent = sent.into_iter();
        for (part, answer) in answers {
            let rows: Vec<Row> = sent.by_ref().take(part.len()).collect();
            match answer {
                Ok(answer) => {
                    if answer.results.len() < rows.len() {
                        tracing::warn!(
                            sent = rows.len(),
                            answered = answer.results.len(),
                            "the ministry answered fewer results than events sent"
                        );
                    }
                    for row in rows {
                        let found = answer
                            .results
                            .iter()
                            .find(|r| Some(r.idempotency_key) == row.key);
                        let outcome = match found {
                            Some(r) => match r.status {
                                EventStatus::Accepted | EventStatus::Duplicate => {
                                    Outcome::Delivered
                                }
                                EventStatus::Rejected => Outcome::DeadLetter(
                                    r.code.clone().unwrap_or_else(|| "rejected".into()),
                                ),
                            },
                            None => Outcome::Retry {
                                error: "no result for this event".into(),
                                retry_after: None,
                                network: false,
                                counts: true,
                            },
                        };
                        outcomes.push((row, outcome));
                    }
                }
                Err(e) => {
                    let retry_after = match &e {
                        ApiError::Problem { retry_after_s, .. } => {
                            retry_after_s.map(Duration::from_secs)
                        }
                        _ => None,
                    };
                    let network = matches!(&e, ApiError::Network(_) | ApiError::Timeout);
                    for row in rows {
                        outcomes.push((
                            row,
                            Outcome::Retry {
                                error: e.to_string(),
                                retry_after,
                                network,
                                counts: false,
                            },
                        ));
                    }
                    failure.get_or_insert(e);
                }
            }
        }

        rounds.failures = match &failure {
            Some(_) => rounds.failures.saturating_add(1),
            None => 0,
        };
        let alarm = alarm_for(failure.as_ref());
        let policy = policy.clone();
        let failures = rounds.failures;
        let report = self
            .blocking(move |o| {
                let report = o.record(outcomes, &policy, failures)?;
                o.set_alarm(alarm)?;
                Ok(report)
            })
            .await?;
        match failure {
            Some(e) => {
                tracing::warn!(
                    error = %e,
                    dead_lettered = report.dead_lettered,
                    remaining = report.remaining,
                    "outbox sync failed"
                );
                Err(SyncError::Api(e))
            }
            None => {
                tracing::debug!(
                    delivered = report.delivered,
                    dead_lettered = report.dead_lettered,
                    remaining = report.remaining,
                    "outbox sync round"
                );
                Ok(report)
            }
        }
    }

    /// Store what [`alarm_for`] decided: raise, clear, or leave as is.
    fn set_alarm(&self, alarm: AlarmChange) -> Result<(), OutboxError> {
        let conn = self.conn();
        match alarm {
            AlarmChange::Keep => {}
            AlarmChange::Clear => {
                conn.execute("DELETE FROM alarm", [])?;
            }
            AlarmChange::Raise(text) => {
                let changed = conn.execute(
                    "INSERT INTO alarm (id, text, since) VALUES (1, ?1, ?2)
                     ON CONFLICT (id) DO UPDATE SET text = excluded.text, since = excluded.since
                     WHERE text <> excluded.text",
                    params![text, rfc3339_now()],
                )?;
                if changed > 0 {
                    tracing::error!(alarm = text, "outbox alarm raised; the queue is kept");
                }
            }
        }
        Ok(())
    }

    async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T, OutboxError>
    where
        T: Send + 'static,
        F: FnOnce(&Outbox) -> Result<T, OutboxError> + Send + 'static,
    {
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|_| OutboxError::Task)?
    }

    pub(crate) fn due_rows(&self, limit: usize) -> Result<Vec<Row>, OutboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, idempotency_key, kind, payload, created_at, attempts
             FROM outbox WHERE next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms(), limit_param(limit)], |r| {
            Ok(Row {
                id: r.get(0)?,
                key: Uuid::parse_str(&r.get::<_, String>(1)?).ok(),
                kind: r.get(2)?,
                payload: r.get(3)?,
                created_at: r.get(4)?,
                attempts: r.get(5)?,
            })
        })?;
        let rows = rows.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Applies a round's outcomes in one transaction and counts what is left. `failures`
    /// (consecutive batch-level failures) paces the backoff of rows whose attempt did not
    /// count.
    fn record(
        &self,
        outcomes: Vec<(Row, Outcome)>,
        policy: &SyncPolicy,
        failures: u32,
    ) -> Result<SyncReport, OutboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut report = SyncReport::default();
        let now = now_ms();
        let failed_at = rfc3339_now();
        for (row, outcome) in outcomes {
            match outcome {
                Outcome::Delivered => {
                    tx.execute("DELETE FROM outbox WHERE id = ?1", [row.id])?;
                    report.delivered += 1;
                }
                Outcome::DeadLetter(reason) => {
                    let attempts = row.attempts.saturating_add(1);
                    dead_letter(&tx, row.id, attempts, &reason, &failed_at)?;
                    report.dead_lettered += 1;
                }
                Outcome::Corrupt => {
                    dead_letter(&tx, row.id, row.attempts, "corrupt row", &failed_at)?;
                    report.dead_lettered += 1;
                }
                Outcome::Retry {
                    error,
                    retry_after,
                    network,
                    counts,
                } => {
                    let attempts = row.attempts.saturating_add(u32::from(counts));
                    if counts && attempts >= policy.max_attempts.max(1) {
                        dead_letter(&tx, row.id, attempts, &error, &failed_at)?;
                        report.dead_lettered += 1;
                    } else {
                        let pace = if counts { attempts } else { failures.max(1) };
                        let delay = backoff(pace, retry_after, policy, &mut rand::rng());
                        tx.execute(
                            "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2,
                                               last_error = ?3, waiting_for_network = ?4
                             WHERE id = ?5",
                            params![attempts, now + duration_ms(delay), error, network, row.id],
                        )?;
                    }
                }
            }
        }
        let remaining: i64 = tx.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        report.remaining = usize::try_from(remaining).unwrap_or(0);
        tx.commit()?;
        if report.dead_lettered > 0 {
            tracing::warn!(count = report.dead_lettered, "outbox rows dead-lettered");
        }
        Ok(report)
    }
}
