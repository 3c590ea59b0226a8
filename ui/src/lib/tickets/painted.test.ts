import { beforeEach, describe, expect, it } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import App from '../../App.svelte';
import { DeskApp } from '../app/desk.svelte';
import { MockPlatform } from '../platform/mock';
import { renderApp, waitForRows } from '../testing/app';
import { markListPainted, resetListPainted } from './painted';
import { FIRST_ROWS, PAGE } from './tickets.svelte';

describe('the first painted list (start-up measurement)', () => {
  beforeEach(() => {
    resetListPainted();
    performance.clearMarks('desk:list-painted');
  });

  it('marks the frame after the rows reach the DOM, once', async () => {
    const before = Date.now();
    await renderApp({ account: 'customer' });
    await waitForRows();
    const html = document.documentElement;
    await waitFor(() => expect(html.dataset.listPainted).toBeDefined());
    const at = Number(html.dataset.listPainted);
    expect(at).toBeGreaterThanOrEqual(before - 1);
    expect(at).toBeLessThanOrEqual(Date.now() + 1);
    expect(Number(html.dataset.listPaintedMs)).toBeGreaterThan(0);
    expect(performance.getEntriesByName('desk:list-painted', 'mark')).toHaveLength(1);
    // Later lists (filters, reloads, other screens) do not move the mark.
    expect(markListPainted()).toBe(false);
  });

  it('works for the agents queue too', async () => {
    await renderApp({ account: 'agent' });
    await waitForRows();
    await waitFor(() => expect(document.documentElement.dataset.listPainted).toBeDefined());
  });
});

describe('a long list', () => {
  it('paints a screenful first and the rest of the page a frame later', async () => {
    const platform = new MockPlatform({ account: 'customer', autoSendMs: null });
    const original = platform.tickets.bind(platform);
    platform.tickets = async (q) => {
      const items = await original({ ...q, status: null });
      const base = items.find((i) => i.ticket.number > 0)!;
      return Array.from({ length: PAGE }, (_, k) => ({
        ...base,
        sending: null,
        ticket: { ...base.ticket, id: `00000000-0000-7000-8000-${String(k).padStart(12, '0')}`, number: 5000 - k },
      }));
    };
    const desk = new DeskApp(platform, { autosaveMs: 20, searchMs: 0 });
    render(App, { props: { desk } });
    await desk.start();
    const first = await waitForRows();
    expect(first).toHaveLength(FIRST_ROWS);
    expect(first[0]!.getAttribute('data-number')).toBe('5000');
    await waitFor(() => expect(screen.getAllByTestId('ticket-row')).toHaveLength(PAGE));
    expect(screen.getAllByTestId('ticket-row')[PAGE - 1]!.getAttribute('data-number')).toBe(String(5000 - PAGE + 1));
  });
});
