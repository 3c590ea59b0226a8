import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Command } from './commands.generated';

const invoke = vi.fn();
const listen = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...a: unknown[]) => invoke(...a),
  // As Tauri builds it on Linux: the path percent-encoded after the scheme's host.
  convertFileSrc: (path: string, scheme: string) => `${scheme}://localhost/${encodeURIComponent(path)}`,
}));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...a: unknown[]) => listen(...a) }));

const { TauriPlatform, toDeskError } = await import('./tauri');
const { COMMANDS } = await import('./commands.generated');

const att = { id: 'a1', filename: 'f.png', size: 1, media_type: 'image/png', sha256: 'x' };
const prefs = {
  lang: 'uk',
  notify_support_replied: true,
  notify_ticket_resolved: true,
  notify_new_ticket: true,
  notify_urgent_ticket: true,
  notify_customer_replied: true,
  notify_incidents: true,
  sound: true,
};
const query = { status: 'open', topic_id: null, organization_id: null, assignee_id: null, unassigned: false, urgent_first: false, offset: 0, limit: 200 };
const input = { topic_id: null, subject: '', body: 'x', internal: false };

type Call = [() => Promise<unknown>, Command, Record<string, unknown> | undefined];

async function expectCalls(calls: Call[]): Promise<void> {
  for (const [run, cmd, args] of calls) {
    invoke.mockClear();
    await run();
    expect(invoke, cmd).toHaveBeenCalledWith(cmd, args);
  }
}

/** Each ticket-side method, the command it invokes and the arguments it passes. */
function ticketCalls(p: InstanceType<typeof TauriPlatform>): Call[] {
  return [
    [() => p.resume(), 'resume', undefined],
    [() => p.signIn('https://s', 'e@x', 'pw'), 'sign_in', { server: 'https://s', email: 'e@x', password: 'pw' }],
    [() => p.signOut(true), 'sign_out', { discardUnsent: true }],
    [() => p.topics(), 'topics', undefined],
    [() => p.calendar(), 'calendar', undefined],
    [() => p.expectation('tariffs'), 'expectation', { topicId: 'tariffs' }],
    [() => p.tickets(query), 'tickets', { query }],
    [() => p.ticket('t1'), 'ticket', { id: 't1' }],
    [() => p.search('дзвінки', 50), 'search', { text: 'дзвінки', limit: 50 }],
    [() => p.organizations(), 'organizations', undefined],
    [() => p.outbox(), 'outbox', undefined],
    [() => p.syncState(), 'sync_state', undefined],
    [() => p.unreadCount(), 'unread_count', undefined],
    [() => p.draft('new-ticket'), 'draft', { key: 'new-ticket' }],
    [() => p.saveDraft('reply:t1', input), 'save_draft', { key: 'reply:t1', input }],
    [() => p.attachFiles('new-ticket', ['/a']), 'attach_files', { key: 'new-ticket', paths: ['/a'] }],
    [() => p.attachBytes('new-ticket', 'a.png', new Uint8Array([1, 2, 3])), 'attach_bytes', { key: 'new-ticket', filename: 'a.png', dataBase64: 'AQID' }],
    [() => p.removeDraftFile('new-ticket', 'f1'), 'remove_draft_file', { key: 'new-ticket', fileId: 'f1' }],
    [() => p.discardDraft('new-ticket'), 'discard_draft', { key: 'new-ticket' }],
    [() => p.pickFiles(), 'pick_files', undefined],
    [() => p.submitTicketDraft(), 'submit_ticket_draft', undefined],
    [() => p.submitReplyDraft('t1'), 'submit_reply_draft', { ticketId: 't1' }],
    [() => p.setStatus('t1', 'resolved'), 'set_status', { ticketId: 't1', status: 'resolved' }],
    [() => p.assign('t1', null), 'assign', { ticketId: 't1', assigneeId: null }],
    [() => p.retry(7), 'retry', { outboxSeq: 7 }],
    [() => p.discard(7), 'discard', { outboxSeq: 7 }],
    [() => p.syncNow(), 'sync_now', undefined],
    [() => p.openAttachment(att), 'open_attachment', { attachment: att }],
    [() => p.saveAttachment(att), 'save_attachment', { attachment: att }],
    [() => p.preferences(), 'preferences', undefined],
    [() => p.setPreferences(prefs), 'set_preferences', { preferences: prefs }],
    [() => p.storageInfo(), 'storage_info', undefined],
  ];
}

/** The same for the outage methods. */
function outageCalls(p: InstanceType<typeof TauriPlatform>): Call[] {
  const announce = { kind: 'telephony' as const, title: 'Не працює телефонія', body: 'x', all_organizations: true, organization_ids: [] };
  return [
    [() => p.knownOutage('telephony'), 'known_outage', { kind: 'telephony' }],
    [() => p.submitOutageDraft(), 'submit_outage_draft', undefined],
    [() => p.incidents('open'), 'incidents', { status: 'open' }],
    [() => p.incident('i1'), 'incident', { id: 'i1' }],
    [() => p.acknowledgeIncident('i1'), 'acknowledge_incident', { id: 'i1' }],
    [() => p.postIncidentUpdate('i1', 'u'), 'post_incident_update', { id: 'i1', body: 'u' }],
    [() => p.resolveIncident('i1', 'r'), 'resolve_incident', { id: 'i1', body: 'r' }],
    [() => p.updateIncident('i1', { title: 't' }), 'update_incident', { id: 'i1', update: { title: 't' } }],
    [() => p.mergeIncidents('i1', 'i2'), 'merge_incidents', { into: 'i1', from: 'i2' }],
    [() => p.announceIncident(announce), 'announce_incident', { input: announce }],
    [() => p.dutyRoster(), 'duty_roster', undefined],
    [() => p.setOnDuty(true), 'set_on_duty', { onDuty: true }],
    [() => p.telegramLinkCode(), 'telegram_link_code', undefined],
    [() => p.telegramLinks(null), 'telegram_links', { organizationId: null }],
    [() => p.unlinkTelegram('l1'), 'unlink_telegram', { id: 'l1' }],
    [() => p.openTelegramLink('https://t.me/b?start=c'), 'open_telegram_link', { url: 'https://t.me/b?start=c' }],
    [() => p.telegramRequests(), 'telegram_requests', undefined],
    [() => p.approveTelegramRequest('r1', 'o1'), 'approve_telegram_request', { id: 'r1', organizationId: 'o1' }],
    [() => p.dismissTelegramRequest('r1'), 'dismiss_telegram_request', { id: 'r1' }],
  ];
}

describe('TauriPlatform', () => {
  beforeEach(() => {
    invoke.mockReset().mockResolvedValue(null);
    listen.mockReset().mockResolvedValue(() => {});
  });

  it('previews an image from the desk-file scheme, by ticket and attachment', () => {
    const p = new TauriPlatform();
    expect(p.previewUrl('t1', att, 2)).toBe('desk-file://localhost/t1%2Fa1?scale=2');
  });

  it('calls each command by its snake_case name with camelCase arguments', async () => {
    await expectCalls(ticketCalls(new TauriPlatform()));
  });

  it('listens to the three events and hands over their payloads', async () => {
    const p = new TauriPlatform();
    const got: unknown[] = [];
    await p.onEvent((e) => got.push(e));
    await p.onFileDrop((d) => got.push(d));
    await p.onOpenTicket((id) => got.push(id));
    expect(listen.mock.calls.map((c) => c[0])).toEqual(['desk://event', 'desk://file-drop', 'desk://open-ticket']);
    listen.mock.calls[0]![1]({ payload: { type: 'state' } });
    listen.mock.calls[1]![1]({ payload: { paths: ['/a'], x: 1, y: 2 } });
    listen.mock.calls[2]![1]({ payload: 't1' });
    expect(got).toEqual([{ type: 'state' }, { paths: ['/a'], x: 1, y: 2 }, 't1']);
  });

  it('maps the outage commands the same way', async () => {
    const p = new TauriPlatform();
    await expectCalls(outageCalls(p));
    await p.onOpenIncident(() => {});
    expect(listen.mock.calls.at(-1)![0]).toBe('desk://open-incident');
    await p.onOpenTelegramRequest(() => {});
    expect(listen.mock.calls.at(-1)![0]).toBe('desk://open-telegram-request');
  });

  it('invokes every command the app registers', async () => {
    const p = new TauriPlatform();
    for (const [run] of [...ticketCalls(p), ...outageCalls(p)]) await run();
    const invoked = new Set(invoke.mock.calls.map((c) => c[0]));
    expect([...COMMANDS].filter((c) => !invoked.has(c))).toEqual([]);
  });

  it('rejects with {code, message}', async () => {
    invoke.mockRejectedValueOnce({ code: 'invalid_credentials', message: 'Неправильна пошта або пароль.' });
    await expect(new TauriPlatform().signIn('s', 'e', 'p')).rejects.toEqual({
      code: 'invalid_credentials',
      message: 'Неправильна пошта або пароль.',
    });
    expect(toDeskError('boom')).toEqual({ code: 'internal', message: 'boom' });
  });
});
