//! The HTTP edge of desk-core's [`Error`]: its stable code mapped to a status, answered as
//! `{code, message}`. The message exists in Ukrainian and English; the `localize` middleware
//! picks one by `Accept-Language` and logs internal causes once, so they never reach a client.

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk_core::Error;
use desk_domain::{ErrorBody, ErrorCode};

type Text = Cow<'static, str>;

/// A domain error on its way out over HTTP.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: Error,
}

/// The status each code answers with: one place, so every route (and the OpenAPI document)
/// agrees.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest | ErrorCode::UploadIncomplete => StatusCode::BAD_REQUEST,
        ErrorCode::ValidationFailed
        | ErrorCode::UnknownTopic
        | ErrorCode::AttachmentUnavailable
        | ErrorCode::InvalidInvitation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Unauthorized | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::IdConflict | ErrorCode::TicketClosed | ErrorCode::InvalidTransition => {
            StatusCode::CONFLICT
        }
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        Self {
            status: status_of(error.code),
            error,
        }
    }
}

impl ApiError {
    /// A known path asked with a method it does not take: 405 (no domain code says that).
    pub fn method_not_allowed() -> Self {
        Self {
            status: StatusCode::METHOD_NOT_ALLOWED,
            error: Error::new(
                ErrorCode::BadRequest,
                "Цей метод тут не підтримується.",
                "This method is not supported here.",
            ),
        }
    }
}

/// Both texts of an error, carried in the response so the middleware can choose.
#[derive(Debug, Clone)]
pub struct LocalizedError {
    pub code: ErrorCode,
    pub uk: Text,
    pub en: Text,
    pub cause: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.error;
        let body = ErrorBody {
            code: e.code,
            message: e.uk.to_string(),
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = e.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res.extensions_mut().insert(LocalizedError {
            code: e.code,
            uk: e.uk,
            en: e.en,
            cause: e.cause,
        });
        res
    }
}

/// The language a request asks for: `en` when English comes before Ukrainian in
/// `Accept-Language`, otherwise `uk` (Desk's people read Ukrainian first).
pub fn lang(headers: &HeaderMap) -> &'static str {
    let Some(v) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return "uk";
    };
    for part in v.split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("uk") {
            return "uk";
        }
        if tag.starts_with("en") {
            return "en";
        }
    }
    "uk"
}
