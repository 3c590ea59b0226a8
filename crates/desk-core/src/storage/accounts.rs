//! Rows of organisations, users, sessions and invitations (only hashes of tokens and codes are
//! kept).

use async_trait::async_trait;
use desk_domain::{Organization, User};
use uuid::Uuid;

use crate::error::Result;

/// A user with what sign-in needs.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserInsert {
    pub user: User,
    pub password_hash: Option<String>,
    pub created_at_ms: i64,
}

#[async_trait]
pub trait AccountRows {
    /// `false` when the folded name is taken.
    async fn insert_organization(&mut self, org: &Organization, name_fold: &str) -> Result<bool>;
    /// `false` when the email is taken.
    async fn insert_user(&mut self, u: &UserInsert) -> Result<bool>;
    async fn user(&mut self, id: Uuid) -> Result<Option<User>>;
    async fn organization_in_tx(&mut self, id: Uuid) -> Result<Option<Organization>>;
    async fn set_password(&mut self, user_id: Uuid, password_hash: &str) -> Result<()>;
    async fn revoke_sessions_of(&mut self, user_id: Uuid, now_ms: i64) -> Result<()>;
    async fn insert_session(
        &mut self,
        token_hash: [u8; 32],
        user_id: Uuid,
        created_ms: i64,
        expires_ms: i64,
    ) -> Result<()>;
    async fn revoke_session(&mut self, token_hash: [u8; 32], now_ms: i64) -> Result<()>;
    async fn insert_invitation(
        &mut self,
        code_hash: [u8; 32],
        user_id: Uuid,
        created_ms: i64,
        expires_ms: i64,
    ) -> Result<()>;
    /// Marks an unused invitation that has not expired at `now_ms` used; its user, or `None`.
    async fn use_invitation(&mut self, code_hash: [u8; 32], now_ms: i64) -> Result<Option<Uuid>>;

    // --- topics
    /// Every topic, retired ones too, with its position.
    async fn all_topics(&mut self) -> Result<Vec<desk_domain::Topic>>;
    /// Inserts or updates the topic at `position`, active.
    async fn put_topic(
        &mut self,
        def: &desk_domain::TopicDef,
        position: i64,
        now_ms: i64,
    ) -> Result<()>;
    async fn retire_topic(&mut self, id: &str, now_ms: i64) -> Result<()>;
}
