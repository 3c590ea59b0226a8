import { describe, expect, it } from 'vitest';
import { AGENT } from './mock-data';
import { MockPlatform } from './mock';

const all = { status: null, topic_id: null, organization_id: null, assignee_id: null, unassigned: false, urgent_first: false, offset: 0, limit: null };

describe('MockPlatform', () => {
  it('shows a customer only their organisation and no internal notes', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false });
    const items = await p.tickets(all);
    expect(new Set(items.map((i) => i.ticket.organization_name))).toEqual(new Set(['Таксі «Блискавка», Рівне']));
    const t1042 = items.find((i) => i.ticket.number === 1042)!;
    const view = await p.ticket(t1042.ticket.id);
    expect(view?.messages.some((m) => m.message.internal)).toBe(false);
  });

  it('keeps writes made offline and sends them in order when online', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false, online: false });
    await p.saveDraft('new-ticket', { topic_id: 'other', subject: 'A', body: 'a', internal: false });
    const a = await p.submitTicketDraft();
    await p.saveDraft('new-ticket', { topic_id: 'other', subject: 'B', body: 'b', internal: false });
    const b = await p.submitTicketDraft();
    expect((await p.syncState()).pending).toBe(2);
    p.deliver();
    expect((await p.syncState()).pending).toBe(2);
    p.setOnline(true);
    const numbers = (await p.tickets(all)).filter((i) => [a, b].includes(i.ticket.id)).map((i) => [i.ticket.subject, i.ticket.number]);
    expect(numbers.sort()).toEqual([
      ['A', 1046],
      ['B', 1047],
    ]);
  });

  it('refuses to sign out with unsent writes unless told to discard them', async () => {
    const p = new MockPlatform({ account: 'customer' });
    await expect(p.signOut(false)).rejects.toMatchObject({ code: 'unsent_items' });
    await p.signOut(true);
    expect(await p.resume()).toBeNull();
  });

  it('puts the text of a discarded reply back into its draft', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false });
    const [first] = await p.tickets(all);
    const key = `reply:${first!.ticket.id}`;
    await p.saveDraft(key, { topic_id: null, subject: '', body: 'Відповідь', internal: false });
    await p.submitReplyDraft(first!.ticket.id);
    expect(await p.draft(key)).toBeNull();
    p.failNext('ticket_closed', 'Звернення закрите.');
    p.deliver();
    const [item] = await p.outbox();
    expect(item?.state).toBe('failed');
    await p.discard(item!.seq);
    expect((await p.draft(key))?.body).toBe('Відповідь');
  });

  // The rules come from rules.generated.json (desk_domain::rules); these are the answers the
  // mock once got wrong by keeping its own copy.
  it('reopens a resolved ticket when the customer replies, to whoever had it', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false });
    const t = (await p.tickets(all)).find((i) => i.ticket.number === 1031)!.ticket;
    expect([t.status, t.assignee !== null, t.resolved_at !== null]).toEqual(['resolved', true, true]);
    await p.saveDraft(`reply:${t.id}`, { topic_id: null, subject: '', body: 'Знову не працює', internal: false });
    await p.submitReplyDraft(t.id);
    const after = (await p.ticket(t.id))!.item.ticket;
    expect([after.status, after.resolved_at]).toEqual(['in_progress', null]);
  });

  it('refuses, when sent, a customer reply to a closed ticket and leaves it closed', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false });
    const t = (await p.tickets(all)).find((i) => i.ticket.number === 1027)!.ticket;
    await p.saveDraft(`reply:${t.id}`, { topic_id: null, subject: '', body: 'Ще одне питання', internal: false });
    await p.submitReplyDraft(t.id);
    expect((await p.ticket(t.id))!.item.ticket.status).toBe('closed');
    p.deliver();
    const [item] = await p.outbox();
    expect([item?.state, item?.error_code]).toEqual(['failed', 'ticket_closed']);
  });

  it('keeps the status when an agent assigns a new ticket', async () => {
    const p = new MockPlatform({ account: 'agent', unsent: false });
    const t = (await p.tickets(all)).find((i) => i.ticket.number === 1044)!.ticket;
    await p.assign(t.id, AGENT.id);
    const after = (await p.ticket(t.id))!.item.ticket;
    expect([after.status, after.assignee?.id]).toEqual(['new', AGENT.id]);
  });

  it('gives a customer reopening a resolved ticket the status the rules give', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false });
    const t = (await p.tickets(all)).find((i) => i.ticket.number === 1031)!.ticket;
    await p.setStatus(t.id, 'new');
    expect((await p.ticket(t.id))!.item.ticket.status).toBe('in_progress');
  });

  it('titles an «other» outage as the server does', async () => {
    const p = new MockPlatform({ account: 'customer', unsent: false, lang: 'en' });
    await p.saveDraft('outage', { topic_id: 'other', subject: '', body: 'Nothing works', internal: false });
    const id = await p.submitOutageDraft();
    expect((await p.ticket(id))!.item.ticket.subject).toBe('Critical failure');
    p.deliver();
    const incident = (await p.incidents('open')).find((i) => i.ticket_ids.includes(id))!;
    expect([incident.kind, incident.title]).toEqual(['other', 'Критична несправність']);
  });

  it('answers errors in the chosen language', async () => {
    const p = new MockPlatform({ lang: 'en' });
    await expect(p.signIn('https://desk.example.ua', 'a@b', 'x')).rejects.toEqual({
      code: 'invalid_credentials',
      message: 'Wrong email or password.',
    });
  });
});
