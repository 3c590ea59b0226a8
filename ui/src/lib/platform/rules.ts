//! The server's ticket rules for the mock platform, read from `rules.generated.json`: every
//! answer of `desk_domain::rules` written out by a desk-domain test that fails when the file is
//! stale (`UPDATE_BINDINGS=1 cargo test -p desk-domain --test rules_table` rewrites it). The
//! mock looks its answers up here instead of re-implementing the rules, so it cannot drift.

import type { ErrorCode, OutageKind, Role, TicketStatus } from '../types/bindings';
import table from './rules.generated.json';

/** A rule's answer: the status the ticket takes, or the code the server refuses with. */
export type Outcome = { status: TicketStatus } | { refused: ErrorCode };

interface StatusChangeRow {
  role: Role;
  current: TicketStatus;
  requested: TicketStatus;
  has_assignee: boolean;
}

interface AfterMessageRow {
  role: Role;
  current: TicketStatus;
  has_assignee: boolean;
  internal: boolean;
}

interface Table {
  open: TicketStatus[];
  staff: Role[];
  limits: { attachments_per_message: number; body_max_chars: number; subject_max_chars: number };
  outages: { kind: OutageKind; topic_id: string; uk: string; en: string }[];
  resolved_at: { status: TicketStatus; had_previous: boolean; resolved_at: 'none' | 'previous' | 'now' }[];
  status_change: (StatusChangeRow & Outcome)[];
  status_after_message: (AfterMessageRow & Outcome)[];
}

const rules = table as Table;

export const LIMITS = rules.limits;

function lookup<K extends object>(rows: (K & Outcome)[], key: K, rule: string): Outcome {
  const entries = Object.entries(key) as [keyof K, unknown][];
  const row = rows.find((r) => entries.every(([k, v]) => r[k] === v));
  if (!row) throw new Error(`rules.generated.json has no ${rule} row for ${JSON.stringify(key)}`);
  return 'status' in row ? { status: row.status } : { refused: row.refused };
}

export function isOpen(s: TicketStatus): boolean {
  return rules.open.includes(s);
}

export function isStaff(r: Role): boolean {
  return rules.staff.includes(r);
}

/** `rules::status_change`: the status when `role` asks for `requested` while it is `current`. */
export function statusChange(role: Role, current: TicketStatus, requested: TicketStatus, hasAssignee: boolean): Outcome {
  return lookup(rules.status_change, { role, current, requested, has_assignee: hasAssignee }, 'status_change');
}

/** `rules::status_after_message`: the status after `role` adds a message (or a note). */
export function statusAfterMessage(role: Role, current: TicketStatus, hasAssignee: boolean, internal: boolean): Outcome {
  return lookup(rules.status_after_message, { role, current, has_assignee: hasAssignee, internal }, 'status_after_message');
}

/** `rules::resolved_at_after`: set when the ticket becomes done, kept while done, else cleared. */
export function resolvedAtAfter(status: TicketStatus, previous: string | null, now: string): string | null {
  const row = rules.resolved_at.find((r) => r.status === status && r.had_previous === (previous !== null));
  if (!row) throw new Error(`rules.generated.json has no resolved_at row for ${status}`);
  return row.resolved_at === 'none' ? null : row.resolved_at === 'previous' ? previous : now;
}

function outage(kind: OutageKind): Table['outages'][number] {
  const row = rules.outages.find((o) => o.kind === kind);
  if (!row) throw new Error(`rules.generated.json has no outage ${kind}`);
  return row;
}

/** `rules::outage_title`: an incident's default title (`uk`), a report's subject in its language. */
export function outageTitle(kind: OutageKind, lang: 'uk' | 'en'): string {
  return outage(kind)[lang];
}

/** The topic a report of `kind` is filed under (`OutageKind::topic_id`). */
export function outageTopic(kind: OutageKind): string {
  return outage(kind).topic_id;
}

/** Every kind of outage, in the server's order. */
export const OUTAGE_KINDS: OutageKind[] = rules.outages.map((o) => o.kind);
