//! Passwords (argon2), opaque bearer tokens (only their SHA-256 is stored), invitation codes, and
//! the `Auth` extractor that turns a token into the caller.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use desk_domain::User;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use desk_core::{Error, Result, Viewer};

use crate::error::ApiError;

pub fn sha256(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// A new bearer token and the hash the store keeps.
pub fn new_token() -> (String, [u8; 32]) {
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    let token = format!(
        "dsk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    );
    let hash = sha256(&token);
    (token, hash)
}

const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A one-time invitation code people can read aloud and type: `XXXX-XXXX-XXXX`.
pub fn new_invitation_code() -> (String, [u8; 32]) {
    let mut raw = [0u8; 12];
    OsRng.fill_bytes(&mut raw);
    let chars: String = raw
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect();
    let code = format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]);
    let hash = invitation_hash(&code);
    (code, hash)
}

/// Codes match whatever the case and dashes or spaces typed.
pub fn invitation_hash(code: &str) -> [u8; 32] {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    sha256(&norm)
}

pub fn check_password_policy(pw: &str) -> Result<()> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(Error::validation(
            "Пароль закороткий: потрібно щонайменше 8 символів.",
            "The password is too short: at least 8 characters.",
        ));
    }
    if n > 512 {
        return Err(Error::validation(
            "Пароль задовгий: щонайбільше 512 символів.",
            "The password is too long: at most 512 characters.",
        ));
    }
    Ok(())
}

/// Argon2id hash in PHC format; runs off the async threads.
pub async fn hash_password(pw: &str) -> Result<String> {
    let pw = pw.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("argon2: {e}")))
    })
    .await
    .map_err(Error::internal)?
}

/// Checks `pw` against `hash`; with no hash, spends the same time and fails, so sign-in timing
/// does not tell which emails exist.
pub async fn verify_password(hash: Option<String>, pw: &str) -> bool {
    let pw = pw.to_owned();
    tokio::task::spawn_blocking(move || {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"timing-equaliser", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let (h, real) = match &hash {
            Some(h) => (h.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(h) else {
            return false;
        };
        Argon2::default()
            .verify_password(pw.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .unwrap_or(false)
}

/// The token from `Authorization: Bearer …`.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The signed-in caller. Extracting it answers 401 when the token is missing or not valid.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub viewer: Viewer,
    pub token_hash: [u8; 32],
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(Error::unauthorized)?;
        let token_hash = sha256(token);
        let user = state
            .core
            .session_user(token_hash)
            .await?
            .ok_or_else(Error::unauthorized)?;
        let viewer = Viewer::of(&user);
        Ok(Self {
            user,
            viewer,
            token_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_codes_tolerate_typing() {
        let (code, hash) = new_invitation_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            invitation_hash(&code.to_lowercase().replace('-', " ")),
            hash
        );
    }

    #[tokio::test]
    async fn passwords_verify() {
        let h = hash_password("correct horse").await.expect("hash");
        assert!(verify_password(Some(h.clone()), "correct horse").await);
        assert!(!verify_password(Some(h), "wrong horse").await);
        assert!(!verify_password(None, "correct horse").await);
    }
}
