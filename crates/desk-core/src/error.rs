//! [`Error`]: every way a use case can fail, as a stable [`ErrorCode`] with a message a person
//! can act on, in Ukrainian and English. No transport here: the HTTP edge maps the code to a
//! status and picks the language; the Telegram bridge writes the message to a chat.

use std::borrow::Cow;

use desk_domain::{ErrorCode, TicketStatus};

type Text = Cow<'static, str>;

#[derive(Debug, Clone)]
pub struct Error {
    pub code: ErrorCode,
    pub uk: Text,
    pub en: Text,
    /// For the log only, never sent.
    pub cause: Option<String>,
    /// Seconds to send as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl Error {
    pub fn new(code: ErrorCode, uk: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self {
            code,
            uk: uk.into(),
            en: en.into(),
            cause: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl std::fmt::Display) -> Self {
        Self::new(
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
        Self::new(ErrorCode::ValidationFailed, uk, en)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "Сеанс завершився або ви не ввійшли. Увійдіть ще раз.",
            "Your session has ended or you are not signed in. Sign in again.",
        )
    }

    pub fn invalid_credentials() -> Self {
        Self::new(
            ErrorCode::InvalidCredentials,
            "Неправильна пошта або пароль. Перевірте розкладку й Caps Lock і спробуйте ще раз.",
            "Wrong email or password. Check the keyboard layout and Caps Lock, then try again.",
        )
    }

    /// Sign-in refused for a while after too many failures: `secs` until it is allowed again.
    pub fn too_many_attempts(secs: u64) -> Self {
        let minutes = secs.div_ceil(60).max(1);
        let mut e = Self::new(
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
        Self::new(ErrorCode::Forbidden, uk, en)
    }

    pub fn staff_only() -> Self {
        Self::forbidden(
            "Це може зробити лише спеціаліст підтримки.",
            "Only a support specialist can do this.",
        )
    }

    pub fn not_found(what_uk: &str, what_en: &str) -> Self {
        Self::new(
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
            ErrorCode::UnknownTopic,
            format!("Тема «{id}» більше не існує. Оберіть тему зі списку ще раз."),
            format!("The topic “{id}” no longer exists. Choose a topic from the list again."),
        )
    }

    pub fn id_conflict() -> Self {
        Self::new(
            ErrorCode::IdConflict,
            "Цей ідентифікатор уже використано для іншого запису. Створіть запис заново.",
            "This id is already used for something else. Create the item again.",
        )
    }

    pub fn ticket_closed() -> Self {
        Self::new(
            ErrorCode::TicketClosed,
            "Звернення закрите й не приймає нових повідомлень. Створіть нове звернення.",
            "This ticket is closed and takes no more messages. Create a new ticket.",
        )
    }

    pub fn invalid_transition(from: TicketStatus, to: TicketStatus) -> Self {
        Self::new(
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
            ErrorCode::AttachmentUnavailable,
            "Один із файлів недоступний: його не завантажено або він уже доданий до іншого повідомлення. Додайте файл ще раз.",
            "One of the files is unavailable: it was not uploaded or is already part of another message. Attach the file again.",
        )
    }

    pub fn payload_too_large(limit: u64) -> Self {
        let (uk, en) = size_text(limit);
        Self::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "Файл завеликий: можна щонайбільше {uk}. Стисніть його або надішліть частинами."
            ),
            format!("The file is too large: at most {en}. Compress it or send it in parts."),
        )
    }

    pub fn upload_incomplete() -> Self {
        Self::new(
            ErrorCode::UploadIncomplete,
            "Файл передано не повністю: зв'язок обірвався. Додайте файл ще раз.",
            "The file did not arrive whole: the connection broke. Attach it again.",
        )
    }

    pub fn invalid_invitation() -> Self {
        Self::new(
            ErrorCode::InvalidInvitation,
            "Код запрошення неправильний, уже використаний або прострочений. Попросіть адміністратора видати новий.",
            "The invitation code is wrong, used or expired. Ask your administrator for a new one.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "Сервер зараз перевантажений або перезапускається. Спробуйте за хвилину.",
            "The server is busy or restarting. Try again in a minute.",
        )
    }

    /// An unexpected failure: logged with its cause, answered without it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            ErrorCode::Internal,
            "На сервері сталася помилка. Спробуйте ще раз; якщо повториться, повідомте підтримку.",
            "Something went wrong on the server. Try again; if it happens again, tell support.",
        );
        e.cause = Some(cause.to_string());
        e
    }
}

impl From<desk_domain::rules::StatusRefusal> for Error {
    fn from(r: desk_domain::rules::StatusRefusal) -> Self {
        match r {
            desk_domain::rules::StatusRefusal::Closed => Self::ticket_closed(),
            desk_domain::rules::StatusRefusal::NotAllowed { from, to } => {
                Self::invalid_transition(from, to)
            }
        }
    }
}

impl Error {
    pub fn incident_not_found() -> Self {
        Self::not_found("Інцидент", "Incident")
    }

    /// A change to an incident that is no longer open (`status` as stored).
    pub fn incident_not_open(merged: bool) -> Self {
        let (uk, en) = if merged {
            (
                "Цей інцидент об'єднано з іншим. Працюйте з тим, куди його об'єднано.",
                "This incident was merged into another. Work on that one.",
            )
        } else {
            (
                "Цей інцидент уже вирішено.",
                "This incident is already resolved.",
            )
        };
        Self::new(ErrorCode::InvalidTransition, uk, en)
    }

    /// Something with this unique name (an organisation, a user's email) already exists.
    pub fn already_exists(uk: impl Into<Text>, en: impl Into<Text>) -> Self {
        Self::new(ErrorCode::IdConflict, uk, en)
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

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::internal(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.en)?;
        if let Some(cause) = &self.cause {
            write!(f, " ({cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// What every use case and storage call answers.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
