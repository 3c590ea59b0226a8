//! The SQLite store: WAL, `synchronous=FULL`, foreign keys, a busy timeout; migrations embedded
//! and applied at open. Reads go through a pool; writes through the group-commit writer.

mod incident_writes;
mod incidents;
mod rows;
mod sync;
mod tickets;
mod waiting;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use desk_domain::{
    ChangesPage, DutyAgent, Incident, IncidentStatus, Message, Organization, OutageReport, Ticket,
    TicketFilter, TicketPage, Topic, TopicDef, UpdateIncident, UpdateTicket, User,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, ConnectOptions, SqlitePool};
use tokio::sync::broadcast;
use uuid::Uuid;

use self::rows::{
    ATTACHMENT_COLUMNS, AttachmentRow, OrgRow, TOPIC_COLUMNS, TopicRow, USER_COLUMNS, UserRow,
};
use self::tickets::{KIND_TOPIC, record_change};
use self::writer::{WriteCtx, Writer};
use super::{
    AttachmentRecord, ChangeNote, Created, Credentials, NewAttachment, NewIncident, NewMessage,
    NewOutage, NewTicket, NewUser, RepageOutcome, Store, StoreResult,
};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::rules::{self, Viewer};

pub struct SqliteStore {
    read: SqlitePool,
    writer: Writer,
    events: broadcast::Sender<ChangeNote>,
    blobs: PathBuf,
    uploads: PathBuf,
    clock: Clock,
    calendar: crate::calendar::CalendarHandle,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`: `desk.sqlite3`, `blobs/`, `uploads/`.
    /// Uploads cut short by a crash are removed here.
    pub async fn open(data_dir: &Path) -> anyhow::Result<Self> {
        Self::open_with_clock(data_dir, Clock::system()).await
    }

    /// [`SqliteStore::open`] with the clock its writes take "now" from.
    pub async fn open_with_clock(data_dir: &Path, clock: Clock) -> anyhow::Result<Self> {
        let blobs = data_dir.join("blobs");
        let uploads = data_dir.join("uploads");
        std::fs::create_dir_all(&blobs)?;
        if uploads.exists() {
            std::fs::remove_dir_all(&uploads)?;
        }
        std::fs::create_dir_all(&uploads)?;

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
        let calendar = crate::calendar::CalendarHandle::default();
        let writer = Writer::spawn(conn, events.clone(), clock.clone(), calendar.clone());
        Ok(Self {
            read,
            writer,
            events,
            blobs,
            uploads,
            clock,
            calendar,
        })
    }

    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteCtx) -> futures::future::BoxFuture<'c, StoreResult<T>>
            + Send
            + 'static,
    {
        self.writer.run(f).await
    }

    async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.read.acquire().await?)
    }
}

fn org_fold(name: &str) -> String {
    rules::fold(name.trim())
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_organization(&self, name: &str, timezone: &str) -> StoreResult<Organization> {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ApiError::validation(
                "Назва організації має містити від 1 до 200 символів.",
                "An organization name must be 1 to 200 characters.",
            ));
        }
        let tz = timezone.to_owned();
        self.write(move |ctx| {
            Box::pin(async move {
                let id = Uuid::now_v7();
                let now = ctx.now_ms();
                let res = sqlx::query(
                    "INSERT INTO organizations (id, name, name_fold, timezone, created_at) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&name)
                .bind(org_fold(&name))
                .bind(&tz)
                .bind(now)
                .execute(&mut ctx.conn)
                .await;
                match res {
                    Ok(_) => Ok(Organization { id, name, timezone: tz, created_at: rows::ts(now) }),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(ApiError::new(
                        axum::http::StatusCode::CONFLICT,
                        desk_domain::ErrorCode::IdConflict,
                        format!("Організація «{name}» уже є."),
                        format!("An organization named “{name}” already exists."),
                    )),
                    Err(e) => Err(e.into()),
                }
            })
        })
        .await
    }

    async fn organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>> {
        let row: Option<OrgRow> = sqlx::query_as(
            "SELECT id, name, timezone, created_at FROM organizations WHERE name_fold = ?",
        )
        .bind(org_fold(name))
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn organization(&self, id: Uuid) -> StoreResult<Option<Organization>> {
        let row: Option<OrgRow> =
            sqlx::query_as("SELECT id, name, timezone, created_at FROM organizations WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(Into::into))
    }

    async fn list_organizations(&self) -> StoreResult<Vec<Organization>> {
        let rows: Vec<OrgRow> = sqlx::query_as(
            "SELECT id, name, timezone, created_at FROM organizations ORDER BY name",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn create_user(&self, u: NewUser) -> StoreResult<User> {
        self.write(move |ctx| {
            Box::pin(async move {
                let id = Uuid::now_v7();
                let email = u.email.trim().to_lowercase();
                let res = sqlx::query(
                    "INSERT INTO users (id, email, name, role, organization_id, password_hash, locale, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id)
                .bind(&email)
                .bind(u.name.trim())
                .bind(u.role.as_str())
                .bind(u.organization_id)
                .bind(&u.password_hash)
                .bind(&u.locale)
                .bind(ctx.now_ms())
                .execute(&mut ctx.conn)
                .await;
                match res {
                    Ok(_) => Ok(User {
                        id,
                        email,
                        name: u.name.trim().to_owned(),
                        role: u.role,
                        organization_id: u.organization_id,
                        locale: u.locale,
                    }),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(ApiError::new(
                        axum::http::StatusCode::CONFLICT,
                        desk_domain::ErrorCode::IdConflict,
                        format!("Користувач {email} уже є."),
                        format!("A user with email {email} already exists."),
                    )),
                    Err(e) => Err(e.into()),
                }
            })
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = ?");
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.read)
            .await?;
        match row {
            Some(r) => {
                let password_hash = r.password_hash.clone();
                Ok(Some(Credentials {
                    user: r.into_user()?,
                    password_hash,
                }))
            }
            None => Ok(None),
        }
    }

    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> StoreResult<()> {
        let hash = password_hash.to_owned();
        self.write(move |ctx| {
            Box::pin(async move {
                sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
                    .bind(&hash)
                    .bind(user_id)
                    .execute(&mut ctx.conn)
                    .await?;
                // A new password ends every session signed in with the old one.
                sqlx::query(
                    "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                )
                .bind(ctx.now_ms())
                .bind(user_id)
                .execute(&mut ctx.conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn create_session(
        &self,
        token_hash: [u8; 32],
        user_id: Uuid,
        ttl_days: i64,
    ) -> StoreResult<()> {
        self.write(move |ctx| {
            Box::pin(async move {
                let now = ctx.now_ms();
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
                    .bind(&token_hash[..])
                    .bind(user_id)
                    .bind(now)
                    .bind(now + ttl_days * DAY_MS)
                    .execute(&mut ctx.conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn session_user(&self, token_hash: [u8; 32]) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?"
        );
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(&token_hash[..])
            .bind(self.clock.now_ms())
            .fetch_optional(&self.read)
            .await?;
        row.map(UserRow::into_user).transpose()
    }

    async fn revoke_session(&self, token_hash: [u8; 32]) -> StoreResult<()> {
        self.write(move |ctx| {
            Box::pin(async move {
                sqlx::query("UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL")
                    .bind(ctx.now_ms())
                    .bind(&token_hash[..])
                    .execute(&mut ctx.conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn create_invitation(
        &self,
        code_hash: [u8; 32],
        user_id: Uuid,
        ttl_days: i64,
    ) -> StoreResult<()> {
        self.write(move |ctx| {
            Box::pin(async move {
                let now = ctx.now_ms();
                sqlx::query("INSERT INTO invitations (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
                    .bind(&code_hash[..])
                    .bind(user_id)
                    .bind(now)
                    .bind(now + ttl_days * DAY_MS)
                    .execute(&mut ctx.conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn accept_invitation(
        &self,
        code_hash: [u8; 32],
        password_hash: &str,
    ) -> StoreResult<Option<User>> {
        let hash = password_hash.to_owned();
        self.write(move |ctx| {
            Box::pin(async move {
                let now = ctx.now_ms();
                let user_id: Option<Uuid> = sqlx::query_scalar(
                    "UPDATE invitations SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id",
                )
                .bind(now)
                .bind(&code_hash[..])
                .bind(now)
                .fetch_optional(&mut ctx.conn)
                .await?;
                let Some(user_id) = user_id else { return Ok(None) };
                sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
                    .bind(&hash)
                    .bind(user_id)
                    .execute(&mut ctx.conn)
                    .await?;
                let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?");
                let row: UserRow = sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).fetch_one(&mut ctx.conn).await?;
                Ok(Some(row.into_user()?))
            })
        })
        .await
    }

    async fn import_topics(&self, defs: &[TopicDef]) -> StoreResult<usize> {
        let defs = crate::topics::ordered(defs)?;
        self.write(move |ctx| {
            Box::pin(async move {
                let now = ctx.now_ms();
                let mut changed = 0;
                let existing: Vec<TopicRow> =
                    sqlx::query_as(AssertSqlSafe(format!("SELECT {TOPIC_COLUMNS} FROM topics")))
                        .fetch_all(&mut ctx.conn)
                        .await?;
                for (pos, d) in defs.iter().enumerate() {
                    let pos = pos as i64;
                    let same = existing.iter().any(|e| {
                        e.id == d.id
                            && e.title_uk == d.title.uk
                            && e.title_en == d.title.en
                            && e.guidance_uk == d.guidance.uk
                            && e.guidance_en == d.guidance.en
                            && e.urgent == d.urgent
                            && e.position == pos
                            && e.active
                    });
                    if same {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO topics (id, title_uk, title_en, guidance_uk, guidance_en, urgent, position, active, updated_at) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) \
                         ON CONFLICT (id) DO UPDATE SET title_uk = excluded.title_uk, title_en = excluded.title_en, \
                         guidance_uk = excluded.guidance_uk, guidance_en = excluded.guidance_en, urgent = excluded.urgent, \
                         position = excluded.position, active = 1, updated_at = excluded.updated_at",
                    )
                    .bind(&d.id)
                    .bind(&d.title.uk)
                    .bind(&d.title.en)
                    .bind(&d.guidance.uk)
                    .bind(&d.guidance.en)
                    .bind(d.urgent)
                    .bind(pos)
                    .bind(now)
                    .execute(&mut ctx.conn)
                    .await?;
                    record_change(ctx, KIND_TOPIC, d.id.as_bytes(), None, false).await?;
                    changed += 1;
                }
                for e in existing.iter().filter(|e| e.active && !defs.iter().any(|d| d.id == e.id)) {
                    sqlx::query("UPDATE topics SET active = 0, updated_at = ? WHERE id = ?")
                        .bind(now)
                        .bind(&e.id)
                        .execute(&mut ctx.conn)
                        .await?;
                    record_change(ctx, KIND_TOPIC, e.id.as_bytes(), None, false).await?;
                    changed += 1;
                }
                Ok(changed)
            })
        })
        .await
    }

    async fn list_topics(&self, include_retired: bool) -> StoreResult<Vec<Topic>> {
        let sql = if include_retired {
            format!("SELECT {TOPIC_COLUMNS} FROM topics ORDER BY active DESC, position")
        } else {
            format!("SELECT {TOPIC_COLUMNS} FROM topics WHERE active = 1 ORDER BY position")
        };
        let rows: Vec<TopicRow> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(Topic::from).collect())
    }

    async fn create_ticket(&self, v: &Viewer, t: NewTicket) -> StoreResult<(Ticket, Created)> {
        let v = *v;
        self.write(move |ctx| {
            Box::pin(async move {
                let (mut ticket, created) = tickets::create_ticket(ctx, v, t).await?;
                if created == Created::New {
                    tickets::after_hours_notice(ctx, &mut ticket).await?;
                }
                Ok((ticket, created))
            })
        })
        .await
    }

    async fn ticket(&self, v: &Viewer, id: Uuid) -> StoreResult<Option<Ticket>> {
        tickets::ticket(&mut *self.conn().await?, v, id).await
    }

    async fn list_tickets(&self, v: &Viewer, f: &TicketFilter) -> StoreResult<TicketPage> {
        tickets::list(&mut *self.conn().await?, v, f).await
    }

    async fn update_ticket(
        &self,
        v: &Viewer,
        id: Uuid,
        u: &UpdateTicket,
        at_ms: Option<i64>,
    ) -> StoreResult<Ticket> {
        let (v, u) = (*v, u.clone());
        self.write(move |ctx| Box::pin(tickets::update_ticket(ctx, v, id, u, at_ms)))
            .await
    }

    async fn add_message(&self, v: &Viewer, m: NewMessage) -> StoreResult<(Message, Created)> {
        let v = *v;
        self.write(move |ctx| Box::pin(tickets::add_message(ctx, v, m)))
            .await
    }

    async fn messages(&self, v: &Viewer, ticket_id: Uuid) -> StoreResult<Option<Vec<Message>>> {
        tickets::messages(&mut *self.conn().await?, v, ticket_id).await
    }

    async fn insert_attachment(&self, v: &Viewer, a: NewAttachment) -> StoreResult<()> {
        let v = *v;
        self.write(move |ctx| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO attachments (id, filename, size, media_type, sha256, uploader_id, message_id, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                )
                .bind(a.id)
                .bind(&a.filename)
                .bind(i64::try_from(a.size).unwrap_or(i64::MAX))
                .bind(&a.media_type)
                .bind(&a.sha256)
                .bind(v.user_id)
                .bind(ctx.now_ms())
                .execute(&mut ctx.conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn attachment(&self, v: &Viewer, id: Uuid) -> StoreResult<Option<AttachmentRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            a: AttachmentRow,
            uploader_id: Uuid,
            organization_id: Option<Uuid>,
            internal: Option<bool>,
        }
        let sql = format!(
            "SELECT {}, a.uploader_id, t.organization_id, m.internal FROM attachments a \
             LEFT JOIN messages m ON m.id = a.message_id LEFT JOIN tickets t ON t.id = m.ticket_id \
             WHERE a.id = ?",
            ATTACHMENT_COLUMNS
                .split(", ")
                .map(|c| format!("a.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<Row> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let visible = match row.organization_id {
            // Not yet part of a message: only its uploader may fetch it back.
            None => row.uploader_id == v.user_id,
            Some(org) => v.sees_org(org) && (v.is_staff() || row.internal == Some(false)),
        };
        if !visible {
            return Ok(None);
        }
        Ok(Some(AttachmentRecord {
            path: self.blob_path(id),
            attachment: row.a.into(),
        }))
    }

    fn blob_path(&self, id: Uuid) -> PathBuf {
        self.blobs.join(id.simple().to_string())
    }

    fn upload_path(&self) -> PathBuf {
        self.uploads
            .join(format!("{}.part", Uuid::new_v4().simple()))
    }

    async fn report_outage(
        &self,
        v: &Viewer,
        r: NewOutage,
    ) -> StoreResult<(OutageReport, Created)> {
        let v = *v;
        self.write(move |ctx| Box::pin(incident_writes::report_outage(ctx, v, r)))
            .await
    }

    async fn list_incidents(
        &self,
        v: &Viewer,
        status: Option<IncidentStatus>,
    ) -> StoreResult<Vec<Incident>> {
        incidents::list(&mut *self.conn().await?, v, status).await
    }

    async fn incident(&self, v: &Viewer, id: Uuid) -> StoreResult<Option<Incident>> {
        incidents::incident(&mut *self.conn().await?, v, id).await
    }

    async fn create_incident(
        &self,
        v: &Viewer,
        c: NewIncident,
    ) -> StoreResult<(Incident, Created)> {
        let v = *v;
        self.write(move |ctx| Box::pin(incident_writes::create_incident(ctx, v, c)))
            .await
    }

    async fn acknowledge_incident(
        &self,
        v: &Viewer,
        id: Uuid,
        at_ms: Option<i64>,
    ) -> StoreResult<Incident> {
        let v = *v;
        self.write(move |ctx| Box::pin(incident_writes::acknowledge(ctx, v, id, at_ms)))
            .await
    }

    async fn post_incident_update(
        &self,
        v: &Viewer,
        id: Uuid,
        event_id: Uuid,
        body: String,
        resolve: bool,
        at_ms: Option<i64>,
    ) -> StoreResult<Incident> {
        let v = *v;
        self.write(move |ctx| {
            Box::pin(incident_writes::post_update(
                ctx, v, id, event_id, body, resolve, at_ms,
            ))
        })
        .await
    }

    async fn update_incident(
        &self,
        v: &Viewer,
        id: Uuid,
        u: UpdateIncident,
    ) -> StoreResult<Incident> {
        let v = *v;
        self.write(move |ctx| Box::pin(incident_writes::update(ctx, v, id, u)))
            .await
    }

    async fn merge_incidents(&self, v: &Viewer, into: Uuid, from: Uuid) -> StoreResult<Incident> {
        let v = *v;
        self.write(move |ctx| Box::pin(incident_writes::merge(ctx, v, into, from)))
            .await
    }

    async fn repage_due(&self, repage_ms: i64) -> StoreResult<RepageOutcome> {
        // Look first on a read connection: most passes find nothing due and need no write.
        let next = incidents::next_page_due(&mut *self.conn().await?, repage_ms).await?;
        match next {
            Some(due) if due <= self.clock.now_ms() => {
                self.write(move |ctx| Box::pin(incident_writes::repage_due(ctx, repage_ms)))
                    .await
            }
            _ => Ok(RepageOutcome {
                paged: 0,
                next_due_ms: next,
            }),
        }
    }

    async fn duty_roster(&self) -> StoreResult<Vec<DutyAgent>> {
        incidents::duty_roster(&mut *self.conn().await?).await
    }

    async fn set_duty(&self, v: &Viewer, on_duty: bool) -> StoreResult<DutyAgent> {
        let v = *v;
        self.write(move |ctx| Box::pin(incident_writes::set_duty(ctx, v, on_duty)))
            .await
    }

    async fn changes(&self, v: &Viewer, after: i64, limit: u32) -> StoreResult<ChangesPage> {
        sync::changes(&self.read, v, after, limit).await
    }

    async fn latest_seq(&self, v: &Viewer) -> StoreResult<i64> {
        sync::latest_seq(&mut *self.conn().await?, v).await
    }

    fn subscribe(&self) -> broadcast::Receiver<ChangeNote> {
        self.events.subscribe()
    }

    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn calendar(&self) -> &crate::calendar::CalendarHandle {
        &self.calendar
    }

    async fn close(&self) {
        // Jobs run in order: once this empty one is answered, every earlier write is durable.
        let _ = self.write(|_| Box::pin(async { Ok(()) })).await;
        self.read.close().await;
    }
}
