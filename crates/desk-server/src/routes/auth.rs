//! Sign-in, sign-out, accepting an invitation, and `GET /me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use desk_domain::{AcceptInvitation, LoginRequest, LoginResponse, Me};

use super::ApiJson;
use crate::app::AppState;
use crate::auth::{self, Auth};
use crate::error::ApiError;
use desk_core::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/accept-invitation", post(accept_invitation))
        .route("/me", get(me))
}

/// Email and password → a bearer token.
/// After `login_attempts` failures for one account within `login_window_secs`, its sign-ins
/// are refused with 429 `too_many_attempts` and `Retry-After` until the window has passed.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = desk_domain::ErrorBody),
              (status = 400, body = desk_domain::ErrorBody),
              (status = 429, body = desk_domain::ErrorBody, headers(("Retry-After" = u64, description = "Seconds until this account may try again")))))]
pub async fn login(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    if let Some(ms) = st.logins.wait_ms(&req.email, st.clock.now_ms()) {
        let secs = (ms.max(0) as u64).div_ceil(1000).max(1);
        tracing::info!(
            wait_secs = secs,
            "sign-in refused: too many failed attempts"
        );
        return Err(Error::too_many_attempts(secs).into());
    }
    let creds = st.core.user_by_email(&req.email).await?;
    let (user, hash) = match creds {
        Some(c) => (Some(c.user), c.password_hash),
        None => (None, None),
    };
    // Unknown accounts are verified against nothing all the same: the answer takes as long.
    let verified = auth::verify_password(hash, &req.password).await;
    let Some(user) = user.filter(|_| verified) else {
        st.logins.failed(&req.email, st.clock.now_ms());
        return Err(Error::invalid_credentials().into());
    };
    st.logins.succeeded(&req.email);
    let (token, token_hash) = auth::new_token();
    st.core
        .create_session(token_hash, user.id, st.config.session_ttl_days)
        .await?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(Json(LoginResponse { token, user }))
}

/// Revokes the token the request carries.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = desk_domain::ErrorBody)))]
pub async fn logout(State(st): State<AppState>, auth: Auth) -> Result<StatusCode, ApiError> {
    st.core.revoke_session(auth.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the password of an invited account with its one-time code, and signs in.
#[utoipa::path(post, path = "/api/v1/auth/accept-invitation", tag = "auth", request_body = AcceptInvitation,
    responses((status = 200, body = LoginResponse), (status = 422, body = desk_domain::ErrorBody)))]
pub async fn accept_invitation(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<AcceptInvitation>,
) -> Result<Json<LoginResponse>, ApiError> {
    auth::check_password_policy(&req.password)?;
    let hash = auth::hash_password(&req.password).await?;
    let user = st
        .core
        .accept_invitation(auth::invitation_hash(&req.code), &hash)
        .await?
        .ok_or_else(Error::invalid_invitation)?;
    let (token, token_hash) = auth::new_token();
    st.core
        .create_session(token_hash, user.id, st.config.session_ttl_days)
        .await?;
    Ok(Json(LoginResponse { token, user }))
}

/// The signed-in user and their organisation.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = desk_domain::ErrorBody)))]
pub async fn me(State(st): State<AppState>, auth: Auth) -> Result<Json<Me>, ApiError> {
    let organization = match auth.user.organization_id {
        Some(id) => st.core.organization(id).await?,
        None => None,
    };
    Ok(Json(Me {
        user: auth.user,
        organization,
    }))
}
