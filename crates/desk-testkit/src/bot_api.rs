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
//! dropped in the middle of an answer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use self::html::check_html;

/// Telegram's limits that the stand-in enforces like the real one.
pub const MESSAGE_LIMIT: usize = 4096;
pub const CAPTION_LIMIT: usize = 1024;
/// Largest file a bot may download with `getFile`.
pub const DOWNLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// Largest file a bot may upload.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

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

    fn json(&self) -> Value {
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
    json: Value,
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
    method: Option<String>,
    chat: Option<i64>,
    kind: FaultKind,
    times: Option<usize>,
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
}

impl Drop for BotApi {
    fn drop(&mut self) {
        self.task.abort();
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
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, shared, task })
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

// ---- the HTTP side ----

fn answer(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn ok(result: Value) -> Response {
    answer(200, json!({"ok": true, "result": result}))
}

fn fail(code: u16, description: &str) -> Response {
    answer(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

fn bad(description: &str) -> Response {
    fail(400, &format!("Bad Request: {description}"))
}

/// The request's parameters, from the query string, a JSON, urlencoded or multipart body.
#[derive(Default)]
struct Params {
    fields: serde_json::Map<String, Value>,
    files: HashMap<String, SentFile>,
}

impl Params {
    fn str(&self, k: &str) -> Option<String> {
        match self.fields.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    fn i64(&self, k: &str) -> Option<i64> {
        match self.fields.get(k)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn bool(&self, k: &str) -> bool {
        match self.fields.get(k) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        }
    }

    /// A JSON-serialised parameter (`reply_markup`, `allowed_updates`): an object in a JSON
    /// body, a string of JSON in a form.
    fn json(&self, k: &str) -> Result<Option<Value>, String> {
        match self.fields.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| format!("can't parse {k} JSON object")),
            Some(v) => Ok(Some(v.clone())),
        }
    }
}

/// Errors are the description of a 400 answer.
fn parse_params(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Params, String> {
    let mut p = Params::default();
    if let Some(q) = uri.query() {
        for (k, v) in form_pairs(q) {
            p.fields.insert(k, Value::String(v));
        }
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if body.is_empty() {
        return Ok(p);
    }
    if ctype.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => p.fields.extend(m),
            _ => return Err("can't parse JSON".into()),
        }
    } else if ctype.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in form_pairs(&String::from_utf8_lossy(body)) {
            p.fields.insert(k, Value::String(v));
        }
    } else if let Some(b) = ctype.split("boundary=").nth(1) {
        multipart::parse(body, b.trim_matches('"'), &mut p)
            .map_err(|e| format!("can't parse multipart: {e}"))?;
    }
    Ok(p)
}

fn form_pairs(s: &str) -> Vec<(String, String)> {
    let decode = |x: &str| {
        percent_encoding::percent_decode_str(&x.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn token_shaped(token: &str) -> bool {
    token.split_once(':').is_some_and(|(id, rest)| {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
    })
}

/// The first fault matching this request, used up by one.
fn take_fault(s: &mut Inner, method: &str, chat: Option<i64>) -> Option<FaultKind> {
    let i = s.faults.iter().position(|f| {
        f.method.as_deref().is_none_or(|m| m == method) && f.chat.is_none_or(|c| Some(c) == chat)
    })?;
    let f = &mut s.faults[i];
    let kind = f.kind.clone();
    if let Some(t) = &mut f.times {
        *t -= 1;
        if *t == 0 {
            s.faults.remove(i);
        }
    }
    Some(kind)
}

fn fault_response(kind: &FaultKind) -> Option<Response> {
    match kind {
        FaultKind::RetryAfter(secs) => Some(answer(
            429,
            json!({"ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {secs}"),
                "parameters": {"retry_after": secs}}),
        )),
        FaultKind::Forbidden(d) => Some(fail(403, d)),
        FaultKind::ServerError(code) => Some(fail(*code, "Internal Server Error")),
        FaultKind::Slow(_) => None,
        FaultKind::DropConnection => {
            let partial = futures::stream::iter([
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"ok\":true,\"resu")),
                Err(std::io::Error::other("connection dropped by the stand-in")),
            ]);
            let mut r = Response::new(Body::from_stream(partial));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            r.headers_mut().insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from_static("400"),
            );
            Some(r)
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = uri.path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        let (token, file_path) = rest.split_once('/').unwrap_or((rest, ""));
        return download(&shared, token, file_path).await;
    }
    let Some((token, method)) = path.strip_prefix("/bot").and_then(|r| r.split_once('/')) else {
        return fail(404, "Not Found");
    };
    if !token_shaped(token) {
        return fail(404, "Not Found");
    }
    let method = method.to_ascii_lowercase();
    let Ok(body) = axum::body::to_bytes(body, UPLOAD_LIMIT + 1024 * 1024).await else {
        return fail(413, "Request Entity Too Large");
    };
    let params = match parse_params(&uri, &headers, &body) {
        Ok(p) => p,
        Err(e) => return bad(&e),
    };
    let chat = params.i64("chat_id");
    let (bot_name, fault) = {
        let mut s = shared.lock();
        let Some(bot) = s.bots.get(token) else {
            s.calls.push(Call {
                bot: "?".into(),
                method,
                chat_id: chat,
                status: 401,
                at: Instant::now(),
            });
            return fail(401, "Unauthorized");
        };
        let name = bot.username.clone();
        (name, take_fault(&mut s, &method, chat))
    };
    let response = match &fault {
        Some(FaultKind::Slow(by)) => {
            tokio::time::sleep(*by).await;
            None
        }
        Some(kind) => fault_response(kind),
        None => None,
    };
    let response = match response {
        Some(r) => r,
        None => dispatch(&shared, token, &method, &params).await,
    };
    shared.lock().calls.push(Call {
        bot: bot_name,
        method,
        chat_id: chat,
        status: response.status().as_u16(),
        at: Instant::now(),
    });
    response
}

async fn download(shared: &Shared, token: &str, file_path: &str) -> Response {
    let (file, fault) = {
        let mut s = shared.lock();
        if !s.bots.contains_key(token) {
            return fail(401, "Unauthorized");
        }
        let file = s
            .files
            .values()
            .find(|f| f.path == file_path)
            .map(|f| f.bytes.clone());
        (file, take_fault(&mut s, "download", None))
    };
    match &fault {
        Some(FaultKind::Slow(by)) => tokio::time::sleep(*by).await,
        Some(kind) => {
            if let Some(r) = fault_response(kind) {
                return r;
            }
        }
        None => {}
    }
    match file {
        Some(bytes) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        None => fail(404, "Not Found"),
    }
}

async fn dispatch(shared: &Shared, token: &str, method: &str, p: &Params) -> Response {
    match method {
        "getme" => {
            let s = shared.lock();
            match s.bots.get(token) {
                Some(b) => ok(
                    json!({"id": b.id, "is_bot": true, "first_name": b.first_name,
                    "username": b.username, "can_join_groups": true,
                    "can_read_all_group_messages": false, "supports_inline_queries": false}),
                ),
                None => fail(401, "Unauthorized"),
            }
        }
        "getupdates" => get_updates(shared, token, p).await,
        "sendmessage" => send(shared, token, "sendMessage", p),
        "sendphoto" => send(shared, token, "sendPhoto", p),
        "senddocument" => send(shared, token, "sendDocument", p),
        "getfile" => get_file(shared, p),
        "answercallbackquery" => answer_callback(shared, token, p),
        "editmessagetext" => edit(shared, token, "editMessageText", p),
        "editmessagereplymarkup" => edit(shared, token, "editMessageReplyMarkup", p),
        "setwebhook" => set_webhook(shared, token, p),
        "deletewebhook" => {
            let mut s = shared.lock();
            if let Some(b) = s.bots.get_mut(token) {
                b.webhook = None;
                if p.bool("drop_pending_updates") {
                    b.updates.clear();
                }
            }
            ok(json!(true))
        }
        _ => fail(404, "Not Found"),
    }
}

async fn get_updates(shared: &Shared, token: &str, p: &Params) -> Response {
    let offset = p.i64("offset");
    let limit = p.i64("limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(p.i64("timeout").unwrap_or(0).clamp(0, 50) as u64);
    let allowed: Option<Vec<String>> = match p.json("allowed_updates") {
        Ok(v) => v.and_then(|v| serde_json::from_value(v).ok()),
        Err(e) => return bad(&e),
    };
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut s = shared.lock();
            let Some(bot) = s.bots.get_mut(token) else {
                return fail(401, "Unauthorized");
            };
            if bot.webhook.is_some() {
                return fail(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                );
            }
            if let Some(off) = offset {
                // Asking from `offset` confirms every update before it.
                while bot
                    .updates
                    .front()
                    .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < off)
                {
                    bot.updates.pop_front();
                }
                bot.confirmed_offset = bot.confirmed_offset.max(off);
            }
            let wanted = |u: &Value| {
                allowed
                    .as_ref()
                    .is_none_or(|a| a.is_empty() || a.iter().any(|k| u.get(k.as_str()).is_some()))
            };
            let batch: Vec<Value> = bot
                .updates
                .iter()
                .filter(|u| wanted(u))
                .take(limit)
                .cloned()
                .collect();
            if !batch.is_empty() {
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

fn send(shared: &Shared, token: &str, method: &str, p: &Params) -> Response {
    let Some(chat_id) = p.i64("chat_id") else {
        return bad("chat_id is empty");
    };
    let parse_mode = p.str("parse_mode");
    let html = parse_mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("html"));
    let reply_markup = match p.json("reply_markup") {
        Ok(v) => v,
        Err(e) => return bad(&e),
    };
    let (text, caption, field) = match method {
        "sendMessage" => {
            let text = p.str("text").unwrap_or_default();
            if text.trim().is_empty() {
                return bad("message text is empty");
            }
            (Some(text), None, None)
        }
        "sendPhoto" => (None, p.str("caption"), Some("photo")),
        _ => (None, p.str("caption"), Some("document")),
    };
    for (t, limit, what) in [
        (&text, MESSAGE_LIMIT, "message is too long"),
        (&caption, CAPTION_LIMIT, "message caption is too long"),
    ] {
        let Some(t) = t else { continue };
        let visible = if html {
            match check_html(t) {
                Ok(v) => v,
                Err(e) => return bad(&format!("can't parse entities: {e}")),
            }
        } else {
            t.encode_utf16().count()
        };
        if visible > limit {
            return bad(what);
        }
    }
    let mut s = shared.lock();
    let file = match field {
        None => None,
        Some(field) => match p.files.get(field) {
            Some(f) if f.bytes.is_empty() => return bad("file must be non-empty"),
            Some(f) if f.bytes.len() > UPLOAD_LIMIT => {
                return fail(413, "Request Entity Too Large");
            }
            Some(f) => Some(f.clone()),
            None => match p
                .str(field)
                .and_then(|id| s.files.get(&id).map(|f| (id, f)))
            {
                Some((id, f)) => Some(SentFile {
                    field: field.to_owned(),
                    name: id,
                    content_type: "application/octet-stream".into(),
                    bytes: f.bytes.to_vec(),
                }),
                None => return bad("wrong file identifier/HTTP URL specified"),
            },
        },
    };
    let stored = file.as_ref().map(|f| {
        let dir = if f.field == "photo" {
            "photos"
        } else {
            "documents"
        };
        let ext = f.name.rsplit_once('.').map_or("bin", |(_, e)| e);
        s.store_file(dir, ext, Bytes::from(f.bytes.clone()))
    });
    let Some(bot) = s.bots.get_mut(token) else {
        return fail(401, "Unauthorized");
    };
    let reply_to = p.i64("reply_to_message_id");
    let replied = match reply_to {
        Some(r) => match bot.messages.get(&(chat_id, r)) {
            Some(m) => Some(m.clone()),
            None => return bad("message to be replied not found"),
        },
        None => None,
    };
    let message_id = bot.take_message_id(chat_id);
    let mut msg = json!({"message_id": message_id, "from": bot.user_json(),
        "chat": bot.chat_json(chat_id), "date": unix_now()});
    if let Some(t) = &text {
        msg["text"] = json!(strip_tags(t, html));
    }
    if let Some(c) = &caption {
        msg["caption"] = json!(strip_tags(c, html));
    }
    if let Some(r) = replied {
        msg["reply_to_message"] = r;
    }
    if let Some(m) = &reply_markup {
        msg["reply_markup"] = m.clone();
    }
    if let (Some(f), Some((file_id, unique_id))) = (&file, &stored) {
        let size = f.bytes.len();
        if f.field == "photo" {
            msg["photo"] = json!([{"file_id": file_id, "file_unique_id": unique_id,
                "width": 1280, "height": 960, "file_size": size}]);
        } else {
            msg["document"] = json!({"file_id": file_id, "file_unique_id": unique_id,
                "file_name": f.name, "mime_type": f.content_type, "file_size": size});
        }
    }
    bot.messages.insert((chat_id, message_id), msg.clone());
    let bot_name = bot.username.clone();
    let seq = s.sent.len();
    s.sent.push(Sent {
        seq,
        bot: bot_name,
        method: method.to_owned(),
        chat_id,
        message_id,
        text,
        caption,
        parse_mode,
        reply_to_message_id: reply_to,
        reply_markup,
        file,
        at: Instant::now(),
    });
    drop(s);
    shared.changed.notify_waiters();
    ok(msg)
}

/// The visible text of an HTML message (what Telegram stores as `text`).
fn strip_tags(t: &str, html: bool) -> String {
    if !html {
        return t.to_owned();
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in t.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn get_file(shared: &Shared, p: &Params) -> Response {
    let Some(id) = p.str("file_id") else {
        return bad("file_id is empty");
    };
    let s = shared.lock();
    match s.files.get(&id) {
        None => bad("invalid file_id"),
        Some(f) if f.bytes.len() > DOWNLOAD_LIMIT => bad("file is too big"),
        Some(f) => ok(json!({"file_id": id, "file_unique_id": f.unique_id,
            "file_size": f.bytes.len(), "file_path": f.path})),
    }
}

fn answer_callback(shared: &Shared, token: &str, p: &Params) -> Response {
    let Some(id) = p.str("callback_query_id") else {
        return bad("query is too old and response timeout expired or query ID is invalid");
    };
    let mut s = shared.lock();
    let Some(bot) = s.bots.get_mut(token) else {
        return fail(401, "Unauthorized");
    };
    // Like Telegram: each query is answered once.
    if !bot.open_callbacks.remove(&id) {
        return bad("query is too old and response timeout expired or query ID is invalid");
    }
    let bot_name = bot.username.clone();
    s.answers.push(CallbackAnswer {
        bot: bot_name,
        callback_query_id: id,
        text: p.str("text"),
        show_alert: p.bool("show_alert"),
    });
    ok(json!(true))
}

fn edit(shared: &Shared, token: &str, method: &str, p: &Params) -> Response {
    let (Some(chat_id), Some(message_id)) = (p.i64("chat_id"), p.i64("message_id")) else {
        return bad("message identifier is not specified");
    };
    let markup = match p.json("reply_markup") {
        Ok(v) => v,
        Err(e) => return bad(&e),
    };
    let html = p
        .str("parse_mode")
        .is_some_and(|m| m.eq_ignore_ascii_case("html"));
    let text = if method == "editMessageText" {
        let Some(t) = p.str("text").filter(|t| !t.trim().is_empty()) else {
            return bad("message text is empty");
        };
        if html && let Err(e) = check_html(&t) {
            return bad(&format!("can't parse entities: {e}"));
        }
        Some(t)
    } else {
        None
    };
    let mut s = shared.lock();
    let Some(bot) = s.bots.get_mut(token) else {
        return fail(401, "Unauthorized");
    };
    let bot_id = bot.id;
    let Some(msg) = bot.messages.get_mut(&(chat_id, message_id)) else {
        return bad("message to edit not found");
    };
    if msg["from"]["id"].as_i64() != Some(bot_id) {
        return bad("message can't be edited");
    }
    let new_text = text.as_deref().map(|t| strip_tags(t, html));
    let same_text = new_text
        .as_ref()
        .is_none_or(|t| msg["text"].as_str() == Some(t));
    let old_markup = msg.get("reply_markup").cloned();
    if same_text && old_markup == markup {
        return bad(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
    }
    if let Some(t) = &new_text {
        msg["text"] = json!(t);
    }
    match &markup {
        Some(m) => msg["reply_markup"] = m.clone(),
        None => {
            if let Some(o) = msg.as_object_mut() {
                o.remove("reply_markup");
            }
        }
    }
    msg["edit_date"] = json!(unix_now());
    let result = msg.clone();
    let bot_name = bot.username.clone();
    s.edits.push(Edit {
        bot: bot_name,
        method: method.to_owned(),
        chat_id,
        message_id,
        text,
        reply_markup: markup,
    });
    ok(result)
}

fn set_webhook(shared: &Shared, token: &str, p: &Params) -> Response {
    let url = p.str("url").unwrap_or_default();
    let secret = p.str("secret_token");
    if let Some(sec) = &secret
        && (sec.is_empty()
            || sec.len() > 256
            || !sec
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    {
        return bad("secret token contains unallowed characters");
    }
    let allowed: Vec<String> = match p.json("allowed_updates") {
        Ok(v) => v
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
        Err(e) => return bad(&e),
    };
    let mut s = shared.lock();
    let Some(bot) = s.bots.get_mut(token) else {
        return fail(401, "Unauthorized");
    };
    if url.is_empty() {
        bot.webhook = None;
        return ok(json!(true));
    }
    if !url.starts_with("https://") {
        return bad("bad webhook: An HTTPS URL must be provided for webhook");
    }
    if p.bool("drop_pending_updates") {
        bot.updates.clear();
    }
    bot.webhook = Some(Webhook {
        url,
        secret_token: secret,
        allowed_updates: allowed,
    });
    ok(json!(true))
}

mod html {
    //! Telegram's HTML check: the tags it knows, balanced; the entities it knows. Answers the
    //! visible length in UTF-16 units.

    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "blockquote",
    ];

    pub(super) fn check_html(t: &str) -> Result<usize, String> {
        let mut open: Vec<String> = Vec::new();
        let mut visible = 0;
        let mut rest = t;
        while let Some(c) = rest.chars().next() {
            match c {
                '<' => {
                    let end = rest.find('>').ok_or_else(|| {
                        format!("unclosed start tag at byte offset {}", t.len() - rest.len())
                    })?;
                    let inner = &rest[1..end];
                    if let Some(name) = inner.strip_prefix('/') {
                        if open.pop().as_deref() != Some(name.trim()) {
                            return Err(format!("unexpected end tag \"{name}\""));
                        }
                    } else {
                        let name = inner.split_whitespace().next().unwrap_or("");
                        if !TAGS.contains(&name) {
                            return Err(format!("unsupported start tag \"{name}\""));
                        }
                        open.push(name.to_owned());
                    }
                    rest = &rest[end + 1..];
                }
                '>' => return Err("character '>' is reserved".into()),
                '&' => {
                    let end = rest.find(';').filter(|e| *e <= 10);
                    let entity = end.map(|e| &rest[1..e]);
                    let known = entity.is_some_and(|e| {
                        matches!(e, "lt" | "gt" | "amp" | "quot")
                            || e.strip_prefix('#').is_some_and(|n| {
                                n.strip_prefix('x').map_or_else(
                                    || n.parse::<u32>().is_ok(),
                                    |h| u32::from_str_radix(h, 16).is_ok(),
                                )
                            })
                    });
                    match (known, end) {
                        (true, Some(e)) => {
                            visible += 1;
                            rest = &rest[e + 1..];
                        }
                        _ => return Err("character '&' must be escaped as &amp;".into()),
                    }
                }
                c => {
                    visible += c.len_utf16();
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        if let Some(tag) = open.pop() {
            return Err(format!(
                "can't find end tag corresponding to start tag \"{tag}\""
            ));
        }
        Ok(visible)
    }
}

mod multipart {
    //! Just enough `multipart/form-data` to read what a bot uploads.

    use super::{Params, SentFile};
    use serde_json::Value;

    pub(super) fn parse(body: &[u8], boundary: &str, p: &mut Params) -> Result<(), String> {
        let delim = format!("--{boundary}").into_bytes();
        let mut pos = find(body, &delim, 0).ok_or("no boundary")?;
        loop {
            pos += delim.len();
            if body[pos..].starts_with(b"--") {
                return Ok(());
            }
            pos += 2; // CRLF after the boundary
            let head_end = find(body, b"\r\n\r\n", pos).ok_or("no part headers")?;
            let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
            let data_start = head_end + 4;
            let next = find(body, &delim, data_start).ok_or("unterminated part")?;
            let data = &body[data_start..next.saturating_sub(2)];
            let mut name = None;
            let mut filename = None;
            let mut ctype = "application/octet-stream".to_owned();
            for line in head.split("\r\n") {
                let lower = line.to_ascii_lowercase();
                if lower.starts_with("content-disposition:") {
                    name = attr(line, "name");
                    filename = attr(line, "filename");
                } else if lower.starts_with("content-type:") {
                    ctype = line["content-type:".len()..].trim().to_owned();
                }
            }
            let name = name.ok_or("a part without a name")?;
            match filename {
                Some(f) => {
                    p.files.insert(
                        name.clone(),
                        SentFile {
                            field: name,
                            name: f,
                            content_type: ctype,
                            bytes: data.to_vec(),
                        },
                    );
                }
                None => {
                    p.fields.insert(
                        name,
                        Value::String(String::from_utf8_lossy(data).into_owned()),
                    );
                }
            }
            pos = next;
        }
    }

    fn attr(line: &str, key: &str) -> Option<String> {
        line.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
        })
    }

    fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    }
}
