//! Starting and stopping in-process, and a database file that outlives the server.

use crate::support;

use reference::{Api, Options};
use serde_json::json;

#[tokio::test]
async fn stop_closes_the_port_and_a_db_file_keeps_webhooks() {
    let db = std::env::temp_dir().join(format!("reference-lifecycle-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let options = Options {
        api: Api::Sendkit,
        db: Some(db.clone()),
        keys: vec![support::KEY_A.into()],
    };
    let client = reqwest::Client::new();

    let first = reference::start(options.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let body = json!({"name": "kept", "url": "https://e.x/h", "events": []});
    let created = client
        .post(format!("{}/v1/webhooks", first.base_url))
        .header("x-api-key", support::KEY_A)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let address = first.address;
    first.stop().await.unwrap();
    assert!(
        client
            .get(format!("http://{address}/v1/webhooks"))
            .send()
            .await
            .is_err(),
        "nothing listens after stop"
    );

    let second = reference::start(options, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let listed: serde_json::Value = client
        .get(format!("{}/v1/webhooks", second.base_url))
        .header("x-api-key", support::KEY_A)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["name"], "kept");
    second.stop().await.unwrap();
    let _ = std::fs::remove_file(&db);
}
