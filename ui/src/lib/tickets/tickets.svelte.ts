//! A ticket list (the customer's tickets, or the agents' queue) with its filters and the
//! instant search box. Reads the local cache through the platform and reloads itself when the
//! core says tickets or the outbox changed.

import type { Platform } from '../platform/platform';
import type {
  ClientEvent,
  OutboxItem,
  SendState,
  TicketItem,
  TicketQuery,
  TicketStatus,
} from '../types/bindings';

export type StatusFilter = 'open' | 'resolved' | 'all' | TicketStatus;
export type AssigneeFilter = 'anyone' | 'me' | 'unassigned';

export interface Row {
  item: TicketItem;
  /** Search matches only: the text around the hit, hits between `[` and `]`. */
  snippet: string | null;
}

export const PAGE = 200;
/** Rows rendered in the list's first frame; the rest of the page follows in the next. */
export const FIRST_ROWS = 40;
export const SEARCH_LIMIT = 50;

/** The send state the core would report for a ticket: a failure first, else the first pending. */
export function sendStateFor(items: readonly OutboxItem[], ticketId: string): SendState | null {
  let found: OutboxItem | null = null;
  for (const i of items) {
    if (i.ticket_id !== ticketId) continue;
    if (!found || i.state === 'failed') found = i;
  }
  return found ? { outbox_seq: found.seq, state: found.state, error: found.error_message } : null;
}

export interface Filters {
  status: StatusFilter;
  topicId: string | null;
  organizationId: string | null;
  assignee: AssigneeFilter;
}

export function buildQuery(f: Filters, me: string | null, urgentFirst: boolean, limit: number): TicketQuery {
  return {
    status: f.status === 'all' ? null : f.status,
    topic_id: f.topicId,
    organization_id: f.organizationId,
    assignee_id: f.assignee === 'me' ? me : null,
    unassigned: f.assignee === 'unassigned',
    urgent_first: urgentFirst,
    offset: 0,
    limit,
  };
}

export class TicketsStore {
  filters = $state<Filters>({ status: 'open', topicId: null, organizationId: null, assignee: 'anyone' });
  search = $state('');
  // Raw: a read replaces the rows whole, so deep proxies on 200 rows would only cost memory.
  rows = $state.raw<Row[]>([]);
  limit = $state(PAGE);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);

  private seq = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly platform: Platform,
    private readonly opts: { urgentFirst: boolean; me: () => string | null },
  ) {}

  get searching(): boolean {
    return this.search.trim().length > 0;
  }

  /** More rows may exist beyond the page shown. */
  get more(): boolean {
    return !this.searching && this.rows.length >= this.limit;
  }

  query(): TicketQuery {
    return buildQuery(this.filters, this.opts.me(), this.opts.urgentFirst, this.limit);
  }

  /** Reads again; a call while a read is running runs once more after it (no pile-up). */
  load = (): Promise<void> => {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        await this.read();
      } while (this.again);
      this.inFlight = null;
    })();
    return this.inFlight;
  };

  private async read(): Promise<void> {
    const my = ++this.seq;
    this.loading = true;
    try {
      let rows: Row[];
      const text = this.search.trim();
      if (text) {
        const [hits, outbox] = await Promise.all([
          this.platform.search(text, SEARCH_LIMIT),
          this.platform.outbox(),
        ]);
        rows = hits.map((h) => ({
          item: { ...h.ticket, sending: sendStateFor(outbox, h.ticket.ticket.id) },
          snippet: h.snippet,
        }));
      } else {
        const items = await this.platform.tickets(this.query());
        rows = items.map((item) => ({ item, snippet: null }));
      }
      if (my !== this.seq) return;
      // The start-up measurement: when the first list's data came back from the core.
      if (!this.loaded && typeof performance.mark === 'function') performance.mark('desk:list-data');
      this.rows = rows;
      this.error = null;
    } catch (e) {
      if (my !== this.seq) return;
      this.error = (e as { message?: string }).message ?? String(e);
    } finally {
      if (my === this.seq) {
        this.loading = false;
        this.loaded = true;
      }
    }
  }

  setFilters(patch: Partial<Filters>): Promise<void> {
    this.filters = { ...this.filters, ...patch };
    this.limit = PAGE;
    return this.load();
  }

  setSearch(text: string): Promise<void> {
    this.search = text;
    return this.load();
  }

  showMore(): Promise<void> {
    this.limit += PAGE;
    return this.load();
  }

  apply = (e: ClientEvent): void => {
    if (!this.loaded) return;
    if (e.type === 'models_changed' && (e.tickets.length > 0 || e.outbox)) void this.load();
  };
}

/** Splits a search snippet into plain and highlighted parts (hits are between `[` and `]`). */
export function snippetParts(snippet: string): { text: string; hit: boolean }[] {
  const out: { text: string; hit: boolean }[] = [];
  const re = /\[([^\]]*)\]/g;
  let last = 0;
  for (let m = re.exec(snippet); m; m = re.exec(snippet)) {
    if (m.index > last) out.push({ text: snippet.slice(last, m.index), hit: false });
    out.push({ text: m[1] ?? '', hit: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) out.push({ text: snippet.slice(last), hit: false });
  return out;
}
