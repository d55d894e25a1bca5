//! The one model of an API that emitters and the conformance runner share.
//!
//! Every decision about names, nullability and constraints is made in lowering and stored
//! here; nothing in this module knows YAML, and nothing knows Rust tokens.

use codegen_runtime::formats::Format;
use codegen_runtime::json;
pub use codegen_runtime::json::JsonTypes;
pub use codegen_runtime::style::{FieldKind, Node, Scalar, Serialization, Style};
use serde_json::Value;

/// A whole API, lowered.
#[derive(Debug, Clone)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// Server URLs as written in the spec.
    pub servers: Vec<String>,
    /// The path of the first server URL (`/api/v1`), empty for the root.
    pub base_path: String,
    pub security_schemes: Vec<SecurityScheme>,
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    /// OpenAPI 3.1 `webhooks`: requests the API sends to its users. Their bodies are
    /// models; no route serves them.
    pub webhooks: Vec<Operation>,
    /// OpenAPI 3.1 (JSON Schema 2020-12) counts `10.0` as an integer; 3.0 (draft 4) does not.
    pub whole_floats_are_integers: bool,
    /// What lowering had to leave out, each with where and why (printed, never silent).
    pub warnings: Vec<crate::Error>,
}

/// Index into [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// A named type the emitters write out.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// PascalCase Rust name, unique in the API.
    pub name: String,
    /// Where in the spec it came from (JSON pointer).
    pub origin: String,
    pub description: Option<String>,
    pub kind: TypeKind,
    /// A spec example for the type, if one is given.
    pub example: Option<Value>,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct(Struct),
    /// A closed set of strings.
    Enum(Vec<EnumValue>),
    /// A scalar or array whose values are restricted.
    Constrained(Constrained),
    /// One of several shapes.
    Union(Union),
    /// Another name for a type (a component that is just `type: string`, ...).
    Alias(TypeRef),
    /// A JSON value no precise Rust type describes: allowed JSON types plus rules.
    Checked(Box<Checked>),
}

/// A use of a type: the type, and whether `null` is allowed too. Fields, parameters, bodies,
/// response bodies and a checked value's sub-schemas hold one; [`Api::admits_null`] is the one
/// answer to whether a use admits `null`. It does not read as its type: code that wants only
/// the type writes `.ty`, so a flag is never dropped unseen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeUse {
    pub ty: TypeRef,
    pub nullable: bool,
}

impl TypeUse {
    pub fn new(ty: TypeRef, nullable: bool) -> Self {
        TypeUse { ty, nullable }
    }

    /// A use that does not admit `null` by its flag.
    pub fn non_null(ty: TypeRef) -> Self {
        TypeUse { ty, nullable: false }
    }
}

/// Any JSON value, or one of several JSON types, with rules, each rule applying only to
/// instances of its type (JSON Schema's reading): `{minimum: 1}` admits `"x"`. The home of
/// schemas no precise Rust type describes (`not`, `oneOf` as exactly one, `enum` of objects,
/// `type: 'null'`, ...); generated code holds a `serde_json::Value` checked on the way in by
/// `codegen_runtime::json::check`, the same check [`validate`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The JSON types admitted; `null` is one of them, never a flag beside.
    pub types: JsonTypes,
    /// Number, string and array rules, and the `enum`/`const` values (`one_of_values`).
    pub rules: Rules,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub required: Vec<String>,
    /// `dependentRequired`: when the property is present, so must each partner be.
    pub dependent_required: Vec<(String, Vec<String>)>,
    /// The sub-schemas the applicators name by index.
    pub subschemas: Vec<TypeUse>,
    pub applicators: Applicators,
    /// The property or schema name, used in error messages.
    pub subject: String,
}

/// The keywords that apply sub-schemas, each naming its sub-schema by its index in
/// [`Checked::subschemas`] (the runtime's `json::Applicators`, owned).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applicators {
    pub properties: Vec<(String, usize)>,
    pub pattern_properties: Vec<(String, usize)>,
    pub dependent_schemas: Vec<(String, usize)>,
    pub additional_properties: Option<usize>,
    pub property_names: Option<usize>,
    pub prefix_items: Vec<usize>,
    pub items: Option<usize>,
    pub all_of: Vec<usize>,
    pub any_of: Vec<usize>,
    pub one_of: Vec<usize>,
    pub not: Option<usize>,
    pub if_then_else: Option<(usize, Option<usize>, Option<usize>)>,
    /// `contains` with `minContains` (1 unless set) and `maxContains`.
    pub contains: Option<(usize, u64, Option<u64>)>,
    /// `unevaluatedProperties`: its sub-schema, and the names and patterns of the properties
    /// evaluated beside it (known from the schema alone; the runtime's `json::Unevaluated`).
    pub unevaluated_properties: Option<(usize, Vec<String>, Vec<String>)>,
    /// `unevaluatedItems`: its sub-schema, and how many leading items are evaluated beside it.
    pub unevaluated_items: Option<(usize, usize)>,
    /// What the branches of `anyOf`, `oneOf`, `if`/`then`/`else` and `dependentSchemas`
    /// evaluate, counted only where a branch holds for the value (the runtime's
    /// `json::Branch`).
    pub evaluated_by_value: Vec<Branch>,
}

/// What one branch evaluates when it holds (the runtime's `json::Branch`, owned).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branch {
    /// Every condition must hold.
    pub when: Vec<When>,
    pub names: Vec<String>,
    pub patterns: Vec<String>,
    pub all_properties: bool,
    pub prefix: usize,
    pub all_items: bool,
    /// The items this sub-schema admits are evaluated too.
    pub contains: Option<usize>,
}

/// When a [`Branch`] holds (the runtime's `json::When`, owned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    Admits(usize),
    Refuses(usize),
    Has(String),
}

impl Default for When {
    fn default() -> Self {
        When::Admits(0)
    }
}

impl Checked {
    /// Admits nothing: the schema `false`.
    pub fn nothing(subject: impl Into<String>) -> Self {
        Checked {
            types: JsonTypes::NONE,
            rules: Rules::default(),
            min_properties: None,
            max_properties: None,
            required: Vec::new(),
            dependent_required: Vec::new(),
            subschemas: Vec::new(),
            applicators: Applicators::default(),
            subject: subject.into(),
        }
    }

    /// Hands `f` the runtime's borrowed view of these rules.
    pub fn with_runtime_rules<R>(
        &self,
        whole_floats_are_integers: bool,
        f: impl FnOnce(&json::ValueRules<'_>) -> R,
    ) -> R {
        let r = &self.rules;
        let bound = |b: Option<Bound>| {
            b.map(|b| codegen_runtime::rules::Bound {
                value: b.value,
                exclusive: b.exclusive,
            })
        };
        let required: Vec<&str> = self.required.iter().map(String::as_str).collect();
        let partners: Vec<Vec<&str>> = self
            .dependent_required
            .iter()
            .map(|(_, p)| p.iter().map(String::as_str).collect())
            .collect();
        let dependent: Vec<(&str, &[&str])> = self
            .dependent_required
            .iter()
            .zip(&partners)
            .map(|((k, _), p)| (k.as_str(), p.as_slice()))
            .collect();
        let allowed_texts: Option<Vec<String>> = r
            .one_of_values
            .as_ref()
            .map(|v| v.iter().map(Value::to_string).collect());
        let allowed: Option<Vec<&str>> = allowed_texts.as_ref().map(|t| t.iter().map(String::as_str).collect());
        let a = &self.applicators;
        fn named(list: &[(String, usize)]) -> Vec<(&str, usize)> {
            list.iter().map(|(k, i)| (k.as_str(), *i)).collect()
        }
        let (properties, pattern_properties) = (named(&a.properties), named(&a.pattern_properties));
        let dependent_schemas = named(&a.dependent_schemas);
        fn texts(list: &[String]) -> Vec<&str> {
            list.iter().map(String::as_str).collect()
        }
        let evaluated = a
            .unevaluated_properties
            .as_ref()
            .map(|(schema, names, patterns)| (*schema, texts(names), texts(patterns)));
        let branch_parts: Vec<(Vec<&str>, Vec<&str>, Vec<json::When<'_>>)> = a
            .evaluated_by_value
            .iter()
            .map(|b| {
                let when = b
                    .when
                    .iter()
                    .map(|w| match w {
                        When::Admits(i) => json::When::Admits(*i),
                        When::Refuses(i) => json::When::Refuses(*i),
                        When::Has(key) => json::When::Has(key),
                    })
                    .collect();
                (texts(&b.names), texts(&b.patterns), when)
            })
            .collect();
        let branches: Vec<json::Branch<'_>> = a
            .evaluated_by_value
            .iter()
            .zip(&branch_parts)
            .map(|(b, (names, patterns, when))| json::Branch {
                when,
                names,
                patterns,
                all_properties: b.all_properties,
                prefix: b.prefix,
                all_items: b.all_items,
                contains: b.contains,
            })
            .collect();
        let rules = json::ValueRules {
            types: self.types,
            whole_floats_are_integers,
            numbers: codegen_runtime::rules::NumberRules {
                minimum: bound(r.minimum),
                maximum: bound(r.maximum),
                multiple_of: r.multiple_of,
            },
            strings: codegen_runtime::rules::StringRules {
                min_length: r.min_length,
                max_length: r.max_length,
                pattern: r.pattern.as_deref(),
                format: r.format,
            },
            arrays: codegen_runtime::rules::ArrayRules {
                min_items: r.min_items,
                max_items: r.max_items,
                unique_items: r.unique_items,
            },
            objects: json::ObjectRules {
                min_properties: self.min_properties,
                max_properties: self.max_properties,
                required: &required,
                dependent_required: &dependent,
            },
            allowed: allowed.as_deref(),
            applicators: json::Applicators {
                properties: &properties,
                pattern_properties: &pattern_properties,
                dependent_schemas: &dependent_schemas,
                additional_properties: a.additional_properties,
                property_names: a.property_names,
                prefix_items: &a.prefix_items,
                items: a.items,
                all_of: &a.all_of,
                any_of: &a.any_of,
                one_of: &a.one_of,
                not: a.not,
                if_then_else: a.if_then_else,
                contains: a.contains,
                unevaluated_properties: evaluated.as_ref().map(|(schema, names, patterns)| json::Unevaluated {
                    schema: *schema,
                    names,
                    patterns,
                }),
                unevaluated_items: a.unevaluated_items,
                evaluated_by_value: &branches,
            },
        };
        f(&rules)
    }
}

#[derive(Debug, Clone)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// `additionalProperties`: `None` ignores unknown keys, `Some(None)` refuses them,
    /// `Some(Some(t))` keeps them in a map of `t`.
    pub additional: Option<Option<TypeRef>>,
    /// `minProperties`/`maxProperties`: how many keys the object has, named or not.
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The key on the wire.
    pub wire_name: String,
    /// snake_case Rust name, unique in the struct.
    pub rust_name: String,
    pub ty: TypeUse,
    pub required: bool,
    /// Spec default, already checked against the field's type.
    pub default: Option<Value>,
    pub description: Option<String>,
    pub read_only: bool,
    pub write_only: bool,
    /// Examples the spec gives for the property (not checked: the runner checks before use).
    pub examples: Vec<Value>,
    /// Where the property schema is (JSON pointer).
    pub origin: String,
}

impl Field {
    /// The four cases of DESIGN.md.
    pub fn presence(&self) -> Presence {
        match (self.required, self.ty.nullable) {
            (true, false) => Presence::Required,
            (true, true) => Presence::RequiredNullable,
            (false, false) if self.default.is_some() => Presence::Defaulted,
            (false, false) => Presence::Optional,
            (false, true) if self.default.is_some() => Presence::DefaultedNullable,
            (false, true) => Presence::OptionalNullable,
        }
    }
}

/// How a field may appear on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Present, never null: `T`.
    Required,
    /// Present, maybe null: `Option<T>`.
    RequiredNullable,
    /// May be absent, never null: `Option<T>`, omitted when `None`.
    Optional,
    /// May be absent, then takes the default: `T`.
    Defaulted,
    /// Absent, null or a value: the tri-state.
    OptionalNullable,
    /// May be absent (then the default) or null: `Option<T>`.
    DefaultedNullable,
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    /// PascalCase variant name, unique in the enum.
    pub rust_name: String,
}

/// A restricted scalar or array; the restrictions are checked when one is built.
#[derive(Debug, Clone)]
pub struct Constrained {
    pub base: TypeRef,
    pub rules: Rules,
    /// The property or schema name, used in error messages ("timeout_ms must be ...").
    pub subject: String,
}

/// Validation keywords that a value must satisfy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    /// A format that can refuse a string; lowering keeps no other (`password`, unknown names).
    pub format: Option<Format>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    /// Allowed values for a non-string enum (`enum: [1, 2, 3]`), compared as JSON.
    pub one_of_values: Option<Vec<Value>>,
}

impl Rules {
    pub fn is_empty(&self) -> bool {
        *self == Rules::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

#[derive(Debug, Clone)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// Property whose value picks the variant.
    pub discriminator: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
}

/// A use of a type: inline scalars and containers, or a named [`TypeDef`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    String,
    Integer(IntWidth),
    Number,
    Boolean,
    /// Any JSON value.
    Any,
    /// An object with arbitrary keys.
    AnyObject,
    Array(Box<TypeRef>),
    Map(Box<TypeRef>),
    /// The inner type or `null` (`Option<T>`), where a position has no `nullable` flag of its
    /// own: array items and map values that may be null.
    OrNull(Box<TypeRef>),
    Named(TypeId),
    /// A named type that contains itself: held behind a pointer.
    Boxed(TypeId),
}

impl TypeRef {
    /// The named type this use is written with, through arrays, maps, `null` and boxes.
    pub fn named(&self) -> Option<TypeId> {
        match self {
            TypeRef::Named(id) | TypeRef::Boxed(id) => Some(*id),
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::OrNull(inner) => inner.named(),
            TypeRef::String
            | TypeRef::Integer(_)
            | TypeRef::Number
            | TypeRef::Boolean
            | TypeRef::Any
            | TypeRef::AnyObject => None,
        }
    }
}

/// The width an integer is held in: its `format`'s, else [`IntWidth::Unformatted`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntWidth {
    I32,
    I64,
    U32,
    U64,
    /// No `format`: JSON Schema bounds the value by nothing, but the Rust type is an `i64`
    /// (a larger value is refused, by name, not rounded). The runner does not expect a
    /// server to refuse 2^64 here, as it does for `format: int64`.
    Unformatted,
}

/// One HTTP operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The spec's operationId (or one derived from method and path).
    pub operation_id: String,
    /// snake_case Rust name.
    pub rust_name: String,
    /// PascalCase Rust name, for types that belong to the operation.
    pub type_name: String,
    pub method: Method,
    /// Path relative to the server URL, with `{param}` placeholders.
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    /// `x-inferred: true`: not shown by the vendor's documentation.
    pub inferred: bool,
    pub parameters: Vec<Parameter>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
    /// The spec's `tags`, in its order.
    pub tags: Vec<String>,
    /// Alternatives; each alternative is a set of schemes that must all be present.
    /// Empty: no credentials needed. An empty alternative makes credentials optional.
    pub security: Vec<Vec<String>>,
    /// JSON pointer of the operation.
    pub origin: String,
}

impl Operation {
    /// The response that documents `status`: the most specific documentation wins, the code,
    /// then its range (`4XX`), then `default`. The one answer to "is this status documented".
    pub fn response_for(&self, status: u16) -> Option<&Response> {
        let find = |wanted: &dyn Fn(StatusSpec) -> bool| self.responses.iter().find(|r| wanted(r.status));
        find(&|s| s == StatusSpec::Code(status))
            .or_else(|| find(&|s| matches!(s, StatusSpec::Range(_)) && s.matches(status)))
            .or_else(|| find(&|s| s == StatusSpec::Default))
    }
}

/// An HTTP method: the fixed fields of a path item, and the methods of 3.2's
/// `additionalOperations`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
    /// OpenAPI 3.2's `query`: a safe, idempotent request with a body (HTTP QUERY).
    Query,
    /// A method of 3.2's `additionalOperations`, spelled as it is sent (`LINK`); lowering
    /// checks that it is an HTTP token and not one of the fixed methods.
    Other(String),
}

impl Method {
    /// The path item fields of every version, as the spec spells them.
    pub const ALL: [(&'static str, Method); 8] = [
        ("get", Method::Get),
        ("put", Method::Put),
        ("post", Method::Post),
        ("delete", Method::Delete),
        ("options", Method::Options),
        ("head", Method::Head),
        ("patch", Method::Patch),
        ("trace", Method::Trace),
    ];

    /// The name the spec gives it: the path item field (`get`, `query`), or the
    /// `additionalOperations` key.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Query => "query",
            Method::Other(name) => name,
            fixed => Method::ALL.iter().find(|(_, m)| m == fixed).map_or("get", |(s, _)| s),
        }
    }

    /// The same method as the http crate (and so reqwest and axum) names it.
    pub fn to_http(&self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Put => http::Method::PUT,
            Method::Post => http::Method::POST,
            Method::Delete => http::Method::DELETE,
            Method::Options => http::Method::OPTIONS,
            Method::Head => http::Method::HEAD,
            Method::Patch => http::Method::PATCH,
            Method::Trace => http::Method::TRACE,
            Method::Query => http::Method::from_bytes(b"QUERY").unwrap_or_default(),
            // Lowering admits only HTTP tokens, which the http crate always accepts.
            Method::Other(name) => http::Method::from_bytes(name.as_bytes()).unwrap_or_default(),
        }
    }

    /// Whether axum's method router has a method of its own for it; the others are
    /// dispatched by name.
    pub fn is_routable_by_axum(&self) -> bool {
        !matches!(self, Method::Query | Method::Other(_))
    }
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub rust_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeUse,
    pub default: Option<Value>,
    pub description: Option<String>,
    /// `style` and `explode`, OpenAPI's defaults for the location filled in.
    pub serialization: Serialization,
    /// What the value is, as its serialization cuts it up.
    pub shape: ParamShape,
    /// Where the parameter is (JSON pointer).
    pub origin: String,
}

/// What a parameter's value is, for its serialization: a primitive, an array of primitives,
/// an object of primitives, or (in `deepObject` only) an array or a deeper value, written in
/// the bracket form (`lines[0][amount]=100`; OpenAPI defines no serialization for them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamShape {
    Scalar(Scalar),
    Array(Scalar),
    Object {
        properties: Vec<(String, Scalar)>,
        /// How keys the object does not declare are read.
        others: Scalar,
    },
    Nested(Node),
}

impl ParamShape {
    /// Hands `f` the runtime's borrowed view of the shape.
    pub fn with<R>(&self, f: impl FnOnce(codegen_runtime::style::Shape<'_>) -> R) -> R {
        use codegen_runtime::style::Shape;
        match self {
            ParamShape::Scalar(s) => f(Shape::Scalar(*s)),
            ParamShape::Array(s) => f(Shape::Array(*s)),
            ParamShape::Nested(node) => f(Shape::Nested(node)),
            ParamShape::Object { properties, others } => {
                let properties: Vec<(&str, Scalar)> = properties.iter().map(|(k, s)| (k.as_str(), *s)).collect();
                f(Shape::Object {
                    properties: &properties,
                    others: *others,
                })
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }

    /// The same location as the runtime's serialization rules name it.
    pub fn to_style(self) -> codegen_runtime::style::Location {
        use codegen_runtime::style::Location;
        match self {
            ParamLocation::Path => Location::Path,
            ParamLocation::Query => Location::Query,
            ParamLocation::Header => Location::Header,
            ParamLocation::Cookie => Location::Cookie,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Body {
    pub required: bool,
    pub media: Media,
    pub ty: TypeUse,
    /// For form and multipart bodies: how each property is written as a field (OpenAPI's
    /// `encoding` defaults); empty for other media types.
    pub fields: Vec<(String, FieldKind)>,
}

/// How a body is encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// `application/json` or a `+json` type.
    Json(String),
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`: one part per field.
    Multipart,
    /// `text/*`: the body as a string.
    Text(String),
    /// Anything else: the bytes as they are.
    Binary(String),
    /// A sequential media type with an `itemSchema` (OpenAPI 3.2): JSON Lines, JSON text
    /// sequences or server-sent events; the body's type is the list of its items
    /// (`codegen_runtime::media::framing` says how they follow one another).
    Sequence(String),
}

impl Media {
    pub fn content_type(&self) -> &str {
        match self {
            Media::Json(t) | Media::Text(t) | Media::Binary(t) | Media::Sequence(t) => t,
            Media::Form => "application/x-www-form-urlencoded",
            Media::Multipart => "multipart/form-data",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusSpec,
    pub description: String,
    /// The body, if the response has one: of the documented media types, the one generated
    /// servers write (JSON first, then forms, text, bytes).
    pub body: Option<ResponseBody>,
    /// Every media type the response documents, in the spec's order (`application/xml`
    /// beside `application/json`): a server may answer with any of them.
    pub media_types: Vec<Media>,
    /// Named links to other operations (OpenAPI `links`).
    pub links: Vec<Link>,
}

#[derive(Debug, Clone)]
pub struct ResponseBody {
    pub media: Media,
    pub ty: TypeUse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusSpec {
    Code(u16),
    /// `1XX` ... `5XX`: the first digit.
    Range(u8),
    Default,
}

impl StatusSpec {
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Code(c) => c == status,
            StatusSpec::Range(d) => status / 100 == u16::from(d),
            StatusSpec::Default => true,
        }
    }

    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Code(c) => (200..300).contains(&c),
            StatusSpec::Range(d) => d == 2,
            StatusSpec::Default => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub name: String,
    pub operation_id: String,
    /// Parameter name → runtime expression (`$response.body#/id`).
    pub parameters: Vec<(String, String)>,
    /// For links that fill the request body: field → runtime expression.
    pub request_body: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct SecurityScheme {
    pub name: String,
    pub kind: SecurityKind,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityKind {
    /// `apiKey`: the credential is the whole value of a header, query parameter or cookie.
    ApiKey { location: ParamLocation, name: String },
    /// `http` with scheme `bearer`: `Authorization: Bearer <token>`.
    Bearer,
    /// `http` with scheme `basic`: `Authorization: Basic <base64>`.
    Basic,
    /// `oauth2` / `openIdConnect`: a bearer token.
    OAuth2,
}

impl Api {
    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// The named types a value of `id` is written with: its fields', items', variants', base
    /// and sub-schemas' types (those a checked value's code names), through arrays, maps,
    /// `null` and boxes.
    pub fn types_held_by(&self, id: TypeId) -> Vec<TypeId> {
        let refs: Vec<&TypeRef> = match &self.type_def(id).kind {
            TypeKind::Struct(s) => {
                let extra = s.additional.iter().flatten();
                s.fields.iter().map(|f| &f.ty.ty).chain(extra).collect()
            }
            TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
            TypeKind::Alias(t) => vec![t],
            TypeKind::Constrained(c) => vec![&c.base],
            TypeKind::Checked(c) => c.subschemas.iter().map(|u| &u.ty).collect(),
            TypeKind::Enum(_) => Vec::new(),
        };
        refs.into_iter().filter_map(TypeRef::named).collect()
    }

    /// The named types an operation's parameters, body and answers are written with.
    pub fn types_used_by(&self, op: &Operation) -> Vec<TypeId> {
        let params = op.parameters.iter().map(|p| &p.ty.ty);
        let body = op.body.iter().map(|b| &b.ty.ty);
        let answers = op.responses.iter().flat_map(|r| &r.body).map(|b| &b.ty.ty);
        params.chain(body).chain(answers).filter_map(TypeRef::named).collect()
    }

    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.operation_id == operation_id)
    }

    pub fn security_scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.security_schemes.iter().find(|s| s.name == name)
    }

    /// Follows aliases to the type that gives a reference its shape.
    pub fn unalias<'a>(&'a self, mut ty: &'a TypeRef) -> &'a TypeRef {
        for _ in 0..self.types.len() + 1 {
            match ty {
                TypeRef::Named(id) | TypeRef::Boxed(id) => match &self.type_def(*id).kind {
                    TypeKind::Alias(inner) => ty = inner,
                    _ => return ty,
                },
                _ => return ty,
            }
        }
        ty
    }

    /// The checked value a reference stands for, through aliases; `None` for anything else.
    pub fn checked_of(&self, ty: &TypeRef) -> Option<&Checked> {
        match self.unalias(ty) {
            TypeRef::Named(id) | TypeRef::Boxed(id) => match &self.type_def(*id).kind {
                TypeKind::Checked(c) => Some(c),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a use of a type admits `null`: by its flag, by being any value or "or null",
    /// or by its own rules (a checked value). The one answer to the question.
    pub fn admits_null(&self, ty: &TypeUse) -> bool {
        ty.nullable
            || matches!(self.unalias(&ty.ty), TypeRef::Any | TypeRef::OrNull(_))
            || self
                .checked_of(&ty.ty)
                .is_some_and(|_| validate::validate(self, ty, &Value::Null).is_empty())
    }

    /// The object type a reference stands for, through aliases; `None` for anything else.
    pub fn struct_of(&self, ty: &TypeRef) -> Option<&Struct> {
        match self.unalias(ty) {
            TypeRef::Named(id) | TypeRef::Boxed(id) => match &self.type_def(*id).kind {
                TypeKind::Struct(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}
pub mod validate;

#[cfg(test)]
mod tests {
    use super::Method;

    #[test]
    fn methods_map_to_http_by_name() {
        for (name, method) in Method::ALL {
            assert_eq!(method.as_str(), name);
            assert_eq!(method.to_http().as_str(), name.to_ascii_uppercase());
        }
        assert_eq!(Method::Query.to_http().as_str(), "QUERY");
        assert_eq!(Method::Other("LINK".into()).to_http().as_str(), "LINK");
    }
}
