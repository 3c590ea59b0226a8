import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { renderApp } from '../testing/app';
import { ORGS } from '../platform/mock-data';

async function openIncidents() {
  const r = await renderApp({ account: 'agent' });
  await fireEvent.click(screen.getByTestId('nav-incidents'));
  await screen.findByTestId('tg-requests');
  await waitFor(() => expect(screen.getAllByTestId('tg-request').length).toBe(2));
  return r;
}

function request(id: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="tg-request"][data-request-id="${id}"]`);
  if (!el) throw new Error(`no request ${id}`);
  return el;
}

describe('agents: unverified messages from Telegram', () => {
  it('lists waiting ones newest first, a report marked as a possible outage, the named service chosen', async () => {
    const { platform } = await openIncidents();
    const [report, link] = platform.telegram.requests;
    const items = screen.getAllByTestId('tg-request');
    expect(items.map((i) => i.getAttribute('data-request-id'))).toEqual([report!.id, link!.id]);
    const r = request(report!.id);
    expect(within(r).getByTestId('tg-request-report').textContent).toBe('Можливий збій');
    expect(within(r).getByTestId('tg-request-chat').textContent).toBe('Олег Петренко · особистий чат · Бот для збоїв');
    expect(r.textContent).toContain('Олег Петренко (@oleh_blyskavka)');
    expect(within(r).getByTestId('tg-request-text').textContent).toContain('не працює телефонія з 01:50');
    expect(r.textContent).toContain(`У повідомленні названо службу: ${ORGS[0]!.name}.`);
    expect((within(r).getByTestId('tg-request-org') as HTMLSelectElement).value).toBe(ORGS[0]!.id);
    expect(within(request(link!.id)).queryByTestId('tg-request-report')).toBeNull();
    expect(screen.getByTestId('tg-requests-count').textContent).toBe('2');
  });

  it('attaches a report to the chosen service and shows who decided and the ticket it became', async () => {
    const { platform } = await openIncidents();
    const report = platform.telegram.requests[0]!;
    const approve = vi.spyOn(platform, 'approveTelegramRequest');
    const r = request(report.id);
    // The search narrows the list; another service is chosen.
    await fireEvent.input(within(r).getByTestId('tg-request-search'), { target: { value: 'львів' } });
    const select = within(r).getByTestId('tg-request-org') as HTMLSelectElement;
    const names = [...select.options].map((o) => o.textContent);
    // The chosen (suggested) one stays; of the rest only what matches.
    expect(names).toContain(ORGS[1]!.name);
    expect(names).toContain(ORGS[0]!.name);
    expect(names).not.toContain(ORGS[2]!.name);
    await fireEvent.change(select, { target: { value: ORGS[1]!.id } });
    await fireEvent.click(within(r).getByTestId('tg-request-approve'));
    expect(approve).toHaveBeenCalledWith(report.id, ORGS[1]!.id);
    await waitFor(() => expect(request(report.id).getAttribute('data-status')).toBe('approved'));
    const outcome = within(request(report.id)).getByTestId('tg-request-outcome').textContent!;
    expect(outcome).toContain(`Прив’язано до «${ORGS[1]!.name}» — Андрій Коваль`);
    const link = within(request(report.id)).getByTestId('tg-request-ticket');
    expect(link.textContent).toBe('Звернення #9001');
    const open = vi.spyOn(platform, 'ticket');
    await fireEvent.click(link);
    await waitFor(() => expect(open).toHaveBeenCalledWith(platform.telegram.requests[0]!.ticket_id));
  });

  it('asks for a service when the message names none, dismisses, and says plainly when offline', async () => {
    const { platform } = await openIncidents();
    const link = platform.telegram.requests[1]!;
    const r = request(link.id);
    expect(r.textContent).toContain('З повідомлення не видно, яка це служба');
    await fireEvent.click(within(r).getByTestId('tg-request-approve'));
    expect(within(r).getByTestId('tg-request-error').textContent).toBe('Спершу оберіть службу, до якої прив’язати цей чат.');
    platform.setOnline(false);
    await waitFor(() => expect(screen.getByTestId('tg-requests-offline')).toBeTruthy());
    expect((within(r).getByTestId('tg-request-dismiss') as HTMLButtonElement).disabled).toBe(true);
    platform.setOnline(true);
    await waitFor(() => expect((within(request(link.id)).getByTestId('tg-request-dismiss') as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(within(request(link.id)).getByTestId('tg-request-dismiss'));
    await waitFor(() => expect(request(link.id).getAttribute('data-status')).toBe('dismissed'));
    expect(within(request(link.id)).getByTestId('tg-request-outcome').textContent).toContain('Відхилено — Андрій Коваль');
  });

  it('shows a new message as it arrives, and a click on its notification opens the section on it', async () => {
    const { platform } = await renderApp({ account: 'agent' });
    await screen.findByTestId('nav-incidents');
    const fresh = platform.telegramWrite('alert', { id: 555, kind: 'group', title: 'Диспетчерська Оптими' }, 'Наталія', 'Оптима: програма не відкривається', ORGS[2]!.id);
    platform.clickTelegramRequestNotification(fresh.id);
    await screen.findByTestId('tg-requests');
    await waitFor(() => expect(request(fresh.id).classList.contains('focused')).toBe(true));
    expect(within(request(fresh.id)).getByTestId('tg-request-chat').textContent).toBe('Диспетчерська Оптими · група · Бот для збоїв');
  });
});
