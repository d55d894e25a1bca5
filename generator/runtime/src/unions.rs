//! `anyOf` and `oneOf` without a discriminator, as enums with one variant per branch: written as
//! the branch holds, read as the first branch that reads the value. Serde's `untagged` derive
//! does the same through a visitor and its private buffer per enum, written out for every
//! union: a large share of a big crate's check (issue 24). Here each union declares only its
//! variants; the value is buffered once as JSON ([`buffer`]) and tried on each branch in order.

use serde::Deserializer;
use serde::de::{DeserializeOwned, Error};
use serde_json::Value;

/// The value to try on each branch, read whole.
pub fn buffer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    serde::Deserialize::deserialize(deserializer)
}

/// The branch's reading of `value`, if it reads it.
pub fn branch<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// No branch read the value: serde's own words for it.
pub fn no_branch<E: Error>(name: &str) -> E {
    E::custom(format_args!("data did not match any variant of untagged enum {name}"))
}

/// A union from its declaration: `pub enum Name { Variant(Type), ... }`, each variant a branch in
/// the spec's order, after its attributes. Writes the enum, its `Serialize` (the branch's value
/// as it is) and, unless the first attribute is `#[one_of(written_only)]` (a union read by its
/// discriminator, whose reading the generator writes), its `Deserialize`.
///
/// ```
/// codegen_runtime::one_of! {
///     #[derive(Debug, PartialEq)]
///     pub enum Id {
///         Number(u32),
///         Text(String),
///     }
/// }
/// assert_eq!(serde_json::from_str::<Id>("7").unwrap(), Id::Number(7));
/// assert_eq!(serde_json::from_str::<Id>(r#""x""#).unwrap(), Id::Text("x".into()));
/// assert_eq!(serde_json::to_string(&Id::Number(7)).unwrap(), "7");
/// let e = serde_json::from_str::<Id>("true").unwrap_err().to_string();
/// assert!(e.starts_with("data did not match any variant of untagged enum Id"), "{e}");
/// ```
#[macro_export]
macro_rules! one_of {
    (
        #[one_of(written_only)]
        $(#[$attr:meta])*
        pub enum $name:ident { $( $variant:ident($ty:ty $(,)?), )* }
    ) => {
        $(#[$attr])*
        pub enum $name { $( $variant($ty), )* }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                match self {
                    $( $name::$variant(value) => $crate::__serde::Serialize::serialize(value, serializer), )*
                }
            }
        }
    };
    (
        $(#[$attr:meta])*
        pub enum $name:ident { $( $variant:ident($ty:ty $(,)?), )* }
    ) => {
        $crate::one_of! {
            #[one_of(written_only)]
            $(#[$attr])*
            pub enum $name { $( $variant($ty), )* }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let value = $crate::unions::buffer(deserializer)?;
                $(
                    if let ::core::option::Option::Some(read) = $crate::unions::branch::<$ty>(&value) {
                        return ::core::result::Result::Ok($name::$variant(read));
                    }
                )*
                ::core::result::Result::Err($crate::unions::no_branch(::core::stringify!($name)))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::Nullable;

    crate::one_of! {
        #[derive(Debug, Clone, PartialEq)]
        /// The first branch that reads a value wins, as serde's `untagged` has it.
        pub enum Loose {
            Whole(i64),
            Real(f64),
            Maybe(Nullable<String>),
            Many(Vec<Loose>),
        }
    }

    #[test]
    fn the_first_branch_that_reads_wins_and_writes_back_as_it_was() {
        let read = |text: &str| serde_json::from_str::<Loose>(text).unwrap();
        assert_eq!(read("3"), Loose::Whole(3));
        assert_eq!(read("3.5"), Loose::Real(3.5));
        assert_eq!(read("null"), Loose::Maybe(Nullable::Null));
        assert_eq!(
            read(r#"[1, [2.5]]"#),
            Loose::Many(vec![Loose::Whole(1), Loose::Many(vec![Loose::Real(2.5)])])
        );
        for text in ["3", "3.5", "null", r#""s""#, "[1,[2.5]]"] {
            assert_eq!(serde_json::to_string(&read(text)).unwrap(), text);
        }
        let e = serde_json::from_str::<Loose>(r#"{"a": 1}"#).unwrap_err().to_string();
        assert!(
            e.starts_with("data did not match any variant of untagged enum Loose"),
            "{e}"
        );
    }
}
