//! The fourth case of DESIGN.md: a field that may be absent, `null`, or a value.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An optional, nullable field. Generated structs read it with `objects::plain` and write it
/// with `objects::Writer::present`, so that all three states survive a round trip: absent
/// stays absent, `null` stays `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Nullable<T> {
    /// The key was not there.
    #[default]
    Absent,
    /// The key was there with `null`.
    Null,
    /// The key was there with a value.
    Value(T),
}

impl<T> Nullable<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(v),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(v) => Nullable::Value(f(v)),
        }
    }

    /// `None` when absent, `Some(None)` when null.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Nullable::Absent => None,
            Nullable::Null => Some(None),
            Nullable::Value(v) => Some(Some(v)),
        }
    }
}

impl<T> From<Option<Option<T>>> for Nullable<T> {
    fn from(value: Option<Option<T>>) -> Self {
        match value {
            None => Nullable::Absent,
            Some(None) => Nullable::Null,
            Some(Some(v)) => Nullable::Value(v),
        }
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// A present field: `None` is `null`.
    fn from(value: Option<T>) -> Self {
        value.map_or(Nullable::Null, Nullable::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when the field is not skipped; absent cannot be written, null is closest.
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
            Nullable::Value(v) => serializer.serialize_some(v),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    /// Called only when the key is present (absent keys take `Default`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Nullable::from)
    }
}
