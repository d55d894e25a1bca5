//! The checks behind every constrained type: one implementation, used by generated
//! newtypes at runtime and by the generator and the conformance runner on JSON values.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use crate::pattern::Pattern;

use crate::formats::Format;

/// A value outside what the spec allows: names the field, the rule, the bound and the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintError {
    pub subject: String,
    /// The JSON Schema keyword that was broken (`minimum`, `maxLength`, `format`, ...).
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for ConstraintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.subject, self.message, self.rule)
    }
}

impl std::error::Error for ConstraintError {}

fn fail(subject: &str, rule: &'static str, message: String) -> ConstraintError {
    ConstraintError {
        subject: subject.to_owned(),
        rule,
        message,
    }
}

/// A lower or upper bound on a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NumberRules {
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub multiple_of: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StringRules<'a> {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<&'a str>,
    pub format: Option<Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArrayRules {
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
}

// Builders, so that generated code names only the rules a spec sets:
// `StringRules::NONE.max_length(10).format(Format::Email)`.
impl NumberRules {
    pub const NONE: NumberRules = NumberRules {
        minimum: None,
        maximum: None,
        multiple_of: None,
    };
    pub const fn minimum(self, value: f64) -> Self {
        NumberRules {
            minimum: Some(Bound {
                value,
                exclusive: false,
            }),
            ..self
        }
    }
    pub const fn exclusive_minimum(self, value: f64) -> Self {
        NumberRules {
            minimum: Some(Bound { value, exclusive: true }),
            ..self
        }
    }
    pub const fn maximum(self, value: f64) -> Self {
        NumberRules {
            maximum: Some(Bound {
                value,
                exclusive: false,
            }),
            ..self
        }
    }
    pub const fn exclusive_maximum(self, value: f64) -> Self {
        NumberRules {
            maximum: Some(Bound { value, exclusive: true }),
            ..self
        }
    }
    pub const fn multiple_of(self, value: f64) -> Self {
        NumberRules {
            multiple_of: Some(value),
            ..self
        }
    }
}

impl StringRules<'static> {
    pub const NONE: StringRules<'static> = StringRules {
        min_length: None,
        max_length: None,
        pattern: None,
        format: None,
    };
}

impl<'a> StringRules<'a> {
    pub const fn min_length(self, value: u64) -> Self {
        StringRules {
            min_length: Some(value),
            ..self
        }
    }
    pub const fn max_length(self, value: u64) -> Self {
        StringRules {
            max_length: Some(value),
            ..self
        }
    }
    pub const fn pattern(self, value: &'a str) -> Self {
        StringRules {
            pattern: Some(value),
            ..self
        }
    }
    pub const fn format(self, value: Format) -> Self {
        StringRules {
            format: Some(value),
            ..self
        }
    }
}

impl ArrayRules {
    pub const NONE: ArrayRules = ArrayRules {
        min_items: None,
        max_items: None,
        unique_items: false,
    };
    pub const fn min_items(self, value: u64) -> Self {
        ArrayRules {
            min_items: Some(value),
            ..self
        }
    }
    pub const fn max_items(self, value: u64) -> Self {
        ArrayRules {
            max_items: Some(value),
            ..self
        }
    }
    pub const fn unique_items(self) -> Self {
        ArrayRules {
            unique_items: true,
            ..self
        }
    }
}

/// The rules of a constrained newtype, checked against its inner value: what `new` runs.
pub trait Check<T: ?Sized> {
    fn check(&self, subject: &str, value: &T) -> Result<(), ConstraintError>;
}

impl Check<String> for StringRules<'_> {
    fn check(&self, subject: &str, value: &String) -> Result<(), ConstraintError> {
        check_string(subject, value, self)
    }
}

impl Check<f64> for NumberRules {
    fn check(&self, subject: &str, value: &f64) -> Result<(), ConstraintError> {
        check_number(subject, *value, self)
    }
}

macro_rules! integer_checks {
    ($($t:ty),*) => {$(
        impl Check<$t> for NumberRules {
            fn check(&self, subject: &str, value: &$t) -> Result<(), ConstraintError> {
                check_integer(subject, i128::from(*value), self)
            }
        }
    )*};
}
integer_checks!(i8, i16, i32, i64, u8, u16, u32, u64);

impl<T: PartialEq> Check<Vec<T>> for ArrayRules {
    fn check(&self, subject: &str, value: &Vec<T>) -> Result<(), ConstraintError> {
        check_array(subject, value, self)
    }
}

/// A type without rules of its own kind (a boolean, an object) that may still have `enum`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NoRules;

impl<T: ?Sized> Check<T> for NoRules {
    fn check(&self, _: &str, _: &T) -> Result<(), ConstraintError> {
        Ok(())
    }
}

/// Rules plus `enum` of non-string values: the values allowed, as JSON text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneOf<'a, R> {
    pub rules: R,
    pub allowed: &'a [&'a str],
}

impl<T: serde::Serialize, R: Check<T>> Check<T> for OneOf<'_, R> {
    fn check(&self, subject: &str, value: &T) -> Result<(), ConstraintError> {
        self.rules.check(subject, value)?;
        check_one_of(subject, &serde_json::to_value(value).unwrap_or_default(), self.allowed)
    }
}

/// Shortens a value for a message.
pub fn excerpt(value: &str) -> String {
    if value.chars().count() <= 80 {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(77).collect();
    format!("{head:?}…")
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Integers compare exactly against bounds that fit in an `i128`.
pub fn check_integer(subject: &str, value: i128, rules: &NumberRules) -> Result<(), ConstraintError> {
    check_number_with(
        subject,
        &value.to_string(),
        |b| cmp_int(value, b),
        rules,
        || {
            rules.multiple_of.is_none_or(|m| {
                if m.fract() == 0.0 {
                    value % (m as i128) == 0
                } else {
                    is_multiple(value as f64, m)
                }
            })
        },
    )
}

pub fn check_number(subject: &str, value: f64, rules: &NumberRules) -> Result<(), ConstraintError> {
    if !value.is_finite() {
        return Err(fail(subject, "type", format!("must be a finite number, got {value}")));
    }
    check_number_with(
        subject,
        &number_text(value),
        |b| value.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
        rules,
        || rules.multiple_of.is_none_or(|m| is_multiple(value, m)),
    )
}

fn cmp_int(value: i128, bound: f64) -> std::cmp::Ordering {
    if bound.fract() == 0.0 && bound.abs() < 1e30 {
        value.cmp(&(bound as i128))
    } else {
        (value as f64).partial_cmp(&bound).unwrap_or(std::cmp::Ordering::Equal)
    }
}

/// Whether `value` is a multiple of `m`; where the quotient overflows (`1e308 / 0.5`), the
/// remainder (exact in floating point) decides instead of an infinity.
fn is_multiple(value: f64, m: f64) -> bool {
    let q = value / m;
    if !q.is_finite() {
        return value.is_finite() && value % m == 0.0;
    }
    (q - q.round()).abs() < 1e-9
}

fn check_number_with(
    subject: &str,
    shown: &str,
    cmp: impl Fn(f64) -> std::cmp::Ordering,
    rules: &NumberRules,
    multiple: impl Fn() -> bool,
) -> Result<(), ConstraintError> {
    use std::cmp::Ordering::{Greater, Less};
    if let Some(min) = rules.minimum {
        let c = cmp(min.value);
        if min.exclusive && c != Greater {
            return Err(fail(
                subject,
                "exclusiveMinimum",
                format!("must be greater than {}, got {shown}", number_text(min.value)),
            ));
        }
        if !min.exclusive && c == Less {
            return Err(fail(
                subject,
                "minimum",
                format!("must be at least {}, got {shown}", number_text(min.value)),
            ));
        }
    }
    if let Some(max) = rules.maximum {
        let c = cmp(max.value);
        if max.exclusive && c != Less {
            return Err(fail(
                subject,
                "exclusiveMaximum",
                format!("must be less than {}, got {shown}", number_text(max.value)),
            ));
        }
        if !max.exclusive && c == Greater {
            return Err(fail(
                subject,
                "maximum",
                format!("must be at most {}, got {shown}", number_text(max.value)),
            ));
        }
    }
    if !multiple() {
        let m = rules.multiple_of.map(number_text).unwrap_or_default();
        return Err(fail(
            subject,
            "multipleOf",
            format!("must be a multiple of {m}, got {shown}"),
        ));
    }
    Ok(())
}

/// Lengths count Unicode code points, as JSON Schema does.
pub fn check_string(subject: &str, value: &str, rules: &StringRules<'_>) -> Result<(), ConstraintError> {
    let length = value.chars().count() as u64;
    if let Some(min) = rules.min_length
        && length < min
    {
        return Err(fail(
            subject,
            "minLength",
            format!(
                "must be at least {min} characters long, got {length}: {}",
                excerpt(value)
            ),
        ));
    }
    if let Some(max) = rules.max_length
        && length > max
    {
        return Err(fail(
            subject,
            "maxLength",
            format!(
                "must be at most {max} characters long, got {length}: {}",
                excerpt(value)
            ),
        ));
    }
    if let Some(format) = rules.format
        && let Err(e) = format.check(value)
    {
        return Err(fail(
            subject,
            "format",
            format!("must be a valid {format} ({}), got {}", e.reason, excerpt(value)),
        ));
    }
    if let Some(pattern) = rules.pattern {
        match compiled(pattern).map(|re| re.is_match(value)) {
            Ok(true) => {}
            Ok(false) => {
                return Err(fail(
                    subject,
                    "pattern",
                    format!("must match the pattern `{pattern}`, got {}", excerpt(value)),
                ));
            }
            Err(e) => {
                return Err(fail(
                    subject,
                    "pattern",
                    format!("has a pattern the regex engine cannot read: {e}"),
                ));
            }
        }
    }
    Ok(())
}

pub fn check_array<T: PartialEq>(subject: &str, items: &[T], rules: &ArrayRules) -> Result<(), ConstraintError> {
    let n = items.len() as u64;
    if let Some(min) = rules.min_items
        && n < min
    {
        return Err(fail(
            subject,
            "minItems",
            format!("must have at least {min} items, got {n}"),
        ));
    }
    if let Some(max) = rules.max_items
        && n > max
    {
        return Err(fail(
            subject,
            "maxItems",
            format!("must have at most {max} items, got {n}"),
        ));
    }
    if rules.unique_items
        && let Some(i) = (1..items.len()).find(|&i| items[..i].contains(&items[i]))
    {
        return Err(fail(
            subject,
            "uniqueItems",
            format!("must not repeat items, but item {i} repeats an earlier one"),
        ));
    }
    Ok(())
}

/// For enums of non-string values: the value must be one of `allowed` (JSON text).
pub fn check_one_of(subject: &str, value: &serde_json::Value, allowed: &[&str]) -> Result<(), ConstraintError> {
    let matches = allowed.iter().any(|a| {
        serde_json::from_str::<serde_json::Value>(a)
            .is_ok_and(|a| &a == value || a.as_f64().is_some_and(|x| value.as_f64() == Some(x)))
    });
    if matches {
        Ok(())
    } else {
        Err(fail(
            subject,
            "enum",
            format!("must be one of {}, got {value}", allowed.join(", ")),
        ))
    }
}

/// Whether `pattern` (ECMA-262, unanchored) matches `text`; a pattern the engine cannot
/// read matches nothing (lowering refuses such a pattern, located, before any code is made).
pub fn matches(pattern: &str, text: &str) -> bool {
    compiled(pattern).is_ok_and(|re| re.is_match(text))
}

/// Why the regex engine cannot read `pattern`, if it cannot.
pub fn pattern_error(pattern: &str) -> Option<String> {
    compiled(pattern).err()
}

/// Patterns are compiled once per process ([`Pattern`]: in linear time where the `regex`
/// crate can say it, else by `regress`, the ECMAScript engine; OpenAPI and JSON Schema say
/// patterns are ECMA-262) with the `u` flag, as JSON Schema reads them:
/// `\d`, `\w` and `\b` are ASCII, `\s` is Unicode's white space and line terminators,
/// `$` is the end of the text (no trailing newline), `\p{...}` are Unicode properties, and
/// the text is matched as code points (non-BMP characters are one).
fn compiled(pattern: &str) -> Result<Arc<Pattern>, String> {
    static CACHE: RwLock<Option<HashMap<String, Arc<Pattern>>>> = RwLock::new(None);
    if let Some(re) = CACHE
        .read()
        .ok()
        .and_then(|c| c.as_ref().and_then(|m| m.get(pattern).cloned()))
    {
        return Ok(re);
    }
    let re = Arc::new(Pattern::new(pattern)?);
    if let Ok(mut cache) = CACHE.write() {
        cache
            .get_or_insert_with(HashMap::new)
            .insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_survive_an_overflowing_quotient() {
        assert!(is_multiple(1e308, 0.5));
        assert!(is_multiple(0.3, 0.1) && !is_multiple(0.35, 0.1));
    }

    const RANGE: NumberRules = NumberRules {
        minimum: Some(Bound {
            value: 1000.0,
            exclusive: false,
        }),
        maximum: Some(Bound {
            value: 30000.0,
            exclusive: false,
        }),
        multiple_of: None,
    };

    #[test]
    fn integer_bounds_name_field_bound_and_value() {
        assert!(check_integer("timeout_ms", 1000, &RANGE).is_ok());
        assert!(check_integer("timeout_ms", 30000, &RANGE).is_ok());
        let e = check_integer("timeout_ms", 999, &RANGE).unwrap_err();
        assert_eq!(e.to_string(), "timeout_ms must be at least 1000, got 999 (minimum)");
        let e = check_integer("timeout_ms", 30001, &RANGE).unwrap_err();
        assert_eq!(e.rule, "maximum");
    }

    #[test]
    fn exclusive_bounds_and_multiples() {
        let rules = NumberRules {
            minimum: Some(Bound {
                value: 0.0,
                exclusive: true,
            }),
            maximum: None,
            multiple_of: Some(0.5),
        };
        assert!(check_number("x", 0.0, &rules).is_err());
        assert!(check_number("x", 0.5, &rules).is_ok());
        assert_eq!(check_number("x", 0.7, &rules).unwrap_err().rule, "multipleOf");
    }

    #[test]
    fn strings_count_characters_and_check_patterns() {
        let rules = StringRules {
            min_length: Some(1),
            max_length: Some(3),
            pattern: Some("^h"),
            format: None,
        };
        assert!(check_string("s", "héé", &rules).is_ok());
        assert_eq!(check_string("s", "", &rules).unwrap_err().rule, "minLength");
        assert_eq!(check_string("s", "hhhh", &rules).unwrap_err().rule, "maxLength");
        assert_eq!(check_string("s", "xy", &rules).unwrap_err().rule, "pattern");
        assert!(pattern_error("(?!strm_)[a-z]+").is_none());
        assert!(pattern_error("(unclosed").is_some());
    }

    #[test]
    fn arrays() {
        let rules = ArrayRules {
            min_items: Some(1),
            max_items: Some(2),
            unique_items: true,
        };
        assert!(check_array("a", &[1, 2], &rules).is_ok());
        assert_eq!(check_array::<i32>("a", &[], &rules).unwrap_err().rule, "minItems");
        assert_eq!(check_array("a", &[1, 1], &rules).unwrap_err().rule, "uniqueItems");
    }
}
