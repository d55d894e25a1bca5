//! One cargo feature per tag of a standalone crate: an operation is compiled when a feature
//! of one of its tags is on, a type when an operation that uses it is (or the webhooks that
//! use it, or, for a type nothing uses, `unused_schemas`). A user of ten of
//! GitHub's thousand operations turns on their tags and checks what those need, not the whole
//! API. Every feature is on by default, so a plain dependency has the whole API.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::lower::names::snake;
use crate::model::{Api, Operation, TypeId};

/// The feature of operations that have no tag.
pub const UNTAGGED: &str = "untagged";
/// The feature of the webhooks' receiver (a tag of this name shares it).
pub const WEBHOOKS: &str = "webhooks";
/// The feature of the types no operation or webhook uses (a spec's components are its models
/// even so).
pub const UNUSED_SCHEMAS: &str = "unused_schemas";

/// Which features compile each operation and each type.
#[derive(Debug, Clone)]
pub struct Features {
    /// Per operation: the features that turn it on; empty where the crate has no features.
    operations: Vec<BTreeSet<String>>,
    /// Per type: the features of the operations that use it; empty where it is always
    /// compiled (no features, or a use no feature turns off).
    types: Vec<BTreeSet<String>>,
    names: BTreeSet<String>,
}

impl Features {
    /// Everything always compiled: an API that is a module of a crate of several.
    pub fn none(api: &Api) -> Features {
        Features {
            operations: vec![BTreeSet::new(); api.operations.len()],
            types: vec![BTreeSet::new(); api.types.len()],
            names: BTreeSet::new(),
        }
    }

    /// A feature per tag; [`WEBHOOKS`] for the webhooks' receiver and the types it uses;
    /// [`UNUSED_SCHEMAS`] for the types nothing uses. `always` are the types compiled whatever
    /// the features (those a refusal's body is written with), and every type they hold.
    /// With fewer than two features among the operations (no tags, or one), there is nothing
    /// to choose between: no features.
    pub fn by_tag(api: &Api, always: impl IntoIterator<Item = TypeId>) -> Features {
        let operations: Vec<BTreeSet<String>> = api.operations.iter().map(tag_features).collect();
        if operations.iter().flatten().collect::<BTreeSet<_>>().len() < 2 {
            return Features::none(api);
        }
        let mut types = vec![BTreeSet::new(); api.types.len()];
        let add = |types: &mut Vec<BTreeSet<String>>, roots: Vec<TypeId>, features: &BTreeSet<String>| {
            for id in held(api, roots) {
                types[id.0].extend(features.iter().cloned());
            }
        };
        for (op, features) in api.operations.iter().zip(&operations) {
            add(&mut types, api.types_used_by(op), features);
        }
        let webhooks = BTreeSet::from([WEBHOOKS.to_owned()]);
        for webhook in &api.webhooks {
            add(&mut types, api.types_used_by(webhook), &webhooks);
        }
        let unused: Vec<TypeId> = (0..api.types.len())
            .filter(|i| types[*i].is_empty())
            .map(TypeId)
            .collect();
        add(&mut types, unused, &BTreeSet::from([UNUSED_SCHEMAS.to_owned()]));
        for id in held(api, always) {
            types[id.0].clear();
        }
        let mut names: BTreeSet<String> = operations.iter().chain(&types).flatten().cloned().collect();
        if !api.webhooks.is_empty() {
            names.insert(WEBHOOKS.to_owned());
        }
        Features {
            operations,
            types,
            names,
        }
    }

    /// Every feature, in order.
    pub fn names(&self) -> &BTreeSet<String> {
        &self.names
    }

    /// The attribute on the webhooks' receiver module, or nothing.
    pub fn receiver_attribute(&self) -> String {
        if self.names.contains(WEBHOOKS) {
            format!("#[cfg(feature = \"{WEBHOOKS}\")]\n")
        } else {
            String::new()
        }
    }

    /// The `#[cfg(...)]` of operation `index`, or nothing.
    pub fn operation(&self, index: usize) -> TokenStream {
        cfg(&self.operations[index])
    }

    /// The `#[cfg(...)]` that compiles what any of the operations `indices` need, or nothing.
    pub fn operations(&self, indices: impl IntoIterator<Item = usize>) -> TokenStream {
        let sets: Vec<&BTreeSet<String>> = indices.into_iter().map(|i| &self.operations[i]).collect();
        if sets.iter().any(|s| s.is_empty()) {
            return quote!();
        }
        cfg(&sets.into_iter().flatten().cloned().collect())
    }

    /// The `#[cfg(...)]` of type `id`, or nothing.
    pub fn of_type(&self, id: TypeId) -> TokenStream {
        cfg(&self.types[id.0])
    }
}

/// The features of an operation: its tags', or [`UNTAGGED`].
fn tag_features(op: &Operation) -> BTreeSet<String> {
    let features: BTreeSet<String> = op.tags.iter().map(|t| feature_name(t)).collect();
    if features.is_empty() {
        BTreeSet::from([UNTAGGED.to_owned()])
    } else {
        features
    }
}

/// A tag's feature: its snake_case name (`Code Scanning` is `code_scanning`); cargo's own
/// `default` and a name with nothing to keep get a name of their own.
pub fn feature_name(tag: &str) -> String {
    match snake(tag).trim_matches('_') {
        "" => UNTAGGED.to_owned(),
        "default" => "default_tag".to_owned(),
        name => name.to_owned(),
    }
}

/// `roots` and every type they hold, each once.
fn held(api: &Api, roots: impl IntoIterator<Item = TypeId>) -> Vec<TypeId> {
    let mut seen = vec![false; api.types.len()];
    let mut stack: Vec<TypeId> = roots.into_iter().collect();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if !std::mem::replace(&mut seen[id.0], true) {
            out.push(id);
            stack.extend(api.types_held_by(id));
        }
    }
    out
}

fn cfg(features: &BTreeSet<String>) -> TokenStream {
    if features.is_empty() {
        return quote!();
    }
    let features = features.iter();
    quote!(#[cfg(any(#(feature = #features),*))])
}

/// `tokens`, each of its top-level items behind `cfg` (an item of a type or operation is
/// often several: a struct, its impls, a macro invocation).
pub fn gated(cfg: &TokenStream, tokens: TokenStream) -> TokenStream {
    if cfg.is_empty() {
        return tokens;
    }
    let items = super::items(tokens).into_iter().map(|item| quote!(#cfg #(#item)*));
    quote!(#(#items)*)
}
