//! Outages on the device: the cached incidents (with their timelines), the pages that ring an
//! agent's app and the duty roster, all applied from the same `changes` pages as tickets and in
//! the same transaction; the reads the app's outage screens make; the outage report, which
//! goes through the outbox like a new ticket; and the agents' incident actions.
//!
//! Which agent actions are queued and which are not: a customer's **report** is queued (a
//! dispatcher at 02:00 with a flaky connection must be able to press "report" and trust that
//! it goes out as soon as the line is back, exactly once). An agent's **acknowledge, update,
//! resolve, rename/scope, merge, announce and duty** changes are sent at once and fail with a
//! clear `offline` error when the server cannot be reached: each of them tells somebody else
//! something is happening *now* (the customer waiting for "acknowledged", the re-page timer,
//! the roster that decides who is rung). A queued acknowledgement would show "acknowledged" on
//! the agent's screen while the customer sees nothing and every agent is paged again; an agent
//! who knows it did not go through picks up the phone instead. A transport failure is retried
//! once with the same client id, so a request that reached the server before the connection
//! broke is not applied twice.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use desk_domain::{
    ChangeData, CreateIncident, DutyAgent, Incident, IncidentEventKind, IncidentStatus,
    MergeIncident, OutageKind, Page, PostIncidentUpdate, ReportOutage, SetDuty, Ticket,
    UpdateIncident, limits,
};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use crate::api::ApiError;
use crate::cache::{Cache, CachedTicket};
use crate::desk::{
    ClientEvent, Desk, DraftInput, Inner, TEXT_TOO_LONG, check_length, provisional_message,
    provisional_ticket,
};
use crate::error::Error;
use crate::local::{Op, OutboxItem, OutboxState};

// --- what a pulled page changed

/// An incident as a pulled page changed it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentChange {
    /// As cached before this page (absent: first seen now).
    pub before: Option<Incident>,
    pub now: Incident,
    /// One of its reports is mine: a linked ticket I filed, or a `reported` entry by me.
    pub reported_by_me: bool,
}

/// A page as a pulled page brought it.
#[derive(Debug, Clone, PartialEq)]
pub struct PageChange {
    pub page: Page,
    /// Not in the cache before this page.
    pub first_seen: bool,
    /// Its incident is acknowledged or no longer open (as cached after this page): nothing
    /// left to ring for.
    pub settled: bool,
    /// The report that caused it was filed by me.
    pub reported_by_me: bool,
}

/// The outage part of what applying a page did (see [`crate::cache::Applied`]).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OutageChanges {
    pub incidents: Vec<IncidentChange>,
    pub pages: Vec<PageChange>,
    pub duty_changed: bool,
    /// For each ticket of this page (or of its new messages) linked to an incident: that
    /// incident's status as cached after this page (absent when the cache does not hold it).
    pub ticket_incident: HashMap<Uuid, IncidentStatus>,
}

impl OutageChanges {
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty() && self.pages.is_empty() && !self.duty_changed
    }
}

/// The outage entries of one pulled page, collected while the page is sorted.
#[derive(Debug, Default)]
pub(crate) struct PendingOutages<'a> {
    incidents: Vec<&'a Incident>,
    pages: Vec<&'a Page>,
    duty: Vec<&'a DutyAgent>,
}

impl<'a> PendingOutages<'a> {
    pub fn push(&mut self, e: &'a ChangeData) {
        match e {
            ChangeData::Incident(i) => self.incidents.push(i),
            ChangeData::Page(p) => self.pages.push(p),
            ChangeData::Duty(d) => self.duty.push(d),
            ChangeData::Topic(_) | ChangeData::Ticket(_) | ChangeData::Message(_) => {}
        }
    }
}

/// Keeps the last entry per key, in the order of their last appearance.
fn last_per<T: Copy, K: std::hash::Hash + Eq>(items: &[T], key: impl Fn(T) -> K) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut out: Vec<T> = items
        .iter()
        .rev()
        .filter(|i| seen.insert(key(**i)))
        .copied()
        .collect();
    out.reverse();
    out
}

fn ids_json<I: IntoIterator<Item = Uuid>>(ids: I) -> anyhow::Result<String> {
    Ok(serde_json::to_string(&ids.into_iter().collect::<Vec<_>>())?)
}

/// Applies a page's incidents, pages and duty rows inside the page's transaction (after its
/// tickets, so a report's requester is known), answering what changed.
pub(crate) async fn apply<'t>(
    conn: &mut SqliteConnection,
    pending: &PendingOutages<'_>,
    tickets: impl Iterator<Item = &'t Ticket>,
    me: Uuid,
) -> anyhow::Result<OutageChanges> {
    let mut out = OutageChanges::default();
    let linked: Vec<(Uuid, Uuid)> = tickets
        .filter_map(|t| t.incident_id.map(|i| (t.id, i)))
        .collect();
    if pending.incidents.is_empty()
        && pending.pages.is_empty()
        && pending.duty.is_empty()
        && linked.is_empty()
    {
        return Ok(out);
    }

    let incidents = last_per(&pending.incidents, |i| i.id);
    if !incidents.is_empty() {
        let ids = ids_json(incidents.iter().map(|i| i.id))?;
        let mut before: HashMap<Uuid, Incident> = HashMap::new();
        for r in
            sqlx::query("SELECT data FROM incidents WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(&ids)
                .fetch_all(&mut *conn)
                .await?
        {
            let i: Incident = serde_json::from_str(r.get::<&str, _>(0))?;
            before.insert(i.id, i);
        }
        // An answer the app stored directly may be newer than a page fetched before it.
        sqlx::query(
            "INSERT INTO incidents (id, kind, status, all_organizations, started_at, updated_at, data) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.kind'), json_extract(value, '$.status'), \
               json_extract(value, '$.all_organizations'), \
               CAST(unixepoch(json_extract(value, '$.started_at'), 'subsec') * 1000 AS INTEGER), \
               CAST(unixepoch(json_extract(value, '$.updated_at'), 'subsec') * 1000 AS INTEGER), value \
             FROM json_each(?1) WHERE true \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status, \
               all_organizations = excluded.all_organizations, started_at = excluded.started_at, \
               updated_at = excluded.updated_at, data = excluded.data \
             WHERE excluded.updated_at >= incidents.updated_at",
        )
        .bind(serde_json::to_string(&incidents)?)
        .execute(&mut *conn)
        .await?;
        let all_tickets = ids_json(incidents.iter().flat_map(|i| i.ticket_ids.iter().copied()))?;
        let mine: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM tickets WHERE id IN (SELECT value FROM json_each(?1)) \
             AND json_extract(data, '$.requester.id') = ?2",
        )
        .bind(&all_tickets)
        .bind(me.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
        for i in incidents {
            let b = before.remove(&i.id);
            if b.as_ref().is_some_and(|b| b.updated_at > i.updated_at) {
                continue;
            }
            let reported_by_me = i.ticket_ids.iter().any(|t| mine.contains(t))
                || i.timeline
                    .iter()
                    .any(|e| e.kind == IncidentEventKind::Reported && e.author.id == me);
            out.incidents.push(IncidentChange {
                before: b,
                now: i.clone(),
                reported_by_me,
            });
        }
    }

    let pages = last_per(&pending.pages, |p| p.id);
    if !pages.is_empty() {
        let ids = ids_json(pages.iter().map(|p| p.id))?;
        let known: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM pages WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
        sqlx::query(
            "INSERT INTO pages (id, incident_id, ticket_id, round, all_agents, created_at, data) \
             SELECT json_extract(value, '$.id'), json_extract(value, '$.incident_id'), \
               json_extract(value, '$.ticket_id'), json_extract(value, '$.round'), \
               json_extract(value, '$.all_agents'), \
               CAST(unixepoch(json_extract(value, '$.created_at'), 'subsec') * 1000 AS INTEGER), value \
             FROM json_each(?1) WHERE true \
             ON CONFLICT (id) DO UPDATE SET incident_id = excluded.incident_id, ticket_id = excluded.ticket_id, \
               round = excluded.round, all_agents = excluded.all_agents, created_at = excluded.created_at, \
               data = excluded.data",
        )
        .bind(serde_json::to_string(&pages)?)
        .execute(&mut *conn)
        .await?;
        let settled: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM incidents WHERE id IN (SELECT value FROM json_each(?1)) \
             AND (status != 'open' OR json_extract(data, '$.acknowledged_at') IS NOT NULL)",
        )
        .bind(ids_json(pages.iter().map(|p| p.incident_id))?)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
        let mine: HashSet<Uuid> = sqlx::query_scalar::<_, String>(
            "SELECT id FROM tickets WHERE id IN (SELECT value FROM json_each(?1)) \
             AND json_extract(data, '$.requester.id') = ?2",
        )
        .bind(ids_json(pages.iter().map(|p| p.ticket_id))?)
        .bind(me.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .filter_map(|s| Uuid::parse_str(s).ok())
        .collect();
        for p in pages {
            out.pages.push(PageChange {
                page: p.clone(),
                first_seen: !known.contains(&p.id),
                settled: settled.contains(&p.incident_id),
                reported_by_me: mine.contains(&p.ticket_id),
            });
        }
    }

    let duty = last_per(&pending.duty, |d| d.agent.id);
    if !duty.is_empty() {
        sqlx::query(
            "INSERT INTO duty (agent_id, on_duty, since, data) \
             SELECT json_extract(value, '$.agent.id'), json_extract(value, '$.on_duty'), \
               CAST(unixepoch(json_extract(value, '$.since'), 'subsec') * 1000 AS INTEGER), value \
             FROM json_each(?1) WHERE true \
             ON CONFLICT (agent_id) DO UPDATE SET on_duty = excluded.on_duty, since = excluded.since, \
               data = excluded.data",
        )
        .bind(serde_json::to_string(&duty)?)
        .execute(&mut *conn)
        .await?;
        out.duty_changed = true;
    }

    if !linked.is_empty() {
        let statuses: HashMap<Uuid, IncidentStatus> = sqlx::query_as::<_, (String, String)>(
            "SELECT id, status FROM incidents WHERE id IN (SELECT value FROM json_each(?1))",
        )
        .bind(ids_json(linked.iter().map(|(_, i)| *i))?)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|(id, s)| Some((Uuid::parse_str(&id).ok()?, IncidentStatus::parse(&s)?)))
        .collect();
        for (ticket, incident) in linked {
            if let Some(s) = statuses.get(&incident) {
                out.ticket_incident.insert(ticket, *s);
            }
        }
    }
    Ok(out)
}

// --- reads

fn decode<T: serde::de::DeserializeOwned>(rows: &[String]) -> anyhow::Result<Vec<T>> {
    rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
}

impl Cache {
    /// Incidents by status: `open`, `resolved`, `merged`, or `all` (default), open ones first,
    /// newest first.
    pub async fn incidents(&self, status: Option<&str>) -> anyhow::Result<Vec<Incident>> {
        let status = status.and_then(IncidentStatus::parse);
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM incidents WHERE ?1 IS NULL OR status = ?1 \
             ORDER BY status = 'open' DESC, started_at DESC",
        )
        .bind(status.map(IncidentStatus::as_str))
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }

    /// Open incidents affecting `org` (every open one when `None`), newest first: the banner.
    pub async fn open_incidents(&self, org: Option<Uuid>) -> anyhow::Result<Vec<Incident>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM incidents WHERE status = 'open' AND (?1 IS NULL OR all_organizations = 1 \
               OR EXISTS (SELECT 1 FROM json_each(incidents.data, '$.organizations') o \
                          WHERE json_extract(o.value, '$.id') = ?1)) \
             ORDER BY started_at DESC",
        )
        .bind(org.map(|o| o.to_string()))
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }

    pub async fn incident(&self, id: Uuid) -> anyhow::Result<Option<Incident>> {
        let row: Option<String> = sqlx::query_scalar("SELECT data FROM incidents WHERE id = ?1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(serde_json::from_str(&r)?)).transpose()
    }

    /// The duty roster: on duty first, then by name.
    pub async fn duty(&self) -> anyhow::Result<Vec<DutyAgent>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM duty ORDER BY on_duty DESC, json_extract(data, '$.agent.name')",
        )
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }

    pub async fn duty_of(&self, agent: Uuid) -> anyhow::Result<Option<DutyAgent>> {
        let row: Option<String> = sqlx::query_scalar("SELECT data FROM duty WHERE agent_id = ?1")
            .bind(agent.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(serde_json::from_str(&r)?)).transpose()
    }

    /// Pages addressed to `agent` (to every agent, or naming them), newest first.
    pub async fn pages_for(&self, agent: Uuid, limit: u32) -> anyhow::Result<Vec<Page>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM pages WHERE all_agents = 1 \
               OR EXISTS (SELECT 1 FROM json_each(pages.data, '$.recipients') r WHERE r.value = ?1) \
             ORDER BY created_at DESC LIMIT ?2",
        )
        .bind(agent.to_string())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        decode(&rows)
    }
}

// --- what the app shows

/// What the report form shows before filing: support already knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct KnownOutage {
    /// The open incident of this kind affecting my organisation («вже відомо … з 02:10»), when
    /// the cache knows one; `None` while only my own report of this kind is still being sent.
    pub incident: Option<Incident>,
    /// Where details go as a reply (`Desk::reply`): my organisation's report linked to the
    /// incident (my own first, open ones first), or my own report still in the outbox. `None`
    /// when nobody of my organisation has reported it yet (support announced it): then
    /// `Desk::report_outage` files a report that joins this incident.
    pub ticket_id: Option<Uuid>,
    /// `ticket_id` is my report still waiting to be sent.
    pub sending: bool,
}

/// An incident with the report tickets the cache holds for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct IncidentView {
    pub incident: Incident,
    /// Linked reports the caller may see (a customer: their organisation's), newest first.
    pub tickets: Vec<CachedTicket>,
}

/// A page addressed to me, with what became of its incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PageItem {
    pub page: Page,
    /// The incident as cached (absent if not yet pulled).
    pub incident: Option<Incident>,
    /// Someone acknowledged the incident, or it is no longer open: nothing to answer.
    pub settled: bool,
}

/// `Desk::announce_incident`: an outage nobody reported yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AnnounceInput {
    pub kind: Option<OutageKind>,
    pub title: String,
    /// The first update everyone affected reads.
    pub body: String,
    #[serde(default)]
    pub all_organizations: bool,
    #[serde(default)]
    pub organization_ids: Vec<Uuid>,
}

/// What a report of `kind` is called until the server answers (the provisional ticket's
/// subject), in the app's language.
pub fn outage_title(kind: OutageKind, lang: &str) -> &'static str {
    let en = lang.starts_with("en");
    match (kind, en) {
        (OutageKind::Program, false) => "Не працює диспетчерська програма",
        (OutageKind::Program, true) => "The dispatch program is down",
        (OutageKind::Telephony, false) => "Не працює телефонія",
        (OutageKind::Telephony, true) => "Telephony is down",
        (OutageKind::DriverApp, false) => "Водії не отримують замовлень",
        (OutageKind::DriverApp, true) => "Drivers do not get orders",
        (OutageKind::Other, false) => "Критичний збій",
        (OutageKind::Other, true) => "Critical outage",
    }
}

fn is_open(i: &Incident) -> bool {
    i.status == IncidentStatus::Open
}

/// Sends an agent's incident action now: one retry with the same request on a transport
/// failure (so a request that reached the server is not applied twice); if the server still
/// cannot be reached, `offline` with `uk`/`en` saying what was not done.
async fn online<T, F, Fut>(inner: &Inner, uk: &str, en: &str, call: F) -> Result<T, Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let mut last = None;
    for attempt in 0..2 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        match call().await {
            Ok(v) => return Ok(v),
            Err(ApiError::Transport(e)) => last = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    tracing::warn!(error = ?last, "an incident action could not reach the server");
    Err(Error::new(
        "offline",
        if inner.config.lang.starts_with("en") {
            format!(
                "No connection to the support server: {en} Check the internet connection and try again."
            )
        } else {
            format!(
                "Немає зв'язку із сервером підтримки: {uk} Перевірте інтернет і спробуйте ще раз."
            )
        },
    ))
}

impl Desk {
    fn staff_only(&self) -> Result<(), Error> {
        if self.inner.me().role.is_staff() {
            Ok(())
        } else {
            Err(Error::new(
                "forbidden",
                if self.inner.config.lang.starts_with("en") {
                    "Only support specialists can do this.".into()
                } else {
                    "Це можуть робити лише спеціалісти підтримки.".into()
                },
            ))
        }
    }

    fn outages_changed(&self, incidents: Vec<Uuid>, pages: bool, duty: bool) {
        self.inner.emit(ClientEvent::IncidentsChanged {
            incidents,
            pages,
            duty,
        });
    }

    async fn store_incident(&self, i: Incident) -> Result<Incident, Error> {
        self.inner
            .cache
            .put_all(vec![ChangeData::Incident(i.clone())], self.inner.me().id)
            .await?;
        self.outages_changed(vec![i.id], false, false);
        // Linked tickets (resolved with it, moved by a merge) come with the next pull.
        self.inner.wake.notify_one();
        Ok(i)
    }

    /// An agent's action on one incident, sent at once (`online`); the incident it answers
    /// is cached and shown.
    async fn incident_action<F, Fut>(&self, uk: &str, en: &str, call: F) -> Result<Incident, Error>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Incident, ApiError>>,
    {
        let i = online(&self.inner, uk, en, call).await?;
        self.store_incident(i).await
    }

    // --- reports (customers; agents may report too)

    /// The draft key of the report form (its files are attached with `attach_to_draft`; its
    /// `topic_id` holds the kind, `OutageKind::as_str`).
    pub fn outage_draft_key() -> &'static str {
        "outage"
    }

    /// Asks before filing: is an outage of `kind` already known for my organisation? Answers
    /// the open incident (the form then shows «вже відомо: … з 02:10 — додайте подробиці» and
    /// sends what the person writes as a reply on `ticket_id` instead of a duplicate report),
    /// or my own report of this kind still being sent; `None`: file a report. From the cache:
    /// instant and offline. For agents: any open incident of the kind.
    pub async fn known_outage(&self, kind: OutageKind) -> Result<Option<KnownOutage>, Error> {
        let me = self.inner.me().clone();
        let org = if me.role.is_staff() {
            None
        } else {
            me.organization_id
        };
        let incident = self
            .inner
            .cache
            .open_incidents(org)
            .await?
            .into_iter()
            .find(|i| i.kind == kind && (org.is_none() || org.is_some_and(|o| i.affects(o))));
        let pending = self.inner.local.items().await?.into_iter().find(|i| {
            i.state == OutboxState::Pending
                && matches!(&i.op, Op::ReportOutage { kind: k, .. } if *k == kind)
        });
        let Some(incident) = incident else {
            return Ok(pending.map(|p| KnownOutage {
                incident: None,
                ticket_id: Some(p.entity_id),
                sending: true,
            }));
        };
        let mut linked = Vec::new();
        for id in &incident.ticket_ids {
            if let Some(t) = self.inner.cache.ticket(*id).await?
                && org.is_none_or(|o| t.ticket.organization_id == o)
            {
                linked.push(t.ticket);
            }
        }
        linked.sort_by_key(|t| {
            (
                t.requester.id != me.id,
                !t.status.is_open(),
                std::cmp::Reverse(t.created_at),
            )
        });
        let (ticket_id, sending) = match linked.first() {
            Some(t) => (Some(t.id), false),
            None => (pending.map(|p| p.entity_id), true),
        };
        Ok(Some(KnownOutage {
            sending: sending && ticket_id.is_some(),
            incident: Some(incident),
            ticket_id,
        }))
    }

    /// Reports an outage: what is down, what happened, optional files (copied in at once).
    /// Goes through the outbox like a new ticket — works offline and is sent once the server
    /// is reachable, files first, exactly once — and shows at once as an urgent provisional
    /// ticket with its sending state. The server links it to the open incident of this kind
    /// for the organisation, or opens one and pages the on-duty agents. Answers the report
    /// ticket's id. Ask [`Desk::known_outage`] first to avoid a duplicate. Customers only:
    /// agents announce an outage with [`Desk::announce_incident`].
    pub async fn report_outage(
        &self,
        kind: OutageKind,
        description: &str,
        files: &[PathBuf],
    ) -> Result<Uuid, Error> {
        let key = Self::outage_draft_key();
        self.discard_draft(key).await?;
        self.save_draft(
            key,
            &DraftInput {
                topic_id: Some(kind.as_str().to_owned()),
                subject: String::new(),
                body: description.to_owned(),
                internal: false,
            },
        )
        .await?;
        for f in files {
            self.attach_to_draft(key, f).await?;
        }
        self.submit_outage_draft().await
    }

    /// Files the report form's draft (see [`Desk::outage_draft_key`]) as an outage report.
    pub async fn submit_outage_draft(&self) -> Result<Uuid, Error> {
        if self.inner.me().role.is_staff() {
            return Err(Error::invalid(
                "Спеціалісти не подають звернень про збій від себе: оголосіть збій для потрібних служб.",
                "Support specialists do not report outages themselves: announce the incident to the organisations affected.",
            ));
        }
        let key = Self::outage_draft_key();
        let d = self.draft_to_send(key).await?;
        let kind = d
            .topic_id
            .as_deref()
            .and_then(OutageKind::parse)
            .ok_or_else(|| Error::invalid("Оберіть, що саме не працює.", "Choose what is down."))?;
        let description = d.body.trim().to_owned();
        if description.is_empty() {
            return Err(Error::invalid(
                "Коротко опишіть, що сталося.",
                "Describe briefly what happened.",
            ));
        }
        if description.chars().count() > limits::BODY_MAX_CHARS {
            return Err(Error::invalid(
                "Текст задовгий: до 20 000 символів.",
                "The text is too long: at most 20,000 characters.",
            ));
        }
        if d.files.len() > limits::ATTACHMENTS_PER_MESSAGE {
            return Err(Error::invalid(
                "Забагато файлів: до 20.",
                "Too many files: at most 20.",
            ));
        }
        let id = Uuid::now_v7();
        let op = Op::ReportOutage { kind, description };
        let item = self.inner.local.enqueue(id, id, &op, Some(key)).await?;
        crate::sync::project(&self.inner, &item).await?;
        crate::sync::refresh_counts(&self.inner).await;
        self.inner.emit(ClientEvent::ModelsChanged {
            tickets: vec![id],
            topics: false,
            outbox: true,
        });
        self.inner.wake.notify_one();
        Ok(id)
    }

    // --- reads (cache only)

    /// Open incidents for the banner: a customer's — those affecting their organisation; an
    /// agent's — every open one. Newest first.
    pub async fn open_incidents(&self) -> Result<Vec<Incident>, Error> {
        let me = self.inner.me();
        let org = if me.role.is_staff() {
            None
        } else {
            me.organization_id
        };
        Ok(self.inner.cache.open_incidents(org).await?)
    }

    /// The incidents list: `status` `open`, `resolved`, `merged` or `all` (default); open ones
    /// first. Customers hold only those that affected their organisation.
    pub async fn incidents(&self, status: Option<&str>) -> Result<Vec<Incident>, Error> {
        Ok(self.inner.cache.incidents(status).await?)
    }

    /// An incident with its timeline and the linked reports the cache holds.
    pub async fn incident(&self, id: Uuid) -> Result<Option<IncidentView>, Error> {
        let Some(incident) = self.inner.cache.incident(id).await? else {
            return Ok(None);
        };
        let mut tickets = Vec::new();
        for t in &incident.ticket_ids {
            if let Some(c) = self.inner.cache.ticket(*t).await? {
                tickets.push(c);
            }
        }
        tickets.sort_by_key(|t| std::cmp::Reverse(t.ticket.created_at));
        Ok(Some(IncidentView { incident, tickets }))
    }

    /// (Agents) the duty roster, on duty first.
    pub async fn duty_roster(&self) -> Result<Vec<DutyAgent>, Error> {
        Ok(self.inner.cache.duty().await?)
    }

    /// (Agents) my own roster state; `None` until the server has sent it (never set).
    pub async fn my_duty(&self) -> Result<Option<DutyAgent>, Error> {
        Ok(self.inner.cache.duty_of(self.inner.me().id).await?)
    }

    /// (Agents) pages addressed to me, newest first, with what became of their incidents.
    pub async fn my_pages(&self, limit: u32) -> Result<Vec<PageItem>, Error> {
        let pages = self
            .inner
            .cache
            .pages_for(self.inner.me().id, limit)
            .await?;
        let mut out = Vec::with_capacity(pages.len());
        for page in pages {
            let incident = self.inner.cache.incident(page.incident_id).await?;
            let settled = incident
                .as_ref()
                .is_some_and(|i| !is_open(i) || i.acknowledged_at.is_some());
            out.push(PageItem {
                page,
                incident,
                settled,
            });
        }
        Ok(out)
    }

    // --- agents' actions (sent at once; see the module doc for why they are not queued)

    /// (Agents) takes the incident on: the reporters see "acknowledged by <me> at 02:14" and
    /// the re-paging stops. Fails with `offline` if the server cannot be reached.
    pub async fn acknowledge_incident(&self, id: Uuid) -> Result<Incident, Error> {
        self.staff_only()?;
        let api = &self.inner.api;
        self.incident_action(
            "підтвердження не надіслано, клієнти ще не бачать, що ви взялися за збій.",
            "the acknowledgement was not sent; customers do not see yet that you took it on.",
            || api.acknowledge_incident(id),
        )
        .await
    }

    /// (Agents) an update every affected organisation reads (and is notified of).
    pub async fn post_incident_update(&self, id: Uuid, body: &str) -> Result<Incident, Error> {
        self.send_incident_update(id, body, false).await
    }

    /// (Agents) resolves the incident with `body` as the resolution; every linked open report
    /// is resolved with it (customers get one notification: the incident's resolution).
    pub async fn resolve_incident(&self, id: Uuid, body: &str) -> Result<Incident, Error> {
        self.send_incident_update(id, body, true).await
    }

    /// An update, or (`resolve`) the resolution, sent at once.
    async fn send_incident_update(
        &self,
        id: Uuid,
        body: &str,
        resolve: bool,
    ) -> Result<Incident, Error> {
        self.staff_only()?;
        let u = new_update(body)?;
        let api = &self.inner.api;
        let (uk, en) = if resolve {
            (
                "збій не позначено вирішеним.",
                "the incident was not marked resolved.",
            )
        } else {
            ("оновлення не надіслано.", "the update was not sent.")
        };
        self.incident_action(uk, en, || async {
            if resolve {
                api.resolve_incident(id, &u).await
            } else {
                api.post_incident_update(id, &u).await
            }
        })
        .await
    }

    /// (Agents) renames the incident or changes its scope (only the fields given change; the
    /// organisations of linked reports always stay in it).
    pub async fn update_incident(&self, id: Uuid, u: UpdateIncident) -> Result<Incident, Error> {
        self.staff_only()?;
        if let Some(t) = &u.title {
            check_title(t)?;
        }
        let api = &self.inner.api;
        self.incident_action(
            "зміни не збережено.",
            "the changes were not saved.",
            || api.update_incident(id, &u),
        )
        .await
    }

    /// (Agents) groups incident `from` into `into`: its reports move, scopes join, `from`
    /// becomes `merged`.
    pub async fn merge_incidents(&self, into: Uuid, from: Uuid) -> Result<Incident, Error> {
        self.staff_only()?;
        let m = MergeIncident { from };
        let api = &self.inner.api;
        let i = online(
            &self.inner,
            "збої не об'єднано.",
            "the incidents were not merged.",
            || api.merge_incident(into, &m),
        )
        .await?;
        // The merged one comes with the next pull; show it as merged at once.
        if let Some(mut old) = self.inner.cache.incident(from).await?
            && old.status != IncidentStatus::Merged
        {
            old.status = IncidentStatus::Merged;
            old.merged_into = Some(into);
            let _ = self
                .inner
                .cache
                .put_all(vec![ChangeData::Incident(old)], self.inner.me().id)
                .await;
        }
        self.outages_changed(vec![from], false, false);
        self.store_incident(i).await
    }

    /// (Agents) announces an outage nobody reported yet, to every organisation or the ones
    /// named; `body` is the first update they read.
    pub async fn announce_incident(&self, a: AnnounceInput) -> Result<Incident, Error> {
        self.staff_only()?;
        check_title(&a.title)?;
        let body = check_body(&a.body)?;
        if !a.all_organizations && a.organization_ids.is_empty() {
            return Err(Error::invalid(
                "Оберіть, кого стосується збій: усі служби або конкретні.",
                "Choose who is affected: every organisation or the ones named.",
            ));
        }
        let c = CreateIncident {
            id: Uuid::now_v7(),
            kind: a.kind.unwrap_or(OutageKind::Other),
            title: a.title.trim().to_owned(),
            body,
            all_organizations: a.all_organizations,
            organization_ids: a.organization_ids,
        };
        let api = &self.inner.api;
        self.incident_action(
            "оголошення про збій не надіслано.",
            "the announcement was not sent.",
            || api.create_incident(&c),
        )
        .await
    }

    /// (Agents) puts me on or off duty: on-duty agents are paged first for a new outage.
    pub async fn set_on_duty(&self, on_duty: bool) -> Result<DutyAgent, Error> {
        self.staff_only()?;
        let d = SetDuty { on_duty };
        let api = &self.inner.api;
        let (uk, en) = if on_duty {
            (
                "вас не поставлено на чергування — виклики про збої поки вам не надходитимуть.",
                "you are not on duty yet — outage pages will not reach you.",
            )
        } else {
            (
                "вас не знято з чергування — виклики про збої й далі надходитимуть вам.",
                "you are still on duty — outage pages will keep reaching you.",
            )
        };
        let agent = online(&self.inner, uk, en, || api.set_duty(&d)).await?;
        self.inner
            .cache
            .put_all(vec![ChangeData::Duty(agent.clone())], self.inner.me().id)
            .await?;
        self.outages_changed(Vec::new(), false, true);
        Ok(agent)
    }

    /// (Agents) fetches the roster from the server now (the cache also follows it through
    /// sync); answers it as cached.
    pub async fn refresh_duty_roster(&self) -> Result<Vec<DutyAgent>, Error> {
        self.staff_only()?;
        let api = &self.inner.api;
        let roster = online(
            &self.inner,
            "список чергових не оновлено.",
            "the duty roster was not refreshed.",
            || api.duty(),
        )
        .await?;
        self.inner
            .cache
            .put_all(
                roster.into_iter().map(ChangeData::Duty).collect(),
                self.inner.me().id,
            )
            .await?;
        self.outages_changed(Vec::new(), false, true);
        self.duty_roster().await
    }
}

/// An update or resolution with a new id (the server's idempotency key) and a checked body.
fn new_update(body: &str) -> Result<PostIncidentUpdate, Error> {
    Ok(PostIncidentUpdate {
        id: Uuid::now_v7(),
        body: check_body(body)?,
    })
}

fn check_body(body: &str) -> Result<String, Error> {
    check_length(
        body,
        limits::BODY_MAX_CHARS,
        (
            "Напишіть текст для клієнтів.",
            "Write the text for the customers.",
        ),
        TEXT_TOO_LONG,
    )?;
    Ok(body.trim().to_owned())
}

fn check_title(t: &str) -> Result<(), Error> {
    check_length(
        t,
        limits::SUBJECT_MAX_CHARS,
        ("Вкажіть назву збою.", "Enter the incident's title."),
        (
            "Назва задовга: до 200 символів.",
            "The title is too long: at most 200 characters.",
        ),
    )
}

// --- the outbox side of a report

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
        .unwrap_or_else(|| desk_domain::Topic {
            id: kind.topic_id().to_owned(),
            title: desk_domain::Localized {
                uk: outage_title(kind, "uk").to_owned(),
                en: outage_title(kind, "en").to_owned(),
            },
            guidance: desk_domain::Localized {
                uk: String::new(),
                en: String::new(),
            },
            urgent: true,
            position: 0,
            active: true,
            updated_at: at,
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

/// Sends a queued report; on acknowledgement the server's ticket and incident replace the
/// provisional rows.
pub(crate) async fn send_report(
    inner: &Inner,
    item: &OutboxItem,
    kind: OutageKind,
    description: &str,
    attachment_ids: Vec<Uuid>,
) -> Result<(), ApiError> {
    let local_err = |e: anyhow::Error| ApiError::Decode(e.to_string());
    let r = inner
        .api
        .report_outage(&ReportOutage {
            id: item.entity_id,
            kind,
            description: description.to_owned(),
            attachment_ids,
            organization_id: None,
        })
        .await?;
    let incident = r.incident.id;
    let mut entities = vec![
        ChangeData::Ticket(r.ticket),
        ChangeData::Incident(r.incident),
    ];
    // The server's first message replaces the provisional one as it is stored (or with the
    // next pull, when this fetch fails).
    entities.extend(crate::sync::server_conversation(inner, item.entity_id).await);
    inner
        .cache
        .put_all(entities, inner.me().id)
        .await
        .map_err(local_err)?;
    inner.emit(ClientEvent::IncidentsChanged {
        incidents: vec![incident],
        pages: false,
        duty: false,
    });
    Ok(())
}

/// Tells the UI what a pulled page changed among incidents, pages and the roster.
pub(crate) fn emit_changes(inner: &Inner, o: &OutageChanges) {
    if o.is_empty() {
        return;
    }
    inner.emit(ClientEvent::IncidentsChanged {
        incidents: o.incidents.iter().map(|c| c.now.id).collect(),
        pages: !o.pages.is_empty(),
        duty: o.duty_changed,
    });
}
