//! Schemas that only a judged JSON value can hold: when a schema needs one (`needs_checked`),
//! and its JSON types, rules and sub-schemas (`checked`).

use super::*;
use crate::model::{Branch, When};

impl<'a> Lowerer<'a> {
    /// Whether only a checked value says what this schema says: keywords no precise Rust type
    /// enforces, rules without a `type` (they leave other types free), values no Rust enum
    /// holds, `type: 'null'`, object rules without properties, `oneOf` without a
    /// discriminator (exactly one), and `allOf` members a merge would misread.
    pub(super) fn needs_checked(&self, map: &Map<String, Value>, pointer: &str) -> bool {
        // An object with properties keeps its struct: the struct counts its keys itself.
        let counted_struct = map.get("type").and_then(Value::as_str) == Some("object")
            && map
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
        let struct_counts = |k: &&str| counted_struct && matches!(*k, "minProperties" | "maxProperties");
        if CHECKED_KEYWORDS
            .iter()
            .any(|k| map.contains_key(*k) && !struct_counts(k))
        {
            return true;
        }
        let declared: Option<Vec<&str>> = match map.get("type") {
            None => None,
            Some(Value::String(t)) => Some(vec![t.as_str()]),
            Some(Value::Array(t)) => Some(t.iter().filter_map(Value::as_str).collect()),
            // Not a type: `type_set` names the mistake.
            Some(_) => return false,
        };
        let non_null: Vec<&str> = declared.iter().flatten().copied().filter(|t| *t != "null").collect();
        let values: Option<Vec<&Value>> = match (map.get("const"), map.get("enum")) {
            (Some(c), _) => Some(vec![c]),
            (None, Some(Value::Array(list))) => Some(list.iter().collect()),
            _ => None,
        };
        if let Some(values) = values {
            let present: Vec<&&Value> = values.iter().filter(|v| !v.is_null()).collect();
            let all = |f: fn(&Value) -> bool| !present.is_empty() && present.iter().all(|v| f(v));
            let precise = match non_null.as_slice() {
                [] => all(Value::is_string),
                // A string enum with a value of another type contradicts itself: `string_enum` says so.
                ["string"] => true,
                ["integer"] => all(|v| v.is_i64() || v.is_u64()),
                ["number"] => all(Value::is_number),
                ["boolean"] => all(Value::is_boolean),
                _ => false,
            };
            if !precise {
                return true;
            }
        }
        let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
        match &declared {
            None if has(TYPED_RULE_KEYWORDS) => return true,
            None => {
                if checked_format(map, self.formats).is_some() {
                    return true;
                }
            }
            Some(types) if non_null.is_empty() && types.contains(&"null") => return true,
            Some(_) if non_null.len() > 1 && non_null.iter().any(|t| *t == "object" || *t == "array") => return true,
            Some(_) => {}
        }
        let properties = map
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        if non_null == ["object"]
            && !properties
            && (has(&["required"]) || map.get("additionalProperties") == Some(&Value::Bool(false)))
        {
            return true;
        }
        if matches!(map.get("items"), Some(Value::Array(_) | Value::Bool(false))) {
            return true;
        }
        let branches = |key: &str| map.get(key).and_then(Value::as_array);
        for key in ["allOf", "anyOf", "oneOf"] {
            if branches(key).is_some_and(|b| b.iter().any(Value::is_boolean)) {
                return true;
            }
        }
        if let Some(b) = branches("oneOf")
            && b.iter().filter(|b| !is_null_schema(b)).count() > 1
            && !map.contains_key("discriminator")
        {
            return true;
        }
        for key in ["anyOf", "oneOf"] {
            if branches(key).is_some()
                && has_shape_besides(map, key)
                && map.get("type").and_then(Value::as_str) != Some("object")
            {
                return true;
            }
        }
        branches("allOf").is_some_and(|members| !self.merge_is_faithful(map, members, pointer))
    }

    /// A checked value: JSON types plus rules, each sub-schema lowered to its own type.
    pub(super) fn checked(
        &mut self,
        map: &Map<String, Value>,
        value: &Value,
        pointer: &str,
        target: Target,
    ) -> Result<TypeUse> {
        // Sub-schemas are lowered in the keywords' order: the indexes below count on it.
        let mut checked = self.assertions(map, pointer, &target)?;
        self.object_applicators(map, pointer, &target, &mut checked)?;
        self.other_applicators(map, pointer, &target, &mut checked)?;
        if map.contains_key("unevaluatedProperties") || map.contains_key("unevaluatedItems") {
            self.unevaluated(map, pointer, &target, &mut checked)?;
        }
        let id = self.define(&target, pointer, value, TypeKind::Checked(Box::new(checked)));
        Ok(TypeUse {
            ty: TypeRef::Named(id),
            nullable: false,
        })
    }

    /// A checked value's own assertions: its JSON types, each type's rules, `const` or `enum`,
    /// property counts and the properties it requires.
    fn assertions(&mut self, map: &Map<String, Value>, pointer: &str, target: &Target) -> Result<Checked> {
        let mut checked = Checked::nothing(target.subject.clone());
        checked.types = match map.get("type") {
            None => JsonTypes::ANY,
            Some(_) => {
                let (kinds, nullable) = self.type_set(map, pointer)?;
                let mut types = if nullable { JsonTypes::NULL } else { JsonTypes::NONE };
                for kind in kinds {
                    types = types.with(JsonTypes::from_name(kind.name()).unwrap_or(JsonTypes::NONE));
                }
                types
            }
        };
        let numbers = rules(map, pointer, Kind::Number, self.formats)?;
        let strings = rules(map, pointer, Kind::String, self.formats)?;
        let arrays = rules(map, pointer, Kind::Array, self.formats)?;
        checked.rules = Rules {
            minimum: numbers.minimum,
            maximum: numbers.maximum,
            multiple_of: numbers.multiple_of,
            min_length: strings.min_length,
            max_length: strings.max_length,
            pattern: strings.pattern,
            format: strings.format,
            min_items: arrays.min_items,
            max_items: arrays.max_items,
            unique_items: arrays.unique_items,
            one_of_values: None,
        };
        if let Some(c) = map.get("const") {
            checked.rules.one_of_values = Some(vec![c.clone()]);
        } else if let Some(e) = map.get("enum") {
            let list = e
                .as_array()
                .ok_or_else(|| Error::invalid(join(pointer, "enum"), "an array", describe(e)))?;
            checked.rules.one_of_values = Some(list.clone());
        }
        checked.min_properties = count(map, pointer, "minProperties")?;
        checked.max_properties = count(map, pointer, "maxProperties")?;
        checked.required = self.required(map, pointer)?.into_iter().map(str::to_owned).collect();
        if let Some(dependent) = map.get("dependentRequired") {
            let at = join(pointer, "dependentRequired");
            let dependent = dependent
                .as_object()
                .ok_or_else(|| Error::invalid(&at, "a mapping of property names to lists", describe(dependent)))?;
            for (key, partners) in dependent {
                let partners = property_names(partners, &join(&at, key))?;
                checked.dependent_required.push((key.clone(), partners));
            }
        }
        Ok(checked)
    }

    /// The object applicators: `properties`, `patternProperties`, `dependentSchemas` (and
    /// draft 4's `dependencies`), `additionalProperties` and `propertyNames`.
    fn object_applicators(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
        target: &Target,
        checked: &mut Checked,
    ) -> Result<()> {
        let subs = &mut checked.subschemas;
        let a = &mut checked.applicators;
        for (keyword, list) in [
            ("properties", &mut a.properties),
            ("patternProperties", &mut a.pattern_properties),
            ("dependentSchemas", &mut a.dependent_schemas),
        ] {
            let Some(entries) = map.get(keyword) else { continue };
            let at = join(pointer, keyword);
            let entries = entries
                .as_object()
                .ok_or_else(|| Error::invalid(&at, "a mapping of schemas", describe(entries)))?;
            for (name, schema) in entries {
                if keyword == "patternProperties"
                    && let Some(e) = codegen_runtime::rules::pattern_error(name)
                {
                    return Err(Error::unsupported(
                        join(&at, name),
                        format!("the pattern `{name}` (the regex engine cannot read it: {e})"),
                    ));
                }
                list.push((
                    name.clone(),
                    self.subschema(subs, schema, &join(&at, name), target, name)?,
                ));
            }
        }
        // Draft 4 to 7's `dependencies`, which 2019-09 split in two: a list of names is a
        // `dependentRequired` entry, a schema a `dependentSchemas` one.
        if let Some(dependencies) = map.get("dependencies") {
            let at = join(pointer, "dependencies");
            let dependencies = dependencies.as_object().ok_or_else(|| {
                Error::invalid(
                    &at,
                    "a mapping of property names to lists or schemas",
                    describe(dependencies),
                )
            })?;
            for (key, dependency) in dependencies {
                match dependency {
                    Value::Array(_) => {
                        let names = property_names(dependency, &join(&at, key))?;
                        checked.dependent_required.push((key.clone(), names));
                    }
                    schema => a
                        .dependent_schemas
                        .push((key.clone(), self.subschema(subs, schema, &join(&at, key), target, key)?)),
                }
            }
        }
        a.additional_properties = self.optional_subschema(subs, map, pointer, target, "additionalProperties")?;
        a.property_names = self.optional_subschema(subs, map, pointer, target, "propertyNames")?;
        Ok(())
    }

    /// `not`, `if`/`then`/`else`, the array applicators and `allOf`, `anyOf`, `oneOf`.
    fn other_applicators(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
        target: &Target,
        checked: &mut Checked,
    ) -> Result<()> {
        let subs = &mut checked.subschemas;
        let a = &mut checked.applicators;
        let one = |this: &mut Self, subs: &mut Vec<TypeUse>, key: &str| {
            this.optional_subschema(subs, map, pointer, target, key)
        };
        a.not = one(self, subs, "not")?;
        if let Some(condition) = one(self, subs, "if")? {
            let then = one(self, subs, "then")?;
            let otherwise = one(self, subs, "else")?;
            a.if_then_else = Some((condition, then, otherwise));
        }
        // Draft 4's tuple form (`items: [...]`, `additionalItems`) is 2020-12's `prefixItems`, `items`.
        let (tuple_key, rest_key) = match map.get("items") {
            Some(Value::Array(_)) => ("items", "additionalItems"),
            _ => ("prefixItems", "items"),
        };
        if let Some(tuple) = map.get(tuple_key) {
            let at = join(pointer, tuple_key);
            let tuple = tuple
                .as_array()
                .ok_or_else(|| Error::invalid(&at, "an array of schemas", describe(tuple)))?;
            for (i, schema) in tuple.iter().enumerate() {
                let index = self.subschema(subs, schema, &join(&at, &i.to_string()), target, &format!("item{i}"))?;
                a.prefix_items.push(index);
            }
        }
        a.items = one(self, subs, rest_key)?;
        // `minContains`/`maxContains` count what `contains` admits; without it they say nothing.
        if let Some(contains) = one(self, subs, "contains")? {
            let min = count(map, pointer, "minContains")?.unwrap_or(1);
            a.contains = Some((contains, min, count(map, pointer, "maxContains")?));
        }
        for (keyword, list) in [
            ("allOf", &mut a.all_of),
            ("anyOf", &mut a.any_of),
            ("oneOf", &mut a.one_of),
        ] {
            let Some(branches) = map.get(keyword) else { continue };
            let at = join(pointer, keyword);
            let branches = branches
                .as_array()
                .ok_or_else(|| Error::invalid(&at, "an array of schemas", describe(branches)))?;
            for (i, branch) in branches.iter().enumerate() {
                let name = format!("{keyword}{i}");
                list.push(self.subschema(subs, branch, &join(&at, &i.to_string()), target, &name)?);
            }
        }
        Ok(())
    }

    /// The sub-schema at `key`, lowered, if the schema has one.
    fn optional_subschema(
        &mut self,
        subs: &mut Vec<TypeUse>,
        map: &Map<String, Value>,
        pointer: &str,
        target: &Target,
        key: &str,
    ) -> Result<Option<usize>> {
        match map.get(key) {
            Some(schema) => self.subschema(subs, schema, &join(pointer, key), target, key).map(Some),
            None => Ok(None),
        }
    }

    /// `unevaluatedProperties` and `unevaluatedItems`: what is evaluated beside them, and the
    /// branches whose evaluation counts only where they hold.
    fn unevaluated(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
        target: &Target,
        checked: &mut Checked,
    ) -> Result<()> {
        let subs = &mut checked.subschemas;
        let a = &mut checked.applicators;
        let mut evaluated = Evaluated::default();
        let mut deeper = Vec::new();
        self.evaluated(map, pointer, &mut Vec::new(), true, &mut deeper, &mut evaluated);
        // The branches whose evaluation counts only where they hold: the schema's own, by
        // the index of their sub-schema (lowered above, in the keywords' order)...
        let mut own: Vec<(When, String, &Value)> = Vec::new();
        for (keyword, indexes) in [("anyOf", &a.any_of), ("oneOf", &a.one_of)] {
            let members = map.get(keyword).and_then(Value::as_array).into_iter().flatten();
            for ((i, member), index) in members.enumerate().zip(indexes.iter()) {
                let at = join(&join(pointer, keyword), &i.to_string());
                own.push((When::Admits(*index), at, member));
            }
        }
        if let Some((condition, then, otherwise)) = a.if_then_else {
            for (keyword, when) in [
                ("if", Some(When::Admits(condition))),
                ("then", then.map(|_| When::Admits(condition))),
                ("else", otherwise.map(|_| When::Refuses(condition))),
            ] {
                if let (Some(when), Some(schema)) = (when, map.get(keyword)) {
                    own.push((when, join(pointer, keyword), schema));
                }
            }
        }
        for keyword in ["dependentSchemas", "dependencies"] {
            for (key, schema) in map.get(keyword).and_then(Value::as_object).into_iter().flatten() {
                if !schema.is_array() {
                    own.push((When::Has(key.clone()), join(&join(pointer, keyword), key), schema));
                }
            }
        }
        let mut found = Vec::new();
        for (when, at, schema) in own {
            self.branch(subs, target, schema, &at, vec![when], &mut found, &mut evaluated, 0)?;
        }
        // ...and those of the `allOf` members and references applied in place (which always
        // apply), whose conditions are lowered here as sub-schemas of this value.
        for (at, member) in deeper {
            self.branches_below(subs, target, &at, member, &[], &mut found, &mut evaluated, 0)?;
        }
        a.evaluated_by_value = found;
        let refuse = |keyword: &str, beside: &str, what: &str| {
            Error::unsupported(
                join(pointer, keyword),
                format!("`{keyword}` beside `{beside}`, where which {what} are evaluated depends on the value"),
            )
        };
        if let Some(schema) = map.get("unevaluatedProperties") {
            if let Some(beside) = evaluated.properties_by_value {
                return Err(refuse("unevaluatedProperties", beside, "properties"));
            }
            let index = self.subschema(
                subs,
                schema,
                &join(pointer, "unevaluatedProperties"),
                target,
                "unevaluated",
            )?;
            // Where every property is evaluated beside it, it applies to none.
            if !evaluated.all_properties {
                a.unevaluated_properties = Some((index, evaluated.names, evaluated.patterns));
            }
        }
        if let Some(schema) = map.get("unevaluatedItems") {
            if let Some(beside) = evaluated.items_by_value {
                return Err(refuse("unevaluatedItems", beside, "items"));
            }
            let index = self.subschema(
                subs,
                schema,
                &join(pointer, "unevaluatedItems"),
                target,
                "unevaluated_item",
            )?;
            if !evaluated.all_items {
                a.unevaluated_items = Some((index, evaluated.prefix));
            }
        }
        Ok(())
    }

    /// Adds to `evaluated` what `map` evaluates whatever the value, for `unevaluatedProperties`
    /// and `unevaluatedItems` beside it: its own keywords, and those of the `allOf` members
    /// and `$ref`s applied in place. Below the top, another `unevaluated*` evaluates all.
    /// The schemas below the top with keywords whose evaluation depends on the value (which
    /// `anyOf` branches pass, whether `if` holds, which items `contains` admits) are collected
    /// in `deeper`, for `branches_below`; `$dynamicRef` is noted: then it is not known here.
    fn evaluated<'v>(
        &self,
        map: &'v Map<String, Value>,
        pointer: &str,
        seen: &mut Vec<String>,
        top: bool,
        deeper: &mut Vec<(String, &'v Map<String, Value>)>,
        evaluated: &mut Evaluated,
    ) where
        'a: 'v,
    {
        // The branches (the top's own, and those `deeper` collects below) are counted where
        // they hold; a `$dynamicRef` is not known here.
        if map.contains_key("$dynamicRef") {
            evaluated.properties_by_value.get_or_insert("$dynamicRef");
            evaluated.items_by_value.get_or_insert("$dynamicRef");
        }
        let nested = |keyword: &str| !top && map.contains_key(keyword);
        evaluated.all_properties |= map.contains_key("additionalProperties") || nested("unevaluatedProperties");
        let keys = |keyword: &str| {
            map.get(keyword)
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|o| o.keys().cloned())
        };
        evaluated.names.extend(keys("properties"));
        evaluated.patterns.extend(keys("patternProperties"));
        // 2020-12: `prefixItems`, then `items` for the rest; draft 4: `items: [...]`, then
        // `additionalItems`.
        let (prefix, rest) = match map.get("items") {
            Some(Value::Array(tuple)) => (tuple.len(), "additionalItems"),
            _ => (
                map.get("prefixItems").and_then(Value::as_array).map_or(0, Vec::len),
                "items",
            ),
        };
        evaluated.prefix = evaluated.prefix.max(prefix);
        evaluated.all_items |= map.contains_key(rest) || nested("unevaluatedItems");
        if !top
            && ["anyOf", "oneOf", "if", "dependentSchemas", "dependencies", "contains"]
                .iter()
                .any(|k| map.contains_key(*k))
        {
            deeper.push((pointer.to_owned(), map));
        }
        let mut in_place: Vec<(String, &'v Value)> = Vec::new();
        if let Some(reference) = map.get("$ref").and_then(Value::as_str)
            && let Ok((target, value)) = self.doc.follow_ref(reference, pointer)
        {
            in_place.push((target, value));
        }
        for (i, member) in map
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            in_place.push((join(&join(pointer, "allOf"), &i.to_string()), member));
        }
        for (at, member) in in_place {
            // `true` and `false` evaluate nothing; a schema met before adds nothing new.
            let Some(member) = member.as_object() else { continue };
            if !seen.contains(&at) {
                seen.push(at.clone());
                self.evaluated(member, &at, seen, false, deeper, evaluated);
            }
        }
        if top {
            evaluated.names.sort();
            evaluated.names.dedup();
            evaluated.patterns.sort();
            evaluated.patterns.dedup();
        }
    }

    /// `schema`, reached where every condition of `when` holds, as a branch: what it evaluates
    /// (known from it), and the branches below it.
    #[allow(clippy::too_many_arguments)]
    fn branch(
        &mut self,
        subs: &mut Vec<TypeUse>,
        target: &Target,
        schema: &Value,
        at: &str,
        when: Vec<When>,
        out: &mut Vec<Branch>,
        evaluated: &mut Evaluated,
        depth: usize,
    ) -> Result<()> {
        let Some(map) = schema.as_object() else { return Ok(()) };
        let mut own = Evaluated::default();
        let mut deeper = Vec::new();
        self.evaluated(map, at, &mut vec![at.to_owned()], false, &mut deeper, &mut own);
        evaluated.properties_by_value = evaluated.properties_by_value.or(own.properties_by_value);
        evaluated.items_by_value = evaluated.items_by_value.or(own.items_by_value);
        out.push(Branch {
            when: when.clone(),
            names: own.names,
            patterns: own.patterns,
            all_properties: own.all_properties,
            prefix: own.prefix,
            all_items: own.all_items,
            contains: None,
        });
        for (member_at, member) in deeper {
            self.branches_below(subs, target, &member_at, member, &when, out, evaluated, depth + 1)?;
        }
        Ok(())
    }

    /// The branches of `member`, a schema applied in place wherever `when` holds: its
    /// `anyOf`/`oneOf` members, `if`/`then`/`else`, `dependentSchemas`, and the items its
    /// `contains` admits, each condition lowered as a sub-schema of the checked value.
    #[allow(clippy::too_many_arguments)]
    fn branches_below(
        &mut self,
        subs: &mut Vec<TypeUse>,
        target: &Target,
        at: &str,
        member: &Map<String, Value>,
        when: &[When],
        out: &mut Vec<Branch>,
        evaluated: &mut Evaluated,
        depth: usize,
    ) -> Result<()> {
        if depth > 8 {
            return Err(Error::unsupported(
                at,
                "branches beside `unevaluatedProperties`/`unevaluatedItems` nested more than 8 deep",
            ));
        }
        let with = |condition: When| {
            let mut all = when.to_vec();
            all.push(condition);
            all
        };
        for keyword in ["anyOf", "oneOf"] {
            for (i, schema) in member
                .get(keyword)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let schema_at = join(&join(at, keyword), &i.to_string());
                let index = self.subschema(subs, schema, &schema_at, target, keyword)?;
                self.branch(
                    subs,
                    target,
                    schema,
                    &schema_at,
                    with(When::Admits(index)),
                    out,
                    evaluated,
                    depth + 1,
                )?;
            }
        }
        if let Some(condition) = member.get("if") {
            let index = self.subschema(subs, condition, &join(at, "if"), target, "if")?;
            for (keyword, holds) in [
                ("if", When::Admits(index)),
                ("then", When::Admits(index)),
                ("else", When::Refuses(index)),
            ] {
                if let Some(schema) = member.get(keyword) {
                    self.branch(
                        subs,
                        target,
                        schema,
                        &join(at, keyword),
                        with(holds),
                        out,
                        evaluated,
                        depth + 1,
                    )?;
                }
            }
        }
        for keyword in ["dependentSchemas", "dependencies"] {
            for (key, schema) in member.get(keyword).and_then(Value::as_object).into_iter().flatten() {
                if !schema.is_array() {
                    let schema_at = join(&join(at, keyword), key);
                    self.branch(
                        subs,
                        target,
                        schema,
                        &schema_at,
                        with(When::Has(key.clone())),
                        out,
                        evaluated,
                        depth + 1,
                    )?;
                }
            }
        }
        if let Some(schema) = member.get("contains") {
            let index = self.subschema(subs, schema, &join(at, "contains"), target, "contains")?;
            out.push(Branch {
                when: when.to_vec(),
                contains: Some(index),
                ..Branch::default()
            });
        }
        Ok(())
    }

    pub(super) fn subschema(
        &mut self,
        subs: &mut Vec<TypeUse>,
        schema: &Value,
        at: &str,
        target: &Target,
        name: &str,
    ) -> Result<usize> {
        let lowered = self.schema(schema, at, target.child(name, &target.subject))?;
        subs.push(TypeUse {
            ty: lowered.ty,
            nullable: lowered.nullable,
        });
        Ok(subs.len() - 1)
    }
}

/// A list of property names (`dependentRequired`'s, or `dependencies`' list form) at `at`.
fn property_names(value: &Value, at: &str) -> Result<Vec<String>> {
    value
        .as_array()
        .and_then(|list| list.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| Error::invalid(at, "a list of property names", describe(value)))
}

/// What `unevaluatedProperties` and `unevaluatedItems` see as evaluated beside them.
#[derive(Default)]
struct Evaluated {
    /// Every property (`additionalProperties`, or another `unevaluatedProperties` below).
    all_properties: bool,
    names: Vec<String>,
    patterns: Vec<String>,
    /// Every item (`items` after the prefix, or another `unevaluatedItems` below).
    all_items: bool,
    /// How many leading items are evaluated by position (the longest `prefixItems`).
    prefix: usize,
    /// The keyword that makes which properties (or items) are evaluated unknown to the
    /// lowering (`$dynamicRef`, which is refused anyway).
    properties_by_value: Option<&'static str>,
    items_by_value: Option<&'static str>,
}
