import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../testing/app';

async function fill(server: string, email: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByTestId('signin-server'), server);
  await user.type(screen.getByTestId('signin-email'), email);
  await user.type(screen.getByTestId('signin-password'), password);
  await user.click(screen.getByTestId('signin-submit'));
}

describe('sign in', () => {
  it('shows the core error for a wrong password', async () => {
    await renderApp();
    await fill('https://desk.example.ua', 'dispatch@blyskavka.example', 'невірний');
    expect((await screen.findByTestId('signin-error')).textContent).toBe('Неправильна пошта або пароль.');
    expect(screen.queryByTestId('status-bar')).toBeNull();
  });

  it('says when the server cannot be reached', async () => {
    await renderApp();
    await fill('https://unreachable.example.ua', 'dispatch@blyskavka.example', 'demo');
    expect((await screen.findByTestId('signin-error')).textContent).toContain('Не вдалося з’єднатися з сервером');
  });

  it('opens the ticket list after signing in and remembers server and email', async () => {
    await renderApp();
    await fill('https://desk.example.ua', 'dispatch@blyskavka.example', 'demo');
    await screen.findByTestId('tickets-screen');
    expect(screen.getByTestId('status-bar')).toBeTruthy();
    expect(localStorage.getItem('desk.lastServer')).toBe('https://desk.example.ua');
  });

  it('resumes the last account without the sign-in screen', async () => {
    await renderApp({ account: 'customer' });
    expect(screen.queryByTestId('signin-form')).toBeNull();
    expect(await screen.findByTestId('tickets-screen')).toBeTruthy();
  });

  it('opens the queue for an agent', async () => {
    await renderApp();
    await fill('https://desk.example.ua', 'a.koval@support.example', 'demo');
    expect(await screen.findByTestId('queue-screen')).toBeTruthy();
  });

  it('switches the sign-in screen to English', async () => {
    await renderApp();
    await fireEvent.click(screen.getByTestId('signin-lang-en'));
    await waitFor(() => expect(screen.getByTestId('signin-submit').textContent?.trim()).toBe('Sign in'));
  });
});
