//! Schemas → types. Both 3.0 (`nullable`, boolean exclusive bounds) and 3.1 (type arrays,
//! `type: 'null'` branches, numeric exclusive bounds, `const`, keys beside `$ref`) land in
//! the same [`TypeRef`] + nullable pair.

mod checked;
mod merge;
mod unions;

use std::collections::HashMap;

use codegen_runtime::formats::{Format, FormatMode};
use serde_json::{Map, Value};

use super::keywords::{Kind, checked_format, count, infer_type, int_width, rules};
use super::names::{Namer, pascal};
use crate::error::{Error, ErrorKind, Result, describe, join};
use crate::load::{Document, Version};
use crate::model::{
    Checked, Constrained, EnumValue, Field, JsonTypes, Rules, Struct, TypeDef, TypeId, TypeKind, TypeRef, TypeUse,
    Union, UnionVariant,
};

/// The name a schema's type gets if it needs one, and a slot reserved for it by a `$ref`.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// The property or schema name used in constraint messages.
    pub subject: String,
    slot: Option<TypeId>,
}

impl Target {
    pub fn new(name: String, subject: impl Into<String>) -> Self {
        Target {
            name,
            subject: subject.into(),
            slot: None,
        }
    }

    fn child(&self, suffix: &str, subject: &str) -> Self {
        Target::new(format!("{}{}", self.name, pascal(suffix)), subject)
    }
}

const TYPE_NAMES: &str = "one of string, number, integer, boolean, array, object, null";

/// Keywords that say something about a value's shape, as opposed to annotations.
const SHAPE_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "allOf",
    "anyOf",
    "oneOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "required",
];

/// Keywords of JSON Schema that lowering neither enforces nor may ignore: a schema using one
/// is refused by name rather than read as something looser.
const REFUSED_KEYWORDS: &[&str] = &["$dynamicRef", "$recursiveRef"];

/// Keywords only a checked value (`TypeKind::Checked`) enforces.
const CHECKED_KEYWORDS: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "patternProperties",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "minProperties",
    "maxProperties",
    "prefixItems",
    "additionalItems",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedProperties",
    "unevaluatedItems",
];

/// Keywords that constrain one instance type each: without `type`, they leave other types free.
const TYPED_RULE_KEYWORDS: &[&str] = &[
    "properties",
    "additionalProperties",
    "required",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Keys that say nothing about which values are valid, so `allOf` members may repeat them.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
    "$defs",
    "definitions",
    "$id",
    "$schema",
    "$anchor",
    "contentMediaType",
    "contentEncoding",
    "externalDocs",
    "xml",
];

/// Whether `$schema` names the dialect the document's schemas are read as: JSON Schema 2020-12
/// or OpenAPI's own dialect in 3.1 and 3.2, draft 4 in 3.0.
fn is_own_dialect(uri: &str, version: Version) -> bool {
    let own: &[&str] = if version >= Version::V3_1 {
        &[
            "https://json-schema.org/draft/2020-12/schema",
            "https://spec.openapis.org/oas/3.",
        ]
    } else {
        &[
            "http://json-schema.org/draft-04/schema",
            "https://json-schema.org/draft-04/schema",
        ]
    };
    own.iter().any(|prefix| uri.starts_with(prefix))
}

/// The keys a schema object may have besides annotations and `x-` extensions: anything else
/// is a warning (a typo such as `requird` would otherwise be read as nothing at all).
const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "format",
    "nullable",
    "discriminator",
    "allOf",
    "anyOf",
    "oneOf",
    "$dynamicAnchor",
    "$vocabulary",
    "contentSchema",
];

/// Where a [`Lowerer`] stood ([`Lowerer::checkpoint`]).
#[derive(Debug, Clone, Copy)]
pub struct Checkpoint {
    types: usize,
    warnings: usize,
    depth: usize,
}

pub struct Lowerer<'a> {
    pub doc: &'a Document,
    /// What lowering noticed but could read past (unknown keys), each once, with where.
    pub warnings: Vec<Error>,
    types: Vec<Option<TypeDef>>,
    /// `$ref` targets already lowered (or being lowered), with their nullability.
    by_pointer: HashMap<String, (TypeId, bool)>,
    /// Strings constrained only by a format share one type per format (`Uuid`, `DateTime`).
    by_format: HashMap<Format, TypeId>,
    /// Inline types by their shape (the `Debug` text of their kind, names of the types they
    /// use included): structurally identical ones share one type.
    by_shape: HashMap<String, TypeId>,
    /// How deeply `schema` is nested now: inlining (allOf merges, keys beside a recursive
    /// `$ref`) can recurse without end, so it is bounded.
    depth: usize,
    names: Namer,
    /// Whether `format` is a rule or an annotation here.
    formats: FormatMode,
    /// The schemas of other files that a component is only a `$ref` to
    /// (`Pet: {$ref: schemas/pet.yaml}`), by their pointer, with the component's: the schema
    /// is that component's type, named after it, as if it were written there.
    in_other_files: HashMap<String, String>,
}

impl<'a> Lowerer<'a> {
    pub fn new(doc: &'a Document, options: &super::Options) -> Self {
        // What generated models name unqualified: a made-up name (a file `string.json`'s) is
        // never one of them.
        let mut names = Namer::with_reserved(&["String", "Vec", "Option", "Box", "Result", "Serialize", "Deserialize"]);
        let mut in_other_files = HashMap::new();
        // Component names win over names made up for inline schemas.
        if let Some(schemas) = doc.root.pointer("/components/schemas").and_then(Value::as_object) {
            for (name, schema) in schemas {
                names.unique(pascal(name));
                let component = join("/components/schemas", name);
                if let Some(Value::String(reference)) = schema.get("$ref")
                    && schema.as_object().is_some_and(|m| m.len() == 1)
                    && let Ok((target, _)) = doc.follow_ref(reference, &component)
                    && doc.in_other_file(&target)
                {
                    in_other_files.entry(target).or_insert(component);
                }
            }
        }
        Lowerer {
            in_other_files,
            doc,
            types: Vec::new(),
            by_pointer: HashMap::new(),
            by_format: HashMap::new(),
            by_shape: HashMap::new(),
            warnings: Vec::new(),
            depth: 0,
            names,
            formats: options.formats,
        }
    }

    /// Where lowering stands: [`Lowerer::rollback`] forgets what was lowered since, so that a
    /// part of the spec that fails (an operation, a component schema) leaves nothing behind.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            types: self.types.len(),
            warnings: self.warnings.len(),
            depth: self.depth,
        }
    }

    /// Forgets the types, `$ref` targets, shapes and warnings lowered since `checkpoint`
    /// (names handed out stay taken).
    pub fn rollback(&mut self, checkpoint: Checkpoint) {
        let kept = |id: &TypeId| id.0 < checkpoint.types;
        self.types.truncate(checkpoint.types);
        self.warnings.truncate(checkpoint.warnings);
        self.depth = checkpoint.depth;
        self.by_pointer.retain(|_, (id, _)| kept(id));
        self.by_format.retain(|_, id| kept(id));
        self.by_shape.retain(|_, id| kept(id));
    }

    /// Lowers every component schema, so each has its type even when nothing uses it. One
    /// the generator cannot handle is left out with a warning (as is each operation that
    /// uses it, when lowered); the others are lowered.
    pub fn components(&mut self) -> Result<()> {
        let Some(schemas) = self.doc.root.pointer("/components/schemas") else {
            return Ok(());
        };
        let Some(schemas) = schemas.as_object() else {
            return Err(Error::invalid(
                "/components/schemas",
                "a mapping of schema names",
                describe(schemas),
            ));
        };
        for name in schemas.keys() {
            let checkpoint = self.checkpoint();
            if let Err(e) = self.pointer(&join("/components/schemas", name)) {
                self.rollback(checkpoint);
                self.warnings.push(e.left_out(format!("the component schema `{name}`")));
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Vec<TypeDef>> {
        self.types
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                t.ok_or_else(|| Error::at("", ErrorKind::Inconsistent(format!("type {i} was never defined"))))
            })
            .collect()
    }

    /// Lowers the schema at `pointer`, once: later uses share the same named type.
    fn pointer(&mut self, pointer: &str) -> Result<TypeUse> {
        if let Some(&(id, nullable)) = self.by_pointer.get(pointer) {
            return Ok(TypeUse {
                ty: TypeRef::Named(id),
                nullable,
            });
        }
        let doc = self.doc;
        let value = doc
            .get(pointer)
            .ok_or_else(|| Error::at(pointer, ErrorKind::UnresolvedRef(format!("#{pointer}"))))?;
        let component = pointer.starts_with("/components/schemas/") && pointer.matches('/').count() == 3;
        if component
            && let Some(Value::String(reference)) = value.get("$ref")
            && let Ok((target, _)) = doc.follow_ref(reference, pointer)
            && self.in_other_files.get(&target).map(String::as_str) == Some(pointer)
        {
            // The component is the other file's schema, lowered (and named) at its own place.
            let lowered = self.pointer(&target)?;
            if let TypeRef::Named(id) = lowered.ty {
                self.by_pointer.insert(pointer.to_owned(), (id, lowered.nullable));
            }
            return Ok(lowered);
        }
        let last = match self.in_other_files.get(pointer) {
            Some(component) => codegen_runtime::pointer::last(component),
            None => codegen_runtime::pointer::last(pointer),
        }
        .unwrap_or_default();
        // A whole other file (`/x-documents/<its URL>`) is named after the file: `pet.yaml`, Pet.
        let last = match url::Url::parse(&last) {
            Ok(url) if doc.in_other_file(pointer) => url
                .path_segments()
                .and_then(|mut segments| segments.next_back())
                .map(|file| file.split('.').next().unwrap_or(file).to_owned())
                .filter(|stem| !stem.is_empty())
                .unwrap_or(last),
            _ => last,
        };
        let base = pascal(&last);
        // Components have their names reserved already; anything else gets a fresh one.
        let name = if component || self.in_other_files.contains_key(pointer) {
            base
        } else {
            self.names.unique(base)
        };
        let id = TypeId(self.types.len());
        self.types.push(None);
        let nullable_hint = schema_allows_null(value);
        self.by_pointer.insert(pointer.to_owned(), (id, nullable_hint));
        let target = Target {
            name: name.clone(),
            subject: last,
            slot: Some(id),
        };
        let lowered = self.schema(value, pointer, target)?;
        self.by_pointer.insert(pointer.to_owned(), (id, lowered.nullable));
        if self.types[id.0].is_none() {
            if lowered.ty == TypeRef::Named(id) {
                return Err(Error::at(pointer, ErrorKind::RefCycle(format!("#{pointer}"))));
            }
            self.types[id.0] = Some(TypeDef {
                name,
                origin: pointer.to_owned(),
                description: string_key(value, "description"),
                kind: TypeKind::Alias(lowered.ty),
                example: example(value),
            });
        }
        Ok(TypeUse {
            ty: TypeRef::Named(id),
            nullable: lowered.nullable,
        })
    }

    fn define(&mut self, target: &Target, origin: &str, value: &Value, kind: TypeKind) -> TypeId {
        let def = |name: String, kind: TypeKind| TypeDef {
            name,
            origin: origin.to_owned(),
            description: string_key(value, "description"),
            kind,
            example: example(value),
        };
        match target.slot {
            Some(id) if self.types[id.0].is_none() => {
                self.types[id.0] = Some(def(target.name.clone(), kind));
                id
            }
            _ => {
                // Inline types of one shape are one type, named after the first (as typify
                // does): a spec that repeats an enum under every parent gets it once.
                let shape = shape(&kind);
                if let Some(&id) = self.by_shape.get(&shape) {
                    return id;
                }
                let name = self.names.unique(target.name.clone());
                self.types.push(Some(def(name, kind)));
                let id = TypeId(self.types.len() - 1);
                self.by_shape.insert(shape, id);
                id
            }
        }
    }

    /// Lowers one schema found at `pointer`.
    pub fn schema(&mut self, value: &Value, pointer: &str, target: Target) -> Result<TypeUse> {
        const MAX_DEPTH: usize = 96;
        if self.depth >= MAX_DEPTH {
            return Err(Error::unsupported(
                pointer,
                format!(
                    "schemas nested more than {MAX_DEPTH} deep (an `allOf` or a `$ref` with keys beside it that includes itself?)"
                ),
            ));
        }
        self.depth += 1;
        let lowered = self.schema_here(value, pointer, target);
        self.depth -= 1;
        lowered
    }

    fn schema_here(&mut self, value: &Value, pointer: &str, target: Target) -> Result<TypeUse> {
        let map = match value {
            Value::Object(map) => map,
            Value::Bool(true) => {
                return Ok(TypeUse {
                    ty: TypeRef::Any,
                    nullable: true,
                });
            }
            Value::Bool(false) => {
                let id = self.define(
                    &target,
                    pointer,
                    value,
                    TypeKind::Checked(Box::new(Checked::nothing(target.subject.clone()))),
                );
                return Ok(TypeUse {
                    ty: TypeRef::Named(id),
                    nullable: false,
                });
            }
            other => return Err(Error::invalid(pointer, "a schema object", describe(other))),
        };
        self.warn_unknown_keys(map, pointer);
        if let Some(keyword) = REFUSED_KEYWORDS.iter().find(|k| map.contains_key(**k)) {
            return Err(Error::unsupported(
                join(pointer, keyword),
                format!("the keyword `{keyword}` (not enforced by this generator)"),
            ));
        }
        if let Some(Value::String(meta)) = map.get("$schema")
            && !is_own_dialect(meta, self.doc.version)
        {
            // A meta-schema of one's own may leave vocabularies out (`vocabulary.json`: no
            // validation at all) or add them, and another draft reads keywords otherwise
            // (2019-09 has no `prefixItems`); reading either as this document's dialect would
            // misread it.
            return Err(Error::unsupported(
                join(pointer, "$schema"),
                format!(
                    "the dialect `{meta}` (this document's schemas are read as {}; another draft or a meta-schema's own `$vocabulary` is not read)",
                    if self.doc.version >= Version::V3_1 {
                        "JSON Schema 2020-12"
                    } else {
                        "OpenAPI 3.0's draft 4"
                    }
                ),
            ));
        }
        if let Some(reference) = map.get("$ref") {
            return self.reference(map, reference, pointer, target);
        }
        if self.needs_checked(map, pointer) {
            return self.checked(map, value, pointer, target);
        }
        let (types, mut nullable) = self.type_set(map, pointer)?;

        // `anyOf`/`oneOf` whose only other branch is `null` is the 3.1 spelling of nullable.
        for keyword in ["anyOf", "oneOf"] {
            if let Some(branches) = map.get(keyword) {
                let at = join(pointer, keyword);
                let branches = branches
                    .as_array()
                    .ok_or_else(|| Error::invalid(&at, "an array of schemas", describe(branches)))?;
                let (nulls, rest): (Vec<_>, Vec<_>) = branches.iter().enumerate().partition(|(_, b)| is_null_schema(b));
                nullable |= !nulls.is_empty();
                if rest.is_empty() {
                    // Only `null` branches: the value is `null` and nothing else.
                    let only_null = Checked {
                        types: JsonTypes::NULL,
                        ..Checked::nothing(target.subject.clone())
                    };
                    let id = self.define(&target, pointer, value, TypeKind::Checked(Box::new(only_null)));
                    return Ok(TypeUse {
                        ty: TypeRef::Named(id),
                        nullable: false,
                    });
                }
                if rest.len() == 1 && !has_shape_besides(map, keyword) {
                    let (i, branch) = rest[0];
                    let inner = self.schema(branch, &format!("{at}/{i}"), target)?;
                    return Ok(TypeUse {
                        ty: inner.ty,
                        nullable: nullable || inner.nullable,
                    });
                }
                if !has_shape_besides(map, keyword) || map.get("type").and_then(Value::as_str) == Some("object") {
                    let union = self.union(map, &rest, &at, &target)?;
                    let id = self.define(&target, pointer, value, TypeKind::Union(union));
                    return Ok(TypeUse {
                        ty: TypeRef::Named(id),
                        nullable,
                    });
                }
                return Err(Error::unsupported(&at, format!("`{keyword}` beside other constraints")));
            }
        }
        if let Some(members) = map.get("allOf") {
            let at = join(pointer, "allOf");
            let members = members
                .as_array()
                .ok_or_else(|| Error::invalid(&at, "an array of schemas", describe(members)))?;
            if members.len() == 1 && !has_shape_besides(map, "allOf") {
                let inner = self.schema(&members[0], &format!("{at}/0"), target)?;
                return Ok(TypeUse {
                    ty: inner.ty,
                    nullable: nullable || inner.nullable,
                });
            }
            let merged = self.merge_all_of(map, pointer, &mut Vec::new())?;
            let inner = self.schema(&Value::Object(merged), pointer, target)?;
            return Ok(TypeUse {
                ty: inner.ty,
                nullable: nullable || inner.nullable,
            });
        }

        let mut values = None;
        if let Some(c) = map.get("const") {
            values = Some(vec![c.clone()]);
        } else if let Some(e) = map.get("enum") {
            let list = e
                .as_array()
                .ok_or_else(|| Error::invalid(join(pointer, "enum"), "an array", describe(e)))?;
            nullable |= list.iter().any(Value::is_null);
            values = Some(list.iter().filter(|v| !v.is_null()).cloned().collect::<Vec<_>>());
        }

        let kind = match types.as_slice() {
            [] => infer_type(map, values.as_deref(), self.formats),
            [one] => *one,
            many => {
                let ty = self.scalar_union(many, value, pointer, &target)?;
                return Ok(TypeUse { ty, nullable });
            }
        };
        let ty = self.typed(kind, map, value, pointer, target, values)?;
        Ok(TypeUse { ty, nullable })
    }

    fn reference(
        &mut self,
        map: &Map<String, Value>,
        reference: &Value,
        pointer: &str,
        target: Target,
    ) -> Result<TypeUse> {
        let at = join(pointer, "$ref");
        let Value::String(reference) = reference else {
            return Err(Error::invalid(
                at,
                "a `$ref` string such as \"#/components/schemas/Name\" (in YAML, quote a `#...` value or it is read as a comment)",
                describe(reference),
            ));
        };
        let (target_pointer, _) = self.doc.follow_ref(reference, pointer)?;
        let referenced = self.pointer(&target_pointer)?;
        let explicit_null = map.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        // 3.1 lets keys beside `$ref` add constraints; in 3.0 they are ignored by definition.
        if self.doc.version >= Version::V3_1 && has_shape_besides(map, "$ref") {
            if map.contains_key("unevaluatedProperties") || map.contains_key("unevaluatedItems") {
                // It must see what the reference evaluates: the reference becomes an `allOf`
                // member of the same schema, which means the same (both apply in place).
                let mut same = map.clone();
                same.remove("$ref");
                let mut members = same.get("allOf").and_then(Value::as_array).cloned().unwrap_or_default();
                members.push(serde_json::json!({ "$ref": reference }));
                same.insert("allOf".into(), Value::Array(members));
                let inner = self.schema(&Value::Object(same), pointer, target)?;
                return Ok(TypeUse {
                    ty: inner.ty,
                    nullable: inner.nullable || explicit_null,
                });
            }
            let mut merged = map.clone();
            merged.remove("$ref");
            let members = [serde_json::json!({ "$ref": reference }), Value::Object(merged.clone())];
            if !self.merge_is_faithful(&Map::new(), &members, pointer) {
                // Both must hold: the referenced schema, and the keys beside the reference,
                // lowered where they are (so their own references resolve from there).
                let rest = self.schema(&Value::Object(merged), pointer, target.child("Rest", &target.subject))?;
                let mut checked = Checked {
                    types: JsonTypes::ANY,
                    ..Checked::nothing(target.subject.clone())
                };
                checked.subschemas = vec![
                    TypeUse {
                        ty: referenced.ty,
                        nullable: referenced.nullable,
                    },
                    TypeUse {
                        ty: rest.ty,
                        nullable: rest.nullable,
                    },
                ];
                checked.applicators.all_of = vec![0, 1];
                let value = Value::Object(map.clone());
                let id = self.define(&target, pointer, &value, TypeKind::Checked(Box::new(checked)));
                return Ok(TypeUse {
                    ty: TypeRef::Named(id),
                    nullable: false,
                });
            }
            let mut all_of = Map::new();
            all_of.insert(
                "allOf".into(),
                Value::Array(vec![serde_json::json!({ "$ref": reference }), Value::Object(merged)]),
            );
            let inner = self.schema(&Value::Object(all_of), pointer, target)?;
            return Ok(TypeUse {
                ty: inner.ty,
                nullable: inner.nullable || explicit_null,
            });
        }
        if target.slot.is_some() {
            // A component that is only a `$ref`: an alias of the referenced type.
            return Ok(referenced);
        }
        Ok(TypeUse {
            ty: referenced.ty,
            nullable: referenced.nullable || explicit_null,
        })
    }

    /// A warning for each key of a schema that is no keyword of JSON Schema or OpenAPI and no
    /// `x-` extension.
    fn warn_unknown_keys(&mut self, map: &Map<String, Value>, pointer: &str) {
        let known: &[&[&str]] = &[
            SCHEMA_KEYWORDS,
            CHECKED_KEYWORDS,
            TYPED_RULE_KEYWORDS,
            ANNOTATIONS,
            REFUSED_KEYWORDS,
            &["prefixItems"],
        ];
        self.warn_unknown(map, pointer, known, "a JSON Schema or OpenAPI keyword");
    }

    /// A warning for each key of `map` that is none of `known` and no `x-` extension, naming
    /// the nearest known key when one is close: a typo (`requird`) is otherwise read as
    /// nothing at all.
    pub fn warn_unknown(&mut self, map: &Map<String, Value>, pointer: &str, known: &[&[&str]], expected: &str) {
        let known = || known.iter().flat_map(|list| list.iter());
        for key in map.keys() {
            if key.starts_with("x-") || known().any(|k| k == key) {
                continue;
            }
            let nearest = known()
                .map(|k| (edit_distance(k, key), *k))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, k)| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            let warning = Error::invalid(
                join(pointer, key),
                format!("{expected}, or an `x-` extension; the key is ignored"),
                format!("`{key}`{nearest}"),
            );
            if !self.warnings.contains(&warning) {
                self.warnings.push(warning);
            }
        }
    }

    /// The declared `type`s without `null`, and whether `null` was among them.
    fn type_set(&self, map: &Map<String, Value>, pointer: &str) -> Result<(Vec<Kind>, bool)> {
        let mut nullable = map.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        let Some(declared) = map.get("type") else {
            return Ok((Vec::new(), nullable));
        };
        let at = join(pointer, "type");
        let names: Vec<(&str, String)> = match declared {
            Value::String(s) => vec![(s.as_str(), at.clone())],
            Value::Array(items) if self.doc.version >= Version::V3_1 || !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .map(|s| (s, format!("{at}/{i}")))
                        .ok_or_else(|| Error::invalid(format!("{at}/{i}"), TYPE_NAMES, describe(v)))
                })
                .collect::<Result<_>>()?,
            other => {
                return Err(Error::invalid(
                    at,
                    format!("a type name ({TYPE_NAMES})"),
                    describe(other),
                ));
            }
        };
        let mut kinds = Vec::new();
        for (name, at) in names {
            if name == "null" && self.doc.version == Version::V3_0 {
                return Err(Error::invalid(
                    at,
                    "a 3.0 type name (3.0 has no type `null`: write `nullable: true`)",
                    "\"null\"",
                ));
            }
            match Kind::parse(name) {
                Some(Kind::Null) => nullable = true,
                Some(kind) => kinds.push(kind),
                None => return Err(Error::invalid(at, TYPE_NAMES, format!("\"{name}\""))),
            }
        }
        if kinds.is_empty() && nullable {
            kinds.push(Kind::Null);
        }
        Ok((kinds, nullable))
    }

    fn typed(
        &mut self,
        kind: Kind,
        map: &Map<String, Value>,
        value: &Value,
        pointer: &str,
        target: Target,
        values: Option<Vec<Value>>,
    ) -> Result<TypeRef> {
        let mut rules = rules(map, pointer, kind, self.formats)?;
        let base = match kind {
            Kind::Null | Kind::Unknown => return Ok(TypeRef::Any),
            Kind::String => {
                if let Some(values) = values {
                    return self.string_enum(values, value, pointer, &target);
                }
                TypeRef::String
            }
            Kind::Integer => TypeRef::Integer(int_width(map)),
            Kind::Number => TypeRef::Number,
            Kind::Boolean => TypeRef::Boolean,
            Kind::Array => {
                let item = match map.get("items") {
                    Some(items) => {
                        let at = join(pointer, "items");
                        let item = self.schema(items, &at, target.child("Item", &target.subject))?;
                        or_null(item)
                    }
                    None => TypeRef::Any,
                };
                TypeRef::Array(Box::new(item))
            }
            Kind::Object => return self.object(map, value, pointer, target),
        };
        if let Some(values) = values {
            rules.one_of_values = Some(values);
        }
        if rules.is_empty() {
            return Ok(base);
        }
        if let Some(format) = rules
            .format
            .filter(|_| base == TypeRef::String && target.slot.is_none())
            && rules
                == (Rules {
                    format: Some(format),
                    ..Rules::default()
                })
        {
            return Ok(TypeRef::Named(self.format_type(format, rules)));
        }
        let subject = target.subject.clone();
        let id = self.define(
            &target,
            pointer,
            value,
            TypeKind::Constrained(Constrained { base, rules, subject }),
        );
        Ok(TypeRef::Named(id))
    }

    fn format_type(&mut self, format: Format, rules: Rules) -> TypeId {
        if let Some(id) = self.by_format.get(&format) {
            return *id;
        }
        let name = self.names.unique(pascal(format.name()));
        let constrained = Constrained {
            base: TypeRef::String,
            rules,
            subject: format.name().to_owned(),
        };
        self.types.push(Some(TypeDef {
            name,
            origin: String::new(),
            description: Some(format!("A string in the `{format}` format.")),
            kind: TypeKind::Constrained(constrained),
            example: None,
        }));
        let id = TypeId(self.types.len() - 1);
        self.by_format.insert(format, id);
        id
    }

    fn string_enum(&mut self, values: Vec<Value>, value: &Value, pointer: &str, target: &Target) -> Result<TypeRef> {
        let mut namer = Namer::default();
        let mut variants = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let Some(wire) = v.as_str() else {
                return Err(Error::invalid(
                    format!("{pointer}/enum/{i}"),
                    "a string (the schema's type is string)",
                    describe(v),
                ));
            };
            if variants.iter().any(|e: &EnumValue| e.wire == wire) {
                continue;
            }
            variants.push(EnumValue {
                wire: wire.to_owned(),
                rust_name: namer.unique(pascal(wire)),
            });
        }
        if variants.is_empty() {
            return Err(Error::inconsistent(pointer, "an enum without values admits nothing"));
        }
        let id = self.define(target, pointer, value, TypeKind::Enum(variants));
        Ok(TypeRef::Named(id))
    }

    fn object(&mut self, map: &Map<String, Value>, value: &Value, pointer: &str, target: Target) -> Result<TypeRef> {
        let additional = match map.get("additionalProperties") {
            None | Some(Value::Bool(true)) => None,
            Some(Value::Bool(false)) => Some(None),
            Some(schema) => {
                let at = join(pointer, "additionalProperties");
                let inner = self.schema(schema, &at, target.child("Value", &target.subject))?;
                Some(Some(or_null(inner)))
            }
        };
        let properties = match map.get("properties") {
            None => None,
            Some(Value::Object(p)) => Some(p),
            Some(other) => {
                return Err(Error::invalid(
                    join(pointer, "properties"),
                    "a mapping of property schemas",
                    describe(other),
                ));
            }
        };
        let Some(properties) = properties.filter(|p| !p.is_empty()) else {
            return Ok(match additional {
                Some(Some(ty)) => TypeRef::Map(Box::new(ty)),
                _ => TypeRef::AnyObject,
            });
        };
        let required = self.required(map, pointer)?;
        let mut fields = Vec::new();
        let mut namer = Namer::default();
        for (wire, schema) in properties {
            let at = join(&join(pointer, "properties"), wire);
            let lowered = self.schema(schema, &at, target.child(wire, wire))?;
            let annotations = self.annotations(schema, &at);
            fields.push(Field {
                wire_name: wire.clone(),
                rust_name: namer.unique(super::names::snake(wire)),
                ty: lowered,
                required: required.contains(&wire.as_str()),
                default: annotations.default.filter(|d| !d.is_null()),
                description: annotations.description,
                read_only: annotations.read_only,
                write_only: annotations.write_only,
                examples: annotations.examples,
                origin: at,
            });
        }
        for name in &required {
            if !properties.contains_key(*name) {
                // A required key with no schema: keep it as an untyped required field.
                fields.push(Field {
                    wire_name: (*name).to_owned(),
                    rust_name: namer.unique(super::names::snake(name)),
                    ty: TypeUse::new(TypeRef::Any, true),
                    required: true,
                    default: None,
                    description: None,
                    read_only: false,
                    write_only: false,
                    examples: Vec::new(),
                    origin: join(pointer, "required"),
                });
            }
        }
        let kind = TypeKind::Struct(Struct {
            fields,
            additional,
            min_properties: count(map, pointer, "minProperties")?,
            max_properties: count(map, pointer, "maxProperties")?,
        });
        let id = self.define(&target, pointer, value, kind);
        Ok(TypeRef::Named(id))
    }

    fn required<'v>(&self, map: &'v Map<String, Value>, pointer: &str) -> Result<Vec<&'v str>> {
        match map.get("required") {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().ok_or_else(|| {
                        Error::invalid(format!("{pointer}/required/{i}"), "a property name", describe(v))
                    })
                })
                .collect(),
            Some(other) => Err(Error::invalid(
                join(pointer, "required"),
                "an array of property names",
                describe(other),
            )),
        }
    }

    /// A schema's default, from the schema or the one schema it wraps (`$ref`, `allOf`, a
    /// nullable `anyOf`): fields and parameters read it alike.
    pub fn default_of(&self, schema: &Value, at: &str) -> Option<Value> {
        self.annotations(schema, at).default.filter(|d| !d.is_null())
    }

    /// Description, default and access flags, from the schema or, through `$ref`, `allOf`
    /// or a nullable `anyOf`, from the one schema it wraps; `at` is where the schema is (what
    /// its `$ref` resolves against).
    fn annotations(&self, schema: &Value, at: &str) -> Annotations {
        let mut out = Annotations::default();
        let mut current = Some((at.to_owned(), schema));
        for _ in 0..8 {
            let Some((at, Value::Object(map))) = current else {
                break;
            };
            out.description = out
                .description
                .or_else(|| string_key(&Value::Object(map.clone()), "description"));
            if out.default.is_none() {
                out.default = map.get("default").cloned();
            }
            if out.examples.is_empty() {
                out.examples = example_list(map);
            }
            out.read_only |= map.get("readOnly").and_then(Value::as_bool).unwrap_or(false);
            out.write_only |= map.get("writeOnly").and_then(Value::as_bool).unwrap_or(false);
            current = if let Some(Value::String(r)) = map.get("$ref") {
                self.doc.follow_ref(r, &at).ok()
            } else {
                ["allOf", "anyOf", "oneOf"].iter().find_map(|k| {
                    let branches: Vec<(usize, &Value)> = map
                        .get(*k)?
                        .as_array()?
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| !is_null_schema(b))
                        .collect();
                    let [(i, branch)] = branches[..] else { return None };
                    Some((join(&join(&at, k), &i.to_string()), branch))
                })
            };
        }
        out
    }
}

#[derive(Default)]
struct Annotations {
    description: Option<String>,
    default: Option<Value>,
    examples: Vec<Value>,
    read_only: bool,
    write_only: bool,
}

/// Levenshtein distance, for suggesting the keyword a typo meant.
/// What makes two inline types one: their kind, without where in the spec their fields are.
fn shape(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Struct(s) => {
            let mut s = s.clone();
            for field in &mut s.fields {
                field.origin.clear();
            }
            format!("{:?}", TypeKind::Struct(s))
        }
        other => format!("{other:?}"),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(here + 1);
            previous = here;
        }
    }
    row[b.len()]
}

/// The type of a position without a `nullable` flag (an array item, a map value, a sequence's
/// item): `T`, or `T` or `null` when the schema admits null.
pub(in crate::lower) fn or_null(lowered: TypeUse) -> TypeRef {
    if lowered.nullable && lowered.ty != TypeRef::Any {
        TypeRef::OrNull(Box::new(lowered.ty))
    } else {
        lowered.ty
    }
}

/// `{type: 'null'}`, `{enum: [null]}`, `{const: null}`: a branch that only admits null.
fn is_null_schema(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    map.get("type").and_then(Value::as_str) == Some("null")
        || map
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.len() == 1 && e[0].is_null())
        || map.get("const").is_some_and(Value::is_null)
}

/// Whether a schema admits null on its own (used before its type is lowered).
fn schema_allows_null(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    map.get("nullable").and_then(Value::as_bool).unwrap_or(false)
        || match map.get("type") {
            Some(Value::Array(t)) => t.iter().any(|v| v == "null"),
            Some(t) => t == "null",
            None => false,
        }
        || ["anyOf", "oneOf"].iter().any(|k| {
            map.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|b| b.iter().any(is_null_schema))
        })
}

fn has_shape_besides(map: &Map<String, Value>, keyword: &str) -> bool {
    // The keywords only a checked value enforces count too: `$ref` beside `prefixItems` and
    // `unevaluatedItems` must keep both (`unevaluatedItems.json`: "unevaluatedItems with $ref").
    map.keys().any(|k| {
        k != keyword
            && (SHAPE_KEYWORDS.contains(&k.as_str()) || CHECKED_KEYWORDS.contains(&k.as_str()))
            && !(k == "type" && map[k] == "null")
    })
}

/// The string under `key`, trimmed; `None` when it is absent, not a string, or blank.
pub fn string_key(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `example` and `examples` (3.1 JSON Schema lists them) of a schema, in order.
fn example_list(map: &Map<String, Value>) -> Vec<Value> {
    let mut out: Vec<Value> = map.get("example").cloned().into_iter().collect();
    if let Some(Value::Array(list)) = map.get("examples") {
        out.extend(list.iter().cloned());
    }
    out
}

fn example(value: &Value) -> Option<Value> {
    value.get("example").cloned().or_else(|| {
        value
            .get("examples")
            .and_then(Value::as_array)
            .and_then(|e| e.first().cloned())
    })
}
