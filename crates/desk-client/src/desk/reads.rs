//! What the screens read: answered from the cache and the outbox, never the network (an
//! attachment not yet on this device is the one exception: it is downloaded on first use).

use std::path::{Path, PathBuf};

use chrono::Utc;
use desk_domain::{Attachment, Topic};
use uuid::Uuid;

use super::{Desk, MessageItem, OrgRef, SendState, TicketItem, TicketView};
use crate::cache::{SearchHit, TicketQuery};
use crate::error::Error;
use crate::local::{OutboxItem, OutboxState};

impl Desk {
    pub async fn topics(&self) -> Result<Vec<Topic>, Error> {
        Ok(self.inner.cache.topics().await?)
    }

    async fn sending(&self) -> Result<Vec<OutboxItem>, Error> {
        Ok(self.inner.local.items().await?)
    }

    fn send_state(items: &[OutboxItem], pred: impl Fn(&OutboxItem) -> bool) -> Option<SendState> {
        // A failure is what the user must see first.
        let mut found: Option<&OutboxItem> = None;
        for i in items.iter().filter(|i| pred(i)) {
            if found.is_none() || i.state == OutboxState::Failed {
                found = Some(i);
            }
        }
        found.map(|i| SendState {
            outbox_seq: i.seq,
            state: i.state,
            error: i.error_message.clone(),
        })
    }

    pub async fn tickets(&self, q: &TicketQuery) -> Result<Vec<TicketItem>, Error> {
        let rows = self.inner.cache.tickets(q).await?;
        let items = self.sending().await?;
        let hours = if self.inner.me().role.is_staff() {
            Some(crate::sync::calendar::hours(&self.inner).await)
        } else {
            None
        };
        let now = Utc::now();
        Ok(rows
            .into_iter()
            .map(|cached| {
                let id = cached.ticket.id;
                TicketItem {
                    sending: Self::send_state(&items, |i| i.ticket_id == id),
                    waited_ms: hours
                        .as_ref()
                        .and_then(|h| crate::sync::calendar::waited_ms(h, &cached.ticket, now)),
                    cached,
                }
            })
            .collect())
    }

    /// The ticket with its conversation; marks it read.
    pub async fn ticket(&self, id: Uuid) -> Result<Option<TicketView>, Error> {
        let Some(cached) = self.inner.cache.ticket(id).await? else {
            return Ok(None);
        };
        self.inner.cache.mark_read(id, Utc::now()).await?;
        let items = self.sending().await?;
        let messages = self
            .inner
            .cache
            .messages(id)
            .await?
            .into_iter()
            .map(|cached| {
                let mid = cached.message.id;
                MessageItem {
                    sending: Self::send_state(&items, |i| {
                        i.entity_id == mid || (i.entity_id == id && mid == id)
                    }),
                    cached,
                }
            })
            .collect();
        let sending = Self::send_state(&items, |i| i.ticket_id == id);
        let waited_ms = match cached.ticket.waiting {
            Some(_) => crate::sync::calendar::waited_ms(
                &crate::sync::calendar::hours(&self.inner).await,
                &cached.ticket,
                Utc::now(),
            ),
            None => None,
        };
        Ok(Some(TicketView {
            item: TicketItem {
                cached,
                sending,
                waited_ms,
            },
            messages,
        }))
    }

    pub async fn organizations(&self) -> Result<Vec<OrgRef>, Error> {
        Ok(self
            .inner
            .cache
            .organizations()
            .await?
            .into_iter()
            .map(|(id, name)| OrgRef { id, name })
            .collect())
    }

    pub async fn search(&self, text: &str, limit: u32) -> Result<Vec<SearchHit>, Error> {
        Ok(self.inner.cache.search(text, limit).await?)
    }

    pub async fn unread_count(&self) -> Result<i64, Error> {
        Ok(self.inner.cache.unread_count().await?)
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxItem>, Error> {
        self.sending().await
    }

    /// Attachment `id` of ticket `ticket` as cached (for a preview asked for by id), or `None`.
    pub async fn attachment(&self, ticket: Uuid, id: Uuid) -> Result<Option<Attachment>, Error> {
        Ok(self.inner.cache.attachment(ticket, id).await?)
    }

    /// A local path with the attachment's bytes: downloaded on first use and verified against
    /// the server's SHA-256.
    pub async fn attachment_file(&self, a: &Attachment) -> Result<PathBuf, Error> {
        crate::sync::attachment_file(&self.inner, a).await
    }

    /// Whether `path` (from [`Desk::attachment_file`]) is the attachment's own download, in a
    /// folder of its own where files made from it (a scaled preview) may be kept beside it, or
    /// a copy the outbox still holds for sending, which nothing else should be written beside.
    pub fn is_download(&self, a: &Attachment, path: &Path) -> bool {
        path.parent()
            == Some(
                self.inner
                    .downloads_dir()
                    .join(a.id.simple().to_string())
                    .as_path(),
            )
    }
}
