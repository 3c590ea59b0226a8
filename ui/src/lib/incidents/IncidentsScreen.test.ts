import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { renderApp, waitForRows } from '../testing/app';
import { ORGS } from '../platform/mock-data';

const RIVNE_TEL = '0190c000-0000-7000-8000-000000000001';
const LVIV_PROGRAM = '0190c000-0000-7000-8000-000000000002';

async function openIncidents() {
  const r = await renderApp({ account: 'agent' });
  await fireEvent.click(screen.getByTestId('nav-incidents'));
  await screen.findByTestId('incidents-screen');
  await waitFor(() => expect(screen.getAllByTestId('incident-item').length).toBeGreaterThan(1));
  return r;
}

function detail() {
  return screen.getByTestId('incident-detail');
}

describe('agents: incidents', () => {
  it('shows the duty toggle and the roster in the header, not the report button', async () => {
    const { platform } = await renderApp({ account: 'agent' });
    expect(screen.queryByTestId('report-outage')).toBeNull();
    const toggle = screen.getByTestId('duty-toggle');
    await waitFor(() => expect(screen.getByTestId('duty-roster').textContent).toBe('Чергують: Ірина Бондар'));
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    const setDuty = vi.spyOn(platform, 'setOnDuty');
    await fireEvent.click(toggle);
    expect(setDuty).toHaveBeenCalledWith(true);
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    expect(screen.getByTestId('duty-roster').textContent).toBe('Чергують: Ірина Бондар, Андрій Коваль');
  });

  it('makes unacknowledged incidents stand out above the queue and acknowledges from there', async () => {
    const { platform } = await renderApp({ account: 'agent' });
    await waitForRows();
    const strip = await screen.findByTestId('unacked-strip');
    const items = within(strip).getAllByTestId('unacked-incident');
    expect(items.map((i) => i.getAttribute('data-incident-id'))).toEqual([LVIV_PROGRAM]);
    expect(screen.getByTestId('topbar-unacked').textContent).toBe('Неприйняті збої: 1');
    expect(screen.getByTestId('incidents-count').classList.contains('alarm')).toBe(true);
    const ack = vi.spyOn(platform, 'acknowledgeIncident');
    await fireEvent.click(within(items[0]!).getByTestId('unacked-acknowledge'));
    expect(ack).toHaveBeenCalledWith(LVIV_PROGRAM);
    await waitFor(() => expect(screen.queryByTestId('unacked-strip')).toBeNull());
    expect(screen.queryByTestId('topbar-unacked')).toBeNull();
  });

  it('lists open incidents first, unacknowledged on top, and acknowledges, updates and resolves one', async () => {
    await openIncidents();
    const items = screen.getAllByTestId('incident-item');
    expect(items.map((i) => i.getAttribute('data-incident-id'))).toEqual([LVIV_PROGRAM, RIVNE_TEL]);
    expect(within(items[0]!).getByTestId('incident-unacked')).toBeTruthy();
    // The first is selected.
    expect(detail().getAttribute('data-incident-id')).toBe(LVIV_PROGRAM);
    expect(within(detail()).getByTestId('incident-scope').textContent).toContain('Таксі 838, Львів');

    await fireEvent.click(within(detail()).getByTestId('incident-acknowledge'));
    await waitFor(() => expect(within(detail()).getByTestId('incident-ack').textContent).toMatch(/^Прийнято: Андрій Коваль о \d\d:\d\d$/));
    expect(within(detail()).queryByTestId('incident-acknowledge')).toBeNull();

    const user = userEvent.setup();
    await user.type(within(detail()).getByTestId('incident-update-text'), 'Перезапускаємо сервер служби, 10 хвилин');
    await user.click(within(detail()).getByTestId('incident-update-send'));
    await waitFor(() =>
      expect(within(detail()).getAllByTestId('timeline-event').map((e) => e.getAttribute('data-kind'))).toEqual(['reported', 'acknowledged', 'update']),
    );
    expect((within(detail()).getByTestId('incident-update-text') as HTMLTextAreaElement).value).toBe('');

    expect((within(detail()).getByTestId('incident-resolve') as HTMLButtonElement).disabled).toBe(true);
    await user.type(within(detail()).getByTestId('incident-resolve-text'), 'Сервер перезапущено, програма працює');
    await user.click(within(detail()).getByTestId('incident-resolve'));
    await waitFor(() => expect(detail().getAttribute('data-status')).toBe('resolved'));
    expect(within(detail()).getByTestId('incident-status').textContent).toBe('Усунено');
    // Its report was resolved with it.
    await fireEvent.click(within(detail()).getByTestId('incident-report'));
    await screen.findByTestId('ticket-view');
    expect(within(screen.getByTestId('ticket-view')).getByTestId('ticket-number').textContent).toBe('#1045');
    await waitFor(() => expect(screen.getByTestId('incident-panel').getAttribute('data-status')).toBe('resolved'));
  });

  it('renames, widens the scope and merges another incident in', async () => {
    const { platform } = await openIncidents();
    const user = userEvent.setup();
    await fireEvent.click(screen.getAllByTestId('incident-item')[1]!);
    await waitFor(() => expect(detail().getAttribute('data-incident-id')).toBe(RIVNE_TEL));

    await user.click(within(detail()).getByTestId('incident-rename'));
    const input = within(detail()).getByTestId('incident-title-input') as HTMLInputElement;
    await user.clear(input);
    await user.type(input, 'Аварія в SIP-провайдера «Лінія»');
    await user.click(within(detail()).getByTestId('incident-title-save'));
    await waitFor(() => expect(within(detail()).getByTestId('incident-title').textContent).toBe('Аварія в SIP-провайдера «Лінія»'));

    const update = vi.spyOn(platform, 'updateIncident');
    await user.click(within(detail()).getByTestId('incident-scope-change'));
    const kyiv = within(detail()).getAllByTestId('scope-org').find((c) => c.getAttribute('data-org-id') === ORGS[2]!.id)!;
    await user.click(kyiv);
    await user.click(within(detail()).getByTestId('scope-save'));
    expect(update).toHaveBeenLastCalledWith(RIVNE_TEL, { all_organizations: false, organization_ids: [ORGS[0]!.id, ORGS[2]!.id] });
    await waitFor(() => expect(within(detail()).getByTestId('incident-scope').textContent).toContain('Оптима Таксі, Київ'));

    await user.click(within(detail()).getByTestId('incident-scope-change'));
    await user.click(within(detail()).getByTestId('scope-all'));
    await user.click(within(detail()).getByTestId('scope-save'));
    await waitFor(() => expect(within(detail()).getByTestId('incident-scope').textContent).toContain('Усі служби'));

    await fireEvent.change(within(detail()).getByTestId('incident-merge-from'), { target: { value: LVIV_PROGRAM } });
    await user.click(within(detail()).getByTestId('incident-merge'));
    await waitFor(() => expect(within(detail()).getAllByTestId('incident-report')).toHaveLength(2));
    await waitFor(() => {
      const lviv = screen.getAllByTestId('incident-item').find((i) => i.getAttribute('data-incident-id') === LVIV_PROGRAM)!;
      expect(lviv.getAttribute('data-status')).toBe('merged');
    });
  });

  it('announces an incident nobody reported yet', async () => {
    const { platform } = await openIncidents();
    const announce = vi.spyOn(platform, 'announceIncident');
    const user = userEvent.setup();
    await user.click(screen.getByTestId('incident-announce'));
    const dialog = await screen.findByTestId('announce-dialog');
    expect((within(dialog).getByTestId('announce-title') as HTMLInputElement).value).toBe('Не працює телефонія');
    await fireEvent.change(within(dialog).getByTestId('announce-kind'), { target: { value: 'driver_app' } });
    expect((within(dialog).getByTestId('announce-title') as HTMLInputElement).value).toBe('Водії не отримують замовлення');
    await user.type(within(dialog).getByTestId('announce-body'), 'Збій сервера розсилки, відновлюємо');
    await user.click(within(dialog).getByTestId('announce-send'));
    expect(announce).toHaveBeenCalledWith({
      kind: 'driver_app',
      title: 'Водії не отримують замовлення',
      body: 'Збій сервера розсилки, відновлюємо',
      all_organizations: true,
      organization_ids: [],
    });
    await waitFor(() => expect(screen.queryByTestId('announce-dialog')).toBeNull());
    await waitFor(() => expect(within(detail()).getByTestId('incident-title').textContent).toBe('Водії не отримують замовлення'));
    expect(within(detail()).getByTestId('incident-scope').textContent).toContain('Усі служби');
  });

  it('shows the server refusing while offline', async () => {
    const { platform } = await openIncidents();
    platform.setOnline(false);
    await fireEvent.click(within(detail()).getByTestId('incident-acknowledge'));
    await waitFor(() => expect(within(detail()).getByTestId('incident-error').textContent).toContain('Немає зв’язку з сервером'));
  });

  it('opens the incidents screen on the incident of a clicked page', async () => {
    const { platform } = await renderApp({ account: 'agent' });
    platform.clickIncidentNotification(RIVNE_TEL);
    await screen.findByTestId('incidents-screen');
    await waitFor(() => expect(detail().getAttribute('data-incident-id')).toBe(RIVNE_TEL));
  });
});
