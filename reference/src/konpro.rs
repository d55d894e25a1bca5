//! konpro: `x-api-key`, https-only endpoints, a secret that never changes on update,
//! every error as `{"error": {"code", "message"}}`.

use std::sync::Arc;

use generated::konpro::models::{
    Endpoint, EndpointCreate, EndpointStatusUpdate, EndpointUpdate, ErrorDetail, ErrorResponse, EventAccepted,
    EventCreate,
};
use generated::konpro::server::*;
use serde_json::{Value, json};

use crate::common::{answer_storage_failures, model, set};
use crate::store::{Store, StoreError};
use crate::{mint, tenants::Tenants};

const API: &str = "konpro";

pub struct Konpro {
    pub store: Arc<Store>,
    pub tenants: Arc<Tenants>,
    /// A delivery defect planted by a test (`deliver::Settings::defect`); `None` otherwise.
    pub defect: Option<crate::deliver::Defect>,
}

answer_storage_failures!(|m| json!({ "error": { "code": "internal_error", "message": m } });
    CreateEndpointResponse, ListEndpointsResponse, UpdateEndpointResponse, DeleteEndpointResponse,
    SetEndpointStatusResponse, SendEventResponse);

fn error(code: &str, message: String) -> ErrorResponse {
    ErrorResponse {
        error: ErrorDetail {
            code: code.into(),
            message,
        },
    }
}

fn not_found(id: &str) -> ErrorResponse {
    error("not_found", format!("Endpoint {id} not found"))
}

/// `None` or `[]`: all events, stored as `[]`.
fn events(list: Option<&Vec<String>>) -> Value {
    json!(list.cloned().unwrap_or_default())
}

impl Konpro {
    fn create(&self, tenant: &str, body: EndpointCreate) -> Result<CreateEndpointResponse, StoreError> {
        let id = format!("ep_{}", mint::object_id());
        let doc = json!({
            "endpoint_id": id,
            "url": body.url,
            "secret": mint::secret("whsec_"),
            "status": "enabled",
            "events": events(body.events.value()),
            "username": tenant,
            "created_at": mint::now(),
        });
        self.store.insert(API, tenant, &id, &doc)?;
        Ok(CreateEndpointResponse::Ok(model::<Endpoint>(doc)?))
    }

    fn list(&self, tenant: &str) -> Result<ListEndpointsResponse, StoreError> {
        let endpoints = self.store.list(API, tenant)?;
        Ok(ListEndpointsResponse::Ok(model(json!({ "endpoints": endpoints }))?))
    }

    fn update(&self, tenant: &str, body: EndpointUpdate) -> Result<UpdateEndpointResponse, StoreError> {
        let id = body.endpoint_id.clone();
        let Some(mut doc) = self.store.get(API, tenant, &id)? else {
            return Ok(UpdateEndpointResponse::NotFound(not_found(&id)));
        };
        if let Some(url) = &body.url {
            set(&mut doc, &["url"], json!(url));
        }
        if !body.events.is_absent() {
            set(&mut doc, &["events"], events(body.events.value()));
        }
        // The secret stays as it was: updates never change it.
        if !self.store.replace(API, tenant, &id, &doc)? {
            return Ok(UpdateEndpointResponse::NotFound(not_found(&id)));
        }
        Ok(UpdateEndpointResponse::Ok(model(doc)?))
    }

    fn set_status(&self, tenant: &str, body: EndpointStatusUpdate) -> Result<SetEndpointStatusResponse, StoreError> {
        let id = body.endpoint_id.clone();
        let status = json!(body.status);
        Ok(
            match self
                .store
                .modify(API, tenant, &id, |doc| set(doc, &["status"], status))?
            {
                Some(doc) => SetEndpointStatusResponse::Ok(model(doc)?),
                None => SetEndpointStatusResponse::NotFound(not_found(&id)),
            },
        )
    }

    fn send(&self, tenant: &str, body: EventCreate) -> Result<SendEventResponse, StoreError> {
        let (id, deliveries) = crate::deliver::publish(
            &self.store,
            crate::Api::Konpro,
            tenant,
            body.type_.get(),
            &body.data,
            None,
            self.defect,
        )?;
        Ok(SendEventResponse::Ok(model::<EventAccepted>(
            json!({ "id": id, "deliveries": deliveries }),
        )?))
    }

    fn delete(&self, tenant: &str, id: &str) -> Result<DeleteEndpointResponse, StoreError> {
        Ok(if self.store.delete(API, tenant, id)? {
            DeleteEndpointResponse::Ok(model(json!({ "endpoint_id": id, "deleted": true }))?)
        } else {
            DeleteEndpointResponse::NotFound(not_found(id))
        })
    }
}

impl Server for Konpro {
    type Principal = String;

    async fn authenticate(&self, credentials: &[Credential]) -> Option<String> {
        self.tenants.authenticate(credentials)
    }

    async fn create_endpoint(&self, tenant: String, body: EndpointCreate) -> CreateEndpointResponse {
        self.create(&tenant, body).unwrap_or_else(Into::into)
    }

    async fn list_endpoints(&self, tenant: String) -> ListEndpointsResponse {
        self.list(&tenant).unwrap_or_else(Into::into)
    }

    async fn update_endpoint(&self, tenant: String, body: EndpointUpdate) -> UpdateEndpointResponse {
        self.update(&tenant, body).unwrap_or_else(Into::into)
    }

    async fn delete_endpoint(&self, tenant: String, params: DeleteEndpointParams) -> DeleteEndpointResponse {
        self.delete(&tenant, &params.endpoint_id).unwrap_or_else(Into::into)
    }

    async fn set_endpoint_status(&self, tenant: String, body: EndpointStatusUpdate) -> SetEndpointStatusResponse {
        self.set_status(&tenant, body).unwrap_or_else(Into::into)
    }

    async fn send_event(&self, tenant: String, body: EventCreate) -> SendEventResponse {
        self.send(&tenant, body).unwrap_or_else(Into::into)
    }

    fn error_response_body(&self, problem: &Problem) -> ErrorResponse {
        match problem.kind {
            ProblemKind::MissingCredentials => error("unauthorized", "Missing API key (x-api-key)".into()),
            ProblemKind::InvalidCredentials => error("unauthorized", "Invalid API key".into()),
            ProblemKind::BodyTooLarge => error("payload_too_large", problem.message.clone()),
            _ => error("invalid_parameter", problem.to_string()),
        }
    }
}
