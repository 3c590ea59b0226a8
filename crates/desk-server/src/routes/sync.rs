//! Delta sync and push. `GET /changes` returns the current state of everything the caller may
//! see that changed after a cursor; `GET /events` is a server-sent event stream of pokes carrying
//! only the newest seq in the caller's scope (resumable with `Last-Event-ID`), so a client knows
//! when to pull and a poke never carries data the pull would not also return.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use desk_domain::{ChangesPage, ChangesQuery, Poke, limits};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use utoipa::IntoParams;

use super::ApiQuery;
use crate::app::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use desk_core::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/changes", get(changes))
        .route("/events", get(events))
}

/// Changes after `after`, oldest first, each entity once in its current state.
#[utoipa::path(get, path = "/api/v1/changes", tag = "sync", security(("bearer" = [])),
    params(ChangesQuery),
    responses((status = 200, body = ChangesPage), (status = 400, body = desk_domain::ErrorBody)))]
pub async fn changes(
    State(st): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesPage>, ApiError> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(Error::bad_request("`after` must be 0 or more").into());
    }
    let limit = q.limit.unwrap_or(500);
    if limit == 0 || limit > limits::CHANGES_PAGE_MAX {
        return Err(Error::bad_request(format!(
            "`limit` must be between 1 and {}",
            limits::CHANGES_PAGE_MAX
        ))
        .into());
    }
    Ok(Json(st.core.changes(&auth.viewer, after, limit).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Same as the `Last-Event-ID` header, for clients that cannot set it.
    pub after: Option<i64>,
}

fn poke(seq: i64) -> Event {
    let data = serde_json::to_string(&Poke { seq }).unwrap_or_default();
    Event::default()
        .event("poke")
        .id(seq.to_string())
        .data(data)
}

/// Server-sent events: `poke` (`id:` and `data.seq` = newest seq in scope) whenever something
/// the caller may see changes, and `heartbeat` every few seconds. Ends when the token is revoked.
#[utoipa::path(get, path = "/api/v1/events", tag = "sync", security(("bearer" = [])),
    params(EventsQuery, ("Last-Event-ID" = Option<i64>, Header)),
    responses((status = 200, content_type = "text/event-stream", body = Poke)))]
pub async fn events(
    State(st): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Response, ApiError> {
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0);
    // Subscribe before reading the head, so nothing committed in between is missed.
    let mut notes = st.core.subscribe();
    let head = st.core.latest_seq(&auth.viewer).await?;
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(16);
    let heartbeat = Duration::from_secs(st.config.heartbeat_secs.max(1));
    let viewer = auth.viewer;
    let token_hash = auth.token_hash;
    let stopping = st.stopping.clone();
    let core = st.core.clone();
    tokio::spawn(async move {
        let mut sent = last_seen;
        if head > sent {
            if tx.send(Ok(poke(head))).await.is_err() {
                return;
            }
            sent = head;
        }
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
        loop {
            let newest = tokio::select! {
                _ = stopping.cancelled() => return,
                _ = tx.closed() => return,
                _ = tick.tick() => {
                    // A revoked or expired token ends the stream at the next heartbeat.
                    match core.session_user(token_hash).await {
                        Ok(Some(_)) => {}
                        _ => return,
                    }
                    let hb = Event::default().event("heartbeat").data(format!("{{\"seq\":{sent}}}"));
                    if tx.send(Ok(hb)).await.is_err() { return; }
                    continue;
                }
                note = notes.recv() => match note {
                    Ok(n) => n.visible_to(&viewer).then_some(n.seq),
                    // Too slow to read every note: ask for the head instead.
                    Err(broadcast::error::RecvError::Lagged(_)) => core.latest_seq(&viewer).await.ok(),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            // Fold whatever else is already queued into the same poke.
            let mut newest = newest.unwrap_or(0);
            while let Ok(n) = notes.try_recv() {
                if n.visible_to(&viewer) {
                    newest = newest.max(n.seq);
                }
            }
            if newest > sent {
                if tx.send(Ok(poke(newest))).await.is_err() {
                    return;
                }
                sent = newest;
            }
        }
    });
    let mut res = Sse::new(ReceiverStream::new(rx)).into_response();
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    Ok(res)
}
