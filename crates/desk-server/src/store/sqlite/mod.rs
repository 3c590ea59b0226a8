//! The SQLite store: WAL, `synchronous=FULL`, foreign keys, a busy timeout; migrations embedded
//! and applied at open. Reads go through a pool; write jobs (the services' code) through the
//! group-commit writer. SQL and row mapping only: every rule is desk-core's.

mod accounts;
mod incidents;
mod rows;
mod sync;
mod telegram;
mod telegram_alert;
mod telegram_request;
mod telegram_support;
mod tickets;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use desk_core::storage::{
    AttachmentAccess, ChangeNote, ChangeSnapshot, Credentials, IncidentRecord, Job, JobOutput,
    LogScope, Outgoing, RequestQuery, Storage, TicketQuery,
};
use desk_core::{Error, Result};
use desk_domain::{
    Bot, DutyAgent, IncidentStatus, Message, Organization, TelegramLink, TelegramRequest, Ticket,
    Topic, User,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};
use tokio::sync::broadcast;
use uuid::Uuid;

use self::writer::Writer;

pub struct SqliteStore {
    read: SqlitePool,
    writer: Writer,
    events: broadcast::Sender<ChangeNote>,
}

/// sqlx's errors as the core's: a pool that is closed or exhausted means "try again later";
/// anything else is internal (logged, never shown).
pub(crate) trait Db<T> {
    fn db(self) -> Result<T>;
}

impl<T> Db<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(|e| match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                let mut err = Error::unavailable();
                err.cause = Some(e.to_string());
                err
            }
            _ => Error::internal(e),
        })
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `data_dir/desk.sqlite3`.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let opts = SqliteConnectOptions::from_str("sqlite:")?
            .filename(data_dir.join("desk.sqlite3"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .disable_statement_logging();
        let mut conn = opts.connect().await?;
        sqlx::migrate!("./migrations").run(&mut conn).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let (events, _) = broadcast::channel(4096);
        let writer = Writer::spawn(conn, events.clone());
        Ok(Self {
            read,
            writer,
            events,
        })
    }

    async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        self.read.acquire().await.db()
    }
}

#[async_trait]
impl Storage for SqliteStore {
    #[tracing::instrument(skip_all, err)]
    async fn write(&self, job: Job) -> Result<JobOutput> {
        self.writer.run(job).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn organization(&self, id: Uuid) -> Result<Option<Organization>> {
        accounts::organization(&mut *self.conn().await?, id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn organization_by_name(&self, name_fold: &str) -> Result<Option<Organization>> {
        accounts::organization_by_name(&mut *self.conn().await?, name_fold).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn organizations(&self) -> Result<Vec<Organization>> {
        accounts::organizations(&mut *self.conn().await?).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn user_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        accounts::user_by_email(&mut *self.conn().await?, email).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn session_user(&self, token_hash: [u8; 32], now_ms: i64) -> Result<Option<User>> {
        accounts::session_user(&mut *self.conn().await?, token_hash, now_ms).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn topics(&self, include_retired: bool) -> Result<Vec<Topic>> {
        accounts::topics(&mut *self.conn().await?, include_retired).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn ticket(&self, id: Uuid) -> Result<Option<Ticket>> {
        tickets::ticket(&mut *self.conn().await?, id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn tickets(&self, q: &TicketQuery) -> Result<Vec<Ticket>> {
        tickets::list(&mut *self.conn().await?, q).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn ticket_organization(&self, id: Uuid) -> Result<Option<Uuid>> {
        tickets::organization_of(&mut *self.conn().await?, id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn messages(&self, ticket_id: Uuid, include_internal: bool) -> Result<Vec<Message>> {
        tickets::messages(&mut *self.conn().await?, ticket_id, include_internal).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn attachment(&self, id: Uuid) -> Result<Option<AttachmentAccess>> {
        tickets::attachment(&mut *self.conn().await?, id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn incident_ids(
        &self,
        organization: Option<Uuid>,
        status: Option<IncidentStatus>,
        limit: i64,
    ) -> Result<Vec<Uuid>> {
        incidents::ids(&mut *self.conn().await?, organization, status, limit).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn incidents(&self, ids: &[Uuid]) -> Result<Vec<IncidentRecord>> {
        incidents::records(&mut *self.conn().await?, ids).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn duty_roster(&self) -> Result<Vec<DutyAgent>> {
        incidents::duty_roster(&mut *self.conn().await?).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn oldest_unanswered_page(&self) -> Result<Option<i64>> {
        incidents::oldest_unanswered_page(&mut *self.conn().await?).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_links(&self, organization: Option<Uuid>) -> Result<Vec<TelegramLink>> {
        telegram::links(&mut *self.conn().await?, organization).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_link(&self, id: Uuid) -> Result<Option<TelegramLink>> {
        telegram::link(&mut *self.conn().await?, id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_link_for_chat(&self, bot: Bot, chat_id: i64) -> Result<Option<TelegramLink>> {
        telegram::link_for_chat(&mut *self.conn().await?, bot, chat_id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_offset(&self, bot: Bot) -> Result<i64> {
        telegram::offset(&mut *self.conn().await?, bot).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_update_handled(&self, bot: Bot, update_id: i64) -> Result<bool> {
        telegram::handled(&mut *self.conn().await?, bot, update_id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_handled_below(&self, bot: Bot) -> Result<i64> {
        telegram::handled_below(&mut *self.conn().await?, bot).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn due_outgoing(&self, bot: Bot, now_ms: i64, limit: i64) -> Result<Vec<Outgoing>> {
        telegram::due(&mut *self.conn().await?, bot, now_ms, limit).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_requests(&self, q: RequestQuery) -> Result<Vec<TelegramRequest>> {
        telegram_request::list(&mut *self.conn().await?, q).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn oldest_request_page(&self) -> Result<Option<i64>> {
        telegram_request::oldest_page(&mut *self.conn().await?).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_request(&self, id: Uuid) -> Result<Option<TelegramRequest>> {
        let found = telegram_request::by_ids(&mut *self.conn().await?, &[id]).await?;
        Ok(found.into_iter().next())
    }

    #[tracing::instrument(skip_all, err)]
    async fn alert_drafts_waiting_since(&self, before_ms: i64) -> Result<bool> {
        telegram_alert::waiting_since(&mut *self.conn().await?, before_ms).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn telegram_cursor(&self, name: &str) -> Result<Option<i64>> {
        telegram::cursor(&mut *self.conn().await?, name).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn ticket_of_sent(
        &self,
        bot: Bot,
        chat_id: i64,
        message_id: i64,
    ) -> Result<Option<Uuid>> {
        telegram::ticket_of_sent(&mut *self.conn().await?, bot, chat_id, message_id).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn change_snapshot(
        &self,
        after: i64,
        scope: LogScope,
        limit: u32,
    ) -> Result<ChangeSnapshot> {
        sync::snapshot(&self.read, after, scope, limit).await
    }

    #[tracing::instrument(skip_all, err)]
    async fn latest_seq(&self, scope: LogScope) -> Result<i64> {
        sync::latest_seq(&mut *self.conn().await?, scope).await
    }

    fn subscribe(&self) -> broadcast::Receiver<ChangeNote> {
        self.events.subscribe()
    }

    async fn close(&self) {
        // Jobs run in order: once this empty one is answered, every earlier write is durable.
        let _ = self
            .writer
            .run(Box::new(|_| {
                Box::pin(async { Ok(Box::new(()) as JobOutput) })
            }))
            .await;
        self.read.close().await;
    }
}
