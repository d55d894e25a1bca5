//! One cargo feature per tag of a standalone crate: with a tag's feature alone, the crate
//! compiles its operations and the types they use, routes only them, and still compiles; with
//! the defaults, everything.

use std::path::{Path, PathBuf};

use crate::run_generated::{SEND_REQUESTS, build_and_run_crate, write_crate};

fn tagged() -> generator::Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tagged.yaml");
    generator::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The text without white space, to find code whatever prettyplease's layout.
fn tight(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn each_item_is_behind_the_features_of_the_operations_that_use_it() {
    let api = tagged();
    let features = generator::emit::crate_features(&api);
    let names: Vec<&str> = features.names().iter().map(String::as_str).collect();
    assert_eq!(names, ["admin_tools", "labels", "notes", "untagged", "unused_schemas"]);
    let files = crate::support::standalone_crate(&api, "tagged");
    let text = |path: &str| tight(&files.iter().find(|f| f.path == path).unwrap().contents);
    let (models, server) = (text("models/src/lib.rs"), text("src/server.rs"));
    // The models are a crate of their own, with the same features, which the outer crate's
    // turn on; each crate finds the runtime from its own folder.
    let (outer, inner) = (text("Cargo.toml"), text("models/Cargo.toml"));
    for expected in [
        "tagged-models={path=\"models\",default-features=false}",
        "\"notes\"=[\"tagged-models/notes\"]",
        "codegen-runtime={path=\"codegen-runtime\",features=[\"server\"]}",
    ] {
        assert!(outer.contains(expected), "{expected} in {outer}");
    }
    for expected in [
        "name=\"tagged-models\"",
        "\"notes\"=[]",
        "codegen-runtime={path=\"../codegen-runtime\",features=[]}",
    ] {
        assert!(inner.contains(expected), "{expected} in {inner}");
    }
    assert!(!inner.contains("axum") && !inner.contains("[workspace]"), "{inner}");
    assert!(text("src/lib.rs").contains("pubusetagged_modelsasmodels;"));
    for expected in [
        "#[cfg(any(feature=\"notes\"))]rt::object!{#[object(Ignored)]#[derive(Clone,PartialEq)]pubstructNote{",
        // A type two tags' operations (or a schema nothing uses) hold: either feature.
        "#[cfg(any(feature=\"admin_tools\",feature=\"labels\",feature=\"unused_schemas\"))]rt::string_enum!{pubenumColor",
        "#[cfg(any(feature=\"unused_schemas\"))]rt::object!{#[object(Ignored)]#[derive(Clone,PartialEq)]pubstructOrphan{",
        // The refusals' body: the `Server` trait names it whatever is on.
        "}rt::object!{#[object(Ignored)]#[derive(Clone,PartialEq)]pubstructProblem{",
    ] {
        assert!(models.contains(expected), "{expected}");
    }
    for expected in [
        "#[cfg(any(feature=\"notes\"))]structListNotesOperation;",
        "#[cfg(any(feature=\"notes\"))]impl<S:Server>Operation<S>forListNotesOperation{",
        "#[cfg(any(feature=\"notes\"))]letroutes=routes.route(\"/notes\",route::<S,ListNotesOperation>(axum::routing::MethodFilter::GET)",
        "#[cfg(any(feature=\"untagged\"))]structHealthOperation;",
        "fnproblem_body(&self,problem:&Problem)->models::Problem;",
    ] {
        assert!(server.contains(expected), "{expected}");
    }
}

/// A `Server` for whichever features are on, and the requests `SEND_REQUESTS` sends.
const MAIN: &str = r#"
use tagged::models;
use tagged::server::*;

struct Echo;

impl Server for Echo {
    #[cfg(feature = "notes")]
    async fn list_notes(&self) -> ListNotesResponse {
        ListNotesResponse::Ok(vec![models::Note { text: "n".into() }])
    }
    #[cfg(any(feature = "labels", feature = "admin_tools"))]
    async fn list_labels(&self) -> ListLabelsResponse {
        ListLabelsResponse::Ok(vec![models::Label { color: models::Color::Red }])
    }
    #[cfg(feature = "untagged")]
    async fn health(&self) -> HealthResponse {
        HealthResponse::NoContent
    }
    fn problem_body(&self, problem: &Problem) -> models::Problem {
        models::Problem { detail: Some(problem.message.clone()) }
    }
}
"#;

#[test]
fn a_tag_alone_compiles_and_routes_its_operations_and_the_defaults_everything_through_models_cut_into_crates() {
    let api = tagged();
    let name = "tagged";
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("features");
    let _ = std::fs::remove_dir_all(&out);
    let runtime = testkit::workspace_root()
        .join("generator/runtime")
        .canonicalize()
        .unwrap();
    let runtime = generator::emit::RuntimeSource::Path(runtime.display().to_string());
    // The models cut into as many crates as they can be (`emit::split`), so that the features
    // are seen forwarded through every one of them.
    let every_cut = generator::emit::split::Sizes {
        crate_start: 0,
        split_from: 0,
    };
    let mut files = generator::emit::standalone_crate(&api, name, "tagged.yaml", &runtime, every_cut)
        .unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"models/part-1/src/lib.rs"), "{paths:?}");
    let manifest = files.iter_mut().find(|f| f.path == "Cargo.toml").unwrap();
    manifest.contents.push_str(
        "tokio = { version = \"1\", default-features = false, features = [\"macros\", \"rt\"] }\ntower = { version = \"0.5\", default-features = false, features = [\"util\"] }\n",
    );
    files.push(generator::emit::File {
        path: "src/main.rs".into(),
        contents: format!("{MAIN}{SEND_REQUESTS}"),
    });
    write_crate(&out, &files);
    let requests = out.join("requests.json");
    let request = |uri: &str| serde_json::json!({"name": uri, "method": "GET", "uri": uri, "headers": {}});
    std::fs::write(
        &requests,
        serde_json::to_string(&[request("/notes"), request("/labels"), request("/health")]).unwrap(),
    )
    .unwrap();
    let statuses = |cargo_args: &[&str]| -> Vec<u64> {
        let printed = build_and_run_crate(&out, name, cargo_args, &[&requests]);
        String::from_utf8(printed)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["status"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(
        statuses(&["--no-default-features", "--features", "notes"]),
        [200, 404, 404]
    );
    assert_eq!(
        statuses(&["--no-default-features", "--features", "admin_tools"]),
        [404, 200, 404]
    );
    assert_eq!(statuses(&[]), [200, 200, 204]);
    // Nothing on: the models and server that are left (the refusals' body) still compile.
    let printed = build_and_run_crate(&out, name, &["--no-default-features"], &[&requests]);
    assert_eq!(String::from_utf8(printed).unwrap().lines().count(), 3);
}
