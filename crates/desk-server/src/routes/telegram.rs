//! Linking Telegram chats from the customer page: a one-time code with a link to each bot the
//! server runs, the chats linked so far, unlinking; and the requests of chats that wrote
//! without a code, which the service's own users approve or an agent attaches (or dismisses).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use desk_domain::{
    ApproveTelegramRequest, LinkCode, TelegramLink, TelegramRequest, TelegramRequestFilter,
};
use uuid::Uuid;

use super::ApiPath;
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/telegram/link-codes", post(link_code))
        .route("/telegram/links", get(links))
        .route("/telegram/links/{id}", delete(unlink))
        .route("/telegram/requests", get(requests))
        .route("/telegram/requests/{id}/approve", post(approve))
        .route("/telegram/requests/{id}/dismiss", post(dismiss))
}

/// Customers: a one-time code (valid for minutes, once with each bot) and the `t.me` links
/// that carry it; opening one and pressing Start links that chat to the organisation.
#[utoipa::path(post, path = "/api/v1/telegram/link-codes", tag = "telegram", security(("bearer" = [])),
    responses((status = 201, body = LinkCode), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody, description = "No Telegram bot runs on this server")))]
pub async fn link_code(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<(StatusCode, Json<LinkCode>), ApiError> {
    let code = st
        .core
        .telegram_link_code(&auth.viewer, &st.bots.get())
        .await?;
    Ok((StatusCode::CREATED, Json(code)))
}

/// The chats linked to the caller's organisation (agents: every organisation's), newest first.
#[utoipa::path(get, path = "/api/v1/telegram/links", tag = "telegram", security(("bearer" = [])),
    responses((status = 200, body = Vec<TelegramLink>), (status = 401, body = desk_domain::ErrorBody)))]
pub async fn links(
    State(st): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<TelegramLink>>, ApiError> {
    Ok(Json(st.core.telegram_links(&auth.viewer).await?))
}

/// Unlinks a chat: the bot sends it nothing more.
#[utoipa::path(delete, path = "/api/v1/telegram/links/{id}", tag = "telegram", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = desk_domain::ErrorBody)))]
pub async fn unlink(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    st.core.unlink_telegram(&auth.viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Requests of chats that wrote to a bot without a link code, newest first. Agents: all
/// (`status=all`: decided ones too, the latest 200); customers: the waiting ones whose text
/// names their service.
#[utoipa::path(get, path = "/api/v1/telegram/requests", tag = "telegram", security(("bearer" = [])),
    params(TelegramRequestFilter),
    responses((status = 200, body = Vec<TelegramRequest>), (status = 401, body = desk_domain::ErrorBody),
              (status = 422, body = desk_domain::ErrorBody, description = "Unknown status filter")))]
pub async fn requests(
    State(st): State<AppState>,
    auth: Auth,
    Query(f): Query<TelegramRequestFilter>,
) -> Result<Json<Vec<TelegramRequest>>, ApiError> {
    Ok(Json(st.core.telegram_requests(&auth.viewer, &f).await?))
}

/// Links the request's chat to a service and greets it by the service's name; a request to
/// the alert bot is filed as that service's outage report (an agent attaching it takes the
/// incident on). Agents name any service (the suggested one by default); customers approve
/// requests naming their own.
#[utoipa::path(post, path = "/api/v1/telegram/requests/{id}/approve", tag = "telegram", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ApproveTelegramRequest,
    responses((status = 200, body = TelegramRequest), (status = 403, body = desk_domain::ErrorBody),
              (status = 404, body = desk_domain::ErrorBody), (status = 409, body = desk_domain::ErrorBody, description = "Already decided"),
              (status = 422, body = desk_domain::ErrorBody, description = "No service named, or it has no user yet")))]
pub async fn approve(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
    body: Option<Json<ApproveTelegramRequest>>,
) -> Result<Json<TelegramRequest>, ApiError> {
    let org = body.and_then(|Json(b)| b.organization_id);
    let r = st
        .core
        .approve_telegram_request(
            &auth.viewer,
            id,
            org,
            Box::new(desk_telegram::bridge::decided_message),
        )
        .await?;
    Ok(Json(r))
}

/// Dismisses the request: the chat is told to link with a code from the app.
#[utoipa::path(post, path = "/api/v1/telegram/requests/{id}/dismiss", tag = "telegram", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TelegramRequest), (status = 404, body = desk_domain::ErrorBody),
              (status = 409, body = desk_domain::ErrorBody, description = "Already decided")))]
pub async fn dismiss(
    State(st): State<AppState>,
    auth: Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TelegramRequest>, ApiError> {
    let r = st
        .core
        .dismiss_telegram_request(
            &auth.viewer,
            id,
            Box::new(desk_telegram::bridge::decided_message),
        )
        .await?;
    Ok(Json(r))
}
