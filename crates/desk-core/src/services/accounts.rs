//! Organisations, accounts, sessions and invitations. Tokens and codes arrive hashed: only
//! their hashes are kept.

use desk_domain::{Organization, Role, User};
use tracing::instrument;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::storage::{Credentials, UserInsert};
use crate::{Core, validate};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub password_hash: Option<String>,
    pub locale: String,
}

impl Core {
    #[instrument(skip_all, err)]
    pub async fn create_organization(&self, name: &str, timezone: &str) -> Result<Organization> {
        let name = validate::organization_name(name)?;
        let org = Organization {
            id: Uuid::now_v7(),
            name,
            timezone: timezone.to_owned(),
            created_at: self.clock.now(),
        };
        let fold = validate::fold(&org.name);
        let row = org.clone();
        let inserted = self
            .write(move |tx| Box::pin(async move { tx.insert_organization(&row, &fold).await }))
            .await?;
        if !inserted {
            return Err(Error::already_exists(
                format!("Організація «{}» уже є.", org.name),
                format!("An organization named “{}” already exists.", org.name),
            ));
        }
        Ok(org)
    }

    #[instrument(skip_all, err)]
    pub async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        self.storage
            .organization_by_name(&validate::fold(name.trim()))
            .await
    }

    #[instrument(skip_all, err)]
    pub async fn organization(&self, id: Uuid) -> Result<Option<Organization>> {
        self.storage.organization(id).await
    }

    #[instrument(skip_all, err)]
    pub async fn list_organizations(&self) -> Result<Vec<Organization>> {
        self.storage.organizations().await
    }

    #[instrument(skip_all, err)]
    pub async fn create_user(&self, u: NewUser) -> Result<User> {
        let user = User {
            id: Uuid::now_v7(),
            email: u.email.trim().to_lowercase(),
            name: u.name.trim().to_owned(),
            role: u.role,
            organization_id: u.organization_id,
            locale: u.locale,
        };
        let row = UserInsert {
            user: user.clone(),
            password_hash: u.password_hash,
            created_at_ms: self.clock.now_ms(),
        };
        let inserted = self
            .write(move |tx| Box::pin(async move { tx.insert_user(&row).await }))
            .await?;
        if !inserted {
            return Err(Error::already_exists(
                format!("Користувач {} уже є.", user.email),
                format!("A user with email {} already exists.", user.email),
            ));
        }
        Ok(user)
    }

    #[instrument(skip_all, err)]
    pub async fn user_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        self.storage
            .user_by_email(&email.trim().to_lowercase())
            .await
    }

    /// Sets a new password; it ends every session signed in with the old one.
    #[instrument(skip_all, err)]
    pub async fn set_password(&self, user_id: Uuid, password_hash: &str) -> Result<()> {
        let (hash, now) = (password_hash.to_owned(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                tx.set_password(user_id, &hash).await?;
                tx.revoke_sessions_of(user_id, now).await
            })
        })
        .await
    }

    #[instrument(skip_all, err)]
    pub async fn create_session(
        &self,
        token_hash: [u8; 32],
        user_id: Uuid,
        ttl_days: i64,
    ) -> Result<()> {
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                tx.insert_session(token_hash, user_id, now, now + ttl_days * DAY_MS)
                    .await
            })
        })
        .await
    }

    #[instrument(skip_all, err)]
    pub async fn session_user(&self, token_hash: [u8; 32]) -> Result<Option<User>> {
        self.storage
            .session_user(token_hash, self.clock.now_ms())
            .await
    }

    #[instrument(skip_all, err)]
    pub async fn revoke_session(&self, token_hash: [u8; 32]) -> Result<()> {
        let now = self.clock.now_ms();
        self.write(move |tx| Box::pin(async move { tx.revoke_session(token_hash, now).await }))
            .await
    }

    #[instrument(skip_all, err)]
    pub async fn create_invitation(
        &self,
        code_hash: [u8; 32],
        user_id: Uuid,
        ttl_days: i64,
    ) -> Result<()> {
        let now = self.clock.now_ms();
        self.write(move |tx| {
            Box::pin(async move {
                tx.insert_invitation(code_hash, user_id, now, now + ttl_days * DAY_MS)
                    .await
            })
        })
        .await
    }

    /// Uses the invitation and sets the password, in one step; `None` if the code is unknown,
    /// used or expired.
    #[instrument(skip_all, err)]
    pub async fn accept_invitation(
        &self,
        code_hash: [u8; 32],
        password_hash: &str,
    ) -> Result<Option<User>> {
        let (hash, now) = (password_hash.to_owned(), self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                let Some(user_id) = tx.use_invitation(code_hash, now).await? else {
                    return Ok(None);
                };
                tx.set_password(user_id, &hash).await?;
                tx.user(user_id).await
            })
        })
        .await
    }
}
