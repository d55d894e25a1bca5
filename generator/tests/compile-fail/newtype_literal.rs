// A constrained newtype cannot be built around its checks: its field is private, so the
// tuple-struct literal does not compile outside the generated crate (`new`/`TryFrom` check).
use generated::kejue::models::WebhookCreateTimeoutMs;

fn main() {
    let _unchecked = WebhookCreateTimeoutMs(5);
}
