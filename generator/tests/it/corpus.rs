//! Every real public spec in `../shared/corpus/` either generates code that compiles, or
//! fails with the clear error pinned here (docs/codegen.md: "The corpus").

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    testkit::workspace_root()
}

/// The corpus specs, or `None` (with the skip printed) when `../shared/corpus` is absent.
fn corpus() -> Option<Vec<PathBuf>> {
    let dir = testkit::shared("corpus")?;
    let mut specs = Vec::new();
    for sub in ["examples", "webhooks"] {
        let entries = std::fs::read_dir(dir.join(sub)).unwrap_or_else(|e| panic!("{}/{sub}: {e}", dir.display()));
        specs.extend(
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json")),
        );
    }
    specs.sort();
    assert!(specs.len() >= 17, "expected the whole corpus, found {}", specs.len());
    Some(specs)
}

/// Specs that must fail, and the start of the error each gives.
const FAILS: &[(&str, &str)] = &[];

/// The reason swagger-petstore31's `Pet` cannot be lowered: an unquoted `$ref: #/...`, which
/// YAML reads as a comment.
macro_rules! petstore31_pet {
    ($what:literal) => {
        concat!(
            "swagger-petstore31-design-first-v3.1.1.yaml:377:11: at #/components/schemas/Pet/properties/petDetails/$ref: ",
            $what,
            " is left out of the generated code and the runner's plan: expected a `$ref` string such as \"#/components/schemas/Name\" (in YAML, quote a `#...` value or it is read as a comment), found null"
        )
    };
}

/// The warnings each spec gives (what was assumed, and where), in full; a spec not listed
/// gives none.
const WARNINGS: &[(&str, &[&str])] = &[
    (
        "oai-v3.0-callback-example.yaml",
        &[
            "oai-v3.0-callback-example.yaml:7:5: at #/paths/~1streams/post: expected an operationId, found none; assumed `postStreams` (from the method and path)",
        ],
    ),
    (
        "oai-v3.1-non-oauth-scopes.yaml",
        &[
            "oai-v3.1-non-oauth-scopes.yaml:7:5: at #/paths/~1users/get: expected an operationId, found none; assumed `getUsers` (from the method and path)",
        ],
    ),
    (
        "oai-v3.1-webhook-example.yaml",
        &[
            "oai-v3.1-webhook-example.yaml:10:5: at #/webhooks/newPet/post: expected an operationId, found none; assumed `postNewPet` (from the method and path)",
        ],
    ),
    (
        "oai-v3.2-3.2-tags-example.yaml",
        &[
            "oai-v3.2-3.2-tags-example.yaml:38:5: at #/paths/~1flights/get: expected an operationId, found none; assumed `getFlights` (from the method and path)",
            "oai-v3.2-3.2-tags-example.yaml:43:5: at #/paths/~1flights~1international/get: expected an operationId, found none; assumed `getFlightsInternational` (from the method and path)",
            "oai-v3.2-3.2-tags-example.yaml:48:5: at #/paths/~1flights~1domestic/get: expected an operationId, found none; assumed `getFlightsDomestic` (from the method and path)",
            "oai-v3.2-3.2-tags-example.yaml:53:5: at #/paths/~1flights~1delayed/get: expected an operationId, found none; assumed `getFlightsDelayed` (from the method and path)",
        ],
    ),
    (
        "swagger-petstore31-design-first-v3.1.1.yaml",
        &[
            "swagger-petstore31-design-first-v3.1.1.yaml:445:7: at #/components/securitySchemes/mutual_tls/type: unsupported: the mutualTLS scheme `mutual_tls` (TLS client certificates are not visible to an HTTP handler); no operation may use it, so it is left out",
            petstore31_pet!("the operation `updatePet` (PUT /pet, at #/paths/~1pet/put)"),
            petstore31_pet!("the operation `addPet` (POST /pet, at #/paths/~1pet/post)"),
            petstore31_pet!(
                "the operation `findPetsByStatus` (GET /pet/findByStatus, at #/paths/~1pet~1findByStatus/get)"
            ),
            petstore31_pet!("the operation `findPetsByTags` (GET /pet/findByTags, at #/paths/~1pet~1findByTags/get)"),
            petstore31_pet!("the operation `getPetById` (GET /pet/{petId}, at #/paths/~1pet~1{petId}/get)"),
            petstore31_pet!("the webhook `newPet` (POST, at #/webhooks/newPet/post)"),
            petstore31_pet!("the component schema `Pet`"),
            "swagger-petstore31-design-first-v3.1.1.yaml:395:11: at #/components/schemas/PetDetails/properties/tag/$ref: the component schema `PetDetails` is left out of the generated code and the runner's plan: $ref `#/components/schemas/Tag` points at nothing in the document",
        ],
    ),
    (
        "svix-lib-openapi.json",
        &[
            "svix-lib-openapi.json:50172:25: at #/components/schemas/IntegrationOut/properties/featureFlags/default: the spec contradicts itself: the default [] of `featureFlags` breaks its own schema (featureFlags must have at least 1 items, got 0 (minItems)); the default is left out",
        ],
    ),
    (
        "svix-server.openapi.json",
        &[
            "svix-server.openapi.json:2396:13: at #/paths/~1api~1v1~1app~1{app_id}/get/parameters: the spec contradicts itself: the path `/api/v1/app/{app_id}` uses `{app_id}` but the operation declares no path parameter `app_id`; assumed a required string",
            "svix-server.openapi.json:2323:13: at #/paths/~1api~1v1~1app~1{app_id}/delete/parameters: the spec contradicts itself: the path `/api/v1/app/{app_id}` uses `{app_id}` but the operation declares no path parameter `app_id`; assumed a required string",
            "svix-server.openapi.json:2476:13: at #/paths/~1api~1v1~1app~1{app_id}/patch/parameters: the spec contradicts itself: the path `/api/v1/app/{app_id}` uses `{app_id}` but the operation declares no path parameter `app_id`; assumed a required string",
            "svix-server.openapi.json:5014:17: at #/paths/~1api~1v1~1app~1{app_id}~1msg/get/parameters: the spec contradicts itself: the path `/api/v1/app/{app_id}/msg` uses `{app_id}` but the operation declares no path parameter `app_id`; assumed a required string",
            "svix-server.openapi.json:6901:17: at #/paths/~1api~1v1~1health/head/operationId: the spec contradicts itself: operationId `v1.health.get` is used twice (first at #/paths/~1api~1v1~1health/get); this one is called `v1.health.get_2`",
            "svix-server.openapi.json:6971:13: at #/paths/~1api~1v1~1health~1ping/get: expected an operationId, found none; assumed `getApiV1HealthPing` (from the method and path)",
            "svix-server.openapi.json:6978:13: at #/paths/~1api~1v1~1health~1ping/head: expected an operationId, found none; assumed `headApiV1HealthPing` (from the method and path)",
        ],
    ),
];

#[test]
fn every_corpus_spec_generates_code_that_compiles_or_fails_clearly() {
    let Some(corpus) = corpus() else { return };
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus-crate");
    let _ = std::fs::remove_dir_all(&out);
    let mut modules = Vec::new();
    let mut files = Vec::new();
    for spec in corpus {
        let file_name = spec.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&spec).unwrap();
        let result = generator::load_str(&text, Some(Path::new(&file_name)));
        let expected_failure = FAILS.iter().find(|(name, _)| *name == file_name);
        match (result, expected_failure) {
            (Err(e), Some((_, start))) => assert!(
                e.to_string().starts_with(start),
                "{file_name}: got\n{e}\nexpected it to start with\n{start}"
            ),
            (Err(e), None) => panic!("{file_name} should generate, but: {e}"),
            (Ok(_), Some(_)) => {
                panic!("{file_name} generated, but it is pinned as failing: update FAILS and docs/codegen.md")
            }
            (Ok(api), None) => {
                let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
                let pinned = WARNINGS
                    .iter()
                    .find(|(name, _)| *name == file_name)
                    .map_or(&[][..], |(_, w)| *w);
                assert_eq!(
                    warnings, pinned,
                    "{file_name}: the warnings changed; update WARNINGS and docs/codegen.md"
                );
                let module = generator::lower::names::snake(file_name.split('.').next().unwrap_or("api"));
                let module = format!("{module}_{}", modules.len());
                files.extend(
                    generator::emit::api_module(&api, &module, &file_name)
                        .unwrap_or_else(|e| panic!("{file_name}: {e}")),
                );
                modules.push(module);
            }
        }
    }
    let runtime = root().join("generator/runtime").canonicalize().unwrap();
    let runtime = generator::emit::RuntimeSource::Path(runtime.display().to_string());
    // Every runtime feature: whatever formats and webhooks the corpus has compile.
    files.push(generator::emit::standalone_manifest(
        "corpus-check",
        &runtime,
        &["idn", "receiver"],
        &Default::default(),
    ));
    files.push(generator::emit::lib_rs(&modules));
    for file in &files {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.contents).unwrap();
    }
    // The workspace's lock file pins the same dependency versions, so no network is needed.
    std::fs::copy(root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    let status = testkit::cargo_for_generated_crate("check")
        .args(["--quiet", "--offline", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .env("RUSTFLAGS", "-D warnings")
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "the code generated for the corpus does not compile: see the errors above ({})",
        out.display()
    );
}
