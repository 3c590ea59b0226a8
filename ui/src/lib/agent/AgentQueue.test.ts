import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { renderApp, row, rowNumbers, waitForRows } from '../testing/app';
import { ORGS } from '../platform/mock-data';

describe('agent queue', () => {
  it('lists every organisation, urgent first', async () => {
    await renderApp({ account: 'agent' });
    await waitForRows();
    const rows = screen.getAllByTestId('ticket-row');
    expect(rowNumbers().slice(0, 2).sort()).toEqual(['1042', '1045']);
    expect(rows[0]!.classList.contains('urgent')).toBe(true);
    expect(rows.at(-1)!.classList.contains('urgent')).toBe(false);
    expect(rowNumbers()).toContain('1040'); // another organisation's ticket
    expect(screen.queryByTestId('nav-create')).toBeNull();
  });

  it('shows how long each open ticket has waited in working time', async () => {
    const { platform, desk } = await renderApp({ account: 'agent' });
    await waitForRows();
    platform.waitedMs.set(row(1045).getAttribute('data-ticket-id')!, 2 * 3_600_000 + 15 * 60_000);
    await desk.queue.load();
    await waitFor(() => expect(within(row(1045)).getByTestId('ticket-waited').textContent).toBe('чекає 2 год 15 хв'));
    expect(within(row(1045)).getByTestId('ticket-waited').title).toContain('робочий час');
    // Resolved and closed tickets wait for nobody.
    await fireEvent.change(screen.getByTestId('queue-status'), { target: { value: 'closed' } });
    await waitFor(() => expect(rowNumbers()).toEqual(['1027']));
    expect(within(row(1027)).queryByTestId('ticket-waited')).toBeNull();
  });

  it('customers never see a waiting clock', async () => {
    await renderApp({ account: 'customer' });
    await waitForRows();
    expect(screen.queryByTestId('ticket-waited')).toBeNull();
  });

  it('assigns a ticket to me from the row', async () => {
    const { platform, desk } = await renderApp({ account: 'agent' });
    await waitForRows();
    const assign = vi.spyOn(platform, 'assign');
    const r = row(1045);
    expect(within(r).getByTestId('ticket-assignee').textContent).toBe('не призначено');
    await fireEvent.click(within(r).getByTestId('assign-to-me'));
    expect(assign).toHaveBeenCalledWith(r.getAttribute('data-ticket-id'), desk.session.me);
    await waitFor(() => expect(within(row(1045)).getByTestId('ticket-assignee').textContent).toBe('Андрій Коваль'));
    expect(within(row(1045)).queryByTestId('assign-to-me')).toBeNull();
    // the assignment waits in the outbox like any write
    expect(within(row(1045)).getByTestId('send-state').getAttribute('data-state')).toBe('sending');
  });

  it('filters by organisation, topic, assignee and status', async () => {
    const { platform } = await renderApp({ account: 'agent' });
    await waitForRows();
    const tickets = vi.spyOn(platform, 'tickets');
    await waitFor(() => expect((screen.getByTestId('queue-org') as HTMLSelectElement).options.length).toBe(4));

    await fireEvent.change(screen.getByTestId('queue-org'), { target: { value: ORGS[1]!.id } });
    await waitFor(() => expect(rowNumbers()).toEqual(['1045']));
    expect(tickets).toHaveBeenLastCalledWith(expect.objectContaining({ organization_id: ORGS[1]!.id, urgent_first: true }));

    await fireEvent.change(screen.getByTestId('queue-org'), { target: { value: '' } });
    await fireEvent.change(screen.getByTestId('queue-topic'), { target: { value: 'maps-addresses' } });
    await waitFor(() => expect(rowNumbers()).toEqual(['1040']));

    await fireEvent.change(screen.getByTestId('queue-topic'), { target: { value: '' } });
    await fireEvent.change(screen.getByTestId('queue-assignee'), { target: { value: 'me' } });
    await waitFor(() => expect(rowNumbers()).toEqual(['1042']));

    await fireEvent.change(screen.getByTestId('queue-assignee'), { target: { value: 'unassigned' } });
    await waitFor(() => expect(rowNumbers().sort()).toEqual(['1044', '1045']));

    await fireEvent.change(screen.getByTestId('queue-assignee'), { target: { value: 'anyone' } });
    await fireEvent.change(screen.getByTestId('queue-status'), { target: { value: 'closed' } });
    await waitFor(() => expect(rowNumbers()).toEqual(['1027']));
  });

  it('reads "waiting for customer" from the agent side', async () => {
    await renderApp({ account: 'agent' });
    await waitForRows();
    expect(within(row(1038)).getByTestId('ticket-status').textContent).toBe('Чекає на клієнта');
  });
});
