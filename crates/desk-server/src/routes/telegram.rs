//! Linking Telegram chats from the customer page: a one-time code with a link to each bot the
//! server runs, the chats linked so far, unlinking.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use desk_domain::{LinkCode, TelegramLink};
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
