//! Helpers shared by the HTTP test files: error-body checks, ticket and change pulls, an SSE
//! reader, raw TCP requests for what reqwest will not send (cut or lying uploads), and looks at
//! the data directory. Every file uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod telegram;

use std::path::{Path, PathBuf};
use std::time::Duration;

use desk_domain::{Attachment, Change, ChangeData, ChangesPage, ErrorBody, Poke, TicketPage};
use desk_testkit::reqwest::{self, Method, StatusCode};
use desk_testkit::{Session, TestServer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

/// Hang guard for anything that waits on the server (events, polls): not a performance bound.
pub const HANG_GUARD: Duration = Duration::from_secs(10);

/// An urgent topic and two ordinary ones from the built-in seed.
pub const URGENT_TOPIC: &str = "telephony-down";
pub const TOPIC: &str = "tariffs";
pub const OTHER_TOPIC: &str = "reports";

/// Checks that `res` is the JSON error `{code, message}` with this status and code, and
/// answers the raw body (for leak checks) and the parsed one.
pub async fn expect_error(
    res: reqwest::Response,
    status: u16,
    code: &str,
) -> anyhow::Result<(String, ErrorBody)> {
    let got = res.status();
    let ct = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = res.text().await?;
    assert_eq!(got.as_u16(), status, "unexpected status; body: {text}");
    assert!(
        ct.starts_with("application/json"),
        "error is not JSON ({ct}): {text}"
    );
    let body: ErrorBody = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("not an error body ({e}): {text}"))?;
    assert_eq!(body.code.as_str(), code, "unexpected code; body: {text}");
    assert!(!body.message.trim().is_empty(), "empty message: {text}");
    // Exactly `{code, message}`: no stray fields that could carry internals.
    let v: Value = serde_json::from_str(&text)?;
    assert_eq!(
        v.as_object().map(|o| o.len()),
        Some(2),
        "extra fields: {text}"
    );
    Ok((text, body))
}

/// `POST` answering 201, decoded as JSON value and as `T`.
pub async fn created<T: serde::de::DeserializeOwned>(
    res: reqwest::Response,
) -> anyhow::Result<(Value, T)> {
    let status = res.status();
    let text = res.text().await?;
    assert_eq!(status, StatusCode::CREATED, "body: {text}");
    Ok((serde_json::from_str(&text)?, serde_json::from_str(&text)?))
}

/// The ticket as a customer sees it: without the staff-only waiting clock.
pub fn public(t: desk_domain::Ticket) -> desk_domain::Ticket {
    desk_domain::Ticket { waiting: None, ..t }
}

/// A create-ticket body with a fresh UUIDv7.
pub fn ticket_body(topic: &str, subject: &str, body: &str) -> Value {
    serde_json::json!({"id": Uuid::now_v7(), "topic_id": topic, "subject": subject, "body": body})
}

/// A message body with a fresh UUIDv7.
pub fn message_body(body: &str) -> Value {
    serde_json::json!({"id": Uuid::now_v7(), "body": body})
}

/// `GET /tickets` with query parameters.
pub async fn list(s: &Session, query: &[(&str, &str)]) -> anyhow::Result<TicketPage> {
    let res = s
        .request(Method::GET, "/api/v1/tickets")
        .query(query)
        .send()
        .await?;
    let status = res.status();
    let text = res.text().await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "GET /tickets {query:?}: {status}: {text}"
    );
    Ok(serde_json::from_str(&text)?)
}

/// Numbers of the tickets in a page, in the order answered.
pub fn numbers(p: &TicketPage) -> Vec<i64> {
    p.items.iter().map(|t| t.number).collect()
}

/// Every ticket the session can list, walking the pages.
pub async fn list_all(s: &Session) -> anyhow::Result<Vec<desk_domain::Ticket>> {
    let mut out = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let b = before.map(|b| b.to_string());
        let mut q = vec![("limit", "200")];
        if let Some(b) = &b {
            q.push(("before", b));
        }
        let page = list(s, &q).await?;
        out.extend(page.items);
        match page.next {
            Some(n) => before = Some(n),
            None => return Ok(out),
        }
    }
}

/// One `GET /changes` page.
pub async fn pull(s: &Session, after: i64, limit: u32) -> anyhow::Result<ChangesPage> {
    s.get_json(&format!("/api/v1/changes?after={after}&limit={limit}"))
        .await
}

/// Every change after `after`, walking pages; answers them and the final cursor.
pub async fn pull_all(s: &Session, after: i64) -> anyhow::Result<(Vec<Change>, i64)> {
    let mut items = Vec::new();
    let mut cursor = after;
    loop {
        let page = pull(s, cursor, 1000).await?;
        items.extend(page.items);
        cursor = page.next;
        if !page.has_more {
            return Ok((items, cursor));
        }
    }
}

/// The cursor a client holds after pulling everything now.
pub async fn cursor(s: &Session) -> anyhow::Result<i64> {
    Ok(pull_all(s, 0).await?.1)
}

/// `(kind, id)` of a change, for "each entity once" checks.
pub fn entity_key(c: &Change) -> (&'static str, String) {
    match &c.entity {
        ChangeData::Topic(t) => ("topic", t.id.clone()),
        ChangeData::Ticket(t) => ("ticket", t.id.to_string()),
        ChangeData::Message(m) => ("message", m.id.to_string()),
        ChangeData::Incident(i) => ("incident", i.id.to_string()),
        ChangeData::Page(p) => ("page", p.id.to_string()),
        ChangeData::Duty(d) => ("duty", d.agent.id.to_string()),
        ChangeData::TelegramRequest(r) => ("telegram_request", r.id.to_string()),
    }
}

/// Uploads and expects 201.
pub async fn upload_ok(s: &Session, name: &str, bytes: Vec<u8>) -> anyhow::Result<Attachment> {
    let res = s.upload(name, bytes).await?;
    Ok(created::<Attachment>(res).await?.1)
}

/// Deterministic bytes that match no file signature (they start with text-free noise).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&[0x00, 0xFF, 0x13, 0x37]);
    while out.len() < len {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.push((x >> 33) as u8);
    }
    out.truncate(len);
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Files in a directory (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

pub fn uploads_dir(server: &TestServer) -> PathBuf {
    server.data_path().join("uploads")
}

pub fn blobs_dir(server: &TestServer) -> PathBuf {
    server.data_path().join("blobs")
}

/// Polls (bounded by [`HANG_GUARD`]) until `cond` holds; answers whether it did.
pub async fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    loop {
        if cond() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Rows of an attachment-related table, read straight from the SQLite file. A peek for tests
/// only: the HTTP API has no way to list attachment rows that no message references.
pub async fn attachment_rows(server: &TestServer) -> anyhow::Result<i64> {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(server.data_path().join("desk.sqlite3"))
        .read_only(true)
        .connect()
        .await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
        .fetch_one(&mut conn)
        .await?;
    Ok(n)
}

/// `host:port` of the server.
pub fn addr(server: &TestServer) -> String {
    server
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// Sends `head` and `body` over a fresh TCP connection and reads the answer to the end.
/// Answers the status and the body (after the blank line).
pub async fn raw_request(
    server: &TestServer,
    head: &str,
    body: &[u8],
) -> anyhow::Result<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(addr(server)).await?;
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut out = Vec::new();
    tokio::time::timeout(HANG_GUARD, s.read_to_end(&mut out)).await??;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no status line in {text:?}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

/// A reader of `GET /api/v1/events`.
pub struct EventStream {
    res: reqwest::Response,
    buf: String,
}

impl EventStream {
    /// Opens the stream; once this answers, the server is subscribed (it subscribes before it
    /// sends the headers).
    pub async fn open(s: &Session, last_event_id: Option<i64>) -> anyhow::Result<Self> {
        let mut rb = s.request(Method::GET, "/api/v1/events");
        if let Some(id) = last_event_id {
            rb = rb.header("last-event-id", id.to_string());
        }
        Self::from_response(rb.send().await?)
    }

    pub fn from_response(res: reqwest::Response) -> anyhow::Result<Self> {
        anyhow::ensure!(res.status() == StatusCode::OK, "events: {}", res.status());
        let ct = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        anyhow::ensure!(ct.starts_with("text/event-stream"), "content type {ct}");
        Ok(Self {
            res,
            buf: String::new(),
        })
    }

    /// The next event; `None` when the server ended the stream. Fails after [`HANG_GUARD`].
    pub async fn next(&mut self) -> anyhow::Result<Option<SseEvent>> {
        tokio::time::timeout(HANG_GUARD, self.next_unbounded())
            .await
            .map_err(|_| anyhow::anyhow!("no event within {HANG_GUARD:?}"))?
    }

    async fn next_unbounded(&mut self) -> anyhow::Result<Option<SseEvent>> {
        loop {
            if let Some(pos) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..pos + 2).collect();
                if let Some(ev) = parse_block(&block) {
                    return Ok(Some(ev));
                }
                continue;
            }
            match self.res.chunk().await? {
                Some(bytes) => self
                    .buf
                    .push_str(&String::from_utf8_lossy(&bytes).replace('\r', "")),
                None => return Ok(None),
            }
        }
    }

    /// Reads until the server ends the stream, which must happen within [`HANG_GUARD`];
    /// only heartbeats may come before the end.
    pub async fn until_end(&mut self) -> anyhow::Result<()> {
        let wait = async {
            while let Some(ev) = self.next_unbounded().await? {
                anyhow::ensure!(
                    ev.event == "heartbeat",
                    "unexpected event before the end: {ev:?}"
                );
            }
            anyhow::Ok(())
        };
        tokio::time::timeout(HANG_GUARD, wait)
            .await
            .map_err(|_| anyhow::anyhow!("the stream did not end within {HANG_GUARD:?}"))?
    }

    /// The next `poke`'s seq (skipping heartbeats); checks `id:` equals `data.seq`.
    /// Fails when none comes within [`HANG_GUARD`], heartbeats or not.
    pub async fn next_poke(&mut self) -> anyhow::Result<i64> {
        let wait = async {
            loop {
                match self.next_unbounded().await? {
                    Some(ev) if ev.event == "poke" => return poke_seq(&ev),
                    Some(_) => continue,
                    None => anyhow::bail!("the event stream ended"),
                }
            }
        };
        tokio::time::timeout(HANG_GUARD, wait)
            .await
            .map_err(|_| anyhow::anyhow!("no poke within {HANG_GUARD:?}"))?
    }

    /// Pokes until one reaches `target`; answers every poke seq seen on the way.
    pub async fn pokes_until(&mut self, target: i64) -> anyhow::Result<Vec<i64>> {
        let mut seen = Vec::new();
        loop {
            let seq = self.next_poke().await?;
            seen.push(seq);
            if seq >= target {
                return Ok(seen);
            }
        }
    }
}

pub fn poke_seq(ev: &SseEvent) -> anyhow::Result<i64> {
    let poke: Poke = serde_json::from_str(&ev.data)?;
    assert_eq!(
        ev.id.as_deref(),
        Some(poke.seq.to_string().as_str()),
        "a poke's id: line carries its seq"
    );
    Ok(poke.seq)
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let mut event = String::from("message");
    let mut id = None;
    let mut data: Vec<&str> = Vec::new();
    let mut any = false;
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        any = true;
        match field {
            "event" => event = value.to_owned(),
            "id" => id = Some(value.to_owned()),
            "data" => data.push(value),
            _ => {}
        }
    }
    any.then(|| SseEvent {
        event,
        id,
        data: data.join("\n"),
    })
}
