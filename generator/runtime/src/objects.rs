//! JSON objects only: serde's derived structs also accept a JSON array of their fields in
//! order, which no OpenAPI object schema allows. Generated structs deserialize through this.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::json::{ObjectRules, check_property_count};

/// Wraps a deserializer so that a struct is read from a map (a JSON object) and nothing else.
pub struct ObjectsOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// Like [`ObjectsOnly`], and counts the object's properties (every key, named or not) against
/// `minProperties`/`maxProperties` once the struct is read: the fields keep their own paths in
/// errors, which a detour through `serde_json::Value` would lose.
pub struct CountedObject<D> {
    pub deserializer: D,
    pub subject: &'static str,
    pub rules: ObjectRules<'static>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for CountedObject<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserializer.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserializer.deserialize_map(Counting {
            visitor,
            subject: self.subject,
            rules: self.rules,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

struct Counting<V> {
    visitor: V,
    subject: &'static str,
    rules: ObjectRules<'static>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Counting<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let count = Cell::new(0);
        let value = self.visitor.visit_map(CountingMap { map, count: &count })?;
        check_property_count(self.subject, count.get(), &self.rules).map_err(de::Error::custom)?;
        Ok(value)
    }
}

struct CountingMap<'c, A> {
    map: A,
    count: &'c Cell<u64>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CountingMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let key = self.map.next_key_seed(seed)?;
        if key.is_some() {
            self.count.set(self.count.get() + 1);
        }
        Ok(key)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A generated struct's serde impls: its derives are made plain functions by
/// `#[serde(remote = "Self")]`, and these route deserializing through [`ObjectsOnly`].
#[macro_export]
macro_rules! object {
    (@serialize $name:ident) => {
        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                $name::serialize(self, serializer)
            }
        }
    };
    // With `minProperties`/`maxProperties`: the object's keys are counted as it is read.
    ($name:ident, $subject:literal, $rules:expr) => {
        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                $name::deserialize($crate::objects::CountedObject { deserializer, subject: $subject, rules: $rules })
            }
        }
        $crate::object!(@serialize $name);
    };
    ($name:ident) => {
        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                $name::deserialize($crate::objects::ObjectsOnly(deserializer))
            }
        }
        $crate::object!(@serialize $name);
    };
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(remote = "Self")]
    struct Point {
        #[allow(dead_code)]
        x: i32,
    }

    impl<'de> Deserialize<'de> for Point {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Point::deserialize(super::ObjectsOnly(d))
        }
    }

    #[test]
    fn arrays_are_refused() {
        assert!(serde_json::from_str::<Point>(r#"{"x": 1}"#).is_ok());
        let e = serde_json::from_str::<Point>("[1]").unwrap_err().to_string();
        assert!(e.contains("invalid type: sequence"), "{e}");
    }

    #[derive(Debug, Deserialize, serde::Serialize)]
    #[serde(remote = "Self")]
    struct Patch {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        size: Option<u8>,
    }

    crate::object!(
        Patch,
        "body",
        crate::json::ObjectRules {
            min_properties: Some(1),
            max_properties: Some(2),
            ..crate::json::ObjectRules::NONE
        }
    );

    #[test]
    fn property_counts_are_checked_and_field_paths_kept() {
        assert!(serde_json::from_str::<Patch>(r#"{"name": "a"}"#).is_ok());
        // Keys the struct does not name count too.
        assert!(serde_json::from_str::<Patch>(r#"{"other": 1}"#).is_ok());
        let e = serde_json::from_str::<Patch>("{}").unwrap_err().to_string();
        assert!(
            e.starts_with("body must have at least 1 properties, got 0 (minProperties)"),
            "{e}"
        );
        let e = serde_json::from_str::<Patch>(r#"{"name": "a", "size": 1, "x": 2}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("(maxProperties)"), "{e}");
        let mut de = serde_json::Deserializer::from_str(r#"{"size": 300}"#);
        let e = serde_path_to_error::deserialize::<_, Patch>(&mut de).unwrap_err();
        assert_eq!(e.path().to_string(), "size");
        assert!(serde_json::from_str::<Patch>("[1]").is_err());
    }
}
