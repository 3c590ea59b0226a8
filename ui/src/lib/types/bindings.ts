// Generated from the Rust types of desk-domain and desk-client by
// crates/desk-client/tests/bindings.rs. Do not edit: change the Rust types and run
// `UPDATE_BINDINGS=1 cargo test -p desk-client --test bindings`.

export type ErrorCode = "bad_request" | "validation_failed" | "unauthorized" | "invalid_credentials" | "forbidden" | "not_found" | "unknown_topic" | "id_conflict" | "ticket_closed" | "invalid_transition" | "attachment_unavailable" | "payload_too_large" | "upload_incomplete" | "invalid_invitation" | "too_many_attempts" | "internal" | "unavailable";

export type ErrorBody = { code: ErrorCode, message: string, };

export type Role = "customer" | "agent" | "admin";

export type Organization = { id: string, name: string, 
/**
 * IANA time zone the organisation's people read dates in.
 */
timezone: string, created_at: string, };

export type User = { id: string, email: string, name: string, role: Role, 
/**
 * Set for customers, `null` for agents and admins.
 */
organization_id: string | null, 
/**
 * Preferred language, `uk` or `en`.
 */
locale: string, };

export type Me = { user: User, organization: Organization | null, };

export type Localized = { uk: string, en: string, };

export type Topic = { 
/**
 * Stable slug, e.g. `telephony-down`; `other` is always last.
 */
id: string, title: Localized, 
/**
 * What to check first and what to attach, shown in the description area.
 */
guidance: Localized, 
/**
 * Handled around the clock (outages) rather than in working hours.
 */
urgent: boolean, 
/**
 * Order in the list; `other` always sorts last.
 */
position: number, 
/**
 * Retired topics stay for old tickets but are not offered for new ones.
 */
active: boolean, updated_at: string, };

export type Attachment = { id: string, filename: string, size: number, 
/**
 * Sniffed from the bytes, not taken from the uploader.
 */
media_type: string, 
/**
 * Lowercase hex SHA-256 of the content.
 */
sha256: string, };

export type TicketStatus = "new" | "in_progress" | "waiting_for_customer" | "resolved" | "closed";

export type Channel = "app" | "telegram" | "system";

export type PersonRef = { id: string, name: string, role: Role, };

export type WaitClock = { 
/**
 * Waited time up to `since`, in milliseconds.
 */
accumulated_ms: number, 
/**
 * The clock runs from `since` on (the ticket is new or in progress).
 */
running: boolean, 
/**
 * When the clock last started or stopped.
 */
since: string, };

export type Ticket = { 
/**
 * Client-generated UUIDv7.
 */
id: string, 
/**
 * Human number assigned by the server, gap-free: shown as `#1042`.
 */
number: number, subject: string, topic_id: string, 
/**
 * Copied from the topic when the ticket was created: handled around the clock.
 */
urgent: boolean, status: TicketStatus, organization_id: string, organization_name: string, requester: PersonRef, assignee: PersonRef | null, created_at: string, updated_at: string, 
/**
 * Set when the ticket is resolved (or closed), cleared when it is reopened.
 */
resolved_at: string | null, 
/**
 * Time of the newest message the caller may see.
 */
last_message_at: string, 
/**
 * Number of messages the caller may see.
 */
message_count: number, 
/**
 * The incident an outage report belongs to.
 */
incident_id: string | null, 
/**
 * Staff only (`null` for customers): how long the ticket has waited for support in working
 * time; the app computes the live figure with the business calendar.
 */
waiting?: WaitClock | null, };

export type BusinessCalendar = { 
/**
 * IANA time zone the hours are in, e.g. `Europe/Kyiv`.
 */
timezone: string, 
/**
 * Opening time, `HH:MM` local.
 */
opens: string, 
/**
 * Closing time, `HH:MM` local, after `opens`; `24:00` is the end of the day.
 */
closes: string, 
/**
 * ISO weekdays that are working days: 1 = Monday … 7 = Sunday. All seven by default: the
 * vendor's help page names only the night hours (20:00–08:00) as off.
 */
working_days: Array<number>, 
/**
 * Dates (local) with no working hours at all, e.g. `2027-01-01`.
 */
holidays: Array<string>, };

export type HandledDay = "today" | "tomorrow" | "weekday" | "date";

export type Expectation = { topic_id: string, 
/**
 * The topic is handled around the clock (outages).
 */
urgent: boolean, 
/**
 * Specialists are at work at `at`.
 */
working_now: boolean, 
/**
 * The instant this expectation is for.
 */
at: string, 
/**
 * When specialists take the ticket up: `at` for urgent topics and in working hours.
 */
handled_from: string, 
/**
 * `handled_from` is `at`: taken up at once.
 */
handled_now: boolean, 
/**
 * `handled_from` as local wall-clock time in the calendar's zone, `HH:MM`.
 */
local_time: string, day: HandledDay, 
/**
 * ISO weekday of `handled_from` (1 = Monday), for "from 08:00 on Monday".
 */
weekday: number, 
/**
 * Local date of `handled_from`, for "from 08:00 on 8 January".
 */
date: string, 
/**
 * Minutes from `at` to `handled_from`, rounded up ("in 9 h").
 */
wait_minutes: number, };

export type Message = { 
/**
 * Client-generated UUIDv7.
 */
id: string, ticket_id: string, author: PersonRef, body: string, 
/**
 * Agents-only note; never shown to customers.
 */
internal: boolean, channel: Channel, created_at: string, attachments: Array<Attachment>, };

export type UpdateTicket = { status?: TicketStatus | null, 
/**
 * Agents only. `null` unassigns; leaving the field out keeps the assignee.
 */
assignee_id?: string | null | null, };

export type CachedTicket = { ticket: Ticket, 
/**
 * Shows a write still in the outbox (no number yet, or a status change not yet sent).
 */
provisional: boolean, unread: boolean, };

export type CachedMessage = { message: Message, provisional: boolean, };

export type SearchHit = { ticket: CachedTicket, 
/**
 * The matching text with the hits between `[` and `]`.
 */
snippet: string, };

export type TicketQuery = { 
/**
 * `open`, `resolved` (resolved or closed), or `all` (default).
 */
status: string | null, topic_id: string | null, organization_id: string | null, assignee_id: string | null, 
/**
 * Only tickets nobody is assigned to.
 */
unassigned: boolean, 
/**
 * Urgent tickets first (the agents' queue).
 */
urgent_first: boolean, offset: number, 
/**
 * Default 200.
 */
limit: number | null, };

export type Account = { 
/**
 * Stable key of (server, email) naming the account's folder and token.
 */
key: string, server: string, user: User, organization: Organization | null, 
/**
 * First sign-in on this device: older events are history, not notifications.
 */
since: string, };

export type SyncState = { online: boolean, offline_since: string | null, syncing: boolean, 
/**
 * Writes waiting to be sent.
 */
pending: number, 
/**
 * Writes the server refused, waiting for the user.
 */
failed: number, last_synced: string | null, 
/**
 * The server no longer accepts the token: sign in again.
 */
needs_sign_in: boolean, };

export type ClientEvent = { "type": "models_changed", tickets: Array<string>, topics: boolean, outbox: boolean, } | { "type": "notify", notification: Notification, } | { "type": "state", state: SyncState, } | { "type": "incidents_changed", incidents: Array<string>, pages: boolean, duty: boolean, telegram_requests: boolean, };

export type SendState = { outbox_seq: number, state: OutboxState, error: string | null, };

export type TicketItem = { sending: SendState | null, 
/**
 * Agents only: how long the ticket has waited for support, in working time, when read.
 */
waited_ms?: number, ticket: Ticket, 
/**
 * Shows a write still in the outbox (no number yet, or a status change not yet sent).
 */
provisional: boolean, unread: boolean, };

export type TicketView = { item: TicketItem, messages: Array<MessageItem>, };

export type MessageItem = { sending: SendState | null, message: Message, provisional: boolean, };

export type NewTicketInput = { topic_id: string, subject: string, body: string, 
/**
 * Files to attach; copied into the app's data dir at once.
 */
files: Array<string>, };

export type ReplyInput = { body: string, internal: boolean, files: Array<string>, };

export type DraftInput = { topic_id: string | null, subject: string, body: string, internal: boolean, };

export type Draft = { key: string, topic_id: string | null, subject: string, body: string, internal: boolean, files: Array<LocalFile>, updated_at: number, };

export type LocalFile = { id: string, path: string, filename: string, size: number, sha256: string, media_type: string, 
/**
 * The server's attachment id once uploaded.
 */
server_id: string | null, };

export type OutboxItem = { seq: number, 
/**
 * The ticket or message this write creates or changes.
 */
entity_id: string, ticket_id: string, op: Op, state: OutboxState, attempts: number, next_attempt_at: number, error_code: string | null, error_message: string | null, created_at: number, files: Array<LocalFile>, };

export type OutboxState = "pending" | "failed";

export type Op = { "type": "create_ticket", topic_id: string, subject: string, body: string, } | { "type": "add_message", body: string, internal: boolean, } | { "type": "update_ticket", update: UpdateTicket, } | { "type": "report_outage", kind: OutageKind, description: string, };

export type Notification = { 
/**
 * Shown at most once per key.
 */
key: string, kind: NotificationKind, ticket_id: string, ticket_number: number, title: string, body: string, 
/**
 * How loudly to raise it; the shell maps it onto `notify_rust::Urgency` (`Critical`: no
 * timeout).
 */
urgency: NotificationUrgency, 
/**
 * The incident it is about (outage notifications): a click opens the incident. Its
 * `ticket_id` is then the report ticket of mine or my organisation's linked to it, or the
 * nil UUID when there is none.
 */
incident_id: string | null, };

export type NotificationKind = "support_replied" | "ticket_resolved" | "new_ticket" | "urgent_ticket" | "customer_replied" | "incident_opened" | "incident_acknowledged" | "incident_update" | "incident_resolved" | "outage_page" | "outage_report" | "unverified_report";

export type Error = { 
/**
 * The server's code (`validation_failed`, `invalid_credentials`, …) or one of the core's:
 * `offline`, `not_signed_in`, `file_unreadable`, `file_too_large`, `storage`, `not_found`.
 */
code: string, message: string, };

export type Preferences = { 
/**
 * `uk` or `en`.
 */
lang: string, notify_support_replied: boolean, notify_ticket_resolved: boolean, notify_new_ticket: boolean, notify_urgent_ticket: boolean, notify_customer_replied: boolean, 
/**
 * Outages: opened, acknowledged, updates, resolved (customers); another report on a
 * known outage (agents). Pages addressed to an agent always ring.
 */
notify_incidents: boolean, 
/**
 * Play the notification sound.
 */
sound: boolean, };

export type StorageInfo = { data_dir: string, 
/**
 * Everything of this account on disk (cache, outbox, copies of files, downloads).
 */
total_bytes: number, 
/**
 * Copies of files attached to drafts and unsent writes.
 */
unsent_file_bytes: number, pending: number, failed: number, };

export type OrgRef = { id: string, name: string, };

export type OutageKind = "program" | "telephony" | "driver_app" | "other";

export type IncidentStatus = "open" | "resolved" | "merged";

export type OrganizationRef = { id: string, name: string, };

export type IncidentEventKind = "reported" | "acknowledged" | "update" | "resolved" | "reopened";

export type IncidentEvent = { id: string, kind: IncidentEventKind, 
/**
 * Text for everyone affected; empty for `reported` and `acknowledged`.
 */
body: string, author: PersonRef, at: string, };

export type Incident = { id: string, kind: OutageKind, 
/**
 * Short title, e.g. «Не працює телефонія»; agents may rename it.
 */
title: string, status: IncidentStatus, 
/**
 * Affects every organisation.
 */
all_organizations: boolean, 
/**
 * The affected organisations (empty when `all_organizations`). A customer sees only their
 * own here, never the names of other taxi services.
 */
organizations: Array<OrganizationRef>, 
/**
 * When it began: the first report or the announcement.
 */
started_at: string, acknowledged_at: string | null, acknowledged_by: PersonRef | null, resolved_at: string | null, updated_at: string, 
/**
 * Set when `status` is `merged`.
 */
merged_into: string | null, 
/**
 * Report tickets linked to it that the caller may see (a customer: their organisation's).
 */
ticket_ids: Array<string>, 
/**
 * Oldest first.
 */
timeline: Array<IncidentEvent>, };

export type ReportOutage = { 
/**
 * The report ticket's id (client-generated UUIDv7): a repeat answers the same report.
 */
id: string, kind: OutageKind, 
/**
 * What happened, in the customer's words (becomes the ticket's first message).
 */
description: string, attachment_ids: Array<string>, 
/**
 * Agents reporting on a customer's behalf name the organisation.
 */
organization_id: string | null, };

export type OutageReport = { ticket: Ticket, incident: Incident, 
/**
 * The incident was already open for this organisation: the report was added to it.
 */
already_known: boolean, };

export type CreateIncident = { id: string, kind: OutageKind, title: string, 
/**
 * First update to everyone affected.
 */
body: string, all_organizations: boolean, organization_ids: Array<string>, };

export type PostIncidentUpdate = { 
/**
 * Client-generated id of the timeline entry: a repeat answers the same.
 */
id: string, body: string, };

export type UpdateIncident = { title?: string | null, all_organizations?: boolean | null, organization_ids?: Array<string> | null, };

export type MergeIncident = { 
/**
 * The incident whose reports join this one.
 */
from: string, };

export type Page = { id: string, incident_id: string, 
/**
 * The report that caused it.
 */
ticket_id: string, ticket_number: number, kind: OutageKind, organization_name: string, 
/**
 * The report's first words, for the notification's text.
 */
summary: string, 
/**
 * 1: the on-duty agents (everyone if nobody is on duty); 2, 3, …: re-pages to every agent
 * while nobody has acknowledged.
 */
round: number, 
/**
 * Every agent, or only `recipients`.
 */
all_agents: boolean, recipients: Array<string>, created_at: string, };

export type DutyAgent = { agent: PersonRef, on_duty: boolean, 
/**
 * When the current state began.
 */
since: string, };

export type SetDuty = { on_duty: boolean, };

export type NotificationUrgency = "normal" | "critical";

export type KnownOutage = { 
/**
 * The open incident of this kind affecting my organisation («вже відомо … з 02:10»), when
 * the cache knows one; `None` while only my own report of this kind is still being sent.
 */
incident: Incident | null, 
/**
 * Where details go as a reply (`Desk::reply`): my organisation's report linked to the
 * incident (my own first, open ones first), or my own report still in the outbox. `None`
 * when nobody of my organisation has reported it yet (support announced it): then
 * `Desk::report_outage` files a report that joins this incident.
 */
ticket_id: string | null, 
/**
 * `ticket_id` is my report still waiting to be sent.
 */
sending: boolean, };

export type IncidentView = { incident: Incident, 
/**
 * Linked reports the caller may see (a customer: their organisation's), newest first.
 */
tickets: Array<CachedTicket>, };

export type PageItem = { page: Page, 
/**
 * The incident as cached (absent if not yet pulled).
 */
incident: Incident | null, 
/**
 * Someone acknowledged the incident, or it is no longer open: nothing to answer.
 */
settled: boolean, };

export type AnnounceInput = { kind: OutageKind | null, title: string, 
/**
 * The first update everyone affected reads.
 */
body: string, all_organizations: boolean, organization_ids: Array<string>, };

export type Bot = "support" | "alert";

export type BotIdentity = { bot: Bot, 
/**
 * Without the `@`.
 */
username: string, };

export type BotLink = { bot: Bot, username: string, 
/**
 * `https://t.me/<username>?start=<code>`: opening it and pressing Start links that chat.
 */
url: string, 
/**
 * `https://t.me/<username>?startgroup=<code>`: adds the bot to a group (the whole shift).
 */
group_url: string, };

export type LinkCode = { code: string, links: Array<BotLink>, expires_at: string, };

export type ChatKind = "private" | "group" | "supergroup" | "channel";

export type ChatRef = { id: number, kind: ChatKind, 
/**
 * The group's title, or the person's name in a private chat.
 */
title: string, };

export type TelegramLink = { id: string, bot: Bot, chat: ChatRef, organization_id: string, 
/**
 * Who opened the link (the customer the code was made for).
 */
linked_by: string, linked_at: string, 
/**
 * False once unlinked, or once Telegram said the bot may no longer write there.
 */
active: boolean, };

export type LinkedChats = { 
/**
 * Active links, newest first (staff asking for one organisation: only its links).
 */
links: Array<TelegramLink>, 
/**
 * When the list was read from the server; `None`: never on this device.
 */
as_of: string | null, 
/**
 * The server could not be reached: `links` is the list as read at `as_of`.
 */
offline: boolean, };

export type TelegramRequestStatus = "pending" | "approved" | "dismissed";

export type TelegramRequest = { id: string, bot: Bot, chat: ChatRef, 
/**
 * Who wrote, as Telegram names them.
 */
author: string, 
/**
 * What the chat wrote while the request waited, oldest first, one message per paragraph.
 */
text: string, 
/**
 * The organisation whose name the text names, if exactly one does: its users may approve.
 */
suggested_organization_id: string | null, suggested_organization_name: string | null, 
/**
 * Written to the alert bot: an outage report nobody has verified, paged like one.
 */
report: boolean, 
/**
 * The kind, when the chat named one (`/telephony` …); «інше» otherwise.
 */
kind: OutageKind | null, status: TelegramRequestStatus, 
/**
 * Staff only (empty for customers): the agents paged, or every agent.
 */
all_agents: boolean, recipients: Array<string>, 
/**
 * A report's page: 1 for the agents on duty, 2, 3, … for every agent again while nobody
 * decides it (0: not a report). Staff only.
 */
round: number, 
/**
 * When it was last paged.
 */
paged_at: string | null, decided_by: PersonRef | null, decided_at: string | null, 
/**
 * The organisation the chat was linked to on approval.
 */
attached_to: string | null, attached_to_name: string | null, 
/**
 * The outage report filed from it on approval.
 */
ticket_id: string | null, ticket_number: number | null, created_at: string, updated_at: string, };

export type ApproveTelegramRequest = { 
/**
 * The organisation to link the chat to. Agents: required unless the request names one;
 * customers: their own organisation (the default).
 */
organization_id: string | null, };

export type TelegramRequests = { 
/**
 * Agents: every waiting request (newest first), then the latest decided ones. Customers:
 * the waiting requests whose text names their service, newest first.
 */
requests: Array<TelegramRequest>, 
/**
 * Customers: when the list was read from the server (`None`: never on this device).
 * Agents: `None` (the list is the cache, kept current by sync).
 */
as_of: string | null, 
/**
 * Customers: the server could not be reached, `requests` is the list read at `as_of`.
 */
offline: boolean, };
