//! The fuzz phase against servers of our own with one realistic defect each, none at a
//! declared bound: a 500 on text outside ASCII, on a long title, on a tag given twice (a
//! unique constraint the spec does not have), none of which the coverage phase sees. Each is
//! caught by a fuzz case, shrunk to a small request, and reported with its seed; the
//! correct server passes under every seed tried.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use conformance::plan::fuzz::{FuzzSettings, Phases};
use conformance::report::{Report, Status};
use conformance::{InProcess, RunOptions};
use serde_json::{Value, json};

const SPEC: &str = r#"
openapi: 3.1.0
info: {title: notes, version: '1'}
paths:
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NoteInput'}
      responses:
        '201':
          description: made
          content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
        '400': {description: refused}
  /notes/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    patch:
      operationId: updateNote
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NoteInput'}
      responses:
        '200':
          description: changed
          content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
        '400': {description: refused}
        '404': {description: none}
    get:
      operationId: getNote
      responses:
        '200':
          description: the note
          content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
        '404': {description: none}
    delete:
      operationId: deleteNote
      responses:
        '204': {description: gone}
        '404': {description: none}
components:
  schemas:
    NoteInput:
      type: object
      additionalProperties: false
      properties:
        title: {type: string, minLength: 1}
        tags: {type: array, items: {type: string, minLength: 1, maxLength: 20}}
        priority: {type: integer, minimum: 0, maximum: 10}
    Note:
      type: object
      required: [id, title]
      properties:
        id: {type: string}
        title: {type: string}
        tags: {type: array, items: {type: string}}
        priority: {type: integer}
"#;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Defect {
    None,
    NonAscii,
    LongTitle,
    UniqueTags,
    /// Refuses every create whose title carries no `!`, a rule the spec does not state.
    UnstatedRule,
    /// A second delete of one note crashes.
    CrashOnSecondDelete,
    /// Refuses bad input with 422, which the spec does not list.
    Refuses422,
    /// Crashes on a body over 100 KiB.
    ChokesOnLargeBodies,
    /// Updates a deleted note as if it were there.
    UpdatesTheDeleted,
    /// Finds a note by the raw path, so an id with a letter percent-encoded names nothing.
    RawIds,
}

#[derive(Clone)]
struct Notes {
    defect: Defect,
    store: Arc<Mutex<HashMap<String, Value>>>,
}

/// A JSON answer (axum's `json` feature is not on in this workspace).
fn answer(status: StatusCode, body: &Value) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn refuse(defect: Defect, why: &str) -> Response {
    let status = if defect == Defect::Refuses422 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    };
    answer(status, &json!({"error": why}))
}

/// The input as the spec allows it, or why not.
fn read(body: &Value) -> Result<Value, &'static str> {
    let map = body.as_object().ok_or("not an object")?;
    if map.keys().any(|k| !["title", "tags", "priority"].contains(&k.as_str())) {
        return Err("unknown field");
    }
    let title = match map.get("title") {
        None => "untitled",
        Some(t) => t.as_str().filter(|t| !t.is_empty()).ok_or("title")?,
    };
    let mut note = json!({"title": title});
    if let Some(tags) = map.get("tags") {
        let tags = tags.as_array().ok_or("tags")?;
        for t in tags {
            let t = t.as_str().ok_or("tag")?;
            if t.is_empty() || t.chars().count() > 20 {
                return Err("tag");
            }
        }
        note["tags"] = Value::Array(tags.clone());
    }
    if let Some(p) = map.get("priority") {
        let n = p.as_i64().ok_or("priority")?;
        if !(0..=10).contains(&n) {
            return Err("priority");
        }
        note["priority"] = json!(n);
    }
    Ok(note)
}

async fn create(State(notes): State<Notes>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> Response {
    let json = is_json(&headers);
    if !json {
        return refuse(notes.defect, "not JSON");
    }
    if notes.defect == Defect::ChokesOnLargeBodies && body.len() > 100 << 10 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return refuse(notes.defect, "not JSON");
    };
    let mut note = match read(&body) {
        Ok(n) => n,
        Err(why) => return refuse(notes.defect, why),
    };
    if notes.defect == Defect::UnstatedRule && !note["title"].as_str().is_some_and(|t| t.contains('!')) {
        return refuse(notes.defect, "a title must shout");
    }
    let title = note["title"].as_str().unwrap_or_default().to_owned();
    let crash = match notes.defect {
        Defect::NonAscii => !title.is_ascii(),
        Defect::LongTitle => title.chars().count() > 255,
        Defect::UniqueTags => note["tags"].as_array().is_some_and(|t| {
            let mut seen = std::collections::HashSet::new();
            !t.iter().all(|x| seen.insert(x.to_string()))
        }),
        _ => false,
    };
    if crash {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    }
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let id = format!("n{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let mut store = notes.store.lock().unwrap();
    note["id"] = json!(id);
    store.insert(id, note.clone());
    answer(StatusCode::CREATED, &note)
}

async fn read_one(State(notes): State<Notes>, Path(id): Path<String>, uri: axum::http::Uri) -> Response {
    if notes.defect == Defect::RawIds && uri.path().contains('%') {
        return StatusCode::NOT_FOUND.into_response();
    }
    match notes.store.lock().unwrap().get(&id) {
        Some(n) => answer(StatusCode::OK, n),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn update(
    State(notes): State<Notes>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let json = is_json(&headers);
    if notes.defect == Defect::ChokesOnLargeBodies && body.len() > 100 << 10 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    }
    let Some(body) = serde_json::from_slice::<Value>(&body).ok().filter(|_| json) else {
        return refuse(notes.defect, "not JSON");
    };
    // A field left out keeps its value: the title read as given, or as it was.
    let given = body.get("title").is_some();
    let changes = match read(&body) {
        Ok(n) => n,
        Err(why) => return refuse(notes.defect, why),
    };
    let mut store = notes.store.lock().unwrap();
    if notes.defect == Defect::UpdatesTheDeleted && store.contains_key(&format!("deleted:{id}")) {
        return answer(StatusCode::OK, &json!({"id": id, "title": "ghost"}));
    }
    let Some(note) = store.get_mut(&id).filter(|n| !n.is_null()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    for (key, value) in changes.as_object().into_iter().flatten() {
        if key != "title" || given {
            note[key.as_str()] = value.clone();
        }
    }
    answer(StatusCode::OK, note)
}

async fn delete(State(notes): State<Notes>, Path(id): Path<String>) -> Response {
    let mut store = notes.store.lock().unwrap();
    match store.remove(&id) {
        Some(_) => {
            store.insert(format!("deleted:{id}"), Value::Null);
            StatusCode::NO_CONTENT.into_response()
        }
        None if notes.defect == Defect::CrashOnSecondDelete && store.contains_key(&format!("deleted:{id}")) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn router(defect: Defect) -> (axum::Router, Arc<Mutex<HashMap<String, Value>>>) {
    let store = Arc::new(Mutex::new(HashMap::new()));
    let router = axum::Router::new()
        .route("/notes", post(create))
        .route("/notes/{id}", get(read_one).patch(update).delete(delete))
        .with_state(Notes {
            defect,
            store: store.clone(),
        });
    (router, store)
}

async fn fuzzed(defect: Defect, seed: u64) -> (Report, usize) {
    let phases = Phases {
        fuzz: Some(FuzzSettings { seed, max_examples: 25 }),
        ..Phases::default()
    };
    run(defect, phases).await
}

async fn run(defect: Defect, phases: Phases) -> (Report, usize) {
    run_with(defect, phases, conformance::exec::Settings::default()).await
}

async fn run_with(defect: Defect, phases: Phases, settings: conformance::exec::Settings) -> (Report, usize) {
    let dir = std::env::temp_dir().join(format!("conformance-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("notes.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let (router, store) = router(defect);
    let report = InProcess::new(&spec)
        .token("unused")
        .settings(settings)
        .options(RunOptions {
            phases,
            ..RunOptions::default()
        })
        .run(router)
        .await
        .unwrap();
    let left = store
        .lock()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with("deleted:"))
        .count();
    (report, left)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_server_passes_the_fuzz_phase_under_every_seed() {
    for seed in [1, 2, 3, 42, 1234] {
        let (report, left) = fuzzed(Defect::None, seed).await;
        assert!(report.passed(), "seed {seed}:\n{}", report.summary());
        let fuzz: Vec<_> = report.cases.iter().filter(|c| c.name.contains(".fuzz")).collect();
        // Judged, not merely unfailed: the valid draws were accepted, the broken ones refused.
        assert!(fuzz.len() >= 40, "seed {seed}: {} fuzz cases", fuzz.len());
        assert!(fuzz.iter().all(|c| c.status == Status::Passed), "seed {seed}");
        assert_eq!(left, 0, "seed {seed}: what the run made is removed");
        assert!(
            report.summary().contains(&format!("fuzz: seed {seed}")),
            "{}",
            report.summary()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_defect_is_caught_by_a_fuzz_case_and_shrunk() {
    for defect in [Defect::NonAscii, Defect::LongTitle, Defect::UniqueTags] {
        let (report, left) = fuzzed(defect, 7).await;
        assert!(!report.passed(), "{defect:?} missed:\n{}", report.summary());
        assert_eq!(left, 0, "{defect:?}: what the run and its shrinking made is removed");
        let failed: Vec<_> = report.cases.iter().filter(|c| c.status == Status::Failed).collect();
        assert!(
            failed.iter().all(|c| c.name.contains(".fuzz")),
            "{defect:?}: only fuzz cases fail: {:?}",
            failed.iter().map(|c| &c.name).collect::<Vec<_>>()
        );
        let case = failed[0];
        assert!(case.varied.contains("seed 7"), "{}", case.varied);
        assert!(case.curl.is_some());
        let body: Value = serde_json::from_str(case.request.as_ref().unwrap().body.as_deref().unwrap()).unwrap();
        let title = body["title"].as_str().unwrap_or_default();
        // The smallest request that still fails: what the defect needs and little else.
        match defect {
            // The title starts with the run's tag (what a create makes carries it) and ends with
            // the case's number, around the drawn text.
            Defect::NonAscii => {
                assert!(
                    title.chars().filter(|c| !c.is_ascii()).count() == 1 && title.len() < 40,
                    "{body}"
                );
                assert!(case.varied.contains("shrunk"), "{}", case.varied);
            }
            Defect::LongTitle => assert!((256..=300).contains(&title.chars().count()), "{}", title.len()),
            Defect::UniqueTags => {
                let tags = body["tags"].as_array().unwrap();
                assert_eq!(tags.len(), 2, "{body}");
                assert!(tags[0].as_str().unwrap().chars().count() <= 2, "{body}");
            }
            other => unreachable!("{other:?} is not drawn here"),
        }
    }
}

/// Runs the default phases against a server with `defect`, asserts that `case` failed
/// `check`, and gives every failed (case, check).
async fn caught(defect: Defect, case: &str, check: &str) -> Vec<(String, String)> {
    let (report, _) = run(defect, Phases::default()).await;
    let failed = failed_checks(&report);
    assert!(failed.contains(&(case.into(), check.into())), "{defect:?}: {failed:?}");
    failed
}

/// The failed checks of a run, by name.
fn failed_checks(report: &Report) -> Vec<(String, String)> {
    report
        .cases
        .iter()
        .flat_map(|c| c.failures.iter().map(move |f| (c.name.clone(), f.id.name().to_owned())))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coverage_phase_probes_shapes_second_deletes_and_refusal_statuses() {
    let (report, _) = run(Defect::None, Phases::default()).await;
    assert!(report.passed(), "{}", report.summary());
    for name in ["createNote.body.duplicate_key", "updateNote.body.large"] {
        let case = report.cases.iter().find(|c| c.name == name);
        assert!(
            case.is_some_and(|c| c.status == Status::Passed),
            "{name}: {:?}",
            case.map(|c| c.status)
        );
    }

    caught(
        Defect::CrashOnSecondDelete,
        "deleteNote.stateful.deleted_is_gone",
        "deleted_stays_deleted",
    )
    .await;

    // The seeded walks act on the note after its delete, as the scenario does.
    let failed = caught(
        Defect::UpdatesTheDeleted,
        "deleteNote.stateful.deleted_is_gone",
        "deleted_stays_deleted",
    )
    .await;
    assert!(
        failed
            .iter()
            .any(|(case, check)| case.starts_with("getNote.stateful.walk.") && check == "stateful_walk"),
        "{failed:?}"
    );
    // Each failing walk is shrunk to the one sequence that shows the defect.
    let (report, _) = run(Defect::UpdatesTheDeleted, Phases::default()).await;
    for case in report
        .cases
        .iter()
        .filter(|c| c.name.starts_with("getNote.stateful.walk."))
    {
        let Some(failure) = case.failures.iter().find(|f| f.id.name() == "stateful_walk") else {
            continue;
        };
        assert!(
            failure.message.starts_with("create, read, delete, update: "),
            "{}: {}",
            case.name,
            failure.message
        );
        assert!(case.varied.contains("shrunk"), "{}", case.varied);
    }

    caught(
        Defect::RawIds,
        "getNote.path.id.percent_encoded",
        "positive_data_acceptance",
    )
    .await;

    let (report, _) = run(Defect::Refuses422, Phases::default()).await;
    let failed = failed_checks(&report);
    assert!(
        failed.iter().any(|(_, check)| check == "undocumented_refusal_status"),
        "{failed:?}"
    );
    // Only the refusals are the low finding; a 422 to an *either* case is still undocumented.
    let either = |name: &str| {
        report
            .cases
            .iter()
            .any(|c| c.name == name && c.expect == conformance::plan::Expect::Either)
    };
    assert!(
        failed
            .iter()
            .all(|(case, check)| check != "status_code_conformance" || either(case)),
        "{failed:?}"
    );

    caught(
        Defect::ChokesOnLargeBodies,
        "updateNote.body.large",
        "not_a_server_error",
    )
    .await;
}

/// A server that refuses even the valid request, by a rule the spec does not state: its
/// refusals of bad input say nothing, and are not judged, never passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_whose_valid_twin_was_refused_is_not_judged() {
    let (report, _) = run(Defect::UnstatedRule, Phases::default()).await;
    assert!(!report.passed(), "the valid request's refusal fails the run");
    let refusals: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.operation == "createNote" && c.expect == conformance::plan::Expect::Rejected)
        .collect();
    assert!(refusals.len() > 5);
    for case in refusals {
        assert_ne!(case.status, Status::Passed, "{}", case.name);
        if case.status == Status::Skipped {
            let why = case.error.as_deref().unwrap_or_default();
            assert!(
                why.contains("its valid twin createNote.valid answered 400"),
                "{}: {why}",
                case.name
            );
        }
    }
}

/// `--max-steps` sets how long each seeded walk is; the walk passes on a correct server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_steps_sets_the_length_of_each_walk() {
    for steps in [2, 12] {
        let phases = Phases {
            max_steps: Some(steps),
            ..Phases::default()
        };
        let (report, left) = run(Defect::None, phases).await;
        assert!(report.passed(), "{}", report.summary());
        assert_eq!(left, 0);
        let walks: Vec<_> = report
            .cases
            .iter()
            .filter(|c| c.name.starts_with("getNote.stateful.walk."))
            .collect();
        assert_eq!(walks.len(), 3);
        for walk in walks {
            assert!(
                walk.varied.contains(&format!("walk of {steps} steps")),
                "{}",
                walk.varied
            );
            assert_eq!(walk.exchange.matches("--- walk").count(), steps, "{}", walk.exchange);
        }
    }
}

/// `--fuzz-seconds` bounds the fuzz phase by time: with none left, no fuzz case is sent and
/// each says why; the other phases run as ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fuzz_phase_stops_when_its_time_is_up() {
    let phases = Phases {
        fuzz: Some(FuzzSettings {
            seed: 3,
            max_examples: 5,
        }),
        ..Phases::default()
    };
    let settings = conformance::exec::Settings {
        fuzz_budget: Some(std::time::Duration::ZERO),
        ..conformance::exec::Settings::default()
    };
    let (report, _) = run_with(Defect::NonAscii, phases, settings).await;
    assert!(
        report.passed(),
        "the defect is only in reach of fuzz cases:\n{}",
        report.summary()
    );
    let fuzz: Vec<_> = report.cases.iter().filter(|c| c.name.contains(".fuzz")).collect();
    assert!(!fuzz.is_empty());
    for case in fuzz {
        assert_eq!(case.status, Status::Skipped, "{}", case.name);
        assert!(
            case.error.as_deref().is_some_and(|e| e.contains("--fuzz-seconds")),
            "{:?}",
            case.error
        );
    }
}
