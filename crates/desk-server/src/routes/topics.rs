//! `GET /topics`: what a ticket can be about, with guidance; **Other** last.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use desk_domain::Topic;

use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/topics", get(list))
}

/// Active topics in display order.
#[utoipa::path(get, path = "/api/v1/topics", tag = "topics", security(("bearer" = [])),
    responses((status = 200, body = Vec<Topic>), (status = 401, body = desk_domain::ErrorBody)))]
pub async fn list(State(st): State<AppState>, _auth: Auth) -> Result<Json<Vec<Topic>>, ApiError> {
    Ok(Json(st.core.topics(false).await?))
}
