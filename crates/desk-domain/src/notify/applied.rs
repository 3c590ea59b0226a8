//! What applying a pulled page changed: the policy's input. The client's cache fills it in
//! while it applies a page; anything else that sees the same changes (a bridge to a chat) can
//! build one too.

use std::collections::HashMap;

use uuid::Uuid;

use crate::{Incident, IncidentStatus, Message, Page, TelegramRequest, Ticket};

/// What applying a page did, for the notification policy and the UI's "models changed".
#[derive(Debug, Default, Clone)]
pub struct Applied {
    /// Tickets as they were before this page (absent: first seen now) and as they are now.
    pub tickets: Vec<(Option<Ticket>, Ticket)>,
    /// Messages first seen in this page (not provisional copies of our own sends).
    pub new_messages: Vec<Message>,
    /// The cached tickets of new messages whose ticket this page did not carry (a pull split
    /// across pages), so the notification policy knows what each message belongs to. Not
    /// filled on a first sync, which raises no notifications.
    pub message_tickets: Vec<Ticket>,
    pub topics_changed: bool,
    pub cursor: i64,
    /// Incidents, pages and the duty roster (see [`OutageChanges`]).
    pub outages: OutageChanges,
}

impl Applied {
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
            && self.new_messages.is_empty()
            && !self.topics_changed
            && self.outages.is_empty()
    }
}

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

/// The outage part of what applying a page did (see [`Applied`]).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OutageChanges {
    pub incidents: Vec<IncidentChange>,
    pub pages: Vec<PageChange>,
    pub duty_changed: bool,
    /// Requests from chats not linked (unverified outage reports among them) as this page
    /// brought them.
    pub telegram_requests: Vec<TelegramRequest>,
    /// For each ticket of this page (or of its new messages) linked to an incident: that
    /// incident's status as cached after this page (absent when the cache does not hold it).
    pub ticket_incident: HashMap<Uuid, IncidentStatus>,
}

impl OutageChanges {
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty()
            && self.pages.is_empty()
            && !self.duty_changed
            && self.telegram_requests.is_empty()
    }
}
