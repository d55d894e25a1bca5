//! `allOf`: whether merging the members into one schema keeps their meaning
//! (`merge_is_faithful`), and the merge (`merge_all_of`), as typify's `merge.rs` does it.

use super::*;

impl Lowerer<'_> {
    /// Merging `allOf` members into one schema keeps their meaning only when they say
    /// different things: no keyword twice with different values, no property twice, no
    /// `additionalProperties` (which would see the other members' properties), no unions.
    pub(super) fn merge_is_faithful(&self, map: &Map<String, Value>, members: &[Value], pointer: &str) -> bool {
        let mut sources = vec![map.clone()];
        for member in members {
            let member = match member.get("$ref").and_then(Value::as_str) {
                // A reference that does not resolve is reported where the checked value lowers it.
                Some(r) => match self.doc.follow_ref(r, pointer) {
                    Ok((_, v)) => v,
                    Err(_) => return false,
                },
                None => member,
            };
            let Some(m) = member.as_object() else { return false };
            if m.contains_key("$ref") {
                // A reference with keys beside it: merging would drop the reference.
                return false;
            }
            if m.contains_key("allOf") {
                // Nested merges are checked when they are lowered.
                continue;
            }
            sources.push(m.clone());
        }
        let mut seen: Map<String, Value> = Map::new();
        let mut properties: Vec<&String> = Vec::new();
        for source in &sources {
            for (k, v) in source {
                match k.as_str() {
                    "allOf" | "$ref" => {}
                    // Keywords read beside their siblings (`then` beside its `if`, `additionalProperties`
                    // beside `properties`) change meaning when members are merged.
                    "additionalProperties" | "anyOf" | "oneOf" | "items" => return false,
                    k if CHECKED_KEYWORDS.contains(&k) => return false,
                    "required" => {}
                    "properties" => {
                        for name in v.as_object().into_iter().flat_map(|p| p.keys()) {
                            if properties.contains(&name) {
                                return false;
                            }
                            properties.push(name);
                        }
                    }
                    k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => {}
                    _ => match seen.get(k) {
                        Some(earlier) if earlier != v => return false,
                        _ => {
                            seen.insert(k.clone(), v.clone());
                        }
                    },
                }
            }
        }
        true
    }

    /// Flattens `allOf` members (following `$ref`s) into one schema object.
    pub(super) fn merge_all_of(
        &self,
        map: &Map<String, Value>,
        pointer: &str,
        seen: &mut Vec<String>,
    ) -> Result<Map<String, Value>> {
        let mut merged = Map::new();
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut absorb = |from: &Map<String, Value>, merged: &mut Map<String, Value>| {
            for (k, v) in from {
                match k.as_str() {
                    "properties" => {
                        if let Some(p) = v.as_object() {
                            for (name, schema) in p {
                                properties.insert(name.clone(), schema.clone());
                            }
                        }
                    }
                    "required" => {
                        for r in v.as_array().into_iter().flatten() {
                            if !required.contains(r) {
                                required.push(r.clone());
                            }
                        }
                    }
                    "allOf" | "$ref" => {}
                    _ => {
                        merged.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        };
        if let Some(Value::Array(members)) = map.get("allOf") {
            for (i, member) in members.iter().enumerate() {
                let at = format!("{pointer}/allOf/{i}");
                let (member_at, member) = match member.get("$ref") {
                    Some(Value::String(r)) => {
                        let (p, v) = self.doc.follow_ref(r, &at)?;
                        (p, v)
                    }
                    Some(other) => {
                        return Err(Error::invalid(join(&at, "$ref"), "a `$ref` string", describe(other)));
                    }
                    None => (at.clone(), member),
                };
                if seen.contains(&member_at) {
                    return Err(Error::at(at, ErrorKind::RefCycle(format!("#{member_at}"))));
                }
                let Some(member_map) = member.as_object() else {
                    return Err(Error::invalid(at, "a schema object", describe(member)));
                };
                seen.push(member_at.clone());
                let flat = if member_map.contains_key("allOf") {
                    self.merge_all_of(member_map, &member_at, seen)?
                } else {
                    member_map.clone()
                };
                seen.pop();
                if flat.contains_key("anyOf") || flat.contains_key("oneOf") {
                    return Err(Error::unsupported(
                        at,
                        "`allOf` with a member that is a `oneOf`/`anyOf`",
                    ));
                }
                absorb(&flat, &mut merged);
            }
        }
        absorb(map, &mut merged);
        if !properties.is_empty() {
            merged.insert("properties".into(), Value::Object(properties));
            merged
                .entry("type".to_owned())
                .or_insert(Value::String("object".into()));
        }
        if !required.is_empty() {
            merged.insert("required".into(), Value::Array(required));
        }
        Ok(merged)
    }
}
