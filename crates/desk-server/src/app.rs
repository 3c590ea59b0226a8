//! Assembling and running the server: state, router, middleware, graceful shutdown. Tests and the
//! binary both start it through [`start`] with a listener they bound themselves.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, Response};
use axum::middleware::{self, Next};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{LocalizedError, lang};
use desk_core::Core;

#[derive(Clone)]
pub struct AppState {
    /// The services every route calls.
    pub core: Core,
    pub config: Arc<Config>,
    /// "Now", as the services see it too.
    pub clock: Clock,
    /// Cancelled when the server begins to stop: long-lived streams end so shutdown can finish.
    pub stopping: CancellationToken,
    /// Failed sign-ins per account (`login_attempts` within `login_window_secs`).
    pub logins: Arc<crate::logins::LoginGuard>,
    /// The Telegram bots this server runs, once Telegram has said their names.
    pub bots: desk_telegram::bridge::Identities,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    crate::routes::router(state.config.max_json_bytes)
        .with_state(state)
        .layer(middleware::from_fn(localize))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            })
            .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Picks the error message's language from `Accept-Language` and logs internal causes once.
async fn localize(req: Request, next: Next) -> Response<Body> {
    let lang = lang(req.headers());
    let res = next.run(req).await;
    let Some(err) = res.extensions().get::<LocalizedError>().cloned() else {
        return res;
    };
    if let Some(cause) = &err.cause {
        tracing::error!(code = err.code.as_str(), %cause, "request failed");
    }
    if lang == "uk" {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let body = desk_domain::ErrorBody {
        code: err.code,
        message: err.en.to_string(),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (up to the grace period), closes the store.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.state.stopping.cancel();
        self.task.await??;
        Ok(())
    }

    /// Waits until the server stops by itself (a shutdown signal).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await?
    }
}

/// Opens the store in `config.data_dir`, seeds topics on first start, and serves on `listener`
/// until `stopping` is cancelled.
pub async fn start(config: Config, listener: TcpListener) -> anyhow::Result<Running> {
    start_with_clock(config, listener, Clock::system()).await
}

/// [`start`] with the clock the server reads "now" from (tests inject a manual one).
pub async fn start_with_clock(
    config: Config,
    listener: TcpListener,
    clock: Clock,
) -> anyhow::Result<Running> {
    let core = crate::store::open(&config, clock).await?;
    crate::topics::seed_if_empty(&core).await?;
    start_with_core(config, listener, core).await
}

/// Serves `core` (opened with [`crate::store::open`]) on `listener`.
pub async fn start_with_core(
    config: Config,
    listener: TcpListener,
    core: Core,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let state = AppState {
        clock: core.clock().clone(),
        logins: Arc::new(crate::logins::LoginGuard::new(
            config.login_attempts,
            config.login_window_secs,
        )),
        core,
        bots: desk_telegram::bridge::Identities::default(),
        config: Arc::new(config),
        stopping: CancellationToken::new(),
    };
    let app = router(state.clone());
    let stopping = state.stopping.clone();
    let core = state.core.clone();
    let bridge = match crate::telegram::bridge_config(&state.config.telegram)? {
        Some(cfg) => {
            // Bound here, so a webhook port in use stops the start with a clear error.
            let listener = match &cfg.webhook {
                Some(_) => {
                    let at = state.config.telegram.webhook_listen;
                    let l = TcpListener::bind(at).await.map_err(|e| {
                        anyhow::anyhow!(
                            "cannot listen for Telegram's webhook on {at} (telegram.webhook_listen): {e}"
                        )
                    })?;
                    Some(l)
                }
                None => None,
            };
            Some(tokio::spawn(desk_telegram::bridge::run(
                core.clone(),
                cfg,
                listener,
                state.bots.clone(),
                stopping.clone(),
            )))
        }
        None => None,
    };
    let repager = tokio::spawn(crate::paging::run(
        core.clone(),
        state.config.outage_repage_secs,
        stopping.clone(),
    ));
    let task = tokio::spawn(async move {
        let stopped = stopping.clone();
        let serve = axum::serve(listener, app.into_make_service())
            .with_graceful_shutdown(async move { stopped.cancelled().await });
        let serve = tokio::spawn(async move { serve.await });
        stopping.cancelled().await;
        tracing::info!("stopping: finishing in-flight requests");
        match tokio::time::timeout(grace, serve).await {
            Ok(res) => res??,
            Err(_) => tracing::warn!("in-flight requests did not finish within the grace period"),
        }
        // No page, and no Telegram update, may be written after the store closes.
        let _ = repager.await;
        if let Some(bridge) = bridge {
            let _ = bridge.await;
        }
        core.close().await;
        tracing::info!("stopped");
        Ok(())
    });
    tracing::info!(%addr, "desk-server listening");
    Ok(Running { addr, state, task })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = ctrl_c.await;
            return;
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
