//! The models file: one Rust type per named type of the model.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::features::{Features, gated};
use super::types::{doc, is_uuid_value, literal, own_reading_type_tokens, type_tokens};
use crate::lower::names::snake;
use crate::model::{Api, Checked, Constrained, EnumValue, Presence, Rules, Struct, TypeDef, TypeId, TypeRef, Union};

/// Types per part of a models file.
const TYPES_PER_PART: usize = 128;

/// A file of models: the crate root of the models' crate (or the API's `models` module), or
/// of one crate of them when they are cut into several ([`super::split`]).
#[derive(Debug, Clone)]
pub struct ModelsFile {
    /// The crate it is the root of, as Rust names it, when it is one of several.
    pub crate_name: Option<String>,
    /// Its types, in the model's order.
    pub types: Vec<TypeId>,
    /// The crates of models its types hold types of (their Rust names), glob-imported.
    pub uses: Vec<String>,
    /// Whether its `defaults` module holds the parameters' defaults too (the crate the server
    /// names them through does).
    pub param_defaults: bool,
}

impl ModelsFile {
    /// Every type of `api`, and every default: the models in one file.
    pub fn whole(api: &Api) -> ModelsFile {
        ModelsFile {
            crate_name: None,
            types: (0..api.types.len()).map(TypeId).collect(),
            uses: Vec::new(),
            param_defaults: true,
        }
    }

    /// How many parts the file is made of, each made and formatted on its own (on whichever
    /// thread is free): its types in runs of [`TYPES_PER_PART`] (the first with the file's
    /// header), then the defaults.
    pub fn parts(&self) -> usize {
        self.types.len().div_ceil(TYPES_PER_PART).max(1) + 1
    }

    /// Part `part` of the file (see [`ModelsFile::parts`]), in file order.
    pub fn part(&self, api: &Api, features: &Features, part: usize) -> TokenStream {
        if part + 1 == self.parts() {
            return defaults(api, features, &self.types, self.param_defaults).unwrap_or_default();
        }
        let start = part * TYPES_PER_PART;
        let end = (start + TYPES_PER_PART).min(self.types.len());
        let types = types(api, features, &self.types[start..end]);
        if part > 0 {
            return types;
        }
        let uses = self.uses.iter().map(|name| {
            let name = format_ident!("{name}");
            quote!(use #name::*;)
        });
        quote! {
            #![allow(clippy::all, unused_imports)]
            use codegen_runtime as rt;
            use serde::{Deserialize, Serialize};
            #(#uses)*
            #types
        }
    }
}

/// The root of the models' crate when the models are cut into crates (`parts`): every part's
/// types re-exported, and one `defaults` module with theirs and the parameters'.
pub fn facade(api: &Api, features: &Features, parts: &[ModelsFile]) -> TokenStream {
    let names = parts.iter().filter_map(|part| part.crate_name.as_deref());
    let reexports = names.clone().map(|name| {
        let name = format_ident!("{name}");
        quote!(pub use #name::*;)
    });
    let defaults_of_parts: Vec<TokenStream> = parts
        .iter()
        .filter(|part| has_field_defaults(api, &part.types))
        .filter_map(|part| part.crate_name.as_deref())
        .map(|name| {
            let name = format_ident!("{name}");
            quote!(pub use #name::defaults::*;)
        })
        .collect();
    let params = param_default_fns(api, features);
    let defaults = (!defaults_of_parts.is_empty() || !params.is_empty()).then(|| {
        quote! {
            /// The spec's defaults, applied when a field or parameter is absent.
            pub mod defaults {
                #(#defaults_of_parts)*
                #(#params)*
            }
        }
    });
    quote! {
        #![allow(clippy::all, unused_imports)]
        #(#reexports)*
        #defaults
    }
}

/// The Rust items of `ids`, each behind its features.
fn types(api: &Api, features: &Features, ids: &[TypeId]) -> TokenStream {
    let here = quote!();
    let items = ids.iter().map(|&id| {
        let def = api.type_def(id);
        let tokens = type_items(api, def, &here);
        gated(&features.of_type(id), tokens)
    });
    quote!(#(#items)*)
}

/// The Rust items of one type.
fn type_items(api: &Api, def: &TypeDef, here: &TokenStream) -> TokenStream {
    match &def.kind {
        crate::model::TypeKind::Struct(s) => structure(api, def, s, here),
        crate::model::TypeKind::Enum(values) => enumeration(def, values),
        crate::model::TypeKind::Constrained(c) => constrained(api, def, c, here),
        crate::model::TypeKind::Union(u) => union(api, def, u, here),
        crate::model::TypeKind::Checked(c) => checked(api, def, c, here),
        crate::model::TypeKind::Alias(inner) => {
            let name = format_ident!("{}", def.name);
            let docs = doc(def.description.as_deref());
            let inner = type_tokens(api, inner, here);
            quote!(#docs pub type #name = #inner;)
        }
    }
}

fn default_fn_name(def: &TypeDef, field: &crate::model::Field) -> String {
    format!("{}_{}", snake(&def.name), field.rust_name.trim_end_matches('_'))
}

/// Parameter defaults live beside field defaults, in the models file's `defaults` module.
pub fn param_default_fn_name(op: &crate::model::Operation, p: &crate::model::Parameter) -> String {
    format!("{}_{}_param", op.rust_name, p.rust_name.trim_end_matches('_'))
}

/// How a field of a generated struct is read (`rt::objects`' reader), finished from its
/// slot, and written: its `#[object(...)]` in `rt::object!`.
fn field_code(
    api: &Api,
    def: &TypeDef,
    index: usize,
    f: &crate::model::Field,
    here: &TokenStream,
) -> (TokenStream, TokenStream) {
    let ty = own_reading_type_tokens(api, &f.ty.ty, here);
    // Plain integers of 3.1 schemas also take `10.0` (constrained ones do in their type).
    let whole = api.whole_floats_are_integers && matches!(api.unalias(&f.ty.ty), TypeRef::Integer(_));
    let reader = |plain: &str, integer: &str| format_ident!("{}", if whole { integer } else { plain });
    let defaulted = || {
        let default = format_ident!("{}", default_fn_name(def, f));
        quote!(default(defaults::#default))
    };
    let (ty, reader, finish, write) = match f.presence() {
        Presence::Required => (ty, reader("plain", "whole"), quote!(required), quote!(field)),
        Presence::RequiredNullable => (
            quote!(Option<#ty>),
            reader("plain", "whole_nullable"),
            quote!(required),
            quote!(field),
        ),
        Presence::Optional => (
            quote!(Option<#ty>),
            reader("non_null", "whole_non_null"),
            quote!(flatten),
            quote!(present),
        ),
        Presence::Defaulted => (ty, reader("plain", "whole"), defaulted(), quote!(field)),
        Presence::OptionalNullable => (
            quote!(rt::Nullable<#ty>),
            reader("plain", "whole_tri_state"),
            quote!(absent),
            quote!(present),
        ),
        Presence::DefaultedNullable => (
            quote!(Option<#ty>),
            reader("plain", "whole_nullable"),
            defaulted(),
            quote!(field),
        ),
    };
    let (wire, index) = (&f.wire_name, Literal::usize_unsuffixed(index));
    (quote!(#[object(#index, #reader, #wire, #finish, #write)]), ty)
}

/// A struct, through `rt::object!`: its declaration with the shape on the struct and a
/// reader, finish and writer on each field; the runtime writes the serde impls (serde's
/// derives would write a visitor, a field enum and a wrapper type per field here).
fn structure(api: &Api, def: &TypeDef, s: &Struct, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let fields = s.fields.iter().enumerate().map(|(index, f)| {
        let ident = format_ident!("{}", f.rust_name);
        let mut notes: Vec<String> = f.description.iter().cloned().collect();
        if f.write_only {
            notes.push("Write-only: sent in requests, never returned.".into());
        }
        if f.read_only {
            notes.push("Read-only: returned by the server, not sent.".into());
        }
        let docs = doc(Some(notes.join("\n\n")).filter(|n| !n.is_empty()).as_deref());
        let (object, ty) = field_code(api, def, index, f, here);
        quote!(#object #docs pub #ident: #ty,)
    });
    let (others, others_field) = match &s.additional {
        None => (quote!(Ignored), quote!()),
        Some(None) => (quote!(Refused), quote!()),
        Some(Some(t)) => {
            let t = type_tokens(api, t, here);
            let index = Literal::usize_unsuffixed(s.fields.len());
            (
                quote!(Kept),
                quote!(
                    #[others(#index)]
                    /// Properties beyond the named ones.
                    pub additional_properties: std::collections::BTreeMap<String, #t>,
                ),
            )
        }
    };
    let shape = if (s.min_properties, s.max_properties) == (None, None) {
        quote!(#[object(#others)])
    } else {
        let subject = &def.name;
        let counts = property_counts(s.min_properties, s.max_properties);
        quote!(#[object(#others, #subject, rt::json::ObjectRules { #(#counts)* ..rt::json::ObjectRules::NONE })])
    };
    quote! {
        rt::object! {
            #shape
            #docs
            #[derive(Clone, PartialEq)]
            pub struct #name {
                #(#fields)*
                #others_field
            }
        }
    }
}

/// A string enum: its variants and wire names once; `rt::string_enum!` writes the rest.
/// The invocation's body is an enum (with string discriminants), laid out as one by `format`.
fn enumeration(def: &TypeDef, values: &[EnumValue]) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let variants = values.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        quote!(#ident = #wire,)
    });
    quote! {
        rt::string_enum! {
            #docs
            pub enum #name {
                #(#variants)*
            }
        }
    }
}

/// The number rules a spec sets, as a builder chain on `rt::NumberRules::NONE`.
fn number_rules(r: &Rules) -> TokenStream {
    let mut chain = quote!(rt::NumberRules::NONE);
    for (bound, inclusive, exclusive) in [
        (r.minimum, quote!(minimum), quote!(exclusive_minimum)),
        (r.maximum, quote!(maximum), quote!(exclusive_maximum)),
    ] {
        if let Some(b) = bound {
            let value = Literal::f64_unsuffixed(b.value);
            let method = if b.exclusive { exclusive } else { inclusive };
            chain = quote!(#chain.#method(#value));
        }
    }
    if let Some(m) = r.multiple_of {
        let m = Literal::f64_unsuffixed(m);
        chain = quote!(#chain.multiple_of(#m));
    }
    chain
}

/// The string rules a spec sets, as a builder chain on `rt::StringRules::NONE`.
fn string_rules(r: &Rules) -> TokenStream {
    let mut chain = quote!(rt::StringRules::NONE);
    for (value, method) in [(r.min_length, quote!(min_length)), (r.max_length, quote!(max_length))] {
        if let Some(n) = value {
            let n = Literal::u64_unsuffixed(n);
            chain = quote!(#chain.#method(#n));
        }
    }
    if let Some(pattern) = &r.pattern {
        chain = quote!(#chain.pattern(#pattern));
    }
    if let Some(format) = r.format {
        // The variant's name, as `Debug` writes a unit variant: `rt::Format::DateTime`.
        let variant = format_ident!("{format:?}");
        chain = quote!(#chain.format(rt::Format::#variant));
    }
    chain
}

/// The array rules a spec sets, as a builder chain on `rt::ArrayRules::NONE`.
fn array_rules(r: &Rules) -> TokenStream {
    let mut chain = quote!(rt::ArrayRules::NONE);
    for (value, method) in [(r.min_items, quote!(min_items)), (r.max_items, quote!(max_items))] {
        if let Some(n) = value {
            let n = Literal::u64_unsuffixed(n);
            chain = quote!(#chain.#method(#n));
        }
    }
    if r.unique_items {
        chain = quote!(#chain.unique_items());
    }
    chain
}

/// `enum`/`const` values as JSON text.
fn allowed_values(values: &[serde_json::Value]) -> TokenStream {
    let texts = values.iter().map(|v| v.to_string());
    quote!(&[#(#texts),*])
}

/// A constrained type: its name, its marker and rules for `rt::newtype!`, which declares the
/// name as `rt::newtype::Constrained<marker>` (whose methods and traits the runtime writes
/// once) and the marker's `Constraint` impl.
fn constrained(api: &Api, def: &TypeDef, c: &Constrained, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    if is_uuid_value(c) {
        return quote!(#docs pub type #name = codegen_runtime::uuid::Uuid;);
    }
    let marker = format_ident!("{}", constraint_marker(&def.name));
    let base = own_reading_type_tokens(api, &c.base, here);
    let subject = &c.subject;
    let r = &c.rules;
    let base_kind = api.unalias(&c.base);
    let rules = match base_kind {
        TypeRef::Integer(_) | TypeRef::Number => number_rules(r),
        TypeRef::String => string_rules(r),
        TypeRef::Array(_) => array_rules(r),
        _ => quote!(rt::rules::NoRules),
    };
    let rules = match &r.one_of_values {
        Some(values) => {
            let allowed = allowed_values(values);
            quote!(rt::rules::OneOf { rules: #rules, allowed: #allowed })
        }
        None => rules,
    };
    // 3.1 integers are read from any number without a fraction, then narrowed and checked.
    let kind = match base_kind {
        TypeRef::String if c.base == TypeRef::String => quote!(string),
        TypeRef::Integer(_) if api.whole_floats_are_integers => quote!(whole(#base)),
        _ => quote!(value(#base)),
    };
    quote! {
        rt::newtype! {
            #[newtype(#kind, #subject)]
            #[rules = #rules]
            #docs
            pub type #name = rt::newtype::Constrained<#marker>;
        }
    }
}

/// The marker type holding a constrained type's rules: `NameRules_`. Type names never end in
/// an underscore but `Self_` (they are PascalCase words, numbered `Name2` or `Name2_2`), so
/// no schema's type can take it.
fn constraint_marker(name: &str) -> String {
    format!("{name}Rules_")
}

/// A checked value: the JSON as it came, judged on the way in by `codegen_runtime::json`,
/// which asks the sub-schemas' own types about the parts they govern (`admits`, by number).
/// Only the rules the spec sets are written. It is a constrained type like the others (a
/// `Constrained` alias and its marker), its value a `serde_json::Value`.
fn checked(api: &Api, def: &TypeDef, c: &Checked, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let subject = &c.subject;
    let r = &c.rules;
    let mut fields = Vec::new();
    let types = Literal::u8_unsuffixed(c.types.0);
    fields.push(quote!(types: rt::json::JsonTypes(#types),));
    if api.whole_floats_are_integers {
        fields.push(quote!(whole_floats_are_integers: true,));
    }
    let none = Rules::default();
    if (r.minimum, r.maximum, r.multiple_of) != (none.minimum, none.maximum, none.multiple_of) {
        let numbers = number_rules(r);
        fields.push(quote!(numbers: #numbers,));
    }
    if (r.min_length, r.max_length, &r.pattern, &r.format) != (None, None, &None, &None) {
        let strings = string_rules(r);
        fields.push(quote!(strings: #strings,));
    }
    if (r.min_items, r.max_items, r.unique_items) != (None, None, false) {
        let arrays = array_rules(r);
        fields.push(quote!(arrays: #arrays,));
    }
    let mut objects = property_counts(c.min_properties, c.max_properties);
    if !c.required.is_empty() {
        let required = &c.required;
        objects.push(quote!(required: &[#(#required),*],));
    }
    if !c.dependent_required.is_empty() {
        let dependent = c
            .dependent_required
            .iter()
            .map(|(k, partners)| quote!((#k, &[#(#partners),*])));
        objects.push(quote!(dependent_required: &[#(#dependent),*],));
    }
    if !objects.is_empty() {
        fields.push(quote!(objects: rt::json::ObjectRules { #(#objects)* ..rt::json::ObjectRules::NONE },));
    }
    if let Some(values) = &r.one_of_values {
        let allowed = allowed_values(values);
        fields.push(quote!(allowed: Some(#allowed),));
    }
    let applicators = applicators(&c.applicators);
    if !applicators.is_empty() {
        fields.push(quote!(applicators: rt::json::Applicators { #(#applicators)* ..rt::json::Applicators::NONE },));
    }
    let rules = quote!(rt::json::ValueRules { #(#fields)* ..rt::json::ValueRules::NONE });
    let check = if c.subschemas.is_empty() {
        quote!(rt::json::ValueCheck::of(#rules))
    } else {
        let arms = c.subschemas.iter().enumerate().map(|(i, sub)| {
            let ty = type_tokens(api, &sub.ty, here);
            let nullable = sub.nullable;
            quote!(#i => rt::json::admits::<#ty>(value, #nullable),)
        });
        quote!(rt::json::ValueCheck {
            rules: #rules,
            admits: |schema, value| match schema {
                #(#arms)*
                _ => false,
            },
        })
    };
    let marker = format_ident!("{}", constraint_marker(&def.name));
    quote! {
        rt::newtype! {
            #[newtype(value(serde_json::Value), #subject)]
            #[rules = #check]
            #docs
            pub type #name = rt::newtype::Constrained<#marker>;
        }
    }
}

/// `minProperties`/`maxProperties` as fields of `rt::json::ObjectRules`.
fn property_counts(min: Option<u64>, max: Option<u64>) -> Vec<TokenStream> {
    [(min, quote!(min_properties)), (max, quote!(max_properties))]
        .into_iter()
        .filter_map(|(n, field)| {
            let n = Literal::u64_unsuffixed(n?);
            Some(quote!(#field: Some(#n),))
        })
        .collect()
}

/// The applicators a checked value has, as fields of `rt::json::Applicators`.
fn applicators(a: &crate::model::Applicators) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (list, field) in [
        (&a.properties, quote!(properties)),
        (&a.pattern_properties, quote!(pattern_properties)),
        (&a.dependent_schemas, quote!(dependent_schemas)),
    ] {
        if !list.is_empty() {
            let pairs = list.iter().map(|(k, i)| quote!((#k, #i)));
            out.push(quote!(#field: &[#(#pairs),*],));
        }
    }
    for (index, field) in [
        (a.additional_properties, quote!(additional_properties)),
        (a.property_names, quote!(property_names)),
        (a.items, quote!(items)),
        (a.not, quote!(not)),
    ] {
        if let Some(i) = index {
            out.push(quote!(#field: Some(#i),));
        }
    }
    for (list, field) in [
        (&a.prefix_items, quote!(prefix_items)),
        (&a.all_of, quote!(all_of)),
        (&a.any_of, quote!(any_of)),
        (&a.one_of, quote!(one_of)),
    ] {
        if !list.is_empty() {
            out.push(quote!(#field: &[#(#list),*],));
        }
    }
    if let Some((condition, then, otherwise)) = a.if_then_else {
        let then = option_index(then);
        let otherwise = option_index(otherwise);
        out.push(quote!(if_then_else: Some((#condition, #then, #otherwise)),));
    }
    if let Some((schema, min, max)) = a.contains {
        let min = Literal::u64_unsuffixed(min);
        let max = match max.map(Literal::u64_unsuffixed) {
            Some(max) => quote!(Some(#max)),
            None => quote!(None),
        };
        out.push(quote!(contains: Some((#schema, #min, #max)),));
    }
    if let Some((schema, names, patterns)) = &a.unevaluated_properties {
        out.push(quote!(
            unevaluated_properties: Some(rt::json::Unevaluated { schema: #schema, names: &[#(#names),*], patterns: &[#(#patterns),*] }),
        ));
    }
    if let Some((schema, prefix)) = a.unevaluated_items {
        out.push(quote!(unevaluated_items: Some((#schema, #prefix)),));
    }
    if !a.evaluated_by_value.is_empty() {
        let branches = a.evaluated_by_value.iter().map(|b| {
            let when = b.when.iter().map(|w| match w {
                crate::model::When::Admits(i) => quote!(rt::json::When::Admits(#i)),
                crate::model::When::Refuses(i) => quote!(rt::json::When::Refuses(#i)),
                crate::model::When::Has(key) => quote!(rt::json::When::Has(#key)),
            });
            let (names, patterns) = (&b.names, &b.patterns);
            let (all_properties, prefix, all_items) = (b.all_properties, b.prefix, b.all_items);
            let contains = option_index(b.contains);
            quote!(rt::json::Branch {
                when: &[#(#when),*],
                names: &[#(#names),*],
                patterns: &[#(#patterns),*],
                all_properties: #all_properties,
                prefix: #prefix,
                all_items: #all_items,
                contains: #contains,
            })
        });
        out.push(quote!(evaluated_by_value: &[#(#branches),*],));
    }
    out
}

fn option_index(v: Option<usize>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn union(api: &Api, def: &TypeDef, u: &Union, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let variants = u.variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let ty = type_tokens(api, &v.ty, here);
        quote!(#ident(#ty),)
    });
    let Some(property) = &u.discriminator else {
        return quote! {
            rt::one_of! {
                #docs
                #[derive(Debug, Clone, PartialEq)]
                pub enum #name { #(#variants)* }
            }
        };
    };
    // The tag is read first, so a wrong variant is reported as such, not as "no variant matched".
    let arms = u.variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let tags = &v.tags;
        quote!(Some(#(#tags)|*) => serde_json::from_value(value).map(#name::#ident).map_err(serde::de::Error::custom),)
    });
    let all_tags: Vec<&str> = u
        .variants
        .iter()
        .flat_map(|v| v.tags.iter().map(String::as_str))
        .collect();
    let expected = all_tags.join(", ");
    quote! {
        rt::one_of! {
            #[one_of(written_only)]
            #docs
            #[derive(Debug, Clone, PartialEq)]
            pub enum #name { #(#variants)* }
        }
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#arms)*
                    Some(other) => Err(serde::de::Error::custom(format!("unknown {} {:?}, expected one of {}", #property, other, #expected))),
                    None => Err(serde::de::Error::custom(format!("missing field `{}`", #property))),
                }
            }
        }
    }
}

/// The `defaults` module of the fields of `ids` (and the parameters', with `params`), if any
/// has one.
fn defaults(api: &Api, features: &Features, ids: &[TypeId], params: bool) -> Option<TokenStream> {
    let here = quote!(super::);
    let fields = ids
        .iter()
        .filter_map(|&id| match &api.type_def(id).kind {
            crate::model::TypeKind::Struct(s) => Some((features.of_type(id), api.type_def(id), s)),
            _ => None,
        })
        .flat_map(|(cfg, def, s)| s.fields.iter().map(move |f| (cfg.clone(), def, f)))
        .filter_map(|(cfg, def, f)| {
            let value = f.default.as_ref()?;
            let name = format_ident!("{}", default_fn_name(def, f));
            let ty = own_reading_type_tokens(api, &f.ty.ty, &here);
            let lit = literal(api, &f.ty.ty, value, &here);
            Some(match f.presence() {
                Presence::DefaultedNullable => quote!(#cfg pub fn #name() -> Option<#ty> { Some(#lit) }),
                _ => quote!(#cfg pub fn #name() -> #ty { #lit }),
            })
        });
    let params = if params {
        param_default_fns(api, features)
    } else {
        Vec::new()
    };
    let fns: Vec<TokenStream> = fields.chain(params).collect();
    if fns.is_empty() {
        return None;
    }
    Some(quote! {
        /// The spec's defaults, applied when a field or parameter is absent.
        pub mod defaults {
            #(#fns)*
        }
    })
}

/// Whether the fields of `ids` have a default (and so their crate a `defaults` module).
fn has_field_defaults(api: &Api, ids: &[TypeId]) -> bool {
    ids.iter().any(|&id| match &api.type_def(id).kind {
        crate::model::TypeKind::Struct(s) => s.fields.iter().any(|f| f.default.is_some()),
        _ => false,
    })
}

/// The parameters' default functions, in a `defaults` module (types named from `super::`).
fn param_default_fns(api: &Api, features: &Features) -> Vec<TokenStream> {
    let here = quote!(super::);
    api.operations
        .iter()
        .enumerate()
        .flat_map(|(index, op)| op.parameters.iter().map(move |p| (index, op, p)))
        .filter_map(|(index, op, p)| {
            let value = p.default.as_ref()?;
            let name = format_ident!("{}", param_default_fn_name(op, p));
            let ty = own_reading_type_tokens(api, &p.ty.ty, &here);
            let lit = literal(api, &p.ty.ty, value, &here);
            let cfg = features.operation(index);
            Some(quote!(#cfg pub fn #name() -> #ty { #lit }))
        })
        .collect()
}
