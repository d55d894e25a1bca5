//! The typed receiver codegen writes from kallima's `webhooks`, as a customer serves it: the
//! reference kallima delivers to it, and it hands over each event verified and typed; a
//! delivery signed with another secret is refused with 401, a stale one with 400, and neither
//! reaches the method.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use generated::kallima::models::EventDelivery;
use generated::kallima::receiver::{self, Delivery, Receiver};
use reference::Api;
use serde_json::json;

use crate::support::{Harness, KEY_A};

/// A customer's receiver: keeps what it is handed.
struct Kept {
    secrets: Mutex<Vec<String>>,
    got: Mutex<Vec<(Delivery, EventDelivery)>>,
}

impl Receiver for Kept {
    fn secrets(&self) -> Vec<String> {
        self.secrets.lock().unwrap().clone()
    }

    async fn event_delivered(&self, delivery: Delivery, payload: EventDelivery) {
        self.got.lock().unwrap().push((delivery, payload));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_receiver_gets_verified_typed_events_and_refuses_the_rest() {
    let kept = Arc::new(Kept {
        secrets: Mutex::new(Vec::new()),
        got: Mutex::new(Vec::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().nest("/hooks", receiver::router(kept.clone()));
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let h = Harness::start(Api::Kallima).await;
    let created = h
        .call(
            "POST",
            "/v1/webhooks",
            KEY_A,
            Some(json!({ "url": format!("http://{address}/hooks/event"), "events": ["order.paid"] })),
        )
        .await;
    let secret = h.expect("createWebhook", &created, 201)["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    kept.secrets.lock().unwrap().push(secret.clone());
    let published = h
        .call(
            "POST",
            "/v1/events",
            KEY_A,
            Some(json!({ "type": "order.paid", "data": { "order": 7 } })),
        )
        .await;
    assert_eq!(published.status, 202, "{:?}", published.body);
    for _ in 0..200 {
        if !kept.got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    {
        let got = kept.got.lock().unwrap();
        assert_eq!(got.len(), 1, "one verified, typed delivery");
        let (delivery, payload) = &got[0];
        assert!(delivery.id.starts_with("msg_"), "{delivery:?}");
        let payload = serde_json::to_value(payload).unwrap();
        assert_eq!(payload["type"], "order.paid");
        assert_eq!(payload["data"], json!({ "order": 7 }));
    }
    h.server.stop().await.unwrap();

    // Deliveries the receiver must refuse, sent as a forger or a replayer would.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let body = json!({ "type": "order.paid", "timestamp": "2026-01-01T00:00:00Z", "data": {} }).to_string();
    let send = |key: &str, timestamp: i64, body: String| {
        let signature = standardwebhooks::Webhook::new(key)
            .unwrap()
            .sign("msg_forged", timestamp, body.as_bytes())
            .unwrap();
        reqwest::Client::new()
            .post(format!("http://{address}/hooks/event"))
            .header("content-type", "application/json")
            .header("webhook-id", "msg_forged")
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
    };
    let other = "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==";
    assert_eq!(send(other, now, body.clone()).await.unwrap().status(), 401);
    assert_eq!(send(&secret, now - 3600, body.clone()).await.unwrap().status(), 400);
    let not_the_payload = json!({ "type": 5 }).to_string();
    assert_eq!(send(&secret, now, not_the_payload).await.unwrap().status(), 400);
    assert_eq!(send(&secret, now, body).await.unwrap().status(), 204);
    assert_eq!(
        kept.got.lock().unwrap().len(),
        2,
        "only the signed, fresh, well-formed one got in"
    );
    serving.abort();
}
