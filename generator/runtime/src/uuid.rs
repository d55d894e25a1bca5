//! A UUID as a value: `format: uuid` strings that differ only in the case of their hex digits
//! are the same UUID (RFC 9562 §4), so generated code reads them into this type, which shows
//! itself in the canonical lower case. A handler then looks up the value, not the spelling.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::rules::{ConstraintError, StringRules, check_string};

/// A UUID, read in either case from its 8-4-4-4-12 hex form, shown in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid(u128);

impl Uuid {
    /// What the text must be: the `uuid` format's grammar, checked where every format is.
    const RULES: StringRules<'static> = StringRules {
        min_length: None,
        max_length: None,
        pattern: None,
        format: Some(crate::formats::Format::Uuid),
    };

    pub const fn from_u128(value: u128) -> Uuid {
        Uuid(value)
    }

    pub const fn as_u128(self) -> u128 {
        self.0
    }
}

impl FromStr for Uuid {
    type Err = ConstraintError;

    fn from_str(text: &str) -> Result<Uuid, ConstraintError> {
        check_string("uuid", text, &Uuid::RULES)?;
        // The check leaves 32 ASCII hex digits and four hyphens.
        let value = text
            .bytes()
            .filter(|b| *b != b'-')
            .fold(0u128, |acc, b| (acc << 4) | u128::from(hex_value(b)));
        Ok(Uuid(value))
    }
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

impl TryFrom<&str> for Uuid {
    type Error = ConstraintError;
    fn try_from(text: &str) -> Result<Uuid, ConstraintError> {
        text.parse()
    }
}

impl TryFrom<String> for Uuid {
    type Error = ConstraintError;
    fn try_from(text: String) -> Result<Uuid, ConstraintError> {
        text.parse()
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

impl From<Uuid> for String {
    fn from(value: Uuid) -> String {
        value.to_string()
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Uuid, D::Error> {
        deserializer.deserialize_str(UuidVisitor)
    }
}

struct UuidVisitor;

impl Visitor<'_> for UuidVisitor {
    type Value = Uuid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a uuid")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Uuid, E> {
        text.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOWER: &str = "aaaa0001-bbbb-0002-cccc-000300040005";

    #[test]
    fn either_case_is_the_same_value_shown_in_lower_case() {
        let lower: Uuid = LOWER.parse().unwrap();
        let upper: Uuid = LOWER.to_uppercase().parse().unwrap();
        let mixed: Uuid = "AaAa0001-bBbB-0002-CcCc-000300040005".parse().unwrap();
        assert_eq!(lower, upper);
        assert_eq!(lower, mixed);
        assert_eq!(upper.to_string(), LOWER);
        assert_eq!(lower.as_u128(), 0xaaaa0001_bbbb_0002_cccc_000300040005);
        assert_eq!(Uuid::from_u128(1).to_string(), "00000000-0000-0000-0000-000000000001");
    }

    #[test]
    fn other_text_is_refused_as_the_format_refuses_it() {
        for text in [
            "not-a-uuid",
            "aaaa0001bbbb0002cccc000300040005",
            "gaaa0001-bbbb-0002-cccc-000300040005",
            "",
        ] {
            let e = text.parse::<Uuid>().unwrap_err();
            assert_eq!((e.subject.as_str(), e.rule), ("uuid", "format"), "{text}");
        }
        assert_eq!(
            "not-a-uuid".parse::<Uuid>().unwrap_err().to_string(),
            "uuid must be a valid uuid (expected 36 characters (8-4-4-4-12 hex digits), found 10), got \"not-a-uuid\" (format)"
        );
    }

    #[test]
    fn json_round_trip_is_canonical() {
        let read: Uuid = serde_json::from_str(&format!("\"{}\"", LOWER.to_uppercase())).unwrap();
        assert_eq!(serde_json::to_string(&read).unwrap(), format!("\"{LOWER}\""));
        let e = serde_json::from_str::<Uuid>("5").unwrap_err().to_string();
        assert!(e.starts_with("invalid type: integer `5`, expected a uuid"), "{e}");
    }
}
