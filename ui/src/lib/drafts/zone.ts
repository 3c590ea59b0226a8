//! Registers a form as a drop zone while it is mounted (use inside `$effect`).

import type { DeskApp } from '../app/desk.svelte';

export function dropZone(
  desk: DeskApp,
  key: string,
  element: HTMLElement | undefined,
  attach: (paths: string[]) => Promise<void>,
): (() => void) | undefined {
  if (!element) return undefined;
  return desk.dropZones.register({ key, element, attach });
}
