// A constrained type cannot be built around its checks: it is an alias of the runtime's
// `Constrained`, which has no public constructor but `new` (and `TryFrom`), which check.
use generated::kejue::models::WebhookCreateTimeoutMs;

fn main() {
    let _unchecked = WebhookCreateTimeoutMs(5);
}
