//! Tickets and their conversations.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use desk_core::Actor;
use desk_core::services::{NewMessage, NewTicket};
use desk_domain::{
    CreateMessage, CreateTicket, Message, Ticket, TicketFilter, TicketPage, UpdateTicket,
};
use uuid::Uuid;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list).post(create))
        .route("/tickets/{id}", get(get_one).patch(update))
        .route(
            "/tickets/{id}/messages",
            get(list_messages).post(create_message),
        )
}

/// Tickets the caller may see, newest first: customers their organisation's, agents all.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(TicketFilter),
    responses((status = 200, body = TicketPage), (status = 401, body = desk_domain::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(f): ApiQuery<TicketFilter>,
) -> Result<Json<TicketPage>, ApiError> {
    Ok(Json(st.core.tickets(&auth.viewer, &f).await?))
}

/// Files a ticket; `body` becomes its first message. Idempotent by `id`: a repeat answers the
/// same ticket.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = CreateTicket,
    responses((status = 201, body = Ticket), (status = 422, body = desk_domain::ErrorBody),
              (status = 409, body = desk_domain::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CreateTicket>,
) -> Result<(StatusCode, Json<Ticket>), ApiError> {
    let new = NewTicket::from_request(&auth.viewer, req)?;
    let (ticket, _) = st.core.file_ticket(&Actor::app(auth.viewer), new).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// One ticket; another organisation's answers 404.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = desk_domain::ErrorBody)))]
pub async fn get_one(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Ticket>, ApiError> {
    Ok(Json(st.core.ticket(&auth.viewer, id).await?))
}

/// Changes status (customers: resolve or reopen) and assignee (agents).
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateTicket,
    responses((status = 200, body = Ticket), (status = 404, body = desk_domain::ErrorBody),
              (status = 409, body = desk_domain::ErrorBody), (status = 403, body = desk_domain::ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateTicket>,
) -> Result<Json<Ticket>, ApiError> {
    Ok(Json(
        st.core.update_ticket(&auth.viewer, id, req, None).await?,
    ))
}

/// The conversation, oldest first; internal notes only for agents.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/messages", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Message>), (status = 404, body = desk_domain::ErrorBody)))]
pub async fn list_messages(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Message>>, ApiError> {
    Ok(Json(st.core.messages(&auth.viewer, id).await?))
}

/// Adds a reply (or, for agents, an internal note). Idempotent by `id`. A customer's reply to a
/// resolved ticket reopens it.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CreateMessage,
    responses((status = 201, body = Message), (status = 404, body = desk_domain::ErrorBody),
              (status = 409, body = desk_domain::ErrorBody), (status = 422, body = desk_domain::ErrorBody)))]
pub async fn create_message(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let new = NewMessage::from_request(id, req)?;
    let (message, _) = st.core.add_message(&Actor::app(auth.viewer), new).await?;
    Ok((StatusCode::CREATED, Json(message)))
}
