import { describe, expect, it } from 'vitest';
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

  it('answers errors in the chosen language', async () => {
    const p = new MockPlatform({ lang: 'en' });
    await expect(p.signIn('https://desk.example.ua', 'a@b', 'x')).rejects.toEqual({
      code: 'invalid_credentials',
      message: 'Wrong email or password.',
    });
  });
});
