//! kejue: FastAPI-style, `X-API-Key`, a write-only secret, PATCH where `null` clears only
//! `name` and `persona_id`.

use std::sync::Arc;

use generated::kejue::models::{
    EventAccepted, EventCreate, HttpError, HttpValidationError, WebhookCreate, WebhookResponse, WebhookUpdate,
};
use generated::kejue::server::*;
use serde_json::{Value, json};

use crate::common::{Null, answer_storage_failures, fastapi_error_bodies, model, patch};
use crate::store::{Store, StoreError};
use crate::{mint, tenants::Tenants};

const API: &str = "kejue";

pub struct Kejue {
    pub store: Arc<Store>,
    pub tenants: Arc<Tenants>,
    /// A delivery defect planted by a test (`deliver::Settings::defect`); `None` otherwise.
    pub defect: Option<crate::deliver::Defect>,
    /// The server's retry backoff, shown as `delivery_settings.backoff_ms`.
    pub backoff_ms: u64,
}

answer_storage_failures!(|m| json!({ "detail": m });
    ListWebhooksResponse, CreateWebhookResponse, GetWebhookResponse, DeleteWebhookResponse, UpdateWebhookResponse,
    PublishEventResponse);

fn not_found() -> HttpError {
    HttpError {
        detail: "Webhook not found".into(),
    }
}

impl Kejue {
    /// The answer shape: everything stored but the secret, with the server's backoff.
    fn public(&self, mut doc: Value) -> Result<WebhookResponse, StoreError> {
        if let Some(map) = doc.as_object_mut() {
            map.remove("secret");
        }
        doc["delivery_settings"]["backoff_ms"] = json!(self.backoff_ms);
        model(doc)
    }

    fn list(&self, tenant: &str) -> Result<ListWebhooksResponse, StoreError> {
        let docs = self.store.list(API, tenant)?;
        Ok(ListWebhooksResponse::Ok(
            docs.into_iter().map(|d| self.public(d)).collect::<Result<_, _>>()?,
        ))
    }

    fn create(&self, tenant: &str, body: WebhookCreate) -> Result<CreateWebhookResponse, StoreError> {
        let now = mint::now();
        let id = mint::uuid();
        let doc = json!({
            "id": id,
            "url": body.url,
            "events": body.events,
            "signing_method": body.signing_method,
            "scope_type": body.scope_type,
            "delivery_settings": { "timeout_ms": body.timeout_ms, "max_retries": body.max_retries, "backoff_ms": self.backoff_ms },
            "stats": { "total_deliveries": 0, "failed_deliveries": 0, "success_rate": 0.0 },
            "name": body.name.value(),
            "persona_id": body.persona_id.value(),
            "last_delivery_at": null,
            "last_error": null,
            "created_at": now,
            "updated_at": now,
            // No secret sent: one is made for the webhook ("auto-creates"), write-only as any.
            "secret": body.secret.value().cloned().unwrap_or_else(|| mint::secret("whsec_")),
        });
        self.store.insert(API, tenant, &id, &doc)?;
        Ok(CreateWebhookResponse::Created(self.public(doc)?))
    }

    fn get(&self, tenant: &str, id: &str) -> Result<GetWebhookResponse, StoreError> {
        Ok(match self.store.get(API, tenant, id)? {
            Some(doc) => GetWebhookResponse::Ok(self.public(doc)?),
            None => GetWebhookResponse::NotFound(not_found()),
        })
    }

    fn delete(&self, tenant: &str, id: &str) -> Result<DeleteWebhookResponse, StoreError> {
        Ok(if self.store.delete(API, tenant, id)? {
            DeleteWebhookResponse::NoContent
        } else {
            DeleteWebhookResponse::NotFound(not_found())
        })
    }

    fn update(&self, tenant: &str, id: &str, body: WebhookUpdate) -> Result<UpdateWebhookResponse, StoreError> {
        // One step, so that the counts of a delivery finishing meanwhile are kept.
        let changed = self.store.modify(API, tenant, id, |doc| {
            apply(doc, &body);
            doc["updated_at"] = json!(mint::now());
        })?;
        Ok(match changed {
            Some(doc) => UpdateWebhookResponse::Ok(self.public(doc)?),
            None => UpdateWebhookResponse::NotFound(not_found()),
        })
    }

    fn publish(&self, tenant: &str, body: EventCreate) -> Result<PublishEventResponse, StoreError> {
        let (id, deliveries) = crate::deliver::publish(
            &self.store,
            crate::Api::Kejue,
            tenant,
            body.type_.get(),
            &body.data,
            body.persona_id.value().map(String::as_str),
            self.defect,
        )?;
        Ok(PublishEventResponse::Accepted(model::<EventAccepted>(
            json!({ "id": id, "deliveries": deliveries }),
        )?))
    }
}

/// A PATCH body's changes: absent keeps; `null` clears `name` and `persona_id` only.
fn apply(doc: &mut Value, body: &WebhookUpdate) {
    patch(doc, &["name"], &body.name, Null::Clears);
    patch(doc, &["persona_id"], &body.persona_id, Null::Clears);
    patch(doc, &["url"], &body.url, Null::Keeps);
    patch(doc, &["events"], &body.events, Null::Keeps);
    patch(doc, &["signing_method"], &body.signing_method, Null::Keeps);
    patch(doc, &["scope_type"], &body.scope_type, Null::Keeps);
    patch(doc, &["delivery_settings", "timeout_ms"], &body.timeout_ms, Null::Keeps);
    patch(
        doc,
        &["delivery_settings", "max_retries"],
        &body.max_retries,
        Null::Keeps,
    );
}

impl Server for Kejue {
    type Principal = String;

    async fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
        self.tenants.authenticate(credentials)
    }

    async fn list_webhooks(&self, tenant: String) -> ListWebhooksResponse {
        self.list(&tenant).unwrap_or_else(Into::into)
    }

    async fn create_webhook(&self, tenant: String, body: WebhookCreate) -> CreateWebhookResponse {
        self.create(&tenant, body).unwrap_or_else(Into::into)
    }

    async fn get_webhook(&self, tenant: String, params: GetWebhookParams) -> GetWebhookResponse {
        self.get(&tenant, &params.webhook_id).unwrap_or_else(Into::into)
    }

    async fn delete_webhook(&self, tenant: String, params: DeleteWebhookParams) -> DeleteWebhookResponse {
        self.delete(&tenant, &params.webhook_id).unwrap_or_else(Into::into)
    }

    async fn update_webhook(
        &self,
        tenant: String,
        params: UpdateWebhookParams,
        body: WebhookUpdate,
    ) -> UpdateWebhookResponse {
        self.update(&tenant, &params.webhook_id, body)
            .unwrap_or_else(Into::into)
    }

    async fn publish_event(&self, tenant: String, body: EventCreate) -> PublishEventResponse {
        self.publish(&tenant, body).unwrap_or_else(Into::into)
    }

    fastapi_error_bodies!(HttpError, HttpValidationError);
}
