//! HTTP routes under `/api/v1`, one module per resource, merged here; plus the extractors that
//! turn malformed input into `{code, message}` instead of axum's plain-text rejections.

pub mod attachments;
pub mod auth;
pub mod calendar;
pub mod health;
pub mod incidents;
pub mod sync;
pub mod telegram;
pub mod tickets;
pub mod topics;

use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::ApiError;
use desk_core::Error;

pub fn router(max_json_bytes: usize) -> Router<AppState> {
    let api = Router::new()
        .merge(auth::router())
        .merge(topics::router())
        .merge(calendar::router())
        .merge(tickets::router())
        .merge(sync::router())
        .merge(incidents::router())
        .merge(telegram::router())
        .layer(DefaultBodyLimit::max(max_json_bytes))
        // Uploads stream to disk under their own limit, checked as the bytes arrive.
        .merge(attachments::router());
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    Error::not_found("Адресу", "This address").into()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// `Json<T>` whose rejections answer `{code: bad_request, message}`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(Error::validation(
                    "Запит завеликий. Скоротіть текст або додайте його файлом.",
                    "The request is too large. Shorten the text or attach it as a file.",
                )
                .into())
            }
            Err(e) => Err(Error::bad_request(e.body_text()).into()),
        }
    }
}

/// `Query<T>` whose rejections answer `{code: bad_request, message}`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(e) => Err(Error::bad_request(query_text(&e)).into()),
        }
    }
}

fn query_text(e: &QueryRejection) -> String {
    e.body_text()
}

/// `Path<T>`: an id that does not parse names nothing that exists, so it answers 404.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(Error::not_found("Запис", "Item").into())
            }
            Err(e) => Err(Error::bad_request(e.body_text()).into()),
        }
    }
}
