//! Deliveries, checked by a receiver in the test that verifies each one with its own code
//! (the Standard Webhooks crate's verifier, RustCrypto's HMAC-SHA1, the credentials' text),
//! not with the server's signing.

use crate::support;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reference::{Api, Options, deliver};
use serde_json::{Value, json};
use support::receiver::{Arrival, Receiver};
use support::{Harness, KEY_A, KEY_B};

const WAIT: Duration = Duration::from_secs(20);

/// Standard Webhooks verification with the reference library's verifier.
fn standard_verifies(secret: &str, arrival: &Arrival) -> bool {
    let webhook = match secret.strip_prefix("whsec_") {
        Some(_) => standardwebhooks::Webhook::new(secret).unwrap(),
        None => standardwebhooks::Webhook::from_bytes(secret.as_bytes().to_vec()).unwrap(),
    };
    webhook.verify(&arrival.body, &arrival.headers).is_ok()
}

fn sha1_verifies(secret: &str, arrival: &Arrival) -> bool {
    let Some(signature) = arrival
        .header("webhook-signature")
        .and_then(|s| s.strip_prefix("v1-sha1,"))
    else {
        return false;
    };
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(arrival.header("webhook-id").unwrap().as_bytes());
    mac.update(b".");
    mac.update(arrival.header("webhook-timestamp").unwrap().as_bytes());
    mac.update(b".");
    mac.update(&arrival.body);
    mac.verify_slice(&STANDARD.decode(signature).unwrap()).is_ok()
}

fn headers_ok(arrival: &Arrival) {
    assert_eq!(arrival.header("content-type"), Some("application/json"));
    assert!(arrival.header("webhook-id").unwrap().starts_with("msg_"));
    let ts: i64 = arrival.header("webhook-timestamp").unwrap().parse().unwrap();
    let now = deliver::now_ms() / 1000;
    assert!((now - ts).abs() < 60, "{ts} vs {now}");
    let body = arrival.json();
    assert!(
        body["type"].is_string() && body["timestamp"].is_string() && body["data"].is_object(),
        "{body}"
    );
}

async fn publish(h: &Harness, key: &str, event: Value) -> Value {
    let (path, op, status) = match h.server.api {
        Api::Kejue => ("/events", "publishEvent", 202),
        Api::Kallima => ("/v1/events", "publishEvent", 202),
        Api::Konpro => ("/v1/webhook/event.send", "sendEvent", 200),
        Api::Sendkit => ("/v1/events", "publishEvent", 202),
    };
    let answer = h.call("POST", path, key, Some(event)).await;
    let body = h.expect(op, &answer, status);
    if h.server.api == Api::Sendkit {
        body["data"].clone()
    } else {
        body
    }
}

/// Creates a webhook; answers its id and its secret where the answer shows one.
async fn create(h: &Harness, key: &str, body: Value) -> (String, Option<String>) {
    let (path, op, status) = match h.server.api {
        Api::Kejue => ("/webhooks", "createWebhook", 201),
        Api::Kallima => ("/v1/webhooks", "createWebhook", 201),
        Api::Konpro => ("/v1/webhook/endpoint.add", "createEndpoint", 200),
        Api::Sendkit => ("/v1/webhooks", "createWebhook", 201),
    };
    let answer = h.call("POST", path, key, Some(body)).await;
    let body = h.expect(op, &answer, status);
    let doc = if h.server.api == Api::Sendkit {
        &body["data"]
    } else {
        &body
    };
    let id = ["id", "endpoint_id", "_id"]
        .iter()
        .find_map(|k| doc[*k].as_str())
        .unwrap()
        .to_owned();
    (id, doc["secret"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn all_four_servers_deliver_events_a_standard_webhooks_verifier_accepts() {
    let receiver = Receiver::start_with_tls(true).await;
    for api in Api::ALL {
        let h = Harness::start(api).await;
        let base = if api == Api::Konpro {
            receiver.https_url.clone().unwrap()
        } else {
            receiver.url.clone()
        };
        let url = format!("{base}/ok/{api}");
        let chosen = "whsec_c2VjcmV0LWJ5dGVzLWNob3Nlbi1ieS10aGUtdXNlcg==";
        let body = match api {
            Api::Kejue => json!({"url": url, "events": ["call.ended"], "secret": chosen}),
            Api::Kallima => json!({"url": url, "events": ["call.ended"]}),
            Api::Konpro => json!({"url": url, "events": ["call.ended"]}),
            Api::Sendkit => json!({"name": "hook", "url": url, "events": ["call.ended"], "secret": chosen}),
        };
        let (_, shown) = create(&h, KEY_A, body).await;
        let secret = shown.unwrap_or_else(|| chosen.to_owned());
        let accepted = publish(&h, KEY_A, json!({"type": "call.ended", "data": {"call": 7}})).await;
        assert_eq!(accepted["deliveries"], 1, "{api}");
        assert!(accepted["id"].as_str().unwrap().starts_with("msg_"));
        let path = format!("/ok/{api}");
        let arrivals = receiver
            .wait_until(WAIT, &format!("{api}'s delivery"), |a| a.iter().any(|a| a.path == path))
            .await;
        let arrival = arrivals.iter().find(|a| a.path == path).unwrap();
        headers_ok(arrival);
        assert_eq!(arrival.json()["type"], "call.ended");
        assert_eq!(arrival.json()["data"], json!({"call": 7}));
        assert!(standard_verifies(&secret, arrival), "{api}: the signature verifies");
        assert!(
            !standard_verifies("whsec_d3Jvbmcgc2VjcmV0", arrival),
            "{api}: a wrong secret does not verify"
        );
        h.server.stop().await.unwrap();
    }
    receiver.stop().await;
}

#[tokio::test]
async fn a_secret_chosen_without_whsec_signs_with_its_own_bytes() {
    let receiver = Receiver::start().await;
    let h = Harness::start(Api::Sendkit).await;
    let url = format!("{}/ok/plain", receiver.url);
    create(
        &h,
        KEY_A,
        json!({"name": "n", "url": url, "events": ["a"], "secret": "my plain secret"}),
    )
    .await;
    publish(&h, KEY_A, json!({"type": "a", "data": {}})).await;
    let arrivals = receiver.wait_until(WAIT, "one delivery", |a| !a.is_empty()).await;
    assert!(standard_verifies("my plain secret", &arrivals[0]));
    assert!(!standard_verifies("my other secret", &arrivals[0]));
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test]
async fn kejue_signs_or_authenticates_as_each_signing_method_says() {
    let receiver = Receiver::start().await;
    let h = Harness::start(Api::Kejue).await;
    let secret = "s3cret-value";
    for method in ["hmac_sha256", "hmac_sha1", "bearer", "basic_auth", "none"] {
        let url = format!("{}/ok/{method}", receiver.url);
        create(
            &h,
            KEY_A,
            json!({"url": url, "events": ["*"], "signing_method": method, "secret": secret}),
        )
        .await;
    }
    let accepted = publish(&h, KEY_A, json!({"type": "contact.updated", "data": {"x": 1}})).await;
    assert_eq!(accepted["deliveries"], 5);
    let arrivals = receiver.wait_until(WAIT, "five deliveries", |a| a.len() == 5).await;
    let at = |m: &str| arrivals.iter().find(|a| a.path == format!("/ok/{m}")).unwrap().clone();
    for m in ["hmac_sha256", "hmac_sha1", "bearer", "basic_auth", "none"] {
        headers_ok(&at(m));
    }
    assert!(standard_verifies(secret, &at("hmac_sha256")));
    assert!(!standard_verifies("wrong", &at("hmac_sha256")));
    assert!(sha1_verifies(secret, &at("hmac_sha1")));
    assert!(!sha1_verifies("wrong", &at("hmac_sha1")));
    assert_eq!(at("bearer").header("authorization"), Some("Bearer s3cret-value"));
    let basic = at("basic_auth")
        .header("authorization")
        .unwrap()
        .strip_prefix("Basic ")
        .unwrap()
        .to_owned();
    assert_eq!(STANDARD.decode(basic).unwrap(), b"webhook:s3cret-value");
    let none = at("none");
    assert!(none.header("authorization").is_none() && none.header("webhook-signature").is_none());
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

/// The paths that got each published event, by the event's `data.n`.
fn receivers_by_event(arrivals: &[Arrival]) -> HashMap<i64, BTreeSet<String>> {
    let mut by: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for a in arrivals {
        by.entry(a.json()["data"]["n"].as_i64().unwrap())
            .or_default()
            .insert(a.path.clone());
    }
    by
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| format!("/ok/{p}")).collect()
}

#[tokio::test]
async fn kejue_filters_personas_and_tenants_pick_exact_receivers() {
    let receiver = Receiver::start().await;
    let h = Harness::start(Api::Kejue).await;
    let hooks = [
        ("star", json!({"events": ["*"]})),
        ("empty", json!({"events": []})),
        ("exact", json!({"events": ["call.ended"]})),
        ("other", json!({"events": ["call.started"]})),
        (
            "persona",
            json!({"events": ["*"], "scope_type": "persona", "persona_id": "p1"}),
        ),
    ];
    for (name, extra) in &hooks {
        let mut body = json!({"url": format!("{}/ok/{name}", receiver.url), "secret": "s"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        create(&h, KEY_A, body).await;
    }
    create(
        &h,
        KEY_B,
        json!({"url": format!("{}/ok/tenant-b", receiver.url), "events": ["*"]}),
    )
    .await;
    let events = [
        (
            1,
            json!({"type": "call.ended", "data": {"n": 1}}),
            set(&["star", "empty", "exact"]),
        ),
        (
            2,
            json!({"type": "call.started", "data": {"n": 2}}),
            set(&["star", "empty", "other"]),
        ),
        (
            3,
            json!({"type": "x.y", "data": {"n": 3}, "persona_id": "p1"}),
            set(&["star", "empty", "persona"]),
        ),
        (
            4,
            json!({"type": "x.y", "data": {"n": 4}, "persona_id": "p2"}),
            set(&["star", "empty"]),
        ),
    ];
    let mut total = 0;
    for (_, event, expected) in &events {
        let accepted = publish(&h, KEY_A, event.clone()).await;
        assert_eq!(accepted["deliveries"], expected.len());
        total += expected.len();
    }
    let arrivals = receiver.wait_until(WAIT, "every delivery", |a| a.len() >= total).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let arrivals = if receiver.arrivals().len() > arrivals.len() {
        receiver.arrivals()
    } else {
        arrivals
    };
    let by = receivers_by_event(&arrivals);
    for (n, _, expected) in &events {
        assert_eq!(by.get(n), Some(expected), "event {n}");
    }
    assert_eq!(
        arrivals.len(),
        total,
        "nothing else arrived (tenant B's webhook got nothing)"
    );
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test]
async fn disabled_webhooks_get_nothing_on_every_vendor() {
    let receiver = Receiver::start_with_tls(true).await;
    for api in [Api::Kallima, Api::Konpro, Api::Sendkit] {
        let h = Harness::start(api).await;
        let base = if api == Api::Konpro {
            receiver.https_url.clone().unwrap()
        } else {
            receiver.url.clone()
        };
        let on = format!("{base}/ok/{api}-on");
        let off = format!("{base}/ok/{api}-off");
        let (_, _) = match api {
            Api::Sendkit => create(&h, KEY_A, json!({"name": "on", "url": on, "events": []})).await,
            _ => create(&h, KEY_A, json!({"url": on, "events": []})).await,
        };
        match api {
            Api::Kallima => {
                create(&h, KEY_A, json!({"url": off, "events": null, "enabled": false})).await;
            }
            Api::Konpro => {
                let (id, _) = create(&h, KEY_A, json!({"url": off, "events": []})).await;
                let answer = h
                    .call(
                        "PATCH",
                        "/v1/webhook/endpoint.status",
                        KEY_A,
                        Some(json!({"endpoint_id": id, "status": "disabled"})),
                    )
                    .await;
                assert_eq!(h.expect("setEndpointStatus", &answer, 200)["status"], "disabled");
            }
            _ => {
                let (id, _) = create(&h, KEY_A, json!({"name": "off", "url": off, "events": []})).await;
                let answer = h
                    .call(
                        "PATCH",
                        &format!("/v1/webhooks/{id}"),
                        KEY_A,
                        Some(json!({"status": "inactive"})),
                    )
                    .await;
                assert_eq!(answer.status, 200);
            }
        }
        let accepted = publish(&h, KEY_A, json!({"type": "anything", "data": {}})).await;
        assert_eq!(accepted["deliveries"], 1, "{api}: only the enabled webhook");
        let on_path = format!("/ok/{api}-on");
        receiver
            .wait_until(WAIT, "the enabled webhook's delivery", |a| {
                a.iter().any(|a| a.path == on_path)
            })
            .await;
        assert!(receiver.arrivals_at(&format!("/ok/{api}-off")).is_empty(), "{api}");
        h.server.stop().await.unwrap();
    }
    receiver.stop().await;
}

async fn kejue_webhook(h: &Harness, id: &str) -> Value {
    let answer = h.call("GET", &format!("/webhooks/{id}"), KEY_A, None).await;
    h.expect("getWebhook", &answer, 200)
}

async fn start_kejue(backoff_ms: u64) -> Harness {
    Harness::start_with(
        Options {
            api: Api::Kejue,
            db: None,
            keys: vec![KEY_A.into(), KEY_B.into()],
        },
        deliver::Settings {
            backoff_ms,
            ..deliver::Settings::local()
        },
    )
    .await
}

#[tokio::test]
async fn failures_are_retried_after_the_backoff_and_counted() {
    let backoff = 100;
    let receiver = Receiver::start().await;
    let h = start_kejue(backoff).await;
    let retries = 2u64;
    // k failures in a row: min(k, retries) + 1 attempts.
    for k in [0u64, 1, 2, 5] {
        let path = format!("/fail/{k}/hook");
        let (id, _) = create(
            &h,
            KEY_A,
            json!({"url": format!("{}{path}", receiver.url), "events": [format!("e{k}")], "max_retries": retries, "secret": "s"}),
        )
        .await;
        assert_eq!(kejue_webhook(&h, &id).await["delivery_settings"]["backoff_ms"], backoff);
        publish(&h, KEY_A, json!({"type": format!("e{k}"), "data": {}})).await;
        let expected = k.min(retries) + 1;
        let succeeded = k <= retries;
        for _ in 0..200 {
            let shown = kejue_webhook(&h, &id).await;
            if shown["stats"]["total_deliveries"] == expected
                && (succeeded || shown["stats"]["failed_deliveries"] == expected)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(backoff * 5)).await;
        let arrivals = receiver.arrivals_at(&path);
        assert_eq!(arrivals.len() as u64, expected, "k = {k}: attempts");
        let ids: BTreeSet<_> = arrivals
            .iter()
            .map(|a| a.header("webhook-id").unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 1, "every attempt carries the same webhook-id");
        for (n, pair) in arrivals.windows(2).enumerate() {
            let gap = pair[1].at - pair[0].at;
            let least = Duration::from_millis(backoff << n);
            assert!(
                gap >= least,
                "k = {k}: retry {} came {gap:?} after, before {least:?}",
                n + 1
            );
        }
        let shown = kejue_webhook(&h, &id).await;
        let failed = k.min(retries + 1);
        assert_eq!(shown["stats"]["total_deliveries"], expected, "k = {k}: {shown}");
        assert_eq!(shown["stats"]["failed_deliveries"], failed, "k = {k}: {shown}");
        let rate = (expected - failed) as f64 / expected as f64;
        assert!(
            (shown["stats"]["success_rate"].as_f64().unwrap() - rate).abs() < 1e-9,
            "{shown}"
        );
        assert!(shown["last_delivery_at"].is_string());
        let last_error = if succeeded { Value::Null } else { json!("HTTP 503") };
        assert_eq!(shown["last_error"], last_error, "k = {k}");
    }
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_is_a_failed_attempt() {
    let receiver = Receiver::start().await;
    let h = start_kejue(50).await;
    let url = format!("{}/sleep/2500/slow", receiver.url);
    let (id, _) = create(
        &h,
        KEY_A,
        json!({"url": url, "events": ["*"], "timeout_ms": 1000, "max_retries": 0, "secret": "s"}),
    )
    .await;
    publish(&h, KEY_A, json!({"type": "a", "data": {}})).await;
    let mut shown = Value::Null;
    for _ in 0..200 {
        shown = kejue_webhook(&h, &id).await;
        if shown["stats"]["total_deliveries"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(shown["stats"]["failed_deliveries"], 1, "{shown}");
    assert_eq!(shown["stats"]["success_rate"], 0.0);
    assert_eq!(shown["last_error"], "timeout after 1000 ms");
    assert_eq!(receiver.arrivals_at("/sleep/2500/slow").len(), 1);
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test]
async fn after_a_rotation_only_the_new_secret_verifies() {
    let receiver = Receiver::start().await;
    let h = Harness::start(Api::Kallima).await;
    let url = format!("{}/ok/rotated", receiver.url);
    let (id, old) = create(&h, KEY_A, json!({"url": url, "events": null})).await;
    let old = old.unwrap();
    publish(&h, KEY_A, json!({"type": "a", "data": {"n": 1}})).await;
    receiver.wait_until(WAIT, "the first delivery", |a| a.len() == 1).await;
    let answer = h
        .call(
            "PATCH",
            &format!("/v1/webhooks/{id}?rotate_secret=true"),
            KEY_A,
            Some(json!({})),
        )
        .await;
    let new = h.expect("updateWebhook", &answer, 200)["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    publish(&h, KEY_A, json!({"type": "a", "data": {"n": 2}})).await;
    let arrivals = receiver.wait_until(WAIT, "the second delivery", |a| a.len() == 2).await;
    let (first, second) = (&arrivals[0], &arrivals[1]);
    assert!(standard_verifies(&old, first));
    assert!(standard_verifies(&new, second), "the new secret signs");
    assert!(!standard_verifies(&old, second), "the old one no longer does");
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test]
async fn loopback_and_private_destinations_are_refused_unless_allowed() {
    let receiver = Receiver::start().await;
    let port = receiver.url.rsplit(':').next().unwrap().to_owned();
    let h = Harness::start_with(
        Options {
            api: Api::Kejue,
            db: None,
            keys: vec![KEY_A.into()],
        },
        deliver::Settings {
            backoff_ms: 10,
            ..deliver::Settings::default()
        },
    )
    .await;
    let cases = [
        (
            format!("http://127.0.0.1:{port}/ok/ip"),
            "127.0.0.1, a loopback address",
        ),
        (format!("http://localhost:{port}/ok/name"), "a loopback address"),
        (
            format!("http://10.0.0.1:{port}/ok/private"),
            "10.0.0.1, a private address",
        ),
        (
            format!("http://169.254.169.254:{port}/ok/metadata"),
            "a link-local address",
        ),
        (format!("http://[::1]:{port}/ok/v6"), "::1, a loopback address"),
    ];
    let mut ids = Vec::new();
    for (url, _) in &cases {
        ids.push(
            create(
                &h,
                KEY_A,
                json!({"url": url, "events": ["*"], "max_retries": 1, "secret": "s"}),
            )
            .await
            .0,
        );
    }
    publish(&h, KEY_A, json!({"type": "a", "data": {}})).await;
    for (id, (url, why)) in ids.iter().zip(&cases) {
        let mut shown = Value::Null;
        for _ in 0..200 {
            shown = kejue_webhook(&h, id).await;
            if shown["stats"]["total_deliveries"] == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(
            shown["stats"]["failed_deliveries"], 2,
            "{url}: refused, and retried like any failure: {shown}"
        );
        let error = shown["last_error"].as_str().unwrap();
        assert!(
            error.starts_with("destination refused: ") && error.contains(why),
            "{url}: {error}"
        );
    }
    assert!(receiver.arrivals().is_empty(), "nothing reached the receiver");
    h.server.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test]
async fn one_receiver_that_never_answers_holds_up_no_other() {
    let receiver = Receiver::start().await;
    let h = start_kejue(10_000).await;
    create(&h, KEY_A, json!({"url": format!("{}/never/dead", receiver.url), "events": ["*"], "timeout_ms": 1000, "max_retries": 0, "secret": "s"})).await;
    for i in 0..19 {
        create(
            &h,
            KEY_A,
            json!({"url": format!("{}/ok/{i}", receiver.url), "events": ["*"], "secret": "s"}),
        )
        .await;
    }
    let events = 1000;
    for n in 0..events {
        let accepted = publish(&h, KEY_A, json!({"type": "load", "data": {"n": n}})).await;
        assert_eq!(accepted["deliveries"], 20);
    }
    let expected = events as usize * 19;
    let arrivals = receiver
        .wait_until(Duration::from_secs(120), "every live webhook's deliveries", |a| {
            a.iter().filter(|a| a.path.starts_with("/ok/")).count() >= expected
        })
        .await;
    let by = receivers_by_event(
        &arrivals
            .into_iter()
            .filter(|a| a.path.starts_with("/ok/"))
            .collect::<Vec<_>>(),
    );
    assert_eq!(by.len(), events as usize);
    assert!(by.values().all(|paths| paths.len() == 19));
    h.server.stop().await.unwrap();
    receiver.stop().await;
}
