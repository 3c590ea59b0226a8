import { beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { renderApp, waitForRows } from '../testing/app';
import { markListPainted, resetListPainted } from './painted';

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
