import { describe, expect, it } from 'vitest';
import { INITIAL_SYNC, SyncStore, statusParts } from './sync.svelte';

const moment = (iso: string) => `@${iso.slice(11, 16)}`;

describe('statusParts', () => {
  it('says online with the last sync time', () => {
    expect(statusParts({ ...INITIAL_SYNC, last_synced: '2026-11-24T12:05:00Z' }, moment)).toEqual([
      { kind: 'online', key: 'status.online_synced', params: { time: '@12:05' } },
    ]);
  });

  it('says offline since, then what waits and what failed', () => {
    const parts = statusParts(
      { ...INITIAL_SYNC, online: false, offline_since: '2026-11-24T00:14:00Z', pending: 3, failed: 1 },
      moment,
    );
    expect(parts.map((p) => p.kind)).toEqual(['offline', 'pending', 'failed']);
    expect(parts[0]?.params).toEqual({ time: '@00:14' });
    expect(parts[1]?.params).toEqual({ n: 3 });
  });

  it('says syncing while online and busy', () => {
    expect(statusParts({ ...INITIAL_SYNC, syncing: true }, moment)[0]?.kind).toBe('syncing');
  });

  it('puts a lost session first', () => {
    expect(statusParts({ ...INITIAL_SYNC, needs_sign_in: true }, moment)[0]?.kind).toBe('sign-in');
  });
});

describe('SyncStore', () => {
  it('applies State events and ignores others', () => {
    const s = new SyncStore();
    s.apply({ type: 'models_changed', tickets: [], topics: false, outbox: true });
    expect(s.state.pending).toBe(0);
    s.apply({ type: 'state', state: { ...INITIAL_SYNC, pending: 2 } });
    expect(s.state.pending).toBe(2);
  });
});
