//! The outbox: one row per delivery (an event for one webhook) in the server's SQLite
//! database, written before a publish is answered and changed after each attempt.
//!
//! States: `pending` (waiting for `next_at`, Unix milliseconds), `sending` (an attempt is in
//! flight; back to `pending` when a server starts or stops, so a killed server's attempts
//! are made again), `delivered`, `failed` (no retries left), `dropped` (the webhook was
//! deleted or disabled before an attempt).

use rusqlite::params;
use serde_json::Value;

use crate::store::{Result, Store};

/// A delivery claimed for an attempt.
#[derive(Debug, Clone)]
pub struct Row {
    pub seq: i64,
    pub api: String,
    pub tenant: String,
    pub webhook: String,
    pub message: String,
    /// The `webhook-id` header: one per event and webhook, the same on every attempt.
    pub delivery_id: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// A delivery to store: the webhook it goes to and its `webhook-id`.
pub struct NewDelivery {
    pub webhook: String,
    pub delivery_id: String,
}

/// How an attempt ended, for the row.
pub enum Next {
    Delivered,
    RetryAt(i64),
    Failed,
    Dropped,
}

impl Next {
    fn state(&self) -> &'static str {
        match self {
            Next::Delivered => "delivered",
            Next::RetryAt(_) => "pending",
            Next::Failed => "failed",
            Next::Dropped => "dropped",
        }
    }
}

/// Stores the deliveries of one event, all or none.
pub fn enqueue(
    store: &Store,
    api: &str,
    tenant: &str,
    message: &str,
    body: &str,
    deliveries: &[NewDelivery],
    now_ms: i64,
) -> Result<()> {
    store.with(|c| {
        let tx = c.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO outbox (api, tenant, webhook, message, delivery_id, body, attempts, next_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, 'pending')",
            )?;
            for d in deliveries {
                insert.execute(params![api, tenant, d.webhook, message, d.delivery_id, body, now_ms])?;
            }
        }
        tx.commit()
    })
}

/// Claims up to `limit` due deliveries, at most `per_webhook(api, webhook)` of each webhook
/// (what it may still have in flight), oldest first, and marks them `sending`.
pub fn claim(
    store: &Store,
    now_ms: i64,
    limit: usize,
    cap: usize,
    mut room: impl FnMut(&str, &str) -> usize,
) -> Result<Vec<Row>> {
    store.with(|c| {
        let tx = c.unchecked_transaction()?;
        let candidates: Vec<Row> = {
            let mut select = tx.prepare_cached(
                "SELECT seq, api, tenant, webhook, message, delivery_id, body, attempts FROM (
                     SELECT *, ROW_NUMBER() OVER (PARTITION BY api, webhook ORDER BY next_at, seq) AS n
                     FROM outbox WHERE state = 'pending' AND next_at <= ?1)
                 WHERE n <= ?2 ORDER BY next_at, seq LIMIT ?3",
            )?;
            select
                .query_map(params![now_ms, cap as i64, (limit * cap).max(limit) as i64], |r| {
                    Ok(Row {
                        seq: r.get(0)?,
                        api: r.get(1)?,
                        tenant: r.get(2)?,
                        webhook: r.get(3)?,
                        message: r.get(4)?,
                        delivery_id: r.get(5)?,
                        body: r.get(6)?,
                        attempts: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut taken = Vec::new();
        let mut granted: std::collections::HashMap<(String, String), usize> = Default::default();
        for row in candidates {
            if taken.len() == limit {
                break;
            }
            let key = (row.api.clone(), row.webhook.clone());
            let used = granted.entry(key).or_insert(0);
            if *used < room(&row.api, &row.webhook) {
                *used += 1;
                taken.push(row);
            }
        }
        {
            let mut mark = tx.prepare_cached("UPDATE outbox SET state = 'sending' WHERE seq = ?1")?;
            for row in &taken {
                mark.execute(params![row.seq])?;
            }
        }
        tx.commit()?;
        Ok(taken)
    })
}

/// Records an attempt's end, and (kejue) the webhook's counts, in one transaction.
pub fn finish(
    store: &Store,
    row: &Row,
    attempted: bool,
    next: Next,
    error: Option<&str>,
    stats: Option<&dyn Fn(&mut Value)>,
) -> Result<()> {
    store.with(|c| {
        let tx = c.unchecked_transaction()?;
        let next_at = match next {
            Next::RetryAt(at) => Some(at),
            _ => None,
        };
        tx.execute(
            "UPDATE outbox SET state = ?2, attempts = attempts + ?3, next_at = COALESCE(?4, next_at), last_error = ?5
             WHERE seq = ?1",
            params![row.seq, next.state(), attempted as i64, next_at, error],
        )?;
        if let Some(change) = stats {
            let doc: Option<String> = rusqlite::OptionalExtension::optional(tx.query_row(
                "SELECT doc FROM webhooks WHERE api = ?1 AND tenant = ?2 AND id = ?3",
                params![row.api, row.tenant, row.webhook],
                |r| r.get(0),
            ))?;
            if let Some(mut doc) = doc.and_then(|d| serde_json::from_str::<Value>(&d).ok()) {
                change(&mut doc);
                tx.execute(
                    "UPDATE webhooks SET doc = ?4 WHERE api = ?1 AND tenant = ?2 AND id = ?3",
                    params![row.api, row.tenant, row.webhook, doc.to_string()],
                )?;
            }
        }
        tx.commit()
    })
}

/// Puts every attempt in flight back to `pending` (a server starting after a kill, or
/// stopping with attempts it will not finish); how many.
pub fn release_in_flight(store: &Store) -> Result<usize> {
    store.with(|c| c.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'", []))
}

/// When the next pending delivery is due, if any is.
pub fn next_due(store: &Store) -> Result<Option<i64>> {
    store.with(|c| {
        c.query_row("SELECT MIN(next_at) FROM outbox WHERE state = 'pending'", [], |r| {
            r.get(0)
        })
    })
}

/// How many deliveries are in each state, for tests and the log.
pub fn counts(store: &Store) -> Result<Vec<(String, i64)>> {
    store.with(|c| {
        let mut s = c.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state")?;
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
    })
}
