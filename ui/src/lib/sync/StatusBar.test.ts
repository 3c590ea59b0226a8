import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/svelte';
import { renderApp } from '../testing/app';

describe('status bar', () => {
  it('says online with the time of the last update', async () => {
    const { platform } = await renderApp({ account: 'customer', unsent: false });
    // Before today: date and time; today: the time alone.
    platform.setState({ last_synced: '2025-03-10T12:05:00Z' });
    await waitFor(() =>
      expect(screen.getByTestId('status-connection').textContent?.trim()).toBe('На зв’язку · оновлено о 10.03.2025, 14:05'),
    );
    platform.setState({ last_synced: new Date().toISOString() });
    await waitFor(() =>
      expect(screen.getByTestId('status-connection').textContent?.trim()).toMatch(/^На зв’язку · оновлено о \d\d:\d\d$/),
    );
    expect(screen.getByTestId('status-bar').getAttribute('data-state')).toBe('online');
    expect(screen.queryByTestId('status-pending')).toBeNull();
    expect(screen.queryByTestId('status-failed')).toBeNull();
  });

  it('says since when the server is unreachable, and what waits to be sent', async () => {
    const { platform } = await renderApp({ account: 'customer', unsent: false });
    const since = new Date();
    since.setUTCHours(0, 14, 0, 0); // 02:14 in Kyiv in winter
    platform.setState({ online: false, offline_since: since.toISOString(), pending: 3, failed: 1 });
    await waitFor(() => expect(screen.getByTestId('status-bar').getAttribute('data-state')).toBe('offline'));
    expect(screen.getByTestId('status-connection').textContent).toMatch(/^Немає зв’язку з сервером з (\d\d\.\d\d\.\d{4}, )?0[23]:14$/);
    expect(screen.getByTestId('status-pending').textContent).toBe('Очікують надсилання: 3');
    expect(screen.getByTestId('status-failed').textContent?.trim()).toBe('Не вдалося надіслати: 1');
  });

  it('says syncing', async () => {
    const { platform } = await renderApp({ account: 'customer', unsent: false });
    platform.setState({ syncing: true });
    await waitFor(() => expect(screen.getByTestId('status-connection').textContent?.trim()).toBe('Оновлюємо…'));
    expect(screen.getByTestId('status-bar').getAttribute('data-state')).toBe('syncing');
  });

  it('follows the outbox: a write made offline waits, then goes', async () => {
    const { platform } = await renderApp({ account: 'customer', unsent: false });
    platform.setOnline(false);
    await platform.saveDraft('new-ticket', { topic_id: 'other', subject: 'Питання', body: 'Текст', internal: false });
    await platform.submitTicketDraft();
    await waitFor(() => expect(screen.getByTestId('status-pending').textContent).toBe('Очікують надсилання: 1'));
    platform.setOnline(true);
    await waitFor(() => expect(screen.queryByTestId('status-pending')).toBeNull());
    expect(screen.getByTestId('status-bar').getAttribute('data-state')).toBe('online');
  });

  it('asks to sign in again when the server drops the session', async () => {
    const { platform } = await renderApp({ account: 'customer', unsent: false });
    platform.setState({ needs_sign_in: true });
    expect(await screen.findByTestId('needs-sign-in')).toBeTruthy();
    expect(screen.getByTestId('status-sign-in')).toBeTruthy();
  });
});
