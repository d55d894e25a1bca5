//! Path, query, header and cookie parameters, read as the types the spec gives them.

use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::credentials::cookie_pairs;
use super::{Problem, ProblemKind, Segment};
use crate::style::{self, Location, Raw, Scalar, Serialization, Shape};

/// The raw parameter values of a request, by location: path, query and cookie values as
/// sent (query and cookie keys decoded), so that `style::read` splits them before it
/// decodes; header values as they are.
#[derive(Debug, Default)]
pub struct Params {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    header: Vec<(String, String)>,
    cookie: Vec<(String, String)>,
}

/// The path parameters as sent, still percent-encoded: the route's template (its
/// `MatchedPath`) laid over the request's path segment by segment, from the end (inside a
/// nested router the path has lost the prefix the template still has). `None` where they do
/// not line up one for one (a capture inside a segment, a wildcard, a capture in the prefix),
/// and the router's decoded values are used.
fn raw_path_values(parts: &Parts) -> Option<Vec<(String, String)>> {
    let template = parts.extensions.get::<axum::extract::MatchedPath>()?.as_str();
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = parts.uri.path().split('/').collect();
    let prefix = template.len().checked_sub(path.len())?;
    if template[..prefix].iter().any(|t| t.contains('{')) {
        return None;
    }
    let mut values = Vec::new();
    for (t, p) in template[prefix..].iter().zip(&path) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(name) if !name.contains(['{', '}', '*']) => values.push((name.to_owned(), (*p).to_owned())),
            _ if t.contains('{') => return None,
            _ => {}
        }
    }
    Some(values)
}

fn location_of(place: &str) -> Location {
    match place {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        _ => Location::Cookie,
    }
}

impl Params {
    pub async fn read(parts: &mut Parts) -> Result<Params, Problem> {
        // The router's decoding refuses a segment that is not UTF-8 once decoded; the values
        // kept are the segments as sent, so that an encoded `,` stays inside an array's item.
        let path = match RawPathParams::from_request_parts(parts, &()).await {
            // Where the template cannot be laid over the path, the decoded values are used
            // with only `%` escaped, so that decoding them again gives them back.
            Ok(decoded) => raw_path_values(parts).unwrap_or_else(|| {
                decoded
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.replace('%', "%25")))
                    .collect()
            }),
            Err(e) => {
                // No path parameters in the route reads as "missing nested path": nothing to decode.
                if parts.uri.path().contains('%') {
                    return Err(Problem::at(ProblemKind::Invalid, "path", None, e.body_text()));
                }
                Vec::new()
            }
        };
        let query = style::query_pairs(parts.uri.query().unwrap_or_default());
        // Bytes past ASCII (obs-text) are read as UTF-8, lossily: a value is judged by its
        // schema, never taken for an absent header.
        let header = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cookie = cookie_pairs(parts).collect();
        Ok(Params {
            path,
            query,
            header,
            cookie,
        })
    }

    /// Parameter `name` of `place` read in `serialization` as `shape` (`style::read`);
    /// `None` when it is not there.
    fn value(
        &self,
        place: &'static str,
        name: &str,
        serialization: Serialization,
        shape: Shape<'_>,
    ) -> Result<Option<serde_json::Value>, Problem> {
        let location = location_of(place);
        let joined;
        let raw = match location {
            Location::Path => Raw::Text(self.path.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())),
            Location::Header => {
                // Repeated header lines are one list (RFC 9110 section 5.3).
                let values: Vec<&str> = self
                    .header
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
                    .collect();
                joined = values.join(",");
                Raw::Text((!values.is_empty()).then_some(joined.as_str()))
            }
            Location::Query => Raw::Pairs(&self.query),
            Location::Cookie => Raw::Pairs(&self.cookie),
        };
        style::read(serialization, location, name, shape, raw).map_err(|e| {
            Problem::at(
                ProblemKind::Invalid,
                place,
                Some(name),
                format!("{e} ({serialization})"),
            )
        })
    }

    /// Decodes parameter `name` found in `place` (`path`, `query`, `header`, `cookie`), a
    /// primitive in its location's default style (its text); `None` when it is not there.
    pub fn get<T: DeserializeOwned>(&self, place: &'static str, name: &str) -> Result<Option<T>, Problem> {
        let serialization = Serialization::default_for(location_of(place));
        let Some(value) = self.value(place, name, serialization, Shape::Scalar(Scalar::String))? else {
            return Ok(None);
        };
        let text = value.as_str().unwrap_or_default();
        T::deserialize(ParamDeserializer { values: &[text] })
            .map(Some)
            .map_err(|e: de::value::Error| Problem::at(ProblemKind::Invalid, place, Some(name), e.to_string()))
    }

    /// Decodes parameter `name` of `place` written in `serialization` (arrays, objects, and
    /// primitives in a style other than the location's default): read as JSON of `shape`,
    /// then deserialized, a problem naming where inside the value it broke.
    pub fn styled<T: DeserializeOwned>(
        &self,
        place: &'static str,
        name: &str,
        serialization: Serialization,
        shape: Shape<'_>,
    ) -> Result<Option<T>, Problem> {
        let Some(value) = self.value(place, name, serialization, shape)? else {
            return Ok(None);
        };
        let root = vec![Segment::Key(place.to_owned()), Segment::Key(name.to_owned())];
        serde_path_to_error::deserialize(value)
            .map(Some)
            .map_err(|e| super::body::located_problem(root, &e))
    }

    /// Like [`Params::styled`], for a parameter that must be there.
    pub fn styled_required<T: DeserializeOwned>(
        &self,
        place: &'static str,
        name: &str,
        serialization: Serialization,
        shape: Shape<'_>,
    ) -> Result<T, Problem> {
        self.styled(place, name, serialization, shape)?
            .ok_or_else(|| Problem::at(ProblemKind::Missing, place, Some(name), "Field required"))
    }

    /// Like [`Params::get`], for a parameter that must be there.
    pub fn required<T: DeserializeOwned>(&self, place: &'static str, name: &str) -> Result<T, Problem> {
        self.get(place, name)?
            .ok_or_else(|| Problem::at(ProblemKind::Missing, place, Some(name), "Field required"))
    }
}

/// Reads one parameter's textual values as whatever type the spec gives it.
struct ParamDeserializer<'a> {
    values: &'a [&'a str],
}

impl<'a> ParamDeserializer<'a> {
    fn single(&self) -> Result<&'a str, de::value::Error> {
        match self.values {
            [one] => Ok(one),
            _ => Err(de::Error::custom(format!(
                "expected one value, got {}",
                self.values.len()
            ))),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, de::value::Error> {
        let raw = self.single()?;
        raw.parse()
            .map_err(|_| de::Error::custom(format!("expected {what}, got {raw:?}")))
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            visitor.$visit(self.parse::<$ty>($what)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for ParamDeserializer<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.values.len() > 1 {
            return self.deserialize_seq(visitor);
        }
        visitor.visit_string(self.single()?.to_owned())
    }

    parsed! {
        deserialize_bool => visit_bool: bool, "true or false";
        deserialize_i8 => visit_i8: i8, "an integer";
        deserialize_i16 => visit_i16: i16, "an integer";
        deserialize_i32 => visit_i32: i32, "a 32-bit integer";
        deserialize_i64 => visit_i64: i64, "a 64-bit integer";
        deserialize_i128 => visit_i128: i128, "an integer";
        deserialize_u8 => visit_u8: u8, "a non-negative integer";
        deserialize_u16 => visit_u16: u16, "a non-negative integer";
        deserialize_u32 => visit_u32: u32, "a non-negative 32-bit integer";
        deserialize_u64 => visit_u64: u64, "a non-negative 64-bit integer";
        deserialize_u128 => visit_u128: u128, "a non-negative integer";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // One value with commas is the `form` style's `a,b,c`; repeated keys are `explode`.
        let split: Vec<&str> = match self.values {
            [one] => one.split(',').collect(),
            many => many.to_vec(),
        };
        let items: Vec<ParamDeserializer> = split
            .iter()
            .map(|v| ParamDeserializer {
                values: std::slice::from_ref(v),
            })
            .collect();
        visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter()))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self.single()?.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, de::value::Error> for ParamDeserializer<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_scalars_and_lists() {
        let params = Params {
            query: vec![
                ("n".into(), "5".into()),
                ("b".into(), "true".into()),
                ("l".into(), "a,b%2Cc".into()),
                ("s".into(), "a%20b".into()),
                ("f[x]".into(), "1".into()),
                ("f[y]".into(), "two".into()),
            ],
            ..Params::default()
        };
        assert_eq!(params.get::<i64>("query", "n").unwrap(), Some(5));
        assert_eq!(params.get::<bool>("query", "b").unwrap(), Some(true));
        assert_eq!(params.get::<String>("query", "s").unwrap(), Some("a b".to_owned()));
        let no_explode = Serialization {
            style: crate::style::Style::Form,
            explode: false,
        };
        assert_eq!(
            params
                .styled::<Vec<String>>("query", "l", no_explode, Shape::Array(Scalar::String))
                .unwrap(),
            Some(vec!["a".to_owned(), "b,c".to_owned()])
        );
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct F {
            x: i64,
            y: i64,
        }
        let deep = Serialization {
            style: crate::style::Style::DeepObject,
            explode: true,
        };
        let shape = Shape::Object {
            properties: &[("x", Scalar::Integer), ("y", Scalar::Integer)],
            others: Scalar::String,
        };
        let p = params.styled::<F>("query", "f", deep, shape).unwrap_err();
        assert_eq!(
            (p.kind, p.location_text()),
            (ProblemKind::Invalid, "query.f.y".to_owned())
        );
        let p = params.styled_required::<F>("query", "g", deep, shape).unwrap_err();
        assert_eq!(
            (p.kind, p.location_text()),
            (ProblemKind::Missing, "query.g".to_owned())
        );
        let p = params.get::<bool>("query", "n").unwrap_err();
        assert_eq!(p.location_text(), "query.n");
        assert_eq!(
            params.required::<i64>("query", "missing").unwrap_err().kind,
            ProblemKind::Missing
        );
    }
}
