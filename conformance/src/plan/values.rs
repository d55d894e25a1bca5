//! Valid values for a type of the model: spec examples and defaults first, then values
//! made to fit the type's rules. Every value is checked before use, so a case built on it
//! cannot raise a false alarm.

use codegen_runtime::formats::Format;
use generator::model::validate::validate;
use generator::model::{Api, Field, IntWidth, Rules, Struct, TypeKind, TypeRef, TypeUse};
use serde_json::{Map, Value, json};

/// Makes valid values; `tag` marks the strings of this run (urls, names) for cleanup.
pub struct Sampler<'a> {
    pub api: &'a Api,
    pub tag: &'a str,
}

/// What the spec says about one use of a type besides the type.
#[derive(Default, Clone, Copy)]
pub struct Hint<'a> {
    pub name: &'a str,
    pub examples: &'a [Value],
    pub default: Option<&'a Value>,
}

impl<'a> Hint<'a> {
    pub fn named(name: &'a str) -> Self {
        Hint {
            name,
            ..Hint::default()
        }
    }

    pub fn of(field: &'a Field) -> Self {
        Hint {
            name: &field.wire_name,
            examples: &field.examples,
            default: field.default.as_ref(),
        }
    }
}

impl Sampler<'_> {
    /// Whether a value the sampler made (never `null`) is a valid value of `ty`.
    pub fn is_valid(&self, ty: &TypeRef, value: &Value) -> bool {
        validate(self.api, &TypeUse::non_null(ty.clone()), value).is_empty()
    }

    /// A valid value of `ty`, or `None` when none can be found (a pattern it cannot satisfy).
    pub fn value(&self, ty: &TypeRef, hint: Hint) -> Option<Value> {
        self.value_at(ty, hint, 0)
    }

    fn value_at(&self, ty: &TypeRef, hint: Hint, depth: usize) -> Option<Value> {
        if depth > 8 {
            return None;
        }
        let given = || {
            hint.examples
                .iter()
                .chain(hint.default)
                .find(|v| self.is_valid(ty, v))
                .cloned()
        };
        let resolved = self.api.unalias(ty).clone();
        let made = match &resolved {
            // Run-tagged strings first: created resources must be recognisable.
            TypeRef::String => {
                return self
                    .strings(&Rules::default(), hint.name)
                    .into_iter()
                    .find(|v| self.is_valid(ty, v))
                    .or_else(given);
            }
            TypeRef::Integer(_) | TypeRef::Number => return given().or(Some(json!(1))),
            TypeRef::Boolean => return given().or(Some(json!(true))),
            TypeRef::Any => return given().or(Some(json!("conformance"))),
            TypeRef::OrNull(inner) => return given().or_else(|| self.value_at(inner, hint, depth + 1)),
            // Content where a server would expect some: one entry, not an empty map.
            TypeRef::AnyObject => return given().or(Some(json!({"conformance": "conformance"}))),
            TypeRef::Map(item) => {
                if let Some(v) = given() {
                    return Some(v);
                }
                let value = self.value_at(item, Hint::named(hint.name), depth + 1)?;
                let one = json!({ "conformance": value });
                return Some(if self.is_valid(ty, &one) { one } else { json!({}) });
            }
            TypeRef::Array(item) => {
                if let Some(v) = given() {
                    return Some(v);
                }
                let item = self.value_at(item, Hint::named(hint.name), depth + 1)?;
                Some(json!([item]))
            }
            TypeRef::Named(id) | TypeRef::Boxed(id) => match &self.api.type_def(*id).kind {
                TypeKind::Enum(values) => {
                    return given().or_else(|| values.first().map(|v| json!(v.wire)));
                }
                TypeKind::Constrained(c) => {
                    if matches!(self.api.unalias(&c.base), TypeRef::String) {
                        let mut candidates = self.strings(&c.rules, hint.name);
                        candidates.extend(given());
                        return candidates.into_iter().find(|v| self.is_valid(ty, v));
                    }
                    if let Some(v) = given() {
                        return Some(v);
                    }
                    self.constrained(&c.base, &c.rules, hint, depth)
                }
                TypeKind::Struct(s) => {
                    if let Some(v) = given() {
                        return Some(v);
                    }
                    self.struct_value(s, depth)
                }
                TypeKind::Union(u) => {
                    if let Some(v) = given() {
                        return Some(v);
                    }
                    u.variants
                        .iter()
                        .find_map(|v| self.value_at(&v.ty, Hint::default(), depth + 1))
                }
                TypeKind::Alias(inner) => self.value_at(inner, hint, depth + 1),
                TypeKind::Checked(c) => {
                    // The spec's own values first, then the values its keywords describe.
                    return given().or_else(|| {
                        let allowed = c.rules.one_of_values.iter().flatten().cloned();
                        allowed
                            .chain(self.checked_candidates(c, depth))
                            .find(|v| self.is_valid(ty, v))
                    });
                }
            },
        };
        made.filter(|v| self.is_valid(ty, v))
    }

    /// An object of `s`: its required fields, and as many more as `minProperties` asks.
    fn struct_value(&self, s: &Struct, depth: usize) -> Option<Value> {
        let mut object = Map::new();
        for field in s.fields.iter().filter(|f| f.required) {
            object.insert(
                field.wire_name.clone(),
                self.value_at(&field.ty.ty, Hint::of(field), depth + 1)?,
            );
        }
        // As many keys as `minProperties` asks: the optional properties first,
        // then made-up keys where the object admits them.
        let min = s.min_properties.unwrap_or(0);
        for field in s.fields.iter().filter(|f| !f.required && !f.read_only) {
            if object.len() as u64 >= min {
                break;
            }
            if let Some(v) = self.value_at(&field.ty.ty, Hint::of(field), depth + 1) {
                object.insert(field.wire_name.clone(), v);
            }
        }
        if let Some(extra) = self.extra_key_value(s, depth) {
            let mut n = 0;
            while (object.len() as u64) < min {
                object.entry(format!("conformance_{n}")).or_insert(extra.clone());
                n += 1;
            }
        }
        Some(Value::Object(object))
    }

    /// Values a checked schema may take, most likely first: objects with what its keywords
    /// need (a branch's own value laid over them), arrays, then plain values.
    fn checked_candidates(&self, c: &generator::model::Checked, depth: usize) -> Vec<Value> {
        // An object with the properties it needs (each valid for its own schema where one
        // is given), then one plain value of each JSON type.
        let mut object = Map::new();
        for name in c
            .required
            .iter()
            .chain(c.dependent_required.iter().flat_map(|(_, p)| p))
        {
            let schema = c.applicators.properties.iter().find(|(k, _)| k == name);
            let value = schema
                .and_then(|(_, i)| self.value_at(&c.subschemas[*i].ty, Hint::named(name), depth + 1))
                .unwrap_or(json!("conformance"));
            object.insert(name.clone(), value);
        }
        // As many properties as `minProperties` asks, of the kind extra keys take.
        let extra = c
            .applicators
            .additional_properties
            .and_then(|i| self.value_at(&c.subschemas[i].ty, Hint::default(), depth + 1))
            .unwrap_or(json!("conformance"));
        let mut n = 0;
        while (object.len() as u64) < c.min_properties.unwrap_or(0) {
            object.entry(format!("conformance_{n}")).or_insert(extra.clone());
            n += 1;
        }
        // An object that also fits a branch (`oneOf`, `anyOf`) or every part
        // (`allOf`): the branch's own value laid over the properties above.
        let a = &c.applicators;
        let sample = |i: &usize| self.value_at(&c.subschemas[*i].ty, Hint::default(), depth + 1);
        let over = |base: &Map<String, Value>, part: Value| match part {
            Value::Object(part) => {
                let mut merged = base.clone();
                merged.extend(part);
                Value::Object(merged)
            }
            other => other,
        };
        let mut all = object.clone();
        for part in a.all_of.iter().filter_map(sample) {
            if let Value::Object(part) = part {
                all.extend(part);
            }
        }
        let branches: Vec<Value> = a
            .one_of
            .iter()
            .chain(&a.any_of)
            .filter_map(sample)
            .map(|part| over(&all, part))
            .collect();
        // An array of as many items as `minItems` and `minContains` ask, each one
        // `contains` admits (else one `items` admits).
        let item = a.contains.map(|(i, ..)| i).or(a.items).and_then(|i| sample(&i));
        let length = c
            .rules
            .min_items
            .unwrap_or(0)
            .max(a.contains.map_or(0, |(_, min, _)| min));
        let filled = item.map(|item| Value::Array(vec![item; length.max(1) as usize]));
        // A schema that speaks of properties (or items) but names no type admits
        // a string too; the value its keywords describe is the one to send, and
        // the one whose edges test them.
        let about_objects = !a.properties.is_empty()
            || !a.all_of.is_empty()
            || !c.required.is_empty()
            || c.min_properties.is_some()
            || a.additional_properties.is_some()
            || a.unevaluated_properties.is_some();
        let about_arrays =
            a.items.is_some() || !a.prefix_items.is_empty() || a.contains.is_some() || a.unevaluated_items.is_some();
        let objects = [Value::Object(object), Value::Object(all)];
        let arrays = filled.into_iter().chain([json!([])]);
        let scalars = [json!("conformance"), json!(1), json!(true)];
        let described: Vec<Value> = if about_arrays && !about_objects {
            arrays.chain(objects).collect()
        } else {
            objects.into_iter().chain(arrays).collect()
        };
        let plain: Vec<Value> = if about_objects || about_arrays {
            described.into_iter().chain(scalars).chain([Value::Null]).collect()
        } else {
            scalars.into_iter().chain(described).chain([Value::Null]).collect()
        };
        branches.into_iter().chain(plain).collect()
    }

    /// What a key the struct does not declare may hold: any text where `additionalProperties`
    /// is unspecified, a value of the map's type where it is one; `None` where unknown keys
    /// are refused.
    pub fn extra_key_value(&self, s: &Struct, depth: usize) -> Option<Value> {
        match &s.additional {
            None => Some(json!("conformance")),
            Some(None) => None,
            Some(Some(ty)) => self.value_at(ty, Hint::default(), depth + 1),
        }
    }

    fn constrained(&self, base: &TypeRef, rules: &Rules, hint: Hint, depth: usize) -> Option<Value> {
        if let Some(values) = &rules.one_of_values {
            return values.first().cloned();
        }
        match self.api.unalias(base) {
            TypeRef::Integer(width) => Some(json!(integer_inside(rules, *width))),
            TypeRef::Number => {
                let v = match (rules.minimum, rules.maximum) {
                    (Some(min), _) => min.value + if min.exclusive { 0.5 } else { 0.0 },
                    (None, Some(max)) => max.value - if max.exclusive { 0.5 } else { 0.0 },
                    _ => 1.0,
                };
                Some(json!(rules.multiple_of.map_or(v, |m| (v / m).ceil() * m)))
            }
            TypeRef::Array(item) => {
                let one = self.value_at(item, Hint::named(hint.name), depth + 1)?;
                let n = rules.min_items.unwrap_or(1).max(1) as usize;
                // Unique items cannot repeat one value: one item, and the caller's check decides.
                let items: Vec<Value> = if rules.unique_items { vec![one] } else { vec![one; n] };
                Some(Value::Array(items))
            }
            _ => None,
        }
    }

    /// String candidates for the rules, best first.
    pub fn strings(&self, rules: &Rules, name: &str) -> Vec<Value> {
        let tag = self.tag;
        let mut out: Vec<String> = Vec::new();
        if let Some(format) = rules.format {
            // What the run creates carries its tag (README, "Safety on staging"): in an URI's
            // path or an email's local part; other formats take the shared sample as it is.
            match format {
                Format::Uri | Format::UriReference => out.push(tagged_url(tag)),
                Format::Email => out.push(format!("{tag}@example.com")),
                // Realistic times: in the future (a schedule, an expiry), and where the name
                // ends a range, a day after where one starts it, so a range never ends before
                // it starts or has no length.
                Format::DateTime | Format::Date => {
                    let day = if crate::habits::ends_a_range(name) { "02" } else { "01" };
                    out.push(match format {
                        Format::DateTime => format!("2099-01-{day}T00:00:00Z"),
                        _ => format!("2099-01-{day}"),
                    });
                    out.extend(format.valid_sample().map(str::to_owned));
                }
                other => out.extend(other.valid_sample().map(str::to_owned)),
            }
        }
        let lower = name.to_ascii_lowercase();
        if lower.contains("url")
            || lower.contains("uri")
            || lower.contains("endpoint")
            || rules.pattern.as_deref().is_some_and(|p| p.contains("http"))
        {
            out.push(tagged_url(tag));
        }
        out.push(format!("conformance-{tag}"));
        out.push("conformance".into());
        let mut out: Vec<Value> = out.into_iter().map(|s| Value::String(fit_length(s, rules))).collect();
        // Last, for a pattern the words above do not match: strings made from the pattern.
        if let Some(pattern) = &rules.pattern {
            out.extend(super::pattern::matching(pattern, name).into_iter().map(Value::String));
        }
        out
    }
}

/// An URL that names the run: `https://example.com/conformance/cfm-…`.
fn tagged_url(tag: &str) -> String {
    format!("https://example.com/conformance/{tag}")
}

/// Pads or cuts `s` to the length rules (an url keeps its start).
pub fn fit_length(mut s: String, rules: &Rules) -> String {
    if let Some(min) = rules.min_length {
        while (s.chars().count() as u64) < min {
            s.push('a');
        }
    }
    if let Some(max) = rules.max_length {
        s = s.chars().take(max as usize).collect();
    }
    s
}

/// An integer inside the bounds, as close to the lower one as the rules allow.
pub fn integer_inside(rules: &Rules, width: IntWidth) -> i128 {
    let lowest = match width {
        IntWidth::U32 | IntWidth::U64 => 0,
        _ => i128::MIN,
    };
    let mut v: i128 = match (rules.minimum, rules.maximum) {
        (Some(min), _) => min.value.ceil() as i128 + i128::from(min.exclusive && min.value.fract() == 0.0),
        (None, Some(max)) => (max.value.floor() as i128 - i128::from(max.exclusive && max.value.fract() == 0.0)).min(1),
        _ => 1,
    };
    v = v.max(lowest);
    if let Some(m) = rules.multiple_of.filter(|m| m.fract() == 0.0 && *m >= 1.0) {
        let m = m as i128;
        v = (v + m - 1).div_euclid(m) * m;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_samples_carry_the_tag_and_stay_valid() {
        let api = generator::load_str("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", None).unwrap();
        let sampler = Sampler {
            api: &api,
            tag: "cfm-1234abcd",
        };
        for format in Format::ALL.into_iter().filter(|f| f.is_checked()) {
            let rules = Rules {
                format: Some(format),
                ..Rules::default()
            };
            let first = sampler.strings(&rules, "field").remove(0);
            let first = first.as_str().unwrap();
            assert!(format.check(first).is_ok(), "{format}: {first}");
            if matches!(format, Format::Uri | Format::UriReference | Format::Email) {
                assert!(first.contains("cfm-1234abcd"), "{format}: {first}");
            } else if matches!(format, Format::DateTime | Format::Date) {
                assert!(first.starts_with("2099-01-01"), "{format}: {first}: a time to come");
                let end = sampler.strings(&rules, "ends_at").remove(0);
                assert!(
                    end.as_str().unwrap().starts_with("2099-01-02"),
                    "{format}: {end}: after the start"
                );
            } else {
                assert_eq!(Some(first), format.valid_sample());
            }
        }
    }
}
