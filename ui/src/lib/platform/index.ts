//! Picks the platform: Tauri commands inside the app's webview, the in-memory mock in a plain
//! browser (`npm run dev`, and in Vitest). Both are loaded lazily so the app bundle's first chunk
//! stays small; a production build holds no mock at all.

import type { Platform } from './platform';

export type { Platform, DeskError, FileDrop, Unlisten } from './platform';

export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export async function createPlatform(): Promise<Platform> {
  if (inTauri()) {
    const { TauriPlatform } = await import('./tauri');
    return new TauriPlatform();
  }
  if (!import.meta.env.DEV && import.meta.env.MODE !== 'test') {
    // A production build runs only inside the app; leaving this branch out keeps the mock (and
    // its sample data) out of the bundle.
    throw new Error('Desk runs inside its desktop app.');
  }
  const { MockPlatform } = await import('./mock');
  // In the browser preview `?as=customer` or `?as=agent` opens signed in; `&offline` starts
  // without a connection.
  const params = new URLSearchParams(window.location.search);
  const as = params.get('as');
  return new MockPlatform({
    autoSendMs: 1500,
    account: as === 'agent' || as === 'customer' ? as : null,
    online: !params.has('offline'),
  });
}
