//! Checks a JSON value against a type of the model, with the same rules the generated
//! types enforce (they share `codegen_runtime::rules`). The generator checks spec
//! defaults with it; the conformance runner checks answers with it.

use codegen_runtime::json;
use codegen_runtime::rules::{self, ArrayRules, NumberRules, StringRules};
use serde_json::Value;

use super::{Api, IntWidth, Rules, TypeKind, TypeRef, TypeUse};
use crate::error::join;

/// One way a value breaks its type: where in the value, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the checked value.
    pub at: String,
    pub message: String,
}

/// Every violation of `value` against a use of a type: its type, with `null` allowed as
/// [`Api::admits_null`] says (the use's flag, or the type itself). A caller that holds only a
/// type (an array's items, a union's branch) writes `TypeUse::new(ty, false)` out.
pub fn validate(api: &Api, ty: &TypeUse, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    Checker {
        api,
        out: &mut out,
        depth: 0,
    }
    .check(&ty.ty, ty.nullable, value, "");
    out
}

struct Checker<'a> {
    api: &'a Api,
    out: &'a mut Vec<Violation>,
    depth: usize,
}

impl Checker<'_> {
    fn fail(&mut self, at: &str, message: impl Into<String>) {
        self.out.push(Violation {
            at: at.to_owned(),
            message: message.into(),
        });
    }

    fn check(&mut self, ty: &TypeRef, nullable: bool, value: &Value, at: &str) {
        // A checked value judges `null` by its own types and rules.
        if value.is_null() && self.api.checked_of(ty).is_none() {
            if !self.api.admits_null(&TypeUse::new(ty.clone(), nullable)) {
                self.fail(at, "must not be null");
            }
            return;
        }
        if self.depth > 64 {
            return;
        }
        self.depth += 1;
        self.check_shape(ty, value, at);
        self.depth -= 1;
    }

    fn check_shape(&mut self, ty: &TypeRef, value: &Value, at: &str) {
        match ty {
            TypeRef::Any => {}
            TypeRef::String if !value.is_string() => self.fail(at, format!("must be a string, got {}", kind(value))),
            TypeRef::Boolean if !value.is_boolean() => self.fail(at, format!("must be a boolean, got {}", kind(value))),
            TypeRef::Number if !value.is_number() => self.fail(at, format!("must be a number, got {}", kind(value))),
            TypeRef::Integer(width) if !fits(*width, value, self.api.whole_floats_are_integers) => {
                let whole = value
                    .as_number()
                    .is_some_and(|n| codegen_runtime::numbers::is_integer(n, self.api.whole_floats_are_integers));
                if whole {
                    // An integer past the Rust type: refused by name, never rounded.
                    self.fail(at, format!("the integer {value} cannot be held in {width:?}"));
                } else {
                    self.fail(at, format!("must be an integer ({width:?}), got {value}"));
                }
            }
            TypeRef::AnyObject if !value.is_object() => {
                self.fail(at, format!("must be an object, got {}", kind(value)))
            }
            TypeRef::Array(item) => match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check(item, false, v, &join(at, &i.to_string()));
                    }
                }
                None => self.fail(at, format!("must be an array, got {}", kind(value))),
            },
            TypeRef::Map(item) => match value.as_object() {
                Some(map) => {
                    for (k, v) in map {
                        self.check(item, false, v, &join(at, k));
                    }
                }
                None => self.fail(at, format!("must be an object, got {}", kind(value))),
            },
            // Not null here: `check` let the null through.
            TypeRef::OrNull(inner) => self.check_shape(inner, value, at),
            TypeRef::Named(id) | TypeRef::Boxed(id) => {
                let api = self.api;
                let def = api.type_def(*id);
                self.check_named(&def.name, &def.kind, value, at)
            }
            _ => {}
        }
    }

    fn check_named(&mut self, name: &str, kind_of: &TypeKind, value: &Value, at: &str) {
        match kind_of {
            TypeKind::Alias(inner) => self.check_shape(inner, value, at),
            TypeKind::Enum(values) => match value.as_str() {
                Some(s) if values.iter().any(|v| v.wire == s) => {}
                _ => {
                    let allowed: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
                    self.fail(at, format!("must be one of {}, got {value}", allowed.join(", ")));
                }
            },
            TypeKind::Constrained(c) => {
                let before = self.out.len();
                self.check_shape(&c.base, value, at);
                if self.out.len() == before
                    && let Err(e) = check_rules(&c.subject, &c.rules, value)
                {
                    self.fail(at, e.to_string());
                }
            }
            TypeKind::Struct(s) => {
                let Some(map) = value.as_object() else {
                    return self.fail(at, format!("must be an object, got {}", kind(value)));
                };
                let counts = json::ObjectRules {
                    min_properties: s.min_properties,
                    max_properties: s.max_properties,
                    ..json::ObjectRules::NONE
                };
                if let Err(e) = json::check_property_count(name, map.len() as u64, &counts) {
                    self.fail(at, e.to_string());
                }
                for field in &s.fields {
                    match map.get(&field.wire_name) {
                        Some(v) => self.check(&field.ty.ty, field.ty.nullable, v, &join(at, &field.wire_name)),
                        None if field.required => {
                            self.fail(at, format!("must have the required property `{}`", field.wire_name))
                        }
                        None => {}
                    }
                }
                match &s.additional {
                    Some(None) => {
                        for key in map.keys().filter(|k| !s.fields.iter().any(|f| &f.wire_name == *k)) {
                            self.fail(&join(at, key), "is not a property the schema allows");
                        }
                    }
                    Some(Some(extra)) => {
                        for (key, v) in map.iter().filter(|(k, _)| !s.fields.iter().any(|f| &f.wire_name == *k)) {
                            self.check(extra, false, v, &join(at, key));
                        }
                    }
                    None => {}
                }
            }
            TypeKind::Checked(c) => {
                let (api, depth) = (self.api, self.depth);
                let mut admits = |i: usize, v: &Value| {
                    let sub: &TypeUse = &c.subschemas[i];
                    let mut out = Vec::new();
                    Checker {
                        api,
                        out: &mut out,
                        depth,
                    }
                    .check(&sub.ty, sub.nullable, v, "");
                    out.is_empty()
                };
                let verdict = c.with_runtime_rules(api.whole_floats_are_integers, |rules| {
                    json::check(&c.subject, value, rules, &mut admits)
                });
                if let Err(e) = verdict {
                    self.fail(at, e.to_string());
                }
            }
            TypeKind::Union(u) => {
                if let Some(property) = &u.discriminator
                    && let Some(tag) = value.get(property).and_then(Value::as_str)
                {
                    match u.variants.iter().find(|v| v.tags.iter().any(|t| t == tag)) {
                        Some(variant) => return self.check_shape(&variant.ty.clone(), value, at),
                        None => {
                            return self.fail(&join(at, property), format!("names no variant: {tag:?}"));
                        }
                    }
                }
                let matches = u
                    .variants
                    .iter()
                    .any(|v| validate(self.api, &TypeUse::new(v.ty.clone(), false), value).is_empty());
                if !matches {
                    self.fail(at, "matches none of the schemas it may be");
                }
            }
        }
    }
}

/// Applies a constrained type's rules to a value already of its base shape.
pub fn check_rules(subject: &str, r: &Rules, value: &Value) -> Result<(), codegen_runtime::ConstraintError> {
    let bound = |b: Option<super::Bound>| {
        b.map(|b| rules::Bound {
            value: b.value,
            exclusive: b.exclusive,
        })
    };
    let numbers = NumberRules {
        minimum: bound(r.minimum),
        maximum: bound(r.maximum),
        multiple_of: r.multiple_of,
    };
    if let Some(allowed) = &r.one_of_values {
        let texts: Vec<String> = allowed.iter().map(Value::to_string).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        rules::check_one_of(subject, value, &refs)?;
    }
    match value {
        Value::Number(n) => match n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)) {
            Some(i) => rules::check_integer(subject, i, &numbers),
            None => rules::check_number(subject, n.as_f64().unwrap_or(f64::NAN), &numbers),
        },
        Value::String(s) => {
            let strings = StringRules {
                min_length: r.min_length,
                max_length: r.max_length,
                pattern: r.pattern.as_deref(),
                format: r.format,
            };
            rules::check_string(subject, s, &strings)
        }
        Value::Array(items) => rules::check_array(
            subject,
            items,
            &ArrayRules {
                min_items: r.min_items,
                max_items: r.max_items,
                unique_items: r.unique_items,
            },
        ),
        _ => Ok(()),
    }
}

fn fits(width: IntWidth, value: &Value, whole_floats: bool) -> bool {
    let Some(n) = value.as_number() else { return false };
    let wide = n
        .as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
        .or_else(|| {
            let f = n
                .as_f64()
                .filter(|f| whole_floats && f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38)?;
            Some(f as i128)
        });
    let Some(v) = wide else { return false };
    match width {
        IntWidth::I32 => i32::try_from(v).is_ok(),
        IntWidth::I64 | IntWidth::Unformatted => i64::try_from(v).is_ok(),
        IntWidth::U32 => u32::try_from(v).is_ok(),
        IntWidth::U64 => u64::try_from(v).is_ok(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
