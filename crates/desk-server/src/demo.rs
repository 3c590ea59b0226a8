//! Sample data for the demo: three taxi services, their dispatchers, the vendor's agents, and
//! tickets in every status with Ukrainian conversations and attachments, back-dated over the
//! last weeks so the app has something real to show.

use std::collections::HashMap;

use desk_domain::{Channel, Role, TicketStatus, UpdateTicket, User};
use serde::Deserialize;
use uuid::Uuid;

use desk_core::services::{NewMessage, NewOutage, NewTicket, NewUser};
use desk_core::{Actor, Core, Viewer};

const DEMO_JSON: &str = include_str!("../seed/demo.json");

/// Files the sample tickets attach, by their path in `demo.json`.
const FILES: &[(&str, &[u8])] = &[
    (
        "demo-attachments/dispatch-log.txt",
        include_bytes!("../seed/demo-attachments/dispatch-log.txt"),
    ),
    (
        "demo-attachments/connection-lost.png",
        include_bytes!("../seed/demo-attachments/connection-lost.png"),
    ),
];

#[derive(Deserialize)]
struct DemoFile {
    organizations: Vec<DemoOrg>,
    users: Vec<DemoUser>,
    tickets: Vec<DemoTicket>,
    #[serde(default)]
    incidents: Vec<DemoIncident>,
    /// Agents on duty (the roster's state now).
    #[serde(default)]
    on_duty: Vec<String>,
}

/// A past outage: reported, acknowledged, updated and resolved, all back-dated.
#[derive(Deserialize)]
struct DemoIncident {
    organization: String,
    reporter: String,
    kind: desk_domain::OutageKind,
    description: String,
    reported_hours_ago: i64,
    acknowledged_by: String,
    acknowledged_minutes_after: i64,
    updates: Vec<DemoUpdate>,
    resolution: DemoUpdate,
}

#[derive(Deserialize)]
struct DemoUpdate {
    author: String,
    body: String,
    minutes_after: i64,
}

#[derive(Deserialize)]
struct DemoOrg {
    name: String,
}

#[derive(Deserialize, Clone)]
pub struct DemoUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organization: Option<String>,
    pub password: String,
}

#[derive(Deserialize)]
struct DemoTicket {
    organization: String,
    requester: String,
    topic: String,
    subject: String,
    status: TicketStatus,
    assignee: Option<String>,
    created_hours_ago: i64,
    attachment: Option<DemoAttachment>,
    messages: Vec<DemoMessage>,
}

#[derive(Deserialize)]
struct DemoAttachment {
    file: String,
    filename: String,
}

#[derive(Deserialize)]
struct DemoMessage {
    author: String,
    body: String,
    #[serde(default)]
    internal: bool,
    minutes_after_creation: i64,
}

fn err(e: desk_core::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", e.en)
}

/// The sample accounts, for printing.
pub fn accounts() -> anyhow::Result<Vec<DemoUser>> {
    Ok(serde_json::from_str::<DemoFile>(DEMO_JSON)?.users)
}

fn viewer(u: &User) -> Viewer {
    Viewer::of(u)
}

/// Sample data is written as people write in the app.
fn actor(u: &User) -> Actor {
    Actor::new(Viewer::of(u), Channel::App)
}

/// Loads the sample data unless the database already has organisations. Answers whether it did.
pub async fn seed(core: &Core, timezone: &str) -> anyhow::Result<bool> {
    if !core.list_organizations().await.map_err(err)?.is_empty() {
        return Ok(false);
    }
    let demo: DemoFile = serde_json::from_str(DEMO_JSON)?;
    let mut orgs = HashMap::new();
    for o in &demo.organizations {
        let org = core
            .create_organization(&o.name, timezone)
            .await
            .map_err(err)?;
        orgs.insert(o.name.clone(), org.id);
    }
    let mut users: HashMap<String, User> = HashMap::new();
    let mut hashes: HashMap<String, String> = HashMap::new();
    for u in &demo.users {
        let hash = match hashes.get(&u.password) {
            Some(h) => h.clone(),
            None => {
                let h = crate::auth::hash_password(&u.password).await.map_err(err)?;
                hashes.insert(u.password.clone(), h.clone());
                h
            }
        };
        let organization_id = match &u.organization {
            Some(name) => Some(
                *orgs
                    .get(name)
                    .ok_or_else(|| anyhow::anyhow!("demo: unknown organisation {name}"))?,
            ),
            None => None,
        };
        let user = core
            .create_user(NewUser {
                email: u.email.clone(),
                name: u.name.clone(),
                role: u.role,
                organization_id,
                password_hash: Some(hash),
                locale: "uk".into(),
            })
            .await
            .map_err(err)?;
        users.insert(u.email.clone(), user);
    }
    let admin = users
        .values()
        .find(|u| u.role.is_staff())
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("demo: no agent"))?;
    let user = |email: &str| {
        users
            .get(email)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("demo: unknown user {email}"))
    };

    let now = chrono::Utc::now().timestamp_millis();
    // Oldest first, so ticket numbers follow creation time.
    let mut tickets = demo.tickets;
    tickets.sort_by_key(|t| std::cmp::Reverse(t.created_hours_ago));
    for t in tickets {
        let requester = user(&t.requester)?;
        let org = *orgs
            .get(&t.organization)
            .ok_or_else(|| anyhow::anyhow!("demo: unknown organisation {}", t.organization))?;
        let created = now - t.created_hours_ago * 3_600_000;
        let mut attachment_ids = Vec::new();
        if let Some(a) = &t.attachment {
            let bytes = FILES
                .iter()
                .find(|(p, _)| *p == a.file)
                .map(|(_, b)| *b)
                .ok_or_else(|| anyhow::anyhow!("demo: missing file {}", a.file))?;
            let stored = core
                .store_bytes(&viewer(&requester), &a.filename, bytes)
                .await
                .map_err(err)?;
            attachment_ids.push(stored.id);
        }
        let mut messages = t.messages.into_iter();
        let first = messages
            .next()
            .ok_or_else(|| anyhow::anyhow!("demo: ticket without messages"))?;
        let ticket_id = Uuid::now_v7();
        core.file_ticket(
            &actor(&requester),
            NewTicket {
                id: ticket_id,
                topic_id: t.topic,
                subject: t.subject,
                body: first.body,
                attachment_ids,
                organization_id: org,
                created_at_ms: Some(created),
            },
        )
        .await
        .map_err(err)?;
        let mut last = created;
        for m in messages {
            let author = user(&m.author)?;
            let at = (created + m.minutes_after_creation * 60_000).min(now);
            last = last.max(at);
            core.add_message(
                &actor(&author),
                NewMessage {
                    id: Uuid::now_v7(),
                    ticket_id,
                    body: m.body,
                    internal: m.internal,
                    attachment_ids: Vec::new(),
                    created_at_ms: Some(at),
                },
            )
            .await
            .map_err(err)?;
        }
        let assignee = match &t.assignee {
            Some(email) => Some(user(email)?),
            None => None,
        };
        let updater = assignee.clone().unwrap_or_else(|| admin.clone());
        let update = UpdateTicket {
            status: Some(t.status),
            assignee_id: Some(assignee.map(|a| a.id)),
        };
        core.update_ticket(
            &viewer(&updater),
            ticket_id,
            update,
            Some((last + 60_000).min(now)),
        )
        .await
        .map_err(err)?;
    }
    for i in demo.incidents {
        let reporter = user(&i.reporter)?;
        let org = *orgs
            .get(&i.organization)
            .ok_or_else(|| anyhow::anyhow!("demo: unknown organisation {}", i.organization))?;
        let at = now - i.reported_hours_ago * 3_600_000;
        let minutes = |m: i64| (at + m * 60_000).min(now);
        let (report, _) = core
            .report_outage(
                &actor(&reporter),
                NewOutage {
                    id: Uuid::now_v7(),
                    kind: i.kind,
                    description: i.description,
                    attachment_ids: Vec::new(),
                    organization_id: org,
                    created_at_ms: Some(at),
                    // Long over: no agent's app should ring for it.
                    page: false,
                },
            )
            .await
            .map_err(err)?;
        let id = report.incident.id;
        let acknowledger = user(&i.acknowledged_by)?;
        core.acknowledge_incident(
            &viewer(&acknowledger),
            id,
            Some(minutes(i.acknowledged_minutes_after)),
        )
        .await
        .map_err(err)?;
        let updates = i.updates.into_iter().map(|u| (u, false));
        for (u, resolve) in updates.chain(std::iter::once((i.resolution, true))) {
            let author = user(&u.author)?;
            core.post_incident_update(
                &viewer(&author),
                id,
                Uuid::now_v7(),
                &u.body,
                resolve,
                Some(minutes(u.minutes_after)),
            )
            .await
            .map_err(err)?;
        }
    }
    for email in &demo.on_duty {
        core.set_duty(&viewer(&user(email)?), true)
            .await
            .map_err(err)?;
    }
    Ok(true)
}
