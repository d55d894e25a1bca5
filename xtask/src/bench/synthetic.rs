//! Synthetic specs with the shapes of the two largest public specs, which are not available
//! here (no network): Stripe's (2.5 MB, OpenAPI 3.0: hundreds of inline enums repeated under
//! several parents, constrained fields everywhere, nested inline objects, `anyOf` of an object
//! and `""` for "unset") and GitHub's api.github.com (13 MB: ~1,000 operations, ~900 component
//! schemas, shared parameters and responses, nullable fields, `allOf`/`oneOf`). Built by code
//! from a fixed seed, so every run measures the same bytes; written to the bench's work folder,
//! never committed. The GitHub-shaped one is written over many files, as teams keep theirs
//! (issue 24): a regression in reading external references shows there first.

use serde_json::{Map, Value, json};

/// A synthetic spec: the bench's name for it and its files, the root first.
pub struct Synthetic {
    pub name: &'static str,
    pub files: Vec<SpecFile>,
}

/// One file of a synthetic spec: its path relative to the spec's folder and its JSON text.
pub struct SpecFile {
    pub path: String,
    pub text: String,
}

impl Synthetic {
    /// Writes the spec's files below `folder` (creating the folders they sit in); returns the
    /// root file's path, which the generator is given.
    pub fn write_into(&self, folder: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
        use anyhow::Context;
        for file in &self.files {
            let path = folder.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap_or(folder)).with_context(|| path.display().to_string())?;
            std::fs::write(&path, &file.text).with_context(|| path.display().to_string())?;
        }
        Ok(folder.join(&self.files[0].path))
    }

    /// The size of all its files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.text.len() as u64).sum()
    }
}

/// Both synthetic specs.
pub fn all() -> Vec<Synthetic> {
    vec![
        Synthetic {
            name: "wide-stripe-shaped",
            files: vec![SpecFile {
                path: "wide-stripe-shaped.json".into(),
                text: pretty(&stripe_shaped()),
            }],
        },
        Synthetic {
            name: "large-github-shaped",
            files: split_into_files(github_shaped()),
        },
    ]
}

/// The root file of a spec [`split_into_files`] writes.
const SPLIT_ROOT: &str = "openapi.json";

/// `spec` as the multi-file layout Redocly and Stoplight write: each path item in
/// `paths/<n>.json`, each component schema in `components/schemas/<name>.json` (the root's
/// `components/schemas` lists each by a reference to its file), and the rest in the root.
/// References are rewritten relative to the file they are in: between schema files
/// (`other.json`), from path files to schemas (`../components/schemas/x.json`) and back into
/// the root for shared parameters, responses and examples
/// (`../openapi.json#/components/parameters/page`). It generates the same crate as the spec in
/// one file (a test below).
fn split_into_files(mut spec: Value) -> Vec<SpecFile> {
    let schemas = spec["components"]
        .as_object_mut()
        .and_then(|c| c.remove("schemas"))
        .and_then(|s| match s {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    let paths = std::mem::take(spec["paths"].as_object_mut().expect("a synthetic spec has paths"));
    let mut files = Vec::new();
    let mut root_paths = Map::new();
    for (i, (path, mut item)) in paths.into_iter().enumerate() {
        let file = format!("paths/{i:04}.json");
        relocate_refs(&mut item, "../components/schemas/", &format!("../{SPLIT_ROOT}"));
        root_paths.insert(path, json!({ "$ref": file }));
        files.push(SpecFile {
            path: file,
            text: pretty(&item),
        });
    }
    let mut root_schemas = Map::new();
    for (name, mut schema) in schemas {
        let file = format!("components/schemas/{name}.json");
        relocate_refs(&mut schema, "", &format!("../../{SPLIT_ROOT}"));
        root_schemas.insert(name, json!({ "$ref": file }));
        files.push(SpecFile {
            path: file,
            text: pretty(&schema),
        });
    }
    spec["paths"] = Value::Object(root_paths);
    spec["components"]["schemas"] = Value::Object(root_schemas);
    relocate_refs(&mut spec, "components/schemas/", "");
    files.insert(
        0,
        SpecFile {
            path: SPLIT_ROOT.into(),
            text: pretty(&spec),
        },
    );
    files
}

/// Rewrites the local references in `value` for a file elsewhere than the root: a component
/// schema's to `<schemas><name>.json`, any other to `<root>#<pointer>`.
fn relocate_refs(value: &mut Value, schemas: &str, root: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            *target = format!("{schemas}{name}.json");
                        } else if !root.is_empty() {
                            *target = format!("{root}{target}");
                        }
                    }
                    _ => relocate_refs(child, schemas, root),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| relocate_refs(item, schemas, root)),
        _ => {}
    }
}

/// Two-space indented JSON, as both vendors publish theirs.
fn pretty(spec: &Value) -> String {
    serde_json::to_string_pretty(spec).expect("a JSON value always serializes")
}

/// SplitMix64: small, deterministic, no dependency; the same spec on every run and machine.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
const VOWELS: &[u8] = b"aeiou";

/// The `i`-th made-up word: consonant-vowel syllables of fixed width, so distinct numbers
/// give distinct words (two syllables up to 4,899, three after).
fn word(i: usize) -> String {
    let base = CONSONANTS.len() * VOWELS.len();
    let syllables = if i < base * base { 2 } else { 3 };
    let mut rest = i;
    let mut out = String::new();
    for _ in 0..syllables {
        let s = rest % base;
        rest /= base;
        out.push(CONSONANTS[s / VOWELS.len()] as char);
        out.push(VOWELS[s % VOWELS.len()] as char);
    }
    out
}

/// `count` distinct snake_case values, the first word from `start` on.
fn snake_values(start: usize, count: usize, words: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            (0..words)
                .map(|w| word(start + i * words + w))
                .collect::<Vec<_>>()
                .join("_")
        })
        .collect()
}

/// A sentence of made-up words, as long as a vendor's field description.
fn sentence(random: &mut Seeded, words: usize) -> String {
    let mut text: Vec<String> = (0..words).map(|_| word(random.between(0, 900))).collect();
    if let Some(first) = text.first_mut() {
        first[..1].make_ascii_uppercase();
    }
    format!("{}.", text.join(" "))
}

fn object(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Object(entries.into_iter().collect::<Map<String, Value>>())
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

// ---------------------------------------------------------------------------------------
// Stripe's shape

/// An enum that Stripe writes inline, again under each parent that uses it.
struct InlineEnum {
    field: String,
    values: Vec<String>,
    /// How many parents write it out.
    parents: usize,
}

/// The inline enums dealt out to fields: many small ones and a country list.
fn stripe_enums(random: &mut Seeded) -> Vec<InlineEnum> {
    let mut enums = Vec::new();
    let mut next_word = 0;
    for i in 0..260 {
        let count = if i % 10 == 0 {
            random.between(15, 45)
        } else {
            random.between(2, 9)
        };
        let words = random.between(1, 3);
        enums.push(InlineEnum {
            field: format!(
                "{}_{}",
                word(2000 + i),
                ["status", "type", "reason", "mode", "method"][i % 5]
            ),
            values: snake_values(next_word, count, words),
            parents: random.between(2, 5),
        });
        next_word += count * words;
    }
    let countries: Vec<String> = (0..240)
        .map(|i| {
            let a = (b'A' + (i / 26) as u8) as char;
            let b = (b'A' + (i % 26) as u8) as char;
            format!("{a}{b}")
        })
        .collect();
    enums.push(InlineEnum {
        field: "allowed_countries".into(),
        values: countries,
        parents: 4,
    });
    enums
}

/// A ~600-value merchant-category list (four copies in Stripe) and a ~1,200-value time-zone
/// list (three), each written out under its own parents.
fn stripe_large_enums() -> [InlineEnum; 2] {
    const REGIONS: &[&str] = &[
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Etc",
    ];
    let zones = (0..1200)
        .map(|i| {
            let mut city = word(4900 + i);
            city[..1].make_ascii_uppercase();
            format!("{}/{city}", REGIONS[i % REGIONS.len()])
        })
        .collect();
    [
        InlineEnum {
            field: "categories".into(),
            values: snake_values(3000, 600, 2),
            parents: 4,
        },
        InlineEnum {
            field: "timezone".into(),
            values: zones,
            parents: 3,
        },
    ]
}

fn stripe_enum_schema(random: &mut Seeded, e: &InlineEnum) -> Value {
    let mut schema = json!({
        "description": sentence(random, 12),
        "enum": e.values,
        "type": "string",
    });
    if e.values.len() < 50 {
        schema["x-stripeBypassValidation"] = json!(true);
    }
    schema
}

/// A field of a resource or of a request body, in Stripe's spellings.
fn stripe_scalar(random: &mut Seeded) -> Value {
    match random.between(0, 9) {
        0..=3 => json!({ "description": sentence(random, 10), "maxLength": 5000, "type": "string" }),
        4 => json!({ "description": sentence(random, 8), "type": "integer" }),
        5 => json!({ "description": sentence(random, 8), "minimum": 0, "maximum": 99_999_999, "type": "integer" }),
        6 => json!({ "description": sentence(random, 6), "type": "boolean" }),
        7 => json!({ "description": sentence(random, 6), "format": "unix-time", "type": "integer" }),
        8 => json!({ "description": sentence(random, 6), "format": "decimal", "type": "string" }),
        _ => {
            json!({ "description": sentence(random, 9), "maxLength": 5000, "pattern": "^[a-z]{2,8}_[A-Za-z0-9]+$", "type": "string" })
        }
    }
}

/// Stripe nests objects inline two or three levels deep (`payment_method_details.card.checks`).
fn stripe_inline_object(random: &mut Seeded, depth: usize, nullable: bool) -> Value {
    let mut properties = Map::new();
    let count = random.between(2, 6);
    for i in 0..count {
        let name = format!("{}_{}", word(random.between(0, 1500)), i);
        let value = if depth > 0 && random.chance(30) {
            {
                let nullable = random.chance(50);
                stripe_inline_object(random, depth - 1, nullable)
            }
        } else {
            stripe_scalar(random)
        };
        properties.insert(name, value);
    }
    let mut schema = json!({
        "description": sentence(random, 8),
        "properties": properties,
        "type": "object",
    });
    if nullable {
        schema["nullable"] = json!(true);
    }
    schema
}

/// Stripe's "unset" for an optional object in a request body: the object, or `""`.
fn emptyable(value: Value) -> Value {
    json!({ "anyOf": [value, { "enum": [""], "type": "string" }] })
}

fn metadata(random: &mut Seeded) -> Value {
    json!({
        "additionalProperties": { "maxLength": 500, "type": "string" },
        "description": sentence(random, 14),
        "nullable": true,
        "type": "object",
    })
}

/// Resource names such as `issuing.card` and `payment_intent`.
fn stripe_resource_name(i: usize) -> String {
    let base = format!("{}_{}", word(i * 2), word(i * 2 + 1));
    if i % 7 == 3 {
        format!("{}.{base}", word(4000 + i % 13))
    } else {
        base
    }
}

/// Each inline enum is handed out until its parents are used up; then the small ones again.
struct EnumDeal<'a> {
    enums: &'a [InlineEnum],
    left: Vec<usize>,
    next: usize,
}

impl<'a> EnumDeal<'a> {
    fn new(enums: &'a [InlineEnum]) -> Self {
        Self {
            enums,
            left: enums.iter().map(|e| e.parents).collect(),
            next: 0,
        }
    }

    fn next(&mut self) -> &'a InlineEnum {
        let n = self.enums.len();
        for step in 0..n {
            let i = (self.next + step) % n;
            if self.left[i] > 0 {
                self.left[i] -= 1;
                self.next = i + 1;
                return &self.enums[i];
            }
        }
        // Every parent served: from here on, the enums repeat once more.
        self.next = (self.next + 1) % n;
        &self.enums[self.next % n]
    }
}

/// ~2.5 MB in the shape of Stripe's spec3.json.
pub fn stripe_shaped() -> Value {
    let mut random = Seeded(0x5742_1BE5);
    let enums = stripe_enums(&mut random);
    let mut deal = EnumDeal::new(&enums);
    const RESOURCES: usize = 70;
    const SUB_OBJECTS: usize = 170;
    let resources: Vec<String> = (0..RESOURCES).map(stripe_resource_name).collect();
    let subs: Vec<String> = (0..SUB_OBJECTS)
        .map(|i| format!("{}_details", stripe_resource_name(RESOURCES + i)))
        .collect();

    let mut schemas = Map::new();
    schemas.insert(
        "error".into(),
        json!({
            "description": "An error response from the API.",
            "properties": { "error": { "$ref": "#/components/schemas/api_errors" } },
            "required": ["error"],
            "type": "object",
        }),
    );
    schemas.insert(
        "api_errors".into(),
        json!({
            "properties": {
                "code": { "maxLength": 5000, "type": "string" },
                "message": { "maxLength": 40000, "type": "string" },
                "param": { "maxLength": 5000, "type": "string" },
                "type": { "enum": ["api_error", "card_error", "idempotency_error", "invalid_request_error"], "type": "string" },
            },
            "required": ["type"],
            "type": "object",
        }),
    );
    // Sub-objects: components referenced from resources, with their own inline enums; the
    // first seven hold the large enums, one copy each (`spending_controls`, `settings`).
    let [categories, timezone] = stripe_large_enums();
    for (i, name) in subs.iter().enumerate() {
        let mut properties = Map::new();
        let mut required = Vec::new();
        if i < categories.parents {
            let field = format!("{}_{}", ["allowed", "blocked"][i % 2], categories.field);
            let items = stripe_enum_schema(&mut random, &categories);
            properties.insert(
                field,
                json!({ "description": sentence(&mut random, 12), "items": items, "nullable": true, "type": "array" }),
            );
        } else if i < categories.parents + timezone.parents {
            properties.insert(timezone.field.clone(), stripe_enum_schema(&mut random, &timezone));
        }
        for p in 0..random.between(3, 9) {
            let field = format!("{}_{p}", word(random.between(0, 1500)));
            let value = match random.between(0, 9) {
                0..=2 => {
                    let e = deal.next();
                    properties.insert(e.field.clone(), stripe_enum_schema(&mut random, e));
                    required.push(e.field.clone());
                    continue;
                }
                3 => stripe_inline_object(&mut random, 1, true),
                4 if i > 0 => json!({ "anyOf": [schema_ref(&subs[random.between(0, i - 1)])], "nullable": true }),
                _ => stripe_scalar(&mut random),
            };
            if random.chance(60) {
                required.push(field.clone());
            }
            properties.insert(field, value);
        }
        let description = sentence(&mut random, 16);
        schemas.insert(name.clone(), stripe_component(description, properties, &required, name));
    }
    let mut paths = Map::new();
    for (i, name) in resources.iter().enumerate() {
        let mut properties = Map::new();
        properties.insert(
            "id".into(),
            json!({ "description": "Unique identifier for the object.", "maxLength": 5000, "type": "string" }),
        );
        properties.insert("object".into(), json!({ "enum": [name], "type": "string" }));
        properties.insert("created".into(), json!({ "format": "unix-time", "type": "integer" }));
        properties.insert("livemode".into(), json!({ "type": "boolean" }));
        properties.insert("metadata".into(), metadata(&mut random));
        let mut required = vec!["id", "object", "created", "livemode"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        let mut writable = Vec::new();
        for p in 0..random.between(5, 12) {
            let field = format!("{}_{p}", word(random.between(0, 1500)));
            let value = match random.between(0, 11) {
                0..=3 => {
                    let e = deal.next();
                    let schema = stripe_enum_schema(&mut random, e);
                    writable.push((e.field.clone(), schema.clone()));
                    properties.insert(e.field.clone(), schema);
                    required.push(e.field.clone());
                    continue;
                }
                4 => {
                    let schema = stripe_inline_object(&mut random, 1, true);
                    writable.push((field.clone(), schema.clone()));
                    schema
                }
                5 => {
                    json!({ "anyOf": [schema_ref(&subs[random.between(0, SUB_OBJECTS - 1)])], "nullable": true, "description": sentence(&mut random, 9) })
                }
                6 if i > 0 => {
                    let other = &resources[random.between(0, i - 1)];
                    json!({
                        "anyOf": [{ "maxLength": 5000, "type": "string" }, schema_ref(other)],
                        "description": sentence(&mut random, 7),
                        "nullable": true,
                        "x-expansionResources": { "oneOf": [schema_ref(other)] },
                    })
                }
                7 => {
                    json!({ "items": schema_ref(&subs[random.between(0, SUB_OBJECTS - 1)]), "type": "array", "description": sentence(&mut random, 7) })
                }
                _ => {
                    let schema = stripe_scalar(&mut random);
                    writable.push((field.clone(), schema.clone()));
                    schema
                }
            };
            properties.insert(field, value);
        }
        let mut schema = stripe_component(sentence(&mut random, 30), properties, &required, name);
        schema["x-resourceId"] = json!(name);
        schemas.insert(name.clone(), schema);
        let collection = format!("/v1/{}s", name.replace('.', "/"));
        let item = format!("{collection}/{{id}}");
        let list = stripe_list(&mut random, name, &collection);
        let create = stripe_write(&mut random, name, &writable, &collection, None);
        let retrieve = stripe_retrieve(&mut random, name);
        let update = stripe_write(&mut random, name, &writable, &item, Some("update"));
        let mut collection_item = json!({ "get": list, "post": create });
        let mut item_item = json!({ "get": retrieve, "post": update });
        if i % 3 == 0 {
            item_item["delete"] = stripe_operation(
                &mut random,
                &format!("Delete{}", camel(name)),
                vec![id_parameter()],
                None,
                name,
            );
        }
        if i % 4 == 1 {
            // Some resources have actions (`/v1/payment_intents/{id}/confirm`).
            let action = format!("{item}/{}", word(3500 + i));
            let body = stripe_write(
                &mut random,
                name,
                &writable[..writable.len().min(3)],
                &action,
                Some("action"),
            );
            paths.insert(action, json!({ "post": body }));
        }
        if i % 5 == 2 {
            // Some resources preview with nested lines (`/v1/invoices/upcoming`).
            paths.insert(format!("{collection}/preview"), json!({ "get": stripe_preview(name) }));
        }
        collection_item = sorted(collection_item);
        item_item = sorted(item_item);
        paths.insert(collection, collection_item);
        paths.insert(item, item_item);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Stripe-shaped API",
            "version": "2026-01-01",
            "description": "A synthetic spec in the shape of Stripe's: inline enums repeated under several parents, constrained fields, nested inline objects, nested deepObject parameters and form fields.",
        },
        "servers": [{ "url": "https://api.stripe-shaped.invalid/" }],
        "security": [{ "basicAuth": [] }, { "bearerAuth": [] }],
        "components": {
            "securitySchemes": {
                "basicAuth": { "scheme": "basic", "type": "http" },
                "bearerAuth": { "bearerFormat": "auth-scheme", "scheme": "bearer", "type": "http" },
            },
            "schemas": schemas,
        },
        "paths": paths,
    })
}

/// A component schema as Stripe writes one.
fn stripe_component(description: String, properties: Map<String, Value>, required: &[String], title: &str) -> Value {
    json!({
        "description": description,
        "properties": properties,
        "required": required,
        "title": title,
        "type": "object",
        "x-expandableFields": [],
    })
}

fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            object(entries)
        }
        other => other,
    }
}

/// `issuing.card_holder` → `IssuingCardHolder`, for operationIds as Stripe writes them.
fn camel(name: &str) -> String {
    name.split(['.', '_'])
        .map(|part| {
            let mut p = part.to_owned();
            if let Some(first) = p.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            p
        })
        .collect()
}

fn id_parameter() -> Value {
    json!({ "in": "path", "name": "id", "required": true, "schema": { "maxLength": 5000, "type": "string" }, "style": "simple" })
}

fn expand_parameter() -> Value {
    json!({
        "description": "Specifies which fields in the response should be expanded.",
        "explode": true,
        "in": "query",
        "name": "expand",
        "required": false,
        "schema": { "items": { "maxLength": 5000, "type": "string" }, "type": "array" },
        "style": "deepObject",
    })
}

fn stripe_operation(
    random: &mut Seeded,
    id: &str,
    parameters: Vec<Value>,
    body: Option<Value>,
    returns: &str,
) -> Value {
    let mut op = json!({
        "description": format!("<p>{}</p>", sentence(random, 25)),
        "operationId": id,
        "parameters": parameters,
        "responses": {
            "200": {
                "content": { "application/json": { "schema": schema_ref(returns) } },
                "description": "Successful response.",
            },
            "default": {
                "content": { "application/json": { "schema": schema_ref("error") } },
                "description": "Error response.",
            },
        },
    });
    if let Some(body) = body {
        op["requestBody"] = body;
    }
    op
}

fn stripe_retrieve(random: &mut Seeded, name: &str) -> Value {
    let body = json!({
        "content": { "application/x-www-form-urlencoded": { "encoding": {}, "schema": { "additionalProperties": false, "properties": {}, "type": "object" } } },
        "required": false,
    });
    stripe_operation(
        random,
        &format!("Get{}sId", camel(name)),
        vec![expand_parameter(), id_parameter()],
        Some(body),
        name,
    )
}

fn stripe_list(random: &mut Seeded, name: &str, collection: &str) -> Value {
    let range = json!({
        "anyOf": [
            {
                "properties": {
                    "gt": { "type": "integer" },
                    "gte": { "type": "integer" },
                    "lt": { "type": "integer" },
                    "lte": { "type": "integer" },
                },
                "title": "range_query_specs",
                "type": "object",
            },
            { "type": "integer" },
        ],
    });
    let parameters = vec![
        json!({ "explode": true, "in": "query", "name": "created", "required": false, "schema": range, "style": "deepObject" }),
        json!({ "in": "query", "name": "ending_before", "required": false, "schema": { "maxLength": 5000, "type": "string" }, "style": "form" }),
        expand_parameter(),
        json!({ "in": "query", "name": "limit", "required": false, "schema": { "type": "integer" }, "style": "form" }),
        json!({ "in": "query", "name": "starting_after", "required": false, "schema": { "maxLength": 5000, "type": "string" }, "style": "form" }),
    ];
    let mut op = stripe_operation(random, &format!("Get{}s", camel(name)), parameters, None, name);
    op["responses"]["200"]["content"]["application/json"]["schema"] = json!({
        "description": "",
        "properties": {
            "data": { "items": schema_ref(name), "type": "array" },
            "has_more": { "description": "True if this list has another page of items after this one that can be fetched.", "type": "boolean" },
            "object": { "enum": ["list"], "type": "string" },
            "url": { "maxLength": 5000, "pattern": format!("^{collection}"), "type": "string" },
        },
        "required": ["data", "has_more", "object", "url"],
        "title": format!("{}List", camel(name)),
        "type": "object",
        "x-expandableFields": ["data"],
    });
    op
}

/// Stripe's invoice lines, nested as its form bodies and deepObject parameters nest them
/// (`lines[0][amount]=100&lines[0][tax_rates][0]=txr_1&lines[0][period][start]=1`): an array
/// of objects with an array, an object and a map inside. Built without the seeded generator,
/// so that the rest of the spec stays as it was.
fn stripe_lines() -> Value {
    json!({
        "items": {
            "properties": {
                "amount": { "type": "integer" },
                "description": { "maxLength": 5000, "type": "string" },
                "metadata": emptyable(json!({ "additionalProperties": { "type": "string" }, "type": "object" })),
                "period": {
                    "properties": { "end": { "type": "integer" }, "start": { "type": "integer" } },
                    "required": ["end", "start"],
                    "title": "period",
                    "type": "object",
                },
                "quantity": { "minimum": 0, "type": "integer" },
                "tax_rates": emptyable(json!({ "items": { "maxLength": 5000, "type": "string" }, "type": "array" })),
            },
            "title": "invoice_line_item_params",
            "type": "object",
        },
        "type": "array",
    })
}

/// A preview (`GET /v1/invoices/upcoming`): nested deepObject query parameters (`lines`,
/// `created` as a range or an integer), built without the seeded generator.
fn stripe_preview(name: &str) -> Value {
    json!({
        "description": "<p>Previews the resource as it would be with these lines.</p>",
        "operationId": format!("Get{}sPreview", camel(name)),
        "parameters": [
            { "explode": true, "in": "query", "name": "lines", "required": false, "schema": stripe_lines(), "style": "deepObject" },
            expand_parameter(),
        ],
        "responses": {
            "200": {
                "content": { "application/json": { "schema": schema_ref(name) } },
                "description": "Successful response.",
            },
            "default": {
                "content": { "application/json": { "schema": schema_ref("error") } },
                "description": "Error response.",
            },
        },
    })
}

/// A create or update: a form body that writes the resource's fields again, enums inline,
/// objects as `anyOf: [object, ""]`, plus `expand` and `metadata` (and, for a create, nested
/// `lines`).
fn stripe_write(
    random: &mut Seeded,
    name: &str,
    writable: &[(String, Value)],
    path: &str,
    kind: Option<&str>,
) -> Value {
    let mut properties = Map::new();
    let mut encoding = Map::new();
    properties.insert(
        "expand".into(),
        json!({ "description": "Specifies which fields in the response should be expanded.", "items": { "maxLength": 5000, "type": "string" }, "type": "array" }),
    );
    encoding.insert("expand".into(), json!({ "explode": true, "style": "deepObject" }));
    properties.insert(
        "metadata".into(),
        emptyable(json!({ "additionalProperties": { "type": "string" }, "type": "object" })),
    );
    encoding.insert("metadata".into(), json!({ "explode": true, "style": "deepObject" }));
    if kind.is_none() {
        properties.insert("lines".into(), stripe_lines());
        encoding.insert("lines".into(), json!({ "explode": true, "style": "deepObject" }));
    }
    for (field, schema) in writable {
        let mut schema = schema.clone();
        if let Some(map) = schema.as_object_mut() {
            map.remove("nullable");
        }
        let value = if schema.get("properties").is_some() {
            encoding.insert(field.clone(), json!({ "explode": true, "style": "deepObject" }));
            let mut inner = schema;
            inner["title"] = json!(format!("{field}_params"));
            if random.chance(50) { emptyable(inner) } else { inner }
        } else {
            schema
        };
        properties.insert(field.clone(), value);
    }
    let body = json!({
        "content": {
            "application/x-www-form-urlencoded": {
                "encoding": encoding,
                "schema": { "additionalProperties": false, "properties": properties, "type": "object" },
            },
        },
        "required": false,
    });
    let id = match kind {
        None => format!("Post{}s", camel(name)),
        Some("update") => format!("Post{}sId", camel(name)),
        Some(_) => format!("Post{}", camel(&path.replace(['/', '{', '}'], "_"))),
    };
    let parameters = if path.contains("{id}") {
        vec![id_parameter()]
    } else {
        Vec::new()
    };
    stripe_operation(random, &id, parameters, Some(body), name)
}

// ---------------------------------------------------------------------------------------
// GitHub's shape

const GITHUB_FAMILIES: &[&str] = &[
    "repos",
    "issues",
    "pulls",
    "orgs",
    "users",
    "teams",
    "actions",
    "checks",
    "git",
    "gists",
    "apps",
    "billing",
    "code-scanning",
    "dependabot",
    "packages",
    "projects",
    "reactions",
    "search",
    "secret-scanning",
    "migrations",
    "codespaces",
    "copilot",
    "security-advisories",
    "interactions",
    "activity",
];

/// Shared parameters, as `#/components/parameters/NAME`: (name, in, schema).
fn github_parameters(random: &mut Seeded, resources: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut path = |name: &str, schema: Value, random: &mut Seeded| {
        out.insert(
            name.to_owned(),
            json!({ "name": name.replace('-', "_"), "description": sentence(random, 14), "in": "path", "required": true, "schema": schema }),
        );
    };
    path("owner", json!({ "type": "string" }), random);
    path("repo", json!({ "type": "string" }), random);
    path("org", json!({ "type": "string" }), random);
    path("username", json!({ "type": "string" }), random);
    for r in resources {
        path(&format!("{r}-id"), json!({ "type": "integer" }), random);
    }
    out.insert("per-page".into(), json!({ "name": "per_page", "description": "The number of results per page (max 100).", "in": "query", "schema": { "type": "integer", "default": 30 } }));
    out.insert("page".into(), json!({ "name": "page", "description": "The page number of the results to fetch.", "in": "query", "schema": { "type": "integer", "default": 1 } }));
    out.insert("since".into(), json!({ "name": "since", "description": "Only show results that were last updated after the given time.", "in": "query", "schema": { "type": "string", "format": "date-time" } }));
    out.insert("before".into(), json!({ "name": "before", "description": "Only show results that were last updated before the given time.", "in": "query", "schema": { "type": "string", "format": "date-time" } }));
    out.insert("direction".into(), json!({ "name": "direction", "description": "The direction to sort the results by.", "in": "query", "schema": { "type": "string", "enum": ["asc", "desc"] } }));
    out.insert("state".into(), json!({ "name": "state", "description": "Indicates the state to return.", "in": "query", "schema": { "type": "string", "enum": ["open", "closed", "all"], "default": "open" } }));
    out
}

/// Shared responses, as `#/components/responses/NAME`.
fn github_responses() -> Value {
    let error = |description: &str, schema: &str| json!({ "description": description, "content": { "application/json": { "schema": schema_ref(schema) } } });
    json!({
        "not_found": error("Resource not found", "basic-error"),
        "forbidden": error("Forbidden", "basic-error"),
        "requires_authentication": error("Requires authentication", "basic-error"),
        "bad_request": error("Bad Request", "basic-error"),
        "gone": error("Gone", "basic-error"),
        "conflict": error("Conflict", "basic-error"),
        "validation_failed": error("Validation failed, or the endpoint has been spammed.", "validation-error"),
        "not_modified": { "description": "Not modified" },
        "accepted": { "description": "Accepted", "content": { "application/json": { "schema": { "type": "object" } } } },
        "service_unavailable": {
            "description": "Service unavailable",
            "content": { "application/json": { "schema": {
                "type": "object",
                "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "documentation_url": { "type": "string" } },
            } } },
        },
    })
}

/// A GitHub field: (schema, an example value for it).
fn github_field(random: &mut Seeded, name: &str, schemas: &[String], index: usize) -> (Value, Value) {
    let words = random.between(4, 18);
    let description = sentence(random, words);
    match random.between(0, 13) {
        0 => (
            json!({ "type": "integer", "format": "int64", "description": description }),
            json!(random.between(1, 99_999)),
        ),
        1 => (
            json!({ "type": "string", "format": "uri", "description": description }),
            json!(format!("https://api.github.com/{name}/{}", random.between(1, 999))),
        ),
        2 => (
            json!({ "type": "string", "format": "date-time", "nullable": true, "description": description }),
            json!("2011-01-26T19:01:12Z"),
        ),
        3 => (
            json!({ "type": "string", "nullable": true, "description": description }),
            json!(sentence(random, 4)),
        ),
        4 => (
            json!({ "type": "boolean", "description": description }),
            json!(random.chance(50)),
        ),
        5 => (
            json!({ "type": "string", "enum": ["open", "closed", "draft", "merged"], "description": description }),
            json!("open"),
        ),
        6 if index > 0 => {
            let target = &schemas[random.between(0, index - 1)];
            (
                json!({ "allOf": [schema_ref(target)], "nullable": true, "description": description }),
                Value::Null,
            )
        }
        7 if index > 0 => {
            let target = &schemas[random.between(0, index - 1)];
            (
                json!({ "type": "array", "items": schema_ref(target), "description": description }),
                json!([]),
            )
        }
        8 => (
            json!({ "type": "string", "format": "email", "nullable": true, "description": description }),
            json!("octocat@github.com"),
        ),
        9 => (
            json!({ "type": "integer", "minimum": 0, "description": description }),
            json!(random.between(0, 500)),
        ),
        10 if index > 1 => {
            let a = &schemas[random.between(0, index - 1)];
            let b = &schemas[random.between(0, index - 1)];
            if a == b {
                (json!({ "type": "string", "description": description }), json!("text"))
            } else {
                (
                    json!({ "oneOf": [schema_ref(a), schema_ref(b)], "description": description }),
                    Value::Null,
                )
            }
        }
        11 => (
            json!({ "type": "object", "nullable": true, "description": description, "properties": {
                "total": { "type": "integer" }, "completed": { "type": "integer" }, "url": { "type": "string", "format": "uri" } } }),
            json!({ "total": 3, "completed": 1, "url": "https://api.github.com/x" }),
        ),
        _ => (
            json!({ "type": "string", "description": description, "examples": [name] }),
            json!(format!("{name}-{}", random.between(0, 99))),
        ),
    }
}

/// Whether the `i`-th schema is a `oneOf` of two others.
fn is_github_union(i: usize) -> bool {
    i > 10 && i.is_multiple_of(23) && !i.is_multiple_of(10)
}

/// ~13 MB in the shape of api.github.com's description.
pub fn github_shaped() -> Value {
    let mut random = Seeded(0x0061_7148_550B);
    const SCHEMAS: usize = 900;
    let names: Vec<String> = (0..SCHEMAS)
        .map(|i| format!("{}-{}", word(i * 3 + 11), word(i * 3 + 12)))
        .collect();
    let mut schemas = Map::new();
    let mut examples = Map::new();
    schemas.insert(
        "basic-error".into(),
        json!({ "title": "Basic Error", "type": "object", "properties": {
            "message": { "type": "string" }, "documentation_url": { "type": "string" }, "url": { "type": "string" }, "status": { "type": "string" } } }),
    );
    schemas.insert(
        "validation-error".into(),
        json!({ "title": "Validation Error", "type": "object", "required": ["message", "documentation_url"], "properties": {
            "message": { "type": "string" }, "documentation_url": { "type": "string" },
            "errors": { "type": "array", "items": { "type": "object", "required": ["code"], "properties": {
                "resource": { "type": "string" }, "field": { "type": "string" }, "message": { "type": "string" }, "code": { "type": "string" },
                "index": { "type": "integer" },
                "value": { "oneOf": [{ "type": "string", "nullable": true }, { "type": "integer", "nullable": true }, { "type": "array", "nullable": true, "items": { "type": "string" } }] } } } } } }),
    );
    for (i, name) in names.iter().enumerate() {
        let mut properties = Map::new();
        let mut example = Map::new();
        let mut required = vec![Value::from("id"), Value::from("node_id"), Value::from("url")];
        properties.insert(
            "id".into(),
            json!({ "type": "integer", "format": "int64", "description": "Unique identifier.", "examples": [42] }),
        );
        properties.insert(
            "node_id".into(),
            json!({ "type": "string", "examples": ["MDQ6VXNlcjE="] }),
        );
        properties.insert(
            "url".into(),
            json!({ "type": "string", "format": "uri", "examples": [format!("https://api.github.com/{name}/1")] }),
        );
        example.insert("id".into(), json!(i + 1));
        example.insert("node_id".into(), json!("MDQ6VXNlcjE="));
        example.insert("url".into(), json!(format!("https://api.github.com/{name}/1")));
        for p in 0..random.between(8, 40) {
            let field = format!(
                "{}_{}",
                word(random.between(0, 1200)),
                ["url", "count", "at", "id", "name", "state"][p % 6]
            );
            let (schema, value) = github_field(&mut random, &field, &names, i);
            if random.chance(40) {
                required.push(Value::from(field.clone()));
            }
            properties.insert(field.clone(), schema);
            example.insert(field, value);
        }
        let mut schema = json!({
            "title": name.replace('-', " "),
            "description": sentence(&mut random, 20),
            "type": "object",
            "properties": properties,
            "required": required,
        });
        if i > 10 && i % 10 == 0 {
            // `full-x`: everything of another schema, and more; never of a `oneOf`, which
            // `allOf` cannot merge (nor does GitHub ask it to).
            let mut base = random.between(0, i - 1);
            while is_github_union(base) {
                base -= 1;
            }
            let base = &names[base];
            schema = json!({ "title": name.replace('-', " "), "allOf": [schema_ref(base), schema] });
        } else if is_github_union(i) {
            let a = &names[random.between(0, i / 2)];
            let b = &names[random.between(i / 2 + 1, i - 1)];
            schema = json!({ "title": name.replace('-', " "), "oneOf": [schema_ref(a), schema_ref(b)] });
        }
        schemas.insert(name.clone(), schema);
        // GitHub's bulk: an example of each resource, and of lists of it.
        let example = Value::Object(example);
        examples.insert(name.clone(), json!({ "value": example }));
        examples.insert(
            format!("{name}-items"),
            json!({ "value": [example.clone(), example.clone(), example] }),
        );
    }
    let parameters = github_parameters(&mut random, &names[..120]);
    let mut paths = Map::new();
    let mut operations = 0;
    let mut p = 0;
    while operations < 1000 {
        let family = GITHUB_FAMILIES[p % GITHUB_FAMILIES.len()];
        let resource = &names[p % names.len()];
        let scope = ["repos/{owner}/{repo}", "orgs/{org}", "users/{username}"][p % 3];
        let scope_params: &[&str] = [&["owner", "repo"][..], &["org"][..], &["username"][..]][p % 3];
        let plural = format!("{}s", word(5000 + p));
        let collection = format!("/{scope}/{plural}");
        let id_param = &names[p % 120];
        let item = format!("{collection}/{{{}}}", format!("{id_param}-id").replace('-', "_"));
        let common: Vec<Value> = scope_params
            .iter()
            .map(|n| json!({ "$ref": format!("#/components/parameters/{n}") }))
            .collect();
        let mut item_params = common.clone();
        item_params.push(json!({ "$ref": format!("#/components/parameters/{id_param}-id") }));
        let op = |random: &mut Seeded, verb: &str, summary: &str, params: Vec<Value>| {
            let words = random.between(20, 60);
            json!({
                "summary": summary,
                "description": format!("{} See \"[{summary}](https://docs.github.com/rest/{family})\".", sentence(random, words)),
                "tags": [family],
                "operationId": format!("{family}/{verb}-{plural}-{p}"),
                "externalDocs": { "description": "API method documentation", "url": format!("https://docs.github.com/rest/{family}/{plural}") },
                "parameters": params,
                "x-github": { "githubCloudOnly": false, "enabledForGitHubApps": true, "category": family, "subcategory": plural },
            })
        };
        let errors = |codes: &[(&str, &str)]| -> Map<String, Value> {
            codes
                .iter()
                .map(|(code, name)| {
                    (
                        (*code).to_owned(),
                        json!({ "$ref": format!("#/components/responses/{name}") }),
                    )
                })
                .collect()
        };
        // An answer with one of the resource, and its example.
        let one_resource = || {
            json!({
                "description": "Response",
                "content": { "application/json": {
                    "schema": schema_ref(resource),
                    "examples": { "default": { "$ref": format!("#/components/examples/{resource}") } },
                } },
            })
        };
        let mut list_params = common.clone();
        list_params.extend(
            ["per-page", "page", "since", "direction", "state"]
                .iter()
                .map(|n| json!({ "$ref": format!("#/components/parameters/{n}") })),
        );
        let mut list = op(&mut random, "list", &format!("List {plural}"), list_params);
        let mut responses = errors(&[("304", "not_modified"), ("403", "forbidden"), ("404", "not_found")]);
        responses.insert(
            "200".into(),
            json!({
                "description": "Response",
                "content": { "application/json": {
                    "schema": { "type": "array", "items": schema_ref(resource) },
                    "examples": { "default": { "$ref": format!("#/components/examples/{resource}-items") } },
                } },
                "headers": { "Link": { "$ref": "#/components/headers/link" } },
            }),
        );
        list["responses"] = sorted(Value::Object(responses));
        let mut create_props = Map::new();
        for f in 0..random.between(2, 8) {
            let field = format!("{}_{f}", word(random.between(0, 1200)));
            let (schema, _) = github_field(&mut random, &field, &names, 0);
            create_props.insert(field, schema);
        }
        let first_field = create_props.keys().next().cloned().unwrap_or_default();
        let mut create = op(&mut random, "create", &format!("Create a {plural}"), common.clone());
        create["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": { "type": "object", "properties": create_props, "required": [first_field] } } },
        });
        let mut responses = errors(&[("403", "forbidden"), ("404", "not_found"), ("422", "validation_failed")]);
        responses.insert("201".into(), one_resource());
        create["responses"] = Value::Object(responses);
        let mut get = op(&mut random, "get", &format!("Get a {plural}"), item_params.clone());
        let mut responses = errors(&[("304", "not_modified"), ("403", "forbidden"), ("404", "not_found")]);
        responses.insert("200".into(), one_resource());
        get["responses"] = sorted(Value::Object(responses));
        let mut delete = op(&mut random, "delete", &format!("Delete a {plural}"), item_params);
        let mut responses = errors(&[("403", "forbidden"), ("404", "not_found")]);
        responses.insert("204".into(), json!({ "description": "Response" }));
        delete["responses"] = sorted(Value::Object(responses));
        paths.insert(collection, json!({ "get": list, "post": create }));
        if p % 2 == 0 {
            paths.insert(item, json!({ "get": get, "delete": delete }));
            operations += 4;
        } else {
            paths.insert(item, json!({ "get": get }));
            operations += 3;
        }
        p += 1;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "version": "1.1.4",
            "title": "GitHub-shaped REST API",
            "description": "A synthetic spec in the shape of api.github.com's: shared parameters and responses, nullable fields, allOf and oneOf, examples.",
            "license": { "name": "MIT", "url": "https://spdx.org/licenses/MIT" },
        },
        "servers": [{ "url": "https://api.github-shaped.invalid" }],
        "tags": GITHUB_FAMILIES.iter().map(|f| json!({ "name": f, "description": format!("The {f} API.") })).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": parameters,
            "responses": github_responses(),
            "headers": {
                "link": { "example": "<https://api.github.com/resource?page=2>; rel=\"next\"", "schema": { "type": "string" } },
            },
            "examples": examples,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many mappings in `spec` `matches` says yes to.
    fn count(spec: &Value, matches: &dyn Fn(&Map<String, Value>) -> bool) -> usize {
        match spec {
            Value::Object(map) => usize::from(matches(map)) + map.values().map(|v| count(v, matches)).sum::<usize>(),
            Value::Array(items) => items.iter().map(|v| count(v, matches)).sum(),
            _ => 0,
        }
    }

    fn enums_of_len(spec: &Value, len: usize) -> usize {
        count(spec, &|map| {
            map.get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.len() == len)
        })
    }

    /// Writes `spec`'s files into a fresh folder of the system's temporary one, named for
    /// `test` (tests run at once); returns the folder (for the caller to remove) and the root.
    fn written(spec: &Synthetic, test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("{test}-{}-{}", spec.name, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = spec.write_into(&dir).unwrap();
        (dir, root)
    }

    #[test]
    fn the_same_bytes_on_every_run_and_the_sizes_of_the_real_specs() {
        let first = all();
        let again = all();
        for (a, b) in first.iter().zip(&again) {
            let same = a.files.len() == b.files.len()
                && a.files
                    .iter()
                    .zip(&b.files)
                    .all(|(x, y)| x.path == y.path && x.text == y.text);
            assert!(same, "{} differs between two runs", a.name);
        }
        let size = |name: &str| first.iter().find(|s| s.name == name).unwrap().bytes();
        let stripe = size("wide-stripe-shaped");
        assert!(
            (2_000_000..3_000_000).contains(&stripe),
            "wide-stripe-shaped is {stripe} bytes"
        );
        let github = size("large-github-shaped");
        assert!(
            (11_000_000..15_000_000).contains(&github),
            "large-github-shaped is {github} bytes"
        );
    }

    #[test]
    fn stripe_shaped_repeats_its_largest_enums_inline() {
        let spec = stripe_shaped();
        assert_eq!(enums_of_len(&spec, 600), 4, "the ~600-value enum is repeated");
        assert_eq!(enums_of_len(&spec, 1200), 3, "the ~1,200-value enum is repeated");
        assert!(
            count(&spec, &|map| map.contains_key("enum")) > 500,
            "hundreds of inline enums"
        );
        let unset = json!([""]);
        let emptyable = count(&spec, &|map| {
            map.get("anyOf")
                .and_then(Value::as_array)
                .is_some_and(|members| members.iter().any(|m| m.get("enum") == Some(&unset)))
        });
        assert!(emptyable > 100, "`anyOf` of an object and \"\": {emptyable}");
    }

    /// Both are read without a warning, and without an operation left out: Stripe's
    /// deepObject `expand` arrays, its nested `lines` (a deepObject parameter of each preview,
    /// a form field of each create) and its `metadata` are read in the bracket form.
    #[test]
    fn both_are_read_by_the_generator_without_warnings_nested_values_in_the_bracket_form() {
        use generator::model::{FieldKind, Node, ParamShape};
        for spec in all() {
            let (dir, root) = written(&spec, "read");
            let api = generator::load(&root).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            let _ = std::fs::remove_dir_all(&dir);
            let warnings: Vec<String> = api.warnings.iter().map(ToString::to_string).collect();
            assert!(warnings.is_empty(), "{}: {warnings:#?}", spec.name);
            if spec.name == "wide-stripe-shaped" {
                let deep_lines =
                    |node: &Node| matches!(node, Node::Array(item) if matches!(**item, Node::Object { .. }));
                let previews = api
                    .operations
                    .iter()
                    .flat_map(|o| &o.parameters)
                    .filter(|p| p.name == "lines" && matches!(&p.shape, ParamShape::Nested(n) if deep_lines(n)))
                    .count();
                assert_eq!(previews, 14, "nested deepObject parameters");
                let fields = api
                    .operations
                    .iter()
                    .filter_map(|o| o.body.as_ref())
                    .flat_map(|b| &b.fields)
                    .filter(|(name, kind)| name == "lines" && matches!(kind, FieldKind::Nested(n) if deep_lines(n)))
                    .count();
                assert_eq!(fields, 70, "nested form fields");
            }
            if spec.name == "large-github-shaped" {
                assert!(api.operations.len() >= 1000, "{} operations", api.operations.len());
                assert!(api.types.len() >= 900, "{} types", api.types.len());
            }
        }
    }

    /// The GitHub-shaped spec over ~1,500 files (paths and schemas each in their own, schema
    /// files naming each other, references back into the root) is the spec in one file: the
    /// generated crate is the same, byte for byte.
    #[test]
    fn github_shaped_split_over_files_generates_what_it_does_whole() {
        let spec = all().into_iter().find(|s| s.name == "large-github-shaped").unwrap();
        assert!(spec.files.len() > 1_400, "{} files", spec.files.len());
        let (dir, root) = written(&spec, "split");
        let split = generator::load(&root);
        let _ = std::fs::remove_dir_all(&dir);
        let split = split.unwrap_or_else(|e| panic!("split: {e}"));
        let whole = generator::load_str(&pretty(&github_shaped()), None).unwrap();
        let emitted = |api: &generator::Api| {
            let runtime = generator::emit::RuntimeSource::Path("codegen-runtime".into());
            generator::emit::standalone_crate(
                api,
                "github",
                "github.json",
                &runtime,
                generator::emit::split::Sizes::MEASURED,
            )
            .unwrap()
            .into_iter()
            .map(|f| (f.path, f.contents))
            .collect::<Vec<_>>()
        };
        assert!(
            emitted(&split) == emitted(&whole),
            "the split spec generates another crate"
        );
    }
}
