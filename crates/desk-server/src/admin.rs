//! Administration from the command line: organisations, accounts (with a password, or a
//! one-time invitation code to set one), topic imports. The binary prints; this module decides.

use std::path::Path;

use desk_core::Core;
use desk_core::services::NewUser;
use desk_domain::{Organization, Role, User};

use crate::auth;

fn err(e: desk_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", e.en)
}

pub async fn add_org(core: &Core, name: &str, timezone: &str) -> anyhow::Result<Organization> {
    core.create_organization(name, timezone).await.map_err(err)
}

pub struct AddUser<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub role: Role,
    pub org: Option<&'a str>,
    pub password: Option<&'a str>,
    pub locale: &'a str,
    pub invitation_ttl_days: i64,
}

/// Creates the account; without a password, answers a one-time invitation code to give the user.
pub async fn add_user(core: &Core, a: AddUser<'_>) -> anyhow::Result<(User, Option<String>)> {
    let email = a.email.trim().to_lowercase();
    let valid_email = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !email.contains(char::is_whitespace);
    if !valid_email {
        anyhow::bail!("“{}” is not an email address", a.email);
    }
    let organization_id = match (a.role, a.org) {
        (Role::Customer, None) => anyhow::bail!("customers need --org NAME (their organisation)"),
        (Role::Customer, Some(name)) => Some(
            core.organization_by_name(name)
                .await
                .map_err(err)?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "no organisation named “{name}”; add it with `desk-server org add`"
                    )
                })?
                .id,
        ),
        (_, Some(_)) => anyhow::bail!("agents and admins belong to the vendor: leave out --org"),
        (_, None) => None,
    };
    let password_hash = match a.password {
        Some(p) => {
            auth::check_password_policy(p).map_err(err)?;
            Some(auth::hash_password(p).await.map_err(err)?)
        }
        None => None,
    };
    let name = a
        .name
        .map(str::to_owned)
        .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
    let has_password = password_hash.is_some();
    let user = core
        .create_user(NewUser {
            email,
            name,
            role: a.role,
            organization_id,
            password_hash,
            locale: a.locale.to_owned(),
        })
        .await
        .map_err(err)?;
    if has_password {
        return Ok((user, None));
    }
    let (code, hash) = auth::new_invitation_code();
    core.create_invitation(hash, user.id, a.invitation_ttl_days)
        .await
        .map_err(err)?;
    Ok((user, Some(code)))
}

pub async fn import_topics(core: &Core, file: &Path) -> anyhow::Result<usize> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let defs = desk_core::services::parse_topics(&text).map_err(err)?;
    core.import_topics(&defs).await.map_err(err)
}
