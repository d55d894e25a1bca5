//! kallima: FastAPI-style, bearer tokens, UUID ids; the signing secret is shown at creation
//! and on `rotate_secret=true` only.

use std::sync::Arc;

use generated::kallima::models::{
    EventAccepted, EventCreate, HttpError, HttpValidationError, WebhookCreate, WebhookRead, WebhookResponse,
    WebhookUpdate,
};
use generated::kallima::server::*;
use serde_json::{Value, json};

use crate::common::{Null, answer_storage_failures, fastapi_error_bodies, model, patch};
use crate::store::{Store, StoreError};
use crate::{mint, tenants::Tenants};

const API: &str = "kallima";

pub struct Kallima {
    pub store: Arc<Store>,
    pub tenants: Arc<Tenants>,
    /// A delivery defect planted by a test (`deliver::Settings::defect`); `None` otherwise.
    pub defect: Option<crate::deliver::Defect>,
}

answer_storage_failures!(|m| json!({ "detail": m });
    ListWebhooksResponse, CreateWebhookResponse, GetWebhookResponse, DeleteWebhookResponse, UpdateWebhookResponse,
    PublishEventResponse);

fn not_found() -> HttpError {
    HttpError {
        detail: "Webhook not found".into(),
    }
}

/// The webhook as the create and a rotation answer it (with its secret there only).
fn answer(mut doc: Value, with_secret: bool) -> Result<WebhookResponse, StoreError> {
    if !with_secret && let Some(map) = doc.as_object_mut() {
        map.remove("secret");
    }
    model(doc)
}

/// The webhook as reads answer it (`WebhookRead`, which refuses a secret), its fields in the
/// order of the create's answer.
fn read(doc: Value) -> Result<WebhookRead, StoreError> {
    let shaped = serde_json::to_value(answer(doc, false)?).map_err(|e| StoreError(e.to_string()))?;
    model(shaped)
}

impl Kallima {
    fn list(&self, tenant: &str) -> Result<ListWebhooksResponse, StoreError> {
        let data = self
            .store
            .list(API, tenant)?
            .into_iter()
            .map(read)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ListWebhooksResponse::Ok(model(
            json!({ "object": "list", "data": data }),
        )?))
    }

    fn create(&self, tenant: &str, body: WebhookCreate) -> Result<CreateWebhookResponse, StoreError> {
        let now = mint::now_offset();
        let id = mint::uuid();
        let doc = json!({
            "id": id,
            "url": body.url,
            // null and [] both mean "all events"; what was sent is kept.
            "events": body.events.value(),
            "enabled": body.enabled,
            "created_at": now,
            "updated_at": now,
            "object": "webhook",
            "secret": mint::secret("whsec_"),
        });
        self.store.insert(API, tenant, &id, &doc)?;
        Ok(CreateWebhookResponse::Created(answer(doc, true)?))
    }

    fn get(&self, tenant: &str, id: &str) -> Result<GetWebhookResponse, StoreError> {
        Ok(match self.store.get(API, tenant, id)? {
            Some(doc) => GetWebhookResponse::Ok(read(doc)?),
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

    fn update(
        &self,
        tenant: &str,
        id: &str,
        rotate: bool,
        body: WebhookUpdate,
    ) -> Result<UpdateWebhookResponse, StoreError> {
        let Some(mut doc) = self.store.get(API, tenant, id)? else {
            return Ok(UpdateWebhookResponse::NotFound(not_found()));
        };
        patch(&mut doc, &["url"], &body.url, Null::Keeps);
        patch(&mut doc, &["events"], &body.events, Null::Clears);
        patch(&mut doc, &["enabled"], &body.enabled, Null::Keeps);
        if rotate {
            doc["secret"] = json!(mint::secret("whsec_"));
        }
        doc["updated_at"] = json!(mint::now_offset());
        if !self.store.replace(API, tenant, id, &doc)? {
            return Ok(UpdateWebhookResponse::NotFound(not_found()));
        }
        Ok(UpdateWebhookResponse::Ok(answer(doc, rotate)?))
    }

    fn publish(&self, tenant: &str, body: EventCreate) -> Result<PublishEventResponse, StoreError> {
        let (id, deliveries) = crate::deliver::publish(
            &self.store,
            crate::Api::Kallima,
            tenant,
            body.type_.get(),
            &body.data,
            None,
            self.defect,
        )?;
        Ok(PublishEventResponse::Accepted(model::<EventAccepted>(
            json!({ "id": id, "deliveries": deliveries }),
        )?))
    }
}

impl Server for Kallima {
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
        self.get(&tenant, &params.webhook_id.to_string())
            .unwrap_or_else(Into::into)
    }

    async fn delete_webhook(&self, tenant: String, params: DeleteWebhookParams) -> DeleteWebhookResponse {
        self.delete(&tenant, &params.webhook_id.to_string())
            .unwrap_or_else(Into::into)
    }

    async fn update_webhook(
        &self,
        tenant: String,
        params: UpdateWebhookParams,
        body: WebhookUpdate,
    ) -> UpdateWebhookResponse {
        self.update(&tenant, &params.webhook_id.to_string(), params.rotate_secret, body)
            .unwrap_or_else(Into::into)
    }

    async fn publish_event(&self, tenant: String, body: EventCreate) -> PublishEventResponse {
        self.publish(&tenant, body).unwrap_or_else(Into::into)
    }

    fastapi_error_bodies!(HttpError, HttpValidationError);
}
