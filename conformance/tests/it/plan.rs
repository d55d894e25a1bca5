//! The case plan of each spec, as an insta snapshot: adding or losing a case is a diff.

use std::path::Path;

fn plan_text(name: &str) -> String {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{name}.yaml"));
    let api = generator::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    let plan = conformance::plan(&api, "cfm-00000000", &[]);
    let mut out = String::new();
    for case in &plan.cases {
        out.push_str(&format!(
            "{:<60} {:<13} {}\n",
            case.name,
            case.expect.as_str(),
            case.varied
        ));
    }
    for note in &plan.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

#[test]
fn kejue() {
    insta::assert_snapshot!(plan_text("kejue"));
}

#[test]
fn kallima() {
    insta::assert_snapshot!(plan_text("kallima"));
}

#[test]
fn konpro() {
    insta::assert_snapshot!(plan_text("konpro"));
}

#[test]
fn sendkit() {
    insta::assert_snapshot!(plan_text("sendkit"));
}

#[test]
fn names_are_unique_and_every_case_is_planned_the_same_way_twice() {
    for name in ["kejue", "kallima", "konpro", "sendkit"] {
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{name}.yaml"));
        let api = generator::load(&spec).unwrap();
        let plan = conformance::plan(&api, "cfm-00000000", &[]);
        let mut names: Vec<&str> = plan.cases.iter().map(|c| c.name.as_str()).collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            total,
            "{name}: case names must be unique (they name snapshots)"
        );
        assert_eq!(plan_text(name), plan_text(name));
    }
}

#[test]
fn the_operation_filter_keeps_only_those_operations() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml");
    let api = generator::load(&spec).unwrap();
    let plan = conformance::plan(&api, "cfm-00000000", &["getWebhook".to_owned()]);
    assert!(!plan.cases.is_empty());
    assert!(plan.cases.iter().all(|c| c.operation == "getWebhook"));
}

#[test]
fn corpus_specs_plan_without_panicking() {
    let Some(dir) = testkit::shared("corpus/webhooks") else {
        return;
    };
    for file in [
        "hookdeck-outpost.openapi.yaml",
        "sendgrid-tsg_webhooks_v3.yaml",
        "twilio_events_v1.yaml",
        "svix-lib-openapi.json",
        // Its defects (undeclared path parameters, a repeated operationId) are warnings.
        "svix-server.openapi.json",
    ] {
        let api = generator::load(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
        let plan = conformance::plan(&api, "cfm-00000000", &[]);
        assert!(
            plan.cases.len() > api.operations.len(),
            "{file}: {} cases",
            plan.cases.len()
        );
    }
}

/// OpenAPI 3.2's `query` and `additionalOperations` get cases, sent with their own methods.
#[test]
fn a_3_2_spec_plans_query_and_additional_operations() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/oas32.yaml");
    let api = generator::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    let plan = conformance::plan(&api, "cfm-00000000", &[]);
    let methods = |operation: &str| -> Vec<String> {
        plan.cases
            .iter()
            .filter(|c| c.operation == operation)
            .map(|c| c.method.to_http().to_string())
            .collect()
    };
    let query = methods("searchItems");
    assert!(query.len() > 1 && query.iter().all(|m| m == "QUERY"), "{query:?}");
    let link = methods("linkItem");
    assert!(!link.is_empty() && link.iter().all(|m| m == "LINK"), "{link:?}");
    assert!(
        plan.cases
            .iter()
            .any(|c| c.name == "searchItems.text.shorter_than_min_length")
    );
    // A sequence answer is planned; a sequence request body is left out, and said so.
    assert!(plan.cases.iter().any(|c| c.name == "exportItems.valid"));
    assert!(
        plan.notes.iter().any(|n| n
            == "importItems: not tested: its request body is a sequence (application/x-ndjson), which the runner does not send"),
        "{:?}",
        plan.notes
    );
    assert!(!plan.cases.iter().any(|c| c.operation == "importItems"));
}

/// A Swagger 2.0 spec is planned as its OpenAPI 3.0 translation: the same cases, by name,
/// with the same requests and expectations, and the same notes.
#[test]
fn a_swagger2_spec_plans_the_cases_of_its_openapi3_translation() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generator/tests/fixtures/swagger2");
    let plan = |file: &str| {
        let api = generator::load(&fixtures.join(file)).unwrap_or_else(|e| panic!("{e}"));
        conformance::plan(&api, "cfm-00000000", &[])
    };
    let (two, three) = (plan("petstore.yaml"), plan("petstore.openapi3.yaml"));
    let names = |plan: &conformance::plan::Plan| plan.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert!(names(&two).len() > 20, "{:?}", names(&two));
    assert!(
        names(&two).iter().any(|n| n == "createPet.weight.exclusive_minimum"),
        "{:?}",
        names(&two)
    );
    assert_eq!(names(&two), names(&three));
    assert_eq!(format!("{:?}", two.cases), format!("{:?}", three.cases));
    assert_eq!(two.notes, three.notes);
}
