// A checked value cannot be changed through `Deref` either: there is no `DerefMut`.
use generated::kejue::models::WebhookCreateTimeoutMs;

fn main() {
    let timeout = WebhookCreateTimeoutMs::new(1000).unwrap();
    *timeout = 5;
}
