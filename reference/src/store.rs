//! Webhooks in SQLite, one JSON document per webhook, always scoped to a tenant.

use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One connection behind a lock: requests are short, and SQLite serialises writes anyway.
pub struct Store {
    conn: Mutex<Connection>,
    /// Woken when deliveries are stored, so that a delivery engine over this store starts them.
    outbox_changed: tokio::sync::Notify,
}

impl Store {
    /// A database file (kept across restarts), or memory when `path` is `None`.
    pub fn open(path: Option<&Path>) -> Result<Store> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS webhooks (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 api TEXT NOT NULL,
                 tenant TEXT NOT NULL,
                 id TEXT NOT NULL,
                 doc TEXT NOT NULL,
                 UNIQUE (api, id)
             );
             CREATE INDEX IF NOT EXISTS webhooks_by_tenant ON webhooks (api, tenant);
             CREATE TABLE IF NOT EXISTS outbox (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 api TEXT NOT NULL,
                 tenant TEXT NOT NULL,
                 webhook TEXT NOT NULL,
                 message TEXT NOT NULL,
                 delivery_id TEXT NOT NULL UNIQUE,
                 body TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 next_at INTEGER NOT NULL,
                 state TEXT NOT NULL,
                 last_error TEXT
             );
             CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_at);",
        )?;
        Ok(Store {
            conn: Mutex::new(conn),
            outbox_changed: tokio::sync::Notify::new(),
        })
    }

    /// Notified when [`Store::enqueue`] has stored deliveries.
    pub fn outbox_changed(&self) -> &tokio::sync::Notify {
        &self.outbox_changed
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| StoreError("the connection lock is poisoned".into()))?;
        Ok(f(&conn)?)
    }

    pub fn insert(&self, api: &str, tenant: &str, id: &str, doc: &Value) -> Result<()> {
        let text = serde_json::to_string(doc)?;
        self.with(|c| {
            c.execute(
                "INSERT INTO webhooks (api, tenant, id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![api, tenant, id, text],
            )
        })?;
        Ok(())
    }

    pub fn get(&self, api: &str, tenant: &str, id: &str) -> Result<Option<Value>> {
        let text: Option<String> = self.with(|c| {
            c.query_row(
                "SELECT doc FROM webhooks WHERE api = ?1 AND tenant = ?2 AND id = ?3",
                params![api, tenant, id],
                |r| r.get(0),
            )
            .optional()
        })?;
        text.map(|t| serde_json::from_str(&t).map_err(StoreError::from))
            .transpose()
    }

    /// The tenant's webhooks, oldest first.
    pub fn list(&self, api: &str, tenant: &str) -> Result<Vec<Value>> {
        let texts: Vec<String> = self.with(|c| {
            let mut statement = c.prepare("SELECT doc FROM webhooks WHERE api = ?1 AND tenant = ?2 ORDER BY seq")?;
            statement.query_map(params![api, tenant], |r| r.get(0))?.collect()
        })?;
        texts
            .iter()
            .map(|t| serde_json::from_str(t).map_err(StoreError::from))
            .collect()
    }

    /// The tenants that have webhooks of `api`.
    pub fn tenants(&self, api: &str) -> Result<Vec<String>> {
        self.with(|c| {
            let mut statement = c.prepare("SELECT DISTINCT tenant FROM webhooks WHERE api = ?1 ORDER BY tenant")?;
            statement.query_map(params![api], |r| r.get(0))?.collect()
        })
    }

    /// Replaces a document; false when the tenant has no such webhook.
    pub fn replace(&self, api: &str, tenant: &str, id: &str, doc: &Value) -> Result<bool> {
        let text = serde_json::to_string(doc)?;
        let n = self.with(|c| {
            c.execute(
                "UPDATE webhooks SET doc = ?4 WHERE api = ?1 AND tenant = ?2 AND id = ?3",
                params![api, tenant, id, text],
            )
        })?;
        Ok(n == 1)
    }

    /// Changes a document in place, in one step that no other write comes between (a delivery
    /// counting its attempt and a PATCH both use it); `None` when the tenant has no such webhook.
    pub fn modify(&self, api: &str, tenant: &str, id: &str, change: impl FnOnce(&mut Value)) -> Result<Option<Value>> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| StoreError("the connection lock is poisoned".into()))?;
        let text: Option<String> = conn
            .query_row(
                "SELECT doc FROM webhooks WHERE api = ?1 AND tenant = ?2 AND id = ?3",
                params![api, tenant, id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(text) = text else { return Ok(None) };
        let mut doc: Value = serde_json::from_str(&text)?;
        change(&mut doc);
        conn.execute(
            "UPDATE webhooks SET doc = ?4 WHERE api = ?1 AND tenant = ?2 AND id = ?3",
            params![api, tenant, id, serde_json::to_string(&doc)?],
        )?;
        Ok(Some(doc))
    }

    /// Deletes a webhook; false when the tenant has no such webhook.
    pub fn delete(&self, api: &str, tenant: &str, id: &str) -> Result<bool> {
        let n = self.with(|c| {
            c.execute(
                "DELETE FROM webhooks WHERE api = ?1 AND tenant = ?2 AND id = ?3",
                params![api, tenant, id],
            )
        })?;
        Ok(n == 1)
    }

    /// How many webhooks an API holds across tenants.
    pub fn count(&self, api: &str) -> Result<usize> {
        self.with(|c| {
            c.query_row("SELECT COUNT(*) FROM webhooks WHERE api = ?1", params![api], |r| {
                r.get::<_, i64>(0)
            })
        })
        .map(|n| n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tenants_only_see_their_own() {
        let store = Store::open(None).unwrap();
        store.insert("kejue", "t1", "a", &json!({"id": "a"})).unwrap();
        assert_eq!(store.get("kejue", "t2", "a").unwrap(), None);
        assert!(!store.replace("kejue", "t2", "a", &json!({})).unwrap());
        assert!(!store.delete("kejue", "t2", "a").unwrap());
        assert_eq!(store.list("kejue", "t1").unwrap(), vec![json!({"id": "a"})]);
        assert!(store.delete("kejue", "t1", "a").unwrap());
        assert_eq!(store.count("kejue").unwrap(), 0);
    }

    #[test]
    fn a_file_database_survives_reopening() {
        let path = std::env::temp_dir().join(format!("reference-store-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Store::open(Some(&path))
            .unwrap()
            .insert("konpro", "t", "e1", &json!({"x": 1}))
            .unwrap();
        assert_eq!(
            Store::open(Some(&path)).unwrap().get("konpro", "t", "e1").unwrap(),
            Some(json!({"x": 1}))
        );
        let _ = std::fs::remove_file(&path);
    }
}
