//! The bracket form of nested values, as Stripe, Rails, PHP and `qs` write them:
//! `lines[0][amount]=100&lines[0][tax_rates][0]=txr_1&metadata[order]=7`. OpenAPI defines
//! `deepObject` only for an object of primitives (`color[R]=100`); deeper values, and the
//! fields of a form body whose `encoding` says `deepObject`, are written here the way those
//! servers read them:
//!
//! - an object's property is `prefix[key]`, an array's item `prefix[index]`, indices from 0
//!   (as Stripe documents and its clients write them); reading also takes `prefix[]=v`,
//!   which Rails, PHP and `qs` write for an array of primitives, but not mixed with indices
//!   in one array, and not before further brackets (`a[][x]` does not say which item);
//! - an empty array or object is `prefix=` (empty text), Stripe's way of sending "none";
//!   read back as empty where the shape says an array or object is there;
//! - indices run from 0 without gaps and are written in decimal without leading zeros; a gap,
//!   a repeated key, an index where a property is due (or the other way round), text where an
//!   array or object is due and brackets after a primitive are refused, naming the key;
//! - keys are carried decoded here; the caller percent-encodes each whole key (brackets
//!   included) and value. A property name holding `[` or `]` cannot be told from brackets
//!   once decoded: it is written as it is and refused when read.
//!
//! Where the shape says a value may be anything (`Scalar::Any`), keys that are the indices
//! 0..n read as an array, any other keys as an object.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Scalar, StyleError, piece};

/// What a nested value is, level by level: the shape that tells an array's index from an
/// object's key and reads each primitive as its [`Scalar`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    Scalar(Scalar),
    Array(Box<Node>),
    Object {
        /// Declared properties and their shapes.
        properties: Vec<(String, Node)>,
        /// The shape of keys the object does not declare (`additionalProperties`).
        others: Box<Node>,
    },
}

impl Node {
    pub fn array(item: Node) -> Node {
        Node::Array(Box::new(item))
    }

    pub fn object<'a>(properties: impl IntoIterator<Item = (&'a str, Node)>, others: Node) -> Node {
        Node::Object {
            properties: properties.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
            others: Box::new(others),
        }
    }
}

/// Writes `value` under `prefix` as pairs of decoded keys and texts: each primitive as
/// `prefix[k]…=text`, an empty array or object as `prefix=`.
pub fn write(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                write(&format!("{prefix}[{k}]"), v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                write(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Object(_) | Value::Array(_) => out.push((prefix.to_owned(), String::new())),
        scalar => out.push((prefix.to_owned(), piece(scalar))),
    }
}

/// The brackets of `key` after `name`: `Some([])` for `name` itself, `None` for a key of
/// another name (`names`, `name2[x]`).
fn segments<'k>(key: &'k str, name: &str) -> Result<Option<Vec<&'k str>>, StyleError> {
    let Some(mut rest) = key.strip_prefix(name) else {
        return Ok(None);
    };
    if !rest.is_empty() && !rest.starts_with('[') {
        return Ok(None);
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return Err(StyleError(format!(
                "`{key}`: expected `[` after `{}`, found `{rest}`",
                &key[..key.len() - rest.len()]
            )));
        };
        let Some(end) = inner.find(']') else {
            return Err(StyleError(format!("`{key}`: a `[` is not closed by `]`")));
        };
        let segment = &inner[..end];
        if segment.contains('[') {
            return Err(StyleError(format!("`{key}`: a `[` inside brackets (`[{segment}]`)")));
        }
        out.push(segment);
        rest = &inner[end + 1..];
    }
    Ok(Some(out))
}

/// What the pairs under one key said, before the shape reads it.
#[derive(Debug)]
enum Slot {
    /// `key=text`.
    Text(String),
    /// `key[a]=…`, `key[0]=…`: the keys inside.
    Keys(BTreeMap<String, Slot>),
    /// `key[]=text`, in order.
    Pushed(Vec<String>),
}

fn insert(slot: &mut Option<Slot>, shown: &str, segments: &[&str], text: String, key: &str) -> Result<(), StyleError> {
    let both = || {
        StyleError(format!(
            "`{shown}` is given both as a value and with brackets after it (`{key}`)"
        ))
    };
    let Some((first, rest)) = segments.split_first() else {
        return match slot {
            None => {
                *slot = Some(Slot::Text(text));
                Ok(())
            }
            Some(Slot::Text(_)) => Err(StyleError(format!("`{shown}` is given twice"))),
            Some(_) => Err(both()),
        };
    };
    if first.is_empty() {
        if !rest.is_empty() {
            return Err(StyleError(format!(
                "`{key}`: `[]` appends a primitive to an array; an item with brackets after it needs its index (`{shown}[0]…`)"
            )));
        }
        return match slot {
            None => {
                *slot = Some(Slot::Pushed(vec![text]));
                Ok(())
            }
            Some(Slot::Pushed(items)) => {
                items.push(text);
                Ok(())
            }
            Some(Slot::Keys(_)) => Err(StyleError(format!("`{shown}` mixes indexed items and `[]` (`{key}`)"))),
            Some(Slot::Text(_)) => Err(both()),
        };
    }
    let keys = match slot.get_or_insert_with(|| Slot::Keys(BTreeMap::new())) {
        Slot::Keys(keys) => keys,
        Slot::Pushed(_) => {
            return Err(StyleError(format!("`{shown}` mixes indexed items and `[]` (`{key}`)")));
        }
        Slot::Text(_) => return Err(both()),
    };
    let mut child = keys.remove(*first);
    let result = insert(&mut child, &format!("{shown}[{first}]"), rest, text, key);
    if let Some(child) = child {
        keys.insert((*first).to_owned(), child);
    }
    result
}

/// `text` as an index: decimal digits without a leading zero (but `0`).
fn index(text: &str) -> Option<usize> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// The items of `keys` in index order, when they are exactly `0..n`; else the first key
/// that is no index, or the first index missing.
fn indexed(keys: BTreeMap<String, Slot>) -> Result<Vec<Slot>, IndexError> {
    let mut items = Vec::with_capacity(keys.len());
    for (k, slot) in keys {
        match index(&k) {
            Some(i) => items.push((i, slot)),
            None => return Err(IndexError::NotAnIndex(k)),
        }
    }
    items.sort_by_key(|(i, _)| *i);
    for (expected, (i, _)) in items.iter().enumerate() {
        if *i != expected {
            return Err(IndexError::Gap {
                given: *i,
                missing: expected,
            });
        }
    }
    Ok(items.into_iter().map(|(_, slot)| slot).collect())
}

enum IndexError {
    NotAnIndex(String),
    Gap { given: usize, missing: usize },
}

fn scalar_name(scalar: Scalar) -> &'static str {
    match scalar {
        Scalar::String => "a string",
        Scalar::Integer => "an integer",
        Scalar::Number => "a number",
        Scalar::Boolean => "a boolean",
        Scalar::Any => "a primitive",
    }
}

/// The value `slot` says, read as `node` (at `shown`, the key so far).
fn finish(slot: Slot, node: &Node, shown: &str) -> Result<Value, StyleError> {
    match (node, slot) {
        (Node::Scalar(s), Slot::Text(t)) => Ok(s.read(&t)),
        (Node::Scalar(Scalar::Any), Slot::Pushed(items)) => {
            Ok(Value::Array(items.iter().map(|t| Scalar::Any.read(t)).collect()))
        }
        (Node::Scalar(Scalar::Any), Slot::Keys(keys)) => {
            let any = Node::Scalar(Scalar::Any);
            let as_object = |keys: BTreeMap<String, Slot>| -> Result<Value, StyleError> {
                let mut object = Map::new();
                for (k, slot) in keys {
                    let value = finish(slot, &any, &format!("{shown}[{k}]"))?;
                    object.insert(k, value);
                }
                Ok(Value::Object(object))
            };
            // Indices 0..n are an array: tell first, without taking the keys apart.
            let all_indices = {
                let mut found: Vec<usize> = keys.keys().filter_map(|k| index(k)).collect();
                found.sort_unstable();
                found.len() == keys.len() && found.iter().enumerate().all(|(i, k)| i == *k)
            };
            if !all_indices {
                return as_object(keys);
            }
            let items = indexed(keys).map_err(|_| StyleError(format!("`{shown}`: indices out of order")))?;
            items
                .into_iter()
                .enumerate()
                .map(|(i, slot)| finish(slot, &any, &format!("{shown}[{i}]")))
                .collect::<Result<_, _>>()
                .map(Value::Array)
        }
        (Node::Scalar(s), Slot::Keys(keys)) => {
            let first = keys.keys().next().cloned().unwrap_or_default();
            Err(StyleError(format!(
                "`{shown}[{first}]`: `{shown}` is {}, so nothing goes inside it",
                scalar_name(*s)
            )))
        }
        (Node::Scalar(s), Slot::Pushed(_)) => Err(StyleError(format!(
            "`{shown}[]`: `{shown}` is {}, not an array",
            scalar_name(*s)
        ))),
        (Node::Array(_), Slot::Text(t)) if t.is_empty() => Ok(Value::Array(Vec::new())),
        (Node::Object { .. }, Slot::Text(t)) if t.is_empty() => Ok(Value::Object(Map::new())),
        (Node::Array(_), Slot::Text(t)) => Err(StyleError(format!(
            "`{shown}` is an array, written `{shown}[0]=…` item by item (or `{shown}=` when empty), not `{shown}={t}`"
        ))),
        (Node::Object { .. }, Slot::Text(t)) => Err(StyleError(format!(
            "`{shown}` is an object, written `{shown}[key]=…` property by property (or `{shown}=` when empty), not `{shown}={t}`"
        ))),
        (Node::Array(item), Slot::Pushed(items)) => match item.as_ref() {
            Node::Scalar(s) => Ok(Value::Array(items.iter().map(|t| s.read(t)).collect())),
            _ => Err(StyleError(format!(
                "`{shown}[]`: the items of `{shown}` are arrays or objects, written with their index (`{shown}[0][…]`)"
            ))),
        },
        (Node::Object { .. }, Slot::Pushed(_)) => Err(StyleError(format!(
            "`{shown}[]` appends to an array, and `{shown}` is an object"
        ))),
        (Node::Array(item), Slot::Keys(keys)) => match indexed(keys) {
            Ok(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, slot)| finish(slot, item, &format!("{shown}[{i}]")))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Err(IndexError::NotAnIndex(k)) => Err(StyleError(format!(
                "`{shown}[{k}]`: `{k}` is not an index, and `{shown}` is an array (its items are `{shown}[0]`, `{shown}[1]`, …)"
            ))),
            Err(IndexError::Gap { given, missing }) => Err(StyleError(format!(
                "`{shown}[{given}]` is given without `{shown}[{missing}]`: an array's indices run from 0 without gaps"
            ))),
        },
        (Node::Object { properties, others }, Slot::Keys(keys)) => {
            let mut object = Map::new();
            for (k, slot) in keys {
                let child = properties
                    .iter()
                    .find(|(p, _)| *p == k)
                    .map_or(others.as_ref(), |(_, n)| n);
                let value = finish(slot, child, &format!("{shown}[{k}]"))?;
                object.insert(k, value);
            }
            Ok(Value::Object(object))
        }
    }
}

/// Reads `name` from `pairs` (keys and texts both decoded) in the bracket form as `node`;
/// `None` when no key is `name` or starts with `name[`. Keys of other names are skipped.
pub fn read<'p>(
    name: &str,
    node: &Node,
    pairs: impl IntoIterator<Item = (&'p str, String)>,
) -> Result<Option<Value>, StyleError> {
    let mut root = None;
    for (key, text) in pairs {
        let Some(segments) = segments(key, name)? else {
            continue;
        };
        insert(&mut root, name, &segments, text, key)?;
    }
    root.map(|slot| finish(slot, node, name)).transpose()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{
        FieldKind, Location, Raw, Serialization, Shape, Style, Written, form_pairs, form_text, multipart_pairs,
        multipart_text, percent_decode, read_fields, write_fields,
    };
    use super::*;

    const DEEP: Serialization = Serialization {
        style: Style::DeepObject,
        explode: true,
    };

    /// Stripe's invoice lines: an array of objects, each with an array inside.
    fn lines() -> Node {
        Node::array(Node::object(
            [
                ("amount", Node::Scalar(Scalar::Integer)),
                ("description", Node::Scalar(Scalar::String)),
                ("tax_rates", Node::array(Node::Scalar(Scalar::String))),
                (
                    "period",
                    Node::object([("start", Node::Scalar(Scalar::Integer))], Node::Scalar(Scalar::String)),
                ),
            ],
            Node::Scalar(Scalar::String),
        ))
    }

    /// Written as a query parameter, the pairs decoded as a server's query reader gives them.
    fn written(name: &str, value: &Value) -> Vec<(String, String)> {
        let Written::Pairs(pairs) = super::super::write(DEEP, Location::Query, name, value) else {
            panic!("query parameters are pairs")
        };
        pairs.into_iter().map(|(k, v)| (percent_decode(&k, true), v)).collect()
    }

    fn shown(pairs: &[(String, String)]) -> String {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_decode(v, true)))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn read_query(name: &str, node: &Node, pairs: &[(String, String)]) -> Result<Option<Value>, StyleError> {
        super::super::read(DEEP, Location::Query, name, Shape::Nested(node), Raw::Pairs(pairs))
    }

    fn query(text: &str) -> Vec<(String, String)> {
        super::super::query_pairs(text)
    }

    #[test]
    fn arrays_of_objects_with_arrays_inside_round_trip() {
        let value = json!([
            {"amount": 100, "tax_rates": ["txr_1", "txr_2"], "period": {"start": 7}},
            {"amount": -5, "description": "a b", "tax_rates": []},
        ]);
        let pairs = written("lines", &value);
        assert_eq!(
            shown(&pairs),
            "lines[0][amount]=100&lines[0][tax_rates][0]=txr_1&lines[0][tax_rates][1]=txr_2&lines[0][period][start]=7\
             &lines[1][amount]=-5&lines[1][description]=a b&lines[1][tax_rates]="
        );
        assert_eq!(read_query("lines", &lines(), &pairs), Ok(Some(value)));
        // Other parameters, and names that only start like it, are not read.
        let mut more = pairs.clone();
        more.push(("linesx[0]".into(), "1".into()));
        more.push(("limit".into(), "3".into()));
        assert!(read_query("lines", &lines(), &more).unwrap().is_some());
        assert_eq!(read_query("lines", &lines(), &query("limit=3")), Ok(None));
    }

    #[test]
    fn objects_of_arrays_and_empty_values() {
        let node = Node::object(
            [
                ("ids", Node::array(Node::Scalar(Scalar::Integer))),
                ("tags", Node::array(Node::Scalar(Scalar::String))),
                ("inner", Node::object([], Node::Scalar(Scalar::String))),
            ],
            Node::Scalar(Scalar::String),
        );
        let value = json!({"ids": [1, 2], "tags": [], "inner": {}});
        let pairs = written("f", &value);
        // An empty array or object is the key with empty text, as Stripe sends "none".
        assert_eq!(shown(&pairs), "f[ids][0]=1&f[ids][1]=2&f[tags]=&f[inner]=");
        assert_eq!(read_query("f", &node, &pairs), Ok(Some(value)));
        // Empty at the top as well.
        assert_eq!(shown(&written("f", &json!({}))), "f=");
        assert_eq!(read_query("f", &node, &query("f=")), Ok(Some(json!({}))));
        assert_eq!(read_query("f", &lines(), &query("f=")), Ok(Some(json!([]))));
        // `a[]`, as Rails, PHP and qs write an array of primitives, is read in order.
        assert_eq!(
            read_query("f", &node, &query("f[ids][]=3&f[ids][]=4&f[tags][]=x")),
            Ok(Some(json!({"ids": [3, 4], "tags": ["x"]})))
        );
        // Indices given out of order still say where each item goes.
        assert_eq!(
            read_query("f", &node, &query("f[ids][1]=4&f[ids][0]=3")),
            Ok(Some(json!({"ids": [3, 4]})))
        );
    }

    #[test]
    fn keys_and_values_needing_percent_encoding() {
        let node = Node::object([], Node::Scalar(Scalar::String));
        let value = json!({"order id&x=1": "a b/é+%", "ü": ""});
        let Written::Pairs(raw) = super::super::write(DEEP, Location::Query, "metadata", &value) else {
            panic!("query parameters are pairs")
        };
        // Everything but unreserved characters is encoded: brackets, `&`, `=`, `+` and `%`.
        assert_eq!(raw[0].0, "metadata%5Border%20id%26x%3D1%5D");
        assert_eq!(raw[0].1, "a%20b%2F%C3%A9%2B%25");
        let text = raw
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(read_query("metadata", &node, &query(&text)), Ok(Some(value)));
    }

    #[test]
    fn anything_reads_indices_as_an_array_and_other_keys_as_an_object() {
        let any = Node::Scalar(Scalar::Any);
        let metadata = Node::object([], any.clone());
        assert_eq!(
            read_query(
                "m",
                &metadata,
                &query("m[a][0]=1&m[a][1]=x&m[b][k]=true&m[c][0]=1&m[c][z]=2")
            ),
            Ok(Some(json!({"a": [1, "x"], "b": {"k": true}, "c": {"0": 1, "z": 2}})))
        );
    }

    /// Each malformed key is refused with the key and what was wrong.
    #[test]
    fn malformed_keys_are_refused_by_name() {
        let refused = |node: &Node, text: &str| match read_query("a", node, &query(text)) {
            Err(e) => e.0,
            Ok(v) => panic!("{text} read as {v:?}"),
        };
        let items = Node::array(Node::Scalar(Scalar::Integer));
        let objects = lines();
        let object = Node::object([("b", Node::Scalar(Scalar::Integer))], Node::Scalar(Scalar::String));
        for (node, text, expected) in [
            (&items, "a[0=1", "`a[0`: a `[` is not closed by `]`"),
            (&items, "a[0]x=1", "`a[0]x`: expected `[` after `a[0]`, found `x`"),
            (&items, "a[0[1]]=1", "`a[0[1]]`: a `[` inside brackets (`[0[1]`)"),
            (
                &items,
                "a[x]=1",
                "`a[x]`: `x` is not an index, and `a` is an array (its items are `a[0]`, `a[1]`, …)",
            ),
            (
                &items,
                "a[0]=1&a[b]=2",
                "`a[b]`: `b` is not an index, and `a` is an array (its items are `a[0]`, `a[1]`, …)",
            ),
            (&items, "a[01]=1", "`a[01]`: `01` is not an index"),
            (
                &items,
                "a[1]=1",
                "`a[1]` is given without `a[0]`: an array's indices run from 0 without gaps",
            ),
            (&items, "a[0]=1&a[]=2", "`a` mixes indexed items and `[]` (`a[]`)"),
            (&items, "a[0]=1&a[0]=2", "`a[0]` is given twice"),
            (
                &items,
                "a=1",
                "`a` is an array, written `a[0]=…` item by item (or `a=` when empty), not `a=1`",
            ),
            (
                &items,
                "a[0][x]=1",
                "`a[0][x]`: `a[0]` is an integer, so nothing goes inside it",
            ),
            (
                &objects,
                "a[][amount]=1",
                "`a[][amount]`: `[]` appends a primitive to an array; an item with brackets after it needs its index (`a[0]…`)",
            ),
            (
                &objects,
                "a[0][amount]=1&a[0]=2",
                "`a[0]` is given both as a value and with brackets after it (`a[0]`)",
            ),
            (&object, "a[]=1", "`a[]` appends to an array, and `a` is an object"),
            (
                &object,
                "a=1",
                "`a` is an object, written `a[key]=…` property by property",
            ),
        ] {
            let e = refused(node, text);
            assert!(e.contains(expected), "{text}: {e}");
        }
    }

    #[test]
    fn nested_form_and_multipart_fields_round_trip() {
        let value = json!({
            "lines": [{"amount": 100, "tax_rates": ["txr_1"]}],
            "metadata": {"order": "7"},
            "expand": ["customer", "lines.data"],
            "note": "x y",
        });
        let kinds: &[(&str, FieldKind)] = &[
            ("lines", FieldKind::Nested(lines())),
            (
                "metadata",
                FieldKind::Nested(Node::object([], Node::Scalar(Scalar::String))),
            ),
            ("expand", FieldKind::Nested(Node::array(Node::Scalar(Scalar::String)))),
            ("note", FieldKind::Text(Scalar::String)),
        ];
        let fields = write_fields(&value, kinds);
        let form = form_text(&fields);
        assert_eq!(
            percent_decode(&form, true),
            "lines[0][amount]=100&lines[0][tax_rates][0]=txr_1&metadata[order]=7&expand[0]=customer&expand[1]=lines.data&note=x y"
        );
        assert_eq!(read_fields(&form_pairs(&form), kinds), Ok(value.clone()));
        let multipart = multipart_text(&fields, "b0undary");
        assert!(multipart.contains("name=\"lines[0][tax_rates][0]\"\r\n\r\ntxr_1\r\n"));
        let pairs = multipart_pairs("multipart/form-data; boundary=b0undary", multipart.as_bytes()).unwrap();
        assert_eq!(read_fields(&pairs, kinds), Ok(value));
        // A broken nested field names its key; an undeclared bracketed key stays text.
        let e = read_fields(&form_pairs("lines[0][amount]=1&lines[2][amount]=2"), kinds).unwrap_err();
        assert!(e.0.contains("`lines[2]` is given without `lines[1]`"), "{e}");
        assert_eq!(
            read_fields(&form_pairs("other[0]=1"), kinds),
            Ok(json!({"other[0]": "1"}))
        );
    }
}
