//! The Bot API objects Desk reads and the requests it sends, named as in the Bot API reference.
//! Answers are read tolerantly: unknown fields are ignored and most fields are optional, so a
//! newer Bot API does not break an older Desk.

use serde::{Deserialize, Serialize};

/// One incoming event (`getUpdates` or a webhook call). Exactly one of the optional fields is
/// set; a kind Desk does not read leaves them all `None`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<Message>,
    pub edited_message: Option<Message>,
    pub callback_query: Option<CallbackQuery>,
    /// The bot's own membership changed: added to a group, removed, blocked by a user.
    pub my_chat_member: Option<ChatMemberUpdated>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    /// IETF tag of the user's Telegram client language (`uk`, `en`…).
    pub language_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatType {
    Private,
    Group,
    Supergroup,
    Channel,
    #[serde(other)]
    Other,
}

impl ChatType {
    /// Groups and supergroups: many people, slower pacing, the bot answers only when addressed.
    pub fn is_group(self) -> bool {
        matches!(self, ChatType::Group | ChatType::Supergroup)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: ChatType,
    pub title: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    pub message_id: i64,
    pub from: Option<User>,
    pub chat: Chat,
    /// Unix time.
    #[serde(default)]
    pub date: i64,
    pub edit_date: Option<i64>,
    pub reply_to_message: Option<Box<Message>>,
    pub media_group_id: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub entities: Vec<MessageEntity>,
    pub caption: Option<String>,
    /// The sizes Telegram made of one photo, smallest first.
    #[serde(default)]
    pub photo: Vec<PhotoSize>,
    pub document: Option<Document>,
    pub video: Option<Video>,
    pub voice: Option<Voice>,
    pub reply_markup: Option<InlineKeyboardMarkup>,
}

impl Message {
    /// The text, or the caption of a photo or file.
    pub fn text_or_caption(&self) -> Option<&str> {
        self.text.as_deref().or(self.caption.as_deref())
    }

    /// The largest size of an attached photo.
    pub fn largest_photo(&self) -> Option<&PhotoSize> {
        self.photo
            .iter()
            .max_by_key(|p| (p.width as u64) * (p.height as u64))
    }

    /// A leading `/command` (with any `@botname` suffix removed) and the rest of the text.
    pub fn command(&self) -> Option<(&str, &str)> {
        let text = self.text.as_deref()?;
        let rest = text.strip_prefix('/')?;
        let (word, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = word.split_once('@').map_or(word, |(n, _)| n);
        (!name.is_empty()).then_some((name, args.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageEntity {
    #[serde(rename = "type")]
    pub kind: String,
    /// In UTF-16 code units.
    pub offset: u32,
    pub length: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PhotoSize {
    pub file_id: String,
    pub file_unique_id: String,
    pub width: u32,
    pub height: u32,
    pub file_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Document {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub file_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Video {
    pub file_id: String,
    pub file_unique_id: String,
    #[serde(default)]
    pub width: u32,
    #[serde(default)]
    pub height: u32,
    #[serde(default)]
    pub duration: u32,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    pub file_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Voice {
    pub file_id: String,
    pub file_unique_id: String,
    #[serde(default)]
    pub duration: u32,
    pub mime_type: Option<String>,
    pub file_size: Option<u64>,
}

/// `getFile`'s answer: where to download the file from (valid for at least an hour).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct File {
    pub file_id: String,
    pub file_unique_id: String,
    pub file_size: Option<u64>,
    pub file_path: Option<String>,
}

/// A press on an inline keyboard button.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CallbackQuery {
    pub id: String,
    pub from: User,
    /// The message with the keyboard (absent for inline-mode messages; for a message too old
    /// to be read, only its chat and id are meaningful).
    pub message: Option<Message>,
    #[serde(default)]
    pub chat_instance: String,
    pub data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatMemberUpdated {
    pub chat: Chat,
    pub from: User,
    #[serde(default)]
    pub date: i64,
    pub old_chat_member: ChatMember,
    pub new_chat_member: ChatMember,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatMember {
    /// `creator`, `administrator`, `member`, `restricted`, `left` or `kicked`.
    pub status: String,
    pub user: User,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineKeyboardMarkup {
    pub inline_keyboard: Vec<Vec<InlineKeyboardButton>>,
}

impl InlineKeyboardMarkup {
    /// One button per row, each sending its `callback_data`.
    pub fn column<'a>(buttons: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            inline_keyboard: buttons
                .into_iter()
                .map(|(text, data)| vec![InlineKeyboardButton::callback(text, data)])
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineKeyboardButton {
    pub text: String,
    /// Sent back in a [`CallbackQuery`]; 1–64 bytes.
    pub callback_data: Option<String>,
    pub url: Option<String>,
}

impl InlineKeyboardButton {
    pub fn callback(text: &str, data: &str) -> Self {
        Self {
            text: text.to_owned(),
            callback_data: Some(data.to_owned()),
            url: None,
        }
    }

    pub fn url(text: &str, url: &str) -> Self {
        Self {
            text: text.to_owned(),
            callback_data: None,
            url: Some(url.to_owned()),
        }
    }
}

/// How the text of a message or caption is marked up. Desk always sends HTML (see [`crate::html`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParseMode {
    #[serde(rename = "HTML")]
    Html,
}

/// `getUpdates`: long polling.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GetUpdates {
    /// The first update wanted: one more than the last one handled. Asking with it confirms
    /// (and lets Telegram forget) every update before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// 1–100; Telegram's default is 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Seconds to hold the request open while there is nothing (0 = short poll).
    pub timeout: u32,
    /// Kinds wanted (`message`, `edited_message`, `callback_query`, `my_chat_member`); empty
    /// keeps the previous setting.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_updates: Vec<String>,
}

/// `sendMessage`. Readable back too: the bridge keeps queued requests as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    pub chat_id: i64,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<ParseMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to_message_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<InlineKeyboardMarkup>,
    /// Links in Desk's messages point into the app; previews would only add noise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_web_page_preview: bool,
}

impl SendMessage {
    /// A message in HTML parse mode; `html` must already be escaped (see [`crate::html`]).
    pub fn html(chat_id: i64, html: impl Into<String>) -> Self {
        Self {
            chat_id,
            text: html.into(),
            parse_mode: Some(ParseMode::Html),
            reply_to_message_id: None,
            reply_markup: None,
            disable_web_page_preview: true,
        }
    }

    pub fn reply_to(mut self, message_id: i64) -> Self {
        self.reply_to_message_id = Some(message_id);
        self
    }

    pub fn keyboard(mut self, markup: InlineKeyboardMarkup) -> Self {
        self.reply_markup = Some(markup);
        self
    }
}

/// `sendPhoto` / `sendDocument`: everything but the file itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendMedia {
    pub chat_id: i64,
    /// Up to 1,024 characters; HTML when `parse_mode` is set.
    pub caption: Option<String>,
    pub parse_mode: Option<ParseMode>,
    pub reply_to_message_id: Option<i64>,
    pub reply_markup: Option<InlineKeyboardMarkup>,
}

impl SendMedia {
    pub fn to(chat_id: i64) -> Self {
        Self {
            chat_id,
            ..Self::default()
        }
    }

    /// An HTML caption; `html` must already be escaped.
    pub fn caption_html(mut self, html: impl Into<String>) -> Self {
        self.caption = Some(html.into());
        self.parse_mode = Some(ParseMode::Html);
        self
    }

    pub fn reply_to(mut self, message_id: i64) -> Self {
        self.reply_to_message_id = Some(message_id);
        self
    }
}

/// `answerCallbackQuery`: stops the button's spinner, optionally with a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCallbackQuery {
    pub callback_query_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub show_alert: bool,
}

/// `editMessageText` of a message the bot sent. Readable back too: it may wait in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMessageText {
    pub chat_id: i64,
    pub message_id: i64,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<ParseMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<InlineKeyboardMarkup>,
}

/// `editMessageReplyMarkup`: a new keyboard, or `None` to remove it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditMessageReplyMarkup {
    pub chat_id: i64,
    pub message_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<InlineKeyboardMarkup>,
}

/// `setWebhook`. Not `Debug`: it carries the secret Telegram puts in every call's
/// `X-Telegram-Bot-Api-Secret-Token` header.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct SetWebhook {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_token: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_updates: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drop_pending_updates: bool,
    /// Connections Telegram may open at once (1–100; Telegram's default is 40).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
}

/// `getWebhookInfo`'s answer: where Telegram posts, and how that goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookInfo {
    /// Empty when no webhook is set.
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub pending_update_count: u64,
    /// Unix time of the last failed delivery.
    #[serde(default)]
    pub last_error_date: Option<i64>,
    #[serde(default)]
    pub last_error_message: Option<String>,
    #[serde(default)]
    pub max_connections: Option<u32>,
}

impl std::fmt::Debug for SetWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetWebhook")
            .field("url", &self.url)
            .field(
                "secret_token",
                &self.secret_token.as_ref().map(|_| "<redacted>"),
            )
            .field("allowed_updates", &self.allowed_updates)
            .field("drop_pending_updates", &self.drop_pending_updates)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_kinds_are_tolerated() {
        let u: Update = serde_json::from_value(serde_json::json!({
            "update_id": 7,
            "message": {
                "message_id": 3, "date": 1, "chat": {"id": -100, "type": "supergroup", "title": "Зміна"},
                "from": {"id": 5, "is_bot": false, "first_name": "Оля", "new_field": 1},
                "text": "/tickets@desk_bot 12", "story": {"id": 1}
            },
            "message_reaction": {"x": 1}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let m = u.message.unwrap_or_else(|| panic!("message"));
        assert!(m.chat.kind.is_group());
        assert_eq!(m.command(), Some(("tickets", "12")));
        let other: Chat = serde_json::from_value(serde_json::json!({"id": 1, "type": "forum"}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(other.kind, ChatType::Other);
    }

    #[test]
    fn requests_leave_out_what_is_not_set() {
        let v = serde_json::to_value(SendMessage::html(5, "<b>x</b>").reply_to(9))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v,
            serde_json::json!({"chat_id": 5, "text": "<b>x</b>", "parse_mode": "HTML",
                "reply_to_message_id": 9, "disable_web_page_preview": true})
        );
        let w = SetWebhook {
            url: "https://desk.example.com/tg".into(),
            secret_token: Some("s3cret".into()),
            allowed_updates: vec![],
            drop_pending_updates: false,
            max_connections: Some(1),
        };
        assert!(!format!("{w:?}").contains("s3cret"));
    }
}
