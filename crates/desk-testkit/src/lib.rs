//! Test kit: a real `desk-server` on 127.0.0.1:0 with a fresh database in a temporary
//! directory, restartable on the same data, plus signed-in sessions for the usual cast
//! (two customers of organisation A, one of B, an agent, an admin) and request helpers; and
//! [`bot_api`], a Telegram Bot API stand-in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use desk_core::Core;
use desk_domain::{Organization, Role, User};
use desk_server::admin::{self, AddUser};
use desk_server::{Clock, Config, Running};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod bot_api;

pub use reqwest;

/// The password every fixture account has.
pub const PASSWORD: &str = "correct-horse-battery";

/// A running server and the directory its data lives in.
pub struct TestServer {
    pub base: String,
    pub data_dir: PathBuf,
    running: Option<Running>,
    /// The port it last listened on, so a start after a stop comes back at the same address.
    last_port: Option<u16>,
    _tmp: Option<tempfile::TempDir>,
    tweak: Arc<dyn Fn(&mut Config) + Send + Sync>,
    /// What the server reads "now" from: the system clock unless the test injected one.
    pub clock: Clock,
}

impl TestServer {
    /// A fresh server with default settings.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// A fresh server; `tweak` adjusts its config (limits, heartbeat) before each start.
    pub async fn start_with(
        tweak: impl Fn(&mut Config) + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        Self::start_full(Clock::system(), tweak).await
    }

    /// A fresh server on a manual clock standing at `at`; move it with `server.clock`.
    pub async fn start_at(at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Self> {
        Self::start_full(Clock::manual(at), |_| {}).await
    }

    /// A fresh server reading `clock`, with `tweak` applied to its config before each start.
    pub async fn start_full(
        clock: Clock,
        tweak: impl Fn(&mut Config) + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let tmp = tempfile::tempdir()?;
        let data_dir = tmp.path().join("data");
        let mut s = Self {
            base: String::new(),
            data_dir,
            running: None,
            last_port: None,
            _tmp: Some(tmp),
            tweak: Arc::new(tweak),
            clock,
        };
        s.launch(None).await?;
        Ok(s)
    }

    async fn launch(&mut self, port: Option<u16>) -> anyhow::Result<()> {
        let mut config = Config {
            data_dir: self.data_dir.clone(),
            heartbeat_secs: 1,
            ..Config::default()
        };
        if !self.clock.is_manual() {
            // On the wall clock, tests would meet the after-hours notice only when run at
            // night: keep them independent of the hour. Business-hours tests use a manual clock
            // (and the default Kyiv calendar), or set `calendar` in `tweak`.
            config.calendar = desk_domain::BusinessCalendar::around_the_clock();
        }
        (self.tweak)(&mut config);
        let listener = match port {
            // Same port after a restart, so clients reconnect where they were.
            Some(p) => match tokio::net::TcpListener::bind(("127.0.0.1", p)).await {
                Ok(l) => l,
                Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await?,
            },
            None => tokio::net::TcpListener::bind("127.0.0.1:0").await?,
        };
        config.listen = listener.local_addr()?;
        let running = desk_server::start_with_clock(config, listener, self.clock.clone()).await?;
        self.base = format!("http://{}", running.addr);
        self.last_port = Some(running.addr.port());
        self.running = Some(running);
        Ok(())
    }

    /// Stops the server gracefully; its data stays.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(r) = self.running.take() {
            r.stop().await?;
        }
        Ok(())
    }

    /// Starts again on the same data (and the same port when it is free).
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await?;
        self.launch(self.last_port).await
    }

    /// Starts a stopped server again, on the same data and port.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(self.running.is_none(), "the server is running");
        self.launch(self.last_port).await
    }

    pub fn port(&self) -> Option<u16> {
        self.running.as_ref().map(|r| r.addr.port())
    }

    /// The running server's services (desk-core over its store), for set-up the API has no
    /// endpoint for (organisations, accounts, demo data).
    pub fn store(&self) -> anyhow::Result<Arc<Core>> {
        self.running
            .as_ref()
            .map(|r| Arc::new(r.state.core.clone()))
            .ok_or_else(|| anyhow::anyhow!("server is stopped"))
    }

    /// The Telegram bots the running server knows (a test names them as `getMe` would).
    pub fn bots(&self) -> anyhow::Result<desk_server::BotIdentities> {
        self.running
            .as_ref()
            .map(|r| r.state.bots.clone())
            .ok_or_else(|| anyhow::anyhow!("server is stopped"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn data_path(&self) -> &Path {
        &self.data_dir
    }

    /// An anonymous client (no token).
    pub fn anon(&self) -> Session {
        Session {
            base: self.base.clone(),
            token: None,
            user: None,
            http: reqwest::Client::new(),
        }
    }

    pub async fn add_org(&self, name: &str) -> anyhow::Result<Organization> {
        admin::add_org(self.store()?.as_ref(), name, "Europe/Kyiv").await
    }

    /// Creates an account with [`PASSWORD`] and signs it in.
    pub async fn add_user(
        &self,
        email: &str,
        role: Role,
        org: Option<&str>,
    ) -> anyhow::Result<Session> {
        let store = self.store()?;
        admin::add_user(
            store.as_ref(),
            AddUser {
                email,
                name: Some(email.split('@').next().unwrap_or(email)),
                role,
                org,
                password: Some(PASSWORD),
                locale: "uk",
                invitation_ttl_days: 14,
            },
        )
        .await?;
        self.login(email, PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<Session> {
        let res = self
            .anon()
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await?;
        anyhow::ensure!(res.status().is_success(), "login failed: {}", res.status());
        let body: desk_domain::LoginResponse = res.json().await?;
        Ok(Session {
            base: self.base.clone(),
            token: Some(body.token),
            user: Some(body.user),
            http: reqwest::Client::new(),
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.state.stopping.cancel();
        }
    }
}

/// A signed-in (or anonymous) client of the test server.
#[derive(Clone)]
pub struct Session {
    pub base: String,
    pub token: Option<String>,
    pub user: Option<User>,
    pub http: reqwest::Client,
}

impl Session {
    pub fn user(&self) -> &User {
        self.user
            .as_ref()
            .unwrap_or_else(|| panic!("anonymous session has no user"))
    }

    /// Points this session at another base URL (after a restart on a new port).
    pub fn with_base(mut self, base: &str) -> Self {
        self.base = base.to_owned();
        self
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.request(reqwest::Method::GET, path).send().await
    }

    pub async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> reqwest::Result<reqwest::Response> {
        self.request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
    }

    pub async fn patch<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> reqwest::Result<reqwest::Response> {
        self.request(reqwest::Method::PATCH, path)
            .json(body)
            .send()
            .await
    }

    /// `GET` expecting 2xx, decoded.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let res = self.get(path).await?;
        let status = res.status();
        anyhow::ensure!(
            status.is_success(),
            "GET {path}: {status}: {}",
            res.text().await.unwrap_or_default()
        );
        Ok(res.json().await?)
    }

    /// `POST` expecting 2xx, decoded.
    pub async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        let res = self.post(path, body).await?;
        let status = res.status();
        anyhow::ensure!(
            status.is_success(),
            "POST {path}: {status}: {}",
            res.text().await.unwrap_or_default()
        );
        Ok(res.json().await?)
    }

    /// Uploads `bytes` as an attachment named `filename`.
    pub async fn upload(
        &self,
        filename: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Result<reqwest::Response> {
        self.request(reqwest::Method::POST, "/api/v1/attachments")
            .query(&[("filename", filename)])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await
    }

    /// Files a ticket with a fresh UUIDv7 and answers it.
    pub async fn create_ticket(
        &self,
        topic_id: &str,
        subject: &str,
        body: &str,
    ) -> anyhow::Result<desk_domain::Ticket> {
        self.post_json(
            "/api/v1/tickets",
            &serde_json::json!({"id": uuid::Uuid::now_v7(), "topic_id": topic_id, "subject": subject, "body": body}),
        )
        .await
    }

    /// Adds a message (reply or, with `internal`, a note) with a fresh id.
    pub async fn reply(
        &self,
        ticket: uuid::Uuid,
        body: &str,
        internal: bool,
    ) -> anyhow::Result<desk_domain::Message> {
        self.post_json(
            &format!("/api/v1/tickets/{ticket}/messages"),
            &serde_json::json!({"id": uuid::Uuid::now_v7(), "body": body, "internal": internal}),
        )
        .await
    }
}

/// The usual cast on a fresh server: organisations A and B; two customers of A, one of B; an
/// agent; an admin.
pub struct Cast {
    pub server: TestServer,
    pub org_a: Organization,
    pub org_b: Organization,
    pub alice: Session,
    pub alan: Session,
    pub bob: Session,
    pub agent: Session,
    pub admin: Session,
}

impl Cast {
    pub async fn new() -> anyhow::Result<Self> {
        Self::on(TestServer::start().await?).await
    }

    pub async fn on(server: TestServer) -> anyhow::Result<Self> {
        let org_a = server.add_org("Таксі Ластівка").await?;
        let org_b = server.add_org("Таксі Злагода").await?;
        let alice = server
            .add_user("alice@a.example.com", Role::Customer, Some(&org_a.name))
            .await?;
        let alan = server
            .add_user("alan@a.example.com", Role::Customer, Some(&org_a.name))
            .await?;
        let bob = server
            .add_user("bob@b.example.com", Role::Customer, Some(&org_b.name))
            .await?;
        let agent = server
            .add_user("agent@vendor.example.com", Role::Agent, None)
            .await?;
        let admin = server
            .add_user("admin@vendor.example.com", Role::Admin, None)
            .await?;
        Ok(Self {
            server,
            org_a,
            org_b,
            alice,
            alan,
            bob,
            agent,
            admin,
        })
    }
}
