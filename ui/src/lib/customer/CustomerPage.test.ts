import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { renderApp } from '../testing/app';

async function openPage(opts = {}) {
  const r = await renderApp({ account: 'customer', ...opts });
  await fireEvent.click(screen.getByTestId('nav-account'));
  await screen.findByTestId('account-screen');
  return r;
}

describe('customer page', () => {
  it('shows the organisation, the account and the data on disk', async () => {
    await openPage();
    expect(screen.getByTestId('account-org').textContent).toBe('Таксі «Блискавка», Рівне');
    expect(screen.getByTestId('account-name').textContent).toBe('Оксана Мельник');
    expect((await screen.findByTestId('storage-path')).textContent).toContain('/accounts/');
    expect(screen.getByTestId('storage-pending').textContent).toBe('1');
    expect(screen.getByTestId('storage-failed').textContent).toBe('1');
    expect(screen.getByTestId('storage-total').textContent).toBe('18 МБ');
  });

  it('saves notification preferences', async () => {
    const { platform } = await openPage();
    const set = vi.spyOn(platform, 'setPreferences');
    await fireEvent.click(screen.getByTestId('pref-notify_ticket_resolved'));
    expect(set).toHaveBeenLastCalledWith(expect.objectContaining({ notify_ticket_resolved: false, notify_support_replied: true }));
    await fireEvent.click(screen.getByTestId('pref-sound'));
    expect(set).toHaveBeenLastCalledWith(expect.objectContaining({ sound: false, notify_ticket_resolved: false }));
    expect((await platform.preferences()).sound).toBe(false);
    // agents' kinds are not offered to customers
    expect(screen.queryByTestId('pref-notify_new_ticket')).toBeNull();
  });

  it('switches the whole UI to English and back', async () => {
    const { platform } = await openPage();
    expect(screen.getByTestId('nav-tickets').textContent).toContain('Звернення');
    await fireEvent.click(screen.getByTestId('lang-en'));
    await waitFor(() => expect(screen.getByTestId('nav-tickets').textContent).toContain('Tickets'));
    expect(screen.getByTestId('nav-create').textContent).toContain('Create ticket');
    expect(screen.getByTestId('storage-total').textContent).toBe('18 MB');
    expect((await platform.preferences()).lang).toBe('en');
    await fireEvent.click(screen.getByTestId('lang-uk'));
    await waitFor(() => expect(screen.getByTestId('nav-tickets').textContent).toContain('Звернення'));
  });

  it('signs out after confirmation; with unsent writes offers to sign out anyway', async () => {
    const { platform } = await openPage();
    const signOut = vi.spyOn(platform, 'signOut');
    await fireEvent.click(screen.getByTestId('signout'));
    await fireEvent.click(await screen.findByTestId('signout-confirm'));
    expect(signOut).toHaveBeenCalledWith(false);
    expect((await screen.findByTestId('signout-unsent')).textContent).toContain('Ще не надіслано: 2');
    await fireEvent.click(screen.getByTestId('signout-anyway'));
    expect(signOut).toHaveBeenLastCalledWith(true);
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
  });

  it('signs out at once when nothing waits', async () => {
    await openPage({ unsent: false });
    await fireEvent.click(screen.getByTestId('signout'));
    await fireEvent.click(await screen.findByTestId('signout-confirm'));
    expect(await screen.findByTestId('signin-form')).toBeTruthy();
  });

  it('closes the sign-out dialog with Esc', async () => {
    await openPage();
    await fireEvent.click(screen.getByTestId('signout'));
    await screen.findByTestId('signout-dialog');
    await fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('signout-dialog')).toBeNull());
  });

  it('says when support answers, from the business calendar, and what to do about an outage', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    const nextYear = new Date().getFullYear() + 1;
    platform.businessCalendar = {
      timezone: 'Europe/Kyiv',
      opens: '09:00',
      closes: '18:00',
      working_days: [1, 2, 3, 4, 5],
      holidays: ['2000-01-01', `${nextYear}-03-08`, `${nextYear}-01-07`],
    };
    await fireEvent.click(screen.getByTestId('nav-account'));
    expect((await screen.findByTestId('support-hours-tickets')).textContent?.trim()).toBe(
      'Звернення розглядаємо пн–пт з 09:00 до 18:00 за київським часом.',
    );
    expect(screen.getByTestId('support-hours-days-off').textContent).toBe('Неробочі дні: 7 січня, 8 березня.');
    expect(screen.getByTestId('support-hours').textContent).toContain('«Повідомити про збій»');
  });

  it('says so when support never closes, without the after-hours note', async () => {
    const { platform } = await renderApp({ account: 'customer' });
    platform.businessCalendar = { ...platform.businessCalendar, opens: '00:00', closes: '24:00' };
    await fireEvent.click(screen.getByTestId('nav-account'));
    expect((await screen.findByTestId('support-hours-tickets')).textContent?.trim()).toBe(
      'Звернення розглядаємо цілодобово, без вихідних.',
    );
    expect(screen.getByTestId('support-hours').textContent).not.toContain('поза робочим часом');
  });

  it('offers agents their own notification kinds', async () => {
    await renderApp({ account: 'agent' });
    await fireEvent.click(screen.getByTestId('nav-account'));
    expect(await screen.findByTestId('pref-notify_urgent_ticket')).toBeTruthy();
    expect(screen.queryByTestId('pref-notify_support_replied')).toBeNull();
    expect(screen.queryByTestId('support-hours')).toBeNull();
  });
});
