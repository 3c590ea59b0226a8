//! Outages as the app shows them: the open incidents I may see (a customer: those affecting
//! the organisation, for the banner; an agent: all, for the incidents screen and the queue),
//! and for agents the duty roster. Read from the local cache through the platform, re-read
//! when the core says something changed.

import type { Platform } from '../platform/platform';
import type { ClientEvent, DutyAgent, Incident, IncidentEvent, IncidentView } from '../types/bindings';
import { errorText } from '../app/errors';
import { ViewStore } from '../app/view.svelte';

/** Open and affecting `org`: a banner shows, and a new report of the same kind joins it. */
export function affects(i: Incident, org: string | null | undefined): boolean {
  return i.status === 'open' && !!org && (i.all_organizations || i.organizations.some((o) => o.id === org));
}

/** The newest entry with words for everyone (an update, the resolution), if any. */
export function latestUpdate(i: Incident): IncidentEvent | null {
  for (let k = i.timeline.length - 1; k >= 0; k--) {
    const e = i.timeline[k]!;
    if (e.body.trim() && (e.kind === 'update' || e.kind === 'resolved' || e.kind === 'reopened')) return e;
  }
  return null;
}

/** Open first; among them, the unacknowledged first; then the newest. */
export function incidentOrder(a: Incident, b: Incident): number {
  const rank = (i: Incident) => (i.status === 'open' ? (i.acknowledged_at ? 1 : 0) : 2);
  const d = rank(a) - rank(b);
  return d !== 0 ? d : b.started_at.localeCompare(a.started_at);
}

export interface IncidentsOptions {
  /** My user id. */
  me: () => string | null;
  /** My organisation (customers); null for agents. */
  org: () => string | null;
  staff: () => boolean;
}

export class IncidentsStore {
  /** Open incidents I may see, in `incidentOrder`. */
  open = $state.raw<Incident[]>([]);
  roster = $state.raw<DutyAgent[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  private seq = 0;

  constructor(
    private readonly platform: Platform,
    private readonly opts: IncidentsOptions,
  ) {}

  /** Open incidents affecting my organisation (the banner's). */
  get affecting(): Incident[] {
    const org = this.opts.org();
    return this.open.filter((i) => affects(i, org));
  }

  /** Open incidents nobody has acknowledged yet (they stand out for agents). */
  get unacknowledged(): Incident[] {
    return this.open.filter((i) => !i.acknowledged_at);
  }

  get onDuty(): boolean {
    const me = this.opts.me();
    return this.roster.some((d) => d.agent.id === me && d.on_duty);
  }

  get onDutyAgents(): DutyAgent[] {
    return this.roster.filter((d) => d.on_duty);
  }

  load = async (): Promise<void> => {
    const my = ++this.seq;
    try {
      const staff = this.opts.staff();
      const [open, roster] = await Promise.all([
        this.platform.incidents('open'),
        staff ? this.platform.dutyRoster() : Promise.resolve([] as DutyAgent[]),
      ]);
      if (my !== this.seq) return;
      this.open = open.slice().sort(incidentOrder);
      this.roster = roster;
      this.error = null;
    } catch (e) {
      if (my === this.seq) this.error = errorText(e);
    } finally {
      if (my === this.seq) this.loaded = true;
    }
  };

  /** Incidents, pages and the roster arrive with the same pulls as tickets. */
  apply = (e: ClientEvent): void => {
    if (e.type === 'incidents_changed' || e.type === 'models_changed') void this.load();
  };

  async setDuty(on: boolean): Promise<void> {
    await this.platform.setOnDuty(on);
    await this.load();
  }

  reset(): void {
    this.seq++;
    this.open = [];
    this.roster = [];
    this.loaded = false;
    this.error = null;
  }
}

/** One incident with its linked reports, re-read whenever the core says something changed. */
export class IncidentViewStore extends ViewStore<IncidentView> {
  constructor(
    platform: Platform,
    readonly id: string,
  ) {
    super(() => platform.incident(id));
  }

  get incident(): Incident | null {
    return this.view?.incident ?? null;
  }

  apply = (e: ClientEvent): void => {
    if (e.type === 'incidents_changed' || e.type === 'models_changed') void this.load();
  };
}
