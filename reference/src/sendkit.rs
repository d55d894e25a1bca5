//! sendkit: `X-Api-Key` or bearer, `{success, data}` envelopes, trimmed names, 24-hex ids,
//! errors as `{"error", "message", "code"}`.

use std::sync::Arc;

use generated::sendkit::models::{ErrorResponse, EventCreate, WebhookCreate, WebhookUpdate};
use generated::sendkit::server::*;
use serde_json::{Value, json};

use crate::common::{answer_storage_failures, model, set};
use crate::store::{Store, StoreError};
use crate::{mint, tenants::Tenants};

const API: &str = "sendkit";

pub struct Sendkit {
    pub store: Arc<Store>,
    pub tenants: Arc<Tenants>,
    /// A delivery defect planted by a test (`deliver::Settings::defect`); `None` otherwise.
    pub defect: Option<crate::deliver::Defect>,
}

answer_storage_failures!(|m| json!({ "error": "Internal Server Error", "message": m, "code": 500 });
    ListWebhooksResponse, CreateWebhookResponse, GetWebhookResponse, UpdateWebhookResponse, DeleteWebhookResponse,
    PublishEventResponse);

fn not_found() -> ErrorResponse {
    ErrorResponse {
        error: "Not Found".into(),
        message: "The requested resource was not found".into(),
        code: 404,
    }
}

fn envelope<T: serde::de::DeserializeOwned>(data: Value) -> Result<T, StoreError> {
    model(json!({ "success": true, "data": data }))
}

impl Sendkit {
    fn list(&self, tenant: &str) -> Result<ListWebhooksResponse, StoreError> {
        Ok(ListWebhooksResponse::Ok(envelope(json!(
            self.store.list(API, tenant)?
        ))?))
    }

    fn create(&self, tenant: &str, body: WebhookCreate) -> Result<CreateWebhookResponse, StoreError> {
        let now = mint::now();
        let id = mint::object_id();
        let doc = json!({
            "_id": id,
            "workspaceId": tenant,
            "name": body.name.trim(),
            "url": body.url,
            "events": body.events,
            "secret": body.secret.unwrap_or_else(|| mint::secret("")),
            "retryAttempts": 3,
            "timeoutMs": 10000,
            "status": "active",
            "createdBy": tenant,
            "createdAt": now,
            "updatedAt": now,
        });
        self.store.insert(API, tenant, &id, &doc)?;
        Ok(CreateWebhookResponse::Created(envelope(doc)?))
    }

    fn get(&self, tenant: &str, id: &str) -> Result<GetWebhookResponse, StoreError> {
        Ok(match self.store.get(API, tenant, id)? {
            Some(doc) => GetWebhookResponse::Ok(envelope(doc)?),
            None => GetWebhookResponse::NotFound(not_found()),
        })
    }

    fn update(&self, tenant: &str, id: &str, body: WebhookUpdate) -> Result<UpdateWebhookResponse, StoreError> {
        let Some(mut doc) = self.store.get(API, tenant, id)? else {
            return Ok(UpdateWebhookResponse::NotFound(not_found()));
        };
        let fields: [(&str, Option<Value>); 5] = [
            ("name", body.name.as_ref().map(|n| json!(n.trim()))),
            ("url", body.url.as_ref().map(|u| json!(u))),
            ("events", body.events.as_ref().map(|e| json!(e))),
            ("secret", body.secret.as_ref().map(|s| json!(s))),
            ("status", body.status.map(|s| json!(s))),
        ];
        for (key, value) in fields {
            if let Some(value) = value {
                set(&mut doc, &[key], value);
            }
        }
        set(&mut doc, &["updatedAt"], json!(mint::now()));
        if !self.store.replace(API, tenant, id, &doc)? {
            return Ok(UpdateWebhookResponse::NotFound(not_found()));
        }
        Ok(UpdateWebhookResponse::Ok(envelope(doc)?))
    }

    fn publish(&self, tenant: &str, body: EventCreate) -> Result<PublishEventResponse, StoreError> {
        let (id, deliveries) = crate::deliver::publish(
            &self.store,
            crate::Api::Sendkit,
            tenant,
            body.type_.get(),
            &body.data,
            None,
            self.defect,
        )?;
        Ok(PublishEventResponse::Accepted(envelope(
            json!({ "id": id, "deliveries": deliveries }),
        )?))
    }

    fn delete(&self, tenant: &str, id: &str) -> Result<DeleteWebhookResponse, StoreError> {
        Ok(if self.store.delete(API, tenant, id)? {
            DeleteWebhookResponse::Ok(envelope(json!({ "_id": id }))?)
        } else {
            DeleteWebhookResponse::NotFound(not_found())
        })
    }
}

impl Server for Sendkit {
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
        self.get(&tenant, &params.id).unwrap_or_else(Into::into)
    }

    async fn update_webhook(
        &self,
        tenant: String,
        params: UpdateWebhookParams,
        body: WebhookUpdate,
    ) -> UpdateWebhookResponse {
        self.update(&tenant, &params.id, body).unwrap_or_else(Into::into)
    }

    async fn delete_webhook(&self, tenant: String, params: DeleteWebhookParams) -> DeleteWebhookResponse {
        self.delete(&tenant, &params.id).unwrap_or_else(Into::into)
    }

    async fn publish_event(&self, tenant: String, body: EventCreate) -> PublishEventResponse {
        self.publish(&tenant, body).unwrap_or_else(Into::into)
    }

    fn error_response_body(&self, problem: &Problem) -> ErrorResponse {
        let (error, code) = match problem.kind {
            ProblemKind::MissingCredentials | ProblemKind::InvalidCredentials => ("Unauthorized", 401),
            ProblemKind::BodyTooLarge => ("Payload Too Large", 413),
            _ => ("Bad Request", 400),
        };
        let message = match problem.kind {
            ProblemKind::MissingCredentials => "Missing API key: send X-Api-Key or Authorization: Bearer".to_owned(),
            ProblemKind::InvalidCredentials => "Invalid API key".to_owned(),
            _ => problem.to_string(),
        };
        ErrorResponse {
            error: error.into(),
            message,
            code,
        }
    }
}
