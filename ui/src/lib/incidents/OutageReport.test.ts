import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../testing/app';

async function openReport(opts = {}) {
  const r = await renderApp({ account: 'customer', unsent: false, ...opts });
  await fireEvent.click(screen.getByTestId('report-outage'));
  await screen.findByTestId('report-form');
  await waitFor(() => expect((screen.getByTestId('report-description') as HTMLTextAreaElement).disabled).toBe(false));
  return r;
}

function choose(kind: string) {
  return fireEvent.click(within(screen.getByTestId(`report-kind-${kind}`)).getByRole('radio'));
}

describe('report an outage', () => {
  it('is always in the header for customers, not for agents', async () => {
    await renderApp({ account: 'customer' });
    expect(screen.getByTestId('report-outage').textContent).toContain('Повідомити про збій');
  });

  it('files a new report with files, shows it sending, then links it to a new incident nobody acknowledged yet', async () => {
    const { platform, desk } = await openReport();
    const report = vi.spyOn(platform, 'submitOutageDraft');
    const user = userEvent.setup();
    await choose('program');
    expect(screen.queryByTestId('report-known')).toBeNull();
    expect(screen.getByTestId('report-send').textContent).toContain('Надіслати');
    await user.type(screen.getByTestId('report-description'), 'З 02:10 програма показує білий екран на всіх комп’ютерах');
    platform.nextPick = ['/home/o/білий-екран.png'];
    await user.click(screen.getByTestId('report-attach'));
    await within(await screen.findByTestId('report-files')).findByText('білий-екран.png');
    await user.click(screen.getByTestId('report-send'));
    expect(report).toHaveBeenCalledTimes(1);
    const sent = platform.outboxSnapshot().at(-1)!;
    expect(sent.op).toMatchObject({ body: 'З 02:10 програма показує білий екран на всіх комп’ютерах' });
    expect(sent.files.map((f) => f.filename)).toEqual(['білий-екран.png']);
    // The report's own screen, waiting to be sent.
    await screen.findByTestId('ticket-view');
    expect(screen.getByTestId('ticket-title').textContent).toContain('Не працює диспетчерська програма');
    expect(screen.getByTestId('notice').textContent).toContain('Черговий спеціаліст уже отримав сигнал');
    expect(screen.queryByTestId('incident-panel')).toBeNull();
    platform.deliver();
    const panel = await screen.findByTestId('incident-panel');
    expect(within(panel).getByTestId('incident-not-ack').textContent).toContain('Ще не прийнято');
    // The draft is gone: the form opens empty next time.
    expect(await platform.draft('outage')).toBeNull();
    // An agent acknowledges: the customer sees who and when, at once.
    const incidentId = panel.getAttribute('data-incident-id')!;
    platform.acknowledgeAs(incidentId);
    await waitFor(() => expect(within(panel).getByTestId('incident-ack').textContent).toMatch(/^Прийнято: Ірина Бондар о \d\d:\d\d$/));
    // …and the banner says it too.
    await waitFor(() => expect(desk.incidents.affecting.map((i) => i.id)).toContain(incidentId));
    const banner = screen.getAllByTestId('incident-banner').find((b) => b.getAttribute('data-incident-id') === incidentId)!;
    expect(within(banner).getByTestId('incident-banner-ack').textContent).toContain('Прийнято: Ірина Бондар');
  });

  it('says an open incident of that kind is already known and adds the details to the existing report', async () => {
    const { platform } = await openReport();
    const report = vi.spyOn(platform, 'submitOutageDraft');
    const reply = vi.spyOn(platform, 'submitReplyDraft');
    const user = userEvent.setup();
    await choose('telephony');
    const known = await screen.findByTestId('report-known');
    expect(known.textContent).toMatch(/Про збій уже відомо: Не працює телефонія: SIP-провайдер з .*02:14/);
    expect(within(known).getByTestId('report-known-ack').textContent).toMatch(/Прийнято: Андрій Коваль о .*02:16/);
    expect(known.textContent).toContain('обіцяють відновити до 03:30');
    expect(screen.getByTestId('report-send').textContent).toContain('Додати подробиці');
    await user.type(screen.getByTestId('report-description'), 'Резервний номер теж не приймає');
    await user.click(screen.getByTestId('report-send'));
    expect(report).not.toHaveBeenCalled();
    expect(reply).toHaveBeenCalledTimes(1);
    const ticketId = reply.mock.calls[0]![0];
    await screen.findByTestId('ticket-view');
    expect(screen.getByTestId('ticket-view').getAttribute('data-ticket-id')).toBe(ticketId);
    expect(within(screen.getByTestId('ticket-view')).getByTestId('ticket-number').textContent).toBe('#1042');
    await waitFor(() => expect(screen.getByTestId('conversation').textContent).toContain('Резервний номер теж не приймає'));
  });

  it('works offline: the report waits in the outbox and says so', async () => {
    const { platform } = await openReport({ online: false });
    expect(screen.getByTestId('report-offline').textContent).toContain('Немає зв’язку');
    await choose('driver_app');
    await fireEvent.click(screen.getByTestId('report-send'));
    await screen.findByTestId('ticket-view');
    expect(screen.getByTestId('notice').textContent).toContain('надішлемо, щойно він з’явиться');
    // With no words, what is down says it.
    expect(platform.outboxSnapshot().at(-1)?.op).toMatchObject({ type: 'create_ticket', body: 'Водії не отримують замовлення' });
  });

  it('asks what is down before sending', async () => {
    await openReport();
    expect((screen.getByTestId('report-send') as HTMLButtonElement).disabled).toBe(true);
  });

  it('takes files dropped on the form', async () => {
    const { platform } = await openReport();
    const form = screen.getByTestId('report-form');
    form.getBoundingClientRect = () => ({ left: 0, top: 0, right: 800, bottom: 600, width: 800, height: 600, x: 0, y: 0, toJSON: () => ({}) });
    platform.dropFiles({ paths: ['/home/o/журнал.txt'], x: 100, y: 100 });
    await within(await screen.findByTestId('report-files')).findByText('журнал.txt');
    expect((await platform.draft('outage'))?.files.map((f) => f.filename)).toEqual(['журнал.txt']);
  });
});

describe('incident banner', () => {
  it('shows while an incident affects my organisation, links to its timeline, and goes when resolved', async () => {
    const { platform } = await renderApp({ account: 'customer', unsent: false });
    const banner = await screen.findByTestId('incident-banner');
    expect(within(banner).getByTestId('incident-banner-title').textContent).toBe('Не працює телефонія: SIP-провайдер');
    expect(banner.textContent).toMatch(/з .*02:14/);
    expect(within(banner).getByTestId('incident-banner-ack').textContent).toMatch(/Прийнято: Андрій Коваль о .*02:16/);
    expect(within(banner).getByTestId('incident-banner-latest').textContent).toContain('обіцяють відновити до 03:30');
    // Another organisation's incident is not shown.
    expect(screen.getAllByTestId('incident-banner')).toHaveLength(1);

    await fireEvent.click(within(banner).getByTestId('incident-banner-open'));
    const screenEl = await screen.findByTestId('incident-screen');
    const events = within(screenEl).getAllByTestId('timeline-event').map((e) => e.getAttribute('data-kind'));
    expect(events).toEqual(['reported', 'acknowledged', 'update']);

    const id = banner.getAttribute('data-incident-id')!;
    platform.resolveAs(id, 'Провайдер відновив лінію, дзвінки проходять.');
    await waitFor(() => expect(screen.queryByTestId('incident-banner')).toBeNull());
    await waitFor(() => expect(within(screenEl).getByTestId('incident-status').textContent).toBe('Усунено'));
    expect(screenEl.textContent).toContain('Провайдер відновив лінію');
  });

  it('opens the incident of a clicked incident notification', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    platform.clickIncidentNotification('0190c000-0000-7000-8000-000000000001');
    await screen.findByTestId('incident-screen');
  });
});
