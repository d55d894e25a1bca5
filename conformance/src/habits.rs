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
//! - A field or parameter named `id`, `uid`, `uuid`, `<thing>_id`, `<thing>-id` or
//!   `<thing>Id` names a resource ([`names_an_id`]): where the spec links nothing, such a
//!   path parameter is linked to a create answer's id, and a required body field so named
//!   makes a POST act on a resource rather than create one.
//! - A list pages by a cursor, page, or offset query parameter so named, with a page size
//!   so named; an answer gives the next page as a link or a cursor under these keys, and
//!   says it is the last by `has_more: false` or `done: true` (`conformance sweep`, the
//!   [`CURSOR_PARAMETERS`] and the lists beside it).
//! - An item of the collection `/silences` may sit below `/silence/{id}` as well as
//!   `/silences/{id}` ([`singulars`]).

use generator::model::{Api, Operation, ParamLocation, Parameter, TypeRef};
use serde_json::Value;

/// Names of optional create-body fields that take a run-tagged text, best first.
pub const TAG_HOLDER_NAMES: [&str; 5] = ["name", "description", "title", "label", "url"];

/// Query parameters that take the cursor of the next page, best first.
pub const CURSOR_PARAMETERS: [&str; 9] = [
    "cursor",
    "after",
    "starting_after",
    "page_token",
    "pageToken",
    "next",
    "next_token",
    "iterator",
    "continuation_token",
];
/// Query parameters that take a page number.
pub const PAGE_PARAMETERS: [&str; 3] = ["page", "page_number", "pageNumber"];
/// Query parameters that take how many items to skip.
pub const OFFSET_PARAMETERS: [&str; 3] = ["offset", "skip", "start"];
/// Query parameters that take the page size.
pub const PAGE_SIZE_PARAMETERS: [&str; 5] = ["limit", "per_page", "perPage", "page_size", "pageSize"];
/// Answer keys (at the top or one object down) that hold the next page's link.
pub const NEXT_LINK_KEYS: [&str; 5] = ["next", "next_url", "nextUrl", "next_page_url", "nextPageUrl"];
/// Answer keys that hold the next page's cursor.
pub const NEXT_CURSOR_KEYS: [&str; 8] = [
    "next_cursor",
    "nextCursor",
    "next_page_token",
    "nextPageToken",
    "iterator",
    "cursor",
    "next",
    "after",
];
/// Answer keys whose `false` says there is no next page.
pub const MORE_KEYS: [&str; 2] = ["has_more", "hasMore"];
/// Answer keys whose `true` says this is the last page.
pub const DONE_KEYS: [&str; 1] = ["done"];

/// Answer fields that hold a resource's id where none is named like the path parameter.
pub const ID_FIELDS: [&str; 3] = ["id", "_id", "uuid"];

/// Whether a field or parameter so named names a resource.
pub fn names_an_id(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "id" | "uid" | "uuid")
        || lower.ends_with("_id")
        || lower.ends_with("-id")
        || lower.ends_with("_uuid")
        || name.ends_with("Id")
        || name.ends_with("ID")
}

/// The singular spellings of a plural collection segment (`silences` → `silence`, `silenc`;
/// `policies` → `policy`, `polici`; `boxes` → `box`, `boxe`): each is only a candidate
/// path, used where the spec has an item path so spelled.
pub fn singulars(plural: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(stem) = plural.strip_suffix("ies") {
        out.push(format!("{stem}y"));
    }
    for suffix in ["es", "s"] {
        if let Some(stem) = plural.strip_suffix(suffix) {
            out.push(stem.to_owned());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The update's `rotate_<field>` flag and the field it rotates.
pub fn rotation_flag<'a>(api: &Api, update: &'a Operation) -> Option<(&'a Parameter, &'a str)> {
    update.parameters.iter().find_map(|p| {
        let field = p.name.strip_prefix("rotate_").filter(|f| !f.is_empty())?;
        (p.location == ParamLocation::Query && matches!(api.unalias(&p.ty.ty), TypeRef::Boolean)).then_some((p, field))
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

/// Whether a field's name says it ends a range of time (`end`, `ends_at`, `to`, `until`,
/// `before`, `expires_at`, `finish`, `stop`): its sample is a day after a start's.
pub fn ends_a_range(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .chain(std::iter::once(lower.as_str()))
        .any(|word| {
            [
                "end", "ends", "to", "until", "before", "expires", "expiry", "finish", "stop", "till",
            ]
            .contains(&word)
                || ["endat", "endtime", "enddate", "endsat", "expiresat", "until"]
                    .iter()
                    .any(|w| word.replace('_', "").ends_with(w))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_that_end_a_range() {
        for name in [
            "ends_at",
            "end",
            "endTime",
            "created_before",
            "valid_until",
            "expires_at",
            "stop_at",
            "to",
        ] {
            assert!(super::ends_a_range(name), "{name}");
        }
        for name in [
            "starts_at",
            "start",
            "created_after",
            "total",
            "tokens",
            "timestamp",
            "from",
        ] {
            assert!(!super::ends_a_range(name), "{name}");
        }
    }

    use super::*;

    #[test]
    fn envelopes_are_looked_into_once() {
        let answer = serde_json::json!({"success": true, "data": {"name": "x", "deep": {"a": 1}}});
        assert_eq!(in_envelope(&answer, "/name"), Some(&Value::from("x")));
        assert_eq!(in_envelope(&answer, "/a"), None);
    }

    #[test]
    fn id_names() {
        for yes in ["id", "ID", "uuid", "order_id", "orderId", "silenceID", "app-id"] {
            assert!(names_an_id(yes), "{yes}");
        }
        for no in ["valid", "paid", "identity", "width", "name"] {
            assert!(!names_an_id(no), "{no}");
        }
    }

    #[test]
    fn singular_spellings() {
        assert!(singulars("silences").contains(&"silence".to_owned()));
        assert!(singulars("policies").contains(&"policy".to_owned()));
        assert!(singulars("boxes").contains(&"box".to_owned()));
        assert!(singulars("data").is_empty());
    }

    #[test]
    fn timestamps_of_writes_are_volatile() {
        assert!(changes_on_every_write("/data/updatedAt"));
        assert!(changes_on_every_write("/last_modified"));
        assert!(!changes_on_every_write("/events"));
    }
}
