//! What the runner assumes about vendors' habits where a spec says nothing. Every guess the
//! runner makes from a name or a shape, rather than from the spec's keywords, is here, so a
//! reader can see them all and a wrong one is changed in one place.
//!
//! - A boolean query parameter `rotate_<field>` on the update asks for a new `<field>`
//!   (kallima's `rotate_secret`): two rotations must give two values ([`rotation_flag`]).
//! - A field whose name contains `updated` or `modified` changes on every write
//!   (`updated_at`, `lastModified`): a partial update may change it ([`changes_on_every_write`]).
//! - An answer may wrap the resource in a one-object envelope (`{"success": true, "data":
//!   {...}}`): a field is looked for at the top, then one level down ([`in_envelope`]).
//! - Where a create body has no required text, an optional field named like `name`,
//!   `description`, `title`, `label` or `url` carries the run tag ([`TAG_HOLDER_NAMES`]).

use generator::model::{Api, Operation, ParamLocation, Parameter, TypeRef};
use serde_json::Value;

/// Names of optional create-body fields that take a run-tagged text, best first.
pub const TAG_HOLDER_NAMES: [&str; 5] = ["name", "description", "title", "label", "url"];

/// The update's `rotate_<field>` flag and the field it rotates.
pub fn rotation_flag<'a>(api: &Api, update: &'a Operation) -> Option<(&'a Parameter, &'a str)> {
    update.parameters.iter().find_map(|p| {
        let field = p.name.strip_prefix("rotate_").filter(|f| !f.is_empty())?;
        (p.location == ParamLocation::Query && matches!(api.unalias(&p.ty), TypeRef::Boolean)).then_some((p, field))
    })
}

/// Whether the field at this JSON pointer changes on every write.
pub fn changes_on_every_write(pointer: &str) -> bool {
    let last = codegen_runtime::pointer::last(pointer)
        .unwrap_or_default()
        .to_ascii_lowercase();
    last.contains("updated") || last.contains("modified")
}

/// The value at `pointer` in an answer, or in its one-object envelope.
pub fn in_envelope<'a>(answer: &'a Value, pointer: &str) -> Option<&'a Value> {
    answer.pointer(pointer).or_else(|| {
        answer
            .as_object()?
            .values()
            .filter(|v| v.is_object())
            .find_map(|inner| inner.pointer(pointer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_looked_into_once() {
        let answer = serde_json::json!({"success": true, "data": {"name": "x", "deep": {"a": 1}}});
        assert_eq!(in_envelope(&answer, "/name"), Some(&Value::from("x")));
        assert_eq!(in_envelope(&answer, "/a"), None);
    }

    #[test]
    fn timestamps_of_writes_are_volatile() {
        assert!(changes_on_every_write("/data/updatedAt"));
        assert!(changes_on_every_write("/last_modified"));
        assert!(!changes_on_every_write("/events"));
    }
}
