//! `oneOf`/`anyOf` and type arrays as unions: tagged where each branch pins a property
//! (`pinned_tag`), untagged otherwise, and unions of scalars (`scalar_union`).

use super::*;

impl Lowerer<'_> {
    pub(super) fn union(
        &mut self,
        map: &Map<String, Value>,
        branches: &[(usize, &Value)],
        at: &str,
        target: &Target,
    ) -> Result<Union> {
        let discriminator = map
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mapping: Vec<(String, String)> = map
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let mut namer = Namer::default();
        let mut variants = Vec::new();
        for (i, branch) in branches {
            let branch_at = format!("{at}/{i}");
            let reference = branch.get("$ref").and_then(Value::as_str);
            let base = reference
                .map(|r| pascal(r.rsplit('/').next().unwrap_or("Variant")))
                .or_else(|| branch.get("title").and_then(Value::as_str).map(pascal))
                .or_else(|| {
                    branch
                        .get("type")
                        .and_then(Value::as_str)
                        .filter(|t| *t != "object")
                        .map(pascal)
                })
                .unwrap_or_else(|| format!("Variant{i}"));
            let lowered = self.schema(branch, &branch_at, target.child(&base, &target.subject))?;
            let mut tags: Vec<String> = mapping
                .iter()
                .filter(|(_, r)| {
                    Some(r.as_str()) == reference
                        || r.rsplit('/').next() == reference.and_then(|x| x.rsplit('/').next())
                })
                .map(|(k, _)| k.clone())
                .collect();
            if tags.is_empty() && discriminator.is_some() {
                // Without a mapping the tag is the schema name, unless the branch pins it with an enum or const.
                let pinned = discriminator.as_ref().and_then(|d| self.pinned_tag(branch, d));
                tags.push(
                    pinned.unwrap_or_else(|| reference.and_then(|r| r.rsplit('/').next()).unwrap_or(&base).to_owned()),
                );
            }
            variants.push(UnionVariant {
                rust_name: namer.unique(base),
                ty: lowered.ty,
                tags,
            });
        }
        Ok(Union {
            variants,
            discriminator,
        })
    }

    pub(super) fn pinned_tag(&self, branch: &Value, property: &str) -> Option<String> {
        let schema = match branch.get("$ref").and_then(Value::as_str) {
            Some(r) => self.doc.follow_ref(r, "").ok()?.1,
            None => branch,
        };
        let prop = schema.get("properties")?.get(property)?;
        let values = prop
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .or_else(|| prop.get("const").map(|c| vec![c.clone()]))?;
        match values.as_slice() {
            [Value::String(s)] => Some(s.clone()),
            _ => None,
        }
    }

    /// `type: [string, integer]`: an untagged union of the scalar kinds.
    pub(super) fn scalar_union(
        &mut self,
        kinds: &[Kind],
        value: &Value,
        pointer: &str,
        target: &Target,
    ) -> Result<TypeRef> {
        let mut variants = Vec::new();
        for kind in kinds {
            let mut map = value.as_object().cloned().unwrap_or_default();
            map.insert("type".into(), Value::String(kind.name().into()));
            let single = Value::Object(map.clone());
            let ty = self.typed(
                *kind,
                &map,
                &single,
                pointer,
                target.child(kind.name(), &target.subject),
                None,
            )?;
            variants.push(UnionVariant {
                rust_name: pascal(kind.name()),
                ty,
                tags: Vec::new(),
            });
        }
        let id = self.define(
            target,
            pointer,
            value,
            TypeKind::Union(Union {
                variants,
                discriminator: None,
            }),
        );
        Ok(TypeRef::Named(id))
    }
}
