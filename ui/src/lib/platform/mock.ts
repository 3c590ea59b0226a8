//! The platform in memory: what the UI runs on in a plain browser and in component tests.
//! It behaves like desk-client where the UI can tell: writes go through an outbox and show as
//! provisional ("sending") until delivered, delivery stops while offline, refused writes stay
//! as "failed" until retried or discarded, drafts keep their files, errors are `{code, message}`
//! in the user's language. Test hooks (`setOnline`, `deliver`, `failNext`, `supportReplies`, …)
//! stand in for the server.

import type {
  Account,
  BusinessCalendar,
  Expectation,
  Attachment,
  AnnounceInput,
  CachedTicket,
  ClientEvent,
  Draft,
  DraftInput,
  DutyAgent,
  Incident,
  IncidentView,
  KnownOutage,
  LinkCode,
  LinkedChats,
  TelegramRequest,
  TelegramRequests,
  LocalFile,
  Message,
  MessageItem,
  Op,
  OrgRef,
  OutageKind,
  OutboxItem,
  PersonRef,
  Preferences,
  SearchHit,
  SendState,
  StorageInfo,
  SyncState,
  Ticket,
  TicketItem,
  TicketQuery,
  TicketStatus,
  TicketView,
  Topic,
  UpdateIncident,
  User,
} from '../types/bindings';
import { MAX_FILE_BYTES } from '../files/limits';
import type { DeskError, FileDrop, Platform, Unlisten } from './platform';
import {
  AGENT,
  AGENT2,
  CUSTOMER,
  ORGS,
  PREVIEW_SVG,
  TOPICS,
  ref,
  sampleTickets,
  type SampleTicket,
} from './mock-data';
import { IncidentBook, incidentOrder } from './mock-incidents';
import { TelegramBook } from './mock-telegram';
import { LIMITS, OUTAGE_KINDS, type Outcome, isOpen, isStaff, outageTitle, outageTopic, resolvedAtAfter, statusAfterMessage, statusChange } from './rules';

export interface MockOptions {
  /** Who `resume()` finds signed in; null: the sign-in screen. */
  account?: 'customer' | 'agent' | null;
  online?: boolean;
  /** Deliver the outbox by itself this long after a write; null: only on `deliver()`. */
  autoSendMs?: number | null;
  /** Start with a ticket still sending and one the server refused. */
  unsent?: boolean;
  lang?: 'uk' | 'en';
}

interface Row {
  ticket: Ticket;
  messages: Message[];
  provisional: boolean;
  provisionalMessages: Set<string>;
  read: boolean;
}

function uuid(): string {
  const hex = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 32; i++) s += hex[Math.floor(Math.random() * 16)];
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-7${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20)}`;
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

function mediaType(name: string): string {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  const map: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    pdf: 'application/pdf',
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    txt: 'text/plain',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  };
  return map[ext] ?? 'application/octet-stream';
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

export class MockPlatform implements Platform {
  private account: Account | null = null;
  private rows: Row[] = [];
  private outboxItems: OutboxItem[] = [];
  private drafts = new Map<string, Draft>();
  private prefs: Preferences;
  private state: SyncState;
  private nextSeq = 1;
  private nextNumber = 1046;
  private failures: DeskError[] = [];
  /** Writes the server's rules refuse (by outbox seq): they fail when delivered, as there. */
  private refusals = new Map<number, DeskError>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private eventHandlers = new Set<(e: ClientEvent) => void>();
  private dropHandlers = new Set<(d: FileDrop) => void>();
  private openHandlers = new Set<(id: string) => void>();
  private openIncidentHandlers = new Set<(id: string) => void>();
  private openRequestHandlers = new Set<(id: string) => void>();
  /** A customer's requests as last read while online (desk-client keeps them for offline). */
  private keptRequests: { requests: TelegramRequest[]; as_of: string } | null = null;
  /** Outages: incidents, the duty roster (mock-incidents.ts). */
  readonly book = new IncidentBook();
  /** Telegram: the bots, link codes and linked chats (mock-telegram.ts). */
  readonly telegram = new TelegramBook();
  /** The linked chats as last read while online (desk-client keeps them for offline). */
  private keptLinks: { links: LinkedChats['links']; as_of: string } | null = null;
  /** The next Telegram call fails with this (a server fault), once. */
  telegramFailure: DeskError | null = null;
  /** Links handed to the system's browser. */
  openedLinks: string[] = [];
  /** Report tickets not yet sent, with what is down. */
  private outageKinds = new Map<string, OutageKind>();
  private readonly autoSendMs: number | null;
  /** Seed a sending and a refused ticket when a customer first opens the sample data. */
  private wantUnsent = true;

  /** Sizes of files "on disk" by path, for `attachFiles`; unknown paths get a modest size. */
  fileSizes = new Map<string, number>();
  /** Business hours in the mock: `true` puts it at 23:00, specialists back at 08:00 tomorrow. */
  afterHours = false;
  /** What `calendar()` answers: the server's default (every day 08:00–20:00, Kyiv time). */
  businessCalendar: BusinessCalendar = {
    timezone: 'Europe/Kyiv',
    opens: '08:00',
    closes: '20:00',
    working_days: [1, 2, 3, 4, 5, 6, 7],
    holidays: [],
  };
  /** Agents' waited working time per ticket id; others get the time since creation. */
  waitedMs = new Map<string, number>();

  /** What the next `pickFiles()` answers. */
  nextPick: string[] = ['/home/dispatcher/Зображення/помилка-входу.png'];

  constructor(opts: MockOptions = {}) {
    this.autoSendMs = opts.autoSendMs === undefined ? null : opts.autoSendMs;
    this.prefs = {
      lang: opts.lang ?? 'uk',
      notify_support_replied: true,
      notify_ticket_resolved: true,
      notify_new_ticket: true,
      notify_urgent_ticket: true,
      notify_customer_replied: true,
      notify_incidents: true,
      sound: true,
    };
    const online = opts.online ?? true;
    this.state = {
      online,
      offline_since: online ? null : new Date().toISOString(),
      syncing: false,
      pending: 0,
      failed: 0,
      last_synced: online ? new Date().toISOString() : null,
      needs_sign_in: false,
    };
    this.load(sampleTickets());
    this.telegram.seed();
    this.telegram.seedRequests();
    this.wantUnsent = opts.unsent ?? true;
    if (opts.account) this.account = this.accountFor(opts.account === 'agent' ? AGENT : CUSTOMER);
  }

  // --- helpers

  private uk(): boolean {
    return this.prefs.lang !== 'en';
  }

  private err(code: string, uk: string, en: string): DeskError {
    return { code, message: this.uk() ? uk : en };
  }

  private load(samples: SampleTicket[]): void {
    this.rows = samples.map((s) => ({
      ticket: clone(s.ticket),
      messages: clone(s.messages),
      provisional: false,
      provisionalMessages: new Set(),
      read: s.read,
    }));
    this.book.seed((n) => this.rows.find((r) => r.ticket.number === n)?.ticket.id);
    for (const i of this.book.incidents) {
      for (const id of i.ticket_ids) {
        const r = this.rows.find((x) => x.ticket.id === id);
        if (r) r.ticket.incident_id = i.id;
      }
    }
  }

  private accountFor(u: User): Account {
    if (u.role === 'customer' && this.wantUnsent) {
      this.wantUnsent = false;
      this.seedUnsent();
    }
    const org = ORGS.find((o) => o.id === u.organization_id) ?? null;
    return {
      key: `mock-${u.id}`,
      server: 'https://desk.example.ua',
      user: clone(u),
      organization: org ? clone(org) : null,
      since: '2026-11-01T00:00:00Z',
    };
  }

  private me(): User {
    if (!this.account) throw this.err('not_signed_in', 'Увійдіть, щоб продовжити.', 'Sign in to continue.');
    return this.account.user;
  }

  private staff(): boolean {
    return this.account ? isStaff(this.account.user.role) : false;
  }

  /** The server's words for a refusal of the ticket rules (rules.generated.json). */
  private refusal(code: string): DeskError {
    return code === 'ticket_closed'
      ? this.err(code, 'Звернення закрите.', 'The ticket is closed.')
      : this.err(code, 'Такої зміни стану не можна зробити.', 'This status change is not allowed.');
  }

  /**
   * Applies a rule's answer to a ticket as desk-client shows a queued write: the new status
   * (and `resolved_at`) at once; a refusal leaves the ticket and fails `item` when delivered.
   */
  private apply(r: Row, outcome: Outcome, item: OutboxItem): void {
    if ('refused' in outcome) {
      this.refusals.set(item.seq, this.refusal(outcome.refused));
      return;
    }
    r.ticket.resolved_at = resolvedAtAfter(outcome.status, r.ticket.resolved_at, new Date().toISOString());
    r.ticket.status = outcome.status;
  }

  private visible(): Row[] {
    const me = this.me();
    if (me.role !== 'customer') return this.rows;
    return this.rows.filter((r) => r.ticket.organization_id === me.organization_id);
  }

  private row(id: string): Row | undefined {
    return this.visible().find((r) => r.ticket.id === id);
  }

  private emit(e: ClientEvent): void {
    const copy = clone(e);
    queueMicrotask(() => {
      for (const h of this.eventHandlers) h(copy);
    });
  }

  private emitState(): void {
    this.state.pending = this.outboxItems.filter((i) => i.state === 'pending').length;
    this.state.failed = this.outboxItems.filter((i) => i.state === 'failed').length;
    this.emit({ type: 'state', state: clone(this.state) });
  }

  private changed(tickets: string[], outbox = true): void {
    this.emit({ type: 'models_changed', tickets, topics: false, outbox });
    this.emitState();
  }

  private sendState(pred: (i: OutboxItem) => boolean): SendState | null {
    let found: OutboxItem | null = null;
    for (const i of this.outboxItems.filter(pred)) {
      if (!found || i.state === 'failed') found = i;
    }
    return found ? { outbox_seq: found.seq, state: found.state, error: found.error_message } : null;
  }

  private item(r: Row): TicketItem {
    const id = r.ticket.id;
    const item: TicketItem = {
      ticket: clone(r.ticket),
      provisional: r.provisional || this.outboxItems.some((i) => i.ticket_id === id),
      unread: !r.read,
      sending: this.sendState((i) => i.ticket_id === id),
    };
    if (this.staff() && isOpen(r.ticket.status)) {
      item.waited_ms = this.waitedMs.get(id) ?? Math.max(0, Date.now() - Date.parse(r.ticket.created_at));
    }
    return item;
  }

  private enqueue(entity: string, ticket: string, op: Op, files: LocalFile[]): OutboxItem {
    const item: OutboxItem = {
      seq: this.nextSeq++,
      entity_id: entity,
      ticket_id: ticket,
      op,
      state: 'pending',
      attempts: 0,
      next_attempt_at: Date.now(),
      error_code: null,
      error_message: null,
      created_at: Date.now(),
      files,
    };
    this.outboxItems.push(item);
    this.schedule();
    return item;
  }

  private schedule(): void {
    if (this.autoSendMs === null || !this.state.online || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.deliver();
    }, this.autoSendMs);
  }

  private seedUnsent(): void {
    const me = ref(CUSTOMER);
    const org = ORGS[0]!;
    const now = new Date().toISOString();
    const add = (subject: string, topicId: string, body: string, failed?: DeskError) => {
      const id = uuid();
      const t: Ticket = {
        id,
        number: 0,
        subject,
        topic_id: topicId,
        urgent: false,
        status: 'new',
        organization_id: org.id,
        organization_name: org.name,
        requester: me,
        assignee: null,
        created_at: now,
        updated_at: now,
        resolved_at: null,
        last_message_at: now,
        message_count: 1,
        incident_id: null,
      };
      const m: Message = {
        id,
        ticket_id: id,
        author: me,
        body,
        internal: false,
        channel: 'app',
        created_at: now,
        attachments: [],
      };
      this.rows.unshift({
        ticket: t,
        messages: [m],
        provisional: true,
        provisionalMessages: new Set([id]),
        read: true,
      });
      const item = this.enqueue(id, id, { type: 'create_ticket', topic_id: topicId, subject, body }, []);
      if (failed) {
        item.state = 'failed';
        item.attempts = 1;
        item.error_code = failed.code;
        item.error_message = failed.message;
      }
    };
    add(
      'Додати тариф «Аеропорт Бориспіль»',
      'tariffs',
      'Потрібен новий тариф: подача 80 грн, 16 грн/км, очікування 3 грн/хв.',
    );
    add(
      'Звіт по змінах диспетчерів',
      'reports',
      'Чи можна додати у звіт по змінах кількість прийнятих дзвінків?',
      this.err(
        'unknown_topic',
        'Тема «Звіти та статистика» більше не діє. Відкиньте звернення й створіть його з іншою темою.',
        'The topic “Reports and statistics” is retired. Discard the ticket and file it under another topic.',
      ),
    );
    this.state.pending = this.outboxItems.filter((i) => i.state === 'pending').length;
    this.state.failed = this.outboxItems.filter((i) => i.state === 'failed').length;
  }

  // --- test hooks (stand-ins for the server and the network)

  /** Sends what the outbox holds, in order; stops at the first refusal or when offline. */
  deliver(): void {
    if (!this.state.online) return;
    const touched = new Set<string>();
    while (this.outboxItems.length > 0) {
      const item = this.outboxItems.find((i) => i.state === 'pending');
      if (!item) break;
      const failure = this.refusals.get(item.seq) ?? this.failures.shift();
      if (failure) {
        item.state = 'failed';
        item.attempts += 1;
        item.error_code = failure.code;
        item.error_message = failure.message;
        touched.add(item.ticket_id);
        break;
      }
      this.outboxItems = this.outboxItems.filter((i) => i !== item);
      const r = this.rows.find((x) => x.ticket.id === item.ticket_id);
      if (r) {
        if (item.op.type === 'create_ticket' && r.ticket.number === 0) {
          r.ticket.number = this.nextNumber++;
          r.provisional = false;
          this.fileOutage(r);
        }
        r.provisionalMessages.delete(item.entity_id);
      }
      touched.add(item.ticket_id);
    }
    this.state.last_synced = new Date().toISOString();
    if (touched.size > 0) this.changed([...touched]);
    else this.emitState();
  }

  setOnline(online: boolean): void {
    this.state.online = online;
    this.state.offline_since = online ? null : (this.state.offline_since ?? new Date().toISOString());
    this.emitState();
    if (online) {
      if (this.autoSendMs === null) this.deliver();
      else this.schedule();
    }
  }

  setState(patch: Partial<SyncState>): void {
    Object.assign(this.state, patch);
    this.emit({ type: 'state', state: clone(this.state) });
  }

  /** The server will refuse the next write it is sent. */
  failNext(code: string, message: string): void {
    this.failures.push({ code, message });
  }

  /** Support answers a ticket: a new message, status "waiting for you", and a notification. */
  supportReplies(ticketId: string, body: string): void {
    const r = this.rows.find((x) => x.ticket.id === ticketId);
    if (!r) return;
    const at = new Date().toISOString();
    r.messages.push({
      id: uuid(),
      ticket_id: ticketId,
      author: AGENT2,
      body,
      internal: false,
      channel: 'app',
      created_at: at,
      attachments: [],
    });
    r.ticket.status = 'waiting_for_customer';
    r.ticket.last_message_at = at;
    r.ticket.message_count = r.messages.length;
    r.read = false;
    this.emit({ type: 'models_changed', tickets: [ticketId], topics: false, outbox: false });
    this.emit({
      type: 'notify',
      notification: {
        key: `reply-${at}`,
        kind: 'support_replied',
        ticket_id: ticketId,
        ticket_number: r.ticket.number,
        title: this.uk() ? `Відповідь у зверненні #${r.ticket.number}` : `Reply on ticket #${r.ticket.number}`,
        body,
        urgency: 'normal',
        incident_id: null,
      },
    });
  }

  /** The report reached the server: linked to the incident it joins or opens. */
  private fileOutage(r: Row): void {
    const kind = this.outageKinds.get(r.ticket.id);
    if (!kind) return;
    this.outageKinds.delete(r.ticket.id);
    const { incident } = this.book.report(kind, r.ticket.organization_id, r.ticket.id, r.ticket.requester);
    r.ticket.incident_id = incident.id;
  }

  private incidentChanged(i: Incident): void {
    this.emit({ type: 'incidents_changed', incidents: [i.id], pages: false, duty: false, telegram_requests: false });
    this.emit({ type: 'models_changed', tickets: i.ticket_ids.slice(), topics: false, outbox: false });
  }

  private mustIncident(id: string): Incident {
    const i = this.book.find(id);
    if (!i) throw this.err('not_found', 'Збій не знайдено.', 'Incident not found.');
    return i;
  }

  /** An agent acknowledges an incident (as the server would tell the customer's app). */
  acknowledgeAs(incidentId: string, who: PersonRef = AGENT2): void {
    const i = this.mustIncident(incidentId);
    this.book.acknowledge(i, who);
    this.incidentChanged(i);
  }

  /** An agent posts an update to everyone affected. */
  updateAs(incidentId: string, body: string, who: PersonRef = AGENT2): void {
    const i = this.mustIncident(incidentId);
    this.book.update(i, who, body);
    this.incidentChanged(i);
  }

  /** An agent resolves an incident: its report tickets are resolved with it. */
  resolveAs(incidentId: string, body: string, who: PersonRef = AGENT2): void {
    const i = this.mustIncident(incidentId);
    this.resolveIncidentRows(i, who, body);
  }

  private resolveIncidentRows(i: Incident, who: PersonRef, body: string): void {
    this.book.resolve(i, who, body);
    const at = new Date().toISOString();
    for (const id of i.ticket_ids) {
      const r = this.rows.find((x) => x.ticket.id === id);
      if (r && isOpen(r.ticket.status)) {
        r.ticket.resolved_at = resolvedAtAfter('resolved', r.ticket.resolved_at, at);
        r.ticket.status = 'resolved';
      }
    }
    this.incidentChanged(i);
  }

  /** As if an unverified report's notification was clicked. */
  clickTelegramRequestNotification(requestId: string): void {
    for (const h of this.openRequestHandlers) h(requestId);
  }

  /** A chat not linked writes to a bot (see TelegramBook.write); agents' lists change. */
  telegramWrite(...args: Parameters<TelegramBook['write']>): TelegramRequest {
    const r = this.telegram.write(...args);
    this.emit({ type: 'incidents_changed', incidents: [], pages: false, duty: false, telegram_requests: true });
    return r;
  }

  /** As if an incident notification was clicked. */
  clickIncidentNotification(incidentId: string): void {
    for (const h of this.openIncidentHandlers) h(incidentId);
  }

  /** As if a notification was clicked. */
  clickNotification(ticketId: string): void {
    for (const h of this.openHandlers) h(ticketId);
  }

  /** As if files were dropped on the window at (x, y). */
  dropFiles(d: FileDrop): void {
    for (const h of this.dropHandlers) h(d);
  }

  /** Puts a draft as it would be after a restart (files included). */
  putDraft(d: Draft): void {
    this.drafts.set(d.key, clone(d));
  }

  /** Raw view for assertions. */
  outboxSnapshot(): OutboxItem[] {
    return clone(this.outboxItems);
  }

  // --- session

  async resume(): Promise<Account | null> {
    return this.account ? clone(this.account) : null;
  }

  async signIn(server: string, email: string, password: string): Promise<Account> {
    const s = server.trim();
    if (!/^https?:\/\/[^\s/]+/i.test(s) && !/^[\w.-]+(:\d+)?(\/.*)?$/.test(s)) {
      throw this.err('bad_request', 'Адреса сервера має вигляд https://desk.example.ua', 'The server address looks like https://desk.example.ua');
    }
    if (/unreachable|offline|down/i.test(s)) {
      throw this.err(
        'unavailable',
        `Не вдалося з’єднатися з сервером ${s}. Перевірте адресу та інтернет.`,
        `Could not reach the server ${s}. Check the address and the internet connection.`,
      );
    }
    if (password !== 'demo') {
      throw this.err('invalid_credentials', 'Неправильна пошта або пароль.', 'Wrong email or password.');
    }
    const agent = /support|agent/i.test(email);
    const user = clone(agent ? AGENT : CUSTOMER);
    user.email = email.trim();
    this.account = this.accountFor(user);
    this.account.server = s;
    return clone(this.account);
  }

  async signOut(discardUnsent: boolean): Promise<void> {
    this.me();
    const n = this.outboxItems.length;
    if (n > 0 && !discardUnsent) {
      throw this.err(
        'unsent_items',
        `Ще не надіслано: ${n}. Дочекайтеся надсилання або вийдіть попри це — тоді вони пропадуть.`,
        `${n} item(s) have not been sent yet. Wait until they are sent, or sign out anyway to discard them.`,
      );
    }
    this.account = null;
    this.outboxItems = [];
    this.outageKinds.clear();
    this.drafts.clear();
    this.load(sampleTickets());
    this.emitState();
  }

  // --- reads

  async topics(): Promise<Topic[]> {
    this.me();
    return clone(TOPICS);
  }

  async calendar(): Promise<BusinessCalendar> {
    this.me();
    return clone(this.businessCalendar);
  }

  async expectation(topicId: string): Promise<Expectation> {
    this.me();
    const topic = TOPICS.find((t) => t.id === topicId);
    if (!topic) {
      throw this.err(
        'validation_failed',
        'Такої теми немає. Оберіть тему зі списку.',
        'There is no such topic. Choose one from the list.',
      );
    }
    const at = new Date();
    const waiting = this.afterHours && !topic.urgent;
    const from = waiting ? new Date(at.getTime() + 9 * 3_600_000) : at;
    const pad = (n: number) => String(n).padStart(2, '0');
    return {
      topic_id: topic.id,
      urgent: topic.urgent,
      working_now: !this.afterHours,
      at: at.toISOString(),
      handled_from: from.toISOString(),
      handled_now: !waiting,
      local_time: waiting ? '08:00' : `${pad(at.getHours())}:${pad(at.getMinutes())}`,
      day: waiting ? 'tomorrow' : 'today',
      weekday: ((from.getDay() + 6) % 7) + 1,
      date: from.toISOString().slice(0, 10),
      wait_minutes: waiting ? 9 * 60 : 0,
    };
  }

  async tickets(q: TicketQuery): Promise<TicketItem[]> {
    let rows = this.visible().slice();
    const s = q.status;
    if (s === 'open') rows = rows.filter((r) => isOpen(r.ticket.status));
    else if (s === 'resolved') rows = rows.filter((r) => !isOpen(r.ticket.status));
    else if (s && s !== 'all') rows = rows.filter((r) => r.ticket.status === s);
    if (q.topic_id) rows = rows.filter((r) => r.ticket.topic_id === q.topic_id);
    if (q.organization_id) rows = rows.filter((r) => r.ticket.organization_id === q.organization_id);
    if (q.assignee_id) rows = rows.filter((r) => r.ticket.assignee?.id === q.assignee_id);
    if (q.unassigned) rows = rows.filter((r) => r.ticket.assignee === null);
    rows.sort((a, b) => {
      if (q.urgent_first && a.ticket.urgent !== b.ticket.urgent) return a.ticket.urgent ? -1 : 1;
      return b.ticket.created_at.localeCompare(a.ticket.created_at);
    });
    const limit = q.limit ?? 200;
    return rows.slice(q.offset, q.offset + limit).map((r) => this.item(r));
  }

  async ticket(id: string): Promise<TicketView | null> {
    const r = this.row(id);
    if (!r) return null;
    r.read = true;
    const staff = this.staff();
    const messages: MessageItem[] = r.messages
      .filter((m) => staff || !m.internal)
      .map((m) => ({
        message: clone(m),
        provisional: r.provisionalMessages.has(m.id),
        sending: this.sendState((i) => i.entity_id === m.id || (i.entity_id === id && m.id === id)),
      }));
    return { item: this.item(r), messages };
  }

  async search(text: string, limit: number): Promise<SearchHit[]> {
    const needle = text.trim().toLowerCase();
    if (!needle) return [];
    const hits: SearchHit[] = [];
    const staff = this.staff();
    for (const r of this.visible()) {
      const texts = [r.ticket.subject, ...r.messages.filter((m) => staff || !m.internal).map((m) => m.body)];
      const found = texts.find((x) => x.toLowerCase().includes(needle));
      if (found === undefined) continue;
      const at = found.toLowerCase().indexOf(needle);
      const from = Math.max(0, at - 30);
      const to = Math.min(found.length, at + needle.length + 30);
      const snippet =
        (from > 0 ? '…' : '') +
        found.slice(from, at) +
        '[' +
        found.slice(at, at + needle.length) +
        ']' +
        found.slice(at + needle.length, to) +
        (to < found.length ? '…' : '');
      const it = this.item(r);
      hits.push({ ticket: { ticket: it.ticket, provisional: it.provisional, unread: it.unread }, snippet });
      if (hits.length >= limit) break;
    }
    return hits;
  }

  async organizations(): Promise<OrgRef[]> {
    const seen = new Map<string, string>();
    for (const r of this.visible()) seen.set(r.ticket.organization_id, r.ticket.organization_name);
    return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async outbox(): Promise<OutboxItem[]> {
    return clone(this.outboxItems);
  }

  async syncState(): Promise<SyncState> {
    return clone(this.state);
  }

  async unreadCount(): Promise<number> {
    return this.visible().filter((r) => !r.read).length;
  }

  // --- drafts

  async draft(key: string): Promise<Draft | null> {
    const d = this.drafts.get(key);
    return d ? clone(d) : null;
  }

  private ensureDraft(key: string): Draft {
    let d = this.drafts.get(key);
    if (!d) {
      d = { key, topic_id: null, subject: '', body: '', internal: false, files: [], updated_at: Date.now() };
      this.drafts.set(key, d);
    }
    return d;
  }

  async saveDraft(key: string, input: DraftInput): Promise<void> {
    const d = this.ensureDraft(key);
    d.topic_id = input.topic_id;
    d.subject = input.subject;
    d.body = input.body;
    d.internal = input.internal;
    d.updated_at = Date.now();
  }

  private tooLarge(name: string, size: number): DeskError {
    const mb = (n: number) => Math.round(n / (1024 * 1024));
    return this.err(
      'file_too_large',
      `Файл «${name}» завеликий: ${mb(size)} МБ, можна щонайбільше ${mb(MAX_FILE_BYTES)} МБ.`,
      `The file “${name}” is too large: ${mb(size)} MB, at most ${mb(MAX_FILE_BYTES)} MB.`,
    );
  }

  async attachFiles(key: string, paths: string[]): Promise<LocalFile[]> {
    const d = this.ensureDraft(key);
    const out: LocalFile[] = [];
    for (const p of paths) {
      const name = basename(p);
      const size = this.fileSizes.get(p) ?? 40_000 + (name.length * 7919) % 900_000;
      if (size > MAX_FILE_BYTES) throw this.tooLarge(name, size);
      const f: LocalFile = {
        id: uuid(),
        path: `/home/dispatcher/.local/share/desk/files/${uuid()}`,
        filename: name,
        size,
        sha256: 'cd'.repeat(32),
        media_type: mediaType(name),
        server_id: null,
      };
      d.files.push(f);
      out.push(clone(f));
    }
    return out;
  }

  async attachBytes(key: string, filename: string, bytes: Uint8Array): Promise<LocalFile> {
    if (bytes.length > MAX_FILE_BYTES) throw this.tooLarge(filename, bytes.length);
    const d = this.ensureDraft(key);
    const f: LocalFile = {
      id: uuid(),
      path: `/home/dispatcher/.local/share/desk/files/${uuid()}`,
      filename: filename.trim() || 'image.png',
      size: bytes.length,
      sha256: 'ef'.repeat(32),
      media_type: mediaType(filename),
      server_id: null,
    };
    d.files.push(f);
    return clone(f);
  }

  async removeDraftFile(key: string, fileId: string): Promise<void> {
    const d = this.drafts.get(key);
    if (d) d.files = d.files.filter((f) => f.id !== fileId);
  }

  async discardDraft(key: string): Promise<void> {
    this.drafts.delete(key);
  }

  async pickFiles(): Promise<string[]> {
    return this.nextPick.slice();
  }

  // --- writes

  private checkText(subject: string | null, body: string): void {
    if (subject !== null) {
      const n = subject.trim().length;
      if (n === 0) throw this.err('validation_failed', 'Вкажіть тему звернення.', 'Enter a subject.');
      if (n > LIMITS.subject_max_chars)
        throw this.err('validation_failed', 'Тема задовга: до 200 символів.', 'The subject is too long: at most 200 characters.');
    }
    if (body.trim().length === 0)
      throw this.err('validation_failed', 'Напишіть текст повідомлення.', 'Write the message text.');
    if ([...body.trim()].length > LIMITS.body_max_chars)
      throw this.err('validation_failed', 'Текст задовгий: до 20 000 символів.', 'The text is too long: at most 20,000 characters.');
  }

  private attachmentsOf(files: LocalFile[]): Attachment[] {
    return files.map((f) => ({ id: f.id, filename: f.filename, size: f.size, media_type: f.media_type, sha256: f.sha256 }));
  }

  /** A ticket written here and not yet sent: listed at once, its first message under its id. */
  private addProvisionalTicket(topicId: string, subject: string, urgent: boolean, body: string, files: LocalFile[]): string {
    const me = this.me();
    const org = this.account?.organization;
    const id = uuid();
    const now = new Date().toISOString();
    const author: PersonRef = ref(me);
    this.rows.unshift({
      ticket: {
        id,
        number: 0,
        subject,
        topic_id: topicId,
        urgent,
        status: 'new',
        organization_id: me.organization_id ?? '',
        organization_name: org?.name ?? '',
        requester: author,
        assignee: null,
        created_at: now,
        updated_at: now,
        resolved_at: null,
        last_message_at: now,
        message_count: 1,
        incident_id: null,
      },
      messages: [
        { id, ticket_id: id, author, body, internal: false, channel: 'app', created_at: now, attachments: this.attachmentsOf(files) },
      ],
      provisional: true,
      provisionalMessages: new Set([id]),
      read: true,
    });
    return id;
  }

  async submitTicketDraft(): Promise<string> {
    this.me(); // signed in, or it throws
    const key = 'new-ticket';
    const d = this.drafts.get(key);
    if (!d) throw this.err('validation_failed', 'Чернетка порожня.', 'The draft is empty.');
    if (!d.topic_id)
      throw this.err('validation_failed', 'Оберіть тему звернення зі списку.', 'Choose a topic from the list.');
    this.checkText(d.subject, d.body);
    if (d.files.length > LIMITS.attachments_per_message) throw this.err('validation_failed', 'Забагато файлів: до 20.', 'Too many files: at most 20.');
    const topic = TOPICS.find((x) => x.id === d.topic_id);
    const id = this.addProvisionalTicket(d.topic_id, d.subject.trim(), topic?.urgent ?? false, d.body.trim(), d.files);
    this.enqueue(id, id, { type: 'create_ticket', topic_id: d.topic_id, subject: d.subject.trim(), body: d.body.trim() }, d.files);
    this.drafts.delete(key);
    this.changed([id]);
    return id;
  }

  async submitReplyDraft(ticketId: string): Promise<string> {
    const me = this.me();
    const key = `reply:${ticketId}`;
    const d = this.drafts.get(key);
    if (!d) throw this.err('validation_failed', 'Чернетка порожня.', 'The draft is empty.');
    this.checkText(null, d.body);
    const r = this.row(ticketId);
    if (!r) throw this.err('not_found', 'Звернення не знайдено.', 'Ticket not found.');
    if (d.internal && me.role === 'customer')
      throw this.err('validation_failed', 'Внутрішні нотатки доступні лише спеціалістам.', 'Internal notes are for support specialists only.');
    const id = uuid();
    const now = new Date().toISOString();
    r.messages.push({
      id,
      ticket_id: ticketId,
      author: ref(me),
      body: d.body.trim(),
      internal: d.internal,
      channel: 'app',
      created_at: now,
      attachments: this.attachmentsOf(d.files),
    });
    r.provisionalMessages.add(id);
    r.ticket.last_message_at = now;
    r.ticket.message_count = r.messages.length;
    const item = this.enqueue(id, ticketId, { type: 'add_message', body: d.body.trim(), internal: d.internal }, d.files);
    this.apply(r, statusAfterMessage(me.role, r.ticket.status, r.ticket.assignee !== null, d.internal), item);
    this.drafts.delete(key);
    this.changed([ticketId]);
    return id;
  }

  async setStatus(ticketId: string, status: TicketStatus): Promise<void> {
    const r = this.row(ticketId);
    if (!r) throw this.err('not_found', 'Звернення не знайдено.', 'Ticket not found.');
    const item = this.enqueue(ticketId, ticketId, { type: 'update_ticket', update: { status } }, []);
    this.apply(r, statusChange(this.me().role, r.ticket.status, status, r.ticket.assignee !== null), item);
    this.changed([ticketId]);
  }

  async assign(ticketId: string, assigneeId: string | null): Promise<void> {
    if (!this.staff()) throw this.err('forbidden', 'Лише для спеціалістів підтримки.', 'For support specialists only.');
    const r = this.row(ticketId);
    if (!r) throw this.err('not_found', 'Звернення не знайдено.', 'Ticket not found.');
    const people: PersonRef[] = [ref(AGENT), AGENT2];
    r.ticket.assignee = assigneeId ? (people.find((p) => p.id === assigneeId) ?? { id: assigneeId, name: '—', role: 'agent' }) : null;
    this.enqueue(ticketId, ticketId, { type: 'update_ticket', update: { assignee_id: assigneeId } }, []);
    this.changed([ticketId]);
  }

  async retry(outboxSeq: number): Promise<void> {
    const item = this.outboxItems.find((i) => i.seq === outboxSeq);
    if (!item) return;
    item.state = 'pending';
    item.error_code = null;
    item.error_message = null;
    this.changed([item.ticket_id]);
    this.schedule();
  }

  async discard(outboxSeq: number): Promise<void> {
    const item = this.outboxItems.find((i) => i.seq === outboxSeq);
    if (!item) return;
    this.outboxItems = this.outboxItems.filter((i) => i !== item);
    this.refusals.delete(outboxSeq);
    const op = item.op;
    if (op.type === 'create_ticket') {
      if (!this.drafts.has('new-ticket'))
        await this.saveDraft('new-ticket', { topic_id: op.topic_id, subject: op.subject, body: op.body, internal: false });
      this.rows = this.rows.filter((r) => !(r.ticket.id === item.ticket_id && r.ticket.number === 0));
    } else if (op.type === 'add_message') {
      const key = `reply:${item.ticket_id}`;
      if (!this.drafts.has(key)) await this.saveDraft(key, { topic_id: null, subject: '', body: op.body, internal: op.internal });
      const r = this.rows.find((x) => x.ticket.id === item.ticket_id);
      if (r) {
        r.messages = r.messages.filter((m) => m.id !== item.entity_id);
        r.ticket.message_count = r.messages.length;
      }
    }
    this.changed([item.ticket_id]);
  }

  async syncNow(): Promise<void> {
    this.state.syncing = true;
    this.emitState();
    setTimeout(() => {
      this.state.syncing = false;
      this.deliver();
    }, this.autoSendMs ?? 0);
  }

  // --- attachments

  async openAttachment(_a: Attachment): Promise<void> {
    if (!this.state.online)
      throw this.err('offline', 'Файл ще не завантажено, а зв’язку з сервером немає.', 'The file is not downloaded yet and the server cannot be reached.');
  }

  async saveAttachment(_a: Attachment): Promise<boolean> {
    return true;
  }

  previewUrl(_ticketId: string, _a: Attachment, _scale: number): string {
    return PREVIEW_SVG;
  }

  // --- customer page

  async preferences(): Promise<Preferences> {
    return clone(this.prefs);
  }

  async setPreferences(p: Preferences): Promise<void> {
    this.prefs = clone(p);
  }

  async storageInfo(): Promise<StorageInfo> {
    this.me();
    const unsent = [...this.outboxItems.flatMap((i) => i.files), ...[...this.drafts.values()].flatMap((d) => d.files)];
    const unsentBytes = unsent.reduce((s, f) => s + f.size, 0);
    return {
      data_dir: `/home/dispatcher/.local/share/ua.desk.app/accounts/${this.account?.key ?? ''}`,
      total_bytes: 18_874_368 + unsentBytes,
      unsent_file_bytes: unsentBytes,
      pending: this.outboxItems.filter((i) => i.state === 'pending').length,
      failed: this.outboxItems.filter((i) => i.state === 'failed').length,
    };
  }

  // --- outages

  private org(): string | null {
    const me = this.me();
    return me.role === 'customer' ? me.organization_id : null;
  }

  private incidentView(i: Incident): Incident {
    const visible = new Set(this.visible().map((r) => r.ticket.id));
    return this.book.view(i, this.org(), visible);
  }

  private staffOnly(): PersonRef {
    const me = this.me();
    if (me.role === 'customer') throw this.err('forbidden', 'Лише для спеціалістів підтримки.', 'For support specialists only.');
    if (!this.state.online)
      throw this.err('offline', 'Немає зв’язку з сервером. Спробуйте, щойно він з’явиться.', 'The server cannot be reached. Try again once it is back.');
    return ref(me);
  }

  async knownOutage(kind: OutageKind): Promise<KnownOutage | null> {
    const me = this.me();
    const org = this.org();
    const pending = [...this.outageKinds].find(([, k]) => k === kind)?.[0] ?? null;
    const i = org !== null ? this.book.known(kind, org) : undefined;
    if (!i) return pending ? { incident: null, ticket_id: pending, sending: true } : null;
    const linked = this.visible()
      .filter((r) => i.ticket_ids.includes(r.ticket.id))
      .sort((a, b) => Number(a.ticket.requester.id !== me.id) - Number(b.ticket.requester.id !== me.id));
    const first = linked[0]?.ticket.id ?? pending;
    return { incident: this.incidentView(i), ticket_id: first, sending: !linked[0] && !!pending };
  }

  async submitOutageDraft(): Promise<string> {
    this.me(); // signed in, or it throws
    const key = 'outage';
    const d = this.drafts.get(key);
    if (!d) throw this.err('validation_failed', 'Чернетка порожня.', 'The draft is empty.');
    const kind = OUTAGE_KINDS.find((k) => k === d.topic_id);
    if (!kind) throw this.err('validation_failed', 'Оберіть, що саме не працює.', 'Choose what is down.');
    const body = d.body.trim();
    if (!body) throw this.err('validation_failed', 'Коротко опишіть, що сталося.', 'Describe briefly what happened.');
    if (d.files.length > LIMITS.attachments_per_message) throw this.err('validation_failed', 'Забагато файлів: до 20.', 'Too many files: at most 20.');
    const subject = outageTitle(kind, this.uk() ? 'uk' : 'en');
    const topicId = outageTopic(kind);
    const id = this.addProvisionalTicket(topicId, subject, true, body, d.files);
    this.outageKinds.set(id, kind);
    this.enqueue(id, id, { type: 'create_ticket', topic_id: topicId, subject, body }, d.files);
    this.drafts.delete(key);
    this.changed([id]);
    return id;
  }

  async incidents(status: 'open' | 'resolved' | 'all'): Promise<Incident[]> {
    const org = this.org();
    return this.book.incidents
      .filter((i) => (status === 'all' ? true : status === 'open' ? i.status === 'open' : i.status !== 'open'))
      .filter((i) => org === null || i.all_organizations || i.organizations.some((o) => o.id === org))
      .sort(incidentOrder)
      .map((i) => this.incidentView(i));
  }

  async incident(id: string): Promise<IncidentView | null> {
    const i = this.book.find(id);
    if (!i) return null;
    const org = this.org();
    if (org !== null && !i.all_organizations && !i.organizations.some((o) => o.id === org)) return null;
    const tickets: CachedTicket[] = this.visible()
      .filter((r) => i.ticket_ids.includes(r.ticket.id))
      .map((r) => {
        const it = this.item(r);
        return { ticket: it.ticket, provisional: it.provisional, unread: it.unread };
      });
    return { incident: this.incidentView(i), tickets };
  }

  async acknowledgeIncident(id: string): Promise<Incident> {
    const who = this.staffOnly();
    const i = this.mustIncident(id);
    this.book.acknowledge(i, who);
    this.incidentChanged(i);
    return clone(i);
  }

  async postIncidentUpdate(id: string, body: string): Promise<Incident> {
    const who = this.staffOnly();
    if (!body.trim()) throw this.err('validation_failed', 'Напишіть текст оновлення.', 'Write the update.');
    const i = this.mustIncident(id);
    this.book.update(i, who, body.trim());
    this.incidentChanged(i);
    return clone(i);
  }

  async resolveIncident(id: string, body: string): Promise<Incident> {
    const who = this.staffOnly();
    if (!body.trim()) throw this.err('validation_failed', 'Напишіть, що сталося і що зроблено.', 'Write what happened and what was done.');
    const i = this.mustIncident(id);
    if (i.status !== 'open') throw this.err('invalid_transition', 'Збій уже не триває.', 'The incident is no longer open.');
    this.resolveIncidentRows(i, who, body.trim());
    return clone(i);
  }

  async updateIncident(id: string, update: UpdateIncident): Promise<Incident> {
    this.staffOnly();
    if (update.title != null && !update.title.trim()) throw this.err('validation_failed', 'Назва не може бути порожньою.', 'The title cannot be empty.');
    const i = this.mustIncident(id);
    this.book.patch(i, update);
    this.incidentChanged(i);
    return clone(i);
  }

  async mergeIncidents(id: string, from: string): Promise<Incident> {
    this.staffOnly();
    const into = this.mustIncident(id);
    const other = this.mustIncident(from);
    if (into.id === other.id || other.status !== 'open')
      throw this.err('invalid_transition', 'Цей збій не можна приєднати.', 'This incident cannot be merged.');
    const moved = other.ticket_ids.slice();
    this.book.merge(into, other);
    for (const t of moved) {
      const r = this.rows.find((x) => x.ticket.id === t);
      if (r) r.ticket.incident_id = into.id;
    }
    this.incidentChanged(into);
    return clone(into);
  }

  async announceIncident(input: AnnounceInput): Promise<Incident> {
    const who = this.staffOnly();
    if (!input.title.trim()) throw this.err('validation_failed', 'Вкажіть назву збою.', 'Enter a title.');
    if (!input.all_organizations && input.organization_ids.length === 0)
      throw this.err('validation_failed', 'Оберіть служби, яких стосується збій.', 'Choose the affected services.');
    const i = this.book.announce(input.kind ?? 'other', input.title, input.body, input.all_organizations, input.organization_ids, who);
    this.incidentChanged(i);
    return clone(i);
  }

  async dutyRoster(): Promise<DutyAgent[]> {
    if (this.me().role === 'customer') throw this.err('forbidden', 'Лише для спеціалістів підтримки.', 'For support specialists only.');
    return clone(this.book.roster);
  }

  async setOnDuty(onDuty: boolean): Promise<DutyAgent> {
    const who = this.staffOnly();
    const d = this.book.setDuty(who, onDuty);
    this.emit({ type: 'incidents_changed', incidents: [], pages: false, duty: true, telegram_requests: false });
    return clone(d);
  }

  // --- events

  // --- Telegram

  private telegramCall(uk: string, en: string): void {
    const failure = this.telegramFailure;
    if (failure) {
      this.telegramFailure = null;
      throw failure;
    }
    if (!this.state.online)
      throw this.err(
        'offline',
        `Немає зв'язку із сервером підтримки: ${uk} Перевірте інтернет і спробуйте ще раз.`,
        `No connection to the support server: ${en} Check the internet connection and try again.`,
      );
  }

  async telegramLinkCode(): Promise<LinkCode> {
    const me = this.me();
    this.telegramCall('посилання для Telegram можна отримати лише з інтернетом.', 'a Telegram link can only be had with the connection.');
    if (me.role !== 'customer' || !me.organization_id)
      throw this.err(
        'forbidden',
        'Підключити Telegram може працівник служби таксі зі свого облікового запису.',
        'A taxi service’s own user links Telegram, from their account.',
      );
    const code = this.telegram.linkCode(me.organization_id, me.id);
    if (!code)
      throw this.err(
        'telegram_not_configured',
        'На сервері підтримки ще не налаштовано Telegram, тому підключити його поки не вийде. Напишіть нам звернення — підкажемо, коли все буде готово.',
        'Telegram is not set up on the support server yet, so it cannot be linked for now. File a ticket and we will tell you when it is ready.',
      );
    return code;
  }

  async telegramLinks(organizationId: string | null): Promise<LinkedChats> {
    this.me();
    const failure = this.telegramFailure;
    if (failure) {
      this.telegramFailure = null;
      throw failure;
    }
    const pick = (links: LinkedChats['links']) => links.filter((l) => organizationId === null || l.organization_id === organizationId);
    if (!this.state.online) {
      const kept = this.keptLinks;
      return { links: pick(clone(kept?.links ?? [])), as_of: kept?.as_of ?? null, offline: true };
    }
    this.keptLinks = { links: this.telegram.active(this.org()), as_of: new Date().toISOString() };
    return { links: pick(clone(this.keptLinks.links)), as_of: this.keptLinks.as_of, offline: false };
  }

  async unlinkTelegram(id: string): Promise<void> {
    this.me();
    this.telegramCall('чат не відключено, бот і далі писатиме туди.', 'the chat is still linked; the bot keeps writing there.');
    // Already unlinked counts as done, as in desk-client.
    this.telegram.unlink(id, this.org());
    if (this.keptLinks) this.keptLinks.links = this.keptLinks.links.filter((l) => l.id !== id);
  }

  async openTelegramLink(url: string): Promise<void> {
    if (!/^https:\/\/t\.me\/\w{1,64}\?(start|startgroup)=\w{1,64}$/.test(url))
      throw this.err('validation_failed', 'Це не посилання на бота підтримки.', 'This is not a link to the support bot.');
    this.openedLinks.push(url);
  }

  async telegramRequests(): Promise<TelegramRequests> {
    this.me();
    if (this.staff()) return { requests: this.telegram.visible(null), as_of: null, offline: false };
    const failure = this.telegramFailure;
    if (failure) {
      this.telegramFailure = null;
      throw failure;
    }
    if (!this.state.online) {
      const kept = this.keptRequests;
      return { requests: clone(kept?.requests ?? []), as_of: kept?.as_of ?? null, offline: true };
    }
    this.keptRequests = { requests: this.telegram.visible(this.org()), as_of: new Date().toISOString() };
    return { requests: clone(this.keptRequests.requests), as_of: this.keptRequests.as_of, offline: false };
  }

  private decidable(id: string): TelegramRequest {
    const r = this.telegram.decidable(id, this.staff() ? null : this.org());
    if (!r) throw this.err('not_found', 'Запит на підключення чату не знайдено.', 'Chat link request not found.');
    if (r.status !== 'pending') {
      if (this.keptRequests) this.keptRequests.requests = this.keptRequests.requests.filter((x) => x.id !== id);
      throw this.err(
        'invalid_transition',
        'Цей запит уже розглянуто: чат підключено або запит відхилено. Оновіть список.',
        'This request was already decided: the chat is linked or the request was dismissed. Refresh the list.',
      );
    }
    return r;
  }

  private requestDecided(r: TelegramRequest): void {
    if (this.keptRequests) this.keptRequests.requests = this.keptRequests.requests.filter((x) => x.id !== r.id);
    if (this.staff()) this.emit({ type: 'incidents_changed', incidents: [], pages: false, duty: false, telegram_requests: true });
  }

  async approveTelegramRequest(id: string, organizationId: string | null): Promise<TelegramRequest> {
    const me = this.me();
    if (this.staff() && !organizationId && !this.telegram.decidable(id, null)?.suggested_organization_id)
      throw this.err(
        'validation_failed',
        'Оберіть службу, до якої прив’язати цей чат: з повідомлення не видно, яка це служба.',
        'Choose the service to attach this chat to: the message does not say which one it is.',
      );
    this.telegramCall(
      'чат не прив’язано до служби. Запит нікуди не зник — він і далі чекає на рішення.',
      'the chat was not attached to the service. The request is not lost: it is still waiting.',
    );
    const r = this.decidable(id);
    const org = this.staff() ? (organizationId ?? r.suggested_organization_id) : this.org();
    if (!org) throw this.err('validation_failed', 'Оберіть службу.', 'Choose the service.');
    const done = this.telegram.approve(r, org, ref(me));
    this.requestDecided(done);
    return done;
  }

  async dismissTelegramRequest(id: string): Promise<TelegramRequest> {
    const me = this.me();
    this.telegramCall('запит не відхилено — він і далі чекає на рішення.', 'the request was not dismissed; it is still waiting.');
    const done = this.telegram.dismiss(this.decidable(id), ref(me));
    this.requestDecided(done);
    return done;
  }

  async onEvent(handler: (e: ClientEvent) => void): Promise<Unlisten> {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  async onFileDrop(handler: (d: FileDrop) => void): Promise<Unlisten> {
    this.dropHandlers.add(handler);
    return () => this.dropHandlers.delete(handler);
  }

  async onOpenTicket(handler: (ticketId: string) => void): Promise<Unlisten> {
    this.openHandlers.add(handler);
    return () => this.openHandlers.delete(handler);
  }

  async onOpenIncident(handler: (incidentId: string) => void): Promise<Unlisten> {
    this.openIncidentHandlers.add(handler);
    return () => this.openIncidentHandlers.delete(handler);
  }

  async onOpenTelegramRequest(handler: (requestId: string) => void): Promise<Unlisten> {
    this.openRequestHandlers.add(handler);
    return () => this.openRequestHandlers.delete(handler);
  }
}
