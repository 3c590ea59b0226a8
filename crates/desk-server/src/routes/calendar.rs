//! `GET /calendar` (when specialists work) and `GET /expectation` (what a customer filing on a
//! topic now should expect: at once, or from the next opening).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use desk_domain::{BusinessCalendar, Expectation};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiQuery;
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar))
        .route("/expectation", get(expectation))
}

/// The business calendar in force: time zone, hours, working days, holidays.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = BusinessCalendar), (status = 401, body = desk_domain::ErrorBody)))]
pub async fn calendar(
    State(st): State<AppState>,
    _auth: Auth,
) -> Result<Json<BusinessCalendar>, ApiError> {
    Ok(Json(st.core.calendar().get().config.clone()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpectationQuery {
    /// The topic the ticket would be filed on.
    pub topic_id: String,
}

/// What a ticket on `topic_id` filed now can expect: urgent topics and working hours at once,
/// otherwise from the next opening ("from 08:00 tomorrow", "in 9 h").
#[utoipa::path(get, path = "/api/v1/expectation", tag = "calendar", security(("bearer" = [])),
    params(ExpectationQuery),
    responses((status = 200, body = Expectation), (status = 401, body = desk_domain::ErrorBody),
              (status = 422, body = desk_domain::ErrorBody)))]
pub async fn expectation(
    State(st): State<AppState>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<ExpectationQuery>,
) -> Result<Json<Expectation>, ApiError> {
    let topic = st
        .core
        .topics(false)
        .await?
        .into_iter()
        .find(|t| t.id == q.topic_id)
        .ok_or_else(|| desk_core::Error::unknown_topic(&q.topic_id))?;
    let cal = st.core.calendar().get();
    Ok(Json(cal.hours.expectation(
        &topic.id,
        topic.urgent,
        st.clock.now(),
    )))
}
