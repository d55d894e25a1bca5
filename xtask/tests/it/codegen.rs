//! `cargo xtask codegen --spec --out`: a crate that builds wherever it is moved, a folder that
//! belongs to someone else left alone, and warnings that `--strict` turns into errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(args)
        .output()
        .expect("xtask runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("codegen-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spec(name: &str) -> String {
    testkit::workspace_root()
        .join(format!("specs/{name}.yaml"))
        .display()
        .to_string()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Served by the moved crate's own test: QUERY and an `additionalOperations` method reach
/// their handlers, bad input to them is refused, other methods get 405.
const SERVED_TEST: &str = r##"
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use oas32::models;
use oas32::server::*;
use tower::ServiceExt;

struct Items;

impl Server for Items {
    async fn list_items(&self) -> ListItemsResponse {
        ListItemsResponse::Ok(Vec::new())
    }
    async fn search_items(&self, _: models::Search) -> SearchItemsResponse {
        SearchItemsResponse::Ok(Vec::new())
    }
    async fn link_item(&self, _: LinkItemParams) -> LinkItemResponse {
        LinkItemResponse::NoContent
    }
    async fn export_items(&self) -> ExportItemsResponse {
        let items = ["a", "b"].map(|id| serde_json::from_value(serde_json::json!({"id": id})).unwrap());
        ExportItemsResponse::Ok(items.into())
    }
    async fn watch_items(&self) -> WatchItemsResponse {
        let event = serde_json::json!({"event": "created", "data": "{\"id\":\"a\"}"});
        WatchItemsResponse::Ok(vec![serde_json::from_value(event).unwrap()])
    }
    async fn import_items(&self, body: Vec<models::Item>) -> ImportItemsResponse {
        assert_eq!(body.len(), 2);
        ImportItemsResponse::NoContent
    }
}

async fn answer(method: &str, uri: &str, content_type: &str, body: &str) -> (u16, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = router(Arc::new(Items)).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn sequences_are_written_and_read_item_by_item() {
    let export = answer("GET", "/items/export", "application/json", "").await;
    assert_eq!(export, (200, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n".to_owned()));
    let events = answer("GET", "/items/events", "application/json", "").await;
    assert_eq!(events, (200, "event: created\ndata: {\"id\":\"a\"}\n\n".to_owned()));
    let lines = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n";
    assert_eq!(answer("POST", "/items/import", "application/x-ndjson", lines).await.0, 204);
    let bad = answer("POST", "/items/import", "application/x-ndjson", "{\"id\":\"a\"}\n{}\n").await;
    assert_eq!(bad.0, 400, "{}", bad.1);
    assert!(bad.1.contains("\"location\":[\"body\",1"), "{}", bad.1);
}

async fn status(method: &str, uri: &str, body: &str) -> u16 {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    router(Arc::new(Items)).oneshot(request).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn query_and_link_are_served() {
    assert_eq!(status("GET", "/items", "").await, 200);
    assert_eq!(status("QUERY", "/items", r#"{"text": "a", "limit": 5}"#).await, 200);
    assert_eq!(status("QUERY", "/items", r#"{"text": ""}"#).await, 400);
    assert_eq!(status("LINK", "/items/x", "").await, 204);
    assert_eq!(status("PURGE", "/items", "").await, 405);
    assert_eq!(status("DELETE", "/items/x", "").await, 405);
}
"##;

#[test]
fn a_generated_crate_builds_and_serves_after_it_is_moved() {
    let dir = scratch("moved");
    let first = dir.join("first");
    let fixture = testkit::workspace_root().join("generator/tests/fixtures/oas32.yaml");
    let output = xtask(&["--spec", fixture.to_str().unwrap(), "--out", first.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let root = testkit::workspace_root().display().to_string();
    for file in files_under(&first) {
        let contents = std::fs::read_to_string(&file).unwrap();
        assert!(
            !contents.contains(&root) && !contents.contains(&*first.to_string_lossy()),
            "{} names a folder of this machine",
            file.display()
        );
    }
    assert!(first.join("codegen-runtime/src/lib.rs").exists());
    let runtime_manifest = std::fs::read_to_string(first.join("codegen-runtime/Cargo.toml")).unwrap();
    assert!(!runtime_manifest.contains("workspace"), "{runtime_manifest}");

    let moved = dir.join("somewhere/else");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&first, &moved).unwrap();
    // The user's own test beside the generated code, with what it needs to send requests.
    let mut manifest = std::fs::read_to_string(moved.join("Cargo.toml")).unwrap();
    manifest.push_str(
        "\n[dev-dependencies]\ntokio = { version = \"1\", features = [\"macros\", \"rt\"] }\ntower = { version = \"0.5\", features = [\"util\"] }\n",
    );
    std::fs::write(moved.join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir_all(moved.join("tests")).unwrap();
    std::fs::write(moved.join("tests/served.rs"), SERVED_TEST).unwrap();
    // The workspace's lock file pins the same versions: no network needed.
    std::fs::copy(testkit::workspace_root().join("Cargo.lock"), moved.join("Cargo.lock")).unwrap();
    let status = testkit::cargo_for_generated_crate("test")
        .args(["--quiet", "--offline", "--tests"])
        .current_dir(&moved)
        .env("RUSTFLAGS", "-D warnings")
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the moved crate does not build or serve ({})",
        moved.display()
    );
}

#[test]
fn runtime_path_or_version_replaces_the_copy() {
    let dir = scratch("runtime");
    let by_version = dir.join("by-version");
    let output = xtask(&[
        "--spec",
        &spec("kejue"),
        "--out",
        by_version.to_str().unwrap(),
        "--runtime",
        "version:0.1.0",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = std::fs::read_to_string(by_version.join("Cargo.toml")).unwrap();
    assert!(
        // kejue's webhooks: its receiver needs the runtime's `receiver`.
        manifest.contains(r#"codegen-runtime = { version = "0.1.0", features = ["server", "receiver"] }"#),
        "{manifest}"
    );
    // The models' crate asks for the same version, with none of the server's features.
    let models = std::fs::read_to_string(by_version.join("models/Cargo.toml")).unwrap();
    assert!(
        models.contains(r#"codegen-runtime = { version = "0.1.0", features = [] }"#),
        "{models}"
    );
    assert!(!by_version.join("codegen-runtime").exists());

    let by_path = dir.join("by-path");
    let output = xtask(&[
        "--spec",
        &spec("kejue"),
        "--out",
        by_path.to_str().unwrap(),
        "--runtime",
        "path:../runtime",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = std::fs::read_to_string(by_path.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#"codegen-runtime = { path = "../runtime", features = ["server", "receiver"] }"#),
        "{manifest}"
    );
    // From the models' crate, one folder down, the same folder.
    let models = std::fs::read_to_string(by_path.join("models/Cargo.toml")).unwrap();
    assert!(
        models.contains(r#"codegen-runtime = { path = "../../runtime", features = [] }"#),
        "{models}"
    );

    let output = xtask(&["--spec", &spec("kejue"), "--out", "x", "--runtime", "git:https://x"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("expected `path:PATH` or `version:X`"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_folder_with_someone_elses_cargo_toml_is_refused_without_force() {
    let dir = scratch("force");
    let theirs = "[package]\nname = \"mine\"\n";
    std::fs::write(dir.join("Cargo.toml"), theirs).unwrap();
    let out = dir.to_str().unwrap();
    let output = xtask(&["--spec", &spec("kejue"), "--out", out]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("was not written by the generator"),
        "{}",
        text(&output)
    );
    assert_eq!(std::fs::read_to_string(dir.join("Cargo.toml")).unwrap(), theirs);
    assert!(!dir.join("src").exists(), "nothing is written when refused");

    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/mine.rs"), "// theirs\n").unwrap();
    let output = xtask(&["--spec", &spec("kejue"), "--out", out, "--force"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        dir.join("src/mine.rs").exists(),
        "a folder forced open keeps its sources"
    );

    // Its own output, it writes over without being asked, and what it no longer writes goes.
    let own = scratch("own");
    let own_out = own.to_str().unwrap();
    let output = xtask(&["--spec", &spec("kejue"), "--out", own_out]);
    assert!(output.status.success(), "{}", text(&output));
    // A crate of models an earlier run cut out of a bigger spec (`emit::split`) goes whole;
    // one it did not write stays.
    let earlier_part = format!(
        "{}\n[package]\nname = \"kejue-models-part-3\"\n",
        generator::emit::MANIFEST_MARK
    );
    for (stale, text) in [
        ("src/kejue/models.rs", "// an earlier run\n"),
        ("codegen-runtime/src/gone.rs", "// an earlier run\n"),
        ("models/part-3/src/lib.rs", "// an earlier run\n"),
        ("models/part-3/Cargo.toml", earlier_part.as_str()),
        ("models/part-4/Cargo.toml", "[package]\nname = \"mine\"\n"),
    ] {
        std::fs::create_dir_all(own.join(stale).parent().unwrap()).unwrap();
        std::fs::write(own.join(stale), text).unwrap();
    }
    let output = xtask(&["--spec", &spec("kejue"), "--out", own_out]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("0 files changed, 4 removed"),
        "{}",
        text(&output)
    );
    assert!(!own.join("src/kejue/models.rs").exists() && !own.join("codegen-runtime/src/gone.rs").exists());
    assert!(!own.join("models/part-3").exists(), "the earlier part's folder is gone");
    assert!(
        own.join("models/part-4/Cargo.toml").exists(),
        "a manifest it did not write stays"
    );
}

#[test]
fn strict_turns_warnings_into_errors() {
    let dir = scratch("strict");
    let spec = dir.join("defects.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      operationId: getA\n      responses: {'204': {description: ok}}\n",
    )
    .unwrap();
    let out = dir.join("out");
    let args = ["--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let output = xtask(&args);
    assert!(output.status.success(), "{}", text(&output));
    let warning = format!(
        "{}:5:5: at #/paths/~1a~1{{id}}/get/parameters: the spec contradicts itself: the path `/a/{{id}}` uses `{{id}}` but the operation declares no path parameter `id`; assumed a required string",
        spec.display()
    );
    assert!(
        text(&output).contains(&format!("warning: {warning}")),
        "{}",
        text(&output)
    );

    let output = xtask(&[&args[..], &["--strict"]].concat());
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("error: {warning}")),
        "{}",
        text(&output)
    );
    assert!(
        text(&output).contains("which --strict makes errors"),
        "{}",
        text(&output)
    );
}

/// A spec's references by URL are read from the folder `--map-url` maps their prefix to, and
/// refused by name without it; nothing is fetched.
#[test]
fn map_url_reads_references_by_url_from_a_folder() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/multifile");
    let spec = fixtures.join("remote.yaml");
    let dir = scratch("map-url");
    let out = dir.join("out");
    let args = ["--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap()];
    // Without the mapping, what needs the reference is left out, and --strict refuses it.
    let output = xtask(&[&args[..], &["--strict"]].concat());
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("$ref `https://schemas.example.com/v1/pet.yaml`: not fetched"),
        "{}",
        text(&output)
    );
    let mapping = format!("https://schemas.example.com/={}", fixtures.join("remote").display());
    let output = xtask(&[&args[..], &["--map-url", &mapping]].concat());
    assert!(output.status.success(), "{}", text(&output));
    let models = std::fs::read_to_string(out.join("models/src/lib.rs")).unwrap();
    assert!(models.contains("pub struct Pet"), "{models}");
    assert!(models.contains("pub struct Owner"), "{models}");
}

/// One operation's defect stays in that operation (issue 24): the crate is generated without
/// it, the warning names it and where it broke, and `--strict` refuses the spec.
#[test]
fn a_bad_operation_is_left_out_and_strict_refuses_it() {
    let dir = scratch("left-out");
    let fixture = testkit::workspace_root().join("generator/tests/fixtures/one_bad_operation.yaml");
    let out = dir.join("out");
    let args = ["--spec", fixture.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let output = xtask(&args);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains(&format!(
            "warning: {}:43:11: at #/paths/~1nested/get/parameters/0/schema: the operation `readNested` (GET /nested, at #/paths/~1nested/get) is left out",
            fixture.display()
        )),
        "{}",
        text(&output)
    );
    let server = std::fs::read_to_string(out.join("src/server.rs")).unwrap();
    assert!(
        server.contains("fn list_things") && !server.contains("read_nested"),
        "{server}"
    );
    let output = xtask(&[&args[..], &["--strict"]].concat());
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("error: ") && text(&output).contains("4 warning(s), which --strict makes errors"),
        "{}",
        text(&output)
    );
}

/// A spec big enough that its models are cut into crates (`emit::split`: Stripe's shape,
/// from the benchmark's generator): every part builds on the parts it names, and the crate
/// on them all.
#[test]
fn a_big_spec_s_models_are_cut_into_crates_that_build() {
    let dir = scratch("cut");
    let specs = dir.join("specs");
    let written = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bench", "--write-synthetic", specs.to_str().unwrap()])
        .output()
        .expect("xtask runs");
    assert!(written.status.success(), "{}", text(&written));
    let out = dir.join("crate");
    let spec = specs.join("wide-stripe-shaped.json");
    let output = xtask(&["--spec", spec.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = |path: &Path| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let facade = manifest(&out.join("models/Cargo.toml"));
    let parts: Vec<PathBuf> = (0..)
        .map(|k| out.join(format!("models/part-{k}")))
        .take_while(|p| p.exists())
        .collect();
    assert!(parts.len() >= 2, "{} parts", parts.len());
    for (k, part) in parts.iter().enumerate() {
        assert!(facade.contains(&format!("path = \"part-{k}\"")), "{facade}");
        let lib = manifest(&part.join("src/lib.rs"));
        let own = manifest(&part.join("Cargo.toml"));
        // A part names the types of the parts it depends on, and only those.
        for line in lib
            .lines()
            .filter(|l| l.starts_with("use wide_stripe_shaped_models_part_"))
        {
            let used = line
                .trim_start_matches("use ")
                .trim_end_matches("::*;")
                .replace('_', "-");
            assert!(
                own.contains(&format!("{used} = {{ path = \"../")),
                "{line} in part {k}: {own}"
            );
        }
    }
    assert!(
        parts
            .iter()
            .any(|p| manifest(&p.join("Cargo.toml")).contains("path = \"../part-")),
        "no part builds on another"
    );
    std::fs::copy(testkit::workspace_root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    // `build`, not `check`: the other tests' generated crates have built the dependencies.
    let status = testkit::cargo_for_generated_crate("build")
        .args(["--quiet", "--offline"])
        .current_dir(&out)
        .env("RUSTFLAGS", "-D warnings")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the cut crate does not build ({})", out.display());
}

/// A spec split over files has a root named like every other (`openapi.yaml`): its crate takes
/// the `--out` folder's name, as `cargo new` does; a spec with a name of its own keeps it.
#[test]
fn a_nameless_root_s_crate_is_named_after_its_folder() {
    let dir = scratch("named");
    let root = testkit::workspace_root().join("generator/tests/fixtures/multifile/openapi.yaml");
    let out = dir.join("Pet Store");
    let output = xtask(&["--spec", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"pet-store\""), "{manifest}");
    assert!(
        manifest.contains("pet-store-models = { path = \"models\""),
        "{manifest}"
    );
    let lib = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub use pet_store_models as models;"), "{lib}");

    let other = dir.join("elsewhere");
    let output = xtask(&["--spec", &spec("kejue"), "--out", other.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = std::fs::read_to_string(other.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"kejue\""), "{manifest}");
}
