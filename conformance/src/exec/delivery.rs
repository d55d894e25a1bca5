//! What a run needs to make events and read deliveries: `conformance.toml`'s `[delivery]`
//! table as data (read by `config`, a floor above), the receiver's options, and what a
//! delivery case saw (`Deliveries`), kept on the exchange for the checks.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use super::receiver::Delivery;

/// How a delivery proves where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// Standard Webhooks: `webhook-signature: v1,<HMAC-SHA256 of id.timestamp.body>`,
    /// verified by the `standardwebhooks` crate.
    Standard,
    /// The same content under HMAC-SHA1, in header `header` after `prefix`, base64.
    HmacSha1 { header: String, prefix: String },
    /// `authorization: Bearer <secret>`.
    Bearer,
    /// `authorization: Basic <base64 of user:secret>`.
    Basic { user: String },
    /// Nothing to verify.
    None,
}

/// Where the secret in force comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A JSON pointer into the create answer (`/secret`, `/data/secret`).
    Answer(String),
    /// The value the run itself sent in the create body under this field (write-only
    /// secrets).
    Sent(String),
}

/// How the run disables a webhook: an operation and its body (`"{id}"` is replaced by the
/// webhook's id; path parameters follow the spec's links).
#[derive(Debug, Clone, PartialEq)]
pub struct Disable {
    pub operation: String,
    pub body: Value,
}

/// Where a webhook's read shows its delivery counts (JSON pointers into the answer, inside
/// its envelope).
#[derive(Debug, Clone, PartialEq)]
pub struct StatsFields {
    /// Every attempt.
    pub total: String,
    /// The failed attempts.
    pub failed: String,
}

/// How the run makes an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Publish {
    /// The API's operation that publishes one (`publish = "operationId"`), sent with
    /// `publish_body`.
    Operation(String),
    /// A command, for APIs whose events come from elsewhere (`publish_command = [...]`): its
    /// arguments' `{type}` and `{case}` replaced, the tenant's credential in
    /// `CONFORMANCE_PUBLISH_TOKEN`; exit status 0 is a publish.
    Command(Vec<String>),
}

/// `[delivery]` of `conformance.toml`, and the receiver's options.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliverySettings {
    pub publish: Publish,
    /// The publish operation's body; every string `"{type}"` becomes the event type,
    /// `"{case}"` the case name.
    pub publish_body: Value,
    /// Fields set in the create body of a delivery case's webhook (a secret the run chooses,
    /// a retry count).
    pub create_fields: Map<String, Value>,
    /// The field of the create body that takes the URL, and the one that takes the filter.
    pub url_field: String,
    pub events_field: String,
    /// The field that selects the signature scheme (`signing_method`), its schemes per value,
    /// and the scheme when the field is absent or holds another value.
    pub signature_field: Option<String>,
    pub signatures: BTreeMap<String, Scheme>,
    pub signature: Scheme,
    pub secret: SecretSource,
    /// The field that holds the retry count in the create answer, and the count where it
    /// does not (the vendor's fixed number).
    pub retries_field: Option<String>,
    pub retries: u32,
    /// The timeout field, where the API has one: the timeout case reads the webhook's
    /// timeout (in ms) there.
    pub timeout_field: Option<String>,
    /// The timeout of every webhook, where the API fixes it (`timeout_ms`).
    pub timeout: Option<Duration>,
    /// The backoff's base: retry n waits at least `backoff_ms × 2^(n-1)`.
    pub backoff_ms: u64,
    pub disable: Option<Disable>,
    /// The counts a webhook's read shows, where the API keeps them.
    pub stats: Option<StatsFields>,
    /// The receiver speaks TLS (the API takes only https URLs).
    pub tls: bool,
    /// How long a case waits for what must arrive (beyond the backoff's own waits), and for
    /// what must not.
    pub deadline: Duration,
    pub quiet: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            publish: Publish::Operation(String::new()),
            publish_body: serde_json::json!({"type": "{type}", "data": {"case": "{case}"}}),
            create_fields: Map::new(),
            url_field: "url".into(),
            events_field: "events".into(),
            signature_field: None,
            signatures: BTreeMap::new(),
            signature: Scheme::Standard,
            secret: SecretSource::Answer("/secret".into()),
            retries_field: None,
            retries: 5,
            timeout_field: None,
            timeout: None,
            backoff_ms: 1000,
            disable: None,
            stats: None,
            tls: false,
            deadline: Duration::from_secs(10),
            quiet: Duration::from_secs(1),
        }
    }
}

impl DeliverySettings {
    /// The longest a retries case may wait for: every backoff, then the deadline.
    pub fn retries_deadline(&self, retries: u32) -> Duration {
        let backoff: u64 = (0..retries)
            .map(|n| self.backoff_ms.saturating_mul(1 << n.min(20)))
            .sum();
        Duration::from_millis(backoff) + self.deadline
    }
}

/// Where the receiver listens and what the run may do when delivering (`--receiver-listen`,
/// `--receiver-url`, `--allow-foreign-deliveries`, `--delivery-cap-secs`).
#[derive(Debug, Clone)]
pub struct ReceiverOptions {
    pub listen: std::net::SocketAddr,
    pub public_url: Option<String>,
    pub allow_foreign: bool,
    /// No delivery case waits past this, whatever its settings say.
    pub cap: Duration,
}

impl Default for ReceiverOptions {
    fn default() -> Self {
        ReceiverOptions {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            allow_foreign: false,
            cap: Duration::from_secs(120),
        }
    }
}

/// A rotation between a delivery's attempts.
#[derive(Debug, Clone)]
pub struct Rotated {
    /// The secret the rotation replaced (never shown).
    pub old: Option<String>,
    /// Attempts that arrived before the rotation.
    pub after: usize,
}

/// What a delivery case saw: the deliveries at its path, those of the type its webhook does
/// not take, and what they are judged against.
#[derive(Debug, Clone)]
pub struct Deliveries {
    /// The event type the webhook takes and was published.
    pub event_type: String,
    pub got: Vec<Delivery>,
    /// Deliveries of a type the webhook does not take (the filter case).
    pub unwanted: Vec<Delivery>,
    /// How many attempts are expected, when the receiver refused every one.
    pub attempts: Option<u32>,
    pub backoff_ms: u64,
    pub scheme: Scheme,
    /// The secret in force (never shown).
    pub secret: Option<String>,
    /// Whether something must arrive (false: the webhook is disabled).
    pub must_arrive: bool,
    /// The timeout case: the webhook's timeout, and how long the receiver held the first
    /// attempt past it.
    pub held: Option<(Duration, Duration)>,
    /// The rotation case: the secret before the rotation, and how many attempts came before.
    pub rotated: Option<Rotated>,
    /// The counts the webhook's read showed after the attempts (total, failed), where
    /// `[delivery] stats` names them.
    pub stats: Option<(Option<u64>, Option<u64>)>,
    /// How long the case waited.
    pub waited: Duration,
    pub deadline: Duration,
}
