//! `ApiError`: every failure a handler can answer with, as `{code, message}`. The message exists
//! in Ukrainian and English; the `localize` middleware picks one by `Accept-Language` and logs
//! internal causes once, so they never reach a client.

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk_domain::{ErrorBody, ErrorCode, TicketStatus};

type Text = Cow<'static, str>;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub status: StatusCode,
    pub uk: Text,
    pub en: Text,
    /// For the log only, never sent.
    pub cause: Option<String>,
    /// Seconds to send as `Retry-After`.
    pub retry_after: Option<u64>,
}

/// Both texts of an error, carried in the response so the middleware can choose.
#[derive(Debug, Clone)]
pub struct LocalizedError {
    pub code: ErrorCode,
    pub uk: Text,
    pub en: Text,
    pub cause: Option<String>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: ErrorCode,
        uk: impl Into<Text>,
        en: impl Into<Text>,
    ) -> Self {
        Self {
            code,
            status,
            uk: uk.into(),
            en: en.into(),
            cause: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!(
                "Сервер не зрозумів запит: {detail}. Оновіть програму або повідомте підтримку."
            ),
            format!(
                "The server could not read the request: {detail}. Update the app or tell support."
            ),
        )
    }

    pub fn validation(uk: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            uk,
            en,
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "Сеанс завершився або ви не ввійшли. Увійдіть ще раз.",
            "Your session has ended or you are not signed in. Sign in again.",
        )
    }

    pub fn invalid_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "Неправильна пошта або пароль. Перевірте розкладку й Caps Lock і спробуйте ще раз.",
            "Wrong email or password. Check the keyboard layout and Caps Lock, then try again.",
        )
    }

    /// Sign-in refused for a while after too many failures: `secs` until it is allowed again.
    pub fn too_many_attempts(secs: u64) -> Self {
        let minutes = secs.div_ceil(60).max(1);
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyAttempts,
            format!(
                "Забагато невдалих спроб входу. Спробуйте знову через {minutes} хв. Якщо забули пароль, зверніться до служби підтримки."
            ),
            format!(
                "Too many failed sign-in attempts. Try again in {minutes} min. If you forgot the password, contact support."
            ),
        );
        e.retry_after = Some(secs);
        e
    }

    pub fn forbidden(uk: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, uk, en)
    }

    pub fn staff_only() -> Self {
        Self::forbidden(
            "Це може зробити лише спеціаліст підтримки.",
            "Only a support specialist can do this.",
        )
    }

    pub fn not_found(what_uk: &str, what_en: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!(
                "{what_uk} не знайдено. Можливо, його видалили або у вас немає до нього доступу."
            ),
            format!("{what_en} not found. It may have been removed, or you have no access to it."),
        )
    }

    pub fn ticket_not_found() -> Self {
        Self::not_found("Звернення", "Ticket")
    }

    pub fn unknown_topic(id: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownTopic,
            format!("Тема «{id}» більше не існує. Оберіть тему зі списку ще раз."),
            format!("The topic “{id}” no longer exists. Choose a topic from the list again."),
        )
    }

    pub fn id_conflict() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::IdConflict,
            "Цей ідентифікатор уже використано для іншого запису. Створіть запис заново.",
            "This id is already used for something else. Create the item again.",
        )
    }

    pub fn ticket_closed() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::TicketClosed,
            "Звернення закрите й не приймає нових повідомлень. Створіть нове звернення.",
            "This ticket is closed and takes no more messages. Create a new ticket.",
        )
    }

    pub fn invalid_transition(from: TicketStatus, to: TicketStatus) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::InvalidTransition,
            format!(
                "Не можна змінити стан звернення з «{}» на «{}».",
                status_uk(from),
                status_uk(to)
            ),
            format!(
                "A ticket cannot go from “{}” to “{}”.",
                from.as_str(),
                to.as_str()
            ),
        )
    }

    pub fn attachment_unavailable() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::AttachmentUnavailable,
            "Один із файлів недоступний: його не завантажено або він уже доданий до іншого повідомлення. Додайте файл ще раз.",
            "One of the files is unavailable: it was not uploaded or is already part of another message. Attach the file again.",
        )
    }

    pub fn payload_too_large(limit: u64) -> Self {
        let (uk, en) = size_text(limit);
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!(
                "Файл завеликий: можна щонайбільше {uk}. Стисніть його або надішліть частинами."
            ),
            format!("The file is too large: at most {en}. Compress it or send it in parts."),
        )
    }

    pub fn upload_incomplete() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UploadIncomplete,
            "Файл передано не повністю: зв'язок обірвався. Додайте файл ще раз.",
            "The file did not arrive whole: the connection broke. Attach it again.",
        )
    }

    pub fn invalid_invitation() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidInvitation,
            "Код запрошення неправильний, уже використаний або прострочений. Попросіть адміністратора видати новий.",
            "The invitation code is wrong, used or expired. Ask your administrator for a new one.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "Сервер зараз перевантажений або перезапускається. Спробуйте за хвилину.",
            "The server is busy or restarting. Try again in a minute.",
        )
    }

    /// An unexpected failure: logged with its cause, answered without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "На сервері сталася помилка. Спробуйте ще раз; якщо повториться, повідомте підтримку.",
            "Something went wrong on the server. Try again; if it happens again, tell support.",
        );
        e.cause = Some(cause.to_string());
        e
    }
}

/// A byte count as people read it, in Ukrainian and English: in the largest unit it reaches, so a
/// limit under 1 MiB does not read "0 MiB"; rounded down to one decimal, so a limit is never
/// stated larger than it is.
pub fn size_text(bytes: u64) -> (String, String) {
    const UNITS: [(u64, &str, &str); 3] = [
        (1 << 30, "ГБ", "GiB"),
        (1 << 20, "МБ", "MiB"),
        (1 << 10, "КБ", "KiB"),
    ];
    for (unit, uk, en) in UNITS {
        if bytes >= unit {
            let tenths = u128::from(bytes) * 10 / u128::from(unit);
            let (whole, frac) = (tenths / 10, tenths % 10);
            return if frac == 0 {
                (format!("{whole} {uk}"), format!("{whole} {en}"))
            } else {
                (
                    format!("{whole},{frac} {uk}"),
                    format!("{whole}.{frac} {en}"),
                )
            };
        }
    }
    (format!("{bytes} байт"), format!("{bytes} bytes"))
}

pub fn status_uk(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::New => "нове",
        TicketStatus::InProgress => "в роботі",
        TicketStatus::WaitingForCustomer => "чекає на вашу відповідь",
        TicketStatus::Resolved => "вирішене",
        TicketStatus::Closed => "закрите",
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                let mut err = Self::unavailable();
                err.cause = Some(e.to_string());
                err
            }
            _ => Self::internal(e),
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.uk.to_string(),
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res.extensions_mut().insert(LocalizedError {
            code: self.code,
            uk: self.uk,
            en: self.en,
            cause: self.cause,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_right_and_never_overstate() {
        let s = |n: u64| size_text(n).1;
        assert_eq!(s(200 * 1024 * 1024), "200 MiB");
        assert_eq!(s(1024 * 1024), "1 MiB");
        assert_eq!(s(100 * 1024), "100 KiB");
        assert_eq!(s(3 * 512 * 1024), "1.5 MiB");
        assert_eq!(s(200 * 1024 * 1024 - 1), "199.9 MiB");
        assert_eq!(s(512), "512 bytes");
        assert_eq!(s(u64::MAX), "17179869183.9 GiB");
        assert_eq!(size_text(3 * 512 * 1024).0, "1,5 МБ");
    }
}
