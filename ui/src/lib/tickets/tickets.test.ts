import { describe, expect, it } from 'vitest';
import { MockPlatform } from '../platform/mock';
import { AGENT } from '../platform/mock-data';
import { TicketsStore, buildQuery, sendStateFor, snippetParts } from './tickets.svelte';
import type { OutboxItem } from '../types/bindings';

describe('buildQuery', () => {
  it('maps the assignee filter to the query', () => {
    const f = { status: 'open' as const, topicId: null, organizationId: 'o1', assignee: 'me' as const };
    expect(buildQuery(f, 'u1', true, 200)).toMatchObject({
      status: 'open',
      organization_id: 'o1',
      assignee_id: 'u1',
      unassigned: false,
      urgent_first: true,
    });
    expect(buildQuery({ ...f, assignee: 'unassigned', status: 'all' }, 'u1', false, 200)).toMatchObject({
      status: null,
      assignee_id: null,
      unassigned: true,
    });
  });
});

describe('snippetParts', () => {
  it('marks the hits', () => {
    expect(snippetParts('…не [проходять] вхідні [дзвінки]')).toEqual([
      { text: '…не ', hit: false },
      { text: 'проходять', hit: true },
      { text: ' вхідні ', hit: false },
      { text: 'дзвінки', hit: true },
    ]);
  });
});

describe('sendStateFor', () => {
  it('shows a failure before a pending write', () => {
    const base = {
      entity_id: 'x',
      op: { type: 'add_message' as const, body: '', internal: false },
      attempts: 0,
      next_attempt_at: 0,
      error_code: null,
      created_at: 0,
      files: [],
    };
    const items: OutboxItem[] = [
      { ...base, seq: 1, ticket_id: 't', state: 'pending', error_message: null },
      { ...base, seq: 2, ticket_id: 't', state: 'failed', error_message: 'Відмовлено' },
    ];
    expect(sendStateFor(items, 't')).toEqual({ outbox_seq: 2, state: 'failed', error: 'Відмовлено' });
    expect(sendStateFor(items, 'other')).toBeNull();
  });
});

describe('TicketsStore', () => {
  it('lists open tickets, then all, then searches', async () => {
    const p = new MockPlatform({ account: 'customer' });
    const s = new TicketsStore(p, { urgentFirst: false, me: () => null });
    await s.load();
    expect(s.rows.every((r) => ['new', 'in_progress', 'waiting_for_customer'].includes(r.item.ticket.status))).toBe(true);
    await s.setFilters({ status: 'resolved' });
    expect(s.rows.map((r) => r.item.ticket.number).sort()).toEqual([1027, 1031]);
    await s.setSearch('нічну');
    expect(s.rows.length).toBe(1);
    expect(s.rows[0]?.snippet).toContain('[нічну]');
  });

  it('reloads when the core reports changed tickets', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false });
    const s = new TicketsStore(p, { urgentFirst: false, me: () => null });
    await s.load();
    const before = s.rows.length;
    await p.saveDraft('new-ticket', { topic_id: 'other', subject: 'Нове', body: 'Текст', internal: false });
    await p.submitTicketDraft();
    s.apply({ type: 'models_changed', tickets: ['x'], topics: false, outbox: true });
    await s.load();
    expect(s.rows.length).toBe(before + 1);
    expect(s.rows[0]?.item.sending?.state).toBe('pending');
  });

  it('puts urgent tickets first in the agents queue', async () => {
    const p = new MockPlatform({ account: 'agent', unsent: false });
    const s = new TicketsStore(p, { urgentFirst: true, me: () => AGENT.id });
    await s.setFilters({ status: 'all' });
    const urgent = s.rows.map((r) => r.item.ticket.urgent);
    expect(urgent.indexOf(false)).toBeGreaterThan(0);
    expect(urgent.slice(urgent.indexOf(false)).includes(true)).toBe(false);
  });
});
