//! JSON objects only: serde's derived structs also accept a JSON array of their fields in
//! order, which no OpenAPI object schema allows. Generated structs deserialize through this.

use serde::de::{Deserializer, Visitor};

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

/// A generated struct's serde impls: its derives are made plain functions by
/// `#[serde(remote = "Self")]`, and these route deserializing through [`ObjectsOnly`].
#[macro_export]
macro_rules! object {
    ($name:ident) => {
        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                $name::deserialize($crate::objects::ObjectsOnly(deserializer))
            }
        }
        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                $name::serialize(self, serializer)
            }
        }
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
}
