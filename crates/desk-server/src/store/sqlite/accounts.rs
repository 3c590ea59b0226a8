//! Organisations, users, sessions, invitations and topics in SQLite: the queries and the rows of
//! [`AccountRows`].

use async_trait::async_trait;
use desk_core::Result;
use desk_core::storage::{AccountRows, Credentials, UserInsert};
use desk_domain::{Organization, Topic, TopicDef, User};
use sqlx::{AssertSqlSafe, SqliteConnection};
use uuid::Uuid;

use super::Db;
use super::rows::{OrgRow, TOPIC_COLUMNS, TopicRow, USER_COLUMNS, UserRow};
use super::writer::WriteCtx;

const ORG_COLUMNS: &str = "SELECT id, name, timezone, created_at FROM organizations";

pub async fn organization(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Organization>> {
    let row: Option<OrgRow> = sqlx::query_as(AssertSqlSafe(format!("{ORG_COLUMNS} WHERE id = ?")))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?;
    Ok(row.map(Into::into))
}

pub async fn organization_by_name(
    conn: &mut SqliteConnection,
    name_fold: &str,
) -> Result<Option<Organization>> {
    let row: Option<OrgRow> =
        sqlx::query_as(AssertSqlSafe(format!("{ORG_COLUMNS} WHERE name_fold = ?")))
            .bind(name_fold)
            .fetch_optional(conn)
            .await
            .db()?;
    Ok(row.map(Into::into))
}

pub async fn organizations(conn: &mut SqliteConnection) -> Result<Vec<Organization>> {
    let rows: Vec<OrgRow> = sqlx::query_as(AssertSqlSafe(format!("{ORG_COLUMNS} ORDER BY name")))
        .fetch_all(conn)
        .await
        .db()?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn user_by_email(
    conn: &mut SqliteConnection,
    email: &str,
) -> Result<Option<Credentials>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = ?");
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(conn)
        .await
        .db()?;
    row.map(|r| {
        let password_hash = r.password_hash.clone();
        Ok(Credentials {
            user: r.into_user()?,
            password_hash,
        })
    })
    .transpose()
}

pub async fn session_user(
    conn: &mut SqliteConnection,
    token_hash: [u8; 32],
    now_ms: i64,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?"
    );
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&token_hash[..])
        .bind(now_ms)
        .fetch_optional(conn)
        .await
        .db()?;
    row.map(UserRow::into_user).transpose()
}

pub async fn user(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?");
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?;
    row.map(UserRow::into_user).transpose()
}

pub async fn topics(conn: &mut SqliteConnection, include_retired: bool) -> Result<Vec<Topic>> {
    let sql = if include_retired {
        format!("SELECT {TOPIC_COLUMNS} FROM topics ORDER BY active DESC, position")
    } else {
        format!("SELECT {TOPIC_COLUMNS} FROM topics WHERE active = 1 ORDER BY position")
    };
    let rows: Vec<TopicRow> = sqlx::query_as(AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .db()?;
    Ok(rows.into_iter().map(Topic::from).collect())
}

/// `Ok(false)` on a unique violation, so the caller can say what is taken.
fn inserted(
    res: std::result::Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error>,
) -> Result<bool> {
    match res {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e).db(),
    }
}

/// The two kinds of secret kept as a hash for a user until they expire.
enum Secret {
    Session,
    Invitation,
}

async fn insert_secret(
    ctx: &mut WriteCtx,
    kind: Secret,
    hash: [u8; 32],
    user_id: Uuid,
    created_ms: i64,
    expires_ms: i64,
) -> Result<()> {
    let sql = match kind {
        Secret::Session => {
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)"
        }
        Secret::Invitation => {
            "INSERT INTO invitations (code_hash, user_id, created_at, expires_at) \
             VALUES (?, ?, ?, ?)"
        }
    };
    sqlx::query(sql)
        .bind(&hash[..])
        .bind(user_id)
        .bind(created_ms)
        .bind(expires_ms)
        .execute(&mut ctx.conn)
        .await
        .db()?;
    Ok(())
}

#[async_trait]
impl AccountRows for WriteCtx {
    async fn insert_organization(&mut self, org: &Organization, name_fold: &str) -> Result<bool> {
        inserted(
            sqlx::query(
                "INSERT INTO organizations (id, name, name_fold, timezone, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(org.id)
            .bind(&org.name)
            .bind(name_fold)
            .bind(&org.timezone)
            .bind(org.created_at.timestamp_millis())
            .execute(&mut self.conn)
            .await,
        )
    }

    async fn insert_user(&mut self, u: &UserInsert) -> Result<bool> {
        inserted(
            sqlx::query(
                "INSERT INTO users (id, email, name, role, organization_id, password_hash, locale, \
                 created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(u.user.id)
            .bind(&u.user.email)
            .bind(&u.user.name)
            .bind(u.user.role.as_str())
            .bind(u.user.organization_id)
            .bind(&u.password_hash)
            .bind(&u.user.locale)
            .bind(u.created_at_ms)
            .execute(&mut self.conn)
            .await,
        )
    }

    async fn user(&mut self, id: Uuid) -> Result<Option<User>> {
        user(&mut self.conn, id).await
    }

    async fn organization_in_tx(&mut self, id: Uuid) -> Result<Option<Organization>> {
        organization(&mut self.conn, id).await
    }

    async fn set_password(&mut self, user_id: Uuid, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn revoke_sessions_of(&mut self, user_id: Uuid, now_ms: i64) -> Result<()> {
        sqlx::query("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL")
            .bind(now_ms)
            .bind(user_id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }

    async fn insert_session(
        &mut self,
        token_hash: [u8; 32],
        user_id: Uuid,
        created_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        insert_secret(
            self,
            Secret::Session,
            token_hash,
            user_id,
            created_ms,
            expires_ms,
        )
        .await
    }

    async fn revoke_session(&mut self, token_hash: [u8; 32], now_ms: i64) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(now_ms)
        .bind(&token_hash[..])
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn insert_invitation(
        &mut self,
        code_hash: [u8; 32],
        user_id: Uuid,
        created_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        insert_secret(
            self,
            Secret::Invitation,
            code_hash,
            user_id,
            created_ms,
            expires_ms,
        )
        .await
    }

    async fn use_invitation(&mut self, code_hash: [u8; 32], now_ms: i64) -> Result<Option<Uuid>> {
        sqlx::query_scalar(
            "UPDATE invitations SET used_at = ?1 WHERE code_hash = ?2 AND used_at IS NULL \
             AND expires_at > ?1 RETURNING user_id",
        )
        .bind(now_ms)
        .bind(&code_hash[..])
        .fetch_optional(&mut self.conn)
        .await
        .db()
    }

    async fn all_topics(&mut self) -> Result<Vec<Topic>> {
        topics(&mut self.conn, true).await
    }

    async fn put_topic(&mut self, d: &TopicDef, position: i64, now_ms: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO topics (id, title_uk, title_en, guidance_uk, guidance_en, urgent, position, \
             active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) \
             ON CONFLICT (id) DO UPDATE SET title_uk = excluded.title_uk, \
             title_en = excluded.title_en, guidance_uk = excluded.guidance_uk, \
             guidance_en = excluded.guidance_en, urgent = excluded.urgent, \
             position = excluded.position, active = 1, updated_at = excluded.updated_at",
        )
        .bind(&d.id)
        .bind(&d.title.uk)
        .bind(&d.title.en)
        .bind(&d.guidance.uk)
        .bind(&d.guidance.en)
        .bind(d.urgent)
        .bind(position)
        .bind(now_ms)
        .execute(&mut self.conn)
        .await
        .db()?;
        Ok(())
    }

    async fn retire_topic(&mut self, id: &str, now_ms: i64) -> Result<()> {
        sqlx::query("UPDATE topics SET active = 0, updated_at = ? WHERE id = ?")
            .bind(now_ms)
            .bind(id)
            .execute(&mut self.conn)
            .await
            .db()?;
        Ok(())
    }
}
