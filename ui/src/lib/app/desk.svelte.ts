//! The app's state: session, sync state, the ticket lists, topics, preferences and the screen
//! shown. It listens to the core's events once and fans them out to the stores that apply them;
//! components reach it through `getDesk()`.

import { getContext, setContext } from 'svelte';
import type { FileDrop, Platform, Unlisten } from '../platform/platform';
import type { ClientEvent, Preferences, Topic } from '../types/bindings';
import { i18n, parseLang } from '../i18n/i18n.svelte';
import { Session, rememberLang } from '../session/session.svelte';
import { SyncStore } from '../sync/sync.svelte';
import { TicketsStore } from '../tickets/tickets.svelte';
import { IncidentsStore } from '../incidents/incidents.svelte';
import { DropZones } from '../files/zones';
import { NEW_TICKET_KEY, decideDrop } from '../files/drop';
import type { Route } from './route';
import { errorText } from './errors';

export interface DeskOptions {
  /** Autosave delay of drafts after the last keystroke. */
  autosaveMs?: number;
  /** Delay between a keystroke in the search box and the search. */
  searchMs?: number;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export { errorText };

export class DeskApp {
  readonly session: Session;
  readonly sync = new SyncStore();
  readonly tickets: TicketsStore;
  readonly queue: TicketsStore;
  readonly incidents: IncidentsStore;
  readonly dropZones = new DropZones();
  readonly autosaveMs: number;
  readonly searchMs: number;

  booted = $state(false);
  route = $state<Route>({ name: 'tickets' });
  topics = $state.raw<Topic[]>([]);
  prefs = $state<Preferences | null>(null);
  unread = $state(0);
  notices = $state<Notice[]>([]);
  /** Why the last account could not be opened on start (shown on the sign-in screen). */
  bootError = $state<string | null>(null);
  /** Asks the list on screen (or the next one shown) to focus its search box. */
  wantSearchFocus = $state(false);

  private listeners = new Set<(e: ClientEvent) => void>();
  private unlisten: Unlisten[] = [];
  private noticeSeq = 0;

  constructor(
    readonly platform: Platform,
    opts: DeskOptions = {},
  ) {
    this.session = new Session(platform);
    this.autosaveMs = opts.autosaveMs ?? 600;
    this.searchMs = opts.searchMs ?? 120;
    const me = () => this.session.me;
    this.tickets = new TicketsStore(platform, { urgentFirst: false, me });
    this.queue = new TicketsStore(platform, { urgentFirst: true, me });
    this.queue.filters = { status: 'open', topicId: null, organizationId: null, assignee: 'anyone' };
    this.incidents = new IncidentsStore(platform, {
      me,
      org: () => this.session.account?.organization?.id ?? null,
      staff: () => this.session.isAgent,
    });
  }

  get isAgent(): boolean {
    return this.session.isAgent;
  }

  get home(): Route {
    return this.isAgent ? { name: 'queue' } : { name: 'tickets' };
  }

  topic(id: string): Topic | undefined {
    return this.topics.find((t) => t.id === id);
  }

  topicTitle(id: string): string {
    const t = this.topic(id);
    return t ? t.title[i18n.lang] : id;
  }

  /** Listens to the core, then opens the last account if there is one. */
  async start(): Promise<void> {
    this.unlisten.push(
      await this.platform.onEvent((e) => this.apply(e)),
      await this.platform.onFileDrop((d) => void this.drop(d)),
      await this.platform.onOpenTicket((id) => this.openTicket(id)),
      await this.platform.onOpenIncident((id) => this.openIncident(id)),
      await this.platform.onOpenTelegramRequest((id) => this.openTelegramRequest(id)),
    );
    try {
      const a = await this.session.resume();
      if (a) await this.enter(false);
    } catch (e) {
      this.bootError = errorText(e);
    } finally {
      this.booted = true;
    }
  }

  stop(): void {
    for (const u of this.unlisten.splice(0)) u();
  }

  async signIn(server: string, email: string, password: string): Promise<void> {
    await this.session.signIn(server, email, password);
    await this.enter(true);
  }

  /** After sign-in or resume: the account's language and timezone, then what every screen needs. */
  private async enter(fresh: boolean): Promise<void> {
    const a = this.session.account;
    i18n.setTimeZone(a?.organization?.timezone);
    const prefs = await this.platform.preferences();
    if (fresh && parseLang(prefs.lang) !== i18n.lang) {
      // The language chosen on the sign-in screen becomes the account's.
      prefs.lang = i18n.lang;
      await this.platform.setPreferences(prefs).catch(() => undefined);
    } else {
      i18n.setLang(prefs.lang);
    }
    this.prefs = prefs;
    rememberLang(i18n.lang);
    const [state, topics] = await Promise.all([this.platform.syncState(), this.platform.topics()]);
    this.sync.set(state);
    this.topics = topics;
    void this.refreshUnread();
    void this.incidents.load();
    this.route = this.home;
  }

  async signOut(discardUnsent: boolean): Promise<void> {
    await this.session.signOut(discardUnsent);
    this.prefs = null;
    this.topics = [];
    this.unread = 0;
    this.tickets.rows = [];
    this.tickets.loaded = false;
    this.queue.rows = [];
    this.queue.loaded = false;
    this.incidents.reset();
    this.route = { name: 'tickets' };
  }

  async setPreferences(p: Preferences): Promise<void> {
    const before = this.prefs;
    this.prefs = p;
    i18n.setLang(p.lang);
    rememberLang(i18n.lang);
    try {
      await this.platform.setPreferences(p);
    } catch (e) {
      this.prefs = before;
      if (before) i18n.setLang(before.lang);
      this.notify('error', errorText(e));
    }
  }

  // --- events

  subscribe(fn: (e: ClientEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  apply(e: ClientEvent): void {
    this.sync.apply(e);
    // Incidents, pages and the roster change with their own event (and with ticket pulls).
    this.incidents.apply(e);
    if (e.type === 'models_changed') {
      this.tickets.apply(e);
      this.queue.apply(e);
      if (e.topics) void this.platform.topics().then((t) => (this.topics = t)).catch(() => undefined);
      void this.refreshUnread();
    } else if (e.type === 'notify') {
      void this.refreshUnread();
    }
    for (const fn of this.listeners) fn(e);
  }

  async refreshUnread(): Promise<void> {
    if (!this.session.signedIn) return;
    try {
      this.unread = await this.platform.unreadCount();
    } catch {
      // The badge is a hint; the list shows the truth.
    }
  }

  // --- navigation

  navigate(r: Route): void {
    this.route = r;
  }

  openTicket(id: string): void {
    if (!this.session.signedIn) return;
    this.route = { name: 'ticket', id };
  }

  /** An incident: agents on the incidents screen, customers on its timeline. */
  openIncident(id: string): void {
    if (!this.session.signedIn) return;
    this.route = this.isAgent ? { name: 'incidents', id } : { name: 'incident', id };
  }

  /** Agents: an unverified Telegram message, in its section of the incidents screen. */
  openTelegramRequest(id: string): void {
    if (!this.session.signedIn || !this.isAgent) return;
    this.route = { name: 'incidents', id: null, request: id };
  }

  /** The outage report form (customers), at any hour. */
  reportOutage(): void {
    if (this.session.signedIn && !this.isAgent) this.route = { name: 'report' };
  }

  newTicket(): void {
    if (this.session.signedIn && !this.isAgent) this.route = { name: 'create' };
  }

  focusSearch(): void {
    if (!this.session.signedIn) return;
    if (this.route.name !== 'tickets' && this.route.name !== 'queue') this.route = this.home;
    this.wantSearchFocus = true;
  }

  // --- files dropped on the window

  async drop(d: FileDrop): Promise<void> {
    if (!this.session.signedIn) return;
    const decision = decideDrop(d, {
      zones: this.dropZones.measure(),
      activeKey: this.dropZones.activeKey(),
      canCreateTicket: !this.isAgent,
    });
    try {
      if (decision.kind === 'attach') {
        await this.dropZones.attach(decision.key, d.paths);
      } else if (decision.kind === 'new-ticket') {
        await this.platform.attachFiles(NEW_TICKET_KEY, d.paths);
        this.route = { name: 'create' };
      }
    } catch (e) {
      this.notify('error', errorText(e));
    }
  }

  // --- notices (errors that belong to no form)

  notify(kind: Notice['kind'], text: string): void {
    const id = ++this.noticeSeq;
    this.notices = [...this.notices, { id, kind, text }];
    if (kind === 'info') setTimeout(() => this.dismiss(id), 5000);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }
}

const KEY = Symbol('desk');

export function setDesk(d: DeskApp): void {
  setContext(KEY, d);
}

export function getDesk(): DeskApp {
  const d = getContext<DeskApp | undefined>(KEY);
  if (!d) throw new Error('DeskApp missing from context');
  return d;
}

export const DESK_CONTEXT_KEY = KEY;
