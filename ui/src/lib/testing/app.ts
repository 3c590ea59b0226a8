//! Renders the whole app on the mock platform for component tests.

import { render, screen, waitFor } from '@testing-library/svelte';
import App from '../../App.svelte';
import { DeskApp } from '../app/desk.svelte';
import { MockPlatform, type MockOptions } from '../platform/mock';

export async function renderApp(opts: MockOptions = {}) {
  const platform = new MockPlatform({ autoSendMs: null, ...opts });
  const desk = new DeskApp(platform, { autosaveMs: 20, searchMs: 0 });
  const result = render(App, { props: { desk } });
  await desk.start();
  return { platform, desk, ...result };
}

/** Every ticket row on screen, by number attribute. */
export function rowNumbers(): string[] {
  return screen.queryAllByTestId('ticket-row').map((r) => r.getAttribute('data-number') ?? '');
}

export async function waitForRows(): Promise<HTMLElement[]> {
  return await waitFor(() => {
    const rows = screen.getAllByTestId('ticket-row');
    if (rows.length === 0) throw new Error('no rows');
    return rows;
  });
}

export function row(number: number): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="ticket-row"][data-number="${number}"]`);
  if (!el) throw new Error(`no row #${number}`);
  return el;
}
