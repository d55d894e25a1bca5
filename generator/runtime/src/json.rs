//! JSON Schema's reading of a value no Rust type describes exactly: a set of allowed JSON
//! types plus rules, each rule applying only to instances of its type (`minimum` says
//! nothing about a string). Generated checked newtypes (a `serde_json::Value` inside) and
//! the generator's validator both judge with [`check`], so the two cannot drift.
//!
//! Sub-schemas (`properties`, `items`, `not`, `oneOf`, ...) are numbered by the caller:
//! [`check`] asks `admits(i, value)` whether sub-schema `i` admits a value. Generated code
//! answers by deserializing into the sub-schema's type; the validator by validating.

use serde_json::{Map, Value};

use crate::rules::{self, ArrayRules, Check, ConstraintError, NumberRules, StringRules};

/// A set of JSON types. `INTEGER` is a part of `NUMBER`: a set with `NUMBER` admits integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct JsonTypes(pub u8);

impl JsonTypes {
    pub const NONE: JsonTypes = JsonTypes(0);
    pub const NULL: JsonTypes = JsonTypes(1);
    pub const BOOLEAN: JsonTypes = JsonTypes(1 << 1);
    pub const INTEGER: JsonTypes = JsonTypes(1 << 2);
    pub const NUMBER: JsonTypes = JsonTypes(1 << 3);
    pub const STRING: JsonTypes = JsonTypes(1 << 4);
    pub const ARRAY: JsonTypes = JsonTypes(1 << 5);
    pub const OBJECT: JsonTypes = JsonTypes(1 << 6);
    pub const ANY: JsonTypes = JsonTypes((1 << 7) - 1);

    const NAMES: [(JsonTypes, &'static str); 7] = [
        (JsonTypes::NULL, "null"),
        (JsonTypes::BOOLEAN, "boolean"),
        (JsonTypes::INTEGER, "integer"),
        (JsonTypes::NUMBER, "number"),
        (JsonTypes::STRING, "string"),
        (JsonTypes::ARRAY, "array"),
        (JsonTypes::OBJECT, "object"),
    ];

    pub const fn with(self, other: JsonTypes) -> JsonTypes {
        JsonTypes(self.0 | other.0)
    }

    pub const fn contains(self, other: JsonTypes) -> bool {
        self.0 & other.0 == other.0
    }

    /// The type a JSON type name (`"string"`, `"null"`, ...) stands for.
    pub fn from_name(name: &str) -> Option<JsonTypes> {
        JsonTypes::NAMES.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }

    /// Whether `value` is of one of the types. `whole_floats_are_integers`: 2020-12 counts
    /// `1.0` as an integer; draft 4 does not.
    pub fn admits(self, value: &Value, whole_floats_are_integers: bool) -> bool {
        let of = match value {
            Value::Null => JsonTypes::NULL,
            Value::Bool(_) => JsonTypes::BOOLEAN,
            Value::Number(n) if is_integer(n, whole_floats_are_integers) => JsonTypes::INTEGER,
            Value::Number(_) => JsonTypes::NUMBER,
            Value::String(_) => JsonTypes::STRING,
            Value::Array(_) => JsonTypes::ARRAY,
            Value::Object(_) => JsonTypes::OBJECT,
        };
        self.0 & of.0 != 0 || (of == JsonTypes::INTEGER && self.contains(JsonTypes::NUMBER))
    }

    /// `string, null`, for messages.
    pub fn names(self) -> String {
        let names: Vec<&str> = JsonTypes::NAMES
            .iter()
            .filter(|(t, _)| self.contains(*t))
            .map(|(_, n)| *n)
            .collect();
        if names.is_empty() {
            "nothing".to_owned()
        } else {
            names.join(", ")
        }
    }
}

use crate::numbers::is_integer;

/// Equality as JSON Schema defines it: numbers by value (`1` = `1.0`), objects regardless
/// of key order, arrays item by item.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// Keywords on objects that name no sub-schema.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ObjectRules<'a> {
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub required: &'a [&'a str],
    /// `dependentRequired`: when the first is present, so must be each of the others.
    pub dependent_required: &'a [(&'a str, &'a [&'a str])],
}

/// The keywords that apply sub-schemas, each naming its sub-schema by number.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Applicators<'a> {
    pub properties: &'a [(&'a str, usize)],
    pub pattern_properties: &'a [(&'a str, usize)],
    /// `dependentSchemas`: when the property is present, the whole object must match.
    pub dependent_schemas: &'a [(&'a str, usize)],
    /// Applies to the properties neither `properties` nor `patternProperties` name.
    pub additional_properties: Option<usize>,
    pub property_names: Option<usize>,
    pub prefix_items: &'a [usize],
    /// Applies to the items after `prefix_items`.
    pub items: Option<usize>,
    pub all_of: &'a [usize],
    pub any_of: &'a [usize],
    pub one_of: &'a [usize],
    pub not: Option<usize>,
    pub if_then_else: Option<(usize, Option<usize>, Option<usize>)>,
    /// `contains`, `minContains` (1 unless set) and `maxContains`: how many items the
    /// sub-schema must admit.
    pub contains: Option<(usize, u64, Option<u64>)>,
    pub unevaluated_properties: Option<Unevaluated<'a>>,
    /// `unevaluatedItems`: the sub-schema applies to every item after the first `.1` (the
    /// longest `prefixItems` here and in the `allOf` members and references applied in place)
    /// that no branch below evaluates and `contains` (here) does not admit.
    pub unevaluated_items: Option<(usize, usize)>,
    /// What the sub-schemas of `anyOf`, `oneOf`, `if`/`then`/`else` and `dependentSchemas`
    /// evaluate, counted for `unevaluatedProperties` and `unevaluatedItems` only where the
    /// branch holds for the value (JSON Schema collects annotations only from schemas that
    /// pass).
    pub evaluated_by_value: &'a [Branch<'a>],
}

/// What one branch evaluates when it holds for the value: when every one of its conditions
/// does (a branch inside a branch holds where both do).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Branch<'a> {
    pub when: &'a [When<'a>],
    pub names: &'a [&'a str],
    pub patterns: &'a [&'a str],
    /// Every property (its `additionalProperties`, or an `unevaluatedProperties` of its own).
    pub all_properties: bool,
    /// How many leading items it evaluates by position.
    pub prefix: usize,
    /// Every item (its `items`, or an `unevaluatedItems` of its own).
    pub all_items: bool,
    /// The items this sub-schema admits (a `contains` of a schema applied in place).
    pub contains: Option<usize>,
}

/// When a [`Branch`] holds for a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When<'a> {
    /// Sub-schema `i` admits it (an `anyOf`/`oneOf` member; `if` and `then` when `if` does).
    Admits(usize),
    /// Sub-schema `i` refuses it (`else`, when `if` does not hold).
    Refuses(usize),
    /// It is an object with this property (`dependentSchemas`; its schema must then admit it).
    Has(&'a str),
}

/// The branches of `a` that hold for `value`.
fn holding<'a>(
    a: &'a Applicators<'a>,
    value: &Value,
    admits: &mut dyn FnMut(usize, &Value) -> bool,
) -> Vec<&'a Branch<'a>> {
    a.evaluated_by_value
        .iter()
        .filter(|b| {
            b.when.iter().all(|when| match *when {
                When::Admits(i) => admits(i, value),
                When::Refuses(i) => !admits(i, value),
                When::Has(key) => value.as_object().is_some_and(|m| m.contains_key(key)),
            })
        })
        .collect()
}

/// `unevaluatedProperties` where the properties evaluated beside it are known from the
/// schema alone: `names` and `patterns` are those of `properties` and `patternProperties`
/// here and in the `allOf` members and references applied in place. Sub-schema `schema`
/// applies to every other property.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unevaluated<'a> {
    pub schema: usize,
    pub names: &'a [&'a str],
    pub patterns: &'a [&'a str],
}

/// Everything a checked value must satisfy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueRules<'a> {
    pub types: JsonTypes,
    pub whole_floats_are_integers: bool,
    pub numbers: NumberRules,
    pub strings: StringRules<'a>,
    pub arrays: ArrayRules,
    pub objects: ObjectRules<'a>,
    /// `enum` / `const`: the values allowed, as JSON text.
    pub allowed: Option<&'a [&'a str]>,
    pub applicators: Applicators<'a>,
}

impl ObjectRules<'static> {
    pub const NONE: ObjectRules<'static> = ObjectRules {
        min_properties: None,
        max_properties: None,
        required: &[],
        dependent_required: &[],
    };
}

impl Applicators<'static> {
    pub const NONE: Applicators<'static> = Applicators {
        properties: &[],
        pattern_properties: &[],
        dependent_schemas: &[],
        additional_properties: None,
        property_names: None,
        prefix_items: &[],
        items: None,
        all_of: &[],
        any_of: &[],
        one_of: &[],
        not: None,
        if_then_else: None,
        contains: None,
        unevaluated_properties: None,
        unevaluated_items: None,
        evaluated_by_value: &[],
    };
}

impl ValueRules<'static> {
    /// Any JSON value, no rules: generated code sets what the spec sets over it
    /// (`ValueRules { types: ..., ..ValueRules::NONE }`).
    pub const NONE: ValueRules<'static> = ValueRules {
        types: JsonTypes::ANY,
        whole_floats_are_integers: false,
        numbers: NumberRules::NONE,
        strings: StringRules::NONE,
        arrays: ArrayRules::NONE,
        objects: ObjectRules::NONE,
        allowed: None,
        applicators: Applicators::NONE,
    };
}

/// The rules of a checked value (a constrained type holding a `Value`, declared with
/// [`newtype!`](crate::newtype)): the JSON types and rules over them, and whether sub-schema
/// `i` (as `rules` numbers them) admits a value, which generated code answers with its
/// sub-schemas' own types ([`admits`]).
#[derive(Debug, Clone, Copy)]
pub struct ValueCheck {
    pub rules: ValueRules<'static>,
    pub admits: fn(usize, &Value) -> bool,
}

impl ValueCheck {
    /// Rules with no sub-schemas.
    pub const fn of(rules: ValueRules<'static>) -> ValueCheck {
        ValueCheck {
            rules,
            admits: |_, _| false,
        }
    }
}

impl Check<Value> for ValueCheck {
    fn check(&self, subject: &str, value: &Value) -> Result<(), ConstraintError> {
        let mut admits = self.admits;
        check(subject, value, &self.rules, &mut admits)
    }
}

fn fail(subject: &str, rule: &'static str, message: String) -> ConstraintError {
    ConstraintError {
        subject: subject.to_owned(),
        rule,
        message,
    }
}

/// Judges `value` by `rules`; `admits(i, v)` says whether sub-schema `i` admits `v`.
pub fn check(
    subject: &str,
    value: &Value,
    rules: &ValueRules<'_>,
    admits: &mut dyn FnMut(usize, &Value) -> bool,
) -> Result<(), ConstraintError> {
    if !rules.types.admits(value, rules.whole_floats_are_integers) {
        return Err(fail(
            subject,
            "type",
            format!("must be of type {}, got {value}", rules.types.names()),
        ));
    }
    if let Some(allowed) = rules.allowed {
        let found = allowed
            .iter()
            .any(|a| serde_json::from_str::<Value>(a).is_ok_and(|a| equal(&a, value)));
        if !found {
            return Err(fail(
                subject,
                "enum",
                format!("must be one of [{}], got {value}", allowed.join(", ")),
            ));
        }
    }
    match value {
        Value::Number(n) => match n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)) {
            Some(i) => rules::check_integer(subject, i, &rules.numbers)?,
            None => rules::check_number(subject, n.as_f64().unwrap_or(f64::NAN), &rules.numbers)?,
        },
        Value::String(s) => rules::check_string(subject, s, &rules.strings)?,
        Value::Array(items) => check_array(subject, value, items, rules, admits)?,
        Value::Object(map) => {
            check_object(subject, value, map, rules, admits)?;
            for (key, schema) in rules.applicators.dependent_schemas {
                if map.contains_key(*key) && !admits(*schema, value) {
                    return Err(fail(
                        subject,
                        "dependentSchemas",
                        format!("has `{key}`, so must match the schema that depends on it: {value}"),
                    ));
                }
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
    check_combinators(subject, value, &rules.applicators, admits)
}

fn check_array(
    subject: &str,
    value: &Value,
    items: &[Value],
    rules: &ValueRules<'_>,
    admits: &mut dyn FnMut(usize, &Value) -> bool,
) -> Result<(), ConstraintError> {
    let counts = ArrayRules {
        unique_items: false,
        ..rules.arrays
    };
    rules::check_array(subject, items, &counts)?;
    if rules.arrays.unique_items
        && let Some(i) = (1..items.len()).find(|&i| items[..i].iter().any(|earlier| equal(earlier, &items[i])))
    {
        return Err(fail(
            subject,
            "uniqueItems",
            format!("must not repeat items, but item {i} repeats an earlier one"),
        ));
    }
    let a = &rules.applicators;
    for (i, item) in items.iter().enumerate() {
        let (schema, keyword) = match a.prefix_items.get(i) {
            Some(s) => (Some(*s), "prefixItems"),
            None => (a.items, "items"),
        };
        if let Some(schema) = schema
            && !admits(schema, item)
        {
            return Err(fail(
                subject,
                keyword,
                format!("has item {i} ({item}) that its `{keyword}` schema refuses"),
            ));
        }
    }
    if let Some((schema, prefix)) = a.unevaluated_items {
        let holding = holding(a, value, admits);
        let all = holding.iter().any(|b| b.all_items);
        let prefix = holding.iter().map(|b| b.prefix).fold(prefix, usize::max);
        let contains = a.contains.map(|(schema, _, _)| schema);
        let unevaluated = items.iter().enumerate().skip(prefix).find(|(_, item)| {
            !all && !contains.is_some_and(|c| admits(c, item))
                && !holding.iter().any(|b| b.contains.is_some_and(|c| admits(c, item)))
                && !admits(schema, item)
        });
        if let Some((i, item)) = unevaluated {
            return Err(fail(
                subject,
                "unevaluatedItems",
                format!("has item {i} ({item}), which no schema evaluates and `unevaluatedItems` refuses"),
            ));
        }
    }
    if let Some((schema, min, max)) = a.contains {
        let admitted = items.iter().filter(|item| admits(schema, item)).count() as u64;
        if admitted < min {
            let rule = if min == 1 { "contains" } else { "minContains" };
            return Err(fail(
                subject,
                rule,
                format!("must have at least {min} items its `contains` schema admits, has {admitted}"),
            ));
        }
        if let Some(max) = max
            && admitted > max
        {
            return Err(fail(
                subject,
                "maxContains",
                format!("must have at most {max} items its `contains` schema admits, has {admitted}"),
            ));
        }
    }
    Ok(())
}

/// `minProperties` and `maxProperties` on an object of `n` properties.
pub fn check_property_count(subject: &str, n: u64, rules: &ObjectRules<'_>) -> Result<(), ConstraintError> {
    if let Some(min) = rules.min_properties
        && n < min
    {
        return Err(fail(
            subject,
            "minProperties",
            format!("must have at least {min} properties, got {n}"),
        ));
    }
    if let Some(max) = rules.max_properties
        && n > max
    {
        return Err(fail(
            subject,
            "maxProperties",
            format!("must have at most {max} properties, got {n}"),
        ));
    }
    Ok(())
}

fn check_object(
    subject: &str,
    value: &Value,
    map: &Map<String, Value>,
    rules: &ValueRules<'_>,
    admits: &mut dyn FnMut(usize, &Value) -> bool,
) -> Result<(), ConstraintError> {
    let o = &rules.objects;
    check_property_count(subject, map.len() as u64, o)?;
    if let Some(missing) = o.required.iter().find(|k| !map.contains_key(**k)) {
        return Err(fail(
            subject,
            "required",
            format!("must have the required property `{missing}`"),
        ));
    }
    for (key, partners) in o.dependent_required {
        if map.contains_key(*key)
            && let Some(missing) = partners.iter().find(|k| !map.contains_key(**k))
        {
            return Err(fail(
                subject,
                "dependentRequired",
                format!("has `{key}`, so must have `{missing}` too"),
            ));
        }
    }
    let a = &rules.applicators;
    let holding = if a.unevaluated_properties.is_some() {
        holding(a, value, admits)
    } else {
        Vec::new()
    };
    for (key, v) in map {
        if let Some(names) = a.property_names
            && !admits(names, &Value::String(key.clone()))
        {
            return Err(fail(
                subject,
                "propertyNames",
                format!("has a property name its `propertyNames` schema refuses: {key:?}"),
            ));
        }
        let mut named = false;
        for (name, schema) in a.properties.iter().filter(|(name, _)| name == key) {
            named = true;
            if !admits(*schema, v) {
                return Err(fail(
                    subject,
                    "properties",
                    format!("has property `{name}` with a value its schema refuses: {v}"),
                ));
            }
        }
        for (pattern, schema) in a.pattern_properties {
            if rules::matches(pattern, key) {
                named = true;
                if !admits(*schema, v) {
                    return Err(fail(
                        subject,
                        "patternProperties",
                        format!("has property `{key}` (matching `{pattern}`) with a value its schema refuses: {v}"),
                    ));
                }
            }
        }
        if !named
            && let Some(schema) = a.additional_properties
            && !admits(schema, v)
        {
            return Err(fail(
                subject,
                "additionalProperties",
                format!("has property `{key}`, which the schema does not allow with the value {v}"),
            ));
        }
        if let Some(u) = a.unevaluated_properties
            && !u.names.contains(&key.as_str())
            && !u.patterns.iter().any(|p| rules::matches(p, key))
            && !holding.iter().any(|b| {
                b.all_properties || b.names.contains(&key.as_str()) || b.patterns.iter().any(|p| rules::matches(p, key))
            })
            && !admits(u.schema, v)
        {
            return Err(fail(
                subject,
                "unevaluatedProperties",
                format!(
                    "has property `{key}`, which no schema evaluates and `unevaluatedProperties` refuses with the value {v}"
                ),
            ));
        }
    }
    Ok(())
}

fn check_combinators(
    subject: &str,
    value: &Value,
    a: &Applicators<'_>,
    admits: &mut dyn FnMut(usize, &Value) -> bool,
) -> Result<(), ConstraintError> {
    if let Some(i) = a.all_of.iter().position(|s| !admits(*s, value)) {
        return Err(fail(
            subject,
            "allOf",
            format!("does not match `allOf` schema {i}: {value}"),
        ));
    }
    if !a.any_of.is_empty() && !a.any_of.iter().any(|s| admits(*s, value)) {
        return Err(fail(
            subject,
            "anyOf",
            format!("matches none of the `anyOf` schemas: {value}"),
        ));
    }
    if !a.one_of.is_empty() {
        let matched = a.one_of.iter().filter(|s| admits(**s, value)).count();
        if matched != 1 {
            return Err(fail(
                subject,
                "oneOf",
                format!("must match exactly one `oneOf` schema, matches {matched}: {value}"),
            ));
        }
    }
    if let Some(not) = a.not
        && admits(not, value)
    {
        return Err(fail(subject, "not", format!("matches the `not` schema: {value}")));
    }
    if let Some((condition, then, otherwise)) = a.if_then_else {
        let (branch, keyword) = if admits(condition, value) {
            (then, "then")
        } else {
            (otherwise, "else")
        };
        if let Some(branch) = branch
            && !admits(branch, value)
        {
            return Err(fail(
                subject,
                keyword,
                format!("does not match the `{keyword}` schema its `if` chose: {value}"),
            ));
        }
    }
    Ok(())
}

/// Whether a value is admitted by a type of generated code (with `null` allowed too when
/// `nullable`): what generated checked newtypes answer for their sub-schemas.
pub fn admits<T: serde::de::DeserializeOwned>(value: &Value, nullable: bool) -> bool {
    (nullable && value.is_null()) || T::deserialize(value).is_ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const BASE: ValueRules<'static> = ValueRules {
        whole_floats_are_integers: true,
        ..ValueRules::NONE
    };

    crate::newtype! {
        #[newtype(value(serde_json::Value), "tag")]
        #[rules = ValueCheck {
            rules: ValueRules {
                types: JsonTypes::STRING.with(JsonTypes::INTEGER),
                applicators: Applicators { not: Some(0), ..Applicators::NONE },
                ..BASE
            },
            admits: |schema, value| schema == 0 && value == &json!("none"),
        }]
        /// A string or an integer, but not `"none"`.
        pub type Tag = crate::newtype::Constrained<TagRules_>;
    }

    /// A checked value is a constrained type holding the JSON as it came: read through its
    /// rules and its sub-schemas' `admits`, written back as it was, shown by its name.
    #[test]
    fn a_checked_value_keeps_its_rules_and_its_json() {
        let tag: Tag = serde_json::from_str("1").unwrap();
        assert_eq!(tag.get(), &json!(1));
        let tag: Tag = serde_json::from_str(r#""blue""#).unwrap();
        assert_eq!(serde_json::to_string(&tag).unwrap(), r#""blue""#);
        assert_eq!(format!("{tag:?}"), r#"Tag(String("blue"))"#);
        assert_eq!(serde_json::Value::from(tag.clone()), json!("blue"));
        let e = serde_json::from_str::<Tag>(r#""none""#).unwrap_err().to_string();
        assert!(e.starts_with("tag matches the `not` schema"), "{e}");
        let e = serde_json::from_str::<Tag>("[1]").unwrap_err().to_string();
        assert!(e.starts_with("tag must be of type integer, string"), "{e}");
        assert!(Tag::try_from(json!(2.5)).is_err());
    }

    #[test]
    fn rules_apply_only_to_their_type() {
        let rules = ValueRules {
            numbers: NumberRules {
                minimum: Some(rules::Bound {
                    value: 1.1,
                    exclusive: false,
                }),
                ..BASE.numbers
            },
            ..BASE
        };
        let mut none = |_: usize, _: &Value| false;
        assert!(check("x", &json!("text"), &rules, &mut none).is_ok());
        assert!(check("x", &json!(null), &rules, &mut none).is_ok());
        assert_eq!(check("x", &json!(0.5), &rules, &mut none).unwrap_err().rule, "minimum");
    }

    #[test]
    fn one_of_is_exactly_one_and_enum_compares_as_json() {
        let rules = ValueRules {
            applicators: Applicators {
                one_of: &[0, 1],
                ..BASE.applicators
            },
            allowed: Some(&["1", "[1, {\"a\": 2}]"]),
            ..BASE
        };
        let mut both = |_: usize, _: &Value| true;
        assert_eq!(check("x", &json!(1.0), &rules, &mut both).unwrap_err().rule, "oneOf");
        let mut first = |i: usize, _: &Value| i == 0;
        assert!(check("x", &json!(1.0), &rules, &mut first).is_ok());
        assert!(check("x", &json!([1.0, {"a": 2}]), &rules, &mut first).is_ok());
        assert_eq!(check("x", &json!(2), &rules, &mut first).unwrap_err().rule, "enum");
    }

    #[test]
    fn contains_counts_the_items_its_schema_admits() {
        // Sub-schema 0 admits the number 1 only.
        let mut ones = |_: usize, v: &Value| v == &json!(1);
        let with = |min: u64, max: Option<u64>| ValueRules {
            applicators: Applicators {
                contains: Some((0, min, max)),
                ..BASE.applicators
            },
            ..BASE
        };
        let error = |rules: &ValueRules<'_>, v: Value, admits: &mut dyn FnMut(usize, &Value) -> bool| {
            check("x", &v, rules, admits).err().map(|e| e.rule)
        };
        assert_eq!(error(&with(1, None), json!([2, 1]), &mut ones), None);
        assert_eq!(error(&with(1, None), json!([2, 3]), &mut ones), Some("contains"));
        assert_eq!(error(&with(1, None), json!([]), &mut ones), Some("contains"));
        assert_eq!(error(&with(2, Some(3)), json!([1, 2]), &mut ones), Some("minContains"));
        assert_eq!(error(&with(2, Some(3)), json!([1, 1, 1]), &mut ones), None);
        assert_eq!(
            error(&with(2, Some(3)), json!([1, 1, 1, 1]), &mut ones),
            Some("maxContains")
        );
        // `minContains: 0` admits an array with none; only the maximum is left.
        assert_eq!(error(&with(0, Some(1)), json!([]), &mut ones), None);
        assert_eq!(error(&with(0, Some(1)), json!([1, 1]), &mut ones), Some("maxContains"));
        // Not an array: nothing to count.
        assert_eq!(error(&with(1, None), json!("text"), &mut ones), None);
    }

    #[test]
    fn unevaluated_properties_apply_to_the_properties_no_schema_evaluates() {
        let rules = ValueRules {
            applicators: Applicators {
                unevaluated_properties: Some(Unevaluated {
                    schema: 0,
                    names: &["id"],
                    patterns: &["^x-"],
                }),
                ..BASE.applicators
            },
            ..BASE
        };
        // Sub-schema 0 is `false`: no other property at all.
        let mut nothing = |_: usize, _: &Value| false;
        assert!(check("x", &json!({"id": 1, "x-note": "a"}), &rules, &mut nothing).is_ok());
        let e = check("x", &json!({"id": 1, "name": "a"}), &rules, &mut nothing).unwrap_err();
        assert_eq!(e.rule, "unevaluatedProperties");
        assert!(e.message.contains("`name`"), "{}", e.message);
    }

    #[test]
    fn unevaluated_properties_count_only_the_branches_that_hold() {
        // `anyOf: [{properties: {a}, required: [a]}, {properties: {b}, required: [b]}]`,
        // `unevaluatedProperties: false`: sub-schema 0 is `false`, 1 and 2 the branches.
        let branches = [
            Branch {
                when: &[When::Admits(1)],
                names: &["a"],
                patterns: &[],
                all_properties: false,
                prefix: 0,
                all_items: false,
                contains: None,
            },
            Branch {
                when: &[When::Admits(2)],
                names: &["b"],
                patterns: &[],
                all_properties: false,
                prefix: 0,
                all_items: false,
                contains: None,
            },
        ];
        let rules = ValueRules {
            applicators: Applicators {
                any_of: &[1, 2],
                unevaluated_properties: Some(Unevaluated {
                    schema: 0,
                    names: &[],
                    patterns: &[],
                }),
                evaluated_by_value: &branches,
                ..BASE.applicators
            },
            ..BASE
        };
        let mut admits = |i: usize, v: &Value| match i {
            1 => v.get("a").is_some(),
            2 => v.get("b").is_some(),
            _ => false,
        };
        assert!(check("x", &json!({"a": 1}), &rules, &mut admits).is_ok());
        assert!(check("x", &json!({"a": 1, "b": 2}), &rules, &mut admits).is_ok());
        let e = check("x", &json!({"a": 1, "c": 3}), &rules, &mut admits).unwrap_err();
        assert_eq!(e.rule, "unevaluatedProperties");
    }

    #[test]
    fn unevaluated_items_apply_after_the_evaluated_prefix() {
        let rules = ValueRules {
            applicators: Applicators {
                unevaluated_items: Some((0, 2)),
                ..BASE.applicators
            },
            ..BASE
        };
        // Sub-schema 0 admits strings only.
        let mut strings = |_: usize, v: &Value| v.is_string();
        assert!(check("x", &json!([1, 2, "a"]), &rules, &mut strings).is_ok());
        let e = check("x", &json!([1, 2, 3]), &rules, &mut strings).unwrap_err();
        assert_eq!((e.rule, e.message.contains("item 2")), ("unevaluatedItems", true));
    }

    #[test]
    fn types_count_whole_floats_as_integers_in_2020_12_only() {
        assert!(JsonTypes::INTEGER.admits(&json!(1.0), true));
        assert!(!JsonTypes::INTEGER.admits(&json!(1.0), false));
        assert!(JsonTypes::NUMBER.admits(&json!(1), false));
        assert_eq!(JsonTypes::STRING.with(JsonTypes::NULL).names(), "null, string");
    }
}
