//! String enums: a closed set of strings, each a variant. Generated code declares the enum
//! with each variant's wire name; [`string_enum!`](crate::string_enum) writes the rest once.
//!
//! They are read from JSON strings only. serde's derived enums ask for `deserialize_enum`,
//! where serde_json answers anything but a string or an object with a *syntax* error
//! ("expected value") that drops the field's path, so a `null` or a number in an enum field
//! was reported against the whole body; and it reads `{"variant": null}` as a unit variant.
//! Here a value that is not a string is a type error at the field's own path, and an unknown
//! string is serde's own `unknown variant` error.
//!
//! ```
//! codegen_runtime::string_enum! {
//!     /// How deliveries are signed.
//!     pub enum Method {
//!         HmacSha256 = "hmac_sha256",
//!         None = "none",
//!     }
//! }
//!
//! assert_eq!(Method::HmacSha256.as_str(), "hmac_sha256");
//! assert_eq!(serde_json::from_str::<Method>("\"none\"").unwrap(), Method::None);
//! assert_eq!("none".parse::<Method>().unwrap(), Method::None);
//! ```

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A string enum: its values in spec order, and each one's wire name at the same index.
pub trait StringEnum: Copy + 'static {
    /// The type's name, for messages.
    const NAME: &'static str;
    /// Every value, in spec order.
    const ALL: &'static [Self];
    /// The values as they are on the wire, in the order of `ALL`.
    const WIRE: &'static [&'static str];
}

/// The value whose wire name is `wire`.
pub fn from_wire<E: StringEnum>(wire: &str) -> Option<E> {
    E::WIRE.iter().position(|w| *w == wire).map(|i| E::ALL[i])
}

/// Parses a wire name; anything else is a broken `enum` rule naming the allowed values.
pub fn parse<E: StringEnum>(value: &str) -> Result<E, crate::ConstraintError> {
    from_wire(value).ok_or_else(|| crate::ConstraintError {
        subject: E::NAME.to_owned(),
        rule: "enum",
        message: format!("must be one of {}, got {:?}", E::WIRE.join(", "), value),
    })
}

/// Reads a string enum from a string and nothing else.
pub fn deserialize<'de, D: Deserializer<'de>, E: StringEnum>(deserializer: D) -> Result<E, D::Error> {
    deserializer.deserialize_str(WireName(std::marker::PhantomData))
}

struct WireName<E>(std::marker::PhantomData<E>);

impl<E: StringEnum> Visitor<'_> for WireName<E> {
    type Value = E;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The wording of serde's `unknown variant` message, so both refusals read alike.
        match E::WIRE {
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

    fn visit_str<Er: de::Error>(self, value: &str) -> Result<E, Er> {
        from_wire(value).ok_or_else(|| Er::unknown_variant(value, E::WIRE))
    }
}

/// Declares a string enum: `Variant = "wire name",` once each; implements [`StringEnum`],
/// `ALL`, `as_str`, `Display`, `FromStr` and serde.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $wire:literal),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant),*
        }
        impl $crate::enums::StringEnum for $name {
            const NAME: &'static str = ::core::stringify!($name);
            const ALL: &'static [Self] = &[$($name::$variant),*];
            const WIRE: &'static [&'static str] = &[$($wire),*];
        }
        impl $name {
            /// Every value, in spec order.
            pub const ALL: &'static [$name] = <$name as $crate::enums::StringEnum>::ALL;
            /// The value as it is on the wire.
            pub fn as_str(self) -> &'static str {
                <$name as $crate::enums::StringEnum>::WIRE[self as usize]
            }
        }
        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::core::str::FromStr for $name {
            type Err = $crate::ConstraintError;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                $crate::enums::parse(value)
            }
        }
        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                $crate::enums::deserialize(deserializer)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    crate::string_enum! {
        enum Method {
            HmacSha256 = "hmac_sha256",
            Bearer = "bearer",
            None = "none",
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
        assert_eq!(serde_json::to_string(&Method::Bearer).unwrap(), r#""bearer""#);
        assert_eq!(Method::ALL, &[Method::HmacSha256, Method::Bearer, Method::None]);
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

    #[test]
    fn parsing_names_the_allowed_values() {
        let e = "x".parse::<Method>().unwrap_err();
        assert_eq!(e.rule, "enum");
        assert_eq!(e.message, r#"must be one of hmac_sha256, bearer, none, got "x""#);
        assert_eq!(e.subject, "Method");
    }
}
