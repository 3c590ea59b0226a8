//! Queued writes shown in the cache before the server has them (provisional rows), re-shown
//! after every pull that touches their tickets, and taken out again when discarded.

use chrono::{DateTime, Utc};
use desk_domain::rules::{self, outage_title};
use desk_domain::{
    Attachment, ChangeData, Channel, Localized, Message, OutageKind, PersonRef, Ticket,
    TicketStatus, Topic,
};
use uuid::Uuid;

use super::{Inner, ts};
use crate::error::Error;
use crate::local::{LocalFile, Op, OutboxItem};

/// Shows a queued write in the cache (idempotent).
pub(crate) async fn project(inner: &Inner, item: &OutboxItem) -> Result<(), Error> {
    let at = ts(item.created_at);
    match &item.op {
        Op::CreateTicket {
            topic_id,
            subject,
            body,
        } => {
            if let Some(existing) = inner.cache.ticket(item.entity_id).await?
                && existing.ticket.number != 0
            {
                return Ok(());
            }
            let topics = inner.cache.topics().await?;
            let topic = topics
                .iter()
                .find(|t| &t.id == topic_id)
                .cloned()
                .unwrap_or_else(|| stand_in_topic(topic_id, topic_id, topic_id, false, at));
            let t = provisional_ticket(inner, item.entity_id, &topic, subject, at);
            inner.cache.put_provisional_ticket(&t).await?;
            // The first message stands under the ticket's id until the server's copy arrives.
            let m = provisional_message(
                inner,
                item.entity_id,
                item.entity_id,
                body,
                false,
                &item.files,
                at,
            );
            inner.cache.put_provisional_message(&m).await?;
        }
        Op::AddMessage { body, internal } => {
            let m = provisional_message(
                inner,
                item.entity_id,
                item.ticket_id,
                body,
                *internal,
                &item.files,
                at,
            );
            inner.cache.put_provisional_message(&m).await?;
            // A reply reopens a resolved ticket or answers support's question, as the server
            // will do; a reply it refuses (closed ticket) changes nothing here and fails when sent.
            if let Some(mut cached) = inner.cache.ticket(item.ticket_id).await?
                && let Ok(status) = rules::status_after_message(
                    inner.me().role,
                    cached.ticket.status,
                    cached.ticket.assignee.is_some(),
                    *internal,
                )
                && status != cached.ticket.status
            {
                set_status(&mut cached.ticket, status, at);
                inner.cache.put_provisional_ticket(&cached.ticket).await?;
            }
        }
        Op::ReportOutage { kind, description } => {
            project_report(inner, item, *kind, description, at).await?;
        }
        Op::UpdateTicket { update } => {
            let Some(mut cached) = inner.cache.ticket(item.ticket_id).await? else {
                return Ok(());
            };
            // The server assigns first, then applies the status rule with the new assignee.
            let has_assignee = match update.assignee_id {
                Some(assignee) => assignee.is_some(),
                None => cached.ticket.assignee.is_some(),
            };
            if let Some(assignee) = update.assignee_id {
                cached.ticket.assignee = match assignee {
                    Some(id) if id == inner.me().id => Some(me_as_person(inner)),
                    Some(id) => cached.ticket.assignee.filter(|a| a.id == id),
                    None => None,
                };
            }
            // What the server will answer (a customer's reopen goes back to the assignee); a
            // change it refuses shows nothing here and fails when sent.
            if let Some(requested) = update.status
                && let Ok(status) = rules::status_change(
                    inner.me().role,
                    cached.ticket.status,
                    requested,
                    has_assignee,
                )
            {
                set_status(&mut cached.ticket, status, at);
            }
            inner.cache.put_provisional_ticket(&cached.ticket).await?;
        }
    }
    Ok(())
}

/// Moves a ticket to `status` with the `resolved_at` the rules give it.
fn set_status(t: &mut Ticket, status: TicketStatus, at: DateTime<Utc>) {
    t.resolved_at = rules::resolved_at_after(status, t.resolved_at, at);
    t.status = status;
}

/// The server's messages of a ticket just created, to stand in for its provisional first
/// message at once. Empty when they cannot be had right now: the next pull brings them.
pub(super) async fn server_conversation(inner: &Inner, ticket: Uuid) -> Vec<ChangeData> {
    match inner.api.messages(ticket).await {
        Ok(messages) => messages.into_iter().map(ChangeData::Message).collect(),
        Err(e) => {
            tracing::debug!(%ticket, error = %e, "the new ticket's messages come with the next pull");
            Vec::new()
        }
    }
}

/// Takes a discarded write's provisional rows back out of the cache.
pub(crate) async fn unproject(inner: &Inner, item: &OutboxItem) -> Result<(), Error> {
    match &item.op {
        Op::CreateTicket { .. } | Op::ReportOutage { .. } => {
            inner
                .cache
                .remove_provisional(Some(item.entity_id), Some(item.entity_id))
                .await?
        }
        Op::AddMessage { .. } => {
            inner
                .cache
                .remove_provisional(None, Some(item.entity_id))
                .await?
        }
        Op::UpdateTicket { .. } => {
            // The server's state comes back with a fresh copy of the ticket.
            if let Ok(t) = inner.api.ticket(item.ticket_id).await {
                inner
                    .cache
                    .put(ChangeData::Ticket(t), inner.me().id)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Re-applies queued writes on top of the server's state of `tickets`, so a pull never hides a
/// change the user made and has not yet sent.
pub(super) async fn reproject_tickets(inner: &Inner, tickets: &[Uuid]) {
    let Ok(items) = inner.local.items().await else {
        return;
    };
    for item in items.iter().filter(|i| tickets.contains(&i.ticket_id)) {
        if let Err(e) = project(inner, item).await {
            tracing::warn!(error = %e, "cannot show a queued write");
        }
    }
}

/// At open (and after a cache rebuild) every queued write is shown again.
pub(crate) async fn reproject_all(inner: &Inner) -> Result<(), Error> {
    for item in inner.local.items().await? {
        project(inner, &item).await?;
    }
    Ok(())
}

/// Shows a queued report as an urgent provisional ticket (idempotent).
pub(crate) async fn project_report(
    inner: &Inner,
    item: &OutboxItem,
    kind: OutageKind,
    description: &str,
    at: DateTime<Utc>,
) -> Result<(), Error> {
    if let Some(existing) = inner.cache.ticket(item.entity_id).await?
        && existing.ticket.number != 0
    {
        return Ok(());
    }
    let topic = inner
        .cache
        .topics()
        .await?
        .into_iter()
        .find(|t| t.id == kind.topic_id())
        .unwrap_or_else(|| {
            let (uk, en) = (outage_title(kind, "uk"), outage_title(kind, "en"));
            stand_in_topic(kind.topic_id(), uk, en, true, at)
        });
    let mut t = provisional_ticket(
        inner,
        item.entity_id,
        &topic,
        outage_title(kind, &inner.config.lang),
        at,
    );
    // Every outage report is urgent, whatever the topic says (`other` is not).
    t.urgent = true;
    if let Some(o) = inner.me().organization_id
        && let Some(i) = inner
            .cache
            .open_incidents(Some(o))
            .await?
            .into_iter()
            .find(|i| i.kind == kind)
    {
        t.incident_id = Some(i.id);
    }
    inner.cache.put_provisional_ticket(&t).await?;
    let m = provisional_message(
        inner,
        item.entity_id,
        item.entity_id,
        description,
        false,
        &item.files,
        at,
    );
    inner.cache.put_provisional_message(&m).await?;
    Ok(())
}

/// The signed-in person as provisional rows name them.
fn me_as_person(inner: &Inner) -> PersonRef {
    let me = inner.me();
    PersonRef {
        id: me.id,
        name: me.name.clone(),
        role: me.role,
    }
}

/// The topic a provisional ticket shows under while the cache does not hold its own (not yet
/// pulled, or gone).
fn stand_in_topic(id: &str, uk: &str, en: &str, urgent: bool, at: DateTime<Utc>) -> Topic {
    Topic {
        id: id.to_owned(),
        title: Localized {
            uk: uk.to_owned(),
            en: en.to_owned(),
        },
        guidance: Localized {
            uk: String::new(),
            en: String::new(),
        },
        urgent,
        position: 0,
        active: true,
        updated_at: at,
    }
}

/// Builds the provisional ticket a queued create shows as.
pub(crate) fn provisional_ticket(
    inner: &Inner,
    id: Uuid,
    topic: &Topic,
    subject: &str,
    at: DateTime<Utc>,
) -> Ticket {
    let me = inner.me();
    Ticket {
        id,
        number: 0,
        subject: subject.to_owned(),
        topic_id: topic.id.clone(),
        urgent: topic.urgent,
        status: TicketStatus::New,
        organization_id: me.organization_id.unwrap_or_default(),
        organization_name: inner
            .account
            .organization
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        requester: me_as_person(inner),
        assignee: None,
        created_at: at,
        updated_at: at,
        resolved_at: None,
        last_message_at: at,
        message_count: 1,
        incident_id: None,
        waiting: None,
    }
}

/// Builds the provisional message a queued reply shows as.
pub(crate) fn provisional_message(
    inner: &Inner,
    id: Uuid,
    ticket: Uuid,
    body: &str,
    internal: bool,
    files: &[LocalFile],
    at: DateTime<Utc>,
) -> Message {
    Message {
        id,
        ticket_id: ticket,
        author: me_as_person(inner),
        body: body.to_owned(),
        internal,
        channel: Channel::App,
        created_at: at,
        attachments: files
            .iter()
            .map(|f| Attachment {
                id: f.id,
                filename: f.filename.clone(),
                size: f.size,
                media_type: f.media_type.clone(),
                sha256: f.sha256.clone(),
            })
            .collect(),
    }
}
