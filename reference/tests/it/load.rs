//! Many concurrent clients against each reference server: every request answered without
//! error, and no write lost (rows counted after).

use std::sync::Arc;

use reference::{Api, Options};
use serde_json::json;

const CLIENTS: usize = 16;
const WRITES_EACH: usize = 25;

fn create(api: Api, i: usize) -> (String, serde_json::Value) {
    let url = format!("https://example.com/load/{i}");
    match api {
        Api::Kejue => ("/webhooks".into(), json!({"url": url, "events": ["*"]})),
        Api::Kallima => ("/v1/webhooks".into(), json!({"url": url})),
        Api::Konpro => ("/v1/webhook/endpoint.add".into(), json!({"url": url})),
        Api::Sendkit => (
            "/v1/webhooks".into(),
            json!({"name": format!("load {i}"), "url": url, "events": []}),
        ),
    }
}

fn auth(api: Api, key: &str) -> (&'static str, String) {
    match api {
        Api::Kallima => ("authorization", format!("Bearer {key}")),
        _ => ("x-api-key", key.to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_lose_no_write() {
    for api in Api::ALL {
        let key = "load-key".to_owned();
        let server = reference::start(
            Options {
                api,
                db: None,
                keys: vec![key.clone()],
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let client = reqwest::Client::new();
        let base = Arc::new(server.base_url.clone());
        let mut tasks = tokio::task::JoinSet::new();
        for c in 0..CLIENTS {
            let (client, base, key) = (client.clone(), base.clone(), key.clone());
            tasks.spawn(async move {
                let mut statuses = Vec::new();
                for w in 0..WRITES_EACH {
                    let (path, body) = create(api, c * WRITES_EACH + w);
                    let (name, value) = auth(api, &key);
                    let response = client
                        .post(format!("{base}{path}"))
                        .header(name, value)
                        .json(&body)
                        .send()
                        .await
                        .expect("an answer");
                    statuses.push(response.status().as_u16());
                }
                statuses
            });
        }
        let mut answered = 0;
        while let Some(statuses) = tasks.join_next().await {
            for status in statuses.unwrap() {
                assert!((200..300).contains(&status), "{api}: {status}");
                answered += 1;
            }
        }
        assert_eq!(answered, CLIENTS * WRITES_EACH);
        assert_eq!(
            server.store.count(api.name()).unwrap(),
            CLIENTS * WRITES_EACH,
            "{api}: rows after"
        );
        server.stop().await.unwrap();
    }
}
