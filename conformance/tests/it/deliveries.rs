//! The delivery checks against broken variants of the reference delivery engine (a defect
//! planted in `reference::deliver::Settings`): each is caught by its named check, and the
//! engine without a defect raises no delivery failure.

use std::path::Path;
use std::sync::Arc;

use conformance::exec::{DeliverySettings, Settings, Target};
use conformance::report::Report;
use reference::deliver::{self, Defect};
use reference::{Api, Options};

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];
/// Fast retries, so that five of them take well under a second, yet far apart from none.
const BACKOFF_MS: u64 = 40;

/// `api`'s create and its delivery cases against an engine with `defect`. kallima's 15 s
/// timeout is judged on kejue's 1 s one instead: its timeout case is skipped here.
async fn run(api: Api, defect: Option<Defect>) -> Report {
    run_with(api, defect, |_, _| {}).await
}

/// [`run`], with `tweak` given the delivery settings and the server's base URL first.
async fn run_with(api: Api, defect: Option<Defect>, tweak: impl Fn(&mut DeliverySettings, &str)) -> Report {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let name = api.name();
    let mut config = conformance::config::Config::load(&root.join(format!("specs/{name}.conformance.toml"))).unwrap();
    if api == Api::Kallima {
        config.skip.push(conformance::config::Skip {
            scope: conformance::config::Scope::Case("*.delivery.timeout".into()),
            reason: Some("a 15 s timeout: judged on kejue".into()),
            line: 0,
        });
    }
    let server = reference::start_with(
        Options {
            api,
            db: None,
            keys: vec![KEY.into(), KEY_ALT.into()],
        },
        deliver::Settings {
            backoff_ms: BACKOFF_MS,
            defect,
            ..deliver::Settings::local()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let mut delivery = config.delivery.clone().map(|d| DeliverySettings {
        backoff_ms: BACKOFF_MS,
        ..d
    });
    if let Some(d) = &mut delivery {
        tweak(d, &server.base_url);
    }
    let settings = Settings {
        delivery,
        ..Settings::default()
    };
    let suite = conformance::Suite {
        name: name.into(),
        api: generator::load(&root.join(format!("specs/{name}.yaml"))).unwrap(),
        target: Target {
            base_url: server.base_url.clone(),
            token: Some(KEY.into()),
            token_alt: Some(KEY_ALT.into()),
            ca_certs: Vec::new(),
        },
        settings,
        snapshots: None,
        operations: vec!["createWebhook".into()],
        options: conformance::RunOptions {
            config: Arc::new(config),
            ..Default::default()
        },
    };
    let report = conformance::run(suite, std::future::pending()).await.unwrap();
    server.stop().await.unwrap();
    report
}

/// The delivery checks that failed, by name.
fn failed_delivery_checks(report: &Report) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = report
        .cases
        .iter()
        .filter(|c| c.name.contains(".delivery."))
        .flat_map(|c| c.failures.iter().map(|f| f.id.name()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_planted_delivery_defect_is_caught_by_its_check_and_none_without() {
    let clean = run(Api::Kallima, None).await;
    assert!(
        clean.cases.iter().any(|c| c.name.contains(".delivery.")),
        "delivery cases ran: {}",
        clean.summary()
    );
    assert!(failed_delivery_checks(&clean).is_empty(), "{}", clean.summary());
    // Judged, every one: a case not judged or in error would hide a defect.
    let delivery_cases: Vec<_> = clean.cases.iter().filter(|c| c.name.contains(".delivery.")).collect();
    assert_eq!(delivery_cases.len(), 6, "{}", clean.summary());
    assert!(
        delivery_cases
            .iter()
            .all(|c| c.status == conformance::report::Status::Passed),
        "{}",
        clean.summary()
    );
    for (defect, check) in [
        (Defect::SignsOtherBytes, "signed"),
        (Defect::RetriesOnceMore, "retries_bounded"),
        (Defect::NewIdEachAttempt, "webhook_id_stable"),
        (Defect::NoBackoff, "backoff_respected"),
        (Defect::IgnoresFilter, "filter_respected"),
        (Defect::DeliversWhenDisabled, "disabled_gets_nothing"),
        (Defect::CrossesTenants, "deliveries_stay_in_tenant"),
        (Defect::TimestampAsNumber, "payload_schema_conformance"),
        (Defect::SecretCachedPerWebhook, "rotation_re_signs"),
    ] {
        let report = run(Api::Kallima, Some(defect)).await;
        let failed = failed_delivery_checks(&report);
        assert!(failed.contains(&check), "{defect:?}: {failed:?}\n{}", report.summary());
    }
}

/// kejue's own settings: a 1 s timeout, and delivery counts on the webhook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kejue_timeout_and_stats_defects_are_caught() {
    let clean = run(Api::Kejue, None).await;
    let timeout = clean.cases.iter().find(|c| c.name.ends_with(".delivery.timeout"));
    assert!(
        timeout.is_some_and(|c| c.status == conformance::report::Status::Passed),
        "{}",
        clean.summary()
    );
    assert!(failed_delivery_checks(&clean).is_empty(), "{}", clean.summary());
    for (defect, check) in [
        (Defect::IgnoresTimeout, "timeout_honoured"),
        (Defect::FailuresNotCounted, "stats_counted"),
    ] {
        let report = run(Api::Kejue, Some(defect)).await;
        let failed = failed_delivery_checks(&report);
        assert!(failed.contains(&check), "{defect:?}: {failed:?}\n{}", report.summary());
    }
}

/// A webhook the run did not make that would take every event stops a run that publishes,
/// even one of the publish operation's own cases only (a lenient server might take one of its
/// must-reject cases), before anything is published; `--allow-foreign-deliveries` lets it go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_webhook_taking_every_event_stops_a_run_that_publishes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = conformance::config::Config::load(&root.join("specs/kallima.conformance.toml")).unwrap();
    let server = reference::start_with(
        Options {
            api: Api::Kallima,
            db: None,
            keys: vec![KEY.into(), KEY_ALT.into()],
        },
        deliver::Settings::local(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let created = reqwest::Client::new()
        .post(format!("{}/v1/webhooks", server.base_url))
        .bearer_auth(KEY)
        .json(&serde_json::json!({ "url": "https://customer.example/hook", "events": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let suite = |allow_foreign: bool| conformance::Suite {
        name: "kallima".into(),
        api: generator::load(&root.join("specs/kallima.yaml")).unwrap(),
        target: Target {
            base_url: server.base_url.clone(),
            token: Some(KEY.into()),
            token_alt: Some(KEY_ALT.into()),
            ca_certs: Vec::new(),
        },
        settings: Settings {
            delivery: config.delivery.clone(),
            receiver: conformance::exec::ReceiverOptions {
                allow_foreign,
                ..Default::default()
            },
            ..Settings::default()
        },
        snapshots: None,
        operations: vec!["publishEvent".into()],
        options: conformance::RunOptions {
            config: Arc::new(config.clone()),
            ..Default::default()
        },
    };
    let refused = conformance::run(suite(false), std::future::pending()).await;
    match refused {
        Err(conformance::RunError::ForeignDeliveries { webhooks }) => {
            assert_eq!(webhooks.len(), 1, "{webhooks:?}");
            assert!(webhooks[0].contains("https://customer.example/hook"), "{webhooks:?}");
        }
        other => panic!("expected the run to refuse to publish, got {other:?}"),
    }
    let allowed = conformance::run(suite(true), std::future::pending()).await.unwrap();
    assert!(
        allowed.cases.iter().any(|c| c.operation == "publishEvent"),
        "{}",
        allowed.summary()
    );
    server.stop().await.unwrap();
}

/// A raw HTTP/1.1 POST of an event to kallima's publish operation at `base` (bash's
/// `/dev/tcp`: no client program needed), as a team's own publishing tool would send it.
fn publish_script(base: &str) -> String {
    let port = base.rsplit(':').next().unwrap().trim_end_matches('/');
    format!(
        r#"BODY="{{\"type\": \"$CONFORMANCE_EVENT_TYPE\", \"data\": {{\"case\": \"$CONFORMANCE_CASE\"}}}}"
exec 3<>/dev/tcp/127.0.0.1/{port}
printf 'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' "$CONFORMANCE_PUBLISH_TOKEN" "${{#BODY}}" "$BODY" >&3
read -r status <&3
case "$status" in *" 202 "*) exit 0;; *) echo "publish answered: $status" >&2; exit 1;; esac"#
    )
}

/// `publish_command`: events made by a command (an API whose events come from elsewhere)
/// are delivered and judged as those of the publish operation; a command that fails errs
/// the case, naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_published_by_a_command_are_judged_as_the_operations() {
    let report = run_with(Api::Kallima, None, |d, base| {
        d.publish = conformance::exec::Publish::Command(vec!["bash".into(), "-c".into(), publish_script(base)]);
    })
    .await;
    let delivery: Vec<_> = report.cases.iter().filter(|c| c.name.contains(".delivery.")).collect();
    assert_eq!(delivery.len(), 6, "{}", report.summary());
    assert!(
        delivery.iter().all(|c| c.status == conformance::report::Status::Passed),
        "{}",
        report.summary()
    );
    let failing = run_with(Api::Kallima, None, |d, _| {
        d.publish =
            conformance::exec::Publish::Command(vec!["bash".into(), "-c".into(), "echo no broker >&2; exit 3".into()]);
    })
    .await;
    let delivered = failing
        .cases
        .iter()
        .find(|c| c.name == "createWebhook.delivery.delivered")
        .unwrap();
    assert_eq!(
        delivered.status,
        conformance::report::Status::Error,
        "{}",
        failing.summary()
    );
    let error = delivered.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("publish_command `bash`") && error.contains("no broker"),
        "{error}"
    );
}
