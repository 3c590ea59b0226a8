import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { renderApp, row, rowNumbers, waitForRows } from '../testing/app';

describe('ticket list', () => {
  it('shows number, subject, topic, status and dates in the office timezone', async () => {
    await renderApp({ account: 'customer' });
    await waitForRows();
    const r = row(1044);
    expect(within(r).getByTestId('ticket-number').textContent?.trim()).toBe('#1044');
    expect(within(r).getByTestId('ticket-subject').textContent).toBe('Водій з позивним 512 не бачить замовлень в ефірі');
    expect(within(r).getByTestId('ticket-topic').textContent?.trim()).toBe('Водії та застосунок водія');
    expect(within(r).getByTestId('ticket-status').textContent).toBe('Нове');
    // 12:05 UTC → 14:05 in Kyiv
    expect(within(r).getByTestId('ticket-created').textContent).toBe('24.11.2026, 14:05');
    expect(within(r).getByTestId('ticket-resolved').textContent).toBe('');
  });

  it('filters open / resolved / all and shows the resolution date', async () => {
    await renderApp({ account: 'customer', unsent: false });
    await waitForRows();
    expect(rowNumbers().sort()).toEqual(['1038', '1042', '1044']);
    await fireEvent.click(screen.getByTestId('filter-resolved'));
    await waitFor(() => expect(rowNumbers().sort()).toEqual(['1027', '1031']));
    expect(within(row(1031)).getByTestId('ticket-resolved').textContent).toBe('13.11.2026, 16:40');
    expect(within(row(1031)).getByTestId('ticket-status').textContent).toBe('Вирішене');
    expect(within(row(1027)).getByTestId('ticket-status').textContent).toBe('Закрите');
    await fireEvent.click(screen.getByTestId('filter-all'));
    await waitFor(() => expect(rowNumbers()).toHaveLength(5));
  });

  it('marks unread tickets and the waiting-for-you status', async () => {
    await renderApp({ account: 'customer' });
    await waitForRows();
    expect(row(1038).getAttribute('data-unread')).toBe('true');
    expect(within(row(1038)).getByTestId('unread-mark')).toBeTruthy();
    expect(within(row(1038)).getByTestId('ticket-status').textContent).toBe('Чекає на вашу відповідь');
    expect(row(1044).getAttribute('data-unread')).toBe('false');
  });

  it('shows a ticket still in the outbox as sending, and a refused one with its reason', async () => {
    await renderApp({ account: 'customer' });
    await waitForRows();
    const provisional = screen.getAllByTestId('ticket-row').filter((r) => r.getAttribute('data-number') === '0');
    expect(provisional).toHaveLength(2);
    const sending = provisional.find((r) => within(r).queryByText('Додати тариф «Аеропорт Бориспіль»'));
    const failed = provisional.find((r) => within(r).queryByText('Звіт по змінах диспетчерів'));
    expect(within(sending!).getByTestId('send-state').getAttribute('data-state')).toBe('sending');
    expect(within(sending!).getByTestId('send-state').textContent).toContain('надсилається');
    expect(within(failed!).getByTestId('send-state').getAttribute('data-state')).toBe('failed');
    expect(within(failed!).getByTestId('send-error').textContent).toContain('більше не діє');
    expect(within(failed!).getByTestId('retry-button')).toBeTruthy();
    expect(within(failed!).getByTestId('discard-button')).toBeTruthy();
  });

  it('re-reads when the outbox is delivered: the number replaces "sending"', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    platform.deliver();
    await waitFor(() => expect(rowNumbers()).toContain('1046'));
    // The refused one stays until the person decides.
    expect(screen.getAllByTestId('send-state').some((b) => b.getAttribute('data-state') === 'failed')).toBe(true);
  });

  it('retries and discards a refused ticket', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    const retry = vi.spyOn(platform, 'retry');
    const discard = vi.spyOn(platform, 'discard');
    await fireEvent.click(screen.getByTestId('retry-button'));
    expect(retry).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByTestId('retry-button')).toBeNull());

    platform.failNext('validation_failed', 'Сервер відхилив');
    platform.deliver();
    await screen.findByTestId('retry-button');
    await fireEvent.click(screen.getByTestId('discard-button'));
    expect(discard).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.queryByTestId('discard-button')).toBeNull());
    expect((await screen.findByTestId('notice')).textContent).toContain('повернули в чернетку');
  });

  it('searches the local cache as you type and highlights the match', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    const search = vi.spyOn(platform, 'search');
    const user = userEvent.setup();
    await user.type(screen.getByTestId('search-input'), 'SIP');
    await waitFor(() => expect(rowNumbers()).toEqual(['1042']));
    expect(search).toHaveBeenLastCalledWith('SIP', 50);
    expect(screen.getByTestId('search-snippet').querySelector('mark')?.textContent).toBe('SIP');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(rowNumbers().length).toBeGreaterThan(1));
  });

  it('opens a ticket from its row', async () => {
    await renderApp({ account: 'customer' });
    await waitForRows();
    await fireEvent.click(within(row(1042)).getByRole('button', { name: /#1042/ }));
    expect(await screen.findByTestId('ticket-view')).toBeTruthy();
    expect((await screen.findAllByTestId('message')).length).toBe(3); // the internal note is not shown
  });
});
