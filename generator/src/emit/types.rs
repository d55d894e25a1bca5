//! Type references and literal values as Rust tokens.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use codegen_runtime::formats::Format;

use crate::model::{Api, Constrained, IntWidth, Rules, TypeKind, TypeRef};

/// How generated code names a type of the model; `prefix` is the path to the models
/// module from where the tokens go (`quote!()` inside it, `quote!(models::)` beside it).
pub fn type_tokens(api: &Api, ty: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(String),
        // 3.1 counts `10.0` as an integer: the integer type reads it, wherever it stands.
        TypeRef::Integer(w) if api.whole_floats_are_integers => {
            let int = int_type(*w);
            quote!(codegen_runtime::numbers::Whole<#int>)
        }
        TypeRef::Integer(w) => int_type(*w),
        TypeRef::Number => quote!(f64),
        TypeRef::Boolean => quote!(bool),
        TypeRef::Any => quote!(serde_json::Value),
        TypeRef::AnyObject => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Array(item) => {
            let item = type_tokens(api, item, prefix);
            quote!(Vec<#item>)
        }
        TypeRef::Map(item) => {
            let item = type_tokens(api, item, prefix);
            quote!(std::collections::BTreeMap<String, #item>)
        }
        TypeRef::OrNull(inner) => {
            let inner = type_tokens(api, inner, prefix);
            quote!(Option<#inner>)
        }
        TypeRef::Named(id) => {
            let name = format_ident!("{}", api.type_def(*id).name);
            quote!(#prefix #name)
        }
        TypeRef::Boxed(id) => {
            let name = format_ident!("{}", api.type_def(*id).name);
            quote!(Box<#prefix #name>)
        }
    }
}

/// Like [`type_tokens`], for the positions that read 3.1's whole numbers on their own (struct
/// fields through `codegen_runtime::numbers`' deserializers, parameters from their text, a
/// constrained type's base through `JsonInteger`): a plain integer stays the Rust integer.
pub fn own_reading_type_tokens(api: &Api, ty: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::Integer(w) => int_type(*w),
        _ => type_tokens(api, ty, prefix),
    }
}

/// A string whose only rule is `format: uuid` is a UUID value (`codegen_runtime::uuid::Uuid`):
/// its spellings in either case are one value, shown in lower case, so a handler compares
/// values, not text. Other formats and other rules keep the checked `String` newtype.
pub fn is_uuid_value(c: &Constrained) -> bool {
    c.base == TypeRef::String
        && c.rules
            == Rules {
                format: Some(Format::Uuid),
                ..Rules::default()
            }
}

pub fn int_type(width: IntWidth) -> TokenStream {
    match width {
        IntWidth::I32 => quote!(i32),
        IntWidth::I64 | IntWidth::Unformatted => quote!(i64),
        IntWidth::U32 => quote!(u32),
        IntWidth::U64 => quote!(u64),
    }
}

/// Why building a default cannot fail: lowering checked the value against its schema.
const DEFAULT_IS_VALID: &str = "the generator checked that this default is a valid value";

/// An expression of type `ty` with the value `value`, which lowering has checked is valid (so
/// a constrained type's `new` and a structured value's parse cannot fail). `ty` is at a position of
/// [`own_reading_type_tokens`] (a field or parameter default).
pub fn literal(api: &Api, ty: &TypeRef, value: &Value, prefix: &TokenStream) -> TokenStream {
    literal_at(api, ty, value, prefix, false)
}

/// `nested`: inside another type (an item, an alias), where a 3.1 integer is `Whole`.
fn literal_at(api: &Api, ty: &TypeRef, value: &Value, prefix: &TokenStream, nested: bool) -> TokenStream {
    match (ty, value) {
        (TypeRef::String, Value::String(s)) => quote!(#s.to_owned()),
        (TypeRef::Integer(w), Value::Number(n)) => {
            let lit = match w {
                IntWidth::I32 => Literal::i32_suffixed(n.as_i64().unwrap_or_default() as i32),
                IntWidth::I64 | IntWidth::Unformatted => Literal::i64_suffixed(n.as_i64().unwrap_or_default()),
                IntWidth::U32 => Literal::u32_suffixed(n.as_u64().unwrap_or_default() as u32),
                IntWidth::U64 => Literal::u64_suffixed(n.as_u64().unwrap_or_default()),
            };
            if nested && api.whole_floats_are_integers {
                quote!(codegen_runtime::numbers::Whole(#lit))
            } else {
                quote!(#lit)
            }
        }
        (TypeRef::Number, Value::Number(n)) => {
            let lit = Literal::f64_suffixed(n.as_f64().unwrap_or_default());
            quote!(#lit)
        }
        (TypeRef::Boolean, Value::Bool(b)) => quote!(#b),
        (TypeRef::OrNull(_), Value::Null) => quote!(None),
        (TypeRef::OrNull(inner), _) => {
            let inner = literal_at(api, inner, value, prefix, true);
            quote!(Some(#inner))
        }
        (TypeRef::Array(item), Value::Array(items)) => {
            let items = items.iter().map(|v| literal_at(api, item, v, prefix, true));
            quote!(vec![#(#items),*])
        }
        (TypeRef::Named(id) | TypeRef::Boxed(id), _) => {
            let def = api.type_def(*id);
            let name = format_ident!("{}", def.name);
            let inner = match &def.kind {
                TypeKind::Enum(values) => match values.iter().find(|v| Some(v.wire.as_str()) == value.as_str()) {
                    Some(v) => {
                        let variant = format_ident!("{}", v.rust_name);
                        Some(quote!(#prefix #name::#variant))
                    }
                    None => None,
                },
                TypeKind::Constrained(c) if is_uuid_value(c) => value
                    .as_str()
                    .and_then(|text| text.parse::<codegen_runtime::uuid::Uuid>().ok())
                    .map(|uuid| {
                        let bits = Literal::u128_suffixed(uuid.as_u128());
                        quote!(#prefix #name::from_u128(#bits))
                    }),
                TypeKind::Constrained(c) => {
                    let base = literal(api, &c.base, value, prefix);
                    Some(quote!(#prefix #name::new(#base).expect(#DEFAULT_IS_VALID)))
                }
                TypeKind::Alias(inner) => Some(literal_at(api, inner, value, prefix, true)),
                _ => None,
            };
            let expr = inner.unwrap_or_else(|| from_json(value));
            if matches!(ty, TypeRef::Boxed(_)) {
                quote!(Box::new(#expr))
            } else {
                expr
            }
        }
        _ => from_json(value),
    }
}

/// Structured defaults are parsed from their JSON text, which lowering has validated.
fn from_json(value: &Value) -> TokenStream {
    let text = value.to_string();
    quote!(serde_json::from_str(#text).expect(#DEFAULT_IS_VALID))
}

/// `#[doc = "..."]` lines for a description, or nothing.
pub fn doc(text: Option<&str>) -> TokenStream {
    let Some(text) = text else { return quote!() };
    let lines = text.lines().map(|l| format!(" {}", l.trim_end()));
    quote!(#(#[doc = #lines])*)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Api {
        crate::load_str(
            r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Thing:
      type: object
      properties:
        owner: {type: string, format: uuid, default: AAAA0001-BBBB-0002-CCCC-000300040005}
        code: {type: string, format: uuid, maxLength: 36}
"#,
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn constrained<'a>(api: &'a Api, field: &str) -> (&'a TypeRef, &'a Constrained) {
        let thing = api.types.iter().find(|t| t.name == "Thing").unwrap();
        let TypeKind::Struct(s) = &thing.kind else {
            panic!("Thing is a struct")
        };
        let ty = &s.fields.iter().find(|f| f.wire_name == field).unwrap().ty.ty;
        let TypeRef::Named(id) = ty else {
            panic!("{field} has a named type")
        };
        match &api.type_def(*id).kind {
            TypeKind::Constrained(c) => (ty, c),
            other => panic!("{field} is {other:?}"),
        }
    }

    #[test]
    fn only_a_format_only_uuid_is_a_uuid_value() {
        let api = api();
        assert!(is_uuid_value(constrained(&api, "owner").1));
        assert!(
            !is_uuid_value(constrained(&api, "code").1),
            "another rule keeps the checked text"
        );
    }

    #[test]
    fn a_uuid_default_is_written_as_its_value() {
        let api = api();
        let (ty, _) = constrained(&api, "owner");
        let value = serde_json::json!("AAAA0001-BBBB-0002-CCCC-000300040005");
        let tokens = literal(&api, ty, &value, &quote!()).to_string().replace(' ', "");
        let bits = 0xaaaa0001_bbbb_0002_cccc_000300040005_u128;
        assert_eq!(tokens, format!("Uuid::from_u128({bits}u128)"));
    }
}
