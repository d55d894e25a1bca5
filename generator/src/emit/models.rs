//! The models file: one Rust type per named type of the model.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::types::{doc, is_uuid_value, literal, own_reading_type_tokens, type_tokens};
use crate::lower::names::snake;
use crate::model::{Api, Checked, Constrained, EnumValue, Presence, Struct, TypeDef, TypeRef, Union};

pub fn models(api: &Api) -> TokenStream {
    let here = quote!();
    let items = api.types.iter().map(|def| match &def.kind {
        crate::model::TypeKind::Struct(s) => structure(api, def, s, &here),
        crate::model::TypeKind::Enum(values) => enumeration(def, values),
        crate::model::TypeKind::Constrained(c) => constrained(api, def, c, &here),
        crate::model::TypeKind::Union(u) => union(api, def, u, &here),
        crate::model::TypeKind::Checked(c) => checked(api, def, c, &here),
        crate::model::TypeKind::Alias(inner) => {
            let name = format_ident!("{}", def.name);
            let docs = doc(def.description.as_deref());
            let inner = type_tokens(api, inner, &here);
            quote!(#docs pub type #name = #inner;)
        }
    });
    let defaults = defaults(api);
    quote! {
        #![allow(clippy::all, unused_imports)]
        use serde::{Deserialize, Serialize};
        #(#items)*
        #defaults
    }
}

fn default_fn_name(def: &TypeDef, field: &crate::model::Field) -> String {
    format!("{}_{}", snake(&def.name), field.rust_name.trim_end_matches('_'))
}

/// Parameter defaults live beside field defaults: constrained types are built unchecked only here.
pub fn param_default_fn_name(op: &crate::model::Operation, p: &crate::model::Parameter) -> String {
    format!("{}_{}_param", op.rust_name, p.rust_name.trim_end_matches('_'))
}

fn structure(api: &Api, def: &TypeDef, s: &Struct, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let fields = s.fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        let ty = own_reading_type_tokens(api, &f.ty, here);
        // Plain integers of 3.1 schemas also take `10.0` (constrained ones do in their type).
        let whole_floats = api.whole_floats_are_integers && matches!(api.unalias(&f.ty), TypeRef::Integer(_));
        let rename = (f.rust_name != f.wire_name).then(|| {
            let wire = &f.wire_name;
            quote!(#[serde(rename = #wire)])
        });
        let mut notes: Vec<String> = f.description.iter().cloned().collect();
        if f.write_only {
            notes.push("Write-only: sent in requests, never returned.".into());
        }
        if f.read_only {
            notes.push("Read-only: returned by the server, not sent.".into());
        }
        let docs = doc(Some(notes.join("\n\n")).filter(|n| !n.is_empty()).as_deref());
        let default_fn = || format!("defaults::{}", default_fn_name(def, f));
        let (attr, ty) = match f.presence() {
            Presence::Required if whole_floats => (quote!(#[serde(deserialize_with = "codegen_runtime::numbers::integer")]), ty),
            Presence::Required => (quote!(), ty),
            Presence::RequiredNullable if whole_floats => (
                quote!(#[serde(deserialize_with = "codegen_runtime::numbers::nullable_integer")]),
                quote!(Option<#ty>),
            ),
            Presence::RequiredNullable => (
                quote!(#[serde(deserialize_with = "codegen_runtime::nullable::required")]),
                quote!(Option<#ty>),
            ),
            Presence::Optional if whole_floats => (
                quote!(#[serde(default, deserialize_with = "codegen_runtime::numbers::optional_integer", skip_serializing_if = "Option::is_none")]),
                quote!(Option<#ty>),
            ),
            Presence::Optional => (
                quote!(#[serde(default, deserialize_with = "codegen_runtime::nullable::non_null", skip_serializing_if = "Option::is_none")]),
                quote!(Option<#ty>),
            ),
            Presence::Defaulted => {
                let path = default_fn();
                let with = whole_floats.then(|| quote!(deserialize_with = "codegen_runtime::numbers::integer",));
                (quote!(#[serde(#with default = #path)]), ty)
            }
            Presence::OptionalNullable if whole_floats => (
                quote!(#[serde(default, deserialize_with = "codegen_runtime::numbers::tri_state_integer", skip_serializing_if = "codegen_runtime::Nullable::is_absent")]),
                quote!(codegen_runtime::Nullable<#ty>),
            ),
            Presence::OptionalNullable => (
                quote!(#[serde(default, skip_serializing_if = "codegen_runtime::Nullable::is_absent")]),
                quote!(codegen_runtime::Nullable<#ty>),
            ),
            Presence::DefaultedNullable => {
                let path = default_fn();
                (quote!(#[serde(default = #path)]), quote!(Option<#ty>))
            }
        };
        quote!(#docs #rename #attr pub #ident: #ty,)
    });
    let (container, extra) = match &s.additional {
        Some(None) => (quote!(#[serde(deny_unknown_fields)]), quote!()),
        Some(Some(t)) => {
            let t = type_tokens(api, t, here);
            (
                quote!(),
                quote!(
                    /// Properties beyond the named ones.
                    #[serde(flatten)]
                    pub additional_properties: std::collections::BTreeMap<String, #t>,
                ),
            )
        }
        None => (quote!(), quote!()),
    };
    // `remote = "Self"` makes the derives plain functions, so the trait impls can route
    // deserializing through `ObjectsOnly`: a JSON array is not an object.
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(remote = "Self")]
        #container
        pub struct #name {
            #(#fields)*
            #extra
        }
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #name::deserialize(codegen_runtime::objects::ObjectsOnly(deserializer))
            }
        }
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #name::serialize(self, serializer)
            }
        }
    }
}

fn enumeration(def: &TypeDef, values: &[EnumValue]) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let variants = values.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        quote!(#[serde(rename = #wire)] #ident,)
    });
    let arms = values.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        quote!(#name::#ident => #wire,)
    });
    let parse_arms = values.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        quote!(#wire => Ok(#name::#ident),)
    });
    let all = values.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        quote!(#name::#ident)
    });
    let wires: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
    let expected = wires.join(", ");
    // `remote = "Self"` makes the derives plain functions, so deserializing can go through
    // `StringsOnly`: only a JSON string names a variant, anything else is refused at its field.
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(remote = "Self")]
        pub enum #name {
            #(#variants)*
        }
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #name::deserialize(codegen_runtime::enums::StringsOnly(deserializer))
            }
        }
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                #name::serialize(self, serializer)
            }
        }
        impl #name {
            /// Every value, in spec order.
            pub const ALL: &'static [#name] = &[#(#all),*];
            /// The value as it is on the wire.
            pub fn as_str(self) -> &'static str {
                match self { #(#arms)* }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for #name {
            type Err = codegen_runtime::ConstraintError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    #(#parse_arms)*
                    other => Err(codegen_runtime::ConstraintError {
                        subject: stringify!(#name).to_owned(),
                        rule: "enum",
                        message: format!("must be one of {}, got {:?}", #expected, other),
                    }),
                }
            }
        }
    }
}

fn bound(b: Option<crate::model::Bound>) -> TokenStream {
    match b {
        Some(b) => {
            let value = Literal::f64_suffixed(b.value);
            let exclusive = b.exclusive;
            quote!(Some(codegen_runtime::rules::Bound { value: #value, exclusive: #exclusive }))
        }
        None => quote!(None),
    }
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::u64_suffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn opt_str(v: Option<&str>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn constrained(api: &Api, def: &TypeDef, c: &Constrained, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    if is_uuid_value(c) {
        return quote!(#docs pub type #name = codegen_runtime::uuid::Uuid;);
    }
    let base = own_reading_type_tokens(api, &c.base, here);
    let subject = &c.subject;
    let integer_base = matches!(api.unalias(&c.base), TypeRef::Integer(_));
    // 3.1 integers are read from any number without a fraction, then narrowed and checked.
    let base_text = if integer_base && api.whole_floats_are_integers {
        "codegen_runtime::numbers::JsonInteger".to_owned()
    } else {
        base.to_string().replace(' ', "")
    };
    let from_json_integer = (integer_base && api.whole_floats_are_integers).then(|| {
        quote! {
            impl TryFrom<codegen_runtime::numbers::JsonInteger> for #name {
                type Error = codegen_runtime::ConstraintError;
                fn try_from(value: codegen_runtime::numbers::JsonInteger) -> Result<Self, Self::Error> {
                    Self::new(value.narrow(#subject)?)
                }
            }
        }
    });
    let r = &c.rules;
    let base_kind = api.unalias(&c.base);
    let mut checks = Vec::new();
    let mut consts = Vec::new();
    match base_kind {
        TypeRef::Integer(_) | TypeRef::Number => {
            let (min, max) = (bound(r.minimum), bound(r.maximum));
            let multiple = match r.multiple_of {
                Some(m) => {
                    let m = Literal::f64_suffixed(m);
                    quote!(Some(#m))
                }
                None => quote!(None),
            };
            consts.push(quote! {
                /// The bounds the spec sets.
                pub const RULES: codegen_runtime::rules::NumberRules =
                    codegen_runtime::rules::NumberRules { minimum: #min, maximum: #max, multiple_of: #multiple };
            });
            checks.push(if matches!(base_kind, TypeRef::Integer(_)) {
                quote!(codegen_runtime::rules::check_integer(#subject, i128::from(value), &Self::RULES)?;)
            } else {
                quote!(codegen_runtime::rules::check_number(#subject, value, &Self::RULES)?;)
            });
        }
        TypeRef::String => {
            let (min, max) = (opt_u64(r.min_length), opt_u64(r.max_length));
            let (pattern, format) = (opt_str(r.pattern.as_deref()), opt_str(r.format.as_deref()));
            consts.push(quote! {
                /// The length, format and pattern the spec sets.
                pub const RULES: codegen_runtime::rules::StringRules<'static> = codegen_runtime::rules::StringRules {
                    min_length: #min, max_length: #max, pattern: #pattern, format: #format,
                };
            });
            checks.push(quote!(codegen_runtime::rules::check_string(#subject, &value, &Self::RULES)?;));
        }
        TypeRef::Array(_) => {
            let (min, max, unique) = (opt_u64(r.min_items), opt_u64(r.max_items), r.unique_items);
            consts.push(quote! {
                /// The item counts the spec sets.
                pub const RULES: codegen_runtime::rules::ArrayRules =
                    codegen_runtime::rules::ArrayRules { min_items: #min, max_items: #max, unique_items: #unique };
            });
            checks.push(quote!(codegen_runtime::rules::check_array(#subject, &value, &Self::RULES)?;));
        }
        _ => {}
    }
    if let Some(values) = &r.one_of_values {
        let texts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        consts.push(quote!(
            /// The values the spec allows, as JSON.
            pub const ALLOWED: &'static [&'static str] = &[#(#texts),*];
        ));
        checks.push(quote!(codegen_runtime::rules::check_one_of(#subject, &serde_json::to_value(&value).unwrap_or_default(), Self::ALLOWED)?;));
    }
    let display = matches!(
        base_kind,
        TypeRef::String | TypeRef::Integer(_) | TypeRef::Number | TypeRef::Boolean
    )
    .then(|| {
        quote! {
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    std::fmt::Display::fmt(&self.0, f)
                }
            }
        }
    });
    let from_str = matches!(base_kind, TypeRef::String).then(|| {
        quote! {
            impl TryFrom<&str> for #name {
                type Error = codegen_runtime::ConstraintError;
                fn try_from(value: &str) -> Result<Self, Self::Error> {
                    Self::new(value.to_owned())
                }
            }
            impl std::str::FromStr for #name {
                type Err = codegen_runtime::ConstraintError;
                fn from_str(value: &str) -> Result<Self, Self::Err> {
                    Self::new(value.to_owned())
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(try_from = #base_text)]
        pub struct #name(#base);
        impl #name {
            #(#consts)*
            /// Checks `value` against the spec's constraints.
            pub fn new(value: #base) -> Result<Self, codegen_runtime::ConstraintError> {
                #(#checks)*
                Ok(Self(value))
            }
            pub fn get(&self) -> &#base {
                &self.0
            }
            pub fn into_inner(self) -> #base {
                self.0
            }
        }
        impl TryFrom<#base> for #name {
            type Error = codegen_runtime::ConstraintError;
            fn try_from(value: #base) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }
        impl From<#name> for #base {
            fn from(value: #name) -> Self {
                value.0
            }
        }
        impl std::ops::Deref for #name {
            type Target = #base;
            fn deref(&self) -> &#base {
                &self.0
            }
        }
        #display
        #from_str
        #from_json_integer
    }
}

fn opt_usize(v: Option<usize>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// A checked value: the JSON as it came, judged on the way in by `codegen_runtime::json`,
/// which asks the sub-schemas' own types about the parts they govern.
fn checked(api: &Api, def: &TypeDef, c: &Checked, here: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(def.description.as_deref());
    let subject = &c.subject;
    let r = &c.rules;
    let types = c.types.0;
    let whole_floats = api.whole_floats_are_integers;
    let (minimum, maximum) = (bound(r.minimum), bound(r.maximum));
    let multiple_of = match r.multiple_of {
        Some(m) => {
            let m = Literal::f64_suffixed(m);
            quote!(Some(#m))
        }
        None => quote!(None),
    };
    let (min_length, max_length) = (opt_u64(r.min_length), opt_u64(r.max_length));
    let (pattern, format) = (opt_str(r.pattern.as_deref()), opt_str(r.format.as_deref()));
    let (min_items, max_items, unique_items) = (opt_u64(r.min_items), opt_u64(r.max_items), r.unique_items);
    let (min_properties, max_properties) = (opt_u64(c.min_properties), opt_u64(c.max_properties));
    let required = &c.required;
    let dependent = c
        .dependent_required
        .iter()
        .map(|(k, partners)| quote!((#k, &[#(#partners),*])));
    let allowed = match &r.one_of_values {
        Some(values) => {
            let texts = values.iter().map(|v| v.to_string());
            quote!(Some(&[#(#texts),*]))
        }
        None => quote!(None),
    };
    let a = &c.applicators;
    let named = |list: &[(String, usize)]| {
        let pairs = list.iter().map(|(k, i)| quote!((#k, #i)));
        quote!(&[#(#pairs),*])
    };
    let (properties, pattern_properties) = (named(&a.properties), named(&a.pattern_properties));
    let dependent_schemas = named(&a.dependent_schemas);
    let (additional_properties, property_names, items, not) = (
        opt_usize(a.additional_properties),
        opt_usize(a.property_names),
        opt_usize(a.items),
        opt_usize(a.not),
    );
    let (prefix_items, all_of, any_of, one_of) = (&a.prefix_items, &a.all_of, &a.any_of, &a.one_of);
    let if_then_else = match a.if_then_else {
        Some((condition, then, otherwise)) => {
            let (then, otherwise) = (opt_usize(then), opt_usize(otherwise));
            quote!(Some((#condition, #then, #otherwise)))
        }
        None => quote!(None),
    };
    let arms = c.subschemas.iter().enumerate().map(|(i, sub)| {
        let ty = type_tokens(api, &sub.ty, here);
        let nullable = sub.nullable;
        quote!(#i => codegen_runtime::json::admits::<#ty>(value, #nullable),)
    });
    let admits = if c.subschemas.is_empty() {
        quote!(&mut |_: usize, _: &serde_json::Value| false)
    } else {
        quote!(&mut |schema: usize, value: &serde_json::Value| match schema {
            #(#arms)*
            _ => false,
        })
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(try_from = "serde_json::Value")]
        pub struct #name(serde_json::Value);
        impl #name {
            /// The JSON types and the rules the spec sets, each rule for its own type.
            pub const RULES: codegen_runtime::json::ValueRules<'static> = codegen_runtime::json::ValueRules {
                types: codegen_runtime::json::JsonTypes(#types),
                whole_floats_are_integers: #whole_floats,
                numbers: codegen_runtime::rules::NumberRules { minimum: #minimum, maximum: #maximum, multiple_of: #multiple_of },
                strings: codegen_runtime::rules::StringRules { min_length: #min_length, max_length: #max_length, pattern: #pattern, format: #format },
                arrays: codegen_runtime::rules::ArrayRules { min_items: #min_items, max_items: #max_items, unique_items: #unique_items },
                objects: codegen_runtime::json::ObjectRules {
                    min_properties: #min_properties, max_properties: #max_properties,
                    required: &[#(#required),*], dependent_required: &[#(#dependent),*],
                },
                allowed: #allowed,
                applicators: codegen_runtime::json::Applicators {
                    properties: #properties, pattern_properties: #pattern_properties, dependent_schemas: #dependent_schemas,
                    additional_properties: #additional_properties, property_names: #property_names,
                    prefix_items: &[#(#prefix_items),*], items: #items,
                    all_of: &[#(#all_of),*], any_of: &[#(#any_of),*], one_of: &[#(#one_of),*],
                    not: #not, if_then_else: #if_then_else,
                },
            };
            /// Checks `value` against the spec's types and rules.
            pub fn new(value: serde_json::Value) -> Result<Self, codegen_runtime::ConstraintError> {
                codegen_runtime::json::check(#subject, &value, &Self::RULES, #admits)?;
                Ok(Self(value))
            }
            pub fn get(&self) -> &serde_json::Value {
                &self.0
            }
            pub fn into_inner(self) -> serde_json::Value {
                self.0
            }
        }
        impl TryFrom<serde_json::Value> for #name {
            type Error = codegen_runtime::ConstraintError;
            fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }
        impl From<#name> for serde_json::Value {
            fn from(value: #name) -> Self {
                value.0
            }
        }
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
            #docs
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[serde(untagged)]
            pub enum #name { #(#variants)* }
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
        #docs
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum #name { #(#variants)* }
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

fn defaults(api: &Api) -> TokenStream {
    let here = quote!(super::);
    let fns: Vec<TokenStream> = api
        .types
        .iter()
        .filter_map(|def| match &def.kind {
            crate::model::TypeKind::Struct(s) => Some((def, s)),
            _ => None,
        })
        .flat_map(|(def, s)| s.fields.iter().map(move |f| (def, f)))
        .filter_map(|(def, f)| {
            let value = f.default.as_ref()?;
            let name = format_ident!("{}", default_fn_name(def, f));
            let ty = own_reading_type_tokens(api, &f.ty, &here);
            let lit = literal(api, &f.ty, value, &here);
            Some(match f.presence() {
                Presence::DefaultedNullable => quote!(pub fn #name() -> Option<#ty> { Some(#lit) }),
                _ => quote!(pub fn #name() -> #ty { #lit }),
            })
        })
        .collect();
    let param_fns = api
        .operations
        .iter()
        .flat_map(|op| op.parameters.iter().map(move |p| (op, p)))
        .filter_map(|(op, p)| {
            let value = p.default.as_ref()?;
            let name = format_ident!("{}", param_default_fn_name(op, p));
            let ty = own_reading_type_tokens(api, &p.ty, &here);
            let lit = literal(api, &p.ty, value, &here);
            Some(quote!(pub fn #name() -> #ty { #lit }))
        });
    let fns: Vec<TokenStream> = fns.into_iter().chain(param_fns).collect();
    if fns.is_empty() {
        return quote!();
    }
    quote! {
        /// The spec's defaults, applied when a field or parameter is absent.
        pub mod defaults {
            #(#fns)*
        }
    }
}
