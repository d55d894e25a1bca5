//! Touch only what the run made: a full run against a server holding others' resources
//! leaves them exactly as they were (with the spec's links, and with them removed); no plan
//! changes or deletes an id the run did not make; what cannot be cleaned up is not created.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use conformance::exec::{Settings, Target};
use conformance::plan::{Case, ParamValue, Plan, Safety, carries_tag};
use conformance::plan_with;
use generator::model::{Method, ParamLocation};
use reference::{Api, Store, Tenants};
use serde_json::Value;

use crate::support;
use support::{list, seed, strip_links};

const KEY: &str = reference::EMBEDDED_KEYS[0];
const KEY_ALT: &str = reference::EMBEDDED_KEYS[1];

fn spec(api: Api, links: bool) -> generator::model::Api {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{}.yaml", api.name())))
            .unwrap();
    let mut doc: Value = generator::load::parse(text, None).unwrap().root;
    if !links {
        strip_links(&mut doc);
    }
    generator::load_str(&doc.to_string(), None).unwrap()
}

/// Every request that changes or deletes goes to an id the run made (a link) or one that
/// cannot exist (the tag, a random UUID of this plan, or text the parameter's type refuses).
fn assert_touches_only_its_own(plan: &Plan) {
    for case in plan
        .cases
        .iter()
        .filter(|c| !matches!(c.method, Method::Get | Method::Head | Method::Options))
    {
        for p in case.params.iter().filter(|p| p.location == ParamLocation::Path) {
            let ok = match &p.value {
                ParamValue::Linked(_) | ParamValue::Respelt { .. } => true,
                // An array or object names no resource the run made.
                ParamValue::Structured(_) => false,
                ParamValue::Text(t) => {
                    carries_tag(t) || plan.unknown_ids.contains(t) || refused(plan, case, &p.name, t)
                }
            };
            assert!(
                ok,
                "{}: {} {} with {} = {:?}",
                case.name,
                case.method.as_str(),
                case.path,
                p.name,
                p.value
            );
        }
    }
}

/// Whether the server cannot read `value` as a value of the parameter's type: read as it
/// reads it (`1` is the integer 1 for an integer id, which may well be someone's order).
fn refused(plan: &Plan, case: &Case, name: &str, value: &str) -> bool {
    let op = plan.api.operation(&case.operation).unwrap();
    let param = op.parameters.iter().find(|p| p.name == name).unwrap();
    conformance::plan::as_read(param, &Value::String(value.into()))
        .is_none_or(|read| !generator::model::validate::validate(&plan.api, &param.ty, &read).is_empty())
}

#[test]
fn petstore_expanded_never_deletes_an_id_it_did_not_make() {
    let Some(file) = testkit::shared("corpus/examples/oai-v3.0-petstore-expanded.yaml") else {
        return;
    };
    let api = generator::load(&file).unwrap();
    let plan = plan_with(&api, "cfm-00000000", &[], Safety::default());
    assert_touches_only_its_own(&plan);
    let delete = plan
        .cases
        .iter()
        .find(|c| c.name == "deletePet.valid")
        .expect("deletePet.valid");
    assert!(
        matches!(&delete.params[0].value, ParamValue::Linked(e) if e == "$response.body#/id"),
        "{:?}",
        delete.params
    );
    assert!(
        plan.notes.iter().any(|n| n.starts_with("links inferred")),
        "{:?}",
        plan.notes
    );

    // `conformance list` says which links were inferred, and plans no DELETE /pets/1.
    let out = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["list", "--spec"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("note: links inferred (the spec has none): addPet creates; its answer links to find pet by id (id = $response.body#/id), deletePet (id = $response.body#/id)"),
        "{text}"
    );
}

#[test]
fn corpus_plans_touch_only_their_own_ids() {
    let Some(dir) = testkit::shared("corpus") else {
        return;
    };
    for file in [
        "examples/oai-v3.0-petstore.yaml",
        "examples/oai-v3.0-link-example.yaml",
        "examples/oai-v3.1-tictactoe.yaml",
        "examples/swagger-petstore3-v3.0.4.yaml",
        "webhooks/hookdeck-outpost.openapi.yaml",
        "webhooks/sendgrid-tsg_webhooks_v3.yaml",
        "webhooks/twilio_events_v1.yaml",
    ] {
        let api = generator::load(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
        assert_touches_only_its_own(&plan_with(&api, "cfm-00000000", &[], Safety::default()));
        let read_only = plan_with(
            &api,
            "cfm-00000000",
            &[],
            Safety {
                read_only: true,
                allow_leftovers: false,
            },
        );
        assert!(
            read_only
                .cases
                .iter()
                .all(|c| matches!(c.method, Method::Get | Method::Head | Method::Options)),
            "{file}"
        );
    }
}

const NO_DELETE: &str = r##"
openapi: 3.0.3
info: {title: notes, version: "1"}
paths:
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string, maxLength: 40}
      responses:
        "201": {description: made}
        "422": {description: refused}
    get:
      operationId: listNotes
      responses:
        "200": {description: the notes}
"##;

#[test]
fn what_cannot_be_deleted_is_not_created_unless_allowed() {
    let api = generator::load_str(NO_DELETE, None).unwrap();
    let plan = plan_with(&api, "cfm-00000000", &[], Safety::default());
    assert!(
        plan.cases
            .iter()
            .filter(|c| c.operation == "createNote")
            .all(|c| c.expect != conformance::plan::Expect::Accepted),
        "no accepted create is sent"
    );
    assert!(plan.cases.iter().any(|c| c.name == "createNote.text.wrong_type"));
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    assert!(plan.warnings[0].contains("--allow-leftovers"), "{}", plan.warnings[0]);
    let allowed = plan_with(
        &api,
        "cfm-00000000",
        &[],
        Safety {
            read_only: false,
            allow_leftovers: true,
        },
    );
    assert!(allowed.cases.iter().any(|c| c.name == "createNote.valid"));
    // Allowed, it is still said first: which operation, and how many resources will stay.
    assert_eq!(allowed.warnings.len(), 1, "{:?}", allowed.warnings);
    assert!(
        allowed.warnings[0].starts_with("createNote: ") && allowed.warnings[0].contains("will stay"),
        "{}",
        allowed.warnings[0]
    );
    // Every create it may send carries the tag, also at the length limit.
    let max = allowed
        .cases
        .iter()
        .find(|c| c.name == "createNote.text.max_length")
        .unwrap();
    assert!(carries_tag(
        max.edit.as_ref().unwrap().value.as_ref().unwrap().as_str().unwrap()
    ));
}

/// A full run, with and without the spec's links, against a server already holding the
/// same tenant's untagged and other-run-tagged webhooks and another tenant's: afterwards
/// both tenants' lists are exactly as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_leaves_what_others_made_exactly_as_it_was() {
    for links in [true, false] {
        let store = Arc::new(Store::open(None).unwrap());
        let router = Api::Kejue.router(store.clone(), Arc::new(Tenants::new(&[KEY.into(), KEY_ALT.into()])));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = reference::serve_router(Api::Kejue, listener, router, store).unwrap();
        let base = server.base_url.clone();
        for (key, url) in [
            (KEY, "https://example.com/mine"),
            (KEY, "https://example.com/cfm-notmine"),
            (KEY, "https://example.com/conformance/cfm-0123abcd"),
            (KEY_ALT, "https://example.com/other-tenant"),
        ] {
            seed(&base, key, url).await;
        }
        let before = (list(&base, KEY).await, list(&base, KEY_ALT).await);
        let suite = conformance::Suite {
            name: "kejue".into(),
            api: spec(Api::Kejue, links),
            target: Target {
                base_url: base.clone(),
                token: Some(KEY.into()),
                token_alt: Some(KEY_ALT.into()),
                ca_certs: Vec::new(),
            },
            settings: Settings::default(),
            snapshots: None,
            operations: Vec::new(),
            options: Default::default(),
        };
        let report = conformance::run(suite, std::future::pending()).await.unwrap();
        let after = (list(&base, KEY).await, list(&base, KEY_ALT).await);
        server.stop().await.unwrap();
        assert!(report.passed(), "links: {links}\n{}", report.summary());
        assert!(
            report.cases.iter().any(|c| c.name == "deleteWebhook.valid"),
            "links: {links}: the run deletes its own"
        );
        assert_eq!(after, before, "links: {links}");
    }
}

const KINDS: &str = r##"
openapi: 3.0.3
info: {title: kinds, version: "1"}
paths:
  /silences:
    post:
      operationId: createSilence
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [comment], properties: {comment: {type: string}}}
      responses:
        "200":
          description: made
          content:
            application/json:
              schema: {type: object, properties: {silenceID: {type: string}}}
        "400": {description: refused}
  /silence/{silenceID}:
    parameters:
      - {name: silenceID, in: path, required: true, schema: {type: string}}
    get:
      operationId: getSilence
      responses:
        "200": {description: found}
    delete:
      operationId: deleteSilence
      responses:
        "200": {description: gone}
  /tokens:
    post:
      operationId: createToken
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        "201":
          description: made
          content:
            application/json:
              # properties, but no `type: object`
              schema: {properties: {id: {type: string}, name: {type: string}}}
        "400": {description: refused}
  /tokens/{id}:
    patch:
      operationId: updateToken
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "200": {description: changed}
        "400": {description: refused}
  /orders.cancel:
    post:
      operationId: cancelOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [order_id], properties: {order_id: {type: integer}}}
      responses:
        "200": {description: cancelled}
        "400": {description: refused}
"##;

/// Every kind of resource a spec has (a singular item path, an answer with properties and no
/// type), the deletable first; setup creates of a kind that cannot be deleted, "either"
/// creates and writes naming another resource in the body are left out, with warnings that
/// name the operation and the count before anything is sent.
#[test]
fn every_kind_is_inferred_and_only_what_the_run_can_remove_is_made() {
    let api = generator::load_str(KINDS, None).unwrap();
    let plan = plan_with(&api, "cfm-00000000", &[], Safety::default());
    let kinds: Vec<(&str, bool)> = plan
        .resources
        .iter()
        .map(|k| (k.create.as_str(), k.delete.is_some()))
        .collect();
    assert_eq!(
        kinds,
        [("createSilence", true), ("createToken", false)],
        "{:#?}",
        plan.notes
    );
    let get = plan.cases.iter().find(|c| c.name == "getSilence.valid").unwrap();
    assert!(
        matches!(&get.params[0].value, ParamValue::Linked(e) if e == "$response.body#/silenceID"),
        "{:?}",
        get.params
    );
    assert!(plan.cases.iter().any(|c| c.name == "deleteSilence.valid"));
    // The token cannot be deleted: no update case makes one, no create case either.
    assert!(!plan.cases.iter().any(|c| c.operation == "updateToken"));
    assert!(
        !plan.cases.iter().any(|c| c.operation == "createToken"
            && matches!(
                c.expect,
                conformance::plan::Expect::Accepted | conformance::plan::Expect::Either
            )),
        "accepted and either creates of an undeletable kind are not sent"
    );
    let warning = plan
        .warnings
        .iter()
        .find(|w| w.starts_with("updateToken: "))
        .unwrap_or_else(|| panic!("{:#?}", plan.warnings));
    assert!(
        warning.contains("each first creates a resource by createToken") && warning.contains("--allow-leftovers"),
        "{warning}"
    );
    // An RPC-style write naming another resource in its body is not sent.
    assert!(!plan.cases.iter().any(|c| c.name == "cancelOrder.valid"));
    assert!(
        plan.notes
            .iter()
            .any(|n| n.starts_with("cancelOrder: ") && n.contains("an id this run did not make")),
        "{:#?}",
        plan.notes
    );

    // Allowed, they are sent, and the warning says what will stay, and how much.
    let allowed = plan_with(
        &api,
        "cfm-00000000",
        &[],
        Safety {
            read_only: false,
            allow_leftovers: true,
        },
    );
    assert!(allowed.cases.iter().any(|c| c.name == "updateToken.valid"));
    assert!(
        allowed
            .warnings
            .iter()
            .any(|w| w.starts_with("updateToken: ") && w.contains("will stay")),
        "{:#?}",
        allowed.warnings
    );
}

/// Integer path ids: `1` is read as the integer 1, someone's order; only a linked id, tagged
/// text the integer refuses, or a value of another type may be written to.
#[test]
fn an_integer_id_the_run_did_not_make_is_never_written_to() {
    let Some(file) = testkit::shared("corpus/examples/swagger-petstore3-v3.0.4.yaml") else {
        return;
    };
    let api = generator::load(&file).unwrap();
    let plan = plan_with(&api, "cfm-00000000", &[], Safety::default());
    assert_touches_only_its_own(&plan);
    let delete = plan.cases.iter().find(|c| c.name == "deleteOrder.valid");
    assert!(
        delete.is_none_or(|c| matches!(c.params[0].value, ParamValue::Linked(_))),
        "{delete:?}"
    );
    let Some(file) = testkit::shared("corpus/examples/oai-v3.1-tictactoe.yaml") else {
        return;
    };
    let api = generator::load(&file).unwrap();
    let plan = plan_with(&api, "cfm-00000000", &[], Safety::default());
    assert!(
        !plan.cases.iter().any(|c| c.operation == "put-square"),
        "no square of a board the run never made is written to"
    );
}
