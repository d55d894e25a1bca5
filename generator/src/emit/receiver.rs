//! A typed receiver for the webhooks a spec documents (OpenAPI 3.1 `webhooks`): what the API's
//! customers serve at the URL they register. Each webhook with a JSON body is a method of the
//! `Receiver` trait and a `POST` route of `router`, its key the route's path; a handler reads
//! the delivery, verifies its Standard Webhooks signature (`codegen-runtime`'s `receiver`
//! feature) and hands over the typed payload, answering 204.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::doc;
use crate::model::{Api, Media, Operation};

/// The webhooks a receiver serves: those whose body is JSON.
fn served(api: &Api) -> impl Iterator<Item = &Operation> {
    api.webhooks
        .iter()
        .filter(|w| w.body.as_ref().is_some_and(|b| matches!(b.media, Media::Json(_))))
}

/// Whether the API gets a `receiver` module (and its crate the runtime's `receiver` feature).
pub fn has_receiver(api: &Api) -> bool {
    served(api).next().is_some()
}

/// The receiver file is made in one part, or none without webhooks to serve.
pub fn parts(api: &Api) -> usize {
    usize::from(has_receiver(api))
}

pub fn part(api: &Api) -> TokenStream {
    let models = quote!(models::);
    let mut methods = Vec::new();
    let mut routes = Vec::new();
    let mut handlers = Vec::new();
    for webhook in served(api) {
        let Some(body) = &webhook.body else { continue };
        let method = format_ident!("{}", webhook.rust_name);
        let handler = format_ident!("receive_{}", webhook.rust_name);
        let payload = super::server::media_type_tokens(api, &body.media, &body.ty, &models);
        let mut notes = vec![format!("The `{}` webhook.", webhook.path)];
        notes.extend(webhook.summary.clone());
        notes.extend(webhook.description.clone());
        let docs = doc(Some(&notes.join("\n\n")));
        methods.push(quote! {
            #docs
            fn #method(&self, delivery: Delivery, payload: #payload) -> impl Future<Output = ()> + Send;
        });
        let route = format!("/{}", webhook.path.trim_start_matches('/'));
        routes.push(quote!(.route(#route, axum::routing::post(#handler::<R>))));
        handlers.push(quote! {
            async fn #handler<R: Receiver>(State(receiver): State<Arc<R>>, request: Request) -> Response {
                let (parts, body) = request.into_parts();
                let (delivery, bytes) = match rt::receive(&parts, body, &receiver.secrets()).await {
                    Ok(received) => received,
                    Err(problem) => return rt::refusal(&problem),
                };
                let payload: #payload = match rt::payload(&bytes) {
                    Ok(payload) => payload,
                    Err(problem) => return rt::refusal(&problem),
                };
                receiver.#method(delivery, payload).await;
                axum::http::StatusCode::NO_CONTENT.into_response()
            }
        });
    }
    let left_out: Vec<String> = api
        .webhooks
        .iter()
        .filter(|w| !served(api).any(|s| s.operation_id == w.operation_id))
        .map(|w| format!("`{}`", w.path))
        .collect();
    let mut trait_doc = format!(
        "The webhooks {} {} delivers, as its customers receive them.\n\nImplement it and serve [`router`] at the URL you register: each delivery's signature is\nverified (401 when it does not verify, 400 when its timestamp is stale), its body read as the\ndocumented payload (400 otherwise), and only then handed to the method, answered 204.",
        api.title, api.version
    );
    if !left_out.is_empty() {
        trait_doc.push_str(&format!(
            "\n\nNot served (their bodies are not JSON): {}.",
            left_out.join(", ")
        ));
    }
    let trait_doc = doc(Some(&trait_doc));
    quote! {
        #![allow(clippy::all, unused_imports)]
        use std::future::Future;
        use std::sync::Arc;
        use axum::extract::{Request, State};
        use axum::response::{IntoResponse, Response};
        use codegen_runtime::server::receiver as rt;
        /// What identifies a verified delivery (`webhook-id`, the same on every attempt).
        pub use codegen_runtime::server::receiver::Delivery;
        use super::models;

        #trait_doc
        pub trait Receiver: Send + Sync + 'static {
            /// The signing secrets in force (`whsec_...`): more than one while a rotation settles.
            fn secrets(&self) -> Vec<String>;
            #(#methods)*
        }

        /// Routes each webhook to `receiver`, at its key (`POST /<key>`).
        pub fn router<R: Receiver>(receiver: Arc<R>) -> axum::Router {
            axum::Router::new() #(#routes)* .with_state(receiver)
        }

        #(#handlers)*
    }
}
