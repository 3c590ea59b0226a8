//! The Bot API methods the stand-in answers, with the real one's checks and error texts.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::response::Response;
use serde_json::{Value, json};

use super::html::check_html;
use super::http::{Params, bad, fail, ok};
use super::{
    CAPTION_LIMIT, CallbackAnswer, DOWNLOAD_LIMIT, Edit, MESSAGE_LIMIT, Sent, SentFile, Shared,
    UPLOAD_LIMIT, Webhook, unix_now,
};

pub(super) async fn get_updates(shared: &Shared, token: &str, p: &Params) -> Response {
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

pub(super) fn send(shared: &Shared, token: &str, method: &str, p: &Params) -> Response {
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
pub(super) fn strip_tags(t: &str, html: bool) -> String {
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

pub(super) fn get_file(shared: &Shared, p: &Params) -> Response {
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

pub(super) fn answer_callback(shared: &Shared, token: &str, p: &Params) -> Response {
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

pub(super) fn edit(shared: &Shared, token: &str, method: &str, p: &Params) -> Response {
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

pub(super) fn set_webhook(shared: &Shared, token: &str, p: &Params) -> Response {
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
    // Plain HTTP only on loopback, as a local Bot API server (`--local`) allows: the tests'
    // server has no certificate.
    let loopback = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
    if !url.starts_with("https://") && !loopback {
        return bad("bad webhook: An HTTPS URL must be provided for webhook");
    }
    let max_connections = p.i64("max_connections");
    if max_connections.is_some_and(|m| !(1..=100).contains(&m)) {
        return bad("bad webhook: max_connections must be between 1 and 100");
    }
    if p.bool("drop_pending_updates") {
        bot.updates.clear();
    }
    bot.webhook = Some(Webhook {
        url,
        secret_token: secret,
        allowed_updates: allowed,
        max_connections,
    });
    // A new address is tried at once.
    bot.retry.clear();
    drop(s);
    shared.changed.notify_waiters();
    ok(json!(true))
}

pub(super) fn get_webhook_info(shared: &Shared, token: &str) -> Response {
    let s = shared.lock();
    let Some(bot) = s.bots.get(token) else {
        return fail(401, "Unauthorized");
    };
    let mut info = json!({
        "url": bot.webhook.as_ref().map_or("", |w| w.url.as_str()),
        "has_custom_certificate": false,
        "pending_update_count": bot.updates.len(),
    });
    if let Some(w) = &bot.webhook {
        info["max_connections"] = json!(w.max_connections.unwrap_or(40));
        if !w.allowed_updates.is_empty() {
            info["allowed_updates"] = json!(w.allowed_updates);
        }
    }
    if let Some((date, message)) = &bot.last_webhook_error {
        info["last_error_date"] = json!(date);
        info["last_error_message"] = json!(message);
    }
    ok(info)
}
