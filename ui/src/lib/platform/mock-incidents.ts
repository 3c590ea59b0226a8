//! Outages in the mock platform: the incidents, the duty roster and what the server does with
//! them (a report joins the open incident of its kind that affects the organisation, or opens
//! a new one; acknowledge, update, resolve, rename, scope, merge), as the UI can tell. Kept
//! apart from mock.ts so the ticket mock stays readable; MockPlatform delegates here.

import type {
  DutyAgent,
  Incident,
  IncidentEventKind,
  OrganizationRef,
  OutageKind,
  PersonRef,
  UpdateIncident,
} from '../types/bindings';
import { AGENT, AGENT2, CUSTOMER, LVIV_DISPATCHER, ORGS, ref } from './mock-data';
import { outageTitle } from './rules';

function uuid(): string {
  const hex = '0123456789abcdef';
  let s = '';
  for (let i = 0; i < 32; i++) s += hex[Math.floor(Math.random() * 16)];
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-7${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20)}`;
}

function orgRef(id: string): OrganizationRef {
  const o = ORGS.find((x) => x.id === id);
  return { id, name: o?.name ?? '—' };
}

export function affects(i: Incident, org: string | null): boolean {
  return i.status === 'open' && org !== null && (i.all_organizations || i.organizations.some((o) => o.id === org));
}

/** Open first, then the newest. */
export function incidentOrder(a: Incident, b: Incident): number {
  if ((a.status === 'open') !== (b.status === 'open')) return a.status === 'open' ? -1 : 1;
  return b.started_at.localeCompare(a.started_at);
}

export class IncidentBook {
  incidents: Incident[] = [];
  roster: DutyAgent[] = [
    { agent: AGENT2, on_duty: true, since: '2026-11-23T18:00:00Z' },
    { agent: ref(AGENT), on_duty: false, since: '2026-11-23T18:00:00Z' },
  ];

  /**
   * The sample incidents: Rivne's telephony outage (acknowledged, with updates; ticket #1042)
   * and Lviv's program outage nobody has acknowledged yet (#1045). `ticketOf` finds a sample
   * ticket's id by number.
   */
  seed(ticketOf: (n: number) => string | undefined): void {
    const koval = ref(AGENT);
    const rivne = ORGS[0]!;
    const lviv = ORGS[1]!;
    const t1042 = ticketOf(1042);
    const t1045 = ticketOf(1045);
    const me = ref(CUSTOMER);
    this.incidents = [
      {
        id: '0190c000-0000-7000-8000-000000000001',
        kind: 'telephony',
        title: 'Не працює телефонія: SIP-провайдер',
        status: 'open',
        all_organizations: false,
        organizations: [{ id: rivne.id, name: rivne.name }],
        started_at: '2026-11-24T00:14:00Z',
        acknowledged_at: '2026-11-24T00:16:00Z',
        acknowledged_by: koval,
        resolved_at: null,
        updated_at: '2026-11-24T00:36:00Z',
        merged_into: null,
        ticket_ids: t1042 ? [t1042] : [],
        timeline: [
          { id: uuid(), kind: 'reported', body: '', author: me, at: '2026-11-24T00:14:00Z' },
          { id: uuid(), kind: 'acknowledged', body: '', author: koval, at: '2026-11-24T00:16:00Z' },
          {
            id: uuid(),
            kind: 'update',
            body: 'У провайдера аварія на лінії, обіцяють відновити до 03:30. Можемо переадресувати вхідні на резервний номер.',
            author: koval,
            at: '2026-11-24T00:36:00Z',
          },
        ],
      },
      {
        id: '0190c000-0000-7000-8000-000000000002',
        kind: 'program',
        title: 'Програма недоступна',
        status: 'open',
        all_organizations: false,
        organizations: [{ id: lviv.id, name: lviv.name }],
        started_at: '2026-11-24T12:40:00Z',
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        updated_at: '2026-11-24T12:40:00Z',
        merged_into: null,
        ticket_ids: t1045 ? [t1045] : [],
        timeline: [{ id: uuid(), kind: 'reported', body: '', author: LVIV_DISPATCHER, at: '2026-11-24T12:40:00Z' }],
      },
    ];
  }

  find(id: string): Incident | undefined {
    return this.incidents.find((i) => i.id === id);
  }

  /** What a customer of `org` may see of an incident: only their own organisation named. */
  view(i: Incident, org: string | null, visibleTickets: Set<string>): Incident {
    const copy = structuredClone(i);
    if (org !== null) {
      copy.organizations = copy.organizations.filter((o) => o.id === org);
      copy.ticket_ids = copy.ticket_ids.filter((t) => visibleTickets.has(t));
    }
    return copy;
  }

  known(kind: OutageKind, org: string | null): Incident | undefined {
    return this.incidents.find((i) => i.kind === kind && affects(i, org));
  }

  private event(i: Incident, kind: IncidentEventKind, author: PersonRef, body = ''): void {
    const at = new Date().toISOString();
    i.timeline.push({ id: uuid(), kind, body, author, at });
    i.updated_at = at;
  }

  /**
   * A report reached the server: it joins the open incident of its kind, or opens one under
   * the rules' title (in Ukrainian: an incident is shown to dispatchers of many organisations).
   */
  report(kind: OutageKind, org: string, ticketId: string, author: PersonRef): { incident: Incident; alreadyKnown: boolean } {
    const open = this.known(kind, org);
    if (open) {
      if (!open.ticket_ids.includes(ticketId)) open.ticket_ids.push(ticketId);
      return { incident: open, alreadyKnown: true };
    }
    const at = new Date().toISOString();
    const i: Incident = {
      id: uuid(),
      kind,
      title: outageTitle(kind, 'uk'),
      status: 'open',
      all_organizations: false,
      organizations: [orgRef(org)],
      started_at: at,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      updated_at: at,
      merged_into: null,
      ticket_ids: [ticketId],
      timeline: [],
    };
    this.event(i, 'reported', author);
    this.incidents.unshift(i);
    return { incident: i, alreadyKnown: false };
  }

  acknowledge(i: Incident, by: PersonRef): void {
    if (i.acknowledged_at) return;
    this.event(i, 'acknowledged', by);
    i.acknowledged_at = i.updated_at;
    i.acknowledged_by = by;
  }

  update(i: Incident, by: PersonRef, body: string): void {
    this.event(i, 'update', by, body);
  }

  resolve(i: Incident, by: PersonRef, body: string): void {
    this.event(i, 'resolved', by, body);
    i.status = 'resolved';
    i.resolved_at = i.updated_at;
  }

  patch(i: Incident, u: UpdateIncident): void {
    if (u.title != null) i.title = u.title.trim();
    if (u.all_organizations != null) i.all_organizations = u.all_organizations;
    if (u.organization_ids != null) i.organizations = u.organization_ids.map(orgRef);
    i.updated_at = new Date().toISOString();
  }

  merge(into: Incident, from: Incident): void {
    for (const t of from.ticket_ids) if (!into.ticket_ids.includes(t)) into.ticket_ids.push(t);
    for (const o of from.organizations) if (!into.organizations.some((x) => x.id === o.id)) into.organizations.push(o);
    into.all_organizations ||= from.all_organizations;
    from.status = 'merged';
    from.merged_into = into.id;
    from.ticket_ids = [];
    into.updated_at = new Date().toISOString();
    from.updated_at = into.updated_at;
  }

  announce(kind: OutageKind, title: string, body: string, all: boolean, orgs: string[], by: PersonRef): Incident {
    const at = new Date().toISOString();
    const i: Incident = {
      id: uuid(),
      kind,
      title: title.trim(),
      status: 'open',
      all_organizations: all,
      organizations: all ? [] : orgs.map(orgRef),
      started_at: at,
      acknowledged_at: at,
      acknowledged_by: by,
      resolved_at: null,
      updated_at: at,
      merged_into: null,
      ticket_ids: [],
      timeline: [],
    };
    if (body.trim()) this.event(i, 'update', by, body.trim());
    this.incidents.unshift(i);
    return i;
  }

  setDuty(me: PersonRef, onDuty: boolean): DutyAgent {
    let d = this.roster.find((r) => r.agent.id === me.id);
    if (!d) {
      d = { agent: me, on_duty: onDuty, since: new Date().toISOString() };
      this.roster.push(d);
    } else if (d.on_duty !== onDuty) {
      d.on_duty = onDuty;
      d.since = new Date().toISOString();
    }
    return d;
  }
}
