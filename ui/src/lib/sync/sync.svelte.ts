//! The sync engine's state for the status bar: read once, then kept current by `State` events.

import type { ClientEvent, SyncState } from '../types/bindings';
import type { MessageKey, Params } from '../i18n/i18n.svelte';

export const INITIAL_SYNC: SyncState = {
  online: true,
  offline_since: null,
  syncing: false,
  pending: 0,
  failed: 0,
  last_synced: null,
  needs_sign_in: false,
};

export class SyncStore {
  state = $state<SyncState>({ ...INITIAL_SYNC });

  set(s: SyncState): void {
    this.state = s;
  }

  apply = (e: ClientEvent): void => {
    if (e.type === 'state') this.state = e.state;
  };
}

export type StatusKind = 'online' | 'offline' | 'syncing' | 'pending' | 'failed' | 'sign-in';

export interface StatusPart {
  kind: StatusKind;
  key: MessageKey;
  params?: Params;
}

/**
 * What the status bar says, most important first: the connection (offline since HH:MM /
 * syncing / online), then what waits to be sent and what the server refused.
 * `moment` formats a timestamp for "since" (time today, date and time before).
 */
export function statusParts(s: SyncState, moment: (iso: string) => string): StatusPart[] {
  const out: StatusPart[] = [];
  if (s.needs_sign_in) out.push({ kind: 'sign-in', key: 'status.needs_sign_in' });
  if (!s.online) {
    out.push(
      s.offline_since
        ? { kind: 'offline', key: 'status.offline_since', params: { time: moment(s.offline_since) } }
        : { kind: 'offline', key: 'status.offline' },
    );
  } else if (s.syncing) {
    out.push({ kind: 'syncing', key: 'status.syncing' });
  } else {
    out.push(
      s.last_synced
        ? { kind: 'online', key: 'status.online_synced', params: { time: moment(s.last_synced) } }
        : { kind: 'online', key: 'status.online' },
    );
  }
  if (s.pending > 0) out.push({ kind: 'pending', key: 'status.pending', params: { n: s.pending } });
  if (s.failed > 0) out.push({ kind: 'failed', key: 'status.failed', params: { n: s.failed } });
  return out;
}
