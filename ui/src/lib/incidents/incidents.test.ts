import { describe, expect, it, vi } from 'vitest';
import type { Incident } from '../types/bindings';
import { IncidentsStore, affects, incidentOrder, latestUpdate } from './incidents.svelte';
import { MockPlatform } from '../platform/mock';
import { AGENT, ORGS } from '../platform/mock-data';

const P = { id: 'p', name: 'Ірина Бондар', role: 'agent' as const };

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'i1',
    kind: 'telephony',
    title: 'Не працює телефонія',
    status: 'open',
    all_organizations: false,
    organizations: [{ id: 'o1', name: 'Таксі Ластівка' }],
    started_at: '2026-11-24T00:10:00Z',
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    updated_at: '2026-11-24T00:10:00Z',
    merged_into: null,
    ticket_ids: [],
    timeline: [],
    ...over,
  };
}

describe('incidents', () => {
  it('affects an organisation while open, when named or when all are', () => {
    expect(affects(incident(), 'o1')).toBe(true);
    expect(affects(incident(), 'o2')).toBe(false);
    expect(affects(incident({ all_organizations: true, organizations: [] }), 'o2')).toBe(true);
    expect(affects(incident({ status: 'resolved' }), 'o1')).toBe(false);
    expect(affects(incident(), null)).toBe(false);
  });

  it('finds the latest update with words for everyone', () => {
    const i = incident({
      timeline: [
        { id: '1', kind: 'reported', body: '', author: P, at: '2026-11-24T00:10:00Z' },
        { id: '2', kind: 'update', body: 'Провайдер відновлює лінію', author: P, at: '2026-11-24T00:20:00Z' },
        { id: '3', kind: 'acknowledged', body: '', author: P, at: '2026-11-24T00:21:00Z' },
      ],
    });
    expect(latestUpdate(i)?.body).toBe('Провайдер відновлює лінію');
    expect(latestUpdate(incident())).toBeNull();
  });

  it('orders unacknowledged open incidents first, then acknowledged, then past ones', () => {
    const list = [
      incident({ id: 'past', status: 'resolved', started_at: '2026-11-24T03:00:00Z' }),
      incident({ id: 'acked', acknowledged_at: '2026-11-24T00:12:00Z', started_at: '2026-11-24T02:00:00Z' }),
      incident({ id: 'new', started_at: '2026-11-24T01:00:00Z' }),
    ];
    expect(list.sort(incidentOrder).map((i) => i.id)).toEqual(['new', 'acked', 'past']);
  });

  it('gives a customer only the incidents of their organisation, and an agent all with the roster', async () => {
    const customer = new MockPlatform({ account: 'customer' });
    const cs = new IncidentsStore(customer, { me: () => null, org: () => ORGS[0]!.id, staff: () => false });
    await cs.load();
    expect(cs.open.map((i) => i.title)).toEqual(['Не працює телефонія: SIP-провайдер']);
    expect(cs.affecting).toHaveLength(1);
    expect(cs.open[0]!.organizations.map((o) => o.name)).toEqual([ORGS[0]!.name]);

    const agent = new MockPlatform({ account: 'agent' });
    const as = new IncidentsStore(agent, { me: () => AGENT.id, org: () => null, staff: () => true });
    await as.load();
    expect(as.open).toHaveLength(2);
    expect(as.unacknowledged.map((i) => i.title)).toEqual(['Програма недоступна']);
    expect(as.onDuty).toBe(false);
    expect(as.onDutyAgents.map((d) => d.agent.name)).toEqual(['Ірина Бондар']);
    await as.setDuty(true);
    expect(as.onDuty).toBe(true);
  });
});

describe('incidents store events', () => {
  it('re-reads on an incidents event alone (another agent went on duty)', async () => {
    const agent = new MockPlatform({ account: 'agent' });
    const store = new IncidentsStore(agent, { me: () => AGENT.id, org: () => null, staff: () => true });
    await store.load();
    expect(store.onDutyAgents).toHaveLength(1);
    agent.book.roster[1]!.on_duty = true;
    store.apply({ type: 'incidents_changed', incidents: [], pages: false, duty: true, telegram_requests: false });
    await new Promise((r) => setTimeout(r, 0));
    expect(store.onDutyAgents.map((d) => d.agent.name)).toEqual(['Ірина Бондар', 'Андрій Коваль']);
    // The sync state alone does not touch incidents.
    const reads = vi.spyOn(agent, 'incidents');
    store.apply({ type: 'state', state: await agent.syncState() });
    expect(reads).not.toHaveBeenCalled();
  });
});
