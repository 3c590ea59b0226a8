//! The outage half of the policy: pages ringing an agent, and what customers hear of an
//! incident affecting their organisation (opened, back, taken on, updates, resolved).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::text::{excerpt, text};
use super::{Applied, Audience, Notification, NotificationKind, NotificationUrgency};
use crate::rules::outage_title;
use crate::{Incident, IncidentEventKind, IncidentStatus};

/// Whether `i` names `org` (open or not): its people hear about it.
fn in_scope(i: &Incident, org: Option<Uuid>) -> bool {
    i.all_organizations || org.is_some_and(|o| i.organizations.iter().any(|x| x.id == o))
}

fn incident_note(
    key: String,
    kind: NotificationKind,
    i: &Incident,
    title: String,
    body: String,
) -> Notification {
    Notification {
        key,
        kind,
        ticket_id: i.ticket_ids.first().copied().unwrap_or_default(),
        ticket_number: 0,
        title,
        body,
        urgency: NotificationUrgency::Normal,
        incident_id: Some(i.id),
    }
}

pub(super) fn decide_outages(who: &Audience<'_>, applied: &Applied, out: &mut Vec<Notification>) {
    let staff = who.me.role.is_staff();
    let lang = who.lang;
    let me = who.me.id;
    let ms = |t: DateTime<Utc>| t.timestamp_millis();

    if staff {
        for p in &applied.outages.pages {
            let page = &p.page;
            if !page.is_for(me) || page.created_at <= who.since || p.settled || p.reported_by_me {
                continue;
            }
            let what = outage_title(page.kind, lang);
            let title = if page.round > 1 {
                text(
                    lang,
                    format!("Повторний виклик: {what} — {}", page.organization_name),
                    format!("Paged again: {what} — {}", page.organization_name),
                )
            } else {
                text(
                    lang,
                    format!("Збій: {what} — {}", page.organization_name),
                    format!("Outage: {what} — {}", page.organization_name),
                )
            };
            let ask = text(
                lang,
                "Підтвердіть, що берете в роботу.".into(),
                "Acknowledge to take it on.".into(),
            );
            out.push(Notification {
                key: format!("page:{}", page.id),
                kind: NotificationKind::OutagePage,
                ticket_id: page.ticket_id,
                ticket_number: page.ticket_number,
                title,
                body: format!(
                    "#{} · {}\n{ask}",
                    page.ticket_number,
                    excerpt(&page.summary, 140)
                ),
                urgency: NotificationUrgency::Critical,
                incident_id: Some(page.incident_id),
            });
        }
        for r in &applied.outages.telegram_requests {
            let paged = r.paged_at.unwrap_or(r.created_at);
            if !r.rings_for(me) || paged <= who.since {
                continue;
            }
            let place = if r.chat.title.is_empty() || r.chat.title == r.author {
                r.author.clone()
            } else {
                format!("{} ({})", r.author, r.chat.title)
            };
            out.push(Notification {
                key: format!("telegram-request:{}:{}", r.id, r.round),
                kind: NotificationKind::UnverifiedReport,
                ticket_id: Uuid::nil(),
                ticket_number: 0,
                title: if r.round > 1 {
                    text(
                        lang,
                        "Повторний виклик: повідомлення з неперевіреного чату Telegram".into(),
                        "Paged again: a message from an unverified Telegram chat".into(),
                    )
                } else {
                    text(
                        lang,
                        "Збій? Повідомлення з неперевіреного чату Telegram".into(),
                        "Outage? A message from an unverified Telegram chat".into(),
                    )
                },
                body: format!(
                    "{place}: {}\n{}",
                    excerpt(&r.text, 140),
                    text(
                        lang,
                        "Прив’яжіть його до служби або відхиліть.".into(),
                        "Attach it to a service or dismiss it.".into(),
                    )
                ),
                urgency: NotificationUrgency::Critical,
                incident_id: None,
            });
        }
        return;
    }

    let org = who.me.organization_id;
    for c in &applied.outages.incidents {
        let i = &c.now;
        if !in_scope(i, org) {
            continue;
        }
        let before = c.before.as_ref().filter(|b| in_scope(b, org));
        let seen: Vec<Uuid> = before
            .map(|b| b.timeline.iter().map(|e| e.id).collect())
            .unwrap_or_default();
        let mut opened = false;

        // Opened for me (first seen, or newly in my organisation's scope), or back again.
        if i.status == IncidentStatus::Open
            && !c.reported_by_me
            && i.updated_at > who.since
            && before.is_none_or(|b| b.status != IncidentStatus::Open)
        {
            opened = true;
            let back = before.is_some();
            let latest = i
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == IncidentEventKind::Update)
                .map(|e| excerpt(&e.body, 160));
            let body = latest.unwrap_or_else(|| {
                text(
                    lang,
                    "Підтримка вже знає про збій і працює над ним. Повідомляти вдруге не потрібно."
                        .into(),
                    "Support already knows about the outage and is working on it. No need to report it again."
                        .into(),
                )
            });
            let (key, title) = if back {
                (
                    format!("incident-reopened:{}:{}", i.id, ms(i.updated_at)),
                    text(
                        lang,
                        format!("Збій повернувся: {}", i.title),
                        format!("Outage is back: {}", i.title),
                    ),
                )
            } else {
                (
                    format!("incident-opened:{}", i.id),
                    text(
                        lang,
                        format!("Збій: {}", i.title),
                        format!("Outage: {}", i.title),
                    ),
                )
            };
            out.push(incident_note(
                key,
                NotificationKind::IncidentOpened,
                i,
                title,
                body,
            ));
        }

        // Taken on: the reporter hears who has it.
        if c.reported_by_me
            && i.status == IncidentStatus::Open
            && let (Some(at), Some(by)) = (i.acknowledged_at, i.acknowledged_by.as_ref())
            && at > who.since
            && by.id != me
            && before.is_none_or(|b| b.acknowledged_at != Some(at))
        {
            out.push(incident_note(
                format!("incident-ack:{}:{}", i.id, ms(at)),
                NotificationKind::IncidentAcknowledged,
                i,
                text(
                    lang,
                    format!("Збій прийнято в роботу: {}", i.title),
                    format!("Outage acknowledged: {}", i.title),
                ),
                text(
                    lang,
                    format!("{} з підтримки вже працює над цим.", by.name),
                    format!("{} from support is on it.", by.name),
                ),
            ));
        }

        // Updates (the first one rides with the "opened" notification).
        if !opened {
            for e in i.timeline.iter().filter(|e| {
                e.kind == IncidentEventKind::Update
                    && !seen.contains(&e.id)
                    && e.at > who.since
                    && e.author.id != me
            }) {
                out.push(incident_note(
                    format!("incident-event:{}", e.id),
                    NotificationKind::IncidentUpdate,
                    i,
                    text(
                        lang,
                        format!("Новини щодо збою: {}", i.title),
                        format!("Outage update: {}", i.title),
                    ),
                    excerpt(&e.body, 200),
                ));
            }
        }

        // Resolved: one notification, also for the reports it resolved.
        if i.status == IncidentStatus::Resolved
            && let Some(at) = i.resolved_at
            && at > who.since
            && before
                .is_none_or(|b| b.status != IncidentStatus::Resolved || b.resolved_at != Some(at))
        {
            let resolution = i
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == IncidentEventKind::Resolved)
                .map(|e| excerpt(&e.body, 200))
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| {
                    text(
                        lang,
                        "Усе має працювати. Якщо проблема лишилася — напишіть у зверненні.".into(),
                        "Everything should work again. If the problem remains, reply on the ticket."
                            .into(),
                    )
                });
            out.push(incident_note(
                format!("incident-resolved:{}:{}", i.id, ms(at)),
                NotificationKind::IncidentResolved,
                i,
                text(
                    lang,
                    format!("Збій усунено: {}", i.title),
                    format!("Outage resolved: {}", i.title),
                ),
                resolution,
            ));
        }
    }
}
