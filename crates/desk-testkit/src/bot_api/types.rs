//! What tests build (users, chats, faults) and read back (sent messages, edits, answers,
//! calls) from the stand-in.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A Telegram user who writes to the bots.
#[derive(Debug, Clone)]
pub struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl TgUser {
    pub fn new(id: i64, first_name: &str) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            username: None,
            language_code: Some("uk".into()),
        }
    }

    pub fn username(mut self, name: &str) -> Self {
        self.username = Some(name.to_owned());
        self
    }

    pub fn language(mut self, code: &str) -> Self {
        self.language_code = Some(code.to_owned());
        self
    }

    pub(super) fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        if let Some(l) = &self.language_code {
            v["language_code"] = json!(l);
        }
        v
    }
}

/// A chat: a user's private chat with a bot, or a group (negative id) the bot is in.
#[derive(Debug, Clone)]
pub struct TgChat {
    pub id: i64,
    pub(super) json: Value,
}

impl TgChat {
    pub fn private(user: &TgUser) -> Self {
        let mut json = json!({"id": user.id, "type": "private", "first_name": user.first_name});
        if let Some(u) = &user.username {
            json["username"] = json!(u);
        }
        Self { id: user.id, json }
    }

    /// A group; `id` should be negative, as Telegram's are.
    pub fn group(id: i64, title: &str) -> Self {
        Self {
            id,
            json: json!({"id": id, "type": "group", "title": title}),
        }
    }

    pub fn supergroup(id: i64, title: &str) -> Self {
        Self {
            id,
            json: json!({"id": id, "type": "supergroup", "title": title}),
        }
    }
}

/// A file a user sends as a document.
#[derive(Debug, Clone)]
pub struct TgDocument<'a> {
    pub file_name: &'a str,
    pub mime_type: &'a str,
    pub bytes: Vec<u8>,
}

/// A file a bot uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentFile {
    /// The form field: `photo` or `document`.
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One message a bot sent (`sendMessage`, `sendPhoto`, `sendDocument`), in the order received.
#[derive(Debug, Clone)]
pub struct Sent {
    pub seq: usize,
    /// The bot's username.
    pub bot: String,
    pub method: String,
    pub chat_id: i64,
    pub message_id: i64,
    pub text: Option<String>,
    pub caption: Option<String>,
    pub parse_mode: Option<String>,
    pub reply_to_message_id: Option<i64>,
    pub reply_markup: Option<Value>,
    pub file: Option<SentFile>,
    pub at: Instant,
}

/// An `editMessageText` or `editMessageReplyMarkup` that succeeded.
#[derive(Debug, Clone)]
pub struct Edit {
    pub bot: String,
    pub method: String,
    pub chat_id: i64,
    pub message_id: i64,
    pub text: Option<String>,
    pub reply_markup: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAnswer {
    pub bot: String,
    pub callback_query_id: String,
    pub text: Option<String>,
    pub show_alert: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret_token: Option<String>,
    pub allowed_updates: Vec<String>,
    pub max_connections: Option<i64>,
}

/// One POST of an update to a bot's webhook, and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The bot's username.
    pub bot: String,
    pub update_id: i64,
    /// The HTTP status answered; `None` when the connection failed.
    pub status: Option<u16>,
    /// The update as posted.
    pub update: Value,
}

/// Every request that reached a bot's endpoint, faults included.
#[derive(Debug, Clone)]
pub struct Call {
    pub bot: String,
    pub method: String,
    pub chat_id: Option<i64>,
    pub status: u16,
    pub at: Instant,
}

/// What a fault does to the request it catches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `parameters.retry_after`.
    RetryAfter(u64),
    /// 403 with this description (e.g. "Forbidden: bot was blocked by the user").
    Forbidden(String),
    /// This 5xx status.
    ServerError(u16),
    /// Answers normally, after this long.
    Slow(Duration),
    /// Sends the status line and part of the body, then closes the connection.
    DropConnection,
}

/// A fault for the requests it matches: a method (`download` for file downloads), a chat, or
/// every request; for a number of times or for ever.
#[derive(Debug, Clone)]
pub struct Fault {
    pub(super) method: Option<String>,
    pub(super) chat: Option<i64>,
    pub(super) kind: FaultKind,
    pub(super) times: Option<usize>,
}

impl Fault {
    pub fn new(kind: FaultKind) -> Self {
        Self {
            method: None,
            chat: None,
            kind,
            times: None,
        }
    }

    pub fn retry_after(secs: u64) -> Self {
        Self::new(FaultKind::RetryAfter(secs))
    }

    pub fn blocked() -> Self {
        Self::new(FaultKind::Forbidden(
            "Forbidden: bot was blocked by the user".into(),
        ))
    }

    pub fn server_error(status: u16) -> Self {
        Self::new(FaultKind::ServerError(status))
    }

    pub fn slow(by: Duration) -> Self {
        Self::new(FaultKind::Slow(by))
    }

    pub fn drop_connection() -> Self {
        Self::new(FaultKind::DropConnection)
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_lowercase());
        self
    }

    pub fn chat(mut self, chat_id: i64) -> Self {
        self.chat = Some(chat_id);
        self
    }

    /// Only the next `n` matching requests (default: all of them).
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
}
