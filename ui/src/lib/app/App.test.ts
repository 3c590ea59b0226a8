import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { renderApp, row, waitForRows } from '../testing/app';

describe('app', () => {
  it('opens the ticket of a clicked notification', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    const id = row(1038).getAttribute('data-ticket-id')!;
    platform.clickNotification(id);
    const view = await screen.findByTestId('ticket-view');
    expect(view.getAttribute('data-ticket-id')).toBe(id);
  });

  it('updates the unread badge when a reply arrives', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    expect(screen.getByTestId('unread-count').textContent).toBe('2');
    platform.supportReplies(row(1044).getAttribute('data-ticket-id')!, 'Перевірте, будь ласка, зараз.');
    await waitFor(() => expect(screen.getByTestId('unread-count').textContent).toBe('3'));
    await waitFor(() => expect(row(1044).getAttribute('data-unread')).toBe('true'));
  });

  it('Ctrl+N opens the create form; "/" and Ctrl+K focus the search', async () => {
    await renderApp({ account: 'customer' });
    await waitForRows();
    await fireEvent.keyDown(window, { key: 'n', ctrlKey: true });
    expect(await screen.findByTestId('create-form')).toBeTruthy();
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search-input')));
    (document.activeElement as HTMLElement).blur();
    await fireEvent.keyDown(document.body, { key: '/' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('search-input')));
  });

  it('starts a new ticket with files dropped outside any form', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    const attach = vi.spyOn(platform, 'attachFiles');
    platform.dropFiles({ paths: ['/home/o/скрин.png'], x: 500, y: 300 });
    expect(await screen.findByTestId('create-form')).toBeTruthy();
    expect(attach).toHaveBeenCalledWith('new-ticket', ['/home/o/скрин.png']);
    expect((await screen.findByTestId('file-item')).getAttribute('data-filename')).toBe('скрин.png');
  });

  it('attaches files dropped on the create form to its draft', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await fireEvent.click(screen.getByTestId('nav-create'));
    const form = await screen.findByTestId('create-form');
    form.getBoundingClientRect = () => ({ left: 216, top: 50, right: 1040, bottom: 760, width: 824, height: 710, x: 216, y: 50, toJSON: () => ({}) });
    const attach = vi.spyOn(platform, 'attachFiles');
    platform.dropFiles({ paths: ['/a.pdf', '/b.mp4'], x: 400, y: 400 });
    await waitFor(() => expect(screen.getAllByTestId('file-item')).toHaveLength(2));
    expect(attach).toHaveBeenCalledWith('new-ticket', ['/a.pdf', '/b.mp4']);
  });

  it('shows an error notice when a dropped file cannot be attached', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    await waitForRows();
    platform.fileSizes.set('/big.mov', 500 * 1024 * 1024);
    platform.dropFiles({ paths: ['/big.mov'], x: 10, y: 10 });
    expect((await screen.findByTestId('notice')).textContent).toContain('завеликий');
  });

  it('ignores drops before sign-in and for agents off a form', async () => {
    const { platform, desk } = await renderApp({ account: 'agent' });
    await waitForRows();
    const attach = vi.spyOn(platform, 'attachFiles');
    platform.dropFiles({ paths: ['/x.png'], x: 10, y: 10 });
    await new Promise((r) => setTimeout(r, 10));
    expect(attach).not.toHaveBeenCalled();
    expect(desk.route.name).toBe('queue');
  });
});
