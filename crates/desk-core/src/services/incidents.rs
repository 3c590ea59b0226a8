//! Outages: reports that open, join or reopen incidents; acknowledgement, updates, resolution
//! (which resolves every open report), scope and merges; the duty roster. Each write moves what
//! it changed to the head of the change log for exactly the people it concerns: an incident
//! once announced to every organisation has one row for all; otherwise one row per concerned
//! organisation, so each customer pulls exactly their own organisation's incidents.

use std::collections::HashSet;

use desk_domain::{
    DutyAgent, Incident, IncidentEventKind, IncidentStatus, OutageKind, OutageReport, ReportOutage,
    TicketStatus, UpdateIncident, rules,
};
use tracing::instrument;
use uuid::Uuid;

use super::tickets::{self, NewTicket, organization_for};
use super::{Created, paging, status};
use crate::actor::{Actor, Viewer};
use crate::calendar::CalendarHandle;
use crate::error::{Error, Result};
use crate::storage::{
    Audience, Entity, EventInsert, IncidentLookup, IncidentRow, MessageInsert, TicketWrite, Tx,
};
use crate::{Core, validate, visibility};

/// A resolved incident that gets a new report of its kind within this long opens again.
const REOPEN_WITHIN_MS: i64 = 60 * 60 * 1000;
/// Most incidents one list answers.
const LIST_MAX: i64 = 200;

/// An outage report: an urgent ticket that opens or joins an incident.
#[derive(Debug, Clone)]
pub struct NewOutage {
    /// The report ticket's id.
    pub id: Uuid,
    pub kind: OutageKind,
    pub description: String,
    pub attachment_ids: Vec<Uuid>,
    pub organization_id: Uuid,
    /// Back-dates the report (demo data); `None` means now.
    pub created_at_ms: Option<i64>,
    /// Page the agents when the report opens an incident (the demo's past reports do not).
    pub page: bool,
}

impl NewOutage {
    pub fn from_request(v: &Viewer, req: ReportOutage) -> Result<Self> {
        let organization_id = organization_for(
            v,
            req.organization_id,
            "Вкажіть організацію, від імені якої повідомляєте про збій.",
            "Name the organization this outage is reported for.",
        )?;
        let description = validate::body(&req.description).map_err(|_| {
            Error::validation(
                "Опишіть коротко, що сталося: що не працює і з якого часу.",
                "Describe briefly what happened: what is down and since when.",
            )
        })?;
        Ok(Self {
            id: req.id,
            kind: req.kind,
            description,
            attachment_ids: validate::attachment_ids(&req.attachment_ids)?,
            organization_id,
            created_at_ms: None,
            page: true,
        })
    }
}

/// An incident an agent announces before (or without) any report.
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub id: Uuid,
    pub kind: OutageKind,
    /// Empty: the kind's default title.
    pub title: String,
    pub body: String,
    pub all_organizations: bool,
    pub organization_ids: Vec<Uuid>,
    pub created_at_ms: Option<i64>,
}

impl Core {
    /// Files the report and links it to an incident: the open one of its kind that affects the
    /// organisation, else one resolved within the hour (reopened), else a new one that pages
    /// the agents on duty. Idempotent by the report's id.
    #[instrument(skip_all, err, fields(ticket_id = %r.id, kind = r.kind.as_str()))]
    pub async fn report_outage(&self, a: &Actor, r: NewOutage) -> Result<(OutageReport, Created)> {
        let (a, now) = (*a, self.clock.now_ms());
        let (report, created) = self
            .write(move |tx| Box::pin(report(tx, a, r, now)))
            .await?;
        Ok((for_viewer(report, &a)?, created))
    }

    #[instrument(skip_all, err)]
    pub async fn incidents(
        &self,
        v: &Viewer,
        status: Option<IncidentStatus>,
    ) -> Result<Vec<Incident>> {
        let org = (!v.is_staff()).then_some(v.organization_id.unwrap_or_default());
        let ids = self.storage.incident_ids(org, status, LIST_MAX).await?;
        let mut found: Vec<Incident> = self
            .storage
            .incidents(&ids)
            .await?
            .iter()
            .filter_map(|r| visibility::incident(r, v))
            .collect();
        found.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
        Ok(found)
    }

    #[instrument(skip_all, err, fields(incident_id = %id))]
    pub async fn incident(&self, v: &Viewer, id: Uuid) -> Result<Incident> {
        self.storage
            .incidents(&[id])
            .await?
            .first()
            .and_then(|r| visibility::incident(r, v))
            .ok_or_else(Error::incident_not_found)
    }

    /// Announces an incident: known and being handled, so nobody is paged for it.
    #[instrument(skip_all, err, fields(incident_id = %c.id))]
    pub async fn create_incident(&self, v: &Viewer, c: NewIncident) -> Result<(Incident, Created)> {
        v.require_staff()?;
        let (v, now) = (*v, self.clock.now_ms());
        self.write(move |tx| Box::pin(create(tx, v, c, now))).await
    }

    /// Takes the incident: nobody else is paged for it, and the acknowledging agent takes the
    /// reports nobody has taken yet. A repeat (or a second agent's tap) answers it as it is.
    #[instrument(skip_all, err, fields(incident_id = %id))]
    pub async fn acknowledge_incident(
        &self,
        v: &Viewer,
        id: Uuid,
        at_ms: Option<i64>,
    ) -> Result<Incident> {
        v.require_staff()?;
        let (v, calendar) = (*v, self.calendar.clone());
        let now = at_ms.unwrap_or_else(|| self.clock.now_ms());
        self.write(move |tx| Box::pin(acknowledge(tx, v, calendar, id, now)))
            .await
    }

    /// An update to everyone affected, or (`resolve`) the resolution, which also resolves
    /// every linked open report with `body` as the agent's message. Idempotent by `event_id`.
    #[instrument(skip_all, err, fields(incident_id = %id, resolve))]
    pub async fn post_incident_update(
        &self,
        v: &Viewer,
        id: Uuid,
        event_id: Uuid,
        body: &str,
        resolve: bool,
        at_ms: Option<i64>,
    ) -> Result<Incident> {
        v.require_staff()?;
        let body = validate::body(body)?;
        let (v, calendar) = (*v, self.calendar.clone());
        let now = at_ms.unwrap_or_else(|| self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(post_update(
                tx, v, calendar, id, event_id, body, resolve, now,
            ))
        })
        .await
    }

    /// Renames the incident or changes whom it affects (the organisations of its reports
    /// always stay).
    #[instrument(skip_all, err, fields(incident_id = %id))]
    pub async fn update_incident(
        &self,
        v: &Viewer,
        id: Uuid,
        u: UpdateIncident,
    ) -> Result<Incident> {
        v.require_staff()?;
        let (v, now) = (*v, self.clock.now_ms());
        self.write(move |tx| Box::pin(update(tx, v, id, u, now)))
            .await
    }

    /// Moves `from`'s reports into `into`, joins the scopes, marks `from` merged.
    #[instrument(skip_all, err, fields(into = %into, from = %from))]
    pub async fn merge_incidents(&self, v: &Viewer, into: Uuid, from: Uuid) -> Result<Incident> {
        v.require_staff()?;
        let (v, now) = (*v, self.clock.now_ms());
        self.write(move |tx| Box::pin(merge(tx, v, into, from, now)))
            .await
    }

    /// Every agent with their duty state, on duty first.
    #[instrument(skip_all, err)]
    pub async fn duty_roster(&self, v: &Viewer) -> Result<Vec<DutyAgent>> {
        v.require_staff()?;
        self.storage.duty_roster().await
    }

    #[instrument(skip_all, err, fields(on_duty))]
    pub async fn set_duty(&self, v: &Viewer, on_duty: bool) -> Result<DutyAgent> {
        v.require_staff()?;
        let (v, now) = (*v, self.clock.now_ms());
        self.write(move |tx| {
            Box::pin(async move {
                tx.set_duty(v.user_id, on_duty, now).await?;
                tx.record_changes(&[Entity::Duty(v.user_id)], Audience::STAFF)
                    .await?;
                tx.duty_of(v.user_id)
                    .await?
                    .ok_or_else(|| Error::internal("duty row vanished inside its own transaction"))
            })
        })
        .await
    }
}

/// The report as `v` may see it.
fn for_viewer(r: Written, v: &Viewer) -> Result<OutageReport> {
    let incident = visibility::incident(&r.incident, v).ok_or_else(Error::incident_not_found)?;
    Ok(OutageReport {
        ticket: visibility::ticket(r.ticket, v),
        incident,
        already_known: r.already_known,
    })
}

/// A report as written: the ticket and the incident whole.
pub(super) struct Written {
    pub ticket: desk_domain::Ticket,
    pub incident: crate::storage::IncidentRecord,
    pub already_known: bool,
}

// ---------------------------------------------------------------- helpers inside a write

/// The incident as `v` sees it now, inside the write.
async fn current(tx: &mut dyn Tx, v: &Viewer, id: Uuid) -> Result<Incident> {
    tx.incident_in_tx(id)
        .await?
        .and_then(|r| visibility::incident(&r, v))
        .ok_or_else(Error::incident_not_found)
}

async fn row(tx: &mut dyn Tx, id: Uuid) -> Result<IncidentRow> {
    tx.incident_row(id)
        .await?
        .ok_or_else(Error::incident_not_found)
}

/// Marks the incident changed at `now` and moves it to the head of the change log for everyone
/// it concerns.
async fn touch(tx: &mut dyn Tx, id: Uuid, now: i64) -> Result<()> {
    let mut r = row(tx, id).await?;
    r.updated_at_ms = now;
    tx.write_incident(&r).await?;
    if r.ever_all {
        tx.record_changes(&[Entity::Incident(id)], Audience::EVERYONE)
            .await?;
    }
    if !r.all_organizations {
        for (org, _) in tx.scope(id).await? {
            tx.record_changes(&[Entity::IncidentFor(id, org)], Audience::organization(org))
                .await?;
        }
    }
    Ok(())
}

/// Moves every ticket linked to the incident to the head of the change log, so clients pull
/// them with their current link and status.
async fn touch_tickets(tx: &mut dyn Tx, incident_id: Uuid) -> Result<()> {
    for t in tx.linked_tickets(incident_id).await? {
        tx.record_changes(
            &[Entity::Ticket(t.id)],
            Audience::organization(t.organization_id),
        )
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn event(
    incident_id: Uuid,
    kind: IncidentEventKind,
    body: &str,
    author_id: Uuid,
    organization_id: Option<Uuid>,
    ticket_id: Option<Uuid>,
    joined: bool,
    at_ms: i64,
) -> EventInsert {
    EventInsert {
        id: Uuid::now_v7(),
        incident_id,
        kind,
        body: body.to_owned(),
        author_id,
        organization_id,
        ticket_id,
        joined,
        at_ms,
    }
}

async fn check_orgs(tx: &mut dyn Tx, orgs: &[Uuid]) -> Result<()> {
    for org in orgs {
        if !tx.organization_exists(*org).await? {
            return Err(Error::not_found("Організацію", "Organization"));
        }
    }
    Ok(())
}

fn empty_scope() -> Error {
    Error::validation(
        "Вкажіть, кого стосується інцидент: усі організації або хоча б одну.",
        "Say whom the incident affects: every organization or at least one.",
    )
}

fn is_merged(r: &IncidentRow) -> bool {
    r.status == IncidentStatus::Merged
}

// ---------------------------------------------------------------- the writes

/// Files report `r` by `a` inside the write (also the alert bot's path).
pub(super) async fn report(
    tx: &mut dyn Tx,
    a: Actor,
    r: NewOutage,
    now_ms: i64,
) -> Result<(Written, Created)> {
    if let Some((requester, incident_id, joined)) = tx.report_origin(r.id).await? {
        let Some(incident_id) = incident_id.filter(|_| requester == a.user_id) else {
            return Err(Error::id_conflict());
        };
        let ticket = tx
            .ticket_in_tx(r.id)
            .await?
            .ok_or_else(Error::id_conflict)?;
        let incident = tx
            .incident_in_tx(incident_id)
            .await?
            .ok_or_else(Error::incident_not_found)?;
        let written = Written {
            ticket,
            incident,
            already_known: joined,
        };
        return Ok((written, Created::Existing));
    }
    let now = r.created_at_ms.unwrap_or(now_ms);
    let org = r.organization_id;
    let open = tx.find_incident(r.kind, org, IncidentLookup::Open).await?;
    let recent = match open {
        Some(_) => None,
        None => {
            let since = IncidentLookup::ResolvedSince(now - REOPEN_WITHIN_MS);
            tx.find_incident(r.kind, org, since).await?
        }
    };
    let locale = tx.user_locale(a.user_id).await?.unwrap_or_default();
    let new_ticket = NewTicket {
        id: r.id,
        topic_id: r.kind.topic_id().to_owned(),
        subject: rules::outage_title(r.kind, &locale).to_owned(),
        body: r.description,
        attachment_ids: r.attachment_ids,
        organization_id: org,
        created_at_ms: Some(now),
    };
    tickets::file(tx, &a, new_ticket, now).await?;

    let (incident_id, joined, page_round) = match (open, recent) {
        (Some(id), _) => (id, true, None),
        (None, Some(id)) => {
            let mut i = row(tx, id).await?;
            i.status = IncidentStatus::Open;
            i.resolved_at_ms = None;
            i.acknowledged_at_ms = None;
            i.acknowledged_by = None;
            i.updated_at_ms = now;
            tx.write_incident(&i).await?;
            // The reporter's organisation only: other taxi services never see who reported.
            let e = event(
                id,
                IncidentEventKind::Reopened,
                "",
                a.user_id,
                Some(org),
                None,
                false,
                now,
            );
            tx.insert_event(&e).await?;
            (id, false, Some(1))
        }
        (None, None) => {
            let id = Uuid::now_v7();
            tx.insert_incident(&IncidentRow {
                id,
                kind: r.kind,
                title: rules::outage_title(r.kind, "uk").to_owned(),
                status: IncidentStatus::Open,
                all_organizations: false,
                ever_all: false,
                started_at_ms: now,
                acknowledged_at_ms: None,
                acknowledged_by: None,
                resolved_at_ms: None,
                updated_at_ms: now,
                merged_into: None,
                created_by: a.user_id,
                last_paged_at_ms: None,
                page_round: 0,
            })
            .await?;
            (id, false, Some(1))
        }
    };
    tx.add_to_scope(incident_id, org).await?;
    // An outage is urgent whatever its topic (`other` included).
    tx.link_to_incident(r.id, incident_id).await?;
    let reported = event(
        incident_id,
        IncidentEventKind::Reported,
        "",
        a.user_id,
        Some(org),
        Some(r.id),
        joined,
        now,
    );
    tx.insert_event(&reported).await?;
    if let (Some(round), true) = (page_round, r.page) {
        paging::page(tx, incident_id, r.id, round, now).await?;
    }
    if joined {
        tx.record_changes(&[Entity::Ticket(r.id)], Audience::organization(org))
            .await?;
    } else {
        // A new or reopened incident: its earlier reports show the link's state again too.
        touch_tickets(tx, incident_id).await?;
    }
    touch(tx, incident_id, now).await?;
    let ticket = tx
        .ticket_in_tx(r.id)
        .await?
        .ok_or_else(|| Error::internal("report vanished inside its own transaction"))?;
    let incident = tx
        .incident_in_tx(incident_id)
        .await?
        .ok_or_else(Error::incident_not_found)?;
    let written = Written {
        ticket,
        incident,
        already_known: joined,
    };
    Ok((written, Created::New))
}

async fn create(
    tx: &mut dyn Tx,
    v: Viewer,
    c: NewIncident,
    now_ms: i64,
) -> Result<(Incident, Created)> {
    if let Some(existing) = tx.incident_row(c.id).await? {
        if existing.created_by != v.user_id {
            return Err(Error::id_conflict());
        }
        return Ok((current(tx, &v, c.id).await?, Created::Existing));
    }
    let title = validate::incident_title(&c.title, c.kind)?;
    let body = validate::body(&c.body)?;
    let mut orgs = c.organization_ids.clone();
    orgs.sort();
    orgs.dedup();
    if !c.all_organizations && orgs.is_empty() {
        return Err(empty_scope());
    }
    check_orgs(tx, &orgs).await?;
    let now = c.created_at_ms.unwrap_or(now_ms);
    tx.insert_incident(&IncidentRow {
        id: c.id,
        kind: c.kind,
        title,
        status: IncidentStatus::Open,
        all_organizations: c.all_organizations,
        ever_all: c.all_organizations,
        started_at_ms: now,
        // Announced by an agent: known and being handled, so nobody is paged for it.
        acknowledged_at_ms: Some(now),
        acknowledged_by: Some(v.user_id),
        resolved_at_ms: None,
        updated_at_ms: now,
        merged_into: None,
        created_by: v.user_id,
        last_paged_at_ms: None,
        page_round: 0,
    })
    .await?;
    for org in &orgs {
        tx.add_to_scope(c.id, *org).await?;
    }
    let e = event(
        c.id,
        IncidentEventKind::Update,
        &body,
        v.user_id,
        None,
        None,
        false,
        now,
    );
    tx.insert_event(&e).await?;
    touch(tx, c.id, now).await?;
    Ok((current(tx, &v, c.id).await?, Created::New))
}

pub(super) async fn acknowledge(
    tx: &mut dyn Tx,
    v: Viewer,
    calendar: CalendarHandle,
    id: Uuid,
    now: i64,
) -> Result<Incident> {
    let mut i = row(tx, id).await?;
    if i.acknowledged_at_ms.is_some() && !is_merged(&i) {
        // Someone already has it: answer as it is (a repeat, or a second agent's tap).
        return current(tx, &v, id).await;
    }
    if i.status != IncidentStatus::Open {
        return Err(Error::incident_not_open(is_merged(&i)));
    }
    i.acknowledged_at_ms = Some(now);
    i.acknowledged_by = Some(v.user_id);
    i.updated_at_ms = now;
    tx.write_incident(&i).await?;
    let e = event(
        id,
        IncidentEventKind::Acknowledged,
        "",
        v.user_id,
        None,
        None,
        false,
        now,
    );
    tx.insert_event(&e).await?;
    // The acknowledging agent takes the reports nobody has taken yet.
    for t in tx.linked_tickets(id).await? {
        if t.status != TicketStatus::New || t.assignee_id.is_some() {
            continue;
        }
        let Some(st) = tx.ticket_state(t.id).await? else {
            continue;
        };
        let w = TicketWrite {
            id: t.id,
            status: TicketStatus::InProgress,
            assignee_id: Some(v.user_id),
            resolved_at_ms: st.resolved_at_ms,
            updated_at_ms: now,
            message_added: false,
        };
        status::write(tx, &calendar, &st, &w).await?;
        tx.record_changes(
            &[Entity::Ticket(t.id)],
            Audience::organization(t.organization_id),
        )
        .await?;
    }
    touch(tx, id, now).await?;
    current(tx, &v, id).await
}

#[allow(clippy::too_many_arguments)]
async fn post_update(
    tx: &mut dyn Tx,
    v: Viewer,
    calendar: CalendarHandle,
    id: Uuid,
    event_id: Uuid,
    body: String,
    resolve: bool,
    now: i64,
) -> Result<Incident> {
    let kind = if resolve {
        IncidentEventKind::Resolved
    } else {
        IncidentEventKind::Update
    };
    if let Some((incident_id, k)) = tx.event_origin(event_id).await? {
        if incident_id != id || k != kind {
            return Err(Error::id_conflict());
        }
        return current(tx, &v, id).await;
    }
    let mut i = row(tx, id).await?;
    if is_merged(&i) || (resolve && i.status != IncidentStatus::Open) {
        return Err(Error::incident_not_open(is_merged(&i)));
    }
    let mut e = event(id, kind, &body, v.user_id, None, None, false, now);
    e.id = event_id;
    tx.insert_event(&e).await?;
    if !resolve {
        touch(tx, id, now).await?;
        return current(tx, &v, id).await;
    }
    i.status = IncidentStatus::Resolved;
    i.resolved_at_ms = Some(now);
    i.updated_at_ms = now;
    tx.write_incident(&i).await?;
    // The change log gets the incident first, then its reports, then the resolution messages:
    // a client whose pull splits them across pages has the incident resolved before it sees a
    // report resolved or the message, and raises the one notification for the incident instead
    // of one per report (the notification policy).
    touch(tx, id, now).await?;
    let mut messages = Vec::new();
    for t in tx.linked_tickets(id).await? {
        if !t.status.is_open() {
            continue;
        }
        let Some(st) = tx.ticket_state(t.id).await? else {
            continue;
        };
        let message = Uuid::now_v7();
        tx.insert_message(&MessageInsert {
            id: message,
            ticket_id: t.id,
            author_id: v.user_id,
            body: body.clone(),
            internal: false,
            channel: desk_domain::Channel::App,
            created_at_ms: now,
        })
        .await?;
        let w = TicketWrite {
            id: t.id,
            status: TicketStatus::Resolved,
            assignee_id: st.assignee_id,
            resolved_at_ms: rules::resolved_at_after(
                TicketStatus::Resolved,
                st.resolved_at_ms,
                now,
            ),
            updated_at_ms: now,
            message_added: true,
        };
        status::write(tx, &calendar, &st, &w).await?;
        messages.push((message, t.organization_id));
    }
    touch_tickets(tx, id).await?;
    for (message, org) in messages {
        tx.record_changes(&[Entity::Message(message)], Audience::organization(org))
            .await?;
    }
    current(tx, &v, id).await
}

async fn update(
    tx: &mut dyn Tx,
    v: Viewer,
    id: Uuid,
    u: UpdateIncident,
    now: i64,
) -> Result<Incident> {
    let mut i = row(tx, id).await?;
    if is_merged(&i) {
        return Err(Error::incident_not_open(true));
    }
    let new_title = match &u.title {
        Some(t) if t.trim().is_empty() => {
            return Err(Error::validation(
                "Назва інциденту порожня. Напишіть, що не працює.",
                "The incident title is empty. Say what is down.",
            ));
        }
        Some(t) => Some(validate::incident_title(t, i.kind)?),
        None => None,
    };
    let all = u.all_organizations.unwrap_or(i.all_organizations);
    if let Some(orgs) = &u.organization_ids {
        check_orgs(tx, orgs).await?;
        // The organisations of linked reports always stay in scope.
        let reporting: Vec<Uuid> = tx
            .linked_tickets(id)
            .await?
            .into_iter()
            .map(|t| t.organization_id)
            .collect();
        let keep: HashSet<Uuid> = orgs.iter().chain(reporting.iter()).copied().collect();
        tx.clear_scope(id).await?;
        for org in keep {
            tx.add_to_scope(id, org).await?;
        }
    }
    let in_scope = tx.scope(id).await?.iter().filter(|(_, s)| *s).count();
    if !all && in_scope == 0 {
        return Err(empty_scope());
    }
    if let Some(t) = new_title {
        i.title = t;
    }
    i.ever_all = i.ever_all || all;
    i.all_organizations = all;
    i.updated_at_ms = now;
    tx.write_incident(&i).await?;
    touch(tx, id, now).await?;
    current(tx, &v, id).await
}

async fn merge(tx: &mut dyn Tx, v: Viewer, into: Uuid, from: Uuid, now: i64) -> Result<Incident> {
    if into == from {
        return Err(Error::validation(
            "Інцидент не можна об'єднати із самим собою.",
            "An incident cannot be merged into itself.",
        ));
    }
    let mut target = row(tx, into).await?;
    let mut source = row(tx, from).await?;
    if source.merged_into == Some(into) {
        return current(tx, &v, into).await;
    }
    if target.status != IncidentStatus::Open {
        return Err(Error::new(
            desk_domain::ErrorCode::InvalidTransition,
            "Об'єднувати можна лише у відкритий інцидент.",
            "Incidents can only be merged into an open one.",
        ));
    }
    if is_merged(&source) {
        return Err(Error::incident_not_open(true));
    }
    tx.move_reports(from, into).await?;
    for (org, in_scope) in tx.scope(from).await? {
        if in_scope {
            tx.add_to_scope(into, org).await?;
        }
    }
    let all = target.all_organizations || source.all_organizations;
    if target.acknowledged_at_ms.is_none() && source.acknowledged_at_ms.is_some() {
        target.acknowledged_at_ms = source.acknowledged_at_ms;
        target.acknowledged_by = source.acknowledged_by;
    }
    target.ever_all = all || target.ever_all || source.ever_all;
    target.all_organizations = all;
    target.started_at_ms = target.started_at_ms.min(source.started_at_ms);
    target.updated_at_ms = now;
    tx.write_incident(&target).await?;
    source.status = IncidentStatus::Merged;
    source.merged_into = Some(into);
    source.updated_at_ms = now;
    tx.write_incident(&source).await?;
    touch_tickets(tx, into).await?;
    touch(tx, from, now).await?;
    touch(tx, into, now).await?;
    current(tx, &v, into).await
}
