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
        routes::calendar::calendar,
        routes::calendar::expectation,
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
        routes::incidents::report,
        routes::incidents::list,
        routes::incidents::get_one,
        routes::incidents::create,
        routes::incidents::acknowledge,
        routes::incidents::post_update,
        routes::incidents::resolve,
        routes::incidents::update,
        routes::incidents::merge,
        routes::incidents::duty,
        routes::incidents::set_duty,
        routes::telegram::link_code,
        routes::telegram::links,
        routes::telegram::unlink,
        routes::telegram::requests,
        routes::telegram::approve,
        routes::telegram::dismiss,
    ),
    components(schemas(desk_domain::Change, desk_domain::ChangeData, desk_domain::ErrorCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in and accounts"),
        (name = "topics", description = "What a ticket is about"),
        (name = "calendar", description = "Business hours and what a new ticket can expect"),
        (name = "tickets", description = "Tickets and conversations"),
        (name = "attachments", description = "Files"),
        (name = "sync", description = "Delta sync and push"),
        (name = "incidents", description = "Outage reports, incidents, pages and the duty roster"),
        (name = "telegram", description = "Linking the taxi service's Telegram chats to the bots"),
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
