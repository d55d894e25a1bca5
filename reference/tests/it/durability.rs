//! The real `reference` binary killed (SIGKILL) in the middle of its deliveries and started
//! again on the same database delivers every event; SIGTERM leaves the outbox consistent.

use crate::support;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::receiver::Receiver;

const KEY: &str = "durability-key";
const SECRET: &str = "whsec_ZHVyYWJsZS1zZWNyZXQ=";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server process: killed and waited for when dropped, so a failing test stops it too.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on `db` and waits until it answers.
async fn spawn(db: &Path, client: &reqwest::Client) -> (Server, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_reference"))
        .args(["--api", "kejue", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .args(["--delivery-backoff-ms", "50", "--allow-private-destinations"])
        .env("REFERENCE_API_KEYS", KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the reference binary starts");
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let start = Instant::now();
    loop {
        let answer = client
            .get(format!("{base}/webhooks"))
            .header("X-API-Key", KEY)
            .send()
            .await;
        if answer.map(|a| a.status().as_u16() == 200).unwrap_or(false) {
            return (server, base);
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the server did not answer");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn distinct_events(receiver: &Receiver) -> BTreeSet<i64> {
    receiver
        .arrivals()
        .iter()
        .map(|a| a.json()["data"]["n"].as_i64().unwrap())
        .collect()
}

// Multi-threaded: the receiver keeps answering while this thread waits for the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_delivers_every_event_after_a_restart() {
    let db = std::env::temp_dir().join(format!("reference-durability-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let receiver = Receiver::start().await;
    let client = reqwest::Client::new();
    let (mut first, base) = spawn(&db, &client).await;

    let hook = json!({"url": format!("{}/sleep/100/slow", receiver.url), "events": ["*"], "secret": SECRET});
    let created = client
        .post(format!("{base}/webhooks"))
        .header("X-API-Key", KEY)
        .json(&hook)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let events = 200;
    for n in 0..events {
        let answer = client
            .post(format!("{base}/events"))
            .header("X-API-Key", KEY)
            .json(&json!({"type": "order.paid", "data": {"n": n}}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 202);
    }
    receiver
        .wait_until(Duration::from_secs(30), "some deliveries", |a| a.len() >= 40)
        .await;
    first.0.kill().unwrap(); // SIGKILL
    first.0.wait().unwrap();
    let before = distinct_events(&receiver).len();
    assert!(
        before < events as usize,
        "killed mid-way: {before} of {events} events had arrived"
    );

    let (mut second, _) = spawn(&db, &client).await;
    receiver
        .wait_until(Duration::from_secs(60), "every event", |a| {
            a.iter()
                .map(|a| a.json()["data"]["n"].as_i64().unwrap())
                .collect::<BTreeSet<_>>()
                .len()
                == events as usize
        })
        .await;
    let mut ids: HashMap<i64, BTreeSet<String>> = HashMap::new();
    let verifier = standardwebhooks::Webhook::new(SECRET).unwrap();
    for a in receiver.arrivals() {
        assert!(verifier.verify(&a.body, &a.headers).is_ok());
        ids.entry(a.json()["data"]["n"].as_i64().unwrap())
            .or_default()
            .insert(a.header("webhook-id").unwrap().to_owned());
    }
    assert!(
        ids.values().all(|set| set.len() == 1),
        "a re-sent attempt carries the same webhook-id"
    );
    eprintln!(
        "{before} events before the kill; {} arrivals for {events} events after the restart",
        receiver.arrivals().len()
    );

    // SIGTERM: stops, and leaves no attempt marked in flight.
    let status = Command::new("kill")
        .args(["-TERM", &second.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = second.0.wait().unwrap();
    assert!(exit.success(), "SIGTERM is a clean stop: {exit:?}");
    let store = reference::Store::open(Some(&db)).unwrap();
    let counts = reference::deliver::outbox::counts(&store).unwrap();
    assert!(counts.iter().all(|(state, _)| state != "sending"), "{counts:?}");
    assert_eq!(counts, vec![("delivered".to_owned(), events)], "{counts:?}");
    drop(store);
    receiver.stop().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
