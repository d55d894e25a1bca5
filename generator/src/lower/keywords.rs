//! Reading a schema's keywords: its kind (`type`, or what its keywords imply), integer
//! widths, and the validation rules with 3.0 and 3.1 exclusive bounds made one.

use codegen_runtime::formats::{Format, FormatMode};
use serde_json::{Map, Value};

use crate::error::{Error, Result, describe, join};
use crate::model::{Bound, IntWidth, Rules};

/// The validation keywords of a schema of `kind`, checked for sense.
pub(super) fn rules(map: &Map<String, Value>, pointer: &str, kind: Kind, formats: FormatMode) -> Result<Rules> {
    let number = |key: &str| -> Result<Option<f64>> {
        match map.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| Error::invalid(join(pointer, key), "a number", describe(v))),
        }
    };
    let count = |key: &str| count(map, pointer, key);
    let mut rules = Rules::default();
    match kind {
        Kind::Integer | Kind::Number => {
            rules.minimum = bound(map, pointer, "minimum", "exclusiveMinimum")?;
            rules.maximum = bound(map, pointer, "maximum", "exclusiveMaximum")?;
            rules.multiple_of = number("multipleOf")?;
            if rules.multiple_of.is_some_and(|m| m <= 0.0) {
                return Err(Error::invalid(
                    join(pointer, "multipleOf"),
                    "a number above 0",
                    format!("{:?}", rules.multiple_of),
                ));
            }
        }
        Kind::String => {
            rules.min_length = count("minLength")?;
            rules.max_length = count("maxLength")?;
            if let Some(p) = map.get("pattern") {
                rules.pattern = Some(
                    p.as_str()
                        .ok_or_else(|| {
                            Error::invalid(join(pointer, "pattern"), "a regular expression string", describe(p))
                        })?
                        .to_owned(),
                );
            }
            rules.format = checked_format(map, formats);
            if let (Some(min), Some(max)) = (rules.min_length, rules.max_length)
                && min > max
            {
                return Err(Error::inconsistent(
                    pointer,
                    format!("minLength {min} is above maxLength {max}"),
                ));
            }
        }
        Kind::Array => {
            rules.min_items = count("minItems")?;
            rules.max_items = count("maxItems")?;
            rules.unique_items = map.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        }
        _ => {}
    }
    if let (Some(min), Some(max)) = (rules.minimum, rules.maximum)
        && min.value > max.value
    {
        return Err(Error::inconsistent(
            pointer,
            format!("minimum {} is above maximum {}", min.value, max.value),
        ));
    }
    Ok(rules)
}

/// The schema's `format`, read once here for all of lowering: only formats that can refuse a
/// string are kept; the others (`password`, `binary`, the numeric widths, names the workspace
/// does not know) only annotate, so they never reach [`Rules`] (unknown names are accepted
/// as JSON Schema prescribes, without a warning). In [`FormatMode::Annotate`] none does.
pub(super) fn checked_format(map: &Map<String, Value>, formats: FormatMode) -> Option<Format> {
    if formats == FormatMode::Annotate {
        return None;
    }
    map.get("format")
        .and_then(Value::as_str)
        .and_then(Format::from_name)
        .filter(|f| f.is_checked())
}

/// A non-negative integer keyword (`maxLength`, `minProperties`); 2020-12 counts `2.0` as 2.
pub(super) fn count(map: &Map<String, Value>, pointer: &str, key: &str) -> Result<Option<u64>> {
    match map.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64))
            .map(Some)
            .ok_or_else(|| Error::invalid(join(pointer, key), "a non-negative integer", describe(v))),
    }
}

/// A lower or upper bound: 3.0 writes `minimum: 1, exclusiveMinimum: true`, 3.1 `exclusiveMinimum: 1`.
fn bound(map: &Map<String, Value>, pointer: &str, inclusive: &str, exclusive: &str) -> Result<Option<Bound>> {
    let inclusive_value = match map.get(inclusive) {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .ok_or_else(|| Error::invalid(join(pointer, inclusive), "a number", describe(v)))?,
        ),
    };
    match map.get(exclusive) {
        None | Some(Value::Bool(false)) => Ok(inclusive_value.map(|value| Bound {
            value,
            exclusive: false,
        })),
        Some(Value::Bool(true)) => match inclusive_value {
            Some(value) => Ok(Some(Bound { value, exclusive: true })),
            None => Err(Error::invalid(
                join(pointer, exclusive),
                format!("`{inclusive}` beside `{exclusive}: true`"),
                "none",
            )),
        },
        Some(Value::Number(n)) => {
            let value = n.as_f64().unwrap_or_default();
            // Both given: the tighter one decides.
            Ok(Some(match inclusive_value {
                Some(i) if (inclusive == "minimum" && i > value) || (inclusive == "maximum" && i < value) => Bound {
                    value: i,
                    exclusive: false,
                },
                _ => Bound { value, exclusive: true },
            }))
        }
        Some(other) => Err(Error::invalid(
            join(pointer, exclusive),
            "a number (3.1) or a boolean (3.0)",
            describe(other),
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    /// `type: 'null'` (or `nullable` with no other type): only `null`, lowered to any value.
    Null,
    /// No `type`, and none could be inferred from the other keywords: any JSON value.
    Unknown,
}

impl Kind {
    pub(super) fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "string" => Kind::String,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "array" => Kind::Array,
            "object" => Kind::Object,
            "null" => Kind::Null,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::Null => "null",
            // Never a `type` value; only explicit types are named (`type: [string, integer]`).
            Kind::Unknown => "any",
        }
    }
}

/// A schema without `type` still says what it is through its keywords; [`Kind::Unknown`]
/// when they say nothing.
pub(super) fn infer_type(map: &Map<String, Value>, values: Option<&[Value]>, formats: FormatMode) -> Kind {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if let Some(values) = values {
        if values.iter().all(Value::is_string) && !values.is_empty() {
            return Kind::String;
        }
        if values.iter().all(|v| v.is_i64() || v.is_u64()) && !values.is_empty() {
            return Kind::Integer;
        }
        if values.iter().all(Value::is_number) && !values.is_empty() {
            return Kind::Number;
        }
        if values.iter().all(Value::is_boolean) && !values.is_empty() {
            return Kind::Boolean;
        }
    }
    if has(&["properties", "additionalProperties", "required"]) {
        Kind::Object
    } else if has(&["items", "minItems", "maxItems", "uniqueItems"]) {
        Kind::Array
    } else if has(&["minLength", "maxLength", "pattern"]) || checked_format(map, formats).is_some() {
        Kind::String
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Kind::Number
    } else {
        Kind::Unknown
    }
}

pub(super) fn int_width(map: &Map<String, Value>) -> IntWidth {
    match map.get("format").and_then(Value::as_str) {
        Some("int32") => IntWidth::I32,
        Some("uint32") => IntWidth::U32,
        Some("uint64") => IntWidth::U64,
        Some("int64") => IntWidth::I64,
        _ => IntWidth::Unformatted,
    }
}
