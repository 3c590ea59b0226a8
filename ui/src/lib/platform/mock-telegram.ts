//! Telegram in the mock platform, as the server does it (desk-core's services/telegram.rs): a
//! one-time code of 32 hex digits valid 10 minutes, usable once with each bot, with a
//! `t.me/<bot>?start=<code>` and `?startgroup=<code>` link per bot the server runs (none: a
//! `not configured` refusal); `/start <code>` from a chat links it to the code's organisation;
//! the active links, newest first; unlinking. `start()` stands in for a person pressing Start
//! in Telegram. The requests of chats that wrote without a code (`write()` stands in for
//! one): seen by staff all, by a service only while waiting and naming it; approved (linking the
//! chat; a report filed with a number) or dismissed once. Kept apart from mock.ts;
//! MockPlatform delegates here.

import type { Bot, ChatRef, LinkCode, PersonRef, TelegramLink, TelegramRequest } from '../types/bindings';
import { AGENT, CUSTOMER, LVIV_DISPATCHER, ORGS } from './mock-data';

/** How long a code is good for, as on the server. */
export const LINK_CODE_TTL_MS = 10 * 60 * 1000;

function uuid(): string {
  const hex = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 32; i++) s += hex[Math.floor(Math.random() * 16)];
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-7${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20)}`;
}

function newCode(): string {
  const hex = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 32; i++) s += hex[Math.floor(Math.random() * 16)];
  return s;
}

interface Code {
  organizationId: string;
  userId: string;
  expiresMs: number;
  usedWith: Set<Bot>;
}

export class TelegramBook {
  /** The bots the server runs; `[]`: Telegram is not set up there. */
  bots: { bot: Bot; username: string }[] = [
    { bot: 'support', username: 'desk_support_bot' },
    { bot: 'alert', username: 'desk_alert_bot' },
  ];
  /** A code's lifetime; tests shorten it to see the renewal. */
  ttlMs = LINK_CODE_TTL_MS;
  /** Every link made, active or not. */
  links: TelegramLink[] = [];
  private codes = new Map<string, Code>();
  /** What `now()` answers (tests may move it). */
  now: () => number = () => Date.now();
  /** Requests of chats not linked, every one ever made. */
  requests: TelegramRequest[] = [];
  private nextReport = 9001;

  /**
   * A chat not linked writes to `bot` (the bridge keeps it as a request; to the alert bot an
   * unverified report paging `AGENT`). `suggest`: the service its text names.
   */
  write(bot: Bot, chat: ChatRef, author: string, text: string, suggest: string | null, at?: string): TelegramRequest {
    const org = ORGS.find((o) => o.id === suggest) ?? null;
    const when = at ?? new Date(this.now()).toISOString();
    const r: TelegramRequest = {
      id: uuid(),
      bot,
      chat: structuredClone(chat),
      author,
      text,
      suggested_organization_id: org?.id ?? null,
      suggested_organization_name: org?.name ?? null,
      report: bot === 'alert',
      kind: null,
      status: 'pending',
      all_agents: false,
      recipients: bot === 'alert' ? [AGENT.id] : [],
      round: bot === 'alert' ? 1 : 0,
      paged_at: bot === 'alert' ? when : null,
      decided_by: null,
      decided_at: null,
      attached_to: null,
      attached_to_name: null,
      ticket_id: null,
      ticket_number: null,
      created_at: when,
      updated_at: when,
    };
    this.requests.push(r);
    return structuredClone(r);
  }

  /** `GET /telegram/requests`: staff every one (waiting first, newest first); a service the waiting ones naming it. */
  visible(organizationId: string | null): TelegramRequest[] {
    const list = this.requests
      .filter((r) => organizationId === null || (r.status === 'pending' && r.suggested_organization_id === organizationId))
      .map((r) => structuredClone(r));
    if (organizationId !== null) for (const r of list) r.recipients = [];
    return list.sort((a, b) => Number(b.status === 'pending') - Number(a.status === 'pending') || b.created_at.localeCompare(a.created_at));
  }

  /** The request `id` as `organizationId` (null: staff) may decide it; `undefined`: not found. */
  decidable(id: string, organizationId: string | null): TelegramRequest | undefined {
    return this.requests.find((r) => r.id === id && (organizationId === null || r.suggested_organization_id === organizationId));
  }

  /** Approves `r` for `org` by `who`: the chat is linked, a report gets its ticket number. */
  approve(r: TelegramRequest, org: string, who: PersonRef): TelegramRequest {
    const at = new Date(this.now()).toISOString();
    r.status = 'approved';
    r.decided_by = structuredClone(who);
    r.decided_at = at;
    r.updated_at = at;
    r.attached_to = org;
    r.attached_to_name = ORGS.find((o) => o.id === org)?.name ?? null;
    if (r.report) {
      r.ticket_id = uuid();
      r.ticket_number = this.nextReport++;
    }
    this.links.push({ id: uuid(), bot: r.bot, chat: structuredClone(r.chat), organization_id: org, linked_by: who.id, linked_at: at, active: true });
    return structuredClone(r);
  }

  dismiss(r: TelegramRequest, who: PersonRef): TelegramRequest {
    const at = new Date(this.now()).toISOString();
    r.status = 'dismissed';
    r.decided_by = structuredClone(who);
    r.decided_at = at;
    r.updated_at = at;
    return structuredClone(r);
  }

  /** The sample links: Rivne's dispatcher in a private chat, Lviv's office group with both bots. */
  seed(): void {
    const rivne = ORGS[0]!.id;
    const lviv = ORGS[1]!.id;
    this.links = [
      {
        id: uuid(),
        bot: 'support',
        chat: { id: 7_000_001, kind: 'private', title: 'Оксана Мельник' },
        organization_id: rivne,
        linked_by: CUSTOMER.id,
        linked_at: '2026-11-20T09:12:00Z',
        active: true,
      },
      {
        id: uuid(),
        bot: 'support',
        chat: { id: -1_000_838, kind: 'supergroup', title: 'Диспетчерська 838' },
        organization_id: lviv,
        linked_by: LVIV_DISPATCHER.id,
        linked_at: '2026-11-18T07:40:00Z',
        active: true,
      },
      {
        id: uuid(),
        bot: 'alert',
        chat: { id: -1_000_838, kind: 'supergroup', title: 'Диспетчерська 838' },
        organization_id: lviv,
        linked_by: LVIV_DISPATCHER.id,
        linked_at: '2026-11-18T07:41:00Z',
        active: true,
      },
    ];
  }

  /** The sample requests: a night report naming Rivne's service, a link request naming none. */
  seedRequests(): void {
    this.requests = [];
    const oleh: ChatRef = { id: 7_100_001, kind: 'private', title: 'Олег Петренко' };
    this.write('alert', oleh, 'Олег Петренко (@oleh_blyskavka)', 'Блискавка Рівне, не працює телефонія з 01:50, мобільні теж не проходять', ORGS[0]!.id, '2026-12-04T23:52:00Z');
    const group: ChatRef = { id: -1_000_900, kind: 'group', title: 'Нічна зміна' };
    this.write('support', group, 'Віталій', 'Добрий вечір, підключіть нас, будь ласка', null, '2026-12-04T21:10:00Z');
  }

  /** `POST /telegram/link-codes`; `null` when no bot runs (the caller refuses). */
  linkCode(organizationId: string, userId: string): LinkCode | null {
    if (this.bots.length === 0) return null;
    const code = newCode();
    const expiresMs = this.now() + this.ttlMs;
    this.codes.set(code, { organizationId, userId, expiresMs, usedWith: new Set() });
    return {
      code,
      links: this.bots.map((b) => ({
        bot: b.bot,
        username: b.username,
        url: `https://t.me/${b.username}?start=${code}`,
        group_url: `https://t.me/${b.username}?startgroup=${code}`,
      })),
      expires_at: new Date(expiresMs).toISOString(),
    };
  }

  /** `GET /telegram/links`: active links of `organizationId` (null: every one's), newest first. */
  active(organizationId: string | null): TelegramLink[] {
    return this.links
      .filter((l) => l.active && (organizationId === null || l.organization_id === organizationId))
      .sort((a, b) => b.linked_at.localeCompare(a.linked_at))
      .map((l) => structuredClone(l));
  }

  /** `DELETE /telegram/links/{id}` for a caller who sees `organizationId` (null: staff). */
  unlink(id: string, organizationId: string | null): boolean {
    const l = this.links.find((x) => x.id === id && x.active && (organizationId === null || x.organization_id === organizationId));
    if (!l) return false;
    l.active = false;
    return true;
  }

  /**
   * A person presses Start on `bot` with `code` in `chat` (`/start <code>`, or the bot added to
   * a group with `startgroup`). Answers the link made, or null for a wrong, used or expired
   * code (the bot's refusal names nothing).
   */
  start(bot: Bot, code: string, chat: ChatRef): TelegramLink | null {
    const c = this.codes.get(code);
    if (!c || c.expiresMs <= this.now() || c.usedWith.has(bot) || !this.bots.some((b) => b.bot === bot)) return null;
    c.usedWith.add(bot);
    const same = this.links.find((l) => l.bot === bot && l.chat.id === chat.id && l.active);
    if (same) same.active = false;
    const link: TelegramLink = {
      id: uuid(),
      bot,
      chat: structuredClone(chat),
      organization_id: c.organizationId,
      linked_by: c.userId,
      linked_at: new Date(this.now()).toISOString(),
      active: true,
    };
    this.links.push(link);
    return structuredClone(link);
  }
}
