//! Table tests of the notification policy, and the outage fixtures they share.

mod outages;
mod pages;
mod tickets;

use chrono::Duration;

use super::fixtures::{message, person, ticket, user};
use super::*;
use crate::{
    Channel, Incident, IncidentEvent, IncidentEventKind, OrganizationRef, OutageKind, Page,
    PersonRef, Role,
};

fn kinds(n: &[Notification]) -> Vec<NotificationKind> {
    n.iter().map(|n| n.kind).collect()
}

fn event(kind: IncidentEventKind, by: &User, at: DateTime<Utc>, body: &str) -> IncidentEvent {
    IncidentEvent {
        id: Uuid::now_v7(),
        kind,
        body: body.into(),
        author: person(by),
        at,
    }
}

fn incident(org: Uuid, reporter: &User, at: DateTime<Utc>) -> Incident {
    Incident {
        id: Uuid::now_v7(),
        kind: OutageKind::Telephony,
        title: "Не працює телефонія".into(),
        status: IncidentStatus::Open,
        all_organizations: false,
        organizations: vec![OrganizationRef {
            id: org,
            name: "Таксі".into(),
        }],
        started_at: at,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        updated_at: at,
        merged_into: None,
        ticket_ids: vec![Uuid::now_v7()],
        timeline: vec![event(IncidentEventKind::Reported, reporter, at, "")],
    }
}

fn changed(before: Option<&Incident>, now: &Incident, mine: bool) -> Applied {
    Applied {
        outages: OutageChanges {
            incidents: vec![IncidentChange {
                before: before.cloned(),
                now: now.clone(),
                reported_by_me: mine,
            }],
            ..OutageChanges::default()
        },
        ..Applied::default()
    }
}

fn acknowledged(i: &Incident, by: &User, at: DateTime<Utc>) -> Incident {
    let mut a = i.clone();
    a.acknowledged_at = Some(at);
    a.acknowledged_by = Some(person(by));
    a.updated_at = at;
    a.timeline
        .push(event(IncidentEventKind::Acknowledged, by, at, ""));
    a
}

fn updated(i: &Incident, by: &User, at: DateTime<Utc>, body: &str) -> Incident {
    let mut a = i.clone();
    a.updated_at = at;
    a.timeline
        .push(event(IncidentEventKind::Update, by, at, body));
    a
}

fn resolved(i: &Incident, by: &User, at: DateTime<Utc>) -> Incident {
    let mut a = i.clone();
    a.status = IncidentStatus::Resolved;
    a.resolved_at = Some(at);
    a.updated_at = at;
    a.timeline.push(event(
        IncidentEventKind::Resolved,
        by,
        at,
        "Оператор зв'язку відновив лінію, дзвінки проходять.",
    ));
    a
}

fn page(for_agents: &[Uuid], ticket: Uuid, at: DateTime<Utc>, round: u32) -> Page {
    Page {
        id: Uuid::now_v7(),
        incident_id: Uuid::now_v7(),
        ticket_id: ticket,
        ticket_number: 12,
        kind: OutageKind::Telephony,
        organization_name: "Таксі Ластівка".into(),
        summary: "З 02:05 не проходять вхідні дзвінки, оператор не відповідає".into(),
        round,
        all_agents: for_agents.is_empty(),
        recipients: for_agents.to_vec(),
        created_at: at,
    }
}

/// Builds the pull of one page (and, `with_report`, its report's ticket) for a table row.
struct PagePull {
    change: PageChange,
    tickets: Vec<(Option<Ticket>, Ticket)>,
}

impl PagePull {
    fn new(page: Page) -> Self {
        PagePull {
            change: PageChange {
                page,
                first_seen: true,
                settled: false,
                reported_by_me: false,
            },
            tickets: Vec::new(),
        }
    }

    /// Its incident was acknowledged or closed by the time it was pulled.
    fn settled(mut self) -> Self {
        self.change.settled = true;
        self
    }

    /// The report was filed by me.
    fn mine(mut self) -> Self {
        self.change.reported_by_me = true;
        self
    }

    fn with_report(mut self, report: &Ticket) -> Self {
        self.tickets.push((None, report.clone()));
        self
    }

    fn applied(self) -> Applied {
        Applied {
            tickets: self.tickets,
            outages: OutageChanges {
                pages: vec![self.change],
                ..OutageChanges::default()
            },
            ..Applied::default()
        }
    }
}
