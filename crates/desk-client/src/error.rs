//! `Error`: what the core tells the shell, as `{code, message}`. The message is in the user's
//! language and says what happened and what to do; the code is stable for the UI to switch on.

use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, thiserror::Error, Serialize, PartialEq, Eq, ts_rs::TS)]
#[error("{message}")]
pub struct Error {
    /// The server's code (`validation_failed`, `invalid_credentials`, …) or one of the core's:
    /// `offline`, `not_signed_in`, `file_unreadable`, `file_too_large`, `storage`, `not_found`.
    pub code: String,
    pub message: String,
}

/// The language errors are written in; set once from the account's or the app's locale.
static LANG_EN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_language(lang: &str) {
    LANG_EN.store(lang.starts_with("en"), std::sync::atomic::Ordering::Relaxed);
}

fn t(uk: String, en: String) -> String {
    if LANG_EN.load(std::sync::atomic::Ordering::Relaxed) {
        en
    } else {
        uk
    }
}

impl Error {
    pub fn new(code: &str, message: String) -> Self {
        Self {
            code: code.to_owned(),
            message,
        }
    }

    pub fn offline() -> Self {
        Self::new(
            "offline",
            t(
                "Немає зв'язку із сервером підтримки. Перевірте інтернет; усе, що ви напишете, надішлеться, щойно зв'язок з'явиться.".into(),
                "The support server cannot be reached. Check the internet connection; what you write will be sent once it is back.".into(),
            ),
        )
    }

    pub fn not_signed_in() -> Self {
        Self::new(
            "not_signed_in",
            t(
                "Ви не ввійшли або сеанс завершився. Увійдіть ще раз.".into(),
                "You are not signed in or the session ended. Sign in again.".into(),
            ),
        )
    }

    pub fn not_found(what_uk: &str, what_en: &str) -> Self {
        Self::new(
            "not_found",
            t(
                format!("{what_uk} не знайдено."),
                format!("{what_en} not found."),
            ),
        )
    }

    pub fn file_unreadable(path: &Path, e: &std::io::Error) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::new(
            "file_unreadable",
            t(
                format!(
                    "Не вдалося прочитати файл «{name}» ({e}). Перевірте, чи він існує і чи не відкритий в іншій програмі."
                ),
                format!(
                    "Could not read the file “{name}” ({e}). Check that it exists and is not locked by another program."
                ),
            ),
        )
    }

    pub fn file_too_large(path: &Path, size: u64, max: u64) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mib = |b: u64| b as f64 / 1_048_576.0;
        Self::new(
            "file_too_large",
            t(
                format!(
                    "Файл «{name}» завеликий: {:.1} МБ, можна до {:.0} МБ. Стисніть його або надішліть частинами.",
                    mib(size),
                    mib(max)
                ),
                format!(
                    "The file “{name}” is too large: {:.1} MiB, at most {:.0} MiB. Compress it or send it in parts.",
                    mib(size),
                    mib(max)
                ),
            ),
        )
    }

    pub fn storage(e: impl std::fmt::Display) -> Self {
        Self::new(
            "storage",
            t(
                format!("Не вдалося записати дані на диск ({e}). Перевірте, чи є вільне місце."),
                format!("Could not write to disk ({e}). Check that there is free space."),
            ),
        )
    }

    /// A link could not be handed to the system's browser (none is set up, or it refused).
    pub fn cannot_open_link(e: impl std::fmt::Display) -> Self {
        Self::new(
            "cannot_open_link",
            t(
                format!(
                    "Не вдалося відкрити посилання в браузері ({e}). Скопіюйте його й відкрийте вручну або відскануйте QR-код телефоном."
                ),
                format!(
                    "Could not open the link in a browser ({e}). Copy it and open it yourself, or scan the QR code with a phone."
                ),
            ),
        )
    }

    pub fn invalid(uk: &str, en: &str) -> Self {
        Self::new("validation_failed", t(uk.into(), en.into()))
    }

    /// The server's answer could not be read (`detail` says how): the app is older than the
    /// server.
    pub(crate) fn unreadable_answer(detail: &str) -> Self {
        Self::new(
            "internal",
            t(
                format!("Сервер відповів незрозуміло ({detail}). Оновіть програму."),
                format!("The server's answer could not be read ({detail}). Update the app."),
            ),
        )
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Self::storage(e)
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::storage(e)
    }
}
