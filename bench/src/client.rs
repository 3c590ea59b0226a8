//! HTTP client for the API calls the scenarios make, each checking its status code, and the
//! accounts every scenario signs in with (created with the server's CLI before it serves).

use std::time::Duration;

use anyhow::{Context, bail};
use desk_domain::{
    ChangesPage, CreateMessage, CreateTicket, LoginRequest, LoginResponse, Message, Ticket,
    TicketPage,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::server::Server;

pub const PASSWORD: &str = "bench-password-1";
pub const TOPIC: &str = "orders-dispatching";

/// A shareable client for one server (connection pool inside).
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A signed-in user.
#[derive(Clone)]
pub struct Session {
    pub token: String,
    pub email: String,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(60))
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.to_owned(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub async fn login(&self, email: &str) -> anyhow::Result<Session> {
        let req = LoginRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
        };
        let res: LoginResponse = self.post_json(None, "/api/v1/auth/login", &req).await?;
        Ok(Session {
            token: res.token,
            email: email.to_owned(),
        })
    }

    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        s: Option<&Session>,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(s) = s {
            req = req.bearer_auth(&s.token);
        }
        let res = req.send().await.with_context(|| format!("POST {path}"))?;
        decode(res, "POST", path).await
    }

    pub async fn put_json<B: Serialize, T: DeserializeOwned>(
        &self,
        s: &Session,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        let res = self
            .http
            .put(self.url(path))
            .bearer_auth(&s.token)
            .json(body)
            .send()
            .await
            .with_context(|| format!("PUT {path}"))?;
        decode(res, "PUT", path).await
    }

    pub async fn get_json<T: DeserializeOwned>(
        &self,
        s: &Session,
        path: &str,
    ) -> anyhow::Result<T> {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(&s.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        decode(res, "GET", path).await
    }

    /// A GET whose body is read whole but not parsed: what a timed read measures.
    pub async fn get_ok(&self, s: &Session, path: &str) -> anyhow::Result<usize> {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(&s.token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = res.status();
        let body = res.bytes().await.with_context(|| format!("GET {path}"))?;
        if !status.is_success() {
            bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body.len())
    }

    pub async fn create_ticket(
        &self,
        s: &Session,
        id: Uuid,
        subject: String,
        body: String,
    ) -> anyhow::Result<Ticket> {
        let req = CreateTicket {
            id,
            topic_id: TOPIC.to_owned(),
            subject,
            body,
            attachment_ids: Vec::new(),
            organization_id: None,
        };
        self.post_json(Some(s), "/api/v1/tickets", &req).await
    }

    pub async fn reply(&self, s: &Session, ticket: Uuid, body: &str) -> anyhow::Result<()> {
        self.add_message(s, ticket, Uuid::now_v7(), body.to_owned())
            .await
            .map(|_| ())
    }

    /// Posts message `id` on `ticket`; answers the server's copy (it is committed by then).
    pub async fn add_message(
        &self,
        s: &Session,
        ticket: Uuid,
        id: Uuid,
        body: String,
    ) -> anyhow::Result<Message> {
        let req = CreateMessage {
            id,
            body,
            internal: false,
            attachment_ids: Vec::new(),
        };
        self.post_json(Some(s), &format!("/api/v1/tickets/{ticket}/messages"), &req)
            .await
    }

    /// Every ticket `s` can see, paged newest first.
    pub async fn all_tickets(&self, s: &Session) -> anyhow::Result<Vec<Ticket>> {
        let mut out = Vec::new();
        let mut before: Option<i64> = None;
        loop {
            let mut path = "/api/v1/tickets?status=all&limit=200".to_owned();
            if let Some(b) = before {
                path.push_str(&format!("&before={b}"));
            }
            let page: TicketPage = self.get_json(s, &path).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => before = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// The cursor at the head of `s`'s change log, found by pulling everything once.
    pub async fn changes_head(&self, s: &Session) -> anyhow::Result<i64> {
        let mut after = 0;
        loop {
            let page: ChangesPage = self
                .get_json(s, &format!("/api/v1/changes?after={after}&limit=1000"))
                .await?;
            after = page.next;
            if !page.has_more {
                return Ok(after);
            }
        }
    }
}

async fn decode<T: DeserializeOwned>(
    res: reqwest::Response,
    method: &str,
    path: &str,
) -> anyhow::Result<T> {
    let status = res.status();
    let body = res
        .bytes()
        .await
        .with_context(|| format!("{method} {path}"))?;
    if !status.is_success() {
        bail!(
            "{method} {path}: {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    serde_json::from_slice(&body).with_context(|| format!("{method} {path}: unexpected body"))
}

/// Organisations, their customers and one agent: created with the CLI, then signed in.
pub struct Cast {
    pub customers: Vec<Session>,
    pub agent: Session,
}

/// Creates `orgs` organisations with `per_org` customers each, and an agent, on a server that
/// is not yet serving.
pub async fn create_accounts(srv: &Server, orgs: usize, per_org: usize) -> anyhow::Result<()> {
    for o in 0..orgs {
        let org = format!("Taxi {}", o + 1);
        srv.admin(&["org", "add", &org]).await?;
        for c in 0..per_org {
            let email = customer_email(o, c);
            srv.admin(&[
                "user",
                "add",
                "--email",
                &email,
                "--role",
                "customer",
                "--org",
                &org,
                "--password",
                PASSWORD,
            ])
            .await?;
        }
    }
    srv.admin(&[
        "user",
        "add",
        "--email",
        AGENT_EMAIL,
        "--role",
        "agent",
        "--password",
        PASSWORD,
    ])
    .await
}

pub const AGENT_EMAIL: &str = "agent@bench.example";

fn customer_email(org: usize, n: usize) -> String {
    format!("customer{}-{}@bench.example", org + 1, n + 1)
}

/// Signs in everyone `create_accounts` made. Customers are ordered so that consecutive ones
/// belong to different organisations.
pub async fn sign_in(api: &Api, orgs: usize, per_org: usize) -> anyhow::Result<Cast> {
    let mut customers = Vec::with_capacity(orgs * per_org);
    for c in 0..per_org {
        for o in 0..orgs {
            customers.push(api.login(&customer_email(o, c)).await?);
        }
    }
    Ok(Cast {
        customers,
        agent: api.login(AGENT_EMAIL).await?,
    })
}

/// A realistic ticket: a subject and a first message of a few sentences.
pub fn ticket_text(n: usize) -> (String, String) {
    (
        format!("Замовлення не розподіляються на водіїв ({n})"),
        format!(
            "Добрий день! Від 08:15 замовлення зависають у статусі «Новий» і не потрапляють \
             водіям, хоча на лінії {} машин. Перезапуск диспетчерської програми не допоміг. \
             Номер замовлення для прикладу: {}. Прохання перевірити якнайшвидше.",
            12 + n % 40,
            100_000 + n
        ),
    )
}
