//! The Bot API over HTTPS: one [`Bot`] per token. Calls are JSON `POST`s to
//! `<api_url>/bot<token>/<method>`; uploads are multipart; downloads stream from
//! `<api_url>/file/bot<token>/<file_path>`. Every answer is sorted into [`Error`]'s classes.

use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::error::{Error, scrub};
use crate::multipart::{Form, InputFile};
use crate::token::BotToken;
use crate::types::*;

/// The public Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// A client for one bot. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Bot {
    http: reqwest::Client,
    api_url: String,
    token: BotToken,
    timeout: Duration,
    transfer_timeout: Duration,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("api_url", &self.api_url)
            .field("token", &self.token)
            .finish()
    }
}

/// A file being downloaded: its announced length and its bytes as they arrive. The stream ends
/// with [`Error::TooLarge`] if the file turns out larger than the cap.
pub struct Download {
    pub len: Option<u64>,
    stream: BoxStream<'static, Result<Bytes>>,
}

impl Download {
    /// The next chunk; `None` at the end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes>> {
        self.stream.next().await
    }

    pub fn into_stream(self) -> BoxStream<'static, Result<Bytes>> {
        self.stream
    }

    /// All of it in memory: for files already known to be small.
    pub async fn bytes(mut self) -> Result<Vec<u8>> {
        let mut all = Vec::with_capacity(self.len.unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = self.chunk().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(all)
    }
}

/// The envelope of every Bot API answer.
#[derive(serde::Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(serde::Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

impl Bot {
    /// A client of the Bot API at `api_url` (e.g. [`DEFAULT_API_URL`], or a self-hosted Bot API
    /// server).
    pub fn new(api_url: &str, token: BotToken) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::transport(e, token.expose()))?;
        Ok(Self::with_http(http, api_url, token))
    }

    /// The same over a client the caller built (shared pool, proxy settings).
    pub fn with_http(http: reqwest::Client, api_url: &str, token: BotToken) -> Self {
        Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            token,
            timeout: Duration::from_secs(30),
            transfer_timeout: Duration::from_secs(600),
        }
    }

    /// How long a plain call may take (default 30 s; a long poll gets its own `timeout` on top).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long an upload or a download may take in all (default 10 minutes).
    pub fn with_transfer_timeout(mut self, timeout: Duration) -> Self {
        self.transfer_timeout = timeout;
        self
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    pub fn token(&self) -> &BotToken {
        &self.token
    }

    fn url(&self, method: &str) -> String {
        format!("{}/bot{}/{}", self.api_url, self.token.expose(), method)
    }

    async fn call<R: DeserializeOwned>(
        &self,
        method: &str,
        params: &impl Serialize,
        timeout: Duration,
    ) -> Result<R> {
        let req = self
            .http
            .post(self.url(method))
            .json(params)
            .timeout(timeout);
        self.send(method, req).await
    }

    async fn send<R: DeserializeOwned>(
        &self,
        method: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<R> {
        let res = req.send().await.map_err(|e| self.transport(e))?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(|e| self.transport(e))?;
        let result = self.read_answer(status, &body, true);
        if let Err(e) = &result {
            tracing::debug!(method, error = %e, "Bot API call failed");
        }
        let value = result?;
        serde_json::from_value(value).map_err(|e| Error::Rejected {
            code: status,
            description: format!("unexpected answer to {method}: {e}"),
        })
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        Error::transport(e, self.token.expose())
    }

    /// The `result` of a successful answer, or the error it says.
    fn read_answer(&self, status: u16, body: &[u8], is_method: bool) -> Result<serde_json::Value> {
        let Ok(answer) = serde_json::from_slice::<Answer>(body) else {
            if (200..300).contains(&status) || status >= 500 {
                return Err(Error::Transient(format!(
                    "the answer was not Bot API JSON (HTTP {status})"
                )));
            }
            return Err(Error::from_answer(status, None, None, None, is_method));
        };
        if answer.ok && (200..300).contains(&status) {
            return Ok(answer.result.unwrap_or(serde_json::Value::Null));
        }
        Err(Error::from_answer(
            status,
            answer.error_code,
            answer.description.map(|d| scrub(&d, self.token.expose())),
            answer.parameters.and_then(|p| p.retry_after),
            is_method,
        ))
    }

    /// `getMe`: who the token belongs to. The cheapest check that a token works.
    pub async fn get_me(&self) -> Result<User> {
        self.call("getMe", &serde_json::json!({}), self.timeout)
            .await
    }

    /// `getUpdates`: waits up to `req.timeout` seconds for updates after `req.offset`.
    ///
    /// An update whose body this crate cannot read comes back with only its `update_id`, so the
    /// caller still moves past it instead of asking for it forever.
    pub async fn get_updates(&self, req: &GetUpdates) -> Result<Vec<Update>> {
        let wait = self.timeout + Duration::from_secs(u64::from(req.timeout));
        let raw: Vec<serde_json::Value> = self.call("getUpdates", req, wait).await?;
        Ok(raw
            .into_iter()
            .map(|v| {
                serde_json::from_value::<Update>(v.clone()).unwrap_or_else(|e| {
                    let update_id = v.get("update_id").and_then(|i| i.as_i64()).unwrap_or(0);
                    tracing::warn!(update_id, error = %e, "an update Desk cannot read; skipped");
                    Update {
                        update_id,
                        message: None,
                        edited_message: None,
                        callback_query: None,
                        my_chat_member: None,
                    }
                })
            })
            .collect())
    }

    pub async fn send_message(&self, req: &SendMessage) -> Result<Message> {
        self.call("sendMessage", req, self.timeout).await
    }

    /// `sendPhoto`: the chat shows it as a picture (Telegram recompresses it; up to 10 MB).
    pub async fn send_photo(&self, req: &SendMedia, photo: InputFile) -> Result<Message> {
        self.upload("sendPhoto", "photo", req, photo).await
    }

    /// `sendDocument`: the file as it is (up to 50 MB).
    pub async fn send_document(&self, req: &SendMedia, document: InputFile) -> Result<Message> {
        self.upload("sendDocument", "document", req, document).await
    }

    async fn upload(
        &self,
        method: &str,
        field: &str,
        req: &SendMedia,
        file: InputFile,
    ) -> Result<Message> {
        let mut form = Form::new();
        form.text("chat_id", &req.chat_id.to_string());
        if let Some(c) = &req.caption {
            form.text("caption", c);
        }
        if let Some(ParseMode::Html) = req.parse_mode {
            form.text("parse_mode", "HTML");
        }
        if let Some(id) = req.reply_to_message_id {
            form.text("reply_to_message_id", &id.to_string());
        }
        if let Some(m) = &req.reply_markup {
            let json = serde_json::to_string(m).map_err(|e| Error::Rejected {
                code: 400,
                description: format!("reply_markup: {e}"),
            })?;
            form.text("reply_markup", &json);
        }
        let content_type = form.content_type();
        let req = self
            .http
            .post(self.url(method))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(form.with_file(field, file))
            .timeout(self.transfer_timeout);
        self.send(method, req).await
    }

    /// `getFile`: where a received file can be downloaded from.
    pub async fn get_file(&self, file_id: &str) -> Result<File> {
        self.call(
            "getFile",
            &serde_json::json!({ "file_id": file_id }),
            self.timeout,
        )
        .await
    }

    /// Downloads a file `getFile` described, streamed, refusing more than `max_bytes` (before
    /// the request when its size is known, else as soon as the count passes it).
    pub async fn download(&self, file: &File, max_bytes: u64) -> Result<Download> {
        if file.file_size.is_some_and(|s| s > max_bytes) {
            return Err(Error::TooLarge { limit: max_bytes });
        }
        let path = file.file_path.as_deref().ok_or_else(|| Error::Rejected {
            code: 400,
            description: "getFile gave no file_path for this file".into(),
        })?;
        let url = format!(
            "{}/file/bot{}/{}",
            self.api_url,
            self.token.expose(),
            path.trim_start_matches('/')
        );
        let res = self
            .http
            .get(url)
            .timeout(self.transfer_timeout)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = res.status().as_u16();
        if !res.status().is_success() {
            let body = res.bytes().await.map_err(|e| self.transport(e))?;
            return Err(self
                .read_answer(status, &body, false)
                .err()
                .unwrap_or_else(|| Error::from_answer(status, None, None, None, false)));
        }
        let len = res.content_length();
        if len.is_some_and(|l| l > max_bytes) {
            return Err(Error::TooLarge { limit: max_bytes });
        }
        let token = self.token.expose().to_owned();
        let mut seen: u64 = 0;
        let mut over = false;
        let stream = res
            .bytes_stream()
            .map(move |chunk| {
                let chunk = chunk.map_err(|e| Error::transport(e, &token))?;
                seen += chunk.len() as u64;
                if seen > max_bytes {
                    return Err(Error::TooLarge { limit: max_bytes });
                }
                Ok(chunk)
            })
            // Nothing after the first error: a caller that reads on gets the end, not more bytes.
            .take_while(move |r| {
                let go = !over;
                over = over || r.is_err();
                futures::future::ready(go)
            })
            .boxed();
        Ok(Download { len, stream })
    }

    pub async fn answer_callback_query(&self, req: &AnswerCallbackQuery) -> Result<()> {
        let _: bool = self.call("answerCallbackQuery", req, self.timeout).await?;
        Ok(())
    }

    pub async fn edit_message_text(&self, req: &EditMessageText) -> Result<Message> {
        self.call("editMessageText", req, self.timeout).await
    }

    pub async fn edit_message_reply_markup(&self, req: &EditMessageReplyMarkup) -> Result<Message> {
        self.call("editMessageReplyMarkup", req, self.timeout).await
    }

    /// `setWebhook`: Telegram then POSTs updates to `req.url` (and `getUpdates` stops working).
    pub async fn set_webhook(&self, req: &SetWebhook) -> Result<()> {
        let _: bool = self.call("setWebhook", req, self.timeout).await?;
        Ok(())
    }

    /// `getWebhookInfo`: the webhook set (if any), updates waiting, the last delivery error.
    pub async fn get_webhook_info(&self) -> Result<WebhookInfo> {
        self.call("getWebhookInfo", &serde_json::json!({}), self.timeout)
            .await
    }

    /// `deleteWebhook`: back to `getUpdates`.
    pub async fn delete_webhook(&self, drop_pending_updates: bool) -> Result<()> {
        let _: bool = self
            .call(
                "deleteWebhook",
                &serde_json::json!({ "drop_pending_updates": drop_pending_updates }),
                self.timeout,
            )
            .await?;
        Ok(())
    }
}
