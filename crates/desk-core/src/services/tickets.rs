//! Tickets and their conversations: filing (idempotent by the client's id, numbered without
//! gaps, an honest after-hours notice), replies and internal notes, status and assignee
//! changes, and the scoped reads.

use desk_domain::{
    CreateMessage, CreateTicket, Message, PersonRef, Ticket, TicketFilter, TicketPage,
    TicketStatus, UpdateTicket, WaitClock, limits, rules,
};
use tracing::instrument;
use uuid::Uuid;

use super::Created;
use super::status;
use crate::actor::{Actor, Viewer};
use crate::calendar::CalendarHandle;
use crate::clock::ts;
use crate::error::{Error, Result};
use crate::storage::{
    Audience, Entity, MessageInsert, TicketInsert, TicketQuery, TicketState, TicketWrite, Tx,
};
use crate::{Core, validate, visibility};

/// A ticket to file, validated.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub id: Uuid,
    pub topic_id: String,
    pub subject: String,
    pub body: String,
    pub attachment_ids: Vec<Uuid>,
    pub organization_id: Uuid,
    /// Back-dates the ticket (demo data); `None` means now.
    pub created_at_ms: Option<i64>,
}

impl NewTicket {
    /// Validates a request: the organisation is the customer's own, or the one an agent names.
    pub fn from_request(v: &Viewer, req: CreateTicket) -> Result<Self> {
        let organization_id = organization_for(
            v,
            req.organization_id,
            "Вкажіть організацію, від імені якої створюєте звернення.",
            "Name the organization this ticket is filed for.",
        )?;
        Ok(Self {
            id: req.id,
            topic_id: req.topic_id,
            subject: validate::subject(&req.subject)?,
            body: validate::body(&req.body)?,
            attachment_ids: validate::attachment_ids(&req.attachment_ids)?,
            organization_id,
            created_at_ms: None,
        })
    }
}

/// The organisation a write is for: a customer's own; staff must name one.
pub(crate) fn organization_for(
    v: &Viewer,
    named: Option<Uuid>,
    uk: &'static str,
    en: &'static str,
) -> Result<Uuid> {
    if v.is_staff() {
        named.ok_or_else(|| Error::validation(uk, en))
    } else {
        v.organization_id.ok_or_else(Error::unauthorized)
    }
}

/// A message to add, validated.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub body: String,
    pub internal: bool,
    pub attachment_ids: Vec<Uuid>,
    pub created_at_ms: Option<i64>,
}

impl NewMessage {
    pub fn from_request(ticket_id: Uuid, req: CreateMessage) -> Result<Self> {
        Ok(Self {
            id: req.id,
            ticket_id,
            body: validate::body(&req.body)?,
            internal: req.internal,
            attachment_ids: validate::attachment_ids(&req.attachment_ids)?,
            created_at_ms: None,
        })
    }
}

impl Core {
    /// Files a ticket; its body becomes the first message. Idempotent by id.
    #[instrument(skip_all, err, fields(ticket_id = %t.id, user_id = %a.user_id))]
    pub async fn file_ticket(&self, a: &Actor, t: NewTicket) -> Result<(Ticket, Created)> {
        let (a, calendar, now) = (*a, self.calendar.clone(), self.clock.now_ms());
        let (ticket, created) = self
            .write(move |tx| {
                Box::pin(async move {
                    let (mut ticket, created) = file(tx, &a, t, now).await?;
                    if created == Created::New {
                        after_hours_notice(tx, &calendar, &mut ticket).await?;
                    }
                    Ok((ticket, created))
                })
            })
            .await?;
        Ok((visibility::ticket(ticket, &a), created))
    }

    /// Adds a reply (or, for staff, an internal note). Idempotent by id.
    #[instrument(skip_all, err, fields(message_id = %m.id, ticket_id = %m.ticket_id))]
    pub async fn add_message(&self, a: &Actor, m: NewMessage) -> Result<(Message, Created)> {
        let (a, calendar, now) = (*a, self.calendar.clone(), self.clock.now_ms());
        self.write(move |tx| Box::pin(add_message(tx, a, calendar, m, now)))
            .await
    }

    /// Changes status (customers: resolve or reopen) and assignee (staff). `at_ms` back-dates
    /// the change (demo data).
    #[instrument(skip_all, err, fields(ticket_id = %id))]
    pub async fn update_ticket(
        &self,
        v: &Viewer,
        id: Uuid,
        u: UpdateTicket,
        at_ms: Option<i64>,
    ) -> Result<Ticket> {
        let (v, calendar) = (*v, self.calendar.clone());
        let now = at_ms.unwrap_or_else(|| self.clock.now_ms());
        let t = self
            .write(move |tx| Box::pin(update(tx, v, calendar, id, u, now)))
            .await?;
        Ok(visibility::ticket(t, &v))
    }

    #[instrument(skip_all, err, fields(ticket_id = %id))]
    pub async fn ticket(&self, v: &Viewer, id: Uuid) -> Result<Ticket> {
        self.storage
            .ticket(id)
            .await?
            .and_then(|t| visibility::visible_ticket(t, v))
            .ok_or_else(Error::ticket_not_found)
    }

    /// The conversation, oldest first; internal notes only for staff.
    #[instrument(skip_all, err, fields(ticket_id = %ticket_id))]
    pub async fn messages(&self, v: &Viewer, ticket_id: Uuid) -> Result<Vec<Message>> {
        match self.storage.ticket_organization(ticket_id).await? {
            Some(org) if v.sees_org(org) => {}
            _ => return Err(Error::ticket_not_found()),
        }
        self.storage.messages(ticket_id, v.is_staff()).await
    }

    /// Tickets `v` may see, newest first: customers their organisation's, staff all.
    #[instrument(skip_all, err)]
    pub async fn tickets(&self, v: &Viewer, f: &TicketFilter) -> Result<TicketPage> {
        let organization_id = if v.is_staff() {
            f.organization_id
        } else {
            match v.organization_id {
                Some(org) => Some(org),
                None => {
                    return Ok(TicketPage {
                        items: Vec::new(),
                        next: None,
                    });
                }
            }
        };
        let statuses = status_filter(f.status.as_deref())?;
        let limit = f.limit.unwrap_or(50).clamp(1, limits::TICKETS_PAGE_MAX);
        let text = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let q = TicketQuery {
            organization_id,
            statuses,
            topic_id: f.topic_id.clone().filter(|t| !t.is_empty()),
            assignee_id: f.assignee_id,
            subject_like: text.map(validate::like_pattern),
            number: text.and_then(|q| q.trim_start_matches('#').parse::<i64>().ok()),
            before: f.before,
            fetch: i64::from(limit) + 1,
        };
        let mut rows = self.storage.tickets(&q).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|t| t.number)
        } else {
            None
        };
        let items = rows.into_iter().map(|t| visibility::ticket(t, v)).collect();
        Ok(TicketPage { items, next })
    }
}

/// The statuses a list's `status` filter names (empty: all).
fn status_filter(raw: Option<&str>) -> Result<Vec<TicketStatus>> {
    Ok(match raw.map(str::trim) {
        None | Some("") | Some("all") => Vec::new(),
        Some("open") => vec![
            TicketStatus::New,
            TicketStatus::InProgress,
            TicketStatus::WaitingForCustomer,
        ],
        Some("resolved") | Some("done") => vec![TicketStatus::Resolved, TicketStatus::Closed],
        Some(s) => vec![TicketStatus::parse(s).ok_or_else(|| {
            Error::bad_request(format!(
                "unknown status filter `{s}` (use open, resolved, all or a status)"
            ))
        })?],
    })
}

/// Files `t` inside a write (outage reports file theirs through here too).
pub(crate) async fn file(
    tx: &mut dyn Tx,
    a: &Actor,
    t: NewTicket,
    now_ms: i64,
) -> Result<(Ticket, Created)> {
    let facts = tx
        .create_facts(t.id, &t.topic_id, t.organization_id, a.user_id)
        .await?;
    if let Some(requester) = facts.existing_requester {
        if requester != a.user_id {
            return Err(Error::id_conflict());
        }
        let found = tx
            .ticket_in_tx(t.id)
            .await?
            .ok_or_else(Error::id_conflict)?;
        return Ok((found, Created::Existing));
    }
    let urgent = match facts.topic {
        Some((urgent, true)) => urgent,
        _ => return Err(Error::unknown_topic(&t.topic_id)),
    };
    let Some(organization_name) = facts.organization_name else {
        return Err(Error::not_found("Організацію", "Organization"));
    };
    let now = t.created_at_ms.unwrap_or(now_ms);
    let number = facts.next_number;
    tx.insert_ticket(&TicketInsert {
        id: t.id,
        number,
        subject: t.subject.clone(),
        subject_fold: validate::fold(&t.subject),
        topic_id: t.topic_id.clone(),
        urgent,
        status: TicketStatus::New,
        organization_id: t.organization_id,
        requester_id: a.user_id,
        created_at_ms: now,
        message_count: 1,
    })
    .await?;
    tx.record_status(t.id, TicketStatus::New, now).await?;
    let message_id = Uuid::now_v7();
    tx.insert_message(&MessageInsert {
        id: message_id,
        ticket_id: t.id,
        author_id: a.user_id,
        body: t.body,
        internal: false,
        channel: a.channel,
        created_at_ms: now,
    })
    .await?;
    claim_attachments(tx, a.user_id, message_id, &t.attachment_ids).await?;
    tx.record_changes(
        &[Entity::Ticket(t.id), Entity::Message(message_id)],
        Audience::organization(t.organization_id),
    )
    .await?;
    let at = ts(now);
    let ticket = Ticket {
        id: t.id,
        number,
        subject: t.subject,
        topic_id: t.topic_id,
        urgent,
        status: TicketStatus::New,
        organization_id: t.organization_id,
        organization_name,
        requester: PersonRef {
            id: a.user_id,
            name: facts.my_name.unwrap_or_default(),
            role: a.role,
        },
        assignee: None,
        created_at: at,
        updated_at: at,
        resolved_at: None,
        last_message_at: at,
        message_count: 1,
        incident_id: None,
        waiting: Some(WaitClock {
            accumulated_ms: 0,
            running: true,
            since: at,
        }),
    };
    Ok((ticket, Created::New))
}

/// Gives `ids` (uploaded by `uploader`, not yet used) to `message_id`.
async fn claim_attachments(
    tx: &mut dyn Tx,
    uploader: Uuid,
    message_id: Uuid,
    ids: &[Uuid],
) -> Result<()> {
    for id in ids {
        if !tx.claim_attachment(*id, message_id, uploader).await? {
            return Err(Error::attachment_unavailable());
        }
    }
    Ok(())
}

/// After a ticket is filed (in the same write): a non-urgent ticket filed outside working hours
/// gets a system message saying honestly when it will be taken up, in the requester's
/// language. Signed by the support service, channel `system`: not a reply from support, so the
/// status stays. (Outage reports do not pass here: they are handled at once.) Answers the
/// notice's text, for an entry point that also tells the customer there (Telegram).
pub(crate) async fn after_hours_notice(
    tx: &mut dyn Tx,
    calendar: &CalendarHandle,
    t: &mut Ticket,
) -> Result<Option<String>> {
    let calendar = calendar.get();
    if t.urgent || calendar.hours.is_working(t.created_at) {
        return Ok(None);
    }
    let locale = tx.user_locale(t.requester.id).await?;
    let expectation = calendar.hours.expectation(&t.topic_id, false, t.created_at);
    let body =
        desk_domain::calendar::after_hours_notice(&expectation, locale.as_deref().unwrap_or("uk"));
    let id = Uuid::now_v7();
    let now = t.created_at.timestamp_millis();
    tx.insert_message(&MessageInsert {
        id,
        ticket_id: t.id,
        author_id: desk_domain::calendar::SUPPORT_SERVICE_USER_ID,
        body: body.clone(),
        internal: false,
        channel: desk_domain::Channel::System,
        created_at_ms: now,
    })
    .await?;
    // Just filed: new, nobody's, at `now`; the notice only adds to its conversation.
    tx.write_ticket(&TicketWrite {
        id: t.id,
        status: t.status,
        assignee_id: None,
        resolved_at_ms: None,
        updated_at_ms: now,
        message_added: true,
    })
    .await?;
    tx.record_changes(
        &[Entity::Ticket(t.id), Entity::Message(id)],
        Audience::organization(t.organization_id),
    )
    .await?;
    t.message_count += 1;
    Ok(Some(body))
}

async fn ticket_state(tx: &mut dyn Tx, v: &Viewer, id: Uuid) -> Result<TicketState> {
    match tx.ticket_state(id).await? {
        Some(st) if v.sees_org(st.organization_id) => Ok(st),
        _ => Err(Error::ticket_not_found()),
    }
}

pub(crate) async fn add_message(
    tx: &mut dyn Tx,
    a: Actor,
    calendar: CalendarHandle,
    m: NewMessage,
    now_ms: i64,
) -> Result<(Message, Created)> {
    if let Some((ticket_id, author)) = tx.message_origin(m.id).await? {
        if ticket_id != m.ticket_id || author != a.user_id {
            return Err(Error::id_conflict());
        }
        let found = tx
            .message_in_tx(m.id)
            .await?
            .ok_or_else(Error::id_conflict)?;
        return Ok((found, Created::Existing));
    }
    let st = ticket_state(tx, &a, m.ticket_id).await?;
    if m.internal && !a.is_staff() {
        return Err(Error::staff_only());
    }
    let new_status =
        rules::status_after_message(a.role, st.status, st.assignee_id.is_some(), m.internal)?;
    let now = m.created_at_ms.unwrap_or(now_ms);
    tx.insert_message(&MessageInsert {
        id: m.id,
        ticket_id: m.ticket_id,
        author_id: a.user_id,
        body: m.body,
        internal: m.internal,
        channel: a.channel,
        created_at_ms: now,
    })
    .await?;
    claim_attachments(tx, a.user_id, m.id, &m.attachment_ids).await?;
    let org = Audience::organization(st.organization_id);
    if !m.internal {
        // Internal notes leave the ticket as customers see it untouched: no activity leaks.
        let w = TicketWrite {
            id: m.ticket_id,
            status: new_status,
            assignee_id: st.assignee_id,
            resolved_at_ms: rules::resolved_at_after(new_status, st.resolved_at_ms, now),
            updated_at_ms: now,
            message_added: true,
        };
        status::write(tx, &calendar, &st, &w).await?;
        tx.record_changes(&[Entity::Ticket(m.ticket_id)], org)
            .await?;
    }
    let audience = Audience {
        staff_only: m.internal,
        ..org
    };
    tx.record_changes(&[Entity::Message(m.id)], audience)
        .await?;
    let msg = tx
        .message_in_tx(m.id)
        .await?
        .ok_or_else(|| Error::internal("message vanished inside its own transaction"))?;
    Ok((msg, Created::New))
}

async fn update(
    tx: &mut dyn Tx,
    v: Viewer,
    calendar: CalendarHandle,
    id: Uuid,
    u: UpdateTicket,
    now: i64,
) -> Result<Ticket> {
    let st = ticket_state(tx, &v, id).await?;
    let mut assignee = st.assignee_id;
    if let Some(requested) = u.assignee_id {
        v.require_staff()?;
        if let Some(agent) = requested {
            match tx.user_role(agent).await? {
                // The support service's own account signs automatic messages; it takes no work.
                Some(role)
                    if role.is_staff()
                        && agent != desk_domain::calendar::SUPPORT_SERVICE_USER_ID => {}
                Some(_) => {
                    return Err(Error::validation(
                        "Звернення можна призначити лише спеціалістові підтримки.",
                        "A ticket can only be assigned to a support specialist.",
                    ));
                }
                None => return Err(Error::not_found("Спеціаліста", "Agent")),
            }
        }
        assignee = requested;
    }
    let new_status = match u.status {
        Some(req) => rules::status_change(v.role, st.status, req, assignee.is_some())?,
        None => st.status,
    };
    if new_status != st.status || assignee != st.assignee_id {
        let w = TicketWrite {
            id,
            status: new_status,
            assignee_id: assignee,
            resolved_at_ms: rules::resolved_at_after(new_status, st.resolved_at_ms, now),
            updated_at_ms: now,
            message_added: false,
        };
        status::write(tx, &calendar, &st, &w).await?;
        tx.record_changes(
            &[Entity::Ticket(id)],
            Audience::organization(st.organization_id),
        )
        .await?;
    }
    tx.ticket_in_tx(id)
        .await?
        .ok_or_else(Error::ticket_not_found)
}
