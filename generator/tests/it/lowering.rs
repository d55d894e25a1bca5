//! 3.0 and 3.1 spellings lower to the same model, and nothing 3.1 says is lost:
//! type arrays, `type: 'null'` branches, numeric exclusive bounds, `const`, keys beside
//! `$ref`, optional `paths`/`responses`, and `webhooks`.

use generator::model::{Api, Bound, Field, Presence, TypeKind, TypeRef};

fn load(text: &str) -> Api {
    generator::load_str(text, None).unwrap_or_else(|e| panic!("{e}"))
}

fn fields(api: &Api, name: &str) -> Vec<Field> {
    let def = api
        .types
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no type {name}"));
    match &def.kind {
        TypeKind::Struct(s) => s.fields.clone(),
        other => panic!("{name} is {other:?}"),
    }
}

fn rules_of(api: &Api, ty: &TypeRef) -> generator::model::Rules {
    match api.unalias(ty) {
        TypeRef::Named(id) => match &api.type_def(*id).kind {
            TypeKind::Constrained(c) => c.rules.clone(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// The same schema, written the 3.0 way and the 3.1 way.
const V30: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Kind: {type: string, enum: [a, b]}
    Thing:
      type: object
      required: [id, label]
      properties:
        id: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true}
        label: {type: string, nullable: true}
        note: {type: string, nullable: true}
        kind: {allOf: [{$ref: '#/components/schemas/Kind'}], default: b}
        fixed: {type: string, enum: [only]}
        score: {type: number, nullable: true, minimum: 1.5}
"#;

const V31: &str = r#"
openapi: 3.1.0
info: {title: t, version: '1'}
components:
  schemas:
    Kind: {type: string, enum: [a, b]}
    Thing:
      type: object
      required: [id, label]
      properties:
        id: {type: integer, exclusiveMinimum: 0, exclusiveMaximum: 10}
        label: {type: [string, 'null']}
        note: {anyOf: [{type: string}, {type: 'null'}]}
        kind: {$ref: '#/components/schemas/Kind', default: b, description: beside the ref}
        fixed: {const: only}
        score: {anyOf: [{type: number, minimum: 1.5}, {type: 'null'}]}
webhooks:
  thingChanged:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
"#;

#[test]
fn both_versions_lower_to_the_same_fields() {
    let (a, b) = (load(V30), load(V31));
    let (fa, fb) = (fields(&a, "Thing"), fields(&b, "Thing"));
    let shape = |api: &Api, f: &[Field]| -> Vec<(String, Presence, String)> {
        f.iter()
            .map(|f| {
                (
                    f.wire_name.clone(),
                    f.presence(),
                    format!("{:?}", api.unalias(&f.ty.ty)),
                )
            })
            .collect()
    };
    let (sa, sb) = (shape(&a, &fa), shape(&b, &fb));
    assert_eq!(
        sa.iter().map(|x| (&x.0, x.1)).collect::<Vec<_>>(),
        sb.iter().map(|x| (&x.0, x.1)).collect::<Vec<_>>()
    );
    let presences: Vec<Presence> = fa.iter().map(Field::presence).collect();
    assert_eq!(
        presences,
        [
            Presence::Required,
            Presence::RequiredNullable,
            Presence::OptionalNullable,
            Presence::Defaulted,
            Presence::Optional,
            Presence::OptionalNullable
        ]
    );
    for api in [&a, &b] {
        let f = fields(api, "Thing");
        let id = rules_of(api, &f[0].ty.ty);
        assert_eq!(
            id.minimum,
            Some(Bound {
                value: 0.0,
                exclusive: true
            })
        );
        assert_eq!(
            id.maximum,
            Some(Bound {
                value: 10.0,
                exclusive: true
            })
        );
        assert_eq!(f[3].default, Some(serde_json::json!("b")));
        assert!(
            matches!(api.unalias(&f[4].ty.ty), TypeRef::Named(id) if matches!(&api.type_def(*id).kind, TypeKind::Enum(v) if v.len() == 1 && v[0].wire == "only"))
        );
        assert_eq!(
            rules_of(api, &f[5].ty.ty).minimum,
            Some(Bound {
                value: 1.5,
                exclusive: false
            })
        );
    }
    assert_eq!(fb[3].description.as_deref(), Some("beside the ref"));
}

#[test]
fn webhooks_and_optional_paths_are_kept() {
    let api = load(V31);
    assert!(api.operations.is_empty(), "3.1 lets `paths` be absent");
    assert_eq!(api.webhooks.len(), 1);
    let hook = &api.webhooks[0];
    assert_eq!(hook.path, "thingChanged");
    assert!(hook.responses.is_empty(), "3.1 lets `responses` be absent");
    assert!(hook.body.is_some());
}

#[test]
fn keys_beside_a_ref_constrain_in_3_1_only() {
    let schema = |v: &str| {
        format!(
            "openapi: {v}\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    Name: {{type: string}}\n    Hook:\n      type: object\n      properties:\n        name: {{$ref: '#/components/schemas/Name', maxLength: 5}}\n"
        )
    };
    let api = load(&schema("3.1.0"));
    assert_eq!(rules_of(&api, &fields(&api, "Hook")[0].ty.ty).max_length, Some(5));
    let api = load(&schema("3.0.3"));
    assert_eq!(
        *api.unalias(&fields(&api, "Hook")[0].ty.ty),
        TypeRef::String,
        "3.0 ignores keys beside $ref"
    );
}

#[test]
fn extensions_are_ignored_everywhere_a_spec_may_carry_them() {
    // `x-source` on a parameter, on a property, beside a `$ref` and inside a union branch:
    // OpenAPI allows `x-*` keys anywhere, and they must neither warn nor change a type.
    let spec = |extension: &str| {
        format!(
            r#"
openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /things/{{id}}:
    get:
      operationId: getThing
      parameters:
        - name: id
          in: path
          required: true
          schema: {{type: string, format: uuid}}
          {extension}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Thing'}}
components:
  schemas:
    Kind: {{type: string, enum: [a, b]}}
    Thing:
      type: object
      {extension}
      properties:
        kind:
          $ref: '#/components/schemas/Kind'
          {extension}
        url:
          anyOf:
            - type: string
              maxLength: 9
              {extension}
            - type: 'null'
          {extension}
"#
        )
    };
    let plain = load(&spec(""));
    let marked = load(&spec("x-source: seeds/page.txt"));
    assert!(marked.warnings.is_empty(), "{:?}", marked.warnings);
    assert_eq!(format!("{:?}", marked.types), format!("{:?}", plain.types));
    assert_eq!(
        format!("{:?}", marked.operations[0].parameters),
        format!("{:?}", plain.operations[0].parameters)
    );
    assert_eq!(
        rules_of(&marked, &fields(&marked, "Thing")[1].ty.ty).max_length,
        Some(9)
    );
}

#[test]
fn recursive_types_are_boxed_and_discriminators_kept() {
    let api = load(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
components:
  schemas:
    Node:
      type: object
      properties:
        next: {$ref: '#/components/schemas/Node'}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
    Cat: {type: object, properties: {kind: {const: cat}}}
    Dog: {type: object, properties: {kind: {const: dog}}}
    Pet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator: {propertyName: kind}
"#,
    );
    let node = fields(&api, "Node");
    assert!(
        matches!(node[0].ty.ty, TypeRef::Boxed(_)),
        "a direct self-reference is boxed"
    );
    assert!(
        matches!(node[1].ty.ty, TypeRef::Array(_)),
        "a Vec already breaks the cycle"
    );
    let pet = api.types.iter().find(|t| t.name == "Pet").unwrap();
    let TypeKind::Union(u) = &pet.kind else {
        panic!("{:?}", pet.kind)
    };
    assert_eq!(u.discriminator.as_deref(), Some("kind"));
    assert_eq!(
        u.variants.iter().map(|v| v.tags.clone()).collect::<Vec<_>>(),
        [vec!["cat".to_owned()], vec!["dog".to_owned()]]
    );
}

#[test]
fn vendor_specs_keep_every_documented_detail() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/kejue.yaml");
    let api = generator::load(&path).unwrap();
    let create = fields(&api, "WebhookCreate");
    let secret = create.iter().find(|f| f.wire_name == "secret").unwrap();
    assert!(secret.write_only && secret.presence() == Presence::OptionalNullable);
    let op = api.operation("createWebhook").unwrap();
    assert!(!op.inferred && api.operation("listWebhooks").unwrap().inferred);
    let created = op.responses.iter().find(|r| r.status.is_success()).unwrap();
    let mut links: Vec<&str> = created.links.iter().map(|l| l.operation_id.as_str()).collect();
    links.sort();
    assert_eq!(links, ["deleteWebhook", "getWebhook", "updateWebhook"]);
    assert_eq!(api.base_path, "/api/v1");
}

#[test]
fn whole_number_floats_count_as_integers_in_3_1_only() {
    let spec = |v: &str| {
        format!(
            "openapi: {v}\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    N: {{type: integer}}\n"
        )
    };
    for (version, accepted) in [("3.1.0", true), ("3.0.3", false)] {
        let api = load(&spec(version));
        let n = generator::model::TypeUse::new(
            TypeRef::Named(
                api.types
                    .iter()
                    .position(|t| t.name == "N")
                    .map(generator::model::TypeId)
                    .unwrap(),
            ),
            false,
        );
        let ok = generator::model::validate::validate(&api, &n, &serde_json::json!(10.0)).is_empty();
        assert_eq!(ok, accepted, "{version}");
        assert!(!generator::model::validate::validate(&api, &n, &serde_json::json!(10.5)).is_empty());
    }
}

/// JSON Schema's reading: each rule applies only to its own JSON type, and what no precise
/// Rust type says (`not`, `oneOf` as exactly one, object rules without properties, values of
/// any JSON type, `type: 'null'`) is a checked value judged by all its keywords.
#[test]
fn checked_values_read_every_keyword_by_instance_type() {
    use generator::model::validate::validate;
    use serde_json::json;
    let api = load(
        r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    AtLeastOne: {minimum: 1}
    NotX: {type: string, not: {enum: [x]}}
    Exactly: {oneOf: [{type: integer}, {minimum: 2}]}
    Closed: {type: object, additionalProperties: false}
    Needs: {required: [a]}
    Values: {enum: [[1], {a: 1}, null]}
    Nothing: {type: 'null'}
"#,
    );
    let judge = |name: &str, value: serde_json::Value| {
        let id = api.types.iter().position(|t| t.name == name).unwrap();
        let ty = TypeRef::Named(generator::model::TypeId(id));
        assert!(api.checked_of(&ty).is_some(), "{name} is a checked value");
        validate(&api, &generator::model::TypeUse::new(ty, false), &value).is_empty()
    };
    assert!(judge("AtLeastOne", json!("x")) && judge("AtLeastOne", json!(null)) && !judge("AtLeastOne", json!(0)));
    assert!(judge("NotX", json!("y")) && !judge("NotX", json!("x")) && !judge("NotX", json!(1)));
    assert!(judge("Exactly", json!(1)) && judge("Exactly", json!(2.5)) && !judge("Exactly", json!(3)));
    assert!(judge("Closed", json!({})) && !judge("Closed", json!({"a": 1})));
    assert!(judge("Needs", json!({"a": null})) && judge("Needs", json!(1)) && !judge("Needs", json!({})));
    assert!(judge("Values", json!([1.0])) && judge("Values", json!(null)) && !judge("Values", json!({"a": 2})));
    assert!(judge("Nothing", json!(null)) && !judge("Nothing", json!(0)));
}

/// A key no keyword spells (`requird`, `nullabel`) is a warning with line and pointer that
/// names the keyword it is closest to; `x-` keys are extensions and say nothing.
#[test]
fn unknown_schema_keys_are_warnings_that_name_the_nearest_keyword() {
    let api = generator::load_str(
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Thing:
      type: object
      requird: [name]
      x-source: vendor page
      properties:
        name: {type: string, nullabel: true}
",
        Some(std::path::Path::new("spec.yaml")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].starts_with("spec.yaml:8:7: at #/components/schemas/Thing/requird:")
            && warnings[0].ends_with("found `requird` (did you mean `required`?)"),
        "{}",
        warnings[0]
    );
    assert!(warnings[1].contains("/properties/name/nullabel") && warnings[1].contains("did you mean `nullable`?"));
}

/// A parameter's default behind a `$ref` is read as a field's is.
#[test]
fn a_parameter_default_behind_a_ref_is_read() {
    let api = load(
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: limit, in: query, schema: {$ref: '#/components/schemas/Limit'}}
      responses:
        '200': {description: ok}
components:
  schemas:
    Limit: {type: integer, minimum: 1, default: 20}
",
    );
    let limit = &api.operation("listThings").unwrap().parameters[0];
    assert_eq!(limit.default, Some(serde_json::json!(20)));
}

/// Every OpenAPI object lowering reads is read the same way: `requird: true` on a parameter
/// is a warning naming `required`, not a parameter silently left optional; a misspelt
/// `content` of a response or `schema` of a media type is not a response without a body.
#[test]
fn unknown_fields_of_openapi_objects_are_warnings() {
    let api = load(
        "openapi: 3.0.3
info: {title: t, version: '1'}
component:
  schemas: {}
components:
  schema: {}
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key, descripton: typo}
paths:
  /things:
    summery: path item typo
    post:
      operationId: makeThing
      summery: typo
      parameters:
        - {name: dry_run, in: query, requird: true, schema: {type: boolean}}
      requestBody:
        requierd: true
        content:
          application/json:
            schema: {type: object}
            exmaple: {}
      responses:
        '201':
          description: made
          contnet:
            application/json:
              schema: {type: object}
        '400':
          description: refused
          content:
            application/json:
              shcema: {type: object}
",
    );
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    for (pointer, nearest) in [
        ("#/component:", "components"),
        ("#/components/schema:", "schemas"),
        ("#/components/securitySchemes/key/descripton:", "description"),
        ("/paths/~1things/summery", "summary"),
        ("/paths/~1things/post/summery", "summary"),
        ("/paths/~1things/post/parameters/0/requird", "required"),
        ("/paths/~1things/post/requestBody/requierd", "required"),
        (
            "/paths/~1things/post/requestBody/content/application~1json/exmaple",
            "example",
        ),
        ("/paths/~1things/post/responses/201/contnet", "content"),
        (
            "/paths/~1things/post/responses/400/content/application~1json/shcema",
            "schema",
        ),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(pointer) && w.contains(&format!("did you mean `{nearest}`?"))),
            "{pointer}: {warnings:#?}"
        );
    }
    assert_eq!(warnings.len(), 10, "{warnings:#?}");
}

/// A key its mapping repeats is a warning with its line: the parser kept only the last value.
#[test]
fn a_repeated_key_is_a_warning() {
    let api = generator::load_str(
        "openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Thing: {type: object}
    Thing: {type: string}
",
        Some(std::path::Path::new("spec.yaml")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].starts_with("spec.yaml:")
            && warnings[0].contains("#/components/schemas/Thing: the spec contradicts itself: the key appears twice"),
        "{}",
        warnings[0]
    );
}

/// Inline types of one shape are one type, named after the first; a different shape (other
/// values, another subject in messages) stays a type of its own, and components keep theirs.
#[test]
fn inline_types_of_one_shape_are_one_type() {
    let api = load(
        r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Status: {type: string, enum: [on, off]}
    Charge:
      type: object
      properties:
        status: {type: string, enum: [on, off], description: charge status}
        note: {type: string, maxLength: 10}
        extra: {type: object, properties: {size: {type: integer}}}
    Refund:
      type: object
      properties:
        status: {type: string, enum: [on, off], description: refund status}
        note: {type: string, maxLength: 10}
        extra: {type: object, properties: {size: {type: integer}}}
        other: {type: string, enum: [on, off, unknown]}
        memo: {type: string, maxLength: 10}
"#,
    );
    let type_name = |ty: &TypeRef| match ty {
        TypeRef::Named(id) => api.type_def(*id).name.clone(),
        other => panic!("{other:?}"),
    };
    let charge = fields(&api, "Charge");
    let refund = fields(&api, "Refund");
    for (c, r) in charge.iter().zip(&refund) {
        assert_eq!(type_name(&c.ty.ty), type_name(&r.ty.ty), "{}", c.wire_name);
    }
    assert_eq!(type_name(&charge[0].ty.ty), "ChargeStatus");
    // The component of the same shape is its own, named type.
    assert!(api.types.iter().any(|t| t.name == "Status"));
    assert_eq!(type_name(&refund[3].ty.ty), "RefundOther");
    // `memo` has the rules of `note`, but its messages name `memo`.
    assert_eq!(type_name(&refund[4].ty.ty), "RefundMemo");
    assert!(
        !api.types
            .iter()
            .any(|t| t.name.starts_with("RefundStatus") || t.name == "RefundNote")
    );
}
