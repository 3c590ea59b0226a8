//! The desk-server REST client: one method per endpoint the core uses, errors sorted into
//! transient (retry later) and permanent (show the user the server's message).

use std::path::Path;
use std::time::Duration;

use desk_domain::{
    ApproveTelegramRequest, Attachment, ChangesPage, CreateIncident, CreateMessage, CreateTicket,
    DutyAgent, ErrorBody, ErrorCode, Incident, LinkCode, LoginResponse, Me, MergeIncident, Message,
    OutageReport, PostIncidentUpdate, ReportOutage, SetDuty, TelegramLink, TelegramRequest, Ticket,
    Topic, UpdateIncident, UpdateTicket,
};
use futures::StreamExt;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::error::Error;

mod pulled;

pub use pulled::{PageJson, PulledPage};

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached or the connection broke.
    #[error("server unreachable: {0}")]
    Transport(String),
    /// The server answered with an error body.
    #[error("{status}: {}", body.message)]
    Server { status: u16, body: ErrorBody },
    /// The answer was not what the API promises.
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ApiError {
    /// Worth retrying the same request later (network, overload, server fault).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Server { status, body } => {
                *status >= 500 || *status == 408 || *status == 429 || body.code.is_transient()
            }
            Self::Decode(_) => false,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Server { body, .. } if body.code == ErrorCode::Unauthorized)
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server { body, .. } => Some(body.code),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Transport(_) => Self::offline(),
            ApiError::Server { body, .. } => Self::new(body.code.as_str(), body.message),
            ApiError::Decode(d) => Self::unreadable_answer(&d),
        }
    }
}

fn transport(e: reqwest::Error) -> ApiError {
    ApiError::Transport(e.to_string())
}

/// A client for one server, optionally signed in.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// Streams (events, uploads, downloads) must not be cut by the request timeout.
    stream_http: reqwest::Client,
    base: String,
    token: Option<String>,
    lang: String,
}

impl Api {
    pub fn new(base: &str, lang: &str) -> Result<Self, ApiError> {
        // People paste the API address too: keep only the server's root.
        let base = base.trim().trim_end_matches('/');
        let base = base
            .strip_suffix("/api/v1")
            .unwrap_or(base)
            .trim_end_matches('/')
            .to_owned();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(transport)?;
        let stream_http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(transport)?;
        Ok(Self {
            http,
            stream_http,
            base,
            token: None,
            lang: lang.to_owned(),
        })
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn req(&self, client: &reqwest::Client, method: Method, path: &str) -> RequestBuilder {
        let mut rb = client
            .request(method, format!("{}/api/v1{}", self.base, path))
            .header(reqwest::header::ACCEPT_LANGUAGE, &self.lang);
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    async fn check(res: Response) -> Result<Response, ApiError> {
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let code = status.as_u16();
        let text = res.text().await.map_err(transport)?;
        let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| ErrorBody {
            code: if status.is_server_error() {
                ErrorCode::Internal
            } else {
                ErrorCode::BadRequest
            },
            message: format!("HTTP {code}"),
        });
        Err(ApiError::Server { status: code, body })
    }

    async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, ApiError> {
        let res = Self::check(rb.send().await.map_err(transport)?).await?;
        res.json::<T>()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// `GET path`, decoding the answer.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send(self.req(&self.http, Method::GET, path)).await
    }

    /// `method path` with `body` as JSON, decoding the answer.
    async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send(self.req(&self.http, method, path).json(body))
            .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<LoginResponse, ApiError> {
        let body = serde_json::json!({"email": email, "password": password});
        self.send(
            self.req(&self.http, Method::POST, "/auth/login")
                .json(&body),
        )
        .await
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        Self::check(
            self.req(&self.http, Method::POST, "/auth/logout")
                .send()
                .await
                .map_err(transport)?,
        )
        .await?;
        Ok(())
    }

    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get("/me").await
    }

    pub async fn topics(&self) -> Result<Vec<Topic>, ApiError> {
        self.get("/topics").await
    }

    pub async fn calendar(&self) -> Result<desk_domain::BusinessCalendar, ApiError> {
        self.get("/calendar").await
    }

    pub async fn ticket(&self, id: Uuid) -> Result<Ticket, ApiError> {
        self.get(&format!("/tickets/{id}")).await
    }

    /// The conversation as the caller may see it, oldest first.
    pub async fn messages(&self, ticket: Uuid) -> Result<Vec<Message>, ApiError> {
        self.get(&format!("/tickets/{ticket}/messages")).await
    }

    pub async fn create_ticket(&self, t: &CreateTicket) -> Result<Ticket, ApiError> {
        self.send_json(Method::POST, "/tickets", t).await
    }

    pub async fn add_message(&self, ticket: Uuid, m: &CreateMessage) -> Result<Message, ApiError> {
        self.send_json(Method::POST, &format!("/tickets/{ticket}/messages"), m)
            .await
    }

    pub async fn update_ticket(&self, ticket: Uuid, u: &UpdateTicket) -> Result<Ticket, ApiError> {
        self.send_json(Method::PATCH, &format!("/tickets/{ticket}"), u)
            .await
    }

    pub async fn changes(&self, after: i64, limit: u32) -> Result<ChangesPage, ApiError> {
        Ok(self.changes_pulled(after, limit).await?.page)
    }

    /// `GET /changes` for the sync engine: the page decoded on a blocking thread (a page of 1000
    /// is ~1 MB of JSON, tens of milliseconds to decode, which would otherwise hold up the
    /// runtime thread that applies the previous page), together with the items the cache
    /// stores as JSON exactly as the server sent them.
    pub async fn changes_pulled(&self, after: i64, limit: u32) -> Result<PulledPage, ApiError> {
        let rb = self.req(
            &self.http,
            Method::GET,
            &format!("/changes?after={after}&limit={limit}"),
        );
        let res = Self::check(rb.send().await.map_err(transport)?).await?;
        let bytes = res
            .bytes()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        tokio::task::spawn_blocking(move || PulledPage::decode(&bytes))
            .await
            .map_err(|e| ApiError::Decode(e.to_string()))?
            .map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// Streams a file from disk to `POST /attachments`, never holding it whole in memory.
    pub async fn upload(&self, path: &Path, filename: &str) -> Result<Attachment, ApiError> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| ApiError::Decode(format!("cannot read {}: {e}", path.display())))?;
        let len = file.metadata().await.map(|m| m.len()).ok();
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let mut rb = self
            .req(&self.stream_http, Method::POST, "/attachments")
            .query(&[("filename", filename)])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(body);
        if let Some(len) = len {
            rb = rb.header(reqwest::header::CONTENT_LENGTH, len);
        }
        self.send(rb).await
    }

    /// Streams attachment `id` into `dest`, answering its size and SHA-256 (lowercase hex).
    pub async fn download(&self, id: Uuid, dest: &Path) -> Result<(u64, String), ApiError> {
        let res = Self::check(
            self.req(
                &self.stream_http,
                Method::GET,
                &format!("/attachments/{id}"),
            )
            .send()
            .await
            .map_err(transport)?,
        )
        .await?;
        let io =
            |e: std::io::Error| ApiError::Decode(format!("cannot write {}: {e}", dest.display()));
        let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut stream = res.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(transport)?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.sync_all().await.map_err(io)?;
        Ok((size, hex::encode(hasher.finalize())))
    }

    /// Opens `GET /events`, resuming after `last_seq`.
    pub async fn events(&self, last_seq: i64) -> Result<Response, ApiError> {
        let rb = self
            .req(&self.stream_http, Method::GET, "/events")
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .header("last-event-id", last_seq.to_string());
        Self::check(rb.send().await.map_err(transport)?).await
    }

    // --- outages (see desk_domain::incident for the contract)

    /// `POST /outages`: files an outage report (idempotent by `r.id`).
    pub async fn report_outage(&self, r: &ReportOutage) -> Result<OutageReport, ApiError> {
        self.send_json(Method::POST, "/outages", r).await
    }

    /// `GET /incidents?status=open|resolved|all`.
    pub async fn incidents(&self, status: &str) -> Result<Vec<Incident>, ApiError> {
        self.send(
            self.req(&self.http, Method::GET, "/incidents")
                .query(&[("status", status)]),
        )
        .await
    }

    pub async fn incident(&self, id: Uuid) -> Result<Incident, ApiError> {
        self.get(&format!("/incidents/{id}")).await
    }

    /// `POST /incidents` (agents): announces an outage nobody reported yet.
    pub async fn create_incident(&self, c: &CreateIncident) -> Result<Incident, ApiError> {
        self.send_json(Method::POST, "/incidents", c).await
    }

    pub async fn acknowledge_incident(&self, id: Uuid) -> Result<Incident, ApiError> {
        self.send(self.req(
            &self.http,
            Method::POST,
            &format!("/incidents/{id}/acknowledge"),
        ))
        .await
    }

    pub async fn post_incident_update(
        &self,
        id: Uuid,
        u: &PostIncidentUpdate,
    ) -> Result<Incident, ApiError> {
        self.send_json(Method::POST, &format!("/incidents/{id}/updates"), u)
            .await
    }

    pub async fn resolve_incident(
        &self,
        id: Uuid,
        u: &PostIncidentUpdate,
    ) -> Result<Incident, ApiError> {
        self.send_json(Method::POST, &format!("/incidents/{id}/resolve"), u)
            .await
    }

    pub async fn update_incident(
        &self,
        id: Uuid,
        u: &UpdateIncident,
    ) -> Result<Incident, ApiError> {
        self.send_json(Method::PATCH, &format!("/incidents/{id}"), u)
            .await
    }

    pub async fn merge_incident(
        &self,
        into: Uuid,
        m: &MergeIncident,
    ) -> Result<Incident, ApiError> {
        self.send_json(Method::POST, &format!("/incidents/{into}/merge"), m)
            .await
    }

    /// `GET /duty` (agents).
    pub async fn duty(&self) -> Result<Vec<DutyAgent>, ApiError> {
        self.get("/duty").await
    }

    /// `PUT /duty`: the caller's own roster state.
    pub async fn set_duty(&self, d: &SetDuty) -> Result<DutyAgent, ApiError> {
        self.send_json(Method::PUT, "/duty", d).await
    }

    // --- Telegram (see desk_domain::telegram)

    /// `POST /telegram/link-codes` (customers): a one-time code and a `t.me` link per bot; 404
    /// while no bot runs on the server.
    pub async fn telegram_link_code(&self) -> Result<LinkCode, ApiError> {
        self.send(self.req(&self.http, Method::POST, "/telegram/link-codes"))
            .await
    }

    /// `GET /telegram/links`: the caller's organisation's linked chats (staff: every one's).
    pub async fn telegram_links(&self) -> Result<Vec<TelegramLink>, ApiError> {
        self.get("/telegram/links").await
    }

    /// `DELETE /telegram/links/{id}` (204).
    pub async fn unlink_telegram(&self, id: Uuid) -> Result<(), ApiError> {
        Self::check(
            self.req(&self.http, Method::DELETE, &format!("/telegram/links/{id}"))
                .send()
                .await
                .map_err(transport)?,
        )
        .await?;
        Ok(())
    }

    /// `GET /telegram/requests?status=pending|all`: requests of chats not linked, newest
    /// first (customers: the waiting ones naming their service).
    pub async fn telegram_requests(&self, status: &str) -> Result<Vec<TelegramRequest>, ApiError> {
        self.send(
            self.req(&self.http, Method::GET, "/telegram/requests")
                .query(&[("status", status)]),
        )
        .await
    }

    /// `POST /telegram/requests/{id}/approve`: links the chat (409 once decided).
    pub async fn approve_telegram_request(
        &self,
        id: Uuid,
        a: &ApproveTelegramRequest,
    ) -> Result<TelegramRequest, ApiError> {
        self.send_json(Method::POST, &format!("/telegram/requests/{id}/approve"), a)
            .await
    }

    /// `POST /telegram/requests/{id}/dismiss` (409 once decided).
    pub async fn dismiss_telegram_request(&self, id: Uuid) -> Result<TelegramRequest, ApiError> {
        self.send(self.req(
            &self.http,
            Method::POST,
            &format!("/telegram/requests/{id}/dismiss"),
        ))
        .await
    }

    pub fn is_not_found(e: &ApiError) -> bool {
        matches!(e, ApiError::Server { status, .. } if *status == StatusCode::NOT_FOUND.as_u16())
    }
}
