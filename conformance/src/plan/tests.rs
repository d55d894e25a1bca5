//! The plan on small inline specs: each edge, and each false alarm of the new-user trial
//! that the plan used to raise.

use generator::model::validate::validate;
use serde_json::{Value, json};

use super::{Case, Expect, Plan, RequestBody, Safety, apply, plan_with};

const TAG: &str = "cfm-00000000";

fn planned(spec: &str) -> Plan {
    let api = generator::load_str(spec, None).unwrap_or_else(|e| panic!("{e}"));
    // Creates these specs cannot undo are planned all the same: only the plan is looked at.
    // (What a create sends must still carry the run tag: bodies with no text field take one.)
    // No stateful cases: those are the scenarios' (a floor above), tested with them.
    let safety = Safety {
        allow_leftovers: true,
        ..Safety::default()
    };
    plan_with(&api, TAG, &[], safety, &super::NoStateful)
}

fn case<'a>(plan: &'a Plan, name: &str) -> &'a Case {
    plan.cases.iter().find(|c| c.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = plan.cases.iter().map(|c| c.name.as_str()).collect();
        panic!("no case {name} in {names:#?}\nnotes: {:#?}", plan.notes)
    })
}

fn has_case(plan: &Plan, name: &str) -> bool {
    plan.cases.iter().any(|c| c.name == name)
}

/// The body a case sends once its edit is applied (no links in these specs).
fn sent_body(case: &Case) -> Value {
    let RequestBody::Json(body) = &case.body else {
        panic!("{}: no JSON body", case.name)
    };
    let mut body = body.clone();
    if let Some(edit) = &case.edit {
        apply(&mut body, &edit.path, edit.value.clone());
    }
    body
}

/// One POST whose body schema is `schema` (YAML, indented for the spot it goes in).
fn post_spec(version: &str, schema: &str) -> String {
    format!(
        "openapi: {version}
info: {{title: t, version: '1'}}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
{schema}
      responses:
        '201': {{description: made}}
        '422': {{description: refused}}
"
    )
}

#[test]
fn a_path_parameter_is_never_left_out() {
    let plan = planned(
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets/{petId}:
    get:
      operationId: showPet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
        - {name: kind, in: query, required: true, schema: {type: string, enum: [cat, dog]}}
      responses:
        '200': {description: ok}
        '404': {description: none}
",
    );
    assert!(!has_case(&plan, "showPet.path.petId.missing"));
    assert!(
        !plan
            .cases
            .iter()
            .any(|c| c.name.starts_with("showPet.path.") && c.varied.contains("= \"\""))
    );
    // Other required parameters still have theirs.
    assert_eq!(case(&plan, "showPet.query.kind.missing").expect, Expect::Rejected);
}

#[test]
fn an_edge_inside_an_optional_object_carries_the_objects_required_fields() {
    let plan = planned(&post_spec(
        "3.0.3",
        "              type: object
              properties:
                uid: {type: string}
                application:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    throttleRate: {type: integer, minimum: 1}",
    ));
    let api = &plan.api;
    let body_ty = &api.operations[0].body.as_ref().unwrap().ty;
    let accepted = case(&plan, "createThing.application.throttleRate.minimum");
    let body = sent_body(accepted);
    assert_eq!(body["application"]["throttleRate"], json!(1));
    assert!(body["application"]["name"].is_string(), "{body}");
    assert!(validate(api, body_ty, &body).is_empty(), "{body}");
    // A refused edge is refused for its own reason only.
    let refused = case(&plan, "createThing.application.throttleRate.below_minimum");
    let violations = validate(api, body_ty, &sent_body(refused));
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].at, "/application/throttleRate");
    // The required field's own `missing` leaves only it out.
    let missing = sent_body(case(&plan, "createThing.application.name.missing"));
    assert_eq!(missing["application"], json!({}));
}

#[test]
fn an_unknown_property_is_either_unless_the_schema_refuses_it() {
    let open = planned(&post_spec(
        "3.0.3",
        "              type: object
              properties:
                name: {type: string}
                inner:
                  type: object
                  additionalProperties: false
                  properties:
                    a: {type: string}",
    ));
    let top = case(&open, "createThing.body.unknown_property");
    assert_eq!(top.expect, Expect::Either);
    assert_eq!(sent_body(top)["conformance_unknown"], json!("conformance"));
    let inner = case(&open, "createThing.inner.unknown_property");
    assert_eq!(inner.expect, Expect::Rejected);
    assert_eq!(sent_body(inner)["inner"]["conformance_unknown"], json!("conformance"));
    // Extra keys that form a typed map: no such edge.
    let map = planned(&post_spec(
        "3.0.3",
        "              type: object
              properties:
                name: {type: string}
              additionalProperties: {type: string}",
    ));
    assert!(!has_case(&map, "createThing.body.unknown_property"));
}

#[test]
fn a_whole_number_float_is_either_in_3_1_and_refused_in_3_0() {
    let schema = "              type: object
              properties:
                name: {type: string}
                count: {type: integer, format: int32}";
    let v31 = planned(&post_spec("3.1.0", schema));
    assert_eq!(
        case(&v31, "createThing.count.whole_number_float").expect,
        Expect::Either
    );
    let v30 = planned(&post_spec("3.0.3", schema));
    assert!(!has_case(&v30, "createThing.count.whole_number_float"));
}

#[test]
fn checked_values_get_an_edge_per_keyword_judged_by_the_validator() {
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              properties:
                name: {type: string, not: {enum: [admin]}}
                labels:
                  type: object
                  propertyNames: {pattern: '^[a-z]+$'}
                  dependentRequired: {start: [end]}
                  required: [kind]
                  properties:
                    kind: {type: string}
                mode: {if: {type: string}, then: {minLength: 3}}",
    ));
    let not = case(&plan, "createThing.name.matches_not");
    assert_eq!(
        (not.expect, sent_body(not)["name"].clone()),
        (Expect::Rejected, json!("admin"))
    );
    let outside = case(&plan, "createThing.labels.property_name_outside");
    assert_eq!(outside.expect, Expect::Rejected);
    assert_eq!(case(&plan, "createThing.labels.missing_kind").expect, Expect::Rejected);
    let partner = case(&plan, "createThing.labels.start_without_end");
    assert_eq!(partner.expect, Expect::Rejected);
    assert!(sent_body(partner)["labels"].get("start").is_some());
    // `if` chose `then`, which the value meets: accepted, as the validator says.
    assert_eq!(case(&plan, "createThing.mode.if_then").expect, Expect::Accepted);
    assert!(
        !has_case(&plan, "createThing.mode.wrong_type"),
        "mode admits every JSON type"
    );
}

#[test]
fn checked_arrays_get_their_count_edges() {
    // `not` makes the array a checked value; its counts are planned as a typed array's are.
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              properties:
                tags:
                  type: array
                  items: {type: string}
                  minItems: 2
                  maxItems: 3
                  uniqueItems: true
                  not: {const: [a, b]}",
    ));
    let count = |name: &str| {
        let c = case(&plan, &format!("createThing.tags.{name}"));
        (c.expect, sent_body(c)["tags"].as_array().map_or(usize::MAX, Vec::len))
    };
    assert_eq!(count("more_than_max_items"), (Expect::Rejected, 4));
    assert_eq!(count("repeated_items"), (Expect::Rejected, 2));
    assert_eq!(count("empty_array"), (Expect::Rejected, 0));
    assert_eq!(case(&plan, "createThing.tags.wrong_item_type").expect, Expect::Rejected);
}

#[test]
fn objects_get_each_property_count_bound_and_one_past_it() {
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              properties:
                tags:
                  type: object
                  minProperties: 2
                  maxProperties: 3
                  additionalProperties: {type: string}",
    ));
    let count = |name: &str| {
        let c = case(&plan, &format!("createThing.tags.{name}"));
        (c.expect, sent_body(c)["tags"].as_object().map_or(0, |o| o.len()))
    };
    assert_eq!(count("below_min_properties"), (Expect::Rejected, 1));
    assert_eq!(count("min_properties"), (Expect::Accepted, 2));
    assert_eq!(count("max_properties"), (Expect::Accepted, 3));
    assert_eq!(count("above_max_properties"), (Expect::Rejected, 4));
}

#[test]
fn arrays_get_fewer_than_min_items_and_repeated_items() {
    let plan = planned(&post_spec(
        "3.0.3",
        "              type: object
              properties:
                tags: {type: array, minItems: 3, items: {type: string}}
                ids: {type: array, uniqueItems: true, minItems: 2, items: {type: integer}}",
    ));
    let fewer = case(&plan, "createThing.tags.fewer_than_min_items");
    assert_eq!(fewer.expect, Expect::Rejected);
    assert_eq!(sent_body(fewer)["tags"].as_array().unwrap().len(), 2);
    let repeated = case(&plan, "createThing.ids.repeated_items");
    assert_eq!(repeated.expect, Expect::Rejected);
    let ids = sent_body(repeated)["ids"].clone();
    assert_eq!(ids[0], ids[1]);
    // One item is fewer than two, and unique.
    assert_eq!(
        sent_body(case(&plan, "createThing.ids.fewer_than_min_items"))["ids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_pattern_no_fixed_candidate_matches_gets_values_made_from_it() {
    let spec = post_spec(
        "3.0.3",
        "              type: object
              required: [secret]
              properties:
                name: {type: string}
                secret: {type: string, pattern: '^whsec_[A-Za-z0-9+/=]{32,40}$', maxLength: 46}",
    );
    let plan = planned(&spec);
    assert!(
        !plan.notes.iter().any(|n| n.contains("not tested")),
        "{:#?}",
        plan.notes
    );
    let valid = case(&plan, "createThing.valid");
    let secret = sent_body(valid)["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.is_ascii(), "{secret}");
    // The same spec gives the same values on every run: snapshots stay stable.
    assert_eq!(
        sent_body(case(&planned(&spec), "createThing.valid"))["secret"],
        json!(secret)
    );
}

#[test]
fn a_get_with_links_is_not_the_create_and_says_so() {
    let plan = planned(
        "openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /board/{row}:
    get:
      operationId: get-square
      parameters:
        - {name: row, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 3}}
      responses:
        '200':
          description: ok
          links:
            markSquare:
              operationId: put-square
              parameters: {row: $request.path.row}
    put:
      operationId: put-square
      parameters:
        - {name: row, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 3}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: string}
      responses:
        '200': {description: ok}
",
    );
    assert!(plan.resources.is_empty());
    assert!(
        plan.notes
            .iter()
            .any(|n| n.starts_with("get-square: its links are not followed: a GET does not create")),
        "{:#?}",
        plan.notes
    );
}

#[test]
fn a_link_the_runner_cannot_follow_is_a_plan_note() {
    let plan = planned(
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        '201':
          description: made
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
          links:
            byHeader:
              operationId: getThing
              parameters: {id: $response.header.Location}
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
",
    );
    assert!(
        plan.notes.iter().any(|n| n.contains(
            "createThing: link `byHeader` to getThing not followed: `id` = `$response.header.Location` is not read"
        )),
        "{:#?}",
        plan.notes
    );
    assert!(plan.resources.is_empty());
    assert!(!case(&plan, "getThing.valid").needs_resource);
}

/// The value a case sends for parameter `name`, as planned.
fn param_value(case: &Case, name: &str) -> Option<super::ParamValue> {
    case.params.iter().find(|p| p.name == name).map(|p| p.value.clone())
}

#[test]
fn checked_parameters_get_their_keyword_edges_where_the_style_carries_them() {
    let plan = planned(
        "openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /things/{code}:
    get:
      operationId: listThings
      parameters:
        - {name: code, in: path, required: true, schema: {type: string, not: {const: none}}}
        - {name: role, in: query, schema: {type: string, not: {enum: [admin]}}}
        - {name: level, in: query, schema: {minimum: 3, maxLength: 4}}
        - {name: pick, in: query, schema: {enum: [1, one]}}
      responses:
        '200': {description: ok}
        '400': {description: refused}
",
    );
    let expect = |name: &str| {
        let c = case(&plan, &format!("listThings.{name}"));
        (c.expect, param_value(c, name.split('.').nth(1).unwrap()))
    };
    let text = |t: &str| Some(super::ParamValue::Text(t.into()));
    assert_eq!(expect("query.role.matches_not"), (Expect::Rejected, text("admin")));
    assert_eq!(expect("path.code.matches_not"), (Expect::Rejected, text("none")));
    // Each rule for its own JSON type: a number below the minimum is refused, and the
    // value written as text still reads as that number.
    assert_eq!(expect("query.level.below_minimum"), (Expect::Rejected, text("2.0")));
    assert_eq!(expect("query.level.minimum"), (Expect::Accepted, text("3.0")));
    assert_eq!(expect("query.level.longer_than_max_length").0, Expect::Rejected);
    assert_eq!(expect("query.level.max_length").0, Expect::Accepted);
    assert_eq!(expect("query.pick.value_0"), (Expect::Accepted, text("1")));
    assert_eq!(expect("query.pick.value_1"), (Expect::Accepted, text("one")));
    assert_eq!(expect("query.pick.outside").0, Expect::Rejected);
    // A number for a string parameter arrives as text: that edge cannot be sent, and the
    // plan says so.
    assert!(!has_case(&plan, "listThings.query.role.wrong_type"));
    assert!(
        plan.notes.iter().any(|n| n.starts_with(
            "listThings.query.role.wrong_type: 1.5 cannot be written as the parameter's style form with explode true (the server would read \"1.5\")"
        )),
        "{:#?}",
        plan.notes
    );
    // Every parameter case is judged again as the server reads it.
    let api = &plan.api;
    let op = &api.operations[0];
    for c in plan
        .cases
        .iter()
        .filter(|c| c.name.contains(".query.") || c.name.contains(".path."))
    {
        for p in &op.parameters {
            let Some(super::ParamValue::Text(t)) = param_value(c, &p.name) else {
                continue;
            };
            let read = super::as_read(p, &Value::String(t.clone())).unwrap();
            let valid = validate(api, &p.ty, &read).is_empty();
            if c.name.contains(&format!(".{}.", p.name)) {
                assert_eq!(valid, c.expect == Expect::Accepted, "{}: {read}", c.name);
            }
        }
    }
}

#[test]
fn a_struct_that_counts_its_keys_gets_each_bound_and_one_past_it() {
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              minProperties: 1
              maxProperties: 2
              properties:
                a: {type: string}
                b: {type: integer}
                c: {type: boolean}
                closed:
                  type: object
                  additionalProperties: false
                  maxProperties: 2
                  properties:
                    x: {type: string}
                    y: {type: string}
                open:
                  type: object
                  required: [p, q]
                  minProperties: 2
                  maxProperties: 3
                  properties:
                    p: {type: string}
                    q: {type: string}",
    ));
    let api = &plan.api;
    let body_ty = &api.operations[0].body.as_ref().unwrap().ty;
    // The valid body has the one property `minProperties` asks for.
    let valid = sent_body(case(&plan, "createThing.valid"));
    assert_eq!(valid.as_object().unwrap().len(), 1, "{valid}");
    assert!(validate(api, body_ty, &valid).is_empty(), "{valid}");
    let keys = |name: &str| {
        let c = case(&plan, &format!("createThing.{name}"));
        let body = sent_body(c);
        let owner = name.rsplit_once('.').unwrap().0;
        let object = if owner == "body" { &body } else { &body[owner] };
        let keys: Vec<String> = object.as_object().unwrap().keys().cloned().collect();
        // What the case expects is what the validator says of the body it sends.
        assert_eq!(
            validate(api, body_ty, &body).is_empty(),
            c.expect != Expect::Rejected,
            "{name}: {body}"
        );
        (c.expect, keys.join(","))
    };
    assert_eq!(keys("body.below_min_properties"), (Expect::Rejected, String::new()));
    assert_eq!(keys("body.min_properties"), (Expect::Accepted, "a".into()));
    assert_eq!(keys("body.max_properties"), (Expect::Accepted, "a,b".into()));
    assert_eq!(keys("body.above_max_properties"), (Expect::Rejected, "a,b,c".into()));
    // Nested: required properties first; made-up keys only where the object admits them,
    // and then either answer is right (servers may refuse unknown keys).
    assert_eq!(
        keys("open.max_properties"),
        (Expect::Either, "p,q,conformance_0".into())
    );
    assert_eq!(
        keys("open.above_max_properties"),
        (Expect::Rejected, "p,q,conformance_0,conformance_1".into())
    );
    assert_eq!(keys("closed.max_properties"), (Expect::Accepted, "x,y".into()));
    // Three keys from an object that has two and refuses others: no such case, said.
    assert!(!has_case(&plan, "createThing.closed.above_max_properties"));
    assert!(
        plan.notes.iter().any(|n| n
            == "createThing.closed.above_max_properties: 3 properties cannot be sent: the object refuses the keys it would take; left out"),
        "{:#?}",
        plan.notes
    );
    // Below two keys, `open` would lose a required property: not a count edge.
    assert_eq!(keys("open.min_properties"), (Expect::Accepted, "p,q".into()));
    assert!(!has_case(&plan, "createThing.open.below_min_properties"));
    assert!(
        plan.notes.iter().any(|n| n
            == "createThing.open.below_min_properties: 1 property cannot be sent: it would leave out a required property; left out"),
        "{:#?}",
        plan.notes
    );
}

#[test]
fn object_parameters_get_their_property_count_edges() {
    let plan = planned(
        "openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /events:
    get:
      operationId: listEvents
      parameters:
        - name: time
          in: query
          style: deepObject
          explode: true
          schema:
            type: object
            minProperties: 1
            maxProperties: 2
            properties:
              start: {type: string}
              end: {type: string}
              zone: {type: string}
      responses:
        '200': {description: ok}
        '400': {description: refused}
",
    );
    let count = |name: &str| {
        let c = case(&plan, &format!("listEvents.query.time.{name}"));
        let keys = match param_value(c, "time") {
            Some(super::ParamValue::Structured(Value::Object(o))) => o.len(),
            other => panic!("{name}: {other:?}"),
        };
        (c.expect, keys)
    };
    assert_eq!(count("min_properties"), (Expect::Accepted, 1));
    assert_eq!(count("max_properties"), (Expect::Accepted, 2));
    assert_eq!(count("above_max_properties"), (Expect::Rejected, 3));
    // No key at all is `time=` in the bracket form, read back as the empty object: sent.
    assert_eq!(count("below_min_properties"), (Expect::Rejected, 0));
}

#[test]
fn contains_gets_an_array_without_it_and_one_with_too_many() {
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              required: [roles]
              properties:
                name: {type: string}
                roles:
                  type: array
                  items: {type: string}
                  contains: {const: owner}
                  maxContains: 1",
    ));
    // The valid body holds an item `contains` admits.
    let valid = sent_body(case(&plan, "createThing.valid"));
    assert!(
        valid["roles"].as_array().is_some_and(|r| r.contains(&json!("owner"))),
        "{valid}"
    );
    let without = case(&plan, "createThing.roles.without_contained");
    assert_eq!(without.expect, Expect::Rejected);
    assert!(
        !sent_body(without)["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("owner"))
    );
    let many = case(&plan, "createThing.roles.more_than_max_contains");
    assert_eq!(
        (many.expect, sent_body(many)["roles"].clone()),
        (Expect::Rejected, json!(["owner", "owner"]))
    );
}

#[test]
fn unevaluated_properties_get_a_property_no_schema_evaluates() {
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              properties:
                owner:
                  allOf:
                    - properties: {id: {type: integer}}
                  unevaluatedProperties: false",
    ));
    let case = case(&plan, "createThing.owner.unevaluated_property");
    assert_eq!(case.expect, Expect::Rejected);
}

#[test]
fn unevaluated_items_get_an_item_past_the_evaluated_ones() {
    let plan = planned(&post_spec(
        "3.1.0",
        "              type: object
              properties:
                point:
                  type: array
                  prefixItems: [{type: number}, {type: number}]
                  unevaluatedItems: false",
    ));
    let case = case(&plan, "createThing.point.unevaluated_item");
    assert_eq!(case.expect, Expect::Rejected);
    assert_eq!(sent_body(case)["point"].as_array().map(Vec::len), Some(3));
}

#[test]
fn past_64_bits_is_refused_only_where_a_format_or_maximum_bounds_the_integer() {
    let plan = planned(&post_spec(
        "3.0.3",
        "              type: object
              properties:
                name: {type: string}
                start: {type: integer, default: 0}
                wide: {type: integer, format: int64}
                capped: {type: integer, maximum: 1000}",
    ));
    // JSON Schema admits 2^64 for an integer nothing bounds (uspto's `start`).
    assert!(!has_case(&plan, "createThing.start.past_64_bits"));
    assert_eq!(case(&plan, "createThing.wide.past_64_bits").expect, Expect::Rejected);
    assert_eq!(case(&plan, "createThing.capped.past_64_bits").expect, Expect::Rejected);
}

#[test]
fn a_missing_edge_never_empties_an_optional_form_body() {
    let spec = |required_body: bool| {
        format!(
            "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /search:
    post:
      operationId: search
      requestBody:
        required: {required_body}
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [criteria]
              properties:
                criteria: {{type: string}}
                start: {{type: integer}}
      responses:
        '200': {{description: found}}
        '422': {{description: refused}}
"
        )
    };
    // Without `criteria` nothing is left: an empty form reads as no body, which is allowed.
    let optional = planned(&spec(false));
    assert!(!has_case(&optional, "search.criteria.missing"));
    assert!(
        optional
            .notes
            .iter()
            .any(|n| n.starts_with("search.criteria.missing: the form body would have no field left")),
        "{:#?}",
        optional.notes
    );
    // A required body must have it: the empty form is a body without `criteria`.
    assert_eq!(
        case(&planned(&spec(true)), "search.criteria.missing").expect,
        Expect::Rejected
    );
}

/// A body that is an array gets the edges of its count and items, `[null]` among them, each
/// judged by the validator; an array field gets `null_item` where its items may not be null.
#[test]
fn array_bodies_and_array_items_get_edges() {
    let plan = planned(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /tags:
    post:
      operationId: setTags
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: array, maxItems: 3, items: {type: string}}
      responses: {'201': {description: set, content: {application/json: {schema: {type: object}}}}, '400': {description: refused}}
  /labels:
    post:
      operationId: setLabels
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                names: {type: array, items: {type: string}}
                maybe: {type: array, items: {type: [string, 'null']}}
      responses: {'201': {description: set, content: {application/json: {schema: {type: object}}}}, '400': {description: refused}}
"#,
    );
    let api = &plan.api;
    for (name, expect) in [
        ("setTags.body.more_than_max_items", Expect::Rejected),
        ("setTags.body.wrong_item_type", Expect::Rejected),
        ("setTags.body.null_item", Expect::Rejected),
        ("setTags.body.wrong_type", Expect::Rejected),
        ("setLabels.names.null_item", Expect::Rejected),
    ] {
        let c = case(&plan, name);
        assert_eq!(c.expect, expect, "{name}");
        let op = api.operation(&c.operation).unwrap();
        let valid = validate(api, &op.body.as_ref().unwrap().ty, &sent_body(c)).is_empty();
        assert_eq!(valid, expect == Expect::Accepted, "{name}: {}", sent_body(c));
    }
    assert_eq!(sent_body(case(&plan, "setTags.body.null_item")), json!([null]));
    assert!(!has_case(&plan, "setLabels.maybe.null_item"), "its items may be null");
}
