//! Picks the platform: Tauri commands inside the app's webview, the in-memory mock in a plain
//! browser (`npm run dev`). Both are loaded lazily so the app bundle's first chunk stays small.

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
