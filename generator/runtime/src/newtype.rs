//! What every constrained type has, written once: [`Constrained<C>`] holds a value that passed
//! the checks of its [`Constraint`] `C`. Generated code declares, per type, only the rules (an
//! uninhabited marker and its `Constraint` impl, through [`newtype!`](crate::newtype)) and the
//! type's name (`pub type Name = Constrained<NameRules_>`); `new` (the only way in), `get`,
//! `into_inner`, the conversions, serde (transparent on the way out, checked on the way in),
//! `Debug`, `Clone`, `PartialEq` and `Display` are this module's, compiled once. Fourteen
//! impls written per type were a tenth of a big crate's `cargo check` (issue 24).
//!
//! ```
//! codegen_runtime::newtype! {
//!     #[newtype(string, "name")]
//!     #[rules = codegen_runtime::StringRules::NONE.max_length(3)]
//!     /// A name of at most three characters.
//!     pub type Name = codegen_runtime::newtype::Constrained<NameRules_>;
//! }
//!
//! assert_eq!(Name::new("abc".into()).unwrap().get(), "abc");
//! assert_eq!(
//!     serde_json::from_str::<Name>("\"abcd\"").unwrap_err().to_string(),
//!     r#"name must be at most 3 characters long, got 4: "abcd" (maxLength)"#
//! );
//! assert_eq!(format!("{:?}", Name::new("ab".into()).unwrap()), r#"Name("ab")"#);
//! ```

use std::fmt;
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ConstraintError;
use crate::numbers::JsonInteger;

/// The rules of one constrained type: what it holds, what JSON it is read from, and the check.
pub trait Constraint {
    /// The generated type's name, for `Debug`.
    const NAME: &'static str;
    /// The property or schema name that errors name.
    const SUBJECT: &'static str;
    /// The value held.
    type Value;
    /// What JSON is read as before it becomes a `Value`: the value itself, or (an integer of a
    /// 3.1 spec, read from any number without a fraction) a [`JsonInteger`].
    type Read: Narrow<Self::Value>;
    /// Whether `value` keeps the spec's rules.
    fn check(value: &Self::Value) -> Result<(), ConstraintError>;
}

/// What is read from JSON, made the value held (a whole number narrowed to its Rust type).
pub trait Narrow<T> {
    fn narrow(self, subject: &str) -> Result<T, ConstraintError>;
}

impl<T> Narrow<T> for T {
    fn narrow(self, _: &str) -> Result<T, ConstraintError> {
        Ok(self)
    }
}

macro_rules! narrow_whole {
    ($($int:ty),*) => {$(
        impl Narrow<$int> for JsonInteger {
            fn narrow(self, subject: &str) -> Result<$int, ConstraintError> {
                JsonInteger::narrow(self, subject)
            }
        }
    )*};
}
narrow_whole!(i32, i64, u32, u64);

/// A value that keeps the rules of `C`: built only by [`Constrained::new`] (or read from JSON,
/// which calls it), never changed afterwards (no `DerefMut`, no public field).
pub struct Constrained<C: Constraint>(C::Value, PhantomData<fn() -> C>);

impl<C: Constraint> Constrained<C> {
    /// Checks `value` against the spec's constraints.
    pub fn new(value: C::Value) -> Result<Self, ConstraintError> {
        C::check(&value)?;
        Ok(Constrained(value, PhantomData))
    }

    pub fn get(&self) -> &C::Value {
        &self.0
    }

    pub fn into_inner(self) -> C::Value {
        self.0
    }

    /// What JSON was read as, narrowed and checked.
    fn read(read: C::Read) -> Result<Self, ConstraintError> {
        Self::new(read.narrow(C::SUBJECT)?)
    }
}

impl<C: Constraint> std::ops::Deref for Constrained<C> {
    type Target = C::Value;
    fn deref(&self) -> &C::Value {
        &self.0
    }
}

impl<C: Constraint<Value: fmt::Debug>> fmt::Debug for Constrained<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(C::NAME).field(&self.0).finish()
    }
}

impl<C: Constraint<Value: fmt::Display>> fmt::Display for Constrained<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<C: Constraint<Value: Clone>> Clone for Constrained<C> {
    fn clone(&self) -> Self {
        Constrained(self.0.clone(), PhantomData)
    }
}

impl<C: Constraint<Value: PartialEq>> PartialEq for Constrained<C> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<C: Constraint<Value: Serialize>> Serialize for Constrained<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, C: Constraint<Read: Deserialize<'de>>> Deserialize<'de> for Constrained<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::read(C::Read::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl<C: Constraint<Value = String>> std::str::FromStr for Constrained<C> {
    type Err = ConstraintError;
    fn from_str(value: &str) -> Result<Self, ConstraintError> {
        Self::new(value.to_owned())
    }
}

impl<C: Constraint<Value = String>> TryFrom<&str> for Constrained<C> {
    type Error = ConstraintError;
    fn try_from(value: &str) -> Result<Self, ConstraintError> {
        Self::new(value.to_owned())
    }
}

impl<C: Constraint<Read = JsonInteger>> TryFrom<JsonInteger> for Constrained<C> {
    type Error = ConstraintError;
    fn try_from(value: JsonInteger) -> Result<Self, ConstraintError> {
        Self::read(value)
    }
}

// To and from the value held, one pair per kind of value (a blanket pair over `C::Value`
// would overlap the standard library's `impl<T> From<T> for T`).
macro_rules! conversions {
    ($($value:ty),*) => {$(
        impl<C: Constraint<Value = $value>> TryFrom<$value> for Constrained<C> {
            type Error = ConstraintError;
            fn try_from(value: $value) -> Result<Self, ConstraintError> {
                Self::new(value)
            }
        }

        impl<C: Constraint<Value = $value>> From<Constrained<C>> for $value {
            fn from(value: Constrained<C>) -> $value {
                value.0
            }
        }
    )*};
}
conversions!(String, bool, f64, i32, i64, u32, u64, serde_json::Value);

impl<T, C: Constraint<Value = Vec<T>>> TryFrom<Vec<T>> for Constrained<C> {
    type Error = ConstraintError;
    fn try_from(value: Vec<T>) -> Result<Self, ConstraintError> {
        Self::new(value)
    }
}

impl<T, C: Constraint<Value = Vec<T>>> From<Constrained<C>> for Vec<T> {
    fn from(value: Constrained<C>) -> Vec<T> {
        value.0
    }
}

/// Declares a constrained type from its alias, `pub type Name = rt::newtype::Constrained<Marker>;`
/// (the alias is written as it expands, so that it reads as what it is), after
/// `#[newtype(kind, "subject")]`, `#[rules = rules]` (a `Check` of the value) and its docs. The
/// kind says what is inside: `string` (a `String`),
/// `value(T)` (a number, boolean, array, map or named type), `whole(T)` (an integer of a 3.1
/// spec, read from any number without a fraction, then narrowed to `T`). Writes the alias and
/// the marker with its [`Constraint`] impl.
#[macro_export]
macro_rules! newtype {
    (
        #[newtype(string, $subject:literal)]
        #[rules = $rules:expr]
        $(#[$attr:meta])*
        pub type $name:ident = $first:ident $(:: $rest:ident)* <$marker:ident $(,)?>;
    ) => {
        $crate::newtype!(@declare $(#[$attr])* $name, $marker, ::std::string::String, ::std::string::String, $subject, $rules);
    };
    (
        #[newtype(value($base:ty), $subject:literal)]
        #[rules = $rules:expr]
        $(#[$attr:meta])*
        pub type $name:ident = $first:ident $(:: $rest:ident)* <$marker:ident $(,)?>;
    ) => {
        $crate::newtype!(@declare $(#[$attr])* $name, $marker, $base, $base, $subject, $rules);
    };
    (
        #[newtype(whole($base:ty), $subject:literal)]
        #[rules = $rules:expr]
        $(#[$attr:meta])*
        pub type $name:ident = $first:ident $(:: $rest:ident)* <$marker:ident $(,)?>;
    ) => {
        $crate::newtype!(@declare $(#[$attr])* $name, $marker, $base, $crate::numbers::JsonInteger, $subject, $rules);
    };
    (@declare $(#[$attr:meta])* $name:ident, $marker:ident, $base:ty, $read:ty, $subject:literal, $rules:expr) => {
        $(#[$attr])*
        pub type $name = $crate::newtype::Constrained<$marker>;

        #[doc = ::core::concat!("The rules of [`", ::core::stringify!($name), "`].")]
        pub enum $marker {}

        impl $crate::newtype::Constraint for $marker {
            const NAME: &'static str = ::core::stringify!($name);
            const SUBJECT: &'static str = $subject;
            type Value = $base;
            type Read = $read;
            fn check(value: &$base) -> ::core::result::Result<(), $crate::ConstraintError> {
                $crate::rules::Check::check(&$rules, $subject, value)
            }
        }
    };
}
