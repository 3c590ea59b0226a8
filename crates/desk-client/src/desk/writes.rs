//! Writes: each goes to the outbox, shows at once as provisional rows in the cache, and wakes
//! the sync engine; a discarded one gives its text back to its draft.

use desk_domain::{TicketStatus, UpdateTicket, limits};
use uuid::Uuid;

use super::{Desk, DraftInput, NewTicketInput, ReplyInput};
use crate::error::Error;
use crate::local::Op;
use crate::sync::ClientEvent;

impl Desk {
    fn check_text(subject: Option<&str>, body: &str) -> Result<(), Error> {
        if let Some(s) = subject {
            check_length(
                s,
                limits::SUBJECT_MAX_CHARS,
                ("Вкажіть тему звернення.", "Enter a subject."),
                (
                    "Тема задовга: до 200 символів.",
                    "The subject is too long: at most 200 characters.",
                ),
            )?;
        }
        check_length(
            body,
            limits::BODY_MAX_CHARS,
            ("Напишіть текст повідомлення.", "Write the message text."),
            TEXT_TOO_LONG,
        )
    }

    /// Tells the shell and the engine about a write just queued.
    pub(super) async fn after_write(&self, ticket: Uuid) -> Result<(), Error> {
        crate::sync::refresh_counts(&self.inner).await;
        self.inner.emit(ClientEvent::ModelsChanged {
            tickets: vec![ticket],
            topics: false,
            outbox: true,
        });
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Files a ticket from the create-ticket draft (its files included); shown at once as
    /// "sending", sent when the server is reachable. Answers the new ticket's id.
    pub async fn submit_ticket_draft(&self) -> Result<Uuid, Error> {
        let key = Self::new_ticket_draft_key();
        let d = self.draft_to_send(key).await?;
        let topic_id = d
            .topic_id
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::invalid(
                    "Оберіть тему звернення зі списку.",
                    "Choose a topic from the list.",
                )
            })?;
        Self::check_text(Some(&d.subject), &d.body)?;
        check_file_count(d.files.len())?;
        let id = Uuid::now_v7();
        let op = Op::CreateTicket {
            topic_id,
            subject: d.subject.trim().to_owned(),
            body: d.body.trim().to_owned(),
        };
        let item = self.inner.local.enqueue(id, id, &op, Some(key)).await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(id).await?;
        Ok(id)
    }

    /// Files a ticket directly (text and files in one call).
    pub async fn create_ticket(&self, t: NewTicketInput) -> Result<Uuid, Error> {
        let key = Self::new_ticket_draft_key();
        self.discard_draft(key).await?;
        self.save_draft(
            key,
            &DraftInput {
                topic_id: Some(t.topic_id),
                subject: t.subject,
                body: t.body,
                internal: false,
            },
        )
        .await?;
        for f in &t.files {
            self.attach_to_draft(key, f).await?;
        }
        self.submit_ticket_draft().await
    }

    /// Sends the reply draft of `ticket` (its files included). Answers the message id.
    pub async fn submit_reply_draft(&self, ticket: Uuid) -> Result<Uuid, Error> {
        let key = Self::reply_draft_key(ticket);
        let d = self.draft_to_send(&key).await?;
        Self::check_text(None, &d.body)?;
        if self.inner.cache.ticket(ticket).await?.is_none() {
            return Err(Error::not_found("Звернення", "Ticket"));
        }
        if d.internal && !self.inner.me().role.is_staff() {
            return Err(Error::invalid(
                "Внутрішні нотатки доступні лише спеціалістам.",
                "Internal notes are for support specialists only.",
            ));
        }
        let id = Uuid::now_v7();
        let op = Op::AddMessage {
            body: d.body.trim().to_owned(),
            internal: d.internal,
        };
        let item = self
            .inner
            .local
            .enqueue(id, ticket, &op, Some(&key))
            .await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(ticket).await?;
        Ok(id)
    }

    /// Replies directly (text and files in one call).
    pub async fn reply(&self, ticket: Uuid, r: ReplyInput) -> Result<Uuid, Error> {
        let key = Self::reply_draft_key(ticket);
        self.discard_draft(&key).await?;
        self.save_draft(
            &key,
            &DraftInput {
                topic_id: None,
                subject: String::new(),
                body: r.body,
                internal: r.internal,
            },
        )
        .await?;
        for f in &r.files {
            self.attach_to_draft(&key, f).await?;
        }
        self.submit_reply_draft(ticket).await
    }

    /// Changes a ticket's status (customers: resolve or reopen).
    pub async fn set_status(&self, ticket: Uuid, status: TicketStatus) -> Result<(), Error> {
        self.update(
            ticket,
            UpdateTicket {
                status: Some(status),
                assignee_id: None,
            },
        )
        .await
    }

    /// Assigns a ticket (agents); `None` unassigns.
    pub async fn assign(&self, ticket: Uuid, assignee: Option<Uuid>) -> Result<(), Error> {
        self.update(
            ticket,
            UpdateTicket {
                status: None,
                assignee_id: Some(assignee),
            },
        )
        .await
    }

    async fn update(&self, ticket: Uuid, update: UpdateTicket) -> Result<(), Error> {
        if self.inner.cache.ticket(ticket).await?.is_none() {
            return Err(Error::not_found("Звернення", "Ticket"));
        }
        let item = self
            .inner
            .local
            .enqueue(ticket, ticket, &Op::UpdateTicket { update }, None)
            .await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(ticket).await
    }

    /// Sends a failed item again.
    pub async fn retry(&self, outbox_seq: i64) -> Result<(), Error> {
        self.inner.local.retry(outbox_seq).await?;
        crate::sync::refresh_counts(&self.inner).await;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Gives up on an item: it leaves the outbox and its provisional rows the cache. The text
    /// of a discarded new ticket or reply goes back into its draft, so nothing typed is lost.
    pub async fn discard(&self, outbox_seq: i64) -> Result<(), Error> {
        let Some(item) = self.inner.local.item(outbox_seq).await? else {
            return Ok(());
        };
        let draft = match &item.op {
            Op::CreateTicket {
                topic_id,
                subject,
                body,
            } => Some((
                Self::new_ticket_draft_key().to_owned(),
                DraftInput {
                    topic_id: Some(topic_id.clone()),
                    subject: subject.clone(),
                    body: body.clone(),
                    internal: false,
                },
            )),
            Op::AddMessage { body, internal } => Some((
                Self::reply_draft_key(item.ticket_id),
                DraftInput {
                    topic_id: None,
                    subject: String::new(),
                    body: body.clone(),
                    internal: *internal,
                },
            )),
            Op::ReportOutage { kind, description } => Some((
                Self::outage_draft_key().to_owned(),
                DraftInput {
                    topic_id: Some(kind.as_str().to_owned()),
                    subject: String::new(),
                    body: description.clone(),
                    internal: false,
                },
            )),
            Op::UpdateTicket { .. } => None,
        };
        if let Some((key, input)) = &draft
            && self.inner.local.draft(key).await?.is_none()
        {
            self.save_draft(key, input).await?;
        }
        self.inner.local.discard(outbox_seq).await?;
        for f in &item.files {
            let _ = tokio::fs::remove_file(&f.path).await;
        }
        crate::sync::unproject(&self.inner, &item).await?;
        self.after_write(item.ticket_id).await
    }
}

/// Refuses more files than one ticket or message may carry.
pub(crate) fn check_file_count(n: usize) -> Result<(), Error> {
    if n > limits::ATTACHMENTS_PER_MESSAGE {
        return Err(Error::invalid(
            "Забагато файлів: до 20.",
            "Too many files: at most 20.",
        ));
    }
    Ok(())
}

/// The message for a text over `limits::BODY_MAX_CHARS` (Ukrainian, English).
pub(crate) const TEXT_TOO_LONG: (&str, &str) = (
    "Текст задовгий: до 20 000 символів.",
    "The text is too long: at most 20,000 characters.",
);

/// Checks a text field as the server will: not blank once trimmed, at most `max` characters
/// (trimmed). `empty` and `too_long` are the messages (Ukrainian, English).
pub(crate) fn check_length(
    text: &str,
    max: usize,
    empty: (&str, &str),
    too_long: (&str, &str),
) -> Result<(), Error> {
    let n = text.trim().chars().count();
    if n == 0 {
        return Err(Error::invalid(empty.0, empty.1));
    }
    if n > max {
        return Err(Error::invalid(too_long.0, too_long.1));
    }
    Ok(())
}
