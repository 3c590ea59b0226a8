//! Requests of Telegram chats that wrote to a bot without a link code (to the alert bot: an
//! unverified outage report that paged the agents on duty). Agents read them from the cache
//! (the change log brings them, so the list shows offline and rings through the notification
//! policy); a customer's Telegram card asks the server for the waiting ones naming the
//! service, kept for offline reading like the linked chats. Approving and dismissing are sent
//! at once, never queued: each of them tells a chat something now (greets it by the service's
//! name, or tells it to link with a code), and a chat must never be linked on a guess made
//! offline. Offline nothing is lost: the request keeps waiting on the server.

use chrono::{DateTime, Utc};
use desk_domain::{ApproveTelegramRequest, ChangeData, TelegramRequest, TelegramRequestStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Desk;
use super::incident_actions::online;
use crate::api::ApiError;
use crate::error::Error;
use crate::sync::ClientEvent;

/// The local store's key for the customer's last list read from the server.
const KEY: &str = "telegram_requests";

/// How many decided requests an agent's list shows under the waiting ones.
const DECIDED_SHOWN: u32 = 30;

/// Requests as the app shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TelegramRequests {
    /// Agents: every waiting request (newest first), then the latest decided ones. Customers:
    /// the waiting requests whose text names their service, newest first.
    pub requests: Vec<TelegramRequest>,
    /// Customers: when the list was read from the server (`None`: never on this device).
    /// Agents: `None` (the list is the cache, kept current by sync).
    pub as_of: Option<DateTime<Utc>>,
    /// Customers: the server could not be reached, `requests` is the list read at `as_of`.
    pub offline: bool,
}

#[derive(Serialize, Deserialize)]
struct Kept {
    requests: Vec<TelegramRequest>,
    as_of: DateTime<Utc>,
}

impl Desk {
    /// The requests of chats not linked (see [`TelegramRequests`]): an agent's from the
    /// cache, a customer's from the server (offline: as last read, marked so).
    pub async fn telegram_requests(&self) -> Result<TelegramRequests, Error> {
        if self.inner.me().role.is_staff() {
            return Ok(TelegramRequests {
                requests: self.inner.cache.telegram_requests(DECIDED_SHOWN).await?,
                as_of: None,
                offline: false,
            });
        }
        match self.inner.api.telegram_requests("pending").await {
            Ok(requests) => {
                let kept = Kept {
                    requests,
                    as_of: Utc::now(),
                };
                self.keep_requests(&kept).await?;
                Ok(TelegramRequests {
                    requests: kept.requests,
                    as_of: Some(kept.as_of),
                    offline: false,
                })
            }
            Err(ApiError::Transport(e)) => {
                tracing::debug!(error = %e, "telegram requests read from the local store");
                let kept = self.kept_requests().await?;
                Ok(TelegramRequests {
                    as_of: kept.as_ref().map(|k| k.as_of),
                    requests: kept.map(|k| k.requests).unwrap_or_default(),
                    offline: true,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Links the request's chat to a service: agents name `organization` (the suggested one
    /// when `None`), customers approve for their own. The chat is greeted by the service's
    /// name; an alert-bot report is filed as the service's outage report (`ticket_number`).
    pub async fn approve_telegram_request(
        &self,
        id: Uuid,
        organization: Option<Uuid>,
    ) -> Result<TelegramRequest, Error> {
        if self.inner.me().role.is_staff()
            && organization.is_none()
            && let Some(r) = self.inner.cache.telegram_request(id).await?
            && r.suggested_organization_id.is_none()
        {
            return Err(Error::invalid(
                "Оберіть службу, до якої прив’язати цей чат: з повідомлення не видно, яка це служба.",
                "Choose the service to attach this chat to: the message does not say which one it is.",
            ));
        }
        let body = ApproveTelegramRequest {
            organization_id: organization,
        };
        let api = &self.inner.api;
        let r = online(
            &self.inner,
            "чат не прив’язано до служби. Запит нікуди не зник — він і далі чекає на рішення.",
            "the chat was not attached to the service. The request is not lost: it is still waiting.",
            || api.approve_telegram_request(id, &body),
        )
        .await;
        self.decided(id, r).await
    }

    /// Dismisses the request: the chat is told to link with a code from the app and gets
    /// nothing of any service.
    pub async fn dismiss_telegram_request(&self, id: Uuid) -> Result<TelegramRequest, Error> {
        let api = &self.inner.api;
        let r = online(
            &self.inner,
            "запит не відхилено — він і далі чекає на рішення.",
            "the request was not dismissed; it is still waiting.",
            || api.dismiss_telegram_request(id),
        )
        .await;
        self.decided(id, r).await
    }

    /// Stores the server's answer to a decision (agents: in the cache; customers: the request
    /// leaves the kept list). Decided by someone else meanwhile, or gone: the list is pulled
    /// again, so it shows what did happen.
    async fn decided(
        &self,
        id: Uuid,
        r: Result<TelegramRequest, Error>,
    ) -> Result<TelegramRequest, Error> {
        let staff = self.inner.me().role.is_staff();
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                if staff && e.code != "offline" {
                    self.inner.wake.notify_one();
                }
                if !staff && (e.code == "not_found" || e.code == "invalid_transition") {
                    self.forget_request(id).await?;
                }
                return Err(e);
            }
        };
        if staff {
            self.inner
                .cache
                .put(ChangeData::TelegramRequest(r.clone()), self.inner.me().id)
                .await?;
            self.inner.emit(ClientEvent::IncidentsChanged {
                incidents: Vec::new(),
                pages: false,
                duty: false,
                telegram_requests: true,
            });
            // The report filed from it (and the incident taken on) come with the next pull.
            self.inner.wake.notify_one();
        } else if r.status != TelegramRequestStatus::Pending {
            self.forget_request(id).await?;
        }
        Ok(r)
    }

    async fn forget_request(&self, id: Uuid) -> Result<(), Error> {
        if let Some(mut k) = self.kept_requests().await? {
            k.requests.retain(|r| r.id != id);
            self.keep_requests(&k).await?;
        }
        Ok(())
    }

    async fn kept_requests(&self) -> Result<Option<Kept>, Error> {
        Ok(self.inner.local.meta_json(KEY).await?)
    }

    async fn keep_requests(&self, k: &Kept) -> Result<(), Error> {
        Ok(self.inner.local.set_meta_json(KEY, k).await?)
    }
}
