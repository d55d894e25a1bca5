//! Integers as JSON Schema 2020-12 (OpenAPI 3.1) counts them: any number with a zero
//! fractional part, so `10`, `10.0` and `1e1` are all the integer ten. OpenAPI 3.0's draft 4
//! counts only `10`; generated code for 3.0 specs does not use this. Either way a whole
//! number past 64 bits is an integer ([`is_integer`]): JSON's only way to write it.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};

/// An integer read from any JSON number without a fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonInteger(pub i128);

struct IntegerVisitor;

impl Visitor<'_> for IntegerVisitor {
    type Value = JsonInteger;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonInteger, E> {
        Ok(JsonInteger(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonInteger, E> {
        Ok(JsonInteger(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<JsonInteger, E> {
        Ok(JsonInteger(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonInteger, E> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 1.7e38 {
            Ok(JsonInteger(v as i128))
        } else if v.is_finite() && v.fract() == 0.0 {
            // An integer, but past ±2^127: no Rust integer type here holds it, and it is
            // refused as such, never rounded.
            Err(E::custom(format_args!(
                "the integer {v} cannot be held: it is past 128 bits"
            )))
        } else {
            Err(E::invalid_type(Unexpected::Float(v), &self))
        }
    }
}

impl<'de> de::Deserialize<'de> for JsonInteger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntegerVisitor)
    }
}

impl JsonInteger {
    /// Narrows to the field's Rust type; a value past it is refused as the value it is.
    pub fn narrow<T: TryFrom<i128>>(self, subject: &str) -> Result<T, crate::ConstraintError> {
        T::try_from(self.0).map_err(|_| crate::ConstraintError {
            subject: subject.to_owned(),
            rule: "format",
            // (The runner's snapshots hold this text: changing it changes them.)
            message: format!("must fit in {}, got {}", std::any::type_name::<T>(), self.0),
        })
    }
}

/// 2^64: whole numbers from here on are past every 64-bit integer type.
const PAST_64_BITS: f64 = 18_446_744_073_709_551_616.0;

/// Whether a JSON number is an integer: written as one, or (`whole_floats_are_integers`, JSON
/// Schema 2020-12) any number without a fraction. Under draft 4 too, a whole number past 64
/// bits is an integer: JSON parsers read `12345678910111213141516171819202122` only as a
/// float, and JSON has no other way to write it.
#[must_use]
pub fn is_integer(n: &serde_json::Number, whole_floats_are_integers: bool) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.fract() == 0.0 && (whole_floats_are_integers || f.abs() >= PAST_64_BITS))
}

/// An integer of a 3.1 schema where no field attribute reads it (array items, map values,
/// aliases, union variants, whole bodies): read from any number without a fraction, written
/// as the integer it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Whole<T>(pub T);

impl<'de, T: TryFrom<i128>> de::Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        integer(deserializer).map(Whole)
    }
}

impl<T: serde::Serialize> serde::Serialize for Whole<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T> std::ops::Deref for Whole<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Whole<T> {
    fn from(value: T) -> Self {
        Whole(value)
    }
}

impl<T: fmt::Display> fmt::Display for Whole<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An integer of a 3.1 schema, read from any number without a fraction ([`Whole`]).
pub fn integer<'de, D: Deserializer<'de>, T: TryFrom<i128>>(deserializer: D) -> Result<T, D::Error> {
    let value: JsonInteger = de::Deserialize::deserialize(deserializer)?;
    value.narrow("value").map_err(de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_floats_are_integers_and_fractions_are_not() {
        let read = |t: &str| {
            serde_json::from_str::<JsonInteger>(t)
                .map(|v| v.0)
                .map_err(|e| e.to_string())
        };
        assert_eq!(read("10"), Ok(10));
        assert_eq!(read("10.0"), Ok(10));
        assert_eq!(read("1e3"), Ok(1000));
        assert_eq!(read("-0.0"), Ok(0));
        assert_eq!(read("18446744073709551616"), Ok(18446744073709551616));
        assert!(
            read("1000.5")
                .unwrap_err()
                .contains("invalid type: floating point `1000.5`, expected an integer")
        );
        assert!(read("\"1000\"").is_err());
        assert!(read("null").is_err());
        assert!(JsonInteger(1 << 70).narrow::<i64>("x").is_err());
        assert!(read("1e52").unwrap_err().contains("cannot be held"));
    }

    #[test]
    fn integers_past_64_bits_are_integers_in_both_dialects() {
        let n = |t: &str| serde_json::from_str::<serde_json::Number>(t).unwrap();
        assert!(is_integer(&n("12345678910111213141516171819202122"), false));
        assert!(is_integer(&n("-1e52"), false));
        assert!(!is_integer(&n("1.0"), false) && is_integer(&n("1.0"), true));
        assert!(!is_integer(&n("1.5"), true));
    }

    #[test]
    fn whole_items_read_whole_floats_and_write_integers() {
        let items: Vec<Whole<i64>> = serde_json::from_str("[1, 2.0]").unwrap();
        assert_eq!(items, vec![Whole(1), Whole(2)]);
        assert_eq!(serde_json::to_string(&items).unwrap(), "[1,2]");
        assert!(serde_json::from_str::<Whole<u32>>("-1").is_err());
        assert!(serde_json::from_str::<Whole<i64>>("1.5").is_err());
    }
}
