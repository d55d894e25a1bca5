//! What every constrained newtype has, written once. Generated code declares the struct and
//! its rules; [`newtype!`](crate::newtype) gives it `new` (the only way in), `get`,
//! `into_inner`, the conversions, serde (transparent on the way out, checked on the way in)
//! and, for scalars, `Display` (and `FromStr` for strings).
//!
//! ```
//! #[derive(Debug, Clone, PartialEq)]
//! pub struct Name(String);
//! codegen_runtime::newtype!(string Name, "name", codegen_runtime::StringRules::NONE.max_length(3));
//!
//! assert!(Name::new("abc".into()).is_ok());
//! assert_eq!(
//!     serde_json::from_str::<Name>("\"abcd\"").unwrap_err().to_string(),
//!     r#"name must be at most 3 characters long, got 4: "abcd" (maxLength)"#
//! );
//! ```

/// Implements a constrained newtype's methods and traits. The first word says what is inside:
/// `string` (a `String`), `scalar` (a number or boolean: `Display`), `whole` (an integer of a
/// 3.1 spec, read from any number without a fraction), `other` (arrays, maps, named types).
#[macro_export]
macro_rules! newtype {
    (string $name:ident, $subject:literal, $rules:expr) => {
        $crate::newtype!(@common $name(::std::string::String), ::std::string::String, $subject, $rules);
        $crate::newtype!(@display $name);
        impl ::core::convert::TryFrom<&str> for $name {
            type Error = $crate::ConstraintError;
            fn try_from(value: &str) -> ::core::result::Result<Self, Self::Error> {
                Self::new(value.to_owned())
            }
        }
        impl ::core::str::FromStr for $name {
            type Err = $crate::ConstraintError;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                Self::new(value.to_owned())
            }
        }
    };
    (scalar $name:ident($base:ty), $subject:literal, $rules:expr) => {
        $crate::newtype!(@common $name($base), $base, $subject, $rules);
        $crate::newtype!(@display $name);
    };
    (whole $name:ident($base:ty), $subject:literal, $rules:expr) => {
        $crate::newtype!(@common $name($base), $crate::numbers::JsonInteger, $subject, $rules);
        $crate::newtype!(@display $name);
        impl ::core::convert::TryFrom<$crate::numbers::JsonInteger> for $name {
            type Error = $crate::ConstraintError;
            fn try_from(value: $crate::numbers::JsonInteger) -> ::core::result::Result<Self, Self::Error> {
                Self::new(value.narrow($subject)?)
            }
        }
    };
    (other $name:ident($base:ty), $subject:literal, $rules:expr) => {
        $crate::newtype!(@common $name($base), $base, $subject, $rules);
    };
    (@display $name:ident) => {
        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }
    };
    (@common $name:ident($base:ty), $read:ty, $subject:literal, $rules:expr) => {
        impl $name {
            /// Checks `value` against the spec's constraints.
            pub fn new(value: $base) -> ::core::result::Result<Self, $crate::ConstraintError> {
                $crate::rules::Check::check(&$rules, $subject, &value)?;
                ::core::result::Result::Ok(Self(value))
            }
            pub fn get(&self) -> &$base {
                &self.0
            }
            pub fn into_inner(self) -> $base {
                self.0
            }
        }
        impl ::core::convert::TryFrom<$base> for $name {
            type Error = $crate::ConstraintError;
            fn try_from(value: $base) -> ::core::result::Result<Self, Self::Error> {
                Self::new(value)
            }
        }
        impl ::core::convert::From<$name> for $base {
            fn from(value: $name) -> Self {
                value.0
            }
        }
        impl ::core::ops::Deref for $name {
            type Target = $base;
            fn deref(&self) -> &$base {
                &self.0
            }
        }
        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::__serde::Serialize::serialize(&self.0, serializer)
            }
        }
        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                let value = <$read as $crate::__serde::Deserialize>::deserialize(deserializer)?;
                <Self as ::core::convert::TryFrom<$read>>::try_from(value).map_err($crate::__serde::de::Error::custom)
            }
        }
    };
}
