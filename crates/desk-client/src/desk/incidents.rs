//! Outages as the app shows them: the report form (is it known already? file a report through
//! the outbox like a new ticket) and the reads of the outage screens, all from the cache.

use std::path::PathBuf;

use desk_domain::{DutyAgent, Incident, IncidentStatus, OutageKind, Page, limits};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::writes::{TEXT_TOO_LONG, check_file_count, check_length};
use super::{Desk, DraftInput};
use crate::cache::CachedTicket;
use crate::error::Error;
use crate::local::{Op, OutboxState};

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

fn is_open(i: &Incident) -> bool {
    i.status == IncidentStatus::Open
}

impl Desk {
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
        check_length(
            &d.body,
            limits::BODY_MAX_CHARS,
            (
                "Коротко опишіть, що сталося.",
                "Describe briefly what happened.",
            ),
            TEXT_TOO_LONG,
        )?;
        check_file_count(d.files.len())?;
        let id = Uuid::now_v7();
        let op = Op::ReportOutage {
            kind,
            description: d.body.trim().to_owned(),
        };
        let item = self.inner.local.enqueue(id, id, &op, Some(key)).await?;
        crate::sync::project(&self.inner, &item).await?;
        self.after_write(id).await?;
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
}
