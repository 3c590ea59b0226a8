import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { renderApp, waitForRows } from '../testing/app';
import { MAX_FILE_BYTES } from '../files/limits';

async function openCreate(opts = {}) {
  const r = await renderApp({ account: 'customer', ...opts });
  await fireEvent.click(screen.getByTestId('nav-create'));
  await screen.findByTestId('create-form');
  await waitFor(() => expect((screen.getByTestId('create-topic') as HTMLSelectElement).disabled).toBe(false));
  return r;
}

describe('create ticket', () => {
  it('offers the topics ending with Other, urgent ones marked', async () => {
    await openCreate();
    const options = Array.from((screen.getByTestId('create-topic') as HTMLSelectElement).options).filter((o) => o.value);
    expect(options[options.length - 1]?.textContent).toBe('Інше');
    const urgent = options.find((o) => o.value === 'telephony-down');
    expect(urgent?.textContent).toBe('Не працює телефонія — цілодобово');
  });

  it('shows the chosen topic guidance in the description area', async () => {
    await openCreate();
    const guidance = screen.getByTestId('create-guidance');
    expect(guidance.textContent).toContain('Оберіть тему');
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'telephony-down' } });
    await waitFor(() => expect(guidance.textContent).toContain('Зателефонуйте SIP-провайдеру'));
    expect(screen.getByTestId('create-urgent').textContent).toContain('цілодобово');
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'other' } });
    await waitFor(() => expect(guidance.textContent).toContain('Якщо жодна тема не підходить'));
    expect(screen.queryByTestId('create-urgent')).toBeNull();
  });

  it('shows before Save when an ordinary topic will be handled, with the way to report an outage', async () => {
    const { platform } = await openCreate();
    const expectation = vi.spyOn(platform, 'expectation');
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'tariffs' } });
    // In working hours: nothing to say.
    await waitFor(() => expect(expectation).toHaveBeenCalledWith('tariffs'));
    expect(screen.queryByTestId('create-after-hours')).toBeNull();

    platform.afterHours = true;
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'other' } });
    const note = await screen.findByTestId('create-after-hours');
    expect(note.textContent).toContain('Зараз неробочий час: фахівці візьмуть звернення в роботу завтра з 08:00 (через 9 год).');
    expect(note.textContent).toContain('Не працює програма чи телефонія? Повідомте про збій.');

    // Urgent topics are handled around the clock: no wait.
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'telephony-down' } });
    await waitFor(() => expect(screen.queryByTestId('create-after-hours')).toBeNull());
    expect(screen.getByTestId('create-urgent').textContent).toContain('цілодобово');

    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'tariffs' } });
    await fireEvent.click(await screen.findByTestId('create-report-outage'));
    await screen.findByTestId('report-screen');
  });

  it('saves through the outbox and shows the ticket as sending in the list', async () => {
    const { platform } = await openCreate({ unsent: false });
    const submit = vi.spyOn(platform, 'submitTicketDraft');
    const user = userEvent.setup();
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'tariffs' } });
    await user.type(screen.getByTestId('create-subject'), 'Новий тариф «Вокзал»');
    await user.type(screen.getByTestId('create-body'), 'Подача 60 грн, далі 15 грн/км.');
    platform.nextPick = ['/home/o/тариф.png'];
    await user.click(screen.getByTestId('create-attach'));
    const files = await screen.findByTestId('create-files');
    expect(within(files).getByTestId('file-item').getAttribute('data-filename')).toBe('тариф.png');
    expect(within(files).getByTestId('file-size').textContent).toMatch(/КБ$/);
    await user.click(screen.getByTestId('create-save'));
    expect(submit).toHaveBeenCalledTimes(1);
    await screen.findByTestId('tickets-screen');
    const rows = await waitForRows();
    const mine = rows.find((r) => within(r).queryByText('Новий тариф «Вокзал»'));
    expect(mine?.getAttribute('data-number')).toBe('0');
    expect(within(mine!).getByTestId('send-state').getAttribute('data-state')).toBe('sending');
    platform.deliver();
    await waitFor(() => expect(mine?.getAttribute('data-number')).toBe('1046'));
  });

  it('refuses a file over 200 MiB before saving', async () => {
    const { platform } = await openCreate();
    const submit = vi.spyOn(platform, 'submitTicketDraft');
    platform.putDraft({
      key: 'new-ticket',
      topic_id: 'drivers-app',
      subject: 'Відео з телефона водія',
      body: 'Див. відео',
      internal: false,
      files: [
        { id: 'f1', path: '/x/відео.mp4', filename: 'відео.mp4', size: MAX_FILE_BYTES + 1, sha256: '', media_type: 'video/mp4', server_id: null },
      ],
      updated_at: 0,
    });
    // Re-open the screen so the draft is read as after a restart.
    await fireEvent.click(screen.getByTestId('nav-tickets'));
    await fireEvent.click(screen.getByTestId('nav-create'));
    const item = await screen.findByTestId('file-item');
    expect(item.textContent).toContain('завеликий');
    await fireEvent.click(screen.getByTestId('create-save'));
    const problems = await screen.findByTestId('create-problems');
    expect(problems.textContent).toContain('«відео.mp4» завеликий');
    expect(submit).not.toHaveBeenCalled();
  });

  it('refuses a 21st file before saving', async () => {
    const { platform } = await openCreate();
    const submit = vi.spyOn(platform, 'submitTicketDraft');
    platform.nextPick = Array.from({ length: 21 }, (_, i) => `/p/фото-${i + 1}.jpg`);
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'other' } });
    await fireEvent.click(screen.getByTestId('create-attach'));
    await waitFor(() => expect(screen.getAllByTestId('file-item')).toHaveLength(21));
    await fireEvent.click(screen.getByTestId('create-save'));
    expect((await screen.findByTestId('create-problems')).textContent).toContain('Забагато файлів: 21');
    expect(submit).not.toHaveBeenCalled();
  });

  it('shows an attach error from the core (file too large on disk)', async () => {
    const { platform } = await openCreate();
    platform.fileSizes.set('/v/запис.mp4', 300 * 1024 * 1024);
    platform.nextPick = ['/v/запис.mp4'];
    await fireEvent.click(screen.getByTestId('create-attach'));
    expect((await screen.findByTestId('create-error')).textContent).toContain('завеликий');
    expect(screen.queryByTestId('file-item')).toBeNull();
  });

  it('autosaves the draft and restores it when the screen opens again', async () => {
    const { platform } = await openCreate();
    const save = vi.spyOn(platform, 'saveDraft');
    const user = userEvent.setup();
    await fireEvent.change(screen.getByTestId('create-topic'), { target: { value: 'reports' } });
    await user.type(screen.getByTestId('create-subject'), 'Звіт по касі');
    await waitFor(() =>
      expect(save).toHaveBeenLastCalledWith('new-ticket', { topic_id: 'reports', subject: 'Звіт по касі', body: '', internal: false }),
    );
    await fireEvent.click(screen.getByTestId('nav-tickets'));
    await fireEvent.click(screen.getByTestId('nav-create'));
    await waitFor(() => expect((screen.getByTestId('create-subject') as HTMLInputElement).value).toBe('Звіт по касі'));
    expect((screen.getByTestId('create-topic') as HTMLSelectElement).value).toBe('reports');
    expect(screen.getByTestId('create-guidance').textContent).toContain('Вкажіть назву звіту');
  });

  it('shows the core validation message when a field is missing', async () => {
    await openCreate();
    await fireEvent.click(screen.getByTestId('create-save'));
    expect((await screen.findByTestId('create-error')).textContent).toBe('Чернетка порожня.');
  });

  it('saves with Ctrl+Enter', async () => {
    const { platform } = await openCreate();
    const submit = vi.spyOn(platform, 'submitTicketDraft');
    await fireEvent.keyDown(screen.getByTestId('create-body'), { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(submit).toHaveBeenCalled());
  });

  it('attaches a pasted screenshot', async () => {
    const { platform } = await openCreate();
    const attach = vi.spyOn(platform, 'attachBytes');
    const png = new File([new Uint8Array([137, 80, 78, 71, 13, 10])], 'image.png', { type: 'image/png' });
    const clipboardData = { items: [{ kind: 'file', type: 'image/png', getAsFile: () => png }], files: [png] };
    await fireEvent.paste(screen.getByTestId('create-body'), { clipboardData });
    await waitFor(() => expect(attach).toHaveBeenCalledTimes(1));
    const [key, name, bytes] = attach.mock.calls[0]!;
    expect(key).toBe('new-ticket');
    expect(name).toMatch(/^screenshot-\d{8}-\d{6}\.png$/);
    expect(bytes.length).toBe(6);
    expect(await screen.findByTestId('file-item')).toBeTruthy();
  });
});
