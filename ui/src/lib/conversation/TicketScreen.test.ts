import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { renderApp, row, waitForRows } from '../testing/app';

async function openTicket(number: number, opts = {}) {
  const r = await renderApp({ account: 'customer', ...opts });
  await waitForRows();
  const id = row(number).getAttribute('data-ticket-id')!;
  r.desk.openTicket(id);
  await screen.findAllByTestId('message');
  await waitFor(() => expect((screen.getByTestId('reply-box') as HTMLTextAreaElement).disabled).toBe(false));
  return { ...r, id };
}

describe('ticket conversation', () => {
  it('shows the conversation with authors, times and attachments', async () => {
    await openTicket(1044);
    expect(screen.getByTestId('ticket-title').textContent).toContain('#1044');
    const [first] = screen.getAllByTestId('message');
    expect(within(first!).getByTestId('message-author').textContent).toBe('Оксана Мельник');
    expect(within(first!).getByText('24.11.2026, 14:05')).toBeTruthy();
    const atts = within(first!).getAllByTestId('attachment');
    expect(atts.map((a) => a.getAttribute('data-filename'))).toEqual(['екран-водія-512.png', 'журнал-застосунку.txt']);
    expect(within(atts[1]!).getByTestId('attachment-size').textContent).toBe('17,6 КБ');
    // the image is previewed; the text file is not
    await waitFor(() => expect(within(atts[0]!).getByTestId('attachment-preview')).toBeTruthy());
    expect(within(atts[1]!).queryByTestId('attachment-preview')).toBeNull();
  });

  it('asks for each preview by ticket and attachment, and drops one that cannot load', async () => {
    const r = await renderApp({ account: 'customer' });
    await waitForRows();
    const urls = vi.spyOn(r.platform, 'previewUrl');
    const id = row(1044).getAttribute('data-ticket-id')!;
    r.desk.openTicket(id);
    const first = (await screen.findAllByTestId('attachment'))[0]!;
    // Only the image is asked for, by its ticket and id.
    expect(urls.mock.calls.map(([t, a, scale]) => [t, a.filename, scale])).toEqual([[id, 'екран-водія-512.png', 1]]);
    // One that cannot load (offline, not downloaded yet) goes; the file row stays.
    r.platform.setOnline(false);
    await fireEvent.error(within(first).getByRole('img'));
    expect(within(first).queryByTestId('attachment-preview')).toBeNull();
    expect(within(first).getByTestId('attachment-open')).toBeTruthy();
    // Back online, it is tried again, at an address of its own.
    r.platform.setOnline(true);
    const again = (await within(first).findByRole('img')) as HTMLImageElement;
    expect(again.getAttribute('src')).toContain('try=1');
    // A failure while online stays a failure: no retry loop.
    await fireEvent.error(again);
    await new Promise((r) => setTimeout(r, 50));
    expect(within(first).queryByTestId('attachment-preview')).toBeNull();
  });

  it('opens and saves an attachment through the platform', async () => {
    const { platform } = await openTicket(1044);
    const open = vi.spyOn(platform, 'openAttachment');
    const save = vi.spyOn(platform, 'saveAttachment');
    const txt = screen.getAllByTestId('attachment')[1]!;
    await fireEvent.click(within(txt).getByTestId('attachment-open'));
    await fireEvent.click(within(txt).getByTestId('attachment-save'));
    expect(open.mock.calls[0]?.[0].filename).toBe('журнал-застосунку.txt');
    expect(save).toHaveBeenCalledTimes(1);
    expect((await screen.findByTestId('notice')).textContent).toContain('збережено');
  });

  it('autosaves the reply draft as the person types', async () => {
    const { platform, id } = await openTicket(1042);
    const save = vi.spyOn(platform, 'saveDraft');
    const user = userEvent.setup();
    await user.type(screen.getByTestId('reply-box'), 'Переадресуйте, будь ласка');
    await waitFor(() =>
      expect(save).toHaveBeenLastCalledWith(`reply:${id}`, {
        topic_id: null,
        subject: '',
        body: 'Переадресуйте, будь ласка',
        internal: false,
      }),
    );
    // debounced: far fewer saves than keystrokes
    expect(save.mock.calls.length).toBeLessThan(10);
  });

  it('restores the reply draft when the ticket is opened again', async () => {
    const { platform, id, desk } = await openTicket(1042);
    await platform.saveDraft(`reply:${id}`, { topic_id: null, subject: '', body: 'Чернетка з учора', internal: false });
    desk.navigate({ name: 'tickets' });
    await waitForRows();
    desk.openTicket(id);
    await waitFor(() => expect((screen.getByTestId('reply-box') as HTMLTextAreaElement).value).toBe('Чернетка з учора'));
  });

  it('sends with Ctrl+Enter; the message shows as sending until delivered', async () => {
    const { platform } = await openTicket(1038);
    const submit = vi.spyOn(platform, 'submitReplyDraft');
    const user = userEvent.setup();
    await user.type(screen.getByTestId('reply-box'), 'Так, водії на лінії є, межі не змінювали.');
    await user.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(submit).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(3));
    const last = screen.getAllByTestId('message')[2]!;
    expect(last.getAttribute('data-provisional')).toBe('true');
    expect(within(last).getByTestId('send-state').getAttribute('data-state')).toBe('sending');
    expect((screen.getByTestId('reply-box') as HTMLTextAreaElement).value).toBe('');
    platform.deliver();
    await waitFor(() => expect(within(screen.getAllByTestId('message')[2]!).queryByTestId('send-state')).toBeNull());
  });

  it('sends with the button', async () => {
    const { platform, id } = await openTicket(1038);
    const submit = vi.spyOn(platform, 'submitReplyDraft');
    await userEvent.setup().type(screen.getByTestId('reply-box'), 'Дякую');
    await fireEvent.click(screen.getByTestId('reply-send'));
    await waitFor(() => expect(submit).toHaveBeenCalledWith(id));
  });

  it('marks resolved and reopens', async () => {
    const { platform, id } = await openTicket(1044);
    const setStatus = vi.spyOn(platform, 'setStatus');
    await fireEvent.click(screen.getByTestId('ticket-resolve'));
    expect(setStatus).toHaveBeenCalledWith(id, 'resolved');
    const reopen = await screen.findByTestId('ticket-reopen');
    expect(within(screen.getByTestId('ticket-view')).getByTestId('ticket-resolved').textContent).not.toBe('');
    await fireEvent.click(reopen);
    expect(setStatus).toHaveBeenLastCalledWith(id, 'new');
    await screen.findByTestId('ticket-resolve');
  });

  it('shows a support reply that arrives while the ticket is open', async () => {
    const { platform, id } = await openTicket(1044);
    platform.supportReplies(id, 'Оновіть застосунок водія до 4.19, будь ласка.');
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(2));
    expect(screen.getByText('Оновіть застосунок водія до 4.19, будь ласка.')).toBeTruthy();
  });

  it('attaches files dropped on the reply box', async () => {
    const { platform, id } = await openTicket(1042);
    const attach = vi.spyOn(platform, 'attachFiles');
    const form = screen.getByTestId('reply-form');
    form.getBoundingClientRect = () => ({ left: 216, top: 560, right: 1280, bottom: 770, width: 1064, height: 210, x: 216, y: 560, toJSON: () => ({}) });
    platform.dropFiles({ paths: ['/home/o/журнал.txt'], x: 600, y: 650 });
    await waitFor(() => expect(attach).toHaveBeenCalledWith(`reply:${id}`, ['/home/o/журнал.txt']));
    expect((await within(form).findByTestId('file-item')).getAttribute('data-filename')).toBe('журнал.txt');
  });

  it('hides the reply box of a closed ticket from the customer', async () => {
    const r = await renderApp({ account: 'customer' });
    await fireEvent.click(screen.getByTestId('filter-resolved'));
    await waitFor(() => row(1027));
    r.desk.openTicket(row(1027).getAttribute('data-ticket-id')!);
    expect(await screen.findByTestId('ticket-closed-note')).toBeTruthy();
    expect(screen.queryByTestId('reply-box')).toBeNull();
  });
});

describe('agent in a ticket', () => {
  async function openAsAgent(number: number) {
    const r = await renderApp({ account: 'agent' });
    await waitForRows();
    const id = row(number).getAttribute('data-ticket-id')!;
    r.desk.openTicket(id);
    await screen.findAllByTestId('message');
    await waitFor(() => expect((screen.getByTestId('reply-box') as HTMLTextAreaElement).disabled).toBe(false));
    return { ...r, id };
  }

  it('sees how long an open ticket has waited in working time', async () => {
    const r = await renderApp({ account: 'agent' });
    await waitForRows();
    const id = row(1045).getAttribute('data-ticket-id')!;
    r.platform.waitedMs.set(id, 75 * 60_000);
    r.desk.openTicket(id);
    await waitFor(() => expect(screen.getByTestId('ticket-view-waited').textContent).toBe('1 год 15 хв'));
  });

  it('sees internal notes, visibly marked', async () => {
    await openAsAgent(1042);
    const notes = screen.getAllByTestId('message').filter((m) => m.getAttribute('data-internal') === 'true');
    expect(notes).toHaveLength(1);
    expect(within(notes[0]!).getByTestId('internal-tag').textContent).toBe('Внутрішня нотатка');
    expect(notes[0]!.classList.contains('internal')).toBe(true);
  });

  it('writes an internal note: the box changes look and the draft carries internal', async () => {
    const { platform, id } = await openAsAgent(1045);
    const save = vi.spyOn(platform, 'saveDraft');
    const submit = vi.spyOn(platform, 'submitReplyDraft');
    await fireEvent.click(screen.getByTestId('reply-internal'));
    expect(screen.getByTestId('reply-form').classList.contains('internal')).toBe(true);
    expect(screen.getByTestId('reply-send').textContent?.trim()).toBe('Додати нотатку');
    await userEvent.setup().type(screen.getByTestId('reply-box'), 'Схоже на збій CDN');
    await fireEvent.click(screen.getByTestId('reply-send'));
    await waitFor(() => expect(submit).toHaveBeenCalledWith(id));
    expect(save).toHaveBeenLastCalledWith(`reply:${id}`, { topic_id: null, subject: '', body: 'Схоже на збій CDN', internal: true });
    await waitFor(() => expect(screen.getAllByTestId('message').at(-1)?.getAttribute('data-internal')).toBe('true'));
    // back to a public reply after sending
    expect((screen.getByTestId('reply-internal') as HTMLInputElement).checked).toBe(false);
  });

  it('assigns to self and changes the status', async () => {
    const { platform, id, desk } = await openAsAgent(1045);
    const assign = vi.spyOn(platform, 'assign');
    const setStatus = vi.spyOn(platform, 'setStatus');
    await fireEvent.click(within(screen.getByTestId('ticket-view')).getByTestId('assign-to-me'));
    expect(assign).toHaveBeenCalledWith(id, desk.session.me);
    await waitFor(() => expect(within(screen.getByTestId('ticket-view')).getByTestId('ticket-assignee').textContent).toBe('Андрій Коваль'));
    expect(within(screen.getByTestId('ticket-view')).queryByTestId('assign-to-me')).toBeNull();
    await fireEvent.change(screen.getByTestId('ticket-status-select'), { target: { value: 'waiting_for_customer' } });
    expect(setStatus).toHaveBeenCalledWith(id, 'waiting_for_customer');
  });
});

describe('reply box files', () => {
  it('attaches a pasted screenshot and a picked file to the reply draft', async () => {
    const { platform, id } = await openTicket(1042);
    const bytes = vi.spyOn(platform, 'attachBytes');
    const files = vi.spyOn(platform, 'attachFiles');
    const png = new File([new Uint8Array([1, 2, 3])], 'image.png', { type: 'image/png' });
    await fireEvent.paste(screen.getByTestId('reply-box'), {
      clipboardData: { items: [{ kind: 'file', type: 'image/png', getAsFile: () => png }], files: [png] },
    });
    await waitFor(() => expect(bytes).toHaveBeenCalledWith(`reply:${id}`, expect.stringMatching(/^screenshot-.*\.png$/), expect.any(Uint8Array)));
    platform.nextPick = ['/home/o/лог.txt'];
    await fireEvent.click(screen.getByTestId('reply-attach'));
    await waitFor(() => expect(files).toHaveBeenCalledWith(`reply:${id}`, ['/home/o/лог.txt']));
    const list = await screen.findByTestId('reply-files');
    await waitFor(() => expect(within(list).getAllByTestId('file-item')).toHaveLength(2));
  });

  it('ignores a paste of plain text (the text goes into the box as usual)', async () => {
    const { platform } = await openTicket(1042);
    const bytes = vi.spyOn(platform, 'attachBytes');
    await fireEvent.paste(screen.getByTestId('reply-box'), { clipboardData: { items: [{ kind: 'string', type: 'text/plain', getAsFile: () => null }], files: [] } });
    expect(bytes).not.toHaveBeenCalled();
  });
});
