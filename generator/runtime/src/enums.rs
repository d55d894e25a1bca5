//! String enums read from JSON strings only. serde's derived enums ask for
//! `deserialize_enum`, where serde_json answers anything but a string or an object with a
//! *syntax* error ("expected value") that drops the field's path, so a `null` or a number in
//! an enum field was reported against the whole body; and it reads `{"variant": null}` as a
//! unit variant. Generated enums deserialize through this instead.

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, Deserializer, Visitor};

/// Wraps a deserializer so that an enum is read from a string and nothing else; any other
/// value is a type error at the field's own path.
pub struct StringsOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for StringsOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_str(FromString { variants, visitor })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// Hands a string to the derived enum visitor as the variant's name.
struct FromString<V> {
    variants: &'static [&'static str],
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for FromString<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The wording of serde's `unknown variant` message, so both refusals read alike.
        match self.variants {
            [] => f.write_str("no value at all"),
            [one] => write!(f, "`{one}`"),
            [a, b] => write!(f, "`{a}` or `{b}`"),
            many => {
                f.write_str("one of ")?;
                for (i, name) in many.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{name}`")?;
                }
                Ok(())
            }
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        self.visitor.visit_enum(StrDeserializer::<E>::new(value))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(remote = "Self")]
    enum Method {
        #[serde(rename = "hmac_sha256")]
        HmacSha256,
        #[serde(rename = "bearer")]
        Bearer,
        #[serde(rename = "none")]
        None,
    }

    impl<'de> Deserialize<'de> for Method {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Method::deserialize(super::StringsOnly(d))
        }
    }

    #[derive(Debug, Deserialize)]
    struct Body {
        #[allow(dead_code)]
        method: Method,
    }

    #[test]
    fn strings_are_read_as_their_variant() {
        assert_eq!(serde_json::from_str::<Method>(r#""none""#).unwrap(), Method::None);
        assert_eq!(
            serde_json::from_str::<Method>(r#""hmac_sha256""#).unwrap(),
            Method::HmacSha256
        );
    }

    #[test]
    fn anything_else_is_a_type_error_of_the_field() {
        use serde_json::error::Category;
        for (body, found) in [
            (r#"{"method": null}"#, "null"),
            (r#"{"method": 1}"#, "integer `1`"),
            (r#"{"method": {"none": null}}"#, "map"),
        ] {
            let e = serde_json::from_str::<Body>(body).unwrap_err();
            assert_eq!(e.classify(), Category::Data, "{body}: {e}");
            assert!(
                e.to_string().starts_with(&format!(
                    "invalid type: {found}, expected one of `hmac_sha256`, `bearer`, `none`"
                )),
                "{body}: {e}"
            );
        }
        let e = serde_json::from_str::<Body>(r#"{"method": "other"}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown variant `other`, expected one of `hmac_sha256`, `bearer`, `none`"),
            "{e}"
        );
    }
}
