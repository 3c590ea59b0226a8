//! The OpenAPI document, generated from the handlers' annotations and the wire types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Desk API", description = "Support desk for a software vendor and its customers."),
    paths(
        routes::health::healthz,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::accept_invitation,
        routes::auth::me,
        routes::topics::list,
        routes::tickets::list,
        routes::tickets::create,
        routes::tickets::get_one,
        routes::tickets::update,
        routes::tickets::list_messages,
        routes::tickets::create_message,
        routes::attachments::upload,
        routes::attachments::download,
        routes::sync::changes,
        routes::sync::events,
    ),
    components(schemas(desk_domain::Change, desk_domain::ChangeData, desk_domain::ErrorCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in and accounts"),
        (name = "topics", description = "What a ticket is about"),
        (name = "tickets", description = "Tickets and conversations"),
        (name = "attachments", description = "Files"),
        (name = "sync", description = "Delta sync and push"),
        (name = "health", description = "Liveness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_lists_the_api_surface() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("serializes");
        let paths = doc["paths"].as_object().expect("paths");
        for (path, method) in [
            ("/api/v1/auth/login", "post"),
            ("/api/v1/auth/logout", "post"),
            ("/api/v1/me", "get"),
            ("/api/v1/topics", "get"),
            ("/api/v1/tickets", "get"),
            ("/api/v1/tickets", "post"),
            ("/api/v1/tickets/{id}", "get"),
            ("/api/v1/tickets/{id}", "patch"),
            ("/api/v1/tickets/{id}/messages", "get"),
            ("/api/v1/tickets/{id}/messages", "post"),
            ("/api/v1/attachments", "post"),
            ("/api/v1/attachments/{id}", "get"),
            ("/api/v1/changes", "get"),
            ("/api/v1/events", "get"),
            ("/healthz", "get"),
        ] {
            assert!(
                paths.get(path).and_then(|p| p.get(method)).is_some(),
                "{method} {path} missing"
            );
        }
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for s in [
            "Ticket",
            "Message",
            "Attachment",
            "ChangesPage",
            "ErrorBody",
            "ErrorCode",
            "Topic",
        ] {
            assert!(schemas.contains_key(s), "schema {s} missing");
        }
        let ticket = &schemas["Ticket"]["properties"];
        for f in [
            "id",
            "number",
            "subject",
            "topic_id",
            "status",
            "organization_id",
            "created_at",
            "resolved_at",
        ] {
            assert!(ticket.get(f).is_some(), "Ticket.{f} missing");
        }
    }
}
