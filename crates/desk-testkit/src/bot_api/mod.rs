//! A stand-in for the Telegram Bot API on 127.0.0.1:0: the one test double Desk allows, since
//! the real Bot API cannot be reached from test machines. It speaks the real protocol (HTTP,
//! `/bot<token>/<method>` with JSON, query or multipart parameters, the `{ok, result}` /
//! `{ok, error_code, description, parameters}` envelope, `/file/bot<token>/<path>` downloads)
//! for any number of bots, and builds its JSON by hand from the Bot API reference rather than
//! from desk-telegram's types, so a wrong field name in the client shows up as a failing test.
//!
//! A test pushes updates (text, replies, photos and documents with files it serves, callback
//! queries, group messages, edits), reads back everything the bots sent in order, and injects
//! faults per method and chat: 429 with `retry_after`, 403, 5xx, slow answers, and a connection
//! dropped in the middle of an answer. With a webhook set, updates are posted to it instead
//! (`webhook.rs`) and `getUpdates` answers 409, as the real one does.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use serde_json::{Value, json};

mod html;
mod http;
mod methods;
mod multipart;
mod types;
mod webhook;

pub use types::*;

/// Telegram's limits that the stand-in enforces like the real one.
pub const MESSAGE_LIMIT: usize = 4096;
pub const CAPTION_LIMIT: usize = 1024;
/// Largest file a bot may download with `getFile`.
pub const DOWNLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// Largest file a bot may upload.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

struct StoredFile {
    unique_id: String,
    path: String,
    bytes: Bytes,
}

struct BotRec {
    id: i64,
    username: String,
    first_name: String,
    /// Updates not yet confirmed by an offset past them.
    updates: VecDeque<Value>,
    next_update_id: i64,
    confirmed_offset: i64,
    webhook: Option<Webhook>,
    /// Updates whose webhook delivery failed: when each may be tried again, and the wait after.
    retry: HashMap<i64, (tokio::time::Instant, Duration)>,
    /// The last failed delivery (unix time, what went wrong), for `getWebhookInfo`.
    last_webhook_error: Option<(i64, String)>,
    /// Every message in its chats, by (chat, message id), for `reply_to_message` and edits.
    messages: HashMap<(i64, i64), Value>,
    next_message_id: HashMap<i64, i64>,
    chats: HashMap<i64, Value>,
    open_callbacks: HashSet<String>,
}

impl BotRec {
    fn user_json(&self) -> Value {
        json!({"id": self.id, "is_bot": true, "first_name": self.first_name, "username": self.username})
    }

    fn take_message_id(&mut self, chat: i64) -> i64 {
        let n = self.next_message_id.entry(chat).or_insert(1);
        let id = *n;
        *n += 1;
        id
    }

    fn chat_json(&self, chat: i64) -> Value {
        self.chats.get(&chat).cloned().unwrap_or_else(|| {
            if chat > 0 {
                json!({"id": chat, "type": "private", "first_name": "?"})
            } else {
                json!({"id": chat, "type": "group", "title": "?"})
            }
        })
    }
}

#[derive(Default)]
struct Inner {
    bots: HashMap<String, BotRec>,
    next_bot_id: i64,
    faults: Vec<Fault>,
    sent: Vec<Sent>,
    edits: Vec<Edit>,
    answers: Vec<CallbackAnswer>,
    calls: Vec<Call>,
    deliveries: Vec<Delivery>,
    files: HashMap<String, StoredFile>,
    next_file: u64,
}

impl Inner {
    /// Keeps a file for `getFile` and download; answers its file id and unique id.
    fn store_file(&mut self, dir: &str, ext: &str, bytes: Bytes) -> (String, String) {
        self.next_file += 1;
        let n = self.next_file;
        let file_id = format!("BQACAgIAAxk-file-{n}");
        let unique_id = format!("AgAD{n}");
        let path = format!("{dir}/file_{n}.{ext}");
        self.files.insert(
            file_id.clone(),
            StoredFile {
                unique_id: unique_id.clone(),
                path,
                bytes,
            },
        );
        (file_id, unique_id)
    }
}

struct Shared {
    inner: Mutex<Inner>,
    /// Woken on every pushed update and every sent message.
    changed: tokio::sync::Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock has failed already; its data is still
        // what the next assertion should see.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The running stand-in. Stops when dropped.
pub struct BotApi {
    /// Its base URL, to put in `telegram.api_url`.
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    /// Posts updates to the bots' webhooks.
    deliverer: tokio::task::JoinHandle<()>,
}

impl Drop for BotApi {
    fn drop(&mut self) {
        self.task.abort();
        self.deliverer.abort();
    }
}

impl BotApi {
    pub async fn start() -> anyhow::Result<Self> {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                next_bot_id: 7_000_000_001,
                ..Inner::default()
            }),
            changed: tokio::sync::Notify::new(),
        });
        let app = axum::Router::new()
            .fallback(http::handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let deliverer = tokio::spawn(webhook::deliver(shared.clone()));
        Ok(Self {
            url,
            shared,
            task,
            deliverer,
        })
    }

    /// Registers a bot and answers its token.
    pub fn add_bot(&self, username: &str) -> String {
        let mut s = self.shared.lock();
        let id = s.next_bot_id;
        s.next_bot_id += 1;
        let token = format!("{id}:AAtest-{username}-secret_{id}");
        s.bots.insert(
            token.clone(),
            BotRec {
                id,
                username: username.to_owned(),
                first_name: username.replace('_', " "),
                updates: VecDeque::new(),
                next_update_id: 100_000_001,
                confirmed_offset: 0,
                webhook: None,
                retry: HashMap::new(),
                last_webhook_error: None,
                messages: HashMap::new(),
                next_message_id: HashMap::new(),
                chats: HashMap::new(),
                open_callbacks: HashSet::new(),
            },
        );
        token
    }

    /// A token that has a bot's shape but no bot (the Bot API answers 401).
    pub fn revoked_token(&self) -> String {
        "6999999999:AArevoked-token".to_owned()
    }

    // ---- pushing updates ----

    /// Runs `f` on the bot `token` names; a test that pushes to a bot it never added is wrong.
    fn with_bot<R>(&self, token: &str, f: impl FnOnce(&mut BotRec) -> R) -> R {
        let mut s = self.shared.lock();
        match s.bots.get_mut(token) {
            Some(bot) => f(bot),
            None => panic!("no bot with that token: add it with BotApi::add_bot first"),
        }
    }

    /// Queues a raw update (its `update_id` is assigned here) and answers the id.
    pub fn push_update(&self, token: &str, mut update: Value) -> i64 {
        let id = self.with_bot(token, |bot| {
            let id = bot.next_update_id;
            bot.next_update_id += 1;
            update["update_id"] = json!(id);
            bot.updates.push_back(update);
            id
        });
        self.shared.changed.notify_waiters();
        id
    }

    /// A message from `from` in `chat`, built by `fill` on top of the common fields; answers
    /// its message id.
    fn push_message(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        fill: impl FnOnce(&mut Value, &mut BotRec),
    ) -> i64 {
        let msg = self.with_bot(token, |bot| {
            bot.chats.insert(chat.id, chat.json.clone());
            let message_id = bot.take_message_id(chat.id);
            let mut msg = json!({
                "message_id": message_id,
                "from": from.json(),
                "chat": chat.json,
                "date": unix_now(),
            });
            fill(&mut msg, bot);
            bot.messages.insert((chat.id, message_id), msg.clone());
            msg
        });
        let id = msg["message_id"].as_i64().unwrap_or(0);
        self.push_update(token, json!({"message": msg}));
        id
    }

    /// A text message (a leading `/command` is marked as a `bot_command` entity, as Telegram
    /// does). In a group this is a group message.
    pub fn push_text(&self, token: &str, chat: &TgChat, from: &TgUser, text: &str) -> i64 {
        self.push_message(token, chat, from, |m, _| set_text(m, text))
    }

    /// A reply to message `reply_to` of that chat (usually one the bot sent).
    pub fn push_reply(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        reply_to: i64,
        text: &str,
    ) -> i64 {
        self.push_message(token, chat, from, |m, bot| {
            set_text(m, text);
            let original = bot.messages.get(&(chat.id, reply_to)).cloned();
            m["reply_to_message"] = original.unwrap_or_else(
                || json!({"message_id": reply_to, "chat": chat.json, "date": unix_now()}),
            );
        })
    }

    /// A photo (served for `getFile`); answers the message id and the file id of its largest
    /// size.
    pub fn push_photo(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        bytes: Vec<u8>,
        caption: Option<&str>,
    ) -> (i64, String) {
        let len = bytes.len();
        let small = self.add_file("photos", "jpg", bytes[..len.min(64)].to_vec());
        let large = self.add_file("photos", "jpg", bytes);
        let file_id = large.0.clone();
        let id = self.push_message(token, chat, from, |m, _| {
            m["photo"] = json!([
                {"file_id": small.0, "file_unique_id": small.1, "width": 90, "height": 67, "file_size": len.min(64)},
                {"file_id": large.0, "file_unique_id": large.1, "width": 1280, "height": 960, "file_size": len},
            ]);
            set_caption(m, caption);
        });
        (id, file_id)
    }

    /// An album: one message per photo sharing a `media_group_id`, the caption on the first,
    /// as Telegram sends them; answers the message ids.
    pub fn push_album(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        photos: Vec<Vec<u8>>,
        caption: Option<&str>,
    ) -> Vec<i64> {
        let group = format!("album{}", self.shared.lock().next_file + 1);
        photos
            .into_iter()
            .enumerate()
            .map(|(i, bytes)| {
                let len = bytes.len();
                let (file_id, unique) = self.add_file("photos", "jpg", bytes);
                let group = group.clone();
                self.push_message(token, chat, from, |m, _| {
                    m["photo"] = json!([{"file_id": file_id, "file_unique_id": unique,
                        "width": 1280, "height": 960, "file_size": len}]);
                    m["media_group_id"] = json!(group);
                    set_caption(m, caption.filter(|_| i == 0));
                })
            })
            .collect()
    }

    /// A photo sent as a reply to message `reply_to` (usually one the bot sent); answers the
    /// message id.
    pub fn push_photo_reply(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        reply_to: i64,
        bytes: Vec<u8>,
        caption: Option<&str>,
    ) -> i64 {
        let len = bytes.len();
        let (file_id, unique) = self.add_file("photos", "jpg", bytes);
        self.push_message(token, chat, from, |m, bot| {
            m["photo"] = json!([{"file_id": file_id, "file_unique_id": unique,
                "width": 1280, "height": 960, "file_size": len}]);
            set_caption(m, caption);
            set_reply_to(m, bot, chat, reply_to);
        })
    }

    /// A voice note (served for `getFile`, OGG/Opus as Telegram records them), as a reply to
    /// message `reply_to`; answers the message id.
    pub fn push_voice_reply(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        reply_to: i64,
        bytes: Vec<u8>,
    ) -> i64 {
        let len = bytes.len();
        let (file_id, unique) = self.add_file("voice", "oga", bytes);
        self.push_message(token, chat, from, |m, bot| {
            m["voice"] = json!({"file_id": file_id, "file_unique_id": unique, "duration": 3,
                "mime_type": "audio/ogg", "file_size": len});
            set_reply_to(m, bot, chat, reply_to);
        })
    }

    /// A document as a reply to message `reply_to`; answers the message id.
    pub fn push_document_reply(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        reply_to: i64,
        document: TgDocument<'_>,
        caption: Option<&str>,
    ) -> i64 {
        let TgDocument {
            file_name,
            mime_type,
            bytes,
        } = document;
        let len = bytes.len();
        let ext = file_name.rsplit_once('.').map_or("bin", |(_, e)| e);
        let (file_id, unique) = self.add_file("documents", ext, bytes);
        self.push_message(token, chat, from, |m, bot| {
            m["document"] = json!({"file_id": file_id, "file_unique_id": unique,
                "file_name": file_name, "mime_type": mime_type, "file_size": len});
            set_caption(m, caption);
            set_reply_to(m, bot, chat, reply_to);
        })
    }

    /// A document (served for `getFile`); answers the message id and the file id.
    pub fn push_document(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        document: TgDocument<'_>,
        caption: Option<&str>,
    ) -> (i64, String) {
        let TgDocument {
            file_name,
            mime_type,
            bytes,
        } = document;
        let len = bytes.len();
        let ext = file_name.rsplit_once('.').map_or("bin", |(_, e)| e);
        let (file_id, unique) = self.add_file("documents", ext, bytes);
        let fid = file_id.clone();
        let id = self.push_message(token, chat, from, |m, _| {
            m["document"] = json!({"file_id": fid, "file_unique_id": unique,
                "file_name": file_name, "mime_type": mime_type, "file_size": len});
            set_caption(m, caption);
        });
        (id, file_id)
    }

    /// An edit of message `message_id` (an `edited_message` update with the new text).
    pub fn push_edit(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        message_id: i64,
        text: &str,
    ) {
        let msg = self.with_bot(token, |bot| {
            let mut msg = bot.messages.get(&(chat.id, message_id)).cloned().unwrap_or_else(
                || json!({"message_id": message_id, "from": from.json(), "chat": chat.json, "date": unix_now()}),
            );
            set_text(&mut msg, text);
            msg["edit_date"] = json!(unix_now());
            bot.messages.insert((chat.id, message_id), msg.clone());
            msg
        });
        self.push_update(token, json!({"edited_message": msg}));
    }

    /// A press on a button with `data` under message `message_id`; answers the query id.
    pub fn push_callback(
        &self,
        token: &str,
        chat: &TgChat,
        from: &TgUser,
        message_id: i64,
        data: &str,
    ) -> String {
        let query = self.with_bot(token, |bot| {
            let id = format!("{}{}", bot.id, bot.next_update_id);
            bot.open_callbacks.insert(id.clone());
            let message = bot
                .messages
                .get(&(chat.id, message_id))
                .cloned()
                .unwrap_or_else(|| json!({"message_id": message_id, "chat": chat.json, "date": 0}));
            json!({"id": id, "from": from.json(), "message": message,
                "chat_instance": format!("ci{}", chat.id), "data": data})
        });
        let id = query["id"].as_str().unwrap_or_default().to_owned();
        self.push_update(token, json!({"callback_query": query}));
        id
    }

    /// Stores a file for download; answers its file id and unique id.
    pub fn add_file(&self, dir: &str, ext: &str, bytes: Vec<u8>) -> (String, String) {
        self.shared.lock().store_file(dir, ext, Bytes::from(bytes))
    }

    // ---- faults ----

    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    // ---- what happened ----

    /// Every message the bots sent, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.lock().sent.clone()
    }

    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat_id == chat_id)
            .collect()
    }

    /// Waits until at least `n` messages were sent in all, and answers them.
    pub async fn wait_sent(&self, n: usize, timeout: Duration) -> anyhow::Result<Vec<Sent>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let sent = self.sent();
            if sent.len() >= n {
                return Ok(sent);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                anyhow::bail!("{} of {n} messages sent within {timeout:?}", sent.len());
            }
        }
    }

    pub fn edits(&self) -> Vec<Edit> {
        self.shared.lock().edits.clone()
    }

    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.shared.lock().answers.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    pub fn webhook(&self, token: &str) -> Option<Webhook> {
        self.shared
            .lock()
            .bots
            .get(token)
            .and_then(|b| b.webhook.clone())
    }

    /// Every webhook delivery so far, in order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
    }

    /// The offset the bot last confirmed with `getUpdates` (0 before any).
    pub fn confirmed_offset(&self, token: &str) -> i64 {
        self.shared
            .lock()
            .bots
            .get(token)
            .map_or(0, |b| b.confirmed_offset)
    }

    /// Updates not yet confirmed.
    pub fn pending_updates(&self, token: &str) -> usize {
        self.shared
            .lock()
            .bots
            .get(token)
            .map_or(0, |b| b.updates.len())
    }
}

fn set_text(m: &mut Value, text: &str) {
    m["text"] = json!(text);
    if let Some(rest) = text.strip_prefix('/') {
        let word = rest.split(char::is_whitespace).next().unwrap_or("");
        let length = 1 + word.encode_utf16().count();
        m["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
}

/// Marks `m` a reply to message `reply_to` of the chat, quoting it as Telegram does.
fn set_reply_to(m: &mut Value, bot: &BotRec, chat: &TgChat, reply_to: i64) {
    let original = bot.messages.get(&(chat.id, reply_to)).cloned();
    m["reply_to_message"] = original
        .unwrap_or_else(|| json!({"message_id": reply_to, "chat": chat.json, "date": unix_now()}));
}

fn set_caption(m: &mut Value, caption: Option<&str>) {
    if let Some(c) = caption {
        m["caption"] = json!(c);
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
