//! The HTTP side: routing `/bot<token>/<method>` and `/file/bot<token>/<path>`, reading
//! parameters (query, JSON, urlencoded, multipart), the answer envelope, and faults.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::methods::*;
use super::{Call, FaultKind, Inner, SentFile, Shared, UPLOAD_LIMIT, multipart};

pub(super) fn answer(status: u16, body: Value) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(super) fn ok(result: Value) -> Response {
    answer(200, json!({"ok": true, "result": result}))
}

pub(super) fn fail(code: u16, description: &str) -> Response {
    answer(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

pub(super) fn bad(description: &str) -> Response {
    fail(400, &format!("Bad Request: {description}"))
}

/// The request's parameters, from the query string, a JSON, urlencoded or multipart body.
#[derive(Default)]
pub(super) struct Params {
    pub(super) fields: serde_json::Map<String, Value>,
    pub(super) files: HashMap<String, SentFile>,
}

impl Params {
    pub(super) fn str(&self, k: &str) -> Option<String> {
        match self.fields.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    pub(super) fn i64(&self, k: &str) -> Option<i64> {
        match self.fields.get(k)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(super) fn bool(&self, k: &str) -> bool {
        match self.fields.get(k) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        }
    }

    /// A JSON-serialised parameter (`reply_markup`, `allowed_updates`): an object in a JSON
    /// body, a string of JSON in a form.
    pub(super) fn json(&self, k: &str) -> Result<Option<Value>, String> {
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

pub(super) async fn handle(
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
        "getwebhookinfo" => get_webhook_info(shared, token),
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
