//! Keys a mapping repeats. YAML and JSON parsers keep the last value of a repeated key in
//! silence; a spec that says two things at one key is told so, with the key's pointer.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::join;

/// The pointer of every key that repeats in its mapping, in document order.
pub fn duplicate_keys<'de, D: Deserializer<'de>>(deserializer: D) -> Vec<String> {
    let mut out = Vec::new();
    // The text parsed once already: an error here can only repeat that parse's verdict.
    let _ = Walk {
        pointer: String::new(),
        out: &mut out,
    }
    .deserialize(deserializer);
    out
}

struct Walk<'a> {
    pointer: String,
    out: &'a mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(Walk {
                pointer: join(&self.pointer, &i.to_string()),
                out: &mut *self.out,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(KeyText(key)) = map.next_key()? {
            let pointer = join(&self.pointer, &key);
            if !seen.insert(key) {
                self.out.push(pointer.clone());
            }
            map.next_value_seed(Walk {
                pointer,
                out: &mut *self.out,
            })?;
        }
        Ok(())
    }
}

/// A mapping key as text: YAML keys may be numbers (`200:`) or booleans.
struct KeyText(String);

impl<'de> de::Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_owned()))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::duplicate_keys;

    #[test]
    fn repeated_keys_are_found_in_yaml_and_json() {
        let yaml = "a: 1\nb:\n  200: x\n  200: y\na: 2\nlist:\n  - {k: 1, k: 2}\n";
        assert_eq!(
            duplicate_keys(serde_norway::Deserializer::from_str(yaml)),
            ["/b/200", "/a", "/list/0/k"]
        );
        let json = r#"{"a": {"x": 1, "x": 2}, "b": [1, 2]}"#;
        assert_eq!(duplicate_keys(&mut serde_json::Deserializer::from_str(json)), ["/a/x"]);
        assert!(duplicate_keys(&mut serde_json::Deserializer::from_str(r#"{"a": 1}"#)).is_empty());
    }
}
