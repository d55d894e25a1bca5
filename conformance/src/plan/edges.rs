//! The edge cases one value implies: each enum value and one outside, each bound and one
//! past it, each length limit, each format, null, absence and the wrong type.

use codegen_runtime::formats::Format;
use generator::model::validate::validate;
use generator::model::{Api, Checked, IntWidth, JsonTypes, Rules, Struct, TypeKind, TypeRef, TypeUse};
use serde_json::{Map, Value, json};

use super::Expect;
use super::values::{Hint, Sampler, fit_length, integer_inside};

/// One variation of one value.
#[derive(Debug, Clone)]
pub struct Edge {
    /// `above_maximum`, `hmac_sha256`, `null`, ...
    pub name: String,
    /// The value to put in place, or `None` to leave the key out.
    pub value: Option<Value>,
    /// What the spec says should happen, before the whole request is checked again.
    pub expect: Expect,
    /// JSON text to send instead of `value`, for numbers a JSON value cannot hold.
    pub raw: Option<String>,
}

fn accept(name: impl Into<String>, value: Value) -> Edge {
    Edge {
        name: name.into(),
        value: Some(value),
        expect: Expect::Accepted,
        raw: None,
    }
}

fn reject(name: impl Into<String>, value: Value) -> Edge {
    Edge {
        name: name.into(),
        value: Some(value),
        expect: Expect::Rejected,
        raw: None,
    }
}

/// Valid by the spec, in a spelling servers may refuse: any answer but a 5xx is right.
fn either(name: impl Into<String>, value: Value) -> Edge {
    Edge {
        name: name.into(),
        value: Some(value),
        expect: Expect::Either,
        raw: None,
    }
}

/// The key of the property no schema declares (`unknown_property`).
pub const UNKNOWN_PROPERTY: &str = "conformance_unknown";

/// An undeclared property in an object: refused where `additionalProperties: false`; where
/// the schema says nothing, JSON Schema allows it but many servers refuse unknown keys, so
/// either answer is right. Where extra keys hold a typed map, or the object declares the
/// key, there is no such edge.
pub fn unknown_property(s: &Struct) -> Option<Edge> {
    if s.fields.iter().any(|f| f.wire_name == UNKNOWN_PROPERTY) {
        return None;
    }
    let value = json!("conformance");
    match &s.additional {
        None => Some(either("unknown_property", value)),
        Some(None) => Some(reject("unknown_property", value)),
        Some(Some(_)) => None,
    }
}

/// The key counts that test `minProperties`/`maxProperties`: each bound and one past it,
/// by edge name.
pub fn property_counts(min: Option<u64>, max: Option<u64>) -> Vec<(&'static str, u64)> {
    let mut out = Vec::new();
    if let Some(max) = max {
        out.push(("max_properties", max));
        out.push(("above_max_properties", max + 1));
    }
    if let Some(min) = min.filter(|m| *m > 0) {
        out.push(("min_properties", min));
        out.push(("below_min_properties", min - 1));
    }
    out
}

/// An object of exactly `n` keys: the first `n` of `own` (an object's own properties, in the
/// order they are to be kept), then made-up keys `conformance_0`, ... holding `extra`, which
/// is `None` where the object refuses unknown keys. `None` when it cannot be made: `n` would
/// leave out one of the first `keep` properties (which must stay), or needs made-up keys
/// the object refuses.
pub fn sized(own: &[(String, Value)], keep: usize, n: u64, extra: Option<&Value>) -> Option<Map<String, Value>> {
    if (n as usize) < keep.min(own.len()) {
        return None;
    }
    let mut object: Map<String, Value> = own.iter().take(n as usize).cloned().collect();
    let mut i = 0;
    while (object.len() as u64) < n {
        object.entry(format!("conformance_{i}")).or_insert(extra?.clone());
        i += 1;
    }
    Some(object)
}

/// Where a value sits: JSON bodies keep types; parameters are text on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Body,
    Parameter,
}

/// The edges of a value of `ty`; `nullable` and `required` say how the key may appear.
pub fn edges(sampler: &Sampler, ty: &TypeRef, nullable: bool, required: bool, hint: Hint, place: Place) -> Vec<Edge> {
    let api = sampler.api;
    let mut out = Vec::new();
    match api.unalias(ty) {
        TypeRef::Named(id) | TypeRef::Boxed(id) => match &api.type_def(*id).kind {
            TypeKind::Enum(values) => enumerated(values, place, &mut out),
            TypeKind::Constrained(c) => {
                constrained(sampler, &c.base, &c.rules, hint, place, &mut out);
            }
            TypeKind::Struct(_) | TypeKind::Union(_) => {
                if place == Place::Body {
                    out.push(reject("wrong_type", json!("conformance")));
                }
            }
            // In a parameter too: the planner keeps only the edges that reach the server as
            // planned once written in the parameter's style.
            TypeKind::Checked(c) => checked(sampler, ty, c, hint, &mut out),
            TypeKind::Alias(_) => {}
        },
        TypeRef::Integer(width) => integer(
            &Rules::default(),
            *width,
            place,
            api.whole_floats_are_integers,
            &mut out,
        ),
        TypeRef::Number => {
            if place == Place::Body {
                out.push(reject("wrong_type", json!("1.5")));
            } else {
                out.push(reject("wrong_type", json!("not-a-number")));
            }
        }
        TypeRef::Boolean => {
            out.push(accept("true", json!(true)));
            out.push(accept("false", json!(false)));
            out.push(reject(
                "wrong_type",
                if place == Place::Body {
                    json!("true")
                } else {
                    json!("maybe")
                },
            ));
        }
        TypeRef::String => {
            if place == Place::Body {
                out.push(reject("wrong_type", json!(12345)));
            }
        }
        TypeRef::Array(item) => array(sampler, item, &Rules::default(), hint, place, &mut out),
        TypeRef::Map(_) | TypeRef::AnyObject => {
            if place == Place::Body {
                out.push(reject("wrong_type", json!("conformance")));
            }
        }
        TypeRef::Any => {}
        // An item or map value that may be null: its inner type's edges, with null accepted.
        TypeRef::OrNull(inner) => return edges(sampler, inner, true, required, hint, place),
    }
    presence(nullable, required, place, &mut out);
    out
}

/// Every value of an enum, and what it refuses: a value outside it, the first in upper case,
/// the empty string, a number in a body.
fn enumerated(values: &[generator::model::EnumValue], place: Place, out: &mut Vec<Edge>) {
    for v in values {
        out.push(accept(v.wire.clone(), json!(v.wire)));
    }
    let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
    out.push(reject("outside", json!("conformance-not-a-value")));
    if let Some(first) = wires.first() {
        let upper = first.to_uppercase();
        if !wires.contains(&upper.as_str()) {
            out.push(reject("wrong_case", json!(upper)));
        }
    }
    if !wires.contains(&"") {
        out.push(reject("empty", json!("")));
    }
    if place == Place::Body {
        out.push(reject("wrong_type", json!(1)));
    }
}

/// `null` (in a body) and the key left out: accepted or refused as `nullable` and
/// `required` say.
fn presence(nullable: bool, required: bool, place: Place, out: &mut Vec<Edge>) {
    if place == Place::Body {
        out.push(if nullable {
            accept("null", Value::Null)
        } else {
            reject("null", Value::Null)
        });
    }
    if required {
        out.push(Edge {
            name: "missing".into(),
            value: None,
            expect: Expect::Rejected,
            raw: None,
        });
    } else {
        out.push(Edge {
            name: "absent".into(),
            value: None,
            expect: Expect::Accepted,
            raw: None,
        });
    }
}

/// The edges of a checked value: per keyword, a value made to test it (an allowed value, a
/// missing required property, a property name `propertyNames` refuses, a value matching `not`,
/// one that takes `if` but breaks `then`, ...). Whether each is accepted or rejected is not
/// guessed: the validator judges the value, as the server's own types would.
fn checked(sampler: &Sampler, ty: &TypeRef, c: &Checked, hint: Hint, out: &mut Vec<Edge>) {
    let mut candidates = typed_candidates(sampler, c, hint);
    candidates.extend(object_candidates(sampler, ty, c, hint));
    candidates.extend(applicator_candidates(sampler, ty, c, hint));
    // A checked value judges `null` by its own types: no flag beside it.
    let whole = TypeUse::non_null(ty.clone());
    for (name, value) in candidates {
        out.push(if validate(sampler.api, &whole, &value).is_empty() {
            accept(name, value)
        } else {
            reject(name, value)
        });
    }
}

/// A checked value's edges of type, `enum` and the rules of each JSON type it admits.
fn typed_candidates(sampler: &Sampler, c: &Checked, hint: Hint) -> Vec<(String, Value)> {
    let mut candidates: Vec<(String, Value)> = Vec::new();
    // A value of a JSON type the schema does not admit at all.
    let outside = [
        (JsonTypes::STRING, json!("conformance")),
        (JsonTypes::NUMBER, json!(1.5)),
        (JsonTypes::BOOLEAN, json!(true)),
        (JsonTypes::OBJECT, json!({})),
        (JsonTypes::ARRAY, json!([])),
    ]
    .into_iter()
    .find(|(t, _)| !c.types.contains(*t) && c.types != JsonTypes::NONE);
    candidates.extend(outside.map(|(_, v)| ("wrong_type".to_owned(), v)));
    if let Some(values) = &c.rules.one_of_values {
        candidates.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("value_{i}"), v.clone())),
        );
        candidates.push(("outside".into(), json!("conformance-not-a-value")));
    }
    // The rules of each JSON type the value admits: each bound and one past it, as for a
    // constrained value of that type (written as JSON: the planner sees whether a
    // parameter's style carries them).
    let r = &c.rules;
    let mut ruled = Vec::new();
    if r.minimum.is_some() || r.maximum.is_some() || r.multiple_of.is_some() {
        if c.types.contains(JsonTypes::NUMBER) {
            number(r, Place::Body, &mut ruled);
        } else if c.types.contains(JsonTypes::INTEGER) {
            integer(r, IntWidth::Unformatted, Place::Body, false, &mut ruled);
        }
    }
    if (r.min_length.is_some() || r.max_length.is_some() || r.pattern.is_some() || r.format.is_some())
        && c.types.contains(JsonTypes::STRING)
    {
        string(sampler.tag, r, hint, Place::Body, &mut ruled);
    }
    if (r.min_items.is_some() || r.max_items.is_some() || r.unique_items) && c.types.contains(JsonTypes::ARRAY) {
        let item = c.applicators.items.map_or(TypeRef::Any, |i| c.subschemas[i].ty.clone());
        array(sampler, &item, r, hint, Place::Body, &mut ruled);
    }
    // The type edges these add are the checked value's own `wrong_type`'s business; a
    // number past 64 bits has no JSON value to judge.
    let type_edges = ["wrong_type", "fraction", "numeric_string", "past_64_bits"];
    candidates.extend(
        ruled
            .into_iter()
            .filter(|e| e.raw.is_none() && !type_edges.contains(&e.name.as_str()))
            .filter_map(|e| Some((e.name, e.value?))),
    );
    candidates
}

/// A checked value's sub-schemas, as its edges use them.
struct Subschemas<'a> {
    sampler: &'a Sampler<'a>,
    checked: &'a Checked,
}

impl Subschemas<'_> {
    /// A valid value of sub-schema `i`.
    fn value(&self, i: usize) -> Option<Value> {
        self.sampler.value(&self.checked.subschemas[i].ty, Hint::default())
    }

    /// Whether sub-schema `i` refuses `value`.
    fn refuses(&self, i: usize, value: &Value) -> bool {
        !validate(self.sampler.api, &self.checked.subschemas[i], value).is_empty()
    }
}

/// A checked object's edges: properties missing, too few or too many, names refused, values
/// a pattern property refuses, keys nothing evaluates.
fn object_candidates(sampler: &Sampler, ty: &TypeRef, c: &Checked, hint: Hint) -> Vec<(String, Value)> {
    let subs = Subschemas { sampler, checked: c };
    let sub_value = |i: usize| subs.value(i);
    let sub_refuses = |i: usize, v: &Value| subs.refuses(i, v);
    let mut candidates = Vec::new();
    let a = &c.applicators;
    if let Some(Value::Object(base)) = sampler.value(ty, hint) {
        for name in &c.required {
            let mut object = base.clone();
            object.remove(name);
            candidates.push((format!("missing_{name}"), Value::Object(object)));
        }
        for (key, partners) in &c.dependent_required {
            for partner in partners {
                let mut object = base.clone();
                object.entry(key.clone()).or_insert(json!("conformance"));
                object.remove(partner);
                candidates.push((format!("{key}_without_{partner}"), Value::Object(object)));
            }
        }
        // Each bound, and one past it: the object's own properties first (required ones
        // first), padded with made-up ones of the kind extra keys take.
        let extra = a
            .additional_properties
            .and_then(sub_value)
            .unwrap_or(json!("conformance"));
        let mut own: Vec<(String, Value)> = base.clone().into_iter().collect();
        own.sort_by_key(|(k, _)| !c.required.contains(k));
        for (name, n) in property_counts(c.min_properties, c.max_properties) {
            if let Some(object) = sized(&own, 0, n, Some(&extra)) {
                candidates.push((name.into(), Value::Object(object)));
            }
        }
        for (key, _) in &a.dependent_schemas {
            let mut object = base.clone();
            object.entry(key.clone()).or_insert(json!("conformance"));
            candidates.push((format!("{key}_with_its_dependent_schema"), Value::Object(object)));
        }
        if a.property_names.is_some() {
            let mut object = base.clone();
            object.insert("conformance Not-A-Name!".into(), json!("conformance"));
            candidates.push(("property_name_outside".into(), Value::Object(object)));
        }
        for (n, (pattern, i)) in a.pattern_properties.iter().enumerate() {
            let wrong = [json!(12345), json!("conformance"), json!(true), json!([])]
                .into_iter()
                .find(|v| sub_refuses(*i, v));
            if let (Some(key), Some(wrong)) = (super::pattern::matching(pattern, "key").into_iter().next(), wrong) {
                let mut object = base.clone();
                object.insert(key, wrong);
                candidates.push((format!("pattern_property_{n}_wrong_type"), Value::Object(object)));
            }
        }
        if a.additional_properties.is_some() {
            let mut object = base.clone();
            object.insert(UNKNOWN_PROPERTY.into(), json!("conformance"));
            candidates.push(("unknown_property".into(), Value::Object(object)));
        }
        if a.unevaluated_properties.is_some() {
            let mut object = base.clone();
            object.insert(UNKNOWN_PROPERTY.into(), json!("conformance"));
            candidates.push(("unevaluated_property".into(), Value::Object(object)));
        }
    }
    candidates
}

/// The edges of `not`, `if`/`then`/`else`, `unevaluatedItems`, `contains`, `oneOf` and
/// `anyOf`: a value made to test each.
fn applicator_candidates(sampler: &Sampler, ty: &TypeRef, c: &Checked, hint: Hint) -> Vec<(String, Value)> {
    let subs = Subschemas { sampler, checked: c };
    let sub_value = |i: usize| subs.value(i);
    let sub_refuses = |i: usize, v: &Value| subs.refuses(i, v);
    let a = &c.applicators;
    let mut candidates = Vec::new();
    if let Some(v) = a.not.and_then(sub_value) {
        candidates.push(("matches_not".into(), v));
    }
    if let Some((condition, then, otherwise)) = a.if_then_else
        && let Some(v) = sub_value(condition)
    {
        let name = if then.is_some_and(|t| sub_refuses(t, &v)) {
            "if_without_then"
        } else {
            "if_then"
        };
        candidates.push((name.into(), v));
        if let Some(v) = otherwise.and_then(sub_value).filter(|v| sub_refuses(condition, v)) {
            candidates.push(("else".into(), v));
        }
    }
    // `unevaluatedItems`: the valid array, its own `prefixItems` filled, and one item more,
    // past what is evaluated.
    if let Some((_, prefix)) = a.unevaluated_items
        && let Some(Value::Array(mut items)) = sampler.value(ty, hint)
    {
        let missing: Option<Vec<Value>> = a.prefix_items.iter().skip(items.len()).map(|i| sub_value(*i)).collect();
        items.extend(missing.into_iter().flatten());
        if items.len() >= prefix {
            items.push(json!("conformance"));
            candidates.push(("unevaluated_item".into(), Value::Array(items)));
        }
    }
    // `contains`: an array with none of what it asks for (its other items kept where
    // `items` gives them), and one with more than `maxContains`.
    if let Some((schema, _, max)) = a.contains
        && let Some(contained) = sub_value(schema)
    {
        let other = a
            .items
            .and_then(sub_value)
            .filter(|v| sub_refuses(schema, v))
            .map_or(json!([]), |v| json!([v]));
        candidates.push(("without_contained".into(), other));
        if let Some(max) = max {
            candidates.push((
                "more_than_max_contains".into(),
                Value::Array(vec![contained; max as usize + 1]),
            ));
        }
    }
    for (list, keyword) in [(&a.one_of, "one_of"), (&a.any_of, "any_of")] {
        for (n, i) in list.iter().enumerate() {
            if let Some(v) = sub_value(*i) {
                candidates.push((format!("{keyword}_{n}"), v));
            }
        }
    }
    candidates
}

fn constrained(sampler: &Sampler, base: &TypeRef, rules: &Rules, hint: Hint, place: Place, out: &mut Vec<Edge>) {
    let api: &Api = sampler.api;
    if let Some(values) = &rules.one_of_values {
        for (i, v) in values.iter().enumerate() {
            out.push(accept(format!("value_{i}"), v.clone()));
        }
    }
    match api.unalias(base) {
        TypeRef::Integer(width) => integer(rules, *width, place, api.whole_floats_are_integers, out),
        TypeRef::Number => number(rules, place, out),
        TypeRef::String => string(sampler.tag, rules, hint, place, out),
        TypeRef::Array(item) => array(sampler, item, rules, hint, place, out),
        TypeRef::Boolean => out.push(reject("wrong_type", json!("maybe"))),
        _ => {}
    }
}

fn integer(rules: &Rules, width: IntWidth, place: Place, whole_floats: bool, out: &mut Vec<Edge>) {
    let bound = |b: f64| b as i128;
    if let Some(min) = rules.minimum {
        let m = bound(min.value);
        if min.exclusive {
            out.push(reject("exclusive_minimum", json!(m)));
            out.push(accept("above_exclusive_minimum", json!(m + 1)));
        } else {
            out.push(reject("below_minimum", json!(m - 1)));
            out.push(accept("minimum", json!(m)));
            out.push(accept("above_minimum", json!(m + 1)));
        }
    }
    if let Some(max) = rules.maximum {
        let m = bound(max.value);
        if max.exclusive {
            out.push(accept("below_exclusive_maximum", json!(m - 1)));
            out.push(reject("exclusive_maximum", json!(m)));
        } else {
            out.push(accept("below_maximum", json!(m - 1)));
            out.push(accept("maximum", json!(m)));
            out.push(reject("above_maximum", json!(m + 1)));
        }
    }
    if rules.multiple_of.is_some_and(|m| m.fract() == 0.0 && m > 1.0) {
        // The smallest multiple inside the bounds, plus one.
        out.push(reject("not_a_multiple", json!(integer_inside(rules, width) + 1)));
    }
    let inside = integer_inside(rules, width);
    if place == Place::Body {
        if whole_floats {
            // JSON Schema 2020-12: a number without a fraction is an integer, however written;
            // but `10.0` is not how an integer is written, and strict readers refuse it.
            out.push(either("whole_number_float", json!(inside as f64)));
        }
        out.push(reject("fraction", json!(inside as f64 + 0.5)));
        out.push(reject("numeric_string", json!(inside.to_string())));
        // 2^64 does not fit a JSON value here: a string stands in for the plan, the digits go on the wire.
        // Without a format or a maximum JSON Schema admits it: nothing to refuse (uspto's `start`).
        if width != IntWidth::Unformatted || rules.maximum.is_some() {
            out.push(Edge {
                raw: Some("18446744073709551616".into()),
                ..reject("past_64_bits", json!("18446744073709551616"))
            });
        }
    } else {
        out.push(reject("wrong_type", json!("not-a-number")));
        out.push(reject("fraction", json!(format!("{inside}.5"))));
    }
}

fn number(rules: &Rules, place: Place, out: &mut Vec<Edge>) {
    if let Some(min) = rules.minimum {
        if min.exclusive {
            out.push(reject("exclusive_minimum", json!(min.value)));
        } else {
            out.push(accept("minimum", json!(min.value)));
            out.push(reject("below_minimum", json!(min.value - 1.0)));
        }
    }
    if let Some(max) = rules.maximum {
        if max.exclusive {
            out.push(reject("exclusive_maximum", json!(max.value)));
        } else {
            out.push(accept("maximum", json!(max.value)));
            out.push(reject("above_maximum", json!(max.value + 1.0)));
        }
    }
    out.push(reject(
        "wrong_type",
        if place == Place::Body {
            json!("1.5")
        } else {
            json!("not-a-number")
        },
    ));
}

/// A string of exactly `n` characters that keeps the format (an url stays an url) and, where
/// it fits, the run tag: a resource made with it can still be told apart and swept.
fn of_length(tag: &str, rules: &Rules, n: u64) -> String {
    let format = rules.format;
    let tagged = match format {
        Some(Format::Uri | Format::UriReference) => Some(format!("https://example.com/{tag}/")),
        None => Some(format!("{tag}-")),
        Some(_) => None,
    };
    // Only a sample that padding keeps valid is a useful start (an url, an email).
    let base = tagged
        .filter(|t| t.chars().count() as u64 <= n)
        .or_else(|| {
            format
                .and_then(|f| f.valid_sample().filter(|s| f.check(&format!("{s}a")).is_ok()))
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let mut s: String = base.chars().take(n as usize).collect();
    while (s.chars().count() as u64) < n {
        s.push('a');
    }
    s
}

fn string(tag: &str, rules: &Rules, hint: Hint, place: Place, out: &mut Vec<Edge>) {
    let lengths = Rules {
        min_length: None,
        max_length: None,
        ..rules.clone()
    };
    if let Some(min) = rules.min_length {
        if min > 0 {
            out.push(reject(
                "shorter_than_min_length",
                json!(of_length(tag, &lengths, min - 1)),
            ));
        }
        out.push(accept("min_length", json!(of_length(tag, &lengths, min))));
    }
    if let Some(max) = rules.max_length {
        out.push(accept("max_length", json!(of_length(tag, &lengths, max))));
        out.push(reject(
            "longer_than_max_length",
            json!(of_length(tag, &lengths, max + 1)),
        ));
    }
    if let Some(format) = rules.format {
        for bad in format.invalid_samples() {
            out.push(reject(bad.what, json!(bad.value)));
        }
    }
    if let Some(pattern) = &rules.pattern {
        // A value that breaks the pattern but nothing else, if one of these does.
        let others = Rules {
            pattern: None,
            ..rules.clone()
        };
        // Another scheme first: URL patterns most often name the schemes they allow.
        let candidates = [
            "http://example.com/conformance",
            "ftp://example.com/conformance",
            " ",
            "",
            "!",
            "conformance",
            "0",
        ];
        let sample = Rules {
            pattern: Some(pattern.clone()),
            ..others.clone()
        };
        let breaks = |v: &str| {
            let fits_others = generator::model::validate::check_rules(hint.name, &others, &json!(v)).is_ok();
            let breaks_pattern = generator::model::validate::check_rules(hint.name, &sample, &json!(v)).is_err();
            fits_others && breaks_pattern
        };
        if let Some(bad) = candidates
            .iter()
            .map(|c| fit_length((*c).to_owned(), &others))
            .find(|c| breaks(c))
        {
            out.push(reject("pattern_mismatch", json!(bad)));
        }
    }
    if place == Place::Body {
        out.push(reject("wrong_type", json!(12345)));
    }
}

/// The edges of an array. A parameter's array is written in its style, where an empty list
/// is no value at all and anything is text: it gets the count edges, and wrong items only
/// where text can be wrong (numbers, booleans); the planner reads each back before planning it.
fn array(sampler: &Sampler, item: &TypeRef, rules: &Rules, hint: Hint, place: Place, out: &mut Vec<Edge>) {
    let in_body = place == Place::Body;
    if in_body {
        let empty_ok = rules.min_items.unwrap_or(0) == 0;
        out.push(Edge {
            name: "empty_array".into(),
            value: Some(json!([])),
            expect: if empty_ok { Expect::Accepted } else { Expect::Rejected },
            raw: None,
        });
    }
    let one = sampler.value(item, Hint::named(hint.name));
    if let Some(max) = rules.max_items
        && let Some(one) = &one
    {
        out.push(reject(
            "more_than_max_items",
            Value::Array(vec![one.clone(); max as usize + 1]),
        ));
    }
    if let (Some(min), Some(one)) = (rules.min_items, &one)
        && min > 1
        // Unique items cannot repeat one value, and a lone item says nothing of the count.
        && (!rules.unique_items || min == 2)
    {
        out.push(reject(
            "fewer_than_min_items",
            Value::Array(vec![one.clone(); min as usize - 1]),
        ));
    }
    if rules.unique_items
        && rules.max_items.is_none_or(|max| max >= 2)
        && let Some(one) = one
    {
        out.push(reject("repeated_items", json!([one.clone(), one])));
    }
    let wrong_item = match sampler.api.unalias(item) {
        TypeRef::Integer(_) | TypeRef::Number | TypeRef::Boolean => Some(json!("conformance")),
        TypeRef::String if in_body => Some(json!(12345)),
        TypeRef::Any => None,
        _ if in_body => Some(json!(12345)),
        _ => None,
    };
    if let Some(bad) = wrong_item {
        out.push(reject("wrong_item_type", json!([bad])));
    }
    // `[null]`, where items may not be null (servers that crash on it are common).
    if in_body && rules.min_items.unwrap_or(0) <= 1 && !sampler.is_valid(item, &Value::Null) {
        out.push(reject("null_item", json!([null])));
    }
    if in_body {
        out.push(reject("wrong_type", json!("conformance")));
    }
}
