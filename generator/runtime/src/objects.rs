//! Generated structs read and written by shared code: each struct says only its shape (the
//! wire names of its fields, what happens to other keys, its property counts) and, field by
//! field, which of a few readers fills it. Serde's derives would write a visitor, a field
//! enum and a wrapper type per `with` attribute for every struct: most of a big crate's
//! compile time. What they guaranteed is kept here, once: a struct is read from a JSON object
//! and nothing else (never from an array of its fields), a key given twice is refused, a
//! required field missing is named, unknown keys are ignored, refused or kept as the schema
//! says, and every field keeps its own path in errors.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::Nullable;
use crate::json::{ObjectRules, check_property_count};
use crate::numbers::Whole;

/// What a struct does with keys it has no field for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Others {
    /// Read past (the schema says nothing of other properties).
    Ignored,
    /// Refused (`additionalProperties: false`).
    Refused,
    /// Kept in the struct's map of additional properties ([`Object::read_other`]).
    Kept,
}

/// The shape of a generated struct on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// What the struct is, for "expected …" in errors: `struct Name`.
    pub expecting: &'static str,
    /// Each field's wire name, in the order [`Object::read_field`] numbers them.
    pub fields: &'static [&'static str],
    pub others: Others,
    /// `minProperties`/`maxProperties`, counting every key, named or not, and the subject
    /// errors name.
    pub counts: Option<(&'static str, ObjectRules<'static>)>,
}

/// A generated struct: its shape, and how its fields are filled. Read it with [`read`].
pub trait Object<'de>: Sized {
    const SHAPE: Shape;
    /// One slot per field, empty until its key is read.
    type Slots;
    fn slots() -> Self::Slots;
    /// Reads the value of field `index` (of [`Shape::fields`]) into its slot, with one of
    /// [`plain`], [`non_null`], [`whole`], [`whole_non_null`], [`whole_nullable`] or
    /// [`whole_tri_state`].
    fn read_field<A: MapAccess<'de>>(slots: &mut Self::Slots, index: usize, map: &mut A) -> Result<(), A::Error>;
    /// Reads the value of a key no field has, for [`Others::Kept`] (with [`other`]).
    fn read_other<A: MapAccess<'de>>(slots: &mut Self::Slots, key: String, map: &mut A) -> Result<(), A::Error> {
        let _ = (slots, key);
        map.next_value::<IgnoredAny>().map(|_| ())
    }
    /// The struct from its slots; a required field left empty is missing (with [`required`]).
    fn finish<E: de::Error>(slots: Self::Slots) -> Result<Self, E>;
}

/// Reads a generated struct from a map, and only from a map.
pub fn read<'de, T: Object<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::SHAPE.expecting)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let shape = T::SHAPE;
        let mut slots = T::slots();
        let mut count = 0u64;
        while let Some(key) = map.next_key_seed(KeySeed(&shape))? {
            count += 1;
            match key {
                Key::Field(index) => T::read_field(&mut slots, index, &mut map)?,
                Key::Other(name) => T::read_other(&mut slots, name, &mut map)?,
                Key::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let value = T::finish(slots)?;
        if let Some((subject, rules)) = &shape.counts {
            check_property_count(subject, count, rules).map_err(de::Error::custom)?;
        }
        Ok(value)
    }
}

enum Key {
    Field(usize),
    Other(String),
    Ignored,
}

/// A key: a field's number, or another key as the shape says (refused here, where serde's
/// path to the error stops at the object).
struct KeySeed<'s>(&'s Shape);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        if let Some(index) = self.0.fields.iter().position(|f| *f == key) {
            return Ok(Key::Field(index));
        }
        match self.0.others {
            Others::Ignored => Ok(Key::Ignored),
            Others::Refused => Err(E::unknown_field(key, self.0.fields)),
            Others::Kept => Ok(Key::Other(key.to_owned())),
        }
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(key) {
            Ok(key) => self.visit_str(key),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(key), &self)),
        }
    }
}

/// Fills `slot` with `value` read by `read`, refusing a key given twice.
fn fill<'de, A: MapAccess<'de>, T>(
    slot: &mut Option<T>,
    name: &'static str,
    read: impl FnOnce(&mut A) -> Result<T, A::Error>,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(read(map)?);
    Ok(())
}

/// A field read as its type reads itself: required, defaulted, nullable (`Option<T>`, `null`
/// is `None`) and tri-state ([`Nullable`]) fields.
pub fn plain<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    fill(slot, name, |m| m.next_value(), map)
}

/// An optional field that must not be null: `Option<T>` would read `null` as `None`, letting
/// a null through where the spec forbids it.
pub fn non_null<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    slot: &mut Option<Option<T>>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    fill(slot, name, |m| m.next_value::<T>().map(Some), map)
}

/// An integer of a 3.1 schema (`10.0` is ten), required or defaulted.
pub fn whole<'de, A: MapAccess<'de>, T: TryFrom<i128>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    fill(slot, name, |m| m.next_value::<Whole<T>>().map(|w| w.0), map)
}

/// An optional integer of a 3.1 schema that must not be null.
pub fn whole_non_null<'de, A: MapAccess<'de>, T: TryFrom<i128>>(
    slot: &mut Option<Option<T>>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    fill(slot, name, |m| m.next_value::<Whole<T>>().map(|w| Some(w.0)), map)
}

/// A required nullable integer of a 3.1 schema.
pub fn whole_nullable<'de, A: MapAccess<'de>, T: TryFrom<i128>>(
    slot: &mut Option<Option<T>>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    fill(
        slot,
        name,
        |m| m.next_value::<Option<Whole<T>>>().map(|v| v.map(|w| w.0)),
        map,
    )
}

/// An optional nullable integer of a 3.1 schema.
pub fn whole_tri_state<'de, A: MapAccess<'de>, T: TryFrom<i128>>(
    slot: &mut Option<Nullable<T>>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    let read = |m: &mut A| {
        m.next_value::<Option<Whole<T>>>()
            .map(|v| Nullable::from(v.map(|w| w.0)))
    };
    fill(slot, name, read, map)
}

/// An additional property, kept under its key.
pub fn other<'de, A: MapAccess<'de>, T: de::Deserialize<'de>>(
    others: &mut BTreeMap<String, T>,
    key: String,
    map: &mut A,
) -> Result<(), A::Error> {
    let value = map.next_value()?;
    others.insert(key, value);
    Ok(())
}

/// A required field's value, or the error naming it.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// Writes a generated struct as a map: its fields in order, then its additional properties.
pub struct Writer<M>(M);

impl<M: SerializeMap> Writer<M> {
    pub fn new<S: Serializer<SerializeMap = M>>(serializer: S) -> Result<Self, S::Error> {
        serializer.serialize_map(None).map(Writer)
    }

    /// A field that is always written (`null` for a nullable one that is `None`).
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<(), M::Error> {
        self.0.serialize_entry(name, value)
    }

    /// A field that may be absent: written only when present.
    pub fn present<T: Present>(&mut self, name: &'static str, value: &T) -> Result<(), M::Error> {
        if value.is_present() {
            self.0.serialize_entry(name, value)?;
        }
        Ok(())
    }

    /// The additional properties, after the fields.
    pub fn others<T: Serialize>(&mut self, others: &BTreeMap<String, T>) -> Result<(), M::Error> {
        others.iter().try_for_each(|(k, v)| self.0.serialize_entry(k, v))
    }

    pub fn end(self) -> Result<M::Ok, M::Error> {
        self.0.end()
    }
}

/// A field type that can be absent: an optional field's `Option` or a tri-state [`Nullable`].
pub trait Present: Serialize {
    fn is_present(&self) -> bool;
}

impl<T: Serialize> Present for Option<T> {
    fn is_present(&self) -> bool {
        self.is_some()
    }
}

impl<T: Serialize> Present for Nullable<T> {
    fn is_present(&self) -> bool {
        !self.is_absent()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::de::{self, MapAccess};

    use super::*;
    use crate::json::ObjectRules;

    /// What the generator writes for a struct, by hand: one field of each reader.
    #[derive(Debug, PartialEq)]
    struct Row {
        id: i32,
        name: Option<String>,
        note: Option<String>,
        tag: Nullable<String>,
        count: Option<i64>,
        score: Option<i64>,
        rank: Nullable<u32>,
        others: BTreeMap<String, u8>,
    }

    impl<'de> de::Deserialize<'de> for Row {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            read(deserializer)
        }
    }

    impl<'de> Object<'de> for Row {
        const SHAPE: Shape = Shape {
            expecting: "struct Row",
            fields: &["id", "name", "note", "tag", "count", "score", "rank"],
            others: Others::Kept,
            counts: Some((
                "body",
                ObjectRules {
                    max_properties: Some(8),
                    ..ObjectRules::NONE
                },
            )),
        };
        type Slots = (
            Option<i32>,
            Option<Option<String>>,
            Option<Option<String>>,
            Option<Nullable<String>>,
            Option<Option<i64>>,
            Option<Option<i64>>,
            Option<Nullable<u32>>,
            BTreeMap<String, u8>,
        );
        fn slots() -> Self::Slots {
            (None, None, None, None, None, None, None, BTreeMap::new())
        }
        fn read_field<A: MapAccess<'de>>(s: &mut Self::Slots, index: usize, map: &mut A) -> Result<(), A::Error> {
            match index {
                0 => whole(&mut s.0, "id", map),
                1 => non_null(&mut s.1, "name", map),
                2 => plain(&mut s.2, "note", map),
                3 => plain(&mut s.3, "tag", map),
                4 => whole_non_null(&mut s.4, "count", map),
                5 => whole_nullable(&mut s.5, "score", map),
                6 => whole_tri_state(&mut s.6, "rank", map),
                _ => Ok(()),
            }
        }
        fn read_other<A: MapAccess<'de>>(s: &mut Self::Slots, key: String, map: &mut A) -> Result<(), A::Error> {
            other(&mut s.7, key, map)
        }
        fn finish<E: de::Error>(s: Self::Slots) -> Result<Self, E> {
            Ok(Row {
                id: required(s.0, "id")?,
                name: s.1.flatten(),
                note: required(s.2, "note")?,
                tag: s.3.unwrap_or_default(),
                count: s.4.flatten(),
                score: required(s.5, "score")?,
                rank: s.6.unwrap_or_default(),
                others: s.7,
            })
        }
    }

    impl Serialize for Row {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut w = Writer::new(serializer)?;
            w.field("id", &self.id)?;
            w.present("name", &self.name)?;
            w.field("note", &self.note)?;
            w.present("tag", &self.tag)?;
            w.present("count", &self.count)?;
            w.field("score", &self.score)?;
            w.present("rank", &self.rank)?;
            w.others(&self.others)?;
            w.end()
        }
    }

    fn row(text: &str) -> Result<Row, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn absent_null_and_value_stay_apart_both_ways() {
        let r = row(r#"{"id": 1.0, "note": null, "tag": null, "score": null, "rank": null, "x": 7}"#).unwrap();
        assert_eq!((r.id, &r.name, &r.note, &r.tag), (1, &None, &None, &Nullable::Null));
        assert_eq!((r.score, r.rank), (None, Nullable::Null));
        assert_eq!(r.others, BTreeMap::from([("x".to_owned(), 7)]));
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(
            text,
            r#"{"id":1,"note":null,"tag":null,"score":null,"rank":null,"x":7}"#
        );
        assert_eq!(row(&text).unwrap(), r);
        let r = row(r#"{"id": 2, "note": "n", "name": "a", "count": 3, "score": 4.0, "rank": 5}"#).unwrap();
        assert_eq!(
            (r.name.as_deref(), &r.tag, r.count),
            (Some("a"), &Nullable::Absent, Some(3))
        );
        assert_eq!((r.score, r.rank), (Some(4), Nullable::Value(5)));
        let r = row(r#"{"id": 2, "note": "n", "score": 1}"#).unwrap();
        assert_eq!(r.rank, Nullable::Absent);
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"id":2,"note":"n","score":1}"#);
    }

    #[test]
    fn what_the_struct_forbids_is_refused_by_name() {
        let valid = r#""id": 1, "note": null, "score": 1"#;
        let refused = |rest: &str| row(&format!("{{{valid}{rest}}}")).unwrap_err();
        let e = refused(r#", "name": null"#);
        assert!(e.starts_with("invalid type: null, expected a string"), "{e}");
        let e = refused(r#", "count": null"#);
        assert!(e.starts_with("invalid type: null, expected an integer"), "{e}");
        let e = refused(r#", "rank": -1"#);
        assert!(e.contains("must fit in u32"), "{e}");
        let e = row(r#"{"note": null, "score": 1}"#).unwrap_err();
        assert!(e.starts_with("missing field `id`"), "{e}");
        let e = row(r#"{"id": 1, "score": 1}"#).unwrap_err();
        assert!(e.starts_with("missing field `note`"), "{e}");
        let e = row(r#"{"id": 1, "note": null}"#).unwrap_err();
        assert!(e.starts_with("missing field `score`"), "{e}");
        let e = refused(r#", "id": 2"#);
        assert!(e.starts_with("duplicate field `id`"), "{e}");
        let e = row(r#"{"id": 1.5, "note": null, "score": 1}"#).unwrap_err();
        assert!(e.contains("expected an integer"), "{e}");
        let e = row(r#"[1, null, 1]"#).unwrap_err();
        assert!(e.starts_with("invalid type: sequence, expected struct Row"), "{e}");
        let e = refused(r#", "x": 300"#);
        assert!(e.contains("expected u8"), "{e}");
        let e = refused(r#", "a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1"#);
        assert!(
            e.starts_with("body must have at most 8 properties, got 9 (maxProperties)"),
            "{e}"
        );
        // From a `Value` too (parameters and form bodies are read through one).
        let e = serde_json::from_value::<Row>(serde_json::json!({"id": 1, "score": 1})).unwrap_err();
        assert!(e.to_string().starts_with("missing field `note`"), "{e}");
    }

    #[test]
    fn errors_keep_the_path_to_the_bad_value() {
        for (text, path) in [
            (r#"{"note": null, "count": "3"}"#, "count"),
            (r#"{"x": -1}"#, "x"),
            (r#"{"rank": 1.5}"#, "rank"),
        ] {
            let mut de = serde_json::Deserializer::from_str(text);
            let e = serde_path_to_error::deserialize::<_, Row>(&mut de).unwrap_err();
            assert_eq!(e.path().to_string(), path, "{text}");
        }
    }

    /// `additionalProperties: false`, and a struct with no fields.
    #[derive(Debug)]
    struct Closed;

    impl<'de> de::Deserialize<'de> for Closed {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            read(deserializer)
        }
    }

    impl<'de> Object<'de> for Closed {
        const SHAPE: Shape = Shape {
            expecting: "struct Closed",
            fields: &["a", "b"],
            others: Others::Refused,
            counts: None,
        };
        type Slots = ();
        fn slots() {}
        fn read_field<A: MapAccess<'de>>(_: &mut (), _: usize, map: &mut A) -> Result<(), A::Error> {
            map.next_value::<IgnoredAny>().map(|_| ())
        }
        fn finish<E: de::Error>((): ()) -> Result<Self, E> {
            Ok(Closed)
        }
    }

    #[test]
    fn unknown_keys_are_refused_where_the_schema_closes_the_object() {
        assert!(serde_json::from_str::<Closed>(r#"{"a": 1}"#).is_ok());
        let e = serde_json::from_str::<Closed>(r#"{"c": 1}"#).unwrap_err().to_string();
        assert!(e.starts_with("unknown field `c`, expected `a` or `b`"), "{e}");
    }
}
