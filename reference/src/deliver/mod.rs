//! Deliveries, shared by the four servers (VENDORS.md, "Deliveries (all four vendors)").
//!
//! A publish ([`publish`]) stores one outbox row per webhook that takes the event, in the
//! server's own SQLite database, before it is answered. An [`Engine`] over the same store
//! claims due rows and sends them: at most [`Settings::concurrency`] attempts at once and at
//! most [`Settings::per_webhook`] per webhook, so a slow or dead receiver holds up only its
//! own deliveries; each attempt bounded by the webhook's timeout; a failed one retried
//! `backoff_ms × 2^(n-1)` after it ended, up to the webhook's retries. Rows in flight when a
//! server is killed are sent again when it starts (at least once, the same `webhook-id`).

mod destination;
pub mod outbox;
mod sign;
mod target;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

pub use destination::private_kind;
pub use sign::key as signing_key;
pub use target::{Signing, Target};

use crate::store::{Result, Store};
use crate::{Api, mint};
use outbox::{NewDelivery, Next, Row};

/// How a server delivers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The base of the retry backoff: retry n waits `backoff_ms × 2^(n-1)`.
    pub backoff_ms: u64,
    /// Deliver to loopback, private, link-local and unspecified addresses too (tests), and
    /// then without verifying those destinations' certificates.
    pub allow_private_destinations: bool,
    /// Attempts in flight at once, over all webhooks.
    pub concurrency: usize,
    /// Attempts in flight at once to one webhook.
    pub per_webhook: usize,
    /// A defect planted on purpose, for tests that show the runner's delivery checks catch
    /// it; `None` outside them.
    pub defect: Option<Defect>,
}

/// Ways a delivery engine gets deliveries wrong, planted by tests (never by the command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// Signs other bytes than it sends (the body with a trailing space).
    SignsOtherBytes,
    /// Retries once more than the webhook's setting allows.
    RetriesOnceMore,
    /// Gives each attempt a new `webhook-id`.
    NewIdEachAttempt,
    /// Retries at once, with no backoff.
    NoBackoff,
    /// Delivers every event to every webhook of the tenant, whatever types it takes.
    IgnoresFilter,
    /// Delivers to disabled webhooks too.
    DeliversWhenDisabled,
    /// Delivers a tenant's events to every tenant's webhooks.
    CrossesTenants,
    /// Waits for an answer as long as it takes, whatever the webhook's timeout.
    IgnoresTimeout,
    /// Writes the event's timestamp as Unix seconds, where the spec says an RFC 3339 text.
    TimestampAsNumber,
    /// Keeps signing with the secret a webhook had at its first attempt, after a rotation.
    SecretCachedPerWebhook,
    /// Counts a failed attempt in the webhook's total but not in its failures.
    FailuresNotCounted,
}

impl Default for Settings {
    /// What the `reference` command does without options: 1000 ms, public destinations only.
    fn default() -> Settings {
        Settings {
            backoff_ms: 1000,
            allow_private_destinations: false,
            concurrency: 64,
            per_webhook: 8,
            defect: None,
        }
    }
}

impl Settings {
    /// Tests and the embedded default of `cargo xtask conformance`: receivers on loopback.
    pub fn local() -> Settings {
        Settings {
            allow_private_destinations: true,
            ..Settings::default()
        }
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Publishes an event to `tenant`'s webhooks of `api`: stores one delivery per webhook that
/// takes it, then wakes the engine. Answers the message id and the number of deliveries.
pub fn publish(
    store: &Store,
    api: Api,
    tenant: &str,
    kind: &str,
    data: &serde_json::Map<String, Value>,
    persona: Option<&str>,
    defect: Option<Defect>,
) -> Result<(String, usize)> {
    let message = format!("msg_{}", mint::object_id());
    let timestamp = match defect {
        Some(Defect::TimestampAsNumber) => json!(now_ms() / 1000),
        _ => json!(mint::now()),
    };
    let body = json!({ "type": kind, "timestamp": timestamp, "data": data }).to_string();
    let tenants = match defect {
        Some(Defect::CrossesTenants) => store.tenants(api.name())?,
        _ => vec![tenant.to_owned()],
    };
    let takes = |target: Target| match defect {
        Some(Defect::IgnoresFilter) => target.enabled,
        Some(Defect::DeliversWhenDisabled) => Target {
            enabled: true,
            ..target
        }
        .takes(kind, persona),
        _ => target.takes(kind, persona),
    };
    let mut count = 0;
    for tenant in &tenants {
        let deliveries: Vec<NewDelivery> = store
            .list(api.name(), tenant)?
            .iter()
            .filter(|doc| takes(Target::read(api, doc)))
            .filter_map(|doc| webhook_id(api, doc))
            .map(|webhook| NewDelivery {
                webhook,
                delivery_id: format!("msg_{}", mint::object_id()),
            })
            .collect();
        if !deliveries.is_empty() {
            outbox::enqueue(store, api.name(), tenant, &message, &body, &deliveries, now_ms())?;
            store.outbox_changed().notify_one();
        }
        count += deliveries.len();
    }
    Ok((message, count))
}

/// The stored id of a webhook, under each vendor's key.
fn webhook_id(api: Api, doc: &Value) -> Option<String> {
    let key = match api {
        Api::Kejue | Api::Kallima => "id",
        Api::Konpro => "endpoint_id",
        Api::Sendkit => "_id",
    };
    doc.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The delivery engine of one store: started with [`Engine::start`], stopped with
/// [`Engine::stop`].
pub struct Engine {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    store: Arc<Store>,
    settings: Settings,
    /// Verifies every certificate; with private destinations refused, its resolver refuses
    /// them too.
    verified: reqwest::Client,
    /// For private destinations when they are allowed: certificates not verified.
    unverified: reqwest::Client,
    in_flight: Mutex<HashMap<(String, String), usize>>,
    /// Each webhook's secret at its first attempt (only with `Defect::SecretCachedPerWebhook`).
    cached_secrets: Mutex<HashMap<String, String>>,
}

/// How long a stopping engine waits for the attempts in flight before it puts them back.
const STOP_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the delivery client: {0}")]
    Client(#[from] reqwest::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Engine {
    /// Puts attempts a killed server left in flight back to pending, and starts sending.
    pub fn start(store: Arc<Store>, settings: Settings) -> std::result::Result<Engine, EngineError> {
        let released = outbox::release_in_flight(&store)?;
        if released > 0 {
            tracing::info!(released, "resuming deliveries left in flight");
        }
        let base = || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent("reference-webhooks/1")
                .pool_idle_timeout(Duration::from_secs(30))
        };
        let mut verified = base();
        if !settings.allow_private_destinations {
            verified = verified.dns_resolver(destination::public_only());
        }
        let shared = Arc::new(Shared {
            store,
            verified: verified.build()?,
            unverified: base().danger_accept_invalid_certs(true).build()?,
            settings,
            in_flight: Mutex::new(HashMap::new()),
            cached_secrets: Mutex::new(HashMap::new()),
        });
        let (stop, stopping) = watch::channel(false);
        let task = tokio::spawn(run(shared, stopping));
        Ok(Engine { stop, task })
    }

    /// Takes no new attempts, waits a while for those in flight, and puts any still unfinished
    /// back to pending: the outbox is left as a restart expects it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(shared: Arc<Shared>, mut stopping: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(shared.settings.concurrency));
    let mut attempts = JoinSet::new();
    loop {
        if *stopping.borrow() {
            break;
        }
        while attempts.try_join_next().is_some() {}
        let free = permits.available_permits();
        let mut wait = Duration::from_secs(1);
        if free > 0 {
            let cap = shared.settings.per_webhook;
            let claimed = {
                let in_flight = shared.in_flight.lock().map(|m| m.clone()).unwrap_or_default();
                outbox::claim(&shared.store, now_ms(), free, cap, |api, webhook| {
                    cap.saturating_sub(*in_flight.get(&(api.to_owned(), webhook.to_owned())).unwrap_or(&0))
                })
            };
            match claimed {
                Ok(rows) => {
                    for row in rows {
                        let Ok(permit) = permits.clone().try_acquire_owned() else {
                            break;
                        };
                        shared.enter(&row, 1);
                        let shared = shared.clone();
                        attempts.spawn(async move {
                            attempt(&shared, &row).await;
                            shared.enter(&row, -1);
                            drop(permit);
                            shared.store.outbox_changed().notify_one();
                        });
                    }
                }
                Err(e) => tracing::error!("delivery engine: cannot claim deliveries: {e}"),
            }
            match outbox::next_due(&shared.store) {
                Ok(Some(at)) => wait = Duration::from_millis((at - now_ms()).clamp(0, 1000) as u64),
                Ok(None) => {}
                Err(e) => tracing::error!("delivery engine: {e}"),
            }
        }
        tokio::select! {
            _ = shared.store.outbox_changed().notified() => {}
            _ = tokio::time::sleep(wait.max(Duration::from_millis(1))) => {}
            changed = stopping.changed() => if changed.is_err() { break },
        }
    }
    // Stopping: nothing new; those in flight get a grace period, then go back to pending.
    let _ = tokio::time::timeout(STOP_GRACE, async { while attempts.join_next().await.is_some() {} }).await;
    attempts.abort_all();
    while attempts.join_next().await.is_some() {}
    match outbox::release_in_flight(&shared.store) {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            released = n,
            "stopped with deliveries in flight: they are pending again"
        ),
        Err(e) => tracing::error!("delivery engine: cannot release deliveries in flight: {e}"),
    }
}

impl Shared {
    fn enter(&self, row: &Row, by: isize) {
        if let Ok(mut map) = self.in_flight.lock() {
            let key = (row.api.clone(), row.webhook.clone());
            let count = map.entry(key.clone()).or_insert(0);
            *count = count.saturating_add_signed(by);
            if *count == 0 {
                map.remove(&key);
            }
        }
    }
}

/// One attempt of one delivery, and what follows from it.
async fn attempt(shared: &Shared, row: &Row) {
    let Ok(api) = row.api.parse::<Api>() else { return };
    let store = &shared.store;
    let doc = match store.get(&row.api, &row.tenant, &row.webhook) {
        Ok(doc) => doc,
        Err(e) => {
            tracing::error!("delivery engine: {e}");
            let _ = outbox::finish(
                store,
                row,
                false,
                Next::RetryAt(now_ms() + 1000),
                Some(&e.to_string()),
                None,
            );
            return;
        }
    };
    let target = doc.as_ref().map(|d| Target::read(api, d));
    let delivers_when_disabled = shared.settings.defect == Some(Defect::DeliversWhenDisabled);
    let Some(target) = target.filter(|t| t.enabled || delivers_when_disabled) else {
        tracing::info!(
            api = %api, webhook = %row.webhook, event = %row.message,
            "delivery dropped: the webhook was deleted or disabled"
        );
        let _ = outbox::finish(store, row, false, Next::Dropped, None, None);
        return;
    };
    let number = row.attempts + 1;
    let started = Instant::now();
    let outcome = send(shared, &target, row).await;
    let took = started.elapsed();
    let error = match &outcome {
        Ok(status) if (200..300).contains(status) => None,
        Ok(status) => Some(format!("HTTP {status}")),
        Err(e) => Some(e.clone()),
    };
    let next = match &error {
        None => Next::Delivered,
        Some(_)
            if number <= target.max_retries + u32::from(shared.settings.defect == Some(Defect::RetriesOnceMore)) =>
        {
            let factor = 1u64.checked_shl(number - 1).unwrap_or(u64::MAX);
            let base = match shared.settings.defect {
                Some(Defect::NoBackoff) => 0,
                _ => shared.settings.backoff_ms,
            };
            let delay = base.saturating_mul(factor).min(i64::MAX as u64 / 2) as i64;
            // The end of this attempt rounded up to the next whole millisecond: `now_ms`
            // truncates, and a retry must never start before the backoff has passed.
            Next::RetryAt(now_ms().saturating_add(1).saturating_add(delay))
        }
        Some(_) => Next::Failed,
    };
    match (&outcome, &error) {
        (Ok(status), None) => tracing::info!(
            api = %api, webhook = %row.webhook, event = %row.message, id = %row.delivery_id,
            attempt = number, status, duration_ms = took.as_millis() as u64, "delivered"
        ),
        (_, Some(error)) => tracing::info!(
            api = %api, webhook = %row.webhook, event = %row.message, id = %row.delivery_id,
            attempt = number, error = %error, duration_ms = took.as_millis() as u64,
            retry = matches!(next, Next::RetryAt(_)), "delivery attempt failed"
        ),
        _ => {}
    }
    let stats = (api == Api::Kejue).then(|| {
        let failed = error.is_some() && shared.settings.defect != Some(Defect::FailuresNotCounted);
        let error = error.clone();
        move |doc: &mut Value| count_attempt(doc, failed, error.clone())
    });
    let stats_ref = stats.as_ref().map(|f| f as &dyn Fn(&mut Value));
    if let Err(e) = outbox::finish(store, row, true, next, error.as_deref(), stats_ref) {
        tracing::error!("delivery engine: cannot record an attempt: {e}");
    }
}

/// kejue's counts after one attempt (VENDORS.md: "What the webhook shows").
fn count_attempt(doc: &mut Value, failed: bool, error: Option<String>) {
    let count = |doc: &Value, key: &str| doc["stats"][key].as_u64().unwrap_or(0);
    let total = count(doc, "total_deliveries") + 1;
    let failures = count(doc, "failed_deliveries") + u64::from(failed);
    doc["stats"] = json!({
        "total_deliveries": total,
        "failed_deliveries": failures,
        "success_rate": (total - failures) as f64 / total as f64,
    });
    doc["last_delivery_at"] = json!(mint::now());
    doc["last_error"] = json!(error);
}

/// Sends one attempt: `Ok(status)` when an answer came in time, else why not.
async fn send(shared: &Shared, target: &Target, row: &Row) -> std::result::Result<u16, String> {
    let timeout = match shared.settings.defect {
        Some(Defect::IgnoresTimeout) => Duration::from_secs(3600),
        _ => target.timeout,
    };
    let timeout_ms = timeout.as_millis();
    let work = async {
        let url = reqwest::Url::parse(&target.url).map_err(|e| format!("destination refused: not a URL ({e})"))?;
        let resolved = destination::resolve(&url).await?;
        let client = match resolved.private {
            Some((ip, kind)) if !shared.settings.allow_private_destinations => {
                return Err(format!(
                    "destination refused: {} resolves to {ip}, a {kind} address",
                    url.host_str().unwrap_or_default()
                ));
            }
            Some(_) => &shared.unverified,
            None => &shared.verified,
        };
        let timestamp = now_ms() / 1000;
        let defect = shared.settings.defect;
        let mut secret = target.secret.clone().unwrap_or_default();
        if defect == Some(Defect::SecretCachedPerWebhook)
            && let Ok(mut cache) = shared.cached_secrets.lock()
        {
            secret = cache.entry(row.webhook.clone()).or_insert(secret).clone();
        }
        let secret = secret.as_str();
        let id = match defect {
            Some(Defect::NewIdEachAttempt) => format!("{}_{}", row.delivery_id, row.attempts),
            _ => row.delivery_id.clone(),
        };
        let signed = match defect {
            Some(Defect::SignsOtherBytes) => format!("{} ", row.body),
            _ => row.body.clone(),
        };
        let extra = sign::headers(target.signing, secret, &id, timestamp, signed.as_bytes())
            .map_err(|e| format!("cannot sign: {e}"))?;
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string());
        for (name, value) in extra {
            request = request.header(name, value);
        }
        let answer = request
            .body(row.body.clone())
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| describe(&e, timeout_ms))?;
        Ok(answer.status().as_u16())
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| Err(format!("timeout after {timeout_ms} ms")))
}

/// A short text for a failed request: `timeout after N ms`, `connection refused`, ...
fn describe(error: &reqwest::Error, timeout_ms: u128) -> String {
    if error.is_timeout() {
        return format!("timeout after {timeout_ms} ms");
    }
    let mut source: Option<&dyn std::error::Error> = Some(error);
    let mut innermost = error.to_string();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "connection refused".into(),
                std::io::ErrorKind::ConnectionReset => return "connection reset".into(),
                _ => {}
            }
        }
        innermost = e.to_string();
        source = e.source();
    }
    if error.is_connect() {
        format!("connection failed: {innermost}")
    } else {
        format!("request failed: {innermost}")
    }
}
