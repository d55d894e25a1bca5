//! The server file: a trait with one async method per operation, typed inputs and
//! answers, and an axum router that authenticates, decodes and validates every request
//! before the implementation sees it.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::features::{Features, gated};
use super::types::{doc, own_reading_type_tokens, type_tokens};
use crate::lower::names::{Namer, snake, status_variant};
use crate::model::{
    Api, FieldKind, Media, Method, Node, Operation, ParamLocation, ParamShape, Parameter, Scalar, SecurityKind,
    Serialization, StatusSpec, Style, TypeId, TypeKind, TypeRef, TypeUse,
};

/// How an operation answers the requests its generated handler refuses itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Refusals {
    credentials: Answer,
    input: Answer,
    too_large: Answer,
}

/// A status and, when the spec documents one, the error body's type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Answer {
    status: u16,
    body: Option<usize>,
}

/// The documented answer for a kind of refusal: the first preferred status the operation
/// documents by its code, else `fallback` if a range or `default` documents it.
fn documented(api: &Api, op: &Operation, preferred: &[u16], fallback: u16) -> Option<(u16, Option<usize>)> {
    let status = preferred
        .iter()
        .copied()
        .find(|s| op.responses.iter().any(|r| r.status == StatusSpec::Code(*s)))
        .unwrap_or(fallback);
    let response = op.response_for(status)?;
    let body = response.body.as_ref().and_then(|b| match (&b.media, &b.ty.ty) {
        (Media::Json(_), TypeRef::Named(id)) if !matches!(api.type_def(*id).kind, TypeKind::Alias(TypeRef::Any)) => {
            Some(id.0)
        }
        _ => None,
    });
    Some((status, body))
}

/// Refusals per operation; operations that document nothing borrow the API's most common answer.
fn refusals(api: &Api) -> Vec<Refusals> {
    let credentials: Vec<_> = api
        .operations
        .iter()
        .map(|op| documented(api, op, &[401, 403], 401))
        .collect();
    let input: Vec<_> = api
        .operations
        .iter()
        // 422 only where the spec names it; bad input is 400 otherwise (README).
        .map(|op| documented(api, op, &[422, 400], 400))
        .collect();
    let too_large: Vec<_> = api
        .operations
        .iter()
        .map(|op| documented(api, op, &[413], 413))
        .collect();
    let most_common = |answers: &[Option<(u16, Option<usize>)>], fallback: u16| {
        let mut counts: BTreeMap<(u16, Option<usize>), usize> = BTreeMap::new();
        for a in answers.iter().flatten() {
            *counts.entry(*a).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(a, n)| (*n, std::cmp::Reverse(*a)))
            .map(|(a, _)| a)
            .unwrap_or((fallback, None))
    };
    let usual_credentials = most_common(&credentials, 401);
    let usual_input = most_common(&input, 400);
    (0..api.operations.len())
        .map(|i| {
            let (cs, cb) = credentials[i].unwrap_or(usual_credentials);
            let (is, ib) = input[i].unwrap_or(usual_input);
            let (ts, tb) = too_large[i].unwrap_or((413, ib));
            Refusals {
                credentials: Answer { status: cs, body: cb },
                input: Answer { status: is, body: ib },
                too_large: Answer { status: ts, body: tb },
            }
        })
        .collect()
}

fn error_body_method(api: &Api, id: usize) -> proc_macro2::Ident {
    format_ident!("{}_body", snake(&api.types[id].name))
}

/// Operations per part of the file that holds handlers.
const HANDLERS_PER_PART: usize = 32;

/// How many parts the server file is made of, each made and formatted on its own (on
/// whichever thread is free): the head (everything but the handlers and the by-name
/// dispatchers), the handlers in runs of [`HANDLERS_PER_PART`] operations, the dispatchers.
pub fn parts(api: &Api) -> usize {
    2 + api.operations.len().div_ceil(HANDLERS_PER_PART)
}

/// Part `part` of the server file (see [`parts`]), in file order.
pub fn part(api: &Api, features: &Features, part: usize) -> TokenStream {
    if part == 0 {
        head(api, features)
    } else if part + 1 == parts(api) {
        let (_, dispatchers) = routing(api, features);
        quote!(#(#dispatchers)*)
    } else {
        let start = (part - 1) * HANDLERS_PER_PART;
        let end = (start + HANDLERS_PER_PART).min(api.operations.len());
        handlers(api, features, start..end)
    }
}

/// The types of the bodies refusals answer with: the `Server` trait names them whatever
/// operations are compiled.
pub(super) fn refusal_bodies(api: &Api) -> Vec<TypeId> {
    refusals(api)
        .iter()
        .flat_map(|r| [r.credentials.body, r.input.body, r.too_large.body])
        .flatten()
        .map(TypeId)
        .collect()
}

/// One rejecting function per distinct set of refusals, named by its statuses.
fn reject_names(refusals: &[Refusals]) -> BTreeMap<Refusals, proc_macro2::Ident> {
    let mut names: BTreeMap<Refusals, proc_macro2::Ident> = BTreeMap::new();
    let mut namer = Namer::default();
    for refusal in refusals {
        if !names.contains_key(refusal) {
            let name = namer.unique(format!(
                "reject_{}_{}",
                refusal.credentials.status, refusal.input.status
            ));
            names.insert(refusal.clone(), format_ident!("{name}"));
        }
    }
    names
}

/// Each operation in `range` as a type implementing `Operation`: how its request is read and
/// which method it reaches. The one generic `serve` runs them all, so no async body is
/// compiled per operation.
fn handlers(api: &Api, features: &Features, range: std::ops::Range<usize>) -> TokenStream {
    let models = quote!(models::);
    let refusals = refusals(api);
    let reject_names = reject_names(&refusals);
    let handlers = range.map(|index| {
        let (op, refusal) = (&api.operations[index], &refusals[index]);
        let reject = &reject_names[refusal];
        let marker = operation_marker(op);
        let implementation = operation(api, op, &models).implementation;
        let cfg = features.operation(index);
        let note = format!(
            " `{} {}`: how its request is read, and the method it reaches.",
            op.method.as_str().to_ascii_uppercase(),
            op.path
        );
        quote! {
            #[doc = #note]
            #cfg
            struct #marker;
            #cfg
            impl<S: Server> Operation<S> for #marker {
                #implementation
                fn reject(server: &S, problem: Problem) -> Response {
                    #reject(server, problem)
                }
            }
        }
    });
    quote!(#(#handlers)*)
}

/// The type of an operation (`ListWebhooksOperation`), which routes name as `serve::<S, it>`.
/// No other item of the server file ends so: the others are `…Params`, `…Response` and
/// the file's own few names.
fn operation_marker(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Operation", op.type_name)
}

/// The router's statements, a `.route(...)` per operation behind its features (axum joins a
/// path's methods), and the functions that pick the operations axum has no method filter for
/// (QUERY, `additionalOperations`) by name.
fn routing(api: &Api, features: &Features) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut routes: BTreeMap<&str, Vec<(Method, usize)>> = BTreeMap::new();
    for (index, op) in api.operations.iter().enumerate() {
        routes
            .entry(op.path.as_str())
            .or_default()
            .push((op.method.clone(), index));
    }
    let handler = |index: usize| operation_marker(&api.operations[index]);
    let mut dispatchers = Vec::new();
    let mut statements = Vec::new();
    for (path, mut list) in routes {
        // HEAD before GET: GET answers HEAD only where no HEAD route is set.
        list.sort_by_key(|(m, _)| (*m != Method::Head, m.clone()));
        let (fixed, by_name): (Vec<_>, Vec<_>) = list.iter().partition(|(m, _)| m.is_routable_by_axum());
        for (method, index) in fixed {
            let (m, handler, cfg) = (
                format_ident!("{}", method.as_str().to_ascii_uppercase()),
                handler(*index),
                features.operation(*index),
            );
            statements.push(
                quote!(#cfg let routes = routes.route(#path, route::<S, #handler>(axum::routing::MethodFilter::#m));),
            );
        }
        // QUERY and `additionalOperations` have no axum method filter: one function per
        // path picks them by name, and answers 405 to any other method.
        if !by_name.is_empty() {
            let dispatcher = format_ident!("dispatch_by_name_{}", dispatchers.len());
            let arms = by_name.iter().map(|(method, index)| {
                let (wire, handler, cfg) = (
                    method.to_http().to_string(),
                    handler(*index),
                    features.operation(*index),
                );
                quote!(#cfg #wire => serve::<S, #handler>(state, request).await,)
            });
            dispatchers.push(quote! {
                async fn #dispatcher<S: Server>(state: State<Arc<S>>, request: Request) -> Response {
                    match request.method().as_str() {
                        #(#arms)*
                        _ => axum::http::StatusCode::METHOD_NOT_ALLOWED.into_response(),
                    }
                }
            });
            // The path's methods axum routes by itself stay theirs; the rest reach the dispatcher.
            let cfg = features.operations(by_name.iter().map(|(_, index)| *index));
            statements.push(quote! {
                #cfg let routes = routes.route(#path, axum::routing::MethodRouter::new().fallback(#dispatcher::<S>));
            });
        }
    }
    (statements, dispatchers)
}

fn head(api: &Api, features: &Features) -> TokenStream {
    let models = quote!(models::);
    let refusals = refusals(api);
    let needs_auth = api.operations.iter().any(|op| !op.security.is_empty());
    let base_path = &api.base_path;

    let schemes = scheme_tokens(api);
    let principal_fns = principal_fns(api);
    let (reject_fns, error_methods) = refusal_items(api, &refusals, &models);

    let mut items = Vec::new();
    let mut methods = Vec::new();
    for (index, op) in api.operations.iter().enumerate() {
        let op_items = operation(api, op, &models);
        let cfg = features.operation(index);
        items.push(gated(&cfg, op_items.types));
        let method = op_items.method;
        methods.push(quote!(#cfg #method));
    }
    let (route_statements, _) = routing(api, features);
    let auth_items = needs_auth.then(|| {
        quote! {
            /// Who a credential belongs to: handed to every operation that needs one.
            type Principal: Send + Sync + 'static;
            /// Judges the credentials a request carries (only the spec's schemes are looked
            /// at); `None` refuses the request with the documented 401.
            fn authenticate(&self, credentials: &[Credential]) -> impl Future<Output = Option<Self::Principal>> + Send;
        }
    });
    let title = format!(" The server side of {} {}.", api.title, api.version);
    let nest = if base_path.is_empty() {
        quote!(routes)
    } else {
        quote!(axum::Router::new().nest(BASE_PATH, routes))
    };
    quote! {
        // `dead_code`: what only operations of features turned off use.
        #![allow(clippy::all, unused_imports, unused_variables, unused_mut, dead_code)]
        use std::future::Future;
        use std::pin::Pin;
        use std::sync::Arc;
        use axum::extract::{Request, State};
        use axum::http::request::Parts;
        use axum::response::{IntoResponse, Response};
        use codegen_runtime::server::{self as rt};
        /// What an implementation of [`Server`] reads: the credentials a request carried, and
        /// what was wrong with a refused request.
        pub use codegen_runtime::server::{Credential, Problem, ProblemKind};
        use super::models;

        /// The path of the spec's first server URL: the routes are served below it.
        pub const BASE_PATH: &str = #base_path;

        /// The spec's security schemes and where each carries its credential.
        pub const SCHEMES: &[rt::Scheme] = &[#(#schemes)*];

        #(#items)*

        #[doc = #title]
        ///
        /// Implement it and serve [`router`]: requests reach these methods authenticated,
        /// decoded and validated against the spec.
        pub trait Server: Send + Sync + 'static {
            #auth_items
            /// The largest request body read; larger ones are refused with 413.
            fn body_limit(&self) -> usize {
                rt::DEFAULT_BODY_LIMIT
            }
            #(#methods)*
            #(#error_methods)*
        }

        /// Routes every operation of the spec to `server`, below [`BASE_PATH`].
        pub fn router<S: Server>(server: Arc<S>) -> axum::Router {
            let routes: axum::Router<Arc<S>> = axum::Router::new();
            #(#route_statements)*
            let routes = routes.with_state(server);
            #nest
        }

        /// An operation's route: [`serve`] as axum's handler of `method`, proved a handler
        /// here once for every operation (proved per route, it cost a big crate's check
        /// a tenth of a second per hundred operations: issue 24).
        fn route<S: Server, O: Operation<S>>(method: axum::routing::MethodFilter) -> axum::routing::MethodRouter<Arc<S>> {
            axum::routing::on(method, serve::<S, O>)
        }

        /// How an operation's caller is known: `()` for an operation without security,
        /// `Authenticated` where credentials are required, `Option` where they may be absent.
        trait Caller<S: Server>: Sized + Send {
            fn read(server: &S, parts: &Parts, alternatives: &'static [&'static [&'static str]]) -> impl Future<Output = Result<Self, Problem>> + Send;
        }

        impl<S: Server> Caller<S> for () {
            fn read(_: &S, _: &Parts, _: &'static [&'static [&'static str]]) -> impl Future<Output = Result<Self, Problem>> + Send {
                std::future::ready(Ok(()))
            }
        }

        /// An operation: who calls it, how its parameters and body are read, the method they
        /// reach, and how a refused request is answered. Each operation is a type implementing
        /// it, and [`serve`] runs them all.
        trait Operation<S: Server>: 'static {
            type Caller: Caller<S>;
            type Params: Send;
            type Body: Send;
            type Answer: IntoResponse;
            /// The credentials' alternatives, for a caller that must be `Authenticated`.
            const SECURITY: &'static [&'static [&'static str]] = &[];
            /// Whether it has parameters (without, the query is not read: nothing in it is refused).
            const PARAMETERS: bool = false;
            /// Its body's media type; without one, the body is not read.
            const MEDIA: Option<&'static str> = None;
            fn params(raw: &rt::Params) -> Result<Self::Params, Problem>;
            fn body(parts: &Parts, bytes: Option<rt::Bytes>) -> Result<Self::Body, Problem>;
            /// The method's future, boxed: an opaque `impl Future` per operation cost more to
            /// check than the allocation costs a request (issue 24).
            fn call(server: &S, caller: Self::Caller, params: Self::Params, body: Self::Body) -> Pin<Box<dyn Future<Output = Self::Answer> + Send + '_>>;
            fn reject(server: &S, problem: Problem) -> Response;
        }

        /// Every operation's handler: the caller first (a 401 before anything else), then its
        /// parameters, then its body, then its method; a refusal answered as it documents.
        async fn serve<S: Server, O: Operation<S>>(State(server): State<Arc<S>>, request: Request) -> Response {
            let server = &*server;
            let outcome: Result<Response, Problem> = async {
                let (mut parts, body) = request.into_parts();
                let caller = O::Caller::read(server, &parts, O::SECURITY).await?;
                let params = if O::PARAMETERS {
                    O::params(&rt::Params::read(&mut parts).await?)?
                } else {
                    O::params(&rt::Params::default())?
                };
                let bytes = match O::MEDIA {
                    Some(media) => rt::read_body(&parts, body, server.body_limit(), media).await?,
                    None => {
                        drop(body);
                        None
                    }
                };
                let body = O::body(&parts, bytes)?;
                Ok(O::call(server, caller, params, body).await.into_response())
            }
            .await;
            outcome.unwrap_or_else(|problem| O::reject(server, problem))
        }

        #(#reject_fns)*
        #principal_fns
    }
}

/// `SCHEMES`' entries: each security scheme and where it carries its credential.
fn scheme_tokens(api: &Api) -> Vec<TokenStream> {
    api.security_schemes
        .iter()
        .map(|s| {
            let name = &s.name;
            let source = match &s.kind {
                SecurityKind::ApiKey {
                    location: ParamLocation::Query,
                    name,
                } => quote!(rt::Source::Query(#name)),
                SecurityKind::ApiKey {
                    location: ParamLocation::Cookie,
                    name,
                } => quote!(rt::Source::Cookie(#name)),
                SecurityKind::ApiKey { name, .. } => quote!(rt::Source::Header(#name)),
                SecurityKind::Bearer | SecurityKind::OAuth2 => quote!(rt::Source::Bearer),
                SecurityKind::Basic => quote!(rt::Source::Basic),
            };
            quote!(rt::Scheme { name: #name, source: #source },)
        })
        .collect()
}

/// How every operation with security finds its principal, written once: one function for
/// required credentials and one for optional ones, each only where an operation needs it.
fn principal_fns(api: &Api) -> TokenStream {
    let required = api
        .operations
        .iter()
        .any(|op| !op.security.is_empty() && !op.security.iter().any(Vec::is_empty));
    let optional = api.operations.iter().any(|op| op.security.iter().any(Vec::is_empty));
    let required_fn = required.then(|| {
        quote! {
            /// Who sent a request that must carry credentials meeting one of `alternatives`:
            /// without them, a refusal naming the schemes they use; with ones `server` does not
            /// accept, 401.
            async fn required_principal<S: Server>(
                server: &S,
                parts: &Parts,
                alternatives: &[&[&str]],
            ) -> Result<S::Principal, Problem> {
                let credentials = rt::credentials(parts, SCHEMES);
                if !rt::meets(&credentials, alternatives) {
                    let named = |s: &&rt::Scheme| alternatives.iter().any(|a| a.contains(&s.name));
                    let schemes: Vec<rt::Scheme> = SCHEMES.iter().filter(named).copied().collect();
                    return Err(rt::missing_credentials(&schemes));
                }
                server.authenticate(&credentials).await.ok_or_else(rt::invalid_credentials)
            }
        }
    });
    let optional_fn = optional.then(|| {
        quote! {
            /// Who sent a request whose credentials are optional: none without any.
            async fn optional_principal<S: Server>(
                server: &S,
                parts: &Parts,
            ) -> Result<Option<S::Principal>, Problem> {
                let credentials = rt::credentials(parts, SCHEMES);
                if credentials.is_empty() {
                    return Ok(None);
                }
                server.authenticate(&credentials).await.map(Some).ok_or_else(rt::invalid_credentials)
            }
        }
    });
    let required_caller = required.then(|| {
        quote! {
            /// The caller of an operation that requires credentials: who they belong to.
            struct Authenticated<P>(P);

            impl<S: Server> Caller<S> for Authenticated<S::Principal> {
                fn read(server: &S, parts: &Parts, alternatives: &'static [&'static [&'static str]]) -> impl Future<Output = Result<Self, Problem>> + Send {
                    async move { required_principal(server, parts, alternatives).await.map(Authenticated) }
                }
            }
        }
    });
    let optional_caller = optional.then(|| {
        quote! {
            impl<S: Server> Caller<S> for Option<S::Principal> {
                fn read(server: &S, parts: &Parts, _: &'static [&'static [&'static str]]) -> impl Future<Output = Result<Self, Problem>> + Send {
                    optional_principal(server, parts)
                }
            }
        }
    });
    quote!(#required_fn #optional_fn #required_caller #optional_caller)
}

/// The functions that answer a refused request as each operation documents (one per kind
/// of refusal), and the `Server` methods that write the error bodies they use.
fn refusal_items(api: &Api, refusals: &[Refusals], models: &TokenStream) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let reject_names = reject_names(refusals);
    let answer = |a: &Answer| {
        let status = a.status;
        match a.body {
            Some(id) => {
                let method = error_body_method(api, id);
                quote!(rt::json_response(#status, &server.#method(&problem)))
            }
            None => quote!(rt::json_response(#status, &rt::problem_json(&problem))),
        }
    };
    let reject_fns = reject_names.iter().map(|(refusal, name)| {
        let (c, i, t) = (
            answer(&refusal.credentials),
            answer(&refusal.input),
            answer(&refusal.too_large),
        );
        quote! {
            fn #name<S: Server>(server: &S, problem: Problem) -> Response {
                match problem.kind {
                    rt::ProblemKind::MissingCredentials | rt::ProblemKind::InvalidCredentials => #c,
                    rt::ProblemKind::BodyTooLarge => #t,
                    _ => #i,
                }
            }
        }
    });
    let mut error_bodies: Vec<usize> = refusals
        .iter()
        .flat_map(|p| [p.credentials.body, p.input.body, p.too_large.body])
        .flatten()
        .collect();
    error_bodies.sort_unstable();
    error_bodies.dedup();
    let error_methods = error_bodies.iter().map(|id| {
        let method = error_body_method(api, *id);
        let ty = type_tokens(api, &TypeRef::Named(crate::model::TypeId(*id)), models);
        let note = format!(
            " The `{}` body of an answer that refuses a request (bad credentials or bad input).",
            api.types[*id].name
        );
        quote!(#[doc = #note] fn #method(&self, problem: &Problem) -> #ty;)
    });
    (reject_fns.collect(), error_methods.collect())
}

struct OperationItems {
    types: TokenStream,
    method: TokenStream,
    /// The body of its `Operation` impl, but `reject`.
    implementation: TokenStream,
}

pub(super) fn media_type_tokens(api: &Api, media: &Media, ty: &TypeUse, models: &TokenStream) -> TokenStream {
    match media {
        Media::Json(_) | Media::Form | Media::Multipart => {
            let t = type_tokens(api, &ty.ty, models);
            if ty.nullable { quote!(Option<#t>) } else { t }
        }
        Media::Text(_) => quote!(String),
        Media::Binary(_) => quote!(rt::Bytes),
        // The list of items.
        Media::Sequence(_) => type_tokens(api, &ty.ty, models),
    }
}

fn operation(api: &Api, op: &Operation, models: &TokenStream) -> OperationItems {
    let type_name = &op.type_name;
    let response_name = format_ident!("{type_name}Response");
    let params_name = format_ident!("{type_name}Params");
    let method_name = format_ident!("{}", op.rust_name);
    let (variants, arms) = answers(api, op, models);
    let response_doc = format!(" The answers `{}` documents.", op.operation_id);
    let (params_struct, params) = params(api, op, models, &params_name);
    let (caller, security) = credentials(op);
    let body = body(api, op, models);
    let mut notes = vec![format!("`{} {}`", op.method.as_str().to_ascii_uppercase(), op.path)];
    notes.extend(op.summary.clone());
    notes.extend(op.description.clone());
    if op.inferred {
        notes.push("Not shown in the vendor's documentation (`x-inferred`).".into());
    }
    let method_doc = doc(Some(&notes.join("\n\n")));
    let (auth_param, params_param, body_param) = (&caller.param, &params.param, &body.param);
    let method = quote! {
        #method_doc
        fn #method_name(&self, #auth_param #params_param #body_param) -> impl Future<Output = #response_name> + Send;
    };
    let [caller_ty, params_ty, body_ty] = [&caller.ty, &params.ty, &body.ty];
    let [caller_pattern, params_pattern, body_pattern] = [&caller.pattern, &params.pattern, &body.pattern];
    let [auth_arg, params_arg, body_arg] = [&caller.arg, &params.arg, &body.arg];
    let [params_read, body_read] = [&params.read, &body.read];
    let security =
        security.map(|alternatives| quote!(const SECURITY: &'static [&'static [&'static str]] = #alternatives;));
    let parameters = (!op.parameters.is_empty()).then(|| {
        quote!(
            const PARAMETERS: bool = true;
        )
    });
    let media = op.body.as_ref().map(|b| {
        let media = b.media.content_type();
        quote!(const MEDIA: Option<&'static str> = Some(#media);)
    });
    let implementation = quote! {
        type Caller = #caller_ty;
        type Params = #params_ty;
        type Body = #body_ty;
        type Answer = #response_name;
        #security
        #parameters
        #media
        fn params(raw: &rt::Params) -> Result<Self::Params, Problem> {
            #params_read
        }
        fn body(parts: &Parts, bytes: Option<rt::Bytes>) -> Result<Self::Body, Problem> {
            #body_read
        }
        fn call(server: &S, #caller_pattern: Self::Caller, #params_pattern: Self::Params, #body_pattern: Self::Body) -> Pin<Box<dyn Future<Output = Self::Answer> + Send + '_>> {
            Box::pin(server.#method_name(#auth_arg #params_arg #body_arg))
        }
    };
    // Parameters and answers are compared and printed in tests but not cloned: their `Clone`
    // was a seventh of the check of Stripe's server (issue 24).
    let types = quote! {
        #params_struct
        #[doc = #response_doc]
        #[derive(Debug, PartialEq)]
        pub enum #response_name { #(#variants)* }
        impl IntoResponse for #response_name {
            fn into_response(self) -> Response {
                match self { #(#arms)* }
            }
        }
    };
    OperationItems {
        types,
        method,
        implementation,
    }
}

/// The response enum's variants (one per documented answer, and `Undocumented`) and the
/// arms that write each.
fn answers(api: &Api, op: &Operation, models: &TokenStream) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut variant_namer = Namer::default();
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    for r in &op.responses {
        let base = match r.status {
            StatusSpec::Code(c) => status_variant(c),
            StatusSpec::Range(d) => format!("Status{d}xx"),
            StatusSpec::Default => "Default".to_owned(),
        };
        let ident = format_ident!("{}", variant_namer.unique(base));
        let docs = doc(Some(r.description.as_str()).filter(|d| !d.is_empty()));
        let fixed = match r.status {
            StatusSpec::Code(c) => Some(c),
            _ => None,
        };
        let status_expr = match fixed {
            Some(c) => {
                let c = proc_macro2::Literal::u16_unsuffixed(c);
                quote!(#c)
            }
            None => quote!(status),
        };
        let status_field = fixed.is_none().then(|| quote!(u16,));
        let status_bind = fixed.is_none().then(|| quote!(status,));
        match &r.body {
            Some(body) => {
                let ty = media_type_tokens(api, &body.media, &body.ty, models);
                let ct = body.media.content_type().to_owned();
                let encode = match &body.media {
                    Media::Json(_) | Media::Form | Media::Multipart => quote!(rt::json_response(#status_expr, &body)),
                    Media::Text(_) => quote!(rt::text_response(#status_expr, body, #ct)),
                    Media::Binary(_) => quote!(rt::bytes_response(#status_expr, body, #ct)),
                    Media::Sequence(_) => quote!(rt::sequence_response(#status_expr, &body, #ct)),
                };
                variants.push(quote!(#docs #ident(#status_field #ty),));
                arms.push(quote!(Self::#ident(#status_bind body) => #encode,));
            }
            None => {
                if fixed.is_some() {
                    variants.push(quote!(#docs #ident,));
                    arms.push(quote!(Self::#ident => rt::empty_response(#status_expr),));
                } else {
                    variants.push(quote!(#docs #ident(u16),));
                    arms.push(quote!(Self::#ident(status) => rt::empty_response(status),));
                }
            }
        }
    }
    // What the spec cannot foresee (storage down, a bug) still needs a way out; the
    // conformance runner counts any 5xx as a failure.
    let undocumented = variant_namer.unique("Undocumented".to_owned());
    let undocumented = format_ident!("{undocumented}");
    variants.push(quote!(
        /// An answer the spec does not document, such as a 500 when storage fails.
        #undocumented(u16, serde_json::Value),
    ));
    arms.push(quote!(Self::#undocumented(status, body) => rt::json_response(status, &body),));

    (variants, arms)
}

/// What an operation hands its `Server` method, in five places: the argument passed, the
/// parameter declared, its type in the `Operation` impl, the pattern `call` binds it with,
/// and the expression (a `Result`) that reads it from the request. Nothing by default: `()`.
struct Input {
    arg: TokenStream,
    param: TokenStream,
    ty: TokenStream,
    pattern: TokenStream,
    read: TokenStream,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            arg: quote!(),
            param: quote!(),
            ty: quote!(()),
            pattern: quote!(_),
            read: quote!(Ok(())),
        }
    }
}

/// The operation's parameters struct (none without parameters) and how it is read.
fn params(
    api: &Api,
    op: &Operation,
    models: &TokenStream,
    params_name: &proc_macro2::Ident,
) -> (Option<TokenStream>, Input) {
    let has_params = !op.parameters.is_empty();
    let param_fields = op.parameters.iter().map(|p| {
        let ident = format_ident!("{}", p.rust_name);
        let ty = own_reading_type_tokens(api, &p.ty.ty, models);
        let ty = if p.required || p.default.is_some() {
            ty
        } else {
            quote!(Option<#ty>)
        };
        let note = format!(
            "{} parameter `{}`.{}",
            p.location.as_str(),
            p.name,
            p.description.as_ref().map(|d| format!("\n\n{d}")).unwrap_or_default()
        );
        let docs = doc(Some(&note));
        quote!(#docs pub #ident: #ty,)
    });
    let param_reads = op.parameters.iter().map(|p| {
        let ident = format_ident!("{}", p.rust_name);
        let (place, name) = (p.location.as_str(), &p.name);
        let read = match styled(p) {
            // A primitive in its location's default style is its text.
            None if p.required => quote!(raw.required(#place, #name)?),
            None => quote!(raw.get(#place, #name)?),
            Some((serialization, shape)) if p.required => {
                quote!(raw.styled_required(#place, #name, #serialization, #shape)?)
            }
            Some((serialization, shape)) => quote!(raw.styled(#place, #name, #serialization, #shape)?),
        };
        let read = match &p.default {
            Some(_) if !p.required => {
                let default_fn = format_ident!("{}", super::models::param_default_fn_name(op, p));
                quote!(#read.unwrap_or_else(models::defaults::#default_fn))
            }
            _ => read,
        };
        quote!(#ident: #read,)
    });
    let params_struct = has_params.then(|| {
        let note = format!(" The parameters of `{}`.", op.operation_id);
        quote! {
            #[doc = #note]
            #[derive(Debug, PartialEq)]
            pub struct #params_name { #(#param_fields)* }
        }
    });

    let input = if has_params {
        Input {
            arg: quote!(params,),
            param: quote!(params: #params_name,),
            ty: quote!(#params_name),
            pattern: quote!(params),
            read: quote!(Ok(#params_name { #(#param_reads)* })),
        }
    } else {
        Input::default()
    };
    (params_struct, input)
}

/// The caller, where the operation has security: required (`Authenticated`, with the
/// alternatives the credentials must meet), or optional where one of its alternatives is
/// empty. Its `read` is the default's: `serve` reads the caller through its `Caller` impl.
fn credentials(op: &Operation) -> (Input, Option<TokenStream>) {
    let optional_auth = op.security.iter().any(Vec::is_empty);
    let alternatives = op.security.iter().map(|alt| quote!(&[#(#alt),*]));
    if op.security.is_empty() {
        (Input::default(), None)
    } else if optional_auth {
        let input = Input {
            arg: quote!(principal,),
            param: quote!(principal: Option<Self::Principal>,),
            ty: quote!(Option<S::Principal>),
            pattern: quote!(principal),
            ..Input::default()
        };
        (input, None)
    } else {
        let input = Input {
            arg: quote!(principal,),
            param: quote!(principal: Self::Principal,),
            ty: quote!(Authenticated<S::Principal>),
            pattern: quote!(Authenticated(principal)),
            ..Input::default()
        };
        (input, Some(quote!(&[#(#alternatives),*])))
    }
}

/// The request body, decoded as its media type says (`serve` reads it, within the server's
/// limit).
fn body(api: &Api, op: &Operation, models: &TokenStream) -> Input {
    let Some(b) = &op.body else {
        return Input::default();
    };
    let ty = media_type_tokens(api, &b.media, &b.ty, models);
    let media = b.media.content_type().to_owned();
    let decode = match &b.media {
        Media::Json(_) => quote!(rt::decode_json(&bytes)?),
        Media::Form => {
            let fields = field_tokens(&b.fields);
            quote!(rt::decode_form(&bytes, #fields)?)
        }
        Media::Multipart => {
            let fields = field_tokens(&b.fields);
            quote!(rt::decode_multipart(parts, &bytes, #fields)?)
        }
        Media::Text(_) => quote!(rt::decode_text(&bytes)?),
        Media::Binary(_) => quote!(bytes),
        Media::Sequence(_) => quote!(rt::decode_sequence(&bytes, #media)?),
    };
    if b.required {
        Input {
            arg: quote!(body),
            param: quote!(body: #ty,),
            ty: ty.clone(),
            pattern: quote!(body),
            read: quote!(match bytes { Some(bytes) => Ok(#decode), None => Err(rt::missing_body()) }),
        }
    } else {
        Input {
            arg: quote!(body),
            param: quote!(body: Option<#ty>,),
            ty: quote!(Option<#ty>),
            pattern: quote!(body),
            read: quote!(Ok(match bytes { Some(bytes) => Some(#decode), None => None })),
        }
    }
}

/// The serialization and shape of a parameter that is not a primitive in its location's
/// default style, or is a constrained number (whose type reads a JSON number: a 3.1 one any
/// number without a fraction), as tokens for `Params::styled`; `None` for the others.
fn styled(p: &Parameter) -> Option<(TokenStream, TokenStream)> {
    let default = Serialization::default_for(p.location.to_style());
    let constrained_number =
        matches!(p.shape, ParamShape::Scalar(Scalar::Integer | Scalar::Number)) && matches!(p.ty.ty, TypeRef::Named(_));
    if matches!(p.shape, ParamShape::Scalar(_)) && p.serialization == default && !constrained_number {
        return None;
    }
    let style = format_ident!(
        "{}",
        match p.serialization.style {
            Style::Form => "Form",
            Style::Simple => "Simple",
            Style::Label => "Label",
            Style::Matrix => "Matrix",
            Style::SpaceDelimited => "SpaceDelimited",
            Style::PipeDelimited => "PipeDelimited",
            Style::TabDelimited => "TabDelimited",
            Style::DeepObject => "DeepObject",
        }
    );
    let explode = p.serialization.explode;
    let serialization = quote!(codegen_runtime::style::Serialization {
        style: codegen_runtime::style::Style::#style,
        explode: #explode,
    });
    let shape = match &p.shape {
        ParamShape::Scalar(s) => {
            let s = scalar_tokens(*s);
            quote!(codegen_runtime::style::Shape::Scalar(#s))
        }
        ParamShape::Array(s) => {
            let s = scalar_tokens(*s);
            quote!(codegen_runtime::style::Shape::Array(#s))
        }
        ParamShape::Object { properties, others } => {
            let properties = properties.iter().map(|(k, s)| {
                let s = scalar_tokens(*s);
                quote!((#k, #s))
            });
            let others = scalar_tokens(*others);
            quote!(codegen_runtime::style::Shape::Object { properties: &[#(#properties),*], others: #others })
        }
        ParamShape::Nested(node) => {
            let node = node_tokens(node);
            quote!(codegen_runtime::style::Shape::Nested(&#node))
        }
    };
    Some((serialization, shape))
}

fn scalar_tokens(scalar: Scalar) -> TokenStream {
    let name = format_ident!(
        "{}",
        match scalar {
            Scalar::String => "String",
            Scalar::Integer => "Integer",
            Scalar::Number => "Number",
            Scalar::Boolean => "Boolean",
            Scalar::Any => "Any",
        }
    );
    quote!(codegen_runtime::style::Scalar::#name)
}

/// A nested value's shape (the bracket form), as tokens that build it.
fn node_tokens(node: &Node) -> TokenStream {
    match node {
        Node::Scalar(s) => {
            let s = scalar_tokens(*s);
            quote!(codegen_runtime::style::Node::Scalar(#s))
        }
        Node::Array(item) => {
            let item = node_tokens(item);
            quote!(codegen_runtime::style::Node::array(#item))
        }
        Node::Object { properties, others } => {
            let properties = properties.iter().map(|(k, n)| {
                let n = node_tokens(n);
                quote!((#k, #n))
            });
            let others = node_tokens(others);
            quote!(codegen_runtime::style::Node::object([#(#properties),*], #others))
        }
    }
}

/// How each field of a form or multipart body is read, as tokens.
fn field_tokens(fields: &[(String, FieldKind)]) -> TokenStream {
    let fields = fields.iter().map(|(name, kind)| {
        let kind = match kind {
            FieldKind::Text(s) => {
                let s = scalar_tokens(*s);
                quote!(codegen_runtime::style::FieldKind::Text(#s))
            }
            FieldKind::Repeated(s) => {
                let s = scalar_tokens(*s);
                quote!(codegen_runtime::style::FieldKind::Repeated(#s))
            }
            FieldKind::Json => quote!(codegen_runtime::style::FieldKind::Json),
            FieldKind::Nested(node) => {
                let node = node_tokens(node);
                quote!(codegen_runtime::style::FieldKind::Nested(#node))
            }
        };
        quote!((#name, #kind))
    });
    quote!(&[#(#fields),*])
}

#[cfg(test)]
mod tests {
    fn refusal_statuses(responses: &str) -> Vec<(u16, u16)> {
        let text = format!(
            "openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /a:\n    post:\n      operationId: a\n      responses: {{'204': {{description: ok}}, {responses}}}\n  /b:\n    get:\n      operationId: b\n      responses: {{'204': {{description: ok}}}}\n"
        );
        let api = crate::load_str(&text, None).unwrap_or_else(|e| panic!("{e}"));
        super::refusals(&api)
            .iter()
            .map(|r| (r.input.status, r.credentials.status))
            .collect()
    }

    /// README: 422 where the spec documents it, else 400; an operation that documents no
    /// refusal borrows the API's usual one.
    #[test]
    fn bad_input_is_400_unless_422_is_documented() {
        assert_eq!(refusal_statuses("'422': {description: bad}"), [(422, 401), (422, 401)]);
        assert_eq!(refusal_statuses("'400': {description: bad}"), [(400, 401), (400, 401)]);
        assert_eq!(
            refusal_statuses("default: {description: error}"),
            [(400, 401), (400, 401)]
        );
        assert_eq!(
            refusal_statuses("'4XX': {description: error}"),
            [(400, 401), (400, 401)]
        );
        assert_eq!(refusal_statuses("'403': {description: no}"), [(400, 403), (400, 403)]);
    }
}
