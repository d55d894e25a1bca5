//! Generated structs read and written by shared code: each struct says only its shape (the
//! wire names of its fields, what happens to other keys, its property counts) and, field by
//! field, which of a few readers fills it. Serde's derives would write a visitor, a field
//! enum and a wrapper type per `with` attribute for every struct: most of a big crate's
//! compile time. What they guaranteed is kept here, once: a struct is read from a JSON object
//! and nothing else (never from an array of its fields), a key given twice is refused, a
//! required field missing is named, unknown keys are ignored, refused or kept as the schema
//! says, and every field keeps its own path in errors. `Debug` is written here too, as the
//! struct's name and its JSON (see [`debug`]).

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
    /// Kept in the struct's map of additional properties ([`other`]).
    Kept,
}

/// The shape of a generated struct on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// What the struct is, for "expected …" in errors: `struct Name`.
    pub expecting: &'static str,
    /// Each field's wire name.
    pub fields: &'static [&'static str],
    pub others: Others,
    /// `minProperties`/`maxProperties`, counting every key, named or not, and the subject
    /// errors name.
    pub counts: Option<(&'static str, ObjectRules<'static>)>,
}

/// A generated struct: its shape, and how its fields are filled. [`object!`](crate::object)
/// writes it; read it with [`read`].
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
        ignore(map)
    }
    /// The struct from its slots; a required field left empty is missing (`missing field`).
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
                Key::Ignored => ignore(&mut map)?,
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

/// Reads past a value nothing keeps.
pub fn ignore<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
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

/// Fills `slot` with the value `read` reads, refusing a key given twice.
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

/// A required (or defaulted) nullable integer of a 3.1 schema.
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

/// Writes a generated struct as a map: its fields in order, then its additional properties.
/// The first error is kept and the writes after it are skipped, so that a struct's
/// `serialize` is one plain call per field, with no `?` to type-check per field (issue 24:
/// the per-field `?` was a large share of a big crate's `cargo check`).
pub struct Writer<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

impl<M: SerializeMap> Writer<M> {
    pub fn new<S: Serializer<SerializeMap = M>>(serializer: S) -> Result<Self, S::Error> {
        serializer.serialize_map(None).map(|map| Writer { map, error: None })
    }

    fn entry<K: Serialize + ?Sized, T: Serialize + ?Sized>(&mut self, key: &K, value: &T) {
        if self.error.is_none() {
            self.error = self.map.serialize_entry(key, value).err();
        }
    }

    /// A field that is always written (`null` for a nullable one that is `None`).
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        self.entry(name, value);
    }

    /// A field that may be absent: written only when present.
    pub fn present<T: Present>(&mut self, name: &'static str, value: &T) {
        if value.is_present() {
            self.entry(name, value);
        }
    }

    /// The additional properties, after the fields.
    pub fn others<T: Serialize>(&mut self, others: &BTreeMap<String, T>) {
        for (key, value) in others {
            self.entry(key, value);
        }
    }

    /// The map, or the first error of its writes.
    pub fn end(self) -> Result<M::Ok, M::Error> {
        match self.error {
            Some(error) => Err(error),
            None => self.map.end(),
        }
    }
}

/// A generated struct's `Debug`: its name and its JSON as it goes on the wire, `Name {"id":7}`
/// (pretty-printed with `{:#?}`). The derive would write a `&dyn Debug` coercion per field of
/// every struct, a fifth of a big crate's `cargo check` (issue 24, BENCHMARKS.md); the JSON
/// shows the same values, keeps absent, `null` and a value apart, and names fields as the
/// spec does.
pub fn debug<T: Serialize>(name: &str, value: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let json = if f.alternate() {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    match json {
        Ok(json) => write!(f, "{name} {json}"),
        // A map keyed by something other than text, say: not from a spec, but shown, not lost.
        Err(error) => write!(f, "{name} <not JSON: {error}>"),
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

/// A generated struct and its serde and `Debug` impls, from its declaration: the struct's
/// `#[object(Others)]` (or `#[object(Others, "subject", ObjectRules {…})]` with property
/// counts), and each field's `#[object(index, reader, "wire", finish, write)]`: `index` its
/// place among the fields (from 0), `reader` one of this
/// module's readers, `finish` `required`, `flatten` (an optional field's `Option<Option<T>>`
/// slot), `absent` (a tri-state's) or `default(path)`, `write` `field` or `present` (skipped
/// when absent). The map of kept keys is the last field, marked `#[others(index)]`.
///
/// ```
/// codegen_runtime::object! {
///     #[object(Refused)]
///     #[derive(Clone, PartialEq)]
///     pub struct Point {
///         #[object(0, plain, "x", required, field)]
///         pub x: i32,
///         #[object(1, non_null, "label", flatten, present)]
///         pub label: Option<String>,
///     }
/// }
/// let p: Point = serde_json::from_str(r#"{"x": 1}"#).unwrap();
/// assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"x":1}"#);
/// assert!(serde_json::from_str::<Point>(r#"{"x": 1, "label": null}"#).is_err());
/// assert!(serde_json::from_str::<Point>(r#"{"x": 1, "y": 2}"#).is_err());
/// assert_eq!(format!("{p:?}"), r#"Point {"x":1}"#);
/// ```
#[macro_export]
macro_rules! object {
    (
        #[object($others_kind:ident $(, $subject:literal, $counts:expr)?)]
        $(#[$attr:meta])*
        pub struct $name:ident {
            $(
                #[object($index:tt, $read:ident, $wire:literal, $finish:ident $(($default:path))?, $write:ident)]
                $(#[$field_attr:meta])*
                pub $field:ident : $ty:ty,
            )*
            $(
                #[others($others_index:tt)]
                $(#[$others_attr:meta])*
                pub $others:ident : $others_ty:ty,
            )?
        }
    ) => {
        $(#[$attr])*
        pub struct $name {
            $( $(#[$field_attr])* pub $field: $ty, )*
            $( $(#[$others_attr])* pub $others: $others_ty, )?
        }

        impl<'de> $crate::objects::Object<'de> for $name {
            const SHAPE: $crate::objects::Shape = $crate::objects::Shape {
                expecting: ::core::concat!("struct ", ::core::stringify!($name)),
                fields: &[$($wire),*],
                others: $crate::objects::Others::$others_kind,
                counts: $crate::object!(@counts $($subject, $counts)?),
            };

            // One slot per field, numbered as the fields are (and the kept keys' map last).
            type Slots = ($( ::core::option::Option<$ty>, )* $( $others_ty, )?);

            #[allow(clippy::unused_unit)] // a struct with no fields has no slots: `()`
            fn slots() -> Self::Slots {
                ($( ::core::option::Option::<$ty>::None, )* $( <$others_ty>::new(), )?)
            }

            #[allow(unused_variables)] // a struct with no fields has no slots
            fn read_field<A: $crate::__serde::de::MapAccess<'de>>(
                slots: &mut Self::Slots,
                index: usize,
                map: &mut A,
            ) -> ::core::result::Result<(), A::Error> {
                match index {
                    $( $index => $crate::objects::$read(&mut slots.$index, $wire, map), )*
                    _ => $crate::objects::ignore(map),
                }
            }

            $(
                fn read_other<A: $crate::__serde::de::MapAccess<'de>>(
                    slots: &mut Self::Slots,
                    key: ::std::string::String,
                    map: &mut A,
                ) -> ::core::result::Result<(), A::Error> {
                    $crate::objects::other(&mut slots.$others_index, key, map)
                }
            )?

            #[allow(unused_variables)] // a struct with no fields has no slots
            fn finish<E: $crate::__serde::de::Error>(slots: Self::Slots) -> ::core::result::Result<Self, E> {
                ::core::result::Result::Ok(Self {
                    $( $field: $crate::object!(@finish $finish slots.$index, $wire $($default)?), )*
                    $( $others: slots.$others_index, )?
                })
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                $crate::objects::debug(::core::stringify!($name), self, f)
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                $crate::objects::read(deserializer)
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                #[allow(unused_mut)] // a struct with no fields writes none
                let mut writer = $crate::objects::Writer::new(serializer)?;
                $( writer.$write($wire, &self.$field); )*
                $( writer.others(&self.$others); )?
                writer.end()
            }
        }
    };
    (@counts) => { ::core::option::Option::None };
    (@counts $subject:literal, $counts:expr) => { ::core::option::Option::Some(($subject, $counts)) };
    // A match, not `required(…)?`: the `?` per field was a large share of a big crate's check.
    (@finish required $slot:expr, $wire:literal) => {
        match $slot {
            ::core::option::Option::Some(value) => value,
            ::core::option::Option::None => {
                return ::core::result::Result::Err(<E as $crate::__serde::de::Error>::missing_field($wire))
            }
        }
    };
    (@finish flatten $slot:expr, $wire:literal) => { $slot.flatten() };
    (@finish absent $slot:expr, $wire:literal) => { $slot.unwrap_or_default() };
    (@finish default $slot:expr, $wire:literal $default:path) => { $slot.unwrap_or_else($default) };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::json::ObjectRules;

    fn default_id() -> i32 {
        7
    }

    crate::object! {
        #[object(Kept, "body", ObjectRules { max_properties: Some(8), ..ObjectRules::NONE })]
        /// One field of each reader, finish and write.
        #[derive(PartialEq)]
        pub struct Row {
            #[object(0, whole, "id", default(default_id), field)]
            pub id: i32,
            #[object(1, non_null, "name", flatten, present)]
            pub name: Option<String>,
            #[object(2, plain, "note", required, field)]
            pub note: Option<String>,
            #[object(3, plain, "tag", absent, present)]
            pub tag: Nullable<String>,
            #[object(4, whole_non_null, "count", flatten, present)]
            pub count: Option<i64>,
            #[object(5, whole_nullable, "score", required, field)]
            pub score: Option<i64>,
            #[object(6, whole_tri_state, "rank", absent, present)]
            pub rank: Nullable<u32>,
            #[others(7)]
            pub others: BTreeMap<String, u8>,
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
        let r = row(r#"{"note": "n", "score": 1}"#).unwrap();
        assert_eq!((r.id, &r.rank), (7, &Nullable::Absent));
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"id":7,"note":"n","score":1}"#);
    }

    /// `Debug` is the name and the wire JSON: absent left out, `null` shown, others kept.
    #[test]
    fn debug_shows_the_name_and_the_json() {
        let r = row(r#"{"note": null, "tag": null, "score": 1, "x": 7}"#).unwrap();
        assert_eq!(
            format!("{r:?}"),
            r#"Row {"id":7,"note":null,"tag":null,"score":1,"x":7}"#
        );
        assert!(format!("{r:#?}").starts_with("Row {\n  \"id\": 7,\n"), "{r:#?}");
        assert_eq!(format!("{:?}", Empty {}), "Empty {}");
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

    crate::object! {
        #[object(Refused)]
        /// `additionalProperties: false`.
        pub struct Closed {
            #[object(0, plain, "a", required, field)]
            pub a: u8,
            #[object(1, plain, "b", absent, present)]
            pub b: Nullable<u8>,
        }
    }

    crate::object! {
        #[object(Ignored)]
        /// No fields.
        pub struct Empty {}
    }

    /// A value that cannot be written, and counts its tries.
    pub struct Unwritable(std::cell::Cell<u32>);

    impl Serialize for Unwritable {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            self.0.set(self.0.get() + 1);
            Err(serde::ser::Error::custom(format!("unwritable, try {}", self.0.get())))
        }
    }

    crate::object! {
        #[object(Ignored)]
        /// Two fields that fail to write, and one that writes.
        pub struct Failing {
            #[object(0, plain, "a", required, field)]
            pub a: u8,
            #[object(1, plain, "b", required, field)]
            pub b: Unwritable,
            #[object(2, plain, "c", required, field)]
            pub c: Unwritable,
        }
    }

    impl<'de> de::Deserialize<'de> for Unwritable {
        fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            Err(de::Error::custom("not read here"))
        }
    }

    /// The writer keeps the first error and writes nothing after it.
    #[test]
    fn the_first_write_error_is_the_one_returned() {
        let cell = || Unwritable(std::cell::Cell::new(0));
        let value = Failing {
            a: 1,
            b: cell(),
            c: cell(),
        };
        let e = serde_json::to_string(&value).unwrap_err().to_string();
        assert_eq!(e, "unwritable, try 1");
        assert_eq!((value.b.0.get(), value.c.0.get()), (1, 0));
    }

    #[test]
    fn unknown_keys_are_refused_where_the_schema_closes_the_object() {
        assert!(serde_json::from_str::<Closed>(r#"{"a": 1}"#).is_ok());
        let e = serde_json::from_str::<Closed>(r#"{"a": 1, "c": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("unknown field `c`, expected `a` or `b`"), "{e}");
        assert!(serde_json::from_str::<Empty>(r#"{"c": [1]}"#).is_ok());
        assert!(serde_json::from_str::<Empty>("[]").is_err());
    }
}
