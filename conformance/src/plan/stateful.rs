//! The stateful cases a plan holds, as data: which scenario a case belongs to and what it
//! needs (the scenarios, a floor above, plan them through [`PlanStateful`], send their
//! follow-ups and judge them).

use generator::model::{Api, Operation};
use serde_json::Value;

use super::values::Sampler;
use super::{Case, Resources, carries_tag};

/// The scenario a case belongs to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// An update that sends one field changes that field and nothing else.
    PartialUpdate(PartialUpdate),
    /// The write-only fields sent at creation never come back, by key or by value.
    WriteOnly { fields: Vec<String> },
    /// After a delete, the resource is gone.
    DeletedIsGone,
    /// A seeded walk of reads, lists, updates and deletes over the resource: its number, how
    /// many steps it draws (`--max-steps`), and which of them a shrunk walk leaves out.
    Walk {
        walk: u32,
        steps: usize,
        left_out: Vec<usize>,
    },
    /// Another tenant's request on the resource is refused, and it stays as it was.
    Isolation,
    /// Two rotations give two different values of `field`.
    Rotation { field: String },
    /// A webhook made to deliver to the run's receiver, and what it must get.
    Delivery(DeliveryKind),
    /// A scenario that needs nothing but its name (a plug-in's).
    Named(&'static str),
}

/// Which delivery case: what the webhook is made as and what is published to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DeliveryKind {
    /// An event of its type arrives, signed, once.
    Delivered,
    /// The receiver answers 503: exactly retries + 1 attempts, spaced by the backoff.
    Retries,
    /// A type it does not take is published first: only its own type arrives.
    Filter,
    /// Disabled before the publish: nothing arrives.
    Disabled,
    /// Another tenant publishes its type: nothing arrives.
    OtherTenant,
    /// The receiver holds the first attempt past the webhook's timeout: a retry comes.
    Timeout,
    /// The receiver refuses the first attempt, the secret is rotated, and the retry is
    /// signed with the new secret only.
    Rotation,
}

impl DeliveryKind {
    pub const ALL: [DeliveryKind; 7] = [
        DeliveryKind::Delivered,
        DeliveryKind::Retries,
        DeliveryKind::Filter,
        DeliveryKind::Disabled,
        DeliveryKind::OtherTenant,
        DeliveryKind::Timeout,
        DeliveryKind::Rotation,
    ];

    /// The case name's suffix and the event type's last part.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryKind::Delivered => "delivered",
            DeliveryKind::Retries => "retries",
            DeliveryKind::Filter => "filter",
            DeliveryKind::Disabled => "disabled",
            DeliveryKind::OtherTenant => "other_tenant",
            DeliveryKind::Timeout => "timeout",
            DeliveryKind::Rotation => "rotation",
        }
    }

    /// The receiver path of its webhook (under the run's prefix): `/fail` answers 503.
    pub fn path(self) -> String {
        match self {
            DeliveryKind::Retries => "retries/fail".into(),
            other => other.name().into(),
        }
    }

    /// The run-tagged event type its webhook takes.
    pub fn event_type(self, tag: &str) -> String {
        format!("conformance.{tag}.{}", self.name())
    }
}

/// One partial-update case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartialUpdate {
    /// The one field the update sends (its value is the case's edit).
    pub field: String,
    /// Required fields the resource does not show, sent as the valid request has them: they
    /// may change too.
    pub sent_alongside: Vec<String>,
    /// The field is write-only: it is never read back, only the others are compared.
    pub write_only: bool,
    /// The body the resource is made with (`None`: the create takes none).
    pub create_body: Option<Value>,
}

impl PartialUpdate {
    /// The update body of a partial-update case, with the fields sent alongside the one it
    /// changes holding what the resource holds: each resource is made with its own numbered
    /// names (`Resources::numbered`), which the plan could not know.
    pub fn alongside_as_made(&self, body: &mut Value, resource: &Value) {
        let Some(map) = body.as_object_mut() else { return };
        for (key, value) in map.iter_mut().filter(|(k, _)| **k != self.field) {
            let Value::String(planned) = value else { continue };
            if let Some(Value::String(made)) = crate::habits::in_envelope(resource, &format!("/{key}"))
                && made.starts_with(planned.as_str())
                && carries_tag(planned)
            {
                *planned = made.clone();
            }
        }
    }
}

/// What planning a scenario reads.
pub struct Planning<'a> {
    pub api: &'a Api,
    pub sampler: &'a Sampler<'a>,
    pub resources: &'a Resources,
    pub op: &'a Operation,
}

/// Plans the stateful cases of an operation, each a variant of its valid request `base`;
/// what cannot be planned is said in `notes`. The scenarios implement it.
pub trait PlanStateful {
    fn plan(&self, planning: &Planning, base: &Case, out: &mut Vec<Case>, notes: &mut Vec<String>);
}

/// No stateful cases.
pub struct NoStateful;

impl PlanStateful for NoStateful {
    fn plan(&self, _: &Planning, _: &Case, _: &mut Vec<Case>, _: &mut Vec<String>) {}
}

/// The body the case's resource is made with (`None`: the create takes none).
pub fn create_body<'a>(case: &'a Case, resources: &'a Resources) -> Option<&'a Value> {
    match &case.stateful {
        Some(Scenario::PartialUpdate(p)) => p.create_body.as_ref(),
        _ => resources.create_body.as_ref(),
    }
}
