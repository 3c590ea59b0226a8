import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { renderApp, row, waitForRows } from '../testing/app';
import { ORGS } from '../platform/mock-data';
import { minutesLeft, renewAt, timing } from './telegram';

const saved = { ...timing };
afterEach(() => Object.assign(timing, saved));

async function openCard(opts = {}) {
  const r = await renderApp({ account: 'customer', ...opts });
  await fireEvent.click(screen.getByTestId('nav-account'));
  await screen.findByTestId('telegram-card');
  return r;
}

async function connect() {
  await fireEvent.click(await screen.findByTestId('telegram-connect'));
  return await screen.findByTestId('telegram-code');
}

describe('the Telegram card', () => {
  it('lists the linked chats: title, kind, bot and when', async () => {
    await openCard();
    const rows = await screen.findAllByTestId('telegram-link-row');
    expect(rows).toHaveLength(1);
    expect(within(rows[0]!).getByTestId('telegram-chat-title').textContent).toBe('Оксана Мельник');
    expect(rows[0]!.textContent).toContain('особистий чат · Бот підтримки · з 20.11.2026');
  });

  it('shows each bot with what it is for, its t.me link and its QR code, and the group link', async () => {
    const { platform } = await openCard();
    const box = await connect();
    const code = box.getAttribute('data-code')!;
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    const bots = within(box).getAllByTestId('telegram-bot');
    expect(bots.map((b) => b.getAttribute('data-bot'))).toEqual(['support', 'alert']);
    expect(bots[0]!.textContent).toContain('Відповіді фахівців на ваші звернення');
    expect(bots[1]!.textContent).toContain('Повідомити про збій навіть уночі');
    const links = within(box).getAllByTestId('telegram-link').map((l) => l.textContent);
    expect(links).toEqual([`https://t.me/desk_support_bot?start=${code}`, `https://t.me/desk_alert_bot?start=${code}`]);
    // The QR code carries the same link, drawn here as SVG.
    const qrs = within(box).getAllByTestId('telegram-qr');
    expect(qrs.map((q) => q.getAttribute('data-text'))).toEqual(links);
    expect(qrs[0]!.querySelector('path')!.getAttribute('d')!.length).toBeGreaterThan(100);
    expect(qrs[0]!.getAttribute('aria-label')).toBe('QR-код посилання на Бот підтримки');
    expect(within(box).getByTestId('telegram-group-link').textContent).toBe(`https://t.me/desk_support_bot?startgroup=${code}`);
    // Opened in the system's browser.
    await fireEvent.click(within(bots[1]!).getByTestId('telegram-open'));
    expect(platform.openedLinks).toEqual([`https://t.me/desk_alert_bot?start=${code}`]);
    expect(within(box).getByTestId('telegram-expires').textContent).toMatch(/Посилання діє до \d\d:\d\d \(ще 10 хв\)/);
  });

  it('shows a chat as soon as someone presses Start with the code', async () => {
    timing.pollMs = 40;
    const { platform } = await openCard();
    const code = (await connect()).getAttribute('data-code')!;
    const linked = platform.telegram.start('support', code, { id: -100500, kind: 'supergroup', title: 'Диспетчерська Блискавки' });
    expect(linked).not.toBeNull();
    expect((await screen.findByTestId('telegram-just-linked')).textContent).toBe('Підключено: Диспетчерська Блискавки (Бот підтримки).');
    const titles = screen.getAllByTestId('telegram-chat-title').map((x) => x.textContent);
    expect(titles).toEqual(['Диспетчерська Блискавки', 'Оксана Мельник']);
    expect(screen.getAllByTestId('telegram-link-row')[0]!.textContent).toContain('група · Бот підтримки');
    // The same code works once with each bot.
    expect(platform.telegram.start('support', code, { id: 1, kind: 'private', title: 'x' })).toBeNull();
    expect(platform.telegram.start('alert', code, { id: 1, kind: 'private', title: 'x' })).not.toBeNull();
  });

  it('renews the code before it runs out while the card is open', async () => {
    timing.tickMs = 20;
    const { platform } = await openCard();
    platform.telegram.ttlMs = 600;
    const first = (await connect()).getAttribute('data-code');
    await waitFor(() => expect(screen.getByTestId('telegram-code').getAttribute('data-code')).not.toBe(first), { timeout: 2000 });
    // The new code is shown before the first one's time is up, with its own QR.
    const code = screen.getByTestId('telegram-code').getAttribute('data-code')!;
    expect(screen.getAllByTestId('telegram-qr')[0]!.getAttribute('data-text')).toContain(code);
    expect(screen.queryByTestId('telegram-expired')).toBeNull();
  });

  it('says the link has expired when it could not be renewed, and offers a new one', async () => {
    timing.tickMs = 20;
    const { platform } = await openCard();
    platform.telegram.ttlMs = 400;
    await connect();
    platform.telegramFailure = { code: 'internal', message: 'Внутрішня помилка сервера.' };
    expect((await screen.findByTestId('telegram-error')).textContent).toContain('Сервер підтримки не відповів як слід');
    expect((await screen.findByTestId('telegram-expired', {}, { timeout: 2000 })).textContent).toContain('застаріло');
    expect(screen.queryByTestId('telegram-code')).toBeNull();
    expect(screen.getByTestId('telegram-connect')).toBeTruthy();
  });

  it('unlinks a chat only after confirmation', async () => {
    const { platform } = await openCard();
    await screen.findAllByTestId('telegram-link-row');
    await fireEvent.click(screen.getByTestId('telegram-unlink'));
    const dialog = await screen.findByTestId('telegram-unlink-dialog');
    expect(dialog.textContent).toContain('«Оксана Мельник» більше не отримуватиме повідомлень від бота: бот підтримки.');
    await fireEvent.click(within(dialog).getByText('Скасувати'));
    await waitFor(() => expect(screen.queryByTestId('telegram-unlink-dialog')).toBeNull());
    expect(platform.telegram.active(ORGS[0]!.id)).toHaveLength(1);
    await fireEvent.click(screen.getByTestId('telegram-unlink'));
    await fireEvent.click(await screen.findByTestId('telegram-unlink-confirm'));
    expect(await screen.findByTestId('telegram-none')).toBeTruthy();
    expect(platform.telegram.active(ORGS[0]!.id)).toHaveLength(0);
  });

  it('says so when the server runs no bot', async () => {
    const { platform } = await openCard();
    platform.telegram.bots = [];
    await fireEvent.click(await screen.findByTestId('telegram-connect'));
    expect((await screen.findByTestId('telegram-error')).textContent).toContain('На сервері підтримки ще не налаштовано Telegram');
    expect(screen.queryByTestId('telegram-code')).toBeNull();
  });

  it('offline: the chats as last read, and that linking needs the connection', async () => {
    const { platform } = await openCard();
    await screen.findAllByTestId('telegram-link-row');
    platform.setOnline(false);
    expect((await screen.findByTestId('telegram-offline')).textContent).toContain('підключити чи відключити Telegram зараз не вийде');
    await waitFor(() => expect(screen.getByTestId('telegram-offline').textContent).toContain('Список чатів — станом на'));
    expect(screen.getAllByTestId('telegram-link-row')).toHaveLength(1);
    expect((screen.getByTestId('telegram-connect') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('telegram-unlink') as HTMLButtonElement).disabled).toBe(true);
  });

  it('speaks English too', async () => {
    await openCard({ lang: 'en' });
    await connect();
    expect(screen.getByTestId('telegram-card').textContent).toContain('Report an outage even at night and hear when it is fixed.');
    expect(screen.getByTestId('telegram-group').textContent).toContain('For the dispatch office');
  });

  it('is not on an agent’s account page', async () => {
    await renderApp({ account: 'agent' });
    await fireEvent.click(screen.getByTestId('nav-account'));
    await screen.findByTestId('account-screen');
    expect(screen.queryByTestId('telegram-card')).toBeNull();
  });
});

describe('the renewal clock', () => {
  it('renews a minute ahead, or a fifth of a short life ahead', () => {
    expect(renewAt(0, 600_000)).toBe(540_000);
    expect(renewAt(0, 1000)).toBe(800);
    expect(minutesLeft(0, 20_000)).toBe(1);
    expect(minutesLeft(0, 600_000)).toBe(10);
    expect(minutesLeft(10, 0)).toBe(0);
  });
});

describe('the agent’s Telegram mark on a ticket', () => {
  async function agentOpens(number: number) {
    const r = await renderApp({ account: 'agent' });
    await waitForRows();
    r.desk.openTicket(row(number).getAttribute('data-ticket-id')!);
    return await screen.findByTestId('ticket-telegram');
  }

  it('names the bots the organisation has linked', async () => {
    expect((await agentOpens(1045)).textContent?.trim()).toBe('Telegram підключено: підтримка, збої');
  });

  it('shows the support bot alone for Rivne', async () => {
    expect((await agentOpens(1044)).getAttribute('data-bots')).toBe('support');
  });

  it('says when nothing is linked', async () => {
    expect((await agentOpens(1040)).textContent?.trim()).toBe('Telegram не підключено');
  });
});

describe('the Telegram card: link requests naming the service', () => {
  it('shows a chat that named the service, with what approving means, and approves it', async () => {
    const { platform } = await openCard();
    const box = await screen.findByTestId('tg-card-requests');
    expect(box.textContent).toContain('чат отримуватиме відповіді підтримки та новини про збої вашої служби');
    const items = within(box).getAllByTestId('tg-card-request');
    // Only the request naming this service (Rivne), not the one naming none.
    expect(items).toHaveLength(1);
    expect(items[0]!.textContent).toContain('Олег Петренко');
    expect(items[0]!.textContent).toContain('(особистий чат)');
    expect(items[0]!.textContent).toContain('Бот для збоїв');
    expect(within(items[0]!).getByTestId('tg-card-request-text').textContent).toContain('не працює телефонія');
    await fireEvent.click(within(items[0]!).getByTestId('tg-card-request-approve'));
    await waitFor(() => expect(screen.queryByTestId('tg-card-requests')).toBeNull());
    expect(platform.telegram.requests[0]!.status).toBe('approved');
    expect(platform.telegram.requests[0]!.attached_to).toBe(ORGS[0]!.id);
    // The chat is linked now and listed.
    await waitFor(() => expect(screen.getAllByTestId('telegram-link-row')).toHaveLength(2));
  });

  it('says when another dispatcher decided first, and offline keeps the list but not the buttons', async () => {
    const { platform } = await openCard();
    const item = await screen.findByTestId('tg-card-request');
    platform.setOnline(false);
    await screen.findByTestId('tg-card-requests-offline');
    expect((within(screen.getByTestId('tg-card-request')).getByTestId('tg-card-request-dismiss') as HTMLButtonElement).disabled).toBe(true);
    platform.setOnline(true);
    await waitFor(() => expect(screen.queryByTestId('tg-card-requests-offline')).toBeNull());
    // Someone else dismissed it meanwhile.
    const r = platform.telegram.requests[0]!;
    platform.telegram.dismiss(r, { id: 'x', name: 'Інший диспетчер', role: 'customer' });
    expect(item).toBeTruthy();
    await fireEvent.click(within(screen.getByTestId('tg-card-request')).getByTestId('tg-card-request-approve'));
    expect((await screen.findByTestId('tg-card-request-error')).textContent).toContain('Цей запит уже розглянуто');
  });
});
