// A checked value cannot be changed afterwards: its field cannot be assigned.
use generated::kejue::models::WebhookCreateTimeoutMs;

fn main() {
    let mut timeout = WebhookCreateTimeoutMs::new(1000).unwrap();
    timeout.0 = 5;
}
